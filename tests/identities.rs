//! Identity operations against a mock server: the exact request each one
//! sends (method, path, query, headers, body) and how realistic answers
//! decode.

mod common;

use common::{
    IDENTITY_ID, SUSPENDED_ID, catch_all, client, default_headers, fixtures, json,
    json_request_headers, no_body, query_exactly, ts, uuid,
};
use httpmock::prelude::*;
use kratos_identity::{
    AddressVia, CreateIdentityBody, CredentialType, Error, IdentityPatch, IdentityPatchAction,
    IdentityState, JsonPatch, OidcProvider, PatchIdentitiesBody, RecoveryIdentityAddress,
    UpdateIdentityBody, VerifiableIdentityAddress,
};
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

const ORG_ID: &str = "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11";

#[derive(Debug, Deserialize, PartialEq)]
struct Name {
    first: String,
    last: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Traits {
    email: String,
    name: Name,
}

// ---------------------------------------------------------------- list

#[test]
fn list_identities_sends_every_paging_and_filter_parameter() {
    let server = MockServer::start();
    let next = "</admin/identities?page_size=2&page_token=3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41>; rel=\"next\"";
    let link = format!(
        "</admin/identities?page_size=2&page_token=00000000-0000-0000-0000-000000000000>; rel=\"first\",{next}"
    );
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(GET).path("/admin/identities"))
            .header_missing("content-type")
            .query_param("ids", IDENTITY_ID)
            .query_param("ids", SUSPENDED_ID)
            .query_param_count("^ids$", ".*", 2)
            .query_param_count("^include_credential$", ".*", 2);
        query_exactly(
            when,
            &[
                ("page_size", "2"),
                ("page_token", "9f425a8d-7efc-4768-8f23-7647a74fdf13"),
                ("consistency", "eventual"),
                ("ids", IDENTITY_ID),
                ("ids", SUSPENDED_ID),
                ("include_credential", "password"),
                ("include_credential", "oidc"),
                ("organization_id", ORG_ID),
            ],
        );
        json(then, 200, fixtures::IDENTITY_LIST).header("link", &link);
    });

    let page = client(&server)
        .list_identities()
        .page_size(2)
        .page_token(IDENTITY_ID)
        .consistency("eventual")
        .ids([IDENTITY_ID, SUSPENDED_ID])
        .include_credential([CredentialType::Password, CredentialType::Oidc])
        .organization_id(uuid(ORG_ID))
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.len(), 2);
    assert!(!page.is_empty());
    assert!(page.has_next());
    assert_eq!(page.next_page_token(), Some(SUSPENDED_ID));
    assert_eq!(page.total_count(), None);

    let ada = &page.as_slice()[0];
    assert_eq!(ada.id, uuid(IDENTITY_ID));
    assert_eq!(ada.schema_id, "default");
    assert_eq!(ada.state, Some(IdentityState::Active));
    assert_eq!(ada.traits["email"], "ada@example.com");
    assert!(
        ada.credentials.is_empty(),
        "lists carry no credentials here"
    );
    assert!(ada.verifiable_addresses[0].verified);
    assert_eq!(
        ada.verifiable_addresses[0].verified_at,
        Some(ts("2024-03-01T10:20:01.5+02:00"))
    );
    assert_eq!(ada.metadata_admin, None);

    let grace = &page.as_slice()[1];
    assert_eq!(grace.state, Some(IdentityState::Inactive));
    assert_eq!(grace.organization_id, Some(uuid(ORG_ID)));
    assert_eq!(grace.external_id.as_deref(), Some("crm-815"));
    assert_eq!(grace.metadata_public, Some(json!({"plan": "pro"})));
    assert!(grace.verifiable_addresses.is_empty());
    assert!(grace.recovery_addresses.is_empty());
    assert_eq!(grace.state_changed_at, None);
    assert_eq!(
        grace.created_at,
        Some(ts("2023-12-24T23:59:59.000000001-05:00"))
    );
}

#[test]
fn list_identities_without_setters_sends_no_query_and_no_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(GET).path("/admin/identities")));
        query_exactly(when, &[]);
        json(then, 200, "[]").header(
            "link",
            "</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel=\"first\"",
        );
    });

    let page = client(&server).list_identities().send().unwrap();

    mock.assert();
    assert!(page.is_empty());
    assert_eq!(page.len(), 0);
    assert!(!page.has_next());
    assert_eq!(page.next_page_token(), None);
    assert!(page.into_items().is_empty());
}

#[test]
fn list_identities_by_credentials_identifier() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(GET).path("/admin/identities"));
        query_exactly(
            when,
            &[
                ("credentials_identifier", "ada+test@example.com"),
                ("include_credential", "password"),
            ],
        );
        json(then, 200, &format!("[{}]", fixtures::IDENTITY_FULL));
    });

    let page = client(&server)
        .list_identities()
        .credentials_identifier("ada+test@example.com")
        .include_credential(["password"])
        .send()
        .unwrap();

    mock.assert();
    let ada = &page.into_items()[0];
    assert_eq!(
        ada.credential(&CredentialType::Password)
            .unwrap()
            .identifiers,
        ["ada@example.com"]
    );
}

