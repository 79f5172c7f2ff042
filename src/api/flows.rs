//! Admin-created self-service flows: the OIDC test login flow.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{CREATE_TEST_LOGIN_FLOW, Operation};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::{CreateTestLoginFlowBody, LoginFlow};

/// The operation of [`IdentityClient::create_test_login_flow`] (`POST
/// /admin/test-login-flows`, Kratos master only), whose documentation
/// lists its setters.
#[derive(Debug, Clone)]
pub struct CreateTestLoginFlow {
    body: CreateTestLoginFlowBody,
}

/// Flows an administrator starts: the OIDC test login flow.
impl IdentityClient {
    /// Creates a login flow for testing one configured OIDC provider:
    /// `POST /admin/test-login-flows`. **Kratos master only** (and so Ory
    /// Network).
    ///
    /// `send()` returns the [`LoginFlow`]; open its `request_url` in a
    /// browser to sign in with that provider. The
    /// [`CreateTestLoginFlowBody`] names the provider, as configured (at
    /// most 255 characters).
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 and
    ///   [`Error::is_unsupported_operation`] on a server that does not have
    ///   the operation (see below).
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`], with
    ///   Kratos's error body) for a provider that is not configured.
    /// - [`Error::Api`] with status 400 for an empty or too long provider
    ///   id.
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
    /// v26.2.0 does not have this operation: it answers 404 "404 page not
    /// found", and the error says the server does not support it. Ask
    /// first with [`get_version`](Self::get_version)
    /// ([`ServerVersion::supports`](crate::ServerVersion::supports)).
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/test-login-flows"); then.status(201).body(r#"{"id":"2f8f1f6e-1c55-4b1d-9b39-7d2a8e0f6a11","type":"browser","expires_at":"2026-11-23T15:00:00Z","issued_at":"2026-11-23T14:00:00Z","request_url":"https://auth.example/self-service/login/browser","ui":{"action":"","method":"POST","nodes":[]},"state":"choose_method"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateTestLoginFlowBody;
    ///
    /// match client.create_test_login_flow(CreateTestLoginFlowBody::new("google")).send() {
    ///     Ok(flow) => println!("open {}", flow.request_url),
    ///     Err(e) if e.is_unsupported_operation() => println!("this Kratos has no test login flows"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn create_test_login_flow(
        &self,
        body: CreateTestLoginFlowBody,
    ) -> RequestBuilder<CreateTestLoginFlow> {
        self.request(CreateTestLoginFlow { body })
    }
}

impl Sealed for CreateTestLoginFlow {
    const OPERATION: Operation = CREATE_TEST_LOGIN_FLOW;

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(CREATE_TEST_LOGIN_FLOW, &[])?.json(&self.body)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for CreateTestLoginFlow {
    type Output = LoginFlow;
}
