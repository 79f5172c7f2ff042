//! Request logs through the `log` facade: a record per attempt at `debug`,
//! retries and waits at `warn`, and never a key, a body or a query value.

mod common;

use common::logs;

use httpmock::prelude::*;
use kratos_identity::IdentityClient;
use log::{Level, LevelFilter};

const KEY: &str = "ory_pat_logging_test_SECRETKEY";
const EMAIL: &str = "ada.lovelace@example.com";

#[test]
fn every_attempt_is_logged_and_nothing_secret_is() {
    logs::capture(LevelFilter::Trace);

    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(r#"[{{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{{"email":"{EMAIL}"}}}}]"#));
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/sessions");
        then.status(503)
            .header("retry-after", "0")
            .body(format!("down, {EMAIL}"));
    });
    let client = IdentityClient::builder(server.base_url())
        .bearer_token(KEY)
        .retry(kratos_identity::RetryPolicy::default().max_retries(1))
        .build()
        .unwrap();
    client
        .list_identities()
        .credentials_identifier(EMAIL)
        .send()
        .unwrap();
    client.list_sessions().active(true).send().unwrap_err();

    let records = logs::records();
    let debug: Vec<&String> = records
        .iter()
        .filter(|(level, _)| *level == Level::Debug)
        .map(|(_, line)| line)
        .collect();
    assert_eq!(debug.len(), 3, "{records:#?}");
    assert!(
        debug[0].starts_with("list_identities: GET /admin/identities -> 200 in ")
            && debug[0].ends_with(" ms (attempt 1)"),
        "{debug:?}"
    );
    assert!(
        debug[1].starts_with("list_sessions: GET /admin/sessions -> 503 in "),
        "{debug:?}"
    );
    assert!(debug[2].ends_with("(attempt 2)"), "{debug:?}");
    let warnings: Vec<&String> = records
        .iter()
        .filter(|(level, _)| *level == Level::Warn)
        .map(|(_, line)| line)
        .collect();
    assert_eq!(warnings.len(), 1, "{records:#?}");
    assert!(
        warnings[0]
            == "list_sessions: GET /admin/sessions: attempt 1 failed (HTTP 503), retrying in 0 ms",
        "{warnings:?}"
    );
    for (_, line) in &records {
        for secret in [KEY, "SECRETKEY", "ada.lovelace", "active=true", "Bearer"] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }
    // No rate-limit headers, no pacing, and nothing said about it.
    assert!(
        !records.iter().any(|(_, line)| line.contains("pacing")),
        "{records:#?}"
    );

    // The other records: an external id (often an email) logged as the
    // path template, a page with an item that does not decode, a wait for
    // the rate-limit budget.
    logs::clear();
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path_includes("/admin/identities/by/external/");
        then.status(404)
            .body(r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#);
    });
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(200).body(format!(
            r#"[{{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{{"age":"{EMAIL}"}}}},{{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{{"age":7}}}}]"#
        ));
    });
    server.mock(|when, then| {
        when.method(GET).path_includes("/admin/sessions/");
        then.status(200)
            .header("x-ratelimit-limit", "1")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1")
            .body(r#"{"id":"5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4"}"#);
    });
    let client = IdentityClient::builder(server.base_url())
        .bearer_token(KEY)
        .build()
        .unwrap();
    let _ = client.get_identity_by_external_id(EMAIL).send();
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Traits {
        age: u32,
    }
    let page = client
        .list_identities()
        .traits::<Traits>()
        .send_lenient()
        .unwrap();
    assert_eq!((page.len(), page.errors().len()), (1, 1));
    for _ in 0..2 {
        client
            .get_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4")
            .send()
            .unwrap();
    }
    let records = logs::records();
    let has = |level: Level, text: &str| {
        records
            .iter()
            .any(|(l, line)| *l == level && line.contains(text))
    };
    assert!(
        has(
            Level::Debug,
            "get_identity_by_external_id: GET /admin/identities/by/external/{externalID} -> 404"
        ),
        "{records:#?}"
    );
    assert!(
        has(
            Level::Warn,
            "list_identities: 1 item(s) of the page did not decode (the first at index 0)"
        ),
        "{records:#?}"
    );
    assert!(
        has(
            Level::Warn,
            "get_session: GET /admin/sessions/5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4: waiting"
        ),
        "{records:#?}"
    );
    for (_, line) in &records {
        for secret in [KEY, "SECRETKEY", "ada.lovelace", "example.com", "Bearer"] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }

    // An id that is not a UUID (an email, often) is logged as its
    // `{name}`, in the attempts and in the retries; a UUID and a credential
    // type are logged as they are. Issue 25: `log_path` hid only an
    // external id, so `get_identity(email)` logged the email.
    logs::clear();
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(503).header("retry-after", "0").body("down");
    });
    let client = IdentityClient::builder(server.base_url())
        .retry(kratos_identity::RetryPolicy::default().max_retries(1))
        .build()
        .unwrap();
    let id = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
    client.get_identity(EMAIL).send().unwrap_err();
    client
        .delete_identity_credentials(EMAIL, "oidc")
        .send()
        .unwrap_err();
    client
        .delete_identity_credentials(id, "oidc")
        .send()
        .unwrap_err();
    let records = logs::records();
    let has = |level: Level, text: &str| {
        records
            .iter()
            .any(|(l, line)| *l == level && line.contains(text))
    };
    for (level, text) in [
        (
            Level::Debug,
            "get_identity: GET /admin/identities/{id} -> 503",
        ),
        (
            Level::Warn,
            "get_identity: GET /admin/identities/{id}: attempt 1 failed (HTTP 503)",
        ),
        (
            Level::Warn,
            "delete_identity_credentials: DELETE /admin/identities/{id}/credentials/oidc: attempt 1 failed",
        ),
        (
            Level::Warn,
            "delete_identity_credentials: DELETE /admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13/credentials/oidc: attempt 1 failed",
        ),
    ] {
        assert!(has(level, text), "{text}: {records:#?}");
    }
    for (_, line) in &records {
        for secret in ["ada.lovelace", "lovelace%40", "example.com"] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }

    // Imports: the split of a refused chunk and a stop say which call
    // failed and how, in a few words; a failed connection says its kind.
    logs::clear();
    let refusing = MockServer::start();
    // As Kratos, it takes a batch of no identities: its refusal is of
    // the content.
    refusing.mock(|when, then| {
        when.method(PATCH)
            .path("/admin/identities")
            .body(r#"{"identities":[]}"#);
        then.status(200).body(r#"{"identities":[]}"#);
    });
    refusing.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(400).body(format!(
            r#"{{"error":{{"code":400,"status":"Bad Request","message":"bad {EMAIL}"}}}}"#
        ));
    });
    // A proxy that refuses every batch, one of no identities too.
    let blocking = MockServer::start();
    blocking.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(400).body(format!("blocked {EMAIL}"));
    });
    let unauthorized = MockServer::start();
    unauthorized.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(401)
            .body(r#"{"error":{"code":401,"status":"Unauthorized"}}"#);
    });
    let bodies = || {
        (0..2).map(|i| {
            kratos_identity::CreateIdentityBody::new(
                "default",
                serde_json::json!({ "email": format!("{i}.{EMAIL}") }),
            )
        })
    };
    let import_into = |server: &MockServer| {
        IdentityClient::builder(server.base_url())
            .bearer_token(KEY)
            .max_retries(0)
            .build()
            .unwrap()
            .import_identities(bodies())
            .send()
    };
    assert_eq!(import_into(&refusing).failures.len(), 2);
    let unsplit = IdentityClient::builder(refusing.base_url())
        .max_retries(0)
        .build()
        .unwrap()
        .import_identities(bodies())
        .max_split_requests(0)
        .send();
    assert_eq!(unsplit.failures.len(), 2);
    assert_eq!(import_into(&unauthorized).failures.len(), 2);
    assert!(import_into(&blocking).stopped().is_some());
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    IdentityClient::builder(format!("http://127.0.0.1:{closed}"))
        .retry(
            kratos_identity::RetryPolicy::default()
                .max_retries(1)
                .initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap()
        .list_identities()
        .send()
        .unwrap_err();
    let records = logs::records();
    let warnings: Vec<&String> = records
        .iter()
        .filter(|(level, _)| *level == Level::Warn)
        .map(|(_, line)| line)
        .collect();
    assert!(
        records.iter().any(|(level, line)| *level == Level::Info
            && line.starts_with(
                "import: a chunk of 2 inputs (0 to 1) was refused as a whole \
                 (batch_patch_identities: HTTP 400); splitting it"
            )),
        "{records:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "import stopped: the server refused a batch (batch_patch_identities: HTTP 400) \
             and a batch of no identities alike: it refuses every batch; 2 inputs read"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "import: a chunk of 2 inputs (0 to 1) was refused as a whole \
             (batch_patch_identities: HTTP 400); not splitting it (max_split_requests is 0)"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "import: splitting inputs 0 to 1 stopped at max_split_requests (0); the inputs not isolated are reported as not created"
        )),
        "{warnings:#?}"
    );
    assert_eq!(
        records
            .iter()
            .filter(|(_, line)| line.contains("stopped at max_split_requests"))
            .count(),
        1,
        "only the capped split says it stopped: {records:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "import stopped after 1 failed chunk(s) in a row (batch_patch_identities: HTTP 401), 2 inputs read"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "list_identities: GET /admin/identities: attempt 1 failed (a connect error), retrying in "
        )),
        "{warnings:#?}"
    );
    for (_, line) in &records {
        for secret in [KEY, "SECRETKEY", "ada.lovelace", "example.com", "Bearer"] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }
}
