//! Conformance with the official OpenAPI document, checked by a program we
//! did not write: [Stoplight Prism] serving `../shared/spec/kratos-openapi.json`
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
//!   reach exactly the 21 admin operations the client implements.
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

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kratos_identity::{
    AddressVia, AuthenticatorAssuranceLevel, BatchPatchIdentitiesResponse, CreateIdentityBody,
    CreateRecoveryCodeForIdentityBody, CreateRecoveryLinkForIdentityBody, CreateTestLoginFlowBody,
    CredentialType, Error, GenericError, Identity, IdentityClient, IdentityCredentials,
    IdentityPatch, IdentityPatchAction, IdentityPatchResponse, IdentitySchemaContainer,
    IdentityState, IdentityWithCredentials, IdentityWithCredentialsLookupSecret,
    IdentityWithCredentialsLookupSecretConfig, IdentityWithCredentialsOidc,
    IdentityWithCredentialsOidcConfig, IdentityWithCredentialsPasskey,
    IdentityWithCredentialsPasskeyConfig, IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig, IdentityWithCredentialsSaml,
    IdentityWithCredentialsSamlConfig, IdentityWithCredentialsTotp,
    IdentityWithCredentialsTotpConfig, IdentityWithCredentialsWebAuthn,
    IdentityWithCredentialsWebAuthnConfig, JsonPatch, LoginFlow, LookupSecretCode,
    ManageSessionsAction, ManageSessionsBody, ManageSessionsResponse, OidcProvider,
    PatchIdentitiesBody, RecoveryCodeForIdentity, RecoveryIdentityAddress, RecoveryLinkForIdentity,
    Region, SamlProvider, Session, SessionAuthenticationMethod, SessionDevice, UpdateIdentityBody,
    VerifiableIdentityAddress,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ureq::http;
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};
use uuid::Uuid;

/// How long Prism may take to answer its first request.
const PRISM_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many times the dynamic test sends every operation.
const DYNAMIC_ROUNDS: usize = 5;

/// The admin operations of the document that the client implements, by
/// `operationId`.
const OPERATIONS: [&str; 21] = [
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
];

const TOKEN: &str = "ory_pat_conformance_0001";
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
    for name in modeled.keys() {
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

/// Sends each of the 21 operations at least once: every optional query
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
                JsonPatch::move_from("/traits/nickname", "/traits/name/first"),
                JsonPatch::copy("/traits/email", "/traits/backup_email"),
                JsonPatch::test("/state", "active"),
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

// ---------------------------------------------------------------------------
// Sending and judging
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `prism mock`: answers from examples and schema samples.
    Static,
    /// `prism mock --dynamic`: random answers that satisfy the schemas.
    Dynamic,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Static => "static",
            Mode::Dynamic => "dynamic",
        }
    }
}

