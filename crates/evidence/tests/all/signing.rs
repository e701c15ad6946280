//! DSSE/Ed25519 signatures: the right key verifies, a wrong key or a forged key id fails, an
//! unsigned pack fails when keys are required, and the in-toto statement lists the artifacts.

use abp_evidence::{
    MismatchKind, PAYLOAD_TYPE, SignatureStatus, VerifyOptions, attach_signature, generate_keypair,
    sign, to_in_toto_statement, verify,
};
use base64::Engine as _;
use serde_json::Value;

use crate::sample;

fn trusting(keys: &[&abp_evidence::PublicKeyText]) -> VerifyOptions {
    VerifyOptions {
        artifacts_root: None,
        trusted_keys: keys.iter().map(|k| (*k).clone()).collect(),
    }
}

#[test]
fn the_envelope_carries_the_canonical_pack_without_its_signature() {
    let pack = sample::pack();
    let (secret, public) = generate_keypair().expect("keys");
    let envelope = sign(&pack, &secret).expect("sign");
    assert_eq!(envelope.payload_type, PAYLOAD_TYPE);
    assert_eq!(envelope.signatures.len(), 1);
    assert_eq!(envelope.signatures[0].keyid, public.keyid());
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&envelope.payload)
        .expect("base64");
    let expected = abp_evidence::canonicalize(&pack.to_value().expect("json")).expect("jcs");
    assert_eq!(String::from_utf8(payload).expect("utf-8"), expected);
}

#[test]
fn verifies_with_the_signing_key_and_fails_with_another() {
    let mut pack = sample::pack();
    let (secret, public) = generate_keypair().expect("keys");
    let (_, other) = generate_keypair().expect("keys");
    attach_signature(&mut pack, &secret).expect("sign");
    let value = pack.to_value().expect("json");

    let report = verify(&value, &trusting(&[&public]));
    assert_eq!(
        report.signature,
        SignatureStatus::Valid {
            keyid: public.keyid()
        }
    );

    let report = verify(&value, &trusting(&[&other]));
    assert!(!report.valid);
    assert_eq!(report.signature, SignatureStatus::Invalid);
    let first = report.first().expect("mismatch");
    assert_eq!(
        (first.path.as_str(), first.kind),
        ("/signature/signatures/0/keyid", MismatchKind::UntrustedKey)
    );

    // Relabelling the signature with the trusted key's id does not make it verify.
    let mut relabelled = value.clone();
    relabelled["signature"]["signatures"][0]["keyid"] = Value::String(other.keyid());
    let first = verify(&relabelled, &trusting(&[&other]))
        .mismatches
        .remove(0);
    assert_eq!(
        (first.path.as_str(), first.kind),
        (
            "/signature/signatures/0/sig",
            MismatchKind::SignatureInvalid
        )
    );

    // Without trusted keys the signature is reported unchecked, not valid.
    let report = verify(&value, &VerifyOptions::default());
    assert!(report.valid);
    assert_eq!(report.signature, SignatureStatus::Unchecked);
}

#[test]
fn an_unsigned_pack_fails_when_keys_are_required() {
    let pack = sample::pack().to_value().expect("json");
    let (_, public) = generate_keypair().expect("keys");
    let report = verify(&pack, &trusting(&[&public]));
    assert_eq!(
        report.first().map(|m| (m.path.as_str(), m.kind)),
        Some(("/signature", MismatchKind::SignatureMissing))
    );
    assert_eq!(
        verify(&pack, &VerifyOptions::default()).signature,
        SignatureStatus::Absent
    );
}

#[test]
fn co_signing_adds_a_signature_and_each_trusted_key_verifies() {
    let mut pack = sample::pack();
    let (a, a_pub) = generate_keypair().expect("keys");
    let (b, b_pub) = generate_keypair().expect("keys");
    attach_signature(&mut pack, &a).expect("sign a");
    attach_signature(&mut pack, &b).expect("sign b");
    assert_eq!(pack.signature.as_ref().map(|e| e.signatures.len()), Some(2));
    let value = pack.to_value().expect("json");
    assert!(verify(&value, &trusting(&[&a_pub])).valid);
    assert!(verify(&value, &trusting(&[&b_pub])).valid);
    // A bad signature by a trusted key fails even when another trusted key's signature holds.
    let mut broken = value;
    broken["signature"]["signatures"][1]["sig"] =
        broken["signature"]["signatures"][0]["sig"].clone();
    let report = verify(&broken, &trusting(&[&a_pub, &b_pub]));
    assert_eq!(
        report.first().map(|m| m.path.as_str()),
        Some("/signature/signatures/1/sig")
    );
}

#[test]
fn refuses_to_sign_a_pack_whose_content_hash_is_stale() {
    let mut pack = sample::pack();
    pack.graph_id.push_str("-edited");
    let (secret, _) = generate_keypair().expect("keys");
    let err = sign(&pack, &secret).expect_err("stale").to_string();
    assert!(err.contains("rebuild it before signing"), "{err}");
}

#[test]
fn the_in_toto_statement_names_each_artifact_by_digest() {
    let pack = sample::pack();
    let statement = to_in_toto_statement(&pack);
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://abp.dev/evidence/v1");
    let subjects = statement["subject"].as_array().expect("subjects");
    assert_eq!(subjects.len(), pack.artifacts.len());
    for (s, a) in subjects.iter().zip(&pack.artifacts) {
        assert_eq!(s["name"], a.path.as_str());
        assert_eq!(s["digest"]["sha256"], a.sha256.as_str());
    }
    assert_eq!(
        statement["predicate"]["content_hash"],
        pack.content_hash.as_str()
    );
    assert_eq!(
        statement["predicate"]["summary"],
        Value::Object(pack.summary.clone())
    );

    let mut bare = sample::input(&sample::FIRST);
    bare.artifacts.clear();
    let bare = abp_evidence::build(bare).expect("build");
    let statement = to_in_toto_statement(&bare);
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        bare.content_hash.as_str()
    );
}
