//! The one lazy iterator behind every list operation: [`Pages`] yields pages,
//! [`Items`] yields their items. Both follow the `Link` header's
//! `rel="next"` target, re-sent against the client's own base URL, and
//! optionally fetch the next page on a background thread.
//!
//! The walk (which call comes next, a repeated token, the end of the
//! listing, the limits, the resume token) is decided by [`Pages`] alone, on
//! the caller's thread. With prefetch, the background thread only fetches
//! the calls it is asked for: `Pages` asks for the next page as soon as it
//! hands out the one before, if the limits will let it out. So both modes
//! yield the same, whatever is changed while iterating.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::Call;
use crate::api::operation::Operation;
use crate::client::IdentityClient;
use crate::error::{DecodeError, Error, PaginationErrorKind};
use crate::paging::page::{NextPage, PAGINATION_PARAMS, Page};
use crate::paging::paginated::Paginated;

/// The name of the background thread of a prefetching iterator (15 bytes,
/// so Linux shows it whole in `ps` and `/proc`).
const PREFETCH_THREAD_NAME: &str = "kratos-prefetch";

impl<E: Paginated> RequestBuilder<E> {
    /// Sends the request for one page and keeps what decoded: the page's
    /// good items, and in [`Page::errors`] one [`DecodeError`] per item that
    /// did not (its position, `id` and the field that failed). Where
    /// [`send`](RequestBuilder::send) fails for one bad item, this lets a
    /// report or an export go on; a lookup that must not miss anyone
    /// ("find by email, create if missing") uses `send`.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.any_request(); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}},{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{"email":7}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// #[derive(serde::Deserialize)]
    /// struct Traits {
    ///     email: String,
    /// }
    ///
    /// // One identity's traits do not fit: send() refuses the page ...
    /// assert!(client.list_identities().traits::<Traits>().send().is_err());
    /// // ... send_lenient() keeps the other, and says which did not decode.
    /// let page = client.list_identities().traits::<Traits>().send_lenient()?;
    /// assert_eq!(page.len(), 1);
    /// assert_eq!(page.errors()[0].id(), Some("0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1"));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`send`](RequestBuilder::send), but not for single items that
    /// do not decode; [`Error::Decode`] when the answer is not a list at all.
    pub fn send_lenient(self) -> Result<Page<E::Item>, Error> {
        let call = self.to_call()?;
        let raw = self.client.send_call(&call)?;
        self.endpoint.decode(&raw)
    }

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
    /// link, or an empty page), or after a failed page (the request failed
    /// after its retries, or the answer is not a list at all), whose error
    /// is yielded once. A page token the server already sent ends it with
    /// [`Error::Pagination`] instead of looping. It pauses at
    /// [`Items::limit`] / [`Items::max_pages`]. [`Items::resume_token`]
    /// tells where to pick up, and [`Items::is_finished`] whether there is
    /// anything left.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param_missing("page_token"); then.header("link", r#"</admin/identities?page_size=1&page_token=p2>; rel="next""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("page_token", "p2"); then.header("link", r#"</admin/identities?page_size=1>; rel="first""#).body(r#"[{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}}]"#); });
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
        let resume = self.endpoint.paging().page_token.clone();
        let operation = E::OPERATION;
        let call = self.to_call();
        Pages {
            operation,
            fetcher: Fetcher {
                client: self.client,
                endpoint: self.endpoint,
            },
            mode: Mode::Here,
            prefetch: None,
            next_call: Some(call),
            seen: HashSet::new(),
            asked: None,
            held: None,
            limits: Limits::NONE,
            handed_pages: 0,
            handed_items: 0,
            resume,
            walk: Walk::Open,
        }
    }
}

/// The lazy iterator over pages returned by [`RequestBuilder::pages`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<E: Paginated> {
    operation: Operation,
    /// Sends a call and decodes its page on the caller's thread; the
    /// background thread has a clone.
    fetcher: Fetcher<E>,
    /// Where pages are fetched now.
    mode: Mode<E::Item>,
    /// Set by [`Pages::prefetch`]: how to start the background thread. It
    /// starts at the next page fetched, so the settings may come in any order.
    prefetch: Option<StartPrefetch<E>>,
    /// The next call of the walk; `None` after the last page.
    next_call: Option<Result<Call, Error>>,
    /// Hashes of the cursors already requested.
    seen: HashSet<u64>,
    /// The call whose page the background thread was asked for and that
    /// has not been collected yet.
    asked: Option<Call>,
    /// The rest of a page cut by the item limit, handed out first if the
    /// limit is raised.
    held: Option<Page<E::Item>>,
    limits: Limits,
    /// What the caller has been handed so far.
    handed_pages: usize,
    handed_items: usize,
    /// The `page_token` of the first page not yet handed out in full.
    resume: Option<String>,
    walk: Walk,
}