/// Sends operations through clients whose every exchange is recorded, and
/// judges each exchange against the document.
struct Conformance<'a> {
    spec: &'a Spec,
    mode: Mode,
    recorder: Recorder,
    client: IdentityClient,
    /// Sends `Prefer: code=204`, for the operation with two success codes.
    no_content_client: IdentityClient,
    problems: Vec<String>,
    /// The `operationId`s the requests reached.
    operations: BTreeSet<String>,
    /// Requests Prism validated and accepted.
    requests: usize,
    /// Responses with a body that decoded into the models.
    decoded: usize,
    /// Static answers not decoded because they carry Prism's placeholders.
    placeholders: usize,
    /// Response objects compared field by field with their decoded model.
    fields_checked: usize,
    /// What the requests used, per `operationId`: `query:name` for a query
    /// parameter, `body:/pointer` for a body field (`*` for array items).
    sent: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Conformance<'a> {
    fn new(spec: &'a Spec, prism: &Prism, mode: Mode) -> Self {
        let recorder = Recorder::default();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .middleware(recorder.clone())
            .build()
            .into();
        let client = |prefer: Option<&str>| {
            let mut builder = IdentityClient::builder(&prism.base_url)
                .bearer_token(TOKEN)
                .agent(agent.clone())
                .max_retries(0);
            if let Some(prefer) = prefer {
                builder = builder.header("Prefer", prefer);
            }
            builder
                .build()
                .expect("a loopback base URL is a valid configuration")
        };
        Conformance {
            spec,
            mode,
            client: client(None),
            no_content_client: client(Some("code=204")),
            recorder,
            problems: Vec::new(),
            operations: BTreeSet::new(),
            requests: 0,
            decoded: 0,
            placeholders: 0,
            fields_checked: 0,
            sent: BTreeMap::new(),
        }
    }

    /// Runs one operation and judges every exchange it made. Returns the
    /// decoded answer when there is one.
    fn call<T>(&mut self, label: &str, send: impl FnOnce() -> Result<T, Error>) -> Option<T> {
        self.recorder.take();
        let result = send();
        let exchanges = self.recorder.take();
        if exchanges.is_empty() {
            let outcome = match &result {
                Ok(_) => "it succeeded".to_string(),
                Err(e) => e.to_string(),
            };
            self.problems
                .push(format!("{label}: no request was sent ({outcome})"));
        }
        for exchange in &exchanges {
            let problems = self.judge(exchange);
            if problems.is_empty() {
                self.requests += 1;
            }
            for problem in problems {
                self.problems.push(format!(
                    "{label}: {} {}: {problem}",
                    exchange.method, exchange.uri
                ));
            }
        }
        match result {
            Ok(value) => {
                self.decoded += exchanges
                    .iter()
                    .filter(|e| !e.response_body.is_empty())
                    .count();
                Some(value)
            }
            // Static answers carry placeholders the models rightly refuse
            // (`"string"` for a UUID): only the dynamic test judges decoding.
            Err(Error::Decode { .. }) if self.mode == Mode::Static => {
                self.placeholders += 1;
                None
            }
            Err(Error::Decode { source, .. }) => {
                let body = exchanges
                    .last()
                    .map(|e| String::from_utf8_lossy(&e.response_body).into_owned())
                    .unwrap_or_default();
                self.problems.push(format!(
                    "{label}: the response does not decode into the models: {source}\n    near: {}\n    body: {}",
                    excerpt(&body, source.column(), 160),
                    excerpt(&body, 0, 4000),
                ));
                None
            }
            // A refused request is reported with Prism's report by `judge`.
            Err(Error::Api(_)) if !exchanges.is_empty() => None,
            Err(e) => {
                self.problems.push(format!("{label}: {e}"));
                None
            }
        }
    }

    /// What is wrong with one exchange, judged by Prism and the document.
    fn judge(&mut self, exchange: &Exchange) -> Vec<String> {
        let mut problems = Vec::new();
        let (path, query) = exchange
            .uri
            .split_once('?')
            .unwrap_or((exchange.uri.as_str(), ""));
        let path = path
            .find("://")
            .and_then(|i| path[i + 3..].find('/').map(|j| &path[i + 3 + j..]))
            .unwrap_or(path);

        let status_ok = (200..300).contains(&exchange.status);
        let request_violations = exchange
            .violations
            .as_deref()
            .map(request_violations)
            .unwrap_or_default();
        if !status_ok || !request_violations.is_empty() {
            let report = match &exchange.violations {
                Some(v) => pretty(v),
                None => "(no sl-violations header)".into(),
            };
            problems.push(format!(
                "Prism refused the request: HTTP {}\n    validation report (sl-violations): {}\n    body: {}",
                exchange.status,
                report,
                excerpt(&String::from_utf8_lossy(&exchange.response_body), 0, 1000),
            ));
        }

        let Some((operation_id, operation, path_item)) =
            self.spec.operation(&exchange.method, path)
        else {
            problems.push("no operation of the spec has this method and path".into());
            return problems;
        };
        self.operations.insert(operation_id.clone());

        if self.mode == Mode::Dynamic && status_ok && !exchange.response_body.is_empty() {
            problems.extend(self.lost_in_decoding(operation, exchange));
        }

        // Query parameters Prism would ignore if misspelled.
        let declared: BTreeSet<&str> = [&operation["parameters"], &path_item["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| self.spec.resolve(p))
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let sent = self.sent.entry(operation_id.clone()).or_default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or_default();
            sent.insert(format!("query:{name}"));
            if !declared.contains(name) {
                problems.push(format!(
                    "query parameter {name:?} is not declared for {operation_id}"
                ));
            }
        }

        // Body fields Prism would let through but Kratos refuses.
        let body_schema =
            self.spec.resolve(&operation["requestBody"])["content"]["application/json"]["schema"]
                .clone();
        match (exchange.request_body.is_empty(), body_schema.is_null()) {
            (true, true) => {}
            (true, false) => {
                if operation["requestBody"]["required"] == true {
                    problems.push(format!("{operation_id} requires a body; none was sent"));
                }
            }
            (false, true) => problems.push(format!("{operation_id} takes no body; one was sent")),
            (false, false) => match serde_json::from_slice::<Value>(&exchange.request_body) {
                Err(e) => problems.push(format!("the body is not JSON: {e}")),
                Ok(body) => {
                    fields_present(&body, "", sent);
                    let mut undeclared = Vec::new();
                    self.spec
                        .undeclared_fields(&body, &body_schema, "", &mut undeclared);
                    for field in undeclared {
                        problems.push(format!(
                            "the body has {field}, a field the spec does not declare (Kratos refuses unknown fields)"
                        ));
                    }
                }
            },
        }
        problems
    }

    /// Decodes a response body into the model of its schema, encodes it
    /// back, and lists the declared fields that did not survive: a field
    /// the model misnames or lacks decodes silently (models ignore unknown
    /// fields), so the decoding alone would not show it.
    fn lost_in_decoding(&mut self, operation: &Value, exchange: &Exchange) -> Vec<String> {
        let response = self
            .spec
            .resolve(&operation["responses"][exchange.status.to_string().as_str()]);
        let schema = &response["content"]["application/json"]["schema"];
        let Some((name, list)) = model_of(self.spec, schema) else {
            return vec!["the response schema is not one this test knows".into()];
        };
        let Some(decode) = modeled_schemas().get(name.as_str()).copied() else {
            return vec![format!(
                "the response schema {name} has no model in this test"
            )];
        };
        let original: Value = match serde_json::from_slice(&exchange.response_body) {
            Ok(v) => v,
            Err(e) => return vec![format!("the response is not JSON: {e}")],
        };
        // A list of a named schema is judged item by item; anything else whole.
        let (items, item_schema) = match (list, &original) {
            (true, Value::Array(items)) => (items.clone(), &self.spec.resolve(schema)["items"]),
            (true, _) => return vec!["a list response that is not an array".into()],
            (false, whole) => (vec![whole.clone()], schema),
        };
        let mut lost = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match decode(item.clone()) {
                Ok(kept) => {
                    self.fields_checked += 1;
                    let at = if list { format!("/{i}") } else { String::new() };
                    self.spec
                        .lost_fields(item, &kept, item_schema, &at, &mut lost, 0);
                }
                Err(e) => lost.push(format!("does not decode as {name}: {e}")),
            }
        }
        lost.into_iter()
            .map(|l| format!("the {name} model loses a field the spec declares: {l}"))
            .collect()
    }

    /// Every query parameter and body field the document declares for an
    /// operation must have been sent at least once, except the fields the
    /// server assigns itself ([`SERVER_ASSIGNED`]).
    fn check_coverage(&mut self) {
        let mut missing = Vec::new();
        for operation_id in OPERATIONS {
            let Some((_, operation, path_item)) = self.spec.operation_by_id(operation_id) else {
                missing.push(format!("{operation_id}: not in the spec"));
                continue;
            };
            let mut declared = BTreeSet::new();
            for parameter in [&operation["parameters"], &path_item["parameters"]]
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .map(|p| self.spec.resolve(p))
                .filter(|p| p["in"] == "query")
            {
                if let Some(name) = parameter["name"].as_str() {
                    declared.insert(format!("query:{name}"));
                }
            }
            let body = &self.spec.resolve(&operation["requestBody"])["content"]["application/json"]
                ["schema"];
            if !body.is_null() {
                self.spec.declared_fields(body, "", &mut declared, 0);
            }
            let sent = self.sent.get(operation_id);
            for item in declared {
                let assigned = SERVER_ASSIGNED.iter().any(|s| item.ends_with(s));
                if !assigned && !sent.is_some_and(|sent| sent.contains(&item)) {
                    missing.push(format!("{operation_id}: {item}"));
                }
            }
        }
        if !missing.is_empty() {
            self.problems.push(format!(
                "declared but never sent (add them to exercise_every_operation):\n    {}",
                missing.join("\n    ")
            ));
        }
    }

    /// Fails the test with every problem, or prints the summary.
    fn finish(&self, summary: &str) {
        let test = match self.mode {
            Mode::Static => "requests_conform_to_the_spec",
            Mode::Dynamic => "dynamic_responses_decode_into_the_models",
        };
        report(test, &self.problems, summary);
    }
}

