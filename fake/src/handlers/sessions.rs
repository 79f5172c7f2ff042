//! Sessions: list (keyset, base64 tokens), get, disable, extend, the
//! sessions of one identity (offset tokens), and bulk management.

use std::collections::HashSet;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{Answer, Ctx, json, lock, now, parse_body, uuid_or_400};
use crate::errors::{ApiError, PAGE_TOKEN_INVALID};
use crate::paging::{
    PageLinks, Query, base64_decode, base64_encode, keyset_link, migration_page, page_link,
};
use crate::record::{CredentialsView, Devices, SessionRecord};
use crate::server::Response;
use crate::store::Store;

/// How long a session lasts, and how far an extension pushes it.
pub(crate) const SESSION_LIFESPAN: time::Duration = time::Duration::hours(24);
/// The most ids `manage_sessions` takes (`ManageSessionsMaxIDs`).
const MANAGE_MAX_IDS: usize = 500;
/// The most rows one wildcard `manage_sessions` call processes.
const WILDCARD_BATCH: usize = 5000;

/// `active`: absent or empty is no filter; Go's `ParseBool` otherwise.
fn active_filter(query: &Query) -> Result<Option<bool>, ApiError> {
    match query.get("active") {
        "" => Ok(None),
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Some(true)),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Some(false)),
        _ => Err(ApiError::bad_request_message(
            "could not parse parameter active",
        )),
    }
}

/// `expand`: `identity` and `devices` (any case); anything else is a 400.
fn expand(query: &Query) -> Result<(bool, bool), ApiError> {
    let (mut identity, mut devices) = (false, false);
    for v in query.all("expand") {
        match v.to_lowercase().as_str() {
            "identity" => identity = true,
            "devices" => devices = true,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Could not parse expand option: {v}"
                )));
            }
        }
    }
    Ok((identity, devices))
}

fn matches_active(session: &SessionRecord, active: Option<bool>, now: OffsetDateTime) -> bool {
    active.is_none_or(|want| session.is_active(now) == want)
}

/// The devices when expanded, else `otherwise`.
fn expanded(devices: bool, otherwise: Devices) -> Devices {
    if devices { Devices::Listed } else { otherwise }
}

/// A session's JSON value, its identity shown as `identity` says (Kratos
/// loads a single session's identity with its addresses, a list's without).
fn render(
    store: &Store,
    session: &SessionRecord,
    identity: Option<CredentialsView<'static>>,
    devices: Devices,
) -> Value {
    let owner = store.get(&session.identity_id);
    let shown = identity.and_then(|view| owner.map(|o| o.view(view)));
    let shown_with_admin_metadata = shown.is_some() && store.version.is_master();
    let mut value =
        serde_json::to_value(session.view(owner, shown, devices)).unwrap_or(Value::Null);
    // master's admin API shows the identity's admin metadata in sessions too.
    if shown_with_admin_metadata && let Some(identity) = value["identity"].as_object_mut() {
        let metadata = owner
            .and_then(|o| o.metadata_admin.clone())
            .unwrap_or(Value::Null);
        identity.insert("metadata_admin".into(), metadata);
    }
    value
}

/// The keyset token of a session list: base64url of `id=…/created_at=…`.
fn session_token(id: Uuid, created_at: &str) -> String {
    base64_encode(format!("id={id}/created_at={created_at}").as_bytes())
}

fn parse_session_token(token: &str) -> Result<(Uuid, OffsetDateTime), ApiError> {
    let bad_size = || ApiError::bad_request_message("could not parse parameter page_size");
    let bytes = base64_decode(token).ok_or_else(bad_size)?;
    let text = String::from_utf8(bytes).map_err(|_| bad_size())?;
    let mut id = None;
    let mut created = None;
    for part in text.split('/') {
        match part.split_once('=') {
            Some(("id", v)) => id = Uuid::parse_str(v).ok(),
            Some(("created_at", v)) => created = OffsetDateTime::parse(v, &Rfc3339).ok(),
            _ => {}
        }
    }
    match (id, created) {
        (Some(id), Some(created)) => Ok((id, created)),
        _ => Err(ApiError::bad_request(PAGE_TOKEN_INVALID)),
    }
}

