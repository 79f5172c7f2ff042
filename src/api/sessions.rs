//! Sessions: list, get, disable, extend, and revoke them per identity or in bulk.

use crate::api::args::ListArg;
use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{
    Call, Endpoint, RawResponse, Sealed, decode_deleted, decode_json, decode_optional_json,
};
use crate::api::operation::{
    DELETE_IDENTITY_SESSIONS, DISABLE_SESSION, EXTEND_SESSION, GET_SESSION, LIST_IDENTITY_SESSIONS,
    LIST_SESSIONS, MANAGE_SESSIONS, Operation,
};
use crate::api::sealed;
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error, InvalidInputKind};
use crate::models::IdArg;
use crate::models::{Deleted, ManageSessionsBody, ManageSessionsResponse, Session};
use crate::paging::offset_pages::next_identity_sessions_page;
use crate::paging::page::{Page, decode_page, first_bad};
use crate::paging::paginated::{PageNumbers, Paginated, Paging, sealed::HasPaging};
use uuid::Uuid;

/// The most session or identity ids Kratos takes in one `manage_sessions`
/// call (`ManageSessionsMaxIDs`).
pub const MANAGE_SESSIONS_MAX_IDS: usize = 500;

/// The operation of [`IdentityClient::list_sessions`] (`GET
/// /admin/sessions`), whose documentation lists its setters.
#[derive(Debug, Clone, Default)]
pub struct ListSessions {
    paging: Paging,
    active: Option<bool>,
    expand: Vec<String>,
}

/// The operation of [`IdentityClient::list_identity_sessions`] (`GET
/// /admin/identities/{id}/sessions`), whose documentation lists its
/// setters.
#[derive(Debug, Clone)]
pub struct ListIdentitySessions {
    id: String,
    paging: Paging,
    active: Option<bool>,
}

/// The operation of [`IdentityClient::get_session`] (`GET
/// /admin/sessions/{id}`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct GetSession {
    id: String,
    expand: Vec<String>,
}

/// The operation of [`IdentityClient::disable_session`] (`DELETE
/// /admin/sessions/{id}`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct DisableSession {
    id: String,
    missing_ok: bool,
}

/// The operation of [`IdentityClient::extend_session`] (`PATCH
/// /admin/sessions/{id}/extend`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct ExtendSession {
    id: String,
}

/// The operation of [`IdentityClient::delete_identity_sessions`] (`DELETE
/// /admin/identities/{id}/sessions`), whose documentation lists its
/// setters.
#[derive(Debug, Clone)]
pub struct DeleteIdentitySessions {
    id: String,
    missing_ok: bool,
}

/// The operation of [`IdentityClient::manage_sessions`] (`POST
/// /admin/sessions`, Kratos master only), whose documentation lists its
/// setters.
#[derive(Debug, Clone)]
pub struct ManageSessions {
    body: ManageSessionsBody,
}

