//! Turning a create body (`POST` and batch `PATCH /admin/identities`) into
//! a stored identity, in Kratos's two steps:
//!
//! 1. [`draft`]: the strict decode (an unknown field anywhere is refused),
//!    `state` and `region`, and the credentials import (password hashes
//!    checked, plaintext passwords "hashed"). In a batch, a failure here
//!    fails the whole request.
//! 2. [`finish`]: the schema, the traits, the identifiers and addresses the
//!    schema derives from the traits. In a batch, a failure here fails
//!    only its item.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::ApiError;
use super::record::{CredentialRecord, IdentityRecord};
use super::store::Store;
use crate::KratosVersion;

/// The shape of a JSON value, for the strict decode.
#[derive(Debug)]
pub(crate) enum Shape {
    Any,
    Str,
    Bool,
    Int,
    Obj(&'static str, &'static [(&'static str, Shape)]),
    Arr(&'static Shape),
}

const STR_ARR: Shape = Shape::Arr(&Shape::Str);

const VERIFIABLE_ADDRESS: Shape = Shape::Obj(
    "VerifiableAddress",
    &[
        ("id", Shape::Str),
        ("value", Shape::Str),
        ("verified", Shape::Bool),
        ("via", Shape::Str),
        ("status", Shape::Str),
        ("verified_at", Shape::Str),
        ("created_at", Shape::Str),
        ("updated_at", Shape::Str),
    ],
);

const RECOVERY_ADDRESS: Shape = Shape::Obj(
    "RecoveryAddress",
    &[
        ("id", Shape::Str),
        ("value", Shape::Str),
        ("via", Shape::Str),
        ("break_glass_for_organization", Shape::Str),
        ("created_at", Shape::Str),
        ("updated_at", Shape::Str),
    ],
);

const WEBAUTHN_CREDENTIAL: Shape = Shape::Obj(
    "CredentialWebAuthn",
    &[
        ("id", Shape::Str),
        ("public_key", Shape::Str),
        ("attestation_type", Shape::Str),
        (
            "authenticator",
            Shape::Obj(
                "AuthenticatorWebAuthn",
                &[
                    ("aaguid", Shape::Str),
                    ("sign_count", Shape::Int),
                    ("clone_warning", Shape::Bool),
                ],
            ),
        ),
        ("display_name", Shape::Str),
        ("added_at", Shape::Str),
        ("is_passwordless", Shape::Bool),
        (
            "flags",
            Shape::Obj(
                "CredentialWebAuthnFlags",
                &[
                    ("user_present", Shape::Bool),
                    ("user_verified", Shape::Bool),
                    ("backup_eligible", Shape::Bool),
                    ("backup_state", Shape::Bool),
                ],
            ),
        ),
        ("transport", STR_ARR),
        (
            "attestation",
            Shape::Obj(
                "CredentialWebAuthnAttestation",
                &[
                    ("client_dataJSON", Shape::Str),
                    ("client_data_hash", Shape::Str),
                    ("authenticator_data", Shape::Str),
                    ("public_key_algorithm", Shape::Int),
                    ("object", Shape::Str),
                ],
            ),
        ),
    ],
);

const WEBAUTHN_CONFIG: Shape = Shape::Obj(
    "AdminIdentityImportCredentialsWebAuthnConfig",
    &[
        ("credentials", Shape::Arr(&WEBAUTHN_CREDENTIAL)),
        ("user_handle", Shape::Str),
    ],
);

/// The credentials of a create body on v26.2.0: passwords, OIDC and SAML.
const CREDENTIALS_V26_2: Shape = Shape::Obj(
    "IdentityWithCredentials",
    &[
        (
            "password",
            Shape::Obj(
                "AdminIdentityImportCredentialsPassword",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsPasswordConfig",
                        &[
                            ("hashed_password", Shape::Str),
                            ("password", Shape::Str),
                            ("use_password_migration_hook", Shape::Bool),
                        ],
                    ),
                )],
            ),
        ),
        (
            "oidc",
            Shape::Obj(
                "AdminIdentityImportCredentialsOIDC",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsOIDCConfig",
                        &[(
                            "providers",
                            Shape::Arr(&Shape::Obj(
                                "AdminCreateIdentityImportCredentialsOIDCProvider",
                                &[
                                    ("subject", Shape::Str),
                                    ("provider", Shape::Str),
                                    ("use_auto_link", Shape::Bool),
                                    ("organization", Shape::Str),
                                ],
                            )),
                        )],
                    ),
                )],
            ),
        ),
        (
            "saml",
            Shape::Obj(
                "AdminIdentityImportCredentialsSAML",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsSAMLConfig",
                        &[(
                            "providers",
                            Shape::Arr(&Shape::Obj(
                                "AdminCreateIdentityImportCredentialsSAMLProvider",
                                &[
                                    ("subject", Shape::Str),
                                    ("provider", Shape::Str),
                                    ("organization", Shape::Str),
                                ],
                            )),
                        )],
                    ),
                )],
            ),
        ),
    ],
);

