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
//! Flags: `--page-size N` (1–500, default 500), `--page-token T` (resume
//! where an earlier run stopped), `--credentials-identifier X`,
//! `--organization-id X`, `--include-credential TYPE` (repeatable, for a
//! migration), `--limit N`, `--no-prefetch`, `--demo-identities N` (size of
//! the demo server, default 3000), `--demo-outage-after N` (the demo server
//! fails for good after N identities, to show how an export resumes).
//!
//! When a page fails after the client's retries, every identity already
//! exported has been written, and stderr says how to pick up where it
//! stopped: the same command with `--page-token T`. The exit status is then
//! non-zero.

mod support;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kratos_identity::IdentityClient;
use kratos_identity_fake::FakeKratos;
use serde_json::value::RawValue;

struct Args {
    page_size: u32,
    page_token: Option<String>,
    include_credential: Vec<String>,
    credentials_identifier: Option<String>,
    organization_id: Option<String>,
    limit: Option<usize>,
    prefetch: bool,
    demo_identities: usize,
    demo_outage_after: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        page_size: 500,
        page_token: None,
        include_credential: Vec::new(),
        credentials_identifier: None,
        organization_id: None,
        limit: None,
        prefetch: true,
        demo_identities: 3000,
        demo_outage_after: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--page-size" => args.page_size = support::number(&flag, &value()?)?,
            "--page-token" => args.page_token = Some(value()?),
            "--include-credential" => args.include_credential.push(value()?),
            "--credentials-identifier" => args.credentials_identifier = Some(value()?),
            "--organization-id" => args.organization_id = Some(value()?),
            "--limit" => args.limit = Some(support::number(&flag, &value()?)?),
            "--no-prefetch" => args.prefetch = false,
            "--demo-identities" => args.demo_identities = support::number(&flag, &value()?)?,
            "--demo-outage-after" => {
                args.demo_outage_after = Some(support::number(&flag, &value()?)?)
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

const USAGE: &str = "usage: export [--page-size N] [--page-token T] [--credentials-identifier X] [--organization-id X] [--include-credential TYPE]... [--limit N] [--no-prefetch] [--demo-identities N] [--demo-outage-after N]
Exports every identity as NDJSON to stdout. Reads KRATOS_ADMIN_URL (or ORY_SDK_URL) and ORY_API_KEY;
without a URL it starts a local demo server.";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return support::usage_error(&message, USAGE),
    };
    let what = format!("exporting {} demo identities from", args.demo_identities);
    let seed = || {
        FakeKratos::builder()
            .identities(args.demo_identities)
            .start()
    };
    // `demo` keeps the demo server (if any) alive for the whole export.
    let (client, demo) = match support::client_from_env_or_demo(&what, seed) {
        Ok(pair) => pair,
        Err(e) => {
            support::print_error(&e);
            return ExitCode::FAILURE;
        }
    };
    // A demo of what an outage looks like: from this identity on, the demo
    // server answers 503 to everything, and the client's retries run out.
    let outage = demo.as_ref().zip(args.demo_outage_after);
    match export(&client, &args, outage) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Stop::Output(e)) => {
            eprintln!("error: writing the export: {e}");
            ExitCode::FAILURE
        }
        Err(Stop::Page { error, resume }) => {
            support::print_error(&error);
            match resume {
                Some(token) => eprintln!(
                    "every identity before the failed page was written; to continue where this stopped, run the same command with --page-token {token}"
                ),
                None => eprintln!(
                    "nothing past the first page was exported; run the same command again"
                ),
            }
            ExitCode::FAILURE
        }
    }
}

/// Why an export stopped early.
enum Stop {
    /// Writing to stdout failed.
    Output(io::Error),
    /// A page failed after the client's retries; `resume` is the page token
    /// to continue from.
    Page {
        error: kratos_identity::Error,
        resume: Option<String>,
    },
}

fn export(
    client: &IdentityClient,
    args: &Args,
    outage: Option<(&FakeKratos, usize)>,
) -> Result<(), Stop> {
    let mut request = client.list_identities().page_size(args.page_size);
    if let Some(token) = &args.page_token {
        request = request.page_token(token);
    }
    if let Some(identifier) = &args.credentials_identifier {
        request = request.credentials_identifier(identifier);
    }
    if let Some(organization) = &args.organization_id {
        request = request.organization_id(organization);
    }
    if !args.include_credential.is_empty() {
        request = request.include_credential(&args.include_credential);
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
    let mut failed = None;
    for identity in items.by_ref() {
        let identity: Box<RawValue> = match identity {
            Ok(identity) => identity,
            Err(error) => {
                failed = Some(error);
                break;
            }
        };
        out.write_all(identity.get().as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(Stop::Output)?;
        count += 1;
        if let Some((demo, after)) = outage
            && count == after as u64
        {
            demo.fail_every(1, 503);
        }
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            progress(count, started, false);
        }
    }
    // Everything exported so far reaches the file before any message that
    // says where to pick up.
    out.flush().map_err(Stop::Output)?;
    progress(count, started, true);
    match failed {
        None => Ok(()),
        Some(error) => Err(Stop::Page {
            error,
            resume: items.resume_token(),
        }),
    }
}

fn progress(count: u64, started: Instant, done: bool) {
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let word = if done { "exported" } else { "exporting:" };
    eprintln!(
        "{word} {count} identities in {secs:.2} s ({:.0} identities/s)",
        count as f64 / secs
    );
}