#[test]
fn list_identities_by_similar_identifier() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(GET).path("/admin/identities"));
        query_exactly(when, &[("preview_credentials_identifier_similar", "ada@")]);
        json(then, 200, fixtures::IDENTITY_LIST);
    });

    let page = client(&server)
        .list_identities()
        .preview_credentials_identifier_similar("ada@")
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.len(), 2);
}

#[test]
fn list_identities_with_legacy_page_numbers_reads_the_total_count() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(GET).path("/admin/identities"));
        query_exactly(when, &[("page", "1"), ("per_page", "2")]);
        json(then, 200, fixtures::IDENTITY_LIST)
            .header("x-total-count", "5")
            .header(
                "link",
                "</admin/identities?page=0&per_page=2>; rel=\"first\",</admin/identities?page=2&per_page=2>; rel=\"next\",</admin/identities?page=0&per_page=2>; rel=\"prev\",</admin/identities?page=2&per_page=2>; rel=\"last\"",
            );
    });

    let page = client(&server)
        .list_identities()
        .page(1)
        .per_page(2)
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.total_count(), Some(5));
    assert!(page.has_next());
    assert_eq!(page.next_page_token(), None, "page numbers carry no token");
}

#[test]
fn list_identities_sends_500_ids_as_500_pairs() {
    let server = MockServer::start();
    let ids: Vec<String> = (0..500)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities")
            .query_param_count("^ids$", ".*", 500)
            .query_param("ids", "00000000-0000-4000-8000-000000000499");
        json(then, 200, "[]");
    });

    client(&server).list_identities().ids(&ids).send().unwrap();

    mock.assert();
}

#[test]
fn list_identities_refuses_invalid_input_without_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let too_many: Vec<String> = (0..501).map(|i| format!("id-{i}")).collect();

    let cases = [
        (
            "empty credentials_identifier",
            client.list_identities().credentials_identifier("").send(),
        ),
        ("501 ids", client.list_identities().ids(&too_many).send()),
        ("page_size 0", client.list_identities().page_size(0).send()),
        ("per_page 0", client.list_identities().per_page(0).send()),
        (
            "empty page_token",
            client.list_identities().page_token("").send(),
        ),
    ];
    for (what, result) in cases {
        match result {
            Err(Error::InvalidInput { message, .. }) => assert!(!message.is_empty(), "{what}"),
            other => panic!("{what}: expected InvalidInput, got {other:?}"),
        }
    }
    any.assert_calls(0);
}

#[test]
fn list_identities_decodes_traits_into_a_struct() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, fixtures::IDENTITY_LIST);
    });

    let page = client(&server)
        .list_identities()
        .page_size(2)
        .traits::<Traits>()
        .send()
        .unwrap();

    let emails: Vec<&str> = page.iter().map(|i| i.traits.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "grace@example.com"]);
    assert_eq!(
        page.as_slice()[1].traits.name,
        Name {
            first: "Grace".into(),
            last: "Hopper".into()
        }
    );
}

#[test]
fn traits_that_do_not_fit_the_struct_are_named_per_identity() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Phone {
        phone: String,
    }
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, fixtures::IDENTITY_LIST);
    });

    // send() refuses a page with an identity that does not fit …
    let err = client(&server)
        .list_identities()
        .traits::<Phone>()
        .send()
        .unwrap_err();
    assert_eq!(
        err.decode_error().and_then(|d| d.path()),
        Some("traits"),
        "{err}"
    );
    // … send_lenient() gives the page with every item apart.
    let page = client(&server)
        .list_identities()
        .traits::<Phone>()
        .send_lenient()
        .unwrap();

    // Every identity of the page lacks `phone`: each is its own error,
    // naming the field, and the page's next link is still there.
    assert!(page.is_empty());
    assert_eq!(page.errors().len(), 2);
    for (index, bad) in page.errors().iter().enumerate() {
        assert_eq!(bad.status(), 200);
        assert_eq!(bad.item_index(), Some(index));
        assert!(bad.id().is_some());
        let shown = bad.to_string();
        assert!(shown.contains("missing field `phone`"), "{shown}");
        assert!(!shown.contains("ada@example.com"), "{shown}");
    }
    // Without a `send`-level error there is nothing in `Err`; the
    // iterator yields each one as `Error::Decode`.
    let err = client(&server)
        .list_identities()
        .traits::<Phone>()
        .items()
        .next()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[test]
fn raw_traits_keep_the_exact_bytes() {
    let raw_traits = r#"{ "email" : "ada@example.com", "score": 1.50, "big": 18446744073709551616, "tags": [ ] }"#;
    let body = format!(
        r#"[{{"id":"{IDENTITY_ID}","schema_id":"default","schema_url":"","traits":{raw_traits},"state":"active"}}]"#
    );
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        json(then, 200, &body);
    });

    let page = client(&server)
        .list_identities()
        .traits::<Box<RawValue>>()
        .send()
        .unwrap();

    assert_eq!(page.as_slice()[0].traits.get(), raw_traits);
    assert_eq!(page.as_slice()[0].id, uuid(IDENTITY_ID));
}

// ---------------------------------------------------------------- get

