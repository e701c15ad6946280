//! `abp evidence show` and `abp evidence verify`: read a run's evidence pack, and check one
//! offline. Verification recomputes every digest the pack records (crate `abp-evidence`), names
//! the first field that does not match with the recorded and recomputed hashes, and with
//! `--artifacts` re-hashes the files on disk. Exit code 0 when the pack verifies,
//! [`exit::VERIFY_FAILED`] when it does not.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use abp_evidence::{
    Mismatch, MismatchKind, PipelineEvidencePack, SignatureStatus, VerifyOptions, VerifyReport,
};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};

use super::{Global, exit};
use crate::evidence::{pack_path, trusted_keys};
use crate::policy::LoadedPolicy;
use crate::session::SessionOptions;

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// A run's evidence pack: ids, hashes, counts, artifacts with digests, signer
    Show {
        /// Run id (its `evidence.json` under the storage's `runs/`), or a pack file
        run_id: String,
    },
    /// Recompute an evidence pack's hashes offline and name the first field that does not match
    Verify {
        /// Evidence pack file (or a run id)
        file: String,
        /// Also re-hash the artifact files on disk (under the pack's storage root)
        #[arg(long)]
        artifacts: bool,
        /// Where the artifacts are when not at the pack's `storage_root` (e.g. a copied storage)
        #[arg(long, value_name = "DIR", requires = "artifacts")]
        root: Option<PathBuf>,
        /// Trusted public key file from `abp keys generate` (repeatable; the policy's
        /// `trusted_keys` are added). With any trusted key the pack must carry a valid signature
        #[arg(long = "key", value_name = "PUBKEYFILE")]
        keys: Vec<PathBuf>,
    },
}

pub fn run(g: &Global, opts: &SessionOptions, command: &EvidenceCommand) -> Result<u8> {
    let policy = LoadedPolicy::load(opts.policy.as_deref())?;
    match command {
        EvidenceCommand::Show { run_id } => show(g, &policy, run_id),
        EvidenceCommand::Verify {
            file,
            artifacts,
            root,
            keys,
        } => verify(g, &policy, file, *artifacts, root.as_deref(), keys),
    }
}

/// A path to a pack file, or the pack of the run with that id.
fn locate(policy: &LoadedPolicy, what: &str) -> Result<PathBuf> {
    let as_file = Path::new(what);
    if as_file.is_file() {
        return Ok(as_file.to_owned());
    }
    let runs_dir = policy.runs_dir();
    let looks_like_id = !what.is_empty()
        && what
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if looks_like_id {
        let in_run = pack_path(&runs_dir, what);
        if in_run.is_file() {
            return Ok(in_run);
        }
        if runs_dir.join(what).is_dir() {
            bail!(
                "run `{what}` has no evidence pack ({} is missing); runs made before evidence was recorded have none",
                in_run.display()
            );
        }
    }
    bail!(
        "no evidence file `{what}` and no run `{what}` under {}; `abp runs` lists the runs",
        runs_dir.display()
    )
}

fn show(g: &Global, policy: &LoadedPolicy, what: &str) -> Result<u8> {
    let path = locate(policy, what)?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading evidence {}", path.display()))?;
    if g.json {
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("evidence {} is not JSON", path.display()))?;
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(exit::OK);
    }
    let pack: PipelineEvidencePack = serde_json::from_str(&text).with_context(|| {
        format!(
            "evidence {} is not an evidence pack; `abp evidence verify {}` names what is wrong",
            path.display(),
            path.display()
        )
    })?;
    print!("{}", describe(&pack, &path));
    Ok(exit::OK)
}

