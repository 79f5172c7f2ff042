//! `migrate`: copies identities, credentials included, from one Kratos
//! (`--from`) to another (`--to`): self-hosted to Ory Network, one project
//! to another, or back.
//!
//! The target's version is asked first: credentials it cannot import are
//! left out of each identity (`from_identity_lossy_for`) and counted, so the
//! identities themselves still migrate. Identities are read a page ahead of
//! the import, always with `include_credential` (without it Kratos lists no
//! password hashes).
//!
//! With `--checkpoint FILE` the job saves, before each chunk is sent, where
//! the source listing stands (at the first identity not yet settled on the
//! target) and where the import stands: the same command after any stop
//! continues exactly.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use kratos_identity::uuid::Uuid;
use kratos_identity::{
    CreateIdentityBody, Error, IdentityClient, ImportError, ImportPosition, Items, ListIdentities,
    ListPosition, ServerVersion,
};
use kratos_identity_fake::FakeKratos;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::batches::Batches;
use crate::checkpoint::{Checkpoint, Counts, Saved};
use crate::connect::{client, env, target_version};
use crate::exit::{Exit, Fail, chain, identities};
use crate::input::left_out_reason;
use crate::progress::Progress;
use crate::report::{Failed, Report};

const EXAMPLES: &str = "\
Examples:
  # Self-hosted to Ory Network, resumable:
  ORY_API_KEY_TO=ory_pat_... kratos-identity migrate --from http://127.0.0.1:4434 \\
      --to https://my-slug.projects.oryapis.com --checkpoint migrate.ckpt --report failed.ndjson
  # Between two local demo servers (no --from, no --to):
  kratos-identity migrate";

/// The key under which the counts of left-out credentials hold identities
/// that have no credentials at all.
const NO_CREDENTIALS: &str = "(no credentials)";

/// Copy identities with their credentials from one Kratos to another.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The source's admin URL; its key is read from $ORY_API_KEY_FROM.
    #[arg(long, value_name = "URL", requires = "to")]
    from: Option<String>,

    /// The target's admin URL; its key is read from $ORY_API_KEY_TO.
    #[arg(long, value_name = "URL", requires = "from")]
    to: Option<String>,

    /// Send the keys over plain http:// to hosts that are not loopback
    /// (refused by default: anyone on the way could read them).
    #[arg(long)]
    allow_insecure_http: bool,

    /// Keep the job's progress in FILE; the same command continues where a
    /// stopped run left off, sending nothing twice.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,

    /// Write one NDJSON line per identity not migrated (its source id and the
    /// reason) to FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// Identities per page read from the source (1 to 500).
    #[arg(long, value_name = "N", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..=500))]
    page_size: u32,

    #[command(flatten)]
    batches: Batches,

    /// Demo source size (without --from).
    #[arg(long, hide = true, default_value_t = 2000)]
    demo_identities: usize,
}

/// What `--checkpoint FILE` keeps.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct State {
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
    unreadable: u64,
    left_out: BTreeMap<String, u64>,
    finished: bool,
}

/// What the reading side saw, shared with the import's checkpoint hook and
/// the outcomes loop.
#[derive(Default)]
struct Seen {
    /// The index the next input will have.
    next_index: usize,
    /// Credential types left out, with how many identities had them.
    left_out: BTreeMap<String, u64>,
    /// Identities that could not be read or converted (source id, why),
    /// reported as they come, and how many in all.
    unreadable: Vec<(String, String)>,
    unreadable_count: u64,
    /// The page that failed after the retries, if one did.
    failed_page: Option<Error>,
    /// The source id of each input whose outcome has not come yet.
    ids: VecDeque<(usize, Uuid)>,
    /// With a checkpoint, for each input read and not yet settled: where
    /// the listing stood before it, and the counts before it.
    marks: VecDeque<Mark>,
    /// The listing's position after the last identity read.
    after_last: Option<ListPosition>,
}

