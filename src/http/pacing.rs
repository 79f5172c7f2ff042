//! Rate-limit pacing, shared by every clone of a client: what Ory Network's
//! `x-ratelimit-*` headers say of each bucket's budget, and how long the
//! next request of that bucket waits so that the budget lasts until the
//! window resets, instead of being spent at once and then waited out on
//! 429s.
//!
//! An answer without the headers (self-hosted Kratos) changes nothing: a
//! bucket that never saw them is never paced.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api::operation::RateLimitBucket;
use crate::http::response::Headers;

/// The pacing state of the three buckets.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    buckets: [Mutex<Bucket>; 3],
}

/// What one bucket's last answers said, and the schedule it implies.
#[derive(Debug, Default)]
struct Bucket {
    /// No answer of this bucket carried the headers yet: no pacing.
    known: bool,
    /// The earliest time the next request may start.
    next_start: Option<Instant>,
    /// The spacing of requests that spends the budget evenly.
    interval: Duration,
    /// When the server said the window resets.
    reset_at: Option<Instant>,
    /// Requests started but not answered yet: the server's `remaining`
    /// does not count them.
    in_flight: u32,
}

/// The rate-limit headers of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimitHeaders {
    /// The quota of the current window (`x-ratelimit-limit`).
    pub(crate) limit: Option<u64>,
    /// What is left of it (`x-ratelimit-remaining`).
    pub(crate) remaining: u64,
    /// Seconds until the window resets (`x-ratelimit-reset`).
    pub(crate) reset: Duration,
}

impl RateLimitHeaders {
    /// Reads the three headers; `None` unless `remaining` and `reset` are
    /// both there and readable. Never fails on an odd value.
    pub(crate) fn read(headers: &Headers) -> Option<Self> {
        let remaining = headers.get("x-ratelimit-remaining")?.trim().parse().ok()?;
        let reset = parse_seconds(headers.get("x-ratelimit-reset")?)?;
        let limit = headers.get("x-ratelimit-limit").and_then(parse_limit);
        Some(RateLimitHeaders {
            limit,
            remaining,
            reset,
        })
    }
}

/// The quota of `x-ratelimit-limit`: a number, or the IETF draft's list of
/// policies (`10, 10;w=1, 300;w=60`), whose first item is the quota that
/// `remaining` counts down.
pub(crate) fn parse_limit(value: &str) -> Option<u64> {
    let first = value.split(',').next()?;
    first.split(';').next()?.trim().parse().ok()
}

