//! A parser for the HTTP `Link` header (RFC 8288), as Kratos and the
//! proxies in front of it send it: several links per header or several
//! headers, quoted or bare parameters, any whitespace, `rel` with several
//! values. Pure: no I/O, never prints, never panics.

/// One link of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The URI reference between `<` and `>`, as written.
    pub(crate) target: String,
    /// The relation types, lower-cased (`rel="next last"` gives two).
    pub(crate) rels: Vec<String>,
}

/// Why a `Link` header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Link header: {reason} at byte {at}")]
pub(crate) struct LinkError {
    /// What was wrong.
    pub(crate) reason: &'static str,
    /// Byte offset in the header value.
    pub(crate) at: usize,
}

/// Parses one `Link` header value into its links, in order.
pub(crate) fn parse(value: &str) -> Result<Vec<Link>, LinkError> {
    let mut links = Vec::new();
    let mut p = Parser {
        s: value.as_bytes(),
        i: 0,
    };
    loop {
        p.skip(|b| b.is_ascii_whitespace() || b == b',');
        if p.done() {
            return Ok(links);
        }
        if !p.eat(b'<') {
            return Err(p.error("expected '<'"));
        }
        let start = p.i;
        while !p.done() && p.peek() != b'>' {
            p.i += 1;
        }
        if p.done() {
            return Err(p.error("unterminated '<'"));
        }
        let target = value[start..p.i].trim().to_string();
        p.i += 1;
        let mut rels = Vec::new();
        loop {
            p.skip(|b| b.is_ascii_whitespace());
            if p.done() || p.peek() == b',' {
                break;
            }
            if !p.eat(b';') {
                return Err(p.error("expected ';' or ','"));
            }
            p.skip(|b| b.is_ascii_whitespace());
            let name = p
                .take_while(|b| !b"=;, \t".contains(&b))
                .to_ascii_lowercase();
            p.skip(|b| b.is_ascii_whitespace());
            let param = if p.eat(b'=') {
                p.skip(|b| b.is_ascii_whitespace());
                p.value()?
            } else {
                String::new()
            };
            // RFC 8288: occurrences after the first `rel` are ignored.
            if name == "rel" && rels.is_empty() {
                rels = param
                    .split_ascii_whitespace()
                    .map(|r| r.to_ascii_lowercase())
                    .collect();
            }
        }
        links.push(Link { target, rels });
    }
}

/// The target of the first link whose relation types include `rel`,
/// across every given header value. Links of other relations are passed
/// over, and so is one that does not parse (a CDN's `preload` hint written
/// loosely) unless it names `rel`: then it is an error, since a link of
/// that relation exists and cannot be read.
pub(crate) fn find<'a>(
    values: impl IntoIterator<Item = &'a str>,
    rel: &str,
) -> Result<Option<String>, LinkError> {
    for value in values {
        for piece in split_links(value) {
            match parse(piece) {
                Ok(links) => {
                    if let Some(link) = links.into_iter().find(|l| l.rels.iter().any(|r| r == rel))
                    {
                        return Ok(Some(link.target));
                    }
                }
                Err(e) if mentions_rel(piece, rel) => {
                    let offset = piece.as_ptr() as usize - value.as_ptr() as usize;
                    return Err(LinkError {
                        at: e.at + offset,
                        ..e
                    });
                }
                Err(_) => {}
            }
        }
    }
    Ok(None)
}

/// The links of one header value, split at the commas between them (not
/// those inside `<…>` or a quoted string).
fn split_links(value: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut in_target, mut in_quote, mut escaped) = (0, false, false, false);
    for (i, b) in value.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_quote => escaped = true,
            b'"' if !in_target => in_quote = !in_quote,
            b'<' if !in_quote => in_target = true,
            b'>' if !in_quote => in_target = false,
            b',' if !in_quote && !in_target => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces.retain(|p| !p.trim().is_empty());
    pieces
}

