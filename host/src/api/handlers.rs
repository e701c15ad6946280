//! The endpoint handlers. Runs (execute, dry-run, rollback) execute in spawned tasks and the
//! request only awaits their handle, so a client that goes away leaves the run intact; blocking
//! file work (journals, evidence, hashing) goes to the blocking pool.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::extract::{JsonBody, LiveAccess};
use super::runs::{RunEvent, TrackedRun};
use super::{ApiError, ApiState};
use crate::evidence::{self, EvidenceNotWritten};
use crate::executor::{self, ExecutionGraphResult, Prepared, ProgressFn, RunOptions};
use crate::graph::ExecutionGraphSpec;
use crate::journal::{self, RunState};
use crate::session::PlanProblems;

/// `GET /api/health`
pub async fn health(State(state): State<ApiState>) -> Json<Value> {
    let session = state.session();
    let plugins: Vec<Value> = session
        .registry
        .plugins
        .values()
        .map(|p| {
            json!({
                "node_type": p.name(),
                "version": p.manifest.plugin.version,
                "loaded": p.compiled.is_some(),
                "error": state.0.load_failures.get(p.name()),
            })
        })
        .collect();
    let live = if state.0.token_digest.is_none() {
        json!({ "enabled": false, "reason": "the policy sets no `api_token`" })
    } else if state.live_runs_enabled() {
        json!({ "enabled": true })
    } else {
        json!({ "enabled": false, "reason": format!("the policy's mode is `{}`", state.mode().as_str()) })
    };
    Json(json!({
        "status": "ok",
        "version": crate::HOST_VERSION,
        "mode": state.mode().as_str(),
        "policy": { "origin": session.policy.origin, "digest": session.policy.digest },
        "live_runs": live,
        "active_runs": state.active_runs(),
        "plugins": plugins,
    }))
}

/// `GET /api/openapi.json`
pub async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        super::OPENAPI_JSON,
    )
        .into_response()
}

/// The answer for paths the API does not have.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no endpoint at `{}`; GET /api/openapi.json describes the API",
        uri.path()
    ))
}

/// The answer for a known path with another method.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "`{}` does not accept {method}; GET /api/openapi.json describes the API",
            uri.path()
        ),
    )
}

/// `POST /api/pipeline/intent/resolve`: `BusinessIntentInput` -> `ResolvedBusinessIntent`.
pub async fn resolve_intent(
    JsonBody(input): JsonBody<abp_intent::BusinessIntentInput>,
) -> Result<Json<abp_intent::ResolvedBusinessIntent>, ApiError> {
    abp_intent::resolve(&input).map(Json).map_err(|e| {
        ApiError::unprocessable(e.to_string()).with(
            "problems",
            serde_json::to_value(&e.problems).unwrap_or(Value::Null),
        )
    })
}

#[derive(Debug, Deserialize)]
pub struct RunQuery {
    /// `false`: answer 202 at once and let the client follow the run.
    wait: Option<bool>,
}

