//! Safe by default: one test per finding of the review and of the eight
//! jobs written as new users would (issue 18), numbered as the issue
//! numbers them. Findings whose tests live beside the code they concern
//! say where.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::within;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use kratos_identity::{
    ConfigErrorKind, CreateRecoveryCodeForIdentityBody, Error, IdentityClient, InvalidInputKind,
    PaginationErrorKind, RetryPolicy,
};

const ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
const KEY: &str = "ory_pat_s3cret_do_not_show_me_1234";
const NOT_FOUND: &str = r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource","reason":"could not find identity"}}"#;

fn identity_json() -> String {
    format!(
        r#"{{"id":"{ID}","schema_id":"default","schema_url":"","state":"active","traits":{{"email":"ada@example.com"}}}}"#
    )
}

/// An error and its causes on one line, each once, as `anyhow`'s `{:#}`
/// writes them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn fast_retries(server: &MockServer) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

// ----------------------------------------------- calls that wait, fail or succeed wrongly

/// Finding 1: A pacing wait longer than `max_retry_after` is not slept: the next
/// call fails at once as rate limited, saying when to come back, and is not
/// sent. Both the one-hour reset and the absurd window found by fuzzing.
#[test]
fn p01_a_pacing_wait_past_max_retry_after_fails_at_once_unsent() {
    for (limit, reset) in [("10", "3600"), ("1;w=1e300", "1")] {
        let server = MockServer::start();
        let get = server.mock(|when, then| {
            when.method(GET).path(format!("/admin/identities/{ID}"));
            then.status(200)
                .header("content-type", "application/json")
                .header("x-ratelimit-limit", limit)
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset)
                .body(identity_json());
        });
        let client = IdentityClient::new(server.base_url()).unwrap();
        client.get_identity(ID).send().unwrap();
        let error = within(Duration::from_secs(20), move || {
            client.get_identity(ID).send().unwrap_err()
        });
        get.assert_calls(1);
        assert!(
            matches!(error, Error::RateLimited { .. }),
            "{limit}: {error:?}"
        );
        assert!(error.is_rate_limited());
        let back = error.retry_after().expect("says when to come back");
        assert!(back > Duration::from_secs(60), "{limit}: {back:?}");
        let shown = error.to_string();
        assert!(
            shown.starts_with("get_identity (GET /admin/identities/{id})"),
            "{shown}"
        );
    }
}

/// Finding 1, the other half: a block that the answers announce is honoured
/// without a request, but one request goes through every `max_retry_after`
/// to see whether it is back, so odd headers from a proxy (or a block that
/// ended early) do not hold the bucket for the whole hour.
#[test]
fn p01_one_request_a_period_sees_whether_the_budget_is_back() {
    let server = MockServer::start();
    let mut blocked = server.mock(|when, then| {
        when.method(GET).path(format!("/admin/identities/{ID}"));
        then.status(200)
            .header("content-type", "application/json")
            .header("x-ratelimit-limit", "10")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "3600")
            .body(identity_json());
    });
    let client = IdentityClient::builder(server.base_url())
        .retry(RetryPolicy::default().max_retry_after(Duration::from_millis(300)))
        .build()
        .unwrap();
    client.get_identity(ID).send().unwrap();
    // Refused at once, twice: the first refusal starts the period.
    for _ in 0..2 {
        let error = client.get_identity(ID).send().unwrap_err();
        assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    }
    blocked.assert_calls(1);
    blocked.delete();
    let fine = server.mock(|when, then| {
        when.method(GET).path(format!("/admin/identities/{ID}"));
        then.status(200)
            .header("content-type", "application/json")
            .header("x-ratelimit-limit", "10")
            .header("x-ratelimit-remaining", "9")
            .header("x-ratelimit-reset", "1")
            .body(identity_json());
    });
    std::thread::sleep(Duration::from_millis(1_100));
    // One request goes to see; its answer says the budget is back.
    client.get_identity(ID).send().unwrap();
    client.get_identity(ID).send().unwrap();
    fine.assert_calls(2);
}

