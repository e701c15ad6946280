//! The `PipelineEvidencePack` (seed S8.6, extended) and [`build`], which turns what a run
//! produced into a pack: it chains the audit events, derives the summary, and computes the
//! reproducibility digest, the `field_digests` tree and the `content_hash`.
//!
//! The intent, graph spec and execution result are carried as `serde_json::Value` so this crate
//! does not depend on the host's types; the pack hashes whatever the host serialized.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::canonical::{CanonicalError, canonicalize, sha256_hex};
use crate::chain::{ChainError, chain_events};
use crate::digests::digest_tree;
use crate::repro::reproducibility_digest;
use crate::sign::Envelope;

/// Top-level members that `field_digests` does not cover: the tree itself, and the two members
/// computed after it.
pub const NOT_IN_FIELD_DIGESTS: [&str; 3] = ["field_digests", "content_hash", "signature"];

/// Top-level members that `content_hash` does not cover: itself, and the signature over it.
pub const NOT_IN_CONTENT_HASH: [&str; 2] = ["content_hash", "signature"];

/// Everything that went wrong building or signing a pack.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The input has problems; all of them are listed.
    #[error("evidence input is invalid: {}", .0.join("; "))]
    InvalidInput(Vec<String>),
    /// A value has no RFC 8785 form.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// The audit events could not be chained.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// An artifact file could not be hashed.
    #[error("artifact `{path}`: {reason}")]
    Artifact {
        /// The artifact path as given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A key file could not be read.
    #[error("{0}")]
    Key(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
    /// The pack does not serialize to JSON.
    #[error("evidence pack does not serialize: {0}")]
    Json(#[from] serde_json::Error),
}

/// The host's operating mode when the run happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Everything the policy allows.
    #[default]
    Normal,
    /// Safe mode: live execution refused.
    Safe,
    /// Sovereign mode: no egress.
    Sovereign,
}

/// A file a run produced, with the digest of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path relative to the artifacts root, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The identity of a plugin that ran, as the host loaded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginDigest {
    /// The node type the plugin implements (`dns`, `webgenesis`, ...).
    pub node_type: String,
    /// The plugin's declared version.
    pub version: String,
    /// SHA-256 of the component's bytes.
    pub wasm_sha256: String,
    /// SHA-256 of the manifest's bytes.
    pub manifest_sha256: String,
    /// Who signed the plugin, when it was signed.
    pub signer: Option<String>,
}

/// Verifiable evidence of one pipeline run. Field names follow the seed; see the crate docs for
/// what each digest covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineEvidencePack {
    /// Identifier of this pack (chosen by the host).
    pub pack_id: String,
    /// When the pack was generated (RFC 3339, from the host's clock).
    pub generated_at: String,
    /// The run the pack describes.
    pub run_id: String,
    /// The resolved intent's id.
    pub business_intent_id: String,
    /// The resolved intent, when known.
    pub business_intent: Option<Value>,
    /// The graph's id.
    pub graph_id: String,
    /// The graph spec that ran, when known.
    pub graph_spec: Option<Value>,
    /// The execution result as the host serialized it, node outputs under `node_results`.
    pub execution_result: Value,
    /// Counts and flags for people and dashboards.
    pub summary: Map<String, Value>,
    /// Policy decisions taken for the run (grants, denials, mode checks).
    pub governance_decisions: Vec<Value>,
    /// Files the run produced.
    pub artifacts: Vec<Artifact>,
    /// The audit trail, hash-chained (`prev_hash`, `hash` on each event).
    pub audit_events: Vec<Value>,
    /// The plugins that ran.
    pub plugins: Vec<PluginDigest>,
    /// SHA-256 of the effective policy.
    pub policy_digest: String,
    /// Host mode during the run.
    pub mode: Mode,
    /// Version of the host that ran the plan.
    pub host_version: String,
    /// Whether this was a dry run.
    pub is_dry_run: bool,
    /// Storage root the run wrote under, used to strip absolute paths from the reproducibility
    /// view.
    pub storage_root: Option<String>,
    /// `hash` of the last audit event (64 zeros when there are none).
    pub audit_chain_head: String,
    /// Digest of the time-free, run-free view of the pack (see [`crate::repro`]).
    pub reproducibility_digest: String,
    /// Digest tree over every covered field (see [`crate::digests`]).
    pub field_digests: Value,
    /// SHA-256 of the RFC 8785 form of the pack without `content_hash` and `signature`.
    pub content_hash: String,
    /// DSSE envelope over the pack without `signature`, when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Envelope>,
}

