//! Every single change to a signed sample pack (each leaf edited, each array element removed or
//! moved, each object member removed or added) fails verification and the first mismatch names
//! the pointer of the change.

use abp_evidence::{
    MismatchKind, PublicKeyText, SignatureStatus, VerifyOptions, VerifyReport, attach_signature,
    generate_keypair, verify,
};
use serde_json::Value;

use crate::sample;

fn signed() -> (Value, PublicKeyText) {
    let mut pack = sample::pack();
    let (secret, public) = generate_keypair().expect("keys");
    attach_signature(&mut pack, &secret).expect("sign");
    (pack.to_value().expect("json"), public)
}

fn run(pack: &Value, key: &PublicKeyText) -> VerifyReport {
    verify(
        pack,
        &VerifyOptions {
            artifacts_root: None,
            trusted_keys: vec![key.clone()],
        },
    )
}

/// Applies `change` to a copy of the pack and checks the report names `path` first.
fn check(
    pack: &Value,
    key: &PublicKeyText,
    what: &str,
    path: &str,
    change: impl FnOnce(&mut Value),
) -> Option<String> {
    let mut changed = pack.clone();
    change(&mut changed);
    if changed == *pack {
        return Some(format!("{what} {path}: the change was a no-op"));
    }
    let report = run(&changed, key);
    match report.first() {
        _ if report.valid => Some(format!("{what} {path}: verification still passes")),
        Some(m) if m.path == path => None,
        Some(m) => Some(format!(
            "{what} {path}: first mismatch names {} ({:?}: {})",
            m.path, m.kind, m.message
        )),
        None => Some(format!("{what} {path}: invalid without a mismatch")),
    }
}

fn pointer(parent: &str, key: &str) -> String {
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Collects (pointer, value) for every node of `v`.
fn walk<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                walk(child, pointer(&path, k), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push((path, v));
}

fn edited(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => Value::String("x".to_owned()),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Value::from(u + 1),
            None => Value::from(n.as_f64().unwrap_or(0.0) * 2.0 + 1.0),
        },
        other => other.clone(),
    }
}

#[test]
fn an_untouched_signed_pack_verifies_also_after_a_json_round_trip() {
    let (pack, key) = signed();
    let report = run(&pack, &key);
    assert!(report.valid, "{:?}", report.mismatches);
    assert_eq!(report.expected_hash, report.computed_hash);
    assert!(matches!(report.signature, SignatureStatus::Valid { .. }));

    let text = serde_json::to_string_pretty(&pack).expect("text");
    let reread: Value = serde_json::from_str(&text).expect("parse");
    assert!(run(&reread, &key).valid);
}

