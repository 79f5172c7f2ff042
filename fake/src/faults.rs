//! Injected faults. Global ones: latency before every answer, Ory Network's
//! per-bucket rate limit, and failing every n-th request. Aimed ones: a
//! [`Fault`] acts on the requests it matches (one operation, one method
//! and path template, or any request) and counts only those.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use kratos_identity::{Operation, RateLimitBucket};

use super::errors::{ApiError, default_message};
use super::server::Response;

mod spec;

/// A rate limit like Ory Network's: each rate-limit bucket
/// (`kratos-admin-low`, `-medium`, `-high`, as the OpenAPI document's
/// `x-ory-ratelimit-bucket` assigns the operations) allows `n` requests per
/// one-second window, counted separately per bucket.
///
/// Every answer to an operation of a bucket carries `x-ratelimit-limit`,
/// `x-ratelimit-remaining` and `x-ratelimit-reset` (whole seconds until the
/// window resets, rounded up); a request beyond the limit gets a 429 with a
/// Kratos error body, those headers and `retry-after`.
///
/// ```
/// use kratos_identity_fake::{FakeKratos, RateLimit};
///
/// let kratos = FakeKratos::builder().rate_limit(RateLimit::per_second(5)).start();
/// # drop(kratos);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per_window: u32,
    draft_header: bool,
}

impl RateLimit {
    /// `n` requests per second in each bucket. `0` refuses every request.
    pub fn per_second(n: u32) -> RateLimit {
        RateLimit {
            per_window: n,
            draft_header: false,
        }
    }

    /// With `true`, `x-ratelimit-limit` takes the IETF draft form Ory
    /// Network also sends, `10, 10;w=1`, instead of the plain `10`.
    /// Default: `false`.
    #[must_use]
    pub fn ietf_draft_header(mut self, on: bool) -> RateLimit {
        self.draft_header = on;
        self
    }

    /// The number of requests allowed per window in each bucket.
    pub fn limit(&self) -> u32 {
        self.per_window
    }
}