/// The lazy iterator over items returned by [`RequestBuilder::items`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Items<E: Paginated> {
    pages: Pages<E>,
    current: std::vec::IntoIter<E::Item>,
    /// The current page's items that did not decode, by position.
    current_errors: std::vec::IntoIter<DecodeError>,
    /// The position on the server's page of the next item to yield.
    position: usize,
    /// The token the current page was requested with.
    current_token: Option<String>,
}

/// How many items and pages may be handed out; `usize::MAX` for no limit.
/// Applied by [`Pages`] (and [`Items`]) only, on the caller's thread.
#[derive(Debug, Clone, Copy)]
struct Limits {
    items: usize,
    pages: usize,
}

impl Limits {
    const NONE: Limits = Limits {
        items: usize::MAX,
        pages: usize::MAX,
    };
}

/// Where the walk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// More pages may come (a limit may hold them back for now).
    Open,
    /// The listing reached its end and every page was handed out.
    Finished,
    /// A page failed; its error was yielded, and nothing more comes.
    Failed,
}

/// Where pages are fetched.
enum Mode<T> {
    /// On the caller's thread, when the caller wants the next page.
    Here,
    /// On a background thread, which fetches the call it is asked for.
    Background(Prefetcher<T>),
}

/// How a [`Prefetcher`] is started for a [`Fetcher`].
type StartPrefetch<E> = fn(&Fetcher<E>) -> io::Result<Prefetcher<<E as Paginated>::Item>>;

/// One step of the walk.
enum Step<T> {
    Page(Page<T>),
    Failed(Error),
    /// The listing has no more pages.
    End,
}

impl<E: Paginated> Pages<E> {
    /// Stops after `n` items in all (those that did not decode count too);
    /// the page that reaches the limit is cut to fit. May be set or changed
    /// at any time, also while iterating and with prefetch: a lower limit
    /// holds back what was not handed out yet, and a higher one goes on
    /// where the iteration stopped (the rest of a cut page comes first, as
    /// a page of its own), even after `next()` returned `None` for it.
    pub fn limit(mut self, n: usize) -> Self {
        self.limits.items = n;
        self
    }