/// The credentials of a create body on master: also TOTP, lookup secrets,
/// WebAuthn keys and passkeys.
const CREDENTIALS_MASTER: Shape = Shape::Obj(
    "IdentityWithCredentials",
    &[
        (
            "password",
            Shape::Obj(
                "AdminIdentityImportCredentialsPassword",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsPasswordConfig",
                        &[
                            ("hashed_password", Shape::Str),
                            ("password", Shape::Str),
                            ("use_password_migration_hook", Shape::Bool),
                        ],
                    ),
                )],
            ),
        ),
        (
            "oidc",
            Shape::Obj(
                "AdminIdentityImportCredentialsOIDC",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsOIDCConfig",
                        &[(
                            "providers",
                            Shape::Arr(&Shape::Obj(
                                "AdminCreateIdentityImportCredentialsOIDCProvider",
                                &[
                                    ("subject", Shape::Str),
                                    ("provider", Shape::Str),
                                    ("use_auto_link", Shape::Bool),
                                    ("organization", Shape::Str),
                                ],
                            )),
                        )],
                    ),
                )],
            ),
        ),
        (
            "saml",
            Shape::Obj(
                "AdminIdentityImportCredentialsSAML",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsSAMLConfig",
                        &[(
                            "providers",
                            Shape::Arr(&Shape::Obj(
                                "AdminCreateIdentityImportCredentialsSAMLProvider",
                                &[
                                    ("subject", Shape::Str),
                                    ("provider", Shape::Str),
                                    ("organization", Shape::Str),
                                ],
                            )),
                        )],
                    ),
                )],
            ),
        ),
        (
            "totp",
            Shape::Obj(
                "AdminIdentityImportCredentialsTOTP",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsTOTPConfig",
                        &[("totp_url", Shape::Str)],
                    ),
                )],
            ),
        ),
        (
            "lookup_secret",
            Shape::Obj(
                "AdminIdentityImportCredentialsLookupSecret",
                &[(
                    "config",
                    Shape::Obj(
                        "AdminIdentityImportCredentialsLookupSecretConfig",
                        &[(
                            "codes",
                            Shape::Arr(&Shape::Obj(
                                "RecoveryCode",
                                &[("code", Shape::Str), ("used_at", Shape::Str)],
                            )),
                        )],
                    ),
                )],
            ),
        ),
        (
            "webauthn",
            Shape::Obj(
                "AdminIdentityImportCredentialsWebAuthn",
                &[("config", WEBAUTHN_CONFIG)],
            ),
        ),
        (
            "passkey",
            Shape::Obj(
                "AdminIdentityImportCredentialsPasskey",
                &[("config", WEBAUTHN_CONFIG)],
            ),
        ),
    ],
);