/// A fault aimed at some requests, beside the global ones (latency, the
/// rate limit, [`fail_every`](crate::FakeKratos::fail_every)), which count
/// every request, a client's retries included.
///
/// It is built in three steps:
/// - **which requests**: [`on`](Self::on) an operation,
///   [`on_request`](Self::on_request) a method and path template, or
///   [`any`](Self::any) request to the admin port;
/// - **how many of them**: the [`next`](Self::next) `n`, or
///   [`every`](Self::every) `n`-th; by default every one;
/// - **what happens**: an error [`status`](Self::status) with a Kratos
///   error body, or the connection [dropped](Self::drop_connection)
///   without an answer, either after an optional [`stall`](Self::stall);
///   all of it before the request is served, or
///   [`after_work`](Self::after_work), once it is.
///
/// Give it to [`FakeKratosBuilder::fault`](crate::FakeKratosBuilder::fault)
/// or [`FakeKratos::add_fault`](crate::FakeKratos::add_fault).
///
/// **Counting.** Each fault counts only the requests it matches, so a
/// client's retries of other operations never shift it: `next(2)` on
/// creates fails the next two creates, however many lookups come between.
///
/// **Order.** Faults are consulted in the order added; the first that
/// matches a request and acts on it decides, and the later ones neither
/// see nor count that request. A fault spent by [`next`](Self::next) is
/// dropped. The global faults come first: a request the rate limit or
/// `fail_every` refuses reaches no aimed fault.
///
/// **Evidence.** An injected error's `reason` names the fault and which of
/// its matching requests it was (`injected by
/// Fault::on(create_identity).status(503).next(2) (matching request 1)`),
/// and [`FakeKratos::requests`](crate::FakeKratos::requests) records which
/// fault acted on each request. `Display` and `Debug` show the fault as the
/// code that builds it.
///
/// Faults apply to the admin port only, and not to requests the server
/// cannot read (a malformed head, a body over 5 MiB).
///
/// ```
/// use std::time::Duration;
/// use kratos_identity::{CreateIdentityBody, IdentityClient, Operation};
/// use kratos_identity_fake::{FakeKratos, Fault};
/// use serde_json::json;
///
/// let kratos = FakeKratos::builder()
///     .fault(Fault::on(Operation::CREATE_IDENTITY).status(503).next(1))
///     .start();
/// let client = IdentityClient::builder(kratos.base_url()).max_retries(0).build()?;
/// let user = |name: &str| {
///     CreateIdentityBody::new("default", json!({"email": format!("{name}@example.com")}))
/// };
///
/// let err = client.create_identity(user("ada")).send().unwrap_err();
/// assert_eq!(err.status(), Some(503));
/// assert!(err.to_string().contains("injected by Fault::on(create_identity).status(503).next(1)"));
/// client.list_identities().send()?; // not a create: not counted
/// client.create_identity(user("ada")).send()?; // the fault is spent
///
/// // The work is done, then the answer is lost: the identity exists,
/// // although the client got a 502.
/// kratos.add_fault(Fault::on(Operation::CREATE_IDENTITY).after_work().status(502).next(1));
/// assert_eq!(client.create_identity(user("grace")).send().unwrap_err().status(), Some(502));
/// assert_eq!(kratos.identity_count(), 2);
///
/// // Any request, once: the connection closes without an answer.
/// kratos.add_fault(Fault::any().drop_connection().next(1));
/// assert!(client.list_identities().send().unwrap_err().transport_kind().is_some());
///
/// // A slow answer, for client timeouts.
/// kratos.add_fault(Fault::on(Operation::LIST_IDENTITIES).stall(Duration::from_millis(50)));
/// assert!(client.list_identities().send().is_ok());
/// kratos.clear_faults();
/// # Ok::<(), kratos_identity::Error>(())
/// ```
///
/// The binary takes the same faults as text (`--fault`); [`FromStr`](std::str::FromStr)
/// reads that form: `TARGET[:PART]…`, where `TARGET` is an operation's
/// name (`create_identity`), `any`, or a method and path template
/// (`PATCH /admin/identities`), and each `PART`, at most once, is an error
/// status from 400 to 599 (`503`) or `drop`, `stall=300ms` (or `=2s`),
/// `next=N` or `every=N` (`N` ≥ 1), or `after-work`; a status, `drop` or a
/// stall is required. The error quotes the spec and says what is wrong.
///
/// ```
/// use kratos_identity::Operation;
/// use kratos_identity_fake::Fault;
///
/// let fault: Fault = "create_identity:503:next=2".parse()?;
/// assert_eq!(fault, Fault::on(Operation::CREATE_IDENTITY).status(503).next(2));
/// let fault: Fault = "PATCH /admin/identities:502:every=100:after-work".parse()?;
/// assert_eq!(fault.to_string(), r#"Fault::on_request("PATCH", "/admin/identities").after_work().status(502).every(100)"#);
/// assert!("create_identity:5o3".parse::<Fault>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use = "a fault does nothing until it is given to FakeKratos::add_fault or FakeKratosBuilder::fault"]
pub struct Fault {
    target: Target,
    count: Count,
    outcome: Outcome,
    stall: Duration,
    after_work: bool,
}

/// Which requests a fault matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The requests the fake routes to this operation.
    Operation(Operation),
    /// A method (upper case) and a path template (`{…}`: one segment).
    Request { method: String, path: String },
    /// Every request.
    Any,
}

/// Which of its matching requests a fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    /// Every n-th one (`0`: none).
    Every(usize),
    /// The next n ones, then the fault is spent.
    Next(usize),
}

/// What a fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The real answer: the fault only stalls.
    Real,
    /// A Kratos error body with this status.
    Status(u16),
    /// No answer: the connection is closed.
    Drop,
}

impl Fault {
    /// A fault on the requests of one operation: those whose method and
    /// path match the operation's method and [path template](Operation::path),
    /// as the fake routes them (`/admin/identities/{id}` takes any id, but
    /// not `/admin/identities/by/external/…`, which is another operation).
    pub fn on(operation: Operation) -> Fault {
        Fault::aimed(Target::Operation(operation))
    }

