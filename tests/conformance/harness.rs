//! The runner: [`Conformance`] sends the client's operations through a
//! [`Recorder`] (a ureq middleware that keeps every exchange), judges each
//! exchange against Prism's report and the document, tracks which query
//! parameters and body fields were sent, and [`report`]s the outcome.
//!
//! In [`Mode::Proxy`] the answers come from a real server behind Prism, so
//! a 4xx can be the point of a call: each call says which status it
//! expects ([`Conformance::expect`]). Prism's verdict is any `sl-violations`
//! header or any answer Prism wrote itself (`application/problem+json`: a
//! 422 for a request it refuses, which carries no `sl-violations` header,
//! or a 500 for an answer it refuses, which does). Every answer the server
//! wrote is also judged by [`check_response`] against the response the
//! document declares for its status, since Prism 5.14.2 validates only some
//! response bodies (see [`schema_check`](super::schema_check)).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};

use kratos_identity::{Error, IdentityClient};
use serde_json::Value;
use ureq::http;
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};

use super::OPERATIONS;
use super::prism::{Mode, Prism};
use super::schema_check::check_response;
use super::spec::GET_VERSION_ANSWER;
use super::spec::{Spec, model_of, modeled_schemas};

const TOKEN: &str = "ory_pat_conformance_0001";

/// Sends operations through clients whose every exchange is recorded, and
/// judges each exchange against the document.
pub(crate) struct Conformance<'a> {
    spec: &'a Spec,
    pub(crate) mode: Mode,
    recorder: Recorder,
    pub(crate) client: IdentityClient,
    /// Sends `Prefer: code=204`, for the operation with two success codes.
    pub(crate) no_content_client: IdentityClient,
    pub(crate) problems: Vec<String>,
    /// The `operationId`s the requests reached.
    pub(crate) operations: BTreeSet<String>,
    /// Requests Prism validated and accepted.
    pub(crate) requests: usize,
    /// Responses with a body that decoded into the models.
    pub(crate) decoded: usize,
    /// Static answers not decoded because they carry Prism's placeholders.
    pub(crate) placeholders: usize,
    /// Response objects compared field by field with their decoded model.
    pub(crate) fields_checked: usize,
    /// What the requests used, per `operationId`: `query:name` for a query
    /// parameter, `body:/pointer` for a body field (`*` for array items).
    sent: BTreeMap<String, BTreeSet<String>>,
    /// Proxy mode: the status the exchanges of the current call must have
    /// (`None`: any 2xx).
    expected: Option<u16>,
    /// Proxy mode: every exchange that went through Prism.
    pub(crate) exchanges: usize,
    /// Proxy mode: answers judged against the document's response for
    /// their status (bodies and empty answers alike).
    pub(crate) answers_checked: usize,
    /// Proxy mode: bodies validated against the document's schema.
    pub(crate) bodies_validated: usize,
    /// Proxy mode: the statuses seen, per `operationId`.
    pub(crate) statuses: BTreeMap<String, BTreeSet<u16>>,
    /// Proxy mode: places in the answers' schemas the validator could not
    /// check (a keyword or format it does not implement).
    pub(crate) unchecked: BTreeSet<String>,
    /// Proxy mode: every place where an answer breaks the document, as
    /// `operationId HTTP status (response): /pointer: what`.
    pub(crate) answer_violations: Vec<String>,
    /// Where the fake broke the document as the real server does (see
    /// [`KNOWN_DIVERGENCES`]): accepted, and named in the summary.
    pub(crate) known_divergences: BTreeSet<String>,
}

