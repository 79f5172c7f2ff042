//! `import`: NDJSON of create bodies or of exported identities, through the
//! client's bulk import (`import_identities`), streamed: lines are read and
//! converted as the import sends them, a chunk at a time.
//!
//! Every input gets one outcome; each failed one is named (line, input
//! index, reason) in `--report FILE` or on stderr. With `--checkpoint FILE`
//! the import's position is saved before each chunk is sent, and the same
//! command after any stop continues exactly: nothing is sent twice. With
//! `--check`, nothing is sent: the inputs are checked for what the client
//! can tell before sending.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use kratos_identity::{
    CreateIdentityBody, IdentityClient, ImportError, ImportPosition, ServerVersion,
};
use serde::{Deserialize, Serialize};

use crate::batches::Batches;
use crate::checkpoint::{Checkpoint, Counts, Saved, file_len};
use crate::connect::{Connection, target_version};
use crate::exit::{Exit, Fail, chain, identities};
use crate::input::{self, Lines};
use crate::progress::Progress;
use crate::report::{Failed, Report};

const EXAMPLES: &str = "\
Examples:
  # What would be refused, without sending anything:
  kratos-identity import --check people.ndjson
  # The import, resumable, with every failed line named in a report:
  kratos-identity import --checkpoint import.ckpt --report failed.ndjson people.ndjson
  # From one Kratos to another through a pipe (no checkpoint: stdin cannot be read again):
  kratos-identity export --include-credential password | KRATOS_ADMIN_URL=http://127.0.0.1:4434 kratos-identity import -";

/// Import identities from NDJSON: create bodies, or identities as `export` writes them.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,

    /// The NDJSON input; `-` (or none) for stdin.
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,

    /// Send nothing: report what the client can tell before sending (password
    /// hashes the target would refuse or store unusable, duplicates within
    /// the input, credentials the target's version cannot import).
    #[arg(long, conflicts_with = "checkpoint")]
    check: bool,

    /// Keep the import's progress in FILE; the same command continues where a
    /// stopped run left off, sending nothing twice. Needs an input file.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,

    /// Write one NDJSON line per failed input (line, index, reason) to FILE
    /// instead of stderr.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    #[command(flatten)]
    batches: Batches,

    /// The schema of lines that name none.
    #[arg(long, value_name = "ID", default_value = "default")]
    schema_id: String,
}

/// What `--checkpoint FILE` keeps: the import's position, and the counts of
/// the outcomes handled so far (settled ones only: the unsettled ones are
/// settled again by the next run).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct State {
    /// The server, the input file and its size: a checkpoint of another
    /// job is refused.
    server: String,
    input: PathBuf,
    input_bytes: u64,
    position: ImportPosition,
    #[serde(flatten)]
    counts: Counts,
    /// Set when the import was read to its end with nothing left unsettled.
    finished: bool,
}

/// What reading the input saw, shared by the reader (which the import
/// pulls) and the loop over the outcomes.
#[derive(Default)]
struct Seen {
    /// The input index and line of each input read whose outcome has not
    /// come yet, in input order: at most about a chunk.
    lines: VecDeque<(usize, u64)>,
    /// How many inputs were read.
    inputs: usize,
    /// The last line read.
    last_line: u64,
    /// Lines that are not identities (line, why), reported as they come.
    bad: Vec<(u64, String)>,
    bad_count: u64,
    /// Credential types left out of exported identities, and why, with how
    /// many.
    left_out: BTreeMap<(String, String), u64>,
    /// Exported identities without any credentials.
    without_credentials: u64,
    /// Reading the input failed on this line.
    read_error: Option<(u64, String)>,
}

/// The create bodies of the input's lines, read one at a time; lines that
/// are not identities are kept in `seen` and skipped.
struct Reader {
    lines: Lines,
    line: u64,
    schema_id: String,
    target: Option<ServerVersion>,
    seen: Rc<RefCell<Seen>>,
}

impl Reader {
    /// A reader of `lines`, and what it sees, shared with the caller.
    fn new(
        lines: Lines,
        schema_id: String,
        target: Option<ServerVersion>,
    ) -> (Reader, Rc<RefCell<Seen>>) {
        let seen = Rc::new(RefCell::new(Seen::default()));
        let reader = Reader {
            lines,
            line: 0,
            schema_id,
            target,
            seen: Rc::clone(&seen),
        };
        (reader, seen)
    }
}

