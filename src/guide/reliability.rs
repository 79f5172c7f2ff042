//! Reliability and security: timeouts, deadlines, retries, calls that are
//! safe by default, and where the API key goes.
//!
//! # Limits
//!
//! Every call is bounded, by default; each setter's page gives its default.
//!
//! | limit | what it bounds | set with |
//! |---|---|---|
//! | timeout | each stage of an attempt after connecting: sending the request, waiting for the answer to start, receiving the whole body | [`ClientBuilder::timeout`](crate::ClientBuilder::timeout), or [`RequestBuilder::timeout`](crate::RequestBuilder::timeout) for one call |
//! | the batch calls' timeout | the same, for [`batch_patch_identities`](crate::IdentityClient::batch_patch_identities) and [`import_identities`](crate::IdentityClient::import_identities), whose answers wait for Kratos to hash plaintext passwords | [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT), or the request's or the import's [`timeout`](crate::ImportIdentities::timeout) |
//! | deadline | a whole call: every attempt, the waits between them and the waits for the rate-limit budget | [`ClientBuilder::deadline`](crate::ClientBuilder::deadline), or [`RequestBuilder::deadline`](crate::RequestBuilder::deadline) |
//! | connect timeout | TCP and TLS; a call that times out connecting was not sent, so it is retried whatever its method | [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout) |
//! | read timeout (off) | any single read, to notice a stalled connection sooner | [`ClientBuilder::read_timeout`](crate::ClientBuilder::read_timeout) |
//! | response size | the body read; a larger one is [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) | [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes) |
//! | retries | how often, and how long apart, a failure is tried again | [`ClientBuilder::retry`](crate::ClientBuilder::retry) ([`RetryPolicy`](crate::RetryPolicy)), [`max_retries(0)`](crate::ClientBuilder::max_retries) to turn them off |
//!
//! No wait that would pass the deadline is started, and the last attempt's
//! timeouts are cut to what is left, so with the defaults one call against
//! a server that accepts connections and never answers fails at its
//! deadline after two attempts, not after all four. Every `Duration` works,
//! `Duration::MAX` included ("no limit"): values beyond about 100 years are
//! clamped to that.
//!
//! # What is retried
//!
//! These failures are retried, with the waits of the
//! [`RetryPolicy`](crate::RetryPolicy) (which honours a server's
//! `Retry-After`):
//! - connection failures, timeouts, broken connections and answers that
//!   are not HTTP ([`TransportErrorKind::BadResponse`](crate::TransportErrorKind::BadResponse));
//! - answers with status 429, 502, 503 or 504.
//!
//! Only requests that are safe to repeat are retried after they may have
//! reached the server:
//!
//! | requests | retried after |
//! |---|---|
//! | GET, PUT, DELETE, and [`extend_session`](crate::IdentityClient::extend_session) | any retryable failure |
//! | [`create_identity`](crate::IdentityClient::create_identity), [`batch_patch_identities`](crate::IdentityClient::batch_patch_identities), [`import_identities`](crate::IdentityClient::import_identities), [`patch_identity`](crate::IdentityClient::patch_identity), [`manage_sessions`](crate::IdentityClient::manage_sessions), [`create_test_login_flow`](crate::IdentityClient::create_test_login_flow), the recovery code and link | only a DNS failure, a refused connection, a connect timeout or a 429 (the request was not sent, or refused unprocessed), so nothing is ever created twice |
//!
//! [`TransportErrorKind::before_request_sent`](crate::TransportErrorKind::before_request_sent)
//! makes that call, for the import too. A TLS failure may come after the
//! request was written, so it is neither retried for these requests nor
//! counted as not sent.
//!
//! **A write that may have been applied.** When one of these requests
//! failed after it may have reached the server (its connection broke or
//! timed out after it was sent, or a proxy answered 502, 503 or 504), it is
//! not repeated, and its error says so at its end ("…; it may have been
//! applied, so look before sending it again");
//! [`Error::may_have_been_applied`](crate::Error::may_have_been_applied)
//! tells a program. The import settles such batches itself, input by input
//! (see the [bulk import chapter](super::bulk_import)).
//!
//! When the retries run out, the last failure is
//! returned as itself, and [`Error::attempts`](crate::Error::attempts) says
//! how many were made. An error page is read only up to 64 KiB, whatever
//! its size: it is still the [`Error::Api`](crate::Error::Api) it reports.
//!
//! **A retried DELETE that worked.** Attempt 1 deletes, a proxy answers 502,
//! the retry gets Kratos's 404: the goal holds. A 404 to a retried DELETE
//! after an attempt whose outcome is unknown is `Ok`, logged at `warn`, for
//! every delete, and says so: [`Deleted::GoneOnRetry`](crate::Deleted::GoneOnRetry),
//! which cannot tell "deleted by the attempt that failed" from "never
//! there". Only [`Deleted::Deleted`](crate::Deleted::Deleted) proves the
//! resource existed.
//!
//! # Safe by default
//!
//! **Deletes that may find nothing.** Every delete builder has
//! [`missing_ok(true)`](crate::RequestBuilder::missing_ok): "make sure it
//! is gone" in one line. It counts only Kratos's own 404, never an empty
//! one (an Envoy or Istio "no route", a wrong path prefix) or a proxy's 404
//! page, so a bulk delete against the wrong URL fails instead of reporting
//! that everything is gone. "Log this user out everywhere" needs it: see
//! [`delete_identity_sessions`](crate::IdentityClient::delete_identity_sessions).
//!
//! **Filters that would mean "everyone".** Kratos reads an empty filter as
//! no filter and lists every identity, so a script whose computed filter
//! came out empty would list (and might then delete) the whole user base.
//! `send()` refuses every empty
//! [`list_identities`](crate::IdentityClient::list_identities) filter (`ids`
//! with no items, `organization_id("")`, `credentials_identifier("")`, …)
//! with [`Error::InvalidInput`](crate::Error::InvalidInput), sending
//! nothing. So does every setter given a value Kratos would misread: setters
//! never fail, `send()` does, before anything is sent.
//!
//! # Security
//!
//! - **Where the key goes.** The API key
//!   ([`bearer_token`](crate::ClientBuilder::bearer_token)) goes only to the
//!   configured origin. It is never sent on a redirect to another origin
//!   (the admin port's 307 to the public port for schemas, say), and never
//!   to another host named by a next link (see
//!   [pagination](super::pagination)). Custom
//!   [headers](crate::ClientBuilder::header) stay with the configured origin
//!   too. The key never appears in `Debug`, in `Display` or in error
//!   messages (see [errors](super::errors)).
//! - **Plain HTTP.** [`build`](crate::ClientBuilder::build) refuses to send
//!   a key over plain `http://` to a host that is not loopback, unless you
//!   opt in with
//!   [`allow_insecure_http(true)`](crate::ClientBuilder::allow_insecure_http),
//!   whose page says what counts as loopback.
//! - **Values in the URL** are percent-encoded, and an empty id, `.` or `..`
//!   is refused: no value can change which endpoint is called or add query
//!   parameters.
//! - **Secrets in `Debug`.** Passwords, hashes, TOTP secrets, recovery codes
//!   and links, and tokenized sessions are redacted in `Debug`.
