//! String enums that keep values this crate does not know yet.
//!
//! Ory adds credential types, regions and authentication methods release after
//! release, and real data carries values no spec lists (an empty assurance
//! level, `"v0.6_legacy_session"`). Every enum here therefore has an
//! `Unknown(UnknownValue)` variant that keeps the value as sent, so decoding
//! never fails on a new value and re-encoding sends it back unchanged.
//!
//! The unknown value is opaque, as in the AWS SDK for Rust: it can be
//! matched as "unknown" and read as a string, but not built by hand. A
//! string converts to the named variant whenever there is one, so when a
//! later version of this crate names a value (say `"suspended"`), code that
//! compares with `IdentityState::from("suspended")` keeps working; code
//! that matched `Unknown(v) if v.as_str() == "suspended"` would not, so
//! don't: compare with the converted value instead.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};

/// A value of a string enum that this version of the crate does not name,
/// kept exactly as the server sent it. Read it with
/// [`as_str`](Self::as_str); it cannot be built by hand, so an `Unknown`
/// never holds a value that has a named variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(pub(crate) String);

impl UnknownValue {
    /// The value as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UnknownValue {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Decodes a string enum from a borrowed string where the deserializer has
/// one, so a known value costs no allocation (a page of identities carries
/// several enum values per identity); only an unknown value is copied.
pub(crate) struct StringEnumVisitor<T>(pub(crate) PhantomData<T>);

impl<T> Visitor<'_> for StringEnumVisitor<T>
where
    T: for<'a> From<&'a str> + From<String>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(T::from(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        Ok(T::from(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<T, E> {
        std::str::from_utf8(value)
            .map(T::from)
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(value), &self))
    }
}

/// Defines a `#[non_exhaustive]` string enum with the listed variants plus
/// `Unknown(UnknownValue)`, and its conversions and serde impls.
///
/// Any JSON string decodes (including `""`); a value that is not listed
/// becomes `Unknown(value)`. Conversions from strings always pick the listed
/// variant when there is one.
macro_rules! string_enum {
    (
        $(#[$enum_meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$meta:meta])*
                $variant:ident = $value:literal,
            )+
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$meta])*
                $variant,
            )+
            /// A value this version of the crate does not name, kept exactly
            /// as sent. Match it as "unknown"; to test for a particular
            /// value, compare with the converted string instead
            /// (`== Self::from("value")`), which keeps working when a later
            /// version names it.
            Unknown($crate::models::UnknownValue),
        }

        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )+
                    Self::Unknown(other) => other.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $value => Self::$variant, )+
                    other => Self::Unknown($crate::models::UnknownValue(other.to_owned())),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $value => Self::$variant, )+
                    _ => Self::Unknown($crate::models::UnknownValue(s)),
                }
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self::from(s.as_str())
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl From<$name> for ::serde_json::Value {
            fn from(value: $name) -> Self {
                ::serde_json::Value::String(value.as_str().to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::models::enums::StringEnumVisitor(
                    ::std::marker::PhantomData,
                ))
            }
        }
    };
}

string_enum! {
    /// The state of an identity (`identity.state`).
    pub enum IdentityState {
        /// The identity may sign in.
        Active = "active",
        /// The identity is disabled.
        Inactive = "inactive",
    }
}

string_enum! {
    /// A credential type (`identityCredentials.type`), also used as the name
    /// of a session's authentication method.
    pub enum CredentialType {
        /// Password.
        Password = "password",
        /// Social sign-in (OpenID Connect).
        Oidc = "oidc",
        /// Time-based one-time password (2FA).
        Totp = "totp",
        /// Lookup secrets (backup codes).
        LookupSecret = "lookup_secret",
        /// WebAuthn security key.
        Webauthn = "webauthn",
        /// One-time code sent by email or SMS.
        Code = "code",
        /// Passkey.
        Passkey = "passkey",
        /// Profile (registration without a first factor).
        Profile = "profile",
        /// SAML.
        Saml = "saml",
        /// Device authentication.
        Deviceauthn = "deviceauthn",
        /// Identifier-first login.
        IdentifierFirst = "identifier_first",
        /// Recovery by link (recovery flow only, never in `credentials`).
        LinkRecovery = "link_recovery",
        /// Recovery by code.
        CodeRecovery = "code_recovery",
    }
}

string_enum! {
    /// The authenticator assurance level (AAL). A higher number means it is
    /// harder for an attacker to compromise the account: `aal1` is one
    /// factor, `aal2` two. Real data may carry an empty string
    /// (`Unknown("")`).
    pub enum AuthenticatorAssuranceLevel {
        /// No authentication.
        Aal0 = "aal0",
        /// One factor.
        Aal1 = "aal1",
        /// Two factors.
        Aal2 = "aal2",
        /// Hardware-backed factors.
        Aal3 = "aal3",
    }
}

string_enum! {
    /// The Ory Network region an identity is homed in (`identity.region`).
    /// Empty on self-hosted and single-region deployments.
    pub enum Region {
        /// `eu-central`.
        EuCentral = "eu-central",
        /// `asia-northeast`.
        AsiaNortheast = "asia-northeast",
        /// `us-east`.
        UsEast = "us-east",
        /// `us-west`.
        UsWest = "us-west",
        /// `eu`.
        Eu = "eu",
        /// `asia`.
        Asia = "asia",
        /// `us`.
        Us = "us",
        /// `global`.
        Global = "global",
    }
}

string_enum! {
    /// How an address is reached (`via` of verifiable and recovery addresses).
    pub enum AddressVia {
        /// By email.
        Email = "email",
        /// By SMS.
        Sms = "sms",
    }
}

