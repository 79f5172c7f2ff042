//! Recovery codes and links for an identity.

use std::time::Duration;

use kratos_identity::{
    CreateIdentityBody, CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody,
};
use serde_json::json;

use crate::backend::{Cleanup, backends, raw, run};

#[test]
fn recovery_codes_and_links() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let created = b
            .admin
            .create_identity(CreateIdentityBody::new(
                "default",
                json!({"email": run().email("recover")}),
            ))
            .send()
            .unwrap();
        cleanup.add(created.id);

        let code = b
            .admin
            .create_recovery_code_for_identity(
                CreateRecoveryCodeForIdentityBody::new(created.id)
                    .expires_in(Duration::from_secs(600)),
            )
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(code.recovery_code.len(), 6, "{b:?}");
        assert!(
            code.recovery_code.chars().all(|c| c.is_ascii_digit()),
            "{b:?}"
        );
        // The code's link is the recovery UI's, with the flow.
        assert!(
            code.recovery_link.contains("/recovery?flow="),
            "{b:?}: {}",
            code.recovery_link
        );
        let expires = code.expires_at.expect("expires_at");
        let left = expires - kratos_identity::time::OffsetDateTime::now_utc();
        assert!(
            left > kratos_identity::time::Duration::minutes(9),
            "{b:?}: {left}"
        );
        assert!(
            left <= kratos_identity::time::Duration::minutes(10),
            "{b:?}: {left}"
        );

        let link = b
            .admin
            .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(created.id))
            .send()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert!(
            link.recovery_link.contains("/self-service/recovery?flow="),
            "{b:?}: {}",
            link.recovery_link
        );
        assert!(
            link.recovery_link.contains("token="),
            "{b:?}: {}",
            link.recovery_link
        );

        // An unknown identity: the code is a 404, the link a 400.
        let err = b
            .admin
            .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(
                crate::backend::fresh_id(),
            ))
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        let err = b
            .admin
            .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(
                crate::backend::fresh_id(),
            ))
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");

        // What the client will not send, the server refuses too.
        for (body, what) in [
            (
                json!({"identity_id": created.id, "expires_in": "0s"}),
                "expires_in of zero",
            ),
            (
                json!({"identity_id": created.id, "expires_in": "-1h"}),
                "a negative expires_in",
            ),
            (
                json!({"identity_id": created.id, "flow_type": "carrier-pigeon"}),
                "an unknown flow_type",
            ),
        ] {
            let (status, answer) = raw(b, "POST", "/admin/recovery/code", Some(body));
            assert_eq!(status, 400, "{b:?}: {what}: {answer}");
        }
    }
}
