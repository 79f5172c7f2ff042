//! Migration: moving a user base with its credentials between self-hosted
//! Kratos and Ory Network, or between projects, for the target's version.
//!
//! A migration reads identities from the source with their credentials,
//! converts each into the body that recreates it, and imports the bodies
//! into the target with the [bulk import](super::bulk_import):
//!
//! - [`CreateIdentityBody::from_identity`](crate::CreateIdentityBody::from_identity)
//!   turns an identity into that body: what it carries, and how the export
//!   and import shapes differ (a lookup secret's codes, an OIDC link's
//!   tokens), is on its page. It refuses an identity it cannot carry whole;
//! - [`from_identity_lossy`](crate::CreateIdentityBody::from_identity_lossy)
//!   leaves out what it cannot carry instead, and names each credential type
//!   it left out, so that nothing is dropped unseen.
//!
//! Some credentials are not carried because the target makes them by
//! itself, and are neither refused nor named as left out: a `code`
//! credential, which Kratos derives from the traits when the target's
//! schema marks the email as a code identifier, and a password credential
//! that holds identifiers but no hash.
//!
//! # Read whole, with credentials
//!
//! Read the identities to migrate with the default `serde_json::Value`
//! traits and with `include_credential` or, simplest,
//! [`include_all_credentials`](crate::RequestBuilder::include_all_credentials):
//! without, Kratos sends no credentials at all, exactly as for an identity
//! that has none, and the user would arrive without a password.
//! [`from_identity`](crate::CreateIdentityBody::from_identity) says how it
//! guards against both mistakes.
//!
//! # Know the target
//!
//! Kratos v26.2.0 imports only passwords, OIDC and SAML links: a TOTP,
//! lookup secret, WebAuthn or passkey credential makes it refuse the whole
//! batch with 400 (see [versions](super::versions)). Ask the target its
//! version ([`get_version`](crate::IdentityClient::get_version)) and convert
//! for it: [`from_identity_for`](crate::CreateIdentityBody::from_identity_for)
//! refuses, and [`from_identity_lossy_for`](crate::CreateIdentityBody::from_identity_lossy_for)
//! leaves out and names, what that version cannot take, so the identities
//! themselves still migrate (their users set up those second factors
//! again). A WebAuthn credential without any key (Kratos creates one from
//! the schema when an identity is created) is never sent to such a target.
//!
//! ```
//! # #[cfg(kratos_fake_doctests)] {
//! # let source_kratos = kratos_identity_fake::FakeKratos::builder().identities(20).start();
//! # source_kratos.insert_identity(serde_json::json!({"schema_id": "default", "traits": {"email": "grace@example.com"}, "credentials": {"totp": {"type": "totp", "identifiers": ["grace@example.com"], "config": {"totp_url": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}}}}));
//! # let target_kratos = kratos_identity_fake::FakeKratos::start(); // as v26.2.0
//! # let (source, target) = (source_kratos.client(), target_kratos.client());
//! use kratos_identity::{CreateIdentityBody, Error};
//!
//! let version = target.get_version().send()?; // what the target can import
//! let mut not_migrated = Vec::new(); // nothing is dropped unseen
//! let mut left_out = std::collections::BTreeMap::new(); // credential type -> how many identities
//! let mut listing_failed = None;
//! let bodies = source.list_identities().include_all_credentials().items().prefetch(true).filter_map(|identity| {
//!     match identity.and_then(|identity| CreateIdentityBody::from_identity_lossy_for(&identity, &version)) {
//!         Ok((body, types)) => {
//!             for kind in types {
//!                 *left_out.entry(kind.to_string()).or_insert(0) += 1;
//!             }
//!             Some(body)
//!         }
//!         // One identity that does not decode or convert: the listing goes on.
//!         Err(error @ (Error::Decode { .. } | Error::InvalidInput { .. })) => {
//!             not_migrated.push(error.to_string());
//!             None
//!         }
//!         // A page that failed for good: nothing after it was read.
//!         Err(error) => {
//!             listing_failed = Some(error);
//!             None
//!         }
//!     }
//! });
//! let report = target.import_identities(bodies).send();
//! println!("{report}"); // 21 created, 0 already existed, 0 failed
//! println!("left out: {left_out:?}"); // {"totp": 1}
//! # assert!(report.is_success() && not_migrated.is_empty() && listing_failed.is_none());
//! # assert_eq!(left_out.get("totp"), Some(&1));
//! # assert_eq!(target_kratos.identity_count(), 21);
//! # }
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! The import reads the source lazily, a page ahead: a target that cannot be
//! reached, or that refuses the key, stops the import at its first chunk,
//! and nothing more is read from the source. With a
//! [checkpoint](super::bulk_import#checkpoints-resume-after-a-crash) for the
//! import and a [`ListPosition`](crate::ListPosition) for the source
//! listing, a migration continues exactly after a crash: identities already
//! copied are not sent again, and the ones that may have been sent when it
//! died are looked up on the target first (with
//! [`inputs_start_at`](crate::ImportIdentities::inputs_start_at), as the
//! source is not read again from its start). `examples/migrate.rs` is a
//! complete migration program.
//!
//! The position is by input index: the inputs read again from
//! `first_unsettled` must be the ones the crashed run read there, in the
//! same order. A source listed in id order keeps that order for the
//! identities it still has, but one created or deleted at the source
//! inside that stretch (at most the chunks that were in flight) shifts the
//! indices after it, and an identity can then be skipped as settled. Where
//! the source takes writes during the migration, finish with one more run
//! without the checkpoint: every identity already copied that has a login
//! identifier or an `external_id` is refused as already existing (409, no
//! second copy), and any that was missed is created.
//!
//! The live suite (`tests/live`) migrates between two real Kratos processes
//! and logs in on the second with the original password.
