//! Logging: a record per attempt, warnings for what you should know, and
//! never a secret.
//!
//! The client logs through the [`log`](https://docs.rs/log) facade, as ureq
//! does; install any logger (`env_logger`, `simplelog`, …) to see it:
//!
//! - `debug`: one record per attempt: the operation, method, path, status,
//!   time taken and attempt number
//!   (`list_identities: GET /admin/identities -> 200 in 12 ms (attempt 1)`);
//! - `warn`: retries and their wait, waits of half a second or more for a
//!   rate-limit budget, a pagination stop on a repeated page token, a page
//!   with items that did not decode, an import that stops, the start of the
//!   split of a refused chunk;
//! - `trace`: the short pacing waits.
//!
//! Never logged: the API key, request or response bodies, query values (a
//! `credentials_identifier` is an email address). Path ids are, except an
//! external id (often an email address): its calls log the path template,
//! `/admin/identities/by/external/{externalID}`.
//!
//! These promises cover this crate's records. ureq logs too, under its own
//! targets (`ureq`, `ureq_proto`): at `debug` it masks URLs and headers, but
//! at `trace` it logs the full URL of each request, query values included,
//! and hex dumps of requests and answers, the `Authorization` header and
//! the bodies among them. Keep those targets at `debug` or quieter wherever
//! logs are kept (with `env_logger`:
//! `RUST_LOG=trace,ureq=warn,ureq_proto=warn`).
