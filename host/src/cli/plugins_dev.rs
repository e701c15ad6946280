//! The node author's loop: `abp plugins new NAME` scaffolds a node crate from the template in
//! `templates/node/` (embedded in the binary), `abp plugins build [DIR]` builds it for
//! `wasm32-wasip2` and puts `NAME.wasm` + `NAME.toml` into `DIR/dist/`, `abp plugins sign`
//! writes `NAME.sig` beside a plugin and `abp plugins verify` checks signatures against the
//! trusted keys (see `signing.rs` for what is signed).
//!
//! The scaffold depends on `abp-node-sdk` by path: the SDK is not on crates.io, so it is the
//! `sdk/` folder of the abp checkout this binary was built from (`CARGO_MANIFEST_DIR/../sdk`),
//! or the folder `--sdk DIR` names. A crate created where an enclosing cargo workspace's
//! `members` already match it becomes a member of that workspace; anywhere else it is its own
//! workspace, so it builds the same inside or outside another project.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use abp_evidence::SecretKeyText;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};

use super::{Global, exit};
use crate::manifest::Manifest;
use crate::plugins::{Plugin, Registry, read_plugin, sha256_hex};
use crate::policy::LoadedPolicy;
use crate::session::SessionOptions;
use crate::signing::{self, TrustPolicy};

/// The wasm target nodes are built for.
const TARGET: &str = "wasm32-wasip2";

/// The template files: (file in the new crate, text); `NAME` in a file name is the node type.
const TEMPLATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../templates/node/Cargo.toml.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../templates/node/lib.rs.tmpl"),
    ),
    (
        "NAME.toml",
        include_str!("../../../templates/node/manifest.toml.tmpl"),
    ),
    (
        "README.md",
        include_str!("../../../templates/node/README.md.tmpl"),
    ),
    (
        "abp.toml",
        include_str!("../../../templates/node/abp.toml.tmpl"),
    ),
    (
        "graph.json",
        include_str!("../../../templates/node/graph.json.tmpl"),
    ),
    (
        ".gitignore",
        include_str!("../../../templates/node/gitignore.tmpl"),
    ),
];

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Scaffold a node crate: Cargo.toml, src/lib.rs (a hello node with unit tests), NAME.toml,
    /// README.md, and an abp.toml + graph.json to try it with
    New {
        /// Node type and crate name: lowercase letters, digits, `-` or `_`, starting with a letter
        name: String,
        /// Folder to create (default: ./NAME); must not exist or be empty
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// The `sdk/` folder of an abp checkout (default: the one this binary was built from)
        #[arg(long, value_name = "DIR")]
        sdk: Option<PathBuf>,
    },
    /// Build a node crate for wasm32-wasip2 and put NAME.wasm + NAME.toml into DIR/dist/
    Build {
        /// The node crate (default: the current folder)
        dir: Option<PathBuf>,
    },
    /// Sign a plugin: Ed25519 over the SHA-256 of NAME.wasm and of its manifest, into NAME.sig
    Sign {
        /// The plugin's component; its manifest (NAME.toml) must be beside it
        wasm: PathBuf,
        /// Secret key file from `abp keys generate` (PREFIX.key)
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Check plugin signatures against the policy's `trusted_keys` and any `--key` files
    Verify {
        /// One plugin's component (default: every plugin in the `--plugins` directories)
        wasm: Option<PathBuf>,
        /// Trusted public key file from `abp keys generate` (repeatable)
        #[arg(long = "key", value_name = "PUBKEYFILE")]
        keys: Vec<PathBuf>,
    },
}

pub fn run(g: &Global, opts: &SessionOptions, command: &DevCommand) -> Result<u8> {
    match command {
        DevCommand::New { name, path, sdk } => new(g, name, path.as_deref(), sdk.as_deref()),
        DevCommand::Build { dir } => build(g, dir.as_deref().unwrap_or(Path::new("."))),
        DevCommand::Sign { wasm, key } => sign(g, wasm, key),
        DevCommand::Verify { wasm, keys } => verify(g, opts, wasm.as_deref(), keys),
    }
}

