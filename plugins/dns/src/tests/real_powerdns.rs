//! The `powerdns` provider against a real `PowerDNS` Authoritative server (ignored by default:
//! it needs one). Run it with a server whose API is at `ABP_PDNS_URL` (e.g.
//! `http://127.0.0.1:18081`), key `ABP_PDNS_KEY`, DNS on `ABP_PDNS_DNS_PORT` (127.0.0.1), and
//! an existing zone `example.co.uk.`:
//! `cargo test -p abp-node-dns real_powerdns -- --ignored`.
//! The HTTP handler stands in for the host: it places the secret and speaks HTTP/1.1.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use abp_node_sdk::http::{HttpError, Request, Response, SecretPlacement};
use abp_node_sdk::json;
use abp_node_sdk::testing::TestHost;

use super::{execute, rollback};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name} (see the module docs)"))
}

/// A minimal HTTP/1.1 client over `TcpStream` (`Connection: close`, `Content-Length` bodies).
fn send(req: &Request, key: &str) -> Result<Response, HttpError> {
    let rest = req
        .url
        .strip_prefix("http://")
        .ok_or(HttpError::Denied("http only".into()))?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let mut stream =
        TcpStream::connect(authority).map_err(|e| HttpError::Transport(e.to_string()))?;
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        req.method,
        req.body.len()
    );
    for (k, v) in &req.headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    if let Some(c) = &req.credential {
        assert_eq!(c.secret, "pdns_api_key");
        let SecretPlacement::Header { name, .. } = &c.placement else {
            panic!("key goes in a header")
        };
        let _ = write!(head, "{name}: {key}\r\n");
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&req.body))
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(HttpError::Transport("no header end".into()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

fn dig(name: &str, rtype: &str) -> String {
    let port = env("ABP_PDNS_DNS_PORT");
    let out = Command::new("dig")
        .args(["+short", "@127.0.0.1", "-p", &port, name, rtype])
        .output()
        .expect("dig runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs a PowerDNS server: ABP_PDNS_URL, ABP_PDNS_KEY, ABP_PDNS_DNS_PORT"]
fn real_powerdns_serves_what_execute_wrote_and_rollback_restores_it() {
    let key = env("ABP_PDNS_KEY");
    let host = TestHost::new().with_http(move |req| send(req, &key));
    let config = json!({ "powerdns": { "url": env("ABP_PDNS_URL") } });
    let params = json!({ "provider": "powerdns", "domain": "shop.example.co.uk", "overwrite": true, "records": [
        { "name": "@", "type": "A", "values": ["192.0.2.10", "192.0.2.11"], "ttl": 300 },
        { "name": "www", "type": "CNAME", "values": ["shop.example.co.uk"] },
        { "name": "@", "type": "TXT", "values": ["v=spf1 -all", "grüße \"quoted\""] },
        { "name": "@", "type": "MX", "values": ["10 mail.example.co.uk"] }
    ]});
    let out = execute(&host, &params, &config).unwrap();
    assert_eq!(out.output["zone"], "example.co.uk");
    assert_eq!(out.output["verified"], true);
    let mut a: Vec<String> = dig("shop.example.co.uk", "A")
        .lines()
        .map(str::to_owned)
        .collect();
    a.sort();
    assert_eq!(a, vec!["192.0.2.10", "192.0.2.11"]);
    assert_eq!(
        dig("www.shop.example.co.uk", "CNAME").trim(),
        "shop.example.co.uk."
    );
    assert!(dig("shop.example.co.uk", "TXT").contains("\"v=spf1 -all\""));
    assert_eq!(
        dig("shop.example.co.uk", "MX").trim(),
        "10 mail.example.co.uk."
    );

    // A second run with the same params changes nothing.
    let again = execute(&host, &params, &config).unwrap();
    assert_eq!(again.output["changed"], 0, "{}", again.output);

    rollback(&host, &params, &config, &out.receipt).unwrap();
    assert_eq!(dig("shop.example.co.uk", "A").trim(), "");
    assert_eq!(dig("www.shop.example.co.uk", "CNAME").trim(), "");
}
