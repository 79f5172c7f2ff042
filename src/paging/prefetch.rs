//! Where a walk's pages come from: [`Source`] fetches each page either on
//! the caller's thread or, with prefetch, on a background thread that is
//! asked for a page as soon as the one before it is handed out.
//!
//! The walk speaks to both the same way: [`Source::ask`] once per page
//! (ahead of time, or right before collecting it), then
//! [`Source::collect`]. Fetched here, `ask` only moves the fetching to where
//! [`prefetch`](crate::Pages::prefetch) last said, and `collect` sends the
//! request; with the thread, `ask` hands it the call and `collect` waits for
//! its page. Switched on or off, prefetch takes effect from the next page
//! fetched. The thread decides nothing: no limit, no end, no loop.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::api::endpoint::Call;
use crate::api::operation::Operation;
use crate::client::IdentityClient;
use crate::error::{Error, PaginationErrorKind};
use crate::paging::page::Page;
use crate::paging::paginated::Paginated;

/// The name of the background thread of a prefetching iterator (15 bytes,
/// so Linux shows it whole in `ps` and `/proc`).
const PREFETCH_THREAD_NAME: &str = "kratos-prefetch";

/// How a [`Prefetcher`] is started for a [`Fetcher`].
pub(crate) type StartPrefetch<E> =
    fn(&Fetcher<E>) -> io::Result<Prefetcher<<E as Paginated>::Item>>;

/// Where a walk's pages come from.
pub(crate) struct Source<E: Paginated> {
    fetcher: Fetcher<E>,
    /// Set by `prefetch(true)`: how to start the background thread. It
    /// starts at the next ask, so the settings may come in any order.
    start: Option<StartPrefetch<E>>,
    /// The background thread, once started. The page asked last comes from
    /// it when it was running at the ask; it starts and stops only in
    /// [`ask`](Self::ask) and [`stop`](Self::stop), so that holds.
    thread: Option<Prefetcher<E::Item>>,
}

impl<E: Paginated> Source<E> {
    pub(crate) fn new(client: IdentityClient, endpoint: E) -> Self {
        Source {
            fetcher: Fetcher { client, endpoint },
            start: None,
            thread: None,
        }
    }

    /// Prefetch on (with this start) or off, from the next ask on.
    pub(crate) fn set_prefetch(&mut self, start: Option<StartPrefetch<E>>) {
        self.start = start;
    }

    /// Whether pages are, or are to be, fetched in the background.
    pub(crate) fn is_prefetching(&self) -> bool {
        self.start.is_some() || self.thread.is_some()
    }

    /// Announces the next page's call, once, before it is collected; nothing
    /// else is outstanding. Starts or stops the thread as `prefetch` last
    /// said (a thread the system refuses leaves the fetching here), and
    /// hands the call to the thread if there is one.
    pub(crate) fn ask(&mut self, call: &Call) {
        match (&self.thread, self.start) {
            (None, Some(start)) => match start(&self.fetcher) {
                Ok(thread) => self.thread = Some(thread),
                Err(error) => {
                    log::warn!(
                        "{}: could not start the prefetch thread ({error}); fetching pages on the caller's thread",
                        E::OPERATION
                    );
                    self.start = None;
                }
            },
            (Some(_), None) => self.thread = None,
            _ => {}
        }
        if let Some(thread) = &self.thread {
            thread.ask(call);
        }
    }

    /// The page of the call asked last.
    pub(crate) fn collect(&mut self, call: &Call) -> Result<Page<E::Item>, Error> {
        if self.thread.is_none() && self.start.is_some() {
            // Prefetch was switched on after the call was asked here, where
            // nothing was sent yet: the thread starts with it.
            self.ask(call);
        }
        match &mut self.thread {
            Some(thread) => thread.collect(E::OPERATION),
            None => self.fetcher.fetch(call),
        }
    }

    /// Lets the thread go: nothing more will be asked.
    pub(crate) fn stop(&mut self) {
        self.thread = None;
    }
}

