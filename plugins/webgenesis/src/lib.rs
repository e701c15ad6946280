//! abp-node-webgenesis (being written).