/// Whether the client asked not to wait: `?wait=false` or `Prefer: respond-async`.
fn wants_async(
    query: Result<Query<RunQuery>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<bool, ApiError> {
    let query = query.map_err(|e| {
        ApiError::bad_request(format!(
            "query string: {}; use `?wait=true` or `?wait=false`",
            e.body_text()
        ))
    })?;
    let prefer = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"));
    Ok(query.wait == Some(false) || prefer)
}

/// `POST /api/pipeline/execute`: a live run of an `ExecutionGraphSpec`.
pub async fn execute(
    State(state): State<ApiState>,
    _access: LiveAccess,
    query: Result<Query<RunQuery>, QueryRejection>,
    headers: HeaderMap,
    JsonBody(spec): JsonBody<ExecutionGraphSpec>,
) -> Result<Response, ApiError> {
    let asynchronous = wants_async(query, &headers)?;
    let prepared = prepare(&state, spec)?;
    let (run, handle) = launch(&state, prepared, false)?;
    if asynchronous {
        return Ok(accepted(&state, &run));
    }
    let (result, evidence_error) = finished(handle.await)?;
    let mut body = serde_json::to_value(&result)?;
    if let Some(map) = body.as_object_mut() {
        map.insert("mode".into(), json!(state.mode().as_str()));
        if let Some(e) = evidence_error {
            map.insert("evidence_error".into(), json!(e));
        }
    }
    Ok(Json(body).into_response())
}

/// `POST /api/pipeline/dry-run`: the spec run as a dry run whatever it says; answers
/// `{execution_result, evidence_pack, dry_run_report, mode}`.
pub async fn dry_run(
    State(state): State<ApiState>,
    query: Result<Query<RunQuery>, QueryRejection>,
    headers: HeaderMap,
    JsonBody(mut spec): JsonBody<ExecutionGraphSpec>,
) -> Result<Response, ApiError> {
    let asynchronous = wants_async(query, &headers)?;
    spec.dry_run = true;
    let prepared = prepare(&state, spec)?;
    let (run, handle) = launch(&state, prepared, true)?;
    if asynchronous {
        return Ok(accepted(&state, &run));
    }
    let (result, evidence_error) = finished(handle.await)?;
    let runs_dir = state.session().policy.runs_dir();
    let run_id = result.run_id.clone();
    let evidence_pack = if evidence_error.is_some() {
        Value::Null
    } else {
        blocking(move || read_json(&evidence::pack_path(&runs_dir, &run_id))).await?
    };
    let report = dry_run_report(&result, state.mode().as_str());
    let mut body = json!({
        "execution_result": result,
        "evidence_pack": evidence_pack,
        "dry_run_report": report,
        "mode": state.mode().as_str(),
    });
    if let Some(e) = evidence_error {
        body["evidence_error"] = json!(e);
    }
    Ok(Json(body).into_response())
}

/// What a dry run says it would do, node by node, in execution order.
fn dry_run_report(result: &ExecutionGraphResult, mode: &str) -> Value {
    let nodes: Vec<Value> = result
        .execution_order
        .iter()
        .filter_map(|id| result.node_results.get(id))
        .map(|r| json!({ "node_id": r.node_id, "node_type": r.node_type, "status": r.status, "plan": r.output, "error": r.error }))
        .collect();
    let problems: Vec<String> = result
        .execution_order
        .iter()
        .filter_map(|id| result.node_results.get(id))
        .filter(|r| r.status == "failed")
        .map(|r| {
            format!(
                "node `{}`: {}",
                r.node_id,
                r.error.as_ref().map_or("failed", |e| e.message.as_str())
            )
        })
        .collect();
    json!({
        "run_id": result.run_id,
        "graph_id": result.graph_id,
        "mode": mode,
        "would_succeed": result.success,
        "summary": format!(
            "{} node(s) planned: {} would run, {} failed, {} skipped; nothing was changed",
            result.node_results.len(),
            result.completed_nodes.len(),
            result.failed_nodes.len(),
            result.skipped_nodes.len()
        ),
        "side_effects": "none",
        "execution_order": result.execution_order,
        "nodes": nodes,
        "problems": problems,
        "duration_ms": result.duration_ms,
    })
}

fn prepare(state: &ApiState, spec: ExecutionGraphSpec) -> Result<Prepared, ApiError> {
    state
        .session()
        .prepare_loaded(spec)
        .map_err(|err| match err.downcast::<PlanProblems>() {
            Ok(problems) => ApiError::unprocessable(
                problems
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or("the graph cannot run")
                    .trim_end_matches(':')
                    .to_owned(),
            )
            .with("problems", json!(problems.0)),
            Err(other) => ApiError::internal(&other),
        })
}

/// Starts a run in a task of its own (queued until a run slot is free).
fn launch(
    state: &ApiState,
    prepared: Prepared,
    dry_run: bool,
) -> Result<
    (
        Arc<TrackedRun>,
        JoinHandle<anyhow::Result<ExecutionGraphResult>>,
    ),
    ApiError,
> {
    let runs_dir = state.session().policy.runs_dir();
    let dry_run = dry_run || prepared.spec.dry_run;
    let run = (0..16)
        .map(|_| executor::new_run_id())
        .filter(|id| !runs_dir.join(id).exists())
        .find_map(|id| state.0.runs.register(&id, &prepared.spec.graph_id, dry_run))
        .ok_or_else(|| {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no free run id; try again")
        })?;
    let active = state.0.runs.activate();
    let task_state = state.clone();
    let task_run = run.clone();
    let handle = tokio::spawn(async move {
        let _active = active;
        let slot = task_state.0.run_slots.clone().acquire_owned().await;
        task_run.set_running();
        let progress: ProgressFn = {
            let run = task_run.clone();
            Arc::new(move |p| run.progress(p))
        };
        let opts = RunOptions {
            dry_run,
            intent: None,
            progress: Some(progress),
            run_id: Some(task_run.run_id.clone()),
        };
        let outcome = task_state.session().run(&prepared, opts).await;
        task_run.finish(summary(&outcome));
        task_state.0.runs.retire(&task_run.run_id);
        drop(slot);
        outcome
    });
    Ok((run, handle))
}

/// What `run_finished` carries.
fn summary(outcome: &anyhow::Result<ExecutionGraphResult>) -> Value {
    let result = match outcome {
        Ok(r) => Some(r),
        Err(e) => e.downcast_ref::<EvidenceNotWritten>().map(|n| &*n.result),
    };
    match (result, outcome) {
        (Some(r), _) => json!({
            "status": r.status, "success": r.success, "dry_run": r.dry_run, "error": r.error,
            "duration_ms": r.duration_ms, "evidence": outcome.is_ok(),
        }),
        (None, Err(e)) => json!({ "status": "error", "success": false, "error": format!("{e:#}") }),
        (None, Ok(_)) => json!({ "status": "error", "success": false }),
    }
}

/// The result of a joined run task, and why its evidence is missing if it is.
fn finished(
    joined: Result<anyhow::Result<ExecutionGraphResult>, tokio::task::JoinError>,
) -> Result<(ExecutionGraphResult, Option<String>), ApiError> {
    let outcome = joined.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the run task failed: {e}"),
        )
    })?;
    match outcome {
        Ok(result) => Ok((result, None)),
        Err(err) => match err.downcast::<EvidenceNotWritten>() {
            Ok(missing) => {
                let reason = missing.to_string();
                Ok((*missing.result, Some(reason)))
            }
            Err(err)
                if err.to_string().contains("SAFE MODE")
                    || err.to_string().contains("SOVEREIGN MODE") =>
            {
                Err(ApiError::unavailable(err.to_string()))
            }
            Err(err) => Err(ApiError::internal(&err)),
        },
    }
}