/// Sessions: list them (all, or one identity's), fetch one, disable,
/// extend, delete all of an identity's, and manage many at once.
impl IdentityClient {
    /// Lists the sessions of every identity, newest first, one page per
    /// [`send`](RequestBuilder::send): `GET /admin/sessions`.
    ///
    /// `send()` returns a [`Page`] of [`Session`];
    /// [`items`](RequestBuilder::items) and [`pages`](RequestBuilder::pages)
    /// fetch every page lazily. Without
    /// [`expand`](RequestBuilder::expand) Kratos sends each session's
    /// `identity` and `devices` as `null`. A session's `active` is computed:
    /// it is active, not expired, and its identity is active.
    ///
    /// # Setters
    /// - [`active`](RequestBuilder::active): only active (`true`) or only
    ///   inactive (`false`) sessions.
    /// - [`expand`](RequestBuilder::expand): fills in each session's
    ///   `identity` and `devices`.
    /// - [`page_size`](RequestBuilder::page_size): sessions per page
    ///   (Kratos's default 250, at most 1000; larger is clamped).
    /// - [`page_token`](RequestBuilder::page_token): starts at this page
    ///   ([`Page::next_page_token`], [`Items::resume_token`](crate::Items::resume_token)).
    /// - [`resume`](RequestBuilder::resume): continues after the last item
    ///   an earlier walk handed out ([`Items::resume_position`](crate::Items::resume_position)),
    ///   in another process too.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// This list has no legacy page numbers (`page`, `per_page`).
    ///
    /// # Errors
    /// - [`Error::Api`] with status 400 for a page token or an `expand`
    ///   value Kratos does not accept.
    /// - [`Error::InvalidInput`], with nothing sent, for a `page_size` of 0
    ///   ([`InvalidInputKind::OutOfRange`]) or an empty `page_token`.
    /// - [`Error::Decode`] when a session does not decode: `send()` fails for
    ///   the page, [`send_lenient`](RequestBuilder::send_lenient) and the
    ///   iterators pass on the others.
    /// - [`Error::Pagination`] when the `Link` header names a next page that
    ///   cannot be followed, and, from the iterators, on a page token the
    ///   server sent already.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/sessions"); then.header("link", r#"</admin/sessions?page_size=1000&page_token=x>; rel="first""#).body(r#"[{"id":"5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4","active":true,"devices":null}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::SessionExpand;
    ///
    /// let active = client.list_sessions().active(true).expand([SessionExpand::Identity]).page_size(1000);
    /// for session in active.items() {
    ///     let session = session?;
    ///     println!("{} active={:?}", session.id, session.active);
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn list_sessions(&self) -> RequestBuilder<ListSessions> {
        self.request(ListSessions::default())
    }

    /// Lists the sessions of one identity, one page per
    /// [`send`](RequestBuilder::send):
    /// `GET /admin/identities/{id}/sessions`.
    ///
    /// `send()` returns a [`Page`] of [`Session`], each with its identity
    /// and devices; [`items`](RequestBuilder::items) and
    /// [`pages`](RequestBuilder::pages) fetch every page lazily. An identity
    /// that does not exist has no sessions: Kratos answers with an empty
    /// list, not 404.
    ///
    /// # Setters
    /// - [`active`](RequestBuilder#method.active-1): only active (`true`) or
    ///   only inactive (`false`) sessions.
    /// - [`page_size`](RequestBuilder::page_size): sessions per page
    ///   (Kratos's default 250, at most 1000).
    /// - [`page_token`](RequestBuilder::page_token): starts at this page
    ///   ([`Page::next_page_token`], [`Items::resume_token`](crate::Items::resume_token)).
    /// - [`resume`](RequestBuilder::resume): continues after the last item
    ///   an earlier walk handed out ([`Items::resume_position`](crate::Items::resume_position)),
    ///   in another process too.
    /// - [`page`](RequestBuilder::page): the legacy page number (see below).
    /// - [`per_page`](RequestBuilder::per_page): the legacy page size.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 400 for an id that is not a UUID.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, a
    ///   `page_size` or `per_page` of 0 ([`InvalidInputKind::OutOfRange`]),
    ///   or an empty `page_token`.
    /// - [`Error::Decode`] when a session does not decode: `send()` fails for
    ///   the page, [`send_lenient`](RequestBuilder::send_lenient) and the
    ///   iterators pass on the others.
    /// - [`Error::Pagination`] for a `Link` header that cannot be read.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Kratos versions
    /// Kratos (v26.2.0 and master alike) numbers this list's pages from 1:
    /// `page(0)` and `page(1)` both give the first page, and its `Link`
    /// header repeats the first page and never reaches the last. The
    /// client computes each next page itself, so `items()` and `pages()`
    /// give every session exactly once. A page token Kratos cannot read
    /// starts over at the first page, without an error.
    ///
    /// # Changing sessions while listing them
    /// This list is paged by offset: with [`active(true)`](RequestBuilder#method.active-1),
    /// disabling each session as it comes moves the later ones forward,
    /// past the next page's offset, and some are never seen. Collect first,
    /// then change:
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13/sessions"); then.header("x-total-count", "0").body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let active: Vec<_> = client
    ///     .list_identity_sessions("9f425a8d-7efc-4768-8f23-7647a74fdf13")
    ///     .active(true)
    ///     .items()
    ///     .collect::<Result<_, _>>()?;
    /// for session in active {
    ///     client.disable_session(session.id).missing_ok(true).send()?;
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13/sessions"); then.header("x-total-count", "0").body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client
    ///     .list_identity_sessions("9f425a8d-7efc-4768-8f23-7647a74fdf13")
    ///     .active(true)
    ///     .send()?;
    /// if page.is_empty() {
    ///     println!("not logged in anywhere");
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn list_identity_sessions(&self, id: impl IdArg) -> RequestBuilder<ListIdentitySessions> {
        self.request(ListIdentitySessions {
            id: id.id_text(),
            paging: Paging::default(),
            active: None,
        })
    }

