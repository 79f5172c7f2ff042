//! The client itself: base URLs (bad ones, trailing slashes, path
//! prefixes), the headers it sends, a custom `ureq::Agent`, clones, `Debug`
//! hygiene, `from_env`, and the percent-encoding that keeps every id inside
//! its own path segment.

mod common;

use std::thread;
use std::time::Duration;

use common::{
    IDENTITY_ID, TOKEN, USER_AGENT, catch_all, client, default_headers, fixtures, json,
    query_exactly,
};
use httpmock::prelude::*;
use kratos_identity::{
    CreateRecoveryCodeForIdentityBody, Error, IdentityClient, IdentityState, JsonPatch,
    ManageSessionsAction, ManageSessionsBody, RetryPolicy, TransportErrorKind, UpdateIdentityBody,
};
use serde_json::json;

// ---------------------------------------------------------------- base URLs

/// A builder for `url` that can build an `https://` client in every build:
/// without a TLS feature, `build()` refuses `https://` unless an agent is
/// brought along (these tests never connect).
fn builder_for(url: &str) -> kratos_identity::ClientBuilder {
    let builder = IdentityClient::builder(url);
    if cfg!(any(feature = "rustls", feature = "native-tls")) {
        builder
    } else {
        builder.agent(ureq::Agent::new_with_defaults())
    }
}

#[test]
fn bad_base_urls_are_config_errors() {
    for bad in [
        "",
        "   ",
        "localhost:4434",
        "127.0.0.1:4434",
        "ftp://x",
        "file:///etc/passwd",
        "http://",
        "https://",
        "http:///admin",
        "http://host:99999",
        "http://host:port",
        "http://host?x=1",
        "http://host/#fragment",
        "http://user:password@host",
        "http://ho st",
    ] {
        match IdentityClient::new(bad) {
            Err(Error::Config { message, .. }) => assert!(!message.is_empty(), "{bad:?}"),
            other => panic!("{bad:?}: expected Error::Config, got {other:?}"),
        }
        let built = IdentityClient::builder(bad).bearer_token(TOKEN).build();
        assert!(
            matches!(built, Err(Error::Config { .. })),
            "{bad:?}: {built:?}"
        );
    }
}

#[test]
fn good_base_urls_are_accepted() {
    for (given, base) in [
        ("http://127.0.0.1:4434", "http://127.0.0.1:4434"),
        ("http://127.0.0.1:4434/", "http://127.0.0.1:4434"),
        (
            "HTTPS://My-Slug.projects.oryapis.com",
            "https://my-slug.projects.oryapis.com",
        ),
        (
            "https://kratos.internal.example/admin-proxy/",
            "https://kratos.internal.example/admin-proxy",
        ),
        ("http://[::1]:4434", "http://[::1]:4434"),
        (" http://localhost:4434 ", "http://localhost:4434"),
    ] {
        let client = builder_for(given)
            .build()
            .unwrap_or_else(|e| panic!("{given:?}: {e}"));
        assert_eq!(client.base_url(), base, "{given:?}");
    }
}

#[test]
fn a_trailing_slash_does_not_double_the_slash() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        default_headers(when.method(GET).path("/admin/identities"));
        json(then, 200, "[]");
    });
    let any = catch_all(&server);
    let client = IdentityClient::builder(format!("{}/", server.base_url()))
        .bearer_token(TOKEN)
        .build()
        .unwrap();

    assert_eq!(client.base_url(), server.base_url());
    client.list_identities().send().unwrap();

    mock.assert();
    any.assert_calls(0);
}

