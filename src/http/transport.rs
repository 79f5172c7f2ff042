//! The only place in the crate that talks to ureq: an HTTP request in, a
//! status, headers and a whole body out.

use std::io::Read;
use std::time::Duration;

use ureq::http;

use crate::api::operation::{Method, Operation};
use crate::error::text::Scrub;
use crate::error::{Error, TransportErrorKind};
use crate::http::response::Headers;
use crate::http::response::RawResponse;

/// How much of a non-2xx body is read.
const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// The longest duration handed to the HTTP stack or slept: about 100 years.
/// `Duration::MAX` means "no limit" to people, but adding it to an
/// `Instant` overflows; every duration a user passes is clamped to this.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `true` when the crate was built with a TLS feature (`rustls` or
/// `native-tls`), so that `https://` URLs can be reached.
pub(crate) const TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// The agent the client makes when the user brings none.
fn default_agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder();
    // With native-tls chosen, use it and the platform's trust store, also
    // when rustls is compiled in too.
    #[cfg(feature = "native-tls")]
    let config = config.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build(),
    );
    ureq::Agent::new_with_config(config.build())
}

/// Clamps a user's duration to [`MAX_DURATION`].
pub(crate) fn clamp(d: Duration) -> Duration {
    d.min(MAX_DURATION)
}

/// Timeouts and limits applied to every request, also on an agent the user
/// brought along.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Each stage after connecting: sending the request, waiting for the
    /// answer to start, receiving the body.
    pub(crate) timeout: Duration,
    /// TCP connect plus TLS handshake.
    pub(crate) connect_timeout: Duration,
    /// Longest wait for any single read from the socket; off unless set.
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
    pub(crate) operation: Operation,
    pub(crate) url: &'a str,
    /// `scheme://host[:port]` of `url`, for error messages.
    pub(crate) origin: &'a str,
    /// The path as errors show it: the base URL's prefix and the
    /// operation's template, no value.
    pub(crate) shown_path: &'a str,
    /// What an error may not repeat of this request.
    pub(crate) scrub: &'a Scrub,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: Option<&'a [u8]>,
    /// Replaces the client's timeout for this request.
    pub(crate) timeout: Option<Duration>,
    /// What is left of the call's deadline: no stage of this request waits
    /// longer, and when it is shorter than the stages would take, it bounds
    /// the whole request.
    pub(crate) deadline_left: Option<Duration>,
}

impl Transport {
    /// Wraps a user's agent, or makes one: connection pooling, and the TLS
    /// of the crate's features (rustls with the webpki roots by default;
    /// with `native-tls`, the platform's library and its trust store).
    pub(crate) fn new(agent: Option<ureq::Agent>, limits: Limits) -> Self {
        Transport {
            agent: agent.unwrap_or_else(default_agent),
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
        let fail = |e: ureq::Error| self.error(e, req);
        let method = req.operation.http_method();
        let mut builder = http::Request::builder()
            .method(method.as_str())
            .uri(req.url);
        for (name, value) in req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = match req.body {
            Some(body) => {
                let request = builder
                    .header("content-type", "application/json")
                    .body(body)
                    .map_err(|e| fail(ureq::Error::Http(e)))?;
                self.agent
                    .run(self.configure(request, req.timeout, req.deadline_left))
                    .map_err(fail)?
            }
            // GET and DELETE carry no body at all.
            None if matches!(method, Method::Get | Method::Delete) => {
                let request = builder.body(()).map_err(|e| fail(ureq::Error::Http(e)))?;
                self.agent
                    .run(self.configure(request, req.timeout, req.deadline_left))
                    .map_err(fail)?
            }
            // A PATCH or POST without one (`extend_session`) says so with
            // `Content-Length: 0` rather than an empty chunked body.
            None => {
                let request = builder
                    .body(&[][..])
                    .map_err(|e| fail(ureq::Error::Http(e)))?;
                self.agent
                    .run(self.configure(request, req.timeout, req.deadline_left))
                    .map_err(fail)?
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
            operation: req.operation,
            query: Vec::new(),
            scrub: req.scrub.clone(),
            after_unknown_outcome: false,
            status,
            headers,
            body,
        })
    }

    /// Applies the per-request settings that make this crate's guarantees
    /// hold on any agent: status codes are answers not errors, no automatic
    /// redirects, and the client's timeouts (or this request's own).
    fn configure<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        timeout: Option<Duration>,
        deadline_left: Option<Duration>,
    ) -> http::Request<S> {
        let limits = &self.limits;
        // A request with a timeout of its own (a batch import hashing
        // passwords before it answers) may wait that long for any read.
        let per_read = match timeout {
            Some(own) => limits.read_timeout.map(|r| r.max(clamp(own))),
            None => limits.read_timeout,
        };
        let left = deadline_left.map(clamp);
        let stage = clamp(timeout.unwrap_or(limits.timeout));
        let timeout = left.map_or(stage, |left| stage.min(left));
        let connect = left.map_or(clamp(limits.connect_timeout), |left| {
            clamp(limits.connect_timeout).min(left)
        });
        // Per-stage budgets rather than one global deadline: ureq runs the
        // host lookup on a new thread whenever a deadline covers it, which
        // for a paged export costs a thread per page. The stages after
        // connecting each get the whole budget. Only when what is left of
        // the call's deadline is shorter than one stage's budget does a
        // global deadline bound the request too: the attempt the deadline
        // cuts short, not every request (a thread each, started from the
        // caller's thread, which names it).
        let global = left.filter(|left| *left < stage);
        self.agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .timeout_connect(Some(connect))
            .timeout_per_read(per_read)
            .timeout_global(global)
            .build()
    }

