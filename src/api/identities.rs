//! Reading identities: `list_identities`, `get_identity`,
//! `get_identity_by_external_id`.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::api::args::ListArg;
use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{
    GET_IDENTITY, GET_IDENTITY_BY_EXTERNAL_ID, LIST_IDENTITIES, Operation,
};
use crate::api::{IdentityOp, include_all, sealed};
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error, InvalidInputKind};
use crate::models::IdArg;
use crate::models::{Consistency, Identity, canonical, not_a_uuid};
use crate::paging::page::{Page, decode_page, first_bad};
use crate::paging::paginated::{PageNumbers, Paginated, Paging, sealed::HasPaging};
use uuid::Uuid;

/// `GET /admin/identities`: lists identities. Setters: the paging ones
/// ([`page_size`](RequestBuilder::page_size), …) and those of
/// `RequestBuilder<ListIdentities<T>>`.
pub type ListIdentities<T = serde_json::Value> = IdentityOp<ListIdentitiesParams, T>;

/// `GET /admin/identities/{id}`: fetches one identity.
pub type GetIdentity<T = serde_json::Value> = IdentityOp<GetIdentityParams, T>;

/// `GET /admin/identities/by/external/{externalID}`: fetches one identity by its external id.
pub type GetIdentityByExternalId<T = serde_json::Value> =
    IdentityOp<GetIdentityByExternalIdParams, T>;

/// The parameters of [`ListIdentities`], set through
/// [`IdentityClient::list_identities`] and its setters; you never name this type.
#[derive(Debug, Clone, Default)]
pub struct ListIdentitiesParams {
    paging: Paging,
    consistency: Option<Consistency>,
    /// `None` when not set; `Some(empty)` is refused by `send()`.
    ids: Option<Vec<String>>,
    credentials_identifier: Option<String>,
    preview_credentials_identifier_similar: Option<String>,
    include_credential: Vec<String>,
    include_all: bool,
    organization_id: Option<String>,
}

/// The parameters of [`GetIdentity`], set through
/// [`IdentityClient::get_identity`] and its setters; you never name this type.
#[derive(Debug, Clone)]
pub struct GetIdentityParams {
    id: String,
    include_credential: Vec<String>,
    include_all: bool,
}

/// The parameters of [`GetIdentityByExternalId`], set through
/// [`IdentityClient::get_identity_by_external_id`] and its setters; you never name this type.
#[derive(Debug, Clone)]
pub struct GetIdentityByExternalIdParams {
    external_id: String,
    include_credential: Vec<String>,
    include_all: bool,
}

/// Kratos refuses more ids than this in one `ids` filter.
const MAX_IDS: usize = 500;

impl IdentityClient {
    /// Lists identities, one page per [`send`](RequestBuilder::send).
    ///
    /// Without `include_credential` (or `credentials_identifier`) Kratos
    /// includes no credentials. Only one of the filters `ids`,
    /// `credentials_identifier`, `preview_credentials_identifier_similar`
    /// and `organization_id` may be set at a time (Kratos answers 400
    /// otherwise).
    ///
    /// Kratos reads an empty filter as no filter and lists every identity,
    /// so a filter that is set must have a value: `send()` refuses an empty
    /// one before anything is sent.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client
    ///     .list_identities()
    ///     .page_size(500)
    ///     .credentials_identifier("ada@example.com")
    ///     .send()?;
    /// for identity in page.iter() {
    ///     println!("{} {}", identity.id, identity.traits["email"]);
    /// }
    /// # assert_eq!(page.len(), 1);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; also [`Error::InvalidInput`], with
    /// nothing sent, for a filter set to an empty value (an empty
    /// `credentials_identifier`, `preview_credentials_identifier_similar` or
    /// `organization_id`, or `ids` with no items: Kratos would list every
    /// identity), an empty id in `ids`, or more than 500 `ids`.
    pub fn list_identities(&self) -> RequestBuilder<ListIdentities> {
        self.request(IdentityOp::new(ListIdentitiesParams::default()))
    }

    /// Fetches one identity. Credential types are listed, but their
    /// `config` only for the types named in
    /// [`include_credential`](RequestBuilder::include_credential).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let id = uuid::Uuid::parse_str("9f425a8d-7efc-4768-8f23-7647a74fdf13").unwrap();
    /// let identity = client.get_identity(id).include_credential(["oidc"]).send()?;
    /// assert_eq!(identity.traits["email"], "ada@example.com");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; a missing identity is a 404
    /// ([`Error::is_not_found`]).
    pub fn get_identity(&self, id: impl IdArg) -> RequestBuilder<GetIdentity> {
        self.request(IdentityOp::new(GetIdentityParams {
            id: id.id_text(),
            include_credential: Vec::new(),
            include_all: false,
        }))
    }

