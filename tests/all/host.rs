//! The host's contract, end to end through the `abp` CLI and the real test components:
//! ordering, parallelism, validation, rollback (automatic, manual, after kill -9), dry runs,
//! sandbox limits and governance modes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TEST_POLICY, Workspace};

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "callers pass `json!` literals"
)]
fn writer(id: &str, deps: &[&str], params: Value) -> Value {
    json!({ "node_id": id, "node_type": "writer", "depends_on": deps, "params": params })
}

#[test]
fn runs_nodes_in_dependency_order_with_declaration_tie_break() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "order", "nodes": [
            writer("c", &["a", "b"], json!({ "file": "c.txt" })),
            writer("b", &[], json!({ "file": "b.txt" })),
            writer("a", &[], json!({ "file": "a.txt" })),
            writer("d", &["c"], json!({ "file": "d.txt", "content": "after ${c.output.path}" })),
        ]}),
    );
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(ids(&result["execution_order"]), ["b", "a", "c", "d"]);
    let completed = ids(&result["completed_nodes"]);
    let pos = |id: &str| completed.iter().position(|c| c == id).unwrap();
    assert!(
        pos("c") > pos("a") && pos("c") > pos("b") && pos("d") > pos("c"),
        "{completed:?}"
    );
    let d = std::fs::read_to_string(ws.storage().join("out/d.txt")).unwrap();
    assert_eq!(
        d, "after /mnt/output/c.txt",
        "the reference to c's output was resolved"
    );
}

#[test]
fn two_independent_slow_nodes_overlap_in_time() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "parallel", "nodes": [
            writer("slow1", &[], json!({ "file": "1.txt", "sleep_ms": 800 })),
            writer("slow2", &[], json!({ "file": "2.txt", "sleep_ms": 800 })),
        ]}),
    );
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    let r1 = &result["node_results"]["slow1"];
    let r2 = &result["node_results"]["slow2"];
    // Each took at least its sleep; they overlapped if each started before the other finished.
    let (s1, f1) = (
        r1["started_at"].as_str().unwrap(),
        r1["finished_at"].as_str().unwrap(),
    );
    let (s2, f2) = (
        r2["started_at"].as_str().unwrap(),
        r2["finished_at"].as_str().unwrap(),
    );
    assert!(s1 < f2 && s2 < f1, "no overlap: {s1}..{f1} and {s2}..{f2}");
    assert!(
        result["duration_ms"].as_u64().unwrap() < 1500,
        "took {} ms for two 800 ms nodes",
        result["duration_ms"]
    );
}

#[test]
fn validation_reports_every_problem_at_once_and_runs_nothing() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "bad", "nodes": [
            writer("a", &["c"], json!({ "file": "a.txt" })),
            writer("b", &["a"], json!({ "file": "b.txt" })),
            writer("c", &["b"], json!({ "file": "c.txt" })),
            writer("d", &["ghost"], json!({ "file": "d.txt" })),
            { "node_id": "e", "node_type": "no-such-node" },
            writer("f", &[], json!({ "file": 7 })),
        ]}),
    );
    let out = ws.abp(&["apply", graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for expected in [
        "dependency cycle: a -> c -> b -> a",
        "node `d` depends on `ghost`, which is not in the graph",
        "node `e`: unknown node type `no-such-node`",
        "node `f`: params/file: 7 is not of type \"string\"",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    assert!(
        !ws.storage().join("runs").exists(),
        "nothing may run when validation fails"
    );
}

#[test]
fn rollback_runs_in_reverse_completion_order() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "chain", "nodes": [
            writer("a", &[], json!({ "file": "a.txt" })),
            writer("b", &["a"], json!({ "file": "b.txt" })),
            writer("c", &["b"], json!({ "file": "c.txt" })),
            { "node_id": "boom", "node_type": "failer", "depends_on": ["c"] },
        ]}),
    );
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 1, "{result:#}");
    assert_eq!(result["status"], "rolled_back");
    assert_eq!(ids(&result["rolled_back_nodes"]), ["c", "b", "a"]);
    assert!(ws.files_under(&ws.storage().join("out")).is_empty());
    let events: Vec<(String, Option<String>)> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_owned(),
                e["node_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let rollback_done: Vec<&str> = events
        .iter()
        .filter(|(t, _)| t == "pipeline.node_rollback_completed")
        .filter_map(|(_, n)| n.as_deref())
        .collect();
    assert_eq!(rollback_done, ["c", "b", "a"]);
    for name in [
        "pipeline.graph_started",
        "pipeline.node_failed",
        "pipeline.graph_failed",
        "pipeline.graph_rollback_started",
        "pipeline.graph_rollback_completed",
    ] {
        assert!(events.iter().any(|(t, _)| t == name), "no {name} event");
    }
}