#[derive(Clone)]
struct Mark {
    index: usize,
    listing: ListPosition,
    left_out: BTreeMap<String, u64>,
    unreadable: u64,
}

fn lock(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|e| e.into_inner())
}

/// The identities of the source, as create bodies for the target.
struct Reader {
    identities: Items<ListIdentities>,
    target: Option<ServerVersion>,
    seen: Arc<Mutex<Seen>>,
    marks: bool,
}

impl Iterator for Reader {
    type Item = CreateIdentityBody;

    fn next(&mut self) -> Option<CreateIdentityBody> {
        loop {
            let before = self.marks.then(|| self.identities.resume_position());
            let identity = self.identities.next()?;
            let mut seen = lock(&self.seen);
            if self.marks {
                seen.after_last = Some(self.identities.resume_position());
            }
            let identity = match identity {
                Ok(identity) => identity,
                // One identity that does not decode costs only itself.
                Err(e) if e.decode_error().is_some() => {
                    let id = e.decode_error().and_then(|d| d.id()).unwrap_or("?");
                    unreadable(&mut seen, id.to_string(), chain(&e));
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
                    let index = seen.next_index;
                    if let Some(listing) = before {
                        let mark = Mark {
                            index,
                            listing,
                            left_out: seen.left_out.clone(),
                            unreadable: seen.unreadable_count,
                        };
                        seen.marks.push_back(mark);
                    }
                    seen.ids.push_back((index, identity.id));
                    seen.next_index += 1;
                    // Read with include_credential, an identity without
                    // credentials has none: counted once, not per type.
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
    seen.unreadable_count += 1;
    seen.unreadable.push((id, why));
}

/// The source id of input `index`.
fn id_of(seen: &Mutex<Seen>, index: usize) -> Option<Uuid> {
    let mut seen = lock(seen);
    while let Some(&(i, id)) = seen.ids.front() {
        if i > index {
            break;
        }
        seen.ids.pop_front();
        if i == index {
            return Some(id);
        }
    }
    None
}

/// The source and target clients, and the demo servers behind them when
/// neither `--from` nor `--to` is given (kept to keep them running).
type Clients = (
    IdentityClient,
    IdentityClient,
    Option<(FakeKratos, FakeKratos)>,
);

fn clients(args: &Args) -> Result<Clients, Fail> {
    match (&args.from, &args.to) {
        (Some(from), Some(to)) => Ok((
            client(from, env("ORY_API_KEY_FROM"), args.allow_insecure_http)?,
            client(to, env("ORY_API_KEY_TO"), args.allow_insecure_http)?,
            None,
        )),
        _ => {
            let source = demo_source(args.demo_identities);
            let target = FakeKratos::start();
            eprintln!(
                "--from and --to are not set: migrating {} from a local demo server at {} to another at {}",
                identities(source.identity_count() as u64),
                source.base_url(),
                target.base_url()
            );
            Ok((source.client(), target.client(), Some((source, target))))
        }
    }
}

/// Loads the checkpoint of this migration, if any; refuses one of another.
fn open_checkpoint(path: &PathBuf, job: &State) -> Result<Saved<State>, Fail> {
    let file = Checkpoint::new(path);
    let progress = match file.load::<State>().map_err(Fail::usage)? {
        Some(saved)
            if saved.source != job.source
                || saved.target != job.target
                || saved.page_size != job.page_size =>
        {
            return Err(Fail::usage(format!(
                "{} is the checkpoint of another migration ({} to {}, pages of {}); remove it to start over",
                path.display(),
                saved.source,
                saved.target,
                saved.page_size
            )));
        }
        Some(saved) => saved,
        None => {
            eprintln!(
                "starting a new migration; its progress is kept in {}",
                path.display()
            );
            job.clone()
        }
    };
    Ok(Saved::new(file, progress))
}

/// Saves the progress with the import at `position`: the listing resumes
/// at the first input the import has not settled.
fn save_at(saved: &Saved<State>, seen: &Mutex<Seen>, position: &ImportPosition) {
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
                progress.unreadable = seen.unreadable_count;
            }
        }
        progress.inputs_start_at = first;
        progress.import = position.clone();
    });
}

