//! Session operations against a mock server: the exact request each one
//! sends and how real session data (nulls, empty assurance levels, legacy
//! method names, expanded identities) decodes.

mod common;

use common::{
    IDENTITY_ID, SESSION_ID, catch_all, client, default_headers, fixtures, json,
    json_request_headers, no_body, query_exactly, ts, uuid,
};
use httpmock::prelude::*;
use kratos_identity::{
    AuthenticatorAssuranceLevel, CredentialType, Error, IdentityState, ManageSessionsAction,
    ManageSessionsBody,
};
use serde_json::json;

const OTHER_SESSION_ID: &str = "0e2d5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
/// A session page token as Kratos sends it: base64 with padding, which the
/// `Link` header carries percent-encoded.
const SESSION_TOKEN: &str = "eyJvZmZzZXQiOiIyNTAiLCJ2IjoyfQ==";

// ---------------------------------------------------------------- list

#[test]
fn list_sessions_sends_every_parameter() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(GET).path("/admin/sessions")))
            .query_param_count("^expand$", ".*", 2);
        query_exactly(
            when,
            &[
                ("page_size", "1000"),
                ("page_token", SESSION_TOKEN),
                ("active", "true"),
                ("expand", "identity"),
                ("expand", "devices"),
            ],
        );
        json(then, 200, fixtures::SESSION_LIST_EXPANDED);
    });

    let page = client(&server)
        .list_sessions()
        .page_size(1000)
        .page_token(SESSION_TOKEN)
        .active(true)
        .expand(["identity", "devices"])
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.len(), 1);
}

#[test]
fn list_sessions_without_setters_decodes_the_quirks_of_real_data() {
    let server = MockServer::start();
    let next = format!(
        "</admin/sessions?page_size=250&page_token={}>; rel=\"next\"",
        SESSION_TOKEN.replace('=', "%3D")
    );
    let mock = server.mock(|when, then| {
        query_exactly(
            default_headers(when.method(GET).path("/admin/sessions")),
            &[],
        );
        json(then, 200, fixtures::SESSION_LIST).header("link", &next);
    });

    let page = client(&server).list_sessions().send().unwrap();

    mock.assert();
    assert_eq!(page.next_page_token(), Some(SESSION_TOKEN));
    assert!(page.has_next());
    let sessions = page.into_items();
    assert_eq!(sessions.len(), 2);

    let current = &sessions[0];
    assert_eq!(current.id, uuid(SESSION_ID));
    assert_eq!(current.active, Some(true));
    assert!(current.devices.is_empty(), "devices: null decodes as empty");
    assert!(current.identity.is_none(), "identity: null decodes as None");
    assert_eq!(
        current.authenticator_assurance_level,
        Some(AuthenticatorAssuranceLevel::Aal1)
    );
    assert_eq!(
        current.expires_at,
        Some(ts("2026-11-24T14:02:11.381925+01:00"))
    );
    assert_eq!(
        current.authentication_methods[0].method,
        Some(CredentialType::Password)
    );
    assert_eq!(
        current.authentication_methods[0].completed_at,
        Some(ts("2026-11-23T14:02:11.3818755+01:00"))
    );

    let legacy = &sessions[1];
    assert_eq!(legacy.id, uuid(OTHER_SESSION_ID));
    assert_eq!(legacy.active, Some(false));
    assert_eq!(
        legacy.authenticator_assurance_level,
        Some(AuthenticatorAssuranceLevel::from(""))
    );
    let method = &legacy.authentication_methods[0];
    assert_eq!(
        method.method,
        Some(CredentialType::from("v0.6_legacy_session"))
    );
    assert_eq!(method.aal, Some(AuthenticatorAssuranceLevel::from("")));
    assert_eq!(method.completed_at, Some(ts("0001-01-01T00:00:00Z")));
    assert_eq!(legacy.authenticated_at, Some(ts("0001-01-01T00:00:00Z")));
}

