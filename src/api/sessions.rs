//! Sessions: list, get, disable, extend, and revoke them per identity or in bulk.

use crate::api::endpoint::{
    Call, Endpoint, Method, RawResponse, Sealed, decode_json, decode_optional_json,
};
use crate::paging::page::{Page, decode_page};
use crate::paging::paginated::{PageNumbers, Paginated};
use crate::api::builder::RequestBuilder;
use crate::api::{Paging, strings};
use crate::{Error, IdentityClient, ManageSessionsBody, ManageSessionsResponse, Session};

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
    /// for session in page.items() {
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
    pub fn list_identity_sessions(
        &self,
        id: impl ToString,
    ) -> RequestBuilder<ListIdentitySessions> {
        self.request(ListIdentitySessions {
            id: id.to_string(),
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
    pub fn get_session(&self, id: impl ToString) -> RequestBuilder<GetSession> {
        self.request(GetSession {
            id: id.to_string(),
            expand: Vec::new(),
        })
    }

    /// Disables (revokes) one session; it stays listed as inactive.
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
    /// As for [`RequestBuilder::send`]; 400 for a bad session id.
    pub fn disable_session(&self, id: impl ToString) -> RequestBuilder<DisableSession> {
        self.request(DisableSession { id: id.to_string() })
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
    pub fn extend_session(&self, id: impl ToString) -> RequestBuilder<ExtendSession> {
        self.request(ExtendSession { id: id.to_string() })
    }

    /// Deletes every session of one identity (logs it out everywhere).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// client.delete_identity_sessions("9f425a8d-7efc-4768-8f23-7647a74fdf13").send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing identity.
    pub fn delete_identity_sessions(
        &self,
        id: impl ToString,
    ) -> RequestBuilder<DeleteIdentitySessions> {
        self.request(DeleteIdentitySessions { id: id.to_string() })
    }

    /// Disables or deletes sessions in bulk, by identity ids or by session
    /// ids. With [`ManageSessionsBody::all_sessions`] it works through the
    /// whole project in batches: repeat while the response says `more`.
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
    /// As for [`RequestBuilder::send`]; 400 for a malformed body.
    pub fn manage_sessions(&self, body: ManageSessionsBody) -> RequestBuilder<ManageSessions> {
        self.request(ManageSessions { body })
    }
}

impl RequestBuilder<ListSessions> {
    /// Only active (`true`) or only inactive (`false`) sessions.
    pub fn active(self, active: bool) -> Self {
        self.with(|e| e.active = Some(active))
    }

    /// Fills in more of each session: `"identity"`, `"devices"`.
    pub fn expand<I>(self, fields: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.with(|e| e.expand = strings(fields))
    }
}

impl RequestBuilder<ListIdentitySessions> {
    /// Only active (`true`) or only inactive (`false`) sessions.
    pub fn active(self, active: bool) -> Self {
        self.with(|e| e.active = Some(active))
    }
}

impl RequestBuilder<GetSession> {
    /// Fills in more of the session: `"identity"`, `"devices"`.
    pub fn expand<I>(self, fields: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.with(|e| e.expand = strings(fields))
    }
}

impl Sealed for ListSessions {}

impl Endpoint for ListSessions {
    type Output = Page<Session>;

    fn to_call(&self) -> Result<Call, Error> {
        Ok(self
            .paging
            .apply(Call::new(Method::Get, "/admin/sessions"))?
            .query_opt("active", self.active)
            .query_each("expand", &self.expand))
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_page(response)
    }
}

impl Paginated for ListSessions {
    type Item = Session;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl Sealed for ListIdentitySessions {}

impl Endpoint for ListIdentitySessions {
    type Output = Page<Session>;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(Method::Get, "/admin/identities")
            .segment("id", &self.id)?
            .suffix("/sessions");
        Ok(self.paging.apply(call)?.query_opt("active", self.active))
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_page(response)
    }
}

impl Paginated for ListIdentitySessions {
    type Item = Session;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl PageNumbers for ListIdentitySessions {}

impl Sealed for GetSession {}

impl Endpoint for GetSession {
    type Output = Session;

    fn to_call(&self) -> Result<Call, Error> {
        Ok(Call::new(Method::Get, "/admin/sessions")
            .segment("id", &self.id)?
            .query_each("expand", &self.expand))
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(response)
    }
}

impl Sealed for DisableSession {}

impl Endpoint for DisableSession {
    type Output = ();

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(Method::Delete, "/admin/sessions").segment("id", &self.id)
    }

    fn decode(&self, _response: &RawResponse) -> Result<Self::Output, Error> {
        Ok(())
    }
}

impl Sealed for ExtendSession {}

impl Endpoint for ExtendSession {
    type Output = Option<Session>;

    fn to_call(&self) -> Result<Call, Error> {
        // Extending twice has the same effect as once: safe to retry.
        Ok(Call::new(Method::Patch, "/admin/sessions")
            .segment("id", &self.id)?
            .suffix("/extend")
            .idempotent())
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_optional_json(response)
    }
}

impl Sealed for DeleteIdentitySessions {}

impl Endpoint for DeleteIdentitySessions {
    type Output = ();

    fn to_call(&self) -> Result<Call, Error> {
        Ok(Call::new(Method::Delete, "/admin/identities")
            .segment("id", &self.id)?
            .suffix("/sessions"))
    }

    fn decode(&self, _response: &RawResponse) -> Result<Self::Output, Error> {
        Ok(())
    }
}

impl Sealed for ManageSessions {}

impl Endpoint for ManageSessions {
    type Output = ManageSessionsResponse;

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(Method::Post, "/admin/sessions").json(&self.body)
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(response)
    }
}
