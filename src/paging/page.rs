//! [`Page`]: one page of a list operation and where the next one starts.

use serde::de::DeserializeOwned;

use crate::api::endpoint::{RawResponse, decode_json};
use crate::http::url::parse_query;
use crate::Error;
use crate::paging::link;

/// The query parameters that move through a listing. Everything else in a
/// next link is ignored: the next request is the caller's own request, to
/// the client's own base URL, with only these replaced.
pub(crate) const PAGINATION_PARAMS: [&str; 4] = ["page_token", "page_size", "page", "per_page"];

/// One page of a list operation.
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
/// for identity in page.items() {
///     println!("{}", identity.id);
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
    next: Option<NextPage>,
    total_count: Option<u64>,
}

/// The pagination parameters of a `rel="next"` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NextPage {
    pub(crate) params: Vec<(String, String)>,
}

impl<T> Page<T> {
    /// The items of this page.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The items of this page, by value.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The number of items on this page.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` when this page has no items.
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

    /// The `X-Total-Count` header, sent by the legacy and offset schemes.
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }

    /// Keeps only the first `n` items (for a pagination limit).
    pub(crate) fn truncate(&mut self, n: usize) {
        self.items.truncate(n);
    }

    pub(crate) fn next(&self) -> Option<&NextPage> {
        self.next.as_ref()
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
pub(crate) fn decode_page<T: DeserializeOwned>(response: &RawResponse) -> Result<Page<T>, Error> {
    let items: Vec<T> = decode_json(response)?;
    let target = link::find(response.headers.get_all("link"), "next")
        .map_err(|e| Error::Pagination(e.to_string()))?;
    let next = target.map(|t| next_page(&t)).transpose()?;
    let total_count = response
        .headers
        .get("x-total-count")
        .and_then(|v| v.trim().parse().ok());
    Ok(Page {
        items,
        next,
        total_count,
    })
}

/// The pagination parameters of a next link, relative or absolute.
fn next_page(target: &str) -> Result<NextPage, Error> {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let params: Vec<(String, String)> = parse_query(query)
        .into_iter()
        .filter(|(k, _)| PAGINATION_PARAMS.contains(&k.as_str()))
        .collect();
    if params.is_empty() {
        return Err(Error::Pagination(format!(
            "the next link {target:?} carries no page_token, page_size, page or per_page"
        )));
    }
    Ok(NextPage { params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::response::Headers;

    fn response(link: &[&str], body: &str) -> RawResponse {
        RawResponse {
            status: 200,
            headers: Headers::from_pairs(link.iter().map(|l| ("Link".to_string(), l.to_string()))),
            body: body.as_bytes().to_vec(),
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
        assert_eq!(page.items(), &[1, 2]);
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
            Err(Error::Pagination(_))
        ));
        assert!(matches!(
            decode_page::<u32>(&response(&["</x>; rel=next"], "[]")),
            Err(Error::Pagination(_))
        ));
        assert!(matches!(
            decode_page::<u32>(&response(&[], "{}")),
            Err(Error::Decode { .. })
        ));
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
            if decode_page::<crate::Identity>(&r).is_ok() {
                decoded += 1;
            }
        }
        assert!(decoded > 0);
    }
}
