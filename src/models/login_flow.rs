//! The admin test login flow (`createTestLoginFlowBody`, `loginFlow`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuthenticatorAssuranceLevel, empty_uuid_as_none, null_as_default, redact};

/// The body of "create a test login flow" for an OIDC provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateTestLoginFlowBody {
    /// The id of the OIDC provider to test, as configured on the project (at
    /// most 255 characters).
    pub provider_id: String,
}

impl CreateTestLoginFlowBody {
    /// A body testing `provider_id`.
    pub fn new(provider_id: impl Into<String>) -> Self {
        CreateTestLoginFlowBody {
            provider_id: provider_id.into(),
        }
    }
}

/// A login flow.
///
/// `ui`, `state` and the other nested objects are kept as raw JSON.
/// `Debug` does not print `session_token_exchange_code`, a secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoginFlow {
    /// The flow id (the `flow` query parameter of the login UI).
    pub id: Uuid,
    /// The flow type, `"api"` or `"browser"`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<String>,
    /// When the flow expires.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// When the flow started.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub issued_at: Option<OffsetDateTime>,
    /// When the flow was created.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When the flow was last updated.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    /// The URL initially requested from Kratos.
    #[serde(default, deserialize_with = "null_as_default")]
    pub request_url: String,
    /// The requested `return_to` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// The login method in use, unset while the flow is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    /// The identity schema used for this flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
    /// The organization of the flow.
    #[serde(
        default,
        deserialize_with = "empty_uuid_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_id: Option<Uuid>,
    /// Whether the flow forces re-authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<bool>,
    /// The assurance level requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_aal: Option<AuthenticatorAssuranceLevel>,
    /// The Ory OAuth2 login challenge, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_login_challenge: Option<String>,
    /// The code to exchange for a session token once the flow completes.
    /// Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_exchange_code: Option<String>,
    /// The UI container (`uiContainer`), as raw JSON.
    #[serde(default)]
    pub ui: Value,
    /// The flow's state (`choose_method`, `sent_email`, `passed_challenge`, …).
    #[serde(default)]
    pub state: Value,
    /// The admin test context (`loginFlowTestContext`): the provider tested
    /// and, once captured, the debug round trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_context: Option<Value>,
    /// Data passed from the login to hooks and email templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    /// The Ory OAuth2 login request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_login_request: Option<Value>,
}

impl LoginFlow {
    /// A login flow with its id and request URL and nothing else set, for
    /// your own tests; set the other fields on the result.
    pub fn new(id: Uuid, request_url: impl Into<String>) -> Self {
        LoginFlow {
            id,
            flow_type: None,
            expires_at: None,
            issued_at: None,
            created_at: None,
            updated_at: None,
            request_url: request_url.into(),
            return_to: None,
            active: None,
            identity_schema: None,
            organization_id: None,
            refresh: None,
            requested_aal: None,
            oauth2_login_challenge: None,
            session_token_exchange_code: None,
            ui: Value::Null,
            state: Value::Null,
            test_context: None,
            transient_payload: None,
            oauth2_login_request: None,
        }
    }
}

impl fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginFlow")
            .field("id", &self.id)
            .field("flow_type", &self.flow_type)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("request_url", &self.request_url)
            .field("return_to", &self.return_to)
            .field("active", &self.active)
            .field("identity_schema", &self.identity_schema)
            .field("organization_id", &self.organization_id)
            .field("refresh", &self.refresh)
            .field("requested_aal", &self.requested_aal)
            .field("oauth2_login_challenge", &self.oauth2_login_challenge)
            .field(
                "session_token_exchange_code",
                &redact(&self.session_token_exchange_code),
            )
            .field("ui", &self.ui)
            .field("state", &self.state)
            .field("test_context", &self.test_context)
            .field("transient_payload", &self.transient_payload)
            .field("oauth2_login_request", &self.oauth2_login_request)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_the_body() {
        assert_eq!(
            serde_json::to_string(&CreateTestLoginFlowBody::new("google")).unwrap(),
            r#"{"provider_id":"google"}"#
        );
    }

    #[test]
    fn decodes_a_test_flow() {
        let flow: LoginFlow = serde_json::from_value(json!({
            "id": "9b2d8c1e-4f3a-4b5c-8d6e-7f8091a2b3c4",
            "type": "browser",
            "expires_at": "2024-03-01T10:30:00Z",
            "issued_at": "2024-03-01T10:00:00Z",
            "request_url": "https://auth.example.com/self-service/login/browser",
            "active": "oidc",
            "organization_id": null,
            "refresh": false,
            "requested_aal": "aal1",
            "session_token_exchange_code": "xchg-SECRET-123",
            "ui": {"action": "https://auth.example.com/self-service/login?flow=9b2d", "method": "POST", "nodes": []},
            "state": "choose_method",
            "test_context": {"provider_id": "google"},
            "transient_payload": null,
            "new_field": 1
        }))
        .unwrap();
        assert_eq!(flow.flow_type.as_deref(), Some("browser"));
        assert_eq!(flow.active.as_deref(), Some("oidc"));
        assert_eq!(flow.requested_aal, Some(AuthenticatorAssuranceLevel::Aal1));
        assert_eq!(flow.state, json!("choose_method"));
        assert_eq!(flow.ui["method"], "POST");
        assert_eq!(flow.test_context, Some(json!({"provider_id": "google"})));
        assert_eq!(flow.transient_payload, None);
        assert_eq!(flow.organization_id, None);
        let dbg = format!("{flow:?}");
        assert!(!dbg.contains("xchg-SECRET-123"), "{dbg}");
    }

    #[test]
    fn missing_ui_and_state_are_null() {
        let flow: LoginFlow =
            serde_json::from_value(json!({"id": "9b2d8c1e-4f3a-4b5c-8d6e-7f8091a2b3c4"})).unwrap();
        assert_eq!(flow.ui, Value::Null);
        assert_eq!(flow.state, Value::Null);
        assert_eq!(flow.request_url, "");
    }
}
