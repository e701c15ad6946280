//! A session ties the pieces together for one CLI command or API server: the policy, the
//! plugin registry and the runtime. `prepare` checks a graph against both (every problem at
//! once, before anything runs); `run` and `rollback` hand over to the executor.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::executor::{
    self, ExecutionGraphResult, Prepared, PreparedPlugin, ProgressFn, RollbackReport, RunOptions,
};
use crate::graph::{self, ExecutionGraphSpec};
use crate::journal::{self, RunState};
use crate::plugins::Registry;
use crate::policy::LoadedPolicy;
use crate::runtime::Runtime;

/// How to open a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    pub policy: Option<PathBuf>,
    pub plugin_dirs: Vec<PathBuf>,
    /// Leave out the plugins built into the binary.
    pub no_builtin: bool,
}

pub struct Session {
    pub policy: LoadedPolicy,
    pub registry: Registry,
    pub runtime: Arc<Runtime>,
}

/// Every reason a graph cannot run, found before anything runs.
#[derive(Debug, Clone)]
pub struct PlanProblems(pub Vec<String>);

impl fmt::Display for PlanProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the graph cannot run ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanProblems {}

impl Session {
    pub fn open(opts: &SessionOptions) -> Result<Self> {
        let policy = LoadedPolicy::load(opts.policy.as_deref())?;
        let mut registry = Registry::discover(&opts.plugin_dirs, !opts.no_builtin)?;
        registry.trust = crate::signing::TrustPolicy::from_policy(&policy)?;
        let runtime = Arc::new(Runtime::new(
            Some(policy.cache_dir()),
            Arc::new(crate::http::PolicyGate::new(&policy)),
        )?);
        Ok(Self {
            policy,
            registry,
            runtime,
        })
    }

    /// Loads the plugins the graph uses, resolves their grants, and validates the graph.
    pub async fn prepare(&mut self, spec: ExecutionGraphSpec) -> Result<Prepared> {
        let mut types: Vec<String> = spec.nodes.iter().map(|n| n.node_type.clone()).collect();
        types.sort();
        types.dedup();
        self.registry.load(&self.runtime, Some(&types)).await?;
        self.prepare_loaded(spec)
    }

    /// [`Session::prepare`] for a registry whose plugins are already loaded (see
    /// [`Registry::load_all`]), so that many requests can prepare at once (the API server). A
    /// node type whose plugin is known but not loaded is reported as a problem.
    pub fn prepare_loaded(&self, spec: ExecutionGraphSpec) -> Result<Prepared> {
        let mut types: Vec<String> = spec.nodes.iter().map(|n| n.node_type.clone()).collect();
        types.sort();
        types.dedup();
        let mut problems = Vec::new();
        let mut plugins = BTreeMap::new();
        let mut schemas = BTreeMap::new();
        for (name, plugin) in &self.registry.plugins {
            if let Some(info) = &plugin.info {
                schemas.insert(name.clone(), info.params_schema.clone());
            } else {
                // Known but not loaded: enough to tell "unknown type" from "not used".
                schemas.insert(name.clone(), serde_json::json!({}));
            }
        }
        for name in &types {
            let Some(plugin) = self.registry.get(name) else {
                continue;
            };
            let (Some(info), Some(compiled)) = (&plugin.info, &plugin.compiled) else {
                problems.push(format!(
                    "plugin `{name}` ({}) is not loaded; `abp plugins list` shows why",
                    plugin.origin
                ));
                continue;
            };
            match self.policy.grants_for(&plugin.manifest) {
                Ok(grants) => {
                    plugins.insert(
                        name.clone(),
                        PreparedPlugin {
                            compiled: compiled.clone(),
                            grants: Arc::new(grants),
                            params_schema: info.params_schema.clone(),
                            digest: plugin.digest(),
                        },
                    );
                }
                Err(mut p) => problems.append(&mut p),
            }
        }
        let plan = match graph::validate(&spec, &schemas) {
            Ok(plan) => Some(plan),
            Err(errors) => {
                problems.extend(errors.iter().map(ToString::to_string));
                None
            }
        };
        match plan {
            Some(plan) if problems.is_empty() => Ok(Prepared {
                spec,
                plan,
                plugins,
            }),
            _ => Err(PlanProblems(problems).into()),
        }
    }

