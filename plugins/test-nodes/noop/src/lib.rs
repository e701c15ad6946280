//! Test node `noop`: does nothing (for overhead benchmarks)

use abp_node_sdk::{
    Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, json,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Misbehave in `dry_run` too (by default only `execute` does).
    #[serde(default)]
    pub in_dry_run: bool,
}

pub struct Noop;

#[allow(
    clippy::unnecessary_wraps,
    reason = "the same signature as the test nodes that do fail"
)]
fn misbehave(host: &dyn Host) -> Result<NodeOutput, NodeError> {
    let _ = host;
    Ok(NodeOutput::new(json!({}), json!(null)))
}

impl Node for Noop {
    type Params = Params;
    const NODE_TYPE: &'static str = "noop";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: does nothing (for overhead benchmarks)";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.in_dry_run {
            return misbehave(host);
        }
        Ok(NodeOutput::new(json!({ "would": "noop" }), json!(null)))
    }

    fn execute(host: &dyn Host, _inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        misbehave(host)
    }
}

abp_node_sdk::export_node!(Noop);
