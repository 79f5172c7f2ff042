//! Bulk import: any number of [`CreateIdentityBody`]s, sent in chunks the
//! server accepts, with exactly one outcome per input, in input order, that
//! says whether the input may exist on the server.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::api::endpoint::decode_json;
use crate::api::identity_writes::batch_call;
use crate::api::operation::BATCH_PATCH_IDENTITIES;
use crate::client::IdentityClient;
use crate::error::{Error, GenericError, TransportErrorKind};
use crate::http::transport::clamp;
use crate::models::{
    BatchPatchIdentitiesResponse, CreateIdentityBody, IdentityPatch, IdentityPatchAction,
    IdentityPatchResponse,
};

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
/// Kratos refused as a whole: enough to isolate about fifteen bad inputs in
/// a chunk of 1000 (ten cost about 130 requests), and at most 40 s at Ory
/// Network's Developer-plan rate for writes (5 per second). See
/// [`ImportIdentities::max_split_requests`].
pub const DEFAULT_MAX_SPLIT_REQUESTS: usize = 200;
/// `{"identities":[` and `]}`.
const ENVELOPE_BYTES: usize = 17;

impl IdentityClient {
    /// Imports identities in bulk through
    /// [`batch_patch_identities`](Self::batch_patch_identities): at most 1000
    /// per request ([`DEFAULT_PLAINTEXT_CHUNK_SIZE`] when one carries a
    /// plaintext password) and at most [`DEFAULT_MAX_CHUNK_BYTES`] per
    /// request body.
    ///
    /// Every input gets exactly one [`ImportOutcome`], in input order: the
    /// new identity's id, or an [`ImportError`] that says whether it may
    /// exist ([`ImportError::is_safe_to_resend`]): refused by the server for
    /// its own reason, already existing (409), not created because the whole
    /// request was refused, of unknown outcome (a timeout or a 5xx after the
    /// request was sent), or not attempted because the import stopped.
    ///
    /// When Kratos refuses a whole chunk with 400 (one unparsable password
    /// hash does that), nothing of it was created: the chunk is split and
    /// the halves sent again until the bad inputs are isolated, so the good
    /// ones are created and only the bad ones are rejected, each with the
    /// server's reason. The split never spends more than
    /// [`max_split_requests`](ImportIdentities::max_split_requests) requests
    /// (default [`DEFAULT_MAX_SPLIT_REQUESTS`]); past it, the inputs not
    /// yet isolated are [`ImportError::NotCreated`]. Batch requests are retried only when they certainly
    /// did not reach the server (or got a 429), so nothing is created twice.
    /// A server that cannot be reached stops the import at once (see
    /// [`ImportIdentities::stop_after_failed_chunks`]).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PATCH").path("/admin/identities"); then.body(r#"{"identities":[{"action":"create","identity":"9f425a8d-7efc-4768-8f23-7647a74fdf13"},{"action":"error","error":{"code":409,"status":"Conflict","message":"Unable to insert or update resource because a resource with that value exists already"}}]}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateIdentityBody;
    /// use serde_json::json;
    ///
    /// let people = ["ada@example.com", "grace@example.com"]
    ///     .map(|email| CreateIdentityBody::new("default", json!({ "email": email })));
    /// let report = client.import_identities(people).chunk_size(500).send();
    /// println!("{report}"); // 1 created, 1 already existed, 0 failed
    /// assert_eq!(report.created, 1);
    /// assert_eq!(report.already_existed.len(), 1);
    /// for failure in &report.failures {
    ///     let resend = if failure.error.is_safe_to_resend() { "safe to resend" } else { "may exist" };
    ///     eprintln!("input {}: {} ({resend})", failure.index, failure.error);
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
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
            stop_after: 1,
            max_split_requests: DEFAULT_MAX_SPLIT_REQUESTS,
        }
    }
}

