//! Identities one by one: create, get, get by external id, list with every
//! filter, delete, delete credentials, and the errors of each.

use kratos_identity::uuid::Uuid;
use kratos_identity::{
    CreateIdentityBody, CredentialType, IdentityState, OidcProvider, SamlProvider,
};
use serde_json::json;

use crate::backend::{Cleanup, backends, run};

#[test]
fn create_get_and_delete_one_identity() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let email = run().email("ada");
        let external_id = run().unique("crm");
        let created = client
            .create_identity(
                CreateIdentityBody::new(
                    "default",
                    json!({"email": email, "name": {"first": "Ada"}}),
                )
                .external_id(&external_id)
                .metadata_public(json!({"plan": "pro"}))
                .metadata_admin(json!({"note": "live suite"}))
                .state(IdentityState::Inactive)
                .password("correct horse battery staple"),
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        cleanup.add(created.id);
        assert_eq!(created.schema_id, "default", "{b:?}");
        assert_eq!(created.traits["email"], email.as_str(), "{b:?}");
        assert_eq!(created.state, Some(IdentityState::Inactive), "{b:?}");
        assert_eq!(
            created.external_id.as_deref(),
            Some(external_id.as_str()),
            "{b:?}"
        );
        assert_eq!(
            created.metadata_public,
            Some(json!({"plan": "pro"})),
            "{b:?}"
        );
        assert_eq!(
            created.metadata_admin,
            Some(json!({"note": "live suite"})),
            "{b:?}"
        );
        // The schema makes the email the verification and recovery address.
        assert_eq!(created.verifiable_addresses.len(), 1, "{b:?}");
        assert_eq!(created.verifiable_addresses[0].value, email, "{b:?}");
        assert!(!created.verifiable_addresses[0].verified, "{b:?}");
        assert_eq!(created.recovery_addresses.len(), 1, "{b:?}");
        assert!(
            created.schema_url.ends_with("/schemas/ZGVmYXVsdA"),
            "{b:?}: {}",
            created.schema_url
        );
        assert!(
            created.created_at.is_some() && created.state_changed_at.is_some(),
            "{b:?}"
        );

        // Read back: credentials listed, their config only when asked for.
        let got = client.get_identity(created.id).send().unwrap();
        assert_eq!(got.traits, created.traits, "{b:?}");
        let password = got
            .credential(&CredentialType::Password)
            .expect("a password credential");
        assert_eq!(password.identifiers, std::slice::from_ref(&email), "{b:?}");
        assert_eq!(
            password.config, None,
            "{b:?}: config without include_credential"
        );
        let with = client
            .get_identity(created.id)
            .include_credential([CredentialType::Password])
            .send()
            .unwrap();
        let config = with.credentials["password"]
            .config
            .clone()
            .unwrap_or_default();
        assert!(
            config["hashed_password"]
                .as_str()
                .is_some_and(|h| h.starts_with("$2a$")),
            "{b:?}: {config}"
        );

        let by_external = client
            .get_identity_by_external_id(&external_id)
            .send()
            .unwrap();
        assert_eq!(by_external.id, created.id, "{b:?}");

        client.delete_identity(created.id).send().unwrap();
        let err = client.get_identity(created.id).send().unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        assert_eq!(
            err.kratos_error().map(|e| e.message.as_str()),
            Some("Unable to locate the resource"),
            "{b:?}: {err}"
        );
        // A second delete is a 404, and "make sure it is gone" is fine with it.
        let again = client.delete_identity(created.id).send().unwrap_err();
        assert!(again.is_not_found(), "{b:?}: {again}");
        client
            .delete_identity(created.id)
            .missing_ok(true)
            .send()
            .unwrap();
        let err = client
            .get_identity_by_external_id(&external_id)
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
    }
}

