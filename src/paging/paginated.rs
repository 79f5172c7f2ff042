//! What every list operation shares: its paging parameters and their
//! setters. (The lazy iterators over all pages live in `paging::iter`.)

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint};
use crate::error::{Error, InvalidInputKind};
use crate::paging::page::Page;

/// The paging parameters of the list operations: `page_size` and
/// `page_token`, and the legacy `page` and `per_page`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    pub(crate) page_size: Option<u32>,
    pub(crate) page_token: Option<String>,
    pub(crate) page: Option<u32>,
    pub(crate) per_page: Option<u32>,
}

impl Paging {
    /// Adds the set parameters to `call`; a page size of 0 is an error, and
    /// so is an empty page token (Kratos would start from the first page).
    pub(crate) fn apply(&self, call: Call) -> Result<Call, Error> {
        for (name, value) in [("page_size", self.page_size), ("per_page", self.per_page)] {
            if value == Some(0) {
                return Err(Error::invalid(
                    InvalidInputKind::OutOfRange,
                    format!("{name} must be at least 1"),
                ));
            }
        }
        if self.page_token.as_deref() == Some("") {
            return Err(Error::invalid(
                InvalidInputKind::Empty,
                "page_token must not be empty (Kratos would start from the first page)",
            ));
        }
        Ok(call
            .query_opt("page_size", self.page_size)
            .query_opt("page_token", self.page_token.as_ref())
            .query_opt("page", self.page)
            .query_opt("per_page", self.per_page))
    }
}

pub(crate) mod sealed {
    use super::Paging;

    /// Access to a list operation's paging parameters.
    pub trait HasPaging {
        fn paging(&self) -> &Paging;
        fn paging_mut(&mut self) -> &mut Paging;
    }
}

/// A list operation: it answers with a [`Page`] and pages with
/// `page_size`/`page_token`. Implemented by [`ListIdentities`](crate::ListIdentities),
/// [`ListSessions`](crate::ListSessions), [`ListIdentitySessions`](crate::ListIdentitySessions)
/// and [`ListIdentitySchemas`](crate::ListIdentitySchemas); sealed. Every one
/// is `Clone`: a prefetching iterator gives its background thread a copy.
pub trait Paginated: Endpoint<Output = Page<Self::Item>> + sealed::HasPaging + Clone {
    /// The type of one listed item.
    type Item;
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
    /// [`Page::next_page_token`] or from
    /// [`Items::resume_token`](crate::Items::resume_token). Tokens are
    /// opaque: never build one.
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
