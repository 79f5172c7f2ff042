//! Migration between Kratos instances: an identity read with its
//! credentials becomes the body that recreates it, with nothing dropped in
//! silence.

use kratos_identity::{CreateIdentityBody, CredentialType, Error, Identity, IdentityState};
use serde_json::{Value, json};

const ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
const ORG: &str = "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11";
const HASH: &str = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

/// An identity as `GET /admin/identities/{id}?include_credential=…` answers
/// it, with one credential of every type Kratos can import, plus `code`.
fn exported() -> Value {
    json!({
        "id": ID,
        "external_id": "crm-4711",
        "credentials": {
            "code": {"type": "code", "identifiers": ["ada@example.com"], "config": {"addresses": [{"channel": "email", "address": "ada@example.com"}]}, "version": 0},
            "lookup_secret": {"type": "lookup_secret", "identifiers": [ID], "config": {"recovery_codes": [
                {"code": "k3nq-81xz", "used_at": null},
                {"code": "p0w2-7yue", "used_at": "2024-03-02T10:00:00Z"}
            ]}, "version": 0},
            "oidc": {"type": "oidc", "identifiers": ["google:1234567890"], "config": {"providers": [
                {"initial_id_token": "enc-id", "initial_access_token": "enc-access", "initial_refresh_token": "enc-refresh",
                 "subject": "1234567890", "provider": "google", "organization": ORG, "use_auto_link": true}
            ]}, "version": 0},
            "passkey": {"type": "passkey", "identifiers": ["user-handle"], "config": {"credentials": [
                {"id": "cGFzc2tleS1pZA==", "public_key": "cHVibGljLWtleQ==", "attestation_type": "none", "is_passwordless": true,
                 "authenticator": {"aaguid": "AAAAAAAAAAAAAAAAAAAAAA==", "sign_count": 1}}
            ], "user_handle": "dXNlci1oYW5kbGU="}, "version": 1},
            "password": {"type": "password", "identifiers": ["ada@example.com"], "config": {"hashed_password": HASH}, "version": 0},
            "saml": {"type": "saml", "identifiers": ["okta:ada@corp"], "config": {"providers": [{"subject": "ada@corp", "provider": "okta"}]}, "version": 0},
            "totp": {"type": "totp", "identifiers": [ID], "config": {"totp_url": "otpauth://totp/Example:ada?secret=JBSWY3DPEHPK3PXP&issuer=Example"}, "version": 0},
            "webauthn": {"type": "webauthn", "identifiers": [ID], "config": {"credentials": [
                {"id": "a2V5LWlk", "public_key": "cHVi", "attestation_type": "none", "is_passwordless": false}
            ], "user_handle": null}, "version": 1}
        },
        "schema_id": "default",
        "schema_url": "https://auth.example/schemas/ZGVmYXVsdA",
        "state": "inactive",
        "state_changed_at": "2024-03-01T10:00:00Z",
        "traits": {"email": "ada@example.com", "name": {"first": "Ada"}},
        "verifiable_addresses": [{"id": "6b2d2e0c-71b4-4c5b-8b0a-5b7b8f6a9e10", "value": "ada@example.com", "verified": true,
            "via": "email", "status": "completed", "verified_at": "2024-03-01T10:05:00Z",
            "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-01T10:05:00Z"}],
        "recovery_addresses": [{"id": "0d8f7e61-2a3b-4c5d-8e9f-a0b1c2d3e4f5", "value": "ada@example.com", "via": "email",
            "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-01T10:00:00Z"}],
        "metadata_public": {"plan": "pro"},
        "metadata_admin": {"crm": 4711},
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-02T10:00:00Z",
        "organization_id": ORG
    })
}

fn identity(value: Value) -> Identity {
    serde_json::from_value(value).unwrap()
}