#[test]
fn a_path_prefix_is_kept_for_every_operation() {
    let server = MockServer::start();
    let identities = server.mock(|when, then| {
        default_headers(when.method(GET).path("/kratos/admin/identities"));
        json(then, 200, "[]");
    });
    let identity = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/kratos/admin/identities/{IDENTITY_ID}"));
        json(then, 200, fixtures::IDENTITY_FULL);
    });
    let schemas = server.mock(|when, then| {
        when.method(GET).path("/kratos/schemas/default");
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });
    let sessions = server.mock(|when, then| {
        when.method(POST).path("/kratos/admin/sessions");
        json(then, 200, r#"{"more":false,"processed":0}"#);
    });
    let any = catch_all(&server);

    for prefix in ["/kratos/", "/kratos"] {
        let client = IdentityClient::builder(format!("{}{prefix}", server.base_url()))
            .bearer_token(TOKEN)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), format!("{}/kratos", server.base_url()));
        client.list_identities().send().unwrap();
        client.get_identity(IDENTITY_ID).send().unwrap();
        client.get_identity_schema("default").send().unwrap();
        client
            .manage_sessions(ManageSessionsBody::all_sessions(
                ManageSessionsAction::Disable,
            ))
            .send()
            .unwrap();
    }

    identities.assert_calls(2);
    identity.assert_calls(2);
    schemas.assert_calls(2);
    sessions.assert_calls(2);
    any.assert_calls(0);
}

// ---------------------------------------------------------------- headers

#[test]
fn default_headers_without_a_token() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .header("user-agent", USER_AGENT)
            .header("accept", "application/json")
            .header_count("^user-agent$", ".*", 1)
            .header_count("^accept$", ".*", 1)
            .header_missing("authorization")
            .header_missing("content-type");
        json(then, 200, "[]");
    });

    IdentityClient::new(server.base_url())
        .unwrap()
        .list_identities()
        .send()
        .unwrap();
    // An empty token means no token.
    IdentityClient::builder(server.base_url())
        .bearer_token("")
        .build()
        .unwrap()
        .list_identities()
        .send()
        .unwrap();

    mock.assert_calls(2);
}

#[test]
fn custom_headers_and_user_agent_are_sent() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = when
            .method(POST)
            .path("/admin/recovery/code")
            .header("user-agent", "user-sync/1.4")
            .header_count("^user-agent$", ".*", 1)
            .header("x-request-source", "nightly-sync")
            .header("x-tenant", "acme")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("accept", "application/json")
            .header("content-type", "application/json");
        query_exactly(when, &[]);
        json(then, 201, fixtures::RECOVERY_CODE);
    });

    let client = IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .user_agent("user-sync/1.4")
        .header("X-Request-Source", "nightly-sync")
        .header("x-tenant", "acme")
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(3))
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    client
        .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(common::uuid(
            IDENTITY_ID,
        )))
        .send()
        .unwrap();

    mock.assert();
}

#[test]
fn bad_configuration_is_a_config_error() {
    let builders = [
        (
            "space in a header name",
            IdentityClient::builder("http://127.0.0.1:4434").header("X Tenant", "acme"),
        ),
        (
            "empty header name",
            IdentityClient::builder("http://127.0.0.1:4434").header("", "x"),
        ),
        (
            "line break in a header value",
            IdentityClient::builder("http://127.0.0.1:4434")
                .header("X-Tenant", "acme\r\nX-Admin: 1"),
        ),
        (
            "Authorization as a header",
            IdentityClient::builder("http://127.0.0.1:4434").header("Authorization", "Bearer x"),
        ),
        (
            "control character in the user agent",
            IdentityClient::builder("http://127.0.0.1:4434").user_agent("ua\r\nX-Admin: 1"),
        ),
        (
            "zero timeout",
            IdentityClient::builder("http://127.0.0.1:4434").timeout(Duration::ZERO),
        ),
        (
            "zero connect timeout",
            IdentityClient::builder("http://127.0.0.1:4434").connect_timeout(Duration::ZERO),
        ),
        (
            "zero read timeout",
            IdentityClient::builder("http://127.0.0.1:4434").read_timeout(Duration::ZERO),
        ),
        (
            "token over plain HTTP",
            IdentityClient::builder("http://kratos.internal:4434").bearer_token(TOKEN),
        ),
    ];
    for (what, builder) in builders {
        match builder.build() {
            Err(err @ Error::Config { .. }) => assert!(!err.to_string().contains(TOKEN), "{what}"),
            other => panic!("{what}: expected Error::Config, got {other:?}"),
        }
    }
}

