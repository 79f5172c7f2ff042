//! Account recovery by an administrator: a recovery code or a recovery link.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{
    CREATE_RECOVERY_CODE_FOR_IDENTITY, CREATE_RECOVERY_LINK_FOR_IDENTITY, Operation,
};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::{
    CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody, RecoveryCodeForIdentity,
    RecoveryLinkForIdentity,
};

/// The operation of [`IdentityClient::create_recovery_code_for_identity`]
/// (`POST /admin/recovery/code`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct CreateRecoveryCodeForIdentity {
    body: CreateRecoveryCodeForIdentityBody,
}

/// The operation of [`IdentityClient::create_recovery_link_for_identity`]
/// (`POST /admin/recovery/link`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct CreateRecoveryLinkForIdentity {
    body: CreateRecoveryLinkForIdentityBody,
    return_to: Option<String>,
}

/// Account recovery by an administrator: a recovery code or a recovery link.
impl IdentityClient {
    /// Creates a recovery code, and the link to enter it at, for an
    /// identity: `POST /admin/recovery/code`.
    ///
    /// `send()` returns a [`RecoveryCodeForIdentity`]: the code, the link
    /// and when they expire. Hand both to the user over a trusted channel;
    /// `Debug` does not print them. The
    /// [`CreateRecoveryCodeForIdentityBody`] names the identity, and
    /// optionally the lifespan (`expires_in`, else the server's configured
    /// one) and the flow type (`"browser"` or `"api"`).
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity that does not exist.
    /// - [`Error::Api`] with status 400 for a flow type Kratos does not know.
    /// - [`Error::InvalidInput`], with nothing sent, for an identity id that
    ///   is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`](crate::InvalidInputKind::NotAUuid))
    ///   or a lifespan of zero
    ///   ([`InvalidInputKind::OutOfRange`](crate::InvalidInputKind::OutOfRange));
    ///   Kratos would refuse both with 400.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server (each call
    /// creates a new code).
    /// Then (a connection that broke or a timeout after the request was
    /// sent, a 502, 503 or 504 from a proxy) its error says that it may have
    /// been applied, and [`Error::may_have_been_applied`] is `true`.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/recovery/code"); then.status(201).body(r#"{"recovery_link":"https://auth.example/recovery?flow=1","recovery_code":"76453943","expires_at":"2026-11-23T15:00:00Z"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use std::time::Duration;
    /// use kratos_identity::CreateRecoveryCodeForIdentityBody;
    ///
    /// let body = CreateRecoveryCodeForIdentityBody::new("9f425a8d-7efc-4768-8f23-7647a74fdf13")
    ///     .expires_in(Duration::from_secs(3600));
    /// let code = client.create_recovery_code_for_identity(body).send()?;
    /// assert_eq!(code.recovery_code, "76453943");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn create_recovery_code_for_identity(
        &self,
        body: CreateRecoveryCodeForIdentityBody,
    ) -> RequestBuilder<CreateRecoveryCodeForIdentity> {
        self.request(CreateRecoveryCodeForIdentity { body })
    }

    /// Creates a recovery link for an identity:
    /// `POST /admin/recovery/link`.
    ///
    /// `send()` returns a [`RecoveryLinkForIdentity`]: the link, with its
    /// token, and when it expires; `Debug` does not print the token. The
    /// [`CreateRecoveryLinkForIdentityBody`] names the identity and
    /// optionally the lifespan (`expires_in`, else the server's configured
    /// one).
    ///
    /// # Setters
    /// - [`return_to`](RequestBuilder::return_to): where the user lands
    ///   after recovering.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 400 for an identity that does not exist
    ///   (Kratos answers 400 here, not 404 as for the code).
    /// - [`Error::InvalidInput`], with nothing sent, for an identity id that
    ///   is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`](crate::InvalidInputKind::NotAUuid))
    ///   or a lifespan of zero
    ///   ([`InvalidInputKind::OutOfRange`](crate::InvalidInputKind::OutOfRange)).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server.
    /// Then (a connection that broke or a timeout after the request was
    /// sent, a 502, 503 or 504 from a proxy) its error says that it may have
    /// been applied, and [`Error::may_have_been_applied`] is `true`.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/recovery/link"); then.body(r#"{"recovery_link":"https://auth.example/self-service/recovery?flow=1&token=x","expires_at":"2026-11-23T15:00:00Z"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateRecoveryLinkForIdentityBody;
    ///
    /// let id = uuid::Uuid::parse_str("9f425a8d-7efc-4768-8f23-7647a74fdf13").unwrap();
    /// let link = client
    ///     .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(id)) // or a &str
    ///     .return_to("https://app.example/welcome-back")
    ///     .send()?;
    /// assert!(link.recovery_link.starts_with("https://"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn create_recovery_link_for_identity(
        &self,
        body: CreateRecoveryLinkForIdentityBody,
    ) -> RequestBuilder<CreateRecoveryLinkForIdentity> {
        self.request(CreateRecoveryLinkForIdentity {
            body,
            return_to: None,
        })
    }
}

/// The setter of
/// [`create_recovery_link_for_identity`](IdentityClient::create_recovery_link_for_identity).
impl RequestBuilder<CreateRecoveryLinkForIdentity> {
    /// Where the user lands after recovering (`return_to`); must be an
    /// allowed return URL of the Kratos configuration.
    pub fn return_to(self, url: impl Into<String>) -> Self {
        self.with(|e| e.return_to = Some(url.into()))
    }
}

impl Sealed for CreateRecoveryCodeForIdentity {
    const OPERATION: Operation = CREATE_RECOVERY_CODE_FOR_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        self.body.check()?;
        Call::new(CREATE_RECOVERY_CODE_FOR_IDENTITY, &[])?.json(&self.body)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for CreateRecoveryCodeForIdentity {
    type Output = RecoveryCodeForIdentity;
}

impl Sealed for CreateRecoveryLinkForIdentity {
    const OPERATION: Operation = CREATE_RECOVERY_LINK_FOR_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        self.body.check()?;
        // A URL of the user's, which may carry anything: private (no `public`).
        Call::new(CREATE_RECOVERY_LINK_FOR_IDENTITY, &[])?
            .query_opt("return_to", self.return_to.as_ref())
            .json(&self.body)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for CreateRecoveryLinkForIdentity {
    type Output = RecoveryLinkForIdentity;
}
