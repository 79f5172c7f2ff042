//! The public port, as far as a test of admin work needs it: the native
//! (API) password login flow, `whoami`, the identity schemas (which the
//! admin port redirects here) and the version.
//!
//! A login checks the password against the stored hash as Kratos does
//! ([`passwords::verify`](crate::passwords::verify), every format Kratos
//! imports), so a test can prove that an imported or migrated password
//! works. Faults do not apply here: the public port answers at once.

use std::sync::Arc;

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::FakeRequest;
use crate::errors::ApiError;
use crate::handlers::{Ctx, SESSION_LIFESPAN, State, json, lock, now, parse_body, schemas};
use crate::paging::{Query, decode_component};
use crate::record::{CredentialsView, Devices, SessionRecord, normalize_identifier, timestamp};
use crate::server::{Handler, Reply, Request, Response};

/// How long a login flow may be used.
const FLOW_LIFESPAN: time::Duration = time::Duration::minutes(30);

/// Kratos's message for a wrong identifier or password (4000006).
const INVALID_CREDENTIALS: (u64, &str) = (
    4_000_006,
    "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.",
);

/// Kratos's message for an identity that is not active (4000010... as the
/// session hook reports it).
const IDENTITY_DISABLED: &str = "The account is disabled.";

/// The public port's handler.
pub(crate) struct Public(pub(crate) Arc<State>);

impl Handler for Public {
    fn handle(&self, request: Request) -> Reply {
        let segments: Vec<String> = request
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|s| decode_component(s, false))
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let state = &*self.0;
        let query = Query::parse(&request.raw_query);
        let answer = match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["self-service", "login", "api"]) => Ok(new_flow(state, &query)),
            ("POST", ["self-service", "login"]) => submit(state, &request, &query),
            ("GET", ["sessions", "whoami"]) => whoami(state, &request),
            ("GET", ["schemas"]) => schemas::list(&ctx(state, &request, query, Vec::new())),
            ("GET", ["schemas", id]) => {
                let id = id.to_string();
                schemas::get(&ctx(state, &request, query, vec![id]))
            }
            ("GET", ["version"]) => Ok(json(200, &json!({"version": state.version.as_str()}))),
            ("GET", ["health", "alive" | "ready"]) => Ok(json(200, &json!({"status": "ok"}))),
            (_, ["self-service", "login", "api"] | ["self-service", "login"]) => {
                Ok(Response::text(405, "Method Not Allowed\n"))
            }
            _ => Ok(Response::text(404, "404 page not found\n")),
        };
        let response = answer.unwrap_or_else(ApiError::into_response);
        lock(&state.log).push(FakeRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: query_pairs(&request),
            authorization: request.header("authorization").map(str::to_string),
            status: response.status,
            fault: None,
        });
        response.into()
    }

    fn too_large(&self, _request: Request) -> Response {
        ApiError::bad_request_message("http: request body too large").into_response()
    }

    fn refuse(&self, status: u16, why: &str, _head: Option<&Request>) -> Response {
        ApiError::new(
            status,
            Some(why.to_string()),
            crate::errors::default_message(status),
        )
        .into_response()
    }
}

fn ctx<'a>(state: &'a State, request: &'a Request, query: Query, params: Vec<String>) -> Ctx<'a> {
    Ctx {
        state,
        request,
        query,
        params,
    }
}

fn query_pairs(request: &Request) -> Vec<(String, String)> {
    Query::parse(&request.raw_query).pairs
}

/// `GET /self-service/login/api`: a new API flow with the password form.
fn new_flow(state: &State, query: &Query) -> Response {
    let (now, issued) = now();
    let mut store = lock(&state.store);
    let id = store.new_id();
    let expires_at = now + FLOW_LIFESPAN;
    store.login_flows.insert(id, expires_at);
    let public = state.public_url();
    let refresh = query.get("refresh") == "true";
    json(
        200,
        &flow(id, &public, &issued, &timestamp(expires_at), refresh, None),
    )
}

/// A login flow's JSON, with a message when a submission failed.
fn flow(
    id: Uuid,
    public: &str,
    issued_at: &str,
    expires_at: &str,
    refresh: bool,
    message: Option<(u64, &str)>,
) -> Value {
    let messages: Vec<Value> = message
        .map(|(id, text)| json!({"id": id, "text": text, "type": "error"}))
        .into_iter()
        .collect();
    let input = |name: &str, kind: &str, label: Option<(u64, &str)>| {
        let mut node = json!({
            "type": "input",
            "group": if name == "csrf_token" { "default" } else { "password" },
            "attributes": {"name": name, "type": kind, "required": true, "disabled": false, "node_type": "input"},
            "messages": [],
            "meta": {}
        });
        if let Some((id, text)) = label {
            node["meta"] = json!({"label": {"id": id, "text": text, "type": "info"}});
        }
        node
    };
    json!({
        "id": id,
        "organization_id": null,
        "type": "api",
        "expires_at": expires_at,
        "issued_at": issued_at,
        "created_at": issued_at,
        "updated_at": issued_at,
        "request_url": format!("{public}/self-service/login/api"),
        "refresh": refresh,
        "requested_aal": "aal1",
        "state": "choose_method",
        "ui": {
            "action": format!("{public}/self-service/login?flow={id}"),
            "method": "POST",
            "nodes": [
                input("csrf_token", "hidden", None),
                input("identifier", "text", Some((1_070_004, "ID"))),
                input("password", "password", Some((1_070_001, "Password"))),
                input("method", "submit", Some((1_010_001, "Sign in"))),
            ],
            "messages": messages
        }
    })
}