#[test]
fn get_identity_sends_include_credential_and_decodes_a_real_identity() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(GET).path(&path))
            .header_missing("content-type")
            .query_param_count("^include_credential$", ".*", 2);
        query_exactly(
            when,
            &[
                ("include_credential", "password"),
                ("include_credential", "oidc"),
            ],
        );
        json(then, 200, fixtures::IDENTITY_FULL);
    });

    let identity = client(&server)
        .get_identity(uuid(IDENTITY_ID))
        .include_credential(["password", "oidc"])
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.id, uuid(IDENTITY_ID));
    assert_eq!(identity.schema_id, "default");
    assert_eq!(
        identity.schema_url,
        "http://127.0.0.1:4433/schemas/ZGVmYXVsdA"
    );
    assert_eq!(identity.state, Some(IdentityState::Active));
    assert_eq!(identity.state_changed_at, None, "absent on old rows");
    assert_eq!(identity.traits["name"]["last"], "Lovelace");
    assert_eq!(identity.metadata_public, None);
    assert_eq!(
        identity.metadata_admin,
        Some(json!({"crm_id": 4711, "tags": ["beta", "vip"]}))
    );
    assert_eq!(identity.organization_id, None);
    assert_eq!(identity.external_id, None);
    assert_eq!(
        identity.created_at,
        Some(ts("2024-03-01T10:15:42.098765432+02:00"))
    );
    let updated = identity.updated_at.unwrap();
    assert_eq!(updated.offset().whole_hours(), 2);
    assert_eq!(updated.microsecond(), 1);

    // Credentials: the known types, a new one and an invented one.
    let keys: Vec<&str> = identity.credentials.keys().map(String::as_str).collect();
    assert_eq!(keys, ["deviceauthn", "magic_link", "oidc", "password"]);

    let password = identity.credential(&CredentialType::Password).unwrap();
    assert_eq!(password.credential_type, Some(CredentialType::Password));
    assert_eq!(password.identifiers, ["ada@example.com"]);
    assert_eq!(password.version, Some(0));
    let hash = password.config.as_ref().unwrap()["hashed_password"]
        .as_str()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert_eq!(
        password.created_at,
        Some(ts("2024-03-01T10:15:42.098765432+02:00"))
    );

    let oidc = identity.credential(&CredentialType::Oidc).unwrap();
    assert_eq!(oidc.identifiers, ["google:109876543210987654321"]);
    let provider = &oidc.config.as_ref().unwrap()["providers"][0];
    assert_eq!(provider["provider"], "google");
    assert_eq!(provider["subject"], "109876543210987654321");

    let device = identity.credential(&CredentialType::Deviceauthn).unwrap();
    assert_eq!(
        device.config, None,
        "config is only sent for included types"
    );

    let magic = &identity.credentials["magic_link"];
    assert_eq!(
        magic.credential_type,
        Some(CredentialType::from("magic_link"))
    );
    assert_eq!(magic.version, Some(3));
    assert_eq!(magic.config, Some(json!({"channel": "email"})));

    // Addresses.
    let verifiable = &identity.verifiable_addresses[0];
    assert_eq!(verifiable.value, "ada@example.com");
    assert!(!verifiable.verified);
    assert_eq!(verifiable.via, AddressVia::Email);
    assert_eq!(verifiable.status, "sent");
    assert_eq!(verifiable.verified_at, None);
    assert_eq!(
        verifiable.id,
        Some(uuid("5f6e4a1c-1b2d-4c3e-8f9a-0b1c2d3e4f50"))
    );
    let recovery = &identity.recovery_addresses[0];
    assert_eq!(recovery.value, "ada@example.com");
    assert_eq!(recovery.via, AddressVia::Email);

    // Debug never prints the password hash.
    let shown = format!("{identity:?}");
    assert!(!shown.contains("argon2id"), "{shown}");
}

#[test]
fn get_identity_decodes_an_unknown_state_and_go_zero_times() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{SUSPENDED_ID}");
    let mock = server.mock(|when, then| {
        query_exactly(default_headers(when.method(GET).path(&path)), &[]);
        json(then, 200, fixtures::IDENTITY_SUSPENDED);
    });

    let identity = client(&server).get_identity(SUSPENDED_ID).send().unwrap();

    mock.assert();
    assert_eq!(identity.state, Some(IdentityState::from("suspended")));
    assert_eq!(identity.state.as_ref().unwrap().as_str(), "suspended");
    let zero = ts("0001-01-01T00:00:00Z");
    assert_eq!(identity.state_changed_at, Some(zero));
    assert_eq!(identity.created_at, Some(zero));
    assert_eq!(identity.credentials["password"].created_at, Some(zero));
    assert_eq!(identity.credentials["password"].config, None);
    assert_eq!(
        identity.updated_at,
        Some(ts("2026-01-15T08:00:00.999999999Z"))
    );
    assert_eq!(identity.organization_id, Some(uuid(ORG_ID)));
    assert_eq!(identity.external_id.as_deref(), Some("crm-4711"));
    assert_eq!(identity.metadata_admin, None);
    assert!(identity.verifiable_addresses.is_empty());
}

