//! Exactly-once benchmark: what bulk jobs cost and whether they tell the
//! truth when requests fail after the server did the work, and when the job
//! itself is killed.
//!
//! ```text
//! cargo build --release --examples && cargo bench --bench exactly_once
//! cargo bench --bench exactly_once -- --identities 10000 --kills 5 --seed 7
//! ```
//!
//! 1. **A migration through failures.** 10,000 identities (with password
//!    hashes) are read from one fake Kratos and imported into another, in
//!    chunks of 50, with 1 ms of latency per request. The target answers 1%
//!    of the batch requests (every 100th) only after doing the work and
//!    stalling past the client's timeout: the identities are created, the
//!    answer is lost. Printed: created, of unknown outcome, duplicates, the
//!    lookups and resends it took, and the requests beyond the 200 batches
//!    a faultless run sends; then the same with lookups off, for contrast.
//! 2. **Jobs killed and resumed.** The `import` example, then the `export`
//!    example, run against an in-process fake with `--checkpoint`, are
//!    killed with SIGKILL `--kills` times, each at a random point of the
//!    job's progress as the server sees it, and run again;
//!    the last run finishes. Printed: whether the server holds exactly the
//!    input set (import), and whether the output file holds every identity
//!    exactly once (export).
//!
//! Needs the `import` and `export` examples built in the same profile
//! (`target/release/examples/`; the first command above builds them).

mod support;

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use kratos_identity::{CreateIdentityBody, ImportReport, Operation};
use kratos_identity_fake::{FakeKratos, Fault};
use serde_json::{Value, json};

struct Args {
    identities: usize,
    kills: usize,
    seed: u64,
}

const USAGE: &str = "usage: exactly_once [--identities N] [--kills N] [--seed N]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        identities: 10_000,
        kills: 5,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--identities" => args.identities = support::number(&flag, &value()?)?,
            "--kills" => args.kills = support::number(&flag, &value()?)?,
            "--seed" => args.seed = support::number(&flag, &value()?)?,
            // `cargo bench` adds it after the flags given.
            "--bench" => {}
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => return support::usage_error(&message, USAGE),
    };
    let mut ok = migration(&args, true);
    ok &= migration(&args, false);
    match killed_and_resumed(&args) {
        Ok(good) => ok &= good,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    }
    match ok {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    }
}

// ------------------------------------------------------------- 1. a migration

const CHUNK: usize = 50;
const LATENCY: Duration = Duration::from_millis(1);
/// The client's batch timeout, and how long the target stalls the answers
/// it loses (after creating their identities).
const TIMEOUT: Duration = Duration::from_millis(400);
const STALL: Duration = Duration::from_millis(1200);

fn count(kratos: &FakeKratos, method: &str, path: &str) -> usize {
    kratos
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path))
        .count()
}

