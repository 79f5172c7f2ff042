//! Bulk import: any number of [`CreateIdentityBody`]s, sent in chunks the
//! server accepts, with exactly one outcome per input, in input order.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::Arc;

use uuid::Uuid;

use crate::{
    CreateIdentityBody, Error, GenericError, IdentityClient, IdentityPatch, IdentityPatchAction,
    IdentityPatchResponse, PatchIdentitiesBody,
};

/// The most identities Kratos accepts in one batch request.
pub const MAX_CHUNK_SIZE: usize = 1000;
/// The most identities per batch when any of them carries a plaintext password.
pub const MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS: usize = 200;
/// The default cap on one request body: safely under the self-hosted admin
/// server's 5 MiB limit.
pub const DEFAULT_MAX_CHUNK_BYTES: usize = 4_500_000;
/// `{"identities":[` and `]}`.
const ENVELOPE_BYTES: usize = 17;

impl IdentityClient {
    /// Imports identities in bulk through
    /// [`batch_patch_identities`](Self::batch_patch_identities): at most 1000
    /// per request (200 when one carries a plaintext password) and at most
    /// [`DEFAULT_MAX_CHUNK_BYTES`] per request body.
    ///
    /// Every input gets exactly one [`ImportOutcome`], in input order: the
    /// new identity's id, or why it was not created. A whole request that
    /// fails gives each of its items that request's error. Nothing is
    /// dropped. Batch requests are retried only when they certainly did not
    /// reach the server (or got a 429), so no identity is created twice.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PATCH").path("/admin/identities"); then.body(r#"{"identities":[{"action":"create","identity":"9f425a8d-7efc-4768-8f23-7647a74fdf13"},{"action":"error","error":{"code":409,"message":"an identity with the same identifier already exists"}}]}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateIdentityBody;
    /// use serde_json::json;
    ///
    /// let people = ["ada@example.com", "grace@example.com"]
    ///     .map(|email| CreateIdentityBody::new("default", json!({ "email": email })));
    /// let report = client.import_identities(people).chunk_size(500).send();
    /// assert_eq!(report.created, 1);
    /// for failure in &report.failures {
    ///     eprintln!("item {} failed: {}", failure.index, failure.error);
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
            max_chunk_bytes: DEFAULT_MAX_CHUNK_BYTES,
        }
    }
}

/// A bulk import, ready to run; see [`IdentityClient::import_identities`].
#[must_use = "an import does nothing until .send() or .outcomes() is used"]
pub struct ImportIdentities<I> {
    client: IdentityClient,
    input: I,
    chunk_size: usize,
    max_chunk_bytes: usize,
}

impl<I> fmt::Debug for ImportIdentities<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportIdentities")
            .field("chunk_size", &self.chunk_size)
            .field("max_chunk_bytes", &self.max_chunk_bytes)
            .finish_non_exhaustive()
    }
}

impl<I: Iterator<Item = CreateIdentityBody>> ImportIdentities<I> {
    /// Identities per request, 1 to [`MAX_CHUNK_SIZE`] (values outside are
    /// clamped). Chunks with a plaintext password are further capped at
    /// [`MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS`]. Default: 1000.
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = size.clamp(1, MAX_CHUNK_SIZE);
        self
    }

    /// The largest request body in bytes. Default:
    /// [`DEFAULT_MAX_CHUNK_BYTES`]. An identity that alone exceeds it fails
    /// with [`ImportError::TooLarge`] and is not sent.
    pub fn max_chunk_bytes(mut self, bytes: usize) -> Self {
        self.max_chunk_bytes = bytes;
        self
    }

    /// The outcomes, lazily: one request per chunk, as the outcomes are consumed.
    pub fn outcomes(self) -> ImportOutcomes<I> {
        ImportOutcomes {
            job: self,
            pending: None,
            next_index: 0,
            ready: VecDeque::new(),
        }
    }

    /// Runs the whole import and sums it up.
    pub fn send(self) -> ImportReport {
        let mut report = ImportReport::default();
        for outcome in self.outcomes() {
            report.total += 1;
            match outcome.result {
                Ok(_) => report.created += 1,
                Err(error) => report.failures.push(ImportFailure {
                    index: outcome.index,
                    error,
                }),
            }
        }
        report
    }
}

