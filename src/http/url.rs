//! URLs without a URL crate: the client's base URL, percent-encoding of path
//! segments and query pairs, and the origin checks that keep the API key at
//! home.

use std::fmt::Write as _;

use crate::Error;

/// A parsed base URL: `scheme://authority` plus an optional path prefix
/// (for a Kratos behind a reverse proxy at `https://host/kratos/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    scheme: String,
    /// `host` or `host:port`, lower-cased, as written (IPv6 in brackets).
    authority: String,
    /// The path prefix without a trailing slash: `""` or `"/kratos"`.
    prefix: String,
}

impl BaseUrl {
    /// Parses `http(s)://host[:port][/prefix][/]`. Anything else is an error.
    pub(crate) fn parse(input: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Config(format!("base URL {input:?} {why}"));
        let trimmed = input.trim();
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| bad("must start with http:// or https://"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("must start with http:// or https://"));
        }
        if rest.contains(['?', '#']) {
            return Err(bad("must not have a query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("must not carry credentials; use bearer_token()"));
        }
        let host = authority_host(authority);
        if host.is_empty()
            || authority
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad("has no valid host"));
        }
        if let Some(port) = authority_port(authority)
            && port.parse::<u16>().is_err()
        {
            return Err(bad("has an invalid port"));
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("has spaces or control characters in its path"));
        }
        let prefix = path.trim_end_matches('/').to_string();
        Ok(BaseUrl {
            scheme,
            authority: authority.to_ascii_lowercase(),
            prefix,
        })
    }

    /// The full URL for an API path such as `/admin/identities`.
    pub(crate) fn join(&self, path: &str) -> String {
        format!(
            "{}://{}{}{}",
            self.scheme, self.authority, self.prefix, path
        )
    }

    /// `scheme://authority`, the origin requests may carry the key to,
    /// normalized like [`origin_of`] (no explicit default port).
    pub(crate) fn origin(&self) -> String {
        origin_of(&self.join("")).unwrap_or_else(|| format!("{}://{}", self.scheme, self.authority))
    }

    /// `true` for a plain-HTTP URL.
    pub(crate) fn is_plain_http(&self) -> bool {
        self.scheme == "http"
    }

    /// `true` when the host is a loopback address or `localhost`.
    pub(crate) fn is_loopback(&self) -> bool {
        let host = authority_host(&self.authority);
        host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            || host.starts_with("127.")
    }
}

/// The origin (`scheme://authority`, lower-cased) of an absolute URL, or
/// `None` for a relative one.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let scheme = scheme.to_ascii_lowercase();
    let mut authority = authority.to_ascii_lowercase();
    // An explicit default port names the same origin as none.
    for (s, port) in [("http", ":80"), ("https", ":443")] {
        if scheme == s && authority.ends_with(port) {
            authority.truncate(authority.len() - port.len());
        }
    }
    Some(format!("{scheme}://{authority}"))
}

fn authority_host(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |i| &authority[..=i]);
    }
    authority.split(':').next().unwrap_or("")
}

fn authority_port(authority: &str) -> Option<&str> {
    let after_host = if authority.starts_with('[') {
        &authority[authority.find(']')? + 1..]
    } else {
        authority.find(':').map_or("", |i| &authority[i..])
    };
    after_host.strip_prefix(':')
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the
/// result is safe as one path segment or one query key or value: `/`, `?`,
/// `#`, `%`, `&`, `=`, `+`, spaces and non-ASCII are all escaped.
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (as a space) in a query component. Invalid
/// escapes are kept as they are.
pub(crate) fn decode_component(s: &str) -> String {
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
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
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

/// Splits a query string (`a=1&b=2`) into decoded pairs.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

/// Joins pairs into an encoded query string, without the leading `?`.
pub(crate) fn encode_query(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base_urls() {
        let b = BaseUrl::parse("http://127.0.0.1:4434").unwrap();
        assert_eq!(
            b.join("/admin/identities"),
            "http://127.0.0.1:4434/admin/identities"
        );
        let b = BaseUrl::parse("https://Host.example/kratos/").unwrap();
        assert_eq!(b.join("/schemas"), "https://host.example/kratos/schemas");
        assert_eq!(b.origin(), "https://host.example");
        assert_eq!(
            BaseUrl::parse("https://h.example:443").unwrap().origin(),
            origin_of("https://h.example/x").unwrap()
        );
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:80/p").unwrap().origin(),
            "http://127.0.0.1"
        );
        let b = BaseUrl::parse("https://slug.projects.oryapis.com/").unwrap();
        assert_eq!(b.join("/x"), "https://slug.projects.oryapis.com/x");
        assert!(BaseUrl::parse("http://[::1]:4434").unwrap().is_loopback());
        assert!(BaseUrl::parse("http://localhost").unwrap().is_loopback());
        assert!(!BaseUrl::parse("http://kratos").unwrap().is_loopback());
    }

    #[test]
    fn rejects_bad_base_urls() {
        for bad in [
            "",
            "localhost:4434",
            "ftp://host",
            "http://",
            "http:///path",
            "http://host:99999",
            "http://host:abc",
            "http://host?x=1",
            "http://host/#frag",
            "http://user:pw@host",
            "http://ho st",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn encodes_components() {
        assert_eq!(encode_component("../sessions"), "..%2Fsessions");
        assert_eq!(encode_component("a b?c#d&e=f"), "a%20b%3Fc%23d%26e%3Df");
        assert_eq!(encode_component("ü"), "%C3%BC");
        assert_eq!(encode_component("abc-_.~9"), "abc-_.~9");
    }

    #[test]
    fn decodes_components() {
        assert_eq!(decode_component("a%20b+c"), "a b c");
        assert_eq!(decode_component("%zz%"), "%zz%");
        assert_eq!(decode_component("%C3%BC"), "ü");
        assert_eq!(decode_component("%4"), "%4");
        for s in ["", "x=1&y", "ü ?#&=+%"] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://A.example:443/x?y").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(origin_of("http://a:80").as_deref(), Some("http://a"));
        assert_eq!(
            origin_of("http://u@evil.example/x").as_deref(),
            Some("http://evil.example")
        );
        assert_eq!(origin_of("/admin/identities?page_token=x"), None);
    }
}
