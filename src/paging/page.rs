//! [`Page`]: one page of a list operation, the items that did not decode,
//! and where the next page starts.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::api::endpoint::{RawResponse, parse_json};
use crate::error::{DecodeError, Error, PaginationErrorKind};
use crate::http::percent::parse_query;
use crate::paging::link;
use crate::paging::offset_pages::requested_page_size;
use crate::paging::position::{ItemId, ItemKey};

/// The query parameters that move through a listing. Everything else in a
/// next link is ignored: the next request is the caller's own request, to
/// the client's own base URL, with only these replaced.
pub(crate) const PAGINATION_PARAMS: [&str; 4] = ["page_token", "page_size", "page", "per_page"];

/// One page of a list operation.
///
/// A page holds the items that decoded ([`as_slice`](Self::as_slice)) and,
/// for each one that did not (a legacy record whose traits do not fit your
/// type, say), a [`DecodeError`] naming its position, its `id` and the field
/// that failed ([`errors`](Self::errors)). One odd item never costs the
/// others or the link to the next page.
///
/// ```
/// # let server = httpmock::MockServer::start();
/// # server.mock(|when, then| {
/// #     when.path("/admin/identities");
/// #     then.header("link", r#"</admin/identities?page_size=2&page_token=t2>; rel="next""#)
/// #         .body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}}]"#);
/// # });
/// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
/// let page = client.list_identities().page_size(2).send()?;
/// for identity in page.iter() {
///     println!("{}", identity.id);
/// }
/// for bad in page.errors() {
///     eprintln!("skipped: {bad}");
/// }
/// if let Some(token) = page.next_page_token() {
///     let next = client.list_identities().page_size(2).page_token(token).send()?;
/// #   let _ = next;
/// }
/// # Ok::<(), kratos_identity::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    items: Vec<T>,
    errors: Vec<DecodeError>,
    next: Option<NextPage>,
    /// A full page came without any `Link` header.
    next_unknown: bool,
    total_count: Option<u64>,
    /// The position on the server's page of this page's first item: 0, or
    /// where a pagination limit cut the server's page (see
    /// [`split_off`](Self::split_off)).
    pub(crate) first_position: usize,
}

/// The first item of a page that did not decode (the `first_bad_item` of
/// every list operation).
pub(crate) fn first_bad<T>(page: &Page<T>) -> Option<DecodeError> {
    page.errors.first().cloned()
}

/// What a page says beside its items: where the next page starts, and the
/// total count. Kept by the walk while it hands a page out piece by piece.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageInfo {
    next: Option<NextPage>,
    next_unknown: bool,
    total_count: Option<u64>,
}

/// The pagination parameters of a `rel="next"` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NextPage {
    pub(crate) params: Vec<(String, String)>,
}

impl<T> Page<T> {
    /// Replaces where the next page starts (for a list whose `Link` header
    /// cannot be trusted).
    pub(crate) fn set_next(&mut self, next: Option<NextPage>) {
        self.next = next;
        self.next_unknown = false;
    }

    /// A page of these items with no next page, for your own tests (the
    /// client builds pages from answers).
    ///
    /// ```
    /// use kratos_identity::Page;
    ///
    /// let page = Page::new(vec![1, 2]).with_next_page_token("t2");
    /// assert_eq!(page.next_page_token(), Some("t2"));
    /// ```
    pub fn new(items: Vec<T>) -> Self {
        Page {
            items,
            errors: Vec::new(),
            next: None,
            next_unknown: false,
            total_count: None,
            first_position: 0,
        }
    }

    /// The same page with a next page at this token, for your own tests.
    pub fn with_next_page_token(mut self, token: impl Into<String>) -> Self {
        self.next = Some(NextPage {
            params: vec![("page_token".to_string(), token.into())],
        });
        self
    }

    /// The items of this page that decoded, in order.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// An iterator over the items of this page that decoded.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items of this page that decoded, by value. See
    /// [`errors`](Self::errors) for those that did not.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The items of this page that did not decode, in order: each error
    /// names the item's position on the page, its `id` when readable, and
    /// the field that failed.
    pub fn errors(&self) -> &[DecodeError] {
        &self.errors
    }

