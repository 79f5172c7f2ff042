//! When and how long to wait before trying a failed request again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::http::transport::clamp;

/// How failed requests are retried.
///
/// Waits grow exponentially from [`initial_backoff`](Self::initial_backoff)
/// up to [`max_backoff`](Self::max_backoff), with jitter. A `Retry-After`
/// header (seconds or an HTTP date) or, on a 429, `x-ratelimit-reset` is
/// honoured when it asks for no more than
/// [`max_retry_after`](Self::max_retry_after); a longer demand ends the
/// retries with the 429 itself. Which failures are retried, and which
/// requests only when they certainly did not reach the server: see the
/// [reliability chapter](crate::guide::reliability#what-is-retried).
///
/// ```
/// use std::time::Duration;
/// use kratos_identity::{IdentityClient, RetryPolicy};
///
/// let client = IdentityClient::builder("http://127.0.0.1:4434")
///     .retry(RetryPolicy::default().max_retries(5).max_backoff(Duration::from_secs(30)))
///     .build()?;
/// let no_retries = IdentityClient::builder("http://127.0.0.1:4434").max_retries(0).build()?;
/// # Ok::<(), kratos_identity::Error>(())
/// ```
///
/// Read the settings from its fields (`policy.max_retries`); set them with
/// the methods of the same names, which return the policy for chaining.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// The wait before the first retry, doubled for each further one.
    pub initial_backoff: Duration,
    /// The longest computed wait between two attempts.
    pub max_backoff: Duration,
    /// The longest wait a server may ask for (`Retry-After`,
    /// `x-ratelimit-reset`), and the longest pacing wait the client sleeps;
    /// a longer one ends the call with the 429, or with
    /// [`Error::RateLimited`](crate::Error::RateLimited) unsent.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, backoff from 250 ms up to 8 s, server-requested waits up
    /// to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy::default().max_retries(0)
    }

    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry, doubled for each further one. Any
    /// `Duration` works; values beyond about 100 years are clamped to that.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = clamp(wait);
        self
    }

    /// The longest computed wait between two attempts. Any `Duration`
    /// works; values beyond about 100 years are clamped to that.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = clamp(wait);
        self
    }

    /// The longest wait a server may ask for with `Retry-After` or
    /// `x-ratelimit-reset`, and the longest pacing wait the client sleeps
    /// before a request; a longer one is not waited for. Any `Duration`
    /// works; values beyond about 100 years are clamped to that.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = clamp(wait);
        self
    }

    /// The wait before retry number `retry` (1-based), or `None` when no
    /// retry should be made: out of retries, or the server asked for a
    /// longer wait than allowed.
    pub(crate) fn wait_before(
        &self,
        retry: u32,
        server_hint: Option<Duration>,
    ) -> Option<Duration> {
        if retry > self.max_retries {
            return None;
        }
        if let Some(hint) = server_hint {
            return (hint <= clamp(self.max_retry_after)).then_some(hint);
        }
        let exp = clamp(self.initial_backoff)
            .saturating_mul(1u32 << (retry - 1).min(20))
            .min(clamp(self.max_backoff));
        // "Equal jitter": half fixed, half random, so waits never collapse to zero.
        let half = exp / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_nanos == 0 {
            0
        } else {
            random_u64() % jitter_nanos
        };
        Some(half.saturating_add(Duration::from_nanos(jitter)))
    }
}

/// Whether a failure may be retried, given whether the request is safe to
/// repeat after it may have reached the server.
pub(crate) fn is_retryable(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::Api(api) => match api.status {
            429 => true,
            502..=504 => idempotent,
            _ => false,
        },
        Error::Transport { kind, .. } => idempotent || kind.before_request_sent(),
        _ => false,
    }
}