/// Whole or fractional seconds (`"1"`, `"0.25"`), non-negative and finite.
fn parse_seconds(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

impl Pacer {
    fn bucket(&self, bucket: RateLimitBucket) -> &Mutex<Bucket> {
        &self.buckets[match bucket {
            RateLimitBucket::AdminLow => 0,
            RateLimitBucket::AdminMedium => 1,
            RateLimitBucket::AdminHigh => 2,
        }]
    }

    /// Reserves the next start time of a request in `bucket` and returns
    /// how long to wait for it (zero for a bucket never paced).
    pub(crate) fn reserve(&self, bucket: RateLimitBucket, now: Instant) -> Duration {
        let mut state = self
            .bucket(bucket)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !state.known {
            return Duration::ZERO;
        }
        state.in_flight = state.in_flight.saturating_add(1);
        let start = state.next_start.map_or(now, |next| next.max(now));
        state.next_start = Some(start + state.interval);
        start - now
    }

    /// Learns from an answer of `bucket` (with or without the headers).
    pub(crate) fn observe(
        &self,
        bucket: RateLimitBucket,
        headers: Option<RateLimitHeaders>,
        now: Instant,
    ) {
        let mut state = self
            .bucket(bucket)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        state.in_flight = state.in_flight.saturating_sub(1);
        let Some(h) = headers else {
            return;
        };
        state.known = true;
        let reset_at = now + h.reset;
        state.reset_at = Some(reset_at);
        // The budget left for requests not yet started: the server's count
        // less those already on their way to it.
        let budget = h.remaining.saturating_sub(u64::from(state.in_flight));
        let until_reset = reset_at.saturating_duration_since(now);
        if budget == 0 {
            // Nothing left: the next request waits for the new window.
            state.next_start = Some(reset_at.max(state.next_start.unwrap_or(now)));
            if let Some(limit) = h.limit.filter(|&l| l > 0) {
                state.interval = until_reset.max(Duration::from_millis(1))
                    / limit.min(u64::from(u32::MAX)) as u32;
            }
            return;
        }
        state.interval = until_reset / budget.min(u64::from(u32::MAX)) as u32;
        // Spread what is left evenly from now on.
        let next = now + state.interval;
        state.next_start = Some(match state.next_start {
            Some(planned) if planned > next => next,
            Some(planned) => planned.max(now),
            None => now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        Headers::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn reads_the_headers_in_every_form_and_never_fails() {
        let h = RateLimitHeaders::read(&headers(&[
            ("x-ratelimit-limit", "10, 10;w=1, 300;w=60"),
            ("x-ratelimit-remaining", "7"),
            ("x-ratelimit-reset", "1"),
        ]))
        .unwrap();
        assert_eq!(
            h,
            RateLimitHeaders {
                limit: Some(10),
                remaining: 7,
                reset: Duration::from_secs(1)
            }
        );
        assert_eq!(parse_limit("5"), Some(5));
        assert_eq!(parse_limit(" 18 ;w=1"), Some(18));
        assert_eq!(parse_limit("lots"), None);
        assert_eq!(parse_limit(""), None);
        assert_eq!(parse_seconds("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("inf"), None);
        for odd in [
            &[("x-ratelimit-remaining", "x"), ("x-ratelimit-reset", "1")][..],
            &[("x-ratelimit-remaining", "3")],
            &[("x-ratelimit-reset", "3")],
            &[("x-ratelimit-remaining", "-3"), ("x-ratelimit-reset", "1")],
        ] {
            assert_eq!(RateLimitHeaders::read(&headers(odd)), None, "{odd:?}");
        }
        // A garbled limit does not cost the rest.
        let h = RateLimitHeaders::read(&headers(&[
            ("x-ratelimit-limit", "??"),
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-reset", "3"),
        ]))
        .unwrap();
        assert_eq!((h.limit, h.remaining), (None, 2));
    }

    #[test]
    fn an_unpaced_bucket_never_waits() {
        let pacer = Pacer::default();
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(
                pacer.reserve(RateLimitBucket::AdminLow, now),
                Duration::ZERO
            );
            pacer.observe(RateLimitBucket::AdminLow, None, now);
        }
    }

    #[test]
    fn the_budget_is_spread_until_the_reset() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminLow;
        assert_eq!(pacer.reserve(b, t0), Duration::ZERO);
        // 4 left for the next second: one every 250 ms.
        pacer.observe(
            b,
            Some(RateLimitHeaders {
                limit: Some(5),
                remaining: 4,
                reset: Duration::from_secs(1),
            }),
            t0,
        );
        let waits: Vec<Duration> = (0..4).map(|_| pacer.reserve(b, t0)).collect();
        assert_eq!(
            waits,
            [0, 250, 500, 750].map(Duration::from_millis),
            "{waits:?}"
        );
        // Other buckets keep their own budget.
        assert_eq!(
            pacer.reserve(RateLimitBucket::AdminHigh, t0),
            Duration::ZERO
        );
    }

    #[test]
    fn an_empty_budget_waits_for_the_reset() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminMedium;
        pacer.reserve(b, t0);
        pacer.observe(
            b,
            Some(RateLimitHeaders {
                limit: Some(10),
                remaining: 0,
                reset: Duration::from_secs(2),
            }),
            t0,
        );
        assert_eq!(pacer.reserve(b, t0), Duration::from_secs(2));
        // Requests in flight count against what is left.
        let pacer = Pacer::default();
        pacer.observe(
            b,
            Some(RateLimitHeaders {
                limit: Some(10),
                remaining: 3,
                reset: Duration::from_secs(1),
            }),
            t0,
        );
        for _ in 0..3 {
            pacer.reserve(b, t0);
        }
        pacer.observe(
            b,
            Some(RateLimitHeaders {
                limit: Some(10),
                remaining: 2,
                reset: Duration::from_secs(1),
            }),
            t0,
        );
        assert!(pacer.reserve(b, t0) >= Duration::from_secs(1));
    }
}