/// 202 with where to follow the run.
fn accepted(state: &ApiState, run: &TrackedRun) -> Response {
    let location = format!("/api/pipeline/runs/{}", run.run_id);
    let body = json!({
        "run_id": run.run_id,
        "graph_id": run.graph_id,
        "dry_run": run.dry_run,
        "status": "queued",
        "mode": state.mode().as_str(),
        "links": { "run": location, "events": format!("{location}/events") },
    });
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response.headers_mut().insert(
        "preference-applied",
        HeaderValue::from_static("respond-async"),
    );
    response
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("a blocking task failed: {e}"),
        )
    })?
}

fn read_json(path: &std::path::Path) -> Result<Value, ApiError> {
    let text = std::fs::read(path).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reading {}: {e}", path.display()),
        )
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{} is not JSON: {e}", path.display()),
        )
    })
}

/// Run ids are what `executor::new_run_id` makes (or a client's own of the same alphabet).
fn check_run_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty()
        || id.len() > 128
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::not_found(format!(
            "no run `{id}`: run ids are letters, digits, `-` and `_`"
        )));
    }
    Ok(())
}

fn no_such_run(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no run `{id}`; GET /api/pipeline/runs lists the runs"
    ))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<usize>,
}

/// `GET /api/pipeline/runs?limit=N`: runs, newest first (queued ones on top).
pub async fn list_runs(
    State(state): State<ApiState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = query.map_err(|e| {
        ApiError::bad_request(format!("query string: {}; use `?limit=N`", e.body_text()))
    })?;
    let limit = query.limit.unwrap_or(50).clamp(1, 1000);
    let runs_dir = state.session().policy.runs_dir();
    let unfinished = state.0.runs.unfinished();
    let (total, mut rows) = blocking(move || {
        let ids = journal::list_runs(&runs_dir).map_err(|e| ApiError::internal(&e))?;
        let rows: Vec<Value> = ids
            .iter()
            .take(limit)
            .map(|id| run_row(&runs_dir, id))
            .collect();
        Ok((ids.len(), rows))
    })
    .await?;
    // A run of this server that is still going is `running` (its journal alone would say
    // `interrupted`), and a queued one has no journal yet.
    let mut queued = Vec::new();
    for run in unfinished {
        match rows.iter_mut().find(|r| r["run_id"] == run.run_id.as_str()) {
            // A journal just created has no first record yet.
            Some(row) if row["status"] == "unreadable" => *row = run.snapshot(),
            Some(row) => row["status"] = run.snapshot()["status"].clone(),
            None => queued.push(run.snapshot()),
        }
    }
    queued.reverse();
    queued.append(&mut rows);
    queued.truncate(limit);
    Ok(Json(json!({ "runs": queued, "total": total })))
}

