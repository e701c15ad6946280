//! Evidence, end to end through the `abp` CLI: every run (live and dry) leaves an
//! `evidence.json` that `abp evidence verify` accepts; edits to the pack, removed audit events,
//! changed artifact files and wrong keys are caught and named; dry runs of one plan share a
//! reproducibility digest; no secret value reaches the evidence.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{TEST_POLICY, Workspace};

/// `abp evidence verify` exit code for a pack that does not verify (`cli::exit::VERIFY_FAILED`).
const VERIFY_FAILED: i32 = 6;

fn writer(id: &str, deps: &[&str], file: &str, content: &str) -> Value {
    json!({ "node_id": id, "node_type": "writer", "depends_on": deps, "params": { "file": file, "content": content } })
}

/// Three writer nodes, `c` after `a` and `b`.
fn three_node_graph(ws: &Workspace) -> PathBuf {
    ws.graph(
        "g.json",
        &json!({ "graph_id": "evidence-three", "business_intent_id": "intent-1", "nodes": [
            writer("a", &[], "a.txt", "alpha"),
            writer("b", &[], "b.txt", "bravo"),
            writer("c", &["a", "b"], "c.txt", "charlie"),
        ]}),
    )
}

/// Runs `abp --json COMMAND GRAPH`, asserts it succeeded, returns the run id.
fn run(ws: &Workspace, command: &str, graph: &Path) -> String {
    let (code, result) = ws.abp_json(&[command, graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    result["run_id"].as_str().expect("run id").to_owned()
}

fn pack_file(ws: &Workspace, run_id: &str) -> PathBuf {
    ws.storage().join("runs").join(run_id).join("evidence.json")
}

fn read_pack(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read pack")).expect("pack is JSON")
}

fn write_pack(path: &Path, pack: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(pack).unwrap()).unwrap();
}

/// `abp --json evidence verify FILE ARGS`: exit code and the report.
fn verify(ws: &Workspace, file: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["evidence", "verify", file.to_str().unwrap()];
    all.extend_from_slice(args);
    ws.abp_json(&all)
}

/// `abp evidence verify FILE ARGS` for people: exit code and stdout.
fn verify_human(ws: &Workspace, file: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["evidence", "verify", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = ws.abp(&all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn first_mismatch(report: &Value) -> &Value {
    &report["report"]["mismatches"][0]
}

#[test]
fn live_and_dry_runs_each_leave_evidence_that_verifies() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = three_node_graph(&ws);
    for command in ["apply", "plan"] {
        let run_id = run(&ws, command, &graph);
        let file = pack_file(&ws, &run_id);
        let pack = read_pack(&file);
        assert_eq!(pack["run_id"], json!(run_id));
        assert_eq!(pack["is_dry_run"], json!(command == "plan"));
        assert_eq!(pack["graph_id"], json!("evidence-three"));
        assert_eq!(pack["business_intent_id"], json!("intent-1"));
        assert_eq!(pack["summary"]["total_nodes"], json!(3));
        assert_eq!(pack["plugins"][0]["node_type"], json!("writer"));
        assert!(
            pack["audit_events"].as_array().unwrap().len() >= 6,
            "{:#}",
            pack["audit_events"]
        );
        let (code, report) = verify(&ws, &file, &["--artifacts"]);
        assert_eq!(code, 0, "{command}: {report:#}");
        assert_eq!(report["report"]["valid"], json!(true));
        let statement = read_pack(&file.with_file_name("evidence.intoto.json"));
        assert_eq!(statement["_type"], json!("https://in-toto.io/Statement/v1"));
        assert_eq!(statement["predicate"]["content_hash"], pack["content_hash"]);
        if command == "apply" {
            let artifacts = pack["artifacts"].as_array().unwrap();
            let paths: Vec<&str> = artifacts
                .iter()
                .map(|a| a["path"].as_str().unwrap())
                .collect();
            assert_eq!(paths, ["out/a.txt", "out/b.txt", "out/c.txt"]);
            assert_eq!(artifacts[2]["size"], json!(7), "charlie is 7 bytes");
            assert_eq!(report["report"]["artifacts_checked"], json!(3));
            assert_eq!(statement["subject"].as_array().unwrap().len(), 3);
        } else {
            assert!(
                pack["artifacts"].as_array().unwrap().is_empty(),
                "a dry run wrote files: {:#}",
                pack["artifacts"]
            );
        }
    }
}

#[test]
fn evidence_can_be_verified_by_run_id_and_shown_to_people() {
    let ws = Workspace::new(TEST_POLICY);
    let run_id = run(&ws, "apply", &three_node_graph(&ws));
    let (code, _) = ws.abp_json(&["evidence", "verify", &run_id]);
    assert_eq!(code, 0);
    let pack = read_pack(&pack_file(&ws, &run_id));
    let out = ws.abp(&["evidence", "show", &run_id]);
    assert_eq!(out.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&out.stdout);
    for expected in [
        format!("Evidence pack evidence-{run_id}"),
        pack["content_hash"].as_str().unwrap().to_owned(),
        "3 node(s): 3 completed, 0 failed".to_owned(),
        format!(
            "out/c.txt  7 bytes  sha256 {}",
            pack["artifacts"][2]["sha256"].as_str().unwrap()
        ),
        "signed by:        unsigned".to_owned(),
    ] {
        assert!(
            shown.contains(&expected),
            "`{expected}` missing from:\n{shown}"
        );
    }
    let (code, json_pack) = ws.abp_json(&["evidence", "show", &run_id]);
    assert_eq!(code, 0);
    assert_eq!(json_pack, pack);
}

#[test]
fn editing_one_byte_of_a_node_output_fails_and_names_that_field() {
    let ws = Workspace::new(TEST_POLICY);
    let run_id = run(&ws, "apply", &three_node_graph(&ws));
    let file = pack_file(&ws, &run_id);
    let mut pack = read_pack(&file);
    let output = &mut pack["execution_result"]["node_results"]["b"]["output"]["path"];
    let edited = output.as_str().unwrap().replacen("b.txt", "x.txt", 1);
    *output = json!(edited);
    write_pack(&file, &pack);

    let (code, report) = verify(&ws, &file, &[]);
    assert_eq!(code, VERIFY_FAILED, "{report:#}");
    let first = first_mismatch(&report);
    assert_eq!(
        first["path"],
        json!("/execution_result/node_results/b/output/path"),
        "{report:#}"
    );
    assert_eq!(first["kind"], json!("value_changed"));
    assert_ne!(first["expected"], first["computed"]);
    let (code, shown) = verify_human(&ws, &file, &[]);
    assert_eq!(code, VERIFY_FAILED);
    assert!(
        shown.contains("FAILED")
            && shown.contains("first mismatch: /execution_result/node_results/b/output/path"),
        "{shown}"
    );
    assert!(
        shown.contains("expected: ") && shown.contains("computed: "),
        "{shown}"
    );
}

#[test]
fn deleting_an_audit_event_is_caught() {
    let ws = Workspace::new(TEST_POLICY);
    let run_id = run(&ws, "apply", &three_node_graph(&ws));
    let file = pack_file(&ws, &run_id);
    let mut pack = read_pack(&file);
    let removed = pack["audit_events"].as_array_mut().unwrap().remove(3);
    assert!(removed["event_type"].is_string());
    write_pack(&file, &pack);

    let (code, report) = verify(&ws, &file, &[]);
    assert_eq!(code, VERIFY_FAILED, "{report:#}");
    let path = first_mismatch(&report)["path"].as_str().unwrap();
    assert!(
        path.starts_with("/audit_events/3"),
        "first mismatch at {path}: {report:#}"
    );
}

#[test]
fn a_changed_or_missing_artifact_file_is_caught_with_artifacts_and_named() {
    let ws = Workspace::new(TEST_POLICY);
    let run_id = run(&ws, "apply", &three_node_graph(&ws));
    let file = pack_file(&ws, &run_id);
    std::fs::write(ws.storage().join("out/b.txt"), "bravO").unwrap();
    std::fs::remove_file(ws.storage().join("out/c.txt")).unwrap();

    let (code, report) = verify(&ws, &file, &[]);
    assert_eq!(
        code, 0,
        "without --artifacts the files are not read: {report:#}"
    );
    let (code, report) = verify(&ws, &file, &["--artifacts"]);
    assert_eq!(code, VERIFY_FAILED, "{report:#}");
    let mismatches = report["report"]["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 2, "{report:#}");
    assert_eq!(mismatches[0]["path"], json!("/artifacts/1/sha256"));
    assert_eq!(mismatches[0]["kind"], json!("artifact_changed"));
    assert_eq!(mismatches[1]["path"], json!("/artifacts/2/path"));
    assert_eq!(mismatches[1]["kind"], json!("artifact_missing"));
    let (_, shown) = verify_human(&ws, &file, &["--artifacts"]);
    assert!(
        shown.contains("artifact `out/b.txt` changed on disk"),
        "{shown}"
    );
    assert!(shown.contains("artifact `out/c.txt` is missing"), "{shown}");
}

#[test]
fn a_pack_signed_with_a_generated_key_verifies_with_it_and_fails_with_another() {
    let ws = Workspace::new(&format!(
        "evidence_signing_key = \"keys/signer.key\"\n{TEST_POLICY}"
    ));
    std::fs::create_dir(ws.path().join("keys")).unwrap();
    let (code, signer) = ws.abp_json(&["keys", "generate", "--out", "keys/signer"]);
    assert_eq!(code, 0, "{signer:#}");
    let (code, other) = ws.abp_json(&["keys", "generate", "--out", "keys/other"]);
    assert_eq!(code, 0, "{other:#}");
    let secret = std::fs::read_to_string(ws.path().join("keys/signer.key")).unwrap();
    let secret_body = secret.trim().split(':').nth(1).unwrap();
    assert!(
        !signer.to_string().contains(secret_body),
        "the secret key was printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(ws.path().join("keys/signer.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "secret key mode {mode:o}");
    }

    let run_id = run(&ws, "apply", &three_node_graph(&ws));
    let file = pack_file(&ws, &run_id);
    let pack = read_pack(&file);
    assert_eq!(pack["signature"]["signatures"][0]["keyid"], signer["keyid"]);

    let signer_pub = ws.path().join("keys/signer.pub");
    let other_pub = ws.path().join("keys/other.pub");
    let (code, report) = verify(&ws, &file, &["--key", signer_pub.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["report"]["signature"],
        json!({ "status": "valid", "keyid": signer["keyid"] })
    );
    let (code, report) = verify(&ws, &file, &["--key", other_pub.to_str().unwrap()]);
    assert_eq!(code, VERIFY_FAILED, "{report:#}");
    assert_eq!(first_mismatch(&report)["kind"], json!("untrusted_key"));

    // The policy's `trusted_keys` count as well.
    let ws_other = Workspace::new(&format!(
        "trusted_keys = [\"{}\"]\n",
        other["public_key"].as_str().unwrap()
    ));
    let (code, report) = verify(&ws_other, &file, &[]);
    assert_eq!(code, VERIFY_FAILED, "{report:#}");
    assert_eq!(first_mismatch(&report)["kind"], json!("untrusted_key"));
}

#[test]
fn keys_generate_never_overwrites_a_key() {
    let ws = Workspace::new(TEST_POLICY);
    let (code, _) = ws.abp_json(&["keys", "generate", "--out", "k"]);
    assert_eq!(code, 0);
    let before = std::fs::read_to_string(ws.path().join("k.key")).unwrap();
    let out = ws.abp(&["keys", "generate", "--out", "k"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already exist"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("k.key")).unwrap(),
        before
    );
}

#[test]
fn two_dry_runs_of_one_graph_share_the_reproducibility_digest_and_not_the_run_id() {
    let ws = Workspace::new(TEST_POLICY);
    let graph = three_node_graph(&ws);
    let first = run(&ws, "plan", &graph);
    let second = run(&ws, "plan", &graph);
    assert_ne!(first, second);
    let (a, b) = (
        read_pack(&pack_file(&ws, &first)),
        read_pack(&pack_file(&ws, &second)),
    );
    assert_ne!(a["content_hash"], b["content_hash"]);
    assert_eq!(a["reproducibility_digest"], b["reproducibility_digest"]);

    // A different plan gives a different digest.
    let changed = ws.graph(
        "g2.json",
        &json!({ "graph_id": "evidence-three", "business_intent_id": "intent-1", "nodes": [
            writer("a", &[], "a.txt", "alpha"),
            writer("b", &[], "b.txt", "bravo"),
            writer("c", &["a", "b"], "other.txt", "charlie"),
        ]}),
    );
    let third = run(&ws, "plan", &changed);
    assert_ne!(
        read_pack(&pack_file(&ws, &third))["reproducibility_digest"],
        a["reproducibility_digest"]
    );
}

#[test]
fn no_secret_value_appears_in_evidence_only_its_name() {
    const SECRET: &str = "s3cr3t-evidence-token-6b1f0c";
    let policy = format!(
        "{TEST_POLICY}\n[plugins.dns]\nmounts = {{ zones = \"dns_zones\" }}\nsecrets = {{ dns_token = {{ env = \"ABP_TEST_DNS_TOKEN\", hosts = [\"api.hetzner.cloud\"] }} }}\n"
    );
    let ws = Workspace::new(&policy);
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "with-secret", "nodes": [
            writer("site", &[], "index.html", "hello"),
            { "node_id": "dns", "node_type": "dns", "depends_on": ["site"], "params": {
                "domain": "acme.test", "records": [{ "name": "@", "type": "A", "values": ["192.0.2.1"] }] } },
        ]}),
    );
    for command in ["plan", "apply"] {
        let out = ws
            .command(&["--json", command, graph.to_str().unwrap()])
            .env("ABP_TEST_DNS_TOKEN", SECRET)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        let run_dir = ws
            .storage()
            .join("runs")
            .join(result["run_id"].as_str().unwrap());
        for name in ["evidence.json", "evidence.intoto.json"] {
            let text = std::fs::read_to_string(run_dir.join(name)).unwrap();
            assert!(
                !text.contains(SECRET),
                "{command}: the secret value is in {name}"
            );
        }
        let pack = read_pack(&run_dir.join("evidence.json"));
        let dns = pack["governance_decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["plugin"] == json!("dns"))
            .unwrap_or_else(|| panic!("no decision for dns: {:#}", pack["governance_decisions"]));
        assert_eq!(
            dns["secrets"],
            json!([{ "name": "dns_token", "hosts": ["api.hetzner.cloud"] }])
        );
        let (code, report) = verify(&ws, &run_dir.join("evidence.json"), &["--artifacts"]);
        assert_eq!(code, 0, "{report:#}");
    }
}

#[test]
fn a_run_whose_evidence_cannot_be_written_is_kept_and_named() {
    let ws = Workspace::new(&format!(
        "evidence_signing_key = \"no-such.key\"\n{TEST_POLICY}"
    ));
    let out = ws.abp(&["apply", three_node_graph(&ws).to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let (_, runs) = ws.abp_json(&["runs"]);
    let run = &runs[0];
    let run_id = run["run_id"].as_str().unwrap();
    assert_eq!(run["status"], json!("completed"), "{runs:#}");
    for expected in [
        format!("run `{run_id}` finished with status `completed`"),
        "no-such.key".to_owned(),
        format!("abp rollback {run_id}"),
    ] {
        assert!(
            stderr.contains(&expected),
            "`{expected}` missing from: {stderr}"
        );
    }
    assert!(
        std::fs::read_to_string(ws.storage().join("out/c.txt")).is_ok(),
        "the run's work was kept"
    );
}