// ---------------------------------------------------------------------------------------------
// abp plugins new

/// How the new crate relates to cargo workspaces around it.
enum Layout {
    /// Its own workspace (`[workspace]` in its Cargo.toml).
    Standalone,
    /// A member of the enclosing workspace at `root`, matched by `pattern`.
    Member {
        root: PathBuf,
        pattern: String,
        workspace: toml::Table,
    },
}

fn new(g: &Global, name: &str, path: Option<&Path>, sdk: Option<&Path>) -> Result<u8> {
    check_name(name)?;
    let dir = std::path::absolute(path.unwrap_or(Path::new(name)))
        .context("resolving the crate folder")?;
    if dir.exists()
        && fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty; choose another folder with `--path DIR`",
            dir.display()
        );
    }
    let sdk = find_sdk(sdk)?;
    let layout = detect_layout(&dir)?;
    let struct_name = struct_name(name);
    let (dependencies, dev_dependencies, tail) = cargo_sections(&layout, &sdk);
    let vars = [
        ("{{node_type}}", name),
        ("{{crate_name}}", name),
        ("{{struct_name}}", struct_name.as_str()),
        ("{{dependencies}}", dependencies.as_str()),
        ("{{dev_dependencies}}", dev_dependencies.as_str()),
        ("{{tail}}", tail.as_str()),
    ];
    let mut files = Vec::new();
    for (file, template) in TEMPLATE {
        let mut text = (*template).to_owned();
        for (key, value) in vars {
            text = text.replace(key, value);
        }
        if text.contains("{{") {
            bail!(
                "template {file} has a placeholder this `abp` does not fill; it was built from an inconsistent checkout"
            );
        }
        let target = dir.join(file.replace("NAME", name));
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
        files.push(target);
    }
    // A standalone crate starts from the versions the SDK is built and tested with.
    let lock = sdk.parent().map(|p| p.join("Cargo.lock"));
    let copied_lock = match (&layout, lock) {
        (Layout::Standalone, Some(lock)) if lock.is_file() => {
            let target = dir.join("Cargo.lock");
            fs::copy(&lock, &target)
                .with_context(|| format!("copying {} to {}", lock.display(), target.display()))?;
            files.push(target);
            true
        }
        _ => false,
    };
    let relative: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap_or(f).display().to_string())
        .collect();
    let layout_text = match &layout {
        Layout::Standalone => "standalone (its own cargo workspace)".to_owned(),
        Layout::Member { root, pattern, .. } => {
            format!(
                "member of the workspace at {} (matched by `{pattern}`)",
                root.display()
            )
        }
    };
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "node_type": name,
                "path": dir.display().to_string(),
                "files": relative,
                "sdk": sdk.display().to_string(),
                "layout": layout_text,
                "lockfile_from_sdk": copied_lock,
            }))?
        );
    } else {
        println!(
            "created node crate `{name}` in {} ({layout_text})",
            dir.display()
        );
        for f in &relative {
            println!("  {f}");
        }
        println!("abp-node-sdk: {}", sdk.display());
        println!("next:");
        println!("  cd {}", dir.display());
        println!("  cargo test                          # native unit tests");
        println!("  abp plugins build                   # -> dist/{name}.wasm + dist/{name}.toml");
        println!("  abp plan --plugins dist graph.json  # dry run through the host");
    }
    Ok(exit::OK)
}

fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        bail!(
            "node name {name:?} must be lowercase letters, digits, `-` or `_`, starting with a letter (it is the node type and the crate name)"
        );
    }
    Ok(())
}

/// `my-node` -> `MyNode`, `hello` -> `HelloNode`.
fn struct_name(name: &str) -> String {
    let mut out: String = name
        .split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if !out.ends_with("Node") {
        out.push_str("Node");
    }
    out
}