/// The fields of `createIdentityBody` both versions have.
macro_rules! create_body {
    ($credentials:expr, $($extra:expr),*) => {
        Shape::Obj(
            "CreateIdentityBody",
            &[
                ("schema_id", Shape::Str),
                ("traits", Shape::Any),
                ("credentials", $credentials),
                ("external_id", Shape::Str),
                ("metadata_admin", Shape::Any),
                ("metadata_public", Shape::Any),
                ("organization_id", Shape::Str),
                ("recovery_addresses", Shape::Arr(&RECOVERY_ADDRESS)),
                ("verifiable_addresses", Shape::Arr(&VERIFIABLE_ADDRESS)),
                ("state", Shape::Str),
                $($extra),*
            ],
        )
    };
}

/// `createIdentityBody` of v26.2.0 (no `region`).
const CREATE_BODY_V26_2: Shape = create_body!(CREDENTIALS_V26_2,);
/// `createIdentityBody` of master.
const CREATE_BODY_MASTER: Shape = create_body!(CREDENTIALS_MASTER, ("region", Shape::Str));

/// `createIdentityBody` as `version` decodes it.
pub(crate) fn create_body(version: KratosVersion) -> &'static Shape {
    match version {
        KratosVersion::V26_2 => &CREATE_BODY_V26_2,
        _ => &CREATE_BODY_MASTER,
    }
}

/// The batch body, `{"identities": [{"create": …, "patch_id": …}]}`, as
/// `version` decodes it.
pub(crate) fn batch_body(version: KratosVersion) -> &'static Shape {
    const V26_2: Shape = Shape::Obj(
        "BatchPatchIdentitiesBody",
        &[(
            "identities",
            Shape::Arr(&Shape::Obj(
                "BatchIdentityPatch",
                &[("create", CREATE_BODY_V26_2), ("patch_id", Shape::Str)],
            )),
        )],
    );
    const MASTER: Shape = Shape::Obj(
        "BatchPatchIdentitiesBody",
        &[(
            "identities",
            Shape::Arr(&Shape::Obj(
                "BatchIdentityPatch",
                &[("create", CREATE_BODY_MASTER), ("patch_id", Shape::Str)],
            )),
        )],
    );
    match version {
        KratosVersion::V26_2 => &V26_2,
        _ => &MASTER,
    }
}

/// Checks `value` against `shape` as Go's strict JSON decoder would:
/// unknown fields and wrong types are refused (`null` fits anything).
/// The error is Go's message (`json: unknown field "x"`).
pub(crate) fn check_shape(value: &Value, shape: &Shape, path: &str) -> Result<(), String> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mismatch = |want: &str| {
        Err(format!(
            "json: cannot unmarshal {} into Go struct field {path} of type {want}",
            kind(value)
        ))
    };
    if value.is_null() {
        return Ok(());
    }
    match shape {
        Shape::Any => Ok(()),
        Shape::Str if value.is_string() => Ok(()),
        Shape::Str => mismatch("string"),
        Shape::Bool if value.is_boolean() => Ok(()),
        Shape::Bool => mismatch("bool"),
        Shape::Int if value.is_i64() || value.is_u64() => Ok(()),
        Shape::Int => mismatch("int"),
        Shape::Arr(item) => match value {
            Value::Array(items) => items.iter().try_for_each(|v| check_shape(v, item, path)),
            _ => mismatch("array"),
        },
        Shape::Obj(name, fields) => match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let Some((field, inner)) = fields.iter().find(|(f, _)| f == key) else {
                        return Err(format!("json: unknown field {key:?}"));
                    };
                    check_shape(v, inner, &format!("{name}.{field}"))?;
                }
                Ok(())
            }
            _ => mismatch(name),
        },
    }
}

