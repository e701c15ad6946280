//! What verification found: one [`Mismatch`] per thing that does not hold, each naming the JSON
//! pointer of the field it is about and, where a digest is involved, the recorded and recomputed
//! values.

use serde::{Deserialize, Serialize};

/// The sort of discrepancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    /// A member the verifier needs is missing or has the wrong JSON type.
    Malformed,
    /// A value differs from the one the digests were recorded over.
    ValueChanged,
    /// An object member present when the pack was built is gone.
    FieldRemoved,
    /// An object member was added after the pack was built.
    FieldAdded,
    /// An array element is gone (the path names its former position).
    ElementRemoved,
    /// An array element was added (the path names its position).
    ElementInserted,
    /// Array elements are the same but in another order (the path names the first moved one).
    ElementsReordered,
    /// A digest recorded in `field_digests` was altered while the data it covers was not.
    DigestChanged,
    /// A link of the audit event hash chain does not hold.
    ChainBroken,
    /// A digest derived from the whole pack (`content_hash`, `reproducibility_digest`,
    /// `audit_chain_head`) does not match its recomputation.
    DigestMismatch,
    /// An artifact file's bytes differ from the recorded digest.
    ArtifactChanged,
    /// An artifact file is missing or unreadable.
    ArtifactMissing,
    /// An artifact path would leave the artifacts root.
    ArtifactPathRejected,
    /// The pack is unsigned although trusted keys were given.
    SignatureMissing,
    /// The DSSE envelope does not verify or does not cover this pack.
    SignatureInvalid,
    /// A signature names a key that is not among the trusted keys.
    UntrustedKey,
}

/// One thing that does not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// JSON pointer of the field, e.g. `/audit_events/3/data/record`.
    pub path: String,
    /// The sort of discrepancy.
    pub kind: MismatchKind,
    /// What the pack records (a digest, usually), when there is one.
    pub expected: Option<String>,
    /// What recomputing gives, when there is one.
    pub computed: Option<String>,
    /// A sentence for people, lowercase, naming the field.
    pub message: String,
}

impl Mismatch {
    pub(crate) fn new(
        path: impl Into<String>,
        kind: MismatchKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            kind,
            expected: None,
            computed: None,
            message: message.into(),
        }
    }

    pub(crate) fn hashes(mut self, expected: Option<&str>, computed: Option<&str>) -> Self {
        self.expected = expected.map(str::to_owned);
        self.computed = computed.map(str::to_owned);
        self
    }
}