#[test]
fn create_refuses_duplicates_and_invalid_bodies() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let email = run().email("dup");
        let external_id = run().unique("ext");
        let first = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": email}))
                    .external_id(&external_id),
            )
            .send()
            .unwrap();
        cleanup.add(first.id);

        let same_email = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": email}))
                    .password("a-fine-password"),
            )
            .send()
            .unwrap_err();
        assert!(same_email.is_conflict(), "{b:?}: {same_email}");
        let same_external = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": run().email("other")}))
                    .external_id(&external_id),
            )
            .send()
            .unwrap_err();
        assert!(same_external.is_conflict(), "{b:?}: {same_external}");

        let bad_email = client
            .create_identity(CreateIdentityBody::new(
                "default",
                json!({"email": "not-an-email"}),
            ))
            .send()
            .unwrap_err();
        assert_eq!(bad_email.status(), Some(400), "{b:?}: {bad_email}");
        let missing_trait = client
            .create_identity(CreateIdentityBody::new(
                "default",
                json!({"name": {"first": "X"}}),
            ))
            .send()
            .unwrap_err();
        assert_eq!(missing_trait.status(), Some(400), "{b:?}: {missing_trait}");
        let unknown_schema = client
            .create_identity(CreateIdentityBody::new(
                "no-such-schema",
                json!({"email": run().email("x")}),
            ))
            .send()
            .unwrap_err();
        assert_eq!(
            unknown_schema.status(),
            Some(400),
            "{b:?}: {unknown_schema}"
        );

        // An empty schema id means the default schema.
        let defaulted = client
            .create_identity(CreateIdentityBody::new(
                "",
                json!({"email": run().email("empty-schema")}),
            ))
            .send()
            .unwrap();
        cleanup.add(defaulted.id);
        assert_eq!(defaulted.schema_id, "default", "{b:?}");

        // Ids that name nothing.
        let unknown = client
            .get_identity(crate::backend::fresh_id())
            .send()
            .unwrap_err();
        assert!(unknown.is_not_found(), "{b:?}: {unknown}");
        assert_eq!(
            unknown.kratos_error().and_then(|e| e.reason.as_deref()),
            None,
            "{b:?}: {unknown}"
        );
        let not_uuid = client.get_identity("not-a-uuid").send().unwrap_err();
        assert!(not_uuid.is_not_found(), "{b:?}: {not_uuid}");
        let unknown_external = client
            .get_identity_by_external_id(run().unique("none"))
            .send()
            .unwrap_err();
        assert!(unknown_external.is_not_found(), "{b:?}: {unknown_external}");
    }
}

#[test]
fn list_filters_find_exactly_what_they_name() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let emails: Vec<String> = (0..3).map(|_| run().email("filter")).collect();
        let ids: Vec<Uuid> = emails
            .iter()
            .map(|email| {
                let body = CreateIdentityBody::new("default", json!({"email": email}))
                    .password("filter-password-1");
                cleanup.add(client.create_identity(body).send().unwrap().id)
            })
            .collect();

        let page = client
            .list_identities()
            .ids([ids[0], ids[2]])
            .send()
            .unwrap();
        let mut found: Vec<Uuid> = page.iter().map(|i| i.id).collect();
        found.sort();
        let mut want = vec![ids[0], ids[2]];
        want.sort();
        assert_eq!(found, want, "{b:?}");
        // No credentials in a list without include_credential.
        assert!(page.iter().all(|i| i.credentials.is_empty()), "{b:?}");

        // credentials_identifier: exactly one, its credentials without config.
        let page = client
            .list_identities()
            .credentials_identifier(&emails[1])
            .send()
            .unwrap();
        assert_eq!(
            page.iter().map(|i| i.id).collect::<Vec<_>>(),
            [ids[1]],
            "{b:?}"
        );
        let password = &page.as_slice()[0].credentials["password"];
        assert_eq!(
            password.config, None,
            "{b:?}: credentials_identifier shows no config"
        );
        // Identifiers match lower-cased.
        let page = client
            .list_identities()
            .credentials_identifier(emails[1].to_uppercase())
            .send()
            .unwrap();
        assert_eq!(
            page.len(),
            1,
            "{b:?}: the identifier is matched lower-cased"
        );
        let page = client
            .list_identities()
            .credentials_identifier(&emails[1])
            .include_credential(["password"])
            .send()
            .unwrap();
        let config = page.as_slice()[0].credentials["password"]
            .config
            .clone()
            .unwrap_or_default();
        assert!(config["hashed_password"].is_string(), "{b:?}: {config}");

        // include_credential on the whole list, and the consistency parameter.
        let page = client
            .list_identities()
            .ids(ids.clone())
            .include_credential(["password", "oidc"])
            .consistency("eventual")
            .send()
            .unwrap();
        assert_eq!(page.len(), 3, "{b:?}");
        assert!(
            page.iter()
                .all(|i| i.credentials["password"].config.is_some()),
            "{b:?}"
        );

        // Two filters at once are a 400.
        let err = client
            .list_identities()
            .ids([ids[0]])
            .credentials_identifier(&emails[0])
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
        // An organization nobody is in: an empty page.
        let page = client
            .list_identities()
            .organization_id(crate::backend::fresh_id())
            .send()
            .unwrap();
        assert!(page.is_empty(), "{b:?}");
        // A bad include_credential is a 400.
        let err = client
            .list_identities()
            .include_credential(["no-such-type"])
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
    }
}

