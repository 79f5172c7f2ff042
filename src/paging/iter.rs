//! The one lazy iterator behind every list operation: [`Pages`] yields pages,
//! [`Items`] yields their items. Both follow the `Link` header's
//! `rel="next"` target, re-sent against the client's own base URL, and
//! optionally fetch the next page on a background thread.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::Error;
use crate::client::IdentityClient;
use crate::api::endpoint::Call;
use crate::paging::page::{NextPage, PAGINATION_PARAMS, Page};
use crate::paging::paginated::Paginated;
use crate::api::builder::RequestBuilder;

/// The name of the background thread of a prefetching iterator (15 bytes,
/// so Linux shows it whole in `ps` and `/proc`).
pub const PREFETCH_THREAD_NAME: &str = "kratos-prefetch";

impl<E: Paginated> RequestBuilder<E> {
    /// Every item of every page, fetched lazily, one page at a time.
    ///
    /// The builder's filters are sent with every page. The next page is the
    /// same request with the paging parameters of the server's
    /// `rel="next"` link, sent to the client's own base URL whatever host
    /// the link names. A page whose `Link` header cannot be understood
    /// fails as a whole ([`Error::Pagination`]). Iteration ends after
    /// the last page (no `rel="next"` link, or an empty page); after an
    /// error, which is yielded once; or at [`Items::limit`] /
    /// [`Items::max_pages`]. A page token the server already sent ends it
    /// with [`Error::Pagination`] instead of looping.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param_missing("page_token"); then.header("link", r#"</admin/identities?page_size=1&page_token=p2>; rel="next""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("page_token", "p2"); then.body(r#"[{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let mut count = 0;
    /// for identity in client.list_identities().page_size(1).items() {
    ///     let identity = identity?;
    ///     count += 1;
    /// #   let _ = identity;
    /// }
    /// assert_eq!(count, 2);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn items(self) -> Items<E> {
        Items {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }

    /// Every page, fetched lazily. See [`items`](Self::items) for when it ends.
    pub fn pages(self) -> Pages<E> {
        Pages {
            state: State::Sequential(Fetcher::new(self.client, self.endpoint)),
            start_prefetch: None,
        }
    }
}

/// The lazy iterator over pages returned by [`RequestBuilder::pages`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<E: Paginated> {
    state: State<E>,
    /// Set by [`Pages::prefetch`]; the thread starts at the first `next()`,
    /// so the settings may come in any order.
    start_prefetch: Option<StartPrefetch<E>>,
}

/// The lazy iterator over items returned by [`RequestBuilder::items`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Items<E: Paginated> {
    pages: Pages<E>,
    current: std::vec::IntoIter<E::Item>,
}

/// How a [`Fetcher`] is moved onto a background thread.
type StartPrefetch<E> = fn(Fetcher<E>) -> Prefetcher<<E as Paginated>::Item>;

enum State<E: Paginated> {
    /// Pages are fetched in the caller's thread (or prefetch has not started yet).
    Sequential(Fetcher<E>),
    /// A background thread fetches page N+1 while the caller works on page N.
    Prefetching(Prefetcher<E::Item>),
    /// Only while switching from one to the other.
    Switching,
}

impl<E: Paginated> Pages<E> {
    /// Stops after `n` items in all; the last page is cut to fit. Set it
    /// before iterating.
    pub fn limit(mut self, n: usize) -> Self {
        self.fetcher_mut(|f| f.items_left = Some(n));
        self
    }

    /// Stops after `n` pages. Set it before iterating.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.fetcher_mut(|f| f.pages_left = Some(n));
        self
    }

    fn fetcher_mut(&mut self, change: impl FnOnce(&mut Fetcher<E>)) {
        if let State::Sequential(fetcher) = &mut self.state {
            change(fetcher);
        }
    }
}

impl<E> Pages<E>
where
    E: Paginated + Send + 'static,
    E::Item: Send + 'static,
{
    /// Fetches the next page on a background thread while the caller works
    /// through the current one. Requests stay sequential (each token comes
    /// from the previous page); at most two pages are held at a time; the
    /// items, their order and any error are exactly as without prefetch.
    /// Dropping the iterator stops the thread (after the request it may
    /// have in flight).
    pub fn prefetch(mut self, on: bool) -> Self {
        self.start_prefetch = on.then_some(Prefetcher::start::<E> as StartPrefetch<E>);
        self
    }
}

impl<E: Paginated> Items<E> {
    /// Stops after `n` items.
    pub fn limit(mut self, n: usize) -> Self {
        self.pages = self.pages.limit(n);
        self
    }

    /// Stops after the items of `n` pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.max_pages(n);
        self
    }
}

impl<E> Items<E>
where
    E: Paginated + Send + 'static,
    E::Item: Send + 'static,
{
    /// Fetches the next page in the background; see [`Pages::prefetch`].
    pub fn prefetch(mut self, on: bool) -> Self {
        self.pages = self.pages.prefetch(on);
        self
    }
}

impl<E: Paginated> Iterator for Pages<E> {
    type Item = Result<Page<E::Item>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(start) = self.start_prefetch.take()
            && let State::Sequential(fetcher) = std::mem::replace(&mut self.state, State::Switching)
        {
            self.state = State::Prefetching(start(fetcher));
        }
        match &mut self.state {
            State::Sequential(fetcher) => fetcher.next(),
            State::Prefetching(prefetcher) => prefetcher.next(),
            State::Switching => None,
        }
    }
}