#[test]
fn get_identity_takes_every_id_form() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        when.method(GET).path(&path);
        json(then, 200, fixtures::IDENTITY_FULL);
    });
    let client = client(&server);
    let owned = IDENTITY_ID.to_string();

    client.get_identity(IDENTITY_ID).send().unwrap();
    client.get_identity(owned.clone()).send().unwrap();
    client.get_identity(&owned).send().unwrap();
    client.get_identity(uuid(IDENTITY_ID)).send().unwrap();

    mock.assert_calls(4);
}

#[test]
fn get_identity_decodes_traits_into_a_struct_or_raw_json() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    server.mock(|when, then| {
        when.method(GET).path(&path);
        json(then, 200, fixtures::IDENTITY_FULL);
    });
    let client = client(&server);

    let typed = client
        .get_identity(IDENTITY_ID)
        .traits::<Traits>()
        .send()
        .unwrap();
    assert_eq!(typed.traits.email, "ada@example.com");
    assert_eq!(typed.traits.name.first, "Ada");

    let raw = client
        .get_identity(IDENTITY_ID)
        .traits::<Box<RawValue>>()
        .send()
        .unwrap();
    let expected = r#"{
    "email": "ada@example.com",
    "name": {"first": "Ada", "last": "Lovelace"}
  }"#;
    assert_eq!(raw.traits.get(), expected);
}

#[test]
fn get_identity_by_external_id() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = default_headers(
            when.method(GET)
                .path("/admin/identities/by/external/crm-4711"),
        );
        query_exactly(when, &[("include_credential", "password")]);
        json(then, 200, fixtures::IDENTITY_SUSPENDED);
    });

    let identity = client(&server)
        .get_identity_by_external_id("crm-4711")
        .include_credential([CredentialType::Password])
        .traits::<Traits>()
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.external_id.as_deref(), Some("crm-4711"));
    assert_eq!(identity.traits.name.last, "Hopper");
}

#[test]
fn get_identity_by_external_id_encodes_the_id() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/admin/identities/by/external/tenant%2F42%3Fx%3D1");
        json(then, 200, fixtures::IDENTITY_SUSPENDED);
    });
    let any = catch_all(&server);

    client(&server)
        .get_identity_by_external_id("tenant/42?x=1")
        .send()
        .unwrap();

    mock.assert();
    any.assert_calls(0);
}

// ---------------------------------------------------------------- create

#[test]
fn create_identity_sends_exactly_the_fields_set() {
    let server = MockServer::start();
    let expected = json!({
        "schema_id": "default",
        "traits": {"email": "ada@example.com", "name": {"first": "Ada", "last": "Lovelace"}},
        "credentials": {
            "password": {"config": {"password": "correct horse battery staple"}},
            "oidc": {"config": {"providers": [
                {"provider": "google", "subject": "109876543210987654321"},
                {"provider": "github", "subject": "583231"}
            ]}}
        },
        "external_id": "crm-4711",
        "metadata_public": {"plan": "pro"},
        "metadata_admin": {"crm_id": 4711},
        "organization_id": ORG_ID,
        "state": "inactive",
        "verifiable_addresses": [
            {"value": "ada@example.com", "verified": true, "via": "email", "status": "completed"}
        ],
        "recovery_addresses": [{"value": "ada@example.com", "via": "email"}]
    });
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/identities"))
            .json_body(expected.clone());
        query_exactly(when, &[]);
        json(then, 201, fixtures::IDENTITY_FULL);
    });

    let body = CreateIdentityBody::new(
        "default",
        json!({"email": "ada@example.com", "name": {"first": "Ada", "last": "Lovelace"}}),
    )
    .password("correct horse battery staple")
    .oidc_provider(OidcProvider::new("google", "109876543210987654321"))
    .oidc_provider(OidcProvider::new("github", "583231"))
    .external_id("crm-4711")
    .metadata_public(json!({"plan": "pro"}))
    .metadata_admin(json!({"crm_id": 4711}))
    .organization_id(uuid(ORG_ID))
    .state(IdentityState::Inactive)
    .verifiable_address(
        VerifiableIdentityAddress::new("ada@example.com", AddressVia::Email)
            .verified(true)
            .status("completed"),
    )
    .recovery_address(RecoveryIdentityAddress::new(
        "ada@example.com",
        AddressVia::Email,
    ));

    let response = client(&server)
        .create_identity(body)
        .send_with_info()
        .unwrap();

    mock.assert();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers().get("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.body().id, uuid(IDENTITY_ID));
    let identity = response.into_body();
    assert_eq!(identity.traits["email"], "ada@example.com");
}

#[test]
fn create_identity_with_only_the_required_fields_sends_no_nulls() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        json_request_headers(when.method(POST).path("/admin/identities"))
            .json_body(json!({"schema_id": "default", "traits": {"email": "ada@example.com"}}));
        json(then, 201, fixtures::IDENTITY_FULL);
    });

    let identity = client(&server)
        .create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "ada@example.com"}),
        ))
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.id, uuid(IDENTITY_ID));
}

