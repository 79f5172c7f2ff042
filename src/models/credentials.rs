//! Credentials to import with an identity (`identityWithCredentials` and its
//! parts).
//!
//! Every `Debug` here leaves out passwords, hashes, TOTP secrets and lookup
//! codes.
//!
//! These are request bodies: reading one (from a file of your own, say) is
//! strict, like Kratos itself, so a field this crate does not know is an
//! error rather than silently dropped. An exported credential (a lookup
//! secret's `recovery_codes`, an OIDC provider's tokens) is not an import
//! shape: convert an exported identity with
//! [`CreateIdentityBody::from_identity`](crate::CreateIdentityBody::from_identity).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::password_hash::{PasswordHashError, check_password_hash};
use super::{CredentialType, IdArg, ServerVersion};
use super::{canonical, check_id, empty_string_as_none};
use super::{null_as_default, redact};
use crate::error::{Error, InvalidInputKind};

/// Credentials to import when creating or updating an identity.
///
/// ```
/// use kratos_identity::{IdentityWithCredentials, OidcProvider};
///
/// let imported = IdentityWithCredentials::hashed_password("$2a$12$R9h/cIPz0gi.URNNX3kh2O");
/// let social = IdentityWithCredentials::oidc([OidcProvider::new("google", "1234567890")]);
/// assert!(!imported.has_plaintext_password());
/// # let _ = social;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentials {
    /// A password, plain or hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<IdentityWithCredentialsPassword>,
    /// Social sign-in (OpenID Connect) links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc: Option<IdentityWithCredentialsOidc>,
    /// SAML links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml: Option<IdentityWithCredentialsSaml>,
    /// A TOTP second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<IdentityWithCredentialsTotp>,
    /// WebAuthn security keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn: Option<IdentityWithCredentialsWebAuthn>,
    /// Passkeys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<IdentityWithCredentialsPasskey>,
    /// Lookup secrets (backup codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_secret: Option<IdentityWithCredentialsLookupSecret>,
}

impl IdentityWithCredentials {
    /// A plain-text password, hashed by Kratos on import. Batch imports that
    /// carry plain-text passwords are limited to 200 identities per request
    /// by Kratos (the import sends 50 by default, see
    /// [`DEFAULT_PLAINTEXT_CHUNK_SIZE`](crate::DEFAULT_PLAINTEXT_CHUNK_SIZE)).
    pub fn password(plain: impl Into<String>) -> Self {
        IdentityWithCredentials {
            password: Some(IdentityWithCredentialsPassword::new(
                IdentityWithCredentialsPasswordConfig::plain(plain),
            )),
            ..Self::default()
        }
    }

    /// A password hash in PHC format (bcrypt, argon2, pbkdf2, scrypt, …).
    pub fn hashed_password(phc: impl Into<String>) -> Self {
        IdentityWithCredentials {
            password: Some(IdentityWithCredentialsPassword::new(
                IdentityWithCredentialsPasswordConfig::hashed(phc),
            )),
            ..Self::default()
        }
    }

    /// Links to OpenID Connect providers.
    pub fn oidc(providers: impl IntoIterator<Item = OidcProvider>) -> Self {
        IdentityWithCredentials {
            oidc: Some(IdentityWithCredentialsOidc::new(
                IdentityWithCredentialsOidcConfig::new(providers),
            )),
            ..Self::default()
        }
    }

    /// Links to SAML providers.
    pub fn saml(providers: impl IntoIterator<Item = SamlProvider>) -> Self {
        IdentityWithCredentials {
            saml: Some(IdentityWithCredentialsSaml::new(
                IdentityWithCredentialsSamlConfig::new(providers),
            )),
            ..Self::default()
        }
    }

    /// `true` when a non-empty plain-text password is set (such batches have a
    /// lower size limit).
    pub fn has_plaintext_password(&self) -> bool {
        self.password
            .as_ref()
            .and_then(|p| p.config.as_ref())
            .and_then(|c| c.password.as_deref())
            .is_some_and(|p| !p.is_empty())
    }

    /// The types of the credentials set, in a fixed order.
    pub fn types(&self) -> Vec<CredentialType> {
        [
            (self.password.is_some(), CredentialType::Password),
            (self.oidc.is_some(), CredentialType::Oidc),
            (self.saml.is_some(), CredentialType::Saml),
            (self.totp.is_some(), CredentialType::Totp),
            (self.lookup_secret.is_some(), CredentialType::LookupSecret),
            (self.webauthn.is_some(), CredentialType::Webauthn),
            (self.passkey.is_some(), CredentialType::Passkey),
        ]
        .into_iter()
        .filter_map(|(set, kind)| set.then_some(kind))
        .collect()
    }

