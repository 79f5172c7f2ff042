//! `FakeKratos` driven through the public client only: every operation's
//! happy path, the 400/404/409 answers Kratos gives, pagination, batch
//! import, and the faults.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use kratos_identity::{
    CreateIdentityBody, CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody,
    CreateTestLoginFlowBody, Error, IdentityClient, IdentityPatch, IdentityPatchAction,
    IdentityState, IdentityWithCredentials, IdentityWithCredentialsTotp,
    IdentityWithCredentialsTotpConfig, IdentityWithCredentialsWebAuthn,
    IdentityWithCredentialsWebAuthnConfig, JsonPatch, ManageSessionsAction, ManageSessionsBody,
    OidcProvider, PatchIdentitiesBody, UpdateIdentityBody, VerifiableIdentityAddress,
};
use kratos_identity_fake::{FakeKratos, KratosVersion, RateLimit};
use serde_json::{Value, json};
use uuid::Uuid;

const HASH: &str = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

/// A client that reports every failure as it comes, without retrying.
fn no_retries(kratos: &FakeKratos) -> IdentityClient {
    IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .build()
        .expect("a loopback URL is a valid configuration")
}

fn body(email: &str) -> CreateIdentityBody {
    CreateIdentityBody::new(
        "default",
        json!({ "email": email, "name": {"first": "Ada"} }),
    )
}

fn reason(err: &Error) -> String {
    err.kratos_error()
        .and_then(|e| e.reason.clone())
        .unwrap_or_default()
}

