//! Changing identities: create, batch create, update (PUT), JSON Patch,
//! delete, and deleting one credential.

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Answer, Ctx, json, lock, now, parse_body};
use crate::KratosVersion;
use crate::errors::{ApiError, ErrorObject};
use crate::import::{
    self, batch_body, check_shape, create_body, credentials_only, merge_credentials,
};
use crate::json_patch;
use crate::record::{CredentialRecord, IdentityRecord};
use crate::server::Response;

/// The most items a batch takes.
const BATCH_LIMIT: usize = 1000;
/// The most items with a plaintext password a batch takes.
const BATCH_PLAINTEXT_LIMIT: usize = 200;

/// `POST /admin/identities`.
pub(super) fn create(ctx: &Ctx<'_>) -> Answer {
    let body = parse_body(&ctx.request.body)?;
    let version = ctx.state.version;
    check_shape(&body, create_body(version), "").map_err(ApiError::bad_request_message)?;
    let hash_delay = lock(&ctx.state.faults).hash_delay;
    let (_, now) = now();
    // Hashing happens before the store is locked, as in Kratos.
    let draft = import::draft(&body, version, hash_delay, &now)?;
    let mut store = lock(&ctx.state.store);
    let id = store.new_id();
    let record = import::finish(draft, id, &store, &now)?;
    store.put(record).map_err(|_| ApiError::create_conflict())?;
    // Kratos's Location leaves out the admin prefix of the route.
    let location = format!("{}/identities/{id}", store.base_url);
    let record = store.get(&id).ok_or_else(ApiError::not_found)?;
    let mut created = record.written();
    // The created identity's credentials come back with Go's zero time and
    // version 0 (their rows get both only when stored); a later get shows them.
    if let Some(credentials) = created["credentials"].as_object_mut() {
        for (kind, credential) in credentials.iter_mut() {
            for key in ["created_at", "updated_at"] {
                credential[key] = Value::from("0001-01-01T00:00:00Z");
            }
            if kind == "webauthn" {
                credential["version"] = Value::from(0);
            }
        }
    }
    Ok(json(201, &created).with_header("Location", location))
}

/// One entry of the batch answer (`null` for a patch without `create`).
#[derive(Serialize)]
struct PatchResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorObject>,
}

/// `PATCH /admin/identities`: answers 200 with one result per item, in
/// request order, unless the whole request is refused.
pub(super) fn batch(ctx: &Ctx<'_>) -> Answer {
    // A body that does not decode is a plain Go error: HTTP 400, body code 500.
    let quirk = |message: String| ApiError::bad_request_message(message).with_body_code(500);
    let body: Value =
        serde_json::from_slice(&ctx.request.body).map_err(|e| quirk(e.to_string()))?;
    let version = ctx.state.version;
    check_shape(&body, batch_body(version), "").map_err(quirk)?;
    let items = body["identities"].as_array().cloned().unwrap_or_default();
    if items.len() > BATCH_LIMIT {
        return Err(ApiError::bad_request(format!(
            "The maximum number of identities per request that can be created or deleted at once is {BATCH_LIMIT}."
        )));
    }
    let hash_delay = lock(&ctx.state.faults).hash_delay;
    let (_, now) = now();
    let mut drafts = Vec::with_capacity(items.len());
    let mut plaintext = 0;
    for item in &items {
        let create = item.get("create").filter(|c| !c.is_null());
        let draft = match create {
            Some(create) => Some(import::draft(create, version, hash_delay, &now)?),
            None => None,
        };
        plaintext += usize::from(draft.as_ref().is_some_and(|d| d.plaintext));
        drafts.push(draft);
    }
    if plaintext > BATCH_PLAINTEXT_LIMIT {
        return Err(ApiError::bad_request(format!(
            "The maximum number of identities per request that can be created with a plaintext password is {BATCH_PLAINTEXT_LIMIT}."
        )));
    }
    let mut store = lock(&ctx.state.store);
    // Step 2 for every item first: the schema, the traits. An item that
    // fails it gets its own error, whatever happens to the others.
    let mut staged = Vec::with_capacity(items.len());
    for draft in drafts {
        staged.push(draft.map(|draft| {
            let id = store.new_id();
            import::finish(draft, id, &store, &now)
        }));
    }
    // Kratos inserts item by item only when more than one identity is
    // valid; otherwise a conflict fails the whole request, and nothing is
    // created.
    let valid = staged.iter().filter(|s| matches!(s, Some(Ok(_)))).count();
    if valid <= 1
        && let Some(Some(Ok(record))) = staged.iter().find(|s| matches!(s, Some(Ok(_))))
        && store.conflict(record).is_some()
    {
        return Err(ApiError::unique_violation());
    }
    let mut results = Vec::with_capacity(items.len());
    for (item, staged) in items.iter().zip(staged) {
        let patch_id = item.get("patch_id").filter(|p| !p.is_null()).cloned();
        let Some(outcome) = staged else {
            // An entry without `create` answers `null`, as Kratos does
            // (the OpenAPI document allows no `null` here).
            results.push(None);
            continue;
        };
        let outcome = outcome.and_then(|record| {
            let id = record.id;
            store
                .put(record)
                .map(|()| id)
                .map_err(|_| ApiError::unique_violation())
        });
        results.push(Some(match outcome {
            Ok(id) => PatchResult {
                action: Some("create"),
                identity: Some(id),
                patch_id,
                error: None,
            },
            Err(e) => PatchResult {
                action: Some("error"),
                identity: None,
                patch_id,
                error: Some(e.body),
            },
        }));
    }
    Ok(json(200, &json!({ "identities": results })))
}

