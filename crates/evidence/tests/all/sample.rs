//! A realistic pack input: the three seed nodes (webgenesis, dns, odoo) after a dry run, with the
//! seed's audit event names, node results keyed by node id, plugins and governance decisions.

use abp_evidence::{
    Artifact, Mode, PackInput, PipelineEvidencePack, PluginDigest, build, sha256_hex,
};
use serde_json::{Value, json};

/// Everything that differs between two runs of the same plan.
pub struct RunIdentity {
    pub run_id: &'static str,
    pub pack_id: &'static str,
    pub day: &'static str,
}

pub const FIRST: RunIdentity = RunIdentity {
    run_id: "run-20250301-7f3a9c",
    pack_id: "pack-5d1e0b77",
    day: "2025-03-01",
};

pub const SECOND: RunIdentity = RunIdentity {
    run_id: "run-20250302-11b2e4",
    pack_id: "pack-90aa41c3",
    day: "2025-03-02",
};

pub const STORAGE_ROOT: &str = "/var/lib/abp";

pub fn input(id: &RunIdentity) -> PackInput {
    let t = |hms: &str| format!("{}T{hms}Z", id.day);
    let run_dir = format!("{STORAGE_ROOT}/runs/{}", id.run_id);
    let intent = json!({
        "intent_id": "intent-bakery-001",
        "business_type": "bakery",
        "business_name": "Müller & Söhne Bäckerei",
        "domain": "mueller-baeckerei.de",
        "features": ["website", "dns", "odoo_shop"],
        "confidence": 0.87,
    });
    let spec = json!({
        "graph_id": "graph-bakery-001",
        "business_intent_id": "intent-bakery-001",
        "dry_run": true,
        "auto_rollback": true,
        "stop_on_first_error": true,
        "nodes": [
            {"node_id": "web", "node_type": "webgenesis", "depends_on": [], "params": {"template": "bakery", "title": "Müller"}},
            {"node_id": "dns", "node_type": "dns", "depends_on": ["web"], "params": {"zone": "mueller-baeckerei.de", "ttl": 3600}},
            {"node_id": "odoo", "node_type": "odoo", "depends_on": ["web"], "params": {"module_name": "bakery_shop"}},
        ],
    });
    let result = json!({
        "graph_id": "graph-bakery-001",
        "status": "completed",
        "success": true,
        "execution_order": ["web", "dns", "odoo"],
        "completed_nodes": ["web", "odoo", "dns"],
        "failed_nodes": [],
        "duration_seconds": 4.125,
        "node_results": {
            "web": {
                "status": "completed", "started_at": t("10:00:00"), "completed_at": t("10:00:02"), "duration_ms": 2013,
                "output": {"site_dir": format!("{run_dir}/site"), "pages": ["index.html", "about.html"], "bytes": 18432},
            },
            "dns": {
                "status": "completed", "started_at": t("10:00:02"), "completed_at": t("10:00:03"), "duration_ms": 950,
                "output": {"records": [
                    {"type": "A", "name": "@", "value": "203.0.113.10", "ttl": 3600},
                    {"type": "AAAA", "name": "@", "value": "2001:db8::10", "ttl": 3600},
                ], "dry_run": true},
                "receipt": {"zone_id": "zone-42", "created": []},
            },
            "odoo": {
                "status": "completed", "started_at": t("10:00:02"), "completed_at": t("10:00:04"), "duration_ms": 1720,
                "output": {"module_name": "bakery_shop", "files": 7, "ratio": 0.1, "notes": null},
            },
        },
    });
    let event = |event_type: &str, hms: &str, data: Value| json!({"event_type": event_type, "timestamp": t(hms), "run_id": id.run_id, "data": data});
    let events = vec![
        event(
            "pipeline.dry_run_started",
            "09:59:59",
            json!({"graph_id": "graph-bakery-001"}),
        ),
        event("pipeline.graph_started", "10:00:00", json!({"nodes": 3})),
        event(
            "pipeline.node_started",
            "10:00:00",
            json!({"node_id": "web"}),
        ),
        event(
            "pipeline.node_completed",
            "10:00:02",
            json!({"node_id": "web", "record": "site rendered"}),
        ),
        event(
            "pipeline.node_started",
            "10:00:02",
            json!({"node_id": "dns"}),
        ),
        event(
            "pipeline.node_started",
            "10:00:02",
            json!({"node_id": "odoo"}),
        ),
        event(
            "pipeline.node_completed",
            "10:00:03",
            json!({"node_id": "dns", "record": "2 records planned"}),
        ),
        event(
            "pipeline.node_completed",
            "10:00:04",
            json!({"node_id": "odoo", "record": "module generated"}),
        ),
        event(
            "pipeline.graph_completed",
            "10:00:04",
            json!({"success": true}),
        ),
        event(
            "pipeline.dry_run_completed",
            "10:00:04",
            json!({"log": format!("{run_dir}/journal.jsonl")}),
        ),
    ];
    // The host's result repeats the (unchained) trail, its run id, times and artifact paths.
    let mut result = result;
    result["audit_events"] = Value::Array(events.clone());
    result["run_id"] = json!(id.run_id);
    result["started_at"] = json!(t("10:00:00"));
    result["finished_at"] = json!(t("10:00:04"));
    result["duration_ms"] = json!(4125);
    result["artifacts"] = json!([
        format!("{run_dir}/site/index.html"),
        format!("{run_dir}/site/about.html")
    ]);
    PackInput {
        pack_id: id.pack_id.to_owned(),
        generated_at: t("10:00:05"),
        run_id: id.run_id.to_owned(),
        business_intent_id: "intent-bakery-001".to_owned(),
        business_intent: Some(intent),
        graph_id: "graph-bakery-001".to_owned(),
        graph_spec: Some(spec),
        execution_result: result,
        summary: None,
        governance_decisions: vec![
            json!({"decision": "allow", "capability": "egress", "host": "dns.hetzner.com", "reason": "dry run: no request sent"}),
            json!({"decision": "allow", "capability": "filesystem", "path": "/mnt/output", "reason": "granted by abp.toml"}),
        ],
        artifacts: vec![
            Artifact {
                path: "site/index.html".to_owned(),
                sha256: sha256_hex("<h1>Müller</h1>"),
                size: 16,
            },
            Artifact {
                path: "site/about.html".to_owned(),
                sha256: sha256_hex(b"<p>about</p>"),
                size: 12,
            },
        ],
        audit_events: events,
        plugins: vec![
            plugin("webgenesis", "0.1.0", Some("abp-release")),
            plugin("dns", "0.1.0", Some("abp-release")),
            plugin("odoo", "0.2.0", None),
        ],
        policy_digest: sha256_hex(b"[egress]\nallow = [\"dns.hetzner.com\"]\n"),
        mode: Mode::Normal,
        host_version: "0.1.0".to_owned(),
        is_dry_run: true,
        storage_root: Some(STORAGE_ROOT.to_owned()),
    }
}

pub fn plugin(node_type: &str, version: &str, signer: Option<&str>) -> PluginDigest {
    PluginDigest {
        node_type: node_type.to_owned(),
        version: version.to_owned(),
        wasm_sha256: sha256_hex(format!("{node_type} component")),
        manifest_sha256: sha256_hex(format!("{node_type} manifest")),
        signer: signer.map(str::to_owned),
    }
}

pub fn pack() -> PipelineEvidencePack {
    build(input(&FIRST)).expect("sample input builds")
}
