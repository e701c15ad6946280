//! abp-node-dns (being written).
