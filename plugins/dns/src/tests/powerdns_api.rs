//! The `powerdns` provider against an in-memory stand-in of the `PowerDNS` Authoritative HTTP
//! API: `X-API-Key` auth, `GET /api/v1/servers/{server}/zones`, `GET .../zones/{id}` with
//! `rrsets`, `PATCH .../zones/{id}` with REPLACE/DELETE (204 No Content), errors as
//! `{"error": "..."}`. It checks what `PowerDNS` checks: absolute names, in-zone names, TTL on
//! REPLACE, quoted TXT, absolute CNAME/MX targets.

use std::cell::RefCell;
use std::rc::Rc;

use abp_node_sdk::http::{HttpError, Request, Response, SecretPlacement};
use abp_node_sdk::testing::TestHost;
use abp_node_sdk::{NodeError, Value, json};

use super::{execute, rollback};

#[derive(Debug, Clone)]
struct Rrset {
    name: String,
    rtype: String,
    ttl: u64,
    records: Vec<(String, bool)>,
}

#[derive(Debug, Default)]
struct Server {
    /// (id, name, rrsets)
    zones: Vec<(String, String, Vec<Rrset>)>,
    patches: Vec<Value>,
}

fn reply(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: if body.is_null() {
            vec![]
        } else {
            body.to_string().into_bytes()
        },
    }
}

fn err(status: u16, msg: &str) -> Response {
    reply(status, &json!({ "error": msg }))
}

fn content_error(rtype: &str, content: &str) -> Option<String> {
    let ok = match rtype {
        "TXT" => content.starts_with('"') && content.ends_with('"'),
        "CNAME" => content.ends_with('.'),
        "MX" => {
            let p: Vec<&str> = content.split(' ').collect();
            p.len() == 2 && p[0].parse::<u16>().is_ok() && p[1].ends_with('.')
        }
        "A" => content.parse::<std::net::Ipv4Addr>().is_ok(),
        "AAAA" => content.parse::<std::net::Ipv6Addr>().is_ok(),
        _ => true,
    };
    (!ok).then(|| {
        format!(
            "Parsing record content (try 'pdnsutil check-zone'): '{content}' is not a valid {rtype}"
        )
    })
}

fn handle(server: &Rc<RefCell<Server>>, req: &Request) -> Response {
    let authed = matches!(&req.credential, Some(c) if c.secret == "pdns_api_key"
        && c.placement == SecretPlacement::Header { name: "X-API-Key".into(), scheme: None });
    if !authed {
        return err(401, "Unauthorized");
    }
    let Some(path) = req
        .url
        .strip_prefix("http://127.0.0.1:8081/api/v1/servers/localhost")
    else {
        return err(404, "Not Found");
    };
    let mut s = server.borrow_mut();
    match (req.method.as_str(), path) {
        ("GET", "/zones") => reply(
            200,
            &Value::Array(
                s.zones
                    .iter()
                    .map(|(id, name, _)| json!({ "id": id, "name": name, "kind": "Native", "serial": 1,
                                                 "url": format!("/api/v1/servers/localhost/zones/{id}") }))
                    .collect(),
            ),
        ),
        (method, p) if p.starts_with("/zones/") => {
            let id = &p["/zones/".len()..];
            let Some(zone) = s.zones.iter_mut().find(|(zid, _, _)| zid == id) else {
                return err(404, &format!("Could not find domain '{id}'"));
            };
            match method {
                "GET" => {
                    let rrsets: Vec<Value> = zone
                        .2
                        .iter()
                        .map(|r| json!({ "name": r.name, "type": r.rtype, "ttl": r.ttl, "comments": [],
                            "records": r.records.iter().map(|(c, d)| json!({ "content": c, "disabled": d })).collect::<Vec<_>>() }))
                        .collect();
                    reply(200, &json!({ "id": zone.0, "name": zone.1, "kind": "Native", "rrsets": rrsets }))
                }
                "PATCH" => {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                    let Some(sets) = body["rrsets"].as_array() else {
                        return err(400, "No rrsets given in update request");
                    };
                    // Validate everything first: PowerDNS applies a PATCH atomically.
                    for r in sets {
                        let name = r["name"].as_str().unwrap_or("");
                        let rtype = r["type"].as_str().unwrap_or("");
                        if !name.ends_with('.') {
                            return err(422, &format!("RRset {name} IN {rtype}: Name is not canonical"));
                        }
                        if !(name == zone.1 || name.ends_with(&format!(".{}", zone.1))) {
                            return err(422, &format!("RRset {name} IN {rtype}: Name is out of zone"));
                        }
                        match r["changetype"].as_str() {
                            Some("REPLACE") => {
                                if r["ttl"].as_u64().is_none() {
                                    return err(422, "Key 'ttl' not present or not an Integer");
                                }
                                for rec in r["records"].as_array().into_iter().flatten() {
                                    if let Some(e) = content_error(rtype, rec["content"].as_str().unwrap_or("")) {
                                        return err(422, &e);
                                    }
                                }
                            }
                            Some("DELETE") => {}
                            other => return err(422, &format!("Changetype not understood: {other:?}")),
                        }
                    }
                    for r in sets {
                        let name = r["name"].as_str().unwrap_or("").to_owned();
                        let rtype = r["type"].as_str().unwrap_or("").to_owned();
                        zone.2.retain(|x| !(x.name == name && x.rtype == rtype));
                        if r["changetype"] == "REPLACE" {
                            let records: Vec<(String, bool)> = r["records"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|x| (x["content"].as_str().unwrap_or("").to_owned(), x["disabled"].as_bool().unwrap_or(false)))
                                .collect();
                            if !records.is_empty() {
                                zone.2.push(Rrset { name, rtype, ttl: r["ttl"].as_u64().unwrap_or(0), records });
                            }
                        }
                    }
                    s.patches.push(body);
                    reply(204, &Value::Null)
                }
                _ => err(405, "Method Not Allowed"),
            }
        }
        _ => err(404, "Not Found"),
    }
}

