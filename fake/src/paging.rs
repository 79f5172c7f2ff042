//! The query string and Kratos's three pagination schemes: keyset `Link`
//! headers (`first` + `next`), the legacy page-number links
//! (`first`/`next`/`prev`/`last` with `X-Total-Count`), and the offset
//! tokens of the migration paginator. Also base64 for the page tokens.

use super::errors::ApiError;

/// The decoded query pairs, in order, repeated keys kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub(crate) pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `a=b&c=d` as Go's `url.ParseQuery` does (`+` is a space).
    pub(crate) fn parse(raw: &str) -> Query {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode_component(k, true), decode_component(v, true))
            })
            .collect();
        Query { pairs }
    }

    /// Every value of `key`.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `key` ("" when absent, as Go's `Get`).
    pub(crate) fn get(&self, key: &str) -> &str {
        self.first(key).unwrap_or("")
    }

    /// The first value of `key`, if present.
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `true` when `key` is present, even empty.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Replaces every value of `key` with one.
    pub(crate) fn set(&mut self, key: &str, value: impl Into<String>) {
        self.remove(key);
        self.pairs.push((key.to_string(), value.into()));
    }

    /// Removes `key`.
    pub(crate) fn remove(&mut self, key: &str) {
        self.pairs.retain(|(k, _)| k != key);
    }

    /// Encodes as Go's `url.Values.Encode`: keys sorted, values in order.
    pub(crate) fn encode(&self) -> String {
        let mut pairs: Vec<&(String, String)> = self.pairs.iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-decodes a URL component; with `plus`, `+` is a space. Invalid
/// escapes are kept as they are.
pub(crate) fn decode_component(s: &str, plus: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One `Link` entry: `<path?query>; rel="rel"`.
fn link(path: &str, query: &Query, rel: &str) -> String {
    format!("<{path}?{}>; rel=\"{rel}\"", query.encode())
}

/// The keyset `Link` header: `first`, and `next` unless this is the last page.
pub(crate) fn keyset_link(
    path: &str,
    query: &Query,
    size: usize,
    first_token: &str,
    next_token: Option<&str>,
) -> String {
    let with = |token: &str| {
        let mut q = query.clone();
        q.set("page_token", token);
        q.set("page_size", size.to_string());
        q
    };
    let mut links = vec![link(path, &with(first_token), "first")];
    if let Some(next) = next_token {
        links.push(link(path, &with(next), "next"));
    }
    links.join(",")
}

/// Which parameters a page-number link sets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageLinks {
    /// `per_page` and `page` (`pagepagination`).
    PageNumbers,
    /// `page_size`, `page_token`, `per_page` and `page` (`migrationpagination`).
    OffsetTokens,
}

/// The `Link` header of the page-number schemes, as ory/x's
/// `HeaderWithFormatter` builds it (quirks included: an empty collection
/// gets `first`, `next` and a `prev` with `page=-1`; a single page gets only
/// `first`, sized to the total).
pub(crate) fn page_link(
    scheme: PageLinks,
    path: &str,
    query: &Query,
    total: i64,
    page: i64,
    per_page: i64,
) -> String {
    let per_page = per_page.max(1);
    let entry = |rel: &str, limit: i64, offset: i64| {
        let mut q = query.clone();
        let limit = limit.max(1);
        match scheme {
            PageLinks::PageNumbers => {
                q.set("per_page", limit.to_string());
                q.set("page", (offset / limit).to_string());
            }
            PageLinks::OffsetTokens => {
                q.set("page_size", limit.to_string());
                q.set("page_token", offset_token(offset));
                q.set("per_page", limit.to_string());
                q.set("page", (offset / limit).to_string());
            }
        }
        link(path, &q, rel)
    };
    let offset = page * per_page;
    let last_offset = if total % per_page == 0 {
        total - per_page
    } else {
        (total / per_page) * per_page
    };
    let current = offset / per_page;
    let links = if offset >= last_offset {
        if total == 0 {
            vec![
                entry("first", per_page, 0),
                entry("next", per_page, (current + 1) * per_page),
                entry("prev", per_page, (current - 1) * per_page),
            ]
        } else if total <= per_page {
            vec![entry("first", total, 0)]
        } else {
            vec![
                entry("first", per_page, 0),
                entry("prev", per_page, last_offset - per_page),
            ]
        }
    } else if offset < per_page {
        vec![
            entry("next", per_page, per_page),
            entry("last", per_page, last_offset),
        ]
    } else {
        vec![
            entry("first", per_page, 0),
            entry("next", per_page, (current + 1) * per_page),
            entry("prev", per_page, (current - 1) * per_page),
            entry("last", per_page, last_offset),
        ]
    };
    links.join(",")
}

/// The migration paginator's token: base64url of `{"offset":"N","v":2}`.
pub(crate) fn offset_token(offset: i64) -> String {
    base64_encode(format!(r#"{{"offset":"{offset}","v":2}}"#).as_bytes())
}

/// The page and page size of the migration paginator (identity sessions,
/// schemas): `page_token`/`page_size` when either is present (a bad token
/// is read as offset 0), else `page`/`per_page`. Sizes are clamped to
/// `[1, 1000]`, default 250.
pub(crate) fn migration_page(query: &Query) -> (i64, i64) {
    let size = |v: &str| match v.parse::<i64>() {
        Ok(n) => n.clamp(1, 1000),
        Err(_) => 250,
    };
    if query.has("page_token") || query.has("page_size") {
        let per_page = size(query.get("page_size"));
        let offset = base64_decode(query.get("page_token"))
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| match &v["offset"] {
                serde_json::Value::String(s) => s.parse::<i64>().ok(),
                serde_json::Value::Number(n) => n.as_i64(),
                _ => None,
            })
            .unwrap_or(0);
        ((offset.max(0) / per_page), per_page)
    } else {
        let page = query.get("page").parse::<i64>().unwrap_or(0).max(0);
        (page, size(query.get("per_page")))
    }
}

/// The keyset page size of `/admin/identities` (default 250, at most 500):
/// a non-integer is a 400.
pub(crate) fn keyset_size(value: &str, max: usize) -> Result<usize, ApiError> {
    if value.is_empty() {
        return Ok(250);
    }
    match value.parse::<i64>() {
        Ok(n) if n <= 0 => Ok(250),
        Ok(n) => Ok(usize::try_from(n).unwrap_or(max).min(max)),
        Err(_) => Err(ApiError::bad_request(format!(
            "strconv.Atoi: parsing {value:?}: invalid syntax"
        ))),
    }
}

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};

/// Unpadded base64url.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Padded standard base64, as Go's `[]byte` fields marshal.
pub(crate) fn base64_std_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64 in either alphabet, padded or not; `None` when invalid.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    URL.decode(s).or_else(|_| STD.decode(s)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", r#"{"offset":"250","v":2}"#] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"default"), "ZGVmYXVsdA");
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a*"), None);
    }

    #[test]
    fn query_encodes_like_go() {
        let q = Query::parse("b=2&a=x+y&a=%2F&c");
        assert_eq!(q.all("a"), ["x y", "/"]);
        assert_eq!(q.encode(), "a=x+y&a=%2F&b=2&c=");
    }

    #[test]
    fn page_links_follow_ory_x() {
        let q = Query::default();
        let p = "/x";
        assert_eq!(
            page_link(PageLinks::PageNumbers, p, &q, 0, 0, 2),
            r#"</x?page=0&per_page=2>; rel="first",</x?page=1&per_page=2>; rel="next",</x?page=-1&per_page=2>; rel="prev""#
        );
        assert_eq!(
            page_link(PageLinks::PageNumbers, p, &q, 2, 0, 5),
            r#"</x?page=0&per_page=2>; rel="first""#
        );
        assert_eq!(
            page_link(PageLinks::PageNumbers, p, &q, 5, 0, 2),
            r#"</x?page=1&per_page=2>; rel="next",</x?page=2&per_page=2>; rel="last""#
        );
        assert_eq!(
            page_link(PageLinks::PageNumbers, p, &q, 5, 1, 2),
            r#"</x?page=0&per_page=2>; rel="first",</x?page=2&per_page=2>; rel="next",</x?page=0&per_page=2>; rel="prev",</x?page=2&per_page=2>; rel="last""#
        );
        assert_eq!(
            page_link(PageLinks::PageNumbers, p, &q, 5, 2, 2),
            r#"</x?page=0&per_page=2>; rel="first",</x?page=1&per_page=2>; rel="prev""#
        );
    }
}
