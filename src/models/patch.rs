//! JSON Patch for one identity (`jsonPatch`) and the batch patch that creates
//! many (`patchIdentitiesBody`, `identityPatch`, `batchPatchIdentitiesResponse`,
//! `identityPatchResponse`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{CreateIdentityBody, IdentityPatchAction, JsonPatchOp, null_as_default};
use crate::error::GenericError;

/// One JSON Patch operation (RFC 6902) of the three Kratos supports: `add`,
/// `remove` and `replace` (it answers `test`, `move` and `copy` with 400
/// "unsupported operation", so this type does not offer them).
///
/// Kratos refuses (400) a patch of `/id`, of the `/credentials` map itself,
/// and of anything below `/credentials/oidc`; master also refuses
/// `/credentials/oidc` itself and `/credentials/saml` with everything below
/// it. Other credential paths (`/credentials/password/…`) can be patched.
/// The patched identity must still fit its schema (400 otherwise).
///
/// ```
/// use kratos_identity::JsonPatch;
/// use serde_json::json;
///
/// let patch = [
///     JsonPatch::replace("/traits/email", "ada@example.com"),
///     JsonPatch::add("/metadata_public", json!({"plan": "pro"})),
///     JsonPatch::remove("/metadata_admin/legacy_id"),
/// ];
/// # let _ = patch;
/// ```
///
/// `Debug` does not print the value of a patch under `/credentials` (a
/// password hash, a TOTP secret).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JsonPatch {
    /// The operation.
    pub op: JsonPatchOp,
    /// The target, as a JSON Pointer (`/traits/email`).
    pub path: String,
    /// The value for `add` and `replace`. `Some(Value::Null)` sends an
    /// explicit `null`; `None` sends no value.
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Value>,
}

impl std::fmt::Debug for JsonPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.path.trim_start_matches('/').starts_with("credentials");
        let mut out = f.debug_struct("JsonPatch");
        out.field("op", &self.op).field("path", &self.path);
        match (&self.value, secret) {
            (Some(_), true) => out.field("value", &Some("[redacted]")),
            (value, _) => out.field("value", value),
        };
        out.finish()
    }
}

impl JsonPatch {
    fn new(op: JsonPatchOp, path: impl Into<String>) -> Self {
        JsonPatch {
            op,
            path: path.into(),
            value: None,
        }
    }

    /// Adds `value` at `path` (into an object, or inserted into an array).
    pub fn add(path: impl Into<String>, value: impl Into<Value>) -> Self {
        JsonPatch {
            value: Some(value.into()),
            ..Self::new(JsonPatchOp::Add, path)
        }
    }

    /// Replaces the value at `path` (Kratos adds it when it does not exist).
    pub fn replace(path: impl Into<String>, value: impl Into<Value>) -> Self {
        JsonPatch {
            value: Some(value.into()),
            ..Self::new(JsonPatchOp::Replace, path)
        }
    }

    /// Removes the value at `path`, which must exist.
    pub fn remove(path: impl Into<String>) -> Self {
        Self::new(JsonPatchOp::Remove, path)
    }
}

/// Decodes a present `value`, `null` included, as `Some`; a missing one is
/// `None` through `#[serde(default)]`.
fn present_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The body of the batch patch call (`patchIdentitiesBody`).
///
/// Kratos takes at most 1000 entries per request, or 200 when any carries a
/// plain-text password, and the self-hosted admin server caps bodies at 5 MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PatchIdentitiesBody {
    /// The patches to apply.
    #[serde(default, deserialize_with = "null_as_default")]
    pub identities: Vec<IdentityPatch>,
}

impl PatchIdentitiesBody {
    /// A body with these patches.
    pub fn new(identities: Vec<IdentityPatch>) -> Self {
        PatchIdentitiesBody { identities }
    }
}

/// One entry of a batch patch (`identityPatch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityPatch {
    /// The identity to create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<CreateIdentityBody>,
    /// An id of your choosing, returned in the matching response entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<Uuid>,
}

impl IdentityPatch {
    /// An entry that creates an identity.
    pub fn create(body: CreateIdentityBody) -> Self {
        IdentityPatch {
            create: Some(body),
            patch_id: None,
        }
    }

    /// Sets the patch id, to match the response entry to this one.
    #[must_use]
    pub fn patch_id(mut self, patch_id: Uuid) -> Self {
        self.patch_id = Some(patch_id);
        self
    }
}

/// The answer to a batch patch (`batchPatchIdentitiesResponse`).
///
/// The call answers 200 even when every entry failed: check each entry's
/// `action` and `error`. Entries come in request order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchPatchIdentitiesResponse {
    /// One entry per patch, in request order; `None` for a patch that had no
    /// `create`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub identities: Vec<Option<IdentityPatchResponse>>,
}

/// The outcome of one batch patch entry (`identityPatchResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityPatchResponse {
    /// `Create` when the identity was created, `Error` when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<IdentityPatchAction>,
    /// The id of the created identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Uuid>,
    /// The patch id, if the patch had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<Uuid>,
    /// Why the patch failed. Decoded from a bare error object (what Kratos
    /// sends), the `{"error": {…}}` envelope, or a plain string message.
    #[serde(
        default,
        deserialize_with = "lenient_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<GenericError>,
}

