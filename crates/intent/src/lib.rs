//! abp-intent (being written).