#[test]
fn create_identity_imports_a_password_hash() {
    let server = MockServer::start();
    let hash = "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq";
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/admin/identities")
            .json_body(json!({
                "schema_id": "customer",
                "traits": {"email": "grace@example.com"},
                "credentials": {"password": {"config": {"hashed_password": hash}}},
                "external_id": "crm-4711"
            }));
        json(then, 201, fixtures::IDENTITY_SUSPENDED);
    });

    let identity = client(&server)
        .create_identity(
            CreateIdentityBody::new("customer", json!({"email": "grace@example.com"}))
                .hashed_password(hash)
                .external_id("crm-4711"),
        )
        .traits::<Traits>()
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.traits.email, "grace@example.com");
}

// ---------------------------------------------------------------- update

#[test]
fn update_identity_puts_the_whole_body() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(PUT).path(&path)).json_body(json!({
            "schema_id": "default",
            "state": "inactive",
            "traits": {"email": "new@example.com"},
            "external_id": "crm-4711",
            "metadata_public": {"plan": "free"},
            "metadata_admin": {"note": "downgraded"}
        }));
        query_exactly(when, &[]);
        json(then, 200, fixtures::IDENTITY_SUSPENDED);
    });

    let body = UpdateIdentityBody::new(
        "default",
        IdentityState::Inactive,
        json!({"email": "new@example.com"}),
    )
    .external_id("crm-4711")
    .metadata_public(json!({"plan": "free"}))
    .metadata_admin(json!({"note": "downgraded"}));
    let identity = client(&server)
        .update_identity(IDENTITY_ID, body)
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.id, uuid(SUSPENDED_ID));
}

#[test]
fn update_identity_minimal_body_and_typed_answer() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        when.method(PUT).path(&path).json_body(json!({
            "schema_id": "default",
            "state": "active",
            "traits": {"email": "ada@example.com"}
        }));
        json(then, 200, fixtures::IDENTITY_FULL);
    });

    let identity = client(&server)
        .update_identity(
            uuid(IDENTITY_ID),
            UpdateIdentityBody::new(
                "default",
                IdentityState::Active,
                json!({"email": "ada@example.com"}),
            ),
        )
        .traits::<Traits>()
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.traits.name.first, "Ada");
}

#[test]
fn update_identity_from_an_identity_keeps_what_a_put_would_clear() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{SUSPENDED_ID}");
    let current: kratos_identity::Identity =
        serde_json::from_str(fixtures::IDENTITY_SUSPENDED).unwrap();
    let mock = server.mock(|when, then| {
        when.method(PUT).path(&path).json_body(json!({
            "schema_id": "customer",
            "state": "suspended",
            "traits": {"email": "grace@example.com", "name": {"first": "Grace", "last": "Hopper"}},
            "external_id": "crm-4711",
            "metadata_public": {"plan": "pro"}
        }));
        json(then, 200, fixtures::IDENTITY_SUSPENDED);
    });

    let body = UpdateIdentityBody::from_identity(&current).unwrap();
    client(&server)
        .update_identity(current.id, body)
        .send()
        .unwrap();

    mock.assert();
}

// ---------------------------------------------------------------- patch

#[test]
fn patch_identity_sends_the_json_patch_array() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(PATCH).path(&path)).json_body(json!([
            {"op": "add", "path": "/metadata_public", "value": {"plan": "pro"}},
            {"op": "replace", "path": "/state", "value": "inactive"},
            {"op": "remove", "path": "/metadata_admin/legacy_id"},
            {"op": "replace", "path": "/metadata_admin", "value": null}
        ]));
        query_exactly(when, &[]);
        json(then, 200, fixtures::IDENTITY_FULL);
    });

    let identity = client(&server)
        .patch_identity(
            IDENTITY_ID,
            vec![
                JsonPatch::add("/metadata_public", json!({"plan": "pro"})),
                JsonPatch::replace("/state", "inactive"),
                JsonPatch::remove("/metadata_admin/legacy_id"),
                JsonPatch::replace("/metadata_admin", serde_json::Value::Null),
            ],
        )
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(identity.id, uuid(IDENTITY_ID));
}

