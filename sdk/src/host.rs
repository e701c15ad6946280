//! The host services a node can call during an invocation, as a trait so that the same node
//! code runs against the real host (inside wasm) and against [`crate::testing::TestHost`].

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::{HttpError, Request, Response};

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// What the host offers a node during one call.
pub trait Host {
    /// A line in the run's log.
    fn log(&self, level: Level, message: &str);
    /// A node-specific audit event; `data` must be a JSON object without secrets.
    fn audit(&self, event_type: &str, data: &Value);
    /// A value an earlier node stored with [`Host::set_state`].
    fn get_state(&self, key: &str) -> Option<Value>;
    /// Stores a value for later nodes in this run.
    fn set_state(&self, key: &str, value: &Value);
    /// Declares a file or directory the node wrote, inside one of its mounts.
    fn add_artifact(&self, path: &Path);
    /// Journals `receipt` durably before it returns; call it before each external change.
    fn checkpoint(&self, receipt: &Value);
    /// Sends an HTTP request through the host's egress policy.
    fn send(&self, request: Request) -> Result<Response, HttpError>;
    /// The path of a granted mount (e.g. `output`), or `None` when the policy did not grant it.
    fn mount(&self, name: &str) -> Option<PathBuf>;
}

impl dyn Host + '_ {
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }
    pub fn warn(&self, message: &str) {
        self.log(Level::Warn, message);
    }
    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, message);
    }

    /// Sends `request` and returns the response when its status is 2xx; transport failures and
    /// other statuses become a [`crate::NodeError`] (see [`Response::error_for_status`]).
    pub fn fetch(&self, request: Request) -> Result<Response, crate::NodeError> {
        self.send(request)?.error_for_status()
    }

    /// Sends `request` (with `Accept: application/json` unless it sets one) and parses the 2xx
    /// response body as `T`.
    pub fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T, crate::NodeError> {
        let has_accept = request
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"));
        let request = if has_accept {
            request
        } else {
            request.header("Accept", "application/json")
        };
        self.fetch(request)?.json()
    }

    /// `GET url` and the 2xx JSON body as `T`. For credentials or headers, build the request
    /// and use [`Self::send_json`]: `host.send_json(Request::get(url).bearer("api_token"))`.
    pub fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, crate::NodeError> {
        self.send_json(Request::get(url))
    }

    /// The path of a mount the node cannot work without, or a `denied` error naming it.
    pub fn require_mount(&self, name: &str) -> Result<PathBuf, crate::NodeError> {
        self.mount(name).ok_or_else(|| {
            crate::NodeError::Denied(format!(
                "mount `{name}` is not granted; the policy must set `plugins.<node>.mounts.{name}`"
            ))
        })
    }
}
