//! Generated worlds for the bulk jobs, and the invariants every one of them
//! must keep. Written once, run against the fake (`tests/invariants`) and
//! against real servers (`tests/live/invariants.rs`), always through the
//! hostile [`Proxy`](super::proxy::Proxy).
//!
//! An import world mixes valid inputs with dirty data a real migration
//! brings: password hashes Kratos cannot read or could never verify, traits
//! that break the schema, the same person twice (an identifier in another
//! case or with spaces, the same `external_id`), people already on the
//! server; and a hostile path: answers lost after the work was done, an
//! identity schema that cannot be read. The invariants:
//! - every input has exactly one outcome, and it names the input's own
//!   reason;
//! - every valid input that is not a duplicate is created exactly once;
//! - the report's counts equal what the server holds.
//!
//! An export world lists the server while writers create and delete
//! identities, killing the walk at random points and resuming it from its
//! saved position: no identity is handed out twice, and every identity
//! present from the start to the end is handed out once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use kratos_identity::uuid::Uuid;
use kratos_identity::{
    CreateIdentityBody, IdentityClient, ImportError, ImportReport, ListPosition,
};
use serde_json::{Value, json};

/// A small, seedable generator (xorshift), so that a failing world can be
/// made again from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (at least 1).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `true` with this chance, in percent.
    pub fn percent(&mut self, chance: usize) -> bool {
        self.below(100) < chance
    }
}

/// Seeds that run every time, and one fresh seed per run (printed by each
/// failure, so that the world can be made again).
pub fn seeds(fixed: &[u64]) -> Vec<u64> {
    let fresh = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    let mut seeds = fixed.to_vec();
    seeds.push(fresh);
    seeds
}

/// Hashes of the password `test` that Kratos reads and verifies.
const GOOD_HASHES: [&str; 3] = [
    "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
    "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
    "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a",
];

/// Hashes of no format Kratos knows: both versions refuse a whole batch
/// holding one.
const UNREADABLE_HASHES: [&str; 3] = ["notahash", "$unknown$c2FsdA$aGFzaA", "md5:oops"];

/// Hashes of a known format that do not parse: v26.2.0 stores them (the
/// user can never log in), master refuses the whole batch.
const UNUSABLE_HASHES: [&str; 3] = [
    "$argon2id$v=19$m=abc",
    "$pbkdf2-sha256$i=abc$x$y",
    "$2a$10$tooshort",
];

/// What one generated input is, and so what its outcome must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Created.
    Valid,
    /// A hash Kratos cannot read: refused by the client, never sent.
    UnreadableHash,
    /// A hash Kratos could never verify: refused by the client.
    UnusableHash,
    /// Traits the schema refuses: rejected by the server, for itself.
    BreaksSchema,
    /// The same person as input `of` (its email in other letters).
    SameEmailAs(usize),
    /// The same person as input `of` (its email with spaces around it):
    /// without the schema the client cannot know it is an identifier, and
    /// the server refuses the spaces.
    SpacedEmailOf(usize),
    /// The same `external_id` as input `of`.
    SameExternalIdAs(usize),
    /// A valid input with the email of input `of`, which the server
    /// refuses for its traits: this one is the person to create.
    AfterRefused(usize),
    /// On the server before the import began: already existed.
    Stored,
}

/// One generated import.
pub struct ImportWorld {
    pub seed: u64,
    /// The email domain of everything this world creates.
    pub domain: String,
    pub inputs: Vec<(Kind, CreateIdentityBody)>,
    /// Created on the server before the import (the inputs of kind
    /// [`Kind::Stored`] are the same people).
    pub stored: Vec<CreateIdentityBody>,
    /// Every n-th batch request's answer is lost after Kratos did the work.
    pub lose_every: Option<usize>,
    /// The identity schema cannot be read.
    pub schema_down: bool,
    pub chunk_size: usize,
}

