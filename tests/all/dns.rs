//! The shipped `dns` node through the real host: against a real `PowerDNS` server (checked with
//! real DNS queries), against a stand-in of the Hetzner Cloud API, and on zone files with the
//! embedded default policy. Each provider round trip is `abp apply` then `abp rollback`, with
//! a record set that existed before, so rollback must restore it rather than delete it. The
//! API key and the token travel only through the host's secret placement.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::egress::workspace;
use crate::hetzner_standin::Hetzner;
use crate::pdns::PowerDns;
use crate::support::Workspace;

const HETZNER_TOKEN: &str = "hz-T0ken-5ecret-0123456789";

fn abp(ws: &Workspace, env: &[(&str, &str)], args: &[&str]) -> (i32, Value, Output) {
    let mut cmd = ws.command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run abp");
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "abp {args:?}: no JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), value, out)
}

/// `abp --json apply` of a graph with one `dns` node.
fn apply(ws: &Workspace, env: &[(&str, &str)], params: &Value) -> (i32, Value) {
    let graph = ws.graph(
        "dns.json",
        &json!({ "graph_id": "dns", "nodes": [
        { "node_id": "dns", "node_type": "dns", "params": params }] }),
    );
    let (code, result, out) = abp(ws, env, &["--json", "apply", graph.to_str().unwrap()]);
    assert_secret_absent(&out, env);
    (code, result)
}

fn rollback(ws: &Workspace, env: &[(&str, &str)], run_id: &str) -> Value {
    let (code, report, out) = abp(ws, env, &["--json", "rollback", run_id]);
    assert_secret_absent(&out, env);
    assert_eq!(code, 0, "{report:#}");
    report
}

fn assert_secret_absent(out: &Output, env: &[(&str, &str)]) {
    for (_, secret) in env {
        for bytes in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(bytes).contains(secret),
                "a secret value was printed"
            );
        }
    }
}

/// No file under `dir` holds `secret`.
fn assert_secret_not_stored(dir: &Path, secret: &str) {
    let mut stack = vec![dir.to_owned()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                assert!(
                    !text.contains(secret),
                    "the secret is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        files > 3,
        "expected the runs' files under {}",
        dir.display()
    );
}

fn completed(result: &Value) -> &str {
    assert_eq!(
        result["node_results"]["dns"]["status"], "completed",
        "{result:#}"
    );
    result["run_id"].as_str().unwrap()
}

fn origin(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    format!("http://{}", rest.split('/').next().unwrap())
}

fn site_records() -> Value {
    json!([
        { "name": "www", "type": "A", "values": ["203.0.113.7"] },
        { "name": "@", "type": "TXT", "values": ["v=abp-test"] },
        { "name": "shop", "type": "CNAME", "values": ["www"] }
    ])
}

#[test]
fn powerdns_records_are_served_after_apply_and_restored_after_rollback() {
    let pdns = PowerDns::start();
    pdns.create_zone("acme.test");
    pdns.add_record("acme.test", "www", "A", 3600, &["192.0.2.10"]);
    let answers = |when: &str| {
        let got = (
            pdns.dig("www.acme.test", "A"),
            pdns.dig("acme.test", "TXT"),
            pdns.dig("shop.acme.test", "CNAME"),
        );
        eprintln!(
            "dig {when}: www A {:?}, apex TXT {:?}, shop CNAME {:?}",
            got.0, got.1, got.2
        );
        got
    };
    let before = answers("before");
    assert_eq!(before.0, ["192.0.2.10"]);
    assert!(before.1.is_empty() && before.2.is_empty(), "{before:?}");

    let policy = format!(
        r#"storage = "./storage"
[plugins.dns]
mounts = {{ zones = "dns_zones" }}
egress = ["{api}"]
secrets = {{ pdns_api_key = {{ env = "ABP_TEST_PDNS_KEY", hosts = ["127.0.0.1"] }} }}
[plugins.dns.config.powerdns]
url = "{api}"
server_id = "localhost"
api_key_secret = "pdns_api_key"
"#,
        api = pdns.api_url
    );
    let ws = workspace(&policy);
    let params = json!({ "provider": "powerdns", "domain": "acme.test", "records": site_records(), "overwrite": true });

    // A wrong key is refused by the server, and the node says so without the key.
    let wrong = "not-the-key-0000";
    let (code, result) = apply(&ws, &[("ABP_TEST_PDNS_KEY", wrong)], &params);
    assert_ne!(code, 0, "{result:#}");
    let error = result["node_results"]["dns"]["error"].to_string();
    assert!(
        error.contains("401") || error.contains("nauthorized"),
        "{error}"
    );
    assert!(!error.contains(wrong), "{error}");

    let env = [("ABP_TEST_PDNS_KEY", pdns.api_key.as_str())];
    let (code, result) = apply(&ws, &env, &params);
    assert_eq!(code, 0, "{result:#}");
    let run_id = completed(&result).to_owned();
    let output = &result["node_results"]["dns"]["output"];
    assert_eq!(output["zone"], "acme.test");
    assert_eq!(output["changed"], 3, "{output:#}");
    let after = answers("after apply");
    assert_eq!(after.0, ["203.0.113.7"]);
    assert_eq!(after.1, ["\"v=abp-test\""]);
    assert_eq!(after.2, ["www.acme.test."]);
    // The write went through the gate, audited with the secret's name only.
    let writes: Vec<&Value> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "http.request")
        .collect();
    assert!(!writes.is_empty(), "{:#}", result["audit_events"]);
    assert!(
        writes
            .iter()
            .all(|w| w["data"]["host"] == "127.0.0.1" && w["data"]["credential"] == "pdns_api_key"),
        "{writes:#?}"
    );

    rollback(&ws, &env, &run_id);
    let restored = answers("after rollback");
    assert_eq!(restored, before, "rollback restored the original answers");
    assert_secret_not_stored(&ws.storage(), &pdns.api_key);
}

