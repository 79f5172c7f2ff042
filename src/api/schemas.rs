//! Identity schemas: list them, fetch one.

use crate::api::endpoint::{Call, Endpoint, Method, RawResponse, Sealed, decode_json};
use crate::paging::page::{Page, decode_page};
use crate::paging::paginated::{PageNumbers, Paginated};
use crate::api::builder::RequestBuilder;
use crate::api::Paging;
use crate::{Error, IdentityClient, IdentitySchemaContainer};

/// `GET /schemas`: lists the identity schemas.
#[derive(Debug, Clone, Default)]
pub struct ListIdentitySchemas {
    paging: Paging,
}

/// `GET /schemas/{id}`: fetches one identity schema (the raw JSON Schema).
#[derive(Debug, Clone)]
pub struct GetIdentitySchema {
    id: String,
}

impl IdentityClient {
    /// Lists the identity schemas. On the self-hosted admin port Kratos
    /// redirects (307) to the public port; the client follows, and sends the
    /// API key only if that is the same origin.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/schemas"); then.body(r#"[{"id":"default","schema":{"type":"object"}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let page = client.list_identity_schemas().send()?;
    /// assert_eq!(page.items()[0].id, "default");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`].
    pub fn list_identity_schemas(&self) -> RequestBuilder<ListIdentitySchemas> {
        self.request(ListIdentitySchemas::default())
    }

    /// Fetches one identity schema by its id (or the id's base64url form).
    /// Follows the admin port's redirect like
    /// [`list_identity_schemas`](Self::list_identity_schemas).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/schemas/default"); then.body(r#"{"$id":"https://schemas.ory.sh/presets/kratos/identity.email.schema.json","type":"object"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let schema = client.get_identity_schema("default").send()?;
    /// assert_eq!(schema["type"], "object");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for an unknown schema.
    pub fn get_identity_schema(&self, id: impl ToString) -> RequestBuilder<GetIdentitySchema> {
        self.request(GetIdentitySchema { id: id.to_string() })
    }
}

impl Sealed for ListIdentitySchemas {}

impl Endpoint for ListIdentitySchemas {
    type Output = Page<IdentitySchemaContainer>;

    fn to_call(&self) -> Result<Call, Error> {
        self.paging.apply(Call::new(Method::Get, "/schemas"))
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_page(response)
    }
}

impl Paginated for ListIdentitySchemas {
    type Item = IdentitySchemaContainer;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }
}

impl PageNumbers for ListIdentitySchemas {}

impl Sealed for GetIdentitySchema {}

impl Endpoint for GetIdentitySchema {
    type Output = serde_json::Value;

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(Method::Get, "/schemas").segment("schema id", &self.id)
    }

    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(response)
    }
}
