//! Lazy pagination against a mock Kratos: the three `Link` schemes, the
//! caller's filters and key on every page, the client's own base URL
//! whatever the links name, limits, loops, errors, retries and the prefetch
//! thread. Every test checks each request made (the hits on every mock, and
//! a catch-all that must stay unused) and the items in order.

use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, When};
use kratos_identity::{Error, Identity, IdentityClient, RetryPolicy, Session};
use serde_json::{Value, json};
use uuid::Uuid;

// ------------------------------------------------------------------ helpers

/// The name the crate gives its prefetch thread (a detail of the crate, not
/// part of its API: tests look for it in `/proc`).
const PREFETCH_THREAD_NAME: &str = "kratos-prefetch";

const TOKEN: &str = "ory_pat_pagination_test_key_0042";
const BEARER: &str = "Bearer ory_pat_pagination_test_key_0042";
const ORG_ID: &str = "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11";
const OWNER_ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
/// The token of Kratos's `rel="first"` link on identity lists.
const ZERO_TOKEN: &str = "00000000-0000-0000-0000-000000000000";
const ERROR_500: &str = include_str!("fixtures/pagination_error_500.json");

/// The id of test identity `n`; Kratos's identity page tokens are the id of
/// the last identity of the previous page.
fn identity_id(n: u32) -> Uuid {
    Uuid::parse_str(&format!("9f425a8d-7efc-4768-8f23-{n:012x}")).unwrap()
}

fn session_id(n: u32) -> Uuid {
    Uuid::parse_str(&format!("5b4b1c73-8e0d-4c6b-a8ad-{n:012x}")).unwrap()
}

/// The page token that follows identity `n`.
fn after(n: u32) -> String {
    identity_id(n).to_string()
}

fn identity_json(n: u32) -> Value {
    json!({
        "id": identity_id(n),
        "schema_id": "default",
        "schema_url": "http://127.0.0.1:4433/schemas/ZGVmYXVsdA",
        "state": "active",
        "state_changed_at": "2024-03-01T10:15:42.098765432+02:00",
        "traits": {"email": format!("user{n}@example.com")},
        "metadata_public": null,
        "metadata_admin": null,
        "created_at": "2024-03-01T10:15:42.098765432+02:00",
        "updated_at": "2024-03-01T10:15:42.098765432+02:00",
        "organization_id": ORG_ID
    })
}

fn session_json(n: u32) -> Value {
    json!({
        "id": session_id(n),
        "active": true,
        "expires_at": "2026-11-24T14:02:11.381925+01:00",
        "authenticated_at": "2026-11-23T14:02:11.381925+01:00",
        "authenticator_assurance_level": "aal1",
        "authentication_methods": [
            {"method": "password", "aal": "aal1", "completed_at": "2026-11-23T14:02:11.3818755+01:00"}
        ],
        "issued_at": "2026-11-23T14:02:11.381925+01:00",
        "devices": null,
        "identity": null
    })
}

fn schema_json(id: &str) -> Value {
    json!({
        "id": id,
        "schema": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"traits": {"type": "object"}}
        }
    })
}

/// The JSON array of identities `range`.
fn identities(range: Range<u32>) -> String {
    Value::Array(range.map(identity_json).collect()).to_string()
}

fn sessions(range: Range<u32>) -> String {
    Value::Array(range.map(session_json).collect()).to_string()
}

fn identity_ids(range: Range<u32>) -> Vec<Uuid> {
    range.map(identity_id).collect()
}

fn session_ids(range: Range<u32>) -> Vec<Uuid> {
    range.map(session_id).collect()
}

/// A client for `server` with the API key and no retries.
fn client(server: &MockServer) -> IdentityClient {
    client_at(&server.base_url())
}

fn client_at(base_url: &str) -> IdentityClient {
    IdentityClient::builder(base_url)
        .bearer_token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap()
}

/// Owned query pairs.
fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Matches when the decoded query holds exactly these pairs, in any order,
/// repeated keys counted, nothing else.
fn exact_query(when: When, pairs: Vec<(String, String)>) -> When {
    let mut expected = pairs;
    expected.sort();
    when.is_true(move |req: &HttpMockRequest| {
        let mut got = req.query_params();
        got.sort();
        got == expected
    })
}

/// One page: a GET of `path` with exactly `query` and the API key, answered
/// 200 with `body` and `headers` (a header may be given several times).
fn page<'a>(
    server: &'a MockServer,
    path: &str,
    query: Vec<(String, String)>,
    body: String,
    headers: &[(&str, &str)],
) -> Mock<'a> {
    server.mock(|when, then| {
        exact_query(
            when.method(GET).path(path).header("authorization", BEARER),
            query,
        );
        let mut then = then
            .status(200)
            .header("content-type", "application/json; charset=utf-8");
        // Kratos sends a Link header with every page, at least its `first`.
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("link"))
        {
            then = then.header("link", format!("<{path}>; rel=\"first\""));
        }
        for (name, value) in headers {
            then = then.header(*name, *value);
        }
        then.body(body);
    })
}

/// Answers every request no earlier mock matched with a 418 naming it.
/// Create it last; zero calls on it prove no unexpected request was made.
fn catch_all(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.respond_with(|req: &HttpMockRequest| {
            HttpMockResponse::builder()
                .status(418)
                .body(format!(
                    "unexpected request: {} {}",
                    req.method_str(),
                    req.uri_str()
                ))
                .build()
        });
    })
}

/// `<target>; rel="rel"` links, comma-joined without a space, as Kratos
/// sends them.
fn links(parts: &[(&str, &str)]) -> String {
    parts
        .iter()
        .map(|(rel, target)| format!("<{target}>; rel=\"{rel}\""))
        .collect::<Vec<_>>()
        .join(",")
}

/// What one iteration step gave, comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Item(Uuid),
    /// `Error::Pagination`.
    Pagination,
    /// `Error::Api` with this status.
    Api(u16),
    Other(String),
}

fn kind(error: &Error) -> Got {
    match error {
        Error::Pagination { .. } => Got::Pagination,
        Error::Api(api) => Got::Api(api.status),
        other => Got::Other(format!("{other:?}")),
    }
}

fn got(result: Result<Identity, Error>) -> Got {
    match result {
        Ok(identity) => Got::Item(identity.id),
        Err(e) => kind(&e),
    }
}

fn items(ids: Vec<Uuid>) -> Vec<Got> {
    ids.into_iter().map(Got::Item).collect()
}

/// Every id of an identity iteration; panics on an error.
fn ids_of(iter: impl Iterator<Item = Result<Identity, Error>>) -> Vec<Uuid> {
    iter.map(|r| r.expect("no error while paginating").id)
        .collect()
}

fn session_ids_of(iter: impl Iterator<Item = Result<Session, Error>>) -> Vec<Uuid> {
    iter.map(|r| r.expect("no error while paginating").id)
        .collect()
}

/// Strict percent-decoding (`%XX` only; `+` stays `+`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("a valid %XX escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The raw (still encoded) value of `key` in the request's query string.
fn raw_query_value(req: &HttpMockRequest, key: &str) -> Option<String> {
    let uri = req.uri();
    let query = uri.query()?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// Serializes the tests that start prefetch threads, so that counting the
/// threads of the process sees only the current test's.
static PREFETCH: Mutex<()> = Mutex::new(());

fn prefetch_lock() -> MutexGuard<'static, ()> {
    PREFETCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How many threads of this process carry the prefetch thread's name, or
/// `None` without `/proc`. Linux keeps 15 bytes of a thread name.
fn prefetch_threads() -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    let name = &PREFETCH_THREAD_NAME[..PREFETCH_THREAD_NAME.len().min(15)];
    Some(
        tasks
            .filter_map(Result::ok)
            .filter(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|comm| comm.trim_end_matches('\n') == name)
            })
            .count(),
    )
}

/// Asserts no prefetch thread is left. A dropped iterator leaves its thread
/// to finish the request it may have in flight and end by itself, so this
/// waits up to 2 s for it: far less than a thread that never ends.
fn assert_no_prefetch_thread() {
    assert_no_prefetch_thread_within(Duration::from_secs(2));
}

/// Asserts that every prefetch thread is gone within `wait`.
fn assert_no_prefetch_thread_within(wait: Duration) {
    let Some(mut count) = prefetch_threads() else {
        return;
    };
    let deadline = Instant::now() + wait;
    while count > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        count = prefetch_threads().unwrap_or(0);
    }
    assert_eq!(
        count, 0,
        "a {PREFETCH_THREAD_NAME:?} thread is still running after {wait:?}"
    );
}

/// The answer for page `k` (0-based) of a listing of `pages` pages of
/// `per_page` identities, with tokens `p1`, `p2`, …; a 500 for `fail_on`.
fn numbered_page(k: u32, pages: u32, per_page: u32, fail_on: Option<u32>) -> HttpMockResponse {
    if fail_on == Some(k) {
        return HttpMockResponse::builder()
            .status(500)
            .header("content-type", "application/json")
            .body(ERROR_500)
            .build();
    }
    let mut response = HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8");
    let first = format!("/admin/identities?page_size={per_page}&page_token={ZERO_TOKEN}");
    let next = format!(
        "/admin/identities?page_size={per_page}&page_token=p{}",
        k + 1
    );
    let header = if k + 1 < pages {
        links(&[("first", &first), ("next", &next)])
    } else {
        links(&[("first", &first)])
    };
    response = response.header("link", header);
    let start = k * per_page + 1;
    response.body(identities(start..start + per_page)).build()
}

