//! Identity schemas: list them, fetch one.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{GET_IDENTITY_SCHEMA, LIST_IDENTITY_SCHEMAS, Operation};
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error};
use crate::models::IdentitySchemaContainer;
use crate::paging::offset_pages::requested_page_size;
use crate::paging::page::{Page, decode_page, first_bad};
use crate::paging::paginated::{PageNumbers, Paginated, Paging, sealed::HasPaging};

/// The operation of [`IdentityClient::list_identity_schemas`] (`GET
/// /schemas`), whose documentation lists its setters.
#[derive(Debug, Clone, Default)]
pub struct ListIdentitySchemas {
    paging: Paging,
}

/// The operation of [`IdentityClient::get_identity_schema`] (`GET
/// /schemas/{id}`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct GetIdentitySchema {
    id: String,
}

/// Identity schemas: list them, fetch one.
impl IdentityClient {
    /// Lists the identity schemas, in the order of the server's
    /// configuration, one page per [`send`](RequestBuilder::send):
    /// `GET /schemas`.
    ///
    /// `send()` returns a [`Page`] of [`IdentitySchemaContainer`] (each
    /// schema's id and JSON Schema); [`items`](RequestBuilder::items) and
    /// [`pages`](RequestBuilder::pages) fetch every page lazily. On the
    /// self-hosted admin port Kratos redirects (307) to the public port:
    /// the client follows, and sends the API key and your own headers only
    /// if that is the configured origin (schemas need no key).
    ///
    /// # Setters
    /// - [`page_size`](RequestBuilder::page_size): schemas per page.
    /// - [`page_token`](RequestBuilder::page_token): starts at this page.
    /// - [`resume`](RequestBuilder::resume): continues after the last item
    ///   an earlier walk handed out ([`Items::resume_position`](crate::Items::resume_position)),
    ///   in another process too.
    /// - [`page`](RequestBuilder::page): the legacy page number, 0-based.
    /// - [`per_page`](RequestBuilder::per_page): the legacy page size.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::InvalidInput`], with nothing sent, for a `page_size` or
    ///   `per_page` of 0
    ///   ([`InvalidInputKind::OutOfRange`](crate::InvalidInputKind::OutOfRange))
    ///   or an empty `page_token`.
    /// - [`Error::Api`] with a 3xx status after more than 5 redirects.
    /// - [`Error::Decode`] when a schema does not decode: `send()` fails for
    ///   the page, [`send_lenient`](RequestBuilder::send_lenient) and the
    ///   iterators pass on the others.
    /// - [`Error::Pagination`] when the `Link` header names a next page that
    ///   cannot be followed.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Kratos versions
    /// Kratos (v26.2.0 and master alike) answers page `p` with up to
    /// `(p + 1) · size` schemas; the client keeps only the `size` that are
    /// that page. It also announces a next page after the last one: the
    /// iterators stop at the empty page.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/schemas"); then.body(r#"[{"id":"default","schema":{"type":"object"}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client.list_identity_schemas().send()?;
    /// assert_eq!(page.as_slice()[0].id, "default");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn list_identity_schemas(&self) -> RequestBuilder<ListIdentitySchemas> {
        self.request(ListIdentitySchemas::default())
    }

    /// Fetches one identity schema by its id, or the id's base64url form:
    /// `GET /schemas/{id}`.
    ///
    /// `send()` returns the JSON Schema itself, as a [`serde_json::Value`].
    /// It follows the admin port's redirect like
    /// [`list_identity_schemas`](Self::list_identity_schemas).
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for a
    ///   schema the server does not have.
    /// - [`Error::Api`] with a 3xx status after more than 5 redirects.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/schemas/default"); then.body(r#"{"$id":"https://schemas.ory.sh/presets/kratos/identity.email.schema.json","type":"object"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let schema = client.get_identity_schema("default").send()?;
    /// assert_eq!(schema["type"], "object");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn get_identity_schema(&self, id: impl AsRef<str>) -> RequestBuilder<GetIdentitySchema> {
        self.request(GetIdentitySchema {
            id: id.as_ref().to_string(),
        })
    }
}

impl Sealed for ListIdentitySchemas {
    const OPERATION: Operation = LIST_IDENTITY_SCHEMAS;

    fn to_call(&self) -> Result<Call, Error> {
        self.paging.apply(Call::new(LIST_IDENTITY_SCHEMAS, &[])?)
    }

    /// Kratos answers page `p` with up to `(p + 1) · size` items; only the
    /// first `size` are that page (see [`requested_page_size`]).
    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        let mut page: Page<IdentitySchemaContainer> = decode_page(response)?;
        let size = requested_page_size(&response.query);
        if page.positions() > size {
            drop(page.split_off(size));
        }
        Ok(page)
    }

    fn first_bad_item(page: &<Self as Endpoint>::Output) -> Option<DecodeError> {
        first_bad(page)
    }
}

impl Endpoint for ListIdentitySchemas {
    type Output = Page<IdentitySchemaContainer>;
}

impl HasPaging for ListIdentitySchemas {
    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl Paginated for ListIdentitySchemas {
    type Item = IdentitySchemaContainer;
}

impl PageNumbers for ListIdentitySchemas {}

impl Sealed for GetIdentitySchema {
    const OPERATION: Operation = GET_IDENTITY_SCHEMA;

    fn to_call(&self) -> Result<Call, Error> {
        // A schema id names configuration, not a person.
        Ok(Call::new(GET_IDENTITY_SCHEMA, &[&self.id])?.public_path())
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for GetIdentitySchema {
    type Output = serde_json::Value;
}
