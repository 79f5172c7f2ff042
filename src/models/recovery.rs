//! Account recovery by an administrator (`recoveryCodeForIdentity`,
//! `recoveryLinkForIdentity` and their request bodies).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::IdArg;
use super::null_as_default;
use super::{canonical, check_id};
use crate::error::Error;

/// A recovery code created for an identity.
///
/// `Debug` prints neither the code nor the link's query: both let anyone
/// take over the account.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecoveryCodeForIdentity {
    /// The link that opens the recovery UI with an empty `code` field.
    #[serde(default, deserialize_with = "null_as_default")]
    pub recovery_link: String,
    /// The code that recovers the account. Secret.
    #[serde(default, deserialize_with = "null_as_default")]
    pub recovery_code: String,
    /// When the code expires.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

impl RecoveryCodeForIdentity {
    /// A recovery code answer, for your own tests.
    pub fn new(recovery_link: impl Into<String>, recovery_code: impl Into<String>) -> Self {
        RecoveryCodeForIdentity {
            recovery_link: recovery_link.into(),
            recovery_code: recovery_code.into(),
            expires_at: None,
        }
    }
}

impl fmt::Debug for RecoveryCodeForIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCodeForIdentity")
            .field("recovery_link", &redact_link(&self.recovery_link))
            .field("recovery_code", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A recovery link created for an identity.
///
/// `Debug` does not print the link's query, which holds the token that
/// recovers the account.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecoveryLinkForIdentity {
    /// The link that recovers the account. Secret.
    #[serde(default, deserialize_with = "null_as_default")]
    pub recovery_link: String,
    /// When the link expires.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

impl RecoveryLinkForIdentity {
    /// A recovery link answer, for your own tests.
    pub fn new(recovery_link: impl Into<String>) -> Self {
        RecoveryLinkForIdentity {
            recovery_link: recovery_link.into(),
            expires_at: None,
        }
    }
}

impl fmt::Debug for RecoveryLinkForIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryLinkForIdentity")
            .field("recovery_link", &redact_link(&self.recovery_link))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The body of "create a recovery code for an identity".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateRecoveryCodeForIdentityBody {
    /// The identity to recover, as given (a UUID; `send()` refuses
    /// anything else).
    pub identity_id: String,
    /// How long the code stays valid, as a Go duration (`"1h"`, `"90s"`).
    /// Defaults to the server's `selfservice.methods.code.config.lifespan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
    /// The flow type, `"api"` or `"browser"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<String>,
}

impl CreateRecoveryCodeForIdentityBody {
    /// A body for `identity_id` (a [`Uuid`](uuid::Uuid), or a string holding one) with
    /// the server's default lifespan. A string that is not a UUID is
    /// reported by `send()` as an invalid input.
    pub fn new(identity_id: impl IdArg) -> Self {
        CreateRecoveryCodeForIdentityBody {
            identity_id: canonical(&identity_id.id_text()),
            expires_in: None,
            flow_type: None,
        }
    }

    /// Fails on an id that is not a UUID, and on a lifespan of zero
    /// (Kratos refuses both with 400).
    pub(crate) fn check(&self) -> Result<(), Error> {
        check_id("identity_id", Some(&self.identity_id))?;
        check_expires_in(self.expires_in.as_deref())
    }

    /// Sets how long the code stays valid.
    #[must_use]
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(go_duration(expires_in));
        self
    }

    /// Sets the flow type (`"api"` or `"browser"`).
    #[must_use]
    pub fn flow_type(mut self, flow_type: impl Into<String>) -> Self {
        self.flow_type = Some(flow_type.into());
        self
    }
}

/// The body of "create a recovery link for an identity".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateRecoveryLinkForIdentityBody {
    /// The identity to recover, as given (a UUID; `send()` refuses
    /// anything else).
    pub identity_id: String,
    /// How long the link stays valid, as a Go duration (`"1h"`, `"90s"`).
    /// Defaults to the server's configured lifespan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
}

impl CreateRecoveryLinkForIdentityBody {
    /// A body for `identity_id` (a [`Uuid`](uuid::Uuid), or a string holding one) with
    /// the server's default lifespan. A string that is not a UUID is
    /// reported by `send()` as an invalid input.
    pub fn new(identity_id: impl IdArg) -> Self {
        CreateRecoveryLinkForIdentityBody {
            identity_id: canonical(&identity_id.id_text()),
            expires_in: None,
        }
    }

    /// Fails on an id that is not a UUID, and on a lifespan of zero
    /// (Kratos refuses both with 400).
    pub(crate) fn check(&self) -> Result<(), Error> {
        check_id("identity_id", Some(&self.identity_id))?;
        check_expires_in(self.expires_in.as_deref())
    }

    /// Sets how long the link stays valid.
    #[must_use]
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(go_duration(expires_in));
        self
    }
}