    /// `true` when every item of the page decoded.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// The number of items on this page that decoded.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` when no item of this page decoded. An item that did not
    /// decode is not counted here but in [`errors`](Self::errors): before
    /// reading an empty page as "nothing there" (a user who does not exist
    /// yet, say), check [`is_complete`](Self::is_complete).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `page_token` of the next page, from the `Link` header's
    /// `rel="next"` target; `None` on the last page (and for the legacy
    /// page-number scheme, which has no token: see [`has_next`](Self::has_next)).
    pub fn next_page_token(&self) -> Option<&str> {
        self.next_param("page_token")
    }

    /// `true` when the server announced a next page. On the offset scheme
    /// (`list_identity_sessions`, `list_identity_schemas`) Kratos announces a
    /// next page even after the last one; an empty page ends it.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// `true` when the server sent no `Link` header at all with this full
    /// page, so whether more pages follow is not known. Kratos sends one
    /// with every page (even `[]`); without it, a proxy in front of Kratos
    /// stripped it. The iterators stop there with
    /// [`PaginationErrorKind::MissingLink`](crate::PaginationErrorKind::MissingLink)
    /// instead of reporting the listing as finished.
    pub fn is_next_unknown(&self) -> bool {
        self.next_unknown && self.next.is_none()
    }

