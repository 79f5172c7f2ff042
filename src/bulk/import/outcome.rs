//! What an import tells about each input ([`ImportOutcome`],
//! [`ImportError`]) and about the whole job ([`ImportReport`]).

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use super::keys::IdentifierKind;
use super::position::ImportPosition;
use crate::error::{Error, GenericError, TransportErrorKind};
use crate::models::{CredentialType, PasswordHashError, ServerVersion};

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
/// cause, so `anyhow`'s `{:#}` prints each message once, down to the
/// operating system's reason: `not created, the request was refused or not
/// sent: batch_patch_identities (PATCH /admin/identities): could not
/// connect to http://127.0.0.1:4434 (gave up after 4 attempts): io:
/// Connection refused (os error 111)`. It never shows an identifier's
/// value (an email, a username), only its kind.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ImportError {
    /// Kratos refused this identity for its own reason (traits that fail
    /// the schema, an unparsable password hash, …). It was not created.
    Rejected(Box<GenericError>),
    /// An identity with the same identifier or `external_id` already exists
    /// (409): typically created by an earlier run of the same import. With
    /// [`verify_conflicts(true)`](super::ImportIdentities::verify_conflicts)
    /// it means the stored identity is this input (the same `external_id`,
    /// or the same traits); another identity holding the identifier is
    /// [`IdentifierTaken`](Self::IdentifierTaken).
    AlreadyExists(Box<GenericError>),
    /// Kratos answered 409 (an identity holds one of its identifiers, its
    /// `external_id` or an address), and whether that identity is this
    /// input (created by an earlier run) or another person could not be
    /// told: the input's identity schema could not be read, so its login
    /// identifiers are unknown, and no lookup by what it holds found the
    /// identity. A failure, never a success: two inputs of the same person
    /// must not read as "already existed". Not created by this import; a
    /// resumed import (with the schema readable) settles it.
    ConflictUnverified(Box<GenericError>),
    /// Another identity, not this input, holds one of its identifiers, its
    /// `external_id` or an address: found by looking it up after a 409
    /// ([`verify_conflicts`](super::ImportIdentities::verify_conflicts)),
    /// or after an outcome that was unknown. Not created, and a failure.
    IdentifierTaken {
        /// The identity holding it, when a lookup found it (a conflict on an
        /// address cannot be looked up).
        existing: Option<Uuid>,
        /// What it shares with that identity (the kind, never the value).
        on: Option<IdentifierKind>,
    },
    /// An earlier input of the same import has the same `external_id` or
    /// identifier: the first input wins, this one was not created. Not a
    /// success and not "already existed": two inputs claim to be the same
    /// person, and one of them was not imported. Found before sending from
    /// the identity schema's identifiers, so the duplicate is never sent;
    /// when the schema could not be read, found after Kratos refused it
    /// with 409, by a lookup that finds the identity this import created
    /// (or found) for the earlier input.
    Duplicate {
        /// The index of the earlier input.
        of: usize,
        /// What the two share (the kind, never the value).
        on: IdentifierKind,
    },
    /// The whole request carrying this identity was refused or never sent
    /// (a 4xx, a 429 after the retries, a host that could not be resolved
    /// or connected to: see [`TransportErrorKind::before_request_sent`]):
    /// it was certainly not created, and is safe to send again. The error
    /// is shared by every identity of that request. A chunk
    /// refused with 400 whose split stopped before isolating this input
    /// (every part refused alike, or
    /// [`max_split_requests`](super::ImportIdentities::max_split_requests) reached)
    /// gives this too: the input may be fine, but it came in a request that
    /// was refused.
    NotCreated(Arc<Error>),
    /// The request carrying this identity may have been processed (a
    /// timeout, a 5xx, a TLS failure, a connection that broke, an answer
    /// that could not be read), and looking it up did not settle it: the
    /// input has nothing to look it up by (no `external_id`, no identifier
    /// in its schema), the lookup failed, the resends ran out, or lookups
    /// are off ([`resolve_unknown(false)`](super::ImportIdentities::resolve_unknown)).
    /// It may exist.
    OutcomeUnknown(Arc<Error>),
    /// The import stopped before this identity was sent (see
    /// [`ImportIdentities::stop_after_failed_chunks`](super::ImportIdentities::stop_after_failed_chunks));
    /// the error is the one that stopped it.
    NotAttempted(Arc<Error>),
    /// Its password hash is one the target would refuse (a format Kratos
    /// does not know; on master, one that does not parse or whose cost is
    /// beyond master's bounds), store so that nobody could ever log in
    /// with it (v26.2.0 stores a hash it cannot read), or store so that
    /// anybody could (a hash any password matches). Found by the client
    /// ([`check_password_hash`](crate::check_password_hash)) before
    /// sending: the input costs no request and never takes another input's
    /// batch down with it. Fix or drop the hash (the user can then recover
    /// the account) and send it again.
    InvalidPasswordHash(PasswordHashError),
    /// The target's Kratos version cannot import credentials of this type
    /// (v26.2.0 imports only passwords, OIDC and SAML links, and refuses a
    /// whole batch holding another): not sent. Leave them out
    /// ([`CreateIdentityBody::from_identity_lossy_for`](crate::CreateIdentityBody::from_identity_lossy_for)
    /// does, and names them) or import into a server that takes them.
    CredentialNotImportable {
        /// The credential type.
        credential_type: CredentialType,
        /// The target's version, as it reported it.
        version: ServerVersion,
    },
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
    /// identity, and looking it up did not settle it (as for
    /// [`OutcomeUnknown`](Self::OutcomeUnknown)): it may have been created.
    NoResult,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Rejected(e) => write!(f, "rejected by the server: {e}"),
            ImportError::AlreadyExists(e) => write!(f, "already exists: {e}"),
            ImportError::ConflictUnverified(e) => write!(
                f,
                "not created, and not known to exist: the identity schema could not be read, so whether the identity holding its identifier is this input or another person could not be told: {e}"
            ),
            ImportError::IdentifierTaken { existing, on } => {
                f.write_str("not created: another identity")?;
                if let Some(id) = existing {
                    write!(f, " ({id})")?;
                }
                match on {
                    Some(kind) => write!(f, " holds its {kind}"),
                    None => f.write_str(" holds one of its identifiers or addresses"),
                }
            }
            ImportError::Duplicate { of, on } => write!(
                f,
                "not created: a duplicate of input {of} (the same {on}), which came first"
            ),
            ImportError::NotCreated(e) => {
                write!(f, "not created, the request was refused or not sent: {e}")
            }
            ImportError::OutcomeUnknown(e) => {
                write!(f, "outcome unknown, it may have been created: {e}")
            }
            ImportError::NotAttempted(e) => write!(f, "not attempted, the import stopped: {e}"),
            ImportError::InvalidPasswordHash(problem) => write!(
                f,
                "not sent, Kratos would refuse its password hash or store it unusable: {problem}"
            ),
            ImportError::CredentialNotImportable {
                credential_type,
                version,
            } => write!(
                f,
                "not sent: the target runs Kratos {version}, which cannot import {credential_type} credentials (it would refuse the whole batch)"
            ),
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
    /// it may exist.
    pub fn is_safe_to_resend(&self) -> bool {
        !matches!(self, ImportError::OutcomeUnknown(_) | ImportError::NoResult)
    }

    /// `true` when an identity with the same identifier or `external_id`
    /// already exists (409), and, with
    /// [`verify_conflicts(true)`](super::ImportIdentities::verify_conflicts),
    /// it is this input.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ImportError::AlreadyExists(_))
    }

    /// `true` for an input that an earlier input of the same import
    /// shadowed ([`Duplicate`](Self::Duplicate)).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, ImportError::Duplicate { .. })
    }

    /// `true` when this outcome is final: sending the input again in a
    /// resumed run would not change it. `false` for inputs that may exist
    /// ([`OutcomeUnknown`](Self::OutcomeUnknown), [`NoResult`](Self::NoResult))
    /// and for those certainly not created by no fault of their own
    /// ([`NotCreated`](Self::NotCreated), [`NotAttempted`](Self::NotAttempted)):
    /// an [`ImportPosition`] lists them, and a resumed import settles them.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            ImportError::OutcomeUnknown(_)
                | ImportError::NoResult
                | ImportError::NotCreated(_)
                | ImportError::NotAttempted(_)
                | ImportError::ConflictUnverified(_)
        )
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
/// (`2497 created, 2 already existed, 1 failed (1 duplicate within the
/// import); 3 lookups, 1 resent`, and, for an import that stopped, `;
/// stopped after 1000 inputs: <why>; the inputs after them were not read`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
#[must_use = "the report holds every failure: check is_success() and read failures"]
pub struct ImportReport {
    /// How many inputs got an outcome below: every input, unless the
    /// import stopped ([`stopped`](Self::stopped)), less those a
    /// [resumed](super::ImportIdentities::resume) import skipped.
    pub total: usize,
    /// How many identities were created.
    pub created: usize,
    /// The created identities: input index and new id, in input order.
    pub created_ids: Vec<(usize, Uuid)>,
    /// The inputs that already existed (409), in input order.
    pub already_existed: Vec<ImportFailure>,
    /// Every other input that was not created, in input order.
    pub failures: Vec<ImportFailure>,
    /// How many lookups the import made to settle unknown outcomes and to
    /// verify conflicts (`get_identity_by_external_id` and
    /// `list_identities` calls).
    pub lookups: usize,
    /// How many inputs were sent again after a lookup found them not
    /// created: inputs whose answer was lost, and the inputs a resumed
    /// import looked up because the earlier run may have sent them.
    pub resent: usize,
    pub(super) stopped: Option<Arc<Error>>,
    pub(super) inputs_read: usize,
    pub(super) input_exhausted: bool,
    pub(super) position: ImportPosition,
}