/// Serves `pages` numbered pages of `per_page` identities at
/// `/admin/identities` (tokens `p1`, `p2`, …), recording the token of each
/// request (`""` for the first). Pages after the first take `delay`.
fn numbered_pages(
    server: &MockServer,
    pages: u32,
    per_page: u32,
    fail_on: Option<u32>,
    delay: Duration,
) -> Arc<Mutex<Vec<String>>> {
    let requested = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requested);
    server.mock(|when, then| {
        exact_query(
            when.method(GET)
                .path("/admin/identities")
                .header("authorization", BEARER),
            q(&[("page_size", &per_page.to_string())]),
        );
        then.respond_with(move |_: &HttpMockRequest| {
            seen.lock().unwrap().push(String::new());
            numbered_page(0, pages, per_page, fail_on)
        });
    });
    let seen = Arc::clone(&requested);
    server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .header("authorization", BEARER)
            .query_param("page_size", per_page.to_string())
            .query_param_matches("^page_token$", "^p[0-9]+$")
            .query_param_count(".*", ".*", 2);
        then.delay(delay)
            .respond_with(move |req: &HttpMockRequest| {
                let token = req
                    .query_params()
                    .into_iter()
                    .find(|(k, _)| k == "page_token")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                seen.lock().unwrap().push(token.clone());
                let k: u32 = token.trim_start_matches('p').parse().unwrap_or(u32::MAX);
                numbered_page(k, pages, per_page, fail_on)
            });
    });
    requested
}

/// The tokens of the first `n` requests of a numbered listing.
fn numbered_tokens(n: u32) -> Vec<String> {
    (0..n)
        .map(|k| {
            if k == 0 {
                String::new()
            } else {
                format!("p{k}")
            }
        })
        .collect()
}

// ------------------------------------------------------- 1. page tokens

#[test]
fn follows_relative_kratos_links_keeping_filters_and_key_on_every_page() {
    let server = MockServer::start();
    let wanted: Vec<String> = (1..=6).map(|n| identity_id(n).to_string()).collect();
    let mut filters: Vec<(&str, &str)> = wanted.iter().map(|id| ("ids", id.as_str())).collect();
    filters.push(("include_credential", "password"));
    filters.push(("organization_id", ORG_ID));
    // Kratos carries every other parameter over into its links (keys sorted, as Go encodes).
    let carried: String = filters.iter().map(|(k, v)| format!("{k}={v}&")).collect();
    let target = |token: &str| format!("/admin/identities?{carried}page_size=2&page_token={token}");
    let first = target(ZERO_TOKEN);
    let with = |extra: &[(&str, &str)]| [q(&filters), q(extra)].concat();

    let p1 = page(
        &server,
        "/admin/identities",
        with(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &first), ("next", &target(&after(2)))]),
        )],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        with(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[(
            "link",
            &links(&[("first", &first), ("next", &target(&after(4)))]),
        )],
    );
    let p3 = page(
        &server,
        "/admin/identities",
        with(&[("page_size", "2"), ("page_token", &after(4))]),
        identities(5..7),
        &[("link", &links(&[("first", &first)]))],
    );
    let stray = catch_all(&server);

    let got = ids_of(
        client(&server)
            .list_identities()
            .page_size(2)
            .ids(&wanted)
            .include_credential(["password"])
            .organization_id(ORG_ID)
            .items(),
    );

    assert_eq!(got, identity_ids(1..7));
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 2. absolute links

#[test]
fn follows_absolute_links_to_the_same_server() {
    let server = MockServer::start();
    let base = server.base_url();
    let port = server.port();
    let t = |token: &str| format!("{base}/admin/identities?page_size=2&page_token={token}");
    // `localhost` names the same server under another spelling.
    let t_localhost = |token: &str| {
        format!("http://localhost:{port}/admin/identities?page_size=2&page_token={token}")
    };
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t_localhost(&after(4)))]),
        )],
    );
    let p3 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(4))]),
        identities(5..6),
        &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
    );
    let stray = catch_all(&server);

    let got = ids_of(client(&server).list_identities().page_size(2).items());

    assert_eq!(got, identity_ids(1..6));
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 3. path prefix

#[test]
fn keeps_the_base_url_path_prefix_when_links_are_relative_to_the_root() {
    for prefix in ["/kratos", "/kratos/"] {
        let server = MockServer::start();
        let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
        let path = "/kratos/admin/identities";
        let p1 = page(
            &server,
            path,
            q(&[("page_size", "2")]),
            identities(1..3),
            &[(
                "link",
                &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
            )],
        );
        let p2 = page(
            &server,
            path,
            q(&[("page_size", "2"), ("page_token", &after(2))]),
            identities(3..5),
            &[(
                "link",
                &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(4)))]),
            )],
        );
        let p3 = page(
            &server,
            path,
            q(&[("page_size", "2"), ("page_token", &after(4))]),
            identities(5..7),
            &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
        );
        let root = server.mock(|when, then| {
            when.path("/admin/identities");
            then.status(404)
                .body("the proxy serves Kratos under /kratos only");
        });
        let stray = catch_all(&server);

        let client = client_at(&format!("{}{prefix}", server.base_url()));
        let got = ids_of(client.list_identities().page_size(2).items());

        assert_eq!(got, identity_ids(1..7), "prefix {prefix:?}");
        p1.assert_calls(1);
        p2.assert_calls(1);
        p3.assert_calls(1);
        root.assert_calls(0);
        stray.assert_calls(0);
    }
}

// ------------------------------------------------------- 4. legacy pages

#[test]
fn follows_legacy_page_and_per_page_links_with_total_count() {
    let server = MockServer::start();
    let t = |page: u32| format!("/admin/identities?page={page}&per_page=2");
    let (l0, l1, l2) = (t(0), t(1), t(2));
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page", "0"), ("per_page", "2")]),
        identities(1..3),
        &[
            ("x-total-count", "5"),
            (
                "link",
                &links(&[("first", &l0), ("next", &l1), ("last", &l2)]),
            ),
        ],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page", "1"), ("per_page", "2")]),
        identities(3..5),
        &[
            ("x-total-count", "5"),
            (
                "link",
                &links(&[("first", &l0), ("next", &l2), ("prev", &l0), ("last", &l2)]),
            ),
        ],
    );
    let p3 = page(
        &server,
        "/admin/identities",
        q(&[("page", "2"), ("per_page", "2")]),
        identities(5..6),
        &[
            ("x-total-count", "5"),
            ("link", &links(&[("first", &l0), ("prev", &l1)])),
        ],
    );
    let stray = catch_all(&server);

    let pages: Vec<_> = client(&server)
        .list_identities()
        .per_page(2)
        .page(0)
        .pages()
        .map(|p| p.expect("no error while paginating"))
        .collect();

    assert_eq!(pages.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 2, 1]);
    assert!(pages.iter().all(|p| p.total_count() == Some(5)));
    assert_eq!(
        pages.iter().map(|p| p.has_next()).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert!(pages.iter().all(|p| p.next_page_token().is_none()));
    let got: Vec<Uuid> = pages.into_iter().flatten().map(|i| i.id).collect();
    assert_eq!(got, identity_ids(1..6));
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 5. offset tokens

#[test]
fn an_identitys_sessions_come_each_once_although_kratos_numbers_pages_from_one() {
    // Kratos (v26.2.0 and master) reads this list's pages 0 and 1 as the
    // same first window, page n as window n - 1, and its Link header assumes
    // zero-based pages: following it gives s1 s2, s1 s2, s3 s4, and stops.
    // The client asks for the windows as Kratos reads them, and stops at
    // X-Total-Count: page 2 after the first page, then page 3.
    let server = MockServer::start();
    let path = format!("/admin/identities/{OWNER_ID}/sessions");
    let kratos_link = |page: i64| {
        let link =
            |p: i64| format!("{path}?active=true&page={p}&page_size=2&page_token=x{p}&per_page=2");
        links(&[("next", &link(page + 1)), ("last", &link(2))])
    };
    let at = |page: &str, token: &str| {
        q(&[
            ("active", "true"),
            ("page", page),
            ("page_size", "2"),
            ("page_token", token),
            ("per_page", "2"),
        ])
    };
    let first = page(
        &server,
        &path,
        q(&[("active", "true"), ("page_size", "2")]),
        sessions(1..3),
        &[("x-total-count", "5"), ("link", &kratos_link(0))],
    );
    // {"offset":"4","v":2}: page 4 / 2 = 2, the second window.
    let second = page(
        &server,
        &path,
        at("2", "eyJvZmZzZXQiOiI0IiwidiI6Mn0"),
        sessions(3..5),
        &[("x-total-count", "5"), ("link", &kratos_link(2))],
    );
    // Kratos's own header says the page above was the last; it was not.
    let third = page(
        &server,
        &path,
        at("3", "eyJvZmZzZXQiOiI2IiwidiI6Mn0"),
        sessions(5..6),
        &[("x-total-count", "5"), ("link", &kratos_link(3))],
    );
    let stray = catch_all(&server);

    let pages: Vec<_> = client(&server)
        .list_identity_sessions(OWNER_ID)
        .active(true)
        .page_size(2)
        .pages()
        .map(|p| p.expect("no error while paginating"))
        .collect();

    assert_eq!(pages.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 2, 1]);
    assert!(pages.iter().all(|p| p.total_count() == Some(5)));
    let got: Vec<Uuid> = pages.into_iter().flatten().map(|s| s.id).collect();
    assert_eq!(got, session_ids(1..6));
    first.assert_calls(1);
    second.assert_calls(1);
    third.assert_calls(1);
    stray.assert_calls(0);
}

