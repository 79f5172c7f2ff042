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
//! (1–500, default 500), `--chunk-size N` (1–1000, default 1000),
//! `--checkpoint FILE` (see below), `--page-token T` (start where an
//! earlier run without a checkpoint stopped), `--verify-conflicts` (an
//! identity already on the target that is another person holding the same
//! email is a failure, not "already existed"), `--demo-target-down`
//! (between the demo servers, the target is a port nothing listens on, to
//! show that a migration to a target it cannot reach stops before it reads
//! anything).
//!
//! The target's version is asked first (`GET /version`): credentials it
//! cannot import (Kratos v26.2.0 takes only passwords, OIDC and SAML links)
//! are left out of each identity and named in the summary, so that the
//! identities themselves still migrate instead of failing whole chunks.
//!
//! **With `--checkpoint FILE`** the job keeps its progress in `FILE`,
//! saved atomically before each chunk is sent: where the source listing
//! stands (at the first identity not yet settled on the target) and where
//! the import stands. The same command after a crash, even `kill -9`,
//! continues exactly: identities already copied are not sent again, the
//! ones that may have been sent when it died are looked up on the target
//! first, and the counts add up over all runs. A re-run against other
//! servers or with another page size is refused.
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

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kratos_identity::{
    CreateIdentityBody, Error, IdentityClient, ImportError, ImportPosition, Items, ListIdentities,
    ListPosition, ServerVersion,
};
use kratos_identity_fake::FakeKratos;
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::checkpoint::{Checkpoint, Counts, Saved};

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

/// The key under which the counts of left-out credentials hold identities
/// that have no credentials at all.
const NO_CREDENTIALS: &str = "(no credentials)";

const USAGE: &str = "usage: migrate [--page-size N] [--chunk-size N] [--checkpoint FILE] [--page-token T] [--verify-conflicts] [--demo-target-down]
Copies every identity, with its credentials, from SOURCE_KRATOS_URL (SOURCE_ORY_API_KEY) to
TARGET_KRATOS_URL (TARGET_ORY_API_KEY). Without SOURCE_KRATOS_URL it runs between two local demo servers.";

struct Args {
    page_size: u32,
    page_token: Option<String>,
    chunk_size: usize,
    checkpoint: Option<PathBuf>,
    verify_conflicts: bool,
    demo_target_down: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        page_size: 500,
        page_token: None,
        chunk_size: 1000,
        checkpoint: None,
        verify_conflicts: false,
        demo_target_down: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--page-size" => args.page_size = support::number(&flag, &value()?)?,
            "--page-token" => args.page_token = Some(value()?),
            "--chunk-size" => args.chunk_size = support::number(&flag, &value()?)?,
            "--checkpoint" => args.checkpoint = Some(value()?.into()),
            "--verify-conflicts" => args.verify_conflicts = true,
            "--demo-target-down" => args.demo_target_down = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.checkpoint.is_some() && env("SOURCE_KRATOS_URL").is_none() {
        return Err("--checkpoint needs servers that outlive this process: set SOURCE_KRATOS_URL and TARGET_KRATOS_URL".into());
    }
    if args.checkpoint.is_some() && args.page_token.is_some() {
        return Err("--checkpoint keeps its own place: drop --page-token".into());
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

/// What `--checkpoint FILE` keeps.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Progress {
    /// The job: a checkpoint of another one is refused.
    source: String,
    target: String,
    page_size: u32,
    /// Where the source listing continues: before input `inputs_start_at`.
    listing: Option<ListPosition>,
    inputs_start_at: usize,
    /// Where the import stands.
    import: ImportPosition,
    /// Outcomes settled so far, over all runs, and what the reading saw
    /// before input `inputs_start_at`.
    #[serde(flatten)]
    counts: Counts,
    unreadable: usize,
    left_out: BTreeMap<String, usize>,
    finished: bool,
}

/// What the reading side saw, shared with the import's checkpoint hook and
/// the summary.
#[derive(Default)]
struct Seen {
    /// The index the next input will have.
    next_index: usize,
    /// Credential types left out, with how many identities had them.
    left_out: BTreeMap<String, usize>,
    /// Identities that could not be read or converted: how many, and the
    /// first few (id, why).
    unreadable: usize,
    first_unreadable: Vec<(String, String)>,
    /// The page that failed after the retries, if one did.
    failed_page: Option<Error>,
    /// For each input read and not yet settled: its index, the listing's
    /// position before it, and the counts before it. What a checkpoint
    /// needs to resume the listing at the first unsettled input.
    marks: VecDeque<Mark>,
    /// The listing's position after the last identity read.
    after_last: Option<ListPosition>,
}

#[derive(Clone)]
struct Mark {
    index: usize,
    listing: ListPosition,
    left_out: BTreeMap<String, usize>,
    unreadable: usize,
}

fn lock(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|e| e.into_inner())
}

