//! The node's params (the graph's contract, see the params brief) and deployment config
//! (`[plugins.dns.config]`), and their validation into the record sets a run wants, with
//! every problem reported at once.

use abp_node_sdk::{JsonSchema, NodeError, Value};
use serde::Deserialize;

use crate::model::{RrData, same_values};
use crate::values::{self, Relative};
use crate::{hetzner, names, powerdns};

/// Highest TTL DNS allows (RFC 2181: 2^31 - 1).
const MAX_TTL: u32 = 2_147_483_647;

/// Where the records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// An RFC 1035 zone file `<zone>.zone` in the `zones` mount.
    #[default]
    Zonefile,
    /// A `PowerDNS` Authoritative server's HTTP API (`config.powerdns`).
    Powerdns,
    /// The Hetzner Cloud DNS API (`config.hetzner`).
    Hetzner,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zonefile => "zonefile",
            Self::Powerdns => "powerdns",
            Self::Hetzner => "hetzner",
        }
    }
}

/// Record types this node creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RecordType {
    A,
    AAAA,
    CNAME,
    TXT,
    MX,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::AAAA => "AAAA",
            Self::CNAME => "CNAME",
            Self::TXT => "TXT",
            Self::MX => "MX",
        }
    }
}

/// One record set to create.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordParams {
    /// `@` for the domain itself, a label relative to the domain (`www`, `_dmarc`, `*`), or
    /// an absolute name with a trailing dot (`mail.example.com.`).
    pub name: String,
    /// Record type.
    #[serde(rename = "type")]
    pub rtype: RecordType,
    /// The values: IPv4 (A), IPv6 (AAAA), a host name (CNAME; exactly one), text (TXT; plain
    /// text, or already quoted strings), `priority host` (MX, e.g. `10 mail.example.com`).
    /// A host name with a dot is taken as fully qualified; a single label is relative to
    /// `domain`.
    #[schemars(length(min = 1))]
    pub values: Vec<String>,
    /// TTL in seconds for this record set (default: the params' `ttl`).
    #[serde(default)]
    pub ttl: Option<u32>,
}

/// Creates DNS records for a domain.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Where the records go (default `zonefile`). Endpoints and secret names come from the
    /// deployment's config, never from params.
    #[serde(default)]
    pub provider: ProviderKind,
    /// The name the records are for, e.g. `acme-consulting.test`.
    pub domain: String,
    /// The zone to write into; default: the existing zone with the longest matching suffix
    /// of `domain` (for zone files: a new zone named `domain` when none matches).
    #[serde(default)]
    pub zone: Option<String>,
    /// The record sets to create (at least one).
    #[schemars(length(min = 1))]
    pub records: Vec<RecordParams>,
    /// Default TTL in seconds (3600).
    #[serde(default)]
    pub ttl: Option<u32>,
    /// Replace record sets that already exist with other values (default false: such a
    /// record set is an error, reported before anything is written).
    #[serde(default)]
    pub overwrite: bool,
}

/// A record set the params ask for, names resolved and values canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub name: String,
    pub rtype: &'static str,
    pub data: RrData,
}

/// Validated params.
#[derive(Debug, Clone)]
pub struct Validated {
    pub domain: String,
    pub zone: Option<String>,
    pub records: Vec<Desired>,
}

