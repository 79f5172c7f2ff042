//! The stored identities, credentials and sessions, and their JSON in
//! Kratos's field order.
//!
//! An identity keeps every field as the JSON it was given (`None` when
//! absent), so that [`insert_identity`](super::FakeKratos::insert_identity)
//! returns odd records exactly as given; fields Kratos does not know are
//! kept in `extra` and written last.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

/// One stored identity.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentityRecord {
    pub(crate) id: Uuid,
    pub(crate) external_id: Option<Value>,
    pub(crate) credentials: Option<BTreeMap<String, CredentialRecord>>,
    pub(crate) schema_id: Option<Value>,
    pub(crate) schema_url: Option<Value>,
    pub(crate) state: Option<Value>,
    pub(crate) state_changed_at: Option<Value>,
    pub(crate) traits: Option<Value>,
    pub(crate) verifiable_addresses: Option<Value>,
    pub(crate) recovery_addresses: Option<Value>,
    pub(crate) metadata_public: Option<Value>,
    pub(crate) metadata_admin: Option<Value>,
    pub(crate) created_at: Option<Value>,
    pub(crate) updated_at: Option<Value>,
    pub(crate) organization_id: Option<Value>,
    pub(crate) region: Option<Value>,
    pub(crate) extra: Map<String, Value>,
}

/// One stored credential, in its export shape.
#[derive(Debug, Clone, Default)]
pub(crate) struct CredentialRecord {
    pub(crate) type_: Option<Value>,
    pub(crate) identifiers: Option<Value>,
    pub(crate) config: Option<Value>,
    pub(crate) version: Option<Value>,
    pub(crate) created_at: Option<Value>,
    pub(crate) updated_at: Option<Value>,
    pub(crate) extra: Map<String, Value>,
}

impl CredentialRecord {
    /// A credential as Kratos creates it.
    pub(crate) fn new(type_: &str, identifiers: Vec<String>, config: Value, now: &str) -> Self {
        CredentialRecord {
            type_: Some(Value::from(type_)),
            identifiers: Some(Value::from(identifiers)),
            config: Some(config),
            version: Some(Value::from(if type_ == "code" { 1 } else { 0 })),
            created_at: Some(Value::from(now)),
            updated_at: Some(Value::from(now)),
            extra: Map::new(),
        }
    }

    /// The identifiers that are strings.
    pub(crate) fn identifiers(&self) -> Vec<&str> {
        match &self.identifiers {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Reads a credential from its export JSON; `None` unless an object.
    fn from_json(value: &Value) -> Option<Self> {
        let mut map = value.as_object()?.clone();
        Some(CredentialRecord {
            type_: map.remove("type"),
            identifiers: map.remove("identifiers"),
            config: map.remove("config"),
            version: map.remove("version"),
            created_at: map.remove("created_at"),
            updated_at: map.remove("updated_at"),
            extra: map,
        })
    }
}

impl IdentityRecord {
    /// Reads an identity from Kratos's export JSON (what
    /// `GET /admin/identities/{id}?include_credential=…` answers), keeping
    /// unknown fields. A missing or invalid `id` is left nil.
    pub(crate) fn from_json(mut map: Map<String, Value>) -> (Self, bool) {
        let id = map
            .remove("id")
            .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()));
        let credentials = map.remove("credentials").map(|c| match c {
            Value::Object(types) => types
                .iter()
                .filter_map(|(k, v)| CredentialRecord::from_json(v).map(|c| (k.clone(), c)))
                .collect(),
            _ => BTreeMap::new(),
        });
        let mut take = |k: &str| map.remove(k);
        let record = IdentityRecord {
            id: id.unwrap_or_default(),
            external_id: take("external_id"),
            credentials,
            schema_id: take("schema_id"),
            schema_url: take("schema_url"),
            state: take("state"),
            state_changed_at: take("state_changed_at"),
            traits: take("traits"),
            verifiable_addresses: take("verifiable_addresses"),
            recovery_addresses: take("recovery_addresses"),
            metadata_public: take("metadata_public"),
            metadata_admin: take("metadata_admin"),
            created_at: take("created_at"),
            updated_at: take("updated_at"),
            organization_id: take("organization_id"),
            region: take("region"),
            extra: Map::new(),
        };
        (
            IdentityRecord {
                extra: map,
                ..record
            },
            id.is_some(),
        )
    }

    /// `schema_id`, when a string.
    pub(crate) fn schema_id(&self) -> &str {
        str_of(&self.schema_id)
    }

    /// `state`, when a string.
    pub(crate) fn state(&self) -> &str {
        str_of(&self.state)
    }

    /// `external_id`, when a non-empty string.
    pub(crate) fn external_id(&self) -> Option<&str> {
        Some(str_of(&self.external_id)).filter(|s| !s.is_empty())
    }

