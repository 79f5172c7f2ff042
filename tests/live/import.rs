//! Importing credentials, one by one and in batches: every hash format,
//! plaintext passwords, OIDC and SAML links, the second factors master
//! imports, duplicates, and a batch with one bad hash. A login with the
//! original password proves that a password was imported right.

use kratos_identity::{
    CreateIdentityBody, IdentityPatch, IdentityPatchAction, IdentityState, IdentityWithCredentials,
    IdentityWithCredentialsLookupSecret, IdentityWithCredentialsLookupSecretConfig,
    IdentityWithCredentialsTotp, IdentityWithCredentialsTotpConfig,
    IdentityWithCredentialsWebAuthn, IdentityWithCredentialsWebAuthnConfig, ImportError,
    LookupSecretCode, OidcProvider, PatchIdentitiesBody, SamlProvider, UpdateIdentityBody,
};
use serde_json::json;

use crate::backend::{Cleanup, Line, backends, login, raw, run};
use crate::hashes::{HASHES, UNPARSABLE};

fn person(tag: &str) -> (String, CreateIdentityBody) {
    let email = run().email(tag);
    let body = CreateIdentityBody::new("default", json!({"email": email}));
    (email, body)
}

#[test]
fn every_hash_format_imports_and_logs_in() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        for (format, hash, password) in HASHES {
            let (email, body) = person("hash");
            let created = b
                .admin
                .create_identity(body.hashed_password(*hash))
                .send()
                .unwrap_or_else(|e| panic!("{b:?}: importing a {format} hash: {e}"));
            cleanup.add(created.id);
            login(b, &email, password).unwrap_or_else(|e| {
                panic!("{b:?}: logging in with the imported {format} hash: {e}")
            });
            assert!(
                login(b, &email, "not-the-password").is_err(),
                "{b:?}: a wrong password logged in against the {format} hash"
            );
        }
    }
}

#[test]
fn a_batch_imports_hashes_and_plaintext_passwords() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let mut logins = Vec::new();
        let mut bodies = Vec::new();
        for (format, hash, password) in HASHES.iter().take(6) {
            let (email, body) = person("batch-hash");
            logins.push((email, password.to_string(), *format));
            bodies.push(body.hashed_password(*hash));
        }
        for n in 0..3 {
            let (email, body) = person("batch-plain");
            let password = format!("plaintext-password-{n}");
            bodies.push(body.password(&password));
            logins.push((email, password, "plaintext"));
        }
        let report = b.admin.import_identities(bodies).send();
        for (_, id) in &report.created_ids {
            cleanup.add(*id);
        }
        assert!(report.is_success(), "{b:?}: {report}");
        assert_eq!(report.created, logins.len(), "{b:?}: {report}");
        for (email, password, format) in &logins {
            login(b, email, password).unwrap_or_else(|e| panic!("{b:?}: {format}: {e}"));
        }
    }
}

#[test]
fn oidc_and_saml_links_import_with_their_identifiers() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let subject = run().unique("subject");
        let (_, body) = person("links");
        let created = b
            .admin
            .create_identity(
                body.credentials(IdentityWithCredentials::saml([SamlProvider::new(
                    "okta", &subject,
                )]))
                .oidc_provider(OidcProvider::new("google", &subject).use_auto_link(true)),
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        cleanup.add(created.id);
        let read = b
            .admin
            .get_identity(created.id)
            .include_credential(["oidc", "saml"])
            .send()
            .unwrap();
        assert_eq!(
            read.credentials["oidc"].identifiers,
            [format!("google:{subject}")],
            "{b:?}"
        );
        assert_eq!(
            read.credentials["saml"].identifiers,
            [format!("okta:{subject}")],
            "{b:?}"
        );
        let providers = &read.credentials["oidc"].config.clone().unwrap_or_default()["providers"];
        assert_eq!(
            providers[0]["subject"],
            subject.as_str(),
            "{b:?}: {providers}"
        );
        assert_eq!(providers[0]["provider"], "google", "{b:?}");
        // Found by the link's identifier.
        let page = b
            .admin
            .list_identities()
            .credentials_identifier(format!("google:{subject}"))
            .send()
            .unwrap();
        assert_eq!(
            page.iter().map(|i| i.id).collect::<Vec<_>>(),
            [created.id],
            "{b:?}"
        );
    }
}