/// Runs `migrate`.
pub fn run(args: Args) -> Result<Exit, Fail> {
    if args.checkpoint.is_some() && args.from.is_none() {
        return Err(Fail::usage(
            "--checkpoint needs servers that outlive this process: set --from and --to",
        ));
    }
    let mut report = Report::open(args.report.as_deref())?;
    let (source, target, _demos) = clients(&args)?;
    let job = State {
        source: source.base_url(),
        target: target.base_url(),
        page_size: args.page_size,
        ..State::default()
    };
    let saved = args
        .checkpoint
        .as_ref()
        .map(|path| open_checkpoint(path, &job))
        .transpose()?;
    let earlier = saved.as_ref().map(Saved::get);
    if let Some(earlier) = &earlier {
        if earlier.finished {
            eprintln!(
                "the checkpoint says this migration finished: {}; nothing to do",
                earlier.counts
            );
            return Ok(Exit::Done);
        }
        if earlier.listing.is_some() {
            eprintln!(
                "continuing from the checkpoint: {} settled, {} to look up on the target, {} to send again",
                identities(earlier.inputs_start_at as u64),
                earlier.import.unresolved().len(),
                earlier.import.not_created().len()
            );
        }
    }
    let version = target_version(&target)?;
    if let Some(version) = &version {
        // What Kratos imports at most (master), and this target does not.
        let newest = kratos_identity::ServerVersion::new("master").importable_credentials();
        let cannot: Vec<&str> = newest
            .iter()
            .filter(|kind| !version.imports_credential(kind))
            .map(|kind| kind.as_str())
            .collect();
        if !cannot.is_empty() {
            eprintln!(
                "the target is Kratos {}: it cannot import {} credentials; they are left out of each identity and counted",
                version.version,
                cannot.join(", ")
            );
        }
    }

    let mut request = source
        .list_identities()
        .page_size(args.page_size)
        .include_all_credentials();
    if let Some(position) = earlier.as_ref().and_then(|e| e.listing.as_ref()) {
        request = request.resume(position);
    }
    let seen = Arc::new(Mutex::new(Seen {
        next_index: earlier.as_ref().map_or(0, |e| e.inputs_start_at),
        left_out: earlier
            .as_ref()
            .map(|e| e.left_out.clone())
            .unwrap_or_default(),
        unreadable_count: earlier.as_ref().map_or(0, |e| e.unreadable),
        ..Seen::default()
    }));
    let reader = Reader {
        identities: request.items().prefetch(true),
        target: version.clone(),
        seen: Arc::clone(&seen),
        marks: saved.is_some(),
    };
    let mut import = args.batches.apply(target.import_identities(reader));
    if let (Some(saved), Some(earlier)) = (&saved, &earlier) {
        let saved = saved.clone();
        let seen = Arc::clone(&seen);
        import = import
            .inputs_start_at(earlier.inputs_start_at)
            .resume(&earlier.import)
            .checkpoint(move |position| save_at(&saved, &seen, position));
    }

    let progress = Progress::start("migrating", None);
    let mut counts = Counts::default();
    let mut unsettled = 0u64;
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut outcomes = import.outcomes();
    for outcome in outcomes.by_ref() {
        report_unreadable(&seen, &mut report, &mut reasons);
        let id = id_of(&seen, outcome.index);
        counts.count(&outcome.result);
        if let Err(e) = &outcome.result
            && !e.is_conflict()
        {
            unsettled += u64::from(!e.is_final());
            *reasons.entry(reason(e)).or_default() += 1;
            report.add(&Failed {
                index: Some(outcome.index as u64),
                id: id.map(|id| id.to_string()),
                error: e.to_string(),
                ..Failed::default()
            });
        }
        if let Some(saved) = &saved {
            saved.change(|p| p.counts.count(&outcome.result));
        }
        progress.inc(1);
    }
    // Why the import stopped, if it did: after it, nothing more was read
    // from the source.
    let stopped = outcomes.stopped().map(|e| chain(e));
    let position = outcomes.resume_position();
    let lookups = outcomes.lookups();
    drop(outcomes);
    report_unreadable(&seen, &mut report, &mut reasons);
    if let Some(saved) = &saved {
        let done = stopped.is_none() && lock(&seen).failed_page.is_none() && position.is_settled();
        saved.change(|p| p.finished = done);
        save_at(saved, &seen, &position);
    }
    let seen = lock(&seen);

    for (kind, count) in &seen.left_out {
        progress.note(&match kind.as_str() {
            NO_CREDENTIALS => format!(
                "note: {} without any credentials: migrated without a way to log in",
                identities(*count)
            ),
            kind => format!(
                "note: left out the {kind} credentials of {}: {}",
                identities(*count),
                left_out_reason(kind, version.as_ref())
            ),
        });
    }
    // Each failure was named on stderr already without a report file.
    for (why, count) in reasons.iter().filter(|_| args.report.is_some()) {
        progress.note(&format!("{count:>8} × {why}"));
    }
    if lookups > 0 {
        progress.note(&format!(
            "{lookups} lookups on the target settled identities whose requests failed after they were sent"
        ));
    }
    if let (Some(saved), Some(earlier)) = (&saved, &earlier)
        && earlier.listing.is_some()
    {
        progress.note(&format!(
            "over all runs of this checkpoint: {}",
            saved.get().counts
        ));
    }
    if let Some(error) = &seen.failed_page {
        progress.note(&format!(
            "error: reading the source: {}; the identities after it were not read",
            chain(error)
        ));
    }
    if let Some(why) = &stopped {
        progress.note(&format!(
            "error: the import stopped: {why}; the identities after it were not read from the source"
        ));
    }
    let interrupted = stopped.is_some() || seen.failed_page.is_some();
    let failed = counts.failed + unsettled + seen.unreadable_count;
    let exit = if interrupted || (unsettled > 0 && saved.is_some()) {
        progress.note(&match &args.checkpoint {
            Some(path) => format!(
                "to continue where this stopped, run the same command again: {} says where",
                path.display()
            ),
            None => "to continue, run the same command again (identities already copied are reported as already existing), or use --checkpoint FILE to continue exactly".to_string(),
        });
        Exit::Stopped
    } else if failed > 0 {
        Exit::Failed
    } else {
        Exit::Done
    };
    report.close()?;
    let total = counts.created + counts.existed + failed;
    progress.finish(&format!(
        "migrated {} {}: {} created, {} already existed, {failed} failed",
        identities(total),
        progress.timing(total),
        counts.created,
        counts.existed,
    ));
    Ok(exit)
}

/// Reports the identities that could not be read or converted, not
/// reported yet.
fn report_unreadable(seen: &Mutex<Seen>, report: &mut Report, reasons: &mut BTreeMap<String, u64>) {
    let mut seen = lock(seen);
    for (id, why) in seen.unreadable.drain(..) {
        *reasons
            .entry("could not be read or converted".to_string())
            .or_default() += 1;
        report.add(&Failed {
            id: Some(id),
            error: why,
            ..Failed::default()
        });
    }
}

/// A failure's reason, as the counts by reason show it.
fn reason(error: &ImportError) -> String {
    match error {
        ImportError::Duplicate { on, .. } => {
            format!("not created: a duplicate of an earlier identity (the same {on})")
        }
        ImportError::IdentifierTaken { on: Some(on), .. } => {
            format!("not created: another identity holds its {on}")
        }
        other => other.to_string(),
    }
}

/// A demo source: realistic identities with password hashes, and one with
/// every other credential type Kratos can import.
fn demo_source(count: usize) -> FakeKratos {
    let source = FakeKratos::builder().identities(count).start();
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
            "code": {"type": "code", "identifiers": ["grace@example.com"], "config": {"addresses": [{"channel": "email", "address": "grace@example.com"}]}}
        }
    }));
    source
}
