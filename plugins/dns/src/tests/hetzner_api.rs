//! The `hetzner` provider against an in-memory stand-in of the Hetzner Cloud DNS API:
//! bearer auth, `GET /zones?name=`, `GET /zones/{id}/rrsets?name=`, `POST /zones/{id}/rrsets`
//! (`{rrset, action}`), `POST .../rrsets/{name}/{type}/actions/{set,add,remove}_records` and
//! `change_ttl`, `DELETE .../rrsets/{name}/{type}` (`{action}`), `GET /actions/{id}` (running,
//! then success or error), errors as `{"error": {"code", "message", "details"}}`, rate-limit
//! headers on every response.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use abp_node_sdk::http::{HttpError, Request, Response, SecretPlacement};
use abp_node_sdk::testing::TestHost;
use abp_node_sdk::{NodeError, Value, json};

use super::{dry_run, execute, rollback};
use crate::hetzner::{Config, Hetzner};
use crate::provider::Provider;

const BASE: &str = "https://api.hetzner.cloud/v1";

/// (zone id, rr name, type)
type RrKey = (u64, String, String);

#[derive(Debug, Default)]
struct Cloud {
    /// (zone id, name, default ttl)
    zones: Vec<(u64, String, u32)>,
    /// (zone id, rr name, type) -> (ttl, values)
    rrsets: BTreeMap<RrKey, (Option<u32>, Vec<String>)>,
    /// action id -> polls left before it finishes, and the error it finishes with
    actions: BTreeMap<u64, (u32, Option<(String, String)>)>,
    next_action: u64,
    /// Names whose writes end in an action error.
    failing: Vec<String>,
    /// Answer the next N requests with 429.
    throttle: u32,
    writes: Vec<(String, String, Value)>,
}

fn reply(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("RateLimit-Limit".into(), "3600".into()),
            ("RateLimit-Remaining".into(), "3599".into()),
            ("RateLimit-Reset".into(), "1700000001".into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    reply(
        status,
        &json!({ "error": { "code": code, "message": message, "details": {} } }),
    )
}

impl Cloud {
    fn action(&mut self, command: &str, name: &str) -> Value {
        self.next_action += 1;
        let id = self.next_action;
        let fail = self.failing.contains(&name.to_owned()).then(|| {
            (
                "action_failed".to_owned(),
                format!("record {name} rejected by the name servers"),
            )
        });
        // The first action of a run stays `running` for one poll, to exercise polling.
        let polls = u32::from(id == 1);
        self.actions.insert(id, (polls, fail));
        self.action_json(id, command)
    }

    fn action_json(&self, id: u64, command: &str) -> Value {
        let (polls, fail) = &self.actions[&id];
        let (status, err) = match (polls, fail) {
            (0, None) => ("success", Value::Null),
            (0, Some((code, message))) => ("error", json!({ "code": code, "message": message })),
            _ => ("running", Value::Null),
        };
        json!({ "id": id, "command": command, "status": status, "progress": if status == "running" { 0 } else { 100 },
                "started": "2026-01-01T00:00:00Z", "finished": null, "resources": [], "error": err })
    }

    fn rrset_json(&self, zone: u64, name: &str, rtype: &str) -> Value {
        let (ttl, values) = &self.rrsets[&(zone, name.to_owned(), rtype.to_owned())];
        json!({ "id": format!("{name}/{rtype}"), "name": name, "type": rtype, "ttl": ttl, "labels": {},
                "protection": { "change": false }, "zone": zone,
                "records": values.iter().map(|v| json!({ "value": v, "comment": "" })).collect::<Vec<_>>() })
    }
}

fn query(url: &str, key: &str) -> Option<String> {
    url.split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_owned))
}

fn valid_value(rtype: &str, v: &str) -> bool {
    match rtype {
        "TXT" => v.starts_with('"') && v.ends_with('"'),
        "A" => v.parse::<std::net::Ipv4Addr>().is_ok(),
        _ => true,
    }
}

