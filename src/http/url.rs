//! URLs: the client's base URL, percent-encoding of path segments and query
//! pairs, and the origin checks that keep the API key at home. Parsing is
//! `http::Uri`'s (through ureq) and encoding `percent-encoding`'s; what is
//! written here is only what no kept crate does: which hosts count as
//! loopback, and how a `Location` header resolves.

use std::net::{Ipv4Addr, Ipv6Addr};

use ureq::http::Uri;

use crate::error::{ConfigErrorKind, Error};

/// A parsed base URL: `scheme://authority` plus an optional path prefix
/// (for a Kratos behind a reverse proxy at `https://host/kratos/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    scheme: &'static str,
    /// `host` or `host:port`, lower-cased, as written (IPv6 in brackets).
    authority: String,
    /// The host alone, lower-cased (IPv6 in brackets).
    host: String,
    /// The path prefix without a trailing slash: `""` or `"/kratos"`.
    prefix: String,
}

impl BaseUrl {
    /// Parses `http(s)://host[:port][/prefix][/]`. Anything else is an error.
    pub(crate) fn parse(input: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::config(
                ConfigErrorKind::BaseUrl,
                format!("base URL {:?} {why}", shown(input)),
            )
        };
        let trimmed = input.trim();
        if !trimmed.is_ascii() {
            return Err(bad(
                "has non-ASCII characters; write an international host name in its punycode (xn--) form",
            ));
        }
        if trimmed.contains(['?', '#']) {
            return Err(bad("must not have a query or fragment"));
        }
        if trimmed
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad("has spaces or control characters"));
        }
        let uri: Uri = trimmed
            .parse()
            .map_err(|_| bad("is not an http:// or https:// URL with a valid host"))?;
        let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("http") => "http",
            Some("https") => "https",
            _ => return Err(bad("must start with http:// or https://")),
        };
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("must not carry credentials; use bearer_token()"));
        }
        if authority.host().is_empty() {
            return Err(bad("has no valid host"));
        }
        let port_text = authority
            .as_str()
            .rsplit_once(']')
            .map_or(authority.as_str(), |(_, after)| after)
            .rsplit_once(':')
            .map(|(_, port)| port);
        if let Some(port) = port_text
            && port.parse::<u16>().is_err()
        {
            return Err(bad("has an invalid port"));
        }
        let path = uri.path();
        Ok(BaseUrl {
            scheme,
            authority: authority.as_str().to_ascii_lowercase(),
            host: authority.host().to_ascii_lowercase(),
            prefix: path.trim_end_matches('/').to_string(),
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

    /// The path prefix, without a trailing slash: `""` or `"/kratos"`.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `true` for a plain-HTTP URL.
    pub(crate) fn is_plain_http(&self) -> bool {
        self.scheme == "http"
    }

    /// `true` for a TLS URL.
    pub(crate) fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// `true` when the host is loopback: an IP literal in 127.0.0.0/8,
    /// `[::1]`, or `localhost` and names under `.localhost` (RFC 6761).
    /// Nothing else: `127.attacker.example` is a name anyone can register.
    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

/// A base URL as messages and `Debug` show it: scheme, host and port, and
/// `/…` for whatever followed. Never credentials (`user:password@`), a
/// query (`?api_key=…`) or a path, whatever the input looks like.
pub(crate) fn shown(input: &str) -> String {
    let input = input.trim();
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, input),
    };
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host: String = host.chars().filter(|c| !c.is_control()).take(120).collect();
    let more = if rest.len() > authority.len() {
        "/…"
    } else {
        ""
    };
    match scheme {
        Some(scheme) => {
            let scheme: String = scheme
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(10)
                .collect();
            format!("{scheme}://{host}{more}")
        }
        None => format!("{host}{more}"),
    }
}

/// See [`BaseUrl::is_loopback`]; `host` is lower-cased, IPv6 in brackets.
fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return v4.is_loopback();
    }
    let Some(v6) = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok())
    else {
        return false;
    };
    v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

