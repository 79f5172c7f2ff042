//! Bulk import: any number of [`CreateIdentityBody`]s, sent in chunks the
//! server accepts, with exactly one outcome per input, in input order, that
//! says what is true on the server: created, already there, a duplicate of
//! an earlier input, refused, or (only when lookups cannot settle it) of
//! unknown outcome.
//!
//! - `mod.rs`: the builder ([`ImportIdentities`]) and its settings;
//! - `run.rs`: the running import ([`ImportOutcomes`]);
//! - `chunk.rs`: the inputs of one request and the pairing of its answer;
//! - `keys.rs`: what Kratos holds unique per input, from its identity schema;
//! - `resolve.rs`: looking an input up on the server;
//! - `outcome.rs` and `position.rs`: what the import tells, and where it stands.

mod chunk;
mod keys;
mod outcome;
mod position;
mod resolve;
mod run;

use std::fmt;
use std::time::Duration;

use crate::client::IdentityClient;
use crate::http::transport::clamp;
use crate::models::CreateIdentityBody;

pub use keys::IdentifierKind;
pub use outcome::{ImportCheck, ImportError, ImportFailure, ImportOutcome, ImportReport};
pub use position::ImportPosition;
pub use run::ImportOutcomes;

/// The most identities Kratos accepts in one batch request.
pub const MAX_CHUNK_SIZE: usize = 1000;
/// The most identities Kratos accepts in one batch request when any of them
/// carries a plaintext password.
pub const MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS: usize = 200;
/// The default number of identities per batch when any of them carries a
/// plaintext password. Kratos hashes those passwords one after another
/// inside the request (bcrypt at cost 12: about 0.25 s each), so a chunk of
/// 50 answers after about 12.5 s, far within the 2-minute
/// [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT); a chunk of 200
/// would take close to a minute, and a batch that times out cannot be
/// safely sent again.
pub const DEFAULT_PLAINTEXT_CHUNK_SIZE: usize = 50;
/// The default cap on one request body: safely under the self-hosted admin
/// server's 5 MiB limit.
pub const DEFAULT_MAX_CHUNK_BYTES: usize = 4_500_000;
/// The default cap on the extra requests spent splitting one chunk that
/// Kratos refused as a whole: twice the largest chunk, which no split of a
/// chunk of 1,000 reaches however many of its inputs are bad, so every
/// refused input gets its own outcome and every other one is created. What
/// a split costs: see the [bulk import chapter](crate::guide::bulk_import#one-bad-input-costs-only-itself).
pub const DEFAULT_MAX_SPLIT_REQUESTS: usize = 2 * MAX_CHUNK_SIZE;
/// The default number of times an input of unknown outcome that a lookup
/// found not created is sent again. See [`ImportIdentities::max_resends`].
pub const DEFAULT_MAX_RESENDS: usize = 2;
/// `{"identities":[` and `]}`.
const ENVELOPE_BYTES: usize = 17;

