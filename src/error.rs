//! The crate's one error type and the Kratos error body it carries.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything that can go wrong when talking to the Kratos admin API.
///
/// `Display` always says what happened in words a person can act on: for an
/// API error the HTTP status, the server's `message` and its `reason`. The API
/// key never appears in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success HTTP status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The request never produced a complete HTTP response: DNS, connect,
    /// TLS, timeout, a connection reset, a body cut short, …
    #[error("{kind} error while calling {method} {path}: {message}")]
    Transport {
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// The HTTP method of the request.
        method: &'static str,
        /// The path of the request (no query string, no host).
        path: String,
        /// The underlying error, in words.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The response had a success status but its body did not decode into
    /// the expected type.
    #[error(
        "could not decode the HTTP {status} response as {target}: {source}; body starts with: {snippet}"
    )]
    Decode {
        /// The HTTP status of the response.
        status: u16,
        /// The Rust type the body should have decoded into.
        target: &'static str,
        /// The first few hundred bytes of the body, lossily decoded.
        snippet: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// The response body was larger than the client's configured cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    #[error("the response body of {method} {path} is larger than the {limit}-byte cap")]
    BodyTooLarge {
        /// The HTTP method of the request.
        method: &'static str,
        /// The path of the request.
        path: String,
        /// The cap in bytes.
        limit: u64,
    },

    /// The request could not be built from what the caller gave: an empty id,
    /// a body that does not serialize, an out-of-range setting, …
    #[error("invalid request: {0}")]
    InvalidInput(String),

    /// The client configuration is unusable (bad base URL, bad header, …).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// Pagination could not continue safely: a malformed `Link` header, a
    /// next link without paging parameters, or a page the server already
    /// sent (a loop).
    #[error("pagination stopped: {0}")]
    Pagination(String),

    /// The request was retried and every attempt failed; this carries the
    /// number of attempts and the last failure.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many attempts were made in total.
        attempts: u32,
        /// The failure of the last attempt.
        #[source]
        last: Box<Error>,
    },
}

impl Error {
    /// The HTTP status of the response, when there was one.
    ///
    /// ```
    /// # use kratos_identity::Error;
    /// fn is_gone(err: &Error) -> bool {
    ///     err.status() == Some(404) || err.status() == Some(410)
    /// }
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. } => Some(*status),
            Error::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// `true` for a 404 answer (a missing identity, session or schema).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `true` for a 409 answer (a duplicate identifier or `external_id`).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// `true` for a 429 answer (Ory Network's rate limit).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// `true` when the request timed out.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => *kind == TransportErrorKind::Timeout,
            Error::RetriesExhausted { last, .. } => last.is_timeout(),
            _ => false,
        }
    }

    /// The API error, when the server answered with a non-success status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::RetriesExhausted { last, .. } => last.api(),
            _ => None,
        }
    }

    /// The Kratos error body, when the server sent one that decoded.
    pub fn kratos_error(&self) -> Option<&GenericError> {
        self.api().and_then(|api| api.error.as_ref())
    }
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name could not be resolved.
    Dns,
    /// The TCP connection could not be established.
    Connect,
    /// A configured timeout elapsed.
    Timeout,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The connection broke or the peer spoke malformed HTTP.
    Io,
    /// Anything else the HTTP stack reported.
    Other,
}

impl TransportErrorKind {
    /// `true` when the failure certainly happened before any byte of the
    /// request reached the server, so even a non-idempotent request is safe
    /// to send again.
    pub fn before_request_sent(self) -> bool {
        matches!(self, TransportErrorKind::Dns | TransportErrorKind::Connect)
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Dns => "DNS",
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Tls => "TLS",
            TransportErrorKind::Io => "I/O",
            TransportErrorKind::Other => "HTTP",
        })
    }
}

