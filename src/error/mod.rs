//! The crate's one error type, and the kinds a program matches on.
//!
//! Every message names the call that failed ([`Operation`]) and says its own
//! part once: a layer's `Display` describes that layer, and the cause comes
//! from [`source()`](std::error::Error::source), so `anyhow`'s `{:#}` prints
//! each message once. No message ever holds the API key, a value of the
//! request that is the user's own (an email in `credentials_identifier` or
//! as an external id, an id that is not a UUID) or a value of a response
//! body (a password hash, a recovery code).
//!
//! - `api.rs`: [`ApiError`], the non-success answer, and Kratos's error body;
//! - `decode.rs`: [`DecodeError`], the evidence of a body that did not decode;
//! - `json_path.rs`: the scanner that names the field where decoding stopped;
//! - `text.rs`: excerpts of bodies on one line, scrubbed of secrets.

use std::fmt;
use std::time::Duration;

use crate::api::operation::{Operation, RateLimitBucket};

mod api;
mod decode;
mod json_path;
pub(crate) mod text;

pub(crate) use api::is_kratos_not_found;
pub use api::{ApiError, GenericError};
pub use decode::DecodeError;
pub(crate) use decode::{short_type_name, without_values};

/// Everything that can go wrong when talking to the Kratos admin API.
///
/// `Display` says which call failed and what happened, in words a person can
/// act on, e.g. `get_identity (GET /admin/identities/{id}): HTTP 404 Not
/// Found: Unable to locate the resource (could not find identity)`.
///
/// The variant says what went wrong, whatever the number of attempts: a
/// failure after retries is the same variant as without them, and
/// [`attempts`](Error::attempts) says how many were made. A call that is
/// not idempotent (a create, a batch, a patch) and failed after it may have
/// reached the server is not retried; its message ends with "it may have
/// been applied, so look before sending it again", and
/// [`may_have_been_applied`](Error::may_have_been_applied) is `true`. The struct
/// variants are `#[non_exhaustive]`: match them with `..`
/// (`Error::Transport { kind, .. }`), and the enum itself with a wildcard
/// arm, so that new fields and variants do not break your code.
///
/// ```
/// # use kratos_identity::{Error, InvalidInputKind, TransportErrorKind};
/// fn advice(err: &Error) -> &'static str {
///     match err {
///         Error::Api(api) if api.status == 404 => "it is gone",
///         Error::Api(_) => "the server said no",
///         Error::Transport { kind: TransportErrorKind::Connect, .. } => "is Kratos running?",
///         Error::InvalidInput { kind: InvalidInputKind::NotAUuid, .. } => "check the id",
///         Error::RateLimited { .. } => "come back later",
///         _ => "see the message",
///     }
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success HTTP status (also after
    /// retries: see [`ApiError::attempts`]).
    Api(Box<ApiError>),

    /// The request never produced a complete HTTP response: DNS, connect,
    /// TLS, timeout, a connection reset, a body cut short, …
    #[non_exhaustive]
    Transport {
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// The call that failed.
        operation: Operation,
        /// The origin (`scheme://host:port`) the request went to.
        origin: String,
        /// The path requested: the base URL's prefix and the operation's
        /// template (`/kratos/admin/identities/{id}`), never a value.
        path: String,
        /// How many attempts were made (1 without retries).
        attempts: u32,
        /// The call's deadline, when it is what ended the attempts.
        deadline: Option<Duration>,
        /// The call is not idempotent and the failure came after the
        /// request may have been sent: see [`Error::may_have_been_applied`].
        may_have_been_applied: bool,
        /// The underlying error from the HTTP stack. Opaque: its type is the
        /// HTTP stack's and may change with it; read it as a
        /// `dyn std::error::Error` (its message, its own `source()`), and
        /// match on [`kind`](TransportErrorKind) instead.
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The response had a success status but its body did not decode into
    /// the expected type.
    #[non_exhaustive]
    Decode {
        /// The HTTP status of the response.
        status: u16,
        /// What did not decode, where and why.
        details: Box<DecodeError>,
    },

    /// The response body was larger than the client's configured cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    #[non_exhaustive]
    BodyTooLarge {
        /// The call that failed.
        operation: Operation,
        /// The cap in bytes.
        limit: u64,
    },

    /// The request could not be built from what the caller gave (an empty
    /// id, a filter that would match every identity, a body that does not
    /// serialize, …); nothing was sent.
    #[non_exhaustive]
    InvalidInput {
        /// The call it was for; `None` for a body built outside a call
        /// ([`CreateIdentityBody::from_identity`](crate::CreateIdentityBody::from_identity)).
        operation: Option<Operation>,
        /// What is wrong with it.
        kind: InvalidInputKind,
        /// What is wrong, in words (without the operation).
        message: String,
    },

    /// The client configuration is unusable (bad base URL, bad header, …).
    #[non_exhaustive]
    Config {
        /// What is wrong with it.
        kind: ConfigErrorKind,
        /// What is wrong, in words.
        message: String,
    },

    /// Pagination could not continue safely: a `next` link that cannot be
    /// used, a full page without any `Link` header (a proxy that strips
    /// it), or a page the server already sent (a loop).
    #[non_exhaustive]
    Pagination {
        /// The list operation.
        operation: Operation,
        /// Why it stopped.
        kind: PaginationErrorKind,
        /// Why it stopped, in words (without the operation).
        message: String,
    },

    /// The client did not send the request: Ory Network's rate limit for
    /// its bucket would have it wait longer than the retry policy's
    /// [`max_retry_after`](crate::RetryPolicy::max_retry_after) (or past the
    /// call's deadline). A 429 the server sent is [`Error::Api`] instead;
    /// [`Error::is_rate_limited`] and [`Error::retry_after`] cover both.
    #[non_exhaustive]
    RateLimited {
        /// The call that was not sent.
        operation: Operation,
        /// The rate-limit bucket that is used up.
        bucket: RateLimitBucket,
        /// When the budget comes back.
        retry_after: Duration,
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
                path,
                attempts,
                deadline,
                may_have_been_applied,
                ..
            } => {
                write!(f, "{} ({} {path}): ", operation.name(), operation.method())?;
                kind.describe(f, origin)?;
                write_attempts(f, *attempts, *deadline)?;
                write_may_have_been_applied(f, *may_have_been_applied)
            }
            Error::Decode { details, .. } => details.fmt(f),
            Error::BodyTooLarge { operation, limit } => write!(
                f,
                "{operation}: the response body is larger than the {limit}-byte cap (see max_response_bytes)"
            ),
            Error::InvalidInput {
                operation, message, ..
            } => match operation {
                Some(operation) => write!(f, "{operation}: invalid input: {message}"),
                None => f.write_str(message),
            },
            Error::Config { message, .. } => write!(f, "invalid client configuration: {message}"),
            Error::Pagination {
                operation, message, ..
            } => write!(f, "{operation}: pagination stopped: {message}"),
            Error::RateLimited {
                operation,
                bucket,
                retry_after,
            } => write!(
                f,
                "{operation}: not sent: the {bucket} rate-limit budget is used up for {} s, longer than the client waits; try again after that",
                retry_after.as_secs_f64().ceil()
            ),
        }
    }
}

