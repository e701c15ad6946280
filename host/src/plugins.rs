//! Plugin discovery and loading: each plugin is `NAME.wasm` plus its `NAME.toml` manifest in a
//! plugin directory (`--plugins DIR`, repeatable); the three shipped nodes are also built into
//! the binary. Discovery only reads manifests and hashes the wasm; compiling (through the
//! runtime's cache) and `describe` happen when a plugin is first needed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::journal::PluginDigest;
use crate::manifest::Manifest;
use crate::runtime::{CompiledPlugin, NodeInfo, Runtime};
use crate::signing::{self, SignatureStatus, Statement, TrustPolicy};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// Where the test-only nodes were built (for the integration tests).
#[doc(hidden)]
pub const TEST_PLUGIN_DIR: &str = builtin::TEST_PLUGIN_DIR;

/// Where the shipped plugins were built (a plugin directory, like any other).
pub const BUILT_PLUGIN_DIR: &str = builtin::PLUGIN_DIR;

/// One discovered plugin.
pub struct Plugin {
    pub manifest: Manifest,
    /// `builtin` or the manifest's path.
    pub origin: String,
    pub wasm: Arc<[u8]>,
    pub wasm_path: Option<PathBuf>,
    pub wasm_sha256: String,
    pub manifest_sha256: String,
    /// `NAME.sig` beside the wasm, read at discovery with the wasm and the manifest (`None`:
    /// unsigned, or built in).
    pub signature_text: Option<String>,
    /// Filled by [`Registry::load`], before compiling: the signature's verdict.
    pub signature: Option<SignatureStatus>,
    /// Filled by [`Registry::load`].
    pub info: Option<NodeInfo>,
    pub compiled: Option<Arc<CompiledPlugin>>,
}

impl Plugin {
    pub fn name(&self) -> &str {
        &self.manifest.plugin.node_type
    }

    pub fn digest(&self) -> PluginDigest {
        PluginDigest {
            node_type: self.name().to_owned(),
            version: self.manifest.plugin.version.clone(),
            wasm_sha256: self.wasm_sha256.clone(),
            manifest_sha256: self.manifest_sha256.clone(),
            signer: self
                .signature
                .as_ref()
                .and_then(SignatureStatus::signer)
                .map(str::to_owned),
        }
    }

    pub fn is_builtin(&self) -> bool {
        self.origin == "builtin"
    }

    /// What a signature of this plugin must vouch for.
    pub fn statement(&self) -> Statement {
        Statement {
            node_type: self.name().to_owned(),
            version: self.manifest.plugin.version.clone(),
            wasm_sha256: self.wasm_sha256.clone(),
            manifest_sha256: self.manifest_sha256.clone(),
        }
    }

    /// The signature's verdict under `trust` (built-in plugins are trusted with the binary).
    pub fn check_signature(&self, trust: &TrustPolicy) -> SignatureStatus {
        if self.is_builtin() {
            return SignatureStatus::Builtin;
        }
        signing::check(
            self.signature_text.as_deref(),
            &self.statement(),
            &trust.trusted,
        )
    }
}