/// Finding 2, for the import: `deadline(d)` bounds each batch request, and
/// a zero one is refused before anything is sent.
#[test]
fn p02_an_import_has_a_deadline_for_each_batch_request() {
    use kratos_identity::{CreateIdentityBody, Operation};
    use kratos_identity_fake::{FakeKratos, Fault};

    let people = || {
        (0..3).map(|i| {
            CreateIdentityBody::new(
                "default",
                serde_json::json!({ "email": format!("d{i}@example.com") }),
            )
        })
    };
    let kratos = FakeKratos::start();
    kratos.add_fault(
        Fault::on(Operation::BATCH_PATCH_IDENTITIES)
            .stall(Duration::from_secs(5))
            .next(1),
    );
    let started = Instant::now();
    let report = kratos
        .client()
        .import_identities(people())
        .resolve_unknown(false)
        .deadline(Duration::from_millis(400))
        .send();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.total, 3, "{report}");
    assert!(
        report.failures.iter().all(|f| !f.error.is_safe_to_resend()),
        "{report}"
    );

    let kratos = FakeKratos::start();
    let report = kratos
        .client()
        .import_identities(people())
        .deadline(Duration::ZERO)
        .send();
    assert!(report.stopped().is_some(), "{report}");
    assert_eq!(kratos.identity_count(), 0);
}

/// A server that accepts connections and never answers.
fn silent_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

/// Finding 2: `deadline` bounds a whole call, attempts and backoff included: a
/// hung server with a 300 ms timeout and four attempts allowed is given up
/// at the 700 ms deadline, and the error says the deadline ended it.
#[test]
fn p02_a_deadline_bounds_the_whole_call() {
    let (port, accepted) = silent_server();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_millis(300))
        .deadline(Duration::from_millis(700))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(50)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = within(Duration::from_secs(20), move || {
        client.get_identity(ID).send().unwrap_err()
    });
    let took = started.elapsed();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        (2..=3).contains(&accepted.load(Ordering::SeqCst)),
        "attempts {}",
        accepted.load(Ordering::SeqCst)
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    let shown = error.to_string();
    assert!(shown.contains("deadline"), "{shown}");

    // A call's own deadline replaces the client's.
    let (port, _) = silent_server();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let error = within(Duration::from_secs(20), move || {
        client
            .get_identity(ID)
            .deadline(Duration::from_millis(200))
            .send()
            .unwrap_err()
    });
    assert!(error.is_timeout(), "{error:?}");
}

/// Finding 3: `send()` of a list fails when an item does not decode; the lenient
/// call has its own name, and `items()` yields the bad item as its own
/// error between the good ones.
#[test]
fn p03_send_of_a_list_refuses_a_page_that_lost_items() {
    let server = MockServer::start();
    let good = identity_json();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200)
            .header("content-type", "application/json")
            .header(
                "link",
                r#"</admin/identities?page_size=250&page_token=x>; rel="first""#,
            )
            .body(format!(r#"[{good}, {{"id": "not-an-identity"}}, {good}]"#));
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    let error = client
        .list_identities()
        .credentials_identifier("ada@example.com")
        .send()
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let shown = error.to_string();
    assert!(!shown.contains("ada@example.com"), "{shown}");

    let page = client.list_identities().send_lenient().unwrap();
    assert_eq!((page.len(), page.errors().len()), (2, 1));
    let kinds: Vec<bool> = client
        .list_identities()
        .items()
        .map(|i| i.is_ok())
        .collect();
    assert_eq!(kinds, [true, false, true]);
}

/// Finding 4: A full page without any `Link` header (a proxy stripped it) does not
/// end the listing as finished: it is an error that says so.
#[test]
fn p04_a_full_page_without_a_link_header_is_not_the_end() {
    let server = MockServer::start();
    let good = identity_json();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200)
            .header("content-type", "application/json")
            .body(format!("[{good}, {good}]"));
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    let mut items = client.list_identities().page_size(2).items();
    assert!(items.next().unwrap().is_ok());
    assert!(items.next().unwrap().is_ok());
    let error = items.next().expect("an error, not the end").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Pagination {
                kind: PaginationErrorKind::MissingLink,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!items.is_finished());
    assert!(items.next().is_none());

    // A page that is not full is the last one, with or without a Link.
    let mut short = client.list_identities().page_size(3).items();
    assert_eq!(short.by_ref().filter(Result::is_ok).count(), 2);
    assert!(short.is_finished());
}

/// Finding 5: `Link` values that are not a `next` link (a CDN's preload hint, a
/// malformed one) are passed over; the `next` link is followed.
#[test]
fn p05_links_that_are_not_next_do_not_fail_a_good_page() {
    let server = MockServer::start();
    let good = identity_json();
    let second = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param("page_token", "t2");
        then.status(200)
            .header("content-type", "application/json")
            .header(
                "link",
                r#"</admin/identities?page_size=1&page_token=t1>; rel="first""#,
            )
            .body("[]");
    });
    let first = server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200)
            .header("content-type", "application/json")
            .header(
                "link",
                r#"<https://cdn.example/app.css>; rel=preload, <not a link, </admin/identities?page_size=1&page_token=t2>; rel="next""#,
            )
            .body(format!("[{good}]"));
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    let all: Vec<_> = client
        .list_identities()
        .page_size(1)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 1);
    first.assert_calls(1);
    second.assert_calls(1);
}