/// `(gave up after 4 attempts)`, `(gave up after 2 attempts at the 60 s
/// deadline)`, nothing for one attempt that was not cut short.
pub(crate) fn write_attempts(
    f: &mut fmt::Formatter<'_>,
    attempts: u32,
    deadline: Option<Duration>,
) -> fmt::Result {
    match (attempts, deadline) {
        (0 | 1, None) => Ok(()),
        (n, None) => write!(f, " (gave up after {n} attempts)"),
        (n, Some(d)) => write!(
            f,
            " (gave up after {n} attempt{} at the call's {} deadline)",
            if n == 1 { "" } else { "s" },
            seconds(d)
        ),
    }
}

/// What a person must do after a call that may have been applied: said
/// once, at the end of the message of the failure that leaves it unknown.
pub(crate) fn write_may_have_been_applied(
    f: &mut fmt::Formatter<'_>,
    applied: bool,
) -> fmt::Result {
    match applied {
        true => f.write_str("; it may have been applied, so look before sending it again"),
        false => Ok(()),
    }
}

/// A duration as a person writes it: `60 s`, `1.5 s`, `250 ms`.
pub(crate) fn seconds(d: Duration) -> String {
    match d.as_millis() {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        _ => format!("{:.1} s", d.as_secs_f64()),
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(&**source),
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
            _ => None,
        }
    }

    /// The call that failed, when the error comes from one.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Api(api) => api.operation,
            Error::Transport { operation, .. }
            | Error::BodyTooLarge { operation, .. }
            | Error::Pagination { operation, .. }
            | Error::RateLimited { operation, .. } => Some(*operation),
            Error::Decode { details, .. } => details.operation(),
            Error::InvalidInput { operation, .. } => *operation,
            Error::Config { .. } => None,
        }
    }

    /// How many attempts the call made: more than 1 after retries, 0 when
    /// nothing was sent (invalid input, a rate limit the client waited
    /// out no longer), 1 otherwise.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(api) => api.attempts,
            Error::Transport { attempts, .. } => *attempts,
            Error::Decode { .. } | Error::BodyTooLarge { .. } | Error::Pagination { .. } => 1,
            Error::InvalidInput { .. } | Error::Config { .. } | Error::RateLimited { .. } => 0,
        }
    }

    /// `true` when the call may have done its work on the server although
    /// it failed, so that sending it again could do it twice: a call that is
    /// not idempotent (`create_identity`, `batch_patch_identities`,
    /// `patch_identity`, `manage_sessions`, the recovery code and link,
    /// `create_test_login_flow`) whose connection broke, timed out or was
    /// answered with something that is not HTTP after the request was
    /// sent, or that a proxy answered 502, 503 or 504 (Kratos behind it may
    /// have done the work). Such a call is not retried, and its message
    /// ends with "it may have been applied, so look before sending it
    /// again": look the result up (the identity by its identifier or
    /// `external_id`, say) before you send it again.
    ///
    /// `false` for every other failure: one before the request was sent (a
    /// refused connection, a rate limit), an answer that says what
    /// happened (a 4xx, Kratos's own 500), and every failure of an
    /// idempotent call (a read, `update_identity`, a delete,
    /// `extend_session`), which is retried and has the same effect done
    /// twice. The errors inside an import's outcomes say `false` too: the
    /// import settles what its batches did, and each input's
    /// [`ImportError`](crate::ImportError) says whether it may exist.
    ///
    /// ```
    /// # use kratos_identity::{CreateIdentityBody, Error, IdentityClient, Identity};
    /// fn create(client: &IdentityClient, body: CreateIdentityBody) -> Result<Identity, Error> {
    ///     match client.create_identity(body).send() {
    ///         Err(err) if err.may_have_been_applied() => {
    ///             // Look it up (by its identifier or external_id) before
    ///             // trying again.
    ///             Err(err)
    ///         }
    ///         other => other,
    ///     }
    /// }
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Api(api) => api.may_have_been_applied,
            Error::Transport {
                may_have_been_applied,
                ..
            } => *may_have_been_applied,
            _ => false,
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

    /// `true` for Ory Network's rate limit: a 429 answer, or a request the
    /// client did not send because the budget was used up
    /// ([`Error::RateLimited`]).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429) || matches!(self, Error::RateLimited { .. })
    }

    /// How long to wait before trying again, when the server (or the
    /// rate-limit budget) said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            Error::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// `true` when the request timed out (connecting or waiting for the answer).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { kind, .. } if kind.is_timeout())
    }

    /// The kind of transport failure, when no complete answer arrived.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The kind of invalid input, when the request was not sent for it.
    pub fn invalid_input_kind(&self) -> Option<InvalidInputKind> {
        match self {
            Error::InvalidInput { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The API error, when the server answered with a non-success status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
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
            return format!("an HTTP {} answer that did not decode", details.status());
        }
        match (self.status(), self.transport_kind()) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(kind)) => format!("a {kind} error"),
            (None, None) => match self {
                Error::RateLimited { .. } => "a used-up rate-limit budget".to_string(),
                _ => "an error".to_string(),
            },
        }
    }

    pub(crate) fn decode(details: DecodeError) -> Self {
        Error::Decode {
            status: details.status(),
            details: Box::new(details),
        }
    }

    /// Invalid input of this kind, for no call yet ([`in_operation`](Self::in_operation) adds it).
    pub(crate) fn invalid(kind: InvalidInputKind, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            operation: None,
            kind,
            message: message.into(),
        }
    }

    /// This error with `prefix` before its message when it is an
    /// [`Error::InvalidInput`] (which item of a list was wrong, say); any
    /// other error unchanged.
    pub(crate) fn with_message_prefix(self, prefix: &str) -> Self {
        match self {
            Error::InvalidInput {
                operation,
                kind,
                message,
            } => Error::InvalidInput {
                operation,
                kind,
                message: format!("{prefix}{message}"),
            },
            other => other,
        }
    }

    /// An unusable configuration of this kind.
    pub(crate) fn config(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        Error::Config {
            kind,
            message: message.into(),
        }
    }

    /// Pagination of `operation` stopped for this reason.
    pub(crate) fn pagination(
        operation: Operation,
        kind: PaginationErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Error::Pagination {
            operation,
            kind,
            message: message.into(),
        }
    }

    /// The same failure of a call that may have been applied (see
    /// [`may_have_been_applied`](Self::may_have_been_applied)): its message
    /// says so. Only the send path, which knows whether the call is
    /// idempotent and when it failed, marks an error so.
    pub(crate) fn that_may_have_been_applied(mut self) -> Self {
        match &mut self {
            Error::Api(api) => api.may_have_been_applied = true,
            Error::Transport {
                may_have_been_applied,
                ..
            } => *may_have_been_applied = true,
            _ => {}
        }
        self
    }

    /// The same failure, without saying that it may have been applied: for
    /// a caller that settles that itself and says it in its own words (an
    /// import looks its inputs up).
    pub(crate) fn settled_by_the_caller(mut self) -> Self {
        match &mut self {
            Error::Api(api) => api.may_have_been_applied = false,
            Error::Transport {
                may_have_been_applied,
                ..
            } => *may_have_been_applied = false,
            _ => {}
        }
        self
    }

    /// Names the call of invalid input that does not name one yet.
    pub(crate) fn in_operation(self, operation: Operation) -> Self {
        match self {
            Error::InvalidInput {
                operation: None,
                kind,
                message,
            } => Error::InvalidInput {
                operation: Some(operation),
                kind,
                message,
            },
            other => other,
        }
    }

    /// The same failure, counted as the last of `attempts` (and ended by
    /// the call's `deadline`, when that is what stopped it).
    pub(crate) fn after_attempts(mut self, attempts: u32, deadline: Option<Duration>) -> Self {
        match &mut self {
            Error::Api(api) => {
                api.attempts = attempts;
                api.deadline = deadline;
            }
            Error::Transport {
                attempts: a,
                deadline: d,
                ..
            } => {
                *a = attempts;
                *d = deadline;
            }
            _ => {}
        }
        self
    }
}

