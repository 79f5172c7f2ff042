//! Property tests over arbitrary bytes for model decoding: mutated Kratos
//! payloads never panic, and whatever decodes re-encodes to something that
//! decodes to the same value.

use kratos_identity::{
    BatchPatchIdentitiesResponse, CredentialType, Identity, IdentitySchemaContainer, IdentityState,
    LoginFlow, ManageSessionsResponse, RecoveryCodeForIdentity, RecoveryLinkForIdentity, Session,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// xorshift64*: deterministic, so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        let mut out = seed.to_vec();
        for _ in 0..1 + self.below(3) {
            let at = self.below(out.len() + 1);
            match self.below(5) {
                0 if at < out.len() => out[at] = self.next() as u8,
                1 => out.insert(at, b"\"{}[],:0-.eEn\\"[self.below(14)]),
                2 if at < out.len() => {
                    out.remove(at);
                }
                3 => {
                    let snippet: &[u8] = [
                        &b"null"[..],
                        b"\"\"",
                        b"[]",
                        b"{}",
                        b"\"x\"",
                        b"1e999",
                        b"-0",
                    ][self.below(7)];
                    out.splice(at..at, snippet.iter().copied());
                }
                _ => out.truncate(at),
            }
        }
        out
    }
}

const CASES_PER_FIXTURE: usize = 3_000;

/// Decodes `CASES_PER_FIXTURE` mutations of `fixture` as `T`; whatever
/// decodes must survive a round trip. Returns how many decoded.
fn fuzz<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    seed: u64,
    fixture: &str,
) -> usize {
    let original: T = serde_json::from_str(fixture).expect("the unmutated fixture decodes");
    round_trip(&original);
    let mut rng = Rng(seed);
    let mut decoded = 0;
    for _ in 0..CASES_PER_FIXTURE {
        let bytes = rng.mutate(fixture.as_bytes());
        if let Ok(value) = serde_json::from_slice::<T>(&bytes) {
            round_trip(&value);
            decoded += 1;
        }
    }
    decoded
}

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_vec(value).expect("a decoded model re-encodes");
    let again: T = serde_json::from_slice(&json).expect("a re-encoded model decodes");
    assert_eq!(&again, value);
}

#[test]
fn identities_sessions_and_answers_survive_mutation() {
    let mut decoded = 0;
    decoded += fuzz::<Identity>(1, include_str!("fixtures/identity_full.json"));
    decoded += fuzz::<Identity>(2, include_str!("fixtures/identity_suspended.json"));
    decoded += fuzz::<Vec<Identity>>(3, include_str!("fixtures/identity_list.json"));
    decoded += fuzz::<Vec<Session>>(4, include_str!("fixtures/session_list.json"));
    decoded += fuzz::<Session>(5, include_str!("fixtures/session_expanded.json"));
    decoded += fuzz::<BatchPatchIdentitiesResponse>(
        6,
        include_str!("fixtures/identity_batch_patch_response.json"),
    );
    decoded += fuzz::<RecoveryCodeForIdentity>(7, include_str!("fixtures/recovery_code.json"));
    decoded += fuzz::<RecoveryLinkForIdentity>(8, include_str!("fixtures/recovery_link.json"));
    decoded += fuzz::<Vec<IdentitySchemaContainer>>(9, include_str!("fixtures/schema_list.json"));
    decoded += fuzz::<LoginFlow>(10, include_str!("fixtures/login_flow_test.json"));
    decoded += fuzz::<ManageSessionsResponse>(11, r#"{"more":true,"processed":1000}"#);
    // Mutations must not all be rejected, or the round trip proved nothing.
    assert!(
        decoded > CASES_PER_FIXTURE,
        "only {decoded} mutations decoded"
    );
}

#[test]
fn any_enum_value_is_kept_and_sent_back_unchanged() {
    let mut rng = Rng(12);
    for _ in 0..5_000 {
        let len = rng.below(12);
        let value: String = (0..len)
            .map(|_| (b'a' + rng.below(26) as u8) as char)
            .collect();
        let json = serde_json::to_string(&value).unwrap();
        let state: IdentityState = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&state).unwrap(), json);
        let credential: CredentialType = serde_json::from_str(&json).unwrap();
        assert_eq!(credential.as_str(), value);
    }
}
