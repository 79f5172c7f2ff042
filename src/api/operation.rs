//! Every operation of the admin IdentityApi, named once: its name in this
//! crate, its HTTP method, its path template and its Ory Network rate-limit
//! bucket. Errors and logs name a call by its [`Operation`].

use std::fmt;

/// The HTTP methods the admin API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// The Ory Network rate-limit bucket of an operation
/// (`x-ory-ratelimit-bucket` in the OpenAPI document). The operations of one
/// bucket share one request budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitBucket {
    /// `kratos-admin-low`: writes (create, batch, update, patch, delete,
    /// session management, recovery).
    AdminLow,
    /// `kratos-admin-medium`: lists and lookups by external id, schemas.
    AdminMedium,
    /// `kratos-admin-high`: single reads (`get_identity`, `get_session`).
    AdminHigh,
}

impl RateLimitBucket {
    /// The bucket's name as Ory writes it (`"kratos-admin-low"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RateLimitBucket::AdminLow => "kratos-admin-low",
            RateLimitBucket::AdminMedium => "kratos-admin-medium",
            RateLimitBucket::AdminHigh => "kratos-admin-high",
        }
    }
}

impl fmt::Display for RateLimitBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of the admin API: which call an error or a log record is
/// about.
///
/// `Display` gives its name, method and path template, never a value from
/// the request: `get_identity (GET /admin/identities/{id})`.
///
/// ```
/// # let server = httpmock::MockServer::start();
/// # server.mock(|when, then| { when.any_request(); then.status(404).body(r#"{"error":{"code":404,"message":"Unable to locate the resource","reason":"could not find identity"}}"#); });
/// # let client = kratos_identity::IdentityClient::builder(server.base_url()).max_retries(0).build()?;
/// let err = client.get_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13").send().unwrap_err();
/// let operation = err.operation().unwrap();
/// assert_eq!(operation.name(), "get_identity");
/// assert_eq!(operation.to_string(), "get_identity (GET /admin/identities/{id})");
/// # Ok::<(), kratos_identity::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation(u8);

/// What the table says of one operation.
struct Spec {
    name: &'static str,
    method: Method,
    path: &'static str,
    bucket: RateLimitBucket,
}

impl Spec {
    const fn new(
        name: &'static str,
        method: Method,
        path: &'static str,
        bucket: RateLimitBucket,
    ) -> Self {
        Spec {
            name,
            method,
            path,
            bucket,
        }
    }
}

use Method::{Delete, Get, Patch, Post, Put};
use RateLimitBucket::{AdminHigh, AdminLow, AdminMedium};

/// The table, in the order of the constants below (an `Operation` is its
/// index, one byte: errors that carry one stay small).
const SPECS: [Spec; 22] = [
    Spec::new("list_identities", Get, "/admin/identities", AdminMedium),
    Spec::new("get_identity", Get, "/admin/identities/{id}", AdminHigh),
    Spec::new(
        "get_identity_by_external_id",
        Get,
        "/admin/identities/by/external/{externalID}",
        AdminMedium,
    ),
    Spec::new("create_identity", Post, "/admin/identities", AdminLow),
    Spec::new("update_identity", Put, "/admin/identities/{id}", AdminLow),
    Spec::new("patch_identity", Patch, "/admin/identities/{id}", AdminLow),
    Spec::new(
        "batch_patch_identities",
        Patch,
        "/admin/identities",
        AdminLow,
    ),
    Spec::new(
        "delete_identity",
        Delete,
        "/admin/identities/{id}",
        AdminLow,
    ),
    Spec::new(
        "delete_identity_credentials",
        Delete,
        "/admin/identities/{id}/credentials/{type}",
        AdminLow,
    ),
    Spec::new(
        "delete_identity_sessions",
        Delete,
        "/admin/identities/{id}/sessions",
        AdminLow,
    ),
    Spec::new(
        "list_identity_sessions",
        Get,
        "/admin/identities/{id}/sessions",
        AdminMedium,
    ),
    Spec::new("list_sessions", Get, "/admin/sessions", AdminMedium),
    Spec::new("get_session", Get, "/admin/sessions/{id}", AdminHigh),
    Spec::new("disable_session", Delete, "/admin/sessions/{id}", AdminLow),
    Spec::new(
        "extend_session",
        Patch,
        "/admin/sessions/{id}/extend",
        AdminLow,
    ),
    Spec::new("manage_sessions", Post, "/admin/sessions", AdminLow),
    Spec::new(
        "create_recovery_code_for_identity",
        Post,
        "/admin/recovery/code",
        AdminLow,
    ),
    Spec::new(
        "create_recovery_link_for_identity",
        Post,
        "/admin/recovery/link",
        AdminLow,
    ),
    Spec::new("list_identity_schemas", Get, "/schemas", AdminMedium),
    Spec::new("get_identity_schema", Get, "/schemas/{id}", AdminMedium),
    Spec::new(
        "create_test_login_flow",
        Post,
        "/admin/test-login-flows",
        AdminLow,
    ),
    Spec::new("get_version", Get, "/version", AdminHigh),
];