impl<'a> Conformance<'a> {
    pub(crate) fn new(spec: &'a Spec, prism: &Prism, mode: Mode) -> Self {
        let recorder = Recorder::default();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .middleware(recorder.clone())
            .build()
            .into();
        let client = |prefer: Option<&str>| {
            let mut builder = IdentityClient::builder(&prism.base_url)
                .bearer_token(TOKEN)
                .agent(agent.clone())
                .max_retries(0);
            if let Some(prefer) = prefer {
                builder = builder.header("Prefer", prefer);
            }
            builder
                .build()
                .expect("a loopback base URL is a valid configuration")
        };
        Conformance {
            spec,
            mode,
            client: client(None),
            no_content_client: client(Some("code=204")),
            recorder,
            problems: Vec::new(),
            operations: BTreeSet::new(),
            requests: 0,
            decoded: 0,
            placeholders: 0,
            fields_checked: 0,
            sent: BTreeMap::new(),
            expected: None,
            exchanges: 0,
            answers_checked: 0,
            bodies_validated: 0,
            statuses: BTreeMap::new(),
            unchecked: BTreeSet::new(),
            answer_violations: Vec::new(),
            known_divergences: BTreeSet::new(),
        }
    }

    /// Proxy mode: runs one operation, whose every exchange must be
    /// answered with `status`, and judges each exchange.
    pub(crate) fn expect<T>(
        &mut self,
        label: &str,
        status: u16,
        send: impl FnOnce() -> Result<T, Error>,
    ) -> Option<T> {
        self.expected = Some(status);
        let result = self.call(label, send);
        self.expected = None;
        result
    }

    /// Runs one operation and judges every exchange it made. Returns the
    /// decoded answer when there is one.
    pub(crate) fn call<T>(
        &mut self,
        label: &str,
        send: impl FnOnce() -> Result<T, Error>,
    ) -> Option<T> {
        self.recorder.take();
        let result = send();
        let exchanges = self.recorder.take();
        if exchanges.is_empty() {
            let outcome = match &result {
                Ok(_) => "it succeeded".to_string(),
                Err(e) => e.to_string(),
            };
            self.problems
                .push(format!("{label}: no request was sent ({outcome})"));
        }
        self.exchanges += exchanges.len();
        for exchange in &exchanges {
            let problems = match self.mode {
                Mode::Proxy => self.judge_proxied(exchange),
                Mode::Static | Mode::Dynamic => self.judge(exchange),
            };
            if problems.is_empty() {
                self.requests += 1;
            }
            for problem in problems {
                self.problems.push(format!(
                    "{label}: {} {}: {problem}",
                    exchange.method, exchange.uri
                ));
            }
        }
        match result {
            Ok(value) => {
                self.decoded += exchanges
                    .iter()
                    .filter(|e| !e.response_body.is_empty())
                    .count();
                Some(value)
            }
            // Static answers carry placeholders the models rightly refuse
            // (`"string"` for a UUID): only the dynamic test judges decoding.
            Err(Error::Decode { .. }) if self.mode == Mode::Static => {
                self.placeholders += 1;
                None
            }
            Err(Error::Decode { details, .. }) => {
                let body = exchanges
                    .last()
                    .map(|e| String::from_utf8_lossy(&e.response_body).into_owned())
                    .unwrap_or_default();
                let column = details.position().map_or(0, |(_, column)| column);
                self.problems.push(format!(
                    "{label}: the response does not decode into the models: {details}\n    near: {}\n    body: {}",
                    excerpt(&body, column, 160),
                    excerpt(&body, 0, 4000),
                ));
                None
            }
            // A refused request is reported with Prism's report by `judge`.
            Err(Error::Api(_)) if !exchanges.is_empty() => None,
            Err(e) => {
                self.problems.push(format!("{label}: {e}"));
                None
            }
        }
    }

    /// What is wrong with one exchange, judged by Prism and the document.
    fn judge(&mut self, exchange: &Exchange) -> Vec<String> {
        let mut problems = Vec::new();
        let (path, query) = split_uri(&exchange.uri);

        let status_ok = (200..300).contains(&exchange.status);
        let request_violations = exchange
            .violations
            .as_deref()
            .map(request_violations)
            .unwrap_or_default();
        if !status_ok || !request_violations.is_empty() {
            let report = match &exchange.violations {
                Some(v) => pretty(v),
                None => "(no sl-violations header)".into(),
            };
            problems.push(format!(
                "Prism refused the request: HTTP {}\n    validation report (sl-violations): {}\n    body: {}",
                exchange.status,
                report,
                excerpt(&String::from_utf8_lossy(&exchange.response_body), 0, 1000),
            ));
        }

        let Some((operation_id, operation, path_item)) =
            self.spec.operation(&exchange.method, path)
        else {
            problems.push("no operation of the spec has this method and path".into());
            return problems;
        };
        self.operations.insert(operation_id.clone());

        if self.mode == Mode::Dynamic && status_ok && !exchange.response_body.is_empty() {
            problems.extend(self.lost_in_decoding(operation, exchange));
        }
        problems.extend(self.request_checks(exchange, &operation_id, operation, path_item, query));
        problems
    }