    /// The imported password hash, if these credentials carry one.
    pub(crate) fn password_hash(&self) -> Option<&str> {
        self.password
            .as_ref()
            .and_then(|p| p.config.as_ref())
            .and_then(|c| c.hashed_password.as_deref())
    }

    /// Why `target` would refuse the imported password hash, or store it
    /// unusable ([`check_password_hash`]); `None` for a hash it takes, or
    /// none at all.
    pub(crate) fn password_hash_problem(
        &self,
        target: Option<&ServerVersion>,
    ) -> Option<PasswordHashError> {
        check_password_hash(self.password_hash()?, target).err()
    }

    /// Fails on an id argument that was not a UUID, and on a password hash
    /// that no Kratos version takes and can use (a format it does not know,
    /// or one it cannot read); cost bounds depend on the server, see
    /// [`check_password_hash`].
    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(problem) = self.password_hash_problem(Some(&ServerVersion::new("v26.2.0"))) {
            return Err(password_hash_refused(&problem));
        }
        for provider in self
            .oidc
            .iter()
            .flat_map(|o| &o.config)
            .flat_map(|c| &c.providers)
        {
            check_id(
                "the organization of an OIDC provider",
                provider.organization.as_deref(),
            )?;
        }
        for provider in self
            .saml
            .iter()
            .flat_map(|o| &o.config)
            .flat_map(|c| &c.providers)
        {
            check_id(
                "the organization of a SAML provider",
                provider.organization.as_deref(),
            )?;
        }
        Ok(())
    }

    /// Appends an OpenID Connect provider link, keeping the ones already set.
    pub(crate) fn push_oidc_provider(&mut self, provider: OidcProvider) {
        self.oidc
            .get_or_insert_with(Default::default)
            .config
            .get_or_insert_with(Default::default)
            .providers
            .push(provider);
    }
}

/// Password credentials to import (`identityWithCredentialsPassword`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsPassword {
    /// The password configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsPasswordConfig>,
}

impl IdentityWithCredentialsPassword {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsPasswordConfig) -> Self {
        IdentityWithCredentialsPassword {
            config: Some(config),
        }
    }
}

/// Password configuration (`identityWithCredentialsPasswordConfig`). Set
/// either `password` or `hashed_password`.
///
/// `Debug` prints `Some("[redacted]")` in place of either.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsPasswordConfig {
    /// The password in plain text, if no hash is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The hashed password in PHC format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashed_password: Option<String>,
    /// If true, the password is migrated using the password migration hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_password_migration_hook: Option<bool>,
}

impl IdentityWithCredentialsPasswordConfig {
    /// A plain-text password.
    pub fn plain(password: impl Into<String>) -> Self {
        IdentityWithCredentialsPasswordConfig {
            password: Some(password.into()),
            ..Self::default()
        }
    }

    /// A password hash in PHC format.
    pub fn hashed(phc: impl Into<String>) -> Self {
        IdentityWithCredentialsPasswordConfig {
            hashed_password: Some(phc.into()),
            ..Self::default()
        }
    }
}

impl fmt::Debug for IdentityWithCredentialsPasswordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityWithCredentialsPasswordConfig")
            .field("password", &redact(&self.password))
            .field("hashed_password", &redact(&self.hashed_password))
            .field(
                "use_password_migration_hook",
                &self.use_password_migration_hook,
            )
            .finish()
    }
}

/// Social sign-in credentials to import (`identityWithCredentialsOidc`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsOidc {
    /// The OpenID Connect configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsOidcConfig>,
}

impl IdentityWithCredentialsOidc {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsOidcConfig) -> Self {
        IdentityWithCredentialsOidc {
            config: Some(config),
        }
    }
}

/// OpenID Connect configuration (`identityWithCredentialsOidcConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsOidcConfig {
    /// The OpenID Connect providers to link.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub providers: Vec<OidcProvider>,
}

impl IdentityWithCredentialsOidcConfig {
    /// A configuration linking these providers.
    pub fn new(providers: impl IntoIterator<Item = OidcProvider>) -> Self {
        IdentityWithCredentialsOidcConfig {
            providers: providers.into_iter().collect(),
        }
    }
}

/// A link to an OpenID Connect provider (`identityWithCredentialsOidcConfigProvider`
/// in the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OidcProvider {
    /// The provider to link the subject to, like `google` or `github`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// The subject (`sub`) of the connection, usually the ID token's `sub`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subject: String,
    /// The organization the provider belongs to, as given (a UUID;
    /// `send()` refuses anything else).
    #[serde(
        default,
        deserialize_with = "empty_string_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization: Option<String>,
    /// If set, the user may sign in with the provider without the subject
    /// being set first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_auto_link: Option<bool>,
}

