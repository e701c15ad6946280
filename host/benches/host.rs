//! `cargo bench -p abp-host` (or `just bench`): the host's own costs, side by side in one run,
//! as medians over repeated samples (the machines are shared and noisy; compare ratios):
//! loading a component cold (compile) vs cached (from the on-disk cache), per-invocation
//! overhead (instantiate + describe, instantiate + no-op execute), webgenesis natively and
//! sandboxed, a whole dry run of a small graph through the executor, intent resolution and
//! planning, and ordering a 10,000-node graph.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use abp_host::executor::RunOptions;
use abp_host::graph::{self, ExecutionGraphSpec};
use abp_host::plugins::{Registry, TEST_PLUGIN_DIR};
use abp_host::runtime::{Call, InvokeRequest, Runtime};
use abp_host::session::{Session, SessionOptions};
use serde_json::{Value, json};

fn median(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p90 = samples[(samples.len() * 9 / 10).min(samples.len() - 1)];
    (samples[samples.len() / 2], p90)
}

fn measure<F: FnMut()>(iterations: usize, mut f: F) -> (Duration, Duration) {
    f(); // warm-up
    median(
        (0..iterations)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn fmt(d: Duration) -> String {
    if d.as_micros() < 10_000 {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}

struct Row(String, (Duration, Duration), usize);

struct NoHooks;
impl abp_host::runtime::RunHooks for NoHooks {
    fn log(&self, _: &str, _: abp_host::runtime::Level, _: &str) {}
    fn audit(&self, _: &str, _: &str, _: Value) {}
    fn get_state(&self, _: &str) -> Option<Value> {
        None
    }
    fn set_state(&self, _: &str, _: &str, _: Value) {}
    fn checkpoint(&self, _: &str, _: Value) -> anyhow::Result<()> {
        Ok(())
    }
    fn artifact(&self, _: &str, _: PathBuf) {}
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let cache = tempfile::tempdir().expect("tempdir");
    let policy =
        abp_host::policy::LoadedPolicy::from_text("", "bench", cache.path()).expect("policy");
    let gate: Arc<dyn abp_host::runtime::HttpGate> =
        Arc::new(abp_host::http::PolicyGate::new(&policy));
    let registry = Registry::discover(&[PathBuf::from(TEST_PLUGIN_DIR)], true).expect("plugins");
    let mut rows = Vec::new();

    for name in ["noop", "webgenesis"] {
        let Some(plugin) = registry.get(name) else {
            continue;
        };
        let size = plugin.wasm.len();
        let cold = Runtime::new(None, gate.clone()).expect("runtime");
        rows.push(Row(
            format!("load `{name}` ({} KiB) cold: compile", size / 1024),
            measure(5, || {
                cold.compile(name, &plugin.wasm, &plugin.wasm_sha256)
                    .expect("compile");
            }),
            5,
        ));
        let cached = Runtime::new(Some(cache.path().join(name)), gate.clone()).expect("runtime");
        cached
            .compile(name, &plugin.wasm, &plugin.wasm_sha256)
            .expect("fill cache");
        rows.push(Row(
            format!("load `{name}` cached: from disk"),
            measure(50, || {
                cached
                    .compile(name, &plugin.wasm, &plugin.wasm_sha256)
                    .expect("load");
            }),
            50,
        ));
    }

    let runtime =
        Arc::new(Runtime::new(Some(cache.path().join("rt")), gate.clone()).expect("runtime"));
    let noop = registry.get("noop").expect("noop test plugin");
    let compiled = Arc::new(
        runtime
            .compile("noop", &noop.wasm, &noop.wasm_sha256)
            .expect("compile"),
    );
    rows.push(Row(
        "instantiate + describe (noop)".into(),
        measure(200, || {
            rt.block_on(runtime.describe(&compiled)).expect("describe");
        }),
        200,
    ));
    let grants = Arc::new(abp_host::policy::Grants::empty());
    let hooks: Arc<dyn abp_host::runtime::RunHooks> = Arc::new(NoHooks);
    rows.push(Row(
        "instantiate + no-op execute (noop)".into(),
        measure(200, || {
            rt.block_on(runtime.invoke(InvokeRequest {
                plugin: compiled.clone(),
                call: Call::Execute,
                run_id: "bench".into(),
                graph_id: "bench".into(),
                node_id: "n".into(),
                params: json!({}),
                inputs: Vec::new(),
                dry_run: false,
                grants: grants.clone(),
                hooks: hooks.clone(),
            }))
            .expect("invoke");
        }),
        200,
    ));

    // The same work natively and sandboxed: webgenesis renders and validates a site (its dry
    // run does exactly that, without writing) for each template.
    if let Some(web) = registry.get("webgenesis") {
        let compiled = Arc::new(
            runtime
                .compile("webgenesis", &web.wasm, &web.wasm_sha256)
                .expect("compile"),
        );
        let scratch = tempfile::tempdir().expect("tempdir");
        let mut grants = abp_host::policy::Grants::empty();
        grants.timeout_ms = 30_000;
        grants.memory_mb = 256;
        for mount in ["output", "deploy"] {
            std::fs::create_dir_all(scratch.path().join(mount)).expect("mount dir");
            grants.mounts.push(abp_host::policy::Mount {
                name: mount.into(),
                host_path: scratch.path().join(mount),
                read_only: false,
            });
        }
        let grants = Arc::new(grants);
        for template in [
            abp_node_webgenesis::Template::StaticLanding,
            abp_node_webgenesis::Template::NextjsBusiness,
            abp_node_webgenesis::Template::EcommerceBasic,
        ] {
            let params = abp_node_webgenesis::samples::params(template, "en");
            let name = params["template"].as_str().unwrap_or("?").to_owned();
            rows.push(Row(
                format!("webgenesis `{name}`: native render"),
                measure(50, || {
                    abp_node_webgenesis::render_site(&params).expect("render");
                }),
                50,
            ));
            rows.push(Row(
                format!("webgenesis `{name}`: sandboxed dry run"),
                measure(50, || {
                    rt.block_on(runtime.invoke(InvokeRequest {
                        plugin: compiled.clone(),
                        call: Call::DryRun,
                        run_id: "bench".into(),
                        graph_id: "bench".into(),
                        node_id: "web".into(),
                        params: params.clone(),
                        inputs: Vec::new(),
                        dry_run: true,
                        grants: grants.clone(),
                        hooks: hooks.clone(),
                    }))
                    .expect("dry run");
                }),
                50,
            ));
        }
    }

    // A whole dry run of a 3-node graph through the session (journal, audit, results).
    let ws = tempfile::tempdir().expect("tempdir");
    let policy_path = ws.path().join("abp.toml");
    std::fs::write(
        &policy_path,
        "storage = \"./storage\"\n[plugins.writer]\nmounts = { output = \"out\" }\n",
    )
    .expect("policy");
    let opts = SessionOptions {
        policy: Some(policy_path),
        plugin_dirs: vec![PathBuf::from(TEST_PLUGIN_DIR)],
        no_builtin: false,
    };
    let mut session = Session::open(&opts).expect("session");
    let spec: ExecutionGraphSpec = serde_json::from_value(json!({ "graph_id": "bench", "nodes": [
        { "node_id": "a", "node_type": "writer", "params": { "file": "a.txt" } },
        { "node_id": "b", "node_type": "writer", "depends_on": ["a"], "params": { "file": "b.txt" } },
        { "node_id": "c", "node_type": "noop", "depends_on": ["a"] },
    ]})).expect("spec");
    let prepared = rt.block_on(session.prepare(spec)).expect("prepare");
    rows.push(Row(
        "dry run of a 3-node graph (session)".into(),
        measure(50, || {
            let r = rt
                .block_on(session.run(
                    &prepared,
                    RunOptions {
                        dry_run: true,
                        ..RunOptions::default()
                    },
                ))
                .expect("run");
            assert!(r.success);
        }),
        50,
    ));

    // Intent resolution and planning (pure, no I/O), over a mix of English and German ideas.
    let ideas = [
        "I want a consulting business",
        "An online shop for handmade ceramics with subscriptions for monthly boxes",
        "Wir sind eine Steuerberatungskanzlei in München für kleine Unternehmen",
        "A SaaS platform that helps dental practices schedule appointments",
    ];
    let inputs: Vec<abp_intent::BusinessIntentInput> = ideas
        .iter()
        .map(|v| abp_intent::BusinessIntentInput {
            vision: (*v).to_owned(),
            domain: Some("example.test".to_owned()),
            ..abp_intent::BusinessIntentInput::default()
        })
        .collect();
    rows.push(Row(
        "resolve one intent (mean of 4 ideas)".into(),
        measure(100, || {
            for input in &inputs {
                abp_intent::resolve(input).expect("resolve");
            }
        }),
        100,
    ));
    if let Some(last) = rows.last_mut() {
        last.1 = (last.1.0 / 4, last.1.1 / 4);
    }
    let intents: Vec<_> = inputs
        .iter()
        .map(|i| abp_intent::resolve(i).expect("resolve"))
        .collect();
    let plan_opts = abp_intent::PlanOptions::default();
    rows.push(Row(
        "plan one graph from an intent (mean of 4)".into(),
        measure(100, || {
            for intent in &intents {
                abp_intent::plan(intent, &plan_opts);
            }
        }),
        100,
    ));
    if let Some(last) = rows.last_mut() {
        last.1 = (last.1.0 / 4, last.1.1 / 4);
    }

    // Ordering a 10,000-node graph (validation without params schemas beyond `object`).
    let nodes: Vec<Value> = (0..10_000)
        .map(|i: usize| json!({ "node_id": format!("n{i}"), "node_type": "t", "depends_on": if i == 0 { vec![] } else { vec![format!("n{}", (i * 7919) % i), format!("n{}", i / 2)] } }))
        .collect();
    let spec: ExecutionGraphSpec =
        serde_json::from_value(json!({ "graph_id": "big", "nodes": nodes })).expect("spec");
    let schemas = BTreeMap::from([("t".to_owned(), json!({ "type": "object" }))]);
    rows.push(Row(
        "validate + order a 10,000-node graph".into(),
        measure(20, || {
            graph::validate(&spec, &schemas).expect("valid");
        }),
        20,
    ));

    println!("\n| benchmark | median | p90 | samples |\n|---|---:|---:|---:|");
    for Row(name, (m, p), n) in &rows {
        println!("| {name} | {} | {} | {n} |", fmt(*m), fmt(*p));
    }
    let find = |prefix: &str| {
        rows.iter()
            .find(|r| r.0.starts_with(prefix))
            .map(|r| r.1.0.as_secs_f64())
    };
    if let (Some(cold), Some(cached)) = (find("load `noop` ("), find("load `noop` cached")) {
        println!(
            "\ncached load is {:.0}x faster than compiling `noop`",
            cold / cached
        );
    }
}
