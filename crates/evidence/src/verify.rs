//! Offline verification of an evidence pack given as JSON.
//!
//! [`verify`] recomputes everything the pack records and lists what does not hold, most telling
//! first, so `mismatches[0]` names the field that was changed:
//!
//! 1. shape: every member the pack type has, with the right JSON type (all problems listed);
//! 2. `field_digests`: the digest tree walk names the edited leaf, the removed, inserted or moved
//!    array element, the added or removed member, or the edited recorded digest
//!    (see [`crate::digests`]);
//! 3. the audit chain: each event's `prev_hash` and `hash`, then `audit_chain_head`;
//! 4. `reproducibility_digest`, then `content_hash`;
//! 5. with `artifacts_root`: every artifact file is re-hashed; changed, missing and escaping
//!    files are each listed;
//! 6. the DSSE envelope, when present: `payloadType`, that `payload` is this pack, and, with
//!    trusted keys, the signatures. With trusted keys an unsigned pack fails; without them a
//!    signature is reported as unchecked.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::Value;

use crate::canonical::CanonicalError;
use crate::chain::verify_chain;
use crate::digests::{digest_tree, locate};
use crate::pack::{
    NOT_IN_FIELD_DIGESTS, content_hash, hash_file_under, relative_artifact_path, without,
};
use crate::report::{Mismatch, MismatchKind};
use crate::repro::reproducibility_digest;
use crate::sign::{Envelope, PAYLOAD_TYPE, PublicKeyText, signing_payload, verify_envelope};

/// What [`verify`] checks beyond the pack itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Directory the artifact paths are relative to; when set, each file is re-hashed.
    pub artifacts_root: Option<PathBuf>,
    /// Keys whose signatures are accepted; when non-empty, the pack must carry a valid one.
    pub trusted_keys: Vec<PublicKeyText>,
}

/// What became of the signature check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// The pack carries no signature.
    Absent,
    /// The pack is signed but no trusted keys were given.
    Unchecked,
    /// A trusted key signed this pack.
    Valid {
        /// The key id of the first valid trusted signature.
        keyid: String,
    },
    /// The signature does not hold (see the mismatches).
    Invalid,
}

/// The outcome of [`verify`]. `valid`, `expected_hash` and `computed_hash` keep the seed's
/// verify response fields.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when nothing mismatched.
    pub valid: bool,
    /// The `content_hash` the pack records.
    pub expected_hash: String,
    /// The `content_hash` recomputed from the pack (empty when it cannot be computed).
    pub computed_hash: String,
    /// Everything that does not hold, the culprit first.
    pub mismatches: Vec<Mismatch>,
    /// The signature check.
    pub signature: SignatureStatus,
    /// How many artifact files were re-hashed.
    pub artifacts_checked: usize,
}

impl VerifyReport {
    /// The first thing that does not match, if any.
    pub fn first(&self) -> Option<&Mismatch> {
        self.mismatches.first()
    }
}

