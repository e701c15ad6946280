//! A stand-in for the Hetzner Cloud API v1, DNS part (zones and `RRSets`, the API that replaced
//! `dns.hetzner.com` in 2025), served over real HTTP on `127.0.0.1:0` so that the `dns` node's
//! requests go through the host's egress gate and secret placement. It is not Hetzner: it
//! follows the documented requests and responses for what the node uses, on an in-memory
//! project:
//!
//! - `Authorization: Bearer <token>`; anything else is `401 {"error": {"code": "unauthorized",
//!   "message": "unable to authenticate"}}`;
//! - `GET /v1/zones?name=` (`{"zones": [...], "meta": {"pagination": ...}}`);
//! - `GET /v1/zones/{id_or_name}/rrsets?name=&type=` (`{"rrsets": [...], "meta": ...}`);
//! - `POST /v1/zones/{id_or_name}/rrsets` (201, `{"rrset", "action"}`; 409 `uniqueness_error`
//!   when it exists, 422 `invalid_input` for a bad name or value);
//! - `DELETE /v1/zones/{id_or_name}/rrsets/{name}/{type}` (201, `{"action"}`);
//! - `POST .../rrsets/{name}/{type}/actions/{set_records,add_records,remove_records,change_ttl}`
//!   (201, `{"action"}`);
//! - `GET /v1/actions/{id}`: every action starts `running` and is `success` (or `error`, for a
//!   name set to fail) on the next poll, as the asynchronous action flow documents;
//! - errors as `{"error": {"code", "message", "details"}}`; rate-limit headers on every answer.

#![allow(dead_code, reason = "each test uses a different part of the stand-in")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};
use tiny_http::{Header, Response, StatusCode};

/// (zone id, name relative to the zone, type) -> (ttl, values)
pub type RrSets = BTreeMap<(u64, String, String), (Option<u32>, Vec<String>)>;

/// An asynchronous action: its command, whether a poll has seen it finish, and the error
/// (code, message) it finishes with, if any.
#[derive(Debug)]
struct Action {
    command: String,
    finished: bool,
    error: Option<(String, String)>,
}

#[derive(Debug, Default)]
struct Project {
    /// (id, name, default ttl)
    zones: Vec<(u64, String, u32)>,
    rrsets: RrSets,
    actions: BTreeMap<u64, Action>,
    next_action: u64,
    /// Names whose writes end in an action error.
    failing: Vec<String>,
    /// `METHOD path` of every request, in order.
    log: Vec<String>,
    /// The `Authorization` header of every request.
    auth: Vec<Option<String>>,
}

