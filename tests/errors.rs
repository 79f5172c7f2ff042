//! How failures surface: Kratos error bodies, bodies that are not JSON,
//! success answers that do not decode, which failures are retried, and that
//! no error ever shows the API key.

mod common;

use std::time::Duration;

use common::{IDENTITY_ID, client_without_retries, fixtures, json, uuid};
use httpmock::prelude::*;
use kratos_identity::{CreateIdentityBody, Error, IdentityClient, RetryPolicy, TransportErrorKind};
use serde_json::json;

/// The token of every client in this file; no error may show it.
const SECRET: &str = "ory_pat_SUPERSECRET";

fn secret_client(server: &MockServer) -> IdentityClient {
    client_without_retries(server, SECRET)
}

/// Like [`secret_client`], with the default retry policy.
fn retrying_secret_client(server: &MockServer) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .bearer_token(SECRET)
        .build()
        .unwrap()
}

/// Fails when the error's `Display` or `Debug` shows the token, or when the
/// `Display` of an error from a call does not start by naming the call;
/// returns the `Display` after that name.
fn shown(err: &Error) -> String {
    let display = err.to_string();
    let debug = format!("{err:?}");
    for text in [&display, &debug] {
        assert!(!text.contains("SUPERSECRET"), "the token leaked: {text}");
        assert!(!text.contains(SECRET), "the token leaked: {text}");
    }
    match err.operation() {
        Some(operation) => display
            .strip_prefix(&format!("{operation}: "))
            .unwrap_or_else(|| panic!("{display:?} does not start with {operation}"))
            .to_string(),
        None => display,
    }
}

fn identity_path() -> String {
    format!("/admin/identities/{IDENTITY_ID}")
}

// ---------------------------------------------------------------- Kratos bodies

#[test]
fn a_404_carries_the_kratos_error_and_the_error_id() {
    let server = MockServer::start();
    let path = identity_path();
    server.mock(|when, then| {
        when.method(GET).path(&path);
        json(then, 404, fixtures::ERROR_404_IDENTITY).header("ory-error-id", "not_found_4711");
    });

    let err = secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    assert_eq!(
        err.to_string(),
        "get_identity (GET /admin/identities/{id}): HTTP 404 Not Found: Unable to locate the resource (could not find identity) [ory-error-id not_found_4711]"
    );
    let display = shown(&err);
    assert_eq!(
        display,
        "HTTP 404 Not Found: Unable to locate the resource (could not find identity) [ory-error-id not_found_4711]"
    );
    assert!(err.is_not_found());
    assert!(!err.is_conflict());
    assert!(!err.is_rate_limited());
    assert!(!err.is_timeout());
    assert_eq!(err.status(), Some(404));
    let api = err.api().unwrap();
    assert_eq!(api.status, 404);
    assert_eq!(api.error_id.as_deref(), Some("not_found_4711"));
    assert_eq!(api.raw_body, None);
    assert_eq!(api.message(), Some("Unable to locate the resource"));
    assert_eq!(api.reason(), Some("could not find identity"));
    let kratos = err.kratos_error().unwrap();
    assert_eq!(kratos.code, Some(404));
    assert_eq!(kratos.status.as_deref(), Some("Not Found"));
    assert_eq!(
        kratos.request.as_deref(),
        Some("d7ef54b1-ec15-46e6-bccb-524b82c035e6")
    );
    assert_eq!(kratos.id, None);
    assert!(matches!(err, Error::Api(_)));
}

#[test]
fn a_409_on_create_is_a_conflict_with_an_error_id() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path("/admin/identities");
        json(then, 409, fixtures::ERROR_409_CONFLICT);
    });

    let err = secret_client(&server)
        .create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "ada@example.com"}),
        ))
        .send()
        .unwrap_err();

    mock.assert_calls(1);
    let display = shown(&err);
    assert!(err.is_conflict());
    assert!(!err.is_not_found());
    assert!(
        display
            .starts_with("HTTP 409 Conflict: The request could not be completed due to a conflict"),
        "{display}"
    );
    assert!(
        display.contains("(This identity conflicts with another identity that already exists.)"),
        "{display}"
    );
    let kratos = err.kratos_error().unwrap();
    assert_eq!(kratos.id.as_deref(), Some("identity_conflict"));
    assert_eq!(err.api().unwrap().error_id, None);
}

#[test]
fn a_400_shows_reason_and_keeps_details() {
    let server = MockServer::start();
    let path = identity_path();
    server.mock(|when, then| {
        when.method(PUT).path(&path);
        json(then, 400, fixtures::ERROR_400_SCHEMA).header("Ory-Error-Id", "validation_failed");
    });

    let err = secret_client(&server)
        .update_identity(
            IDENTITY_ID,
            kratos_identity::UpdateIdentityBody::new(
                "default",
                kratos_identity::IdentityState::Active,
                json!({"email": "not-an-email"}),
            ),
        )
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(err.status(), Some(400));
    assert!(
        display.starts_with(
            "HTTP 400 Bad Request: The request was malformed or contained invalid parameters ("
        ),
        "{display}"
    );
    assert!(
        display.contains(r#""not-an-email" is not valid "email""#),
        "{display}"
    );
    assert!(
        display.ends_with("[ory-error-id validation_failed]"),
        "{display}"
    );
    let kratos = err.kratos_error().unwrap();
    assert_eq!(kratos.details, Some(json!({"field": "/traits/email"})));
    assert_eq!(
        err.api().unwrap().error_id.as_deref(),
        Some("validation_failed")
    );
}

#[test]
fn the_http_status_wins_over_the_body_code() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 400, fixtures::ERROR_400_CODE_500);
    });

    let err = secret_client(&server)
        .list_identities()
        .ids([IDENTITY_ID])
        .credentials_identifier("ada@example.com")
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.api().unwrap().status, 400);
    let kratos = err.kratos_error().unwrap();
    assert_eq!(kratos.code, Some(500));
    assert_eq!(kratos.status.as_deref(), Some("Internal Server Error"));
    assert_eq!(
        kratos.debug.as_deref(),
        Some("filter: credentials_identifier and ids")
    );
    assert!(display.starts_with("HTTP 400 Bad Request: "), "{display}");
    assert!(
        display.contains("(You cannot combine multiple filters)"),
        "{display}"
    );
    assert!(!display.contains("HTTP 500"), "{display}");
}

