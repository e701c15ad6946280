//! The guest SDK for abp nodes: implement [`Node`] in plain Rust, call [`export_node!`], and
//! build for `wasm32-wasip2`; the SDK provides the WIT export, the params JSON Schema (derived
//! from the params type with `schemars`), typed access to the host imports, and the mapping of
//! errors to the WIT `node-error`.
//!
//! The same node also compiles natively: [`testing::TestHost`] stands in for the host, so a
//! node's logic unit-tests without a runtime and can be benchmarked against its sandboxed form.
//!
//! The WIT contract this SDK is built against is [`WIT_PACKAGE`]; the host refuses components
//! built for another major version.
//!
//! # A complete node
//!
//! A node that publishes a record through an HTTP API, with the secret by reference, a dry run
//! that only reads, a checkpoint before the change and an idempotent rollback; then a native
//! test of it. `abp plugins new NAME` scaffolds a crate like this; `docs/node-authors.md` in
//! the abp repository is the guide.
//!
//! ```
//! use abp_node_sdk::http::{Request, Response};
//! use abp_node_sdk::{Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, Value, json};
//! use serde::Deserialize;
//!
//! /// The graph's `params`; the doc comments become the JSON Schema's descriptions, and the
//! /// host validates params against that schema before any node runs.
//! #[derive(Debug, Deserialize, JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! pub struct Params {
//!     /// Name of the record.
//!     pub name: String,
//!     /// Its value.
//!     pub value: String,
//! }
//!
//! pub struct Records;
//!
//! impl Records {
//!     /// The API's base URL: a deployment setting from the policy's
//!     /// `[plugins.records.config]` table, with a default.
//!     fn url(inv: &Invocation<Params>) -> String {
//!         let base = inv.config["endpoint"].as_str().unwrap_or("https://records.example");
//!         format!("{base}/records/{}", inv.params.name)
//!     }
//! }
//!
//! impl Node for Records {
//!     type Params = Params;
//!     const NODE_TYPE: &'static str = "records";
//!     const VERSION: &'static str = "0.1.0";
//!     const DESCRIPTION: &'static str = "publishes a record through an HTTP API";
//!     const ROLLBACK: RollbackSupport = RollbackSupport::Compensating;
//!
//!     fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
//!         // Only GET and HEAD pass in a dry run. The token is named, never seen.
//!         let found = host.send(Request::get(Self::url(inv)).bearer("records_token"))?;
//!         let exists = found.is_success();
//!         Ok(NodeOutput::new(json!({ "would_set": inv.params.name, "exists": exists }), Value::Null))
//!     }
//!
//!     fn execute(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
//!         let url = Self::url(inv);
//!         let before = host.send(Request::get(&url).bearer("records_token"))?;
//!         let previous = if before.is_success() { before.json_value()? } else { Value::Null };
//!         // Journaled before the change: a run that dies mid-node can still be rolled back.
//!         let receipt = json!({ "url": url, "previous": previous });
//!         host.checkpoint(&receipt);
//!         let body = json!({ "value": inv.params.value });
//!         let created: Value = host.send_json(Request::put(&url).bearer("records_token").json(&body))?;
//!         host.audit("records.record_set", &json!({ "name": inv.params.name }));
//!         Ok(NodeOutput::new(json!({ "set": inv.params.name, "server": created }), receipt))
//!     }
//!
//!     fn rollback(host: &dyn Host, _inv: &Invocation<Params>, receipt: &Value) -> Result<(), NodeError> {
//!         // Idempotent, and fine when the change never happened.
//!         let Some(url) = receipt["url"].as_str() else { return Ok(()) };
//!         let request = match &receipt["previous"] {
//!             Value::Null => Request::delete(url),
//!             previous => Request::put(url).json(previous),
//!         };
//!         let response = host.send(request.bearer("records_token"))?;
//!         if response.status == 404 { Ok(()) } else { response.error_for_status().map(drop) }
//!     }
//! }
//!
//! abp_node_sdk::export_node!(Records);
//!
//! // Natively, with a stand-in for the host and the API:
//! use abp_node_sdk::testing::{Call, TestHost, call};
//!
//! let host = TestHost::new().with_http(|req: &Request| {
//!     let status = if req.method == "GET" { 404 } else { 200 };
//!     Ok(Response { status, headers: Vec::new(), body: b"{\"ok\":true}".to_vec() })
//! });
//! let out = call::<Records>(&host, Call::Execute, &json!({ "name": "www", "value": "1.2.3.4" })).unwrap();
//! assert_eq!(out.output["server"]["ok"], true);
//! assert_eq!(host.checkpoints.borrow().len(), 1);
//! let requests = host.requests.borrow();
//! assert_eq!(requests[1].method, "PUT");
//! assert_eq!(requests[1].credential.as_ref().unwrap().secret, "records_token");
//! ```
//!
//! The manifest beside the component (`records.toml`) asks for what the node needs; the
//! deployment's policy grants it:
//!
//! ```toml
//! [plugin]
//! node_type = "records"
//! version = "0.1.0"
//! wasm = "records.wasm"
//! [requests]
//! http = ["https://records.example"]
//! secrets = ["records_token"]
//! ```

mod host;
pub mod http;
pub mod testing;

#[cfg(target_family = "wasm")]
#[doc(hidden)]
pub mod __guest;

use std::collections::BTreeMap;
use std::fmt;

pub use host::{Host, Level};
pub use schemars;
pub use schemars::JsonSchema;
pub use serde_json::{self, Value, json};

/// The WIT package (with version) this SDK implements.
pub const WIT_PACKAGE: &str = "abp:node@0.1.0";

/// Whether a node can undo what `execute` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackSupport {
    /// Nothing to undo, or it cannot be undone.
    None,
    /// `rollback` undoes `execute` from its receipt.
    Compensating,
}