    /// Proxy mode: what is wrong with one exchange, judged by Prism (any
    /// `sl-violations`, any answer Prism wrote itself), by the status the
    /// call expects, and by the document's response for that status (as
    /// Prism validates only some response bodies).
    fn judge_proxied(&mut self, exchange: &Exchange) -> Vec<String> {
        let mut problems = Vec::new();
        let (path, query) = split_uri(&exchange.uri);
        let from_prism = exchange
            .content_type
            .as_deref()
            .is_some_and(|c| c.trim_start().starts_with("application/problem+json"));
        if exchange.violations.is_some() || from_prism {
            let report = match &exchange.violations {
                Some(v) => pretty(v),
                None => "(no sl-violations header)".into(),
            };
            problems.push(format!(
                "Prism's verdict: HTTP {}{}\n    validation report (sl-violations): {}\n    body: {}",
                exchange.status,
                match from_prism {
                    true => " written by Prism (application/problem+json), not by the server",
                    false => "",
                },
                report,
                excerpt(&String::from_utf8_lossy(&exchange.response_body), 0, 1000),
            ));
        }
        match self.expected {
            // Prism's answer replaced the server's: its verdict says why.
            _ if from_prism => {}
            Some(expected) if exchange.status != expected => problems.push(format!(
                "expected HTTP {expected}, got HTTP {}: {}",
                exchange.status,
                excerpt(&String::from_utf8_lossy(&exchange.response_body), 0, 400),
            )),
            None if !(200..300).contains(&exchange.status) => problems.push(format!(
                "expected a success, got HTTP {}: {}",
                exchange.status,
                excerpt(&String::from_utf8_lossy(&exchange.response_body), 0, 400),
            )),
            _ => {}
        }

        let Some((operation_id, operation, path_item)) =
            self.spec.operation(&exchange.method, path)
        else {
            problems.push("no operation of the spec has this method and path".into());
            return problems;
        };
        self.operations.insert(operation_id.clone());
        if !from_prism {
            self.statuses
                .entry(operation_id.clone())
                .or_default()
                .insert(exchange.status);
        }

        // Where Prism found the server's answer wrong (it validates the
        // bodies whose schema its ajv compiles, see schema_check), it
        // replaced it with its own: its findings are the answer's violations.
        for found in exchange
            .violations
            .as_deref()
            .map(response_violations)
            .unwrap_or_default()
        {
            let place = format!(
                "{operation_id} (found by Prism, which answered {} instead): {found}",
                exchange.status
            );
            self.answer_violations.push(place);
        }
        // Prism's own answers are judged above; the document is about the server's.
        if !from_prism {
            let verdict = check_response(
                self.spec,
                operation,
                exchange.status,
                exchange.content_type.as_deref(),
                &exchange.response_body,
            );
            self.answers_checked += 1;
            self.bodies_validated += usize::from(verdict.body_validated);
            self.unchecked.extend(verdict.checked.unchecked);
            for violation in verdict.checked.violations {
                if let Some(reason) = known_divergence(&operation_id, &violation.to_string()) {
                    self.known_divergences
                        .insert(format!("{operation_id}: {reason}"));
                    continue;
                }
                let place = format!(
                    "{operation_id} HTTP {} ({}): {violation}",
                    exchange.status,
                    match verdict.declared_as.as_str() {
                        "" => "undeclared",
                        declared => declared,
                    },
                );
                problems.push(format!("the answer breaks the document: {place}"));
                self.answer_violations.push(place);
            }
        }
        problems.extend(self.request_checks(exchange, &operation_id, operation, path_item, query));
        problems
    }