fn rr(name: &str, rtype: &str, ttl: u64, records: &[(&str, bool)]) -> Rrset {
    Rrset {
        name: name.into(),
        rtype: rtype.into(),
        ttl,
        records: records.iter().map(|(c, d)| ((*c).to_owned(), *d)).collect(),
    }
}

fn setup() -> (TestHost, Rc<RefCell<Server>>) {
    let server = Rc::new(RefCell::new(Server {
        zones: vec![
            (
                "example.co.uk.".into(),
                "example.co.uk.".into(),
                vec![
                    rr(
                        "example.co.uk.",
                        "SOA",
                        3600,
                        &[(
                            "ns1.example.co.uk. hostmaster.example.co.uk. 1 10800 3600 604800 3600",
                            false,
                        )],
                    ),
                    rr(
                        "example.co.uk.",
                        "NS",
                        3600,
                        &[("ns1.example.co.uk.", false)],
                    ),
                    rr(
                        "www.shop.example.co.uk.",
                        "A",
                        300,
                        &[("192.0.2.1", false), ("192.0.2.99", true)],
                    ),
                ],
            ),
            ("co.uk.".into(), "co.uk.".into(), vec![]),
        ],
        patches: vec![],
    }));
    let s = Rc::clone(&server);
    let host = TestHost::new()
        .with_http(move |req: &Request| -> Result<Response, HttpError> { Ok(handle(&s, req)) });
    (host, server)
}

fn config() -> Value {
    json!({ "powerdns": { "url": "http://127.0.0.1:8081", "server_id": "localhost", "api_key_secret": "pdns_api_key" } })
}

fn values(server: &Rc<RefCell<Server>>, name: &str, rtype: &str) -> Vec<(String, bool)> {
    let s = server.borrow();
    s.zones
        .iter()
        .flat_map(|z| &z.2)
        .find(|r| r.name == name && r.rtype == rtype)
        .map(|r| r.records.clone())
        .unwrap_or_default()
}

fn params(overwrite: bool) -> Value {
    json!({ "provider": "powerdns", "domain": "shop.example.co.uk", "overwrite": overwrite, "records": [
        { "name": "@", "type": "A", "values": ["192.0.2.10"] },
        { "name": "www", "type": "A", "values": ["192.0.2.2"] },
        { "name": "@", "type": "TXT", "values": ["v=spf1 -all"] },
        { "name": "@", "type": "MX", "values": ["10 mail.example.co.uk"] }
    ]})
}

