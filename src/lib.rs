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
//! # A map of the crate
//!
//! - **The client**: [`IdentityClient`], from [`IdentityClient::new`],
//!   [`IdentityClient::from_env`] or, to set a key, timeouts, headers,
//!   retries ([`RetryPolicy`]) and pacing, [`IdentityClient::builder`]
//!   ([`ClientBuilder`]). Cheap to clone, `Send + Sync`.
//! - **The operations**: one method of [`IdentityClient`] each (the table
//!   below). Each returns a [`RequestBuilder`]: chain the optional setters,
//!   then [`send`](RequestBuilder::send) (or
//!   [`send_with_info`](RequestBuilder::send_with_info) for the status and
//!   headers too). Each method's page lists its setters, its errors and
//!   where Kratos versions differ.
//! - **Errors**: one [`Error`] enum for every call; [`ApiError`] holds a
//!   non-success answer with Kratos's own error body ([`GenericError`]),
//!   [`DecodeError`] the evidence of a body that did not decode.
//! - **Pagination**: a list operation's `send` returns one [`Page`];
//!   [`items`](RequestBuilder::items) and [`pages`](RequestBuilder::pages)
//!   walk every page lazily ([`Items`], [`Pages`]), and a
//!   [`ListPosition`] resumes a walk to the item.
//! - **Bulk work**: [`IdentityClient::import_identities`] imports any number
//!   of identities in chunks Kratos accepts, with one outcome per input
//!   ([`ImportIdentities`], [`ImportReport`]);
//!   [`CreateIdentityBody::from_identity`] converts an exported identity
//!   for a migration; [`IdentityClient::fan_out`] runs independent calls on
//!   a few threads.
//! - **The server's version**: [`IdentityClient::get_version`] returns a
//!   [`ServerVersion`], which says what that server imports and serves;
//!   [`check_password_hash`] says whether it would take a password hash.
//! - **Testing your code**: the `kratos-identity-fake` crate of this
//!   workspace ([`FakeKratos`]) is a stateful fake of the admin API on a
//!   loopback port, with faults on demand; use it as a dev-dependency.
//!
//! The request and response bodies are plain structs and enums at the
//! crate root ([`Identity`], [`Session`], [`CreateIdentityBody`], …). The
//! operation types ([`ListIdentities`], [`GetSession`], …) are named only
//! to store a builder or an iterator (`Items<ListIdentities>`); what is
//! inside them lives in [`params`], which you never need to name.
//!
//! # The manual
//!
//! The [`guide`] has a chapter per subject, for what holds across items:
//! how a walk over pages resumes, what each outcome of an import means,
//! what Kratos does with a password hash, what is retried, and more.
//!
//! # Operations
//!
//! | method | HTTP call | `send()` returns |
//! |---|---|---|
//! | [`list_identities`](IdentityClient::list_identities) | `GET /admin/identities` | [`Page`] of [`Identity<T>`] |
//! | [`get_identity`](IdentityClient::get_identity) | `GET /admin/identities/{id}` | [`Identity<T>`] |
//! | [`get_identity_by_external_id`](IdentityClient::get_identity_by_external_id) | `GET /admin/identities/by/external/{externalID}` | [`Identity<T>`] |
//! | [`create_identity`](IdentityClient::create_identity) | `POST /admin/identities` | [`Identity<T>`] |
//! | [`update_identity`](IdentityClient::update_identity) | `PUT /admin/identities/{id}` | [`Identity<T>`] |
//! | [`patch_identity`](IdentityClient::patch_identity) | `PATCH /admin/identities/{id}` | [`Identity<T>`] |
//! | [`batch_patch_identities`](IdentityClient::batch_patch_identities) | `PATCH /admin/identities` | [`BatchPatchIdentitiesResponse`] |
//! | [`delete_identity`](IdentityClient::delete_identity) | `DELETE /admin/identities/{id}` | [`Deleted`] |
//! | [`delete_identity_credentials`](IdentityClient::delete_identity_credentials) | `DELETE /admin/identities/{id}/credentials/{type}` | [`Deleted`] |
//! | [`delete_identity_sessions`](IdentityClient::delete_identity_sessions) | `DELETE /admin/identities/{id}/sessions` | [`Deleted`] |
//! | [`list_identity_sessions`](IdentityClient::list_identity_sessions) | `GET /admin/identities/{id}/sessions` | [`Page`] of [`Session`] |
//! | [`list_sessions`](IdentityClient::list_sessions) | `GET /admin/sessions` | [`Page`] of [`Session`] |
//! | [`get_session`](IdentityClient::get_session) | `GET /admin/sessions/{id}` | [`Session`] |
//! | [`disable_session`](IdentityClient::disable_session) | `DELETE /admin/sessions/{id}` | [`Deleted`] |
//! | [`extend_session`](IdentityClient::extend_session) | `PATCH /admin/sessions/{id}/extend` | `Option<`[`Session`]`>` |
//! | [`manage_sessions`](IdentityClient::manage_sessions) (master only) | `POST /admin/sessions` | [`ManageSessionsResponse`] |
//! | [`create_recovery_code_for_identity`](IdentityClient::create_recovery_code_for_identity) | `POST /admin/recovery/code` | [`RecoveryCodeForIdentity`] |
//! | [`create_recovery_link_for_identity`](IdentityClient::create_recovery_link_for_identity) | `POST /admin/recovery/link` | [`RecoveryLinkForIdentity`] |
//! | [`list_identity_schemas`](IdentityClient::list_identity_schemas) | `GET /schemas` | [`Page`] of [`IdentitySchemaContainer`] |
//! | [`get_identity_schema`](IdentityClient::get_identity_schema) | `GET /schemas/{id}` | [`serde_json::Value`] |
//! | [`create_test_login_flow`](IdentityClient::create_test_login_flow) (master only) | `POST /admin/test-login-flows` | [`LoginFlow`] |
//! | [`get_version`](IdentityClient::get_version) | `GET /version` | [`ServerVersion`] |
//! | [`import_identities`](IdentityClient::import_identities) | `PATCH /admin/identities`, in chunks | [`ImportReport`], or the outcomes one by one |
//! | [`fan_out`](IdentityClient::fan_out) | any, on at most `n` threads | `Vec<R>`, in input order |
//!
//! `T` is `serde_json::Value` unless [`traits`](RequestBuilder::traits)
//! names your own type. "Master only": Kratos v26.2.0 does not serve it,
//! and the error says so ([`Error::is_unsupported_operation`]).
//! [`Operation`] names each of them in errors and logs, with its
//! [`RateLimitBucket`] on Ory Network.
//!
//! **Arguments.** Id arguments ([`IdArg`]) accept `&str`, `String`,
//! `&String`, `Uuid` or `&Uuid`, in the client's methods and in the body
//! constructors alike (`CreateRecoveryLinkForIdentityBody::new("9f42…")`).
//! An id in a body or a filter that is not a UUID is refused before
//! sending, and so is a path id that is not one with `.missing_ok(true)`
//! (Kratos would answer 404, and a wrong argument would read as "already
//! gone"). The repeated query parameters (`ids`, `include_credential`,
//! `expand`) take any [`ListArg`]. Where the OpenAPI document has an enum,
//! the typed value and its string both work (`.expand([SessionExpand::Devices])`
//! or `.expand(["devices"])`). Setters never fail: bad input comes back
//! from `send()` as [`Error::InvalidInput`] (with an [`InvalidInputKind`]),
//! and nothing is sent.
//!
//! # Features and dependencies
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls with the webpki roots. No OpenSSL. |
//! | `native-tls` | no | TLS through the platform's library and its trust store (OpenSSL on Linux). Takes precedence over `rustls` when both are on. |
//! | `gzip` | yes | Accepts gzip-compressed answers. |
//!
//! Without a TLS feature (a plain-HTTP admin port on a private network), an
//! `https://` base URL is an [`Error::Config`] from
//! [`build`](ClientBuilder::build), unless you bring your own
//! [`ureq::Agent`](ClientBuilder::agent).
//!
//! Dependencies: `ureq` (no async runtime), `serde`, `serde_json`, `time`,
//! `uuid`, `thiserror`, `log`, and two crates already in the tree through
//! ureq: `percent-encoding` (to encode URL parts) and, with the `rustls`
//! feature, `rustls` (only to recognise TLS handshake errors).
//! `cargo tree -e normal -p kratos-identity` lists 46 crates with the
//! default features and 29 with none. `uuid`, `time`, `serde_json` and
//! `ureq` are re-exported, so naming their types needs no dependency of
//! your own.
//!
//! **MSRV**: Rust 1.88 (`rust-version`; checked with
//! `cargo +1.88 check --workspace --all-targets` on the repository's lock
//! file, and by clippy's `incompatible_msrv`). Raising it is a minor
//! version bump. Set your own `rust-version` and Cargo's MSRV-aware
//! resolver picks dependencies that build on it (without, a newer toolchain
//! may pick a `uuid` that needs 1.89).
//!
//! [`FakeKratos`]: https://docs.rs/kratos-identity-fake/latest/kratos_identity_fake/struct.FakeKratos.html
//! [Ory Identities (Kratos)]: https://www.ory.com/docs/kratos/ory-kratos-intro
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Rustdoc lists the methods of `IdentityClient` in the order of the modules
// that hold them: the client's constructors first, then the operations
// (grouped by resource in `api`), then the bulk work.
mod client;

