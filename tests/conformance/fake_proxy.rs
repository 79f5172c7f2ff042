//! The fake Kratos held to the document: every operation of the client,
//! sent through `prism proxy --errors` to a [`FakeKratos`], with inputs
//! that make sense against a stateful server (what is created is then
//! read, changed and deleted), the error paths included (400, 404, 409).
//!
//! Every call names the status it must get. Every exchange is judged by
//! Prism (an `sl-violations` header, or an answer Prism wrote itself, fails
//! it) and by [`check_response`](super::schema_check::check_response)
//! against the response the document declares for its operation and
//! status, because Prism 5.14.2 does not validate the bodies that matter
//! most (identities, sessions, login flows; see
//! [`schema_check`](super::schema_check)). [`control`] shows that both
//! judges can say no.

use std::time::Duration;

use kratos_identity::{
    CreateIdentityBody, CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody,
    CreateTestLoginFlowBody, CredentialType, IdentityPatch, IdentityState, JsonPatch,
    ManageSessionsAction, ManageSessionsBody, PatchIdentitiesBody, UpdateIdentityBody,
};
use kratos_identity_fake::FakeKratos;
use serde_json::{Value, json};
use uuid::Uuid;

use super::harness::Conformance;
use super::prism::Prism;
use super::schema_check::check_response;
use super::spec::Spec;
use super::{BCRYPT_HASH, customer_traits, full_create_body, full_update_body, uuid};

/// How many realistic identities the fake is seeded with.
const SEEDED: usize = 12;

/// The identity inserted with a credential of every type Kratos imports.
const FULL_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/// Its external id.
const FULL_EXTERNAL_ID: &str = "crm-0001";
/// An id nothing has.
const MISSING_ID: &str = "0e5b3d8a-1f2c-4b6d-9e8f-7a6b5c4d3e2f";
const PATCH_ID: &str = "aa0e8400-e29b-41d4-a716-446655440000";
const OTHER_PATCH_ID: &str = "bb0e8400-e29b-41d4-a716-446655440000";
const TOKEN: &str = "ory_pat_conformance_0001";

/// Every credential type `include_credential` takes that an identity here has.
const ALL_TYPES: [&str; 8] = [
    "password",
    "oidc",
    "saml",
    "totp",
    "webauthn",
    "passkey",
    "lookup_secret",
    "code",
];

