//! Bulk session management (`manageSessionsBody`, `manageSessionsResponse`).

use serde::{Deserialize, Serialize};

use super::IdArg;
use super::{ManageSessionsAction, null_as_default};

/// The body of the bulk session management call. Exactly one of
/// `identities` and `sessions` is set; build it with one of the constructors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManageSessionsBody {
    /// What to do with the matching sessions.
    pub action: ManageSessionsAction,
    /// Identity ids whose sessions are affected, or `["*"]` for every
    /// session in the network.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identities: Vec<String>,
    /// Session ids to affect (the wildcard is not accepted here).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sessions: Vec<String>,
}

impl ManageSessionsBody {
    /// Acts on every session of these identities (at most 500). An id that
    /// is not a UUID is refused by `send()`.
    pub fn for_identities(
        action: ManageSessionsAction,
        ids: impl IntoIterator<Item = impl IdArg>,
    ) -> Self {
        ManageSessionsBody {
            action,
            identities: ids.into_iter().map(|id| id.id_text()).collect(),
            sessions: Vec::new(),
        }
    }

    /// Acts on these sessions (at most 500). An id that is not a UUID is
    /// refused by `send()`.
    pub fn for_sessions(
        action: ManageSessionsAction,
        ids: impl IntoIterator<Item = impl IdArg>,
    ) -> Self {
        ManageSessionsBody {
            action,
            identities: Vec::new(),
            sessions: ids.into_iter().map(|id| id.id_text()).collect(),
        }
    }

    /// Acts on every session in the network (`identities: ["*"]`). The server
    /// works in batches: repeat while the response says `more`.
    pub fn all_sessions(action: ManageSessionsAction) -> Self {
        Self::for_identities(action, ["*"])
    }
}

/// The answer to the bulk session management call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManageSessionsResponse {
    /// True when the per-call batch limit was reached and matching sessions
    /// may remain (only for the wildcard). Always false for explicit ids.
    #[serde(default, deserialize_with = "null_as_default")]
    pub more: bool,
    /// How many sessions this call processed. For `disable`, only those that
    /// were active before.
    #[serde(default, deserialize_with = "null_as_default")]
    pub processed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn serializes_each_form() {
        let id = Uuid::parse_str("3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41").unwrap();
        assert_eq!(
            serde_json::to_value(ManageSessionsBody::for_identities(
                ManageSessionsAction::Disable,
                [id]
            ))
            .unwrap(),
            json!({"action": "disable", "identities": ["3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41"]})
        );
        assert_eq!(
            serde_json::to_value(ManageSessionsBody::for_sessions(
                ManageSessionsAction::Delete,
                vec![" 5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4", "s2"]
            ))
            .unwrap(),
            json!({"action": "delete", "sessions": ["5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4", "s2"]})
        );
        assert_eq!(
            serde_json::to_value(ManageSessionsBody::all_sessions(
                ManageSessionsAction::Delete
            ))
            .unwrap(),
            json!({"action": "delete", "identities": ["*"]})
        );
    }

    #[test]
    fn decodes_the_response() {
        let r: ManageSessionsResponse =
            serde_json::from_value(json!({"more": true, "processed": 1000})).unwrap();
        assert!(r.more);
        assert_eq!(r.processed, 1000);
        let r: ManageSessionsResponse = serde_json::from_value(json!({"more": null})).unwrap();
        assert_eq!(r, ManageSessionsResponse::default());
    }
}