/// Finding 6: A DELETE whose first attempt worked but was answered 502 by a proxy,
/// and whose retry finds the identity gone: the goal holds, so Ok.
#[test]
fn p06_a_retried_delete_that_finds_it_gone_succeeded() {
    let server = MockServer::start();
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&attempts);
    let delete = server.mock(|when, then| {
        when.method(DELETE).path(format!("/admin/identities/{ID}"));
        then.respond_with(move |_: &HttpMockRequest| {
            match seen.fetch_add(1, Ordering::SeqCst) {
                // The identity is deleted, then the proxy times out.
                0 => HttpMockResponse::builder()
                    .status(502)
                    .body("<html>502 Bad Gateway</html>")
                    .build(),
                _ => HttpMockResponse::builder()
                    .status(404)
                    .header("content-type", "application/json")
                    .body(NOT_FOUND)
                    .build(),
            }
        });
    });
    // Ok, and it says how: gone on the retry, which proves nothing about
    // whether the identity ever existed (issue 25: it was `Ok(())`).
    let found = fast_retries(&server).delete_identity(ID).send().unwrap();
    assert_eq!(found, kratos_identity::Deleted::GoneOnRetry);
    delete.assert_calls(2);

    // A 404 at the first attempt is still an error.
    attempts.store(1, Ordering::SeqCst);
    let error = fast_retries(&server)
        .delete_identity(ID)
        .send()
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

/// Finding 7: `missing_ok(true)` counts only Kratos's own 404 envelope as "already
/// gone": a proxy's empty 404 (no route) is an error.
#[test]
fn p07_missing_ok_is_not_fooled_by_an_empty_404() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        then.status(404);
    });
    let error = IdentityClient::new(server.base_url())
        .unwrap()
        .delete_identity(ID)
        .missing_ok(true)
        .send()
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
}

// Finding 8: A server that refuses every batch stops the import: tests/import.rs,
// `a_server_that_refuses_every_input_stops_the_import_after_three_lone_refusals`.

// ---------------------------------------------------------- errors a program can act on

/// Finding 9: A 429 is `Error::Api` whether or not the retries ran out; the number
/// of attempts is carried, not a wrapper.
#[test]
fn p09_one_failure_has_one_shape_whatever_the_attempts() {
    let server = MockServer::start();
    let get = server.mock(|when, then| {
        when.method(GET);
        then.status(503)
            .header("content-type", "application/json")
            .body(r#"{"error":{"code":503,"status":"Service Unavailable","message":"down"}}"#);
    });
    let once = IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
        .get_identity(ID)
        .send()
        .unwrap_err();
    let retried = fast_retries(&server).get_identity(ID).send().unwrap_err();
    get.assert_calls(1 + 4);
    assert!(matches!(once, Error::Api(_)) && matches!(retried, Error::Api(_)));
    assert_eq!((once.attempts(), retried.attempts()), (1, 4));
    assert!(retried.to_string().contains("4 attempts"), "{retried}");
}

/// Finding 10: `InvalidInput`, `Config` and `Pagination` carry the operation and a
/// kind to match on.
#[test]
fn p10_input_and_config_errors_have_kinds_and_name_the_call() {
    let client = IdentityClient::new("http://127.0.0.1:9").unwrap();
    let cases = [
        (
            client.list_identities().ids(["nope"]).send().unwrap_err(),
            InvalidInputKind::NotAUuid,
        ),
        (
            client
                .list_identities()
                .credentials_identifier("")
                .send()
                .unwrap_err(),
            InvalidInputKind::Empty,
        ),
        (
            client
                .list_identities()
                .ids((0..501).map(|i| format!("00000000-0000-4000-8000-{i:012}")))
                .send()
                .unwrap_err(),
            InvalidInputKind::TooMany,
        ),
    ];
    for (error, kind) in cases {
        assert_eq!(error.invalid_input_kind(), Some(kind), "{error:?}");
        assert_eq!(error.operation().map(|o| o.name()), Some("list_identities"));
    }
    let error = IdentityClient::new("").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Config {
                kind: ConfigErrorKind::BaseUrl,
                ..
            }
        ),
        "{error:?}"
    );
}

