//! [`KratosVersion`]: which Kratos the fake answers as.

use std::fmt;

/// The Kratos version a [`FakeKratos`](crate::FakeKratos) emulates, where
/// versions answer differently. Default: [`V26_2`](Self::V26_2).
///
/// What follows the switch (everything else holds for both):
///
/// | | `V26_2` | `Master` |
/// |---|---|---|
/// | `GET /version` | `v26.2.0` | `master` |
/// | `manage_sessions`, `create_test_login_flow` | 405, 404 in plain text (no such route) | served |
/// | importing `totp`, `lookup_secret`, `webauthn`, `passkey` | 400 `json: unknown field` on create and batch; ignored on PUT | imported |
/// | bcrypt cost beyond Ory's bounds (over 14) | accepted | 400 |
/// | JSON Patch deny list | `/id`, `/credentials` and below | also `/credentials/saml` and below |
/// | `include_credential=deviceauthn` | 400 | accepted |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KratosVersion {
    /// v26.2.0, the latest release: what self-hosted users run.
    #[default]
    V26_2,
    /// Kratos's main branch, ahead of releases: what Ory Network runs.
    Master,
}

impl KratosVersion {
    /// The version `GET /version` reports.
    pub fn as_str(self) -> &'static str {
        match self {
            KratosVersion::V26_2 => "v26.2.0",
            KratosVersion::Master => "master",
        }
    }

    /// Whether this version has master's additions since v26.2.0.
    pub(crate) fn is_master(self) -> bool {
        self == KratosVersion::Master
    }
}

impl fmt::Display for KratosVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KratosVersion {
    type Err = String;

    /// `v26.2.0` (or `v26.2`, `26.2`) and `master`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "v26.2.0" | "v26.2" | "26.2.0" | "26.2" => Ok(KratosVersion::V26_2),
            "master" | "main" => Ok(KratosVersion::Master),
            other => Err(format!(
                "unknown Kratos version {other:?}: the fake emulates v26.2.0 and master"
            )),
        }
    }
}
