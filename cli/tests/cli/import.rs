use kratos_identity_fake::FakeKratos;
use serde_json::{Value, json};

use crate::{BCRYPT, against, arg, run, temp_dir};

/// Seven lines: two good ones, and one of each kind of trouble.
fn dirty_input() -> String {
    let body = |email: &str, hash: Option<&str>| {
        let mut body = json!({ "schema_id": "default", "traits": { "email": email } });
        if let Some(hash) = hash {
            body["credentials"] = json!({ "password": { "config": { "hashed_password": hash } } });
        }
        body.to_string()
    };
    [
        body("ada@example.com", Some(BCRYPT)),     // 1: created
        "not json".to_string(),                    // 2: unreadable
        body("bob@example.com", Some("md5:nope")), // 3: a hash Kratos refuses
        body("ADA@example.com", None),             // 4: a duplicate of line 1
        body("not-an-email", None),                // 5: refused by the schema
        String::new(),                             // 6: blank, skipped
        body("cy@example.com", None),              // 7: created
    ]
    .join("\n")
        + "\n"
}

fn report_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_dirty_import_exits_1_and_its_report_names_each_failed_line() {
    let kratos = FakeKratos::start();
    let dir = temp_dir("import-dirty");
    let (input, report) = (dir.join("in.ndjson"), dir.join("report.ndjson"));
    std::fs::write(&input, dirty_input()).unwrap();
    let imported = run(
        against(&kratos),
        &["import", arg(&input), "--report", arg(&report)],
    );
    assert_eq!(imported.code, 1, "{imported:?}");
    assert!(imported.stdout.is_empty());
    assert!(
        imported
            .summary()
            .ends_with(": 2 created, 0 already existed, 4 failed"),
        "{imported:?}"
    );
    let lines = report_lines(&report);
    let failed: Vec<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert_eq!(failed, [2, 3, 4, 5], "{lines:?}");
    assert!(lines[0]["error"].as_str().unwrap().starts_with("not JSON"));
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("password hash")
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("duplicate of input 0")
    );
    assert!(
        lines[3]["error"]
            .as_str()
            .unwrap()
            .contains("rejected by the server")
    );
    assert_eq!(kratos.identity_count(), 2);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains("md5:nope"), "a report never holds a hash");

    // Without --report, the same failures are named on stderr.
    let again = run(against(&kratos), &["import", arg(&input)]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(
        again.stderr.contains("failed: line 2: not JSON"),
        "{again:?}"
    );
    assert!(
        again
            .summary()
            .ends_with(": 0 created, 2 already existed, 4 failed"),
        "{again:?}"
    );
}

#[test]
fn check_sends_no_write_and_names_what_would_be_refused() {
    let kratos = FakeKratos::builder().identities(3).start();
    let dir = temp_dir("import-check");
    let (input, report) = (dir.join("in.ndjson"), dir.join("report.ndjson"));
    std::fs::write(&input, dirty_input()).unwrap();
    kratos.clear_requests();
    let checked = run(
        against(&kratos),
        &["import", "--check", arg(&input), "--report", arg(&report)],
    );
    assert_eq!(checked.code, 1, "{checked:?}");
    assert!(
        checked.summary().starts_with("checked 6 identities in ")
            && checked
                .summary()
                .contains("would be refused before sending; nothing was sent"),
        "{checked:?}"
    );
    let writes: Vec<_> = kratos
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "--check sent {writes:?}");
    assert_eq!(kratos.identity_count(), 3);
    let failed: Vec<u64> = report_lines(&report)
        .iter()
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    // Line 5 (an email the schema refuses) only the server can tell.
    assert_eq!(failed, [2, 3, 4]);

    // A clean input checks clean.
    std::fs::write(
        &input,
        json!({"schema_id": "default", "traits": {"email": "dee@example.com"}}).to_string(),
    )
    .unwrap();
    let clean = run(against(&kratos), &["import", "--check", arg(&input)]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(
        clean
            .summary()
            .contains("1 would be sent, 0 would be refused"),
        "{clean:?}"
    );
}

#[test]
fn check_knows_what_a_v26_2_target_cannot_import() {
    let kratos = FakeKratos::start(); // v26.2.0: no TOTP import
    let dir = temp_dir("import-check-version");
    let input = dir.join("in.ndjson");
    let line = json!({"schema_id": "default", "traits": {"email": "eve@example.com"},
        "credentials": {"totp": {"config": {"totp_url": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}}}});
    std::fs::write(&input, line.to_string()).unwrap();
    let checked = run(against(&kratos), &["import", "--check", arg(&input)]);
    assert_eq!(checked.code, 1, "{checked:?}");
    assert!(
        checked.stderr.contains("cannot import totp credentials"),
        "{checked:?}"
    );
}

