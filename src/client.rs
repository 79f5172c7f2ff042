//! [`IdentityClient`] and its [`ClientBuilder`].

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ureq::http::{HeaderName, HeaderValue};

use crate::error::{ConfigErrorKind, Error};
use crate::http::pacing::Pacer;
use crate::http::retry::RetryPolicy;
use crate::http::transport::{Limits, TLS, Transport, clamp};
use crate::http::url::{BaseUrl, shown};
use crate::models::ServerVersion;

/// The default timeout for each stage of a request after connecting:
/// sending it, waiting for the answer, receiving the body. A server that
/// never answers fails after this long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default timeout for establishing a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of the batch calls (`batch_patch_identities`, and
/// so `import_identities`): Kratos hashes plaintext passwords inside the
/// request, one after another, so a batch answers only after all its hashes
/// are done (see [`DEFAULT_PLAINTEXT_CHUNK_SIZE`](crate::DEFAULT_PLAINTEXT_CHUNK_SIZE)).
pub const DEFAULT_BATCH_TIMEOUT: Duration = Duration::from_secs(120);
/// The default cap on a response body: 256 MiB, far above a 500-identity
/// page of large identities, far below what would exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// A blocking client for the Kratos admin API.
///
/// Its methods are the operations of the admin API, grouped below by
/// resource; the crate root's [table](crate#operations) lists them with
/// their HTTP calls. Each returns a [`RequestBuilder`](crate::RequestBuilder):
/// set its options, then send it. Each method's documentation says what it
/// sends and returns, its setters, its errors and where Kratos versions
/// differ.
///
/// Cheap to clone: every clone shares one `ureq::Agent`, so one connection
/// pool, and one rate-limit budget. `Send + Sync`, so one client can serve
/// many threads.
///
/// ```
/// use kratos_identity::IdentityClient;
///
/// // Self-hosted Kratos, admin port, no auth:
/// let local = IdentityClient::new("http://127.0.0.1:4434")?;
///
/// // Ory Network, with an API key sent as a Bearer token:
/// let network = IdentityClient::builder("https://my-slug.projects.oryapis.com")
///     .bearer_token("ory_pat_xxx")
///     .build()?;
/// # Ok::<(), kratos_identity::Error>(())
/// ```
#[derive(Clone)]
pub struct IdentityClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base: BaseUrl,
    pub(crate) transport: Transport,
    pub(crate) retry: RetryPolicy,
    /// Headers sent with every request, `Authorization` excluded: the
    /// defaults (`user-agent`, `accept`) first, then the user's own.
    pub(crate) headers: Vec<(String, String)>,
    /// How many of `headers` are defaults, sent to any origin; the user's
    /// own go to the configured origin only.
    pub(crate) default_headers: usize,
    pub(crate) token: Option<Secret>,
    /// Rate-limit pacing, shared by every clone; `None` when turned off.
    pub(crate) pacer: Option<Pacer>,
    /// The server's version, once asked (see [`IdentityClient::known_version`]).
    pub(crate) version: OnceLock<ServerVersion>,
    /// The deadline of every call, unless a request sets its own; `None`:
    /// twice the call's timeout.
    pub(crate) deadline: Option<Duration>,
}

/// A secret that never prints.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// The secret itself, to scrub it from what servers echo.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for IdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("IdentityClient")
            .field("base_url", &inner.base.join(""))
            .field("bearer_token", &inner.token.as_ref().map(|_| "[redacted]"))
            .field("limits", inner.transport.limits())
            .field("retry", &inner.retry)
            .field("pacing", &inner.pacer.is_some())
            .field("deadline", &inner.deadline)
            .finish()
    }
}

/// Making a client.
impl IdentityClient {
    /// A client for the admin API at `base_url` with default settings and no
    /// authentication (the usual self-hosted admin port).
    ///
    /// # Errors
    /// [`Error::Config`] when `base_url` is not an `http(s)://host[:port][/prefix]` URL.
    pub fn new(base_url: impl AsRef<str>) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// A builder to configure authentication, timeouts, headers and more.
    pub fn builder(base_url: impl AsRef<str>) -> ClientBuilder {
        ClientBuilder::new(base_url.as_ref())
    }

