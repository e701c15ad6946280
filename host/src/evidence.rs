//! Evidence for every run: after the executor returns, [`record_run`] builds a
//! `PipelineEvidencePack` (crate `abp-evidence`) from the result, the prepared graph, the
//! plugins' digests and the policy, signs it when the policy names a key, and writes it next to
//! the run's journal as `storage/runs/RUN_ID/evidence.json`, with the in-toto Statement beside it
//! as `evidence.intoto.json`.
//!
//! Invariants: the pack holds secret *names* and the hosts they may go to, never a value (values
//! are only ever read by the HTTP layer); a pack that cannot be written does not lose the run,
//! which is journaled before evidence is built: the caller gets [`EvidenceNotWritten`], carrying
//! the result and naming the run.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use abp_evidence::{Artifact, PackInput, PipelineEvidencePack, PublicKeyText, SecretKeyText};
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use crate::executor::{ExecutionGraphResult, Prepared};
use crate::policy::{LoadedPolicy, Mode};

/// The pack, in the run's folder.
pub const EVIDENCE_FILE: &str = "evidence.json";

/// The in-toto Statement for the pack, in the run's folder.
pub const IN_TOTO_FILE: &str = "evidence.intoto.json";

/// Where the evidence pack of run `run_id` lives.
pub fn pack_path(runs_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir.join(run_id).join(EVIDENCE_FILE)
}

/// The run finished and is journaled, but its evidence could not be built or written. Carries
/// the result so that a caller (the CLI, the API) can still show it.
#[derive(Debug)]
pub struct EvidenceNotWritten {
    /// The run that finished.
    pub result: Box<ExecutionGraphResult>,
    /// Where the pack should have gone.
    pub path: PathBuf,
    /// Why it was not written (the whole error chain, one line).
    pub reason: String,
}

impl fmt::Display for EvidenceNotWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.result;
        write!(
            f,
            "run `{}` finished with status `{}` and is journaled, but its evidence could not be written to {}: {}; `abp runs show {}` shows the run",
            r.run_id,
            r.status,
            self.path.display(),
            self.reason,
            r.run_id
        )?;
        if !r.dry_run && r.status == "completed" {
            write!(f, ", `abp rollback {}` undoes it", r.run_id)?;
        }
        Ok(())
    }
}

impl std::error::Error for EvidenceNotWritten {}

/// What [`write`] put on disk.
#[derive(Debug, Clone)]
pub struct Written {
    /// `evidence.json`.
    pub pack_path: PathBuf,
    /// `evidence.intoto.json`.
    pub statement_path: PathBuf,
    /// The pack's `content_hash`.
    pub content_hash: String,
    /// Key id of the signature, when the policy names a signing key.
    pub signed_by: Option<String>,
}

/// Builds, signs (when the policy says so) and writes the evidence of a finished run. Returns
/// the result untouched, or [`EvidenceNotWritten`] (holding it) when the evidence failed.
pub fn record_run(
    policy: &LoadedPolicy,
    prepared: &Prepared,
    intent: Option<&Value>,
    result: ExecutionGraphResult,
) -> Result<ExecutionGraphResult> {
    match build(policy, prepared, intent, &result).and_then(|pack| write(policy, &pack)) {
        Ok(_) => Ok(result),
        Err(e) => Err(EvidenceNotWritten {
            path: pack_path(&policy.runs_dir(), &result.run_id),
            result: Box::new(result),
            reason: format!("{e:#}"),
        }
        .into()),
    }
}