mod api;
mod bulk;
mod error;
pub mod guide;
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
    GetIdentity, GetIdentityByExternalId, ListIdentities, ListIdentitiesRaw,
};
pub use api::identity_writes::{
    BatchPatchIdentities, CreateIdentity, DeleteIdentity, DeleteIdentityCredentials, PatchIdentity,
    UpdateIdentity,
};
pub use api::metadata::GetVersion;
pub use api::operation::{Operation, RateLimitBucket};
pub use api::recovery::{CreateRecoveryCodeForIdentity, CreateRecoveryLinkForIdentity};
pub use api::schemas::{GetIdentitySchema, ListIdentitySchemas};
pub use api::sessions::{
    DeleteIdentitySessions, DisableSession, ExtendSession, GetSession, ListIdentitySessions,
    ListSessions, MANAGE_SESSIONS_MAX_IDS, ManageSessions,
};
pub use api::{IncludeCredentials, MissingOk};
pub use bulk::import::{
    DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_RESENDS, DEFAULT_MAX_SPLIT_REQUESTS,
    DEFAULT_PLAINTEXT_CHUNK_SIZE, IdentifierKind, ImportCheck, ImportError, ImportFailure,
    ImportIdentities, ImportOutcome, ImportOutcomes, ImportPosition, ImportReport, MAX_CHUNK_SIZE,
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

/// What is inside the operation types; you never name these.
///
/// Each builder is reached through its [`IdentityClient`] method and set up
/// with its setters. These types are public only because the operation
/// types show them ([`ListIdentities`] is `IdentityOp<ListIdentitiesParams>`,
/// …).
pub mod params {
    pub use crate::api::IdentityOp;
    pub use crate::api::identities::{
        GetIdentityByExternalIdParams, GetIdentityParams, ListIdentitiesParams,
    };
    pub use crate::api::identity_writes::{PatchIdentityParams, UpdateIdentityParams};
}

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

/// Compiles the README's examples as doc tests, so they cannot rot. They
/// are plain (GitHub shows hidden lines) and need no fake: those that need
/// a server are `no_run`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