    /// A fault on the requests with this method (any case) and a path
    /// matching `path_template`, segment by segment: a `{name}` segment
    /// matches any one non-empty segment, anything else itself exactly (as
    /// sent, still percent-encoded). The query does not matter.
    /// `on_request("PATCH", "/admin/identities")` is the batch import;
    /// `on_request("DELETE", "/admin/identities/{id}")` every delete.
    pub fn on_request(method: impl Into<String>, path_template: impl Into<String>) -> Fault {
        Fault::aimed(Target::Request {
            method: method.into().to_ascii_uppercase(),
            path: path_template.into(),
        })
    }

    /// A fault on any request to the admin port, whatever its path (one no
    /// route serves included).
    pub fn any() -> Fault {
        Fault::aimed(Target::Any)
    }

    fn aimed(target: Target) -> Fault {
        Fault {
            target,
            count: Count::Every(1),
            outcome: Outcome::Real,
            stall: Duration::ZERO,
            after_work: false,
        }
    }

    /// Acts on the next `n` matching requests, then is spent and dropped.
    /// `0` makes a fault that never acts. Replaces [`every`](Self::every).
    pub fn next(mut self, n: usize) -> Fault {
        self.count = Count::Next(n);
        self
    }

    /// Acts on every `n`-th matching request (the `n`-th, the `2n`-th, …),
    /// for as long as the fault is there. `0` makes a fault that never
    /// acts. Replaces [`next`](Self::next). Default: `every(1)`, every
    /// matching request.
    pub fn every(mut self, n: usize) -> Fault {
        self.count = Count::Every(n);
        self
    }

    /// Answers `status` with Kratos's error body (its `reason` names the
    /// fault) instead of the real answer, as
    /// [`fail_every`](crate::FakeKratos::fail_every) does; a 429 also
    /// carries `retry-after` and the `x-ratelimit-*` headers. Meant for 4xx
    /// and 5xx statuses. Replaces [`drop_connection`](Self::drop_connection).
    pub fn status(mut self, status: u16) -> Fault {
        self.outcome = Outcome::Status(status);
        self
    }

    /// Closes the connection without an answer: the client sees a broken
    /// connection, not a status. Replaces [`status`](Self::status).
    pub fn drop_connection(mut self) -> Fault {
        self.outcome = Outcome::Drop;
        self
    }

    /// Waits this long before answering: before the real answer, when the
    /// fault has no [`status`](Self::status) or
    /// [`drop_connection`](Self::drop_connection), else before that. Only
    /// this request's connection waits. Default: zero.
    pub fn stall(mut self, wait: Duration) -> Fault {
        self.stall = wait;
        self
    }

    /// Serves the request first (the identity is created, the batch
    /// applied, the delete done), then stalls and answers as the fault
    /// says instead of the real answer: the "502, or a timeout, after the
    /// work was done" that a client must not take for "nothing happened".
    /// Without it, the fault acts before any work.
    pub fn after_work(mut self) -> Fault {
        self.after_work = true;
        self
    }

    /// Whether the fault is aimed at this request.
    fn matches(&self, request: Routed<'_>) -> bool {
        match &self.target {
            Target::Operation(operation) => request.operation == Some(*operation),
            Target::Request { method, path } => {
                *method == request.method && path_matches(path, request.path)
            }
            Target::Any => true,
        }
    }
}

/// Whether `path` fits `template` segment by segment (`{…}`: any one
/// non-empty segment).
fn path_matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| match is_parameter(t) {
                true => !p.is_empty(),
                false => t == p,
            })
}

/// `{id}`, `{type}`, …
fn is_parameter(segment: &str) -> bool {
    segment.len() >= 2 && segment.starts_with('{') && segment.ends_with('}')
}

