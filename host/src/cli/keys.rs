//! `abp keys generate`: a fresh Ed25519 key pair for signing evidence packs. The secret goes
//! to `PREFIX.key`, created new with mode 0600 (never overwritten, never printed); the public
//! key goes to `PREFIX.pub` and is printed with its key id.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;

use super::{Global, exit};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate an Ed25519 key pair for signing evidence: PREFIX.key (secret, 0600) and PREFIX.pub
    Generate {
        /// Path prefix of the two files
        #[arg(long, value_name = "PREFIX", default_value = "abp-evidence")]
        out: PathBuf,
    },
}

pub fn run(g: &Global, command: &KeysCommand) -> Result<u8> {
    match command {
        KeysCommand::Generate { out } => generate(g, out),
    }
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn generate(g: &Global, prefix: &Path) -> Result<u8> {
    let secret_path = with_suffix(prefix, ".key");
    let public_path = with_suffix(prefix, ".pub");
    let existing: Vec<String> = [&secret_path, &public_path]
        .iter()
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if !existing.is_empty() {
        bail!(
            "{} already exist(s); choose another `--out PREFIX` or move the old keys away (a key is never overwritten)",
            existing.join(" and ")
        );
    }
    let (secret, public) = abp_evidence::generate_keypair()?;
    write_new(&secret_path, &secret.to_text(), true)?;
    if let Err(e) = write_new(&public_path, &public.to_text(), false) {
        // Do not leave half a pair behind.
        let _ = std::fs::remove_file(&secret_path);
        return Err(e);
    }
    let keyid = public.keyid();
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "keyid": keyid,
                "public_key": public.to_text(),
                "secret_key_file": secret_path.display().to_string(),
                "public_key_file": public_path.display().to_string(),
            }))?
        );
    } else {
        println!("public key: {public}");
        println!("key id:     {keyid}");
        println!(
            "wrote {} (secret, mode 0600: keep it private) and {}",
            secret_path.display(),
            public_path.display()
        );
        println!(
            "to sign evidence, set `evidence_signing_key = \"{}\"` in abp.toml",
            secret_path.display()
        );
        println!(
            "to check a pack: abp evidence verify FILE --key {}",
            public_path.display()
        );
    }
    Ok(exit::OK)
}

/// Creates `path` (failing if it exists) with the key line; a secret is created with mode 0600
/// so that it is never readable by others, not even for a moment.
fn write_new(path: &Path, line: &str, secret: bool) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