/// A bulk import, ready to run; see [`IdentityClient::import_identities`].
#[must_use = "an import does nothing until .send() or .outcomes() is used"]
pub struct ImportIdentities<I> {
    client: IdentityClient,
    input: I,
    chunk_size: usize,
    plaintext_chunk_size: usize,
    max_chunk_bytes: usize,
    timeout: Option<Duration>,
    stop_after: usize,
    max_split_requests: usize,
}

impl<I> fmt::Debug for ImportIdentities<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportIdentities")
            .field("chunk_size", &self.chunk_size)
            .field("plaintext_chunk_size", &self.plaintext_chunk_size)
            .field("max_chunk_bytes", &self.max_chunk_bytes)
            .field("timeout", &self.timeout)
            .field("stop_after_failed_chunks", &self.stop_after)
            .field("max_split_requests", &self.max_split_requests)
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

    /// Stops the import once `n` requests in a row (chunks, or parts of a
    /// split chunk) have failed in a way the next one would too: the server could not be reached (DNS, connect,
    /// TLS), refused the credentials (401, 403), or kept rate limiting (429
    /// after the retries). Default: 1 (the first such chunk stops it); `0`
    /// never stops. Other failures of a whole chunk (a 5xx, a timeout) do
    /// not stop it: the next chunk may well succeed.
    ///
    /// Once stopped, **no further input is read** from the iterator: the
    /// inputs already read but not sent (the rest of a split chunk, an
    /// input held back for the next chunk) are reported as
    /// [`ImportError::NotAttempted`], and the outcomes end there.
    /// [`ImportReport::stopped`] (or [`ImportOutcomes::stopped`]) says why,
    /// and [`ImportReport::inputs_read`] where to resume: the inputs from
    /// that index on were never read.
    pub fn stop_after_failed_chunks(mut self, n: usize) -> Self {
        self.stop_after = n;
        self
    }

    /// The most extra requests spent splitting one chunk that Kratos
    /// refused as a whole with 400 or 413 (see
    /// [`IdentityClient::import_identities`]). Default:
    /// [`DEFAULT_MAX_SPLIT_REQUESTS`] (200). Past it, the inputs of that
    /// chunk not yet created or isolated are reported as
    /// [`ImportError::NotCreated`] with the refusal of the request that
    /// carried them; `0` never splits. Without a cap, a chunk of `n` inputs
    /// that are all bad would cost `2n - 1` requests: minutes at Ory
    /// Network's rate limits.
    pub fn max_split_requests(mut self, requests: usize) -> Self {
        self.max_split_requests = requests;
        self
    }

    /// The outcomes, lazily: one request per chunk, as the outcomes are consumed.
    pub fn outcomes(self) -> ImportOutcomes<I> {
        ImportOutcomes {
            job: self,
            pending: None,
            next_index: 0,
            ready: VecDeque::new(),
            failed_in_a_row: 0,
            stopped: None,
            exhausted: false,
        }
    }

    /// Runs the whole import and sums it up. An import that stopped (see
    /// [`stop_after_failed_chunks`](Self::stop_after_failed_chunks)) reads
    /// no input after the stop; the report says why
    /// ([`ImportReport::stopped`]) and how far it read
    /// ([`ImportReport::inputs_read`]).
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
        report.stopped = outcomes.stopped.clone();
        report.inputs_read = outcomes.next_index;
        report.input_exhausted = outcomes.exhausted;
        report
    }
}

/// What happened to one input of an import.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportOutcome {
    /// The input's 0-based position.
    pub index: usize,
    /// The created identity's id, or why it was not created.
    pub result: Result<Uuid, ImportError>,
}

