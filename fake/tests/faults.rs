//! Faults aimed at one call ([`Fault`]), through the real client
//! (`kratos_identity::IdentityClient`) and, where the client would hide what
//! happened, through a raw `TcpStream`: each target kind, `next`/`every`
//! counting only the requests a fault matches (so retries of other
//! operations never shift it), `after_work`, a dropped connection, a stall,
//! spent faults, the order of faults, and the binary's `--fault`.
//!
//! Stalls are at most 300 ms, and no assertion times more than "it stalled
//! at least this long".

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kratos_identity::{
    CreateIdentityBody, Error, IdentityClient, IdentityPatch, Operation, PatchIdentitiesBody,
    RetryPolicy,
};
use kratos_identity_fake::{FakeKratos, FakeRequest, Fault, KratosVersion};
use serde_json::json;

// ------------------------------------------------------------------ helpers

/// A client that never retries, to see each answer as the fake gave it.
fn unretried(kratos: &FakeKratos) -> IdentityClient {
    IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

/// A client that retries what is safe to retry, without waiting long.
fn quick_retries(kratos: &FakeKratos) -> IdentityClient {
    let policy = RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5));
    IdentityClient::builder(kratos.base_url())
        .retry(policy)
        .build()
        .unwrap()
}

fn user(name: &str) -> CreateIdentityBody {
    CreateIdentityBody::new("default", json!({"email": format!("{name}@example.com")}))
}

/// The `reason` of Kratos's error body.
fn reason(err: &Error) -> String {
    err.api()
        .and_then(|api| api.reason())
        .unwrap_or_default()
        .to_string()
}