impl IdentityClient {
    /// Imports identities in bulk: `PATCH /admin/identities`
    /// ([`batch_patch_identities`](Self::batch_patch_identities)), in chunks
    /// the server accepts, with exactly one outcome per input that says what
    /// is true on the server.
    ///
    /// Returns an [`ImportIdentities`] builder. Its
    /// [`send`](ImportIdentities::send) runs the whole import and returns an
    /// [`ImportReport`]; its [`outcomes`](ImportIdentities::outcomes) yields
    /// one [`ImportOutcome`] per input instead, lazily, a chunk at a time
    /// ([`ImportOutcomes`]). The input is any iterator of
    /// [`CreateIdentityBody`], read only as the chunks fill, so a million
    /// identities need not be in memory at once.
    ///
    /// What the import does so that no input is lost, doubled or left for
    /// you to look up (duplicates found before sending, hashes and
    /// credential types checked, refused chunks split, unknown outcomes
    /// settled by lookups, resuming after a crash), what it costs, and when
    /// it stops: see the [bulk import chapter](crate::guide::bulk_import).
    ///
    /// # Setters
    /// - [`chunk_size`](ImportIdentities::chunk_size): identities per
    ///   request, 1 to 1000 (default 1000).
    /// - [`plaintext_chunk_size`](ImportIdentities::plaintext_chunk_size):
    ///   identities per request when any carries a plaintext password, 1 to
    ///   200 (default 50).
    /// - [`max_chunk_bytes`](ImportIdentities::max_chunk_bytes): the largest
    ///   request body, in bytes (default [`DEFAULT_MAX_CHUNK_BYTES`]).
    /// - [`timeout`](ImportIdentities::timeout): the timeout of each batch
    ///   request (default [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT),
    ///   2 min).
    /// - [`deadline`](ImportIdentities::deadline): the deadline of each batch
    ///   request, its retries included (default: the client's, 4 minutes).
    /// - [`stop_after_failed_chunks`](ImportIdentities::stop_after_failed_chunks):
    ///   how many requests in a row may fail in a way the next would too
    ///   before the import stops (default 1; `0` never stops for that).
    /// - [`max_split_requests`](ImportIdentities::max_split_requests): the
    ///   most extra requests spent splitting one refused chunk (default
    ///   [`DEFAULT_MAX_SPLIT_REQUESTS`], 2000; `0` never splits).
    /// - [`resolve_unknown`](ImportIdentities::resolve_unknown): settle
    ///   unknown outcomes by lookups (default `true`).
    /// - [`max_resends`](ImportIdentities::max_resends): how often an input
    ///   found not created is sent again (default [`DEFAULT_MAX_RESENDS`], 2).
    /// - [`verify_conflicts`](ImportIdentities::verify_conflicts): tell a
    ///   409 for this very record from another identity holding the
    ///   identifier (default `false`).
    /// - [`resume`](ImportIdentities::resume),
    ///   [`inputs_start_at`](ImportIdentities::inputs_start_at),
    ///   [`checkpoint`](ImportIdentities::checkpoint): continue an earlier
    ///   run, and save where this one stands.
    ///
    /// # Errors
    /// The import as a whole never fails: `send()` returns a report, not a
    /// `Result`. Each input that was not created has its own
    /// [`ImportError`]; the [chapter's table](crate::guide::bulk_import#what-each-outcome-means)
    /// says what each means and whether the input may exist. An import that
    /// stopped says why ([`ImportReport::stopped`]) and where to resume
    /// ([`ImportReport::resume_position`]).
    ///
    /// # Kratos versions
    /// - v26.2.0 imports only `password`, `oidc` and `saml` credentials and
    ///   refuses a whole batch with 400 when one input carries `totp`,
    ///   `lookup_secret`, `webauthn` or `passkey` credentials: the import
    ///   asks the server's version and refuses those inputs before sending
    ///   ([`CredentialNotImportable`](ImportError::CredentialNotImportable)).
    ///   Master imports them all. To leave such credentials out instead,
    ///   convert for the target's version
    ///   ([`CreateIdentityBody::from_identity_lossy_for`], with
    ///   [`get_version`](Self::get_version)).
    /// - Each refuses or stores unusable its own set of password hashes
    ///   (see the [password hashes chapter](crate::guide::password_hashes)),
    ///   some with the whole batch. The client refuses each such input
    ///   before sending, by the target's rules
    ///   ([`InvalidPasswordHash`](ImportError::InvalidPasswordHash)).
    ///
    /// # Example
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// # client.import_identities([kratos_identity::CreateIdentityBody::new("default", serde_json::json!({"email": "grace@example.com"}))]).send();
    /// use kratos_identity::CreateIdentityBody;
    /// use serde_json::json;
    ///
    /// // Grace exists already; Ada comes twice (Kratos lower-cases emails).
    /// let people = ["ada@example.com", "grace@example.com", "ADA@example.com"]
    ///     .map(|email| CreateIdentityBody::new("default", json!({ "email": email })));
    /// let report = client.import_identities(people).chunk_size(500).send();
    /// // 1 created, 1 already existed, 1 failed (1 duplicate within the import)
    /// println!("{report}");
    /// assert_eq!(report.created, 1);
    /// assert_eq!(report.already_existed.len(), 1);
    /// for failure in &report.failures {
    ///     // input 2: not created: a duplicate of input 0 (the same password identifier), which came first
    ///     eprintln!("input {}: {}", failure.index, failure.error);
    /// }
    /// assert!(!report.is_success());
    /// # }
    /// ```
    pub fn import_identities<I>(&self, identities: I) -> ImportIdentities<I::IntoIter>
    where
        I: IntoIterator<Item = CreateIdentityBody>,
    {
        ImportIdentities {
            client: self.clone(),
            input: identities.into_iter(),
            chunk_size: MAX_CHUNK_SIZE,
            plaintext_chunk_size: DEFAULT_PLAINTEXT_CHUNK_SIZE,
            max_chunk_bytes: DEFAULT_MAX_CHUNK_BYTES,
            timeout: None,
            deadline: None,
            stop_after: 1,
            max_split_requests: DEFAULT_MAX_SPLIT_REQUESTS,
            resolve_unknown: true,
            verify_conflicts: false,
            max_resends: DEFAULT_MAX_RESENDS,
            resume: None,
            inputs_start_at: 0,
            checkpoint: None,
            concurrency: 1,
        }
    }
}

