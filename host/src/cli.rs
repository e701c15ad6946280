//! The `abp` command line: argument parsing, human and JSON output, exit codes. Every command
//! takes `--json` for scripts; human output goes to stdout, progress and errors to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use crate::executor::{ExecutionGraphResult, Progress, RunOptions};
use crate::graph::ExecutionGraphSpec;
use crate::journal::{self, RunState};
use crate::session::{PlanProblems, Session, SessionOptions};

mod evidence;
mod intent;
mod keys;
mod plugins_dev;
mod serve;

/// Exit codes scripts can rely on.
pub mod exit {
    /// Everything asked for was done.
    pub const OK: u8 = 0;
    /// The run failed (a node failed); see the result for whether it was rolled back.
    pub const RUN_FAILED: u8 = 1;
    /// Bad input: arguments, graph, policy or plugins; nothing ran.
    pub const INVALID: u8 = 2;
    /// Refused by governance: safe or sovereign mode.
    pub const BLOCKED: u8 = 3;
    /// A rollback left something in place (some node's rollback failed).
    pub const ROLLBACK_FAILED: u8 = 4;
    /// The host itself failed (I/O, journal, internal error).
    pub const HOST_ERROR: u8 = 5;
    /// `abp evidence verify`: the pack does not verify (a field, the audit chain, an artifact
    /// on disk or the signature does not match).
    pub const VERIFY_FAILED: u8 = 6;
}

#[derive(Debug, Parser)]
#[command(
    name = "abp",
    version,
    about = "Turn a business idea into a website, DNS records and an Odoo module, every step a sandboxed WebAssembly component"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Policy file (default: ./abp.toml if present, else the embedded default)
    #[arg(long, global = true, env = "ABP_POLICY")]
    pub policy: Option<PathBuf>,
    /// Plugin directory with NAME.wasm + NAME.toml pairs (repeatable; added to the built-in plugins)
    #[arg(long = "plugins", global = true, value_name = "DIR")]
    pub plugin_dirs: Vec<PathBuf>,
    /// Do not use the plugins built into this binary
    #[arg(long, global = true)]
    pub no_builtin_plugins: bool,
    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Show the nodes' log lines while running
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resolve a business idea into an intent, with the words that decided each field
    Resolve {
        /// The idea, e.g. "I want a consulting business"
        vision: String,
        #[command(flatten)]
        idea: intent::IdeaArgs,
    },
    /// Dry-run a graph (FILE) or an idea (--idea): show every node's plan; changes nothing
    Plan {
        /// Graph spec (JSON or TOML)
        #[arg(required_unless_present = "vision", conflicts_with = "vision")]
        file: Option<PathBuf>,
        /// Plan a business idea instead of a graph file
        #[arg(long = "idea", value_name = "IDEA")]
        vision: Option<String>,
        #[command(flatten)]
        idea: intent::IdeaArgs,
    },
    /// The main job: resolve an idea, plan it, show the plan, apply it live
    Run {
        /// The idea, e.g. "I want a consulting business"
        vision: String,
        #[command(flatten)]
        idea: intent::IdeaArgs,
    },
    /// Run a graph live
    Apply {
        /// Graph spec (JSON or TOML)
        file: PathBuf,
    },
    /// Undo a live run from its journal, in reverse completion order
    Rollback { run_id: String },
    /// List runs, or show one
    Runs {
        #[command(subcommand)]
        command: Option<RunsCommand>,
    },
    /// List, inspect, scaffold, build, sign and verify plugins
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
    /// Show a run's evidence pack, or verify one offline
    Evidence {
        #[command(subcommand)]
        command: evidence::EvidenceCommand,
    },
    /// Keys for signing evidence packs
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Serve the HTTP API (loopback only unless `--allow-remote`)
    Serve(serve::ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Runs, newest first
    List,
    /// One run: its nodes, status and what is left to roll back
    Show { run_id: String },
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// The plugins available, with their origin and digest
    List,
    /// One plugin: node info, params schema, requested capabilities, digest
    Inspect { name: String },
    /// For node authors: `new`, `build`, `sign`, `verify`
    #[command(flatten)]
    Dev(plugins_dev::DevCommand),
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub error: anyhow::Error,
}