#[test]
fn every_leaf_edit_is_named_by_its_pointer() {
    let (pack, key) = signed();
    let mut nodes = Vec::new();
    walk(&pack, String::new(), &mut nodes);
    let leaves: Vec<_> = nodes
        .iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .collect();
    assert!(
        leaves.len() > 300,
        "sample has only {} leaves",
        leaves.len()
    );
    let failures: Vec<String> = leaves
        .iter()
        .filter_map(|(path, v)| {
            let new = edited(v);
            check(&pack, &key, "edit", path, |p| {
                *p.pointer_mut(path).expect("leaf") = new;
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} leaf edits misattributed:\n{}",
        failures.len(),
        leaves.len(),
        failures.join("\n")
    );
}

#[test]
fn every_array_element_removal_and_move_is_named_by_its_pointer() {
    let (pack, key) = signed();
    let mut nodes = Vec::new();
    walk(&pack, String::new(), &mut nodes);
    let mut failures = Vec::new();
    let mut tried = 0;
    for (path, v) in &nodes {
        let Some(items) = v.as_array() else { continue };
        for i in 0..items.len() {
            tried += 1;
            failures.extend(check(&pack, &key, "remove", &format!("{path}/{i}"), |p| {
                p.pointer_mut(path)
                    .and_then(Value::as_array_mut)
                    .expect("array")
                    .remove(i);
            }));
            if i + 1 < items.len() {
                tried += 1;
                failures.extend(check(
                    &pack,
                    &key,
                    "swap with next",
                    &format!("{path}/{i}"),
                    |p| {
                        p.pointer_mut(path)
                            .and_then(Value::as_array_mut)
                            .expect("array")
                            .swap(i, i + 1);
                    },
                ));
            }
        }
    }
    assert!(tried > 100, "only {tried} array changes tried");
    assert!(
        failures.is_empty(),
        "{} of {tried} array changes misattributed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_member_removal_and_addition_is_named_by_its_pointer() {
    let (pack, key) = signed();
    let mut nodes = Vec::new();
    walk(&pack, String::new(), &mut nodes);
    let mut failures = Vec::new();
    for (path, v) in &nodes {
        let Some(map) = v.as_object() else { continue };
        for k in map.keys() {
            failures.extend(check(
                &pack,
                &key,
                "remove member",
                &pointer(path, k),
                |p| {
                    p.pointer_mut(path)
                        .and_then(Value::as_object_mut)
                        .expect("object")
                        .shift_remove(k);
                },
            ));
        }
        failures.extend(check(
            &pack,
            &key,
            "add member",
            &pointer(path, "zz_added"),
            |p| {
                p.pointer_mut(path)
                    .and_then(Value::as_object_mut)
                    .expect("object")
                    .insert("zz_added".to_owned(), Value::Null);
            },
        ));
    }
    assert!(
        failures.is_empty(),
        "{} member changes misattributed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn names_the_edited_audit_record_and_reports_the_recorded_and_computed_digests() {
    let (mut pack, key) = signed();
    pack["audit_events"][3]["data"]["record"] = Value::String("site rendered twice".to_owned());
    let report = run(&pack, &key);
    let first = report.first().expect("a mismatch");
    assert_eq!(first.path, "/audit_events/3/data/record");
    assert_eq!(first.kind, MismatchKind::ValueChanged);
    assert_eq!(
        first.expected.as_deref(),
        pack.pointer("/field_digests/fields/audit_events/items/3/fields/data/fields/record")
            .and_then(Value::as_str)
    );
    assert_eq!(
        first.computed,
        Some(abp_evidence::sha256_hex("\"site rendered twice\""))
    );
    // The chain and the content hash break too, after the culprit.
    let kinds: Vec<_> = report.mismatches.iter().map(|m| m.kind).collect();
    assert!(
        kinds.contains(&MismatchKind::ChainBroken) && kinds.contains(&MismatchKind::DigestMismatch),
        "{kinds:?}"
    );
    assert_ne!(report.expected_hash, report.computed_hash);
}

#[test]
fn a_forger_who_rebuilds_the_digests_but_not_the_chain_is_caught_by_the_chain() {
    let (pack, key) = signed();
    let mut forged: abp_evidence::PipelineEvidencePack =
        serde_json::from_value(pack).expect("pack");
    forged.audit_events.remove(4);
    forged.signature = None;
    let mut value = forged.to_value().expect("json");
    let covered = abp_evidence::pack::NOT_IN_FIELD_DIGESTS;
    let view: serde_json::Map<String, Value> = value
        .as_object()
        .expect("object")
        .iter()
        .filter(|(k, _)| !covered.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    value["field_digests"] =
        abp_evidence::digests::digest_tree(&Value::Object(view)).expect("tree");
    value["content_hash"] = Value::String(abp_evidence::content_hash(&value).expect("hash"));
    let report = verify(&value, &VerifyOptions::default());
    let first = report.first().expect("a mismatch");
    assert_eq!(
        (first.path.as_str(), first.kind),
        ("/audit_events/4/prev_hash", MismatchKind::ChainBroken)
    );
    // ...and a signature requirement catches even a forger who rebuilds everything.
    assert_eq!(
        run(&value, &key).first().map(|m| m.kind),
        Some(MismatchKind::ChainBroken)
    );
}

#[test]
fn reports_malformed_members_all_at_once() {
    let (mut pack, key) = signed();
    pack["is_dry_run"] = Value::String("yes".to_owned());
    pack["artifacts"][1]["size"] = Value::from(-1);
    let map = pack.as_object_mut().expect("object");
    map.shift_remove("run_id");
    let report = run(&pack, &key);
    let paths: Vec<_> = report.mismatches.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["/run_id", "/is_dry_run", "/artifacts/1/size"]);
    assert!(
        report
            .mismatches
            .iter()
            .all(|m| m.kind == MismatchKind::Malformed)
    );
    assert!(!verify(&Value::Array(vec![]), &VerifyOptions::default()).valid);
}