/// The inserted identity, in Kratos's export shape (what
/// `GET /admin/identities/{id}?include_credential=…` answers): one
/// credential of every type Kratos can import (KRATOS.md: password, oidc,
/// saml, totp, webauthn, passkey, lookup_secret), each with its `config`.
/// Its schema, `customer`, is new to the fake, which then serves it too.
fn full_identity(base_url: &str) -> Value {
    let at = "2024-03-01T10:00:00.000000Z";
    let credential = |type_: &str, identifiers: Value, config: Value| {
        json!({
            "type": type_,
            "identifiers": identifiers,
            "config": config,
            "version": 0,
            "created_at": at,
            "updated_at": at
        })
    };
    let webauthn_key = |id: &str, passwordless: bool| {
        json!({
            "id": id,
            "public_key": "pQECAyYgASFYIPgy",
            "attestation_type": "none",
            "authenticator": {"aaguid": "AAAAAAAAAAAAAAAAAAAAAA==", "sign_count": 4, "clone_warning": false},
            "display_name": "YubiKey 5C",
            "is_passwordless": passwordless,
            "added_at": at
        })
    };
    json!({
        "id": FULL_ID,
        "external_id": FULL_EXTERNAL_ID,
        "schema_id": "customer",
        "schema_url": format!("{base_url}/schemas/Y3VzdG9tZXI"),
        "state": "active",
        "state_changed_at": at,
        "traits": customer_traits("grace@example.org"),
        "credentials": {
            "password": credential("password", json!(["grace@example.org"]),
                json!({"hashed_password": BCRYPT_HASH})),
            "oidc": credential("oidc", json!(["google:1093456789", "github:grace-h"]), json!({
                "providers": [
                    {"provider": "google", "subject": "1093456789", "initial_id_token": "", "initial_access_token": "", "initial_refresh_token": ""},
                    {"provider": "github", "subject": "grace-h", "organization": null, "use_auto_link": false}
                ]
            })),
            "saml": credential("saml", json!(["okta:grace@corp.example"]), json!({
                "providers": [{"provider": "okta", "subject": "grace@corp.example"}]
            })),
            "totp": credential("totp", json!([FULL_ID]), json!({
                "totp_url": "otpauth://totp/Example:grace@example.org?secret=JBSWY3DPEHPK3PXP&issuer=Example"
            })),
            "webauthn": credential("webauthn", json!([FULL_ID]), json!({
                "credentials": [webauthn_key("Y3JlZGVudGlhbC0x", false)],
                "user_handle": "dXNlci1oYW5kbGUtMQ=="
            })),
            "passkey": credential("passkey", json!(["dXNlci1oYW5kbGUtMg=="]), json!({
                "credentials": [webauthn_key("Y3JlZGVudGlhbC0y", true)],
                "user_handle": "dXNlci1oYW5kbGUtMg=="
            })),
            "lookup_secret": credential("lookup_secret", json!([FULL_ID]), json!({
                "recovery_codes": [
                    {"code": "k3nq-81xz", "used_at": null},
                    {"code": "p0w2-7yue", "used_at": "2024-03-02T08:00:00Z"}
                ]
            }))
        },
        "verifiable_addresses": [{
            "id": "1d6c3a2b-4e5f-4a8b-9c0d-1e2f3a4b5c6d",
            "value": "grace@example.org",
            "verified": true,
            "via": "email",
            "status": "completed",
            "verified_at": at,
            "created_at": at,
            "updated_at": at
        }],
        "recovery_addresses": [{
            "id": "2d6c3a2b-4e5f-4a8b-9c0d-1e2f3a4b5c6d",
            "value": "grace@example.org",
            "via": "email",
            "created_at": at,
            "updated_at": at
        }],
        "metadata_public": {"plan": "team"},
        "metadata_admin": null,
        "organization_id": null,
        "region": "eu-central",
        "created_at": at,
        "updated_at": at
    })
}

/// A create body without the WebAuthn and passkey credentials, whose byte
/// fields Kratos and the document type differently.
fn without_webauthn(mut body: CreateIdentityBody) -> CreateIdentityBody {
    if let Some(credentials) = body.credentials.as_mut() {
        credentials.webauthn = None;
        credentials.passkey = None;
    }
    body
}

/// What [`drive`] reports besides the counters of the run.
pub(crate) struct Driven {
    /// What the [`control`]s sent on purpose, and what was said of it.
    pub(crate) control: String,
}

