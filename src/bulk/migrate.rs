//! Migration between Kratos instances: turning an identity read with its
//! credentials into the body that recreates it elsewhere.
//!
//! What Kratos exports and what it imports differ in shape (a lookup
//! secret's `recovery_codes` are imported as `codes`; an OIDC provider's
//! tokens are exported but not imported), and some credential types cannot
//! be imported at all (`profile`, …). Nothing is dropped in silence:
//! [`CreateIdentityBody::from_identity`] refuses an identity it cannot carry
//! whole, and [`CreateIdentityBody::from_identity_lossy`] names what it
//! leaves out. What the target makes from the traits by itself is not
//! carried, and not counted as lost: a `code` credential, and a password
//! credential that holds identifiers but no hash (Kratos makes one for
//! every identity whose schema names a password identifier).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, InvalidInputKind};
use crate::models::{
    CreateIdentityBody, CredentialType, Identity, IdentityCredentials, IdentityWithCredentials,
    IdentityWithCredentialsLookupSecret, IdentityWithCredentialsLookupSecretConfig,
    IdentityWithCredentialsOidc, IdentityWithCredentialsOidcConfig, IdentityWithCredentialsPasskey,
    IdentityWithCredentialsPasskeyConfig, IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig, IdentityWithCredentialsSaml,
    IdentityWithCredentialsSamlConfig, IdentityWithCredentialsTotp,
    IdentityWithCredentialsTotpConfig, IdentityWithCredentialsWebAuthn,
    IdentityWithCredentialsWebAuthnConfig, LookupSecretCode, OidcProvider, PasswordHashError,
    RecoveryIdentityAddress, SamlProvider, ServerVersion, VerifiableIdentityAddress,
};

