//! The running import ([`ImportOutcomes`]): reading inputs, finding
//! duplicates, filling chunks, sending them, splitting refused ones, and
//! settling what the answers leave open by looking inputs up.
//!
//! - `flight.rs`: batches in flight;
//! - `split.rs`: a chunk refused as a whole, and when an import stops;
//! - `settle.rs`: conflicts, lookups and resends, duplicates found late.

mod flight;
mod settle;
mod split;

use flight::{Answer, Flight, effective_concurrency};

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::chunk::{
    Part, Pending, Results, match_results, patch_id, reason_of, refused_for_its_content,
    serialized_len,
};
use super::keys::{Keys, Seen};
use super::outcome::{
    ImportCheck, ImportError, ImportFailure, ImportOutcome, not_sent, stops_the_import,
};
use super::position::{ImportPosition, Plan};
use super::{ENVELOPE_BYTES, ImportIdentities};
use crate::api::endpoint::{Call, decode_json};
use crate::api::identity_writes::batch_call;
use crate::api::operation::BATCH_PATCH_IDENTITIES;
use crate::error::{Error, InvalidInputKind};
use crate::http::response::RawResponse;
use crate::http::retry::parse_http_date;
use crate::models::{
    BatchPatchIdentitiesResponse, CreateIdentityBody, IdentityPatch, ServerVersion,
};

/// The lazy iterator of [`ImportIdentities::outcomes`]: one outcome per
/// input, in input order, one request per chunk as the outcomes are
/// consumed.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ImportOutcomes<I> {
    job: ImportIdentities<I>,
    /// An input read but held back for the next chunk.
    pending: Option<Input>,
    /// How many inputs were taken from the iterator (skipped ones too).
    next_index: usize,
    ready: VecDeque<ImportOutcome>,
    /// Chunks in a row that failed in a way the next one would too.
    failed_in_a_row: usize,
    /// Chunks in a row that met a server error and left nothing created,
    /// with the last such error.
    dead_in_a_row: usize,
    server_error: Option<Arc<Error>>,
    /// Inputs whose fate a split has told so far: refused alone, and sent
    /// in a part the server took. Their ratio sets how finely the next
    /// refused part is cut.
    split_refused: usize,
    split_accepted: usize,
    /// The whole-request refusals (by status and text) that a request
    /// without any identity was answered 200 after: refusals of content,
    /// worth a split, not the server refusing every batch.
    content_refusals: Vec<u64>,
    /// Set once the import stopped: what was read is reported, not sent,
    /// and nothing more is read.
    stopped: Option<Arc<Error>>,
    /// The input iterator returned `None`; it is not asked again.
    exhausted: bool,
    /// Each identity schema read so far (`None`: it could not be read).
    schemas: HashMap<String, Option<Value>>,
    /// The keys of the inputs read, with the first input holding each.
    seen: Seen,
    /// Where an earlier run stopped ([`ImportPosition::start`] for a new
    /// import).
    resume: ImportPosition,
    /// Bookkeeping for [`resume_position`](Self::resume_position): the inputs read whose
    /// outcome has not been handed out (in order), and the ones handed out
    /// unsettled.
    unhanded: VecDeque<usize>,
    handed_unresolved: Vec<usize>,
    handed_not_created: Vec<usize>,
    pub(super) lookups: usize,
    pub(super) resent: usize,
    /// When the import's first run started: what a lookup finds created
    /// well before it already existed.
    started: OffsetDateTime,
    /// The server's clock (its `Date` header) at the latest answer.
    server_clock: Option<OffsetDateTime>,
    /// Set once a lookup of a resumed import failed: the server does not
    /// answer them, and the other inputs to look up stay unknown.
    lookups_failed: Option<Arc<Error>>,
    /// The last chunk settled its inputs without sending anything (lookups
    /// of a resumed import, duplicates): its outcomes are saved by the next
    /// fill even if that one sends nothing either.
    unsaved: bool,
    /// The stored identities this run matched to an input, with that input:
    /// created for it, or found to be it by a lookup. A lookup that finds
    /// one of them for another input has found two inputs of the same
    /// person (which the keys cannot tell before sending when the schema
    /// could not be read).
    claimed: HashMap<Uuid, usize>,
    /// The target's version, once asked (`Some(None)`: it would not say).
    version: Option<Option<ServerVersion>>,
    /// The inputs the server refused for themselves, and the duplicates
    /// read whose first input has no outcome yet: a duplicate of a refused
    /// input is sent after all.
    rejected: HashSet<usize>,
    shadowed: HashMap<usize, Box<Pending>>,
    /// How many batches may be in flight at once (see
    /// [`ImportIdentities::concurrency`]); drops to one when the server
    /// refuses batches sent side by side.
    concurrency: usize,
    /// The chunks sent and not settled yet, oldest first.
    in_flight: VecDeque<Flight>,
}

