//! Routing: each request is matched to its operation, passed through the
//! faults (rate limit and `fail_every`, then the aimed [`Fault`]s, and
//! latency), answered by the operation's function, and logged.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use kratos_identity::Operation;

use super::FakeRequest;
use super::errors::ApiError;
use super::faults::{Fault, Faults, Outcome, Routed};
use super::paging::{Query, decode_component};
use super::server::{Handler, Reply, Request, Response};
use super::store::Store;
use crate::KratosVersion;

mod flows;
mod identities;
mod identity_writes;
pub(crate) mod schemas;
mod sessions;

pub(crate) use sessions::SESSION_LIFESPAN;

/// The state shared by the server threads and the [`FakeKratos`](super::FakeKratos) handle.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) log: Mutex<Vec<FakeRequest>>,
    /// The Kratos version answered as.
    pub(crate) version: KratosVersion,
    /// The public port's base URL, `http://127.0.0.1:PORT`.
    pub(crate) public_url: Mutex<String>,
    /// Kratos's `feature_flags.faster_session_extend`: extend answers 204.
    pub(crate) faster_session_extend: AtomicBool,
    /// Admin requests being handled now, and the most there ever were.
    pub(crate) handling: AtomicUsize,
    pub(crate) most_handled_at_once: AtomicUsize,
    /// Ory Network's refusal of concurrent writes to one path, and the
    /// paths being written now.
    pub(crate) refuse_concurrent_writes: bool,
    pub(crate) writing: Mutex<std::collections::HashSet<String>>,
}

impl State {
    /// The public port's base URL, without a trailing slash.
    pub(crate) fn public_url(&self) -> String {
        lock(&self.public_url).clone()
    }
}

/// Locks a mutex, also after a panic elsewhere (the state stays usable).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What an operation's function gets.
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a State,
    pub(crate) request: &'a Request,
    pub(crate) query: Query,
    /// The decoded path parameters, in order.
    pub(crate) params: Vec<String>,
}

type Answer = Result<Response, ApiError>;

impl Handler for State {
    /// Counts the request among those handled at once, then handles it
    /// ([`handle_counted`](State::handle_counted)).
    fn handle(&self, request: Request) -> Reply {
        let now = self.handling.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_handled_at_once.fetch_max(now, Ordering::SeqCst);
        let write = self.refuse_concurrent_writes
            && matches!(request.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE")
            && request.path.starts_with("/admin/");
        let reply = match write {
            false => self.handle_counted(request),
            true if !lock(&self.writing).insert(request.path.clone()) => {
                let refusal = ApiError::new(
                    429,
                    Some("Another write to this path is in progress; send one at a time.".into()),
                    "Too Many Requests",
                )
                .into_response();
                self.answer(&request, refusal, Vec::new(), None)
            }
            true => {
                let path = request.path.clone();
                let reply = self.handle_counted(request);
                lock(&self.writing).remove(&path);
                reply
            }
        };
        self.handling.fetch_sub(1, Ordering::SeqCst);
        reply
    }

    /// Kratos caps admin bodies at 5 MiB with `http.MaxBytesReader`, and
    /// each handler reports the read error its own way: never a 413.
    fn too_large(&self, request: Request) -> Response {
        const TOO_LARGE: &str = "http: request body too large";
        let (operation, _) = route(&request.method, &request.path);
        let error = match operation {
            Ok(Operation::BATCH_PATCH_IDENTITIES) => {
                ApiError::bad_request_message(TOO_LARGE).with_body_code(500)
            }
            Ok(Operation::UPDATE_IDENTITY) => {
                ApiError::bad_request(format!("Unable to read HTTP POST body: {TOO_LARGE}"))
            }
            Ok(Operation::PATCH_IDENTITY) => ApiError::new(500, None, TOO_LARGE),
            _ => ApiError::bad_request_message(TOO_LARGE),
        };
        let response = error.into_response();
        self.finish(&request, response.status, None);
        response
    }

    fn refuse(&self, status: u16, why: &str, head: Option<&Request>) -> Response {
        let message = super::errors::default_message(status);
        let response = ApiError::new(status, Some(why.to_string()), message).into_response();
        if let Some(request) = head {
            self.finish(request, response.status, None);
        }
        response
    }
}

impl State {
    /// The global faults first (rate limit, `fail_every`), then the aimed
    /// ones: a fault stalls and answers before the work, or, with
    /// `after_work`, once the real answer is made (and then dropped).
    fn handle_counted(&self, request: Request) -> Reply {
        let (routed, params) = route(&request.method, &request.path);
        let operation = as_version(routed, self.version);
        let verdict = lock(&self.faults).admit(
            operation.ok().map(|o| o.rate_limit_bucket()),
            Instant::now(),
        );
        if let Some(refusal) = verdict.refusal {
            return self.answer(&request, refusal, verdict.headers, None);
        }
        let strike = lock(&self.faults).strike(Routed {
            method: &request.method,
            path: &request.path,
            operation: routed.ok(),
        });
        // Borrows only, so it is `Copy`: called at most once on each path.
        let serve = || self.serve(&request, operation, params.clone());
        let Some(strike) = strike else {
            return self.answer(&request, serve(), verdict.headers, None);
        };
        let done = strike.after_work().then(serve);
        if !strike.stall().is_zero() {
            std::thread::sleep(strike.stall());
        }
        let fault = Some(strike.fault().clone());
        match strike.outcome() {
            Outcome::Real => {
                let response = done.unwrap_or_else(serve);
                self.answer(&request, response, verdict.headers, fault)
            }
            Outcome::Status(status) => {
                let refusal = strike.refusal(status, &verdict.headers);
                self.answer(&request, refusal, verdict.headers, fault)
            }
            Outcome::Drop => {
                self.finish(&request, 0, fault);
                Reply::HangUp
            }
        }
    }