/// Runs the CLI; returns the exit code (errors are printed here).
pub fn main_with(cli: Cli) -> u8 {
    let threads = std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .max(2)
        + 1;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return exit::HOST_ERROR;
        }
    };
    let json = cli.global.json;
    match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(err) => {
            let code = classify(&err);
            if json {
                let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
                println!(
                    "{}",
                    json!({ "error": chain.first(), "causes": &chain[1..], "exit_code": code })
                );
            } else {
                eprintln!("error: {err}");
                for cause in err.chain().skip(1) {
                    eprintln!("  caused by: {cause}");
                }
            }
            code
        }
    }
}

fn classify(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<PlanProblems>().is_some() {
        return exit::INVALID;
    }
    if err
        .downcast_ref::<crate::evidence::EvidenceNotWritten>()
        .is_some()
    {
        return exit::HOST_ERROR;
    }
    let text = err.to_string();
    if text.contains("SAFE MODE") || text.contains("SOVEREIGN MODE") {
        return exit::BLOCKED;
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<std::io::Error>().is_some())
        && !text.contains("reading graph")
        && !text.contains("reading policy")
    {
        return exit::HOST_ERROR;
    }
    exit::INVALID
}

async fn dispatch(cli: Cli) -> Result<u8> {
    let g = &cli.global;
    let opts = SessionOptions {
        policy: g.policy.clone(),
        plugin_dirs: g.plugin_dirs.clone(),
        no_builtin: g.no_builtin_plugins,
    };
    match &cli.command {
        Command::Resolve { vision, idea } => intent::resolve(g, vision, idea),
        Command::Plan {
            file: Some(file), ..
        } => {
            let spec = ExecutionGraphSpec::from_file(file)?;
            run_graph(g, &opts, spec, true).await
        }
        Command::Plan {
            file: None,
            vision,
            idea,
        } => intent::plan(g, &opts, vision.as_deref().unwrap_or_default(), idea).await,
        Command::Run { vision, idea } => intent::run(g, &opts, vision, idea).await,
        Command::Apply { file } => {
            let spec = ExecutionGraphSpec::from_file(file)?;
            run_graph(g, &opts, spec, false).await
        }
        Command::Rollback { run_id } => rollback(g, &opts, run_id).await,
        Command::Runs { command } => runs(g, &opts, command.as_ref().unwrap_or(&RunsCommand::List)),
        Command::Plugins {
            command: PluginsCommand::Dev(command),
        } => plugins_dev::run(g, &opts, command),
        Command::Plugins { command } => plugins(g, &opts, command).await,
        Command::Serve(args) => serve::run(g, &opts, args).await,
        Command::Evidence { command } => evidence::run(g, &opts, command),
        Command::Keys { command } => keys::run(g, command),
    }
}

fn progress_printer(verbose: bool) -> crate::executor::ProgressFn {
    Arc::new(move |p: &Progress| {
        let line = match p {
            Progress::NodeStarted { node_id, node_type } => {
                format!("  ... {node_id} ({node_type}) started")
            }
            Progress::NodeFinished {
                node_id,
                status,
                duration_ms,
                error,
            } => match error {
                None => format!("  ok  {node_id} {status} in {duration_ms} ms"),
                Some(e) => format!("  ERR {node_id} failed after {duration_ms} ms: {e}"),
            },
            Progress::NodeSkipped { node_id, reason } => {
                format!("  --  {node_id} skipped: {reason}")
            }
            Progress::RollbackStarted { reason } => format!("  rolling back ({reason})"),
            Progress::NodeRolledBack {
                node_id,
                error: None,
            } => format!("  <-  {node_id} rolled back"),
            Progress::NodeRolledBack {
                node_id,
                error: Some(e),
            } => format!("  ERR {node_id} rollback failed: {e}"),
            Progress::Log {
                node_id,
                level,
                message,
            } => {
                if !verbose {
                    return;
                }
                format!("      [{node_id}] {level}: {message}")
            }
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    })
}

/// Shared by `plan`, `apply` and `run`: prepare, run, print, map to an exit code.
pub async fn run_graph(
    g: &Global,
    opts: &SessionOptions,
    spec: ExecutionGraphSpec,
    dry_run: bool,
) -> Result<u8> {
    let mut session = Session::open(opts)?;
    let prepared = session.prepare(spec).await?;
    if !g.json {
        let what = if dry_run { "dry run" } else { "live run" };
        eprintln!(
            "abp: graph `{}`: {} node{} ({what}, policy: {}, mode: {})",
            prepared.spec.graph_id,
            prepared.spec.nodes.len(),
            if prepared.spec.nodes.len() == 1 {
                ""
            } else {
                "s"
            },
            session.policy.origin,
            session.policy.policy.mode.as_str()
        );
    }
    let progress = if g.json {
        None
    } else {
        Some(progress_printer(g.verbose))
    };
    let result = session
        .run(
            &prepared,
            RunOptions {
                dry_run,
                intent: None,
                progress,
                run_id: None,
            },
        )
        .await?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_result(&result, &session.policy.runs_dir());
    }
    Ok(result_code(&result))
}