    /// Fetches one session: `GET /admin/sessions/{id}`.
    ///
    /// `send()` returns the [`Session`]. Without
    /// [`expand`](RequestBuilder#method.expand-1) Kratos sends no `identity`
    /// (`null`) and `devices` as `[]`.
    ///
    /// # Setters
    /// - [`expand`](RequestBuilder#method.expand-1): fills in the session's
    ///   `identity` and `devices`.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for a
    ///   session that does not exist.
    /// - [`Error::Api`] with status 400 for an id that is not a UUID, or an
    ///   `expand` value Kratos does not accept.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/sessions/5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4"); then.body(r#"{"id":"5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4","active":true,"authenticator_assurance_level":"aal1"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let session = client
    ///     .get_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4")
    ///     .expand(["identity", "devices"])
    ///     .send()?;
    /// assert_eq!(session.active, Some(true));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn get_session(&self, id: impl IdArg) -> RequestBuilder<GetSession> {
        self.request(GetSession {
            id: id.id_text(),
            expand: Vec::new(),
        })
    }

    /// Disables (revokes) one session: `DELETE /admin/sessions/{id}`.
    ///
    /// `send()` returns what it found, a [`Deleted`]. The session is not
    /// deleted: it stays listed, as inactive. Kratos answers 404 for a
    /// session that does not exist;
    /// [`missing_ok(true)`](RequestBuilder::missing_ok) makes that a success.
    ///
    /// # Returns
    /// What the delete found ([`Deleted`]), each a success:
    /// - [`Deleted::Deleted`]: the server disabled it (a 2xx): it existed;
    /// - [`Deleted::NotFound`]: Kratos's 404 with `missing_ok(true)`:
    ///   there was nothing to delete;
    /// - [`Deleted::GoneOnRetry`]: an attempt whose outcome was unknown (a
    ///   502, 503 or 504, a broken connection, a timeout) came first, and the
    ///   retry found Kratos's 404: deleted by that attempt, or never there.
    ///
    /// Only `Deleted` proves that it existed. `send()?;` ignores the value.
    ///
    /// # Setters
    /// - [`missing_ok`](RequestBuilder::missing_ok): Kratos's 404 counts as
    ///   success.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for a
    ///   session that does not exist, unless `missing_ok(true)`.
    /// - [`Error::Api`] with status 400 for an id that is not a UUID.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, or,
    ///   with `missing_ok(true)`, an id that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// Disabling a session that is already inactive succeeds, except on a
    /// Kratos backed by MySQL, which answers 404 (so `missing_ok(true)`
    /// covers it).
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// client.disable_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4").send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn disable_session(&self, id: impl IdArg) -> RequestBuilder<DisableSession> {
        self.request(DisableSession {
            id: id.id_text(),
            missing_ok: false,
        })
    }

    /// Extends a session's lifetime: `PATCH /admin/sessions/{id}/extend`.
    ///
    /// `send()` returns `Option<`[`Session`]`>`: Kratos answers with the
    /// session (200, the self-hosted default), or with no body (204) when
    /// its `faster_session_extend` flag is on. A disabled session is
    /// extended too, and stays inactive. Extending twice has the effect of
    /// extending once, so it is retried like a read.
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for a
    ///   session that does not exist.
    /// - [`Error::Api`] with status 400 for an id that is not a UUID.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PATCH"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// match client.extend_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4").send()? {
    ///     Some(session) => println!("now expires at {:?}", session.expires_at),
    ///     None => println!("extended"),
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn extend_session(&self, id: impl IdArg) -> RequestBuilder<ExtendSession> {
        self.request(ExtendSession { id: id.id_text() })
    }

    /// Deletes every session of one identity, logging it out everywhere:
    /// `DELETE /admin/identities/{id}/sessions`.
    ///
    /// `send()` returns what it found, a [`Deleted`]. **Kratos answers 404
    /// when the identity has no sessions**, not only when it does not
    /// exist: it deletes by identity id and reports "not found" when nothing
    /// was deleted, without looking the identity up. So "log this user out
    /// everywhere" fails for every user who is not logged in. Use
    /// [`missing_ok(true)`](RequestBuilder::missing_ok) to make sure a user
    /// has no sessions.
    ///
    /// # Returns
    /// What the delete found ([`Deleted`]), each a success:
    /// - [`Deleted::Deleted`]: the server deleted sessions (a 2xx): the identity had some;
    /// - [`Deleted::NotFound`]: Kratos's 404 with `missing_ok(true)`:
    ///   no session (or no such identity);
    /// - [`Deleted::GoneOnRetry`]: an attempt whose outcome was unknown (a
    ///   502, 503 or 504, a broken connection, a timeout) came first, and the
    ///   retry found Kratos's 404: deleted by that attempt, or never there.
    ///
    /// Only `Deleted` proves that there were sessions. `send()?;` ignores the value.
    ///
    /// # Setters
    /// - [`missing_ok`](RequestBuilder::missing_ok): Kratos's 404 counts as
    ///   success.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity without sessions (or a missing one), unless
    ///   `missing_ok(true)`.
    /// - [`Error::Api`] with status 400 for an id that is not a UUID.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, or,
    ///   with `missing_ok(true)`, an id that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(404).body(r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// // Logged out now, or had no session to begin with:
    /// client
    ///     .delete_identity_sessions("9f425a8d-7efc-4768-8f23-7647a74fdf13")
    ///     .missing_ok(true)
    ///     .send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn delete_identity_sessions(
        &self,
        id: impl IdArg,
    ) -> RequestBuilder<DeleteIdentitySessions> {
        self.request(DeleteIdentitySessions {
            id: id.id_text(),
            missing_ok: false,
        })
    }

    /// Disables or deletes sessions in bulk, by identity ids or by session
    /// ids: `POST /admin/sessions`. **Kratos master only.**
    ///
    /// `send()` returns a [`ManageSessionsResponse`]: how many sessions were
    /// processed, and whether more remain. The [`ManageSessionsBody`] names
    /// the identities ([`ManageSessionsBody::for_identities`]) or the
    /// sessions ([`ManageSessionsBody::for_sessions`]), at most
    /// [`MANAGE_SESSIONS_MAX_IDS`] (500) a call; with
    /// [`ManageSessionsBody::all_sessions`] it works through the whole
    /// project in batches: repeat while the response says `more`.
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 405 and
    ///   [`Error::is_unsupported_operation`] on a server that does not have
    ///   the operation (see below).
    /// - [`Error::InvalidInput`], with nothing sent, for more than 500 ids
    ///   ([`InvalidInputKind::TooMany`]), an id that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]; the wildcard `"*"` only alone, in
    ///   the identities), or neither or both of identities and sessions
    ///   ([`InvalidInputKind::Empty`]).
    /// - [`Error::Api`] with status 400 for a body Kratos refuses.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server.
    /// Then (a connection that broke or a timeout after the request was
    /// sent, a 502, 503 or 504 from a proxy) its error says that it may have
    /// been applied, and [`Error::may_have_been_applied`] is `true`.
    ///
    /// # Kratos versions
    /// v26.2.0 does not have this operation: it answers 405 "Method Not
    /// Allowed", and the error says the server does not support it. Ask
    /// first with [`get_version`](Self::get_version)
    /// ([`ServerVersion::supports`](crate::ServerVersion::supports)), or
    /// fall back to [`delete_identity_sessions`](Self::delete_identity_sessions)
    /// per identity.
    ///
    /// # Examples
    /// More than 500 ids take one call per chunk:
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("POST").path("/admin/sessions"); then.body(r#"{"more":false,"processed":1}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::{MANAGE_SESSIONS_MAX_IDS, ManageSessionsAction, ManageSessionsBody};
    ///
    /// let users: Vec<String> = (0..1200).map(|i| format!("9f425a8d-7efc-4768-8f23-{i:012}")).collect();
    /// for chunk in users.chunks(MANAGE_SESSIONS_MAX_IDS) {
    ///     client
    ///         .manage_sessions(ManageSessionsBody::for_identities(ManageSessionsAction::Disable, chunk))
    ///         .send()?;
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// Against v26.2.0 (here the fake Kratos, which answers as v26.2.0 by
    /// default), fall back to one call per identity:
    ///
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// use kratos_identity::{ManageSessionsAction, ManageSessionsBody};
    /// # assert!(client.manage_sessions(ManageSessionsBody::all_sessions(ManageSessionsAction::Delete)).send().unwrap_err().is_unsupported_operation());
    ///
    /// let users = ["9f425a8d-7efc-4768-8f23-7647a74fdf13"];
    /// let body = ManageSessionsBody::for_identities(ManageSessionsAction::Delete, users);
    /// match client.manage_sessions(body).send() {
    ///     Ok(outcome) => println!("{} sessions deleted", outcome.processed),
    ///     Err(e) if e.is_unsupported_operation() => {
    ///         for id in users {
    ///             client.delete_identity_sessions(id).missing_ok(true).send()?;
    ///         }
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn manage_sessions(&self, body: ManageSessionsBody) -> RequestBuilder<ManageSessions> {
        self.request(ManageSessions { body })
    }
}

