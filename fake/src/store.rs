//! The fake's state: identities (in id order, with the unique indexes
//! Kratos's database keeps), sessions, the known identity schemas, and a
//! deterministic id generator.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use uuid::Uuid;

use super::record::{IdentityRecord, SessionRecord};
use crate::KratosVersion;

/// Why an identity could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// Another identity has this `(credential type, identifier)`.
    Identifier(String, String),
    /// Another identity has this `external_id`.
    ExternalId(String),
}

/// Everything the fake holds.
#[derive(Debug)]
pub(crate) struct Store {
    /// `http://127.0.0.1:PORT`, for `schema_url` and recovery links.
    pub(crate) base_url: String,
    next_id: Cell<u64>,
    /// Mixed into every id: another seed, other ids (0 by default).
    pub(crate) seed: u64,
    /// The Kratos version answered as (also in [`State`](crate::handlers::State)),
    /// for what the store derives differently by version.
    pub(crate) version: KratosVersion,
    identities: BTreeMap<Uuid, IdentityRecord>,
    identifiers: HashMap<(String, String), Uuid>,
    external_ids: HashMap<String, Uuid>,
    pub(crate) sessions: BTreeMap<Uuid, SessionRecord>,
    /// The identity schemas, in configuration order.
    pub(crate) schemas: Schemas,
    /// How many identities `seed_identities` made so far.
    pub(crate) seeded: usize,
    /// The public port's login flows: id → when it expires.
    pub(crate) login_flows: BTreeMap<Uuid, time::OffsetDateTime>,
    /// Session tokens handed out by logins → session id.
    pub(crate) session_tokens: HashMap<String, Uuid>,
    /// The ids of the configured OIDC providers (test login flows).
    pub(crate) oidc_providers: Vec<String>,
}

impl Store {
    pub(crate) fn new(base_url: String) -> Store {
        let mut schemas = Schemas::default();
        schemas.set("default", default_schema());
        Store {
            base_url,
            next_id: Cell::new(0),
            seed: 0,
            version: KratosVersion::default(),
            identities: BTreeMap::new(),
            identifiers: HashMap::new(),
            external_ids: HashMap::new(),
            sessions: BTreeMap::new(),
            schemas,
            seeded: 0,
            login_flows: BTreeMap::new(),
            session_tokens: HashMap::new(),
            oidc_providers: Vec::new(),
        }
    }

    /// A new id: a counter mixed into a v4-shaped UUID, so that ids look
    /// random (and spread over the id order) yet repeat from run to run.
    pub(crate) fn new_id(&self) -> Uuid {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        let hi = splitmix64(n ^ self.seed.wrapping_mul(0xA24B_AED4_963E_E407));
        let lo = splitmix64(hi ^ n.rotate_left(32));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Uuid::from_bytes(bytes)
    }

    /// `{base}/schemas/{base64url(id)}`, as Kratos builds `schema_url`.
    pub(crate) fn schema_url(&self, schema_id: &str) -> String {
        format!(
            "{}/schemas/{}",
            self.base_url,
            super::paging::base64_encode(schema_id.as_bytes())
        )
    }

    pub(crate) fn get(&self, id: &Uuid) -> Option<&IdentityRecord> {
        self.identities.get(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.identities.len()
    }

    /// Identities in id order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &IdentityRecord> {
        self.identities.values()
    }

    /// Identities after `after` (exclusive), in id order.
    pub(crate) fn after(&self, after: Uuid) -> impl Iterator<Item = &IdentityRecord> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.identities
            .range((Excluded(after), Unbounded))
            .map(|(_, r)| r)
    }

    /// The identity holding `(credential type, normalised identifier)`.
    pub(crate) fn by_identifier(&self, key: &(String, String)) -> Option<&IdentityRecord> {
        self.identifiers
            .get(key)
            .and_then(|id| self.identities.get(id))
    }

    pub(crate) fn by_external_id(&self, external_id: &str) -> Option<&IdentityRecord> {
        self.external_ids
            .get(external_id)
            .and_then(|id| self.identities.get(id))
    }

    /// What `record` would collide with, other than itself.
    pub(crate) fn conflict(&self, record: &IdentityRecord) -> Option<Conflict> {
        for pair in record.unique_pairs() {
            if self
                .identifiers
                .get(&pair)
                .is_some_and(|owner| *owner != record.id)
            {
                return Some(Conflict::Identifier(pair.0, pair.1));
            }
        }
        let external = record.external_id()?;
        self.external_ids
            .get(external)
            .filter(|owner| **owner != record.id)
            .map(|_| Conflict::ExternalId(external.to_string()))
    }

    /// Stores (or replaces) an identity, unless it collides with another.
    pub(crate) fn put(&mut self, record: IdentityRecord) -> Result<(), Conflict> {
        if let Some(conflict) = self.conflict(&record) {
            return Err(conflict);
        }
        self.unindex(record.id);
        for pair in record.unique_pairs() {
            self.identifiers.insert(pair, record.id);
        }
        if let Some(external) = record.external_id() {
            self.external_ids.insert(external.to_string(), record.id);
        }
        self.identities.insert(record.id, record);
        Ok(())
    }

    /// Removes an identity and its sessions.
    pub(crate) fn remove(&mut self, id: &Uuid) -> Option<IdentityRecord> {
        self.unindex(*id);
        self.sessions.retain(|_, s| s.identity_id != *id);
        self.identities.remove(id)
    }

    fn unindex(&mut self, id: Uuid) {
        let Some(old) = self.identities.get(&id) else {
            return;
        };
        for pair in old.unique_pairs() {
            if self.identifiers.get(&pair) == Some(&id) {
                self.identifiers.remove(&pair);
            }
        }
        if let Some(external) = old.external_id()
            && self.external_ids.get(external) == Some(&id)
        {
            self.external_ids.remove(external);
        }
    }
}

/// The identity schemas by id, in the order they were configured (Kratos
/// lists them in its configuration's order).
#[derive(Debug, Default)]
pub(crate) struct Schemas(Vec<(String, Value)>);

impl Schemas {
    /// Adds a schema, or replaces the one with this id in its place.
    pub(crate) fn set(&mut self, id: &str, schema: Value) {
        match self.0.iter_mut().find(|(known, _)| known == id) {
            Some(slot) => slot.1 = schema,
            None => self.0.push((id.to_string(), schema)),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        self.0.iter().find(|(known, _)| known == id).map(|(_, s)| s)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// `(id, schema)` in configuration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(id, schema)| (id, schema))
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `default` identity schema: an email that is the password and code
/// identifier and the verification and recovery address, and an optional
/// name. The fake checks what it says about `email`; other traits are free.
fn default_schema() -> Value {
    json!({
        "$id": "https://schemas.ory.sh/presets/kratos/identity.email.schema.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Person",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "email": {
                        "type": "string",
                        "format": "email",
                        "title": "E-Mail",
                        "ory.sh/kratos": {
                            "credentials": {
                                "password": {"identifier": true},
                                "code": {"identifier": true, "via": "email"}
                            },
                            "recovery": {"via": "email"},
                            "verification": {"via": "email"}
                        }
                    },
                    "name": {
                        "type": "object",
                        "properties": {
                            "first": {"type": "string", "title": "First name"},
                            "last": {"type": "string", "title": "Last name"}
                        }
                    }
                },
                "required": ["email"]
            }
        }
    })
}

/// The schema registered for a schema id first seen on an inserted
/// identity: any object of traits.
pub(crate) fn permissive_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"traits": {"type": "object"}}
    })
}
