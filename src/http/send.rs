//! The one path every request takes: build the URL, attach headers (the key
//! only for the configured origin), follow a GET's redirects, turn a non-2xx
//! status into [`Error::Api`], and retry what is safe to retry, all within
//! the call's deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::api::endpoint::{Call, RawResponse};
use crate::api::operation::Method;
use crate::client::IdentityClient;
use crate::error::text::Scrub;
use crate::error::{ApiError, Error, is_kratos_not_found};
use crate::http::pacing::{RateLimitHeaders, parse_seconds};
use crate::http::percent::encode_query;
use crate::http::retry::{is_retryable, parse_retry_after, server_hint};
use crate::http::transport::{HttpRequest, clamp};
use crate::http::url::{origin_of, resolve};

/// The most redirects a GET follows (the schema endpoints answer 307 from
/// the admin port to the public port).
const MAX_REDIRECTS: usize = 5;

/// How long a wait of a cancellable send sleeps before it looks at its
/// cancel flag again.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// One call's clock: when it started and when it must end.
struct Clock {
    started: Instant,
    deadline: Duration,
}

impl Clock {
    /// What is left of the deadline.
    fn left(&self) -> Duration {
        self.deadline.saturating_sub(self.started.elapsed())
    }
}

/// The shortest period between two requests sent to see whether a
/// rate-limit budget that comes back too late to wait for is back.
const PROBE_EVERY: Duration = Duration::from_secs(1);

impl IdentityClient {
    /// Sends a described call, with retries, and returns a 2xx response (or
    /// the 404 of a call that is `missing_ok`).
    pub(crate) fn send_call(&self, call: &Call) -> Result<RawResponse, Error> {
        match self.send_call_cancellable(call, None) {
            Some(result) => result,
            // Only a cancel flag ends a send without a result, and there is
            // none here.
            None => unreachable!("a send without a cancel flag was cancelled"),
        }
    }

    /// The deadline of a call: its own, else the client's, else twice the
    /// call's timeout (60 s with the default 30 s: one retry of an attempt
    /// that timed out still fits).
    pub(crate) fn deadline_of(&self, call: &Call) -> Duration {
        let timeout = call
            .timeout
            .unwrap_or(self.inner.transport.limits().timeout);
        clamp(
            call.deadline
                .or(self.inner.deadline)
                .unwrap_or_else(|| clamp(timeout).saturating_mul(2)),
        )
    }

    /// [`send_call`](Self::send_call), given up once `cancel` is set: it is
    /// looked at before each attempt, before each redirect and during every
    /// wait (for the rate-limit budget, between attempts), so a cancelled
    /// send makes no further request and returns within [`CANCEL_POLL`]. A
    /// request already on the wire runs to its end (within the timeouts).
    /// `None` when given up; never without a flag.
    ///
    /// The whole call (attempts, waits between them, pacing) ends at its
    /// deadline ([`deadline_of`](Self::deadline_of)): no wait that would
    /// pass it is started, and the last attempt's timeouts are cut to what
    /// is left.
    pub(crate) fn send_call_cancellable(
        &self,
        call: &Call,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        let policy = &self.inner.retry;
        let clock = Clock {
            started: Instant::now(),
            deadline: self.deadline_of(call),
        };
        let scrub = self.scrub_for(call);
        let mut attempt: u32 = 1;
        // Whether an earlier attempt may have done the work although it
        // failed (a timeout, a broken connection, a 502 from a proxy).
        let mut maybe_done = false;
        loop {
            let error = match self.attempt(call, &scrub, attempt, &clock, maybe_done, cancel)? {
                Ok(mut response) => {
                    response.query.clone_from(&call.query);
                    response.after_unknown_outcome = maybe_done;
                    return Some(Ok(response));
                }
                Err(error) => error,
            };
            let ended = |error: Error, deadline: bool| {
                let deadline = deadline.then_some(clock.deadline);
                let error = error.after_attempts(attempt, deadline);
                // The one place that knows both whether the call is
                // idempotent and whether its failure may have done the work.
                Some(Err(
                    match !call.idempotent && may_have_reached_the_server(&error) {
                        true => error.that_may_have_been_applied(),
                        false => error,
                    },
                ))
            };
            if matches!(error, Error::RateLimited { .. }) || !is_retryable(&error, call.idempotent)
            {
                return ended(error, false);
            }
            maybe_done |= may_have_reached_the_server(&error);
            if cancelled(cancel) {
                return None;
            }
            let Some(wait) = policy.wait_before(attempt, server_hint(&error)) else {
                return ended(error, false);
            };
            if wait >= clock.left() {
                return ended(error, true);
            }
            // The status or the kind of failure only: an error page's body
            // may quote what the request carried.
            log::warn!(
                "{}: {} {}: attempt {attempt} failed ({}), retrying in {} ms",
                call.operation.name(),
                call.method().as_str(),
                call.log_path(),
                error.log_kind(),
                wait.as_millis()
            );
            sleep_unless_cancelled(wait, cancel);
            if cancelled(cancel) {
                return None;
            }
            attempt += 1;
        }
    }