impl CreateIdentityBody {
    /// The body that recreates `identity` on another Kratos: its schema id,
    /// traits, state, both metadata, `external_id`, `organization_id`,
    /// verifiable addresses (with their verified status) and recovery
    /// addresses, and every credential Kratos can import: a password hash,
    /// OIDC and SAML links, TOTP, lookup secrets (backup codes), WebAuthn
    /// keys and passkeys. The new identity gets a new id.
    ///
    /// An OIDC provider's stored tokens are exported by Kratos but not
    /// imported: the link (provider and subject) is carried, the tokens are
    /// not.
    ///
    /// # Read the identity with `include_credential`
    ///
    /// `list_identities()` without `include_credential` returns no
    /// `credentials` at all (with a `credentials_identifier` filter it lists
    /// their types without their config, refused as said below), and an
    /// identity migrated that way arrives
    /// without its password, OIDC link or second factor: its user could
    /// never log in. So an identity that carries no credentials is
    /// **refused**, naming the fix: read with every type to carry,
    /// `list_identities().include_credential(["password", "oidc", "saml",
    /// "totp", "lookup_secret", "webauthn", "passkey"])`, or the same on
    /// `get_identity(id)`. (`get_identity` without `include_credential`
    /// lists the credential types without their config; that is refused
    /// too, see below.) Kratos gives every identity whose schema names a
    /// login identifier a credential holding it, so only an identity of a
    /// schema without identifiers, never given a credential, truly has
    /// none: convert that one with
    /// [`from_identity_lossy`](Self::from_identity_lossy), which names every
    /// importable type as left out.
    ///
    /// ```
    /// use kratos_identity::{CreateIdentityBody, Identity, InvalidInputKind};
    ///
    /// // As `list_identities()` without include_credential returns it:
    /// let listed: Identity = serde_json::from_str(r#"{
    ///   "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default",
    ///   "schema_url": "", "traits": {"email": "ada@example.com"}
    /// }"#)?;
    /// let error = CreateIdentityBody::from_identity(&listed).unwrap_err();
    /// assert_eq!(error.invalid_input_kind(), Some(InvalidInputKind::NotConvertible));
    /// assert!(error.to_string().contains("include_credential"));
    /// let (_, left_out) = CreateIdentityBody::from_identity_lossy(&listed)?;
    /// assert!(left_out.iter().any(|t| t.as_str() == "password"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Read the traits whole
    ///
    /// The body carries the traits as `T` serializes them. Read identities
    /// to migrate with the default `serde_json::Value` traits (or
    /// `Box<RawValue>`): with `.traits::<YourStruct>()`, every trait your
    /// type does not name is left out of the body, without error.
    ///
    /// ```
    /// use kratos_identity::{CreateIdentityBody, Identity};
    ///
    /// let exported: Identity = serde_json::from_str(r#"{
    ///   "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "",
    ///   "traits": {"email": "ada@example.com"}, "state": "active",
    ///   "credentials": {
    ///     "password": {"type": "password", "identifiers": ["ada@example.com"],
    ///                  "config": {"hashed_password": "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"}},
    ///     "lookup_secret": {"type": "lookup_secret", "identifiers": ["9f425a8d-7efc-4768-8f23-7647a74fdf13"],
    ///                       "config": {"recovery_codes": [{"code": "k3nq-81xz", "used_at": null}]}}
    ///   }
    /// }"#)?;
    /// let body = CreateIdentityBody::from_identity(&exported)?;
    /// let credentials = body.credentials.as_ref().unwrap();
    /// assert!(credentials.password.is_some());
    /// assert_eq!(credentials.lookup_secret.as_ref().unwrap().config.as_ref().unwrap().codes.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`], naming the identity, when it cannot be
    /// carried whole: a credential of a type Kratos cannot import
    /// (`profile`, a type this crate does not know, …), a password hash
    /// the target would refuse or store so that nobody could log in with it
    /// ([`check_password_hash`](crate::check_password_hash), by master's
    /// rules without a target; use
    /// [`from_identity_lossy`](Self::from_identity_lossy) to leave those
    /// out knowingly), an importable credential read without its `config`
    /// (`include_credential` was not set for it), a config of an
    /// unexpected shape, or traits that are not a JSON object.
    pub fn from_identity<T: Serialize>(identity: &Identity<T>) -> Result<Self, Error> {
        Self::strict(identity, None)
    }

    /// Like [`from_identity`](Self::from_identity), for a target of this
    /// version (ask it with [`get_version`](crate::IdentityClient::get_version)):
    /// an identity with a credential the target cannot import is refused
    /// too, naming it (v26.2.0 imports only passwords, OIDC and SAML links;
    /// it would refuse the body, or the whole batch, with 400).
    ///
    /// # Errors
    /// As for [`from_identity`](Self::from_identity), and for a credential
    /// the target cannot import.
    pub fn from_identity_for<T: Serialize>(
        identity: &Identity<T>,
        target: &ServerVersion,
    ) -> Result<Self, Error> {
        Self::strict(identity, Some(target))
    }

