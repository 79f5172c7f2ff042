//! Sessions (`session`, `sessionAuthenticationMethod`, `sessionDevice`).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuthenticatorAssuranceLevel, CredentialType, Identity, null_as_default, redact};

/// A session.
///
/// `devices` is empty and `identity` is `None` unless the call expanded them.
/// `Debug` does not print `tokenized`: it is a bearer token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// The session id.
    pub id: Uuid,
    /// Whether the session is active. If false it is no longer active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// When the session was authenticated; with multi-factor authentication,
    /// when the last factor was completed.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub authenticated_at: Option<OffsetDateTime>,
    /// When the session expires.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// When the session was issued; usually close to `authenticated_at`.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub issued_at: Option<OffsetDateTime>,
    /// The authentication methods used, in order.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub authentication_methods: Vec<SessionAuthenticationMethod>,
    /// The authenticator assurance level reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_assurance_level: Option<AuthenticatorAssuranceLevel>,
    /// The devices the session was used from (only with `expand=devices`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub devices: Vec<SessionDevice>,
    /// The session's identity (only with `expand=identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The tokenized (e.g. JWT) form of the session, only set when
    /// `tokenize_as` was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenized: Option<String>,
}

impl Session {
    /// A session with its id and nothing else set, for your own tests; set
    /// the other fields on the result.
    ///
    /// ```
    /// use kratos_identity::Session;
    ///
    /// let mut session = Session::new(uuid::Uuid::nil());
    /// session.active = Some(true);
    /// ```
    pub fn new(id: Uuid) -> Self {
        Session {
            id,
            active: None,
            authenticated_at: None,
            expires_at: None,
            issued_at: None,
            authentication_methods: Vec::new(),
            authenticator_assurance_level: None,
            devices: Vec::new(),
            identity: None,
            tokenized: None,
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("active", &self.active)
            .field("authenticated_at", &self.authenticated_at)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("authentication_methods", &self.authentication_methods)
            .field(
                "authenticator_assurance_level",
                &self.authenticator_assurance_level,
            )
            .field("devices", &self.devices)
            .field("identity", &self.identity)
            .field("tokenized", &redact(&self.tokenized))
            .finish()
    }
}

/// One authenticator used to sign in (`sessionAuthenticationMethod`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionAuthenticationMethod {
    /// The assurance level this method provides (may be an unknown `""` in
    /// real data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aal: Option<AuthenticatorAssuranceLevel>,
    /// When the challenge was completed.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// The method used. Real data carries names no spec lists
    /// (`"v0.6_legacy_session"`); they decode as `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<CredentialType>,
    /// The organization id used for authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The OIDC or SAML provider id used for authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The `acr` claim of the upstream OIDC provider, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_acr: Option<String>,
    /// The `amr` claim of the upstream OIDC provider, if any.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub upstream_amr: Vec<String>,
}

/// A device a session was used from (`sessionDevice`). Build one for your
/// own tests with [`SessionDevice::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionDevice {
    /// The device record id.
    pub id: Uuid,
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The geo location of the IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The client's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

impl SessionDevice {
    /// A device record with its id and nothing else set, for your own tests.
    pub fn new(id: Uuid) -> Self {
        SessionDevice {
            id,
            ip_address: None,
            location: None,
            user_agent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_a_listed_session() {
        let s: Session = serde_json::from_str(
            r#"{
              "id": "8f1e5c2a-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
              "active": true,
              "expires_at": "2024-04-01T10:00:00Z",
              "authenticated_at": "2024-03-01T10:00:00.5Z",
              "authenticator_assurance_level": "aal1",
              "authentication_methods": [
                {"method": "v0.6_legacy_session", "aal": "", "completed_at": "0001-01-01T00:00:00Z"},
                {"method": "oidc", "aal": "aal1", "provider": "google", "upstream_amr": null, "new": 1}
              ],
              "issued_at": "2024-03-01T10:00:00Z",
              "devices": null,
              "identity": null,
              "tokenized": null
            }"#,
        )
        .unwrap();
        assert_eq!(s.active, Some(true));
        assert!(s.devices.is_empty());
        assert!(s.identity.is_none());
        assert_eq!(
            s.authenticator_assurance_level,
            Some(AuthenticatorAssuranceLevel::Aal1)
        );
        let legacy = &s.authentication_methods[0];
        assert_eq!(
            legacy.method,
            Some(CredentialType::from("v0.6_legacy_session"))
        );
        assert_eq!(legacy.aal, Some(AuthenticatorAssuranceLevel::from("")));
        assert_eq!(legacy.completed_at.unwrap().year(), 1);
        let oidc = &s.authentication_methods[1];
        assert_eq!(oidc.method, Some(CredentialType::Oidc));
        assert_eq!(oidc.provider.as_deref(), Some("google"));
        assert!(oidc.upstream_amr.is_empty());
    }

    #[test]
    fn decodes_an_expanded_session() {
        let s: Session = serde_json::from_value(json!({
            "id": "8f1e5c2a-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
            "devices": [{
                "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "ip_address": "203.0.113.7",
                "user_agent": "curl/8.5.0",
                "location": null
            }],
            "identity": {
                "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
                "schema_id": "default",
                "schema_url": "",
                "traits": {"email": "a@b.c"}
            },
            "tokenized": "eyJhbGciOiJFUzI1NiJ9.payload.signature"
        }))
        .unwrap();
        assert_eq!(s.devices[0].ip_address.as_deref(), Some("203.0.113.7"));
        assert_eq!(s.devices[0].location, None);
        assert_eq!(s.identity.as_ref().unwrap().traits["email"], "a@b.c");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("eyJhbGci"), "{dbg}");
        assert!(dbg.contains("tokenized: Some(\"[redacted]\")"), "{dbg}");
    }
}
