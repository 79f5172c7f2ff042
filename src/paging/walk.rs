//! The walk behind every list operation's iterators: [`Walk`] goes from
//! page to page and hands each page out, whole ([`Pages`]) or item by item
//! ([`Items`](crate::Items)).
//!
//! It follows the `Link` header's `rel="next"` target, re-sent against the
//! client's own base URL, stops at the end, a repeated token, a failed page
//! or the limits, and knows where it stands ([`ListPosition`]). All of that
//! is decided here, on the caller's thread; a [`Source`] only fetches the
//! calls it is given, here or on the prefetch thread, which is asked for the
//! next page as soon as the one before it is handed out, if the limits will
//! let it out. So both ways yield the same, whatever is changed while
//! iterating.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem;

use uuid::Uuid;

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::Call;
use crate::error::{DecodeError, Error, PaginationErrorKind};
use crate::paging::page::{NextPage, PAGINATION_PARAMS, Page, PageInfo};
use crate::paging::paginated::Paginated;
use crate::paging::position::{ItemId, ItemKey, ListPosition};
use crate::paging::prefetch::{Prefetcher, Source, StartPrefetch};

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

    /// Every page, fetched lazily. See [`items`](Self::items) for when it
    /// ends; a page's items that did not decode are in [`Page::errors`].
    pub fn pages(self) -> Pages<E> {
        Pages {
            walk: Walk::new(self),
        }
    }
}

/// The lazy iterator over pages returned by [`RequestBuilder::pages`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<E: Paginated> {
    walk: Walk<E>,
}

/// A walk over the pages of a listing, handing each out whole or item by
/// item, within the limits.
pub(crate) struct Walk<E: Paginated> {
    /// Fetches the pages, here or on the prefetch thread.
    pub(crate) source: Source<E>,
    /// What comes after the current page.
    next: Next,
    /// Hashes of the cursors requested so far: one requested again is a loop.
    seen: HashSet<u64>,
    budget: Budget,
    /// The server's page being handed out, and where the walk stands.
    current: Current<E::Item>,
}

/// What comes after the current page.
enum Next {
    /// The next page's call, not asked of the source yet.
    Call(Call),
    /// The next page's call, asked of the source: collect it next.
    Asked(Call),
    /// The walk stops with this error when the next page is wanted (the
    /// request cannot be made, the server loops, a full page came without
    /// a `Link` header); `resume` is the token to start again from.
    Stop {
        error: Error,
        resume: Option<String>,
    },
    /// The current page is the listing's last.
    End,
    /// The walk stopped after an error, which was yielded.
    Failed { resume: Option<String> },
}

/// What the limits allow and what was handed out so far. `usize::MAX` is no
/// limit.
#[derive(Debug, Clone, Copy)]
struct Budget {
    max_items: usize,
    max_pages: usize,
    /// Items handed out (those that did not decode too).
    items: usize,
    /// Server pages from which anything was handed out.
    pages: usize,
}

impl Budget {
    /// Whether more of the current page may be handed out (the limits may
    /// have been lowered since it arrived).
    fn has_room(&self) -> bool {
        self.items < self.max_items && self.pages <= self.max_pages
    }

    /// Whether a new page may be handed out once `pending` more items are.
    fn has_room_for_page(&self, pending: usize) -> bool {
        self.items.saturating_add(pending) < self.max_items && self.pages < self.max_pages
    }
}

/// The server's page being handed out: what is left of it, and the
/// position of the walk.
struct Current<T> {
    items: std::vec::IntoIter<T>,
    /// Its items that did not decode, by position.
    errors: std::vec::IntoIter<DecodeError>,
    info: PageInfo,
    /// The page's paging parameters and the position on it of the next
    /// item to hand out. Its `last_id` and `finished` are filled in by
    /// [`Walk::position`].
    at: ListPosition,
    /// The id of the last item handed out, from this page or an earlier one.
    last: Option<ItemKey>,
    /// The walk was resumed at `at`, and its page has not come yet.
    resuming: bool,
    /// A resumed walk over a listing in id order: every item up to this id
    /// was handed out before, wherever it is now (see
    /// [`resume_skip`](Walk::resume_skip)).
    handed_through: Option<Uuid>,
}

