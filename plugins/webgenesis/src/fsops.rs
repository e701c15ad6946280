//! The node's file-system work inside its mounts: claiming a site directory (never taking over
//! one this run did not create), writing and verifying files, copying the static site into
//! the deploy mount, and removing exactly the directories a receipt names.
//!
//! Ownership is recorded in a marker file in the generated directory (run id and node id), so a
//! retry of the same node may replace its own output while anything else is refused.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use abp_node_sdk::{NodeError, Value, json};

use crate::GeneratedFile;

/// Marker in `<output>/<slug>/` naming the run and node that created it.
pub const MARKER: &str = ".abp-webgenesis.json";

fn marker_of(generated: &Path) -> Option<Value> {
    let text = fs::read_to_string(generated.join(MARKER)).ok()?;
    serde_json::from_str(&text).ok()
}

fn owned_by(generated: &Path, run_id: &str, node_id: &str) -> bool {
    marker_of(generated).is_some_and(|m| {
        m.get("run_id").and_then(Value::as_str) == Some(run_id)
            && m.get("node_id").and_then(Value::as_str) == Some(node_id)
    })
}

/// Fails (naming every conflicting path) unless both directories are absent or this very node
/// of this very run created them.
pub fn ensure_free(
    generated: &Path,
    deployed: &Path,
    run_id: &str,
    node_id: &str,
) -> Result<(), NodeError> {
    let ours = generated.exists() && owned_by(generated, run_id, node_id);
    let taken: Vec<String> = [generated, deployed]
        .into_iter()
        .filter(|p| p.exists() && !ours)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    let (what, verb) = if taken.len() == 1 {
        (taken[0].clone(), "exists")
    } else {
        (taken.join(" and "), "exist")
    };
    let by = marker_of(generated)
        .and_then(|m| m.get("run_id").and_then(Value::as_str).map(str::to_owned));
    Err(NodeError::failed(match by {
        Some(run) => format!(
            "{what} already {verb}, created by run `{run}`, not this run; choose another `slug` or roll that run back first (`abp rollback {run}`)"
        ),
        None => format!(
            "{what} already {verb} and this run did not create it; choose another `slug`, or roll back the run that created it (or remove the directory) first"
        ),
    }))
}

fn remove_dir(path: &Path) -> Result<bool, NodeError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(NodeError::failed(format!(
            "removing {}: {e}",
            path.display()
        ))),
    }
}

/// Removes this node's own earlier copies (a retry in the same run).
pub fn remove_own(
    generated: &Path,
    deployed: &Path,
    run_id: &str,
    node_id: &str,
) -> Result<(), NodeError> {
    if generated.exists() && owned_by(generated, run_id, node_id) {
        remove_dir(deployed)?;
        remove_dir(generated)?;
    }
    Ok(())
}

/// Creates `path`, failing if it exists: the directory is then this run's alone.
pub fn claim_dir(path: &Path) -> Result<(), NodeError> {
    match fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(NodeError::failed(format!(
            "`{}` appeared while this run was working; choose another `slug` or remove it first",
            path.display()
        ))),
        Err(e) => Err(NodeError::failed(format!(
            "creating {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the ownership marker and every file below `root`; returns the bytes written.
pub fn write_files(
    root: &Path,
    files: &[GeneratedFile],
    run_id: &str,
    node_id: &str,
) -> Result<usize, NodeError> {
    let marker = json!({ "created_by": "webgenesis", "run_id": run_id, "node_id": node_id });
    fs::write(root.join(MARKER), format!("{marker}\n"))
        .map_err(|e| NodeError::failed(format!("writing {}: {e}", root.join(MARKER).display())))?;
    let mut bytes = 0;
    for f in files {
        let path = root.join(&f.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| NodeError::failed(format!("creating {}: {e}", parent.display())))?;
        }
        fs::write(&path, &f.contents)
            .map_err(|e| NodeError::failed(format!("writing {}: {e}", path.display())))?;
        bytes += f.contents.len();
    }
    Ok(bytes)
}

/// Problems with the files on disk compared to what was rendered (missing, wrong size).
pub fn verify(root: &Path, files: &[GeneratedFile]) -> Vec<String> {
    let mut problems = Vec::new();
    for f in files {
        let path = root.join(&f.path);
        match fs::metadata(&path) {
            Ok(m) if usize::try_from(m.len()).ok() == Some(f.contents.len()) => {}
            Ok(m) => problems.push(format!(
                "{} has {} bytes, expected {}",
                path.display(),
                m.len(),
                f.contents.len()
            )),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    problems
}

/// Copies the tree under `from` into the existing directory `to`; returns the number of files.
pub fn copy_tree(from: &Path, to: &Path) -> Result<usize, NodeError> {
    let mut count = 0;
    let mut stack: Vec<(PathBuf, PathBuf)> = vec![(from.to_owned(), to.to_owned())];
    while let Some((src, dst)) = stack.pop() {
        let entries = fs::read_dir(&src)
            .map_err(|e| NodeError::failed(format!("reading {}: {e}", src.display())))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| NodeError::failed(format!("reading {}: {e}", src.display())))?;
            let kind = entry.file_type().map_err(|e| {
                NodeError::failed(format!("reading {}: {e}", entry.path().display()))
            })?;
            let target = dst.join(entry.file_name());
            if kind.is_dir() {
                fs::create_dir(&target).map_err(|e| {
                    NodeError::failed(format!("creating {}: {e}", target.display()))
                })?;
                stack.push((entry.path(), target));
            } else if kind.is_file() {
                fs::copy(entry.path(), &target).map_err(|e| {
                    NodeError::failed(format!("copying to {}: {e}", target.display()))
                })?;
                count += 1;
            }
        }
    }
    Ok(count)
}

fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Removes a site directory named in a receipt, after checking that it is `<mount>/<slug>` for
/// one of this node's mounts (a damaged or forged receipt must not delete anything else).
/// `Ok(false)` when it is already gone.
pub fn remove_site_dir(path: &Path, mounts: &[PathBuf]) -> Result<bool, String> {
    let inside = path
        .parent()
        .is_some_and(|parent| mounts.iter().any(|m| m == parent));
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_slug);
    if !inside || !named {
        return Err(format!(
            "refusing to remove `{}`: it is not a site directory directly inside the `output` or `deploy` mount",
            path.display()
        ));
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("inspecting {}: {e}", path.display())),
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "refusing to remove `{}`: it is not a directory",
                path.display()
            ));
        }
        Ok(_) => {}
    }
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("removing {}: {e}", path.display())),
    }
}
