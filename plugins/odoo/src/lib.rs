//! abp-node-odoo (being written).
