//! The host side of the `abp:node/http` import: the only network a node has. Every request is
//! checked before it leaves, and again at every redirect hop:
//!
//! - the method (GET, HEAD, POST, PUT, PATCH, DELETE; only GET and HEAD in a dry run; nothing
//!   at all in sovereign mode);
//! - the URL against both the plugin's manifest (`requests.http`) and the policy
//!   (`plugins.NAME.egress`), through [`abp_egress::check_url`];
//! - every address the host name resolves to, through [`abp_egress::check_ip`] (loopback,
//!   private, link-local and metadata addresses only when the policy lists them); the
//!   connection then goes to exactly those checked addresses, so a second lookup (DNS
//!   rebinding) cannot swap them;
//! - redirects, which the HTTP client never follows on its own: the gate follows them, each
//!   hop re-checked ([`abp_egress::check_redirect`]), the credential kept only where its
//!   binding allows it;
//! - sizes and time: a request body of at most 1 MiB, a response body of at most 8 MiB (read
//!   as a stream, so an endless body is cut off), a timeout of the request's `timeout-ms` or
//!   30 s, never beyond the plugin's time limit.
//!
//! Secrets go by reference: the request names one, the gate checks that the plugin was granted
//! it and that it may go to this host ([`abp_egress::check_secret`]), reads it and places it.
//! Denials come back to the node as `http-error::denied` with the reason and the policy key to
//! set, and are audited (`http.request_denied`); allowed writes are audited too
//! (`http.request`).
//!
//! Invariant: a secret's value lives only inside one [`PolicyGate`] exchange. It is placed in
//! the outgoing request and scrubbed (`[redacted]`) from the response the node gets; it is never
//! written to a log, an audit event or an error message.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Once;
use std::time::Duration;

use abp_egress::{
    CheckedUrl, Denial, EgressRule, Host, RuleError, SecretBinding, check_ip, check_redirect,
    check_secret, check_url,
};
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::policy::{Grants, LoadedPolicy, Mode};
use crate::runtime::{
    CallInfo, HttpGate, Level, SecretPlacement, WitHttpError, WitRequest, WitResponse,
};

/// Size, time and redirect bounds for one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body a node may send.
    pub max_request_body: usize,
    /// Largest response body handed back to a node.
    pub max_response_body: usize,
    /// Timeout when the request names none (always capped by the plugin's time limit).
    pub default_timeout_ms: u64,
    /// Redirects followed before the request fails.
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_body: 1 << 20,
            max_response_body: 8 << 20,
            default_timeout_ms: 30_000,
            max_redirects: 10,
        }
    }
}

/// Enforces the egress policy and performs the requests it allows.
pub struct PolicyGate {
    mode: Mode,
    limits: Limits,
}

impl PolicyGate {
    pub fn new(policy: &LoadedPolicy) -> Self {
        Self {
            mode: policy.policy.mode,
            limits: Limits::default(),
        }
    }

    /// The same gate with other bounds.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl HttpGate for PolicyGate {
    fn send(
        &self,
        call: &CallInfo,
        request: WitRequest,
    ) -> Pin<Box<dyn Future<Output = Result<WitResponse, WitHttpError>> + Send + '_>> {
        let call = call.clone();
        Box::pin(async move { self.handle(&call, request).await })
    }
}

/// Methods a node may use.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
/// Headers the host sets (or that only make sense between the host and the server).
const HOST_HEADERS: [&str; 10] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];
/// Most headers a node may set on one request.
const MAX_HEADERS: usize = 100;
/// What a secret's value is replaced with in responses.
const REDACTED: &[u8] = b"[redacted]";

/// Why an exchange produced no response.
enum Failure {
    /// Refused by policy; the message says why and what to set.
    Denied(String),
    /// A body over its cap; the text says which.
    TooLarge(String),
    Timeout,
    Transport(String),
}

fn denied(message: String) -> Failure {
    Failure::Denied(message)
}

/// A response and what the audit trail and the log say about it.
struct Done {
    response: WitResponse,
    /// The final URL without its query.
    url: String,
    host: String,
    redirects: usize,
    credential: Option<String>,
}