#[test]
fn an_exported_identity_becomes_the_body_that_recreates_it() {
    // The `code` credential is not carried: the target derives it from the
    // traits, as Kratos did here. Nothing is lost.
    let (body, left_out) = CreateIdentityBody::from_identity_lossy(&identity(exported())).unwrap();
    assert_eq!(left_out, []);
    assert_eq!(
        CreateIdentityBody::from_identity(&identity(exported())).unwrap(),
        body
    );
    assert_eq!(body.state, Some(IdentityState::Inactive));
    assert_eq!(body.organization_id.as_deref(), Some(ORG));

    let sent = serde_json::to_value(&body).unwrap();
    assert_eq!(
        sent,
        json!({
            "schema_id": "default",
            "traits": {"email": "ada@example.com", "name": {"first": "Ada"}},
            "external_id": "crm-4711",
            "metadata_admin": {"crm": 4711},
            "metadata_public": {"plan": "pro"},
            "organization_id": ORG,
            "state": "inactive",
            "verifiable_addresses": [{"value": "ada@example.com", "verified": true, "via": "email",
                "status": "completed", "verified_at": "2024-03-01T10:05:00Z"}],
            "recovery_addresses": [{"value": "ada@example.com", "via": "email"}],
            "credentials": {
                "password": {"config": {"hashed_password": HASH}},
                "oidc": {"config": {"providers": [{"provider": "google", "subject": "1234567890", "organization": ORG, "use_auto_link": true}]}},
                "saml": {"config": {"providers": [{"provider": "okta", "subject": "ada@corp"}]}},
                "totp": {"config": {"totp_url": "otpauth://totp/Example:ada?secret=JBSWY3DPEHPK3PXP&issuer=Example"}},
                "webauthn": {"config": {"credentials": [{"id": "a2V5LWlk", "public_key": "cHVi", "attestation_type": "none", "is_passwordless": false}]}},
                "passkey": {"config": {"credentials": [{"id": "cGFzc2tleS1pZA==", "public_key": "cHVibGljLWtleQ==", "attestation_type": "none",
                    "is_passwordless": true, "authenticator": {"aaguid": "AAAAAAAAAAAAAAAAAAAAAA==", "sign_count": 1}}],
                    "user_handle": "dXNlci1oYW5kbGU="}},
                "lookup_secret": {"config": {"codes": [
                    {"code": "k3nq-81xz"},
                    {"code": "p0w2-7yue", "used_at": "2024-03-02T10:00:00Z"}
                ]}}
            }
        })
    );
    // It reads back as a create body: the import shape, not the export one.
    let again: CreateIdentityBody = serde_json::from_value(sent).unwrap();
    assert_eq!(again, body);
}

