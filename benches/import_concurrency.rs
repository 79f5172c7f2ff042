//! Import throughput with batches in flight: the same identities imported
//! one batch at a time and with `concurrency(n)`, into a server you name
//! (Kratos on PostgreSQL is what this is for) or into the fake.
//!
//! ```text
//! cargo bench --bench import_concurrency -- --against http://127.0.0.1:4434 --identities 20000
//! ```
//!
//! Each run imports fresh identities (bcrypt hashes, chunks of 1,000) under
//! an email domain of its own and deletes them afterwards. It prints, per
//! concurrency, the identities per second and the ratio to one at a time,
//! and checks that every run gave the same outcomes.

use std::time::Instant;

use kratos_identity::{CreateIdentityBody, IdentityClient};
use serde_json::json;

const HASH: &str = "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";

fn main() {
    let mut against = None;
    let mut identities = 20_000usize;
    let mut levels = vec![1usize, 2, 4];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--against" => against = args.next(),
            "--identities" => {
                identities = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(identities)
            }
            "--concurrency" => {
                levels = args
                    .next()
                    .map(|list| list.split(',').filter_map(|n| n.parse().ok()).collect())
                    .unwrap_or(levels)
            }
            "--bench" => {}
            other => {
                eprintln!(
                    "unknown argument {other}; usage: import_concurrency [--against ADMIN_URL] [--identities N] [--concurrency 1,2,4]"
                );
                std::process::exit(2);
            }
        }
    }
    let fake = against
        .is_none()
        .then(kratos_identity_fake::FakeKratos::start);
    let url = against.unwrap_or_else(|| fake.as_ref().map(|f| f.base_url()).unwrap_or_default());
    let client = IdentityClient::new(&url).expect("a client for the server");
    let version = client
        .get_version()
        .send()
        .map(|v| v.to_string())
        .unwrap_or_else(|e| format!("? ({e})"));
    println!(
        "import throughput: {identities} identities with bcrypt hashes, chunks of 1000, into Kratos {version} at {url}{}",
        if fake.is_some() { " (the fake)" } else { "" }
    );
    let mut serial = None;
    let mut first_summary = None;
    for n in levels {
        let run = format!(
            "c{n}-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() % 100_000_000)
                .unwrap_or(0)
        );
        let bodies = (0..identities).map(|i| {
            CreateIdentityBody::new(
                "default",
                json!({"email": format!("u{i}@{run}.bench.test")}),
            )
            .hashed_password(HASH)
        });
        let started = Instant::now();
        let report = client.import_identities(bodies).concurrency(n).send();
        let seconds = started.elapsed().as_secs_f64();
        let rate = report.created as f64 / seconds;
        let ratio = serial.map_or(1.0, |s: f64| rate / s);
        serial.get_or_insert(rate);
        println!(
            "concurrency {n}: {} created in {seconds:.1} s, {rate:.0} identities/s, {ratio:.2}x one at a time",
            report.created
        );
        let summary = format!(
            "{} created, {} already existed, {} failed",
            report.created,
            report.already_existed.len(),
            report.failures.len()
        );
        match &first_summary {
            None => first_summary = Some(summary),
            Some(first) if *first != summary => {
                println!("  OUTCOMES DIFFER: {summary}, one at a time {first}")
            }
            Some(_) => {}
        }
        let ids: Vec<_> = report.created_ids.iter().map(|(_, id)| *id).collect();
        client.fan_out(ids, 4, |client, id| client.delete_identity(id).send());
    }
}