    /// Fetches one identity by the `external_id` it was created with.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/by/external/crm-4711"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{},"external_id":"crm-4711"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let identity = client.get_identity_by_external_id("crm-4711").send()?;
    /// assert_eq!(identity.external_id.as_deref(), Some("crm-4711"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; an unknown external id is a 404.
    pub fn get_identity_by_external_id(
        &self,
        external_id: impl AsRef<str>,
    ) -> RequestBuilder<GetIdentityByExternalId> {
        self.request(IdentityOp::new(GetIdentityByExternalIdParams {
            external_id: external_id.as_ref().to_string(),
            include_credential: Vec::new(),
            include_all: false,
        }))
    }
}

impl<T> RequestBuilder<ListIdentities<T>> {
    /// `consistency`: [`Consistency::Strong`](crate::Consistency) (the
    /// default) or `Eventual` (faster, may be a few seconds stale; Ory
    /// Network only), or their names (`"eventual"`).
    pub fn consistency(self, consistency: impl Into<Consistency>) -> Self {
        self.with(|e| e.params.consistency = Some(consistency.into()))
    }

    /// Only these identities (`ids`, one query pair per id, at most 500).
    /// An empty list is refused by `send()`: Kratos would list everyone.
    ///
    /// Any [`ListArg`] of strings or UUIDs works: `["9f42…", "0f0c…"]`,
    /// `[id1, id2]`, a `Vec<Uuid>`, `users.iter().map(|u| u.id)`. A string
    /// that is not a UUID is refused by `send()` (Kratos would answer 400,
    /// quoting it).
    pub fn ids(self, ids: impl ListArg) -> Self {
        let ids = ids.into_texts().iter().map(|id| canonical(id)).collect();
        self.with(|e| e.params.ids = Some(ids))
    }

    /// Only the identity with this exact credentials identifier (an email,
    /// a username, …). Implies its credentials are included. An empty one is
    /// refused by `send()`: Kratos would list everyone.
    pub fn credentials_identifier(self, identifier: impl Into<String>) -> Self {
        self.with(|e| e.params.credentials_identifier = Some(identifier.into()))
    }

    /// Identities whose credentials identifier is similar to this one
    /// (preview feature of Kratos; may change). An empty one is refused by
    /// `send()`: Kratos would list everyone.
    pub fn preview_credentials_identifier_similar(self, identifier: impl Into<String>) -> Self {
        self.with(|e| e.params.preview_credentials_identifier_similar = Some(identifier.into()))
    }

    /// Only identities of this organization. An empty one is refused by
    /// `send()` (Kratos would list everyone), and so is one that is not a
    /// UUID (Kratos would answer 400, quoting it).
    pub fn organization_id(self, organization_id: impl IdArg) -> Self {
        self.with(|e| e.params.organization_id = Some(organization_id.id_text()))
    }
}

impl<T> sealed::IncludeCredentials for ListIdentities<T> {
    fn include_credential_mut(&mut self) -> &mut Vec<String> {
        &mut self.params.include_credential
    }

    fn include_all_mut(&mut self) -> &mut bool {
        &mut self.params.include_all
    }
}

impl<T> sealed::IncludeCredentials for GetIdentity<T> {
    fn include_credential_mut(&mut self) -> &mut Vec<String> {
        &mut self.params.include_credential
    }

    fn include_all_mut(&mut self) -> &mut bool {
        &mut self.params.include_all
    }
}

impl<T> sealed::IncludeCredentials for GetIdentityByExternalId<T> {
    fn include_credential_mut(&mut self) -> &mut Vec<String> {
        &mut self.params.include_credential
    }

    fn include_all_mut(&mut self) -> &mut bool {
        &mut self.params.include_all
    }
}

impl<T: DeserializeOwned> Sealed for ListIdentities<T> {
    const OPERATION: Operation = LIST_IDENTITIES;

    fn to_call(&self) -> Result<Call, Error> {
        list_call(&self.params)
    }

    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        Ok(match self.params.include_all {
            true => include_all(call, &self.params.include_credential, client),
            false => call,
        })
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_page(response)
    }

    fn first_bad_item(page: &<Self as Endpoint>::Output) -> Option<DecodeError> {
        first_bad(page)
    }
}

impl<T: DeserializeOwned> Endpoint for ListIdentities<T> {
    type Output = Page<Identity<T>>;
}

impl<T> HasPaging for ListIdentities<T> {
    fn paging(&self) -> &Paging {
        &self.params.paging
    }

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.params.paging
    }
}

impl<T: DeserializeOwned> Paginated for ListIdentities<T> {
    type Item = Identity<T>;
}

impl<T: DeserializeOwned> PageNumbers for ListIdentities<T> {}

