//! The server's metadata: `get_version`.

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{GET_VERSION, Operation};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::models::ServerVersion;

/// `GET /version`: the version of the server. See [`IdentityClient::get_version`].
#[derive(Debug, Clone, Default)]
pub struct GetVersion {
    _private: (),
}

impl IdentityClient {
    /// Asks the server for its version (`GET /version`, Kratos's metadata
    /// API), and with it what it can do: which credential types it imports
    /// ([`ServerVersion::imports_credential`]) and which operations it serves
    /// ([`ServerVersion::supports`]). A migration asks its target before it
    /// converts anything.
    ///
    /// Sends no parameters; returns [`ServerVersion`].
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`].
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
