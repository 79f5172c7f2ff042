//! A JSON Schema validator for the OpenAPI 3.0 schema objects of the Kratos
//! document, and the check of a whole answer against the response the
//! document declares for its operation and status ([`check_response`]).
//!
//! Why: Prism 5.14.2 validates requests, but validates a response body
//! only when ajv compiles the body's schema, and ajv refuses `nullable`
//! without `type`, which this document uses (`nullJsonRawMessage`, for
//! `metadata_public`/`metadata_admin`, and `uiNodeInputAttributes.value`).
//! Prism swallows the compile error (`O.tryCatch` in its
//! `validateAgainstSchema`) and reports nothing, so every answer holding an
//! identity, a session or a login flow goes unchecked: `validateOutput`
//! accepts `[1,2,3]` for an identity. It does check the other bodies
//! (`errorGeneric`, `batchPatchIdentitiesResponse`, the recovery answers,
//! `manageSessionsResponse`, the schemas). The proxy test judges every
//! body with this validator, whatever Prism did.
//!
//! What it checks: `$ref` (local, through [`Spec::resolve`]; siblings of a
//! `$ref` are ignored, as OpenAPI 3.0 says), `type` (a name or a list of
//! names), `nullable` (`null` passes only with `nullable: true` when the
//! schema has a `type`; a schema without `type` takes `null` like any
//! value), `enum`, `required`, `properties`, `additionalProperties` (absent,
//! `true`, `false` or a schema), `items`, `minItems`/`maxItems`/`uniqueItems`,
//! `allOf`, `anyOf`, `oneOf` (with a `discriminator`, the schema its
//! `mapping` names for the property's value), `not`,
//! `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`/`multipleOf`,
//! `minLength`/`maxLength`, `minProperties`/`maxProperties`, and the formats
//! `uuid` and `uuid4` (the 8-4-4-4-12 hex shape, any version: `uuid4` is
//! go-swagger's name for the `NullUUID` type, which holds any UUID),
//! `date-time` (RFC 3339), `date`, and `int32`/`int64`/`uint8`/`uint32`/
//! `uint64` (the integer fits).
//!
//! Annotations are skipped (`description`, `title`, `example(s)`, `default`,
//! `readOnly`, `writeOnly`, `deprecated`, `externalDocs`, `xml`, `x-…`).
//! Any other keyword, and any other format, is not checked: it is recorded
//! in [`Checked::unchecked`] so a caller can refuse to trust a verdict that
//! skipped part of a schema (`pattern`, for one, is used by the document,
//! but only in request bodies, which Prism validates).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;

use super::spec::Spec;

/// How deep schemas may nest (through `$ref`s and combinators) for one
/// value before the walk gives up: only a `$ref` cycle gets there.
const MAX_DEPTH: usize = 64;

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 10] = [
    "description",
    "title",
    "example",
    "examples",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "xml",
];

/// Keywords this validator checks (`discriminator` with `oneOf`/`anyOf`).
const CHECKED: [&str; 28] = [
    "$ref",
    "type",
    "nullable",
    "enum",
    "format",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "allOf",
    "anyOf",
    "oneOf",
    "discriminator",
    "not",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "const",
    "propertyNames",
];

/// One place where a value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// A JSON Pointer into the value (`""` is the value itself).
    pub(crate) path: String,
    pub(crate) message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "(the body): {}", self.message),
            false => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// The verdict on one value.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    pub(crate) violations: Vec<Violation>,
    /// Keywords (`pattern`) and formats (`format:byte`) met on the way
    /// that were not checked.
    pub(crate) unchecked: BTreeSet<String>,
}

/// Validates `value` against `schema` (a schema object of `spec`'s document).
pub(crate) fn validate(spec: &Spec, schema: &Value, value: &Value) -> Checked {
    let mut validator = Validator {
        spec,
        checked: Checked::default(),
    };
    validator.check(schema, value, "", 0);
    validator.checked
}

struct Validator<'s> {
    spec: &'s Spec,
    checked: Checked,
}

