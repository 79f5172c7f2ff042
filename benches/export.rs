//! Export benchmark: identities per second through `list_identities().items()`
//! against hand-written ureq + serde_json code decoding into the very same
//! types and against the parse-only floor (the same requests, each page only
//! parsed), prefetch against sequential paging, and peak memory.
//!
//! ```text
//! cargo bench --bench export
//! cargo bench --bench export -- --identities 100000 --runs 7
//! ```
//!
//! To look at one export under a profiler, start the server (it prints its
//! URL and serves until its standard input closes) and run one export, with
//! the binary `cargo bench --bench export --no-run` names (`BENCH` below):
//!
//! ```text
//! sleep infinity | BENCH --serve 5000 &
//! valgrind --tool=callgrind BENCH --once crate value URL   # value | raw | struct
//! valgrind --tool=callgrind BENCH --once hand value URL
//! valgrind --tool=callgrind BENCH --once crate identity-raw URL
//! valgrind --tool=callgrind BENCH --once floor - URL
//! ```
//!
//! Against a real server (self-hosted Kratos on loopback, say), the same
//! exports are timed there, the server's own time included:
//!
//! ```text
//! cargo bench --bench export -- --against http://127.0.0.1:4434 --runs 3
//! ```
//!
//! `DEVELOPMENT.md` has a sample run and how to read it.
//!
//! A server process serves pre-rendered Kratos-shaped pages (500 identities
//! per page, about 1 KB per identity) on loopback, so the client is what is
//! measured. `/slow/admin/identities` answers the same pages after 20 ms.

mod support;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use kratos_identity::{Identity, IdentityClient};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

const PAGE_SIZE: usize = 500;
const SERVER_DELAY: Duration = Duration::from_millis(20);
const WORK_PER_PAGE: Duration = Duration::from_millis(20);