fn hetzner_policy(api: &Hetzner) -> String {
    format!(
        r#"storage = "./storage"
[plugins.dns]
mounts = {{ zones = "dns_zones" }}
egress = ["{origin}"]
secrets = {{ dns_token = {{ env = "ABP_TEST_HETZNER_TOKEN", hosts = ["127.0.0.1"] }} }}
[plugins.dns.config.hetzner]
url = "{url}"
token_secret = "dns_token"
"#,
        origin = origin(&api.url),
        url = api.url
    )
}

#[test]
fn hetzner_records_are_written_through_actions_and_restored_after_rollback() {
    let api = Hetzner::start("acme.test", HETZNER_TOKEN);
    api.add("www", "A", 3600, &["192.0.2.10"]);
    let ws = workspace(&hetzner_policy(&api));
    let env = [("ABP_TEST_HETZNER_TOKEN", HETZNER_TOKEN)];
    let params = json!({ "provider": "hetzner", "domain": "acme.test", "records": site_records(), "overwrite": true });
    let (code, result) = apply(&ws, &env, &params);
    assert_eq!(code, 0, "{result:#}");
    let run_id = completed(&result).to_owned();
    assert_eq!(
        api.get("www", "A"),
        Some((Some(3600), vec!["203.0.113.7".to_owned()]))
    );
    assert_eq!(
        api.get("@", "TXT"),
        Some((Some(3600), vec!["\"v=abp-test\"".to_owned()]))
    );
    assert_eq!(
        api.get("shop", "CNAME"),
        Some((Some(3600), vec!["www.acme.test.".to_owned()]))
    );
    let log = api.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /v1/zones/4711/rrsets/www/A/actions/set_records")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.starts_with("GET /v1/actions/")),
        "the running actions were polled: {log:#?}"
    );
    let bearer = format!("Bearer {HETZNER_TOKEN}");
    assert!(
        api.auth()
            .iter()
            .all(|a| a.as_deref() == Some(bearer.as_str())),
        "every request carried the token"
    );

    rollback(&ws, &env, &run_id);
    assert_eq!(
        api.get("www", "A"),
        Some((Some(3600), vec!["192.0.2.10".to_owned()])),
        "restored, not deleted"
    );
    assert_eq!(api.get("@", "TXT"), None);
    assert_eq!(api.get("shop", "CNAME"), None);
    assert_secret_not_stored(&ws.storage(), HETZNER_TOKEN);
}