    /// What [`from_identity`](Self::from_identity) and
    /// [`from_identity_for`](Self::from_identity_for) share.
    fn strict<T: Serialize>(
        identity: &Identity<T>,
        target: Option<&ServerVersion>,
    ) -> Result<Self, Error> {
        let (body, left_out) = Self::convert(identity, target)?;
        if left_out.is_empty() {
            return Ok(body);
        }
        if left_out.iter().any(|(_, why)| *why == LeftOut::NotRead) {
            return Err(Error::invalid(
                InvalidInputKind::NotConvertible,
                format!(
                    "identity {} carries no credentials: it was read without include_credential, so its password hash, social sign-in links and second factors would not reach the target and the user could not log in there; read it with list_identities().include_credential([\"password\", \"oidc\", \"saml\", \"totp\", \"lookup_secret\", \"webauthn\", \"passkey\"]) (or the same on get_identity), or, for an identity that truly has none, convert it with from_identity_lossy, which names every credential type as left out",
                    identity.id
                ),
            ));
        }
        let not_read: Vec<&str> = left_out
            .iter()
            .filter(|(_, why)| *why == LeftOut::ConfigNotRead)
            .map(|(kind, _)| kind.as_str())
            .collect();
        if !not_read.is_empty() {
            return Err(Error::invalid(
                InvalidInputKind::NotConvertible,
                format!(
                    "identity {}: its {} {} read without {} config; read it with include_credential([\"{}\", …])",
                    identity.id,
                    not_read.join(", "),
                    if not_read.len() == 1 {
                        "credential was"
                    } else {
                        "credentials were"
                    },
                    if not_read.len() == 1 { "its" } else { "their" },
                    not_read.join("\", \""),
                ),
            ));
        }
        let unimportable: Vec<&str> = left_out
            .iter()
            .filter(|(_, why)| *why == LeftOut::NotImportable)
            .map(|(kind, _)| kind.as_str())
            .collect();
        let mut reasons = Vec::new();
        if !unimportable.is_empty() {
            reasons.push(format!(
                "Kratos cannot import credentials of type {}",
                unimportable.join(", ")
            ));
        }
        let not_on_target: Vec<&str> = left_out
            .iter()
            .filter(|(_, why)| *why == LeftOut::NotOnTarget)
            .map(|(kind, _)| kind.as_str())
            .collect();
        if let (false, Some(target)) = (not_on_target.is_empty(), target) {
            reasons.push(format!(
                "the target ({target}) cannot import credentials of type {}",
                not_on_target.join(", ")
            ));
        }
        if let Some(problem) = left_out.iter().find_map(|(_, why)| match why {
            LeftOut::BadPasswordHash(problem) => Some(problem),
            _ => None,
        }) {
            reasons.push(format!(
                "its password hash would be refused by the target or stored unusable: {problem}"
            ));
        }
        Err(Error::invalid(
            InvalidInputKind::NotConvertible,
            format!(
                "identity {}: {}; from_identity_lossy leaves them out and names them",
                identity.id,
                reasons.join("; ")
            ),
        ))
    }

    /// Like [`from_identity`](Self::from_identity), but leaves out the
    /// credentials it cannot carry and names their types in the second
    /// element, so that a migration can report them:
    ///
    /// - every credential of a type Kratos cannot import (`profile`, a type
    ///   this crate does not know, …);
    /// - [`CredentialType::Password`] when its hash is one the target
    ///   would refuse, or store so that nobody could log in with it (see
    ///   [`check_password_hash`](crate::check_password_hash); without a
    ///   target, by master's rules): the user can recover the account on
    ///   the target and set a new password;
    /// - a credential of a type Kratos imports that was listed without its
    ///   `config`, because `include_credential` did not name its type (read
    ///   with `include_credential(["password"])`, Kratos still lists the
    ///   `webauthn` credential it derives from the schema, without its
    ///   keys): what it holds was not read, so it cannot be carried;
    /// - every type Kratos imports (every type the target imports, for
    ///   [`from_identity_lossy_for`](Self::from_identity_lossy_for)) when
    ///   the identity carries no credentials at all: it was read without
    ///   `include_credential`, so whatever it has is left out (see "Read
    ///   the identity with `include_credential`" on
    ///   [`from_identity`](Self::from_identity)). Tell that case by
    ///   [`credentials`](Identity::credentials) being empty.
    ///
    /// # Errors
    /// As for [`from_identity`](Self::from_identity), except for what is
    /// left out.
    pub fn from_identity_lossy<T: Serialize>(
        identity: &Identity<T>,
    ) -> Result<(Self, Vec<CredentialType>), Error> {
        let (body, left_out) = Self::convert(identity, None)?;
        Ok((body, left_out.into_iter().map(|(kind, _)| kind).collect()))
    }