/// The identity of a path id; a non-UUID id is a 404, as in Kratos.
fn stored(store: &crate::store::Store, id: &str) -> Result<IdentityRecord, ApiError> {
    Uuid::parse_str(id)
        .ok()
        .and_then(|id| store.get(&id))
        .cloned()
        .ok_or_else(ApiError::not_found)
}

/// `PUT /admin/identities/{id}`: replaces traits, metadata and external
/// id; an empty `schema_id` or `state` keeps the current one; omitted
/// credentials are kept. Unknown fields are ignored (not a strict decode).
pub(super) fn update(ctx: &Ctx<'_>) -> Answer {
    let body = parse_body(&ctx.request.body)?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad_request_message(
            "json: cannot unmarshal non-object into Go value of type identity.UpdateIdentityBody",
        ));
    };
    for key in ["schema_id", "state", "external_id", "region"] {
        if body
            .get(key)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            return Err(ApiError::bad_request_message(format!(
                "json: cannot unmarshal {} into Go struct field UpdateIdentityBody.{key} of type string",
                body[key]
            )));
        }
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (_, now) = now();
    let hash_delay = lock(&ctx.state.faults).hash_delay;
    let imported = match body.get("credentials") {
        Some(Value::Object(credentials)) => Some(credentials_only(
            credentials,
            ctx.state.version,
            hash_delay,
            &now,
        )?),
        _ => None,
    };
    let mut store = lock(&ctx.state.store);
    let mut record = stored(&store, &ctx.params[0])?;
    let schema_id = text("schema_id");
    if !schema_id.is_empty() {
        record.schema_url = Some(Value::from(store.schema_url(&schema_id)));
        record.schema_id = Some(Value::from(schema_id));
    }
    let state = text("state");
    if !state.is_empty() && state != record.state() {
        if state != "active" && state != "inactive" {
            return Err(ApiError::bad_request("identity state is not valid"));
        }
        record.state = Some(Value::from(state));
        record.state_changed_at = Some(Value::from(now.as_str()));
    }
    record.traits = Some(body.get("traits").cloned().unwrap_or(Value::Null));
    record.metadata_public = Some(body.get("metadata_public").cloned().unwrap_or(Value::Null));
    record.metadata_admin = Some(body.get("metadata_admin").cloned().unwrap_or(Value::Null));
    let external = text("external_id");
    record.external_id = (!external.is_empty()).then(|| Value::from(external));
    let region = text("region");
    // v26.2.0's update body has no region (and ignores one).
    if !region.is_empty() && ctx.state.version.is_master() {
        record.region = Some(Value::from(region));
    }
    if let Some(imported) = imported {
        merge_credentials(
            record.credentials.get_or_insert_with(Default::default),
            imported,
        );
    }
    save(&mut store, record, &now)
}

/// Validates an updated identity against its schema, stores it, and
/// answers with it (credentials without config).
fn save(store: &mut crate::store::Store, mut record: IdentityRecord, now: &str) -> Answer {
    let verifiable = addresses(&record.verifiable_addresses);
    let recovery = addresses(&record.recovery_addresses);
    import::apply_schema(&mut record, store, &verifiable, &recovery, now)?;
    record.updated_at = Some(Value::from(now));
    let id = record.id;
    store
        .put(record)
        .map_err(|_| ApiError::unique_violation())?;
    let record = store.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(json(200, &record.written()))
}

