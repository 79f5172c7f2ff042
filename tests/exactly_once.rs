//! Imports that leave no "look it up yourself" behind: duplicates inside
//! one import are found before anything is sent, unknown outcomes are
//! settled by lookups, conflicts can be told apart, and an import resumes
//! from a saved position without sending an input twice.
//!
//! Against the fake Kratos where the server's state matters (it validates
//! against the identity schema and holds identifiers unique as Kratos
//! does), and against httpmock where the test must script what a server
//! answers after doing the work.

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use kratos_identity::{
    CreateIdentityBody, IdentifierKind, IdentityClient, IdentityWithCredentials, ImportError,
    ImportOutcome, ImportPosition,
};
use kratos_identity_fake::FakeKratos;
use serde_json::{Value, json};
use uuid::Uuid;

fn person(email: &str) -> CreateIdentityBody {
    CreateIdentityBody::new("default", json!({ "email": email }))
}

fn people(n: usize) -> Vec<CreateIdentityBody> {
    (0..n)
        .map(|i| person(&format!("user{i}@example.com")))
        .collect()
}

/// The batch requests the fake received.
fn batches(kratos: &FakeKratos) -> usize {
    kratos
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == "/admin/identities")
        .count()
}

fn emails(kratos: &FakeKratos) -> Vec<String> {
    let mut emails: Vec<String> = kratos
        .identities()
        .iter()
        .filter_map(|i| i["traits"]["email"].as_str().map(str::to_string))
        .collect();
    emails.sort();
    emails
}

// ------------------------------------------------- duplicates inside one import

/// The Auth0 case: two inputs with the same email (one spelled in capitals,
/// as Kratos lower-cases identifiers), and a bad hash that splits the chunk.
/// The first input wins whatever the split does; the second is a duplicate
/// of it, never sent, not a success, not "already existed".
#[test]
fn the_first_input_with_an_identifier_wins_and_later_ones_are_duplicates() {
    for chunk_size in [1, 2, 1000] {
        let kratos = FakeKratos::start();
        let inputs = vec![
            person("grace@example.com").external_id("crm-7"),
            person("ada@example.com"),
            person("bad@example.com")
                .credentials(IdentityWithCredentials::hashed_password("md5:not-a-hash")),
            person(" ADA@example.com "),
            person("other@example.com").external_id("crm-7"),
            person("zoe@example.com"),
        ];
        let report = kratos
            .client()
            .import_identities(inputs)
            .chunk_size(chunk_size)
            .send();

        assert_eq!(report.created, 3, "chunk size {chunk_size}: {report}");
        assert!(!report.is_success());
        assert!(report.already_existed.is_empty(), "{report}");
        let duplicates: Vec<(usize, ImportError)> = report
            .duplicates()
            .map(|f| (f.index, f.error.clone()))
            .collect();
        assert_eq!(duplicates.len(), 2, "{report}");
        assert!(matches!(
            duplicates[0],
            (
                3,
                ImportError::Duplicate {
                    of: 1,
                    on: IdentifierKind::Password
                }
            )
        ));
        assert!(matches!(
            duplicates[1],
            (
                4,
                ImportError::Duplicate {
                    of: 0,
                    on: IdentifierKind::ExternalId
                }
            )
        ));
        assert!(duplicates[0].1.is_safe_to_resend());
        assert_eq!(
            duplicates[0].1.to_string(),
            "not created: a duplicate of input 1 (the same password identifier), which came first"
        );
        assert!(
            report
                .to_string()
                .contains("(2 duplicates within the import)"),
            "{report}"
        );
        assert_eq!(
            emails(&kratos),
            ["ada@example.com", "grace@example.com", "zoe@example.com"]
        );
    }
}

/// A duplicate's error never shows the identifier it shares.
#[test]
fn a_duplicate_names_what_it_shares_but_never_the_value() {
    let kratos = FakeKratos::start();
    let report = kratos
        .client()
        .import_identities([
            person("private.person@example.com"),
            person("private.person@example.com"),
        ])
        .send();
    let failure = &report.failures[0];
    for shown in [
        failure.error.to_string(),
        format!("{:?}", failure.error),
        report.to_string(),
        format!("{report:?}"),
    ] {
        assert!(!shown.contains("private.person"), "{shown}");
    }
}

// ------------------------------------------------------- verify_conflicts

/// By default a 409 is "already existed"; with `verify_conflicts(true)`
/// the same record stays so (a success), and another identity holding the
/// identifier is a failure.
#[test]
fn verify_conflicts_tells_the_same_record_from_another_identity_holding_its_identifier() {
    let kratos = FakeKratos::start();
    let same = kratos.insert_identity(json!({
        "schema_id": "default", "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"type": "password", "identifiers": ["ada@example.com"], "config": {}}}
    }));
    let other = kratos.insert_identity(json!({
        "schema_id": "default", "traits": {"email": "grace@example.com", "name": {"first": "Someone else"}},
        "credentials": {"password": {"type": "password", "identifiers": ["grace@example.com"], "config": {}}}
    }));
    let inputs = || {
        [
            person("ada@example.com"),
            person("grace@example.com"),
            person("new@example.com"),
        ]
    };

    let plain = kratos.client().import_identities(inputs()).send();
    assert_eq!(
        (plain.created, plain.already_existed.len(), plain.lookups),
        (1, 2, 0),
        "{plain}"
    );
    assert!(plain.is_success());

    let verified = kratos
        .client()
        .import_identities(inputs())
        .verify_conflicts(true)
        .send();
    // Ada is this very record, and so is the one the first run created.
    let existed: Vec<usize> = verified.already_existed.iter().map(|f| f.index).collect();
    assert_eq!(existed, [0, 2], "{verified}");
    assert!(!verified.is_success());
    let failure = &verified
        .failures
        .iter()
        .find(|f| f.index == 1)
        .unwrap()
        .error;
    match failure {
        ImportError::IdentifierTaken { existing, on } => {
            assert_eq!(*existing, Some(other));
            assert_eq!(*on, Some(IdentifierKind::Password));
        }
        other => panic!("expected IdentifierTaken, got {other:?}"),
    }
    assert!(verified.lookups >= 2, "{verified}");
    assert!(
        failure.to_string().starts_with(&format!(
            "not created: another identity ({other}) holds its password identifier"
        )),
        "{failure}"
    );
    let _ = same;
}

