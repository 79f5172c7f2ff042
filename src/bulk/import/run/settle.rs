//! Settling what an answer leaves open: conflicts told apart, unknown
//! outcomes looked up (and resent when not found), duplicates found after
//! the fact, and duplicates of refused inputs sent in their place.

use std::collections::HashSet;
use std::sync::Arc;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{ImportOutcomes, Input};
use crate::bulk::import::chunk::{Part, Pending, Results};
use crate::bulk::import::keys::IdentifierKind;
use crate::bulk::import::outcome::ImportError;
use crate::bulk::import::resolve::{Found, existed_before, look_up};
use crate::error::{Error, GenericError};

impl<I: Iterator<Item = crate::models::CreateIdentityBody>> ImportOutcomes<I> {
    /// An input an earlier run may have sent: looked up, and sent only if
    /// it is not on the server.
    pub(super) fn look_up_first(&mut self, pending: Pending) -> Input {
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
            Found::Nothing => {
                // Sent by the earlier run or not, it is sent (again) now.
                self.resent += 1;
                Input::Send(Box::new(pending))
            }
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
    pub(super) fn find(&mut self, pending: &Pending, every_key: bool) -> Found {
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
    pub(super) fn found_this(
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
    pub(super) fn claimed_by_another(&mut self, id: Uuid, index: usize) -> Option<usize> {
        let first = *self.claimed.entry(id).or_insert(index);
        (first != index).then_some(first)
    }

    /// The input this run matched identity `id` to, when that is not input
    /// `index` (a lookup found `id` holding one of its keys).
    pub(super) fn matched_to_another(&self, id: Uuid, index: usize) -> Option<usize> {
        self.claimed.get(&id).copied().filter(|&of| of != index)
    }

    /// The outcome of input `index`, whose identifier identity `id` holds:
    /// a duplicate when this run created `id` for an earlier input.
    pub(super) fn held_by_another(
        &self,
        index: usize,
        id: Uuid,
        kind: IdentifierKind,
    ) -> ImportError {
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

    /// Records the answered outcomes of a part: a 409 is looked up when it
    /// must be told apart (see [`conflict`](Self::conflict)), and an input
    /// the answer has no entry for is settled by a lookup.
    pub(super) fn settle_answered(
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
    pub(super) fn conflict(
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
    pub(super) fn settle_unknown(
        &mut self,
        part: Part,
        results: &mut Results,
        cause: Option<&Arc<Error>>,
    ) {
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
    pub(super) fn note_created(&mut self, index: usize, outcome: &Result<Uuid, ImportError>) {
        if let Ok(id) = outcome {
            self.claimed.insert(*id, index);
        }
    }

    /// Sends again the duplicates among `results` whose first input the
    /// server refused for itself (traits the schema refuses, say): that
    /// input is not created, so a later one of the same person must be.
    /// The others stay duplicates; their bodies are let go.
    pub(super) fn revive_duplicates(&mut self, results: &mut Results) {
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
}
