//! Signed plugins: `NAME.sig` beside `NAME.wasm` carries an Ed25519 signature over a statement
//! of what the plugin is (node type, version, SHA-256 of the wasm, SHA-256 of the manifest), and
//! the policy's `require_signed_plugins` / `trusted_keys` decide whether an unsigned or foreign
//! plugin may load. The check runs on the bytes read at discovery, before anything is compiled.
//!
//! Keys are the ones `abp keys generate` writes (`abp-ed25519-secret:` / `abp-ed25519-public:`
//! lines, crate `abp-evidence`), so one key format serves evidence packs and plugins alike.
//!
//! What is signed: the DSSE pre-authentication encoding (`abp_evidence::sign::pae`) of
//! [`PAYLOAD_TYPE`] and the RFC 8785 form of the [`Statement`]
//! `{"manifest_sha256":..,"node_type":..,"version":..,"wasm_sha256":..}`. The payload type keeps
//! a plugin signature from ever passing as an evidence signature and the other way round.
//!
//! Built-in plugins carry no signature: they are part of the `abp` binary, whose integrity is
//! the operator's to establish (a tampered binary could skip any check it carries), so signing
//! them would add no assurance. `--no-builtin-plugins` with a signed copy in a plugin directory
//! makes every plugin that runs a signed one.

use std::path::{Path, PathBuf};

use abp_evidence::{PublicKeyText, SecretKeyText};
use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::policy::LoadedPolicy;

/// `format` of a signature file.
pub const SIGNATURE_FORMAT: &str = "abp-plugin-signature/v1";
/// DSSE payload type of the signed statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.abp.plugin-statement+json";

/// What a plugin signature vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub node_type: String,
    pub version: String,
    pub wasm_sha256: String,
    pub manifest_sha256: String,
}

impl Statement {
    /// The bytes the signature covers.
    pub fn signed_bytes(&self) -> Result<Vec<u8>> {
        let value = json!({
            "manifest_sha256": self.manifest_sha256,
            "node_type": self.node_type,
            "version": self.version,
            "wasm_sha256": self.wasm_sha256,
        });
        let canonical =
            abp_evidence::canonicalize(&value).context("canonical form of the plugin statement")?;
        Ok(abp_evidence::sign::pae(PAYLOAD_TYPE, canonical.as_bytes()))
    }
}

/// The `NAME.sig` file: the statement, who signed it and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// [`SIGNATURE_FORMAT`].
    pub format: String,
    pub node_type: String,
    pub version: String,
    pub wasm_sha256: String,
    pub manifest_sha256: String,
    /// Key id of the signer (first 16 hex digits of the SHA-256 of the public key).
    pub keyid: String,
    /// The signer's public key, as `abp keys generate` writes it.
    pub public_key: String,
    /// Base64 of the 64-byte Ed25519 signature over [`Statement::signed_bytes`].
    pub sig: String,
}

impl SignatureFile {
    pub fn statement(&self) -> Statement {
        Statement {
            node_type: self.node_type.clone(),
            version: self.version.clone(),
            wasm_sha256: self.wasm_sha256.clone(),
            manifest_sha256: self.manifest_sha256.clone(),
        }
    }
}

/// Where the signature of `wasm_path` lives: `NAME.sig` beside `NAME.wasm`.
pub fn signature_path(wasm_path: &Path) -> PathBuf {
    wasm_path.with_extension("sig")
}

/// Signs `statement` with `key`.
pub fn sign(statement: &Statement, key: &SecretKeyText) -> Result<SignatureFile> {
    let signing = signing_key(key)?;
    let signature = signing.sign(&statement.signed_bytes()?);
    Ok(SignatureFile {
        format: SIGNATURE_FORMAT.to_owned(),
        node_type: statement.node_type.clone(),
        version: statement.version.clone(),
        wasm_sha256: statement.wasm_sha256.clone(),
        manifest_sha256: statement.manifest_sha256.clone(),
        keyid: key.keyid(),
        public_key: key.public_key().to_text(),
        sig: STANDARD.encode(signature.to_bytes()),
    })
}

/// The verdict on one plugin's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Built into the binary: trusted with it (see the module docs).
    Builtin,
    /// No `NAME.sig` beside the wasm.
    Unsigned,
    /// The signature file is malformed or its signature does not verify with its own key.
    BadSignature { reason: String },
    /// The signature is genuine, but the wasm or the manifest changed after signing.
    Tampered { keyid: String, reason: String },
    /// Genuine and matching, by a key that is not in `trusted_keys`.
    UntrustedKey { keyid: String },
    /// Genuine, matching, and by a trusted key.
    Trusted { keyid: String },
}