impl Validator<'_> {
    fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.checked.violations.push(Violation {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Validates against a sub-schema without reporting: the violations,
    /// for `anyOf`/`oneOf`/`not`. What it could not check still counts.
    fn trial(&mut self, schema: &Value, value: &Value, path: &str, depth: usize) -> Vec<Violation> {
        let mut sub = Validator {
            spec: self.spec,
            checked: Checked::default(),
        };
        sub.check(schema, value, path, depth);
        self.checked.unchecked.append(&mut sub.checked.unchecked);
        sub.checked.violations
    }

    fn check(&mut self, schema: &Value, value: &Value, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            self.fail(path, "the schema nests too deep (a $ref cycle?)");
            return;
        }
        let resolved = self.spec.resolve(schema);
        if schema.get("$ref").is_some() && resolved.is_null() {
            self.fail(
                path,
                format!("the schema's $ref {} does not resolve", schema["$ref"]),
            );
            return;
        }
        let schema = match resolved {
            // Boolean schemas (JSON Schema, not OpenAPI 3.0, but cheap).
            Value::Bool(true) => return,
            Value::Bool(false) => return self.fail(path, "no value is allowed here"),
            Value::Object(schema) => schema,
            other => return self.fail(path, format!("the schema is not an object: {other}")),
        };
        for keyword in schema.keys() {
            let known = CHECKED.contains(&keyword.as_str())
                || ANNOTATIONS.contains(&keyword.as_str())
                || keyword.starts_with("x-");
            if !known {
                self.checked.unchecked.insert(keyword.clone());
            }
        }

        if value.is_null() {
            let nullable = schema.get("nullable") == Some(&Value::Bool(true));
            if nullable {
                return;
            }
            if let Some(types) = schema.get("type")
                && !type_names(types).contains(&"null")
            {
                self.fail(
                    path,
                    format!("null, but the schema says type {types} and is not nullable"),
                );
                return;
            }
        } else if let Some(types) = schema.get("type") {
            let names = type_names(types);
            if !names.iter().any(|t| has_type(value, t)) {
                self.fail(
                    path,
                    format!("{} where the schema says type {types}", kind(value)),
                );
                // The other keywords are about the declared type: checking
                // them on a value of another type only adds noise.
                return;
            }
        }

        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.iter().any(|v| same(v, value))
        {
            self.fail(
                path,
                format!(
                    "{} is not one of {}",
                    short(value),
                    Value::from(values.clone())
                ),
            );
        }
        if let Some(constant) = schema.get("const")
            && !same(constant, value)
        {
            self.fail(path, format!("{} is not {constant}", short(value)));
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            self.check_format(format, value, path);
        }
        match value {
            Value::Object(fields) => self.check_object(schema, fields, path, depth),
            Value::Array(items) => self.check_array(schema, items, path, depth),
            Value::String(s) => self.check_string(schema, s, path),
            Value::Number(_) => self.check_number(schema, value, path),
            Value::Bool(_) | Value::Null => {}
        }

        for sub in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(sub, value, path, depth + 1);
        }
        if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            self.check_choice("anyOf", schema, options, value, path, depth);
        }
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            self.check_choice("oneOf", schema, options, value, path, depth);
        }
        if let Some(not) = schema.get("not")
            && self.trial(not, value, path, depth + 1).is_empty()
        {
            self.fail(path, "the value matches the schema under `not`");
        }
    }

    fn check_object(
        &mut self,
        schema: &Map<String, Value>,
        fields: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !fields.contains_key(name) {
                self.fail(path, format!("the required property {name:?} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (name, field) in fields {
            let here = format!("{path}/{}", escape(name));
            match (properties.and_then(|p| p.get(name)), additional) {
                (Some(sub), _) => self.check(sub, field, &here, depth + 1),
                (None, None | Some(Value::Bool(true))) => {}
                (None, Some(Value::Bool(false))) => self.fail(
                    &here,
                    "a property the schema does not declare (additionalProperties: false)",
                ),
                (None, Some(sub)) => self.check(sub, field, &here, depth + 1),
            }
        }
        if let Some(names) = schema.get("propertyNames") {
            for name in fields.keys() {
                let here = format!("{path}/{}", escape(name));
                self.check(names, &Value::from(name.as_str()), &here, depth + 1);
            }
        }
        let count = fields.len() as u64;
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            self.fail(
                path,
                format!("{count} properties, fewer than minProperties {min}"),
            );
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            self.fail(
                path,
                format!("{count} properties, more than maxProperties {max}"),
            );
        }
    }

    fn check_array(
        &mut self,
        schema: &Map<String, Value>,
        items: &[Value],
        path: &str,
        depth: usize,
    ) {
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{path}/{i}"), depth + 1);
            }
        }
        let count = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            self.fail(path, format!("{count} items, fewer than minItems {min}"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            self.fail(path, format!("{count} items, more than maxItems {max}"));
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].iter().any(|earlier| same(earlier, item)) {
                    self.fail(&format!("{path}/{i}"), "a repeated item (uniqueItems)");
                }
            }
        }
    }

    fn check_string(&mut self, schema: &Map<String, Value>, s: &str, path: &str) {
        let length = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && length < min
        {
            self.fail(
                path,
                format!("{length} characters, fewer than minLength {min}"),
            );
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            self.fail(
                path,
                format!("{length} characters, more than maxLength {max}"),
            );
        }
    }

    fn check_number(&mut self, schema: &Map<String, Value>, value: &Value, path: &str) {
        let Some(n) = value.as_f64() else {
            return;
        };
        // OpenAPI 3.0: `exclusiveMinimum: true` qualifies `minimum`;
        // JSON Schema 2019+: `exclusiveMinimum: 3` is a bound of its own.
        let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            let below = match exclusive("exclusiveMinimum") {
                true => n <= min,
                false => n < min,
            };
            if below {
                self.fail(path, format!("{value} is below the minimum {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            let above = match exclusive("exclusiveMaximum") {
                true => n >= max,
                false => n > max,
            };
            if above {
                self.fail(path, format!("{value} is above the maximum {max}"));
            }
        }
        if let Some(min) = schema.get("exclusiveMinimum").and_then(Value::as_f64)
            && n <= min
        {
            self.fail(path, format!("{value} is not above {min}"));
        }
        if let Some(max) = schema.get("exclusiveMaximum").and_then(Value::as_f64)
            && n >= max
        {
            self.fail(path, format!("{value} is not below {max}"));
        }
        if let Some(step) = schema.get("multipleOf").and_then(Value::as_f64)
            && step > 0.0
            && (n / step).fract().abs() > 1e-9
        {
            self.fail(path, format!("{value} is not a multiple of {step}"));
        }
    }

    fn check_format(&mut self, format: &str, value: &Value, path: &str) {
        let fits = match (format, value) {
            ("uuid" | "uuid4", Value::String(s)) => is_uuid(s),
            ("date-time", Value::String(s)) => time::OffsetDateTime::parse(s, &Rfc3339).is_ok(),
            ("date", Value::String(s)) => is_date(s),
            ("int32", Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            ("int64", Value::Number(n)) => n.as_i64().is_some(),
            ("uint8", Value::Number(n)) => n.as_u64().is_some_and(|n| u8::try_from(n).is_ok()),
            ("uint32", Value::Number(n)) => n.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
            ("uint64", Value::Number(n)) => n.as_u64().is_some(),
            // A format applies to its own type only.
            ("uuid" | "uuid4" | "date-time" | "date", _) => true,
            ("int32" | "int64" | "uint8" | "uint32" | "uint64", _) => true,
            (other, _) => {
                self.checked.unchecked.insert(format!("format:{other}"));
                true
            }
        };
        if !fits {
            self.fail(path, format!("{} is not a valid {format}", short(value)));
        }
    }

    /// `anyOf` (at least one option) or `oneOf` (exactly one). With a
    /// `discriminator`, the option its mapping names for the value of the
    /// discriminating property (or `#/components/schemas/<value>`) decides.
    fn check_choice(
        &mut self,
        keyword: &str,
        schema: &Map<String, Value>,
        options: &[Value],
        value: &Value,
        path: &str,
        depth: usize,
    ) {
        if let Some(property) = schema
            .get("discriminator")
            .and_then(|d| d["propertyName"].as_str())
        {
            let Some(tag) = value.get(property).and_then(Value::as_str) else {
                self.fail(
                    path,
                    format!("the discriminating property {property:?} is missing or not a string"),
                );
                return;
            };
            let target = schema["discriminator"]["mapping"][tag]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("#/components/schemas/{tag}"));
            let chosen = options.iter().find(|o| o["$ref"] == target.as_str());
            match chosen {
                Some(option) => self.check(option, value, path, depth + 1),
                None => self.fail(
                    path,
                    format!(
                        "{property} {tag:?} names no schema of the {keyword} (looked for {target})"
                    ),
                ),
            }
            return;
        }
        let outcomes: Vec<Vec<Violation>> = options
            .iter()
            .map(|o| self.trial(o, value, path, depth + 1))
            .collect();
        let matching = outcomes.iter().filter(|v| v.is_empty()).count();
        match (keyword, matching) {
            ("anyOf", 1..) | ("oneOf", 1) => {}
            ("oneOf", 2..) => self.fail(
                path,
                format!("matches {matching} schemas of the oneOf, must match exactly one"),
            ),
            _ => {
                let closest = outcomes
                    .iter()
                    .min_by_key(|v| v.len())
                    .and_then(|v| v.first())
                    .map(|v| format!(" (closest: {v})"))
                    .unwrap_or_default();
                self.fail(
                    path,
                    format!(
                        "matches none of the {} schemas of the {keyword}{closest}",
                        options.len()
                    ),
                );
            }
        }
    }
}

