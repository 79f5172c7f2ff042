//! Conformance with the official OpenAPI document, checked by a program we
//! did not write: [Stoplight Prism] serving `tests/spec/kratos-openapi.json`
//! (found from `CARGO_MANIFEST_DIR`).
//!
//! - [`requests_conform_to_the_spec`] starts `prism mock --errors` on the
//!   document as it is and sends every operation of the client with realistic
//!   arguments: every optional query parameter and a full body of each body
//!   type. With `--errors`, Prism answers a request that breaks the document
//!   with a 4xx and puts its validation report in the `sl-violations` header;
//!   any such answer fails the test, and the report is printed. Checks Prism
//!   does not make are added: every query parameter sent is declared for its
//!   operation; no JSON body carries a field its schema does not list
//!   (Kratos answers 400 to unknown fields, but the document does not forbid
//!   them, so Prism lets them through); every declared query parameter and
//!   body field is sent at least once (the server-assigned `id`,
//!   `created_at` and `updated_at` of addresses excepted); and the requests
//!   reach exactly the 22 operations the client implements (the IdentityApi's 21 and getVersion).
//! - [`dynamic_responses_decode_into_the_models`] sends the same operations,
//!   [`DYNAMIC_ROUNDS`] times, to `prism mock --dynamic --errors`, which
//!   answers with random responses that satisfy the schemas. Every response
//!   must decode into our models (a failure is a model bug), and, as the
//!   models ignore unknown fields, each decoded object is encoded back and
//!   compared with what was received: a declared field that does not
//!   survive (misnamed or missing in a model) fails too. One change is made
//!   to the document served there: Prism's generator does not know the
//!   format `uuid4` of the `NullUUID` schema and fills such fields
//!   (`organization_id`, `break_glass_for_organization`, …) with lorem
//!   ipsum, so the copy served in dynamic mode says `uuid`.
//! - [`spec_examples_decode_into_the_models`] needs no Prism: it decodes
//!   every `example`/`examples` the document embeds for a schema we model
//!   (whole objects, or one property placed into the smallest valid
//!   instance of its schema) and checks the value survives.
//! - [`spec_enum_values_are_known_to_the_models`] needs no Prism: every value
//!   of a spec enum that we model as a Rust enum must be a named variant.
//! - [`the_fake_answers_as_the_spec_says`] holds the crate's fake Kratos
//!   (`kratos_identity_fake::FakeKratos`) to the document: it starts
//!   `prism proxy --errors <document> <fake's base URL>` and drives every
//!   one of the 22 operations through it against a seeded fake, with
//!   inputs that make sense for a stateful server (create, then read,
//!   change and delete what was created; the list filters; every page of
//!   the lists) and the error paths (400, 404, 409), each call expecting
//!   its status ([`fake_proxy`]). Prism validates each request and fails
//!   any exchange it has something to say about (an `sl-violations` header,
//!   or an answer it wrote itself). Prism 5.14.2 validates response bodies
//!   only where its ajv compiles the schema, which it does not for the
//!   identity, session and login flow schemas (`nullable` without `type`,
//!   see [`schema_check`]): `validateOutput` accepts `[1,2,3]` for an
//!   identity. So every answer is also judged by [`schema_check`], a small
//!   validator of the JSON Schema the document uses, against the response
//!   the document declares for the operation and status (else its
//!   `default`). Any violation fails the test and is listed as
//!   `operationId HTTP status (response): /pointer: what`. Two controls run
//!   at the end: Prism must refuse a request that breaks the document
//!   without forwarding it, and the validator must refuse an identity that
//!   is wrong on purpose (which Prism lets through).
//!
//! Status codes: unless told otherwise Prism answers with the lowest success
//! status an operation lists (200, 201, or 204 for the deletes), in both
//! modes, so no `Prefer` header is needed to keep it off the 4xx and
//! `default` responses. `extend_session` lists 200 (a session) and 204 (no
//! body): it is sent once plainly and once with `Prefer: code=204`, and must
//! decode to `Some` and `None`. In static mode Prism answers with samples
//! built from the schemas, placeholders included (`"string"` for a `uuid4`),
//! so only the dynamic test judges the decoding.
//!
//! Finding Prism: the `PRISM_BIN` variable; else
//! `.cache/prism/node_modules/.bin/prism`, where `.ci/run` installs the
//! pinned version (`npm install --prefix .cache/prism @stoplight/prism-cli@5.14.2`);
//! else `prism` on `PATH`. When Prism or the document cannot be found, or
//! Prism does not answer within a minute: with `CI=true` the tests fail,
//! saying why; on a plain `cargo test` (say, on a machine without Node) they
//! print `skipping conformance: …` to stderr and pass.
//!
//! Each Prism test starts its own Prism on a free loopback port, with its
//! log in `CARGO_TARGET_TMPDIR`, and stops it (its whole process group)
//! when the test ends, failed or not.
//!
//! [Stoplight Prism]: https://github.com/stoplightio/prism

