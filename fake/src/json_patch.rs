//! JSON Patch (RFC 6902) as Kratos applies it to an identity: `replace` of
//! a missing member adds it, `add` creates missing parent objects, and some
//! paths are refused.

use serde_json::{Map, Value};

use crate::KratosVersion;

/// Whether a patch may not touch `path`. Kratos matches a lower-cased path
/// against a glob list: exact paths, and `/**` for everything below. Its
/// `/stateChangedAt` matches no field (the field is `state_changed_at`),
/// and `/credentials` denies the map itself, not the credentials in it.
/// v26.2.0 denies what is below `/credentials/oidc`; master also denies
/// `/credentials/oidc` itself and the same for SAML.
fn denied(path: &str, version: KratosVersion) -> bool {
    let path = path.to_lowercase();
    let exact: &[&str] = match version {
        KratosVersion::V26_2 => &["/id", "/statechangedat", "/credentials"],
        _ => &[
            "/id",
            "/statechangedat",
            "/credentials",
            "/credentials/oidc",
            "/credentials/saml",
        ],
    };
    let below: &[&str] = match version {
        KratosVersion::V26_2 => &["/credentials/oidc/"],
        _ => &["/credentials/oidc/", "/credentials/saml/"],
    };
    exact.contains(&path.as_str()) || below.iter().any(|prefix| path.starts_with(prefix))
}

/// Whether the last token addresses an array element (`-` or a number):
/// `replace` of such a path stays a `replace` (it must exist).
fn is_element_access(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last == "-" || last.parse::<i64>().is_ok())
}

/// Applies `ops` (a JSON array of operations) to `doc` as Kratos's
/// `ApplyJSONPatch` does: every operation is checked first (only `add`,
/// `remove` and `replace`; no denied path), `replace` of a member becomes
/// `add`, and `add` creates missing parent objects. The error is the
/// message Kratos puts in the error body.
pub(crate) fn apply(doc: &mut Value, ops: &Value, version: KratosVersion) -> Result<(), String> {
    let Some(ops) = ops.as_array() else {
        return Err("json: cannot unmarshal object into Go value of type jsonpatch.Patch".into());
    };
    for op in ops {
        let kind = op["op"].as_str().unwrap_or("unknown");
        if !matches!(kind, "add" | "remove" | "replace") {
            return Err(format!("unsupported operation: {kind}"));
        }
        let path = op["path"].as_str().ok_or_else(|| {
            "error parsing patch operations: operation missing path field".to_string()
        })?;
        if denied(path, version) {
            return Err(format!("patch includes denied path: {path}"));
        }
    }
    for op in ops {
        let kind = op["op"].as_str().unwrap_or_default();
        let path = op["path"].as_str().unwrap_or_default();
        let tokens = tokens(path)?;
        match kind {
            "add" => add(doc, &tokens, value_of(op)?)?,
            "replace" if !is_element_access(path) => add(doc, &tokens, value_of(op)?)?,
            "replace" => {
                remove(doc, &tokens)?;
                add(doc, &tokens, value_of(op)?)?;
            }
            _ => {
                remove(doc, &tokens)?;
            }
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
    // evanphx/json-patch's wording, as Kratos passes it on.
    let missing = || {
        let last = tokens.last().map_or("", String::as_str);
        format!(
            "error in remove for path: '/{}': unable to remove nonexistent key: {last}: missing value",
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
        let v = KratosVersion::V26_2;
        let mut doc = json!({"id": "x", "traits": {"email": "a@b.c"}, "metadata_public": null});
        apply(
            &mut doc,
            &json!([
                {"op": "replace", "path": "/traits/name", "value": {"first": "Ada"}},
                {"op": "add", "path": "/metadata_public/plan", "value": "pro"},
                {"op": "remove", "path": "/traits/email"}
            ]),
            v,
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"id": "x", "traits": {"name": {"first": "Ada"}}, "metadata_public": {"plan": "pro"}})
        );
        let err = apply(
            &mut doc,
            &json!([{"op": "replace", "path": "/id", "value": "y"}]),
            v,
        );
        assert_eq!(err.unwrap_err(), "patch includes denied path: /id");
        let err = apply(&mut doc, &json!([{"op": "remove", "path": "/nothing"}]), v);
        assert!(err.is_err());
    }

    #[test]
    fn only_add_remove_and_replace_and_nothing_applied_before_a_refusal() {
        for kind in ["test", "move", "copy", "frobnicate"] {
            let mut doc = json!({"traits": {"a": 1}});
            let ops = json!([
                {"op": "add", "path": "/traits/b", "value": 2},
                {"op": kind, "path": "/traits/a", "from": "/traits/a", "value": 1}
            ]);
            let err = apply(&mut doc, &ops, KratosVersion::Master).unwrap_err();
            assert_eq!(err, format!("unsupported operation: {kind}"));
            assert_eq!(doc, json!({"traits": {"a": 1}}), "{kind}");
        }
    }

    #[test]
    fn the_deny_list_of_each_version() {
        use KratosVersion::{Master, V26_2};
        for (path, v26, master) in [
            ("/id", true, true),
            ("/ID", true, true),
            ("/credentials", true, true),
            ("/credentials/oidc", false, true),
            ("/credentials/oidc/config", true, true),
            ("/credentials/saml", false, true),
            ("/credentials/saml/config/providers", false, true),
            ("/credentials/password", false, false),
            ("/state_changed_at", false, false),
            ("/stateChangedAt", true, true),
            ("/traits/email", false, false),
        ] {
            assert_eq!(denied(path, V26_2), v26, "v26.2.0: {path}");
            assert_eq!(denied(path, Master), master, "master: {path}");
        }
    }

    #[test]
    fn replace_of_an_array_element_must_exist() {
        let mut doc = json!({"traits": {"tags": ["a"]}});
        let v = KratosVersion::V26_2;
        assert!(
            apply(
                &mut doc,
                &json!([{"op": "replace", "path": "/traits/tags/3", "value": "x"}]),
                v
            )
            .is_err()
        );
        apply(
            &mut doc,
            &json!([{"op": "replace", "path": "/traits/tags/0", "value": "b"}]),
            v,
        )
        .unwrap();
        assert_eq!(doc, json!({"traits": {"tags": ["b"]}}));
    }
}