/// The setters of [`list_sessions`](IdentityClient::list_sessions) alone;
/// its paging setters and iterators are in the groups below.
impl RequestBuilder<ListSessions> {
    /// Only active (`true`) or only inactive (`false`) sessions.
    pub fn active(self, active: bool) -> Self {
        self.with(|e| e.active = Some(active))
    }

    /// Fills in more of each session: [`SessionExpand::Identity`](crate::SessionExpand),
    /// `Devices`, or their names (`["identity", "devices"]`); any
    /// [`ListArg`].
    pub fn expand(self, fields: impl ListArg) -> Self {
        self.with(|e| e.expand = fields.into_texts())
    }
}

/// The setter of [`list_identity_sessions`](IdentityClient::list_identity_sessions)
/// alone; its paging setters and iterators are in the groups below.
impl RequestBuilder<ListIdentitySessions> {
    /// Only active (`true`) or only inactive (`false`) sessions. The list
    /// is paged by offset: to change the sessions it yields (disable them,
    /// say), collect them first (see
    /// [`list_identity_sessions`](IdentityClient::list_identity_sessions)).
    pub fn active(self, active: bool) -> Self {
        self.with(|e| e.active = Some(active))
    }
}

/// The setter of [`get_session`](IdentityClient::get_session).
impl RequestBuilder<GetSession> {
    /// Fills in more of the session: [`SessionExpand::Identity`](crate::SessionExpand),
    /// `Devices`, or their names (`["identity", "devices"]`); any
    /// [`ListArg`].
    pub fn expand(self, fields: impl ListArg) -> Self {
        self.with(|e| e.expand = fields.into_texts())
    }
}