    /// Runs a prepared graph, then writes its evidence pack next to the journal; an evidence
    /// failure comes back as [`crate::evidence::EvidenceNotWritten`], which holds the result.
    pub async fn run(&self, prepared: &Prepared, opts: RunOptions) -> Result<ExecutionGraphResult> {
        let intent = opts.intent.clone();
        let result = executor::run(&self.runtime, &self.policy, prepared, opts).await?;
        crate::evidence::record_run(&self.policy, prepared, intent.as_ref(), result)
    }

    /// Rolls back a run from its journal, with the grants the run had (from the journaled
    /// policy) and the plugins available now (a warning names any whose digest changed).
    pub async fn rollback(
        &mut self,
        run_id: &str,
        progress: Option<ProgressFn>,
    ) -> Result<(RollbackReport, Vec<String>)> {
        let dir = self.policy.runs_dir().join(run_id);
        // Without a journal, `rollback_loaded` says so.
        if dir.join(journal::JOURNAL_FILE).is_file() {
            let state = RunState::from_entries(&journal::read(&dir)?)?;
            let mut types: Vec<String> = state
                .nodes
                .values()
                .map(|n| n.node_type.clone())
                .filter(|t| !t.is_empty())
                .collect();
            types.sort();
            types.dedup();
            self.registry.load(&self.runtime, Some(&types)).await?;
        }
        self.rollback_loaded(run_id, progress).await
    }

    /// [`Session::rollback`] for a registry whose plugins are already loaded (the API server).
    pub async fn rollback_loaded(
        &self,
        run_id: &str,
        progress: Option<ProgressFn>,
    ) -> Result<(RollbackReport, Vec<String>)> {
        let runs_dir = self.policy.runs_dir();
        let run_dir = runs_dir.join(run_id);
        if !run_dir.join(journal::JOURNAL_FILE).is_file() {
            anyhow::bail!(
                "no run `{run_id}` under {}; `abp runs` lists the runs",
                runs_dir.display()
            );
        }
        let state = RunState::from_entries(&journal::read(&run_dir)?)?;
        let run_policy =
            LoadedPolicy::from_text(&state.policy_text, &state.policy_origin, &state.policy_base)
                .context("re-reading the policy the run was started with")?;
        let mut types: Vec<String> = state
            .nodes
            .values()
            .map(|n| n.node_type.clone())
            .filter(|t| !t.is_empty())
            .collect();
        types.sort();
        types.dedup();
        let mut warnings = Vec::new();
        let mut plugins = BTreeMap::new();
        for name in &types {
            let Some(plugin) = self.registry.get(name) else {
                warnings.push(format!("no plugin for node type `{name}` is loaded; its nodes cannot be rolled back (add its directory with `--plugins`)"));
                continue;
            };
            if let Some(old) = state.plugins.iter().find(|p| &p.node_type == name)
                && old.wasm_sha256 != plugin.wasm_sha256
            {
                warnings.push(format!(
                    "plugin `{name}` changed since the run (wasm sha256 {} then, {} now); rolling back with the current one",
                    &old.wasm_sha256[..12.min(old.wasm_sha256.len())],
                    &plugin.wasm_sha256[..12]
                ));
            }
            let (Some(info), Some(compiled)) = (&plugin.info, &plugin.compiled) else {
                continue;
            };
            let grants = run_policy
                .grants_for(&plugin.manifest)
                .map_err(|p| anyhow::anyhow!("{}", p.join("; ")))?;
            plugins.insert(
                name.clone(),
                PreparedPlugin {
                    compiled: compiled.clone(),
                    grants: Arc::new(grants),
                    params_schema: info.params_schema.clone(),
                    digest: plugin.digest(),
                },
            );
        }
        let lookup: executor::PluginLookup<'_> = Box::new(move |t: &str| {
            plugins
                .get(t)
                .cloned()
                .with_context(|| format!("no plugin for node type `{t}`"))
        });
        let report =
            executor::rollback_run(&self.runtime, &runs_dir, run_id, lookup, progress).await?;
        Ok((report, warnings))
    }
}