    /// The `X-Total-Count` header, sent by the legacy and offset schemes.
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }

    /// How many items the server sent: those that decoded and those that
    /// did not.
    pub(crate) fn positions(&self) -> usize {
        self.items.len() + self.errors.len()
    }

    /// Keeps the first `n` positions and returns the others as a page of
    /// their own, with the same token and next link (for a pagination
    /// limit: the rest is handed out if the limit is raised).
    pub(crate) fn split_off(&mut self, n: usize) -> Page<T> {
        let cut = self.first_position.saturating_add(n);
        let errors = std::mem::take(&mut self.errors);
        let (kept, rest): (Vec<_>, Vec<_>) = errors
            .into_iter()
            .partition(|e| e.item_index().is_some_and(|i| i < cut));
        self.errors = kept;
        let good = n.saturating_sub(self.errors.len()).min(self.items.len());
        Page {
            items: self.items.split_off(good),
            errors: rest,
            next: self.next.clone(),
            next_unknown: self.next_unknown,
            total_count: self.total_count,
            first_position: cut,
        }
    }

    pub(crate) fn next(&self) -> Option<&NextPage> {
        self.next.as_ref()
    }

    /// The decoded items, the errors and the rest, by value.
    pub(crate) fn into_parts(self) -> (Vec<T>, Vec<DecodeError>, PageInfo) {
        let info = PageInfo {
            next: self.next,
            next_unknown: self.next_unknown,
            total_count: self.total_count,
        };
        (self.items, self.errors, info)
    }

    /// A page of these items and errors, the server's from `first_position`
    /// on: the inverse of [`into_parts`](Self::into_parts).
    pub(crate) fn from_parts(
        items: Vec<T>,
        errors: Vec<DecodeError>,
        info: PageInfo,
        first_position: usize,
    ) -> Self {
        Page {
            items,
            errors,
            next: info.next,
            next_unknown: info.next_unknown,
            total_count: info.total_count,
            first_position,
        }
    }

    /// The `id` of each position of the page, in the server's order: the
    /// decoded items' and those of the items that did not decode.
    pub(crate) fn ids(&self) -> Vec<Option<ItemKey>>
    where
        T: ItemId,
    {
        let mut items = self.items.iter();
        let mut errors = self.errors.iter().peekable();
        let bad_id = |bad: &DecodeError| bad.id().and_then(ItemKey::of_text);
        (self.first_position..self.first_position + self.positions())
            .map(|at| match errors.next_if(|e| e.item_index() == Some(at)) {
                Some(bad) => bad_id(bad),
                None => match items.next() {
                    Some(item) => item.item_id(),
                    None => errors.next().and_then(bad_id),
                },
            })
            .collect()
    }

    fn next_param(&self, name: &str) -> Option<&str> {
        let next = self.next.as_ref()?;
        next.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    /// The items that decoded; see [`Page::errors`] for the others.
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Decodes a list response: a JSON array body plus the `Link` and
/// `X-Total-Count` headers.
///
/// The array is decoded in one pass, exactly as any JSON body. Only when
/// that fails is it decoded again item by item, so that one item that does
/// not fit costs only itself: the page keeps every other item and its next
/// link, and names the bad item in [`Page::errors`].
pub(crate) fn decode_page<T: DeserializeOwned>(response: &RawResponse) -> Result<Page<T>, Error> {
    let (items, errors) = match parse_json::<Vec<T>>(&response.body) {
        Ok(items) => (items, Vec::new()),
        Err(error) => decode_items(response, &error)?,
    };
    if !errors.is_empty() {
        log::warn!(
            "{}: {} item(s) of the page did not decode (the first at index {}); they are in Page::errors() or yielded as errors",
            response.operation.name(),
            errors.len(),
            errors
                .first()
                .and_then(DecodeError::item_index)
                .unwrap_or_default()
        );
    }
    let bad_next =
        |why: String| Error::pagination(response.operation, PaginationErrorKind::BadNextLink, why);
    let target = link::find(response.headers.get_all("link"), "next")
        .map_err(|e| bad_next(e.to_string()))?;
    let next = target
        .map(|t| next_page(&t))
        .transpose()
        .map_err(bad_next)?;
    // Kratos sends a Link header with every page, even an empty one: a full
    // page without one (a proxy stripped it) does not say whether more
    // follow.
    let positions = items.len() + errors.len();
    let next_unknown = response.headers.get_all("link").next().is_none()
        && positions > 0
        && positions >= requested_page_size(&response.query).min(500);
    let total_count = response
        .headers
        .get("x-total-count")
        .and_then(|v| v.trim().parse().ok());
    Ok(Page {
        items,
        errors,
        next,
        next_unknown,
        total_count,
        first_position: 0,
    })
}

/// Decodes the array item by item, after it failed as a whole. Fails as a
/// whole only when the body is not a JSON array at all.
fn decode_items<T: DeserializeOwned>(
    response: &RawResponse,
    whole: &serde_json::Error,
) -> Result<(Vec<T>, Vec<DecodeError>), Error> {
    let whole_error = || Error::decode(DecodeError::of_body::<Vec<T>>(response, whole));
    let text = std::str::from_utf8(&response.body).map_err(|_| whole_error())?;
    let raw: Vec<&RawValue> = serde_json::from_str(text).map_err(|_| whole_error())?;
    let mut items = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (index, item) in raw.into_iter().enumerate() {
        match serde_json::from_str::<T>(item.get()) {
            Ok(value) => items.push(value),
            Err(e) => {
                // Where the item starts in the body, for line and column.
                let offset = (item.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                let before = response.body.get(..offset).unwrap_or_default();
                errors.push(DecodeError::of_item::<T>(
                    response,
                    index,
                    item.get(),
                    before,
                    &e,
                ));
            }
        }
    }
    Ok((items, errors))
}

/// The pagination parameters of a next link, relative or absolute. The
/// message of a link without any names the parameters it has, never their
/// values: Kratos carries every filter into its links, an email address too.
fn next_page(target: &str) -> Result<NextPage, String> {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let pairs = parse_query(query);
    let params: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| PAGINATION_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect();
    if params.is_empty() {
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        return Err(format!(
            "the next link carries no page_token, page_size, page or per_page (its parameters: [{}])",
            names.join(", ")
        ));
    }
    Ok(NextPage { params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::operation::LIST_IDENTITIES;
    use crate::http::response::Headers;

    fn response(link: &[&str], body: &str) -> RawResponse {
        RawResponse {
            headers: Headers::from_pairs(link.iter().map(|l| ("Link".to_string(), l.to_string()))),
            ..RawResponse::for_test(LIST_IDENTITIES, 200, body.as_bytes())
        }
    }

    #[test]
    fn reads_token_and_ignores_foreign_params() {
        let r = response(
            &[
                r#"<https://other.example/x/admin/identities?page_size=2&page_token=abc%3D&credentials_identifier=evil>; rel="next""#,
            ],
            "[1,2]",
        );
        let page: Page<u32> = decode_page(&r).unwrap();
        assert_eq!(page.as_slice(), &[1, 2]);
        assert_eq!(page.next_page_token(), Some("abc="));
        assert_eq!(
            page.next().unwrap().params,
            vec![
                ("page_size".into(), "2".into()),
                ("page_token".into(), "abc=".into())
            ]
        );
    }

    #[test]
    fn last_page_and_errors() {
        let page: Page<u32> =
            decode_page(&response(&[r#"</x?page_token=a>; rel="first""#], "[]")).unwrap();
        assert!(!page.has_next());
        assert!(matches!(
            decode_page::<u32>(&response(&["<x; rel=next"], "[]")),
            Err(Error::Pagination { .. })
        ));
        let err = decode_page::<u32>(&response(
            &["</x?credentials_identifier=ada%40example.com>; rel=next"],
            "[]",
        ))
        .unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }));
        let shown = err.to_string();
        assert!(shown.contains("credentials_identifier"), "{shown}");
        assert!(!shown.contains("ada"), "{shown}");
        assert!(matches!(
            decode_page::<u32>(&response(&[], "{}")),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn an_item_that_does_not_fit_costs_only_itself() {
        let r = response(
            &[r#"</admin/identities?page_token=n>; rel="next""#],
            "[1,\n \"two\", 3, {\"id\":\"rec-4\"}, 5]",
        );
        let page: Page<u32> = decode_page(&r).unwrap();
        assert_eq!(page.as_slice(), &[1, 3, 5]);
        assert_eq!(page.next_page_token(), Some("n"));
        let errors = page.errors();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].item_index(), Some(1));
        assert_eq!(errors[0].position(), Some((2, 6)));
        assert_eq!(errors[1].item_index(), Some(3));
        assert_eq!(errors[1].id(), Some("rec-4"));
        assert!(!errors[0].to_string().contains("two"), "{}", errors[0]);

        let mut cut = page.clone();
        let rest = cut.split_off(2);
        assert_eq!(cut.as_slice(), &[1]);
        assert_eq!(cut.errors().len(), 1);
        assert_eq!(rest.as_slice(), &[3, 5]);
        assert_eq!(rest.errors()[0].item_index(), Some(3));
        assert_eq!(
            (rest.first_position, rest.next_page_token()),
            (2, Some("n"))
        );
        // A rest cut again: positions stay those of the server's page.
        let mut rest = rest;
        let last = rest.split_off(2);
        assert_eq!((rest.as_slice(), rest.errors().len()), (&[3][..], 1));
        assert_eq!((last.as_slice(), last.errors().len()), (&[5][..], 0));
        assert_eq!(last.first_position, 4);
        let mut cut = page.clone();
        let rest = cut.split_off(4);
        assert_eq!(cut.as_slice(), &[1, 3]);
        assert_eq!(cut.positions(), 4);
        assert_eq!((rest.as_slice(), rest.errors().len()), (&[5][..], 0));
        // Cut right before a bad item: it goes with the rest.
        let mut cut = page.clone();
        let rest = cut.split_off(1);
        assert_eq!((cut.as_slice(), cut.errors().len()), (&[1][..], 0));
        assert_eq!(rest.errors()[0].item_index(), Some(1));
        assert_eq!((rest.as_slice(), rest.positions()), (&[3, 5][..], 4));
    }

    #[test]
    fn emptiness_completeness_and_iteration() {
        let page: Page<u32> = decode_page(&response(&[], "[1, 2]")).unwrap();
        assert!(page.is_complete() && !page.is_empty());
        assert_eq!((&page).into_iter().copied().collect::<Vec<_>>(), [1, 2]);
        let mut sum = 0;
        for n in &page {
            sum += n;
        }
        assert_eq!(sum, 3);
        let odd: Page<u32> = decode_page(&response(&[], r#"["x"]"#)).unwrap();
        assert!(odd.is_empty() && !odd.is_complete());
        let none: Page<u32> = decode_page(&response(&[], "[]")).unwrap();
        assert!(none.is_empty() && none.is_complete());
    }

    #[test]
    fn property_mutated_pages_and_links_never_panic() {
        let mut rng = crate::testing::Rng::new(0xBA6E);
        let body = br#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"a@example.com"},"metadata_public":null,"state":"active","created_at":"2024-03-01T09:14:02.121877Z"}]"#;
        let link = br#"</admin/identities?page_size=2&page_token=9f425a8d-7efc-4768-8f23-7647a74fdf13>; rel="next""#;
        let mut decoded = 0;
        for _ in 0..20_000 {
            let body = rng.mutate(body);
            let link = String::from_utf8_lossy(&rng.mutate(link)).into_owned();
            let r = response(&[&link], std::str::from_utf8(&body).unwrap_or("[]"));
            if decode_page::<crate::models::Identity>(&r).is_ok() {
                decoded += 1;
            }
        }
        assert!(decoded > 0);
    }
}