    /// Stops after `n` pages. May be set or changed at any time, also while
    /// iterating and with prefetch, like [`limit`](Self::limit).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.limits.pages = n;
        self
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).pages()`) continues without skipping any page not
    /// yet handed out: the token of the next page, or the token of a page
    /// cut by [`limit`](Self::limit) (its first items come again). A stop at
    /// a limit or at an error keeps it. Correct with prefetch too: it is the
    /// first page not yet handed out, not the one the background thread is
    /// fetching.
    ///
    /// `None` means one of two things; [`is_finished`](Self::is_finished)
    /// tells which:
    /// - the listing has ended: there is nothing left to resume;
    /// - the walk is still at the first page of a listing started without a
    ///   token (nothing handed out yet, the first page cut by a limit, or
    ///   the first page failed): start it again the same way, without a
    ///   token.
    ///
    /// After a stop on a page token the server sent twice (a server that
    /// loops) it is `None` too: no token resumes that walk without
    /// repeating pages.
    ///
    /// The legacy page-number scheme has no tokens: it always gives `None`.
    pub fn resume_token(&self) -> Option<String> {
        if self.walk == Walk::Finished {
            return None;
        }
        self.resume.clone()
    }

    /// `true` once the listing has reached its real end (a page without a
    /// next link, or the empty page after the last one) and every page has
    /// been handed out, also when a limit lets out exactly the last item.
    /// `false` before that, and after a stop at a limit or an error:
    /// [`resume_token`](Self::resume_token) then says where to go on.
    pub fn is_finished(&self) -> bool {
        self.walk == Walk::Finished
    }

    /// The next page within the limits, the error of a failed one, or
    /// `None` (the end, or a limit).
    fn advance(&mut self) -> Option<Result<Page<E::Item>, Error>> {
        if self.walk != Walk::Open {
            return None;
        }
        let new_page = self.held.is_none();
        if !self.has_room(new_page) {
            return None;
        }
        let page = match self.held.take() {
            Some(rest) => rest,
            None => match self.fetch() {
                Step::Page(page) => page,
                Step::Failed(error) => {
                    self.walk = Walk::Failed;
                    return Some(Err(error));
                }
                Step::End => {
                    self.walk = Walk::Finished;
                    return None;
                }
            },
        };
        let page = self.hand_out(page, new_page);
        self.ask_ahead();
        Some(Ok(page))
    }

    /// Whether the limits let out the rest of a held page (`new_page` false)
    /// or a new page.
    fn has_room(&self, new_page: bool) -> bool {
        let pages = self.handed_pages + usize::from(new_page);
        self.handed_items < self.limits.items && pages <= self.limits.pages
    }

    /// The next page: the one asked for ahead, or one fetched now.
    fn fetch(&mut self) -> Step<E::Item> {
        let call = match self.asked.take() {
            Some(call) => call,
            None => {
                self.apply_mode();
                match self.take_call() {
                    Ok(Some(call)) => {
                        self.ask_background(&call);
                        call
                    }
                    Ok(None) => return Step::End,
                    Err(error) => return Step::Failed(error),
                }
            }
        };
        let fetched = match &mut self.mode {
            Mode::Here => self.fetcher.fetch(&call),
            Mode::Background(prefetcher) => prefetcher.collect(self.operation),
        };
        let mut page = match fetched {
            Ok(page) => page,
            Err(error) => return Step::Failed(error),
        };
        if page.positions() == 0 {
            // The offset scheme announces a next page even after the last one.
            return Step::End;
        }
        page.token = query_value(&call, "page_token");
        self.next_call = match (page.next(), page.is_next_unknown()) {
            (Some(next), _) => Some(Ok(follow(&call, next))),
            // A full page without a Link header: more may follow, but the
            // walk cannot know; it stops after this page, unfinished.
            (None, true) => Some(Err(Error::pagination(
                self.operation,
                PaginationErrorKind::MissingLink,
                "a full page came without a Link header (Kratos always sends one; a proxy in front of it removed it?): the pages after it cannot be found, so the listing stops here, unfinished",
            ))),
            (None, false) => None,
        };
        Step::Page(page)
    }

    /// The next call of the walk, or `None` at its end. An error when the
    /// request cannot be made, or when the server sent its page already
    /// (instead of looping).
    fn take_call(&mut self) -> Result<Option<Call>, Error> {
        let Some(call) = self.next_call.take() else {
            return Ok(None);
        };
        let call = call?;
        if !self.seen.insert(cursor_hash(&call)) {
            // The server loops: no token resumes this walk without
            // repeating pages.
            self.resume = None;
            let cursor = describe_cursor(&call);
            log::warn!(
                "{}: the server sent the same next page twice; stopping instead of looping",
                call.operation
            );
            return Err(Error::pagination(
                call.operation,
                PaginationErrorKind::Loop,
                format!(
                    "the server sent the same next page twice ({cursor}); stopping instead of looping"
                ),
            ));
        }
        Ok(Some(call))
    }

    /// Counts `page` as handed out, cut to the item limit (the rest is
    /// held), and moves the resume token past it. `new_page` is false for
    /// the rest of a page already counted.
    fn hand_out(&mut self, mut page: Page<E::Item>, new_page: bool) -> Page<E::Item> {
        let room = self.limits.items.saturating_sub(self.handed_items);
        if page.positions() > room {
            // The rest of this page is not handed out: a resumed walk starts
            // at this page again, and a raised limit hands out the rest.
            self.held = Some(page.split_off(room));
            self.resume = page.token.clone();
        } else if page.has_next() {
            self.resume = page.next_page_token().map(str::to_string);
        } else if page.is_next_unknown() {
            // No token resumes after it: the next page's is unknown.
            self.resume = None;
        } else {
            self.walk = Walk::Finished;
        }
        self.handed_pages += usize::from(new_page);
        self.handed_items += page.positions();
        page
    }

    /// With prefetch, asks the background thread for the next page as soon
    /// as the one before it is handed out, if the limits will let it out.
    ///
    /// Runs only right after [`hand_out`](Self::hand_out), where nothing is
    /// asked yet (a page asked ahead was just collected), a held rest of a
    /// page means the item limit leaves no room, and an ended walk has no
    /// next call: the checks below cover every state.
    fn ask_ahead(&mut self) {
        let prefetching = self.prefetch.is_some() && matches!(self.mode, Mode::Background(_));
        if !prefetching || !self.has_room(true) {
            return;
        }
        if !matches!(self.next_call, Some(Ok(_))) {
            return;
        }
        match self.take_call() {
            Ok(Some(call)) => {
                self.ask_background(&call);
                self.asked = Some(call);
            }
            Ok(None) => {}
            // A loop: yielded when the caller wants the next page.
            Err(error) => self.next_call = Some(Err(error)),
        }
    }

    /// Hands `call` to the background thread, when there is one.
    fn ask_background(&self, call: &Call) {
        if let Mode::Background(prefetcher) = &self.mode {
            prefetcher.ask(call);
        }
    }

    /// Moves the fetching to where [`Pages::prefetch`] last said, between
    /// pages (nothing asked of the background thread). A thread the system
    /// refuses leaves the fetching on the caller's thread.
    fn apply_mode(&mut self) {
        match (&self.mode, self.prefetch) {
            (Mode::Here, Some(start)) => match start(&self.fetcher) {
                Ok(prefetcher) => self.mode = Mode::Background(prefetcher),
                Err(error) => {
                    log::warn!(
                        "{}: could not start the prefetch thread ({error}); fetching pages on the caller's thread",
                        self.operation
                    );
                    self.prefetch = None;
                }
            },
            (Mode::Background(_), None) => self.mode = Mode::Here,
            _ => {}
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
    /// items, their order, any error, the limits and the resume token are
    /// exactly as without prefetch. May be switched on or off at any time,
    /// also while iterating; it takes effect from the next page fetched.
    ///
    /// Dropping the iterator returns at once. A request in flight finishes
    /// on the background thread (within the client's timeouts), but is not
    /// retried, and no wait for a retry is sat out: the thread ends by
    /// itself and sends nothing more.
    pub fn prefetch(mut self, on: bool) -> Self {
        self.prefetch = on.then_some(Prefetcher::start::<E> as StartPrefetch<E>);
        self
    }
}

impl<E: Paginated> Items<E> {
    /// Stops after `n` items (those that did not decode count too). May be
    /// set or changed at any time, also while iterating and with prefetch:
    /// a lower limit holds back even the rest of the current page, and a
    /// higher one goes on where the iteration stopped, even after `next()`
    /// returned `None` for it.
    pub fn limit(mut self, n: usize) -> Self {
        self.pages = self.pages.limit(n);
        self
    }

    /// Stops after the items of `n` pages. May be set or changed at any
    /// time, also while iterating and with prefetch, like
    /// [`limit`](Self::limit).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.max_pages(n);
        self
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).items()`) continues without skipping any item
    /// not yet yielded. Between pages it repeats nothing; in the middle of a
    /// page it is that page's token, so the page's first items come again.
    /// Correct with prefetch too: it is the first page not yet handed out,
    /// not the one the background thread is fetching.
    ///
    /// `None` means one of two things; [`is_finished`](Self::is_finished)
    /// tells which:
    /// - the listing has ended: every item was yielded, nothing is left;
    /// - the iteration is still within the first page of a listing started
    ///   without a token (nothing yielded yet, a limit stopped it on the
    ///   first page, or the first page failed): start it again the same
    ///   way, without a token, and the first page's items come again.
    ///
    /// After a stop on a page token the server sent twice (a server that
    /// loops) it is `None` too: no token resumes that listing without
    /// repeating items.
    ///
    /// The legacy page-number scheme has no tokens: it always gives `None`.
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
    /// assert!(!identities.is_finished());
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn resume_token(&self) -> Option<String> {
        if self.buffered() > 0 {
            return self.current_token.clone();
        }
        self.pages.resume_token()
    }

    /// `true` once the listing has reached its real end and every item has
    /// been yielded, also when a limit lets out exactly the last item.
    /// `false` before that, and after a stop at a limit or an error:
    /// [`resume_token`](Self::resume_token) then says where to go on.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}},{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let mut identities = client.list_identities().items().limit(1);
    /// assert_eq!(identities.by_ref().count(), 1);
    /// // Cut on the first page: no token, but not done either.
    /// assert_eq!((identities.resume_token(), identities.is_finished()), (None, false));
    ///
    /// let mut identities = identities.limit(10);
    /// assert_eq!(identities.by_ref().count(), 1);
    /// assert_eq!((identities.resume_token(), identities.is_finished()), (None, true));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.buffered() == 0 && self.pages.is_finished()
    }

    /// The items of the current page not yet yielded, good or not.
    fn buffered(&self) -> usize {
        self.current.len() + self.current_errors.len()
    }

    /// Whether the limits, as they are now, let the next item of the current
    /// page out: they may have been lowered since it was handed over.
    fn may_yield(&self) -> bool {
        let limits = self.pages.limits;
        let yielded = self.pages.handed_items.saturating_sub(self.buffered());
        yielded < limits.items && self.pages.handed_pages <= limits.pages
    }

    /// The next item of the current page, good or not, in the server's order.
    fn next_buffered(&mut self) -> Option<Result<E::Item, Error>> {
        let bad_here = self
            .current_errors
            .as_slice()
            .first()
            .and_then(DecodeError::item_index)
            == Some(self.position);
        self.position += 1;
        if bad_here && let Some(bad) = self.current_errors.next() {
            return Some(Err(Error::decode(bad)));
        }
        if let Some(item) = self.current.next() {
            return Some(Ok(item));
        }
        self.current_errors
            .next()
            .map(|bad| Err(Error::decode(bad)))
    }

    /// Makes `page` the current page.
    fn load(&mut self, page: Page<E::Item>) {
        self.current_token = page.token.clone();
        self.position = page.first_position;
        let (items, errors) = page.into_parts();
        self.current = items.into_iter();
        self.current_errors = errors.into_iter();
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
        let next = self.advance();
        if self.walk != Walk::Open {
            // Nothing more will be fetched: let the background thread go.
            self.mode = Mode::Here;
        }
        next
    }
}

