//! The one path every request takes: build the URL, attach headers (the key
//! only for the configured origin), follow a GET's redirects, turn a non-2xx
//! status into [`Error::Api`], and retry what is safe to retry.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::api::endpoint::{Call, RawResponse};
use crate::api::operation::Method;
use crate::client::IdentityClient;
use crate::error::{ApiError, Error, is_kratos_not_found};
use crate::http::pacing::{RateLimitHeaders, parse_seconds};
use crate::http::retry::{is_retryable, parse_retry_after, server_hint};
use crate::http::transport::HttpRequest;
use crate::http::url::{encode_component, encode_query, origin_of, resolve};

/// The most redirects a GET follows (the schema endpoints answer 307 from
/// the admin port to the public port).
const MAX_REDIRECTS: usize = 5;

/// How long a wait of a cancellable send sleeps before it looks at its
/// cancel flag again.
const CANCEL_POLL: Duration = Duration::from_millis(20);

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

    /// [`send_call`](Self::send_call), given up once `cancel` is set: it is
    /// looked at before each attempt, before each redirect and during every
    /// wait (for the rate-limit budget, between attempts), so a cancelled
    /// send makes no further request and returns within [`CANCEL_POLL`]. A
    /// request already on the wire runs to its end (within the timeouts).
    /// `None` when given up; never without a flag.
    pub(crate) fn send_call_cancellable(
        &self,
        call: &Call,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        let policy = &self.inner.retry;
        let mut attempt: u32 = 1;
        loop {
            let error = match self.attempt(call, attempt, cancel)? {
                Ok(mut response) => {
                    response.query.clone_from(&call.query);
                    return Some(Ok(response));
                }
                Err(error) => error,
            };
            if !is_retryable(&error, call.idempotent) {
                return Some(Err(error));
            }
            if cancelled(cancel) {
                return None;
            }
            match policy.wait_before(attempt, server_hint(&error)) {
                Some(wait) => {
                    // The status or the kind of failure only: an error
                    // page's body may quote what the request carried.
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
                }
                None if attempt == 1 => return Some(Err(error)),
                None => {
                    return Some(Err(Error::RetriesExhausted {
                        attempts: attempt,
                        last: Box::new(error),
                    }));
                }
            }
            attempt += 1;
        }
    }

    /// One attempt, paced to the rate limit, logged, and its status checked;
    /// `None`, with nothing sent, when `cancel` is set before it starts.
    fn attempt(
        &self,
        call: &Call,
        attempt: u32,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        if cancelled(cancel) {
            return None;
        }
        let bucket = call.operation.rate_limit_bucket();
        let pacer = self.inner.pacer.as_ref();
        if let Some(pacer) = pacer {
            let now = Instant::now();
            let wait = pacer.reserve(bucket, now);
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
        let Some(result) = self.send_once(call, cancel) else {
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
        Some(result.and_then(|response| check_status(response, call)))
    }

    /// One exchange: the request and any redirects it is answered with;
    /// `None` when `cancel` is set before a redirect is followed.
    fn send_once(
        &self,
        call: &Call,
        cancel: Option<&AtomicBool>,
    ) -> Option<Result<RawResponse, Error>> {
        let inner = &self.inner;
        let mut url = inner.base.join(&call.path);
        if !call.query.is_empty() {
            url.push('?');
            url.push_str(&encode_query(&call.query));
        }
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
                headers: &headers,
                body: call.body.as_deref(),
                timeout: call.timeout,
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

/// Passes a 2xx response through (and Kratos's 404 when the call is
/// `missing_ok`); anything else becomes [`Error::Api`].
fn check_status(response: RawResponse, call: &Call) -> Result<RawResponse, Error> {
    let missing = call.missing_ok && response.status == 404 && is_kratos_not_found(&response.body);
    if (200..300).contains(&response.status) || missing {
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
    );
    // A proxy's or SSO page may echo the request URL: not with the query
    // values this call sent (an email address, a page token).
    if let Some(raw) = &mut error.raw_body {
        for (_, value) in &call.query {
            if value.len() >= 3 {
                for form in [
                    value.clone(),
                    encode_component(value),
                    value.replace(' ', "+"),
                ] {
                    *raw = raw.replace(&form, "…");
                }
            }
        }
    }
    Err(Error::Api(Box::new(error)))
}