/// The call of `list_identities`, whatever the items decode into.
///
/// Kratos reads an empty filter as no filter at all, so a script whose
/// computed filter came out empty would list (and perhaps then delete)
/// every identity: every filter that is set must have a value.
fn list_call(p: &ListIdentitiesParams) -> Result<Call, Error> {
    for (name, value) in [
        ("credentials_identifier", &p.credentials_identifier),
        (
            "preview_credentials_identifier_similar",
            &p.preview_credentials_identifier_similar,
        ),
        ("organization_id", &p.organization_id),
    ] {
        if value.as_deref() == Some("") {
            return Err(Error::invalid(
                InvalidInputKind::Empty,
                format!(
                    "{name} is empty, and Kratos reads an empty filter as no filter: it would list every identity"
                ),
            ));
        }
    }
    if let Some(ids) = &p.ids {
        if ids.is_empty() {
            return Err(Error::invalid(
                InvalidInputKind::Empty,
                "ids is an empty list, and Kratos reads no ids as no filter: it would list every identity",
            ));
        }
        if let Some(index) = ids.iter().position(|id| Uuid::parse_str(id).is_err()) {
            return Err(Error::invalid(
                InvalidInputKind::NotAUuid,
                format!(
                    "ids[{index}] is not a UUID (ids are given as uuid::Uuid or as the string of one)"
                ),
            ));
        }
        if ids.len() > MAX_IDS {
            return Err(Error::invalid(
                InvalidInputKind::TooMany,
                format!("ids takes at most {MAX_IDS} ids, got {}", ids.len()),
            ));
        }
    }
    if p.consistency
        .as_ref()
        .is_some_and(|c| c.as_str().is_empty())
    {
        return Err(Error::invalid(
            InvalidInputKind::Empty,
            "consistency is empty; use \"strong\" or \"eventual\"",
        ));
    }
    if let Some(organization_id) = &p.organization_id
        && Uuid::parse_str(organization_id).is_err()
    {
        return Err(not_a_uuid("organization_id"));
    }
    let call = p.paging.apply(Call::new(LIST_IDENTITIES, &[])?)?;
    Ok(call
        .query_opt("consistency", p.consistency.as_ref())
        .query_each("ids", p.ids.as_deref().unwrap_or_default())
        .query_opt("credentials_identifier", p.credentials_identifier.as_ref())
        .query_opt(
            "preview_credentials_identifier_similar",
            p.preview_credentials_identifier_similar.as_ref(),
        )
        .query_each("include_credential", &p.include_credential)
        .query_opt("organization_id", p.organization_id.as_ref()))
}

/// `GET /admin/identities`, every identity kept as the exact JSON the
/// server sent; see [`raw`](RequestBuilder::raw).
#[derive(Debug, Clone)]
pub struct ListIdentitiesRaw {
    params: ListIdentitiesParams,
}

impl<T> RequestBuilder<ListIdentities<T>> {
    /// Keeps every identity as the exact JSON the server sent
    /// (`Box<RawValue>`), fields this crate does not know included: a
    /// lossless and the fastest export. Set the filters first; the paging
    /// setters and the iterators work after it as before.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{},"added_in_kratos_99":{"x":1}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use std::io::Write;
    ///
    /// let mut out = Vec::new();
    /// for identity in client.list_identities().organization_id("4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11").raw().items() {
    ///     writeln!(out, "{}", identity?.get()).unwrap();
    /// }
    /// assert!(String::from_utf8(out).unwrap().contains("added_in_kratos_99"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn raw(self) -> RequestBuilder<ListIdentitiesRaw> {
        self.map_endpoint(|e| ListIdentitiesRaw { params: e.params })
    }
}

impl Sealed for ListIdentitiesRaw {
    const OPERATION: Operation = LIST_IDENTITIES;

    fn to_call(&self) -> Result<Call, Error> {
        list_call(&self.params)
    }

    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        Ok(match self.params.include_all {
            true => include_all(call, &self.params.include_credential, client),
            false => call,
        })
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_page(response)
    }

    fn first_bad_item(page: &<Self as Endpoint>::Output) -> Option<DecodeError> {
        first_bad(page)
    }
}

impl Endpoint for ListIdentitiesRaw {
    type Output = Page<Box<RawValue>>;
}

impl HasPaging for ListIdentitiesRaw {
    fn paging(&self) -> &Paging {
        &self.params.paging
    }

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.params.paging
    }
}

impl Paginated for ListIdentitiesRaw {
    type Item = Box<RawValue>;
}

impl PageNumbers for ListIdentitiesRaw {}

impl<T: DeserializeOwned> Sealed for GetIdentity<T> {
    const OPERATION: Operation = GET_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(GET_IDENTITY, &[&self.params.id])?;
        Ok(call.query_each("include_credential", &self.params.include_credential))
    }

    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        Ok(match self.params.include_all {
            true => include_all(call, &self.params.include_credential, client),
            false => call,
        })
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl<T: DeserializeOwned> Endpoint for GetIdentity<T> {
    type Output = Identity<T>;
}

impl<T: DeserializeOwned> Sealed for GetIdentityByExternalId<T> {
    const OPERATION: Operation = GET_IDENTITY_BY_EXTERNAL_ID;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(GET_IDENTITY_BY_EXTERNAL_ID, &[&self.params.external_id])?;
        Ok(call.query_each("include_credential", &self.params.include_credential))
    }

    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        Ok(match self.params.include_all {
            true => include_all(call, &self.params.include_credential, client),
            false => call,
        })
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl<T: DeserializeOwned> Endpoint for GetIdentityByExternalId<T> {
    type Output = Identity<T>;
}