    /// The checks of a request that Prism does not make: its query
    /// parameters are declared, its body has no undeclared field.
    fn request_checks(
        &mut self,
        exchange: &Exchange,
        operation_id: &str,
        operation: &Value,
        path_item: &Value,
        query: &str,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        // Query parameters Prism would ignore if misspelled.
        let declared: BTreeSet<&str> = [&operation["parameters"], &path_item["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| self.spec.resolve(p))
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let sent = self.sent.entry(operation_id.to_string()).or_default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or_default();
            sent.insert(format!("query:{name}"));
            if !declared.contains(name) {
                problems.push(format!(
                    "query parameter {name:?} is not declared for {operation_id}"
                ));
            }
        }

        // Body fields Prism would let through but Kratos refuses.
        let body_schema =
            self.spec.resolve(&operation["requestBody"])["content"]["application/json"]["schema"]
                .clone();
        match (exchange.request_body.is_empty(), body_schema.is_null()) {
            (true, true) => {}
            (true, false) => {
                if operation["requestBody"]["required"] == true {
                    problems.push(format!("{operation_id} requires a body; none was sent"));
                }
            }
            (false, true) => problems.push(format!("{operation_id} takes no body; one was sent")),
            (false, false) => match serde_json::from_slice::<Value>(&exchange.request_body) {
                Err(e) => problems.push(format!("the body is not JSON: {e}")),
                Ok(body) => {
                    fields_present(&body, "", sent);
                    let mut undeclared = Vec::new();
                    self.spec
                        .undeclared_fields(&body, &body_schema, "", &mut undeclared);
                    for field in undeclared {
                        problems.push(format!(
                            "the body has {field}, a field the spec does not declare (Kratos refuses unknown fields)"
                        ));
                    }
                }
            },
        }
        problems
    }

    /// Decodes a response body into the model of its schema, encodes it
    /// back, and lists the declared fields that did not survive: a field
    /// the model misnames or lacks decodes silently (models ignore unknown
    /// fields), so the decoding alone would not show it.
    fn lost_in_decoding(&mut self, operation: &Value, exchange: &Exchange) -> Vec<String> {
        let response = self
            .spec
            .resolve(&operation["responses"][exchange.status.to_string().as_str()]);
        let schema = &response["content"]["application/json"]["schema"];
        // getVersion's answer is an inline schema; the client models it.
        let Some((name, list)) = model_of(self.spec, schema).or_else(|| {
            (operation["operationId"] == "getVersion").then(|| (GET_VERSION_ANSWER.into(), false))
        }) else {
            return vec!["the response schema is not one this test knows".into()];
        };
        let Some(decode) = modeled_schemas().get(name.as_str()).copied() else {
            return vec![format!(
                "the response schema {name} has no model in this test"
            )];
        };
        let original: Value = match serde_json::from_slice(&exchange.response_body) {
            Ok(v) => v,
            Err(e) => return vec![format!("the response is not JSON: {e}")],
        };
        // A list of a named schema is judged item by item; anything else whole.
        let (items, item_schema) = match (list, &original) {
            (true, Value::Array(items)) => (items.clone(), &self.spec.resolve(schema)["items"]),
            (true, _) => return vec!["a list response that is not an array".into()],
            (false, whole) => (vec![whole.clone()], schema),
        };
        let mut lost = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match decode(item.clone()) {
                Ok(kept) => {
                    self.fields_checked += 1;
                    let at = if list { format!("/{i}") } else { String::new() };
                    self.spec
                        .lost_fields(item, &kept, item_schema, &at, &mut lost, 0);
                }
                Err(e) => lost.push(format!("does not decode as {name}: {e}")),
            }
        }
        lost.into_iter()
            .map(|l| format!("the {name} model loses a field the spec declares: {l}"))
            .collect()
    }