#[test]
fn an_empty_offset_collection_ends_after_one_request_despite_its_next_link() {
    let server = MockServer::start();
    let t = |page: i64| {
        format!(
            "/schemas?page={page}&page_size=250&page_token={}&per_page=250",
            page + 1
        )
    };
    let empty = page(
        &server,
        "/schemas",
        Vec::new(),
        "[]".into(),
        &[
            ("x-total-count", "0"),
            (
                "link",
                &links(&[("first", &t(0)), ("next", &t(1)), ("prev", &t(-1))]),
            ),
        ],
    );
    let stray = catch_all(&server);

    let mut iter = client(&server).list_identity_schemas().items();
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    drop(iter);
    assert_eq!(client(&server).list_identity_schemas().pages().count(), 0);

    empty.assert_calls(2);
    stray.assert_calls(0);
}

#[test]
fn schemas_end_after_the_empty_page_that_follows_a_short_last_page() {
    let server = MockServer::start();
    let t = |page: i64| {
        format!(
            "/schemas?page={page}&page_size=2&page_token={}&per_page=2",
            page + 1
        )
    };
    let offset_links = |page: i64| {
        links(&[
            ("first", &t(0)),
            ("next", &t(page + 1)),
            ("prev", &t(page - 1)),
            ("last", &t(1)),
        ])
    };
    let at = |page: &str, token: &str| {
        q(&[
            ("page", page),
            ("page_size", "2"),
            ("page_token", token),
            ("per_page", "2"),
        ])
    };
    let body =
        |ids: &[&str]| Value::Array(ids.iter().map(|id| schema_json(id)).collect()).to_string();
    let p1 = page(
        &server,
        "/schemas",
        q(&[("page_size", "2")]),
        body(&["default", "customer"]),
        &[("x-total-count", "3"), ("link", &offset_links(0))],
    );
    let p2 = page(
        &server,
        "/schemas",
        at("1", "2"),
        body(&["admin"]),
        &[("x-total-count", "3"), ("link", &offset_links(1))],
    );
    let p3 = page(
        &server,
        "/schemas",
        at("2", "3"),
        "[]".into(),
        &[("x-total-count", "3"), ("link", &offset_links(2))],
    );
    let stray = catch_all(&server);

    let got: Vec<String> = client(&server)
        .list_identity_schemas()
        .page_size(2)
        .items()
        .map(|s| s.expect("no error while paginating").id)
        .collect();

    assert_eq!(got, ["default", "customer", "admin"]);
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 6. limits

/// Serves identities 1..=6 in three pages of two, runs `run` against it,
/// and returns the calls on each page.
fn with_three_pages(run: impl FnOnce(&IdentityClient)) -> [usize; 3] {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let mocks = [
        page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2")]),
            identities(1..3),
            &[(
                "link",
                &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
            )],
        ),
        page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2"), ("page_token", &after(2))]),
            identities(3..5),
            &[(
                "link",
                &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(4)))]),
            )],
        ),
        page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2"), ("page_token", &after(4))]),
            identities(5..7),
            &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
        ),
    ];
    let stray = catch_all(&server);
    run(&client(&server));
    stray.assert_calls(0);
    mocks.map(|m| m.calls())
}

#[test]
fn item_limit_stops_mid_page_without_fetching_further() {
    let calls = with_three_pages(|c| {
        let got = ids_of(c.list_identities().page_size(2).items().limit(3));
        assert_eq!(got, identity_ids(1..4));
    });
    assert_eq!(calls, [1, 1, 0]);

    // A limit that ends exactly on a page boundary needs no further request.
    let calls = with_three_pages(|c| {
        let got = ids_of(c.list_identities().page_size(2).items().limit(2));
        assert_eq!(got, identity_ids(1..3));
    });
    assert_eq!(calls, [1, 0, 0]);

    let calls = with_three_pages(|c| {
        assert_eq!(c.list_identities().page_size(2).items().limit(0).count(), 0);
    });
    assert_eq!(calls, [0, 0, 0]);

    let calls = with_three_pages(|c| {
        let got = ids_of(c.list_identities().page_size(2).items().limit(100));
        assert_eq!(got, identity_ids(1..7));
    });
    assert_eq!(calls, [1, 1, 1]);
}

#[test]
fn max_pages_stops_after_that_many_pages() {
    let calls = with_three_pages(|c| {
        let got = ids_of(c.list_identities().page_size(2).items().max_pages(2));
        assert_eq!(got, identity_ids(1..5));
    });
    assert_eq!(calls, [1, 1, 0]);

    let calls = with_three_pages(|c| {
        let pages: Vec<usize> = c
            .list_identities()
            .page_size(2)
            .pages()
            .max_pages(1)
            .map(|p| p.unwrap().len())
            .collect();
        assert_eq!(pages, [2]);
    });
    assert_eq!(calls, [1, 0, 0]);
}

#[test]
fn page_limit_truncates_the_last_page() {
    let calls = with_three_pages(|c| {
        let pages: Vec<Vec<Uuid>> = c
            .list_identities()
            .page_size(2)
            .pages()
            .limit(3)
            .map(|p| p.unwrap().into_items().into_iter().map(|i| i.id).collect())
            .collect();
        assert_eq!(pages, [identity_ids(1..3), identity_ids(3..4)]);
    });
    assert_eq!(calls, [1, 1, 0]);
}

#[test]
fn invalid_paging_input_is_one_error_and_no_request() {
    let server = MockServer::start();
    let stray = catch_all(&server);
    let mut iter = client(&server).list_identities().page_size(0).items();
    match iter.next() {
        Some(Err(Error::InvalidInput { .. })) => {}
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    stray.assert_calls(0);
}

// ------------------------------------------------------- 7. session tokens

#[test]
fn session_tokens_in_base64_are_percent_encoded_and_round_trip_exactly() {
    const T2: &str = "eyJleHBpcmVzX2F0IjoiMjAyNi0xMS0yNCJ9+/A=";
    const T3: &str = "MjAyNi0xMS0yM1QxNDowMjoxMS4zODE5MjUr/wE+Zz==";
    let server = MockServer::start();
    // Go encodes every reserved character of the token …
    let go_encoded = T2
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    // … a proxy may leave `/` and `=` bare (still valid in a query value).
    let loosely_encoded = T3.replace('+', "%2B");
    let t = |token: &str| {
        format!("/admin/sessions?active=true&expand=identity&page_size=2&page_token={token}")
    };
    let filters = [
        ("active", "true"),
        ("expand", "identity"),
        ("page_size", "2"),
    ];
    let first = t("MA%3D%3D");

    // The token goes out percent-encoded, and decodes to exactly the token.
    let encoded_exactly = |token: &'static str| {
        move |req: &HttpMockRequest| {
            raw_query_value(req, "page_token").is_some_and(|raw| {
                !raw.contains(['+', '=', '&', ' ']) && percent_decode(&raw) == token
            })
        }
    };
    let p1 = page(
        &server,
        "/admin/sessions",
        q(&filters),
        sessions(1..3),
        &[(
            "link",
            &links(&[("first", &first), ("next", &t(&go_encoded))]),
        )],
    );
    let p2 = server.mock(|when, then| {
        let when = when
            .method(GET)
            .path("/admin/sessions")
            .header("authorization", BEARER)
            .is_true(encoded_exactly(T2));
        exact_query(when, [q(&filters), q(&[("page_token", T2)])].concat());
        then.status(200)
            .header(
                "link",
                links(&[("first", &first), ("next", &t(&loosely_encoded))]),
            )
            .body(sessions(3..5));
    });
    let p3 = server.mock(|when, then| {
        let when = when
            .method(GET)
            .path("/admin/sessions")
            .header("authorization", BEARER)
            .is_true(encoded_exactly(T3));
        exact_query(when, [q(&filters), q(&[("page_token", T3)])].concat());
        then.status(200)
            .header("link", links(&[("first", &first)]))
            .body(sessions(5..6));
    });
    let stray = catch_all(&server);

    let pages: Vec<_> = client(&server)
        .list_sessions()
        .active(true)
        .expand(["identity"])
        .page_size(2)
        .pages()
        .map(|p| p.expect("no error while paginating"))
        .collect();

    assert_eq!(
        pages
            .iter()
            .map(|p| p.next_page_token())
            .collect::<Vec<_>>(),
        [Some(T2), Some(T3), None]
    );
    let got: Vec<Uuid> = pages.into_iter().flatten().map(|s| s.id).collect();
    assert_eq!(got, session_ids(1..6));
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);

    // A token the caller starts from is encoded the same way.
    let resumed = session_ids_of(
        client(&server)
            .list_sessions()
            .active(true)
            .expand(["identity"])
            .page_size(2)
            .page_token(T3)
            .items(),
    );
    assert_eq!(resumed, session_ids(5..6));
    p3.assert_calls(2);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 8. ends

#[test]
fn an_empty_first_page_with_a_link_header_but_no_next_ends_after_one_request() {
    let server = MockServer::start();
    let empty = page(
        &server,
        "/admin/identities",
        Vec::new(),
        "[]".into(),
        &[(
            "link",
            &links(&[(
                "first",
                &format!("/admin/identities?page_size=250&page_token={ZERO_TOKEN}"),
            )]),
        )],
    );
    let stray = catch_all(&server);

    let mut iter = client(&server).list_identities().items();
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    drop(iter);
    empty.assert_calls(1);
    assert_eq!(client(&server).list_identities().pages().count(), 0);
    empty.assert_calls(2);
    stray.assert_calls(0);
}

#[test]
fn a_full_last_page_without_next_makes_no_extra_request() {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
    );
    let stray = catch_all(&server);

    let got = ids_of(client(&server).list_identities().page_size(2).items());

    assert_eq!(got, identity_ids(1..5));
    p1.assert_calls(1);
    p2.assert_calls(1);
    stray.assert_calls(0);
}