#[test]
fn a_token_over_plain_http_needs_loopback_or_consent() {
    IdentityClient::builder("http://kratos.internal:4434")
        .bearer_token(TOKEN)
        .allow_insecure_http(true)
        .build()
        .unwrap();
    builder_for("https://kratos.internal:4434")
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    IdentityClient::builder("http://kratos.internal:4434")
        .build()
        .unwrap();
    for loopback in [
        "http://127.0.0.1:4434",
        "http://localhost:4434",
        "http://[::1]:4434",
    ] {
        IdentityClient::builder(loopback)
            .bearer_token(TOKEN)
            .build()
            .unwrap_or_else(|e| panic!("{loopback}: {e}"));
    }
}

// ---------------------------------------------------------------- agent, clones

#[test]
fn a_custom_agent_is_used() {
    let server = MockServer::start();
    let any = catch_all(&server);
    // An agent that refuses plain HTTP: if the client used it, nothing reaches the server.
    let agent =
        ureq::Agent::new_with_config(ureq::Agent::config_builder().https_only(true).build());
    let client = IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .agent(agent)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let err = client.list_identities().send().unwrap_err();

    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // The HTTP stack's own words come as the error's source.
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        cause.as_deref().unwrap_or("").contains("https"),
        "{err}: {cause:?}"
    );
    any.assert_calls(0);
}

#[test]
fn a_custom_agent_still_gets_the_client_headers() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        default_headers(when.method(GET).path("/admin/identities"));
        json(then, 200, "[]");
    });
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .user_agent("agent-ua/9")
            .build(),
    );

    IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .agent(agent)
        .build()
        .unwrap()
        .list_identities()
        .send()
        .unwrap();

    mock.assert();
}

#[test]
fn clones_share_the_configuration_across_threads() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        default_headers(when.method(GET).path(&path)).header("x-tenant", "acme");
        json(then, 200, fixtures::IDENTITY_FULL);
    });
    let original = IdentityClient::builder(server.base_url())
        .bearer_token(TOKEN)
        .header("x-tenant", "acme")
        .build()
        .unwrap();

    let handles: Vec<_> = (0..4)
        .map(|_| {
            let client = original.clone();
            thread::spawn(move || client.get_identity(IDENTITY_ID).send().map(|i| i.id))
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap().unwrap().to_string(), IDENTITY_ID);
    }
    // A request builder is Send too, and keeps working after the client is dropped.
    let request = original.get_identity(IDENTITY_ID);
    drop(original);
    thread::spawn(move || request.send().unwrap())
        .join()
        .unwrap();

    mock.assert_calls(5);
}

#[test]
fn debug_never_shows_the_token() {
    let secret = "ory_pat_SUPERSECRET";
    let builder = builder_for("https://my-slug.projects.oryapis.com")
        .bearer_token(secret)
        .header("x-tenant", "tenant-secret-value");
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let client_debug = format!("{client:?}");
    let request_debug = format!("{:?}", client.list_identities().page_size(10));
    let pretty = format!("{client:#?}");

    for shown in [&builder_debug, &client_debug, &request_debug, &pretty] {
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
        assert!(!shown.contains("Bearer"), "{shown}");
    }
    assert!(client_debug.contains("[redacted]"), "{client_debug}");
    assert!(
        client_debug.contains("my-slug.projects.oryapis.com"),
        "{client_debug}"
    );
    assert!(
        !builder_debug.contains("tenant-secret-value"),
        "{builder_debug}"
    );
}

// ---------------------------------------------------------------- from_env