    /// One attempt, paced to the rate limit, logged, and its status checked;
    /// `None`, with nothing sent, when `cancel` is set before it starts. A
    /// pacing wait longer than the retry policy allows, or past the call's
    /// deadline, is not slept: the call fails at once as rate limited.
    fn attempt(
        &self,
        call: &Call,
        scrub: &Scrub,
        attempt: u32,
        clock: &Clock,
        maybe_done: bool,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        if cancelled(cancel) {
            return None;
        }
        let bucket = call.operation.rate_limit_bucket();
        let pacer = self.inner.pacer.as_ref();
        if let Some(pacer) = pacer {
            let now = Instant::now();
            let mut wait = pacer.reserve(bucket, now);
            let longest = self.inner.retry.max_retry_after;
            if wait > longest && pacer.probe(bucket, now, longest.max(PROBE_EVERY)) {
                // Once in a while one request goes to see whether the
                // budget is back: the answer says, and sets the pace again.
                pacer.release(bucket, now, wait);
                log::warn!(
                    "{}: {} {}: the {bucket} rate-limit budget was said to come back in {} ms; sending this request to see whether it is back",
                    call.operation.name(),
                    call.method().as_str(),
                    call.log_path(),
                    wait.as_millis()
                );
                wait = Duration::ZERO;
            } else if wait > longest || wait >= clock.left() {
                pacer.release(bucket, now, wait);
                log::warn!(
                    "{}: {} {}: the {bucket} rate-limit budget comes back in {} ms, longer than the client waits; not sending",
                    call.operation.name(),
                    call.method().as_str(),
                    call.log_path(),
                    wait.as_millis()
                );
                return Some(Err(Error::RateLimited {
                    operation: call.operation,
                    bucket,
                    retry_after: wait,
                }));
            }
            if wait >= Duration::from_millis(500) {
                log::warn!(
                    "{}: {} {}: waiting {} ms for the {bucket} rate-limit budget",
                    call.operation.name(),
                    call.method().as_str(),
                    call.log_path(),
                    wait.as_millis()
                );
            } else if !wait.is_zero() {
                log::trace!("{bucket}: pacing {} ms", wait.as_millis());
            }
            sleep_unless_cancelled(wait, cancel);
            if cancelled(cancel) {
                // Gives the reservation back: this request is not on its way.
                pacer.release(bucket, now, wait);
                return None;
            }
        }
        let started = Instant::now();
        let Some(result) = self.send_once(call, scrub, clock, cancel) else {
            if let Some(pacer) = pacer {
                pacer.observe(bucket, None, started, Instant::now());
            }
            return None;
        };
        let elapsed = started.elapsed().as_millis();
        let method = call.method().as_str();
        let path = call.log_path();
        let operation = call.operation.name();
        match &result {
            Ok(response) => {
                log::debug!(
                    "{operation}: {method} {path} -> {} in {elapsed} ms (attempt {attempt})",
                    response.status
                );
            }
            Err(error) => {
                log::debug!(
                    "{operation}: {method} {path} -> failed after {elapsed} ms (attempt {attempt}): {}",
                    error
                        .transport_kind()
                        .map_or_else(|| "error".to_string(), |k| k.to_string())
                );
            }
        }
        if let Some(pacer) = pacer {
            let headers = result
                .as_ref()
                .ok()
                .and_then(|r| RateLimitHeaders::read(&r.headers));
            pacer.observe(bucket, headers, started, Instant::now());
        }
        let retried_delete_done = maybe_done && call.method() == Method::Delete;
        Some(
            result.and_then(|response| {
                self.check_status(response, call, attempt, retried_delete_done)
            }),
        )
    }