// ------------------------------------------------------ unknown outcomes

/// A scripted Kratos that stores what it is sent but answers the first
/// batch with 502 after storing it (a proxy timing out after the server did
/// the work), and answers lookups from what it stored.
struct ForgetfulProxy {
    server: MockServer,
    stored: Arc<Mutex<Vec<Value>>>,
    batches: Arc<Mutex<Vec<Vec<String>>>>,
}

impl ForgetfulProxy {
    /// `lose`: the emails the server does not store from the first batch
    /// (as if its request never reached the database).
    fn start(lose: &'static [&'static str], preexisting: Vec<Value>) -> ForgetfulProxy {
        let server = MockServer::start();
        let stored: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(preexisting));
        let batches: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
        server.mock(|when, then| {
            when.method(GET).path("/schemas/default");
            then.status(200)
                .header("content-type", "application/json")
                .body(include_str!("fixtures/schema_default.json"));
        });
        {
            let stored = Arc::clone(&stored);
            let batches = Arc::clone(&batches);
            server.mock(|when, then| {
                when.method(PATCH).path("/admin/identities");
                then.respond_with(move |req: &HttpMockRequest| {
                    let body: Value = serde_json::from_slice(req.body_ref()).unwrap();
                    let mut stored = stored.lock().unwrap();
                    let mut batches = batches.lock().unwrap();
                    let first = batches.is_empty();
                    let mut sent = Vec::new();
                    let mut entries = Vec::new();
                    for entry in body["identities"].as_array().unwrap() {
                        let create = &entry["create"];
                        let email = create["traits"]["email"].as_str().unwrap().to_string();
                        sent.push(email.clone());
                        if first && lose.contains(&email.as_str()) {
                            continue;
                        }
                        let taken = stored.iter().any(|s| s["traits"]["email"] == email);
                        if taken {
                            entries.push(json!({"action": "error", "patch_id": entry["patch_id"],
                                "error": {"code": 409, "status": "Conflict", "message": "Unable to insert or update resource because a resource with that value exists already"}}));
                            continue;
                        }
                        let id = Uuid::from_u128(0x7d1a_0000_0000_4000_8000_0000_0000_0000 + stored.len() as u128);
                        stored.push(json!({"id": id, "schema_id": "default", "schema_url": "",
                            "state": "active", "traits": create["traits"].clone(),
                            "external_id": create.get("external_id").cloned().unwrap_or(Value::Null)}));
                        entries.push(json!({"action": "create", "identity": id, "patch_id": entry["patch_id"]}));
                    }
                    batches.push(sent);
                    if first {
                        return HttpMockResponse::builder()
                            .status(502)
                            .body("<html>502 Bad Gateway</html>")
                            .build();
                    }
                    HttpMockResponse::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(json!({ "identities": entries }).to_string())
                        .build()
                });
            });
        }
        {
            let stored = Arc::clone(&stored);
            server.mock(|when, then| {
                when.method(GET).path("/admin/identities");
                then.respond_with(move |req: &HttpMockRequest| {
                    let wanted = req
                        .query_params()
                        .into_iter()
                        .find(|(k, _)| k == "credentials_identifier")
                        .map(|(_, v)| v)
                        .unwrap_or_default();
                    let stored = stored.lock().unwrap();
                    let found: Vec<&Value> = stored
                        .iter()
                        .filter(|s| s["traits"]["email"] == wanted.as_str())
                        .collect();
                    HttpMockResponse::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(serde_json::to_string(&found).unwrap())
                        .build()
                });
            });
        }
        ForgetfulProxy {
            server,
            stored,
            batches,
        }
    }

    fn client(&self) -> IdentityClient {
        IdentityClient::builder(self.server.base_url())
            .max_retries(0)
            .build()
            .unwrap()
    }

    fn stored_emails(&self) -> Vec<String> {
        let mut emails: Vec<String> = self
            .stored
            .lock()
            .unwrap()
            .iter()
            .map(|s| s["traits"]["email"].as_str().unwrap().to_string())
            .collect();
        emails.sort();
        emails
    }
}

/// A 502 after the server did the work: each input is looked up; those it
/// created are reported created with their ids, the one it lost is sent
/// again (alone), and the one another identity held already existed.
#[test]
fn a_502_after_the_work_is_settled_by_lookups_and_one_resend() {
    let proxy = ForgetfulProxy::start(
        &["user1@example.com"],
        vec![
            json!({"id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "", "state": "active",
                    "traits": {"email": "user2@example.com", "name": "someone else"}}),
        ],
    );
    let outcomes: Vec<ImportOutcome> = proxy
        .client()
        .import_identities(people(4))
        .outcomes()
        .collect();
    let kinds: Vec<String> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(_) => "created".to_string(),
            Err(e) => format!("{e:?}")
                .split(['(', ' '])
                .next()
                .unwrap()
                .to_string(),
        })
        .collect();
    assert_eq!(kinds, ["created", "created", "AlreadyExists", "created"]);
    let batches = proxy.batches.lock().unwrap().clone();
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(
        batches[1],
        ["user1@example.com"],
        "only the lost input is sent again"
    );
    assert_eq!(
        proxy.stored_emails(),
        [
            "user0@example.com",
            "user1@example.com",
            "user2@example.com",
            "user3@example.com"
        ]
    );

    let report = proxy.client().import_identities(people(0)).send();
    assert_eq!(report.total, 0);
}

