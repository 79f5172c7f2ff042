//! Imports identities from NDJSON through the bulk import, and prints a
//! summary. The input is streamed: lines are read and converted as the
//! import sends them, a chunk at a time, so a file of any size fits in
//! memory. A line is either a create body, or an identity as Kratos exports
//! it (the output of the `export` example, run with `--include-credential`
//! for every type to carry), which goes through
//! `CreateIdentityBody::from_identity_lossy`: credentials it cannot carry
//! are named on stderr, never dropped in silence, and exported identities
//! without any credentials are counted (they may have been exported
//! without `--include-credential`). Re-running an import reports what
//! already existed. When the import stops (the server cannot be reached,
//! refuses the key, keeps rate limiting), nothing more is read, and stderr
//! says from which line to continue. Exits non-zero if any identity was not
//! created (and did not already exist), or the input was not read to its end.
//!
//! ```text
//! cargo run --example import                      # demo input into a local demo server
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example import -- identities.ndjson
//! cargo run --example export | KRATOS_ADMIN_URL=… cargo run --example import
//! ```
//!
//! Flags: `--chunk-size N` (1–1000, default 1000), `--schema-id X` (for lines
//! without one), `--verify-conflicts` (tell an identity that is this very
//! record from another one holding its email: the latter is a failure),
//! `--checkpoint FILE` (see below). Reads stdin when no file is given.
//!
//! Two inputs with the same email (or username, or `external_id`) are found
//! before anything is sent: the first one wins, the later ones are reported
//! as duplicates of it. An input whose request timed out or failed after it
//! was sent is looked up on the server and reported as what is true, or
//! sent again if it is not there.
//!
//! With `--checkpoint FILE` the import keeps its progress in FILE (written
//! atomically before each chunk is sent) and the same command after a crash,
//! even `kill -9`, continues exactly where it stopped: inputs already
//! settled are not sent again, the ones that may have been sent are looked
//! up first, and the counts add up over all runs. It needs an input file
//! (stdin cannot be read again) and a server that outlives the process
//! (`KRATOS_ADMIN_URL`; for a local one, `cargo run -p kratos-identity-fake
//! -- --port 4434`).
//!
//! ```text
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example import -- --checkpoint import.ckpt identities.ndjson
//! # killed? run the same command again
//! ```

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use kratos_identity::{CreateIdentityBody, Identity, IdentityClient, ImportError, ImportPosition};
use kratos_identity_fake::FakeKratos;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::checkpoint::{Checkpoint, Counts, Saved};

struct Args {
    path: Option<String>,
    chunk_size: usize,
    schema_id: String,
    verify_conflicts: bool,
    checkpoint: Option<PathBuf>,
}

const USAGE: &str = "usage: import [--chunk-size N] [--schema-id X] [--verify-conflicts] [--checkpoint FILE] [INPUT]
Imports NDJSON identities (stdin when no INPUT). Reads KRATOS_ADMIN_URL (or ORY_SDK_URL) and ORY_API_KEY;
without a URL it imports into a local demo server. With --checkpoint FILE, the same command continues
an import that was interrupted.";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        path: None,
        chunk_size: 1000,
        schema_id: "default".into(),
        verify_conflicts: false,
        checkpoint: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--chunk-size" => {
                let v = it.next().ok_or("--chunk-size needs a value")?;
                args.chunk_size = v
                    .parse()
                    .map_err(|_| format!("--chunk-size takes a number, got {v:?}"))?;
            }
            "--schema-id" => args.schema_id = it.next().ok_or("--schema-id needs a value")?,
            "--verify-conflicts" => args.verify_conflicts = true,
            "--checkpoint" => {
                args.checkpoint = Some(it.next().ok_or("--checkpoint needs a file")?.into());
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag:?}")),
            path => args.path = Some(path.to_string()),
        }
    }
    if args.checkpoint.is_some() && args.path.is_none() {
        return Err("--checkpoint needs an input file: stdin cannot be read again".into());
    }
    if args.checkpoint.is_some() && !support::kratos_configured() {
        return Err("--checkpoint needs a server that outlives this process: set KRATOS_ADMIN_URL (for a local one: cargo run -p kratos-identity-fake -- --port 4434)".into());
    }
    Ok(args)
}

