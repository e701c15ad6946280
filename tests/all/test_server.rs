//! A small local HTTP server for the egress tests, on `127.0.0.1:0`. It records every request
//! it gets and answers by path:
//! - `/echo`: 200 with the request as JSON (method, path, headers, body), and the `X-Api-Key`
//!   and `Authorization` it got echoed back in response headers (to test scrubbing);
//! - `/redirect?to=URL` (302), `/redirect303?to=URL`, `/redirect307?to=URL`;
//! - `/endless`: a chunked body that never ends; `/big`: a 9 MiB body with its length declared;
//! - `/slow`: answers after 3 s;
//! - anything else: 404.

#![allow(
    dead_code,
    reason = "each test group uses a different part of the server"
)]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;
use tiny_http::{Header, Response, StatusCode};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running server; stops when dropped.
pub struct TestServer {
    pub port: u16,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, seen) = (server.clone(), seen.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let seen = seen.clone();
                    // One thread per request: `/endless` and `/slow` must not hold up the others.
                    std::thread::spawn(move || handle(request, &seen));
                }
            })
        };
        Self {
            port,
            url: format!("http://127.0.0.1:{port}"),
            seen,
            server,
            thread: Some(thread),
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// Requests whose path starts with `path`.
    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.url.starts_with(path))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn handle(mut request: tiny_http::Request, seen: &Mutex<Vec<Seen>>) {
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let url = request.url().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let entry = Seen {
        method: request.method().as_str().to_owned(),
        url: url.clone(),
        headers,
        body,
    };
    seen.lock().expect("lock").push(entry.clone());
    let path = url.split('?').next().unwrap_or("");
    let target = url
        .split_once("to=")
        .map(|(_, t)| t.to_owned())
        .unwrap_or_default();
    let redirect = |code: u16| {
        Response::from_string("")
            .with_status_code(StatusCode(code))
            .with_header(header("Location", &target))
    };
    let _ = match path {
        "/echo" => {
            let echo = json!({
                "method": entry.method,
                "path": url,
                "headers": entry.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "body": String::from_utf8_lossy(&entry.body),
            });
            let mut response = Response::from_string(echo.to_string())
                .with_header(header("Content-Type", "application/json"));
            for name in ["X-Api-Key", "Authorization"] {
                if let Some(v) = entry.header(name) {
                    response.add_header(header(&format!("X-Echo-{name}"), v));
                }
            }
            request.respond(response)
        }
        "/redirect" => request.respond(redirect(302)),
        "/redirect303" => request.respond(redirect(303)),
        "/redirect307" => request.respond(redirect(307)),
        "/endless" => request.respond(Response::new(
            StatusCode(200),
            vec![],
            std::io::repeat(b'x'),
            None,
            None,
        )),
        "/big" => {
            let len = 9 << 20;
            request.respond(Response::new(
                StatusCode(200),
                vec![],
                std::io::repeat(b'x').take(len as u64),
                Some(len),
                None,
            ))
        }
        "/slow" => {
            std::thread::sleep(Duration::from_secs(3));
            request.respond(Response::from_string("late"))
        }
        _ => request.respond(Response::from_string("not found").with_status_code(StatusCode(404))),
    };
}
