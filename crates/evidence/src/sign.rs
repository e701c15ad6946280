//! Ed25519 signatures over evidence packs in a DSSE envelope, the key file format, and the
//! in-toto Statement view of a pack.
//!
//! The envelope follows DSSE v1: `payloadType` is [`PAYLOAD_TYPE`], `payload` is the base64
//! (standard alphabet, padded) of the RFC 8785 form of the pack without its `signature` member,
//! and each signature signs `PAE(payloadType, payload)` =
//! `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
//!
//! Key files are one line of text:
//! `abp-ed25519-secret:<base64 of the 32-byte seed>` and
//! `abp-ed25519-public:<base64 of the 32-byte public key>`. A key id is the first 16 hex digits
//! of the SHA-256 of the 32 public key bytes. Verification requires a signature's `keyid` to name
//! a trusted key and that key to verify it (strict Ed25519 verification).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::canonical::{canonicalize, sha256_hex};
use crate::pack::{EvidenceError, PipelineEvidencePack, content_hash, without};
use crate::report::{Mismatch, MismatchKind};

/// DSSE `payloadType` of an abp evidence pack.
pub const PAYLOAD_TYPE: &str = "application/vnd.abp.evidence+json";
/// Prefix of a secret key file's line.
pub const SECRET_KEY_PREFIX: &str = "abp-ed25519-secret:";
/// Prefix of a public key file's line.
pub const PUBLIC_KEY_PREFIX: &str = "abp-ed25519-public:";
/// in-toto `predicateType` of the statement [`to_in_toto_statement`] produces.
pub const PREDICATE_TYPE: &str = "https://abp.dev/evidence/v1";

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// What the payload is ([`PAYLOAD_TYPE`]).
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Base64 of the signed bytes.
    pub payload: String,
    /// One entry per signer.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// Key id of the signer (see the module docs).
    pub keyid: String,
    /// Base64 of the 64-byte Ed25519 signature over the PAE.
    pub sig: String,
}

/// An Ed25519 signing key, read from or written as a key file line. Its `Debug` output shows
/// only the key id.
#[derive(Clone)]
pub struct SecretKeyText {
    key: SigningKey,
}

/// An Ed25519 public key, read from or written as a key file line.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKeyText {
    key: VerifyingKey,
}

impl SecretKeyText {
    /// Reads `abp-ed25519-secret:<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, EvidenceError> {
        let bytes = decode_key(text, SECRET_KEY_PREFIX, "secret")?;
        Ok(Self {
            key: SigningKey::from_bytes(&bytes),
        })
    }

    /// The key file line. It is the secret itself: write it only to a private file.
    pub fn to_text(&self) -> String {
        format!(
            "{SECRET_KEY_PREFIX}{}",
            STANDARD.encode(self.key.as_bytes())
        )
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKeyText {
        PublicKeyText {
            key: self.key.verifying_key(),
        }
    }

    /// Key id of the matching public key.
    pub fn keyid(&self) -> String {
        self.public_key().keyid()
    }
}

impl fmt::Debug for SecretKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeyText")
            .field("keyid", &self.keyid())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl PublicKeyText {
    /// Reads `abp-ed25519-public:<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, EvidenceError> {
        let bytes = decode_key(text, PUBLIC_KEY_PREFIX, "public")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| {
            EvidenceError::Key("public key is not a valid Ed25519 point".to_owned())
        })?;
        Ok(Self { key })
    }

    /// The key file line.
    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_KEY_PREFIX}{}",
            STANDARD.encode(self.key.as_bytes())
        )
    }

    /// First 16 hex digits of the SHA-256 of the public key bytes.
    pub fn keyid(&self) -> String {
        sha256_hex(self.key.as_bytes())[..16].to_owned()
    }
}

impl fmt::Debug for PublicKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKeyText")
            .field(&self.to_text())
            .finish()
    }
}