/// What `--checkpoint FILE` keeps: the import's position, and the counts of
/// the outcomes handled so far (settled ones only: the unsettled ones are
/// settled again by the next run).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Progress {
    /// The input file, and its size: a checkpoint of another input is refused.
    input: String,
    input_bytes: u64,
    position: ImportPosition,
    #[serde(flatten)]
    counts: Counts,
    /// Set when the import was read to its end with nothing left unsettled.
    finished: bool,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return support::usage_error(&message, USAGE),
    };
    // `demo` keeps the demo server (if any) alive for the whole import.
    let (client, demo) = match support::client_from_env_or_demo("importing into", FakeKratos::start)
    {
        Ok(pair) => pair,
        Err(e) => {
            support::print_error(&e);
            return ExitCode::FAILURE;
        }
    };
    // The input is read line by line as the import asks for it: neither the
    // file nor the bodies are ever all in memory.
    let lines: Lines = match &args.path {
        Some(path) => match File::open(path) {
            Ok(file) => Box::new(BufReader::new(file).lines()),
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            // Peek without consuming: no input at all means the demo.
            let mut stdin = io::stdin().lock();
            let empty = io::stdin().is_terminal()
                || stdin.fill_buf().is_ok_and(|buffered| buffered.is_empty());
            match (empty, demo.is_some()) {
                (true, true) => {
                    eprintln!(
                        "no input: importing 2,500 generated demo identities, three of them bad on purpose, then the same again"
                    );
                    run(&client, &args, demo_input(2500));
                    eprintln!("importing the same input again, as a re-run after a crash would:");
                    return run(&client, &args, demo_input(2500));
                }
                (true, false) => Box::new(std::iter::empty()),
                (false, _) => Box::new(stdin.lines()),
            }
        }
    };
    run(&client, &args, lines)
}

/// The input, line by line.
type Lines = Box<dyn Iterator<Item = io::Result<String>>>;

/// What reading the input saw, shared by the reader (which the import
/// pulls) and the loop over the outcomes.
#[derive(Default)]
struct Seen {
    /// The input index and line of each input read whose outcome has not
    /// come yet, in input order: at most about a chunk.
    lines: VecDeque<(usize, usize)>,
    /// How many inputs were read.
    inputs: usize,
    /// The last line read.
    last_line: usize,
    /// Lines that are not identities: how many, the first few, and why.
    bad_lines: usize,
    first_bad_lines: Vec<(usize, String)>,
    bad_reasons: BTreeMap<String, usize>,
    /// Credential types left out of exported identities, with how many.
    left_out: BTreeMap<String, usize>,
    /// Exported identities without any credentials.
    without_credentials: usize,
    /// Reading the input failed on this line.
    read_error: Option<(usize, io::Error)>,
}

/// The create bodies of the input's lines, read one at a time; lines that
/// are not identities are counted in `seen` and skipped.
struct Reader {
    lines: Lines,
    line: usize,
    schema_id: String,
    seen: Rc<RefCell<Seen>>,
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
                    seen.read_error = Some((self.line, e));
                    return None;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(&line, &self.schema_id) {
                Ok(parsed) => {
                    for kind in parsed.left_out {
                        *seen.left_out.entry(kind).or_default() += 1;
                    }
                    seen.without_credentials += usize::from(parsed.exported_without_credentials);
                    let index = seen.inputs;
                    seen.inputs += 1;
                    seen.lines.push_back((index, self.line));
                    return Some(parsed.body);
                }
                Err(e) => {
                    seen.bad_lines += 1;
                    *seen
                        .bad_reasons
                        .entry(format!("unreadable line: {e}"))
                        .or_default() += 1;
                    if seen.first_bad_lines.len() < 10 {
                        seen.first_bad_lines.push((self.line, e));
                    }
                }
            }
        }
    }
}

/// The line input `index` came from (the reader may have read past it).
fn line_of(seen: &RefCell<Seen>, index: usize) -> usize {
    let mut seen = seen.borrow_mut();
    while let Some(&(i, line)) = seen.lines.front() {
        if i > index {
            break;
        }
        seen.lines.pop_front();
        if i == index {
            return line;
        }
    }
    0
}

/// Loads the checkpoint of this input, if any; refuses one of another.
fn open_checkpoint(path: &PathBuf, input: &str) -> Result<Saved<Progress>, String> {
    let file = Checkpoint::new(path);
    let input_bytes = std::fs::metadata(input)
        .map_err(|e| format!("cannot read {input}: {e}"))?
        .len();
    let progress = match file.load::<Progress>()? {
        Some(saved) if saved.input != input || saved.input_bytes != input_bytes => {
            return Err(format!(
                "{} is the checkpoint of another input ({}, {} bytes); remove it to start over",
                path.display(),
                saved.input,
                saved.input_bytes
            ));
        }
        Some(saved) => saved,
        None => Progress {
            input: input.to_string(),
            input_bytes,
            ..Progress::default()
        },
    };
    Ok(Saved::new(file, progress))
}

