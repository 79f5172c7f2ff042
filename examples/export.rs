//! Exports every identity as NDJSON (one JSON object per line) to stdout or
//! a file, with progress on stderr; with `--checkpoint`, a job that survives
//! a crash (even `kill -9`) and continues exactly where it stopped.
//!
//! ```text
//! cargo run --example export                      # against a local demo server
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example export > identities.ndjson
//! KRATOS_ADMIN_URL=https://my-slug.projects.oryapis.com ORY_API_KEY=ory_pat_… \
//!     cargo run --release --example export -- --page-size 500 > identities.ndjson
//! # A resumable job: run the same command again after any stop.
//! cargo run --release --example export -- --checkpoint export.ckpt --output identities.ndjson
//! ```
//!
//! Flags: `--page-size N` (1–500, default 500), `--output FILE` (instead of
//! stdout), `--checkpoint FILE` (see below; needs `--output`),
//! `--page-token T` (start where an earlier run without a checkpoint
//! stopped), `--credentials-identifier X`, `--organization-id X`,
//! `--include-credential TYPE` (repeatable, for a migration), `--limit N`
//! (at most N identities in this run), `--no-prefetch`,
//! `--demo-identities N` (size of the demo server, default 3000),
//! `--demo-seed N` (the demo identities' ids: the same seed, the same
//! identities in every run, default 0), `--demo-outage-after N` (the demo
//! server fails for good after N identities, to show how an export
//! resumes).
//!
//! **With `--checkpoint FILE`** the job's progress is kept in `FILE`: where
//! the listing stands (a [`ListPosition`]), how many bytes of the output
//! were written, and the flags the job was started with. After every page
//! the lines are written, the output is flushed and synced to disk, and
//! only then the checkpoint is saved (atomically: a temporary file, synced,
//! renamed over it). Run the same command again after a crash, an outage
//! or `--limit`, and it cuts the output to the length last saved (lines
//! written after the save come again) and resumes the listing at the saved
//! position: no identity is written twice and none is missing. A re-run
//! with other flags (page size, filters, output, server) is refused. When
//! the export is done the checkpoint says so, and a re-run does nothing.
//! `--output` is required, since `> file` would be truncated by the shell
//! on the re-run.
//!
//! Without a checkpoint, when a page fails after the client's retries,
//! every identity already exported has been written, and stderr says how to
//! pick up where it stopped: the same command with `--page-token T`. The
//! exit status is then non-zero.

mod support;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kratos_identity::{IdentityClient, ListPosition};
use kratos_identity_fake::FakeKratos;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use support::checkpoint::{Checkpoint, open_output};