/// A running stand-in; stops when dropped.
pub struct Hetzner {
    /// The API base the node's `config.hetzner.url` points at (`http://127.0.0.1:PORT/v1`).
    pub url: String,
    project: Arc<Mutex<Project>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Hetzner {
    /// A project with zone `zone` (id 4711) and the API token `token`.
    pub fn start(zone: &str, token: &str) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let mut project = Project {
            zones: vec![(4711, zone.to_owned(), 3600)],
            ..Project::default()
        };
        project.rrsets.insert(
            (4711, "@".into(), "SOA".into()),
            (
                Some(3600),
                vec![
                    "hydrogen.ns.hetzner.com. dns.hetzner.com. 2026010101 86400 10800 3600000 3600"
                        .into(),
                ],
            ),
        );
        project.rrsets.insert(
            (4711, "@".into(), "NS".into()),
            (
                Some(3600),
                vec![
                    "hydrogen.ns.hetzner.com.".into(),
                    "oxygen.ns.hetzner.com.".into(),
                ],
            ),
        );
        let project = Arc::new(Mutex::new(project));
        let thread = {
            let (server, project, token) = (server.clone(), project.clone(), token.to_owned());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let auth = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Authorization"))
                        .map(|h| h.value.as_str().to_owned());
                    let method = request.method().as_str().to_owned();
                    let url = request.url().to_owned();
                    let (status, answer) = {
                        let mut p = project.lock().expect("lock");
                        p.log.push(format!("{method} {url}"));
                        p.auth.push(auth.clone());
                        if auth.as_deref() == Some(&format!("Bearer {token}")) {
                            p.handle(&method, &url, &body)
                        } else {
                            error(401, "unauthorized", "unable to authenticate")
                        }
                    };
                    let mut response = Response::from_string(answer.to_string())
                        .with_status_code(StatusCode(status));
                    for (k, v) in [
                        ("Content-Type", "application/json"),
                        ("RateLimit-Limit", "3600"),
                        ("RateLimit-Remaining", "3599"),
                        ("RateLimit-Reset", "1767225600"),
                    ] {
                        response.add_header(
                            Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("header"),
                        );
                    }
                    let _ = request.respond(response);
                }
            })
        };
        Self {
            url: format!("http://127.0.0.1:{port}/v1"),
            project,
            server,
            thread: Some(thread),
        }
    }

    /// Adds a record set (`name` relative to the zone).
    pub fn add(&self, name: &str, rtype: &str, ttl: u32, values: &[&str]) {
        let mut p = self.project.lock().expect("lock");
        p.rrsets.insert(
            (4711, name.into(), rtype.into()),
            (Some(ttl), values.iter().map(|v| (*v).to_owned()).collect()),
        );
    }

    /// Makes every write to `name` end in a failed action.
    pub fn fail_writes_to(&self, name: &str) {
        self.project
            .lock()
            .expect("lock")
            .failing
            .push(name.to_owned());
    }

    /// The record set `name` `rtype`: (ttl, values).
    pub fn get(&self, name: &str, rtype: &str) -> Option<(Option<u32>, Vec<String>)> {
        self.project
            .lock()
            .expect("lock")
            .rrsets
            .get(&(4711, name.to_owned(), rtype.to_owned()))
            .cloned()
    }

    /// `METHOD path` of every request so far.
    pub fn log(&self) -> Vec<String> {
        self.project.lock().expect("lock").log.clone()
    }

    /// The `Authorization` header of every request so far.
    pub fn auth(&self) -> Vec<Option<String>> {
        self.project.lock().expect("lock").auth.clone()
    }
}

impl Drop for Hetzner {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({ "error": { "code": code, "message": message, "details": {} } }),
    )
}

fn pagination(n: usize) -> Value {
    json!({ "pagination": { "page": 1, "per_page": 100, "previous_page": null, "next_page": null,
                            "last_page": 1, "total_entries": n } })
}