/// One input, read.
enum Input {
    /// To be sent.
    Send(Box<Pending>),
    /// Settled without being sent: its index and outcome (it cannot be
    /// sent, is a duplicate, or a lookup found it).
    Done(usize, Result<Uuid, ImportError>),
}

impl Input {
    fn index(&self) -> usize {
        match self {
            Input::Send(pending) => pending.index,
            Input::Done(index, _) => *index,
        }
    }
}

/// How long reading a chunk may spend settling inputs without sending
/// (the lookups of a resumed import) before what it settled is handed out.
const FILL_TIME: Duration = Duration::from_secs(1);

impl<I> ImportOutcomes<I> {
    pub(super) fn new(job: ImportIdentities<I>, resume: ImportPosition) -> Self {
        let first = job.inputs_start_at;
        let job_concurrency = effective_concurrency(&job.client, job.concurrency);
        ImportOutcomes {
            job,
            pending: None,
            next_index: first,
            ready: VecDeque::new(),
            failed_in_a_row: 0,
            dead_in_a_row: 0,
            server_error: None,
            split_refused: 0,
            split_accepted: 0,
            content_refusals: Vec::new(),
            stopped: None,
            exhausted: false,
            schemas: HashMap::new(),
            seen: Seen::default(),
            started: resume.started_at().unwrap_or_else(OffsetDateTime::now_utc),
            lookups_failed: None,
            server_clock: None,
            resume: resume.normalized(),
            unhanded: VecDeque::new(),
            handed_unresolved: Vec::new(),
            handed_not_created: Vec::new(),
            lookups: 0,
            resent: 0,
            unsaved: false,
            claimed: HashMap::new(),
            version: None,
            rejected: HashSet::new(),
            shadowed: HashMap::new(),
            concurrency: job_concurrency,
            in_flight: VecDeque::new(),
        }
    }

    /// Why the import stopped early, if it did (see
    /// [`ImportIdentities::stop_after_failed_chunks`]). Once stopped, the
    /// outcomes still to come are those of inputs already read, and no
    /// further input is read.
    pub fn stopped(&self) -> Option<&Error> {
        self.stopped.as_deref()
    }

    /// How many inputs have been taken from the input iterator so far,
    /// those a resumed import skipped included; see
    /// [`ImportReport::inputs_read`](super::ImportReport::inputs_read).
    pub fn inputs_read(&self) -> usize {
        self.next_index
    }

    /// How many lookups the import has made so far (see
    /// [`ImportReport::lookups`](super::ImportReport::lookups)).
    pub fn lookups(&self) -> usize {
        self.lookups
    }

    /// Where the import stands now, from the point of view of a caller
    /// that has handled every outcome handed out so far: save it (it is
    /// serializable) after handling an outcome, and pass it to
    /// [`ImportIdentities::resume`] to continue after a crash. The inputs
    /// read whose outcome was not handed out yet are listed as unresolved:
    /// their request may have been sent.
    pub fn resume_position(&self) -> ImportPosition {
        let cursor = self.pending.as_ref().map_or(self.next_index, Input::index);
        let mut unresolved = self.handed_unresolved.clone();
        unresolved.extend(self.unhanded.iter().copied().filter(|&i| i < cursor));
        let mut not_created = self.handed_not_created.clone();
        let (earlier_unresolved, earlier_not_created) = self.resume.pending_from(cursor);
        unresolved.extend(earlier_unresolved);
        not_created.extend(earlier_not_created);
        let read = cursor.max(self.resume.read());
        ImportPosition::new(read, unresolved, not_created, self.started).normalized()
    }

