//! The OpenAPI document: loading it ([`Spec`], [`spec_path`]), finding
//! operations, walking schemas and their examples, the schemas the crate
//! models ([`modeled_schemas`]), and comparing JSON as the models keep it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kratos_identity::{
    AuthenticatorAssuranceLevel, BatchPatchIdentitiesResponse, CreateIdentityBody,
    CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody, CreateTestLoginFlowBody,
    GenericError, Identity, IdentityCredentials, IdentityPatch, IdentityPatchResponse,
    IdentitySchemaContainer, IdentityWithCredentials, IdentityWithCredentialsLookupSecret,
    IdentityWithCredentialsLookupSecretConfig, IdentityWithCredentialsOidc,
    IdentityWithCredentialsOidcConfig, IdentityWithCredentialsPasskey,
    IdentityWithCredentialsPasskeyConfig, IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig, IdentityWithCredentialsSaml,
    IdentityWithCredentialsSamlConfig, IdentityWithCredentialsTotp,
    IdentityWithCredentialsTotpConfig, IdentityWithCredentialsWebAuthn,
    IdentityWithCredentialsWebAuthnConfig, JsonPatch, LoginFlow, LookupSecretCode,
    ManageSessionsBody, ManageSessionsResponse, OidcProvider, PatchIdentitiesBody,
    RecoveryCodeForIdentity, RecoveryIdentityAddress, RecoveryLinkForIdentity, SamlProvider,
    ServerVersion, Session, SessionAuthenticationMethod, SessionDevice, UpdateIdentityBody,
    VerifiableIdentityAddress,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::harness::excerpt;

pub(crate) fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec/kratos-openapi.json")
}

pub(crate) struct Spec {
    pub(crate) doc: Value,
}

impl Spec {
    pub(crate) fn load(path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the OpenAPI document {}: {e}", path.display()))?;
        let doc = serde_json::from_str(&text)
            .map_err(|e| format!("the OpenAPI document {} is not JSON: {e}", path.display()))?;
        Ok(Spec { doc })
    }

    /// Follows `$ref`s (local ones, `#/…`) to the object they name.
    pub(crate) fn resolve<'v>(&'v self, mut value: &'v Value) -> &'v Value {
        for _ in 0..32 {
            let Some(target) = value["$ref"].as_str() else {
                return value;
            };
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
            {
                Some(next) => value = next,
                None => return &Value::Null,
            }
        }
        value
    }