/// A 502 after the server did the work, for a batch in which one input
/// was already on the server before the import began: its lookup finds an
/// identity created long before, which the import did not create. It
/// already existed; the others were created by this import.
#[test]
fn a_lookup_that_finds_an_identity_older_than_the_import_reports_it_already_existed() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::start();
    let old = kratos.insert_identity(json!({
        "schema_id": "default", "state": "active", "external_id": "crm-7",
        "traits": {"email": "grace@example.com"},
        "created_at": "2024-05-01T10:00:00Z",
        "credentials": {"password": {"type": "password", "identifiers": ["grace@example.com"],
            "config": {"hashed_password": "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"}}}
    }));
    kratos.add_fault(
        Fault::on(Operation::BATCH_PATCH_IDENTITIES)
            .status(502)
            .after_work()
            .next(1),
    );
    let mut inputs = people(3);
    inputs.push(person("grace@example.com").external_id("crm-7"));
    let report = kratos.client().import_identities(inputs).send();

    assert_eq!(report.created, 3, "{report}");
    assert!(
        report.created_ids.iter().all(|(_, id)| *id != old),
        "{report:?}"
    );
    assert_eq!(report.already_existed.len(), 1, "{report}");
    assert_eq!(report.already_existed[0].index, 3);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.resent, 0, "everything was on the server: {report}");
    assert_eq!(kratos.identity_count(), 4);
}

/// The same, for an identity created a few seconds before the import (by
/// another writer): the server's clock (its `Date` header) tells it from
/// the import's own work, where the client's clock would need a margin.
#[test]
fn the_servers_date_tells_an_identity_created_seconds_before_from_the_imports_own() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::start();
    let client = kratos.client();
    let early = client
        .create_identity(person("early@example.com"))
        .send()
        .unwrap()
        .id;
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    kratos.add_fault(
        Fault::on(Operation::BATCH_PATCH_IDENTITIES)
            .status(502)
            .after_work()
            .next(1),
    );
    let mut inputs = people(2);
    inputs.push(person("early@example.com"));
    let report = client.import_identities(inputs).send();
    assert_eq!(report.created, 2, "{report}");
    assert!(
        report.created_ids.iter().all(|(_, id)| *id != early),
        "{report:?}"
    );
    assert_eq!(report.already_existed.len(), 1, "{report}");
    assert_eq!(report.already_existed[0].index, 2);
}

/// The report says what the lookups cost, and the same input set gives the
/// same truth as a run without faults.
#[test]
fn the_report_counts_lookups_and_resends() {
    let proxy = ForgetfulProxy::start(&["user1@example.com", "user3@example.com"], Vec::new());
    let report = proxy.client().import_identities(people(5)).send();
    assert_eq!(report.created, 5, "{report}");
    assert!(report.is_success());
    assert_eq!((report.lookups, report.resent), (5, 2), "{report}");
    assert!(
        report.to_string().ends_with("; 5 lookups, 2 resent"),
        "{report}"
    );
}

/// With lookups off, the same 502 leaves every input of unknown outcome.
#[test]
fn resolve_unknown_false_reports_the_outcome_as_unknown() {
    let proxy = ForgetfulProxy::start(&[], Vec::new());
    let report = proxy
        .client()
        .import_identities(people(3))
        .resolve_unknown(false)
        .send();
    assert_eq!(report.failures.len(), 3);
    assert!(
        report
            .failures
            .iter()
            .all(|f| matches!(f.error, ImportError::OutcomeUnknown(_)))
    );
    assert_eq!(report.lookups, 0);
}

/// An input with nothing to look it up by (its schema marks no identifier,
/// it has no external_id) stays of unknown outcome: sending it again could
/// create it twice.
#[test]
fn an_input_without_keys_stays_unknown() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/schemas/plain");
        then.status(200).header("content-type", "application/json").body(
            r#"{"type":"object","properties":{"traits":{"type":"object","properties":{"name":{"type":"string"}}}}}"#,
        );
    });
    let batch = server.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(503).body("unavailable");
    });
    let stray = server.mock(|when, then| {
        when.any_request();
        then.status(418);
    });
    let client = IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let report = client
        .import_identities([CreateIdentityBody::new("plain", json!({"name": "x"}))])
        .send();
    batch.assert_calls(1);
    stray.assert_calls(0);
    assert!(matches!(
        report.failures[0].error,
        ImportError::OutcomeUnknown(_)
    ));
    assert_eq!(report.lookups, 0);
}

// ------------------------------------------------------------------ resume