/// Prints the summary, or fails with every problem found.
fn report(test: &str, problems: &[String], summary: &str) {
    if problems.is_empty() {
        // Straight to stderr, past the test harness's capture, so the counts
        // show in every run.
        let _ = writeln!(std::io::stderr(), "conformance: {test}: {summary}");
        return;
    }
    let mut message = format!("{test}: {} problem(s):\n", problems.len());
    for problem in problems {
        message.push_str("\n- ");
        message.push_str(problem);
        message.push('\n');
    }
    panic!("{message}");
}

/// The entries of Prism's `sl-violations` header about the request (the
/// others are about its own answer).
fn request_violations(header: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter(|v| v["location"][0] == "request")
            .collect(),
        // Not what Prism sends: keep it so it is reported.
        _ => vec![Value::String(header.to_string())],
    }
}

fn pretty(header: &str) -> String {
    serde_json::from_str::<Value>(header)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| header.to_string())
}

/// Up to `width` characters of `text` around the 1-based `column`.
fn excerpt(text: &str, column: usize, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let center = column.saturating_sub(1).min(chars.len());
    let start = center.saturating_sub(width / 2);
    let end = (start + width).min(chars.len());
    let mut out: String = chars[start..end].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// One request and its answer, as seen on the wire.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    uri: String,
    request_body: Vec<u8>,
    status: u16,
    /// Prism's validation report, if it sent one.
    violations: Option<String>,
    response_body: Vec<u8>,
}

