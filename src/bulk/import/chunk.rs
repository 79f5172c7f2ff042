//! The inputs sent together in one batch request, and the pairing of the
//! server's answer with them.

use std::io;

use time::OffsetDateTime;
use uuid::Uuid;

use super::keys::Keys;
use super::outcome::ImportError;
use crate::error::{Error, GenericError};
use crate::models::{
    CreateIdentityBody, IdentityPatch, IdentityPatchAction, IdentityPatchResponse,
};

/// The outcomes of a chunk's inputs as they come: input index and result.
pub(super) type Results = Vec<(usize, Result<Uuid, ImportError>)>;

/// One input, read, measured and ready to be sent.
pub(super) struct Pending {
    pub(super) index: usize,
    pub(super) patch: IdentityPatch,
    /// Its size in the request body.
    pub(super) bytes: usize,
    pub(super) keys: Keys,
    /// The server's clock (its `Date` header) at the latest answer before
    /// this input was first sent: an identity created before it was not
    /// created by this input's request.
    pub(super) sent_after: Option<OffsetDateTime>,
}

impl Pending {
    pub(super) fn body(&self) -> Option<&CreateIdentityBody> {
        self.patch.create.as_ref()
    }
}

/// Inputs sent together, in input order.
#[derive(Default)]
pub(super) struct Part {
    pub(super) inputs: Vec<Pending>,
    /// How many times these inputs were sent before, after lookups found
    /// them not created: 0 for a first send. A 409 for an input sent again
    /// is always looked up, since the earlier send may have created it.
    pub(super) round: usize,
}

impl Part {
    pub(super) fn new(round: usize) -> Part {
        Part {
            inputs: Vec::new(),
            round,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.inputs.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    pub(super) fn first_and_last(&self) -> (usize, usize) {
        let index = |p: Option<&Pending>| p.map(|p| p.index).unwrap_or_default();
        (index(self.inputs.first()), index(self.inputs.last()))
    }

    /// The patches, borrowed for the request body.
    pub(super) fn patches(&self) -> Vec<&IdentityPatch> {
        self.inputs.iter().map(|p| &p.patch).collect()
    }

    /// `ways` parts of nearly equal size, in order (fewer when the part
    /// has fewer inputs).
    pub(super) fn cut(self, ways: usize) -> Vec<Part> {
        let ways = ways.clamp(1, self.len().max(1));
        let (size, extra) = (self.len() / ways, self.len() % ways);
        let mut inputs = self.inputs.into_iter();
        (0..ways)
            .map(|i| Part {
                inputs: inputs
                    .by_ref()
                    .take(size + usize::from(i < extra))
                    .collect(),
                round: self.round,
            })
            .collect()
    }

    /// Every input fails with `error()`.
    pub(super) fn fail_all(&self, results: &mut Results, error: impl Fn() -> ImportError) {
        results.extend(self.inputs.iter().map(|p| (p.index, Err(error()))));
    }
}

/// The server's reason for refusing a whole request, as one input's reason
/// (when the input was alone in it).
pub(super) fn reason_of(error: &Error) -> GenericError {
    error
        .kratos_error()
        .cloned()
        .unwrap_or_else(|| GenericError {
            message: error.to_string(),
            code: error.status().map(i64::from),
            ..GenericError::default()
        })
}

/// A whole request refused for what it carries: Kratos created nothing of
/// it. A 400 or 413 (an unparsable hash, a body too large), and a 409: with
/// only one valid identity in a request (and always on MySQL) Kratos does
/// not insert item by item, and one duplicate fails the whole request.
pub(super) fn refused_for_its_content(error: &Error) -> bool {
    matches!(error.status(), Some(400 | 409 | 413))
}

/// The patch id that lets the answer's entries be matched to the inputs.
pub(super) fn patch_id(index: usize) -> Uuid {
    Uuid::from_u128(index as u128)
}

/// Pairs the answer's entries with the part's inputs: by `patch_id` when
/// the server echoes it, else by position (Kratos answers in request order).
/// An input without an entry gets [`ImportError::NoResult`].
pub(super) fn match_results(
    part: &Part,
    entries: Vec<Option<IdentityPatchResponse>>,
) -> Vec<Result<Uuid, ImportError>> {
    let mut results: Vec<Option<Result<Uuid, ImportError>>> = vec![None; part.len()];
    for (position, entry) in entries.into_iter().enumerate() {
        let slot = entry
            .as_ref()
            .and_then(|e| e.patch_id)
            .and_then(|id| part.inputs.iter().position(|p| patch_id(p.index) == id))
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
pub(super) fn serialized_len<T: serde::Serialize>(value: &T) -> Result<usize, serde_json::Error> {
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