impl Sealed for ListSessions {
    const OPERATION: Operation = LIST_SESSIONS;

    fn to_call(&self) -> Result<Call, Error> {
        Ok(self
            .paging
            .apply(Call::new(LIST_SESSIONS, &[])?)?
            .query_opt("active", self.active)
            .query_each("expand", &self.expand)
            .public(&["active", "expand"]))
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_page(response)
    }

    fn first_bad_item(page: &<Self as Endpoint>::Output) -> Option<DecodeError> {
        first_bad(page)
    }
}

impl Endpoint for ListSessions {
    type Output = Page<Session>;
}

impl HasPaging for ListSessions {
    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl Paginated for ListSessions {
    type Item = Session;
}

impl Sealed for ListIdentitySessions {
    const OPERATION: Operation = LIST_IDENTITY_SESSIONS;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(LIST_IDENTITY_SESSIONS, &[&self.id])?;
        Ok(self
            .paging
            .apply(call)?
            .query_opt("active", self.active)
            .public(&["active"]))
    }

    /// The next page is computed, not read from the `Link` header, which
    /// repeats the first page and never reaches the last one here (see
    /// [`next_identity_sessions_page`]).
    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        let mut page: Page<Session> = decode_page(response)?;
        page.set_next(next_identity_sessions_page(
            &response.query,
            page.positions(),
            page.total_count(),
        ));
        Ok(page)
    }

    fn first_bad_item(page: &<Self as Endpoint>::Output) -> Option<DecodeError> {
        first_bad(page)
    }
}