fn query<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    url.split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn values_of(body: &Value) -> Vec<String> {
    body["records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["value"].as_str().map(str::to_owned))
        .collect()
}

/// What the API accepts as a value of `rtype` (zone-file form; TXT quoted).
fn valid_value(rtype: &str, value: &str) -> bool {
    match rtype {
        "A" => value.parse::<std::net::Ipv4Addr>().is_ok(),
        "AAAA" => value.parse::<std::net::Ipv6Addr>().is_ok(),
        "TXT" => value.starts_with('"') && value.ends_with('"'),
        "CNAME" | "NS" => value.ends_with('.'),
        "MX" => value
            .split_once(' ')
            .is_some_and(|(p, h)| p.parse::<u16>().is_ok() && h.ends_with('.')),
        _ => true,
    }
}

impl Project {
    fn zone_id(&self, id_or_name: &str) -> Option<u64> {
        self.zones
            .iter()
            .find(|(id, name, _)| id.to_string() == id_or_name || name == id_or_name)
            .map(|z| z.0)
    }

    fn action(&mut self, command: &str, name: &str, zone: u64) -> Value {
        self.next_action += 1;
        let id = self.next_action;
        let error = self.failing.iter().any(|f| f == name).then(|| {
            (
                "action_failed".to_owned(),
                format!("record set {name} was rejected by the name servers"),
            )
        });
        self.actions.insert(
            id,
            Action {
                command: command.to_owned(),
                finished: false,
                error,
            },
        );
        let mut action = self.action_json(id);
        action["resources"] = json!([{ "id": zone, "type": "zone" }]);
        action
    }

    fn action_json(&self, id: u64) -> Value {
        let Action {
            command,
            finished,
            error,
        } = &self.actions[&id];
        let (status, progress, err) = match (finished, error) {
            (false, _) => ("running", 0, Value::Null),
            (true, None) => ("success", 100, Value::Null),
            (true, Some((code, message))) => {
                ("error", 100, json!({ "code": code, "message": message }))
            }
        };
        json!({ "id": id, "command": command, "status": status, "progress": progress,
                "started": "2026-01-01T00:00:00+00:00",
                "finished": if *finished { json!("2026-01-01T00:00:01+00:00") } else { Value::Null },
                "resources": [], "error": err })
    }

    fn rrset_json(&self, zone: u64, name: &str, rtype: &str) -> Value {
        let (ttl, values) = &self.rrsets[&(zone, name.to_owned(), rtype.to_owned())];
        json!({ "id": format!("{name}/{rtype}"), "name": name, "type": rtype, "ttl": ttl, "labels": {},
                "protection": { "change": false }, "zone": zone,
                "records": values.iter().map(|v| json!({ "value": v, "comment": "" })).collect::<Vec<_>>() })
    }

    fn handle(&mut self, method: &str, url: &str, body: &[u8]) -> (u16, Value) {
        let Some(rest) = url.strip_prefix("/v1/") else {
            return error(404, "not_found", "not found");
        };
        let path = rest.split('?').next().unwrap_or("");
        let segments: Vec<&str> = path.split('/').collect();
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        match (method, segments.as_slice()) {
            ("GET", ["zones"]) => {
                let name = query(url, "name");
                let zones: Vec<Value> = self
                    .zones
                    .iter()
                    .filter(|(_, n, _)| name.is_none_or(|q| q == n))
                    .map(|(id, n, ttl)| {
                        json!({ "id": id, "name": n, "created": "2026-01-01T00:00:00+00:00", "mode": "primary",
                                "primary_nameservers": [], "labels": {}, "protection": { "delete": false },
                                "ttl": ttl, "status": "ok", "record_count": 2, "registrar": "other",
                                "authoritative_nameservers": { "assigned": ["hydrogen.ns.hetzner.com."],
                                  "delegated": [], "delegation_last_check": null, "delegation_status": "unknown" } })
                    })
                    .collect();
                let n = zones.len();
                (200, json!({ "zones": zones, "meta": pagination(n) }))
            }
            ("GET", ["actions", id]) => {
                let Some(id) = id
                    .parse::<u64>()
                    .ok()
                    .filter(|id| self.actions.contains_key(id))
                else {
                    return error(404, "not_found", "action not found");
                };
                if let Some(a) = self.actions.get_mut(&id) {
                    a.finished = true;
                }
                (200, json!({ "action": self.action_json(id) }))
            }
            (_, ["zones", zone, "rrsets", rest @ ..]) => {
                let Some(zid) = self.zone_id(zone) else {
                    return error(404, "not_found", "zone not found");
                };
                self.rrsets_call(method, url, zid, rest, &body)
            }
            _ => error(404, "not_found", "not found"),
        }
    }

    fn rrsets_call(
        &mut self,
        method: &str,
        url: &str,
        zid: u64,
        rest: &[&str],
        body: &Value,
    ) -> (u16, Value) {
        match (method, rest) {
            ("GET", []) => {
                let (name, rtype) = (query(url, "name"), query(url, "type"));
                let keys: Vec<(String, String)> = self
                    .rrsets
                    .keys()
                    .filter(|(z, n, t)| {
                        *z == zid && name.is_none_or(|q| q == n) && rtype.is_none_or(|q| q == t)
                    })
                    .map(|(_, n, t)| (n.clone(), t.clone()))
                    .collect();
                let sets: Vec<Value> = keys
                    .iter()
                    .map(|(n, t)| self.rrset_json(zid, n, t))
                    .collect();
                let n = sets.len();
                (200, json!({ "rrsets": sets, "meta": pagination(n) }))
            }
            ("POST", []) => {
                let name = body["name"].as_str().unwrap_or("").to_owned();
                let rtype = body["type"].as_str().unwrap_or("").to_owned();
                let values = values_of(body);
                let zone_name = self
                    .zones
                    .iter()
                    .find(|z| z.0 == zid)
                    .map(|z| z.1.clone())
                    .unwrap_or_default();
                if name.is_empty()
                    || name.ends_with('.')
                    || name != name.to_lowercase()
                    || name.ends_with(&zone_name)
                    || values.is_empty()
                    || !values.iter().all(|v| valid_value(&rtype, v))
                {
                    return error(
                        422,
                        "invalid_input",
                        "invalid input in fields 'name' or 'records'",
                    );
                }
                let key = (zid, name.clone(), rtype.clone());
                if self.rrsets.contains_key(&key) {
                    return error(
                        409,
                        "uniqueness_error",
                        "RRSet with the same name and type already exists",
                    );
                }
                let ttl = body["ttl"].as_u64().and_then(|t| u32::try_from(t).ok());
                self.rrsets.insert(key.clone(), (ttl, values));
                let rrset = self.rrset_json(zid, &name, &rtype);
                // A write whose action fails leaves nothing behind.
                if self.failing.contains(&name) {
                    self.rrsets.remove(&key);
                }
                let action = self.action("create_rrset", &name, zid);
                (201, json!({ "rrset": rrset, "action": action }))
            }
            (method, [name, rtype, tail @ ..]) => {
                let key = (zid, (*name).to_owned(), (*rtype).to_owned());
                if !self.rrsets.contains_key(&key) {
                    return error(404, "not_found", "RRSet not found");
                }
                let given = values_of(body);
                let before = self.rrsets.get(&key).cloned();
                if !given.iter().all(|v| valid_value(rtype, v)) {
                    return error(422, "invalid_input", "invalid input in field 'records'");
                }
                let command = match (method, tail) {
                    ("DELETE", []) => {
                        self.rrsets.remove(&key);
                        "delete_rrset"
                    }
                    ("POST", ["actions", "set_records"]) => {
                        if let Some(s) = self.rrsets.get_mut(&key) {
                            s.1.clone_from(&given);
                        }
                        "set_rrset_records"
                    }
                    ("POST", ["actions", "add_records"]) => {
                        if let Some(s) = self.rrsets.get_mut(&key) {
                            for v in given {
                                if !s.1.contains(&v) {
                                    s.1.push(v);
                                }
                            }
                        }
                        "add_rrset_records"
                    }
                    ("POST", ["actions", "remove_records"]) => {
                        if let Some(s) = self.rrsets.get_mut(&key) {
                            s.1.retain(|v| !given.contains(v));
                        }
                        if self.rrsets.get(&key).is_some_and(|s| s.1.is_empty()) {
                            self.rrsets.remove(&key);
                        }
                        "remove_rrset_records"
                    }
                    ("POST", ["actions", "change_ttl"]) => {
                        if let Some(s) = self.rrsets.get_mut(&key) {
                            s.0 = body["ttl"].as_u64().and_then(|t| u32::try_from(t).ok());
                        }
                        "change_rrset_ttl"
                    }
                    _ => return error(404, "not_found", "not found"),
                };
                if self.failing.iter().any(|f| f == name)
                    && let Some(before) = before
                {
                    self.rrsets.insert(key, before);
                }
                let action = self.action(command, name, zid);
                (201, json!({ "action": action }))
            }
            _ => error(404, "not_found", "not found"),
        }
    }
}