/// A ureq middleware that records every exchange of the clients it is
/// installed in. The request goes on with the same headers and body bytes;
/// only the framing changes (chunked instead of `Content-Length`, as a body
/// rebuilt from a reader has no length), which Prism does not judge.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Exchange>>>);

impl Recorder {
    fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Middleware for Recorder {
    fn handle(
        &self,
        request: http::Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<http::Response<Body>, ureq::Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let (parts, body) = request.into_parts();
        let mut request_body = Vec::new();
        body.into_reader().read_to_end(&mut request_body)?;
        let body = match request_body.is_empty() {
            true => SendBody::none(),
            false => SendBody::from_owned_reader(std::io::Cursor::new(request_body.clone())),
        };
        let response = next.handle(http::Request::from_parts(parts, body))?;

        let (parts, mut body) = response.into_parts();
        let response_body = body.read_to_vec()?;
        let violations = parts
            .headers
            .get("sl-violations")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Exchange {
                method,
                uri,
                request_body,
                status: parts.status.as_u16(),
                violations,
                response_body: response_body.clone(),
            });
        Ok(http::Response::from_parts(
            parts,
            Body::builder().data(response_body),
        ))
    }
}

// ---------------------------------------------------------------------------
// The OpenAPI document
// ---------------------------------------------------------------------------

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/kratos-openapi.json")
}

struct Spec {
    doc: Value,
}

impl Spec {
    fn load(path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the OpenAPI document {}: {e}", path.display()))?;
        let doc = serde_json::from_str(&text)
            .map_err(|e| format!("the OpenAPI document {} is not JSON: {e}", path.display()))?;
        Ok(Spec { doc })
    }

    /// Follows `$ref`s (local ones, `#/…`) to the object they name.
    fn resolve<'v>(&'v self, mut value: &'v Value) -> &'v Value {
        for _ in 0..32 {
            let Some(target) = value["$ref"].as_str() else {
                return value;
            };
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
            {
                Some(next) => value = next,
                None => return &Value::Null,
            }
        }
        value
    }

