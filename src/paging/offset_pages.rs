//! The two offset-token lists whose pages Kratos gets wrong (v26.2.0 and
//! master alike), and how the client still sees every item exactly once.
//!
//! **`list_identity_schemas`** answers page `p` with the `(p + 1) · size`
//! items from `p · size` on (its slice takes the end offset for the
//! length): with one schema a page and three schemas, pages 0, 1, 2 hold
//! `a`, `b c`, `c`. The `Link` header is right, so only each page's first
//! `size` items are kept ([`requested_page_size`]).
//!
//! **`list_identity_sessions`**: its next page is computed instead of read
//! from the `Link` header, which loses data there.
//!
//! Kratos (v26.2.0 and master) hands that list's zero-based page number to
//! its database layer, which counts pages from 1: pages 0 and 1 are both the
//! first page, page `n` is window `n - 1`. The `Link` header assumes
//! zero-based pages, so following it yields the first page twice and never
//! the last one (5 sessions, 2 a page: s0 s1, s0 s1, s2 s3, end). This
//! module asks for window `w + 1` after window `w` as page `w + 2`, and ends
//! at the `X-Total-Count` Kratos sends or at a short page.
//!
//! A page is chosen the way Kratos's paginator does: with `page_token` or
//! `page_size` in the query, the page is the token's offset divided by the
//! page size (an unreadable token is offset 0); otherwise the `page`
//! parameter and `per_page`.

use crate::paging::page::NextPage;

/// Kratos's page size when none is given.
const DEFAULT_PER_PAGE: u64 = 250;
/// Kratos's largest page size (larger is clamped).
const MAX_PER_PAGE: u64 = 1000;

/// The page number and page size Kratos reads from a request's query.
fn requested_page(query: &[(String, String)]) -> (u64, u64) {
    let get = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let size = |v: Option<&str>| {
        v.and_then(|v| v.trim().parse::<i64>().ok())
            .map_or(DEFAULT_PER_PAGE, |n| n.clamp(1, MAX_PER_PAGE as i64) as u64)
    };
    if get("page_token").is_some() || get("page_size").is_some() {
        let per_page = size(get("page_size"));
        let offset = get("page_token").and_then(token_offset).unwrap_or(0);
        (offset / per_page, per_page)
    } else {
        let page = get("page")
            .and_then(|p| p.trim().parse::<i64>().ok())
            .map_or(0, |p| p.max(0) as u64);
        (page, size(get("per_page")))
    }
}

/// The page size Kratos reads from a request's query (250 when none is
/// given, clamped to 1..=1000).
pub(crate) fn requested_page_size(query: &[(String, String)]) -> usize {
    usize::try_from(requested_page(query).1).unwrap_or(usize::MAX)
}

/// The paging parameters of the page after the one requested with `query`,
/// which held `positions` items; `None` when it was the last one.
pub(crate) fn next_identity_sessions_page(
    query: &[(String, String)],
    positions: usize,
    total: Option<u64>,
) -> Option<NextPage> {
    let (page, per_page) = requested_page(query);
    // The window the server answered with: pages 0 and 1 are both window 0.
    let window = page.max(1) - 1;
    let through = window.saturating_add(1).saturating_mul(per_page);
    let full = positions as u64 >= per_page;
    if !full || total.is_some_and(|total| through >= total) {
        return None;
    }
    let next = window + 2;
    let offset = next.saturating_mul(per_page);
    Some(NextPage {
        params: vec![
            ("page_size".to_string(), per_page.to_string()),
            ("page_token".to_string(), encode_token(offset)),
            ("page".to_string(), next.to_string()),
            ("per_page".to_string(), per_page.to_string()),
        ],
    })
}

