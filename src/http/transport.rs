//! The only place in the crate that talks to ureq: an HTTP request in, a
//! status, headers and a whole body out.

use std::io::Read;
use std::time::Duration;

use ureq::http;

use crate::api::endpoint::{Method, RawResponse};
use crate::error::{Error, TransportErrorKind};
use crate::http::response::Headers;

/// How much of a non-2xx body is read.
const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Timeouts and limits applied to every request, also on an agent the user
/// brought along.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Each stage after connecting: sending the request, waiting for the
    /// answer to start, receiving the body.
    pub(crate) timeout: Option<Duration>,
    /// TCP connect plus TLS handshake.
    pub(crate) connect_timeout: Option<Duration>,
    /// Longest wait for any single read from the socket.
    pub(crate) read_timeout: Option<Duration>,
    /// Largest response body read; a larger one is an error.
    pub(crate) max_response_bytes: u64,
}

/// One shared `ureq::Agent` (and so one connection pool) plus the limits.
#[derive(Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    limits: Limits,
}

/// One request to send.
pub(crate) struct HttpRequest<'a> {
    pub(crate) method: Method,
    pub(crate) url: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: Option<&'a [u8]>,
}

impl Transport {
    /// Wraps a user's agent, or makes one with ureq's defaults (rustls TLS,
    /// connection pooling).
    pub(crate) fn new(agent: Option<ureq::Agent>, limits: Limits) -> Self {
        Transport {
            agent: agent.unwrap_or_else(|| {
                ureq::Agent::new_with_config(ureq::Agent::config_builder().build())
            }),
            limits,
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sends the request and reads the whole response body (so the
    /// connection goes back to the pool). Redirects are not followed here:
    /// the caller decides, so the key is never sent to another origin.
    pub(crate) fn send(&self, req: &HttpRequest<'_>) -> Result<RawResponse, Error> {
        let path = path_of(req.url);
        let method = req.method.as_str();
        let fail =
            |e: ureq::Error| transport_error(e, method, &path, self.limits.max_response_bytes);

        let mut builder = http::Request::builder().method(method).uri(req.url);
        for (name, value) in req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = match req.body {
            Some(body) => {
                let request = builder
                    .header("content-type", "application/json")
                    .body(body)
                    .map_err(|e| {
                        Error::InvalidInput(format!("cannot build the HTTP request: {e}"))
                    })?;
                self.agent.run(self.configure(request)).map_err(fail)?
            }
            None => {
                let request = builder.body(()).map_err(|e| {
                    Error::InvalidInput(format!("cannot build the HTTP request: {e}"))
                })?;
                self.agent.run(self.configure(request)).map_err(fail)?
            }
        };

        let status = response.status().as_u16();
        let headers = Headers::from_pairs(response.headers().iter().map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        }));
        let mut response = response;
        let body = if (200..300).contains(&status) {
            response
                .body_mut()
                .with_config()
                .limit(self.limits.max_response_bytes)
                .read_to_vec()
                .map_err(fail)?
        } else {
            // An error page is only evidence: keep its start, so that a huge
            // proxy page is still the API error it reports (and a 502 stays
            // retryable) instead of a body-size error.
            let mut start = Vec::new();
            response
                .body_mut()
                .as_reader()
                .take(ERROR_BODY_BYTES)
                .read_to_end(&mut start)
                .map_err(|e| fail(ureq::Error::Io(e)))?;
            start
        };
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// Applies the per-request settings that make this crate's guarantees
    /// hold on any agent: status codes are answers not errors, no automatic
    /// redirects, and the client's timeouts.
    fn configure<S: ureq::AsSendBody>(&self, request: http::Request<S>) -> http::Request<S> {
        let mut config = self
            .agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false);
        // Per-stage budgets rather than one global deadline: ureq runs the
        // host lookup on a new thread whenever a deadline covers it, which
        // for a paged export costs a thread per page. The stages after
        // connecting each get the whole budget.
        if let Some(t) = self.limits.timeout {
            config = config
                .timeout_send_request(Some(t))
                .timeout_send_body(Some(t))
                .timeout_recv_response(Some(t))
                .timeout_recv_body(Some(t));
        }
        if let Some(t) = self.limits.connect_timeout {
            config = config.timeout_connect(Some(t));
        }
        if let Some(t) = self.limits.read_timeout {
            config = config.timeout_per_read(Some(t));
        }
        config.build()
    }
}

/// The path part of a URL, for error messages (never the query: it may
/// carry identifiers a log should not hold).
fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

fn transport_error(e: ureq::Error, method: &'static str, path: &str, limit: u64) -> Error {
    use std::io::ErrorKind as Io;
    let kind = match &e {
        ureq::Error::BodyExceedsLimit(_) => {
            return Error::BodyTooLarge {
                method,
                path: path.to_string(),
                limit,
            };
        }
        ureq::Error::HostNotFound => TransportErrorKind::Dns,
        ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Io(io) => match io.kind() {
            Io::ConnectionRefused => TransportErrorKind::Connect,
            Io::TimedOut | Io::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::TlsRequired => {
            TransportErrorKind::Tls
        }
        ureq::Error::Protocol(_) | ureq::Error::BodyStalled | ureq::Error::Decompress(..) => {
            TransportErrorKind::Io
        }
        _ => TransportErrorKind::Other,
    };
    Error::Transport {
        kind,
        method,
        path: path.to_string(),
        message: e.to_string(),
        source: Some(Box::new(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn path_of_drops_host_and_query() {
        assert_eq!(
            path_of("http://h:1/admin/identities?ids=a"),
            "/admin/identities"
        );
        assert_eq!(path_of("https://h"), "/");
        assert_eq!(path_of("https://h/kratos/schemas#x"), "/kratos/schemas");
    }
}