/// A secret, read and ready to place.
struct Secret {
    name: String,
    value: String,
    placement: Placement,
}

enum Placement {
    Header {
        name: HeaderName,
        value: HeaderValue,
    },
    Body {
        placeholder: String,
    },
}

impl Secret {
    /// The forms in which the value could come back in a response: as it is, inside a JSON
    /// string (up to three levels deep, as an echo of a JSON body quoted in JSON gives), and
    /// percent-encoded. Longest first, so a longer form is replaced whole.
    fn needles(&self) -> Vec<Vec<u8>> {
        let mut forms = vec![self.value.clone()];
        for _ in 0..3 {
            let next = json_escaped(forms.last().map_or("", String::as_str));
            forms.push(next);
        }
        forms.push(url::form_urlencoded::byte_serialize(self.value.as_bytes()).collect());
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for form in forms {
            if !needles.iter().any(|n| n == form.as_bytes()) {
                needles.push(form.into_bytes());
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles
    }
}

impl PolicyGate {
    async fn handle(
        &self,
        call: &CallInfo,
        request: WitRequest,
    ) -> Result<WitResponse, WitHttpError> {
        let method = request.method.trim().to_ascii_uppercase();
        let shown = without_query(&request.url);
        let query = url::Url::parse(request.url.trim())
            .ok()
            .and_then(|u| u.query().map(|q| format!("?{q}")));
        let hide = |text: &str| match &query {
            Some(q) if !q.is_empty() && q != "?" => text.replace(q.as_str(), "?[query hidden]"),
            _ => text.to_owned(),
        };
        let node = call.node_id.as_str();
        match self.exchange(call, &method, request).await {
            Ok(done) => {
                let status = done.response.status;
                let hops = if done.redirects == 0 {
                    String::new()
                } else {
                    format!(", after {} redirect(s)", done.redirects)
                };
                call.hooks.log(
                    node,
                    Level::Info,
                    &format!(
                        "http: {method} {} -> {status} ({} bytes{hops})",
                        done.url,
                        done.response.body.len()
                    ),
                );
                if !matches!(method.as_str(), "GET" | "HEAD") {
                    call.hooks.audit(
                        node,
                        "http.request",
                        json!({ "plugin": call.plugin, "method": method, "url": done.url, "host": done.host,
                                "status": status, "redirects": done.redirects, "credential": done.credential }),
                    );
                }
                Ok(done.response)
            }
            Err(Failure::Denied(reason)) => {
                let shown_reason = hide(&reason);
                call.hooks.log(
                    node,
                    Level::Warn,
                    &format!("http: {method} {shown} denied: {shown_reason}"),
                );
                call.hooks.audit(
                    node,
                    "http.request_denied",
                    json!({ "plugin": call.plugin, "method": method, "url": shown, "reason": shown_reason }),
                );
                Err(WitHttpError::Denied(reason))
            }
            Err(Failure::TooLarge(reason)) => {
                call.hooks.log(
                    node,
                    Level::Warn,
                    &format!("http: {method} {shown} refused: {reason}"),
                );
                call.hooks.audit(
                    node,
                    "http.request_denied",
                    json!({ "plugin": call.plugin, "method": method, "url": shown, "reason": reason, "limit": "too-large" }),
                );
                Err(WitHttpError::TooLarge)
            }
            Err(Failure::Timeout) => {
                call.hooks.log(
                    node,
                    Level::Warn,
                    &format!("http: {method} {shown} timed out"),
                );
                Err(WitHttpError::Timeout)
            }
            Err(Failure::Transport(message)) => {
                let message = hide(&message);
                call.hooks.log(
                    node,
                    Level::Warn,
                    &format!("http: {method} {shown} failed: {message}"),
                );
                Err(WitHttpError::Transport(message))
            }
        }
    }

    /// Checks the request, then sends it, following redirects.
    async fn exchange(
        &self,
        call: &CallInfo,
        method: &str,
        request: WitRequest,
    ) -> Result<Done, Failure> {
        let plugin = call.plugin.as_str();
        let grants = &*call.grants;
        let shown = without_query(&request.url);
        if !METHODS.contains(&method) {
            return Err(denied(format!(
                "plugin `{plugin}`: method `{}` is not supported; use one of {}",
                request.method.chars().take(20).collect::<String>(),
                METHODS.join(", ")
            )));
        }
        if self.mode == Mode::Sovereign {
            return Err(denied(format!(
                "plugin `{plugin}`: {method} `{shown}` refused: the system is in sovereign mode (policy `mode = \"sovereign\"`), where no request leaves the host"
            )));
        }
        if call.dry_run && !matches!(method, "GET" | "HEAD") {
            return Err(denied(format!(
                "plugin `{plugin}`: {method} `{shown}` refused: this is a dry run, which sends only GET and HEAD requests (no side effects); it is sent when the graph runs live"
            )));
        }
        if request.body.len() > self.limits.max_request_body {
            return Err(Failure::TooLarge(format!(
                "request body of {} bytes exceeds the cap of {} bytes",
                request.body.len(),
                self.limits.max_request_body
            )));
        }
        let manifest_rules = EgressRule::parse_all(&grants.manifest_egress).map_err(|errors| {
            denied(format!(
                "plugin `{plugin}`: its manifest's `requests.http` has invalid patterns: {}",
                rule_errors(&errors)
            ))
        })?;
        let policy_rules = EgressRule::parse_all(&grants.policy_egress).map_err(|errors| {
            denied(format!("plugin `{plugin}`: `plugins.{plugin}.egress` has invalid rules: {}; fix them in the policy", rule_errors(&errors)))
        })?;
        let url = check_both(plugin, &request.url, &manifest_rules, &policy_rules)?;
        let headers = node_headers(plugin, &request.headers)?;
        let secret = match request.credential {
            None => None,
            Some(credential) => Some(read_secret(
                plugin,
                grants,
                &credential.secret,
                credential.placement,
                &url,
            )?),
        };
        if let Some(Secret {
            name,
            placement: Placement::Body { placeholder },
            ..
        }) = &secret
            && !contains(&request.body, placeholder.as_bytes())
        {
            return Err(denied(format!(
                "plugin `{plugin}`: secret `{name}` goes in the body in place of `{placeholder}`, but the body does not contain that placeholder"
            )));
        }
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| denied(format!("plugin `{plugin}`: {e}")))?;
        let timeout_ms = request
            .timeout_ms
            .map_or(self.limits.default_timeout_ms, u64::from)
            .min(grants.timeout_ms)
            .max(1);
        let exchange = Exchange {
            plugin,
            grants,
            limits: self.limits,
            manifest_rules,
            policy_rules,
            secret,
        };
        match tokio::time::timeout(
            Duration::from_millis(timeout_ms),
            exchange.run(method, url, headers, request.body),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout),
        }
    }
}

