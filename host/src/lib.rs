//! abp host: turns a business idea into a live website, DNS records and an Odoo module, every
//! step a sandboxed WebAssembly component. See ARCHITECTURE.md for the map of these modules.

pub mod api;
pub mod audit;
pub mod cli;
pub mod evidence;
pub mod executor;
pub mod graph;
pub mod http;
pub mod journal;
pub mod manifest;
pub mod plugins;
pub mod policy;
pub mod runtime;
pub mod session;
pub mod signing;

/// This host's version, recorded in every journal and evidence pack.
pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The seed's wording, for the CLI and the API alike.
pub const SAFE_MODE_MESSAGE: &str = "Pipeline execution blocked: System in SAFE MODE";

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default()
}
