//! Errors: one type for every call, messages you can act on, and nothing
//! secret or personal in them.
//!
//! Every call fails with the one [`Error`](crate::Error) enum (the import
//! aside, which gives each input its own
//! [`ImportError`](crate::ImportError)). Every message names the call
//! first, then says what happened (the [`Error`](crate::Error) page shows
//! a 404's):
//!
//! ```text
//! list_identities (GET /admin/identities): could not connect to http://127.0.0.1:4434
//! list_identities (GET /admin/identities): invalid input: organization_id is empty, and Kratos reads an empty filter as no filter: it would list every identity
//! ```
//!
//! The variants say what went wrong, each with what a program needs to act
//! on it: [`Api`](crate::Error::Api) (an [`ApiError`](crate::ApiError): the
//! status, Kratos's error body, the raw body of a proxy's page, the
//! `Ory-Error-Id`, any `Retry-After`), [`Transport`](crate::Error::Transport)
//! (a [`TransportErrorKind`](crate::TransportErrorKind)),
//! [`Decode`](crate::Error::Decode) (a [`DecodeError`](crate::DecodeError)),
//! [`RateLimited`](crate::Error::RateLimited) (see
//! [rate limits](super::rate_limits)), and
//! [`InvalidInput`](crate::Error::InvalidInput) (nothing was sent),
//! [`Config`](crate::Error::Config) and
//! [`Pagination`](crate::Error::Pagination), each with a kind to match on,
//! and [`BodyTooLarge`](crate::Error::BodyTooLarge). The
//! [`Error`](crate::Error) page shows how to match them so that new
//! variants and fields do not break your code.
//!
//! A call that was retried says so at the end of its message
//! (`(gave up after 4 attempts)`).
//!
//! Helpers answer the usual questions without a match:
//! [`status`](crate::Error::status), [`operation`](crate::Error::operation),
//! [`attempts`](crate::Error::attempts),
//! [`retry_after`](crate::Error::retry_after),
//! [`is_not_found`](crate::Error::is_not_found),
//! [`is_conflict`](crate::Error::is_conflict),
//! [`is_rate_limited`](crate::Error::is_rate_limited),
//! [`is_unsupported_operation`](crate::Error::is_unsupported_operation),
//! [`is_timeout`](crate::Error::is_timeout),
//! [`transport_kind`](crate::Error::transport_kind),
//! [`api`](crate::Error::api), [`kratos_error`](crate::Error::kratos_error),
//! [`decode_error`](crate::Error::decode_error).
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.any_request(); then.status(404).body(r#"{"error":{"code":404,"message":"Unable to locate the resource","reason":"could not find identity"}}"#); });
//! # let client = kratos_identity::IdentityClient::new(server.base_url())?;
//! match client.get_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13").send() {
//!     Ok(identity) => println!("{}", identity.id),
//!     Err(e) if e.is_not_found() => println!("no such identity"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! # What a message says
//!
//! **The path is the one requested**: the base URL's own path prefix and
//! the operation's template (`GET /kratos/admin/identities/{id}`), so a base
//! URL with a wrong prefix shows; never a value from the query.
//!
//! **Each message says its own part once.** A layer's `Display` describes
//! that layer, and the cause comes from
//! [`source()`](std::error::Error::source) (the Rust convention, as in
//! `std::io::Error`), so `anyhow`'s `{:#}` prints
//! `list_identities (GET /admin/identities): could not connect to http://127.0.0.1:4434: io: Connection refused (os error 111)`
//! with nothing repeated. An [`ImportError`](crate::ImportError) follows
//! the same rule, down to the operating system's reason.
//!
//! **No secret and no personal data.** No `Display` or `Debug` of an error
//! (or of a request builder) holds the API key, a query value (a
//! `credentials_identifier` is an email address), or a value from a response
//! body (a password hash, a recovery code or link, a session token);
//! excerpts of a proxy's page lose the client's key and whatever follows
//! `Bearer `. Kratos's own `message` and `reason` are passed on as they
//! come, and they quote some values Kratos refuses (`"not-an-email" is not
//! valid "email"`). A body that does not decode is described by the JSON
//! path of the field that failed, the line and column, the `id` of the
//! item, and serde's message with the values taken out (for a body that is
//! not JSON at all, its start):
//!
//! ```text
//! list_identities (GET /admin/identities): the item at index 17 of the page (id 9f425a8d-7efc-4768-8f23-7647a74fdf13) does not decode as Identity<Traits>: at traits.age: invalid type: string, expected u32 (line 1, column 20523)
//! ```
//!
//! [Logging](super::logging) keeps the same promises.
