//! The HTTP API, end to end: a real server (`abp_host::api`) on 127.0.0.1:0 over a temporary
//! workspace with the real test components, driven by an HTTP client. Every endpoint, the
//! bearer token, safe and sovereign modes, bad bodies, long runs followed as server-sent
//! events, client disconnects, the `OpenAPI` document against the router, and 100 concurrent
//! dry runs. `abp serve` itself is checked through the binary.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use abp_host::api::{self, ApiOptions, ApiState};
use abp_host::session::SessionOptions;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::support::{TEST_POLICY, Workspace, abp_bin, test_plugins};
use crate::test_server::TestServer;

const TOKEN: &str = "test-token-4f1c2a9e7b";

/// A server over its own workspace, stopped (gracefully) on drop.
struct Server {
    base: String,
    ws: Workspace,
    client: Client,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Compiled components shared by every test workspace (the cache is keyed by the wasm's digest
/// and the engine, and written atomically; the egress tests use the same folder), so each
/// server, and each test run, does not compile them again.
fn shared_cache() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join("abp-tests-component-cache");
        std::fs::create_dir_all(&dir).expect("cache dir");
        dir
    })
}

/// A client builder. The host enables reqwest's `rustls-no-provider` (feature unification
/// reaches this client too), so a crypto provider is installed first, as the host does.
fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
}

fn client() -> Client {
    client_builder().build().expect("http client")
}

/// A policy with the test grants, `extra` on top, and (when `token`) an `api_token` file.
fn policy(ws_dir: &std::path::Path, extra: &str, token: bool) -> String {
    let token_line = if token {
        let file = ws_dir.join("api-token.txt");
        std::fs::write(&file, format!("{TOKEN}\n")).expect("token file");
        format!(
            "api_token = {{ file = {:?} }}\n",
            file.display().to_string()
        )
    } else {
        String::new()
    };
    // Top-level keys first, tables last, so that each lands where it belongs.
    let (top, tables) = extra.find('[').map_or((extra, ""), |i| extra.split_at(i));
    format!("{top}\n{token_line}{TEST_POLICY}\n{tables}")
}

async fn start(extra: &str, token: bool) -> Server {
    start_with(extra, token, ApiOptions::default()).await
}

async fn start_with(extra: &str, token: bool, options: ApiOptions) -> Server {
    let ws = Workspace::new("");
    std::fs::write(ws.path().join("abp.toml"), policy(ws.path(), extra, token)).expect("policy");
    std::fs::create_dir_all(ws.storage()).expect("storage");
    #[cfg(unix)]
    std::os::unix::fs::symlink(shared_cache(), ws.storage().join("cache")).expect("cache link");
    let opts = SessionOptions {
        policy: Some(ws.path().join("abp.toml")),
        plugin_dirs: vec![PathBuf::from(test_plugins())],
        no_builtin: true,
    };
    let state = ApiState::open(&opts, options).await.expect("api state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(api::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Server {
        base,
        ws,
        client: client(),
        stop: Some(stop),
        served: Some(served),
    }
}

