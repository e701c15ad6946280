//! The reproducibility digest: SHA-256 over the part of a pack that does not depend on *when*
//! or *as which run* a plan executed, so two runs of the same plan with the same plugins and
//! policy can be compared by one value.
//!
//! [`reproducibility_view`] derives that part from the pack's JSON. Exactly this is removed or
//! normalized, in this order:
//!
//! 1. Top-level members: [`STRIPPED_TOP_LEVEL`] (`pack_id`, `generated_at`, `run_id`,
//!    `storage_root`, the chain head and every digest derived from the whole pack, `signature`).
//! 2. `prev_hash` and `hash` of every audit event (they chain the timestamps in).
//! 3. At any depth outside the plan (everywhere but `business_intent` and `graph_spec`, which are
//!    the same for the same plan by definition and may legitimately hold such names), object
//!    members whose name is volatile (see [`is_volatile_key`]): `timestamp`, `run_id`,
//!    `pack_id`, names ending in `_at`, `_timestamp` or `_run_id`, and names containing
//!    `duration`, `elapsed` or `latency`.
//! 4. In every string: the storage root (trailing `/` ignored) becomes `<storage_root>`, the run
//!    id `<run_id>` and the pack id `<pack_id>` (ids shorter than 8 characters are left alone, as
//!    replacing them would rewrite unrelated text); a string that is entirely an RFC 3339
//!    date-time becomes `<timestamp>`.
//! 5. Order that parallel execution makes arbitrary is dropped: `audit_events`, `artifacts` and
//!    `plugins`, and `execution_result`'s `completed_nodes`, `failed_nodes`, `skipped_nodes`,
//!    `rolled_back_nodes`, `audit_events` and `artifacts` are sorted by their canonical JSON.
//!
//! Everything else stays, so a different node output, artifact digest, plugin, policy, mode or
//! host version gives a different digest.

use serde_json::{Map, Value};

use crate::canonical::{CanonicalError, canonicalize, sha256_hex};

/// Top-level members left out of the reproducibility view.
pub const STRIPPED_TOP_LEVEL: [&str; 9] = [
    "pack_id",
    "generated_at",
    "run_id",
    "storage_root",
    "audit_chain_head",
    "reproducibility_digest",
    "field_digests",
    "content_hash",
    "signature",
];

/// `execution_result` members whose order depends on scheduling.
const UNORDERED_RESULT_LISTS: [&str; 6] = [
    "completed_nodes",
    "failed_nodes",
    "skipped_nodes",
    "rolled_back_nodes",
    "audit_events",
    "artifacts",
];

/// Top-level members that are the plan itself: no member is dropped from them by name.
const PLAN_MEMBERS: [&str; 2] = ["business_intent", "graph_spec"];

/// Top-level lists whose order depends on scheduling.
const UNORDERED_TOP_LEVEL_LISTS: [&str; 3] = ["audit_events", "artifacts", "plugins"];

/// Ids shorter than this are not replaced inside strings.
const MIN_REPLACED_ID_LEN: usize = 8;

/// Whether an object member with this name holds a time, a duration or a run identity.
pub fn is_volatile_key(name: &str) -> bool {
    matches!(name, "timestamp" | "time" | "ts" | "run_id" | "pack_id")
        || ["_at", "_time", "_timestamp", "_run_id"]
            .iter()
            .any(|s| name.ends_with(s))
        || ["duration", "elapsed", "latency"]
            .iter()
            .any(|s| name.contains(s))
}

/// SHA-256 of the canonical JSON of [`reproducibility_view`].
pub fn reproducibility_digest(pack: &Value) -> Result<String, CanonicalError> {
    canonicalize(&reproducibility_view(pack)?).map(sha256_hex)
}

/// The time-free, run-free view of a pack (see the module docs for exactly what is stripped).
pub fn reproducibility_view(pack: &Value) -> Result<Value, CanonicalError> {
    let Some(map) = pack.as_object() else {
        return Ok(pack.clone());
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).unwrap_or("");
    let mut replacements: Vec<(String, &str)> = Vec::new();
    let root = text("storage_root").trim_end_matches('/');
    if !root.is_empty() {
        replacements.push((root.to_owned(), "<storage_root>"));
    }
    for (key, marker) in [("run_id", "<run_id>"), ("pack_id", "<pack_id>")] {
        if text(key).len() >= MIN_REPLACED_ID_LEN {
            replacements.push((text(key).to_owned(), marker));
        }
    }

    let mut view = Map::new();
    for (key, value) in map {
        if STRIPPED_TOP_LEVEL.contains(&key.as_str()) {
            continue;
        }
        let mut value = value.clone();
        if key == "audit_events"
            && let Value::Array(events) = &mut value
        {
            for event in events.iter_mut().filter_map(Value::as_object_mut) {
                event.shift_remove("prev_hash");
                event.shift_remove("hash");
            }
        }
        if is_volatile_key(key) {
            continue;
        }
        normalize(
            &mut value,
            &replacements,
            !PLAN_MEMBERS.contains(&key.as_str()),
        );
        if UNORDERED_TOP_LEVEL_LISTS.contains(&key.as_str()) {
            sort_by_canonical(&mut value)?;
        }
        if key == "execution_result"
            && let Value::Object(result) = &mut value
        {
            for list in UNORDERED_RESULT_LISTS {
                if let Some(v) = result.get_mut(list) {
                    sort_by_canonical(v)?;
                }
            }
        }
        view.insert(key.clone(), value);
    }
    Ok(Value::Object(view))
}