/// Builds the pack of a finished run, signed when the policy sets `evidence_signing_key`.
pub fn build(
    policy: &LoadedPolicy,
    prepared: &Prepared,
    intent: Option<&Value>,
    result: &ExecutionGraphResult,
) -> Result<PipelineEvidencePack> {
    let files = hash_artifacts(&policy.storage, &result.artifacts);
    let execution_result = serde_json::to_value(result).context("serializing the run result")?;
    let audit_events = result
        .audit_events
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .context("serializing the audit events")?;
    let mode = evidence_mode(policy.policy.mode);
    let mut summary = abp_evidence::pack::derive_summary(
        &execution_result,
        files.recorded.len(),
        audit_events.len(),
        result.dry_run,
        mode,
    );
    files.add_to(&mut summary);
    let input = PackInput {
        pack_id: format!("evidence-{}", result.run_id),
        generated_at: crate::now_rfc3339(),
        run_id: result.run_id.clone(),
        business_intent_id: result.business_intent_id.clone(),
        business_intent: intent.cloned(),
        graph_id: result.graph_id.clone(),
        graph_spec: Some(
            serde_json::to_value(&prepared.spec).context("serializing the graph spec")?,
        ),
        execution_result,
        summary: Some(summary),
        governance_decisions: governance_decisions(policy, prepared, result.dry_run),
        artifacts: files.recorded,
        audit_events,
        plugins: prepared
            .plugins
            .values()
            .map(|p| abp_evidence::PluginDigest {
                node_type: p.digest.node_type.clone(),
                version: p.digest.version.clone(),
                wasm_sha256: p.digest.wasm_sha256.clone(),
                manifest_sha256: p.digest.manifest_sha256.clone(),
                signer: p.digest.signer.clone(),
            })
            .collect(),
        policy_digest: policy.digest.clone(),
        mode,
        host_version: crate::HOST_VERSION.to_owned(),
        is_dry_run: result.dry_run,
        storage_root: Some(policy.storage.display().to_string()),
    };
    let mut pack = abp_evidence::build(input).context("building the evidence pack")?;
    if let Some(key) = signing_key(policy)? {
        abp_evidence::attach_signature(&mut pack, &key).context("signing the evidence pack")?;
    }
    Ok(pack)
}

/// Writes `evidence.json` and `evidence.intoto.json` into the run's folder, each atomically.
pub fn write(policy: &LoadedPolicy, pack: &PipelineEvidencePack) -> Result<Written> {
    let run_dir = policy.runs_dir().join(&pack.run_id);
    let pack_path = run_dir.join(EVIDENCE_FILE);
    let statement_path = run_dir.join(IN_TOTO_FILE);
    let statement = abp_evidence::to_in_toto_statement(pack);
    write_atomic(&pack_path, &serde_json::to_vec_pretty(pack)?)?;
    write_atomic(&statement_path, &serde_json::to_vec_pretty(&statement)?)?;
    Ok(Written {
        pack_path,
        statement_path,
        content_hash: pack.content_hash.clone(),
        signed_by: pack
            .signature
            .as_ref()
            .and_then(|e| e.signatures.first())
            .map(|s| s.keyid.clone()),
    })
}

/// Writes through a temporary file in the same folder, synced, then renamed over `path`, so a
/// reader never sees half a pack.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("evidence path has no folder")?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn evidence_mode(mode: Mode) -> abp_evidence::Mode {
    match mode {
        Mode::Normal => abp_evidence::Mode::Normal,
        Mode::Safe => abp_evidence::Mode::Safe,
        Mode::Sovereign => abp_evidence::Mode::Sovereign,
    }
}