mod fake_proxy;
mod harness;
mod prism;
mod schema_check;
mod spec;

use std::collections::BTreeMap;
use std::time::Duration;

use kratos_identity::{
    AddressVia, AuthenticatorAssuranceLevel, CreateIdentityBody, CreateRecoveryCodeForIdentityBody,
    CreateRecoveryLinkForIdentityBody, CreateTestLoginFlowBody, CredentialType, IdentityPatch,
    IdentityPatchAction, IdentityState, IdentityWithCredentials,
    IdentityWithCredentialsLookupSecret, IdentityWithCredentialsLookupSecretConfig,
    IdentityWithCredentialsPasskey, IdentityWithCredentialsPasskeyConfig,
    IdentityWithCredentialsPassword, IdentityWithCredentialsPasswordConfig,
    IdentityWithCredentialsTotp, IdentityWithCredentialsTotpConfig,
    IdentityWithCredentialsWebAuthn, IdentityWithCredentialsWebAuthnConfig, JsonPatch,
    LookupSecretCode, ManageSessionsAction, ManageSessionsBody, OidcProvider, PatchIdentitiesBody,
    RecoveryIdentityAddress, Region, SamlProvider, UpdateIdentityBody, VerifiableIdentityAddress,
};
use serde_json::{Value, json};
use uuid::Uuid;

use harness::{Conformance, report};
use kratos_identity_fake::{FakeKratos, KratosVersion};
use prism::{Mode, start_or_skip, start_proxy_or_skip, unavailable};
use spec::{
    GET_VERSION_ANSWER, Spec, collect_schema_examples, media_examples, model_of, modeled_schemas,
    same_json, spec_path,
};

/// How many times the dynamic test sends every operation.
const DYNAMIC_ROUNDS: usize = 5;

/// The operations of the document that the client implements, by
/// `operationId`: the IdentityApi's 21, and `getVersion` of the metadata
/// API (which the client also asks by itself, once, before an
/// `update_identity` with credentials that v26.2.0 would drop).
const OPERATIONS: [&str; 22] = [
    "listIdentities",
    "getIdentity",
    "getIdentityByExternalID",
    "createIdentity",
    "updateIdentity",
    "patchIdentity",
    "batchPatchIdentities",
    "deleteIdentity",
    "deleteIdentityCredentials",
    "listIdentitySessions",
    "deleteIdentitySessions",
    "listSessions",
    "getSession",
    "disableSession",
    "extendSession",
    "manageSessions",
    "createRecoveryCodeForIdentity",
    "createRecoveryLinkForIdentity",
    "createTestLoginFlow",
    "listIdentitySchemas",
    "getIdentitySchema",
    "getVersion",
];

const IDENTITY_ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
const OTHER_IDENTITY_ID: &str = "3c3b1a5e-8a0f-4f3e-9d8c-0b2a7f1e6d41";
const SESSION_ID: &str = "5b4b1c73-8e0d-4c6b-a8ad-0bd1f7b2d6a4";
const OTHER_SESSION_ID: &str = "8f1e5c2a-3b4d-4e6f-8a9b-0c1d2e3f4a5b";
const ORG_ID: &str = "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11";
const PATCH_ID: &str = "aa0e8400-e29b-41d4-a716-446655440000";
const OTHER_PATCH_ID: &str = "bb0e8400-e29b-41d4-a716-446655440000";
const BCRYPT_HASH: &str = "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq";

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[test]
fn requests_conform_to_the_spec() {
    let test = "requests_conform_to_the_spec";
    let Some((spec, prism)) = start_or_skip(test, Mode::Static) else {
        return;
    };
    let mut run = Conformance::new(&spec, &prism, Mode::Static);
    exercise_every_operation(&mut run);

    let missing: Vec<&str> = OPERATIONS
        .iter()
        .copied()
        .filter(|op| !run.operations.contains(*op))
        .collect();
    if !missing.is_empty() {
        run.problems
            .push(format!("operations never reached: {}", missing.join(", ")));
    }
    let extra: Vec<&String> = run
        .operations
        .iter()
        .filter(|op| !OPERATIONS.contains(&op.as_str()))
        .collect();
    if !extra.is_empty() {
        run.problems
            .push(format!("requests reached other operations: {extra:?}"));
    }
    run.check_coverage();
    run.finish(&format!(
        "{} operations exercised, {} requests validated by Prism (static mode; {} answers \
         not decoded for their placeholders), every declared query parameter and body field sent",
        run.operations.len(),
        run.requests,
        run.placeholders
    ));
}

