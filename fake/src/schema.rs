//! Identity schemas as Kratos reads them: the traits are validated against
//! the schema's `properties.traits` (the JSON Schema keywords identity
//! schemas use), and the `ory.sh/kratos` extension of each trait says what
//! Kratos derives from it: credential identifiers (`password`, `code`,
//! `webauthn`), verifiable and recovery addresses.
//!
//! Errors read as Kratos's do: `I[#/traits/email] S[#/properties/traits/properties/email/format] "x" is not valid "email"`,
//! several of them under one `validation failed` line.

use serde_json::Value;

use crate::KratosVersion;

/// What the schema derives from one identity's traits, in schema order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Derived {
    /// Password identifiers (trimmed, lower-cased as Kratos stores them).
    pub(crate) password: Vec<String>,
    /// Code identifiers, with the channel (`email`, `sms`) they are reached by.
    pub(crate) code: Vec<(String, String)>,
    /// WebAuthn identifiers.
    pub(crate) webauthn: Vec<String>,
    /// Verifiable addresses: `(via, value)`.
    pub(crate) verification: Vec<(String, String)>,
    /// Recovery addresses: `(via, value)`.
    pub(crate) recovery: Vec<(String, String)>,
}

/// One validation error: the instance path, the schema path of the
/// keyword, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    instance: String,
    schema: String,
    message: String,
}

impl Failure {
    fn line(&self) -> String {
        format!("I[{}] S[{}] {}", self.instance, self.schema, self.message)
    }
}

/// Validates `traits` against `schema` and derives what its extension
/// says; the error is the reason Kratos gives.
pub(crate) fn check(
    schema: &Value,
    traits: &Value,
    version: KratosVersion,
) -> Result<Derived, String> {
    let traits_schema = &schema["properties"]["traits"];
    let mut failures = Vec::new();
    validate(
        traits_schema,
        traits,
        "#/traits",
        "#/properties/traits",
        &mut failures,
    );
    if !failures.is_empty() {
        return Err(describe(&failures, version));
    }
    let mut derived = Derived::default();
    derive(traits_schema, traits, &mut derived);
    Ok(derived)
}

