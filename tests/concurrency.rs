//! Bounded concurrency (`fan_out`) and the rate-limit pacing every clone of
//! a client shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use kratos_identity::IdentityClient;

fn client(server: &MockServer) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

#[test]
fn fan_out_gives_the_results_in_input_order() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        then.status(204);
    });
    let client = client(&server);
    // Later inputs finish first: the order comes from the inputs, not the clock.
    let results = client.fan_out(0..40u64, 8, |client, i| {
        std::thread::sleep(Duration::from_millis((40 - i) % 7));
        client
            .delete_identity(format!("9f425a8d-7efc-4768-8f23-{i:012}"))
            .send()
            // What the delete found (it was `()`): a 204, so `Deleted`.
            .map(|found| {
                assert!(found.is_deleted());
                i
            })
    });
    let got: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(got, (0..40).collect::<Vec<_>>());

    assert!(client.fan_out(Vec::<u8>::new(), 4, |_, x| x).is_empty());
    // Zero threads means one.
    assert_eq!(client.fan_out([1, 2, 3], 0, |_, x| x * 2), [2, 4, 6]);
}

#[test]
fn fan_out_runs_at_most_concurrency_calls_at_once_and_reads_inputs_lazily() {
    let server = MockServer::start();
    let client = client(&server);
    let running = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    let pulled = Arc::new(AtomicUsize::new(0));
    let finished = AtomicUsize::new(0);
    let ahead = AtomicUsize::new(0);
    let inputs = {
        let pulled = Arc::clone(&pulled);
        (0..200).inspect(move |_| {
            pulled.fetch_add(1, Ordering::SeqCst);
        })
    };
    client.fan_out(inputs, 4, |_, _| {
        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(now, Ordering::SeqCst);
        let read_ahead = pulled.load(Ordering::SeqCst) - finished.load(Ordering::SeqCst);
        ahead.fetch_max(read_ahead, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(2));
        finished.fetch_add(1, Ordering::SeqCst);
        running.fetch_sub(1, Ordering::SeqCst);
    });
    assert_eq!(pulled.load(Ordering::SeqCst), 200);
    let most = most.load(Ordering::SeqCst);
    assert!((2..=4).contains(&most), "{most} at once");
    // Never more inputs read than there are threads working on them.
    assert!(ahead.load(Ordering::SeqCst) <= 4, "{ahead:?}");
}

#[test]
fn a_panic_in_one_call_comes_back_to_the_caller_and_stops_the_rest() {
    let server = MockServer::start();
    let client = client(&server);
    let done = AtomicUsize::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.fan_out(0..10_000, 4, |_, i| {
            if i == 20 {
                panic!("input {i} is broken");
            }
            std::thread::sleep(Duration::from_millis(1));
            done.fetch_add(1, Ordering::SeqCst);
        })
    }));
    let panic = outcome.unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(message, "input 20 is broken");
    let done = done.load(Ordering::SeqCst);
    // About 2.5 s of work in all; the others stop as soon as the panic is
    // caught (the panic hook's backtrace may take a moment before that).
    assert!(done < 5000, "the others stopped taking inputs: {done} done");
}

#[test]
fn fan_out_is_faster_than_a_loop_against_a_slow_server() {
    // Not a benchmark (see benches/scale.rs): only that the calls
    // do overlap.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(DELETE);
        then.delay(Duration::from_millis(50)).status(204);
    });
    let client = client(&server);
    let started = Instant::now();
    let results = client.fan_out(0..16, 8, |client, i| {
        client
            .delete_identity(format!("9f425a8d-7efc-4768-8f23-{i:012}"))
            .send()
    });
    assert!(results.iter().all(Result::is_ok));
    assert!(
        started.elapsed() < Duration::from_millis(16 * 50 / 2),
        "{:?}",
        started.elapsed()
    );
}

// ------------------------------------------------------------------ pacing

/// Four threads, each with its own clone of one client, share one
/// rate-limit budget: together they stay under the limit the server
/// announces, where unpaced clones run into it.
#[test]
fn clones_in_many_threads_share_one_rate_limit_budget() {
    use kratos_identity_fake::{FakeKratos, RateLimit};

    let run = |paced: bool, ietf_draft: bool| {
        let kratos = FakeKratos::builder()
            .rate_limit(RateLimit::per_second(20).ietf_draft_header(ietf_draft))
            .start();
        let id = kratos.seed_identities(1)[0];
        let client = IdentityClient::builder(kratos.base_url())
            .max_retries(0)
            .pacing(paced)
            .build()
            .unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let client = client.clone();
                std::thread::spawn(move || {
                    (0..15)
                        .filter(|_| client.get_identity(id).send().is_err())
                        .count()
                })
            })
            .collect();
        let failed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        let throttled = kratos.requests().iter().filter(|r| r.status == 429).count();
        (failed, throttled)
    };
    // Paced on the IETF draft's `10, 10;w=1` and on the plain `10` with
    // the window learned from `x-ratelimit-reset`.
    for ietf_draft in [true, false] {
        let (failed, throttled) = run(true, ietf_draft);
        assert!(
            throttled <= 1,
            "{throttled} answered 429 with pacing (draft form: {ietf_draft})"
        );
        assert_eq!(failed, throttled);
    }
    let (_, unpaced) = run(false, false);
    assert!(unpaced >= 10, "only {unpaced} answered 429 without pacing");
}

#[test]
fn answers_without_rate_limit_headers_are_never_paced() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET);
        then.status(200).body("[]");
    });
    let client = client(&server);
    let started = Instant::now();
    for _ in 0..50 {
        client.list_identities().send().unwrap();
    }
    // Nothing in the answers asks for spacing: no waits at all.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A concurrency far above the number of inputs starts no more threads
/// than there are inputs.
#[test]
fn no_more_threads_than_inputs() {
    let server = MockServer::start();
    let client = client(&server);
    let threads = client.fan_out(0..3, 100_000, |_, _| {
        std::thread::sleep(Duration::from_millis(20));
        std::thread::current().id()
    });
    let distinct: std::collections::HashSet<_> = threads.iter().collect();
    assert_eq!(threads.len(), 3);
    assert!(distinct.len() <= 3, "{distinct:?}");
    assert!(!distinct.contains(&std::thread::current().id()));
}