/// Why one input of an import was not created, and so whether it may exist
/// on the server: see [`is_safe_to_resend`](Self::is_safe_to_resend).
///
/// `Display` says what happened to the input, followed by the error behind
/// it, and [`source()`](std::error::Error::source) is that error's own
/// cause (as for [`Error::RetriesExhausted`]), so `anyhow`'s `{:#}` prints
/// each message once, down to the operating system's reason:
/// `not created, the request was refused or not sent: batch_patch_identities
/// (PATCH /admin/identities): could not connect to http://127.0.0.1:4434
/// (gave up after 4 attempts): io: Connection refused (os error 111)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ImportError {
    /// Kratos refused this identity for its own reason (traits that fail
    /// the schema, an unparsable password hash, …). It was not created.
    Rejected(Box<GenericError>),
    /// An identity with the same identifier or `external_id` already exists
    /// (409): typically created by an earlier run of the same import.
    AlreadyExists(Box<GenericError>),
    /// The whole request carrying this identity was refused or never sent
    /// (a 4xx, a 429 after the retries, a host that could not be resolved
    /// or connected to: see [`TransportErrorKind::before_request_sent`]):
    /// it was certainly not created, and is safe to send again. The error
    /// is shared by every identity of that request. A chunk
    /// refused with 400 whose split stopped before isolating this input
    /// (every part refused alike, or
    /// [`max_split_requests`](ImportIdentities::max_split_requests) reached)
    /// gives this too: the input may be fine, but it came in a request that
    /// was refused.
    NotCreated(Arc<Error>),
    /// The request carrying this identity may have been processed (a
    /// timeout, a 5xx, a TLS failure, a connection that broke, an answer
    /// that could not be read): it may exist, and sending it again may
    /// conflict. Look it up before resending.
    OutcomeUnknown(Arc<Error>),
    /// The import stopped before this identity was sent (see
    /// [`ImportIdentities::stop_after_failed_chunks`]); the error is the one
    /// that stopped it.
    NotAttempted(Arc<Error>),
    /// This identity alone is larger than the request body cap; not sent.
    TooLarge {
        /// Its size in bytes, in the request.
        bytes: usize,
        /// The cap.
        limit: usize,
    },
    /// The identity could not be serialized (or holds an id argument that
    /// is not a UUID); not sent.
    NotSerializable(String),
    /// The server answered the request but its answer has no entry for this
    /// identity: it may or may not have been created.
    NoResult,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Rejected(e) => write!(f, "rejected by the server: {e}"),
            ImportError::AlreadyExists(e) => write!(f, "already exists: {e}"),
            ImportError::NotCreated(e) => {
                write!(f, "not created, the request was refused or not sent: {e}")
            }
            ImportError::OutcomeUnknown(e) => {
                write!(f, "outcome unknown, it may have been created: {e}")
            }
            ImportError::NotAttempted(e) => write!(f, "not attempted, the import stopped: {e}"),
            ImportError::TooLarge { bytes, limit } => write!(
                f,
                "the identity serializes to {bytes} bytes, more than the {limit}-byte request cap"
            ),
            ImportError::NotSerializable(why) => {
                write!(f, "the identity could not be sent: {why}")
            }
            ImportError::NoResult => f.write_str(
                "the server's answer has no result for this identity; it may have been created",
            ),
        }
    }
}

impl std::error::Error for ImportError {
    /// The cause of the request error, which `Display` already shows: the
    /// chain goes on where that message ends.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::NotCreated(e)
            | ImportError::OutcomeUnknown(e)
            | ImportError::NotAttempted(e) => e.source(),
            _ => None,
        }
    }
}

impl ImportError {
    /// `true` when this input was certainly not created by this import, so
    /// sending it again cannot create it twice (it may still be refused
    /// again: fix a rejected input first). `false` for
    /// [`OutcomeUnknown`](Self::OutcomeUnknown) and [`NoResult`](Self::NoResult):
    /// look the identity up (by `external_id` or identifier) before sending
    /// it again.
    pub fn is_safe_to_resend(&self) -> bool {
        !matches!(self, ImportError::OutcomeUnknown(_) | ImportError::NoResult)
    }

    /// `true` when an identity with the same identifier or `external_id`
    /// already exists (409).
    pub fn is_conflict(&self) -> bool {
        matches!(self, ImportError::AlreadyExists(_))
    }
}

/// One input of an import that was not created.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportFailure {
    /// The input's 0-based position.
    pub index: usize,
    /// Why it was not created.
    pub error: ImportError,
}

