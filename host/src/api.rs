//! The HTTP API (`abp serve`): the seed's pipeline endpoints (`/api/pipeline/intent/resolve`,
//! `/execute`, `/dry-run`, `/evidence/generate`, `/evidence/verify`) plus runs, rollback, a run's
//! live progress as server-sent events, health and the `OpenAPI` document
//! (`docs/openapi.json`, compiled in).
//!
//! Every run executes in a task of its own, never in the request's future: a client that
//! disconnects neither cancels nor corrupts a run. Plugins are loaded once at startup, so
//! requests prepare and run concurrently on one shared [`Session`] without a lock.
//!
//! Access: endpoints that change something (`execute`, `rollback`) need
//! `Authorization: Bearer <token>` with the policy's `api_token`; without one configured they
//! answer 403. Safe mode answers 503 with the seed's detail for them, sovereign mode too; dry
//! runs stay available in both (they change nothing, and sovereign mode grants no egress).

mod error;
mod extract;
mod handlers;
mod runs;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::MethodRouter;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::policy::Mode;
use crate::session::{Session, SessionOptions};

pub use error::ApiError;

/// The `OpenAPI` 3.1 document of this API, as kept in the repository.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The response header that carries the governance mode in force.
pub const MODE_HEADER: &str = "x-abp-mode";

/// Tunables of the server.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Runs executing at once; further runs wait (status `queued`) for a slot.
    pub max_concurrent_runs: usize,
}

impl Default for ApiOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_BODY_BYTES,
            max_concurrent_runs: 64,
        }
    }
}

/// What every request handler shares: the session (plugins loaded), the token digest, the
/// runs this process started. Cheap to clone.
#[derive(Clone)]
pub struct ApiState(Arc<Inner>);

struct Inner {
    session: Arc<Session>,
    /// Plugins that failed to load at startup, by node type (shown by `/api/health`).
    load_failures: BTreeMap<String, String>,
    /// SHA-256 of the API token; `None` when the policy sets no `api_token`.
    token_digest: Option<[u8; 32]>,
    /// Keys whose evidence signatures `evidence/verify` accepts (the policy's `trusted_keys`).
    trusted_keys: Vec<abp_evidence::PublicKeyText>,
    runs: runs::Tracker,
    run_slots: Arc<Semaphore>,
    options: ApiOptions,
}

impl ApiState {
    /// Opens a session, loads every plugin (a broken one is reported, not fatal) and reads
    /// the API token the policy names.
    pub async fn open(opts: &SessionOptions, options: ApiOptions) -> Result<Self> {
        let mut session = Session::open(opts)?;
        let load_failures = session.registry.load_all(&session.runtime).await;
        Self::from_session(session, load_failures, options)
    }

    /// Wraps a session whose plugins are loaded. Fails when the policy names an `api_token`
    /// that cannot be read or is empty (the error names the source, never the value).
    pub fn from_session(
        session: Session,
        load_failures: BTreeMap<String, String>,
        options: ApiOptions,
    ) -> Result<Self> {
        let token_digest = match &session.policy.policy.api_token {
            None => None,
            Some(source) => {
                let token = source
                    .resolve()
                    .context("reading the policy's `api_token`")?;
                let token = token.trim();
                if token.is_empty() {
                    anyhow::bail!("the policy's `api_token` is empty; give it a long random value");
                }
                Some(Sha256::digest(token.as_bytes()).into())
            }
        };
        let trusted_keys = crate::evidence::trusted_keys(&session.policy, &[])?;
        let run_slots = Arc::new(Semaphore::new(options.max_concurrent_runs.max(1)));
        Ok(Self(Arc::new(Inner {
            session: Arc::new(session),
            load_failures,
            token_digest,
            trusted_keys,
            runs: runs::Tracker::default(),
            run_slots,
            options,
        })))
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.0.session
    }

    /// The governance mode in force.
    pub fn mode(&self) -> Mode {
        self.0.session.policy.policy.mode
    }

    /// Whether `execute` can run anything: a token is configured and the mode allows it.
    pub fn live_runs_enabled(&self) -> bool {
        self.0.token_digest.is_some() && self.mode() == Mode::Normal
    }

    /// Why plugin `node_type` failed to load at startup, if it did.
    pub fn plugin_error(&self, node_type: &str) -> Option<&str> {
        self.0.load_failures.get(node_type).map(String::as_str)
    }

    /// Runs this process started that have not finished yet.
    pub fn active_runs(&self) -> usize {
        self.0.runs.active()
    }

    /// Waits until every run this process started has finished.
    pub async fn wait_idle(&self) {
        self.0.runs.wait_idle().await;
    }
}

/// One endpoint: its method and path as routed, and as `docs/openapi.json` documents them.
struct Route {
    method: Method,
    path: &'static str,
    handler: MethodRouter<ApiState>,
}

fn get<H, T>(path: &'static str, handler: H) -> Route
where
    H: axum::handler::Handler<T, ApiState>,
    T: 'static,
{
    Route {
        method: Method::GET,
        path,
        handler: axum::routing::get(handler),
    }
}

fn post<H, T>(path: &'static str, handler: H) -> Route
where
    H: axum::handler::Handler<T, ApiState>,
    T: 'static,
{
    Route {
        method: Method::POST,
        path,
        handler: axum::routing::post(handler),
    }
}

/// Every endpoint, from one list: the router is built from it and [`routes`] reports it.
fn table() -> Vec<Route> {
    use handlers as h;
    vec![
        get("/api/health", h::health),
        get("/api/openapi.json", h::openapi),
        post("/api/pipeline/intent/resolve", h::resolve_intent),
        post("/api/pipeline/execute", h::execute),
        post("/api/pipeline/dry-run", h::dry_run),
        post("/api/pipeline/evidence/generate", h::generate_evidence),
        post("/api/pipeline/evidence/verify", h::verify_evidence),
        get("/api/pipeline/runs", h::list_runs),
        get("/api/pipeline/runs/{id}", h::get_run),
        get("/api/pipeline/runs/{id}/events", h::run_events),
        post("/api/pipeline/runs/{id}/rollback", h::rollback),
    ]
}

/// The `(method, path)` of every route the router serves, paths in OpenAPI/axum `{param}` form.
pub fn routes() -> Vec<(String, String)> {
    table()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect()
}

/// The API as an axum router over `state`.
pub fn router(state: ApiState) -> Router {
    let mode = HeaderValue::from_static(state.mode().as_str());
    let mut router = Router::new();
    for r in table() {
        router = router.route(r.path, r.handler);
    }
    router
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(axum::middleware::map_response(
            move |mut response: axum::response::Response| {
                let mode = mode.clone();
                async move {
                    response
                        .headers_mut()
                        .insert(HeaderName::from_static(MODE_HEADER), mode);
                    response
                }
            },
        ))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes, then waits for the runs this
/// server started to finish (a run is never cut short by a shutdown request).
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = router(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving the API")?;
    state.wait_idle().await;
    Ok(())
}