#[test]
fn a_500_with_a_kratos_body() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        json(then, 500, fixtures::ERROR_500);
    });

    let err = secret_client(&server)
        .delete_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        display,
        "HTTP 500 Internal Server Error: An internal server error occurred, please contact the system administrator (sql: database is closed)"
    );
    assert_eq!(
        err.kratos_error().unwrap().request.as_deref(),
        Some("3f0e9c1d-2b7a-4e6f-8d5c-1a2b3c4d5e6f")
    );
}

#[test]
fn an_error_body_with_only_a_message() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        json(then, 403, r#"{"error":{"message":"Access credentials are not sufficient to access this resource"}}"#);
    });

    let err = secret_client(&server)
        .disable_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4")
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(
        display,
        "HTTP 403 Forbidden: Access credentials are not sufficient to access this resource"
    );
    let kratos = err.kratos_error().unwrap();
    assert_eq!(kratos.code, None);
    assert_eq!(kratos.reason, None);
}

// ---------------------------------------------------------------- other bodies

#[test]
fn an_html_502_from_a_proxy_keeps_the_raw_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET);
        then.status(502)
            .header("content-type", "text/html")
            .body(fixtures::ERROR_502_PROXY_HTML);
    });

    let err = secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    mock.assert_calls(1);
    let display = shown(&err);
    assert_eq!(err.status(), Some(502));
    assert!(
        display.starts_with("HTTP 502 Bad Gateway: non-JSON body: <html>"),
        "{display}"
    );
    assert!(display.contains("nginx/1.27.3"), "{display}");
    assert!(!display.contains('\n'), "Display is one line: {display:?}");
    let api = err.api().unwrap();
    assert!(api.error.is_none());
    assert_eq!(
        api.raw_body.as_deref(),
        Some(fixtures::ERROR_502_PROXY_HTML)
    );
    assert!(err.kratos_error().is_none());
}

#[test]
fn gateway_errors_without_retries() {
    let server = MockServer::start();
    let unavailable = server.mock(|when, then| {
        when.method(GET).path("/schemas");
        then.status(503)
            .body("upstream connect error or disconnect/reset before headers");
    });
    let timed_out = server.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        json(
            then,
            504,
            r#"{"error":{"code":504,"status":"Gateway Timeout","message":"upstream timed out"}}"#,
        );
    });
    let client = secret_client(&server);

    let err = client.list_identity_schemas().send().unwrap_err();
    let display = shown(&err);
    assert_eq!(err.status(), Some(503));
    assert!(
        display.starts_with("HTTP 503 Service Unavailable: non-JSON body: upstream connect error"),
        "{display}"
    );
    assert!(matches!(err, Error::Api(_)), "{err:?}");

    let err = client.get_identity_schema("default").send().unwrap_err();
    assert_eq!(shown(&err), "HTTP 504 Gateway Timeout: upstream timed out");

    unavailable.assert_calls(1);
    timed_out.assert_calls(1);
}

#[test]
fn an_empty_404_says_so() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        then.status(404);
    });

    let err = secret_client(&server)
        .delete_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert!(err.is_not_found());
    assert_eq!(display, "HTTP 404 Not Found: empty body");
    let api = err.api().unwrap();
    assert!(api.error.is_none());
    assert!(api.raw_body.is_none());
}

#[test]
fn a_bare_error_object_is_read_as_the_error() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        json(then, 401, r#"{"message":"no Authorization header"}"#);
    });

    let err = secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.kratos_error().map(|e| e.message.as_str()),
        Some("no Authorization header")
    );
    assert!(err.api().unwrap().raw_body.is_none());
    assert_eq!(display, "HTTP 401 Unauthorized: no Authorization header");
}

#[test]
fn json_that_is_not_an_error_is_kept_raw() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        json(then, 403, r#"{"allowed":false,"policy":"deny-all"}"#);
    });

    let err = secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    let display = shown(&err);
    assert_eq!(err.status(), Some(403));
    assert!(err.kratos_error().is_none());
    assert_eq!(
        err.api().unwrap().raw_body.as_deref(),
        Some(r#"{"allowed":false,"policy":"deny-all"}"#)
    );
    assert!(display.contains("unexpected JSON body"), "{display}");
    assert!(display.contains("deny-all"), "{display}");
}

#[test]
fn a_429_reads_the_rate_limit_reset() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET);
        then.status(429)
            .header("x-ratelimit-limit", "10")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "7")
            .body("Too Many Requests");
    });

    let err = secret_client(&server).list_identities().send().unwrap_err();

    mock.assert_calls(1);
    let display = shown(&err);
    assert!(err.is_rate_limited());
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(7)));
    assert!(
        display.starts_with("HTTP 429 Too Many Requests: non-JSON body: Too Many Requests"),
        "{display}"
    );
}

// ---------------------------------------------------------------- bodies that do not decode