impl fmt::Display for Fault {
    /// The code that builds the fault:
    /// `Fault::on(create_identity).status(503).next(2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Operation(operation) => write!(f, "Fault::on({})", operation.name())?,
            Target::Request { method, path } => {
                write!(f, "Fault::on_request({method:?}, {path:?})")?
            }
            Target::Any => f.write_str("Fault::any()")?,
        }
        if self.after_work {
            f.write_str(".after_work()")?;
        }
        if !self.stall.is_zero() {
            write!(f, ".stall({:?})", self.stall)?;
        }
        match self.outcome {
            Outcome::Real => {}
            Outcome::Status(status) => write!(f, ".status({status})")?,
            Outcome::Drop => f.write_str(".drop_connection()")?,
        }
        match self.count {
            Count::Every(1) => Ok(()),
            Count::Every(n) => write!(f, ".every({n})"),
            Count::Next(n) => write!(f, ".next({n})"),
        }
    }
}

impl fmt::Debug for Fault {
    /// As `Display`: the code that builds the fault.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A request as the aimed faults see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Routed<'a> {
    /// The method as sent.
    pub(crate) method: &'a str,
    /// The path as sent, without the query.
    pub(crate) path: &'a str,
    /// The operation the fake routes it to, whatever the Kratos version
    /// emulated; `None` for a path no operation has.
    pub(crate) operation: Option<Operation>,
}

/// An aimed fault and its counters.
#[derive(Debug)]
struct Armed {
    fault: Fault,
    /// Requests it matched so far.
    matched: usize,
    /// Requests it acted on so far.
    fired: usize,
}

impl Armed {
    /// Counts the request if the fault matches it; `true` when the fault
    /// acts on it.
    fn consider(&mut self, request: Routed<'_>) -> bool {
        if !self.fault.matches(request) {
            return false;
        }
        self.matched += 1;
        let fires = match self.fault.count {
            Count::Every(n) => n > 0 && self.matched.is_multiple_of(n),
            Count::Next(n) => self.fired < n,
        };
        if fires {
            self.fired += 1;
        }
        fires
    }

    /// `true` once the fault can never act again.
    fn spent(&self) -> bool {
        match self.fault.count {
            Count::Every(n) => n == 0,
            Count::Next(n) => self.fired >= n,
        }
    }
}

/// An aimed fault acting on one request.
#[derive(Debug, Clone)]
pub(crate) struct Strike {
    fault: Fault,
    /// Which of the fault's matching requests this is (1-based).
    matched: usize,
}

impl Strike {
    /// The fault that acts.
    pub(crate) fn fault(&self) -> &Fault {
        &self.fault
    }

    /// Whether the request is served before the fault acts.
    pub(crate) fn after_work(&self) -> bool {
        self.fault.after_work
    }

    /// How long to wait before answering.
    pub(crate) fn stall(&self) -> Duration {
        self.fault.stall
    }

    /// What to answer.
    pub(crate) fn outcome(&self) -> Outcome {
        self.fault.outcome
    }

    /// The error answer of a `status` fault. `limiter_headers` are the
    /// rate limiter's, which the answer gets anyway.
    pub(crate) fn refusal(&self, status: u16, limiter_headers: &[(String, String)]) -> Response {
        let reason = format!(
            "injected by {} (matching request {})",
            self.fault, self.matched
        );
        let limit = match self.fault.count {
            Count::Every(n) => n.saturating_sub(1),
            Count::Next(_) => 0,
        };
        injected(status, reason, limit, limiter_headers)
    }
}

/// One bucket's current window.
#[derive(Debug)]
struct Window {
    started: Instant,
    used: u32,
}

/// What the faults decided for one request.
pub(crate) struct Verdict {
    /// Headers every answer gets (the rate-limit headers).
    pub(crate) headers: Vec<(String, String)>,
    /// An answer that replaces the real one.
    pub(crate) refusal: Option<Response>,
}

/// The fault settings and their counters.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) latency: Duration,
    pub(crate) hash_delay: Duration,
    rate_limit: Option<RateLimit>,
    windows: HashMap<RateLimitBucket, Window>,
    /// `(n, status)`: every n-th request answers `status`.
    fail_every: Option<(usize, u16)>,
    /// Requests seen since `fail_every` was set.
    counted: usize,
    /// The aimed faults not spent yet, in the order added.
    aimed: Vec<Armed>,
}

const WINDOW: Duration = Duration::from_secs(1);