/// Kratos's wording: one failure alone on its line; an email format
/// failure under its property's `validation failed`, with a second line
/// from the `ory.sh/kratos` extension's own check (v26.2.0 repeats the
/// format line; master gives Go's `net/mail` error); several under the
/// traits' `validation failed`.
fn describe(failures: &[Failure], version: KratosVersion) -> String {
    match failures {
        [only] if only.schema.ends_with("/format") => {
            let property = only.schema.trim_end_matches("/format");
            let second = match version {
                KratosVersion::V26_2 => only.line(),
                _ => format!(
                    "I[{}] S[{property}] mail: missing '@' or angle-addr",
                    only.instance
                ),
            };
            format!(
                "I[{}] S[{property}] validation failed\n  {}\n  {second}",
                only.instance,
                only.line()
            )
        }
        [only] => only.line(),
        many => {
            let mut text = "I[#/traits] S[#/properties/traits] validation failed".to_string();
            for failure in many {
                text.push_str("\n  ");
                text.push_str(&failure.line());
            }
            text
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_type(value: &Value, wanted: &str) -> bool {
    let actual = type_name(value);
    actual == wanted || (wanted == "number" && actual == "integer")
}

/// JSON Schema's keywords as identity schemas use them.
fn validate(schema: &Value, value: &Value, at: &str, schema_at: &str, out: &mut Vec<Failure>) {
    let fail = |out: &mut Vec<Failure>, keyword: &str, message: String| {
        out.push(Failure {
            instance: at.to_string(),
            schema: format!("{schema_at}/{keyword}"),
            message,
        });
    };
    if let Some(wanted) = schema.get("type") {
        let names: Vec<&str> = match wanted {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|n| is_type(value, n)) {
            let shown = type_name(value);
            let shown = if shown == "integer" { "number" } else { shown };
            fail(
                out,
                "type",
                format!("expected {}, but got {shown}", names.join(" or ")),
            );
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        let shown: Vec<String> = options.iter().map(Value::to_string).collect();
        fail(
            out,
            "enum",
            format!("value must be one of {}", shown.join(", ")),
        );
    }
    if let Value::String(text) = value {
        let length = text.chars().count();
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && (length as u64) < min
        {
            fail(
                out,
                "minLength",
                format!("length must be >= {min}, but got {length}"),
            );
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && (length as u64) > max
        {
            fail(
                out,
                "maxLength",
                format!("length must be <= {max}, but got {length}"),
            );
        }
        if schema.get("format").and_then(Value::as_str) == Some("email") && !is_email(text) {
            fail(
                out,
                "format",
                format!("{} is not valid \"email\"", Value::from(text.as_str())),
            );
        }
    }
    if let Value::Object(fields) = value {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            let missing: Vec<String> = required
                .iter()
                .filter_map(Value::as_str)
                .filter(|name| !fields.contains_key(*name))
                .map(|name| format!("{name:?}"))
                .collect();
            if !missing.is_empty() {
                fail(
                    out,
                    "required",
                    format!("missing properties: {}", missing.join(", ")),
                );
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(inner) => validate(
                    inner,
                    field,
                    &format!("{at}/{name}"),
                    &format!("{schema_at}/properties/{name}"),
                    out,
                ),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => fail(
                    out,
                    "additionalProperties",
                    format!("additionalProperties {name:?} not allowed"),
                ),
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            validate(
                item_schema,
                item,
                &format!("{at}/{index}"),
                &format!("{schema_at}/items"),
                out,
            );
        }
    }
}

/// An address as Go's `net/mail` would take it, near enough: one `@` with
/// something on each side and no spaces.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Walks the traits with their schema and collects what the `ory.sh/kratos`
/// extension derives from each string trait.
fn derive(schema: &Value, value: &Value, into: &mut Derived) {
    match value {
        Value::String(text) => {
            let extension = &schema["ory.sh/kratos"];
            let credentials = &extension["credentials"];
            let normalized = text.trim().to_lowercase();
            if credentials["password"]["identifier"] == Value::Bool(true) {
                into.password.push(normalized.clone());
            }
            if credentials["code"]["identifier"] == Value::Bool(true) {
                let via = credentials["code"]["via"].as_str().unwrap_or("email");
                into.code.push((via.to_string(), normalized.clone()));
            }
            if credentials["webauthn"]["identifier"] == Value::Bool(true) {
                into.webauthn.push(normalized.clone());
            }
            if let Some(via) = extension["verification"]["via"].as_str() {
                into.verification
                    .push((via.to_string(), normalized.clone()));
            }
            if let Some(via) = extension["recovery"]["via"].as_str() {
                into.recovery.push((via.to_string(), normalized));
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                if let Some(inner) = schema["properties"].get(name) {
                    derive(inner, field, into);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                derive(&schema["items"], item, into);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person() -> Value {
        json!({"properties": {"traits": {
            "type": "object",
            "properties": {
                "email": {"type": "string", "format": "email", "ory.sh/kratos": {
                    "credentials": {"password": {"identifier": true}, "code": {"identifier": true, "via": "email"}, "webauthn": {"identifier": true}},
                    "verification": {"via": "email"}, "recovery": {"via": "email"}}},
                "name": {"type": "object", "properties": {"first": {"type": "string"}}},
                "username": {"type": "string", "minLength": 1, "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
            },
            "required": ["email"]
        }}})
    }

    fn check_v26(schema: &Value, traits: &Value) -> Result<Derived, String> {
        check(schema, traits, KratosVersion::V26_2)
    }

    #[test]
    fn master_says_what_net_mail_says() {
        assert_eq!(
            check(&person(), &json!({"email": "nope"}), KratosVersion::Master).unwrap_err(),
            "I[#/traits/email] S[#/properties/traits/properties/email] validation failed\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\"\n  I[#/traits/email] S[#/properties/traits/properties/email] mail: missing '@' or angle-addr"
        );
    }

    #[test]
    fn derives_identifiers_and_addresses() {
        let derived = check_v26(
            &person(),
            &json!({"email": "Ada@Example.com", "username": " Ada "}),
        )
        .unwrap();
        assert_eq!(derived.password, ["ada@example.com", "ada"]);
        assert_eq!(
            derived.code,
            [("email".to_string(), "ada@example.com".to_string())]
        );
        assert_eq!(derived.webauthn, ["ada@example.com"]);
        assert_eq!(derived.verification.len(), 1);
        assert_eq!(derived.recovery.len(), 1);
    }

    #[test]
    fn errors_read_as_kratos_writes_them() {
        // As Kratos v26.2.0 answered each of these.
        assert_eq!(
            check_v26(&person(), &json!({"email": "nope"})).unwrap_err(),
            "I[#/traits/email] S[#/properties/traits/properties/email] validation failed\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\"\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\""
        );
        assert_eq!(
            check_v26(&person(), &json!({"name": {"first": 3}})).unwrap_err(),
            "I[#/traits] S[#/properties/traits] validation failed\n  I[#/traits] S[#/properties/traits/required] missing properties: \"email\"\n  I[#/traits/name/first] S[#/properties/traits/properties/name/properties/first/type] expected string, but got number"
        );
        assert_eq!(
            check_v26(&person(), &json!({"email": "a@b.c", "username": ""})).unwrap_err(),
            "I[#/traits/username] S[#/properties/traits/properties/username/minLength] length must be >= 1, but got 0"
        );
        assert_eq!(
            check_v26(&person(), &json!("x")).unwrap_err(),
            "I[#/traits] S[#/properties/traits/type] expected object, but got string"
        );
    }

    #[test]
    fn a_schema_without_traits_takes_anything() {
        let derived = check_v26(&json!({}), &json!({"anything": [1, {"a": null}]})).unwrap();
        assert_eq!(derived, Derived::default());
    }
}