fn handle(cloud: &Rc<RefCell<Cloud>>, req: &Request) -> Response {
    let authed = matches!(&req.credential, Some(c) if c.secret == "dns_token"
        && c.placement == SecretPlacement::Header { name: "Authorization".into(), scheme: Some("Bearer".into()) });
    if !authed {
        return error(401, "unauthorized", "unable to authenticate");
    }
    let mut c = cloud.borrow_mut();
    if c.throttle > 0 {
        c.throttle -= 1;
        let mut r = error(
            429,
            "rate_limit_exceeded",
            "limit of 3600 requests per hour reached",
        );
        r.headers.retain(|(k, _)| !k.starts_with("RateLimit-R"));
        r.headers.push(("RateLimit-Remaining".into(), "0".into()));
        r.headers
            .push(("RateLimit-Reset".into(), "1700000003".into()));
        return r;
    }
    let Some(rest) = req.url.strip_prefix(BASE) else {
        return error(404, "not_found", "not found");
    };
    let path = rest.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["zones"]) => {
            let name = query(&req.url, "name");
            let zones: Vec<Value> = c
                .zones
                .iter()
                .filter(|(_, n, _)| name.as_deref().is_none_or(|q| q == n))
                .map(|(id, n, ttl)| json!({ "id": id, "name": n, "ttl": ttl, "mode": "primary", "status": "ok", "labels": {} }))
                .collect();
            reply(
                200,
                &json!({ "zones": zones, "meta": { "pagination": { "page": 1, "per_page": 25, "total_entries": zones.len() } } }),
            )
        }
        ("GET", ["actions", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return error(404, "not_found", "action not found");
            };
            let Some(entry) = c.actions.get_mut(&id) else {
                return error(404, "not_found", "action not found");
            };
            entry.0 = entry.0.saturating_sub(1);
            let json = c.action_json(id, "poll");
            reply(200, &json!({ "action": json }))
        }
        (_, ["zones", zone, "rrsets", ..]) => {
            let Some(zid) = c
                .zones
                .iter()
                .find(|(id, n, _)| id.to_string() == *zone || n == zone)
                .map(|z| z.0)
            else {
                return error(404, "not_found", "zone not found");
            };
            match (req.method.as_str(), &segments[3..]) {
                ("GET", []) => {
                    let name = query(&req.url, "name");
                    let keys: Vec<(String, String)> = c
                        .rrsets
                        .keys()
                        .filter(|(z, n, _)| *z == zid && name.as_deref().is_none_or(|q| q == n))
                        .map(|(_, n, t)| (n.clone(), t.clone()))
                        .collect();
                    let sets: Vec<Value> =
                        keys.iter().map(|(n, t)| c.rrset_json(zid, n, t)).collect();
                    reply(
                        200,
                        &json!({ "rrsets": sets, "meta": { "pagination": { "page": 1, "per_page": 100, "total_entries": sets.len() } } }),
                    )
                }
                ("POST", []) => {
                    let name = body["name"].as_str().unwrap_or("").to_owned();
                    let rtype = body["type"].as_str().unwrap_or("").to_owned();
                    let values: Vec<String> = body["records"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["value"].as_str().map(str::to_owned))
                        .collect();
                    if name.ends_with('.')
                        || name != name.to_lowercase()
                        || values.is_empty()
                        || !values.iter().all(|v| valid_value(&rtype, v))
                    {
                        return error(422, "invalid_input", "invalid input in field 'records'");
                    }
                    let key = (zid, name.clone(), rtype.clone());
                    if c.rrsets.contains_key(&key) {
                        return error(409, "uniqueness_error", "rrset already exists");
                    }
                    c.rrsets.insert(
                        key,
                        (
                            body["ttl"].as_u64().and_then(|t| u32::try_from(t).ok()),
                            values,
                        ),
                    );
                    c.writes
                        .push(("create".into(), format!("{name}/{rtype}"), body.clone()));
                    let action = c.action("create_rrset", &name);
                    let rrset = c.rrset_json(zid, &name, &rtype);
                    reply(201, &json!({ "rrset": rrset, "action": action }))
                }
                (method, [name, rtype, rest @ ..]) => {
                    let key = (zid, (*name).to_owned(), (*rtype).to_owned());
                    if !c.rrsets.contains_key(&key) {
                        return error(404, "not_found", "rrset not found");
                    }
                    let given: Vec<String> = body["records"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["value"].as_str().map(str::to_owned))
                        .collect();
                    let command = match (method, rest) {
                        ("DELETE", []) => {
                            c.rrsets.remove(&key);
                            "delete_rrset"
                        }
                        ("POST", ["actions", "set_records"]) => {
                            if let Some(s) = c.rrsets.get_mut(&key) {
                                s.1.clone_from(&given);
                            }
                            "set_rrset_records"
                        }
                        ("POST", ["actions", "add_records"]) => {
                            if let Some(s) = c.rrsets.get_mut(&key) {
                                s.1.extend(
                                    given
                                        .iter()
                                        .filter(|v| !s.1.contains(v))
                                        .cloned()
                                        .collect::<Vec<_>>(),
                                );
                            }
                            "add_rrset_records"
                        }
                        ("POST", ["actions", "remove_records"]) => {
                            if let Some(s) = c.rrsets.get_mut(&key) {
                                s.1.retain(|v| !given.contains(v));
                            }
                            if c.rrsets[&key].1.is_empty() {
                                c.rrsets.remove(&key);
                            }
                            "remove_rrset_records"
                        }
                        ("POST", ["actions", "change_ttl"]) => {
                            if let Some(s) = c.rrsets.get_mut(&key) {
                                s.0 = body["ttl"].as_u64().and_then(|t| u32::try_from(t).ok());
                            }
                            "change_rrset_ttl"
                        }
                        _ => return error(404, "not_found", "not found"),
                    };
                    c.writes
                        .push((command.into(), format!("{name}/{rtype}"), body.clone()));
                    let action = c.action(command, name);
                    reply(
                        if method == "DELETE" { 200 } else { 201 },
                        &json!({ "action": action }),
                    )
                }
                _ => error(404, "not_found", "not found"),
            }
        }
        _ => error(404, "not_found", "not found"),
    }
}

