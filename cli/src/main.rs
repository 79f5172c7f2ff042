//! `kratos-identity`: the operators' tool for the Ory Identities (Kratos)
//! admin API, built on the `kratos-identity` client's public API.
//!
//! Subcommands: `export` (NDJSON, resumable), `import` (NDJSON of create
//! bodies or exported identities, resumable, with a dry run), `migrate`
//! (from one Kratos to another, resumable), `find` (one identity by id,
//! email or external id) and `delete` (paced, parallel, resumable, and
//! refusing to delete more than one identity without `--yes`).
//!
//! Data goes to stdout, everything else to stderr: a progress bar on a
//! terminal (plain lines otherwise), and one summary line at the end. The
//! exit status says how it went ([`exit::Exit`]).
//!
//! Modules:
//! - [`connect`]: the client for `--url`/`KRATOS_ADMIN_URL`, or a demo server;
//! - [`checkpoint`]: a job's progress, saved atomically;
//! - [`progress`]: the progress bar or lines, and the summary line;
//! - [`report`]: the failed items, as NDJSON in `--report FILE` or on stderr;
//! - [`input`]: NDJSON lines as create bodies;
//! - [`exit`]: exit codes and the errors that end a command;
//! - one module per subcommand.

mod batches;
mod checkpoint;
mod connect;
mod delete;
mod exit;
mod export;
mod find;
mod import;
mod input;
mod migrate;
mod progress;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::Exit;

/// The top-level `--help`'s epilogue: the environment and the exit codes.
const AFTER_HELP: &str = "\
Environment:
  KRATOS_ADMIN_URL   the admin API's base URL (else ORY_SDK_URL); --url overrides it.
                     With neither, every subcommand runs against a local demo server.
  ORY_API_KEY        the API key (Ory Network), sent as a Bearer token. Never taken
                     as an argument, never printed.
  ORY_API_KEY_FROM, ORY_API_KEY_TO   the keys of migrate's source and target.

Exit status:
  0  everything was done
  1  some items failed (each is named in --report FILE, else on stderr), or find found nothing
  2  usage or configuration error (also: delete without --yes, find matching several identities)
  3  stopped early (the server could not be reached, refused the key, kept failing, or --limit);
     run the same command again to continue from its --checkpoint

Examples:
  kratos-identity export --include-credential password --output all.ndjson --checkpoint export.ckpt
  kratos-identity import --check all.ndjson
  kratos-identity find ada@example.com";

/// The operators' tool for the Ory Identities (Kratos) admin API.
#[derive(Debug, Parser)]
#[command(name = "kratos-identity", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Export(export::Args),
    Import(import::Args),
    Migrate(migrate::Args),
    Find(find::Args),
    Delete(delete::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; a usage
            // mistake prints to stderr and exits 2, as clap does.
            let _ = e.print();
            return match e.use_stderr() {
                true => Exit::Usage.into(),
                false => Exit::Done.into(),
            };
        }
    };
    let result = match cli.command {
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Find(args) => find::run(args),
        Command::Delete(args) => delete::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.exit.into()
        }
    }
}