/// The summary of a finished import; `Display` gives it in one line
/// (`2498 created, 2 already existed, 0 failed`, and, for an import that
/// stopped, `; stopped after 1000 inputs: <why>; the inputs after them were
/// not read`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
#[must_use = "the report holds every failure: check is_success() and read failures"]
pub struct ImportReport {
    /// How many inputs were read, each with one outcome below: every input,
    /// unless the import stopped ([`stopped`](Self::stopped)); the same as
    /// [`inputs_read`](Self::inputs_read).
    pub total: usize,
    /// How many identities were created.
    pub created: usize,
    /// The created identities: input index and new id, in input order.
    pub created_ids: Vec<(usize, Uuid)>,
    /// The inputs that already existed (409), in input order.
    pub already_existed: Vec<ImportFailure>,
    /// Every other input that was not created, in input order.
    pub failures: Vec<ImportFailure>,
    stopped: Option<Arc<Error>>,
    inputs_read: usize,
    input_exhausted: bool,
}

impl ImportReport {
    /// `true` when every input was created or already existed: a finished
    /// import, or a re-run of one. An import that stopped is never a
    /// success.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty() && self.stopped.is_none()
    }

    /// Why the import stopped early, if it did (see
    /// [`ImportIdentities::stop_after_failed_chunks`]): the failure of the
    /// chunk that stopped it. After a stop no further input was read.
    pub fn stopped(&self) -> Option<&Error> {
        self.stopped.as_deref()
    }

    /// How many inputs were taken from the input iterator: inputs `0` to
    /// `inputs_read() - 1`, each with its outcome in this report. After a
    /// stop, the inputs from index `inputs_read()` on were never read; to
    /// resume, send again the failures that are
    /// [safe to resend](ImportError::is_safe_to_resend) (those of the chunk
    /// that stopped it, [`NotCreated`](ImportError::NotCreated), and the
    /// ones read but not sent, [`NotAttempted`](ImportError::NotAttempted)),
    /// then continue with input `inputs_read()`. Re-sending an input that
    /// was created meanwhile only reports it as already existing.
    pub fn inputs_read(&self) -> usize {
        self.inputs_read
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} already existed, {} failed",
            self.created,
            self.already_existed.len(),
            self.failures.len()
        )?;
        let unknown = self
            .failures
            .iter()
            .filter(|f| !f.error.is_safe_to_resend())
            .count();
        if unknown > 0 {
            write!(
                f,
                " ({unknown} of unknown outcome: look them up before resending)"
            )?;
        }
        if let Some(why) = &self.stopped {
            write!(f, "; stopped after {} inputs: {why}", self.inputs_read)?;
            if !self.input_exhausted {
                f.write_str("; the inputs after them were not read")?;
            }
        }
        Ok(())
    }
}

/// The lazy iterator of [`ImportIdentities::outcomes`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ImportOutcomes<I> {
    job: ImportIdentities<I>,
    /// An input read but held back for the next chunk.
    pending: Option<Input>,
    next_index: usize,
    ready: VecDeque<ImportOutcome>,
    /// Chunks in a row that failed in a way the next one would too.
    failed_in_a_row: usize,
    /// Set once the import stopped: what was read is reported, not sent,
    /// and nothing more is read.
    stopped: Option<Arc<Error>>,
    /// The input iterator returned `None`; it is not asked again.
    exhausted: bool,
}

impl<I> ImportOutcomes<I> {
    /// Why the import stopped early, if it did (see
    /// [`ImportIdentities::stop_after_failed_chunks`]). Once stopped, the
    /// outcomes still to come are those of inputs already read, and no
    /// further input is read.
    pub fn stopped(&self) -> Option<&Error> {
        self.stopped.as_deref()
    }

    /// How many inputs have been taken from the input iterator so far; see
    /// [`ImportReport::inputs_read`]. After the last outcome of a stopped
    /// import, the inputs from this index on were never read.
    pub fn inputs_read(&self) -> usize {
        self.next_index
    }
}