#[test]
fn malformed_json_in_a_200_is_a_decode_error_that_shows_no_value() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        json(then, 200, r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","traits":{"email":"ada@"#);
    });

    let err = secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    let display = shown(&err);
    match &err {
        Error::Decode {
            status, details, ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(details.target(), "Identity");
            assert_eq!(details.operation().map(|o| o.name()), Some("get_identity"));
            assert!(details.position().is_some());
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(err.status(), Some(200));
    assert!(err.api().is_none());
    assert!(display.starts_with("the HTTP 200 answer"), "{display}");
    assert!(
        !display.contains("ada@"),
        "no body value in errors: {display}"
    );
    assert!(
        !format!("{err:?}").contains("ada@"),
        "nor in Debug: {err:?}"
    );
    // The message says it all; there is no second layer to repeat it.
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn json_of_the_wrong_shape_is_a_decode_error() {
    let server = MockServer::start();
    let path = identity_path();
    server.mock(|when, then| {
        when.method(GET).path(&path);
        json(then, 200, fixtures::IDENTITY_LIST);
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, fixtures::IDENTITY_FULL);
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        json(then, 200, r#"[{"id":"not-a-uuid","active":true}]"#);
    });
    let client = secret_client(&server);

    let array_for_one = client.get_identity(IDENTITY_ID).send().unwrap_err();
    let object_for_list = client.list_identities().send().unwrap_err();

    for err in [&array_for_one, &object_for_list] {
        shown(err);
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    }
    // One item of a list that does not fit: send() refuses the page, naming
    // the item (a lookup must not read a bad item as "absent") …
    let err = client.list_sessions().send().unwrap_err();
    assert_eq!(
        err.decode_error().and_then(|d| d.item_index()),
        Some(0),
        "{err}"
    );
    // … and send_lenient() gives the page, with the item apart.
    let page = client.list_sessions().send_lenient().unwrap();
    assert!(page.is_empty());
    let bad = &page.errors()[0];
    assert_eq!(bad.item_index(), Some(0));
    assert_eq!(bad.path(), Some("id"));
    assert_eq!(bad.id(), Some("not-a-uuid"));
}

// ---------------------------------------------------------------- retries

#[test]
fn a_get_is_retried_after_a_503() {
    let server = MockServer::start();
    let path = identity_path();
    let unavailable = server.mock(|when, then| {
        when.method(GET).path(&path);
        // Ask for no wait so the test stays fast; the policy is the default one.
        then.status(503)
            .header("retry-after", "0")
            .body("overloaded");
    });
    unavailable.up_to_n_times(1);
    let ok = server.mock(|when, then| {
        when.method(GET).path(&path);
        json(then, 200, fixtures::IDENTITY_FULL);
    });

    let identity = retrying_secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap();

    assert_eq!(identity.id, uuid(IDENTITY_ID));
    unavailable.assert_calls(1);
    ok.assert_calls(1);
}

#[test]
fn a_create_is_not_retried_after_a_503() {
    let server = MockServer::start();
    let unavailable = server.mock(|when, then| {
        when.method(POST).path("/admin/identities");
        then.status(503)
            .header("retry-after", "0")
            .body("overloaded");
    });

    let err = retrying_secret_client(&server)
        .create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "a@b.c"}),
        ))
        .send()
        .unwrap_err();

    unavailable.assert_calls(1);
    shown(&err);
    assert_eq!(err.status(), Some(503));
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[test]
fn extend_session_is_retried_but_a_json_patch_is_not() {
    let server = MockServer::start();
    let session = "5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4";
    let extend_path = format!("/admin/sessions/{session}/extend");
    let bad_gateway = server.mock(|when, then| {
        when.method(PATCH).path(&extend_path);
        then.status(502).header("retry-after", "0");
    });
    bad_gateway.up_to_n_times(1);
    let extended = server.mock(|when, then| {
        when.method(PATCH).path(&extend_path);
        then.status(204);
    });
    let patch_path = identity_path();
    let patch_gateway = server.mock(|when, then| {
        when.method(PATCH).path(&patch_path);
        then.status(502).header("retry-after", "0");
    });
    let client = retrying_secret_client(&server);

    assert!(client.extend_session(session).send().unwrap().is_none());
    let err = client
        .patch_identity(
            IDENTITY_ID,
            vec![kratos_identity::JsonPatch::remove("/metadata_admin")],
        )
        .send()
        .unwrap_err();

    bad_gateway.assert_calls(1);
    extended.assert_calls(1);
    patch_gateway.assert_calls(1);
    shown(&err);
    assert_eq!(err.status(), Some(502));
}

#[test]
fn a_create_refused_with_429_is_retried() {
    let server = MockServer::start();
    let limited = server.mock(|when, then| {
        when.method(POST).path("/admin/identities");
        then.status(429).header("retry-after", "0");
    });
    limited.up_to_n_times(1);
    let created = server.mock(|when, then| {
        when.method(POST).path("/admin/identities");
        json(then, 201, fixtures::IDENTITY_FULL);
    });

    retrying_secret_client(&server)
        .create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "a@b.c"}),
        ))
        .send()
        .unwrap();

    limited.assert_calls(1);
    created.assert_calls(1);
}

/// A call that is not idempotent is not retried after a proxy's 502, 503
/// or 504 (Kratos behind it may have done the work): its error says that
/// it may have been applied, and `may_have_been_applied()` says so to a
/// program. An idempotent call is retried, and says neither; nor does a
/// failure that tells what happened. Issue 25: only the README said it.
#[test]
fn a_write_a_proxy_failed_may_have_been_applied_and_says_so() {
    use kratos_identity::{
        CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody,
        CreateTestLoginFlowBody, IdentityPatch, JsonPatch, ManageSessionsAction,
        ManageSessionsBody, PatchIdentitiesBody, UpdateIdentityBody,
    };
    const ADVICE: &str = "; it may have been applied, so look before sending it again";
    for (status, text) in [
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
    ] {
        let server = MockServer::start();
        let all = server.mock(|when, then| {
            when.any_request();
            then.status(status)
                .header("retry-after", "0")
                .body("upstream failed");
        });
        let client = retrying_secret_client(&server);
        let body = || CreateIdentityBody::new("default", json!({"email": "ada@example.com"}));
        let writes = [
            client.create_identity(body()).send().map(drop),
            client
                .batch_patch_identities(PatchIdentitiesBody::new(vec![IdentityPatch::create(
                    body(),
                )]))
                .send()
                .map(drop),
            client
                .patch_identity(IDENTITY_ID, vec![JsonPatch::remove("/metadata_public")])
                .send()
                .map(drop),
            client
                .manage_sessions(ManageSessionsBody::for_identities(
                    ManageSessionsAction::Disable,
                    [IDENTITY_ID],
                ))
                .send()
                .map(drop),
            client
                .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(
                    IDENTITY_ID,
                ))
                .send()
                .map(drop),
            client
                .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(
                    IDENTITY_ID,
                ))
                .send()
                .map(drop),
            client
                .create_test_login_flow(CreateTestLoginFlowBody::new("oidc"))
                .send()
                .map(drop),
        ]
        .map(Result::unwrap_err);
        all.assert_calls(writes.len());
        for err in &writes {
            let operation = err.operation().unwrap();
            assert!(err.may_have_been_applied(), "{operation}: {err:?}");
            assert_eq!(err.attempts(), 1, "{err}");
            assert_eq!(
                err.to_string(),
                format!(
                    "{operation}: HTTP {status} {text}: non-JSON body: upstream failed{ADVICE}"
                )
            );
            assert_each_message_once(err);
        }
        // Retried, and the same done twice: nothing to look for.
        let idempotent = [
            client.get_identity(IDENTITY_ID).send().map(drop),
            client
                .update_identity(
                    IDENTITY_ID,
                    UpdateIdentityBody::new(
                        "default",
                        kratos_identity::IdentityState::Active,
                        json!({}),
                    ),
                )
                .send()
                .map(drop),
            client.delete_identity(IDENTITY_ID).send().map(drop),
            client.extend_session(IDENTITY_ID).send().map(drop),
        ]
        .map(Result::unwrap_err);
        for err in &idempotent {
            assert!(!err.may_have_been_applied(), "{err}");
            assert_eq!(err.attempts(), 4, "{err}");
            assert!(!err.to_string().contains("applied"), "{err}");
        }
    }
    // An answer that says what happened: not applied, or not unknown.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        json(then, 500, fixtures::ERROR_500);
    });
    let err = secret_client(&server)
        .create_identity(CreateIdentityBody::new("default", json!({})))
        .send()
        .unwrap_err();
    assert!(!err.may_have_been_applied(), "{err}");
    assert!(!err.to_string().contains("applied"), "{err}");
    let mut api = kratos_identity::ApiError::new(502);
    api.may_have_been_applied = true;
    assert!(Error::Api(Box::new(api)).may_have_been_applied());
}

