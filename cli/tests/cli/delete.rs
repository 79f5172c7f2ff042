use kratos_identity::Operation;
use kratos_identity_fake::{FakeKratos, Fault};

use crate::{against, arg, run, stored_ids, temp_dir};

#[test]
fn delete_counts_first_and_refuses_more_than_one_without_yes() {
    let kratos = FakeKratos::builder().identities(5).start();
    let dir = temp_dir("delete-yes");
    let file = dir.join("ids.txt");
    let ids = stored_ids(&kratos);
    std::fs::write(
        &file,
        format!("{}\n\n{}\n# a comment\n{}\n", ids[0], ids[1], ids[2]),
    )
    .unwrap();
    let refused = run(against(&kratos), &["delete", arg(&file)]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("3 identities to delete"),
        "{refused:?}"
    );
    assert!(refused.stderr.contains("without --yes"), "{refused:?}");
    assert_eq!(kratos.identity_count(), 5, "nothing deleted");

    let deleted = run(
        against(&kratos),
        &["delete", arg(&file), "--yes", "--concurrency", "3"],
    );
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert!(
        deleted.summary().starts_with("deleted 3 identities in "),
        "{deleted:?}"
    );
    assert_eq!(stored_ids(&kratos), ids[3..]);

    // Already gone counts as done.
    let again = run(against(&kratos), &["delete", arg(&file), "--yes"]);
    assert_eq!(again.code, 0, "{again:?}");

    // One identity needs no --yes; a filter selects it.
    let one = run(
        against(&kratos),
        &[
            "delete",
            "--credentials-identifier",
            "user000004@example.com",
        ],
    );
    assert_eq!(one.code, 0, "{one:?}");
    assert!(one.stderr.contains("1 identity to delete"), "{one:?}");
    assert_eq!(kratos.identity_count(), 1);
}

#[test]
fn lines_that_are_not_ids_are_reported_and_exit_1() {
    let kratos = FakeKratos::builder().identities(2).start();
    let dir = temp_dir("delete-bad");
    let (file, report) = (dir.join("ids.txt"), dir.join("report.ndjson"));
    std::fs::write(&file, format!("{}\nnot-a-uuid\n", stored_ids(&kratos)[0])).unwrap();
    let run = run(
        against(&kratos),
        &["delete", arg(&file), "--report", arg(&report)],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains(r#""line":2"#) && text.contains("not an identity id"),
        "{text}"
    );
    assert_eq!(kratos.identity_count(), 1);
}

#[test]
fn a_stopped_delete_resumes_from_its_checkpoint_sending_done_ids_no_more() {
    let kratos = FakeKratos::builder().identities(12).start();
    let dir = temp_dir("delete-resume");
    let (file, checkpoint) = (dir.join("ids.txt"), dir.join("delete.ckpt"));
    std::fs::write(&file, stored_ids(&kratos).join("\n")).unwrap();
    // The first delete meets a server error (500, not retried): the job
    // stops after its chunk, with that id left to do.
    kratos.add_fault(Fault::on(Operation::DELETE_IDENTITY).status(500).next(1));
    let args = [
        "delete",
        arg(&file),
        "--yes",
        "--concurrency",
        "1",
        "--checkpoint",
        arg(&checkpoint),
    ];
    let first = run(against(&kratos), &args);
    assert_eq!(first.code, 3, "{first:?}");
    assert!(
        first.stderr.contains("run the same command again"),
        "{first:?}"
    );
    assert_eq!(
        kratos.identity_count(),
        1,
        "all but the failed one were deleted"
    );
    kratos.clear_requests();
    let second = run(against(&kratos), &args);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(second.stderr.contains("1 identity to delete"), "{second:?}");
    assert_eq!(kratos.identity_count(), 0);
    let deletes = kratos
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 1, "only the id left undone was sent again");
    let third = run(against(&kratos), &args);
    assert_eq!(third.code, 0, "{third:?}");
    assert!(third.stderr.contains("finished"), "{third:?}");
}

#[test]
fn deletes_run_in_parallel() {
    let kratos = FakeKratos::builder()
        .identities(12)
        .latency(std::time::Duration::from_millis(50))
        .start();
    let started = std::time::Instant::now();
    let deleted = run(
        against(&kratos),
        &["delete", "--all", "--yes", "--concurrency", "4"],
    );
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert_eq!(kratos.identity_count(), 0);
    assert!(
        kratos.most_concurrent_requests() >= 2,
        "{}",
        kratos.most_concurrent_requests()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
