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
/// values of its query (an email in `credentials_identifier`, a page
/// token), and anything that follows `Bearer ` (another key a proxy echoes).
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
    /// for a URL, with `+` for spaces. Values under 3 characters are left
    /// (they would blank unrelated text, and reveal nothing).
    pub(crate) fn value(mut self, value: &str) -> Self {
        if value.len() >= 3 {
            let encoded = crate::http::percent::encode_component(value);
            let plus = value.replace(' ', "+");
            for form in [value.to_string(), encoded, plus] {
                if !self.secrets.contains(&form) {
                    self.secrets.push(form);
                }
            }
        }
        self
    }

    /// `text` without the secrets (each becomes `…`) and without what
    /// follows `Bearer ` (case-insensitive) up to a space or quote.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        // Longest first, so a value that contains another goes whole.
        let mut secrets: Vec<&String> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for secret in secrets {
            out = out.replace(secret.as_str(), "…");
        }
        redact_bearer(&out)
    }
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
