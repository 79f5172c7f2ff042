//! `export`: every identity (or those a filter selects) as NDJSON, exactly
//! as the server sent it, to stdout or `--output FILE`; with
//! `--checkpoint FILE`, a job that survives any stop and continues where it
//! stopped.
//!
//! With a checkpoint, after every page the lines are written, the output is
//! flushed and synced, and only then the checkpoint is saved (the
//! [`ListPosition`] and the output's length). A re-run cuts the output to
//! that length and resumes the listing at that position: no identity is
//! written twice and none is missing.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use kratos_identity::{IdentityClient, ListPosition};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::checkpoint::{Checkpoint, open_output};
use crate::connect::{Connection, Server};
use crate::exit::{Exit, Fail, chain, identities};
use crate::progress::Progress;

const EXAMPLES: &str = "\
Examples:
  # Every identity with its password hash, resumable: run the same command again after any stop.
  kratos-identity export --include-credential password --output all.ndjson --checkpoint export.ckpt
  # One organization's identities, to stdout:
  KRATOS_ADMIN_URL=https://my-slug.projects.oryapis.com ORY_API_KEY=ory_pat_... \\
      kratos-identity export --organization-id 4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11 > org.ndjson";

/// Export identities as NDJSON (one identity per line, exactly as the server sent it).
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,

    /// Write to FILE instead of stdout (needed with --checkpoint).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Keep the job's progress in FILE; the same command continues where a
    /// stopped run left off, writing no identity twice.
    #[arg(long, value_name = "FILE", requires = "output")]
    checkpoint: Option<PathBuf>,

    /// Identities per page (1 to 500).
    #[arg(long, value_name = "N", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..=500))]
    page_size: u32,

    /// Start at this page token (printed by a failed run without --checkpoint).
    #[arg(long, value_name = "TOKEN", conflicts_with = "checkpoint")]
    page_token: Option<String>,

    /// Include the configuration of these credential types (password
    /// hashes with `password`); repeat or separate with commas.
    #[arg(long, value_name = "TYPE", value_delimiter = ',')]
    include_credential: Vec<String>,

    /// Include the configuration of every credential type the server knows.
    #[arg(long)]
    include_all_credentials: bool,

    /// Only the identity with this credentials identifier (an email, a username).
    #[arg(long, value_name = "IDENTIFIER")]
    credentials_identifier: Option<String>,

    /// Only identities whose credentials identifier is similar (a Kratos preview feature).
    #[arg(long, value_name = "IDENTIFIER")]
    credentials_identifier_similar: Option<String>,

    /// Only identities of this organization.
    #[arg(long, value_name = "UUID")]
    organization_id: Option<String>,

    /// Only these identities (at most 500); repeat or separate with commas.
    #[arg(long, value_name = "UUID", value_delimiter = ',')]
    ids: Vec<String>,

    /// Read consistency on Ory Network: `strong` (default) or `eventual`.
    #[arg(long, value_name = "LEVEL")]
    consistency: Option<String>,

    /// Stop after N identities in this run (exit status 3; with
    /// --checkpoint the next run continues).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,

    /// Do not fetch the next page while writing this one.
    #[arg(long)]
    no_prefetch: bool,
}

/// What an export job exports and where: a checkpoint resumes only the job
/// it was started for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Job {
    /// The admin URL, or which demo server.
    server: String,
    page_size: u32,
    credentials_identifier: Option<String>,
    credentials_identifier_similar: Option<String>,
    organization_id: Option<String>,
    ids: Vec<String>,
    include_credential: Vec<String>,
    include_all_credentials: bool,
    output: Option<PathBuf>,
}

impl Job {
    fn of(args: &Args, server: &Server) -> Job {
        Job {
            server: server.label.clone(),
            page_size: args.page_size,
            credentials_identifier: args.credentials_identifier.clone(),
            credentials_identifier_similar: args.credentials_identifier_similar.clone(),
            organization_id: args.organization_id.clone(),
            ids: args.ids.clone(),
            include_credential: args.include_credential.clone(),
            include_all_credentials: args.include_all_credentials,
            output: args.output.clone(),
        }
    }