#[test]
fn list_sessions_with_expand_identity_decodes_the_identity() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        query_exactly(
            default_headers(when.method(GET).path("/admin/sessions")),
            &[("expand", "identity")],
        );
        json(then, 200, fixtures::SESSION_LIST_EXPANDED);
    });

    let page = client(&server)
        .list_sessions()
        .expand(["identity"])
        .send()
        .unwrap();

    mock.assert();
    let session = &page.as_slice()[0];
    assert_eq!(
        session.authenticator_assurance_level,
        Some(AuthenticatorAssuranceLevel::Aal2)
    );
    let oidc = &session.authentication_methods[0];
    assert_eq!(oidc.method, Some(CredentialType::Oidc));
    assert_eq!(oidc.provider.as_deref(), Some("google"));
    assert_eq!(oidc.upstream_amr, ["pwd", "otp"]);
    assert!(
        oidc.upstream_acr
            .as_deref()
            .unwrap()
            .contains("multi-factor")
    );
    assert_eq!(
        session.authentication_methods[1].aal,
        Some(AuthenticatorAssuranceLevel::Aal2)
    );
    assert!(session.devices.is_empty());

    let identity = session.identity.as_ref().unwrap();
    assert_eq!(identity.id, uuid(IDENTITY_ID));
    assert_eq!(identity.state, Some(IdentityState::Active));
    assert_eq!(identity.traits["email"], "ada@example.com");
    assert_eq!(identity.metadata_public, None);
    assert_eq!(
        identity.state_changed_at,
        Some(ts("2024-03-01T10:15:42.098765432+02:00"))
    );
}

#[test]
fn list_sessions_refuses_a_zero_page_size_without_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);

    let result = client(&server).list_sessions().page_size(0).send();

    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );
    any.assert_calls(0);
}

#[test]
fn list_identity_sessions_sends_every_parameter() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}/sessions");
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(GET).path(&path)));
        query_exactly(
            when,
            &[
                ("page_size", "1"),
                ("page_token", "1"),
                ("page", "1"),
                ("per_page", "1"),
                ("active", "false"),
            ],
        );
        json(then, 200, fixtures::SESSION_LIST)
            .header("x-total-count", "2")
            .header(
                "link",
                format!(
                    "</admin/identities/{IDENTITY_ID}/sessions?page=0&page_size=1&page_token=0&per_page=1>; rel=\"first\",\
                     </admin/identities/{IDENTITY_ID}/sessions?page=2&page_size=1&page_token=2&per_page=1>; rel=\"next\",\
                     </admin/identities/{IDENTITY_ID}/sessions?page=0&page_size=1&page_token=0&per_page=1>; rel=\"prev\",\
                     </admin/identities/{IDENTITY_ID}/sessions?page=1&page_size=1&page_token=1&per_page=1>; rel=\"last\""
                ),
            );
    });

    let page = client(&server)
        .list_identity_sessions(uuid(IDENTITY_ID))
        .page_size(1)
        .page_token("1")
        .page(1)
        .per_page(1)
        .active(false)
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.total_count(), Some(2));
    // The next page is computed, not taken from the Link header (which is
    // off by one for this list): the token "1" is not one of Kratos's, so
    // Kratos read offset 0, the first window; the second is page 2, whose
    // token is {"offset":"2","v":2}.
    assert_eq!(page.next_page_token(), Some("eyJvZmZzZXQiOiIyIiwidiI6Mn0"));
    assert_eq!(page.as_slice()[1].active, Some(false));
}

#[test]
fn list_identity_sessions_without_setters_and_an_empty_answer() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}/sessions");
    let mock = server.mock(|when, then| {
        query_exactly(default_headers(when.method(GET).path(&path)), &[]);
        // The offset scheme announces a next page even when empty.
        json(then, 200, "[]").header("x-total-count", "0").header(
            "link",
            format!(
                "</admin/identities/{IDENTITY_ID}/sessions?page=1&page_size=250&page_token=1&per_page=250>; rel=\"next\""
            ),
        );
    });

    let page = client(&server)
        .list_identity_sessions(IDENTITY_ID)
        .send()
        .unwrap();

    mock.assert();
    assert!(page.is_empty());
    assert!(
        !page.has_next(),
        "an empty page of an identity's sessions is the last, whatever its Link says"
    );
    assert_eq!(page.total_count(), Some(0));
}

// ---------------------------------------------------------------- one session