/// A response: status, the `x-abp-mode` header, and the body as JSON (`Null` if not JSON).
struct Answer {
    status: StatusCode,
    mode: Option<String>,
    body: Value,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        answer(req.send().await.expect("request")).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, None, Some(body)).await
    }

    async fn post_auth(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(TOKEN), Some(body)).await
    }

    /// Asks the server to stop and waits until `api::serve` returns.
    async fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("serve task").expect("serve");
        }
    }

    /// Polls `GET /api/pipeline/runs/{id}` until the run has finished.
    async fn wait_finished(&self, run_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let a = self.get(&format!("/api/pipeline/runs/{run_id}")).await;
            assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
            if a.body["finished"] == true && a.body["status"] != "running" {
                return a.body;
            }
            assert!(
                Instant::now() < deadline,
                "run {run_id} did not finish: {:#}",
                a.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status();
    let mode = res
        .headers()
        .get("x-abp-mode")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.bytes().await.expect("body");
    Answer {
        status,
        mode,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn writer(id: &str, deps: &[&str], params: &Value) -> Value {
    json!({ "node_id": id, "node_type": "writer", "depends_on": deps, "params": params })
}

fn graph(id: &str, nodes: &[Value]) -> Value {
    json!({ "graph_id": id, "business_intent_id": "intent-api", "nodes": nodes })
}

fn two_writers(id: &str) -> Value {
    graph(
        id,
        &[
            writer("a", &[], &json!({ "file": "a.txt", "content": "alpha" })),
            writer(
                "b",
                &["a"],
                &json!({ "file": "b.txt", "content": "${a.output.path}" }),
            ),
        ],
    )
}

/// The `OpenAPI` document as the server serves it.
async fn openapi(server: &Server) -> Value {
    let a = server.get("/api/openapi.json").await;
    assert_eq!(a.status, StatusCode::OK);
    a.body
}

/// Asserts that `value` conforms to `#/components/schemas/NAME` of the `OpenAPI` document.
fn conforms(doc: &Value, name: &str, value: &Value) {
    let mut schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    schema["components"] = doc["components"].clone();
    let validator =
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "response does not fit {name}: {errors:#?}\n{value:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_mode_plugins_and_whether_live_runs_are_enabled() {
    let server = start("", true).await;
    let a = server.get("/api/health").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.mode.as_deref(), Some("normal"));
    assert_eq!(a.body["status"], "ok");
    assert_eq!(a.body["live_runs"]["enabled"], true);
    let plugins: Vec<&str> = a.body["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["node_type"].as_str())
        .collect();
    assert!(
        plugins.contains(&"writer") && plugins.contains(&"noop"),
        "{plugins:?}"
    );
    conforms(&openapi(&server).await, "Health", &a.body);

    let without = start("", false).await;
    let a = without.get("/api/health").await;
    assert_eq!(a.body["live_runs"]["enabled"], false);
    assert!(
        a.body["live_runs"]["reason"]
            .as_str()
            .unwrap()
            .contains("api_token"),
        "{:#}",
        a.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_router_and_every_documented_route_answers() {
    let server = start("", true).await;
    let doc = openapi(&server).await;
    let in_repo: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        doc, in_repo,
        "the server serves docs/openapi.json as it is in the repository"
    );
    assert_eq!(doc["openapi"], "3.1.0");

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = api::routes().into_iter().collect();
    assert_eq!(
        documented, routed,
        "documented (left) and routed (right) endpoints differ"
    );

    // Every documented endpoint answers (with a run that exists for `{id}`).
    let run = server
        .post("/api/pipeline/dry-run", &two_writers("doc"))
        .await;
    assert_eq!(run.status, StatusCode::OK, "{:#}", run.body);
    let run_id = run.body["execution_result"]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path) in &documented {
        let path = path.replace("{id}", &run_id);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = (method == Method::POST).then(|| json!({}));
        let a = server
            .send(method.clone(), &path, Some(TOKEN), body.as_ref())
            .await;
        assert!(
            a.status != StatusCode::NOT_FOUND && a.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {} {:#}",
            a.status,
            a.body
        );
        assert!(a.mode.is_some(), "{method} {path} carries the mode header");
        let error_doc = &doc["paths"][path.replace(&run_id, "{id}").as_str()]
            [method.as_str().to_lowercase()]["responses"][a.status.as_str()];
        assert!(
            error_doc.is_object(),
            "{method} {path} answered {}, which the document does not list",
            a.status
        );
    }
    // And what is not documented is not there.
    let a = server.get("/api/pipeline/nothing-here").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("/api/openapi.json"),
        "{:#}",
        a.body
    );
    let a = server
        .send(Method::DELETE, "/api/pipeline/execute", None, None)
        .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolves_an_intent_and_lists_every_input_problem_at_once() {
    let server = start("", false).await;
    let doc = openapi(&server).await;
    let a = server
        .post(
            "/api/pipeline/intent/resolve",
            &json!({ "vision": "I want a consulting business", "region": "DE" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(a.body["industry"], "professional_services");
    conforms(&doc, "ResolvedBusinessIntent", &a.body);
    let again = server
        .post(
            "/api/pipeline/intent/resolve",
            &json!({ "vision": "I want a consulting business", "region": "DE" }),
        )
        .await;
    assert_eq!(
        again.body["intent_id"], a.body["intent_id"],
        "deterministic"
    );

    let a = server
        .post(
            "/api/pipeline/intent/resolve",
            &json!({ "vision": "", "compliance_sensitivity": "extreme" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{:#}", a.body);
    assert_eq!(
        a.body["problems"].as_array().unwrap().len(),
        2,
        "{:#}",
        a.body
    );
    conforms(&doc, "Error", &a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_answers_result_evidence_and_report_and_changes_nothing() {
    let server = start("", false).await;
    let doc = openapi(&server).await;
    let mut spec = two_writers("plan");
    spec["dry_run"] = json!(false); // forced to a dry run anyway
    let a = server.post("/api/pipeline/dry-run", &spec).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(a.mode.as_deref(), Some("normal"));
    conforms(&doc, "DryRunResponse", &a.body);
    let result = &a.body["execution_result"];
    assert_eq!(result["dry_run"], true);
    assert_eq!(result["status"], "completed");
    assert_eq!(a.body["mode"], "normal");
    let pack = &a.body["evidence_pack"];
    assert_eq!(pack["run_id"], result["run_id"]);
    assert_eq!(pack["is_dry_run"], true);
    assert_eq!(pack["mode"], "normal");
    let report = &a.body["dry_run_report"];
    assert_eq!(report["would_succeed"], true);
    assert_eq!(report["execution_order"], json!(["a", "b"]));
    assert_eq!(
        report["nodes"][0]["plan"]["would_write"],
        "/mnt/output/a.txt"
    );
    assert!(
        server
            .ws
            .files_under(&server.ws.storage().join("out"))
            .is_empty(),
        "a dry run writes nothing"
    );

    let v = server.post("/api/pipeline/evidence/verify", pack).await;
    assert_eq!(v.status, StatusCode::OK, "{:#}", v.body);
    assert_eq!(v.body["valid"], true, "{:#}", v.body);
    conforms(&doc, "EvidenceVerifyResponse", &v.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_runs_live_only_with_the_policy_token() {
    let server = start("", true).await;
    let spec = graph(
        "live",
        &[writer(
            "w",
            &[],
            &json!({ "file": "w.txt", "content": "hello" }),
        )],
    );
    for (token, expected) in [
        (None, "missing"),
        (Some("wrong-token"), "does not match"),
        (Some(""), "Bearer"),
    ] {
        let a = server
            .send(Method::POST, "/api/pipeline/execute", token, Some(&spec))
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNAUTHORIZED,
            "{token:?}: {:#}",
            a.body
        );
        assert!(
            a.body["detail"].as_str().unwrap().contains(expected),
            "{token:?}: {:#}",
            a.body
        );
        assert!(
            !a.body.to_string().contains(TOKEN),
            "the token never appears in an answer"
        );
    }
    let basic = server
        .client
        .post(server.url("/api/pipeline/execute"))
        .header("authorization", format!("Basic {TOKEN}"))
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(basic.headers()["www-authenticate"], "Bearer realm=\"abp\"");
    assert!(
        !server.ws.storage().join("out/w.txt").exists(),
        "nothing ran without the token"
    );

    let a = server.post_auth("/api/pipeline/execute", &spec).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    conforms(&openapi(&server).await, "ExecuteResponse", &a.body);
    assert_eq!(a.body["status"], "completed");
    assert_eq!(a.body["dry_run"], false);
    assert_eq!(a.body["mode"], "normal");
    assert_eq!(
        std::fs::read_to_string(server.ws.storage().join("out/w.txt")).unwrap(),
        "hello"
    );
    let run_id = a.body["run_id"].as_str().unwrap();
    assert!(
        server
            .ws
            .storage()
            .join("runs")
            .join(run_id)
            .join("evidence.json")
            .is_file(),
        "a live run leaves its evidence"
    );

    let without = start("", false).await;
    let a = without.post_auth("/api/pipeline/execute", &spec).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{:#}", a.body);
    assert!(
        a.body["detail"].as_str().unwrap().contains("`api_token`"),
        "{:#}",
        a.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_mode_blocks_execution_with_the_seed_detail_and_still_plans() {
    let server = start("mode = \"safe\"", true).await;
    let spec = graph("safe", &[writer("w", &[], &json!({ "file": "w.txt" }))]);
    let a = server.post_auth("/api/pipeline/execute", &spec).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        a.body,
        json!({ "detail": "Pipeline execution blocked: System in SAFE MODE" })
    );
    let a = server
        .post_auth(
            "/api/pipeline/runs/run-20260101T000000Z-000000/rollback",
            &json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        a.body["detail"],
        "Pipeline execution blocked: System in SAFE MODE"
    );
    let a = server.post("/api/pipeline/dry-run", &spec).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(a.mode.as_deref(), Some("safe"));
    assert_eq!(a.body["mode"], "safe");
    assert_eq!(a.body["evidence_pack"]["mode"], "safe");
    assert!(!server.ws.storage().join("out/w.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sovereign_mode_blocks_live_runs_and_all_egress_but_plans_offline() {
    // The same plan with a `fetcher` node that GETs a local server, whose address the policy
    // allows: in normal mode the dry run reaches it (dry runs may GET), in sovereign mode not.
    let target = TestServer::start();
    let grants = format!("[plugins.fetcher]\negress = [{:?}]", target.url);
    let spec = graph(
        "sovereign",
        &[
            writer("w", &[], &json!({ "file": "w.txt" })),
            json!({ "node_id": "f", "node_type": "fetcher", "params": { "url": format!("{}/echo", target.url) } }),
        ],
    );
    let normal = start(&grants, true).await;
    let a = normal.post("/api/pipeline/dry-run", &spec).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(
        target.seen().len(),
        1,
        "a normal dry run may GET: {:#}",
        a.body["execution_result"]["node_results"]["f"]
    );

    let server = start(&format!("mode = \"sovereign\"\n{grants}"), true).await;
    let a = server.post_auth("/api/pipeline/execute", &spec).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("SOVEREIGN MODE"),
        "{:#}",
        a.body
    );
    assert!(!server.ws.storage().join("out/w.txt").exists());
    let a = server.post("/api/pipeline/dry-run", &spec).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(a.mode.as_deref(), Some("sovereign"));
    assert_eq!(a.body["mode"], "sovereign");
    let fetch_output = a.body["execution_result"]["node_results"]["f"]["output"].to_string();
    assert!(
        fetch_output.contains("sovereign mode"),
        "the fetch was denied as sovereign: {fetch_output}"
    );
    assert_eq!(
        target.seen().len(),
        1,
        "no request left in sovereign mode: {:?}",
        target.seen()
    );
    let pack = &a.body["evidence_pack"];
    assert_eq!(pack["mode"], "sovereign");
    let fetcher = pack["governance_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["plugin"] == "fetcher")
        .expect("fetcher's grants")
        .clone();
    assert_eq!(
        fetcher["egress_granted"],
        json!([]),
        "the policy's egress is void in sovereign mode: {fetcher:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_naming_the_problem() {
    let server = start("", true).await;
    let doc = openapi(&server).await;
    let raw = |body: Vec<u8>, content_type: &'static str| {
        let req = server
            .client
            .post(server.url("/api/pipeline/dry-run"))
            .header("content-type", content_type)
            .body(body);
        async move { answer(req.send().await.unwrap()).await }
    };
    let check = |a: Answer, status: StatusCode, field: Option<&str>, detail: &str| {
        assert_eq!(a.status, status, "{:#}", a.body);
        assert!(
            a.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(detail),
            "wanted {detail:?} in {:#}",
            a.body
        );
        if let Some(f) = field {
            assert_eq!(a.body["field"], f, "{:#}", a.body);
        }
        conforms(&doc, "Error", &a.body);
        a.body
    };
    check(
        raw(
            b"{\"graph_id\": \"g\", \"nodes\": [".to_vec(),
            "application/json",
        )
        .await,
        StatusCode::BAD_REQUEST,
        None,
        "not valid JSON",
    );
    check(
        raw(b"".to_vec(), "application/json").await,
        StatusCode::BAD_REQUEST,
        None,
        "empty",
    );
    check(
        raw(b"{}".to_vec(), "text/plain").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
        "application/json",
    );
    check(
        server
            .post(
                "/api/pipeline/dry-run",
                &json!({ "graph_id": 7, "nodes": [] }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("graph_id"),
        "`graph_id`: invalid type",
    );
    check(
        server.post("/api/pipeline/dry-run", &json!({ "graph_id": "g", "nodes": [{ "node_id": "a", "node_type": "noop", "depends_on": "b" }] })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("nodes[0].depends_on"),
        "expected a sequence",
    );
    check(
        server
            .post("/api/pipeline/dry-run", &json!({ "nodes": [] }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("graph_id"),
        "missing field",
    );
    check(
        server
            .post("/api/pipeline/intent/resolve", &json!({ "vision": ["x"] }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("vision"),
        "invalid type",
    );
    let problems = check(
        server
            .post(
                "/api/pipeline/dry-run",
                &graph(
                    "bad",
                    &[
                        writer("a", &["b"], &json!({ "file": "a" })),
                        writer("b", &["a"], &json!({ "file": 7 })),
                        json!({ "node_id": "c", "node_type": "ghost" }),
                    ],
                ),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        "cannot run",
    );
    let text = problems["problems"].to_string();
    for expected in ["dependency cycle", "unknown node type `ghost`", "params"] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    let big = format!(
        "{{\"graph_id\": \"{}\", \"nodes\": []}}",
        "x".repeat(3 << 20)
    );
    // The server answers 413 as soon as it has read past the limit and closes the connection;
    // a client still writing the rest may see that as a broken pipe instead of the answer.
    // Either way the body was refused unread.
    let sent = server
        .client
        .post(server.url("/api/pipeline/dry-run"))
        .header("content-type", "application/json")
        .body(big.into_bytes())
        .send()
        .await;
    match sent {
        Ok(response) => {
            check(
                answer(response).await,
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                "larger than",
            );
        }
        Err(e) => {
            let text = format!("{e:?}");
            assert!(
                text.contains("BrokenPipe") || text.contains("ConnectionReset"),
                "an oversized body must be refused, got {text}"
            );
        }
    }
    // Refused before the body is read: an authorized execute with a wrong body is still a 422.
    let a = server
        .post_auth(
            "/api/pipeline/execute",
            &json!({ "graph_id": "g", "nodes": "all" }),
        )
        .await;
    check(
        a,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("nodes"),
        "invalid type",
    );
    assert!(
        server.get("/api/pipeline/runs").await.body["runs"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no bad body started a run"
    );
}

/// Reads a server-sent event stream until `run_finished`; returns `(event, data)` pairs.
async fn follow(server: &Server, run_id: &str) -> Vec<(String, Value)> {
    let mut res = server
        .client
        .get(server.url(&format!("/api/pipeline/runs/{run_id}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    while let Some(chunk) = tokio::time::timeout_at(deadline.into(), res.chunk())
        .await
        .expect("events in time")
        .unwrap()
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    v.trim().clone_into(&mut name);
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                events.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_started_without_waiting_can_be_followed_and_polled() {
    let server = start("", true).await;
    let spec = graph(
        "long",
        &[
            writer(
                "slow",
                &[],
                &json!({ "file": "slow.txt", "sleep_ms": 1200 }),
            ),
            writer("after", &["slow"], &json!({ "file": "after.txt" })),
        ],
    );
    let started = Instant::now();
    let res = server
        .client
        .post(server.url("/api/pipeline/execute?wait=false"))
        .bearer_auth(TOKEN)
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "202 came at once, not after the run"
    );
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let a = answer(res).await;
    conforms(&openapi(&server).await, "RunAccepted", &a.body);
    let run_id = a.body["run_id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/pipeline/runs/{run_id}"));

    let poll = server.get(&location).await;
    assert!(
        matches!(poll.body["status"].as_str(), Some("queued" | "running")),
        "{:#}",
        poll.body
    );

    let events = follow(&server, &run_id).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"run_started"), "{names:?}");
    assert_eq!(names.last(), Some(&"run_finished"), "{names:?}");
    let started_nodes: Vec<&Value> = events
        .iter()
        .filter(|(n, _)| n == "node_started")
        .map(|(_, d)| &d["node_id"])
        .collect();
    assert_eq!(started_nodes, [&json!("slow"), &json!("after")]);
    assert_eq!(events.last().unwrap().1["status"], "completed");

    let done = server.wait_finished(&run_id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["completed_nodes"], json!(["slow", "after"]));
    assert!(server.ws.storage().join("out/after.txt").exists());
    // Following a finished run answers its end at once.
    let again = follow(&server, &run_id).await;
    assert_eq!(again.last().unwrap().1["status"], "completed");

    // `Prefer: respond-async` works the same, for dry runs too.
    let res = server
        .client
        .post(server.url("/api/pipeline/dry-run"))
        .header("prefer", "respond-async")
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.headers()["preference-applied"], "respond-async");
    let id = answer(res).await.body["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.wait_finished(&id).await["dry_run"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_does_not_cancel_the_run() {
    let server = start("", true).await;
    let spec = graph(
        "walk-away",
        &[writer(
            "slow",
            &[],
            &json!({ "file": "slow.txt", "content": "done", "sleep_ms": 1000 }),
        )],
    );
    let impatient = client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = impatient
        .post(server.url("/api/pipeline/execute"))
        .bearer_auth(TOKEN)
        .json(&spec)
        .send()
        .await
        .expect_err("the client gives up");
    assert!(err.is_timeout(), "{err}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let run_id = loop {
        let runs = server.get("/api/pipeline/runs").await.body;
        if let Some(r) = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["graph_id"] == "walk-away")
        {
            break r["run_id"].as_str().unwrap().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the run never appeared: {runs:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let done = server.wait_finished(&run_id).await;
    assert_eq!(done["status"], "completed", "{done:#}");
    assert_eq!(
        std::fs::read_to_string(server.ws.storage().join("out/slow.txt")).unwrap(),
        "done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_undoes_a_live_run_once_and_needs_the_token() {
    let server = start("", true).await;
    let a = server
        .post_auth("/api/pipeline/execute", &two_writers("undo"))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    let run_id = a.body["run_id"].as_str().unwrap().to_owned();
    let path = format!("/api/pipeline/runs/{run_id}/rollback");
    assert!(server.ws.storage().join("out/b.txt").exists());

    let a = server.send(Method::POST, &path, None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        server.ws.storage().join("out/b.txt").exists(),
        "nothing undone without the token"
    );

    let a = server.post_auth(&path, &json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    conforms(&openapi(&server).await, "RollbackResponse", &a.body);
    assert_eq!(
        a.body["report"]["rolled_back"],
        json!(["b", "a"]),
        "reverse completion order"
    );
    assert_eq!(a.body["complete"], true);
    assert!(
        server
            .ws
            .files_under(&server.ws.storage().join("out"))
            .is_empty()
    );
    let again = server.post_auth(&path, &json!({})).await;
    assert_eq!(
        again.body["report"]["nothing_to_do"], true,
        "{:#}",
        again.body
    );
    assert_eq!(
        server
            .get(&format!("/api/pipeline/runs/{run_id}"))
            .await
            .body["status"],
        "rolled_back"
    );

    let a = server
        .post_auth(
            "/api/pipeline/runs/run-20200101T000000Z-abcdef/rollback",
            &json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // A failed run left as it was (no auto rollback): what completed is undone, the node
    // skipped after the failure needs nothing and no warning.
    let mut spec = graph(
        "half",
        &[
            writer("a", &[], &json!({ "file": "half.txt" })),
            json!({ "node_id": "f", "node_type": "failer", "depends_on": ["a"] }),
            writer("c", &["f"], &json!({ "file": "never.txt" })),
        ],
    );
    spec["auto_rollback"] = json!(false);
    let a = server.post_auth("/api/pipeline/execute", &spec).await;
    assert_eq!(a.body["status"], "failed", "{:#}", a.body);
    assert_eq!(a.body["skipped_nodes"], json!(["c"]));
    let path = format!(
        "/api/pipeline/runs/{}/rollback",
        a.body["run_id"].as_str().unwrap()
    );
    let a = server.post_auth(&path, &json!({})).await;
    assert_eq!(
        a.body["report"]["rolled_back"],
        json!(["a"]),
        "{:#}",
        a.body
    );
    assert_eq!(a.body["warnings"], json!([]), "{:#}", a.body);
    assert!(!server.ws.storage().join("out/half.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_listed_newest_first_and_shown_and_odd_ids_are_not_found() {
    let server = start("", false).await;
    let doc = openapi(&server).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let a = server
            .post("/api/pipeline/dry-run", &two_writers(&format!("list-{i}")))
            .await;
        ids.push(
            a.body["execution_result"]["run_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let list = server.get("/api/pipeline/runs").await;
    assert_eq!(list.status, StatusCode::OK);
    conforms(&doc, "RunList", &list.body);
    assert_eq!(list.body["total"], 3);
    let listed: Vec<&str> = list.body["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(listed, newest_first);
    assert!(
        list.body["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "completed" && r["has_evidence"] == true)
    );
    assert_eq!(
        server.get("/api/pipeline/runs?limit=1").await.body["runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        server.get("/api/pipeline/runs?limit=lots").await.status,
        StatusCode::BAD_REQUEST
    );

    let one = server.get(&format!("/api/pipeline/runs/{}", ids[0])).await;
    assert_eq!(one.status, StatusCode::OK);
    conforms(&doc, "Run", &one.body);
    assert_eq!(one.body["spec"]["graph_id"], "list-0");
    assert_eq!(one.body["nodes"]["b"]["completed"], true);
    for odd in ["run-nope", "..", "run%2F..%2F..%2Fabp.toml", "a%20b"] {
        let a = server.get(&format!("/api/pipeline/runs/{odd}")).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{odd}: {:#}", a.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_generated_and_verified_and_a_changed_field_is_named() {
    let server = start("", false).await;
    let doc = openapi(&server).await;
    let spec = two_writers("evidence");
    let plan = server.post("/api/pipeline/dry-run", &spec).await;
    let result = plan.body["execution_result"].clone();
    let intent = server
        .post(
            "/api/pipeline/intent/resolve",
            &json!({ "vision": "I want a consulting business" }),
        )
        .await
        .body;

    let a = server
        .post(
            "/api/pipeline/evidence/generate",
            &json!({ "execution_result": result, "business_intent": intent, "graph_spec": spec }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    conforms(&doc, "PipelineEvidencePack", &a.body);
    assert_eq!(a.body["run_id"], result["run_id"]);
    assert_eq!(a.body["business_intent"]["intent_id"], intent["intent_id"]);
    let pack = a.body;
    let v = server.post("/api/pipeline/evidence/verify", &pack).await;
    assert_eq!(v.body["valid"], true, "{:#}", v.body);
    assert_eq!(v.body["expected_hash"], v.body["computed_hash"]);

    let mut tampered = pack.clone();
    tampered["execution_result"]["status"] = json!("failed");
    let v = server
        .post("/api/pipeline/evidence/verify", &tampered)
        .await;
    assert_eq!(v.status, StatusCode::OK);
    assert_eq!(v.body["valid"], false);
    assert_eq!(
        v.body["first_mismatch"]["path"], "/execution_result/status",
        "{:#}",
        v.body
    );
    assert_ne!(v.body["expected_hash"], v.body["computed_hash"]);

    // Without `graph_spec`, the run's journal supplies it.
    let a = server
        .post(
            "/api/pipeline/evidence/generate",
            &json!({ "execution_result": result }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);
    assert_eq!(a.body["graph_spec"]["graph_id"], "evidence");

    let mut foreign = result.clone();
    foreign["run_id"] = json!("run-elsewhere");
    let a = server
        .post(
            "/api/pipeline/evidence/generate",
            &json!({ "execution_result": foreign }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["field"], "graph_spec");
    let mut escaping = result.clone();
    escaping["artifacts"] = json!(["/etc/passwd"]);
    let a = server
        .post(
            "/api/pipeline/evidence/generate",
            &json!({ "execution_result": escaping, "graph_spec": spec }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{:#}", a.body);
    assert!(a.body.to_string().contains("/etc/passwd"), "{:#}", a.body);
    let a = server
        .post(
            "/api/pipeline/evidence/generate",
            &json!({ "execution_result": { "run_id": 5 } }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["field"], "execution_result.run_id");
    let a = server
        .post("/api/pipeline/evidence/verify", &json!([1, 2]))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_simultaneous_dry_runs_all_complete_with_their_own_run_ids() {
    const N: usize = 100;
    let server = start_with(
        "",
        false,
        ApiOptions {
            max_concurrent_runs: N,
            ..ApiOptions::default()
        },
    )
    .await;
    // Warm-up: the first run pays for lazy initialization.
    assert_eq!(
        server
            .post("/api/pipeline/dry-run", &two_writers("warm"))
            .await
            .status,
        StatusCode::OK
    );
    let client = client_builder().pool_max_idle_per_host(N).build().unwrap();
    let url = server.url("/api/pipeline/dry-run");
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .json(&two_writers(&format!("load-{i}")))
                    .send()
                    .await
                    .expect("request");
                (i, answer(res).await)
            })
        })
        .collect();
    let mut run_ids = BTreeSet::new();
    for task in tasks {
        let (i, a) = task.await.unwrap();
        assert_eq!(a.status, StatusCode::OK, "run {i}: {:#}", a.body);
        let result = &a.body["execution_result"];
        assert_eq!(result["status"], "completed", "run {i}: {result:#}");
        assert_eq!(
            result["graph_id"],
            format!("load-{i}"),
            "each answer is its own request's"
        );
        assert_eq!(a.body["evidence_pack"]["run_id"], result["run_id"]);
        assert!(
            run_ids.insert(result["run_id"].as_str().unwrap().to_owned()),
            "duplicate run id {}",
            result["run_id"]
        );
    }
    let elapsed = started.elapsed();
    assert_eq!(run_ids.len(), N);
    eprintln!(
        "api load: {N} concurrent dry runs (2 nodes each) in {:.2} s = {:.1} dry runs/s",
        elapsed.as_secs_f64(),
        f64::from(u32::try_from(N).unwrap()) / elapsed.as_secs_f64()
    );
    assert_eq!(
        server.get("/api/pipeline/runs?limit=1000").await.body["total"],
        N + 1
    );
}

#[test]
fn serve_refuses_a_remote_bind_without_allow_remote_and_serves_loopback() {
    let ws = Workspace::new(TEST_POLICY);
    std::fs::create_dir_all(ws.storage()).expect("storage");
    #[cfg(unix)]
    std::os::unix::fs::symlink(shared_cache(), ws.storage().join("cache")).expect("cache link");
    let out = ws.abp(&["serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0") && stderr.contains("--allow-remote"),
        "{stderr}"
    );

    let mut child = std::process::Command::new(abp_bin())
        .current_dir(ws.path())
        .args([
            "--plugins",
            test_plugins(),
            "--no-builtin-plugins",
            "--json",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let base = ready["listening"].as_str().unwrap().to_owned();
    assert_eq!(ready["live_runs"], false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let health = rt.block_on(async {
        answer(
            client()
                .get(format!("{base}/api/health"))
                .send()
                .await
                .unwrap(),
        )
        .await
    });
    assert_eq!(health.status, StatusCode::OK);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM stops the server cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_waits_for_the_runs_in_flight() {
    let mut server = start("", true).await;
    let spec = graph(
        "in-flight",
        &[writer(
            "slow",
            &[],
            &json!({ "file": "slow.txt", "content": "finished", "sleep_ms": 800 }),
        )],
    );
    let res = server
        .client
        .post(server.url("/api/pipeline/execute?wait=false"))
        .bearer_auth(TOKEN)
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let run_id = answer(res).await.body["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.shut_down().await;
    assert_eq!(
        std::fs::read_to_string(server.ws.storage().join("out/slow.txt")).unwrap(),
        "finished",
        "serve returned only after the run finished"
    );
    let journal = std::fs::read_to_string(
        server
            .ws
            .storage()
            .join("runs")
            .join(&run_id)
            .join("journal.jsonl"),
    )
    .unwrap();
    assert!(journal.contains("\"kind\":\"run_finished\""), "{journal}");
}
