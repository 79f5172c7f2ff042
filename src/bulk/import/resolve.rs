//! Looking an input up on the server: after a request whose outcome is
//! unknown (was it created?), and to tell a 409 for this very record from
//! another identity holding its identifier.

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::keys::{IdentifierKind, Keys, guessed_identifiers};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::{CreateIdentityBody, Identity};

/// What a lookup found for one input.
#[derive(Debug)]
pub(super) enum Found {
    /// The stored identity is this input: the same `external_id`, or the
    /// same traits; with when the server created it, and the key that
    /// found it.
    This(Uuid, Option<OffsetDateTime>, IdentifierKind),
    /// Another identity holds the `external_id` or an identifier.
    Another(Uuid, IdentifierKind),
    /// Another identity holds a string of the traits as its login
    /// identifier, found when the schema could not be read: whether that
    /// trait is an identifier of this input too is not known.
    GuessHeldBy(Uuid, IdentifierKind),
    /// No identity holds any of the values looked up by.
    Nothing,
    /// The input has nothing certain to look it up by (no `external_id`,
    /// no identifier its schema names, or the schema could not be read),
    /// and guessing found nothing.
    NoKey,
    /// A lookup failed.
    Failed(Error),
}

/// Looks `body` up by its keys, in order: the `external_id`, then each
/// credentials identifier. With `all` (verifying a 409) every key is tried
/// until one finds an identity; without (settling an unknown outcome) the
/// first key decides, since a created input holds all of its keys. When
/// the schema could not be read, its string traits are tried after them
/// ([`guessed_identifiers`]): one that finds this very record finds it, one
/// that finds another identity is [`Found::GuessHeldBy`].
/// Returns what was found and how many requests it took.
pub(super) fn look_up(
    client: &IdentityClient,
    body: &CreateIdentityBody,
    keys: &Keys,
    all: bool,
) -> (Found, usize) {
    let mut requests = 0;
    for (kind, value) in keys.lookups() {
        requests += 1;
        let stored = match kind {
            IdentifierKind::ExternalId => match client.get_identity_by_external_id(value).send() {
                Ok(identity) => Some(identity),
                Err(error) if error.is_not_found() => None,
                Err(error) => return (Found::Failed(error), requests),
            },
            _ => match client
                .list_identities()
                .credentials_identifier(value)
                .send_lenient()
            {
                Ok(page) => page.into_items().into_iter().next(),
                Err(error) => return (Found::Failed(error), requests),
            },
        };
        match stored {
            Some(identity) if is_this(&identity, body) => {
                return (
                    Found::This(identity.id, identity.created_at, kind),
                    requests,
                );
            }
            Some(identity) => return (Found::Another(identity.id, kind), requests),
            None if all => continue,
            None => return (Found::Nothing, requests),
        }
    }
    let certain = requests;
    let mut held = None;
    if !keys.schema_read {
        // The identifiers are unknown: try the string traits. A value
        // `credentials_identifier` finds is an identifier of the identity
        // found; one that finds nothing says nothing.
        for guess in guessed_identifiers(&body.traits) {
            requests += 1;
            let stored = match client
                .list_identities()
                .credentials_identifier(&guess)
                .send_lenient()
            {
                Ok(page) => page.into_items().into_iter().next(),
                Err(error) => return (Found::Failed(error), requests),
            };
            match stored {
                Some(identity) if is_this(&identity, body) => {
                    let kind = kind_holding(&identity, &guess);
                    return (
                        Found::This(identity.id, identity.created_at, kind),
                        requests,
                    );
                }
                // Verifying a 409, the first such value decides; settling
                // an unknown outcome, a later one may still find this very
                // record.
                Some(identity) => {
                    let found = Found::GuessHeldBy(identity.id, kind_holding(&identity, &guess));
                    if all {
                        return (found, requests);
                    }
                    held = held.or(Some(found));
                }
                None => {}
            }
        }
    }
    match (held, certain) {
        (Some(found), _) => (found, requests),
        (None, 0) => (Found::NoKey, requests),
        (None, _) => (Found::Nothing, requests),
    }
}

/// The kind of login identifier `value` is for `identity` (found by it
/// with `credentials_identifier`, which lists each credential's
/// identifiers): the first credential type listing it, a password
/// identifier when none does.
fn kind_holding(identity: &Identity<Value>, value: &str) -> IdentifierKind {
    let normalized = value.trim().to_lowercase();
    for (name, credential) in &identity.credentials {
        let listed = credential
            .identifiers
            .iter()
            .any(|id| *id == value || *id == normalized);
        let kind = match name.as_str() {
            "code" => IdentifierKind::Code,
            "webauthn" => IdentifierKind::WebAuthn,
            "oidc" => IdentifierKind::Oidc,
            "saml" => IdentifierKind::Saml,
            _ => IdentifierKind::Password,
        };
        if listed {
            return kind;
        }
    }
    IdentifierKind::Password
}

/// The stored identity is this input: the same `external_id` (both set),
/// or the same schema and traits.
fn is_this(stored: &Identity<Value>, body: &CreateIdentityBody) -> bool {
    if let (Some(stored), Some(input)) = (&stored.external_id, &body.external_id) {
        return stored == input;
    }
    stored.schema_id == body.schema_id && stored.traits == body.traits
}

/// How far the server's clock may be behind the client's before an
/// identity it created during the import reads as created before it (when
/// the server's own clock is not known).
pub(super) const CLOCK_MARGIN: Duration = Duration::from_secs(30);

/// How far a `Date` header (whole seconds, maybe a proxy's clock) may be
/// ahead of the clock that stamped `created_at`.
pub(super) const DATE_MARGIN: Duration = Duration::from_secs(1);

/// `true` when an identity the server created at `created_at` existed
/// before the request that may have created it: before the server's clock
/// said `sent_after` (the `Date` of the latest answer before it was sent),
/// or, when that is not known, well before the import started by the
/// client's clock (`started`). A lookup that finds it has not found the
/// import's own work.
pub(super) fn existed_before(
    created_at: Option<OffsetDateTime>,
    sent_after: Option<OffsetDateTime>,
    started: OffsetDateTime,
) -> bool {
    let Some(created) = created_at else {
        return false;
    };
    match sent_after {
        Some(server_clock) => created + DATE_MARGIN < server_clock,
        None => created + CLOCK_MARGIN < started,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).unwrap()
    }

    #[test]
    fn the_servers_clock_decides_when_it_is_known() {
        // Sent after an answer dated t=100: created at 98 existed already,
        // created at 99.5 may be this request's.
        assert!(existed_before(Some(at(98)), Some(at(100)), at(0)));
        assert!(!existed_before(
            Some(at(99) + Duration::from_millis(500)),
            Some(at(100)),
            at(0)
        ));
        assert!(!existed_before(Some(at(101)), Some(at(100)), at(0)));
        // Without it, the client's start with a margin for the clocks.
        assert!(existed_before(Some(at(60)), None, at(100)));
        assert!(!existed_before(Some(at(80)), None, at(100)));
        // Without a creation time, nothing says it existed.
        assert!(!existed_before(None, Some(at(100)), at(100)));
    }
}