/// A job killed after handing out three outcomes of chunks of four: the
/// saved position lists the fourth input as unresolved (it was sent); the
/// resumed run looks it up instead of sending it, and sends the rest.
#[test]
fn a_resumed_import_looks_up_what_the_killed_run_may_have_sent_and_sends_no_input_twice() {
    let kratos = FakeKratos::start();
    let inputs = || people(10).into_iter();
    let mut outcomes = kratos
        .client()
        .import_identities(inputs())
        .chunk_size(4)
        .outcomes();
    for _ in 0..3 {
        assert!(outcomes.next().unwrap().result.is_ok());
    }
    let saved = serde_json::to_string(&outcomes.resume_position()).unwrap();
    drop(outcomes);
    let fields: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        (&fields["read"], &fields["unresolved"]),
        (&json!(4), &json!([3]))
    );
    assert!(fields["started"].is_string(), "{saved}");
    assert_eq!(kratos.identity_count(), 4);
    kratos.clear_requests();

    let position: ImportPosition = serde_json::from_str(&saved).unwrap();
    let report = kratos
        .client()
        .import_identities(inputs())
        .chunk_size(4)
        .resume(&position)
        .send();
    assert!(report.is_success(), "{report}");
    let indices: Vec<usize> = report.created_ids.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, (3..10).collect::<Vec<_>>());
    assert_eq!(report.lookups, 1);
    assert_eq!(kratos.identity_count(), 10);
    // Inputs 4 to 9 in two batches; input 3 was looked up, not sent.
    assert_eq!(batches(&kratos), 2);
    assert!(report.resume_position().is_settled());
    assert_eq!(report.resume_position().read(), 10);
}

/// The same when the killed run's input never reached the server: the
/// lookup finds nothing, the input is sent now, and the report counts it
/// as resent (it said 0 while the doc promised it).
#[test]
fn a_resumed_import_sends_what_the_lookup_did_not_find_and_counts_it_resent() {
    let kratos = FakeKratos::start();
    let inputs = || people(10).into_iter();
    let mut outcomes = kratos
        .client()
        .import_identities(inputs())
        .chunk_size(4)
        .outcomes();
    let mut handed = Vec::new();
    for _ in 0..3 {
        handed.push(outcomes.next().unwrap().result.unwrap());
    }
    let position = outcomes.resume_position();
    drop(outcomes);
    assert_eq!(position.unresolved(), &[3]);
    // Input 3 never arrived: its identity is not on the server.
    let client = kratos.client();
    for identity in client.list_identities().items() {
        let id = identity.unwrap().id;
        if !handed.contains(&id) {
            client.delete_identity(id).send().unwrap();
        }
    }
    assert_eq!(kratos.identity_count(), 3);

    let report = client
        .import_identities(inputs())
        .chunk_size(4)
        .resume(&position)
        .send();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.created, 7, "{report}");
    assert_eq!((report.lookups, report.resent), (1, 1), "{report}");
    assert_eq!(kratos.identity_count(), 10);
}

/// A position resumed with other inputs than its job's (fewer than it
/// read): the import read 3 inputs, skipped them all as settled and
/// reported a success with nothing done. It stops and says why.
#[test]
fn a_position_resumed_with_fewer_inputs_than_it_read_stops_and_says_so() {
    let kratos = FakeKratos::start();
    let report = kratos.client().import_identities(people(10)).send();
    assert_eq!(report.created, 10, "{report}");
    let position = report.resume_position().clone();
    assert_eq!(position.read(), 10);

    let other_job = people(13).into_iter().skip(10);
    let report = kratos
        .client()
        .import_identities(other_job)
        .resume(&position)
        .send();
    assert!(!report.is_success(), "{report}");
    let why = report
        .stopped()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        why.contains(
            "the inputs ended after 3 of them, before the 10 the resume position says were read"
        ),
        "{why}"
    );
    assert_eq!(kratos.identity_count(), 10, "nothing sent");

    // The same job's inputs, all settled: nothing to do, and a success.
    let report = kratos
        .client()
        .import_identities(people(10))
        .resume(&position)
        .send();
    assert!(report.is_success(), "{report}");
    assert!(report.stopped().is_none(), "{report}");
}

/// The position of a run killed with one chunk of four in flight, whose
/// inputs the server did create.
fn killed_with_four_in_flight(kratos: &FakeKratos) -> ImportPosition {
    let mut outcomes = kratos
        .client()
        .import_identities(people(8))
        .chunk_size(4)
        .outcomes();
    for _ in 0..4 {
        assert!(outcomes.next().unwrap().result.is_ok());
    }
    // The next chunk is sent (and created) while the caller still holds
    // the first four outcomes' successors: its position lists it unresolved.
    let position = outcomes.resume_position();
    assert_eq!(position.unresolved(), &[] as &[usize]);
    let mut outcomes = kratos
        .client()
        .import_identities(people(8))
        .chunk_size(4)
        .resume(&position)
        .outcomes();
    assert!(outcomes.next().unwrap().result.is_ok());
    let position = outcomes.resume_position();
    assert_eq!(position.unresolved(), &[5, 6, 7]);
    position
}

/// Lookups that take a second each: what they settled is saved as it
/// goes, so a job killed while looking up does not look it all up again.
#[test]
fn slow_lookups_of_a_resumed_import_are_saved_as_they_go() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::start();
    let position = killed_with_four_in_flight(&kratos);
    kratos.add_fault(
        Fault::on(Operation::LIST_IDENTITIES).stall(std::time::Duration::from_millis(600)),
    );
    let saved: Arc<Mutex<Vec<ImportPosition>>> = Arc::default();
    let keep = Arc::clone(&saved);
    let report = kratos
        .client()
        .import_identities(people(8))
        .chunk_size(4)
        .resume(&position)
        .checkpoint(move |p| keep.lock().unwrap().push(p.clone()))
        .send();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.lookups, 3);
    assert_eq!(kratos.identity_count(), 8);
    let saved = saved.lock().unwrap();
    assert!(
        saved
            .iter()
            .any(|p| p.unresolved().len() < 3 && !p.is_settled()),
        "a position was saved between the lookups: {saved:?}"
    );
}

