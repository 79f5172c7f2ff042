//! Realistic identities for [`seed_identities`](super::FakeKratos::seed_identities):
//! schema `default`, about 1 KB each (email, name, phone, postal address,
//! verified or pending addresses, public and admin metadata, a password
//! hash and the code credential), the same from run to run.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::record::{CredentialRecord, IdentityRecord};
use super::store::Store;

const FIRST: [&str; 8] = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
];
const LAST: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen",
];
const CITIES: [(&str, &str, &str); 4] = [
    ("Berlin", "10117", "DE"),
    ("Lisboa", "1100-148", "PT"),
    ("Toronto", "M5H 2N2", "CA"),
    ("Osaka", "530-0001", "JP"),
];
const LOCALES: [&str; 4] = ["de-DE", "pt-PT", "en-CA", "ja-JP"];
const PLANS: [&str; 3] = ["free", "pro", "team"];
/// The organizations seeded identities belong to (every fourth has none).
pub(crate) const ORGANIZATIONS: [&str; 3] = [
    "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11",
    "c0d9f7a2-5b84-4d3f-8e21-7a6b5c4d3e2f",
    "e2a7b6c5-d4e3-4f21-9a8b-7c6d5e4f3a2b",
];

/// The email of seeded identity number `index` (0-based, per fake).
pub(crate) fn seed_email(index: usize) -> String {
    format!("user{index:06}@example.com")
}

/// Adds `n` identities; returns their ids in id order.
pub(crate) fn seed(store: &mut Store, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let index = store.seeded;
        store.seeded += 1;
        let record = identity(store, index);
        ids.push(record.id);
        if let Err(conflict) = store.put(record) {
            panic!("seed_identities: identity {index} collides with an inserted one: {conflict:?}");
        }
    }
    ids.sort();
    ids
}

fn identity(store: &Store, index: usize) -> IdentityRecord {
    let id = store.new_id();
    let email = seed_email(index);
    let (first, last) = (FIRST[index % 8], LAST[(index / 8) % 8]);
    let (city, postal, country) = CITIES[index % 4];
    let month = 1 + (index / 28) % 12;
    let day = 1 + index % 28;
    let at = |h: u32, m: u32, s: u32, micros: u32| {
        format!("2024-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{micros:06}Z")
    };
    let created = at(9, 14, 2, 121_877 + (index % 1000) as u32);
    let updated = at(9, 15, 27, 196_341);
    let verified = !index.is_multiple_of(3);
    let mut verifiable = json!({
        "id": store.new_id(),
        "value": email,
        "verified": verified,
        "via": "email",
        "status": if verified { "completed" } else { "pending" },
        "created_at": created,
        "updated_at": updated,
    });
    if verified && let Some(map) = verifiable.as_object_mut() {
        map.insert("verified_at".into(), Value::from(at(9, 15, 27, 193_215)));
    }
    let password = CredentialRecord::new(
        "password",
        vec![email.clone()],
        json!({"hashed_password": format!("$2a$12${:0>53}", format!("{index}seededhash"))}),
        &created,
    );
    let code = CredentialRecord::new(
        "code",
        vec![email.clone()],
        json!({"addresses": [{"channel": "email", "address": email}]}),
        &created,
    );
    let organization = match index % 4 {
        0 => Value::Null,
        _ => Value::from(ORGANIZATIONS[index % 3]),
    };
    IdentityRecord {
        id,
        external_id: None,
        credentials: Some(
            [
                ("code".to_string(), code),
                ("password".to_string(), password),
            ]
            .into_iter()
            .collect(),
        ),
        schema_id: Some(Value::from("default")),
        schema_url: Some(Value::from(store.schema_url("default"))),
        state: Some(Value::from("active")),
        state_changed_at: Some(Value::from(created.clone())),
        traits: Some(json!({
            "email": email,
            "name": {"first": first, "last": last},
            "phone": format!("+4930{index:08}"),
            "locale": LOCALES[index % 4],
            "newsletter": index.is_multiple_of(2),
            "address": {
                "street": format!("{} Example Street", 1 + index % 200),
                "city": city,
                "postal_code": postal,
                "country": country
            }
        })),
        verifiable_addresses: Some(json!([verifiable])),
        recovery_addresses: Some(json!([{
            "id": store.new_id(),
            "value": email,
            "via": "email",
            "created_at": created,
            "updated_at": created,
        }])),
        metadata_public: Some(json!({"plan": PLANS[index % 3], "signup_source": "web"})),
        metadata_admin: Some(
            json!({"crm_id": format!("CRM-{index:07}"), "support_tier": index % 3}),
        ),
        created_at: Some(Value::from(created)),
        updated_at: Some(Value::from(updated)),
        organization_id: Some(organization),
        region: None,
        extra: Map::new(),
    }
}
