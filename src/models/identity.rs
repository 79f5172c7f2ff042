//! The identity and its addresses and credentials (`identity`,
//! `identityCredentials`, `verifiableIdentityAddress`,
//! `recoveryIdentityAddress`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    AddressVia, CredentialType, IdentityState, Region, empty_uuid_as_none, null_as_default, redact,
};

/// An identity: a (human) user in Ory.
///
/// `T` is the type of the traits. The default, [`serde_json::Value`], takes
/// any traits; a struct of your own gives typed traits, and
/// `Box<serde_json::value::RawValue>` keeps them as the exact bytes sent.
///
/// Which fields are set depends on the call: `credentials` is empty unless
/// they were asked for (`include_credential`), and `config` is only present
/// for the types asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    deserialize = "T: serde::de::DeserializeOwned",
    serialize = "T: Serialize"
))]
#[non_exhaustive]
pub struct Identity<T = Value> {
    /// The identity's unique id. It cannot be changed or chosen.
    pub id: Uuid,
    /// The credentials that can be used to sign in as this identity, keyed by
    /// credential type (`"password"`, `"oidc"`, …; see [`CredentialType`]).
    /// Use [`Identity::credential`] to look one up by type.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub credentials: BTreeMap<String, IdentityCredentials>,
    /// The id of the JSON Schema that validates the traits.
    pub schema_id: String,
    /// The URL the traits schema can be fetched from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub schema_url: String,
    /// The identity's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<IdentityState>,
    /// When the state last changed (absent on old rows).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state_changed_at: Option<OffsetDateTime>,
    /// The identity's traits, validated against the schema.
    pub traits: T,
    /// The addresses that can be verified by the user.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verifiable_addresses: Vec<VerifiableIdentityAddress>,
    /// The addresses that can be used to recover the identity.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub recovery_addresses: Vec<RecoveryIdentityAddress>,
    /// Metadata the identity itself can see (for example in its session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_public: Option<Value>,
    /// Metadata only visible through the admin APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    /// When the identity was created.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When the identity was last updated.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    /// The organization the identity belongs to, if any.
    #[serde(
        default,
        deserialize_with = "empty_uuid_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_id: Option<Uuid>,
    /// An id linking the identity to an external system; unique across
    /// identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The Ory Network region the identity is homed in (unset on self-hosted
    /// Kratos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

impl<T> Identity<T> {
    /// An identity with its id, schema id and traits and nothing else set,
    /// for your own tests (the client only ever decodes identities); set
    /// the other fields on the result.
    ///
    /// ```
    /// use kratos_identity::{Identity, IdentityState};
    /// use serde_json::json;
    ///
    /// let mut identity = Identity::new(uuid::Uuid::nil(), "default", json!({"email": "ada@example.com"}));
    /// identity.state = Some(IdentityState::Active);
    /// assert_eq!(identity.traits["email"], "ada@example.com");
    /// ```
    pub fn new(id: Uuid, schema_id: impl Into<String>, traits: T) -> Self {
        Identity {
            id,
            credentials: BTreeMap::new(),
            schema_id: schema_id.into(),
            schema_url: String::new(),
            state: None,
            state_changed_at: None,
            traits,
            verifiable_addresses: Vec::new(),
            recovery_addresses: Vec::new(),
            metadata_public: None,
            metadata_admin: None,
            created_at: None,
            updated_at: None,
            organization_id: None,
            external_id: None,
            region: None,
        }
    }

    /// The credentials of one type (`"password"`, [`CredentialType::Oidc`]),
    /// if the identity has them and they were included in the response.
    pub fn credential(&self, credential_type: impl AsRef<str>) -> Option<&IdentityCredentials> {
        self.credentials.get(credential_type.as_ref())
    }
}

/// One credential of an identity (`identityCredentials`).
///
/// `Debug` does not print `config`: for a password it holds the hash, for
/// OIDC the encrypted tokens.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityCredentials {
    /// The credential type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<CredentialType>,
    /// The unique identifiers this credential matches (an email, an OIDC
    /// `provider:subject`, …).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identifiers: Vec<String>,
    /// The type-specific configuration; only present when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    /// The version of the config schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When the credential was created.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When the credential was last updated.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
}

impl fmt::Debug for IdentityCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityCredentials")
            .field("credential_type", &self.credential_type)
            .field("identifiers", &self.identifiers)
            .field("config", &redact(&self.config))
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// An address of an identity that can be verified (`verifiableIdentityAddress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifiableIdentityAddress {
    /// The address's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The address (`foo@user.com`, a phone number).
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: String,
    /// Whether the address has been verified.
    #[serde(default, deserialize_with = "null_as_default")]
    pub verified: bool,
    /// The delivery method.
    #[serde(default, deserialize_with = "null_as_default")]
    pub via: AddressVia,
    /// The verification status: `"pending"`, `"sent"` or `"completed"` (at
    /// most 16 characters).
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    /// When the address was verified.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub verified_at: Option<OffsetDateTime>,
    /// When the entry was created.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When the entry was last updated.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
}

