//! Changing one identity: PUT (what it clears and keeps) and JSON Patch
//! (what it may touch, and the operations it knows).

use kratos_identity::{
    CreateIdentityBody, Identity, IdentityClient, IdentityState, JsonPatch, OidcProvider,
    UpdateIdentityBody,
};
use serde_json::json;

use crate::backend::{Cleanup, backends, login, raw, run};

fn full_identity(client: &IdentityClient, cleanup: &Cleanup, password: &str) -> Identity {
    let body = CreateIdentityBody::new(
        "default",
        json!({"email": run().email("put"), "name": {"first": "Ada"}}),
    )
    .external_id(run().unique("ext"))
    .metadata_public(json!({"plan": "pro"}))
    .metadata_admin(json!({"risk": 1}))
    .password(password)
    .oidc_provider(OidcProvider::new("github", run().unique("sub")));
    let identity = client.create_identity(body).send().unwrap();
    cleanup.add(identity.id);
    identity
}

#[test]
fn put_replaces_traits_and_metadata_and_keeps_credentials() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let before = full_identity(client, &cleanup, "put-password-1");
        let email = before.traits["email"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let new_traits = json!({"email": email, "name": {"first": "Augusta"}});
        let after = client
            .update_identity(
                before.id,
                UpdateIdentityBody::new("default", IdentityState::Active, new_traits.clone()),
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(after.traits, new_traits, "{b:?}");
        // What the body leaves out is cleared...
        assert_eq!(after.metadata_public, None, "{b:?}");
        assert_eq!(after.metadata_admin, None, "{b:?}");
        assert_eq!(after.external_id, None, "{b:?}");
        // ...but omitted credentials are kept: the password still logs in.
        let read = client.get_identity(before.id).send().unwrap();
        let mut types: Vec<&String> = read.credentials.keys().collect();
        types.sort();
        assert!(
            types.contains(&&"password".to_string()) && types.contains(&&"oidc".to_string()),
            "{b:?}: {types:?}"
        );
        login(b, &email, "put-password-1").unwrap_or_else(|e| panic!("{b:?}: {e}"));

        // A password in the body replaces the old one.
        client
            .update_identity(
                before.id,
                UpdateIdentityBody::new("default", IdentityState::Active, json!({"email": email}))
                    .password("put-password-2"),
            )
            .send()
            .unwrap();
        assert!(
            login(b, &email, "put-password-1").is_err(),
            "{b:?}: the old password still works"
        );
        login(b, &email, "put-password-2").unwrap_or_else(|e| panic!("{b:?}: {e}"));

        // A deactivated identity cannot log in.
        client
            .update_identity(
                before.id,
                UpdateIdentityBody::new(
                    "default",
                    IdentityState::Inactive,
                    json!({"email": email}),
                ),
            )
            .send()
            .unwrap();
        assert!(
            login(b, &email, "put-password-2").is_err(),
            "{b:?}: an inactive identity logged in"
        );

        // Traits that fail the schema are a 400; a missing identity a 404.
        let err = client
            .update_identity(
                before.id,
                UpdateIdentityBody::new("default", IdentityState::Active, json!({"email": 42})),
            )
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
        let err = client
            .update_identity(
                crate::backend::fresh_id(),
                UpdateIdentityBody::new(
                    "default",
                    IdentityState::Active,
                    json!({"email": run().email("x")}),
                ),
            )
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
    }
}

#[test]
fn put_of_a_taken_identifier_is_a_conflict() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let one = full_identity(client, &cleanup, "conflict-pass-1");
        let two = full_identity(client, &cleanup, "conflict-pass-2");
        let err = client
            .update_identity(
                two.id,
                UpdateIdentityBody::new("default", IdentityState::Active, one.traits.clone()),
            )
            .send()
            .unwrap_err();
        assert!(err.is_conflict(), "{b:?}: {err}");
        let err = client
            .patch_identity(
                two.id,
                vec![JsonPatch::replace(
                    "/traits/email",
                    one.traits["email"].clone(),
                )],
            )
            .send()
            .unwrap_err();
        assert!(err.is_conflict(), "{b:?}: {err}");
    }
}

