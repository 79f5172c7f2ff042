//! Testing your code: a fake Kratos that answers as the real one does, with
//! faults aimed at one call.
//!
//! [`kratos-identity-fake`] is the other crate of this crate's workspace: a
//! stateful fake of Kratos's admin API (and of the public port's password
//! login) on a loopback port, for your own tests. It answers as Kratos does,
//! quirks included, as v26.2.0 (the default) or as master
//! (`.version(KratosVersion::Master)`): identities with their credentials
//! and Kratos's export shape, validation against the identity schema, 404
//! and 409 as Kratos answers them, the list filters and every pagination
//! scheme with real `Link` headers, batch import with per-item errors and
//! its limits, sessions, recovery codes and links, schemas, `/version`. The
//! live suite holds it to real servers of both versions, and the
//! conformance suite to the OpenAPI document. Seed it with realistic
//! identities or insert your own odd records. It stops when dropped.
//!
//! It is not on crates.io yet: add it as a dev-dependency from a checkout
//! of the repository, beside the client. As a dev-dependency, nothing of it
//! reaches your build:
//!
//! ```toml
//! [dev-dependencies]
//! kratos-identity-fake = { path = "../kratos-identity/fake" }
//! ```
//!
//! ```
//! # #[cfg(kratos_fake_doctests)] {
//! use kratos_identity::{CreateIdentityBody, IdentityClient, Operation};
//! use kratos_identity_fake::{FakeKratos, Fault};
//! use serde_json::json;
//!
//! /// The code under test: finds a user by email, or creates them.
//! fn ensure(client: &IdentityClient, email: &str) -> Result<kratos_identity::uuid::Uuid, kratos_identity::Error> {
//!     if let Some(found) = client.list_identities().credentials_identifier(email).send()?.into_items().pop() {
//!         return Ok(found.id);
//!     }
//!     let body = CreateIdentityBody::new("default", json!({ "email": email })).password("correct horse battery staple");
//!     Ok(client.create_identity(body).send()?.id)
//! }
//!
//! let kratos = FakeKratos::builder().identities(25).start(); // as v26.2.0; .version(KratosVersion::Master)
//! let client = kratos.client();
//! let ada = ensure(&client, "ada@example.com").unwrap();
//! assert_eq!(ensure(&client, "ada@example.com").unwrap(), ada); // found, not created twice
//! assert_eq!(kratos.identity_count(), 26);
//!
//! // The unhappy path, aimed at one call: the next create fails, the lookups do not.
//! kratos.add_fault(Fault::on(Operation::CREATE_IDENTITY).status(503).next(1));
//! let err = ensure(&client, "grace@example.com").unwrap_err();
//! assert_eq!(err.status(), Some(503));
//! # }
//! ```
//!
//! **Faults.** Besides global ones (`latency`, Ory Network's `rate_limit`
//! with its headers, `fail_every(n, status)` counting every request,
//! `hash_delay` per plaintext password), a `Fault` is aimed at one operation
//! (`Fault::on(Operation::CREATE_IDENTITY)`), a method and path
//! (`Fault::on_request("PATCH", "/admin/identities")`) or any request, for
//! the next n matching requests or every n-th, and answers a status, drops
//! the connection, stalls, or does the work first and then fails
//! (`.after_work()`: the 502 after a create that a client must not repeat).
//! `kratos.requests()` logs every request with its status and the fault
//! that acted on it.
//!
//! **For any language.** The crate also builds a binary that serves until
//! stopped and prints its URLs, so a Python or Go service's tests, or a
//! shell script, can run against it without Docker:
//!
//! ```sh
//! cargo install --path fake
//! kratos-identity-fake --port 4434 --identities 1000 --kratos-version master \
//!     --fault 'create_identity:503:next=2' --fault 'PATCH /admin/identities:502:every=100:after-work'
//! ```
//!
//! Its README (`fake/README.md` in the repository) lists every flag and
//! fault, and what it does not emulate.
//!
//! [`kratos-identity-fake`]: https://docs.rs/kratos-identity-fake/latest/kratos_identity_fake/