impl<T: ItemId> Current<T> {
    fn remaining(&self) -> usize {
        self.items.len() + self.errors.len()
    }

    /// The next item, good or not, in the server's order; a bad one as
    /// `bad` makes it (built in place: an item is moved as little as can be).
    #[inline]
    fn take_item<X>(&mut self, bad: impl FnOnce(DecodeError) -> X) -> Option<Result<T, X>> {
        let bad_here = self
            .errors
            .as_slice()
            .first()
            .and_then(DecodeError::item_index)
            == Some(self.at.offset());
        let item = if bad_here { None } else { self.items.next() };
        let next = match item {
            Some(item) => {
                self.last = item.item_id();
                Ok(item)
            }
            None => {
                let error = self.errors.next()?;
                self.last = error.id().and_then(ItemKey::of_text);
                Err(bad(error))
            }
        };
        self.at.set_offset(self.at.offset() + 1);
        Some(next)
    }

    /// The next `n` positions (or fewer, at the page's end) as a page of
    /// their own.
    fn take_page(&mut self, n: usize) -> Page<T> {
        let first = self.at.offset();
        let (mut items, mut errors) = (Vec::with_capacity(n.min(self.items.len())), Vec::new());
        for _ in 0..n {
            match self.take_item(|bad| bad) {
                Some(Ok(item)) => items.push(item),
                Some(Err(bad)) => errors.push(bad),
                None => break,
            }
        }
        Page::from_parts(items, errors, self.info.clone(), first)
    }
}

impl<E: Paginated> Walk<E> {
    /// The walk `builder` describes: from its first page, or from the
    /// position given to [`resume`](RequestBuilder::resume).
    pub(crate) fn new(mut builder: RequestBuilder<E>) -> Self {
        let resumed = builder.endpoint.paging_mut().take_resume();
        let start = ListPosition::at_page(&builder.endpoint.paging().pairs());
        let resume = start.page_token().map(str::to_string);
        let (next, at, resuming) = match resumed {
            Err(error) => {
                let error = error.in_operation(E::OPERATION);
                (Next::Stop { error, resume }, start, false)
            }
            Ok(Some(position)) if position.is_finished() => (Next::End, position, false),
            Ok(resumed) => {
                let next = match builder.to_call() {
                    Ok(call) => Next::Call(call),
                    Err(error) => Next::Stop { error, resume },
                };
                let resuming = resumed.is_some();
                (next, resumed.unwrap_or(start).finished(false), resuming)
            }
        };
        let handed_through = match (resuming, at.last_id().and_then(ItemKey::of_text)) {
            (true, Some(ItemKey::Uuid(last))) if E::IN_ID_ORDER => Some(last),
            _ => None,
        };
        Walk {
            source: Source::new(builder.client, builder.endpoint),
            next,
            seen: HashSet::new(),
            budget: Budget {
                max_items: usize::MAX,
                max_pages: usize::MAX,
                items: 0,
                pages: 0,
            },
            current: Current {
                items: Vec::new().into_iter(),
                errors: Vec::new().into_iter(),
                info: PageInfo::default(),
                last: at.last_id().and_then(ItemKey::of_text),
                at,
                resuming,
                handed_through,
            },
        }
    }

    pub(crate) fn set_limit(&mut self, n: usize) {
        self.budget.max_items = n;
    }

    pub(crate) fn set_max_pages(&mut self, n: usize) {
        self.budget.max_pages = n;
    }

    pub(crate) fn set_prefetch(&mut self, start: Option<StartPrefetch<E>>) {
        self.source.set_prefetch(start);
    }