#[test]
fn similar_identifiers_are_a_preview() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let email = run().email("similar");
        cleanup.add(
            client
                .create_identity(
                    CreateIdentityBody::new("default", json!({"email": email}))
                        .password("similar-pass-1"),
                )
                .send()
                .unwrap()
                .id,
        );
        // Whatever the database can do with it, the filter is accepted and
        // never lists an identity that is not similar.
        match client
            .list_identities()
            .preview_credentials_identifier_similar(&email)
            .send()
        {
            Ok(page) => assert!(
                page.iter().all(|i| i.traits["email"]
                    .as_str()
                    .is_some_and(|e| run().owns(e) || e.contains("similar"))),
                "{b:?}"
            ),
            Err(e) => assert_eq!(e.status(), Some(400), "{b:?}: {e}"),
        }
    }
}

#[test]
fn organization_filter_lists_its_members() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let org = crate::backend::fresh_id();
        let member = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": run().email("org")}))
                    .organization_id(org),
            )
            .send()
            .unwrap();
        cleanup.add(member.id);
        assert_eq!(member.organization_id, Some(org), "{b:?}");
        let page = client
            .list_identities()
            .organization_id(org)
            .send()
            .unwrap();
        assert_eq!(
            page.iter().map(|i| i.id).collect::<Vec<_>>(),
            [member.id],
            "{b:?}"
        );
    }
}

#[test]
fn delete_credentials_by_type_and_identifier() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let subject = run().unique("sub");
        let created = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": run().email("creds")}))
                    .password("creds-password-1")
                    .oidc_provider(OidcProvider::new("github", &subject))
                    .oidc_provider(OidcProvider::new("google", &subject)),
            )
            .send()
            .unwrap();
        cleanup.add(created.id);
        let oidc = &created.credentials["oidc"];
        let mut identifiers = oidc.identifiers.clone();
        identifiers.sort();
        assert_eq!(
            identifiers,
            [format!("github:{subject}"), format!("google:{subject}")],
            "{b:?}"
        );

        client
            .delete_identity_credentials(created.id, "oidc")
            .identifier(format!("github:{subject}"))
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        let after = client
            .get_identity(created.id)
            .include_credential(["oidc"])
            .send()
            .unwrap();
        assert_eq!(
            after.credentials["oidc"].identifiers,
            [format!("google:{subject}")],
            "{b:?}"
        );
        // Removing the last link keeps the credential, with no identifiers.
        client
            .delete_identity_credentials(created.id, "oidc")
            .identifier(format!("google:{subject}"))
            .send()
            .unwrap();
        let after = client
            .get_identity(created.id)
            .include_credential(["oidc"])
            .send()
            .unwrap();
        if let Some(oidc) = after.credentials.get("oidc") {
            assert!(oidc.identifiers.is_empty(), "{b:?}: {:?}", oidc.identifiers);
        }

        // A type the identity does not have, and one that does not exist.
        let err = client
            .delete_identity_credentials(created.id, "totp")
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        let err = client
            .delete_identity_credentials(created.id, "no-such-type")
            .send()
            .unwrap_err();
        assert!(
            err.is_not_found() || err.status() == Some(400),
            "{b:?}: {err}"
        );

        // SAML links are deleted by identifier too.
        let saml = client
            .create_identity(
                CreateIdentityBody::new("default", json!({"email": run().email("saml")}))
                    .credentials(kratos_identity::IdentityWithCredentials::saml([
                        SamlProvider::new("okta", &subject),
                    ]))
                    .password("saml-password-1"),
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        cleanup.add(saml.id);
        assert_eq!(
            saml.credentials["saml"].identifiers,
            [format!("okta:{subject}")],
            "{b:?}"
        );
    }
}
