//! A chunk refused as a whole: is it the content (split it until each
//! refused input has its own outcome) or the server refusing every batch
//! (stop)? And the other evidence that stops an import: chunks in a row of
//! server errors that created nothing.

use std::sync::Arc;

use super::ImportOutcomes;
use crate::bulk::import::chunk::{Part, Results};
use crate::bulk::import::outcome::ImportError;
use crate::error::Error;

/// How many chunks in a row that met a server error (a 5xx, a timeout, a
/// connection that broke) and left nothing created stop the import: the
/// server fails every batch, and going on would only read more inputs into
/// unknown outcomes. A proxy that answers 502 after the work was done does
/// not count: the lookups find its chunks created.
pub(super) const DEAD_CHUNKS_IN_A_ROW: usize = 3;

/// How many inputs a split must have isolated before their refusal rate
/// decides how finely a refused part is cut (see [`ways`]).
pub(super) const SPLIT_SAMPLE: usize = 32;

/// How many groups to cut a refused part of `n` inputs into, given how many
/// inputs splits have isolated so far as refused and as accepted. Halves
/// until [`SPLIT_SAMPLE`] inputs were told; then groups of `(1 - p) / p`
/// inputs for a refusal rate `p` (Hwang's generalized binary splitting:
/// about one bad input per group, each refused group halved again), which
/// is one input per group once `p` passes about 0.38, where sending each
/// input alone costs least.
pub(super) fn ways(n: usize, refused: usize, accepted: usize) -> usize {
    if refused + accepted < SPLIT_SAMPLE || refused == 0 {
        return 2.min(n);
    }
    // (1 - p) / p = accepted / refused, at least 1.
    let group = (accepted / refused).max(1);
    n.div_ceil(group).clamp(2.min(n), n)
}

/// A whole-request refusal's kind: its status and what it says.
pub(super) fn refusal_signature(error: &Error) -> u64 {
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

impl<I: Iterator<Item = crate::models::CreateIdentityBody>> ImportOutcomes<I> {
    /// Stops the import after [`DEAD_CHUNKS_IN_A_ROW`] chunks that met a
    /// server error and created nothing (`results` are the chunk's).
    pub(super) fn count_dead_chunk(&mut self, results: &Results) {
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

    /// Whether a request refused as a whole was refused for what it held
    /// or because the server (or a proxy before it) refuses every batch:
    /// asked once per kind of refusal (its status and text) with a batch of
    /// no identities, which Kratos answers 200 and which no content can
    /// make wrong. Refused too (any 4xx): every batch is. A 409 is always
    /// content (a conflict), and a probe that fails otherwise (a 5xx, a
    /// timeout) proves nothing: the refusal is taken for content.
    pub(super) fn refuses_every_batch(&mut self, refusal: &Error) -> bool {
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
    pub(super) fn split(&mut self, part: Part, refusal: Arc<Error>, results: &mut Results) {
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
    pub(super) fn stop_as_systemic(&mut self, error: &Arc<Error>) {
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
}