/// The human summary of a pack.
fn describe(pack: &PipelineEvidencePack, path: &Path) -> String {
    let mut out = String::new();
    let s = &pack.summary;
    let num = |key: &str| s.get(key).and_then(Value::as_u64).unwrap_or(0);
    let kind = if pack.is_dry_run {
        "dry run"
    } else {
        "live run"
    };
    let status = pack
        .execution_result
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let _ = writeln!(out, "Evidence pack {}", pack.pack_id);
    let _ = writeln!(out, "  file:             {}", path.display());
    let _ = writeln!(
        out,
        "  run:              {} ({kind}, status {status}, mode {})",
        pack.run_id,
        mode_name(pack)
    );
    let intent = if pack.business_intent_id.is_empty() {
        "none".to_owned()
    } else {
        pack.business_intent_id.clone()
    };
    let _ = writeln!(
        out,
        "  graph:            {} (intent {intent})",
        pack.graph_id
    );
    let _ = writeln!(
        out,
        "  generated:        {} by abp {}",
        pack.generated_at, pack.host_version
    );
    let _ = writeln!(out, "  content hash:     {}", pack.content_hash);
    let _ = writeln!(out, "  reproducibility:  {}", pack.reproducibility_digest);
    let _ = writeln!(out, "  audit chain head: {}", pack.audit_chain_head);
    let _ = writeln!(out, "  policy digest:    {}", pack.policy_digest);
    let signer = match &pack.signature {
        None => "unsigned".to_owned(),
        Some(env) => {
            let ids: Vec<&str> = env.signatures.iter().map(|s| s.keyid.as_str()).collect();
            format!("key {} (check with `--key PUBKEYFILE`)", ids.join(", key "))
        }
    };
    let _ = writeln!(out, "  signed by:        {signer}");
    let _ = writeln!(
        out,
        "  counts:           {} node(s): {} completed, {} failed; {} audit event(s); {} governance decision(s); {} plugin(s); {} artifact(s)",
        num("total_nodes"),
        num("completed_nodes"),
        num("failed_nodes"),
        pack.audit_events.len(),
        pack.governance_decisions.len(),
        pack.plugins.len(),
        pack.artifacts.len()
    );
    if !pack.plugins.is_empty() {
        let _ = writeln!(out, "  plugins:");
        for p in &pack.plugins {
            let _ = writeln!(
                out,
                "    {} {}  wasm sha256 {}",
                p.node_type, p.version, p.wasm_sha256
            );
        }
    }
    if !pack.artifacts.is_empty() {
        let _ = writeln!(
            out,
            "  artifacts (under {}):",
            pack.storage_root.as_deref().unwrap_or("the storage root")
        );
        for a in &pack.artifacts {
            let _ = writeln!(out, "    {}  {} bytes  sha256 {}", a.path, a.size, a.sha256);
        }
    }
    for (key, label) in [
        ("external_artifacts", "outside the storage root"),
        ("missing_artifacts", "gone before evidence was built"),
        ("unhashed_artifacts", "not hashed"),
    ] {
        if let Some(Value::Array(items)) = s.get(key) {
            let _ = writeln!(out, "  artifacts {label}:");
            for item in items {
                let line = match item {
                    Value::String(p) => p.clone(),
                    other => format!(
                        "{}  {}",
                        other["path"].as_str().unwrap_or_default(),
                        other
                            .get("sha256")
                            .or(other.get("reason"))
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    ),
                };
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let _ = writeln!(
        out,
        "Check it: abp evidence verify {} --artifacts",
        path.display()
    );
    out
}

fn mode_name(pack: &PipelineEvidencePack) -> String {
    serde_json::to_value(pack.mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn verify(
    g: &Global,
    policy: &LoadedPolicy,
    what: &str,
    artifacts: bool,
    root: Option<&Path>,
    key_files: &[PathBuf],
) -> Result<u8> {
    let path = locate(policy, what)?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading evidence {}", path.display()))?;
    let trusted = trusted_keys(policy, key_files)?;
    let pack: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let message = format!("evidence {} is not JSON: {e}", path.display());
            if g.json {
                println!(
                    "{}",
                    json!({ "file": path.display().to_string(), "valid": false, "error": message })
                );
            } else {
                println!("FAILED {message}");
            }
            return Ok(exit::VERIFY_FAILED);
        }
    };
    let artifacts_root = if artifacts {
        match root {
            Some(r) => Some(r.to_owned()),
            None => match pack.get("storage_root").and_then(Value::as_str) {
                Some(r) => Some(PathBuf::from(r)),
                None => bail!(
                    "evidence {} records no `storage_root`; pass `--root DIR` to say where its artifacts are",
                    path.display()
                ),
            },
        }
    } else {
        None
    };
    let mut report = abp_evidence::verify(
        &pack,
        &VerifyOptions {
            artifacts_root: artifacts_root.clone(),
            trusted_keys: trusted.clone(),
        },
    );
    let external_checked = if artifacts {
        check_external(&pack, &mut report)
    } else {
        0
    };
    if g.json {
        let out = json!({
            "file": path.display().to_string(),
            "pack_id": pack.get("pack_id"),
            "run_id": pack.get("run_id"),
            "artifacts_root": artifacts_root.map(|r| r.display().to_string()),
            "trusted_keys": trusted.iter().map(abp_evidence::PublicKeyText::keyid).collect::<Vec<_>>(),
            "external_artifacts_checked": external_checked,
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!(
            "{}",
            verdict(&path, &pack, &report, artifacts, external_checked)
        );
    }
    Ok(if report.valid {
        exit::OK
    } else {
        exit::VERIFY_FAILED
    })
}

/// Re-hashes the artifacts recorded outside the storage root (`summary.external_artifacts`,
/// absolute paths); the library checks only those under the root.
fn check_external(pack: &Value, report: &mut VerifyReport) -> usize {
    let Some(items) = pack
        .pointer("/summary/external_artifacts")
        .and_then(Value::as_array)
    else {
        return 0;
    };
    let mut checked = 0;
    for (i, item) in items.iter().enumerate() {
        let path = item["path"].as_str().unwrap_or_default();
        let recorded = item["sha256"].as_str().unwrap_or_default();
        let at = |field: &str| format!("/summary/external_artifacts/{i}/{field}");
        let p = Path::new(path);
        let (Some(dir), Some(name)) = (p.parent().filter(|_| p.is_absolute()), p.file_name())
        else {
            report.mismatches.push(mismatch(
                at("path"),
                MismatchKind::ArtifactPathRejected,
                format!("external artifact `{path}` is not an absolute file path"),
                None,
                None,
            ));
            continue;
        };
        checked += 1;
        match abp_evidence::hash_artifact(dir, &name.to_string_lossy()) {
            Err(e) => report.mismatches.push(mismatch(
                at("path"),
                MismatchKind::ArtifactMissing,
                format!("artifact `{path}` is missing or unreadable: {e}"),
                Some(recorded),
                None,
            )),
            Ok(a) if a.sha256 != recorded => report.mismatches.push(mismatch(
                at("sha256"),
                MismatchKind::ArtifactChanged,
                format!(
                    "artifact `{path}` changed on disk ({} bytes now, {} recorded)",
                    a.size,
                    item["size"].as_u64().unwrap_or(0)
                ),
                Some(recorded),
                Some(&a.sha256),
            )),
            Ok(_) => {}
        }
    }
    report.valid = report.mismatches.is_empty();
    checked
}

fn mismatch(
    path: String,
    kind: MismatchKind,
    message: String,
    expected: Option<&str>,
    computed: Option<&str>,
) -> Mismatch {
    Mismatch {
        path,
        kind,
        expected: expected.map(str::to_owned),
        computed: computed.map(str::to_owned),
        message,
    }
}

/// What a person sees: the verdict, and on failure the first mismatch in full and the rest one
/// line each.
fn verdict(
    path: &Path,
    pack: &Value,
    report: &VerifyReport,
    artifacts: bool,
    external_checked: usize,
) -> String {
    let mut out = String::new();
    let id = |key: &str| {
        pack.get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let events = pack
        .get("audit_events")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if report.valid {
        let _ = writeln!(
            out,
            "OK evidence {} verifies (pack {}, run {})",
            path.display(),
            id("pack_id"),
            id("run_id")
        );
        let _ = writeln!(out, "  content hash: {}", report.computed_hash);
        let mut checked = format!(
            "field digests, audit chain ({events} events), reproducibility digest, content hash"
        );
        if artifacts {
            let _ = write!(
                checked,
                ", {} artifact file(s) on disk",
                report.artifacts_checked + external_checked
            );
        }
        let _ = writeln!(out, "  checked:      {checked}");
    } else {
        let _ = writeln!(
            out,
            "FAILED evidence {} does not verify (pack {}, run {})",
            path.display(),
            id("pack_id"),
            id("run_id")
        );
        if let Some(first) = report.first() {
            let _ = writeln!(
                out,
                "  first mismatch: {} ({})",
                display_path(&first.path),
                kind_name(first.kind)
            );
            let _ = writeln!(out, "    {}", first.message);
            if let Some(e) = &first.expected {
                let _ = writeln!(out, "    expected: {e}");
            }
            if let Some(c) = &first.computed {
                let _ = writeln!(out, "    computed: {c}");
            }
        }
        let rest = &report.mismatches[1.min(report.mismatches.len())..];
        if !rest.is_empty() {
            let _ = writeln!(out, "  {} more:", rest.len());
            for m in rest {
                let _ = writeln!(
                    out,
                    "    {} ({}): {}",
                    display_path(&m.path),
                    kind_name(m.kind),
                    m.message
                );
            }
        }
    }
    let signature = match &report.signature {
        SignatureStatus::Absent => "unsigned".to_owned(),
        SignatureStatus::Unchecked => {
            "signed, not checked (pass `--key PUBKEYFILE` to check it)".to_owned()
        }
        SignatureStatus::Valid { keyid } => format!("valid, by trusted key {keyid}"),
        SignatureStatus::Invalid => "does not hold (see above)".to_owned(),
    };
    let _ = writeln!(out, "  signature:    {signature}");
    out
}

fn display_path(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(the whole pack)"
    } else {
        pointer
    }
}

fn kind_name(kind: MismatchKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}