/// Whether a link that does not parse still says it is of relation `rel`.
fn mentions_rel(piece: &str, rel: &str) -> bool {
    let lower = piece.to_ascii_lowercase();
    let Some(at) = lower.find("rel") else {
        return false;
    };
    lower[at + 3..]
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .any(|word| word == rel)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = !self.done() && self.peek() == b;
        if hit {
            self.i += 1;
        }
        hit
    }

    fn skip(&mut self, keep: impl Fn(u8) -> bool) {
        while !self.done() && keep(self.peek()) {
            self.i += 1;
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> String {
        let start = self.i;
        self.skip(keep);
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    /// A parameter value: a quoted string (with `\` escapes) or a token.
    fn value(&mut self) -> Result<String, LinkError> {
        if !self.eat(b'"') {
            return Ok(self.take_while(|b| !b";, \t".contains(&b)));
        }
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return Err(self.error("unterminated quoted string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    let escaped = self
                        .s
                        .get(self.i + 1)
                        .ok_or_else(|| self.error("unterminated quoted string"))?;
                    out.push(*escaped);
                    self.i += 2;
                }
                Some(b) => {
                    out.push(*b);
                    self.i += 1;
                }
            }
        }
    }

    fn error(&self, reason: &'static str) -> LinkError {
        LinkError { reason, at: self.i }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every test here runs under a deadline: a loop of the parser that
    /// stops advancing fails it instead of hanging the suite.
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

    fn rels_and_targets(v: &str) -> Vec<(String, Vec<String>)> {
        parse(v)
            .unwrap()
            .into_iter()
            .map(|l| (l.target, l.rels))
            .collect()
    }

    #[test]
    fn table() {
        crate::testing::within(LIMIT, || {
            let kratos = r#"</admin/identities?page_size=250&page_token=a>; rel="first",</admin/identities?page_size=250&page_token=b>; rel="next""#;
            let cases: &[(&str, &str, Option<&str>)] = &[
                (
                    kratos,
                    "next",
                    Some("/admin/identities?page_size=250&page_token=b"),
                ),
                (
                    kratos,
                    "first",
                    Some("/admin/identities?page_size=250&page_token=a"),
                ),
                (kratos, "prev", None),
                ("", "next", None),
                ("   ", "next", None),
                ("<a>; rel=next", "next", Some("a")),
                ("<a>;rel=NEXT", "next", Some("a")),
                ("< a >; rel=\"next\"", "next", Some("a")),
                ("<a>; rel=\"prev next\"", "next", Some("a")),
                ("<a>; title=\"x, y; z\"; rel=next", "next", Some("a")),
                ("<a>; rel=\"last\", <b>; rel=\"next\"", "next", Some("b")),
                ("<a>; rel=\"next\"; rel=\"prev\"", "prev", None),
                ("<a>; rel=\"next\" ,, <b>; rel=\"prev\"", "prev", Some("b")),
                (
                    "<https://x.example/a?b=1,2>; rel=next",
                    "next",
                    Some("https://x.example/a?b=1,2"),
                ),
                ("<a>; rel=\"ne\\\"xt\"", "ne\"xt", Some("a")),
                ("<a>; rel=\"https://example.com/rel/next\"", "next", None),
                ("<a>; anchor; rel=next", "next", Some("a")),
                ("<a>", "next", None),
                ("\t<a>\t;\trel\t=\tnext\t", "next", Some("a")),
            ];
            for (header, rel, want) in cases {
                assert_eq!(
                    find([*header], rel).unwrap().as_deref(),
                    *want,
                    "{header:?} rel={rel}"
                );
            }
        });
    }

    #[test]
    fn several_headers() {
        crate::testing::within(LIMIT, || {
            let got = find(["<a>; rel=first", "<b>; rel=next"], "next").unwrap();
            assert_eq!(got.as_deref(), Some("b"));
        });
    }

    #[test]
    fn malformed_is_an_error() {
        crate::testing::within(LIMIT, || {
            for bad in [
                "a; rel=next",
                "<a; rel=next",
                "<a>; rel=\"next",
                "<a> rel=next",
                "<a>; rel=\"x\\",
            ] {
                assert!(parse(bad).is_err(), "{bad:?} should fail");
            }
            assert_eq!(rels_and_targets("<a>; rel=next").len(), 1);
        });
    }

    #[test]
    fn links_of_other_relations_are_passed_over_even_when_malformed() {
        crate::testing::within(LIMIT, || {
            // A CDN's preload hint beside Kratos's own link, well formed or not.
            for header in [
                "<https://cdn.example/app.css>; rel=preload, </admin/identities?page_token=t2>; rel=\"next\"",
                "<https://cdn.example/app.css>; rel=preload; as=style; crossorigin, </admin/identities?page_token=t2>; rel=next",
                "</admin/identities?page_token=t2>; rel=next, app.css; rel=preload",
            ] {
                let got = find([header], "next").unwrap();
                assert_eq!(
                    got.as_deref(),
                    Some("/admin/identities?page_token=t2"),
                    "{header}"
                );
            }
            // Only a hint: no next link, and no error.
            assert_eq!(
                find(["<https://cdn.example/app.css>; rel=preload"], "next"),
                Ok(None)
            );
            assert_eq!(find(["garbage without brackets"], "next"), Ok(None));
            // A next link that cannot be read is an error: one exists.
            for header in [
                "</a?page_token=t2; rel=next",
                "/a?page_token=t2; rel=\"next\"",
                "<a>; rel=\"first next",
            ] {
                let err = find([header], "next").unwrap_err();
                assert!(err.at <= header.len(), "{header}: {err}");
            }
        });
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        crate::testing::within(LIMIT, || {
            // A deterministic sweep over short strings of the header's special characters.
            let alphabet = ['<', '>', ';', ',', '"', '\\', '=', ' ', 'r', 'e', 'l', 'ü'];
            let mut count = 0;
            let mut buf = String::new();
            fn rec(buf: &mut String, alphabet: &[char], depth: usize, count: &mut usize) {
                let _ = parse(buf);
                *count += 1;
                if depth == 0 {
                    return;
                }
                for c in alphabet {
                    buf.push(*c);
                    rec(buf, alphabet, depth - 1, count);
                    buf.pop();
                }
            }
            rec(&mut buf, &alphabet, 5, &mut count);
            assert!(count > 200_000);
        });
    }

    #[test]
    fn property_arbitrary_bytes_never_panic_and_errors_point_inside() {
        crate::testing::within(LIMIT, || {
            let mut rng = crate::testing::Rng::new(0x11CE);
            let alphabet = b"<>;,=\" \t\\relnxtpfis/?&:%";
            for _ in 0..100_000 {
                let bytes = rng.bytes(64, alphabet);
                let text = String::from_utf8_lossy(&bytes);
                match parse(&text) {
                    Ok(links) => {
                        for link in links {
                            assert!(!link.target.contains('>'), "{text:?}");
                        }
                    }
                    Err(e) => assert!(e.at <= text.len(), "{text:?}: {e}"),
                }
            }
        });
    }

    #[test]
    fn property_well_formed_headers_round_trip() {
        crate::testing::within(LIMIT, || {
            let mut rng = crate::testing::Rng::new(7);
            let rels = ["next", "prev", "first", "last", "self"];
            for _ in 0..20_000 {
                let n = 1 + rng.below(4);
                let links: Vec<(String, &str)> = (0..n)
                    .map(|i| {
                        (
                            format!(
                                "/admin/identities?page_token=t{i}&page_size={}",
                                rng.below(500)
                            ),
                            rels[rng.below(5)],
                        )
                    })
                    .collect();
                let header: Vec<String> = links
                    .iter()
                    .map(|(t, r)| match rng.below(3) {
                        0 => format!("<{t}>; rel=\"{r}\""),
                        1 => format!("< {t} > ;rel={r}"),
                        _ => format!("<{t}>; title=\"a, b; c\"; rel=\"{r} other\""),
                    })
                    .collect();
                let sep = [",", ", ", " ,\t"][rng.below(3)];
                let parsed = parse(&header.join(sep)).unwrap();
                assert_eq!(parsed.len(), n);
                for ((target, rel), link) in links.iter().zip(&parsed) {
                    assert_eq!(&link.target, target);
                    assert_eq!(link.rels[0], *rel);
                }
            }
        });
    }
}