#[test]
fn dynamic_responses_decode_into_the_models() {
    let test = "dynamic_responses_decode_into_the_models";
    let Some((spec, prism)) = start_or_skip(test, Mode::Dynamic) else {
        return;
    };
    let mut run = Conformance::new(&spec, &prism, Mode::Dynamic);
    for _ in 0..DYNAMIC_ROUNDS {
        exercise_every_operation(&mut run);
    }
    if run.operations.len() != OPERATIONS.len() {
        run.problems.push(format!(
            "reached {} operations, expected {}",
            run.operations.len(),
            OPERATIONS.len()
        ));
    }
    run.finish(&format!(
        "{} rounds of {} operations: {} requests validated by Prism, {} dynamic responses \
         decoded ({} objects in them compared field by field with what the models kept)",
        DYNAMIC_ROUNDS,
        run.operations.len(),
        run.requests,
        run.decoded,
        run.fields_checked
    ));
}

#[test]
fn the_fake_answers_as_the_spec_says() {
    let test = "the_fake_answers_as_the_spec_says";
    // The document is master's (tests/spec), so the fake emulates master.
    // Test login flows need a configured OIDC provider, as on a real server.
    let kratos = FakeKratos::builder()
        .version(KratosVersion::Master)
        .oidc_provider("google")
        .start();
    let Some((spec, prism)) = start_proxy_or_skip(test, &kratos.base_url()) else {
        return;
    };
    let mut run = Conformance::new(&spec, &prism, Mode::Proxy);
    let driven = fake_proxy::drive(&mut run, &spec, &kratos, &prism);

    let missing: Vec<&str> = OPERATIONS
        .iter()
        .copied()
        .filter(|op| !run.operations.contains(*op))
        .collect();
    if !missing.is_empty() {
        run.problems
            .push(format!("operations never reached: {}", missing.join(", ")));
    }
    if !run.unchecked.is_empty() {
        run.problems.push(format!(
            "the answers' schemas use what the validator does not check: {:?}",
            run.unchecked
        ));
    }
    if run.bodies_validated == 0 {
        run.problems
            .push("no answer body was validated: is the check wired in?".into());
    }
    if !run.answer_violations.is_empty() {
        // Once more, together, for whoever fixes the fake.
        run.problems.push(format!(
            "{} place(s) where the fake's answers break the document:\n    {}",
            run.answer_violations.len(),
            run.answer_violations.join("\n    ")
        ));
    }
    let statuses: Vec<String> = run
        .statuses
        .iter()
        .map(|(op, codes)| format!("{op} {codes:?}"))
        .collect();
    run.finish(&format!(
        "{} exchanges went through Prism (proxy, --errors) to the fake, {} operations; \
         {} answers judged against the document's response for their status, {} bodies \
         validated by schema_check; {} violation(s) of the document; where the real servers \
         break it, the fake does too: {}. Statuses the fake answered: {}. {}",
        run.exchanges,
        run.operations.len(),
        run.answers_checked,
        run.bodies_validated,
        run.answer_violations.len(),
        run.known_divergences
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("; "),
        statuses.join(", "),
        driven.control,
    ));
}

/// Fields of the document the crate does not model, on purpose (each with
/// why): their examples are skipped, and counted.
const LEFT_OUT_ON_PURPOSE: [&str; 1] = [
    // Kratos applies only `add`, `remove` and `replace` (v26.2.0 and
    // master answer `move`, `copy` and `test` with 400), so `JsonPatch` has
    // no `from`.
    "components/schemas/jsonPatch/properties/from",
];

