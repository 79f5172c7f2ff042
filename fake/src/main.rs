//! `kratos-identity-fake`: a fake Kratos (admin and public port) for any
//! language's tests, without Docker. Serves until stopped and prints its
//! URLs on the first lines of stdout.
//!
//! ```text
//! kratos-identity-fake --port 4434 --identities 1000
//! kratos-identity-fake --fault create_identity:503:next=2 --fault 'any:drop:next=1'
//! ```

use std::process::ExitCode;
use std::time::Duration;

use kratos_identity_fake::{FakeKratos, FakeKratosBuilder, Fault, KratosVersion, RateLimit};

const USAGE: &str = "\
kratos-identity-fake: a fake Ory Kratos admin API (and the public login flow) on 127.0.0.1

usage: kratos-identity-fake [options]

  --port N                 admin port (default 4434; 0 for a free one)
  --public-port N          public port (default 4433; 0 for a free one)
  --identities N           seed N realistic identities (default 0)
  --seed N                 mix N into every id: the same seed, the same ids (default 0)
  --kratos-version V       answer as Kratos v26.2.0 (default) or master
  --schema ID=FILE         an identity schema (JSON) in addition to `default`; repeatable
  --oidc-provider ID       an OIDC provider id for test login flows; repeatable
  --faster-session-extend  extend_session answers 204, as with Kratos's feature flag
  --latency-ms N           wait N ms before every admin answer
  --rate-limit N           Ory Network's limit: N requests a second per bucket
  --fail-every N:STATUS    answer every N-th admin request with STATUS (e.g. 5:503),
                           counting every request, retries included
  --fault SPEC             a fault aimed at some requests (below); repeatable, consulted
                           in the order given
  --hash-delay-ms N        sleep N ms per plaintext password imported
  -h, --help               this text

A fault SPEC is TARGET:PART:PART…
  TARGET  an operation as the client names it (create_identity, list_identities,
          batch_patch_identities, delete_identity, …), `any`, or a method and
          path template: 'PATCH /admin/identities', 'GET /admin/identities/{id}'
  PART    STATUS        answer this error status (400-599) with a Kratos error body
          drop          close the connection without an answer
          stall=TIME    wait TIME (300ms, 2s) first; alone, then answer normally
          next=N        act on the next N matching requests only, then stop
          every=N       act on every N-th matching request (default: every one)
          after-work    serve the request first (create, apply, delete), then act
  A fault counts only the requests it matches; the first fault that acts decides.
  Examples:
    --fault create_identity:503:next=2
    --fault 'PATCH /admin/identities:502:every=100:after-work'
    --fault any:drop:next=1
    --fault list_identities:stall=30s:next=1

It prints `admin http://127.0.0.1:PORT` and `public http://127.0.0.1:PORT`, then
serves until it is stopped (Ctrl-C, SIGTERM).";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kratos-identity-fake: {message}");
            eprintln!("run with --help for the options");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let (builder, identities) = parse(&args)?;
    let kratos = builder
        .try_start()
        .map_err(|e| format!("could not listen: {e}"))?;
    println!("admin {}", kratos.base_url());
    println!("public {}", kratos.public_url());
    eprintln!(
        "kratos-identity-fake: answering as Kratos {} with {identities} identities; stop it with Ctrl-C",
        kratos.version()
    );
    loop {
        std::thread::park();
    }
}