/// The type names a `type` keyword allows.
fn type_names(types: &Value) -> Vec<&str> {
    match types {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        _ => false,
    }
}

fn kind(value: &Value) -> String {
    let name = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    match value {
        Value::Array(_) | Value::Object(_) => name.to_string(),
        _ => format!("{name} ({})", short(value)),
    }
}

/// A value for a message, cut short.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.chars().count() > 80 {
        true => format!("{}…", text.chars().take(80).collect::<String>()),
        false => text,
    }
}

/// JSON equality, numbers compared by value (`1` and `1.0` are equal).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// `YYYY-MM-DD`, a real day.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (year.parse(), month.parse::<u8>(), day.parse()) else {
        return false;
    };
    time::Month::try_from(month)
        .and_then(|month| time::Date::from_calendar_date(year, month, day))
        .is_ok()
}

/// Escapes a property name for a JSON Pointer.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The verdict on one answer, judged against the document.
#[derive(Debug, Default)]
pub(crate) struct ResponseCheck {
    /// The response object it was judged against: `responses/404`,
    /// `responses/default`; empty when the status is not declared at all.
    pub(crate) declared_as: String,
    /// Whether a body was validated against a schema.
    pub(crate) body_validated: bool,
    pub(crate) checked: Checked,
}

/// Judges an answer (status, `Content-Type`, body bytes) of `operation`
/// against the response the document declares for the status (`"404"`,
/// then `"4XX"`, then `"default"`): a body where one is declared and none
/// where none is, a declared media type, and a JSON body valid against the
/// media type's schema.
pub(crate) fn check_response(
    spec: &Spec,
    operation: &Value,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> ResponseCheck {
    let mut out = ResponseCheck::default();
    let responses = &operation["responses"];
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    let Some(key) = [exact.as_str(), range.as_str(), "default"]
        .into_iter()
        .find(|k| responses.get(*k).is_some())
    else {
        out.checked.violations.push(Violation {
            path: String::new(),
            message: format!(
                "HTTP {status} is not a response the document declares, and there is no default"
            ),
        });
        return out;
    };
    out.declared_as = format!("responses/{key}");
    let response = spec.resolve(&responses[key]);
    let content = response["content"].as_object().filter(|c| !c.is_empty());
    let mut fail = |message: String| {
        out.checked.violations.push(Violation {
            path: String::new(),
            message,
        })
    };
    let Some(content) = content else {
        if !body.is_empty() {
            fail(format!(
                "a body of {} bytes where {} declares none",
                body.len(),
                out.declared_as
            ));
        }
        return out;
    };
    let declared: Vec<&str> = content.keys().map(String::as_str).collect();
    if body.is_empty() {
        fail(format!(
            "no body where {} declares one ({})",
            out.declared_as,
            declared.join(", ")
        ));
        return out;
    }
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let media = content
        .iter()
        .find(|(name, _)| media_matches(&essence, name));
    let Some((media_name, media)) = media else {
        fail(format!(
            "Content-Type {:?}, which {} does not declare ({})",
            content_type.unwrap_or(""),
            out.declared_as,
            declared.join(", ")
        ));
        return out;
    };
    let is_json = media_name.ends_with("/json") || media_name.ends_with("+json");
    if !is_json {
        // Not a body this validator reads; the document has none of these
        // for the admin operations.
        out.checked
            .unchecked
            .insert(format!("media type {media_name}"));
        return out;
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            fail(format!("the body is not JSON: {e}"));
            return out;
        }
    };
    let schema = match media.get("schema") {
        Some(schema) => schema,
        None => return out,
    };
    out.checked = validate(spec, schema, &value);
    out.body_validated = true;
    out
}

