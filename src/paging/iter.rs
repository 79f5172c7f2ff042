//! The one lazy iterator behind every list operation: [`Pages`] yields pages,
//! [`Items`] yields their items. Both follow the `Link` header's
//! `rel="next"` target, re-sent against the client's own base URL, and
//! optionally fetch the next page on a background thread.
//!
//! The walk itself (`Fetcher`) runs in the caller's thread or on the
//! background thread alike; what the caller sees (limits, resume tokens,
//! the end) is decided on the caller's side, so both modes behave the same.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::Call;
use crate::api::operation::Operation;
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error};
use crate::paging::page::{NextPage, PAGINATION_PARAMS, Page};
use crate::paging::paginated::Paginated;

/// The name of the background thread of a prefetching iterator (15 bytes,
/// so Linux shows it whole in `ps` and `/proc`).
const PREFETCH_THREAD_NAME: &str = "kratos-prefetch";

impl<E: Paginated> RequestBuilder<E> {
    /// Every item of every page, fetched lazily, one page at a time.
    ///
    /// The builder's filters are sent with every page. The next page is the
    /// same request with the paging parameters of the server's
    /// `rel="next"` link, sent to the client's own base URL whatever host
    /// the link names.
    ///
    /// An item that does not decode (traits that do not fit your type, say)
    /// is yielded as its own [`Error::Decode`], naming its position, `id`
    /// and the field that failed; the items around it and the pages after
    /// it still come. Iteration ends after the last page (no `rel="next"`
    /// link, or an empty page); at [`Items::limit`] / [`Items::max_pages`];
    /// or after a failed page (the request failed after its retries, or the
    /// answer is not a list at all), whose error is yielded once. A page
    /// token the server already sent ends it with [`Error::Pagination`]
    /// instead of looping. [`Items::resume_token`] tells where to pick up.
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
            current_errors: Vec::new().into_iter(),
            position: 0,
            current_token: None,
        }
    }

    /// Every page, fetched lazily. See [`items`](Self::items) for when it
    /// ends; a page's items that did not decode are in [`Page::errors`].
    pub fn pages(self) -> Pages<E> {
        let limits = Arc::new(Limits::default());
        let resume = self.endpoint.paging().page_token.clone();
        let operation = E::OPERATION;
        let mut call = self
            .endpoint
            .to_call()
            .map_err(|e| e.in_operation(operation));
        if let Ok(call) = &mut call
            && self.timeout.is_some()
        {
            call.timeout = self.timeout;
        }
        Pages {
            operation,
            source: Source::Here(Fetcher {
                client: self.client,
                endpoint: self.endpoint,
                next_call: Some(call),
                seen: HashSet::new(),
                limits: Arc::clone(&limits),
                fetched_pages: 0,
                fetched_items: 0,
            }),
            limits,
            prefetch: None,
            handed_pages: 0,
            handed_items: 0,
            resume,
            finished: false,
            stopped: false,
        }
    }
}

/// The lazy iterator over pages returned by [`RequestBuilder::pages`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<E: Paginated> {
    operation: Operation,
    source: Source<E>,
    /// Shared with the walk, wherever it runs.
    limits: Arc<Limits>,
    /// Set by [`Pages::prefetch`]; the thread starts at the first `next()`,
    /// so the settings may come in any order.
    prefetch: Option<StartPrefetch<E>>,
    /// What the caller has been handed so far.
    handed_pages: usize,
    handed_items: usize,
    /// The `page_token` of the first page not yet handed out.
    resume: Option<String>,
    /// The listing reached its end.
    finished: bool,
    /// Nothing more will be yielded: the end, a limit, or an error.
    stopped: bool,
}

/// The lazy iterator over items returned by [`RequestBuilder::items`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Items<E: Paginated> {
    pages: Pages<E>,
    current: std::vec::IntoIter<E::Item>,
    /// The current page's items that did not decode, by position.
    current_errors: std::vec::IntoIter<DecodeError>,
    /// The position on the current page of the next item to yield.
    position: usize,
    /// The token the current page was requested with.
    current_token: Option<String>,
}

/// The limits, read by the walk wherever it runs; `usize::MAX` for none.
#[derive(Debug)]
struct Limits {
    items: AtomicUsize,
    pages: AtomicUsize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            items: AtomicUsize::new(usize::MAX),
            pages: AtomicUsize::new(usize::MAX),
        }
    }
}

impl Limits {
    fn items(&self) -> usize {
        self.items.load(Ordering::Relaxed)
    }

    fn pages(&self) -> usize {
        self.pages.load(Ordering::Relaxed)
    }
}

/// How a [`Fetcher`] is moved onto a background thread.
type StartPrefetch<E> = fn(Fetcher<E>) -> Prefetcher<<E as Paginated>::Item>;

enum Source<E: Paginated> {
    /// Pages are fetched in the caller's thread (or prefetch has not started yet).
    Here(Fetcher<E>),
    /// A background thread fetches page N+1 while the caller works on page N.
    Background(Prefetcher<E::Item>),
    /// Only while switching from one to the other.
    Switching,
}