/// The identities of the source, as create bodies for the target, a page
/// ahead.
struct Reader {
    identities: Items<ListIdentities>,
    /// What the target imports (`None`: its version is unknown).
    target: Option<ServerVersion>,
    seen: Arc<Mutex<Seen>>,
}

impl Iterator for Reader {
    type Item = CreateIdentityBody;

    fn next(&mut self) -> Option<CreateIdentityBody> {
        loop {
            let before = self.identities.resume_position();
            let identity = self.identities.next()?;
            let mut seen = lock(&self.seen);
            seen.after_last = Some(self.identities.resume_position());
            let identity = match identity {
                Ok(identity) => identity,
                // One identity that does not decode costs only itself.
                Err(e) if e.decode_error().is_some() => {
                    let id = e.decode_error().and_then(|d| d.id()).unwrap_or("?");
                    unreadable(&mut seen, id.to_string(), e.to_string());
                    continue;
                }
                Err(e) => {
                    seen.failed_page = Some(e);
                    return None;
                }
            };
            let converted = match &self.target {
                Some(target) => CreateIdentityBody::from_identity_lossy_for(&identity, target),
                None => CreateIdentityBody::from_identity_lossy(&identity),
            };
            match converted {
                Ok((body, left_out)) => {
                    let mark = Mark {
                        index: seen.next_index,
                        listing: before,
                        left_out: seen.left_out.clone(),
                        unreadable: seen.unreadable,
                    };
                    seen.marks.push_back(mark);
                    seen.next_index += 1;
                    // Read with include_credential, an identity without
                    // credentials has none (a schema without login
                    // identifiers): counted once, not per type.
                    let left_out = match identity.credentials.is_empty() {
                        true => vec![NO_CREDENTIALS.to_string()],
                        false => left_out.iter().map(ToString::to_string).collect(),
                    };
                    for kind in left_out {
                        *seen.left_out.entry(kind).or_default() += 1;
                    }
                    return Some(body);
                }
                Err(e) => unreadable(&mut seen, identity.id.to_string(), e.to_string()),
            }
        }
    }
}

fn unreadable(seen: &mut Seen, id: String, why: String) {
    seen.unreadable += 1;
    if seen.first_unreadable.len() < 10 {
        seen.first_unreadable.push((id, why));
    }
}

/// Loads the checkpoint of this migration, if any; refuses one of another.
fn open_checkpoint(path: &PathBuf, job: &Progress) -> Result<Saved<Progress>, String> {
    let file = Checkpoint::new(path);
    let progress = match file.load::<Progress>()? {
        Some(saved)
            if saved.source != job.source
                || saved.target != job.target
                || saved.page_size != job.page_size =>
        {
            return Err(format!(
                "{} is the checkpoint of another migration ({} to {}, pages of {}); remove it to start over",
                path.display(),
                saved.source,
                saved.target,
                saved.page_size
            ));
        }
        Some(saved) => saved,
        None => job.clone(),
    };
    Ok(Saved::new(file, progress))
}