fn message(err: &Error) -> String {
    err.kratos_error()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

#[test]
fn identity_lifecycle() {
    let kratos = FakeKratos::start();
    let client = kratos.client();
    let created = client
        .create_identity(
            body("Ada@Example.com")
                .hashed_password(HASH)
                .external_id("crm-1")
                .metadata_admin(json!({"tier": 1}))
                .verifiable_address(
                    VerifiableIdentityAddress::new("ada@example.com", Default::default())
                        .verified(true)
                        .status("completed"),
                ),
        )
        .send_with_info()
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers().get("location").unwrap().to_string();
    let ada = created.into_body();
    assert_eq!(
        location,
        // Kratos's Location leaves out the admin prefix.
        format!("{}/identities/{}", kratos.base_url(), ada.id)
    );
    assert_eq!(ada.state, Some(IdentityState::Active));
    assert!(ada.state_changed_at.is_some());
    // Credential types are listed, configs are not.
    let types: Vec<&str> = ada.credentials.keys().map(String::as_str).collect();
    assert_eq!(types, ["code", "password"]);
    assert!(ada.credentials.values().all(|c| c.config.is_none()));
    assert_eq!(ada.credentials["password"].identifiers, ["ada@example.com"]);
    // The imported address is kept with its status.
    assert!(ada.verifiable_addresses[0].verified);
    assert_eq!(ada.verifiable_addresses[0].status, "completed");
    assert_eq!(ada.recovery_addresses[0].value, "ada@example.com");
    assert_eq!(ada.metadata_admin, Some(json!({"tier": 1})));

    let got = client
        .get_identity(ada.id)
        .include_credential(["password"])
        .send()
        .unwrap();
    assert_eq!(
        got.credentials["password"].config,
        Some(json!({ "hashed_password": HASH }))
    );
    assert!(got.credentials["code"].config.is_none());
    let by_external = client.get_identity_by_external_id("crm-1").send().unwrap();
    assert_eq!(by_external.id, ada.id);

    // PUT replaces traits and metadata; an empty state keeps the current one.
    let mut put = UpdateIdentityBody::new(
        "",
        IdentityState::Inactive,
        json!({"email": "ada@example.org"}),
    );
    put.external_id = Some("crm-2".into());
    let updated = client.update_identity(ada.id, put).send().unwrap();
    assert_eq!(updated.state, Some(IdentityState::Inactive));
    assert_eq!(updated.traits["email"], "ada@example.org");
    assert_eq!(updated.metadata_admin, None);
    assert_eq!(
        updated.credentials["password"].identifiers,
        ["ada@example.org"]
    );
    assert!(
        client
            .get_identity_by_external_id("crm-1")
            .send()
            .unwrap_err()
            .is_not_found()
    );

    let patched = client
        .patch_identity(
            ada.id,
            vec![
                JsonPatch::replace("/state", "active"),
                JsonPatch::add("/metadata_public", json!({"plan": "pro"})),
                JsonPatch::replace("/traits/name", json!({"first": "Augusta"})),
            ],
        )
        .send()
        .unwrap();
    assert_eq!(patched.state, Some(IdentityState::Active));
    assert_eq!(patched.metadata_public, Some(json!({"plan": "pro"})));
    assert_eq!(patched.traits["name"]["first"], "Augusta");
    let client = no_retries(&kratos);
    for refused in ["/id", "/credentials", "/credentials/oidc/config"] {
        let err = client
            .patch_identity(ada.id, vec![JsonPatch::replace(refused, "x")])
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{refused}");
        assert_eq!(
            reason(&err),
            "An error occured when applying the JSON patch"
        );
        assert_eq!(
            message(&err),
            format!("patch includes denied path: {refused}")
        );
    }

    client.delete_identity(ada.id).send().unwrap();
    for err in [
        client.get_identity(ada.id).send().unwrap_err(),
        client.get_identity("not-a-uuid").send().unwrap_err(),
        client.delete_identity(ada.id).send().unwrap_err(),
        client
            .patch_identity(ada.id, vec![JsonPatch::remove("/traits")])
            .send()
            .unwrap_err(),
    ] {
        assert!(err.is_not_found(), "{err}");
        assert_eq!(message(&err), "Unable to locate the resource");
    }
    assert_eq!(kratos.identity_count(), 0);
}

#[test]
fn conflicts_and_bad_bodies() {
    let kratos = FakeKratos::start();
    let client = no_retries(&kratos);
    let first = client
        .create_identity(body("grace@example.com").external_id("g"))
        .send()
        .unwrap();

    let dup = client
        .create_identity(body("GRACE@example.com"))
        .send()
        .unwrap_err();
    assert!(dup.is_conflict());
    assert_eq!(
        message(&dup),
        "The resource could not be created due to a conflict"
    );
    assert_eq!(
        reason(&dup),
        "This identity conflicts with another identity that already exists."
    );
    let dup = client
        .create_identity(body("other@example.com").external_id("g"))
        .send()
        .unwrap_err();
    assert!(dup.is_conflict());

    let second = client
        .create_identity(body("alan@example.com"))
        .send()
        .unwrap();
    let err = client
        .patch_identity(
            second.id,
            vec![JsonPatch::replace("/traits/email", "grace@example.com")],
        )
        .send()
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let err = client
        .create_identity(CreateIdentityBody::new(
            "customer",
            json!({"email": "x@y.z"}),
        ))
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(reason(&err), "Unable to find JSON Schema ID: customer");
    let err = client
        .create_identity(CreateIdentityBody::new("default", json!({"email": "nope"})))
        .send()
        .unwrap_err();
    assert!(reason(&err).contains("is not valid \"email\""), "{err}");
    let err = client
        .create_identity(CreateIdentityBody::new("default", json!({"name": {}})))
        .send()
        .unwrap_err();
    assert!(
        reason(&err).contains("missing properties: \"email\""),
        "{err}"
    );

    // The create body is decoded strictly: an unknown field anywhere is a
    // 400. v26.2.0 has no WebAuthn import at all; master knows it, but not
    // a `nickname` in it.
    let mut webauthn = IdentityWithCredentialsWebAuthnConfig::default();
    webauthn.credentials = vec![json!({"id": "aWQ=", "nickname": "yubikey"})];
    let mut credentials = IdentityWithCredentials::default();
    credentials.webauthn = Some(IdentityWithCredentialsWebAuthn::new(webauthn));
    let err = client
        .create_identity(body("strict@example.com").credentials(credentials.clone()))
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(message(&err), r#"json: unknown field "webauthn""#);
    assert_eq!(kratos.identity_count(), 2);
    let master = FakeKratos::builder().version(KratosVersion::Master).start();
    let err = no_retries(&master)
        .create_identity(body("strict@example.com").credentials(credentials))
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(message(&err), r#"json: unknown field "nickname""#);
    assert_eq!(master.identity_count(), 0);
    assert_eq!(first.external_id.as_deref(), Some("g"));
}

#[test]
fn deleting_credentials() {
    // TOTP is imported by master only.
    let kratos = FakeKratos::builder().version(KratosVersion::Master).start();
    let client = no_retries(&kratos);
    let mut credentials = IdentityWithCredentials::oidc([OidcProvider::new("google", "123")]);
    credentials.totp = Some(IdentityWithCredentialsTotp::new(
        IdentityWithCredentialsTotpConfig::new("otpauth://totp/x?secret=ABC"),
    ));
    let user = client
        .create_identity(
            body("creds@example.com")
                .credentials(credentials)
                .hashed_password(HASH),
        )
        .send()
        .unwrap();
    let got = client
        .get_identity(user.id)
        .include_credential(["oidc", "totp"])
        .send()
        .unwrap();
    assert_eq!(got.credentials["oidc"].identifiers, ["google:123"]);
    assert_eq!(
        got.credentials["oidc"].config.as_ref().unwrap()["providers"][0],
        json!({"initial_id_token": "", "initial_access_token": "", "initial_refresh_token": "",
               "subject": "123", "provider": "google"})
    );
    assert_eq!(got.credentials["totp"].identifiers, [user.id.to_string()]);

    let err = client
        .delete_identity_credentials(user.id, "oidc")
        .send()
        .unwrap_err();
    assert_eq!(
        reason(&err),
        "You must provide an identifier to delete this credential."
    );
    let err = client
        .delete_identity_credentials(user.id, "oidc")
        .identifier("google:999")
        .send()
        .unwrap_err();
    assert!(err.is_not_found());
    client
        .delete_identity_credentials(user.id, "oidc")
        .identifier("google:123")
        .send()
        .unwrap();
    client
        .delete_identity_credentials(user.id, "totp")
        .send()
        .unwrap();
    let err = client
        .delete_identity_credentials(user.id, "password")
        .send()
        .unwrap_err();
    assert_eq!(
        reason(&err),
        "You cannot remove the last first factor credential."
    );
    let err = client
        .delete_identity_credentials(user.id, "foo")
        .send()
        .unwrap_err();
    assert!(err.is_not_found());
    let err = client
        .delete_identity_credentials(user.id, "code")
        .send()
        .unwrap_err();
    assert_eq!(reason(&err), "Credentials type code cannot be deleted.");
    // The OIDC credential stays after its last link, without identifiers,
    // as Kratos keeps it.
    let left = client.get_identity(user.id).send().unwrap();
    let types: Vec<&str> = left.credentials.keys().map(String::as_str).collect();
    assert_eq!(types, ["code", "oidc", "password"]);
    assert!(left.credentials["oidc"].identifiers.is_empty());
}

#[test]
fn pagination_over_seeded_identities() {
    let kratos = FakeKratos::start();
    let ids = kratos.seed_identities(1234);
    assert_eq!(kratos.identity_count(), 1234);
    let client = no_retries(&kratos);

    let listed: Vec<Uuid> = client
        .list_identities()
        .page_size(500)
        .items()
        .map(|i| i.unwrap().id)
        .collect();
    assert_eq!(listed, ids, "every id once, in id order");
    let raw = client.list_identities().raw().items().count();
    assert_eq!(raw, 1234);
    assert!(
        kratos.identities()[0].to_string().len() > 900,
        "about 1 KB each"
    );

    let first = client.list_identities().send_with_info().unwrap();
    assert_eq!(first.body().len(), 250);
    assert_eq!(
        first.headers().get("link").unwrap(),
        format!(
            "</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel=\"first\",\
             </admin/identities?page_size=250&page_token={}>; rel=\"next\"",
            ids[249]
        )
    );
    assert!(first.body().iter().all(|i| i.credentials.is_empty()));
    // Other parameters are carried into the links; page sizes are clamped.
    let clamped = client
        .list_identities()
        .page_size(9999)
        .consistency("eventual")
        .send_with_info()
        .unwrap();
    assert_eq!(clamped.body().len(), 500);
    assert!(
        clamped
            .headers()
            .get("link")
            .unwrap()
            .starts_with("</admin/identities?consistency=eventual&page_size=500&page_token=0000")
    );

    // Filters.
    let some: Vec<String> = [3, 700, 1200].iter().map(|&i| ids[i].to_string()).collect();
    let page = client.list_identities().ids(&some).send().unwrap();
    assert_eq!(
        page.iter().map(|i| i.id.to_string()).collect::<Vec<_>>(),
        some
    );
    let page = client
        .list_identities()
        .credentials_identifier("USER000042@example.com")
        .include_credential(["password"])
        .send()
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page.as_slice()[0].traits["email"], "user000042@example.com");
    assert!(page.as_slice()[0].credentials["password"].config.is_some());
    let similar = client
        .list_identities()
        .preview_credentials_identifier_similar("user00012")
        .items()
        .count();
    assert_eq!(similar, 10);
    let org = "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11";
    let in_org = client
        .list_identities()
        .organization_id(org)
        .items()
        .count();
    let expected = kratos
        .identities()
        .iter()
        .filter(|i| i["organization_id"] == org)
        .count();
    assert!(expected > 0);
    assert_eq!(in_org, expected);

    let err = client
        .list_identities()
        .ids([ids[0].to_string()])
        .credentials_identifier("user000001@example.com")
        .send()
        .unwrap_err();
    assert_eq!(
        reason(&err),
        "You cannot combine multiple filters in this API"
    );
    let err = client
        .list_identities()
        .page_token("not-a-token")
        .send()
        .unwrap_err();
    assert_eq!(
        reason(&err),
        "The page token is invalid, do not craft your own page tokens"
    );
    // The client refuses an id that is not a UUID before sending it; the
    // fake answers such a request as Kratos does.
    let err = client.list_identities().ids(["nope"]).send().unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    let mut answer = ureq::get(format!("{}/admin/identities?ids=nope", kratos.base_url()))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body = answer.body_mut().read_to_string().unwrap();
    assert!(
        body.contains("Invalid UUID value `nope` for parameter `ids`."),
        "{body}"
    );

    // Legacy page numbers.
    let legacy = client
        .list_identities()
        .page(2)
        .per_page(100)
        .send()
        .unwrap();
    assert_eq!(legacy.total_count(), Some(1234));
    assert_eq!(legacy.as_slice()[0].id, ids[200]);
    assert!(legacy.has_next());
    let err = client
        .list_identities()
        .page(3)
        .per_page(500)
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[test]
fn batch_import() {
    let kratos = FakeKratos::start();
    let client = no_retries(&kratos);
    client
        .create_identity(body("taken@example.com"))
        .send()
        .unwrap();
    let patch_id = Uuid::parse_str("aa0e8400-e29b-41d4-a716-446655440000").unwrap();
    let response = client
        .batch_patch_identities(PatchIdentitiesBody::new(vec![
            IdentityPatch::create(body("new@example.com").hashed_password(HASH)).patch_id(patch_id),
            IdentityPatch::create(body("taken@example.com")),
            IdentityPatch::create(body("New@example.com")),
            IdentityPatch::create(CreateIdentityBody::new("nope", json!({}))),
        ]))
        .send()
        .unwrap();
    let results: Vec<_> = response
        .identities
        .iter()
        .map(|r| r.as_ref().unwrap())
        .collect();
    assert_eq!(results[0].action, Some(IdentityPatchAction::Create));
    assert_eq!(results[0].patch_id, Some(patch_id));
    let created = results[0].identity.unwrap();
    for duplicate in &results[1..3] {
        assert_eq!(duplicate.action, Some(IdentityPatchAction::Error));
        assert_eq!(duplicate.error.as_ref().unwrap().code, Some(409));
    }
    assert_eq!(
        results[3].error.as_ref().unwrap().reason.as_deref(),
        Some("Unable to find JSON Schema ID: nope")
    );
    let stored = client
        .get_identity(created)
        .include_credential(["password"])
        .send()
        .unwrap();
    assert_eq!(
        stored.credentials["password"].config,
        Some(json!({"hashed_password": HASH}))
    );
    assert_eq!(kratos.identity_count(), 2);

    // A hash of no known format fails the whole request. The client
    // refuses it before sending, naming the item; the fake, sent it all
    // the same, answers as Kratos does.
    let err = client
        .batch_patch_identities(PatchIdentitiesBody::new(vec![
            IdentityPatch::create(body("ok@example.com")),
            IdentityPatch::create(body("bad@example.com").hashed_password("md5:abc")),
        ]))
        .send()
        .unwrap_err();
    assert_eq!(
        err.invalid_input_kind(),
        Some(kratos_identity::InvalidInputKind::PasswordHash)
    );
    assert!(err.to_string().contains("identities[1]: "), "{err}");
    assert!(!err.to_string().contains("md5:abc"), "{err}");
    let mut answer = ureq::patch(format!("{}/admin/identities", kratos.base_url()))
        .config()
        .http_status_as_error(false)
        .build()
        .header("content-type", "application/json")
        .send(json!({"identities": [
            {"create": {"schema_id": "default", "traits": {"email": "ok@example.com"}}},
            {"create": {"schema_id": "default", "traits": {"email": "bad@example.com"},
                        "credentials": {"password": {"config": {"hashed_password": "md5:abc"}}}}}
        ]}).to_string())
        .unwrap();
    assert_eq!(answer.status(), 400);
    let refusal: Value =
        serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        refusal["error"]["reason"],
        "The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"
    );
    assert_eq!(kratos.identity_count(), 2);

    // Plaintext passwords are hashed one after another inside the request.
    kratos.set_hash_delay(Duration::from_millis(60));
    let started = Instant::now();
    let items = (0..4)
        .map(|i| IdentityPatch::create(body(&format!("plain{i}@example.com")).password("s3cret!")))
        .collect();
    let response = client
        .batch_patch_identities(PatchIdentitiesBody::new(items))
        .send()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(240));
    assert!(
        response
            .identities
            .iter()
            .all(|r| r.as_ref().unwrap().action == Some(IdentityPatchAction::Create))
    );
    let plain = client
        .list_identities()
        .credentials_identifier("plain0@example.com")
        .include_credential(["password"])
        .send()
        .unwrap();
    let hash = plain.as_slice()[0].credentials["password"]
        .config
        .as_ref()
        .unwrap()["hashed_password"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        hash.starts_with("$2a$04$") && !hash.contains("s3cret"),
        "{hash}"
    );
    kratos.set_hash_delay(Duration::ZERO);

    // The limits.
    let many = |n: usize, plain: bool| {
        PatchIdentitiesBody::new(
            (0..n)
                .map(|i| {
                    let b = body(&format!("bulk{i}@example.com"));
                    IdentityPatch::create(if plain { b.password("pw") } else { b })
                })
                .collect(),
        )
    };
    let err = client
        .batch_patch_identities(many(1001, false))
        .send()
        .unwrap_err();
    assert!(reason(&err).contains("at once is 1000"), "{err}");
    let err = client
        .batch_patch_identities(many(201, true))
        .send()
        .unwrap_err();
    assert!(reason(&err).contains("plaintext password is 200"), "{err}");
    let padding = "x".repeat(6000);
    let huge = PatchIdentitiesBody::new(
        (0..1000)
            .map(|i| {
                IdentityPatch::create(CreateIdentityBody::new(
                    "default",
                    json!({"email": format!("big{i}@example.com"), "bio": padding}),
                ))
            })
            .collect(),
    );
    // Never a 413: Kratos's batch handler reads what it can and answers 400
    // (its body saying 500).
    let err = client.batch_patch_identities(huge).send().unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string().contains("http: request body too large"),
        "{err}"
    );
    assert_eq!(kratos.identity_count(), 6);
}