fn run(client: &IdentityClient, args: &Args, lines: Lines) -> ExitCode {
    let saved = match (&args.checkpoint, &args.path) {
        (Some(checkpoint), Some(input)) => match open_checkpoint(checkpoint, input) {
            Ok(saved) => Some(saved),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    let earlier = saved.as_ref().map(Saved::get);
    if let Some(earlier) = &earlier {
        if earlier.finished {
            eprintln!(
                "the checkpoint says this import finished: {}; nothing to do",
                earlier.counts
            );
            return ExitCode::SUCCESS;
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
    let seen = Rc::new(RefCell::new(Seen::default()));
    let reader = Reader {
        lines,
        line: 0,
        schema_id: args.schema_id.clone(),
        seen: Rc::clone(&seen),
    };

    let started = Instant::now();
    let mut import = client
        .import_identities(reader)
        .chunk_size(args.chunk_size)
        .verify_conflicts(args.verify_conflicts);
    if let (Some(saved), Some(earlier)) = (&saved, &earlier) {
        let saved = saved.clone();
        import = import
            .resume(&earlier.position)
            .checkpoint(move |position| saved.save(|p| p.position = position.clone()));
    }
    let mut outcomes = import.outcomes();
    // This run's counts; the settled ones also go to the checkpoint.
    let (mut created, mut existed, mut failed, mut unknown) = (0usize, 0usize, 0usize, 0usize);
    let mut duplicates = 0usize;
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown: Vec<(usize, String)> = Vec::new();
    // The line from which every outcome so far failed in a way a re-run
    // can fix (not sent, not attempted, unknown): where to resume after a stop.
    let mut resume_line: Option<usize> = None;
    for outcome in outcomes.by_ref() {
        let line = line_of(&seen, outcome.index);
        match &outcome.result {
            Ok(_) => created += 1,
            Err(e) if e.is_conflict() => existed += 1,
            Err(e) => {
                failed += 1;
                unknown += usize::from(!e.is_safe_to_resend());
                duplicates += usize::from(e.is_duplicate());
                *reasons.entry(reason(e)).or_default() += 1;
                if shown.len() < 10 {
                    shown.push((line, e.to_string()));
                }
            }
        }
        if let Some(saved) = &saved {
            saved.change(|p| p.counts.count(&outcome.result));
        }
        resume_line = match &outcome.result {
            Err(e) if !e.is_final() => resume_line.or(Some(line)),
            _ => None,
        };
    }
    let secs = started.elapsed().as_secs_f64();
    let stop = outcomes.stopped().map(|e| support::error_chain(e));
    let position = outcomes.resume_position();
    let lookups = outcomes.lookups();
    drop(outcomes);
    let seen = seen.borrow();
    let read_whole = seen.read_error.is_none() && stop.is_none();
    if let Some(saved) = &saved {
        saved.save(|p| {
            p.finished = read_whole && position.is_settled();
            p.position = position.clone();
        });
    }

    for (kind, count) in &seen.left_out {
        let why = match kind.as_str() {
            "password" => "their password credential has no hash to carry",
            _ => "Kratos cannot import them",
        };
        let count = match count {
            1 => "1 exported identity".to_string(),
            n => format!("{n} exported identities"),
        };
        eprintln!("note: left out the {kind} credentials of {count}: {why}");
    }
    if seen.without_credentials > 0 {
        eprintln!(
            "note: {} exported identities have no credentials: if they were exported without --include-credential, their passwords and other credentials were not read and are not imported",
            seen.without_credentials
        );
    }
    println!(
        "{} identities in {secs:.2} s: {created} created, {existed} already existed, {} failed",
        created + existed + failed + seen.bad_lines,
        failed + seen.bad_lines,
    );
    for (reason, count) in seen.bad_reasons.iter().chain(&reasons) {
        println!("  {count:>6} × {reason}");
    }
    if duplicates > 0 {
        let (lines, were) = match duplicates {
            1 => ("line", "was"),
            _ => ("lines", "were"),
        };
        println!(
            "  {duplicates} {lines} {were} not sent: an earlier line has the same email, username or external_id (each says which)"
        );
    }
    if lookups > 0 {
        let lookups_word = if lookups == 1 { "lookup" } else { "lookups" };
        println!(
            "  {lookups} {lookups_word} settled inputs whose requests failed after they were sent"
        );
    }
    if unknown > 0 {
        println!(
            "  {unknown} may have been created (their lookups failed): look them up before importing them again"
        );
    }
    if let Some(earlier) = &earlier
        && let Some(saved) = &saved
    {
        let total = saved.get().counts;
        if earlier.position.read() > 0 {
            println!("over all runs of this checkpoint: {total}");
        }
    }
    let mut listed = 0;
    for (line, e) in seen.first_bad_lines.iter().chain(&shown) {
        if listed < 10 {
            println!("  line {line}: {e}");
            listed += 1;
        }
    }
    let mut complete = true;
    if let Some((line, e)) = &seen.read_error {
        eprintln!("error: reading line {line}: {e}; the lines after it were not read");
        complete = false;
    }
    if let Some(why) = stop {
        eprintln!(
            "error: the import stopped after line {}: {why}; the lines after it were not read",
            seen.last_line
        );
        match &args.checkpoint {
            Some(checkpoint) => eprintln!(
                "to continue where it stopped, run the same command again: {} says where",
                checkpoint.display()
            ),
            None => {
                let from = resume_line.unwrap_or(seen.last_line + 1);
                let input = args.path.as_deref().unwrap_or("the input");
                eprintln!(
                    "to continue where it stopped, import {input} from line {from} on (tail -n +{from}), or use --checkpoint FILE next time; lines already imported are reported as already existing"
                );
            }
        }
        complete = false;
    }
    if complete && failed + seen.bad_lines == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One line of input, as a create body.
struct Parsed {
    body: CreateIdentityBody,
    /// The credential types left out of an exported identity.
    left_out: Vec<String>,
    /// An exported identity with no credentials at all: maybe exported
    /// without `--include-credential`.
    exported_without_credentials: bool,
}

/// One NDJSON line as a create body: an exported identity (it has an `id`)
/// goes through `from_identity_lossy`, anything else must be a create body
/// (read strictly, like Kratos does).
fn parse_line(line: &str, default_schema: &str) -> Result<Parsed, String> {
    let mut value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object_mut().ok_or("not a JSON object")?;
    object
        .entry("schema_id")
        .or_insert_with(|| json!(default_schema));
    if object.contains_key("id") {
        let identity: Identity =
            serde_json::from_value(value).map_err(|e| format!("not an identity: {e}"))?;
        let (body, left_out) =
            CreateIdentityBody::from_identity_lossy(&identity).map_err(|e| e.to_string())?;
        // Without credentials, every type is named as left out: that is
        // counted once, as an identity exported without credentials.
        let without_credentials = identity.credentials.is_empty();
        let left_out = match without_credentials {
            true => Vec::new(),
            false => left_out.iter().map(ToString::to_string).collect(),
        };
        return Ok(Parsed {
            body,
            left_out,
            exported_without_credentials: without_credentials,
        });
    }
    let body = serde_json::from_value(value).map_err(|e| format!("not a create body: {e}"))?;
    Ok(Parsed {
        body,
        left_out: Vec::new(),
        exported_without_credentials: false,
    })
}

fn reason(error: &ImportError) -> String {
    match error {
        ImportError::Rejected(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Generated NDJSON input for the demo, made line by line as it is read:
/// `count` people, three of them bad in the ways real imports are: an email
/// already taken by an earlier line, an email that is not one, and a
/// password hash no algorithm reads (Kratos refuses the whole request for
/// that one, so the import splits it off).
fn demo_input(count: usize) -> Lines {
    let email = |i: usize| format!("user{i:07}@example.com");
    Box::new((0..count).map(move |i| {
        let address = match i {
            1200 => email(7), // taken by line 8
            2000 => "not-an-email".to_string(),
            _ => email(i),
        };
        let hash = match i {
            1700 => "md5:5f4dcc3b5aa765d61d8327deb882cf99",
            _ => "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq",
        };
        let line = json!({
            "schema_id": "default",
            "traits": { "email": address, "name": { "first": "Demo", "last": format!("User {i}") } },
            "credentials": { "password": { "config": { "hashed_password": hash } } },
            "metadata_public": { "imported_from": "legacy-crm" },
        });
        Ok(line.to_string())
    }))
}