/// Sends one raw request with `Connection: close` and reads until the
/// server closes the connection: the whole answer, or nothing at all.
fn raw(kratos: &FakeKratos, method: &str, path: &str, body: &str) -> String {
    let addr = kratos.base_url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

/// The status line's code of a raw answer.
fn status_of(answer: &str) -> &str {
    answer.split(' ').nth(1).unwrap_or("")
}

/// Each logged request's status, and the fault that acted on it (as code).
fn log(kratos: &FakeKratos) -> Vec<(u16, Option<String>)> {
    kratos
        .requests()
        .iter()
        .map(|r: &FakeRequest| (r.status, r.fault.as_ref().map(Fault::to_string)))
        .collect()
}

// ------------------------------------------------------------------ targets

#[test]
fn on_an_operation_counts_only_that_operation() {
    let kratos = FakeKratos::builder()
        .fault(Fault::on(Operation::CREATE_IDENTITY).status(503).next(2))
        .start();
    let client = unretried(&kratos);
    for n in 1..=2 {
        client.list_identities().send().unwrap();
        let err = client.create_identity(user("ada")).send().unwrap_err();
        assert_eq!(err.status(), Some(503), "{err}");
        assert_eq!(
            reason(&err),
            format!(
                "injected by Fault::on(create_identity).status(503).next(2) (matching request {n})"
            )
        );
    }
    client.create_identity(user("ada")).send().unwrap();
    assert_eq!(kratos.identity_count(), 1);
    let fault = Some("Fault::on(create_identity).status(503).next(2)".to_string());
    assert_eq!(
        log(&kratos),
        [
            (200, None),
            (503, fault.clone()),
            (200, None),
            (503, fault),
            (201, None)
        ]
    );
}

#[test]
fn on_request_matches_the_method_and_path_template() {
    let kratos = FakeKratos::builder().identities(2).start();
    let ids: Vec<String> = kratos
        .identities()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    kratos.add_fault(Fault::on_request("delete", "/admin/identities/{id}").status(500));
    let client = unretried(&kratos);
    // Another method, a longer path, a shorter one: not aimed at.
    client.get_identity(&ids[0]).send().unwrap();
    let sessions = client.delete_identity_sessions(&ids[0]).send().unwrap_err();
    assert_eq!(sessions.status(), Some(404), "no sessions: {sessions}");
    assert!(reason(&sessions).is_empty(), "{sessions}");
    assert_eq!(
        status_of(&raw(&kratos, "DELETE", "/admin/identities", "")),
        "405"
    );
    // Any id, one that is no UUID included; the query does not matter.
    for id in [ids[0].as_str(), ids[1].as_str(), "not-a-uuid"] {
        let answer = raw(
            &kratos,
            "DELETE",
            &format!("/admin/identities/{id}?x=1"),
            "",
        );
        assert_eq!(status_of(&answer), "500", "{answer}");
        assert!(
            answer.contains(r#"injected by Fault::on_request(\"DELETE\", \"/admin/identities/{id}\").status(500)"#),
            "{answer}"
        );
    }
    assert_eq!(kratos.identity_count(), 2);
    // `{id}` takes one non-empty segment only.
    let answer = raw(&kratos, "DELETE", "/admin/identities/", "");
    assert_ne!(status_of(&answer), "500", "{answer}");
}

#[test]
fn on_an_operation_follows_the_fakes_routing() {
    let kratos = FakeKratos::builder().identities(1).start();
    kratos.add_fault(Fault::on(Operation::GET_IDENTITY).status(500));
    let client = unretried(&kratos);
    // `/admin/identities/by/external/{externalID}` is another operation,
    // though its first segments fit `/admin/identities/{id}`.
    let err = client
        .get_identity_by_external_id("nobody")
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    let id = kratos.identities()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        client.get_identity(&id).send().unwrap_err().status(),
        Some(500)
    );
    kratos.clear_faults();
    assert!(client.get_identity(&id).send().is_ok());

    // An operation v26.2.0 has no route for is still aimed at by its
    // method and path; once the fault is spent, the router's 405 is back.
    let v26 = FakeKratos::builder().version(KratosVersion::V26_2).start();
    v26.add_fault(Fault::on(Operation::MANAGE_SESSIONS).status(503).next(1));
    assert_eq!(
        status_of(&raw(&v26, "POST", "/admin/sessions", "{}")),
        "503"
    );
    assert_eq!(
        status_of(&raw(&v26, "POST", "/admin/sessions", "{}")),
        "405"
    );
}

#[test]
fn any_matches_every_request_whatever_its_path() {
    let kratos = FakeKratos::builder()
        .fault(Fault::any().status(500).next(3))
        .start();
    let client = unretried(&kratos);
    assert_eq!(client.get_version().send().unwrap_err().status(), Some(500));
    assert_eq!(
        client.list_sessions().send().unwrap_err().status(),
        Some(500)
    );
    // A path no route serves: the fault answers before the router would.
    let answer = raw(&kratos, "GET", "/nowhere", "");
    assert_eq!(status_of(&answer), "500", "{answer}");
    assert!(
        answer.contains("injected by Fault::any().status(500).next(3) (matching request 3)"),
        "{answer}"
    );
    assert!(kratos.faults().is_empty());
    assert!(raw(&kratos, "GET", "/nowhere", "").ends_with("404 page not found\n"));
}

// ------------------------------------------------------------------ counting

/// The loop of issue 19: look an address up, create it when missing. The
/// lookups fail every second time and are retried; the creates fail every
/// third time, counted among creates only, so exactly the 3rd, 6th and 9th
/// create fail, however many lookups were retried in between.
#[test]
fn retries_of_other_operations_never_shift_the_count() {
    let kratos = FakeKratos::builder()
        .fault(Fault::on(Operation::LIST_IDENTITIES).status(503).every(2))
        .fault(Fault::on(Operation::CREATE_IDENTITY).status(500).every(3))
        .start();
    let client = quick_retries(&kratos);
    let mut failed = Vec::new();
    for n in 0..9 {
        let name = format!("user{n}");
        let found = client
            .list_identities()
            .credentials_identifier(format!("{name}@example.com"))
            .send()
            .unwrap();
        assert!(found.is_empty());
        if let Err(err) = client.create_identity(user(&name)).send() {
            assert_eq!(err.status(), Some(500), "{err}");
            failed.push(n);
        }
    }
    assert_eq!(failed, [2, 5, 8]);
    assert_eq!(kratos.identity_count(), 6);
    // The lookups really were retried: 9 answered, 8 refused in between.
    let lists: Vec<u16> = kratos
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.status)
        .collect();
    assert_eq!(lists.iter().filter(|&&s| s == 200).count(), 9);
    assert_eq!(lists.iter().filter(|&&s| s == 503).count(), 8);
}