/// What `describe` returns.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub node_type: String,
    pub version: String,
    pub description: String,
    pub rollback: RollbackSupport,
    /// JSON Schema of the params, derived from [`Node::Params`].
    pub params_schema: Value,
}

/// One call of a node, with typed params.
#[derive(Debug, Clone)]
pub struct Invocation<P> {
    pub run_id: String,
    pub graph_id: String,
    pub node_id: String,
    pub params: P,
    /// Outputs of the direct dependencies, by node id.
    pub inputs: BTreeMap<String, Value>,
    /// This plugin's settings from the deployment's policy (`[plugins.NAME.config]`).
    pub config: Value,
}

/// What a successful `dry_run` or `execute` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeOutput {
    /// Shown in the run result and the evidence.
    pub output: Value,
    /// What `rollback` needs; journaled durably by the host before the run moves on.
    pub receipt: Value,
}

impl NodeOutput {
    pub fn new(output: Value, receipt: Value) -> Self {
        Self { output, receipt }
    }
}

/// Why a node call failed; maps one to one onto the WIT `node-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeError {
    InvalidParams(String),
    Denied(String),
    Failed(String),
    Unavailable(String),
}

impl NodeError {
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::InvalidParams(message.into())
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::Denied(message.into())
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(message.into())
    }

    /// The kind as the host reports it (`invalid-params`, `denied`, `failed`, `unavailable`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidParams(_) => "invalid-params",
            Self::Denied(_) => "denied",
            Self::Failed(_) => "failed",
            Self::Unavailable(_) => "unavailable",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::InvalidParams(m) | Self::Denied(m) | Self::Failed(m) | Self::Unavailable(m) => m,
        }
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl std::error::Error for NodeError {}

impl From<http::HttpError> for NodeError {
    fn from(err: http::HttpError) -> Self {
        match err {
            http::HttpError::Denied(m) => Self::Denied(m),
            http::HttpError::Timeout => Self::Unavailable("request timed out".into()),
            http::HttpError::Transport(m) => Self::Unavailable(m),
            http::HttpError::TooLarge => Self::Failed("request or response too large".into()),
        }
    }
}

/// A pipeline node. Implement it on a unit struct and call [`export_node!`] at the crate root.
///
/// Nodes are stateless: the instance lives for one call. Anything `rollback` needs goes into
/// the receipt (and into [`Host::checkpoint`] before each external change).
pub trait Node {
    /// The params, deserialized from the graph's JSON; its schema is what the host validates.
    type Params: serde::de::DeserializeOwned + JsonSchema;

    /// The graph's `node_type`; must match the plugin manifest.
    const NODE_TYPE: &'static str;
    /// Semantic version of the node.
    const VERSION: &'static str;
    /// One line for `abp plugins list`.
    const DESCRIPTION: &'static str;
    /// Whether `rollback` undoes `execute`.
    const ROLLBACK: RollbackSupport;

    /// Shows what `execute` would do, without side effects.
    fn dry_run(host: &dyn Host, inv: &Invocation<Self::Params>) -> Result<NodeOutput, NodeError>;

    /// Does the work; checkpoints before each external change.
    fn execute(host: &dyn Host, inv: &Invocation<Self::Params>) -> Result<NodeOutput, NodeError>;

    /// Undoes `execute` from `receipt`; idempotent, tolerates a change that never happened.
    fn rollback(
        host: &dyn Host,
        inv: &Invocation<Self::Params>,
        receipt: &Value,
    ) -> Result<(), NodeError> {
        let _ = (host, inv, receipt);
        Ok(())
    }
}

/// The node's description, with its params schema derived from [`Node::Params`].
pub fn info<N: Node>() -> NodeInfo {
    let schema = schemars::schema_for!(N::Params);
    NodeInfo {
        node_type: N::NODE_TYPE.to_owned(),
        version: N::VERSION.to_owned(),
        description: N::DESCRIPTION.to_owned(),
        rollback: N::ROLLBACK,
        params_schema: serde_json::to_value(&schema).unwrap_or(Value::Null),
    }
}

/// Parses JSON params into the node's type, as the WIT export does.
pub fn parse_params<P: serde::de::DeserializeOwned>(json: &str) -> Result<P, NodeError> {
    serde_json::from_str(json).map_err(|e| NodeError::InvalidParams(format!("params: {e}")))
}

/// Exports a [`Node`] as the `abp:node/execution-node` WIT interface. Call it once, at the
/// crate root, with the node type: `abp_node_sdk::export_node!(MyNode);`. On native targets it
/// expands to nothing, so the crate still builds and tests natively.
#[macro_export]
macro_rules! export_node {
    ($node:ty) => {
        #[cfg(target_family = "wasm")]
        #[doc(hidden)]
        mod __abp_node_export {
            #[allow(unused_imports, reason = "the node type may be named relative to the crate root")]
            use super::*;
            use $crate::__guest::bindings::exports::abp::node::execution_node as wit;

            struct Export;

            impl wit::Guest for Export {
                fn describe() -> wit::NodeInfo {
                    $crate::__guest::describe::<$node>()
                }
                fn dry_run(inv: wit::Invocation) -> Result<wit::NodeOutput, wit::NodeError> {
                    $crate::__guest::dry_run::<$node>(inv)
                }
                fn execute(inv: wit::Invocation) -> Result<wit::NodeOutput, wit::NodeError> {
                    $crate::__guest::execute::<$node>(inv)
                }
                fn rollback(inv: wit::Invocation, receipt: String) -> Result<(), wit::NodeError> {
                    $crate::__guest::rollback::<$node>(inv, receipt)
                }
            }

            $crate::__guest::bindings::export!(Export with_types_in $crate::__guest::bindings);
        }
    };
}