/// `GET /admin/sessions`: newest first (`created_at` descending, then id).
pub(super) fn list(ctx: &Ctx<'_>) -> Answer {
    let q = &ctx.query;
    let active = active_filter(q)?;
    let size = match q.get("page_size") {
        "" => 250,
        v => match v.parse::<i64>() {
            Ok(n) if n <= 0 => 250,
            Ok(n) => usize::try_from(n.min(1000)).unwrap_or(1000),
            Err(_) => {
                return Err(ApiError::bad_request_message(
                    "could not parse parameter page_size",
                ));
            }
        },
    };
    let after = match q.get("page_token") {
        "" => None,
        token => Some(parse_session_token(token)?),
    };
    let (with_identity, with_devices) = expand(q)?;
    let (now, _) = now();
    let store = lock(&ctx.state.store);
    let mut sessions: Vec<&SessionRecord> = store
        .sessions
        .values()
        .filter(|s| matches_active(s, active, now))
        .filter(|s| match after {
            None => true,
            Some((id, created)) => s.created_at < created || (s.created_at == created && s.id > id),
        })
        .collect();
    sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let next = match sessions.len() > size {
        true => {
            sessions.truncate(size);
            sessions
                .last()
                .map(|s| session_token(s.id, &s.created_at.format(&Rfc3339).unwrap_or_default()))
        }
        false => None,
    };
    let items: Vec<Value> = sessions
        .iter()
        .map(|s| {
            let identity = with_identity.then_some(CredentialsView::InSession);
            render(&store, s, identity, expanded(with_devices, Devices::Null))
        })
        .collect();
    let first = session_token(Uuid::nil(), "2200-12-31T23:59:59Z");
    let link = keyset_link(&ctx.request.path, q, size, &first, next.as_deref());
    Ok(json(200, &items).with_header("Link", link))
}

/// `GET /admin/sessions/{id}`.
pub(super) fn get(ctx: &Ctx<'_>) -> Answer {
    let id = uuid_or_400(&ctx.params[0])?;
    let (with_identity, with_devices) = expand(&ctx.query)?;
    let store = lock(&ctx.state.store);
    let session = store.sessions.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(json(
        200,
        &render(
            &store,
            session,
            with_identity.then_some(CredentialsView::PublicOnly),
            expanded(with_devices, Devices::Empty),
        ),
    ))
}

/// `DELETE /admin/sessions/{id}`: 204 (also for an inactive session), 404 when missing.
pub(super) fn disable(ctx: &Ctx<'_>) -> Answer {
    let id = uuid_or_400(&ctx.params[0])?;
    let mut store = lock(&ctx.state.store);
    let session = store
        .sessions
        .get_mut(&id)
        .ok_or_else(ApiError::not_found)?;
    session.active = false;
    // Kratos's disable writes a JSON content type on its empty 204.
    Ok(Response::empty(204).with_header("Content-Type", "application/json; charset=utf-8"))
}

/// `PATCH /admin/sessions/{id}/extend`: 200 with the session (identity
/// expanded), as self-hosted Kratos answers by default, or 204 with the
/// `faster_session_extend` feature flag; 404 for a missing session. A
/// disabled session is extended too, and stays inactive.
pub(super) fn extend(ctx: &Ctx<'_>) -> Answer {
    let id = uuid_or_400(&ctx.params[0])?;
    let (now, _) = now();
    let mut store = lock(&ctx.state.store);
    // Kratos extends any session it finds, a disabled one too (it stays
    // inactive).
    let session = store
        .sessions
        .get_mut(&id)
        .ok_or_else(ApiError::not_found)?;
    session.expires_at = now + SESSION_LIFESPAN;
    let session = session.clone();
    if ctx
        .state
        .faster_session_extend
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return Ok(Response::empty(204));
    }
    Ok(json(
        200,
        &render(
            &store,
            &session,
            Some(CredentialsView::PublicOnly),
            Devices::Empty,
        ),
    ))
}

