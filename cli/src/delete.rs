//! `delete`: identities from a file of ids, or those a filter selects,
//! deleted in parallel on clones of one client (which share its pacing),
//! "already gone" counting as done.
//!
//! It counts first, says how many, and refuses to delete more than one
//! identity without `--yes` (exit 2). With `--checkpoint FILE` it records
//! after every chunk which ids are done, and the same command continues
//! after any stop: ids of a file already done are not sent again; a filter
//! is listed again, and lists only what is left.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use kratos_identity::uuid::Uuid;
use kratos_identity::{Error, IdentityClient};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, file_len};
use crate::connect::Connection;
use crate::exit::{Exit, Fail, chain, identities, stops_the_job};
use crate::progress::Progress;
use crate::report::{Failed, Report};

const EXAMPLES: &str = "\
Examples:
  # Ids one per line; resumable; failures named in a report:
  kratos-identity delete stale-ids.txt --yes --concurrency 8 --checkpoint delete.ckpt --report failed.ndjson
  # Everyone of one organization (prints how many, and stops there without --yes):
  kratos-identity delete --organization-id 4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11
  # One identity by email:
  kratos-identity delete --credentials-identifier ada@example.com";

/// How many deletes are done between two checkpoint saves.
const CHUNK: usize = 100;

/// Delete identities listed in a file, or selected by a filter.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(group(clap::ArgGroup::new("which").required(true).multiple(true)
    .args(["file", "credentials_identifier", "organization_id", "all"])))]
pub struct Args {
    #[command(flatten)]
    connection: Connection,

    /// A file of identity ids, one per line (`-` for stdin).
    #[arg(value_name = "FILE",
          conflicts_with_all = ["credentials_identifier", "organization_id", "all"])]
    file: Option<PathBuf>,

    /// The identity with this credentials identifier (an email, a username).
    #[arg(long, value_name = "IDENTIFIER")]
    credentials_identifier: Option<String>,

    /// Every identity of this organization.
    #[arg(long, value_name = "UUID")]
    organization_id: Option<String>,

    /// Every identity on the server.
    #[arg(long, conflicts_with_all = ["credentials_identifier", "organization_id"])]
    all: bool,

    /// Delete more than one identity (without it, only the count is printed).
    #[arg(long, short = 'y')]
    yes: bool,

    /// Deletes in flight at once (they share the client's pacing).
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,

    /// Keep which ids are done in FILE; the same command continues where a
    /// stopped run left off.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,

    /// Write one NDJSON line per identity not deleted (line, id, reason) to
    /// FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// What a checkpoint holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// The job: the server, and the file (with its size) or the filter.
    server: String,
    source: String,
    /// Entries of the file done (deleted, gone, or failed for good).
    next: usize,
    /// Ids a stop left undone, tried first by the next run.
    retry: Vec<(Option<u64>, Uuid)>,
    deleted: u64,
    failed: u64,
    finished: bool,
}

/// One identity to delete, with its line in the file.
#[derive(Debug, Clone, Copy)]
struct Entry {
    line: Option<u64>,
    id: Uuid,
    /// From the checkpoint's retry list, not from the file.
    retried: bool,
}