#[test]
fn json_patch_adds_replaces_and_removes() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let before = full_identity(client, &cleanup, "patch-pass-1");
        let after = client
            .patch_identity(
                before.id,
                vec![
                    JsonPatch::replace("/traits/name/first", "Augusta"),
                    JsonPatch::add("/metadata_public/tier", "gold"),
                    JsonPatch::remove("/metadata_admin"),
                    JsonPatch::replace("/state", "inactive"),
                    // `replace` of a path that does not exist acts as `add`.
                    JsonPatch::replace("/traits/name/last", "King"),
                ],
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(
            after.traits["name"],
            json!({"first": "Augusta", "last": "King"}),
            "{b:?}"
        );
        assert_eq!(
            after.metadata_public,
            Some(json!({"plan": "pro", "tier": "gold"})),
            "{b:?}"
        );
        assert_eq!(after.metadata_admin, None, "{b:?}");
        assert_eq!(after.state, Some(IdentityState::Inactive), "{b:?}");
        assert_eq!(
            after.external_id, before.external_id,
            "{b:?}: patch keeps what it does not touch"
        );

        for path in ["/id", "/credentials"] {
            let err = client
                .patch_identity(before.id, vec![JsonPatch::replace(path, json!("x"))])
                .send()
                .unwrap_err();
            assert_eq!(err.status(), Some(400), "{b:?}: patching {path}: {err}");
        }
        // A patch whose result fails the schema is a 400 and changes nothing.
        let err = client
            .patch_identity(before.id, vec![JsonPatch::remove("/traits/email")])
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
        let unchanged = client.get_identity(before.id).send().unwrap();
        assert_eq!(unchanged.traits["email"], before.traits["email"], "{b:?}");
    }
}

#[test]
fn json_patch_knows_only_add_remove_and_replace() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let identity = full_identity(client, &cleanup, "ops-pass-1");
        // The client offers no other operation; the server refuses them too.
        for op in [
            json!({"op": "test", "path": "/state", "value": "active"}),
            json!({"op": "move", "from": "/metadata_public/plan", "path": "/metadata_public/tier"}),
            json!({"op": "copy", "from": "/metadata_public/plan", "path": "/metadata_public/tier"}),
        ] {
            let (status, body) = raw(
                b,
                "PATCH",
                &format!("/admin/identities/{}", identity.id),
                Some(json!([op])),
            );
            assert_eq!(status, 400, "{b:?}: {op}: {body}");
            let text = body.to_string();
            assert!(
                text.contains("unsupported operation"),
                "{b:?}: {op}: {text}"
            );
        }
        let unchanged = client.get_identity(identity.id).send().unwrap();
        assert_eq!(
            unchanged.metadata_public,
            Some(json!({"plan": "pro"})),
            "{b:?}"
        );
    }
}

#[test]
fn json_patch_deny_list_differs_by_version() {
    for b in backends() {
        let client = &b.admin;
        let cleanup = Cleanup::new(client);
        let identity = full_identity(client, &cleanup, "deny-pass-1");
        // Both versions list `/stateChangedAt`, which names no field: the
        // real `/state_changed_at` is patchable everywhere.
        let state_changed = client
            .patch_identity(
                identity.id,
                vec![JsonPatch::replace(
                    "/state_changed_at",
                    "2020-01-01T00:00:00Z",
                )],
            )
            .send();
        assert!(state_changed.is_ok(), "{b:?}: {state_changed:?}");
        // `/credentials/oidc` itself: master denies it (400); v26.2.0's list
        // denies only what is below it, and the credential left without its
        // type then fails in the persister (500, "a bug in the code").
        let oidc = client
            .patch_identity(
                identity.id,
                vec![JsonPatch::replace("/credentials/oidc", json!({}))],
            )
            .send()
            .unwrap_err();
        match b.line {
            crate::backend::Line::Master => {
                assert_eq!(oidc.status(), Some(400), "{b:?}: {oidc}");
                assert!(oidc.to_string().contains("denied path"), "{b:?}: {oidc}");
            }
            crate::backend::Line::V26_2 => {
                assert_eq!(oidc.status(), Some(500), "{b:?}: {oidc}");
                assert!(
                    oidc.to_string().contains("credentials_type"),
                    "{b:?}: {oidc}"
                );
            }
        }
        // What is below it is denied on both.
        let below = client
            .patch_identity(
                identity.id,
                vec![JsonPatch::replace("/credentials/oidc/config", json!({}))],
            )
            .send()
            .unwrap_err();
        assert_eq!(below.status(), Some(400), "{b:?}: {below}");
        // The OIDC link survived all of it.
        let after = client
            .get_identity(identity.id)
            .include_credential(["oidc"])
            .send()
            .unwrap();
        assert_eq!(
            after.credentials["oidc"].identifiers, identity.credentials["oidc"].identifiers,
            "{b:?}"
        );
    }
}