/// Kratos refuses a lifespan of zero ("must result to a future time").
fn check_expires_in(expires_in: Option<&str>) -> Result<(), Error> {
    match expires_in {
        Some("0s") => Err(Error::invalid(
            crate::error::InvalidInputKind::OutOfRange,
            "expires_in must be more than zero (Kratos refuses a lifespan that ends now)",
        )),
        _ => Ok(()),
    }
}

/// The longest duration Go has (`math.MaxInt64` nanoseconds, about 292
/// years), in whole seconds: longer ones overflow Kratos's parser (a 400).
const GO_MAX_DURATION: Duration = Duration::from_secs(9_223_372_036);

/// Formats a duration the way Go's `time.ParseDuration` reads it: whole
/// seconds as `"{n}s"`, whole milliseconds as `"{n}ms"`, anything finer as
/// `"{n}ns"`. Clamped to Go's longest duration, so `Duration::MAX` means
/// "as long as possible" rather than an error.
fn go_duration(d: Duration) -> String {
    let d = d.min(GO_MAX_DURATION);
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        format!("{}s", d.as_secs())
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}ns", d.as_nanos())
    }
}

/// The link without its query and fragment, which carry the secret; the
/// whole link when there is no query to cut.
fn redact_link(link: &str) -> String {
    match link.find(['?', '#']) {
        Some(at) => format!("{}?[redacted]", &link[..at]),
        None => "[redacted]".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn id() -> Uuid {
        Uuid::parse_str("3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41").unwrap()
    }

    #[test]
    fn formats_go_durations() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "3600s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(go_duration(Duration::from_millis(1)), "1ms");
        assert_eq!(go_duration(Duration::from_micros(1500)), "1500000ns");
        assert_eq!(go_duration(Duration::new(2, 1)), "2000000001ns");
        // Go's longest duration, not an overflow Kratos would refuse.
        assert_eq!(go_duration(Duration::MAX), "9223372036s");
        assert_eq!(
            go_duration(Duration::from_secs(u64::MAX / 2)),
            "9223372036s"
        );
        assert_eq!(
            go_duration(Duration::from_secs(9_223_372_035)),
            "9223372035s"
        );
    }

    #[test]
    fn an_id_that_is_not_a_uuid_fails_until_the_field_is_set() {
        let body = CreateRecoveryLinkForIdentityBody::new("not-a-uuid");
        let error = body.check().unwrap_err().to_string();
        assert!(error.contains("identity_id is not a UUID"), "{error}");
        assert!(!error.contains("not-a-uuid"), "{error}");
        let mut fixed = body;
        fixed.identity_id = id().to_string();
        assert!(fixed.check().is_ok());
        let mut code = CreateRecoveryCodeForIdentityBody::new(String::from("x"));
        assert!(code.check().is_err());
        code.identity_id = id().to_string();
        assert!(code.check().is_ok());
        let text = id().to_string();
        assert!(
            CreateRecoveryCodeForIdentityBody::new(&text)
                .check()
                .is_ok()
        );
        assert!(
            CreateRecoveryCodeForIdentityBody::new(" 3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41 ")
                .check()
                .is_ok()
        );
    }

    #[test]
    fn serializes_code_body() {
        let body = CreateRecoveryCodeForIdentityBody::new(id());
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"identity_id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41"})
        );
        let body = body
            .expires_in(Duration::from_secs(15 * 60))
            .flow_type("browser");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "identity_id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41",
                "expires_in": "900s",
                "flow_type": "browser"
            })
        );
    }

    #[test]
    fn serializes_link_body() {
        let body =
            CreateRecoveryLinkForIdentityBody::new(id()).expires_in(Duration::from_millis(250));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"identity_id": "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41", "expires_in": "250ms"})
        );
    }

    #[test]
    fn debug_hides_recovery_secrets() {
        let code: RecoveryCodeForIdentity = serde_json::from_value(json!({
            "recovery_link": "https://auth.example.com/self-service/recovery?flow=7e1d4c2b-flowid",
            "recovery_code": "76453943",
            "expires_at": "2024-03-01T11:00:00Z"
        }))
        .unwrap();
        assert_eq!(code.recovery_code, "76453943");
        let dbg = format!("{code:?}");
        assert!(!dbg.contains("76453943"), "{dbg}");
        assert!(!dbg.contains("7e1d4c2b"), "{dbg}");
        assert!(dbg.contains("https://auth.example.com/self-service/recovery?[redacted]"));

        let link: RecoveryLinkForIdentity = serde_json::from_value(json!({
            "recovery_link": "https://auth.example.com/self-service/recovery?flow=f1&token=sEcReTtOkEn",
            "expires_at": null
        }))
        .unwrap();
        assert_eq!(link.expires_at, None);
        let dbg = format!("{link:?}");
        assert!(!dbg.contains("sEcReTtOkEn"), "{dbg}");

        let odd: RecoveryLinkForIdentity =
            serde_json::from_value(json!({"recovery_link": "https://x/recover/sEcReT"})).unwrap();
        assert!(!format!("{odd:?}").contains("sEcReT"));
    }
}
