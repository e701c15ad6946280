//! The node author's side, end to end through the `abp` CLI: signed plugins under
//! `require_signed_plugins` (unsigned, wrongly signed, tampered and untrusted plugins are refused
//! before they are compiled; a signed one runs and its signer is in the journal and the
//! evidence), a component built for another major WIT version is refused naming both versions,
//! and `abp plugins new` + `abp plugins build` + `abp plan` works from nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::{Value, json};

use crate::support::{Workspace, abp_bin, test_plugins};

/// Exit code for invalid input (plugins included): `cli::exit::INVALID`.
const INVALID: i32 = 2;
/// `abp plugins verify` exit code when a plugin does not verify: `cli::exit::VERIFY_FAILED`.
const VERIFY_FAILED: i32 = 6;

/// `abp ARGS` in the workspace with only the plugin directories given (the shared test plugin
/// directory also offers `noop`, and two directories may not offer the same node type).
fn abp(ws: &Workspace, plugin_dirs: &[&Path], args: &[&str]) -> Output {
    let mut cmd = Command::new(abp_bin());
    cmd.current_dir(ws.path()).env_remove("ABP_POLICY");
    for dir in plugin_dirs {
        cmd.arg("--plugins").arg(dir);
    }
    cmd.args(args).output().expect("run abp")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stdout: {} stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A fresh key pair from `abp keys generate`: (secret key file, public key file, public key line, key id).
fn keypair(ws: &Workspace, name: &str) -> (PathBuf, PathBuf, String, String) {
    let prefix = ws.path().join("keys").join(name);
    std::fs::create_dir_all(prefix.parent().unwrap()).unwrap();
    let out = abp(
        ws,
        &[],
        &[
            "--json",
            "keys",
            "generate",
            "--out",
            prefix.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = json_of(&out);
    (
        prefix.with_extension("key"),
        prefix.with_extension("pub"),
        info["public_key"].as_str().unwrap().to_owned(),
        info["keyid"].as_str().unwrap().to_owned(),
    )
}

/// A plugin directory holding a copy of the `noop` test plugin.
fn noop_dir(ws: &Workspace, name: &str) -> PathBuf {
    let dir = ws.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["noop.wasm", "noop.toml"] {
        std::fs::copy(Path::new(test_plugins()).join(file), dir.join(file)).unwrap();
    }
    dir
}

fn sign(ws: &Workspace, dir: &Path, key: &Path) {
    let wasm = dir.join("noop.wasm");
    let out = abp(
        ws,
        &[],
        &[
            "plugins",
            "sign",
            wasm.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn noop_graph(ws: &Workspace) -> PathBuf {
    ws.graph(
        "g.json",
        &json!({ "graph_id": "signed", "nodes": [ { "node_id": "n", "node_type": "noop" } ] }),
    )
}

/// Whether the runtime's cache holds a compiled copy of this wasm (it is compiled on load).
fn was_compiled(ws: &Workspace, wasm: &Path) -> bool {
    let sha = abp_host::plugins::sha256_hex(&std::fs::read(wasm).unwrap());
    std::fs::read_dir(ws.storage().join("cache")).is_ok_and(|mut entries| {
        entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with(&sha)))
    })
}

fn signed_policy(trusted: &str) -> String {
    format!(
        "storage = \"./storage\"\nrequire_signed_plugins = true\ntrusted_keys = [\"{trusted}\"]\n"
    )
}

/// Spoils a signed-to-be plugin directory: (directory, trusted secret key, other secret key).
type Spoil = fn(&Path, &Path, &Path);

#[test]
fn unsigned_wrongly_signed_tampered_and_untrusted_plugins_are_refused_before_compiling() {
    let setup = Workspace::new("");
    let (trusted_key, _, trusted_pub, trusted_id) = keypair(&setup, "trusted");
    let (other_key, _, _, other_id) = keypair(&setup, "other");

    // Each case: how to spoil a plugin directory, and what the refusal must say.
    let cases: [(&str, Spoil, &[&str]); 6] = [
        ("unsigned", |_, _, _| {}, &["unsigned"]),
        (
            "signature bytes replaced",
            |dir, trusted, _| {
                sign_with(dir, trusted);
                edit_sig(dir, |sig| {
                    // A different first base64 digit: different signature bytes.
                    let old = sig["sig"].as_str().unwrap().to_owned();
                    let first = if old.starts_with('A') { 'B' } else { 'A' };
                    sig["sig"] = json!(format!("{first}{}", &old[1..]));
                });
            },
            &["bad signature", "does not verify"],
        ),
        (
            "digest in the signature rewritten to match a changed wasm",
            |dir, trusted, _| {
                sign_with(dir, trusted);
                append(&dir.join("noop.wasm"), b"\0");
                let sha =
                    abp_host::plugins::sha256_hex(&std::fs::read(dir.join("noop.wasm")).unwrap());
                edit_sig(dir, |sig| sig["wasm_sha256"] = json!(sha));
            },
            &["bad signature"],
        ),
        (
            "wasm changed after signing",
            |dir, trusted, _| {
                sign_with(dir, trusted);
                append(&dir.join("noop.wasm"), b"\0");
            },
            &["tampered after signing", "the wasm"],
        ),
        (
            "manifest changed after signing",
            |dir, trusted, _| {
                sign_with(dir, trusted);
                let manifest = dir.join("noop.toml");
                let text = std::fs::read_to_string(&manifest)
                    .unwrap()
                    .replace("memory_mb = 64", "memory_mb = 65");
                std::fs::write(manifest, text).unwrap();
            },
            &["tampered after signing", "the manifest"],
        ),
        (
            "signed by a key the policy does not trust",
            |dir, _, other| sign_with(dir, other),
            &["untrusted key"],
        ),
    ];

    for (what, spoil, expected) in cases {
        let ws = Workspace::new(&signed_policy(&trusted_pub));
        let dir = noop_dir(&ws, "plugins");
        spoil(&dir, &trusted_key, &other_key);
        let graph = noop_graph(&ws);
        let out = abp(&ws, &[&dir], &["plan", graph.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(INVALID), "{what}: {stderr}");
        assert!(
            stderr.contains("plugin `noop`") && stderr.contains("refused before loading"),
            "{what}: {stderr}"
        );
        for phrase in expected {
            assert!(
                stderr.contains(phrase),
                "{what}: no {phrase:?} in: {stderr}"
            );
        }
        if what.contains("untrusted") {
            assert!(
                stderr.contains(&other_id) && !stderr.contains(&trusted_id),
                "{what}: {stderr}"
            );
        }
        assert!(
            !was_compiled(&ws, &dir.join("noop.wasm")),
            "{what}: the refused plugin was compiled"
        );
        // `abp plugins verify` says the same, with its own exit code.
        let out = abp(&ws, &[&dir], &["--json", "plugins", "verify"]);
        assert_eq!(out.status.code(), Some(VERIFY_FAILED), "{what}");
        assert_eq!(json_of(&out)["plugins"][0]["ok"], json!(false), "{what}");
    }
}

/// Signs `dir/noop.wasm` through the CLI from inside a case (no workspace at hand).
fn sign_with(dir: &Path, key: &Path) {
    let out = Command::new(abp_bin())
        .args([
            "plugins",
            "sign",
            dir.join("noop.wasm").to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ])
        .output()
        .expect("run abp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn edit_sig(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("noop.sig");
    let mut sig: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut sig);
    std::fs::write(path, serde_json::to_vec_pretty(&sig).unwrap()).unwrap();
}

fn append(path: &Path, bytes: &[u8]) {
    let mut data = std::fs::read(path).unwrap();
    data.extend_from_slice(bytes);
    std::fs::write(path, data).unwrap();
}

#[test]
fn a_plugin_signed_by_a_trusted_key_runs_and_its_signer_is_in_the_journal_and_evidence() {
    let ws = Workspace::new("");
    let (key, public_file, public, keyid) = keypair(&ws, "release");
    std::fs::write(ws.path().join("abp.toml"), signed_policy(&public)).unwrap();
    let dir = noop_dir(&ws, "plugins");
    sign(&ws, &dir, &key);
    let sig: Value = serde_json::from_slice(&std::fs::read(dir.join("noop.sig")).unwrap()).unwrap();
    assert_eq!(sig["keyid"], json!(keyid));
    assert_eq!(sig["public_key"], json!(public));
    let secret = std::fs::read_to_string(&key).unwrap();
    assert!(
        !sig.to_string()
            .contains(secret.trim().split(':').nth(1).unwrap()),
        "the secret key is in the signature file"
    );

    let out = abp(
        &ws,
        &[&dir],
        &[
            "--json",
            "plugins",
            "verify",
            "--key",
            public_file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        json_of(&out)["plugins"][0]["signature"],
        json!({ "status": "trusted", "keyid": keyid })
    );

    let graph = noop_graph(&ws);
    let out = abp(&ws, &[&dir], &["--json", "apply", graph.to_str().unwrap()]);
    let result = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{result:#} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run_dir = ws
        .storage()
        .join("runs")
        .join(result["run_id"].as_str().unwrap());
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    let started: Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    assert_eq!(started["kind"], "run_started");
    assert_eq!(started["plugins"][0]["node_type"], "noop");
    assert_eq!(started["plugins"][0]["signer"], json!(keyid), "{started:#}");
    let pack: Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(
        pack["plugins"][0]["signer"],
        json!(keyid),
        "{:#}",
        pack["plugins"]
    );

    // Built-in plugins are trusted with the binary: they load under the same policy, unsigned.
    let out = abp(&ws, &[&dir], &["--json", "plugins", "inspect", "dns"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["signature"], json!({ "status": "builtin" }));

    // The same plugin from the test directory, with signatures not required, records no signer.
    let open = Workspace::new("storage = \"./storage\"\n");
    let graph = noop_graph(&open);
    let out = abp(
        &open,
        &[Path::new(test_plugins())],
        &["--json", "apply", graph.to_str().unwrap()],
    );
    let result = json_of(&out);
    let run_dir = open
        .storage()
        .join("runs")
        .join(result["run_id"].as_str().unwrap());
    let pack: Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("evidence.json")).unwrap()).unwrap();
    assert!(
        pack["plugins"][0]["signer"].is_null(),
        "{:#}",
        pack["plugins"]
    );
}

#[test]
fn require_signed_plugins_without_trusted_keys_is_a_policy_error_naming_the_key_to_set() {
    let ws = Workspace::new("storage = \"./storage\"\nrequire_signed_plugins = true\n");
    let dir = noop_dir(&ws, "plugins");
    let graph = noop_graph(&ws);
    let out = abp(&ws, &[&dir], &["plan", graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(INVALID), "{stderr}");
    assert!(stderr.contains("`trusted_keys` is empty"), "{stderr}");
}

#[test]
fn a_component_built_for_another_major_wit_version_is_refused_naming_both_versions() {
    let ws = Workspace::new("storage = \"./storage\"\n");
    let graph = ws.graph(
        "g.json",
        &json!({ "graph_id": "future", "nodes": [ { "node_id": "f", "node_type": "future" } ] }),
    );
    let out = ws.abp(&["plan", graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(INVALID), "{stderr}");
    for phrase in [
        "plugin `future`",
        "built against abp:node@1.0.0",
        "this host implements abp:node@0.1.0",
        "rebuild the plugin with abp-node-sdk for abp:node@0.1.0",
    ] {
        assert!(stderr.contains(phrase), "no {phrase:?} in: {stderr}");
    }
}

#[test]
fn a_scaffolded_node_builds_and_plans_through_the_host() {
    let ws = Workspace::new("");
    let crate_dir = ws.path().join("hello");
    let started = Instant::now();
    let out = abp(
        &ws,
        &[],
        &[
            "--json",
            "plugins",
            "new",
            "hello",
            "--path",
            crate_dir.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created = json_of(&out);
    assert!(
        created["layout"]
            .as_str()
            .unwrap()
            .starts_with("standalone"),
        "{created:#}"
    );
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "hello.toml",
        "README.md",
        "abp.toml",
        "graph.json",
    ] {
        assert!(
            crate_dir.join(file).is_file(),
            "{file} missing: {created:#}"
        );
    }
    // A second `new` into the same folder is refused rather than overwriting the author's work.
    let again = abp(
        &ws,
        &[],
        &[
            "plugins",
            "new",
            "hello",
            "--path",
            crate_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(again.status.code(), Some(INVALID));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // Reruns reuse one target directory beside the test binary's.
    let target = abp_bin()
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("node-scaffold");
    let out = Command::new(abp_bin())
        .args(["--json", "plugins", "build", crate_dir.to_str().unwrap()])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run abp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = json_of(&out);
    assert_eq!(built["wit"], "abp:node@0.1.0");
    let dist = crate_dir.join("dist");
    assert!(
        dist.join("hello.wasm").is_file() && dist.join("hello.toml").is_file(),
        "{built:#}"
    );

    // From the crate folder its abp.toml grants the `output` mount the manifest asks for.
    let out = Command::new(abp_bin())
        .current_dir(&crate_dir)
        .env_remove("ABP_POLICY")
        .args(["--json", "--plugins", "dist", "plan", "graph.json"])
        .output()
        .expect("run abp");
    let result = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{result:#} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let greet = &result["node_results"]["greet"];
    assert_eq!(greet["output"]["content"], "Hello, world!\n", "{result:#}");
    assert!(
        greet["output"]["would_write"]
            .as_str()
            .unwrap()
            .ends_with("/mnt/output/greeting.txt"),
        "{greet:#}"
    );
    assert!(
        !crate_dir.join("storage/hello-output/greeting.txt").exists(),
        "the dry run wrote a file"
    );
    eprintln!(
        "plugins new -> build -> plan took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