/// What [`ImportIdentities::checkpoint`] calls with each position.
type SaveCheckpoint = Box<dyn FnMut(&ImportPosition) + Send>;

/// A bulk import, ready to run; see [`IdentityClient::import_identities`].
#[must_use = "an import does nothing until .send() or .outcomes() is used"]
pub struct ImportIdentities<I> {
    client: IdentityClient,
    input: I,
    chunk_size: usize,
    plaintext_chunk_size: usize,
    max_chunk_bytes: usize,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    stop_after: usize,
    max_split_requests: usize,
    resolve_unknown: bool,
    verify_conflicts: bool,
    max_resends: usize,
    resume: Option<ImportPosition>,
    inputs_start_at: usize,
    checkpoint: Option<SaveCheckpoint>,
    concurrency: usize,
}

impl<I> fmt::Debug for ImportIdentities<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportIdentities")
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("plaintext_chunk_size", &self.plaintext_chunk_size)
            .field("max_chunk_bytes", &self.max_chunk_bytes)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("stop_after_failed_chunks", &self.stop_after)
            .field("max_split_requests", &self.max_split_requests)
            .field("resolve_unknown", &self.resolve_unknown)
            .field("verify_conflicts", &self.verify_conflicts)
            .field("max_resends", &self.max_resends)
            .field("resume", &self.resume)
            .field("inputs_start_at", &self.inputs_start_at)
            .field("checkpoint", &self.checkpoint.is_some())
            .finish_non_exhaustive()
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> ImportIdentities<I> {
    /// Identities per request, 1 to [`MAX_CHUNK_SIZE`] (values outside are
    /// clamped). Default: 1000.
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = size.clamp(1, MAX_CHUNK_SIZE);
        self
    }

    /// Identities per request when any of them carries a plaintext
    /// password, 1 to [`MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS`] (values
    /// outside are clamped). Default: [`DEFAULT_PLAINTEXT_CHUNK_SIZE`] (50),
    /// sized so that Kratos hashing the chunk's passwords one after another
    /// answers well within the batch timeout.
    pub fn plaintext_chunk_size(mut self, size: usize) -> Self {
        self.plaintext_chunk_size = size.clamp(1, MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS);
        self
    }

    /// The largest request body in bytes. Default:
    /// [`DEFAULT_MAX_CHUNK_BYTES`]. An identity that alone exceeds it fails
    /// with [`ImportError::TooLarge`] and is not sent.
    pub fn max_chunk_bytes(mut self, bytes: usize) -> Self {
        self.max_chunk_bytes = bytes;
        self
    }

    /// The timeout of each batch request, replacing
    /// [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT) (2 min). A
    /// chunk that times out is reported as [`ImportError::OutcomeUnknown`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(clamp(timeout));
        self
    }

    /// The deadline of each batch request, its retries and waits included,
    /// replacing the client's [`deadline`](crate::ClientBuilder::deadline)
    /// (default: twice the batch timeout, 4 minutes). It bounds each
    /// request, not the whole import; zero is refused (the import stops at
    /// its first chunk, sending nothing).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(clamp(deadline));
        self
    }

    /// Stops the import once `n` requests in a row (chunks, or parts of a
    /// split chunk) have failed in a way the next one would too: the server
    /// could not be reached (DNS, connect, TLS), refused the credentials
    /// (401, 403), kept rate limiting (429 after the retries), or the
    /// request could not be built (a zero timeout). Default: 1 (the first
    /// such chunk stops it); `0` never stops for those. Other failures of a
    /// whole chunk (a 5xx, a timeout) do not stop it: their inputs are
    /// looked up, and the next chunk may well succeed. The import's other
    /// reasons to stop, whatever this setting, and what a stop leaves: see
    /// the [bulk import chapter](crate::guide::bulk_import#a-server-that-refuses-everything-stops-it-bad-data-never-does).
    pub fn stop_after_failed_chunks(mut self, n: usize) -> Self {
        self.stop_after = n;
        self
    }

    /// The most extra requests spent splitting one chunk that Kratos
    /// refused as a whole with 400, 409 or 413 (what a split costs: see
    /// the [bulk import chapter](crate::guide::bulk_import#one-bad-input-costs-only-itself)). Default:
    /// [`DEFAULT_MAX_SPLIT_REQUESTS`] (2000, more than any split of a chunk
    /// of 1000 needs). Past it, the inputs of that chunk not yet created or
    /// isolated are reported as [`ImportError::NotCreated`] with the
    /// refusal of the request that carried them; `0` never splits.
    pub fn max_split_requests(mut self, requests: usize) -> Self {
        self.max_split_requests = requests;
        self
    }

    /// Settles inputs of unknown outcome by looking them up (default:
    /// `true`). After a timeout, a 5xx, a connection that broke, or an
    /// answer without an entry for an input, each such input is looked up
    /// by its `external_id`, else by a login identifier its identity schema
    /// derives: found as this input (the same `external_id`, or the same
    /// traits), it was created, and its outcome is its id, unless the
    /// server created that identity before the request was sent: then it
    /// was already there, and is [`ImportError::AlreadyExists`]. "Before"
    /// is judged by the server's clock (the `Date` of the answer before the
    /// request, with a second's margin), or, for inputs of an earlier run,
    /// by the client's clock at the import's first start (kept in the
    /// [`ImportPosition`], with 30 s for the two clocks): an identity
    /// someone else created just before counts as this import's. Held by another
    /// identity, it already existed ([`ImportError::AlreadyExists`], or
    /// [`ImportError::IdentifierTaken`] with
    /// [`verify_conflicts(true)`](Self::verify_conflicts)); not found, it
    /// was not created, and it is sent again (at most
    /// [`max_resends`](Self::max_resends) times; each resend's outcome is
    /// the input's). An input with nothing to look it up by, or whose
    /// lookup fails, stays [`ImportError::OutcomeUnknown`].
    /// [`ImportReport::lookups`] and [`ImportReport::resent`] say what it
    /// cost. With `false`, such inputs are reported as
    /// [`ImportError::OutcomeUnknown`] (or [`ImportError::NoResult`]) at once.
    pub fn resolve_unknown(mut self, on: bool) -> Self {
        self.resolve_unknown = on;
        self
    }

    /// Tells the two meanings of a 409 apart (default: `false`). Without
    /// it, an input refused with 409 is [`ImportError::AlreadyExists`]:
    /// some identity holds its identifier or `external_id`. With it, each
    /// such input is looked up by every key: the stored identity is this
    /// input (the same `external_id`, or the same traits), which stays
    /// `AlreadyExists` and counts as a success, or another identity holds
    /// the identifier, which is [`ImportError::IdentifierTaken`], a
    /// failure (or [`ImportError::Duplicate`] when this import created that
    /// identity for an earlier input). One or more lookups per conflict.
    /// Inputs whose identity schema could not be read are always looked
    /// up so, by their string traits, setting or not: see
    /// [`ImportError::ConflictUnverified`].
    pub fn verify_conflicts(mut self, on: bool) -> Self {
        self.verify_conflicts = on;
        self
    }

    /// How many times an input of unknown outcome that a lookup found not
    /// created is sent again (see [`resolve_unknown`](Self::resolve_unknown)).
    /// Default: [`DEFAULT_MAX_RESENDS`] (2); `0` looks up but never resends.
    pub fn max_resends(mut self, n: usize) -> Self {
        self.max_resends = n;
        self
    }

    /// Up to `n` batch requests in flight at once (default 1; `0` is 1).
    ///
    /// Kratos spends its time in a batch hashing and inserting, on the
    /// server's CPU and database; a second batch in flight lets it use a
    /// second core while the first waits on the database. What that gains
    /// depends on the server; `DEVELOPMENT.md` has a measurement.
    ///
    /// Every guarantee holds as with one: duplicates are found across the
    /// whole input before anything is sent (inputs are read, checked and
    /// put in chunks in order, on the calling thread); each chunk's answer
    /// is settled in input order, with its splits, lookups and resends; the
    /// outcomes come in input order; and the position handed to
    /// [`checkpoint`](Self::checkpoint) before each chunk is sent lists
    /// every input of every chunk in flight as unsettled, so a job killed
    /// with batches in flight looks them up on [`resume`](Self::resume)
    /// instead of sending them again.
    ///
    /// Against Ory Network (`*.oryapis.com`), which refuses concurrent
    /// writes to the same path, the import sends one batch at a time and
    /// says so in a warning; against any server that answers a batch sent
    /// beside others with 429, it sends that batch again and goes on one at
    /// a time, with a warning.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Continues an import where an earlier run stopped: `position` is the
    /// [`ImportOutcomes::resume_position`] (or [`ImportReport::resume_position`]) that run
    /// saved, and the inputs are the same, from the first. The inputs it
    /// settled are read (to find duplicates across both runs) but not sent
    /// and get no outcome; the ones it left unsettled are settled (those
    /// that may exist are looked up first, and sent only when they are not
    /// on the server); then the import goes on. Outcome indices are those of
    /// the whole input, as in the first run. Inputs that end before the
    /// position's [`read`](ImportPosition::read) are not the job's: the
    /// import stops, saying so ([`ImportReport::stopped`]), rather than
    /// report a success for inputs it never saw (with
    /// [`inputs_start_at`](Self::inputs_start_at), where a live source may
    /// have lost identities meanwhile, it logs a warning instead).
    ///
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// use kratos_identity::{CreateIdentityBody, ImportPosition};
    /// use serde_json::json;
    ///
    /// let inputs = || (0..4).map(|i| CreateIdentityBody::new("default", json!({ "email": format!("user{i}@example.com") })));
    /// let first = client.import_identities(inputs().take(2)).send();
    /// let saved: ImportPosition = first.resume_position().clone(); // kept in a checkpoint file
    ///
    /// let rest = client.import_identities(inputs()).resume(&saved).send();
    /// assert_eq!(rest.total, 2); // inputs 2 and 3
    /// assert_eq!(rest.created_ids[0].0, 2);
    /// # }
    /// ```
    pub fn resume(mut self, position: &ImportPosition) -> Self {
        self.resume = Some(position.clone());
        self
    }

    /// Says that the inputs given start at input `index` of the whole
    /// import: the earlier ones, settled by an earlier run, are not read
    /// again (default: 0, the inputs start at the first). For a job that
    /// cannot read its inputs again cheaply (a migration reading them from
    /// another Kratos): give the inputs from
    /// [`ImportPosition::first_unsettled`] on, with that index here and the
    /// position to [`resume`](Self::resume). Duplicates of inputs before
    /// `index` are then not found by this run (a 409 still refuses them).
    pub fn inputs_start_at(mut self, index: usize) -> Self {
        self.inputs_start_at = index;
        self
    }

    /// Calls `save` with the import's position just before each chunk is
    /// sent, for a job that must resume exactly after a crash (even `kill
    /// -9`): save the position (atomically) in `save`, and a run resumed
    /// from the last one saved creates no input twice and settles every
    /// one. The inputs of the chunks that were on their way when the job
    /// died are looked up before anything is sent: one found is not sent
    /// again; one not found is, and if the dead job's batch was still being
    /// processed by the server at that moment (Kratos commits a batch at
    /// its end), Kratos's unique identifiers refuse the second one with
    /// 409, which is looked up and reported as created. Every outcome handed
    /// out before the call has been handled by the caller's loop (the call
    /// happens inside `next()`), so state the job keeps beside the position
    /// (counts, an output file's length) is consistent with it. Saving after
    /// the import ends is the caller's: use [`ImportOutcomes::resume_position`]
    /// then.
    ///
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// use std::sync::{Arc, Mutex};
    /// use kratos_identity::{CreateIdentityBody, ImportPosition};
    /// use serde_json::json;
    ///
    /// let saved: Arc<Mutex<Option<String>>> = Arc::default();
    /// let keep = Arc::clone(&saved);
    /// let people = (0..3).map(|i| CreateIdentityBody::new("default", json!({ "email": format!("u{i}@example.com") })));
    /// let report = client
    ///     .import_identities(people)
    ///     .chunk_size(2)
    ///     .checkpoint(move |position| {
    ///         // A real job writes a file: a temporary one, synced, renamed over the last.
    ///         *keep.lock().unwrap() = serde_json::to_string(position).ok();
    ///     })
    ///     .send();
    /// assert!(report.is_success());
    /// // Saved before the second chunk: inputs 0 and 1 settled, input 2 on its way.
    /// let last: ImportPosition = serde_json::from_str(saved.lock().unwrap().as_deref().unwrap())?;
    /// assert_eq!((last.read(), last.unresolved()), (3, &[2][..]));
    /// # }
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn checkpoint(mut self, save: impl FnMut(&ImportPosition) + Send + 'static) -> Self {
        self.checkpoint = Some(Box::new(save));
        self
    }

    /// The outcomes, lazily: one request per chunk, as the outcomes are
    /// consumed. [`ImportOutcomes::resume_position`] says, at any point, where to
    /// resume.
    pub fn outcomes(mut self) -> ImportOutcomes<I> {
        let resume = self.resume.take().unwrap_or_default();
        ImportOutcomes::new(self, resume)
    }

    /// Reads every input and tells what the import would refuse before
    /// sending it, **without sending any write**: password hashes the
    /// target would refuse or store unusable, credential types its version
    /// cannot import, duplicates within the input (the identity schemas are
    /// read for their identifiers), identities too large or not
    /// serializable. It reads the identity schemas and, when a hash or a
    /// credential type needs it, the server's version; nothing else is
    /// sent. What it cannot tell (traits the schema refuses, identifiers
    /// already taken on the server) only a real import finds.
    ///
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// use kratos_identity::CreateIdentityBody;
    /// use serde_json::json;
    ///
    /// let person = |email: &str| CreateIdentityBody::new("default", json!({ "email": email }));
    /// let inputs = vec![
    ///     person("ada@example.com"),
    ///     person("grace@example.com").hashed_password("md5:not-a-hash"),
    ///     person("ADA@example.com"),
    /// ];
    /// let check = client.import_identities(inputs).check();
    /// assert_eq!((check.inputs, check.sendable), (3, 1));
    /// // 3 inputs: 1 would be sent, 2 refused before sending (1 invalid password hash, 1 duplicate within the input)
    /// println!("{check}");
    /// for refused in &check.refused {
    ///     println!("input {}: {}", refused.index, refused.error);
    /// }
    /// # }
    /// ```
    pub fn check(self) -> ImportCheck
    where
        I: Iterator<Item = CreateIdentityBody>,
    {
        self.outcomes().check()
    }

    /// Runs the whole import and sums it up. An import that stopped (see
    /// [`stop_after_failed_chunks`](Self::stop_after_failed_chunks)) reads
    /// no input after the stop; the report says why
    /// ([`ImportReport::stopped`]), how far it read
    /// ([`ImportReport::inputs_read`]) and where to resume
    /// ([`ImportReport::resume_position`]).
    #[must_use = "the report holds every failure: check is_success() and read failures"]
    pub fn send(self) -> ImportReport {
        let mut report = ImportReport::default();
        let mut outcomes = self.outcomes();
        for outcome in outcomes.by_ref() {
            report.total += 1;
            match outcome.result {
                Ok(id) => {
                    report.created += 1;
                    report.created_ids.push((outcome.index, id));
                }
                Err(error) => {
                    let failure = ImportFailure {
                        index: outcome.index,
                        error,
                    };
                    match failure.error.is_conflict() {
                        true => report.already_existed.push(failure),
                        false => report.failures.push(failure),
                    }
                }
            }
        }
        report.stopped = outcomes.stop_reason();
        report.inputs_read = outcomes.inputs_read();
        report.input_exhausted = outcomes.input_exhausted();
        report.lookups = outcomes.lookups;
        report.resent = outcomes.resent;
        report.position = outcomes.resume_position();
        report
    }
}