impl VerifiableIdentityAddress {
    /// An unverified address with status `"pending"`, for importing.
    ///
    /// To import an address as verified, set `.verified(true)` and
    /// `.status("completed")`.
    pub fn new(value: impl Into<String>, via: AddressVia) -> Self {
        VerifiableIdentityAddress {
            id: None,
            value: value.into(),
            verified: false,
            via,
            status: "pending".to_owned(),
            verified_at: None,
            created_at: None,
            updated_at: None,
        }
    }

    /// Sets whether the address is verified.
    #[must_use]
    pub fn verified(mut self, verified: bool) -> Self {
        self.verified = verified;
        self
    }

    /// Sets the status (`"pending"`, `"sent"`, `"completed"`).
    #[must_use]
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }
}

/// An address that can be used to recover an identity (`recoveryIdentityAddress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecoveryIdentityAddress {
    /// The address's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: String,
    /// The delivery method.
    #[serde(default, deserialize_with = "null_as_default")]
    pub via: AddressVia,
    /// When the entry was created.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When the entry was last updated.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    /// The organization this address is a break-glass recovery address for.
    #[serde(
        default,
        deserialize_with = "empty_uuid_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub break_glass_for_organization: Option<Uuid>,
}

impl RecoveryIdentityAddress {
    /// A recovery address, for importing.
    pub fn new(value: impl Into<String>, via: AddressVia) -> Self {
        RecoveryIdentityAddress {
            id: None,
            value: value.into(),
            via,
            created_at: None,
            updated_at: None,
            break_glass_for_organization: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use serde_json::value::RawValue;

    const IDENTITY: &str = r#"{
      "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
      "credentials": {
        "password": {
          "type": "password",
          "identifiers": ["ada@example.com"],
          "config": {"hashed_password": "$2a$12$secrethashvalue"},
          "version": 0,
          "created_at": "2024-03-01T10:00:00.123456Z",
          "updated_at": "2024-03-01T10:00:00.123456Z"
        },
        "oidc": {
          "type": "oidc",
          "identifiers": ["google:1234567890"],
          "config": {"providers": [{"provider": "google", "subject": "1234567890"}]},
          "version": 0,
          "created_at": "2024-03-01T10:00:00Z",
          "updated_at": "2024-03-01T10:00:00Z"
        },
        "quantum_handshake": {
          "type": "quantum_handshake",
          "identifiers": null,
          "version": 3
        }
      },
      "schema_id": "default",
      "schema_url": "https://auth.example.com/schemas/ZGVmYXVsdA",
      "state": "suspended",
      "traits": {"email": "ada@example.com", "name": {"first": "Ada", "last": "Lovelace"}},
      "verifiable_addresses": [{
        "id": "6b2d2e0c-71b4-4c5b-8b0a-5b7b8f6a9e10",
        "value": "ada@example.com",
        "verified": true,
        "via": "email",
        "status": "completed",
        "verified_at": "2024-03-01T10:05:00Z",
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-01T10:05:00Z"
      }],
      "recovery_addresses": [{
        "id": "0d8f7e61-2a3b-4c5d-8e9f-a0b1c2d3e4f5",
        "value": "ada@example.com",
        "via": "email",
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-01T10:00:00Z"
      }],
      "metadata_public": null,
      "metadata_admin": {"plan": "pro"},
      "created_at": "2024-03-01T10:00:00.123456Z",
      "updated_at": "2024-03-02T08:30:00+02:00",
      "organization_id": null,
      "some_future_field": {"nested": [1, 2, 3]}
    }"#;

    #[test]
    fn decodes_a_realistic_identity() {
        let id: Identity = serde_json::from_str(IDENTITY).unwrap();
        assert_eq!(id.id.to_string(), "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41");
        assert_eq!(id.schema_id, "default");
        assert_eq!(id.state, Some(IdentityState::from("suspended")));
        assert_eq!(id.state_changed_at, None);
        assert_eq!(id.metadata_public, None);
        assert_eq!(id.metadata_admin, Some(json!({"plan": "pro"})));
        assert_eq!(id.organization_id, None);
        assert_eq!(id.region, None);
        assert_eq!(id.traits["name"]["first"], "Ada");

        let password = id.credential(&CredentialType::Password).unwrap();
        assert_eq!(password.credential_type, Some(CredentialType::Password));
        assert_eq!(password.identifiers, ["ada@example.com"]);
        assert_eq!(password.version, Some(0));
        assert_eq!(
            password.created_at.unwrap().nanosecond(),
            123_456_000,
            "fractional seconds are kept"
        );
        let oidc = id.credential(&CredentialType::Oidc).unwrap();
        assert_eq!(oidc.identifiers, ["google:1234567890"]);
        assert!(id.credential(&CredentialType::Totp).is_none());

        let unknown = &id.credentials["quantum_handshake"];
        assert_eq!(
            unknown.credential_type,
            Some(CredentialType::from("quantum_handshake"))
        );
        assert!(unknown.identifiers.is_empty());
        assert_eq!(
            id.credential(CredentialType::from("quantum_handshake")),
            Some(unknown)
        );

        let va = &id.verifiable_addresses[0];
        assert_eq!(va.value, "ada@example.com");
        assert!(va.verified);
        assert_eq!(va.via, AddressVia::Email);
        assert_eq!(va.status, "completed");
        assert!(va.verified_at.is_some());
        assert_eq!(id.recovery_addresses[0].via, AddressVia::Email);
        assert_eq!(id.recovery_addresses[0].break_glass_for_organization, None);

        let updated = id.updated_at.unwrap();
        assert_eq!(updated.offset().whole_hours(), 2);
    }

    #[test]
    fn debug_hides_credential_config() {
        let id: Identity = serde_json::from_str(IDENTITY).unwrap();
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("secrethashvalue"), "{dbg}");
        assert!(dbg.contains("[redacted]"));
        assert!(dbg.contains("ada@example.com"));
    }