/// Saves the progress with the import at `position`: the listing resumes
/// at the first input the import has not settled.
fn save_at(saved: &Saved<Progress>, seen: &Mutex<Seen>, position: &ImportPosition) {
    let first = position.first_unsettled();
    let mut seen = lock(seen);
    while seen.marks.front().is_some_and(|m| m.index < first) {
        seen.marks.pop_front();
    }
    saved.save(|progress| {
        match seen.marks.front().filter(|m| m.index == first) {
            Some(mark) => {
                progress.listing = Some(mark.listing.clone());
                progress.left_out = mark.left_out.clone();
                progress.unreadable = mark.unreadable;
            }
            // Every input read is settled: the listing resumes after the
            // last identity read.
            None => {
                progress.listing.clone_from(&seen.after_last);
                progress.left_out = seen.left_out.clone();
                progress.unreadable = seen.unreadable;
            }
        }
        progress.inputs_start_at = first;
        progress.import = position.clone();
    });
}

/// The target's version, to leave out what it cannot import; `None`, with
/// a warning, when it does not say; `Err` when the target cannot be reached
/// or refuses the key: then nothing is read from the source.
fn target_version(target: &IdentityClient) -> Result<Option<ServerVersion>, String> {
    match target.get_version().send() {
        Ok(version) => {
            let cannot: Vec<&str> = IMPORTABLE
                .iter()
                .copied()
                .filter(|kind| !version.imports_credential(kind))
                .collect();
            if !cannot.is_empty() {
                eprintln!(
                    "the target is Kratos {}: it cannot import {} credentials; they are left out of each identity and counted",
                    version.version,
                    cannot.join(", ")
                );
            }
            Ok(Some(version))
        }
        Err(e)
            if e.transport_kind()
                .is_some_and(|kind| kind.before_request_sent())
                || matches!(e.status(), Some(401 | 403)) =>
        {
            Err(format!(
                "the target cannot be used: {}; nothing was read from the source",
                support::error_chain(&e)
            ))
        }
        Err(e) => {
            eprintln!(
                "warning: the target did not say its version ({}); sending every importable credential",
                support::error_chain(&e)
            );
            Ok(None)
        }
    }
}

