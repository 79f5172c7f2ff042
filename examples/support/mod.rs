//! A local stand-in for the Kratos admin API, for the examples and the
//! benchmark: realistic identities (about 1 KB each), token pagination with
//! Kratos's own `Link` headers and limits, the list filters, and batch
//! import with per-item errors. It runs in-process on a random loopback port.

#![allow(dead_code)] // Each example uses a different part of it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use serde_json::{Value, json};
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

/// How the demo server pages and how slowly it answers.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// How many identities it holds.
    pub identities: usize,
    /// A delay before every list answer.
    pub delay: Duration,
}

/// Prints a command-line mistake (if any) and the usage; exit status 2.
pub fn usage_error(message: &str, usage: &str) -> std::process::ExitCode {
    if !message.is_empty() {
        eprintln!("error: {message}");
    }
    eprintln!("{usage}");
    std::process::ExitCode::from(2)
}

/// Prints an error and its causes on stderr, each once, as `anyhow`'s
/// `{:#}` would.
pub fn print_error(error: &dyn std::error::Error) {
    let mut line = format!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{line}");
}

/// A client for `KRATOS_ADMIN_URL` (or `ORY_SDK_URL`) and `ORY_API_KEY`; or,
/// when no URL is set, for a demo server started here (returned too: keep
/// it alive while the client is used), saying so on stderr.
pub fn client_from_env_or_demo(
    options: DemoOptions,
    what: &str,
) -> Result<(kratos_identity::IdentityClient, Option<DemoKratos>), kratos_identity::Error> {
    if std::env::var_os("KRATOS_ADMIN_URL").is_some() || std::env::var_os("ORY_SDK_URL").is_some() {
        return Ok((kratos_identity::IdentityClient::from_env()?, None));
    }
    let demo = DemoKratos::start(options);
    eprintln!(
        "KRATOS_ADMIN_URL is not set: {what} a local demo server at {}",
        demo.base_url()
    );
    let client = kratos_identity::IdentityClient::new(demo.base_url())?;
    Ok((client, Some(demo)))
}

/// A running demo server.
pub struct DemoKratos {
    server: MockServer,
}

impl DemoKratos {
    /// Starts the server with `options.identities` identities.
    pub fn start(options: DemoOptions) -> Self {
        let server = MockServer::start();
        let count = options.identities;
        let list = move |req: &HttpMockRequest| list_identities(req, count);
        server.mock(|when, then| {
            when.method("GET").path("/admin/identities");
            then.delay(options.delay).respond_with(list);
        });
        let taken: Arc<Mutex<HashSet<String>>> = Arc::default();
        server.mock(|when, then| {
            when.method("PATCH").path("/admin/identities");
            then.respond_with(move |req: &HttpMockRequest| batch_patch(req, &taken));
        });
        DemoKratos { server }
    }

    /// The admin API's base URL.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }
}

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn error(status: u16, message: &str, reason: &str) -> HttpMockResponse {
    let body = json!({"error": {"code": status, "status": "Bad Request", "message": message, "reason": reason}});
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// `GET /admin/identities` with `page_size`/`page_token` and the filters
/// `credentials_identifier`, `organization_id` and `ids`.
fn list_identities(req: &HttpMockRequest, count: usize) -> HttpMockResponse {
    let params = req.query_params();
    let page_size = match param(&params, "page_size").map(|s| s.parse::<usize>()) {
        None => 250,
        Some(Ok(n)) if n >= 1 => n.min(500),
        Some(_) => {
            return error(
                400,
                "The request was malformed or contained invalid parameters",
                "page_size must be between 1 and 500",
            );
        }
    };
    let start = match param(&params, "page_token") {
        None => 0,
        Some(token) => match Uuid::parse_str(&token)
            .ok()
            .and_then(|u| u.as_u128().checked_sub(ID_BASE))
        {
            Some(i) if (i as usize) <= count => i as usize,
            _ => {
                return error(
                    400,
                    "The request was malformed or contained invalid parameters",
                    "invalid page token",
                );
            }
        },
    };
    let email = param(&params, "credentials_identifier");
    let org = param(&params, "organization_id");
    let ids: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    let wanted = |i: &usize| {
        email.as_ref().is_none_or(|e| *e == demo_email(*i))
            && org
                .as_ref()
                .is_none_or(|o| organization(*i) == Some(o.as_str()))
            && (ids.is_empty() || ids.contains(&demo_id(*i).to_string()))
    };
    let mut body = String::with_capacity(page_size * 1100);
    body.push('[');
    let mut next = None;
    for (taken, i) in (start..count).filter(wanted).enumerate() {
        if taken == page_size {
            next = Some(i);
            break;
        }
        if taken > 0 {
            body.push(',');
        }
        body.push_str(&demo_identity(i));
    }
    body.push(']');
    // Kratos carries every other query parameter over into its links.
    let carried: String = params
        .iter()
        .filter(|(k, _)| k != "page_size" && k != "page_token")
        .map(|(k, v)| format!("&{k}={}", encode(v)))
        .collect();
    let link = |rel: &str, token: Uuid| {
        format!(
            "</admin/identities?page_size={page_size}&page_token={token}{carried}>; rel=\"{rel}\""
        )
    };
    let mut links = vec![link("first", demo_id(0))];
    links.extend(next.map(|i| link("next", demo_id(i))));
    page_response(body, &links)
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

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `PATCH /admin/identities`: creates each identity unless its email is
/// taken or it has none, answering per item like Kratos.
fn batch_patch(req: &HttpMockRequest, taken: &Mutex<HashSet<String>>) -> HttpMockResponse {
    let Ok(body) = serde_json::from_slice::<Value>(req.body_ref()) else {
        return error(
            400,
            "The request was malformed or contained invalid parameters",
            "invalid JSON",
        );
    };
    let patches = body["identities"].as_array().cloned().unwrap_or_default();
    if patches.len() > 1000 {
        return error(
            400,
            "The request was malformed or contained invalid parameters",
            "too many identities",
        );
    }
    let Ok(mut taken) = taken.lock() else {
        return error(500, "internal error", "lock poisoned");
    };
    let answers: Vec<Value> = patches
        .iter()
        .enumerate()
        .map(|(i, patch)| {
            let patch_id = patch.get("patch_id").cloned().unwrap_or(Value::Null);
            let email = patch["create"]["traits"]["email"].as_str().unwrap_or_default().to_string();
            if email.is_empty() || !email.contains('@') {
                json!({"action": "error", "patch_id": patch_id, "error": {"code": 400, "status": "Bad Request", "message": "The request was malformed or contained invalid parameters", "reason": format!("I[#/traits/email] S[#/properties/traits/properties/email/format] {email:?} is not valid \"email\"")}})
            } else if !taken.insert(email) {
                json!({"action": "error", "patch_id": patch_id, "error": {"code": 409, "status": "Conflict", "message": "an identity with the same identifier already exists", "reason": "This identity conflicts with another identity that already exists."}})
            } else {
                let id = Uuid::from_u128(ID_BASE + (3 << 64) + (taken.len() as u128) * 7919 + i as u128);
                json!({"action": "create", "identity": id, "patch_id": patch_id})
            }
        })
        .collect();
    HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(json!({ "identities": answers }).to_string())
        .build()
}