impl SignatureStatus {
    /// Whether a policy with `require_signed_plugins = true` lets the plugin load.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Self::Builtin | Self::Trusted { .. })
    }

    /// The key id to record as the plugin's signer (trusted signatures only).
    pub fn signer(&self) -> Option<&str> {
        match self {
            Self::Trusted { keyid } => Some(keyid.as_str()),
            _ => None,
        }
    }

    /// One phrase for messages: `unsigned`, `bad signature: ...`, ...
    pub fn describe(&self) -> String {
        match self {
            Self::Builtin => "built into the binary".to_owned(),
            Self::Unsigned => "unsigned (no `.sig` file beside the wasm)".to_owned(),
            Self::BadSignature { reason } => format!("bad signature: {reason}"),
            Self::Tampered { keyid, reason } => {
                format!("tampered after signing by key {keyid}: {reason}")
            }
            Self::UntrustedKey { keyid } => {
                format!("signed by untrusted key {keyid} (not in `trusted_keys`)")
            }
            Self::Trusted { keyid } => format!("signed by trusted key {keyid}"),
        }
    }
}

/// Judges a signature file's text (`None`: there is none) against what the plugin actually is
/// and the trusted keys.
pub fn check(
    signature_text: Option<&str>,
    actual: &Statement,
    trusted: &[PublicKeyText],
) -> SignatureStatus {
    let Some(text) = signature_text else {
        return SignatureStatus::Unsigned;
    };
    let bad = |reason: String| SignatureStatus::BadSignature { reason };
    let file: SignatureFile = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return bad(format!(
                "the `.sig` file is not an abp plugin signature: {e}"
            ));
        }
    };
    if file.format != SIGNATURE_FORMAT {
        return bad(format!(
            "the `.sig` file has format `{}`, expected `{SIGNATURE_FORMAT}`",
            file.format
        ));
    }
    let public = match PublicKeyText::parse(&file.public_key) {
        Ok(p) => p,
        Err(e) => return bad(format!("`public_key`: {e}")),
    };
    if public.keyid() != file.keyid {
        return bad(format!(
            "`keyid` {} is not the id of its `public_key` ({})",
            file.keyid,
            public.keyid()
        ));
    }
    let verified = verifying_key(&public).is_some_and(|key| {
        let signature = STANDARD
            .decode(&file.sig)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .map(|b| Signature::from_bytes(&b));
        let message = file.statement().signed_bytes().ok();
        matches!((signature, message), (Some(s), Some(m)) if key.verify_strict(&m, &s).is_ok())
    });
    if !verified {
        return bad(format!(
            "the signature does not verify with key {} (the `.sig` file was edited, or signed something else)",
            file.keyid
        ));
    }
    let signed = file.statement();
    let mut changed = Vec::new();
    if signed.wasm_sha256 != actual.wasm_sha256 {
        changed.push(format!(
            "the wasm (sha256 {} signed, {} now)",
            short(&signed.wasm_sha256),
            short(&actual.wasm_sha256)
        ));
    }
    if signed.manifest_sha256 != actual.manifest_sha256 {
        changed.push(format!(
            "the manifest (sha256 {} signed, {} now)",
            short(&signed.manifest_sha256),
            short(&actual.manifest_sha256)
        ));
    }
    if signed.node_type != actual.node_type || signed.version != actual.version {
        changed.push(format!(
            "the node (`{}` {} signed, `{}` {} now)",
            signed.node_type, signed.version, actual.node_type, actual.version
        ));
    }
    if !changed.is_empty() {
        return SignatureStatus::Tampered {
            keyid: file.keyid,
            reason: format!("{} changed", changed.join(" and ")),
        };
    }
    if trusted.iter().any(|k| k == &public) {
        SignatureStatus::Trusted { keyid: file.keyid }
    } else {
        SignatureStatus::UntrustedKey { keyid: file.keyid }
    }
}

fn short(digest: &str) -> &str {
    &digest[..12.min(digest.len())]
}

/// What the policy says about plugin signatures.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    /// `require_signed_plugins`.
    pub required: bool,
    /// `trusted_keys`, parsed.
    pub trusted: Vec<PublicKeyText>,
    /// The policy's origin, for messages.
    pub origin: String,
}

