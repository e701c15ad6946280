//! The sandbox: one wasmtime engine, compiled components cached on disk, and one fresh store
//! per invocation with only what the policy granted: the plugin's mounts (read-only in a dry
//! run), no sockets, no name lookup, no host environment, stdout and stderr captured into the
//! run's log, a wall-clock deadline (epoch interruption plus an async timeout for time spent
//! blocked in the host), a memory cap and an output-size cap.
//!
//! Invariant: a node that traps, loops, or exceeds a limit becomes an [`InvokeError`]; nothing a
//! component does can take the host down.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::policy::Grants;

wasmtime::component::bindgen!({
    world: "node",
    path: "../wit",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use abp::node::host::Level;
use abp::node::http as wit_http;
use abp::node::types::{Invocation as WitInvocation, NodeError as WitNodeError, RollbackSupport};

/// The WIT package this host implements.
pub const WIT_PACKAGE: &str = "abp:node";
/// Its version; components built against another major (for 0.x: minor) version are refused.
pub const WIT_VERSION: &str = "0.1.0";

/// How often the epoch advances; deadlines are whole ticks.
const EPOCH_TICK: Duration = Duration::from_millis(5);
/// Caps on what a node may pass through one host call, so a hostile node cannot flood the
/// journal or the host's memory through the imports.
const MAX_LOG_LINE: usize = 16 * 1024;
const MAX_HOST_VALUE: usize = 1024 * 1024;
const MAX_STDIO: usize = 1024 * 1024;

/// Hooks through which a running node reaches its run (journal, audit trail, shared state).
pub trait RunHooks: Send + Sync {
    fn log(&self, node_id: &str, level: Level, message: &str);
    fn audit(&self, node_id: &str, event_type: &str, data: Value);
    fn get_state(&self, key: &str) -> Option<Value>;
    fn set_state(&self, node_id: &str, key: &str, value: Value);
    /// Must be durable when it returns.
    fn checkpoint(&self, node_id: &str, receipt: Value) -> Result<()>;
    fn artifact(&self, node_id: &str, host_path: PathBuf);
}

/// Performs a node's HTTP request under the policy (see `http.rs`).
pub trait HttpGate: Send + Sync {
    fn send(
        &self,
        call: &CallInfo,
        request: wit_http::Request,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<wit_http::Response, wit_http::HttpError>> + Send + '_>,
    >;
}

/// What the HTTP gate needs to know about the calling node.
#[derive(Clone)]
pub struct CallInfo {
    pub plugin: String,
    pub node_id: String,
    pub dry_run: bool,
    pub grants: Arc<Grants>,
    /// The run's hooks, so the gate can audit and log requests.
    pub hooks: Arc<dyn RunHooks>,
}

pub use abp::node::http::{
    HttpError as WitHttpError, Request as WitRequest, Response as WitResponse, SecretPlacement,
};

/// Why an invocation did not return a node output.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The node returned a `node-error`.
    #[error("{kind}: {message}")]
    Node { kind: &'static str, message: String },
    #[error("exceeded its time limit of {0} ms")]
    Timeout(u64),
    #[error("exceeded its memory limit of {0} MiB")]
    Memory(u64),
    #[error("returned {0} bytes of output and receipt, over the cap of {1} bytes")]
    OutputTooLarge(usize, usize),
    #[error("trapped: {0}")]
    Trap(String),
    #[error("{0}")]
    Host(String),
}

impl InvokeError {
    /// A short machine-readable kind for results and exit codes.
    pub fn kind(&self) -> &'static str {
        match self {
            InvokeError::Node { kind, .. } => kind,
            InvokeError::Timeout(_) => "timeout",
            InvokeError::Memory(_) => "memory-limit",
            InvokeError::OutputTooLarge(..) => "output-too-large",
            InvokeError::Trap(_) => "trap",
            InvokeError::Host(_) => "host-error",
        }
    }
}

/// What `describe` returned.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NodeInfo {
    pub node_type: String,
    pub version: String,
    pub description: String,
    pub rollback: &'static str,
    pub params_schema: Value,
}

/// A node's successful output.
#[derive(Debug, Clone)]
pub struct NodeOutput {
    pub output: Value,
    pub receipt: Value,
}

/// Which export to call.
#[derive(Debug, Clone)]
pub enum Call {
    DryRun,
    Execute,
    Rollback(Value),
}

/// Everything one invocation needs.
pub struct InvokeRequest {
    pub plugin: Arc<CompiledPlugin>,
    pub call: Call,
    pub run_id: String,
    pub graph_id: String,
    pub node_id: String,
    pub params: Value,
    pub inputs: Vec<(String, Value)>,
    pub dry_run: bool,
    pub grants: Arc<Grants>,
    pub hooks: Arc<dyn RunHooks>,
}

/// A compiled, linked component, ready to instantiate.
pub struct CompiledPlugin {
    pub name: String,
    pre: NodePre<StoreState>,
}

/// The engine, the linker and the on-disk cache of compiled components.
pub struct Runtime {
    engine: Engine,
    linker: Linker<StoreState>,
    cache_dir: Option<PathBuf>,
    engine_hash: String,
    http: Arc<dyn HttpGate>,
}

impl Runtime {
    /// One engine per process. `cache_dir` holds compiled components (`None`: no disk cache).
    pub fn new(cache_dir: Option<PathBuf>, http: Arc<dyn HttpGate>) -> Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.max_wasm_stack(1 << 20);
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Node::add_to_linker::<StoreState, HasSelf<StoreState>>(&mut linker, |s| s)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = format!("{:016x}", hasher.finish());
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("abp-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;
        Ok(Self {
            engine,
            linker,
            cache_dir,
            engine_hash,
            http,
        })
    }

    /// Compiles `wasm` (or loads it from the cache, keyed by its SHA-256 and the engine's
    /// compatibility hash), checks that it is an `abp:node` component of a compatible version,
    /// and links it. `name` is used in errors.
    pub fn compile(&self, name: &str, wasm: &[u8], sha256: &str) -> Result<CompiledPlugin> {
        let component = self
            .component(wasm, sha256)
            .with_context(|| format!("plugin `{name}`: compiling"))?;
        check_interface(name, &component, &self.engine)?;
        let instance_pre = self.linker.instantiate_pre(&component).map_err(|e| {
            anyhow!("plugin `{name}` does not fit the `abp:node/node` world: {e:#}")
        })?;
        let pre = NodePre::new(instance_pre).map_err(|e| {
            anyhow!("plugin `{name}` does not export `abp:node/execution-node@{WIT_VERSION}` as this host expects: {e:#}")
        })?;
        Ok(CompiledPlugin {
            name: name.to_owned(),
            pre,
        })
    }

    /// Whether a compiled copy of this wasm is in the cache.
    pub fn is_cached(&self, sha256: &str) -> bool {
        self.cache_path(sha256).is_some_and(|p| p.is_file())
    }

    fn cache_path(&self, sha256: &str) -> Option<PathBuf> {
        self.cache_dir
            .as_ref()
            .map(|d| d.join(format!("{sha256}-{}.cwasm", self.engine_hash)))
    }

    fn component(&self, wasm: &[u8], sha256: &str) -> Result<Component> {
        let Some(path) = self.cache_path(sha256) else {
            return Ok(Component::new(&self.engine, wasm)?);
        };
        if path.is_file() {
            // SAFETY: the file was written by `Component::serialize` of this engine
            // configuration (its name carries the wasm's SHA-256 and the engine's compatibility
            // hash) into the storage cache, which only the operator can write. Wasmtime also
            // checks the engine compatibility header before using it.
            #[allow(
                unsafe_code,
                reason = "loading our own precompiled artifact; see SAFETY above"
            )]
            let loaded = unsafe { Component::deserialize_file(&self.engine, &path) };
            match loaded {
                Ok(component) => return Ok(component),
                Err(_) => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let component = Component::new(&self.engine, wasm)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating cache {}", dir.display()))?;
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, component.serialize()?)
                .with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(component)
    }

    /// Calls `describe` in a store with nothing granted.
    pub async fn describe(&self, plugin: &CompiledPlugin) -> Result<NodeInfo> {
        let grants = Arc::new(Grants::empty());
        let mut store = self.store(
            plugin,
            "describe",
            false,
            &grants,
            Arc::new(NoHooks),
            10_000,
        )?;
        let fut = async {
            let node = plugin.pre.instantiate_async(&mut store).await?;
            node.abp_node_execution_node()
                .call_describe(&mut store)
                .await
        };
        let info = tokio::time::timeout(Duration::from_secs(10), fut)
            .await
            .map_err(|_| {
                anyhow!(
                    "plugin `{}`: `describe` did not return within 10 s",
                    plugin.name
                )
            })?
            .map_err(|e| {
                anyhow!(
                    "plugin `{}`: `describe` failed: {}",
                    plugin.name,
                    root_message(&e)
                )
            })?;
        let params_schema: Value =
            serde_json::from_str(&info.params_schema).with_context(|| {
                format!(
                    "plugin `{}`: `describe` returned a params schema that is not JSON",
                    plugin.name
                )
            })?;
        if let Err(e) = jsonschema::validator_for(&params_schema) {
            bail!(
                "plugin `{}`: its params schema is not a valid JSON Schema: {e}",
                plugin.name
            );
        }
        Ok(NodeInfo {
            node_type: info.node_type,
            version: info.version,
            description: info.description,
            rollback: match info.rollback {
                RollbackSupport::None => "none",
                RollbackSupport::Compensating => "compensating",
            },
            params_schema,
        })
    }

    fn store(
        &self,
        plugin: &CompiledPlugin,
        node_id: &str,
        dry_run: bool,
        grants: &Arc<Grants>,
        hooks: Arc<dyn RunHooks>,
        timeout_ms: u64,
    ) -> Result<Store<StoreState>> {
        let stdout = MemoryOutputPipe::new(MAX_STDIO);
        let stderr = MemoryOutputPipe::new(MAX_STDIO);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let mut scratch = Vec::new();
        for mount in &grants.mounts {
            let guest = format!("/mnt/{}", mount.name);
            let perms = if dry_run || mount.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            let host = if mount.host_path.is_dir() {
                mount.host_path.clone()
            } else if dry_run {
                // A dry run must not create the folder; the node sees an empty read-only one.
                let dir = tempfile::tempdir().context("creating a scratch mount")?;
                let path = dir.path().to_owned();
                scratch.push(dir);
                path
            } else {
                std::fs::create_dir_all(&mount.host_path).with_context(|| {
                    format!(
                        "creating mount `{}` at {}",
                        mount.name,
                        mount.host_path.display()
                    )
                })?;
                mount.host_path.clone()
            };
            wasi.preopened_dir(&host, &guest, perms)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("opening mount `{}` at {}", mount.name, host.display()))?;
        }
        let state = StoreState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(grants.memory_mb),
            call: CallInfo {
                plugin: plugin.name.clone(),
                node_id: node_id.to_owned(),
                dry_run,
                grants: grants.clone(),
                hooks: hooks.clone(),
            },
            hooks,
            http: self.http.clone(),
            stdout,
            stderr,
            _scratch: scratch,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(ticks(timeout_ms));
        store.epoch_deadline_trap();
        Ok(store)
    }

    /// Runs one export of one node under its grants and limits.
    pub async fn invoke(&self, req: InvokeRequest) -> Result<NodeOutput, InvokeError> {
        let grants = req.grants.clone();
        let timeout_ms = grants.timeout_ms;
        let mut store = self
            .store(
                &req.plugin,
                &req.node_id,
                req.dry_run,
                &grants,
                req.hooks.clone(),
                timeout_ms,
            )
            .map_err(|e| InvokeError::Host(format!("{e:#}")))?;
        let invocation = WitInvocation {
            run_id: req.run_id.clone(),
            graph_id: req.graph_id.clone(),
            node_id: req.node_id.clone(),
            params: req.params.to_string(),
            inputs: req
                .inputs
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            config: grants.config.to_string(),
        };
        let call = req.call.clone();
        let fut = async {
            let node = req.plugin.pre.instantiate_async(&mut store).await?;
            let guest = node.abp_node_execution_node();
            Ok::<_, wasmtime::Error>(match &call {
                Call::DryRun => guest.call_dry_run(&mut store, &invocation).await?.map(Some),
                Call::Execute => guest.call_execute(&mut store, &invocation).await?.map(Some),
                Call::Rollback(receipt) => guest
                    .call_rollback(&mut store, &invocation, &receipt.to_string())
                    .await?
                    .map(|()| None),
            })
        };
        // The epoch deadline stops a node that computes; this timeout also stops one that is
        // blocked in the host (a WASI sleep, a slow request). The margin lets the trap win
        // when both apply, so the reason is the same either way.
        let outcome = tokio::time::timeout(Duration::from_millis(timeout_ms + 250), fut).await;
        let hooks = req.hooks.clone();
        forward_stdio(&store, &req.node_id, &*hooks);
        let stderr_tail = last_line(&store.data().stderr.contents());
        let memory_hit = store.data().limiter.hit;
        let result = match outcome {
            Err(_) => return Err(InvokeError::Timeout(timeout_ms)),
            Ok(Err(e)) => {
                return Err(classify(
                    &e,
                    timeout_ms,
                    memory_hit.then_some(grants.memory_mb),
                    stderr_tail,
                ));
            }
            Ok(Ok(r)) => r,
        };
        match result {
            Err(e) => Err(match e {
                WitNodeError::InvalidParams(m) => InvokeError::Node {
                    kind: "invalid-params",
                    message: m,
                },
                WitNodeError::Denied(m) => InvokeError::Node {
                    kind: "denied",
                    message: m,
                },
                WitNodeError::Failed(m) => InvokeError::Node {
                    kind: "failed",
                    message: m,
                },
                WitNodeError::Unavailable(m) => InvokeError::Node {
                    kind: "unavailable",
                    message: m,
                },
            }),
            Ok(None) => Ok(NodeOutput {
                output: Value::Null,
                receipt: Value::Null,
            }),
            Ok(Some(out)) => {
                let size = out.output.len() + out.receipt.len();
                if size > grants.max_output_bytes {
                    return Err(InvokeError::OutputTooLarge(size, grants.max_output_bytes));
                }
                let parse = |what: &str, text: &str| {
                    serde_json::from_str::<Value>(text).map_err(|e| InvokeError::Node {
                        kind: "failed",
                        message: format!("the node returned {what} that is not JSON: {e}"),
                    })
                };
                Ok(NodeOutput {
                    output: parse("an output", &out.output)?,
                    receipt: parse("a receipt", &out.receipt)?,
                })
            }
        }
    }
}