/// The policy decisions behind the run: the mode check, then, per plugin (in node-type order),
/// what it asked for and what it got. Secrets appear by name with the hosts they may go to.
pub fn governance_decisions(
    policy: &LoadedPolicy,
    prepared: &Prepared,
    dry_run: bool,
) -> Vec<Value> {
    let mode = policy.policy.mode.as_str();
    let reason = match (dry_run, policy.policy.mode) {
        (true, _) => format!("dry runs are allowed in {mode} mode"),
        (false, Mode::Normal) => "live runs are allowed in normal mode".to_owned(),
        // The executor refuses these before anything runs; a pack for one would be a bug.
        (false, _) => format!("live run in {mode} mode"),
    };
    let mut decisions = vec![json!({
        "decision": "run_allowed",
        "mode": mode,
        "dry_run": dry_run,
        "reason": reason,
    })];
    for (node_type, plugin) in &prepared.plugins {
        let g = &plugin.grants;
        let mounts: Vec<Value> = g
            .mounts
            .iter()
            .map(|m| {
                json!({
                    "name": m.name,
                    "host_path": m.host_path.display().to_string(),
                    // A dry run sees every mount read-only, whatever the policy grants.
                    "access": if dry_run || m.read_only { "read-only" } else { "read-write" },
                })
            })
            .collect();
        let secrets: Vec<Value> = g
            .secrets
            .iter()
            .map(|(name, grant)| json!({ "name": name, "hosts": grant.hosts }))
            .collect();
        decisions.push(json!({
            "decision": "capabilities_granted",
            "plugin": node_type,
            "plugin_version": plugin.digest.version,
            "mode": mode,
            "mounts": mounts,
            "egress_requested": g.manifest_egress,
            "egress_granted": g.policy_egress,
            "secrets": secrets,
            "memory_mb": g.memory_mb,
            "timeout_ms": g.timeout_ms,
            "max_output_bytes": g.max_output_bytes,
        }));
    }
    decisions
}

/// The policy's evidence signing key, read from `evidence_signing_key` (relative to the policy's
/// folder). Errors name the file and the policy key, never the key's content.
pub fn signing_key(policy: &LoadedPolicy) -> Result<Option<SecretKeyText>> {
    let Some(path) = &policy.policy.evidence_signing_key else {
        return Ok(None);
    };
    let path = if path.is_absolute() {
        path.clone()
    } else {
        policy.base.join(path)
    };
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "reading the evidence signing key {} (`evidence_signing_key` in {}); create one with `abp keys generate`",
            path.display(),
            policy.origin
        )
    })?;
    let key = SecretKeyText::parse(&text)
        .with_context(|| format!("evidence signing key {}", path.display()))?;
    Ok(Some(key))
}

/// The keys whose evidence signatures `abp evidence verify` accepts: each `--key` file, then the
/// policy's `trusted_keys`. Every entry that is not a public key is reported, all at once.
pub fn trusted_keys(policy: &LoadedPolicy, key_files: &[PathBuf]) -> Result<Vec<PublicKeyText>> {
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    for file in key_files {
        match fs::read_to_string(file) {
            Ok(text) => match PublicKeyText::parse(&text) {
                Ok(k) => keys.push(k),
                Err(e) => problems.push(format!("`--key {}`: {e}", file.display())),
            },
            Err(e) => problems.push(format!("`--key {}`: cannot read it: {e}", file.display())),
        }
    }
    for (i, text) in policy.policy.trusted_keys.iter().enumerate() {
        match PublicKeyText::parse(text) {
            Ok(k) => keys.push(k),
            Err(e) => problems.push(format!("`trusted_keys[{i}]` in {}: {e}", policy.origin)),
        }
    }
    if !problems.is_empty() {
        bail!(
            "{} trusted key(s) cannot be used: {}",
            problems.len(),
            problems.join("; ")
        );
    }
    Ok(keys)
}

/// The run's artifact files, sorted into what the pack can record.
#[derive(Debug, Default)]
struct ArtifactFiles {
    /// Under the storage root: recorded in `artifacts`, relative to it.
    recorded: Vec<Artifact>,
    /// Outside the storage root (an absolute mount): hashed, recorded in the summary as
    /// `external_artifacts` with absolute paths.
    external: Vec<Value>,
    /// Gone by the time evidence was built (a rollback removed them): `missing_artifacts`.
    missing: Vec<String>,
    /// Refused by the hasher (e.g. a symlink leading out of the root): `unhashed_artifacts`.
    refused: Vec<Value>,
}

