//! [`IdArg`]: what an id argument takes, in the client's methods and in the
//! bodies' constructors alike.

use uuid::Uuid;

/// The conversion behind [`IdArg`], in a module users cannot name: the
/// trait is sealed, so the crate may add impls without breaking anyone.
pub(crate) mod sealed {
    /// See [`IdArg`](super::IdArg).
    pub trait Id {
        /// The id as text, trimmed.
        fn id_text(&self) -> String;
    }
}

/// An id argument: a [`Uuid`] or `&Uuid`, or a string that holds one
/// (`&str`, `String`, `&String`). Anything else, a `serde_json::Value` say
/// (whose text would carry its quotes), does not compile. Sealed:
/// implemented by the crate only.
///
/// Ids in bodies and filters that are not UUIDs are refused by `send()` with
/// [`Error::InvalidInput`](crate::Error::InvalidInput), before anything is
/// sent.
pub trait IdArg: sealed::Id {}

impl<T: sealed::Id + ?Sized> IdArg for T {}

impl sealed::Id for str {
    fn id_text(&self) -> String {
        canonical(self)
    }
}

impl sealed::Id for String {
    fn id_text(&self) -> String {
        canonical(self)
    }
}

/// An id as sent: a UUID in any form `uuid` reads (upper case, braces,
/// `urn:uuid:`, no hyphens) in its canonical lower-case hyphenated form;
/// anything else trimmed and otherwise as given.
pub(crate) fn canonical(id: &str) -> String {
    let id = id.trim();
    match Uuid::parse_str(id) {
        Ok(uuid) => uuid.to_string(),
        Err(_) => id.to_string(),
    }
}

impl sealed::Id for Uuid {
    fn id_text(&self) -> String {
        self.to_string()
    }
}

impl<T: sealed::Id + ?Sized> sealed::Id for &T {
    fn id_text(&self) -> String {
        (**self).id_text()
    }
}

/// The error for an id argument that was not a UUID. It names the
/// argument, never the value (an email address, as often as not).
pub(crate) fn not_a_uuid(field: &str) -> crate::error::Error {
    crate::error::Error::invalid(
        crate::error::InvalidInputKind::NotAUuid,
        format!("{field} is not a UUID (ids are given as uuid::Uuid or as the string of one)"),
    )
}
