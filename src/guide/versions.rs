//! Kratos versions: v26.2.0 and master, and where they differ.
//!
//! Self-hosted users run **Kratos v26.2.0**, the latest release; Ory
//! Network runs **master** ahead of releases. The crate works against both,
//! and its live suite runs every scenario against real servers of both
//! (built from Kratos's source) as well as against the fake as each (see
//! [testing](super::testing)). Where they differ:
//!
//! | | v26.2.0 | master |
//! |---|---|---|
//! | [`manage_sessions`](crate::IdentityClient::manage_sessions), [`create_test_login_flow`](crate::IdentityClient::create_test_login_flow) | not served: an [`Error::Api`](crate::Error::Api) that says so ([`is_unsupported_operation`](crate::Error::is_unsupported_operation)) | served |
//! | credentials a create or a batch can import | `password`, `oidc`, `saml`: another type is a 400 for the whole batch ([`create_identity`](crate::IdentityClient::create_identity), [`batch_patch_identities`](crate::IdentityClient::batch_patch_identities)) | also `totp`, `lookup_secret`, `webauthn`, `passkey` |
//! | [`update_identity`](crate::IdentityClient::update_identity) with those other types | would answer 200 and drop them: refused before sending | sent |
//! | an imported password hash | its prefix is checked | its prefix, and the parameters and cost of some formats (see [password hashes](super::password_hashes)) |
//! | the `deviceauthn` credential type | unknown: a 400 where it is named ([`get_identity`](crate::IdentityClient::get_identity)) | a type |
//!
//! The client asks a server its version by itself, once per client and
//! only where a call depends on it
//! ([`include_all_credentials`](crate::RequestBuilder::include_all_credentials),
//! an [`update_identity`](crate::IdentityClient::update_identity) with
//! credentials, an import that carries a hash or a credential type the
//! version decides). To ask yourself,
//! [`get_version`](crate::IdentityClient::get_version) returns a
//! [`ServerVersion`](crate::ServerVersion), which says what that server
//! imports and serves;
//! [`from_identity_lossy_for`](crate::CreateIdentityBody::from_identity_lossy_for)
//! converts an identity for it (see [migration](super::migration)).
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.path("/version"); then.body(r#"{"version":"v26.2.0"}"#); });
//! # let client = kratos_identity::IdentityClient::new(server.base_url())?;
//! use kratos_identity::Operation;
//!
//! let version = client.get_version().send()?;
//! if !version.imports_credential("totp") {
//!     println!("{version} cannot import TOTP credentials: convert for it");
//! }
//! assert!(!version.supports(Operation::MANAGE_SESSIONS));
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! Where the OpenAPI document is wrong or silent about what Kratos does (an
//! identity's sessions are paged off by one, a batch with one valid
//! identity fails whole with 409, JSON Patch takes only `add`, `remove` and
//! `replace`, extending a disabled session succeeds), the client handles
//! what the server really does and the fake emulates it; the "Kratos
//! versions" section of each operation's page says what its server does.