fn addresses(value: &Option<Value>) -> Vec<Value> {
    value
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `PATCH /admin/identities/{id}`: JSON Patch on the identity's JSON.
pub(super) fn patch(ctx: &Ctx<'_>) -> Answer {
    let ops = parse_body(&ctx.request.body)?;
    let (_, now) = now();
    let mut store = lock(&ctx.state.store);
    let old = stored(&store, &ctx.params[0])?;
    let mut doc = old.to_value();
    let version = ctx.state.version;
    if !ops.is_array() {
        let (reason, into) = match version {
            KratosVersion::V26_2 => (
                "An error occured when applying the JSON patch",
                "jsonpatch.Patch",
            ),
            _ => ("failed to unmarshal JSON patch", "[]identity.patchOp"),
        };
        return Err(ApiError::new(
            400,
            Some(reason.into()),
            format!(
                "json: cannot unmarshal {} into Go value of type {into}",
                go_kind(&ops)
            ),
        ));
    }
    json_patch::apply(&mut doc, &ops, version).map_err(|message| {
        let reason = match version {
            KratosVersion::V26_2 => "An error occured when applying the JSON patch",
            _ => "failed to apply JSON patch",
        };
        ApiError::new(400, Some(reason.into()), message)
    })?;
    let Value::Object(mut doc) = doc else {
        return Err(ApiError::bad_request("failed to apply JSON patch"));
    };
    check_credential_types(&doc, version)?;
    // The id, timestamps and unknown fields stay; the rest is read back.
    doc.insert("id".into(), Value::from(old.id.to_string()));
    let (mut record, _) = IdentityRecord::from_json(doc);
    record.created_at = old.created_at.clone();
    record.state_changed_at = old.state_changed_at.clone();
    record.extra = old.extra.clone();
    if record.state() != old.state() {
        let state = record.state().to_string();
        if state != "active" && state != "inactive" {
            return Err(ApiError::new(
                400,
                Some(format!(
                    "The supplied state ('{state}') was not valid. Valid states are ('active', 'inactive')."
                )),
                "identity state is not valid",
            ));
        }
        record.state_changed_at = Some(Value::from(now.as_str()));
    }
    if record.schema_id() != old.schema_id() {
        record.schema_url = Some(Value::from(store.schema_url(record.schema_id())));
    }
    save(&mut store, record, &now)
}

/// The word Go's JSON decoder uses for a value's kind.
fn go_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A patch may replace a whole `/credentials/<type>`: master refuses one
/// whose `type` no longer names its key (400); v26.2.0 lets it through to
/// its persister, which fails on a type it does not know (500).
fn check_credential_types(
    doc: &serde_json::Map<String, Value>,
    version: KratosVersion,
) -> Result<(), ApiError> {
    let Some(credentials) = doc.get("credentials").and_then(Value::as_object) else {
        return Ok(());
    };
    for (key, credential) in credentials {
        let kind = credential.get("type").and_then(Value::as_str).unwrap_or("");
        if kind == key {
            continue;
        }
        if version.is_master() {
            return Err(ApiError::bad_request(format!(
                "credentials.{key}.type must equal {key:?}, got {kind:?}"
            )));
        }
        if !super::CREDENTIAL_TYPES.contains(&kind) {
            return Err(ApiError::new(
                500,
                Some(format!(
                    "The SQL adapter failed to return the appropriate credentials_type for name {kind:?}. This is a bug in the code."
                )),
                "An internal server error occurred, please contact the system administrator",
            ));
        }
    }
    Ok(())
}

/// `DELETE /admin/identities/{id}`: 204, or 404 when missing (or not a UUID).
pub(super) fn delete(ctx: &Ctx<'_>) -> Answer {
    let mut store = lock(&ctx.state.store);
    Uuid::parse_str(&ctx.params[0])
        .ok()
        .and_then(|id| store.remove(&id))
        .map(|_| Response::empty(204))
        .ok_or_else(ApiError::not_found)
}

/// How many first-factor credentials an identity can sign in with:
/// a password hash (or the migration hook), each OIDC and SAML provider,
/// each passwordless WebAuthn key and each passkey. (The `code` method
/// does not count: passwordless codes are off in Kratos by default.)
fn first_factors(record: &IdentityRecord) -> usize {
    let mut count = 0;
    for (type_, credential) in record.credentials.iter().flatten() {
        let config = credential.config.clone().unwrap_or(Value::Null);
        let list = |key: &str| config[key].as_array().map_or(0, Vec::len);
        let identifiers = credential.identifiers();
        count += match type_.as_str() {
            // A password counts only with an identifier and a hash (the
            // migration hook is off in a default configuration).
            "password" => usize::from(
                identifiers.iter().any(|i| !i.is_empty())
                    && config["hashed_password"]
                        .as_str()
                        .is_some_and(|h| !h.is_empty()),
            ),
            // Each link whose `provider:subject` is an identifier, outside
            // any organization. Open-source Kratos has no SAML counter.
            "oidc" => config["providers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| {
                    let provider = p["provider"].as_str().unwrap_or_default();
                    let subject = p["subject"].as_str().unwrap_or_default();
                    !provider.is_empty()
                        && !subject.is_empty()
                        && p["organization"].as_str().is_none_or(str::is_empty)
                        && identifiers.contains(&format!("{provider}:{subject}").as_str())
                })
                .count(),
            "passkey" => list("credentials"),
            "webauthn" => config["credentials"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["is_passwordless"] == Value::Bool(true))
                .count(),
            _ => 0,
        };
    }
    count
}

