//! The provider-neutral model: record sets, the planned change per record set, the receipt
//! (what was there before and what this run put there), and the rollback rule
//! "current minus what we added plus what we removed", which never touches values someone
//! else put there in the meantime.

use serde::{Deserialize, Serialize};

/// A record set's content: TTL and canonical values (see `values`), order as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RrData {
    pub ttl: u32,
    pub values: Vec<String>,
}

impl RrData {
    /// Same TTL and the same values in any order.
    pub fn same_as(&self, other: &RrData) -> bool {
        self.ttl == other.ttl && same_values(&self.values, &other.values)
    }
}

pub fn same_values(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|v| b.contains(v))
}

/// One record set of a zone: owner name (lowercase, no trailing dot), type, content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrSet {
    pub name: String,
    pub rtype: String,
    pub data: RrData,
}

/// What a run does to one record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
}

/// One record set in the receipt: where, and its content before and after this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub action: Action,
    pub zone: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub before: Option<RrData>,
    pub after: Option<RrData>,
}

/// What `rollback` needs: the provider and zone, and every record set this run changed.
/// Also the checkpoint written before the first write (same shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub provider: String,
    pub zone: String,
    /// Provider's zone id (`PowerDNS` `id`, Hetzner numeric id); the zone name for zone files.
    pub zone_id: String,
    /// Zone file name inside the `zones` mount (zonefile provider only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Whether this run created the zone file (rollback removes it when nothing else is left).
    #[serde(default)]
    pub created_file: bool,
    pub changes: Vec<Change>,
}

/// The content a record set should have after rolling back `change`, given what it holds
/// now: values this run added are taken out, values it removed are put back, everything
/// else (including values added by someone else since) stays. The TTL goes back only if it
/// is still the one this run set. `None` means the record set should not exist.
pub fn rollback_target(change: &Change, current: Option<&RrData>) -> Option<RrData> {
    let before_values: &[String] = change.before.as_ref().map_or(&[], |b| &b.values);
    let after_values: &[String] = change.after.as_ref().map_or(&[], |a| &a.values);
    let added: Vec<&String> = after_values
        .iter()
        .filter(|v| !before_values.contains(v))
        .collect();
    let removed: Vec<&String> = before_values
        .iter()
        .filter(|v| !after_values.contains(v))
        .collect();

    let current_values: &[String] = current.map_or(&[], |c| &c.values);
    let mut values: Vec<String> = current_values
        .iter()
        .filter(|v| !added.contains(v))
        .cloned()
        .collect();
    for v in removed {
        if !values.contains(v) {
            values.push(v.clone());
        }
    }
    if values.is_empty() {
        return None;
    }
    let ttl = match (current, &change.before, &change.after) {
        (Some(cur), Some(before), Some(after)) if cur.ttl == after.ttl => before.ttl,
        (Some(cur), _, _) => cur.ttl,
        (None, Some(before), _) => before.ttl,
        (None, None, Some(after)) => after.ttl,
        (None, None, None) => return None,
    };
    Some(RrData { ttl, values })
}