#[test]
fn spec_examples_decode_into_the_models() {
    let path = spec_path();
    let spec = match Spec::load(&path) {
        Ok(spec) => spec,
        Err(reason) => return unavailable("spec_examples_decode_into_the_models", &reason),
    };
    let modeled = modeled_schemas();
    let mut problems = Vec::new();
    let schemas = spec.doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for name in modeled.keys().filter(|name| **name != GET_VERSION_ANSWER) {
        if !schemas.contains_key(*name) {
            problems.push(format!(
                "components/schemas/{name} is modeled by the crate but no longer in the spec"
            ));
        }
    }

    let mut decoded: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();

    // Examples inside the schemas: the whole object, or one property (placed
    // into the smallest valid instance of the schema).
    for (name, schema) in &schemas {
        let mut found = Vec::new();
        collect_schema_examples(schema, &mut Vec::new(), &mut found);
        let Some(decode) = modeled.get(name.as_str()) else {
            if !found.is_empty() {
                *skipped.entry(name.clone()).or_default() += found.len();
            }
            continue;
        };
        for (schema_path, example) in found {
            let location = format!("components/schemas/{name}/{}", schema_path.join("/"));
            if LEFT_OUT_ON_PURPOSE.contains(&location.as_str()) {
                *skipped.entry(location).or_default() += 1;
                continue;
            }
            let mut instance = spec.minimal_instance(schema, 0);
            let placed = match spec.place(schema, &mut instance, &schema_path, example.clone()) {
                Ok(placed) => placed,
                Err(e) => {
                    problems.push(format!("{location}: cannot place the example: {e}"));
                    continue;
                }
            };
            match decode(instance.clone()) {
                Err(e) => problems.push(format!(
                    "{location}: {example} does not decode as {name}: {e}\n    instance: {instance}"
                )),
                Ok(back) => match back.pointer(&placed) {
                    Some(kept) if same_json(kept, &example) => {
                        *decoded.entry(name.clone()).or_default() += 1;
                    }
                    kept => problems.push(format!(
                        "{location}: the example {example} decodes but comes back as {kept:?}"
                    )),
                },
            }
        }
    }

    // Examples of whole request and response bodies (media types), in
    // components/responses and in the operations.
    let mut media = Vec::new();
    if let Some(responses) = spec.doc["components"]["responses"].as_object() {
        for (name, response) in responses {
            media_examples(
                &format!("components/responses/{name}"),
                response,
                &mut media,
            );
        }
    }
    if let Some(paths) = spec.doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let at = format!("paths/{path}/{method}");
                media_examples(&format!("{at}/requestBody"), &op["requestBody"], &mut media);
                for (code, response) in op["responses"].as_object().into_iter().flatten() {
                    media_examples(&format!("{at}/responses/{code}"), response, &mut media);
                }
            }
        }
    }
    for (location, schema, example) in media {
        let Some((name, items)) = model_of(&spec, &schema) else {
            *skipped.entry(location).or_default() += 1;
            continue;
        };
        let Some(decode) = modeled.get(name.as_str()) else {
            *skipped.entry(name).or_default() += 1;
            continue;
        };
        let values = match (items, &example) {
            (true, Value::Array(values)) => values.clone(),
            (true, other) => {
                problems.push(format!(
                    "{location}: example of a list is not an array: {other}"
                ));
                continue;
            }
            (false, value) => vec![value.clone()],
        };
        for value in values {
            match decode(value.clone()) {
                Ok(_) => *decoded.entry(name.clone()).or_default() += 1,
                Err(e) => problems.push(format!(
                    "{location}: {value} does not decode as {name}: {e}"
                )),
            }
        }
    }

    let total: usize = decoded.values().sum();
    if total == 0 {
        problems.push("found no example for any modeled schema: is the walk broken?".into());
    }
    report(
        "spec_examples_decode_into_the_models",
        &problems,
        &format!(
            "{total} spec examples decoded ({decoded:?}); skipped, in schemas the crate does not model: {skipped:?}"
        ),
    );
}