/// What the host hands to [`build`].
#[derive(Debug, Clone, Default)]
pub struct PackInput {
    /// Identifier for the pack.
    pub pack_id: String,
    /// Generation time, RFC 3339.
    pub generated_at: String,
    /// The run's id.
    pub run_id: String,
    /// The resolved intent's id.
    pub business_intent_id: String,
    /// The resolved intent, when known.
    pub business_intent: Option<Value>,
    /// The graph's id.
    pub graph_id: String,
    /// The graph spec, when known.
    pub graph_spec: Option<Value>,
    /// The execution result.
    pub execution_result: Value,
    /// A summary; `None` derives the standard one (see [`derive_summary`]).
    pub summary: Option<Map<String, Value>>,
    /// Policy decisions.
    pub governance_decisions: Vec<Value>,
    /// Artifacts, already hashed (see [`hash_artifact`]).
    pub artifacts: Vec<Artifact>,
    /// Audit events in emission order; any `prev_hash`/`hash` they carry is recomputed.
    pub audit_events: Vec<Value>,
    /// The plugins that ran.
    pub plugins: Vec<PluginDigest>,
    /// SHA-256 of the effective policy.
    pub policy_digest: String,
    /// Host mode.
    pub mode: Mode,
    /// Host version.
    pub host_version: String,
    /// Whether this was a dry run.
    pub is_dry_run: bool,
    /// Storage root, for the reproducibility view.
    pub storage_root: Option<String>,
}

/// Builds a pack: validates the input (reporting every problem), chains the audit events, and
/// computes the reproducibility digest, `field_digests` and `content_hash`.
pub fn build(input: PackInput) -> Result<PipelineEvidencePack, EvidenceError> {
    validate(&input)?;
    let (audit_events, audit_chain_head) = chain_events(input.audit_events)?;
    let summary = match input.summary {
        Some(summary) => summary,
        None => derive_summary(
            &input.execution_result,
            input.artifacts.len(),
            audit_events.len(),
            input.is_dry_run,
            input.mode,
        ),
    };
    let mut pack = PipelineEvidencePack {
        pack_id: input.pack_id,
        generated_at: input.generated_at,
        run_id: input.run_id,
        business_intent_id: input.business_intent_id,
        business_intent: input.business_intent,
        graph_id: input.graph_id,
        graph_spec: input.graph_spec,
        execution_result: input.execution_result,
        summary,
        governance_decisions: input.governance_decisions,
        artifacts: input.artifacts,
        audit_events,
        plugins: input.plugins,
        policy_digest: input.policy_digest,
        mode: input.mode,
        host_version: input.host_version,
        is_dry_run: input.is_dry_run,
        storage_root: input.storage_root,
        audit_chain_head,
        reproducibility_digest: String::new(),
        field_digests: Value::Null,
        content_hash: String::new(),
        signature: None,
    };
    let mut value = serde_json::to_value(&pack)?;
    pack.reproducibility_digest = reproducibility_digest(&value)?;
    value["reproducibility_digest"] = Value::String(pack.reproducibility_digest.clone());
    pack.field_digests = digest_tree(&without(&value, &NOT_IN_FIELD_DIGESTS))?;
    value["field_digests"] = pack.field_digests.clone();
    pack.content_hash = content_hash(&value)?;
    Ok(pack)
}

/// `content_hash` of a pack given as JSON: SHA-256 of its RFC 8785 form without
/// `content_hash` and `signature`.
pub fn content_hash(pack: &Value) -> Result<String, CanonicalError> {
    canonicalize(&without(pack, &NOT_IN_CONTENT_HASH)).map(sha256_hex)
}