/// Migrates every identity of a seeded source into a target that loses 1%
/// of its batch answers after doing the work. Prints the figures; `true`
/// when the result is what it must be.
fn migration(args: &Args, resolve: bool) -> bool {
    let n = args.identities;
    let source = FakeKratos::builder()
        .identities(n)
        .seed(args.seed)
        .latency(LATENCY)
        .start();
    let target = FakeKratos::builder()
        .latency(LATENCY)
        .fault(
            Fault::on(Operation::BATCH_PATCH_IDENTITIES)
                .every(100)
                .after_work()
                .stall(STALL)
                .status(504),
        )
        .start();
    let started = Instant::now();
    let mut listing_errors = 0usize;
    let listed = source
        .client()
        .list_identities()
        .page_size(500)
        .include_credential(["password"])
        .items();
    let inputs = listed.filter_map(|identity| {
        let converted = identity
            .and_then(|identity| CreateIdentityBody::from_identity_lossy(&identity))
            .map(|(body, _left_out)| body);
        match converted {
            Ok(body) => Some(body),
            Err(e) => {
                listing_errors += 1;
                eprintln!("  listing: {e}");
                None
            }
        }
    });
    let report: ImportReport = target
        .client()
        .import_identities(inputs)
        .chunk_size(CHUNK)
        .timeout(TIMEOUT)
        .resolve_unknown(resolve)
        .send();
    let secs = started.elapsed().as_secs_f64();
    // A lost answer is logged when its stall ends, after the client gave up.
    std::thread::sleep(STALL);
    let batches = count(&target, "PATCH", "/admin/identities");
    let lookups = count(&target, "GET", "/admin/identities");
    let schemas = count(&target, "GET", "/schemas");
    let unknown = report
        .failures
        .iter()
        .filter(|f| !f.error.is_safe_to_resend())
        .count();
    let duplicates = report.duplicates().count();
    let minimum = n.div_ceil(CHUNK);
    let extra = batches + lookups + schemas - minimum;
    println!(
        "migration of {n} identities, chunks of {CHUNK}, 1% of batch answers lost after the work ({}):",
        match resolve {
            true => "lookups on, the default",
            false => "lookups off",
        }
    );
    println!(
        "  {} created, {unknown} of unknown outcome, {duplicates} duplicates, {} already existed, {} other failures; the target holds {}",
        report.created,
        report.already_existed.len(),
        report.failures.len() - unknown - duplicates,
        target.identity_count()
    );
    println!(
        "  requests: {batches} batches ({minimum} without faults), {lookups} lookups, {schemas} schema reads (with the admin port's redirect); {extra} extra requests ({:.1}%); {} resent; {secs:.1} s",
        100.0 * extra as f64 / minimum as f64,
        report.resent
    );
    let good = listing_errors == 0
        && target.identity_count() == n
        && match resolve {
            true => report.created == n && unknown == 0 && report.is_success(),
            false => report.created + unknown == n,
        };
    if !good {
        println!("  NOT AS EXPECTED: {report}");
    }
    good
}

// ------------------------------------------------------- 2. killed and resumed

/// A small deterministic generator for the kill times (splitmix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A wait between `low` and `high`.
    fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = (high - low).as_millis().max(1) as u64;
        low + Duration::from_millis(self.next() % span)
    }
}

/// The built example `name`: in `examples/` of this benchmark's profile
/// folder (the benchmark itself is in `deps/` beside it).
fn example(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let path = me
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples").join(name))
        .ok_or("this program has no folder")?;
    match path.exists() {
        true => Ok(path),
        false => Err(format!(
            "{} is not built: run `cargo build --release --examples` first",
            path.display()
        )),
    }
}

/// Runs `program` with `args` against `url`, killing it (SIGKILL) `kills`
/// times and starting it again, then lets it finish. Each kill comes at a
/// random point of the job's progress (`progress()` of `total`, as the
/// server sees it), a random few milliseconds after that point was passed,
/// so kills land at every phase: before a chunk is sent, while the server
/// works, after it answered. Returns how many runs were killed before they
/// finished and the last run's output.
fn kill_and_resume(
    program: &Path,
    args: &[&str],
    url: &str,
    kills: usize,
    random: &mut Random,
    (progress, total): (&dyn Fn() -> usize, usize),
) -> Result<(usize, String), String> {
    let mut killed = 0;
    // A run may finish before its kill lands (the last chunk can pass the
    // point and end the job at once): then another run is started, a few
    // times at most.
    for _ in 0..kills * 4 {
        if killed == kills {
            break;
        }
        // Spread the kills over what is left: about 1/(kills left + 1) of it each.
        let done = progress();
        let left = total.saturating_sub(done);
        if left <= 1 {
            break;
        }
        let share = (2 * left / (kills - killed + 1)).max(1);
        let target = (done + 1 + random.next() as usize % share).min(total.saturating_sub(1));
        let mut child = Command::new(program)
            .args(args)
            .env("KRATOS_ADMIN_URL", url)
            .env_remove("ORY_API_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let finished = loop {
            if child.try_wait().ok().flatten().is_some() {
                break true;
            }
            if progress() >= target {
                break false;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        if !finished {
            std::thread::sleep(random.between(Duration::ZERO, Duration::from_millis(20)));
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill(); // SIGKILL on Unix
                killed += 1;
            }
        }
        let _ = child.wait();
    }
    let output = Command::new(program)
        .args(args)
        .env("KRATOS_ADMIN_URL", url)
        .env_remove("ORY_API_KEY")
        .output()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "the last run of {} failed: {text}",
            program.display()
        ));
    }
    Ok((killed, text))
}