/// Sets the fake up, then sends every operation through Prism, the
/// success paths and the error paths, each call expecting its status.
pub(crate) fn drive(
    run: &mut Conformance<'_>,
    spec: &Spec,
    kratos: &FakeKratos,
    prism: &Prism,
) -> Driven {
    // The fake: seeded identities (most with an organization), the full
    // identity, and sessions for three of them.
    let seeded: Vec<Uuid> = kratos.seed_identities(SEEDED);
    let full = kratos.insert_identity(full_identity(&kratos.base_url()));
    assert_eq!(full, uuid(FULL_ID));
    let (s0, s1, s2) = (seeded[0], seeded[1], seeded[2]);
    let s0_sessions = [kratos.add_session(s0), kratos.add_session(s0)];
    kratos.add_session(s1);
    let full_session = kratos.add_session(full);
    let organization = kratos
        .identities()
        .iter()
        .find_map(|i| i["organization_id"].as_str().map(str::to_string))
        .expect("some seeded identities belong to an organization");
    let seeded_email = kratos
        .identities()
        .iter()
        .find(|i| i["id"] == s0.to_string())
        .and_then(|i| i["traits"]["email"].as_str().map(str::to_string))
        .expect("seeded identities have an email");

    let c = run.client.clone();

    // ---- Identities: reading -------------------------------------------
    run.expect("list_identities (every page of 5)", 200, || {
        c.list_identities()
            .page_size(5)
            .items()
            .collect::<Result<Vec<_>, _>>()
    });
    run.expect("list_identities (ids)", 200, || {
        c.list_identities()
            .ids([s0.to_string(), full.to_string()])
            .send()
    });
    run.expect("list_identities (organization_id)", 200, || {
        c.list_identities().organization_id(&organization).send()
    });
    run.expect("list_identities (credentials_identifier)", 200, || {
        c.list_identities()
            .credentials_identifier(&seeded_email)
            .consistency("strong")
            .send()
    });
    run.expect("list_identities (similar identifier)", 200, || {
        c.list_identities()
            .preview_credentials_identifier_similar("user00000")
            .send()
    });
    run.expect("list_identities (include_credential)", 200, || {
        c.list_identities()
            .include_credential(ALL_TYPES)
            .page_size(500)
            .send()
    });
    run.expect("list_identities (legacy page numbers)", 200, || {
        c.list_identities()
            .page(0)
            .per_page(5)
            .items()
            .collect::<Result<Vec<_>, _>>()
    });
    run.expect("list_identities (two filters: 400)", 400, || {
        c.list_identities()
            .ids([s0.to_string()])
            .organization_id(&organization)
            .send()
    });
    run.expect(
        "list_identities (a page token it did not issue: 400)",
        400,
        || c.list_identities().page_token("not-a-token").send(),
    );
    run.expect("get_identity (every credential type)", 200, || {
        c.get_identity(full).include_credential(ALL_TYPES).send()
    });
    run.expect("get_identity (seeded)", 200, || {
        c.get_identity(s1)
            .include_credential(["password", "code"])
            .send()
    });
    run.expect("get_identity (plain)", 200, || c.get_identity(s2).send());
    run.expect("get_identity (missing: 404)", 404, || {
        c.get_identity(MISSING_ID).send()
    });
    run.expect("get_identity_by_external_id", 200, || {
        c.get_identity_by_external_id(FULL_EXTERNAL_ID)
            .include_credential([CredentialType::Oidc, CredentialType::Saml])
            .send()
    });
    run.expect("get_identity_by_external_id (missing: 404)", 404, || {
        c.get_identity_by_external_id("crm-9999").send()
    });

    // ---- Identities: writing -------------------------------------------
    let minimal = run.expect("create_identity (minimal)", 201, || {
        c.create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "alan@example.com"}),
        ))
        .send()
    });
    let imported = run.expect(
        "create_identity (every field, every credential type but WebAuthn and passkey)",
        201,
        || {
            c.create_identity(without_webauthn(full_create_body(
                "ada@example.com",
                "crm-4711",
            )))
            .send()
        },
    );
    // The document types WebAuthn's byte fields as integer arrays, which
    // Prism holds the request to; Kratos (and so the fake) takes base64
    // strings only and answers 400 (KRATOS.md). A 400 the document declares.
    run.expect(
        "create_identity (WebAuthn bytes as the document types them: 400)",
        400,
        || {
            c.create_identity(full_create_body("frances@example.com", "crm-5001"))
                .send()
        },
    );
    run.expect("create_identity (plain password, inactive)", 201, || {
        c.create_identity(
            CreateIdentityBody::new("default", json!({"email": "hedy@example.com"}))
                .password("correct horse battery staple")
                .state(IdentityState::Inactive),
        )
        .send()
    });
    run.expect("create_identity (taken email: 409)", 409, || {
        c.create_identity(
            CreateIdentityBody::new("default", json!({"email": seeded_email}))
                .password("correct horse battery staple"),
        )
        .send()
    });
    run.expect("create_identity (taken external_id: 409)", 409, || {
        c.create_identity(
            CreateIdentityBody::new("default", json!({"email": "mary@example.com"}))
                .external_id(FULL_EXTERNAL_ID),
        )
        .send()
    });
    run.expect("create_identity (traits without email: 400)", 400, || {
        c.create_identity(CreateIdentityBody::new(
            "default",
            json!({"name": {"first": "Nobody"}}),
        ))
        .send()
    });
    run.expect("create_identity (unknown schema: 400)", 400, || {
        c.create_identity(CreateIdentityBody::new(
            "no-such-schema",
            json!({"email": "nobody@example.com"}),
        ))
        .send()
    });
    let minimal = minimal.map(|i| i.id);
    let imported = imported.map(|i| i.id);

    if let Some(id) = imported {
        run.expect(
            "get_identity (the imported one, every credential type)",
            200,
            || c.get_identity(id).include_credential(ALL_TYPES).send(),
        );
        run.expect("update_identity (every field)", 200, || {
            let mut body = full_update_body();
            if let Some(credentials) = body.credentials.as_mut() {
                credentials.webauthn = None;
                credentials.passkey = None;
            }
            c.update_identity(id, body).send()
        });
    }
    if let Some(id) = minimal {
        run.expect("update_identity (traits, new password)", 200, || {
            c.update_identity(
                id,
                UpdateIdentityBody::new(
                    "",
                    IdentityState::Active,
                    json!({"email": "alan@example.org", "name": {"first": "Alan"}}),
                )
                .password("a new passphrase, long enough")
                .metadata_public(json!({"plan": "pro"})),
            )
            .send()
        });
        run.expect("update_identity (taken external_id: 409)", 409, || {
            c.update_identity(
                id,
                UpdateIdentityBody::new(
                    "default",
                    IdentityState::Active,
                    json!({"email": "alan@example.org"}),
                )
                .external_id(FULL_EXTERNAL_ID),
            )
            .send()
        });
        run.expect("update_identity (traits without email: 400)", 400, || {
            c.update_identity(
                id,
                UpdateIdentityBody::new("default", IdentityState::Active, json!({})),
            )
            .send()
        });
        run.expect("patch_identity", 200, || {
            c.patch_identity(
                id,
                vec![
                    JsonPatch::replace("/traits/email", "alan@example.net"),
                    JsonPatch::add("/metadata_admin", json!({"notes": "patched"})),
                    JsonPatch::replace("/state", "inactive"),
                ],
            )
            .send()
        });
        run.expect("patch_identity (a denied path: 400)", 400, || {
            c.patch_identity(id, vec![JsonPatch::replace("/id", "x")])
                .send()
        });
        run.expect("patch_identity (taken external_id: 409)", 409, || {
            c.patch_identity(id, vec![JsonPatch::add("/external_id", FULL_EXTERNAL_ID)])
                .send()
        });
    }
    run.expect("update_identity (missing: 404)", 404, || {
        c.update_identity(
            MISSING_ID,
            UpdateIdentityBody::new(
                "default",
                IdentityState::Active,
                json!({"email": "x@example.com"}),
            ),
        )
        .send()
    });
    run.expect("patch_identity (missing: 404)", 404, || {
        c.patch_identity(MISSING_ID, vec![JsonPatch::replace("/state", "active")])
            .send()
    });

    run.expect("batch_patch_identities (created, refused)", 200, || {
        c.batch_patch_identities(PatchIdentitiesBody::new(vec![
            IdentityPatch::create(
                CreateIdentityBody::new("default", json!({"email": "katherine@example.com"}))
                    .password("correct horse battery staple"),
            )
            .patch_id(uuid(PATCH_ID)),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": seeded_email}),
            ))
            .patch_id(uuid(OTHER_PATCH_ID)),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": "barbara@example.com"}),
            )),
        ]))
        .send()
    });
    // A patch without `create` is a valid request, and Kratos answers
    // `null` for its entry, which identityPatchResponse (an object, not
    // nullable) does not allow: Prism would put its own 500 in the place of
    // the fake's answer. The live suite checks that answer against the real
    // servers and the fake (a_patch_without_create_answers_null_beside_the_others).
    // More than 1000 patches fail the whole batch. (A hash Kratos cannot
    // read would too, but the client refuses that before sending.)
    run.expect("batch_patch_identities (1001 patches: 400)", 400, || {
        c.batch_patch_identities(PatchIdentitiesBody::new(
            (0..1001)
                .map(|i| {
                    IdentityPatch::create(CreateIdentityBody::new(
                        "default",
                        json!({"email": format!("edsger{i}@example.com")}),
                    ))
                })
                .collect(),
        ))
        .send()
    });

    // Credentials of the full identity, one type at a time.
    run.expect(
        "delete_identity_credentials (oidc without identifier: 400)",
        400,
        || {
            c.delete_identity_credentials(full, CredentialType::Oidc)
                .send()
        },
    );
    run.expect(
        "delete_identity_credentials (a type it lacks: 404)",
        404,
        || {
            c.delete_identity_credentials(full, CredentialType::Code)
                .send()
        },
    );
    for type_ in ["totp", "lookup_secret", "webauthn"] {
        run.expect(
            &format!("delete_identity_credentials ({type_})"),
            204,
            || c.delete_identity_credentials(full, type_).send(),
        );
    }
    run.expect("delete_identity_credentials (oidc)", 204, || {
        c.delete_identity_credentials(full, CredentialType::Oidc)
            .identifier("google:1093456789")
            .send()
    });
    run.expect("delete_identity_credentials (saml)", 204, || {
        c.delete_identity_credentials(full, "saml")
            .identifier("okta:grace@corp.example")
            .send()
    });
    run.expect("delete_identity_credentials (password)", 204, || {
        c.delete_identity_credentials(full, CredentialType::Password)
            .send()
    });
    run.expect("get_identity (what the deletes left)", 200, || {
        c.get_identity(full).include_credential(ALL_TYPES).send()
    });
    run.expect(
        "delete_identity_credentials (missing identity: 404)",
        404,
        || c.delete_identity_credentials(MISSING_ID, "totp").send(),
    );

    // Every identity as it now is, credentials and all.
    run.expect("list_identities (everything, pages of 4)", 200, || {
        c.list_identities()
            .include_credential(ALL_TYPES)
            .page_size(4)
            .items()
            .collect::<Result<Vec<_>, _>>()
    });

    if let Some(id) = minimal {
        run.expect("delete_identity", 204, || c.delete_identity(id).send());
        run.expect("delete_identity (again: 404)", 404, || {
            c.delete_identity(id).send()
        });
    }
    run.expect("delete_identity (missing: 404)", 404, || {
        c.delete_identity(MISSING_ID).send()
    });

    // ---- Sessions --------------------------------------------------------
    run.expect("list_sessions (expanded, pages of 2)", 200, || {
        c.list_sessions()
            .page_size(2)
            .expand(["identity", "devices"])
            .items()
            .collect::<Result<Vec<_>, _>>()
    });
    run.expect("list_sessions (active)", 200, || {
        c.list_sessions().active(true).send()
    });
    run.expect(
        "list_sessions (a page token it did not issue: 400)",
        400,
        || c.list_sessions().page_token("bm90LWEtdG9rZW4").send(),
    );
    run.expect("get_session (expanded)", 200, || {
        c.get_session(s0_sessions[0])
            .expand(["identity", "devices"])
            .send()
    });
    run.expect("get_session", 200, || c.get_session(full_session).send());
    run.expect("get_session (missing: 404)", 404, || {
        c.get_session(MISSING_ID).send()
    });
    run.expect("get_session (not a UUID: 400)", 400, || {
        c.get_session("not-a-uuid").send()
    });
    run.expect("list_identity_sessions (active)", 200, || {
        c.list_identity_sessions(s0).active(true).send()
    });
    run.expect("list_identity_sessions (every page of 1)", 200, || {
        c.list_identity_sessions(s0)
            .per_page(1)
            .items()
            .collect::<Result<Vec<_>, _>>()
    });
    run.expect("list_identity_sessions (none)", 200, || {
        c.list_identity_sessions(s2).send()
    });
    run.expect("list_identity_sessions (not a UUID: 400)", 400, || {
        c.list_identity_sessions("not-a-uuid").send()
    });
    run.expect("extend_session", 200, || {
        c.extend_session(s0_sessions[0]).send()
    });
    run.expect("extend_session (missing: 404)", 404, || {
        c.extend_session(MISSING_ID).send()
    });
    run.expect("disable_session", 204, || {
        c.disable_session(s0_sessions[1]).send()
    });
    // Kratos extends a disabled session too (still inactive).
    run.expect("extend_session (disabled)", 200, || {
        c.extend_session(s0_sessions[1]).send()
    });
    run.expect("extend_session (missing: 404)", 404, || {
        c.extend_session(MISSING_ID).send()
    });
    run.expect("disable_session (missing: 404)", 404, || {
        c.disable_session(MISSING_ID).send()
    });
    run.expect("delete_identity_sessions", 204, || {
        c.delete_identity_sessions(s1).send()
    });
    // Kratos answers 404 when the identity has no sessions (KRATOS.md);
    // the document declares that 404.
    run.expect(
        "delete_identity_sessions (no sessions left: 404)",
        404,
        || c.delete_identity_sessions(s1).send(),
    );
    run.expect("manage_sessions (disable, by identity)", 200, || {
        c.manage_sessions(ManageSessionsBody::for_identities(
            ManageSessionsAction::Disable,
            [s0],
        ))
        .send()
    });
    run.expect("manage_sessions (delete, by session)", 200, || {
        c.manage_sessions(ManageSessionsBody::for_sessions(
            ManageSessionsAction::Delete,
            [full_session],
        ))
        .send()
    });
    // An id that is not a UUID never reaches the server (Kratos would
    // answer 400): the client refuses it.
    let refused = c
        .manage_sessions(ManageSessionsBody::for_sessions(
            ManageSessionsAction::Delete,
            ["not-a-uuid"],
        ))
        .send();
    assert!(
        matches!(refused, Err(kratos_identity::Error::InvalidInput { .. })),
        "{refused:?}"
    );
    run.expect("manage_sessions (every session)", 200, || {
        c.manage_sessions(ManageSessionsBody::all_sessions(
            ManageSessionsAction::Delete,
        ))
        .send()
    });

    // ---- Recovery --------------------------------------------------------
    run.expect("create_recovery_code_for_identity", 201, || {
        c.create_recovery_code_for_identity(
            CreateRecoveryCodeForIdentityBody::new(full)
                .expires_in(Duration::from_secs(3600))
                .flow_type("browser"),
        )
        .send()
    });
    run.expect(
        "create_recovery_code_for_identity (missing: 404)",
        404,
        || {
            c.create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(uuid(
                MISSING_ID,
            )))
            .send()
        },
    );
    run.expect("create_recovery_link_for_identity", 200, || {
        c.create_recovery_link_for_identity(
            CreateRecoveryLinkForIdentityBody::new(full).expires_in(Duration::from_secs(900)),
        )
        .return_to("https://app.example.com/welcome-back")
        .send()
    });
    // Kratos answers 400 here, not 404 (KRATOS.md); both are declared.
    run.expect(
        "create_recovery_link_for_identity (missing: 400)",
        400,
        || {
            c.create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(uuid(
                MISSING_ID,
            )))
            .send()
        },
    );

    // ---- Flows and schemas ----------------------------------------------
    run.expect("create_test_login_flow", 201, || {
        c.create_test_login_flow(CreateTestLoginFlowBody::new("google"))
            .send()
    });
    run.expect("create_test_login_flow (no provider: 400)", 400, || {
        c.create_test_login_flow(CreateTestLoginFlowBody::new(""))
            .send()
    });
    run.expect("list_identity_schemas (every page of 1)", 200, || {
        c.list_identity_schemas()
            .per_page(1)
            .items()
            .collect::<Result<Vec<_>, _>>()
    });
    run.expect("list_identity_schemas", 200, || {
        c.list_identity_schemas().send()
    });
    run.expect("get_identity_schema", 200, || {
        c.get_identity_schema("default").send()
    });
    run.expect("get_identity_schema (base64url id)", 200, || {
        c.get_identity_schema("Y3VzdG9tZXI").send()
    });
    run.expect("get_identity_schema (missing: 404)", 404, || {
        c.get_identity_schema("no-such-schema").send()
    });
    run.expect("get_version", 200, || c.get_version().send());

    Driven {
        control: control(spec, kratos, prism),
    }
}