impl std::fmt::Display for ImportWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (kind, _) in &self.inputs {
            let name = match kind {
                Kind::Valid => "valid",
                Kind::UnreadableHash => "unreadable hash",
                Kind::UnusableHash => "unusable hash",
                Kind::BreaksSchema => "breaks the schema",
                Kind::SameEmailAs(_) | Kind::SpacedEmailOf(_) | Kind::SameExternalIdAs(_) => {
                    "duplicate"
                }
                Kind::AfterRefused(_) => "valid after a refused one",
                Kind::Stored => "already stored",
            };
            *counts.entry(name).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort();
        write!(
            f,
            "seed {}: {} inputs {counts:?}, chunks of {}, answers lost every {:?} batches, schema {}",
            self.seed,
            self.inputs.len(),
            self.chunk_size,
            self.lose_every,
            if self.schema_down { "down" } else { "readable" }
        )
    }
}

impl ImportWorld {
    /// A world of `n` inputs from `seed`, under an email domain of its own
    /// inside `domain`.
    pub fn generate(seed: u64, n: usize, domain: &str) -> ImportWorld {
        let mut rng = Rng::new(seed);
        let domain = format!("w{}.{domain}", seed % 1_000_000_007);
        let mut inputs: Vec<(Kind, CreateIdentityBody)> = Vec::with_capacity(n);
        let mut stored = Vec::new();
        let mut valid: Vec<usize> = Vec::new();
        // Refused inputs with a valid email, not yet followed by another.
        let mut refused_emails: Vec<(usize, String)> = Vec::new();
        for i in 0..n {
            let email = format!("u{i}@{domain}");
            let person = |email: &str, first: &str| {
                CreateIdentityBody::new(
                    "default",
                    json!({"email": email, "name": {"first": first}}),
                )
            };
            let roll = rng.below(100);
            let (kind, body) = match roll {
                0..=5 => {
                    let hash = UNREADABLE_HASHES[rng.below(UNREADABLE_HASHES.len())];
                    (
                        Kind::UnreadableHash,
                        person(&email, "Hash").hashed_password(hash),
                    )
                }
                6..=11 => {
                    let hash = UNUSABLE_HASHES[rng.below(UNUSABLE_HASHES.len())];
                    (
                        Kind::UnusableHash,
                        person(&email, "Hash").hashed_password(hash),
                    )
                }
                12..=19 => {
                    let traits = match rng.below(3) {
                        0 => json!({"email": format!("not-an-email-{i}")}),
                        1 => json!({"name": {"first": "No email"}}),
                        _ => {
                            refused_emails.push((i, email.clone()));
                            json!({"email": email, "name": {"first": 7}})
                        }
                    };
                    // An external id to look it up by: an input with no
                    // key at all whose answer is lost can only be of
                    // unknown outcome (sending it again could create it
                    // twice).
                    let body = CreateIdentityBody::new("default", traits)
                        .external_id(format!("ext-{seed}-{i}"));
                    (Kind::BreaksSchema, body)
                }
                20..=29 if !valid.is_empty() => {
                    let of = valid[rng.below(valid.len())];
                    let original = &inputs[of].1;
                    let their = original.traits["email"].as_str().unwrap_or_default();
                    match rng.below(3) {
                        0 => (
                            Kind::SameEmailAs(of),
                            person(&their.to_uppercase(), "Again"),
                        ),
                        1 => (
                            Kind::SpacedEmailOf(of),
                            person(&format!("  {their} "), "Again"),
                        ),
                        _ => match original.external_id.clone() {
                            Some(external) => (
                                Kind::SameExternalIdAs(of),
                                person(&email, "Other").external_id(external),
                            ),
                            None => (
                                Kind::SameEmailAs(of),
                                person(&their.to_uppercase(), "Again"),
                            ),
                        },
                    }
                }
                35..=37 if !refused_emails.is_empty() => {
                    let (of, their) = refused_emails.swap_remove(rng.below(refused_emails.len()));
                    (
                        Kind::AfterRefused(of),
                        person(&their.to_uppercase(), "Second try"),
                    )
                }
                30..=34 => {
                    let body = person(&email, "Stored");
                    stored.push(body.clone());
                    (Kind::Stored, body)
                }
                _ => {
                    let mut body = person(&email, "Valid");
                    if rng.percent(40) {
                        body = body.external_id(format!("ext-{seed}-{i}"));
                    }
                    if rng.percent(50) {
                        body = body.hashed_password(GOOD_HASHES[rng.below(GOOD_HASHES.len())]);
                    }
                    valid.push(i);
                    (Kind::Valid, body)
                }
            };
            inputs.push((kind, body));
        }
        ImportWorld {
            seed,
            domain,
            inputs,
            stored,
            // Every second to fourth answer lost: the resends of what a
            // lookup finds not created get through (with every answer
            // lost, an input the server refuses can only be NotCreated).
            lose_every: match rng.below(3) {
                0 => None,
                _ => Some(2 + rng.below(3)),
            },
            schema_down: rng.percent(40),
            chunk_size: [7, 50, 1000][rng.below(3)],
        }
    }

