//! The manual: one chapter per subject, beside the reference of each item.
//!
//! The crate's [front page](crate) shows how a call is made and lists every
//! operation; each item's page says what that item does. These chapters
//! tell what holds across items, and why:
//!
//! - [`pagination`]: listing any number of items lazily, resuming to the
//!   item after a crash, and what stops a walk.
//! - [`bulk_import`]: importing any number of identities exactly once,
//!   dirty data included: what each outcome means, checkpoints, chunking.
//! - [`migration`]: moving a user base with its credentials to another
//!   Kratos, for the target's version.
//! - [`password_hashes`]: the hash formats Kratos imports, with a working
//!   example each, and the hashes it would store unusable.
//! - [`versions`]: Kratos v26.2.0 and master, and where they differ.
//! - [`rate_limits`]: Ory Network's rate limits, pacing, and running calls
//!   side by side with `fan_out`.
//! - [`reliability`]: timeouts, deadlines, retries (what is retried, and
//!   which requests), deletes and filters that are safe by default, and
//!   where the API key goes.
//! - [`errors`]: the one error type, what its messages say, and what they
//!   never show.
//! - [`models`]: typed models that read forgivingly and write strictly,
//!   your own traits type, raw JSON, and values Ory adds later.
//! - [`logging`]: what is logged at which level, and what never is.
//! - [`testing`]: testing your own code against the fake Kratos, with
//!   faults aimed at one call.
//!
//! The chapters hold no items: they are documentation only.

pub mod bulk_import;
pub mod errors;
pub mod logging;
pub mod migration;
pub mod models;
pub mod pagination;
pub mod password_hashes;
pub mod rate_limits;
pub mod reliability;
pub mod testing;
pub mod versions;