/// `DELETE /admin/identities/{id}/credentials/{type}`.
pub(super) fn delete_credentials(ctx: &Ctx<'_>) -> Answer {
    let type_ = ctx.params[1].as_str();
    let identifier = ctx.query.get("identifier");
    if type_ == "deviceauthn" && identifier.is_empty() {
        return Err(ApiError::bad_request(
            "You must provide an identifier to delete this credential.",
        ));
    }
    let (_, now) = now();
    let mut store = lock(&ctx.state.store);
    let mut record = stored(&store, &ctx.params[0])?;
    let factors = first_factors(&record);
    let credentials = record.credentials.get_or_insert_with(Default::default);
    let Some(credential) = credentials.get_mut(type_) else {
        return Err(ApiError::resource_not_found(format!(
            "You tried to remove a {type_} but this user have no {type_} set up."
        )));
    };
    match type_ {
        "lookup_secret" | "totp" => {
            credentials.remove(type_);
        }
        "webauthn" => {
            let mut config = credential.config.clone().unwrap_or(json!({}));
            if let Some(keys) = config["credentials"].as_array_mut() {
                keys.retain(|k| k["is_passwordless"] == Value::Bool(true));
                if keys.is_empty() {
                    credentials.remove(type_);
                } else {
                    credential.config = Some(config);
                    credential.updated_at = Some(Value::from(now.as_str()));
                }
            } else {
                credentials.remove(type_);
            }
        }
        "password" | "oidc" | "saml" => {
            if factors < 2 {
                return Err(ApiError::bad_request(
                    "You cannot remove the last first factor credential.",
                ));
            }
            if type_ == "password" {
                credential.config = Some(json!({}));
            } else {
                remove_provider(credentials, type_, identifier)?;
            }
        }
        "deviceauthn" => {
            return Err(ApiError::not_found_because(format!(
                "The identifier `{identifier}` was not found among deviceauthn credentials."
            )));
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Credentials type {other} cannot be deleted."
            )));
        }
    }
    record.updated_at = Some(Value::from(now.as_str()));
    store
        .put(record)
        .map_err(|_| ApiError::unique_violation())?;
    Ok(Response::empty(204))
}

/// Removes the OIDC or SAML provider whose `provider:subject` is `identifier`.
fn remove_provider(
    credentials: &mut std::collections::BTreeMap<String, CredentialRecord>,
    type_: &str,
    identifier: &str,
) -> Result<(), ApiError> {
    if identifier.is_empty() {
        return Err(ApiError::bad_request(
            "You must provide an identifier to delete this credential.",
        ));
    }
    // Kratos says "OIDC" for SAML too.
    let not_found = || {
        ApiError::resource_not_found(format!(
            "The identifier `{identifier}` was not found among OIDC credentials."
        ))
    };
    let credential = credentials.get_mut(type_).ok_or_else(not_found)?;
    let mut config = credential.config.clone().unwrap_or(json!({}));
    let providers = config["providers"].as_array_mut().ok_or_else(not_found)?;
    let before = providers.len();
    providers.retain(|p| {
        format!(
            "{}:{}",
            p["provider"].as_str().unwrap_or(""),
            p["subject"].as_str().unwrap_or("")
        ) != identifier
    });
    if providers.len() == before {
        return Err(not_found());
    }
    let left = providers.len();
    let identifiers: Vec<String> = credential
        .identifiers()
        .into_iter()
        .filter(|i| *i != identifier)
        .map(str::to_string)
        .collect();
    // The last link removed leaves the credential, with no providers and
    // no identifiers, as Kratos does.
    let _ = left;
    credential.config = Some(config);
    credential.identifiers = Some(json!(identifiers));
    Ok(())
}