    /// The real answer: the operation's, or the router's plain text for a
    /// path no route serves (`Err(404)`) or a method it does not take
    /// (`Err(405)`), as Go's `http.NotFound` and `http.Error` write them,
    /// so a client that reached the wrong path (a wrong base URL prefix)
    /// can tell.
    fn serve(
        &self,
        request: &Request,
        operation: Result<Operation, u16>,
        params: Vec<String>,
    ) -> Response {
        match operation {
            Err(405) => Response::text(405, "Method Not Allowed\n"),
            Err(_) => Response::text(404, "404 page not found\n"),
            Ok(operation) => {
                let ctx = Ctx {
                    state: self,
                    request,
                    query: Query::parse(&request.raw_query),
                    params,
                };
                dispatch(operation, &ctx).unwrap_or_else(ApiError::into_response)
            }
        }
    }

    /// Sends `response` with the rate-limit `headers`, logged with the
    /// aimed fault that acted on the request, if any.
    fn answer(
        &self,
        request: &Request,
        mut response: Response,
        headers: Vec<(String, String)>,
        fault: Option<Fault>,
    ) -> Reply {
        response.headers.extend(headers);
        self.finish(request, response.status, fault);
        Reply::Answer(response)
    }

    /// Logs the request (`status` 0: no answer) and waits the configured
    /// latency.
    fn finish(&self, request: &Request, status: u16, fault: Option<Fault>) {
        lock(&self.log).push(FakeRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: Query::parse(&request.raw_query).pairs,
            authorization: request.header("authorization").map(str::to_string),
            status,
            fault,
        });
        let latency = lock(&self.faults).latency;
        if !latency.is_zero() {
            std::thread::sleep(latency);
        }
    }
}

/// The routed operation as the emulated version serves it: v26.2.0 has
/// neither route of master's `manage_sessions` and
/// `create_test_login_flow`, so its router answers POST /admin/sessions
/// 405 (its GET exists) and /admin/test-login-flows 404.
fn as_version(routed: Result<Operation, u16>, version: KratosVersion) -> Result<Operation, u16> {
    match routed {
        Ok(Operation::MANAGE_SESSIONS) if !version.is_master() => Err(405),
        Ok(Operation::CREATE_TEST_LOGIN_FLOW) if !version.is_master() => Err(404),
        other => other,
    }
}