#[test]
fn an_import_resumes_from_its_checkpoint_without_sending_an_input_twice() {
    use kratos_identity::Operation;
    use kratos_identity_fake::Fault;

    let kratos = FakeKratos::start();
    let dir = temp_dir("import-resume");
    let (input, checkpoint) = (dir.join("in.ndjson"), dir.join("import.ckpt"));
    let lines: Vec<String> = (0..30)
        .map(|i| {
            json!({"schema_id": "default", "traits": {"email": format!("p{i}@example.com")}})
                .to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    // The second batch cannot be sent: the server refuses the key.
    kratos.add_fault(
        Fault::on(Operation::BATCH_PATCH_IDENTITIES)
            .status(401)
            .every(2),
    );
    let args = [
        "import",
        "--chunk-size",
        "10",
        "--checkpoint",
        arg(&checkpoint),
        arg(&input),
    ];
    let first = run(against(&kratos), &args);
    assert_eq!(first.code, 3, "{first:?}");
    assert!(
        first.stderr.contains("run the same command again"),
        "{first:?}"
    );
    assert_eq!(kratos.identity_count(), 10);
    kratos.clear_faults();
    let second = run(against(&kratos), &args);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .summary()
            .ends_with(": 20 created, 0 already existed, 0 failed"),
        "{second:?}"
    );
    assert!(
        second
            .stderr
            .contains("over all runs of this checkpoint: 30 created"),
        "{second:?}"
    );
    assert_eq!(kratos.identity_count(), 30);
}

#[test]
fn concurrency_puts_several_batches_in_flight() {
    let kratos = FakeKratos::builder()
        .latency(std::time::Duration::from_millis(100))
        .start();
    let dir = temp_dir("import-concurrency");
    let input = dir.join("in.ndjson");
    let lines: Vec<String> = (0..40)
        .map(|i| {
            json!({"schema_id": "default", "traits": {"email": format!("c{i}@example.com")}})
                .to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let imported = run(
        against(&kratos),
        &[
            "import",
            "--chunk-size",
            "5",
            "--concurrency",
            "3",
            arg(&input),
        ],
    );
    assert_eq!(imported.code, 0, "{imported:?}");
    assert!(
        imported
            .summary()
            .ends_with(": 40 created, 0 already existed, 0 failed"),
        "{imported:?}"
    );
    assert!(
        kratos.most_concurrent_requests() >= 2,
        "{}",
        kratos.most_concurrent_requests()
    );
}

/// What `export --include-credential password` writes from a real Kratos
/// whose schema names the email as a WebAuthn identifier: the `webauthn`
/// credential Kratos derives is listed without its config. Importing that
/// into master refused every line ("read without its config"); it is left
/// out and named, and the identity is imported with its password.
#[test]
fn an_export_of_passwords_only_imports_and_names_what_it_did_not_hold() {
    use kratos_identity_fake::KratosVersion;

    let kratos = FakeKratos::builder().version(KratosVersion::Master).start();
    let dir = temp_dir("import-config-not-read");
    let input = dir.join("in.ndjson");
    let line = json!({
        "id": "000224f7-2346-47dd-9c82-57e7c500a81c",
        "schema_id": "default", "schema_url": "", "state": "active",
        "traits": {"email": "user67298@bench.example.test"},
        "credentials": {
            "code": {"type": "code", "identifiers": ["user67298@bench.example.test"], "version": 1,
                "created_at": "2026-12-08T00:59:32.724887Z", "updated_at": "2026-12-08T00:59:32.724887Z"},
            "password": {"type": "password", "identifiers": ["user67298@bench.example.test"],
                "config": {"hashed_password": BCRYPT}, "version": 0,
                "created_at": "2026-12-08T00:59:32.72488Z", "updated_at": "2026-12-08T00:59:32.72488Z"},
            "webauthn": {"type": "webauthn", "identifiers": ["user67298@bench.example.test"], "version": 1,
                "created_at": "2026-12-08T00:59:32.724881Z", "updated_at": "2026-12-08T00:59:32.724881Z"}
        }
    });
    std::fs::write(&input, format!("{line}\n")).unwrap();
    let note = "note: left out the webauthn credentials of 1 exported identity: they were exported without what they hold (export with --include-credential webauthn to carry them)";

    let checked = run(against(&kratos), &["import", "--check", arg(&input)]);
    assert_eq!(checked.code, 0, "{checked:?}");
    assert!(checked.stderr.contains(note), "{checked:?}");

    let imported = run(against(&kratos), &["import", arg(&input)]);
    assert_eq!(imported.code, 0, "{imported:?}");
    assert!(imported.stderr.contains(note), "{imported:?}");
    let client = kratos.client();
    let stored = client
        .list_identities()
        .include_credential(["password"])
        .send()
        .unwrap();
    let password = &stored.as_slice()[0].credentials["password"];
    assert_eq!(
        password.config.as_ref().unwrap()["hashed_password"],
        BCRYPT,
        "the password hash was carried"
    );

    // Into v26.2.0, which imports no WebAuthn keys at all, that is the
    // reason given.
    let v26 = FakeKratos::start();
    let checked = run(against(&v26), &["import", "--check", arg(&input)]);
    assert_eq!(checked.code, 0, "{checked:?}");
    assert!(
        checked.stderr.contains(
            "note: left out the webauthn credentials of 1 exported identity: the target's version (v26.2.0) cannot import them"
        ),
        "{checked:?}"
    );
}