#[test]
fn creates_records_in_the_longest_suffix_zone_with_one_patch() {
    let (host, server) = setup();
    let out = execute(&host, &params(true), &config()).unwrap();
    assert_eq!(out.output["zone"], "example.co.uk");
    assert_eq!(
        values(&server, "shop.example.co.uk.", "A"),
        vec![("192.0.2.10".to_owned(), false)]
    );
    assert_eq!(
        values(&server, "shop.example.co.uk.", "TXT"),
        vec![("\"v=spf1 -all\"".to_owned(), false)]
    );
    assert_eq!(
        values(&server, "shop.example.co.uk.", "MX"),
        vec![("10 mail.example.co.uk.".to_owned(), false)]
    );
    let patches = &server.borrow().patches;
    assert_eq!(patches.len(), 1, "one atomic PATCH");
    let first = &patches[0]["rrsets"][0];
    assert_eq!(first["name"], "shop.example.co.uk.");
    assert_eq!(first["changetype"], "REPLACE");
    assert_eq!(first["ttl"], 3600);
    let methods: Vec<String> = host
        .requests
        .borrow()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods.iter().filter(|m| *m == "PATCH").count(), 1);
    assert!(
        host.requests
            .borrow()
            .iter()
            .all(|r| r.credential.is_some()),
        "every request carries the key by reference"
    );
}

#[test]
fn a_disabled_record_of_someone_else_stays_disabled_and_rollback_restores_it() {
    let (host, server) = setup();
    let out = execute(&host, &params(true), &config()).unwrap();
    assert_eq!(
        values(&server, "www.shop.example.co.uk.", "A"),
        vec![("192.0.2.2".to_owned(), false)]
    );

    // Someone else adds a value to the apex A between execute and rollback.
    server.borrow_mut().zones[0]
        .2
        .iter_mut()
        .find(|r| r.name == "shop.example.co.uk." && r.rtype == "A")
        .unwrap()
        .records
        .push(("198.51.100.5".into(), false));

    rollback(&host, &params(true), &config(), &out.receipt).unwrap();
    let mut www = values(&server, "www.shop.example.co.uk.", "A");
    www.sort();
    assert_eq!(
        www,
        vec![
            ("192.0.2.1".to_owned(), false),
            ("192.0.2.99".to_owned(), false)
        ]
    );
    assert_eq!(
        values(&server, "shop.example.co.uk.", "A"),
        vec![("198.51.100.5".to_owned(), false)],
        "theirs survives"
    );
    assert!(values(&server, "shop.example.co.uk.", "TXT").is_empty());
    assert!(values(&server, "shop.example.co.uk.", "MX").is_empty());
    let patches_before = server.borrow().patches.len();
    rollback(&host, &params(true), &config(), &out.receipt).unwrap();
    assert_eq!(
        server.borrow().patches.len(),
        patches_before,
        "second rollback sends no PATCH"
    );
}

#[test]
fn an_existing_record_set_needs_overwrite_and_nothing_is_patched() {
    let (host, server) = setup();
    let msg = execute(&host, &params(false), &config())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(
            "`www.shop.example.co.uk` A already exists with 192.0.2.1, 192.0.2.99 (ttl 300)"
        ),
        "{msg}"
    );
    assert!(server.borrow().patches.is_empty());
}

#[test]
fn api_errors_and_missing_config_are_reported_clearly() {
    let (host, _server) = setup();
    let bad_key =
        json!({ "powerdns": { "url": "http://127.0.0.1:8081", "api_key_secret": "wrong" } });
    let err = execute(&host, &params(true), &bad_key).unwrap_err();
    assert!(
        matches!(err, NodeError::Denied(ref m) if m.contains("HTTP 401") && m.contains("secret `wrong`")),
        "{err}"
    );

    let err = execute(&host, &params(true), &json!({})).unwrap_err();
    assert!(
        matches!(err, NodeError::Unavailable(ref m) if m.contains("plugins.dns.config.powerdns.url")),
        "{err}"
    );

    let nowhere = json!({ "provider": "powerdns", "domain": "example.org", "records": [{ "name": "@", "type": "A", "values": ["192.0.2.1"] }] });
    let msg = execute(&host, &nowhere, &config()).unwrap_err().to_string();
    assert!(
        msg.contains("no zone holds `example.org`") && msg.contains("example.co.uk"),
        "{msg}"
    );
}