/// A server that does not answer lookups: the first failure leaves the
/// other inputs of the earlier run unknown at once, instead of costing
/// each a lookup and its deadline.
#[test]
fn a_failed_lookup_of_a_resumed_import_leaves_the_rest_unknown_at_once() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::start();
    let position = killed_with_four_in_flight(&kratos);
    kratos.add_fault(Fault::on(Operation::LIST_IDENTITIES).status(500));
    let report = kratos
        .client()
        .import_identities(people(8))
        .chunk_size(4)
        .resume(&position)
        .send();
    assert_eq!(report.lookups, 1, "{report}");
    let unknown = report
        .failures
        .iter()
        .filter(|f| matches!(f.error, ImportError::OutcomeUnknown(_)))
        .count();
    assert_eq!(unknown, 3, "{report}");
    assert!(!report.is_success());
}

/// A stopped import (the server refused the credentials) resumes from its
/// report's position: the refused chunk is sent again, nothing is looked
/// up, and the inputs never read come after.
#[test]
fn a_stopped_import_resumes_from_its_report_position() {
    let kratos = FakeKratos::start();
    let inputs = || people(6).into_iter();
    kratos.fail_every(2, 403);
    let first = kratos
        .client()
        .import_identities(inputs())
        .chunk_size(2)
        .send();
    // Schema read (1st request), batch 0-1 refused (2nd request): stopped.
    assert!(first.stopped().is_some(), "{first}");
    assert_eq!(first.resume_position().not_created(), [0, 1]);
    kratos.fail_every(0, 0);

    let rest = kratos
        .client()
        .import_identities(inputs())
        .chunk_size(2)
        .resume(first.resume_position())
        .send();
    assert!(rest.is_success(), "{rest}");
    assert_eq!(rest.created, 6);
    assert_eq!(rest.lookups, 0);
    assert_eq!(kratos.identity_count(), 6);
}

/// Duplicates are found across a resumed run and the one before it: the
/// skipped inputs still claim their identifiers.
#[test]
fn duplicates_are_found_across_a_resume() {
    let kratos = FakeKratos::start();
    let inputs = || {
        vec![
            person("a@example.com"),
            person("b@example.com"),
            person("A@example.com"),
        ]
        .into_iter()
    };
    let first = kratos.client().import_identities(inputs().take(2)).send();
    let rest = kratos
        .client()
        .import_identities(inputs())
        .resume(first.resume_position())
        .send();
    assert_eq!(rest.total, 1);
    assert!(matches!(
        rest.failures[0].error,
        ImportError::Duplicate { of: 0, .. }
    ));
}

/// A job killed at any point after a checkpoint was saved (here: having
/// handled `m` outcomes, so the chunk holding outcome `m` was sent) resumes
/// from the last saved position: every input ends up created exactly once,
/// none comes back as "already existed", and no input is sent twice.
#[test]
fn resuming_from_the_last_checkpoint_after_a_kill_at_any_point_sends_no_input_twice() {
    let inputs = || people(23).into_iter();
    for handled in [0, 1, 6, 7, 8, 13, 20, 22] {
        let kratos = FakeKratos::start();
        let saved: Arc<Mutex<Option<ImportPosition>>> = Arc::default();
        let keep = Arc::clone(&saved);
        let mut outcomes = kratos
            .client()
            .import_identities(inputs())
            .chunk_size(7)
            .checkpoint(move |position| *keep.lock().unwrap() = Some(position.clone()))
            .outcomes();
        for _ in 0..=handled {
            outcomes.next();
        }
        drop(outcomes); // killed
        let before = batches(&kratos);
        let position = saved.lock().unwrap().clone().unwrap();

        let report = kratos
            .client()
            .import_identities(inputs())
            .chunk_size(7)
            .resume(&position)
            .send();
        assert!(report.is_success(), "after {handled}: {report}");
        assert!(
            report.already_existed.is_empty(),
            "after {handled}: {report}"
        );
        assert_eq!(kratos.identity_count(), 23, "after {handled}");
        // What was sent before the kill is looked up, not sent again.
        let sent_before = (handled / 7 + 1) * 7;
        let sent_after = 23usize.saturating_sub(sent_before);
        assert_eq!(
            batches(&kratos) - before,
            sent_after.div_ceil(7),
            "after {handled}"
        );
        assert_eq!(
            report.lookups,
            position.unresolved().len(),
            "after {handled}"
        );
    }
}

/// A job that cannot read its inputs again gives only those from the
/// first unsettled one on, with `inputs_start_at`.
#[test]
fn inputs_start_at_continues_without_reading_the_settled_inputs_again() {
    let kratos = FakeKratos::start();
    let first = kratos
        .client()
        .import_identities(people(6).into_iter().take(4))
        .send();
    let position = first.resume_position();
    assert_eq!(position.first_unsettled(), 4);
    let rest = kratos
        .client()
        .import_identities(people(6).into_iter().skip(position.first_unsettled()))
        .inputs_start_at(position.first_unsettled())
        .resume(position)
        .send();
    let indices: Vec<usize> = rest.created_ids.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, [4, 5]);
    assert_eq!(kratos.identity_count(), 6);
    assert_eq!(rest.resume_position().read(), 6);
}

// ------------------------------------------- the same answer without the schema

