use kratos_identity_fake::FakeKratos;

use crate::{bin, run};

#[test]
fn migrate_copies_every_identity_with_its_password_between_two_servers() {
    let source = FakeKratos::builder().identities(20).start();
    let target = FakeKratos::start();
    let mut command = bin();
    command.env("ORY_API_KEY_TO", "ory_pat_target");
    let migrated = run(
        command,
        &[
            "migrate",
            "--from",
            &source.base_url(),
            "--to",
            &target.base_url(),
            "--page-size",
            "7",
            "--chunk-size",
            "5",
        ],
    );
    assert_eq!(migrated.code, 0, "{migrated:?}");
    assert!(
        migrated.summary().starts_with("migrated 20 identities in ")
            && migrated
                .summary()
                .ends_with(": 20 created, 0 already existed, 0 failed"),
        "{migrated:?}"
    );
    assert_eq!(target.identity_count(), 20);
    let hashes = target
        .identities()
        .iter()
        .filter(|i| i["credentials"]["password"]["config"]["hashed_password"].is_string())
        .count();
    assert_eq!(hashes, 20, "the password hashes came along");
    // Each side got its own key (none for the source), on its admin port
    // (the schema's redirect to the public port goes without).
    assert!(source.requests().iter().all(|r| r.authorization.is_none()));
    assert!(
        target
            .requests()
            .iter()
            .filter(|r| r.status != 200 || !r.path.starts_with("/schemas/"))
            .all(|r| r.authorization.as_deref() == Some("Bearer ory_pat_target"))
    );

    let again = run(
        bin(),
        &[
            "migrate",
            "--from",
            &source.base_url(),
            "--to",
            &target.base_url(),
        ],
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .summary()
            .ends_with(": 0 created, 20 already existed, 0 failed"),
        "{again:?}"
    );
}

#[test]
fn migrate_needs_both_ends() {
    let only = run(bin(), &["migrate", "--from", "http://127.0.0.1:4434"]);
    assert_eq!(only.code, 2, "{only:?}");
}
