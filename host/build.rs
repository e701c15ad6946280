//! Builds the plugins (wasmtime style): a nested `cargo build --target wasm32-wasip2` of every
//! plugin crate that has a manifest, into its own target directory, then generates
//! `builtin_plugins.rs`, which embeds the shipped nodes (webgenesis, dns, odoo) in the binary
//! and names the folders holding the built plugins and the test-only nodes.
//!
//! The wasm target is added with `rustup` when missing; without rustup the build stops with
//! the exact command to run.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host/ lives in the workspace")
        .to_owned();
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for watched in ["plugins", "sdk", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=ABP_ALLOW_MISSING_PLUGINS");

    let shipped = plugin_crates(&root.join("plugins"));
    let tests = plugin_crates(&root.join("plugins/test-nodes"));
    ensure_target();
    // Shared by debug and release host builds, apart from the host's own target dir layout.
    let target_dir = out
        .ancestors()
        .nth(4)
        .map_or_else(|| out.join("wasm-target"), |t| t.join("wasm-plugins"));
    let all: Vec<&Crate> = shipped.iter().chain(&tests).collect();
    build(&root, &target_dir, &all);

    let wasm_dir = target_dir.join(TARGET).join("wasm");
    let plugin_dir = out.join("plugins");
    let test_dir = out.join("test-plugins");
    let mut code = String::from("pub const PLUGINS: &[(&str, &str, &[u8])] = &[\n");
    for (crates, dir, embed) in [(&shipped, &plugin_dir, true), (&tests, &test_dir, false)] {
        fs::create_dir_all(dir).expect("create plugin output dir");
        for c in crates {
            let built = wasm_dir.join(format!("{}.wasm", c.package.replace('-', "_")));
            if !built.is_file() {
                continue;
            }
            let wasm = dir.join(format!("{}.wasm", c.node));
            let manifest = dir.join(format!("{}.toml", c.node));
            fs::copy(&built, &wasm).expect("copy wasm");
            fs::copy(&c.manifest, &manifest).expect("copy manifest");
            if embed {
                writeln!(
                    code,
                    "    ({:?}, include_str!({:?}), include_bytes!({:?})),",
                    format!("{}.toml", c.node),
                    manifest.display().to_string(),
                    wasm.display().to_string()
                )
                .expect("write to string");
            }
        }
    }
    code.push_str("];\n");
    writeln!(
        code,
        "pub const PLUGIN_DIR: &str = {:?};",
        plugin_dir.display().to_string()
    )
    .expect("write");
    writeln!(
        code,
        "pub const TEST_PLUGIN_DIR: &str = {:?};",
        test_dir.display().to_string()
    )
    .expect("write");
    fs::write(out.join("builtin_plugins.rs"), code).expect("write builtin_plugins.rs");
}

struct Crate {
    package: String,
    node: String,
    manifest: PathBuf,
}

/// Plugin crates directly under `dir`: a crate is a plugin once it has `NODE.toml` beside its
/// `Cargo.toml` (a crate still being written has none and is left out).
fn plugin_crates(dir: &Path) -> Vec<Crate> {
    let mut crates = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return crates;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    for crate_dir in dirs {
        let cargo = fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
        let Some(package) = cargo.lines().find_map(|l| {
            l.trim()
                .strip_prefix("name = ")
                .map(|v| v.trim_matches('"').to_owned())
        }) else {
            continue;
        };
        let Ok(files) = fs::read_dir(&crate_dir) else {
            continue;
        };
        let mut manifests: Vec<PathBuf> = files
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "toml")
                    && p.file_name().is_some_and(|n| n != "Cargo.toml")
            })
            .filter(|p| fs::read_to_string(p).is_ok_and(|t| t.contains("[plugin]")))
            .collect();
        manifests.sort();
        if let Some(manifest) = manifests.into_iter().next() {
            let node = manifest
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            crates.push(Crate {
                package,
                node,
                manifest,
            });
        }
    }
    crates
}

fn ensure_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output();
    let installed = libdir.is_ok_and(|o| {
        o.status.success() && Path::new(String::from_utf8_lossy(&o.stdout).trim()).is_dir()
    });
    if installed {
        return;
    }
    println!("cargo:warning=adding the {TARGET} target with `rustup target add {TARGET}`");
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        added,
        "the {TARGET} target is missing and could not be added; run `rustup target add {TARGET}` and build again"
    );
}

fn build(root: &Path, target_dir: &Path, crates: &[&Crate]) {
    if crates.is_empty() {
        return;
    }
    let allow_missing = env::var_os("ABP_ALLOW_MISSING_PLUGINS").is_some();
    let run = |packages: &[&Crate]| {
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(root)
            .args([
                "build",
                "--quiet",
                "--target",
                TARGET,
                "--profile",
                "wasm",
                "--target-dir",
            ])
            .arg(target_dir);
        for c in packages {
            cmd.args(["-p", &c.package]);
        }
        // The outer build's flags and wrappers are for the host, not for the guests.
        for var in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTC_WRAPPER",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            cmd.env_remove(var);
        }
        cmd.status().is_ok_and(|s| s.success())
    };
    if run(crates) {
        return;
    }
    assert!(
        allow_missing,
        "building the plugins for {TARGET} failed (see the errors above); set ABP_ALLOW_MISSING_PLUGINS=1 to build the host without the failing ones"
    );
    for c in crates {
        if !run(&[c]) {
            println!(
                "cargo:warning=plugin crate `{}` failed to build for {TARGET}; left out",
                c.package
            );
        }
    }
}
