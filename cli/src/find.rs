//! `find`: one identity by id, email (any credentials identifier) or
//! external id. The argument is tried as everything it can be: a UUID as an
//! id and as an external id; anything else as a credentials identifier and
//! as an external id. Exactly one identity found: it is printed (with its
//! active sessions); none: exit 1; different identities: exit 2.

use std::io::Write;

use kratos_identity::time::OffsetDateTime;
use kratos_identity::time::format_description::well_known::Rfc3339;
use kratos_identity::uuid::Uuid;
use kratos_identity::{Error, Identity, IdentityClient, Session};
use serde_json::Value;

use crate::connect::Connection;
use crate::exit::{Exit, Fail, chain};

const EXAMPLES: &str = "\
Examples:
  kratos-identity find ada@example.com
  kratos-identity find 9f425a8d-7efc-4768-8f23-7647a74fdf13 --json | jq .traits
  kratos-identity find crm-0042            # an external id
Exit status: 0 found, 1 not found, 2 the argument matches different identities, 3 the server failed.";

/// Find one identity by id, email (or any credentials identifier) or external id.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,

    /// An identity id, an email or other credentials identifier, or an external id.
    #[arg(value_name = "ID|EMAIL|EXTERNAL_ID")]
    what: String,

    /// Print the identity as JSON (as the server sent it) instead of a summary.
    #[arg(long)]
    json: bool,
}

/// Runs `find`.
pub fn run(args: Args) -> Result<Exit, Fail> {
    let what = args.what.trim();
    if what.is_empty() {
        return Err(Fail::usage("find needs an id, an email or an external id"));
    }
    let server = args.connection.connect("searching")?;
    let client = &server.client;
    let mut found: Vec<(Identity, &'static str)> = Vec::new();
    let mut add = |identity: Identity, how: &'static str| match found
        .iter_mut()
        .find(|(known, _)| known.id == identity.id)
    {
        Some(_) => {}
        None => found.push((identity, how)),
    };
    if let Ok(id) = Uuid::parse_str(what) {
        if let Some(identity) = optional(client.get_identity(id).send())? {
            add(identity, "id");
        }
    } else {
        let page = client
            .list_identities()
            .credentials_identifier(what)
            .send()
            .map_err(lookup_failed)?;
        for identity in page.as_slice() {
            add(identity.clone(), "credentials identifier");
        }
    }
    if let Some(identity) = optional(client.get_identity_by_external_id(what).send())? {
        add(identity, "external id");
    }
    match found.len() {
        0 => {
            // What was asked is not repeated: stderr may reach a log, and
            // an email there is personal data.
            eprintln!("no identity has that id, credentials identifier or external id");
            Ok(Exit::Failed)
        }
        1 => {
            let (identity, how) = found.remove(0);
            print(client, &identity, how, args.json)?;
            Ok(Exit::Done)
        }
        n => {
            eprintln!("that matches {n} different identities:");
            for (identity, how) in &found {
                eprintln!("  {} (by its {how})", identity.id);
            }
            eprintln!("find one of them by its id");
            Ok(Exit::Usage)
        }
    }
}

/// `Some` for an identity, `None` for "not there" (404), the error (exit 3)
/// for anything else: a failed lookup must never read as "not found".
fn optional(result: Result<Identity, Error>) -> Result<Option<Identity>, Fail> {
    match result {
        Ok(identity) => Ok(Some(identity)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(lookup_failed(e)),
    }
}

fn lookup_failed(e: Error) -> Fail {
    match e.status() {
        Some(401 | 403) => Fail::usage(format!(
            "the server refuses the API key (check ORY_API_KEY): {}",
            chain(&e)
        )),
        _ => Fail::stopped(format!("the lookup failed: {}", chain(&e))),
    }
}

/// Prints the identity on stdout (a closed pipe is not an error).
fn print(client: &IdentityClient, identity: &Identity, how: &str, json: bool) -> Result<(), Fail> {
    let text = match json {
        true => {
            serde_json::to_string_pretty(identity)
                .map_err(|e| Fail::failed(format!("cannot write the identity as JSON: {e}")))?
                + "\n"
        }
        false => summary(client, identity, how)?,
    };
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fail::failed(format!("writing to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The identity and its active sessions, one field a line.
fn summary(client: &IdentityClient, identity: &Identity, how: &str) -> Result<String, Fail> {
    let sessions: Vec<Session> = client
        .list_identity_sessions(identity.id)
        .active(true)
        .items()
        .collect::<Result<_, _>>()
        .or_else(|e| match e.is_not_found() {
            // Kratos answers 404 for an identity without sessions.
            true => Ok(Vec::new()),
            false => Err(lookup_failed(e)),
        })?;
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<14}{value}\n"));
    field("id", identity.id.to_string());
    field("found by", format!("its {how}"));
    field(
        "state",
        identity
            .state
            .as_ref()
            .map_or("-".to_string(), |s| s.as_str().to_string()),
    );
    field("schema", identity.schema_id.clone());
    if let Some(external_id) = &identity.external_id {
        field("external id", external_id.clone());
    }
    if let Some(organization) = &identity.organization_id {
        field("organization", organization.to_string());
    }
    field("traits", traits_summary(&identity.traits));
    for address in &identity.verifiable_addresses {
        field(
            "verifiable",
            format!(
                "{} ({}, {})",
                address.value,
                address.via.as_str(),
                match address.verified {
                    true => "verified",
                    false => "not verified",
                }
            ),
        );
    }
    for address in &identity.recovery_addresses {
        field(
            "recovery",
            format!("{} ({})", address.value, address.via.as_str()),
        );
    }
    let credentials: Vec<String> = identity
        .credentials
        .iter()
        .map(|(kind, c)| match c.identifiers.is_empty() {
            true => kind.clone(),
            false => format!("{kind} ({})", c.identifiers.join(", ")),
        })
        .collect();
    field(
        "credentials",
        match credentials.is_empty() {
            true => "none".to_string(),
            false => credentials.join(", "),
        },
    );
    if identity.created_at.is_some() {
        field("created", at(identity.created_at));
    }
    field("sessions", format!("{} active", sessions.len()));
    for session in &sessions {
        out.push_str(&format!(
            "  {}  authenticated {}, expires {}\n",
            session.id,
            at(session.authenticated_at),
            at(session.expires_at)
        ));
    }
    Ok(out)
}

/// A time as RFC 3339, or `-`.
fn at(time: Option<OffsetDateTime>) -> String {
    time.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".to_string())
}

/// The traits as `email=ada@example.com, name.first=Ada`: the leaves, by
/// their dotted path, at most 12.
fn traits_summary(traits: &Value) -> String {
    fn leaves(value: &Value, path: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let path = match path.is_empty() {
                        true => key.clone(),
                        false => format!("{path}.{key}"),
                    };
                    leaves(value, path, out);
                }
            }
            Value::String(s) => out.push(format!("{path}={s}")),
            other => out.push(format!("{path}={other}")),
        }
    }
    let mut out = Vec::new();
    leaves(traits, String::new(), &mut out);
    let more = out.len().saturating_sub(12);
    out.truncate(12);
    if more > 0 {
        out.push(format!("… and {more} more"));
    }
    match out.is_empty() {
        true => "none".to_string(),
        false => out.join(", "),
    }
}
