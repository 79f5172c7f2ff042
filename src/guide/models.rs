//! Typed models: they read forgivingly, write strictly, and keep working
//! when Ory adds values.
//!
//! The request and response bodies are plain structs and enums at the
//! crate root ([`Identity`](crate::Identity), [`Session`](crate::Session),
//! [`CreateIdentityBody`](crate::CreateIdentityBody), …), with field names
//! and types from the OpenAPI document and `uuid`, `time` and `serde_json`
//! types (re-exported by this crate).
//!
//! # Reading forgivingly
//!
//! Ory adds credential types, regions, authentication methods and fields
//! release after release, and real data carries values no spec lists. So:
//!
//! - a field the server may omit or send as `null` decodes either way
//!   (`Option<T>`, or an empty `Vec` or map);
//! - unknown fields are ignored;
//! - every enum keeps a value it does not name as `Unknown`
//!   ([`UnknownValue`](crate::UnknownValue)), readable with `as_str()` but
//!   not buildable by hand: compare with the converted string rather than
//!   matching the unknown value's text, and your code keeps working when a
//!   later version names it.
//!
//! ```
//! use kratos_identity::{Identity, IdentityState};
//!
//! let identity: Identity = serde_json::from_str(r#"{
//!   "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13", "schema_id": "default", "schema_url": "",
//!   "traits": {"email": "ada@example.com"}, "state": "suspended", "organization_id": null,
//!   "a_field_from_a_later_kratos": true
//! }"#)?;
//! let state = identity.state.unwrap();
//! assert_eq!(state.as_str(), "suspended");
//! assert!(state == IdentityState::from("suspended")); // not `IdentityState::Unknown(..)`
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Writing strictly
//!
//! Serializing never sends a `null` for an unset optional field, nor a field
//! the API does not know (Kratos refuses unknown fields with 400). A create
//! body reads strictly too, like Kratos: an exported identity is not one
//! (see [migration](super::migration)). `Debug` never prints a password,
//! hash, TOTP secret, recovery code or link, or tokenized session.
//!
//! # Your own traits type, or raw JSON
//!
//! Traits are `serde_json::Value` unless
//! [`traits::<U>()`](crate::RequestBuilder::traits) names your own type:
//! they then decode in the same pass as the rest of the answer, typed and
//! faster.
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.path("/admin/identities"); then.header("link", r#"</admin/identities?page_size=250>; rel="first""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
//! # let client = kratos_identity::IdentityClient::new(server.base_url())?;
//! #[derive(serde::Deserialize)]
//! struct Traits {
//!     email: String,
//! }
//!
//! for identity in client.list_identities().traits::<Traits>().items() {
//!     println!("{}", identity?.traits.email);
//! }
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! `.traits::<Box<serde_json::value::RawValue>>()` keeps the traits as raw
//! JSON, and [`list_identities().raw()`](crate::RequestBuilder::raw) keeps
//! whole identities exactly as the server sent them, fields this crate does
//! not know included: a lossless export (`examples/export.rs` uses it).
//! Which costs what: see [pagination](super::pagination#memory-connections-and-prefetch).
