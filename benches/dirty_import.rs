//! What dirty data costs an import: 2,000 inputs of which 5% or 30% carry a
//! password hash Kratos cannot read, or 10% traits that break the identity
//! schema, against the fake (as v26.2.0 and as master) or against real
//! servers. Prints, per case, what was created and failed, how many
//! requests reached the server, and how long it took.
//!
//! ```text
//! cargo bench --bench dirty_import
//! cargo bench --bench dirty_import -- --against http://127.0.0.1:4434 --against http://127.0.0.1:4444
//! ```
//!
//! Against a real server it creates identities under an email domain of its
//! own and deletes them again after each case. Requests are counted by a
//! loopback proxy in front of the server (the requests the import itself
//! sends: batches, lookups, the schema and version reads).

// Shared with the invariant suite; the bench counts requests, and has no
// use for the rest.
#[allow(dead_code)]
#[path = "../tests/invariants/proxy.rs"]
mod proxy;

use std::sync::atomic::Ordering;
use std::time::Instant;

use kratos_identity::{CreateIdentityBody, IdentityClient};
use kratos_identity_fake::{FakeKratos, KratosVersion};
use serde_json::json;

const INPUTS: usize = 2000;
const GOOD_HASH: &str = "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";

/// What is wrong with the bad inputs of a case.
#[derive(Clone, Copy)]
enum Dirt {
    UnreadableHash,
    BreaksSchema,
}

fn inputs(percent: u64, dirt: Dirt, run: &str) -> Vec<CreateIdentityBody> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D ^ percent;
    (0..INPUTS)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bad = state % 100 < percent;
            let email = format!("u{i}@{run}.bench.kratos-identity.test");
            match (bad, dirt) {
                (true, Dirt::UnreadableHash) => {
                    let hash = ["notahash", "$unknown$c2FsdA$aGFzaA"][i % 2];
                    CreateIdentityBody::new("default", json!({"email": email}))
                        .hashed_password(hash)
                }
                (true, Dirt::BreaksSchema) => CreateIdentityBody::new(
                    "default",
                    json!({"email": format!("not-an-email-{i}-{run}")}),
                ),
                (false, _) => CreateIdentityBody::new("default", json!({"email": email}))
                    .hashed_password(GOOD_HASH),
            }
        })
        .collect()
}

fn case(label: &str, upstream: &str, direct: &IdentityClient, percent: u64, dirt: Dirt) {
    let run = format!(
        "r{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000_000)
            .unwrap_or(0)
    );
    let bodies = inputs(percent, dirt, &run);
    let proxy = proxy::Proxy::start(upstream, Box::new(|_, _, _| proxy::Action::Forward));
    let client = IdentityClient::new(proxy.url()).expect("a client for the proxy");
    let started = Instant::now();
    let report = client.import_identities(bodies).send();
    let seconds = started.elapsed().as_secs_f64();
    let requests = proxy.requests.load(Ordering::SeqCst);
    let what = match dirt {
        Dirt::UnreadableHash => "unreadable hashes",
        Dirt::BreaksSchema => "schema-breaking traits",
    };
    println!(
        "{label:<28} {percent:>3}% {what:<23} {:>6} created {:>5} failed {:>6} requests {:>7.2} s{}",
        report.created,
        report.failures.len(),
        requests,
        seconds,
        match report.stopped() {
            Some(why) => format!("  STOPPED: {why}"),
            None => String::new(),
        }
    );
    // Leave the server as it was.
    let ids: Vec<_> = report.created_ids.iter().map(|(_, id)| *id).collect();
    direct.fan_out(ids, 4, |client, id| client.delete_identity(id).send());
}

fn main() {
    let mut against = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--against" => against.extend(args.next()),
            "--bench" => {}
            "-h" | "--help" => {
                println!("usage: dirty_import [--against ADMIN_URL]...");
                return;
            }
            other => {
                eprintln!("unknown argument {other}; usage: dirty_import [--against ADMIN_URL]...");
                std::process::exit(2);
            }
        }
    }
    println!(
        "dirty import: {INPUTS} inputs in chunks of 1000; requests counted by a proxy in front of the server"
    );
    let cases = [
        (5, Dirt::UnreadableHash),
        (30, Dirt::UnreadableHash),
        (10, Dirt::BreaksSchema),
    ];
    if against.is_empty() {
        for version in [KratosVersion::V26_2, KratosVersion::Master] {
            let kratos = FakeKratos::builder().version(version).start();
            let label = format!("fake ({version:?})");
            for (percent, dirt) in cases {
                case(&label, &kratos.base_url(), &kratos.client(), percent, dirt);
            }
        }
        return;
    }
    for url in against {
        let direct = IdentityClient::new(&url).expect("a client for the server");
        let version = direct
            .get_version()
            .send()
            .map(|v| v.to_string())
            .unwrap_or_else(|e| format!("? ({e})"));
        let label = format!("Kratos {version}");
        for (percent, dirt) in cases {
            case(&label, &url, &direct, percent, dirt);
        }
    }
}
