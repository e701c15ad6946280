//! Artifacts on disk: hashed at build time under a root, re-hashed by `verify` with
//! `artifacts_root`, and each changed, missing or escaping file named.

use std::fs;

use abp_evidence::{MismatchKind, VerifyOptions, build, hash_artifact, verify};
use serde_json::Value;

use crate::sample;

fn pack_with_files() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("site")).expect("mkdir");
    fs::write(dir.path().join("site/index.html"), "<h1>Müller</h1>").expect("write");
    fs::write(dir.path().join("site/about.html"), "<p>about</p>").expect("write");
    fs::write(dir.path().join("bakery_shop.zip"), vec![7_u8; 200_000]).expect("write");
    let absolute = dir.path().join("bakery_shop.zip");
    let artifacts = vec![
        hash_artifact(dir.path(), "site/index.html").expect("hash"),
        hash_artifact(dir.path(), "./site/about.html").expect("hash"),
        hash_artifact(dir.path(), &absolute.to_string_lossy())
            .expect("hash absolute path under root"),
    ];
    let mut input = sample::input(&sample::FIRST);
    input.artifacts = artifacts;
    let pack = build(input).expect("build").to_value().expect("json");
    (dir, pack)
}

fn on_disk(dir: &tempfile::TempDir) -> VerifyOptions {
    VerifyOptions {
        artifacts_root: Some(dir.path().to_path_buf()),
        trusted_keys: Vec::new(),
    }
}

#[test]
fn records_relative_paths_digests_and_sizes() {
    let (_dir, pack) = pack_with_files();
    assert_eq!(pack["artifacts"][0]["path"], "site/index.html");
    assert_eq!(pack["artifacts"][1]["path"], "site/about.html");
    assert_eq!(pack["artifacts"][2]["path"], "bakery_shop.zip");
    assert_eq!(pack["artifacts"][2]["size"], 200_000);
    assert_eq!(
        pack["artifacts"][0]["sha256"],
        abp_evidence::sha256_hex("<h1>Müller</h1>")
    );
}

#[test]
fn unchanged_files_verify() {
    let (dir, pack) = pack_with_files();
    let report = verify(&pack, &on_disk(&dir));
    assert!(report.valid, "{:?}", report.mismatches);
    assert_eq!(report.artifacts_checked, 3);
}

#[test]
fn names_every_changed_and_missing_file() {
    let (dir, pack) = pack_with_files();
    fs::write(dir.path().join("site/about.html"), "<p>About us</p>").expect("rewrite");
    fs::remove_file(dir.path().join("bakery_shop.zip")).expect("remove");
    let report = verify(&pack, &on_disk(&dir));
    let found: Vec<_> = report
        .mismatches
        .iter()
        .map(|m| (m.path.as_str(), m.kind))
        .collect();
    assert_eq!(
        found,
        [
            ("/artifacts/1/sha256", MismatchKind::ArtifactChanged),
            ("/artifacts/2/path", MismatchKind::ArtifactMissing)
        ]
    );
    assert_eq!(
        report.mismatches[0].computed,
        Some(abp_evidence::sha256_hex("<p>About us</p>"))
    );
    // Without a root the files are not looked at.
    assert!(verify(&pack, &VerifyOptions::default()).valid);
}

#[test]
fn a_same_size_edit_is_caught() {
    let (dir, pack) = pack_with_files();
    let mut bytes = vec![7_u8; 200_000];
    bytes[123_456] = 8;
    fs::write(dir.path().join("bakery_shop.zip"), bytes).expect("rewrite");
    let report = verify(&pack, &on_disk(&dir));
    assert_eq!(
        report.first().map(|m| m.path.as_str()),
        Some("/artifacts/2/sha256")
    );
}

#[test]
fn refuses_paths_that_leave_the_root() {
    let (dir, _) = pack_with_files();
    for path in ["../etc/passwd", "site/../../x", "/etc/passwd", ""] {
        assert!(hash_artifact(dir.path(), path).is_err(), "{path}");
    }
    let mut input = sample::input(&sample::FIRST);
    input.artifacts[0].path = "../outside.html".to_owned();
    input.artifacts[1].sha256 = "ABC".to_owned();
    let err = build(input).expect_err("invalid artifacts").to_string();
    assert!(
        err.contains("artifacts/0/path") && err.contains("artifacts/1/sha256"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn refuses_symlinks_that_lead_out_of_the_root() {
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("secret.txt"), "x").expect("write");
    let (dir, _) = pack_with_files();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .expect("symlink");
    let err = hash_artifact(dir.path(), "link.txt")
        .expect_err("escapes")
        .to_string();
    assert!(err.contains("outside the artifacts root"), "{err}");
}