/// What a missing or `null` `via` decodes to: the unknown value `""`.
impl Default for AddressVia {
    fn default() -> Self {
        AddressVia::from("")
    }
}

string_enum! {
    /// The outcome of one entry of a batch patch (`identityPatchResponse.action`).
    pub enum IdentityPatchAction {
        /// The identity was created.
        Create = "create",
        /// The patch failed; see the entry's `error`.
        Error = "error",
    }
}

string_enum! {
    /// What to do with the matching sessions (`manageSessionsBody.action`).
    pub enum ManageSessionsAction {
        /// Disable (revoke) the sessions, keeping their rows.
        Disable = "disable",
        /// Delete the sessions.
        Delete = "delete",
    }
}

string_enum! {
    /// What a session call fills in beyond the session itself (`expand`).
    pub enum SessionExpand {
        /// The session's identity.
        Identity = "identity",
        /// The devices the session was used from.
        Devices = "devices",
    }
}

string_enum! {
    /// The read consistency of `list_identities` (`consistency`; Ory
    /// Network only: self-hosted Kratos reads strongly).
    pub enum Consistency {
        /// Read the latest data (the default).
        Strong = "strong",
        /// Read data that may be a few seconds old, faster.
        Eventual = "eventual",
    }
}

string_enum! {
    /// A JSON Patch operation, of the three Kratos supports (RFC 6902's
    /// `move`, `copy` and `test` are a 400 "unsupported operation" there,
    /// and read as `Unknown`).
    pub enum JsonPatchOp {
        /// Add a value.
        Add = "add",
        /// Remove a value.
        Remove = "remove",
        /// Replace a value (added when missing).
        Replace = "replace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for (v, s) in [
            (CredentialType::Password, "password"),
            (CredentialType::LookupSecret, "lookup_secret"),
            (CredentialType::IdentifierFirst, "identifier_first"),
            (CredentialType::CodeRecovery, "code_recovery"),
        ] {
            assert_eq!(v.as_str(), s);
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{s}\""));
            let back: CredentialType = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(back, v);
        }
        assert_eq!(Region::EuCentral.to_string(), "eu-central");
        assert_eq!(
            "asia-northeast".parse::<Region>(),
            Ok(Region::AsiaNortheast)
        );
        assert_eq!(JsonPatchOp::from("replace"), JsonPatchOp::Replace);
        assert_eq!(JsonPatchOp::from("move").as_str(), "move");
        assert!(matches!(JsonPatchOp::from("test"), JsonPatchOp::Unknown(_)));
        assert_eq!(
            ManageSessionsAction::from(String::from("delete")),
            ManageSessionsAction::Delete
        );
        assert_eq!(AuthenticatorAssuranceLevel::Aal2.as_ref(), "aal2");
    }

    #[test]
    fn unknown_values_are_kept() {
        let m: CredentialType = serde_json::from_str("\"v0.6_legacy_session\"").unwrap();
        assert!(matches!(&m, CredentialType::Unknown(v) if v.as_str() == "v0.6_legacy_session"));
        assert_eq!(m, CredentialType::from("v0.6_legacy_session"));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            "\"v0.6_legacy_session\""
        );

        let aal: AuthenticatorAssuranceLevel = serde_json::from_str("\"\"").unwrap();
        assert_eq!(aal, AuthenticatorAssuranceLevel::from(""));
        assert!(matches!(aal, AuthenticatorAssuranceLevel::Unknown(_)));
        assert_eq!(serde_json::to_string(&aal).unwrap(), "\"\"");

        let state = IdentityState::from(String::from("suspended"));
        assert!(matches!(&state, IdentityState::Unknown(v) if v.to_string() == "suspended"));
        assert_eq!(state.to_string(), "suspended");
        // A named value never comes out as unknown, whatever the source.
        assert_eq!(IdentityState::from("active"), IdentityState::Active);
        assert_eq!(
            serde_json::Value::from(IdentityState::Inactive),
            serde_json::json!("inactive")
        );
    }

    #[test]
    fn non_strings_are_rejected() {
        for json in ["1", "null", "true", "[]", "{}"] {
            let error = serde_json::from_str::<IdentityState>(json).unwrap_err();
            assert!(error.to_string().contains("expected a string"), "{error}");
        }
    }

    #[test]
    fn decodes_borrowed_escaped_and_owned_strings_alike() {
        // Borrowed from the text, unescaped into a scratch buffer, read
        // from bytes, and handed over owned by a `serde_json::Value`.
        let borrowed: IdentityState = serde_json::from_str("\"active\"").unwrap();
        let escaped: IdentityState = serde_json::from_str("\"\\u0061ctive\"").unwrap();
        let bytes: IdentityState = serde_json::from_slice(b"\"active\"").unwrap();
        let owned: IdentityState = serde_json::from_value(serde_json::json!("active")).unwrap();
        for state in [borrowed, escaped, bytes, owned] {
            assert_eq!(state, IdentityState::Active);
        }
        let escaped: IdentityState = serde_json::from_str("\"sus\\u0070ended\"").unwrap();
        assert_eq!(escaped.as_str(), "suspended");
        let owned: IdentityState = serde_json::from_value(serde_json::json!("gone")).unwrap();
        assert!(matches!(&owned, IdentityState::Unknown(v) if v.as_str() == "gone"));
    }

    #[test]
    fn address_via_defaults_to_empty_unknown() {
        assert_eq!(AddressVia::default().as_str(), "");
    }
}