#[test]
fn sessions() {
    // manage_sessions is master's.
    let kratos = FakeKratos::builder()
        .identities(2)
        .version(KratosVersion::Master)
        .start();
    let client = no_retries(&kratos);
    let ids: Vec<Uuid> = kratos
        .identities()
        .iter()
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let s1 = kratos.add_session(ids[0]);
    let s2 = kratos.add_session(ids[0]);
    let s3 = kratos.add_session(ids[1]);

    let all: Vec<_> = client
        .list_sessions()
        .page_size(2)
        .items()
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .all(|s| s.identity.is_none() && s.devices.is_empty())
    );
    let expanded = client
        .list_sessions()
        .expand(["identity", "devices"])
        .send()
        .unwrap();
    assert!(
        expanded
            .iter()
            .all(|s| s.identity.is_some() && s.devices.len() == 1)
    );
    let err = client
        .list_sessions()
        .expand(["everything"])
        .send()
        .unwrap_err();
    // `expand` is a word of the API the crate sends, not the user's data:
    // the server's words keep it (issue 25; it read "option: …", which
    // hid the very value to fix).
    assert_eq!(reason(&err), "Could not parse expand option: everything");

    let one = client.get_session(s1).expand(["identity"]).send().unwrap();
    assert_eq!(one.identity.unwrap().id, ids[0]);
    assert_eq!(
        client.get_session("nope").send().unwrap_err().status(),
        Some(400)
    );
    assert!(
        client
            .get_session(Uuid::nil())
            .send()
            .unwrap_err()
            .is_not_found()
    );

    client.disable_session(s1).send().unwrap();
    assert_eq!(client.get_session(s1).send().unwrap().active, Some(false));
    assert_eq!(client.list_sessions().active(true).send().unwrap().len(), 2);
    assert!(
        client
            .disable_session(Uuid::nil())
            .send()
            .unwrap_err()
            .is_not_found()
    );
    let extended = client.extend_session(s2).send().unwrap().unwrap();
    assert_eq!(extended.identity.unwrap().id, ids[0]);

    let mine = client
        .list_identity_sessions(ids[0])
        .send_with_info()
        .unwrap();
    assert_eq!(mine.body().len(), 2);
    assert_eq!(mine.body().total_count(), Some(2));
    let paged: Vec<_> = client
        .list_identity_sessions(ids[0])
        .page_size(1)
        .items()
        .map(|s| s.unwrap().id)
        .collect();
    assert_eq!(paged.len(), 2, "each session once");
    assert_eq!(paged.iter().collect::<HashSet<_>>().len(), 2);

    client.delete_identity_sessions(ids[0]).send().unwrap();
    let err = client.delete_identity_sessions(ids[0]).send().unwrap_err();
    assert!(
        err.is_not_found(),
        "no sessions left: 404, as Kratos answers"
    );
    client
        .delete_identity_sessions(ids[0])
        .missing_ok(true)
        .send()
        .unwrap();

    let outcome = client
        .manage_sessions(ManageSessionsBody::for_sessions(
            ManageSessionsAction::Disable,
            [s3],
        ))
        .send()
        .unwrap();
    assert_eq!((outcome.processed, outcome.more), (1, false));
    let outcome = client
        .manage_sessions(ManageSessionsBody::all_sessions(
            ManageSessionsAction::Delete,
        ))
        .send()
        .unwrap();
    assert_eq!(outcome.processed, 1);
    assert!(client.list_sessions().send().unwrap().is_empty());
}