impl Iterator for Reader {
    type Item = CreateIdentityBody;

    fn next(&mut self) -> Option<CreateIdentityBody> {
        loop {
            let line = self.lines.next()?;
            self.line += 1;
            let mut seen = self.seen.borrow_mut();
            seen.last_line = self.line;
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    seen.read_error = Some((self.line, e.to_string()));
                    return None;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match input::parse_line(&line, &self.schema_id, self.target.as_ref()) {
                Ok(parsed) => {
                    for kind in parsed.left_out {
                        *seen.left_out.entry(kind).or_default() += 1;
                    }
                    seen.without_credentials += u64::from(parsed.exported_without_credentials);
                    let index = seen.inputs;
                    seen.inputs += 1;
                    seen.lines.push_back((index, self.line));
                    return Some(parsed.body);
                }
                Err(e) => {
                    seen.bad_count += 1;
                    seen.bad.push((self.line, e));
                }
            }
        }
    }
}

/// The line input `index` came from (the reader may have read past it).
fn line_of(seen: &RefCell<Seen>, index: usize) -> Option<u64> {
    let mut seen = seen.borrow_mut();
    while let Some(&(i, line)) = seen.lines.front() {
        if i > index {
            break;
        }
        seen.lines.pop_front();
        if i == index {
            return Some(line);
        }
    }
    None
}

