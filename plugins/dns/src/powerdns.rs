//! The `powerdns` provider: the `PowerDNS` Authoritative HTTP API (`/api/v1/servers/{server}`),
//! key in `X-API-Key` by reference. Zones are listed for the longest-suffix search; a zone's
//! record sets come from `GET .../zones/{id}`; writes are one `PATCH` per run with
//! `REPLACE`/`DELETE` record sets (names absolute with a trailing dot, content in
//! presentation form), which `PowerDNS` applies atomically.

use std::collections::BTreeMap;

use abp_node_sdk::http::{Request, Response};
use abp_node_sdk::{Host, NodeError, Value, json};
use serde::Deserialize;

use crate::model::{RrData, RrSet};
use crate::names;
use crate::provider::{Provider, Write, Zone, no_zone_error};
use crate::values::{self, Relative};

/// Settings from `config.powerdns`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// API base, e.g. `http://127.0.0.1:8081`.
    pub url: String,
    #[serde(default = "default_server_id")]
    pub server_id: String,
    /// Name of the secret holding the API key.
    #[serde(default = "default_key_secret")]
    pub api_key_secret: String,
}

fn default_server_id() -> String {
    "localhost".into()
}

fn default_key_secret() -> String {
    "pdns_api_key".into()
}

#[derive(Debug, Clone, Deserialize)]
struct ApiZone {
    id: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiRecord {
    content: String,
    #[serde(default)]
    disabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiRrset {
    name: String,
    #[serde(rename = "type")]
    rtype: String,
    #[serde(default)]
    ttl: u32,
    #[serde(default)]
    records: Vec<ApiRecord>,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiZoneDetail {
    #[serde(default)]
    rrsets: Vec<ApiRrset>,
}

pub struct PowerDns<'h> {
    host: &'h dyn Host,
    config: Config,
    /// Record sets of a zone as last read, with each value's `disabled` flag (kept on write).
    cache: BTreeMap<String, Vec<(RrSet, Vec<bool>)>>,
}

impl<'h> PowerDns<'h> {
    pub fn new(host: &'h dyn Host, config: Config) -> Self {
        Self {
            host,
            config,
            cache: BTreeMap::new(),
        }
    }

    fn server_url(&self) -> String {
        format!(
            "{}/api/v1/servers/{}",
            self.config.url.trim_end_matches('/'),
            self.config.server_id
        )
    }

    fn send(&self, request: Request) -> Result<Response, NodeError> {
        let request = request
            .secret_header(&self.config.api_key_secret, "X-API-Key", None)
            .header("Accept", "application/json");
        Ok(self.host.send(request)?)
    }

    fn list_zones(&self) -> Result<Vec<ApiZone>, NodeError> {
        let url = format!("{}/zones", self.server_url());
        let resp = self.send(Request::get(&url))?;
        check(&resp, "listing zones", &self.config.api_key_secret)?;
        resp.json()
    }

    fn load_zone(&mut self, zone: &Zone) -> Result<&Vec<(RrSet, Vec<bool>)>, NodeError> {
        if !self.cache.contains_key(&zone.id) {
            let url = format!("{}/zones/{}", self.server_url(), zone.id);
            let resp = self.send(Request::get(&url))?;
            check(
                &resp,
                &format!("reading zone `{}`", zone.name),
                &self.config.api_key_secret,
            )?;
            let detail: ApiZoneDetail = resp.json()?;
            let sets = detail
                .rrsets
                .into_iter()
                .filter(|s| !s.records.is_empty())
                .map(|s| {
                    let name = names::normalize(&s.name, true)
                        .unwrap_or_else(|_| s.name.to_ascii_lowercase());
                    let rtype = s.rtype.to_ascii_uppercase();
                    let values = s
                        .records
                        .iter()
                        .map(|r| {
                            values::canonical(&rtype, &r.content, Relative::Origin(&zone.name))
                                .unwrap_or_else(|_| r.content.clone())
                        })
                        .collect();
                    let disabled = s.records.iter().map(|r| r.disabled).collect();
                    (
                        RrSet {
                            name,
                            rtype,
                            data: RrData { ttl: s.ttl, values },
                        },
                        disabled,
                    )
                })
                .collect();
            self.cache.insert(zone.id.clone(), sets);
        }
        self.cache
            .get(&zone.id)
            .ok_or_else(|| NodeError::failed("powerdns: zone cache lost"))
    }
}

/// Maps a non-success `PowerDNS` response (`{"error": "..."}`) to a node error.
fn check(resp: &Response, what: &str, secret: &str) -> Result<(), NodeError> {
    if resp.is_success() {
        return Ok(());
    }
    let detail = resp
        .json_value()
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| resp.text().chars().take(300).collect());
    let msg = format!("powerdns: {what}: HTTP {}: {detail}", resp.status);
    Err(match resp.status {
        401 | 403 => NodeError::denied(format!("{msg}; check the API key in secret `{secret}`")),
        500..=599 => NodeError::unavailable(msg),
        _ => NodeError::failed(msg),
    })
}

impl Provider for PowerDns<'_> {
    fn kind(&self) -> &'static str {
        "powerdns"
    }

    fn find_zone(&mut self, domain: &str, explicit: Option<&str>) -> Result<Zone, NodeError> {
        let zones = self.list_zones()?;
        let named: Vec<(String, ApiZone)> = zones
            .into_iter()
            .map(|z| {
                (
                    names::normalize(&z.name, false)
                        .unwrap_or_else(|_| z.name.to_ascii_lowercase()),
                    z,
                )
            })
            .collect();
        let wanted = match explicit {
            Some(z) => Some(z),
            None => names::longest_suffix(domain, named.iter().map(|(n, _)| n.as_str())),
        };
        let found = wanted.and_then(|w| named.iter().find(|(n, _)| n == w));
        if let Some((name, z)) = found {
            Ok(Zone {
                name: name.clone(),
                id: z.id.clone(),
                default_ttl: 3600,
                exists: true,
            })
        } else {
            let known: Vec<String> = named.into_iter().map(|(n, _)| n).collect();
            Err(no_zone_error(
                "powerdns",
                explicit.unwrap_or(domain),
                &known,
            ))
        }
    }

    fn zone_named(&mut self, name: &str) -> Result<Option<Zone>, NodeError> {
        Ok(self
            .list_zones()?
            .into_iter()
            .find(|z| z.name.trim_end_matches('.').eq_ignore_ascii_case(name))
            .map(|z| Zone {
                name: name.to_owned(),
                id: z.id,
                default_ttl: 3600,
                exists: true,
            }))
    }

    fn read_name(&mut self, zone: &Zone, name: &str) -> Result<Vec<RrSet>, NodeError> {
        Ok(self
            .load_zone(zone)?
            .iter()
            .filter(|(s, _)| s.name == name)
            .map(|(s, _)| s.clone())
            .collect())
    }

    fn write(&mut self, zone: &Zone, writes: &[Write]) -> Result<(), NodeError> {
        let known = self.load_zone(zone)?.clone();
        let rrsets: Vec<Value> = writes
            .iter()
            .map(|w| match &w.target {
                Some(t) => {
                    let current = known.iter().find(|(s, _)| s.name == w.name && s.rtype == w.rtype);
                    let records: Vec<Value> = t
                        .values
                        .iter()
                        .map(|v| {
                            // Someone else's disabled record stays disabled.
                            let disabled = current
                                .and_then(|(s, d)| s.data.values.iter().position(|x| x == v).map(|i| d[i]))
                                .unwrap_or(false);
                            json!({ "content": v, "disabled": disabled })
                        })
                        .collect();
                    json!({ "name": format!("{}.", w.name), "type": w.rtype, "ttl": t.ttl,
                            "changetype": "REPLACE", "records": records })
                }
                None => json!({ "name": format!("{}.", w.name), "type": w.rtype, "changetype": "DELETE" }),
            })
            .collect();
        let url = format!("{}/zones/{}", self.server_url(), zone.id);
        let resp = self.send(Request::patch(&url).json(&json!({ "rrsets": rrsets })))?;
        self.cache.remove(&zone.id);
        check(
            &resp,
            &format!("updating zone `{}`", zone.name),
            &self.config.api_key_secret,
        )
    }
}