/// The operation of a method and path, with its decoded path parameters;
/// `Err(404)` for an unknown path, `Err(405)` for a known path with another method.
fn route(method: &str, path: &str) -> (Result<Operation, u16>, Vec<String>) {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| decode_component(s, false))
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (candidates, params): (&[(&str, Operation)], Vec<String>) = match s.as_slice() {
        ["admin", "identities"] => (
            &[
                ("GET", Operation::LIST_IDENTITIES),
                ("POST", Operation::CREATE_IDENTITY),
                ("PATCH", Operation::BATCH_PATCH_IDENTITIES),
            ],
            vec![],
        ),
        ["admin", "identities", "by", "external", ext] => (
            &[("GET", Operation::GET_IDENTITY_BY_EXTERNAL_ID)],
            vec![ext.to_string()],
        ),
        ["admin", "identities", id] => (
            &[
                ("GET", Operation::GET_IDENTITY),
                ("PUT", Operation::UPDATE_IDENTITY),
                ("PATCH", Operation::PATCH_IDENTITY),
                ("DELETE", Operation::DELETE_IDENTITY),
            ],
            vec![id.to_string()],
        ),
        ["admin", "identities", id, "credentials", type_] => (
            &[("DELETE", Operation::DELETE_IDENTITY_CREDENTIALS)],
            vec![id.to_string(), type_.to_string()],
        ),
        ["admin", "identities", id, "sessions"] => (
            &[
                ("GET", Operation::LIST_IDENTITY_SESSIONS),
                ("DELETE", Operation::DELETE_IDENTITY_SESSIONS),
            ],
            vec![id.to_string()],
        ),
        ["admin", "sessions"] => (
            &[
                ("GET", Operation::LIST_SESSIONS),
                ("POST", Operation::MANAGE_SESSIONS),
            ],
            vec![],
        ),
        ["admin", "sessions", id] => (
            &[
                ("GET", Operation::GET_SESSION),
                ("DELETE", Operation::DISABLE_SESSION),
            ],
            vec![id.to_string()],
        ),
        ["admin", "sessions", id, "extend"] => (
            &[("PATCH", Operation::EXTEND_SESSION)],
            vec![id.to_string()],
        ),
        ["admin", "recovery", "code"] => (
            &[("POST", Operation::CREATE_RECOVERY_CODE_FOR_IDENTITY)],
            vec![],
        ),
        ["admin", "recovery", "link"] => (
            &[("POST", Operation::CREATE_RECOVERY_LINK_FOR_IDENTITY)],
            vec![],
        ),
        ["admin", "test-login-flows"] => (&[("POST", Operation::CREATE_TEST_LOGIN_FLOW)], vec![]),
        ["version"] => (&[("GET", Operation::GET_VERSION)], vec![]),
        ["schemas"] => (&[("GET", Operation::LIST_IDENTITY_SCHEMAS)], vec![]),
        ["schemas", id] => (
            &[("GET", Operation::GET_IDENTITY_SCHEMA)],
            vec![id.to_string()],
        ),
        _ => return (Err(404), Vec::new()),
    };
    match candidates.iter().find(|(m, _)| *m == method) {
        Some((_, operation)) => (Ok(*operation), params),
        None => (Err(405), params),
    }
}