#[test]
fn retries_exhausted_keeps_the_last_failure() {
    let server = MockServer::start();
    let unavailable = server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        json(
            then,
            503,
            r#"{"error":{"code":503,"message":"The service is unavailable"}}"#,
        )
        .header("retry-after", "0");
    });
    let client = IdentityClient::builder(server.base_url())
        .bearer_token(SECRET)
        .retry(RetryPolicy::default().max_retries(2))
        .build()
        .unwrap();

    // Under a deadline: a retry count that stops working fails here
    // instead of retrying forever.
    let err = common::within(Duration::from_secs(20), move || {
        client.list_sessions().send().unwrap_err()
    });

    unavailable.assert_calls(3);
    let display = shown(&err);
    match &err {
        Error::Api(api) => {
            assert_eq!(api.attempts, 3);
            assert_eq!(api.status, 503);
        }
        other => panic!("expected the 503 after 3 attempts, got {other:?}"),
    }
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.kratos_error().map(|e| e.message.as_str()),
        Some("The service is unavailable")
    );
    assert_eq!(
        display,
        "HTTP 503 Service Unavailable: The service is unavailable (gave up after 3 attempts)"
    );
}

#[test]
fn a_404_is_never_retried() {
    let server = MockServer::start();
    let missing = server.mock(|when, then| {
        when.method(GET);
        json(then, 404, fixtures::ERROR_404_IDENTITY);
    });

    let err = retrying_secret_client(&server)
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();

    shown(&err);
    assert!(err.is_not_found());
    missing.assert_calls(1);
}

// ---------------------------------------------------------------- no answer

#[test]
fn a_refused_connection_is_a_transport_error_without_the_token() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .bearer_token(SECRET)
        .max_retries(0)
        .build()
        .unwrap();

    let err = client
        .get_identity(IDENTITY_ID)
        .include_credential(["password"])
        .send()
        .unwrap_err();

    let display = err.to_string();
    shown(&err);
    match &err {
        Error::Transport {
            operation, origin, ..
        } => {
            assert_eq!(operation.name(), "get_identity");
            assert_eq!(operation.method(), "GET");
            assert_eq!(operation.path(), "/admin/identities/{id}");
            assert_eq!(origin, &format!("http://127.0.0.1:{port}"));
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(
        display.starts_with(&format!(
            "get_identity (GET /admin/identities/{{id}}): could not connect to http://127.0.0.1:{port}"
        )),
        "{display}"
    );
    assert_eq!(err.status(), None);
    assert!(
        !display.contains("include_credential"),
        "no query in errors: {display}"
    );
}

#[test]
fn invalid_input_and_config_errors_say_what_is_wrong() {
    let server = MockServer::start();
    let err = secret_client(&server).get_identity("").send().unwrap_err();
    assert_eq!(shown(&err), "invalid input: id must not be empty");
    assert_eq!(
        err.to_string(),
        "get_identity (GET /admin/identities/{id}): invalid input: id must not be empty"
    );
    assert_eq!(err.operation().map(|o| o.name()), Some("get_identity"));
    assert_eq!(
        err.invalid_input_kind(),
        Some(kratos_identity::InvalidInputKind::Empty)
    );
    assert_eq!(err.status(), None);

    let err = IdentityClient::builder("http://kratos.internal:4434")
        .bearer_token(SECRET)
        .build()
        .unwrap_err();
    let display = shown(&err);
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        display.starts_with("invalid client configuration: "),
        "{display}"
    );
}

// ---------------------------------------------------------------- every message, once, without secrets

/// The messages of an error's `source()` chain, outermost first.
fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        messages.push(e.to_string());
        next = e.source();
    }
    messages
}

