//! Evidence packs for abp runs: what a run did, bound by hashes so that anyone can check it
//! offline and see exactly which field was changed if it was.
//!
//! A [`PipelineEvidencePack`] (the seed's S8.6 fields plus plugin and policy digests, mode, host
//! version and run id) is built by [`build`] from what the host hands over in a [`PackInput`].
//! Every hash is SHA-256 over RFC 8785 canonical JSON ([`canonical`]):
//!
//! - the audit events are hash-chained ([`chain`]), the pack records the head;
//! - `field_digests` records a digest for every covered value ([`digests`]), so [`verify`] can
//!   name the field path of an edit, a removed or reordered array element;
//! - `reproducibility_digest` covers the time-free, run-free view of the pack ([`repro`]);
//! - `content_hash` covers the whole pack except itself and `signature`;
//! - `signature` is an optional DSSE envelope with Ed25519 signatures ([`sign`]).
//!
//! The crate does no I/O except reading artifact files under a root the caller names
//! ([`hash_artifact`], [`VerifyOptions::artifacts_root`]) and reading the OS random source for
//! [`generate_keypair`].

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