struct Args {
    page_size: u32,
    page_token: Option<String>,
    include_credential: Vec<String>,
    credentials_identifier: Option<String>,
    organization_id: Option<String>,
    limit: Option<usize>,
    prefetch: bool,
    output: Option<PathBuf>,
    checkpoint: Option<PathBuf>,
    demo_identities: usize,
    demo_seed: u64,
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
        output: None,
        checkpoint: None,
        demo_identities: 3000,
        demo_seed: 0,
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
            "--output" => args.output = Some(PathBuf::from(value()?)),
            "--checkpoint" => args.checkpoint = Some(PathBuf::from(value()?)),
            "--demo-identities" => args.demo_identities = support::number(&flag, &value()?)?,
            "--demo-seed" => args.demo_seed = support::number(&flag, &value()?)?,
            "--demo-outage-after" => {
                args.demo_outage_after = Some(support::number(&flag, &value()?)?)
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.checkpoint.is_some() {
        if args.output.is_none() {
            return Err("--checkpoint needs --output FILE: a re-run must cut the output to what the checkpoint recorded, and `> FILE` would have the shell empty it first".to_string());
        }
        if args.page_token.is_some() {
            return Err(
                "--checkpoint keeps its own position; --page-token is for runs without one"
                    .to_string(),
            );
        }
    }
    Ok(args)
}

const USAGE: &str = "usage: export [--page-size N] [--output FILE [--checkpoint FILE]] [--page-token T] [--credentials-identifier X] [--organization-id X] [--include-credential TYPE]... [--limit N] [--no-prefetch] [--demo-identities N] [--demo-seed N] [--demo-outage-after N]
Exports every identity as NDJSON to stdout (or --output FILE). Reads KRATOS_ADMIN_URL (or ORY_SDK_URL)
and ORY_API_KEY; without a URL it starts a local demo server. With --checkpoint FILE the export
survives any stop: run the same command again and it continues exactly where it stopped.";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return support::usage_error(&message, USAGE),
    };
    let what = format!("exporting {} demo identities from", args.demo_identities);
    let seed = || {
        FakeKratos::builder()
            .identities(args.demo_identities)
            .seed(args.demo_seed)
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
    let job = Job::of(&args, &client, demo.is_some());
    let checkpoint = args.checkpoint.as_ref().map(Checkpoint::new);
    let run = match &checkpoint {
        Some(checkpoint) => match Run::load(checkpoint, &job) {
            Ok(Some(run)) => run,
            Ok(None) => return ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        },
        None => match Run::fresh(&job) {
            Ok(run) => run,
            Err(e) => {
                eprintln!("error: cannot create the output: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match export(&client, &args, run, checkpoint.as_ref(), outage) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Stop::Output(e)) => {
            eprintln!("error: writing the export: {e}");
            ExitCode::FAILURE
        }
        Err(Stop::Page { error, resume }) => {
            support::print_error(&error);
            match (&checkpoint, resume) {
                (Some(checkpoint), _) => eprintln!(
                    "every identity before the failed page was written and {} says where it stopped; run the same command again to continue",
                    checkpoint.path().display()
                ),
                (None, Some(token)) => eprintln!(
                    "every identity before the failed page was written; to continue where this stopped, run the same command with --page-token {token}"
                ),
                (None, None) => eprintln!(
                    "nothing past the first page was exported; run the same command again"
                ),
            }
            ExitCode::FAILURE
        }
    }
}

/// What an export job exports and where: a checkpoint resumes only the job
/// it was started for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Job {
    /// The admin URL, or which demo server.
    server: String,
    page_size: u32,
    credentials_identifier: Option<String>,
    organization_id: Option<String>,
    include_credential: Vec<String>,
    output: Option<PathBuf>,
}

impl Job {
    fn of(args: &Args, client: &IdentityClient, demo: bool) -> Job {
        let server = match demo {
            true => format!(
                "demo server: {} identities, seed {}",
                args.demo_identities, args.demo_seed
            ),
            false => client.base_url(),
        };
        Job {
            server,
            page_size: args.page_size,
            credentials_identifier: args.credentials_identifier.clone(),
            organization_id: args.organization_id.clone(),
            include_credential: args.include_credential.clone(),
            output: args.output.clone(),
        }
    }

    /// The flags that differ from `other`'s, by name (never their values:
    /// a credentials identifier is often an email address).
    fn differences(&self, other: &Job) -> Vec<&'static str> {
        let mut differ = Vec::new();
        let mut check = |same: bool, name| {
            if !same {
                differ.push(name);
            }
        };
        check(
            self.server == other.server,
            "the server (KRATOS_ADMIN_URL, or the --demo-* flags)",
        );
        check(self.page_size == other.page_size, "--page-size");
        check(
            self.credentials_identifier == other.credentials_identifier,
            "--credentials-identifier",
        );
        check(
            self.organization_id == other.organization_id,
            "--organization-id",
        );
        check(
            self.include_credential == other.include_credential,
            "--include-credential",
        );
        check(self.output == other.output, "--output");
        differ
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

/// One run of a job: the output opened where it goes on, and where the
/// listing resumes (`None`: at the start, or at `--page-token`).
struct Run {
    out: Output,
    job: Job,
    resume: Option<ListPosition>,
    /// Identities written by the runs before.
    exported: u64,
}

impl Run {
    /// A run without a checkpoint: stdout or `--output`, from the start (or
    /// `--page-token`).
    fn fresh(job: &Job) -> io::Result<Run> {
        let out = match &job.output {
            Some(path) => Output::File(BufWriter::with_capacity(1 << 16, open_output(path, None)?)),
            None => Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
        };
        Ok(Run {
            out,
            job: job.clone(),
            resume: None,
            exported: 0,
        })
    }

    /// The run `checkpoint` says comes next: the first one (no checkpoint
    /// yet), one that resumes, or none when the job is done (said on stderr).
    fn load(checkpoint: &Checkpoint, job: &Job) -> Result<Option<Run>, String> {
        let shown = checkpoint.path().display();
        let Some(state) = checkpoint.load::<State>()? else {
            eprintln!("starting a new export; its progress is kept in {shown}");
            return Run::fresh(job)
                .map(Some)
                .map_err(|e| format!("cannot create the output: {e}"));
        };
        let differ = state.job.differences(job);
        if !differ.is_empty() {
            let verb = if differ.len() == 1 {
                "differs"
            } else {
                "differ"
            };
            return Err(format!(
                "the checkpoint {shown} belongs to an export started with other flags ({} {verb}); run it with the same flags, or remove {shown} to start a new export",
                differ.join(", ")
            ));
        }
        let output = job.output.as_deref().unwrap_or(std::path::Path::new(""));
        if state.position.is_finished() {
            eprintln!(
                "the export in {shown} finished already: {} identities in {}; nothing to do (remove {shown} to export again)",
                state.exported,
                output.display()
            );
            return Ok(None);
        }
        let found = std::fs::metadata(output).map_or(0, |m| m.len());
        let file = open_output(output, Some(state.output_len))
            .map_err(|e| format!("cannot reopen the output {}: {e}", output.display()))?;
        eprintln!(
            "resuming the export in {shown}: {} identities written so far ({} bytes written after the last save cut off the output)",
            state.exported,
            found.saturating_sub(state.output_len)
        );
        Ok(Some(Run {
            out: Output::File(BufWriter::with_capacity(1 << 16, file)),
            job: state.job,
            resume: Some(state.position),
            exported: state.exported,
        }))
    }
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

    /// Flushes what was written; a file is also synced to disk, and its
    /// length returned.
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

/// Why an export stopped early.
enum Stop {
    /// Writing the output (or the checkpoint) failed.
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
    run: Run,
    checkpoint: Option<&Checkpoint>,
    outage: Option<(&FakeKratos, usize)>,
) -> Result<(), Stop> {
    let Run {
        mut out,
        job,
        resume,
        mut exported,
    } = run;
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
    if let Some(position) = &resume {
        request = request.resume(position);
    }
    // Raw: every identity exactly as the server sent it, fields this crate
    // does not know included; also the fastest way to export.
    let mut items = request.raw().items().prefetch(args.prefetch);
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

    let started = Instant::now();
    let mut last_report = started;
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
        out.write_line(identity.get().as_bytes())
            .map_err(Stop::Output)?;
        count += 1;
        exported += 1;
        if checkpoint.is_some() && count.is_multiple_of(u64::from(args.page_size)) {
            save(&mut out, items.resume_position(), exported).map_err(Stop::Output)?;
        }
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
    // Everything exported so far reaches the file (and the checkpoint)
    // before any message that says where to pick up.
    save(&mut out, items.resume_position(), exported).map_err(Stop::Output)?;
    progress(count, started, true);
    if let Some(error) = failed {
        return Err(Stop::Page {
            error,
            resume: items.resume_token(),
        });
    }
    if let Some(checkpoint) = checkpoint {
        let shown = checkpoint.path().display();
        match items.is_finished() {
            true => eprintln!(
                "the export is finished: {exported} identities in all; {shown} is marked finished, so running this again does nothing"
            ),
            false => eprintln!(
                "stopped at --limit with {exported} identities written; run the same command again to continue"
            ),
        }
    }
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