#[test]
fn recovery_schemas_and_login_flows() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .version(KratosVersion::Master)
        .oidc_provider("google")
        .start();
    let client = no_retries(&kratos);
    let id = kratos.identities()[0]["id"].as_str().unwrap().to_string();

    let code = client
        .create_recovery_code_for_identity(
            CreateRecoveryCodeForIdentityBody::new(&id).expires_in(Duration::from_secs(600)),
        )
        .send()
        .unwrap();
    assert_eq!(code.recovery_code.len(), 6);
    // The link of a code is the recovery UI's: Kratos's fallback, as none is configured.
    assert!(
        code.recovery_link
            .starts_with("https://www.ory.sh/kratos/docs/fallback/recovery?flow="),
        "{}",
        code.recovery_link
    );
    let link = client
        .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(&id))
        .send()
        .unwrap();
    assert!(link.recovery_link.contains("token="));
    assert!(
        link.recovery_link.starts_with(&format!(
            "{}/self-service/recovery?flow=",
            kratos.public_url()
        )),
        "{}",
        link.recovery_link
    );
    let unknown = Uuid::nil();
    let err = client
        .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(unknown))
        .send()
        .unwrap_err();
    assert!(err.is_not_found());
    let err = client
        .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(unknown))
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));

    let schemas = client.list_identity_schemas().send().unwrap();
    assert_eq!(schemas.len(), 1);
    assert_eq!(schemas.as_slice()[0].id, "default");
    let schema = client.get_identity_schema("default").send().unwrap();
    assert_eq!(schema["properties"]["traits"]["required"], json!(["email"]));
    assert_eq!(
        client.get_identity_schema("ZGVmYXVsdA").send().unwrap(),
        schema
    );
    assert!(
        client
            .get_identity_schema("nope")
            .send()
            .unwrap_err()
            .is_not_found()
    );

    let flow = client
        .create_test_login_flow(CreateTestLoginFlowBody::new("google"))
        .send()
        .unwrap();
    assert_eq!(flow.test_context, Some(json!({"provider_id": "google"})));
    let err = client
        .create_test_login_flow(CreateTestLoginFlowBody::new("github"))
        .send()
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        reason(&err),
        r#"OpenID Connect provider "github" is not configured"#
    );
}