#[test]
fn debug_shows_the_walk_s_progress_and_mode_but_no_filter_value() {
    let _lock = prefetch_lock();
    let server = MockServer::start();
    let t = |token: &str| {
        format!(
            "/admin/identities?credentials_identifier=ada%40example.com&page_size=2&page_token={token}"
        )
    };
    let filter = ("credentials_identifier", "ada@example.com");
    page(
        &server,
        "/admin/identities",
        q(&[filter, ("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    page(
        &server,
        "/admin/identities",
        q(&[filter, ("page_size", "2"), ("page_token", &after(2))]),
        identities(3..4),
        &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
    );
    let list = || {
        client(&server)
            .list_identities()
            .credentials_identifier("ada@example.com")
            .page_size(2)
    };

    let mut iter = list().items();
    assert_eq!(
        format!("{iter:?}"),
        "Items { pages: Pages { operation: \"list_identities\", mode: \"sequential\", \
         pages_handed_out: 0, items_handed_out: 0, finished: false, .. }, buffered: 0 }"
    );
    // The page of two went to `Items`, which has handed out one of them.
    assert!(iter.next().is_some_and(|r| r.is_ok()));
    assert_eq!(
        format!("{iter:?}"),
        "Items { pages: Pages { operation: \"list_identities\", mode: \"sequential\", \
         pages_handed_out: 1, items_handed_out: 2, finished: false, .. }, buffered: 1 }"
    );
    assert_eq!(iter.by_ref().filter(Result::is_ok).count(), 2);
    let done = format!("{iter:?}");
    assert!(
        done.contains("pages_handed_out: 2, items_handed_out: 3, finished: true"),
        "{done}"
    );

    let mut prefetching = list().items().prefetch(true);
    assert!(prefetching.next().is_some_and(|r| r.is_ok()));
    let shown = format!("{prefetching:?}");
    assert!(shown.contains("mode: \"prefetching\""), "{shown}");
    let pages = format!("{:?}", list().pages().prefetch(true));
    assert!(
        pages.starts_with("Pages { operation: \"list_identities\", mode: \"prefetching\""),
        "{pages}"
    );
    for shown in [done, shown, pages] {
        assert!(!shown.contains("ada"), "a filter value in {shown}");
    }
    drop(prefetching);
    assert_no_prefetch_thread();
}

// ------------------------------------------------------- 9. loops

#[test]
fn a_next_link_back_to_an_earlier_token_ends_with_a_pagination_error() {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let (t1, t2) = (after(0), after(2));
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &t1)]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&t2))]),
        )],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &t2)]),
        identities(3..5),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&t1))]),
        )],
    );
    let stray = catch_all(&server);

    let mut iter = client(&server)
        .list_identities()
        .page_size(2)
        .page_token(&t1)
        .items();
    let results: Vec<Result<Identity, Error>> = iter.by_ref().collect();
    // The message names the operation and the repeated cursor (tokens are
    // opaque and name no one), so the loop can be reported to the server's
    // operator.
    let message = match results.last() {
        Some(Err(e)) => e.to_string(),
        other => panic!("expected a pagination error last, got {other:?}"),
    };
    assert!(
        message.starts_with("list_identities (GET /admin/identities): "),
        "{message}"
    );
    assert!(
        message.contains(&format!("(page_size=2&page_token={t1})")),
        "{message}"
    );
    let got: Vec<Got> = results.into_iter().map(got).collect();
    let mut want = items(identity_ids(1..5));
    want.push(Got::Pagination);
    assert_eq!(got, want);
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    p1.assert_calls(1);
    p2.assert_calls(1);
    stray.assert_calls(0);
}

#[test]
fn a_next_link_repeating_the_current_token_ends_with_a_pagination_error() {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let stray = catch_all(&server);

    let mut pages = client(&server).list_identities().page_size(2).pages();
    assert_eq!(pages.next().unwrap().unwrap().len(), 2);
    assert_eq!(pages.next().unwrap().unwrap().len(), 2);
    assert!(matches!(pages.next(), Some(Err(Error::Pagination { .. }))));
    assert!(pages.next().is_none());
    assert!(pages.next().is_none());
    p1.assert_calls(1);
    p2.assert_calls(1);
    stray.assert_calls(0);
}

#[test]
fn a_repeated_token_is_caught_whatever_the_order_of_the_link_parameters() {
    let server = MockServer::start();
    let (t1, t2) = (after(0), after(2));
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &t1)]),
        identities(1..3),
        &[(
            "link",
            &links(&[(
                "next",
                &format!("/admin/identities?page_size=2&page_token={t2}"),
            )]),
        )],
    );
    // The same cursor as the first request, its parameters in another order.
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &t2)]),
        identities(3..5),
        &[(
            "link",
            &links(&[(
                "next",
                &format!("/admin/identities?page_token={t1}&page_size=2"),
            )]),
        )],
    );
    let stray = catch_all(&server);

    let mut iter = client(&server)
        .list_identities()
        .page_size(2)
        .page_token(&t1)
        .items();
    let got: Vec<Got> = iter.by_ref().take(10).map(got).collect();

    let mut want = items(identity_ids(1..5));
    want.push(Got::Pagination);
    assert_eq!(got, want);
    // A server that loops leaves no token to resume from (t1 would repeat
    // the pages already yielded), and the walk is not finished.
    assert_eq!(iter.resume_token(), None);
    assert!(!iter.is_finished());
    p1.assert_calls(1);
    p2.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 10. other hosts

#[test]
fn next_links_to_other_hosts_are_followed_on_the_configured_server_only() {
    let server = MockServer::start();
    let other = MockServer::start();
    let elsewhere = catch_all(&other);
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[(
                "next",
                &format!(
                    "http://evil.example/admin/identities?page_size=2&page_token={}",
                    after(2)
                ),
            )]),
        )],
    );
    // Another origin, another path, and a filter the caller did not ask for.
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[(
            "link",
            &links(&[(
                "next",
                &format!(
                    "{}/elsewhere/admin/identities?credentials_identifier=admin%40example.com&page_size=2&page_token={}",
                    other.base_url(),
                    after(4)
                ),
            )]),
        )],
    );
    let p3 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(4))]),
        identities(5..7),
        &[],
    );
    let stray = catch_all(&server);

    let got = ids_of(client(&server).list_identities().page_size(2).items());

    assert_eq!(got, identity_ids(1..7));
    p1.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
    // No request, so certainly no key, reached the other origin.
    elsewhere.assert_calls(0);
}

// ------------------------------------------------------- 11. errors

#[test]
fn an_error_on_page_two_comes_after_page_one_once_then_none() {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let p2 = server.mock(|when, then| {
        exact_query(
            when.method(GET)
                .path("/admin/identities")
                .header("authorization", BEARER),
            q(&[("page_size", "2"), ("page_token", &after(2))]),
        );
        then.status(500)
            .header("content-type", "application/json")
            .header("ory-error-id", "4b2e8c0a-91d7-4f3e-a6b5-7c8d9e0f1a2b")
            .body(ERROR_500);
    });
    let stray = catch_all(&server);

    let mut iter = client(&server).list_identities().page_size(2).items();
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(2))));
    let error = iter.next().expect("an error").expect_err("page two fails");
    assert_eq!(error.status(), Some(500));
    let body = error.kratos_error().expect("the Kratos error body");
    assert_eq!(body.reason.as_deref(), Some("sql: database is closed"));
    assert_eq!(
        body.message,
        "An internal server error occurred, please contact the system administrator"
    );
    assert_eq!(
        error.api().unwrap().error_id.as_deref(),
        Some("4b2e8c0a-91d7-4f3e-a6b5-7c8d9e0f1a2b")
    );
    for _ in 0..3 {
        assert!(iter.next().is_none());
    }
    p1.assert_calls(1);
    p2.assert_calls(1);
    stray.assert_calls(0);

    // The same through pages().
    let mut pages = client(&server).list_identities().page_size(2).pages();
    assert_eq!(pages.next().unwrap().unwrap().len(), 2);
    assert!(matches!(pages.next(), Some(Err(Error::Api(_)))));
    assert!(pages.next().is_none());
    assert!(pages.next().is_none());
    p1.assert_calls(2);
    p2.assert_calls(2);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 12. retries

#[test]
fn a_retried_page_resumes_with_every_item_exactly_once() {
    let server = MockServer::start();
    let t = |token: &str| format!("/admin/identities?page_size=2&page_token={token}");
    let p1 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(2)))]),
        )],
    );
    let unavailable = server.mock(|when, then| {
        exact_query(
            when.method(GET)
                .path("/admin/identities")
                .header("authorization", BEARER),
            q(&[("page_size", "2"), ("page_token", &after(2))]),
        );
        then.status(503)
            .header("content-type", "text/html")
            .body("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
            .up_to_n_times(1);
    });
    let p2 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(2))]),
        identities(3..5),
        &[(
            "link",
            &links(&[("first", &t(ZERO_TOKEN)), ("next", &t(&after(4)))]),
        )],
    );
    let p3 = page(
        &server,
        "/admin/identities",
        q(&[("page_size", "2"), ("page_token", &after(4))]),
        identities(5..7),
        &[("link", &links(&[("first", &t(ZERO_TOKEN))]))],
    );
    let stray = catch_all(&server);

    // The default retry policy (3 retries, 125–250 ms before the first).
    let client = IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let got = ids_of(client.list_identities().page_size(2).items());

    assert_eq!(got, identity_ids(1..7));
    p1.assert_calls(1);
    unavailable.assert_calls(1);
    p2.assert_calls(1);
    p3.assert_calls(1);
    stray.assert_calls(0);
}