fn normalize(v: &mut Value, replacements: &[(String, &str)], drop_volatile_keys: bool) {
    match v {
        Value::Object(map) => {
            if drop_volatile_keys {
                map.retain(|k, _| !is_volatile_key(k));
            }
            for child in map.values_mut() {
                normalize(child, replacements, drop_volatile_keys);
            }
        }
        Value::Array(items) => {
            for child in items {
                normalize(child, replacements, drop_volatile_keys);
            }
        }
        Value::String(s) => {
            if is_rfc3339_date_time(s) {
                "<timestamp>".clone_into(s);
                return;
            }
            for (from, to) in replacements {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        _ => {}
    }
}

fn sort_by_canonical(v: &mut Value) -> Result<(), CanonicalError> {
    if let Value::Array(items) = v {
        let mut keyed = Vec::with_capacity(items.len());
        for item in items.drain(..) {
            keyed.push((canonicalize(&item)?, item));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        items.extend(keyed.into_iter().map(|(_, item)| item));
    }
    Ok(())
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|±HH:MM)`, the RFC 3339 `date-time` production.
fn is_rfc3339_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, set: &[u8]| b.get(i).is_some_and(|c| set.contains(c));
    if !(digits(0..4)
        && at(4, b"-")
        && digits(5..7)
        && at(7, b"-")
        && digits(8..10)
        && at(10, b"Tt ")
        && digits(11..13)
        && at(13, b":")
        && digits(14..16)
        && at(16, b":")
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && at(i + 3, b":") && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognizes_rfc3339_date_times_only() {
        for s in [
            "2025-01-02T03:04:05Z",
            "2025-01-02t03:04:05.123+02:00",
            "2025-01-02 03:04:05-00:00",
        ] {
            assert!(is_rfc3339_date_time(s), "{s}");
        }
        for s in [
            "2025-01-02",
            "2025-01-02T03:04:05",
            "2025-01-02T03:04:05.Z",
            "x2025-01-02T03:04:05Z",
            "2025-01-02T03:04:05+0200",
        ] {
            assert!(!is_rfc3339_date_time(s), "{s}");
        }
    }

    #[test]
    fn classifies_volatile_member_names() {
        for k in [
            "timestamp",
            "started_at",
            "completed_at",
            "duration_ms",
            "total_duration_seconds",
            "run_id",
            "parent_run_id",
            "end_time",
        ] {
            assert!(is_volatile_key(k), "{k}");
        }
        for k in [
            "format",
            "data",
            "domain",
            "hash",
            "status",
            "timeout_ms",
            "attempts",
        ] {
            assert!(!is_volatile_key(k), "{k}");
        }
    }

    #[test]
    fn keeps_volatile_looking_names_inside_the_plan() {
        let plan = json!({"params": {"valid_at": "noon", "subscription_duration": 30, "at": "2025-01-01T00:00:00Z"}});
        let view = reproducibility_view(&json!({"graph_spec": plan, "business_intent": plan}))
            .expect("view");
        let kept = json!({"params": {"valid_at": "noon", "subscription_duration": 30, "at": "<timestamp>"}});
        assert_eq!(view, json!({"graph_spec": kept, "business_intent": kept}));
    }

    #[test]
    fn strips_ids_roots_and_times_but_keeps_outputs() {
        let pack = json!({
            "pack_id": "pack-0001", "run_id": "run-abcdef12", "storage_root": "/srv/abp/",
            "generated_at": "2025-01-01T00:00:00Z",
            "execution_result": {"node_results": {"web": {"output": {"dir": "/srv/abp/runs/run-abcdef12/site", "started_at": "x", "seen": "2025-02-02T00:00:00Z"}}},
                                 "completed_nodes": ["b", "a"]},
        });
        let view = reproducibility_view(&pack).expect("view");
        assert_eq!(
            view,
            json!({"execution_result": {"node_results": {"web": {"output": {"dir": "<storage_root>/runs/<run_id>/site", "seen": "<timestamp>"}}},
                                        "completed_nodes": ["a", "b"]}})
        );
    }
}
