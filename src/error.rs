//! The crate's one error type, the Kratos error body it carries, and the
//! evidence of a response that did not decode.
//!
//! Every message names the call that failed ([`Operation`]) and says its own
//! part once: a layer's `Display` describes that layer, and the cause comes
//! from [`source()`](std::error::Error::source), so `anyhow`'s `{:#}` prints
//! each message once. No message ever holds the API key, a value of the
//! request's query (an email in `credentials_identifier`, say) or a value of
//! a response body (a password hash, a recovery code).

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::operation::Operation;

/// Everything that can go wrong when talking to the Kratos admin API.
///
/// `Display` says which call failed and what happened, in words a person can
/// act on, e.g. `get_identity (GET /admin/identities/{id}): HTTP 404 Not
/// Found: Unable to locate the resource (could not find identity)`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success HTTP status.
    Api(Box<ApiError>),

    /// The request never produced a complete HTTP response: DNS, connect,
    /// TLS, timeout, a connection reset, a body cut short, …
    Transport {
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// The call that failed.
        operation: Operation,
        /// The origin (`scheme://host:port`) the request went to.
        origin: String,
        /// The underlying error from the HTTP stack.
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The response had a success status but its body did not decode into
    /// the expected type.
    Decode {
        /// The HTTP status of the response.
        status: u16,
        /// What did not decode, where and why.
        details: Box<DecodeError>,
    },

    /// The response body was larger than the client's configured cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    BodyTooLarge {
        /// The call that failed.
        operation: Operation,
        /// The cap in bytes.
        limit: u64,
    },

    /// The request could not be built from what the caller gave (an empty
    /// id, a filter that would match every identity, a body that does not
    /// serialize, …); nothing was sent.
    InvalidInput(String),

    /// The client configuration is unusable (bad base URL, bad header, …).
    Config(String),

    /// Pagination could not continue safely: a malformed `Link` header, a
    /// next link without paging parameters, or a page the server already
    /// sent (a loop).
    Pagination(String),

    /// The request was retried and every attempt failed; this carries the
    /// number of attempts and the last failure.
    RetriesExhausted {
        /// How many attempts were made in total.
        attempts: u32,
        /// The failure of the last attempt.
        last: Box<Error>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => api.fmt(f),
            Error::Transport {
                kind,
                operation,
                origin,
                ..
            } => write!(f, "{operation}: {} {origin}", kind.describe()),
            Error::Decode { details, .. } => details.fmt(f),
            Error::BodyTooLarge { operation, limit } => write!(
                f,
                "{operation}: the response body is larger than the {limit}-byte cap (see max_response_bytes)"
            ),
            Error::InvalidInput(message) | Error::Pagination(message) => f.write_str(message),
            Error::Config(message) => write!(f, "invalid client configuration: {message}"),
            // The last failure already says which call and what happened;
            // this layer adds only the count, and passes the last failure's
            // own cause on as its source.
            Error::RetriesExhausted { attempts, last } => {
                write!(f, "{last} (gave up after {attempts} attempts)")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(&**source),
            Error::RetriesExhausted { last, .. } => last.source(),
            _ => None,
        }
    }
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

    /// The call that failed, when the error comes from one.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Api(api) => api.operation,
            Error::Transport { operation, .. } | Error::BodyTooLarge { operation, .. } => {
                Some(*operation)
            }
            Error::Decode { details, .. } => details.operation,
            Error::RetriesExhausted { last, .. } => last.operation(),
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

    /// `true` when the server does not have the operation (see
    /// [`ApiError::is_unsupported_operation`]): `manage_sessions` or
    /// `create_test_login_flow` against Kratos v26.2.0.
    pub fn is_unsupported_operation(&self) -> bool {
        self.api().is_some_and(ApiError::is_unsupported_operation)
    }

    /// `true` for a 429 answer (Ory Network's rate limit).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// `true` when the request timed out (connecting or waiting for the answer).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => kind.is_timeout(),
            Error::RetriesExhausted { last, .. } => last.is_timeout(),
            _ => false,
        }
    }

    /// The kind of transport failure, when no complete answer arrived.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            Error::RetriesExhausted { last, .. } => last.transport_kind(),
            _ => None,
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

    /// What did not decode, when the answer had a success status but a body
    /// of the wrong shape.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode { details, .. } => Some(details),
            Error::RetriesExhausted { last, .. } => last.decode_error(),
            _ => None,
        }
    }

    /// The error in a few words fit for a log line: the call and its status
    /// or kind of failure, never a body or a value.
    pub(crate) fn log_summary(&self) -> String {
        match self.operation() {
            Some(op) => format!("{}: {}", op.name(), self.log_kind()),
            None => self.log_kind(),
        }
    }

    /// What kind of failure this was, in a few words safe to log: the
    /// status or the transport failure's kind, never a body or a message.
    pub(crate) fn log_kind(&self) -> String {
        if let Some(details) = self.decode_error() {
            return format!("an HTTP {} answer that did not decode", details.status);
        }
        match (self.status(), self.transport_kind()) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(kind)) => format!("a {kind} error"),
            (None, None) => "an error".to_string(),
        }
    }

    pub(crate) fn decode(details: DecodeError) -> Self {
        Error::Decode {
            status: details.status,
            details: Box::new(details),
        }
    }

    /// Puts the operation in front of a message that does not name it yet.
    pub(crate) fn in_operation(self, operation: Operation) -> Self {
        match self {
            Error::InvalidInput(m) => {
                Error::InvalidInput(format!("{operation}: invalid input: {m}"))
            }
            other => other,
        }
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
    /// Connecting (TCP and TLS) took longer than the connect timeout; the
    /// request was not sent.
    ConnectTimeout,
    /// A timeout elapsed after the request may have been sent.
    Timeout,
    /// TLS failed: the handshake or certificate check, or a TLS record
    /// later on the connection (so the request may have been sent).
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
    ///
    /// This is the crate's one answer to "was the request sent?": the retry
    /// layer retries a non-idempotent call (a create, a batch) only when it
    /// says `true`, and the bulk import reports the inputs of a failed
    /// chunk as [`NotCreated`](crate::ImportError::NotCreated) only when it
    /// says `true` (else [`OutcomeUnknown`](crate::ImportError::OutcomeUnknown)).
    /// It is conservative:
    ///
    /// | kind | sent? |
    /// |---|---|
    /// | [`Dns`](Self::Dns), [`Connect`](Self::Connect) (refused, unreachable), [`ConnectTimeout`](Self::ConnectTimeout) | certainly not: `true` |
    /// | [`Tls`](Self::Tls) | maybe: a TLS error can also come after the request was written, while the answer is read |
    /// | [`Timeout`](Self::Timeout), [`Io`](Self::Io), [`Other`](Self::Other) | maybe |
    pub fn before_request_sent(self) -> bool {
        matches!(
            self,
            TransportErrorKind::Dns
                | TransportErrorKind::Connect
                | TransportErrorKind::ConnectTimeout
        )
    }

    /// `true` for [`ConnectTimeout`](Self::ConnectTimeout) and [`Timeout`](Self::Timeout).
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            TransportErrorKind::ConnectTimeout | TransportErrorKind::Timeout
        )
    }

    /// What happened, as the start of a sentence that ends with the origin.
    fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Dns => "could not resolve the host of",
            TransportErrorKind::Connect => "could not connect to",
            TransportErrorKind::ConnectTimeout => "timed out connecting to",
            TransportErrorKind::Timeout => "timed out waiting for",
            TransportErrorKind::Tls => "TLS failed with",
            TransportErrorKind::Io => "the connection broke with",
            TransportErrorKind::Other => "the HTTP client failed the request to",
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Dns => "DNS",
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::ConnectTimeout => "connect timeout",
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
    /// The call that was answered, if known.
    pub operation: Option<Operation>,
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
    /// An API error with this status and nothing else set, for your own
    /// tests; set the other fields on the result.
    ///
    /// ```
    /// use kratos_identity::{ApiError, Error, GenericError};
    ///
    /// let mut api = ApiError::new(404);
    /// api.error = Some(GenericError::new("Unable to locate the resource"));
    /// let err = Error::Api(Box::new(api));
    /// assert!(err.is_not_found());
    /// ```
    pub fn new(status: u16) -> Self {
        ApiError {
            operation: None,
            status,
            error: None,
            raw_body: None,
            error_id: None,
            retry_after: None,
        }
    }

    /// Builds the error from a response's status, selected headers and body.
    pub(crate) fn from_response(
        operation: Option<Operation>,
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
            operation,
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

    /// Whether this answer says that the server lacks the operation: a 405,
    /// or a 404 without Kratos's error body (its router's plain "404 page
    /// not found"), to an operation that only Kratos master has
    /// (`manage_sessions` and `create_test_login_flow`: v26.2.0 answers them
    /// 405 and 404). [`get_version`](crate::IdentityClient::get_version)
    /// tells beforehand ([`ServerVersion::supports`](crate::ServerVersion::supports)).
    pub fn is_unsupported_operation(&self) -> bool {
        self.operation
            .is_some_and(|op| crate::models::MASTER_ONLY.contains(&op))
            && (self.status == 405 || (self.status == 404 && self.error.is_none()))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            write!(f, "{operation}: ")?;
        }
        write!(f, "HTTP {}", self.status)?;
        if let Some(text) = status_text(self.status) {
            write!(f, " {text}")?;
        }
        if let (true, Some(operation)) = (self.is_unsupported_operation(), &self.operation) {
            write!(
                f,
                ": this server does not support {}: Kratos master and Ory Network have it, Kratos v26.2.0 and older releases do not",
                operation.name()
            )?;
        }
        match (&self.error, &self.raw_body) {
            (Some(e), _) => write!(f, ": {e}")?,
            (None, Some(raw)) => {
                let is_json = serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok();
                let label = if is_json {
                    "unexpected JSON body"
                } else {
                    "non-JSON body"
                };
                write!(f, ": {label}: {}", one_line(raw, 200))?;
            }
            (None, None) => f.write_str(": empty body")?,
        }
        if let Some(id) = &self.error_id {
            write!(f, " [ory-error-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The standard reason phrase of a status (`"Not Found"`), if it has one.
pub(crate) fn status_text(status: u16) -> Option<&'static str> {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
}

/// The `{"error": {…}}` envelope Kratos wraps every error in.
#[derive(Debug, Clone, Deserialize)]
struct ErrorBody {
    error: GenericError,
}

/// Whether the body of a 404 can be Kratos saying "not found": Kratos's
/// error envelope (`{"error": {"code": 404, "message": …}}`), or no body at
/// all. Anything else (a proxy's HTML page, a gateway's own JSON such as
/// `{"message": "no route"}`, the plain text of a router without the route)
/// is not: `missing_ok` must not read a wrong base URL as "already gone".
pub(crate) fn is_kratos_not_found(body: &[u8]) -> bool {
    if body.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    serde_json::from_slice::<ErrorBody>(body).is_ok_and(|b| {
        !b.error.message.is_empty()
            && match b.error.code {
                Some(code) => code == 404,
                None => b.error.status.as_deref() == Some("Not Found"),
            }
    })
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

impl GenericError {
    /// An error body with this message and nothing else set, for your own
    /// tests; set the other fields on the result.
    pub fn new(message: impl Into<String>) -> Self {
        GenericError {
            message: message.into(),
            ..GenericError::default()
        }
    }
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

/// Why a success response (or one item of a page) did not decode, with the
/// evidence a person needs and none of the body's values: the JSON path of
/// the field that failed, the line and column, the item's position and `id`
/// when known, and for a body that is not JSON at all (an SSO login page, a
/// proxy's error page) its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    operation: Option<Operation>,
    status: u16,
    target: String,
    problem: Problem,
    item: Option<usize>,
    id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// The body is empty.
    Empty,
    /// The body is not JSON; its start, on one line.
    NotJson(String),
    /// JSON that does not fit the target type.
    Mismatch {
        path: Option<String>,
        message: String,
        line: usize,
        column: usize,
    },
}

impl DecodeError {
    /// The error of a whole body that did not decode into `T`.
    pub(crate) fn of_body<T: DeserializeOwned>(
        operation: Operation,
        status: u16,
        body: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
        let problem = match first {
            None => Problem::Empty,
            Some(b) if !b"{[\"-0123456789tfn".contains(&b) => Problem::NotJson(one_line(
                &String::from_utf8_lossy(&body[..body.len().min(400)]),
                160,
            )),
            Some(_) => mismatch(body, error),
        };
        DecodeError {
            operation: Some(operation),
            status,
            target: short_type_name::<T>(),
            problem,
            item: None,
            id: top_level_id(body),
        }
    }

    /// The error of one item of a page, at `index`, whose JSON is `item` and
    /// starts at byte `offset` of the page body.
    pub(crate) fn of_item<T: DeserializeOwned>(
        operation: Operation,
        status: u16,
        index: usize,
        item: &str,
        body_before: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        let mut problem = mismatch(item.as_bytes(), error);
        // Line and column count in the whole body, as a person reading the
        // response would.
        if let Problem::Mismatch { line, column, .. } = &mut problem {
            let newlines = body_before.iter().filter(|&&b| b == b'\n').count();
            if *line == 1 {
                let line_start = body_before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                *column += body_before.len() - line_start;
            }
            *line += newlines;
        }
        DecodeError {
            operation: Some(operation),
            status,
            target: short_type_name::<T>(),
            problem,
            item: Some(index),
            id: top_level_id(item.as_bytes()),
        }
    }

    /// The call whose answer did not decode.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The type the body (or item) should have decoded into, without module
    /// paths (`Identity<Value>`).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The JSON path of the field that failed (`traits.age`,
    /// `credentials.password.created_at`), when the body was JSON.
    pub fn path(&self) -> Option<&str> {
        match &self.problem {
            Problem::Mismatch { path, .. } => path.as_deref(),
            _ => None,
        }
    }

    /// The 1-based line and column in the body where decoding stopped, when
    /// the body was JSON.
    pub fn position(&self) -> Option<(usize, usize)> {
        match &self.problem {
            Problem::Mismatch { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The 0-based position of the item on its page, for an item of a list.
    pub fn item_index(&self) -> Option<usize> {
        self.item
    }

    /// The `id` of the object that did not decode, when it has a readable one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The start of a body that is not JSON at all (an HTML page, say).
    pub fn body_start(&self) -> Option<&str> {
        match &self.problem {
            Problem::NotJson(start) => Some(start),
            _ => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            write!(f, "{operation}: ")?;
        }
        match &self.item {
            Some(index) => write!(f, "the item at index {index} of the page")?,
            None => write!(f, "the HTTP {} answer", self.status)?,
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        match &self.problem {
            Problem::Empty => write!(f, " has an empty body where {} was expected", self.target),
            Problem::NotJson(start) => write!(
                f,
                " is not JSON (a login page or a proxy's error page?); it starts with: {start}"
            ),
            Problem::Mismatch {
                path,
                message,
                line,
                column,
            } => {
                write!(f, " does not decode as {}: ", self.target)?;
                if let Some(path) = path {
                    write!(f, "at {path}: ")?;
                }
                write!(f, "{message} (line {line}, column {column})")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// The evidence of JSON that does not fit `T`: the path of the failing
/// field (read from the body where serde_json stopped) and serde's message
/// with the body's values taken out.
fn mismatch(body: &[u8], error: &serde_json::Error) -> Problem {
    let offset = offset_of(body, error.line(), error.column());
    Problem::Mismatch {
        path: json_path_at(body, offset),
        message: without_values(&message_of(error)),
        line: error.line(),
        column: error.column(),
    }
}

/// The byte offset of serde_json's 1-based line and its column (bytes
/// since the line's start).
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        _ => body
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line - 2)
            .map_or(body.len(), |(i, _)| i + 1),
    };
    (line_start + column).min(body.len())
}

/// The JSON path (`traits.age`, `verifiable_addresses[0].via`) of the value
/// being read at byte `offset`: the keys and indices of the objects and
/// arrays open there, and the last key read in the innermost object. `None`
/// at the top level. serde_json stops just after the value that failed, or
/// after the `}` of an object that lacks a field, so this names the field,
/// or the object, that did not fit.
fn json_path_at(json: &[u8], offset: usize) -> Option<String> {
    enum Frame {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut expecting_key = false;
    let mut i = 0;
    let end = offset.min(json.len());
    while i < end {
        match json[i] {
            b'{' => {
                stack.push(Frame::Object { key: None });
                expecting_key = true;
            }
            b'[' => {
                stack.push(Frame::Array { index: 0 });
                expecting_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => {
                    *key = None;
                    expecting_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i = start;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if expecting_key && let Some(Frame::Object { key }) = stack.last_mut() {
                    let raw = json.get(start..i.min(json.len())).unwrap_or_default();
                    *key = Some(
                        serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                    );
                    expecting_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    Some(path).filter(|p| !p.is_empty())
}

/// serde_json's message without its trailing `at line L column C`.
fn message_of(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

/// Takes the body's values out of a serde message, keeping what it says
/// about types and field names: `invalid type: string "ada@example.com",
/// expected u32` becomes `invalid type: string, expected u32`. A string
/// value could be a password hash, a recovery code or an email address.
pub(crate) fn without_values(message: &str) -> String {
    // serde's "invalid type/value" and "unknown variant" messages put the
    // offending value between the kind and ", expected".
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) =
                rest.split_at(rest.find(", expected").unwrap_or(rest.len()));
            let kind = strip_literals(unexpected);
            let kind = kind.trim();
            let head = prefix.trim_end();
            return match kind.is_empty() {
                true => format!("{head}{expected}"),
                false => format!("{head} {kind}{expected}"),
            };
        }
    }
    // Anything else: no quoted string survives.
    let mut out = String::with_capacity(message.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in message.chars() {
        match (in_string, c) {
            (false, '"') => {
                in_string = true;
                out.push_str("\"…\"");
            }
            (true, '\\') if !escaped => escaped = true,
            (true, '"') if !escaped => in_string = false,
            (true, _) => escaped = false,
            (false, c) => out.push(c),
        }
    }
    out
}

/// Removes `"…"` and `` `…` `` literals.
fn strip_literals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in s.chars() {
        match quote {
            None if c == '"' || c == '`' => quote = Some(c),
            None => out.push(c),
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
        }
    }
    out
}

/// The top-level `"id"` of a JSON object, when it is a short string (a
/// UUID in practice): it names the record without revealing anything.
fn top_level_id(json: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        id: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(json).ok()?;
    match probe.id? {
        serde_json::Value::String(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(id)
        }
        _ => None,
    }
}

/// `T`'s type name without module paths:
/// `kratos_identity::models::identity::Identity<serde_json::value::Value>`
/// becomes `Identity<Value>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (i, c) in full.char_indices() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            continue;
        }
        let segment = &full[segment_start..i];
        out.push_str(segment.rsplit("::").next().unwrap_or(segment));
        out.push(c);
        segment_start = i + c.len_utf8();
    }
    let segment = &full[segment_start..];
    out.push_str(segment.rsplit("::").next().unwrap_or(segment));
    out
}

/// `s` on one line: control characters become spaces, runs of spaces one,
/// cut to `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut last_space = true;
    for c in s.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.trim_end().to_string()
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
    use crate::api::operation::{GET_IDENTITY, LIST_IDENTITIES};
    use crate::testing::Rng;

    const KRATOS_404: &str = r#"{"error":{"id":"not_found","code":404,"status":"Not Found","request":"d7ef54b1-ec15-46e6-bccb-524b82c035e6","reason":"could not find identity","message":"Unable to locate the resource"}}"#;

    /// Retries only ever end on an API or transport error today, but the
    /// accessors look through `RetriesExhausted` for every kind, so that
    /// they stay right if a decode failure is ever retried.
    #[test]
    fn accessors_see_through_retries_to_a_decode_error() {
        let body = br#"{"id": 12}"#;
        let cause = serde_json::from_slice::<crate::Identity>(body).unwrap_err();
        let decode = Error::decode(DecodeError::of_body::<crate::Identity>(
            GET_IDENTITY,
            200,
            body,
            &cause,
        ));
        let retried = Error::RetriesExhausted {
            attempts: 2,
            last: Box::new(Error::decode(DecodeError::of_body::<crate::Identity>(
                GET_IDENTITY,
                200,
                body,
                &cause,
            ))),
        };
        for err in [&decode, &retried] {
            let details = err.decode_error().and_then(|d| d.path());
            assert_eq!(details, Some("id"), "{err:?}");
            assert_eq!(err.decode_error().map(DecodeError::status), Some(200));
            assert_eq!(err.operation().map(|o| o.name()), Some("get_identity"));
            assert_eq!(
                err.log_summary(),
                "get_identity: an HTTP 200 answer that did not decode"
            );
            assert!(!err.is_timeout());
            assert_eq!(err.transport_kind(), None);
        }
    }

    #[test]
    fn only_kratos_s_own_404_or_an_empty_body_reads_as_not_found() {
        for (body, kratos) in [
            ("", true),
            (" \n", true),
            (KRATOS_404, true),
            (r#"{"error":{"status":"Not Found","message":"gone"}}"#, true),
            (
                r#"{"error":{"code":500,"message":"Unable to locate"}}"#,
                false,
            ),
            (r#"{"error":{"status":"Gone","message":"gone"}}"#, false),
            (r#"{"error":{"code":404,"message":""}}"#, false),
            (r#"{"error":{"code":404}}"#, false),
            (r#"{"message":"no route"}"#, false),
            ("404 page not found\n", false),
            ("<html><body>Not Found</body></html>", false),
        ] {
            assert_eq!(is_kratos_not_found(body.as_bytes()), kratos, "{body:?}");
        }
    }

    #[test]
    fn status_texts_are_the_standard_reason_phrases() {
        for (status, text) in [
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (409, "Conflict"),
            (405, "Method Not Allowed"),
            (410, "Gone"),
            (413, "Payload Too Large"),
            (422, "Unprocessable Entity"),
            (429, "Too Many Requests"),
            (500, "Internal Server Error"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
        ] {
            let e = ApiError::from_response(None, status, None, None, b"");
            assert!(
                e.to_string().starts_with(&format!("HTTP {status} {text}")),
                "{e}"
            );
        }
        let e = ApiError::from_response(None, 499, None, None, b"");
        assert!(e.to_string().starts_with("HTTP 499: "), "{e}");
        assert_eq!(status_text(499), None);
    }

    #[test]
    fn reads_kratos_bare_and_foreign_bodies() {
        let e = ApiError::from_response(
            Some(GET_IDENTITY),
            404,
            Some("eid".into()),
            None,
            KRATOS_404.as_bytes(),
        );
        assert_eq!(
            e.to_string(),
            "get_identity (GET /admin/identities/{id}): HTTP 404 Not Found: Unable to locate the resource (could not find identity) [ory-error-id eid]"
        );
        let e = ApiError::from_response(
            None,
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
        let e = ApiError::from_response(None, 400, None, None, br#"{"message":"bad","code":500}"#);
        assert_eq!(e.status, 400);
        assert_eq!(e.message(), Some("bad"));
        let e = ApiError::from_response(None, 500, None, None, b"");
        assert_eq!(e.to_string(), "HTTP 500 Internal Server Error: empty body");
        let long = "x".repeat(10_000);
        let e = ApiError::from_response(None, 503, None, None, long.as_bytes());
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
            let e = ApiError::from_response(None, status, None, None, &body);
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("HTTP {status}")), "{shown}");
            assert!(!shown.contains('\n') || e.error.is_some(), "{shown:?}");
        }
    }

    /// Every kind, and whether it proves the request was not sent: only a
    /// failure to resolve or to connect does. The match has no wildcard, so
    /// a new kind must be classified here.
    #[test]
    fn only_dns_and_connect_failures_prove_the_request_was_not_sent() {
        use TransportErrorKind as K;
        for kind in [
            K::Dns,
            K::Connect,
            K::ConnectTimeout,
            K::Timeout,
            K::Tls,
            K::Io,
            K::Other,
        ] {
            let expected = match kind {
                K::Dns | K::Connect | K::ConnectTimeout => true,
                K::Timeout | K::Tls | K::Io | K::Other => false,
            };
            assert_eq!(kind.before_request_sent(), expected, "{kind}");
        }
    }

    #[test]
    fn snippet_cuts_on_bytes_without_panicking() {
        assert_eq!(snippet("üüü".as_bytes(), 3), "ü\u{FFFD}…");
        assert_eq!(snippet(b"abc", 10), "abc");
        assert_eq!(snippet(b"abc", 3), "abc", "nothing cut, no ellipsis");
        assert_eq!(snippet(b"abcd", 3), "abc…");
    }

    #[test]
    fn one_line_blanks_control_characters_and_collapses_spaces() {
        assert_eq!(one_line("a\u{0}b\u{7f}c\r\n\t d", 20), "a b c d");
        assert_eq!(one_line("  abc  ", 20), "abc");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }

    #[test]
    fn literals_end_at_their_own_quote() {
        // A backslash escapes only inside double quotes.
        assert_eq!(strip_literals(r#"a "x\"y" b `c\` d"#), "a  b  d");
        assert_eq!(strip_literals(r#"a "ada" b "e" c"#), "a  b  c");
        assert_eq!(strip_literals("`k\\` and `v`"), " and ");
    }

    #[test]
    fn only_a_short_plain_top_level_id_names_the_record() {
        let id = |json: &str| top_level_id(json.as_bytes());
        assert_eq!(
            id(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","x":1}"#).as_deref(),
            Some("9f425a8d-7efc-4768-8f23-7647a74fdf13")
        );
        assert_eq!(
            id(r#"{"id":"legacy_id-7"}"#).as_deref(),
            Some("legacy_id-7")
        );
        let long = "a".repeat(64);
        assert_eq!(id(&format!(r#"{{"id":"{long}"}}"#)), Some(long));
        assert_eq!(id(&format!(r#"{{"id":"{}"}}"#, "a".repeat(65))), None);
        // What could be personal data or a secret is not repeated.
        assert_eq!(id(r#"{"id":"ada@example.com"}"#), None);
        assert_eq!(id(r#"{"id":"two words"}"#), None);
        assert_eq!(id(r#"{"id":""}"#), None);
        assert_eq!(id(r#"{"id":12}"#), None);
        assert_eq!(id(r#"[{"id":"a"}]"#), None);
    }

    #[test]
    fn messages_lose_the_values_but_keep_the_types() {
        for (serde, ours) in [
            (
                r#"invalid type: string "ada@example.com", expected u32"#,
                "invalid type: string, expected u32",
            ),
            (
                "invalid type: integer `4711`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                r#"invalid value: string "$2a$12$secret\"hash", expected RFC 3339"#,
                "invalid value: string, expected RFC 3339",
            ),
            (
                "unknown variant `k3nq-81xz`, expected `a` or `b`",
                "unknown variant, expected `a` or `b`",
            ),
            ("missing field `id`", "missing field `id`"),
            (
                r#"weird "secret" message with "two" strings"#,
                r#"weird "…" message with "…" strings"#,
            ),
            ("trailing characters", "trailing characters"),
            // Escaped quotes and backslashes inside a string do not end it
            // early, and an escaped backslash does not escape the quote
            // after it.
            (
                r#"odd "se\"cret" and "pa\\" then "x\\\"y" end"#,
                r#"odd "…" and "…" then "…" end"#,
            ),
        ] {
            assert_eq!(without_values(serde), ours, "{serde}");
        }
    }

    #[test]
    fn short_type_names_drop_module_paths() {
        #[allow(dead_code)]
        struct Traits;
        assert_eq!(
            short_type_name::<crate::models::Identity<Traits>>(),
            "Identity<Traits>"
        );
        assert_eq!(
            short_type_name::<Vec<Box<serde_json::value::RawValue>>>(),
            "Vec<Box<RawValue>>"
        );
        assert_eq!(short_type_name::<(u8, String)>(), "(u8, String)");
    }

    /// The path `json_path_at` finds where serde_json stopped decoding `T`.
    fn path_of<T: DeserializeOwned + fmt::Debug>(json: &str) -> Option<String> {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        json_path_at(
            json.as_bytes(),
            offset_of(json.as_bytes(), error.line(), error.column()),
        )
    }

    /// The scanner's tests run under a deadline: a cursor that stops
    /// advancing fails them fast instead of hanging the suite.
    #[test]
    fn the_path_names_the_field_or_the_object_that_did_not_fit() {
        crate::testing::within(std::time::Duration::from_secs(10), path_cases);
    }

    fn path_cases() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Address {
            via: u8,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Row {
            #[serde(default)]
            name: String,
            #[serde(default)]
            list: Vec<Address>,
            #[serde(default)]
            nested: Option<Box<Row>>,
        }
        // A wrong type, in arrays and nested objects, on any line.
        assert_eq!(path_of::<Row>(r#"{"name":5}"#).as_deref(), Some("name"));
        assert_eq!(
            path_of::<Row>("{\"list\":[{\"via\":1},\n {\"via\":\"x\"}]}").as_deref(),
            Some("list[1].via")
        );
        assert_eq!(
            path_of::<Row>(r#"{"nested":{"nested":{"list":[{"via":-1}]}}}"#).as_deref(),
            Some("nested.nested.list[0].via")
        );
        // A missing field names the object it is missing from; at the top
        // level there is no path.
        assert_eq!(
            path_of::<Row>(r#"{"list":[{}]}"#).as_deref(),
            Some("list[0]")
        );
        assert_eq!(path_of::<Address>("{}"), None);
        // The same at the start of a later line: the offset counts from
        // just after the line break.
        assert_eq!(
            path_of::<Row>("{\"list\":[{\"x\":1\n}]}").as_deref(),
            Some("list[0]")
        );
        // Strings holding brackets, commas, quotes and escaped keys do not
        // confuse it.
        assert_eq!(
            path_of::<Row>(r#"{"x":"{[,\"}]","n\u0061me":[]}"#).as_deref(),
            Some("name")
        );
        // Broken JSON: a path as far as it got, and never a panic.
        assert_eq!(
            path_of::<Row>(r#"{"list":[{"via":"#).as_deref(),
            Some("list[0].via")
        );
        for broken in ["\"", "{\"", "{\"a\\", "[[[", "}}}", "]"] {
            let _ = json_path_at(broken.as_bytes(), broken.len());
            let _ = offset_of(broken.as_bytes(), 7, 99);
        }
    }

    #[test]
    fn a_body_that_does_not_fit_names_path_position_and_id_but_no_value() {
        let body = br#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","credentials":{"password":{"config":{"hashed_password":"$2a$12$SECRETHASH"}}},"traits":{"age":"forty-two"}}"#;
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Traits {
            age: u32,
        }
        let err = serde_json::from_slice::<crate::models::Identity<Traits>>(body).unwrap_err();
        let e =
            DecodeError::of_body::<crate::models::Identity<Traits>>(GET_IDENTITY, 200, body, &err);
        let shown = e.to_string();
        assert_eq!(e.path(), Some("traits.age"));
        assert_eq!(e.id(), Some("9f425a8d-7efc-4768-8f23-7647a74fdf13"));
        assert_eq!(e.target(), "Identity<Traits>");
        assert!(!shown.contains("forty-two"), "{shown}");
        assert!(!shown.contains("SECRETHASH"), "{shown}");
        assert!(!format!("{e:?}").contains("SECRETHASH"));
        assert!(shown.starts_with("get_identity (GET /admin/identities/{id}): the HTTP 200 answer (id 9f425a8d-7efc-4768-8f23-7647a74fdf13) does not decode as Identity<Traits>: at traits.age: invalid type: string, expected u32 (line 1, column"), "{shown}");
    }

    #[test]
    fn a_body_that_is_not_json_shows_its_start() {
        let body = b"<!DOCTYPE html>\n<html><head><title>Sign in - Corp SSO</title></head><body>";
        let err = serde_json::from_slice::<crate::models::Identity>(body).unwrap_err();
        let e = DecodeError::of_body::<crate::models::Identity>(LIST_IDENTITIES, 200, body, &err);
        assert_eq!(
            e.body_start(),
            Some("<!DOCTYPE html> <html><head><title>Sign in - Corp SSO</title></head><body>")
        );
        assert!(e.to_string().contains("is not JSON"), "{e}");
        let err = serde_json::from_slice::<crate::models::Identity>(b"  ").unwrap_err();
        let e = DecodeError::of_body::<crate::models::Identity>(LIST_IDENTITIES, 200, b"  ", &err);
        assert!(
            e.to_string()
                .ends_with("has an empty body where Identity was expected"),
            "{e}"
        );
    }
}