pub fn result_code(result: &ExecutionGraphResult) -> u8 {
    match result.status.as_str() {
        "completed" => exit::OK,
        "rollback_failed" => exit::ROLLBACK_FAILED,
        _ => exit::RUN_FAILED,
    }
}

/// The human summary of a run: every node with its status and (shortened) output.
pub fn print_result(result: &ExecutionGraphResult, runs_dir: &std::path::Path) {
    let mut out = String::new();
    out.push('\n');
    for id in &result.execution_order {
        let Some(r) = result.node_results.get(id) else {
            continue;
        };
        let mark = match r.status.as_str() {
            "completed" if result.dry_run => "~",
            "completed" => "+",
            "rolled_back" => "<",
            "skipped" => "-",
            _ => "!",
        };
        out.push_str(&format!("{mark} {id} ({}): {}\n", r.node_type, r.status));
        if let Some(output) = &r.output {
            for line in summarize(output, 2).lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
        if let Some(e) = &r.error {
            out.push_str(&format!("      {}: {}\n", e.kind, e.message));
        }
    }
    let n = result.node_results.len();
    let headline = match (result.dry_run, result.status.as_str()) {
        (true, "completed") => format!("Plan: {n} node(s) would run. Nothing was changed."),
        (true, _) => format!(
            "Plan failed: {}. Nothing was changed.",
            result.error.clone().unwrap_or_default()
        ),
        (false, "completed") => format!(
            "Apply complete: {} node(s) completed in {} ms.",
            result.completed_nodes.len(),
            result.duration_ms
        ),
        (false, "rolled_back") => format!(
            "Apply failed and was rolled back: {}. {} node(s) undone.",
            result.error.clone().unwrap_or_default(),
            result.rolled_back_nodes.len()
        ),
        (false, _) => format!(
            "Apply failed: {}.",
            result.error.clone().unwrap_or_default()
        ),
    };
    out.push_str(&format!("\n{headline}\n"));
    out.push_str(&format!(
        "Run id: {}  (journal: {})\n",
        result.run_id,
        runs_dir
            .join(&result.run_id)
            .join(journal::JOURNAL_FILE)
            .display()
    ));
    let evidence = runs_dir.join(&result.run_id).join("evidence.json");
    if evidence.is_file() {
        out.push_str(&format!(
            "Evidence: {}  (check it: abp evidence verify {})\n",
            evidence.display(),
            result.run_id
        ));
    }
    if !result.dry_run && result.status == "completed" {
        out.push_str(&format!("To undo it: abp rollback {}\n", result.run_id));
    }
    print!("{out}");
}

/// A few lines of JSON: strings shortened, arrays and objects cut after a few items.
fn summarize(value: &Value, depth: usize) -> String {
    fn shorten(v: &Value, depth: usize) -> Value {
        match v {
            Value::String(s) if s.chars().count() > 100 => Value::String(format!(
                "{}... ({} chars)",
                s.chars().take(80).collect::<String>(),
                s.chars().count()
            )),
            Value::Array(items) if depth == 0 => Value::String(format!("[{} items]", items.len())),
            Value::Object(map) if depth == 0 => Value::String(format!("{{{} fields}}", map.len())),
            Value::Array(items) => {
                let mut out: Vec<Value> = items
                    .iter()
                    .take(8)
                    .map(|i| shorten(i, depth - 1))
                    .collect();
                if items.len() > 8 {
                    out.push(Value::String(format!("... {} more", items.len() - 8)));
                }
                Value::Array(out)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), shorten(v, depth - 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&shorten(value, depth + 1)).unwrap_or_default()
}

async fn rollback(g: &Global, opts: &SessionOptions, run_id: &str) -> Result<u8> {
    let mut session = Session::open(opts)?;
    let progress = if g.json {
        None
    } else {
        Some(progress_printer(g.verbose))
    };
    let (report, warnings) = session.rollback(run_id, progress).await?;
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "report": report, "warnings": warnings }))?
        );
    } else {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        if report.dry_run {
            println!("Nothing to undo: {run_id} was a dry run (a plan) and changed nothing.");
        } else if report.nothing_to_do {
            println!(
                "Nothing left to undo for {run_id}: every change it made is already rolled back (or it changed nothing)."
            );
        } else if report.failed.is_empty() {
            println!(
                "Rolled back {run_id}: {} node(s) undone ({}).",
                report.rolled_back.len(),
                report.rolled_back.join(", ")
            );
        } else {
            println!(
                "Rollback of {run_id} incomplete: {} undone, {} failed; fix the cause and run `abp rollback {run_id}` again.",
                report.rolled_back.len(),
                report.failed.len()
            );
        }
    }
    Ok(if report.failed.is_empty() {
        exit::OK
    } else {
        exit::ROLLBACK_FAILED
    })
}

