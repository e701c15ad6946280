//! The `hetzner` provider: the Hetzner Cloud DNS API (`https://api.hetzner.cloud/v1`, zones
//! and `RRSets`, launched 2025; the old `dns.hetzner.com` API is gone). Bearer token by
//! reference. `RRSet` names are relative to the zone (`@` for the apex); record values are in
//! zone-file form (`{"value": "...", "comment": ""}`). Every write returns an `action` that is
//! polled at `GET /actions/{id}` until `success` or `error`. `RateLimit-Remaining: 0` makes
//! the node wait (bounded) for `RateLimit-Reset`; a 429 is retried a few times.

use std::time::Duration;

use abp_node_sdk::http::{Request, Response};
use abp_node_sdk::{Host, NodeError, Value, json};
use serde::Deserialize;

use crate::model::{RrData, RrSet};
use crate::names;
use crate::provider::{Provider, Write, Zone, no_zone_error};
use crate::values::{self, Relative};

/// Settings from `config.hetzner`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// API base (default `https://api.hetzner.cloud/v1`).
    #[serde(default = "default_url")]
    pub url: String,
    /// Name of the secret holding the API token.
    #[serde(default = "default_token_secret")]
    pub token_secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            url: default_url(),
            token_secret: default_token_secret(),
        }
    }
}

fn default_url() -> String {
    "https://api.hetzner.cloud/v1".into()
}

fn default_token_secret() -> String {
    "dns_token".into()
}