/// One input, read and measured.
enum Input {
    /// To be sent: its index, the patch and its size in the request.
    Send(usize, Box<IdentityPatch>, usize),
    /// Cannot be sent: its index and why.
    Fail(usize, ImportError),
}

impl<I> fmt::Debug for ImportOutcomes<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOutcomes")
            .field("job", &self.job)
            .field("next_index", &self.next_index)
            .field("ready", &self.ready.len())
            .field("stopped", &self.stopped.is_some())
            .finish_non_exhaustive()
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> Iterator for ImportOutcomes<I> {
    type Item = ImportOutcome;

    fn next(&mut self) -> Option<ImportOutcome> {
        if self.ready.is_empty() {
            self.fill();
        }
        self.ready.pop_front()
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> ImportOutcomes<I> {
    /// Reads the next input and measures it.
    fn read(&mut self) -> Option<Input> {
        if self.exhausted || self.stopped.is_some() {
            return None;
        }
        let Some(body) = self.job.input.next() else {
            self.exhausted = true;
            return None;
        };
        let index = self.next_index;
        self.next_index += 1;
        if let Err(e) = body.check() {
            return Some(Input::Fail(
                index,
                ImportError::NotSerializable(e.to_string()),
            ));
        }
        // The patch id lets answers be matched to inputs.
        let patch = IdentityPatch::create(body).patch_id(Uuid::from_u128(index as u128));
        let limit = self.job.max_chunk_bytes;
        Some(match serialized_len(&patch) {
            Err(e) => Input::Fail(index, ImportError::NotSerializable(e.to_string())),
            Ok(bytes) if ENVELOPE_BYTES + bytes > limit => {
                Input::Fail(index, ImportError::TooLarge { bytes, limit })
            }
            Ok(bytes) => Input::Send(index, Box::new(patch), bytes),
        })
    }

    /// Puts the outcomes of the next chunk, or of the next input that
    /// cannot be sent, in `ready`, keeping input order.
    fn fill(&mut self) {
        if let Some(reason) = self.stopped.clone() {
            // Stopped: the input already read is reported, none is sent,
            // and no further input is read.
            let outcome = match self.pending.take() {
                Some(Input::Send(index, ..)) => ImportOutcome {
                    index,
                    result: Err(ImportError::NotAttempted(reason)),
                },
                // An input that could not be sent anyway says why.
                Some(Input::Fail(index, error)) => ImportOutcome {
                    index,
                    result: Err(error),
                },
                None => return,
            };
            self.ready.push_back(outcome);
            return;
        }
        let mut chunk = Part::default();
        // Inputs that cannot be sent, read while the chunk fills: they do
        // not cut it short, and take a place in it so that a run of them
        // is not read all at once.
        let mut unsendable: Results = Vec::new();
        let mut bytes = ENVELOPE_BYTES;
        let mut plaintext = false;
        while let Some(input) = self.pending.take().or_else(|| self.read()) {
            match input {
                Input::Fail(index, error) => {
                    unsendable.push((index, Err(error)));
                    if chunk.len() + unsendable.len() >= self.job.chunk_size {
                        break;
                    }
                }
                Input::Send(index, patch, size) => {
                    let has_plaintext = patch
                        .create
                        .as_ref()
                        .is_some_and(CreateIdentityBody::has_plaintext_password);
                    let count_limit = if plaintext || has_plaintext {
                        self.job.chunk_size.min(self.job.plaintext_chunk_size)
                    } else {
                        self.job.chunk_size
                    };
                    let fits = chunk.is_empty()
                        || (chunk.len() < count_limit
                            && bytes + 1 + size <= self.job.max_chunk_bytes);
                    if !fits {
                        self.pending = Some(Input::Send(index, patch, size));
                        break;
                    }
                    bytes += usize::from(!chunk.is_empty()) + size;
                    plaintext |= has_plaintext;
                    chunk.indices.push(index);
                    chunk.patches.push(*patch);
                    if chunk.len() + unsendable.len() >= count_limit {
                        break;
                    }
                }
            }
        }
        self.send_chunk(chunk, unsendable);
    }

    /// Sends one chunk and records an outcome for each of its inputs,
    /// beside those of the inputs read with it that could not be sent. A
    /// chunk refused as a whole for its content (400, 413) created nothing:
    /// it is split to isolate the inputs the server refuses (see
    /// [`split`](Self::split)).
    fn send_chunk(&mut self, chunk: Part, mut results: Results) {
        if !chunk.is_empty()
            && let Some((part, error)) = self.send_part(chunk, &mut results)
        {
            match part.len() {
                1 => reject(part, &error, &mut results),
                _ => self.split(part, error, &mut results),
            }
        }
        results.sort_by_key(|(index, _)| *index);
        self.ready.extend(
            results
                .into_iter()
                .map(|(index, result)| ImportOutcome { index, result }),
        );
    }

    /// Finds the inputs of a refused part that the server refuses, by
    /// sending halves of it again (a bisection): a half that is accepted is
    /// created, a lone input that is refused gets the server's reason as its
    /// own ([`ImportError::Rejected`]: refused alone, it is bad, whatever the
    /// reason), and a refused half of several inputs is halved again. `d`
    /// bad inputs among `n` cost about `2d·log2(n/d)` requests: 20 for one in
    /// 1,000, 130 for ten. [`ImportIdentities::max_split_requests`] bounds
    /// it: past it, the inputs not yet isolated are
    /// [`ImportError::NotCreated`] with the refusal of the request that
    /// carried them (a chunk of inputs that are all bad costs that many
    /// requests, not `2n - 1`).
    fn split(&mut self, part: Part, refusal: Arc<Error>, results: &mut Results) {
        let cap = self.job.max_split_requests;
        let first = part.indices.first().copied().unwrap_or_default();
        let last = part.indices.last().copied().unwrap_or_default();
        match cap {
            0 => log::warn!(
                "import: a chunk of {} inputs ({first} to {last}) was refused as a whole ({}); not splitting it (max_split_requests is 0): its inputs are reported as not created",
                part.len(),
                refusal.log_summary()
            ),
            _ => log::warn!(
                "import: a chunk of {} inputs ({first} to {last}) was refused as a whole ({}); splitting it to find the inputs the server refuses, with at most {cap} more requests",
                part.len(),
                refusal.log_summary()
            ),
        }
        let mut spent = 0;
        // What the split found so far: whether the server took any part,
        // and how many inputs it refused one by one.
        let (mut accepted_any, mut refused_alone) = (false, 0usize);
        // Refused parts of several inputs, with their refusal, depth first:
        // the first lone inputs come after a handful of requests, so a
        // server that refuses everything is recognised early.
        let mut refused = vec![(part, refusal)];
        while let Some((part, parent)) = refused.pop() {
            let [first, second] = part.halves();
            let mut later = Vec::new();
            for half in [first, second] {
                if let Some(reason) = &self.stopped {
                    fail_all(&half, results, || {
                        ImportError::NotAttempted(Arc::clone(reason))
                    });
                    continue;
                }
                if spent >= cap {
                    fail_all(&half, results, || {
                        ImportError::NotCreated(Arc::clone(&parent))
                    });
                    continue;
                }
                spent += 1;
                match self.send_part(half, results) {
                    None => accepted_any = true,
                    Some((half, error)) if half.len() == 1 => {
                        refused_alone += 1;
                        reject(half, &error, results);
                        if !accepted_any && refused_alone >= SYSTEMIC_AFTER {
                            self.stop_as_systemic(&error);
                        }
                    }
                    Some((half, error)) => later.push((half, error)),
                }
            }
            // The first half is split before the second.
            refused.extend(later.into_iter().rev());
        }
        if spent >= cap {
            log::debug!(
                "import: splitting inputs {first} to {last} stopped at max_split_requests ({cap})"
            );
        }
    }

    /// Stops the import after a split that isolated [`SYSTEMIC_AFTER`] inputs,
    /// refused them all and accepted nothing: the refusal is the server's
    /// (a proxy that refuses every batch, an identity schema the target
    /// lacks), not the inputs', and splitting every chunk would only cost
    /// requests. The rest of the chunk is not created; no further input is
    /// read.
    fn stop_as_systemic(&mut self, error: &Arc<Error>) {
        if self.stopped.is_some() {
            return;
        }
        log::warn!(
            "import stopped: {SYSTEMIC_AFTER} inputs refused one by one ({}) and none accepted: the server refuses every batch; {} inputs read, no further input is read",
            error.log_summary(),
            self.next_index
        );
        self.stopped = Some(Arc::clone(error));
    }

    /// Sends one part. Records the outcome of each of its inputs, except
    /// when the part is refused for its content (400, 413): then nothing of
    /// it was created, and it comes back with the refusal.
    fn send_part(&mut self, part: Part, results: &mut Results) -> Option<(Part, Arc<Error>)> {
        let error = match self.post(&part.patches) {
            Ok(response) => {
                self.failed_in_a_row = 0;
                let matched = match_results(&part.indices, response.identities);
                results.extend(part.indices.into_iter().zip(matched));
                return None;
            }
            Err(error) => error,
        };
        if refused_for_its_content(&error) {
            return Some((part, Arc::new(error)));
        }
        let stops = stops_the_import(&error);
        let sent = !not_sent(&error);
        let error = Arc::new(error);
        fail_all(&part, results, || match sent {
            true => ImportError::OutcomeUnknown(Arc::clone(&error)),
            false => ImportError::NotCreated(Arc::clone(&error)),
        });
        self.failed_in_a_row = if stops { self.failed_in_a_row + 1 } else { 0 };
        if stops && self.job.stop_after > 0 && self.failed_in_a_row >= self.job.stop_after {
            log::warn!(
                "import stopped after {} failed chunk(s) in a row ({}), {} inputs read; the inputs read but not sent are reported as not attempted, and no further input is read",
                self.failed_in_a_row,
                error.log_summary(),
                self.next_index
            );
            self.stopped = Some(error);
        }
        None
    }

    /// One batch request with these patches.
    fn post(&self, patches: &[IdentityPatch]) -> Result<BatchPatchIdentitiesResponse, Error> {
        let call = batch_call(patches)?
            .with_timeout(self.job.timeout)
            .map_err(|e| e.in_operation(BATCH_PATCH_IDENTITIES))?;
        let raw = self.job.client.send_call(&call)?;
        decode_json(&raw)
    }
}

/// How many inputs refused one by one, with nothing accepted, make a
/// chunk's refusal the server's rather than the inputs'. Two are not enough:
/// a chunk of two bad inputs is that.
const SYSTEMIC_AFTER: usize = 3;

/// The outcomes of a chunk's inputs as they come: input index and result.
type Results = Vec<(usize, Result<Uuid, ImportError>)>;

/// Inputs sent together: their indices and their patches, side by side.
#[derive(Default)]
struct Part {
    indices: Vec<usize>,
    patches: Vec<IdentityPatch>,
}

impl Part {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The first half and the second half, in order.
    fn halves(mut self) -> [Part; 2] {
        let at = self.len() / 2;
        let second = Part {
            indices: self.indices.split_off(at),
            patches: self.patches.split_off(at),
        };
        [self, second]
    }
}

/// Every input of `part` fails with `error()`.
fn fail_all(part: &Part, results: &mut Results, error: impl Fn() -> ImportError) {
    results.extend(part.indices.iter().map(|&index| (index, Err(error()))));
}

/// A lone input refused with the whole request: the server's reason is its
/// own, and a 409 means an identity with its identifier or external id
/// exists already.
fn reject(part: Part, error: &Error, results: &mut Results) {
    let reason = error
        .kratos_error()
        .cloned()
        .unwrap_or_else(|| GenericError {
            message: error.to_string(),
            code: error.status().map(i64::from),
            ..GenericError::default()
        });
    let conflict = error.status() == Some(409);
    fail_all(&part, results, || match conflict {
        true => ImportError::AlreadyExists(Box::new(reason.clone())),
        false => ImportError::Rejected(Box::new(reason.clone())),
    });
}

/// A whole request refused for what it carries: Kratos created nothing of
/// it. A 400 or 413 (an unparsable hash, a body too large), and a 409: with
/// only one valid identity in a request (and always on MySQL) Kratos does
/// not insert item by item, and one duplicate fails the whole request.
fn refused_for_its_content(error: &Error) -> bool {
    matches!(error.status(), Some(400 | 409 | 413))
}

/// The request was certainly not processed: refused with a 4xx (a 429
/// included), never built, or never sent. Whether a transport failure
/// happened before the request was sent is decided by
/// [`TransportErrorKind::before_request_sent`], the classifier the retry
/// layer uses too: anything it does not call certain (a TLS failure, a
/// broken connection, a timeout) may have reached the server.
fn not_sent(error: &Error) -> bool {
    match error {
        Error::Api(api) => (400..500).contains(&api.status),
        Error::Transport { kind, .. } => kind.before_request_sent(),
        Error::InvalidInput { .. } | Error::Config { .. } => true,
        _ => false,
    }
}

/// A failure the next chunk would meet too: the server cannot be reached
/// (DNS, connect, or TLS, which fails every handshake alike when a
/// certificate is wrong), refuses the credentials, or keeps rate limiting.
/// This is about the next chunk, not about whether this one was sent: a
/// TLS failure stops the import, yet its chunk is of unknown outcome.
fn stops_the_import(error: &Error) -> bool {
    match error {
        // A request the client refused to build (a zero timeout, say):
        // every chunk would be refused alike.
        Error::InvalidInput { .. } | Error::Config { .. } => true,
        Error::Api(api) => matches!(api.status, 401 | 403 | 429),
        Error::Transport { kind, .. } => {
            kind.before_request_sent() || *kind == TransportErrorKind::Tls
        }
        _ => false,
    }
}

/// Pairs the answer's entries with the chunk's inputs: by `patch_id` when
/// the server echoes it, else by position (Kratos answers in request order).
fn match_results(
    indices: &[usize],
    entries: Vec<Option<IdentityPatchResponse>>,
) -> Vec<Result<Uuid, ImportError>> {
    let mut results: Vec<Option<Result<Uuid, ImportError>>> = vec![None; indices.len()];
    for (position, entry) in entries.into_iter().enumerate() {
        let slot = entry
            .as_ref()
            .and_then(|e| e.patch_id)
            .and_then(|id| {
                indices
                    .iter()
                    .position(|&i| Uuid::from_u128(i as u128) == id)
            })
            .unwrap_or(position);
        if let Some(free @ None) = results.get_mut(slot) {
            *free = Some(entry_result(entry));
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(ImportError::NoResult)))
        .collect()
}

fn entry_result(entry: Option<IdentityPatchResponse>) -> Result<Uuid, ImportError> {
    let entry = entry.ok_or(ImportError::NoResult)?;
    if let Some(error) = entry.error {
        let conflict = error.code == Some(409)
            || error
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("conflict"));
        return Err(match conflict {
            true => ImportError::AlreadyExists(Box::new(error)),
            false => ImportError::Rejected(Box::new(error)),
        });
    }
    match (entry.action, entry.identity) {
        (Some(IdentityPatchAction::Create), Some(id)) => Ok(id),
        (Some(IdentityPatchAction::Error), _) => {
            Err(ImportError::Rejected(Box::new(GenericError {
                message: "rejected without a reason".into(),
                ..GenericError::default()
            })))
        }
        _ => Err(ImportError::NoResult),
    }
}

/// The number of bytes `value` serializes to, without building the bytes.
fn serialized_len<T: serde::Serialize>(value: &T) -> Result<usize, serde_json::Error> {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)?;
    Ok(count.0)
}