fn runs(g: &Global, opts: &SessionOptions, command: &RunsCommand) -> Result<u8> {
    let policy = crate::policy::LoadedPolicy::load(opts.policy.as_deref())?;
    let runs_dir = policy.runs_dir();
    match command {
        RunsCommand::List => {
            let mut rows = Vec::new();
            for id in journal::list_runs(&runs_dir)? {
                let state =
                    journal::read(&runs_dir.join(&id)).and_then(|e| RunState::from_entries(&e));
                rows.push(match state {
                    Ok(s) => json!({
                        "run_id": id, "started_at": s.started_at, "dry_run": s.dry_run, "status": s.status,
                        "graph_id": s.spec.get("graph_id"), "nodes": s.nodes.len(),
                        "pending_rollback": s.pending_rollback().len(),
                    }),
                    Err(e) => json!({ "run_id": id, "status": "unreadable", "error": format!("{e:#}") }),
                });
            }
            if g.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("No runs under {}.", runs_dir.display());
            } else {
                println!(
                    "{:<34} {:<24} {:<8} {:<16} GRAPH",
                    "RUN", "STARTED", "KIND", "STATUS"
                );
                for r in rows {
                    println!(
                        "{:<34} {:<24} {:<8} {:<16} {}",
                        r["run_id"].as_str().unwrap_or_default(),
                        r["started_at"].as_str().unwrap_or_default(),
                        if r["dry_run"].as_bool().unwrap_or(false) {
                            "plan"
                        } else {
                            "apply"
                        },
                        r["status"].as_str().unwrap_or_default(),
                        r["graph_id"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        RunsCommand::Show { run_id } => {
            let dir = runs_dir.join(run_id);
            let state = RunState::from_entries(
                &journal::read(&dir)
                    .with_context(|| format!("run `{run_id}`; `abp runs` lists the runs"))?,
            )?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&state)?);
            } else {
                println!(
                    "Run {} ({}), started {}",
                    state.run_id,
                    if state.dry_run { "plan" } else { "apply" },
                    state.started_at
                );
                println!(
                    "Status: {}   policy: {} ({})",
                    state.status,
                    state.policy_origin,
                    &state.policy_digest[..12.min(state.policy_digest.len())]
                );
                for (id, n) in &state.nodes {
                    let status = if n.rolled_back {
                        "rolled back"
                    } else if n.completed {
                        "completed"
                    } else if n.failed {
                        "failed"
                    } else if n.skipped {
                        "skipped"
                    } else {
                        "interrupted"
                    };
                    println!("  {id} ({}): {status}", n.node_type);
                    if let Some(e) = &n.error {
                        println!("      error: {e}");
                    }
                }
                let pending = state.pending_rollback();
                if !pending.is_empty() && !state.dry_run {
                    println!(
                        "{} node(s) can be rolled back: abp rollback {}",
                        pending.len(),
                        state.run_id
                    );
                }
            }
        }
    }
    Ok(exit::OK)
}

async fn plugins(g: &Global, opts: &SessionOptions, command: &PluginsCommand) -> Result<u8> {
    let mut session = Session::open(opts)?;
    let names: Option<Vec<String>> = match command {
        PluginsCommand::List => None,
        // `dispatch` routes these before a session is opened.
        PluginsCommand::Dev(command) => return plugins_dev::run(g, opts, command),
        PluginsCommand::Inspect { name } => {
            if session.registry.get(name).is_none() {
                anyhow::bail!(
                    "no plugin `{name}` (available: {}); add its directory with `--plugins DIR`",
                    session
                        .registry
                        .plugins
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Some(vec![name.clone()])
        }
    };
    let failures = match &names {
        Some(_) => {
            session
                .registry
                .load(&session.runtime, names.as_deref())
                .await?;
            std::collections::BTreeMap::new()
        }
        None => session.registry.load_all(&session.runtime).await,
    };
    let describe = |p: &crate::plugins::Plugin| {
        json!({
            "error": failures.get(p.name()),
            "node_type": p.name(),
            "version": p.manifest.plugin.version,
            "origin": p.origin,
            "wasm_sha256": p.wasm_sha256,
            "manifest_sha256": p.manifest_sha256,
            "description": p.info.as_ref().map(|i| i.description.clone()),
            "rollback": p.info.as_ref().map(|i| i.rollback),
            "requests": p.manifest.requests,
            "limits": p.manifest.limits,
            "signature": p.signature,
            "params_schema": p.info.as_ref().map(|i| i.params_schema.clone()),
            "grants": session.policy.grants_for(&p.manifest).map_or_else(
                |problems| json!({ "refused": problems }),
                |g| json!({
                    "mounts": g.mounts, "egress": g.policy_egress, "secrets": g.secrets.keys().collect::<Vec<_>>(),
                    "memory_mb": g.memory_mb, "timeout_ms": g.timeout_ms,
                }),
            ),
        })
    };
    match command {
        PluginsCommand::List => {
            let rows: Vec<Value> = session.registry.plugins.values().map(describe).collect();
            if g.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<14} {:<9} {:<14} {:<14} DESCRIPTION",
                    "NODE TYPE", "VERSION", "ROLLBACK", "SHA256"
                );
                for r in &rows {
                    println!(
                        "{:<14} {:<9} {:<14} {:<14} {}",
                        r["node_type"].as_str().unwrap_or_default(),
                        r["version"].as_str().unwrap_or_default(),
                        r["rollback"].as_str().unwrap_or_default(),
                        &r["wasm_sha256"].as_str().unwrap_or_default()[..12],
                        r["description"]
                            .as_str()
                            .or(r["error"]
                                .as_str()
                                .map(|e| e.split(':').next().unwrap_or(e)))
                            .unwrap_or_default()
                    );
                    if let Some(e) = r["error"].as_str() {
                        println!("    error: {e}");
                    }
                }
            }
        }
        PluginsCommand::Dev(_) => {}
        PluginsCommand::Inspect { name } => {
            let row = session.registry.get(name).map(describe).unwrap_or_default();
            if g.json {
                println!("{}", serde_json::to_string_pretty(&row)?);
            } else {
                println!(
                    "{} {} ({})",
                    row["node_type"].as_str().unwrap_or_default(),
                    row["version"].as_str().unwrap_or_default(),
                    row["origin"].as_str().unwrap_or_default()
                );
                println!("  {}", row["description"].as_str().unwrap_or_default());
                println!(
                    "  rollback:      {}",
                    row["rollback"].as_str().unwrap_or_default()
                );
                println!(
                    "  wasm sha256:   {}",
                    row["wasm_sha256"].as_str().unwrap_or_default()
                );
                println!("  requests:      {}", row["requests"]);
                println!("  limits:        {}", row["limits"]);
                println!("  grants:        {}", row["grants"]);
                println!(
                    "  params schema:\n{}",
                    serde_json::to_string_pretty(&row["params_schema"])?
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
    }
    Ok(exit::OK)
}
