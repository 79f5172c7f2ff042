//! [`RequestBuilder`], the one builder type behind every operation.

use std::fmt;
use std::time::Duration;

use crate::api::endpoint::{Call, Endpoint};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::http::response::Response;
use crate::http::transport::clamp;

/// A request to the admin API: set its options, then send it.
///
/// Every operation method of [`IdentityClient`] returns one, typed by its
/// operation: `client.list_identities()` is a
/// `RequestBuilder<ListIdentities>`, `client.get_session(id)` a
/// `RequestBuilder<GetSession>`. Using one always takes the same three
/// steps:
///
/// 1. **Call the method** with what the operation requires (an id, a body).
/// 2. **Chain the optional setters.** Each takes the builder and returns
///    it. Setters never fail: a value that cannot be sent (an empty filter,
///    an id that must be a UUID and is not, a zero timeout) comes back from
///    `send()` as [`Error::InvalidInput`](crate::Error::InvalidInput), and
///    nothing is sent.
/// 3. **Send it.** [`send`](Self::send) returns the decoded answer
///    ([`Endpoint::Output`](crate::Endpoint::Output): an
///    [`Identity`](crate::Identity), a [`Page`](crate::Page), what a delete
///    found ([`Deleted`](crate::Deleted)), …);
///    [`send_with_info`](Self::send_with_info) also returns the HTTP status
///    and headers. A list has more ways to send:
///    [`items`](Self::items) and [`pages`](Self::pages) fetch every page
///    lazily, and [`send_lenient`](Self::send_lenient) keeps the items of a
///    page that decoded when others did not. A walk that stopped (a crash,
///    an error) continues with [`resume`](Self::resume) from the
///    [`ListPosition`](crate::ListPosition) it was at.
///
/// ```
/// # let server = httpmock::MockServer::start();
/// # server.mock(|when, then| { when.path("/admin/identities"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
/// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
/// use std::time::Duration;
///
/// let request = client                 // 1. the operation
///     .list_identities()
///     .include_credential(["password"]) // 2. its setters
///     .page_size(500)
///     .timeout(Duration::from_secs(60));
/// let page = request.clone().send()?;   // 3. one page ...
/// for identity in request.items() {     //    ... or every page, lazily
///     println!("{}", identity?.id);
/// }
/// # assert_eq!(page.len(), 1);
/// # Ok::<(), kratos_identity::Error>(())
/// ```
///
/// Each client method's documentation lists every setter its builder has,
/// with the errors it can give. Here they are by group, each linked to its
/// own documentation below:
///
/// | group | setters | on |
/// |---|---|---|
/// | this call's limits | [`timeout`](Self::timeout), [`deadline`](Self::deadline) | every operation |
/// | paging | [`page_size`](Self::page_size), [`page_token`](Self::page_token) | the four lists |
/// | legacy page numbers | [`page`](Self::page), [`per_page`](Self::per_page) | the lists but `list_sessions` |
/// | traits type | [`traits::<U>()`](Self::traits) | the six calls that return identities |
/// | credentials | [`include_credential`](Self::include_credential), [`include_all_credentials`](Self::include_all_credentials) | `list_identities`, `get_identity`, `get_identity_by_external_id` |
/// | "already gone" is fine | [`missing_ok`](Self::missing_ok) | `delete_identity`, `delete_identity_credentials`, `delete_identity_sessions`, `disable_session` |
/// | identity filters | [`ids`](Self::ids), [`credentials_identifier`](Self::credentials_identifier), [`preview_credentials_identifier_similar`](Self::preview_credentials_identifier_similar), [`organization_id`](Self::organization_id), [`consistency`](Self::consistency), [`raw`](Self::raw) | `list_identities` |
/// | sessions | [`active`](Self::active) (`list_sessions`; [also](#method.active-1) `list_identity_sessions`), [`expand`](Self::expand) (`list_sessions`; [also](#method.expand-1) `get_session`) | the session calls |
/// | one operation's own | [`identifier`](Self::identifier) (`delete_identity_credentials`), [`return_to`](Self::return_to) (`create_recovery_link_for_identity`) | |
///
/// The limits a call runs with are the client's
/// ([`ClientBuilder`](crate::ClientBuilder)) unless its builder sets its
/// own with [`timeout`](Self::timeout) and [`deadline`](Self::deadline);
/// retries always follow the client's [`RetryPolicy`](crate::RetryPolicy),
/// which repeats a request only when that is safe. A builder does nothing
/// until it is sent, and is used up by sending: clone it to send the same
/// request again. It owns its data and a cheap clone of the client, so it is
/// `Clone + Send`, has no lifetime, and can be stored or moved to another
/// thread. ([`import_identities`](IdentityClient::import_identities) has a
/// builder of its own, [`ImportIdentities`](crate::ImportIdentities).)
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

/// Every request: its own limits.
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

/// Every request: sending it.
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
    /// - [`Error::BodyTooLarge`] when the answer is larger than the
    ///   client's [`max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// - [`Error::Pagination`], for a list, when the `Link` header names a
    ///   next page that cannot be followed;
    /// - [`Error::RateLimited`] when Ory Network's budget would have it wait
    ///   too long.
    ///
    /// Each client method lists the errors of its own operation.
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
