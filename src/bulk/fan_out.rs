//! Bounded concurrency for independent calls: [`IdentityClient::fan_out`]
//! runs a function over many inputs on a few scoped threads, with no async
//! runtime, and gives the results back in input order.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::client::IdentityClient;

/// The name of `fan_out`'s threads, as panics and debuggers show them.
const FAN_OUT_THREAD: &str = "kratos-fan-out";

impl IdentityClient {
    /// Runs `f` over `inputs` on at most `concurrency` threads and returns
    /// the results in input order.
    ///
    /// Each thread takes the next input as it becomes free, so `inputs` is
    /// consumed lazily: a million ids need not sit in memory at once (the
    /// results do, one per input; fan out chunk by chunk for more). The
    /// threads are scoped: when `fan_out` returns, they are gone. They share
    /// this client, its connection pool and its rate-limit pacing, so with
    /// Ory Network's limit reached more threads do not mean more 429s: they
    /// wait for the budget together. `concurrency` 0 counts as 1, and no
    /// more threads start than there are inputs (when the iterator knows);
    /// if the system refuses a thread, the ones running do the work.
    ///
    /// A panic in `f` stops the handing out of inputs, lets the other
    /// threads finish the call they are in, and is then raised again in the
    /// caller's thread: nothing fails unseen.
    ///
    /// Ory Network refuses concurrent writes to the same identity: see the
    /// [rate limits chapter](crate::guide::rate_limits#bounded-concurrency)
    /// for what to fan out over.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let stale = vec![
    ///     "9f425a8d-7efc-4768-8f23-7647a74fdf13",
    ///     "0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1",
    ///     "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
    /// ];
    /// let results = client.fan_out(stale.iter(), 8, |client, id| {
    ///     client.delete_identity(*id).missing_ok(true).send()
    /// });
    /// for (id, result) in stale.iter().zip(results) {
    ///     if let Err(e) = result {
    ///         eprintln!("{id}: {e}");
    ///     }
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn fan_out<I, T, R, F>(&self, inputs: I, concurrency: usize, f: F) -> Vec<R>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        R: Send,
        F: Fn(&IdentityClient, T) -> R + Sync,
    {
        let inputs = inputs.into_iter();
        // No more threads than inputs, when the iterator knows how many.
        let threads = match inputs.size_hint() {
            (_, Some(upper)) => concurrency.clamp(1, upper.max(1)),
            (_, None) => concurrency.max(1),
        };
        let source = Mutex::new(inputs.enumerate());
        let stop = AtomicBool::new(false);
        // The next input, or `None` when there are no more (or a thread
        // panicked: a panic while reading the inputs poisons them too).
        let next = || {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            match source.lock() {
                Ok(mut inputs) => inputs.next(),
                Err(_) => None,
            }
        };
        let worker = || {
            let mut done: Vec<(usize, R)> = Vec::new();
            while let Some((index, input)) = next() {
                match catch_unwind(AssertUnwindSafe(|| f(self, input))) {
                    Ok(result) => done.push((index, result)),
                    Err(panic) => {
                        stop.store(true, Ordering::Relaxed);
                        return Err(panic);
                    }
                }
            }
            Ok(done)
        };
        let mut results: Vec<(usize, R)> = Vec::new();
        let mut panicked = None;
        std::thread::scope(|scope| {
            // A thread the system refuses (too many already) is not a
            // failure: the threads there are do the work, and with none the
            // caller's thread does.
            let handles: Vec<_> = (0..threads)
                .map_while(|_| {
                    std::thread::Builder::new()
                        .name(FAN_OUT_THREAD.into())
                        .spawn_scoped(scope, worker)
                        .ok()
                })
                .collect();
            let outcomes = match handles.is_empty() {
                true => vec![Ok(worker())],
                false => handles.into_iter().map(|h| h.join()).collect(),
            };
            for outcome in outcomes {
                match outcome {
                    Ok(Ok(done)) => results.extend(done),
                    Ok(Err(panic)) | Err(panic) => {
                        stop.store(true, Ordering::Relaxed);
                        panicked.get_or_insert(panic);
                    }
                }
            }
        });
        if let Some(panic) = panicked {
            resume_unwind(panic);
        }
        results.sort_unstable_by_key(|(index, _)| *index);
        results.into_iter().map(|(_, result)| result).collect()
    }
}
