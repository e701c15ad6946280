//! The reproducibility digest is equal for two runs of the same plan that differ only in time,
//! ids and scheduling, and differs when an output, plugin or policy differs.

use abp_evidence::{build, reproducibility_view};
use serde_json::json;

use crate::sample::{self, FIRST, SECOND};

#[test]
fn two_runs_of_the_same_plan_share_the_digest() {
    let first = build(sample::input(&FIRST)).expect("build");
    let mut second_input = sample::input(&SECOND);
    // Parallel nodes finished in the other order: events and completed_nodes reorder.
    second_input.audit_events.swap(6, 7);
    if let Some(events) = second_input.execution_result["audit_events"].as_array_mut() {
        events.swap(6, 7);
    }
    second_input.execution_result["completed_nodes"] = json!(["web", "dns", "odoo"]);
    second_input.artifacts.reverse();
    let second = build(second_input).expect("build");
    assert_ne!(first.content_hash, second.content_hash);
    assert_ne!(first.audit_chain_head, second.audit_chain_head);
    assert_eq!(
        first.reproducibility_digest,
        second.reproducibility_digest,
        "views differ:\n{}\n{}",
        reproducibility_view(&first.to_value().expect("json")).expect("view"),
        reproducibility_view(&second.to_value().expect("json")).expect("view"),
    );
}

/// One way to alter a run's input.
type Change = Box<dyn Fn(&mut abp_evidence::PackInput)>;

#[test]
fn a_different_output_plugin_policy_or_mode_changes_the_digest() {
    let base = build(sample::input(&FIRST))
        .expect("build")
        .reproducibility_digest;
    let variants: Vec<(&str, Change)> = vec![
        (
            "node output",
            Box::new(|i| {
                i.execution_result["node_results"]["dns"]["output"]["records"][0]["value"] =
                    json!("203.0.113.11");
            }),
        ),
        (
            "artifact digest",
            Box::new(|i| i.artifacts[0].sha256 = abp_evidence::sha256_hex("other")),
        ),
        (
            "plugin digest",
            Box::new(|i| i.plugins[1].wasm_sha256 = abp_evidence::sha256_hex("other")),
        ),
        (
            "policy digest",
            Box::new(|i| i.policy_digest = abp_evidence::sha256_hex("other")),
        ),
        ("mode", Box::new(|i| i.mode = abp_evidence::Mode::Safe)),
        (
            "audit event content",
            Box::new(|i| i.audit_events[3]["data"]["record"] = json!("site rendered differently")),
        ),
        (
            "a failed node",
            Box::new(|i| i.execution_result["failed_nodes"] = json!(["odoo"])),
        ),
    ];
    for (what, change) in variants {
        let mut input = sample::input(&SECOND);
        change(&mut input);
        let digest = build(input).expect("build").reproducibility_digest;
        assert_ne!(
            digest, base,
            "changing the {what} left the reproducibility digest unchanged"
        );
    }
}

#[test]
fn the_view_keeps_no_time_run_id_or_storage_root() {
    let pack = build(sample::input(&FIRST))
        .expect("build")
        .to_value()
        .expect("json");
    let text = reproducibility_view(&pack).expect("view").to_string();
    for gone in [
        FIRST.run_id,
        FIRST.pack_id,
        FIRST.day,
        sample::STORAGE_ROOT,
        "prev_hash",
        "duration",
    ] {
        assert!(!text.contains(gone), "view still contains {gone}: {text}");
    }
    assert!(text.contains("<storage_root>/runs/<run_id>/site"), "{text}");
}