impl OidcProvider {
    /// A link of `subject` at `provider`.
    pub fn new(provider: impl Into<String>, subject: impl Into<String>) -> Self {
        OidcProvider {
            provider: provider.into(),
            subject: subject.into(),
            organization: None,
            use_auto_link: None,
        }
    }

    /// Sets the organization: a [`Uuid`](uuid::Uuid), or a string holding one (one that
    /// does not is reported by `send()` as an invalid input).
    #[must_use]
    pub fn organization(mut self, organization: impl IdArg) -> Self {
        self.organization = Some(canonical(&organization.id_text()));
        self
    }

    /// Sets whether the link may be made automatically on first sign-in.
    #[must_use]
    pub fn use_auto_link(mut self, use_auto_link: bool) -> Self {
        self.use_auto_link = Some(use_auto_link);
        self
    }
}

/// SAML credentials to import (`identityWithCredentialsSaml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsSaml {
    /// The SAML configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsSamlConfig>,
}

impl IdentityWithCredentialsSaml {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsSamlConfig) -> Self {
        IdentityWithCredentialsSaml {
            config: Some(config),
        }
    }
}

/// SAML configuration (`identityWithCredentialsSamlConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsSamlConfig {
    /// The SAML providers to link.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub providers: Vec<SamlProvider>,
}

impl IdentityWithCredentialsSamlConfig {
    /// A configuration linking these providers.
    pub fn new(providers: impl IntoIterator<Item = SamlProvider>) -> Self {
        IdentityWithCredentialsSamlConfig {
            providers: providers.into_iter().collect(),
        }
    }
}

/// A link to a SAML provider (`identityWithCredentialsSamlConfigProvider` in
/// the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SamlProvider {
    /// The SAML provider to link the subject to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// The unique, immutable subject of the SAML connection.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subject: String,
    /// The organization the provider belongs to, as given (a UUID;
    /// `send()` refuses anything else).
    #[serde(
        default,
        deserialize_with = "empty_string_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization: Option<String>,
}

impl SamlProvider {
    /// A link of `subject` at `provider`.
    pub fn new(provider: impl Into<String>, subject: impl Into<String>) -> Self {
        SamlProvider {
            provider: provider.into(),
            subject: subject.into(),
            organization: None,
        }
    }

    /// Sets the organization: a [`Uuid`](uuid::Uuid), or a string holding one (one that
    /// does not is reported by `send()` as an invalid input).
    #[must_use]
    pub fn organization(mut self, organization: impl IdArg) -> Self {
        self.organization = Some(canonical(&organization.id_text()));
        self
    }
}

/// TOTP credentials to import (`identityWithCredentialsTotp`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsTotp {
    /// The TOTP configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsTotpConfig>,
}

impl IdentityWithCredentialsTotp {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsTotpConfig) -> Self {
        IdentityWithCredentialsTotp {
            config: Some(config),
        }
    }
}

/// TOTP configuration (`identityWithCredentialsTotpConfig`).
///
/// `Debug` does not print the URL: it holds the shared secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsTotpConfig {
    /// The `otpauth://totp/…` key URI, secret included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_url: Option<String>,
}

impl IdentityWithCredentialsTotpConfig {
    /// A configuration from an `otpauth://totp/…` key URI.
    pub fn new(totp_url: impl Into<String>) -> Self {
        IdentityWithCredentialsTotpConfig {
            totp_url: Some(totp_url.into()),
        }
    }
}

impl fmt::Debug for IdentityWithCredentialsTotpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityWithCredentialsTotpConfig")
            .field("totp_url", &redact(&self.totp_url))
            .finish()
    }
}

/// WebAuthn credentials to import (`identityWithCredentialsWebAuthn`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsWebAuthn {
    /// The WebAuthn configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsWebAuthnConfig>,
}

impl IdentityWithCredentialsWebAuthn {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsWebAuthnConfig) -> Self {
        IdentityWithCredentialsWebAuthn {
            config: Some(config),
        }
    }
}

/// WebAuthn configuration (`identityWithCredentialsWebAuthnConfig`).
///
/// The fields are raw JSON on purpose: the OpenAPI document types the byte
/// fields (`user_handle`, credential ids and public keys) as integer arrays,
/// but Kratos emits and accepts base64 strings. Pass them as Kratos exports
/// them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsWebAuthnConfig {
    /// The WebAuthn credentials (`identityCredentialsWebAuthn` objects).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credentials: Vec<Value>,
    /// The user handle of the credentials (base64 in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<Value>,
}

