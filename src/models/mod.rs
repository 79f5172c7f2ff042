//! The request and response bodies of the Kratos admin API.
//!
//! Field names and types follow the OpenAPI document's `components/schemas`.
//! How the models read and write: the guide's chapter `guide::models`.

mod bodies;
mod credentials;
mod deleted;
mod enums;
mod id_arg;
mod identity;
mod login_flow;
mod password_hash;
mod patch;
mod recovery;
mod schema;
mod session;
mod sessions_manage;
mod version;

pub use bodies::{CreateIdentityBody, UpdateIdentityBody};
pub(crate) use credentials::password_hash_refused;
pub use credentials::{
    IdentityWithCredentials, IdentityWithCredentialsLookupSecret,
    IdentityWithCredentialsLookupSecretConfig, IdentityWithCredentialsOidc,
    IdentityWithCredentialsOidcConfig, IdentityWithCredentialsPasskey,
    IdentityWithCredentialsPasskeyConfig, IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig, IdentityWithCredentialsSaml,
    IdentityWithCredentialsSamlConfig, IdentityWithCredentialsTotp,
    IdentityWithCredentialsTotpConfig, IdentityWithCredentialsWebAuthn,
    IdentityWithCredentialsWebAuthnConfig, LookupSecretCode, OidcProvider, SamlProvider,
};
pub use deleted::Deleted;
pub use enums::{
    AddressVia, AuthenticatorAssuranceLevel, Consistency, CredentialType, IdentityPatchAction,
    IdentityState, JsonPatchOp, ManageSessionsAction, Region, SessionExpand, UnknownValue,
};
pub use id_arg::IdArg;
pub(crate) use id_arg::{canonical, not_a_uuid};
pub use identity::{
    Identity, IdentityCredentials, RecoveryIdentityAddress, VerifiableIdentityAddress,
};
pub use login_flow::{CreateTestLoginFlowBody, LoginFlow};
pub use password_hash::{
    PasswordHashError, PasswordHashErrorKind, PasswordHashFormat, check_password_hash,
};
pub use patch::{
    BatchPatchIdentitiesResponse, IdentityPatch, IdentityPatchResponse, JsonPatch,
    PatchIdentitiesBody,
};
pub use recovery::{
    CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody, RecoveryCodeForIdentity,
    RecoveryLinkForIdentity,
};
pub use schema::IdentitySchemaContainer;
pub use session::{Session, SessionAuthenticationMethod, SessionDevice};
pub use sessions_manage::{ManageSessionsBody, ManageSessionsResponse};
pub use version::ServerVersion;

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

/// Decodes `null` as `T::default()`. Pair it with `#[serde(default)]` so a
/// missing field decodes the same way.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Decodes an optional id of a request body: `null` and `""` are `None`.
/// Bodies keep ids as the caller gave them (checked when sent), so a body
/// holds no value the caller did not give.
pub(crate) fn empty_string_as_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|s| !s.is_empty()))
}

/// An id of a request body, checked: `Ok` when it is a UUID, else the
/// error naming the field (never the value).
pub(crate) fn check_id(field: &str, id: Option<&str>) -> Result<(), crate::error::Error> {
    match id {
        Some(id) if Uuid::parse_str(id).is_err() => Err(not_a_uuid(field)),
        _ => Ok(()),
    }
}

/// Decodes a Go `NullUUID`: `null` and `""` are `None`. Pair it with
/// `#[serde(default)]` so a missing field decodes the same way.
pub(crate) fn empty_uuid_as_none<'de, D>(deserializer: D) -> Result<Option<Uuid>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_option(NullUuidVisitor)
}

/// Reads the string where the deserializer has it, without copying it.
struct NullUuidVisitor;

impl<'de> Visitor<'de> for NullUuidVisitor {
    type Value = Option<Uuid>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UUID, an empty string or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        if value.is_empty() {
            return Ok(None);
        }
        Uuid::parse_str(value).map(Some).map_err(E::custom)
    }
}

/// What `Debug` prints in place of a secret: `Some("[redacted]")` when one is
/// set, `None` when not.
pub(crate) fn redact<T>(secret: &Option<T>) -> Option<&'static str> {
    secret.as_ref().map(|_| "[redacted]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "null_as_default")]
        list: Vec<String>,
        #[serde(default, deserialize_with = "empty_uuid_as_none")]
        org: Option<Uuid>,
    }

    #[test]
    fn null_and_missing_decode_as_default() {
        let p: Probe = serde_json::from_str(r#"{"list":null,"org":null}"#).unwrap();
        assert!(p.list.is_empty());
        assert_eq!(p.org, None);
        let p: Probe = serde_json::from_str("{}").unwrap();
        assert!(p.list.is_empty());
        assert_eq!(p.org, None);
        let p: Probe = serde_json::from_str(r#"{"list":["a"],"org":""}"#).unwrap();
        assert_eq!(p.list, ["a"]);
        assert_eq!(p.org, None);
    }

    #[test]
    fn null_uuid_parses_and_rejects_garbage() {
        let p: Probe =
            serde_json::from_str(r#"{"org":"5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11"}"#).unwrap();
        assert_eq!(
            p.org.map(|u| u.to_string()).as_deref(),
            Some("5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11")
        );
        assert!(serde_json::from_str::<Probe>(r#"{"org":"nope"}"#).is_err());
        let error = serde_json::from_str::<Probe>(r#"{"org":5}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected a UUID, an empty string or null"),
            "{error}"
        );
        // Escaped (not borrowable) and owned strings decode the same.
        let p: Probe =
            serde_json::from_str(r#"{"org":"5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e1\u0031"}"#).unwrap();
        assert_eq!(
            p.org.map(|u| u.to_string()).as_deref(),
            Some("5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11")
        );
        let p: Probe = serde_json::from_value(serde_json::json!({"org": ""})).unwrap();
        assert_eq!(p.org, None);
    }

    #[test]
    fn redact_hides_the_value() {
        assert_eq!(redact(&Some("hunter2")), Some("[redacted]"));
        assert_eq!(redact::<String>(&None), None);
    }
}
