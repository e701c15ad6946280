//! Request extractors with the API's own error answers: [`JsonBody`] (size-limited, 400 for
//! malformed JSON with line and column, 422 naming the field that does not fit the schema)
//! and [`LiveAccess`] (governance mode and bearer token, for endpoints that change things).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use super::{ApiError, ApiState};
use crate::policy::Mode;

/// A JSON request body parsed into `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<ApiState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &ApiState) -> Result<Self, ApiError> {
        let limit = state.0.options.max_body_bytes;
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or_default().trim();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "the body must be JSON; send `Content-Type: application/json` (got `{essence}`)"
                    ),
                ));
            }
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        let mut body = Vec::new();
        let mut stream = req.into_body().into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        parse(&body).map(JsonBody)
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {limit} bytes"),
    )
    .with("limit_bytes", json!(limit))
}

/// Parses `bytes` as `T`: 400 for bytes that are not JSON, 422 for JSON that does not fit,
/// naming the field (`nodes[2].depends_on`) as serde's error path gives it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; send a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        rejection(&path, &err.into_inner())
    })?;
    de.end().map_err(|e| rejection(".", &e))?;
    Ok(value)
}

fn rejection(path: &str, err: &serde_json::Error) -> ApiError {
    match err.classify() {
        serde_json::error::Category::Syntax
        | serde_json::error::Category::Eof
        | serde_json::error::Category::Io => {
            ApiError::bad_request(format!("the request body is not valid JSON: {err}"))
                .with("line", json!(err.line()))
                .with("column", json!(err.column()))
        }
        serde_json::error::Category::Data => {
            let message = strip_position(&err.to_string());
            // A missing member is reported at its parent; name the member itself.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next());
            let path = match (missing, path) {
                (Some(name), ".") => name.to_owned(),
                (Some(name), parent) => format!("{parent}.{name}"),
                (None, path) => path.to_owned(),
            };
            if path == "." {
                ApiError::unprocessable(format!(
                    "the request body does not fit the schema: {message}"
                ))
                .with("field", json!(null))
            } else {
                ApiError::unprocessable(format!("`{path}`: {message}")).with("field", json!(path))
            }
        }
    }
}

/// `serde_json` appends " at line L column C" to data errors; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// Proof that a request may change things: the mode allows it and the bearer token matches.
pub struct LiveAccess;

impl FromRequestParts<ApiState> for LiveAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        match state.mode() {
            Mode::Safe => return Err(ApiError::unavailable(crate::SAFE_MODE_MESSAGE)),
            Mode::Sovereign => {
                return Err(ApiError::unavailable(
                    "Pipeline execution blocked: System in SOVEREIGN MODE (no live runs, no rollbacks, no egress; dry runs still work)",
                ));
            }
            Mode::Normal => {}
        }
        let Some(expected) = &state.0.token_digest else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "live runs through the API are disabled: the policy sets no `api_token`; set `api_token = { env = \"NAME\" }` or `api_token = { file = \"PATH\" }` in abp.toml and restart `abp serve`",
            ));
        };
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "missing `Authorization: Bearer <token>` header; this endpoint needs the policy's `api_token`",
            ));
        };
        let value = value.to_str().unwrap_or_default().trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(unauthorized(
                    "the `Authorization` header must be `Bearer <token>`",
                ));
            }
        };
        let given: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Comparing digests in constant time: the time taken says nothing about the token.
        if bool::from(given.ct_eq(expected)) {
            Ok(LiveAccess)
        } else {
            Err(unauthorized(
                "the bearer token does not match the policy's `api_token`",
            ))
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ExecutionGraphSpec;

    fn check(body: &str, status: StatusCode, field: Option<&str>, detail_part: &str) {
        let err = parse::<ExecutionGraphSpec>(body.as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{body} parsed"));
        assert_eq!(err.status, status, "{body}: {}", err.detail);
        assert_eq!(
            err.extra.get("field").and_then(|f| f.as_str()),
            field,
            "{body}: {}",
            err.detail
        );
        assert!(err.detail.contains(detail_part), "{body}: {}", err.detail);
    }

    #[test]
    fn parse_errors_name_the_field_or_the_position() {
        check("", StatusCode::BAD_REQUEST, None, "empty");
        check(
            "{\"graph_id\": ",
            StatusCode::BAD_REQUEST,
            None,
            "not valid JSON",
        );
        check(
            "{\"graph_id\": \"g\", \"nodes\": []} trailing",
            StatusCode::BAD_REQUEST,
            None,
            "trailing",
        );
        check(
            "{\"graph_id\": 7, \"nodes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("graph_id"),
            "`graph_id`: invalid type: integer `7`",
        );
        check(
            "{\"graph_id\": \"g\", \"nodes\": [{\"node_id\": \"a\", \"node_type\": \"x\", \"depends_on\": \"b\"}]}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nodes[0].depends_on"),
            "expected a sequence",
        );
        check(
            "{\"nodes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("graph_id"),
            "missing field `graph_id`",
        );
        check(
            "{\"graph_id\": \"g\", \"nodes\": [{\"node_id\": \"a\"}]}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nodes[0].node_type"),
            "missing field",
        );
        check(
            "{\"graph_id\": \"g\", \"nodes\": [], \"colour\": 1}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("colour"),
            "unknown field `colour`",
        );
    }
}
