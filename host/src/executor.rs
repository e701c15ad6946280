//! Runs a validated graph: nodes in dependency order, independent ones concurrently up to
//! `max_parallelism`; every step journaled (a node's receipt is durable before any dependent
//! starts); `stop_on_first_error` and `auto_rollback` as the seed defines them; and rollback of
//! any earlier run from its journal alone, in reverse completion order, idempotently.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::{self, AuditEvent};
use crate::graph::{self, ExecutionGraphSpec, Plan};
use crate::journal::{self, Journal, PluginDigest, Record, RunState};
use crate::policy::{Grants, LoadedPolicy, Mode};
use crate::runtime::{Call, CompiledPlugin, InvokeError, InvokeRequest, Level, RunHooks, Runtime};

/// Live progress, for the CLI and the API's event stream.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    NodeStarted {
        node_id: String,
        node_type: String,
    },
    NodeFinished {
        node_id: String,
        status: String,
        duration_ms: u64,
        error: Option<String>,
    },
    NodeSkipped {
        node_id: String,
        reason: String,
    },
    RollbackStarted {
        reason: String,
    },
    NodeRolledBack {
        node_id: String,
        error: Option<String>,
    },
    Log {
        node_id: String,
        level: String,
        message: String,
    },
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// A node's error in the result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeErrorInfo {
    pub kind: String,
    pub message: String,
}

/// One node in [`ExecutionGraphResult`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeResult {
    pub node_id: String,
    pub node_type: String,
    /// `completed`, `failed`, `skipped`, `rolled_back`, `rollback_failed`.
    pub status: String,
    pub output: Option<Value>,
    pub artifacts: Vec<String>,
    pub error: Option<NodeErrorInfo>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: u64,
}

/// The seed's `ExecutionGraphResult`, extended with per-node detail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutionGraphResult {
    pub run_id: String,
    pub graph_id: String,
    pub business_intent_id: String,
    pub dry_run: bool,
    /// `completed`, `failed`, `rolled_back` or `rollback_failed`.
    pub status: String,
    pub success: bool,
    pub execution_order: Vec<String>,
    pub completed_nodes: Vec<String>,
    pub failed_nodes: Vec<String>,
    pub skipped_nodes: Vec<String>,
    pub rolled_back_nodes: Vec<String>,
    pub node_results: BTreeMap<String, NodeResult>,
    pub artifacts: Vec<String>,
    pub audit_events: Vec<AuditEvent>,
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
}

/// The run's shared side: journal, audit trail, state, artifacts, log.
pub struct RunShared {
    pub run_id: String,
    pub graph_id: String,
    journal: Mutex<Journal>,
    audit: Mutex<Vec<AuditEvent>>,
    state: Mutex<BTreeMap<String, Value>>,
    artifacts: Mutex<BTreeMap<String, Vec<PathBuf>>>,
    log: Mutex<Option<File>>,
    progress: Option<ProgressFn>,
    /// The first journal write that failed outside a checkpoint; the run fails with it.
    journal_error: Mutex<Option<String>>,
}

impl RunShared {
    fn new(
        run_id: &str,
        graph_id: &str,
        journal: Journal,
        log: Option<File>,
        progress: Option<ProgressFn>,
    ) -> Self {
        Self {
            run_id: run_id.to_owned(),
            graph_id: graph_id.to_owned(),
            journal: Mutex::new(journal),
            audit: Mutex::new(Vec::new()),
            state: Mutex::new(BTreeMap::new()),
            artifacts: Mutex::new(BTreeMap::new()),
            log: Mutex::new(log),
            progress,
            journal_error: Mutex::new(None),
        }
    }

    fn record(&self, record: Record) -> Result<()> {
        lock(&self.journal).append(record)
    }

    /// Journals a record whose loss must fail the run (but not crash the host).
    fn record_or_flag(&self, record: Record) {
        if let Err(e) = self.record(record) {
            lock(&self.journal_error).get_or_insert_with(|| format!("{e:#}"));
        }
    }

    fn emit(&self, event_type: &str, node_id: Option<&str>, source: &str, data: Value) {
        let event = AuditEvent {
            event_type: event_type.to_owned(),
            timestamp: crate::now_rfc3339(),
            run_id: self.run_id.clone(),
            graph_id: self.graph_id.clone(),
            node_id: node_id.map(str::to_owned),
            source: source.to_owned(),
            data,
        };
        lock(&self.audit).push(event.clone());
        self.record_or_flag(Record::Audit { event });
    }

