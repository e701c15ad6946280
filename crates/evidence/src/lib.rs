//! abp-evidence (being written).