fn setup() -> (TestHost, Rc<RefCell<Cloud>>) {
    let mut cloud = Cloud {
        zones: vec![
            (4711, "example.com".into(), 3600),
            (99, "com.example.net".into(), 86400),
        ],
        ..Cloud::default()
    };
    cloud.rrsets.insert(
        (4711, "@".into(), "SOA".into()),
        (
            None,
            vec![
                "hydrogen.ns.hetzner.com. dns.hetzner.com. 2026010101 86400 10800 3600000 3600"
                    .into(),
            ],
        ),
    );
    cloud.rrsets.insert(
        (4711, "www".into(), "A".into()),
        (Some(300), vec!["192.0.2.1".into()]),
    );
    let cloud = Rc::new(RefCell::new(cloud));
    let c = Rc::clone(&cloud);
    let host = TestHost::new()
        .with_http(move |req: &Request| -> Result<Response, HttpError> { Ok(handle(&c, req)) });
    (host, cloud)
}

fn config() -> Value {
    json!({ "hetzner": { "url": BASE, "token_secret": "dns_token" } })
}

fn params(records: &Value, overwrite: bool) -> Value {
    json!({ "provider": "hetzner", "domain": "shop.example.com", "zone": null, "overwrite": overwrite, "records": records })
}

fn stored(
    cloud: &Rc<RefCell<Cloud>>,
    name: &str,
    rtype: &str,
) -> Option<(Option<u32>, Vec<String>)> {
    cloud
        .borrow()
        .rrsets
        .get(&(4711, name.to_owned(), rtype.to_owned()))
        .cloned()
}

#[test]
fn creates_rrsets_relative_to_the_zone_and_waits_for_each_action() {
    let (host, cloud) = setup();
    let records = json!([
        { "name": "@", "type": "A", "values": ["192.0.2.10", "192.0.2.11"] },
        { "name": "@", "type": "TXT", "values": ["v=spf1 -all"] },
        { "name": "www", "type": "CNAME", "values": ["shop.example.com"] }
    ]);
    let out = execute(&host, &params(&records, false), &config()).unwrap();
    assert_eq!(out.output["zone"], "example.com");
    assert_eq!(
        stored(&cloud, "shop", "A"),
        Some((Some(3600), vec!["192.0.2.10".into(), "192.0.2.11".into()]))
    );
    assert_eq!(
        stored(&cloud, "shop", "TXT"),
        Some((Some(3600), vec!["\"v=spf1 -all\"".into()]))
    );
    assert_eq!(
        stored(&cloud, "www.shop", "CNAME"),
        Some((Some(3600), vec!["shop.example.com.".into()]))
    );
    let create = &cloud.borrow().writes[0].2;
    assert_eq!(
        create["records"][0],
        json!({ "value": "192.0.2.10", "comment": "" })
    );
    let urls: Vec<String> = host
        .requests
        .borrow()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect();
    assert!(
        urls.contains(&format!("GET {BASE}/zones?name=shop.example.com")),
        "{urls:#?}"
    );
    assert!(
        urls.contains(&format!("GET {BASE}/zones?name=example.com")),
        "{urls:#?}"
    );
    assert!(
        urls.contains(&format!("POST {BASE}/zones/4711/rrsets")),
        "{urls:#?}"
    );
    assert!(
        urls.contains(&format!("GET {BASE}/actions/1")),
        "the running action was polled: {urls:#?}"
    );
    assert!(
        host.requests
            .borrow()
            .iter()
            .all(|r| r.credential.is_some())
    );
}