    /// Like [`from_identity_lossy`](Self::from_identity_lossy), for a target
    /// of this version: also leaves out, and names, the credentials the
    /// target cannot import (on v26.2.0: TOTP, lookup secrets, WebAuthn
    /// keys and passkeys), so that the identity itself still migrates.
    ///
    /// ```
    /// use kratos_identity::{CreateIdentityBody, CredentialType, Identity, ServerVersion};
    ///
    /// let exported: Identity = serde_json::from_str(r#"{
    ///   "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "",
    ///   "traits": {"email": "ada@example.com"},
    ///   "credentials": {
    ///     "password": {"type": "password", "config": {"hashed_password": "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"}},
    ///     "totp": {"type": "totp", "config": {"totp_url": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}}
    ///   }
    /// }"#)?;
    /// let target = ServerVersion::new("v26.2.0");
    /// let (body, left_out) = CreateIdentityBody::from_identity_lossy_for(&exported, &target)?;
    /// assert_eq!(left_out, [CredentialType::Totp]);
    /// assert!(body.credentials.unwrap().totp.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As for [`from_identity_lossy`](Self::from_identity_lossy).
    pub fn from_identity_lossy_for<T: Serialize>(
        identity: &Identity<T>,
        target: &ServerVersion,
    ) -> Result<(Self, Vec<CredentialType>), Error> {
        let (body, left_out) = Self::convert(identity, Some(target))?;
        Ok((body, left_out.into_iter().map(|(kind, _)| kind).collect()))
    }

    /// The body, and the credentials left out with why. Without a target,
    /// what master imports.
    fn convert<T: Serialize>(
        identity: &Identity<T>,
        target: Option<&ServerVersion>,
    ) -> Result<(Self, Vec<(CredentialType, LeftOut)>), Error> {
        let fail = |why: String| {
            Error::invalid(
                InvalidInputKind::NotConvertible,
                format!("identity {}: {why}", identity.id),
            )
        };
        let mut body = Self::from_traits(identity.schema_id.clone(), &identity.traits)
            .map_err(|e| fail(e.to_string()))?;
        body.state = identity.state.clone();
        body.metadata_public = identity.metadata_public.clone();
        body.metadata_admin = identity.metadata_admin.clone();
        body.external_id = identity.external_id.clone();
        body.organization_id = identity.organization_id.map(|id| id.to_string());
        // The new identity gets new address records: only what they say is
        // carried, not their ids and timestamps.
        body.verifiable_addresses = identity
            .verifiable_addresses
            .iter()
            .map(|a| {
                let mut address = VerifiableIdentityAddress::new(a.value.clone(), a.via.clone())
                    .verified(a.verified)
                    .status(a.status.clone());
                address.verified_at = a.verified_at;
                address
            })
            .collect();
        body.recovery_addresses = identity
            .recovery_addresses
            .iter()
            .map(|a| {
                let mut address = RecoveryIdentityAddress::new(a.value.clone(), a.via.clone());
                address.break_glass_for_organization = a.break_glass_for_organization;
                address
            })
            .collect();
        let mut credentials = IdentityWithCredentials::default();
        let mut left_out = Vec::new();
        if identity.credentials.is_empty() {
            // Listed without include_credential: whatever it has, none of
            // it was read. Every type the target imports is left out.
            let importable = target.unwrap_or(&master()).importable_credentials();
            left_out.extend(importable.into_iter().map(|kind| (kind, LeftOut::NotRead)));
        }
        for (name, credential) in &identity.credentials {
            let kind = CredentialType::from(name.as_str());
            if is_importable(&kind) && target.is_some_and(|t| !t.imports_credential(&kind)) {
                // Kratos makes a WebAuthn credential without keys from the
                // schema's `webauthn.identifier` for every identity; the
                // target makes its own. Only keys would be lost.
                if !holds_keys(&kind, credential) {
                    continue;
                }
                left_out.push((kind, LeftOut::NotOnTarget));
                continue;
            }
            if let Some(why) = carry(&kind, credential, &mut credentials).map_err(&fail)? {
                left_out.push((kind, why));
            }
        }
        // A hash the target would refuse, or store so that nobody could log
        // in: without a target, by master's rules (the strictest).
        if let Some(problem) = credentials.password_hash_problem(target) {
            credentials.password = None;
            left_out.push((CredentialType::Password, LeftOut::BadPasswordHash(problem)));
        }
        if credentials != IdentityWithCredentials::default() {
            body.credentials = Some(credentials);
        }
        Ok((body, left_out))
    }
}