/// The only test that touches the environment.
///
/// `set_var`/`remove_var` are `unsafe` because another thread might read the
/// environment through libc without Rust's lock. In this test binary no
/// thread does: every other test reads the environment only through
/// `std::env` (ureq's proxy lookup), which takes the same lock, and no test
/// here resolves a host name (`getaddrinfo` reads the environment); all
/// requests go to `127.0.0.1`. No other test calls `from_env`, so none sees
/// these variables.
#[test]
fn from_env_reads_url_and_key() {
    const VARS: [&str; 3] = ["KRATOS_ADMIN_URL", "ORY_SDK_URL", "ORY_API_KEY"];
    let set = |name: &str, value: Option<&str>| match value {
        // SAFETY: see the function's documentation.
        Some(v) => unsafe { std::env::set_var(name, v) },
        // SAFETY: see the function's documentation.
        None => unsafe { std::env::remove_var(name) },
    };

    let admin = MockServer::start();
    let sdk = MockServer::start();
    let admin_with_key = admin.mock(|when, then| {
        default_headers(when.method(GET).path("/admin/identities"));
        json(then, 200, "[]");
    });
    let sdk_without_key = sdk.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .header_missing("authorization");
        json(then, 200, "[]");
    });

    for name in VARS {
        set(name, None);
    }
    let missing = IdentityClient::from_env();
    assert!(matches!(missing, Err(Error::Config { .. })), "{missing:?}");

    set("ORY_SDK_URL", Some(&sdk.base_url()));
    let client = IdentityClient::from_env().unwrap();
    assert_eq!(client.base_url(), sdk.base_url());
    client.list_identities().send().unwrap();

    set("KRATOS_ADMIN_URL", Some(&admin.base_url()));
    set("ORY_API_KEY", Some(TOKEN));
    let client = IdentityClient::from_env().unwrap();
    assert_eq!(client.base_url(), admin.base_url(), "KRATOS_ADMIN_URL wins");
    assert!(!format!("{client:?}").contains(TOKEN));
    client.list_identities().send().unwrap();

    set("KRATOS_ADMIN_URL", Some("localhost:4434"));
    let bad = IdentityClient::from_env();
    assert!(matches!(bad, Err(Error::Config { .. })), "{bad:?}");

    set("KRATOS_ADMIN_URL", Some("  "));
    let blank_falls_back = IdentityClient::from_env().unwrap();
    assert_eq!(blank_falls_back.base_url(), sdk.base_url());

    for name in VARS {
        set(name, None);
    }
    admin_with_key.assert_calls(1);
    sdk_without_key.assert_calls(1);
}

// ---------------------------------------------------------------- path segments

const TRICKY_IDS: [(&str, &str); 7] = [
    ("../sessions", "..%2Fsessions"),
    ("a/b", "a%2Fb"),
    ("x?y=1", "x%3Fy%3D1"),
    ("a#b", "a%23b"),
    ("with space", "with%20space"),
    ("ünï", "%C3%BCn%C3%AF"),
    ("100%+&;", "100%25%2B%26%3B"),
];

#[test]
fn ids_are_percent_encoded_into_one_segment() {
    let server = MockServer::start();
    let mocks: Vec<_> = TRICKY_IDS
        .iter()
        .map(|(_, encoded)| {
            let path = format!("/admin/identities/{encoded}");
            server.mock(move |when, then| {
                query_exactly(when.method(GET).path(&path), &[]);
                json(then, 404, fixtures::ERROR_404_IDENTITY);
            })
        })
        .collect();
    let any = catch_all(&server);
    let client = client(&server);

    for (id, _) in TRICKY_IDS {
        let err = client.get_identity(id).send().unwrap_err();
        assert!(err.is_not_found(), "{id:?}: {err}");
    }

    for mock in &mocks {
        mock.assert_calls(1);
    }
    any.assert_calls(0);
}