/// Every value a spec enum lists for a field the crate models as an enum
/// must be a named variant, not `Unknown`.
#[test]
fn spec_enum_values_are_known_to_the_models() {
    /// The enums have no public "is unknown" test; their `Debug` says it.
    fn known<E: for<'s> From<&'s str> + std::fmt::Debug>(value: &str) -> bool {
        !format!("{:?}", E::from(value)).starts_with("Unknown(")
    }
    type Known = fn(&str) -> bool;
    let schemas = "/components/schemas";
    let fields: [(String, Known); 13] = [
        (
            format!("{schemas}/identityCredentials/properties/type"),
            known::<CredentialType>,
        ),
        (
            format!("{schemas}/sessionAuthenticationMethod/properties/method"),
            known::<CredentialType>,
        ),
        (
            format!("{schemas}/authenticatorAssuranceLevel"),
            known::<AuthenticatorAssuranceLevel>,
        ),
        (
            format!("{schemas}/identity/properties/state"),
            known::<IdentityState>,
        ),
        (
            format!("{schemas}/createIdentityBody/properties/state"),
            known::<IdentityState>,
        ),
        (
            format!("{schemas}/updateIdentityBody/properties/state"),
            known::<IdentityState>,
        ),
        (
            format!("{schemas}/identity/properties/region"),
            known::<Region>,
        ),
        (
            format!("{schemas}/createIdentityBody/properties/region"),
            known::<Region>,
        ),
        (
            format!("{schemas}/updateIdentityBody/properties/region"),
            known::<Region>,
        ),
        (
            format!("{schemas}/verifiableIdentityAddress/properties/via"),
            known::<AddressVia>,
        ),
        (
            format!("{schemas}/identityPatchResponse/properties/action"),
            known::<IdentityPatchAction>,
        ),
        (
            format!("{schemas}/manageSessionsBody/properties/action"),
            known::<ManageSessionsAction>,
        ),
        (
            format!("{schemas}/loginFlow/properties/requested_aal"),
            known::<AuthenticatorAssuranceLevel>,
        ),
    ];
    let parameters: [(&str, &str, Known); 3] = [
        ("getIdentity", "include_credential", known::<CredentialType>),
        (
            "getIdentityByExternalID",
            "include_credential",
            known::<CredentialType>,
        ),
        ("deleteIdentityCredentials", "type", known::<CredentialType>),
    ];

    let spec = match Spec::load(&spec_path()) {
        Ok(spec) => spec,
        Err(reason) => return unavailable("spec_enum_values_are_known_to_the_models", &reason),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut check = |at: String, schema: Option<&Value>, is_known: Known| {
        let schema = schema.map(|s| spec.resolve(s));
        let values = schema.and_then(|s| s["enum"].as_array().or(s["items"]["enum"].as_array()));
        let Some(values) = values else {
            problems.push(format!("{at}: no enum there any more"));
            return;
        };
        for value in values {
            checked += 1;
            match value.as_str() {
                Some(v) if is_known(v) => {}
                _ => problems.push(format!("{at}: the spec lists {value}, the model does not")),
            }
        }
    };
    for (pointer, is_known) in fields {
        check(pointer.clone(), spec.doc.pointer(&pointer), is_known);
    }
    for (operation_id, name, is_known) in parameters {
        let parameter = spec.operation_by_id(operation_id).and_then(|(_, op, _)| {
            op["parameters"]
                .as_array()?
                .iter()
                .map(|p| spec.resolve(p))
                .find(|p| p["name"] == name)
        });
        check(
            format!("{operation_id} parameter {name}"),
            parameter.map(|p| &p["schema"]),
            is_known,
        );
    }
    report(
        "spec_enum_values_are_known_to_the_models",
        &problems,
        &format!("{checked} enum values of the spec are named variants of the models' enums"),
    );
}

// ---------------------------------------------------------------------------
// Every operation, with realistic arguments
// ---------------------------------------------------------------------------

/// Sends each of the 22 operations at least once: every optional query
/// parameter (the filters of `list_identities` one at a time, as Kratos
/// refuses two at once) and a full body of each body type.
fn exercise_every_operation(run: &mut Conformance<'_>) {
    let c = run.client.clone();
    let no_content = run.no_content_client.clone();

    // Identities: reading.
    run.call("list_identities (page token, ids)", || {
        c.list_identities()
            .page_size(500)
            .page_token(IDENTITY_ID)
            .consistency("eventual")
            .ids([IDENTITY_ID, OTHER_IDENTITY_ID])
            .include_credential(["password", "oidc"])
            .organization_id(ORG_ID)
            .send()
    });
    run.call("list_identities (credentials_identifier)", || {
        c.list_identities()
            .credentials_identifier("ada@example.com")
            .include_credential([CredentialType::Password, CredentialType::Webauthn])
            .consistency("strong")
            .send()
    });
    run.call("list_identities (similar identifier)", || {
        c.list_identities()
            .preview_credentials_identifier_similar("ada@exampl")
            .page_size(25)
            .send()
    });
    run.call("list_identities (legacy page numbers)", || {
        c.list_identities().page(2).per_page(100).send()
    });
    run.call("get_identity", || {
        c.get_identity(IDENTITY_ID)
            .include_credential([
                "password",
                "oidc",
                "saml",
                "totp",
                "webauthn",
                "passkey",
                "lookup_secret",
                "code",
            ])
            .send()
    });
    run.call("get_identity_by_external_id", || {
        c.get_identity_by_external_id("crm-4711")
            .include_credential([CredentialType::Oidc, CredentialType::Saml])
            .send()
    });

    // Identities: writing.
    run.call("create_identity (full body)", || {
        c.create_identity(full_create_body("ada@example.com", "crm-4711"))
            .send()
    });
    run.call("create_identity (plain password)", || {
        c.create_identity(
            CreateIdentityBody::new("default", json!({"email": "grace@example.com"}))
                .password("correct horse battery staple")
                .state(IdentityState::Inactive),
        )
        .send()
    });
    run.call("create_identity (minimal)", || {
        c.create_identity(CreateIdentityBody::new(
            "default",
            json!({"email": "alan@example.com"}),
        ))
        .send()
    });
    run.call("update_identity (full body)", || {
        c.update_identity(IDENTITY_ID, full_update_body()).send()
    });
    run.call("update_identity (new password)", || {
        c.update_identity(
            IDENTITY_ID,
            UpdateIdentityBody::new(
                "",
                IdentityState::Active,
                customer_traits("ada@example.com"),
            )
            .password("a new passphrase, long enough")
            .oidc_provider(OidcProvider::new("apple", "001234.abcdef")),
        )
        .send()
    });
    run.call("patch_identity", || {
        c.patch_identity(
            IDENTITY_ID,
            vec![
                JsonPatch::replace("/traits/email", "ada@example.org"),
                JsonPatch::add("/metadata_public", json!({"plan": "pro"})),
                JsonPatch::add("/metadata_admin/notes", Value::Null),
                JsonPatch::remove("/metadata_admin/legacy_id"),
                JsonPatch::replace("/state", "inactive"),
            ],
        )
        .send()
    });
    run.call("batch_patch_identities", || {
        c.batch_patch_identities(PatchIdentitiesBody::new(vec![
            IdentityPatch::create(full_create_body("ada@example.com", "crm-4711"))
                .patch_id(uuid(PATCH_ID)),
            IdentityPatch::create(
                CreateIdentityBody::new("default", json!({"email": "grace@example.com"}))
                    .password("correct horse battery staple"),
            )
            .patch_id(uuid(OTHER_PATCH_ID)),
            IdentityPatch::create(CreateIdentityBody::new(
                "default",
                json!({"email": "alan@example.com"}),
            )),
        ]))
        .send()
    });
    run.call("delete_identity_credentials (password)", || {
        c.delete_identity_credentials(IDENTITY_ID, "password")
            .send()
    });
    run.call("delete_identity_credentials (totp)", || {
        c.delete_identity_credentials(IDENTITY_ID, CredentialType::Totp)
            .send()
    });
    run.call("delete_identity_credentials (oidc)", || {
        c.delete_identity_credentials(IDENTITY_ID, CredentialType::Oidc)
            .identifier("google:1234567890")
            .send()
    });
    run.call("delete_identity_credentials (saml)", || {
        c.delete_identity_credentials(IDENTITY_ID, "saml")
            .identifier("okta:ada@corp.example")
            .send()
    });
    run.call("delete_identity", || {
        c.delete_identity(OTHER_IDENTITY_ID).send()
    });

    // Sessions.
    run.call("list_identity_sessions (page token)", || {
        c.list_identity_sessions(IDENTITY_ID)
            .active(true)
            .page_size(250)
            .page_token("eyJvZmZzZXQiOiIyNTAifQ")
            .send()
    });
    run.call("list_identity_sessions (legacy page numbers)", || {
        c.list_identity_sessions(IDENTITY_ID)
            .active(false)
            .page(1)
            .per_page(50)
            .send()
    });
    run.call("list_sessions", || {
        c.list_sessions()
            .page_size(1000)
            .page_token("eyJvZmZzZXQiOiIxMDAwIn0")
            .active(true)
            .expand(["identity", "devices"])
            .send()
    });
    run.call("get_session", || {
        c.get_session(SESSION_ID)
            .expand(["identity", "devices"])
            .send()
    });
    let extended = run.call("extend_session", || c.extend_session(SESSION_ID).send());
    if run.mode == Mode::Dynamic && matches!(extended, Some(None)) {
        run.problems
            .push("extend_session: a 200 decoded as no session".into());
    }
    let extended = run.call("extend_session (Prefer: code=204)", || {
        no_content.extend_session(SESSION_ID).send()
    });
    if matches!(extended, Some(Some(_))) {
        run.problems
            .push("extend_session: a 204 decoded as a session".into());
    }
    run.call("disable_session", || {
        c.disable_session(OTHER_SESSION_ID).send()
    });
    run.call("delete_identity_sessions", || {
        c.delete_identity_sessions(OTHER_IDENTITY_ID).send()
    });
    run.call("manage_sessions (identities)", || {
        c.manage_sessions(ManageSessionsBody::for_identities(
            ManageSessionsAction::Disable,
            [IDENTITY_ID, OTHER_IDENTITY_ID],
        ))
        .send()
    });
    run.call("manage_sessions (sessions)", || {
        c.manage_sessions(ManageSessionsBody::for_sessions(
            ManageSessionsAction::Delete,
            [SESSION_ID, OTHER_SESSION_ID],
        ))
        .send()
    });
    run.call("manage_sessions (all)", || {
        c.manage_sessions(ManageSessionsBody::all_sessions(
            ManageSessionsAction::Delete,
        ))
        .send()
    });

    // Recovery.
    run.call("create_recovery_code_for_identity", || {
        c.create_recovery_code_for_identity(
            CreateRecoveryCodeForIdentityBody::new(uuid(IDENTITY_ID))
                .expires_in(Duration::from_secs(3600))
                .flow_type("browser"),
        )
        .send()
    });
    run.call("create_recovery_code_for_identity (ms, api flow)", || {
        c.create_recovery_code_for_identity(
            CreateRecoveryCodeForIdentityBody::new(uuid(IDENTITY_ID))
                .expires_in(Duration::from_millis(90_500))
                .flow_type("api"),
        )
        .send()
    });
    run.call("create_recovery_link_for_identity", || {
        c.create_recovery_link_for_identity(
            CreateRecoveryLinkForIdentityBody::new(uuid(IDENTITY_ID))
                .expires_in(Duration::from_secs(15 * 60)),
        )
        .return_to("https://app.example.com/welcome-back?from=recovery")
        .send()
    });

    // Flows and schemas.
    run.call("create_test_login_flow", || {
        c.create_test_login_flow(CreateTestLoginFlowBody::new("google"))
            .send()
    });
    run.call("list_identity_schemas (page token)", || {
        c.list_identity_schemas()
            .page_size(100)
            .page_token("eyJvZmZzZXQiOiIxMDAifQ")
            .send()
    });
    run.call("list_identity_schemas (legacy page numbers)", || {
        c.list_identity_schemas().page(0).per_page(250).send()
    });
    run.call("get_identity_schema", || {
        c.get_identity_schema("customer").send()
    });
    run.call("get_identity_schema (base64url id)", || {
        c.get_identity_schema("Y3VzdG9tZXI").send()
    });

    // The metadata API.
    run.call("get_version", || c.get_version().send());
}

fn customer_traits(email: &str) -> Value {
    json!({
        "email": email,
        "name": {"first": "Ada", "last": "Lovelace"},
        "newsletter": true
    })
}

/// Every credential type the import knows, each with all its fields.
fn full_credentials() -> IdentityWithCredentials {
    let org = uuid(ORG_ID);
    let mut password = IdentityWithCredentialsPasswordConfig::hashed(BCRYPT_HASH);
    password.use_password_migration_hook = Some(false);

    let mut credentials = IdentityWithCredentials::oidc([
        OidcProvider::new("google", "1234567890"),
        OidcProvider::new("github", "ada-lovelace")
            .organization(org)
            .use_auto_link(true),
    ]);
    credentials.password = Some(IdentityWithCredentialsPassword::new(password));
    credentials.saml =
        IdentityWithCredentials::saml([
            SamlProvider::new("okta", "ada@corp.example").organization(org)
        ])
        .saml;
    credentials.totp = Some(IdentityWithCredentialsTotp::new(
        IdentityWithCredentialsTotpConfig::new(
            "otpauth://totp/Example:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        ),
    ));

    // The document types WebAuthn's byte fields as integer arrays, and Prism
    // holds us to it; Kratos itself exchanges them as base64 strings
    // (shared/KRATOS.md). The model keeps these fields as raw JSON, so a
    // caller sends what their Kratos exported; here, the document's form.
    let mut webauthn = IdentityWithCredentialsWebAuthnConfig::default();
    webauthn.credentials = vec![webauthn_credential("YubiKey 5C", false)];
    webauthn.user_handle = Some(json!(bytes(b"user-handle-0001")));
    credentials.webauthn = Some(IdentityWithCredentialsWebAuthn::new(webauthn));
    let mut passkey = IdentityWithCredentialsPasskeyConfig::default();
    passkey.credentials = vec![webauthn_credential("iCloud Keychain", true)];
    passkey.user_handle = Some(json!(bytes(b"user-handle-0002")));
    credentials.passkey = Some(IdentityWithCredentialsPasskey::new(passkey));

    let used_at =
        time::OffsetDateTime::from_unix_timestamp(1_709_287_200).expect("a valid unix timestamp");
    credentials.lookup_secret = Some(IdentityWithCredentialsLookupSecret::new(
        IdentityWithCredentialsLookupSecretConfig::new([
            LookupSecretCode::new("k3nq-81xz"),
            LookupSecretCode::new("p0w2-7yue").used_at(used_at),
        ]),
    ));
    credentials
}

/// One WebAuthn credential (`identityCredentialsWebAuthn`), every field set.
fn webauthn_credential(name: &str, passwordless: bool) -> Value {
    json!({
        "id": bytes(b"credential-id-01"),
        "public_key": bytes(b"cose-public-key"),
        "attestation_type": "none",
        "attestation": {
            "authenticator_data": bytes(b"authenticator"),
            "client_dataJSON": bytes(b"{\"type\":\"webauthn.create\"}"),
            "client_data_hash": bytes(b"hash"),
            "object": bytes(b"attestation-object"),
            "public_key_algorithm": -7
        },
        "authenticator": {
            "aaguid": bytes(&[0; 16]),
            "clone_warning": false,
            "sign_count": 4
        },
        "flags": {
            "backup_eligible": passwordless,
            "backup_state": passwordless,
            "user_present": true,
            "user_verified": true
        },
        "display_name": name,
        "is_passwordless": passwordless,
        "added_at": "2024-03-01T10:00:00Z",
        "transport": ["usb", "nfc"]
    })
}

fn bytes(b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

/// A create body with every field of `createIdentityBody`.
fn full_create_body(email: &str, external_id: &str) -> CreateIdentityBody {
    let mut verified = VerifiableIdentityAddress::new(email, AddressVia::Email)
        .verified(true)
        .status("completed");
    verified.verified_at = Some(
        time::OffsetDateTime::from_unix_timestamp(1_709_287_200).expect("a valid unix timestamp"),
    );
    let mut break_glass = RecoveryIdentityAddress::new("it-admin@corp.example", AddressVia::Email);
    break_glass.break_glass_for_organization = Some(uuid(ORG_ID));
    CreateIdentityBody::new("customer", customer_traits(email))
        .credentials(full_credentials())
        .external_id(external_id)
        .metadata_admin(json!({"crm_tier": "gold", "legacy_id": 4711}))
        .metadata_public(json!({"plan": "pro"}))
        .organization_id(uuid(ORG_ID))
        .recovery_address(RecoveryIdentityAddress::new(email, AddressVia::Email))
        .recovery_address(break_glass)
        .verifiable_address(verified)
        .verifiable_address(VerifiableIdentityAddress::new("+15550100", AddressVia::Sms))
        .state(IdentityState::Active)
        .region(Region::EuCentral)
}

/// An update body with every field of `updateIdentityBody`.
fn full_update_body() -> UpdateIdentityBody {
    UpdateIdentityBody::new(
        "customer",
        IdentityState::Inactive,
        customer_traits("ada@example.org"),
    )
    .credentials(full_credentials())
    .external_id("crm-4711")
    .metadata_admin(json!({"crm_tier": "platinum"}))
    .metadata_public(json!({"plan": "enterprise"}))
    .region(Region::Us)
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("a valid UUID literal")
}
