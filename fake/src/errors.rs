//! Kratos's error envelope, `{"error": {"code", "status", "reason"?, "message"}}`,
//! with the messages Kratos (herodot) uses for each status.

use serde::Serialize;

use super::server::{Response, status_text};

/// herodot's message for a 400.
pub(crate) const MSG_BAD_REQUEST: &str =
    "The request was malformed or contained invalid parameters";
/// The message of a missing database row (sqlcon's `ErrNoRows`).
pub(crate) const MSG_NOT_FOUND: &str = "Unable to locate the resource";
/// herodot's own 404 message (`ErrNotFound`): an unknown schema, a missing
/// credential type, an unknown provider.
pub(crate) const MSG_RESOURCE_NOT_FOUND: &str = "The requested resource could not be found";
/// The reason of a page token Kratos did not issue.
pub(crate) const PAGE_TOKEN_INVALID: &str =
    "The page token is invalid, do not craft your own page tokens";

/// An error answer: the HTTP status and the object inside `{"error": …}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) http_status: u16,
    pub(crate) body: ErrorObject,
}

/// The error object, its fields in Kratos's order (`id, code, status,
/// request, reason, debug, details, message`, empty ones left out).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorObject {
    pub(crate) code: u16,
    pub(crate) status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    pub(crate) message: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: &'a ErrorObject,
}

impl ApiError {
    /// An error whose body's `code` is its HTTP status.
    pub(crate) fn new(status: u16, reason: Option<String>, message: impl Into<String>) -> Self {
        ApiError {
            http_status: status,
            body: ErrorObject {
                code: status,
                status: status_text(status).to_string(),
                reason,
                message: message.into(),
            },
        }
    }

    /// 400 with the generic message and this reason.
    pub(crate) fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(400, Some(reason.into()), MSG_BAD_REQUEST)
    }

    /// 400 whose message is the detail (herodot's `WithError`).
    pub(crate) fn bad_request_message(message: impl Into<String>) -> Self {
        Self::new(400, None, message)
    }

    /// 404 "Unable to locate the resource".
    pub(crate) fn not_found() -> Self {
        Self::new(404, None, MSG_NOT_FOUND)
    }

    /// 404 for a missing row, with a reason.
    pub(crate) fn not_found_because(reason: impl Into<String>) -> Self {
        Self::new(404, Some(reason.into()), MSG_NOT_FOUND)
    }

    /// herodot's 404 (not a missing row), with a reason.
    pub(crate) fn resource_not_found(reason: impl Into<String>) -> Self {
        Self::new(404, Some(reason.into()), MSG_RESOURCE_NOT_FOUND)
    }

    /// The 409 of `POST /admin/identities`.
    pub(crate) fn create_conflict() -> Self {
        Self::new(
            409,
            Some("This identity conflicts with another identity that already exists.".into()),
            "The resource could not be created due to a conflict",
        )
    }

    /// The 409 of the persister (update, patch, and batch items).
    pub(crate) fn unique_violation() -> Self {
        Self::new(
            409,
            None,
            "Unable to insert or update resource because a resource with that value exists already",
        )
    }

    /// The body's `code`/`status` differ from the HTTP status (herodot turns
    /// a plain Go error into a 500 body even when the status written is 400).
    pub(crate) fn with_body_code(mut self, code: u16) -> Self {
        self.body.code = code;
        self.body.status = status_text(code).to_string();
        self
    }

    /// The answer: the envelope as JSON with the HTTP status, as herodot
    /// writes it (`Content-Type: application/json` without a charset, and
    /// an `Ory-Error-Id` header, empty on self-hosted Kratos).
    pub(crate) fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Envelope { error: &self.body }).unwrap_or_default();
        Response {
            status: self.http_status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Ory-Error-Id".into(), String::new()),
            ],
            body,
        }
    }
}

/// The message herodot (or Ory's edge) gives a status.
pub(crate) fn default_message(status: u16) -> &'static str {
    match status {
        400 => MSG_BAD_REQUEST,
        401 => "The request could not be authorized",
        403 => "The requested action was forbidden",
        404 => MSG_NOT_FOUND,
        409 => "The resource could not be created due to a conflict",
        411 => "A Content-Length header is required",
        413 => "The request body is too large",
        429 => "The rate limit has been exceeded, please retry later",
        500 => "An internal server error occurred, please contact the system administrator",
        502 => "The upstream server answered with an invalid response",
        503 => "The service is temporarily unavailable",
        504 => "The upstream server did not answer in time",
        _ => "The request could not be completed",
    }
}