impl<E: Paginated> Iterator for Items<E> {
    type Item = Result<E::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            // Free the finished page's buffer before the next one arrives:
            // one page in memory, and a heap the next decode can reuse.
            self.current = Vec::new().into_iter();
            match self.pages.next()? {
                Ok(page) => self.current = page.into_items().into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<E: Paginated> std::iter::FusedIterator for Pages<E> {}
impl<E: Paginated> std::iter::FusedIterator for Items<E> {}

impl<E: Paginated> fmt::Debug for Pages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match (&self.state, self.start_prefetch.is_some()) {
            (State::Prefetching(_), _) | (_, true) => "prefetching",
            _ => "sequential",
        };
        f.debug_struct("Pages")
            .field("mode", &mode)
            .finish_non_exhaustive()
    }
}

impl<E: Paginated> fmt::Debug for Items<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}

/// The sequential page walk; the prefetch thread runs the very same one.
struct Fetcher<E: Paginated> {
    client: IdentityClient,
    endpoint: E,
    /// The next call to make; `None` once finished.
    next_call: Option<Result<Call, Error>>,
    /// Hashes of the cursors already requested.
    seen: HashSet<u64>,
    items_left: Option<usize>,
    pages_left: Option<usize>,
}

impl<E: Paginated> Fetcher<E> {
    fn new(client: IdentityClient, endpoint: E) -> Self {
        let next_call = Some(endpoint.to_call());
        Fetcher {
            client,
            endpoint,
            next_call,
            seen: HashSet::new(),
            items_left: None,
            pages_left: None,
        }
    }

    fn finish(&mut self) {
        self.next_call = None;
    }
}

impl<E: Paginated> Iterator for Fetcher<E> {
    type Item = Result<Page<E::Item>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.items_left == Some(0) || self.pages_left == Some(0) {
            self.finish();
        }
        let call = match self.next_call.take()? {
            Ok(call) => call,
            Err(e) => return Some(Err(e)),
        };
        if !self.seen.insert(cursor_hash(&call)) {
            return Some(Err(Error::Pagination(format!(
                "the server sent the same next page twice ({}); stopping instead of looping",
                describe_cursor(&call)
            ))));
        }
        let page = self
            .client
            .send_call(&call)
            .and_then(|raw| self.endpoint.decode(&raw));
        let mut page = match page {
            Ok(page) => page,
            Err(e) => return Some(Err(e)),
        };
        if page.is_empty() {
            // The offset scheme announces a next page even after the last one.
            return None;
        }
        if let Some(left) = &mut self.pages_left {
            *left -= 1;
        }
        if let Some(left) = &mut self.items_left {
            page.truncate(*left);
            *left -= page.len();
        }
        self.next_call = page.next().map(|next| Ok(follow(&call, next)));
        Some(Ok(page))
    }
}

/// The same call with the next link's pagination parameters in place of
/// the old ones; every other parameter, the method and the path stay.
fn follow(call: &Call, next: &NextPage) -> Call {
    let mut call = call.clone();
    for (key, value) in &next.params {
        call.query.retain(|(k, _)| k != key);
        call.query.push((key.clone(), value.clone()));
    }
    call
}

/// Identifies a page by its paging parameters, whatever their order.
fn cursor_hash(call: &Call) -> u64 {
    let mut cursor: Vec<&(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| PAGINATION_PARAMS.contains(&k.as_str()))
        .collect();
    cursor.sort();
    let mut hasher = DefaultHasher::new();
    cursor.hash(&mut hasher);
    hasher.finish()
}

fn describe_cursor(call: &Call) -> String {
    let parts: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| PAGINATION_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.join("&")
}

/// Runs a [`Fetcher`] on a background thread, one page ahead of the caller.
struct Prefetcher<T> {
    receiver: Option<Receiver<Result<Page<T>, Error>>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Prefetcher<T> {
    fn start<E>(fetcher: Fetcher<E>) -> Self
    where
        E: Paginated<Item = T> + Send + 'static,
    {
        // A rendezvous channel: the thread holds at most the one page it
        // has fetched until the caller takes it, so two pages at most exist.
        let (sender, receiver) = sync_channel(0);
        let thread = std::thread::Builder::new()
            .name(PREFETCH_THREAD_NAME.to_string())
            .spawn(move || run(fetcher, sender));
        match thread {
            Ok(thread) => Prefetcher {
                receiver: Some(receiver),
                thread: Some(thread),
            },
            Err(_) => {
                // The system refused a thread: say so as the one and only item.
                let (sender, receiver) = sync_channel(1);
                let _ = sender.send(Err(Error::Pagination(
                    "could not start the prefetch thread".into(),
                )));
                Prefetcher {
                    receiver: Some(receiver),
                    thread: None,
                }
            }
        }
    }
}

impl<T> Prefetcher<T> {
    fn next(&mut self) -> Option<Result<Page<T>, Error>> {
        let received = self.receiver.as_ref()?.recv();
        match received {
            Ok(item) => Some(item),
            Err(_) => {
                // The thread is done: normally, or by a panic.
                self.receiver = None;
                let panicked = self.thread.take().is_some_and(|t| t.join().is_err());
                panicked.then(|| Err(Error::Pagination("the prefetch thread panicked".into())))
            }
        }
    }
}

fn run<E: Paginated>(fetcher: Fetcher<E>, sender: SyncSender<Result<Page<E::Item>, Error>>) {
    // The fetcher ends by itself after an error; a failed send means the
    // caller dropped the iterator.
    for page in fetcher {
        if sender.send(page).is_err() {
            return;
        }
    }
}

impl<T> Drop for Prefetcher<T> {
    fn drop(&mut self) {
        // Closing the channel makes the thread's next send fail, so it stops
        // after the request it may have in flight.
        self.receiver = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