#[test]
fn manual_rollback_undoes_a_run_and_a_second_one_has_nothing_left() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "manual", "nodes": [ writer("a", &[], json!({ "file": "a.txt" })), writer("b", &["a"], json!({ "file": "b.txt" })) ]}),
    );
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 0);
    let run_id = result["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        ws.files_under(&ws.storage().join("out")),
        ["a.txt", "b.txt"]
    );
    let (code, report) = ws.abp_json(&["rollback", &run_id]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(ids(&report["report"]["rolled_back"]), ["b", "a"]);
    assert!(ws.files_under(&ws.storage().join("out")).is_empty());
    let out = ws.abp(&["rollback", &run_id]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing left to undo"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn kill_9_mid_run_then_rollback_leaves_nothing_behind() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "killed", "nodes": [
            writer("first", &[], json!({ "file": "first.txt" })),
            // Checkpoints, writes, then holds: the process is killed while this node runs.
            writer("second", &["first"], json!({ "file": "second.txt", "hold_ms": 30000 })),
            writer("third", &["second"], json!({ "file": "third.txt" })),
        ]}),
    );
    let mut child = ws
        .command(&["apply", graph.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_mins(1);
    let second = ws.storage().join("out/second.txt");
    while !second.exists() {
        assert!(
            Instant::now() < deadline,
            "the run never reached the second node"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        ws.files_under(&ws.storage().join("out")),
        ["first.txt", "second.txt"]
    );
    let (_, runs) = ws.abp_json(&["runs"]);
    let run = &runs.as_array().unwrap()[0];
    assert_eq!(run["status"], "interrupted");
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let (code, report) = ws.abp_json(&["rollback", &run_id]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        ids(&report["report"]["rolled_back"]),
        ["second", "first"],
        "the interrupted node goes first, from its checkpoint"
    );
    assert!(
        ws.files_under(&ws.storage().join("out")).is_empty(),
        "left behind: {:?}",
        ws.files_under(&ws.storage().join("out"))
    );
    let (code, report) = ws.abp_json(&["rollback", &run_id]);
    assert_eq!(code, 0);
    assert_eq!(report["report"]["nothing_to_do"], true);
}

#[test]
fn a_dry_run_writes_nothing() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "dry", "nodes": [ writer("a", &[], json!({ "file": "a.txt" })), writer("b", &["a"], json!({ "file": "b.txt", "content": "${a.output.path}" })) ]}),
    );
    let (code, result) = ws.abp_json(&["plan", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(result["dry_run"], true);
    assert_eq!(
        result["node_results"]["a"]["output"]["would_write"],
        "/mnt/output/a.txt"
    );
    assert!(
        !ws.storage().join("out").exists(),
        "a dry run must not even create the mount folder"
    );
    let event_types: Vec<&str> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(event_types.first(), Some(&"pipeline.dry_run_started"));
    assert_eq!(event_types.last(), Some(&"pipeline.dry_run_completed"));
}

#[test]
fn every_hostile_node_fails_as_that_node_and_the_host_stays_up() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "hostile", "stop_on_first_error": false, "nodes": [
            writer("w", &[], json!({ "file": "w.txt" })),
            { "node_id": "trap", "node_type": "trapper" },
            { "node_id": "spin", "node_type": "spinner" },
            { "node_id": "sleep", "node_type": "sleeper" },
            { "node_id": "hog", "node_type": "hog" },
            { "node_id": "fail", "node_type": "failer", "params": { "kind": "unavailable", "message": "service down" } },
        ]}),
    );
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 1, "{result:#}");
    let error = |id: &str| {
        (
            result["node_results"][id]["error"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            result["node_results"][id]["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let (kind, message) = error("trap");
    assert_eq!(kind, "trap");
    assert!(message.contains("trapper: deliberate panic"), "{message}");
    assert_eq!(
        error("spin"),
        (
            "timeout".into(),
            "plugin `spinner` exceeded its time limit of 1000 ms".into()
        )
    );
    assert_eq!(
        error("sleep"),
        (
            "timeout".into(),
            "plugin `sleeper` exceeded its time limit of 1000 ms".into()
        )
    );
    assert_eq!(
        error("hog"),
        (
            "memory-limit".into(),
            "plugin `hog` exceeded its memory limit of 32 MiB".into()
        )
    );
    assert_eq!(error("fail"), ("unavailable".into(), "service down".into()));
    assert_eq!(result["status"], "rolled_back");
    assert_eq!(ids(&result["rolled_back_nodes"]), ["w"]);
    assert!(ws.files_under(&ws.storage().join("out")).is_empty());
    // The host is still fine: the next run works.
    let ok = ws.graph(
        "ok.json",
        &json!({ "graph_id": "ok", "nodes": [ writer("a", &[], json!({ "file": "a.txt" })) ] }),
    );
    assert_eq!(ws.abp_json(&["apply", ok.to_str().unwrap()]).0, 0);
}

#[test]
fn a_node_cannot_read_or_write_outside_its_mount_nor_see_the_environment() {
    let ws = Workspace::new(TEST_POLICY);
    std::fs::write(
        ws.storage().parent().unwrap().join("secret.txt"),
        "do not read",
    )
    .unwrap();
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "escape", "nodes": [ { "node_id": "esc", "node_type": "escaper" } ]}),
    );
    let mut cmd = ws.command(&["--json", "apply", graph.to_str().unwrap()]);
    cmd.env("ABP_TEST_SECRET", "hunter2");
    let out = cmd.output().unwrap();
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let output = &result["node_results"]["esc"]["output"];
    for attempt in output["attempts"].as_array().unwrap() {
        assert!(
            attempt["read"].as_str().unwrap().starts_with("refused"),
            "{attempt}"
        );
    }
    assert!(
        output["write_outside"]
            .as_str()
            .unwrap()
            .starts_with("refused")
    );
    assert_eq!(output["env_vars"], json!([]));
    assert_eq!(output["write_inside"], "wrote");
    assert!(!ws.storage().join("escaped.txt").exists() && !ws.path().join("escaped.txt").exists());
}

