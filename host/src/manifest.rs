//! Plugin manifests (`NAME.toml` beside `NAME.wasm`): what a node *asks* for. The policy
//! decides what it *gets*; see `policy.rs`.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// A parsed `NAME.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub plugin: PluginSection,
    #[serde(default)]
    pub requests: Requests,
    #[serde(default)]
    pub limits: Limits,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PluginSection {
    /// The graph's `node_type`; must equal what the component's `describe` returns.
    pub node_type: String,
    pub version: String,
    /// The component file, relative to the manifest.
    pub wasm: String,
}

/// Capabilities the node asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// Logical mount names, e.g. `["output", "deploy"]`; each must be granted by the policy.
    #[serde(default)]
    pub mounts: Vec<String>,
    /// URL patterns the node may want to reach; effective egress is the intersection with the
    /// policy's `plugins.NAME.egress`.
    #[serde(default)]
    pub http: Vec<String>,
    /// Secret names the node may reference in requests.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// Per-invocation limits the node asks for; capped by the policy.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_memory_mb() -> u64 {
    64
}
fn default_timeout_ms() -> u64 {
    30_000
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mb: default_memory_mb(),
            timeout_ms: default_timeout_ms(),
        }
    }
}

impl Manifest {
    /// Parses and checks a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let manifest: Manifest =
            toml::from_str(text).with_context(|| format!("manifest {origin} is not valid"))?;
        manifest
            .check()
            .with_context(|| format!("manifest {origin}"))?;
        Ok(manifest)
    }

    fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        let name = &self.plugin.node_type;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problems.push(format!(
                "`plugin.node_type` = {name:?} must be letters, digits, `-` or `_`"
            ));
        }
        if self.plugin.wasm.contains('/')
            || self.plugin.wasm.contains('\\')
            || !std::path::Path::new(&self.plugin.wasm)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wasm"))
        {
            problems.push(format!(
                "`plugin.wasm` = {:?} must be a `.wasm` file name beside the manifest",
                self.plugin.wasm
            ));
        }
        let mut seen = BTreeSet::new();
        for mount in &self.requests.mounts {
            if mount.is_empty()
                || !mount
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                problems.push(format!(
                    "mount name {mount:?} must be letters, digits, `-` or `_`"
                ));
            }
            if !seen.insert(mount) {
                problems.push(format!("mount `{mount}` is requested twice"));
            }
        }
        if self.limits.memory_mb == 0 || self.limits.timeout_ms == 0 {
            problems.push("`limits.memory_mb` and `limits.timeout_ms` must be positive".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!("{}", problems.join("; "))
        }
    }
}
