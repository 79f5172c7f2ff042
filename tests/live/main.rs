//! The live suite: one set of scenarios, written once, run against any
//! Kratos.
//!
//! - With `KRATOS_LIVE_ADMIN_URL` and `KRATOS_LIVE_PUBLIC_URL` set, against
//!   that server (and, for the migration, the one named by
//!   `KRATOS_LIVE_TARGET_ADMIN_URL` and `KRATOS_LIVE_TARGET_PUBLIC_URL`).
//! - Unset, against `FakeKratos` in this process, once as v26.2.0 and once as
//!   master, so that every scenario runs on every `cargo test`.
//!
//! It is safe against a server with real users (see `backend.rs`): it only
//! touches what it created, under an email domain of its own, and deletes
//! it again. The README's "Testing against a real Kratos" says how to start
//! servers for it with `tests/live/kratos.yml`.
//!
//! Where v26.2.0 and master really differ, a scenario branches on
//! [`Backend::line`](backend::Backend) and says which version does what;
//! nowhere else.

mod backend;
#[path = "../common/hashes.rs"]
mod hashes;
mod identities;
mod import;
mod invariants;
mod migrate;
mod pagination;
mod patch;
mod recovery;
mod schemas;
mod sessions;
mod unsupported;
