//! Bulk import: any number of identities, each created exactly once, with
//! dirty data handled.
//!
//! [`import_identities`](crate::IdentityClient::import_identities) takes any
//! iterator of [`CreateIdentityBody`](crate::CreateIdentityBody), reads it
//! only as chunks fill, and sends the chunks with
//! [`batch_patch_identities`](crate::IdentityClient::batch_patch_identities).
//! Every input gets exactly one [`ImportOutcome`](crate::ImportOutcome), in
//! input order, that says what is true on the server: created (with the new
//! id), already there, a duplicate of an earlier input, refused, or (only
//! when no lookup can settle it) of unknown outcome.
//!
//! ```
//! # #[cfg(kratos_fake_doctests)] {
//! # let kratos = kratos_identity_fake::FakeKratos::start();
//! # let client = kratos.client();
//! # client.import_identities([kratos_identity::CreateIdentityBody::new("default", serde_json::json!({"email": "user3@example.com"}))]).send();
//! use kratos_identity::CreateIdentityBody;
//! use serde_json::json;
//!
//! let person = |i: usize| CreateIdentityBody::new("default", json!({ "email": format!("user{i}@example.com") }));
//! let mut people: Vec<_> = (0..100).map(person).collect();
//! people[10] = person(10).hashed_password("md5:not-a-hash"); // no format Kratos knows
//! people.push(person(7)); // the same person again
//!
//! let report = client.import_identities(people).send();
//! println!("{report}"); // 98 created, 1 already existed, 2 failed (1 duplicate within the import)
//! for failure in &report.failures {
//!     // input 100: not created: a duplicate of input 7 (the same password identifier), which came first
//!     eprintln!("input {}: {}", failure.index, failure.error);
//! }
//! assert_eq!((report.created, report.already_existed.len(), report.failures.len()), (98, 1, 2));
//! # }
//! ```
//!
//! [`send`](crate::ImportIdentities::send) runs the whole import and returns
//! an [`ImportReport`](crate::ImportReport): the counts, the created ids, the
//! inputs that already existed, the failures, and what settling them cost
//! ([`lookups`](crate::ImportReport::lookups),
//! [`resent`](crate::ImportReport::resent)).
//! [`is_success`](crate::ImportReport::is_success) is true when everything
//! was created or already existed, so a re-run of a finished import
//! succeeds. [`outcomes`](crate::ImportIdentities::outcomes) streams the
//! outcomes a chunk at a time instead, and
//! [`check`](crate::ImportIdentities::check) tells what an import would
//! refuse before sending, without sending a write. The report, the outcomes
//! and `send()` are `#[must_use]`: a report dropped unread is a compiler
//! warning.
//!
//! # What each outcome means
//!
//! | outcome ([`ImportError`](crate::ImportError)) | meaning | [`is_safe_to_resend`](crate::ImportError::is_safe_to_resend) |
//! |---|---|---|
//! | [`Rejected`](crate::ImportError::Rejected) | Kratos refused this input for its own reason (its error says why) | yes (fix it first) |
//! | [`AlreadyExists`](crate::ImportError::AlreadyExists) | 409, or found by a lookup: the identifier or `external_id` exists, typically from an earlier run | yes |
//! | [`IdentifierTaken`](crate::ImportError::IdentifierTaken) | with [`verify_conflicts(true)`](crate::ImportIdentities::verify_conflicts): another identity holds its identifier, external id or address | yes (after you decide who it is) |
//! | [`Duplicate`](crate::ImportError::Duplicate) | an earlier input of the same import has its identifier or external id; never sent (found after Kratos's 409 when the schema cannot be read) | yes |
//! | [`ConflictUnverified`](crate::ImportError::ConflictUnverified) | 409, and with the schema unreadable no lookup could tell this record from another person's | yes |
//! | [`InvalidPasswordHash`](crate::ImportError::InvalidPasswordHash) | its hash is one the target would refuse or store unusable; never sent | yes (fix it first) |
//! | [`CredentialNotImportable`](crate::ImportError::CredentialNotImportable) | the target's version cannot import one of its credential types; never sent | yes (leave them out) |
//! | [`NotCreated`](crate::ImportError::NotCreated) | the whole request was refused (a 4xx, a 429 after the retries), never sent (a DNS or connect failure), or refused with 400 and not split down to this input | yes |
//! | [`OutcomeUnknown`](crate::ImportError::OutcomeUnknown) | the request may have been processed and a lookup could not settle it | **no**: look it up |
//! | [`NoResult`](crate::ImportError::NoResult) | the server answered without an entry for this input, and a lookup could not settle it | **no**: look it up |
//! | [`NotAttempted`](crate::ImportError::NotAttempted) | read, but not sent because the import stopped | yes |
//! | [`TooLarge`](crate::ImportError::TooLarge), [`NotSerializable`](crate::ImportError::NotSerializable) | never sent | yes |
//!
//! # What the import does so that no input is lost, doubled or left to you
//!
//! **What the server would refuse is refused before sending**, as the
//! input's own outcome, costing no request and sinking no batch: a password
//! hash Kratos does not know, cannot read, or (on master) bounds
//! ([`InvalidPasswordHash`](crate::ImportError::InvalidPasswordHash); the
//! [password hashes](super::password_hashes) chapter has every format), and
//! a credential type the target's version cannot import
//! ([`CredentialNotImportable`](crate::ImportError::CredentialNotImportable);
//! see [versions](super::versions)). The server's version is asked once,
//! and only when it decides.
//!
//! **Duplicates inside one import are found before anything is sent.** The
//! import reads each identity schema it needs once
//! ([`get_identity_schema`](crate::IdentityClient::get_identity_schema)) and
//! derives every input's login identifiers from its traits as Kratos does
//! (the schema's `ory.sh/kratos` extension: `credentials.password.identifier`,
//! `code.identifier`, `webauthn.identifier`, …, trimmed and lower-cased
//! where Kratos does), beside its `external_id`, its addresses and its
//! OIDC/SAML links. The first input with an identifier wins, whatever
//! chunking or splitting does later; each later one is
//! [`Duplicate`](crate::ImportError::Duplicate): never sent, not a success,
//! and not "already existed". An outcome names the kind of identifier
//! ([`IdentifierKind`](crate::IdentifierKind)), never its value. When a
//! schema cannot be read, a 409 is looked up by the string traits instead,
//! and an input found to be the same person as an earlier one is a
//! `Duplicate` all the same.
//!
//! **Unknown outcomes are settled, by default.** After a timeout, a 5xx, a
//! broken connection or an answer without an entry for an input, the
//! request may have been processed. The import looks each such input up
//! (by `external_id`, else by an identifier) and reports what is true:
//! created (with its id), already existing, or, not found, sent again. An
//! input with nothing to look it up by, or whose lookup fails, stays
//! [`OutcomeUnknown`](crate::ImportError::OutcomeUnknown); after one failed
//! lookup, the other inputs of that request stay unknown at once.
//! [`resolve_unknown`](crate::ImportIdentities::resolve_unknown) says how
//! each case is told (and how "created before the import" is judged), and
//! turns the lookups off.
//!
//! Each settled input costs one request: by `external_id` when it has one
//! (an indexed lookup), else by `credentials_identifier`. On PostgreSQL,
//! what production Kratos runs on, both are fast however many identities
//! are stored. On SQLite the `credentials_identifier` lookup is slow, slower
//! as identities are added, and blocks writers meanwhile: give inputs an
//! `external_id` for a large import into a server on SQLite. `DEVELOPMENT.md`
//! has the measurements, and `cargo bench --bench exactly_once` shows an
//! import through lost answers ending with every input created once.
//!
//! **What "already existed" means.** By default a 409 is
//! [`AlreadyExists`](crate::ImportError::AlreadyExists): some identity holds
//! that identifier or external id, typically one an earlier run of the same
//! import created. [`verify_conflicts(true)`](crate::ImportIdentities::verify_conflicts)
//! tells the same record from another person holding the identifier, at
//! the cost of lookups.
//!
//! **Batch requests are retried** only when they certainly did not reach
//! the server, or got a 429, so nothing is created twice (see
//! [reliability](super::reliability)).
//!
//! # One bad input costs only itself
//!
//! Kratos still refuses a whole batch for reasons no client can foresee (a
//! 400 or 413 for what one input carries), and with 409 when the batch holds
//! only one valid identity and that one conflicts. Nothing was created, so
//! the import splits the chunk until each refused input has its own outcome,
//! with the server's reason, and every other input is created. It cuts the
//! chunk in halves until it has seen how many inputs are refused, then into
//! groups of about one refused input each (Hwang's generalized binary
//! splitting), each refused group cut again: `d` refused inputs among `n`
//! cost about `2d·log2(n/d)` requests while they are few (20 for one in
//! 1,000, about 430 for 50 in 1,000), about one request per input when a
//! third or more are refused, and never more than `2n`. At Ory Network's
//! Developer-plan rate for writes (5 a second), 430 requests take about a
//! minute and a half. [`max_split_requests`](crate::ImportIdentities::max_split_requests)
//! caps it; its default is never reached by a chunk of 1,000.
//!
//! # A server that refuses everything stops it; bad data never does
//!
//! The import stops, and **no further input is read** from the iterator,
//! only on evidence that the next chunk would fail too:
//!
//! - [`stop_after_failed_chunks`](crate::ImportIdentities::stop_after_failed_chunks)
//!   requests in a row (by default the first) could not reach the server,
//!   had the credentials refused, stayed rate limited, or could not be
//!   built;
//! - a chunk was refused as a whole, and then a batch of no identities
//!   (which Kratos answers 200, and which no content can make wrong) was
//!   refused too: a proxy or firewall refuses every batch. This is asked
//!   once per kind of refusal;
//! - three chunks in a row met a server error (a 5xx, a timeout) and none of
//!   their inputs was created, lookups and resends included.
//!
//! Never on a count of refused inputs: bad data is the inputs' own, and with
//! 30% or 60% of the inputs refused for themselves, the import reads its
//! input to the end. Inputs already read but not sent (the rest of a split
//! chunk, an input held back for the next chunk) are
//! [`NotAttempted`](crate::ImportError::NotAttempted), and the outcomes end
//! there; [`stopped`](crate::ImportReport::stopped) says why and
//! [`resume_position`](crate::ImportReport::resume_position) where to resume.
//!
//! # Checkpoints: resume after a crash
//!
//! [`checkpoint`](crate::ImportIdentities::checkpoint) is called with the
//! import's [`ImportPosition`](crate::ImportPosition) just before each chunk
//! is sent; save it atomically, and after a crash (even `kill -9`) the same
//! inputs with [`resume`](crate::ImportIdentities::resume) continue exactly:
//! no input is sent twice, and the ones that may have been sent when the job
//! died are looked up first. A job that cannot read its inputs again cheaply
//! (a migration reading them from another Kratos) gives them from
//! [`first_unsettled`](crate::ImportPosition::first_unsettled) on, with
//! [`inputs_start_at`](crate::ImportIdentities::inputs_start_at).
//!
//! ```
//! # #[cfg(kratos_fake_doctests)] {
//! # let kratos = kratos_identity_fake::FakeKratos::start();
//! # let client = kratos.client();
//! use kratos_identity::{CreateIdentityBody, ImportPosition};
//! use serde_json::json;
//!
//! let path = std::env::temp_dir().join(format!("import-{}.position", std::process::id()));
//! let inputs = || (0..1000).map(|i| CreateIdentityBody::new("default", json!({ "email": format!("user{i}@example.com") })));
//! let saved = std::fs::read_to_string(&path).ok();
//! let save = path.clone();
//! let mut import = client.import_identities(inputs()).checkpoint(move |position| {
//!     // A real job writes a temporary file, syncs it, and renames it over the last one.
//!     let _ = std::fs::write(&save, serde_json::to_string(position).unwrap_or_default());
//! });
//! if let Some(text) = saved {
//!     import = import.resume(&serde_json::from_str::<ImportPosition>(&text)?);
//! }
//! let report = import.send();
//! std::fs::write(&path, serde_json::to_string(report.resume_position())?)?;
//! println!("{report}");
//! # assert!(report.is_success());
//! # std::fs::remove_file(&path)?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/import.rs` is a complete import from NDJSON with a checkpoint
//! file.
//!
//! # Chunks and concurrency
//!
//! A chunk holds at most [`MAX_CHUNK_SIZE`](crate::MAX_CHUNK_SIZE)
//! identities, [`DEFAULT_PLAINTEXT_CHUNK_SIZE`](crate::DEFAULT_PLAINTEXT_CHUNK_SIZE)
//! when any carries a plaintext password (Kratos hashes those inside the
//! request), and stays under [`DEFAULT_MAX_CHUNK_BYTES`](crate::DEFAULT_MAX_CHUNK_BYTES)
//! (the admin server's body cap is 5 MiB);
//! [`chunk_size`](crate::ImportIdentities::chunk_size),
//! [`plaintext_chunk_size`](crate::ImportIdentities::plaintext_chunk_size),
//! [`max_chunk_bytes`](crate::ImportIdentities::max_chunk_bytes) and
//! [`timeout`](crate::ImportIdentities::timeout) change these.
//! [`concurrency`](crate::ImportIdentities::concurrency) puts more than one
//! batch in flight, with every guarantee above kept.
//!
//! An exported identity is not a create body
//! ([`CreateIdentityBody`](crate::CreateIdentityBody) reads strictly, like
//! Kratos): convert one as the [migration](super::migration) chapter shows.