fn run_row(runs_dir: &std::path::Path, id: &str) -> Value {
    match journal::read(&runs_dir.join(id)).and_then(|e| RunState::from_entries(&e)) {
        Ok(s) => json!({
            "run_id": id,
            "graph_id": s.spec.get("graph_id"),
            "started_at": s.started_at,
            "dry_run": s.dry_run,
            "mode": s.mode,
            "status": s.status,
            "finished": s.finished,
            "nodes": s.nodes.len(),
            "pending_rollback": if s.dry_run { 0 } else { s.pending_rollback().len() },
            "has_evidence": evidence::pack_path(runs_dir, id).is_file(),
        }),
        Err(e) => json!({ "run_id": id, "status": "unreadable", "error": format!("{e:#}") }),
    }
}

/// `GET /api/pipeline/runs/{id}`: the run as its journal tells it (status `running` while
/// this server runs it; `queued` before it starts).
pub async fn get_run(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_run_id(&id)?;
    let tracked = state.0.runs.get(&id);
    let runs_dir = state.session().policy.runs_dir();
    let dir = runs_dir.join(&id);
    let journal_id = id.clone();
    let from_journal = blocking(move || {
        if !dir.join(journal::JOURNAL_FILE).is_file() {
            return Ok(None);
        }
        let state = match journal::read(&dir).and_then(|e| RunState::from_entries(&e)) {
            Ok(state) => state,
            Err(e) => return Ok(Some(Err(ApiError::internal(&e)))),
        };
        let mut value = serde_json::to_value(&state)?;
        value["has_evidence"] = json!(evidence::pack_path(&runs_dir, &journal_id).is_file());
        Ok(Some(Ok(value)))
    })
    .await?;
    match (from_journal, tracked) {
        (Some(Ok(mut value)), Some(run)) => {
            let snapshot = run.snapshot();
            if snapshot["finished"] == false {
                value["status"] = snapshot["status"].clone();
            } else if snapshot["status"] == "error" {
                value["status"] = json!("error");
                value["error"] = snapshot["error"].clone();
            }
            Ok(Json(value))
        }
        (Some(Ok(value)), None) => Ok(Json(value)),
        // A journal just created has no first record yet: the tracker knows more.
        (Some(Err(_)) | None, Some(run)) => Ok(Json(run.snapshot())),
        (Some(Err(e)), None) => Err(e),
        (None, None) => Err(no_such_run(&id)),
    }
}