/// A create body after step 1.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) body: Map<String, Value>,
    pub(crate) state: String,
    /// Credentials in their export shape; identifiers derived from the
    /// traits (password, code) and the id (totp, lookup) come in step 2.
    pub(crate) credentials: BTreeMap<String, CredentialRecord>,
    /// Whether it carried a non-empty plaintext password.
    pub(crate) plaintext: bool,
}

const STATES: [&str; 2] = ["active", "inactive"];
const REGIONS: [&str; 8] = [
    "eu-central",
    "asia-northeast",
    "us-east",
    "us-west",
    "eu",
    "asia",
    "us",
    "global",
];

/// Step 1, for a body that passed [`check_shape`]. Sleeps `hash_delay`
/// for a plaintext password.
pub(crate) fn draft(
    body: &Value,
    version: KratosVersion,
    hash_delay: Duration,
    now: &str,
) -> Result<Draft, ApiError> {
    let body = body.as_object().cloned().unwrap_or_default();
    let state = str_field(&body, "state");
    if !state.is_empty() && !STATES.contains(&state) {
        return Err(ApiError::bad_request("identity state is not valid"));
    }
    let region = str_field(&body, "region");
    if !region.is_empty() && !REGIONS.contains(&region) {
        return Err(ApiError::bad_request(format!(
            "The region {region:?} is not valid."
        )));
    }
    let org = str_field(&body, "organization_id");
    if !org.is_empty() && Uuid::parse_str(org).is_err() {
        return Err(ApiError::bad_request_message(format!(
            "uuid: incorrect UUID format {org:?}"
        )));
    }
    let mut draft = Draft {
        state: if state.is_empty() { "active" } else { state }.to_string(),
        credentials: BTreeMap::new(),
        plaintext: false,
        body: body.clone(),
    };
    if let Some(credentials) = body.get("credentials").and_then(Value::as_object) {
        import_credentials(&mut draft, credentials, version, hash_delay, now)?;
    }
    Ok(draft)
}

/// The credentials of an update body, imported as in a create body. PUT
/// decodes loosely: v26.2.0, which has no TOTP, lookup secret, WebAuthn or
/// passkey import, ignores those without a word.
pub(crate) fn credentials_only(
    credentials: &Map<String, Value>,
    version: KratosVersion,
    hash_delay: Duration,
    now: &str,
) -> Result<BTreeMap<String, CredentialRecord>, ApiError> {
    let mut draft = Draft {
        body: Map::new(),
        state: String::new(),
        credentials: BTreeMap::new(),
        plaintext: false,
    };
    let mut credentials = credentials.clone();
    if !version.is_master() {
        credentials.retain(|k, _| matches!(k.as_str(), "password" | "oidc" | "saml"));
    }
    import_credentials(&mut draft, &credentials, version, hash_delay, now)?;
    Ok(draft.credentials)
}

/// Adds imported credentials to an identity's, as an update does: OIDC
/// and SAML providers and lookup codes are appended, other types replaced.
pub(crate) fn merge_credentials(
    into: &mut BTreeMap<String, CredentialRecord>,
    imported: BTreeMap<String, CredentialRecord>,
) {
    for (type_, new) in imported {
        let (list_key, config_key) = match type_.as_str() {
            "oidc" | "saml" => ("providers", "providers"),
            "lookup_secret" => ("recovery_codes", "recovery_codes"),
            _ => {
                into.insert(type_, new);
                continue;
            }
        };
        let Some(old) = into.get_mut(&type_) else {
            into.insert(type_, new);
            continue;
        };
        let mut items = old
            .config
            .as_ref()
            .and_then(|c| c[list_key].as_array().cloned())
            .unwrap_or_default();
        items.extend(
            new.config
                .as_ref()
                .and_then(|c| c[config_key].as_array().cloned())
                .unwrap_or_default(),
        );
        let mut identifiers: Vec<String> =
            old.identifiers().into_iter().map(str::to_string).collect();
        for i in new.identifiers() {
            if !identifiers.iter().any(|o| o == i) {
                identifiers.push(i.to_string());
            }
        }
        old.config = Some(json!({ list_key: items }));
        old.identifiers = Some(json!(identifiers));
        old.updated_at = new.updated_at;
    }
}