/// "A small traits struct": what a sync job typically needs.
#[derive(Deserialize)]
#[allow(dead_code)] // Decoded to be measured, not read.
struct Traits {
    email: String,
    name: Name,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Name {
    first: String,
    last: String,
}

const USAGE: &str = "usage: export [--identities N] [--runs N] | --against URL [--runs N] | --serve N | --once SIDE TRAITS URL";

fn main() -> ExitCode {
    // `cargo bench` adds `--bench` after the flags given; it means nothing here.
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.get(1).map(String::as_str) {
        Some("--serve") => serve(arg(&args, 2, 100_000)),
        Some("--rss") => rss_child(&args),
        Some("--once") => once(&args),
        Some("--against") => against(&args),
        _ => orchestrate(
            arg_flag(&args, "--identities", 100_000),
            arg_flag(&args, "--runs", 7),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error>;

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn arg_flag(args: &[String], flag: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == flag)
        .map_or(default, |i| arg(args, i + 1, default))
}

// ---------------------------------------------------------------- server --

/// Serves `count` identities as pre-rendered pages until stdin closes.
fn serve(count: usize) -> Result<(), BoxError> {
    let pages: Arc<Vec<String>> = Arc::new(
        (0..count.div_ceil(PAGE_SIZE))
            .map(|p| {
                let items: Vec<String> = (p * PAGE_SIZE..((p + 1) * PAGE_SIZE).min(count))
                    .map(support::pages::demo_identity)
                    .collect();
                format!("[{}]", items.join(","))
            })
            .collect(),
    );
    let server = MockServer::start();
    for (prefix, delay) in [("", Duration::ZERO), ("/slow", SERVER_DELAY)] {
        let pages = Arc::clone(&pages);
        server.mock(|when, then| {
            when.method("GET")
                .path(format!("{prefix}/admin/identities"));
            then.delay(delay)
                .respond_with(move |req: &HttpMockRequest| page_response(req, &pages));
        });
    }
    println!("{}", server.base_url());
    std::io::stdout().flush()?;
    // Serve until the parent closes our stdin.
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink)? > 0 {}
    Ok(())
}

fn page_response(req: &HttpMockRequest, pages: &[String]) -> HttpMockResponse {
    let token = req
        .query_params()
        .into_iter()
        .find(|(k, _)| k == "page_token")
        .map(|(_, v)| v);
    let index = match token {
        None => 0,
        Some(t) => match uuid::Uuid::parse_str(&t) {
            Ok(u) => (u.as_u128() - support::pages::demo_id(0).as_u128()) as usize / PAGE_SIZE,
            Err(_) => {
                return HttpMockResponse::builder()
                    .status(400)
                    .body("bad token")
                    .build();
            }
        },
    };
    let link = |rel: &str, page: usize| {
        format!(
            "</admin/identities?page_size={PAGE_SIZE}&page_token={}>; rel=\"{rel}\"",
            support::pages::demo_id(page * PAGE_SIZE)
        )
    };
    let mut links = vec![link("first", 0)];
    if index + 1 < pages.len() {
        links.push(link("next", index + 1));
    }
    support::pages::page_response(pages.get(index).map_or("[]", String::as_str), &links)
}

struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    fn start(count: usize) -> Result<Self, BoxError> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--serve", &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or("no stdout from the server process")?;
        let mut url = String::new();
        BufReader::new(stdout).read_line(&mut url)?;
        let url = url.trim().to_string();
        if url.is_empty() {
            return Err("the server process did not start".into());
        }
        Ok(ServerProcess { child, url })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------- exporters --

/// The crate: `list_identities().items()`, traits decoded into `T`, the
/// next page fetched in the background (the default) or not.
fn crate_export<T: DeserializeOwned + Send + 'static>(
    client: &IdentityClient,
    prefetch: bool,
) -> Result<usize, BoxError> {
    let mut count = 0;
    for identity in client
        .list_identities()
        .page_size(PAGE_SIZE as u32)
        .traits::<T>()
        .items()
        .prefetch(prefetch)
    {
        black_box(identity?);
        count += 1;
    }
    Ok(count)
}

/// Hand-written ureq + serde_json, same types, same requests.
fn hand_export<T: DeserializeOwned>(agent: &ureq::Agent, base: &str) -> Result<usize, BoxError> {
    walk_by_hand(agent, base, |body| {
        let page: Vec<Identity<T>> = serde_json::from_slice(body)?;
        let n = page.len();
        for identity in page {
            black_box(identity);
        }
        Ok(n)
    })
}

/// The physical floor: the same requests, each page only parsed
/// (`serde::de::IgnoredAny`), nothing built.
fn parse_only(agent: &ureq::Agent, base: &str) -> Result<usize, BoxError> {
    walk_by_hand(agent, base, |body| {
        Ok(serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(body)?.len())
    })
}

/// Requests every page with ureq alone, following the `next` link's page
/// token, and hands each body to `page`, which says how many identities it
/// held.
fn walk_by_hand(
    agent: &ureq::Agent,
    base: &str,
    mut page: impl FnMut(&[u8]) -> Result<usize, BoxError>,
) -> Result<usize, BoxError> {
    let mut count = 0;
    let mut token: Option<String> = None;
    loop {
        let mut url = format!("{base}/admin/identities?page_size={PAGE_SIZE}");
        if let Some(t) = &token {
            url.push_str("&page_token=");
            url.push_str(t);
        }
        let mut response = agent.get(&url).call()?;
        let link = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()?;
        let n = page(&body)?;
        if n == 0 {
            break;
        }
        count += n;
        token = link.as_deref().and_then(next_token);
        if token.is_none() {
            break;
        }
    }
    Ok(count)
}

/// The crate keeping each identity as the raw JSON the server sent.
fn crate_export_raw(client: &IdentityClient, prefetch: bool) -> Result<usize, BoxError> {
    let mut count = 0;
    for identity in client
        .list_identities()
        .page_size(PAGE_SIZE as u32)
        .raw()
        .items()
        .prefetch(prefetch)
    {
        black_box(identity?);
        count += 1;
    }
    Ok(count)
}

/// The `page_token` of the `rel="next"` link, parsed the quick way.
fn next_token(link: &str) -> Option<String> {
    let next = link.split(',').find(|l| l.contains("rel=\"next\""))?;
    let query = next.split_once('?')?.1.split('>').next()?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page_token="))
        .map(str::to_string)
}

// ----------------------------------------------------------- measurement --

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// A side of a comparison: one whole export, returning how many identities
/// it exported.
type Side<'a> = &'a mut dyn FnMut() -> Result<usize, BoxError>;

/// Runs each side `runs` times, rotating which goes first, and returns the
/// identities per second of every run of each side, in the sides' order.
fn rotate(runs: usize, expected: usize, sides: &mut [Side<'_>]) -> Result<Vec<Vec<f64>>, BoxError> {
    let mut rates = vec![Vec::with_capacity(runs); sides.len()];
    for round in 0..runs {
        for k in 0..sides.len() {
            let side = (round + k) % sides.len();
            let started = Instant::now();
            let n = sides[side]()?;
            if n != expected {
                return Err(format!("exported {n} identities, expected {expected}").into());
            }
            rates[side].push(n as f64 / started.elapsed().as_secs_f64());
        }
    }
    Ok(rates)
}

/// Noise only ever slows a run down, so each side's fastest run is the
/// steadiest estimate.
fn best(rates: &[f64]) -> f64 {
    rates.iter().copied().fold(0.0, f64::max)
}

/// One row of the table: [`compare`] for one traits type.
type Compare =
    fn(&str, bool, usize, usize, &IdentityClient, &ureq::Agent, &str) -> Result<(), BoxError>;

/// Prints one row: the crate against its hand-written twin, decoding into
/// `Identity<T>`: the best rate of each side, their ratio, the ratio of
/// their medians, and how many times the parse-only floor's time the
/// crate takes (of the medians, the floor measured in the same runs).
fn compare<T: DeserializeOwned + Send + 'static>(
    name: &str,
    prefetch: bool,
    runs: usize,
    count: usize,
    client: &IdentityClient,
    agent: &ureq::Agent,
    url: &str,
) -> Result<(), BoxError> {
    let rates = rotate(
        runs,
        count,
        &mut [
            &mut || crate_export::<T>(client, prefetch),
            &mut || hand_export::<T>(agent, url),
            &mut || parse_only(agent, url),
        ],
    )?;
    let [krate, hand, floor] = <[Vec<f64>; 3]>::try_from(rates).map_err(|_| "three sides")?;
    let (kb, hb) = (best(&krate), best(&hand));
    let of_floor = median(floor) / median(krate.clone());
    let ratio_of_medians = median(krate) / median(hand);
    println!(
        "{name:<34} {kb:>12.0} {hb:>12.0} {:>10.3} {ratio_of_medians:>12.3} {of_floor:>9.2}x",
        kb / hb
    );
    Ok(())
}

fn orchestrate(count: usize, runs: usize) -> Result<(), BoxError> {
    let runs = runs.max(1);
    eprintln!("starting the server process with {count} identities…");
    let server = ServerProcess::start(count)?;
    let client = IdentityClient::new(&server.url)?;
    let agent = ureq::Agent::new_with_defaults();
    let bytes = support::pages::demo_identity(count / 2).len();

    println!(
        "export benchmark: {count} identities, {PAGE_SIZE} per page, {bytes} bytes per identity, {runs} runs of each side"
    );
    println!(
        "{:<34} {:>12} {:>12} {:>10} {:>12} {:>10}",
        "decoding into", "crate ids/s", "hand ids/s", "crate/hand", "(of medians)", "x floor"
    );
    // Warm up the connection pool and the server's page cache.
    crate_export::<Value>(&client, false)?;
    // Each row as `.items()` runs by default (no prefetch), and the first two
    // again with the next page fetched in the background.
    let rows: [(&str, bool, Compare); 5] = [
        ("Identity<serde_json::Value>", false, compare::<Value>),
        ("  the same, .prefetch(true)", true, compare::<Value>),
        ("Identity<Box<RawValue>>", false, compare::<Box<RawValue>>),
        (
            "  the same, .prefetch(true)",
            true,
            compare::<Box<RawValue>>,
        ),
        ("Identity<Traits> (small struct)", false, compare::<Traits>),
    ];
    for (name, prefetch, row) in rows {
        row(name, prefetch, runs, count, &client, &agent, &server.url)?;
    }
    // The whole identity as raw JSON, and the floor itself, in one run.
    let rates = rotate(
        runs,
        count,
        &mut [&mut || crate_export_raw(&client, false), &mut || {
            parse_only(&agent, &server.url)
        }],
    )?;
    let [raw, floor] = <[Vec<f64>; 2]>::try_from(rates).map_err(|_| "two sides")?;
    println!(
        "{:<34} {:>12.0} {:>12} {:>10} {:>12} {:>9.2}x",
        "list_identities().raw()",
        best(&raw),
        "",
        "",
        "",
        median(floor.clone()) / median(raw)
    );
    println!(
        "{:<34} {:>12.0} {:>12} {:>10} {:>12} {:>9.2}x",
        "parse only (IgnoredAny), the floor",
        best(&floor),
        "",
        "",
        "",
        1.0
    );

    let delayed = count.min(20_000);
    let slow = IdentityClient::new(format!("{}/slow", server.url))?;
    let time = |prefetch: bool| -> Result<f64, BoxError> {
        let started = Instant::now();
        let mut exported = 0;
        // Stop after `delayed` identities: the pages are the same.
        for identity in slow
            .list_identities()
            .page_size(PAGE_SIZE as u32)
            .items()
            .prefetch(prefetch)
            .limit(delayed)
        {
            black_box(identity?);
            exported += 1;
            if exported % PAGE_SIZE == 0 {
                std::thread::sleep(WORK_PER_PAGE);
            }
        }
        Ok(started.elapsed().as_secs_f64())
    };
    // The delays dominate these runs, so three medians are plenty.
    let (mut seq, mut pre) = (Vec::new(), Vec::new());
    for _ in 0..runs.min(3) {
        seq.push(time(false)?);
        pre.push(time(true)?);
    }
    let (seq, pre) = (median(seq), median(pre));
    println!(
        "prefetch, server delay {} ms + {} ms of work per page, {delayed} identities (median of 3): sequential {seq:.2} s, prefetch {pre:.2} s, {:.2}x faster",
        SERVER_DELAY.as_millis(),
        WORK_PER_PAGE.as_millis(),
        seq / pre
    );

    let small = (count / 10).max(PAGE_SIZE);
    let rss_small = rss_of(&server.url, small)?;
    let rss_large = rss_of(&server.url, count)?;
    println!(
        "peak RSS of a process exporting {small} identities: {:.1} MiB; {count} identities: {:.1} MiB; ratio {:.2}",
        rss_small as f64 / 1024.0,
        rss_large as f64 / 1024.0,
        rss_large as f64 / rss_small as f64
    );
    Ok(())
}

/// Runs a child process that exports `count` identities and reports its
/// peak resident set size in KiB.
fn rss_of(url: &str, count: usize) -> Result<u64, BoxError> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--rss", url, &count.to_string()])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "the RSS child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

/// One export by one side, for a profiler: `--once crate|hand value|raw|struct URL`.
/// The crate's side runs as `.items()` does by default: without prefetch,
/// on one thread, like the others.
/// Times each way of exporting against a real server: the crate with and
/// without prefetch, the hand-written ureq loop over the same pages, and
/// the parse-only floor. Prints the median of `--runs` runs of each.
fn against(args: &[String]) -> Result<(), BoxError> {
    let url = args.get(2).ok_or("--against URL [--runs N]")?.as_str();
    let runs = arg_flag(args, "--runs", 3).max(1);
    let client = IdentityClient::builder(url).build()?;
    let agent = ureq::Agent::new_with_defaults();
    type Way<'a> = (&'a str, Box<dyn Fn() -> Result<usize, BoxError> + 'a>);
    let ways: Vec<Way> = vec![
        (
            "crate, prefetch on",
            Box::new(|| crate_export::<Value>(&client, true)),
        ),
        (
            "crate, prefetch off",
            Box::new(|| crate_export::<Value>(&client, false)),
        ),
        (
            "plain ureq loop (same pages, same types)",
            Box::new(|| hand_export::<Value>(&agent, url)),
        ),
        (
            "parse only (the server's time and the transfer)",
            Box::new(|| parse_only(&agent, url)),
        ),
    ];
    for (name, way) in &ways {
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..runs {
            let started = Instant::now();
            count = way()?;
            times.push(started.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{name:<50} {count} identities, median {:.2} s of {runs} ({:.0} identities/s)",
            median.as_secs_f64(),
            count as f64 / median.as_secs_f64()
        );
    }
    Ok(())
}

fn once(args: &[String]) -> Result<(), BoxError> {
    let usage = "--once crate|hand value|raw|struct URL, --once crate identity-raw URL, or --once floor - URL";
    let (side, traits, url) = match args {
        [_, _, side, traits, url, ..] => (side.as_str(), traits.as_str(), url.as_str()),
        _ => return Err(usage.into()),
    };
    let client = IdentityClient::new(url)?;
    let agent = ureq::Agent::new_with_defaults();
    let n = match (side, traits) {
        ("crate", "value") => crate_export::<Value>(&client, false)?,
        ("crate", "raw") => crate_export::<Box<RawValue>>(&client, false)?,
        ("crate", "struct") => crate_export::<Traits>(&client, false)?,
        ("hand", "value") => hand_export::<Value>(&agent, url)?,
        ("hand", "raw") => hand_export::<Box<RawValue>>(&agent, url)?,
        ("hand", "struct") => hand_export::<Traits>(&agent, url)?,
        ("floor", _) => parse_only(&agent, url)?,
        ("crate", "identity-raw") => crate_export_raw(&client, false)?,
        _ => return Err(usage.into()),
    };
    println!("{n}");
    Ok(())
}

fn rss_child(args: &[String]) -> Result<(), BoxError> {
    let url = args.get(2).ok_or("--rss URL COUNT")?;
    let count = arg(args, 3, 10_000);
    let client = IdentityClient::new(url)?;
    let mut exported = 0;
    for identity in client
        .list_identities()
        .page_size(PAGE_SIZE as u32)
        .items()
        .limit(count)
    {
        black_box(identity?);
        exported += 1;
    }
    if exported != count {
        return Err(format!("exported {exported}, expected {count}").into());
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or("no VmHWM in /proc/self/status")?;
    println!("{hwm}");
    Ok(())
}
