//! The run journal: one append-only JSON-lines file per run under `storage/runs/RUN_ID/`.
//! Records that matter for recovery (run start, node completion with its receipt, checkpoints,
//! rollback steps) are fsync'd before `append` returns; the others ride on the next fsync.
//! `abp rollback` works from this file alone, also after the process was killed mid-run.
//!
//! Invariant: records are only ever appended; a torn last line (a crash mid-write) is ignored
//! by the reader.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::AuditEvent;

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub ts: String,
    #[serde(flatten)]
    pub record: Record,
}

/// Identity of a plugin that took part in a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PluginDigest {
    pub node_type: String,
    pub version: String,
    pub wasm_sha256: String,
    pub manifest_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// What happened, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        run_id: String,
        dry_run: bool,
        mode: String,
        host_version: String,
        spec: Value,
        #[serde(default)]
        intent: Option<Value>,
        policy_origin: String,
        policy_digest: String,
        policy_text: String,
        /// The folder the policy's relative paths were resolved against.
        policy_base: PathBuf,
        plugins: Vec<PluginDigest>,
    },
    NodeStarted {
        node_id: String,
        node_type: String,
        params: Value,
    },
    Checkpoint {
        node_id: String,
        receipt: Value,
    },
    NodeCompleted {
        node_id: String,
        output: Value,
        receipt: Value,
        artifacts: Vec<PathBuf>,
        duration_ms: u64,
    },
    NodeFailed {
        node_id: String,
        error_kind: String,
        error: String,
        duration_ms: u64,
    },
    NodeSkipped {
        node_id: String,
        reason: String,
    },
    StateSet {
        node_id: String,
        key: String,
        value: Value,
    },
    Audit {
        event: AuditEvent,
    },
    RollbackStarted {
        reason: String,
    },
    NodeRollbackCompleted {
        node_id: String,
    },
    NodeRollbackFailed {
        node_id: String,
        error: String,
    },
    RollbackFinished {
        rolled_back: Vec<String>,
        failed: Vec<String>,
    },
    RunFinished {
        status: String,
        result: Value,
    },
}

impl Record {
    /// Records that must be on disk before the run moves on.
    fn is_critical(&self) -> bool {
        !matches!(
            self,
            Record::Audit { .. } | Record::StateSet { .. } | Record::NodeStarted { .. }
        )
    }
}

/// An open journal, appending.
pub struct Journal {
    file: File,
    path: PathBuf,
    seq: u64,
    /// Dry runs change nothing worth recovering, so they skip fsync.
    durable: bool,
}

pub const JOURNAL_FILE: &str = "journal.jsonl";

impl Journal {
    /// Creates `dir/journal.jsonl`; fails if the run already has one.
    pub fn create(dir: &Path, durable: bool) -> Result<Self> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("creating journal {}", path.display()))?;
        if durable {
            sync_dir(dir)?;
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        Ok(Self {
            file,
            path,
            seq: 0,
            durable,
        })
    }

    /// Opens an existing journal to append (rollback), continuing its sequence.
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join(JOURNAL_FILE);
        let entries = read(dir)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("opening journal {}", path.display()))?;
        let seq = entries.last().map_or(0, |e| e.seq);
        Ok(Self {
            file,
            path,
            seq,
            durable: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; critical records are fsync'd before this returns.
    pub fn append(&mut self, record: Record) -> Result<()> {
        self.seq += 1;
        let critical = record.is_critical();
        let entry = Entry {
            seq: self.seq,
            ts: crate::now_rfc3339(),
            record,
        };
        let mut line = serde_json::to_vec(&entry)?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .with_context(|| format!("writing journal {}", self.path.display()))?;
        if self.durable && critical {
            self.file
                .sync_data()
                .with_context(|| format!("syncing journal {}", self.path.display()))?;
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))
}

/// Reads a run's journal. A torn final line (crash mid-write) is skipped; a bad line elsewhere
/// is an error, since the file is append-only and should never have one.
pub fn read(dir: &Path) -> Result<Vec<Entry>> {
    let path = dir.join(JOURNAL_FILE);
    let text =
        fs::read_to_string(&path).with_context(|| format!("reading journal {}", path.display()))?;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut entries = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => bail!("journal {} line {}: {e}", path.display(), i + 1),
        }
    }
    Ok(entries)
}

/// A node as the journal tells it.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts the journal records, not a state machine"
)]
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeState {
    pub node_type: String,
    pub started: bool,
    pub completed: bool,
    pub failed: bool,
    pub skipped: bool,
    /// The final receipt, or the last checkpoint when the node did not complete.
    pub receipt: Option<Value>,
    pub rolled_back: bool,
    pub rollback_error: Option<String>,
    pub output: Option<Value>,
    pub error: Option<String>,
    /// The params it was called with (references resolved).
    pub params: Option<Value>,
    /// Position among completed (or interrupted) nodes, for reverse-order rollback.
    pub finish_seq: u64,
}