#[test]
fn batch_patch_identities_sends_the_patches_and_reads_every_outcome() {
    let server = MockServer::start();
    let first = uuid("aa0e8400-e29b-41d4-a716-446655440000");
    let second = uuid("bb0e8400-e29b-41d4-a716-446655440001");
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(PATCH).path("/admin/identities")).json_body(
            json!({"identities": [
                {"create": {"schema_id": "default", "traits": {"email": "new@example.com"},
                            "credentials": {"password": {"config": {"hashed_password": "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"}}}},
                 "patch_id": first.to_string()},
                {"create": {"schema_id": "default", "traits": {"email": "ada@example.com"}},
                 "patch_id": second.to_string()},
                {"create": {"schema_id": "default", "traits": {"email": "third@example.com"}}}
            ]}),
        );
        query_exactly(when, &[]);
        json(then, 200, fixtures::IDENTITY_BATCH_PATCH_RESPONSE);
    });

    let body = PatchIdentitiesBody::new(vec![
        IdentityPatch::create(
            CreateIdentityBody::new("default", json!({"email": "new@example.com"}))
                .hashed_password("$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"),
        )
        .patch_id(first),
        IdentityPatch::create(CreateIdentityBody::new(
            "default",
            json!({"email": "ada@example.com"}),
        ))
        .patch_id(second),
        IdentityPatch::create(CreateIdentityBody::new(
            "default",
            json!({"email": "third@example.com"}),
        )),
    ]);
    let response = client(&server).batch_patch_identities(body).send().unwrap();

    mock.assert();
    assert_eq!(response.identities.len(), 3);

    let created = response.identities[0].as_ref().unwrap();
    assert_eq!(created.action, Some(IdentityPatchAction::Create));
    assert_eq!(
        created.identity,
        Some(uuid("7d1a0f3e-2b4c-4d5e-8f6a-9b0c1d2e3f4a"))
    );
    assert_eq!(created.patch_id, Some(first));
    assert!(created.error.is_none());

    let failed = response.identities[1].as_ref().unwrap();
    assert_eq!(failed.action, Some(IdentityPatchAction::Error));
    assert_eq!(failed.patch_id, Some(second));
    assert_eq!(failed.identity, None);
    let error = failed.error.as_ref().unwrap();
    assert_eq!(error.code, Some(409));
    assert_eq!(error.status.as_deref(), Some("Conflict"));
    assert_eq!(
        error.message,
        "The request could not be completed due to a conflict"
    );
    assert_eq!(
        error.reason.as_deref(),
        Some("This identity conflicts with another identity that already exists.")
    );

    assert!(response.identities[2].is_none());
}

// ---------------------------------------------------------------- delete

/// A 204 proves the identity existed: `Deleted::Deleted` (the answer was
/// `()`, which could not tell it from a 404 read as gone).
#[test]
fn delete_identity_answers_deleted_on_204() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}");
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(DELETE).path(&path)));
        query_exactly(when, &[]);
        then.status(204);
    });

    let response = client(&server)
        .delete_identity(uuid(IDENTITY_ID))
        .send_with_info()
        .unwrap();

    mock.assert();
    assert_eq!(response.status(), 204);
    assert_eq!(response.into_body(), kratos_identity::Deleted::Deleted);
}

#[test]
fn delete_identity_credentials_of_an_oidc_provider() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}/credentials/oidc");
    let mock = server.mock(|when, then| {
        let when = default_headers(when.method(DELETE).path(&path));
        query_exactly(when, &[("identifier", "google:109876543210987654321")]);
        then.status(204);
    });

    client(&server)
        .delete_identity_credentials(IDENTITY_ID, CredentialType::Oidc)
        .identifier("google:109876543210987654321")
        .send()
        .unwrap();

    mock.assert();
}

#[test]
fn delete_identity_credentials_without_identifier_sends_no_query() {
    let server = MockServer::start();
    let totp = format!("/admin/identities/{IDENTITY_ID}/credentials/totp");
    let future = format!("/admin/identities/{IDENTITY_ID}/credentials/magic_link");
    let totp_mock = server.mock(|when, then| {
        let when =
            default_headers(when.method(DELETE).path(&totp)).query_param_missing("identifier");
        query_exactly(when, &[]);
        then.status(204);
    });
    let future_mock = server.mock(|when, then| {
        query_exactly(when.method(DELETE).path(&future), &[]);
        then.status(204);
    });
    let client = client(&server);

    client
        .delete_identity_credentials(uuid(IDENTITY_ID), "totp")
        .send()
        .unwrap();
    client
        .delete_identity_credentials(IDENTITY_ID, CredentialType::from("magic_link"))
        .send()
        .unwrap();

    totp_mock.assert();
    future_mock.assert();
}

#[test]
fn delete_identity_credentials_refuses_empty_parts_without_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);

    for result in [
        client.delete_identity_credentials("", "password").send(),
        client.delete_identity_credentials(IDENTITY_ID, "").send(),
        client
            .delete_identity_credentials(IDENTITY_ID, "oidc")
            .identifier("")
            .send(),
    ] {
        assert!(
            matches!(result, Err(Error::InvalidInput { .. })),
            "{result:?}"
        );
    }
    any.assert_calls(0);
}

#[test]
fn delete_identity_credentials_encodes_the_type() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}/credentials/..%2F..%2Fsessions");
    let mock = server.mock(|when, then| {
        when.method(DELETE).path(&path);
        then.status(404);
    });
    let any = catch_all(&server);

    let err = client(&server)
        .delete_identity_credentials(IDENTITY_ID, "../../sessions")
        .send()
        .unwrap_err();

    assert!(err.is_not_found(), "{err}");
    mock.assert();
    any.assert_calls(0);
}

// ---------------------------------------------------------------- filters that would mean "everyone"

