//! What Kratos holds unique, per input of an import: the `external_id`, the
//! login identifiers its identity schema derives from the traits (the
//! `ory.sh/kratos` extension: `credentials.password.identifier`,
//! `code.identifier`, `webauthn.identifier`), the verifiable and recovery
//! addresses, and the OIDC and SAML links in the imported credentials.
//!
//! Two inputs that share one of these cannot both be created: the import
//! finds them before anything is sent ([`Seen`]), and looks an input up by
//! them when its outcome is unknown ([`Keys::lookups`]).

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::models::CreateIdentityBody;

/// Which of the values Kratos holds unique two inputs share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// The `external_id`.
    ExternalId,
    /// A password login identifier (a trait marked
    /// `credentials.password.identifier` in the identity schema).
    Password,
    /// A one-time-code login identifier (`credentials.code.identifier`).
    Code,
    /// A WebAuthn login identifier (`credentials.webauthn.identifier`).
    WebAuthn,
    /// An OIDC link: the same provider and subject.
    Oidc,
    /// A SAML link: the same provider and subject.
    Saml,
    /// A verifiable address (`verification.via` in the schema, or given in
    /// `verifiable_addresses`).
    VerifiableAddress,
    /// A recovery address (`recovery.via` in the schema, or given in
    /// `recovery_addresses`).
    RecoveryAddress,
}

impl IdentifierKind {
    /// The kind in words, without the value (`"password identifier"`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::ExternalId => "external_id",
            IdentifierKind::Password => "password identifier",
            IdentifierKind::Code => "code identifier",
            IdentifierKind::WebAuthn => "WebAuthn identifier",
            IdentifierKind::Oidc => "OIDC provider and subject",
            IdentifierKind::Saml => "SAML provider and subject",
            IdentifierKind::VerifiableAddress => "verifiable address",
            IdentifierKind::RecoveryAddress => "recovery address",
        }
    }

    /// `true` for the kinds `list_identities().credentials_identifier(…)`
    /// finds an identity by.
    fn is_credentials_identifier(self) -> bool {
        matches!(
            self,
            IdentifierKind::Password
                | IdentifierKind::Code
                | IdentifierKind::WebAuthn
                | IdentifierKind::Oidc
                | IdentifierKind::Saml
        )
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unique values of one input, normalised as Kratos stores them
/// (password, code and WebAuthn identifiers and addresses trimmed and
/// lower-cased; `external_id` and OIDC/SAML subjects as given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Keys {
    pub(crate) external_id: Option<String>,
    /// Everything else, in schema order, without repeats.
    pub(crate) values: Vec<(IdentifierKind, String)>,
    /// Whether the identity schema was read. Without it the login
    /// identifiers are unknown: two inputs of the same person are not found
    /// before sending, and a 409 must be looked up to be told apart (see
    /// [`guessed_identifiers`]).
    pub(crate) schema_read: bool,
}

impl Keys {
    /// The keys of `body`, with the rules of its schema (`None` when the
    /// schema could not be read: then only what the body itself says).
    pub(crate) fn of(body: &CreateIdentityBody, schema: Option<&Value>) -> Keys {
        let mut keys = Keys {
            external_id: body.external_id.clone().filter(|id| !id.is_empty()),
            values: Vec::new(),
            schema_read: schema.is_some(),
        };
        if let Some(schema) = schema {
            derive(&schema["properties"]["traits"], &body.traits, &mut keys);
        }
        for address in &body.verifiable_addresses {
            keys.push(
                IdentifierKind::VerifiableAddress,
                address_key(address.via.as_str(), &address.value),
            );
        }
        for address in &body.recovery_addresses {
            keys.push(
                IdentifierKind::RecoveryAddress,
                address_key(address.via.as_str(), &address.value),
            );
        }
        if let Some(credentials) = &body.credentials {
            let oidc = credentials.oidc.iter().flat_map(|c| c.config.iter());
            for provider in oidc.flat_map(|c| c.providers.iter()) {
                keys.push(
                    IdentifierKind::Oidc,
                    format!("{}:{}", provider.provider, provider.subject),
                );
            }
            let saml = credentials.saml.iter().flat_map(|c| c.config.iter());
            for provider in saml.flat_map(|c| c.providers.iter()) {
                keys.push(
                    IdentifierKind::Saml,
                    format!("{}:{}", provider.provider, provider.subject),
                );
            }
        }
        keys
    }

    fn push(&mut self, kind: IdentifierKind, value: String) {
        if value.is_empty() || self.values.iter().any(|(k, v)| *k == kind && *v == value) {
            return;
        }
        self.values.push((kind, value));
    }