/// A run reconstructed from its journal.
#[derive(Debug, Clone, Serialize)]
pub struct RunState {
    pub run_id: String,
    pub started_at: String,
    pub dry_run: bool,
    pub mode: String,
    pub spec: Value,
    pub intent: Option<Value>,
    pub policy_origin: String,
    pub policy_digest: String,
    #[serde(skip)]
    pub policy_text: String,
    #[serde(skip)]
    pub policy_base: PathBuf,
    pub plugins: Vec<PluginDigest>,
    pub nodes: BTreeMap<String, NodeState>,
    /// `completed`, `failed`, `rolled_back`, `running` (or killed: no end record), ...
    pub status: String,
    pub finished: bool,
    pub result: Option<Value>,
    pub audit_events: Vec<AuditEvent>,
    pub rollbacks: usize,
}

impl RunState {
    /// Replays `entries`.
    pub fn from_entries(entries: &[Entry]) -> Result<Self> {
        let Some(Entry {
            ts,
            record:
                Record::RunStarted {
                    run_id,
                    dry_run,
                    mode,
                    spec,
                    intent,
                    policy_origin,
                    policy_digest,
                    policy_text,
                    policy_base,
                    plugins,
                    ..
                },
            ..
        }) = entries.first()
        else {
            bail!("journal does not begin with `run_started`");
        };
        let mut run = RunState {
            run_id: run_id.clone(),
            started_at: ts.clone(),
            dry_run: *dry_run,
            mode: mode.clone(),
            spec: spec.clone(),
            intent: intent.clone(),
            policy_origin: policy_origin.clone(),
            policy_digest: policy_digest.clone(),
            policy_text: policy_text.clone(),
            policy_base: policy_base.clone(),
            plugins: plugins.clone(),
            nodes: BTreeMap::new(),
            status: "running".into(),
            finished: false,
            result: None,
            audit_events: Vec::new(),
            rollbacks: 0,
        };
        for entry in &entries[1..] {
            match &entry.record {
                Record::NodeStarted {
                    node_id,
                    node_type,
                    params,
                } => {
                    let n = run.nodes.entry(node_id.clone()).or_default();
                    n.node_type.clone_from(node_type);
                    n.started = true;
                    n.params = Some(params.clone());
                }
                Record::Checkpoint { node_id, receipt } => {
                    let n = run.nodes.entry(node_id.clone()).or_default();
                    n.receipt = Some(receipt.clone());
                    n.finish_seq = entry.seq;
                }
                Record::NodeCompleted {
                    node_id,
                    output,
                    receipt,
                    ..
                } => {
                    let n = run.nodes.entry(node_id.clone()).or_default();
                    n.completed = true;
                    n.output = Some(output.clone());
                    n.receipt = if receipt.is_null() {
                        n.receipt.take()
                    } else {
                        Some(receipt.clone())
                    };
                    n.finish_seq = entry.seq;
                }
                Record::NodeFailed { node_id, error, .. } => {
                    let n = run.nodes.entry(node_id.clone()).or_default();
                    n.failed = true;
                    n.error = Some(error.clone());
                }
                Record::NodeSkipped { node_id, .. } => {
                    run.nodes.entry(node_id.clone()).or_default().skipped = true;
                }
                Record::NodeRollbackCompleted { node_id } => {
                    let n = run.nodes.entry(node_id.clone()).or_default();
                    n.rolled_back = true;
                    n.rollback_error = None;
                }
                Record::NodeRollbackFailed { node_id, error } => {
                    run.nodes.entry(node_id.clone()).or_default().rollback_error =
                        Some(error.clone());
                }
                Record::Audit { event } => run.audit_events.push(event.clone()),
                Record::RollbackStarted { .. } => run.rollbacks += 1,
                Record::RollbackFinished { failed, .. } => {
                    run.status = if failed.is_empty() {
                        "rolled_back".into()
                    } else {
                        "rollback_failed".into()
                    };
                }
                Record::RunFinished { status, result } => {
                    run.finished = true;
                    run.result = Some(result.clone());
                    if run.rollbacks == 0 || run.status == "running" {
                        run.status.clone_from(status);
                    }
                }
                Record::RunStarted { .. } | Record::StateSet { .. } => {}
            }
        }
        if !run.finished && run.status == "running" {
            run.status = "interrupted".into();
        }
        Ok(run)
    }

    /// Nodes whose effects are still in place, latest first: what a rollback must undo.
    pub fn pending_rollback(&self) -> Vec<(String, Value)> {
        let mut pending: Vec<(&String, &NodeState)> = self
            .nodes
            .iter()
            .filter(|(_, n)| !n.rolled_back && n.receipt.as_ref().is_some_and(|r| !r.is_null()))
            .collect();
        // Interrupted nodes (started, never completed) are the most recent; then completed
        // nodes in reverse completion order.
        pending.sort_by_key(|(_, n)| std::cmp::Reverse((!n.completed, n.finish_seq)));
        pending
            .into_iter()
            .map(|(id, n)| (id.clone(), n.receipt.clone().unwrap_or(Value::Null)))
            .collect()
    }
}

/// Run ids under `runs_dir`, newest first.
pub fn list_runs(runs_dir: &Path) -> Result<Vec<String>> {
    let mut runs = Vec::new();
    let entries = match fs::read_dir(runs_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(runs),
        Err(e) => return Err(e).with_context(|| format!("reading {}", runs_dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        if entry.path().join(JOURNAL_FILE).is_file() {
            runs.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    runs.sort_unstable_by(|a, b| b.cmp(a));
    Ok(runs)
}
