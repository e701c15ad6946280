//! A native stand-in for the host, for unit tests and native benchmarks of a node's logic.
//! Mounts are real directories; logs, audit events, state, artifacts and checkpoints are
//! recorded for assertions; HTTP goes to a handler the test supplies (denied when none).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::http::{HttpError, Request, Response};
use crate::{Host, Invocation, Level, Node, NodeError, NodeOutput};

type Handler = Box<dyn Fn(&Request) -> Result<Response, HttpError>>;

/// Records everything a node does through the host.
#[derive(Default)]
pub struct TestHost {
    mounts: BTreeMap<String, PathBuf>,
    handler: Option<Handler>,
    pub logs: RefCell<Vec<(Level, String)>>,
    pub events: RefCell<Vec<(String, Value)>>,
    pub state: RefCell<BTreeMap<String, Value>>,
    pub artifacts: RefCell<Vec<PathBuf>>,
    pub checkpoints: RefCell<Vec<Value>>,
    pub requests: RefCell<Vec<Request>>,
}

impl TestHost {
    pub fn new() -> Self {
        Self::default()
    }

    /// Grants a mount backed by a real directory.
    #[must_use]
    pub fn with_mount(mut self, name: &str, dir: impl Into<PathBuf>) -> Self {
        self.mounts.insert(name.to_owned(), dir.into());
        self
    }

    /// Answers HTTP requests with `handler` (without one, every request is denied).
    #[must_use]
    pub fn with_http(
        mut self,
        handler: impl Fn(&Request) -> Result<Response, HttpError> + 'static,
    ) -> Self {
        self.handler = Some(Box::new(handler));
        self
    }
}

impl Host for TestHost {
    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push((level, message.to_owned()));
    }
    fn audit(&self, event_type: &str, data: &Value) {
        self.events
            .borrow_mut()
            .push((event_type.to_owned(), data.clone()));
    }
    fn get_state(&self, key: &str) -> Option<Value> {
        self.state.borrow().get(key).cloned()
    }
    fn set_state(&self, key: &str, value: &Value) {
        self.state
            .borrow_mut()
            .insert(key.to_owned(), value.clone());
    }
    fn add_artifact(&self, path: &Path) {
        self.artifacts.borrow_mut().push(path.to_owned());
    }
    fn checkpoint(&self, receipt: &Value) {
        self.checkpoints.borrow_mut().push(receipt.clone());
    }
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        self.requests.borrow_mut().push(request.clone());
        match &self.handler {
            Some(handler) => handler(&request),
            None => Err(HttpError::Denied(
                "no HTTP handler in this test host".into(),
            )),
        }
    }
    fn mount(&self, name: &str) -> Option<PathBuf> {
        self.mounts.get(name).cloned()
    }
}

/// Which export to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    DryRun,
    Execute,
}

/// An invocation with JSON params, parsed the way the WIT export parses them.
pub fn invocation<N: Node>(
    node_id: &str,
    params: &Value,
) -> Result<Invocation<N::Params>, NodeError> {
    Ok(Invocation {
        run_id: "run-test".into(),
        graph_id: "graph-test".into(),
        node_id: node_id.into(),
        params: crate::parse_params(&params.to_string())?,
        inputs: BTreeMap::new(),
        config: Value::Object(serde_json::Map::new()),
    })
}

/// Calls `dry_run` or `execute` natively, with params as JSON.
pub fn call<N: Node>(host: &TestHost, call: Call, params: &Value) -> Result<NodeOutput, NodeError> {
    let inv = invocation::<N>("node", params)?;
    match call {
        Call::DryRun => N::dry_run(host, &inv),
        Call::Execute => N::execute(host, &inv),
    }
}
