//! Test node `spinner`: computes forever (a busy loop)

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

pub struct Spinner;

fn misbehave(host: &dyn Host) -> Result<NodeOutput, NodeError> {
    host.info("spinning");
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

impl Node for Spinner {
    type Params = Params;
    const NODE_TYPE: &'static str = "spinner";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: computes forever (a busy loop)";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.in_dry_run {
            return misbehave(host);
        }
        Ok(NodeOutput::new(json!({ "would": "spinner" }), json!(null)))
    }

    fn execute(host: &dyn Host, _inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        misbehave(host)
    }
}

abp_node_sdk::export_node!(Spinner);