fn dispatch(operation: Operation, ctx: &Ctx<'_>) -> Answer {
    match operation.name() {
        "list_identities" => identities::list(ctx),
        "get_identity" => identities::get(ctx),
        "get_identity_by_external_id" => identities::get_by_external_id(ctx),
        "create_identity" => identity_writes::create(ctx),
        "batch_patch_identities" => identity_writes::batch(ctx),
        "update_identity" => identity_writes::update(ctx),
        "patch_identity" => identity_writes::patch(ctx),
        "delete_identity" => identity_writes::delete(ctx),
        "delete_identity_credentials" => identity_writes::delete_credentials(ctx),
        "list_identity_sessions" => sessions::list_for_identity(ctx),
        "delete_identity_sessions" => sessions::delete_for_identity(ctx),
        "list_sessions" => sessions::list(ctx),
        "get_session" => sessions::get(ctx),
        "disable_session" => sessions::disable(ctx),
        "extend_session" => sessions::extend(ctx),
        "manage_sessions" => sessions::manage(ctx),
        "create_recovery_code_for_identity" => flows::recovery_code(ctx),
        "create_recovery_link_for_identity" => flows::recovery_link(ctx),
        "create_test_login_flow" => flows::test_login_flow(ctx),
        // The admin port sends these to the public port, as Kratos does.
        "list_identity_schemas" | "get_identity_schema" => Ok(redirect_to_public(ctx)),
        "get_version" => Ok(json(
            200,
            &serde_json::json!({"version": ctx.state.version.as_str()}),
        )),
        _ => Err(ApiError::not_found()),
    }
}

/// A `307` to the same path and query on the public port, as Kratos's
/// `RedirectToPublicRoute` answers.
fn redirect_to_public(ctx: &Ctx<'_>) -> Response {
    let mut location = format!("{}{}", ctx.state.public_url(), ctx.request.path);
    if !ctx.request.raw_query.is_empty() {
        location.push('?');
        location.push_str(&ctx.request.raw_query);
    }
    let body = format!("<a href=\"{location}\">Temporary Redirect</a>.\n\n");
    Response {
        status: 307,
        headers: vec![
            ("Content-Type".into(), "text/html; charset=utf-8".into()),
            ("Location".into(), location),
        ],
        body: body.into_bytes(),
    }
}

/// A JSON answer.
pub(crate) fn json(status: u16, body: &impl Serialize) -> Response {
    Response::json(status, serde_json::to_vec(body).unwrap_or_default())
}

/// Parses a request body as JSON; Go's decoder errors become 400s.
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request_message("EOF"));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request_message(e.to_string()))
}

/// A path id Kratos parses with `uuid.FromString`: a 400 when it is not a UUID.
pub(crate) fn uuid_or_400(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|_| ApiError::bad_request_message(uuid_error(s)))
}

/// gofrs/uuid's message for a string that is not a UUID.
pub(crate) fn uuid_error(s: &str) -> String {
    match s.len() {
        32 | 36 | 38 | 45 => format!("uuid: incorrect UUID format in string {s:?}"),
        n => format!("uuid: incorrect UUID length {n} in string {s:?}"),
    }
}

/// The current time as Kratos writes it, and as a value.
pub(crate) fn now() -> (time::OffsetDateTime, String) {
    let now = time::OffsetDateTime::now_utc();
    (now, super::record::timestamp(now))
}

/// The credential types `include_credential` accepts (`ParseCredentialsType`).
pub(crate) const CREDENTIAL_TYPES: [&str; 11] = [
    "password",
    "oidc",
    "saml",
    "totp",
    "lookup_secret",
    "webauthn",
    "code",
    "link_recovery",
    "code_recovery",
    "deviceauthn",
    "passkey",
];

/// The `include_credential` values, each checked (`deviceauthn` is a
/// type on master only).
pub(crate) fn include_credential(
    query: &Query,
    version: KratosVersion,
) -> Result<Vec<String>, ApiError> {
    query
        .all("include_credential")
        .into_iter()
        .map(|v| {
            match CREDENTIAL_TYPES.contains(&v) && (v != "deviceauthn" || version.is_master()) {
                true => Ok(v.to_string()),
                false => Err(ApiError::bad_request(format!(
                    "Invalid value `{v}` for parameter `include_credential`."
                ))),
            }
        })
        .collect()
}