/// `GET /admin/identities/{id}/sessions`: offset tokens, `X-Total-Count`,
/// identity and devices always expanded. Pages are numbered as Kratos
/// numbers them, off by one included (see below).
pub(super) fn list_for_identity(ctx: &Ctx<'_>) -> Answer {
    let identity = uuid_or_400(&ctx.params[0])?;
    let active = active_filter(&ctx.query)?;
    let (page, per_page) = migration_page(&ctx.query);
    let (now, _) = now();
    let store = lock(&ctx.state.store);
    let mut sessions: Vec<&SessionRecord> = store
        .sessions
        .values()
        .filter(|s| s.identity_id == identity && matches_active(s, active, now))
        .collect();
    sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let total = sessions.len();
    // Kratos hands the zero-based page to pop's paginator, which counts from
    // 1: pages 0 and 1 are both the first window, page n is window n - 1.
    // The Link header below assumes zero-based pages, as Kratos's does, so
    // following it repeats the first page and never reaches the last.
    let window = page.max(1) - 1;
    let skip = usize::try_from(window.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<Value> = sessions
        .iter()
        .skip(skip)
        .take(usize::try_from(per_page).unwrap_or(250))
        .map(|s| render(&store, s, Some(CredentialsView::InSession), Devices::Listed))
        .collect();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let link = page_link(
        PageLinks::OffsetTokens,
        &ctx.request.path,
        &ctx.query,
        total,
        page,
        per_page,
    );
    Ok(json(200, &items)
        .with_header("X-Total-Count", total.to_string())
        .with_header("Link", link))
}

/// `DELETE /admin/identities/{id}/sessions`: 204, or **404 when the
/// identity has no sessions** (whether or not it exists), as in Kratos.
pub(super) fn delete_for_identity(ctx: &Ctx<'_>) -> Answer {
    let identity = uuid_or_400(&ctx.params[0])?;
    let mut store = lock(&ctx.state.store);
    let before = store.sessions.len();
    store.sessions.retain(|_, s| s.identity_id != identity);
    match store.sessions.len() == before {
        true => Err(ApiError::not_found()),
        false => Ok(Response::empty(204)),
    }
}

/// Which sessions a `manage_sessions` call is about.
enum Target {
    All,
    Identities(HashSet<Uuid>),
    Sessions(HashSet<Uuid>),
}

fn parse_ids(field: &str, values: &[Value]) -> Result<HashSet<Uuid>, ApiError> {
    if values.len() > MANAGE_MAX_IDS {
        return Err(ApiError::bad_request(format!(
            "Could not parse '{field}' field: at most {MANAGE_MAX_IDS} IDs may be provided per call"
        )));
    }
    values
        .iter()
        .map(|v| {
            let s = v.as_str().unwrap_or("");
            if s == "*" {
                return Err(ApiError::bad_request(format!(
                    "Could not parse '{field}' field: the wildcard '*' is not accepted here"
                )));
            }
            Uuid::parse_str(s).map_err(|_| {
                ApiError::bad_request(format!(
                    "Could not parse '{field}' field: could not parse {s:?} as UUID: {}",
                    super::uuid_error(s)
                ))
            })
        })
        .collect()
}

/// `POST /admin/sessions`: disable or delete sessions by identity or by
/// session id, or every session (`identities: ["*"]`, 5000 per call).
pub(super) fn manage(ctx: &Ctx<'_>) -> Answer {
    let invalid = || ApiError::bad_request("Invalid JSON body.");
    let body = parse_body(&ctx.request.body).map_err(|_| invalid())?;
    if !body.is_object() {
        return Err(invalid());
    }
    let list = |key: &str| -> Result<Vec<Value>, ApiError> {
        match &body[key] {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => Ok(items.clone()),
            _ => Err(invalid()),
        }
    };
    let (identities, sessions) = (list("identities")?, list("sessions")?);
    let delete = match body["action"].as_str() {
        Some("disable") => false,
        Some("delete") => true,
        _ => {
            return Err(ApiError::bad_request(
                "The 'action' field must be one of 'disable' or 'delete'.",
            ));
        }
    };
    if identities.is_empty() == sessions.is_empty() {
        return Err(ApiError::bad_request(
            "Exactly one of 'identities' or 'sessions' must be a non-empty array.",
        ));
    }
    let target = if identities == [Value::from("*")] {
        Target::All
    } else if !identities.is_empty() {
        Target::Identities(parse_ids("identities", &identities)?)
    } else {
        Target::Sessions(parse_ids("sessions", &sessions)?)
    };
    let (now, _) = now();
    let mut store = lock(&ctx.state.store);
    let mut chosen: Vec<Uuid> = store
        .sessions
        .values()
        .filter(|s| match &target {
            Target::All => true,
            Target::Identities(ids) => ids.contains(&s.identity_id),
            Target::Sessions(ids) => ids.contains(&s.id),
        })
        .filter(|s| delete || s.is_active(now))
        .map(|s| s.id)
        .collect();
    let wildcard = matches!(target, Target::All);
    if wildcard {
        chosen.truncate(WILDCARD_BATCH);
    }
    for id in &chosen {
        if delete {
            store.sessions.remove(id);
        } else if let Some(s) = store.sessions.get_mut(id) {
            s.active = false;
        }
    }
    let more = wildcard && chosen.len() == WILDCARD_BATCH;
    Ok(json(200, &json!({"processed": chosen.len(), "more": more})))
}
