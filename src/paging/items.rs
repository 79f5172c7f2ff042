//! [`Items`]: the items of every page of a listing, one by one, and where
//! the walk stands ([`Items::resume_position`]).

use std::fmt;

use crate::api::builder::RequestBuilder;
use crate::error::Error;
use crate::paging::paginated::Paginated;
use crate::paging::position::ListPosition;
use crate::paging::prefetch::{Prefetcher, StartPrefetch};
use crate::paging::walk::Walk;

impl<E: Paginated> RequestBuilder<E> {
    /// Every item of every page, fetched lazily, one page at a time, the
    /// builder's filters sent with every page.
    ///
    /// An item that does not decode (traits that do not fit your type, say)
    /// is yielded as its own [`Error::Decode`], naming its position, `id`
    /// and the field that failed; the items around it and the pages after
    /// it still come. How the next page is found, and when the walk stops:
    /// see the [pagination chapter](crate::guide::pagination). It pauses at
    /// [`Items::limit`] / [`Items::max_pages`]. [`Items::resume_position`] tells
    /// where it stands, to the item, for [`resume`](Self::resume);
    /// [`Items::resume_token`] where to pick up at a page boundary, and
    /// [`Items::is_finished`] whether there is anything left.
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
            walk: Walk::new(self),
        }
    }
}

/// The lazy iterator over items returned by [`RequestBuilder::items`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Items<E: Paginated> {
    walk: Walk<E>,
}

impl<E: Paginated> Items<E> {
    /// Stops after `n` items (those that did not decode count too). May be
    /// set or changed at any time, also while iterating and with prefetch:
    /// a lower limit holds back even the rest of the current page, and a
    /// higher one goes on where the iteration stopped, even after `next()`
    /// returned `None` for it.
    pub fn limit(mut self, n: usize) -> Self {
        self.walk.set_limit(n);
        self
    }

    /// Stops after the items of `n` pages. May be set or changed at any
    /// time, also while iterating and with prefetch, like
    /// [`limit`](Self::limit).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.walk.set_max_pages(n);
        self
    }

    /// Where the walk stands, to the item: the page it is on, how many of
    /// that page's items were yielded (those that did not decode count),
    /// the id of the last one, and whether the listing is finished. Give it
    /// to [`RequestBuilder::resume`] on the same request to continue after
    /// the last item yielded, in this process or another: save it (it
    /// serializes) after writing what was yielded. The same with prefetch on
    /// or off; correct after any `next()`, also after a stop at a limit or
    /// an error (after a server that looped, a resumed walk follows the
    /// server's links again).
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param_missing("page_token"); then.header("link", r#"</admin/identities?page_size=2&page_token=0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1>; rel="next""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}},{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # server.mock(|when, then| { when.path("/admin/identities").query_param("page_token", "0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1"); then.header("link", r#"</admin/identities?page_size=2>; rel="first""#).body(r#"[{"id":"1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b","schema_id":"default","schema_url":"","traits":{}}]"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let mut identities = client.list_identities().page_size(2).items();
    /// let first = identities.next().transpose()?;
    /// # let _ = first;
    /// let position = identities.resume_position();
    /// assert_eq!((position.offset(), position.is_finished()), (1, false));
    ///
    /// // Later, maybe in another process: everything after the first one.
    /// let rest: Vec<_> = client.list_identities().resume(&position).items().collect::<Result<_, _>>()?;
    /// assert_eq!(rest.len(), 2);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn resume_position(&self) -> ListPosition {
        self.walk.position()
    }

    /// The `page_token` from which a new iteration with the same request
    /// (`.page_token(token).items()`) continues without skipping any item
    /// not yet yielded. Between pages it repeats nothing; in the middle of a
    /// page it is that page's token, so the page's first items come again
    /// ([`resume_position`](Self::resume_position) does not repeat them).
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
        self.walk.resume_token()
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
        self.walk.is_finished()
    }

    #[cfg(test)]
    pub(crate) fn walk_mut(&mut self) -> &mut Walk<E> {
        &mut self.walk
    }
}

impl<E> Items<E>
where
    E: Paginated + Send + 'static,
    E::Item: Send + 'static,
{
    /// Fetches the next page in the background; see [`Pages::prefetch`](crate::Pages::prefetch).
    pub fn prefetch(mut self, on: bool) -> Self {
        self.walk
            .set_prefetch(on.then_some(Prefetcher::start::<E> as StartPrefetch<E>));
        self
    }
}

impl<E: Paginated> Iterator for Items<E> {
    type Item = Result<E::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next_item()
    }
}

impl<E: Paginated> fmt::Debug for Items<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// The walk as `Pages { .. }`, the current page counted as handed
        /// out: it was handed to this iterator.
        struct Walked<'a, E: Paginated>(&'a Walk<E>);
        impl<E: Paginated> fmt::Debug for Walked<'_, E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let walk = self.0;
                walk.debug(f, walk.items_handed_out() + walk.remaining())
            }
        }
        f.debug_struct("Items")
            .field("pages", &Walked(&self.walk))
            .field("buffered", &self.walk.remaining())
            .finish()
    }
}
