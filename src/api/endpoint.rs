//! Describing a call, separate from doing it: every operation turns into a
//! [`Call`] without any I/O, and decodes its [`RawResponse`] without any I/O.
//! Only [`crate::http::send`] sends.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::http::response::Headers;
use crate::http::url::encode_component;
use crate::{Error, error::snippet};

/// The HTTP methods the admin API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP call, described: method, path below the base URL, query pairs
/// and an optional JSON body.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct Call {
    pub(crate) method: Method,
    /// Already percent-encoded, starting with `/`.
    pub(crate) path: String,
    /// Decoded pairs, in order; encoded when the URL is built.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    /// Safe to send again after it may have reached the server.
    pub(crate) idempotent: bool,
}

impl Call {
    /// A call to a fixed path such as `/admin/identities`.
    pub(crate) fn new(method: Method, path: &str) -> Self {
        Call {
            method,
            path: path.to_string(),
            query: Vec::new(),
            body: None,
            // GET, PUT and DELETE are idempotent by HTTP's definition; POST
            // and PATCH are not unless an endpoint says so.
            idempotent: matches!(method, Method::Get | Method::Put | Method::Delete),
        }
    }

    /// Appends one path segment, percent-encoded so that no value can reach
    /// another endpoint. An empty value is an error (it would name the
    /// collection instead of one resource), and so are `.` and `..`, which
    /// servers and proxies resolve as "this" and "the parent" path.
    pub(crate) fn segment(mut self, name: &str, value: &str) -> Result<Self, Error> {
        if value.is_empty() {
            return Err(Error::InvalidInput(format!("{name} must not be empty")));
        }
        if value == "." || value == ".." {
            return Err(Error::InvalidInput(format!("{name} must not be {value:?}")));
        }
        self.path.push('/');
        self.path.push_str(&encode_component(value));
        Ok(self)
    }

    /// Appends a fixed path suffix such as `/sessions`.
    pub(crate) fn suffix(mut self, suffix: &str) -> Self {
        self.path.push_str(suffix);
        self
    }

    /// Adds `key=value` when the value is set.
    pub(crate) fn query_opt<V: ToString>(mut self, key: &str, value: Option<V>) -> Self {
        if let Some(v) = value {
            self.query.push((key.to_string(), v.to_string()));
        }
        self
    }

    /// Adds one `key=value` pair per item.
    pub(crate) fn query_each(mut self, key: &str, values: &[String]) -> Self {
        for v in values {
            self.query.push((key.to_string(), v.clone()));
        }
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidInput(format!("the request body does not serialize: {e}"))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Marks a non-idempotent method as safe to repeat.
    pub(crate) fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

/// A complete HTTP response: status, headers and the whole body.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
}

mod private {
    pub trait Sealed {}
}
pub(crate) use private::Sealed;

/// One operation of the admin API: how it becomes an HTTP call and how its
/// response decodes. Implemented by every operation type of this crate
/// ([`ListIdentities`](crate::ListIdentities), [`GetSession`](crate::GetSession), …);
/// sealed, so it can grow without breaking anyone.
///
/// [`Output`](Endpoint::Output) is what [`RequestBuilder::send`](crate::RequestBuilder::send)
/// returns for the operation.
pub trait Endpoint: Sealed {
    /// What a successful call returns.
    type Output;

    /// Describes the call. Validation of the caller's input happens here.
    #[doc(hidden)]
    fn to_call(&self) -> Result<Call, Error>;

    /// Decodes a success response (a 2xx status).
    #[doc(hidden)]
    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error>;
}

/// Decodes a JSON body into `T`, keeping the evidence when it does not fit.
pub(crate) fn decode_json<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
    serde_json::from_slice(&response.body).map_err(|source| Error::Decode {
        status: response.status,
        target: std::any::type_name::<T>(),
        snippet: snippet(&response.body, 300),
        source,
    })
}

/// Decodes a response that may carry a JSON body (200) or none (204).
pub(crate) fn decode_optional_json<T: DeserializeOwned>(
    response: &RawResponse,
) -> Result<Option<T>, Error> {
    if response.status == 204 || response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    decode_json(response).map(Some)
}
