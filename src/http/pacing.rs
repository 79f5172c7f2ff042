//! Rate-limit pacing, shared by every clone of a client: what Ory Network's
//! `x-ratelimit-*` headers say of each bucket's budget, and how long the
//! next request of that bucket waits so that the budget lasts until the
//! window resets, instead of being spent at once and then waited out on
//! 429s.
//!
//! Two things set when a bucket's next request starts:
//! - the steady rate the quota allows: `limit` requests per window (the
//!   window from the IETF draft's `w=`, or learned from `x-ratelimit-reset`
//!   on the first answer of a window), with a 2% margin for clocks and
//!   network;
//!   without a quota, what is left is spread evenly until the window ends;
//! - what is left of the current window: with nothing left (the server's
//!   `remaining` less the requests already on their way), the next request
//!   waits for the next window.
//!
//! `x-ratelimit-reset` comes in whole seconds, which for a one-second
//! window says "1" until the very end. So the pacer also tracks the window
//! itself: the request whose answer says `remaining = limit - 1` was the
//! first of a window, which ends one window length after it was sent.
//!
//! An answer without the headers (self-hosted Kratos) changes nothing: a
//! bucket that never saw them is never paced.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api::operation::RateLimitBucket;
use crate::http::response::Headers;

/// The steady spacing is the quota's, stretched by this much, so that
/// requests paced at the limit do not meet it.
const MARGIN: f64 = 1.02;

/// The longest window, spacing or wait the pacer works with: whatever the
/// headers say, no request waits longer than a day.
const LONGEST: Duration = Duration::from_secs(86_400);

/// `t + d`, with `d` at most [`LONGEST`]: never an overflow.
fn after(t: Instant, d: Duration) -> Instant {
    let d = d.min(LONGEST);
    t.checked_add(d).unwrap_or(t)
}

/// The pacing state of the three buckets.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    buckets: [Mutex<Bucket>; 3],
}

/// What one bucket's answers said, and the schedule it implies.
#[derive(Debug, Default)]
struct Bucket {
    /// No answer of this bucket carried the headers yet: no pacing.
    known: bool,
    /// The earliest time the next request may start.
    next_start: Option<Instant>,
    /// The spacing of requests.
    interval: Duration,
    /// The window's length as the answers tell it, when no `w=` says it:
    /// `x-ratelimit-reset` on the first answer of a window, or until one
    /// comes, the longest reset seen.
    window: Duration,
    /// `window` was read from the first answer of a window: a longer reset
    /// seen later (a temporary block, say) does not stretch it.
    window_measured: bool,
    /// When the current window ends, as far as the answers tell.
    window_end: Option<Instant>,
    /// Requests started but not answered yet: the server's `remaining`
    /// does not count them.
    in_flight: u32,
    /// When the last reserved request starts: a shorter spacing learned
    /// later moves the next start closer to it.
    last_start: Option<Instant>,
    /// When the last request went through to see whether a budget that
    /// comes back too late to wait for (a temporary block, a proxy's odd
    /// headers) is back after all: one per [`Pacer::probe`] period.
    last_probe: Option<Instant>,
}