/// Sends a call and decodes its page: all the I/O of a walk.
#[derive(Clone)]
pub(crate) struct Fetcher<E> {
    client: IdentityClient,
    endpoint: E,
}

impl<E: Paginated> Fetcher<E> {
    fn fetch(&self, call: &Call) -> Result<Page<E::Item>, Error> {
        self.client
            .send_call(call)
            .and_then(|raw| self.endpoint.decode(&raw))
    }

    /// [`fetch`](Self::fetch), given up (`None`) once `cancel` is set: no
    /// further attempt and no wait for one.
    fn fetch_unless_cancelled(
        &self,
        call: &Call,
        cancel: &AtomicBool,
    ) -> Option<Result<Page<E::Item>, Error>> {
        let answer = self.client.send_call_cancellable(call, Some(cancel))?;
        Some(answer.and_then(|raw| self.endpoint.decode(&raw)))
    }
}

/// The work of a background thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A background thread that fetches the calls it is asked for, one at a
/// time, and nothing else. Dropping it detaches the thread and cancels its
/// fetch: a request on the wire finishes, but no further attempt is made and
/// no wait is sat out; the thread then ends by itself.
pub(crate) struct Prefetcher<T> {
    /// Calls to fetch; closed when this is dropped.
    asks: SyncSender<Call>,
    /// Their pages, in order.
    pages: Receiver<Result<Page<T>, Error>>,
    /// Set when this is dropped.
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Prefetcher<T> {
    pub(crate) fn start<E>(fetcher: &Fetcher<E>) -> io::Result<Self>
    where
        E: Paginated<Item = T> + Send + 'static,
    {
        Self::start_with(fetcher, |job| {
            std::thread::Builder::new()
                .name(PREFETCH_THREAD_NAME.to_string())
                .spawn(job)
        })
    }

    /// Starts the thread with `spawn`; the caller keeps its own `fetcher`
    /// whatever happens.
    fn start_with<E>(
        fetcher: &Fetcher<E>,
        spawn: impl FnOnce(Job) -> io::Result<JoinHandle<()>>,
    ) -> io::Result<Self>
    where
        E: Paginated<Item = T> + Send + 'static,
    {
        // One call is asked at a time, and its page waits in the channel
        // until the caller takes it: the thread never blocks on handing it
        // over, and at most two pages exist (the caller's and this one).
        let (asks, asked) = sync_channel(1);
        let (answers, pages) = sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let job: Job = {
            let fetcher = fetcher.clone();
            let cancel = Arc::clone(&cancel);
            Box::new(move || serve(&fetcher, &asked, &answers, &cancel))
        };
        let thread = spawn(job)?;
        Ok(Prefetcher {
            asks,
            pages,
            cancel,
            thread: Some(thread),
        })
    }
}

impl<T> Prefetcher<T> {
    /// Asks the thread to fetch `call`.
    fn ask(&self, call: &Call) {
        // Never full (the previous page was collected before this ask). A
        // thread that is gone is reported by `collect`.
        let _ = self.asks.try_send(call.clone());
    }

