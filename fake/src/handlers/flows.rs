//! Flows an administrator starts: account recovery (a code or a link) and
//! the OIDC test login flow.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Answer, Ctx, json, lock, now, parse_body};
use crate::errors::ApiError;
use crate::record::timestamp;

/// The default lifespan of a recovery code or link.
const RECOVERY_LIFESPAN: Duration = Duration::from_secs(3600);

/// Parses a Go duration (`1h30m`, `90s`, `1.5h`, …).
fn go_duration(s: &str) -> Option<Duration> {
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let (unit, seconds) = [
            ("ns", 1e-9),
            ("us", 1e-6),
            ("µs", 1e-6),
            ("ms", 1e-3),
            ("s", 1.0),
            ("m", 60.0),
            ("h", 3600.0),
        ]
        .into_iter()
        .filter(|(u, _)| rest.starts_with(u))
        .max_by_key(|(u, _)| u.len())?;
        total += number * seconds;
        rest = &rest[unit.len()..];
    }
    Duration::try_from_secs_f64(total).ok()
}

/// The recovery body: `identity_id` and an optional `expires_in`.
fn recovery_body(ctx: &Ctx<'_>) -> Result<(Uuid, Duration), ApiError> {
    let body = parse_body(&ctx.request.body)?;
    let id = body["identity_id"].as_str().unwrap_or("");
    let id =
        Uuid::parse_str(id).map_err(|_| ApiError::bad_request_message(super::uuid_error(id)))?;
    let lifespan = match &body["expires_in"] {
        Value::Null => RECOVERY_LIFESPAN,
        Value::String(s) => go_duration(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Unable to parse \"expires_in\": time: invalid duration {s:?}"
            ))
        })?,
        _ => {
            return Err(ApiError::bad_request(
                "expires_in must be a duration string",
            ));
        }
    };
    Ok((id, lifespan))
}

fn expiry(lifespan: Duration) -> String {
    let (now, _) = now();
    let lifespan = time::Duration::try_from(lifespan).unwrap_or(time::Duration::hours(1));
    timestamp(now.checked_add(lifespan).unwrap_or(now))
}

/// `POST /admin/recovery/code`: 201, or 404 for an unknown identity.
pub(super) fn recovery_code(ctx: &Ctx<'_>) -> Answer {
    let (id, lifespan) = recovery_body(ctx)?;
    let store = lock(&ctx.state.store);
    if store.get(&id).is_none() {
        return Err(ApiError::not_found());
    }
    let flow = store.new_id();
    let code = format!("{:06}", flow.as_u128() % 1_000_000);
    Ok(json(
        201,
        &json!({
            "recovery_link": format!("{}/self-service/recovery?flow={flow}", store.base_url),
            "recovery_code": code,
            "expires_at": expiry(lifespan),
        }),
    ))
}

/// `POST /admin/recovery/link`: 200, or **400** for an unknown identity (as Kratos answers).
pub(super) fn recovery_link(ctx: &Ctx<'_>) -> Answer {
    let (id, lifespan) = recovery_body(ctx)?;
    let store = lock(&ctx.state.store);
    if store.get(&id).is_none() {
        return Err(ApiError::bad_request(
            "The requested identity id does not exist.",
        ));
    }
    let flow = store.new_id();
    let token = store.new_id().simple().to_string();
    Ok(json(
        200,
        &json!({
            "recovery_link": format!(
                "{}/self-service/recovery?flow={flow}&token={token}",
                store.base_url
            ),
            "expires_at": expiry(lifespan),
        }),
    ))
}

/// `POST /admin/test-login-flows`: 201 with a browser login flow scoped to
/// the provider. Any non-empty provider id is taken as configured.
pub(super) fn test_login_flow(ctx: &Ctx<'_>) -> Answer {
    let body = parse_body(&ctx.request.body)?;
    let provider = body["provider_id"].as_str().unwrap_or("");
    if provider.is_empty() {
        return Err(ApiError::bad_request("provider_id is required"));
    }
    let store = lock(&ctx.state.store);
    let id = store.new_id();
    let (now, issued) = now();
    let expires = timestamp(now + time::Duration::hours(1));
    let base = &store.base_url;
    Ok(json(
        201,
        &json!({
            "id": id,
            "organization_id": null,
            "type": "browser",
            "expires_at": expires,
            "issued_at": issued,
            "request_url": format!("{base}/self-service/login/browser"),
            "active": "oidc",
            "ui": {
                "action": format!("{base}/self-service/login?flow={id}"),
                "method": "POST",
                "nodes": [{
                    "type": "input",
                    "group": "oidc",
                    "attributes": {
                        "name": "provider",
                        "type": "submit",
                        "value": provider,
                        "disabled": false,
                        "node_type": "input"
                    },
                    "messages": [],
                    "meta": {}
                }]
            },
            "created_at": issued,
            "updated_at": issued,
            "refresh": false,
            "requested_aal": "aal1",
            "state": "choose_method",
            "test_context": {"provider_id": provider}
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(go_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(go_duration("1x"), None);
        assert_eq!(go_duration(""), None);
    }
}