/// Kratos reads an empty filter as no filter and lists every identity; a
/// script whose computed filter came out empty must get an error, not the
/// whole user base.
#[test]
fn every_filter_set_to_an_empty_value_is_refused_without_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let no_ids: Vec<String> = Vec::new();
    let cases = [
        ("ids", client.list_identities().ids(no_ids.clone())),
        ("ids", client.list_identities().ids([""])),
        (
            "organization_id",
            client.list_identities().organization_id(""),
        ),
        (
            "credentials_identifier",
            client.list_identities().credentials_identifier(""),
        ),
        (
            "preview_credentials_identifier_similar",
            client
                .list_identities()
                .preview_credentials_identifier_similar(""),
        ),
    ];
    for (name, request) in cases {
        for result in [
            request.clone().send().map(|_| ()),
            request.clone().raw().send().map(|_| ()),
            request.items().next().unwrap().map(|_| ()),
        ] {
            match result {
                Err(err @ Error::InvalidInput { .. }) => {
                    let message = err.to_string();
                    use kratos_identity::InvalidInputKind::{Empty, NotAUuid};
                    assert!(
                        matches!(err.invalid_input_kind(), Some(Empty | NotAUuid)),
                        "{message}"
                    );
                    assert!(message.contains(name), "{message}");
                    assert!(
                        message.starts_with(
                            "list_identities (GET /admin/identities): invalid input: "
                        ),
                        "{message}"
                    );
                }
                other => panic!("{name}: expected InvalidInput, got {other:?}"),
            }
        }
    }
    any.assert_calls(0);
}

// ---------------------------------------------------------------- deletes that may find nothing

#[test]
fn missing_ok_turns_a_404_into_success_for_identity_deletes() {
    let server = MockServer::start();
    let gone = server.mock(|when, then| {
        when.method(DELETE);
        json(then, 404, fixtures::ERROR_404_IDENTITY);
    });
    let client = client(&server);

    assert!(
        client
            .delete_identity(IDENTITY_ID)
            .send()
            .unwrap_err()
            .is_not_found()
    );
    client
        .delete_identity(IDENTITY_ID)
        .missing_ok(true)
        .send()
        .unwrap();
    assert!(
        client
            .delete_identity(IDENTITY_ID)
            .missing_ok(true)
            .missing_ok(false)
            .send()
            .unwrap_err()
            .is_not_found()
    );
    client
        .delete_identity_credentials(IDENTITY_ID, CredentialType::Totp)
        .missing_ok(true)
        .send()
        .unwrap();
    gone.assert_calls(4);
}

/// `missing_ok` reads only Kratos's 404 as "gone": a proxy's page for a
/// URL that reaches no Kratos stays an error, and an id that is not a UUID
/// (which Kratos answers with 404 whatever it is) is refused unsent.
#[test]
fn missing_ok_is_not_fooled_by_a_foreign_404_or_an_id_that_is_not_a_uuid() {
    let server = MockServer::start();
    let html = server.mock(|when, then| {
        when.method(DELETE).path_includes("/wrong-prefix/");
        then.status(404)
            .header("content-type", "text/html")
            .body("<html><body><h1>404 Not Found</h1>nginx</body></html>");
    });
    let foreign_json = server.mock(|when, then| {
        when.method(DELETE).path_includes("/other-api/");
        then.status(404)
            .header("content-type", "application/json")
            .body(r#"{"message":"no Route matched with those values"}"#);
    });
    let go_router = server.mock(|when, then| {
        when.method(DELETE).path_includes("/go-router/");
        then.status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body("404 page not found\n");
    });
    let empty = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/admin/identities/{IDENTITY_ID}"));
        then.status(404);
    });
    for prefix in ["wrong-prefix", "other-api", "go-router"] {
        let client =
            kratos_identity::IdentityClient::new(format!("{}/{prefix}", server.base_url()))
                .unwrap();
        let err = client
            .delete_identity(IDENTITY_ID)
            .missing_ok(true)
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{prefix}: {err}");
    }
    html.assert_calls(1);
    foreign_json.assert_calls(1);
    go_router.assert_calls(1);
    // An empty 404 is not Kratos's either: an Envoy or Istio "no route"
    // answers that way, and a wrong path prefix must not read as "gone".
    let err = client(&server)
        .delete_identity(IDENTITY_ID)
        .missing_ok(true)
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    empty.assert_calls(1);

    let client = client(&server);
    let row = json!({ "id": IDENTITY_ID, "email": "ada@example.com" });
    for (name, result) in [
        (
            "delete_identity",
            client
                .delete_identity("ada@example.com")
                .missing_ok(true)
                .send(),
        ),
        (
            "delete_identity (a JSON string with its quotes)",
            client
                .delete_identity(row["id"].to_string())
                .missing_ok(true)
                .send(),
        ),
        (
            "delete_identity_credentials",
            client
                .delete_identity_credentials("nope", CredentialType::Totp)
                .missing_ok(true)
                .send(),
        ),
        (
            "delete_identity_sessions",
            client
                .delete_identity_sessions("nope")
                .missing_ok(true)
                .send(),
        ),
        (
            "disable_session",
            client.disable_session("nope").missing_ok(true).send(),
        ),
    ] {
        match result {
            Err(err @ Error::InvalidInput { .. }) => {
                let shown = err.to_string();
                assert!(shown.contains("is not a UUID"), "{name}: {shown}");
                assert!(!shown.contains("ada@example.com"), "{name}: {shown}");
            }
            other => panic!("{name}: expected InvalidInput, got {other:?}"),
        }
    }
    // Without missing_ok the id goes out as given and the 404 is an error.
    let err = client.delete_identity("nope").send().unwrap_err();
    assert_eq!(err.status(), Some(404));
}

