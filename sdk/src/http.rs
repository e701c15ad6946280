//! HTTP through the host: request and response types with a small builder, and credentials
//! by reference (the node names a secret; the host places its value and the node never sees it).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where the host puts a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlacement {
    /// In the named header, optionally after a scheme (`Authorization: Bearer <secret>`).
    Header {
        name: String,
        scheme: Option<String>,
    },
    /// In place of this placeholder in the body, escaped as JSON string content.
    BodyPlaceholder(String),
}

/// A secret by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub secret: String,
    pub placement: SecretPlacement,
}

/// An HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub credential: Option<Credential>,
    pub timeout_ms: Option<u32>,
}

impl Request {
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Self {
            method: method.to_owned(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            credential: None,
            timeout_ms: None,
        }
    }
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }
    pub fn put(url: impl Into<String>) -> Self {
        Self::new("PUT", url)
    }
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new("PATCH", url)
    }
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new("DELETE", url)
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body, with `Content-Type: application/json`.
    #[must_use]
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = serde_json::to_vec(body).unwrap_or_default();
        self.header("Content-Type", "application/json")
    }

    /// `Authorization: Bearer <secret>`, the secret placed by the host.
    #[must_use]
    pub fn bearer(self, secret: &str) -> Self {
        self.secret_header(secret, "Authorization", Some("Bearer"))
    }

    /// A header carrying a secret, e.g. `X-API-Key`.
    #[must_use]
    pub fn secret_header(mut self, secret: &str, header: &str, scheme: Option<&str>) -> Self {
        self.credential = Some(Credential {
            secret: secret.to_owned(),
            placement: SecretPlacement::Header {
                name: header.to_owned(),
                scheme: scheme.map(str::to_owned),
            },
        });
        self
    }

    /// The secret replaces `placeholder` in the body (JSON-escaped).
    #[must_use]
    pub fn secret_in_body(mut self, secret: &str, placeholder: &str) -> Self {
        self.credential = Some(Credential {
            secret: secret.to_owned(),
            placement: SecretPlacement::BodyPlaceholder(placeholder.to_owned()),
        });
        self
    }

    #[must_use]
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, crate::NodeError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            crate::NodeError::Failed(format!(
                "response (HTTP {}) is not the JSON expected: {e}",
                self.status
            ))
        })
    }

    /// The body as a JSON value, `Null` when empty.
    pub fn json_value(&self) -> Result<Value, crate::NodeError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        self.json()
    }

    /// The response itself when its status is 2xx, else a [`crate::NodeError`] that says what
    /// the server answered: 401 and 403 are `denied` (a credential the server refuses), 408,
    /// 429 and 5xx are `unavailable` (trying later may work), any other status is `failed`.
    /// The message carries the status and the start of the body (at most 200 characters).
    pub fn error_for_status(self) -> Result<Self, crate::NodeError> {
        if self.is_success() {
            return Ok(self);
        }
        let text = self.text();
        let mut excerpt: String = text.chars().take(200).collect();
        if text.chars().count() > 200 {
            excerpt.push_str("...");
        }
        let message = if excerpt.trim().is_empty() {
            format!("HTTP {}", self.status)
        } else {
            format!("HTTP {}: {}", self.status, excerpt.trim())
        };
        Err(match self.status {
            401 | 403 => crate::NodeError::Denied(message),
            408 | 429 | 500..=599 => crate::NodeError::Unavailable(message),
            _ => crate::NodeError::Failed(message),
        })
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    Denied(String),
    Timeout,
    Transport(String),
    TooLarge,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Denied(m) => write!(f, "denied: {m}"),
            Self::Timeout => f.write_str("timed out"),
            Self::Transport(m) => write!(f, "transport error: {m}"),
            Self::TooLarge => f.write_str("request or response too large"),
        }
    }
}

impl std::error::Error for HttpError {}