#[test]
fn a_traversal_id_stays_inside_every_operation() {
    let server = MockServer::start();
    let id = "../sessions";
    let identity = "/admin/identities/..%2Fsessions";
    let session = "/admin/sessions/..%2Fsessions";
    let expected = [
        ("GET", identity.to_string()),
        ("PUT", identity.to_string()),
        ("PATCH", identity.to_string()),
        ("DELETE", identity.to_string()),
        ("GET", format!("{identity}/sessions")),
        ("DELETE", format!("{identity}/sessions")),
        ("DELETE", format!("{identity}/credentials/..%2Fpassword")),
        ("GET", session.to_string()),
        ("DELETE", session.to_string()),
        ("PATCH", format!("{session}/extend")),
        (
            "GET",
            "/admin/identities/by/external/..%2Fsessions".to_string(),
        ),
        ("GET", "/schemas/..%2Fsessions".to_string()),
    ];
    let mocks: Vec<_> = expected
        .iter()
        .map(|(method, path)| {
            server.mock(move |when, then| {
                query_exactly(when.method(*method).path(path), &[]);
                then.status(404);
            })
        })
        .collect();
    let any = catch_all(&server);
    let client = client(&server);
    let body = UpdateIdentityBody::new("default", IdentityState::Active, json!({}));

    let results = [
        client.get_identity(id).send().map(|_| ()),
        client.update_identity(id, body).send().map(|_| ()),
        client
            .patch_identity(id, vec![JsonPatch::remove("/metadata_admin")])
            .send()
            .map(|_| ()),
        client.delete_identity(id).send().map(|_| ()),
        client.list_identity_sessions(id).send().map(|_| ()),
        client.delete_identity_sessions(id).send().map(|_| ()),
        client
            .delete_identity_credentials(id, "../password")
            .send()
            .map(|_| ()),
        client.get_session(id).send().map(|_| ()),
        client.disable_session(id).send().map(|_| ()),
        client.extend_session(id).send().map(|_| ()),
        client.get_identity_by_external_id(id).send().map(|_| ()),
        client.get_identity_schema(id).send().map(|_| ()),
    ];
    for (i, result) in results.into_iter().enumerate() {
        let err = result.unwrap_err();
        assert!(err.is_not_found(), "{:?}: {err}", expected[i]);
    }

    for mock in &mocks {
        mock.assert_calls(1);
    }
    any.assert_calls(0);
}

/// `.` and `..` are unreserved, so percent-encoding leaves them alone; as a
/// whole path segment they are dot-segments that any URL normaliser (a
/// reverse proxy, the server's router) resolves: `list_identity_sessions("..")`
/// would become `GET /admin/sessions`, every session of every identity.
#[test]
fn dot_segment_ids_never_leave_their_segment() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);

    for id in [".", ".."] {
        let results = [
            client.get_identity(id).send().map(|_| ()),
            client.list_identity_sessions(id).send().map(|_| ()),
            client.delete_identity_sessions(id).send().map(|_| ()),
            client.delete_identity(id).send().map(|_| ()),
            client.get_session(id).send().map(|_| ()),
            client.get_identity_schema(id).send().map(|_| ()),
        ];
        for result in results {
            assert!(
                matches!(result, Err(Error::InvalidInput { .. })),
                "{id:?}: {result:?}"
            );
        }
    }
    any.assert_calls(0);
}

#[test]
fn an_empty_id_sends_nothing() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let body = || UpdateIdentityBody::new("default", IdentityState::Active, json!({}));

    let results = [
        ("get_identity", client.get_identity("").send().map(|_| ())),
        (
            "get_identity_by_external_id",
            client.get_identity_by_external_id("").send().map(|_| ()),
        ),
        (
            "update_identity",
            client.update_identity("", body()).send().map(|_| ()),
        ),
        (
            "patch_identity",
            client.patch_identity("", vec![]).send().map(|_| ()),
        ),
        (
            "delete_identity",
            client.delete_identity("").send().map(|_| ()),
        ),
        (
            "delete_identity_credentials",
            client
                .delete_identity_credentials("", "password")
                .send()
                .map(|_| ()),
        ),
        (
            "delete_identity_sessions",
            client.delete_identity_sessions("").send().map(|_| ()),
        ),
        (
            "list_identity_sessions",
            client.list_identity_sessions("").send().map(|_| ()),
        ),
        ("get_session", client.get_session("").send().map(|_| ())),
        (
            "disable_session",
            client.disable_session("").send().map(|_| ()),
        ),
        (
            "extend_session",
            client.extend_session("").send().map(|_| ()),
        ),
        (
            "get_identity_schema",
            client.get_identity_schema("").send().map(|_| ()),
        ),
    ];
    for (op, result) in results {
        match result {
            Err(Error::InvalidInput { message, .. }) => assert!(!message.is_empty(), "{op}"),
            other => panic!("{op}: expected InvalidInput, got {other:?}"),
        }
    }
    any.assert_calls(0);
}