    /// The flags that differ from `other`'s, by name (never their values:
    /// a credentials identifier is often an email address).
    fn differences(&self, other: &Job) -> Vec<&'static str> {
        [
            (
                self.server == other.server,
                "the server (--url, KRATOS_ADMIN_URL)",
            ),
            (self.page_size == other.page_size, "--page-size"),
            (
                self.credentials_identifier == other.credentials_identifier,
                "--credentials-identifier",
            ),
            (
                self.credentials_identifier_similar == other.credentials_identifier_similar,
                "--credentials-identifier-similar",
            ),
            (
                self.organization_id == other.organization_id,
                "--organization-id",
            ),
            (self.ids == other.ids, "--ids"),
            (
                self.include_credential == other.include_credential
                    && self.include_all_credentials == other.include_all_credentials,
                "--include-credential",
            ),
            (self.output == other.output, "--output"),
        ]
        .into_iter()
        .filter_map(|(same, name)| (!same).then_some(name))
        .collect()
    }
}

/// What a checkpoint holds: the job, and how far it got.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    job: Job,
    /// Where the listing stands: the next run resumes here.
    position: ListPosition,
    /// The output's length, in bytes, when this was saved: everything
    /// after it is cut on resume.
    output_len: u64,
    /// Identities written so far, in all runs.
    exported: u64,
}

/// Where the lines go.
enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(BufWriter<File>),
}

impl Output {
    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let out: &mut dyn Write = match self {
            Output::Stdout(out) => out,
            Output::File(out) => out,
        };
        out.write_all(line)?;
        out.write_all(b"\n")
    }

    /// Flushes what was written (and syncs a file to disk); a file's
    /// length is returned.
    fn commit(&mut self) -> io::Result<Option<u64>> {
        match self {
            Output::Stdout(out) => out.flush().map(|()| None),
            Output::File(out) => {
                out.flush()?;
                out.get_ref().sync_data()?;
                out.get_ref().metadata().map(|m| Some(m.len()))
            }
        }
    }
}

/// Runs `export`.
pub fn run(args: Args) -> Result<Exit, Fail> {
    let server = args.connection.connect("exporting from")?;
    let job = Job::of(&args, &server);
    let checkpoint = args.checkpoint.as_ref().map(Checkpoint::new);
    let (out, resume, exported) = match &checkpoint {
        Some(checkpoint) => match load(checkpoint, &job)? {
            Some(run) => run,
            None => return Ok(Exit::Done),
        },
        None => (fresh_output(&job)?, None, 0),
    };
    export(
        &server.client,
        &args,
        &job,
        out,
        resume,
        exported,
        checkpoint.as_ref(),
    )
}

/// The output of a run from the start: stdout or a new `--output` file.
fn fresh_output(job: &Job) -> Result<Output, Fail> {
    Ok(match &job.output {
        Some(path) => Output::File(BufWriter::with_capacity(
            1 << 16,
            open_output(path, None).map_err(|e| {
                Fail::usage(format!("cannot create the output {}: {e}", path.display()))
            })?,
        )),
        None => Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    })
}

/// The run the checkpoint says comes next: the first one, one that
/// resumes, or none when the job is done (said on stderr).
fn load(
    checkpoint: &Checkpoint,
    job: &Job,
) -> Result<Option<(Output, Option<ListPosition>, u64)>, Fail> {
    let shown = checkpoint.path().display();
    let Some(state) = checkpoint.load::<State>().map_err(Fail::usage)? else {
        eprintln!("starting a new export; its progress is kept in {shown}");
        return Ok(Some((fresh_output(job)?, None, 0)));
    };
    let differ = state.job.differences(job);
    if !differ.is_empty() {
        return Err(Fail::usage(format!(
            "the checkpoint {shown} belongs to an export started with other flags ({} {}); run it with the same flags, or remove {shown} to start a new export",
            differ.join(", "),
            if differ.len() == 1 {
                "differs"
            } else {
                "differ"
            },
        )));
    }
    let output = job.output.clone().unwrap_or_default();
    if state.position.is_finished() {
        eprintln!(
            "the export in {shown} finished already: {} in {}; nothing to do (remove {shown} to export again)",
            identities(state.exported),
            output.display()
        );
        return Ok(None);
    }
    let found = std::fs::metadata(&output).map_or(0, |m| m.len());
    let file = open_output(&output, Some(state.output_len)).map_err(|e| {
        Fail::usage(format!(
            "cannot reopen the output {}: {e}",
            output.display()
        ))
    })?;
    eprintln!(
        "resuming the export in {shown}: {} written so far ({} bytes written after the last save cut off the output)",
        identities(state.exported),
        found.saturating_sub(state.output_len)
    );
    Ok(Some((
        Output::File(BufWriter::with_capacity(1 << 16, file)),
        Some(state.position),
        state.exported,
    )))
}