// ------------------------------------------------------- 13. prefetch

#[test]
fn prefetch_yields_the_same_items_in_the_same_order() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    let requested = numbered_pages(&server, 5, 3, None, Duration::ZERO);
    let stray = catch_all(&server);
    let c = client(&server);

    let sequential: Vec<Got> = c.list_identities().page_size(3).items().map(got).collect();
    assert_eq!(sequential, items(identity_ids(1..16)));
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(5));

    requested.lock().unwrap().clear();
    let mut iter = c.list_identities().page_size(3).items().prefetch(true);
    let first = iter.next().map(got);
    if let Some(threads) = prefetch_threads() {
        assert!(threads >= 1, "the prefetch thread runs while pages remain");
    }
    let mut prefetched: Vec<Got> = first.into_iter().collect();
    prefetched.extend(iter.by_ref().map(got));
    assert!(iter.next().is_none());
    drop(iter);
    assert_no_prefetch_thread();
    assert_eq!(prefetched, sequential);
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(5));

    // Pages too.
    requested.lock().unwrap().clear();
    let lens: Vec<usize> = c
        .list_identities()
        .page_size(3)
        .pages()
        .prefetch(true)
        .map(|p| p.unwrap().len())
        .collect();
    assert_eq!(lens, [3; 5]);
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(5));
    assert_no_prefetch_thread();
    stray.assert_calls(0);
}

#[test]
fn prefetch_yields_an_error_at_the_same_place() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    let requested = numbered_pages(&server, 5, 3, Some(2), Duration::ZERO);
    let stray = catch_all(&server);
    let c = client(&server);

    let mut want = items(identity_ids(1..7));
    want.push(Got::Api(500));

    for prefetch in [false, true] {
        requested.lock().unwrap().clear();
        let mut iter = c.list_identities().page_size(3).items().prefetch(prefetch);
        let got_all: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(got_all, want, "prefetch {prefetch}");
        for _ in 0..3 {
            assert!(iter.next().is_none(), "prefetch {prefetch}");
        }
        drop(iter);
        assert_no_prefetch_thread();
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(3),
            "prefetch {prefetch}"
        );
    }
    stray.assert_calls(0);
}

#[test]
fn dropping_a_prefetching_iterator_early_ends_its_thread_after_at_most_the_page_in_flight() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    // Pages after the first are slow, so the thread is mid-request at the drop.
    let requested = numbered_pages(&server, 20, 2, None, Duration::from_millis(300));
    let stray = catch_all(&server);

    let mut iter = client(&server)
        .list_identities()
        .page_size(2)
        .items()
        .prefetch(true);
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
    if let Some(threads) = prefetch_threads() {
        // (ureq resolves each new connection's address on a short-lived
        // unnamed thread, which inherits the prefetch thread's name in /proc.)
        assert!(threads >= 1, "the prefetch thread runs while pages remain");
    }
    drop(iter);
    assert_no_prefetch_thread();

    // Page one, and at most page two, asked ahead when page one was handed
    // out: nothing is fetched after the drop but the request in flight.
    let tokens = requested.lock().unwrap().clone();
    assert!(
        !tokens.is_empty() && tokens.len() <= 2,
        "at most one page beyond the first: {tokens:?}"
    );
    assert_eq!(tokens, numbered_tokens(tokens.len() as u32));
    stray.assert_calls(0);
}

#[test]
fn prefetch_and_limit_compose_in_either_order() {
    let _serial = prefetch_lock();
    type Build = fn(
        kratos_identity::Items<kratos_identity::ListIdentities>,
    ) -> kratos_identity::Items<kratos_identity::ListIdentities>;
    let variants: [(&str, Build); 2] = [
        ("prefetch then limit", |i| i.prefetch(true).limit(3)),
        ("limit then prefetch", |i| i.limit(3).prefetch(true)),
    ];
    for (name, build) in variants {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let iter = build(client(&server).list_identities().page_size(2).items());
        let got: Vec<Got> = iter.map(got).collect();
        assert_eq!(got, items(identity_ids(1..4)), "{name}");
        assert_eq!(*requested.lock().unwrap(), numbered_tokens(2), "{name}");
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }

    // max_pages too, on pages().
    let server = MockServer::start();
    let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
    let stray = catch_all(&server);
    let lens: Vec<usize> = client(&server)
        .list_identities()
        .page_size(2)
        .pages()
        .prefetch(true)
        .max_pages(2)
        .map(|p| p.unwrap().len())
        .collect();
    assert_eq!(lens, [2, 2]);
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(2));
    assert_no_prefetch_thread();
    stray.assert_calls(0);
}

#[test]
fn dropping_a_prefetching_iterator_returns_at_once_while_a_slow_page_is_in_flight() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    // Page two takes 1.5 s: the thread is waiting for it when the iterator
    // is dropped.
    let requested = numbered_pages(&server, 3, 2, None, Duration::from_millis(1500));
    let stray = catch_all(&server);

    let mut iter = client(&server)
        .list_identities()
        .page_size(2)
        .items()
        .prefetch(true);
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
    // Give the thread time to send its request for page two.
    let deadline = Instant::now() + Duration::from_secs(2);
    while requested.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(requested.lock().unwrap().len(), 2, "page two is in flight");

    let started = Instant::now();
    drop(iter);
    let dropping = started.elapsed();
    assert!(
        dropping < Duration::from_millis(100),
        "dropping took {dropping:?}"
    );
    // The thread ends by itself once its request is answered, and asks for
    // nothing more.
    assert_no_prefetch_thread();
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(2));
    stray.assert_calls(0);
}

#[test]
fn a_limit_set_after_iteration_began_holds_with_and_without_prefetch() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 10, 2, None, Duration::from_millis(20));
        let stray = catch_all(&server);
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .prefetch(prefetch);
        let first = iter.next().map(got);
        assert_eq!(
            first,
            Some(Got::Item(identity_id(1))),
            "prefetch {prefetch}"
        );
        // Three items in all: the one taken and two more.
        let rest: Vec<Got> = iter.limit(3).map(got).collect();
        assert_eq!(rest, items(identity_ids(2..4)), "prefetch {prefetch}");
        assert_no_prefetch_thread();
        // At most one page beyond what was handed out was fetched ahead.
        let fetched = requested.lock().unwrap().len();
        assert!(
            (2..=3).contains(&fetched),
            "prefetch {prefetch}: {fetched} pages"
        );
        stray.assert_calls(0);

        let server = MockServer::start();
        let requested = numbered_pages(&server, 10, 2, None, Duration::from_millis(20));
        let stray = catch_all(&server);
        let mut pages = client(&server)
            .list_identities()
            .page_size(2)
            .pages()
            .prefetch(prefetch);
        assert_eq!(pages.next().map(|p| p.unwrap().len()), Some(2));
        let lens: Vec<usize> = pages.max_pages(2).map(|p| p.unwrap().len()).collect();
        assert_eq!(lens, [2], "prefetch {prefetch}: two pages in all");
        assert_no_prefetch_thread();
        let fetched = requested.lock().unwrap().len();
        assert!(
            (2..=3).contains(&fetched),
            "prefetch {prefetch}: {fetched} pages"
        );
        stray.assert_calls(0);
    }
}

/// Iterates `items` to its end, calling `prefetch(pattern[k])` (cycled)
/// before the `k`-th `next()`.
fn items_switching_prefetch(
    mut iter: kratos_identity::Items<kratos_identity::ListIdentities>,
    pattern: &[bool],
) -> (
    Vec<Got>,
    kratos_identity::Items<kratos_identity::ListIdentities>,
) {
    let mut all = Vec::new();
    for k in 0..100 {
        iter = iter.prefetch(pattern[k % pattern.len()]);
        match iter.next() {
            Some(result) => all.push(got(result)),
            None => break,
        }
    }
    (all, iter)
}

#[test]
fn switching_prefetch_on_or_off_at_any_point_loses_and_repeats_nothing() {
    let _serial = prefetch_lock();
    // Each pattern is applied before every `next()`: `prefetch(true)` again
    // on a running prefetch, and switches both ways, at page boundaries
    // (pages of two) and in the middle of pages.
    let patterns: [&[bool]; 6] = [
        &[true],
        &[false],
        &[true, false],
        &[false, true],
        &[true, true, false],
        &[false, false, true, true, true],
    ];
    for pattern in patterns {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let iter = client(&server).list_identities().page_size(2).items();
        let (all, iter) = items_switching_prefetch(iter, pattern);
        assert_eq!(all, items(identity_ids(1..11)), "{pattern:?}");
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(5),
            "{pattern:?}: each page requested once, in order"
        );
        assert_eq!(iter.resume_token(), None, "{pattern:?}");
        assert!(iter.is_finished(), "{pattern:?}");
        drop(iter);
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }

    // pages(): prefetch(true) again between pages, and off and on again.
    for pattern in [&[true][..], &[true, false], &[false, true, true]] {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 4, 3, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut pages = client(&server).list_identities().page_size(3).pages();
        let mut ids = Vec::new();
        for k in 0..10 {
            pages = pages.prefetch(pattern[k % pattern.len()]);
            match pages.next() {
                Some(page) => ids.extend(page.unwrap().iter().map(|i| i.id)),
                None => break,
            }
        }
        assert_eq!(ids, identity_ids(1..13), "{pattern:?}");
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(4),
            "{pattern:?}"
        );
        assert_eq!(pages.resume_token(), None, "{pattern:?}");
        drop(pages);
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }
}