fn ticks(timeout_ms: u64) -> u64 {
    let tick = u64::try_from(EPOCH_TICK.as_millis()).unwrap_or(1).max(1);
    timeout_ms.div_ceil(tick).max(1)
}

fn classify(
    err: &wasmtime::Error,
    timeout_ms: u64,
    memory_mb: Option<u64>,
    stderr_tail: Option<String>,
) -> InvokeError {
    if let Some(mb) = memory_mb {
        return InvokeError::Memory(mb);
    }
    if let Some(Trap::Interrupt) = err.downcast_ref::<Trap>() {
        return InvokeError::Timeout(timeout_ms);
    }
    if err.downcast_ref::<Trap>().is_some() {
        let mut message = root_message(err);
        if let Some(tail) = stderr_tail {
            message.push_str(&format!(" (stderr: {tail})"));
        }
        return InvokeError::Trap(message);
    }
    InvokeError::Host(format!("{err:#}"))
}

fn root_message(err: &wasmtime::Error) -> String {
    err.downcast_ref::<Trap>()
        .map_or_else(|| format!("{:#}", err.root_cause()), ToString::to_string)
}

/// The end of what a node wrote to stderr (a panic message, typically), without Rust's
/// backtrace hint.
fn last_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let tail = lines[lines.len().saturating_sub(2)..].join(" ");
    (!tail.is_empty()).then(|| tail.chars().take(400).collect())
}

