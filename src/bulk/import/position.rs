//! Where an import stands, so that another run can continue it exactly:
//! no input sent twice, none left out.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where an import stands: how far it read its inputs, and which of those
/// it has not settled. Serializable (serde), to be kept in a checkpoint
/// file beside the job; pass it to
/// [`ImportIdentities::resume`](super::ImportIdentities::resume) with the
/// same inputs to continue.
///
/// A resumed import reads the inputs again from the first (to find
/// duplicates across both runs), sends none of those settled already, and
/// for each unsettled one:
/// - [`unresolved`](Self::unresolved): it may have been created (its
///   request was sent and no answer came back, or the job was killed
///   before it saw the answer): it is looked up first, and sent only if it
///   is not there;
/// - [`not_created`](Self::not_created): it was certainly not created (a
///   refused request, an import that stopped): it is sent.
///
/// Then it goes on with input [`read`](Self::read).
///
/// ```
/// # #[cfg(kratos_fake_doctests)] {
/// # let kratos = kratos_identity_fake::FakeKratos::start();
/// # let client = kratos.client();
/// use kratos_identity::{CreateIdentityBody, ImportPosition};
/// use serde_json::json;
///
/// let inputs = || (0..5).map(|i| CreateIdentityBody::new("default", json!({ "email": format!("user{i}@example.com") })));
/// // A first run that handles three outcomes, then "crashes".
/// let mut outcomes = client.import_identities(inputs()).chunk_size(2).outcomes();
/// for _ in 0..3 {
///     outcomes.next();
/// }
/// let saved = serde_json::to_string(&outcomes.resume_position())?;
/// drop(outcomes);
///
/// // The next run continues: input 3 (sent with input 2) is looked up, not sent again.
/// let position: ImportPosition = serde_json::from_str(&saved)?;
/// let report = client.import_identities(inputs()).resume(&position).send();
/// assert_eq!(report.created + 3, 5);
/// assert_eq!(kratos.identity_count(), 5);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPosition {
    read: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unresolved: Vec<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    not_created: Vec<usize>,
    /// When the import's first run started (the client's clock): an
    /// identity a lookup finds that the server created well before it
    /// already existed, and was not created by this import.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    started: Option<OffsetDateTime>,
}

impl ImportPosition {
    /// The position of an import that has not started.
    pub fn start() -> ImportPosition {
        ImportPosition::default()
    }

    /// How many inputs (from the first) the import has read: those before
    /// this index are settled, except the ones listed in
    /// [`unresolved`](Self::unresolved) and [`not_created`](Self::not_created).
    pub fn read(&self) -> usize {
        self.read
    }

    /// The inputs that may have been created, in input order: their
    /// request was sent and its outcome is not known (or not yet handed
    /// out). A resumed import looks each one up before it sends it.
    pub fn unresolved(&self) -> &[usize] {
        &self.unresolved
    }

    /// The inputs certainly not created for a reason not their own (a
    /// request refused as a whole, an import that stopped), in input
    /// order. A resumed import sends them again.
    pub fn not_created(&self) -> &[usize] {
        &self.not_created
    }

    /// The first input not settled: the smallest index listed, else
    /// [`read`](Self::read). A job that gives a resumed import only the
    /// inputs from here on passes this index to
    /// [`ImportIdentities::inputs_start_at`](super::ImportIdentities::inputs_start_at).
    pub fn first_unsettled(&self) -> usize {
        let listed = self
            .unresolved
            .first()
            .into_iter()
            .chain(self.not_created.first());
        listed.copied().min().unwrap_or(self.read).min(self.read)
    }

    /// `true` when nothing read is unsettled.
    pub fn is_settled(&self) -> bool {
        self.unresolved.is_empty() && self.not_created.is_empty()
    }

    /// When the import's first run started, by the client's clock (`None`
    /// for [`start`](Self::start), or a position saved by an older version).
    pub fn started_at(&self) -> Option<OffsetDateTime> {
        self.started
    }

    pub(super) fn new(
        read: usize,
        unresolved: Vec<usize>,
        not_created: Vec<usize>,
        started: OffsetDateTime,
    ) -> Self {
        ImportPosition {
            read,
            unresolved,
            not_created,
            started: Some(started),
        }
    }

    /// What a resumed import does with input `index`.
    pub(super) fn plan(&self, index: usize) -> Plan {
        if index >= self.read {
            Plan::Send
        } else if self.unresolved.binary_search(&index).is_ok() {
            Plan::LookUpFirst
        } else if self.not_created.binary_search(&index).is_ok() {
            Plan::Send
        } else {
            Plan::Skip
        }
    }

    /// The entries of `list` from `from` on.
    pub(super) fn from_on(list: &[usize], from: usize) -> impl Iterator<Item = usize> + '_ {
        let start = list.partition_point(|&i| i < from);
        list[start..].iter().copied()
    }

    /// The indices this position still lists, from `from` on: those a
    /// resumed run has not reached yet.
    pub(super) fn pending_from(&self, from: usize) -> (Vec<usize>, Vec<usize>) {
        (
            Self::from_on(&self.unresolved, from).collect(),
            Self::from_on(&self.not_created, from).collect(),
        )
    }

    /// Sorts and dedups the lists of a position read from elsewhere (a
    /// checkpoint written by hand), so `plan` can search them.
    pub(super) fn normalized(mut self) -> Self {
        self.unresolved.sort_unstable();
        self.unresolved.dedup();
        self.not_created.sort_unstable();
        self.not_created.dedup();
        self.not_created
            .retain(|i| self.unresolved.binary_search(i).is_err());
        self
    }
}

/// What a resumed import does with one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Settled by the earlier run: read (for duplicates), not sent.
    Skip,
    /// May exist: looked up, sent if it is not there.
    LookUpFirst,
    /// Sent.
    Send,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_each_input_and_round_trips_through_json() {
        let started = OffsetDateTime::from_unix_timestamp(1796117400).unwrap();
        let position = ImportPosition::new(10, vec![7, 8], vec![3], started);
        let plans: Vec<Plan> = (0..12).map(|i| position.plan(i)).collect();
        assert_eq!(plans[0], Plan::Skip);
        assert_eq!(plans[3], Plan::Send);
        assert_eq!(plans[7], Plan::LookUpFirst);
        assert_eq!(plans[9], Plan::Skip);
        assert_eq!(plans[10], Plan::Send);
        let json = serde_json::to_string(&position).unwrap();
        assert_eq!(
            json,
            r#"{"read":10,"unresolved":[7,8],"not_created":[3],"started":"2026-12-01T09:30:00Z"}"#
        );
        assert_eq!(
            serde_json::from_str::<ImportPosition>(&json).unwrap(),
            position
        );
        let start: ImportPosition = serde_json::from_str(r#"{"read":0}"#).unwrap();
        assert_eq!(start, ImportPosition::start());
        assert!(start.is_settled());
        assert_eq!(position.first_unsettled(), 3);
        assert_eq!(
            ImportPosition::new(4, vec![], vec![], OffsetDateTime::UNIX_EPOCH).first_unsettled(),
            4
        );
    }

    #[test]
    fn a_position_written_by_hand_is_put_in_order() {
        let position =
            ImportPosition::new(10, vec![8, 7, 8], vec![7, 3], OffsetDateTime::UNIX_EPOCH)
                .normalized();
        assert_eq!(position.unresolved(), [7, 8]);
        assert_eq!(position.not_created(), [3]);
        assert_eq!(position.pending_from(4), (vec![7, 8], vec![]));
    }
}