/// One request on its way through its redirects.
struct Exchange<'a> {
    plugin: &'a str,
    grants: &'a Grants,
    limits: Limits,
    manifest_rules: Vec<EgressRule>,
    policy_rules: Vec<EgressRule>,
    secret: Option<Secret>,
}

impl Exchange<'_> {
    async fn run(
        self,
        mut method: Method,
        mut url: CheckedUrl,
        mut headers: HeaderMap,
        mut body: Vec<u8>,
    ) -> Result<Done, Failure> {
        let plugin = self.plugin;
        // Whether the credential still travels (it is dropped at a hop its binding excludes).
        let mut secret_on = self.secret.is_some();
        let mut redirects = 0;
        loop {
            let addrs = self.resolve(&url).await?;
            let client = client_for(&url, &addrs)?;
            let mut hop_headers = headers.clone();
            let mut hop_body = body.clone();
            if let Some(secret) = self.secret.as_ref().filter(|_| secret_on) {
                match &secret.placement {
                    Placement::Header { name, value } => {
                        hop_headers.insert(name.clone(), value.clone());
                    }
                    Placement::Body { placeholder } => {
                        hop_body = replace_all(
                            &hop_body,
                            placeholder.as_bytes(),
                            json_escaped(&secret.value).as_bytes(),
                        );
                        if hop_body.len() > self.limits.max_request_body {
                            return Err(Failure::TooLarge(format!(
                                "request body with secret `{}` placed exceeds the cap of {} bytes",
                                secret.name, self.limits.max_request_body
                            )));
                        }
                    }
                }
            }
            let response = client
                .request(method.clone(), url.url().clone())
                .headers(hop_headers)
                .body(hop_body)
                .send()
                .await
                .map_err(|e| self.transport(&url, &e))?;
            let status = response.status().as_u16();
            let location = response.headers().get(header::LOCATION).cloned();
            if let (301 | 302 | 303 | 307 | 308, Some(location)) = (status, location) {
                redirects += 1;
                if redirects > self.limits.max_redirects {
                    return Err(Failure::Transport(format!(
                        "more than {} redirects, the last from `{}`",
                        self.limits.max_redirects,
                        without_query(url.as_str())
                    )));
                }
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                let next = check_redirect(&url, &location, &self.policy_rules)
                    .map_err(|d| denied(d.message(plugin)))?;
                if let Err(d) = check_url(next.as_str(), &self.manifest_rules) {
                    return Err(denied(format!(
                        "plugin `{plugin}`: redirect from `{}`: {}; the plugin's manifest does not request it (`requests.http`), so it is not followed",
                        url.as_str(),
                        d.reason()
                    )));
                }
                // As browsers do (Fetch standard): 303 turns into GET, and so does a POST
                // answered with 301 or 302; the body and its headers go with it.
                let to_get = (status == 303 && method != Method::HEAD)
                    || (matches!(status, 301 | 302) && method == Method::POST);
                if to_get {
                    method = Method::GET;
                    body.clear();
                    for name in [
                        header::CONTENT_TYPE,
                        header::CONTENT_ENCODING,
                        header::CONTENT_LANGUAGE,
                        header::CONTENT_LOCATION,
                    ] {
                        headers.remove(name);
                    }
                }
                if !next.same_origin(&url) {
                    headers.remove(header::AUTHORIZATION);
                    headers.remove(header::COOKIE);
                    if let Some(secret) = self.secret.as_ref().filter(|_| secret_on)
                        && let Err(d) =
                            check_secret(&secret.name, &next, &self.bindings(), &self.granted())
                    {
                        match secret.placement {
                            // The body still carries the secret's place: refuse rather than
                            // send it (or the placeholder) where it does not belong.
                            Placement::Body { .. } if !body.is_empty() => {
                                return Err(denied(d.message(plugin)));
                            }
                            _ => secret_on = false,
                        }
                    }
                }
                url = next;
                continue;
            }
            let headers_out = response_headers(response.headers());
            let body_out = self.read_body(response, &method, &url).await?;
            let (headers_out, body_out) = match &self.secret {
                Some(secret) => scrub_response(secret, headers_out, &body_out),
                None => (headers_out, body_out),
            };
            return Ok(Done {
                response: WitResponse {
                    status,
                    headers: headers_out,
                    body: body_out,
                },
                url: without_query(url.as_str()),
                host: url.host().to_string(),
                redirects,
                credential: self
                    .secret
                    .as_ref()
                    .filter(|_| secret_on)
                    .map(|s| s.name.clone()),
            });
        }
    }

    fn granted(&self) -> Vec<String> {
        self.grants.secrets.keys().cloned().collect()
    }

    fn bindings(&self) -> Vec<SecretBinding> {
        bindings(self.grants)
    }

    /// The addresses to connect to: an IP literal as it is, a name resolved here, and every
    /// address checked.
    async fn resolve(&self, url: &CheckedUrl) -> Result<Vec<SocketAddr>, Failure> {
        let port = url.port();
        match url.host() {
            Host::Ip(ip) => {
                check_ip(*ip, &ip.to_string(), &self.policy_rules)
                    .map_err(|d| denied(d.message(self.plugin)))?;
                Ok(vec![SocketAddr::new(*ip, port)])
            }
            Host::Name(name) => {
                let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), port))
                    .await
                    .map_err(|e| Failure::Transport(format!("resolving `{name}`: {e}")))?
                    .collect();
                if found.is_empty() {
                    return Err(Failure::Transport(format!(
                        "`{name}` resolved to no address"
                    )));
                }
                let mut addrs: Vec<SocketAddr> = Vec::new();
                for addr in found {
                    check_ip(addr.ip(), name, &self.policy_rules)
                        .map_err(|d| denied(d.message(self.plugin)))?;
                    if !addrs.contains(&addr) {
                        addrs.push(addr);
                    }
                }
                Ok(addrs)
            }
        }
    }

    /// Reads the body as a stream, stopping as soon as it passes the cap.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        method: &Method,
        url: &CheckedUrl,
    ) -> Result<Vec<u8>, Failure> {
        let cap = self.limits.max_response_body;
        let too_large = || {
            Failure::TooLarge(format!(
                "response body of `{}` exceeds the cap of {cap} bytes",
                without_query(url.as_str())
            ))
        };
        if *method != Method::HEAD && response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport(url, &e))?
        {
            if body.len() + chunk.len() > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// A transport failure, with its causes and without the URL's query or any secret.
    fn transport(&self, url: &CheckedUrl, err: &reqwest::Error) -> Failure {
        let mut message = format!(
            "{} `{}`",
            if err.is_connect() {
                "connecting to"
            } else {
                "talking to"
            },
            without_query(url.as_str())
        );
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        if let Some(secret) = &self.secret {
            for needle in secret.needles() {
                message = message.replace(&*String::from_utf8_lossy(&needle), "[redacted]");
            }
        }
        Failure::Transport(message)
    }
}