    #[test]
    fn decodes_a_minimal_identity_with_nulls() {
        let id: Identity = serde_json::from_value(json!({
            "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
            "schema_id": "default",
            "traits": null,
            "credentials": null,
            "verifiable_addresses": null,
            "recovery_addresses": null,
            "metadata_admin": null,
            "organization_id": "",
            "state_changed_at": null,
            "schema_url": null
        }))
        .unwrap();
        assert_eq!(id.traits, Value::Null);
        assert!(id.credentials.is_empty());
        assert!(id.verifiable_addresses.is_empty());
        assert!(id.recovery_addresses.is_empty());
        assert_eq!(id.schema_url, "");
        assert_eq!(id.organization_id, None);
    }

    #[test]
    fn decodes_go_zero_time() {
        let id: Identity = serde_json::from_value(json!({
            "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
            "schema_id": "default",
            "schema_url": "",
            "traits": {},
            "state": "active",
            "state_changed_at": "0001-01-01T00:00:00Z",
            "created_at": "0001-01-01T00:00:00Z"
        }))
        .unwrap();
        let zero = id.state_changed_at.unwrap();
        assert_eq!(zero.year(), 1);
        assert_eq!(zero.unix_timestamp(), -62_135_596_800);
        assert_eq!(id.state, Some(IdentityState::Active));
        let back = serde_json::to_value(&id).unwrap();
        assert_eq!(back["state_changed_at"], "0001-01-01T00:00:00Z");
    }

    #[test]
    fn decodes_typed_traits() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Name {
            first: String,
            last: String,
        }
        #[derive(Debug, Deserialize, PartialEq)]
        struct User {
            email: String,
            name: Name,
        }
        let id: Identity<User> = serde_json::from_str(IDENTITY).unwrap();
        assert_eq!(id.traits.email, "ada@example.com");
        assert_eq!(id.traits.name.last, "Lovelace");
    }

    #[test]
    fn raw_traits_are_kept_byte_for_byte() {
        let raw = r#"{ "email":"ada@example.com",  "n": 1.50, "z": [ ] }"#;
        let body = format!(
            r#"{{"id":"3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41","schema_id":"default","schema_url":"","traits":{raw},"extra":1}}"#
        );
        let id: Identity<Box<RawValue>> = serde_json::from_str(&body).unwrap();
        assert_eq!(id.traits.get(), raw);
    }

    #[test]
    fn serializes_without_nulls_or_empty_collections() {
        let id: Identity = serde_json::from_value(json!({
            "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
            "schema_id": "default",
            "schema_url": "https://x/schemas/default",
            "traits": {"email": "a@b.c"},
            "metadata_public": null
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&id).unwrap(),
            json!({
                "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
                "schema_id": "default",
                "schema_url": "https://x/schemas/default",
                "traits": {"email": "a@b.c"}
            })
        );
    }

    #[test]
    fn address_constructors() {
        let va = VerifiableIdentityAddress::new("ada@example.com", AddressVia::Email)
            .verified(true)
            .status("completed");
        assert_eq!(
            serde_json::to_value(&va).unwrap(),
            json!({"value": "ada@example.com", "verified": true, "via": "email", "status": "completed"})
        );
        let pending = VerifiableIdentityAddress::new("+15550100", AddressVia::Sms);
        assert_eq!(
            serde_json::to_value(&pending).unwrap(),
            json!({"value": "+15550100", "verified": false, "via": "sms", "status": "pending"})
        );
        let ra = RecoveryIdentityAddress::new("ada@example.com", AddressVia::Email);
        assert_eq!(
            serde_json::to_value(&ra).unwrap(),
            json!({"value": "ada@example.com", "via": "email"})
        );
    }

    #[test]
    fn address_missing_fields_default() {
        let va: VerifiableIdentityAddress =
            serde_json::from_value(json!({"value": "a@b.c", "via": null})).unwrap();
        assert_eq!(va.via, AddressVia::from(""));
        assert!(!va.verified);
        assert_eq!(va.status, "");
    }
}