/// `GET /api/pipeline/runs/{id}/events`: the run's progress as server-sent events, from the
/// start (or after `Last-Event-ID`), ending with `run_finished`.
pub async fn run_events(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_run_id(&id)?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if let Some(run) = state.0.runs.get(&id) {
        let (past, rx) = run.follow(after);
        return Ok(sse(past, rx));
    }
    // A run of another process, or one this server no longer remembers: its end, from the journal.
    let dir = state.session().policy.runs_dir().join(&id);
    let finished = blocking(move || {
        if !dir.join(journal::JOURNAL_FILE).is_file() {
            return Ok(None);
        }
        let s = journal::read(&dir).and_then(|e| RunState::from_entries(&e)).map_err(|e| ApiError::internal(&e))?;
        let error = s.result.as_ref().and_then(|r| r.get("error")).cloned().unwrap_or(Value::Null);
        let success = s.result.as_ref().and_then(|r| r.get("success")).cloned().unwrap_or(json!(false));
        Ok(Some(json!({ "run_id": s.run_id, "status": s.status, "success": success, "dry_run": s.dry_run, "error": error })))
    })
    .await?
    .ok_or_else(|| no_such_run(&id))?;
    let (_, rx) = broadcast::channel(1);
    Ok(sse(
        vec![RunEvent {
            seq: 1,
            event: "run_finished".into(),
            data: finished,
        }],
        rx,
    ))
}

enum Follow {
    Past(VecDeque<RunEvent>, broadcast::Receiver<RunEvent>),
    Live(broadcast::Receiver<RunEvent>),
    Done,
}

