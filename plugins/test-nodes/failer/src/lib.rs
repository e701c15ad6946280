//! Test node `failer`: fails on demand with the node-error kind it is asked for.

use abp_node_sdk::{
    Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, json,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Fail in `execute` (and in `dry_run` when `in_dry_run` is set).
    #[serde(default = "yes")]
    pub fail: bool,
    #[serde(default)]
    pub in_dry_run: bool,
    /// `failed`, `denied`, `unavailable` or `invalid-params`.
    #[serde(default = "failed")]
    pub kind: String,
    #[serde(default = "message")]
    pub message: String,
}

fn yes() -> bool {
    true
}
fn failed() -> String {
    "failed".into()
}
fn message() -> String {
    "failing on purpose".into()
}

pub struct Failer;

fn outcome(p: &Params, active: bool) -> Result<NodeOutput, NodeError> {
    if !active {
        return Ok(NodeOutput::new(json!({ "ok": true }), json!(null)));
    }
    Err(match p.kind.as_str() {
        "denied" => NodeError::denied(p.message.clone()),
        "unavailable" => NodeError::unavailable(p.message.clone()),
        "invalid-params" => NodeError::invalid_params(p.message.clone()),
        _ => NodeError::failed(p.message.clone()),
    })
}

impl Node for Failer {
    type Params = Params;
    const NODE_TYPE: &'static str = "failer";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: fails on demand";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(_host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        outcome(&inv.params, inv.params.fail && inv.params.in_dry_run)
    }

    fn execute(_host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        outcome(&inv.params, inv.params.fail)
    }
}

abp_node_sdk::export_node!(Failer);