/// Passkey credentials to import (`identityWithCredentialsPasskey`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsPasskey {
    /// The passkey configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsPasskeyConfig>,
}

impl IdentityWithCredentialsPasskey {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsPasskeyConfig) -> Self {
        IdentityWithCredentialsPasskey {
            config: Some(config),
        }
    }
}

/// Passkey configuration (`identityWithCredentialsPasskeyConfig`).
///
/// Raw JSON for the same reason as [`IdentityWithCredentialsWebAuthnConfig`]:
/// the spec says integer arrays, Kratos uses base64 strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsPasskeyConfig {
    /// The passkey credentials (`identityCredentialsWebAuthn` objects).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credentials: Vec<Value>,
    /// The user handle of the credentials (base64 in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<Value>,
}

/// Lookup secret (backup code) credentials to import
/// (`AdminIdentityImportCredentialsLookupSecret` in the OpenAPI document).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsLookupSecret {
    /// The lookup secret configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IdentityWithCredentialsLookupSecretConfig>,
}

impl IdentityWithCredentialsLookupSecret {
    /// Wraps a configuration.
    pub fn new(config: IdentityWithCredentialsLookupSecretConfig) -> Self {
        IdentityWithCredentialsLookupSecret {
            config: Some(config),
        }
    }
}

/// Lookup secret configuration
/// (`AdminIdentityImportCredentialsLookupSecretConfig` in the OpenAPI document).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityWithCredentialsLookupSecretConfig {
    /// The lookup secret codes configured for the user.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub codes: Vec<LookupSecretCode>,
}

impl IdentityWithCredentialsLookupSecretConfig {
    /// A configuration with these codes.
    pub fn new(codes: impl IntoIterator<Item = LookupSecretCode>) -> Self {
        IdentityWithCredentialsLookupSecretConfig {
            codes: codes.into_iter().collect(),
        }
    }
}

/// One lookup secret code; each can be used once
/// (`identityCredentialsLookupSecretCode`).
///
/// `Debug` does not print the code.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LookupSecretCode {
    /// The code. Secret.
    #[serde(default, deserialize_with = "null_as_default")]
    pub code: String,
    /// When the code was used, if it was.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub used_at: Option<OffsetDateTime>,
}

impl LookupSecretCode {
    /// An unused code.
    pub fn new(code: impl Into<String>) -> Self {
        LookupSecretCode {
            code: code.into(),
            used_at: None,
        }
    }

    /// Marks the code as used at `used_at`.
    #[must_use]
    pub fn used_at(mut self, used_at: OffsetDateTime) -> Self {
        self.used_at = Some(used_at);
        self
    }
}

impl fmt::Debug for LookupSecretCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupSecretCode")
            .field("code", &"[redacted]")
            .field("used_at", &self.used_at)
            .finish()
    }
}

