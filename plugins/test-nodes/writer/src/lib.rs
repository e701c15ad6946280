//! Test node `writer`: writes one file into its `output` mount and removes it on rollback.
//! Optional `sleep_ms` makes it slow (for the parallelism test); `hold_ms` keeps it running
//! after the write (for the kill -9 test).

use std::fs;
use std::time::Duration;

use abp_node_sdk::{
    Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, Value, json,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// File name inside the `output` mount.
    pub file: String,
    /// Text to write.
    #[serde(default)]
    pub content: String,
    /// Sleep this long before writing.
    #[serde(default)]
    pub sleep_ms: u64,
    /// Sleep this long after writing, before returning (a window to kill the host mid-node).
    #[serde(default)]
    pub hold_ms: u64,
}

pub struct Writer;

impl Node for Writer {
    type Params = Params;
    const NODE_TYPE: &'static str = "writer";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "test node: writes a file into its mount";
    const ROLLBACK: RollbackSupport = RollbackSupport::Compensating;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        let dir = host.require_mount("output")?;
        Ok(NodeOutput::new(
            json!({ "would_write": dir.join(&inv.params.file).to_string_lossy() }),
            Value::Null,
        ))
    }

    fn execute(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        if inv.params.file.contains('/') || inv.params.file.contains("..") {
            return Err(NodeError::invalid_params(
                "`file` must be a plain file name",
            ));
        }
        let dir = host.require_mount("output")?;
        let path = dir.join(&inv.params.file);
        if inv.params.sleep_ms > 0 {
            std::thread::sleep(Duration::from_millis(inv.params.sleep_ms));
        }
        let receipt = json!({ "path": path.to_string_lossy() });
        host.checkpoint(&receipt);
        fs::write(&path, &inv.params.content)
            .map_err(|e| NodeError::failed(format!("writing {}: {e}", path.display())))?;
        host.add_artifact(&path);
        host.audit(
            "writer.file_written",
            &json!({ "path": path.to_string_lossy() }),
        );
        host.info(&format!("wrote {}", path.display()));
        if inv.params.hold_ms > 0 {
            std::thread::sleep(Duration::from_millis(inv.params.hold_ms));
        }
        Ok(NodeOutput::new(
            json!({ "path": path.to_string_lossy(), "bytes": inv.params.content.len() }),
            receipt,
        ))
    }

    fn rollback(
        host: &dyn Host,
        _inv: &Invocation<Params>,
        receipt: &Value,
    ) -> Result<(), NodeError> {
        let Some(path) = receipt.get("path").and_then(Value::as_str) else {
            return Ok(());
        };
        match fs::remove_file(path) {
            Ok(()) => host.info(&format!("removed {path}")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                host.info(&format!("{path} already gone"));
            }
            Err(e) => return Err(NodeError::failed(format!("removing {path}: {e}"))),
        }
        Ok(())
    }
}

abp_node_sdk::export_node!(Writer);
