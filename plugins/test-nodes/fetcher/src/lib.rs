//! Test node `fetcher`: performs the one HTTP request its params describe, through the host,
//! and returns what came back: the status, headers and body, or the error (`denied` with the
//! host's reason, `timeout`, `transport`, `too-large`) as its output, so that one graph can
//! carry many attempts. It sends in `dry_run` too (the host decides what a dry run may send).

use std::collections::BTreeMap;

use abp_node_sdk::http::{HttpError, Request};
use abp_node_sdk::{
    Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, Value, json,
};
use serde::Deserialize;

/// Longest body text put into the output.
const MAX_BODY_SHOWN: usize = 64 * 1024;

/// A secret by reference: in a header (`header`, optional `scheme`) or in the body in place
/// of `placeholder`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretParams {
    pub name: String,
    #[serde(default)]
    pub header: Option<String>,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub placeholder: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The URL, sent as given.
    pub url: String,
    /// GET unless given.
    #[serde(default = "get")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request body text.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub secret: Option<SecretParams>,
    #[serde(default)]
    pub timeout_ms: Option<u32>,
}

fn get() -> String {
    "GET".into()
}

pub struct Fetcher;

fn fetch(host: &dyn Host, p: &Params) -> Result<NodeOutput, NodeError> {
    let mut request = Request::new(&p.method, p.url.clone());
    for (k, v) in &p.headers {
        request = request.header(k, v);
    }
    request.body = p.body.clone().into_bytes();
    request.timeout_ms = p.timeout_ms;
    if let Some(s) = &p.secret {
        request = match (&s.header, &s.placeholder) {
            (Some(header), None) => request.secret_header(&s.name, header, s.scheme.as_deref()),
            (None, Some(placeholder)) => request.secret_in_body(&s.name, placeholder),
            _ => {
                return Err(NodeError::invalid_params(
                    "`secret` needs exactly one of `header` and `placeholder`",
                ));
            }
        };
    }
    let output = match host.send(request) {
        Ok(resp) => {
            let text = resp.text();
            let shown: String = text.chars().take(MAX_BODY_SHOWN).collect();
            json!({ "status": resp.status, "headers": resp.headers, "body": shown, "body_len": resp.body.len() })
        }
        Err(e) => {
            let (kind, message) = match &e {
                HttpError::Denied(m) => ("denied", m.clone()),
                HttpError::Timeout => ("timeout", String::new()),
                HttpError::Transport(m) => ("transport", m.clone()),
                HttpError::TooLarge => ("too-large", String::new()),
            };
            json!({ "error": { "kind": kind, "message": message } })
        }
    };
    Ok(NodeOutput::new(output, Value::Null))
}

impl Node for Fetcher {
    type Params = Params;
    const NODE_TYPE: &'static str = "fetcher";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str =
        "test node: sends one HTTP request through the host and returns the response or the error";
    const ROLLBACK: RollbackSupport = RollbackSupport::None;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        fetch(host, &inv.params)
    }

    fn execute(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        fetch(host, &inv.params)
    }

    fn rollback(
        _host: &dyn Host,
        _inv: &Invocation<Params>,
        _receipt: &Value,
    ) -> Result<(), NodeError> {
        Ok(())
    }
}

abp_node_sdk::export_node!(Fetcher);
