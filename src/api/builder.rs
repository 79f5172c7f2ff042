//! [`RequestBuilder`], the one builder type behind every operation.

use std::fmt;
use std::time::Duration;

use crate::api::endpoint::{Call, Endpoint};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::http::response::Response;
use crate::http::transport::clamp;

/// A request to the admin API, ready to be tuned with the operation's
/// setters and sent with [`send`](Self::send).
///
/// Every client method returns one: `RequestBuilder<ListIdentities>`,
/// `RequestBuilder<GetSession>`, … The setters of each operation are listed
/// below under its own `impl` block. Setters never fail: invalid input is
/// reported by `send`. A builder owns its data and a cheap clone of the
/// client, so it is `Clone + Send`, has no lifetime, and can be stored or
/// moved to another thread.
///
/// Its `Debug` names the operation and the client, not the parameters: a
/// filter may be an email address, a body may carry traits or a password.
#[derive(Clone)]
#[must_use = "requests do nothing until .send() is called"]
pub struct RequestBuilder<E> {
    pub(crate) client: IdentityClient,
    pub(crate) endpoint: E,
    /// This request's own timeout, replacing the client's.
    pub(crate) timeout: Option<Duration>,
    /// This request's own deadline, replacing the client's.
    pub(crate) deadline: Option<Duration>,
}

impl<E: Endpoint> fmt::Debug for RequestBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.endpoint.operation().to_string())
            .field("client", &self.client)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl IdentityClient {
    /// Wraps an operation into its request builder.
    pub(crate) fn request<E: Endpoint>(&self, endpoint: E) -> RequestBuilder<E> {
        RequestBuilder {
            client: self.clone(),
            endpoint,
            timeout: None,
            deadline: None,
        }
    }
}

impl<E> RequestBuilder<E> {
    /// Applies a change to the operation's parameters.
    pub(crate) fn with(mut self, change: impl FnOnce(&mut E)) -> Self {
        change(&mut self.endpoint);
        self
    }

    /// The same request as another operation type (`traits::<U>()`, `raw()`).
    pub(crate) fn map_endpoint<F>(self, change: impl FnOnce(E) -> F) -> RequestBuilder<F> {
        RequestBuilder {
            client: self.client,
            endpoint: change(self.endpoint),
            timeout: self.timeout,
            deadline: self.deadline,
        }
    }

    /// This request's own timeout for each stage after connecting (sending,
    /// waiting for the answer, receiving the body), replacing the client's
    /// [`timeout`](crate::ClientBuilder::timeout) and, if it is longer, the
    /// client's read timeout. Any `Duration` works; values beyond about 100
    /// years are clamped to that; zero is refused by `send()`, as it is by
    /// the client builder.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.any_request(); then.body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use std::time::Duration;
    ///
    /// let page = client.list_identities().page_size(500).timeout(Duration::from_secs(90)).send()?;
    /// # assert!(page.is_empty());
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(clamp(timeout));
        self
    }

    /// This request's own deadline for the whole call (attempts, the waits
    /// between them, pacing), replacing the client's
    /// [`deadline`](crate::ClientBuilder::deadline). Default: the client's,
    /// or twice the call's timeout. For a list's iterator it bounds each
    /// page's call, not the whole listing. Zero is refused by `send()`.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.any_request(); then.body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use std::time::Duration;
    ///
    /// // A support tool: an answer within 5 s, or an error.
    /// let page = client.list_identities().deadline(Duration::from_secs(5)).send()?;
    /// # assert!(page.is_empty());
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(clamp(deadline));
        self
    }
}

impl<E: Endpoint> RequestBuilder<E> {
    /// The call this request sends: the operation's, with this request's
    /// own timeout. Errors name the operation.
    pub(crate) fn to_call(&self) -> Result<Call, Error> {
        self.endpoint
            .to_call()
            .and_then(|call| self.endpoint.prepare(call, &self.client))
            .and_then(|call| call.with_timeout(self.timeout))
            .and_then(|call| call.with_deadline(self.deadline))
            .map_err(|e| e.in_operation(E::OPERATION))
    }

    /// Sends the request and decodes the answer. For a list, one page,
    /// and only a page whose every item decoded.
    ///
    /// # Errors
    /// Every error names the operation. Among them:
    /// - [`Error::InvalidInput`] when the parameters are invalid (nothing is sent);
    /// - [`Error::Api`] when the server answers with a non-success status
    ///   (after the retries, if it is one they retry: see [`Error::attempts`]);
    /// - [`Error::Transport`] when no complete response arrived;
    /// - [`Error::Decode`] when the body does not have the expected shape:
    ///   for a list, when any one item does not (a user who exists but whose
    ///   traits do not fit your type must not look absent); use
    ///   [`send_lenient`](Self::send_lenient) or the iterators to get the
    ///   good items and each bad one apart;
    /// - [`Error::RateLimited`] when Ory Network's budget would have it wait
    ///   too long.
    pub fn send(self) -> Result<E::Output, Error> {
        self.send_with_info().map(Response::into_body)
    }

    /// Like [`send`](Self::send), and also returns the HTTP status and
    /// headers (what other SDKs call `with_http_info`).
    ///
    /// # Errors
    /// As for [`send`](Self::send).
    pub fn send_with_info(self) -> Result<Response<E::Output>, Error> {
        let call = self.to_call()?;
        let raw = self.client.send_call(&call)?;
        let body = self.endpoint.decode(&raw)?;
        if let Some(bad) = E::first_bad_item(&body) {
            return Err(Error::decode(bad));
        }
        Ok(Response::new(raw.status, raw.headers, body))
    }
}