fn str_field<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or("")
}

fn config_of<'a>(credentials: &'a Map<String, Value>, type_: &str) -> Option<&'a Value> {
    credentials
        .get(type_)
        .filter(|v| !v.is_null())
        .map(|c| &c["config"])
}

fn import_credentials(
    draft: &mut Draft,
    credentials: &Map<String, Value>,
    version: KratosVersion,
    hash_delay: Duration,
    now: &str,
) -> Result<(), ApiError> {
    let add = |draft: &mut Draft, type_: &str, identifiers: Vec<String>, config: Value| {
        draft.credentials.insert(
            type_.to_string(),
            CredentialRecord::new(type_, identifiers, config, now),
        );
    };
    if let Some(config) = config_of(credentials, "password") {
        let plain = config["password"].as_str().unwrap_or("");
        let config = if config["use_password_migration_hook"] == Value::Bool(true) {
            json!({"hashed_password": "", "use_password_migration_hook": true})
        } else {
            let hash = if plain.is_empty() {
                config["hashed_password"].as_str().unwrap_or("").to_string()
            } else {
                draft.plaintext = true;
                std::thread::sleep(hash_delay);
                crate::passwords::bcrypt_hash(plain, PLAINTEXT_BCRYPT_COST)
            };
            check_hash(&hash, version)?;
            json!({ "hashed_password": hash })
        };
        add(draft, "password", Vec::new(), config);
    }
    for type_ in ["oidc", "saml"] {
        let Some(config) = config_of(credentials, type_) else {
            continue;
        };
        let mut providers = Vec::new();
        let mut identifiers = Vec::new();
        for p in config["providers"].as_array().into_iter().flatten() {
            let (provider, subject) = (
                p["provider"].as_str().unwrap_or(""),
                p["subject"].as_str().unwrap_or(""),
            );
            identifiers.push(format!("{provider}:{subject}"));
            let mut out = Map::new();
            if type_ == "oidc" {
                for token in [
                    "initial_id_token",
                    "initial_access_token",
                    "initial_refresh_token",
                ] {
                    out.insert(token.into(), Value::from(""));
                }
            }
            out.insert("subject".into(), Value::from(subject));
            out.insert("provider".into(), Value::from(provider));
            if let Some(org) = p["organization"].as_str().filter(|o| !o.is_empty()) {
                out.insert("organization".into(), Value::from(org));
            }
            if type_ == "oidc" && p["use_auto_link"] == Value::Bool(true) {
                out.insert("use_auto_link".into(), Value::Bool(true));
            }
            providers.push(Value::Object(out));
        }
        add(draft, type_, identifiers, json!({ "providers": providers }));
    }
    if let Some(config) = config_of(credentials, "totp") {
        let url = config["totp_url"].as_str().unwrap_or("");
        add(draft, "totp", Vec::new(), json!({ "totp_url": url }));
    }
    if let Some(config) = config_of(credentials, "lookup_secret") {
        let codes: Vec<Value> = config["codes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| json!({"code": c["code"].as_str().unwrap_or(""), "used_at": c["used_at"]}))
            .collect();
        add(
            draft,
            "lookup_secret",
            Vec::new(),
            json!({ "recovery_codes": codes }),
        );
    }
    for type_ in ["webauthn", "passkey"] {
        let Some(config) = config_of(credentials, type_) else {
            continue;
        };
        let handle = config["user_handle"].as_str().unwrap_or("");
        let items = config["credentials"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut identifiers = Vec::new();
        if type_ == "passkey" {
            if handle.is_empty() {
                return Err(ApiError::bad_request(
                    "Passkey credential import requires a non-empty user_handle. \
                     It must match the WebAuthn user handle stored on the authenticator.",
                ));
            }
            if items.is_empty() {
                return Err(ApiError::bad_request(
                    "Passkey credential import requires at least one entry in credentials.passkey.config.credentials.",
                ));
            }
            let bytes = super::paging::base64_decode(handle).unwrap_or_default();
            identifiers.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        let handle = if handle.is_empty() {
            Value::Null
        } else {
            Value::from(handle)
        };
        add(
            draft,
            type_,
            identifiers,
            json!({"credentials": items, "user_handle": handle}),
        );
    }
    Ok(())
}

/// The bcrypt cost the fake hashes plaintext passwords at: the lowest
/// bcrypt allows, so tests stay fast (Kratos's default is 12; the time it
/// takes is [`FakeKratos::set_hash_delay`](crate::FakeKratos::set_hash_delay)'s
/// to simulate).
const PLAINTEXT_BCRYPT_COST: u32 = 4;

/// Refuses a hash Kratos would not import: one of no known format (both
/// versions), and on master one whose cost parameters do not parse or
/// exceed Ory's bounds (`hash.ValidateImportedHash`; v26.2.0 checks the
/// prefix only).
fn check_hash(hash: &str, version: KratosVersion) -> Result<(), ApiError> {
    if !crate::passwords::is_known_format(hash) {
        return Err(ApiError::bad_request(match version {
            KratosVersion::V26_2 => {
                "The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"
            }
            _ => "The imported password does not match any known hash format.",
        }));
    }
    if !version.is_master() {
        return Ok(());
    }
    match crate::passwords::cost_within_bounds(hash) {
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::bad_request(
            "The imported password hash declares cost parameters that exceed the bounds \
             enforced by Ory. Re-hash the password with a more conservative configuration \
             before importing.",
        )),
        None => Err(ApiError::bad_request(
            "The imported password hash could not be parsed.",
        )),
    }
}

/// The schema of a body without `schema_id` (Kratos's `default_schema_id`).
const DEFAULT_SCHEMA_ID: &str = "default";

/// Step 2: the identity a draft becomes, or the 400 its schema gives.
/// Conflicts are the store's to find.
pub(crate) fn finish(
    draft: Draft,
    id: Uuid,
    store: &Store,
    now: &str,
) -> Result<IdentityRecord, ApiError> {
    let body = &draft.body;
    // An empty schema id means the default schema; missing traits are `{}`.
    let schema_id = match str_field(body, "schema_id") {
        "" => DEFAULT_SCHEMA_ID.to_string(),
        given => given.to_string(),
    };
    let traits = match body.get("traits") {
        None | Some(Value::Null) => json!({}),
        Some(traits) => traits.clone(),
    };
    let mut record = IdentityRecord {
        id,
        external_id: Some(str_field(body, "external_id"))
            .filter(|s| !s.is_empty())
            .map(Value::from),
        credentials: Some(draft.credentials),
        schema_url: Some(Value::from(store.schema_url(&schema_id))),
        schema_id: Some(Value::from(schema_id)),
        state: Some(Value::from(draft.state)),
        state_changed_at: Some(Value::from(now)),
        traits: Some(traits),
        verifiable_addresses: None,
        recovery_addresses: None,
        metadata_public: Some(body.get("metadata_public").cloned().unwrap_or(Value::Null)),
        metadata_admin: Some(body.get("metadata_admin").cloned().unwrap_or(Value::Null)),
        created_at: Some(Value::from(now)),
        updated_at: Some(Value::from(now)),
        organization_id: Some(
            Some(str_field(body, "organization_id"))
                .filter(|s| !s.is_empty())
                .map_or(Value::Null, Value::from),
        ),
        region: Some(str_field(body, "region"))
            .filter(|s| !s.is_empty())
            .map(Value::from),
        extra: Map::new(),
    };
    let imported_verifiable = body
        .get("verifiable_addresses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let imported_recovery = body
        .get("recovery_addresses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    apply_schema(
        &mut record,
        store,
        &imported_verifiable,
        &imported_recovery,
        now,
    )?;
    Ok(record)
}

/// Validates the traits against the identity's schema and applies what its
/// `ory.sh/kratos` extension derives from them (see [`crate::schema`]):
/// password, code and WebAuthn identifiers, verifiable and recovery
/// addresses (an address given with the same value keeps its status and
/// id). TOTP and lookup credentials get the identity id as identifier.
pub(crate) fn apply_schema(
    record: &mut IdentityRecord,
    store: &Store,
    given_verifiable: &[Value],
    given_recovery: &[Value],
    now: &str,
) -> Result<(), ApiError> {
    let new_id = &mut || store.new_id();
    let schema_id = record.schema_id().to_string();
    let Some(schema) = store.schemas.get(&schema_id) else {
        return Err(ApiError::bad_request(format!(
            "Unable to find JSON Schema ID: {schema_id}"
        )));
    };
    let traits = record.traits.clone().unwrap_or(Value::Null);
    let derived =
        crate::schema::check(schema, &traits, store.version).map_err(ApiError::bad_request)?;
    let id = record.id;
    let credentials = record.credentials.get_or_insert_with(BTreeMap::new);
    for type_ in ["totp", "lookup_secret"] {
        if let Some(c) = credentials.get_mut(type_)
            && c.identifiers().is_empty()
        {
            c.identifiers = Some(json!([id.to_string()]));
        }
    }
    if !derived.password.is_empty() {
        let password = credentials
            .entry("password".to_string())
            .or_insert_with(|| CredentialRecord::new("password", Vec::new(), json!({}), now));
        password.identifiers = Some(json!(derived.password));
        // master stores password credentials as version 1, v26.2.0 as 0.
        if store.version.is_master() {
            password.version = Some(Value::from(1));
        }
    }
    if !derived.code.is_empty() {
        let code = credentials
            .entry("code".to_string())
            .or_insert_with(|| CredentialRecord::new("code", Vec::new(), json!({}), now));
        let identifiers: Vec<&String> = derived.code.iter().map(|(_, a)| a).collect();
        let addresses: Vec<Value> = derived
            .code
            .iter()
            .map(|(via, address)| json!({"channel": via, "address": address}))
            .collect();
        code.identifiers = Some(json!(identifiers));
        code.config = Some(json!({ "addresses": addresses }));
    }
    if !derived.webauthn.is_empty() {
        let handle = new_id();
        let webauthn = credentials
            .entry("webauthn".to_string())
            .or_insert_with(|| {
                let user_handle = crate::paging::base64_std_encode(handle.as_bytes());
                let mut credential = CredentialRecord::new(
                    "webauthn",
                    Vec::new(),
                    json!({ "user_handle": user_handle }),
                    now,
                );
                credential.version = Some(Value::from(1));
                credential
            });
        webauthn.identifiers = Some(json!(derived.webauthn));
    }

    let matching = |given: &[Value], value: &str| -> Option<Value> {
        given
            .iter()
            .find(|a| {
                a["value"]
                    .as_str()
                    .is_some_and(|v| v.trim().to_lowercase() == value)
            })
            .cloned()
    };
    let mut verifiable = Vec::new();
    for (via, value) in &derived.verification {
        verifiable.push(match matching(given_verifiable, value) {
            Some(given) => {
                let verified = given["verified"].as_bool().unwrap_or(false);
                let status = given["status"].as_str().filter(|s| !s.is_empty());
                let mut a = Map::new();
                a.insert("id".into(), id_or_new(&given["id"], new_id));
                a.insert("value".into(), Value::from(value.as_str()));
                a.insert("verified".into(), Value::Bool(verified));
                a.insert("via".into(), Value::from(via.as_str()));
                let status = status.unwrap_or(if verified { "completed" } else { "pending" });
                a.insert("status".into(), Value::from(status));
                if verified {
                    let at = given["verified_at"].as_str().unwrap_or(now);
                    a.insert("verified_at".into(), Value::from(at));
                }
                a.insert("created_at".into(), given_or(&given["created_at"], now));
                a.insert("updated_at".into(), Value::from(now));
                Value::Object(a)
            }
            None => json!({
                "id": new_id().to_string(),
                "value": value,
                "verified": false,
                "via": via,
                "status": "pending",
                "created_at": now,
                "updated_at": now
            }),
        });
    }
    let mut recovery = Vec::new();
    for (via, value) in &derived.recovery {
        recovery.push(match matching(given_recovery, value) {
            Some(given) => json!({
                "id": id_or_new(&given["id"], new_id),
                "value": value,
                "via": via,
                "created_at": given_or(&given["created_at"], now),
                "updated_at": now
            }),
            None => json!({
                "id": new_id().to_string(),
                "value": value,
                "via": via,
                "created_at": now,
                "updated_at": now
            }),
        });
    }
    record.verifiable_addresses = (!verifiable.is_empty()).then_some(Value::Array(verifiable));
    record.recovery_addresses = (!recovery.is_empty()).then_some(Value::Array(recovery));
    Ok(())
}

fn id_or_new(given: &Value, new_id: &mut dyn FnMut() -> Uuid) -> Value {
    match given.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
        Some(id) => Value::from(id.to_string()),
        None => Value::from(new_id().to_string()),
    }
}

fn given_or(given: &Value, now: &str) -> Value {
    match given.as_str() {
        Some(s) => Value::from(s),
        None => Value::from(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_shapes_name_the_unknown_field() {
        let body = json!({"schema_id": "default", "traits": {}, "credentials": {"code": {}}});
        assert_eq!(
            check_shape(&body, create_body(KratosVersion::Master), "").unwrap_err(),
            r#"json: unknown field "code""#
        );
        let body = json!({"schema_id": 1, "traits": {}});
        assert!(
            check_shape(&body, create_body(KratosVersion::Master), "")
                .unwrap_err()
                .contains("cannot unmarshal number")
        );
        let body = json!({"schema_id": "default", "traits": {"anything": [1]}, "state": null});
        assert!(check_shape(&body, create_body(KratosVersion::Master), "").is_ok());
    }

    #[test]
    fn hashes_are_checked() {
        use KratosVersion::{Master, V26_2};
        let bcrypt = crate::passwords::bcrypt_hash("secret", PLAINTEXT_BCRYPT_COST);
        for version in [V26_2, Master] {
            assert!(check_hash(&bcrypt, version).is_ok());
            assert!(check_hash("{SSHA512}abc", version).is_ok());
            assert!(check_hash("plaintext", version).is_err());
            // Kratos's patterns: pbkdf2 takes one to three digits after
            // `sha`, hmac one of seven digests.
            assert!(check_hash("$pbkdf2-sha$i=1,l=1$c2FsdA$aGFzaA", version).is_err());
            assert!(check_hash("$pbkdf2-sha1024$i=1,l=1$c2FsdA$aGFzaA", version).is_err());
            assert!(check_hash("$hmac-sha3$aGFzaA==$a2V5", version).is_err());
            assert!(check_hash("$hmac-sha256$aGFzaA==$a2V5", version).is_ok());
            assert!(check_hash("", version).is_err());
        }
        // v26.2.0 checks the prefix only; master parses and bounds the cost.
        let cost_16 = "$2a$16$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO";
        assert!(check_hash(cost_16, V26_2).is_ok());
        assert!(check_hash(cost_16, Master).is_err());
        assert!(check_hash("$argon2id$v=19$m=1,t=1,p=1$x$y", V26_2).is_ok());
        assert!(check_hash("$argon2id$garbage", Master).is_err());
    }
}