#[test]
fn raising_and_lowering_the_item_limit_mid_iteration_holds_with_and_without_prefetch() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        // Five pages of two.
        let server = MockServer::start();
        let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .limit(1)
            .prefetch(prefetch);
        assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
        // Raised before the limit was seen: the rest of the cut page one
        // comes first, then page two, cut after its first item.
        iter = iter.limit(3);
        let more: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(more, items(identity_ids(2..4)), "prefetch {prefetch}");
        assert_eq!(
            iter.resume_token().as_deref(),
            Some("p1"),
            "prefetch {prefetch}: page two was cut, so it is where to resume"
        );
        // Raised after the limit ended the loop: it goes on where it stopped.
        iter = iter.limit(6);
        let more: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(more, items(identity_ids(4..7)), "prefetch {prefetch}");
        assert_eq!(iter.resume_token().as_deref(), Some("p3"));
        // Lowered below what was yielded: nothing more, the token stays.
        iter = iter.limit(2);
        assert!(iter.next().is_none(), "prefetch {prefetch}");
        assert_eq!(iter.resume_token().as_deref(), Some("p3"));
        // The limit is met at the end of page three: page four is never
        // asked for, not even ahead.
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(3),
            "prefetch {prefetch}"
        );
        drop(iter);
        assert_no_prefetch_thread();
        stray.assert_calls(0);

        // Lowered in the middle of a page (four pages of three): the items
        // of the page already fetched are held back too.
        let server = MockServer::start();
        let requested = numbered_pages(&server, 4, 3, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut iter = client(&server)
            .list_identities()
            .page_size(3)
            .items()
            .prefetch(prefetch);
        let first: Vec<Got> = iter.by_ref().take(4).map(got).collect();
        assert_eq!(first, items(identity_ids(1..5)));
        iter = iter.limit(5);
        let more: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(more, items(identity_ids(5..6)), "prefetch {prefetch}");
        assert_eq!(
            iter.resume_token().as_deref(),
            Some("p1"),
            "prefetch {prefetch}: stopped in the middle of page two"
        );
        assert!(!iter.is_finished());
        iter = iter.limit(100);
        let rest: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(rest, items(identity_ids(6..13)), "prefetch {prefetch}");
        assert_eq!(iter.resume_token(), None);
        assert!(iter.is_finished());
        assert_eq!(*requested.lock().unwrap(), numbered_tokens(4));
        drop(iter);
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }
}

#[test]
fn raising_and_lowering_max_pages_mid_iteration_holds_with_and_without_prefetch() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        // pages(): one page, then the limit is raised before and after it
        // ended the loop.
        let server = MockServer::start();
        let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut pages = client(&server)
            .list_identities()
            .page_size(2)
            .pages()
            .max_pages(1)
            .prefetch(prefetch);
        assert_eq!(pages.next().map(|p| p.unwrap().len()), Some(2));
        pages = pages.max_pages(2);
        let lens: Vec<usize> = pages.by_ref().map(|p| p.unwrap().len()).collect();
        assert_eq!(lens, [2], "prefetch {prefetch}: raised before it stopped");
        assert_eq!(pages.resume_token().as_deref(), Some("p2"));
        pages = pages.max_pages(4);
        let ids: Vec<Uuid> = pages
            .by_ref()
            .flat_map(|p| p.unwrap().into_items())
            .map(|i| i.id)
            .collect();
        assert_eq!(ids, identity_ids(5..9), "prefetch {prefetch}: raised after");
        assert_eq!(pages.resume_token().as_deref(), Some("p4"));
        // Lowered: nothing more, the token stays.
        pages = pages.max_pages(1);
        assert!(pages.next().is_none());
        assert_eq!(pages.resume_token().as_deref(), Some("p4"));
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(4),
            "prefetch {prefetch}: page five is never asked for"
        );
        drop(pages);
        assert_no_prefetch_thread();
        stray.assert_calls(0);

        // items(): lowered in the middle of page two, the rest of that page
        // is held back; raised again, it comes.
        let server = MockServer::start();
        let requested = numbered_pages(&server, 3, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .prefetch(prefetch);
        let first: Vec<Got> = iter.by_ref().take(3).map(got).collect();
        assert_eq!(first, items(identity_ids(1..4)));
        iter = iter.max_pages(1);
        assert!(iter.next().is_none(), "prefetch {prefetch}");
        assert_eq!(iter.resume_token().as_deref(), Some("p1"));
        iter = iter.max_pages(2);
        let more: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(more, items(identity_ids(4..5)), "prefetch {prefetch}");
        assert_eq!(iter.resume_token().as_deref(), Some("p2"));
        iter = iter.max_pages(3);
        let rest: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(rest, items(identity_ids(5..7)), "prefetch {prefetch}");
        assert_eq!(iter.resume_token(), None);
        assert_eq!(*requested.lock().unwrap(), numbered_tokens(3));
        drop(iter);
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }
}

/// Page one of two, then page two's answer to every attempt: a 503 that
/// asks for `retry_after` and comes after `delay`.
fn page_two_unavailable<'a>(
    server: &'a MockServer,
    retry_after: &str,
    delay: Duration,
) -> (Mock<'a>, Mock<'a>) {
    let first = page(
        server,
        "/admin/identities",
        q(&[("page_size", "2")]),
        identities(1..3),
        &[(
            "link",
            &links(&[("next", "/admin/identities?page_size=2&page_token=p1")]),
        )],
    );
    let unavailable = server.mock(|when, then| {
        exact_query(
            when.method(GET)
                .path("/admin/identities")
                .header("authorization", BEARER),
            q(&[("page_size", "2"), ("page_token", "p1")]),
        );
        then.delay(delay)
            .status(503)
            .header("retry-after", retry_after)
            .body("down for maintenance");
    });
    (first, unavailable)
}

/// Waits up to 2 s for `mock` to have been called `n` times.
fn wait_for_calls(mock: &Mock<'_>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while mock.calls() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(mock.calls(), n);
}

#[test]
fn a_dropped_prefetching_iterator_makes_no_further_attempt_at_the_page_in_flight() {
    let _serial = prefetch_lock();
    let retrying = |server: &MockServer| {
        IdentityClient::builder(server.base_url())
            .bearer_token(TOKEN)
            .retry(RetryPolicy::default().max_retries(5))
            .build()
            .unwrap()
    };

    // Dropped while the thread waits out the server's Retry-After: the wait
    // ends at once, and no retry is sent.
    let server = MockServer::start();
    let (first, unavailable) = page_two_unavailable(&server, "2", Duration::ZERO);
    let stray = catch_all(&server);
    let mut iter = retrying(&server)
        .list_identities()
        .page_size(2)
        .items()
        .prefetch(true);
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
    wait_for_calls(&unavailable, 1);
    std::thread::sleep(Duration::from_millis(50));
    drop(iter);
    assert_no_prefetch_thread_within(Duration::from_millis(500));
    std::thread::sleep(Duration::from_millis(2500));
    first.assert_calls(1);
    unavailable.assert_calls(1);
    stray.assert_calls(0);

    // Dropped while the first attempt is on the wire: it is answered (with
    // a retry asked for at once), and no second attempt follows.
    let server = MockServer::start();
    let (first, unavailable) = page_two_unavailable(&server, "0", Duration::from_millis(300));
    let stray = catch_all(&server);
    let mut iter = retrying(&server)
        .list_identities()
        .page_size(2)
        .items()
        .prefetch(true);
    assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
    wait_for_calls(&unavailable, 1);
    drop(iter);
    assert_no_prefetch_thread_within(Duration::from_millis(800));
    std::thread::sleep(Duration::from_millis(300));
    first.assert_calls(1);
    unavailable.assert_calls(1);
    stray.assert_calls(0);
}

#[test]
fn is_finished_tells_an_ended_listing_from_one_to_start_again() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 3, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let c = client(&server);

        // Nothing yielded yet: no token, not finished.
        let mut iter = c.list_identities().page_size(2).items().prefetch(prefetch);
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, false));
        // In the middle of page one: start again without a token.
        assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(1))));
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, false));
        // Every item yielded: no token, finished, at the last item already.
        let rest: Vec<Got> = iter.by_ref().take(5).map(got).collect();
        assert_eq!(rest, items(identity_ids(2..7)), "prefetch {prefetch}");
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, true));
        assert!(iter.next().is_none());
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, true));
        drop(iter);
        assert_eq!(*requested.lock().unwrap(), numbered_tokens(3));

        // A limit that cuts page one: no token either, but not finished.
        requested.lock().unwrap().clear();
        let mut iter = c
            .list_identities()
            .page_size(2)
            .items()
            .limit(1)
            .prefetch(prefetch);
        assert_eq!(iter.by_ref().count(), 1);
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, false));
        // A limit that ends exactly with the listing finishes it.
        let mut iter = iter.limit(6);
        assert_eq!(iter.by_ref().count(), 5);
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, true));
        drop(iter);

        // pages(): the same.
        let mut pages = c
            .list_identities()
            .page_size(2)
            .pages()
            .limit(1)
            .prefetch(prefetch);
        assert_eq!(pages.next().map(|p| p.unwrap().len()), Some(1));
        assert!(pages.next().is_none());
        assert_eq!((pages.resume_token(), pages.is_finished()), (None, false));
        // A max_pages stop between pages has a token, and is not finished.
        let mut pages = pages.limit(usize::MAX).max_pages(2);
        let lens: Vec<usize> = pages.by_ref().map(|p| p.unwrap().len()).collect();
        assert_eq!(
            lens,
            [1, 2],
            "prefetch {prefetch}: the rest of page one, page two"
        );
        assert_eq!(pages.resume_token().as_deref(), Some("p2"));
        assert!(!pages.is_finished());
        let mut pages = pages.max_pages(3);
        assert_eq!(pages.next().map(|p| p.unwrap().len()), Some(2));
        assert_eq!((pages.resume_token(), pages.is_finished()), (None, true));
        assert!(pages.next().is_none());
        drop(pages);
        assert_no_prefetch_thread();
        stray.assert_calls(0);

        // A first page that fails: no token (start again), not finished.
        let server = MockServer::start();
        numbered_pages(&server, 3, 2, Some(0), Duration::ZERO);
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .prefetch(prefetch);
        assert_eq!(iter.next().map(got), Some(Got::Api(500)));
        assert!(iter.next().is_none());
        assert_eq!((iter.resume_token(), iter.is_finished()), (None, false));
        // The thread ends with the walk, not only with the iterator.
        assert_no_prefetch_thread();
    }
}

