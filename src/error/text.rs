//! Excerpts of what a server sent, fit for a message: on one line, cut
//! short, and scrubbed of secrets the request carried ([`Scrub`]).
//!
//! A leaf: it imports nothing of the crate but `http::percent`, so the
//! answer of a call ([`RawResponse`](crate::http::response::RawResponse))
//! can carry its call's [`Scrub`].

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

    /// The start of `body`, at most `max` bytes of it (cut on a character),
    /// lossily decoded and scrubbed, with `…` when it was cut. A secret the
    /// cut goes through goes too: what is left of it would not match, and
    /// a key's first half is half a key.
    pub(crate) fn excerpt(&self, body: &[u8], max: usize) -> String {
        let mut start = &body[..body.len().min(max)];
        if let Err(e) = std::str::from_utf8(start)
            && e.error_len().is_none()
        {
            // A character the cut goes through.
            start = &start[..e.valid_up_to()];
        }
        let mut text = self.apply(&String::from_utf8_lossy(start));
        if start.len() < body.len() {
            text.truncate(self.start_of_a_cut_secret(&text));
            text.push('…');
        }
        text
    }

    /// Where a secret that `text` ends partway into starts (the longest such),
    /// else `text.len()`.
    fn start_of_a_cut_secret(&self, text: &str) -> usize {
        let lower = text.to_ascii_lowercase();
        let mut cut = text.len();
        for secret in &self.secrets {
            let secret = secret.to_ascii_lowercase();
            let longest = (1..secret.len())
                .rev()
                .filter(|&k| secret.is_char_boundary(k))
                .find(|&k| lower.ends_with(&secret[..k]));
            if let Some(k) = longest {
                cut = cut.min(text.len() - k);
            }
        }
        cut
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
    fn an_excerpt_cut_through_a_secret_loses_its_start_too() {
        let scrub = Scrub::default().value("ory_pat_SUPERSECRET");
        let body = b"<p>token ory_pat_SUPERSECRET here</p>";
        assert_eq!(scrub.excerpt(body, 1000), "<p>token … here</p>");
        // Cut inside the key: the start of it goes with the rest.
        assert_eq!(scrub.excerpt(body, 16), "<p>token …");
        assert_eq!(scrub.excerpt(body, 10), "<p>token …");
        // Cut before it: nothing to take out but what a secret may start with.
        assert_eq!(scrub.excerpt(body, 9), "<p>token …");
        assert_eq!(scrub.excerpt(b"abc", 3), "abc");
        // Cut inside a character: the character goes, not decoded as garbage.
        assert_eq!(Scrub::default().excerpt("aé".as_bytes(), 2), "a…");
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