#[test]
fn inserted_identities_come_back_as_given() {
    let kratos = FakeKratos::start();
    let odd = json!({
        "id": "0b7e5a2c-1c1d-4e0f-8a3b-5d6c7e8f9a0b",
        "schema_id": "legacy",
        "schema_url": "https://old.example/schemas/legacy",
        "traits": {"username": "ada", "email": null},
        "credentials": {"password": {"type": "password", "identifiers": ["ada"],
            "config": {"hashed_password": "{SSHA}abc"}, "version": 0}},
        "state": "active",
        "imported_from": "ldap",
        "created_at": "0001-01-01T00:00:00Z"
    });
    let id = kratos.insert_identity(odd.clone());
    assert_eq!(kratos.identities(), vec![odd]);
    let client = no_retries(&kratos);
    let got = client.get_identity(id).send().unwrap();
    assert_eq!(got.schema_id, "legacy");
    let created = client
        .create_identity(CreateIdentityBody::new(
            "legacy",
            json!({"username": "grace"}),
        ))
        .send()
        .unwrap();
    assert_eq!(created.schema_id, "legacy");
    let found = client
        .list_identities()
        .credentials_identifier("ada")
        .send()
        .unwrap();
    assert_eq!(found.as_slice()[0].id, id);
    let generated = kratos.insert_identity(json!({"schema_id": "default", "traits": {}}));
    assert_ne!(generated, Uuid::nil());
}

