//! Injected faults: latency before every answer, Ory Network's per-bucket
//! rate limit, and failing every n-th request.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kratos_identity::RateLimitBucket;

use super::errors::{ApiError, default_message};
use super::server::Response;

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
                refusal = Some(injected(status, n, &headers));
            }
        }
        Verdict { headers, refusal }
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

/// The answer of `fail_every`. A 429 gets rate-limit headers too: the
/// limiter's when one is set, else ones that say "wait a second".
fn injected(status: u16, n: usize, limiter_headers: &[(String, String)]) -> Response {
    let reason = Some(format!("injected by FakeKratos::fail_every({n}, {status})"));
    if status == 429 {
        let mut response = too_many_requests(1, reason);
        if limiter_headers.is_empty() {
            response = response
                .with_header("x-ratelimit-limit", n.saturating_sub(1).to_string())
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", "1");
        }
        return response;
    }
    ApiError::new(status, reason, default_message(status)).into_response()
}
