//! A client for Odoo's external JSON-RPC API (`POST /jsonrpc`, services `common` and
//! `object`), over a one-method [`Transport`] so that it runs against the host inside the
//! sandbox and against a stand-in server in native tests.
//!
//! The password never passes through the node: every request carries [`PASSWORD_PLACEHOLDER`]
//! where Odoo expects the password, and the host replaces it with the secret's value.

use std::cell::Cell;

use abp_node_sdk::http::{HttpError, Request, Response};
use abp_node_sdk::{Host, NodeError, Value, json};

/// What the host replaces with the password secret in request bodies.
pub const PASSWORD_PLACEHOLDER: &str = "{{ODOO_PASSWORD}}";

/// Sends one HTTP request; the host in production, a stand-in in tests.
pub trait Transport {
    fn send(&self, request: Request) -> Result<Response, HttpError>;
}

/// The host as a transport: requests go through its egress policy and secret placement.
pub struct HostTransport<'h>(pub &'h dyn Host);

impl Transport for HostTransport<'_> {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        self.0.send(request)
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8069`.
    pub url: String,
    pub database: String,
    pub login: String,
    /// Name of the secret holding the password (never its value).
    pub password_secret: String,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    /// The request did not get a response (denied by policy, timeout, connection).
    Transport(HttpError),
    /// A response that is not a JSON-RPC answer (wrong URL, proxy error page, ...).
    Protocol(String),
    /// Odoo answered with an error object; `message` is Odoo's own text.
    Odoo { name: String, message: String },
    /// `authenticate` returned `false`.
    LoginFailed,
}

impl RpcError {
    /// As a node error, saying what was being done (`what`) and what to check.
    pub fn into_node_error(self, what: &str, conn: &Connection) -> NodeError {
        match self {
            Self::Transport(err) => {
                let node_error = NodeError::from(err);
                let message = format!(
                    "{what}: odoo at {} did not answer: {}",
                    conn.url,
                    node_error.message()
                );
                match node_error {
                    NodeError::Denied(_) => NodeError::denied(message),
                    NodeError::Failed(_) => NodeError::failed(message),
                    _ => NodeError::unavailable(message),
                }
            }
            Self::Protocol(detail) => NodeError::failed(format!("{what}: {detail}")),
            Self::Odoo { name, message } => {
                let kind = if name.is_empty() {
                    String::new()
                } else {
                    format!(" ({name})")
                };
                NodeError::failed(format!("{what}: odoo said: {message}{kind}"))
            }
            Self::LoginFailed => NodeError::denied(format!(
                "{what}: odoo refused the login `{}` on database `{}`; check `login` in the plugin config and the `{}` secret",
                conn.login, conn.database, conn.password_secret
            )),
        }
    }
}

/// A JSON-RPC session: `authenticate` once, then `execute_kw`.
pub struct Client<'t> {
    transport: &'t dyn Transport,
    conn: Connection,
    uid: Cell<Option<i64>>,
    next_id: Cell<u64>,
    /// Per-request timeout; module installs run inside one request.
    timeout_ms: u32,
}

impl<'t> Client<'t> {
    pub fn new(transport: &'t dyn Transport, conn: Connection, timeout_ms: u32) -> Self {
        Self {
            transport,
            conn,
            uid: Cell::new(None),
            next_id: Cell::new(1),
            timeout_ms,
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// `common.authenticate`; returns the user id.
    pub fn authenticate(&self) -> Result<i64, RpcError> {
        let args = json!(
            [self.conn.database, self.conn.login, PASSWORD_PLACEHOLDER, {
            }]
        );
        let result = self.call("common", "authenticate", &args)?;
        match result.as_i64() {
            Some(uid) if uid > 0 => {
                self.uid.set(Some(uid));
                Ok(uid)
            }
            _ if result == Value::Bool(false) => Err(RpcError::LoginFailed),
            _ => Err(RpcError::Protocol(format!(
                "`authenticate` returned {result} instead of a user id"
            ))),
        }
    }

    /// `object.execute_kw(db, uid, password, model, method, args, kwargs)`; authenticates
    /// first when needed.
    pub fn execute_kw(
        &self,
        model: &str,
        method: &str,
        args: &Value,
        kwargs: &Value,
    ) -> Result<Value, RpcError> {
        let uid = match self.uid.get() {
            Some(uid) => uid,
            None => self.authenticate()?,
        };
        let args = json!([
            self.conn.database,
            uid,
            PASSWORD_PLACEHOLDER,
            model,
            method,
            args,
            kwargs
        ]);
        self.call("object", "execute_kw", &args)
    }

    fn call(&self, service: &str, method: &str, args: &Value) -> Result<Value, RpcError> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let body = json!({
            "jsonrpc": "2.0",
            "method": "call",
            "params": { "service": service, "method": method, "args": args },
            "id": id,
        });
        let request = Request::post(format!("{}/jsonrpc", self.conn.url))
            .json(&body)
            .header("Accept", "application/json")
            .secret_in_body(&self.conn.password_secret, PASSWORD_PLACEHOLDER)
            .timeout_ms(self.timeout_ms);
        let response = self.transport.send(request).map_err(RpcError::Transport)?;
        parse_response(&response, id)
    }
}

/// Reads a JSON-RPC 2.0 response: `result`, or Odoo's `error` object
/// (`{"code": 200, "message": "Odoo Server Error", "data": {"name", "message", "debug"}}`).
fn parse_response(response: &Response, id: u64) -> Result<Value, RpcError> {
    let body: Value = serde_json::from_slice(&response.body).map_err(|_| {
        RpcError::Protocol(format!(
            "odoo answered HTTP {} with a body that is not JSON-RPC ({}); is `url` the Odoo server's base URL?",
            response.status,
            snippet(&response.text())
        ))
    })?;
    if let Some(error) = body.get("error") {
        let data = error.get("data");
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        let message = text(data.and_then(|d| d.get("message")))
            .or_else(|| text(error.get("message")))
            .unwrap_or_else(|| {
                format!(
                    "an error without a message: {}",
                    snippet(&error.to_string())
                )
            });
        let name = text(data.and_then(|d| d.get("name"))).unwrap_or_default();
        return Err(RpcError::Odoo { name, message });
    }
    if body
        .get("id")
        .and_then(Value::as_u64)
        .is_some_and(|got| got != id)
    {
        return Err(RpcError::Protocol(format!(
            "odoo answered request {id} with another request's id"
        )));
    }
    match body.get("result") {
        Some(result) => Ok(result.clone()),
        None => Err(RpcError::Protocol(format!(
            "odoo answered HTTP {} without `result` or `error`: {}",
            response.status,
            snippet(&response.text())
        ))),
    }
}

/// The start of a response body, for error messages.
fn snippet(text: &str) -> String {
    let mut out: String = text.chars().take(200).filter(|c| !c.is_control()).collect();
    if text.chars().count() > 200 {
        out.push_str("...");
    }
    out
}