    /// The operation for a method and a concrete path: its `operationId`,
    /// the operation object and its path item. Literal segments beat
    /// templated ones.
    fn operation(&self, method: &str, path: &str) -> Option<(String, &Value, &Value)> {
        let method = method.to_ascii_lowercase();
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, String, &Value, &Value)> = None;
        for (template, item) in self.doc["paths"].as_object()? {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let matches = parts.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !s.is_empty()
                } else {
                    literal += 1;
                    t == s
                }
            });
            let operation = &item[method.as_str()];
            if !matches || !operation.is_object() {
                continue;
            }
            if best.as_ref().is_none_or(|(l, ..)| literal > *l) {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or(template)
                    .to_string();
                best = Some((literal, id, operation, item));
            }
        }
        best.map(|(_, id, op, item)| (id, op, item))
    }

    /// The operation with this `operationId`, and its path item.
    fn operation_by_id(&self, operation_id: &str) -> Option<(String, &Value, &Value)> {
        self.doc["paths"]
            .as_object()?
            .iter()
            .find_map(|(template, item)| {
                item.as_object()?
                    .values()
                    .find(|op| op["operationId"] == operation_id)
                    .map(|op| (template.clone(), op, item))
            })
    }

    /// Adds `body:/pointer` for every property `schema` declares, nested
    /// ones included (`*` for array items).
    fn declared_fields(&self, schema: &Value, at: &str, out: &mut BTreeSet<String>, depth: usize) {
        let schema = self.resolve(schema);
        if depth > 16 {
            return;
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, sub) in properties {
                let here = format!("{at}/{name}");
                out.insert(format!("body:{here}"));
                self.declared_fields(sub, &here, out, depth + 1);
            }
        }
        if schema["items"].is_object() {
            self.declared_fields(&schema["items"], &format!("{at}/*"), out, depth + 1);
        }
    }

    /// Collects the fields of `original` that `schema` declares, that carry
    /// a value (not `null`, `""`, `[]` or `{}`, which a model may leave
    /// out), and that are missing from `kept` or changed there.
    fn lost_fields(
        &self,
        original: &Value,
        kept: &Value,
        schema: &Value,
        at: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        let schema = self.resolve(schema);
        if depth > 24 {
            return;
        }
        match original {
            Value::Object(fields) => {
                let properties = schema["properties"].as_object();
                let additional = &schema["additionalProperties"];
                for (name, value) in fields {
                    let sub = match properties.and_then(|p| p.get(name)) {
                        Some(sub) => sub,
                        None if additional.is_object() => additional,
                        None => continue,
                    };
                    if is_blank(value) {
                        continue;
                    }
                    let here = format!("{at}/{name}");
                    match kept.get(name) {
                        None => out.push(format!(
                            "{here} (sent {})",
                            excerpt(&value.to_string(), 0, 120)
                        )),
                        Some(kept) => self.lost_fields(value, kept, sub, &here, out, depth + 1),
                    }
                }
            }
            Value::Array(items) => match kept.as_array() {
                Some(kept) if kept.len() == items.len() => {
                    for (i, (item, kept)) in items.iter().zip(kept).enumerate() {
                        let here = format!("{at}/{i}");
                        self.lost_fields(item, kept, &schema["items"], &here, out, depth + 1);
                    }
                }
                _ => out.push(format!("{at}: {} items sent, {kept} kept", items.len())),
            },
            scalar => {
                if !same_json(scalar, kept) {
                    out.push(format!("{at}: sent {scalar}, kept {kept}"));
                }
            }
        }
    }

    /// Collects, as JSON Pointers, the object fields of `value` that
    /// `schema` does not declare. A schema without `properties` and
    /// `additionalProperties` takes any field.
    fn undeclared_fields(&self, value: &Value, schema: &Value, at: &str, out: &mut Vec<String>) {
        let schema = self.resolve(schema);
        match value {
            Value::Object(fields) => {
                let properties = schema["properties"].as_object();
                let additional = &schema["additionalProperties"];
                if properties.is_none() && additional.is_null() {
                    return;
                }
                for (name, field) in fields {
                    let here = format!("{at}/{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(sub) => self.undeclared_fields(field, sub, &here, out),
                        None => match additional {
                            Value::Bool(true) => {}
                            Value::Object(_) => {
                                self.undeclared_fields(field, additional, &here, out)
                            }
                            _ => out.push(here),
                        },
                    }
                }
            }
            Value::Array(items) if schema["items"].is_object() => {
                for (i, item) in items.iter().enumerate() {
                    self.undeclared_fields(item, &schema["items"], &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// The smallest instance of `schema` we can build: required properties
    /// only, each from its example or a sample of its type and format.
    fn minimal_instance(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > 16 {
            return Value::Null;
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(values) = schema["enum"].as_array() {
            return values
                .iter()
                .find(|v| *v != "")
                .or(values.first())
                .cloned()
                .unwrap_or(Value::Null);
        }
        if let Some(properties) = schema["properties"].as_object() {
            let mut object = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = name.as_str() {
                    let sub = properties.get(name).unwrap_or(&Value::Null);
                    object.insert(name.to_string(), self.minimal_instance(sub, depth + 1));
                }
            }
            return Value::Object(object);
        }
        match schema["type"].as_str() {
            Some("object") => json!({}),
            Some("array") => json!([]),
            Some("string") => match schema["format"].as_str() {
                Some("uuid" | "uuid4") => json!("0b8f2c6e-5d3a-4e1f-9c7b-2a4d6e8f0a1c"),
                Some("date-time") => json!("2024-03-01T10:00:00Z"),
                _ => json!("string"),
            },
            Some("integer" | "number") => json!(0),
            Some("boolean") => json!(false),
            _ => Value::Null,
        }
    }

    /// Puts `example` into `instance` at the place `schema_path` (a path
    /// inside `schema`: `properties/x`, `items`, …) describes, creating what
    /// is missing on the way. Returns the place as a JSON Pointer.
    fn place(
        &self,
        schema: &Value,
        instance: &mut Value,
        schema_path: &[String],
        example: Value,
    ) -> Result<String, String> {
        let schema = self.resolve(schema);
        match schema_path {
            [] => {
                *instance = example;
                Ok(String::new())
            }
            [kind, name, rest @ ..] if kind == "properties" => {
                let sub = &schema["properties"][name.as_str()];
                let object = instance
                    .as_object_mut()
                    .ok_or_else(|| format!("expected an object at {name:?}"))?;
                let field = object
                    .entry(name.clone())
                    .or_insert_with(|| self.minimal_instance(sub, 0));
                let below = self.place(sub, field, rest, example)?;
                Ok(format!("/{name}{below}"))
            }
            [kind, rest @ ..] if kind == "items" => {
                let sub = &schema["items"];
                if !instance.is_array() {
                    *instance = json!([]);
                }
                let array = instance.as_array_mut().ok_or("expected an array")?;
                if array.is_empty() {
                    array.push(self.minimal_instance(sub, 0));
                }
                let below = self.place(sub, &mut array[0], rest, example)?;
                Ok(format!("/0{below}"))
            }
            [kind, rest @ ..] if kind == "additionalProperties" => {
                let sub = &schema["additionalProperties"];
                let object = instance
                    .as_object_mut()
                    .ok_or("expected an object for additionalProperties")?;
                let field = object
                    .entry("example")
                    .or_insert_with(|| self.minimal_instance(sub, 0));
                let below = self.place(sub, field, rest, example)?;
                Ok(format!("/example{below}"))
            }
            [kind, index, rest @ ..] if matches!(kind.as_str(), "allOf" | "anyOf" | "oneOf") => {
                let i: usize = index.parse().map_err(|_| format!("bad index {index}"))?;
                self.place(&schema[kind.as_str()][i], instance, rest, example)
            }
            other => Err(format!("cannot follow {other:?}")),
        }
    }
}

/// The examples inside one schema, with their place in it; `$ref`s are not
/// followed (their examples belong to the schema they name).
fn collect_schema_examples(
    schema: &Value,
    at: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if object.contains_key("$ref") {
        return;
    }
    if let Some(example) = object.get("example") {
        out.push((at.clone(), example.clone()));
    }
    if let Some(Value::Array(examples)) = object.get("examples") {
        for example in examples {
            out.push((at.clone(), example.clone()));
        }
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, sub) in properties {
            at.extend(["properties".to_string(), name.clone()]);
            collect_schema_examples(sub, at, out);
            at.truncate(at.len() - 2);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = object.get(key) {
            at.push(key.to_string());
            collect_schema_examples(sub, at, out);
            at.pop();
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, sub) in object
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            at.extend([key.to_string(), i.to_string()]);
            collect_schema_examples(sub, at, out);
            at.truncate(at.len() - 2);
        }
    }
}

/// The examples of the media types of a request body or response:
/// `(location, schema, example)`.
fn media_examples(at: &str, holder: &Value, out: &mut Vec<(String, Value, Value)>) {
    for (media_type, media) in holder["content"].as_object().into_iter().flatten() {
        let schema = media["schema"].clone();
        let here = format!("{at}/content/{media_type}");
        if let Some(example) = media.get("example") {
            out.push((format!("{here}/example"), schema.clone(), example.clone()));
        }
        for (name, example) in media["examples"].as_object().into_iter().flatten() {
            if let Some(value) = example.get("value") {
                out.push((
                    format!("{here}/examples/{name}"),
                    schema.clone(),
                    value.clone(),
                ));
            }
        }
    }
}

/// The body fields the server assigns itself, which an import does not send.
const SERVER_ASSIGNED: [&str; 6] = [
    "verifiable_addresses/*/id",
    "verifiable_addresses/*/created_at",
    "verifiable_addresses/*/updated_at",
    "recovery_addresses/*/id",
    "recovery_addresses/*/created_at",
    "recovery_addresses/*/updated_at",
];

/// Adds `body:/pointer` for every object field in `value` (`*` for array
/// items).
fn fields_present(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let here = format!("{at}/{name}");
                out.insert(format!("body:{here}"));
                fields_present(field, &here, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                fields_present(item, &format!("{at}/*"), out);
            }
        }
        _ => {}
    }
}

/// The component schema a body schema names, and whether the body is a list
/// of it: `{"$ref": …}` or `{"type": "array", "items": {"$ref": …}}`.
fn model_of(spec: &Spec, schema: &Value) -> Option<(String, bool)> {
    if let Some(name) = schema_name(schema) {
        return Some((name, false));
    }
    let schema = spec.resolve(schema);
    match (schema_name(schema), schema_name(&schema["items"])) {
        (Some(name), _) => Some((name, false)),
        (None, Some(name)) => Some((name, true)),
        _ => None,
    }
}

/// The name of the component schema a `$ref` names.
fn schema_name(schema: &Value) -> Option<String> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// `null`, `""`, `[]` or `{}`: what a model may drop or fill in.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Equal JSON, where two timestamps for the same instant, or two spellings
/// of one UUID, are equal however they are written.
fn same_json(a: &Value, b: &Value) -> bool {
    use time::format_description::well_known::Rfc3339;
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::String(a), Value::String(b)) => {
            match (
                time::OffsetDateTime::parse(a, &Rfc3339),
                time::OffsetDateTime::parse(b, &Rfc3339),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => matches!((Uuid::parse_str(a), Uuid::parse_str(b)), (Ok(a), Ok(b)) if a == b),
            }
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

type Decode = fn(Value) -> Result<Value, String>;

/// Decodes into `T` and encodes back, so the caller can see what was kept.
fn via<T: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| e.to_string())
}