    /// The operation for a method and a concrete path: its `operationId`,
    /// the operation object and its path item. Literal segments beat
    /// templated ones.
    pub(crate) fn operation(&self, method: &str, path: &str) -> Option<(String, &Value, &Value)> {
        let method = method.to_ascii_lowercase();
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, String, &Value, &Value)> = None;
        for (template, item) in self.doc["paths"].as_object()? {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let matches = parts.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !s.is_empty()
                } else {
                    literal += 1;
                    t == s
                }
            });
            let operation = &item[method.as_str()];
            if !matches || !operation.is_object() {
                continue;
            }
            if best.as_ref().is_none_or(|(l, ..)| literal > *l) {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or(template)
                    .to_string();
                best = Some((literal, id, operation, item));
            }
        }
        best.map(|(_, id, op, item)| (id, op, item))
    }

    /// The operation with this `operationId`, and its path item.
    pub(crate) fn operation_by_id(&self, operation_id: &str) -> Option<(String, &Value, &Value)> {
        self.doc["paths"]
            .as_object()?
            .iter()
            .find_map(|(template, item)| {
                item.as_object()?
                    .values()
                    .find(|op| op["operationId"] == operation_id)
                    .map(|op| (template.clone(), op, item))
            })
    }

    /// Adds `body:/pointer` for every property `schema` declares, nested
    /// ones included (`*` for array items).
    pub(crate) fn declared_fields(
        &self,
        schema: &Value,
        at: &str,
        out: &mut BTreeSet<String>,
        depth: usize,
    ) {
        let schema = self.resolve(schema);
        if depth > 16 {
            return;
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, sub) in properties {
                let here = format!("{at}/{name}");
                out.insert(format!("body:{here}"));
                self.declared_fields(sub, &here, out, depth + 1);
            }
        }
        if schema["items"].is_object() {
            self.declared_fields(&schema["items"], &format!("{at}/*"), out, depth + 1);
        }
    }

    /// Collects the fields of `original` that `schema` declares, that carry
    /// a value (not `null`, `""`, `[]` or `{}`, which a model may leave
    /// out), and that are missing from `kept` or changed there.
    pub(crate) fn lost_fields(
        &self,
        original: &Value,
        kept: &Value,
        schema: &Value,
        at: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        let schema = self.resolve(schema);
        if depth > 24 {
            return;
        }
        match original {
            Value::Object(fields) => {
                let properties = schema["properties"].as_object();
                let additional = &schema["additionalProperties"];
                for (name, value) in fields {
                    let sub = match properties.and_then(|p| p.get(name)) {
                        Some(sub) => sub,
                        None if additional.is_object() => additional,
                        None => continue,
                    };
                    if is_blank(value) {
                        continue;
                    }
                    let here = format!("{at}/{name}");
                    match kept.get(name) {
                        None => out.push(format!(
                            "{here} (sent {})",
                            excerpt(&value.to_string(), 0, 120)
                        )),
                        Some(kept) => self.lost_fields(value, kept, sub, &here, out, depth + 1),
                    }
                }
            }
            Value::Array(items) => match kept.as_array() {
                Some(kept) if kept.len() == items.len() => {
                    for (i, (item, kept)) in items.iter().zip(kept).enumerate() {
                        let here = format!("{at}/{i}");
                        self.lost_fields(item, kept, &schema["items"], &here, out, depth + 1);
                    }
                }
                _ => out.push(format!("{at}: {} items sent, {kept} kept", items.len())),
            },
            scalar => {
                if !same_json(scalar, kept) {
                    out.push(format!("{at}: sent {scalar}, kept {kept}"));
                }
            }
        }
    }

    /// Collects, as JSON Pointers, the object fields of `value` that
    /// `schema` does not declare. A schema without `properties` and
    /// `additionalProperties` takes any field.
    pub(crate) fn undeclared_fields(
        &self,
        value: &Value,
        schema: &Value,
        at: &str,
        out: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        match value {
            Value::Object(fields) => {
                let properties = schema["properties"].as_object();
                let additional = &schema["additionalProperties"];
                if properties.is_none() && additional.is_null() {
                    return;
                }
                for (name, field) in fields {
                    let here = format!("{at}/{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(sub) => self.undeclared_fields(field, sub, &here, out),
                        None => match additional {
                            Value::Bool(true) => {}
                            Value::Object(_) => {
                                self.undeclared_fields(field, additional, &here, out)
                            }
                            _ => out.push(here),
                        },
                    }
                }
            }
            Value::Array(items) if schema["items"].is_object() => {
                for (i, item) in items.iter().enumerate() {
                    self.undeclared_fields(item, &schema["items"], &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// The smallest instance of `schema` we can build: required properties
    /// only, each from its example or a sample of its type and format.
    pub(crate) fn minimal_instance(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > 16 {
            return Value::Null;
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(values) = schema["enum"].as_array() {
            return values
                .iter()
                .find(|v| *v != "")
                .or(values.first())
                .cloned()
                .unwrap_or(Value::Null);
        }
        if let Some(properties) = schema["properties"].as_object() {
            let mut object = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = name.as_str() {
                    let sub = properties.get(name).unwrap_or(&Value::Null);
                    object.insert(name.to_string(), self.minimal_instance(sub, depth + 1));
                }
            }
            return Value::Object(object);
        }
        match schema["type"].as_str() {
            Some("object") => json!({}),
            Some("array") => json!([]),
            Some("string") => match schema["format"].as_str() {
                Some("uuid" | "uuid4") => json!("0b8f2c6e-5d3a-4e1f-9c7b-2a4d6e8f0a1c"),
                Some("date-time") => json!("2024-03-01T10:00:00Z"),
                _ => json!("string"),
            },
            Some("integer" | "number") => json!(0),
            Some("boolean") => json!(false),
            _ => Value::Null,
        }
    }

    /// Puts `example` into `instance` at the place `schema_path` (a path
    /// inside `schema`: `properties/x`, `items`, …) describes, creating what
    /// is missing on the way. Returns the place as a JSON Pointer.
    pub(crate) fn place(
        &self,
        schema: &Value,
        instance: &mut Value,
        schema_path: &[String],
        example: Value,
    ) -> Result<String, String> {
        let schema = self.resolve(schema);
        match schema_path {
            [] => {
                *instance = example;
                Ok(String::new())
            }
            [kind, name, rest @ ..] if kind == "properties" => {
                let sub = &schema["properties"][name.as_str()];
                let object = instance
                    .as_object_mut()
                    .ok_or_else(|| format!("expected an object at {name:?}"))?;
                let field = object
                    .entry(name.clone())
                    .or_insert_with(|| self.minimal_instance(sub, 0));
                let below = self.place(sub, field, rest, example)?;
                Ok(format!("/{name}{below}"))
            }
            [kind, rest @ ..] if kind == "items" => {
                let sub = &schema["items"];
                if !instance.is_array() {
                    *instance = json!([]);
                }
                let array = instance.as_array_mut().ok_or("expected an array")?;
                if array.is_empty() {
                    array.push(self.minimal_instance(sub, 0));
                }
                let below = self.place(sub, &mut array[0], rest, example)?;
                Ok(format!("/0{below}"))
            }
            [kind, rest @ ..] if kind == "additionalProperties" => {
                let sub = &schema["additionalProperties"];
                let object = instance
                    .as_object_mut()
                    .ok_or("expected an object for additionalProperties")?;
                let field = object
                    .entry("example")
                    .or_insert_with(|| self.minimal_instance(sub, 0));
                let below = self.place(sub, field, rest, example)?;
                Ok(format!("/example{below}"))
            }
            [kind, index, rest @ ..] if matches!(kind.as_str(), "allOf" | "anyOf" | "oneOf") => {
                let i: usize = index.parse().map_err(|_| format!("bad index {index}"))?;
                self.place(&schema[kind.as_str()][i], instance, rest, example)
            }
            other => Err(format!("cannot follow {other:?}")),
        }
    }
}

/// The examples inside one schema, with their place in it; `$ref`s are not
/// followed (their examples belong to the schema they name).
pub(crate) fn collect_schema_examples(
    schema: &Value,
    at: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if object.contains_key("$ref") {
        return;
    }
    if let Some(example) = object.get("example") {
        out.push((at.clone(), example.clone()));
    }
    if let Some(Value::Array(examples)) = object.get("examples") {
        for example in examples {
            out.push((at.clone(), example.clone()));
        }
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, sub) in properties {
            at.extend(["properties".to_string(), name.clone()]);
            collect_schema_examples(sub, at, out);
            at.truncate(at.len() - 2);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = object.get(key) {
            at.push(key.to_string());
            collect_schema_examples(sub, at, out);
            at.pop();
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, sub) in object
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            at.extend([key.to_string(), i.to_string()]);
            collect_schema_examples(sub, at, out);
            at.truncate(at.len() - 2);
        }
    }
}

/// The examples of the media types of a request body or response:
/// `(location, schema, example)`.
pub(crate) fn media_examples(at: &str, holder: &Value, out: &mut Vec<(String, Value, Value)>) {
    for (media_type, media) in holder["content"].as_object().into_iter().flatten() {
        let schema = media["schema"].clone();
        let here = format!("{at}/content/{media_type}");
        if let Some(example) = media.get("example") {
            out.push((format!("{here}/example"), schema.clone(), example.clone()));
        }
        for (name, example) in media["examples"].as_object().into_iter().flatten() {
            if let Some(value) = example.get("value") {
                out.push((
                    format!("{here}/examples/{name}"),
                    schema.clone(),
                    value.clone(),
                ));
            }
        }
    }
}

/// The component schema a body schema names, and whether the body is a list
/// of it: `{"$ref": …}` or `{"type": "array", "items": {"$ref": …}}`.
pub(crate) fn model_of(spec: &Spec, schema: &Value) -> Option<(String, bool)> {
    if let Some(name) = schema_name(schema) {
        return Some((name, false));
    }
    let schema = spec.resolve(schema);
    match (schema_name(schema), schema_name(&schema["items"])) {
        (Some(name), _) => Some((name, false)),
        (None, Some(name)) => Some((name, true)),
        _ => None,
    }
}

/// The name [`modeled_schemas`] gives getVersion's answer, which the
/// document declares inline (no component schema names it).
pub(crate) const GET_VERSION_ANSWER: &str = "getVersion answer";

/// The name of the component schema a `$ref` names.
fn schema_name(schema: &Value) -> Option<String> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// `null`, `""`, `[]` or `{}`: what a model may drop or fill in.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Equal JSON, where two timestamps for the same instant, or two spellings
/// of one UUID, are equal however they are written.
pub(crate) fn same_json(a: &Value, b: &Value) -> bool {
    use time::format_description::well_known::Rfc3339;
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::String(a), Value::String(b)) => {
            match (
                time::OffsetDateTime::parse(a, &Rfc3339),
                time::OffsetDateTime::parse(b, &Rfc3339),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => matches!((Uuid::parse_str(a), Uuid::parse_str(b)), (Ok(a), Ok(b)) if a == b),
            }
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

type Decode = fn(Value) -> Result<Value, String>;

/// Decodes into `T` and encodes back, so the caller can see what was kept.
fn via<T: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| e.to_string())
}

/// `errorGeneric`: the envelope the crate decodes inside its error handling.
#[derive(Serialize, Deserialize)]
struct ErrorEnvelope {
    error: GenericError,
}

/// The document's schemas the crate models, and the Rust type of each.
pub(crate) fn modeled_schemas() -> BTreeMap<&'static str, Decode> {
    BTreeMap::from([
        (GET_VERSION_ANSWER, via::<ServerVersion> as Decode),
        ("identity", via::<Identity>),
        ("identityCredentials", via::<IdentityCredentials>),
        (
            "verifiableIdentityAddress",
            via::<VerifiableIdentityAddress>,
        ),
        ("recoveryIdentityAddress", via::<RecoveryIdentityAddress>),
        ("identityVerifiableAddressStatus", via::<String>),
        ("createIdentityBody", via::<CreateIdentityBody>),
        ("updateIdentityBody", via::<UpdateIdentityBody>),
        ("identityWithCredentials", via::<IdentityWithCredentials>),
        (
            "identityWithCredentialsPassword",
            via::<IdentityWithCredentialsPassword>,
        ),
        (
            "identityWithCredentialsPasswordConfig",
            via::<IdentityWithCredentialsPasswordConfig>,
        ),
        (
            "identityWithCredentialsOidc",
            via::<IdentityWithCredentialsOidc>,
        ),
        (
            "identityWithCredentialsOidcConfig",
            via::<IdentityWithCredentialsOidcConfig>,
        ),
        (
            "identityWithCredentialsOidcConfigProvider",
            via::<OidcProvider>,
        ),
        (
            "identityWithCredentialsSaml",
            via::<IdentityWithCredentialsSaml>,
        ),
        (
            "identityWithCredentialsSamlConfig",
            via::<IdentityWithCredentialsSamlConfig>,
        ),
        (
            "identityWithCredentialsSamlConfigProvider",
            via::<SamlProvider>,
        ),
        (
            "identityWithCredentialsTotp",
            via::<IdentityWithCredentialsTotp>,
        ),
        (
            "identityWithCredentialsTotpConfig",
            via::<IdentityWithCredentialsTotpConfig>,
        ),
        (
            "identityWithCredentialsWebAuthn",
            via::<IdentityWithCredentialsWebAuthn>,
        ),
        (
            "identityWithCredentialsWebAuthnConfig",
            via::<IdentityWithCredentialsWebAuthnConfig>,
        ),
        (
            "identityWithCredentialsPasskey",
            via::<IdentityWithCredentialsPasskey>,
        ),
        (
            "identityWithCredentialsPasskeyConfig",
            via::<IdentityWithCredentialsPasskeyConfig>,
        ),
        (
            "AdminIdentityImportCredentialsLookupSecret",
            via::<IdentityWithCredentialsLookupSecret>,
        ),
        (
            "AdminIdentityImportCredentialsLookupSecretConfig",
            via::<IdentityWithCredentialsLookupSecretConfig>,
        ),
        (
            "identityCredentialsLookupSecretCode",
            via::<LookupSecretCode>,
        ),
        ("jsonPatch", via::<JsonPatch>),
        ("jsonPatchDocument", via::<Vec<JsonPatch>>),
        ("patchIdentitiesBody", via::<PatchIdentitiesBody>),
        ("identityPatch", via::<IdentityPatch>),
        (
            "batchPatchIdentitiesResponse",
            via::<BatchPatchIdentitiesResponse>,
        ),
        ("identityPatchResponse", via::<IdentityPatchResponse>),
        (
            "createRecoveryCodeForIdentityBody",
            via::<CreateRecoveryCodeForIdentityBody>,
        ),
        (
            "createRecoveryLinkForIdentityBody",
            via::<CreateRecoveryLinkForIdentityBody>,
        ),
        ("recoveryCodeForIdentity", via::<RecoveryCodeForIdentity>),
        ("recoveryLinkForIdentity", via::<RecoveryLinkForIdentity>),
        ("identitySchemaContainer", via::<IdentitySchemaContainer>),
        ("identitySchemas", via::<Vec<IdentitySchemaContainer>>),
        // A JSON Schema, which the client hands over as raw JSON.
        ("identitySchema", via::<Value>),
        ("session", via::<Session>),
        (
            "sessionAuthenticationMethod",
            via::<SessionAuthenticationMethod>,
        ),
        (
            "sessionAuthenticationMethods",
            via::<Vec<SessionAuthenticationMethod>>,
        ),
        ("sessionDevice", via::<SessionDevice>),
        (
            "authenticatorAssuranceLevel",
            via::<AuthenticatorAssuranceLevel>,
        ),
        ("manageSessionsBody", via::<ManageSessionsBody>),
        ("manageSessionsResponse", via::<ManageSessionsResponse>),
        ("createTestLoginFlowBody", via::<CreateTestLoginFlowBody>),
        ("loginFlow", via::<LoginFlow>),
        ("genericError", via::<GenericError>),
        ("errorGeneric", via::<ErrorEnvelope>),
    ])
}
