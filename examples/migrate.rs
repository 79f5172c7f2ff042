//! Copies every identity from one Kratos to another, credentials included:
//! self-hosted to Ory Network, one project to another, or back.
//!
//! ```text
//! cargo run --example migrate                     # between two local demo servers
//! SOURCE_KRATOS_URL=http://127.0.0.1:4434 \
//! TARGET_KRATOS_URL=https://my-slug.projects.oryapis.com TARGET_ORY_API_KEY=ory_pat_… \
//!     cargo run --release --example migrate
//! ```
//!
//! Environment: `SOURCE_KRATOS_URL` and `SOURCE_ORY_API_KEY`,
//! `TARGET_KRATOS_URL` and `TARGET_ORY_API_KEY`. Flags: `--page-size N`
//! (1–500, default 500), `--page-token T` (resume where an earlier run
//! stopped), `--chunk-size N` (1–1000, default 1000), `--demo-target-down`
//! (between the demo servers, the target is a port nothing listens on, to
//! show how a migration stops and resumes).
//!
//! Identities are read with every credential type Kratos can import
//! (password hashes, OIDC and SAML links, TOTP, lookup secrets, WebAuthn
//! keys, passkeys), a page ahead of the import, and sent in chunks through
//! the bulk import. They are always read with `include_credential`: without
//! it, Kratos lists identities without credentials, and they would be
//! copied without their passwords. Credentials that cannot be carried
//! (`code`, …) are named in the summary, never dropped in silence.
//! Re-running is safe: identities already copied are reported as already
//! existing. When the target cannot be reached (or refuses the key, or
//! keeps rate limiting), the import stops and nothing more is read from the
//! source; the summary says with which `--page-token` to pick up where it
//! stopped.

mod support;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kratos_identity::{
    CreateIdentityBody, Error, IdentityClient, ImportError, Items, ListIdentities,
};
use kratos_identity_fake::FakeKratos;
use serde_json::json;

/// Every credential type Kratos can import.
const IMPORTABLE: [&str; 7] = [
    "password",
    "oidc",
    "saml",
    "totp",
    "lookup_secret",
    "webauthn",
    "passkey",
];

const USAGE: &str = "usage: migrate [--page-size N] [--page-token T] [--chunk-size N] [--demo-target-down]
Copies every identity, with its credentials, from SOURCE_KRATOS_URL (SOURCE_ORY_API_KEY) to
TARGET_KRATOS_URL (TARGET_ORY_API_KEY). Without SOURCE_KRATOS_URL it runs between two local demo servers.";

struct Args {
    page_size: u32,
    page_token: Option<String>,
    chunk_size: usize,
    demo_target_down: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        page_size: 500,
        page_token: None,
        chunk_size: 1000,
        demo_target_down: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--page-size" => args.page_size = support::number(&flag, &value()?)?,
            "--page-token" => args.page_token = Some(value()?),
            "--chunk-size" => args.chunk_size = support::number(&flag, &value()?)?,
            "--demo-target-down" => args.demo_target_down = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return support::usage_error(&message, USAGE),
    };
    let (source, target, _demos) = match clients(&args) {
        Ok(clients) => clients,
        Err(ClientsError::Client(e)) => {
            support::print_error(&e);
            return ExitCode::FAILURE;
        }
        Err(ClientsError::Usage(message)) => return support::usage_error(&message, USAGE),
    };
    migrate(&source, &target, &args)
}

/// The source and target clients, and the demo servers behind them when
/// no source is configured (kept to keep them running).
type Clients = (
    IdentityClient,
    IdentityClient,
    Option<(FakeKratos, FakeKratos)>,
);

/// Why there are no clients.
enum ClientsError {
    /// A setting is missing.
    Usage(String),
    /// A client could not be built.
    Client(Error),
}

impl From<Error> for ClientsError {
    fn from(e: Error) -> Self {
        ClientsError::Client(e)
    }
}