impl ArtifactFiles {
    fn add_to(&self, summary: &mut Map<String, Value>) {
        for (key, list) in [
            ("external_artifacts", self.external.clone()),
            (
                "missing_artifacts",
                self.missing.iter().map(|p| json!(p)).collect(),
            ),
            ("unhashed_artifacts", self.refused.clone()),
        ] {
            if !list.is_empty() {
                summary.insert(key.to_owned(), Value::Array(list));
            }
        }
    }
}

fn hash_artifacts(storage: &Path, paths: &[String]) -> ArtifactFiles {
    let mut files = ArtifactFiles::default();
    for path in paths {
        let p = Path::new(path);
        if !p.exists() {
            files.missing.push(
                p.strip_prefix(storage)
                    .map_or_else(|_| path.clone(), |r| r.display().to_string()),
            );
            continue;
        }
        let hashed = if p.starts_with(storage) {
            abp_evidence::hash_artifact(storage, path)
        } else {
            match (p.parent(), p.file_name()) {
                (Some(dir), Some(name)) => {
                    abp_evidence::hash_artifact(dir, &name.to_string_lossy()).map(|a| Artifact {
                        path: path.clone(),
                        ..a
                    })
                }
                _ => Err(abp_evidence::EvidenceError::Artifact {
                    path: path.clone(),
                    reason: "names no file".to_owned(),
                }),
            }
        };
        match hashed {
            Ok(a) if p.starts_with(storage) => files.recorded.push(a),
            Ok(a) => files
                .external
                .push(json!({ "path": a.path, "sha256": a.sha256, "size": a.size })),
            Err(e) => files
                .refused
                .push(json!({ "path": path, "reason": e.to_string() })),
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_artifacts_into_recorded_external_and_missing() {
        let storage = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(storage.path().join("out")).unwrap();
        fs::write(storage.path().join("out/a.txt"), "hello").unwrap();
        fs::write(outside.path().join("b.txt"), "world!").unwrap();
        let paths = [
            storage.path().join("out/a.txt"),
            outside.path().join("b.txt"),
            storage.path().join("out/gone.txt"),
        ]
        .map(|p| p.display().to_string());
        let files = hash_artifacts(storage.path(), &paths);
        assert_eq!(files.recorded.len(), 1);
        assert_eq!(files.recorded[0].path, "out/a.txt");
        assert_eq!(files.recorded[0].size, 5);
        assert_eq!(files.recorded[0].sha256, abp_evidence::sha256_hex("hello"));
        assert_eq!(files.external.len(), 1);
        assert_eq!(files.external[0]["path"], json!(paths[1]));
        assert_eq!(files.external[0]["size"], json!(6));
        assert_eq!(files.missing, ["out/gone.txt"]);
        assert!(files.refused.is_empty());
    }

    #[test]
    fn names_the_run_and_the_way_back_when_evidence_is_not_written() {
        let result = ExecutionGraphResult {
            run_id: "run-1".into(),
            graph_id: "g".into(),
            business_intent_id: String::new(),
            dry_run: false,
            status: "completed".into(),
            success: true,
            execution_order: vec![],
            completed_nodes: vec![],
            failed_nodes: vec![],
            skipped_nodes: vec![],
            rolled_back_nodes: vec![],
            node_results: std::collections::BTreeMap::new(),
            artifacts: vec![],
            audit_events: vec![],
            error: None,
            started_at: String::new(),
            finished_at: String::new(),
            duration_ms: 0,
        };
        let err = EvidenceNotWritten {
            result: Box::new(result),
            path: PathBuf::from("/s/runs/run-1/evidence.json"),
            reason: "disk full".into(),
        };
        let text = err.to_string();
        for part in [
            "run `run-1`",
            "journaled",
            "disk full",
            "abp runs show run-1",
            "abp rollback run-1",
        ] {
            assert!(text.contains(part), "{part} missing from: {text}");
        }
    }
}
