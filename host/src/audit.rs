//! Audit events: the seed's fourteen pipeline event names, plus the nodes' own events
//! (`emit-audit-event`), recorded in order in the run result and in the journal.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const GRAPH_STARTED: &str = "pipeline.graph_started";
pub const GRAPH_COMPLETED: &str = "pipeline.graph_completed";
pub const GRAPH_FAILED: &str = "pipeline.graph_failed";
pub const GRAPH_ROLLBACK_STARTED: &str = "pipeline.graph_rollback_started";
pub const GRAPH_ROLLBACK_COMPLETED: &str = "pipeline.graph_rollback_completed";
pub const NODE_STARTED: &str = "pipeline.node_started";
pub const NODE_COMPLETED: &str = "pipeline.node_completed";
pub const NODE_FAILED: &str = "pipeline.node_failed";
pub const NODE_ROLLBACK_STARTED: &str = "pipeline.node_rollback_started";
pub const NODE_ROLLBACK_COMPLETED: &str = "pipeline.node_rollback_completed";
pub const NODE_ROLLBACK_FAILED: &str = "pipeline.node_rollback_failed";
pub const INTENT_RESOLVED: &str = "pipeline.intent_resolved";
pub const DRY_RUN_STARTED: &str = "pipeline.dry_run_started";
pub const DRY_RUN_COMPLETED: &str = "pipeline.dry_run_completed";

/// All fourteen, for documentation and tests.
pub const PIPELINE_EVENTS: [&str; 14] = [
    GRAPH_STARTED,
    GRAPH_COMPLETED,
    GRAPH_FAILED,
    GRAPH_ROLLBACK_STARTED,
    GRAPH_ROLLBACK_COMPLETED,
    NODE_STARTED,
    NODE_COMPLETED,
    NODE_FAILED,
    NODE_ROLLBACK_STARTED,
    NODE_ROLLBACK_COMPLETED,
    NODE_ROLLBACK_FAILED,
    INTENT_RESOLVED,
    DRY_RUN_STARTED,
    DRY_RUN_COMPLETED,
];

/// One event in a run's audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    pub event_type: String,
    pub timestamp: String,
    pub run_id: String,
    pub graph_id: String,
    /// The node the event concerns, or that emitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// `pipeline` for the host's events, `node` for a node's own.
    pub source: String,
    pub data: Value,
}
