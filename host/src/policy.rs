//! The deployment's policy (`abp.toml`): what each plugin *gets*. A plugin's manifest says what
//! it asks for; the grant is the intersection, and a required capability that is not granted
//! fails the plan before anything runs, naming the plugin, the capability and the key to set.
//!
//! Invariant: this module does no I/O beyond reading the policy file it is given; secrets are
//! resolved lazily (`SecretSource::resolve`) and their values never leave the HTTP layer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::manifest::Manifest;

/// The policy used when none is given.
pub const DEFAULT_POLICY: &str = include_str!("default-policy.toml");

/// Governance mode (the seed's safe and sovereign modes).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Everything the policy grants.
    #[default]
    Normal,
    /// Nothing executes: plans (dry runs) still work, live runs are refused.
    Safe,
    /// No live runs and no egress at all: dry runs work offline.
    Sovereign,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Safe => "safe",
            Mode::Sovereign => "sovereign",
        }
    }
}

/// `abp.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub mode: Mode,
    /// Root for runs, caches and relative mount paths; relative to the policy file's folder.
    #[serde(default = "default_storage")]
    pub storage: PathBuf,
    #[serde(default)]
    pub require_signed_plugins: bool,
    /// Ed25519 public keys (text form) whose plugin signatures are trusted.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    #[serde(default = "default_parallelism")]
    pub max_parallelism: usize,
    #[serde(default)]
    pub limits: LimitBounds,
    /// Bearer token for the HTTP API's live endpoints, by reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<SecretSource>,
    /// Key used to sign evidence packs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_signing_key: Option<PathBuf>,
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginPolicy>,
}

fn default_storage() -> PathBuf {
    PathBuf::from("./storage")
}
fn default_parallelism() -> usize {
    8
}

/// Upper bounds for what manifests may ask for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitBounds {
    #[serde(default = "default_max_memory")]
    pub max_memory_mb: u64,
    #[serde(default = "default_max_timeout")]
    pub max_timeout_ms: u64,
    /// Cap on a node's output plus receipt, per call.
    #[serde(default = "default_max_output")]
    pub max_output_kb: u64,
}

fn default_max_memory() -> u64 {
    512
}
fn default_max_timeout() -> u64 {
    600_000
}
fn default_max_output() -> u64 {
    1024
}

impl Default for LimitBounds {
    fn default() -> Self {
        Self {
            max_memory_mb: default_max_memory(),
            max_timeout_ms: default_max_timeout(),
            max_output_kb: default_max_output(),
        }
    }
}

/// `[plugins.NAME]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginPolicy {
    #[serde(default)]
    pub mounts: BTreeMap<String, MountGrant>,
    /// URL patterns this plugin may reach (scheme, host or `*.domain`, optional port or `*`).
    #[serde(default)]
    pub egress: Vec<String>,
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretGrant>,
    /// Settings handed to the node as `invocation.config` (no secret values).
    #[serde(default)]
    pub config: toml::Table,
    /// Per-plugin caps, overriding `[limits]` for this plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<PluginLimitCaps>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginLimitCaps {
    pub memory_mb: Option<u64>,
    pub timeout_ms: Option<u64>,
}

/// A mount: a folder (relative to `storage`) or `{ path, read_only }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MountGrant {
    Path(PathBuf),
    Detailed {
        path: PathBuf,
        #[serde(default)]
        read_only: bool,
    },
}

impl MountGrant {
    fn path(&self) -> &Path {
        match self {
            MountGrant::Path(p) | MountGrant::Detailed { path: p, .. } => p,
        }
    }
    fn read_only(&self) -> bool {
        matches!(
            self,
            MountGrant::Detailed {
                read_only: true,
                ..
            }
        )
    }
}

/// Where a secret's value comes from, and where it may be sent.
// No `deny_unknown_fields` here: serde does not support it next to `flatten` (every key would
// be refused). Unknown keys still fail, in the flattened `SecretSource`, which denies them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretGrant {
    #[serde(flatten)]
    pub source: SecretSource,
    /// Hosts this secret may be sent to (exact names or `*.domain`).
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// `{ env = "NAME" }` or `{ file = "path" }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum SecretSource {
    Env { env: String },
    File { file: PathBuf },
}