    /// A client configured from the environment: the base URL from
    /// `KRATOS_ADMIN_URL` (falling back to `ORY_SDK_URL`), and the API key,
    /// if any, from `ORY_API_KEY`. To tune it further, start from
    /// [`ClientBuilder::from_env`] instead.
    ///
    /// # Errors
    /// [`Error::Config`] when neither URL variable is set or the URL is invalid.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The server's version, asked once per client (and its clones share
    /// the answer): what the client itself asks before the calls that
    /// depend on it (an import with credentials or hashes only some
    /// versions take, an update with credentials, `include_all_credentials`).
    /// Use it rather than [`get_version`](Self::get_version) to decide
    /// what to send, so the question is asked once.
    ///
    /// ```
    /// # #[cfg(kratos_fake_doctests)] {
    /// # let kratos = kratos_identity_fake::FakeKratos::start();
    /// # let client = kratos.client();
    /// let version = client.server_version()?;
    /// if !version.imports_credential("totp") {
    ///     println!("{version} would refuse TOTP credentials: leaving them out");
    /// }
    /// # }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`get_version`](Self::get_version); a failed answer is not
    /// remembered, so the next call asks again.
    pub fn server_version(&self) -> Result<ServerVersion, Error> {
        if let Some(version) = self.inner.version.get() {
            return Ok(version.clone());
        }
        let version = self.get_version().send()?;
        Ok(self.inner.version.get_or_init(|| version).clone())
    }

    /// [`server_version`](Self::server_version), or `None` (logged) when
    /// the server would not say.
    pub(crate) fn known_version(&self) -> Option<ServerVersion> {
        match self.server_version() {
            Ok(version) => Some(version),
            Err(e) => {
                log::debug!("the server did not say its version: {}", e.log_summary());
                None
            }
        }
    }