impl Endpoint for ListIdentitySessions {
    type Output = Page<Session>;
}

impl HasPaging for ListIdentitySessions {
    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl Paginated for ListIdentitySessions {
    type Item = Session;
}

impl PageNumbers for ListIdentitySessions {}

impl Sealed for GetSession {
    const OPERATION: Operation = GET_SESSION;

    fn to_call(&self) -> Result<Call, Error> {
        Ok(Call::new(GET_SESSION, &[&self.id])?
            .query_each("expand", &self.expand)
            .public(&["expand"]))
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for GetSession {
    type Output = Session;
}

impl Sealed for DisableSession {
    const OPERATION: Operation = DISABLE_SESSION;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(DISABLE_SESSION, &[&self.id])?;
        let call = call.missing_ok(self.missing_ok, "id", &self.id)?;
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(decode_deleted(response))
    }
}

impl Endpoint for DisableSession {
    type Output = Deleted;
}

impl sealed::MissingOk for DisableSession {
    fn missing_ok_mut(&mut self) -> &mut bool {
        &mut self.missing_ok
    }
}

impl Sealed for ExtendSession {
    const OPERATION: Operation = EXTEND_SESSION;

    fn to_call(&self) -> Result<Call, Error> {
        // Extending twice has the same effect as once: safe to retry.
        Ok(Call::new(EXTEND_SESSION, &[&self.id])?.idempotent())
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_optional_json(response)
    }
}

impl Endpoint for ExtendSession {
    type Output = Option<Session>;
}

impl Sealed for DeleteIdentitySessions {
    const OPERATION: Operation = DELETE_IDENTITY_SESSIONS;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(DELETE_IDENTITY_SESSIONS, &[&self.id])?;
        let call = call.missing_ok(self.missing_ok, "id", &self.id)?;
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(decode_deleted(response))
    }
}

impl Endpoint for DeleteIdentitySessions {
    type Output = Deleted;
}

impl sealed::MissingOk for DeleteIdentitySessions {
    fn missing_ok_mut(&mut self) -> &mut bool {
        &mut self.missing_ok
    }
}

impl Sealed for ManageSessions {
    const OPERATION: Operation = MANAGE_SESSIONS;

    fn to_call(&self) -> Result<Call, Error> {
        let body = &self.body;
        for (name, ids) in [
            ("identities", &body.identities),
            ("sessions", &body.sessions),
        ] {
            if ids.len() > MANAGE_SESSIONS_MAX_IDS {
                return Err(Error::invalid(
                    InvalidInputKind::TooMany,
                    format!(
                        "{name} holds {} ids; Kratos takes at most {MANAGE_SESSIONS_MAX_IDS} per call: send one call per chunk",
                        ids.len()
                    ),
                ));
            }
            // `identities: ["*"]` alone means every session in the network.
            let wildcard = name == "identities" && ids.len() == 1 && ids[0] == "*";
            if !wildcard && let Some(index) = ids.iter().position(|id| Uuid::parse_str(id).is_err())
            {
                return Err(Error::invalid(
                    InvalidInputKind::NotAUuid,
                    format!(
                        "{name}[{index}] is not a UUID (ids are given as uuid::Uuid or as the string of one; the wildcard \"*\" only alone, in identities)"
                    ),
                ));
            }
        }
        if body.identities.is_empty() == body.sessions.is_empty() {
            return Err(Error::invalid(
                InvalidInputKind::Empty,
                "exactly one of identities and sessions must be a non-empty list",
            ));
        }
        Call::new(MANAGE_SESSIONS, &[])?.json(body)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for ManageSessions {
    type Output = ManageSessionsResponse;
}