impl Faults {
    pub(crate) fn set_rate_limit(&mut self, limit: Option<RateLimit>) {
        self.rate_limit = limit;
        self.windows.clear();
    }

    pub(crate) fn set_fail_every(&mut self, n: usize, status: u16) {
        self.fail_every = (n > 0).then_some((n, status));
        self.counted = 0;
    }

    /// Counts one request to an operation of `bucket` (none for a path that
    /// is no operation) and says what the faults make of it.
    pub(crate) fn admit(&mut self, bucket: Option<RateLimitBucket>, now: Instant) -> Verdict {
        let mut headers = Vec::new();
        let mut refusal = None;
        if let (Some(limit), Some(bucket)) = (self.rate_limit, bucket) {
            let window = self.windows.entry(bucket).or_insert(Window {
                started: now,
                used: 0,
            });
            if now.duration_since(window.started) >= WINDOW {
                *window = Window {
                    started: now,
                    used: 0,
                };
            }
            window.used = window.used.saturating_add(1);
            let left = WINDOW.saturating_sub(now.duration_since(window.started));
            let reset = ceil_seconds(left).max(1);
            let limit_value = match limit.draft_header {
                true => format!("{0}, {0};w=1", limit.per_window),
                false => limit.per_window.to_string(),
            };
            headers.push(("x-ratelimit-limit".to_string(), limit_value));
            headers.push((
                "x-ratelimit-remaining".to_string(),
                limit.per_window.saturating_sub(window.used).to_string(),
            ));
            headers.push(("x-ratelimit-reset".to_string(), reset.to_string()));
            if window.used > limit.per_window {
                refusal = Some(too_many_requests(reset, None));
            }
        }
        if let Some((n, status)) = self.fail_every {
            self.counted += 1;
            if self.counted.is_multiple_of(n) && refusal.is_none() {
                let reason = format!("injected by FakeKratos::fail_every({n}, {status})");
                refusal = Some(injected(status, reason, n.saturating_sub(1), &headers));
            }
        }
        Verdict { headers, refusal }
    }

    /// Adds an aimed fault after the others (one that can never act is
    /// dropped at once).
    pub(crate) fn add(&mut self, fault: Fault) {
        let armed = Armed {
            fault,
            matched: 0,
            fired: 0,
        };
        if !armed.spent() {
            self.aimed.push(armed);
        }
    }

    /// Drops every aimed fault.
    pub(crate) fn clear_aimed(&mut self) {
        self.aimed.clear();
    }

    /// The aimed faults not spent yet, in the order added.
    pub(crate) fn aimed(&self) -> Vec<Fault> {
        self.aimed.iter().map(|a| a.fault.clone()).collect()
    }

    /// Shows a request to the aimed faults in order: each one it matches
    /// counts it, until one acts on it; the later ones never see it. A
    /// fault spent by acting is dropped.
    pub(crate) fn strike(&mut self, request: Routed<'_>) -> Option<Strike> {
        let index = self.aimed.iter_mut().position(|a| a.consider(request))?;
        let armed = &self.aimed[index];
        let strike = Strike {
            fault: armed.fault.clone(),
            matched: armed.matched,
        };
        if armed.spent() {
            self.aimed.remove(index);
        }
        Some(strike)
    }
}

fn ceil_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The 429 of the rate limit.
fn too_many_requests(reset: u64, reason: Option<String>) -> Response {
    ApiError::new(429, reason, default_message(429))
        .into_response()
        .with_header("retry-after", reset.to_string())
}

/// The error answer of `fail_every` or a [`Fault`]'s `status`. A 429 gets
/// rate-limit headers too: the limiter's when one is set, else ones that say
/// "wait a second" (with `limit` as the quota).
fn injected(
    status: u16,
    reason: String,
    limit: usize,
    limiter_headers: &[(String, String)],
) -> Response {
    if status == 429 {
        let mut response = too_many_requests(1, Some(reason));
        if limiter_headers.is_empty() {
            response = response
                .with_header("x-ratelimit-limit", limit.to_string())
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", "1");
        }
        return response;
    }
    ApiError::new(status, Some(reason), default_message(status)).into_response()
}