    /// The base URL requests go to, with any path prefix, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.inner.base.join("")
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Configures an [`IdentityClient`]. Setters never fail; [`build`](Self::build)
/// reports what is wrong.
///
/// ```
/// use std::time::Duration;
/// use kratos_identity::IdentityClient;
///
/// let client = IdentityClient::builder("https://kratos.internal.example/admin-proxy/")
///     .bearer_token(std::env::var("ORY_API_KEY").unwrap_or_default())
///     .timeout(Duration::from_secs(60))
///     .connect_timeout(Duration::from_secs(5))
///     .user_agent("user-sync/1.4")
///     .header("X-Request-Source", "nightly-sync")
///     .build()?;
/// # Ok::<(), kratos_identity::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    base_url: String,
    token: Option<Secret>,
    limits: Limits,
    user_agent: String,
    headers: Vec<(String, String)>,
    agent: Option<ureq::Agent>,
    retry: RetryPolicy,
    allow_insecure_http: bool,
    pacing: bool,
    deadline: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &shown(&self.base_url))
            .field("bearer_token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("limits", &self.limits)
            .field("user_agent", &self.user_agent)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("custom_agent", &self.agent.is_some())
            .field("retry", &self.retry)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("pacing", &self.pacing)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl ClientBuilder {
    fn new(base_url: &str) -> Self {
        ClientBuilder {
            base_url: base_url.to_string(),
            token: None,
            limits: Limits {
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                read_timeout: None,
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            },
            user_agent: concat!("kratos-identity/", env!("CARGO_PKG_VERSION")).to_string(),
            headers: Vec::new(),
            agent: None,
            retry: RetryPolicy::default(),
            allow_insecure_http: false,
            pacing: true,
            deadline: None,
        }
    }

    /// A builder configured from the environment, as
    /// [`IdentityClient::from_env`] reads it (`KRATOS_ADMIN_URL` or
    /// `ORY_SDK_URL`, and `ORY_API_KEY`), to be tuned before
    /// [`build`](Self::build):
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use kratos_identity::ClientBuilder;
    ///
    /// let client = ClientBuilder::from_env()?
    ///     .timeout(Duration::from_secs(10))
    ///     .user_agent("support-cli/2.0")
    ///     .build()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when neither URL variable is set.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        let url = env_var("KRATOS_ADMIN_URL")
            .or_else(|| env_var("ORY_SDK_URL"))
            .ok_or_else(|| {
                Error::config(
                    ConfigErrorKind::MissingBaseUrl,
                    "set KRATOS_ADMIN_URL (or ORY_SDK_URL) to the admin API's base URL",
                )
            })?;
        let mut builder = ClientBuilder::new(&url);
        if let Some(key) = env_var("ORY_API_KEY") {
            builder = builder.bearer_token(key);
        }
        Ok(builder)
    }

    /// The API key (Ory Network) or any bearer token, sent as
    /// `Authorization: Bearer …` to the configured origin only. An empty
    /// string means no token. It never appears in `Debug` output or errors.
    /// Pass the token alone: one that starts with `Bearer ` is refused by
    /// [`build`](Self::build).
    ///
    /// Headers of your own ([`header`](Self::header)) are not guarded like
    /// the token: put no secret in one for a plain-HTTP base URL.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.token = (!token.is_empty()).then_some(Secret(token));
        self
    }

    /// The longest wait for each stage of an attempt after connecting:
    /// sending the request, the server starting to answer, and receiving the
    /// whole body. A server that never answers fails after `timeout`; a body
    /// that trickles in fails `timeout` after the answer began. Default:
    /// [`DEFAULT_TIMEOUT`] (30 s); the batch calls default to
    /// [`DEFAULT_BATCH_TIMEOUT`] (2 min) instead, and any call can have its
    /// own ([`RequestBuilder::timeout`](crate::RequestBuilder::timeout)).
    ///
    /// With retries on, a call makes up to `retries + 1` attempts, with
    /// waits between them; lower [`max_retries`](Self::max_retries) for a
    /// tighter bound. The host name lookup is bounded by the system
    /// resolver's own timeouts. Any `Duration` works (`Duration::MAX` for
    /// "no limit"); values beyond about 100 years are clamped to that.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = clamp(timeout);
        self
    }

    /// The longest a whole call may take: every attempt, the waits between
    /// them and the waits for the rate-limit budget. No wait that would
    /// pass it is started, and the last attempt's timeouts are cut to what
    /// is left; the error then says the deadline ended it. Default: twice
    /// the call's [`timeout`](Self::timeout), so 60 s with the default
    /// 30 s timeout (one retry of an attempt that timed out still fits), and
    /// 4 minutes for the batch calls with their 2-minute timeout. Any call
    /// can have its own ([`RequestBuilder::deadline`](crate::RequestBuilder::deadline)).
    /// Any `Duration` works; values beyond about 100 years are clamped to
    /// that; zero is refused by [`build`](Self::build).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(clamp(deadline));
        self
    }

    /// Timeout for establishing a connection, TLS included. A call that
    /// times out connecting was not sent, so it is retried whatever its
    /// method. Default: [`DEFAULT_CONNECT_TIMEOUT`] (10 s). Any `Duration`
    /// works; values beyond about 100 years are clamped to that.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.limits.connect_timeout = clamp(timeout);
        self
    }

    /// The longest wait for any single read from the socket, to notice a
    /// stalled connection sooner than [`timeout`](Self::timeout) would.
    /// Off by default. It applies to waiting for the answer to start too,
    /// so a call given a longer timeout of its own (the batch calls, or
    /// [`RequestBuilder::timeout`](crate::RequestBuilder::timeout)) lifts it
    /// to that timeout. Any `Duration` works; values beyond about 100 years
    /// are clamped to that.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.read_timeout = Some(clamp(timeout));
        self
    }

    /// The largest response body read, in bytes; a larger one is
    /// [`Error::BodyTooLarge`] and is read no further. Default:
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (256 MiB).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_response_bytes = bytes;
        self
    }

    /// The `User-Agent` header. Default: `kratos-identity/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// An extra header sent with every request to the configured origin (a
    /// tenant header, a tracing id, …); it is not sent on a redirect to
    /// another origin. A header named like a default (`Accept`,
    /// `User-Agent`) replaces it. Set `Authorization` through
    /// [`bearer_token`](Self::bearer_token) instead.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Brings your own `ureq::Agent` (proxy, TLS roots, pool size, …). The
    /// client still applies its own timeouts, body cap and redirect policy
    /// to each request.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// How failed requests are retried. Default: [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand for the number of retries after the first attempt; `0`
    /// turns retrying off.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// Paces requests to the rate limits Ory Network announces in its
    /// answers, so that a bucket's budget lasts until its window resets
    /// instead of being spent at once on 429s. On by default; `false` turns
    /// it off. Answers without those headers (self-hosted Kratos) are never
    /// paced, so pacing costs nothing there. How it works, and when a call
    /// is not sent at all: see the
    /// [rate limits chapter](crate::guide::rate_limits#pacing).
    pub fn pacing(mut self, on: bool) -> Self {
        self.pacing = on;
        self
    }

    /// Allows sending the bearer token over plain `http://` to a host that is
    /// not loopback. Off by default: the key would cross the network in
    /// clear. Loopback means an IP address in 127.0.0.0/8, `[::1]`, or
    /// `localhost` and names under `.localhost`; nothing else (a host named
    /// `127.example.com` is someone else's machine).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not `http(s)://host[:port][/prefix]`
    /// (a host with non-ASCII characters must be written in its punycode
    /// form), a header name that is not valid HTTP or a header value with
    /// control characters, a zero timeout, or a token to be sent over plain
    /// HTTP to a non-loopback host without
    /// [`allow_insecure_http`](Self::allow_insecure_http), or an `https://`
    /// URL in a build without TLS (no `rustls` or `native-tls` feature, and
    /// no agent of your own). Checking here means a client that builds can
    /// send.
    pub fn build(self) -> Result<IdentityClient, Error> {
        let base = BaseUrl::parse(&self.base_url)?;
        if base.is_https() && !TLS && self.agent.is_none() {
            return Err(Error::config(
                ConfigErrorKind::NoTls,
                "the base URL is https:// but this build of kratos-identity has no TLS: enable its \"rustls\" (default) or \"native-tls\" feature, or bring an agent with TLS",
            ));
        }
        if let Some(token) = &self.token
            && token.0.bytes().any(|b| b.is_ascii_control())
        {
            return Err(Error::config(
                ConfigErrorKind::Token,
                "the bearer token has control characters (a line break?)",
            ));
        }
        if let Some(token) = &self.token
            && token.0.contains(char::is_whitespace)
        {
            let scheme = token.0.split_whitespace().next().unwrap_or_default();
            return Err(Error::config(
                ConfigErrorKind::Token,
                match scheme.to_ascii_lowercase().as_str() {
                    "bearer" | "basic" => format!(
                        "the bearer token starts with \"{scheme} \": pass the token alone, the client adds the scheme"
                    ),
                    _ => "the bearer token has spaces in it: pass the token alone".to_string(),
                },
            ));
        }
        if self.token.is_some()
            && base.is_plain_http()
            && !base.is_loopback()
            && !self.allow_insecure_http
        {
            return Err(Error::config(
                ConfigErrorKind::InsecureHttp,
                format!(
                    "refusing to send the bearer token over plain HTTP to {}; use https:// or allow_insecure_http(true)",
                    base.origin()
                ),
            ));
        }
        for t in [
            Some(self.limits.timeout),
            Some(self.limits.connect_timeout),
            self.limits.read_timeout,
            self.deadline,
        ]
        .into_iter()
        .flatten()
        {
            if t.is_zero() {
                return Err(Error::config(
                    ConfigErrorKind::Timeout,
                    "timeouts must be greater than zero",
                ));
            }
        }
        let mut headers = vec![
            ("user-agent".to_string(), self.user_agent),
            ("accept".to_string(), "application/json".to_string()),
        ];
        let mut own = Vec::new();
        for (name, value) in self.headers {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::config(
                    ConfigErrorKind::Header,
                    format!("{name:?} is not a valid header name"),
                ));
            }
            if name.eq_ignore_ascii_case("authorization") {
                return Err(Error::config(
                    ConfigErrorKind::Token,
                    "set the Authorization header with bearer_token()",
                ));
            }
            match headers
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            {
                Some(default) => default.1 = value,
                None => own.push((name, value)),
            }
        }
        // Every value must be one HTTP accepts (no control characters but
        // tabs), or every send would fail. The value itself may be a
        // secret: the message names only the header.
        for (name, value) in headers.iter().chain(&own) {
            if HeaderValue::from_str(value).is_err() {
                return Err(Error::config(
                    ConfigErrorKind::Header,
                    format!("the value of header {name:?} has control characters"),
                ));
            }
        }
        let default_headers = headers.len();
        headers.extend(own);
        Ok(IdentityClient {
            inner: Arc::new(Inner {
                base,
                transport: Transport::new(self.agent, self.limits),
                retry: self.retry,
                headers,
                default_headers,
                token: self.token,
                pacer: self.pacing.then(Pacer::default),
                version: OnceLock::new(),
                deadline: self.deadline,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let builder =
            IdentityClient::builder("http://127.0.0.1:4434").bearer_token("ory_pat_SECRET");
        assert!(!format!("{builder:?}").contains("SECRET"));
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn refuses_a_token_over_plain_http_to_a_remote_host() {
        let err = IdentityClient::builder("http://kratos.example:4434")
            .bearer_token("k")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert!(!err.to_string().contains(" k "));
        IdentityClient::builder("http://kratos.example:4434")
            .bearer_token("k")
            .allow_insecure_http(true)
            .build()
            .unwrap();
        IdentityClient::builder("http://127.0.0.1:4434")
            .bearer_token("k")
            .build()
            .unwrap();
        IdentityClient::builder("http://kratos.example:4434")
            .build()
            .unwrap();
    }

    #[test]
    fn rejects_bad_headers() {
        for (k, v) in [
            ("", "x"),
            ("a b", "x"),
            ("x", "a\r\nb"),
            ("Authorization", "Bearer x"),
        ] {
            assert!(
                IdentityClient::builder("http://h")
                    .header(k, v)
                    .build()
                    .is_err(),
                "{k:?}: {v:?}"
            );
        }
        assert!(
            IdentityClient::builder("http://h")
                .timeout(Duration::ZERO)
                .build()
                .is_err()
        );
    }
}
