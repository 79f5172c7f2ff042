//! NDJSON input of `import`: each line a create body, or an identity as
//! Kratos exports it (what `export` writes), converted for the target's
//! version with `CreateIdentityBody::from_identity_lossy_for`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::path::Path;

use kratos_identity::{CreateIdentityBody, Identity, ServerVersion};
use serde_json::{Value, json};

use crate::exit::Fail;

/// The input, line by line.
pub type Lines = Box<dyn Iterator<Item = io::Result<String>>>;

/// Opens `path` (`-` or none: stdin, which must not be a terminal).
pub fn open(path: Option<&Path>) -> Result<Lines, Fail> {
    match path {
        Some(path) if path != Path::new("-") => {
            let file = File::open(path)
                .map_err(|e| Fail::usage(format!("cannot read {}: {e}", path.display())))?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, file).lines()))
        }
        _ if io::stdin().is_terminal() => Err(Fail::usage(
            "no input: give a file, or pipe NDJSON into stdin (`-`)",
        )),
        _ => Ok(Box::new(io::stdin().lock().lines())),
    }
}

/// One line of input, as a create body.
pub struct Parsed {
    pub body: CreateIdentityBody,
    /// The credential types left out of an exported identity, each with
    /// why.
    pub left_out: Vec<(String, String)>,
    /// An exported identity with no credentials at all: maybe exported
    /// without `--include-credential`.
    pub exported_without_credentials: bool,
}

/// One NDJSON line as a create body: an exported identity (it has an `id`)
/// goes through `from_identity_lossy_for` the target's version (or
/// `from_identity_lossy` when it is unknown); anything else must be a
/// create body, read strictly, as Kratos reads it. The error never quotes
/// the line (it may hold a password hash).
pub fn parse_line(
    line: &str,
    default_schema: &str,
    target: Option<&ServerVersion>,
) -> Result<Parsed, String> {
    let mut value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object_mut().ok_or("not a JSON object")?;
    object
        .entry("schema_id")
        .or_insert_with(|| json!(default_schema));
    if object.contains_key("id") {
        let identity: Identity =
            serde_json::from_value(value).map_err(|e| format!("not an identity: {e}"))?;
        let converted = match target {
            Some(target) => CreateIdentityBody::from_identity_lossy_for(&identity, target),
            None => CreateIdentityBody::from_identity_lossy(&identity),
        };
        let (body, left_out) = converted.map_err(|e| e.to_string())?;
        // Without credentials, every type is named as left out: that is
        // counted once, as an identity exported without credentials.
        let without_credentials = identity.credentials.is_empty();
        let left_out = match without_credentials {
            true => Vec::new(),
            false => left_out
                .iter()
                .map(|kind| {
                    let kind = kind.to_string();
                    // Exported without include_credential for its type:
                    // Kratos named it, but not what it holds. (A target that
                    // cannot import the type at all is the reason to give.)
                    let importable = target.is_none_or(|t| t.imports_credential(&kind));
                    let why = match identity.credentials.get(&kind) {
                        Some(credential) if credential.config.is_none() && importable => format!(
                            "they were exported without what they hold (export with --include-credential {kind} to carry them)"
                        ),
                        _ => left_out_reason(&kind, target),
                    };
                    (kind, why)
                })
                .collect(),
        };
        return Ok(Parsed {
            body,
            left_out,
            exported_without_credentials: without_credentials,
        });
    }
    let body = serde_json::from_value(value).map_err(|e| format!("not a create body: {e}"))?;
    Ok(Parsed {
        body,
        left_out: Vec::new(),
        exported_without_credentials: false,
    })
}

/// Why a credential type was left out of exported identities.
pub fn left_out_reason(kind: &str, target: Option<&ServerVersion>) -> String {
    match kind {
        "password" => {
            "their password hash is one the target would refuse or store unusable".to_string()
        }
        "code" => {
            "Kratos cannot import them (it recreates code credentials from the traits)".to_string()
        }
        kind if target.is_some_and(|t| !t.imports_credential(kind))
            && ServerVersion::new("master").imports_credential(kind) =>
        {
            format!(
                "the target's version ({}) cannot import them",
                target.map(|t| t.version.as_str()).unwrap_or_default()
            )
        }
        _ => "Kratos cannot import them".to_string(),
    }
}
