//! The operations: the [`Endpoint`](endpoint::Endpoint) trait, the one
//! [`RequestBuilder`](builder::RequestBuilder), the table of operations, and
//! one small type per operation, grouped by resource. Each turns into a
//! [`Call`](endpoint::Call) and decodes its response; none does I/O.
//!
//! This file holds what several resources share: the identity operations'
//! `traits::<U>()`, `include_credential` and `missing_ok`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::api::args::ListArg;
use crate::api::builder::RequestBuilder;

pub(crate) mod args;
pub(crate) mod builder;
pub(crate) mod endpoint;
pub(crate) mod operation;

// The resources, in the order rustdoc then shows their client methods and
// setters (it follows the order of the modules; the blank lines keep
// rustfmt from sorting them): identities,
pub(crate) mod identities;
pub(crate) mod identity_writes;

// sessions,
pub(crate) mod sessions;

// recovery and schemas,
pub(crate) mod recovery;
pub(crate) mod schemas;

// the test login flow and the server's version.
pub(crate) mod flows;
pub(crate) mod metadata;

/// The operation type of every call that returns identities; you never
/// name it.
///
/// Its traits decode into `T` (`serde_json::Value` unless
/// [`traits`](RequestBuilder::traits) says otherwise), and `P` holds the
/// call's own parameters. The six operation types
/// [`ListIdentities`](crate::ListIdentities),
/// [`GetIdentity`](crate::GetIdentity),
/// [`GetIdentityByExternalId`](crate::GetIdentityByExternalId),
/// [`CreateIdentity`](crate::CreateIdentity),
/// [`UpdateIdentity`](crate::UpdateIdentity) and
/// [`PatchIdentity`](crate::PatchIdentity) are aliases of it, so that
/// `traits::<U>()` is one setter for all six.
pub struct IdentityOp<P, T = serde_json::Value> {
    pub(crate) params: P,
    traits: PhantomData<fn() -> T>,
}

impl<P, T> IdentityOp<P, T> {
    pub(crate) fn new(params: P) -> Self {
        IdentityOp {
            params,
            traits: PhantomData,
        }
    }
}

impl<P: Clone, T> Clone for IdentityOp<P, T> {
    fn clone(&self) -> Self {
        IdentityOp::new(self.params.clone())
    }
}

impl<P: fmt::Debug, T> fmt::Debug for IdentityOp<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityOp")
            .field("params", &self.params)
            .field("traits", &crate::error::short_type_name::<T>())
            .finish()
    }
}

/// The six calls that return identities (`list_identities`,
/// `get_identity`, `get_identity_by_external_id`, `create_identity`,
/// `update_identity`, `patch_identity`): the type their traits decode into.
impl<P, T> RequestBuilder<IdentityOp<P, T>> {
    /// Decodes the identities' traits straight into `U` instead of
    /// `serde_json::Value`, in the same pass as the rest of the response.
    ///
    /// Use your own `Deserialize` struct for typed access, or
    /// `Box<serde_json::value::RawValue>` to keep the traits as raw JSON (the
    /// fastest way to export). An identity whose traits do not fit `U` is an
    /// [`Error::Decode`](crate::Error::Decode) that names the field; in a
    /// list, only that identity fails and the others still come through.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.any_request(); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com","name":{"first":"Ada"}}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// #[derive(serde::Deserialize)]
    /// struct Traits {
    ///     email: String,
    /// }
    ///
    /// let page = client.list_identities().traits::<Traits>().send()?;
    /// assert_eq!(page.as_slice()[0].traits.email, "ada@example.com");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn traits<U: DeserializeOwned>(self) -> RequestBuilder<IdentityOp<P, U>> {
        self.map_endpoint(|e| IdentityOp::new(e.params))
    }
}

pub(crate) mod sealed {
    /// An operation with the `include_credential` query parameter.
    pub trait IncludeCredentials {
        fn include_credential_mut(&mut self) -> &mut Vec<String>;
        fn include_all_mut(&mut self) -> &mut bool;
    }

    /// A delete operation for which a 404 can mean "already gone".
    pub trait MissingOk {
        fn missing_ok_mut(&mut self) -> &mut bool;
    }
}

/// An operation with the `include_credential` query parameter:
/// `list_identities`, `get_identity`, `get_identity_by_external_id`. Sealed.
pub trait IncludeCredentials: sealed::IncludeCredentials {}
impl<E: sealed::IncludeCredentials> IncludeCredentials for E {}

