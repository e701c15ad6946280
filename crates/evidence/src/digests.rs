//! `field_digests`: a digest tree that lets a verifier name the exact field that changed.
//!
//! `content_hash` alone says *that* a pack changed, not *where*. So the pack also stores, for
//! every value it covers, the SHA-256 of that value's canonical JSON, in a tree shaped like the
//! data:
//!
//! - a scalar's node is the digest string itself;
//! - an object's node is `{"sha256": <digest of the object>, "fields": {<name>: <node>, ...}}`;
//! - an array's node is `{"sha256": <digest of the array>, "items": [<node>, ...]}`.
//!
//! Verification rebuilds the tree from the data and walks it against the stored one:
//!
//! - stored and recomputed digests of a value agree: the value is intact, and any difference
//!   below is an edit of `field_digests` itself, named by its pointer there
//!   (`/field_digests/fields/summary/sha256`);
//! - they differ: descend into the member whose digest differs; a scalar that differs is the
//!   edited leaf. In arrays, a single differing position is descended into, equal elements in a
//!   new order are "reordered" at the first moved position, and a length change is a removal or
//!   insertion at the first position that differs. A container whose children all agree had its
//!   own recorded digest edited.
//!
//! The cost is one digest per value (roughly doubling a pack's size); the gain is that any single
//! edit, removal or reordering is attributed to the field path it happened at.

use serde_json::{Map, Value};

use crate::canonical::{
    CanonicalError, push_pointer, sha256_hex, utf16_order, write_string, write_value,
};
use crate::report::{Mismatch, MismatchKind};

/// Builds the digest tree of `v`.
pub fn digest_tree(v: &Value) -> Result<Value, CanonicalError> {
    let mut path = String::new();
    build(v, &mut path).map(|(_, tree)| tree)
}

/// Returns the canonical JSON of `v` and its digest tree, computing each canonical form once.
fn build(v: &Value, path: &mut String) -> Result<(String, Value), CanonicalError> {
    match v {
        Value::Object(map) => {
            let mut children = Vec::with_capacity(map.len());
            for (key, child) in map {
                let mut child_path = push_pointer(path, key);
                let (canon, tree) = build(child, &mut child_path)?;
                children.push((key, canon, tree));
            }
            let mut order: Vec<usize> = (0..children.len()).collect();
            order.sort_by(|&a, &b| utf16_order(children[a].0, children[b].0));
            let mut canon = String::from("{");
            for (n, &i) in order.iter().enumerate() {
                if n > 0 {
                    canon.push(',');
                }
                write_string(children[i].0, &mut canon);
                canon.push(':');
                canon.push_str(&children[i].1);
            }
            canon.push('}');
            let fields: Map<String, Value> = children
                .into_iter()
                .map(|(key, _, tree)| (key.clone(), tree))
                .collect();
            let digest = sha256_hex(&canon);
            Ok((canon, node("fields", digest, Value::Object(fields))))
        }
        Value::Array(items) => {
            let mut canon = String::from("[");
            let mut trees = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let mut child_path = format!("{path}/{i}");
                let (child, tree) = build(item, &mut child_path)?;
                if i > 0 {
                    canon.push(',');
                }
                canon.push_str(&child);
                trees.push(tree);
            }
            canon.push(']');
            let digest = sha256_hex(&canon);
            Ok((canon, node("items", digest, Value::Array(trees))))
        }
        scalar => {
            let mut canon = String::new();
            write_value(scalar, &mut canon, path)?;
            let digest = sha256_hex(&canon);
            Ok((canon, Value::String(digest)))
        }
    }
}

fn node(children_key: &str, digest: String, children: Value) -> Value {
    let mut map = Map::new();
    map.insert("sha256".to_owned(), Value::String(digest));
    map.insert(children_key.to_owned(), children);
    Value::Object(map)
}

/// The digest a tree node records for its value, if the node is well formed.
fn node_digest(n: &Value) -> Option<&str> {
    match n {
        Value::String(s) => Some(s),
        Value::Object(map) => map.get("sha256").and_then(Value::as_str),
        _ => None,
    }
}