/// No layer repeats what a deeper layer says: `{:#}` prints each message once.
fn assert_each_message_once(err: &(dyn std::error::Error + 'static)) {
    let messages = chain(err);
    for (i, outer) in messages.iter().enumerate() {
        assert!(!outer.trim().is_empty(), "an empty message in {messages:?}");
        for inner in &messages[i + 1..] {
            assert!(
                !outer.contains(inner.as_str()),
                "{outer:?} repeats its source {inner:?}"
            );
        }
    }
    assert!(
        !messages.iter().any(|m| m.contains("kratos_identity::")),
        "a private path in {messages:?}"
    );
}

/// A port nothing listens on.
/// One retry after 1 ms: a failure that ends in `RetriesExhausted`, fast.
fn one_quick_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(1)
        .initial_backoff(Duration::from_millis(1))
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn every_error_says_its_part_once_and_names_its_call() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(identity_path());
        json(then, 404, fixtures::ERROR_404_IDENTITY);
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        json(
            then,
            503,
            r#"{"error":{"code":503,"message":"The service is unavailable"}}"#,
        )
        .header("retry-after", "0");
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities/by/external/e");
        json(then, 200, r#"{"id": 12"#);
    });
    server.mock(|when, then| {
        when.method(GET).path("/schemas");
        then.status(200).body("x".repeat(4096));
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, fixtures::IDENTITY_LIST).header(
            "link",
            r#"</admin/identities?page_size=2&page_token=same>; rel="next""#,
        );
    });
    let client = IdentityClient::builder(server.base_url())
        .retry(RetryPolicy::default().max_retries(1))
        .build()
        .unwrap();
    let capped = IdentityClient::builder(server.base_url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let refused = IdentityClient::builder(format!("http://127.0.0.1:{}", closed_port()))
        .retry(one_quick_retry())
        .build()
        .unwrap();
    let refused_once = IdentityClient::builder(format!("http://127.0.0.1:{}", closed_port()))
        .max_retries(0)
        .build()
        .unwrap();

    let mut pages = client
        .list_identities()
        .page_size(2)
        .page_token("same")
        .pages();
    pages.next().unwrap().unwrap();
    let errors: Vec<(&str, Error)> = vec![
        ("api", client.get_identity(IDENTITY_ID).send().unwrap_err()),
        (
            "retries of an api error",
            client.list_sessions().send().unwrap_err(),
        ),
        (
            "transport",
            refused_once.list_identities().send().unwrap_err(),
        ),
        (
            "retries of a transport error",
            refused.list_identities().send().unwrap_err(),
        ),
        (
            "decode",
            client.get_identity_by_external_id("e").send().unwrap_err(),
        ),
        (
            "body too large",
            capped.list_identity_schemas().send().unwrap_err(),
        ),
        ("invalid input", client.get_identity("").send().unwrap_err()),
        ("pagination", pages.next().unwrap().unwrap_err()),
        ("config", IdentityClient::new("ftp://x").unwrap_err()),
    ];
    for (what, err) in &errors {
        assert_each_message_once(err);
        if !matches!(err, Error::Config { .. }) {
            let operation = err.operation().map(|o| o.to_string()).unwrap_or_else(|| {
                // Invalid input and pagination name the call in the message.
                err.to_string()
                    .split(": ")
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
            assert!(
                err.to_string().starts_with(&operation) && operation.contains(" ("),
                "{what}: {err} does not start with the call"
            );
        }
    }
    let transport = &errors[2].1;
    assert_eq!(
        chain(transport).len(),
        2,
        "the HTTP stack's words are the source"
    );
    let retried = &errors[3].1;
    assert!(retried.attempts() == 2, "{retried:?}");
    assert_eq!(chain(retried).len(), 2, "{:?}", chain(retried));
    assert!(
        retried.to_string().ends_with("(gave up after 2 attempts)"),
        "{retried}"
    );

    // The accessors see through the retries to the failure itself.
    let name = |err: &Error| err.operation().map(|o| o.name());
    assert_eq!(
        transport.transport_kind(),
        Some(TransportErrorKind::Connect)
    );
    assert_eq!(retried.transport_kind(), Some(TransportErrorKind::Connect));
    assert_eq!(name(transport), Some("list_identities"));
    assert_eq!(name(retried), Some("list_identities"));
    assert_eq!(name(&errors[5].1), Some("list_identity_schemas"));
    assert_eq!(name(&errors[0].1), Some("get_identity"));
    for (what, err) in &errors {
        assert!(!err.is_timeout(), "{what}");
        if !what.contains("transport") {
            assert_eq!(err.transport_kind(), None, "{what}");
        }
    }
}

/// A server that accepts connections and never answers: every request
/// times out waiting for the answer.
fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

#[test]
fn a_timeout_is_a_timeout_before_and_after_retries() {
    let (_listener, url) = silent_server();
    let once = IdentityClient::builder(&url)
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let retrying = IdentityClient::builder(&url)
        .timeout(Duration::from_millis(200))
        .retry(one_quick_retry())
        .build()
        .unwrap();

    let err = once.get_identity(IDENTITY_ID).send().unwrap_err();
    shown(&err);
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::Timeout));
    assert_eq!(err.status(), None);

    let err = retrying.get_identity(IDENTITY_ID).send().unwrap_err();
    shown(&err);
    assert!(
        matches!(err, Error::Transport { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::Timeout));
}

/// An import outcome's error used to have no `source()`, so `{:#}` of a
/// NotCreated ended at "(gave up after 2 attempts)" without saying why the
/// connection failed. It folds the request error into its message, as
/// `RetriesExhausted` folds its last failure, and passes that error's cause
/// on as its source: every message once, down to the operating system's.
#[test]
fn an_import_error_keeps_the_cause_of_the_request_error() {
    let port = closed_port();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .retry(one_quick_retry())
        .build()
        .unwrap();
    let people = (0..3).map(|i| {
        CreateIdentityBody::new(
            "default",
            json!({ "email": format!("user{i}@example.com") }),
        )
    });
    // One input per chunk: the first is sent, the second was read for the
    // next chunk when the import stopped.
    let outcomes: Vec<kratos_identity::ImportOutcome> = client
        .import_identities(people)
        .max_chunk_bytes(200)
        .outcomes()
        .collect();
    assert_eq!(outcomes.len(), 2);
    let request_error = format!(
        "batch_patch_identities (PATCH /admin/identities): could not connect to http://127.0.0.1:{port} (gave up after 2 attempts)"
    );
    for (outcome, layer) in outcomes.iter().zip([
        "not created, the request was refused or not sent",
        "not attempted, the import stopped",
    ]) {
        let err = outcome.result.as_ref().unwrap_err();
        assert_each_message_once(err);
        let messages = chain(err);
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0], format!("{layer}: {request_error}"));
        // The HTTP stack's words, with the operating system's reason.
        assert!(
            messages[1].to_lowercase().contains("connection refused"),
            "{messages:?}"
        );
        let anyhow_like = messages.join(": ");
        assert_eq!(anyhow_like.matches("could not connect").count(), 1);
        assert_eq!(anyhow_like.matches("onnection refused").count(), 1);
    }
    // Errors that carry no request error have no source.
    let too_large = kratos_identity::ImportError::TooLarge {
        bytes: 10,
        limit: 5,
    };
    assert!(std::error::Error::source(&too_large).is_none());
}