    #[allow(
        clippy::needless_pass_by_value,
        reason = "callers build the event inline; by value reads better"
    )]
    fn progress(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(&p);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RunHooks for RunShared {
    fn log(&self, node_id: &str, level: Level, message: &str) {
        let level = match level {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
        .to_owned();
        if let Some(file) = lock(&self.log).as_mut() {
            let _ = writeln!(
                file,
                "{} {level:5} [{node_id}] {message}",
                crate::now_rfc3339()
            );
        }
        self.progress(Progress::Log {
            node_id: node_id.to_owned(),
            level,
            message: message.to_owned(),
        });
    }

    fn audit(&self, node_id: &str, event_type: &str, data: Value) {
        self.emit(event_type, Some(node_id), "node", data);
    }

    fn get_state(&self, key: &str) -> Option<Value> {
        lock(&self.state).get(key).cloned()
    }

    fn set_state(&self, node_id: &str, key: &str, value: Value) {
        lock(&self.state).insert(key.to_owned(), value.clone());
        self.record_or_flag(Record::StateSet {
            node_id: node_id.to_owned(),
            key: key.to_owned(),
            value,
        });
    }

    fn checkpoint(&self, node_id: &str, receipt: Value) -> Result<()> {
        self.record(Record::Checkpoint {
            node_id: node_id.to_owned(),
            receipt,
        })
    }

    fn artifact(&self, node_id: &str, host_path: PathBuf) {
        lock(&self.artifacts)
            .entry(node_id.to_owned())
            .or_default()
            .push(host_path);
    }
}

/// A graph checked against the loaded plugins and the policy, ready to run.
pub struct Prepared {
    pub spec: ExecutionGraphSpec,
    pub plan: Plan,
    pub plugins: BTreeMap<String, PreparedPlugin>,
}

/// A plugin as a run uses it.
#[derive(Clone)]
pub struct PreparedPlugin {
    pub compiled: Arc<CompiledPlugin>,
    pub grants: Arc<Grants>,
    pub params_schema: Value,
    pub digest: PluginDigest,
}

/// Options of one run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Forces a dry run whatever the spec says.
    pub dry_run: bool,
    pub intent: Option<Value>,
    pub progress: Option<ProgressFn>,
    /// Use this run id (e.g. one the API already handed to its client); a new one otherwise.
    pub run_id: Option<String>,
}

/// Creates a run id that sorts by time: `run-YYYYMMDDTHHMMSSmmmZ-xxxxxx`.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second][subsecond digits:3]Z"
        ))
        .unwrap_or_default();
    format!("run-{stamp}-{:06x}", rand::random::<u32>() & 0xff_ffff)
}