fn forward_stdio(store: &Store<StoreState>, node_id: &str, hooks: &dyn RunHooks) {
    for (stream, level) in [
        (&store.data().stdout, Level::Info),
        (&store.data().stderr, Level::Warn),
    ] {
        let bytes = stream.contents();
        for line in String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.is_empty())
        {
            hooks.log(node_id, level, line);
        }
    }
}

/// Refuses components that are not `abp:node` nodes of a compatible version, naming both
/// versions, before linking produces a less readable error.
fn check_interface(name: &str, component: &Component, engine: &Engine) -> Result<()> {
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_owned()).collect();
    let wanted = format!("{WIT_PACKAGE}/execution-node@");
    let Some(export) = exports.iter().find(|n| n.starts_with(&wanted)) else {
        bail!(
            "plugin `{name}` is not an abp node: it does not export `{WIT_PACKAGE}/execution-node` (it exports: {}); build it with abp-node-sdk",
            if exports.is_empty() {
                "nothing".to_owned()
            } else {
                exports.join(", ")
            }
        );
    };
    let version = &export[wanted.len()..];
    if !compatible(version, WIT_VERSION) {
        bail!(
            "plugin `{name}` was built against {WIT_PACKAGE}@{version}, but this host implements {WIT_PACKAGE}@{WIT_VERSION}; rebuild the plugin with abp-node-sdk for {WIT_PACKAGE}@{WIT_VERSION}"
        );
    }
    for (import, _) in ty.imports(engine) {
        let ok = import.starts_with("wasi:") || import.starts_with(&format!("{WIT_PACKAGE}/"));
        if !ok {
            bail!(
                "plugin `{name}` imports `{import}`, which this host does not provide (nodes get files through mounts and HTTP through `{WIT_PACKAGE}/http`)"
            );
        }
    }
    Ok(())
}