/// `errorGeneric`: the envelope the crate decodes inside its error handling.
#[derive(Serialize, Deserialize)]
struct ErrorEnvelope {
    error: GenericError,
}

/// The document's schemas the crate models, and the Rust type of each.
fn modeled_schemas() -> BTreeMap<&'static str, Decode> {
    BTreeMap::from([
        ("identity", via::<Identity> as Decode),
        ("identityCredentials", via::<IdentityCredentials>),
        (
            "verifiableIdentityAddress",
            via::<VerifiableIdentityAddress>,
        ),
        ("recoveryIdentityAddress", via::<RecoveryIdentityAddress>),
        ("identityVerifiableAddressStatus", via::<String>),
        ("createIdentityBody", via::<CreateIdentityBody>),
        ("updateIdentityBody", via::<UpdateIdentityBody>),
        ("identityWithCredentials", via::<IdentityWithCredentials>),
        (
            "identityWithCredentialsPassword",
            via::<IdentityWithCredentialsPassword>,
        ),
        (
            "identityWithCredentialsPasswordConfig",
            via::<IdentityWithCredentialsPasswordConfig>,
        ),
        (
            "identityWithCredentialsOidc",
            via::<IdentityWithCredentialsOidc>,
        ),
        (
            "identityWithCredentialsOidcConfig",
            via::<IdentityWithCredentialsOidcConfig>,
        ),
        (
            "identityWithCredentialsOidcConfigProvider",
            via::<OidcProvider>,
        ),
        (
            "identityWithCredentialsSaml",
            via::<IdentityWithCredentialsSaml>,
        ),
        (
            "identityWithCredentialsSamlConfig",
            via::<IdentityWithCredentialsSamlConfig>,
        ),
        (
            "identityWithCredentialsSamlConfigProvider",
            via::<SamlProvider>,
        ),
        (
            "identityWithCredentialsTotp",
            via::<IdentityWithCredentialsTotp>,
        ),
        (
            "identityWithCredentialsTotpConfig",
            via::<IdentityWithCredentialsTotpConfig>,
        ),
        (
            "identityWithCredentialsWebAuthn",
            via::<IdentityWithCredentialsWebAuthn>,
        ),
        (
            "identityWithCredentialsWebAuthnConfig",
            via::<IdentityWithCredentialsWebAuthnConfig>,
        ),
        (
            "identityWithCredentialsPasskey",
            via::<IdentityWithCredentialsPasskey>,
        ),
        (
            "identityWithCredentialsPasskeyConfig",
            via::<IdentityWithCredentialsPasskeyConfig>,
        ),
        (
            "AdminIdentityImportCredentialsLookupSecret",
            via::<IdentityWithCredentialsLookupSecret>,
        ),
        (
            "AdminIdentityImportCredentialsLookupSecretConfig",
            via::<IdentityWithCredentialsLookupSecretConfig>,
        ),
        (
            "identityCredentialsLookupSecretCode",
            via::<LookupSecretCode>,
        ),
        ("jsonPatch", via::<JsonPatch>),
        ("jsonPatchDocument", via::<Vec<JsonPatch>>),
        ("patchIdentitiesBody", via::<PatchIdentitiesBody>),
        ("identityPatch", via::<IdentityPatch>),
        (
            "batchPatchIdentitiesResponse",
            via::<BatchPatchIdentitiesResponse>,
        ),
        ("identityPatchResponse", via::<IdentityPatchResponse>),
        (
            "createRecoveryCodeForIdentityBody",
            via::<CreateRecoveryCodeForIdentityBody>,
        ),
        (
            "createRecoveryLinkForIdentityBody",
            via::<CreateRecoveryLinkForIdentityBody>,
        ),
        ("recoveryCodeForIdentity", via::<RecoveryCodeForIdentity>),
        ("recoveryLinkForIdentity", via::<RecoveryLinkForIdentity>),
        ("identitySchemaContainer", via::<IdentitySchemaContainer>),
        ("identitySchemas", via::<Vec<IdentitySchemaContainer>>),
        // A JSON Schema, which the client hands over as raw JSON.
        ("identitySchema", via::<Value>),
        ("session", via::<Session>),
        (
            "sessionAuthenticationMethod",
            via::<SessionAuthenticationMethod>,
        ),
        (
            "sessionAuthenticationMethods",
            via::<Vec<SessionAuthenticationMethod>>,
        ),
        ("sessionDevice", via::<SessionDevice>),
        (
            "authenticatorAssuranceLevel",
            via::<AuthenticatorAssuranceLevel>,
        ),
        ("manageSessionsBody", via::<ManageSessionsBody>),
        ("manageSessionsResponse", via::<ManageSessionsResponse>),
        ("createTestLoginFlowBody", via::<CreateTestLoginFlowBody>),
        ("loginFlow", via::<LoginFlow>),
        ("genericError", via::<GenericError>),
        ("errorGeneric", via::<ErrorEnvelope>),
    ])
}