/// The two clients: from the environment, or two demo servers.
fn clients(args: &Args) -> Result<Clients, ClientsError> {
    let Some(source_url) = env("SOURCE_KRATOS_URL") else {
        let source = demo_source();
        let target = FakeKratos::start();
        let target_client = match args.demo_target_down {
            false => target.client(),
            true => IdentityClient::new(format!("http://127.0.0.1:{}", closed_port()))?,
        };
        eprintln!(
            "SOURCE_KRATOS_URL is not set: migrating {} demo identities from a local demo server at {} to {}",
            source.identity_count(),
            source.base_url(),
            match args.demo_target_down {
                false => format!("another at {}", target.base_url()),
                true => format!("{}, where nothing listens", target_client.base_url()),
            }
        );
        return Ok((source.client(), target_client, Some((source, target))));
    };
    let target_url = env("TARGET_KRATOS_URL").ok_or_else(|| {
        ClientsError::Usage("set TARGET_KRATOS_URL to the Kratos to copy the identities to".into())
    })?;
    let client = |url: String, key: Option<String>| {
        let builder = IdentityClient::builder(url);
        match key {
            Some(key) => builder.bearer_token(key).build(),
            None => builder.build(),
        }
    };
    Ok((
        client(source_url, env("SOURCE_ORY_API_KEY"))?,
        client(target_url, env("TARGET_ORY_API_KEY"))?,
        None,
    ))
}

/// A loopback port nothing listens on (it was free a moment ago).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_or(9, |address| address.port())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What the migration saw, shared between the reading side (an iterator
/// the import pulls from) and the summary.
#[derive(Default)]
struct Seen {
    read: usize,
    /// Credential types left out, with how many identities had them.
    left_out: BTreeMap<String, usize>,
    /// Identities that could not be converted: (id, why).
    unconvertible: Vec<(String, String)>,
    /// The page that failed after the retries, if one did.
    failed_page: Option<Error>,
    /// Where each page of inputs starts: (first input index, page token).
    page_starts: Vec<(usize, Option<String>)>,
}

/// The identities of the source, as create bodies, a page ahead.
struct Reader<'a> {
    identities: Items<ListIdentities>,
    seen: &'a mut Seen,
}

impl Iterator for Reader<'_> {
    type Item = CreateIdentityBody;

    fn next(&mut self) -> Option<CreateIdentityBody> {
        loop {
            // The token that covers the identity about to be read.
            let token = self.identities.resume_token();
            if self
                .seen
                .page_starts
                .last()
                .is_none_or(|(_, t)| *t != token)
            {
                let index = self.seen.read;
                self.seen.page_starts.push((index, token));
            }
            match self.identities.next()? {
                Ok(identity) => match CreateIdentityBody::from_identity_lossy(&identity) {
                    Ok((body, left_out)) => {
                        for kind in left_out {
                            *self.seen.left_out.entry(kind.to_string()).or_default() += 1;
                        }
                        self.seen.read += 1;
                        return Some(body);
                    }
                    Err(e) => {
                        self.seen
                            .unconvertible
                            .push((identity.id.to_string(), e.to_string()));
                    }
                },
                // One identity that does not decode costs only itself.
                Err(e) if e.decode_error().is_some() => {
                    let id = e
                        .decode_error()
                        .and_then(|d| d.id())
                        .unwrap_or("?")
                        .to_string();
                    self.seen.unconvertible.push((id, e.to_string()));
                }
                Err(e) => {
                    self.seen.failed_page = Some(e);
                    return None;
                }
            }
        }
    }
}