/// Polls of one action before giving up, and the longest pause between two polls.
const MAX_POLLS: u32 = 25;
const MAX_POLL_PAUSE: Duration = Duration::from_secs(2);
/// Retries after a 429, and the longest pause for the rate limit.
const MAX_RATE_RETRIES: u32 = 3;
const MAX_RATE_PAUSE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Deserialize)]
struct ApiZone {
    id: Value,
    name: String,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiRecord {
    value: String,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiRrset {
    name: String,
    #[serde(rename = "type")]
    rtype: String,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    records: Vec<ApiRecord>,
}

pub struct Hetzner<'h> {
    host: &'h dyn Host,
    config: Config,
    sleep: Box<dyn Fn(Duration) + 'h>,
    /// Seconds since the epoch, for `RateLimit-Reset`.
    now: Box<dyn Fn() -> u64 + 'h>,
}

impl<'h> Hetzner<'h> {
    pub fn new(host: &'h dyn Host, config: Config) -> Self {
        Self {
            host,
            config,
            sleep: Box::new(std::thread::sleep),
            now: Box::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            }),
        }
    }

    /// Replaces the clock and the pause (tests).
    #[cfg(test)]
    #[must_use]
    pub fn with_clock(mut self, sleep: impl Fn(Duration) + 'h, now: impl Fn() -> u64 + 'h) -> Self {
        self.sleep = Box::new(sleep);
        self.now = Box::new(now);
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.url.trim_end_matches('/'))
    }

    /// How long `RateLimit-Reset` says to wait, bounded.
    fn rate_pause(&self, resp: &Response) -> Duration {
        let reset = resp
            .header("RateLimit-Reset")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let secs = match reset {
            // A UNIX timestamp (Hetzner's form); small numbers are read as seconds to wait.
            Some(r) if r > 1_000_000_000 => r.saturating_sub((self.now)()),
            Some(r) => r,
            None => 1,
        };
        Duration::from_secs(secs.max(1)).min(MAX_RATE_PAUSE)
    }

    /// Sends with the bearer token; waits when the rate limit is exhausted, retries 429s.
    fn send(&self, request: &Request) -> Result<Response, NodeError> {
        let mut attempt = 0;
        loop {
            let resp = self
                .host
                .send(request.clone().bearer(&self.config.token_secret))?;
            if resp.status == 429 && attempt < MAX_RATE_RETRIES {
                attempt += 1;
                self.host.warn(&format!(
                    "hetzner: rate limited, retry {attempt} of {MAX_RATE_RETRIES}"
                ));
                (self.sleep)(self.rate_pause(&resp));
                continue;
            }
            // The budget is spent: pause so that the next request is not refused.
            if resp.status != 429 && resp.header("RateLimit-Remaining").map(str::trim) == Some("0")
            {
                (self.sleep)(self.rate_pause(&resp));
            }
            return Ok(resp);
        }
    }

    fn get(&self, path: &str, what: &str) -> Result<Value, NodeError> {
        let resp = self.send(&Request::get(self.url(path)))?;
        self.check(&resp, what)?;
        resp.json_value()
    }

    /// Maps `{"error": {"code", "message", "details"}}` to a node error.
    fn check(&self, resp: &Response, what: &str) -> Result<(), NodeError> {
        if resp.is_success() {
            return Ok(());
        }
        let body = resp.json_value().unwrap_or(Value::Null);
        let err = body.get("error");
        let code = err
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let message = err
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map_or_else(|| resp.text().chars().take(300).collect(), str::to_owned);
        let details = err
            .and_then(|e| e.get("details"))
            .filter(|d| !d.is_null() && d.as_object().is_none_or(|o| !o.is_empty()))
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let msg = format!(
            "hetzner: {what}: HTTP {} {code}: {message}{details}",
            resp.status
        );
        Err(match resp.status {
            401 | 403 => NodeError::denied(format!(
                "{msg}; check the token in secret `{}`",
                self.config.token_secret
            )),
            429 | 500..=599 => NodeError::unavailable(msg),
            _ => NodeError::failed(msg),
        })
    }

    /// Sends a write and waits for its action.
    fn write_call(&self, request: &Request, what: &str) -> Result<(), NodeError> {
        let resp = self.send(request)?;
        self.check(&resp, what)?;
        let body = resp.json_value()?;
        match body.get("action") {
            Some(action) => self.wait(action.clone(), what),
            None => Err(NodeError::failed(format!(
                "hetzner: {what}: the response carries no `action`"
            ))),
        }
    }

    /// Polls an action until `success` (ok) or `error` (its code and message).
    fn wait(&self, mut action: Value, what: &str) -> Result<(), NodeError> {
        let id = action.get("id").cloned().unwrap_or(Value::Null);
        let mut pause = Duration::from_millis(250);
        for _ in 0..MAX_POLLS {
            match action.get("status").and_then(Value::as_str) {
                Some("success") => return Ok(()),
                Some("error") => {
                    let err = action.get("error");
                    let field = |k: &str| {
                        err.and_then(|e| e.get(k))
                            .and_then(Value::as_str)
                            .unwrap_or("unknown")
                    };
                    let command = action
                        .get("command")
                        .and_then(Value::as_str)
                        .unwrap_or("action");
                    return Err(NodeError::failed(format!(
                        "hetzner: {what}: action {id} ({command}) failed: {}: {}",
                        field("code"),
                        field("message")
                    )));
                }
                _ => {
                    (self.sleep)(pause);
                    pause = (pause * 2).min(MAX_POLL_PAUSE);
                    let body =
                        self.get(&format!("/actions/{id}"), &format!("polling action {id}"))?;
                    action = body.get("action").cloned().ok_or_else(|| {
                        NodeError::failed(format!(
                            "hetzner: polling action {id}: the response carries no `action`"
                        ))
                    })?;
                }
            }
        }
        Err(NodeError::unavailable(format!(
            "hetzner: {what}: action {id} still running after {MAX_POLLS} polls; check it in the Hetzner console"
        )))
    }

    fn zone_from(z: &ApiZone) -> Result<Zone, NodeError> {
        let name = names::normalize(&z.name, false).unwrap_or_else(|_| z.name.to_ascii_lowercase());
        if z.mode.as_deref() == Some("secondary") {
            return Err(NodeError::failed(format!(
                "hetzner: zone `{name}` is a secondary zone; change its records on the primary"
            )));
        }
        let id = match &z.id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(Zone {
            name,
            id,
            default_ttl: z.ttl.unwrap_or(3600),
            exists: true,
        })
    }

    fn zones_named(&self, name: &str) -> Result<Vec<ApiZone>, NodeError> {
        let body = self.get(
            &format!("/zones?name={name}"),
            &format!("looking up zone `{name}`"),
        )?;
        let zones: Vec<ApiZone> =
            serde_json::from_value(body.get("zones").cloned().unwrap_or(Value::Null)).map_err(
                |e| NodeError::failed(format!("hetzner: zone list is not the JSON expected: {e}")),
            )?;
        Ok(zones
            .into_iter()
            .filter(|z| z.name.trim_end_matches('.').eq_ignore_ascii_case(name))
            .collect())
    }

    fn rrset_path(zone: &Zone, name: &str, rtype: &str) -> String {
        format!(
            "/zones/{}/rrsets/{}/{rtype}",
            zone.id,
            names::relative(name, &zone.name)
        )
    }
}

fn records(values: &[String]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| json!({ "value": v, "comment": "" }))
            .collect(),
    )
}