    /// The page of the call last asked for, once fetched.
    fn collect(&mut self, operation: Operation) -> Result<Page<T>, Error> {
        match self.pages.recv() {
            Ok(page) => page,
            // The thread ended without saying why: it panicked.
            Err(_) => {
                let panicked = self.thread.take().is_some_and(|t| t.join().is_err());
                let what = if panicked { "panicked" } else { "ended early" };
                Err(Error::pagination(
                    operation,
                    PaginationErrorKind::PrefetchStopped,
                    format!("the prefetch thread {what}"),
                ))
            }
        }
    }
}

impl<T> Drop for Prefetcher<T> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// The background thread: fetches each call it is asked for, until the
/// iterator is dropped (`asks` closes, or `cancel` stops the fetch).
fn serve<E: Paginated>(
    fetcher: &Fetcher<E>,
    asks: &Receiver<Call>,
    pages: &SyncSender<Result<Page<E::Item>, Error>>,
    cancel: &AtomicBool,
) {
    for call in asks {
        let Some(page) = fetcher.fetch_unless_cancelled(&call, cancel) else {
            return;
        };
        if cancel.load(Ordering::Relaxed) || pages.send(page).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use httpmock::prelude::*;

    use super::*;
    use crate::api::identities::ListIdentities;
    use crate::api::operation::LIST_IDENTITIES;

    const FIRST: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
    const SECOND: &str = "0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1";

    /// Two pages of one identity each; the mocks of page one and page two.
    fn two_pages(server: &MockServer) -> [httpmock::Mock<'_>; 2] {
        let identity = |id: &str| {
            format!(r#"[{{"id":"{id}","schema_id":"default","schema_url":"","traits":{{}}}}]"#)
        };
        [
            server.mock(|when, then| {
                when.method(GET)
                    .path("/admin/identities")
                    .query_param("page_size", "1")
                    .query_param_missing("page_token");
                then.header(
                    "link",
                    r#"</admin/identities?page_size=1&page_token=p2>; rel="next""#,
                )
                .body(identity(FIRST));
            }),
            server.mock(|when, then| {
                when.method(GET)
                    .path("/admin/identities")
                    .query_param("page_size", "1")
                    .query_param("page_token", "p2");
                then.header("link", r#"</admin/identities?page_size=1>; rel="first""#)
                    .body(identity(SECOND));
            }),
        ]
    }

    /// A start the system refuses, as `spawn` does when it is out of threads.
    fn refused<E>(fetcher: &Fetcher<E>) -> io::Result<Prefetcher<E::Item>>
    where
        E: Paginated + Send + 'static,
        E::Item: Send + 'static,
    {
        Prefetcher::start_with(fetcher, |_job| {
            Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "Resource temporarily unavailable",
            ))
        })
    }

    /// A thread that starts but never runs its job.
    fn gone<E>(fetcher: &Fetcher<E>) -> io::Result<Prefetcher<E::Item>>
    where
        E: Paginated + Send + 'static,
        E::Item: Send + 'static,
    {
        Prefetcher::start_with(fetcher, |job| {
            drop(job);
            std::thread::Builder::new().spawn(|| {})
        })
    }

    #[test]
    fn a_refused_prefetch_thread_leaves_the_fetching_on_the_callers_thread() {
        let server = MockServer::start();
        let [first, second] = two_pages(&server);
        let client = IdentityClient::new(server.base_url()).unwrap();
        let mut items = client.list_identities().page_size(1).items();
        items.walk_mut().source.set_prefetch(Some(
            refused::<ListIdentities> as StartPrefetch<ListIdentities>,
        ));

        let ids: Vec<String> = items
            .by_ref()
            .map(|r| r.map(|identity| identity.id.to_string()))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, [FIRST, SECOND]);
        assert!(items.is_finished());
        first.assert_calls(1);
        second.assert_calls(1);
        // Tried once, then sequential for good.
        assert!(!items.walk_mut().source.is_prefetching());
        assert!(format!("{items:?}").contains(r#"mode: "sequential""#));
    }

    #[test]
    fn a_prefetch_thread_that_dies_is_an_error_naming_the_operation() {
        let server = MockServer::start();
        let [first, second] = two_pages(&server);
        let client = IdentityClient::new(server.base_url()).unwrap();
        let mut items = client.list_identities().page_size(1).items();
        items.walk_mut().source.set_prefetch(Some(
            gone::<ListIdentities> as StartPrefetch<ListIdentities>,
        ));

        let error = items.next().unwrap().unwrap_err();
        assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!("{LIST_IDENTITIES}: pagination stopped: the prefetch thread ended early")
        );
        assert!(items.next().is_none());
        // Page one was never fetched: start again from the beginning.
        assert_eq!((items.resume_token(), items.is_finished()), (None, false));
        first.assert_calls(0);
        second.assert_calls(0);
    }
}
