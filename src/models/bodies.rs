//! The bodies of "create an identity" and "update an identity"
//! (`createIdentityBody`, `updateIdentityBody`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::IdArg;
use super::{
    Identity, IdentityState, IdentityWithCredentials, IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig, OidcProvider, RecoveryIdentityAddress, Region,
    VerifiableIdentityAddress, null_as_default,
};
use super::{canonical, check_id, empty_string_as_none};
use crate::error::{Error, InvalidInputKind};

/// The body of "create an identity" (`createIdentityBody`).
///
/// Kratos rejects unknown fields, so only the fields set here are sent:
/// unset options are omitted, never sent as `null`. Reading one is strict
/// for the same reason: an exported identity (with `id`, `schema_url`, its
/// credentials in their export shape, …) is not a create body and is
/// refused rather than read with its credentials dropped. Turn an exported
/// identity into a create body with [`from_identity`](Self::from_identity).
///
/// ```
/// use kratos_identity::{AddressVia, CreateIdentityBody, VerifiableIdentityAddress};
/// use serde_json::json;
///
/// let body = CreateIdentityBody::new("default", json!({"email": "ada@example.com"}))
///     .hashed_password("$2a$12$R9h/cIPz0gi.URNNX3kh2O")
///     .verifiable_address(
///         VerifiableIdentityAddress::new("ada@example.com", AddressVia::Email)
///             .verified(true)
///             .status("completed"),
///     )
///     .external_id("crm-42");
/// assert!(!body.has_plaintext_password());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateIdentityBody {
    /// The id of the JSON Schema that validates the traits.
    pub schema_id: String,
    /// The identity's traits; must be a JSON object that fits the schema.
    pub traits: Value,
    /// Credentials to import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<IdentityWithCredentials>,
    /// An id linking the identity to an external system; must be unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Metadata only visible through the admin APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    /// Metadata the identity itself can see. Do not store sensitive data here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_public: Option<Value>,
    /// The organization the identity belongs to, as given (a UUID; `send()`
    /// refuses anything else).
    #[serde(
        default,
        deserialize_with = "empty_string_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_id: Option<String>,
    /// Recovery addresses to import. They must also be in the traits, or
    /// the next update overwrites them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub recovery_addresses: Vec<RecoveryIdentityAddress>,
    /// Verifiable addresses to import (for example as already verified).
    /// They must also be in the traits, or the next update overwrites them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verifiable_addresses: Vec<VerifiableIdentityAddress>,
    /// The identity's state; the server's default is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<IdentityState>,
    /// The Ory Network region to create the identity in; defaults to the
    /// project's home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

impl CreateIdentityBody {
    /// A body with just the schema id and the traits.
    pub fn new(schema_id: impl Into<String>, traits: Value) -> Self {
        CreateIdentityBody {
            schema_id: schema_id.into(),
            traits,
            credentials: None,
            external_id: None,
            metadata_admin: None,
            metadata_public: None,
            organization_id: None,
            recovery_addresses: Vec::new(),
            verifiable_addresses: Vec::new(),
            state: None,
            region: None,
        }
    }

    /// Fails on an id argument that was not a UUID.
    pub(crate) fn check(&self) -> Result<(), Error> {
        check_id("organization_id", self.organization_id.as_deref())?;
        self.credentials
            .as_ref()
            .map_or(Ok(()), IdentityWithCredentials::check)
    }

    /// A body whose traits are serialized from a value of your own type.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the traits do not serialize or are not a
    /// JSON object.
    pub fn from_traits(
        schema_id: impl Into<String>,
        traits: &impl Serialize,
    ) -> Result<Self, Error> {
        Ok(Self::new(schema_id, traits_to_object(traits)?))
    }

