//! Sessions: list, get, disable, extend, and revoke them per identity or in bulk.

use crate::api::args::ListArg;
use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{
    Call, Endpoint, RawResponse, Sealed, decode_json, decode_optional_json,
};
use crate::api::operation::{
    DELETE_IDENTITY_SESSIONS, DISABLE_SESSION, EXTEND_SESSION, GET_SESSION, LIST_IDENTITY_SESSIONS,
    LIST_SESSIONS, MANAGE_SESSIONS, Operation,
};
use crate::api::sealed;
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error, InvalidInputKind};
use crate::models::IdArg;
use crate::models::{ManageSessionsBody, ManageSessionsResponse, Session};
use crate::paging::offset_pages::next_identity_sessions_page;
use crate::paging::page::{Page, decode_page, first_bad};
use crate::paging::paginated::{PageNumbers, Paginated, Paging, sealed::HasPaging};
use uuid::Uuid;

/// The most session or identity ids Kratos takes in one `manage_sessions`
/// call (`ManageSessionsMaxIDs`).
pub const MANAGE_SESSIONS_MAX_IDS: usize = 500;

/// `GET /admin/sessions`: lists the sessions of every identity.
#[derive(Debug, Clone, Default)]
pub struct ListSessions {
    paging: Paging,
    active: Option<bool>,
    expand: Vec<String>,
}

/// `GET /admin/identities/{id}/sessions`: lists the sessions of one identity.
#[derive(Debug, Clone)]
pub struct ListIdentitySessions {
    id: String,
    paging: Paging,
    active: Option<bool>,
}

/// `GET /admin/sessions/{id}`: fetches one session.
#[derive(Debug, Clone)]
pub struct GetSession {
    id: String,
    expand: Vec<String>,
}

/// `DELETE /admin/sessions/{id}`: disables (revokes) one session.
#[derive(Debug, Clone)]
pub struct DisableSession {
    id: String,
    missing_ok: bool,
}

/// `PATCH /admin/sessions/{id}/extend`: extends one session's lifetime.
#[derive(Debug, Clone)]
pub struct ExtendSession {
    id: String,
}

/// `DELETE /admin/identities/{id}/sessions`: deletes every session of one identity.
#[derive(Debug, Clone)]
pub struct DeleteIdentitySessions {
    id: String,
    missing_ok: bool,
}

/// `POST /admin/sessions`: disables or deletes sessions in bulk.
#[derive(Debug, Clone)]
pub struct ManageSessions {
    body: ManageSessionsBody,
}

impl IdentityClient {
    /// Lists sessions across all identities, newest first. Without
    /// [`expand`](RequestBuilder::<ListSessions>::expand) Kratos leaves out
    /// `identity` and `devices`.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/sessions"); then.body(r#"[{"id":"5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4","active":true,"devices":null}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client.list_sessions().active(true).expand(["identity"]).page_size(1000).send()?;
    /// for session in page.iter() {
    ///     println!("{} active={:?}", session.id, session.active);
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 400 for a bad page token.
    pub fn list_sessions(&self) -> RequestBuilder<ListSessions> {
        self.request(ListSessions::default())
    }

    /// Lists the sessions of one identity.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13/sessions"); then.body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client
    ///     .list_identity_sessions("9f425a8d-7efc-4768-8f23-7647a74fdf13")
    ///     .active(true)
    ///     .send()?;
    /// assert!(page.is_empty());
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing identity.
    pub fn list_identity_sessions(&self, id: impl IdArg) -> RequestBuilder<ListIdentitySessions> {
        self.request(ListIdentitySessions {
            id: id.id_text(),
            paging: Paging::default(),
            active: None,
        })
    }

    /// Fetches one session.
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 400 for a session id Kratos cannot parse, 404 for a missing one.
    pub fn get_session(&self, id: impl IdArg) -> RequestBuilder<GetSession> {
        self.request(GetSession {
            id: id.id_text(),
            expand: Vec::new(),
        })
    }

    /// Disables (revokes) one session; it stays listed as inactive. Kratos
    /// answers 404 for a session that does not exist;
    /// [`missing_ok(true)`](RequestBuilder::missing_ok) makes that a success.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// client.disable_session("5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4").send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 400 for a session id that is not a
    /// UUID, 404 for a missing session unless `missing_ok(true)`.
    pub fn disable_session(&self, id: impl IdArg) -> RequestBuilder<DisableSession> {
        self.request(DisableSession {
            id: id.id_text(),
            missing_ok: false,
        })
    }

    /// Extends a session's lifetime. Kratos answers with the session (200),
    /// or with no body (204) when its `faster_session_extend` flag is on:
    /// hence `Option<Session>`.
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing or inactive session.
    pub fn extend_session(&self, id: impl IdArg) -> RequestBuilder<ExtendSession> {
        self.request(ExtendSession { id: id.id_text() })
    }

    /// Deletes every session of one identity (logs it out everywhere).
    ///
    /// **Kratos answers 404 when the identity has no sessions**, not only
    /// when it does not exist: it deletes by identity id and reports "not
    /// found" when nothing was deleted, without looking the identity up. So
    /// "log this user out everywhere" fails for every user who is not
    /// logged in. Use [`missing_ok(true)`](RequestBuilder::missing_ok) to
    /// make sure a user has no sessions:
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for an identity without sessions
    /// (or a missing one) unless `missing_ok(true)`; 400 for an id that is
    /// not a UUID.
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
    /// ids. With [`ManageSessionsBody::all_sessions`] it works through the
    /// whole project in batches: repeat while the response says `more`.
    ///
    /// Kratos takes at most [`MANAGE_SESSIONS_MAX_IDS`] (500) ids per call;
    /// `send()` refuses more with [`Error::InvalidInput`] before sending
    /// anything. For more, send one call per chunk:
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
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("POST").path("/admin/sessions"); then.body(r#"{"more":false,"processed":3}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::{ManageSessionsAction, ManageSessionsBody};
    ///
    /// let body = ManageSessionsBody::for_identities(
    ///     ManageSessionsAction::Disable,
    ///     ["9f425a8d-7efc-4768-8f23-7647a74fdf13"],
    /// );
    /// let outcome = client.manage_sessions(body).send()?;
    /// assert_eq!(outcome.processed, 3);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; [`Error::InvalidInput`] for more
    /// than 500 ids or none; 400 for a malformed body or an id that is not a
    /// UUID.
    pub fn manage_sessions(&self, body: ManageSessionsBody) -> RequestBuilder<ManageSessions> {
        self.request(ManageSessions { body })
    }
}

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

impl RequestBuilder<ListIdentitySessions> {
    /// Only active (`true`) or only inactive (`false`) sessions.
    pub fn active(self, active: bool) -> Self {
        self.with(|e| e.active = Some(active))
    }
}

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
            .query_each("expand", &self.expand))
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
        Ok(self.paging.apply(call)?.query_opt("active", self.active))
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
        Ok(Call::new(GET_SESSION, &[&self.id])?.query_each("expand", &self.expand))
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

    fn decode(&self, _response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(())
    }
}

impl Endpoint for DisableSession {
    type Output = ();
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

    fn decode(&self, _response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(())
    }
}

impl Endpoint for DeleteIdentitySessions {
    type Output = ();
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
