//! What the server answered: the raw answer ([`RawResponse`]), its
//! headers, and a decoded body together with its status and headers.

use crate::api::operation::Operation;
use crate::error::text::Scrub;

/// A complete HTTP response: status, headers and the whole body, and the
/// operation it answers.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub(crate) operation: Operation,
    /// The query pairs of the request this answers (set by the send path).
    pub(crate) query: Vec<(String, String)>,
    /// What an error about this answer may not repeat of its request (the
    /// key, the user's own values): every excerpt, path and id an error
    /// quotes from the body goes through it, whatever the status.
    pub(crate) scrub: Scrub,
    /// An earlier attempt of the same call failed in a way that may have
    /// done its work (a proxy's 502, 503 or 504, a broken connection, a
    /// timeout): set by the send path.
    pub(crate) after_unknown_outcome: bool,
    pub(crate) status: u16,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// An answer to `operation` with this status and body, no headers, and
    /// nothing to scrub, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(operation: Operation, status: u16, body: &[u8]) -> Self {
        RawResponse {
            operation,
            query: Vec::new(),
            scrub: Scrub::default(),
            after_unknown_outcome: false,
            status,
            headers: Headers::default(),
            body: body.to_vec(),
        }
    }
}

/// Response headers, names lower-cased, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Builds the header list; names are lower-cased.
    pub(crate) fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Headers(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the header `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All headers as `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What [`RequestBuilder::send_with_info`](crate::RequestBuilder::send_with_info)
/// returns: the decoded body with the HTTP status and headers it came with.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: u16,
    headers: Headers,
    body: T,
}

impl<T> Response<T> {
    pub(crate) fn new(status: u16, headers: Headers, body: T) -> Self {
        Response {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, by value.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Status, headers and body, by value.
    pub fn into_parts(self) -> (u16, Headers, T) {
        (self.status, self.headers, self.body)
    }
}