    /// Sets the credentials to import, replacing any set before.
    #[must_use]
    pub fn credentials(mut self, credentials: IdentityWithCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets a plain-text password (Kratos hashes it), keeping other credentials.
    #[must_use]
    pub fn password(mut self, plain: impl Into<String>) -> Self {
        set_password(
            &mut self.credentials,
            IdentityWithCredentialsPasswordConfig::plain(plain),
        );
        self
    }

    /// Sets a password hash in PHC format, keeping other credentials.
    #[must_use]
    pub fn hashed_password(mut self, phc: impl Into<String>) -> Self {
        set_password(
            &mut self.credentials,
            IdentityWithCredentialsPasswordConfig::hashed(phc),
        );
        self
    }

    /// Adds a link to an OpenID Connect provider, keeping the ones set before.
    #[must_use]
    pub fn oidc_provider(mut self, provider: OidcProvider) -> Self {
        self.credentials
            .get_or_insert_with(Default::default)
            .push_oidc_provider(provider);
        self
    }

    /// Sets the external id.
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the admin-only metadata.
    #[must_use]
    pub fn metadata_admin(mut self, metadata: Value) -> Self {
        self.metadata_admin = Some(metadata);
        self
    }

    /// Sets the public metadata.
    #[must_use]
    pub fn metadata_public(mut self, metadata: Value) -> Self {
        self.metadata_public = Some(metadata);
        self
    }

    /// Sets the organization: a [`Uuid`](uuid::Uuid), or a string holding one (one that
    /// does not is reported by `send()` as an invalid input).
    #[must_use]
    pub fn organization_id(mut self, organization_id: impl IdArg) -> Self {
        self.organization_id = Some(canonical(&organization_id.id_text()));
        self
    }

    /// Adds a recovery address.
    #[must_use]
    pub fn recovery_address(mut self, address: RecoveryIdentityAddress) -> Self {
        self.recovery_addresses.push(address);
        self
    }

    /// Adds a verifiable address.
    #[must_use]
    pub fn verifiable_address(mut self, address: VerifiableIdentityAddress) -> Self {
        self.verifiable_addresses.push(address);
        self
    }

    /// Sets the state.
    #[must_use]
    pub fn state(mut self, state: IdentityState) -> Self {
        self.state = Some(state);
        self
    }

    /// Sets the Ory Network region.
    #[must_use]
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// `true` when the body carries a plain-text password: Kratos takes at
    /// most 200 such bodies in one batch request, and the import sends 50
    /// by default ([`DEFAULT_PLAINTEXT_CHUNK_SIZE`](crate::DEFAULT_PLAINTEXT_CHUNK_SIZE)),
    /// since Kratos hashes them inside the request.
    pub fn has_plaintext_password(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(IdentityWithCredentials::has_plaintext_password)
    }
}

/// The body of "update an identity" (`updateIdentityBody`, a PUT).
///
/// **A PUT replaces `traits`, `metadata_public`, `metadata_admin` and
/// `external_id`: leaving one out clears it on the server.** Start from
/// [`UpdateIdentityBody::from_identity`] to keep the current values and
/// change only what you mean to. Credentials left out are kept, and an empty
/// `schema_id` keeps the current schema. For a partial change, a JSON Patch
/// is often simpler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateIdentityBody {
    /// The id of the JSON Schema that validates the traits; empty keeps the
    /// current one.
    #[serde(default, deserialize_with = "null_as_default")]
    pub schema_id: String,
    /// The identity's state.
    pub state: IdentityState,
    /// The identity's traits (replaced as a whole).
    pub traits: Value,
    /// Credentials to import; credentials left out are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<IdentityWithCredentials>,
    /// The external id; leaving it out clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Admin-only metadata; leaving it out clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    /// Public metadata; leaving it out clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_public: Option<Value>,
    /// The Ory Network region; leave it out to keep the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

impl UpdateIdentityBody {
    /// A body with the schema id, state and traits. Everything else is left
    /// out, which **clears** the identity's external id and metadata.
    pub fn new(schema_id: impl Into<String>, state: IdentityState, traits: Value) -> Self {
        UpdateIdentityBody {
            schema_id: schema_id.into(),
            state,
            traits,
            credentials: None,
            external_id: None,
            metadata_admin: None,
            metadata_public: None,
            region: None,
        }
    }

    /// Fails on an id argument that was not a UUID.
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.credentials
            .as_ref()
            .map_or(Ok(()), IdentityWithCredentials::check)
    }

    /// A body whose traits are serialized from a value of your own type.
    /// Like [`UpdateIdentityBody::new`], it clears the external id and
    /// metadata unless you set them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the traits do not serialize or are not a
    /// JSON object.
    pub fn from_traits(
        schema_id: impl Into<String>,
        state: IdentityState,
        traits: &impl Serialize,
    ) -> Result<Self, Error> {
        Ok(Self::new(schema_id, state, traits_to_object(traits)?))
    }

