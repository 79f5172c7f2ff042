//! The server's metadata: `get_version`.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{GET_VERSION, Operation};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::ServerVersion;

/// The operation of [`IdentityClient::get_version`] (`GET /version`),
/// whose documentation lists its setters.
#[derive(Debug, Clone, Default)]
pub struct GetVersion {
    _private: (),
}

/// The server's metadata: its version.
impl IdentityClient {
    /// Asks the server for its version: `GET /version`, of Kratos's
    /// metadata API.
    ///
    /// `send()` returns a [`ServerVersion`], and with it what the server
    /// can do: which credential types it imports
    /// ([`ServerVersion::imports_credential`]) and which operations it
    /// serves ([`ServerVersion::supports`]). A migration asks its target
    /// before it converts anything
    /// ([`CreateIdentityBody::from_identity_for`](crate::CreateIdentityBody::from_identity_for)).
    /// The client also asks it by itself, once per client, when a call
    /// depends on it
    /// ([`include_all_credentials`](RequestBuilder::include_all_credentials),
    /// [`update_identity`](Self::update_identity) with credentials that
    /// v26.2.0 would drop); this method always sends.
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// Those of every call ([`send`](RequestBuilder::send)):
    /// [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    /// [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/version"); then.body(r#"{"version":"v26.2.0"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let version = client.get_version().send()?;
    /// if !version.imports_credential("totp") {
    ///     eprintln!("{version} cannot import TOTP: users will set it up again");
    /// }
    /// # assert_eq!(version.release(), Some((26, 2, 0)));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn get_version(&self) -> RequestBuilder<GetVersion> {
        self.request(GetVersion::default())
    }
}

impl Sealed for GetVersion {
    const OPERATION: Operation = GET_VERSION;

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(GET_VERSION, &[])
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for GetVersion {
    type Output = ServerVersion;
}
