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
        json!({"hashed_password": seeded_hash(index)}),
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

/// A bcrypt hash at cost 12, as Kratos stores one, for a seeded identity:
/// a salt and digest of the right lengths, in bcrypt's alphabet, with the
/// last character of each one that bcrypt can produce, so that it reads
/// as a real hash (of a password nobody knows) wherever hashes are
/// checked. Computing real ones would take 0.25 s each.
fn seeded_hash(index: usize) -> String {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED_1234;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as usize
    };
    // 16 bytes of salt: 21 characters and one holding 2 bits; 23 bytes of
    // digest: 30 characters and one holding 4 bits.
    let mut hash = String::from("$2a$12$");
    for (len, last_step) in [(22, 16), (31, 4)] {
        for i in 0..len {
            let value = match i + 1 == len {
                true => next() % (64 / last_step) * last_step,
                false => next() % 64,
            };
            hash.push(char::from(ALPHABET[value]));
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_hashes_are_bcrypt_hashes_kratos_takes_and_differ() {
        let hashes: Vec<String> = (0..500).map(seeded_hash).collect();
        for hash in &hashes {
            assert_eq!(hash.len(), 60, "{hash}");
            assert_eq!(
                kratos_identity::check_password_hash(hash, None),
                Ok(kratos_identity::PasswordHashFormat::Bcrypt),
                "{hash}"
            );
        }
        let distinct: std::collections::HashSet<&String> = hashes.iter().collect();
        assert_eq!(distinct.len(), hashes.len());
    }
}