/// A non-success answer from the API: the HTTP status (the truth, even when
/// the body's `code` disagrees), the decoded Kratos error body when there was
/// one, and the raw body when it was not a Kratos error (an HTML page from a
/// proxy, say).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The decoded `{"error": {…}}` body, if the body was one.
    pub error: Option<GenericError>,
    /// The raw body (at most 4 KiB of it, lossily decoded) when it did not
    /// decode as a Kratos error body.
    pub raw_body: Option<String>,
    /// The `Ory-Error-Id` response header, if sent.
    pub error_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`, or
    /// `x-ratelimit-reset` on a 429), if it said.
    pub retry_after: Option<Duration>,
}

/// How many bytes of a non-JSON error body are kept.
const RAW_BODY_KEEP: usize = 4096;

impl ApiError {
    /// Builds the error from a response's status, selected headers and body.
    pub(crate) fn from_response(
        status: u16,
        error_id: Option<String>,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Self {
        // Kratos wraps its error in `{"error": …}`; some proxies and older
        // endpoints send the bare object. Either counts when it has a message.
        let error = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error)
            .or_else(|_| serde_json::from_slice::<GenericError>(body))
            .ok()
            .filter(|e| !e.message.is_empty() || e.reason.is_some());
        let raw_body = match error {
            Some(_) => None,
            None if body.is_empty() => None,
            None => Some(snippet(body, RAW_BODY_KEEP)),
        };
        ApiError {
            status,
            error,
            raw_body,
            error_id,
            retry_after,
        }
    }

    /// The server's `message`, if it sent a Kratos error body.
    pub fn message(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.message.as_str())
    }

    /// The server's `reason`, if it sent one. Kratos often puts the useful
    /// detail here (`"could not find identity"`).
    pub fn reason(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.reason.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(text) = status_text(self.status) {
            write!(f, " {text}")?;
        }
        match (&self.error, &self.raw_body) {
            (Some(e), _) => {
                write!(f, ": {}", e.message)?;
                if let Some(reason) = e.reason.as_deref().filter(|r| !r.is_empty()) {
                    write!(f, " ({reason})")?;
                }
            }
            (None, Some(raw)) => {
                let one_line: String = raw
                    .chars()
                    .take(200)
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                let is_json = serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok();
                let label = if is_json {
                    "unexpected JSON body"
                } else {
                    "non-JSON body"
                };
                write!(f, ": {label}: {}", one_line.trim())?;
            }
            (None, None) => f.write_str(": empty body")?,
        }
        if let Some(id) = &self.error_id {
            write!(f, " [ory-error-id {id}]")?;
        }
        Ok(())
    }
}

fn status_text(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// The `{"error": {…}}` envelope Kratos wraps every error in.
#[derive(Debug, Clone, Deserialize)]
struct ErrorBody {
    error: GenericError,
}

/// The Kratos error object (`genericError` in the OpenAPI document).
///
/// Only `message` is guaranteed; every other field may be missing. The `code`
/// field can disagree with the HTTP status: trust [`ApiError::status`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenericError {
    /// The error's message.
    #[serde(default)]
    pub message: String,
    /// The status code the server put in the body (may disagree with the
    /// real HTTP status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The status text the server put in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A human-readable reason, often more useful than `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The error id, useful in application logic (`"session_inactive"`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The request id, for tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Debug information, usually not exposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<String>,
    /// Further details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl fmt::Display for GenericError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(reason) = self.reason.as_deref().filter(|r| !r.is_empty()) {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

/// The first `max` bytes of `body`, lossily decoded, cut on a char boundary.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let cut = &body[..body.len().min(max)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > max {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    const KRATOS_404: &str = r#"{"error":{"id":"not_found","code":404,"status":"Not Found","request":"d7ef54b1-ec15-46e6-bccb-524b82c035e6","reason":"could not find identity","message":"Unable to locate the resource"}}"#;

    #[test]
    fn reads_kratos_bare_and_foreign_bodies() {
        let e = ApiError::from_response(404, Some("eid".into()), None, KRATOS_404.as_bytes());
        assert_eq!(
            e.to_string(),
            "HTTP 404 Not Found: Unable to locate the resource (could not find identity) [ory-error-id eid]"
        );
        let e = ApiError::from_response(
            502,
            None,
            None,
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        );
        assert!(e.error.is_none());
        assert!(
            e.to_string()
                .starts_with("HTTP 502 Bad Gateway: non-JSON body: <html>")
        );
        let e = ApiError::from_response(400, None, None, br#"{"message":"bad","code":500}"#);
        assert_eq!(e.status, 400);
        assert_eq!(e.message(), Some("bad"));
        let e = ApiError::from_response(500, None, None, b"");
        assert_eq!(e.to_string(), "HTTP 500 Internal Server Error: empty body");
        let long = "x".repeat(10_000);
        let e = ApiError::from_response(503, None, None, long.as_bytes());
        assert!(
            e.raw_body
                .as_ref()
                .is_some_and(|r| r.len() <= RAW_BODY_KEEP + 3)
        );
        assert!(e.to_string().len() < 300);
    }

    #[test]
    fn property_error_bodies_never_panic() {
        let mut rng = Rng::new(0xE440);
        for i in 0..50_000 {
            let body = if i % 2 == 0 {
                rng.mutate(KRATOS_404.as_bytes())
            } else {
                rng.bytes(80, b"{}[]\":,error message reason code 0123456789")
            };
            let status = [400, 401, 404, 409, 429, 500, 502, 504][rng.below(8)];
            let e = ApiError::from_response(status, None, None, &body);
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("HTTP {status}")), "{shown}");
            assert!(!shown.contains('\n') || e.error.is_some(), "{shown:?}");
        }
    }

    #[test]
    fn snippet_cuts_on_bytes_without_panicking() {
        assert_eq!(snippet("üüü".as_bytes(), 3), "ü\u{FFFD}…");
        assert_eq!(snippet(b"abc", 10), "abc");
    }
}