/// Runs `delete`.
pub fn run(args: Args) -> Result<Exit, Fail> {
    let from_stdin = args.file.as_deref() == Some(Path::new("-"));
    if args.checkpoint.is_some() && from_stdin {
        return Err(Fail::usage(
            "--checkpoint needs a file of ids: stdin cannot be read again",
        ));
    }
    if args.checkpoint.is_some() && args.connection.url().is_none() {
        return Err(Fail::usage(
            "--checkpoint needs a server that outlives this process: set --url or KRATOS_ADMIN_URL",
        ));
    }
    let mut report = Report::open(args.report.as_deref())?;
    let server = args.connection.connect("deleting from")?;
    let source = match &args.file {
        Some(path) if !from_stdin => format!(
            "file {} ({} bytes)",
            path.display(),
            file_len(path).map_err(Fail::usage)?
        ),
        Some(_) => "stdin".to_string(),
        None => format!(
            "filter: credentials identifier {:?}, organization {:?}, all {}",
            args.credentials_identifier, args.organization_id, args.all
        ),
    };
    let checkpoint = args.checkpoint.as_ref().map(Checkpoint::new);
    let mut state = State {
        server: server.label.clone(),
        source,
        ..State::default()
    };
    if let Some(checkpoint) = &checkpoint {
        match checkpoint.load::<State>().map_err(Fail::usage)? {
            Some(saved) if saved.server != state.server || saved.source != state.source => {
                return Err(Fail::usage(format!(
                    "{} is the checkpoint of another delete ({}, on {}); remove it to start over",
                    checkpoint.path().display(),
                    saved.source,
                    saved.server
                )));
            }
            Some(saved) if saved.finished => {
                eprintln!(
                    "the checkpoint {} says this delete finished: {} deleted, {} failed; nothing to do",
                    checkpoint.path().display(),
                    saved.deleted,
                    saved.failed
                );
                return Ok(Exit::Done);
            }
            Some(saved) => {
                eprintln!(
                    "continuing from the checkpoint {}: {} deleted so far",
                    checkpoint.path().display(),
                    identities(saved.deleted)
                );
                state = saved;
            }
            None => {}
        }
    }

    // Count first: every id to delete is known before the first delete.
    let mut unreadable = 0u64;
    let mut work: VecDeque<Entry> = VecDeque::new();
    match &args.file {
        Some(path) => {
            work.extend(state.retry.iter().map(|&(line, id)| Entry {
                line,
                id,
                retried: true,
            }));
            let entries = read_ids(path, &mut report, &mut unreadable)?;
            work.extend(entries.into_iter().skip(state.next));
        }
        None => work.extend(list(&server.client, &args)?),
    }
    let total = work.len() as u64;
    eprintln!(
        "{} to delete{}",
        identities(total),
        match unreadable {
            0 => String::new(),
            n => format!(" ({n} lines are not identity ids)"),
        }
    );
    if total > 1 && !args.yes {
        eprintln!(
            "refusing to delete {} without --yes: run the same command with --yes to delete them",
            identities(total)
        );
        return Ok(Exit::Usage);
    }

    let progress = Progress::start("deleting", Some(total));
    let (mut deleted, mut failed) = (0u64, unreadable);
    let mut stop: Option<Error> = None;
    let mut stopped: Vec<Entry> = Vec::new();
    let concurrency = usize::from(args.concurrency);
    while !work.is_empty() && stop.is_none() {
        let chunk: Vec<Entry> = work.drain(..CHUNK.min(work.len())).collect();
        let results = server
            .client
            .fan_out(chunk.iter(), concurrency, |client, entry| {
                let result = delete(client, entry.id);
                progress.inc(1);
                result
            });
        let (mut chunk_deleted, mut chunk_failed) = (0u64, 0u64);
        for (entry, result) in chunk.iter().zip(results) {
            match result {
                Ok(()) => chunk_deleted += 1,
                Err(e) if stops_the_job(&e) => {
                    stopped.push(*entry);
                    stop.get_or_insert(e);
                }
                Err(e) => {
                    chunk_failed += 1;
                    report.add(&Failed {
                        line: entry.line,
                        id: Some(entry.id.to_string()),
                        error: chain(&e),
                        ..Failed::default()
                    });
                }
            }
        }
        deleted += chunk_deleted;
        failed += chunk_failed;
        state.deleted += chunk_deleted;
        state.failed += chunk_failed;
        if args.file.is_some() {
            state.next += chunk.iter().filter(|e| !e.retried).count();
            state.retry = stopped
                .iter()
                .chain(work.iter().filter(|e| e.retried))
                .map(|e| (e.line, e.id))
                .collect();
        }
        if let Some(checkpoint) = &checkpoint {
            save(checkpoint, &state, &progress);
        }
    }
    let exit = match &stop {
        Some(e) => {
            progress.note(&format!("error: {}", chain(e)));
            progress.note(&match &checkpoint {
                Some(checkpoint) => format!(
                    "stopped with {} left; run the same command again to continue ({} says where)",
                    identities(work.len() as u64 + stopped.len() as u64),
                    checkpoint.path().display()
                ),
                None => "stopped; run the same command again to delete the rest (ids already gone count as done)".to_string(),
            });
            Exit::Stopped
        }
        None if failed > 0 => Exit::Failed,
        None => Exit::Done,
    };
    if let Some(checkpoint) = &checkpoint
        && stop.is_none()
    {
        state.finished = true;
        save(checkpoint, &state, &progress);
    }
    report.close()?;
    progress.finish(&format!(
        "deleted {} {}{}",
        identities(deleted),
        progress.timing(deleted),
        match failed {
            0 => String::new(),
            n => format!(", {n} failed"),
        }
    ));
    Ok(exit)
}

/// Deletes one identity; "already gone" ([`kratos_identity::Deleted`]:
/// not found, or gone when a retry came) is done.
fn delete(client: &IdentityClient, id: Uuid) -> Result<(), Error> {
    client.delete_identity(id).missing_ok(true).send().map(drop)
}

/// Saves the checkpoint; a checkpoint that cannot be written stops the
/// process (exit 3): the last one written is still valid.
fn save(checkpoint: &Checkpoint, state: &State, progress: &Progress) {
    if let Err(e) = checkpoint.save(state) {
        progress.note(&format!(
            "error: cannot write the checkpoint {}: {e}; stopping (the last one written is still valid)",
            checkpoint.path().display()
        ));
        std::process::exit(3);
    }
}

/// The ids of a file (or stdin), one per line; blank lines and `#`
/// comments are skipped, and lines that are not ids are reported.
fn read_ids(path: &Path, report: &mut Report, unreadable: &mut u64) -> Result<Vec<Entry>, Fail> {
    let lines = crate::input::open(Some(path))?;
    let mut entries = Vec::new();
    for (number, line) in (1u64..).zip(lines) {
        let line = line.map_err(|e| Fail::usage(format!("reading line {number}: {e}")))?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        match Uuid::parse_str(text) {
            Ok(id) => entries.push(Entry {
                line: Some(number),
                id,
                retried: false,
            }),
            Err(e) => {
                *unreadable += 1;
                report.add(&Failed {
                    line: Some(number),
                    error: format!("not an identity id: {e}"),
                    ..Failed::default()
                });
            }
        }
    }
    Ok(entries)
}

/// The ids a filter selects.
fn list(client: &IdentityClient, args: &Args) -> Result<Vec<Entry>, Fail> {
    let mut request = client.list_identities().page_size(500);
    if let Some(identifier) = &args.credentials_identifier {
        request = request.credentials_identifier(identifier);
    }
    if let Some(organization) = &args.organization_id {
        request = request.organization_id(organization);
    }
    request
        .traits::<IgnoredAny>()
        .items()
        .map(|identity| {
            identity.map(|identity| Entry {
                line: None,
                id: identity.id,
                retried: false,
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| match e.status() {
            Some(400) => Fail::usage(format!("the server refuses the filter: {}", chain(&e))),
            _ => Fail::stopped(format!("listing the identities to delete: {}", chain(&e))),
        })
}
