//! One small type per operation, grouped by resource. Each turns into a
//! [`Call`](crate::api::endpoint::Call) and decodes its response; none does I/O.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::Error;
use crate::api::endpoint::Call;
use crate::api::builder::RequestBuilder;

pub(crate) mod builder;
pub(crate) mod endpoint;
pub(crate) mod flows;
pub(crate) mod identities;
pub(crate) mod identity_writes;
pub(crate) mod recovery;
pub(crate) mod schemas;
pub(crate) mod sessions;

/// An operation that returns identities whose traits decode into `T`
/// (`serde_json::Value` unless [`traits`](RequestBuilder::traits) says otherwise).
/// `P` holds the operation's own parameters.
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
            .field("traits", &std::any::type_name::<T>())
            .finish()
    }
}

impl<P, T> RequestBuilder<IdentityOp<P, T>> {
    /// Decodes the identities' traits straight into `U` instead of
    /// `serde_json::Value`, in the same pass as the rest of the response.
    ///
    /// Use your own `Deserialize` struct for typed access, or
    /// `Box<serde_json::value::RawValue>` to keep the traits as raw JSON (the
    /// fastest way to export). An identity whose traits do not fit `U` fails
    /// the call with [`Error::Decode`].
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
    /// assert_eq!(page.items()[0].traits.email, "ada@example.com");
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn traits<U: DeserializeOwned>(self) -> RequestBuilder<IdentityOp<P, U>> {
        RequestBuilder::new(self.client, IdentityOp::new(self.endpoint.params))
    }
}

/// An operation with the `include_credential` query parameter. Sealed.
pub trait IncludeCredentials: crate::api::endpoint::Sealed {
    #[doc(hidden)]
    fn include_credential_mut(&mut self) -> &mut Vec<String>;
}

impl<E: IncludeCredentials> RequestBuilder<E> {
    /// Includes the `config` of these credential types (`"password"`,
    /// `"oidc"`, …, or [`CredentialType`](crate::CredentialType)s), one
    /// `include_credential` query pair each.
    pub fn include_credential<I>(self, types: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.with(|e| *e.include_credential_mut() = strings(types))
    }
}

/// Collects string-like items for a repeated query parameter.
pub(crate) fn strings<I>(values: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    values.into_iter().map(|v| v.as_ref().to_string()).collect()
}

/// The paging parameters of the list operations: `page_size` and
/// `page_token`, and the legacy `page` and `per_page`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[doc(hidden)]
pub struct Paging {
    pub(crate) page_size: Option<u32>,
    pub(crate) page_token: Option<String>,
    pub(crate) page: Option<u32>,
    pub(crate) per_page: Option<u32>,
}

impl Paging {
    /// Adds the set parameters to `call`; a page size of 0 is an error.
    pub(crate) fn apply(&self, call: Call) -> Result<Call, Error> {
        for (name, value) in [("page_size", self.page_size), ("per_page", self.per_page)] {
            if value == Some(0) {
                return Err(Error::InvalidInput(format!("{name} must be at least 1")));
            }
        }
        if self.page_token.as_deref() == Some("") {
            return Err(Error::InvalidInput("page_token must not be empty".into()));
        }
        Ok(call
            .query_opt("page_size", self.page_size)
            .query_opt("page_token", self.page_token.as_ref())
            .query_opt("page", self.page)
            .query_opt("per_page", self.per_page))
    }
}