#[test]
fn every_n_counts_only_matching_requests_and_is_never_spent() {
    let kratos = FakeKratos::builder().identities(1).start();
    kratos.add_fault(Fault::on(Operation::GET_VERSION).status(502).every(2));
    let client = unretried(&kratos);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        client.list_identities().send().unwrap(); // not counted
        let result = client.get_version().send();
        statuses.push(result.err().and_then(|e| e.status()));
        client.list_identities().send().unwrap(); // not counted
        let result = client.get_version().send();
        statuses.push(result.err().and_then(|e| e.status()));
    }
    assert_eq!(
        statuses,
        [None, Some(502), None, Some(502), None, Some(502)]
    );
    assert_eq!(kratos.faults().len(), 1);
}

#[test]
fn next_n_is_spent_then_dropped() {
    let kratos = FakeKratos::start();
    kratos.add_fault(Fault::on(Operation::LIST_IDENTITIES).status(503).next(2));
    kratos.add_fault(Fault::on(Operation::GET_VERSION).status(503).next(1));
    // Faults that could never act are not kept.
    kratos.add_fault(Fault::any().status(500).next(0));
    kratos.add_fault(Fault::any().status(500).every(0));
    assert_eq!(kratos.faults().len(), 2);
    let client = unretried(&kratos);
    assert!(client.list_identities().send().is_err());
    assert_eq!(
        kratos.faults(),
        [
            Fault::on(Operation::LIST_IDENTITIES).status(503).next(2),
            Fault::on(Operation::GET_VERSION).status(503).next(1),
        ]
    );
    assert!(client.list_identities().send().is_err());
    assert_eq!(
        kratos.faults(),
        [Fault::on(Operation::GET_VERSION).status(503).next(1)]
    );
    for _ in 0..3 {
        client.list_identities().send().unwrap();
    }
    assert!(client.get_version().send().is_err());
    assert!(kratos.faults().is_empty());
    client.get_version().send().unwrap();
    // A fault added later counts from then on.
    kratos.add_fault(Fault::on(Operation::GET_VERSION).status(504).every(2));
    client.get_version().send().unwrap();
    assert_eq!(client.get_version().send().unwrap_err().status(), Some(504));
}

#[test]
fn faults_are_consulted_in_order_and_the_first_that_acts_decides() {
    let kratos = FakeKratos::builder()
        .fault(Fault::on(Operation::LIST_IDENTITIES).status(500).every(2))
        .fault(Fault::any().status(503).next(1))
        .fault(Fault::on(Operation::LIST_IDENTITIES).status(502).next(1))
        .start();
    let client = unretried(&kratos);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            client
                .list_identities()
                .send()
                .err()
                .and_then(|e| e.status()),
        );
    }
    // 1st: the every(2) fault counts it without acting; `any` acts.
    // 2nd: every(2) acts; the later faults never see the request.
    // 3rd: every(2) counts it; `any` is spent; the last fault acts.
    // 4th: every(2) acts. 5th: nothing acts.
    assert_eq!(statuses, [Some(503), Some(500), Some(502), Some(500), None]);
    assert_eq!(
        log(&kratos)
            .iter()
            .map(|(_, fault)| fault.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            "Fault::any().status(503).next(1)",
            "Fault::on(list_identities).status(500).every(2)",
            "Fault::on(list_identities).status(502).next(1)",
            "Fault::on(list_identities).status(500).every(2)",
            "",
        ]
    );
}

#[test]
fn the_global_faults_come_first_and_keep_their_own_count() {
    let kratos = FakeKratos::builder()
        .fail_every(2, 500)
        .fault(Fault::on(Operation::LIST_IDENTITIES).status(503).every(2))
        .start();
    let client = unretried(&kratos);
    let statuses: Vec<Option<u16>> = (0..5)
        .map(|_| {
            client
                .list_identities()
                .send()
                .err()
                .and_then(|e| e.status())
        })
        .collect();
    // fail_every refuses the 2nd and 4th; the fault sees only the others,
    // and acts on the second of those.
    assert_eq!(statuses, [None, Some(500), Some(503), Some(500), None]);
    let log = kratos.requests();
    assert_eq!(log[1].fault, None, "fail_every is not an aimed fault");
    let answer = client.list_identities().send().unwrap_err();
    assert!(reason(&answer).contains("FakeKratos::fail_every(2, 500)"));
}

// ------------------------------------------------------------------ outcomes