#[test]
fn a_transport_failure_names_the_kind() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = IdentityClient::builder(format!("http://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap();

    let err = client.list_identities().send().unwrap_err();

    match &err {
        Error::Transport { kind, .. } => assert_eq!(*kind, TransportErrorKind::Connect, "{err}"),
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(TransportErrorKind::Connect.before_request_sent());
}

/// A host that does not resolve: nothing was sent. The system's resolver
/// fails with an I/O error that ureq passes on as it is; it read "the
/// connection broke … it may have been applied", and an import reported
/// every input of three chunks as of unknown outcome and looked them up.
/// `.invalid` never resolves (RFC 6761).
#[test]
fn a_host_that_does_not_resolve_is_dns_and_nothing_was_sent() {
    let client = IdentityClient::builder("http://kratos-admin.invalid:4434")
        .max_retries(0)
        .build()
        .unwrap();

    let err = client
        .create_identity(kratos_identity::CreateIdentityBody::new(
            "default",
            serde_json::json!({"email": "ada@example.com"}),
        ))
        .send()
        .unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::Dns),
        "{err:?}"
    );
    assert!(!err.may_have_been_applied(), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(
            "create_identity (POST /admin/identities): could not resolve the host of http://kratos-admin.invalid:4434"
        ),
        "{message}"
    );
    assert!(!message.contains("may have been applied"), "{message}");

    let bodies = (0..3).map(|i| {
        kratos_identity::CreateIdentityBody::new(
            "default",
            serde_json::json!({"email": format!("u{i}@example.com")}),
        )
    });
    let report = client.import_identities(bodies).chunk_size(1).send();
    assert_eq!(report.created, 0, "{report}");
    assert_eq!(report.lookups, 0, "nothing to look up: {report}");
    assert!(report.stopped().is_some(), "{report}");
    assert!(
        report.failures.iter().all(|f| f.error.is_safe_to_resend()),
        "{report}: {:?}",
        report.failures
    );
}

/// `https://host:443` and `http://host:80` name the same origin as
/// `https://host` and `http://host`; the client must still send the token to
/// its own base URL when that URL spells the default port out.
///
/// Needs port 80 on loopback (root, or a sandbox); skipped when it is taken.
#[test]
fn an_explicit_default_port_still_gets_the_token() {
    use std::io::{BufRead, BufReader, Write};

    let Ok(listener) = std::net::TcpListener::bind("127.0.0.1:80") else {
        eprintln!("port 80 is not available; skipping");
        return;
    };
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let mut stream = reader.into_inner();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]")
            .unwrap();
        head
    });

    let client = IdentityClient::builder("http://127.0.0.1:80")
        .bearer_token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap();
    client.list_identities().send().unwrap();

    let head = server.join().unwrap();
    assert!(
        head.contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )),
        "{head}"
    );
}

/// `build()` promises `Error::Config` for a header value that is not valid
/// HTTP; the token becomes the `Authorization` value, so a token with a line
/// break should be refused there, not at the first `send()`.
#[test]
fn a_token_with_a_line_break_is_a_config_error() {
    let built = IdentityClient::builder("http://127.0.0.1:4434")
        .bearer_token("ory_pat_abc\r\nX-Admin: 1")
        .build();

    assert!(matches!(built, Err(Error::Config { .. })), "{built:?}");
}

#[test]
fn a_header_named_like_a_default_replaces_it() {
    let server = MockServer::start();
    let replaced = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .header("accept", "application/json; charset=utf-8")
            .header("user-agent", "custom/1.0")
            .header_count("^accept$", ".*", 1)
            .header_count("^user-agent$", ".*", 1);
        then.status(200).body("[]");
    });

    let client = IdentityClient::builder(server.base_url())
        .header("Accept", "application/json; charset=utf-8")
        .header("User-Agent", "custom/1.0")
        .build()
        .unwrap();
    client.list_identities().send().unwrap();

    replaced.assert();
}

// ---------------------------------------------------------------- any Duration, any header