/// One raw exchange with Prism, outside the recorded client: status,
/// `Content-Type`, `sl-violations`, body.
fn raw_get(prism: &Prism, path: &str) -> (u16, Option<String>, Option<String>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}{path}", prism.base_url);
    let mut response = match agent
        .get(&url)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .call()
    {
        Ok(response) => response,
        Err(e) => panic!("the control request failed: GET {url}: {e}"),
    };
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, violations) = (header("content-type"), header("sl-violations"));
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().unwrap_or_default();
    (status, content_type, violations, body)
}

/// The controls, which show that both judges of the run can say no
/// (panics if one does not):
/// - a request that breaks the document (`page_size=0`, below its
///   minimum of 1): Prism must refuse it itself and never forward it to
///   the fake. (It answers 422 `application/problem+json` with the
///   findings in the body but, unlike for an answer it refuses, no
///   `sl-violations` header: the harness takes any problem+json answer as
///   Prism's refusal.)
/// - an identity that breaks the document on purpose (no `schema_url`,
///   `state: "weird"`), fetched through Prism: Prism passes it (it does not
///   validate identity bodies, see [`schema_check`](super::schema_check)),
///   and [`check_response`] must refuse it.
fn control(spec: &Spec, kratos: &FakeKratos, prism: &Prism) -> String {
    let before = kratos.requests().len();
    let (status, content_type, violations, body) = raw_get(prism, "/admin/identities?page_size=0");
    let forwarded = kratos.requests().len() - before;
    let from_prism = content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/problem+json"));
    assert!(
        status == 422 && from_prism && forwarded == 0,
        "Prism did not refuse a request that breaks the document: HTTP {status} \
         ({content_type:?}), sl-violations {violations:?}, {forwarded} request(s) \
         forwarded, body {}",
        String::from_utf8_lossy(&body)
    );
    let request_control = format!(
        "a request with page_size=0 was refused by Prism itself (HTTP {status} \
         application/problem+json, sl-violations header {}) and not forwarded",
        match violations {
            Some(_) => "present",
            None => "absent",
        }
    );

    let id = kratos.insert_identity(json!({
        "schema_id": "default",
        "traits": {"email": "control@example.com"},
        "state": "weird"
    }));
    let (status, content_type, violations, body) =
        raw_get(prism, &format!("/admin/identities/{id}"));
    let (_, operation, _) = spec
        .operation_by_id("getIdentity")
        .expect("getIdentity is in the document");
    let verdict = check_response(spec, operation, status, content_type.as_deref(), &body);
    let found: Vec<String> = verdict
        .checked
        .violations
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        status == 200
            && found.iter().any(|v| v.contains("schema_url"))
            && found.iter().any(|v| v.contains("/state")),
        "the control answer (HTTP {status}, {}) was not refused as it should be: {found:?}",
        String::from_utf8_lossy(&body)
    );
    format!(
        "Controls: {request_control}; an identity without schema_url and with state \"weird\" \
         came back through Prism with HTTP {status} and {}, and schema_check refused it ({}).",
        match violations {
            Some(v) => format!("Prism's sl-violations {v}"),
            None => "no sl-violations from Prism".into(),
        },
        found.join("; ")
    )
}
