//! The main job end to end, on the embedded default policy and the shipped components:
//! `abp run "I want a consulting business"` produces a website, a zone file and an Odoo
//! module, and `abp rollback` removes all three.

use serde_json::Value;

use crate::support::Workspace;

#[test]
fn run_a_consulting_business_then_roll_it_back() {
    let ws = Workspace::with_default_policy();
    let (code, out) = ws.abp_json(&[
        "run",
        "I want a consulting business",
        "--domain",
        "acme-consulting.test",
    ]);
    assert_eq!(code, 0, "{out:#}");
    let intent = &out["intent"];
    assert_eq!(intent["business_type"], "service");
    assert_eq!(intent["industry"], "professional_services");
    let result = &out["result"];
    assert_eq!(result["status"], "completed");
    assert_eq!(result["dry_run"], false);
    let storage = ws.storage();
    let site = storage.join("deployed_websites");
    let index = ws
        .files_under(&site)
        .into_iter()
        .find(|f| f.ends_with("index.html"))
        .expect("a deployed index.html");
    let html = std::fs::read_to_string(site.join(&index)).unwrap();
    assert!(
        html.contains("<!DOCTYPE html>") || html.contains("<!doctype html>"),
        "{index} is not an HTML page"
    );
    let zone = std::fs::read_to_string(storage.join("dns_zones/acme-consulting.test.zone"))
        .expect("a zone file for the domain");
    assert!(
        zone.contains("$ORIGIN acme-consulting.test.") && zone.contains("IN\tA\t127.0.0.1"),
        "{zone}"
    );
    let modules = ws.files_under(&storage.join("odoo_modules"));
    assert!(
        modules.iter().any(|f| f.ends_with("__manifest__.py")),
        "{modules:?}"
    );
    let odoo = result["node_results"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["node_type"] == "odoo")
        .expect("an odoo node");
    assert_eq!(
        odoo["output"]["install"],
        "skipped (no Odoo server configured)"
    );
    let events: Vec<&str> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert!(events.contains(&"pipeline.intent_resolved"), "{events:?}");

    let run_id = result["run_id"].as_str().unwrap();
    let (code, report) = ws.abp_json(&["rollback", run_id]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["report"]["rolled_back"].as_array().map(Vec::len),
        Some(3)
    );
    for dir in [
        "deployed_websites",
        "generated_websites",
        "dns_zones",
        "odoo_modules",
    ] {
        assert!(
            ws.files_under(&storage.join(dir)).is_empty(),
            "{dir} still has {:?}",
            ws.files_under(&storage.join(dir))
        );
    }
}

#[test]
fn resolve_explains_each_field() {
    let ws = Workspace::with_default_policy();
    let (code, intent) = ws.abp_json(&[
        "resolve",
        "Wir sind eine Steuerberatungskanzlei in München",
        "--region",
        "DE",
    ]);
    assert_eq!(code, 0, "{intent:#}");
    assert_eq!(intent["language"], "de");
    let explanations = intent["explanations"].as_array().unwrap();
    let fields: Vec<&str> = explanations
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in [
        "business_type",
        "industry",
        "monetization_type",
        "risk_level",
    ] {
        assert!(fields.contains(&field), "{fields:?}");
    }
    assert!(explanations.iter().all(|e| {
        e["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c))
    }));
    let _: &Value = &intent["intent_id"];
}

#[test]
fn an_idea_with_bad_input_names_every_problem() {
    let ws = Workspace::with_default_policy();
    let out = ws.abp(&[
        "resolve",
        " ",
        "--compliance",
        "extreme",
        "--domain",
        "not a domain",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in ["vision", "extreme", "not a domain"] {
        assert!(stderr.contains(needle), "missing `{needle}` in {stderr}");
    }
}
