//! Concurrency and rate-limit benchmark: `fan_out` against a sequential loop
//! on a server with real latency, and pacing against a server that enforces
//! Ory Network's rate limit.
//!
//! ```text
//! cargo bench --bench scale              # the full run (about 2 minutes)
//! cargo bench --bench scale -- --quick   # a fifth of the work, the same ratios
//! ```
//!
//! 1. 2,000 `delete_identity` calls against a local fake Kratos that adds
//!    20 ms to every answer: a sequential loop, then `fan_out` with 8
//!    threads. Target: at least 6 times faster.
//! 2. 300 `get_identity` calls from 4 threads against a fake that allows
//!    10 requests a second per rate-limit bucket (with the three
//!    `x-ratelimit-*` headers, and 429 beyond): with pacing, then without.
//!    Target with pacing: within 1.15 times the ideal 30 s, with at most one
//!    429.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use kratos_identity::IdentityClient;
use kratos_identity_fake::{FakeKratos, RateLimit};
use uuid::Uuid;

const USAGE: &str = "usage: scale [--quick]";

fn main() -> ExitCode {
    // `cargo bench` adds `--bench` after the flags given; it means nothing here.
    for arg in std::env::args().skip(1).filter(|a| a != "--bench") {
        match arg.as_str() {
            "--quick" => {}
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 5 } else { 1 };
    println!(
        "scale benchmark{}",
        if quick {
            " (quick: a fifth of the work)"
        } else {
            ""
        }
    );
    fan_out(2000 / scale);
    pacing(300 / scale);
    ExitCode::SUCCESS
}

/// `n` deletes, sequential and fanned out over 8 threads.
fn fan_out(n: usize) {
    let latency = Duration::from_millis(20);
    let kratos = FakeKratos::builder().latency(latency).start();
    let ids = kratos.seed_identities(2 * n);
    let (first, second) = ids.split_at(n);
    let client = IdentityClient::new(kratos.base_url()).expect("a loopback URL");

    let started = Instant::now();
    let mut failed = 0;
    for id in first {
        failed += usize::from(client.delete_identity(id).send().is_err());
    }
    let sequential = started.elapsed();

    let started = Instant::now();
    let results = client.fan_out(second, 8, |client, id: &Uuid| {
        client.delete_identity(id).send()
    });
    let fanned = started.elapsed();
    failed += results.iter().filter(|r| r.is_err()).count();

    println!(
        "{n} delete_identity calls, {} ms added per request: sequential {:.2} s, fan_out(8) {:.2} s, {:.1}x faster (target 6x); {failed} failed",
        latency.as_millis(),
        sequential.as_secs_f64(),
        fanned.as_secs_f64(),
        sequential.as_secs_f64() / fanned.as_secs_f64()
    );
}

/// `n` reads from 4 threads against 10 requests a second, with pacing and
/// without.
fn pacing(n: usize) {
    let rate = 10;
    let ideal = n as f64 / f64::from(rate);
    for paced in [true, false] {
        let kratos = FakeKratos::builder()
            .rate_limit(RateLimit::per_second(rate))
            .start();
        let id = kratos.seed_identities(1)[0];
        let client = IdentityClient::builder(kratos.base_url())
            .pacing(paced)
            .build()
            .expect("a loopback URL");
        let started = Instant::now();
        let results = client.fan_out(0..n, 4, |client, _| client.get_identity(id).send());
        let elapsed = started.elapsed().as_secs_f64();
        let failed = results.iter().filter(|r| r.is_err()).count();
        let throttled = kratos.requests().iter().filter(|r| r.status == 429).count();
        println!(
            "{n} get_identity calls from 4 threads at {rate}/s, pacing {}: {elapsed:.2} s, {:.3}x the ideal {ideal:.0} s (target 1.15x), {throttled} answered 429 (target at most 1), {failed} failed",
            if paced { "on " } else { "off" },
            elapsed / ideal
        );
    }
}