/// Compares the `stored` digest tree (found at pointer `digest_path` in the pack) with the tree
/// recomputed from the data, and returns the first discrepancy.
pub(crate) fn locate(stored: &Value, computed: &Value, digest_path: &str) -> Option<Mismatch> {
    let Some(stored_digest) = node_digest(stored) else {
        return Some(malformed(stored, digest_path));
    };
    if Some(stored_digest) == node_digest(computed) {
        first_difference(stored, computed, digest_path, MismatchKind::DigestChanged)
    } else {
        data_diff(stored, computed, "", digest_path)
    }
}

fn malformed(stored: &Value, digest_path: &str) -> Mismatch {
    let path = if stored.is_object() {
        format!("{digest_path}/sha256")
    } else {
        digest_path.to_owned()
    };
    Mismatch::new(
        path.clone(),
        MismatchKind::Malformed,
        format!("`{path}` is not a digest tree node; rebuild the pack"),
    )
}

/// The data under `data_path` changed (its stored and computed digests differ): find where.
fn data_diff(
    stored: &Value,
    computed: &Value,
    data_path: &str,
    digest_path: &str,
) -> Option<Mismatch> {
    let stored_digest = node_digest(stored)?;
    let changed = |what: &str| {
        Mismatch::new(
            data_path,
            MismatchKind::ValueChanged,
            format!("`{}` {what}", shown(data_path)),
        )
        .hashes(Some(stored_digest), node_digest(computed))
    };
    let (Some(c_children), Some(s_map)) = (children(computed), stored.as_object()) else {
        return Some(changed("differs from the value it was recorded with"));
    };
    match c_children {
        Children::Fields(c_fields) => {
            let Some(s_fields) = s_map.get("fields").and_then(Value::as_object) else {
                return Some(changed("changed type since it was recorded"));
            };
            for (key, c_child) in c_fields {
                let child_data = push_pointer(data_path, key);
                let child_digest = push_pointer(&format!("{digest_path}/fields"), key);
                let Some(s_child) = s_fields.get(key) else {
                    return Some(
                        Mismatch::new(
                            child_data.clone(),
                            MismatchKind::FieldAdded,
                            format!("`{child_data}` was added after the pack was built"),
                        )
                        .hashes(None, node_digest(c_child)),
                    );
                };
                let Some(s_digest) = node_digest(s_child) else {
                    return Some(malformed(s_child, &child_digest));
                };
                if Some(s_digest) != node_digest(c_child) {
                    return data_diff(s_child, c_child, &child_data, &child_digest);
                }
            }
            if let Some((key, s_child)) = s_fields.iter().find(|(k, _)| !c_fields.contains_key(*k))
            {
                let child_data = push_pointer(data_path, key);
                return Some(
                    Mismatch::new(
                        child_data.clone(),
                        MismatchKind::FieldRemoved,
                        format!("`{child_data}` was removed after the pack was built"),
                    )
                    .hashes(node_digest(s_child), None),
                );
            }
        }
        Children::Items(c_items) => {
            let Some(s_items) = s_map.get("items").and_then(Value::as_array) else {
                return Some(changed("changed type since it was recorded"));
            };
            let mut s_digests = Vec::with_capacity(s_items.len());
            for (i, s_child) in s_items.iter().enumerate() {
                match node_digest(s_child) {
                    Some(d) => s_digests.push(d),
                    None => return Some(malformed(s_child, &format!("{digest_path}/items/{i}"))),
                }
            }
            let c_digests: Vec<&str> = c_items.iter().filter_map(node_digest).collect();
            match array_change(&s_digests, &c_digests, data_path) {
                Some(ArrayChange::Descend(i)) => {
                    return data_diff(
                        &s_items[i],
                        &c_items[i],
                        &format!("{data_path}/{i}"),
                        &format!("{digest_path}/items/{i}"),
                    );
                }
                Some(ArrayChange::Report(m)) => return Some(m),
                None => {}
            }
        }
    }
    // Every child agrees, so the data is intact and the container's own recorded digest was edited.
    let path = format!("{digest_path}/sha256");
    Some(
        Mismatch::new(
            path.clone(),
            MismatchKind::DigestChanged,
            format!("`{path}` was altered; the data it covers is intact"),
        )
        .hashes(Some(stored_digest), node_digest(computed)),
    )
}