#[test]
fn rate_limit_per_bucket() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .rate_limit(RateLimit::per_second(3))
        .start();
    // Without pacing, to see the server's own answers.
    let client = IdentityClient::builder(kratos.base_url())
        .max_retries(0)
        .pacing(false)
        .build()
        .unwrap();
    let id = kratos.identities()[0]["id"].as_str().unwrap().to_string();
    for remaining in ["2", "1", "0"] {
        let page = client.list_identities().send_with_info().unwrap();
        assert_eq!(page.headers().get("x-ratelimit-limit"), Some("3"));
        assert_eq!(page.headers().get("x-ratelimit-remaining"), Some(remaining));
        assert_eq!(page.headers().get("x-ratelimit-reset"), Some("1"));
    }
    let err = client.list_identities().send().unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(1)));
    // Another bucket has its own budget.
    client.get_identity(&id).send().unwrap();
    // The window resets.
    std::thread::sleep(Duration::from_millis(1050));
    client.list_identities().send().unwrap();
    // The default client waits for the reset and retries.
    for _ in 0..2 {
        client.list_identities().send().unwrap();
    }
    let started = Instant::now();
    kratos.client().list_identities().send().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(500));
    // A paced client spends the budget evenly and never meets the 429.
    std::thread::sleep(Duration::from_millis(1050));
    let paced = no_retries(&kratos);
    for _ in 0..7 {
        paced.list_identities().send().unwrap();
    }
}