/// Id filters that are not UUIDs are refused before sending: Kratos would
/// answer 400 and quote the value (an email, often) in its message.
#[test]
fn id_filters_that_are_not_uuids_are_refused_unsent() {
    let server = MockServer::start();
    let trimmed = server.mock(|when, then| {
        when.query_param("ids", IDENTITY_ID);
        then.status(200).body("[]");
    });
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("[]");
    });
    let client = client(&server);
    for (name, result) in [
        (
            "ids",
            client
                .list_identities()
                .ids([IDENTITY_ID, "grace.hopper@example.com"])
                .send(),
        ),
        (
            "organization_id",
            client
                .list_identities()
                .organization_id("grace.hopper@example.com")
                .send(),
        ),
    ] {
        let err = result.unwrap_err();
        let shown = err.to_string();
        assert!(matches!(err, Error::InvalidInput { .. }), "{name}: {shown}");
        assert!(!shown.contains("grace"), "{name}: {shown}");
        assert!(shown.contains("not a UUID"), "{name}: {shown}");
    }
    // Ids are sent trimmed, as they are checked.
    client
        .list_identities()
        .ids([format!(" {IDENTITY_ID}\n")])
        .send()
        .unwrap();
    trimmed.assert_calls(1);
    any.assert_calls(0);
}

/// A DELETE whose first attempt reached the server but whose answer was
/// lost is retried, and the retry finds it gone: with `missing_ok` that is
/// the success it is.
#[test]
fn missing_ok_covers_a_retried_delete_that_finds_it_gone() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let server = MockServer::start();
    let attempts = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&attempts);
    server.mock(|when, then| {
        when.method(DELETE);
        then.respond_with(move |_: &httpmock::HttpMockRequest| {
            let (status, body) = match seen.fetch_add(1, Ordering::SeqCst) {
                // The first attempt deleted it, but its answer was lost.
                0 => (503, "upstream reset".to_string()),
                _ => (404, fixtures::ERROR_404_IDENTITY.to_string()),
            };
            httpmock::HttpMockResponse::builder()
                .status(status)
                .header("retry-after", "0")
                .body(body)
                .build()
        });
    });
    client(&server)
        .delete_identity(IDENTITY_ID)
        .missing_ok(true)
        .send()
        .unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

/// Ids inside bodies (an OIDC or SAML organization, a body's
/// organization, a recovery's identity) that are not UUIDs are refused by
/// `send()`, for every operation that takes the body, before anything is
/// sent; setting the field by hand afterwards fixes it.
#[test]
fn ids_in_bodies_that_are_not_uuids_are_refused_unsent() {
    use kratos_identity::{
        CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody, SamlProvider,
    };
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let bad_oidc = OidcProvider::new("google", "1234").organization("acme.example.com");
    let bad_saml = SamlProvider::new("okta", "ada").organization("acme.example.com");
    let traits = json!({ "email": "ada@example.com" });
    let update = |provider| {
        UpdateIdentityBody::new("default", IdentityState::Active, traits.clone())
            .oidc_provider(provider)
    };
    let create = CreateIdentityBody::new("default", traits.clone());
    let cases: Vec<(&str, Result<(), Error>)> = vec![
        (
            "update_identity with an OIDC organization",
            client
                .update_identity(IDENTITY_ID, update(bad_oidc.clone()))
                .send()
                .map(|_| ()),
        ),
        (
            "create_identity with an OIDC organization",
            client
                .create_identity(create.clone().oidc_provider(bad_oidc.clone()))
                .send()
                .map(|_| ()),
        ),
        (
            "create_identity with a SAML organization",
            client
                .create_identity(
                    create
                        .clone()
                        .credentials(kratos_identity::IdentityWithCredentials::saml([bad_saml])),
                )
                .send()
                .map(|_| ()),
        ),
        (
            "create_identity with an organization_id",
            client
                .create_identity(create.clone().organization_id("acme"))
                .send()
                .map(|_| ()),
        ),
        (
            "batch_patch_identities",
            client
                .batch_patch_identities(PatchIdentitiesBody::new(vec![IdentityPatch::create(
                    create.clone().organization_id("acme"),
                )]))
                .send()
                .map(|_| ()),
        ),
        (
            "create_recovery_code_for_identity",
            client
                .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(
                    "ada@example.com",
                ))
                .send()
                .map(|_| ()),
        ),
        (
            "create_recovery_link_for_identity",
            client
                .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(
                    "ada@example.com",
                ))
                .send()
                .map(|_| ()),
        ),
    ];
    for (name, result) in cases {
        match result {
            Err(err @ Error::InvalidInput { .. }) => {
                let shown = err.to_string();
                assert!(shown.contains("not a UUID"), "{name}: {shown}");
                assert!(!shown.contains("acme"), "{name}: {shown}");
                assert!(!shown.contains("ada@"), "{name}: {shown}");
            }
            other => panic!("{name}: expected InvalidInput, got {other:?}"),
        }
    }
    any.assert_calls(0);

    // Fixed by hand after the bad setter: sent.
    let mut fixed = create.organization_id("acme");
    fixed.organization_id = Some(ORG_ID.to_string());
    let _ = client.create_identity(fixed).send();
    any.assert_calls(1);
}