enum Children<'a> {
    Fields(&'a Map<String, Value>),
    Items(&'a Vec<Value>),
}

fn children(n: &Value) -> Option<Children<'_>> {
    let map = n.as_object()?;
    if let Some(fields) = map.get("fields").and_then(Value::as_object) {
        return Some(Children::Fields(fields));
    }
    map.get("items")
        .and_then(Value::as_array)
        .map(Children::Items)
}

enum ArrayChange {
    /// Exactly one position differs: look inside it.
    Descend(usize),
    /// The array itself changed shape or order.
    Report(Mismatch),
}

/// Classifies how the `actual` element list differs from the `expected` one, if at all.
fn array_change<T: PartialEq + ToString>(
    expected: &[T],
    actual: &[T],
    path: &str,
) -> Option<ArrayChange> {
    let first = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .or_else(|| (expected.len() != actual.len()).then(|| expected.len().min(actual.len())))?;
    let at = format!("{path}/{first}");
    let hashes = |m: Mismatch| {
        m.hashes(
            expected.get(first).map(ToString::to_string).as_deref(),
            actual.get(first).map(ToString::to_string).as_deref(),
        )
    };
    if expected.len() > actual.len() {
        return Some(ArrayChange::Report(hashes(Mismatch::new(
            at.clone(),
            MismatchKind::ElementRemoved,
            format!("`{at}` was removed after the pack was built"),
        ))));
    }
    if expected.len() < actual.len() {
        return Some(ArrayChange::Report(hashes(Mismatch::new(
            at.clone(),
            MismatchKind::ElementInserted,
            format!("`{at}` was inserted after the pack was built"),
        ))));
    }
    let differing = expected.iter().zip(actual).filter(|(e, a)| e != a).count();
    if differing > 1 && same_multiset(expected, actual) {
        return Some(ArrayChange::Report(hashes(Mismatch::new(
            at.clone(),
            MismatchKind::ElementsReordered,
            format!(
                "`{at}` was moved; the elements of `{}` are in another order",
                shown(path)
            ),
        ))));
    }
    Some(ArrayChange::Descend(first))
}

fn same_multiset<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.iter()
        .all(|x| a.iter().filter(|y| *y == x).count() == b.iter().filter(|y| *y == x).count())
}

/// Plain JSON difference between what a pack records (`expected`) and what it should record
/// (`actual`), attributed to pointers under `path`. Used where the data is known intact and only
/// recorded digests can have changed.
pub(crate) fn first_difference(
    expected: &Value,
    actual: &Value,
    path: &str,
    kind: MismatchKind,
) -> Option<Mismatch> {
    if expected == actual {
        return None;
    }
    let altered = || {
        let describe = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Mismatch::new(
            path,
            kind,
            format!(
                "`{}` was altered; the data it covers is intact",
                shown(path)
            ),
        )
        .hashes(Some(&describe(expected)), Some(&describe(actual)))
    };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, a_child) in a {
                let child = push_pointer(path, key);
                match e.get(key) {
                    None => {
                        return Some(Mismatch::new(
                            child.clone(),
                            kind,
                            format!("`{child}` is missing"),
                        ));
                    }
                    Some(e_child) => {
                        if let Some(m) = first_difference(e_child, a_child, &child, kind) {
                            return Some(m);
                        }
                    }
                }
            }
            let key = e.keys().find(|k| !a.contains_key(*k))?;
            let child = push_pointer(path, key);
            Some(Mismatch::new(
                child.clone(),
                kind,
                format!("`{child}` is not expected here"),
            ))
        }
        (Value::Array(e), Value::Array(a)) => {
            let e_text: Vec<String> = e.iter().map(Value::to_string).collect();
            let a_text: Vec<String> = a.iter().map(Value::to_string).collect();
            match array_change(&e_text, &a_text, path)? {
                ArrayChange::Descend(i) => {
                    first_difference(&e[i], &a[i], &format!("{path}/{i}"), kind)
                }
                ArrayChange::Report(mut m) => {
                    m.kind = kind;
                    m.expected = e
                        .get(first_index(&m.path))
                        .and_then(node_digest)
                        .map(str::to_owned);
                    m.computed = a
                        .get(first_index(&m.path))
                        .and_then(node_digest)
                        .map(str::to_owned);
                    Some(m)
                }
            }
        }
        _ => Some(altered()),
    }
}