fn find_sdk(given: Option<&Path>) -> Result<PathBuf> {
    let (candidate, how) = match given {
        Some(dir) => (dir.to_owned(), "`--sdk`"),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk"),
            "the abp checkout this binary was built from",
        ),
    };
    if !candidate.join("Cargo.toml").is_file() {
        bail!(
            "no abp-node-sdk at {} ({how}); pass `--sdk DIR` with the `sdk/` folder of an abp checkout",
            candidate.display()
        );
    }
    candidate
        .canonicalize()
        .with_context(|| format!("resolving {}", candidate.display()))
}

/// The nearest enclosing cargo workspace whose `members` match `dir` makes the crate a member;
/// otherwise it is standalone (cargo stops looking upwards at a manifest with `[workspace]`).
fn detect_layout(dir: &Path) -> Result<Layout> {
    for ancestor in dir.ancestors().skip(1) {
        let manifest = ancestor.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let Some(workspace) = table.get("workspace").and_then(toml::Value::as_table) else {
            continue;
        };
        let relative = dir
            .strip_prefix(ancestor)
            .unwrap_or(dir)
            .to_string_lossy()
            .replace('\\', "/");
        let list = |key: &str| -> Vec<String> {
            workspace
                .get(key)
                .and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let excluded = list("exclude")
            .iter()
            .any(|e| relative == *e || relative.starts_with(&format!("{e}/")));
        let pattern = list("members")
            .into_iter()
            .find(|m| glob_match(m, &relative));
        return Ok(match pattern {
            Some(pattern) if !excluded => Layout::Member {
                root: ancestor.to_owned(),
                pattern,
                workspace: workspace.clone(),
            },
            _ => Layout::Standalone,
        });
    }
    Ok(Layout::Standalone)
}

/// Cargo's member globs, as far as workspaces use them: `*` and `?` within one path segment.
fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern
        .trim_end_matches('/')
        .split('/')
        .filter(|s| *s != ".")
        .collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| segment_match(p.as_bytes(), s.as_bytes()))
}

fn segment_match(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            segment_match(&p[1..], s) || (!s.is_empty() && segment_match(p, &s[1..]))
        }
        (Some(b'?'), Some(_)) => segment_match(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => segment_match(&p[1..], &s[1..]),
        _ => false,
    }
}

/// `[dependencies]` lines, `[dev-dependencies]` lines and the end of Cargo.toml for a layout.
fn cargo_sections(layout: &Layout, sdk: &Path) -> (String, String, String) {
    let sdk_path = sdk.display().to_string().replace('\\', "/");
    match layout {
        Layout::Standalone => (
            format!(
                "abp-node-sdk = {{ path = {sdk_path:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nschemars = \"1\"\n"
            ),
            "tempfile = \"3\"\n".to_owned(),
            "# Its own workspace: the crate builds the same inside or outside another cargo project.\n[workspace]\n\n[profile.release]\n# Small components: no debug info in the wasm.\ndebug = false\nstrip = true\n"
                .to_owned(),
        ),
        Layout::Member { workspace, .. } => {
            let shared = workspace.get("dependencies").and_then(toml::Value::as_table);
            let dep = |name: &str, own: &str| {
                if shared.is_some_and(|d| d.contains_key(name)) {
                    format!("{name}.workspace = true\n")
                } else {
                    format!("{name} = {own}\n")
                }
            };
            let deps = dep("abp-node-sdk", &format!("{{ path = {sdk_path:?} }}"))
                + &dep("serde", "{ version = \"1\", features = [\"derive\"] }")
                + &dep("schemars", "\"1\"");
            let tail = if workspace.contains_key("lints") { "[lints]\nworkspace = true\n" } else { "" };
            (deps, dep("tempfile", "\"3\""), tail.to_owned())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// abp plugins build

fn build(g: &Global, dir: &Path) -> Result<u8> {
    let started = Instant::now();
    let cargo_toml = dir.join("Cargo.toml");
    if !cargo_toml.is_file() {
        bail!(
            "no Cargo.toml in {}; give the node crate's folder: `abp plugins build DIR`",
            dir.display()
        );
    }
    let (manifest_path, manifest_text, manifest) = find_crate_manifest(dir)?;
    ensure_target(dir)?;
    let wasm = cargo_build(dir, &cargo_toml)?;
    let bytes = fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let wit = check_component(&bytes, &wasm)?;
    let dist = dir.join("dist");
    fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    let out_wasm = dist.join(&manifest.plugin.wasm);
    let out_manifest = dist.join(manifest_path.file_name().unwrap_or_default());
    fs::write(&out_wasm, &bytes).with_context(|| format!("writing {}", out_wasm.display()))?;
    fs::write(&out_manifest, &manifest_text)
        .with_context(|| format!("writing {}", out_manifest.display()))?;
    // A signature from an earlier build no longer matches the new wasm.
    let stale_sig = signing::signature_path(&out_wasm);
    let removed_sig = stale_sig.is_file() && fs::remove_file(&stale_sig).is_ok();
    let seconds = started.elapsed().as_secs_f64();
    let sha = sha256_hex(&bytes);
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "node_type": manifest.plugin.node_type,
                "wasm": out_wasm.display().to_string(),
                "manifest": out_manifest.display().to_string(),
                "size": bytes.len(),
                "wasm_sha256": sha,
                "wit": wit,
                "removed_stale_signature": removed_sig,
                "seconds": (seconds * 10.0).round() / 10.0,
            }))?
        );
    } else {
        println!(
            "built `{}` ({}, {} KiB, sha256 {}) in {seconds:.1} s",
            manifest.plugin.node_type,
            wit,
            bytes.len() / 1024,
            &sha[..12]
        );
        println!("  {}", out_wasm.display());
        println!("  {}", out_manifest.display());
        if removed_sig {
            println!(
                "removed the signature of the previous build ({}); sign again",
                stale_sig.display()
            );
        }
        println!("try it: abp plan --plugins {} GRAPH.json", dist.display());
    }
    Ok(exit::OK)
}