    /// `organization_id`, when a UUID.
    pub(crate) fn organization_id(&self) -> Option<Uuid> {
        Uuid::parse_str(str_of(&self.organization_id)).ok()
    }

    /// Every `(credential type, identifier)` pair.
    pub(crate) fn identifier_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for (type_, credential) in self.credentials.iter().flatten() {
            for identifier in credential.identifiers() {
                pairs.push((type_.clone(), normalize_identifier(type_, identifier)));
            }
        }
        pairs
    }

    /// Everything Kratos holds unique for this identity besides its id and
    /// `external_id`: the credential identifiers, and the verifiable and
    /// recovery addresses (unique indices on `(nid, via, value)`, values
    /// stored trimmed and lower-cased). Address keys carry a kind no
    /// credential type has, so a credentials search never finds them.
    pub(crate) fn unique_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.identifier_pairs();
        for (kind, addresses) in [
            ("address:verifiable", &self.verifiable_addresses),
            ("address:recovery", &self.recovery_addresses),
        ] {
            for address in addresses.iter().flat_map(|a| a.as_array()).flatten() {
                let (Some(via), Some(value)) = (address["via"].as_str(), address["value"].as_str())
                else {
                    continue;
                };
                pairs.push((format!("{kind}:{via}"), value.trim().to_lowercase()));
            }
        }
        pairs.sort();
        pairs.dedup();
        pairs
    }

    /// The JSON view: `credentials` as `view` says, `metadata_admin` unless
    /// `public_only` (the identity inside a session).
    pub(crate) fn view<'a>(&'a self, credentials: CredentialsView<'a>) -> IdentityView<'a> {
        let public_only = matches!(
            credentials,
            CredentialsView::PublicOnly | CredentialsView::InSession
        );
        let addresses = !matches!(credentials, CredentialsView::InSession);
        let credentials = match credentials {
            CredentialsView::Omit | CredentialsView::PublicOnly | CredentialsView::InSession => {
                None
            }
            CredentialsView::Configs(included) => self.credentials.as_ref().map(|types| {
                types
                    .iter()
                    .map(|(k, c)| (k.as_str(), c.view(included.iter().any(|i| i == k))))
                    .collect()
            }),
            CredentialsView::AllConfigs => self.credentials.as_ref().map(|types| {
                types
                    .iter()
                    .map(|(k, c)| (k.as_str(), c.view(true)))
                    .collect()
            }),
        };
        IdentityView {
            id: &self.id,
            external_id: self.external_id.as_ref(),
            credentials,
            schema_id: self.schema_id.as_ref(),
            schema_url: self.schema_url.as_ref(),
            state: self.state.as_ref(),
            state_changed_at: self.state_changed_at.as_ref(),
            traits: self.traits.as_ref(),
            verifiable_addresses: self.verifiable_addresses.as_ref().filter(|_| addresses),
            recovery_addresses: self.recovery_addresses.as_ref().filter(|_| addresses),
            metadata_public: self.metadata_public.as_ref(),
            // Reads show it, `null` when unset (an identity inserted without
            // it keeps it missing); see `written` for the answers of
            // writes, which leave an unset one out.
            metadata_admin: self.metadata_admin.as_ref().filter(|_| !public_only),
            created_at: self.created_at.as_ref(),
            updated_at: self.updated_at.as_ref(),
            organization_id: self.organization_id.as_ref(),
            region: self.region.as_ref(),
            extra: &self.extra,
        }
    }

    /// The identity as a create or update answers it: credentials without
    /// config, and no `metadata_admin` when unset (Kratos marshals the
    /// plain identity there, whose `metadata_admin` is `omitempty`).
    pub(crate) fn written(&self) -> Value {
        let mut value =
            serde_json::to_value(self.view(CredentialsView::Configs(&[]))).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut()
            && map.get("metadata_admin").is_some_and(Value::is_null)
        {
            map.remove("metadata_admin");
        }
        value
    }

    /// The whole identity as a JSON value (every config included).
    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self.view(CredentialsView::AllConfigs)).unwrap_or(Value::Null)
    }
}

impl CredentialRecord {
    fn view(&self, with_config: bool) -> CredentialView<'_> {
        // An OIDC or SAML credential whose last link was removed shows no
        // config at all, as Kratos's declassification leaves it.
        let no_links = self.config.as_ref().is_some_and(|c| {
            matches!(str_of(&self.type_), "oidc" | "saml")
                && c["providers"].as_array().is_some_and(Vec::is_empty)
        });
        CredentialView {
            type_: self.type_.as_ref(),
            identifiers: self.identifiers.as_ref(),
            config: self.config.as_ref().filter(|_| with_config && !no_links),
            version: self.version.as_ref(),
            created_at: self.created_at.as_ref(),
            updated_at: self.updated_at.as_ref(),
            extra: &self.extra,
        }
    }
}