/// One step of the walk.
enum Step<T> {
    Page(Page<T>),
    Failed(Error),
    /// The listing has no more pages.
    End,
    /// A limit was reached; the listing may have more.
    Limited,
}

impl<E: Paginated> Pages<E> {
    /// Stops after `n` items in all (those that did not decode count too);
    /// the last page is cut to fit. May be set or changed at any time,
    /// also while iterating and with prefetch.
    pub fn limit(self, n: usize) -> Self {
        self.limits.items.store(n, Ordering::Relaxed);
        self
    }

    /// Stops after `n` pages. May be set or changed at any time, also while
    /// iterating and with prefetch.
    pub fn max_pages(self, n: usize) -> Self {
        self.limits.pages.store(n, Ordering::Relaxed);
        self
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).pages()`) continues without skipping any page not
    /// yet handed out: the token of the next page. `None` once the listing
    /// has ended, and also while nothing has been handed out of a listing
    /// started without a token (start it again the same way). A stop at a
    /// limit or at an error keeps it. The legacy page-number scheme has no
    /// tokens: it gives `None`.
    pub fn resume_token(&self) -> Option<String> {
        if self.finished {
            return None;
        }
        self.resume.clone()
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
    /// items, their order, any error and the resume token are exactly as
    /// without prefetch. Dropping the iterator returns at once: a request
    /// in flight finishes on the background thread (within the client's
    /// timeouts), which then ends by itself.
    pub fn prefetch(mut self, on: bool) -> Self {
        self.prefetch = on.then_some(Prefetcher::start::<E> as StartPrefetch<E>);
        self
    }
}

impl<E: Paginated> Items<E> {
    /// Stops after `n` items (those that did not decode count too). May be
    /// set or changed at any time, also while iterating and with prefetch.
    pub fn limit(mut self, n: usize) -> Self {
        self.pages = self.pages.limit(n);
        self
    }

    /// Stops after the items of `n` pages. May be set or changed at any
    /// time, also while iterating and with prefetch.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.max_pages(n);
        self
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).items()`) continues without skipping any item
    /// not yet yielded. Between pages it repeats nothing; in the middle of a
    /// page it is that page's token, so the page's first items come again.
    /// `None` once the listing has ended, and also while the first page of a
    /// listing started without a token is under way (start it again the
    /// same way). Correct with prefetch too: it is the first page not yet
    /// handed out, not the one the background thread is fetching.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param_missing("page_token"); then.header("link", r#"</admin/identities?page_size=1&page_token=p2>; rel="next""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("page_token", "p2"); then.status(503).body("down"); });
    /// # let client = kratos_identity::IdentityClient::builder(server.base_url()).max_retries(0).build()?;
    /// let mut identities = client.list_identities().page_size(1).items();
    /// for identity in identities.by_ref() {
    ///     match identity {
    ///         Ok(identity) => println!("{}", identity.id),
    ///         Err(e) if e.decode_error().is_some() => eprintln!("skipped: {e}"),
    ///         Err(e) => {
    ///             eprintln!("stopped: {e}");
    ///             break;
    ///         }
    ///     }
    /// }
    /// // Later: client.list_identities().page_size(1).page_token(token).items()
    /// assert_eq!(identities.resume_token().as_deref(), Some("p2"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn resume_token(&self) -> Option<String> {
        if self.current.len() + self.current_errors.len() > 0 {
            return self.current_token.clone();
        }
        self.pages.resume_token()
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
        if self.stopped {
            return None;
        }
        if self.handed_items >= self.limits.items() || self.handed_pages >= self.limits.pages() {
            self.stopped = true;
            return None;
        }
        if let Some(start) = self.prefetch.take()
            && let Source::Here(fetcher) = std::mem::replace(&mut self.source, Source::Switching)
        {
            self.source = Source::Background(start(fetcher));
        }
        let step = match &mut self.source {
            Source::Here(fetcher) => fetcher.step(),
            Source::Background(prefetcher) => prefetcher.recv(self.operation),
            Source::Switching => Step::End,
        };
        match step {
            Step::Page(mut page) => {
                let sent = page.positions();
                let room = self.limits.items().saturating_sub(self.handed_items);
                page.truncate(room);
                self.handed_pages += 1;
                self.handed_items += page.positions();
                if page.positions() < sent {
                    // Cut by the limit: the rest of this page is not handed
                    // out, so a resumed walk starts at this page again.
                    self.resume = page.token.clone();
                } else if page.has_next() {
                    self.resume = page.next_page_token().map(str::to_string);
                } else {
                    self.finished = true;
                }
                Some(Ok(page))
            }
            Step::Failed(error) => {
                self.stopped = true;
                Some(Err(error))
            }
            Step::End => {
                self.stopped = true;
                self.finished = true;
                None
            }
            Step::Limited => {
                self.stopped = true;
                None
            }
        }
    }
}