#[test]
fn a_mount_the_policy_does_not_grant_fails_the_plan_naming_plugin_mount_and_key() {
    let ws = Workspace::new("storage = \"./storage\"\n");
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "g", "nodes": [ writer("a", &[], json!({ "file": "a.txt" })) ]}),
    );
    let out = ws.abp(&["plan", graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("plugin `writer` needs mount `output`")
            && stderr.contains("plugins.writer.mounts.output"),
        "{stderr}"
    );
    assert!(!ws.storage().join("runs").exists());
}

#[test]
fn safe_mode_refuses_live_runs_but_plans() {
    let ws = Workspace::new(&format!("mode = \"safe\"\n{TEST_POLICY}"));
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "g", "nodes": [ writer("a", &[], json!({ "file": "a.txt" })) ]}),
    );
    let out = ws.abp(&["apply", graph.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Pipeline execution blocked: System in SAFE MODE")
    );
    assert_eq!(ws.abp_json(&["plan", graph.to_str().unwrap()]).0, 0);
}

#[test]
fn plugins_inspect_shows_info_schema_requests_and_digest() {
    let ws = Workspace::new(TEST_POLICY);
    let (code, info) = ws.abp_json(&["plugins", "inspect", "writer"]);
    assert_eq!(code, 0);
    assert_eq!(info["node_type"], "writer");
    assert_eq!(info["rollback"], "compensating");
    assert_eq!(info["wasm_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(info["requests"]["mounts"], json!(["output"]));
    assert!(
        info["params_schema"]["properties"]["file"].is_object(),
        "{:#}",
        info["params_schema"]
    );
    let (code, list) = ws.abp_json(&["plugins", "list"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["node_type"].as_str().unwrap())
        .collect();
    for name in ["writer", "failer", "trapper", "webgenesis", "dns", "odoo"] {
        assert!(names.contains(&name), "{names:?}");
    }
}