/// The origin (`scheme://authority`, lower-cased, without user info or an
/// explicit default port) of an absolute URL, or `None` for a relative one
/// (`/login?next=https://elsewhere` is relative).
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    let host = authority.host().to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    Some(match authority.port_u16() {
        Some(port) if Some(port) != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Resolves a `Location` header against the URL it answered (RFC 3986
/// §5.2, for the forms servers send: absolute, scheme-relative,
/// absolute-path and relative-path references).
pub(crate) fn resolve(current: &str, location: &str) -> String {
    if origin_of(location).is_some() {
        return location.to_string();
    }
    let (scheme, rest) = current.split_once("://").unwrap_or(("http", current));
    if let Some(authority_relative) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_relative}");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}{location}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::percent::{decode_component, encode_component};

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
        let b = BaseUrl::parse(" https://slug.projects.oryapis.com/ ").unwrap();
        assert_eq!(b.join("/x"), "https://slug.projects.oryapis.com/x");
        let b = BaseUrl::parse("http://[::1]:4434/p").unwrap();
        assert_eq!(b.join("/x"), "http://[::1]:4434/p/x");
        assert_eq!(b.origin(), "http://[::1]:4434");
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
            "http://[::1]:99999",
            "http://[::1]:65536/p",
            "http://host:abc",
            "http://host:-1",
            "http://host?x=1",
            "http://host/#frag",
            "http://user:pw@host",
            "http://ho st",
            "http://host/a b",
            "http://host/a\u{0}b",
            "http://host/a\u{7f}b",
            "http://host/a\tb",
            "http://bücher.example",
            "http://host/pfad-ü",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(BaseUrl::parse("http://[::1]:65535").is_ok());
        // Each says why.
        for (bad, why) in [
            ("http://host/a b", "has spaces or control characters"),
            ("http://ho st", "has spaces or control characters"),
            ("http://host/a\u{0}b", "has spaces or control characters"),
            ("http://host/a\u{7f}b", "has spaces or control characters"),
            ("http://host/a\tb", "has spaces or control characters"),
            ("http://user:pw@host", "must not carry credentials"),
            ("http://host?x=1", "must not have a query or fragment"),
            ("ftp://host", "must start with http:// or https://"),
            ("http://host:99999", "has an invalid port"),
            ("http://[::1]:99999", "has an invalid port"),
        ] {
            let err = BaseUrl::parse(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(BaseUrl::parse("http://xn--bcher-kva.example").is_ok());
    }

    #[test]
    fn shown_keeps_scheme_host_and_port_only() {
        for (input, want) in [
            ("https://kratos.example.com", "https://kratos.example.com"),
            (
                "https://kratos.example.com/",
                "https://kratos.example.com/…",
            ),
            (
                "https://admin:pw@kratos.example.com:4434/p?k=v",
                "https://kratos.example.com:4434/…",
            ),
            ("http://h?api_key=ory_pat_x", "http://h/…"),
            ("h.example#frag", "h.example/…"),
            ("  https://h  ", "https://h"),
            ("htt\u{0}p://h\u{7}ost", "http://host"),
            ("", ""),
        ] {
            assert_eq!(shown(input), want, "{input:?}");
        }
    }

    #[test]
    fn loopback_means_loopback_and_nothing_else() {
        for host in [
            "http://127.0.0.1:4434",
            "http://127.255.3.9",
            "http://localhost",
            "http://LOCALHOST:1",
            "http://kratos.localhost",
            "http://[::1]:4434",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(BaseUrl::parse(host).unwrap().is_loopback(), "{host}");
        }
        for host in [
            "http://127.attacker.example",
            "http://127.0.0.1.nip.io",
            "http://localhost.attacker.example",
            "http://mylocalhost",
            "http://128.0.0.1",
            "http://[::2]",
            "http://[::ffff:10.0.0.1]",
            "http://0.0.0.0",
            "http://kratos",
        ] {
            assert!(!BaseUrl::parse(host).unwrap().is_loopback(), "{host}");
        }
    }

    #[test]
    fn encodes_components() {
        assert_eq!(encode_component("../sessions"), "..%2Fsessions");
        assert_eq!(encode_component("a b?c#d&e=f"), "a%20b%3Fc%23d%26e%3Df");
        assert_eq!(encode_component("ü"), "%C3%BC");
        assert_eq!(encode_component("abc-_.~9"), "abc-_.~9");
        assert_eq!(encode_component("%+"), "%25%2B");
    }

    #[test]
    fn decodes_components() {
        assert_eq!(decode_component("a%20b+c"), "a b c");
        assert_eq!(decode_component("%zz%"), "%zz%");
        assert_eq!(decode_component("%C3%BC"), "ü");
        assert_eq!(decode_component("%4"), "%4");
        assert_eq!(decode_component("%+5"), "% 5", "a sign is not a hex digit");
        assert_eq!(decode_component("%-5x"), "%-5x");
        assert_eq!(decode_component("%4g"), "%4g");
        assert_eq!(decode_component("%2B"), "+");
        for s in ["", "x=1&y", "ü ?#&=+%", "%+5"] {
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
            origin_of("http://a:8080/x").as_deref(),
            Some("http://a:8080")
        );
        assert_eq!(
            origin_of("http://u@evil.example/x").as_deref(),
            Some("http://evil.example")
        );
        assert_eq!(origin_of("/admin/identities?page_token=x"), None);
        assert_eq!(origin_of("/login?next=https://evil.example/x"), None);
        assert_eq!(origin_of("other?next=http://evil.example"), None);
    }

    #[test]
    fn resolves_locations() {
        let cur = "http://127.0.0.1:4434/kratos/schemas/default?x=1";
        assert_eq!(
            resolve(cur, "http://127.0.0.1:4433/schemas/default"),
            "http://127.0.0.1:4433/schemas/default"
        );
        assert_eq!(
            resolve(cur, "/schemas/default"),
            "http://127.0.0.1:4434/schemas/default"
        );
        assert_eq!(
            resolve(cur, "other"),
            "http://127.0.0.1:4434/kratos/schemas/other"
        );
        assert_eq!(resolve(cur, "//evil.example/x"), "http://evil.example/x");
        assert_eq!(
            resolve(cur, "/login?next=https://x.example/y"),
            "http://127.0.0.1:4434/login?next=https://x.example/y"
        );
        assert_eq!(resolve("http://h:1?q=1", "a"), "http://h:1/a");
    }
}
