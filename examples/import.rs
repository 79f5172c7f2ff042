//! Imports identities from NDJSON through the bulk import, and prints a
//! summary. A line is either a create body, or an identity as Kratos exports
//! it (the output of the `export` example, read with its credentials), which
//! goes through `CreateIdentityBody::from_identity_lossy`: credentials Kratos
//! cannot import are named on stderr, never dropped in silence. Re-running
//! an import reports what already existed. Exits non-zero if any identity
//! was not created (and did not already exist).
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

use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

use kratos_identity::fake::FakeKratos;
use kratos_identity::{CreateIdentityBody, Identity, IdentityClient, ImportError};
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
    let input: Vec<u8> = match &args.path {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None if io::stdin().is_terminal() => Vec::new(),
        None => {
            let mut bytes = Vec::new();
            if let Err(e) = io::stdin().read_to_end(&mut bytes) {
                eprintln!("error: reading stdin: {e}");
                return ExitCode::FAILURE;
            }
            bytes
        }
    };
    if input.is_empty() && demo.is_some() {
        eprintln!(
            "no input: importing 2,500 generated demo identities, three of them bad on purpose, then the same again"
        );
        let input = demo_input(2500);
        run(&client, &args, &input);
        eprintln!("importing the same input again, as a re-run after a crash would:");
        return run(&client, &args, &input);
    }
    run(&client, &args, &input)
}

fn run(client: &IdentityClient, args: &Args, input: &[u8]) -> ExitCode {
    // Lines that are not identities fail before the import; the rest go in
    // with their line numbers remembered, so every failure names its line.
    let mut bad_lines: Vec<(usize, String)> = Vec::new();
    let mut line_of_input: Vec<usize> = Vec::new();
    let mut bodies: Vec<CreateIdentityBody> = Vec::new();
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in input.lines().enumerate() {
        let line_no = n + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("error: reading line {line_no}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line, &args.schema_id) {
            Ok((body, dropped)) => {
                for kind in dropped {
                    *left_out.entry(kind).or_default() += 1;
                }
                line_of_input.push(line_no);
                bodies.push(body);
            }
            Err(e) => bad_lines.push((line_no, e)),
        }
    }
    for (kind, count) in &left_out {
        eprintln!(
            "note: left out the {kind} credentials of {count} exported identities: Kratos cannot import them"
        );
    }

    let started = Instant::now();
    let report = client
        .import_identities(bodies)
        .chunk_size(args.chunk_size)
        .send();
    let secs = started.elapsed().as_secs_f64();

    let failed = report.failures.len() + bad_lines.len();
    println!(
        "{} identities in {secs:.2} s: {} created, {} already existed, {failed} failed",
        report.total + bad_lines.len(),
        report.created,
        report.already_existed.len(),
    );
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (_, e) in &bad_lines {
        *reasons.entry(format!("unreadable line: {e}")).or_default() += 1;
    }
    for failure in &report.failures {
        *reasons.entry(reason(&failure.error)).or_default() += 1;
    }
    for (reason, count) in &reasons {
        println!("  {count:>6} × {reason}");
    }
    let unknown = report
        .failures
        .iter()
        .filter(|f| !f.error.is_safe_to_resend())
        .count();
    if unknown > 0 {
        println!(
            "  {unknown} may have been created (a timeout or a server error after the request was sent): look them up before importing them again"
        );
    }
    let mut shown = 0;
    for (line, e) in &bad_lines {
        if shown < 10 {
            println!("  line {line}: {e}");
            shown += 1;
        }
    }
    for failure in &report.failures {
        if shown < 10 {
            let line = line_of_input.get(failure.index).copied().unwrap_or(0);
            println!("  line {line}: {}", failure.error);
            shown += 1;
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One NDJSON line as a create body, with the credential types left out:
/// an exported identity (it has an `id`) goes through `from_identity_lossy`,
/// anything else must be a create body (read strictly, like Kratos does).
fn parse_line(
    line: &str,
    default_schema: &str,
) -> Result<(CreateIdentityBody, Vec<String>), String> {
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
        let left_out = left_out.iter().map(ToString::to_string).collect();
        return Ok((body, left_out));
    }
    let body = serde_json::from_value(value).map_err(|e| format!("not a create body: {e}"))?;
    Ok((body, Vec::new()))
}

fn reason(error: &ImportError) -> String {
    match error {
        ImportError::Rejected(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Generated NDJSON input for the demo: `count` people, three of them bad
/// in the ways real imports are: an email already taken by an earlier line,
/// an email that is not one, and a password hash no algorithm reads (Kratos
/// refuses the whole request for that one, so the import splits it off).
fn demo_input(count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let email = |i: usize| format!("user{i:07}@example.com");
    for i in 0..count {
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
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}