/// What is wrong with the input of an [`Error::InvalidInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidInputKind {
    /// A value that must not be empty is: an id, a filter (Kratos would
    /// read an empty filter as none and list everyone), a list of ids.
    Empty,
    /// An id that must be a UUID is not one.
    NotAUuid,
    /// More items than Kratos takes at once (`ids`: 500, `manage_sessions`: 500).
    TooMany,
    /// A number or duration outside what is allowed (a page size of 0, a
    /// zero timeout).
    OutOfRange,
    /// A value of the wrong form (a path segment `.` or `..`, traits that
    /// are not a JSON object, settings that exclude each other).
    Invalid,
    /// A body that does not serialize.
    NotSerializable,
    /// An identity that cannot be carried whole into a create body (a
    /// credential that cannot be imported, or was read without its config).
    NotConvertible,
    /// Something the server this client talks to would drop in silence (a
    /// credential type Kratos v26.2.0 does not import on update).
    Unsupported,
    /// An imported password hash the server would refuse, or store so that
    /// nobody can log in with it: see
    /// [`check_password_hash`](crate::check_password_hash).
    PasswordHash,
}

/// What is wrong with an [`Error::Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No base URL in the environment (`KRATOS_ADMIN_URL`, `ORY_SDK_URL`).
    MissingBaseUrl,
    /// The base URL is not `http(s)://host[:port][/prefix]`.
    BaseUrl,
    /// An `https://` URL in a build without TLS.
    NoTls,
    /// The bearer token cannot be sent as it is (spaces, a scheme, control characters).
    Token,
    /// The token would go over plain HTTP to a host that is not loopback.
    InsecureHttp,
    /// A header name or value that HTTP does not allow.
    Header,
    /// A timeout or deadline of zero.
    Timeout,
}