/// A credentials identifier is an email address: personal data that must
/// stay out of every message, whatever goes wrong.
#[test]
fn query_values_never_appear_in_errors() {
    const EMAIL: &str = "ada.lovelace@example.com";
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).query_param("page_size", "1");
        json(then, 500, fixtures::ERROR_500);
    });
    server.mock(|when, then| {
        when.method(GET).query_param("page_size", "2");
        then.status(200).body("[{\"id\": \"9f42");
    });
    server.mock(|when, then| {
        when.method(GET).query_param("page_size", "3");
        // Kratos carries every filter into its links.
        json(then, 200, "[]").header(
            "link",
            r#"</admin/identities?credentials_identifier=ada.lovelace%40example.com>; rel="next""#,
        );
    });
    let client = IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let refused = IdentityClient::builder(format!("http://127.0.0.1:{}", closed_port()))
        .max_retries(0)
        .build()
        .unwrap();
    let errors = [
        client
            .list_identities()
            .page_size(1)
            .credentials_identifier(EMAIL)
            .send(),
        client
            .list_identities()
            .page_size(2)
            .credentials_identifier(EMAIL)
            .send(),
        client
            .list_identities()
            .page_size(3)
            .credentials_identifier(EMAIL)
            .send(),
        refused
            .list_identities()
            .credentials_identifier(EMAIL)
            .send(),
    ]
    .map(Result::unwrap_err);
    for err in &errors {
        for text in chain(err).into_iter().chain([format!("{err:?}")]) {
            assert!(!text.contains("ada.lovelace"), "{text}");
        }
    }
}

#[test]
fn secrets_in_a_body_that_does_not_decode_stay_out_of_the_error() {
    const HASH: &str = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Traits {
        age: u32,
    }
    let listing = format!(
        r#"[{{"id":"{IDENTITY_ID}","credentials":{{"password":{{"type":"password","identifiers":["ada@example.com"],"config":{{"hashed_password":"{HASH}"}},"created_at":12345}}}},"schema_id":"default","schema_url":"","traits":{{"age":"forty-two"}}}}]"#
    );
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, &listing);
    });
    server.mock(|when, then| {
        when.method(POST).path("/admin/recovery/code");
        json(
            then,
            201,
            r#"{"recovery_link":"https://auth.example/recovery?flow=f1&token=LinkSecret99","recovery_code":76453943,"expires_at":"in 76453943 ms"}"#,
        );
    });
    server.mock(|when, then| {
        when.method(POST).path("/admin/recovery/link");
        json(
            then,
            200,
            r#"{"recovery_link":"https://auth.example/recovery?flow=f1&token=LinkSecret99","expires_at":"tomorrow LinkSecret99"}"#,
        );
    });
    let client = IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();

    let typed = client
        .list_identities()
        .include_credential(["password"])
        .traits::<Traits>()
        .items()
        .next()
        .unwrap()
        .unwrap_err();
    let untyped = client
        .list_identities()
        .include_credential(["password"])
        .items()
        .next()
        .unwrap()
        .unwrap_err();
    let code = client
        .create_recovery_code_for_identity(kratos_identity::CreateRecoveryCodeForIdentityBody::new(
            IDENTITY_ID,
        ))
        .send()
        .unwrap_err();
    let link = client
        .create_recovery_link_for_identity(kratos_identity::CreateRecoveryLinkForIdentityBody::new(
            IDENTITY_ID,
        ))
        .send()
        .unwrap_err();
    for err in [&typed, &untyped, &code, &link] {
        for text in chain(err).into_iter().chain([format!("{err:?}")]) {
            for secret in [
                HASH,
                "R9h/cIPz0gi",
                "76453943",
                "LinkSecret99",
                "forty-two",
                "ada@",
            ] {
                assert!(!text.contains(secret), "{secret} leaked: {text}");
            }
        }
    }
    // The evidence a person needs is still there.
    let details = typed.decode_error().unwrap();
    assert_eq!(details.id(), Some(IDENTITY_ID));
    assert_eq!(details.item_index(), Some(0));
    assert!(
        matches!(
            details.path(),
            Some("credentials.password.created_at" | "traits.age")
        ),
        "{typed}"
    );
    assert_eq!(
        untyped.decode_error().unwrap().path(),
        Some("credentials.password.created_at"),
        "{untyped}"
    );
    assert_eq!(
        code.decode_error().unwrap().path(),
        Some("recovery_code"),
        "{code}"
    );
    assert_eq!(
        link.decode_error().unwrap().path(),
        Some("expires_at"),
        "{link}"
    );
    assert!(
        typed.to_string().starts_with(
            "list_identities (GET /admin/identities): the item at index 0 of the page (id 9f425a8d-7efc-4768-8f23-7647a74fdf13) does not decode as Identity<Traits>: at "
        ),
        "{typed}"
    );
}