impl fmt::Display for PublicKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn decode_key(text: &str, prefix: &str, kind: &str) -> Result<[u8; 32], EvidenceError> {
    let text = text.trim();
    let Some(body) = text.strip_prefix(prefix) else {
        // The text may be a secret: never echo it.
        return Err(EvidenceError::Key(format!(
            "{kind} key file does not start with `{prefix}`; expected one line `{prefix}<base64 of 32 bytes>`"
        )));
    };
    let bytes = STANDARD.decode(body).map_err(|_| {
        EvidenceError::Key(format!("{kind} key after `{prefix}` is not valid base64"))
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        EvidenceError::Key(format!(
            "{kind} key is {} bytes; an Ed25519 {kind} key is 32 bytes",
            bytes.len()
        ))
    })
}

/// Generates a fresh key pair from the operating system's random source.
pub fn generate_keypair() -> Result<(SecretKeyText, PublicKeyText), EvidenceError> {
    let mut seed = [0_u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| EvidenceError::Key(format!("no randomness for key generation: {e}")))?;
    let secret = SecretKeyText {
        key: SigningKey::from_bytes(&seed),
    };
    seed.fill(0);
    let public = secret.public_key();
    Ok((secret, public))
}

/// DSSE pre-authentication encoding of `payload` with `payload_type`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The bytes a signature covers: the RFC 8785 form of the pack without `signature`.
pub fn signing_payload(pack: &Value) -> Result<String, EvidenceError> {
    Ok(canonicalize(&without(pack, &["signature"]))?)
}

/// Signs `pack`. If the pack already carries an envelope over the same payload, the new signature
/// is added to it (co-signing); otherwise the envelope is new. Attach the result as
/// `pack.signature` (see [`attach_signature`]).
pub fn sign(
    pack: &PipelineEvidencePack,
    secret: &SecretKeyText,
) -> Result<Envelope, EvidenceError> {
    let value = pack.to_value()?;
    let recomputed = content_hash(&value)?;
    if recomputed != pack.content_hash {
        return Err(EvidenceError::Signing(format!(
            "pack `{}` has content_hash {} but its content hashes to {recomputed}; rebuild it before signing",
            pack.pack_id, pack.content_hash
        )));
    }
    let payload = STANDARD.encode(signing_payload(&value)?);
    let signature = secret.key.sign(&pae(PAYLOAD_TYPE, payload.as_bytes()));
    let entry = EnvelopeSignature {
        keyid: secret.keyid(),
        sig: STANDARD.encode(signature.to_bytes()),
    };
    let mut envelope = match &pack.signature {
        Some(existing) if existing.payload == payload && existing.payload_type == PAYLOAD_TYPE => {
            existing.clone()
        }
        _ => Envelope {
            payload_type: PAYLOAD_TYPE.to_owned(),
            payload,
            signatures: Vec::new(),
        },
    };
    envelope.signatures.retain(|s| s.keyid != entry.keyid);
    envelope.signatures.push(entry);
    Ok(envelope)
}

/// Signs `pack` and stores the envelope in `pack.signature`.
pub fn attach_signature(
    pack: &mut PipelineEvidencePack,
    secret: &SecretKeyText,
) -> Result<(), EvidenceError> {
    pack.signature = Some(sign(pack, secret)?);
    Ok(())
}