/// Why an [`Error::Pagination`] stopped the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaginationErrorKind {
    /// The `Link` header names a `next` page the client cannot follow (a
    /// malformed `next` link, or one without paging parameters).
    BadNextLink,
    /// A full page came without any `Link` header (Kratos always sends
    /// one; a proxy stripped it): whether more pages follow is unknown.
    MissingLink,
    /// The server sent a page token it had sent already.
    Loop,
    /// The background thread of a prefetching iterator ended early.
    PrefetchStopped,
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
    /// The connection broke (a reset, a body cut short, a read that
    /// stalled).
    Io,
    /// The server's answer was not HTTP, or not HTTP the client can read: a
    /// garbage status line (a server of another protocol on that port),
    /// broken chunked framing, a head too large. The request was sent, so
    /// it may have been processed.
    BadResponse,
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
    /// | [`Timeout`](Self::Timeout), [`Io`](Self::Io), [`BadResponse`](Self::BadResponse), [`Other`](Self::Other) | maybe (an answer came, so it was sent) |
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

    /// What happened with `origin`, in a few words.
    fn describe(self, f: &mut fmt::Formatter<'_>, origin: &str) -> fmt::Result {
        let before = match self {
            TransportErrorKind::Dns => "could not resolve the host of",
            TransportErrorKind::Connect => "could not connect to",
            TransportErrorKind::ConnectTimeout => "timed out connecting to",
            TransportErrorKind::Timeout => "timed out waiting for",
            TransportErrorKind::Tls => "TLS failed with",
            TransportErrorKind::Io => "the connection broke with",
            TransportErrorKind::BadResponse => {
                return write!(f, "the answer from {origin} was not HTTP");
            }
            TransportErrorKind::Other => "the HTTP client failed the request to",
        };
        write!(f, "{before} {origin}")
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
            TransportErrorKind::BadResponse => "protocol",
            TransportErrorKind::Other => "HTTP",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::operation::GET_IDENTITY;

    #[test]
    fn accessors_read_a_decode_error() {
        let body = br#"{"id": 12}"#;
        let cause = serde_json::from_slice::<crate::models::Identity>(body).unwrap_err();
        let response = crate::http::response::RawResponse::for_test(GET_IDENTITY, 200, body);
        let err = Error::decode(DecodeError::of_body::<crate::models::Identity>(
            &response, &cause,
        ));
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
        assert_eq!(err.attempts(), 1);
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
            K::BadResponse,
            K::Other,
        ] {
            let expected = match kind {
                K::Dns | K::Connect | K::ConnectTimeout => true,
                K::Timeout | K::Tls | K::Io | K::BadResponse | K::Other => false,
            };
            assert_eq!(kind.before_request_sent(), expected, "{kind}");
        }
    }

    #[test]
    fn attempts_and_the_deadline_are_said_once() {
        let api = |attempts, deadline| {
            let mut api = ApiError::new(503);
            api.operation = Some(GET_IDENTITY);
            Error::Api(Box::new(api)).after_attempts(attempts, deadline)
        };
        assert!(!api(1, None).to_string().contains("gave up"));
        assert!(
            api(4, None)
                .to_string()
                .ends_with("(gave up after 4 attempts)")
        );
        assert!(
            api(2, Some(Duration::from_secs(60)))
                .to_string()
                .ends_with("(gave up after 2 attempts at the call's 60 s deadline)")
        );
        assert_eq!(api(4, None).attempts(), 4);
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn invalid_input_names_the_call_once_and_keeps_its_kind() {
        let err = Error::invalid(InvalidInputKind::NotAUuid, "id is not a UUID");
        assert_eq!(err.operation(), None);
        assert_eq!(err.to_string(), "id is not a UUID");
        let err = err.in_operation(GET_IDENTITY);
        assert_eq!(err.operation(), Some(GET_IDENTITY));
        assert_eq!(err.invalid_input_kind(), Some(InvalidInputKind::NotAUuid));
        assert_eq!(
            err.to_string(),
            "get_identity (GET /admin/identities/{id}): invalid input: id is not a UUID"
        );
        // A second call of in_operation names no other operation.
        let again = err.in_operation(crate::api::operation::LIST_IDENTITIES);
        assert_eq!(again.operation(), Some(GET_IDENTITY));
        assert_eq!(again.attempts(), 0);
    }
}
