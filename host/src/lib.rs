//! abp host
