//! Imports NDJSON identities (create bodies, or identities as `export`
//! writes them) through the bulk import, and prints its report. With
//! `--checkpoint FILE` the import's position is saved before each chunk is
//! sent, and a re-run continues exactly: no input is sent twice.
//!
//! ```text
//! cargo run --example import                      # demo input into a local demo server
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example import -- \
//!     --checkpoint import.ckpt identities.ndjson   # run it again after any stop
//! ```
//!
//! The operators' tool does this and more (a dry run, a report file,
//! progress, exit codes): `kratos-identity import` (`cargo install --path cli`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

use kratos_identity::{CreateIdentityBody, Identity, IdentityClient, ImportPosition};
use kratos_identity_fake::FakeKratos;
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut chunk_size, mut checkpoint, mut input) = (1000usize, None::<String>, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--chunk-size" => chunk_size = args.next().ok_or("--chunk-size needs N")?.parse()?,
            "--checkpoint" => checkpoint = Some(args.next().ok_or("--checkpoint needs a file")?),
            _ => input = Some(arg),
        }
    }
    let (client, _demo) = match IdentityClient::from_env() {
        Ok(client) => (client, None),
        Err(_) => {
            let demo = FakeKratos::start();
            eprintln!(
                "KRATOS_ADMIN_URL is not set: importing into a local demo server at {}",
                demo.base_url()
            );
            (demo.client(), Some(demo))
        }
    };

    // The inputs, read lazily as the import fills its chunks.
    let lines: Box<dyn Iterator<Item = String>> = match &input {
        Some(path) => Box::new(
            BufReader::new(std::fs::File::open(path)?)
                .lines()
                .map_while(Result::ok),
        ),
        None => Box::new((0..2500).map(|i| {
            // Demo input; line 1201 repeats an earlier email.
            let email = format!("user{:07}@example.com", if i == 1200 { 7 } else { i });
            json!({"schema_id": "default", "traits": {"email": email}}).to_string()
        })),
    };
    // What the conversion of exported identities left out, counted to be
    // reported with the import's outcomes.
    let left_out = RefCell::new(LeftOut::default());
    let bodies = lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| body(&line, &mut left_out.borrow_mut()));

    let mut import = client.import_identities(bodies).chunk_size(chunk_size);
    if let Some(path) = checkpoint.clone() {
        // Resume from the last position saved, and save each new one
        // (atomically: a temporary file renamed over the last).
        if let Ok(text) = std::fs::read(&path) {
            import = import.resume(&serde_json::from_slice::<ImportPosition>(&text)?);
        }
        import = import.checkpoint(move |position| {
            if let Err(e) = save(&path, position) {
                // Sending the chunk could not be resumed: stop before it.
                eprintln!("cannot write the checkpoint {path}: {e}");
                std::process::exit(1);
            }
        });
    }
    let started = std::time::Instant::now();
    let report = import.send();
    if let Some(path) = &checkpoint {
        save(path, report.resume_position())?;
    }
    println!(
        "{} identities in {:.2} s: {report}",
        report.total,
        started.elapsed().as_secs_f64()
    );
    for failure in report.failures.iter().take(10) {
        println!("  input {}: {}", failure.index, failure.error);
    }
    let left_out = left_out.into_inner();
    for (kind, count) in &left_out.credentials {
        println!(
            "  left out the {kind} credentials of {count} {}",
            noun(*count)
        );
    }
    if left_out.without_credentials > 0 {
        println!(
            "  {} {} exported without credentials (no include_credential?): imported without a password",
            left_out.without_credentials,
            noun(left_out.without_credentials)
        );
    }
    if let Some(why) = report.stopped() {
        eprintln!("the import stopped: {why}; run it again to continue");
    }
    std::process::exit(if report.is_success() { 0 } else { 1 })
}

/// Saves a position atomically: a temporary file, renamed over the last.
fn save(path: &str, position: &ImportPosition) -> std::io::Result<()> {
    std::fs::write(format!("{path}.tmp"), serde_json::to_vec(position)?)?;
    std::fs::rename(format!("{path}.tmp"), path)
}

/// What converting exported identities left out.
#[derive(Default)]
struct LeftOut {
    /// Per credential type, how many identities it was left out of.
    credentials: BTreeMap<String, usize>,
    /// Identities that carried no credentials at all: exported without
    /// `include_credential`, so their passwords were never read.
    without_credentials: usize,
}

/// A create body, or an exported identity (it has an `id`) converted with
/// `from_identity_lossy`, which leaves out what Kratos cannot import and
/// says what (counted in `left_out`). A line that is neither is skipped,
/// with a message.
fn body(line: &str, left_out: &mut LeftOut) -> Option<CreateIdentityBody> {
    let value: Value = serde_json::from_str(line).unwrap_or(Value::Null);
    let body = match value.get("id") {
        Some(_) => serde_json::from_value::<Identity>(value)
            .map_err(|e| e.to_string())
            .and_then(|identity| {
                let (body, kinds) = CreateIdentityBody::from_identity_lossy(&identity)
                    .map_err(|e| e.to_string())?;
                match identity.credentials.is_empty() {
                    true => left_out.without_credentials += 1,
                    false => {
                        for kind in kinds {
                            *left_out.credentials.entry(kind.to_string()).or_default() += 1;
                        }
                    }
                }
                Ok(body)
            }),
        None => serde_json::from_value(value).map_err(|e| e.to_string()),
    };
    body.map_err(|e| eprintln!("skipping a line that is no identity: {e}"))
        .ok()
}

fn noun(count: usize) -> &'static str {
    if count == 1 { "identity" } else { "identities" }
}