#[test]
fn what_cannot_be_carried_is_refused_or_named_never_dropped() {
    // A profile credential (registration without a first factor) cannot be
    // imported.
    let mut with_profile = exported();
    with_profile["credentials"]["profile"] =
        json!({"type": "profile", "identifiers": ["ada@example.com"], "config": {}});
    let err = CreateIdentityBody::from_identity(&identity(with_profile.clone())).unwrap_err();
    match &err {
        Error::InvalidInput { message, .. } => {
            assert!(message.contains(ID), "{message}");
            assert!(message.contains("profile"), "{message}");
            assert!(message.contains("from_identity_lossy"), "{message}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let (_, left_out) = CreateIdentityBody::from_identity_lossy(&identity(with_profile)).unwrap();
    assert_eq!(left_out, [CredentialType::Profile]);

    // Without `include_credential` for its type, Kratos lists a credential
    // but not its config: strict refuses, naming the fix; lossy leaves the
    // password out and names it, like every other loss.
    let mut bare = exported();
    bare["credentials"]["password"]
        .as_object_mut()
        .unwrap()
        .remove("config");
    match CreateIdentityBody::from_identity(&identity(bare.clone())) {
        Err(Error::InvalidInput { message, .. }) => {
            assert!(message.contains("include_credential"), "{message}");
            assert!(message.contains("password"), "{message}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let (body, left_out) = CreateIdentityBody::from_identity_lossy(&identity(bare)).unwrap();
    assert_eq!(left_out, [CredentialType::Password]);
    assert!(body.credentials.unwrap().password.is_none());

    // An unknown future type is named too.
    let mut future = exported();
    future["credentials"]["quantum"] =
        json!({"type": "quantum", "identifiers": ["x"], "config": {}});
    let (_, left_out) = CreateIdentityBody::from_identity_lossy(&identity(future)).unwrap();
    assert_eq!(left_out, [CredentialType::from("quantum")]);

    // A config of an unexpected shape says which, without its values.
    let mut odd = exported();
    odd["credentials"]["totp"]["config"] = json!({"totp_url": 42});
    let err = CreateIdentityBody::from_identity_lossy(&identity(odd)).unwrap_err();
    assert!(err.to_string().contains("totp"), "{err}");
    assert!(!err.to_string().contains("JBSWY3DPEHPK3PXP"), "{err}");
}

/// A password credential without a hash is what Kratos makes, from the
/// schema's password identifier, for every identity that never set a
/// password: the target makes the same from the traits, so nothing is lost,
/// nothing is refused and nothing is named (a user's migration of an
/// ordinary user base was refused whole, or reported every passwordless
/// user as having lost a password).
#[test]
fn a_password_credential_without_a_hash_is_nothing_to_carry() {
    for config in [
        json!({"hashed_password": ""}),
        json!({"hashed_password": null}),
        json!({}),
        json!({"hashed_password": "", "use_password_migration_hook": false}),
    ] {
        let mut exported = exported();
        exported["credentials"]["password"]["config"] = config.clone();
        let (body, left_out) =
            CreateIdentityBody::from_identity_lossy(&identity(exported.clone())).unwrap();
        assert_eq!(left_out, [], "{config}");
        let credentials = body.credentials.clone().unwrap();
        assert!(credentials.password.is_none());
        assert!(credentials.totp.is_some(), "the others are carried");
        assert_eq!(
            CreateIdentityBody::from_identity(&identity(exported)).unwrap(),
            body
        );
    }

    // A password to be checked by the migration hook is carried as such.
    let mut hooked = exported();
    hooked["credentials"]["password"]["config"] =
        json!({"hashed_password": "", "use_password_migration_hook": true});
    let (body, left_out) = CreateIdentityBody::from_identity_lossy(&identity(hooked)).unwrap();
    assert_eq!(left_out, []);
    assert_eq!(
        serde_json::to_value(body.credentials.unwrap().password.unwrap()).unwrap(),
        json!({"config": {"use_password_migration_hook": true}})
    );
}

/// An identity listed without `include_credential` has no `credentials` at
/// all (Kratos omits the field then, as it does for an identity without
/// credentials): the strict conversion refuses it, and the lossy one names
/// what it could not carry. Read with `include_credential`, the
/// password is carried; read with `get_identity` without it, the types are
/// listed without config and the conversion is refused.
#[test]
fn credentials_must_be_read_with_include_credential_to_be_carried() {
    use kratos_identity_fake::FakeKratos;

    let kratos = FakeKratos::start();
    let id = kratos.seed_identities(1)[0];
    let client = kratos.client();

    // Listed without include_credential: no credentials. Strict refuses
    // it, naming the fix; lossy converts it and names every importable
    // type as left out (issue 23).
    let listed = client.list_identities().send().unwrap();
    let bare = &listed.as_slice()[0];
    assert!(bare.credentials.is_empty());
    let err = CreateIdentityBody::from_identity(bare).unwrap_err();
    assert_eq!(
        err.invalid_input_kind(),
        Some(kratos_identity::InvalidInputKind::NotConvertible)
    );
    let message = err.to_string();
    assert!(message.contains("carries no credentials"), "{message}");
    assert!(message.contains("include_credential"), "{message}");
    assert!(message.contains("from_identity_lossy"), "{message}");
    let (body, left_out) = CreateIdentityBody::from_identity_lossy(bare).unwrap();
    assert_eq!(body.credentials, None, "nothing read, nothing carried");
    assert!(left_out.contains(&CredentialType::Password), "{left_out:?}");
    assert!(left_out.contains(&CredentialType::Passkey), "{left_out:?}");
    let v26 = kratos_identity::ServerVersion::new("v26.2.0");
    let (_, left_out) = CreateIdentityBody::from_identity_lossy_for(bare, &v26).unwrap();
    assert_eq!(
        left_out,
        [
            CredentialType::Password,
            CredentialType::Oidc,
            CredentialType::Saml
        ]
    );
    assert!(CreateIdentityBody::from_identity_for(bare, &v26).is_err());

    // Listed with it: the password hash is carried.
    let listed = client
        .list_identities()
        .include_credential(["password"])
        .send()
        .unwrap();
    let (body, left_out) = CreateIdentityBody::from_identity_lossy(&listed.as_slice()[0]).unwrap();
    assert_eq!(left_out, []);
    let password = body.credentials.and_then(|c| c.password).unwrap();
    assert!(
        serde_json::to_value(password).unwrap()["config"]["hashed_password"]
            .as_str()
            .is_some_and(|h| h.starts_with("$2a$")),
    );

    // Got without it: the types without their config, refused.
    let got = client.get_identity(id).send().unwrap();
    assert!(got.credentials.contains_key("password"));
    let err = CreateIdentityBody::from_identity(&got).unwrap_err();
    assert!(err.to_string().contains("include_credential"), "{err}");
}

/// Reading an export line as a create body used to succeed with its
/// credentials silently dropped (an empty lookup secret was sent).
#[test]
fn a_create_body_refuses_an_exported_identity_instead_of_dropping_its_credentials() {
    let err = serde_json::from_value::<CreateIdentityBody>(exported()).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
    let mut without_id = exported();
    without_id
        .as_object_mut()
        .unwrap()
        .retain(|k, _| matches!(k.as_str(), "schema_id" | "traits" | "credentials"));
    let err = serde_json::from_value::<CreateIdentityBody>(without_id).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
    // A real create body still reads.
    let body: CreateIdentityBody = serde_json::from_value(json!({
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"lookup_secret": {"config": {"codes": [{"code": "k3nq-81xz"}]}}}
    }))
    .unwrap();
    assert!(body.credentials.unwrap().lookup_secret.is_some());
}

// ------------------------------------------------------------------ round trip

/// Identities with every importable credential type go from one Kratos to
/// another (export → from_identity → import → export) and come out equal,
/// but for their ids and timestamps.
#[test]
fn a_migration_round_trip_keeps_everything_but_ids_and_timestamps() {
    use kratos_identity_fake::{FakeKratos, KratosVersion};

    const ALL: [&str; 7] = [
        "password",
        "oidc",
        "saml",
        "totp",
        "lookup_secret",
        "webauthn",
        "passkey",
    ];
    // Every importable type: a master target (v26.2.0 imports passwords,
    // OIDC and SAML only).
    let master = || FakeKratos::builder().version(KratosVersion::Master).start();
    let source = master();
    source.seed_identities(3);
    let mut rich = exported();
    let credentials = rich["credentials"].as_object_mut().unwrap();
    credentials.remove("code");
    source.insert_identity(rich);
    let target = master();

    // Export, converting each identity.
    let mut bodies = Vec::new();
    for identity in source
        .client()
        .list_identities()
        .include_credential(ALL)
        .items()
    {
        let (body, left_out) = CreateIdentityBody::from_identity_lossy(&identity.unwrap()).unwrap();
        assert!(
            left_out.iter().all(|t| *t == CredentialType::Code),
            "only code is left out: {left_out:?}"
        );
        bodies.push(body);
    }
    assert_eq!(bodies.len(), 4);

    // Import.
    let report = target.client().import_identities(bodies).send();
    assert_eq!(report.to_string(), "4 created, 0 already existed, 0 failed");

    // Export again and compare.
    let read = |kratos: &FakeKratos| -> Vec<Value> {
        kratos
            .client()
            .list_identities()
            .include_credential(ALL)
            .raw()
            .items()
            .map(|raw| serde_json::from_str(raw.unwrap().get()).unwrap())
            .collect()
    };
    let mut before: Vec<Value> = read(&source).into_iter().map(normalized).collect();
    let mut after: Vec<Value> = read(&target).into_iter().map(normalized).collect();
    let key = |v: &Value| {
        v["traits"]["email"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    before.sort_by_key(key);
    after.sort_by_key(key);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }
    // The rich identity really carried every type.
    let rich = after
        .iter()
        .find(|v| v["external_id"] == "crm-4711")
        .unwrap();
    for kind in ALL {
        assert!(
            rich["credentials"].get(kind).is_some(),
            "{kind} missing: {rich:#}"
        );
    }
}

/// An identity without what changes when it is recreated elsewhere: ids,
/// timestamps, the schema URL, and a credential's identifiers that are the
/// identity's own id; and without what Kratos cannot import: the `code`
/// credential, and the tokens an OIDC provider link stored.
fn normalized(mut identity: Value) -> Value {
    let id = identity["id"].as_str().unwrap_or_default().to_string();
    strip(&mut identity, &id);
    if let Some(credentials) = identity["credentials"].as_object_mut() {
        credentials.remove("code");
    }
    identity
}

fn strip(value: &mut Value, id: &str) {
    match value {
        Value::Object(object) => {
            for key in [
                "id",
                "created_at",
                "updated_at",
                "state_changed_at",
                "schema_url",
                "version",
                "initial_id_token",
                "initial_access_token",
                "initial_refresh_token",
            ] {
                object.remove(key);
            }
            for child in object.values_mut() {
                strip(child, id);
            }
        }
        Value::Array(items) => {
            items.retain(|item| item.as_str() != Some(id));
            for item in items {
                strip(item, id);
            }
        }
        _ => {}
    }
}

/// Kratos gives every identity whose schema marks a WebAuthn identifier a
/// WebAuthn credential without keys. For a v26.2.0 target (which cannot
/// import WebAuthn) that one carries nothing and is not named as left out;
/// one with keys is.
#[test]
fn a_webauthn_credential_without_keys_is_not_named_as_left_out_for_a_v26_target() {
    let identity = |keys: serde_json::Value| -> kratos_identity::Identity {
        serde_json::from_value(serde_json::json!({
            "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "",
            "traits": {"email": "ada@example.com"},
            "credentials": {
                "password": {"type": "password", "identifiers": ["ada@example.com"],
                             "config": {"hashed_password": "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"}},
                "webauthn": {"type": "webauthn", "identifiers": ["ada@example.com"],
                             "config": {"credentials": keys, "user_handle": "q83vEjRWeJA="}}
            }
        }))
        .unwrap()
    };
    let v26 = kratos_identity::ServerVersion::new("v26.2.0");
    let (body, left_out) =
        CreateIdentityBody::from_identity_lossy_for(&identity(serde_json::json!([])), &v26)
            .unwrap();
    assert!(left_out.is_empty(), "{left_out:?}");
    assert!(body.credentials.unwrap().webauthn.is_none());
    CreateIdentityBody::from_identity_for(&identity(serde_json::json!(null)), &v26).unwrap();

    let with_key =
        serde_json::json!([{"id": "a2V5LWlk", "public_key": "cHVi", "attestation_type": "none"}]);
    let (_, left_out) =
        CreateIdentityBody::from_identity_lossy_for(&identity(with_key.clone()), &v26).unwrap();
    assert_eq!(left_out, [kratos_identity::CredentialType::Webauthn]);
    assert!(CreateIdentityBody::from_identity_for(&identity(with_key), &v26).is_err());
}

/// Issue 23: a password hash the target would refuse or store unusable is
/// not carried in silence: the strict conversion refuses the identity,
/// naming the hash problem (never the hash), and the lossy one leaves the
/// password out and names it. The target's version decides what is beyond
/// bounds: v26.2.0 takes a bcrypt cost of 16, master does not.
#[test]
fn a_password_hash_kratos_would_refuse_or_never_verify_is_not_carried() {
    let exported = |hash: &str| -> kratos_identity::Identity {
        serde_json::from_value(json!({
            "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "",
            "traits": {"email": "ada@example.com"},
            "credentials": {"password": {"type": "password", "identifiers": ["ada@example.com"],
                                          "config": {"hashed_password": hash}}}
        }))
        .unwrap()
    };
    let v26 = kratos_identity::ServerVersion::new("v26.2.0");
    let master = kratos_identity::ServerVersion::new("master");
    for hash in ["notahash", "$argon2id$v=19$m=abc", "$2a$10$tooshort"] {
        let identity = exported(hash);
        for target in [None, Some(&v26), Some(&master)] {
            let strict = match target {
                Some(t) => CreateIdentityBody::from_identity_for(&identity, t),
                None => CreateIdentityBody::from_identity(&identity),
            };
            let err = strict.unwrap_err();
            assert_eq!(
                err.invalid_input_kind(),
                Some(kratos_identity::InvalidInputKind::NotConvertible)
            );
            let text = format!("{err} {err:?}");
            assert!(text.contains("password hash"), "{text}");
            assert!(!text.contains(hash), "the hash in {text}");
            let (body, left_out) = match target {
                Some(t) => CreateIdentityBody::from_identity_lossy_for(&identity, t),
                None => CreateIdentityBody::from_identity_lossy(&identity),
            }
            .unwrap();
            assert_eq!(left_out, [CredentialType::Password], "{hash}");
            assert!(body.credentials.is_none(), "{hash}");
        }
    }
    // A bcrypt cost of 16: v26.2.0 stores and verifies it, master refuses.
    let costly = "$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";
    assert!(CreateIdentityBody::from_identity_for(&exported(costly), &v26).is_ok());
    assert!(CreateIdentityBody::from_identity_for(&exported(costly), &master).is_err());
    assert!(CreateIdentityBody::from_identity(&exported(costly)).is_err());
}

/// As real Kratos v26.2.0 lists an identity with
/// `include_credential=password` when the schema names the email as a
/// WebAuthn identifier: the `webauthn` credential it derived is named,
/// without its config. The lossy conversion refused it ("read without its
/// config"), so an export of passwords alone could not be imported into
/// master; it now leaves that credential out and names it. The strict one
/// still refuses, naming the fix.
#[test]
fn a_credential_listed_without_its_config_is_named_as_left_out_not_refused() {
    let listed = identity(json!({
        "id": ID, "schema_id": "default", "schema_url": "", "state": "active",
        "traits": {"email": "user67298@bench.example.test"},
        "credentials": {
            "code": {"type": "code", "identifiers": ["user67298@bench.example.test"], "version": 1,
                "created_at": "2026-12-08T00:59:32.724887Z", "updated_at": "2026-12-08T00:59:32.724887Z"},
            "password": {"type": "password", "identifiers": ["user67298@bench.example.test"],
                "config": {"hashed_password": HASH}, "version": 0,
                "created_at": "2026-12-08T00:59:32.72488Z", "updated_at": "2026-12-08T00:59:32.72488Z"},
            "webauthn": {"type": "webauthn", "identifiers": ["user67298@bench.example.test"], "version": 1,
                "created_at": "2026-12-08T00:59:32.724881Z", "updated_at": "2026-12-08T00:59:32.724881Z"}
        }
    }));
    let carried = |body: &CreateIdentityBody| {
        let credentials = body.credentials.as_ref().unwrap();
        assert!(credentials.password.is_some(), "the hash is carried");
        assert!(credentials.webauthn.is_none());
    };

    let (body, left_out) = CreateIdentityBody::from_identity_lossy(&listed).unwrap();
    carried(&body);
    assert_eq!(left_out, [CredentialType::Webauthn]);
    let master = kratos_identity::ServerVersion::new("master");
    let (body, left_out) = CreateIdentityBody::from_identity_lossy_for(&listed, &master).unwrap();
    carried(&body);
    assert_eq!(left_out, [CredentialType::Webauthn]);
    // v26.2.0 imports no WebAuthn keys at all: left out for that reason.
    let v26 = kratos_identity::ServerVersion::new("v26.2.0");
    let (body, left_out) = CreateIdentityBody::from_identity_lossy_for(&listed, &v26).unwrap();
    carried(&body);
    assert_eq!(left_out, [CredentialType::Webauthn]);

    for strict in [
        CreateIdentityBody::from_identity(&listed),
        CreateIdentityBody::from_identity_for(&listed, &master),
    ] {
        let message = strict.unwrap_err().to_string();
        assert!(
            message.contains(
                "its webauthn credential was read without its config; read it with include_credential([\"webauthn\", …])"
            ),
            "{message}"
        );
    }
}