/// Runs `prepared` under `policy`. Refuses live runs in safe and sovereign modes.
pub async fn run(
    runtime: &Arc<Runtime>,
    policy: &LoadedPolicy,
    prepared: &Prepared,
    opts: RunOptions,
) -> Result<ExecutionGraphResult> {
    let spec = &prepared.spec;
    let dry_run = opts.dry_run || spec.dry_run;
    if !dry_run {
        match policy.policy.mode {
            Mode::Safe => bail!(crate::SAFE_MODE_MESSAGE),
            Mode::Sovereign => {
                bail!("live runs are blocked: system in SOVEREIGN MODE (dry runs still work)")
            }
            Mode::Normal => {}
        }
    }
    let run_id = opts.run_id.clone().unwrap_or_else(new_run_id);
    if run_id.is_empty()
        || !run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("run id `{run_id}` must be letters, digits, `-` or `_`");
    }
    let run_dir = policy.runs_dir().join(&run_id);
    let journal = Journal::create(&run_dir, !dry_run)?;
    let lock_file = hold_run_lock(&run_dir)?;
    let log = File::create(run_dir.join("log.txt")).ok();
    let shared = Arc::new(RunShared::new(
        &run_id,
        &spec.graph_id,
        journal,
        log,
        opts.progress.clone(),
    ));
    shared.record(Record::RunStarted {
        run_id: run_id.clone(),
        dry_run,
        mode: policy.policy.mode.as_str().to_owned(),
        host_version: crate::HOST_VERSION.to_owned(),
        spec: serde_json::to_value(spec)?,
        intent: opts.intent.clone(),
        policy_origin: policy.origin.clone(),
        policy_digest: policy.digest.clone(),
        policy_text: policy.text.clone(),
        policy_base: policy.base.clone(),
        plugins: prepared
            .plugins
            .values()
            .map(|p| p.digest.clone())
            .collect(),
    })?;
    let started = Instant::now();
    let started_at = crate::now_rfc3339();
    let order: Vec<String> = prepared
        .plan
        .order
        .iter()
        .map(|&i| spec.nodes[i].node_id.clone())
        .collect();
    if let Some(intent) = &opts.intent {
        shared.emit(
            audit::INTENT_RESOLVED,
            None,
            "pipeline",
            json!({
                "intent_id": intent.get("intent_id"),
                "business_type": intent.get("business_type"),
                "industry": intent.get("industry"),
                "risk_level": intent.get("risk_level"),
            }),
        );
    }
    if dry_run {
        shared.emit(
            audit::DRY_RUN_STARTED,
            None,
            "pipeline",
            json!({ "node_count": spec.nodes.len() }),
        );
    }
    shared.emit(
        audit::GRAPH_STARTED,
        None,
        "pipeline",
        json!({ "business_intent_id": spec.business_intent_id, "dry_run": dry_run, "execution_order": order }),
    );

    let outcomes = schedule(runtime, policy, prepared, &shared, dry_run).await;

    let mut results: BTreeMap<String, NodeResult> = BTreeMap::new();
    let mut completed = Vec::new();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let artifacts_by_node = lock(&shared.artifacts).clone();
    for (i, node) in spec.nodes.iter().enumerate() {
        let outcome = &outcomes[i];
        let artifacts: Vec<String> = artifacts_by_node
            .get(&node.node_id)
            .map(|v| v.iter().map(|p| p.display().to_string()).collect())
            .unwrap_or_default();
        let (status, output, error) = match &outcome.state {
            Outcome::Completed(out) => ("completed", Some(out.clone()), None),
            Outcome::Failed(kind, message) => (
                "failed",
                None,
                Some(NodeErrorInfo {
                    kind: kind.clone(),
                    message: message.clone(),
                }),
            ),
            Outcome::Skipped(reason) => (
                "skipped",
                None,
                Some(NodeErrorInfo {
                    kind: "skipped".into(),
                    message: reason.clone(),
                }),
            ),
        };
        match status {
            "completed" => completed.push((outcome.finish_order, node.node_id.clone())),
            "failed" => failed.push(node.node_id.clone()),
            _ => skipped.push(node.node_id.clone()),
        }
        results.insert(
            node.node_id.clone(),
            NodeResult {
                node_id: node.node_id.clone(),
                node_type: node.node_type.clone(),
                status: status.into(),
                output,
                artifacts,
                error,
                started_at: outcome.started_at.clone(),
                finished_at: outcome.finished_at.clone(),
                duration_ms: outcome.duration_ms,
            },
        );
    }
    completed.sort();
    let completed: Vec<String> = completed.into_iter().map(|(_, id)| id).collect();
    let journal_error = lock(&shared.journal_error).clone();
    let mut error = failed.first().map(|id| {
        let e = results[id]
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        format!("node `{id}` failed: {e}")
    });
    if let Some(e) = &journal_error {
        error.get_or_insert_with(|| format!("the journal could not be written: {e}"));
    }
    let in_plan_order = |ids: &[String]| -> Vec<String> {
        order
            .iter()
            .filter(|id| ids.contains(id))
            .cloned()
            .collect()
    };
    let success = failed.is_empty() && journal_error.is_none();
    let mut status = if success { "completed" } else { "failed" }.to_owned();
    shared.emit(
        if success {
            audit::GRAPH_COMPLETED
        } else {
            audit::GRAPH_FAILED
        },
        None,
        "pipeline",
        json!({
            // In plan order, not completion order: concurrent nodes finish in any order, and the
            // audit trail must be the same for two runs of the same plan (reproducibility digest).
            "completed_nodes": in_plan_order(&completed),
            "failed_nodes": in_plan_order(&failed),
            "skipped_nodes": in_plan_order(&skipped),
        }),
    );
    let mut rolled_back = Vec::new();
    if !success && spec.auto_rollback && !dry_run {
        let state = RunState::from_entries(&journal::read(&run_dir)?)?;
        let report = rollback_pending(
            runtime,
            prepared_lookup(prepared),
            &shared,
            &state,
            "auto_rollback after a failed node",
        )
        .await;
        for id in &report.rolled_back {
            if let Some(r) = results.get_mut(id) {
                r.status = "rolled_back".into();
            }
        }
        for (id, e) in &report.failed {
            if let Some(r) = results.get_mut(id) {
                r.status = "rollback_failed".into();
                r.error = Some(NodeErrorInfo {
                    kind: "rollback-failed".into(),
                    message: e.clone(),
                });
            }
        }
        status = if report.failed.is_empty() {
            "rolled_back".into()
        } else {
            "rollback_failed".into()
        };
        rolled_back = report.rolled_back;
    }
    if dry_run {
        shared.emit(
            audit::DRY_RUN_COMPLETED,
            None,
            "pipeline",
            json!({ "success": success }),
        );
    }
    let mut artifacts: Vec<String> = results.values().flat_map(|r| r.artifacts.clone()).collect();
    artifacts.sort();
    artifacts.dedup();
    let result = ExecutionGraphResult {
        run_id: run_id.clone(),
        graph_id: spec.graph_id.clone(),
        business_intent_id: spec.business_intent_id.clone(),
        dry_run,
        status: status.clone(),
        success,
        execution_order: order,
        completed_nodes: completed,
        failed_nodes: failed,
        skipped_nodes: skipped,
        rolled_back_nodes: rolled_back,
        node_results: results,
        artifacts,
        audit_events: lock(&shared.audit).clone(),
        error,
        started_at,
        finished_at: crate::now_rfc3339(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    shared.record(Record::RunFinished {
        status,
        result: serde_json::to_value(&result)?,
    })?;
    drop(lock_file);
    Ok(result)
}

enum Outcome {
    Completed(Value),
    Failed(String, String),
    Skipped(String),
}

struct NodeOutcome {
    state: Outcome,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: u64,
    finish_order: usize,
}

/// The scheduling loop: Kahn's algorithm run live, with a concurrency bound.
async fn schedule(
    runtime: &Arc<Runtime>,
    policy: &LoadedPolicy,
    prepared: &Prepared,
    shared: &Arc<RunShared>,
    dry_run: bool,
) -> Vec<NodeOutcome> {
    let spec = &prepared.spec;
    let plan = &prepared.plan;
    let n = spec.nodes.len();
    let mut outcomes: Vec<Option<NodeOutcome>> = (0..n).map(|_| None).collect();
    let mut waiting: Vec<usize> = plan.deps.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut outputs: HashMap<String, Value> = HashMap::new();
    let mut running = tokio::task::JoinSet::new();
    let mut stop = false;
    let mut finished = 0usize;
    let parallelism = policy.policy.max_parallelism.max(1);
    loop {
        while !stop && running.len() < parallelism {
            let Some(Reverse(i)) = ready.pop() else { break };
            let node = &spec.nodes[i];
            let blocked = plan.deps[i].iter().find(|&&d| {
                !matches!(
                    outcomes[d].as_ref().map(|o| &o.state),
                    Some(Outcome::Completed(_))
                )
            });
            if let Some(&d) = blocked {
                let reason = format!("dependency `{}` did not complete", spec.nodes[d].node_id);
                skip(shared, &mut outcomes, i, &node.node_id, reason);
                release(plan, i, &mut waiting, &mut ready);
                continue;
            }
            let plugin = &prepared.plugins[&node.node_type];
            let resolved = if dry_run {
                // Upstream outputs of a dry run are previews; what is only known after apply
                // is shown as such, and its leaf cannot be schema-checked yet.
                let (params, unknown) = graph::resolve_references_for_plan(&node.params, &outputs);
                if unknown {
                    Ok(params)
                } else {
                    check_params(&plugin.params_schema, &params).map(|()| params)
                }
            } else {
                graph::resolve_references(&node.params, &outputs)
                    .and_then(|p| check_params(&plugin.params_schema, &p).map(|()| p))
            };
            let params = match resolved {
                Ok(p) => p,
                Err(message) => {
                    fail_before_start(
                        shared,
                        &mut outcomes,
                        i,
                        &node.node_id,
                        &node.node_type,
                        message,
                    );
                    finished += 1;
                    if let Some(o) = outcomes[i].as_mut() {
                        o.finish_order = finished;
                    }
                    stop |= spec.stop_on_first_error;
                    release(plan, i, &mut waiting, &mut ready);
                    continue;
                }
            };
            let inputs: Vec<(String, Value)> = plan.deps[i]
                .iter()
                .filter_map(|&d| {
                    outputs
                        .get(&spec.nodes[d].node_id)
                        .map(|o| (spec.nodes[d].node_id.clone(), o.clone()))
                })
                .collect();
            shared.record_or_flag(Record::NodeStarted {
                node_id: node.node_id.clone(),
                node_type: node.node_type.clone(),
                params: params.clone(),
            });
            shared.emit(
                audit::NODE_STARTED,
                Some(&node.node_id),
                "pipeline",
                json!({ "node_type": node.node_type }),
            );
            shared.progress(Progress::NodeStarted {
                node_id: node.node_id.clone(),
                node_type: node.node_type.clone(),
            });
            let request = InvokeRequest {
                plugin: plugin.compiled.clone(),
                call: if dry_run { Call::DryRun } else { Call::Execute },
                run_id: shared.run_id.clone(),
                graph_id: spec.graph_id.clone(),
                node_id: node.node_id.clone(),
                params,
                inputs,
                dry_run,
                grants: plugin.grants.clone(),
                hooks: shared.clone(),
            };
            let rt = runtime.clone();
            running.spawn(async move {
                let started_at = crate::now_rfc3339();
                let t = Instant::now();
                let result = rt.invoke(request).await;
                (
                    i,
                    started_at,
                    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX),
                    result,
                )
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        finished += 1;
        let (i, started_at, duration_ms, result) = match joined {
            Ok(r) => r,
            Err(e) => {
                // A panic in the host's own code for one node: record it as that node's failure
                // is impossible without its index, so stop scheduling and report.
                lock(&shared.journal_error)
                    .get_or_insert_with(|| format!("a node task panicked: {e}"));
                stop = true;
                continue;
            }
        };
        let node = &spec.nodes[i];
        let state = match result {
            Ok(out) => {
                let artifacts = lock(&shared.artifacts)
                    .get(&node.node_id)
                    .cloned()
                    .unwrap_or_default();
                // Durable before any dependent can start.
                shared.record_or_flag(Record::NodeCompleted {
                    node_id: node.node_id.clone(),
                    output: out.output.clone(),
                    receipt: out.receipt.clone(),
                    artifacts,
                    duration_ms,
                });
                shared.emit(
                    audit::NODE_COMPLETED,
                    Some(&node.node_id),
                    "pipeline",
                    json!({ "node_type": node.node_type, "duration_ms": duration_ms }),
                );
                outputs.insert(node.node_id.clone(), out.output.clone());
                Outcome::Completed(out.output)
            }
            Err(err) => {
                let (kind, message) = (
                    err.kind().to_owned(),
                    describe_failure(&node.node_type, &err),
                );
                shared.record_or_flag(Record::NodeFailed {
                    node_id: node.node_id.clone(),
                    error_kind: kind.clone(),
                    error: message.clone(),
                    duration_ms,
                });
                shared.emit(
                    audit::NODE_FAILED,
                    Some(&node.node_id),
                    "pipeline",
                    json!({ "node_type": node.node_type, "error_kind": kind, "error": message }),
                );
                stop |= spec.stop_on_first_error;
                Outcome::Failed(kind, message)
            }
        };
        let error = match &state {
            Outcome::Failed(_, m) => Some(m.clone()),
            _ => None,
        };
        let status = if error.is_some() {
            "failed"
        } else {
            "completed"
        };
        shared.progress(Progress::NodeFinished {
            node_id: node.node_id.clone(),
            status: status.into(),
            duration_ms,
            error,
        });
        outcomes[i] = Some(NodeOutcome {
            state,
            started_at: Some(started_at),
            finished_at: Some(crate::now_rfc3339()),
            duration_ms,
            finish_order: finished,
        });
        if lock(&shared.journal_error).is_some() {
            stop = true;
        }
        release(plan, i, &mut waiting, &mut ready);
    }
    for (i, node) in spec.nodes.iter().enumerate() {
        if outcomes[i].is_none() {
            let reason = if stop {
                "not started: the run stopped after the first error"
            } else {
                "not started"
            };
            skip(shared, &mut outcomes, i, &node.node_id, reason.to_owned());
        }
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or(NodeOutcome {
                state: Outcome::Skipped("not started".into()),
                started_at: None,
                finished_at: None,
                duration_ms: 0,
                finish_order: usize::MAX,
            })
        })
        .collect()
}

fn describe_failure(node_type: &str, err: &InvokeError) -> String {
    match err {
        InvokeError::Node { message, .. } => message.clone(),
        _ => format!("plugin `{node_type}` {err}"),
    }
}

fn check_params(schema: &Value, params: &Value) -> Result<(), String> {
    let errors = graph::schema_errors(schema, params);
    if errors.is_empty() {
        return Ok(());
    }
    Err(format!(
        "invalid-params: {}",
        errors
            .iter()
            .map(|(p, m)| format!("params{p}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

fn release(plan: &Plan, i: usize, waiting: &mut [usize], ready: &mut BinaryHeap<Reverse<usize>>) {
    for &j in &plan.dependents[i] {
        waiting[j] -= 1;
        if waiting[j] == 0 {
            ready.push(Reverse(j));
        }
    }
}

fn skip(
    shared: &RunShared,
    outcomes: &mut [Option<NodeOutcome>],
    i: usize,
    node_id: &str,
    reason: String,
) {
    shared.record_or_flag(Record::NodeSkipped {
        node_id: node_id.to_owned(),
        reason: reason.clone(),
    });
    shared.progress(Progress::NodeSkipped {
        node_id: node_id.to_owned(),
        reason: reason.clone(),
    });
    outcomes[i] = Some(NodeOutcome {
        state: Outcome::Skipped(reason),
        started_at: None,
        finished_at: None,
        duration_ms: 0,
        finish_order: usize::MAX,
    });
}

fn fail_before_start(
    shared: &RunShared,
    outcomes: &mut [Option<NodeOutcome>],
    i: usize,
    node_id: &str,
    node_type: &str,
    message: String,
) {
    shared.record_or_flag(Record::NodeFailed {
        node_id: node_id.to_owned(),
        error_kind: "invalid-params".into(),
        error: message.clone(),
        duration_ms: 0,
    });
    shared.emit(
        audit::NODE_FAILED,
        Some(node_id),
        "pipeline",
        json!({ "node_type": node_type, "error_kind": "invalid-params", "error": message }),
    );
    shared.progress(Progress::NodeFinished {
        node_id: node_id.to_owned(),
        status: "failed".into(),
        duration_ms: 0,
        error: Some(message.clone()),
    });
    outcomes[i] = Some(NodeOutcome {
        state: Outcome::Failed("invalid-params".into(), message),
        started_at: None,
        finished_at: None,
        duration_ms: 0,
        finish_order: 0,
    });
}

/// How rollback finds a plugin and its grants for a node type.
pub type PluginLookup<'a> = Box<dyn Fn(&str) -> Result<PreparedPlugin> + Send + Sync + 'a>;

fn prepared_lookup(prepared: &Prepared) -> PluginLookup<'_> {
    Box::new(move |node_type: &str| {
        prepared
            .plugins
            .get(node_type)
            .cloned()
            .with_context(|| format!("no plugin for node type `{node_type}`"))
    })
}

/// What a rollback did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RollbackReport {
    pub run_id: String,
    pub rolled_back: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Nodes whose effects were already undone, or that had nothing to undo.
    pub nothing_to_do: bool,
    /// The run was a dry run: it changed nothing.
    pub dry_run: bool,
}

/// Rolls back every node of `state` whose effects are still in place, latest first.
pub async fn rollback_pending(
    runtime: &Arc<Runtime>,
    lookup: PluginLookup<'_>,
    shared: &Arc<RunShared>,
    state: &RunState,
    reason: &str,
) -> RollbackReport {
    let pending = state.pending_rollback();
    let mut report = RollbackReport {
        run_id: state.run_id.clone(),
        ..RollbackReport::default()
    };
    if pending.is_empty() {
        report.nothing_to_do = true;
        return report;
    }
    shared.record_or_flag(Record::RollbackStarted {
        reason: reason.to_owned(),
    });
    shared.emit(
        audit::GRAPH_ROLLBACK_STARTED,
        None,
        "pipeline",
        json!({ "reason": reason, "nodes": pending.iter().map(|(id, _)| id).collect::<Vec<_>>() }),
    );
    shared.progress(Progress::RollbackStarted {
        reason: reason.to_owned(),
    });
    let graph_id = state
        .spec
        .get("graph_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for (node_id, receipt) in pending {
        let node = &state.nodes[&node_id];
        shared.emit(
            audit::NODE_ROLLBACK_STARTED,
            Some(&node_id),
            "pipeline",
            json!({ "node_type": node.node_type }),
        );
        let outcome = match lookup(&node.node_type) {
            Err(e) => Err(format!("{e:#}")),
            Ok(plugin) => {
                let request = InvokeRequest {
                    plugin: plugin.compiled.clone(),
                    call: Call::Rollback(receipt),
                    run_id: state.run_id.clone(),
                    graph_id: graph_id.clone(),
                    node_id: node_id.clone(),
                    params: node.params.clone().unwrap_or_else(|| json!({})),
                    inputs: Vec::new(),
                    dry_run: false,
                    grants: plugin.grants.clone(),
                    hooks: shared.clone(),
                };
                runtime
                    .invoke(request)
                    .await
                    .map(|_| ())
                    .map_err(|e| describe_failure(&node.node_type, &e))
            }
        };
        match outcome {
            Ok(()) => {
                shared.record_or_flag(Record::NodeRollbackCompleted {
                    node_id: node_id.clone(),
                });
                shared.emit(
                    audit::NODE_ROLLBACK_COMPLETED,
                    Some(&node_id),
                    "pipeline",
                    json!({ "node_type": node.node_type }),
                );
                shared.progress(Progress::NodeRolledBack {
                    node_id: node_id.clone(),
                    error: None,
                });
                report.rolled_back.push(node_id);
            }
            Err(e) => {
                shared.record_or_flag(Record::NodeRollbackFailed {
                    node_id: node_id.clone(),
                    error: e.clone(),
                });
                shared.emit(
                    audit::NODE_ROLLBACK_FAILED,
                    Some(&node_id),
                    "pipeline",
                    json!({ "node_type": node.node_type, "error": e }),
                );
                shared.progress(Progress::NodeRolledBack {
                    node_id: node_id.clone(),
                    error: Some(e.clone()),
                });
                report.failed.push((node_id, e));
            }
        }
    }
    shared.record_or_flag(Record::RollbackFinished {
        rolled_back: report.rolled_back.clone(),
        failed: report.failed.iter().map(|(id, _)| id.clone()).collect(),
    });
    shared.emit(
        audit::GRAPH_ROLLBACK_COMPLETED,
        None,
        "pipeline",
        json!({ "rolled_back": report.rolled_back, "failed": report.failed.iter().map(|(id, _)| id).collect::<Vec<_>>() }),
    );
    report
}

/// Rolls back an earlier run from its journal. Idempotent: a second call finds nothing left.
/// `lookup` finds the plugin and grants by node type (grants come from the journaled policy).
pub async fn rollback_run(
    runtime: &Arc<Runtime>,
    runs_dir: &std::path::Path,
    run_id: &str,
    lookup: PluginLookup<'_>,
    progress: Option<ProgressFn>,
) -> Result<RollbackReport> {
    let run_dir = runs_dir.join(run_id);
    if !run_dir.join(journal::JOURNAL_FILE).is_file() {
        bail!(
            "no run `{run_id}` under {}; `abp runs` lists the runs",
            runs_dir.display()
        );
    }
    let _lock = hold_run_lock(&run_dir)?;
    let state = RunState::from_entries(&journal::read(&run_dir)?)?;
    if state.dry_run {
        return Ok(RollbackReport {
            run_id: run_id.to_owned(),
            nothing_to_do: true,
            dry_run: true,
            ..RollbackReport::default()
        });
    }
    let journal = Journal::open(&run_dir)?;
    let log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(run_dir.join("log.txt"))
        .ok();
    let graph_id = state
        .spec
        .get("graph_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let shared = Arc::new(RunShared::new(run_id, graph_id, journal, log, progress));
    Ok(rollback_pending(
        runtime,
        lookup,
        &shared,
        &state,
        "requested by the operator",
    )
    .await)
}

/// An exclusive lock on a run's folder, held while a run or a rollback works on it (released
/// by the OS if the process dies).
fn hold_run_lock(run_dir: &std::path::Path) -> Result<File> {
    use fs2::FileExt as _;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(run_dir.join("lock"))
        .with_context(|| format!("opening {}", run_dir.join("lock").display()))?;
    file.try_lock_exclusive().map_err(|_| {
        anyhow::anyhow!("run {} is in use by another abp process (a run or rollback in progress); try again when it ends", run_dir.display())
    })?;
    Ok(file)
}
