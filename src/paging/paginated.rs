//! What every list operation shares: its paging parameters and their
//! setters. (The lazy iterators over all pages live in `paging::walk` and
//! `paging::items`.)

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint};
use crate::error::{Error, InvalidInputKind};
use crate::paging::page::Page;
use crate::paging::position::{ItemId, ListPosition};

/// The paging parameters of the list operations: `page_size` and
/// `page_token`, and the legacy `page` and `per_page`; and a position to
/// resume the iterators at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    pub(crate) page_size: Option<u32>,
    pub(crate) page_token: Option<String>,
    pub(crate) page: Option<u32>,
    pub(crate) per_page: Option<u32>,
    /// Set by `resume()`; the iterators move it into the others.
    pub(crate) resume: Option<ListPosition>,
}

impl Paging {
    /// Adds the set parameters to `call`; a page size of 0 is an error, and
    /// so is an empty page token (Kratos would start from the first page),
    /// and a position to resume, which only the iterators take.
    pub(crate) fn apply(&self, call: Call) -> Result<Call, Error> {
        if self.resume.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::Invalid,
                "resume() continues an items() or pages() walk after the items it handed out; send() fetches one whole page (use page_token() for that)",
            ));
        }
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
        // Numbers are words of the API, also when a next link sets them;
        // a page token is opaque, and stays private.
        Ok(call
            .query_opt("page_size", self.page_size)
            .query_opt("page_token", self.page_token.as_ref())
            .query_opt("page", self.page)
            .query_opt("per_page", self.per_page)
            .public(&["page_size", "page", "per_page"]))
    }
}

pub(crate) mod sealed {
    use super::Paging;

    /// Access to a list operation's paging parameters.
    pub trait HasPaging {
        /// Whether the server lists the items in ascending id order on
        /// every scheme (Kratos's identity list: `ORDER BY id ASC`, and
        /// its page token is the last id of the page before). A resumed
        /// walk over such a listing goes on strictly after the last id
        /// handed out, whatever was created or deleted meanwhile.
        const IN_ID_ORDER: bool = false;
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
    type Item: ItemId;
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

    /// Continues a walk where [`Items::resume_position`](crate::Items::resume_position)
    /// (or [`Pages::resume_position`](crate::Pages::resume_position)) said it stood: the
    /// iterators of this request yield exactly the items after the last one
    /// that walk handed out. Give it the same request the position was
    /// taken from (the same operation and filters): the position does not
    /// hold them.
    ///
    /// The page the position is on is fetched again and the items already
    /// handed out are skipped.
    ///
    /// **Identities** are listed in id order on every paging scheme, so a
    /// resumed identity listing goes on strictly after the last identity
    /// handed out, whatever other writers did meanwhile: identities created
    /// or deleted anywhere, the last one handed out deleted, or so many
    /// created inside the pages already handed out that the position's page
    /// now ends before it (then that page is skipped whole, and the next one
    /// up to it). No identity is handed out twice, and every identity that
    /// was there from the first walk's start to the resumed walk's end is
    /// handed out once; one created meanwhile comes if its id sorts after
    /// the position. This holds on Ory Network too: the page token is never
    /// built, only the ids on the pages are compared.
    ///
    /// **Sessions and schemas** are not in id order. When the page changed
    /// meanwhile (an item before the position was added or deleted), the
    /// walk goes on after the last item handed out, found by its `id`; when
    /// that item itself is gone, at the same offset, with a warning in the
    /// log (an item near it may then be missed or come twice).
    ///
    /// The position's paging replaces this request's: its page token (or
    /// legacy page number: a walk with `page`/`per_page` resumes with
    /// them) and its page size, whatever [`page_size`](Self::page_size),
    /// [`page_token`](Self::page_token), `page` or `per_page` say, before or
    /// after this call. Offsets count within a page of that size, and
    /// Kratos's links carry the size it clamped a larger one to.
    /// A finished position gives an empty walk, without a request.
    ///
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # let page = r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}},{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}},{"id":"1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b","schema_id":"default","schema_url":"","traits":{}}]"#;
    /// # server.mock(|when, then| { when.path("/admin/identities"); then.header("link", r#"</admin/identities?page_size=3>; rel="first""#).body(page); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// let list = || client.list_identities().page_size(3);
    /// let mut first_run = list().items();
    /// first_run.next().transpose()?; // written out, and then the process died
    /// let saved = serde_json::to_string(&first_run.resume_position())?;
    ///
    /// let position: kratos_identity::ListPosition = serde_json::from_str(&saved)?;
    /// let rest: Vec<_> = list().resume(&position).items().collect::<Result<_, _>>()?;
    /// assert_eq!(rest.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`send`](RequestBuilder::send) and
    /// [`send_lenient`](RequestBuilder::send_lenient) refuse a request with a
    /// position with [`Error::InvalidInput`]: they fetch a whole page.
    pub fn resume(self, position: &ListPosition) -> Self {
        self.with(|e| e.paging_mut().resume = Some(position.clone()))
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