// ---------------------------------------------------------------------------
// Prism
// ---------------------------------------------------------------------------

/// Why a Prism test cannot run. On CI that fails it; elsewhere it is skipped,
/// saying so.
fn unavailable(test: &str, reason: &str) {
    let on_ci = std::env::var("CI")
        .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    if on_ci {
        panic!("conformance test {test} cannot run on CI (CI is set): {reason}");
    }
    // Straight to stderr, past the test harness's capture, so a skip is seen.
    let _ = writeln!(std::io::stderr(), "skipping conformance: {test}: {reason}");
}

/// Loads the document and starts Prism on it, or reports why not.
fn start_or_skip(test: &str, mode: Mode) -> Option<(Spec, Prism)> {
    let started = (|| {
        let path = spec_path();
        let spec = Spec::load(&path)?;
        let served = match mode {
            Mode::Static => path,
            Mode::Dynamic => write_dynamic_spec(&spec)?,
        };
        let prism = Prism::start(mode, &served)?;
        Ok::<_, String>((spec, prism))
    })();
    match started {
        Ok(started) => Some(started),
        Err(reason) => {
            unavailable(test, &reason);
            None
        }
    }
}

/// The document for dynamic mode: as it is, but with the `NullUUID` format
/// `uuid4`, which Prism's generator does not know (it would fill those
/// fields with lorem ipsum), read as `uuid`.
fn write_dynamic_spec(spec: &Spec) -> Result<PathBuf, String> {
    fn rewrite(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.get("format").is_some_and(|f| f == "uuid4") {
                    map.insert("format".into(), json!("uuid"));
                }
                map.values_mut().for_each(rewrite);
            }
            Value::Array(items) => items.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    let mut doc = spec.doc.clone();
    rewrite(&mut doc);
    // Written beside and renamed into place, so a concurrent run never
    // reads half a file.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("kratos-openapi.dynamic.json");
    let partial = dir.join(format!("kratos-openapi.dynamic.{}.tmp", std::process::id()));
    let text = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Where to find Prism: `PRISM_BIN`, the checkout's `.cache/prism`, `PATH`.
fn find_prism() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("PRISM_BIN").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
        return match bin.is_file() {
            true => Ok(bin),
            false => Err(format!("PRISM_BIN={} is not a file", bin.display())),
        };
    }
    let cached = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/prism/node_modules/.bin/prism");
    if cached.is_file() {
        return Ok(cached);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("prism"))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| {
            "Stoplight Prism not found: set PRISM_BIN, or install it as .ci/run does \
             (npm install --prefix .cache/prism @stoplight/prism-cli@5.14.2), or put prism on PATH"
                .to_string()
        })
}