/// Kratos's offset token: unpadded base64url of `{"offset":"N","v":2}`.
fn encode_token(offset: u64) -> String {
    base64url(format!(r#"{{"offset":"{offset}","v":2}}"#).as_bytes())
}

/// The offset of a Kratos offset token, if it is one.
fn token_offset(token: &str) -> Option<u64> {
    let bytes = unbase64url(token)?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match &json["offset"] {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::query as q;

    fn page_of(next: &NextPage) -> u64 {
        let page = next.params.iter().find(|(k, _)| k == "page").unwrap();
        page.1.parse().unwrap()
    }

    #[test]
    fn tokens_are_kratos_own() {
        // tokenpagination.Encode(4) in Kratos.
        assert_eq!(encode_token(4), "eyJvZmZzZXQiOiI0IiwidiI6Mn0");
        assert_eq!(token_offset("eyJvZmZzZXQiOiI0IiwidiI6Mn0"), Some(4));
        assert_eq!(token_offset(&encode_token(123_456)), Some(123_456));
        assert_eq!(token_offset("not base64!"), None);
        assert_eq!(token_offset("e30"), None); // {}
    }

    #[test]
    fn five_sessions_two_a_page_come_in_three_pages() {
        // First page: no paging parameters but the size.
        let first = next_identity_sessions_page(&q(&[("page_size", "2")]), 2, Some(5)).unwrap();
        assert_eq!(page_of(&first), 2, "window 1 is page 2");
        let second = next_identity_sessions_page(&first.params, 2, Some(5)).unwrap();
        assert_eq!(page_of(&second), 3);
        assert_eq!(
            next_identity_sessions_page(&second.params, 1, Some(5)),
            None
        );
    }

    #[test]
    fn ends_at_the_total_a_short_page_or_an_empty_one() {
        let four = q(&[("page_size", "2")]);
        let next = next_identity_sessions_page(&four, 2, Some(4)).unwrap();
        assert_eq!(next_identity_sessions_page(&next.params, 2, Some(4)), None);
        assert_eq!(next_identity_sessions_page(&four, 1, None), None);
        assert_eq!(next_identity_sessions_page(&four, 0, Some(0)), None);
        // Without a total, full pages go on until a short one.
        assert!(next_identity_sessions_page(&four, 2, None).is_some());
    }

    #[test]
    fn legacy_page_numbers_count_the_same_way() {
        for (page, next) in [("0", 2), ("1", 2), ("2", 3), ("-3", 2), ("x", 2)] {
            let query = q(&[("page", page), ("per_page", "10")]);
            let got = next_identity_sessions_page(&query, 10, Some(100)).unwrap();
            assert_eq!(page_of(&got), next, "after page {page}");
        }
        // Without page_size, `per_page` sets the size; the default is 250.
        let got = next_identity_sessions_page(&q(&[]), 250, Some(251)).unwrap();
        assert_eq!(page_of(&got), 2);
        assert!(
            got.params
                .contains(&("per_page".to_string(), "250".to_string()))
        );
    }

    #[test]
    fn the_page_size_is_read_as_kratos_reads_it() {
        assert_eq!(requested_page_size(&q(&[])), 250);
        assert_eq!(requested_page_size(&q(&[("page_size", "1")])), 1);
        assert_eq!(requested_page_size(&q(&[("per_page", "7")])), 7);
        // page_size wins: the token paginator reads it, not per_page.
        assert_eq!(
            requested_page_size(&q(&[("per_page", "7"), ("page_size", "3")])),
            3
        );
        assert_eq!(
            requested_page_size(&q(&[("page_token", "x"), ("per_page", "7")])),
            250
        );
        assert_eq!(requested_page_size(&q(&[("page_size", "9999")])), 1000);
    }

    #[test]
    fn page_sizes_are_clamped_as_kratos_clamps_them() {
        let huge = q(&[("page_size", "5000")]);
        let got = next_identity_sessions_page(&huge, 1000, Some(2500)).unwrap();
        assert!(
            got.params
                .contains(&("page_size".to_string(), "1000".to_string()))
        );
        let zero = q(&[("page_size", "0")]);
        let got = next_identity_sessions_page(&zero, 1, Some(3)).unwrap();
        assert!(
            got.params
                .contains(&("page_size".to_string(), "1".to_string()))
        );
    }
}