/// Whether a media type (lower case, without parameters) fits a declared
/// one, which may be a `type/*` or `*/*` range.
fn media_matches(essence: &str, declared: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    match declared.split_once('/') {
        _ if declared == essence => true,
        Some(("*", "*")) => true,
        Some((kind, "*")) => essence.split('/').next() == Some(kind),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::spec::spec_path;
    use super::*;

    fn spec() -> Option<Spec> {
        // Without the document there is nothing to test against; the suite's
        // other tests report the missing document (and fail on CI).
        Spec::load(&spec_path()).ok()
    }

    fn identity_schema() -> Value {
        json!({"$ref": "#/components/schemas/identity"})
    }

    fn paths(checked: &Checked) -> Vec<&str> {
        checked.violations.iter().map(|v| v.path.as_str()).collect()
    }

    /// A valid identity, every field the schema declares set, built from
    /// the document's own examples where it has them.
    fn valid_identity(spec: &Spec) -> Value {
        let address = &spec.doc["components"]["schemas"]["verifiableIdentityAddress"]["properties"];
        json!({
            "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13",
            "schema_id": "default",
            "schema_url": "https://kratos.example/schemas/ZGVmYXVsdA",
            "state": "active",
            "state_changed_at": "2024-03-01T10:00:00.123456Z",
            "traits": {"email": "ada@example.com"},
            "credentials": {
                "password": {
                    "type": "password",
                    "identifiers": ["ada@example.com"],
                    "config": {"hashed_password": "$2a$10$…"},
                    "version": 0,
                    "created_at": "2024-03-01T10:00:00Z",
                    "updated_at": "2024-03-01T10:00:00Z"
                }
            },
            "verifiable_addresses": [{
                "id": "0b8f2c6e-5d3a-4e1f-9c7b-2a4d6e8f0a1c",
                "value": "ada@example.com",
                "verified": address["verified"]["example"],
                "via": address["via"]["example"],
                "status": "completed",
                "verified_at": "2024-03-01T10:00:00Z",
                "created_at": address["created_at"]["example"],
                "updated_at": address["updated_at"]["example"]
            }],
            "recovery_addresses": [{
                "id": "1b8f2c6e-5d3a-4e1f-9c7b-2a4d6e8f0a1c",
                "value": "ada@example.com",
                "via": "email",
                "break_glass_for_organization": null
            }],
            "metadata_public": null,
            "metadata_admin": {"crm": 4711},
            "organization_id": null,
            "region": "eu-central",
            "external_id": "crm-4711",
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": "0001-01-01T00:00:00Z"
        })
    }

    #[test]
    fn a_valid_identity_is_accepted() {
        let Some(spec) = spec() else { return };
        let checked = validate(&spec, &identity_schema(), &valid_identity(&spec));
        assert_eq!(checked.violations, vec![], "a valid identity is refused");
        assert!(checked.unchecked.is_empty(), "{:?}", checked.unchecked);
        // The document's own example of an address is valid too.
        let address = &spec.doc["components"]["schemas"]["verifiableIdentityAddress"];
        assert!(address["properties"]["created_at"]["example"].is_string());
    }

    #[test]
    fn a_bad_identity_is_refused() {
        let Some(spec) = spec() else { return };
        let bad = json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "schema_id": "default",
            "traits": {"email": "x@y.z"},
            "state": "weird"
        });
        let checked = validate(&spec, &identity_schema(), &bad);
        assert_eq!(paths(&checked), ["", "/state"], "{:?}", checked.violations);
        assert!(checked.violations[0].message.contains("\"schema_url\""));
        assert!(checked.violations[1].message.contains("\"weird\""));
    }

    #[test]
    fn an_array_is_not_an_identity() {
        let Some(spec) = spec() else { return };
        let checked = validate(&spec, &identity_schema(), &json!([1, 2, 3]));
        assert_eq!(paths(&checked), [""]);
        assert!(checked.violations[0].message.contains("an array"));
        // And a list of identities is not a list of numbers.
        let list = json!({"type": "array", "items": identity_schema()});
        let checked = validate(&spec, &list, &json!([1, 2, 3]));
        assert_eq!(paths(&checked), ["/0", "/1", "/2"]);
    }

    #[test]
    fn every_field_of_an_identity_is_checked() {
        let Some(spec) = spec() else { return };
        let breakages = [
            ("/id", json!("not-a-uuid")),
            ("/created_at", json!("yesterday")),
            ("/state_changed_at", Value::Null),
            ("/organization_id", json!("org-1")),
            ("/credentials/password/config", json!("a string")),
            ("/credentials/password/type", json!("carrier_pigeon")),
            ("/credentials/password/version", json!(1.5)),
            ("/verifiable_addresses/0/verified_at", Value::Null),
            ("/verifiable_addresses/0/via", json!("fax")),
            ("/recovery_addresses/0/id", json!(7)),
            ("/region", json!("mars")),
        ];
        for (pointer, bad) in breakages {
            let mut identity = valid_identity(&spec);
            *identity.pointer_mut(pointer).expect(pointer) = bad.clone();
            let checked = validate(&spec, &identity_schema(), &identity);
            assert_eq!(
                paths(&checked),
                [pointer],
                "{pointer} = {bad}: {:?}",
                checked.violations
            );
        }
        let mut identity = valid_identity(&spec);
        identity["verifiable_addresses"][0]
            .as_object_mut()
            .expect("an object")
            .remove("status");
        let checked = validate(&spec, &identity_schema(), &identity);
        assert_eq!(paths(&checked), ["/verifiable_addresses/0"]);
    }

    #[test]
    fn error_details_take_no_property() {
        // genericError.details is `{"type": "object", "additionalProperties": false}`.
        let Some(spec) = spec() else { return };
        let schema = json!({"$ref": "#/components/schemas/errorGeneric"});
        let ok = json!({"error": {"code": 404, "message": "Unable to locate the resource", "details": {}}});
        assert_eq!(validate(&spec, &schema, &ok).violations, vec![]);
        let bad = json!({"error": {"code": 404.5, "details": {"why": "gone"}}});
        let checked = validate(&spec, &schema, &bad);
        assert_eq!(
            paths(&checked),
            ["/error", "/error/code", "/error/details/why"]
        );
    }

    #[test]
    fn keywords_and_combinators() {
        let Some(spec) = spec() else { return };
        let check = |schema: Value, value: Value| validate(&spec, &schema, &value);
        let count = |schema: Value, value: Value| check(schema, value).violations.len();
        assert_eq!(count(json!({"type": ["string", "integer"]}), json!(3)), 0);
        assert_eq!(
            count(json!({"type": ["string", "integer"]}), json!(true)),
            1
        );
        assert_eq!(
            count(json!({"type": "string", "nullable": true}), Value::Null),
            0
        );
        assert_eq!(count(json!({"type": "string"}), Value::Null), 1);
        assert_eq!(count(json!({}), Value::Null), 0);
        assert_eq!(
            count(
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                json!(0)
            ),
            1
        );
        assert_eq!(
            count(
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                json!(1001)
            ),
            1
        );
        assert_eq!(
            count(json!({"type": "string", "maxLength": 3}), json!("abcd")),
            1
        );
        assert_eq!(
            count(json!({"type": "string", "maxLength": 3}), json!("äöü")),
            0
        );
        assert_eq!(
            count(
                json!({"additionalProperties": {"type": "string"}}),
                json!({"a": 1})
            ),
            1
        );
        let one_of = json!({"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 2}]});
        assert_eq!(count(one_of.clone(), json!("a")), 1, "matches both");
        assert_eq!(count(one_of, json!("abc")), 0);
        assert_eq!(
            count(
                json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
                json!([])
            ),
            1
        );
        assert_eq!(
            count(
                json!({"allOf": [{"required": ["a"]}, {"required": ["b"]}]}),
                json!({})
            ),
            2
        );
        // The document's own discriminated oneOf: a UI node's attributes.
        let attributes = json!({"$ref": "#/components/schemas/uiNodeAttributes"});
        let text = json!({"node_type": "text", "id": "t", "text": {"id": 1, "text": "hi", "type": "info"}});
        assert_eq!(check(attributes.clone(), text).violations, vec![]);
        let bad = json!({"node_type": "text", "id": "t"});
        assert_eq!(count(attributes.clone(), bad), 1);
        assert_eq!(count(attributes, json!({"node_type": "marquee"})), 1);
        // A keyword it does not implement is reported, not skipped silently.
        let checked = check(json!({"type": "string", "pattern": "^a"}), json!("b"));
        assert!(checked.unchecked.contains("pattern"));
        let checked = check(json!({"type": "string", "format": "byte"}), json!("b"));
        assert!(checked.unchecked.contains("format:byte"));
    }

    #[test]
    fn a_batch_entry_may_not_be_null() {
        // identityPatchResponse has a type and is not nullable; Kratos writes
        // `null` for a patch without `create` (KRATOS.md).
        let Some(spec) = spec() else { return };
        let schema = json!({"$ref": "#/components/schemas/batchPatchIdentitiesResponse"});
        let answer = json!({"identities": [
            {"action": "create", "identity": "9f425a8d-7efc-4768-8f23-7647a74fdf13"},
            {"action": "error", "error": {"code": 409, "message": "taken"}, "patch_id": "aa0e8400-e29b-41d4-a716-446655440000"},
            null
        ]});
        let checked = validate(&spec, &schema, &answer);
        assert_eq!(paths(&checked), ["/identities/2"]);
    }

    #[test]
    fn answers_are_judged_against_their_status() {
        let Some(spec) = spec() else { return };
        let (_, get, _) = spec.operation_by_id("getIdentity").expect("getIdentity");
        let (_, delete, _) = spec
            .operation_by_id("deleteIdentity")
            .expect("deleteIdentity");
        let json_type = Some("application/json; charset=utf-8");
        let identity = serde_json::to_vec(&valid_identity(&spec)).expect("JSON");
        let ok = check_response(&spec, get, 200, json_type, &identity);
        assert!(ok.body_validated && ok.checked.violations.is_empty());
        assert_eq!(ok.declared_as, "responses/200");

        let bad = check_response(&spec, get, 200, json_type, b"[1,2,3]");
        assert_eq!(bad.checked.violations.len(), 1);
        let error = br#"{"error":{"code":500,"message":"boom"}}"#;
        let fallback = check_response(&spec, get, 500, json_type, error);
        assert_eq!(fallback.declared_as, "responses/default");
        assert!(fallback.checked.violations.is_empty());
        let wrong_type = check_response(&spec, get, 200, Some("text/html"), &identity);
        assert_eq!(wrong_type.checked.violations.len(), 1);
        let no_body = check_response(&spec, get, 404, json_type, b"");
        assert_eq!(no_body.checked.violations.len(), 1);

        let deleted = check_response(&spec, delete, 204, None, b"");
        assert!(deleted.checked.violations.is_empty() && !deleted.body_validated);
        let deleted_with_body = check_response(&spec, delete, 204, json_type, b"{}");
        assert_eq!(deleted_with_body.checked.violations.len(), 1);
    }
}