fn str_of(value: &Option<Value>) -> &str {
    value.as_ref().and_then(Value::as_str).unwrap_or("")
}

/// Kratos compares password, code and WebAuthn identifiers normalised
/// (trimmed, lower-case), OIDC and SAML ones as they are.
pub(crate) fn normalize_identifier(type_: &str, identifier: &str) -> String {
    match type_ {
        "password" | "code" | "webauthn" => identifier.trim().to_lowercase(),
        _ => identifier.to_string(),
    }
}

/// Which credentials an identity's JSON shows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CredentialsView<'a> {
    /// No `credentials` key (lists without `include_credential`).
    Omit,
    /// Every type, `config` only for these.
    Configs(&'a [String]),
    /// Every type with its `config`.
    AllConfigs,
    /// No credentials and no `metadata_admin` (the identity of a session
    /// made by a login, and of `whoami`).
    PublicOnly,
    /// As `PublicOnly`, and no addresses either: a session's identity as
    /// the admin API expands it.
    InSession,
}

/// An identity's JSON, fields in Kratos's order.
#[derive(Debug, Serialize)]
pub(crate) struct IdentityView<'a> {
    id: &'a Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<BTreeMap<&'a str, CredentialView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_url: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state_changed_at: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    traits: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verifiable_addresses: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_addresses: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata_public: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata_admin: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a Value>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// A credential's JSON: `type, identifiers, config?, version, created_at, updated_at`.
#[derive(Debug, Serialize)]
pub(crate) struct CredentialView<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifiers: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<&'a Value>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// One stored session.
#[derive(Debug, Clone)]
pub(crate) struct SessionRecord {
    pub(crate) id: Uuid,
    pub(crate) identity_id: Uuid,
    pub(crate) active: bool,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) authenticated_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) device_id: Uuid,
}

impl SessionRecord {
    /// Active and not expired.
    pub(crate) fn is_active(&self, now: OffsetDateTime) -> bool {
        self.active && self.expires_at >= now
    }

    /// The session's JSON. `identity` is `null` unless given; `active` is
    /// what Kratos computes: stored active, not expired, and its identity
    /// (`owner`) active.
    pub(crate) fn view<'a>(
        &'a self,
        owner: Option<&IdentityRecord>,
        identity: Option<IdentityView<'a>>,
        devices: Devices,
    ) -> SessionView<'a> {
        let authenticated_at = timestamp(self.authenticated_at);
        let owner_active = owner.is_none_or(|o| o.state() == "active");
        let device = DeviceView {
            id: self.device_id,
            ip_address: "127.0.0.1",
            user_agent: "FakeKratos/1.0 (kratos-identity-fake)",
            location: "",
        };
        SessionView {
            id: &self.id,
            active: self.active && self.expires_at > OffsetDateTime::now_utc() && owner_active,
            expires_at: timestamp(self.expires_at),
            authenticated_at: authenticated_at.clone(),
            authenticator_assurance_level: "aal1",
            authentication_methods: vec![AuthMethodView {
                method: "password",
                aal: "aal1",
                completed_at: authenticated_at.clone(),
            }],
            issued_at: authenticated_at,
            identity,
            devices: match devices {
                Devices::Null => None,
                Devices::Empty => Some(Vec::new()),
                Devices::Listed => Some(vec![device]),
            },
        }
    }
}

/// What a session's `devices` holds: Kratos writes `null` in lists that do
/// not expand them, `[]` in a single session that does not, and the
/// devices when expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Devices {
    Null,
    Empty,
    Listed,
}

/// A session's JSON, fields in Kratos's order.
#[derive(Debug, Serialize)]
pub(crate) struct SessionView<'a> {
    id: &'a Uuid,
    active: bool,
    expires_at: String,
    authenticated_at: String,
    authenticator_assurance_level: &'static str,
    authentication_methods: Vec<AuthMethodView>,
    issued_at: String,
    /// `null` when not expanded, as Kratos writes it.
    identity: Option<IdentityView<'a>>,
    /// `null` in lists that do not expand it, as Kratos writes it.
    devices: Option<Vec<DeviceView>>,
}

#[derive(Debug, Serialize)]
struct AuthMethodView {
    method: &'static str,
    aal: &'static str,
    completed_at: String,
}

#[derive(Debug, Serialize)]
struct DeviceView {
    id: Uuid,
    ip_address: &'static str,
    user_agent: &'static str,
    location: &'static str,
}

/// RFC 3339 in UTC with microseconds, as Kratos writes its timestamps.
pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}
