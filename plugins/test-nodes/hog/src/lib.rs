//! Test node `hog`: allocates memory without bound

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

pub struct Hog;

fn misbehave(host: &dyn Host) -> Result<NodeOutput, NodeError> {
    host.info("allocating");
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        chunks.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&chunks);
    }
}

impl Node for Hog {
    type Params = Params;
    const NODE_TYPE: &'static str = "hog";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: allocates memory without bound";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.in_dry_run {
            return misbehave(host);
        }
        Ok(NodeOutput::new(json!({ "would": "hog" }), json!(null)))
    }

    fn execute(host: &dyn Host, _inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        misbehave(host)
    }
}

abp_node_sdk::export_node!(Hog);