impl SecretSource {
    /// Reads the value. The error names the source, never the value.
    pub fn resolve(&self) -> Result<String> {
        match self {
            SecretSource::Env { env } => std::env::var(env)
                .map_err(|_| anyhow::anyhow!("environment variable `{env}` is not set")),
            SecretSource::File { file } => std::fs::read_to_string(file)
                .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
                .with_context(|| format!("reading secret file {}", file.display())),
        }
    }
}

/// A policy as loaded, with where it came from and its digest.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub policy: Policy,
    /// `embedded default` or the file's path.
    pub origin: String,
    /// Absolute storage root.
    pub storage: PathBuf,
    /// SHA-256 of the policy text.
    pub digest: String,
    /// The policy text (journaled so that rollback uses the grants the run had).
    pub text: String,
    /// The folder relative paths in the policy resolve against.
    pub base: PathBuf,
}

impl LoadedPolicy {
    /// `--policy FILE`, else `./abp.toml` if present, else the embedded default.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        match path {
            Some(path) => Self::from_file(path),
            None if Path::new("abp.toml").is_file() => Self::from_file(Path::new("abp.toml")),
            None => Self::from_text(
                DEFAULT_POLICY,
                "embedded default",
                &std::env::current_dir()?,
            ),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading policy {}", path.display()))?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::path::absolute(base)?;
        Self::from_text(&text, &path.display().to_string(), &base)
    }

    /// Parses policy text; relative paths resolve against `base`.
    pub fn from_text(text: &str, origin: &str, base: &Path) -> Result<Self> {
        let policy: Policy =
            toml::from_str(text).with_context(|| format!("policy {origin} is not valid"))?;
        if policy.max_parallelism == 0 {
            bail!("policy {origin}: `max_parallelism` must be at least 1");
        }
        let storage = if policy.storage.is_absolute() {
            policy.storage.clone()
        } else {
            base.join(&policy.storage)
        };
        let storage = normalize(&storage);
        Ok(Self {
            digest: hex::encode(Sha256::digest(text.as_bytes())),
            policy,
            origin: origin.to_owned(),
            storage,
            text: text.to_owned(),
            base: base.to_owned(),
        })
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.storage.join("runs")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.storage.join("cache")
    }

    /// What `manifest`'s plugin gets, or every reason it cannot run.
    pub fn grants_for(&self, manifest: &Manifest) -> Result<Grants, Vec<String>> {
        let name = &manifest.plugin.node_type;
        let empty = PluginPolicy::default();
        let plugin = self.policy.plugins.get(name).unwrap_or(&empty);
        let mut problems = Vec::new();
        let mut mounts = Vec::new();
        for mount in &manifest.requests.mounts {
            match plugin.mounts.get(mount) {
                Some(grant) => {
                    let path = if grant.path().is_absolute() { grant.path().to_owned() } else { self.storage.join(grant.path()) };
                    mounts.push(Mount { name: mount.clone(), host_path: normalize(&path), read_only: grant.read_only() });
                }
                None => problems.push(format!(
                    "plugin `{name}` needs mount `{mount}`, which the policy ({}) does not grant; set `plugins.{name}.mounts.{mount} = \"FOLDER\"` in abp.toml",
                    self.origin
                )),
            }
        }
        problems.extend(egress_problems(
            name,
            &manifest.requests.http,
            plugin,
            &self.origin,
        ));
        let caps = plugin.limits;
        let max_memory = caps
            .and_then(|c| c.memory_mb)
            .unwrap_or(self.policy.limits.max_memory_mb);
        let max_timeout = caps
            .and_then(|c| c.timeout_ms)
            .unwrap_or(self.policy.limits.max_timeout_ms);
        if manifest.limits.memory_mb > max_memory {
            problems.push(format!(
                "plugin `{name}` asks for {} MiB of memory, the policy allows {max_memory}; raise `plugins.{name}.limits.memory_mb` or `limits.max_memory_mb`",
                manifest.limits.memory_mb
            ));
        }
        if manifest.limits.timeout_ms > max_timeout {
            problems.push(format!(
                "plugin `{name}` asks for a {} ms time limit, the policy allows {max_timeout}; raise `plugins.{name}.limits.timeout_ms` or `limits.max_timeout_ms`",
                manifest.limits.timeout_ms
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let secrets = manifest
            .requests
            .secrets
            .iter()
            .filter_map(|s| plugin.secrets.get(s).map(|g| (s.clone(), g.clone())))
            .collect();
        let config = serde_json::to_value(&plugin.config).unwrap_or(serde_json::Value::Null);
        Ok(Grants {
            mounts,
            manifest_egress: manifest.requests.http.clone(),
            policy_egress: if self.policy.mode == Mode::Sovereign {
                Vec::new()
            } else {
                plugin.egress.clone()
            },
            secrets,
            config,
            memory_mb: manifest.limits.memory_mb,
            timeout_ms: manifest.limits.timeout_ms,
            max_output_bytes: usize::try_from(
                self.policy.limits.max_output_kb.saturating_mul(1024),
            )
            .unwrap_or(usize::MAX),
        })
    }
}

/// Every invalid egress pattern of the manifest and rule or secret host of the policy, each
/// named with the key to fix, so that a bad rule fails the plan instead of every request.
fn egress_problems(
    name: &str,
    asks: &[String],
    plugin: &PluginPolicy,
    origin: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(errors) = abp_egress::EgressRule::parse_all(asks) {
        for e in errors {
            problems.push(format!(
                "plugin `{name}`: its manifest's `requests.http` pattern `{}` is not valid: {}",
                e.rule, e.reason
            ));
        }
    }
    if let Err(errors) = abp_egress::EgressRule::parse_all(&plugin.egress) {
        for e in errors {
            problems.push(format!(
                "policy {origin}: `plugins.{name}.egress` rule `{}` is not valid: {}",
                e.rule, e.reason
            ));
        }
    }
    for (secret, grant) in &plugin.secrets {
        let binding = abp_egress::SecretBinding {
            name: secret.clone(),
            hosts: grant.hosts.clone(),
        };
        if let Err(errors) = binding.validate() {
            for e in errors {
                let host = e.rule.split_once(": ").map_or(e.rule.as_str(), |(_, h)| h);
                problems.push(format!("policy {origin}: `plugins.{name}.secrets.{secret}.hosts` entry `{host}` is not valid: {}", e.reason));
            }
        }
    }
    problems
}

/// A granted mount: the guest sees `host_path` at `/mnt/NAME`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mount {
    pub name: String,
    pub host_path: PathBuf,
    pub read_only: bool,
}

/// What one plugin may use during a run.
#[derive(Debug, Clone)]
pub struct Grants {
    pub mounts: Vec<Mount>,
    /// A request must match one of these (the manifest's asks)...
    pub manifest_egress: Vec<String>,
    /// ...and one of these (the policy's grants). Empty in sovereign mode.
    pub policy_egress: Vec<String>,
    pub secrets: BTreeMap<String, SecretGrant>,
    pub config: serde_json::Value,
    pub memory_mb: u64,
    pub timeout_ms: u64,
    pub max_output_bytes: usize,
}

impl Grants {
    /// Nothing at all (used for `describe`).
    pub fn empty() -> Self {
        Self {
            mounts: Vec::new(),
            manifest_egress: Vec::new(),
            policy_egress: Vec::new(),
            secrets: BTreeMap::new(),
            config: serde_json::Value::Object(serde_json::Map::new()),
            memory_mb: 64,
            timeout_ms: 10_000,
            max_output_bytes: 1 << 20,
        }
    }
}

/// Removes `.` and `..` components without touching the filesystem.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(mounts: &[&str]) -> Manifest {
        Manifest::parse(
            &format!(
                "[plugin]\nnode_type = \"web\"\nversion = \"0.1.0\"\nwasm = \"web.wasm\"\n[requests]\nmounts = {mounts:?}\n"
            ),
            "test",
        )
        .unwrap()
    }

    #[test]
    fn ungranted_mount_names_plugin_mount_and_key() {
        let policy = LoadedPolicy::from_text(
            "[plugins.web]\nmounts = { output = \"out\" }\n",
            "t",
            Path::new("/base"),
        )
        .unwrap();
        let err = policy
            .grants_for(&manifest(&["output", "deploy"]))
            .unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(
            err[0].contains("plugin `web` needs mount `deploy`"),
            "{}",
            err[0]
        );
        assert!(err[0].contains("plugins.web.mounts.deploy"), "{}", err[0]);
    }

    #[test]
    fn relative_mounts_resolve_under_storage() {
        let policy = LoadedPolicy::from_text(
            "storage = \"st\"\n[plugins.web]\nmounts = { output = \"out\", deploy = { path = \"/abs\", read_only = true } }\n",
            "t",
            Path::new("/base"),
        )
        .unwrap();
        let grants = policy.grants_for(&manifest(&["output", "deploy"])).unwrap();
        assert_eq!(grants.mounts[0].host_path, Path::new("/base/st/out"));
        assert!(!grants.mounts[0].read_only);
        assert_eq!(grants.mounts[1].host_path, Path::new("/abs"));
        assert!(grants.mounts[1].read_only);
    }

    #[test]
    fn memory_above_the_cap_is_refused() {
        let policy = LoadedPolicy::from_text(
            "[limits]\nmax_memory_mb = 16\n[plugins.web]\n",
            "t",
            Path::new("/"),
        )
        .unwrap();
        let err = policy.grants_for(&manifest(&[])).unwrap_err();
        assert!(err[0].contains("64 MiB"), "{}", err[0]);
    }

    #[test]
    fn embedded_default_parses() {
        let policy =
            LoadedPolicy::from_text(DEFAULT_POLICY, "embedded default", Path::new("/w")).unwrap();
        assert_eq!(policy.storage, Path::new("/w/storage"));
        assert!(policy.policy.plugins.contains_key("webgenesis"));
    }

    #[test]
    fn secret_grants_parse_as_the_design_writes_them_and_refuse_unknown_keys() {
        let policy = LoadedPolicy::from_text(
            "[plugins.dns]\nsecrets = { dns_token = { env = \"HETZNER_DNS_TOKEN\", hosts = [\"api.hetzner.cloud\"] }, k = { file = \"/k\" } }\n",
            "t",
            Path::new("/"),
        )
        .unwrap();
        let grant = &policy.policy.plugins["dns"].secrets["dns_token"];
        assert!(matches!(&grant.source, SecretSource::Env { env } if env == "HETZNER_DNS_TOKEN"));
        assert_eq!(grant.hosts, ["api.hetzner.cloud"]);
        let typo = LoadedPolicy::from_text(
            "[plugins.dns]\nsecrets = { t = { env = \"X\", hots = [\"a.example\"] } }\n",
            "t",
            Path::new("/"),
        );
        assert!(typo.is_err());
    }

    #[test]
    fn invalid_egress_rules_and_secret_hosts_fail_the_plan_naming_each() {
        let policy = LoadedPolicy::from_text(
            "[plugins.web]\negress = [\"https://ok.example\", \"https://*\", \"ftp://x.example\"]\nsecrets = { t = { env = \"X\", hosts = [\"a b\"] } }\n",
            "t",
            Path::new("/"),
        )
        .unwrap();
        let err = policy.grants_for(&manifest(&[])).unwrap_err();
        assert_eq!(err.len(), 3, "{err:#?}");
        assert!(
            err[0].contains("`plugins.web.egress` rule `https://*`"),
            "{}",
            err[0]
        );
        assert!(err[1].contains("`ftp://x.example`"), "{}", err[1]);
        assert!(err[2].contains("plugins.web.secrets.t.hosts"), "{}", err[2]);
    }

    #[test]
    fn sovereign_mode_grants_no_egress() {
        let policy = LoadedPolicy::from_text(
            "mode = \"sovereign\"\n[plugins.web]\negress = [\"https://x.example\"]\n",
            "t",
            Path::new("/"),
        )
        .unwrap();
        assert!(
            policy
                .grants_for(&manifest(&[]))
                .unwrap()
                .policy_egress
                .is_empty()
        );
    }
}