#[test]
fn get_session_with_expand_decodes_devices_and_identity() {
    let server = MockServer::start();
    let path = format!("/admin/sessions/{SESSION_ID}");
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(GET).path(&path)));
        query_exactly(when, &[("expand", "identity"), ("expand", "devices")]);
        json(then, 200, fixtures::SESSION_EXPANDED);
    });

    let session = client(&server)
        .get_session(uuid(SESSION_ID))
        .expand(["identity", "devices"])
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(session.id, uuid(SESSION_ID));
    assert_eq!(session.devices.len(), 2);
    let device = &session.devices[0];
    assert_eq!(device.id, uuid("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"));
    assert_eq!(device.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(device.location.as_deref(), Some("Berlin, DE"));
    assert!(
        device
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    assert_eq!(
        session.devices[1].ip_address.as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(
        session.authentication_methods[0].method,
        Some(CredentialType::Code)
    );
    let identity = session.identity.as_ref().unwrap();
    assert_eq!(identity.metadata_public, Some(json!({"theme": "dark"})));
    assert_eq!(identity.verifiable_addresses[0].verified_at, None);
    assert_eq!(identity.verifiable_addresses[0].status, "pending");
    assert!(session.tokenized.is_none());
}

#[test]
fn get_session_without_expand_sends_no_query() {
    let server = MockServer::start();
    let path = format!("/admin/sessions/{SESSION_ID}");
    let mock = server.mock(|when, then| {
        query_exactly(default_headers(when.method(GET).path(&path)), &[]);
        json(
            then,
            200,
            &format!(r#"{{"id":"{SESSION_ID}","active":true,"devices":null,"identity":null,"authenticator_assurance_level":"aal1"}}"#),
        );
    });

    let session = client(&server).get_session(SESSION_ID).send().unwrap();

    mock.assert();
    assert_eq!(session.active, Some(true));
    assert!(session.identity.is_none());
}

#[test]
fn disable_session_deletes_it() {
    let server = MockServer::start();
    let path = format!("/admin/sessions/{SESSION_ID}");
    let mock = server.mock(|when, then| {
        query_exactly(
            no_body(default_headers(when.method(DELETE).path(&path))),
            &[],
        );
        then.status(204);
    });

    // `Deleted`, no longer `()`: a 204 proves the session existed.
    let found = client(&server).disable_session(SESSION_ID).send().unwrap();
    assert_eq!(found, kratos_identity::Deleted::Deleted);

    mock.assert();
}

#[test]
fn extend_session_with_a_body_is_some() {
    let server = MockServer::start();
    let path = format!("/admin/sessions/{SESSION_ID}/extend");
    let mock = server.mock(|when, then| {
        query_exactly(
            no_body(default_headers(when.method(PATCH).path(&path)))
                // An empty body is said with a length, not an empty chunked body.
                .header("content-length", "0")
                .header_missing("transfer-encoding"),
            &[],
        );
        json(then, 200, fixtures::SESSION_EXPANDED);
    });

    let session = client(&server)
        .extend_session(uuid(SESSION_ID))
        .send()
        .unwrap()
        .expect("a 200 carries the session");

    mock.assert();
    assert_eq!(session.id, uuid(SESSION_ID));
    assert_eq!(
        session.expires_at,
        Some(ts("2026-11-24T14:02:11.381925+01:00"))
    );
}

#[test]
fn extend_session_with_204_is_none() {
    let server = MockServer::start();
    let path = format!("/admin/sessions/{SESSION_ID}/extend");
    let mock = server.mock(|when, then| {
        default_headers(when.method(PATCH).path(&path));
        then.status(204);
    });

    let response = client(&server)
        .extend_session(SESSION_ID)
        .send_with_info()
        .unwrap();

    mock.assert();
    assert_eq!(response.status(), 204);
    assert!(response.body().is_none());
}

#[test]
fn delete_identity_sessions() {
    let server = MockServer::start();
    let path = format!("/admin/identities/{IDENTITY_ID}/sessions");
    let mock = server.mock(|when, then| {
        query_exactly(
            no_body(default_headers(when.method(DELETE).path(&path))),
            &[],
        );
        then.status(204);
    });

    client(&server)
        .delete_identity_sessions(uuid(IDENTITY_ID))
        .send()
        .unwrap();

    mock.assert();
}

// ---------------------------------------------------------------- bulk

#[test]
fn manage_sessions_for_identities() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/sessions")).json_body(
            json!({"action": "disable", "identities": [IDENTITY_ID, "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41"]}),
        );
        query_exactly(when, &[]);
        json(then, 200, r#"{"more":false,"processed":3}"#);
    });

    let outcome = client(&server)
        .manage_sessions(ManageSessionsBody::for_identities(
            ManageSessionsAction::Disable,
            [
                uuid(IDENTITY_ID),
                uuid("3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41"),
            ],
        ))
        .send()
        .unwrap();

    mock.assert();
    assert!(!outcome.more);
    assert_eq!(outcome.processed, 3);
}

#[test]
fn manage_sessions_for_sessions() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        json_request_headers(when.method(POST).path("/admin/sessions"))
            .json_body(json!({"action": "delete", "sessions": [SESSION_ID, OTHER_SESSION_ID]}));
        json(then, 200, r#"{"more":false,"processed":2}"#);
    });

    let outcome = client(&server)
        .manage_sessions(ManageSessionsBody::for_sessions(
            ManageSessionsAction::Delete,
            [SESSION_ID, OTHER_SESSION_ID],
        ))
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(outcome.processed, 2);
}

