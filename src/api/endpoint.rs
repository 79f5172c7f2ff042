//! Describing a call, separate from doing it: every operation turns into a
//! [`Call`] without any I/O, and decodes its [`RawResponse`] without any I/O.
//! Only [`crate::http::send`] sends.
//!
//! `Call`, `RawResponse` and the [`Sealed`] trait are `pub` only so that the
//! public [`Endpoint`] trait may name them; they live in this private module
//! and are not reachable from outside the crate.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::operation::{Method, Operation};
use crate::error::{DecodeError, Error, InvalidInputKind};
use crate::http::percent::encode_component;
use crate::models::Deleted;

/// The path parameters whose values are words of the API (a credential
/// type), which errors and logs may show. Every other path value is an id
/// the user passed, shown only when it is a UUID.
const PUBLIC_PATH_PARAMS: [&str; 1] = ["type"];

/// One HTTP call, described: which operation, the path below the base URL,
/// query pairs and an optional JSON body.
#[derive(Debug, Clone)]
pub struct Call {
    pub(crate) operation: Operation,
    /// Already percent-encoded, starting with `/`.
    pub(crate) path: String,
    /// The path as logs show it: the template with each value that is a
    /// UUID or a word of the API filled in, and every other value (an
    /// external id, an id that is not a UUID: often an email) left as its
    /// `{name}`.
    log_path: String,
    /// The path's values that no error or log line may repeat: the ids that
    /// are not UUIDs (see [`private_values`](Self::private_values)).
    private_path_values: Vec<String>,
    /// Decoded pairs, in order; encoded when the URL is built.
    pub(crate) query: Vec<(String, String)>,
    /// The query parameters whose values are words of the API that the
    /// crate sends (an enum's name, a number, a flag), which errors may
    /// repeat: Kratos's messages name them. Set where each call is built
    /// ([`public`](Self::public)); every other parameter's values are the
    /// user's own and are scrubbed.
    public_params: Vec<&'static str>,
    pub(crate) body: Option<Vec<u8>>,
    /// Safe to send again after it may have reached the server.
    pub(crate) idempotent: bool,
    /// A 404 answer counts as success (see `missing_ok`).
    pub(crate) missing_ok: bool,
    /// Replaces the client's timeout for this call.
    pub(crate) timeout: Option<Duration>,
    /// Replaces the client's deadline for this call.
    pub(crate) deadline: Option<Duration>,
}