impl Operation {
    fn spec(self) -> &'static Spec {
        &SPECS[usize::from(self.0)]
    }

    /// The name of the client method (`"get_identity"`).
    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    /// The HTTP method (`"GET"`).
    pub fn method(&self) -> &'static str {
        self.spec().method.as_str()
    }

    /// The path template, relative to the base URL (`"/admin/identities/{id}"`).
    pub fn path(&self) -> &'static str {
        self.spec().path
    }

    /// The Ory Network rate-limit bucket the operation counts against.
    pub fn rate_limit_bucket(&self) -> RateLimitBucket {
        self.spec().bucket
    }

    pub(crate) fn http_method(&self) -> Method {
        self.spec().method
    }
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("name", &self.name())
            .field("method", &self.method())
            .field("path", &self.path())
            .finish()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.name(), self.method(), self.path())
    }
}

/// Each operation of the admin IdentityApi, named as its client method is.
impl Operation {
    /// `list_identities`: `GET /admin/identities`.
    pub const LIST_IDENTITIES: Operation = Operation(0);
    /// `get_identity`: `GET /admin/identities/{id}`.
    pub const GET_IDENTITY: Operation = Operation(1);
    /// `get_identity_by_external_id`: `GET /admin/identities/by/external/{externalID}`.
    pub const GET_IDENTITY_BY_EXTERNAL_ID: Operation = Operation(2);
    /// `create_identity`: `POST /admin/identities`.
    pub const CREATE_IDENTITY: Operation = Operation(3);
    /// `update_identity`: `PUT /admin/identities/{id}`.
    pub const UPDATE_IDENTITY: Operation = Operation(4);
    /// `patch_identity`: `PATCH /admin/identities/{id}`.
    pub const PATCH_IDENTITY: Operation = Operation(5);
    /// `batch_patch_identities`: `PATCH /admin/identities`.
    pub const BATCH_PATCH_IDENTITIES: Operation = Operation(6);
    /// `delete_identity`: `DELETE /admin/identities/{id}`.
    pub const DELETE_IDENTITY: Operation = Operation(7);
    /// `delete_identity_credentials`: `DELETE /admin/identities/{id}/credentials/{type}`.
    pub const DELETE_IDENTITY_CREDENTIALS: Operation = Operation(8);
    /// `delete_identity_sessions`: `DELETE /admin/identities/{id}/sessions`.
    pub const DELETE_IDENTITY_SESSIONS: Operation = Operation(9);
    /// `list_identity_sessions`: `GET /admin/identities/{id}/sessions`.
    pub const LIST_IDENTITY_SESSIONS: Operation = Operation(10);
    /// `list_sessions`: `GET /admin/sessions`.
    pub const LIST_SESSIONS: Operation = Operation(11);
    /// `get_session`: `GET /admin/sessions/{id}`.
    pub const GET_SESSION: Operation = Operation(12);
    /// `disable_session`: `DELETE /admin/sessions/{id}`.
    pub const DISABLE_SESSION: Operation = Operation(13);
    /// `extend_session`: `PATCH /admin/sessions/{id}/extend`.
    pub const EXTEND_SESSION: Operation = Operation(14);
    /// `manage_sessions`: `POST /admin/sessions`.
    pub const MANAGE_SESSIONS: Operation = Operation(15);
    /// `create_recovery_code_for_identity`: `POST /admin/recovery/code`.
    pub const CREATE_RECOVERY_CODE_FOR_IDENTITY: Operation = Operation(16);
    /// `create_recovery_link_for_identity`: `POST /admin/recovery/link`.
    pub const CREATE_RECOVERY_LINK_FOR_IDENTITY: Operation = Operation(17);
    /// `list_identity_schemas`: `GET /schemas`.
    pub const LIST_IDENTITY_SCHEMAS: Operation = Operation(18);
    /// `get_identity_schema`: `GET /schemas/{id}`.
    pub const GET_IDENTITY_SCHEMA: Operation = Operation(19);
    /// `create_test_login_flow`: `POST /admin/test-login-flows`.
    pub const CREATE_TEST_LOGIN_FLOW: Operation = Operation(20);
    /// `get_version`: `GET /version`, of Kratos's metadata API (not in
    /// [`ALL`](Self::ALL)). Ory names no rate-limit bucket for it; the
    /// client paces it with the single reads.
    pub const GET_VERSION: Operation = Operation(21);
    /// Every operation of the admin IdentityApi, in the order of the crate's
    /// documentation.
    pub const ALL: [Operation; 21] = [
        Operation::LIST_IDENTITIES,
        Operation::GET_IDENTITY,
        Operation::GET_IDENTITY_BY_EXTERNAL_ID,
        Operation::CREATE_IDENTITY,
        Operation::UPDATE_IDENTITY,
        Operation::PATCH_IDENTITY,
        Operation::BATCH_PATCH_IDENTITIES,
        Operation::DELETE_IDENTITY,
        Operation::DELETE_IDENTITY_CREDENTIALS,
        Operation::DELETE_IDENTITY_SESSIONS,
        Operation::LIST_IDENTITY_SESSIONS,
        Operation::LIST_SESSIONS,
        Operation::GET_SESSION,
        Operation::DISABLE_SESSION,
        Operation::EXTEND_SESSION,
        Operation::MANAGE_SESSIONS,
        Operation::CREATE_RECOVERY_CODE_FOR_IDENTITY,
        Operation::CREATE_RECOVERY_LINK_FOR_IDENTITY,
        Operation::LIST_IDENTITY_SCHEMAS,
        Operation::GET_IDENTITY_SCHEMA,
        Operation::CREATE_TEST_LOGIN_FLOW,
    ];
}