    /// One exchange: the request and any redirects it is answered with;
    /// `None` when `cancel` is set before a redirect is followed.
    fn send_once(
        &self,
        call: &Call,
        scrub: &Scrub,
        clock: &Clock,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        let inner = &self.inner;
        let mut url = inner.base.join(&call.path);
        if !call.query.is_empty() {
            url.push('?');
            url.push_str(&encode_query(&call.query));
        }
        let shown_path = self.shown_path(call);
        let home = inner.base.origin();
        let mut hops = 0;
        loop {
            // The key and the user's own headers go to the configured origin only.
            let origin = origin_of(&url).unwrap_or_else(|| home.clone());
            let same_origin = origin == home;
            let mut headers = match same_origin {
                true => inner.headers.clone(),
                false => inner.headers[..inner.default_headers].to_vec(),
            };
            if let (true, Some(token)) = (same_origin, &inner.token) {
                headers.push(("authorization".to_string(), token.bearer()));
            }
            let response = match inner.transport.send(&HttpRequest {
                operation: call.operation,
                url: &url,
                origin: &origin,
                shown_path: &shown_path,
                scrub,
                headers: &headers,
                body: call.body.as_deref(),
                timeout: call.timeout,
                deadline_left: Some(clock.left()),
            }) {
                Ok(response) => response,
                Err(error) => return Some(Err(error)),
            };
            let location = response.headers.get("location").filter(|l| !l.is_empty());
            match location {
                Some(location)
                    if call.method() == Method::Get
                        && matches!(response.status, 301 | 302 | 303 | 307 | 308)
                        && hops < MAX_REDIRECTS =>
                {
                    if cancelled(cancel) {
                        return None;
                    }
                    url = resolve(&url, location);
                    hops += 1;
                }
                _ => return Some(Ok(response)),
            }
        }
    }

    /// The path requested, as errors show it: the base URL's prefix and the
    /// operation's template, never a value.
    fn shown_path(&self, call: &Call) -> String {
        format!("{}{}", self.inner.base.prefix(), call.operation.path())
    }

    /// What an error may not repeat of this call: the API key and the
    /// call's private values (see [`Call::private_values`]).
    fn scrub_for(&self, call: &Call) -> Scrub {
        let mut scrub = Scrub::default();
        if let Some(token) = &self.inner.token {
            scrub = scrub.value(token.expose());
        }
        for value in call.private_values() {
            scrub = scrub.value(value);
        }
        scrub
    }

    /// Passes a 2xx response through, and Kratos's 404 when the call is
    /// `missing_ok` or is a DELETE that an earlier attempt may have done
    /// (the goal holds); anything else becomes [`Error::Api`].
    fn check_status(
        &self,
        response: RawResponse,
        call: &Call,
        attempt: u32,
        retried_delete_done: bool,
    ) -> Result<RawResponse, Error> {
        let kratos_404 = response.status == 404 && is_kratos_not_found(&response.body);
        if (200..300).contains(&response.status) || (kratos_404 && call.missing_ok) {
            return Ok(response);
        }
        if kratos_404 && retried_delete_done {
            log::warn!(
                "{}: DELETE {}: attempt {attempt} found it gone after an attempt whose outcome was unknown: taking that as done",
                call.operation.name(),
                call.log_path()
            );
            return Ok(response);
        }
        let headers = &response.headers;
        let error_id = headers.get("ory-error-id").map(str::to_string);
        let now = SystemTime::now();
        let mut retry_after = headers
            .get("retry-after")
            .and_then(|v| parse_retry_after(v, now));
        if retry_after.is_none() && response.status == 429 {
            retry_after = headers.get("x-ratelimit-reset").and_then(parse_seconds);
        }
        let mut error = ApiError::from_response(
            Some(response.operation),
            response.status,
            error_id,
            retry_after,
            &response.body,
            &response.scrub,
        );
        error.path = Some(self.shown_path(call));
        Err(Error::Api(Box::new(error)))
    }
}

/// Whether a failed attempt may have done its work on the server: an
/// answer from a proxy in front of it (502, 503, 504), or a transport
/// failure after the request may have been sent.
fn may_have_reached_the_server(error: &Error) -> bool {
    match error {
        Error::Api(api) => matches!(api.status, 502..=504),
        Error::Transport { kind, .. } => !kind.before_request_sent(),
        _ => false,
    }
}

/// Whether the send was given up (never, without a flag).
fn cancelled(cancel: Option<&AtomicBool>) -> bool {
    cancel.is_some_and(|flag| flag.load(Ordering::Relaxed))
}

/// Sleeps for `wait`, or less when `cancel` is set meanwhile (noticed within
/// [`CANCEL_POLL`]); without a flag, in one sleep.
fn sleep_unless_cancelled(wait: Duration, cancel: Option<&AtomicBool>) {
    let Some(flag) = cancel else {
        std::thread::sleep(wait);
        return;
    };
    let started = Instant::now();
    while !flag.load(Ordering::Relaxed) {
        let left = wait.saturating_sub(started.elapsed());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(CANCEL_POLL));
    }
}