    /// A body that keeps everything a PUT would otherwise clear: the schema
    /// id, state (active when unset), traits, external id and both metadata
    /// of `identity`. Change what you need on the result.
    ///
    /// ```
    /// # use kratos_identity::{Identity, UpdateIdentityBody};
    /// # use serde_json::json;
    /// # fn demo(identity: &Identity) -> Result<(), kratos_identity::Error> {
    /// let mut body = UpdateIdentityBody::from_identity(identity)?;
    /// body.traits["name"] = json!("Ada Lovelace");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the traits do not serialize or are not a
    /// JSON object.
    pub fn from_identity<T: Serialize>(identity: &Identity<T>) -> Result<Self, Error> {
        let state = identity.state.clone().unwrap_or(IdentityState::Active);
        let mut body = Self::from_traits(identity.schema_id.clone(), state, &identity.traits)?;
        body.external_id = identity.external_id.clone();
        body.metadata_admin = identity.metadata_admin.clone();
        body.metadata_public = identity.metadata_public.clone();
        Ok(body)
    }

    /// Sets credentials to import, replacing any set before.
    #[must_use]
    pub fn credentials(mut self, credentials: IdentityWithCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets a new plain-text password (Kratos hashes it).
    #[must_use]
    pub fn password(mut self, plain: impl Into<String>) -> Self {
        set_password(
            &mut self.credentials,
            IdentityWithCredentialsPasswordConfig::plain(plain),
        );
        self
    }

    /// Sets a new password hash in PHC format.
    #[must_use]
    pub fn hashed_password(mut self, phc: impl Into<String>) -> Self {
        set_password(
            &mut self.credentials,
            IdentityWithCredentialsPasswordConfig::hashed(phc),
        );
        self
    }

    /// Adds a link to an OpenID Connect provider.
    #[must_use]
    pub fn oidc_provider(mut self, provider: OidcProvider) -> Self {
        self.credentials
            .get_or_insert_with(Default::default)
            .push_oidc_provider(provider);
        self
    }

    /// Sets the external id.
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the admin-only metadata.
    #[must_use]
    pub fn metadata_admin(mut self, metadata: Value) -> Self {
        self.metadata_admin = Some(metadata);
        self
    }

    /// Sets the public metadata.
    #[must_use]
    pub fn metadata_public(mut self, metadata: Value) -> Self {
        self.metadata_public = Some(metadata);
        self
    }

    /// Sets the Ory Network region.
    #[must_use]
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// `true` when the body carries a plain-text password.
    pub fn has_plaintext_password(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(IdentityWithCredentials::has_plaintext_password)
    }
}

/// Sets the password credentials, keeping any other credential type.
fn set_password(
    credentials: &mut Option<IdentityWithCredentials>,
    config: IdentityWithCredentialsPasswordConfig,
) {
    credentials.get_or_insert_with(Default::default).password =
        Some(IdentityWithCredentialsPassword::new(config));
}

/// Serializes traits, which must come out as a JSON object.
fn traits_to_object(traits: &impl Serialize) -> Result<Value, Error> {
    let value = serde_json::to_value(traits).map_err(|e| {
        Error::invalid(
            InvalidInputKind::NotSerializable,
            format!("the traits do not serialize: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(Error::invalid(
            InvalidInputKind::Invalid,
            format!(
                "the traits must be a JSON object, not {}",
                json_kind(&value)
            ),
        ));
    }
    Ok(value)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{
        AddressVia, IdentityWithCredentialsTotp, IdentityWithCredentialsTotpConfig,
    };
    use serde_json::json;
    use uuid::Uuid;

    #[derive(Serialize)]
    struct User {
        email: String,
    }

    fn org() -> Uuid {
        Uuid::parse_str("5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11").unwrap()
    }

    #[test]
    fn minimal_create_body_sends_only_required_fields() {
        let body = CreateIdentityBody::new("default", json!({"email": "ada@example.com"}));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"schema_id":"default","traits":{"email":"ada@example.com"}}"#
        );
        assert!(!body.has_plaintext_password());
    }