/// A TOTP secret, backup codes and a WebAuthn key, in the import shapes.
fn second_factors() -> IdentityWithCredentials {
    let mut credentials = IdentityWithCredentials::hashed_password(HASHES[0].1);
    credentials.totp = Some(IdentityWithCredentialsTotp::new(
        IdentityWithCredentialsTotpConfig::new(
            "otpauth://totp/kratos-identity-live:ada?secret=JBSWY3DPEHPK3PXP&issuer=kratos-identity-live",
        ),
    ));
    credentials.lookup_secret = Some(IdentityWithCredentialsLookupSecret::new(
        IdentityWithCredentialsLookupSecretConfig::new([
            LookupSecretCode::new("aaaa-bbbb"),
            LookupSecretCode::new("cccc-dddd"),
        ]),
    ));
    let mut webauthn = IdentityWithCredentialsWebAuthnConfig::default();
    webauthn.credentials = vec![json!({
        "id": "Y3JlZGVudGlhbC1pZA==",
        "public_key": "cHVibGljLWtleQ==",
        "attestation_type": "none",
        "display_name": "YubiKey",
        "added_at": "2025-01-01T00:00:00Z",
        "is_passwordless": false,
        "authenticator": {"aaguid": "AAAAAAAAAAAAAAAAAAAAAA==", "sign_count": 1, "clone_warning": false}
    })];
    webauthn.user_handle = Some(json!("dXNlci1oYW5kbGU="));
    credentials.webauthn = Some(IdentityWithCredentialsWebAuthn::new(webauthn));
    credentials
}

#[test]
fn second_factors_import_on_master_and_are_refused_on_v26_2() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (email, body) = person("2fa");
        let result = b
            .admin
            .create_identity(body.credentials(second_factors()))
            .send();
        match b.line {
            Line::Master => {
                let created = result.unwrap_or_else(|e| panic!("{b:?}: {e}"));
                cleanup.add(created.id);
                let read = b
                    .admin
                    .get_identity(created.id)
                    .include_credential(["totp", "lookup_secret", "webauthn"])
                    .send()
                    .unwrap();
                for kind in ["password", "totp", "lookup_secret", "webauthn"] {
                    assert!(
                        read.credentials.contains_key(kind),
                        "{b:?}: no {kind}: {:?}",
                        read.credentials.keys()
                    );
                }
                let codes = &read.credentials["lookup_secret"]
                    .config
                    .clone()
                    .unwrap_or_default()["recovery_codes"];
                assert_eq!(codes.as_array().map(Vec::len), Some(2), "{b:?}: {codes}");
                login(b, &email, HASHES[0].2).unwrap_or_else(|e| panic!("{b:?}: {e}"));
            }
            // v26.2.0 decodes create bodies strictly and has no such fields.
            Line::V26_2 => {
                let err = result.unwrap_err();
                assert_eq!(err.status(), Some(400), "{b:?}: {err}");
                assert!(err.to_string().contains("unknown field"), "{b:?}: {err}");
                // In a batch the whole request fails...
                let (_, one) = person("2fa-batch");
                let (_, two) = person("2fa-batch");
                let batch = b
                    .admin
                    .batch_patch_identities(PatchIdentitiesBody::new(vec![
                        IdentityPatch::create(one.credentials(second_factors())),
                        IdentityPatch::create(two.hashed_password(HASHES[0].1)),
                    ]))
                    .send();
                let err = batch.unwrap_err();
                assert_eq!(err.status(), Some(400), "{b:?}: {err}");
                // ...and PUT drops them without a word, which the client
                // refuses to do silently.
                let (_, plain) = person("2fa-put");
                let created = b.admin.create_identity(plain).send().unwrap();
                cleanup.add(created.id);
                let err = b
                    .admin
                    .update_identity(
                        created.id,
                        UpdateIdentityBody::new(
                            "default",
                            IdentityState::Active,
                            created.traits.clone(),
                        )
                        .credentials(second_factors()),
                    )
                    .send()
                    .unwrap_err();
                assert!(
                    err.to_string().contains("totp") && err.to_string().contains("v26.2.0"),
                    "{b:?}: {err}"
                );
            }
        }
    }
}