/// The crate's plugin manifest: the one `*.toml` beside Cargo.toml with a `[plugin]` table.
fn find_crate_manifest(dir: &Path) -> Result<(PathBuf, String, Manifest)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        if !is_toml || path.file_name().is_some_and(|n| n == "Cargo.toml") {
            continue;
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("plugin"))
        {
            found.push((path, text));
        }
    }
    found.sort();
    match found.len() {
        0 => bail!(
            "no plugin manifest in {} (a NAME.toml with a `[plugin]` table beside Cargo.toml)",
            dir.display()
        ),
        1 => {
            let (path, text) = found.remove(0);
            let manifest = Manifest::parse(&text, &path.display().to_string())?;
            Ok((path, text, manifest))
        }
        _ => bail!(
            "{} plugin manifests in {} ({}); keep one NAME.toml with a `[plugin]` table",
            found.len(),
            dir.display(),
            found
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Adds the wasm target with rustup when it is missing, or stops with the command to run.
fn ensure_target(dir: &Path) -> Result<()> {
    let libdir = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .current_dir(dir)
        .output();
    let installed = libdir.is_ok_and(|o| {
        o.status.success() && Path::new(String::from_utf8_lossy(&o.stdout).trim()).is_dir()
    });
    if installed {
        return Ok(());
    }
    eprintln!("abp: adding the {TARGET} target with `rustup target add {TARGET}`");
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !added {
        bail!(
            "the {TARGET} target is missing and could not be added; run `rustup target add {TARGET}` and build again"
        );
    }
    Ok(())
}

/// `cargo build --target wasm32-wasip2 --release` in `dir`; returns the component it produced
/// (read from cargo's JSON messages, so any target directory works).
fn cargo_build(dir: &Path, cargo_toml: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(&cargo)
        .args([
            "build",
            "--target",
            TARGET,
            "--release",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(cargo_toml)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("running `cargo build`; is cargo installed and on PATH?")?;
    let own = cargo_toml
        .canonicalize()
        .with_context(|| format!("resolving {}", cargo_toml.display()))?;
    let mut wasm = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading cargo's output")?;
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let is_ours = message["manifest_path"]
                .as_str()
                .and_then(|p| Path::new(p).canonicalize().ok())
                .as_ref()
                == Some(&own);
            let is_cdylib = message["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|x| x == "cdylib"));
            if is_ours && is_cdylib {
                let files = message["filenames"].as_array().cloned().unwrap_or_default();
                wasm = files
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|f| {
                        Path::new(f)
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("wasm"))
                    })
                    .map(PathBuf::from)
                    .or(wasm);
            }
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!(
            "`cargo build --target {TARGET} --release` failed in {} (see cargo's errors above)",
            dir.display()
        );
    }
    wasm.with_context(|| {
        format!(
            "cargo built no `.wasm` for {}; its Cargo.toml needs `[lib] crate-type = [\"cdylib\", \"rlib\"]`",
            cargo_toml.display()
        )
    })
}

/// Checks that the file is a component exporting the node interface; returns the WIT package
/// and version it was built against (`abp:node@0.1.0`).
fn check_component(bytes: &[u8], path: &Path) -> Result<String> {
    // Preamble of the component binary format: magic, then version 0x0d and layer 1.
    const COMPONENT: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    if !bytes.starts_with(&COMPONENT) {
        bail!(
            "{} is not a WebAssembly component (a core module?); build for `{TARGET}`",
            path.display()
        );
    }
    let needle = b"abp:node/execution-node@";
    let Some(at) = bytes.windows(needle.len()).position(|w| w == needle) else {
        bail!(
            "{} does not export `abp:node/execution-node`; end src/lib.rs with `abp_node_sdk::export_node!(YourNode);`",
            path.display()
        );
    };
    let version: String = bytes[at + needle.len()..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        .map(|b| char::from(*b))
        .collect();
    Ok(format!("abp:node@{version}"))
}

// ---------------------------------------------------------------------------------------------
// abp plugins sign / verify

/// The plugin whose component is `wasm`: the manifest beside it that names it.
fn plugin_for_wasm(wasm: &Path) -> Result<Plugin> {
    if !wasm.is_file() {
        bail!(
            "{} is not a file; give the plugin's NAME.wasm",
            wasm.display()
        );
    }
    let file_name = wasm
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = wasm
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut candidates: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
        })
        .collect();
    // The usual NAME.toml first.
    candidates.sort_by_key(|p| (p.file_stem() != wasm.file_stem(), p.clone()));
    for manifest in candidates {
        let Ok(text) = fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(parsed) = toml::from_str::<Manifest>(&text) else {
            continue;
        };
        if parsed.plugin.wasm == file_name {
            return read_plugin(&manifest);
        }
    }
    bail!(
        "no manifest beside {} names it (`wasm = \"{file_name}\"` in a NAME.toml); a plugin is NAME.wasm plus NAME.toml",
        wasm.display()
    )
}

fn sign(g: &Global, wasm: &Path, key: &Path) -> Result<u8> {
    let plugin = plugin_for_wasm(wasm)?;
    let text = fs::read_to_string(key)
        .with_context(|| format!("reading the signing key {}", key.display()))?;
    let secret =
        SecretKeyText::parse(&text).with_context(|| format!("signing key {}", key.display()))?;
    let signature = signing::sign(&plugin.statement(), &secret)?;
    let path = signing::signature_path(wasm);
    let mut body = serde_json::to_string_pretty(&signature)?;
    body.push('\n');
    fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "signature_file": path.display().to_string(), "signature": signature })
            )?
        );
    } else {
        println!(
            "signed `{}` {} with key {} (wasm sha256 {}, manifest sha256 {})",
            signature.node_type,
            signature.version,
            signature.keyid,
            &signature.wasm_sha256[..12],
            &signature.manifest_sha256[..12]
        );
        println!("  {}", path.display());
        println!(
            "deployments that trust it add to `trusted_keys` in abp.toml: \"{}\"",
            signature.public_key
        );
    }
    Ok(exit::OK)
}

