//! [`DecodeError`]: the evidence of an answer (or one item of a page) that
//! did not decode, with none of the body's values.

use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::json_path::json_path_at;
use super::text::{Scrub, one_line};
use crate::api::operation::Operation;
use crate::http::response::RawResponse;

/// Why a success response (or one item of a page) did not decode, with the
/// evidence a person needs and none of the body's values: the JSON path of
/// the field that failed, the line and column, the item's position and `id`
/// when known, and for a body that is not JSON at all (an SSO login page, a
/// proxy's error page) its start. What it quotes of the body (the start,
/// the path's keys, the id) is scrubbed of what the request carried (the
/// API key, the user's own values), as an error answer's body is: a proxy
/// that echoes the request into a 200 page leaks nothing either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    operation: Option<Operation>,
    status: u16,
    target: String,
    problem: Problem,
    item: Option<usize>,
    id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// The body is empty.
    Empty,
    /// The body is not JSON; its start, on one line.
    NotJson(String),
    /// JSON that does not fit the target type.
    Mismatch {
        path: Option<String>,
        message: String,
        line: usize,
        column: usize,
    },
}

impl DecodeError {
    /// The error of a whole body of `response` that did not decode into
    /// `T`. Built from the response only, so that it is scrubbed as the
    /// response's call says.
    pub(crate) fn of_body<T: DeserializeOwned>(
        response: &RawResponse,
        error: &serde_json::Error,
    ) -> Self {
        let (body, scrub) = (&response.body[..], &response.scrub);
        let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
        let problem = match first {
            None => Problem::Empty,
            Some(b) if !b"{[\"-0123456789tfn".contains(&b) => {
                Problem::NotJson(one_line(&scrub.excerpt(body, 400), 160))
            }
            Some(_) => mismatch(body, error, scrub),
        };
        DecodeError {
            operation: Some(response.operation),
            status: response.status,
            target: short_type_name::<T>(),
            problem,
            item: None,
            id: top_level_id(body, scrub),
        }
    }

    /// The error of the item at `index` of `response`'s page, whose JSON is
    /// `item`, after `body_before` (the body before it).
    pub(crate) fn of_item<T: DeserializeOwned>(
        response: &RawResponse,
        index: usize,
        item: &str,
        body_before: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        let scrub = &response.scrub;
        let mut problem = mismatch(item.as_bytes(), error, scrub);
        // Line and column count in the whole body, as a person reading the
        // response would.
        if let Problem::Mismatch { line, column, .. } = &mut problem {
            let newlines = body_before.iter().filter(|&&b| b == b'\n').count();
            if *line == 1 {
                let line_start = body_before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                *column += body_before.len() - line_start;
            }
            *line += newlines;
        }
        DecodeError {
            operation: Some(response.operation),
            status: response.status,
            target: short_type_name::<T>(),
            problem,
            item: Some(index),
            id: top_level_id(item.as_bytes(), scrub),
        }
    }

    /// The call whose answer did not decode.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The type the body (or item) should have decoded into, without module
    /// paths (`Identity<Value>`).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The JSON path of the field that failed (`traits.age`,
    /// `credentials.password.created_at`), when the body was JSON.
    pub fn path(&self) -> Option<&str> {
        match &self.problem {
            Problem::Mismatch { path, .. } => path.as_deref(),
            _ => None,
        }
    }