    /// Every query parameter and body field the document declares for an
    /// operation must have been sent at least once, except the fields the
    /// server assigns itself ([`SERVER_ASSIGNED`]).
    pub(crate) fn check_coverage(&mut self) {
        let mut missing = Vec::new();
        for operation_id in OPERATIONS {
            let Some((_, operation, path_item)) = self.spec.operation_by_id(operation_id) else {
                missing.push(format!("{operation_id}: not in the spec"));
                continue;
            };
            let mut declared = BTreeSet::new();
            for parameter in [&operation["parameters"], &path_item["parameters"]]
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .map(|p| self.spec.resolve(p))
                .filter(|p| p["in"] == "query")
            {
                if let Some(name) = parameter["name"].as_str() {
                    declared.insert(format!("query:{name}"));
                }
            }
            let body = &self.spec.resolve(&operation["requestBody"])["content"]["application/json"]
                ["schema"];
            if !body.is_null() {
                self.spec.declared_fields(body, "", &mut declared, 0);
            }
            let sent = self.sent.get(operation_id);
            for item in declared {
                let assigned = SERVER_ASSIGNED.iter().any(|s| item.ends_with(s));
                if !assigned && !sent.is_some_and(|sent| sent.contains(&item)) {
                    missing.push(format!("{operation_id}: {item}"));
                }
            }
        }
        if !missing.is_empty() {
            self.problems.push(format!(
                "declared but never sent (add them to exercise_every_operation):\n    {}",
                missing.join("\n    ")
            ));
        }
    }

    /// Fails the test with every problem, or prints the summary.
    pub(crate) fn finish(&self, summary: &str) {
        let test = match self.mode {
            Mode::Static => "requests_conform_to_the_spec",
            Mode::Dynamic => "dynamic_responses_decode_into_the_models",
            Mode::Proxy => "the_fake_answers_as_the_spec_says",
        };
        report(test, &self.problems, summary);
    }
}

/// The path (without scheme and host) and the query of a request URI.
fn split_uri(uri: &str) -> (&str, &str) {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let path = path
        .find("://")
        .and_then(|i| path[i + 3..].find('/').map(|j| &path[i + 3 + j..]))
        .unwrap_or(path);
    (path, query)
}

/// Prints the summary, or fails with every problem found.
pub(crate) fn report(test: &str, problems: &[String], summary: &str) {
    if problems.is_empty() {
        // Straight to stderr, past the test harness's capture, so the counts
        // show in every run.
        let _ = writeln!(std::io::stderr(), "conformance: {test}: {summary}");
        return;
    }
    let mut message = format!("{test}: {} problem(s):\n", problems.len());
    for problem in problems {
        message.push_str("\n- ");
        message.push_str(problem);
        message.push('\n');
    }
    panic!("{message}\nThe run, for the record: {summary}");
}

/// The entries of Prism's `sl-violations` header about the request (the
/// others are about its own answer).
fn request_violations(header: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter(|v| v["location"][0] == "request")
            .collect(),
        // Not what Prism sends: keep it so it is reported.
        _ => vec![Value::String(header.to_string())],
    }
}

/// Prism's findings about the server's answer (the entries of its
/// `sl-violations` header located in the response), as
/// `/pointer: message`.
fn response_violations(header: &str) -> Vec<String> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(header) else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|v| v["location"][0] == "response")
        .map(|v| {
            let pointer: String = v["location"]
                .as_array()
                .into_iter()
                .flatten()
                .skip(2)
                .map(|part| match part {
                    Value::String(s) => format!("/{s}"),
                    other => format!("/{other}"),
                })
                .collect();
            let at = match v["location"][1].as_str() {
                Some("body") => pointer,
                Some(other) => format!("({other}){pointer}"),
                None => pointer,
            };
            format!("{at}: {}", v["message"].as_str().unwrap_or("(no message)"))
        })
        .collect()
}

fn pretty(header: &str) -> String {
    serde_json::from_str::<Value>(header)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| header.to_string())
}