/// What happened to one input of an import.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// The input's 0-based position.
    pub index: usize,
    /// The created identity's id, or why it was not created.
    pub result: Result<Uuid, ImportError>,
}

/// Why one input of an import was not created.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Kratos refused this identity (a duplicate identifier, traits that
    /// fail the schema, …).
    #[error("rejected by the server: {0}")]
    Rejected(Box<GenericError>),
    /// The whole request carrying this identity failed; the error is shared
    /// by every identity of that request.
    #[error("the batch request failed: {0}")]
    RequestFailed(Arc<Error>),
    /// This identity alone is larger than the request body cap.
    #[error("the identity serializes to {bytes} bytes, more than the {limit}-byte request cap")]
    TooLarge {
        /// Its size in bytes, in the request.
        bytes: usize,
        /// The cap.
        limit: usize,
    },
    /// The identity could not be serialized.
    #[error("the identity could not be serialized: {0}")]
    Invalid(String),
    /// The server's answer had no result for this identity.
    #[error("the server's answer has no result for this identity")]
    NoResult,
}

/// One failed input of an import.
#[derive(Debug, Clone)]
pub struct ImportFailure {
    /// The input's 0-based position.
    pub index: usize,
    /// Why it failed.
    pub error: ImportError,
}

/// The summary of a finished import.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ImportReport {
    /// How many inputs there were.
    pub total: usize,
    /// How many identities were created.
    pub created: usize,
    /// Every input that was not created, in input order.
    pub failures: Vec<ImportFailure>,
}

impl ImportReport {
    /// `true` when every input was created.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty()
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
        let body = self.job.input.next()?;
        let index = self.next_index;
        self.next_index += 1;
        // The patch id lets answers be matched to inputs.
        let patch = IdentityPatch::create(body).patch_id(Uuid::from_u128(index as u128));
        let limit = self.job.max_chunk_bytes;
        Some(match serialized_len(&patch) {
            Err(e) => Input::Fail(index, ImportError::Invalid(e.to_string())),
            Ok(bytes) if ENVELOPE_BYTES + bytes > limit => {
                Input::Fail(index, ImportError::TooLarge { bytes, limit })
            }
            Ok(bytes) => Input::Send(index, Box::new(patch), bytes),
        })
    }

    /// Puts the outcomes of the next chunk, or of the next input that
    /// cannot be sent, in `ready`, keeping input order.
    fn fill(&mut self) {
        let mut chunk: Vec<(usize, IdentityPatch)> = Vec::new();
        let mut bytes = ENVELOPE_BYTES;
        let mut plaintext = false;
        while let Some(input) = self.pending.take().or_else(|| self.read()) {
            match input {
                Input::Fail(index, error) if chunk.is_empty() => {
                    self.ready.push_back(ImportOutcome {
                        index,
                        result: Err(error),
                    });
                    return;
                }
                Input::Send(index, patch, size) => {
                    let has_plaintext = patch
                        .create
                        .as_ref()
                        .is_some_and(CreateIdentityBody::has_plaintext_password);
                    let count_limit = if plaintext || has_plaintext {
                        self.job
                            .chunk_size
                            .min(MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS)
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
                    chunk.push((index, *patch));
                    if chunk.len() >= count_limit {
                        break;
                    }
                }
                failed @ Input::Fail(..) => {
                    // The chunk's inputs come first: send them, then this one.
                    self.pending = Some(failed);
                    break;
                }
            }
        }
        if !chunk.is_empty() {
            self.send_chunk(chunk);
        }
    }

    fn send_chunk(&mut self, chunk: Vec<(usize, IdentityPatch)>) {
        let indices: Vec<usize> = chunk.iter().map(|(i, _)| *i).collect();
        let body = PatchIdentitiesBody::new(chunk.into_iter().map(|(_, p)| p).collect());
        let results = match self.job.client.batch_patch_identities(body).send() {
            Ok(response) => match_results(&indices, response.identities),
            Err(error) => {
                let shared = Arc::new(error);
                indices
                    .iter()
                    .map(|_| Err(ImportError::RequestFailed(Arc::clone(&shared))))
                    .collect()
            }
        };
        self.ready.extend(
            indices
                .into_iter()
                .zip(results)
                .map(|(index, result)| ImportOutcome { index, result }),
        );
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
        return Err(ImportError::Rejected(Box::new(error)));
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