/// Verifies a pack given as JSON (see the module docs for the order of checks).
pub fn verify(pack: &Value, opts: &VerifyOptions) -> VerifyReport {
    let expected_hash = pack
        .get("content_hash")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let computed_hash = content_hash(pack).unwrap_or_default();
    let mut report = VerifyReport {
        valid: false,
        expected_hash,
        computed_hash,
        mismatches: shape(pack),
        signature: SignatureStatus::Absent,
        artifacts_checked: 0,
    };
    if !report.mismatches.is_empty() {
        return report;
    }
    let m = &mut report.mismatches;

    match digest_tree(&without(pack, &NOT_IN_FIELD_DIGESTS)) {
        Ok(computed) => m.extend(locate(&pack["field_digests"], &computed, "/field_digests")),
        Err(e) => m.push(unrepresentable(&e)),
    }

    let events = pack["audit_events"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    match verify_chain(events) {
        Ok(head) => {
            let recorded = pack["audit_chain_head"].as_str().unwrap_or("");
            if recorded != head {
                m.push(
                    Mismatch::new(
                        "/audit_chain_head",
                        MismatchKind::DigestMismatch,
                        "`/audit_chain_head` is not the hash of the last audit event",
                    )
                    .hashes(Some(recorded), Some(&head)),
                );
            }
        }
        Err(b) => {
            let path = if b.field.is_empty() {
                format!("/audit_events/{}", b.index)
            } else {
                format!("/audit_events/{}/{}", b.index, b.field)
            };
            m.push(
                Mismatch::new(
                    path.clone(),
                    MismatchKind::ChainBroken,
                    format!("audit chain breaks at `{path}`"),
                )
                .hashes(Some(&b.expected), Some(&b.computed)),
            );
        }
    }

    derived(
        m,
        pack,
        "reproducibility_digest",
        reproducibility_digest(pack),
    );
    derived(m, pack, "content_hash", content_hash(pack));

    if let Some(root) = &opts.artifacts_root {
        report.artifacts_checked = check_artifacts(m, pack, root);
    }

    report.signature = check_signature(m, pack, &opts.trusted_keys);
    report.valid = report.mismatches.is_empty();
    report
}

fn unrepresentable(e: &CanonicalError) -> Mismatch {
    let path = match e {
        CanonicalError::NonFiniteNumber { path, .. } => path.clone(),
    };
    Mismatch::new(path, MismatchKind::Malformed, e.to_string())
}

fn derived(
    m: &mut Vec<Mismatch>,
    pack: &Value,
    field: &str,
    computed: Result<String, CanonicalError>,
) {
    let recorded = pack[field].as_str().unwrap_or("");
    match computed {
        Ok(c) if c == recorded => {}
        Ok(c) => m.push(
            Mismatch::new(
                format!("/{field}"),
                MismatchKind::DigestMismatch,
                format!("`/{field}` does not match the pack's content"),
            )
            .hashes(Some(recorded), Some(&c)),
        ),
        Err(e) => m.push(unrepresentable(&e)),
    }
}

fn check_artifacts(m: &mut Vec<Mismatch>, pack: &Value, root: &Path) -> usize {
    let mut checked = 0;
    let artifacts = pack["artifacts"].as_array().map_or(&[][..], Vec::as_slice);
    for (i, artifact) in artifacts.iter().enumerate() {
        let path = artifact["path"].as_str().unwrap_or("");
        let recorded = artifact["sha256"].as_str().unwrap_or("");
        let relative_text = match Path::new(path).strip_prefix(root) {
            Ok(rest) if Path::new(path).is_absolute() => rest.to_string_lossy().into_owned(),
            _ => path.to_owned(),
        };
        let relative = match relative_artifact_path(&relative_text) {
            Ok(r) => r,
            Err(reason) => {
                m.push(Mismatch::new(
                    format!("/artifacts/{i}/path"),
                    MismatchKind::ArtifactPathRejected,
                    format!("artifact `{path}` was not read: {reason}"),
                ));
                continue;
            }
        };
        checked += 1;
        match hash_file_under(root, &relative) {
            Err(reason) => m.push(
                Mismatch::new(
                    format!("/artifacts/{i}/path"),
                    MismatchKind::ArtifactMissing,
                    format!("artifact `{path}` is missing or unreadable: {reason}"),
                )
                .hashes(Some(recorded), None),
            ),
            Ok((sha, size)) if sha != recorded => {
                let recorded_size = artifact["size"].as_u64().unwrap_or(0);
                m.push(
                    Mismatch::new(
                        format!("/artifacts/{i}/sha256"),
                        MismatchKind::ArtifactChanged,
                        format!(
                            "artifact `{path}` changed on disk ({size} bytes now, {recorded_size} recorded)"
                        ),
                    )
                    .hashes(Some(recorded), Some(&sha)),
                );
            }
            Ok(_) => {}
        }
    }
    checked
}

fn check_signature(
    m: &mut Vec<Mismatch>,
    pack: &Value,
    trusted: &[PublicKeyText],
) -> SignatureStatus {
    let envelope = match pack.get("signature") {
        None | Some(Value::Null) => {
            if !trusted.is_empty() {
                m.push(Mismatch::new(
                    "/signature",
                    MismatchKind::SignatureMissing,
                    "pack is unsigned but trusted keys were given",
                ));
                return SignatureStatus::Invalid;
            }
            return SignatureStatus::Absent;
        }
        Some(v) => {
            let Ok(envelope) = serde_json::from_value::<Envelope>(v.clone()) else {
                m.push(Mismatch::new(
                    "/signature",
                    MismatchKind::Malformed,
                    "`/signature` is not a DSSE envelope",
                ));
                return SignatureStatus::Invalid;
            };
            envelope
        }
    };
    if envelope.payload_type != PAYLOAD_TYPE {
        m.push(Mismatch::new(
            "/signature/payloadType",
            MismatchKind::SignatureInvalid,
            format!(
                "envelope payloadType is `{}`, expected `{PAYLOAD_TYPE}`",
                envelope.payload_type
            ),
        ));
        return SignatureStatus::Invalid;
    }
    let expected_payload = signing_payload(pack).ok();
    let decoded = STANDARD.decode(&envelope.payload).ok();
    if decoded.is_none() || decoded != expected_payload.map(String::into_bytes) {
        m.push(Mismatch::new(
            "/signature/payload",
            MismatchKind::SignatureInvalid,
            "`/signature/payload` is not this pack; the envelope was made for other content",
        ));
        return SignatureStatus::Invalid;
    }
    if trusted.is_empty() {
        return SignatureStatus::Unchecked;
    }
    match verify_envelope(&envelope, trusted, "/signature") {
        Ok(keyid) => SignatureStatus::Valid { keyid },
        Err(mismatch) => {
            m.push(mismatch);
            SignatureStatus::Invalid
        }
    }
}

/// JSON types the verifier relies on, checked member by member so the report names each one.
#[derive(Clone, Copy)]
enum Kind {
    Any,
    Str,
    OptStr,
    Bool,
    U64,
    Object,
    Array,
    Mode,
}

const TOP_LEVEL: [(&str, Kind); 23] = [
    ("pack_id", Kind::Str),
    ("generated_at", Kind::Str),
    ("run_id", Kind::Str),
    ("business_intent_id", Kind::Str),
    ("business_intent", Kind::Any),
    ("graph_id", Kind::Str),
    ("graph_spec", Kind::Any),
    ("execution_result", Kind::Any),
    ("summary", Kind::Object),
    ("governance_decisions", Kind::Array),
    ("artifacts", Kind::Array),
    ("audit_events", Kind::Array),
    ("plugins", Kind::Array),
    ("policy_digest", Kind::Str),
    ("mode", Kind::Mode),
    ("host_version", Kind::Str),
    ("is_dry_run", Kind::Bool),
    ("storage_root", Kind::OptStr),
    ("audit_chain_head", Kind::Str),
    ("reproducibility_digest", Kind::Str),
    ("field_digests", Kind::Object),
    ("content_hash", Kind::Str),
    ("signature", Kind::Any),
];

const ARTIFACT: [(&str, Kind); 3] = [
    ("path", Kind::Str),
    ("sha256", Kind::Str),
    ("size", Kind::U64),
];

const PLUGIN: [(&str, Kind); 5] = [
    ("node_type", Kind::Str),
    ("version", Kind::Str),
    ("wasm_sha256", Kind::Str),
    ("manifest_sha256", Kind::Str),
    ("signer", Kind::OptStr),
];

const ENVELOPE: [(&str, Kind); 3] = [
    ("payloadType", Kind::Str),
    ("payload", Kind::Str),
    ("signatures", Kind::Array),
];

const ENVELOPE_SIGNATURE: [(&str, Kind); 2] = [("keyid", Kind::Str), ("sig", Kind::Str)];

fn shape(pack: &Value) -> Vec<Mismatch> {
    let mut problems = Vec::new();
    if !pack.is_object() {
        problems.push(Mismatch::new(
            "",
            MismatchKind::Malformed,
            "evidence pack is not a JSON object",
        ));
        return problems;
    }
    members(pack, "", &TOP_LEVEL, &mut problems);
    for (list, spec) in [("artifacts", &ARTIFACT[..]), ("plugins", &PLUGIN[..])] {
        for (i, item) in pack[list]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            members(item, &format!("/{list}/{i}"), spec, &mut problems);
        }
    }
    for (i, event) in pack["audit_events"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .enumerate()
    {
        if !event.is_object() {
            problems.push(Mismatch::new(
                format!("/audit_events/{i}"),
                MismatchKind::Malformed,
                format!("`/audit_events/{i}` is not a JSON object"),
            ));
        }
    }
    if let Some(envelope) = pack.get("signature").filter(|v| !v.is_null()) {
        strict_members(envelope, "/signature", &ENVELOPE, &mut problems);
        for (i, entry) in envelope["signatures"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            strict_members(
                entry,
                &format!("/signature/signatures/{i}"),
                &ENVELOPE_SIGNATURE,
                &mut problems,
            );
        }
    }
    problems
}

/// Like [`members`], and also rejects members `spec` does not name: the envelope is not covered
/// by any digest, so nothing else would notice an addition.
fn strict_members(item: &Value, prefix: &str, spec: &[(&str, Kind)], problems: &mut Vec<Mismatch>) {
    members(item, prefix, spec, problems);
    for key in item.as_object().into_iter().flat_map(|m| m.keys()) {
        if !spec.iter().any(|(name, _)| name == key) {
            let path = crate::canonical::push_pointer(prefix, key);
            problems.push(Mismatch::new(
                path.clone(),
                MismatchKind::Malformed,
                format!("`{path}` is not a DSSE envelope member"),
            ));
        }
    }
}

fn members(item: &Value, prefix: &str, spec: &[(&str, Kind)], problems: &mut Vec<Mismatch>) {
    if !item.is_object() {
        problems.push(Mismatch::new(
            prefix,
            MismatchKind::Malformed,
            format!("`{prefix}` is not a JSON object"),
        ));
        return;
    }
    for &(name, kind) in spec {
        let path = format!("{prefix}/{name}");
        let value = item.get(name);
        let (ok, wanted) = match kind {
            Kind::Any => (value.is_some() || name == "signature", "present"),
            Kind::Str => (value.is_some_and(Value::is_string), "a string"),
            Kind::OptStr => (
                value.is_none_or(|v| v.is_string() || v.is_null()),
                "a string or null",
            ),
            Kind::Bool => (value.is_some_and(Value::is_boolean), "a boolean"),
            Kind::U64 => (value.is_some_and(Value::is_u64), "a non-negative integer"),
            Kind::Object => (value.is_some_and(Value::is_object), "an object"),
            Kind::Array => (value.is_some_and(Value::is_array), "an array"),
            Kind::Mode => (
                matches!(
                    value.and_then(Value::as_str),
                    Some("normal" | "safe" | "sovereign")
                ),
                "one of `normal`, `safe`, `sovereign`",
            ),
        };
        if !ok {
            let what = if value.is_none() {
                "is missing".to_owned()
            } else {
                format!("must be {wanted}")
            };
            problems.push(Mismatch::new(
                path.clone(),
                MismatchKind::Malformed,
                format!("`{path}` {what}"),
            ));
        }
    }
}