fn export(
    client: &IdentityClient,
    args: &Args,
    job: &Job,
    mut out: Output,
    resume: Option<ListPosition>,
    mut exported: u64,
    checkpoint: Option<&Checkpoint>,
) -> Result<Exit, Fail> {
    let mut request = client.list_identities().page_size(args.page_size);
    if let Some(token) = &args.page_token {
        request = request.page_token(token);
    }
    if let Some(identifier) = &args.credentials_identifier {
        request = request.credentials_identifier(identifier);
    }
    if let Some(identifier) = &args.credentials_identifier_similar {
        request = request.preview_credentials_identifier_similar(identifier);
    }
    if let Some(organization) = &args.organization_id {
        request = request.organization_id(organization);
    }
    if !args.ids.is_empty() {
        request = request.ids(&args.ids);
    }
    if let Some(consistency) = &args.consistency {
        request = request.consistency(consistency.as_str());
    }
    if !args.include_credential.is_empty() {
        request = request.include_credential(&args.include_credential);
    }
    if args.include_all_credentials {
        request = request.include_all_credentials();
    }
    if let Some(position) = &resume {
        request = request.resume(position);
    }
    // Raw: every identity exactly as the server sent it, fields this crate
    // does not know included; also the fastest way to export.
    let mut items = request.raw().items().prefetch(!args.no_prefetch);
    if let Some(limit) = args.limit {
        items = items.limit(limit);
    }

    // Writes the lines so far to disk, then the checkpoint: in that order,
    // so the checkpoint never says more than the output holds.
    let save = |out: &mut Output, position: ListPosition, exported: u64| {
        let len = out.commit()?;
        if let (Some(checkpoint), Some(output_len)) = (checkpoint, len) {
            checkpoint.save(&State {
                job: job.clone(),
                position,
                output_len,
                exported,
            })?;
        }
        io::Result::Ok(())
    };
    let written = |e: io::Error| match e.kind() {
        // `| head`: the reader has what it wanted.
        io::ErrorKind::BrokenPipe => None,
        _ => Some(Fail::stopped(format!(
            "writing the export: {e}{}",
            match checkpoint {
                Some(c) => format!(
                    "; {} says what was written: run the same command again to continue",
                    c.path().display()
                ),
                None => String::new(),
            }
        ))),
    };

    let progress = Progress::start("exporting", None);
    let mut count: u64 = 0;
    let mut failed = None;
    while let Some(identity) = items.next() {
        let identity: Box<RawValue> = match identity {
            Ok(identity) => identity,
            Err(error) => {
                failed = Some(error);
                break;
            }
        };
        if let Err(e) = out.write_line(identity.get().as_bytes()) {
            return written(e).map_or(Ok(Exit::Done), Err);
        }
        count += 1;
        exported += 1;
        progress.inc(1);
        if checkpoint.is_some()
            && count.is_multiple_of(u64::from(args.page_size))
            && let Err(e) = save(&mut out, items.resume_position(), exported)
        {
            return written(e).map_or(Ok(Exit::Done), Err);
        }
    }
    // Everything exported so far reaches the file (and the checkpoint)
    // before any message that says where to pick up.
    if let Err(e) = save(&mut out, items.resume_position(), exported) {
        return written(e).map_or(Ok(Exit::Done), Err);
    }
    let summary = format!("exported {} {}", identities(count), progress.timing(count));
    if let Some(error) = failed {
        progress.note(&format!("error: {}", chain(&error)));
        progress.note(&match (checkpoint, items.resume_token()) {
            (Some(checkpoint), _) => format!(
                "every identity before the failed page was written and {} says where it stopped; run the same command again to continue",
                checkpoint.path().display()
            ),
            (None, Some(token)) => format!(
                "every identity before the failed page was written; to continue where this stopped, run the same command with --page-token {token}"
            ),
            (None, None) => {
                "nothing past the first page was exported; run the same command again".to_string()
            }
        });
        progress.finish(&summary);
        return Ok(Exit::Stopped);
    }
    if !items.is_finished() {
        progress.note(&match checkpoint {
            Some(checkpoint) => format!(
                "stopped at --limit with {} written in all; run the same command again to continue ({} says where)",
                identities(exported),
                checkpoint.path().display()
            ),
            None => match items.resume_token() {
                Some(token) => format!(
                    "stopped at --limit; to continue, run the same command with --page-token {token}"
                ),
                None => "stopped at --limit".to_string(),
            },
        });
        progress.finish(&summary);
        return Ok(Exit::Stopped);
    }
    if let Some(checkpoint) = checkpoint
        && exported != count
    {
        progress.note(&format!(
            "the export is finished: {} in all; {} is marked finished",
            identities(exported),
            checkpoint.path().display()
        ));
    }
    progress.finish(&summary);
    Ok(Exit::Done)
}
