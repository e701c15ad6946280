//! The hash chain over a run's audit events.
//!
//! Each event (a JSON object such as `{"event_type": "pipeline.node_completed", "timestamp": ...,
//! "data": {...}}`) gets `prev_hash`, the `hash` of the event before it (64 zeros for the first),
//! and `hash` = SHA-256 of the canonical JSON of the event without its `hash` member. Because each
//! hash covers the previous one, removing, reordering or editing any event breaks every link
//! after it, and the pack records the last hash (`audit_chain_head`) so dropping the tail shows too.

use serde_json::Value;

use crate::canonical::{CanonicalError, digest_value};

/// `prev_hash` of the first event in a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why events could not be chained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// Only objects can carry `prev_hash` and `hash`.
    #[error("audit event {index} is not a JSON object; emit events as objects with `event_type`")]
    NotAnObject {
        /// Position of the event.
        index: usize,
    },
    /// The event holds a value JCS cannot serialize.
    #[error("audit event {index}: {source}")]
    Canonical {
        /// Position of the event.
        index: usize,
        /// What JCS refused.
        source: CanonicalError,
    },
}

/// The first link that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// Position of the event whose link fails.
    pub index: usize,
    /// The member that fails: `prev_hash`, `hash`, or `""` when the event itself is unusable.
    pub field: &'static str,
    /// What the event records (empty when the member is missing).
    pub expected: String,
    /// What recomputing the chain gives.
    pub computed: String,
}

/// Links `events` into a chain, replacing any `prev_hash`/`hash` they carry, and returns the
/// chained events with the head (the last hash, or [`GENESIS_HASH`] when there are no events).
pub fn chain_events(events: Vec<Value>) -> Result<(Vec<Value>, String), ChainError> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut out = Vec::with_capacity(events.len());
    for (index, mut event) in events.into_iter().enumerate() {
        let Some(map) = event.as_object_mut() else {
            return Err(ChainError::NotAnObject { index });
        };
        map.shift_remove("hash");
        map.insert("prev_hash".to_owned(), Value::String(prev.clone()));
        let hash =
            digest_value(&event).map_err(|source| ChainError::Canonical { index, source })?;
        if let Some(map) = event.as_object_mut() {
            map.insert("hash".to_owned(), Value::String(hash.clone()));
        }
        prev = hash;
        out.push(event);
    }
    Ok((out, prev))
}

/// Recomputes the chain over already-chained `events` and returns its head, or the first link
/// that does not hold.
pub fn verify_chain(events: &[Value]) -> Result<String, ChainBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    for (index, event) in events.iter().enumerate() {
        let broken = |field, expected: &str, computed: &str| ChainBreak {
            index,
            field,
            expected: expected.to_owned(),
            computed: computed.to_owned(),
        };
        let Some(map) = event.as_object() else {
            return Err(broken("", "", ""));
        };
        let recorded_prev = map.get("prev_hash").and_then(Value::as_str).unwrap_or("");
        if recorded_prev != prev {
            return Err(broken("prev_hash", recorded_prev, &prev));
        }
        let mut without_hash = map.clone();
        without_hash.shift_remove("hash");
        let computed =
            digest_value(&Value::Object(without_hash)).map_err(|_| broken("", "", ""))?;
        let recorded = map.get("hash").and_then(Value::as_str).unwrap_or("");
        if recorded != computed {
            return Err(broken("hash", recorded, &computed));
        }
        prev = computed;
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events() -> Vec<Value> {
        (0..4)
            .map(|i| json!({"event_type": "pipeline.node_completed", "timestamp": format!("t{i}"), "data": {"i": i}}))
            .collect()
    }

    fn chained() -> (Vec<Value>, String) {
        chain_events(events()).expect("events chain")
    }

    #[test]
    fn first_event_links_to_genesis_and_head_is_last_hash() {
        let (evs, head) = chained();
        assert_eq!(evs[0]["prev_hash"], GENESIS_HASH);
        assert_eq!(evs[1]["prev_hash"], evs[0]["hash"]);
        assert_eq!(evs[3]["hash"], head.as_str());
        assert_eq!(verify_chain(&evs), Ok(head));
        assert_eq!(
            chain_events(Vec::new()),
            Ok((Vec::new(), GENESIS_HASH.to_owned()))
        );
    }

    #[test]
    fn rechaining_replaces_stale_links() {
        let (evs, head) = chained();
        let (again, head2) = chain_events(evs.clone()).expect("rechain");
        assert_eq!((again, head2), (evs, head));
    }

    #[test]
    fn detects_removed_reordered_and_edited_events() {
        let (evs, _) = chained();
        let mut removed = evs.clone();
        removed.remove(1);
        assert_eq!(
            verify_chain(&removed).map_err(|b| (b.index, b.field)),
            Err((1, "prev_hash"))
        );

        let mut swapped = evs.clone();
        swapped.swap(1, 2);
        assert_eq!(
            verify_chain(&swapped).map_err(|b| (b.index, b.field)),
            Err((1, "prev_hash"))
        );

        let mut edited = evs.clone();
        edited[2]["data"]["i"] = json!(99);
        assert_eq!(
            verify_chain(&edited).map_err(|b| (b.index, b.field)),
            Err((2, "hash"))
        );

        let mut first_removed = evs;
        first_removed.remove(0);
        assert_eq!(
            verify_chain(&first_removed).map_err(|b| (b.index, b.field)),
            Err((0, "prev_hash"))
        );
    }

    #[test]
    fn rejects_events_that_are_not_objects() {
        assert_eq!(
            chain_events(vec![json!({"event_type": "a"}), json!("b")]),
            Err(ChainError::NotAnObject { index: 1 })
        );
    }
}