#[test]
fn a_429_fault_says_when_to_come_back() {
    let kratos = FakeKratos::builder()
        .fault(Fault::on(Operation::LIST_IDENTITIES).status(429).next(1))
        .start();
    let answer = raw(&kratos, "GET", "/admin/identities", "");
    assert!(
        answer.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
        "{answer}"
    );
    for header in [
        "retry-after: 1\r\n",
        "x-ratelimit-remaining: 0\r\n",
        "x-ratelimit-reset: 1\r\n",
    ] {
        assert!(answer.contains(header), "{header}: {answer}");
    }
    assert!(
        answer.contains(r#""reason":"injected by Fault::on(list_identities).status(429).next(1) (matching request 1)""#),
        "{answer}"
    );
}

#[test]
fn after_work_creates_the_identity_and_then_fails_the_answer() {
    let kratos = FakeKratos::builder()
        .fault(
            Fault::on(Operation::CREATE_IDENTITY)
                .after_work()
                .status(502)
                .next(1),
        )
        .start();
    // Even the default client does not retry a create that may have been
    // done: it reports the 502, and the identity exists.
    let client = kratos.client();
    let err = client.create_identity(user("ada")).send().unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert!(reason(&err).contains(".after_work().status(502)"), "{err}");
    assert_eq!(kratos.identity_count(), 1);
    assert_eq!(kratos.identities()[0]["traits"]["email"], "ada@example.com");
    // A second try meets the first one's identity.
    let again = client.create_identity(user("ada")).send().unwrap_err();
    assert!(again.is_conflict(), "{again}");
}

#[test]
fn after_work_applies_the_batch_and_then_fails_the_answer() {
    let kratos = FakeKratos::builder()
        .fault(
            Fault::on_request("PATCH", "/admin/identities")
                .after_work()
                .status(502)
                .every(2),
        )
        .start();
    let client = kratos.client();
    let batch = |names: &[&str]| {
        PatchIdentitiesBody::new(
            names
                .iter()
                .map(|n| IdentityPatch::create(user(n)))
                .collect(),
        )
    };
    let first = client
        .batch_patch_identities(batch(&["a", "b"]))
        .send()
        .unwrap();
    assert_eq!(first.identities.len(), 2);
    let err = client
        .batch_patch_identities(batch(&["c", "d", "e"]))
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert_eq!(err.attempts(), 1, "a batch that may be done is not retried");
    // The batch was applied all the same.
    assert_eq!(kratos.identity_count(), 5);
}

#[test]
fn after_work_deletes_so_the_retry_finds_nothing() {
    let kratos = FakeKratos::builder().identities(1).start();
    let id = kratos.identities()[0]["id"].as_str().unwrap().to_string();
    kratos.add_fault(
        Fault::on(Operation::DELETE_IDENTITY)
            .after_work()
            .status(504)
            .next(1),
    );
    // A DELETE is retried: its first attempt did the work, so the retry is
    // a 404, which the client takes for "done" after a failure that may
    // have done it.
    let client = quick_retries(&kratos);
    client.delete_identity(&id).send().unwrap();
    assert_eq!(kratos.identity_count(), 0);
    assert_eq!(
        log(&kratos).iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [504, 404]
    );
}

#[test]
fn drop_connection_is_a_transport_error() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .fault(Fault::any().drop_connection().next(1))
        .start();
    let client = unretried(&kratos);
    let err = client.list_identities().send().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    let kind = err.transport_kind().unwrap();
    assert!(!kind.before_request_sent(), "{kind:?}");
    // Spent: the next request is answered.
    client.list_identities().send().unwrap();
    let log = kratos.requests();
    assert_eq!(log[0].status, 0, "no answer is logged as status 0");
    assert_eq!(log[0].fault, Some(Fault::any().drop_connection().next(1)));
    assert!(format!("{:?}", log[0]).contains("Fault::any().drop_connection().next(1)"));

    // On the wire: the connection closes without a byte of an answer.
    kratos.add_fault(Fault::on(Operation::GET_VERSION).drop_connection().next(1));
    assert_eq!(raw(&kratos, "GET", "/version", ""), "");
    assert!(raw(&kratos, "GET", "/version", "").starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn drop_connection_after_work_loses_the_answer_of_a_done_create() {
    let kratos = FakeKratos::builder()
        .fault(
            Fault::on(Operation::CREATE_IDENTITY)
                .after_work()
                .drop_connection()
                .next(1),
        )
        .start();
    let err = kratos
        .client()
        .create_identity(user("ada"))
        .send()
        .unwrap_err();
    let kind = err.transport_kind().unwrap();
    assert!(!kind.before_request_sent(), "the create may have been done");
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(kratos.identity_count(), 1);
}

#[test]
fn stall_outlasts_a_short_client_timeout() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .fault(
            Fault::on(Operation::LIST_IDENTITIES)
                .stall(Duration::from_millis(300))
                .next(1),
        )
        .start();
    let client = IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.list_identities().send().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // Spent: the next list is answered at once.
    assert_eq!(client.list_identities().send().unwrap().len(), 1);
}

#[test]
fn stall_alone_answers_normally_and_before_a_status_delays_it() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .fault(
            Fault::on(Operation::LIST_IDENTITIES)
                .stall(Duration::from_millis(150))
                .next(1),
        )
        .fault(
            Fault::on(Operation::GET_VERSION)
                .stall(Duration::from_millis(100))
                .status(503)
                .next(1),
        )
        .start();
    let client = unretried(&kratos);
    let started = Instant::now();
    assert_eq!(client.list_identities().send().unwrap().len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(client.get_version().send().unwrap_err().status(), Some(503));
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(
        log(&kratos),
        [
            (
                200,
                Some("Fault::on(list_identities).stall(150ms).next(1)".to_string())
            ),
            (
                503,
                Some("Fault::on(get_version).stall(100ms).status(503).next(1)".to_string())
            ),
        ]
    );
}

#[test]
fn a_stall_after_work_times_out_a_create_that_was_done() {
    let kratos = FakeKratos::builder()
        .fault(
            Fault::on(Operation::CREATE_IDENTITY)
                .after_work()
                .stall(Duration::from_millis(300))
                .next(1),
        )
        .start();
    let client = IdentityClient::builder(kratos.base_url())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.create_identity(user("ada")).send().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        err.attempts(),
        1,
        "a create that may be done is not retried"
    );
    // The work came before the stall (polled: on a busy machine the
    // server thread may still be at it when the client gives up).
    let until = Instant::now() + Duration::from_secs(5);
    while kratos.identity_count() == 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(kratos.identity_count(), 1);
}