/// Checks `envelope`'s signatures against `trusted` keys and returns the key id of the first
/// valid one. Every signature whose key id names a trusted key must verify; signatures by keys
/// that are not trusted are skipped, but at least one trusted signature must be present. Failure
/// names the offending member with pointers under `prefix` (e.g. `/signature`).
pub fn verify_envelope(
    envelope: &Envelope,
    trusted: &[PublicKeyText],
    prefix: &str,
) -> Result<String, Mismatch> {
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(Mismatch::new(
            format!("{prefix}/payloadType"),
            MismatchKind::SignatureInvalid,
            format!(
                "envelope payloadType is `{}`, expected `{PAYLOAD_TYPE}`",
                envelope.payload_type
            ),
        ));
    }
    let message = pae(&envelope.payload_type, envelope.payload.as_bytes());
    let mut valid = None;
    let mut first_untrusted = None;
    for (i, entry) in envelope.signatures.iter().enumerate() {
        let Some(key) = trusted.iter().find(|k| k.keyid() == entry.keyid) else {
            first_untrusted.get_or_insert(i);
            continue;
        };
        let sig_path = format!("{prefix}/signatures/{i}/sig");
        let signature = STANDARD
            .decode(&entry.sig)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .map(|b| Signature::from_bytes(&b));
        let ok = signature.is_some_and(|s| key.key.verify_strict(&message, &s).is_ok());
        if !ok {
            return Err(Mismatch::new(
                sig_path.clone(),
                MismatchKind::SignatureInvalid,
                format!(
                    "`{sig_path}` does not verify with trusted key {}",
                    entry.keyid
                ),
            ));
        }
        valid.get_or_insert_with(|| entry.keyid.clone());
    }
    if let Some(keyid) = valid {
        return Ok(keyid);
    }
    if let Some(i) = first_untrusted {
        let path = format!("{prefix}/signatures/{i}/keyid");
        return Err(Mismatch::new(
            path.clone(),
            MismatchKind::UntrustedKey,
            format!(
                "`{path}` names key {} which is not among the {} trusted key(s)",
                envelope.signatures[i].keyid,
                trusted.len()
            ),
        ));
    }
    let path = format!("{prefix}/signatures/0");
    Err(Mismatch::new(
        path.clone(),
        MismatchKind::SignatureMissing,
        format!("`{path}`: the envelope has no signatures"),
    ))
}

/// An in-toto Statement v1 for the pack: subjects are the artifacts (`name` = path, `digest` =
/// `{sha256}`); a pack without artifacts names itself (`abp-evidence:<pack_id>`, digest its
/// `content_hash`) so the statement always has a subject. The predicate is the pack's summary
/// and identity, not its full content.
pub fn to_in_toto_statement(pack: &PipelineEvidencePack) -> Value {
    let mut subjects: Vec<Value> = pack
        .artifacts
        .iter()
        .map(|a| json!({"name": a.path, "digest": {"sha256": a.sha256}}))
        .collect();
    if subjects.is_empty() {
        subjects.push(json!({
            "name": format!("abp-evidence:{}", pack.pack_id),
            "digest": {"sha256": pack.content_hash},
        }));
    }
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "pack_id": pack.pack_id,
            "run_id": pack.run_id,
            "generated_at": pack.generated_at,
            "business_intent_id": pack.business_intent_id,
            "graph_id": pack.graph_id,
            "is_dry_run": pack.is_dry_run,
            "mode": pack.mode,
            "host_version": pack.host_version,
            "summary": pack.summary,
            "plugins": pack.plugins,
            "policy_digest": pack.policy_digest,
            "audit_chain_head": pack.audit_chain_head,
            "reproducibility_digest": pack.reproducibility_digest,
            "content_hash": pack.content_hash,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_layout() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn key_files_round_trip_and_never_show_the_secret() {
        let (secret, public) = generate_keypair().expect("keys");
        let again =
            SecretKeyText::parse(&format!("  {}\n", secret.to_text())).expect("parse secret");
        assert_eq!(again.public_key(), public);
        assert_eq!(
            PublicKeyText::parse(&public.to_text()).expect("parse public"),
            public
        );
        assert_eq!(public.keyid().len(), 16);
        let shown = format!("{secret:?}");
        assert!(
            !shown.contains(&secret.to_text()[SECRET_KEY_PREFIX.len()..]),
            "{shown}"
        );
    }

    #[test]
    fn rejects_malformed_key_files_without_echoing_them() {
        let (secret, _) = generate_keypair().expect("keys");
        let body = &secret.to_text()[SECRET_KEY_PREFIX.len()..];
        for text in [body.to_owned(), format!("{PUBLIC_KEY_PREFIX}{body}")] {
            let err = SecretKeyText::parse(&text)
                .expect_err("wrong prefix")
                .to_string();
            assert!(!err.contains(body), "{err}");
        }
        assert!(SecretKeyText::parse(&format!("{SECRET_KEY_PREFIX}AAAA")).is_err());
        assert!(PublicKeyText::parse(&format!("{PUBLIC_KEY_PREFIX}not base64!")).is_err());
    }
}
