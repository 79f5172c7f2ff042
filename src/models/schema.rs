//! Identity schemas (`identitySchemaContainer`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An identity JSON Schema and its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentitySchemaContainer {
    /// The id of the identity JSON Schema.
    pub id: String,
    /// The JSON Schema itself.
    #[serde(default)]
    pub schema: Value,
}

impl IdentitySchemaContainer {
    /// A schema container, for your own tests.
    pub fn new(id: impl Into<String>, schema: Value) -> Self {
        IdentitySchemaContainer {
            id: id.into(),
            schema,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_a_schema() {
        let c: IdentitySchemaContainer = serde_json::from_value(json!({
            "id": "default",
            "schema": {"$id": "https://example.com/person.schema.json", "type": "object"},
            "unknown": true
        }))
        .unwrap();
        assert_eq!(c.id, "default");
        assert_eq!(c.schema["type"], "object");

        let missing: IdentitySchemaContainer =
            serde_json::from_value(json!({"id": "x", "schema": null})).unwrap();
        assert_eq!(missing.schema, Value::Null);
    }
}