impl Call {
    /// A call of `operation`, its path template filled in with `params` in
    /// order, each percent-encoded so that no value can reach another
    /// endpoint. An empty value is an error (it would name the collection
    /// instead of one resource), and so are `.` and `..`, which servers and
    /// proxies resolve as "this" and "the parent" path.
    pub(crate) fn new(operation: Operation, params: &[&str]) -> Result<Self, Error> {
        let template = operation.path();
        let mut path = String::with_capacity(template.len() + 40);
        let mut log_path = String::with_capacity(template.len() + 40);
        let mut private_path_values = Vec::new();
        let mut params = params.iter();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let name = &rest[open + 1..close];
            let value = params.next().copied().unwrap_or_default();
            if value.is_empty() {
                return Err(Error::invalid(
                    InvalidInputKind::Empty,
                    format!("{name} must not be empty"),
                ));
            }
            if value == "." || value == ".." {
                return Err(Error::invalid(
                    InvalidInputKind::Invalid,
                    format!("{name} must not be {value:?}"),
                ));
            }
            let encoded = encode_component(value);
            path.push_str(&rest[..open]);
            path.push_str(&encoded);
            log_path.push_str(&rest[..open]);
            if PUBLIC_PATH_PARAMS.contains(&name) || uuid::Uuid::parse_str(value).is_ok() {
                log_path.push_str(&encoded);
            } else {
                log_path.push('{');
                log_path.push_str(name);
                log_path.push('}');
                private_path_values.push(value.to_string());
            }
            rest = rest.get(close + 1..).unwrap_or_default();
        }
        path.push_str(rest);
        log_path.push_str(rest);
        let method = operation.http_method();
        Ok(Call {
            operation,
            path,
            log_path,
            private_path_values,
            query: Vec::new(),
            public_params: Vec::new(),
            body: None,
            // GET, PUT and DELETE are idempotent by HTTP's definition; POST
            // and PATCH are not unless an endpoint says so.
            idempotent: matches!(method, Method::Get | Method::Put | Method::Delete),
            missing_ok: false,
            timeout: None,
            deadline: None,
        })
    }

    /// Makes a 404 answer a success (`missing_ok`). With it on, the id in
    /// the path must be a UUID: Kratos answers 404 for any id that is not
    /// one, which would read as "already gone" while nothing was touched.
    pub(crate) fn missing_ok(
        mut self,
        missing_ok: bool,
        name: &str,
        id: &str,
    ) -> Result<Self, Error> {
        if missing_ok && uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::invalid(
                InvalidInputKind::NotAUuid,
                format!(
                    "{name} is not a UUID, and with missing_ok(true) Kratos's 404 for it would read as \"already gone\""
                ),
            ));
        }
        self.missing_ok = missing_ok;
        Ok(self)
    }

    /// The path as logs show it: its UUIDs and credential types, but the
    /// `{name}` of any other value (an external id, an id that is not a
    /// UUID), which may be an email.
    pub(crate) fn log_path(&self) -> &str {
        &self.log_path
    }

    /// The values of this call that are the user's own and may be personal
    /// or secret (an email, an OIDC subject, a page token, a URL), which no
    /// error, `Debug` or log line may repeat: the path's ids that are not
    /// UUIDs, and the values of every query parameter not declared
    /// [`public`](Self::public), but UUIDs, which name no one (and which
    /// Kratos's messages name usefully).
    pub(crate) fn private_values(&self) -> impl Iterator<Item = &str> {
        let query = self
            .query
            .iter()
            .filter(|(key, _)| !self.public_params.contains(&key.as_str()))
            .map(|(_, value)| value.as_str())
            .filter(|value| uuid::Uuid::parse_str(value).is_err());
        self.private_path_values
            .iter()
            .map(String::as_str)
            .chain(query)
    }

    /// Declares the values of these query parameters words of the API that
    /// the crate sends (an enum's name, a number, a flag: `include_credential`,
    /// `expand`, `page_size`), which errors may repeat. A parameter not
    /// declared here is the user's own, and scrubbed from every error: a
    /// new parameter is private until its call says otherwise.
    pub(crate) fn public(mut self, params: &[&'static str]) -> Self {
        for param in params {
            if !self.public_params.contains(param) {
                self.public_params.push(param);
            }
        }
        self
    }

    pub(crate) fn method(&self) -> Method {
        self.operation.http_method()
    }

    /// This call with its path values shown in errors and logs: for an
    /// operation whose path names configuration, not a person (an
    /// identity schema's id, such as `default`: scrubbing it would erase
    /// that word from every message).
    pub(crate) fn public_path(mut self) -> Self {
        self.private_path_values.clear();
        self.log_path.clone_from(&self.path);
        self
    }

    /// Adds `key=value` when the value is set. The value is private, scrubbed
    /// from errors, unless the call declares `key` [`public`](Self::public).
    pub(crate) fn query_opt<V: ToString>(mut self, key: &str, value: Option<V>) -> Self {
        if let Some(v) = value {
            self.query.push((key.to_string(), v.to_string()));
        }
        self
    }

    /// Adds one `key=value` pair per item; private unless `key` is declared
    /// [`public`](Self::public).
    pub(crate) fn query_each(mut self, key: &str, values: &[String]) -> Self {
        for v in values {
            self.query.push((key.to_string(), v.clone()));
        }
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid(
                InvalidInputKind::NotSerializable,
                format!("the request body does not serialize: {e}"),
            )
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Marks a non-idempotent method as safe to repeat.
    pub(crate) fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Replaces the timeout with the caller's own, if any; zero is refused,
    /// as the client builder refuses it.
    pub(crate) fn with_timeout(mut self, timeout: Option<Duration>) -> Result<Self, Error> {
        match timeout {
            Some(t) if t.is_zero() => Err(Error::invalid(
                InvalidInputKind::OutOfRange,
                "timeout must be greater than zero",
            )),
            Some(t) => {
                self.timeout = Some(t);
                Ok(self)
            }
            None => Ok(self),
        }
    }

    /// Replaces the deadline with the caller's own, if any; zero is refused.
    pub(crate) fn with_deadline(mut self, deadline: Option<Duration>) -> Result<Self, Error> {
        match deadline {
            Some(d) if d.is_zero() => Err(Error::invalid(
                InvalidInputKind::OutOfRange,
                "deadline must be greater than zero",
            )),
            Some(d) => {
                self.deadline = Some(d);
                Ok(self)
            }
            None => Ok(self),
        }
    }

    /// Sets the default timeout of this operation (the caller's own
    /// per-request timeout, if any, replaces it later).
    pub(crate) fn default_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

pub use crate::http::response::RawResponse;

pub(crate) mod sealed {
    use super::{Call, RawResponse};
    use crate::api::operation::Operation;
    use crate::client::IdentityClient;
    use crate::error::Error;

    /// What every operation does, hidden from users: describe the call,
    /// decode the answer. Sealed: only this crate implements it.
    pub trait Sealed {
        /// The operation this type describes.
        const OPERATION: Operation;

        /// Describes the call. Validation of the caller's input happens here.
        fn to_call(&self) -> Result<Call, Error>;

        /// Completes the call with what only the server can say (its
        /// version, asked once per client), for the few operations whose
        /// request depends on it. Most return it unchanged, without I/O.
        fn prepare(&self, call: Call, _client: &IdentityClient) -> Result<Call, Error> {
            Ok(call)
        }

        /// Decodes a success response (a 2xx status, or a 404 that
        /// `missing_ok` turned into one).
        fn decode(
            &self,
            response: &RawResponse,
        ) -> Result<<Self as super::Endpoint>::Output, Error>
        where
            Self: super::Endpoint;

        /// For a list: the first item of a decoded page that did not
        /// decode, which makes `send()` fail (`send_lenient()` and the
        /// iterators pass such items on one by one instead).
        fn first_bad_item(
            _output: &<Self as super::Endpoint>::Output,
        ) -> Option<crate::error::DecodeError>
        where
            Self: super::Endpoint,
        {
            None
        }
    }
}
pub(crate) use sealed::Sealed;

/// One operation of the admin API. Implemented by every operation type of
/// this crate ([`ListIdentities`](crate::ListIdentities),
/// [`GetSession`](crate::GetSession), …); sealed, so it can grow without
/// breaking anyone.
///
/// [`Output`](Endpoint::Output) is what [`RequestBuilder::send`](crate::RequestBuilder::send)
/// returns for the operation.
pub trait Endpoint: Sealed {
    /// What a successful call returns.
    type Output;

    /// Which operation this is: its name, HTTP method, path template and
    /// rate-limit bucket.
    fn operation(&self) -> Operation {
        Self::OPERATION
    }
}

/// Decodes a JSON body into `T`; when it does not fit, the error says where
/// and why without quoting the body's values, and scrubbed as the
/// response's call says ([`DecodeError::of_body`]).
pub(crate) fn decode_json<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
    parse_json(&response.body).map_err(|e| Error::decode(DecodeError::of_body::<T>(response, &e)))
}

/// Parses JSON bytes into `T`. A body that is valid UTF-8 as a whole (every
/// body a server sends, in practice) is parsed as text, so serde_json does
/// not check the UTF-8 of every string again; that check alone costs as much
/// as parsing the page's structure. Any other body is parsed as bytes, which
/// reports the broken string where it is.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// What a delete found, from the answer the send path let through: a 2xx,
/// or Kratos's 404 (with `missing_ok`, or after an attempt whose outcome was
/// unknown). Its body, if any, is not read.
pub(crate) fn decode_deleted(response: &RawResponse) -> Deleted {
    match response.status {
        200..=299 => Deleted::Deleted,
        _ if response.after_unknown_outcome => Deleted::GoneOnRetry,
        _ => Deleted::NotFound,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::operation::{DELETE_IDENTITY_CREDENTIALS, GET_IDENTITY, LIST_IDENTITIES};

    #[test]
    fn parses_text_and_broken_bytes_as_serde_json_does() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Row {
            name: String,
        }
        let good = "[{\"name\":\"Ren\\u00e9e\"},{\"name\":\"Zoë\"}]".as_bytes();
        assert_eq!(
            parse_json::<Vec<Row>>(good).unwrap(),
            serde_json::from_slice::<Vec<Row>>(good).unwrap()
        );
        // Not UTF-8: the same error, at the same place, as from bytes.
        let broken = b"[{\"name\":\"ok\"},{\"name\":\"\xff\"}]";
        let ours = parse_json::<Vec<Row>>(broken).unwrap_err();
        let theirs = serde_json::from_slice::<Vec<Row>>(broken).unwrap_err();
        assert_eq!(ours.to_string(), theirs.to_string());
        assert_eq!((ours.line(), ours.column()), (1, 25));
    }

    #[test]
    fn fills_the_path_template_with_encoded_values() {
        let call = Call::new(DELETE_IDENTITY_CREDENTIALS, &["a/b", "oidc"]).unwrap();
        assert_eq!(call.path, "/admin/identities/a%2Fb/credentials/oidc");
        assert!(call.idempotent);
        let call = Call::new(LIST_IDENTITIES, &[]).unwrap();
        assert_eq!(call.path, "/admin/identities");
        for bad in ["", ".", ".."] {
            let err = Call::new(GET_IDENTITY, &[bad]).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { message, .. } if message.starts_with("id must not be")),
                "{err}"
            );
        }
        assert!(Call::new(GET_IDENTITY, &[]).is_err());
    }

    /// Logs show a path's UUIDs and credential types; any other value (an
    /// email as an external id or an id) is the template's `{name}`, and is
    /// among the values no error may repeat.
    #[test]
    fn logs_show_uuids_and_credential_types_only() {
        use crate::api::operation::GET_IDENTITY_BY_EXTERNAL_ID;
        let uuid = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
        let private = |call: &Call| {
            call.private_values()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let call = Call::new(DELETE_IDENTITY_CREDENTIALS, &[uuid, "oidc"]).unwrap();
        assert_eq!(
            call.log_path(),
            format!("/admin/identities/{uuid}/credentials/oidc")
        );
        assert!(private(&call).is_empty());
        let call = Call::new(DELETE_IDENTITY_CREDENTIALS, &["ada@example.com", "oidc"]).unwrap();
        assert_eq!(call.log_path(), "/admin/identities/{id}/credentials/oidc");
        assert_eq!(private(&call), ["ada@example.com"]);
        let call = Call::new(GET_IDENTITY_BY_EXTERNAL_ID, &["ada@example.com"]).unwrap();
        assert_eq!(
            call.log_path(),
            "/admin/identities/by/external/{externalID}"
        );
        let call = Call::new(GET_IDENTITY_BY_EXTERNAL_ID, &[uuid]).unwrap();
        assert_eq!(
            call.log_path(),
            format!("/admin/identities/by/external/{uuid}")
        );
        let call = Call::new(LIST_IDENTITIES, &[])
            .unwrap()
            .query_opt("credentials_identifier", Some("ada@example.com"));
        assert_eq!(call.log_path(), "/admin/identities");
        assert_eq!(private(&call), ["ada@example.com"]);
    }

    /// A query value is private unless its call declares the parameter a
    /// word of the API; a UUID is never private.
    #[test]
    fn query_values_are_private_unless_declared_public() {
        let uuid = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
        let call = Call::new(LIST_IDENTITIES, &[])
            .unwrap()
            .query_opt("include_credential", Some("password"))
            .query_opt("a_new_parameter", Some("ada@example.com"))
            .query_opt("ids", Some(uuid))
            .query_opt("page_token", Some("tok"))
            .query_opt("page_size", Some(250))
            .public(&["include_credential", "page_size"])
            .public(&["page_size"]);
        let private: Vec<&str> = call.private_values().collect();
        assert_eq!(private, ["ada@example.com", "tok"]);
    }
}
