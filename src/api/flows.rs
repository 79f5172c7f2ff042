//! Admin-created self-service flows: the OIDC test login flow.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{CREATE_TEST_LOGIN_FLOW, Operation};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::{CreateTestLoginFlowBody, LoginFlow};

/// `POST /admin/test-login-flows`: creates a login flow to test an OIDC provider.
#[derive(Debug, Clone)]
pub struct CreateTestLoginFlow {
    body: CreateTestLoginFlowBody,
}

impl IdentityClient {
    /// Creates a login flow for testing one configured OIDC provider
    /// (Ory Network).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/test-login-flows"); then.status(201).body(r#"{"id":"2f8f1f6e-1c55-4b1d-9b39-7d2a8e0f6a11","type":"browser","expires_at":"2026-11-23T15:00:00Z","issued_at":"2026-11-23T14:00:00Z","request_url":"https://auth.example/self-service/login/browser","ui":{"action":"","method":"POST","nodes":[]},"state":"choose_method"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateTestLoginFlowBody;
    ///
    /// let flow = client.create_test_login_flow(CreateTestLoginFlowBody::new("google")).send()?;
    /// println!("open {}", flow.request_url);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for an unknown provider. Not
    /// retried once it may have reached the server.
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