    /// The proxy's policy for this world.
    pub fn policy(&self) -> Box<super::proxy::Policy> {
        use super::proxy::Action;
        let lose_every = self.lose_every;
        let schema_down = self.schema_down;
        Box::new(move |method, path, seen| {
            if schema_down && method == "GET" && path.starts_with("/schemas/") {
                return Action::Refuse(500);
            }
            match lose_every {
                Some(n) if method == "PATCH" && path == "/admin/identities" && seen % n == 0 => {
                    Action::LoseAnswer(502)
                }
                _ => Action::Forward,
            }
        })
    }

    /// Stores the people of kind [`Kind::Stored`] (through `direct`, a
    /// client without the proxy).
    pub fn store(&self, direct: &IdentityClient) -> Result<(), String> {
        for body in &self.stored {
            direct
                .create_identity(body.clone())
                .send()
                .map_err(|e| format!("{self}: storing an identity: {e:#}"))?;
        }
        Ok(())
    }

    /// Checks the invariants of an import of this world: its report, and
    /// the server's state read through `direct`. `Ok` with a line of what
    /// the import cost.
    pub fn check(&self, report: &ImportReport, direct: &IdentityClient) -> Result<String, String> {
        let fail = |what: String| Err(format!("{self}\n  {what}\n  report: {report}"));
        let n = self.inputs.len();
        if report.stopped().is_some() || report.inputs_read() != n || report.total != n {
            return fail(format!(
                "the import did not read its input to the end: {} of {n} read, {} outcomes",
                report.inputs_read(),
                report.total
            ));
        }
        // Exactly one outcome per input.
        let mut outcome: Vec<Option<Result<Uuid, &ImportError>>> = vec![None; n];
        let mut place = |index: usize, result| {
            match outcome.get_mut(index) {
                Some(slot @ None) => *slot = Some(result),
                Some(Some(_)) => return Err(format!("input {index} has two outcomes")),
                None => return Err(format!("an outcome for input {index}, of {n}")),
            }
            Ok(())
        };
        for (index, id) in &report.created_ids {
            if let Err(e) = place(*index, Ok(*id)) {
                return fail(e);
            }
        }
        for failure in report.already_existed.iter().chain(&report.failures) {
            if let Err(e) = place(failure.index, Err(&failure.error)) {
                return fail(e);
            }
        }
        let schema_read = !self.schema_down;
        for (index, (kind, _)) in self.inputs.iter().enumerate() {
            let Some(result) = outcome[index] else {
                return fail(format!("input {index} ({kind:?}) has no outcome"));
            };
            let right = match (kind, result) {
                (Kind::Valid | Kind::AfterRefused(_), Ok(_)) => true,
                (Kind::UnreadableHash | Kind::UnusableHash, Err(e)) => {
                    matches!(e, ImportError::InvalidPasswordHash(_))
                        && e.to_string().contains("hash")
                }
                (Kind::BreaksSchema, Err(ImportError::Rejected(_))) => true,
                (Kind::SameEmailAs(of), Err(ImportError::Duplicate { of: first, .. }))
                | (Kind::SameExternalIdAs(of), Err(ImportError::Duplicate { of: first, .. }))
                | (Kind::SpacedEmailOf(of), Err(ImportError::Duplicate { of: first, .. })) => {
                    first == of
                }
                // Without the schema, the spaces are Kratos's to refuse.
                (Kind::SpacedEmailOf(_), Err(ImportError::Rejected(_))) => !schema_read,
                (Kind::Stored, Err(ImportError::AlreadyExists(_))) => true,
                _ => false,
            };
            if !right {
                let got = match result {
                    Ok(id) => format!("created {id}"),
                    Err(e) => format!("{e}"),
                };
                return fail(format!(
                    "input {index} is {kind:?}, and its outcome is: {got}"
                ));
            }
        }
        // The server holds what the report says, each once.
        let on_server = self.on_server(direct)?;
        let mut by_email: HashMap<String, Uuid> = HashMap::new();
        for (id, email) in &on_server {
            if by_email.insert(email.clone(), *id).is_some() {
                return fail(format!(
                    "two identities on the server have the email of {id}"
                ));
            }
        }
        if on_server.len() != self.stored.len() + report.created {
            return fail(format!(
                "the server holds {} identities of this world, {} stored before and {} reported created",
                on_server.len(),
                self.stored.len(),
                report.created
            ));
        }
        for (index, id) in &report.created_ids {
            let email = self.inputs[*index].1.traits["email"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            if by_email.get(&email) != Some(id) {
                return fail(format!(
                    "input {index} was reported created as {id}, which the server does not hold with its email"
                ));
            }
        }
        Ok(format!(
            "{}: {} created, {} already existed, {} failed; {} lookups, {} resent",
            self,
            report.created,
            report.already_existed.len(),
            report.failures.len(),
            report.lookups,
            report.resent
        ))
    }

    /// The identities of this world on the server: id and email.
    fn on_server(&self, direct: &IdentityClient) -> Result<Vec<(Uuid, String)>, String> {
        let suffix = format!("@{}", self.domain);
        let mut found = Vec::new();
        for identity in direct.list_identities().page_size(500).items() {
            let identity = identity.map_err(|e| format!("{self}: listing: {e:#}"))?;
            // Kratos keeps a trait as written; its identifier, lower-cased.
            if let Some(email) = identity.traits["email"].as_str().map(str::to_lowercase)
                && email.ends_with(&suffix)
            {
                found.push((identity.id, email));
            }
        }
        Ok(found)
    }

    /// Deletes every identity of this world.
    pub fn clean_up(&self, direct: &IdentityClient) {
        if let Ok(found) = self.on_server(direct) {
            for (id, _) in found {
                let _ = direct.delete_identity(id).missing_ok(true).send();
            }
        }
    }
}

/// An export while writers create and delete identities, killed at random
/// points and resumed from its saved position each time. Returns what it
/// did, or the broken invariant.
///
/// `stable` identities are created first and left alone; the writers add
/// and remove others under the same domain (their ids land anywhere, also
/// inside pages already handed out) until the walk ends.
pub fn export_with_writers(
    client: &IdentityClient,
    seed: u64,
    domain: &str,
    stable: usize,
) -> Result<String, String> {
    let mut rng = Rng::new(seed);
    let domain = format!("x{}.{domain}", seed % 1_000_000_007);
    let context = format!("export seed {seed}");
    let mut kept: HashSet<Uuid> = HashSet::new();
    let bodies = (0..stable)
        .map(|i| CreateIdentityBody::new("default", json!({"email": format!("s{i}@{domain}")})));
    let report = client.import_identities(bodies).send();
    if !report.is_success() {
        return Err(format!(
            "{context}: creating the stable identities: {report}"
        ));
    }
    kept.extend(report.created_ids.iter().map(|(_, id)| *id));

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let client = client.clone();
        let stop = Arc::clone(&stop);
        let domain = domain.clone();
        thread::spawn(move || {
            let (mut created, mut deleted, mut live): (usize, usize, Vec<Uuid>) =
                (0, 0, Vec::new());
            while !stop.load(Ordering::SeqCst) {
                let body = CreateIdentityBody::new(
                    "default",
                    json!({"email": format!("w{created}@{domain}")}),
                );
                if let Ok(identity) = client.create_identity(body).send() {
                    live.push(identity.id);
                    created += 1;
                }
                if live.len() > 3 {
                    let victim = live.remove(created % live.len());
                    if client
                        .delete_identity(victim)
                        .missing_ok(true)
                        .send()
                        .is_ok()
                    {
                        deleted += 1;
                    }
                }
                thread::sleep(Duration::from_millis(2));
            }
            (created, deleted, live)
        })
    };

