//! Excerpts of what a server sent, fit for a message: on one line, cut
//! short, and scrubbed of secrets the request carried ([`Scrub`]).

/// `s` on one line: control characters become spaces, runs of spaces one,
/// cut to `max` characters.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut last_space = true;
    for c in s.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// The first `max` bytes of `body`, lossily decoded, cut on a char boundary.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let cut = &body[..body.len().min(max)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > max {
        s.push('…');
    }
    s
}

/// What an error may not repeat of the request: the client's API key, the
/// values of the request that are the user's own (an email in
/// `credentials_identifier` or as an external id, a page token), and
/// anything that follows `Bearer ` (another key a proxy echoes).
#[derive(Clone, Default)]
pub(crate) struct Scrub {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Scrub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrub({} values)", self.secrets.len())
    }
}

impl Scrub {
    /// Scrubs `value` in the forms a page may echo it: as it is, encoded
    /// for a URL (a path segment or a query value: `%20` for a space), with
    /// `+` for spaces, and encoded as a form (`+` for spaces, `%XX` for the
    /// rest). Matching ignores ASCII case, so `%2f` and an email a server
    /// lower-cased go too. Values under 3 characters are left (they would
    /// blank unrelated text, and reveal nothing).
    pub(crate) fn value(mut self, value: &str) -> Self {
        if value.len() >= 3 {
            let encoded = crate::http::percent::encode_component(value);
            let plus = value.replace(' ', "+");
            let form = encoded.replace("%20", "+");
            for form in [value.to_string(), encoded, plus, form] {
                if !self.secrets.iter().any(|s| s.eq_ignore_ascii_case(&form)) {
                    self.secrets.push(form);
                }
            }
            // Longest first, so a value that contains another goes whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// `text` without the secrets (each becomes `…`) and without what
    /// follows `Bearer ` (case-insensitive) up to a space or quote.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            out = replace_ignoring_ascii_case(&out, secret);
        }
        redact_bearer(&out)
    }

    /// Whether `text` holds something [`apply`](Self::apply) takes out.
    pub(crate) fn finds_in(&self, text: &str) -> bool {
        self.apply(text) != text
    }
}

/// `text` with every occurrence of `needle` (ignoring ASCII case) replaced
/// by `…`. Lower-casing ASCII keeps every byte where it was, so positions
/// found in the lower-cased text are those of `text`.
fn replace_ignoring_ascii_case(text: &str, needle: &str) -> String {
    if needle.is_empty() {
        return text.to_string();
    }
    let haystack = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = haystack[at..].find(&needle) {
        out.push_str(&text[at..at + found]);
        out.push('…');
        at += found + needle.len();
    }
    out.push_str(&text[at..]);
    out
}

/// Replaces the token after every `Bearer ` with `…`.
fn redact_bearer(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("bearer ") {
        let start = at + found + "bearer ".len();
        out.push_str(&text[at..start]);
        let rest = &text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '&' | ',' | ';'))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push('…');
        }
        at = start + end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_goes_in_every_form_a_page_echoes_it_in() {
        let scrub = Scrub::default().value("Ada Lovelace@example.com/1");
        for form in [
            "Ada Lovelace@example.com/1",
            "ada lovelace@example.com/1",
            "Ada%20Lovelace%40example.com%2F1",
            "ada%20lovelace%40example.com%2f1",
            "Ada+Lovelace@example.com/1",
            "Ada+Lovelace%40example.com%2F1",
        ] {
            assert_eq!(scrub.apply(&format!("<{form}>")), "<…>", "{form}");
            assert!(scrub.finds_in(form), "{form}");
        }
        assert!(!scrub.finds_in("Ada"));
        // Short values are left; the rest of the text is untouched.
        let short = Scrub::default().value("ab");
        assert_eq!(short.apply("abc ab"), "abc ab");
        assert!(!short.finds_in("ab"));
        // A value inside a longer one: the longer goes whole.
        let nested = Scrub::default().value("ada").value("ada@x.io");
        assert_eq!(nested.apply("ada@x.io ada"), "… …");
        // Non-ASCII text around a match keeps its characters.
        let scrub = Scrub::default().value("Zoë@x.io");
        // ASCII case only: `ë` and `Ë` are different characters here.
        assert_eq!(scrub.apply("ÄÖ ZOË@X.IO ü"), "ÄÖ ZOË@X.IO ü");
        assert_eq!(scrub.apply("ÄÖ Zoë@X.io ü"), "ÄÖ … ü");
        assert_eq!(scrub.apply("Zo%C3%AB%40x.io"), "…");
    }

    #[test]
    fn what_follows_bearer_goes() {
        let scrub = Scrub::default();
        assert_eq!(
            scrub.apply("auth: Bearer abc.def, next"),
            "auth: Bearer …, next"
        );
        assert_eq!(scrub.apply("BEARER x"), "BEARER …");
        assert!(scrub.finds_in("bearer t"));
    }
}
