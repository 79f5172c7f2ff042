use kratos_identity_fake::FakeKratos;
use serde_json::json;

use crate::{against, run};

fn kratos() -> (FakeKratos, String) {
    let kratos = FakeKratos::start();
    let ada = kratos.insert_identity(json!({
        "schema_id": "default",
        "state": "active",
        "external_id": "crm-7",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"type": "password", "identifiers": ["ada@example.com"]}}
    }));
    kratos.add_session(ada);
    // Another identity whose external id is Ada's email.
    kratos.insert_identity(json!({
        "schema_id": "default",
        "external_id": "ada@example.com",
        "traits": {"email": "mallory@example.com"},
        "credentials": {"password": {"type": "password", "identifiers": ["mallory@example.com"]}}
    }));
    (kratos, ada.to_string())
}

#[test]
fn find_prints_one_identity_by_id_email_or_external_id() {
    let (kratos, ada) = kratos();
    for what in [ada.as_str(), "crm-7"] {
        let found = run(against(&kratos), &["find", what]);
        assert_eq!(found.code, 0, "{found:?}");
        assert!(
            found.stdout.starts_with(&format!("id            {ada}\n")),
            "{found:?}"
        );
        assert!(found.stdout.contains("sessions      1 active"), "{found:?}");
        assert!(
            found
                .stdout
                .contains("credentials   password (ada@example.com)"),
            "{found:?}"
        );
    }
    let json = run(against(&kratos), &["find", "mallory@example.com", "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["traits"]["email"], "mallory@example.com");
}

#[test]
fn find_exits_1_when_nothing_matches_and_2_when_different_identities_do() {
    let (kratos, ada) = kratos();
    let none = run(against(&kratos), &["find", "nobody@example.com"]);
    assert_eq!(none.code, 1, "{none:?}");
    assert!(none.stdout.is_empty());
    assert!(
        none.stderr.contains("no identity has that id") && !none.stderr.contains("nobody"),
        "the email stays out of stderr: {none:?}"
    );
    // Ada's email, and Mallory's external id.
    let both = run(against(&kratos), &["find", "ada@example.com"]);
    assert_eq!(both.code, 2, "{both:?}");
    assert!(
        both.stderr.contains("matches 2 different identities"),
        "{both:?}"
    );
    assert!(both.stderr.contains(&ada), "{both:?}");
    assert!(!both.stderr.contains("ada@"), "{both:?}");
    assert!(both.stdout.is_empty());
}

#[test]
fn find_exits_3_when_the_server_cannot_answer_never_1() {
    let (kratos, _) = kratos();
    let url = kratos.base_url();
    drop(kratos);
    let mut command = crate::bin();
    command.env("KRATOS_ADMIN_URL", url);
    let failed = run(command, &["find", "ada@example.com"]);
    assert_eq!(
        failed.code, 3,
        "a server that is down is not 'not found': {failed:?}"
    );
}
