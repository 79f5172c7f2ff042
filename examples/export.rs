//! Exports every identity as NDJSON (one JSON object per line) to stdout,
//! with progress on stderr.
//!
//! ```text
//! cargo run --example export                      # against a local demo server
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example export > identities.ndjson
//! KRATOS_ADMIN_URL=https://my-slug.projects.oryapis.com ORY_API_KEY=ory_pat_… \
//!     cargo run --release --example export -- --page-size 500 > identities.ndjson
//! ```
//!
//! Flags: `--page-size N` (1–500, default 500), `--credentials-identifier X`,
//! `--organization-id X`, `--limit N`, `--no-prefetch`,
//! `--demo-identities N` (size of the demo server, default 3000).

mod support;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kratos_identity::IdentityClient;
use serde_json::value::RawValue;

struct Args {
    page_size: u32,
    credentials_identifier: Option<String>,
    organization_id: Option<String>,
    limit: Option<usize>,
    prefetch: bool,
    demo_identities: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        page_size: 500,
        credentials_identifier: None,
        organization_id: None,
        limit: None,
        prefetch: true,
        demo_identities: 3000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--page-size" => args.page_size = number(&flag, &value()?)?,
            "--credentials-identifier" => args.credentials_identifier = Some(value()?),
            "--organization-id" => args.organization_id = Some(value()?),
            "--limit" => args.limit = Some(number(&flag, &value()?)?),
            "--no-prefetch" => args.prefetch = false,
            "--demo-identities" => args.demo_identities = number(&flag, &value()?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn number<N: std::str::FromStr>(flag: &str, value: &str) -> Result<N, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a number, got {value:?}"))
}

const USAGE: &str = "usage: export [--page-size N] [--credentials-identifier X] [--organization-id X] [--limit N] [--no-prefetch] [--demo-identities N]
Exports every identity as NDJSON to stdout. Reads KRATOS_ADMIN_URL (or ORY_SDK_URL) and ORY_API_KEY;
without a URL it starts a local demo server.";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return support::usage_error(&message, USAGE),
    };
    let options = support::DemoOptions {
        identities: args.demo_identities,
        delay: Duration::ZERO,
    };
    let what = format!("exporting {} demo identities from", args.demo_identities);
    // `_demo` keeps the demo server (if any) alive for the whole export.
    let (client, _demo) = match support::client_from_env_or_demo(options, &what) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match export(&client, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn export(client: &IdentityClient, args: &Args) -> io::Result<()> {
    let mut request = client.list_identities().page_size(args.page_size);
    if let Some(identifier) = &args.credentials_identifier {
        request = request.credentials_identifier(identifier);
    }
    if let Some(organization) = &args.organization_id {
        request = request.organization_id(organization);
    }
    // Raw: every identity exactly as the server sent it, fields this crate
    // does not know included; also the fastest way to export.
    let mut items = request.raw().items().prefetch(args.prefetch);
    if let Some(limit) = args.limit {
        items = items.limit(limit);
    }

    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let started = Instant::now();
    let mut last_report = started;
    let mut count: u64 = 0;
    for identity in items {
        let identity: Box<RawValue> = identity.map_err(io::Error::other)?;
        out.write_all(identity.get().as_bytes())?;
        out.write_all(b"\n")?;
        count += 1;
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            progress(count, started, false);
        }
    }
    out.flush()?;
    progress(count, started, true);
    Ok(())
}

fn progress(count: u64, started: Instant, done: bool) {
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let word = if done { "exported" } else { "exporting:" };
    eprintln!(
        "{word} {count} identities in {secs:.2} s ({:.0} identities/s)",
        count as f64 / secs
    );
}
