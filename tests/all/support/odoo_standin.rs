//! The node's own stand-in Odoo (`plugins/odoo/tests/support/odoo_standin.rs`: Odoo's
//! JSON-RPC answers, `update_list` scanning the addons folder), served over real HTTP on
//! `127.0.0.1:0` so that requests go through the host's egress and secret placement.

#![allow(
    dead_code,
    reason = "each test group uses a different part of the support"
)]

#[path = "../../../plugins/odoo/tests/support/odoo_standin.rs"]
mod odoo;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use abp_node_sdk::http::Request;

pub use odoo::{DATABASE, PASSWORD};

/// A running stand-in; stops when dropped.
pub struct OdooServer {
    pub url: String,
    calls: Arc<Mutex<Vec<String>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl OdooServer {
    /// Serves the stand-in for the addons folder `addons` (the host path of the node's mount).
    pub fn start(addons: PathBuf) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let url = format!("http://127.0.0.1:{port}");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, calls, url) = (server.clone(), calls.clone(), url.clone());
            // The stand-in's state is single-threaded: it lives on the serving thread.
            std::thread::spawn(move || {
                let standin = odoo::OdooStandin::new(addons);
                let handler = standin.handler();
                for mut incoming in server.incoming_requests() {
                    let mut body = Vec::new();
                    let _ = incoming.as_reader().read_to_end(&mut body);
                    let mut request = Request::new(
                        incoming.method().as_str(),
                        format!("{url}{}", incoming.url()),
                    );
                    request.body = body;
                    let response = handler(&request).expect("the stand-in always answers");
                    *calls.lock().expect("calls") = standin.calls();
                    let _ = incoming.respond(
                        tiny_http::Response::from_data(response.body)
                            .with_status_code(response.status)
                            .with_header(
                                tiny_http::Header::from_bytes("Content-Type", "application/json")
                                    .expect("header"),
                            ),
                    );
                }
            })
        };
        Self {
            url,
            calls,
            server,
            thread: Some(thread),
        }
    }

    /// `(service|model).method` of every call so far.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls").clone()
    }
}

impl Drop for OdooServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
