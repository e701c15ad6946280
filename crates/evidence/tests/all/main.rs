//! Integration tests of the evidence crate through its public API: canonical JSON vectors,
//! tamper attribution over every field of a sample pack, artifacts on disk, signatures and
//! reproducibility. One binary, one module per concern.

mod artifacts;
mod jcs;
mod reproducibility;
mod sample;
mod signing;
mod tamper;