/// The error of a call whose body carries a password hash the server would
/// refuse or store unusable.
pub(crate) fn password_hash_refused(problem: &PasswordHashError) -> Error {
    Error::invalid(
        InvalidInputKind::PasswordHash,
        format!(
            "{problem}; Kratos would refuse it, or store a password nobody can log in with (check_password_hash lists the formats it takes)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn password_constructors() {
        let plain = IdentityWithCredentials::password("correct horse");
        assert!(plain.has_plaintext_password());
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"password": {"config": {"password": "correct horse"}}})
        );
        let hashed =
            IdentityWithCredentials::hashed_password("$argon2id$v=19$m=16,t=2,p=1$c2FsdA$aGFzaA");
        assert!(!hashed.has_plaintext_password());
        assert_eq!(
            serde_json::to_value(&hashed).unwrap(),
            json!({"password": {"config": {"hashed_password": "$argon2id$v=19$m=16,t=2,p=1$c2FsdA$aGFzaA"}}})
        );
        assert!(!IdentityWithCredentials::password("").has_plaintext_password());
        assert!(!IdentityWithCredentials::default().has_plaintext_password());
        assert_eq!(
            serde_json::to_value(IdentityWithCredentials::default()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn debug_hides_passwords() {
        let mut config = IdentityWithCredentialsPasswordConfig::plain("hunter2-plain");
        config.hashed_password = Some("$2a$12$hunter2hash".into());
        config.use_password_migration_hook = Some(true);
        let dbg = format!("{:?}", IdentityWithCredentialsPassword::new(config));
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains(r#"password: Some("[redacted]")"#), "{dbg}");
        assert!(
            dbg.contains(r#"hashed_password: Some("[redacted]")"#),
            "{dbg}"
        );
        assert!(
            dbg.contains("use_password_migration_hook: Some(true)"),
            "{dbg}"
        );

        let dbg = format!("{:?}", IdentityWithCredentialsPasswordConfig::default());
        assert!(dbg.contains("password: None"), "{dbg}");
    }

    #[test]
    fn debug_hides_totp_and_lookup_secrets() {
        let creds = IdentityWithCredentials {
            totp: Some(IdentityWithCredentialsTotp::new(
                IdentityWithCredentialsTotpConfig::new(
                    "otpauth://totp/Example:ada?secret=JBSWY3DPEHPK3PXP&issuer=Example",
                ),
            )),
            lookup_secret: Some(IdentityWithCredentialsLookupSecret::new(
                IdentityWithCredentialsLookupSecretConfig::new([
                    LookupSecretCode::new("k3nq-81xz"),
                    LookupSecretCode::new("p0w2-7yue").used_at(time::OffsetDateTime::UNIX_EPOCH),
                ]),
            )),
            ..IdentityWithCredentials::default()
        };
        let dbg = format!("{creds:?}");
        assert!(!dbg.contains("JBSWY3DPEHPK3PXP"), "{dbg}");
        assert!(!dbg.contains("k3nq"), "{dbg}");
        assert!(!dbg.contains("p0w2"), "{dbg}");
        assert_eq!(
            serde_json::to_value(&creds).unwrap(),
            json!({
                "totp": {"config": {"totp_url": "otpauth://totp/Example:ada?secret=JBSWY3DPEHPK3PXP&issuer=Example"}},
                "lookup_secret": {"config": {"codes": [
                    {"code": "k3nq-81xz"},
                    {"code": "p0w2-7yue", "used_at": "1970-01-01T00:00:00Z"}
                ]}}
            })
        );
    }

    #[test]
    fn oidc_and_saml_constructors() {
        let org = Uuid::parse_str("5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11").unwrap();
        let mut creds = IdentityWithCredentials::oidc([
            OidcProvider::new("google", "1234"),
            OidcProvider::new("github", "ada")
                .organization(org)
                .use_auto_link(true),
        ]);
        creds.push_oidc_provider(OidcProvider::new("apple", "001.abc"));
        creds.saml =
            IdentityWithCredentials::saml(
                [SamlProvider::new("okta", "ada@corp").organization(org)],
            )
            .saml;
        assert_eq!(
            serde_json::to_value(&creds).unwrap(),
            json!({
                "oidc": {"config": {"providers": [
                    {"provider": "google", "subject": "1234"},
                    {"provider": "github", "subject": "ada",
                     "organization": "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11", "use_auto_link": true},
                    {"provider": "apple", "subject": "001.abc"}
                ]}},
                "saml": {"config": {"providers": [
                    {"provider": "okta", "subject": "ada@corp",
                     "organization": "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11"}
                ]}}
            })
        );
    }

    #[test]
    fn webauthn_keeps_base64_fields() {
        let exported = json!({
            "webauthn": {"config": {
                "credentials": [{
                    "id": "Y3JlZGVudGlhbC1pZA==",
                    "public_key": "cHVibGljLWtleQ==",
                    "attestation_type": "none",
                    "authenticator": {"aaguid": "AAAAAAAAAAAAAAAAAAAAAA==", "sign_count": 4}
                }],
                "user_handle": "dXNlci1oYW5kbGU="
            }},
            "passkey": {"config": {"credentials": null, "user_handle": [1, 2, 3]}}
        });
        let creds: IdentityWithCredentials = serde_json::from_value(exported).unwrap();
        let webauthn = creds.webauthn.as_ref().unwrap().config.as_ref().unwrap();
        assert_eq!(webauthn.credentials[0]["public_key"], "cHVibGljLWtleQ==");
        assert_eq!(webauthn.user_handle, Some(json!("dXNlci1oYW5kbGU=")));
        let passkey = creds.passkey.as_ref().unwrap().config.as_ref().unwrap();
        assert!(passkey.credentials.is_empty());
        assert_eq!(passkey.user_handle, Some(json!([1, 2, 3])));
        let back = serde_json::to_value(&creds).unwrap();
        assert_eq!(
            back["webauthn"]["config"]["user_handle"],
            "dXNlci1oYW5kbGU="
        );
        assert_eq!(
            back["passkey"],
            json!({"config": {"user_handle": [1, 2, 3]}})
        );
    }
}