#[test]
fn hetzner_failed_actions_and_error_responses_reach_the_run_result() {
    let api = Hetzner::start("acme.test", HETZNER_TOKEN);
    api.fail_writes_to("shop");
    let ws = workspace(&hetzner_policy(&api));
    let params = json!({ "provider": "hetzner", "domain": "acme.test",
                         "records": [{ "name": "shop", "type": "A", "values": ["203.0.113.9"] }] });

    let (code, result) = apply(&ws, &[("ABP_TEST_HETZNER_TOKEN", HETZNER_TOKEN)], &params);
    assert_ne!(code, 0, "{result:#}");
    let error = result["node_results"]["dns"]["error"].to_string();
    assert!(
        error.contains("create_rrset") && error.contains("action_failed"),
        "{error}"
    );
    assert!(
        error.contains("record set shop was rejected by the name servers"),
        "{error}"
    );
    assert_eq!(api.get("shop", "A"), None);

    let wrong = "hz-wrong-token-999";
    let (code, result) = apply(&ws, &[("ABP_TEST_HETZNER_TOKEN", wrong)], &params);
    assert_ne!(code, 0, "{result:#}");
    let error = &result["node_results"]["dns"]["error"];
    let text = error.to_string();
    assert!(
        text.contains("HTTP 401 unauthorized: unable to authenticate"),
        "{text}"
    );
    assert!(
        text.contains("check the token in secret `dns_token`"),
        "{text}"
    );
    assert!(!text.contains(wrong), "{text}");
    assert_secret_not_stored(&ws.storage(), wrong);
    assert_secret_not_stored(&ws.storage(), HETZNER_TOKEN);
}

#[test]
fn zone_files_are_written_and_rolled_back_on_the_embedded_default_policy() {
    let ws = Workspace::with_default_policy();
    let zone = ws.storage().join("dns_zones/acme-consulting.test.zone");
    let first = json!({ "domain": "acme-consulting.test", "records": [
        { "name": "@", "type": "A", "values": ["203.0.113.10"] },
        { "name": "www", "type": "CNAME", "values": ["@"] },
        { "name": "@", "type": "MX", "values": ["10 mail"] },
        { "name": "mail", "type": "A", "values": ["203.0.113.25"] }] });
    let (code, result) = apply(&ws, &[], &first);
    assert_eq!(code, 0, "{result:#}");
    let first_run = completed(&result).to_owned();
    let text = std::fs::read_to_string(&zone).expect("the zone file");
    for expected in [
        "$ORIGIN acme-consulting.test.",
        "SOA",
        "203.0.113.10",
        "CNAME",
        "MX\t10 mail.acme-consulting.test.",
        "203.0.113.25",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }

    let second = json!({ "domain": "acme-consulting.test", "overwrite": true,
                         "records": [{ "name": "@", "type": "A", "values": ["198.51.100.20"] }] });
    let (code, result) = apply(&ws, &[], &second);
    assert_eq!(code, 0, "{result:#}");
    let second_run = completed(&result).to_owned();
    let changed = std::fs::read_to_string(&zone).unwrap();
    assert!(
        changed.contains("198.51.100.20") && !changed.contains("203.0.113.10"),
        "{changed}"
    );
    assert!(
        changed.contains("203.0.113.25"),
        "other records stay: {changed}"
    );

    rollback(&ws, &[], &second_run);
    let restored = std::fs::read_to_string(&zone).unwrap();
    assert!(
        restored.contains("203.0.113.10") && !restored.contains("198.51.100.20"),
        "{restored}"
    );
    rollback(&ws, &[], &first_run);
    assert!(!zone.exists(), "the zone file this run created is gone");
}