fn migrate(source: &IdentityClient, target: &IdentityClient, args: &Args) -> ExitCode {
    let job = Progress {
        source: source.base_url().to_string(),
        target: target.base_url().to_string(),
        page_size: args.page_size,
        ..Progress::default()
    };
    let saved = match &args.checkpoint {
        Some(path) => match open_checkpoint(path, &job) {
            Ok(saved) => Some(saved),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let earlier = saved.as_ref().map(Saved::get);
    if let Some(earlier) = &earlier {
        if earlier.finished {
            eprintln!(
                "the checkpoint says this migration finished: {}; nothing to do",
                earlier.counts
            );
            return ExitCode::SUCCESS;
        }
        if earlier.listing.is_some() {
            eprintln!(
                "continuing from the checkpoint: {} identities settled, {} to look up on the target, {} to send again",
                earlier.inputs_start_at,
                earlier.import.unresolved().len(),
                earlier.import.not_created().len()
            );
        }
    }
    let version = match target_version(target) {
        Ok(version) => version,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };

    let mut request = source
        .list_identities()
        .page_size(args.page_size)
        .include_credential(IMPORTABLE);
    if let Some(token) = &args.page_token {
        request = request.page_token(token);
    }
    if let Some(position) = earlier.as_ref().and_then(|e| e.listing.as_ref()) {
        request = request.resume(position);
    }
    let seen = Arc::new(Mutex::new(Seen {
        next_index: earlier.as_ref().map_or(0, |e| e.inputs_start_at),
        left_out: earlier
            .as_ref()
            .map(|e| e.left_out.clone())
            .unwrap_or_default(),
        unreadable: earlier.as_ref().map_or(0, |e| e.unreadable),
        ..Seen::default()
    }));
    let reader = Reader {
        identities: request.items().prefetch(true),
        target: version,
        seen: Arc::clone(&seen),
    };

    let started = Instant::now();
    let mut last_report = started;
    let (mut created, mut existed) = (0usize, 0usize);
    let mut failures: Vec<(usize, ImportError)> = Vec::new();
    let mut import = target
        .import_identities(reader)
        .chunk_size(args.chunk_size)
        .verify_conflicts(args.verify_conflicts);
    if let (Some(saved), Some(earlier)) = (&saved, &earlier) {
        let saved = saved.clone();
        let seen = Arc::clone(&seen);
        import = import
            .inputs_start_at(earlier.inputs_start_at)
            .resume(&earlier.import)
            .checkpoint(move |position| save_at(&saved, &seen, position));
    }
    let mut outcomes = import.outcomes();
    let mut last_outcome = Instant::now();
    for outcome in outcomes.by_ref() {
        // Outcomes come a chunk at a time: a pause before this one means a
        // request was waited for, and the counts so far are whole chunks.
        let paused = last_outcome.elapsed() >= Duration::from_millis(20);
        last_outcome = Instant::now();
        if paused && last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            let done = created + existed + failures.len();
            eprintln!(
                "migrating: {} so far, {:.0}/s",
                support::identities(done),
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
        if let Some(saved) = &saved {
            saved.change(|p| p.counts.count(&outcome.result));
        }
        match outcome.result {
            Ok(_) => created += 1,
            Err(e) if e.is_conflict() => existed += 1,
            Err(e) => failures.push((outcome.index, e)),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    // Why the import stopped, if it did: after it, nothing more was read
    // from the source.
    let stopped = outcomes.stopped().map(|e| support::error_chain(e));
    let position = outcomes.resume_position();
    let lookups = outcomes.lookups();
    drop(outcomes);
    if let Some(saved) = &saved {
        let done = stopped.is_none() && lock(&seen).failed_page.is_none() && position.is_settled();
        saved.change(|p| p.finished = done);
        save_at(saved, &seen, &position);
    }
    let seen = lock(&seen);

    println!(
        "{} identities sent in {secs:.2} s: {created} created, {existed} already existed, {} failed; {} could not be read",
        created + existed + failures.len(),
        failures.len(),
        seen.unreadable
    );
    if lookups > 0 {
        println!(
            "  {lookups} lookups on the target settled identities whose requests failed after they were sent"
        );
    }
    for (kind, count) in &seen.left_out {
        if kind == NO_CREDENTIALS {
            let count = support::identities(*count);
            println!("  {count} without any credentials: migrated without a way to log in");
            continue;
        }
        let why = match kind.as_str() {
            "password" => "their password credential has no hash to carry".to_string(),
            "code" => "Kratos cannot import them (it recreates code credentials from the traits)"
                .to_string(),
            kind if IMPORTABLE.contains(&kind) => {
                "the target's version cannot import them".to_string()
            }
            _ => "Kratos cannot import them".to_string(),
        };
        let count = support::identities(*count);
        println!("  left out the {kind} credentials of {count}: {why}");
    }
    for (id, why) in &seen.first_unreadable {
        println!("  identity {id}: {why}");
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (_, error) in &failures {
        *reasons.entry(error.to_string()).or_default() += 1;
    }
    for (reason, count) in &reasons {
        println!("  {count:>6} × {reason}");
    }
    if let Some(saved) = &saved
        && earlier.as_ref().is_some_and(|e| e.listing.is_some())
    {
        println!("over all runs of this checkpoint: {}", saved.get().counts);
    }

    if let Some(error) = &seen.failed_page {
        support::print_error(error);
    }
    if let Some(why) = &stopped {
        eprintln!(
            "error: the import stopped: {why}; the identities after it were not read from the source"
        );
    }
    let interrupted = stopped.is_some() || seen.failed_page.is_some();
    let unsettled = failures.iter().any(|(_, e)| !e.is_final());
    if interrupted || unsettled {
        match &args.checkpoint {
            Some(path) => eprintln!(
                "to continue where this stopped, run the same command again: {} says where",
                path.display()
            ),
            None => eprintln!(
                "to continue, run the same command again (identities already copied are reported as already existing), or use --checkpoint FILE to continue exactly"
            ),
        }
        return ExitCode::FAILURE;
    }
    match failures.is_empty() && seen.unreadable == 0 {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    }
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
