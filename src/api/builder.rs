//! [`RequestBuilder`], the one builder type behind every operation.

use crate::Error;
use crate::client::IdentityClient;
use crate::api::endpoint::Endpoint;
use crate::http::response::Response;

/// A request to the admin API, ready to be tuned with the operation's
/// setters and sent with [`send`](Self::send).
///
/// Every client method returns one: `RequestBuilder<ListIdentities>`,
/// `RequestBuilder<GetSession>`, … The setters of each operation are listed
/// below under its own `impl` block. Setters never fail: invalid input is
/// reported by `send`. A builder owns its data and a cheap clone of the
/// client, so it is `Clone + Send`, has no lifetime, and can be stored or
/// moved to another thread.
#[derive(Clone, Debug)]
#[must_use = "requests do nothing until .send() is called"]
pub struct RequestBuilder<E> {
    pub(crate) client: IdentityClient,
    pub(crate) endpoint: E,
}

impl IdentityClient {
    /// Wraps an operation into its request builder.
    pub(crate) fn request<E: Endpoint>(&self, endpoint: E) -> RequestBuilder<E> {
        RequestBuilder::new(self.clone(), endpoint)
    }
}

impl<E> RequestBuilder<E> {
    pub(crate) fn new(client: IdentityClient, endpoint: E) -> Self {
        RequestBuilder { client, endpoint }
    }

    /// Applies a change to the operation's parameters.
    pub(crate) fn with(mut self, change: impl FnOnce(&mut E)) -> Self {
        change(&mut self.endpoint);
        self
    }

    /// The operation with its parameters, for inspection.
    pub fn endpoint(&self) -> &E {
        &self.endpoint
    }
}

impl<E: Endpoint> RequestBuilder<E> {
    /// Sends the request and decodes the answer.
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] when the parameters are invalid (nothing is sent);
    /// - [`Error::Api`] when the server answers with a non-success status;
    /// - [`Error::Transport`] when no complete response arrived;
    /// - [`Error::Decode`] when the body does not have the expected shape;
    /// - [`Error::RetriesExhausted`] when every retry failed.
    pub fn send(self) -> Result<E::Output, Error> {
        self.send_with_info().map(Response::into_body)
    }

    /// Like [`send`](Self::send), and also returns the HTTP status and
    /// headers (what other SDKs call `with_http_info`).
    ///
    /// # Errors
    /// As for [`send`](Self::send).
    pub fn send_with_info(self) -> Result<Response<E::Output>, Error> {
        let call = self.endpoint.to_call()?;
        let raw = self.client.send_call(&call)?;
        let body = self.endpoint.decode(&raw)?;
        Ok(Response::new(raw.status, raw.headers, body))
    }
}