/// A proxy that echoes the request into a 200 page puts the key where a
/// decode error quotes the body: the page's start, a JSON path built from
/// the body's keys, an item's id; and a bulk import decodes its batch
/// answers too. Issue 25: the same page was scrubbed with a 5xx and not
/// with a 2xx; every quote of a body is scrubbed now, whatever the status.
#[test]
fn a_success_answer_that_does_not_decode_is_scrubbed_like_an_error_answer() {
    let page = format!("<html><body>Signed in with {SECRET}, welcome</body></html>");
    // The key cut by the excerpt's end: its start must go too.
    let cut_page = format!("<p>{}{SECRET}</p>", " ".repeat(390));
    let cut_error_page = format!("<p>{}{SECRET}</p>", " ".repeat(4090));
    let server = MockServer::start();
    for (path, status, body) in [
        (
            format!("/admin/identities/{IDENTITY_ID}"),
            200,
            page.clone(),
        ),
        (format!("/admin/sessions/{IDENTITY_ID}"), 503, page.clone()),
        (
            "/admin/identities/by/external/cut".to_string(),
            200,
            cut_page,
        ),
        (
            "/admin/identities/by/external/cut-5xx".to_string(),
            500,
            cut_error_page,
        ),
        (
            "/admin/identities/by/external/key".to_string(),
            200,
            format!(r#"{{"id":"{IDENTITY_ID}","traits":{{"{SECRET}":[1,}}}}"#),
        ),
        (
            "/admin/identities/by/external/id".to_string(),
            200,
            format!(r#"{{"id":"{SECRET}","traits":7}}"#),
        ),
        (
            "/admin/sessions".to_string(),
            200,
            format!(r#"[{{"id":"{SECRET}","active":"yes"}}]"#),
        ),
        ("/admin/identities".to_string(), 200, page.clone()),
    ] {
        server.mock(|when, then| {
            when.path(path);
            then.status(status).body(body);
        });
    }
    let client = secret_client(&server);
    let html = client.get_identity(IDENTITY_ID).send().unwrap_err();
    let html_5xx = client.get_session(IDENTITY_ID).send().unwrap_err();
    let cut = client
        .get_identity_by_external_id("cut")
        .send()
        .unwrap_err();
    let cut_5xx = client
        .get_identity_by_external_id("cut-5xx")
        .send()
        .unwrap_err();
    let key = client
        .get_identity_by_external_id("key")
        .send()
        .unwrap_err();
    let id = client.get_identity_by_external_id("id").send().unwrap_err();
    let item = client.list_sessions().send().unwrap_err();
    let lenient = client.list_sessions().send_lenient().unwrap();
    let import = client
        .import_identities([CreateIdentityBody::new(
            "default",
            json!({"email": "ada@example.com"}),
        )])
        .resolve_unknown(false)
        .send();
    let outcome = &import.failures[0].error;
    assert!(
        matches!(outcome, kratos_identity::ImportError::OutcomeUnknown(_)),
        "{outcome:?}"
    );
    // An entry's error in a batch answer that decoded is quoted as well.
    let batch = MockServer::start();
    batch.mock(|when, then| {
        when.path("/admin/identities");
        json(
            then,
            200,
            &format!(
                r#"{{"identities":[{{"action":"error","error":{{"message":"refused for {SECRET}"}}}}]}}"#
            ),
        );
    });
    let import = secret_client(&batch)
        .import_identities([CreateIdentityBody::new(
            "default",
            json!({"email": "ada@example.com"}),
        )])
        .send();
    let rejected = &import.failures[0].error;
    assert_eq!(
        rejected.to_string(),
        "rejected by the server: refused for …"
    );
    let texts = |err: &(dyn std::error::Error + 'static)| {
        let mut texts = chain(err);
        texts.push(format!("{err:?}"));
        texts
    };
    for err in [&html, &html_5xx, &cut, &cut_5xx, &key, &id, &item] {
        shown(err);
    }
    let all = [&html, &html_5xx, &cut, &cut_5xx, &key, &id, &item]
        .into_iter()
        .flat_map(|err| texts(err))
        .chain(texts(outcome))
        .chain(texts(rejected))
        .chain([format!("{:?}", lenient.errors())]);
    for text in all {
        assert!(!text.contains("SUPERSECRET"), "the key leaked: {text}");
        assert!(!text.contains("ory_pa"), "the key's start leaked: {text}");
    }
    // The evidence stays, without the key.
    let body_start = |err: &Error| {
        err.decode_error()
            .and_then(|d| d.body_start())
            .map(str::to_string)
    };
    assert_eq!(
        body_start(&html).as_deref(),
        Some("<html><body>Signed in with …, welcome</body></html>")
    );
    assert_eq!(body_start(&cut).as_deref(), Some("<p> …"));
    assert!(
        cut_5xx.to_string().ends_with("non-JSON body: <p> …"),
        "{cut_5xx}"
    );
    assert_eq!(
        key.decode_error().and_then(|d| d.path()),
        Some("traits.…"),
        "{key}"
    );
    assert_eq!(id.decode_error().and_then(|d| d.id()), None, "{id}");
    assert_eq!(item.decode_error().and_then(|d| d.id()), None, "{item}");
    assert_eq!(item.decode_error().and_then(|d| d.item_index()), Some(0));
}

#[test]
fn a_login_page_instead_of_json_is_shown_by_its_start() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        then.status(200)
            .header("content-type", "text/html")
            .body("<!DOCTYPE html>\n<html><head><title>Sign in to Corp SSO</title></head><body><form>...</form></body></html>");
    });
    let err = IdentityClient::new(server.base_url())
        .unwrap()
        .get_identity(IDENTITY_ID)
        .send()
        .unwrap_err();
    let start = err.decode_error().and_then(|d| d.body_start()).unwrap();
    assert!(
        start.starts_with("<!DOCTYPE html> <html><head><title>Sign in to Corp SSO"),
        "{start}"
    );
    assert!(err.to_string().contains("is not JSON"), "{err}");
}

/// A proxy's or SSO's error page may echo the request URL; the error keeps
/// the page's start, but not the query values the call sent.
#[test]
fn a_foreign_error_page_echoing_the_url_loses_the_query_values() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        then.status(502).header("content-type", "text/html").body(
            "<html><body>Bad gateway for /admin/identities?credentials_identifier=ada.lovelace%40example.com \
             (ada.lovelace@example.com) page_token=tok-ZZZ</body></html>",
        );
    });
    let err = client_without_retries(&server, "ory_pat_x")
        .list_identities()
        .credentials_identifier("ada.lovelace@example.com")
        .page_token("tok-ZZZ")
        .send()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("ada.lovelace"), "{shown}");
    assert!(!shown.contains("tok-ZZZ"), "{shown}");
    assert!(shown.contains("Bad gateway"), "{shown}");
}

/// An id or external id the user passed is often an email. A proxy's page
/// that echoes the request's path (as it was sent, decoded, lower-cased or
/// form-encoded) must not carry it into the error; a UUID may stay, it
/// names no one. Issue 25: the path's values were not scrubbed, only the
/// key and the query's.
#[test]
fn an_id_that_is_not_a_uuid_never_appears_in_an_error() {
    const EMAIL: &str = "Ada.Lovelace@example.com";
    const NAMED: &str = "Grace Hopper+1";
    let echo = format!(
        "<html><body>502 Bad Gateway: no upstream for /admin/identities/{IDENTITY_ID} \
         /admin/identities/by/external/Ada.Lovelace%40example.com \
         /admin/identities/by/external/ada.lovelace%40example.com \
         /admin/identities/ada.lovelace@example.com/credentials/oidc \
         /admin/identities/Grace%20Hopper%2B1 /admin/identities/Grace+Hopper%2B1 \
         /admin/identities/Grace+Hopper+1 (Grace Hopper+1) (grace hopper+1)</body></html>"
    );
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(502)
            .header("content-type", "text/html")
            .body(&echo);
    });
    let client = secret_client(&server);
    let errors = [
        (
            EMAIL,
            client.get_identity_by_external_id(EMAIL).send().map(drop),
        ),
        (EMAIL, client.get_identity(EMAIL).send().map(drop)),
        (NAMED, client.get_identity(NAMED).send().map(drop)),
        (
            EMAIL,
            client
                .delete_identity_credentials(EMAIL, "oidc")
                .send()
                .map(drop),
        ),
        (NAMED, client.delete_identity(NAMED).send().map(drop)),
        (
            IDENTITY_ID,
            client.get_identity(IDENTITY_ID).send().map(drop),
        ),
    ]
    .map(|(value, result)| (value, result.unwrap_err()));
    for (value, err) in &errors {
        let display = shown(err);
        let forms: &[&str] = match *value {
            EMAIL => &["lovelace", "Lovelace", "%40example"],
            NAMED => &["Hopper", "hopper"],
            _ => &[],
        };
        for text in chain(err).into_iter().chain([format!("{err:?}"), display]) {
            for form in forms {
                assert!(!text.contains(form), "{form} leaked: {text}");
            }
            assert!(text.contains("502 Bad Gateway: no upstream for"), "{text}");
            // A UUID names no one, and Kratos's messages name ids usefully.
            assert!(text.contains(IDENTITY_ID), "{text}");
        }
    }
    // The builder's Debug never showed the id; it still does not.
    let builder = client.get_identity_by_external_id(EMAIL);
    assert!(!format!("{builder:?}").contains("ovelace"), "{builder:?}");
}