fn bindings(grants: &Grants) -> Vec<SecretBinding> {
    grants
        .secrets
        .iter()
        .map(|(name, g)| SecretBinding {
            name: name.clone(),
            hosts: g.hosts.clone(),
        })
        .collect()
}

fn rule_errors(errors: &[RuleError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks a URL against the manifest's asks and the policy's grants: both must allow it.
fn check_both(
    plugin: &str,
    url: &str,
    manifest: &[EgressRule],
    policy: &[EgressRule],
) -> Result<CheckedUrl, Failure> {
    let manifest_says = |d: &Denial| {
        format!(
            "the plugin's manifest does not request it (its `requests.http`), so no policy can allow it ({})",
            d.reason()
        )
    };
    match (check_url(url, policy), check_url(url, manifest)) {
        (Ok(checked), Ok(_)) => Ok(checked),
        (Err(by_policy), Ok(_)) => Err(denied(by_policy.message(plugin))),
        (Ok(_), Err(by_manifest)) => Err(denied(format!(
            "plugin `{plugin}`: {}",
            manifest_says(&by_manifest)
        ))),
        // A URL no rule could ever allow (userinfo, a bad scheme) needs one message; otherwise
        // both lists have to change.
        (Err(by_policy), Err(_)) if by_policy.policy_key().is_none() => {
            Err(denied(by_policy.message(plugin)))
        }
        (Err(by_policy), Err(by_manifest)) => Err(denied(format!(
            "{}; and {}",
            by_policy.message(plugin),
            manifest_says(&by_manifest)
        ))),
    }
}

/// The node's own headers, checked.
fn node_headers(plugin: &str, list: &[(String, String)]) -> Result<HeaderMap, Failure> {
    if list.len() > MAX_HEADERS {
        return Err(denied(format!(
            "plugin `{plugin}`: {} request headers, more than the {MAX_HEADERS} allowed",
            list.len()
        )));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in list {
        let shown: String = name.chars().take(60).collect();
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            denied(format!(
                "plugin `{plugin}`: `{shown}` is not a valid HTTP header name"
            ))
        })?;
        if HOST_HEADERS.contains(&name.as_str()) {
            return Err(denied(format!(
                "plugin `{plugin}`: header `{name}` is set by the host; leave it out of the request"
            )));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| denied(format!("plugin `{plugin}`: the value of header `{name}` has characters a header cannot carry")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// Checks that the plugin may send `name` to `url`'s host, reads it and prepares its placement.
/// No message here carries the value.
fn read_secret(
    plugin: &str,
    grants: &Grants,
    name: &str,
    placement: SecretPlacement,
    url: &CheckedUrl,
) -> Result<Secret, Failure> {
    let granted: Vec<String> = grants.secrets.keys().cloned().collect();
    check_secret(name, url, &bindings(grants), &granted).map_err(|d| denied(d.message(plugin)))?;
    let Some(grant) = grants.secrets.get(name) else {
        return Err(denied(format!(
            "plugin `{plugin}`: secret `{name}` is not granted; set `plugins.{plugin}.secrets.{name}`"
        )));
    };
    let value = grant.source.resolve().map_err(|e| {
        denied(format!("plugin `{plugin}`: secret `{name}` could not be read ({e:#}); provide it where `plugins.{plugin}.secrets.{name}` points"))
    })?;
    if value.is_empty() {
        return Err(denied(format!(
            "plugin `{plugin}`: secret `{name}` is empty; provide a value where `plugins.{plugin}.secrets.{name}` points"
        )));
    }
    let placement = match placement {
        SecretPlacement::Header(h) => {
            let header_name = HeaderName::from_bytes(h.name.trim().as_bytes()).map_err(|_| {
                denied(format!(
                    "plugin `{plugin}`: `{}` is not a valid HTTP header name for secret `{name}`",
                    h.name.chars().take(60).collect::<String>()
                ))
            })?;
            if HOST_HEADERS.contains(&header_name.as_str()) {
                return Err(denied(format!(
                    "plugin `{plugin}`: secret `{name}` cannot go in header `{header_name}`, which the host sets"
                )));
            }
            let text = match h.scheme.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(scheme) => format!("{scheme} {value}"),
                None => value.clone(),
            };
            let mut header_value = HeaderValue::from_str(&text).map_err(|_| {
                denied(format!(
                    "plugin `{plugin}`: secret `{name}` cannot be sent in header `{header_name}`: its value (or the scheme) has characters a header cannot carry"
                ))
            })?;
            header_value.set_sensitive(true);
            Placement::Header {
                name: header_name,
                value: header_value,
            }
        }
        SecretPlacement::BodyPlaceholder(placeholder) => {
            if placeholder.len() < 4 {
                return Err(denied(format!(
                    "plugin `{plugin}`: the body placeholder for secret `{name}` must be at least 4 characters long, so that it cannot match by accident"
                )));
            }
            Placement::Body { placeholder }
        }
    };
    Ok(Secret {
        name: name.to_owned(),
        value,
        placement,
    })
}

/// A client for one hop: no proxy, no redirects, no pooled connections, and name lookups only
/// through `addrs`, which the gate resolved and checked.
fn client_for(url: &CheckedUrl, addrs: &[SocketAddr]) -> Result<reqwest::Client, Failure> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .referer(false)
        .pool_max_idle_per_host(0)
        .dns_resolver(NoLookups)
        .user_agent(concat!("abp/", env!("CARGO_PKG_VERSION")));
    if let Host::Name(name) = url.host() {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder
        .build()
        .map_err(|e| Failure::Transport(format!("setting up the HTTP client: {e}")))
}

/// The client's resolver, used only if a name slipped past the gate's own lookup: it refuses.
struct NoLookups;

impl reqwest::dns::Resolve for NoLookups {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move {
            Err(
                format!("`{name}` was not resolved by the egress gate; refusing to look it up")
                    .into(),
            )
        })
    }
}

/// rustls needs one process-wide crypto provider; the host uses ring.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when a provider is installed already, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn response_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Replaces every form of the secret's value in the response with `[redacted]`.
fn scrub_response(
    secret: &Secret,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> (Vec<(String, String)>, Vec<u8>) {
    let needles = secret.needles();
    let headers = headers
        .into_iter()
        .map(|(k, v)| {
            let mut bytes = v.into_bytes();
            for needle in &needles {
                bytes = replace_all(&bytes, needle, REDACTED);
            }
            (k, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    let mut body = body.to_vec();
    for needle in &needles {
        body = replace_all(&body, needle, REDACTED);
    }
    (headers, body)
}

/// `haystack` with every occurrence of `needle` replaced, left to right.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i] == needle[0] && haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The value as it appears inside a JSON string.
fn json_escaped(value: &str) -> String {
    let quoted = Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// A URL for logs and audit events: without its query and fragment (which may carry tokens).
fn without_query(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url.trim()) else {
        let cut = url.find(['?', '#', '@']).unwrap_or(url.len());
        return url[..cut].chars().take(200).collect();
    };
    let had_query = parsed.query().is_some();
    parsed.set_query(None);
    parsed.set_fragment(None);
    // Never show userinfo either.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let mut text = parsed.to_string();
    if had_query {
        text.push_str("?[query hidden]");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_left_to_right() {
        assert_eq!(replace_all(b"aXXbXXXc", b"XX", b"-"), b"a-b-Xc");
        assert_eq!(replace_all(b"abc", b"", b"-"), b"abc");
        assert_eq!(replace_all(b"ab", b"abc", b"-"), b"ab");
    }

    #[test]
    fn json_escaping_keeps_the_value_inside_a_json_string() {
        let value = "p\"w\\d\n";
        let body = format!("{{\"password\":\"{}\"}}", json_escaped(value));
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["password"], value);
    }

    #[test]
    fn shown_urls_lose_query_fragment_and_userinfo() {
        assert_eq!(
            without_query("https://u:p@api.example/x?token=1#f"),
            "https://api.example/x?[query hidden]"
        );
        assert_eq!(
            without_query("https://api.example/x"),
            "https://api.example/x"
        );
        assert_eq!(without_query("not a url?secret"), "not a url");
    }

    #[test]
    fn scrubbing_removes_raw_and_json_escaped_forms() {
        let secret = Secret {
            name: "t".into(),
            value: "se\"cret".into(),
            placement: Placement::Body {
                placeholder: "@@T@@".into(),
            },
        };
        let (headers, body) = scrub_response(
            &secret,
            vec![("x-echo".into(), "Bearer se\"cret".into())],
            br#"{"echo":"se\"cret","raw":se"cret}"#,
        );
        assert_eq!(headers[0].1, "Bearer [redacted]");
        assert_eq!(body, br#"{"echo":"[redacted]","raw":[redacted]}"#);
        let quoted_twice =
            Value::String(format!("{{\"password\":\"{}\"}}", json_escaped("se\"cret"))).to_string();
        let (_, body) = scrub_response(&secret, vec![], quoted_twice.as_bytes());
        assert!(
            !String::from_utf8_lossy(&body).contains("cret"),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }

    #[test]
    fn a_url_must_pass_both_manifest_and_policy() {
        let manifest =
            EgressRule::parse_all(&["https://api.example", "http://127.0.0.1:*"]).unwrap();
        let policy = EgressRule::parse_all(&["http://127.0.0.1:8081"]).unwrap();
        assert!(check_both("p", "http://127.0.0.1:8081/x", &manifest, &policy).is_ok());
        let Err(Failure::Denied(m)) = check_both("p", "https://api.example/x", &manifest, &policy)
        else {
            panic!("allowed")
        };
        assert!(m.contains("plugins.p.egress"), "{m}");
        let Err(Failure::Denied(m)) = check_both(
            "p",
            "http://127.0.0.1:8081@evil.example/",
            &manifest,
            &policy,
        ) else {
            panic!("allowed")
        };
        assert!(m.contains("userinfo"), "{m}");
        let wide = EgressRule::parse_all(&["https://other.example"]).unwrap();
        let Err(Failure::Denied(m)) = check_both("p", "https://other.example/", &manifest, &wide)
        else {
            panic!("allowed")
        };
        assert!(m.contains("manifest does not request it"), "{m}");
    }
}