/// Issue 23: two inputs of the same person (the same email, another name;
/// and one input given twice) are duplicates whether or not the identity
/// schema can be read. Without it the keys cannot find them before
/// sending, so Kratos's 409 is looked up by what the traits hold: never
/// "already existed", never a success.
#[test]
fn duplicates_are_duplicates_whether_or_not_the_schema_can_be_read() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let inputs = || {
        vec![
            CreateIdentityBody::new(
                "default",
                json!({"email": "ada@example.com", "name": {"first": "A"}}),
            ),
            CreateIdentityBody::new(
                "default",
                json!({"email": "Ada@example.com", "name": {"first": "B"}}),
            ),
            person("grace@example.com"),
            person("grace@example.com"),
            person("zoe@example.com"),
        ]
    };
    for schema_readable in [true, false] {
        for chunk_size in [1, 1000] {
            let builder = FakeKratos::builder();
            let kratos = match schema_readable {
                true => builder.start(),
                false => builder
                    .fault(Fault::on(Operation::GET_IDENTITY_SCHEMA).status(500))
                    .start(),
            };
            let report = kratos
                .client()
                .import_identities(inputs())
                .chunk_size(chunk_size)
                .send();
            let context =
                format!("schema readable {schema_readable}, chunk {chunk_size}: {report}");
            assert_eq!(report.created, 3, "{context}");
            assert!(!report.is_success(), "{context}");
            assert!(report.already_existed.is_empty(), "{context}");
            let duplicates: Vec<(usize, usize)> = report
                .failures
                .iter()
                .map(|f| match f.error {
                    ImportError::Duplicate { of, .. } => (f.index, of),
                    ref other => panic!("{context}: input {} {other}", f.index),
                })
                .collect();
            assert_eq!(duplicates, [(1, 0), (3, 2)], "{context}");
            assert_eq!(
                emails(&kratos),
                ["ada@example.com", "grace@example.com", "zoe@example.com"]
            );

            // The same import again, as after a crash: what exists is
            // "already existed" for the first of each, and the second is
            // still not a success.
            let again = kratos
                .client()
                .import_identities(inputs())
                .chunk_size(chunk_size)
                .send();
            let context = format!("again, {context}: {again}");
            assert_eq!(again.created, 0, "{context}");
            assert_eq!(again.already_existed.len(), 3, "{context}");
            assert_eq!(again.failures.len(), 2, "{context}");
            assert!(!again.is_success(), "{context}");
        }
    }
}

/// Without the schema, a 409 that no lookup can explain (nothing in the
/// traits finds an identity: the conflict is on an address, or on an
/// identifier the traits do not spell as stored) is reported as
/// unverified: a failure, never "already existed".
#[test]
fn an_unverifiable_conflict_without_the_schema_is_a_failure() {
    let server = MockServer::start();
    let schema = server.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        then.status(500).body("schema store down");
    });
    let batch = server.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(409).header("content-type", "application/json").body(
            r#"{"error":{"code":409,"status":"Conflict","message":"Unable to insert or update resource because a resource with that value exists already"}}"#,
        );
    });
    let lookups = server.mock(|when, then| {
        when.method(GET).path("/admin/identities").query_param_exists("credentials_identifier");
        then.status(200)
            .header("content-type", "application/json")
            .header("link", r#"</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel="first""#)
            .body("[]");
    });
    // Asked once for its clock (its Date), since the schema's answer gave
    // none.
    let version = server.mock(|when, then| {
        when.method(GET).path("/version");
        then.status(200)
            .header("content-type", "application/json")
            .header("date", "Mon, 07 Dec 2026 21:00:00 GMT")
            .body(r#"{"version":"v26.2.0"}"#);
    });
    let stray = server.mock(|when, then| {
        when.any_request();
        then.status(418);
    });
    let client = IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let input = CreateIdentityBody::new(
        "default",
        json!({"email": "ada@example.com", "name": {"first": "Ada"}}),
    );
    let report = client.import_identities([input]).send();
    schema.assert_calls(1);
    version.assert_calls(1);
    batch.assert_calls(1);
    // Each string trait is tried.
    lookups.assert_calls(2);
    stray.assert_calls(0);
    assert!(!report.is_success(), "{report}");
    assert!(report.already_existed.is_empty(), "{report}");
    let error = &report.failures[0].error;
    assert!(
        matches!(error, ImportError::ConflictUnverified(_)),
        "{error}"
    );
    assert!(error.is_safe_to_resend());
    assert!(!error.is_final(), "a resumed import settles it");
    let text = error.to_string();
    assert!(text.contains("could not be told"), "{text}");
    assert!(!text.contains("ada@example.com"), "{text}");

    // With the schema readable, the same 409 is "already existed", as
    // before: the schema names every identifier, and two inputs of the
    // same person are found before sending.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        then.status(200)
            .header("content-type", "application/json")
            .body(include_str!("fixtures/schema_default.json"));
    });
    server.mock(|when, then| {
        when.method(PATCH).path("/admin/identities");
        then.status(409).header("content-type", "application/json").body(
            r#"{"error":{"code":409,"status":"Conflict","message":"Unable to insert or update resource because a resource with that value exists already"}}"#,
        );
    });
    let client = IdentityClient::new(server.base_url()).unwrap();
    let input = CreateIdentityBody::new("default", json!({"email": "ada@example.com"}));
    let report = client.import_identities([input]).send();
    assert_eq!(report.already_existed.len(), 1, "{report}");
    assert!(report.is_success(), "{report}");
}

// --------------------------------------------------- server errors in a row