/// Runs `import`.
pub fn run(args: Args) -> Result<Exit, Fail> {
    let input_file = args.input.as_deref().filter(|p| *p != Path::new("-"));
    if args.checkpoint.is_some() && input_file.is_none() {
        return Err(Fail::usage(
            "--checkpoint needs an input file: stdin cannot be read again",
        ));
    }
    if args.checkpoint.is_some() && args.connection.url().is_none() {
        return Err(Fail::usage(
            "--checkpoint needs a server that outlives this process: set --url or KRATOS_ADMIN_URL (for a local one: kratos-identity-fake --port 4434)",
        ));
    }
    let lines = input::open(args.input.as_deref())?;
    let mut report = Report::open(args.report.as_deref())?;
    let server = args.connection.connect(match args.check {
        true => "checking against",
        false => "importing into",
    })?;
    let version = target_version(&server.client)?;
    if args.check {
        return check(&server.client, version.as_ref(), &args, lines, report);
    }
    let saved = match (&args.checkpoint, input_file) {
        (Some(checkpoint), Some(input)) => Some(open_checkpoint(checkpoint, input, &server.label)?),
        _ => None,
    };
    let earlier = saved.as_ref().map(Saved::get);
    if let Some(earlier) = &earlier {
        if earlier.finished {
            eprintln!(
                "the checkpoint {} says this import finished: {}; nothing to do",
                args.checkpoint
                    .as_deref()
                    .unwrap_or(Path::new(""))
                    .display(),
                earlier.counts
            );
            return Ok(Exit::Done);
        }
        if earlier.position.read() > 0 {
            eprintln!(
                "continuing from the checkpoint: {} inputs read, {} to look up, {} to send again",
                earlier.position.read(),
                earlier.position.unresolved().len(),
                earlier.position.not_created().len()
            );
        }
    }
    let (reader, seen) = Reader::new(lines, args.schema_id.clone(), version.clone());
    let mut import = args.batches.apply(server.client.import_identities(reader));
    if let (Some(saved), Some(earlier)) = (&saved, &earlier) {
        let saved = saved.clone();
        import = import
            .resume(&earlier.position)
            .checkpoint(move |position| saved.save(|p| p.position = position.clone()));
    }

    let progress = Progress::start("importing", None);
    let mut outcomes = import.outcomes();
    // This run's counts; the settled ones also go to the checkpoint.
    let mut counts = Counts::default();
    let mut unsettled = 0u64;
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for outcome in outcomes.by_ref() {
        // Lines that are not identities, named in line order with the rest.
        report_bad_lines(&seen, &mut report, &mut reasons);
        let line = line_of(&seen, outcome.index);
        counts.count(&outcome.result);
        if let Err(e) = &outcome.result
            && !e.is_conflict()
        {
            unsettled += u64::from(!e.is_final());
            *reasons.entry(reason(e)).or_default() += 1;
            report.add(&Failed {
                line,
                index: Some(outcome.index as u64),
                id: match e {
                    ImportError::IdentifierTaken { existing, .. } => {
                        existing.map(|id| id.to_string())
                    }
                    _ => None,
                },
                error: e.to_string(),
            });
        }
        if let Some(saved) = &saved {
            saved.change(|p| p.counts.count(&outcome.result));
        }
        progress.inc(1);
    }
    let stop = outcomes.stopped().map(|e| chain(e));
    let position = outcomes.resume_position();
    let lookups = outcomes.lookups();
    drop(outcomes);
    report_bad_lines(&seen, &mut report, &mut reasons);
    let seen = seen.borrow();
    let read_whole = seen.read_error.is_none() && stop.is_none();
    if let Some(saved) = &saved {
        saved.save(|p| {
            p.finished = read_whole && position.is_settled();
            p.position = position.clone();
        });
    }

    left_out_notes(&seen, &progress);
    // Each failure was named on stderr already without a report file.
    for (why, count) in reasons.iter().filter(|_| args.report.is_some()) {
        progress.note(&format!("{count:>8} × {why}"));
    }
    if lookups > 0 {
        progress.note(&format!(
            "{lookups} lookups settled inputs whose requests failed after they were sent"
        ));
    }
    if let (Some(saved), Some(earlier)) = (&saved, &earlier)
        && earlier.position.read() > 0
    {
        progress.note(&format!(
            "over all runs of this checkpoint: {}",
            saved.get().counts
        ));
    }
    let mut exit = Exit::Done;
    if let Some((line, e)) = &seen.read_error {
        progress.note(&format!(
            "error: reading line {line}: {e}; the lines after it were not read"
        ));
        exit = Exit::Stopped;
    }
    if let Some(why) = &stop {
        progress.note(&format!(
            "error: the import stopped after line {}: {why}; the lines after it were not read",
            seen.last_line
        ));
        exit = Exit::Stopped;
    }
    if exit == Exit::Stopped || (unsettled > 0 && saved.is_some()) {
        progress.note(&match &args.checkpoint {
            Some(checkpoint) => format!(
                "to continue where it stopped, run the same command again: {} says where",
                checkpoint.display()
            ),
            None => "to continue, import the same input again (lines already imported are reported as already existing), or use --checkpoint FILE to continue exactly".to_string(),
        });
        exit = Exit::Stopped;
    }
    let failed = counts.failed + unsettled + seen.bad_count;
    if exit == Exit::Done && failed > 0 {
        exit = Exit::Failed;
    }
    report.close()?;
    let total = counts.created + counts.existed + failed;
    progress.finish(&format!(
        "imported {} {}: {} created, {} already existed, {failed} failed",
        identities(total),
        progress.timing(total),
        counts.created,
        counts.existed,
    ));
    Ok(exit)
}

/// Reports the unreadable lines not reported yet.
fn report_bad_lines(
    seen: &RefCell<Seen>,
    report: &mut Report,
    reasons: &mut BTreeMap<String, u64>,
) {
    let mut seen = seen.borrow_mut();
    for (line, why) in seen.bad.drain(..) {
        *reasons
            .entry(format!(
                "unreadable line: {}",
                why.split(':').next().unwrap_or("")
            ))
            .or_default() += 1;
        report.add(&Failed {
            line: Some(line),
            error: why,
            ..Failed::default()
        });
    }
}

/// What the conversion of exported identities left out, one note per
/// credential type and reason.
fn left_out_notes(seen: &Seen, progress: &Progress) {
    for ((kind, why), count) in &seen.left_out {
        progress.note(&format!(
            "note: left out the {kind} credentials of {}: {why}",
            exported(*count),
        ));
    }
    if seen.without_credentials > 0 {
        progress.note(&format!(
            "note: {} no credentials: if they were exported without --include-credential, their passwords were not read and are not imported",
            match seen.without_credentials {
                1 => "1 exported identity has".to_string(),
                n => format!("{n} exported identities have"),
            }
        ));
    }
}