fn sse(past: Vec<RunEvent>, rx: broadcast::Receiver<RunEvent>) -> Response {
    fn event(e: &RunEvent) -> Event {
        Event::default()
            .id(e.seq.to_string())
            .event(e.event.as_str())
            .data(e.data.to_string())
    }
    async fn next_live(
        mut rx: broadcast::Receiver<RunEvent>,
    ) -> Option<(Result<Event, Infallible>, Follow)> {
        match rx.recv().await {
            Ok(e) => {
                let next = if e.is_terminal() {
                    Follow::Done
                } else {
                    Follow::Live(rx)
                };
                Some((Ok(event(&e)), next))
            }
            Err(broadcast::error::RecvError::Lagged(n)) => Some((
                Ok(Event::default()
                    .event("lagged")
                    .data(json!({ "missed_events": n }).to_string())),
                Follow::Live(rx),
            )),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
    let stream = futures_util::stream::unfold(Follow::Past(past.into(), rx), |follow| async move {
        match follow {
            Follow::Past(mut queue, rx) => match queue.pop_front() {
                Some(e) => {
                    let next = if e.is_terminal() {
                        Follow::Done
                    } else {
                        Follow::Past(queue, rx)
                    };
                    Some((Ok(event(&e)), next))
                }
                None => next_live(rx).await,
            },
            Follow::Live(rx) => next_live(rx).await,
            Follow::Done => None,
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `POST /api/pipeline/runs/{id}/rollback`: undoes a live run from its journal.
pub async fn rollback(
    State(state): State<ApiState>,
    _access: LiveAccess,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_run_id(&id)?;
    if state
        .0
        .runs
        .get(&id)
        .is_some_and(|r| r.snapshot()["finished"] == false)
    {
        return Err(ApiError::conflict(format!(
            "run `{id}` is still running; roll it back when it has finished"
        )));
    }
    if !state
        .session()
        .policy
        .runs_dir()
        .join(&id)
        .join(journal::JOURNAL_FILE)
        .is_file()
    {
        return Err(no_such_run(&id));
    }
    let active = state.0.runs.activate();
    let task_state = state.clone();
    let task_id = id.clone();
    let joined = tokio::spawn(async move {
        let _active = active;
        task_state.session().rollback_loaded(&task_id, None).await
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the rollback task failed: {e}"),
        )
    })?;
    match joined {
        Ok((report, warnings)) => Ok(Json(json!({
            "run_id": id,
            "complete": report.failed.is_empty(),
            "report": report,
            "warnings": warnings,
            "mode": state.mode().as_str(),
        }))),
        Err(e) if e.to_string().contains("is in use") => Err(ApiError::conflict(format!("{e:#}"))),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

/// `POST /api/pipeline/evidence/verify`: a pack -> `{valid, expected_hash, computed_hash,
/// first_mismatch, mismatches, signature}`.
pub async fn verify_evidence(
    State(state): State<ApiState>,
    JsonBody(pack): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    if !pack.is_object() {
        return Err(
            ApiError::unprocessable("the body must be an evidence pack (a JSON object)")
                .with("field", Value::Null),
        );
    }
    let trusted_keys = state.0.trusted_keys.clone();
    let report = blocking(move || {
        Ok(abp_evidence::verify(
            &pack,
            &abp_evidence::VerifyOptions {
                artifacts_root: None,
                trusted_keys,
            },
        ))
    })
    .await?;
    Ok(Json(json!({
        "valid": report.valid,
        "expected_hash": report.expected_hash,
        "computed_hash": report.computed_hash,
        "first_mismatch": report.first(),
        "mismatches": report.mismatches,
        "signature": report.signature,
    })))
}

/// The body of `POST /api/pipeline/evidence/generate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    execution_result: ExecutionGraphResult,
    #[serde(default)]
    business_intent: Option<abp_intent::ResolvedBusinessIntent>,
    #[serde(default)]
    graph_spec: Option<ExecutionGraphSpec>,
}

/// `POST /api/pipeline/evidence/generate`: `{execution_result, business_intent?, graph_spec?}`
/// -> `PipelineEvidencePack`. Without `graph_spec`, the spec comes from the journal of
/// `execution_result.run_id`. The plugins and grants are those of this server, as for a run.
pub async fn generate_evidence(
    State(state): State<ApiState>,
    JsonBody(req): JsonBody<GenerateRequest>,
) -> Result<Json<Value>, ApiError> {
    let GenerateRequest {
        execution_result: result,
        business_intent,
        graph_spec,
    } = req;
    let policy = &state.session().policy;
    // Only files under the storage root are hashed: a pack must not become a way to learn
    // digests of arbitrary files on the server.
    let outside: Vec<Value> = result
        .artifacts
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            !crate::policy::normalize(std::path::Path::new(a)).starts_with(&policy.storage)
        })
        .map(|(i, a)| {
            json!(format!(
                "execution_result.artifacts[{i}]: `{a}` is not under the storage root"
            ))
        })
        .collect();
    if !outside.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "{} artifact path(s) lie outside the storage root",
            outside.len()
        ))
        .with("field", json!("execution_result.artifacts"))
        .with("problems", Value::Array(outside)));
    }
    let spec = if let Some(spec) = graph_spec {
        spec
    } else {
        let dir = policy.runs_dir().join(&result.run_id);
        let run_id = result.run_id.clone();
        blocking(move || {
            check_run_id(&run_id).map_err(|_| spec_needed(&run_id))?;
            let s = journal::read(&dir)
                .and_then(|e| RunState::from_entries(&e))
                .map_err(|_| spec_needed(&run_id))?;
            serde_json::from_value::<ExecutionGraphSpec>(s.spec)
                .map_err(|e| ApiError::internal(&e.into()))
        })
        .await?
    };
    if spec.graph_id != result.graph_id {
        return Err(ApiError::unprocessable(format!(
            "`graph_spec.graph_id` is `{}` but `execution_result.graph_id` is `{}`; send the spec that produced the result",
            spec.graph_id, result.graph_id
        ))
        .with("field", json!("graph_spec.graph_id")));
    }
    let prepared = prepare(&state, spec)?;
    let intent = business_intent
        .map(|i| serde_json::to_value(&i))
        .transpose()?;
    let task_state = state.clone();
    let pack = blocking(move || {
        evidence::build(
            &task_state.session().policy,
            &prepared,
            intent.as_ref(),
            &result,
        )
        .map_err(|e| ApiError::internal(&e))
    })
    .await?;
    Ok(Json(serde_json::to_value(&pack)?))
}

fn spec_needed(run_id: &str) -> ApiError {
    ApiError::unprocessable(format!("`graph_spec` is missing and `execution_result.run_id` `{run_id}` names no run of this server; send the graph spec"))
        .with("field", json!("graph_spec"))
}
