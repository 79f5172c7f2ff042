//! Flows an administrator starts: account recovery (a code or a link) and
//! the OIDC test login flow.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Answer, Ctx, json, lock, now, parse_body};
use crate::KratosVersion;
use crate::errors::ApiError;
use crate::record::timestamp;

/// The default lifespan of a recovery code or link.
const RECOVERY_LIFESPAN: Duration = Duration::from_secs(3600);

/// Where a recovery code's link points: Kratos's recovery UI, here the
/// default it uses when none is configured.
const RECOVERY_UI: &str = "https://www.ory.sh/kratos/docs/fallback/recovery";

/// Parses a Go duration (`1h30m`, `90s`, `1.5h`, `-1h`, …) into seconds.
fn go_seconds(s: &str) -> Option<f64> {
    let (sign, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    if unsigned == "0" {
        return Some(0.0);
    }
    let mut rest = unsigned;
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
    Some(sign * total)
}

/// A positive Go duration.
#[cfg(test)]
fn go_duration(s: &str) -> Option<Duration> {
    Duration::try_from_secs_f64(go_seconds(s)?).ok()
}

/// The recovery body: `identity_id`, an optional `expires_in` (a Go
/// duration that must be positive) and, for a code, an optional `flow_type`
/// (`browser` or `api`), checked in Kratos's order.
fn recovery_body(ctx: &Ctx<'_>, code: bool) -> Result<(Uuid, Duration), ApiError> {
    let body = parse_body(&ctx.request.body)?;
    let id = body["identity_id"].as_str().unwrap_or("");
    let id = Uuid::parse_str(id).map_err(|_| {
        ApiError::bad_request(format!(
            "Unable to decode JSON payload: {}",
            super::uuid_error(id)
        ))
    })?;
    let lifespan = match &body["expires_in"] {
        Value::Null => RECOVERY_LIFESPAN.as_secs_f64(),
        Value::String(s) if s.is_empty() => RECOVERY_LIFESPAN.as_secs_f64(),
        Value::String(s) => go_seconds(s).ok_or_else(|| {
            ApiError::bad_request(match ctx.state.version {
                KratosVersion::V26_2 => format!(
                    "Unable to parse \"expires_in\" whose format should match \"[0-9]+(ns|us|ms|s|m|h)\" but did not: {s}"
                ),
                _ => format!(
                    "Unable to parse \"expires_in\" as a duration string (e.g. \"1h\", \"1m30s\", \"500ms\"): {s}"
                ),
            })
        })?,
        other => {
            return Err(ApiError::bad_request_message(format!(
                "json: cannot unmarshal {} into Go struct field .expires_in of type string",
                match other {
                    Value::Number(_) => "number",
                    Value::Bool(_) => "bool",
                    Value::Array(_) => "array",
                    _ => "object",
                }
            )));
        }
    };
    if lifespan <= 0.0 {
        let text = body["expires_in"].as_str().unwrap_or("0s");
        let reason = match code {
            true => format!("Value from \"expires_in\" must result to a future time: {text}"),
            false => format!("Value from \"expires_in\" must be result to a future time: {text}"),
        };
        return Err(ApiError::bad_request(reason));
    }
    if code {
        match &body["flow_type"] {
            Value::Null => {}
            Value::String(t) if t == "browser" || t == "api" => {}
            other => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                return Err(ApiError::bad_request(format!(
                    "Value from \"flow_type\" is not valid: {shown:?}"
                )));
            }
        }
    }
    let lifespan = Duration::try_from_secs_f64(lifespan).unwrap_or(RECOVERY_LIFESPAN);
    Ok((id, lifespan))
}

fn expiry(lifespan: Duration) -> String {
    let (now, _) = now();
    let lifespan = time::Duration::try_from(lifespan).unwrap_or(time::Duration::hours(1));
    timestamp(now.checked_add(lifespan).unwrap_or(now))
}

/// `POST /admin/recovery/code`: 201, or 404 for an unknown identity.
pub(super) fn recovery_code(ctx: &Ctx<'_>) -> Answer {
    let (id, lifespan) = recovery_body(ctx, true)?;
    let store = lock(&ctx.state.store);
    if store.get(&id).is_none() {
        return Err(ApiError::not_found_because("could not find identity"));
    }
    let flow = store.new_id();
    let code = format!("{:06}", flow.as_u128() % 1_000_000);
    Ok(json(
        201,
        &json!({
            "recovery_link": format!("{RECOVERY_UI}?flow={flow}"),
            "recovery_code": code,
            "expires_at": expiry(lifespan),
        }),
    ))
}

/// `POST /admin/recovery/link`: 200, or **400** for an unknown identity (as Kratos answers).
pub(super) fn recovery_link(ctx: &Ctx<'_>) -> Answer {
    let (id, lifespan) = recovery_body(ctx, false)?;
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
                ctx.state.public_url()
            ),
            "expires_at": expiry(lifespan),
        }),
    ))
}

/// `POST /admin/test-login-flows` (master only): 201 with a browser login
/// flow scoped to a configured OIDC provider
/// ([`FakeKratosBuilder::oidc_provider`](crate::FakeKratosBuilder::oidc_provider));
/// 404 for one that is not configured, 400 without one.
pub(super) fn test_login_flow(ctx: &Ctx<'_>) -> Answer {
    let body: Value = serde_json::from_slice(&ctx.request.body)
        .map_err(|_| ApiError::bad_request("could not parse request body"))?;
    let provider = body["provider_id"].as_str().unwrap_or("");
    if provider.is_empty() {
        return Err(ApiError::bad_request("provider_id is required"));
    }
    if provider.len() > 255 {
        return Err(ApiError::bad_request(
            "provider_id must be at most 255 characters",
        ));
    }
    let store = lock(&ctx.state.store);
    if !store.oidc_providers.iter().any(|p| p == provider) {
        return Err(ApiError::resource_not_found(format!(
            "OpenID Connect provider {provider:?} is not configured"
        )));
    }
    let id = store.new_id();
    let csrf = store.new_id();
    let (now, issued) = now();
    let expires = timestamp(now + time::Duration::hours(1));
    let public = ctx.state.public_url();
    Ok(json(
        201,
        &json!({
            "id": id,
            "organization_id": null,
            "type": "browser",
            "expires_at": expires,
            "issued_at": issued,
            "request_url": format!("{}/admin/test-login-flows", store.base_url),
            "ui": {
                "action": format!("{public}/self-service/login?flow={id}"),
                "method": "POST",
                "nodes": [
                    {
                        "type": "input",
                        "group": "default",
                        "attributes": {
                            "name": "csrf_token",
                            "type": "hidden",
                            "value": csrf,
                            "required": true,
                            "disabled": false,
                            "node_type": "input"
                        },
                        "messages": [],
                        "meta": {}
                    },
                    {
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
                        "meta": {"label": {
                            "id": 1_010_002,
                            "text": format!("Sign in with {provider}"),
                            "type": "info",
                            "context": {"provider": provider, "provider_id": provider}
                        }}
                    }
                ]
            },
            "created_at": issued,
            "updated_at": issued,
            "refresh": true,
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
        assert_eq!(go_seconds("-1h"), Some(-3600.0));
        assert_eq!(go_seconds("0"), Some(0.0));
        assert_eq!(go_duration("-1h"), None);
    }
}
