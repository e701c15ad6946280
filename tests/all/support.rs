//! Shared test support: a temporary workspace with its own policy and storage, and the `abp`
//! binary (built on first use by a nested `cargo build`, so `cargo test` alone is enough).

#![allow(
    dead_code,
    reason = "each test group uses a different part of the support"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

pub mod odoo_standin;

/// The folder holding the test-only nodes (writer, failer, trapper, ...).
pub fn test_plugins() -> &'static str {
    abp_host::plugins::TEST_PLUGIN_DIR
}

/// The `abp` binary of this build profile, built if needed.
pub fn abp_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // target/<profile>/deps/all-HASH -> target/<profile>
        let exe = std::env::current_exe().expect("test binary path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_owned();
        let target_dir = profile_dir.parent().expect("target dir").to_owned();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "abp-host",
            "--bin",
            "abp",
            "--target-dir",
        ])
        .arg(&target_dir);
        if release {
            cmd.arg("--release");
        }
        let status = cmd
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building the abp binary failed");
        profile_dir.join("abp")
    })
}

/// A temporary folder with an `abp.toml` and its own storage.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// The grants every test node needs, with mounts under the workspace's storage.
pub const TEST_POLICY: &str = r#"
storage = "./storage"
max_parallelism = 8
[plugins.writer]
mounts = { output = "out" }
[plugins.escaper]
mounts = { output = "out" }
"#;

impl Workspace {
    pub fn new(policy: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("abp.toml"), policy).expect("write policy");
        Self { dir }
    }

    /// A workspace with no `abp.toml`: `abp` uses its embedded default policy.
    pub fn with_default_policy() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn storage(&self) -> PathBuf {
        self.path().join("storage")
    }

    /// Writes a graph spec and returns its path.
    pub fn graph(&self, name: &str, spec: &Value) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(spec).expect("json")).expect("write graph");
        path
    }

    /// A command for `abp` in this workspace, with the test plugins.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(abp_bin());
        cmd.current_dir(self.path())
            .arg("--plugins")
            .arg(test_plugins())
            .args(args);
        cmd.env_remove("ABP_POLICY");
        cmd
    }

    pub fn abp(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run abp")
    }

    /// Runs `abp --json ARGS` and parses stdout.
    pub fn abp_json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.abp(&all);
        let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "abp {args:?} printed no JSON ({e}); stdout: {} stderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), value)
    }

    /// Every file under `dir`, relative, sorted.
    #[allow(
        clippy::unused_self,
        reason = "a method reads better at the call sites"
    )]
    pub fn files_under(&self, dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
            );
        }
    }
}

/// Makes sure Debian packages a test group needs are installed: when `present()` is false and
/// we run as root with `apt-get`, installs `packages`; otherwise fails with the exact command.
/// (CI installs them up front in `.ci/run`; this keeps `cargo test` alone enough.)
pub fn ensure_debian_packages(present: &dyn Fn() -> bool, packages: &str, purpose: &str) {
    if present() {
        return;
    }
    let command =
        format!("apt-get update && apt-get install -y --no-install-recommends {packages}");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let apt = Command::new("sh")
        .args(["-c", "command -v apt-get"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        root && apt,
        "{purpose} need `{packages}`; install them with: {command}"
    );
    let status = Command::new("sh")
        .args(["-c", &command])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .expect("run apt-get");
    assert!(
        status.success() && present(),
        "installing `{packages}` failed; run: {command}"
    );
}