/// The builder the flags describe, and the number of identities seeded.
fn parse(args: &[String]) -> Result<(FakeKratosBuilder, usize), String> {
    let mut builder = FakeKratos::builder().port(4434).public_port(4433);
    let mut identities = 0;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .map(String::as_str)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        builder = match flag.as_str() {
            "--port" => builder.port(number(flag, value()?)?),
            "--public-port" => builder.public_port(number(flag, value()?)?),
            "--identities" => {
                identities = number(flag, value()?)?;
                builder.identities(identities)
            }
            "--seed" => builder.seed(number(flag, value()?)?),
            "--kratos-version" => builder.version(value()?.parse::<KratosVersion>()?),
            "--schema" => {
                let spec = value()?;
                let (id, path) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--schema takes ID=FILE, not {spec:?}"))?;
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--schema {id}: cannot read {path}: {e}"))?;
                let schema = serde_json::from_str(&text)
                    .map_err(|e| format!("--schema {id}: {path} is not JSON: {e}"))?;
                builder.schema(id, schema)
            }
            "--oidc-provider" => builder.oidc_provider(value()?),
            "--faster-session-extend" => builder.faster_session_extend(true),
            "--latency-ms" => builder.latency(Duration::from_millis(number(flag, value()?)?)),
            "--rate-limit" => builder.rate_limit(RateLimit::per_second(number(flag, value()?)?)),
            "--fail-every" => {
                let spec = value()?;
                let (n, status) = spec
                    .split_once(':')
                    .ok_or_else(|| format!("--fail-every takes N:STATUS, not {spec:?}"))?;
                builder.fail_every(number(flag, n)?, number(flag, status)?)
            }
            "--fault" => builder.fault(
                value()?
                    .parse::<Fault>()
                    .map_err(|e| format!("--fault {e}"))?,
            ),
            "--hash-delay-ms" => builder.hash_delay(Duration::from_millis(number(flag, value()?)?)),
            other => return Err(format!("unknown option {other:?}")),
        };
    }
    Ok((builder, identities))
}

fn number<N: std::str::FromStr>(flag: &str, text: &str) -> Result<N, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{flag} takes a number, not {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_every_flag() {
        let (builder, identities) = parse(&args(
            "--port 0 --public-port 0 --identities 3 --seed 7 --kratos-version master \
             --oidc-provider github --faster-session-extend --latency-ms 1 --rate-limit 100 \
             --fail-every 1000:503 --hash-delay-ms 2",
        ))
        .unwrap();
        assert_eq!(identities, 3);
        let kratos = builder.start();
        assert_eq!(kratos.identity_count(), 3);
        assert_eq!(kratos.version(), KratosVersion::Master);
    }

    #[test]
    fn takes_faults_in_order() {
        let mut given = args("--port 0 --public-port 0 --fault create_identity:503:next=2");
        given.extend([
            "--fault".to_string(),
            "PATCH /admin/identities:502:every=100:after-work".to_string(),
        ]);
        given.extend(["--fault".to_string(), "any:drop:next=1".to_string()]);
        let (builder, _) = parse(&given).unwrap();
        let kratos = builder.start();
        let faults: Vec<String> = kratos.faults().iter().map(Fault::to_string).collect();
        assert_eq!(
            faults,
            [
                "Fault::on(create_identity).status(503).next(2)",
                r#"Fault::on_request("PATCH", "/admin/identities").after_work().status(502).every(100)"#,
                "Fault::any().drop_connection().next(1)",
            ]
        );
    }

    #[test]
    fn the_help_documents_faults() {
        for needle in [
            "--fault SPEC",
            "after-work",
            "stall=TIME",
            "any:drop:next=1",
        ] {
            assert!(USAGE.contains(needle), "{needle}");
        }
    }

    #[test]
    fn says_what_is_wrong() {
        for (given, says) in [
            ("--port", "--port needs a value"),
            ("--port x", "--port takes a number"),
            ("--kratos-version 1.0", "unknown Kratos version"),
            ("--fail-every 3", "--fail-every takes N:STATUS"),
            ("--fault", "--fault needs a value"),
            (
                "--fault create_identity:5o3",
                r#"--fault "create_identity:5o3": "5o3" is not a part of a fault"#,
            ),
            ("--fault create_identities:503", "is not an operation"),
            ("--fault any", r#"--fault "any": says nothing happens"#),
            ("--schema x", "--schema takes ID=FILE"),
            ("--schema x=/no/such/file", "cannot read"),
            ("--frobnicate", "unknown option"),
        ] {
            let err = parse(&args(given)).err().unwrap_or_default();
            assert!(err.contains(says), "{given}: {err}");
        }
    }
}