// ------------------------------------------------------- 14. malformed

#[test]
fn a_malformed_link_header_on_page_one_is_a_pagination_error() {
    let next = format!("/admin/identities?page_size=2&page_token={}", after(2));
    let cases = [
        format!("<{next}; rel=\"next\""),
        format!("{next}; rel=\"next\""),
        format!("<{next}>; rel=\"next"),
        format!("<{next}> rel=next"),
        format!("<{next}>; rel=\"first\" <{next}>; rel=\"next\""),
        // A next link without any paging parameter cannot be followed.
        "</admin/identities?credentials_identifier=ada%40example.com>; rel=\"next\"".to_string(),
    ];
    for header in &cases {
        let server = MockServer::start();
        let p1 = page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2")]),
            identities(1..3),
            &[("link", header)],
        );
        let stray = catch_all(&server);

        let mut iter = client(&server).list_identities().page_size(2).items();
        match iter.next() {
            Some(Err(Error::Pagination { message, .. })) => {
                assert!(!message.is_empty(), "{header:?}")
            }
            other => panic!("{header:?}: expected Error::Pagination, got {other:?}"),
        }
        assert!(iter.next().is_none(), "{header:?}");
        assert!(iter.next().is_none(), "{header:?}");
        p1.assert_calls(1);
        stray.assert_calls(0);
    }
}

// ------------------------------------------------------- 15. odd headers

#[test]
fn odd_but_valid_link_headers() {
    let t2 = after(2);
    let next = format!("/admin/identities?page_size=2&page_token={t2}");
    let first = format!("/admin/identities?page_size=2&page_token={ZERO_TOKEN}");
    let other = format!("/admin/identities?page_size=2&page_token={}", after(9));
    let encoded = format!(
        "/admin/identities?page_size=2&page_token={}",
        t2.replace('-', "%2D").replace('a', "%61")
    );
    // (case, Link headers of page one, whether page two is fetched)
    let cases: Vec<(&str, Vec<String>, bool)> = vec![
        (
            "kratos",
            vec![format!("<{first}>; rel=\"first\",<{next}>; rel=\"next\"")],
            true,
        ),
        (
            "two headers",
            vec![
                format!("<{first}>; rel=\"first\""),
                format!("<{next}>; rel=\"next\""),
            ],
            true,
        ),
        (
            "next in the first of two headers",
            vec![
                format!("<{next}>; rel=\"next\""),
                format!("<{first}>; rel=\"first\""),
            ],
            true,
        ),
        ("unquoted rel", vec![format!("<{next}>; rel=next")], true),
        (
            "rel=\"next last\"",
            vec![format!("<{next}>; rel=\"next last\"")],
            true,
        ),
        (
            "rel=\"last next\"",
            vec![format!("<{next}>; rel=\"last next\"")],
            true,
        ),
        (
            "commas and semicolons in quoted params",
            vec![format!(
                "<{first}>; title=\"a,b\"; rel=\"first\", <{next}>; title=\"x, y; z\"; rel=\"next\""
            )],
            true,
        ),
        (
            "whitespace",
            vec![format!(
                "  <{first}> ;rel = \"first\" ,   <{next}>\t;\trel=\"next\"  "
            )],
            true,
        ),
        ("upper case", vec![format!("<{next}>; REL=\"NEXT\"")], true),
        (
            "anchor before rel",
            vec![format!("<{next}>; anchor=\"#x\"; rel=\"next\"")],
            true,
        ),
        (
            "fragment",
            vec![format!("<{next}#page-2>; rel=\"next\"")],
            true,
        ),
        (
            "percent-encoded token",
            vec![format!("<{encoded}>; rel=\"next\"")],
            true,
        ),
        (
            "first of two next links wins",
            vec![format!("<{next}>; rel=\"next\",<{other}>; rel=\"next\"")],
            true,
        ),
        (
            "prev and first only",
            vec![format!("<{first}>; rel=\"first\",<{next}>; rel=\"prev\"")],
            false,
        ),
        (
            "unknown rels only",
            vec![format!(
                "<{next}>; rel=\"alternate\",<{next}>; rel=\"https://example.com/rels/next\",<{next}>; rel=\"nextpage\""
            )],
            false,
        ),
        (
            "only the first rel counts",
            vec![format!("<{next}>; rel=\"prev\"; rel=\"next\"")],
            false,
        ),
        ("no rel", vec![format!("<{next}>")], false),
        ("no link header", vec![], false),
    ];
    for (case, headers, follows) in cases {
        let server = MockServer::start();
        let link_headers: Vec<(&str, &str)> =
            headers.iter().map(|h| ("link", h.as_str())).collect();
        let p1 = page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2")]),
            identities(1..3),
            &link_headers,
        );
        let p2 = page(
            &server,
            "/admin/identities",
            q(&[("page_size", "2"), ("page_token", &t2)]),
            identities(3..5),
            &[],
        );
        let stray = catch_all(&server);

        let got: Vec<Got> = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .map(got)
            .collect();

        let want = if follows {
            identity_ids(1..5)
        } else {
            identity_ids(1..3)
        };
        assert_eq!(got, items(want), "{case}");
        assert_eq!(p1.calls(), 1, "{case}");
        assert_eq!(p2.calls(), usize::from(follows), "{case}");
        assert_eq!(stray.calls(), 0, "{case}");
    }
}

#[test]
fn raw_listing_keeps_every_byte_and_pages_like_the_typed_one() {
    let server = MockServer::start();
    let first = r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"a@example.com"},"added_in_a_newer_kratos":{"nested":[1,2]}}]"#;
    let second = r#"[{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{},"state":"archived"}]"#;
    let page_one = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param("organization_id", "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11")
            .query_param("page_size", "1")
            .query_param_missing("page_token");
        then.status(200)
            .header(
                "link",
                r#"</admin/identities?page_size=1&page_token=t2>; rel="next""#,
            )
            .body(first);
    });
    let page_two = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param("organization_id", "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11")
            .query_param("page_token", "t2");
        then.status(200)
            .header("link", r#"</admin/identities?page_size=1>; rel="first""#)
            .body(second);
    });

    let client = kratos_identity::IdentityClient::new(server.base_url()).unwrap();
    let raw: Vec<String> = client
        .list_identities()
        .organization_id("4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11")
        .raw()
        .page_size(1)
        .items()
        .map(|i| i.unwrap().get().to_string())
        .collect();

    assert_eq!(
        raw,
        vec![
            first[1..first.len() - 1].to_string(),
            second[1..second.len() - 1].to_string()
        ]
    );
    page_one.assert_calls(1);
    page_two.assert_calls(1);
}

// ------------------------------------------------------- 16. odd identities, resumable walks

/// Traits as a sync job types them; identity 4 is a legacy row whose email
/// is a number.
#[derive(Debug, serde::Deserialize)]
struct TypedTraits {
    #[allow(dead_code)]
    email: String,
}

/// Three pages of three identities, 1..=9; identity 4 (page two, index 0)
/// and identity 9 (page three, index 2) do not fit `TypedTraits`.
fn pages_with_odd_identities(server: &MockServer) -> [Mock<'_>; 3] {
    let odd = |n: u32| {
        let mut identity = identity_json(n);
        identity["traits"]["email"] = json!(4711);
        identity
    };
    let body = |ns: [u32; 3]| {
        let list: Vec<Value> = ns
            .iter()
            .map(|&n| {
                if n == 4 || n == 9 {
                    odd(n)
                } else {
                    identity_json(n)
                }
            })
            .collect();
        Value::Array(list).to_string()
    };
    let link = |next: Option<&str>| {
        let first = format!("/admin/identities?page_size=3&page_token={ZERO_TOKEN}");
        match next {
            Some(token) => links(&[
                ("first", &first),
                (
                    "next",
                    &format!("/admin/identities?page_size=3&page_token={token}"),
                ),
            ]),
            None => links(&[("first", &first)]),
        }
    };
    [
        page(
            server,
            "/admin/identities",
            q(&[("page_size", "3")]),
            body([1, 2, 3]),
            &[("link", &link(Some(&after(3))))],
        ),
        page(
            server,
            "/admin/identities",
            q(&[("page_size", "3"), ("page_token", &after(3))]),
            body([4, 5, 6]),
            &[("link", &link(Some(&after(6))))],
        ),
        page(
            server,
            "/admin/identities",
            q(&[("page_size", "3"), ("page_token", &after(6))]),
            body([7, 8, 9]),
            &[("link", &link(None))],
        ),
    ]
}

/// What a decode error says of an odd item: its index, id and failing field.
type OddItem = (usize, Option<String>, Option<String>);