/// Up to `width` characters of `text` around the 1-based `column`.
pub(crate) fn excerpt(text: &str, column: usize, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let center = column.saturating_sub(1).min(chars.len());
    let start = center.saturating_sub(width / 2);
    let end = (start + width).min(chars.len());
    let mut out: String = chars[start..end].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// One request and its answer, as seen on the wire.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    uri: String,
    request_body: Vec<u8>,
    status: u16,
    /// Prism's validation report, if it sent one.
    violations: Option<String>,
    /// The answer's `Content-Type`.
    content_type: Option<String>,
    response_body: Vec<u8>,
}

/// A ureq middleware that records every exchange of the clients it is
/// installed in. The request goes on with the same headers and body bytes;
/// only the framing changes (chunked instead of `Content-Length`, as a body
/// rebuilt from a reader has no length), which Prism does not judge.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Exchange>>>);

impl Recorder {
    fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Middleware for Recorder {
    fn handle(
        &self,
        request: http::Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<http::Response<Body>, ureq::Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let (parts, body) = request.into_parts();
        let mut request_body = Vec::new();
        body.into_reader().read_to_end(&mut request_body)?;
        let body = match request_body.is_empty() {
            true => SendBody::none(),
            false => SendBody::from_owned_reader(std::io::Cursor::new(request_body.clone())),
        };
        let response = next.handle(http::Request::from_parts(parts, body))?;

        let (parts, mut body) = response.into_parts();
        let response_body = body.read_to_vec()?;
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let violations = header("sl-violations");
        let content_type = header("content-type");
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Exchange {
                method,
                uri,
                request_body,
                status: parts.status.as_u16(),
                violations,
                content_type,
                response_body: response_body.clone(),
            });
        Ok(http::Response::from_parts(
            parts,
            Body::builder().data(response_body),
        ))
    }
}

/// Where both real servers (v26.2.0 and master, checked against them)
/// answer what the document does not allow, and the fake answers as they
/// do: operation, the violation with every array index written `*`, and
/// why it is right.
const KNOWN_DIVERGENCES: [(&str, &str, &str); 3] = [
    (
        "listSessions",
        "/*/devices: null,",
        "a list's sessions carry \"devices\": null without expand=devices",
    ),
    (
        "listSessions",
        "/*/identity: null,",
        "a list's sessions carry \"identity\": null without expand=identity",
    ),
    (
        "getSession",
        "/identity: null,",
        "a session carries \"identity\": null without expand=identity",
    ),
];

/// Why the real server answers this violation of the document, when it
/// is one of [`KNOWN_DIVERGENCES`].
fn known_divergence(operation_id: &str, violation: &str) -> Option<&'static str> {
    let mut general = String::with_capacity(violation.len());
    let mut digits = false;
    for c in violation.chars() {
        match (c.is_ascii_digit(), digits) {
            (true, true) => {}
            (true, false) => {
                digits = general.ends_with('/');
                general.push(if digits { '*' } else { c });
            }
            (false, _) => {
                digits = false;
                general.push(c);
            }
        }
    }
    KNOWN_DIVERGENCES
        .iter()
        .find(|(op, pattern, _)| *op == operation_id && general.starts_with(pattern))
        .map(|(_, _, reason)| *reason)
}

/// The body fields the client never sends: those the server assigns itself,
/// which an import does not send, and `from` of a JSON Patch operation,
/// which only `move` and `copy` take: both versions of Kratos refuse those
/// (400 "unsupported operation"), so the client does not offer them.
const SERVER_ASSIGNED: [&str; 7] = [
    "/*/from",
    "verifiable_addresses/*/id",
    "verifiable_addresses/*/created_at",
    "verifiable_addresses/*/updated_at",
    "recovery_addresses/*/id",
    "recovery_addresses/*/created_at",
    "recovery_addresses/*/updated_at",
];

/// Adds `body:/pointer` for every object field in `value` (`*` for array
/// items).
fn fields_present(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let here = format!("{at}/{name}");
                out.insert(format!("body:{here}"));
                fields_present(field, &here, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                fields_present(item, &format!("{at}/*"), out);
            }
        }
        _ => {}
    }
}
