//! Real sessions, made by logging in through the public API: get with
//! `expand`, extend, disable, delete an identity's sessions, and
//! `manage_sessions` where the server has it.

use kratos_identity::uuid::Uuid;
use kratos_identity::{
    CreateIdentityBody, ManageSessionsAction, ManageSessionsBody, Operation, SessionExpand,
};
use serde_json::json;

use crate::backend::{Backend, Cleanup, Line, backends, login, run};

/// An identity with a password, and `n` sessions of it.
fn logged_in(b: &Backend, cleanup: &Cleanup, n: usize) -> (Uuid, Vec<Uuid>) {
    let email = run().email("session");
    let body =
        CreateIdentityBody::new("default", json!({"email": email})).password("session-password-1");
    let id = cleanup.add(b.admin.create_identity(body).send().unwrap().id);
    let sessions = (0..n)
        .map(|_| {
            let login =
                login(b, &email, "session-password-1").unwrap_or_else(|e| panic!("{b:?}: {e}"));
            assert!(
                login.session_token.starts_with("ory_st_"),
                "{b:?}: {login:?}"
            );
            login.session_id
        })
        .collect();
    (id, sessions)
}

#[test]
fn get_extend_and_disable_a_session() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (id, sessions) = logged_in(b, &cleanup, 1);
        let session = b
            .admin
            .get_session(sessions[0])
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(session.id, sessions[0], "{b:?}");
        assert_eq!(session.active, Some(true), "{b:?}");
        assert!(session.identity.is_none(), "{b:?}: identity without expand");
        assert_eq!(
            session.authentication_methods[0]
                .method
                .as_ref()
                .map(|m| m.as_str()),
            Some("password"),
            "{b:?}"
        );
        let expanded = b
            .admin
            .get_session(sessions[0])
            .expand([SessionExpand::Identity, SessionExpand::Devices])
            .send()
            .unwrap();
        assert_eq!(expanded.identity.as_ref().map(|i| i.id), Some(id), "{b:?}");
        assert_eq!(expanded.devices.len(), 1, "{b:?}");

        // Extending answers the session (200) or nothing (204, with the
        // faster_session_extend flag); either way expires_at moves.
        let before = session.expires_at;
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let extended = b
            .admin
            .extend_session(sessions[0])
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        if let Some(extended) = &extended {
            assert_eq!(extended.id, sessions[0], "{b:?}");
        }
        let after = b.admin.get_session(sessions[0]).send().unwrap();
        assert!(
            after.expires_at > before,
            "{b:?}: {before:?} -> {:?}",
            after.expires_at
        );

        b.admin.disable_session(sessions[0]).send().unwrap();
        let disabled = b.admin.get_session(sessions[0]).send().unwrap();
        assert_eq!(disabled.active, Some(false), "{b:?}");
        // A disabled session can still be extended: 200, still inactive.
        let extended = b
            .admin
            .extend_session(sessions[0])
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        if let Some(extended) = extended {
            assert_eq!(extended.active, Some(false), "{b:?}");
        }
        // Disabling it again is fine on SQLite and PostgreSQL.
        b.admin
            .disable_session(sessions[0])
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));

        // Unknown and malformed ids.
        let err = b
            .admin
            .get_session(crate::backend::fresh_id())
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        let err = b
            .admin
            .extend_session(crate::backend::fresh_id())
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        let err = b
            .admin
            .disable_session(crate::backend::fresh_id())
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        b.admin
            .disable_session(crate::backend::fresh_id())
            .missing_ok(true)
            .send()
            .unwrap();
        let err = b.admin.get_session("not-a-uuid").send().unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
    }
}

#[test]
fn delete_an_identitys_sessions() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (id, sessions) = logged_in(b, &cleanup, 3);
        let listed = b.admin.list_identity_sessions(id).send().unwrap();
        assert_eq!(listed.len(), 3, "{b:?}");
        // An identity's sessions come with everything expanded.
        assert!(
            listed
                .iter()
                .all(|s| s.identity.as_ref().map(|i| i.id) == Some(id)),
            "{b:?}"
        );
        b.admin.disable_session(sessions[0]).send().unwrap();
        let active = b
            .admin
            .list_identity_sessions(id)
            .active(true)
            .send()
            .unwrap();
        assert_eq!(active.len(), 2, "{b:?}");
        let inactive = b
            .admin
            .list_identity_sessions(id)
            .active(false)
            .send()
            .unwrap();
        assert_eq!(
            inactive.iter().map(|s| s.id).collect::<Vec<_>>(),
            [sessions[0]],
            "{b:?}"
        );

        b.admin
            .delete_identity_sessions(id)
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert!(
            b.admin
                .list_identity_sessions(id)
                .send()
                .unwrap()
                .is_empty(),
            "{b:?}"
        );
        let err = b.admin.get_session(sessions[1]).send().unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        // No sessions left: Kratos answers 404, and missing_ok takes it.
        let err = b.admin.delete_identity_sessions(id).send().unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        b.admin
            .delete_identity_sessions(id)
            .missing_ok(true)
            .send()
            .unwrap();
    }
}

#[test]
fn manage_sessions_on_the_servers_that_have_it() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (id, sessions) = logged_in(b, &cleanup, 2);
        let result = b
            .admin
            .manage_sessions(ManageSessionsBody::for_identities(
                ManageSessionsAction::Disable,
                [id],
            ))
            .send();
        match b.line {
            Line::Master => {
                let answer = result.unwrap_or_else(|e| panic!("{b:?}: {e}"));
                assert_eq!(answer.processed, 2, "{b:?}: {answer:?}");
                assert!(!answer.more, "{b:?}");
                let listed = b
                    .admin
                    .list_identity_sessions(id)
                    .active(true)
                    .send()
                    .unwrap();
                assert!(listed.is_empty(), "{b:?}");
                let answer = b
                    .admin
                    .manage_sessions(ManageSessionsBody::for_sessions(
                        ManageSessionsAction::Delete,
                        sessions.clone(),
                    ))
                    .send()
                    .unwrap();
                assert_eq!(answer.processed, 2, "{b:?}: {answer:?}");
                assert!(
                    b.admin
                        .list_identity_sessions(id)
                        .send()
                        .unwrap()
                        .is_empty(),
                    "{b:?}"
                );
            }
            // v26.2.0 has no such route for POST: a 405 the client names.
            Line::V26_2 => {
                let err = result.unwrap_err();
                assert_eq!(err.status(), Some(405), "{b:?}: {err}");
                assert_eq!(err.operation(), Some(Operation::MANAGE_SESSIONS), "{b:?}");
                let text = err.to_string();
                assert!(
                    text.contains("does not support manage_sessions"),
                    "{b:?}: {text}"
                );
                // The sessions are untouched.
                assert_eq!(
                    b.admin
                        .list_identity_sessions(id)
                        .active(true)
                        .send()
                        .unwrap()
                        .len(),
                    2,
                    "{b:?}"
                );
            }
        }
    }
}
