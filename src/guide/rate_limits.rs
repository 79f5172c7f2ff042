//! Rate limits and concurrency: Ory Network's pacing, and independent calls
//! side by side with `fan_out`.
//!
//! # Ory Network's limits
//!
//! Ory Network limits the admin API per project and per rate-limit bucket
//! ([`RateLimitBucket`](crate::RateLimitBucket): writes, lists, single
//! reads; [`Operation::rate_limit_bucket`](crate::Operation::rate_limit_bucket) says which an
//! operation counts against): about 5 requests a second on a Developer
//! plan, 9 to 35 on larger ones. Every answer says what is left
//! (`x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset`).
//!
//! # Pacing
//!
//! The client paces each bucket to the quota the answers announce (the
//! plain form, or the IETF draft's `10, 10;w=1, 300;w=60`, whose strictest
//! policy wins), with a 2% margin, and when a window's budget runs out it
//! waits for the next window instead of spending requests on 429s. The
//! state is shared by every clone of the client, in any number of threads,
//! so eight threads deleting identities stay under the limit together.
//! Answers without the headers (self-hosted Kratos) are never paced.
//! [`ClientBuilder::pacing(false)`](crate::ClientBuilder::pacing) turns it
//! off. A 429 is still retried after the wait it names (see
//! [`RetryPolicy`](crate::RetryPolicy)).
//!
//! A pacing wait is never longer than the retry policy's
//! [`max_retry_after`](crate::RetryPolicy::max_retry_after) or what is left
//! of the call's deadline. When the budget comes back later than that (Ory's
//! temporary block answers `x-ratelimit-remaining: 0` with a reset an hour
//! away; a proxy may send absurd windows), the call is not sent and fails at
//! once with [`Error::RateLimited`](crate::Error::RateLimited), whose
//! [`retry_after`](crate::Error::retry_after) says when to come back;
//! [`is_rate_limited`](crate::Error::is_rate_limited) is true for it and for
//! a 429 alike. One request every `max_retry_after` (at least a second)
//! goes through all the same to see whether the budget is back, so headers
//! a proxy made up, or a block that ended early, do not hold the bucket for
//! their whole length.
//!
//! # Bounded concurrency
//!
//! [`fan_out`](crate::IdentityClient::fan_out) runs a function over many
//! inputs on a few scoped threads of one client, and returns the results in
//! input order. The threads share the client's pacing, so more threads do
//! not mean more 429s:
//!
//! ```no_run
//! use kratos_identity::IdentityClient;
//!
//! let client = IdentityClient::builder("https://my-slug.projects.oryapis.com")
//!     .bearer_token(std::env::var("ORY_API_KEY").unwrap_or_default())
//!     .build()?;
//! let stale: Vec<kratos_identity::uuid::Uuid> = Vec::new(); // from your own records
//! let results = client.fan_out(&stale, 8, |client, id| {
//!     client.delete_identity(id).missing_ok(true).send()
//! });
//! let failed = results.iter().filter(|r| r.is_err()).count();
//! println!("{} deleted, {failed} failed", stale.len() - failed);
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! Ory Network refuses concurrent writes to the same identity path with 429
//! (the same id, or `/admin/identities` itself for creates and batches):
//! fan out over different identities, and send batch imports one at a time,
//! as [`import_identities`](crate::IdentityClient::import_identities) does
//! against Ory Network whatever its
//! [`concurrency`](crate::ImportIdentities::concurrency).
//!
//! `cargo bench --bench scale` measures `fan_out` against a sequential loop
//! and pacing against a server that enforces Ory Network's limit;
//! `DEVELOPMENT.md` has a sample run.