/// The reads of identities (`list_identities`, `get_identity`,
/// `get_identity_by_external_id`): which credentials come with them.
impl<E: IncludeCredentials> RequestBuilder<E> {
    /// Includes the `config` of these credential types (`"password"`,
    /// `"oidc"`, …, or [`CredentialType`](crate::CredentialType)s), one
    /// `include_credential` query pair each. Any [`ListArg`] works: an
    /// array, a `Vec`, an iterator. An empty list (`[]`) asks for none.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.any_request(); then.body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CredentialType;
    ///
    /// client.list_identities().include_credential(["password", "oidc"]).send()?;
    /// client.list_identities().include_credential([CredentialType::Totp]).send()?;
    /// client.list_identities().include_credential([]).send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn include_credential(self, types: impl ListArg) -> Self {
        self.with(|e| *e.include_credential_mut() = types.into_texts())
    }

    /// Includes the `config` of every credential type the server knows:
    /// for a backup or a migration that must not lack the config of a type
    /// nobody thought to name. Kratos has no "all" value, so the client
    /// asks the server its version once
    /// ([`get_version`](crate::IdentityClient::get_version)) and sends one
    /// `include_credential` per type of
    /// [`ServerVersion::credential_types`](crate::ServerVersion::credential_types)
    /// (with those of [`include_credential`](Self::include_credential)).
    /// A server that does not say its version gets the types v26.2.0 knows.
    /// A type newer than this crate cannot be named, and so is still left
    /// out: see the types an identity has in its `credentials` keys.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/version"); then.body(r#"{"version":"v26.2.0"}"#); });
    /// # let list = server.mock(|when, then| { when.path("/admin/identities").query_param("include_credential", "passkey"); then.body("[]"); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// for identity in client.list_identities().include_all_credentials().items() {
    ///     let identity = identity?;
    ///     // … every credential with its config
    /// #   let _ = identity;
    /// }
    /// # list.assert();
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn include_all_credentials(self) -> Self {
        self.with(|e| *e.include_all_mut() = true)
    }
}

/// The `include_credential` values of a call: the ones named, and with
/// `include_all_credentials` every type the server knows (asked once per
/// client), without repeats.
pub(crate) fn include_all(
    call: crate::api::endpoint::Call,
    named: &[String],
    client: &crate::client::IdentityClient,
) -> crate::api::endpoint::Call {
    let version = client
        .known_version()
        .unwrap_or_else(|| crate::models::ServerVersion::new("v26.2.0"));
    let mut call = call;
    call.query.retain(|(k, _)| k != "include_credential");
    let mut types: Vec<String> = named.to_vec();
    for kind in version.credential_types() {
        if !types.iter().any(|t| t == kind.as_str()) {
            types.push(kind.as_str().to_string());
        }
    }
    call.query_each("include_credential", &types)
}

/// A delete operation that can treat "not found" as done:
/// `delete_identity`, `delete_identity_credentials`,
/// `delete_identity_sessions`, `disable_session`. Sealed.
pub trait MissingOk: sealed::MissingOk {}
impl<E: sealed::MissingOk> MissingOk for E {}

/// The deletes (`delete_identity`, `delete_identity_credentials`,
/// `delete_identity_sessions`, `disable_session`): "already gone" is fine.
impl<E: MissingOk> RequestBuilder<E> {
    /// With `true`, Kratos's 404 answer counts as success: "make sure it is
    /// gone" in one line. Only Kratos's own 404 counts: one without its
    /// error body (a proxy's, a wrong base URL's) is still an error. With
    /// it, an id that is not a UUID is refused by `send()`: Kratos answers
    /// 404 for some of those too, which would read as "already gone" while
    /// nothing was touched. Default: `false`.
    ///
    /// `send()` then returns [`Deleted::NotFound`](crate::Deleted::NotFound)
    /// for Kratos's 404, and [`Deleted::Deleted`](crate::Deleted::Deleted)
    /// for a 2xx: only that one proves it existed. (With it or without it, a
    /// retried DELETE that finds the resource gone after an attempt whose
    /// outcome was unknown also counts as done:
    /// [`Deleted::GoneOnRetry`](crate::Deleted::GoneOnRetry).)
    /// See the [reliability chapter](crate::guide::reliability#what-is-retried).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(404).body(r#"{"error":{"code":404,"message":"Unable to locate the resource"}}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// // Deleted now, or already gone: either way it is gone.
    /// client.delete_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13").missing_ok(true).send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn missing_ok(self, missing_ok: bool) -> Self {
        self.with(|e| *e.missing_ok_mut() = missing_ok)
    }
}