    /// The items of the current page not handed out yet, good or not.
    pub(crate) fn remaining(&self) -> usize {
        self.current.remaining()
    }

    /// The next item within the limits, the error that stops the walk, or
    /// `None` (the end, a limit, or after the error).
    #[inline]
    pub(crate) fn next_item(&mut self) -> Option<Result<E::Item, Error>> {
        if let Err(error) = self.fill()? {
            return Some(Err(error));
        }
        let item = self.current.take_item(Error::decode)?;
        self.budget.items += 1;
        self.ask_ahead();
        Some(item)
    }

    /// The rest of the current page (or the next page), cut to the item
    /// limit, the error that stops the walk, or `None`.
    fn next_page(&mut self) -> Option<Result<Page<E::Item>, Error>> {
        if let Err(error) = self.fill()? {
            return Some(Err(error));
        }
        let room = self.budget.max_items - self.budget.items;
        let page = self.current.take_page(room.min(self.remaining()));
        self.budget.items += page.positions();
        self.ask_ahead();
        Some(Ok(page))
    }

    /// Makes sure the current page has something the limits let out,
    /// fetching pages as needed: `Some(Ok)` then; `Some(Err)` with the error
    /// that stops the walk (once); `None` at the end, at a limit, and after
    /// the error.
    fn fill(&mut self) -> Option<Result<(), Error>> {
        loop {
            if self.remaining() > 0 {
                return self.budget.has_room().then_some(Ok(()));
            }
            if !self.budget.has_room_for_page(0) {
                return None;
            }
            let call = match mem::replace(&mut self.next, Next::End) {
                Next::Asked(call) => call,
                Next::Call(call) => {
                    self.next = self.ask(call);
                    continue;
                }
                Next::Stop { error, resume } => return Some(Err(self.stop(error, resume))),
                ended => {
                    self.set_next(ended);
                    return None;
                }
            };
            // Free the finished page before the next one arrives: one page
            // in memory, and a heap the next decode can reuse.
            self.current.items = Vec::new().into_iter();
            match self.source.collect(&call) {
                Ok(page) => self.load(&call, page),
                Err(error) => return Some(Err(self.stop(error, page_token(&call)))),
            }
        }
    }

    /// Makes `page`, the answer to `call`, the current page, and sets what
    /// comes after it. A resumed walk's first page is cut to where the
    /// position says. A page cut to nothing is skipped by [`fill`](Self::fill).
    fn load(&mut self, call: &Call, mut page: Page<E::Item>) {
        if page.positions() == 0 {
            // The offset scheme announces a next page even after the last one.
            self.set_next(Next::End);
            return;
        }
        let next = match (page.next(), page.is_next_unknown()) {
            (Some(next), _) => Next::Call(follow(call, next)),
            // A full page without a Link header: more may follow, but the
            // walk cannot know; it stops after this page, unfinished.
            (None, true) => Next::Stop {
                error: Error::pagination(
                    E::OPERATION,
                    PaginationErrorKind::MissingLink,
                    "a full page came without a Link header (Kratos always sends one; a proxy in front of it removed it?): the pages after it cannot be found, so the listing stops here, unfinished",
                ),
                resume: None,
            },
            (None, false) => Next::End,
        };
        self.set_next(next);
        let skip = match mem::take(&mut self.current.resuming) {
            true => self.resume_skip(&page),
            false => 0,
        };
        if skip > 0 {
            page = page.split_off(skip);
        }
        self.current.at.move_to_page(&call.query);
        self.current.at.set_offset(skip);
        let (items, errors, info) = page.into_parts();
        self.current.items = items.into_iter();
        self.current.errors = errors.into_iter();
        self.current.info = info;
        if self.remaining() > 0 {
            self.budget.pages += 1;
        }
    }

