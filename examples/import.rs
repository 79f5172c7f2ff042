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
//! without one). Reads stdin when no file is given.

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use kratos_identity::{CreateIdentityBody, Identity, IdentityClient, ImportError};
use kratos_identity_fake::FakeKratos;
use serde_json::{Value, json};

struct Args {
    path: Option<String>,
    chunk_size: usize,
    schema_id: String,
}

const USAGE: &str = "usage: import [--chunk-size N] [--schema-id X] [FILE]
Imports NDJSON identities (stdin when no FILE). Reads KRATOS_ADMIN_URL (or ORY_SDK_URL) and ORY_API_KEY;
without a URL it imports into a local demo server.";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        path: None,
        chunk_size: 1000,
        schema_id: "default".into(),
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
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag:?}")),
            path => args.path = Some(path.to_string()),
        }
    }
    Ok(args)
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
    /// The line of each input read whose outcome has not come yet, in input
    /// order: at most about a chunk.
    lines: VecDeque<usize>,
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
                    seen.lines.push_back(self.line);
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

fn run(client: &IdentityClient, args: &Args, lines: Lines) -> ExitCode {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let reader = Reader {
        lines,
        line: 0,
        schema_id: args.schema_id.clone(),
        seen: Rc::clone(&seen),
    };

    let started = Instant::now();
    let mut outcomes = client
        .import_identities(reader)
        .chunk_size(args.chunk_size)
        .outcomes();
    let (mut created, mut existed, mut failed, mut unknown) = (0usize, 0usize, 0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown: Vec<(usize, String)> = Vec::new();
    // The line from which every outcome so far failed in a way a re-run
    // can fix (not sent, not attempted, unknown): where to resume after a stop.
    let mut resume_line: Option<usize> = None;
    for outcome in outcomes.by_ref() {
        let line = seen.borrow_mut().lines.pop_front().unwrap_or(0);
        match &outcome.result {
            Ok(_) => created += 1,
            Err(e) if e.is_conflict() => existed += 1,
            Err(e) => {
                failed += 1;
                unknown += usize::from(!e.is_safe_to_resend());
                *reasons.entry(reason(e)).or_default() += 1;
                if shown.len() < 10 {
                    shown.push((line, e.to_string()));
                }
            }
        }
        resume_line = match &outcome.result {
            Err(
                ImportError::NotCreated(_)
                | ImportError::NotAttempted(_)
                | ImportError::OutcomeUnknown(_)
                | ImportError::NoResult,
            ) => resume_line.or(Some(line)),
            _ => None,
        };
    }
    let secs = started.elapsed().as_secs_f64();
    let stop = outcomes.stopped().map(|e| support::error_chain(e));
    drop(outcomes);
    let seen = seen.borrow();

    for (kind, count) in &seen.left_out {
        let why = match kind.as_str() {
            "password" => "their password credential has no hash to carry",
            _ => "Kratos cannot import them",
        };
        eprintln!("note: left out the {kind} credentials of {count} exported identities: {why}");
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
    if unknown > 0 {
        println!(
            "  {unknown} may have been created (a timeout or a server error after the request was sent): look them up before importing them again"
        );
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
        let from = resume_line.unwrap_or(seen.last_line + 1);
        let input = args.path.as_deref().unwrap_or("the input");
        eprintln!(
            "to continue where it stopped, import {input} from line {from} on (tail -n +{from}); lines already imported are reported as already existing"
        );
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
        return Ok(Parsed {
            body,
            left_out: left_out.iter().map(ToString::to_string).collect(),
            exported_without_credentials: identity.credentials.is_empty(),
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