// Short names for the crate's own code.
pub(crate) const GET_VERSION: Operation = Operation::GET_VERSION;
pub(crate) const LIST_IDENTITIES: Operation = Operation::LIST_IDENTITIES;
pub(crate) const GET_IDENTITY: Operation = Operation::GET_IDENTITY;
pub(crate) const GET_IDENTITY_BY_EXTERNAL_ID: Operation = Operation::GET_IDENTITY_BY_EXTERNAL_ID;
pub(crate) const CREATE_IDENTITY: Operation = Operation::CREATE_IDENTITY;
pub(crate) const UPDATE_IDENTITY: Operation = Operation::UPDATE_IDENTITY;
pub(crate) const PATCH_IDENTITY: Operation = Operation::PATCH_IDENTITY;
pub(crate) const BATCH_PATCH_IDENTITIES: Operation = Operation::BATCH_PATCH_IDENTITIES;
pub(crate) const DELETE_IDENTITY: Operation = Operation::DELETE_IDENTITY;
pub(crate) const DELETE_IDENTITY_CREDENTIALS: Operation = Operation::DELETE_IDENTITY_CREDENTIALS;
pub(crate) const DELETE_IDENTITY_SESSIONS: Operation = Operation::DELETE_IDENTITY_SESSIONS;
pub(crate) const LIST_IDENTITY_SESSIONS: Operation = Operation::LIST_IDENTITY_SESSIONS;
pub(crate) const LIST_SESSIONS: Operation = Operation::LIST_SESSIONS;
pub(crate) const GET_SESSION: Operation = Operation::GET_SESSION;
pub(crate) const DISABLE_SESSION: Operation = Operation::DISABLE_SESSION;
pub(crate) const EXTEND_SESSION: Operation = Operation::EXTEND_SESSION;
pub(crate) const MANAGE_SESSIONS: Operation = Operation::MANAGE_SESSIONS;
pub(crate) const CREATE_RECOVERY_CODE_FOR_IDENTITY: Operation =
    Operation::CREATE_RECOVERY_CODE_FOR_IDENTITY;
pub(crate) const CREATE_RECOVERY_LINK_FOR_IDENTITY: Operation =
    Operation::CREATE_RECOVERY_LINK_FOR_IDENTITY;
pub(crate) const LIST_IDENTITY_SCHEMAS: Operation = Operation::LIST_IDENTITY_SCHEMAS;
pub(crate) const GET_IDENTITY_SCHEMA: Operation = Operation::GET_IDENTITY_SCHEMA;
pub(crate) const CREATE_TEST_LOGIN_FLOW: Operation = Operation::CREATE_TEST_LOGIN_FLOW;

/// The operations only master serves (v26.2.0 answers them 405 and 404).
pub(crate) const MASTER_ONLY: [Operation; 2] = [MANAGE_SESSIONS, CREATE_TEST_LOGIN_FLOW];

#[cfg(test)]
mod tests {
    use super::*;

    /// The table matches the official OpenAPI document: method, path and
    /// rate-limit bucket of every operation tagged `identity`.
    #[test]
    fn the_table_matches_the_openapi_document() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/spec/kratos-openapi.json"
        );
        let text = std::fs::read_to_string(path).expect("the OpenAPI document in tests/spec");
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut seen = 0;
        for (path, ops) in spec["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let tags = op["tags"].as_array().cloned().unwrap_or_default();
                if !tags.iter().any(|t| t == "identity") {
                    continue;
                }
                seen += 1;
                let found = Operation::ALL
                    .iter()
                    .find(|o| o.path() == path && o.method().eq_ignore_ascii_case(method))
                    .unwrap_or_else(|| panic!("{method} {path} is missing from the table"));
                assert_eq!(
                    found.rate_limit_bucket().as_str(),
                    op["x-ory-ratelimit-bucket"],
                    "{found}"
                );
            }
        }
        assert_eq!(seen, Operation::ALL.len());
    }

    #[test]
    fn display_names_the_call_without_values() {
        assert_eq!(
            DELETE_IDENTITY_CREDENTIALS.to_string(),
            "delete_identity_credentials (DELETE /admin/identities/{id}/credentials/{type})"
        );
    }
}