#[test]
fn the_builder_and_the_running_fake_take_the_same_faults() {
    let fault = Fault::on(Operation::CREATE_IDENTITY).status(503).next(2);
    let built = FakeKratos::builder().fault(fault.clone()).start();
    let added = FakeKratos::start();
    added.add_fault(fault.clone());
    assert_eq!(built.faults(), added.faults());
    assert_eq!(format!("{fault:?}"), fault.to_string());
    added.clear_faults();
    assert!(added.faults().is_empty());
    // Clearing leaves the global faults alone.
    added.fail_every(1, 500);
    added.add_fault(Fault::any().status(503));
    added.clear_faults();
    assert_eq!(
        unretried(&added).get_version().send().unwrap_err().status(),
        Some(500)
    );
}

// ------------------------------------------------------------------ the binary

/// The binary, started on free ports; killed when dropped.
struct Binary {
    child: Child,
    admin: String,
}

impl Binary {
    fn start(args: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kratos-identity-fake"))
            .args(["--port", "0", "--public-port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let admin = first.trim().strip_prefix("admin ").unwrap().to_string();
        Binary { child, admin }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_binary_takes_faults() {
    let binary = Binary::start(&[
        "--identities",
        "2",
        "--fault",
        "create_identity:503:next=1",
        "--fault",
        "any:drop:next=1",
    ]);
    let client = IdentityClient::builder(&binary.admin)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.create_identity(user("ada")).send().unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(reason(&err).contains("Fault::on(create_identity).status(503).next(1)"));
    let err = client.list_identities().send().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(client.list_identities().send().unwrap().len(), 2);
    client.create_identity(user("ada")).send().unwrap();
}

#[test]
fn the_binary_refuses_a_bad_fault_spec_by_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_kratos-identity-fake"))
        .args(["--port", "0", "--public-port", "0"])
        .args(["--fault", "create_identity:5o3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(r#"--fault "create_identity:5o3": "5o3" is not a part of a fault"#),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
