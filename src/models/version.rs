//! What a server says of its version (`GET /version`), and what this crate
//! knows each version can do.

use serde::{Deserialize, Serialize};

use crate::api::operation::{MASTER_ONLY, Operation};
use crate::models::CredentialType;

/// The version a Kratos server reports (`GET /version`), with what the
/// crate knows that version can and cannot do.
///
/// Release builds report their tag (`"v26.2.0"`); builds from Kratos's main
/// branch report `"master"` (Ory Network runs such builds ahead of
/// releases). The capability checks know one line: what **v26.2.0** lacks
/// against master. A release older than v26.3 is taken to be like v26.2.0;
/// anything else (a later release, `"master"`, a string that is not a
/// version) is taken to have everything master has.
///
/// ```
/// use kratos_identity::{Operation, ServerVersion};
///
/// let release = ServerVersion::new("v26.2.0");
/// assert_eq!(release.release(), Some((26, 2, 0)));
/// assert!(release.imports_credential("password"));
/// assert!(!release.imports_credential("totp"));
/// assert!(!release.supports(Operation::MANAGE_SESSIONS));
///
/// let master = ServerVersion::new("master");
/// assert!(master.imports_credential("totp"));
/// assert!(master.supports(Operation::MANAGE_SESSIONS));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerVersion {
    /// The version as the server wrote it (`"v26.2.0"`, `"master"`).
    pub version: String,
}

/// The credential types every Kratos version imports.
const ALWAYS_IMPORTED: [CredentialType; 3] = [
    CredentialType::Password,
    CredentialType::Oidc,
    CredentialType::Saml,
];

/// The credential types master imports beyond those (v26.2.0 refuses them
/// on create and batch, and ignores them on PUT).
const IMPORTED_SINCE_MASTER: [CredentialType; 4] = [
    CredentialType::Totp,
    CredentialType::LookupSecret,
    CredentialType::Webauthn,
    CredentialType::Passkey,
];

impl ServerVersion {
    /// A version as a server would report it, for your own tests and for a
    /// target you know without asking.
    pub fn new(version: impl Into<String>) -> Self {
        ServerVersion {
            version: version.into(),
        }
    }

    /// The release number, `(26, 2, 0)` for `"v26.2.0"` (a suffix such as
    /// `-pre.1` is ignored); `None` for a build that is not a release
    /// (`"master"`) or a string that is not a version.
    pub fn release(&self) -> Option<(u64, u64, u64)> {
        let text = self.version.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next().unwrap_or_default();
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) => {
                Some((major, minor, patch))
            }
            _ => None,
        }
    }

    /// Whether this is a release older than v26.3, which lacks what master
    /// added after v26.2.0.
    fn is_v26_2_or_older(&self) -> bool {
        self.release().is_some_and(|r| r < (26, 3, 0))
    }

    /// The credential types this version imports on create, batch and
    /// update: `password`, `oidc` and `saml` on v26.2.0 and older; also
    /// `totp`, `lookup_secret`, `webauthn` and `passkey` on master.
    pub fn importable_credentials(&self) -> Vec<CredentialType> {
        let mut types = ALWAYS_IMPORTED.to_vec();
        if !self.is_v26_2_or_older() {
            types.extend(IMPORTED_SINCE_MASTER);
        }
        types
    }

    /// Whether this version imports credentials of this type (`"totp"`,
    /// [`CredentialType::Totp`]).
    pub fn imports_credential(&self, credential_type: impl AsRef<str>) -> bool {
        let wanted = credential_type.as_ref();
        self.importable_credentials()
            .iter()
            .any(|t| t.as_str() == wanted)
    }

    /// Every credential type this version knows, as `include_credential`
    /// accepts them: `password`, `oidc`, `saml`, `totp`, `lookup_secret`,
    /// `webauthn`, `passkey`, `code` and the recovery methods, and on
    /// master also `deviceauthn` (v26.2.0 answers it with 400).
    pub fn credential_types(&self) -> Vec<CredentialType> {
        let mut types = vec![
            CredentialType::Password,
            CredentialType::Oidc,
            CredentialType::Saml,
            CredentialType::Totp,
            CredentialType::LookupSecret,
            CredentialType::Webauthn,
            CredentialType::Passkey,
            CredentialType::Code,
            CredentialType::LinkRecovery,
            CredentialType::CodeRecovery,
        ];
        if !self.is_v26_2_or_older() {
            types.push(CredentialType::Deviceauthn);
        }
        types
    }

    /// Whether this version serves the operation: every operation but
    /// `manage_sessions` and `create_test_login_flow`, which only master
    /// has (v26.2.0 answers them 405 and 404).
    pub fn supports(&self, operation: Operation) -> bool {
        !(self.is_v26_2_or_older() && MASTER_ONLY.contains(&operation))
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_releases_and_builds() {
        for (text, release) in [
            ("v26.2.0", Some((26, 2, 0))),
            ("26.2.1", Some((26, 2, 1))),
            ("v26.3.0-pre.1", Some((26, 3, 0))),
            ("v1.3.1", Some((1, 3, 1))),
            (" v25.4.0 ", Some((25, 4, 0))),
            ("master", None),
            ("", None),
            ("v26.2", None),
            ("v26.2.0.1", None),
            ("vx.y.z", None),
        ] {
            assert_eq!(ServerVersion::new(text).release(), release, "{text:?}");
        }
    }

    #[test]
    fn knows_what_v26_2_lacks() {
        let old = ServerVersion::new("v1.3.1");
        let release = ServerVersion::new("v26.2.0");
        let next = ServerVersion::new("v26.3.0");
        let master = ServerVersion::new("master");
        for version in [&old, &release] {
            assert_eq!(
                version.importable_credentials(),
                [
                    CredentialType::Password,
                    CredentialType::Oidc,
                    CredentialType::Saml
                ]
            );
            assert!(!version.imports_credential(CredentialType::Passkey));
            assert!(!version.supports(Operation::CREATE_TEST_LOGIN_FLOW));
            assert!(version.supports(Operation::LIST_IDENTITIES));
        }
        for version in [&next, &master] {
            assert_eq!(version.importable_credentials().len(), 7);
            assert!(version.imports_credential("lookup_secret"));
            assert!(!version.imports_credential("code"));
            assert!(version.supports(Operation::MANAGE_SESSIONS));
        }
    }
}