    #[test]
    fn full_create_body_uses_spec_names() {
        let creds = IdentityWithCredentials {
            totp: Some(IdentityWithCredentialsTotp::new(
                IdentityWithCredentialsTotpConfig::new("otpauth://totp/x?secret=ABC"),
            )),
            ..IdentityWithCredentials::default()
        };
        let body = CreateIdentityBody::new("customer", json!({"email": "ada@example.com"}))
            .credentials(creds)
            .password("s3cret!")
            .oidc_provider(OidcProvider::new("google", "1234"))
            .oidc_provider(OidcProvider::new("github", "ada"))
            .external_id("crm-42")
            .metadata_admin(json!({"plan": "pro"}))
            .metadata_public(json!({"nick": "ada"}))
            .organization_id(org())
            .recovery_address(RecoveryIdentityAddress::new(
                "ada@example.com",
                AddressVia::Email,
            ))
            .verifiable_address(
                VerifiableIdentityAddress::new("ada@example.com", AddressVia::Email)
                    .verified(true)
                    .status("completed"),
            )
            .state(IdentityState::Inactive)
            .region(Region::EuCentral);
        assert!(body.has_plaintext_password());
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "schema_id": "customer",
                "traits": {"email": "ada@example.com"},
                "credentials": {
                    "password": {"config": {"password": "s3cret!"}},
                    "oidc": {"config": {"providers": [
                        {"provider": "google", "subject": "1234"},
                        {"provider": "github", "subject": "ada"}
                    ]}},
                    "totp": {"config": {"totp_url": "otpauth://totp/x?secret=ABC"}}
                },
                "external_id": "crm-42",
                "metadata_admin": {"plan": "pro"},
                "metadata_public": {"nick": "ada"},
                "organization_id": "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11",
                "recovery_addresses": [{"value": "ada@example.com", "via": "email"}],
                "verifiable_addresses": [{
                    "value": "ada@example.com", "verified": true, "via": "email", "status": "completed"
                }],
                "state": "inactive",
                "region": "eu-central"
            })
        );
        let dbg = format!("{body:?}");
        assert!(!dbg.contains("s3cret!"), "{dbg}");
        assert!(!dbg.contains("secret=ABC"), "{dbg}");
    }

    #[test]
    fn hashed_password_replaces_plain() {
        let body = CreateIdentityBody::new("default", json!({}))
            .password("plain")
            .hashed_password("$2a$12$abc");
        assert!(!body.has_plaintext_password());
        assert_eq!(
            serde_json::to_value(&body).unwrap()["credentials"],
            json!({"password": {"config": {"hashed_password": "$2a$12$abc"}}})
        );
    }

    #[test]
    fn from_traits_checks_the_shape() {
        let body = CreateIdentityBody::from_traits(
            "default",
            &User {
                email: "ada@example.com".into(),
            },
        )
        .unwrap();
        assert_eq!(body.traits, json!({"email": "ada@example.com"}));

        let err = CreateIdentityBody::from_traits("default", &"just a string").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { message: m, .. } if m.contains("a string")),
            "{err}"
        );
        let err =
            UpdateIdentityBody::from_traits("default", IdentityState::Active, &[1, 2]).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }));

        let mut bad = std::collections::HashMap::new();
        bad.insert((1, 2), "tuple keys do not serialize");
        let err = CreateIdentityBody::from_traits("default", &bad).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { message: m, .. } if m.contains("do not serialize")),
            "{err}"
        );
    }

    #[test]
    fn update_body_serializes_required_fields() {
        let body =
            UpdateIdentityBody::new("default", IdentityState::Active, json!({"email": "a@b.c"}));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"schema_id":"default","state":"active","traits":{"email":"a@b.c"}}"#
        );
        let body = body
            .hashed_password("$2a$12$abc")
            .region(Region::Us)
            .external_id("x");
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(
            v["credentials"]["password"]["config"]["hashed_password"],
            "$2a$12$abc"
        );
        assert_eq!(v["region"], "us");
        assert_eq!(v["external_id"], "x");
    }

    #[test]
    fn from_identity_keeps_what_a_put_would_clear() {
        let identity: Identity = serde_json::from_value(json!({
            "id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
            "schema_id": "customer",
            "schema_url": "https://x/schemas/customer",
            "traits": {"email": "ada@example.com"},
            "metadata_public": {"nick": "ada"},
            "metadata_admin": {"plan": "pro"},
            "external_id": "crm-42",
            "region": "eu",
            "credentials": {"password": {"type": "password", "identifiers": ["ada@example.com"]}}
        }))
        .unwrap();
        let body = UpdateIdentityBody::from_identity(&identity).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "schema_id": "customer",
                "state": "active",
                "traits": {"email": "ada@example.com"},
                "external_id": "crm-42",
                "metadata_admin": {"plan": "pro"},
                "metadata_public": {"nick": "ada"}
            })
        );

        let mut inactive = identity.clone();
        inactive.state = Some(IdentityState::Inactive);
        let body = UpdateIdentityBody::from_identity(&inactive).unwrap();
        assert_eq!(body.state, IdentityState::Inactive);
    }
}