    let page_size = 5 + rng.below(40) as u32;
    // Between runs, while the export is "dead", more writes: created ids
    // land anywhere, more and more of them inside pages already handed
    // out; deleted ones are the burst's own.
    let mut burst = Vec::new();
    let mut burst_writes = 0;
    let mut handed: Vec<Uuid> = Vec::new();
    let mut saved: Option<String> = None;
    let mut kills = 0;
    let result = loop {
        let position: Option<ListPosition> = match saved.as_deref().map(serde_json::from_str) {
            Some(Ok(position)) => Some(position),
            Some(Err(e)) => {
                break Err(format!(
                    "{context}: the saved position does not read back: {e}"
                ));
            }
            None => None,
        };
        let list = client.list_identities().page_size(page_size).raw();
        let list = match &position {
            Some(position) => list.resume(position),
            None => list,
        };
        let mut items = list.items().prefetch(rng.percent(50));
        let take = 1 + rng.below(page_size as usize);
        let mut failed = None;
        for item in items.by_ref().take(take) {
            match item {
                Ok(raw) => {
                    let id: Value = serde_json::from_str(raw.get()).unwrap_or_default();
                    match id["id"].as_str().and_then(|id| Uuid::parse_str(id).ok()) {
                        Some(id) => handed.push(id),
                        None => failed = Some(format!("{context}: an item without an id")),
                    }
                }
                Err(e) => failed = Some(format!("{context}: the walk failed: {e:#}")),
            }
        }
        if let Some(failed) = failed {
            break Err(failed);
        }
        let position = items.resume_position();
        match serde_json::to_string(&position) {
            Ok(text) => saved = Some(text),
            Err(e) => break Err(format!("{context}: the position does not serialize: {e}")),
        }
        // Dropped here: killed.
        if position.is_finished() {
            break Ok(());
        }
        for _ in 0..2 {
            let body = CreateIdentityBody::new(
                "default",
                json!({"email": format!("b{burst_writes}@{domain}")}),
            );
            if let Ok(identity) = client.create_identity(body).send() {
                burst.push(identity.id);
                burst_writes += 1;
            }
        }
        if burst.len() > 2 {
            let victim = burst.swap_remove(rng.below(burst.len()));
            if client
                .delete_identity(victim)
                .missing_ok(true)
                .send()
                .is_ok()
            {
                burst_writes += 1;
            }
        }
        kills += 1;
        if kills > 100_000 {
            break Err(format!("{context}: the walk never finished"));
        }
    };
    stop.store(true, Ordering::SeqCst);
    let (created, deleted, live) = writer.join().unwrap_or_default();
    // Clean up what this world made, whatever happened.
    for id in kept.iter().chain(&live).chain(&burst) {
        let _ = client.delete_identity(*id).missing_ok(true).send();
    }
    result?;

    let mut once: HashSet<Uuid> = HashSet::new();
    for id in &handed {
        if !once.insert(*id) {
            return Err(format!(
                "{context}: identity {id} was handed out twice (page size {page_size}, {kills} kills, writers created {created} and deleted {deleted})"
            ));
        }
    }
    let missing: Vec<&Uuid> = kept.iter().filter(|id| !once.contains(id)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{context}: {} identities present throughout were never handed out (page size {page_size}, {kills} kills), e.g. {}",
            missing.len(),
            missing[0]
        ));
    }
    Ok(format!(
        "{context}: {} handed out in {} runs of page size {page_size}, while writers created {created} and deleted {deleted}, and {burst_writes} writes came between runs",
        handed.len(),
        kills + 1
    ))
}