fn first_index(path: &str) -> usize {
    path.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The pack root shows as `/` in messages rather than as an empty pointer.
fn shown(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::digest_value;
    use serde_json::json;

    #[test]
    fn every_node_records_the_digest_of_its_canonical_json() {
        let v = json!({"b": [1, {"c": "x"}], "a": null});
        let tree = digest_tree(&v).expect("tree");
        assert_eq!(tree["sha256"], digest_value(&v).expect("digest"));
        assert_eq!(
            tree["fields"]["b"]["sha256"],
            digest_value(&v["b"]).expect("digest")
        );
        assert_eq!(
            tree["fields"]["b"]["items"][1]["fields"]["c"],
            digest_value(&json!("x")).expect("digest")
        );
        assert_eq!(
            tree["fields"]["a"],
            digest_value(&Value::Null).expect("digest")
        );
    }

    fn check(before: &Value, after: &Value, path: &str, kind: MismatchKind) {
        let stored = digest_tree(before).expect("tree");
        let computed = digest_tree(after).expect("tree");
        let m = locate(&stored, &computed, "/field_digests").expect("a difference");
        assert_eq!((m.path.as_str(), m.kind), (path, kind), "{m:?}");
    }

    #[test]
    fn names_the_changed_leaf_added_and_removed_members_and_moved_elements() {
        let v = json!({"a": {"b": [1, 2, 3]}, "c": "x"});
        check(
            &v,
            &json!({"a": {"b": [1, 5, 3]}, "c": "x"}),
            "/a/b/1",
            MismatchKind::ValueChanged,
        );
        check(
            &v,
            &json!({"a": {"b": [1, 3]}, "c": "x"}),
            "/a/b/1",
            MismatchKind::ElementRemoved,
        );
        check(
            &v,
            &json!({"a": {"b": [1, 3, 2]}, "c": "x"}),
            "/a/b/1",
            MismatchKind::ElementsReordered,
        );
        check(
            &v,
            &json!({"a": {"b": [1, 2, 3, 4]}, "c": "x"}),
            "/a/b/3",
            MismatchKind::ElementInserted,
        );
        check(
            &v,
            &json!({"a": {"b": [1, 2, 3]}}),
            "/c",
            MismatchKind::FieldRemoved,
        );
        check(
            &v,
            &json!({"a": {"b": [1, 2, 3], "d": 1}, "c": "x"}),
            "/a/d",
            MismatchKind::FieldAdded,
        );
        check(
            &v,
            &json!({"a": {"b": "123"}, "c": "x"}),
            "/a/b",
            MismatchKind::ValueChanged,
        );
    }

    #[test]
    fn names_an_edited_digest_rather_than_the_intact_data() {
        let v = json!({"a": {"b": [1, 2, 3]}, "c": "x"});
        let computed = digest_tree(&v).expect("tree");
        let mut stored = computed.clone();
        stored["fields"]["a"]["fields"]["b"]["items"][2] = json!("00");
        let m = locate(&stored, &computed, "/field_digests").expect("a difference");
        assert_eq!(m.path, "/field_digests/fields/a/fields/b/items/2");
        assert_eq!(m.kind, MismatchKind::DigestChanged);

        let mut stored = computed.clone();
        stored["fields"]["a"]["sha256"] = json!("00");
        let m = locate(&stored, &computed, "/field_digests").expect("a difference");
        assert_eq!(m.path, "/field_digests/fields/a/sha256");

        let mut stored = computed.clone();
        stored["sha256"] = json!("00");
        let m = locate(&stored, &computed, "/field_digests").expect("a difference");
        assert_eq!(m.path, "/field_digests/sha256");

        assert_eq!(locate(&computed, &computed, "/field_digests"), None);
    }

    #[test]
    fn escapes_member_names_in_pointers() {
        let v = json!({"a/b": {"~": 1}});
        check(
            &v,
            &json!({"a/b": {"~": 2}}),
            "/a~1b/~0",
            MismatchKind::ValueChanged,
        );
    }
}