#[test]
fn one_odd_identity_does_not_end_an_export() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        let server = MockServer::start();
        let mocks = pages_with_odd_identities(&server);
        let stray = catch_all(&server);
        let got: Vec<Result<Uuid, OddItem>> = client(&server)
            .list_identities()
            .page_size(3)
            .traits::<TypedTraits>()
            .items()
            .prefetch(prefetch)
            .map(|r| {
                r.map(|i| i.id).map_err(|e| {
                    let d = e.decode_error().expect("a decode error for the odd item");
                    (
                        d.item_index().unwrap(),
                        d.id().map(str::to_string),
                        d.path().map(str::to_string),
                    )
                })
            })
            .collect();
        let odd = |n: u32, index: usize| {
            Err((
                index,
                Some(identity_id(n).to_string()),
                Some("traits.email".to_string()),
            ))
        };
        assert_eq!(
            got,
            vec![
                Ok(identity_id(1)),
                Ok(identity_id(2)),
                Ok(identity_id(3)),
                odd(4, 0),
                Ok(identity_id(5)),
                Ok(identity_id(6)),
                Ok(identity_id(7)),
                Ok(identity_id(8)),
                odd(9, 2),
            ],
            "prefetch {prefetch}"
        );
        for mock in &mocks {
            mock.assert_calls(1);
        }
        stray.assert_calls(0);
        assert_no_prefetch_thread();
    }

    // pages(): the page keeps its other items, its errors and its next link.
    let server = MockServer::start();
    pages_with_odd_identities(&server);
    let pages: Vec<_> = client(&server)
        .list_identities()
        .page_size(3)
        .traits::<TypedTraits>()
        .pages()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pages.len(), 3);
    let second = &pages[1];
    assert_eq!(second.len(), 2);
    assert!(!second.is_complete());
    assert_eq!(second.errors()[0].item_index(), Some(0));
    assert_eq!(second.next_page_token(), Some(after(6).as_str()));
    // With a limit, an odd item counts like any other.
    let server = MockServer::start();
    pages_with_odd_identities(&server);
    let limited: Vec<bool> = client(&server)
        .list_identities()
        .page_size(3)
        .traits::<TypedTraits>()
        .items()
        .limit(5)
        .map(|r| r.is_ok())
        .collect();
    assert_eq!(limited, [true, true, true, false, true]);
}

#[test]
fn a_resume_token_continues_without_skipping_with_and_without_prefetch() {
    let _serial = prefetch_lock();
    for prefetch in [false, true] {
        // Page four (token p3) fails; everything before it arrives.
        let server = MockServer::start();
        numbered_pages(&server, 6, 2, Some(3), Duration::from_millis(10));
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .prefetch(prefetch);
        assert_eq!(iter.resume_token(), None, "nothing handed out yet");
        let first: Vec<Got> = iter.by_ref().take(3).map(got).collect();
        assert_eq!(first, items(identity_ids(1..4)));
        // Mid-page: the current page again (its first item repeats).
        assert_eq!(
            iter.resume_token().as_deref(),
            Some("p1"),
            "prefetch {prefetch}"
        );
        assert_eq!(iter.next().map(got), Some(Got::Item(identity_id(4))));
        // A page boundary: the next page, repeating nothing, whatever the
        // background thread is fetching.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            iter.resume_token().as_deref(),
            Some("p2"),
            "prefetch {prefetch}"
        );
        let rest: Vec<Got> = iter.by_ref().map(got).collect();
        assert_eq!(
            rest,
            [items(identity_ids(5..7)), vec![Got::Api(500)]].concat(),
            "prefetch {prefetch}"
        );
        // After the failed page: that page.
        let token = iter.resume_token();
        assert_eq!(token.as_deref(), Some("p3"), "prefetch {prefetch}");
        assert_no_prefetch_thread();

        // Resuming with it yields exactly what was not yet yielded.
        let server = MockServer::start();
        let requested = numbered_pages(&server, 6, 2, None, Duration::ZERO);
        let mut resumed = client(&server)
            .list_identities()
            .page_size(2)
            .page_token(token.unwrap())
            .items()
            .prefetch(prefetch);
        let got: Vec<Got> = resumed.by_ref().map(got).collect();
        assert_eq!(got, items(identity_ids(7..13)), "prefetch {prefetch}");
        assert_eq!(*requested.lock().unwrap(), ["p3", "p4", "p5"]);
        assert_eq!(resumed.resume_token(), None, "the listing is done");
        assert_no_prefetch_thread();
    }
}

#[test]
fn a_resume_token_after_a_limit_picks_up_the_rest() {
    let server = MockServer::start();
    numbered_pages(&server, 4, 2, None, Duration::ZERO);
    let mut pages = client(&server)
        .list_identities()
        .page_size(2)
        .pages()
        .max_pages(2);
    assert_eq!(pages.by_ref().count(), 2);
    assert_eq!(pages.resume_token().as_deref(), Some("p2"));
    let rest = ids_of(
        client(&server)
            .list_identities()
            .page_size(2)
            .page_token(pages.resume_token().unwrap())
            .items(),
    );
    assert_eq!(rest, identity_ids(5..9));
}

/// With prefetch, the next page is asked for only when the limits will let
/// it out: a limit reached inside a page, or on a page boundary, fetches
/// nothing more. (Without the check, a page beyond the limit would be
/// requested in the background.)
#[test]
fn prefetch_asks_for_no_page_the_limits_will_not_let_out() {
    let _serial = prefetch_lock();
    for (limit, max_pages, take) in [(1, usize::MAX, 1), (2, usize::MAX, 2), (usize::MAX, 1, 2)] {
        let server = MockServer::start();
        let requested = numbered_pages(&server, 5, 2, None, Duration::ZERO);
        let stray = catch_all(&server);
        let mut iter = client(&server)
            .list_identities()
            .page_size(2)
            .items()
            .limit(limit)
            .max_pages(max_pages)
            .prefetch(true);
        let first: Vec<Got> = iter.by_ref().take(take).map(got).collect();
        assert_eq!(first, items(identity_ids(1..1 + take as u32)));
        assert_eq!(
            iter.next().map(got),
            None,
            "limit {limit}, max_pages {max_pages}"
        );
        // Give a background request time to show up, if one was made.
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(
            *requested.lock().unwrap(),
            numbered_tokens(1),
            "limit {limit}, max_pages {max_pages}"
        );
        drop(iter);
        assert_no_prefetch_thread();
        stray.assert_calls(0);
    }
}

/// Switching prefetch off ends the background thread once the page asked
/// of it has been collected; the listing goes on on the caller's thread.
#[test]
fn switching_prefetch_off_ends_the_background_thread() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    let requested = numbered_pages(&server, 6, 2, None, Duration::ZERO);
    let mut iter = client(&server)
        .list_identities()
        .page_size(2)
        .items()
        .prefetch(true);
    let first: Vec<Got> = iter.by_ref().take(3).map(got).collect();
    assert_eq!(first, items(identity_ids(1..4)));
    iter = iter.prefetch(false);
    // Page 3 was asked of the thread already and is collected; nothing is
    // asked ahead of it any more.
    let more: Vec<Got> = iter.by_ref().take(2).map(got).collect();
    assert_eq!(more, items(identity_ids(4..6)));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(3));
    // Page 4 is fetched here, and the thread is gone before the listing is
    // over.
    let more: Vec<Got> = iter.by_ref().take(2).map(got).collect();
    assert_eq!(more, items(identity_ids(6..8)));
    assert!(!iter.is_finished());
    assert_no_prefetch_thread();
    let rest: Vec<Got> = iter.by_ref().map(got).collect();
    assert_eq!(rest, items(identity_ids(8..13)));
    assert_no_prefetch_thread();
    assert!(iter.is_finished());
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(6));
}

/// Switching prefetch on mid-listing starts the thread at the next page,
/// which then asks for the page after it ahead of time.
#[test]
fn switching_prefetch_on_mid_listing_starts_the_background_thread() {
    let _serial = prefetch_lock();
    let server = MockServer::start();
    let requested = numbered_pages(&server, 6, 2, None, Duration::ZERO);
    let mut iter = client(&server).list_identities().page_size(2).items();
    let first: Vec<Got> = iter.by_ref().take(3).map(got).collect();
    assert_eq!(first, items(identity_ids(1..4)));
    assert_eq!(prefetch_threads().unwrap_or(0), 0);
    iter = iter.prefetch(true);
    let more: Vec<Got> = iter.by_ref().take(2).map(got).collect();
    assert_eq!(more, items(identity_ids(4..6)));
    if let Some(threads) = prefetch_threads() {
        assert_eq!(threads, 1, "page 3 came from the background thread");
    }
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(
        *requested.lock().unwrap(),
        numbered_tokens(4),
        "page 4 asked ahead"
    );
    let rest: Vec<Got> = iter.by_ref().map(got).collect();
    assert_eq!(rest, items(identity_ids(6..13)));
    assert!(iter.is_finished());
    assert_eq!(*requested.lock().unwrap(), numbered_tokens(6));
    drop(iter);
    assert_no_prefetch_thread();
}

/// Items that do not decode come out where the server put them, between
/// the items that do.
#[test]
fn bad_items_come_out_in_their_place_on_the_page() {
    let server = MockServer::start();
    let good = |n: u32| {
        format!(
            r#"{{"id":"{}","schema_id":"default","schema_url":"","traits":{{"email":"u{n}@example.com"}}}}"#,
            identity_id(n)
        )
    };
    let bad = r#"{"id":"not-a-uuid","schema_id":"default","traits":{}}"#;
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200).body(format!(
            "[{},{bad},{},{bad},{bad},{}]",
            good(1),
            good(2),
            good(3)
        ));
    });
    let shape: Vec<&str> = client(&server)
        .list_identities()
        .items()
        .map(|r| if r.is_ok() { "ok" } else { "bad" })
        .collect();
    assert_eq!(shape, ["ok", "bad", "ok", "bad", "bad", "ok"]);
}