/// `Duration::MAX` is how people write "no limit"; it used to overflow an
/// `Instant` inside ureq on the first request.
#[test]
fn any_duration_works_for_every_timeout_and_backoff() {
    let server = MockServer::start();
    let answered = server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200).body("[]");
    });
    let flaky = server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        then.status(503).header("retry-after", "0").body("busy");
    });
    let client = IdentityClient::builder(server.base_url())
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .read_timeout(Duration::MAX)
        .retry(
            RetryPolicy::default()
                .max_retries(1)
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX)
                .max_retry_after(Duration::MAX),
        )
        .build()
        .unwrap();
    client.list_identities().send().unwrap();
    client
        .list_identities()
        .timeout(Duration::MAX)
        .send()
        .unwrap();
    answered.assert_calls(2);
    // A retry with a huge backoff but a server hint of 0 s waits 0 s.
    let err = client.list_sessions().send().unwrap_err();
    assert_eq!(err.status(), Some(503));
    flaky.assert_calls(2);
}

#[test]
fn header_values_and_hosts_that_cannot_be_sent_fail_at_build() {
    for (name, value) in [
        ("X-Tenant", "a\tb\u{1}"),
        ("X-Tenant", "a\u{7f}"),
        ("X-Tenant", "a\rb"),
    ] {
        let built = IdentityClient::builder("http://127.0.0.1:4434")
            .header(name, value)
            .build();
        match built {
            Err(Error::Config { message, .. }) => {
                assert!(message.contains(name), "{message}");
                assert!(
                    !message.contains(value),
                    "the value may be a secret: {message}"
                );
            }
            other => panic!("{value:?}: expected Error::Config, got {other:?}"),
        }
    }
    let built = IdentityClient::builder("http://127.0.0.1:4434")
        .user_agent("sync\u{0}tool")
        .build();
    assert!(matches!(built, Err(Error::Config { .. })), "{built:?}");
    // A tab is allowed inside a header value.
    IdentityClient::builder("http://127.0.0.1:4434")
        .header("X-Tenant", "a\tb")
        .build()
        .unwrap();

    for host in ["http://bücher.example", "https://kratos.例え.jp/admin"] {
        let built = IdentityClient::new(host);
        match built {
            Err(Error::Config { message, .. }) => {
                assert!(message.contains("punycode"), "{message}")
            }
            other => panic!("{host}: expected Error::Config, got {other:?}"),
        }
    }
    IdentityClient::new("http://xn--bcher-kva.example").unwrap();
}

/// Loopback is an IP literal in 127.0.0.0/8, `[::1]` or `localhost`: a
/// registered name that starts with `127.` is another machine.
#[test]
fn a_key_over_plain_http_needs_a_real_loopback_host() {
    for remote in [
        "http://127.attacker.example",
        "http://127.0.0.1.nip.io:4434",
        "http://localhost.attacker.example",
    ] {
        let built = IdentityClient::builder(remote).bearer_token(TOKEN).build();
        assert!(
            matches!(built, Err(Error::Config { .. })),
            "{remote}: {built:?}"
        );
    }
    for local in [
        "http://127.0.0.1:4434",
        "http://127.9.8.7",
        "http://[::1]:4434",
        "http://localhost:4434",
        "http://kratos.localhost",
    ] {
        IdentityClient::builder(local)
            .bearer_token(TOKEN)
            .build()
            .unwrap_or_else(|e| panic!("{local}: {e}"));
    }
}

/// A build without TLS says so at `build()` for an `https://` URL, rather
/// than failing every request.
#[test]
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn an_https_url_without_tls_compiled_in_is_a_config_error() {
    let err = IdentityClient::new("https://my-slug.projects.oryapis.com").unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("rustls"), "{err}");
    // Plain HTTP still works, as on a private admin port.
    IdentityClient::new("http://10.0.0.7:4434").unwrap();
}