impl Provider for Hetzner<'_> {
    fn kind(&self) -> &'static str {
        "hetzner"
    }

    fn find_zone(&mut self, domain: &str, explicit: Option<&str>) -> Result<Zone, NodeError> {
        let candidates = match explicit {
            Some(z) => vec![z],
            None => names::suffixes(domain),
        };
        for candidate in candidates {
            if let Some(z) = self.zones_named(candidate)?.first() {
                return Self::zone_from(z);
            }
        }
        let listed = self.get("/zones?per_page=50", "listing zones")?;
        let known: Vec<String> = listed
            .get("zones")
            .and_then(Value::as_array)
            .map(|zs| {
                zs.iter()
                    .filter_map(|z| z.get("name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Err(no_zone_error("hetzner", explicit.unwrap_or(domain), &known))
    }

    fn zone_named(&mut self, name: &str) -> Result<Option<Zone>, NodeError> {
        self.zones_named(name)?
            .first()
            .map(Self::zone_from)
            .transpose()
    }

    fn read_name(&mut self, zone: &Zone, name: &str) -> Result<Vec<RrSet>, NodeError> {
        let rel = names::relative(name, &zone.name);
        let body = self.get(
            &format!("/zones/{}/rrsets?name={rel}&per_page=100", zone.id),
            &format!("reading `{name}` in zone `{}`", zone.name),
        )?;
        let sets: Vec<ApiRrset> =
            serde_json::from_value(body.get("rrsets").cloned().unwrap_or(Value::Null)).map_err(
                |e| NodeError::failed(format!("hetzner: rrset list is not the JSON expected: {e}")),
            )?;
        Ok(sets
            .into_iter()
            .filter(|s| s.name.eq_ignore_ascii_case(&rel) && !s.records.is_empty())
            .map(|s| {
                let rtype = s.rtype.to_ascii_uppercase();
                let values = s
                    .records
                    .iter()
                    .map(|r| {
                        values::canonical(&rtype, &r.value, Relative::Origin(&zone.name))
                            .unwrap_or_else(|_| r.value.clone())
                    })
                    .collect();
                RrSet {
                    name: name.to_owned(),
                    rtype,
                    data: RrData {
                        ttl: s.ttl.unwrap_or(zone.default_ttl),
                        values,
                    },
                }
            })
            .collect())
    }

    fn write(&mut self, zone: &Zone, writes: &[Write]) -> Result<(), NodeError> {
        for w in writes {
            let path = Self::rrset_path(zone, &w.name, &w.rtype);
            let what = format!("`{}` {}", w.name, w.rtype);
            match (&w.current, &w.target) {
                (None, None) => {}
                (None, Some(t)) => {
                    let body = json!({ "name": names::relative(&w.name, &zone.name), "type": w.rtype,
                                       "ttl": t.ttl, "records": records(&t.values) });
                    let url = self.url(&format!("/zones/{}/rrsets", zone.id));
                    self.write_call(&Request::post(url).json(&body), &format!("creating {what}"))?;
                }
                (Some(_), None) => {
                    self.write_call(
                        &Request::delete(self.url(&path)),
                        &format!("deleting {what}"),
                    )?;
                }
                (Some(c), Some(t)) => {
                    if w.replace {
                        if !crate::model::same_values(&c.values, &t.values) {
                            let url = self.url(&format!("{path}/actions/set_records"));
                            let body = json!({ "records": records(&t.values) });
                            self.write_call(
                                &Request::post(url).json(&body),
                                &format!("setting {what}"),
                            )?;
                        }
                    } else {
                        // Add before remove, so the record set is never empty in between, and
                        // touch only our own values (someone else's additions stay).
                        let add: Vec<String> = t
                            .values
                            .iter()
                            .filter(|v| !c.values.contains(v))
                            .cloned()
                            .collect();
                        let remove: Vec<String> = c
                            .values
                            .iter()
                            .filter(|v| !t.values.contains(v))
                            .cloned()
                            .collect();
                        if !add.is_empty() {
                            let url = self.url(&format!("{path}/actions/add_records"));
                            let body = json!({ "records": records(&add) });
                            self.write_call(
                                &Request::post(url).json(&body),
                                &format!("adding to {what}"),
                            )?;
                        }
                        if !remove.is_empty() {
                            let url = self.url(&format!("{path}/actions/remove_records"));
                            let body = json!({ "records": records(&remove) });
                            self.write_call(
                                &Request::post(url).json(&body),
                                &format!("removing from {what}"),
                            )?;
                        }
                    }
                    if c.ttl != t.ttl {
                        let url = self.url(&format!("{path}/actions/change_ttl"));
                        self.write_call(
                            &Request::post(url).json(&json!({ "ttl": t.ttl })),
                            &format!("changing the TTL of {what}"),
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}