/// `POST /self-service/login?flow=…`: checks the password; a session and
/// its token, or the flow again with Kratos's message.
fn submit(state: &State, request: &Request, query: &Query) -> Result<Response, ApiError> {
    let flow_id = query.get("flow");
    let flow_id = Uuid::parse_str(flow_id).map_err(|_| {
        ApiError::bad_request_message("The flow query parameter is missing or malformed.")
    })?;
    let body = parse_body(&request.body)?;
    let (now, now_text) = now();
    let mut store = lock(&state.store);
    let Some(expires_at) = store.login_flows.get(&flow_id).copied() else {
        return Err(ApiError::not_found_because(
            "The requested resource could not be found".to_string(),
        ));
    };
    if expires_at < now {
        return Err(ApiError::new(
            410,
            Some("The login flow has expired.".to_string()),
            "The requested resource is no longer available".to_string(),
        ));
    }
    let public = state.public_url();
    let refused = |message: (u64, &str)| {
        json(
            400,
            &flow(
                flow_id,
                &public,
                &now_text,
                &timestamp(expires_at),
                false,
                Some(message),
            ),
        )
    };
    if body["method"].as_str() != Some("password") {
        return Ok(refused((
            4_010_001,
            "Could not find a strategy to log you in with.",
        )));
    }
    let identifier = body["identifier"].as_str().unwrap_or_default();
    let password = body["password"].as_str().unwrap_or_default();
    let key = (
        "password".to_string(),
        normalize_identifier("password", identifier),
    );
    let Some(record) = store.by_identifier(&key) else {
        return Ok(refused(INVALID_CREDENTIALS));
    };
    let hash = record
        .credentials
        .as_ref()
        .and_then(|c| c.get("password"))
        .and_then(|c| c.config.as_ref())
        .and_then(|c| c["hashed_password"].as_str())
        .unwrap_or_default()
        .to_string();
    if hash.is_empty() || !crate::passwords::verify(password, &hash, state.version.is_master()) {
        return Ok(refused(INVALID_CREDENTIALS));
    }
    if record.state() != "active" {
        return Err(ApiError::new(
            401,
            Some(IDENTITY_DISABLED.to_string()),
            "The request could not be authorized".to_string(),
        ));
    }
    let identity_id = record.id;
    let session = SessionRecord {
        id: store.new_id(),
        identity_id,
        active: true,
        created_at: now,
        authenticated_at: now,
        expires_at: now + SESSION_LIFESPAN,
        device_id: store.new_id(),
    };
    let token = format!("ory_st_{}", session.id.simple());
    store.login_flows.remove(&flow_id);
    store.session_tokens.insert(token.clone(), session.id);
    let mut view = session_json(&store, &session);
    // master leaves the identity out of the login's session.
    if state.version.is_master() {
        view["identity"] = Value::Null;
    }
    store.sessions.insert(session.id, session);
    Ok(json(
        200,
        &json!({"session_token": token, "session": view, "continue_with": null}),
    ))
}

/// A session as the public API shows it: with its identity and devices.
fn session_json(store: &crate::store::Store, session: &SessionRecord) -> Value {
    let identity = store.get(&session.identity_id);
    let shown = identity.map(|i| i.view(CredentialsView::PublicOnly));
    serde_json::to_value(session.view(identity, shown, Devices::Listed)).unwrap_or(Value::Null)
}

/// `GET /sessions/whoami` with `X-Session-Token`.
fn whoami(state: &State, request: &Request) -> Result<Response, ApiError> {
    let unauthorized = || {
        ApiError::new(
            401,
            Some("No valid session credentials found in the request.".to_string()),
            "The request could not be authorized".to_string(),
        )
    };
    let token = request.header("x-session-token").ok_or_else(unauthorized)?;
    let store = lock(&state.store);
    let session = store
        .session_tokens
        .get(token)
        .and_then(|id| store.sessions.get(id))
        .ok_or_else(unauthorized)?;
    let identity_active = store
        .get(&session.identity_id)
        .is_some_and(|i| i.state() == "active");
    if !(session.is_active(OffsetDateTime::now_utc()) && identity_active) {
        return Err(unauthorized());
    }
    Ok(json(200, &session_json(&store, session)))
}
