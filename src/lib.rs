//! A blocking, builder-style client for the [Ory Identities (Kratos)] admin
//! API: identities, sessions, identity schemas and account recovery, with
//! typed models, lazy pagination and no async runtime.
//!
//! Works against self-hosted Kratos (the admin port, usually without auth)
//! and Ory Network (`https://{slug}.projects.oryapis.com` with an API key).
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.path("/admin/identities"); then.body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
//! # let admin_url = server.base_url();
//! use kratos_identity::IdentityClient;
//!
//! let client = IdentityClient::new(admin_url)?; // e.g. "http://127.0.0.1:4434"
//! let page = client.list_identities().page_size(500).send()?;
//! for identity in page.iter() {
//!     println!("{} {}", identity.id, identity.traits["email"]);
//! }
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! For Ory Network, send the project's API key as a bearer token:
//!
//! ```no_run
//! # use kratos_identity::IdentityClient;
//! let client = IdentityClient::builder("https://my-slug.projects.oryapis.com")
//!     .bearer_token(std::env::var("ORY_API_KEY").unwrap_or_default())
//!     .build()?;
//! // or, from KRATOS_ADMIN_URL / ORY_SDK_URL and ORY_API_KEY:
//! let client = IdentityClient::from_env()?;
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! # Design
//! - Every operation of the admin IdentityApi is a method on
//!   [`IdentityClient`] that returns a [`RequestBuilder`]; optional
//!   parameters are chainable setters, and [`RequestBuilder::send`] sends.
//!   [`RequestBuilder::send_with_info`] also returns status and headers.
//! - Setters never fail; invalid input is an [`Error::InvalidInput`] from `send`.
//! - Every builder that returns identities has
//!   [`traits::<U>()`](RequestBuilder::traits) to decode the traits straight
//!   into your own type.
//! - Models read forgivingly (unknown fields ignored, unknown enum values
//!   kept as an opaque `Unknown` value, `null` or missing optional fields accepted)
//!   and write strictly (no `null`s, no fields the API does not know).
//! - One [`Error`] type carries the HTTP status and Kratos's own error body.
//!
//! [Ory Identities (Kratos)]: https://www.ory.com/docs/kratos/ory-kratos-intro
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod bulk;
mod client;
mod error;
mod http;
mod models;
mod paging;
#[cfg(test)]
mod testing;

// The crates whose types appear in this crate's API, so that a user needs
// no dependency of their own (nor matching features) to name `Uuid`,
// `OffsetDateTime` or `Value`.
pub use serde_json;
pub use time;
/// The HTTP client underneath, for [`ClientBuilder::agent`] (so that the
/// `ureq` you configure is the one this crate was built with).
pub use ureq;
pub use uuid;

pub use api::args::{ListArg, ListItem};
pub use api::builder::RequestBuilder;
pub use api::endpoint::Endpoint;
pub use api::flows::CreateTestLoginFlow;
pub use api::identities::{
    GetIdentity, GetIdentityByExternalId, GetIdentityByExternalIdParams, GetIdentityParams,
    ListIdentities, ListIdentitiesParams, ListIdentitiesRaw,
};
pub use api::identity_writes::{
    BatchPatchIdentities, CreateIdentity, DeleteIdentity, DeleteIdentityCredentials, PatchIdentity,
    PatchIdentityParams, UpdateIdentity, UpdateIdentityParams,
};
pub use api::metadata::GetVersion;
pub use api::operation::{Operation, RateLimitBucket};
pub use api::recovery::{CreateRecoveryCodeForIdentity, CreateRecoveryLinkForIdentity};
pub use api::schemas::{GetIdentitySchema, ListIdentitySchemas};
pub use api::sessions::{
    DeleteIdentitySessions, DisableSession, ExtendSession, GetSession, ListIdentitySessions,
    ListSessions, MANAGE_SESSIONS_MAX_IDS, ManageSessions,
};
pub use api::{IdentityOp, IncludeCredentials, MissingOk};
pub use bulk::import::{
    DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_SPLIT_REQUESTS, DEFAULT_PLAINTEXT_CHUNK_SIZE, ImportError,
    ImportFailure, ImportIdentities, ImportOutcome, ImportOutcomes, ImportReport, MAX_CHUNK_SIZE,
    MAX_CHUNK_SIZE_WITH_PLAINTEXT_PASSWORDS,
};
pub use client::{
    ClientBuilder, DEFAULT_BATCH_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, IdentityClient,
};
pub use error::{
    ApiError, ConfigErrorKind, DecodeError, Error, GenericError, InvalidInputKind,
    PaginationErrorKind, TransportErrorKind,
};
pub use http::response::{Headers, Response};
pub use http::retry::RetryPolicy;
pub use models::*;
pub use paging::items::Items;
pub use paging::page::Page;
pub use paging::paginated::{PageNumbers, Paginated};
pub use paging::position::ListPosition;
pub use paging::walk::Pages;

/// Compile-time proof that the client and builders can be shared and sent
/// across threads.
const _: () = {
    const fn shareable<T: Send + Sync + Clone + std::fmt::Debug>() {}
    const fn sendable<T: Send + Sync + std::fmt::Debug + 'static>() {}
    shareable::<IdentityClient>();
    shareable::<RequestBuilder<ListIdentities>>();
    shareable::<RequestBuilder<CreateIdentity>>();
    sendable::<Error>();
};

/// Compiles the README's examples as doc tests, so they cannot rot (some
/// use the fake, a dev-dependency).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