#[test]
fn fail_every_latency_and_the_request_log() {
    let kratos = FakeKratos::builder()
        .identities(1)
        .fail_every(3, 500)
        .start();
    let client = IdentityClient::builder(kratos.base_url())
        .bearer_token("ory_pat_fake")
        .max_retries(0)
        .build()
        .unwrap();
    client.list_identities().page_size(5).send().unwrap();
    client.list_identities().send().unwrap();
    let err = client.list_identities().send().unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(reason(&err).contains("fail_every"));
    kratos.fail_every(2, 429);
    client.list_identities().send().unwrap();
    let err = client.list_identities().send().unwrap_err();
    assert!(err.is_rate_limited());
    assert!(err.api().unwrap().retry_after.is_some());
    kratos.fail_every(0, 500);

    let log = kratos.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/admin/identities");
    assert_eq!(log[0].query, [("page_size".to_string(), "5".to_string())]);
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer ory_pat_fake"));
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 500, 200, 429]);
    kratos.clear_requests();
    assert!(kratos.requests().is_empty());

    kratos.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    client.list_identities().send().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    kratos.set_latency(Duration::ZERO);
    // The default client rides over a failure every other request.
    kratos.fail_every(2, 503);
    for _ in 0..3 {
        kratos.client().list_identities().send().unwrap();
    }
}

#[test]
fn dropping_stops_the_server() {
    let kratos = FakeKratos::builder().identities(1).start();
    let client = no_retries(&kratos);
    client.list_identities().send().unwrap(); // a pooled keep-alive connection
    let started = Instant::now();
    drop(kratos);
    assert!(started.elapsed() < Duration::from_secs(1));
    let err = client.list_identities().send().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.status().is_none());
    let _: Value = json!(null);
}

/// A client with a wrong path prefix reaches no route of the fake, which
/// answers as Kratos's router does (plain text, not Kratos's JSON error),
/// so `missing_ok` cannot mistake it for "already gone".
#[test]
fn a_wrong_path_prefix_is_not_mistaken_for_a_missing_identity() {
    let kratos = FakeKratos::start();
    let id = kratos.seed_identities(1)[0];
    let wrong = IdentityClient::new(format!("{}/wrong-prefix", kratos.base_url())).unwrap();
    for result in [
        wrong.delete_identity(id).missing_ok(true).send(),
        wrong.delete_identity_sessions(id).missing_ok(true).send(),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
        assert!(err.to_string().contains("404 page not found"), "{err}");
    }
    // Nothing was deleted.
    assert!(kratos.client().get_identity(id).send().is_ok());
}
