//! [`ApiError`], a non-success answer, and [`GenericError`], the error body
//! Kratos sends with it.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::text::{Scrub, one_line};
use super::{write_attempts, write_may_have_been_applied};
use crate::api::operation::Operation;

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
    /// How many attempts the call made before this answer (1 without
    /// retries).
    pub attempts: u32,
    /// The call's deadline, when it is what ended the attempts.
    pub deadline: Option<Duration>,
    /// The path requested: the base URL's prefix and the operation's
    /// template (`/kratos/admin/identities/{id}`), never a value; `None`
    /// when not known (an error built by hand).
    pub path: Option<String>,
    /// The call is not idempotent and a proxy answered 502, 503 or 504:
    /// Kratos behind it may have done the work. See
    /// [`Error::may_have_been_applied`](crate::Error::may_have_been_applied).
    pub may_have_been_applied: bool,
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
            attempts: 1,
            deadline: None,
            path: None,
            may_have_been_applied: false,
        }
    }

    /// Builds the error from a response's status, selected headers and
    /// body, without what `scrub` takes out: a proxy's page or error body
    /// may echo the request (the API key, an email in the query or the
    /// path). Applied to everything `Display` and `Debug` show.
    pub(crate) fn from_response(
        operation: Option<Operation>,
        status: u16,
        error_id: Option<String>,
        retry_after: Option<Duration>,
        body: &[u8],
        scrub: &Scrub,
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
            None => Some(scrub.excerpt(body, RAW_BODY_KEEP)),
        };
        let error = error.map(|error| error.scrubbed(scrub));
        ApiError {
            operation,
            status,
            error,
            raw_body,
            error_id,
            retry_after,
            attempts: 1,
            deadline: None,
            path: None,
            may_have_been_applied: false,
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
            .is_some_and(|op| crate::api::operation::MASTER_ONLY.contains(&op))
            && (self.status == 405 || (self.status == 404 && self.error.is_none()))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            match &self.path {
                Some(path) => write!(f, "{} ({} {path}): ", operation.name(), operation.method())?,
                None => write!(f, "{operation}: ")?,
            }
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
        if (300..400).contains(&self.status) {
            // Only a GET follows a redirect (up to 5 times); a write that
            // meets one was most likely sent to Kratos's public port, which
            // redirects /admin/ to the admin port.
            f.write_str(match self.operation.map(|op| op.method()) {
                Some("GET") => ": redirected more than 5 times",
                _ => {
                    ": the server redirects this call elsewhere, and only reads follow a redirect: is the base URL the admin API's (Kratos's public port redirects /admin/ to its admin port)?"
                }
            })?;
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
        if let Some(id) = self.error_id.as_deref().filter(|id| !id.is_empty()) {
            write!(f, " [ory-error-id {id}]")?;
        }
        write_attempts(f, self.attempts, self.deadline)?;
        write_may_have_been_applied(f, self.may_have_been_applied)
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

/// Whether the body of a 404 is Kratos saying "not found": Kratos's error
/// envelope (`{"error": {"code": 404, "message": …}}`). Anything else (an
/// empty body, as an Envoy or Istio "no route" answers; a proxy's HTML
/// page; a gateway's own JSON such as `{"message": "no route"}`; the plain
/// text of a router without the route) is not: `missing_ok` must not read
/// a wrong base URL as "already gone".
pub(crate) fn is_kratos_not_found(body: &[u8]) -> bool {
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

    /// The same body without what `scrub` takes out, in every text field.
    pub(crate) fn scrubbed(mut self, scrub: &Scrub) -> Self {
        self.message = scrub.apply(&self.message);
        for text in [
            &mut self.reason,
            &mut self.debug,
            &mut self.id,
            &mut self.request,
            &mut self.status,
        ]
        .into_iter()
        .flatten()
        {
            *text = scrub.apply(text);
        }
        if let Some(details) = &mut self.details {
            let text = scrub.apply(&details.to_string());
            *details = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        }
        self
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