fn verify(
    g: &Global,
    opts: &SessionOptions,
    wasm: Option<&Path>,
    key_files: &[PathBuf],
) -> Result<u8> {
    let policy = LoadedPolicy::load(opts.policy.as_deref())?;
    let trusted = crate::evidence::trusted_keys(&policy, key_files)?;
    let plugins: Vec<Plugin> = match wasm {
        Some(wasm) => vec![plugin_for_wasm(wasm)?],
        None if opts.plugin_dirs.is_empty() => {
            bail!(
                "nothing to verify: give a plugin (`abp plugins verify NAME.wasm`) or directories (`--plugins DIR`)"
            )
        }
        None => Registry::discover(&opts.plugin_dirs, false)?
            .plugins
            .into_values()
            .collect(),
    };
    let trust = TrustPolicy {
        required: true,
        trusted,
        origin: policy.origin.clone(),
    };
    let mut rows = Vec::new();
    for plugin in &plugins {
        let status = plugin.check_signature(&trust);
        rows.push(json!({
            "node_type": plugin.name(),
            "version": plugin.manifest.plugin.version,
            "wasm": plugin.wasm_path.as_ref().map(|p| p.display().to_string()),
            "ok": status.is_accepted(),
            "detail": status.describe(),
            "signature": status,
        }));
    }
    let all_ok = rows.iter().all(|r| r["ok"] == true);
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "ok": all_ok, "trusted_keys": trust.trusted.iter().map(abp_evidence::PublicKeyText::keyid).collect::<Vec<_>>(), "plugins": rows })
            )?
        );
    } else {
        let mut out = String::new();
        for r in &rows {
            let _ = writeln!(
                out,
                "{:<5} {} {}: {}  ({})",
                if r["ok"] == true { "ok" } else { "FAIL" },
                r["node_type"].as_str().unwrap_or_default(),
                r["version"].as_str().unwrap_or_default(),
                r["detail"].as_str().unwrap_or_default(),
                r["wasm"].as_str().unwrap_or_default()
            );
        }
        if rows.is_empty() {
            out.push_str("no plugins in the given directories\n");
        }
        if trust.trusted.is_empty() {
            out.push_str(
                "no trusted keys: pass `--key PUBKEYFILE` or set `trusted_keys` in the policy\n",
            );
        }
        print!("{out}");
    }
    Ok(if all_ok {
        exit::OK
    } else {
        exit::VERIFY_FAILED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_globs_match_one_segment_per_star() {
        let check = |pattern: &str, path: &str, want: bool| {
            assert_eq!(glob_match(pattern, path), want, "{pattern} vs {path}");
        };
        check("plugins/test-nodes/*", "plugins/test-nodes/hello", true);
        check("plugins/test-nodes/*", "plugins/hello", false);
        check("plugins/test-nodes/*", "plugins/test-nodes/a/b", false);
        check("crates/abp-*", "crates/abp-x", true);
        check("crates/abp-*", "crates/x", false);
        check("host", "host", true);
        check("./tests", "tests", true);
    }

    #[test]
    fn struct_names_are_camel_case_nodes() {
        assert_eq!(struct_name("hello"), "HelloNode");
        assert_eq!(struct_name("my-dns_node"), "MyDnsNode");
    }

    #[test]
    fn rejects_names_that_are_not_plain_lowercase_identifiers() {
        for bad in ["", "Hello", "1node", "a/b", "../x", "a b"] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_name("hello-2_x").is_ok());
    }

    #[test]
    fn every_template_placeholder_is_filled() {
        let sdk = Path::new("/sdk");
        let (deps, dev, tail) = cargo_sections(&Layout::Standalone, sdk);
        for (file, template) in TEMPLATE {
            let mut text = (*template).to_owned();
            for (key, value) in [
                ("{{node_type}}", "hello"),
                ("{{crate_name}}", "hello"),
                ("{{struct_name}}", "HelloNode"),
                ("{{dependencies}}", deps.as_str()),
                ("{{dev_dependencies}}", dev.as_str()),
                ("{{tail}}", tail.as_str()),
            ] {
                text = text.replace(key, value);
            }
            assert!(!text.contains("{{"), "{file} keeps a placeholder");
        }
    }
}
