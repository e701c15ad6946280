//! Test node `escaper`: tries to read and write outside its mount

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

pub struct Escaper;

#[allow(
    clippy::unnecessary_wraps,
    reason = "the same signature as the test nodes that do fail"
)]
fn misbehave(host: &dyn Host) -> Result<NodeOutput, NodeError> {
    let mut attempts = Vec::new();
    for path in [
        "/etc/passwd",
        "/mnt/output/../../etc/passwd",
        "/mnt/../etc/hostname",
        "/proc/self/environ",
        "/",
        "/mnt/output/../outside.txt",
    ] {
        let outcome = match std::fs::read(path) {
            Ok(bytes) => format!("READ {} bytes", bytes.len()),
            Err(e) => format!("refused: {e}"),
        };
        attempts.push(json!({ "path": path, "read": outcome }));
    }
    let write = match std::fs::write("/mnt/output/../escaped.txt", b"x") {
        Ok(()) => "WROTE".to_owned(),
        Err(e) => format!("refused: {e}"),
    };
    let env: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    let inside = std::fs::write("/mnt/output/inside.txt", b"ok")
        .map_or_else(|e| format!("refused: {e}"), |()| "wrote".to_owned());
    host.info("probed the sandbox");
    Ok(NodeOutput::new(
        json!({ "attempts": attempts, "write_outside": write, "env_vars": env, "write_inside": inside }),
        json!(null),
    ))
}

impl Node for Escaper {
    type Params = Params;
    const NODE_TYPE: &'static str = "escaper";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: tries to read and write outside its mount";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.in_dry_run {
            return misbehave(host);
        }
        Ok(NodeOutput::new(json!({ "would": "escaper" }), json!(null)))
    }

    fn execute(host: &dyn Host, _inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        misbehave(host)
    }
}

abp_node_sdk::export_node!(Escaper);
