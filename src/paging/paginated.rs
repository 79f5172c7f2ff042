//! What every list operation shares: its paging setters. (The lazy
//! iterators over all pages live in `paginator`.)

use crate::api::endpoint::Endpoint;
use crate::paging::page::Page;
use crate::api::builder::RequestBuilder;
use crate::api::Paging;

/// A list operation: it answers with a [`Page`] and pages with
/// `page_size`/`page_token`. Implemented by [`ListIdentities`](crate::ListIdentities),
/// [`ListSessions`](crate::ListSessions), [`ListIdentitySessions`](crate::ListIdentitySessions)
/// and [`ListIdentitySchemas`](crate::ListIdentitySchemas); sealed.
pub trait Paginated: Endpoint<Output = Page<Self::Item>> {
    /// The type of one listed item.
    type Item;

    #[doc(hidden)]
    fn paging_mut(&mut self) -> &mut Paging;
}

/// A list operation that also serves the deprecated page-number scheme
/// (`page`/`per_page`); every one but [`ListSessions`](crate::ListSessions). Sealed.
pub trait PageNumbers: Paginated {}

impl<E: Paginated> RequestBuilder<E> {
    /// Items per page (`page_size`). Kratos's default is 250; larger values
    /// are clamped by the server (500 for identities, 1000 for sessions).
    /// Must be at least 1.
    pub fn page_size(self, size: u32) -> Self {
        self.with(|e| e.paging_mut().page_size = Some(size))
    }

    /// Starts at the page with this token, taken from a previous
    /// [`Page::next_page_token`]. Tokens are opaque.
    pub fn page_token(self, token: impl Into<String>) -> Self {
        self.with(|e| e.paging_mut().page_token = Some(token.into()))
    }
}

impl<E: PageNumbers> RequestBuilder<E> {
    /// Deprecated page-number pagination: the 0-based page to fetch. Kratos
    /// refuses `page * per_page` beyond 1000; prefer
    /// [`page_token`](Self::page_token).
    pub fn page(self, page: u32) -> Self {
        self.with(|e| e.paging_mut().page = Some(page))
    }

    /// Deprecated page-number pagination: items per page (at most 500 for
    /// identities). Prefer [`page_size`](Self::page_size).
    pub fn per_page(self, per_page: u32) -> Self {
        self.with(|e| e.paging_mut().per_page = Some(per_page))
    }
}