    /// The 1-based line and column in the body where decoding stopped, when
    /// the body was JSON.
    pub fn position(&self) -> Option<(usize, usize)> {
        match &self.problem {
            Problem::Mismatch { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The 0-based position of the item on its page, for an item of a list.
    pub fn item_index(&self) -> Option<usize> {
        self.item
    }

    /// The `id` of the object that did not decode, when it has a readable one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The start of a body that is not JSON at all (an HTML page, say).
    pub fn body_start(&self) -> Option<&str> {
        match &self.problem {
            Problem::NotJson(start) => Some(start),
            _ => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            write!(f, "{operation}: ")?;
        }
        match &self.item {
            Some(index) => write!(f, "the item at index {index} of the page")?,
            None => write!(f, "the HTTP {} answer", self.status)?,
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        match &self.problem {
            Problem::Empty => write!(f, " has an empty body where {} was expected", self.target),
            Problem::NotJson(start) => write!(
                f,
                " is not JSON (a login page or a proxy's error page?); it starts with: {start}"
            ),
            Problem::Mismatch {
                path,
                message,
                line,
                column,
            } => {
                write!(f, " does not decode as {}: ", self.target)?;
                if let Some(path) = path {
                    write!(f, "at {path}: ")?;
                }
                write!(f, "{message} (line {line}, column {column})")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// The evidence of JSON that does not fit `T`: the path of the failing
/// field (read from the body where serde_json stopped: its keys are the
/// body's, so scrubbed) and serde's message with the body's values taken
/// out.
fn mismatch(body: &[u8], error: &serde_json::Error, scrub: &Scrub) -> Problem {
    let offset = offset_of(body, error.line(), error.column());
    Problem::Mismatch {
        path: json_path_at(body, offset).map(|path| scrub.apply(&path)),
        message: scrub.apply(&without_values(&message_of(error))),
        line: error.line(),
        column: error.column(),
    }
}

/// The byte offset of serde_json's 1-based line and its column (bytes
/// since the line's start).
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        _ => body
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line - 2)
            .map_or(body.len(), |(i, _)| i + 1),
    };
    (line_start + column).min(body.len())
}

/// serde_json's message without its trailing `at line L column C`.
fn message_of(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

/// Takes the body's values out of a serde message, keeping what it says
/// about types and field names: `invalid type: string "ada@example.com",
/// expected u32` becomes `invalid type: string, expected u32`. A string
/// value could be a password hash, a recovery code or an email address.
pub(crate) fn without_values(message: &str) -> String {
    // serde's "invalid type/value" and "unknown variant" messages put the
    // offending value between the kind and ", expected".
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) =
                rest.split_at(rest.find(", expected").unwrap_or(rest.len()));
            let kind = strip_literals(unexpected);
            let kind = kind.trim();
            let head = prefix.trim_end();
            return match kind.is_empty() {
                true => format!("{head}{expected}"),
                false => format!("{head} {kind}{expected}"),
            };
        }
    }
    // Anything else: no quoted string survives.
    let mut out = String::with_capacity(message.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in message.chars() {
        match (in_string, c) {
            (false, '"') => {
                in_string = true;
                out.push_str("\"…\"");
            }
            (true, '\\') if !escaped => escaped = true,
            (true, '"') if !escaped => in_string = false,
            (true, _) => escaped = false,
            (false, c) => out.push(c),
        }
    }
    out
}

/// Removes `"…"` and `` `…` `` literals.
fn strip_literals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in s.chars() {
        match quote {
            None if c == '"' || c == '`' => quote = Some(c),
            None => out.push(c),
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
        }
    }
    out
}

/// The top-level `"id"` of a JSON object, when it is a short string (a
/// UUID in practice) that holds nothing `scrub` takes out: it names the
/// record without revealing anything.
fn top_level_id(json: &[u8], scrub: &Scrub) -> Option<String> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        id: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(json).ok()?;
    match probe.id? {
        serde_json::Value::String(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !scrub.finds_in(&id) =>
        {
            Some(id)
        }
        _ => None,
    }
}

/// `T`'s type name without module paths:
/// `kratos_identity::models::identity::Identity<serde_json::value::Value>`
/// becomes `Identity<Value>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (i, c) in full.char_indices() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            continue;
        }
        let segment = &full[segment_start..i];
        out.push_str(segment.rsplit("::").next().unwrap_or(segment));
        out.push(c);
        segment_start = i + c.len_utf8();
    }
    let segment = &full[segment_start..];
    out.push_str(segment.rsplit("::").next().unwrap_or(segment));
    out
}
