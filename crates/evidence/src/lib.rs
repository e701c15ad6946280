//! Evidence packs for abp runs: what a run did, bound by hashes so that anyone can check it
//! offline and see exactly which field was changed if it was.
//!
//! A [`PipelineEvidencePack`] (the seed's S8.6 fields plus plugin and policy digests, mode, host
//! version and run id) is built by [`build`] from what the host hands over in a [`PackInput`].
//! Every hash is SHA-256 over RFC 8785 canonical JSON ([`canonical`]):
//!
//! - the audit events are hash-chained ([`chain`]), the pack records the head;
//! - `field_digests` records a digest for every covered value ([`digests`]), so [`verify()`] can
//!   name the field path of an edit, a removed or reordered array element;
//! - `reproducibility_digest` covers the time-free, run-free view of the pack ([`repro`]);
//! - `content_hash` covers the whole pack except itself and `signature`;
//! - `signature` is an optional DSSE envelope with Ed25519 signatures ([`mod@sign`]).
//!
//! The crate does no I/O except reading artifact files under a root the caller names
//! ([`hash_artifact`], [`VerifyOptions::artifacts_root`]) and reading the OS random source for
//! [`generate_keypair`].
//!
//! # Pack fields
//!
//! Seed: `pack_id`, `generated_at`, `business_intent_id`, `business_intent`, `graph_id`,
//! `graph_spec`, `execution_result`, `summary`, `governance_decisions`, `artifacts` (here
//! `{path, sha256, size}`), `audit_events` (chained), `content_hash`, `is_dry_run`.
//! Ours: `run_id`, `plugins` (`{node_type, version, wasm_sha256, manifest_sha256, signer}`),
//! `policy_digest`, `mode` (`normal`/`safe`/`sovereign`), `host_version`, `storage_root`,
//! `audit_chain_head`, `reproducibility_digest`, `field_digests`, `signature` (DSSE, optional).
//!
//! | digest                   | covers                                                        |
//! |--------------------------|---------------------------------------------------------------|
//! | `audit_events[i].hash`   | event `i` without `hash`, including `prev_hash`               |
//! | `field_digests`          | every value of the pack but `field_digests`, `content_hash`, `signature` |
//! | `reproducibility_digest` | [`reproducibility_view`] of the pack                          |
//! | `content_hash`           | the pack without `content_hash` and `signature`               |
//! | `signature`              | the pack without `signature` (so `content_hash` included)     |
//!
//! # Use from the host
//!
//! Fill a [`PackInput`] (hash each artifact with [`hash_artifact`] under the run's output
//! directory; pass `execution_result`, intent and spec as `serde_json::to_value` of the host's
//! types), call [`build`], optionally [`attach_signature`], write `serde_json::to_string` of the
//! pack. To check: parse the file as `serde_json::Value` and call [`verify()`]; report
//! `report.first()` (path, expected, computed) and exit non-zero unless `report.valid`.

pub mod canonical;
pub mod chain;
pub mod digests;
pub mod pack;
pub mod report;
pub mod repro;
pub mod sign;
pub mod verify;

pub use canonical::{CanonicalError, canonicalize, sha256_hex};
pub use chain::{ChainBreak, ChainError, GENESIS_HASH, chain_events, verify_chain};
pub use pack::{
    Artifact, EvidenceError, Mode, PackInput, PipelineEvidencePack, PluginDigest, build,
    content_hash, hash_artifact,
};
pub use report::{Mismatch, MismatchKind};
pub use repro::{reproducibility_digest, reproducibility_view};
pub use sign::{
    Envelope, EnvelopeSignature, PAYLOAD_TYPE, PublicKeyText, SecretKeyText, attach_signature,
    generate_keypair, sign, to_in_toto_statement, verify_envelope,
};
pub use verify::{SignatureStatus, VerifyOptions, VerifyReport, verify};