/// The HTTP stack's own message may quote the whole URL: a user's agent
/// configured for HTTPS only refuses `http://` with it. The values of the
/// request in it are scrubbed, like those of any other message.
#[test]
fn the_http_stack_s_message_loses_the_request_s_values() {
    let agent: kratos_identity::ureq::Agent = kratos_identity::ureq::Agent::config_builder()
        .https_only(true)
        .build()
        .into();
    let client = IdentityClient::builder("http://127.0.0.1:9")
        .agent(agent)
        .max_retries(0)
        .build()
        .unwrap();
    let errors = [
        client
            .get_identity_by_external_id("ada.lovelace@example.com")
            .send()
            .map(drop),
        client
            .list_identities()
            .credentials_identifier("ada.lovelace@example.com")
            .send()
            .map(drop),
    ]
    .map(Result::unwrap_err);
    for err in &errors {
        let messages = chain(err);
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[1].contains("https only"), "{messages:?}");
        for text in messages.into_iter().chain([format!("{err:?}")]) {
            assert!(!text.contains("lovelace"), "{text}");
        }
    }
}

/// Scrubbing takes out what is personal or secret, not the words the crate
/// itself sent: Kratos's messages name credential types, expansions,
/// numbers and ids, and a message without them is no use. Issue 25: every
/// query value of 3 characters or more was erased (`The … hash of
/// identity 1 is invalid`, `could not find … for this session`).
#[test]
fn kratos_s_messages_keep_the_words_the_crate_sent() {
    const EMAIL: &str = "ada.lovelace@example.com";
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(
            then,
            400,
            &format!(
                r#"{{"error":{{"code":400,"message":"The password hash of identity 1 is invalid","reason":"ids {IDENTITY_ID}, page_size 250 (strong), {EMAIL}, token tok-ZZZ"}}}}"#
            ),
        );
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("/admin/sessions/{IDENTITY_ID}"));
        json(
            then,
            404,
            r#"{"error":{"code":404,"message":"Unable to locate the resource","reason":"could not find identity for this session"}}"#,
        );
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        json(
            then,
            500,
            r#"{"error":{"code":500,"message":"listing sessions with active=true and expand=devices failed"}}"#,
        );
    });
    let client = secret_client(&server);

    let err = client
        .list_identities()
        .include_credential(["password"])
        .consistency("strong")
        .page_size(250)
        .ids([IDENTITY_ID])
        .credentials_identifier(EMAIL)
        .page_token("tok-ZZZ")
        .send()
        .unwrap_err();
    assert_eq!(
        shown(&err),
        format!(
            "HTTP 400 Bad Request: The password hash of identity 1 is invalid (ids {IDENTITY_ID}, page_size 250 (strong), …, token …)"
        )
    );
    assert!(!format!("{err:?}").contains("ovelace"), "{err:?}");
    assert!(!format!("{err:?}").contains("tok-ZZZ"), "{err:?}");

    let err = client
        .get_session(IDENTITY_ID)
        .expand(["identity"])
        .send()
        .unwrap_err();
    assert_eq!(
        shown(&err),
        "HTTP 404 Not Found: Unable to locate the resource (could not find identity for this session)"
    );

    let err = client
        .list_sessions()
        .active(true)
        .expand(["devices"])
        .send()
        .unwrap_err();
    assert_eq!(
        shown(&err),
        "HTTP 500 Internal Server Error: listing sessions with active=true and expand=devices failed"
    );
}

/// A server that asks for a longer wait than `max_retry_after` allows gets
/// its 429 back at once: no wait, no retry.
#[test]
fn a_retry_after_beyond_the_limit_returns_the_429_unwaited() {
    let server = MockServer::start();
    for (retry_after, header) in [
        ("retry-after", "120"),
        ("x-ratelimit-reset", "120"),
        ("retry-after", "Wed, 21 Oct 2099 07:28:00 GMT"),
    ] {
        let mut limited = server.mock(|when, then| {
            when.method(GET);
            then.status(429).header(retry_after, header);
        });
        let client = IdentityClient::builder(server.base_url())
            .retry(RetryPolicy::default().max_retry_after(Duration::from_secs(60)))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client.list_identities().send().unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{retry_after}: {header}"
        );
        assert_eq!(err.status(), Some(429), "{err}");
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        limited.assert_calls(1);
        limited.delete();
    }
    // Within the limit, it is waited out and retried.
    let limited = server.mock(|when, then| {
        when.method(GET);
        then.status(429).header("retry-after", "1");
    });
    limited.up_to_n_times(1);
    let ok = server.mock(|when, then| {
        when.method(GET);
        then.status(200).body("[]");
    });
    let client = IdentityClient::builder(server.base_url())
        .retry(RetryPolicy::default().max_retry_after(Duration::from_secs(1)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let _ = client.list_identities().send().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    ok.assert_calls(1);
}

/// An identity schema's id names configuration, not a person: Kratos's
/// message about it keeps it (scrubbing it erased the word "default" from
/// every message), and logs show the path with it.
#[test]
fn a_schema_id_is_not_scrubbed() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        json(
            then,
            404,
            r#"{"error":{"code":404,"status":"Not Found","message":"The requested resource could not be found","reason":"no schema default; the default schema is configured elsewhere"}}"#,
        );
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    let err = client.get_identity_schema("default").send().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("(no schema default; the default schema is configured elsewhere)"),
        "{text}"
    );
}
