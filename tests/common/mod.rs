//! What the integration tests share: clients pointed at a mock server, the
//! headers every request must carry, a matcher for the exact query string,
//! and the JSON fixtures.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod logs;

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, Mock, Then, When};
use kratos_identity::IdentityClient;
use uuid::Uuid;

/// The API key of [`client`]. Tests check that it is sent, and sent only
/// where it belongs.
pub const TOKEN: &str = "ory_pat_integration_test_key_0001";

/// The `User-Agent` the client sends unless told otherwise.
pub const USER_AGENT: &str = concat!("kratos-identity/", env!("CARGO_PKG_VERSION"));

/// The identity of `identity_full.json`.
pub const IDENTITY_ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
/// The identity of `identity_suspended.json`.
pub const SUSPENDED_ID: &str = "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41";
/// The session of `session_expanded.json` (and the first of the lists).
pub const SESSION_ID: &str = "5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4";

/// The JSON fixtures, as the server sends them.
pub mod fixtures {
    pub const IDENTITY_FULL: &str = include_str!("../fixtures/identity_full.json");
    pub const IDENTITY_SUSPENDED: &str = include_str!("../fixtures/identity_suspended.json");
    pub const IDENTITY_LIST: &str = include_str!("../fixtures/identity_list.json");
    pub const IDENTITY_BATCH_PATCH_RESPONSE: &str =
        include_str!("../fixtures/identity_batch_patch_response.json");
    pub const SESSION_LIST: &str = include_str!("../fixtures/session_list.json");
    pub const SESSION_LIST_EXPANDED: &str = include_str!("../fixtures/session_list_expanded.json");
    pub const SESSION_EXPANDED: &str = include_str!("../fixtures/session_expanded.json");
    pub const SCHEMA_LIST: &str = include_str!("../fixtures/schema_list.json");
    pub const SCHEMA_DEFAULT: &str = include_str!("../fixtures/schema_default.json");
    pub const RECOVERY_CODE: &str = include_str!("../fixtures/recovery_code.json");
    pub const RECOVERY_LINK: &str = include_str!("../fixtures/recovery_link.json");
    pub const LOGIN_FLOW_TEST: &str = include_str!("../fixtures/login_flow_test.json");
    pub const ERROR_404_IDENTITY: &str = include_str!("../fixtures/error_404_identity.json");
    pub const ERROR_409_CONFLICT: &str = include_str!("../fixtures/error_409_conflict.json");
    pub const ERROR_400_SCHEMA: &str = include_str!("../fixtures/error_400_schema.json");
    pub const ERROR_400_CODE_500: &str = include_str!("../fixtures/error_400_code_500.json");
    pub const ERROR_500: &str = include_str!("../fixtures/error_500.json");
    pub const ERROR_502_PROXY_HTML: &str = include_str!("../fixtures/error_502_proxy.html");
}

/// A client for `server` that authenticates with [`TOKEN`], otherwise with
/// the default settings.
pub fn client(server: &MockServer) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .build()
        .expect("a loopback base URL with a token is a valid configuration")
}

/// Like [`client`] but never retrying, for tests of failing answers.
pub fn client_without_retries(server: &MockServer, token: &str) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .bearer_token(token)
        .max_retries(0)
        .build()
        .expect("a loopback base URL with a token is a valid configuration")
}

/// The headers every request of [`client`] carries.
pub fn default_headers(when: When) -> When {
    when.header("authorization", format!("Bearer {TOKEN}"))
        .header("user-agent", USER_AGENT)
        .header("accept", "application/json")
}

/// Like [`default_headers`], for a request with a JSON body.
pub fn json_request_headers(when: When) -> When {
    default_headers(when).header("content-type", "application/json")
}

/// Matches when the decoded query string holds exactly these pairs: in any
/// order, repeated keys counted, nothing else. `&[]` means no query at all.
pub fn query_exactly(when: When, pairs: &[(&str, &str)]) -> When {
    let mut expected: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    expected.sort();
    when.is_true(move |req: &HttpMockRequest| {
        let mut got = req.query_params();
        got.sort();
        got == expected
    })
}

/// A JSON answer.
pub fn json(then: Then, status: u16, body: &str) -> Then {
    then.status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
}

/// A mock that answers every request no earlier mock matched with a 418.
///
/// httpmock serves the first matching mock in creation order, so create this
/// one last; `assert_calls(0)` on it then proves no other endpoint was called.
pub fn catch_all(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.status(418).body("unexpected request");
    })
}

/// Parses a UUID literal.
pub fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("a valid UUID literal")
}

/// Parses a JSON literal.
pub fn value(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("a valid JSON fixture")
}

/// Parses an RFC 3339 timestamp literal.
pub fn ts(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .expect("a valid RFC 3339 literal")
}

/// Matches a request without a body (httpmock refuses `body("")` on a GET).
pub fn no_body(when: When) -> When {
    when.header_missing("content-type")
        .is_true(|req: &HttpMockRequest| req.body_ref().is_empty())
}

/// Runs `test` on its own thread and gives back its result, or fails when
/// it has not finished within `limit`: a loop that should be bounded
/// (redirect hops, retry attempts) and no longer is fails its test instead
/// of hanging the suite. A panic in `test` is passed on as it is.
pub fn within<T: Send + 'static>(
    limit: std::time::Duration,
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let (done, finished) = channel();
    let handle = std::thread::spawn(move || {
        let _ = done.send(test());
    });
    match finished.recv_timeout(limit) {
        Ok(result) => result,
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the test thread ended without a result or a panic"),
        },
        Err(RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: a loop that is no longer bounded?")
        }
    }
}