/// The rate-limit headers of one answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateLimitHeaders {
    /// The quota of the current window (`x-ratelimit-limit`).
    pub(crate) limit: Option<u64>,
    /// The shortest spacing the draft form's policies allow (`q;w=s`: one
    /// request every `s/q` seconds, the strictest of them).
    pub(crate) policy_interval: Option<Duration>,
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
        let limit_header = headers.get("x-ratelimit-limit");
        Some(RateLimitHeaders {
            limit: limit_header.and_then(parse_limit),
            policy_interval: limit_header.and_then(policy_interval),
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

/// The strictest spacing of the draft form's policies (`q;w=s`): the
/// longest `s/q` among them. `None` when no item names its window.
fn policy_interval(value: &str) -> Option<Duration> {
    value
        .split(',')
        .filter_map(|policy| {
            let mut parts = policy.split(';');
            let quota: f64 = parts.next()?.trim().parse().ok()?;
            let window = parts.find_map(|p| {
                let (key, value) = p.split_once('=')?;
                (key.trim() == "w").then(|| value.trim().parse::<f64>().ok())?
            })?;
            (quota >= 1.0 && window.is_finite() && window > 0.0).then(|| window / quota)
        })
        .fold(None, |longest: Option<f64>, s| {
            Some(longest.map_or(s, |l| l.max(s)))
        })
        .map(|secs| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Whole or fractional seconds (`"1"`, `"0.25"`), non-negative and finite.
pub(crate) fn parse_seconds(value: &str) -> Option<Duration> {
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
        state.in_flight = state.in_flight.saturating_add(1);
        if !state.known {
            return Duration::ZERO;
        }
        let start = state.next_start.map_or(now, |next| next.max(now));
        state.next_start = Some(after(start, state.interval));
        state.last_start = Some(start);
        start - now
    }

    /// Whether a request the budget cannot let through within `every` may
    /// go through now all the same, to see whether the budget is back: one
    /// every `every`, the first one `every` after the first refusal, so a
    /// block the answers announce is honoured, and one that was never real
    /// (or ended early) does not hold the bucket for its whole length. A
    /// request let through is on its way (like [`reserve`](Self::reserve)).
    pub(crate) fn probe(&self, bucket: RateLimitBucket, now: Instant, every: Duration) -> bool {
        let mut state = self
            .bucket(bucket)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match state.last_probe {
            Some(last) if now >= after(last, every) => {
                state.last_probe = Some(now);
                state.in_flight = state.in_flight.saturating_add(1);
                // The request goes now: its answer's spacing counts from here.
                state.last_start = Some(now);
                true
            }
            Some(_) => false,
            None => {
                state.last_probe = Some(now);
                false
            }
        }
    }

    /// Gives back the reservation that [`reserve`](Self::reserve) made at
    /// `now` with this `wait`, for a request that will not be sent: it is
    /// no longer on its way, and if no request was reserved after it, the
    /// next one may take its place.
    pub(crate) fn release(&self, bucket: RateLimitBucket, now: Instant, wait: Duration) {
        let start = now + wait;
        let mut state = self
            .bucket(bucket)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.known && state.last_start == Some(start) {
            state.next_start = Some(start);
        }
    }

    /// Learns from the answer of a request of `bucket` sent at `sent` (with
    /// or without the headers).
    pub(crate) fn observe(
        &self,
        bucket: RateLimitBucket,
        headers: Option<RateLimitHeaders>,
        sent: Instant,
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
        let limit = h.limit.filter(|&l| l > 0);
        // The answer to the first request of a window says `limit - 1`.
        let first_of_window = limit.and_then(|l| l.checked_sub(1)) == Some(h.remaining);
        if first_of_window && !h.reset.is_zero() {
            state.window = h.reset;
            state.window_measured = true;
        } else if !state.window_measured {
            state.window = state.window.max(h.reset);
        }
        let window = match (h.policy_interval, limit) {
            (Some(interval), Some(limit)) => Some(
                interval
                    .checked_mul(u32::try_from(limit).unwrap_or(u32::MAX))
                    .unwrap_or(LONGEST)
                    .min(LONGEST),
            ),
            _ if !state.window.is_zero() => Some(state.window.min(LONGEST)),
            _ => None,
        };
        let steady = match (h.policy_interval, limit, window) {
            (Some(interval), _, _) => Some(interval),
            (None, Some(limit), Some(window)) => {
                Some(window / u32::try_from(limit).unwrap_or(u32::MAX))
            }
            _ => None,
        };
        // The first request of a window: the window ends a window after it
        // (with the margin: the server started it a little after `sent`).
        if let (true, Some(window)) = (first_of_window, window) {
            state.window_end = Some(after(sent, window.mul_f64(MARGIN)));
        }
        let window_end = state
            .window_end
            .filter(|&end| end > now)
            .unwrap_or_else(|| after(now, h.reset));
        // The budget left for requests not yet started: the server's count
        // less those already on their way to it.
        let budget = h.remaining.saturating_sub(u64::from(state.in_flight));
        if budget > 0 {
            state.last_probe = None;
        }
        if budget == 0 {
            // Nothing left: the next request waits for the next window.
            state.next_start = Some(state.next_start.map_or(window_end, |n| n.max(window_end)));
        }
        state.interval = match steady {
            Some(steady) => steady.min(LONGEST).mul_f64(MARGIN),
            // No quota to go by: spread what is left until the window ends.
            None => (window_end - now) / u32::try_from(budget.max(1)).unwrap_or(u32::MAX),
        };
        // A spacing shorter than the one the next start was reserved with
        // (a long reset that has passed, say) applies from now on.
        if budget > 0
            && let (Some(last), Some(next)) = (state.last_start, state.next_start)
        {
            let sooner = after(last, state.interval);
            if sooner < next {
                state.next_start = Some(sooner.max(now));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        Headers::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn seen(limit: &str, remaining: u64, reset: u64) -> RateLimitHeaders {
        RateLimitHeaders {
            limit: parse_limit(limit),
            policy_interval: policy_interval(limit),
            remaining,
            reset: Duration::from_secs(reset),
        }
    }

    #[test]
    fn reads_the_headers_in_every_form_and_never_fails() {
        let h = RateLimitHeaders::read(&headers(&[
            ("x-ratelimit-limit", "10, 10;w=1, 300;w=60"),
            ("x-ratelimit-remaining", "7"),
            ("x-ratelimit-reset", "1"),
        ]))
        .unwrap();
        assert_eq!(h.limit, Some(10));
        assert_eq!(h.remaining, 7);
        assert_eq!(h.reset, Duration::from_secs(1));
        // 10 a second allows one every 100 ms; 300 a minute one every
        // 200 ms: the stricter one wins.
        assert_eq!(h.policy_interval, Some(Duration::from_millis(200)));
        assert_eq!(parse_limit("5"), Some(5));
        assert_eq!(parse_limit(" 18 ;w=1"), Some(18));
        assert_eq!(parse_limit("lots"), None);
        assert_eq!(parse_limit(""), None);
        assert_eq!(policy_interval("5"), None);
        assert_eq!(policy_interval("5;w=1"), Some(Duration::from_millis(200)));
        for odd in ["5;w=0", "0;w=1", "5;w=x", "5;w=-1", ";;;", "w=1"] {
            assert_eq!(policy_interval(odd), None, "{odd}");
        }
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
            pacer.observe(RateLimitBucket::AdminLow, None, now, now);
        }
    }

    #[test]
    fn requests_are_spaced_at_the_quotas_rate_with_a_margin() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminLow;
        assert_eq!(pacer.reserve(b, t0), Duration::ZERO);
        // 5 a second: one every 200 ms, plus 2%.
        pacer.observe(b, Some(seen("5", 4, 1)), t0, t0);
        let waits: Vec<u128> = (0..4).map(|_| pacer.reserve(b, t0).as_millis()).collect();
        assert_eq!(waits, [0, 204, 408, 612]);
        // Other buckets keep their own budget.
        assert_eq!(
            pacer.reserve(RateLimitBucket::AdminHigh, t0),
            Duration::ZERO
        );

        // A burst that spent the window waits for the next one: the window
        // started with the request whose answer said `limit - 1`.
        let pacer = Pacer::default();
        for _ in 0..5 {
            pacer.reserve(b, t0);
        }
        pacer.observe(b, Some(seen("5;w=1", 4, 1)), t0, t0);
        let later = t0 + Duration::from_millis(300);
        for remaining in [3, 2, 1, 0] {
            pacer.observe(b, Some(seen("5;w=1", remaining, 1)), t0, later);
        }
        assert_eq!(pacer.reserve(b, later), Duration::from_millis(720));
    }

    #[test]
    fn a_released_reservation_gives_its_place_to_the_next_request() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminLow;
        pacer.reserve(b, t0);
        pacer.observe(b, Some(seen("5", 4, 1)), t0, t0);
        assert_eq!(pacer.reserve(b, t0), Duration::ZERO);
        let second = pacer.reserve(b, t0);
        assert_eq!(second, Duration::from_millis(204));
        // The second is given up: the next request takes its slot, not the
        // one after it.
        pacer.release(b, t0, second);
        assert_eq!(pacer.reserve(b, t0), Duration::from_millis(204));
        // Releasing one that is no longer the last changes no schedule.
        pacer.release(b, t0, Duration::ZERO);
        assert_eq!(pacer.reserve(b, t0), Duration::from_millis(408));
    }

    #[test]
    fn a_long_reset_once_does_not_slow_the_client_for_good() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminLow;
        // A temporary block: nothing left for 30 s.
        pacer.reserve(b, t0);
        pacer.observe(b, Some(seen("10", 0, 30)), t0, t0);
        // The next window's first answer says 9 left, 1 s to go: the window
        // is a second long again, and requests are spaced 102 ms apart
        // after the one that started at t1.
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(pacer.reserve(b, t1), Duration::ZERO);
        pacer.observe(b, Some(seen("10", 9, 1)), t1, t1);
        let waits: Vec<u128> = (0..3).map(|_| pacer.reserve(b, t1).as_millis()).collect();
        assert_eq!(waits, [102, 204, 306]);
        // A later long reset does not stretch it again.
        pacer.observe(b, Some(seen("10", 5, 7)), t1, t1);
        assert!(pacer.reserve(b, t1) < Duration::from_secs(1));
    }

    #[test]
    fn huge_or_odd_header_values_never_panic() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminHigh;
        for (limit, remaining, reset) in [
            ("10", u64::MAX, 1),
            ("18446744073709551615", u64::MAX, 86_400),
            ("0", 0, 0),
            ("5", 0, u64::MAX),
            ("1", 0, 86_400 * 365),
            ("18446744073709551615;w=1", 3, 1),
        ] {
            pacer.reserve(b, t0);
            pacer.observe(b, Some(seen(limit, remaining, reset)), t0, t0);
            let _ = pacer.reserve(b, t0);
        }
    }

    #[test]
    fn without_a_quota_what_is_left_is_spread_until_the_reset() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminMedium;
        pacer.observe(b, Some(seen("", 4, 2)), t0, t0);
        let waits: Vec<u128> = (0..3).map(|_| pacer.reserve(b, t0).as_millis()).collect();
        assert_eq!(waits, [0, 500, 1000]);
    }

    #[test]
    fn an_empty_budget_waits_for_the_reset() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let b = RateLimitBucket::AdminMedium;
        pacer.reserve(b, t0);
        pacer.observe(b, Some(seen("10", 0, 2)), t0, t0);
        assert_eq!(pacer.reserve(b, t0), Duration::from_secs(2));
        // Requests in flight count against what is left.
        let pacer = Pacer::default();
        pacer.observe(b, Some(seen("10", 3, 1)), t0, t0);
        for _ in 0..3 {
            pacer.reserve(b, t0);
        }
        pacer.observe(b, Some(seen("10", 2, 1)), t0, t0);
        assert!(pacer.reserve(b, t0) >= Duration::from_secs(1));
    }
}