/// `"1 exported identity"`, `"2 exported identities"`.
fn exported(count: u64) -> String {
    match count {
        1 => "1 exported identity".to_string(),
        n => format!("{n} exported identities"),
    }
}

/// A failure's reason, as the counts by reason show it: without the
/// details that differ from input to input.
fn reason(error: &ImportError) -> String {
    match error {
        ImportError::Duplicate { on, .. } => {
            format!("not created: a duplicate of an earlier input (the same {on})")
        }
        ImportError::IdentifierTaken { on: Some(on), .. } => {
            format!("not created: another identity holds its {on}")
        }
        other => other.to_string(),
    }
}

/// Loads the checkpoint of this input, if any; refuses one of another.
fn open_checkpoint(path: &Path, input: &Path, server: &str) -> Result<Saved<State>, Fail> {
    let file = Checkpoint::new(path);
    let input_bytes = file_len(input).map_err(Fail::usage)?;
    let progress = match file.load::<State>().map_err(Fail::usage)? {
        Some(saved)
            if saved.input != input
                || saved.input_bytes != input_bytes
                || saved.server != server =>
        {
            return Err(Fail::usage(format!(
                "{} is the checkpoint of another import ({}, {} bytes, into {}); remove it to start over",
                path.display(),
                saved.input.display(),
                saved.input_bytes,
                saved.server,
            )));
        }
        Some(saved) => saved,
        None => {
            eprintln!(
                "starting a new import; its progress is kept in {}",
                path.display()
            );
            State {
                server: server.to_string(),
                input: input.to_path_buf(),
                input_bytes,
                ..State::default()
            }
        }
    };
    Ok(Saved::new(file, progress))
}

/// `--check`: what the import would refuse before sending, sending no
/// write (`ImportIdentities::check` reads the identity schemas and the
/// server's version), and the lines that are not identities.
fn check(
    client: &IdentityClient,
    version: Option<&ServerVersion>,
    args: &Args,
    lines: Lines,
    mut report: Report,
) -> Result<Exit, Fail> {
    let progress = Progress::start("checking", None);
    let (reader, seen) = Reader::new(lines, args.schema_id.clone(), version.cloned());
    let check = client.import_identities(reader).check();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    // Every refusal and unreadable line, in line order.
    let mut failed: Vec<Failed> = Vec::new();
    for refused in &check.refused {
        *reasons.entry(reason(&refused.error)).or_default() += 1;
        failed.push(Failed {
            line: line_of(&seen, refused.index),
            index: Some(refused.index as u64),
            error: refused.error.to_string(),
            ..Failed::default()
        });
    }
    let seen = seen.borrow();
    for (line, why) in &seen.bad {
        *reasons
            .entry(format!(
                "unreadable line: {}",
                why.split(':').next().unwrap_or("")
            ))
            .or_default() += 1;
        failed.push(Failed {
            line: Some(*line),
            error: why.clone(),
            ..Failed::default()
        });
    }
    failed.sort_by_key(|f| f.line);
    for failure in &failed {
        report.add(failure);
    }
    // Each refusal was named on stderr already without a report file.
    for (why, count) in reasons.iter().filter(|_| args.report.is_some()) {
        progress.note(&format!("{count:>8} × {why}"));
    }
    left_out_notes(&seen, &progress);
    for schema in &check.unreadable_schemas {
        progress.note(&format!(
            "warning: the identity schema {schema:?} could not be read: duplicates among its inputs were found by external_id, addresses and OIDC/SAML links only"
        ));
    }
    if let Some((line, e)) = &seen.read_error {
        return Err(Fail::failed(format!("reading line {line}: {e}")));
    }
    report.close()?;
    let inputs = check.inputs as u64 + seen.bad_count;
    let refused = failed.len() as u64;
    progress.finish(&format!(
        "checked {} {}: {} would be sent, {refused} would be refused before sending; nothing was sent",
        identities(inputs),
        progress.timing(inputs),
        check.sendable,
    ));
    Ok(if refused > 0 {
        Exit::Failed
    } else {
        Exit::Done
    })
}