/// A server that answers every request with a proxy's 400 page echoing the
/// request's headers, the key among them.
fn echoing_proxy() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = format!("<html><h1>400 Bad Request</h1><pre>{request}</pre></html>");
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Finding 11: The API key never appears in an error, even when a proxy echoes the
/// `Authorization` header back: not in `Display`, `{:#}` or `Debug`.
#[test]
fn p11_a_proxy_echoing_the_key_does_not_put_it_in_the_error() {
    let port = echoing_proxy();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .bearer_token(KEY)
        .max_retries(0)
        .build()
        .unwrap();
    let error = client
        .list_identities()
        .credentials_identifier("ada@example.com")
        .send()
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    for shown in [error.to_string(), chain(&error), format!("{error:?}")] {
        assert!(!shown.contains(KEY), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("ada@example.com"), "{shown}");
    }
}

/// Finding 12: The path in an error is the path requested: a base URL that already
/// ends in `/admin` shows `/admin/admin/identities/{id}`, never a value.
#[test]
fn p12_the_error_shows_the_path_really_requested() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(404);
    });
    let client = IdentityClient::builder(format!("{}/admin", server.base_url()))
        .max_retries(0)
        .build()
        .unwrap();
    let error = client.get_identity(ID).send().unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains("GET /admin/admin/identities/{id}"),
        "{shown}"
    );
    assert!(!shown.contains(ID), "{shown}");
}

// ------------------------------------------------------------------- API that hurts

// Finding 13: `#[must_use]` on `ImportReport`, the import's `send()` and
// `ImportOutcomes`: a compile-time warning, seen in `cargo build` of
// `client.import_identities(v).send();` (no runtime test can observe it).

// Finding 14: `ClientBuilder::from_env()`: tests/client.rs, `from_env_reads_url_and_key`.

/// Finding 15: `ureq` is re-exported, so `agent(…)` can be given one without
/// depending on ureq's version separately.
#[test]
fn p15_ureq_is_reexported_for_agent() {
    let agent: kratos_identity::ureq::Agent = kratos_identity::ureq::Agent::new_with_defaults();
    IdentityClient::builder("http://127.0.0.1:4434")
        .agent(agent)
        .build()
        .unwrap();
}

/// Finding 16: A body keeps what the user gave until `send()` checks it: no hidden
/// flag, no nil UUID in a public field.
#[test]
fn p16_bodies_keep_what_was_given_and_send_refuses_it() {
    let typo = CreateRecoveryCodeForIdentityBody::new("typo");
    assert_eq!(typo.identity_id, "typo");
    assert_ne!(typo, CreateRecoveryCodeForIdentityBody::new("other-typo"));
    assert_eq!(typo, CreateRecoveryCodeForIdentityBody::new("typo"));
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let error = IdentityClient::new(server.base_url())
        .unwrap()
        .create_recovery_code_for_identity(typo)
        .send()
        .unwrap_err();
    any.assert_calls(0);
    assert_eq!(error.invalid_input_kind(), Some(InvalidInputKind::NotAUuid));
}

/// Finding 17: `include_all_credentials()` asks for every credential type the
/// server has (its version, asked once per client).
#[test]
fn p17_include_all_credentials_names_every_type_of_the_server() {
    let server = MockServer::start();
    let version = server.mock(|when, then| {
        when.method(GET).path("/version");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"version":"v26.2.0"}"#);
    });
    let list = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param("include_credential", "password")
            .query_param("include_credential", "oidc")
            .query_param("include_credential", "totp")
            .query_param("include_credential", "lookup_secret")
            .query_param("include_credential", "webauthn")
            .query_param("include_credential", "passkey")
            .query_param("include_credential", "saml");
        then.status(200)
            .header("content-type", "application/json")
            .body("[]");
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    client
        .list_identities()
        .include_all_credentials()
        .send()
        .unwrap();
    client
        .list_identities()
        .include_all_credentials()
        .send()
        .unwrap();
    version.assert_calls(1);
    list.assert_calls(2);
}

/// Finding 18: `RetryPolicy`'s settings are fields (no `get_*`), and
/// `Identity::credential` takes a plain string.
#[test]
fn p18_settings_are_fields_and_credential_takes_a_string() {
    let policy = RetryPolicy::default().max_retries(5);
    assert_eq!(policy.max_retries, 5);
    assert_eq!(policy.max_retry_after, Duration::from_secs(60));
    let identity: kratos_identity::Identity = serde_json::from_str(&format!(
        r#"{{"id":"{ID}","schema_id":"default","schema_url":"","traits":{{}},
             "credentials":{{"password":{{"type":"password","identifiers":["ada@example.com"]}}}}}}"#
    ))
    .unwrap();
    assert!(identity.credential("password").is_some());
    assert!(identity.credential(String::from("totp")).is_none());
}