pub fn validate(p: &Params) -> Result<Validated, NodeError> {
    let mut errors = Vec::new();
    let domain = match names::normalize(&p.domain, false) {
        Ok(d) if d.contains('.') => d,
        Ok(d) => {
            errors.push(format!(
                "`domain` `{d}` is a top-level domain; give the full domain name"
            ));
            d
        }
        Err(e) => {
            errors.push(format!("`domain` {e}"));
            p.domain.trim().trim_end_matches('.').to_ascii_lowercase()
        }
    };
    let zone = match &p.zone {
        None => None,
        Some(z) => match names::normalize(z, false) {
            Ok(z) if names::is_within(&domain, &z) => Some(z),
            Ok(z) => {
                errors.push(format!("`zone` `{z}` does not contain `domain` `{domain}`"));
                None
            }
            Err(e) => {
                errors.push(format!("`zone` {e}"));
                None
            }
        },
    };
    let default_ttl = p.ttl.unwrap_or(3600);
    if !(1..=MAX_TTL).contains(&default_ttl) {
        errors.push(format!("`ttl` {default_ttl} must be from 1 to {MAX_TTL}"));
    }
    if p.records.is_empty() {
        errors.push("`records` is empty; give at least one record".into());
    }
    let mut records: Vec<Desired> = Vec::new();
    for (i, r) in p.records.iter().enumerate() {
        let rtype = r.rtype.as_str();
        let at = format!("records[{i}] ({} {rtype})", r.name);
        let name = match names::resolve_owner(&r.name, &domain) {
            Ok(n) => n,
            Err(e) => {
                errors.push(format!("{at}: name {e}"));
                continue;
            }
        };
        let ttl = r.ttl.unwrap_or(default_ttl);
        if !(1..=MAX_TTL).contains(&ttl) {
            errors.push(format!("{at}: ttl {ttl} must be from 1 to {MAX_TTL}"));
        }
        if r.values.is_empty() {
            errors.push(format!("{at}: `values` is empty"));
        }
        let mut vals: Vec<String> = Vec::new();
        for v in &r.values {
            match values::canonical(rtype, v, Relative::Params { domain: &domain }) {
                Ok(c) if !vals.contains(&c) => vals.push(c),
                Ok(_) => {}
                Err(e) => errors.push(format!("{at}: {e}")),
            }
        }
        if r.rtype == RecordType::CNAME && r.values.len() > 1 {
            errors.push(format!(
                "{at}: a CNAME has exactly one value, not {}",
                r.values.len()
            ));
        }
        if let Some(j) = records
            .iter()
            .position(|d| d.name == name && d.rtype == rtype)
        {
            errors.push(format!(
                "{at}: `{name}` {rtype} is also records[{j}]; put all its values in one entry"
            ));
            continue;
        }
        records.push(Desired {
            name,
            rtype,
            data: RrData { ttl, values: vals },
        });
    }
    for d in records.iter().filter(|d| d.rtype == "CNAME") {
        let others: Vec<&str> = records
            .iter()
            .filter(|o| o.name == d.name && o.rtype != "CNAME")
            .map(|o| o.rtype)
            .collect();
        if !others.is_empty() {
            errors.push(format!(
                "`{}` has a CNAME and also {}; a CNAME cannot coexist with other records at the same name",
                d.name,
                others.join(", ")
            ));
        }
    }
    if errors.is_empty() {
        Ok(Validated {
            domain,
            zone,
            records,
        })
    } else {
        Err(NodeError::invalid_params(format!(
            "{} problem(s): {}",
            errors.len(),
            errors.join("; ")
        )))
    }
}

/// Settings for new zone files (`config.zonefile`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZonefileConfig {
    /// Logical mount holding the zone files.
    #[serde(default = "default_mount")]
    pub mount: String,
    /// NS records for new zone files (default `ns1.<zone>.`).
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// SOA contact for new zone files (`hostmaster@example.com`; default `hostmaster.<zone>.`).
    #[serde(default)]
    pub hostmaster: Option<String>,
}

impl Default for ZonefileConfig {
    fn default() -> Self {
        Self {
            mount: default_mount(),
            nameservers: vec![],
            hostmaster: None,
        }
    }
}

fn default_mount() -> String {
    "zones".into()
}

/// The plugin's deployment config (`[plugins.dns.config]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub powerdns: Option<powerdns::Config>,
    #[serde(default)]
    pub hetzner: Option<hetzner::Config>,
    #[serde(default)]
    pub zonefile: ZonefileConfig,
}

impl Config {
    pub fn from_value(v: &Value) -> Result<Self, NodeError> {
        if v.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(v.clone())
            .map_err(|e| NodeError::invalid_params(format!("config (`plugins.dns.config`): {e}")))
    }
}

/// Whether a record set already holds what is wanted.
pub fn unchanged(current: &RrData, wanted: &RrData) -> bool {
    current.ttl == wanted.ttl && same_values(&current.values, &wanted.values)
}