    /// Every key with its kind, the `external_id` first.
    fn all(&self) -> impl Iterator<Item = (IdentifierKind, &str)> {
        let external = self
            .external_id
            .as_deref()
            .map(|id| (IdentifierKind::ExternalId, id));
        external
            .into_iter()
            .chain(self.values.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// The values an identity can be found by, in the order to try them:
    /// the `external_id` (with `get_identity_by_external_id`), then each
    /// credentials identifier (with `list_identities().credentials_identifier`).
    /// Addresses cannot be searched for.
    pub(crate) fn lookups(&self) -> impl Iterator<Item = (IdentifierKind, &str)> {
        self.all().filter(|(kind, _)| {
            *kind == IdentifierKind::ExternalId || kind.is_credentials_identifier()
        })
    }
}

/// How many trait values a lookup tries when the schema could not be read.
const MAX_GUESSES: usize = 8;

/// The string values of traits that may be login identifiers, for an input
/// whose schema could not be read: every string trait (nested ones too),
/// trimmed, in order, without repeats (ignoring case), at most
/// [`MAX_GUESSES`], none longer than an email address may be. Only used to
/// look an identity up (`credentials_identifier` finds nothing by a value
/// that is not an identifier), never to call two inputs the same.
pub(crate) fn guessed_identifiers(traits: &Value) -> Vec<String> {
    fn walk(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                let text = text.trim();
                let fresh = !into.iter().any(|seen| seen.eq_ignore_ascii_case(text));
                if !text.is_empty() && text.len() <= 320 && fresh && into.len() < MAX_GUESSES {
                    into.push(text.to_string());
                }
            }
            Value::Object(fields) => fields.values().for_each(|v| walk(v, into)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, into)),
            _ => {}
        }
    }
    let mut guesses = Vec::new();
    walk(traits, &mut guesses);
    guesses
}

/// A verifiable or recovery address as Kratos stores it: its channel and
/// its value, trimmed and lower-cased (the unique key is both).
fn address_key(via: &str, value: &str) -> String {
    format!("{via}:{}", value.trim().to_lowercase())
}

/// Walks the traits with their schema and collects what the `ory.sh/kratos`
/// extension derives from each string trait, as Kratos's schema extensions
/// do (`identity/extension_credentials.go`, `extension_verification.go`,
/// `extension_recovery.go`). A `$ref` in the schema is not followed.
fn derive(schema: &Value, value: &Value, into: &mut Keys) {
    match value {
        Value::String(text) => {
            let extension = &schema["ory.sh/kratos"];
            let credentials = &extension["credentials"];
            // Kratos stores these identifiers trimmed and lower-cased
            // (persistence/sql/identity NormalizeIdentifier). Phone numbers
            // for `code` via `sms` are also brought to E.164 there; one
            // written otherwise is compared as written.
            let normalized = text.trim().to_lowercase();
            for (field, kind) in [
                ("password", IdentifierKind::Password),
                ("code", IdentifierKind::Code),
                ("webauthn", IdentifierKind::WebAuthn),
            ] {
                if credentials[field]["identifier"] == Value::Bool(true) {
                    into.push(kind, normalized.clone());
                }
            }
            if let Some(via) = extension["verification"]["via"].as_str() {
                into.push(IdentifierKind::VerifiableAddress, address_key(via, text));
            }
            if let Some(via) = extension["recovery"]["via"].as_str() {
                into.push(IdentifierKind::RecoveryAddress, address_key(via, text));
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                if let Some(inner) = schema["properties"].get(name) {
                    derive(inner, field, into);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                derive(&schema["items"], item, into);
            }
        }
        _ => {}
    }
}

/// The keys of the inputs read so far, each with the first input that
/// holds it. Kept as two 64-bit hashes of kind and value (16 bytes a key,
/// not the value itself): a million inputs with three keys each take about
/// 80 MB less than their strings would, and two different keys collide
/// with a probability near 2⁻¹²⁸.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    first: HashMap<(u64, u64), usize>,
}

impl Seen {
    /// The first earlier input sharing a key with this one, and which key;
    /// else `None`, and the input's keys are now taken by `index`.
    pub(crate) fn claim(&mut self, index: usize, keys: &Keys) -> Option<(usize, IdentifierKind)> {
        let hashed: Vec<((u64, u64), IdentifierKind)> = keys
            .all()
            .map(|(kind, value)| (fingerprint(kind, value), kind))
            .collect();
        for (hash, kind) in &hashed {
            if let Some(&first) = self.first.get(hash) {
                return Some((first, *kind));
            }
        }
        for (hash, _) in hashed {
            self.first.insert(hash, index);
        }
        None
    }
}

impl Seen {
    /// Gives every key of `keys` to input `index`, whoever held it.
    pub(crate) fn reassign(&mut self, index: usize, keys: &Keys) {
        for (kind, value) in keys.all() {
            self.first.insert(fingerprint(kind, value), index);
        }
    }

    /// The input other than `of` that holds one of `keys` now, if any
    /// (another duplicate of `of` was sent in its place already).
    pub(crate) fn holder_other_than(&self, keys: &Keys, of: usize) -> Option<usize> {
        keys.all()
            .filter_map(|(kind, value)| self.first.get(&fingerprint(kind, value)))
            .copied()
            .find(|&holder| holder != of)
    }
}

