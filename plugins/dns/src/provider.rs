//! What every DNS backend offers the node: find the zone for a domain, read the record sets
//! at a name, and move record sets from their current content to a target content.

use abp_node_sdk::NodeError;

use crate::model::{RrData, RrSet};

/// A zone as the provider knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Zone name, lowercase, no trailing dot.
    pub name: String,
    /// Provider's id for API paths (the zone name for zone files).
    pub id: String,
    /// TTL the provider applies when a record set has none of its own.
    pub default_ttl: u32,
    /// False only for a zone file that does not exist yet (it is created on first write).
    pub exists: bool,
}

/// One record set to move from `current` to `target` (`None` = absent).
#[derive(Debug, Clone)]
pub struct Write {
    pub name: String,
    pub rtype: String,
    pub current: Option<RrData>,
    pub target: Option<RrData>,
    /// Replace the values wholesale (execute: the params say exactly what the set holds);
    /// otherwise add and remove only the difference (rollback: others' values stay).
    pub replace: bool,
}

pub trait Provider {
    /// `zonefile`, `powerdns` or `hetzner`.
    fn kind(&self) -> &'static str;

    /// The zone for `domain`: `explicit` when given (it must exist, except for zone files),
    /// else the existing zone with the longest matching suffix.
    fn find_zone(&mut self, domain: &str, explicit: Option<&str>) -> Result<Zone, NodeError>;

    /// The zone called `name`, `None` when the provider has no such zone (any more).
    fn zone_named(&mut self, name: &str) -> Result<Option<Zone>, NodeError>;

    /// All record sets at `name` (any type).
    fn read_name(&mut self, zone: &Zone, name: &str) -> Result<Vec<RrSet>, NodeError>;

    /// Applies the writes. Implementations touch only the record sets named.
    fn write(&mut self, zone: &Zone, writes: &[Write]) -> Result<(), NodeError>;
}

/// `zone` lists no names and the message should say which exist.
pub fn no_zone_error(provider: &str, domain: &str, known: &[String]) -> NodeError {
    let shown: Vec<&str> = known.iter().take(10).map(String::as_str).collect();
    let list = if shown.is_empty() {
        "it has no zones".to_owned()
    } else {
        format!(
            "it has {}{}",
            shown.join(", "),
            if known.len() > 10 { ", ..." } else { "" }
        )
    };
    NodeError::failed(format!(
        "{provider}: no zone holds `{domain}` ({list}); create the zone first or set `zone` in the params"
    ))
}