/// A running Prism. Dropping it stops its whole process group.
struct Prism {
    child: Child,
    base_url: String,
    log: PathBuf,
}

impl Prism {
    /// Starts Prism on a free loopback port and waits until it answers.
    fn start(mode: Mode, spec: &Path) -> Result<Prism, String> {
        let bin = find_prism()?;
        let mut last_error = String::new();
        // A port found free can be taken before Prism binds it: try again.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free loopback port: {e}"))?
                .port();
            let mut prism = Prism::spawn(&bin, mode, spec, port)?;
            match prism.wait_until_ready() {
                Ok(()) => return Ok(prism),
                Err(e) if prism.log_tail().contains("EADDRINUSE") => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }

    fn spawn(bin: &Path, mode: Mode, spec: &Path, port: u16) -> Result<Prism, String> {
        let log_path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{}.log", mode.name()));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
        let mut command = Command::new(bin);
        command.arg("mock");
        if mode == Mode::Dynamic {
            command.arg("--dynamic");
        }
        command
            .args([
                "--errors",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .arg(spec)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group, so that stopping it stops all of it.
            .process_group(0);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        Ok(Prism {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log: log_path,
        })
    }

    /// Polls until Prism answers any HTTP request, it exits, or the time is up.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        let url = format!("{}/health/alive", self.base_url);
        let started = Instant::now();
        loop {
            if agent.get(&url).call().is_ok() {
                return Ok(());
            }
            if !self.is_running() {
                return Err(format!(
                    "Prism exited before it answered; the end of its log ({}):\n{}",
                    self.log.display(),
                    self.log_tail()
                ));
            }
            if started.elapsed() > PRISM_START_TIMEOUT {
                return Err(format!(
                    "Prism did not answer {url} within {PRISM_START_TIMEOUT:?}; the end of its log ({}):\n{}",
                    self.log.display(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Sends `signal` to Prism's process group.
    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        // Whatever is left of the group, and Prism itself should `kill` be missing.
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