/// The wait a failed response asked for, if any.
pub(crate) fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Api(api) => api.retry_after,
        _ => None,
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (IMF-fixdate).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = time::OffsetDateTime::from(now);
    let wait = at - now;
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Parses an HTTP date (IMF-fixdate, `Wed, 21 Oct 2015 07:28:00 GMT`), as
/// `Retry-After` and `Date` carry it.
pub(crate) fn parse_http_date(value: &str) -> Option<time::OffsetDateTime> {
    let format = time::format_description::parse_borrowed::<2>(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT",
    )
    .ok()?;
    time::PrimitiveDateTime::parse(value.trim(), &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// A cheap, well-mixed pseudo-random number for jitter (splitmix64 over a
/// counter and the clock); not for anything secret.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    let mut z = COUNTER
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(nanos);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_hints() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(400))
            .max_retries(5);
        for _ in 0..100 {
            let w1 = p.wait_before(1, None).unwrap();
            assert!(
                w1 >= Duration::from_millis(50) && w1 <= Duration::from_millis(100),
                "{w1:?}"
            );
            let w5 = p.wait_before(5, None).unwrap();
            assert!(
                w5 >= Duration::from_millis(200) && w5 <= Duration::from_millis(400),
                "{w5:?}"
            );
        }
        assert_eq!(p.wait_before(6, None), None);
        assert_eq!(
            p.wait_before(1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.wait_before(1, Some(Duration::from_secs(61))), None);
        assert_eq!(RetryPolicy::none().wait_before(1, None), None);
    }

    #[test]
    fn a_hint_is_waited_up_to_max_retry_after_and_not_beyond() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(p.max_retry_after, Duration::from_secs(5));
        let five = Duration::from_secs(5);
        assert_eq!(p.wait_before(1, Some(five)), Some(five));
        assert_eq!(p.wait_before(1, Some(five + Duration::from_nanos(1))), None);
        assert_eq!(p.wait_before(3, Some(Duration::ZERO)), Some(Duration::ZERO));
        // Out of retries, a hint changes nothing.
        assert_eq!(p.wait_before(4, Some(Duration::ZERO)), None);
    }

    #[test]
    fn getters_return_what_the_setters_set() {
        let p = RetryPolicy::default()
            .max_retries(7)
            .initial_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(900))
            .max_retry_after(Duration::from_secs(2));
        assert_eq!(p.max_retries, 7);
        assert_eq!(p.initial_backoff, Duration::from_millis(10));
        assert_eq!(p.max_backoff, Duration::from_millis(900));
        assert_eq!(p.max_retry_after, Duration::from_secs(2));
        assert_eq!(RetryPolicy::default().max_retries, 3);
        assert_eq!(RetryPolicy::none().max_retries, 0);
        // The number of retries is what wait_before allows.
        assert!(p.wait_before(7, None).is_some());
        assert!(p.wait_before(8, None).is_none());
    }

    #[test]
    fn zero_and_tiny_backoffs_wait_nothing_and_never_panic() {
        for initial in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(2),
        ] {
            let p = RetryPolicy::default()
                .initial_backoff(initial)
                .max_retries(30);
            for retry in 1..=30 {
                let wait = p.wait_before(retry, None).unwrap();
                assert!(wait <= p.max_backoff, "{initial:?} {retry}: {wait:?}");
            }
            // Half fixed, and a jitter range of at most one nanosecond.
            assert_eq!(p.wait_before(1, None), Some(initial / 2), "{initial:?}");
        }
        let zero = RetryPolicy::default().initial_backoff(Duration::ZERO);
        assert_eq!(zero.wait_before(1, None), Some(Duration::ZERO));
        let zero_cap = RetryPolicy::default().max_backoff(Duration::ZERO);
        assert_eq!(zero_cap.wait_before(3, None), Some(Duration::ZERO));
    }

    #[test]
    fn waits_vary_with_jitter() {
        let p = RetryPolicy::default().initial_backoff(Duration::from_millis(100));
        let waits: std::collections::HashSet<Duration> =
            (0..200).map(|_| p.wait_before(1, None).unwrap()).collect();
        // Equal jitter over 50 ms in nanoseconds: 200 draws are all but
        // certain to be mostly distinct; a constant would give one.
        assert!(waits.len() > 150, "{} distinct waits", waits.len());
        let (low, high) = waits.iter().fold((u128::MAX, 0), |(lo, hi), w| {
            (lo.min(w.as_nanos()), hi.max(w.as_nanos()))
        });
        // Spread over the jitter range, not bunched at one end.
        assert!(low < 60_000_000 && high > 90_000_000, "{low}..{high}");
    }

    #[test]
    fn random_numbers_differ_call_to_call() {
        let draws: std::collections::HashSet<u64> = (0..1000).map(|_| random_u64()).collect();
        assert_eq!(draws.len(), 1000);
        // Well mixed: every bit is set in some draw and clear in another.
        let any = draws.iter().fold(0, |acc, d| acc | d);
        let all = draws.iter().fold(u64::MAX, |acc, d| acc & d);
        assert_eq!((any, all), (u64::MAX, 0));
    }
}