impl TrustPolicy {
    /// Reads `require_signed_plugins` and `trusted_keys`. With signatures required, every key
    /// that does not parse is an error (all named at once); otherwise such keys are left out, so
    /// a typo cannot stop a deployment that does not rely on them.
    pub fn from_policy(policy: &LoadedPolicy) -> Result<Self> {
        let mut trusted = Vec::new();
        let mut problems = Vec::new();
        for (i, text) in policy.policy.trusted_keys.iter().enumerate() {
            match PublicKeyText::parse(text) {
                Ok(k) => trusted.push(k),
                Err(e) => problems.push(format!("`trusted_keys[{i}]`: {e}")),
            }
        }
        let required = policy.policy.require_signed_plugins;
        if required && !problems.is_empty() {
            bail!("policy {}: {}", policy.origin, problems.join("; "));
        }
        if required && trusted.is_empty() {
            bail!(
                "policy {}: `require_signed_plugins = true` but `trusted_keys` is empty, so no plugin outside the binary could load; add the public key line of each signer (from `abp keys generate`)",
                policy.origin
            );
        }
        Ok(Self {
            required,
            trusted,
            origin: policy.origin.clone(),
        })
    }

    /// The error for a plugin this policy refuses, naming the plugin and the reason.
    pub fn refusal(&self, node_type: &str, origin: &str, status: &SignatureStatus) -> String {
        format!(
            "plugin `{node_type}` ({origin}) is refused before loading: {}; the policy ({}) sets `require_signed_plugins = true`, so only plugins signed by a key in `trusted_keys` load (sign with `abp plugins sign NAME.wasm --key KEY`, check with `abp plugins verify`)",
            status.describe(),
            self.origin
        )
    }
}

fn signing_key(key: &SecretKeyText) -> Result<SigningKey> {
    // The key type keeps its bytes private; its text form is the one key format we share.
    let text = key.to_text();
    let seed = decode32(&text, abp_evidence::sign::SECRET_KEY_PREFIX).context("secret key")?;
    Ok(SigningKey::from_bytes(&seed))
}

fn verifying_key(key: &PublicKeyText) -> Option<VerifyingKey> {
    let bytes = decode32(&key.to_text(), abp_evidence::sign::PUBLIC_KEY_PREFIX).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

fn decode32(text: &str, prefix: &str) -> Result<[u8; 32]> {
    let body = text
        .strip_prefix(prefix)
        .with_context(|| format!("key text does not start with `{prefix}`"))?;
    let bytes = STANDARD.decode(body).context("key is not base64")?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("key is {} bytes, expected 32", bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Statement {
        Statement {
            node_type: "hello".into(),
            version: "0.1.0".into(),
            wasm_sha256: "a".repeat(64),
            manifest_sha256: "b".repeat(64),
        }
    }

    fn signed() -> (SecretKeyText, PublicKeyText, String) {
        let (secret, public) = abp_evidence::generate_keypair().unwrap();
        let file = sign(&statement(), &secret).unwrap();
        (secret, public, serde_json::to_string(&file).unwrap())
    }

    #[test]
    fn a_signature_by_a_trusted_key_over_matching_digests_is_trusted() {
        let (secret, public, text) = signed();
        let status = check(Some(&text), &statement(), &[public]);
        assert_eq!(
            status,
            SignatureStatus::Trusted {
                keyid: secret.keyid()
            }
        );
        assert_eq!(status.signer(), Some(secret.keyid().as_str()));
    }

    #[test]
    fn each_failure_has_its_own_verdict() {
        let (_, public, text) = signed();
        let (_, other, _) = signed();
        let mut changed_wasm = statement();
        changed_wasm.wasm_sha256 = "c".repeat(64);
        let mut forged: SignatureFile = serde_json::from_str(&text).unwrap();
        forged.wasm_sha256 = "c".repeat(64);
        let forged = serde_json::to_string(&forged).unwrap();
        let check_kind =
            |sig: Option<&str>, actual: &Statement, keys: &[PublicKeyText], want: &str| {
                let status = check(sig, actual, keys);
                let kind = serde_json::to_value(&status).unwrap()["status"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert_eq!(kind, want, "{status:?}");
                assert!(!status.is_accepted());
            };
        check_kind(
            None,
            &statement(),
            std::slice::from_ref(&public),
            "unsigned",
        );
        check_kind(
            Some("{not json"),
            &statement(),
            std::slice::from_ref(&public),
            "bad_signature",
        );
        check_kind(
            Some(&forged),
            &changed_wasm,
            std::slice::from_ref(&public),
            "bad_signature",
        );
        check_kind(
            Some(&text),
            &changed_wasm,
            std::slice::from_ref(&public),
            "tampered",
        );
        check_kind(Some(&text), &statement(), &[other], "untrusted_key");
    }

    #[test]
    fn the_signed_bytes_are_domain_separated_from_evidence_signatures() {
        let bytes = statement().signed_bytes().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with(&format!("DSSEv1 {} {PAYLOAD_TYPE} ", PAYLOAD_TYPE.len())),
            "{text}"
        );
        assert!(
            text.ends_with(&format!("\"wasm_sha256\":\"{}\"}}", "a".repeat(64))),
            "{text}"
        );
    }
}