/// Issue 23: "repeated 5xx" is evidence that the server fails every batch:
/// three chunks in a row that met a 503 and created nothing (their inputs
/// looked up, not found, sent again, refused again) stop the import, and no
/// further input is read. A proxy that answers 502 after doing the work
/// never stops it: the lookups find every chunk created.
#[test]
fn three_chunks_of_server_errors_that_create_nothing_stop_the_import() {
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::builder()
        .fault(Fault::on_request("PATCH", "/admin/identities").status(503))
        .start();
    let client = IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let report = client.import_identities(people(100)).chunk_size(10).send();
    let why = report.stopped().expect("stopped");
    assert_eq!(why.status(), Some(503), "{report}");
    assert_eq!(report.inputs_read(), 30, "{report}");
    assert_eq!(report.created, 0);
    // Looked up after the last resend and not found: not created, and so
    // safe to send again, however the answers failed.
    assert!(
        report
            .failures
            .iter()
            .all(|f| matches!(f.error, ImportError::NotCreated(_))),
        "{report}"
    );
    assert_eq!(kratos.identity_count(), 0);

    let kratos = FakeKratos::builder()
        .fault(
            Fault::on_request("PATCH", "/admin/identities")
                .status(502)
                .after_work(),
        )
        .start();
    let report = kratos
        .client()
        .import_identities(people(100))
        .chunk_size(10)
        .send();
    assert!(report.stopped().is_none(), "{report}");
    assert_eq!(report.created, 100, "{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(kratos.identity_count(), 100);
}

// ----------------------------------------------------------- batches in flight

/// Issue 26: with batches in flight, every guarantee of one at a time
/// holds: the same outcomes in input order, duplicates found across the
/// whole input (also across chunks in flight together), answers lost after
/// the work settled by lookups, and no input created twice.
#[test]
fn batches_in_flight_give_the_outcomes_of_one_at_a_time() {
    use kratos_identity_fake::Fault;

    let inputs = || {
        let mut inputs = people(600);
        // Duplicates of inputs in other chunks, near and far.
        inputs[150] = person(" USER3@example.com ");
        inputs[420] = person("user299@example.com");
        inputs
    };
    let kinds = |report: &kratos_identity::ImportReport| {
        let mut kinds: Vec<(usize, String)> = report
            .created_ids
            .iter()
            .map(|(i, _)| (*i, "created".to_string()))
            .chain(
                report
                    .failures
                    .iter()
                    .map(|f| (f.index, format!("{:?}", f.error).chars().take(12).collect())),
            )
            .collect();
        kinds.sort();
        kinds
    };
    let serial = {
        let kratos = FakeKratos::start();
        kratos
            .client()
            .import_identities(inputs())
            .chunk_size(50)
            .send()
    };
    assert_eq!(serial.created, 598, "{serial}");
    for concurrency in [2, 3, 8] {
        let kratos = FakeKratos::builder()
            .fault(
                Fault::on_request("PATCH", "/admin/identities")
                    .status(502)
                    .after_work()
                    .every(5),
            )
            .start();
        let outcomes: Vec<ImportOutcome> = kratos
            .client()
            .import_identities(inputs())
            .chunk_size(50)
            .concurrency(concurrency)
            .outcomes()
            .collect();
        let order: Vec<usize> = outcomes.iter().map(|o| o.index).collect();
        assert_eq!(
            order,
            (0..600).collect::<Vec<_>>(),
            "concurrency {concurrency}"
        );
        let report = kratos.client().import_identities(std::iter::empty()).send();
        let _ = report;
        let created = outcomes.iter().filter(|o| o.result.is_ok()).count();
        assert_eq!(created, 598, "concurrency {concurrency}");
        assert_eq!(kratos.identity_count(), 598, "concurrency {concurrency}");
        assert!(matches!(
            outcomes[150].result,
            Err(ImportError::Duplicate { of: 3, .. })
        ));
        assert!(matches!(
            outcomes[420].result,
            Err(ImportError::Duplicate { of: 299, .. })
        ));
    }
    let again = {
        let kratos = FakeKratos::start();
        kratos
            .client()
            .import_identities(inputs())
            .chunk_size(50)
            .concurrency(4)
            .send()
    };
    assert_eq!(kinds(&again), kinds(&serial));
}

/// Killed with batches in flight, the last checkpoint lists every input of
/// every chunk in flight as unsettled: the resumed import looks them up
/// and sends none of them twice, whatever the kill point.
#[test]
fn a_kill_with_batches_in_flight_resumes_without_sending_an_input_twice() {
    let inputs = || people(60).into_iter();
    for handled in [0, 3, 9, 10, 25, 41, 59] {
        for concurrency in [2, 4] {
            let kratos = FakeKratos::start();
            let saved: Arc<Mutex<Option<ImportPosition>>> = Arc::default();
            let keep = Arc::clone(&saved);
            let mut outcomes = kratos
                .client()
                .import_identities(inputs())
                .chunk_size(5)
                .concurrency(concurrency)
                .checkpoint(move |position| *keep.lock().unwrap() = Some(position.clone()))
                .outcomes();
            for _ in 0..=handled {
                outcomes.next();
            }
            drop(outcomes); // killed, with batches in flight
            // Let the batches in flight land, as they would on the server.
            std::thread::sleep(std::time::Duration::from_millis(200));
            let position = saved.lock().unwrap().clone().unwrap();
            let landed = kratos.identity_count();

            let report = kratos
                .client()
                .import_identities(inputs())
                .chunk_size(5)
                .concurrency(concurrency)
                .resume(&position)
                .send();
            let context = format!("after {handled}, {concurrency} in flight: {report}");
            assert!(report.is_success(), "{context}");
            assert!(report.already_existed.is_empty(), "{context}");
            assert_eq!(kratos.identity_count(), 60, "{context}");
            // Every input the first run may have sent is looked up first.
            assert!(landed <= position.read(), "{context}");
            assert_eq!(report.lookups, position.unresolved().len(), "{context}");
            assert!(
                position.unresolved().len() <= 5 * concurrency + 5,
                "{context}"
            );
        }
    }
}

/// `check()` sends no write: it reads the schema (and the version when a
/// hash needs it) and tells what would be refused before sending.
#[test]
fn check_tells_what_would_be_refused_and_sends_no_write() {
    let kratos = FakeKratos::builder()
        .version(kratos_identity_fake::KratosVersion::V26_2)
        .start();
    let mut inputs = people(20);
    inputs[3] = person("user3@example.com").hashed_password("$argon2id$v=19$m=abc");
    inputs[7] = person("USER1@example.com");
    let mut totp = IdentityWithCredentials::default();
    totp.totp = Some(kratos_identity::IdentityWithCredentialsTotp::new(
        kratos_identity::IdentityWithCredentialsTotpConfig::new(
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP",
        ),
    ));
    inputs[9] = person("user9@example.com").credentials(totp);
    inputs[11] = person("user11@example.com")
        .hashed_password("$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6");
    let check = kratos.client().import_identities(inputs).check();
    assert_eq!((check.inputs, check.sendable), (20, 17), "{check}");
    let refused: Vec<usize> = check.refused.iter().map(|r| r.index).collect();
    assert_eq!(refused, [3, 7, 9], "{check}");
    assert!(check.unreadable_schemas.is_empty());
    assert!(!check.is_clean());
    assert_eq!(
        check.to_string(),
        "20 inputs: 17 would be sent, 3 refused before sending (1 invalid password hash, 1 credential type the target cannot import, 1 duplicate within the input)"
    );
    assert!(
        kratos.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        kratos.requests()
    );
    assert_eq!(kratos.identity_count(), 0);
}

/// Issue 26: `concurrency(n)` has up to `n` batches in flight at once (the
/// server handles them together), never more, and the outcomes come in
/// input order.
#[test]
fn concurrency_puts_up_to_n_batches_in_flight() {
    for n in [1, 2, 4] {
        let kratos = FakeKratos::builder()
            .latency(std::time::Duration::from_millis(40))
            .start();
        let outcomes: Vec<ImportOutcome> = kratos
            .client()
            .import_identities(people(120))
            .chunk_size(10)
            .concurrency(n)
            .outcomes()
            .collect();
        let order: Vec<usize> = outcomes.iter().map(|o| o.index).collect();
        assert_eq!(order, (0..120).collect::<Vec<_>>(), "{n} in flight");
        assert!(outcomes.iter().all(|o| o.result.is_ok()), "{n} in flight");
        assert_eq!(kratos.identity_count(), 120);
        assert_eq!(kratos.most_concurrent_requests(), n, "{n} in flight");
    }
}

/// A server that refuses batches sent side by side with 429, as Ory Network
/// does (the fake's `refuse_concurrent_writes`): the refused batch is sent
/// again, the import goes on one batch at a time and says so in a warning,
/// and every input is created once.
#[test]
fn a_server_refusing_concurrent_batches_gets_them_one_at_a_time() {
    let kratos = FakeKratos::builder()
        .latency(std::time::Duration::from_millis(30))
        .refuse_concurrent_writes(true)
        .start();
    let client = IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let report = client
        .import_identities(people(80))
        .chunk_size(10)
        .concurrency(4)
        .send();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.created, 80);
    assert_eq!(kratos.identity_count(), 80);
    let refused = kratos.requests().iter().filter(|r| r.status == 429).count();
    assert!(refused >= 1, "the fake refused no concurrent batch");
    let created_by_batches: usize = kratos
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.status == 200)
        .count();
    assert_eq!(created_by_batches, 8, "each chunk created once");
}