#[test]
fn duplicates_inside_one_batch_and_against_stored_identities() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (stored_email, stored) = person("stored");
        cleanup.add(b.admin.create_identity(stored).send().unwrap().id);
        let (twin_email, twin) = person("twin");
        let (_, fresh) = person("fresh");
        let entries = vec![
            IdentityPatch::create(twin.clone()),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": twin_email}),
            )),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": stored_email}),
            )),
            IdentityPatch::create(fresh),
        ];
        let response = b
            .admin
            .batch_patch_identities(PatchIdentitiesBody::new(entries))
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        let actions: Vec<_> = response
            .identities
            .iter()
            .map(|e| e.as_ref().and_then(|e| e.action.clone()))
            .collect();
        for entry in response.identities.iter().flatten() {
            if let Some(id) = entry.identity {
                cleanup.add(id);
            }
        }
        assert_eq!(
            actions,
            [
                Some(IdentityPatchAction::Create),
                Some(IdentityPatchAction::Error),
                Some(IdentityPatchAction::Error),
                Some(IdentityPatchAction::Create),
            ],
            "{b:?}: {response:?}"
        );
        for entry in &response.identities[1..3] {
            let error = entry
                .as_ref()
                .and_then(|e| e.error.as_ref())
                .expect("an error");
            assert_eq!(error.code, Some(409), "{b:?}: {error:?}");
        }
    }
}

#[test]
fn a_patch_without_create_answers_null_beside_the_others() {
    // The document's identityPatchResponse is an object, not nullable; the
    // server answers `null` for an entry without `create` (KRATOS.md).
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (_, first) = person("beside-null-1");
        let (_, second) = person("beside-null-2");
        let mut empty = IdentityPatch::create(CreateIdentityBody::new("default", json!({})));
        empty.create = None;
        let response = b
            .admin
            .batch_patch_identities(PatchIdentitiesBody::new(vec![
                IdentityPatch::create(first),
                empty,
                IdentityPatch::create(second),
            ]))
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        for entry in response.identities.iter().flatten() {
            if let Some(id) = entry.identity {
                cleanup.add(id);
            }
        }
        let shape: Vec<_> = response
            .identities
            .iter()
            .map(|e| e.as_ref().and_then(|e| e.action.clone()))
            .collect();
        assert_eq!(
            shape,
            [
                Some(IdentityPatchAction::Create),
                None,
                Some(IdentityPatchAction::Create)
            ],
            "{b:?}: {response:?}"
        );
    }
}

#[test]
fn a_batch_with_one_valid_identity_fails_whole_on_a_conflict() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (stored_email, stored) = person("single");
        cleanup.add(b.admin.create_identity(stored).send().unwrap().id);
        // One valid identity (and one entry without `create`): Kratos does
        // not insert item by item, and the conflict fails the request.
        let err = b
            .admin
            .batch_patch_identities(PatchIdentitiesBody::new(vec![IdentityPatch::create(
                CreateIdentityBody::new("default", json!({"email": stored_email})),
            )]))
            .send()
            .unwrap_err();
        assert!(err.is_conflict(), "{b:?}: {err}");

        // The import gives that input its own outcome all the same.
        let (_, fresh) = person("single-fresh");
        let report = b
            .admin
            .import_identities([
                CreateIdentityBody::new("default", json!({"email": stored_email})),
                fresh,
            ])
            .chunk_size(1)
            .send();
        for (_, id) in &report.created_ids {
            cleanup.add(*id);
        }
        assert_eq!(report.created, 1, "{b:?}: {report}");
        assert_eq!(report.already_existed.len(), 1, "{b:?}: {report}");
        assert_eq!(report.already_existed[0].index, 0, "{b:?}");
        assert!(report.is_success(), "{b:?}: {report}");
    }
}

