//! Specification tests for `plan`: which nodes exist, their ids, dependencies and params, the
//! graph id, and the exact JSON shape of the seed's `ExecutionGraphSpec`.

use std::net::Ipv4Addr;

use abp_intent::{
    BusinessIntentInput, PlanOptions, PlannedGraph, ResolvedBusinessIntent, plan, resolve,
};
use serde_json::{Value, json};

fn intent(vision: &str, domain: Option<&str>) -> ResolvedBusinessIntent {
    resolve(&BusinessIntentInput {
        vision: vision.to_owned(),
        domain: domain.map(str::to_owned),
        ..BusinessIntentInput::default()
    })
    .unwrap_or_else(|e| panic!("{vision}: {e}"))
}

/// Plans `vision` and asserts the node ids and each node's dependencies, in order.
fn check(vision: &str, domain: Option<&str>, expect: &[(&str, &[&str])]) -> PlannedGraph {
    let graph = plan(&intent(vision, domain), &PlanOptions::default());
    let got: Vec<(String, Vec<String>)> = graph
        .nodes
        .iter()
        .map(|n| (n.node_id.clone(), n.depends_on.clone()))
        .collect();
    let want: Vec<(String, Vec<String>)> = expect
        .iter()
        .map(|(id, deps)| {
            (
                (*id).to_owned(),
                deps.iter().map(|d| (*d).to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(got, want, "{vision}");
    graph
}

#[test]
fn dns_is_planned_only_when_a_domain_is_given() {
    check(
        "I want a consulting business",
        Some("acme-consulting.test"),
        &[
            ("website", &[]),
            ("dns", &["website"]),
            ("odoo_consulting_engagements", &[]),
        ],
    );
    check(
        "I want a consulting business",
        None,
        &[("website", &[]), ("odoo_consulting_engagements", &[])],
    );
}

#[test]
fn odoo_nodes_run_one_after_another() {
    check(
        "Marketplace for handmade jewellery, we keep 12% commission",
        None,
        &[
            ("website", &[]),
            ("odoo_product_catalog", &[]),
            ("odoo_marketplace_commissions", &["odoo_product_catalog"]),
        ],
    );
}

#[test]
fn no_erp_means_no_odoo_nodes_and_no_website_means_no_site_or_dns() {
    check(
        "Personal blog about hiking, not a business",
        Some("hiking.test"),
        &[("website", &[]), ("dns", &["website"])],
    );
    check(
        "Consulting firm; no website needed, only the CRM",
        Some("acme.test"),
        &[("odoo_consulting_engagements", &[])],
    );
}

#[test]
fn dns_records_point_the_apex_at_the_site_and_www_at_the_apex() {
    let opts = PlanOptions {
        site_ipv4: Ipv4Addr::new(203, 0, 113, 7),
        ..PlanOptions::default()
    };
    let graph = plan(
        &intent("Dental practice in Leeds", Some("smile-leeds.test")),
        &opts,
    );
    let dns = graph
        .nodes
        .iter()
        .find(|n| n.node_id == "dns")
        .expect("dns node");
    assert_eq!(dns.node_type, "dns");
    assert_eq!(
        dns.params,
        json!({
            "provider": "zonefile",
            "domain": "smile-leeds.test",
            "records": [
                { "name": "@", "type": "A", "values": ["203.0.113.7"] },
                { "name": "www", "type": "CNAME", "values": ["smile-leeds.test."] },
            ],
        })
    );
}

#[test]
fn website_params_carry_the_intent_content() {
    let resolved = resolve(&BusinessIntentInput {
        vision: "Physiotherapiepraxis mit Krankengymnastik, Manueller Therapie und Hausbesuchen"
            .to_owned(),
        region: Some("DE".to_owned()),
        target_audience: Some("Sportler und Senioren".to_owned()),
        domain: Some("physio-nord.test".to_owned()),
        ..BusinessIntentInput::default()
    })
    .expect("valid");
    let graph = plan(&resolved, &PlanOptions::default());
    let site = &graph.nodes[0];
    assert_eq!(
        (site.node_id.as_str(), site.node_type.as_str()),
        ("website", "webgenesis")
    );
    let p = &site.params;
    assert_eq!(p["template"], json!(resolved.website_template));
    assert_eq!(p["business_name"], "Physiotherapiepraxis");
    assert_eq!(p["language"], "de");
    assert_eq!(p["region"], "DE");
    assert_eq!(p["audience"], "Sportler und Senioren");
    assert_eq!(p["domain"], "physio-nord.test");
    assert_eq!(p["vision"], json!(resolved.vision));
    let services: Vec<&str> = p["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        services,
        ["Krankengymnastik", "Manueller Therapie", "Hausbesuchen"]
    );
    assert!(
        p["tagline"]
            .as_str()
            .is_some_and(|t| t.contains("Sportler und Senioren"))
    );
}

#[test]
fn business_names_come_from_the_input_or_the_vision() {
    let name = |vision: &str, given: Option<&str>| {
        let resolved = resolve(&BusinessIntentInput {
            vision: vision.to_owned(),
            business_name: given.map(str::to_owned),
            ..BusinessIntentInput::default()
        })
        .expect("valid");
        plan(&resolved, &PlanOptions::default()).nodes[0].params["business_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        name("I want a consulting business", None),
        "Consulting Business"
    );
    assert_eq!(
        name("I want a consulting business", Some("Acme Advisory")),
        "Acme Advisory"
    );
    assert_eq!(name("Surf school in Cornwall", None), "Surf School");
    assert_eq!(name("Zahnarztpraxis in Graz", None), "Zahnarztpraxis");
    assert_eq!(name("Boutique law firm for startups", None), "Law Firm");
    assert_eq!(name("We build software", None), "Software Business");
    // Nothing nameable: the industry's neutral name, or the general one.
    assert_eq!(
        name("We are building a SaaS tool that helps restaurants", None),
        "Software Company"
    );
    assert_eq!(
        name("Wir helfen Menschen im Alltag", None),
        "Mein Unternehmen"
    );
}

#[test]
fn odoo_params_carry_the_module_and_version() {
    let resolved = intent("Language school with evening classes", None);
    let opts = PlanOptions {
        odoo_version: "18.0".to_owned(),
        ..PlanOptions::default()
    };
    let graph = plan(&resolved, &opts);
    let odoo = graph
        .nodes
        .iter()
        .find(|n| n.node_type == "odoo")
        .expect("odoo node");
    assert_eq!(odoo.node_id, "odoo_education_courses");
    assert_eq!(odoo.params["odoo_version"], "18.0");
    assert_eq!(
        odoo.params["module"],
        json!(resolved.custom_modules_spec[0])
    );
}

#[test]
fn graph_id_follows_the_intent_id() {
    let a = intent("Bakery with a cafe", None);
    let b = intent("Bakery with a café and garden", None);
    let opts = PlanOptions::default();
    let (ga, gb) = (plan(&a, &opts), plan(&b, &opts));
    assert_eq!(ga, plan(&a, &opts));
    assert_eq!(ga.business_intent_id, a.intent_id);
    assert!(
        ga.graph_id.starts_with("graph_") && ga.graph_id.len() == 22,
        "{}",
        ga.graph_id
    );
    assert_ne!(ga.graph_id, gb.graph_id);
}

#[test]
fn the_graph_serializes_to_the_seed_field_names_and_back() {
    let graph = plan(
        &intent("Online shop for tea", Some("tea.test")),
        &PlanOptions::default(),
    );
    let value = serde_json::to_value(&graph).expect("serializes");
    let keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "graph_id",
            "business_intent_id",
            "dry_run",
            "auto_rollback",
            "stop_on_first_error",
            "nodes"
        ]
    );
    for node in value["nodes"].as_array().expect("nodes") {
        let keys: Vec<&str> = node
            .as_object()
            .expect("node")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["node_id", "node_type", "depends_on", "params"]);
    }
    let back: PlannedGraph = serde_json::from_value(value).expect("deserializes");
    assert_eq!(back, graph);
}

#[test]
fn plan_options_default_to_a_safe_dry_run() {
    let defaults = PlanOptions::default();
    assert_eq!(defaults.site_ipv4, Ipv4Addr::LOCALHOST);
    assert_eq!(defaults.odoo_version, "17.0");
    assert!(defaults.dry_run && defaults.auto_rollback && defaults.stop_on_first_error);
    let from_json: PlanOptions =
        serde_json::from_value(json!({ "dry_run": false })).expect("options");
    assert_eq!(
        from_json,
        PlanOptions {
            dry_run: false,
            ..defaults
        }
    );
    let graph = plan(&intent("Plumber in Leeds", None), &from_json);
    assert_eq!(
        (
            graph.dry_run,
            graph.auto_rollback,
            graph.stop_on_first_error
        ),
        (false, true, true)
    );
    assert_eq!(
        serde_json::to_value(&graph).expect("json")["dry_run"],
        Value::Bool(false)
    );
}
