use std::collections::HashSet;

use kratos_identity::Operation;
use kratos_identity_fake::{FakeKratos, Fault};

use crate::{against, arg, ids, run, stored_ids, temp_dir};

#[test]
fn exports_every_identity_as_ndjson_and_imports_it_into_another_server() {
    let source = FakeKratos::builder().identities(25).start();
    let dir = temp_dir("round-trip");
    let file = dir.join("out.ndjson");
    let exported = run(
        against(&source),
        &[
            "export",
            "--page-size",
            "10",
            "--include-credential",
            "password",
            "-o",
            arg(&file),
        ],
    );
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(exported.stdout.is_empty(), "data goes to the file");
    assert!(
        exported.summary().starts_with("exported 25 identities in "),
        "{exported:?}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(ids(&text), stored_ids(&source));
    assert!(
        text.contains("hashed_password"),
        "password hashes are exported"
    );

    let target = FakeKratos::start();
    let imported = run(against(&target), &["import", arg(&file)]);
    assert_eq!(imported.code, 0, "{imported:?}");
    assert!(
        imported.summary().starts_with("imported 25 identities in ")
            && imported
                .summary()
                .ends_with(": 25 created, 0 already existed, 0 failed"),
        "{imported:?}"
    );
    let emails = |kratos: &FakeKratos| -> HashSet<String> {
        kratos
            .identities()
            .iter()
            .map(|i| i["traits"]["email"].to_string())
            .collect()
    };
    assert_eq!(emails(&target), emails(&source));

    // To stdout, with a filter.
    let one = run(
        against(&source),
        &[
            "export",
            "--credentials-identifier",
            "user000003@example.com",
        ],
    );
    assert_eq!(one.code, 0, "{one:?}");
    assert_eq!(one.stdout.lines().count(), 1);
    assert!(one.stdout.contains("user000003@example.com"));
    assert!(one.summary().starts_with("exported 1 identity in "));
}

#[test]
fn an_export_stopped_at_limit_resumes_from_its_checkpoint_writing_no_line_twice() {
    let kratos = FakeKratos::builder().identities(25).start();
    let dir = temp_dir("export-limit");
    let (out, checkpoint) = (dir.join("out.ndjson"), dir.join("export.ckpt"));
    let args = [
        "export",
        "--page-size",
        "5",
        "-o",
        arg(&out),
        "--checkpoint",
        arg(&checkpoint),
    ];
    let first = run(against(&kratos), &[&args[..], &["--limit", "7"]].concat());
    assert_eq!(first.code, 3, "stopped early and resumable: {first:?}");
    assert!(
        first.stderr.contains("run the same command again"),
        "{first:?}"
    );
    assert_eq!(ids(&std::fs::read_to_string(&out).unwrap()).len(), 7);

    // A kill -9 after more lines were written than the checkpoint says: a
    // torn line at the end.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&out)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"id\":\"torn"))
        .unwrap();

    let second = run(against(&kratos), &args);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(second.stderr.contains("resuming the export"), "{second:?}");
    assert_eq!(
        ids(&std::fs::read_to_string(&out).unwrap()),
        stored_ids(&kratos)
    );

    let third = run(against(&kratos), &args);
    assert_eq!(third.code, 0, "{third:?}");
    assert!(third.stderr.contains("finished already"), "{third:?}");
}

#[test]
fn an_export_the_server_fails_exits_3_and_reruns_complete_it_exactly_once() {
    let kratos = FakeKratos::builder().identities(40).start();
    // Every third page answers 500 (not retried): each run stops there.
    kratos.add_fault(Fault::on(Operation::LIST_IDENTITIES).status(500).every(3));
    let dir = temp_dir("export-fault");
    let (out, checkpoint) = (dir.join("out.ndjson"), dir.join("export.ckpt"));
    let args = [
        "export",
        "--page-size",
        "5",
        "--no-prefetch",
        "-o",
        arg(&out),
        "--checkpoint",
        arg(&checkpoint),
    ];
    let mut stops = 0;
    let last = loop {
        let attempt = run(against(&kratos), &args);
        match attempt.code {
            3 => {
                stops += 1;
                assert!(attempt.stderr.contains("HTTP 500"), "{attempt:?}");
                assert!(stops < 20, "the export never finished: {attempt:?}");
            }
            _ => break attempt,
        }
    };
    assert_eq!(last.code, 0, "{last:?}");
    assert!(stops >= 2, "the fault stopped {stops} runs");
    let written = ids(&std::fs::read_to_string(&out).unwrap());
    let distinct: HashSet<&String> = written.iter().collect();
    assert_eq!(distinct.len(), written.len(), "no line written twice");
    assert_eq!(written, stored_ids(&kratos));
}

#[test]
fn a_failed_export_without_checkpoint_names_the_page_token_to_continue_from() {
    let kratos = FakeKratos::builder().identities(12).start();
    kratos.add_fault(Fault::on(Operation::LIST_IDENTITIES).status(500).every(2));
    let first = run(
        against(&kratos),
        &["export", "--page-size", "5", "--no-prefetch"],
    );
    assert_eq!(first.code, 3, "{first:?}");
    assert_eq!(
        first.stdout.lines().count(),
        5,
        "the first page was written"
    );
    let token = first
        .stderr
        .split("--page-token ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a page token")
        .to_string();
    let rest = run(
        against(&kratos),
        &[
            "export",
            "--page-size",
            "5",
            "--no-prefetch",
            "--page-token",
            &token,
        ],
    );
    // The fault hits every second page request; the rest may need another go.
    let mut all = ids(&first.stdout);
    all.extend(ids(&rest.stdout));
    assert!(all.len() >= 10, "{rest:?}");
    assert_eq!(all[..], stored_ids(&kratos)[..all.len()]);
}