impl<E: Paginated> Iterator for Items<E> {
    type Item = Result<E::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.buffered() > 0 {
                if !self.may_yield() {
                    return None;
                }
                return self.next_buffered();
            }
            // Free the finished page's buffer before the next one arrives:
            // one page in memory, and a heap the next decode can reuse.
            self.current = Vec::new().into_iter();
            match self.pages.next()? {
                Ok(page) => self.load(page),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<E: Paginated> fmt::Debug for Pages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match (&self.mode, self.prefetch.is_some()) {
            (Mode::Background(_), _) | (_, true) => "prefetching",
            _ => "sequential",
        };
        f.debug_struct("Pages")
            .field("operation", &self.operation.name())
            .field("mode", &mode)
            .field("pages_handed_out", &self.handed_pages)
            .field("items_handed_out", &self.handed_items)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<E: Paginated> fmt::Debug for Items<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered())
            .finish()
    }
}

/// Sends a call and decodes its page: all the I/O of the walk.
#[derive(Clone)]
struct Fetcher<E> {
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

/// The work of a background thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A background thread that fetches the calls it is asked for, one at a
/// time, and nothing else: it decides no limit and no end. Dropping it
/// detaches the thread and cancels its fetch: a request on the wire
/// finishes, but no further attempt is made and no wait is sat out; the
/// thread then ends by itself.
struct Prefetcher<T> {
    /// Calls to fetch; closed when this is dropped.
    asks: SyncSender<Call>,
    /// Their pages, in order.
    pages: Receiver<Result<Page<T>, Error>>,
    /// Set when this is dropped.
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Prefetcher<T> {
    fn start<E>(fetcher: &Fetcher<E>) -> io::Result<Self>
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
        items.pages.prefetch = Some(refused::<ListIdentities> as StartPrefetch<ListIdentities>);

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
        assert!(matches!(items.pages.mode, Mode::Here));
        assert!(format!("{items:?}").contains(r#"mode: "sequential""#));
    }

    #[test]
    fn a_prefetch_thread_that_dies_is_an_error_naming_the_operation() {
        let server = MockServer::start();
        let [first, second] = two_pages(&server);
        let client = IdentityClient::new(server.base_url()).unwrap();
        let mut items = client.list_identities().page_size(1).items();
        items.pages.prefetch = Some(gone::<ListIdentities> as StartPrefetch<ListIdentities>);

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