/// Why a credential was left out of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LeftOut {
    /// Kratos cannot import credentials of this type.
    NotImportable,
    /// The target's version cannot import credentials of this type.
    NotOnTarget,
    /// The identity carries no credentials at all: it was read without
    /// `include_credential`, so whatever it has was not read.
    NotRead,
    /// The credential was listed without its config (`include_credential`
    /// did not name its type): what it holds was not read.
    ConfigNotRead,
    /// Its password hash is one the target would refuse, or store so that
    /// nobody could log in with it.
    BadPasswordHash(PasswordHashError),
}

/// Master, whose imports are what a conversion without a target carries.
fn master() -> ServerVersion {
    ServerVersion::new("master")
}

/// `false` for a WebAuthn or passkey credential that holds no key (what
/// Kratos derives from the schema alone); `true` for anything else.
fn holds_keys(kind: &CredentialType, credential: &IdentityCredentials) -> bool {
    if !matches!(kind, CredentialType::Webauthn | CredentialType::Passkey) {
        return true;
    }
    credential
        .config
        .as_ref()
        .and_then(|config| <ExportedKeys as serde::Deserialize>::deserialize(config).ok())
        .is_none_or(|keys| !keys.credentials.is_empty())
}

/// Whether master imports credentials of this type.
fn is_importable(kind: &CredentialType) -> bool {
    master().imports_credential(kind)
}

/// Puts one exported credential into the import shape. `Ok(Some(why))`
/// when it is left out.
fn carry(
    kind: &CredentialType,
    credential: &IdentityCredentials,
    into: &mut IdentityWithCredentials,
) -> Result<Option<LeftOut>, String> {
    // Nothing to carry, and nothing lost: Kratos derives a `code`
    // credential from the traits (the schema's code identifier) on the
    // target, as it did here.
    if *kind == CredentialType::Code {
        return Ok(None);
    }
    if !is_importable(kind) {
        return Ok(Some(LeftOut::NotImportable));
    }
    // Listed without include_credential for this type: Kratos names the
    // credential and its identifiers but not what it holds.
    let Some(config) = credential.config.as_ref() else {
        return Ok(Some(LeftOut::ConfigNotRead));
    };
    let read = |what: &'static str| {
        move |e: serde_json::Error| {
            format!(
                "its {kind} credential's {what} does not have the exported shape: {}",
                crate::error::without_values(&e.to_string())
            )
        }
    };
    match kind {
        CredentialType::Password => {
            let exported: ExportedPassword = field(config, read("config"))?;
            let mut import = IdentityWithCredentialsPasswordConfig::default();
            if !exported.hashed_password.is_empty() {
                import.hashed_password = Some(exported.hashed_password);
            } else if exported.use_password_migration_hook == Some(true) {
                import.use_password_migration_hook = Some(true);
            } else {
                // A password credential without a hash: Kratos makes one,
                // holding only the identifiers, for every identity whose
                // schema names a password identifier; the user never set a
                // password (or it was removed). Nothing is lost: the target
                // makes the same from the traits.
                return Ok(None);
            }
            into.password = Some(IdentityWithCredentialsPassword::new(import));
        }
        CredentialType::Oidc => {
            let fields = ["provider", "subject", "organization", "use_auto_link"];
            let providers: Vec<OidcProvider> =
                providers(config, &fields).map_err(read("providers"))?;
            into.oidc = Some(IdentityWithCredentialsOidc::new(
                IdentityWithCredentialsOidcConfig::new(providers),
            ));
        }
        CredentialType::Saml => {
            let fields = ["provider", "subject", "organization"];
            let providers: Vec<SamlProvider> =
                providers(config, &fields).map_err(read("providers"))?;
            into.saml = Some(IdentityWithCredentialsSaml::new(
                IdentityWithCredentialsSamlConfig::new(providers),
            ));
        }
        CredentialType::Totp => {
            let exported: ExportedTotp = field(config, read("config"))?;
            into.totp = Some(IdentityWithCredentialsTotp::new(
                IdentityWithCredentialsTotpConfig::new(exported.totp_url),
            ));
        }
        CredentialType::LookupSecret => {
            let exported: ExportedLookupSecret = field(config, read("recovery_codes"))?;
            into.lookup_secret = Some(IdentityWithCredentialsLookupSecret::new(
                IdentityWithCredentialsLookupSecretConfig::new(exported.recovery_codes),
            ));
        }
        CredentialType::Webauthn => {
            let exported: ExportedKeys = field(config, read("config"))?;
            into.webauthn = Some(IdentityWithCredentialsWebAuthn::new(
                IdentityWithCredentialsWebAuthnConfig {
                    credentials: exported.credentials,
                    user_handle: exported.user_handle.filter(|h| !h.is_null()),
                },
            ));
        }
        CredentialType::Passkey => {
            let exported: ExportedKeys = field(config, read("config"))?;
            into.passkey = Some(IdentityWithCredentialsPasskey::new(
                IdentityWithCredentialsPasskeyConfig {
                    credentials: exported.credentials,
                    user_handle: exported.user_handle.filter(|h| !h.is_null()),
                },
            ));
        }
        _ => return Ok(Some(LeftOut::NotImportable)),
    }
    Ok(None)
}

