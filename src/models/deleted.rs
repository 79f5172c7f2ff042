//! [`Deleted`]: what a delete found.

/// What a delete found: the answer of
/// [`delete_identity`](crate::IdentityClient::delete_identity),
/// [`delete_identity_credentials`](crate::IdentityClient::delete_identity_credentials),
/// [`delete_identity_sessions`](crate::IdentityClient::delete_identity_sessions) and
/// [`disable_session`](crate::IdentityClient::disable_session).
///
/// Each is a success: whatever was asked is gone. Only
/// [`Deleted`](Self::Deleted) proves that it existed; a program that must
/// tell "deleted now" from "was never there" matches on it. Ignoring the
/// value (`client.delete_identity(id).send()?;`) is fine.
///
/// ```
/// # let server = httpmock::MockServer::start();
/// # server.mock(|when, then| { when.method("DELETE"); then.status(404).body(r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#); });
/// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
/// use kratos_identity::Deleted;
///
/// let id = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
/// match client.delete_identity(id).missing_ok(true).send()? {
///     Deleted::Deleted => println!("{id}: deleted"),
///     Deleted::NotFound => println!("{id}: there was no such identity"),
///     Deleted::GoneOnRetry => println!("{id}: gone (deleted by an attempt whose answer was lost, or never there)"),
///     _ => println!("{id}: gone"),
/// }
/// # Ok::<(), kratos_identity::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deleted {
    /// The server deleted it (a 2xx answer): it existed.
    Deleted,
    /// Kratos answered 404 and the call was
    /// [`missing_ok(true)`](crate::RequestBuilder::missing_ok): there was
    /// nothing to delete (or, for `delete_identity_sessions`, no session).
    NotFound,
    /// An attempt whose outcome was unknown (a proxy's 502, 503 or 504, a
    /// connection that broke, a timeout) came first, and the retry found it
    /// gone (Kratos's 404): deleted by that attempt, or never there. This
    /// is a success with or without `missing_ok(true)`.
    GoneOnRetry,
}

impl Deleted {
    /// `true` for [`Deleted`](Self::Deleted): the server deleted it, so it
    /// existed.
    pub fn is_deleted(self) -> bool {
        self == Deleted::Deleted
    }

    /// `true` for [`NotFound`](Self::NotFound): Kratos found nothing to
    /// delete.
    pub fn is_not_found(self) -> bool {
        self == Deleted::NotFound
    }

    /// `true` for [`GoneOnRetry`](Self::GoneOnRetry): gone after an attempt
    /// whose outcome was unknown; whether it existed is not known.
    pub fn is_gone_on_retry(self) -> bool {
        self == Deleted::GoneOnRetry
    }
}
