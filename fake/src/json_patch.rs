//! JSON Patch (RFC 6902) as Kratos applies it to an identity: `replace` of
//! a missing member adds it, `add` creates missing parent objects, and some
//! paths are refused.

use serde_json::{Map, Value};

/// Paths (lower-cased) a patch may not touch; `/**` covers everything below.
const DENIED: [&str; 5] = [
    "/id",
    "/statechangedat",
    "/credentials",
    "/credentials/oidc",
    "/credentials/saml",
];

fn denied(path: &str) -> bool {
    let path = path.to_lowercase();
    DENIED.contains(&path.as_str())
        || path.starts_with("/credentials/oidc/")
        || path.starts_with("/credentials/saml/")
}

/// Applies `ops` (a JSON array of operations) to `doc`. The error is the
/// message Kratos puts in the error body.
pub(crate) fn apply(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let Some(ops) = ops.as_array() else {
        return Err("json: cannot unmarshal object into Go value of type jsonpatch.Patch".into());
    };
    for op in ops {
        let kind = op["op"].as_str().unwrap_or("");
        let path = op["path"]
            .as_str()
            .ok_or_else(|| "error parsing patch operations: missing path".to_string())?;
        if denied(path) {
            return Err(format!("patch includes denied path: {path}"));
        }
        let tokens = tokens(path)?;
        match kind {
            "add" => add(doc, &tokens, value_of(op)?)?,
            "replace" => match lookup(doc, &tokens) {
                Some(_) => {
                    remove(doc, &tokens)?;
                    add(doc, &tokens, value_of(op)?)?;
                }
                None => add(doc, &tokens, value_of(op)?)?,
            },
            "remove" => {
                remove(doc, &tokens)?;
            }
            "test" => {
                if lookup(doc, &tokens) != Some(&value_of(op)?) {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            "move" | "copy" => {
                let from = op["from"]
                    .as_str()
                    .ok_or_else(|| format!("{kind} operation has no from"))?;
                if kind == "move" && denied(from) {
                    return Err(format!("patch includes denied path: {from}"));
                }
                let from = self::tokens(from)?;
                let value = match kind {
                    "move" => remove(doc, &from)?,
                    _ => lookup(doc, &from)
                        .cloned()
                        .ok_or_else(|| "copy from a missing path".to_string())?,
                };
                add(doc, &tokens, value)?;
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(())
}

fn value_of(op: &Value) -> Result<Value, String> {
    op.get("value")
        .cloned()
        .ok_or_else(|| "operation has no value".to_string())
}

fn tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("invalid JSON pointer {path:?}"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn lookup<'a>(doc: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(doc, |v, t| match v {
        Value::Object(map) => map.get(t),
        Value::Array(items) => t.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Adds `value` at `tokens`, creating missing parent objects.
fn add(doc: &mut Value, tokens: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    let mut target = doc;
    for t in parents {
        if target.is_null() {
            *target = Value::Object(Map::new());
        }
        target = match target {
            Value::Object(map) => map
                .entry(t.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => t
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| format!("add operation does not apply: doc is missing path: {t}"))?,
            _ => {
                return Err(format!(
                    "add operation does not apply: doc is missing path: {t}"
                ));
            }
        };
    }
    if target.is_null() {
        *target = Value::Object(Map::new());
    }
    match target {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = match last.as_str() {
                "-" => items.len(),
                t => t
                    .parse::<usize>()
                    .ok()
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| {
                        format!("add operation does not apply: index {t} out of bounds")
                    })?,
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err("add operation does not apply: the parent is not a container".into()),
    }
}

/// Removes and returns the value at `tokens`.
fn remove(doc: &mut Value, tokens: &[String]) -> Result<Value, String> {
    let missing = || {
        format!(
            "remove operation does not apply: doc is missing path: \"/{}\"",
            tokens.join("/")
        )
    };
    let (last, parents) = tokens.split_last().ok_or_else(missing)?;
    let mut target = doc;
    for t in parents {
        target = match target {
            Value::Object(map) => map.get_mut(t),
            Value::Array(items) => t.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(missing)?;
    }
    match target {
        Value::Object(map) => map.remove(last).ok_or_else(missing),
        Value::Array(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => Ok(items.remove(i)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_like_kratos() {
        let mut doc = json!({"id": "x", "traits": {"email": "a@b.c"}, "metadata_public": null});
        apply(
            &mut doc,
            &json!([
                {"op": "replace", "path": "/traits/name", "value": {"first": "Ada"}},
                {"op": "add", "path": "/metadata_public/plan", "value": "pro"},
                {"op": "test", "path": "/traits/email", "value": "a@b.c"},
                {"op": "remove", "path": "/traits/email"}
            ]),
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"id": "x", "traits": {"name": {"first": "Ada"}}, "metadata_public": {"plan": "pro"}})
        );
        let err = apply(
            &mut doc,
            &json!([{"op": "replace", "path": "/id", "value": "y"}]),
        );
        assert_eq!(err.unwrap_err(), "patch includes denied path: /id");
        let err = apply(
            &mut doc,
            &json!([{"op": "add", "path": "/credentials/oidc/config", "value": {}}]),
        );
        assert!(err.is_err());
        let err = apply(&mut doc, &json!([{"op": "remove", "path": "/nothing"}]));
        assert!(err.is_err());
        let err = apply(
            &mut doc,
            &json!([{"op": "test", "path": "/traits/name/first", "value": "Bob"}]),
        );
        assert!(err.is_err());
    }
}