impl<E: Paginated> Iterator for Items<E> {
    type Item = Result<E::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let bad_here = self
                .current_errors
                .as_slice()
                .first()
                .and_then(DecodeError::item_index)
                == Some(self.position);
            if bad_here && let Some(bad) = self.current_errors.next() {
                self.position += 1;
                return Some(Err(Error::decode(bad)));
            }
            if let Some(item) = self.current.next() {
                self.position += 1;
                return Some(Ok(item));
            }
            if let Some(bad) = self.current_errors.next() {
                self.position += 1;
                return Some(Err(Error::decode(bad)));
            }
            // Free the finished page's buffer before the next one arrives:
            // one page in memory, and a heap the next decode can reuse.
            self.current = Vec::new().into_iter();
            let page = match self.pages.next()? {
                Ok(page) => page,
                Err(e) => return Some(Err(e)),
            };
            self.current_token = page.token.clone();
            let (items, errors) = page.into_parts();
            self.current = items.into_iter();
            self.current_errors = errors.into_iter();
            self.position = 0;
        }
    }
}

impl<E: Paginated> std::iter::FusedIterator for Pages<E> {}
impl<E: Paginated> std::iter::FusedIterator for Items<E> {}

impl<E: Paginated> fmt::Debug for Pages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match (&self.source, self.prefetch.is_some()) {
            (Source::Background(_), _) | (_, true) => "prefetching",
            _ => "sequential",
        };
        f.debug_struct("Pages")
            .field("operation", &self.operation.name())
            .field("mode", &mode)
            .field("pages_handed_out", &self.handed_pages)
            .field("items_handed_out", &self.handed_items)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<E: Paginated> fmt::Debug for Items<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field(
                "buffered",
                &(self.current.len() + self.current_errors.len()),
            )
            .finish()
    }
}

/// The page walk: one request after the other, each from the previous
/// page's next link. Runs in the caller's thread or on the prefetch thread.
struct Fetcher<E: Paginated> {
    client: IdentityClient,
    endpoint: E,
    /// The next call to make; `None` once finished.
    next_call: Option<Result<Call, Error>>,
    /// Hashes of the cursors already requested.
    seen: HashSet<u64>,
    limits: Arc<Limits>,
    /// What this walk has fetched (it may run one page ahead of the caller).
    fetched_pages: usize,
    fetched_items: usize,
}

impl<E: Paginated> Fetcher<E> {
    fn step(&mut self) -> Step<E::Item> {
        if self.fetched_items >= self.limits.items() || self.fetched_pages >= self.limits.pages() {
            return Step::Limited;
        }
        let call = match self.next_call.take() {
            None => return Step::End,
            Some(Err(e)) => return Step::Failed(e),
            Some(Ok(call)) => call,
        };
        if !self.seen.insert(cursor_hash(&call)) {
            let cursor = describe_cursor(&call);
            log::warn!(
                "{}: the server sent the same next page twice ({cursor}); stopping instead of looping",
                call.operation
            );
            return Step::Failed(Error::Pagination(format!(
                "{}: pagination stopped: the server sent the same next page twice ({cursor}); stopping instead of looping",
                call.operation
            )));
        }
        let page = self
            .client
            .send_call(&call)
            .and_then(|raw| self.endpoint.decode(&raw));
        let mut page = match page {
            Ok(page) => page,
            Err(e) => return Step::Failed(e),
        };
        if page.positions() == 0 {
            // The offset scheme announces a next page even after the last one.
            return Step::End;
        }
        self.fetched_pages += 1;
        self.fetched_items += page.positions();
        page.token = query_value(&call, "page_token");
        self.next_call = page.next().map(|next| Ok(follow(&call, next)));
        Step::Page(page)
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

fn query_value(call: &Call, name: &str) -> Option<String> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
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

/// The paging parameters of a call, for messages (tokens are opaque and
/// name no one; the call's filters are left out).
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
/// Dropping it detaches the thread: the thread finishes the request it may
/// have in flight, finds no one to hand the page to, and ends.
struct Prefetcher<T> {
    receiver: Receiver<Step<T>>,
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
                receiver,
                thread: Some(thread),
            },
            Err(_) => {
                // The system refused a thread: say so as the one and only item.
                let (sender, receiver) = sync_channel(1);
                let _ = sender.send(Step::Failed(Error::Pagination(
                    "could not start the prefetch thread".into(),
                )));
                Prefetcher {
                    receiver,
                    thread: None,
                }
            }
        }
    }
}

impl<T> Prefetcher<T> {
    fn recv(&mut self, operation: Operation) -> Step<T> {
        match self.receiver.recv() {
            Ok(step) => step,
            // The thread ended without saying why: it panicked.
            Err(_) => {
                let panicked = self.thread.take().is_some_and(|t| t.join().is_err());
                let what = if panicked { "panicked" } else { "ended early" };
                Step::Failed(Error::Pagination(format!(
                    "{operation}: pagination stopped: the prefetch thread {what}"
                )))
            }
        }
    }
}

fn run<E: Paginated>(mut fetcher: Fetcher<E>, sender: SyncSender<Step<E::Item>>) {
    loop {
        let step = fetcher.step();
        let last = !matches!(step, Step::Page(_));
        // A failed send means the caller dropped the iterator.
        if sender.send(step).is_err() || last {
            return;
        }
    }
}