/// Semver compatibility as Cargo reads it: same major, or for 0.x the same minor.
fn compatible(theirs: &str, ours: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(theirs), parse(ours)) {
        (Some((0, a)), Some((0, b))) | (Some((a, _)), Some((b, _))) => a == b,
        _ => false,
    }
}

/// Caps linear memory; remembers that the cap was hit so the error can say so.
struct MemoryLimiter {
    max_bytes: usize,
    hit: bool,
}

impl MemoryLimiter {
    fn new(memory_mb: u64) -> Self {
        Self {
            max_bytes: usize::try_from(memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
            hit: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Per-invocation store data. Created by [`Runtime::store`], dropped with the store when the
/// call returns.
pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
    call: CallInfo,
    hooks: Arc<dyn RunHooks>,
    http: Arc<dyn HttpGate>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    /// Scratch folders standing in for mounts that do not exist yet in a dry run.
    _scratch: Vec<tempfile::TempDir>,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl StoreState {
    /// Maps a guest path inside a mount (`/mnt/NAME/...`) to the host path.
    fn host_path(&self, guest: &str) -> Option<PathBuf> {
        let rest = guest.strip_prefix("/mnt/")?;
        let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let mount = self.call.grants.mounts.iter().find(|m| m.name == name)?;
        let tail = Path::new(tail);
        if tail
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        Some(mount.host_path.join(tail))
    }
}

fn too_big(what: &str, len: usize, cap: usize) -> wasmtime::Error {
    wasmtime::format_err!("{what} of {len} bytes exceeds the host's cap of {cap} bytes")
}

impl abp::node::types::Host for StoreState {}

impl abp::node::host::Host for StoreState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let message: String = message.chars().take(MAX_LOG_LINE).collect();
        self.hooks.log(&self.call.node_id, level, &message);
        Ok(())
    }

    async fn emit_audit_event(&mut self, event_type: String, data: String) -> wasmtime::Result<()> {
        if data.len() > MAX_HOST_VALUE {
            return Err(too_big("audit event data", data.len(), MAX_HOST_VALUE));
        }
        let data: Value = serde_json::from_str(&data).map_err(|e| {
            wasmtime::format_err!("audit event `{event_type}`: data is not JSON: {e}")
        })?;
        self.hooks.audit(&self.call.node_id, &event_type, data);
        Ok(())
    }

    async fn get_state(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.hooks.get_state(&key).map(|v| v.to_string()))
    }

    async fn set_state(&mut self, key: String, value: String) -> wasmtime::Result<()> {
        if value.len() > MAX_HOST_VALUE {
            return Err(too_big("state value", value.len(), MAX_HOST_VALUE));
        }
        let value: Value = serde_json::from_str(&value)
            .map_err(|e| wasmtime::format_err!("state `{key}`: value is not JSON: {e}"))?;
        self.hooks.set_state(&self.call.node_id, &key, value);
        Ok(())
    }

    async fn add_artifact(&mut self, path: String) -> wasmtime::Result<()> {
        match self.host_path(&path) {
            Some(host) => self.hooks.artifact(&self.call.node_id, host),
            None => self.hooks.log(
                &self.call.node_id,
                Level::Warn,
                &format!("ignored artifact `{path}`: not inside one of the node's mounts"),
            ),
        }
        Ok(())
    }

    async fn checkpoint(&mut self, receipt: String) -> wasmtime::Result<()> {
        if receipt.len() > MAX_HOST_VALUE {
            return Err(too_big("checkpoint receipt", receipt.len(), MAX_HOST_VALUE));
        }
        let receipt: Value = serde_json::from_str(&receipt)
            .map_err(|e| wasmtime::format_err!("checkpoint receipt is not JSON: {e}"))?;
        if self.call.dry_run {
            return Ok(());
        }
        self.hooks
            .checkpoint(&self.call.node_id, receipt)
            .map_err(|e| wasmtime::Error::from_anyhow(e.context("journaling a checkpoint")))
    }
}

impl abp::node::http::Host for StoreState {
    async fn send(
        &mut self,
        request: wit_http::Request,
    ) -> wasmtime::Result<Result<wit_http::Response, wit_http::HttpError>> {
        let http = self.http.clone();
        Ok(http.send(&self.call, request).await)
    }
}

/// Hooks that drop everything (for `describe`).
struct NoHooks;

impl RunHooks for NoHooks {
    fn log(&self, _: &str, _: Level, _: &str) {}
    fn audit(&self, _: &str, _: &str, _: Value) {}
    fn get_state(&self, _: &str) -> Option<Value> {
        None
    }
    fn set_state(&self, _: &str, _: &str, _: Value) {}
    fn checkpoint(&self, _: &str, _: Value) -> Result<()> {
        bail!("`describe` cannot checkpoint")
    }
    fn artifact(&self, _: &str, _: PathBuf) {}
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn versions_are_compatible_as_cargo_reads_them() {
        assert!(compatible("0.1.3", "0.1.0"));
        assert!(!compatible("0.2.0", "0.1.0"));
        assert!(!compatible("1.0.0", "0.1.0"));
        assert!(compatible("1.4.0", "1.0.0"));
        assert!(!compatible("garbage", "0.1.0"));
    }
}
