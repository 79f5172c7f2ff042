//! The running import ([`ImportOutcomes`]): reading inputs, finding
//! duplicates, filling chunks, sending them, splitting refused ones, and
//! settling what the answers leave open by looking inputs up.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::chunk::{
    Part, Pending, Results, match_results, patch_id, reason_of, refused_for_its_content,
    serialized_len,
};
use super::keys::{IdentifierKind, Keys, Seen};
use super::outcome::{
    ImportCheck, ImportError, ImportFailure, ImportOutcome, not_sent, stops_the_import,
};
use super::position::{ImportPosition, Plan};
use super::resolve::{Found, existed_before, look_up};
use super::{ENVELOPE_BYTES, ImportIdentities};
use crate::api::endpoint::{Call, decode_json};
use crate::api::identity_writes::batch_call;
use crate::api::operation::BATCH_PATCH_IDENTITIES;
use crate::client::IdentityClient;
use crate::error::{Error, GenericError, InvalidInputKind};
use crate::http::response::RawResponse;
use crate::http::retry::parse_http_date;
use crate::models::{
    BatchPatchIdentitiesResponse, CreateIdentityBody, IdentityPatch, ServerVersion,
};

/// How many chunks in a row that met a server error (a 5xx, a timeout, a
/// connection that broke) and left nothing created stop the import: the
/// server fails every batch, and going on would only read more inputs into
/// unknown outcomes. A proxy that answers 502 after the work was done does
/// not count: the lookups find its chunks created.
const DEAD_CHUNKS_IN_A_ROW: usize = 3;

/// How many inputs a split must have isolated before their refusal rate
/// decides how finely a refused part is cut (see [`ways`]).
const SPLIT_SAMPLE: usize = 32;

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

/// The answer to a batch request sent on a thread of its own.
type Answer = mpsc::Receiver<Result<RawResponse, Error>>;

/// A chunk whose request is under way, with the inputs settled without
/// sending that were read with it.
struct Flight {
    chunk: Part,
    settled: Results,
    /// `None` for a group of inputs settled without sending.
    answer: Option<Answer>,
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