/// A copy of the object `v` without the named top-level members.
pub(crate) fn without(v: &Value, names: &[&str]) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl PipelineEvidencePack {
    /// The pack as JSON.
    pub fn to_value(&self) -> Result<Value, EvidenceError> {
        Ok(serde_json::to_value(self)?)
    }
}

/// The summary [`build`] derives when the host gives none: node counts from the execution
/// result's `execution_order`/`node_results`, `completed_nodes`, `failed_nodes`, its `success`
/// or `status` when present, and the artifact and audit event counts.
pub fn derive_summary(
    execution_result: &Value,
    artifact_count: usize,
    audit_event_count: usize,
    is_dry_run: bool,
    mode: Mode,
) -> Map<String, Value> {
    let len = |key: &str| match execution_result.get(key) {
        Some(Value::Array(a)) => Some(a.len()),
        Some(Value::Object(o)) => Some(o.len()),
        _ => None,
    };
    let mut summary = Map::new();
    let total = len("execution_order")
        .or_else(|| len("node_results"))
        .unwrap_or(0);
    summary.insert("total_nodes".to_owned(), json!(total));
    summary.insert(
        "completed_nodes".to_owned(),
        json!(len("completed_nodes").unwrap_or(0)),
    );
    summary.insert(
        "failed_nodes".to_owned(),
        json!(len("failed_nodes").unwrap_or(0)),
    );
    for key in ["success", "status"] {
        if let Some(v) = execution_result.get(key) {
            summary.insert(key.to_owned(), v.clone());
        }
    }
    summary.insert("artifact_count".to_owned(), json!(artifact_count));
    summary.insert("audit_event_count".to_owned(), json!(audit_event_count));
    summary.insert("is_dry_run".to_owned(), json!(is_dry_run));
    summary.insert("mode".to_owned(), json!(mode));
    summary
}

pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn validate(input: &PackInput) -> Result<(), EvidenceError> {
    let mut problems = Vec::new();
    for (name, value) in [
        ("pack_id", &input.pack_id),
        ("run_id", &input.run_id),
        ("graph_id", &input.graph_id),
        ("generated_at", &input.generated_at),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("`{name}` is empty"));
        }
    }
    if !is_sha256_hex(&input.policy_digest) {
        problems.push("`policy_digest` is not 64 lowercase hex digits".to_owned());
    }
    for (i, a) in input.artifacts.iter().enumerate() {
        if !is_sha256_hex(&a.sha256) {
            problems.push(format!(
                "`artifacts/{i}/sha256` ({}) is not 64 lowercase hex digits",
                a.path
            ));
        }
        if let Err(reason) = relative_artifact_path(&a.path) {
            problems.push(format!("`artifacts/{i}/path` ({}): {reason}", a.path));
        }
    }
    for (i, p) in input.plugins.iter().enumerate() {
        for (name, digest) in [
            ("wasm_sha256", &p.wasm_sha256),
            ("manifest_sha256", &p.manifest_sha256),
        ] {
            if !is_sha256_hex(digest) {
                problems.push(format!(
                    "`plugins/{i}/{name}` ({}) is not 64 lowercase hex digits",
                    p.node_type
                ));
            }
        }
    }
    for (i, e) in input.audit_events.iter().enumerate() {
        if e.get("event_type").and_then(Value::as_str).is_none() {
            problems.push(format!(
                "`audit_events/{i}` is not an object with a string `event_type`"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EvidenceError::InvalidInput(problems))
    }
}

/// Checks that an artifact path stays inside the artifacts root once joined to it: relative, no
/// `..`, no root or drive prefix. Returns the path's normal components.
pub(crate) fn relative_artifact_path(path: &str) -> Result<PathBuf, String> {
    if path.is_empty() {
        return Err("path is empty".to_owned());
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("path contains `..`".to_owned()),
            Component::RootDir | Component::Prefix(_) => {
                return Err("path is absolute; record it relative to the artifacts root".to_owned());
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err("path names no file".to_owned());
    }
    Ok(out)
}

/// Hashes the artifact at `path` (relative to `root`, or absolute under it) and returns its
/// record with the path made relative to `root`. Symlinks that lead out of `root` are refused.
pub fn hash_artifact(root: &Path, path: &str) -> Result<Artifact, EvidenceError> {
    let err = |reason: String| EvidenceError::Artifact {
        path: path.to_owned(),
        reason,
    };
    let relative = match Path::new(path).strip_prefix(root) {
        Ok(rest) if Path::new(path).is_absolute() => rest.to_string_lossy().into_owned(),
        _ => path.to_owned(),
    };
    let relative = relative_artifact_path(&relative).map_err(err)?;
    let (sha256, size) = hash_file_under(root, &relative).map_err(err)?;
    let recorded: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(Artifact {
        path: recorded.join("/"),
        sha256,
        size,
    })
}

/// Streams the file at `root/relative` through SHA-256, refusing paths that resolve outside
/// `root`.
pub(crate) fn hash_file_under(root: &Path, relative: &Path) -> Result<(String, u64), String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("artifacts root `{}`: {e}", root.display()))?;
    let full = root
        .join(relative)
        .canonicalize()
        .map_err(|e| format!("cannot open `{}`: {e}", relative.display()))?;
    if !full.starts_with(&root) {
        return Err(format!(
            "`{}` resolves outside the artifacts root",
            relative.display()
        ));
    }
    let mut file =
        File::open(&full).map_err(|e| format!("cannot open `{}`: {e}", full.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 64 * 1024];
    let mut size = 0_u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("cannot read `{}`: {e}", full.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PackInput {
        PackInput {
            pack_id: "pack-1".to_owned(),
            generated_at: "2025-01-01T00:00:00Z".to_owned(),
            run_id: "run-1".to_owned(),
            graph_id: "g".to_owned(),
            policy_digest: sha256_hex("policy"),
            execution_result: json!({"execution_order": ["a", "b"], "completed_nodes": ["a"], "failed_nodes": ["b"], "success": false}),
            audit_events: vec![json!({"event_type": "pipeline.graph_started", "data": {}})],
            ..PackInput::default()
        }
    }

    #[test]
    fn derives_the_summary_from_the_result_when_none_is_given() {
        let pack = build(input()).expect("build");
        assert_eq!(
            Value::Object(pack.summary),
            json!({"total_nodes": 2, "completed_nodes": 1, "failed_nodes": 1, "success": false,
                   "artifact_count": 0, "audit_event_count": 1, "is_dry_run": false, "mode": "normal"})
        );
        let mut given = input();
        given.summary = Some(Map::from_iter([("custom".to_owned(), json!(1))]));
        assert_eq!(build(given).expect("build").summary.len(), 1);
    }

    #[test]
    fn the_content_hash_covers_everything_but_itself_and_the_signature() {
        let pack = build(input()).expect("build");
        let mut value = pack.to_value().expect("json");
        assert_eq!(content_hash(&value).expect("hash"), pack.content_hash);
        value["content_hash"] = json!("anything");
        value["signature"] = json!({"payloadType": "x", "payload": "", "signatures": []});
        assert_eq!(content_hash(&value).expect("hash"), pack.content_hash);
        value["field_digests"]["sha256"] = json!("0");
        assert_ne!(content_hash(&value).expect("hash"), pack.content_hash);
    }

    #[test]
    fn reports_every_input_problem_at_once() {
        let mut bad = input();
        bad.pack_id = " ".to_owned();
        bad.policy_digest = "nope".to_owned();
        bad.audit_events.push(json!({"data": 1}));
        bad.plugins.push(PluginDigest {
            node_type: "dns".to_owned(),
            version: "1".to_owned(),
            wasm_sha256: "x".to_owned(),
            manifest_sha256: sha256_hex("m"),
            signer: None,
        });
        let Err(EvidenceError::InvalidInput(problems)) = build(bad) else {
            panic!("invalid input was accepted");
        };
        assert_eq!(problems.len(), 4, "{problems:?}");
    }
}
