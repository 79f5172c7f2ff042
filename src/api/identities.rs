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

/// The operation of [`IdentityClient::list_identities`] (`GET
/// /admin/identities`), whose documentation lists its setters. You name
/// this type only to store a builder or an iterator:
/// `RequestBuilder<ListIdentities>`, `Items<ListIdentities>`.
pub type ListIdentities<T = serde_json::Value> = IdentityOp<ListIdentitiesParams, T>;

/// The operation of [`IdentityClient::get_identity`] (`GET
/// /admin/identities/{id}`), whose documentation lists its setters.
pub type GetIdentity<T = serde_json::Value> = IdentityOp<GetIdentityParams, T>;

/// The operation of [`IdentityClient::get_identity_by_external_id`] (`GET
/// /admin/identities/by/external/{externalID}`), whose documentation lists
/// its setters.
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

/// Reading identities: list them, fetch one by its id or by its external id.
impl IdentityClient {
    /// Lists identities, one page per [`send`](RequestBuilder::send):
    /// `GET /admin/identities`.
    ///
    /// `send()` returns a [`Page`] of [`Identity<T>`] (`T` is
    /// `serde_json::Value` unless [`traits`](RequestBuilder::traits) names
    /// your own type); [`items`](RequestBuilder::items) and
    /// [`pages`](RequestBuilder::pages) fetch every page lazily, following
    /// Kratos's page tokens with your filters kept on every page. Without
    /// `include_credential` Kratos includes no credentials at all.
    ///
    /// Kratos reads an empty filter as no filter and lists every identity,
    /// so a filter that is set must have a value: `send()` refuses an empty
    /// one before anything is sent. Only one of the filters `ids`,
    /// `credentials_identifier`, `preview_credentials_identifier_similar`
    /// and `organization_id` may be set at a time (Kratos answers 400 to
    /// two).
    ///
    /// # Setters
    /// - [`ids`](RequestBuilder::ids): only these identities (at most 500).
    /// - [`credentials_identifier`](RequestBuilder::credentials_identifier):
    ///   only the identity with this exact identifier (an email, a username).
    /// - [`preview_credentials_identifier_similar`](RequestBuilder::preview_credentials_identifier_similar):
    ///   identities whose identifier is similar to this one (a Kratos preview).
    /// - [`organization_id`](RequestBuilder::organization_id): only the
    ///   identities of this organization.
    /// - [`consistency`](RequestBuilder::consistency): `Strong` (the default)
    ///   or `Eventual` reads (Ory Network).
    /// - [`include_credential`](RequestBuilder::include_credential): the
    ///   credentials of these types, with their `config`.
    /// - [`include_all_credentials`](RequestBuilder::include_all_credentials):
    ///   the credentials of every type the server knows, with their `config`.
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the traits into
    ///   your own type.
    /// - [`raw`](RequestBuilder::raw): keeps every identity as the exact JSON
    ///   the server sent.
    /// - [`page_size`](RequestBuilder::page_size): identities per page
    ///   (Kratos's default 250, at most 500; larger is clamped).
    /// - [`page_token`](RequestBuilder::page_token): starts at this page
    ///   ([`Page::next_page_token`], [`Items::resume_token`](crate::Items::resume_token)).
    /// - [`resume`](RequestBuilder::resume): continues after the last item
    ///   an earlier walk handed out ([`Items::resume_position`](crate::Items::resume_position)),
    ///   in another process too.
    /// - [`page`](RequestBuilder::page): the deprecated page number, 0-based.
    /// - [`per_page`](RequestBuilder::per_page): the deprecated page size
    ///   (at most 500, and `page · per_page` at most 1000).
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::InvalidInput`], with nothing sent, for a filter set to an
    ///   empty value ([`InvalidInputKind::Empty`]: an empty
    ///   `credentials_identifier`, `preview_credentials_identifier_similar`,
    ///   `organization_id`, `consistency` or `page_token`, or `ids` with no
    ///   items), an item of `ids` or an `organization_id` that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]; Kratos would answer 400, quoting
    ///   it), more than 500 `ids` ([`InvalidInputKind::TooMany`]), or a
    ///   `page_size` or `per_page` of 0 ([`InvalidInputKind::OutOfRange`]).
    /// - [`Error::Api`] with status 400 for two filters at once, a page token
    ///   Kratos does not accept, or legacy page numbers beyond the first
    ///   1000 identities.
    /// - [`Error::Decode`] when an identity does not fit [`Identity<T>`]
    ///   (traits that do not fit your type, say): `send()` fails for the
    ///   whole page, while [`send_lenient`](RequestBuilder::send_lenient)
    ///   and the iterators pass on the others and yield each bad one as its
    ///   own error.
    /// - [`Error::Pagination`] when the `Link` header names a next page that
    ///   cannot be followed; the iterators also stop with it on a page token
    ///   the server sent already, and on a full page without any `Link`
    ///   header (a proxy stripped it).
    /// - Those of every call ([`send`](RequestBuilder::send)): an
    ///   [`Error::Api`] for any other non-success status,
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`].
    ///
    /// # Kratos versions
    /// - v26.2.0 does not know the `deviceauthn` credential type:
    ///   `include_credential(["deviceauthn"])` is a 400 there.
    ///   `include_all_credentials()` asks the server's version and names only
    ///   the types it knows.
    /// - `consistency(Consistency::Eventual)` takes effect on Ory Network
    ///   only, where answers may then be a few seconds stale.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("credentials_identifier", "ada@example.com"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("page_size", "500"); then.header("link", r#"</admin/identities?page_size=500&page_token=9f425a8d-7efc-4768-8f23-7647a74fdf13>; rel="first""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// // One page: the identity with this email, if any.
    /// let page = client
    ///     .list_identities()
    ///     .credentials_identifier("ada@example.com")
    ///     .send()?;
    /// if page.is_empty() && page.is_complete() {
    ///     println!("no such user");
    /// }
    ///
    /// // Every identity, page after page, 500 at a time:
    /// for identity in client.list_identities().page_size(500).items() {
    ///     let identity = identity?;
    ///     println!("{} {}", identity.id, identity.traits["email"]);
    /// }
    /// # assert_eq!(page.len(), 1);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn list_identities(&self) -> RequestBuilder<ListIdentities> {
        self.request(IdentityOp::new(ListIdentitiesParams::default()))
    }

    /// Fetches one identity: `GET /admin/identities/{id}`.
    ///
    /// `send()` returns its [`Identity<T>`] (`T` is `serde_json::Value`
    /// unless [`traits`](RequestBuilder::traits) names your own type).
    /// Kratos lists the identity's credential types, but their `config` only
    /// for the types named in
    /// [`include_credential`](RequestBuilder::include_credential). The id is
    /// a [`Uuid`] or a string ([`IdArg`]).
    ///
    /// # Setters
    /// - [`include_credential`](RequestBuilder::include_credential): the
    ///   `config` of these credential types.
    /// - [`include_all_credentials`](RequestBuilder::include_all_credentials):
    ///   the `config` of every credential type the server knows.
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the traits into
    ///   your own type.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity that does not exist, and for an id that is not a UUID
    ///   (Kratos answers 404 to both).
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id
    ///   ([`InvalidInputKind::Empty`]), or `.` or `..`.
    /// - [`Error::Decode`] when the identity does not fit [`Identity<T>`]
    ///   (traits that do not fit your type, say).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Kratos versions
    /// v26.2.0 does not know the `deviceauthn` credential type:
    /// `include_credential(["deviceauthn"])` is a 400 there, while
    /// `include_all_credentials()` names only the types the server knows.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/9f425a8d-7efc-4768-8f23-7647a74fdf13"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities/0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1"); then.status(404).body(r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let id = uuid::Uuid::parse_str("9f425a8d-7efc-4768-8f23-7647a74fdf13").unwrap();
    /// let identity = client.get_identity(id).include_credential(["oidc"]).send()?;
    /// assert_eq!(identity.traits["email"], "ada@example.com");
    ///
    /// // A missing identity is a 404:
    /// match client.get_identity("0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1").send() {
    ///     Ok(identity) => println!("found {}", identity.id),
    ///     Err(e) if e.is_not_found() => println!("no such identity"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn get_identity(&self, id: impl IdArg) -> RequestBuilder<GetIdentity> {
        self.request(IdentityOp::new(GetIdentityParams {
            id: id.id_text(),
            include_credential: Vec::new(),
            include_all: false,
        }))
    }

    /// Fetches one identity by the `external_id` it was created with:
    /// `GET /admin/identities/by/external/{externalID}`.
    ///
    /// `send()` returns its [`Identity<T>`], credentials as for
    /// [`get_identity`](Self::get_identity). The external id is any string,
    /// sent percent-encoded; since it is often an email address, the logs
    /// show the path template instead of it.
    ///
    /// # Setters
    /// - [`include_credential`](RequestBuilder::include_credential): the
    ///   `config` of these credential types.
    /// - [`include_all_credentials`](RequestBuilder::include_all_credentials):
    ///   the `config` of every credential type the server knows.
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the traits into
    ///   your own type.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) when no
    ///   identity has this external id.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty external id
    ///   ([`InvalidInputKind::Empty`]), or `.` or `..`.
    /// - [`Error::Decode`] when the identity does not fit [`Identity<T>`].
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Kratos versions
    /// As for [`get_identity`](Self::get_identity): `deviceauthn` is a 400
    /// on v26.2.0.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities/by/external/crm-4711"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{},"external_id":"crm-4711"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let identity = client.get_identity_by_external_id("crm-4711").send()?;
    /// assert_eq!(identity.external_id.as_deref(), Some("crm-4711"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
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