/// The plugins available to this process, by node type.
#[derive(Default)]
pub struct Registry {
    pub plugins: BTreeMap<String, Plugin>,
    /// The policy's signature rules; checked in [`Registry::load`] before anything compiles.
    pub trust: TrustPolicy,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Registry {
    /// Reads the built-in plugins (unless `builtin` is false), then each directory in order;
    /// a directory's plugin replaces a built-in one of the same type, and two directories
    /// offering the same type is an error.
    pub fn discover(dirs: &[PathBuf], builtin: bool) -> Result<Self> {
        let mut registry = Registry::default();
        if builtin {
            for (file, manifest_text, wasm) in builtin::PLUGINS {
                let manifest = Manifest::parse(manifest_text, &format!("builtin {file}"))?;
                registry.plugins.insert(
                    manifest.plugin.node_type.clone(),
                    Plugin {
                        origin: "builtin".into(),
                        wasm_sha256: sha256_hex(wasm),
                        manifest_sha256: sha256_hex(manifest_text.as_bytes()),
                        wasm: Arc::from(*wasm),
                        wasm_path: None,
                        manifest,
                        signature_text: None,
                        signature: None,
                        info: None,
                        compiled: None,
                    },
                );
            }
        }
        let mut from_dirs: BTreeMap<String, String> = BTreeMap::new();
        for dir in dirs {
            let entries = std::fs::read_dir(dir)
                .with_context(|| format!("reading plugin directory {}", dir.display()))?;
            let mut manifests: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            manifests.sort();
            for path in manifests {
                let plugin = read_plugin(&path)?;
                let name = plugin.name().to_owned();
                if let Some(other) = from_dirs.insert(name.clone(), plugin.origin.clone()) {
                    bail!(
                        "node type `{name}` is offered by two plugins: {other} and {}; remove one or drop one `--plugins` directory",
                        plugin.origin
                    );
                }
                registry.plugins.insert(name, plugin);
            }
        }
        Ok(registry)
    }

    pub fn get(&self, name: &str) -> Option<&Plugin> {
        self.plugins.get(name)
    }

    /// Loads every plugin, keeping going past broken ones; returns each failure by name.
    pub async fn load_all(&mut self, runtime: &Runtime) -> BTreeMap<String, String> {
        let names: Vec<String> = self.plugins.keys().cloned().collect();
        let mut failures = BTreeMap::new();
        for name in names {
            if let Err(e) = self.load(runtime, Some(std::slice::from_ref(&name))).await {
                failures.insert(name, format!("{e:#}"));
            }
        }
        failures
    }

    /// Compiles (or loads from cache) and describes the named plugins (all when `None`).
    pub async fn load(&mut self, runtime: &Runtime, names: Option<&[String]>) -> Result<()> {
        let wanted: Vec<String> = match names {
            Some(n) => n
                .iter()
                .filter(|n| self.plugins.contains_key(*n))
                .cloned()
                .collect(),
            None => self.plugins.keys().cloned().collect(),
        };
        for name in wanted {
            let Some(plugin) = self.plugins.get_mut(&name) else {
                continue;
            };
            if plugin.compiled.is_some() {
                continue;
            }
            // Before compiling: a refused plugin's bytes never reach the compiler.
            let status = plugin.check_signature(&self.trust);
            let refusal = (self.trust.required && !status.is_accepted())
                .then(|| self.trust.refusal(&name, &plugin.origin, &status));
            plugin.signature = Some(status);
            if let Some(refusal) = refusal {
                bail!("{refusal}");
            }
            let compiled = Arc::new(
                runtime
                    .compile(&name, &plugin.wasm, &plugin.wasm_sha256)
                    .with_context(|| format!("loading {}", plugin.origin))?,
            );
            let info = runtime.describe(&compiled).await?;
            if info.node_type != plugin.manifest.plugin.node_type {
                bail!(
                    "plugin {}: the manifest says node type `{}` but the component describes itself as `{}`",
                    plugin.origin,
                    plugin.manifest.plugin.node_type,
                    info.node_type
                );
            }
            plugin.info = Some(info);
            plugin.compiled = Some(compiled);
        }
        Ok(())
    }
}

pub(crate) fn read_plugin(manifest_path: &Path) -> Result<Plugin> {
    let text = std::fs::read_to_string(manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest = Manifest::parse(&text, &manifest_path.display().to_string())?;
    let wasm_path = manifest_path.with_file_name(&manifest.plugin.wasm);
    let wasm = std::fs::read(&wasm_path).with_context(|| {
        format!(
            "plugin {}: its component {} cannot be read",
            manifest_path.display(),
            wasm_path.display()
        )
    })?;
    let sig_path = signing::signature_path(&wasm_path);
    let signature_text = match std::fs::read_to_string(&sig_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "plugin {}: reading its signature {}",
                    manifest_path.display(),
                    sig_path.display()
                )
            });
        }
    };
    Ok(Plugin {
        origin: manifest_path.display().to_string(),
        wasm_sha256: sha256_hex(&wasm),
        manifest_sha256: sha256_hex(text.as_bytes()),
        wasm: Arc::from(wasm),
        wasm_path: Some(wasm_path),
        manifest,
        signature_text,
        signature: None,
        info: None,
        compiled: None,
    })
}