fn fingerprint(kind: IdentifierKind, value: &str) -> (u64, u64) {
    let hash = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        kind.hash(&mut hasher);
        value.hash(&mut hasher);
        hasher.finish()
    };
    (hash(0), hash(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{IdentityWithCredentials, OidcProvider};
    use serde_json::json;

    fn schema() -> Value {
        json!({"properties": {"traits": {"type": "object", "properties": {
            "email": {"type": "string", "ory.sh/kratos": {
                "credentials": {"password": {"identifier": true}, "code": {"identifier": true, "via": "email"}},
                "verification": {"via": "email"}, "recovery": {"via": "email"}}},
            "username": {"type": "string", "ory.sh/kratos": {"credentials": {"webauthn": {"identifier": true}}}},
            "name": {"type": "string"},
            "emails": {"type": "array", "items": {"type": "string", "ory.sh/kratos": {
                "credentials": {"password": {"identifier": true}}}}}
        }}}})
    }

    #[test]
    fn derives_what_the_schema_marks_normalised_as_kratos_stores_it() {
        let body = CreateIdentityBody::new(
            "default",
            json!({"email": " Ada@Example.COM ", "username": "Ada", "name": "Ada L",
                   "emails": ["a2@example.com", "ADA@example.com"]}),
        )
        .external_id("crm-1");
        let keys = Keys::of(&body, Some(&schema()));
        assert_eq!(keys.external_id.as_deref(), Some("crm-1"));
        assert_eq!(
            keys.values,
            vec![
                (IdentifierKind::Password, "ada@example.com".to_string()),
                (IdentifierKind::Code, "ada@example.com".to_string()),
                (
                    IdentifierKind::VerifiableAddress,
                    "email:ada@example.com".to_string()
                ),
                (
                    IdentifierKind::RecoveryAddress,
                    "email:ada@example.com".to_string()
                ),
                (IdentifierKind::Password, "a2@example.com".to_string()),
                (IdentifierKind::WebAuthn, "ada".to_string()),
            ]
        );
        let lookups: Vec<_> = keys.lookups().map(|(k, _)| k).collect();
        assert_eq!(
            lookups,
            [
                IdentifierKind::ExternalId,
                IdentifierKind::Password,
                IdentifierKind::Code,
                IdentifierKind::Password,
                IdentifierKind::WebAuthn
            ]
        );
    }

    #[test]
    fn oidc_links_are_keys_and_an_unknown_schema_leaves_only_the_body_s_own() {
        let body = CreateIdentityBody::new("default", json!({"email": "ada@example.com"}))
            .credentials(IdentityWithCredentials::oidc([OidcProvider::new(
                "google", "1234",
            )]));
        let keys = Keys::of(&body, None);
        assert_eq!(
            keys.values,
            vec![(IdentifierKind::Oidc, "google:1234".to_string())]
        );
        assert!(keys.lookups().next().is_some());
        let bare = Keys::of(
            &CreateIdentityBody::new("default", json!({"name": "x"})),
            None,
        );
        assert!(bare.lookups().next().is_none());
    }

    #[test]
    fn without_the_schema_every_string_trait_may_be_an_identifier() {
        let traits = json!({"email": " Ada@Example.com ", "name": {"first": "Ada", "last": ""},
                            "emails": ["ada@example.com", "a2@example.com"], "age": 36});
        assert_eq!(
            guessed_identifiers(&traits),
            ["Ada@Example.com", "a2@example.com", "Ada"]
        );
        let many = json!((0..20).map(|i| format!("v{i}")).collect::<Vec<_>>());
        assert_eq!(guessed_identifiers(&many).len(), MAX_GUESSES);
        assert!(guessed_identifiers(&json!({"long": "x".repeat(321)})).is_empty());
        assert!(!Keys::of(&CreateIdentityBody::new("default", traits), None).schema_read);
    }

    #[test]
    fn the_first_input_holding_a_key_keeps_it() {
        let mut seen = Seen::default();
        let keys = |email: &str, external: Option<&str>| Keys {
            external_id: external.map(str::to_string),
            values: vec![(IdentifierKind::Password, email.to_string())],
            schema_read: true,
        };
        assert_eq!(seen.claim(0, &keys("a@x", Some("1"))), None);
        assert_eq!(seen.claim(1, &keys("b@x", None)), None);
        assert_eq!(
            seen.claim(2, &keys("a@x", None)),
            Some((0, IdentifierKind::Password))
        );
        assert_eq!(
            seen.claim(3, &keys("c@x", Some("1"))),
            Some((0, IdentifierKind::ExternalId))
        );
        // A refused claim takes nothing: c@x is still free.
        assert_eq!(seen.claim(4, &keys("c@x", None)), None);
        // The same value under another kind is another key.
        let code = Keys {
            external_id: None,
            values: vec![(IdentifierKind::Code, "b@x".to_string())],
            schema_read: true,
        };
        assert_eq!(seen.claim(5, &code), None);
    }
}