    pub(super) fn input_exhausted(&self) -> bool {
        self.exhausted
    }

    pub(super) fn stop_reason(&self) -> Option<Arc<Error>> {
        self.stopped.clone()
    }
}

impl<I> fmt::Debug for ImportOutcomes<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOutcomes")
            .field("job", &self.job)
            .field("next_index", &self.next_index)
            .field("ready", &self.ready.len())
            .field("stopped", &self.stopped.is_some())
            .field("lookups", &self.lookups)
            .finish_non_exhaustive()
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> Iterator for ImportOutcomes<I> {
    type Item = ImportOutcome;

    fn next(&mut self) -> Option<ImportOutcome> {
        if self.ready.is_empty() {
            self.fill();
        }
        let outcome = self.ready.pop_front()?;
        if self.unhanded.front() == Some(&outcome.index) {
            self.unhanded.pop_front();
        } else {
            self.unhanded.retain(|&i| i != outcome.index);
        }
        if let Err(error) = &outcome.result
            && !error.is_final()
        {
            match error.is_safe_to_resend() {
                true => self.handed_not_created.push(outcome.index),
                false => self.handed_unresolved.push(outcome.index),
            }
        }
        Some(outcome)
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> ImportOutcomes<I> {
    /// Reads every input as the import would, sending nothing: see
    /// [`ImportIdentities::check`].
    pub(super) fn check(mut self) -> ImportCheck {
        let mut check = ImportCheck::default();
        while let Some(input) = self.read() {
            check.inputs += 1;
            match input {
                Input::Send(_) => check.sendable += 1,
                Input::Done(_, Ok(_)) => {}
                Input::Done(index, Err(error)) => {
                    check.refused.push(ImportFailure { index, error })
                }
            }
        }
        check.unreadable_schemas = self
            .schemas
            .iter()
            .filter(|(_, schema)| schema.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        check.unreadable_schemas.sort();
        check
    }

    /// Reads the next input that is not skipped.
    fn read(&mut self) -> Option<Input> {
        loop {
            if self.exhausted || self.stopped.is_some() {
                return None;
            }
            let Some(body) = self.job.input.next() else {
                self.exhausted = true;
                self.check_inputs_reached_the_position();
                return None;
            };
            let index = self.next_index;
            self.next_index += 1;
            let plan = self.resume.plan(index);
            // Skipped inputs go through the same checks, so they claim the
            // same keys as in the run that settled them.
            let input = self.admit(index, body);
            let input = match (plan, input) {
                (Plan::Skip, _) => continue,
                (Plan::LookUpFirst, Input::Send(pending)) => self.look_up_first(*pending),
                (_, input) => input,
            };
            self.unhanded.push_back(input.index());
            return Some(input);
        }
    }

    /// A resumed import given all its inputs again whose inputs end before
    /// the position's count of inputs read was given other inputs than
    /// the job that saved it: what it skipped are not the inputs the
    /// position settled, and a success would say nothing was lost. It
    /// stops, saying so. Inputs read again from a live source from
    /// `inputs_start_at` on may end early because identities were deleted
    /// meanwhile: that is only a warning, or such a job could never finish.
    fn check_inputs_reached_the_position(&mut self) {
        let (read, ended) = (self.resume.read(), self.next_index);
        if ended >= read {
            return;
        }
        if self.job.inputs_start_at > 0 {
            log::warn!(
                "import: the inputs ended after {ended}, before the {read} the resume position says were read (inputs deleted at the source?)"
            );
            return;
        }
        self.stopped = Some(Arc::new(Error::invalid(
            InvalidInputKind::Invalid,
            format!(
                "the inputs ended after {ended} of them, before the {read} the resume position says were read: are they the inputs of the job that saved it?"
            ),
        )));
    }

    /// Checks and measures one input, and claims its keys: the first input
    /// holding a key keeps it, a later one is a duplicate.
    fn admit(&mut self, index: usize, body: CreateIdentityBody) -> Input {
        if let Some(refusal) = self.foreseen_refusal(&body) {
            return Input::Done(index, Err(refusal));
        }
        if let Err(e) = body.check() {
            return Input::Done(index, Err(ImportError::NotSerializable(e.to_string())));
        }
        let keys = Keys::of(&body, self.schema(&body.schema_id));
        let patch = IdentityPatch::create(body).patch_id(patch_id(index));
        let limit = self.job.max_chunk_bytes;
        let bytes = match serialized_len(&patch) {
            Err(e) => {
                return Input::Done(index, Err(ImportError::NotSerializable(e.to_string())));
            }
            Ok(bytes) if ENVELOPE_BYTES + bytes > limit => {
                return Input::Done(index, Err(ImportError::TooLarge { bytes, limit }));
            }
            Ok(bytes) => bytes,
        };
        let pending = Box::new(Pending {
            index,
            patch,
            bytes,
            keys,
            sent_after: None,
        });
        match self.seen.claim(index, &pending.keys) {
            None => Input::Send(pending),
            // The first input holding the key was refused for itself: this
            // one is the person to create.
            Some((of, _)) if self.rejected.contains(&of) => {
                self.seen.reassign(index, &pending.keys);
                Input::Send(pending)
            }
            Some((of, on)) => {
                // Kept until the first one's outcome is known, in case the
                // server refuses it.
                self.shadowed.insert(index, pending);
                Input::Done(index, Err(ImportError::Duplicate { of, on }))
            }
        }
    }

    /// What the target would refuse of this input, known before sending: a
    /// password hash it refuses or cannot use, a credential type its
    /// version cannot import. The server's version is asked (once per
    /// import) only when it decides: for a hash beyond master's cost
    /// bounds, and for credentials v26.2.0 does not import.
    fn foreseen_refusal(&mut self, body: &CreateIdentityBody) -> Option<ImportError> {
        let credentials = body.credentials.as_ref()?;
        let v26 = ServerVersion::new("v26.2.0");
        if credentials.password_hash_problem(None).is_some() {
            // Refused by master's rules: by every version's too, or only
            // by master's (a cost beyond its bounds), and then the target
            // decides.
            let problem = match credentials.password_hash_problem(Some(&v26)) {
                Some(problem) => Some(problem),
                None => credentials.password_hash_problem(self.target_version().as_ref()),
            };
            if let Some(problem) = problem {
                return Some(ImportError::InvalidPasswordHash(problem));
            }
        }
        let beyond_v26 = credentials
            .types()
            .into_iter()
            .filter(|t| !v26.imports_credential(t))
            .collect::<Vec<_>>();
        if beyond_v26.is_empty() {
            return None;
        }
        let version = self.target_version()?;
        let credential_type = beyond_v26
            .into_iter()
            .find(|t| !version.imports_credential(t))?;
        Some(ImportError::CredentialNotImportable {
            credential_type,
            version,
        })
    }

    /// The target's version, asked once per import when first needed;
    /// `None` when it would not say.
    fn target_version(&mut self) -> Option<ServerVersion> {
        self.version
            .get_or_insert_with(|| self.job.client.known_version())
            .clone()
    }

    /// The identity schema `id`, read once per import. One that cannot be
    /// read leaves the inputs of that schema with only the keys the body
    /// itself names (`external_id`, addresses, OIDC and SAML links).
    fn schema(&mut self, id: &str) -> Option<&Value> {
        if !self.schemas.contains_key(id) {
            let schema = match self.job.client.get_identity_schema(id).send_with_info() {
                Ok(answer) => {
                    self.note_server_clock(answer.headers().get("date"));
                    Some(answer.into_body())
                }
                Err(error) => {
                    // An unknown schema is refused by Kratos with each of
                    // its inputs anyway.
                    let level = match error.is_not_found() {
                        true => log::Level::Debug,
                        false => log::Level::Warn,
                    };
                    log::log!(
                        level,
                        "import: could not read identity schema {id:?} ({}); its inputs are checked for duplicates and looked up by external_id and imported OIDC/SAML links only",
                        error.log_summary()
                    );
                    None
                }
            };
            self.schemas.insert(id.to_string(), schema);
        }
        self.schemas.get(id).and_then(Option::as_ref)
    }

    /// Puts the outcomes of the next chunk, or of the next input that
    /// is not sent, in `ready`, keeping input order. With
    /// [`concurrency`](ImportIdentities::concurrency) above one, first sends
    /// the chunks after it, up to that many in flight, each on a thread of
    /// its own; what their answers leave to do (splits, lookups, resends) is
    /// done here, one chunk at a time, in input order.
    fn fill(&mut self) {
        if self.in_flight.is_empty()
            && let Some(reason) = self.stopped.clone()
        {
            // Stopped: the input already read is reported, none is sent,
            // and no further input is read.
            let outcome = match self.pending.take() {
                Some(Input::Send(pending)) => ImportOutcome {
                    index: pending.index,
                    result: Err(ImportError::NotAttempted(reason)),
                },
                // An input settled without sending says how.
                Some(Input::Done(index, result)) => ImportOutcome { index, result },
                None => return,
            };
            self.ready.push_back(outcome);
            return;
        }
        // The outcomes of a fill that sent nothing (lookups of a resumed
        // import, duplicates) are saved now that they were handled, so the
        // lookups are not done again.
        if self.unsaved {
            self.unsaved = false;
            self.save_checkpoint();
        }
        if self.concurrency() <= 1 && self.in_flight.is_empty() {
            let (chunk, settled) = self.next_chunk();
            self.settle_chunk(chunk, settled, None);
            return;
        }
        while self.stopped.is_none() && self.in_flight.len() < self.concurrency() {
            let (mut chunk, settled) = self.next_chunk();
            if chunk.is_empty() && settled.is_empty() {
                break;
            }
            let answer = (!chunk.is_empty()).then(|| self.dispatch(&mut chunk));
            let sent_nothing = answer.is_none();
            self.in_flight.push_back(Flight {
                chunk,
                settled,
                answer,
            });
            // What was settled without sending is handed out now, not
            // after the next chunks are read.
            if sent_nothing {
                break;
            }
        }
        if let Some(flight) = self.in_flight.pop_front() {
            self.settle_chunk(flight.chunk, flight.settled, flight.answer);
        }
    }

    /// Reads the inputs of the next chunk: those to send, and those settled
    /// without sending (in input order among them). Before a chunk goes
    /// out, the position is saved, so a job killed while it is on its way
    /// looks its inputs up instead of sending them again.
    fn next_chunk(&mut self) -> (Part, Results) {
        let mut chunk = Part::default();
        // Inputs settled without sending, read while the chunk fills: they
        // do not cut it short, and take a place in it so that a run of them
        // is not read all at once.
        let mut settled: Results = Vec::new();
        let mut bytes = ENVELOPE_BYTES;
        let mut plaintext = false;
        let filling = Instant::now();
        while let Some(input) = self.pending.take().or_else(|| self.read()) {
            match input {
                Input::Done(index, result) => {
                    settled.push((index, result));
                    // Lookups take time (a second each on some servers):
                    // what they settled is handed out, and so saved, at
                    // least once a second, so a job killed while looking up
                    // does not look it all up again.
                    if chunk.len() + settled.len() >= self.job.chunk_size
                        || filling.elapsed() >= FILL_TIME
                    {
                        break;
                    }
                }
                Input::Send(pending) => {
                    let has_plaintext = pending
                        .body()
                        .is_some_and(CreateIdentityBody::has_plaintext_password);
                    let count_limit = if plaintext || has_plaintext {
                        self.job.chunk_size.min(self.job.plaintext_chunk_size)
                    } else {
                        self.job.chunk_size
                    };
                    let fits = chunk.is_empty()
                        || (chunk.len() < count_limit
                            && bytes + 1 + pending.bytes <= self.job.max_chunk_bytes);
                    if !fits {
                        self.pending = Some(Input::Send(pending));
                        break;
                    }
                    bytes += usize::from(!chunk.is_empty()) + pending.bytes;
                    plaintext |= has_plaintext;
                    chunk.inputs.push(*pending);
                    if chunk.len() + settled.len() >= count_limit {
                        break;
                    }
                }
            }
        }
        if !chunk.is_empty() {
            self.save_checkpoint();
            if self.server_clock.is_none() {
                self.read_server_clock();
            }
        }
        self.unsaved = chunk.is_empty() && !settled.is_empty();
        (chunk, settled)
    }

    /// Settles a chunk: sends it (or takes the answer of its send already
    /// under way), settles what the answer leaves open, and hands its
    /// outcomes out with those of the inputs settled beside it.
    fn settle_chunk(&mut self, chunk: Part, settled: Results, answer: Option<Answer>) {
        let sent = !chunk.is_empty();
        let mut results = settled;
        self.server_error = None;
        match answer {
            None => self.send_group(chunk, &mut results),
            Some(answer) => {
                let answer = answer.recv().unwrap_or_else(|_| {
                    Err(Error::invalid(
                        InvalidInputKind::Invalid,
                        "the thread sending this batch ended without an answer",
                    )
                    .in_operation(BATCH_PATCH_IDENTITIES))
                });
                match answer {
                    // Concurrent writes refused (Ory Network answers them
                    // 429): one batch at a time from now on, and this one
                    // again, which was not processed.
                    Err(error) if error.status() == Some(429) => {
                        self.one_at_a_time(&error);
                        self.await_in_flight();
                        self.send_group(chunk, &mut results);
                    }
                    answer => self.answered_group(chunk, answer, &mut results),
                }
            }
        }
        self.revive_duplicates(&mut results);
        if sent {
            self.count_dead_chunk(&results);
        }
        results.sort_by_key(|(index, _)| *index);
        self.ready.extend(
            results
                .into_iter()
                .map(|(index, result)| ImportOutcome { index, result }),
        );
    }

    /// Hands the position to the caller's [`ImportIdentities::checkpoint`].
    fn save_checkpoint(&mut self) {
        if self.job.checkpoint.is_none() {
            return;
        }
        let position = self.resume_position();
        if let Some(save) = self.job.checkpoint.as_mut() {
            save(&position);
        }
    }

    /// Sends a chunk (or the inputs sent again after lookups) and records
    /// an outcome for each of its inputs. A chunk refused as a whole for
    /// its content (400, 409, 413) created nothing: a lone input gets the
    /// refusal as its own, and a larger chunk is split to isolate the
    /// inputs the server refuses (see [`split`](Self::split)). Unless the
    /// server refuses a request without any identity alike: then it refuses
    /// every batch, whatever it holds, and the import stops.
    fn send_group(&mut self, mut chunk: Part, results: &mut Results) {
        if chunk.is_empty() {
            return;
        }
        let answer = self.send_now(&mut chunk);
        self.answered_group(chunk, answer, results);
    }

    /// [`send_group`](Self::send_group) once the chunk's answer is in.
    fn answered_group(
        &mut self,
        chunk: Part,
        answer: Result<RawResponse, Error>,
        results: &mut Results,
    ) {
        let Some((part, error)) = self.answered_part(chunk, answer, results) else {
            return;
        };
        if self.refuses_every_batch(&error) {
            self.stop_as_systemic(&error);
            part.fail_all(results, || ImportError::NotCreated(Arc::clone(&error)));
            return;
        }
        match part.len() {
            1 => self.reject(part, &error, results),
            _ => self.split(part, error, results),
        }
    }

    /// A lone input refused with the whole request: the server's reason is
    /// its own, and a 409 means an identity with its identifier or external
    /// id exists already (looked up when that must be told apart).
    fn reject(&mut self, part: Part, error: &Error, results: &mut Results) {
        let reason = reason_of(error);
        let conflict = error.status() == Some(409);
        for pending in part.inputs {
            let index = pending.index;
            let outcome = match conflict {
                true => self.conflict(pending, Box::new(reason.clone()), part.round),
                false => Err(ImportError::Rejected(Box::new(reason.clone()))),
            };
            results.push((index, outcome));
        }
    }

    /// Sends one part. Records the outcome of each of its inputs, except
    /// when the part is refused for its content (400, 409, 413): then
    /// nothing of it was created, and it comes back with the refusal.
    fn send_part(&mut self, mut part: Part, results: &mut Results) -> Option<(Part, Arc<Error>)> {
        let answer = self.send_now(&mut part);
        self.answered_part(part, answer, results)
    }

    /// [`send_part`](Self::send_part) once the part's answer is in.
    fn answered_part(
        &mut self,
        part: Part,
        answer: Result<RawResponse, Error>,
        results: &mut Results,
    ) -> Option<(Part, Arc<Error>)> {
        let error = match self.read_answer(answer) {
            Ok(response) => {
                self.failed_in_a_row = 0;
                let matched = match_results(&part, response.identities);
                self.settle_answered(part, matched, results);
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
        if sent && !stops {
            self.server_error = Some(Arc::clone(&error));
        }
        self.failed_in_a_row = if stops { self.failed_in_a_row + 1 } else { 0 };
        if stops && self.job.stop_after > 0 && self.failed_in_a_row >= self.job.stop_after {
            log::warn!(
                "import stopped after {} failed chunk(s) in a row ({}), {} inputs read; the inputs read but not sent are reported as not attempted, and no further input is read",
                self.failed_in_a_row,
                error.log_summary(),
                self.next_index
            );
            self.stopped = Some(Arc::clone(&error));
        }
        match sent {
            true => self.settle_unknown(part, results, Some(&error)),
            false => part.fail_all(results, || ImportError::NotCreated(Arc::clone(&error))),
        }
        None
    }

    /// The batch request of a part; its inputs are marked sent now (after
    /// the server's clock as last read).
    fn batch_request(&self, part: &mut Part) -> Result<Call, Error> {
        for pending in &mut part.inputs {
            pending.sent_after = pending.sent_after.or(self.server_clock);
        }
        self.call_with(&part.patches())
    }

    /// One batch request with these patches.
    fn call_with(&self, patches: &[&IdentityPatch]) -> Result<Call, Error> {
        batch_call(patches)?
            .with_timeout(self.job.timeout)
            .and_then(|call| call.with_deadline(self.job.deadline))
            .map_err(|e| e.in_operation(BATCH_PATCH_IDENTITIES))
    }

    /// Sends a part's batch request and waits for the answer.
    fn send_now(&mut self, part: &mut Part) -> Result<RawResponse, Error> {
        let call = self.batch_request(part)?;
        self.job.client.send_call(&call)
    }

    /// One batch request with these patches, sent and read.
    fn post(&mut self, patches: &[&IdentityPatch]) -> Result<BatchPatchIdentitiesResponse, Error> {
        let call = self.call_with(patches);
        let answer = call.and_then(|call| self.job.client.send_call(&call));
        self.read_answer(answer)
    }

    /// The answer of a batch request: the server's clock noted, the body
    /// decoded. Whether a failed batch may have created its inputs is the
    /// import's to settle (it looks them up) and to say, input by input.
    fn read_answer(
        &mut self,
        answer: Result<RawResponse, Error>,
    ) -> Result<BatchPatchIdentitiesResponse, Error> {
        let raw = answer.map_err(Error::settled_by_the_caller)?;
        self.note_server_clock(raw.headers.get("date"));
        let mut answer: BatchPatchIdentitiesResponse = decode_json(&raw)?;
        // An entry's error is quoted by its input's outcome: scrubbed, as
        // the body of an error answer is.
        for entry in answer.identities.iter_mut().flatten() {
            if let Some(error) = entry.error.take() {
                entry.error = Some(error.scrubbed(&raw.scrub));
            }
        }
        Ok(answer)
    }

    /// Reads the server's clock before the first batch when no answer told
    /// it yet (the identity schema could not be read, say): without it, an
    /// identity a lookup finds after a lost answer could be told from the
    /// import's own work only by the client's clock, with a wide margin.
    fn read_server_clock(&mut self) {
        match self.job.client.get_version().send_with_info() {
            Ok(answer) => self.note_server_clock(answer.headers().get("date")),
            Err(error) => log::debug!(
                "import: could not read the server's clock ({})",
                error.log_summary()
            ),
        }
    }

    /// Keeps the server's clock from an answer's `Date` header.
    fn note_server_clock(&mut self, date: Option<&str>) {
        if let Some(at) = date.and_then(parse_http_date) {
            self.server_clock = Some(at);
        }
    }
}