/// A hash of no format Kratos knows fails a whole batch on both versions
/// (sent raw here, as the client refuses to send it); the client refuses it
/// before sending, as that input's own outcome, and the other inputs of
/// the batch are created by the one request.
#[test]
fn one_unparsable_hash_fails_the_batch_and_the_import_isolates_it() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let bodies: Vec<CreateIdentityBody> = (0..6)
            .map(|n| {
                let (_, body) = person("unparsable");
                match n {
                    3 => body.hashed_password(UNPARSABLE),
                    _ => body.hashed_password(HASHES[0].1),
                }
            })
            .collect();
        let patches: Vec<serde_json::Value> =
            bodies.iter().map(|body| json!({"create": body})).collect();
        let (status, answer) = raw(
            b,
            "PATCH",
            "/admin/identities",
            Some(json!({ "identities": patches })),
        );
        assert_eq!(status, 400, "{b:?}: {answer}");
        assert!(
            answer
                .to_string()
                .contains("does not match any known hash format"),
            "{b:?}: {answer}"
        );
        let err = b
            .admin
            .batch_patch_identities(PatchIdentitiesBody::new(
                bodies.iter().cloned().map(IdentityPatch::create).collect(),
            ))
            .send()
            .unwrap_err();
        assert_eq!(
            err.invalid_input_kind(),
            Some(kratos_identity::InvalidInputKind::PasswordHash),
            "{b:?}: {err}"
        );

        let report = b.admin.import_identities(bodies).send();
        for (_, id) in &report.created_ids {
            cleanup.add(*id);
        }
        assert_eq!(report.created, 5, "{b:?}: {report}");
        assert_eq!(report.failures.len(), 1, "{b:?}: {report}");
        assert_eq!(report.failures[0].index, 3, "{b:?}");
        assert!(
            matches!(
                report.failures[0].error,
                ImportError::InvalidPasswordHash(_)
            ),
            "{b:?}: {report}"
        );
    }
}

/// Cost 16: v26.2.0 checks only the prefix and stores it (the hash works,
/// slowly), master refuses it (at most 15). The client asks the server's
/// version and refuses it before sending only to master.
#[test]
fn a_bcrypt_cost_beyond_the_bounds_is_refused_only_on_master() {
    let costly = "$2a$16$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO";
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (email, body) = person("cost");
        let raw_body = json!({"schema_id": "default", "traits": {"email": email},
            "credentials": {"password": {"config": {"hashed_password": costly}}}});
        let (status, answer) = raw(b, "POST", "/admin/identities", Some(raw_body));
        match b.line {
            Line::V26_2 => {
                assert_eq!(status, 201, "{b:?}: {answer}");
                if let Some(id) = answer["id"].as_str().and_then(|id| id.parse().ok()) {
                    cleanup.add(id);
                    b.admin.delete_identity(id).send().unwrap();
                }
            }
            Line::Master => assert_eq!(status, 400, "{b:?}: {answer}"),
        }
        let result = b.admin.create_identity(body.hashed_password(costly)).send();
        match (b.line, result) {
            (Line::V26_2, Ok(identity)) => {
                cleanup.add(identity.id);
            }
            (Line::Master, Err(e)) => assert_eq!(
                e.invalid_input_kind(),
                Some(kratos_identity::InvalidInputKind::PasswordHash),
                "{b:?}: {e}"
            ),
            (_, other) => panic!("{b:?}: {other:?}"),
        }
    }
}