fn migrate(source: &IdentityClient, target: &IdentityClient, args: &Args) -> ExitCode {
    let mut request = source
        .list_identities()
        .page_size(args.page_size)
        .include_credential(IMPORTABLE);
    if let Some(token) = &args.page_token {
        request = request.page_token(token);
    }
    let mut seen = Seen::default();
    let reader = Reader {
        identities: request.items().prefetch(true),
        seen: &mut seen,
    };

    let started = Instant::now();
    let mut last_report = started;
    let (mut created, mut existed) = (0usize, 0usize);
    let mut failures: Vec<(usize, ImportError)> = Vec::new();
    let mut outcomes = target
        .import_identities(reader)
        .chunk_size(args.chunk_size)
        .outcomes();
    for outcome in outcomes.by_ref() {
        match outcome.result {
            Ok(_) => created += 1,
            Err(e) if e.is_conflict() => existed += 1,
            Err(e) => failures.push((outcome.index, e)),
        }
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            let done = created + existed + failures.len();
            eprintln!(
                "migrating: {done} identities, {:.0}/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    // Why the import stopped, if it did: after it, nothing more was read
    // from the source.
    let stopped = outcomes
        .stopped()
        .map(|e| (support::error_chain(e), outcomes.inputs_read()));
    drop(outcomes);

    println!(
        "{} identities sent in {secs:.2} s: {created} created, {existed} already existed, {} failed; {} could not be read",
        created + existed + failures.len(),
        failures.len(),
        seen.unconvertible.len()
    );
    for (kind, count) in &seen.left_out {
        let why = match kind.as_str() {
            "password" => "their password credential has no hash to carry",
            "code" => "Kratos cannot import them (it recreates code credentials from the traits)",
            _ => "Kratos cannot import them",
        };
        println!("  left out the {kind} credentials of {count} identities: {why}");
    }
    for (id, why) in seen.unconvertible.iter().take(10) {
        println!("  identity {id}: {why}");
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (_, error) in &failures {
        *reasons.entry(error.to_string()).or_default() += 1;
    }
    for (reason, count) in &reasons {
        println!("  {count:>6} × {reason}");
    }

    // Where to pick up: the page of the first identity that was not copied
    // for a reason a re-run can fix, or the page that failed to load.
    let retry_from = failures
        .iter()
        .find(|(_, e)| !matches!(e, ImportError::Rejected(_)))
        .map(|(index, _)| *index);
    let resume = match (retry_from, &seen.failed_page) {
        (Some(index), _) => Some(page_token_of(&seen, index)),
        (None, Some(_)) => Some(seen.page_starts.last().and_then(|(_, t)| t.clone())),
        (None, None) => None,
    };
    if let Some(error) = &seen.failed_page {
        support::print_error(error);
    }
    if let Some((why, read)) = &stopped {
        eprintln!(
            "error: the import stopped after {read} identities: {why}; the identities after them were not read from the source"
        );
    }
    match resume {
        Some(Some(token)) => {
            eprintln!(
                "to continue where this stopped, run the same command with --page-token {token}"
            );
            ExitCode::FAILURE
        }
        Some(None) => {
            eprintln!(
                "to continue, run the same command again (identities already copied are reported as already existing)"
            );
            ExitCode::FAILURE
        }
        None if failures.is_empty() && seen.unconvertible.is_empty() => ExitCode::SUCCESS,
        None => ExitCode::FAILURE,
    }
}

/// The page token that covers input `index`.
fn page_token_of(seen: &Seen, index: usize) -> Option<String> {
    seen.page_starts
        .iter()
        .rev()
        .find(|(start, _)| *start <= index)
        .and_then(|(_, token)| token.clone())
}

/// A demo source: realistic identities with password hashes, and a few with
/// every other credential type Kratos can import.
fn demo_source() -> FakeKratos {
    let source = FakeKratos::builder().identities(2000).start();
    source.insert_identity(json!({
        "schema_id": "default",
        "traits": {"email": "grace@example.com", "name": {"first": "Grace", "last": "Hopper"}},
        "state": "active",
        "external_id": "crm-0042",
        "credentials": {
            "oidc": {"type": "oidc", "identifiers": ["google:1094758273"], "config": {"providers": [
                {"provider": "google", "subject": "1094758273", "initial_id_token": "", "initial_access_token": "", "initial_refresh_token": ""}
            ]}},
            "totp": {"type": "totp", "identifiers": ["grace@example.com"], "config": {"totp_url": "otpauth://totp/Example:grace?secret=JBSWY3DPEHPK3PXP&issuer=Example"}},
            "lookup_secret": {"type": "lookup_secret", "identifiers": ["grace@example.com"], "config": {"recovery_codes": [
                {"code": "k3nq-81xz", "used_at": null}, {"code": "p0w2-7yue", "used_at": "2024-05-01T08:00:00Z"}
            ]}},
            "code": {"type": "code", "identifiers": ["grace@example.com"], "config": {"addresses": [{"channel": "email", "address": "grace@example.com"}]}}
        }
    }));
    source
}