    /// Sends again the duplicates among `results` whose first input the
    /// server refused for itself (traits the schema refuses, say): that
    /// input is not created, so a later one of the same person must be.
    /// The others stay duplicates; their bodies are let go.
    fn revive_duplicates(&mut self, results: &mut Results) {
        for (index, result) in results.iter() {
            if matches!(result, Err(ImportError::Rejected(_))) {
                self.rejected.insert(*index);
            }
        }
        let mut revived = Part::default();
        for (index, result) in results.iter_mut() {
            let Err(ImportError::Duplicate { of, on }) = result else {
                continue;
            };
            let Some(pending) = self.shadowed.remove(index) else {
                continue;
            };
            if !self.rejected.contains(of) {
                continue;
            }
            // Another duplicate was sent in the first one's place already:
            // this one is a duplicate of that one.
            if let Some(holder) = self.seen.holder_other_than(&pending.keys, *of) {
                *result = Err(ImportError::Duplicate {
                    of: holder,
                    on: *on,
                });
                continue;
            }
            self.seen.reassign(*index, &pending.keys);
            revived.inputs.push(*pending);
        }
        let sent: HashSet<usize> = revived.inputs.iter().map(|p| p.index).collect();
        results.retain(|(index, _)| !sent.contains(index));
        if !revived.is_empty() {
            let (first, last) = revived.first_and_last();
            log::info!(
                "import: {} inputs ({first} to {last}) were duplicates of inputs the server refused; sending them",
                revived.len()
            );
            self.send_group(revived, results);
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

    /// An input an earlier run may have sent: looked up, and sent only if
    /// it is not on the server.
    fn look_up_first(&mut self, pending: Pending) -> Input {
        let index = pending.index;
        if let Some(error) = &self.lookups_failed {
            // The server does not answer lookups: the rest stays unknown
            // rather than costing a lookup (and its deadline) each.
            return Input::Done(index, Err(ImportError::OutcomeUnknown(Arc::clone(error))));
        }
        match self.find(&pending, false) {
            Found::This(id, created_at, kind) => {
                let outcome = self.found_this(index, id, kind, created_at, None, None);
                self.note_created(index, &outcome);
                Input::Done(index, outcome)
            }
            Found::Another(id, kind) => {
                Input::Done(index, Err(self.held_by_another(index, id, kind)))
            }
            Found::Nothing => Input::Send(Box::new(pending)),
            Found::GuessHeldBy(id, kind) => match self.matched_to_another(id, index) {
                Some(of) => Input::Done(index, Err(ImportError::Duplicate { of, on: kind })),
                // Sending it again could create it twice.
                None => Input::Done(index, Err(ImportError::NoResult)),
            },
            // Sending it again could create it twice.
            Found::NoKey => Input::Done(index, Err(ImportError::NoResult)),
            Found::Failed(error) => {
                log::warn!(
                    "import: could not look up inputs an earlier run may have sent ({}); they stay unknown",
                    error.log_summary()
                );
                let error = Arc::new(error);
                self.lookups_failed = Some(Arc::clone(&error));
                Input::Done(index, Err(ImportError::OutcomeUnknown(error)))
            }
        }
    }

    /// Looks one input up, counting the requests.
    fn find(&mut self, pending: &Pending, every_key: bool) -> Found {
        let Some(body) = pending.body() else {
            return Found::NoKey;
        };
        let (found, requests) = look_up(&self.job.client, body, &pending.keys, every_key);
        self.lookups += requests;
        found
    }

    /// The outcome of an input that a lookup found on the server, as
    /// `id`, after a request that may have created it: created by this
    /// import, unless the server created it well before the import started
    /// (then it already existed; `reason` is the server's 409, if any).
    fn found_this(
        &mut self,
        index: usize,
        id: Uuid,
        kind: IdentifierKind,
        created_at: Option<OffsetDateTime>,
        sent_after: Option<OffsetDateTime>,
        reason: Option<Box<GenericError>>,
    ) -> Result<Uuid, ImportError> {
        if let Some(of) = self.claimed_by_another(id, index) {
            return Err(ImportError::Duplicate { of, on: kind });
        }
        if !existed_before(created_at, sent_after, self.started) {
            return Ok(id);
        }
        Err(ImportError::AlreadyExists(reason.unwrap_or_else(|| {
            Box::new(GenericError {
                message: "this identity exists already: a lookup found it, created before this import started".to_string(),
                code: Some(409),
                status: Some("Conflict".to_string()),
                ..GenericError::default()
            })
        })))
    }

    /// The input this run matched identity `id` to, when that is not input
    /// `index` itself; else `id` is now matched to `index` (a lookup found
    /// it to be this input).
    fn claimed_by_another(&mut self, id: Uuid, index: usize) -> Option<usize> {
        let first = *self.claimed.entry(id).or_insert(index);
        (first != index).then_some(first)
    }

    /// The input this run matched identity `id` to, when that is not input
    /// `index` (a lookup found `id` holding one of its keys).
    fn matched_to_another(&self, id: Uuid, index: usize) -> Option<usize> {
        self.claimed.get(&id).copied().filter(|&of| of != index)
    }

    /// The outcome of input `index`, whose identifier identity `id` holds:
    /// a duplicate when this run created `id` for an earlier input.
    fn held_by_another(&self, index: usize, id: Uuid, kind: IdentifierKind) -> ImportError {
        if let Some(of) = self.matched_to_another(id, index) {
            return ImportError::Duplicate { of, on: kind };
        }
        match self.job.verify_conflicts {
            true => ImportError::IdentifierTaken {
                existing: Some(id),
                on: Some(kind),
            },
            false => ImportError::AlreadyExists(Box::new(GenericError {
                message: format!(
                    "an identity with the same {kind} exists already (found by a lookup)"
                ),
                code: Some(409),
                status: Some("Conflict".to_string()),
                ..GenericError::default()
            })),
        }
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

    /// How many batches may be in flight now.
    fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Sends no more than one batch at a time from now on, saying why.
    fn one_at_a_time(&mut self, error: &Error) {
        if self.concurrency > 1 {
            log::warn!(
                "import: the server refused a batch sent beside others ({}); sending one batch at a time from now on",
                error.log_summary()
            );
            self.concurrency = 1;
        }
    }

    /// Waits until every chunk in flight has its answer (kept for when its
    /// turn comes), so that the server is handling none of them.
    fn await_in_flight(&mut self) {
        for flight in &mut self.in_flight {
            if let Some(answer) = flight.answer.take() {
                let (sender, kept) = mpsc::channel();
                if let Ok(received) = answer.recv() {
                    let _ = sender.send(received);
                }
                flight.answer = Some(kept);
            }
        }
    }

    /// Starts sending a chunk on a thread of its own; its answer comes on
    /// the returned channel.
    fn dispatch(&mut self, chunk: &mut Part) -> Answer {
        let (sender, answer) = mpsc::channel();
        match self.batch_request(chunk) {
            Ok(call) => {
                let client = self.job.client.clone();
                std::thread::spawn(move || {
                    // The receiver is gone only if the import was dropped.
                    let _ = sender.send(client.send_call(&call));
                });
            }
            Err(error) => {
                let _ = sender.send(Err(error));
            }
        }
        answer
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

    /// Stops the import after [`DEAD_CHUNKS_IN_A_ROW`] chunks that met a
    /// server error and created nothing (`results` are the chunk's).
    fn count_dead_chunk(&mut self, results: &Results) {
        let Some(error) = self.server_error.take() else {
            self.dead_in_a_row = 0;
            return;
        };
        if results.iter().any(|(_, result)| result.is_ok()) {
            self.dead_in_a_row = 0;
            return;
        }
        self.dead_in_a_row += 1;
        if self.dead_in_a_row >= DEAD_CHUNKS_IN_A_ROW && self.stopped.is_none() {
            log::warn!(
                "import stopped: {} chunks in a row met a server error ({}) and none of their inputs was created; {} inputs read, no further input is read",
                self.dead_in_a_row,
                error.log_summary(),
                self.next_index
            );
            self.stopped = Some(error);
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

    /// Whether a request refused as a whole was refused for what it held
    /// or because the server (or a proxy before it) refuses every batch:
    /// asked once per kind of refusal (its status and text) with a batch of
    /// no identities, which Kratos answers 200 and which no content can
    /// make wrong. Refused too (any 4xx): every batch is. A 409 is always
    /// content (a conflict), and a probe that fails otherwise (a 5xx, a
    /// timeout) proves nothing: the refusal is taken for content.
    fn refuses_every_batch(&mut self, refusal: &Error) -> bool {
        if refusal.status() == Some(409) {
            return false;
        }
        let signature = refusal_signature(refusal);
        if self.content_refusals.contains(&signature) {
            return false;
        }
        let probe = self.post(&[]);
        let refused = match &probe {
            Ok(_) => false,
            Err(error) => error.status().is_some_and(|s| (400..500).contains(&s)),
        };
        log::debug!(
            "import: a batch was refused as a whole ({}); a batch of no identities was {}",
            refusal.log_summary(),
            match &probe {
                Ok(_) => "accepted: the refusal is of the content".to_string(),
                Err(error) => format!("answered {}", error.log_summary()),
            }
        );
        if !refused {
            self.content_refusals.push(signature);
        }
        refused
    }

    /// Finds the inputs of a refused part that the server refuses, by
    /// sending smaller parts of it again (adaptive group testing): a part
    /// that is accepted is created, a lone input that is refused gets the
    /// server's reason as its own ([`ImportError::Rejected`]: refused
    /// alone, it is bad, whatever the reason), and a refused part of
    /// several inputs is cut again. A part is halved until the inputs
    /// isolated so far say how many are bad; then it is cut into about as
    /// many groups as it holds bad inputs (see [`ways`]), down to single
    /// inputs when most are bad. `d` bad inputs among `n` cost about
    /// `2d·log2(n/d)` requests while they are few (20 for one in 1,000,
    /// about 430 for 50), never more than `2n`, and about `n` when most
    /// are bad. [`ImportIdentities::max_split_requests`] bounds it: past
    /// it, the inputs not yet isolated are [`ImportError::NotCreated`] with
    /// the refusal of the request that carried them.
    fn split(&mut self, part: Part, refusal: Arc<Error>, results: &mut Results) {
        let cap = self.job.max_split_requests;
        let (first, last) = part.first_and_last();
        match cap {
            0 => log::warn!(
                "import: a chunk of {} inputs ({first} to {last}) was refused as a whole ({}); not splitting it (max_split_requests is 0): its inputs are reported as not created",
                part.len(),
                refusal.log_summary()
            ),
            _ => log::info!(
                "import: a chunk of {} inputs ({first} to {last}) was refused as a whole ({}); splitting it to find the inputs the server refuses",
                part.len(),
                refusal.log_summary()
            ),
        }
        let mut spent = 0;
        // Refused parts of several inputs, with their refusal, depth first.
        let mut refused = vec![(part, refusal)];
        while let Some((part, parent)) = refused.pop() {
            let ways = ways(part.len(), self.split_refused, self.split_accepted);
            let groups = part.cut(ways);
            let mut later = Vec::new();
            for group in groups {
                if let Some(reason) = &self.stopped {
                    group.fail_all(results, || ImportError::NotAttempted(Arc::clone(reason)));
                    continue;
                }
                if spent >= cap {
                    group.fail_all(results, || ImportError::NotCreated(Arc::clone(&parent)));
                    continue;
                }
                spent += 1;
                let size = group.len();
                match self.send_part(group, results) {
                    None => self.split_accepted += size,
                    Some((group, error)) if group.len() == 1 => {
                        self.split_refused += 1;
                        self.reject(group, &error, results);
                    }
                    Some((group, error)) => later.push((group, error)),
                }
            }
            // The first group is cut before the next.
            refused.extend(later.into_iter().rev());
        }
        if spent >= cap {
            log::warn!(
                "import: splitting inputs {first} to {last} stopped at max_split_requests ({cap}); the inputs not isolated are reported as not created"
            );
        }
    }

    /// Stops the import: a request without any identity was refused like
    /// the batch (see [`refuses_every_batch`](Self::refuses_every_batch)),
    /// so the server (or a proxy before it) refuses every batch, whatever it
    /// holds. The chunk is not created; no further input is read.
    fn stop_as_systemic(&mut self, error: &Arc<Error>) {
        if self.stopped.is_some() {
            return;
        }
        log::warn!(
            "import stopped: the server refused a batch ({}) and a batch of no identities alike: it refuses every batch; {} inputs read, no further input is read",
            error.log_summary(),
            self.next_index
        );
        self.stopped = Some(Arc::clone(error));
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

    /// Records the answered outcomes of a part: a 409 is looked up when it
    /// must be told apart (see [`conflict`](Self::conflict)), and an input
    /// the answer has no entry for is settled by a lookup.
    fn settle_answered(
        &mut self,
        part: Part,
        matched: Vec<Result<Uuid, ImportError>>,
        results: &mut Results,
    ) {
        let mut unanswered = Part::new(part.round);
        for (pending, result) in part.inputs.iter().zip(&matched) {
            self.note_created(pending.index, result);
        }
        for (pending, result) in part.inputs.into_iter().zip(matched) {
            let index = pending.index;
            let result = match result {
                Err(ImportError::AlreadyExists(reason)) => {
                    self.conflict(pending, reason, part.round)
                }
                Err(ImportError::NoResult) => {
                    unanswered.inputs.push(pending);
                    continue;
                }
                other => other,
            };
            results.push((index, result));
        }
        if !unanswered.is_empty() {
            self.settle_unknown(unanswered, results, None);
        }
    }

    /// A 409 for one input. Kept as [`ImportError::AlreadyExists`] unless
    /// it must be told apart: with `verify_conflicts(true)`, or for an
    /// input sent again (its earlier send may have created it). Then the
    /// input is looked up by every key: the stored identity is this input
    /// (already existed, or created by the earlier send), or another
    /// identity holds a key ([`ImportError::IdentifierTaken`]).
    fn conflict(
        &mut self,
        pending: Pending,
        reason: Box<GenericError>,
        round: usize,
    ) -> Result<Uuid, ImportError> {
        let index = pending.index;
        // Without the schema, two inputs of the same person were not found
        // before sending, and the 409 may be the second one's: told apart
        // like a verified conflict, and never a success unverified.
        let schema_read = pending.keys.schema_read;
        if !self.job.verify_conflicts && round == 0 && schema_read {
            return Err(ImportError::AlreadyExists(reason));
        }
        match self.find(&pending, true) {
            Found::This(id, created_at, kind) if round > 0 => self.found_this(
                index,
                id,
                kind,
                created_at,
                pending.sent_after,
                Some(reason),
            ),
            Found::This(id, _, kind) => match self.claimed_by_another(id, index) {
                Some(of) => Err(ImportError::Duplicate { of, on: kind }),
                None => Err(ImportError::AlreadyExists(reason)),
            },
            Found::Another(id, kind) | Found::GuessHeldBy(id, kind) => {
                match self.matched_to_another(id, index) {
                    Some(of) => Err(ImportError::Duplicate { of, on: kind }),
                    None => Err(ImportError::IdentifierTaken {
                        existing: Some(id),
                        on: Some(kind),
                    }),
                }
            }
            Found::Nothing | Found::NoKey if !schema_read => {
                Err(ImportError::ConflictUnverified(reason))
            }
            // Nothing found by any searchable key: the conflict is on an
            // address, held by another identity.
            Found::Nothing => Err(ImportError::IdentifierTaken {
                existing: None,
                on: None,
            }),
            Found::NoKey => Err(ImportError::AlreadyExists(reason)),
            Found::Failed(error) if !schema_read => {
                log::warn!(
                    "import: could not look up input {index} after a conflict ({}); without its identity schema the conflict stays unverified",
                    error.log_summary()
                );
                Err(ImportError::ConflictUnverified(reason))
            }
            Found::Failed(error) => {
                log::warn!(
                    "import: could not look up input {index} after a conflict ({}); it is reported as already existing",
                    error.log_summary()
                );
                Err(ImportError::AlreadyExists(reason))
            }
        }
    }

    /// Settles inputs whose request may have been processed (a timeout, a
    /// 5xx, an answer without their entry) by looking each up: found as
    /// this input, it was created; held by another identity, it already
    /// existed (or its identifier is taken); not found, it was not created
    /// and is sent again, at most `max_resends` times. What cannot be
    /// settled keeps `unknown()`.
    fn settle_unknown(&mut self, part: Part, results: &mut Results, cause: Option<&Arc<Error>>) {
        // The request's error, or an answer without the input's entry.
        let unknown = || match cause {
            Some(error) => ImportError::OutcomeUnknown(Arc::clone(error)),
            None => ImportError::NoResult,
        };
        if !self.job.resolve_unknown || self.stopped.is_some() {
            part.fail_all(results, unknown);
            return;
        }
        let mut again = Part::new(part.round + 1);
        let mut lookups_fail = false;
        for pending in part.inputs {
            let index = pending.index;
            if lookups_fail {
                results.push((index, Err(unknown())));
                continue;
            }
            match self.find(&pending, false) {
                Found::This(id, created_at, kind) => {
                    let sent_after = pending.sent_after;
                    let outcome = self.found_this(index, id, kind, created_at, sent_after, None);
                    self.note_created(index, &outcome);
                    results.push((index, outcome));
                }
                Found::Another(id, kind) => {
                    results.push((index, Err(self.held_by_another(index, id, kind))));
                }
                // Only a duplicate of an earlier input is certain: the
                // trait found may not be this input's identifier.
                Found::GuessHeldBy(id, kind) => {
                    let outcome = match self.matched_to_another(id, index) {
                        Some(of) => ImportError::Duplicate { of, on: kind },
                        None => unknown(),
                    };
                    results.push((index, Err(outcome)));
                }
                Found::Nothing if part.round < self.job.max_resends => again.inputs.push(pending),
                // Looked up after the last send, and not there: that send
                // did not create it either, whatever its answer said.
                Found::Nothing => {
                    let outcome = match cause {
                        Some(error) => ImportError::NotCreated(Arc::clone(error)),
                        None => unknown(),
                    };
                    results.push((index, Err(outcome)));
                }
                Found::NoKey => results.push((index, Err(unknown()))),
                Found::Failed(error) => {
                    // The server does not answer lookups either: the rest
                    // stays unknown rather than costing a retried lookup each.
                    log::warn!(
                        "import: could not look up inputs of unknown outcome ({}); they stay unknown",
                        error.log_summary()
                    );
                    lookups_fail = true;
                    results.push((index, Err(unknown())));
                }
            }
        }
        if !again.is_empty() {
            let (first, last) = again.first_and_last();
            log::info!(
                "import: {} inputs ({first} to {last}) of unknown outcome are not on the server; sending them again",
                again.len()
            );
            self.resent += again.len();
            self.send_group(again, results);
        }
    }

    /// Records an identity created for input `index`.
    fn note_created(&mut self, index: usize, outcome: &Result<Uuid, ImportError>) {
        if let Ok(id) = outcome {
            self.claimed.insert(*id, index);
        }
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

/// How many groups to cut a refused part of `n` inputs into, given how many
/// inputs splits have isolated so far as refused and as accepted. Halves
/// until [`SPLIT_SAMPLE`] inputs were told; then groups of `(1 - p) / p`
/// inputs for a refusal rate `p` (Hwang's generalized binary splitting:
/// about one bad input per group, each refused group halved again), which
/// is one input per group once `p` passes about 0.38, where sending each
/// input alone costs least.
fn ways(n: usize, refused: usize, accepted: usize) -> usize {
    if refused + accepted < SPLIT_SAMPLE || refused == 0 {
        return 2.min(n);
    }
    // (1 - p) / p = accepted / refused, at least 1.
    let group = (accepted / refused).max(1);
    n.div_ceil(group).clamp(2.min(n), n)
}

/// A whole-request refusal's kind: its status and what it says.
fn refusal_signature(error: &Error) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    error.status().hash(&mut hasher);
    match error.kratos_error() {
        Some(kratos) => {
            kratos.message.hash(&mut hasher);
            kratos.reason.hash(&mut hasher);
        }
        None => error.to_string().hash(&mut hasher),
    }
    hasher.finish()
}

/// The batches an import may have in flight against this client's server:
/// one against Ory Network (`*.oryapis.com`), which refuses concurrent writes
/// to the same path, with a warning when more were asked for.
fn effective_concurrency(client: &IdentityClient, asked: usize) -> usize {
    let asked = asked.max(1);
    let host = client.base_url();
    let host = host
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if asked > 1 && (host == "oryapis.com" || host.ends_with(".oryapis.com")) {
        log::warn!(
            "import: concurrency({asked}) asked for, but Ory Network refuses concurrent writes to the same path; sending one batch at a time"
        );
        return 1;
    }
    asked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ory_network_gets_one_batch_at_a_time() {
        let client = |url: &str| IdentityClient::new(url).unwrap();
        for (url, asked, given) in [
            ("http://my-slug.projects.oryapis.com", 4, 1),
            ("http://MY-SLUG.Projects.OryApis.com:443/prefix", 2, 1),
            ("http://oryapis.com", 2, 1),
            ("http://127.0.0.1:4434", 4, 4),
            ("http://oryapis.com.example.org", 3, 3),
            ("http://127.0.0.1:4434", 0, 1),
        ] {
            assert_eq!(effective_concurrency(&client(url), asked), given, "{url}");
        }
    }
}
