//! Realistic Kratos-shaped identities (about 1 KB each) and list answers,
//! pre-rendered for the `export` benchmark's server, so that the client is
//! what the benchmark measures.

use httpmock::HttpMockResponse;
use uuid::Uuid;

/// Ids are `BASE + index`, so a page token (the next id) maps back to an index.
const ID_BASE: u128 = 0x018f_3a2c_7d5e_7000_8000_0000_0000_0000;
const ORGANIZATIONS: [&str; 3] = [
    "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11",
    "c0d9f7a2-5b84-4d3f-8e21-7a6b5c4d3e2f",
    "e2a7b6c5-d4e3-4f21-9a8b-7c6d5e4f3a2b",
];
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

/// The id of demo identity `index`.
pub fn demo_id(index: usize) -> Uuid {
    Uuid::from_u128(ID_BASE + index as u128)
}

/// The email of demo identity `index`.
pub fn demo_email(index: usize) -> String {
    format!("user{index:07}@example.com")
}

fn organization(index: usize) -> Option<&'static str> {
    (!index.is_multiple_of(4)).then(|| ORGANIZATIONS[index % 3])
}

/// Demo identity `index`, shaped like Kratos's own JSON (about 1 KB).
pub fn demo_identity(index: usize) -> String {
    let id = demo_id(index);
    let email = demo_email(index);
    let (first, last) = (FIRST[index % 8], LAST[(index / 8) % 8]);
    let day = 1 + index % 28;
    let org = organization(index).map_or("null".to_string(), |o| format!("\"{o}\""));
    let verified = !index.is_multiple_of(3);
    let verified_at = if verified {
        format!("\"2024-03-{day:02}T09:15:27.193215Z\"")
    } else {
        "null".to_string()
    };
    format!(
        r#"{{"id":"{id}","schema_id":"customer","schema_url":"https://auth.example.com/schemas/Y3VzdG9tZXI","state":"active","state_changed_at":"2024-03-{day:02}T09:14:02.118722Z","traits":{{"email":"{email}","name":{{"first":"{first}","last":"{last}"}},"phone":"+4930{index:08}","locale":"de-DE","newsletter":{newsletter},"address":{{"street":"Friedrichstra\u00dfe {house}","city":"Berlin","postal_code":"10117","country":"DE"}}}},"verifiable_addresses":[{{"id":"{vid}","value":"{email}","verified":{verified},"via":"email","status":"{status}","verified_at":{verified_at},"created_at":"2024-03-{day:02}T09:14:02.125143Z","updated_at":"2024-03-{day:02}T09:15:27.193215Z"}}],"recovery_addresses":[{{"id":"{rid}","value":"{email}","via":"email","created_at":"2024-03-{day:02}T09:14:02.127409Z","updated_at":"2024-03-{day:02}T09:14:02.127409Z"}}],"metadata_public":{{"plan":"{plan}","signup_source":"web"}},"metadata_admin":{{"crm_id":"CRM-{index:07}","support_tier":{tier}}},"created_at":"2024-03-{day:02}T09:14:02.121877Z","updated_at":"2024-03-{day:02}T09:15:27.196341Z","organization_id":{org}}}"#,
        newsletter = index.is_multiple_of(2),
        house = 1 + index % 200,
        vid = Uuid::from_u128(ID_BASE + (1 << 64) + index as u128),
        rid = Uuid::from_u128(ID_BASE + (2 << 64) + index as u128),
        status = if verified { "completed" } else { "pending" },
        plan = ["free", "pro", "team"][index % 3],
        tier = index % 3,
    )
}

/// A 200 list answer as Kratos sends it: the JSON array and its links,
/// comma-joined in one `Link` header.
pub fn page_response(body: impl Into<String>, links: &[String]) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("link", links.join(","))
        .body(body.into())
        .build()
}