/// A duplicate of an input the server refused for itself is the person to
/// create: the first one (traits the schema refuses) is rejected, the next
/// one with its email is sent and created, and a third is a duplicate of
/// the second. Whether the first is in the same chunk or an earlier one.
#[test]
fn a_duplicate_of_a_refused_input_is_created_in_its_place() {
    for chunk_size in [2, 3, 1000] {
        let kratos = FakeKratos::start();
        let inputs = vec![
            person("zoe@example.com"),
            CreateIdentityBody::new(
                "default",
                json!({"email": "ada@example.com", "name": {"first": 7}}),
            ),
            person("ADA@example.com"),
            person("ada@example.com"),
            person("max@example.com"),
        ];
        let report = kratos
            .client()
            .import_identities(inputs)
            .chunk_size(chunk_size)
            .send();
        let context = format!("chunk {chunk_size}: {report}");
        assert_eq!(report.created, 3, "{context}");
        let created: Vec<usize> = report.created_ids.iter().map(|(i, _)| *i).collect();
        assert_eq!(created, [0, 2, 4], "{context}");
        assert!(
            matches!(report.failures[0].error, ImportError::Rejected(_)),
            "{context}"
        );
        assert_eq!(report.failures[0].index, 1);
        assert!(
            matches!(
                report.failures[1].error,
                ImportError::Duplicate { of: 2, .. }
            ),
            "{context}: {}",
            report.failures[1].error
        );
        assert_eq!(
            emails(&kratos),
            ["ADA@example.com", "max@example.com", "zoe@example.com"]
        );
    }
}
