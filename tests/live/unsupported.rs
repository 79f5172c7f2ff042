//! What a server that lacks an operation answers, and what the client makes
//! of it; and the version the server reports.

use kratos_identity::{CreateTestLoginFlowBody, Operation};

use crate::backend::{Line, backends};

#[test]
fn the_version_says_what_the_server_can_do() {
    for b in backends() {
        let version = b
            .admin
            .get_version()
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        let master_only = [
            Operation::MANAGE_SESSIONS,
            Operation::CREATE_TEST_LOGIN_FLOW,
        ];
        for operation in master_only {
            assert_eq!(
                version.supports(operation),
                b.line == Line::Master,
                "{b:?}: {version}"
            );
        }
        assert_eq!(
            version.imports_credential("webauthn"),
            b.line == Line::Master,
            "{b:?}: {version}"
        );
        if b.line == Line::V26_2 {
            assert_eq!(version.release(), Some((26, 2, 0)), "{b:?}: {version}");
        }
    }
}

#[test]
fn test_login_flows_exist_on_master_only() {
    for b in backends() {
        let result = b
            .admin
            .create_test_login_flow(CreateTestLoginFlowBody::new("live-oidc"))
            .send();
        match b.line {
            Line::Master => {
                let flow = result.unwrap_or_else(|e| panic!("{b:?}: {e}"));
                assert!(
                    flow.request_url.contains("/admin/test-login-flows")
                        || !flow.request_url.is_empty(),
                    "{b:?}"
                );
                // An unknown provider is the server's own 404, not a missing route.
                let err = b
                    .admin
                    .create_test_login_flow(CreateTestLoginFlowBody::new("no-such-provider"))
                    .send()
                    .unwrap_err();
                assert!(err.kratos_error().is_some(), "{b:?}: {err}");
                assert!(
                    !err.to_string().contains("does not support"),
                    "{b:?}: {err}"
                );
            }
            Line::V26_2 => {
                let err = result.unwrap_err();
                assert!(err.is_not_found(), "{b:?}: {err}");
                assert!(err.kratos_error().is_none(), "{b:?}: {err}");
                let text = err.to_string();
                assert!(
                    text.contains("does not support create_test_login_flow"),
                    "{b:?}: {text}"
                );
            }
        }
    }
}