#[test]
fn manage_all_sessions_reports_more() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        json_request_headers(when.method(POST).path("/admin/sessions"))
            .json_body(json!({"action": "delete", "identities": ["*"]}));
        json(then, 200, r#"{"more":true,"processed":1000}"#);
    });

    let outcome = client(&server)
        .manage_sessions(ManageSessionsBody::all_sessions(
            ManageSessionsAction::Delete,
        ))
        .send()
        .unwrap();

    mock.assert();
    assert!(outcome.more);
    assert_eq!(outcome.processed, 1000);
}

// ---------------------------------------------------------------- ids

#[test]
fn session_ids_are_one_encoded_path_segment() {
    let server = MockServer::start();
    let get = server.mock(|when, then| {
        when.method(GET).path("/admin/sessions/..%2Fidentities");
        then.status(400);
    });
    let extend = server.mock(|when, then| {
        when.method(PATCH).path("/admin/sessions/a%2Fb%3Fc/extend");
        then.status(404);
    });
    let any = catch_all(&server);
    let client = client(&server);

    assert_eq!(
        client
            .get_session("../identities")
            .send()
            .unwrap_err()
            .status(),
        Some(400)
    );
    assert!(
        client
            .extend_session("a/b?c")
            .send()
            .unwrap_err()
            .is_not_found()
    );

    get.assert();
    extend.assert();
    any.assert_calls(0);
}

#[test]
fn session_operations_refuse_an_empty_id_without_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);

    let failures = [
        client.get_session("").send().map(|_| ()),
        client.disable_session("").send().map(|_| ()),
        client.extend_session("").send().map(|_| ()),
        client.delete_identity_sessions("").send().map(|_| ()),
        client.list_identity_sessions("").send().map(|_| ()),
    ];
    for result in failures {
        assert!(
            matches!(result, Err(Error::InvalidInput { .. })),
            "{result:?}"
        );
    }
    any.assert_calls(0);
}

// ---------------------------------------------------------------- revoking what may not exist

/// Kratos answers `DELETE /admin/identities/{id}/sessions` with 404 when the
/// identity has no sessions: "log this user out everywhere" must not fail
/// for a user who is not logged in.
#[test]
fn revoking_the_sessions_of_a_user_who_has_none() {
    let server = MockServer::start();
    let none = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/admin/identities/{IDENTITY_ID}/sessions"));
        json(
            then,
            404,
            r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#,
        );
    });
    let client = client(&server);

    let err = client
        .delete_identity_sessions(IDENTITY_ID)
        .send()
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.to_string().starts_with(
            "delete_identity_sessions (DELETE /admin/identities/{id}/sessions): HTTP 404"
        ),
        "{err}"
    );
    client
        .delete_identity_sessions(IDENTITY_ID)
        .missing_ok(true)
        .send()
        .unwrap();
    none.assert_calls(2);
}

#[test]
fn disabling_a_session_that_is_gone_with_missing_ok() {
    let server = MockServer::start();
    let gone = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/admin/sessions/{SESSION_ID}"));
        json(then, 404, fixtures::ERROR_404_IDENTITY);
    });
    let client = client(&server);
    assert!(
        client
            .disable_session(SESSION_ID)
            .send()
            .unwrap_err()
            .is_not_found()
    );
    client
        .disable_session(SESSION_ID)
        .missing_ok(true)
        .send()
        .unwrap();
    gone.assert_calls(2);
    // Other failures stay failures.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        json(then, 400, fixtures::ERROR_400_SCHEMA);
    });
    let err = common::client(&server)
        .disable_session(SESSION_ID)
        .missing_ok(true)
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[test]
fn manage_sessions_refuses_more_ids_than_kratos_takes() {
    let server = MockServer::start();
    let mut any = catch_all(&server);
    let client = client(&server);
    let ids: Vec<String> = (0..501)
        .map(|i| format!("5b4b1c73-8e0d-4c6b-a8ad-{i:012}"))
        .collect();
    for body in [
        ManageSessionsBody::for_identities(ManageSessionsAction::Disable, &ids),
        ManageSessionsBody::for_sessions(ManageSessionsAction::Delete, &ids),
        ManageSessionsBody::for_sessions(ManageSessionsAction::Delete, Vec::<String>::new()),
    ] {
        let result = client.manage_sessions(body).send();
        assert!(
            matches!(result, Err(Error::InvalidInput { .. })),
            "{result:?}"
        );
    }
    any.assert_calls(0);
    any.delete();
    let ok = server.mock(|when, then| {
        when.method(POST).path("/admin/sessions");
        json(then, 200, r#"{"more":false,"processed":500}"#);
    });
    for chunk in ids.chunks(kratos_identity::MANAGE_SESSIONS_MAX_IDS) {
        client
            .manage_sessions(ManageSessionsBody::for_identities(
                ManageSessionsAction::Disable,
                chunk,
            ))
            .send()
            .unwrap();
    }
    ok.assert_calls(2);
}