/// A base URL can carry a password or a key (`https://admin:pw@host`,
/// `?api_key=…`, often straight from an environment variable): neither
/// the error about it nor the builder's `Debug` repeats them.
#[test]
fn config_errors_and_debug_never_repeat_credentials_from_the_base_url() {
    for url in [
        "https://admin:hunter2@kratos.example.com",
        "https://kratos.example.com/?api_key=ory_pat_hunter2",
        "https://kratos.example.com/#ory_pat_hunter2",
        "ftp://admin:hunter2@kratos.example.com/x?y=hunter2",
        "https://kratos.example.com/hunter2 path",
        "admin:hunter2@kratos.example.com",
    ] {
        let builder = builder_for(url).bearer_token("ory_pat_secret");
        let debug = format!("{builder:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("ory_pat"), "{debug}");
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{url}: {err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("kratos.example.com"), "{shown}");
    }
}

#[test]
fn a_token_with_its_scheme_is_refused() {
    for token in [
        "Bearer ory_pat_abc",
        "bearer ory_pat_abc",
        " BEARER ory_pat_abc",
    ] {
        let err = builder_for("https://kratos.example.com")
            .bearer_token(token)
            .build()
            .unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("pass the token alone"), "{shown}");
        assert!(!shown.contains("ory_pat_abc"), "{shown}");
    }
    for (token, says) in [
        ("Basic YWRtaW46cHc=", "starts with \"Basic \""),
        (" ory_pat_abc", "has spaces"),
        ("ory_pat abc", "has spaces"),
    ] {
        let err = builder_for("https://kratos.example.com")
            .bearer_token(token)
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{token:?}: {err}");
        assert!(
            !err.contains("YWRtaW46cHc") && !err.contains("abc"),
            "{err}"
        );
    }
    // A token that merely contains the word is fine.
    assert!(
        builder_for("https://kratos.example.com")
            .bearer_token("bearerish_token")
            .build()
            .is_ok()
    );
}

#[test]
fn a_zero_request_timeout_is_refused_unsent() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let err = client(&server)
        .list_identities()
        .timeout(Duration::ZERO)
        .send()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "list_identities (GET /admin/identities): invalid input: timeout must be greater than zero"
    );
    any.assert_calls(0);
}

/// A request's `Debug` names the operation, never its parameters: a filter
/// may be an email address, a body a password hash.
#[test]
fn debug_of_a_request_shows_no_parameter_values() {
    let server = MockServer::start();
    let client = client(&server);
    let list = format!(
        "{:?}",
        client
            .list_identities()
            .credentials_identifier("ada.lovelace@example.com")
    );
    assert!(!list.contains("ada.lovelace"), "{list}");
    assert!(
        list.contains("list_identities (GET /admin/identities)"),
        "{list}"
    );
    let patch = client.patch_identity(
        IDENTITY_ID,
        vec![
            JsonPatch::replace(
                "/credentials/password/config/hashed_password",
                "$2a$10$SECRETHASH",
            ),
            JsonPatch::replace("/state", "inactive"),
        ],
    );
    let shown = format!("{patch:?}");
    assert!(!shown.contains("SECRETHASH"), "{shown}");
    let patches = format!(
        "{:?}",
        JsonPatch::replace(
            "/credentials/password/config/hashed_password",
            "$2a$10$SECRETHASH"
        )
    );
    assert!(!patches.contains("SECRETHASH"), "{patches}");
    assert!(patches.contains("[redacted]"), "{patches}");
    // Other values stay readable.
    assert!(format!("{:?}", JsonPatch::replace("/state", "inactive")).contains("inactive"));
}

/// A UUID in any form the `uuid` crate reads (upper case, braces,
/// `urn:uuid:`, no hyphens) goes out in its canonical form, in paths and
/// in the `ids` filter alike.
#[test]
fn uuids_in_any_form_are_sent_in_canonical_form() {
    let server = MockServer::start();
    let deleted = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/admin/identities/{IDENTITY_ID}"));
        then.status(204);
    });
    let listed = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param("ids", IDENTITY_ID);
        then.status(200).body("[]");
    });
    let client = client(&server);
    let upper = IDENTITY_ID.to_uppercase();
    let simple = IDENTITY_ID.replace('-', "");
    for form in [
        upper.clone(),
        format!("{{{IDENTITY_ID}}}"),
        format!("urn:uuid:{IDENTITY_ID}"),
        simple.clone(),
        format!("  {IDENTITY_ID}\t"),
    ] {
        client
            .delete_identity(&form)
            .missing_ok(true)
            .send()
            .unwrap();
        let _ = client
            .list_identities()
            .ids([form.as_str()])
            .send()
            .unwrap();
    }
    deleted.assert_calls(5);
    listed.assert_calls(5);
}