/// Reads an exported config; fields the import does not take (an OIDC
/// provider's tokens) are ignored by the lenient `Exported*` shapes below.
fn field<T: DeserializeOwned>(
    config: &Value,
    error: impl FnOnce(serde_json::Error) -> String,
) -> Result<T, String> {
    T::deserialize(config).map_err(error)
}

#[derive(serde::Deserialize)]
struct ExportedPassword {
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    hashed_password: String,
    #[serde(default)]
    use_password_migration_hook: Option<bool>,
}

/// The providers of an exported OIDC or SAML config, with only the fields
/// the import takes (an OIDC provider's exported tokens are not among them).
fn providers<P: DeserializeOwned>(
    config: &Value,
    fields: &[&str],
) -> Result<Vec<P>, serde_json::Error> {
    let exported = match config.get("providers") {
        Some(Value::Array(providers)) => providers.as_slice(),
        Some(Value::Null) | None => &[],
        Some(other) => {
            return Err(serde::de::Error::invalid_type(
                unexpected(other),
                &"a list of providers",
            ));
        }
    };
    exported
        .iter()
        .map(|provider| {
            let mut provider = provider.clone();
            if let Some(object) = provider.as_object_mut() {
                object.retain(|k, _| fields.contains(&k.as_str()));
            }
            P::deserialize(provider)
        })
        .collect()
}

/// What serde calls a JSON value's kind, without the value.
fn unexpected(value: &Value) -> serde::de::Unexpected<'static> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(_) => Unexpected::Other("a boolean"),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(_) => Unexpected::Other("a string"),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[derive(serde::Deserialize)]
struct ExportedTotp {
    totp_url: String,
}

#[derive(serde::Deserialize)]
struct ExportedLookupSecret {
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    recovery_codes: Vec<LookupSecretCode>,
}

#[derive(serde::Deserialize)]
struct ExportedKeys {
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    credentials: Vec<Value>,
    #[serde(default)]
    user_handle: Option<Value>,
}