    /// How many items of a resumed walk's page were handed out before.
    ///
    /// On a listing in id order (identities) that is every item up to the
    /// last id handed out, wherever writers moved it: identities created
    /// inside the pages already handed out push the last one onto the next
    /// page, so a page may be handed out whole already, and the walk goes
    /// on skipping on the next one. Elsewhere (and should a page not come
    /// in id order) the position's offset, checked against its last id
    /// ([`ListPosition::resume_offset`]).
    fn resume_skip(&mut self, page: &Page<E::Item>) -> usize {
        let ids = page.ids();
        if let Some(last) = self.current.handed_through {
            if let Some(through) = handed_through_in_id_order(&ids, last) {
                let offset = self.current.at.offset();
                if through != offset {
                    log::info!(
                        "{}: resuming: the page changed since the position was taken (identities created or deleted); going on after item {last} in id order, offset {through} instead of {offset}",
                        E::OPERATION
                    );
                }
                match through == ids.len() {
                    // The next page may hold more of them.
                    true => self.current.resuming = true,
                    false => self.current.handed_through = None,
                }
                return through;
            }
            log::warn!(
                "{}: resuming: a page did not come in id order; going on by the position's offset",
                E::OPERATION
            );
            self.current.handed_through = None;
        }
        self.position().resume_offset(&ids, E::OPERATION)
    }

    /// With the current page handed out (or about to be), asks the source
    /// for the next page, if the limits will let it out: the prefetch thread
    /// fetches it meanwhile.
    fn ask_ahead(&mut self) {
        if matches!(self.next, Next::Call(_))
            && self.budget.has_room_for_page(self.remaining())
            && let Next::Call(call) = mem::replace(&mut self.next, Next::End)
        {
            let next = self.ask(call);
            self.set_next(next);
        }
    }

    /// Asks the source for `call`'s page, unless the server loops.
    fn ask(&mut self, call: Call) -> Next {
        match self.check(call) {
            Ok(call) => {
                self.source.ask(&call);
                Next::Asked(call)
            }
            Err(error) => Next::Stop {
                error,
                resume: None,
            },
        }
    }

    /// `call`, unless its page was requested already: then the server
    /// loops, and no token resumes the walk without repeating pages.
    fn check(&mut self, call: Call) -> Result<Call, Error> {
        if self.seen.insert(cursor_hash(&call)) {
            return Ok(call);
        }
        let cursor = describe_cursor(&call);
        log::warn!(
            "{}: the server sent the same next page twice; stopping instead of looping",
            call.operation
        );
        Err(Error::pagination(
            call.operation,
            PaginationErrorKind::Loop,
            format!(
                "the server sent the same next page twice ({cursor}); stopping instead of looping"
            ),
        ))
    }

    /// Ends the walk after `error`, which is returned to be yielded.
    fn stop(&mut self, error: Error, resume: Option<String>) -> Error {
        self.set_next(Next::Failed { resume });
        error
    }

    /// Sets what comes next; once nothing more will be fetched, lets the
    /// prefetch thread go. Never called with a call asked and not collected.
    fn set_next(&mut self, next: Next) {
        if !matches!(next, Next::Call(_) | Next::Asked(_)) {
            self.source.stop();
        }
        self.next = next;
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.remaining() == 0 && matches!(self.next, Next::End)
    }

    pub(crate) fn resume_token(&self) -> Option<String> {
        if self.remaining() > 0 {
            return self.current.at.page_token().map(str::to_string);
        }
        match &self.next {
            Next::Call(call) | Next::Asked(call) => page_token(call),
            Next::Stop { resume, .. } | Next::Failed { resume } => resume.clone(),
            Next::End => None,
        }
    }

    pub(crate) fn position(&self) -> ListPosition {
        let mut position = self.current.at.clone().finished(self.is_finished());
        position.set_last_id(self.current.last.as_ref());
        position
    }

    /// `Debug` as `Pages { .. }`, with the items handed out counted as `items`.
    pub(crate) fn debug(&self, f: &mut fmt::Formatter<'_>, items: usize) -> fmt::Result {
        let mode = match self.source.is_prefetching() {
            true => "prefetching",
            false => "sequential",
        };
        f.debug_struct("Pages")
            .field("operation", &E::OPERATION.name())
            .field("mode", &mode)
            .field("pages_handed_out", &self.budget.pages)
            .field("items_handed_out", &items)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }

    pub(crate) fn items_handed_out(&self) -> usize {
        self.budget.items
    }
}

impl<E: Paginated> Pages<E> {
    /// Stops after `n` items in all (those that did not decode count too);
    /// the page that reaches the limit is cut to fit. May be set or changed
    /// at any time, also while iterating and with prefetch: a lower limit
    /// holds back what was not handed out yet, and a higher one goes on
    /// where the iteration stopped (the rest of a cut page comes first, as
    /// a page of its own), even after `next()` returned `None` for it.
    pub fn limit(mut self, n: usize) -> Self {
        self.walk.set_limit(n);
        self
    }

    /// Stops after `n` pages. May be set or changed at any time, also while
    /// iterating and with prefetch, like [`limit`](Self::limit).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.walk.set_max_pages(n);
        self
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).pages()`) continues without skipping any page not
    /// yet handed out: the token of the next page, or the token of a page
    /// cut by [`limit`](Self::limit) (its first items come again). A stop at
    /// a limit or at an error keeps it. Correct with prefetch too: it is the
    /// first page not yet handed out, not the one the background thread is
    /// fetching. [`resume_position`](Self::resume_position) says where the walk stands to
    /// the item.
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
        self.walk.resume_token()
    }

    /// Where the walk stands, to the item: the page last handed out (or
    /// cut by a limit) and how much of it, for
    /// [`RequestBuilder::resume`]. See [`Items::resume_position`](crate::Items::resume_position).
    pub fn resume_position(&self) -> ListPosition {
        self.walk.position()
    }

    /// `true` once the listing has reached its real end (a page without a
    /// next link, or the empty page after the last one) and every page has
    /// been handed out, also when a limit lets out exactly the last item.
    /// `false` before that, and after a stop at a limit or an error:
    /// [`resume_token`](Self::resume_token) then says where to go on.
    pub fn is_finished(&self) -> bool {
        self.walk.is_finished()
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
    /// items, their order, any error, the limits, the resume token and the
    /// position are exactly as without prefetch. May be switched on or off
    /// at any time, also while iterating; it takes effect from the next
    /// page asked for.
    ///
    /// Dropping the iterator returns at once. A request in flight finishes
    /// on the background thread (within the client's timeouts), but is not
    /// retried, and no wait for a retry is sat out: the thread ends by
    /// itself and sends nothing more.
    pub fn prefetch(mut self, on: bool) -> Self {
        self.walk
            .set_prefetch(on.then_some(Prefetcher::start::<E> as StartPrefetch<E>));
        self
    }
}

impl<E: Paginated> Iterator for Pages<E> {
    type Item = Result<Page<E::Item>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next_page()
    }
}

impl<E: Paginated> fmt::Debug for Pages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.walk.debug(f, self.walk.items_handed_out())
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

fn page_token(call: &Call) -> Option<String> {
    call.query
        .iter()
        .find(|(k, _)| k == "page_token")
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

/// How many items at the start of a page have ids up to `last`, on a page
/// whose readable ids are UUIDs in ascending order (an item without a
/// readable id sits where its id sorts); `None` for a page out of order.
fn handed_through_in_id_order(ids: &[Option<ItemKey>], last: Uuid) -> Option<usize> {
    let mut previous: Option<Uuid> = None;
    let mut through = 0;
    for (at, id) in ids.iter().enumerate() {
        let uuid = match id {
            Some(ItemKey::Uuid(uuid)) => *uuid,
            Some(ItemKey::Text(_)) => return None,
            None => continue,
        };
        if previous.is_some_and(|p| p >= uuid) {
            return None;
        }
        previous = Some(uuid);
        if uuid <= last {
            through = at + 1;
        }
    }
    Some(through)
}