#[test]
fn overwrite_uses_set_records_and_change_ttl_and_rollback_keeps_others_values() {
    let (host, cloud) = setup();
    let records = json!([{ "name": "www.example.com.", "type": "A", "values": ["203.0.113.5"] }]);
    let p = params(&records, true);
    let out = execute(&host, &p, &config()).unwrap();
    assert_eq!(
        stored(&cloud, "www", "A"),
        Some((Some(3600), vec!["203.0.113.5".into()]))
    );
    let commands: Vec<String> = cloud.borrow().writes.iter().map(|w| w.0.clone()).collect();
    assert_eq!(commands, vec!["set_rrset_records", "change_rrset_ttl"]);

    // Someone else adds a value in the console in between.
    cloud
        .borrow_mut()
        .rrsets
        .get_mut(&(4711, "www".into(), "A".into()))
        .unwrap()
        .1
        .push("198.51.100.8".into());
    rollback(&host, &p, &config(), &out.receipt).unwrap();
    let (ttl, mut values) = stored(&cloud, "www", "A").unwrap();
    values.sort();
    assert_eq!(values, vec!["192.0.2.1", "198.51.100.8"]);
    assert_eq!(ttl, Some(300));
    let commands: Vec<String> = cloud
        .borrow()
        .writes
        .iter()
        .skip(2)
        .map(|w| w.0.clone())
        .collect();
    assert_eq!(
        commands,
        vec![
            "add_rrset_records",
            "remove_rrset_records",
            "change_rrset_ttl"
        ]
    );
}

#[test]
fn rollback_deletes_a_created_rrset() {
    let (host, cloud) = setup();
    let records = json!([{ "name": "@", "type": "AAAA", "values": ["2001:db8::5"] }]);
    let out = execute(&host, &params(&records, false), &config()).unwrap();
    assert!(stored(&cloud, "shop", "AAAA").is_some());
    rollback(&host, &params(&records, false), &config(), &out.receipt).unwrap();
    assert!(stored(&cloud, "shop", "AAAA").is_none());
    assert_eq!(cloud.borrow().writes.last().unwrap().0, "delete_rrset");
}

#[test]
fn a_failed_action_is_reported_with_its_code_and_message() {
    let (host, cloud) = setup();
    cloud.borrow_mut().failing.push("shop".into());
    cloud.borrow_mut().next_action = 1; // no polling pause in this test
    let records = json!([{ "name": "@", "type": "A", "values": ["192.0.2.10"] }]);
    let out = execute(&host, &params(&records, false), &config());
    let err = out.unwrap_err();
    assert!(
        matches!(err, NodeError::Failed(ref m) if m.contains("action_failed") && m.contains("rejected by the name servers")),
        "{err}"
    );
    assert_eq!(
        host.checkpoints.borrow().len(),
        1,
        "the checkpoint came before the write"
    );
}

#[test]
fn an_error_response_is_reported_with_code_and_message() {
    let (host, _cloud) = setup();
    let bad = json!({ "hetzner": { "token_secret": "other_token" } });
    let records = json!([{ "name": "@", "type": "A", "values": ["192.0.2.10"] }]);
    let err = execute(&host, &params(&records, false), &bad).unwrap_err();
    assert!(
        matches!(err, NodeError::Denied(ref m) if m.contains("HTTP 401 unauthorized: unable to authenticate") && m.contains("secret `other_token`")),
        "{err}"
    );

    let nowhere = json!({ "provider": "hetzner", "domain": "example.org", "records": records });
    let msg = execute(&host, &nowhere, &config()).unwrap_err().to_string();
    assert!(
        msg.contains("no zone holds `example.org`") && msg.contains("example.com"),
        "{msg}"
    );
}

#[test]
fn dry_run_only_reads() {
    let (host, cloud) = setup();
    let records = json!([{ "name": "www.example.com.", "type": "A", "values": ["203.0.113.5"] }]);
    let out = dry_run(&host, &params(&records, true), &config()).unwrap();
    assert_eq!(out.output["changes"][0]["action"], "update");
    assert!(host.requests.borrow().iter().all(|r| r.method == "GET"));
    assert!(cloud.borrow().writes.is_empty());
}

#[test]
fn waits_out_the_rate_limit_and_retries() {
    let (host, cloud) = setup();
    cloud.borrow_mut().throttle = 2;
    let pauses = RefCell::new(Vec::new());
    let mut api = Hetzner::new(
        &host,
        serde_json::from_value::<Config>(config()["hetzner"].clone()).unwrap(),
    )
    .with_clock(|d| pauses.borrow_mut().push(d), || 1_700_000_000);
    let zone = api.find_zone("shop.example.com", None).unwrap();
    assert_eq!(zone.id, "4711");
    assert_eq!(
        *pauses.borrow(),
        vec![Duration::from_secs(3), Duration::from_secs(3)]
    );

    cloud.borrow_mut().throttle = 10;
    let err = api.find_zone("shop.example.com", None).unwrap_err();
    assert!(
        matches!(err, NodeError::Unavailable(ref m) if m.contains("429 rate_limit_exceeded")),
        "{err}"
    );
    assert_eq!(
        pauses.borrow().len(),
        5,
        "bounded: three more retries, then it gives up"
    );
}
