//! Request logs through the `log` facade: a record per attempt at `debug`,
//! retries and waits at `warn`, and never a key, a body or a query value.

use std::sync::Mutex;

use httpmock::prelude::*;
use kratos_identity::IdentityClient;
use log::{Level, LevelFilter, Log, Metadata, Record};

const KEY: &str = "ory_pat_logging_test_SECRETKEY";
const EMAIL: &str = "ada.lovelace@example.com";

/// Keeps every record, for the test to read.
struct Capture(Mutex<Vec<(Level, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }
    fn log(&self, record: &Record) {
        if record.target().starts_with("kratos_identity") {
            let line = format!("{}", record.args());
            self.0.lock().unwrap().push((record.level(), line));
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn every_attempt_is_logged_and_nothing_secret_is() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(LevelFilter::Trace);

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

    let records = CAPTURE.0.lock().unwrap().clone();
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
            == "GET /admin/sessions: attempt 1 failed (list_sessions: HTTP 503), retrying in 0 ms",
        "{warnings:?}"
    );
    for (_, line) in &records {
        for secret in [KEY, "SECRETKEY", "ada.lovelace", "active=true", "Bearer"] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }
}