    /// Maps a ureq error onto the crate's error for this request.
    fn error(&self, e: ureq::Error, req: &HttpRequest<'_>) -> Error {
        use std::io::ErrorKind as Io;
        use ureq::Timeout as T;
        let kind = match &e {
            ureq::Error::BodyExceedsLimit(_) => {
                return Error::BodyTooLarge {
                    operation: req.operation,
                    limit: self.limits.max_response_bytes,
                };
            }
            ureq::Error::HostNotFound => TransportErrorKind::Dns,
            ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
            ureq::Error::Timeout(T::Resolve | T::Connect) => TransportErrorKind::ConnectTimeout,
            ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
            ureq::Error::Io(io) if is_tls_failure(io) => TransportErrorKind::Tls,
            ureq::Error::Io(io) if is_resolve_failure(io) => TransportErrorKind::Dns,
            ureq::Error::Io(io) => match io.kind() {
                Io::ConnectionRefused => TransportErrorKind::Connect,
                Io::TimedOut | Io::WouldBlock => TransportErrorKind::Timeout,
                _ => TransportErrorKind::Io,
            },
            ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportErrorKind::Tls,
            #[cfg(feature = "rustls")]
            ureq::Error::Rustls(_) => TransportErrorKind::Tls,
            #[cfg(feature = "native-tls")]
            ureq::Error::NativeTls(_) => TransportErrorKind::Tls,
            // An answer came, and it was not HTTP the client can read.
            ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
                TransportErrorKind::BadResponse
            }
            ureq::Error::BodyStalled => TransportErrorKind::Io,
            #[cfg(feature = "gzip")]
            ureq::Error::Decompress(..) => TransportErrorKind::Io,
            _ => TransportErrorKind::Other,
        };
        // A bad URI's message would quote the URL, query values included;
        // so would a user's agent configured for HTTPS only. Any message
        // that holds a value of the request is kept only scrubbed.
        let source: Box<dyn std::error::Error + Send + Sync> = match e {
            ureq::Error::BadUri(_) => "the request URL is not valid".into(),
            other if req.scrub.finds_in(&format!("{other} {other:?}")) => {
                req.scrub.apply(&other.to_string()).into()
            }
            other => Box::new(other),
        };
        Error::Transport {
            kind,
            operation: req.operation,
            origin: req.origin.to_string(),
            path: req.shown_path.to_string(),
            attempts: 1,
            deadline: None,
            may_have_been_applied: false,
            source,
        }
    }
}

/// A failed name lookup, which ureq passes on as the I/O error the
/// system's resolver gave (only a lookup that found no address is its
/// `HostNotFound`): nothing was sent. The standard library words every
/// `getaddrinfo` failure on Unix "failed to lookup address information: …";
/// Windows gives the WSA codes of a failed lookup (11001 to 11004).
fn is_resolve_failure(io: &std::io::Error) -> bool {
    io.to_string()
        .starts_with("failed to lookup address information")
        || (cfg!(windows) && matches!(io.raw_os_error(), Some(11001..=11004)))
}

/// A TLS failure that ureq passes on as an I/O error: rustls reports a
/// failed handshake (a server that does not speak TLS, a certificate it
/// refuses) through the stream it wraps.
fn is_tls_failure(io: &std::io::Error) -> bool {
    #[cfg(feature = "rustls")]
    if io
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
    {
        return true;
    }
    let _ = io;
    false
}
