//! Test node `sleeper`: blocks forever in a WASI sleep

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

pub struct Sleeper;

fn misbehave(host: &dyn Host) -> Result<NodeOutput, NodeError> {
    host.info("sleeping");
    loop {
        std::thread::sleep(std::time::Duration::from_hours(1));
    }
}

impl Node for Sleeper {
    type Params = Params;
    const NODE_TYPE: &'static str = "sleeper";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: blocks forever in a WASI sleep";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.in_dry_run {
            return misbehave(host);
        }
        Ok(NodeOutput::new(json!({ "would": "sleeper" }), json!(null)))
    }

    fn execute(host: &dyn Host, _inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        misbehave(host)
    }
}

abp_node_sdk::export_node!(Sleeper);