impl ImportReport {
    /// `true` when every input was created or already existed: a finished
    /// import, or a re-run of one. An import that stopped, or that left a
    /// duplicate, a taken identifier or an unknown outcome behind, is never
    /// a success.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty() && self.stopped.is_none()
    }

    /// Why the import stopped early, if it did (see
    /// [`ImportIdentities::stop_after_failed_chunks`](super::ImportIdentities::stop_after_failed_chunks)):
    /// the failure of the chunk that stopped it. After a stop no further
    /// input was read.
    pub fn stopped(&self) -> Option<&Error> {
        self.stopped.as_deref()
    }

    /// How many inputs were taken from the input iterator: inputs `0` to
    /// `inputs_read() - 1`. After a stop, the inputs from index
    /// `inputs_read()` on were never read.
    pub fn inputs_read(&self) -> usize {
        self.inputs_read
    }

    /// Where to resume this import: pass it to
    /// [`ImportIdentities::resume`](super::ImportIdentities::resume) with
    /// the same inputs, and the inputs it has not settled (not created, not
    /// attempted, of unknown outcome) are settled, then the import goes on
    /// with the inputs it never read.
    pub fn resume_position(&self) -> &ImportPosition {
        &self.position
    }

    /// The inputs that were duplicates of earlier ones, in input order.
    pub fn duplicates(&self) -> impl Iterator<Item = &ImportFailure> {
        self.failures.iter().filter(|f| f.error.is_duplicate())
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
        let duplicates = self.duplicates().count();
        let unknown = self
            .failures
            .iter()
            .filter(|f| !f.error.is_safe_to_resend())
            .count();
        let mut notes = Vec::new();
        if duplicates > 0 {
            let s = if duplicates == 1 { "" } else { "s" };
            notes.push(format!("{duplicates} duplicate{s} within the import"));
        }
        if unknown > 0 {
            notes.push(format!(
                "{unknown} of unknown outcome: look them up before resending"
            ));
        }
        if !notes.is_empty() {
            write!(f, " ({})", notes.join(", "))?;
        }
        if self.lookups > 0 || self.resent > 0 {
            let s = if self.lookups == 1 { "" } else { "s" };
            write!(f, "; {} lookup{s}, {} resent", self.lookups, self.resent)?;
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

/// What [`ImportIdentities::check`](super::ImportIdentities::check) found:
/// how many inputs an import would send, and those it would refuse before
/// sending, each with why. `Display` gives it in one line (`2000 inputs:
/// 1890 would be sent, 110 refused before sending (103 invalid password
/// hashes, 7 duplicates within the input)`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ImportCheck {
    /// How many inputs were read.
    pub inputs: usize,
    /// How many would be sent.
    pub sendable: usize,
    /// The inputs that would be refused before sending, in input order.
    pub refused: Vec<ImportFailure>,
    /// The identity schemas that could not be read: the duplicates among
    /// their inputs were told only by `external_id`, addresses and
    /// OIDC/SAML links.
    pub unreadable_schemas: Vec<String>,
}

impl ImportCheck {
    /// `true` when no input would be refused before sending and every
    /// schema could be read.
    pub fn is_clean(&self) -> bool {
        self.refused.is_empty() && self.unreadable_schemas.is_empty()
    }
}

impl fmt::Display for ImportCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        write!(
            f,
            "{}: {} would be sent, {} refused before sending",
            plural(self.inputs, "input", "inputs"),
            self.sendable,
            self.refused.len()
        )?;
        let count = |matches: fn(&ImportError) -> bool| {
            self.refused.iter().filter(|r| matches(&r.error)).count()
        };
        let kinds = [
            (
                count(|e| matches!(e, ImportError::InvalidPasswordHash(_))),
                "invalid password hash",
                "invalid password hashes",
            ),
            (
                count(|e| matches!(e, ImportError::CredentialNotImportable { .. })),
                "credential type the target cannot import",
                "credential types the target cannot import",
            ),
            (
                count(ImportError::is_duplicate),
                "duplicate within the input",
                "duplicates within the input",
            ),
            (
                count(|e| {
                    matches!(
                        e,
                        ImportError::TooLarge { .. } | ImportError::NotSerializable(_)
                    )
                }),
                "that cannot be sent",
                "that cannot be sent",
            ),
        ];
        let notes: Vec<String> = kinds
            .into_iter()
            .filter(|(n, ..)| *n > 0)
            .map(|(n, one, many)| plural(n, one, many))
            .collect();
        if !notes.is_empty() {
            write!(f, " ({})", notes.join(", "))?;
        }
        if !self.unreadable_schemas.is_empty() {
            write!(
                f,
                "; identity schemas that could not be read: {}",
                self.unreadable_schemas.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Says whether a failed request was certainly not processed: refused with
/// a 4xx (a 429 included), never built, or never sent. Whether a transport
/// failure happened before the request was sent is decided by
/// [`TransportErrorKind::before_request_sent`], the classifier the retry
/// layer uses too: anything it does not call certain (a TLS failure, a
/// broken connection, a timeout) may have reached the server.
pub(super) fn not_sent(error: &Error) -> bool {
    match error {
        Error::Api(api) => (400..500).contains(&api.status),
        Error::Transport { kind, .. } => kind.before_request_sent(),
        // Refused by the client's own pacing: never sent.
        Error::InvalidInput { .. } | Error::Config { .. } | Error::RateLimited { .. } => true,
        _ => false,
    }
}

/// A failure the next chunk would meet too: the server cannot be reached
/// (DNS, connect, or TLS, which fails every handshake alike when a
/// certificate is wrong), refuses the credentials, or keeps rate limiting.
/// This is about the next chunk, not about whether this one was sent: a
/// TLS failure stops the import, yet its chunk is of unknown outcome.
pub(super) fn stops_the_import(error: &Error) -> bool {
    match error {
        // A request the client refused to build (a zero timeout, say):
        // every chunk would be refused alike.
        Error::InvalidInput { .. } | Error::Config { .. } => true,
        // The rate limit asks for a longer wait than the client may spend.
        Error::RateLimited { .. } => true,
        Error::Api(api) => matches!(api.status, 401 | 403 | 429),
        Error::Transport { kind, .. } => {
            kind.before_request_sent() || *kind == TransportErrorKind::Tls
        }
        _ => false,
    }
}
