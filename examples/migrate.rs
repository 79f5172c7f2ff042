//! Copies every identity, credentials included, from one Kratos to another,
//! converting each for what the target's version can import.
//!
//! ```text
//! cargo run --example migrate                     # between two local demo servers
//! SOURCE_KRATOS_URL=http://127.0.0.1:4434 \
//! TARGET_KRATOS_URL=https://my-slug.projects.oryapis.com TARGET_ORY_API_KEY=ory_pat_… \
//!     cargo run --release --example migrate
//! ```
//!
//! The operators' tool does this resumably, with a report and progress:
//! `kratos-identity migrate --from URL --to URL --checkpoint FILE`
//! (`cargo install --path cli`).

use std::collections::BTreeMap;

use kratos_identity::{CreateIdentityBody, IdentityClient};
use kratos_identity_fake::FakeKratos;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let client = |url: String, key: Option<String>| {
        let builder = IdentityClient::builder(url);
        match key {
            Some(key) => builder.bearer_token(key).build(),
            None => builder.build(),
        }
    };
    // The demo servers (when no source is set) live as long as `_demos`.
    let (source, target, _demos) = match (env("SOURCE_KRATOS_URL"), env("TARGET_KRATOS_URL")) {
        (Some(from), Some(to)) => (
            client(from, env("SOURCE_ORY_API_KEY"))?,
            client(to, env("TARGET_ORY_API_KEY"))?,
            None,
        ),
        _ => {
            let (from, to) = (demo_source(), FakeKratos::start());
            eprintln!(
                "SOURCE_KRATOS_URL and TARGET_KRATOS_URL are not set: migrating between local demo servers at {} and {}",
                from.base_url(),
                to.base_url()
            );
            (from.client(), to.client(), Some((from, to)))
        }
    };

    // What can the target import? v26.2.0 takes only passwords, OIDC and
    // SAML; master takes TOTP, lookup secrets, WebAuthn and passkeys too.
    let version = target.get_version().send()?;
    eprintln!("the target runs Kratos {version}");

    // Each identity converted for that version: what it cannot import is
    // left out and named, never sent to sink a whole batch.
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    let mut without_credentials = 0usize;
    let mut unreadable = Vec::new();
    let identities = source
        .list_identities()
        .page_size(500)
        // Without it, Kratos lists identities without their credentials.
        .include_all_credentials()
        .items();
    let bodies = identities.prefetch(true).filter_map(|identity| {
        let converted = identity.and_then(|identity| {
            CreateIdentityBody::from_identity_lossy_for(&identity, &version)
                .map(|(body, dropped)| (body, dropped, identity.credentials.is_empty()))
        });
        match converted {
            Ok((body, dropped, identity_without_credentials)) => {
                // With include_all_credentials, only an identity of a schema
                // without login identifiers has none: count it apart.
                match identity_without_credentials {
                    true => without_credentials += 1,
                    false => {
                        for kind in dropped {
                            *left_out.entry(kind.to_string()).or_default() += 1;
                        }
                    }
                }
                Some(body)
            }
            Err(e) => {
                unreadable.push(e.to_string());
                None
            }
        }
    });

    // The bulk import: chunks of 1000, duplicates found before sending,
    // unknown outcomes looked up, one outcome per identity.
    let report = target
        .import_identities(bodies)
        .verify_conflicts(true)
        .send();
    println!("{} identities: {report}", report.total);
    for (kind, count) in &left_out {
        println!(
            "  left out the {kind} credentials of {count} {}",
            noun(*count)
        );
    }
    if without_credentials > 0 {
        println!(
            "  {without_credentials} {} no credentials at all (a schema without login identifiers?)",
            if without_credentials == 1 {
                "identity had"
            } else {
                "identities had"
            }
        );
    }
    for failure in report.failures.iter().take(10) {
        println!(
            "  identity {} of the source: {}",
            failure.index, failure.error
        );
    }
    for why in unreadable.iter().take(10) {
        println!("  could not be read: {why}");
    }
    if let Some(why) = report.stopped() {
        eprintln!("the import stopped: {why}");
    }
    std::process::exit(if report.is_success() && unreadable.is_empty() {
        0
    } else {
        1
    })
}

/// A demo source: realistic identities with password hashes, and one with
/// a TOTP credential that a v26.2.0 target cannot import.
fn demo_source() -> FakeKratos {
    let source = FakeKratos::builder().identities(2000).start();
    source.insert_identity(json!({
        "schema_id": "default",
        "traits": {"email": "grace@example.com"},
        "credentials": {
            "totp": {"type": "totp", "identifiers": ["grace@example.com"],
                "config": {"totp_url": "otpauth://totp/Example:grace?secret=JBSWY3DPEHPK3PXP&issuer=Example"}}
        }
    }));
    source
}

fn noun(count: usize) -> &'static str {
    if count == 1 { "identity" } else { "identities" }
}