/// Decodes an entry's `error` in any of the shapes seen: a bare error object,
/// an `{"error": {…}}` envelope, or a string (taken as the message).
fn lenient_error<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<GenericError>, D::Error> {
    let error = match Value::deserialize(deserializer)? {
        Value::Null => return Ok(None),
        Value::String(message) => GenericError {
            message,
            ..GenericError::default()
        },
        Value::Object(mut object) => {
            let wrapped = !object.contains_key("message")
                && object.get("error").is_some_and(Value::is_object);
            let inner = match object.remove("error") {
                Some(inner) if wrapped => inner,
                Some(other) => {
                    object.insert("error".to_owned(), other);
                    Value::Object(object)
                }
                None => Value::Object(object),
            };
            serde_json::from_value(inner).map_err(serde::de::Error::custom)?
        }
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected an error object or string, got {other}"
            )));
        }
    };
    Ok(Some(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_patch_operations() {
        let ops = [
            JsonPatch::add("/x", Value::Null),
            JsonPatch::replace("/traits/email", "ada@example.com"),
            JsonPatch::remove("/metadata_admin"),
            JsonPatch::add("/metadata_public", json!({"n": 1})),
        ];
        assert_eq!(
            serde_json::to_string(&ops).unwrap(),
            concat!(
                r#"[{"op":"add","path":"/x","value":null},"#,
                r#"{"op":"replace","path":"/traits/email","value":"ada@example.com"},"#,
                r#"{"op":"remove","path":"/metadata_admin"},"#,
                r#"{"op":"add","path":"/metadata_public","value":{"n":1}}]"#
            )
        );
    }

    #[test]
    fn decoding_keeps_explicit_null_values() {
        let p: JsonPatch =
            serde_json::from_str(r#"{"op":"add","path":"/x","value":null}"#).unwrap();
        assert_eq!(p, JsonPatch::add("/x", Value::Null));
        let p: JsonPatch = serde_json::from_str(r#"{"op":"remove","path":"/x"}"#).unwrap();
        assert_eq!(p, JsonPatch::remove("/x"));
    }

    #[test]
    fn serializes_a_batch() {
        let patch_id = Uuid::parse_str("aa0e8400-e29b-41d4-a716-446655440000").unwrap();
        let body = PatchIdentitiesBody::new(vec![
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": "a@b.c"}),
            ))
            .patch_id(patch_id),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": "d@e.f"}),
            )),
        ]);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"identities": [
                {"create": {"schema_id": "default", "traits": {"email": "a@b.c"}},
                 "patch_id": "aa0e8400-e29b-41d4-a716-446655440000"},
                {"create": {"schema_id": "default", "traits": {"email": "d@e.f"}}}
            ]})
        );
    }

    #[test]
    fn decodes_a_batch_response() {
        let r: BatchPatchIdentitiesResponse = serde_json::from_str(
            r#"{"identities": [
              {"action": "create", "identity": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
               "patch_id": "aa0e8400-e29b-41d4-a716-446655440000"},
              null,
              {"action": "error", "patch_id": "bb0e8400-e29b-41d4-a716-446655440000",
               "error": {"code": 409, "status": "Conflict", "message": "The request could not be completed due to a conflict",
                         "reason": "This identity conflicts with another identity that already exists."}},
              {"action": "error", "error": {"error": {"message": "wrapped", "reason": "inner reason", "code": 400}}},
              {"action": "error", "error": "just a string"},
              {"action": "quarantine", "error": null}
            ]}"#,
        )
        .unwrap();
        assert_eq!(r.identities.len(), 6);

        let created = r.identities[0].as_ref().unwrap();
        assert_eq!(created.action, Some(IdentityPatchAction::Create));
        assert_eq!(
            created.identity.map(|u| u.to_string()).as_deref(),
            Some("3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41")
        );
        assert!(created.error.is_none());

        assert!(r.identities[1].is_none());

        let bare = r.identities[2].as_ref().unwrap();
        assert_eq!(bare.action, Some(IdentityPatchAction::Error));
        let e = bare.error.as_ref().unwrap();
        assert_eq!(e.code, Some(409));
        assert_eq!(
            e.reason.as_deref(),
            Some("This identity conflicts with another identity that already exists.")
        );

        let wrapped = r.identities[3].as_ref().unwrap().error.as_ref().unwrap();
        assert_eq!(wrapped.message, "wrapped");
        assert_eq!(wrapped.reason.as_deref(), Some("inner reason"));
        assert_eq!(wrapped.code, Some(400));

        let string = r.identities[4].as_ref().unwrap().error.as_ref().unwrap();
        assert_eq!(string.message, "just a string");

        let odd = r.identities[5].as_ref().unwrap();
        assert_eq!(odd.action, Some(IdentityPatchAction::from("quarantine")));
        assert!(odd.error.is_none());
    }

    #[test]
    fn decodes_null_identities_as_empty() {
        let r: BatchPatchIdentitiesResponse =
            serde_json::from_str(r#"{"identities": null}"#).unwrap();
        assert!(r.identities.is_empty());
    }
}