/// The setters of [`list_identities`](IdentityClient::list_identities)
/// alone: its filters, and [`raw`](Self::raw). Its paging setters and
/// iterators, `include_credential` and `traits::<U>()` are in the groups
/// below, shared with other operations.
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
    /// a username, …). An empty one is refused by `send()`: Kratos would
    /// list everyone.
    ///
    /// Kratos then lists the identity's credentials, but without their
    /// `config` unless [`include_credential`](Self::include_credential)
    /// names the type. It finds password, WebAuthn and code identifiers
    /// (compared lower-cased and trimmed) and OIDC and SAML subjects
    /// (compared as given), not TOTP, lookup secret or passkey identifiers.
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
    const IN_ID_ORDER: bool = true;

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
        .query_opt("organization_id", p.organization_id.as_ref())
        // Enum names; the identifiers are the user's own (the ids and the
        // organization are UUIDs, which are never scrubbed).
        .public(&["consistency", "include_credential"]))
}

/// [`IdentityClient::list_identities`] after [`raw`](RequestBuilder::raw)
/// (`GET /admin/identities`): every identity kept as the exact JSON the
/// server sent.
#[derive(Debug, Clone)]
pub struct ListIdentitiesRaw {
    params: ListIdentitiesParams,
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
    const IN_ID_ORDER: bool = true;

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
        Ok(call
            .query_each("include_credential", &self.params.include_credential)
            .public(&["include_credential"]))
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
        Ok(call
            .query_each("include_credential", &self.params.include_credential)
            .public(&["include_credential"]))
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