fn killed_and_resumed(args: &Args) -> Result<bool, String> {
    let import = example("import")?;
    let export = example("export")?;
    let n = args.identities;
    let dir = std::env::temp_dir().join(format!("kratos-identity-bench-{}", std::process::id()));
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut random = Random(args.seed);

    // The input: n people with password hashes.
    let input = dir.join("input.ndjson");
    let mut file = fs::File::create(&input).map_err(|e| e.to_string())?;
    let mut wanted = HashSet::new();
    for i in 0..n {
        let email = format!("person{i:07}@example.com");
        let line = json!({
            "schema_id": "default",
            "traits": { "email": email },
            "credentials": { "password": { "config": { "hashed_password": "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq" } } }
        });
        writeln!(file, "{line}").map_err(|e| e.to_string())?;
        wanted.insert(email);
    }
    drop(file);

    let kratos = FakeKratos::builder().latency(LATENCY).start();
    let url = kratos.base_url();
    let started = Instant::now();
    let checkpoint = dir.join("import.checkpoint");
    let (killed, last) = kill_and_resume(
        &import,
        &[
            "--chunk-size",
            "200",
            "--checkpoint",
            &checkpoint.to_string_lossy(),
            &input.to_string_lossy(),
        ],
        &url,
        args.kills,
        &mut random,
        (&|| kratos.identity_count(), n),
    )?;
    let held: Vec<String> = kratos
        .identities()
        .iter()
        .filter_map(|i| i["traits"]["email"].as_str().map(str::to_string))
        .collect();
    let unique: HashSet<&String> = held.iter().collect();
    let exact = held.len() == n && unique.len() == n && held.iter().all(|e| wanted.contains(e));
    // The counts over all runs; the last run's alone when the runs before
    // it were killed before they saved anything; or, when a killed run had
    // finished the import (and saved so) before the kill landed, the counts
    // the checkpoint holds.
    let summary = last
        .lines()
        .find(|l| l.starts_with("over all runs"))
        .or_else(|| last.lines().find(|l| l.contains(" identities in ")))
        .or_else(|| {
            last.lines()
                .find(|l| l.starts_with("the checkpoint says this import finished"))
        })
        .unwrap_or("")
        .to_string();
    println!(
        "import of {n} identities with --checkpoint, killed {killed} times and run again ({:.1} s):",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  the server holds {} identities, {} distinct: exactly the input set: {}",
        held.len(),
        unique.len(),
        yes(exact)
    );
    println!("  {summary}");
    let none_twice = summary.contains(", 0 already existed");

    // The export of what the import created, one page request after another.
    let pages = n.div_ceil(100);
    kratos.clear_requests();
    let started = Instant::now();
    let checkpoint = dir.join("export.checkpoint");
    let output = dir.join("export.ndjson");
    let (killed, _) = kill_and_resume(
        &export,
        &[
            "--page-size",
            "100",
            "--checkpoint",
            &checkpoint.to_string_lossy(),
            "--output",
            &output.to_string_lossy(),
        ],
        &url,
        args.kills,
        &mut random,
        (&|| kratos.requests().len(), pages),
    )?;
    let text = fs::read_to_string(&output).map_err(|e| e.to_string())?;
    let mut ids = HashSet::new();
    let mut lines = 0usize;
    let mut repeated = 0usize;
    for line in text.lines() {
        lines += 1;
        let value: Value = serde_json::from_str(line)
            .map_err(|e| format!("a line of the export is not JSON: {e}"))?;
        if !ids.insert(value["id"].as_str().unwrap_or_default().to_string()) {
            repeated += 1;
        }
    }
    let stored: HashSet<String> = kratos
        .identities()
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    let missing = stored.difference(&ids).count();
    println!(
        "export of {} identities with --checkpoint, killed {killed} times and run again ({:.1} s):",
        stored.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "  {lines} lines, {repeated} written twice, {missing} missing: exactly the identities: {}",
        yes(repeated == 0 && missing == 0 && lines == stored.len())
    );
    let _ = fs::remove_dir_all(&dir);
    Ok(exact && none_twice && repeated == 0 && missing == 0 && lines == stored.len())
}

fn yes(ok: bool) -> &'static str {
    match ok {
        true => "yes",
        false => "NO",
    }
}
