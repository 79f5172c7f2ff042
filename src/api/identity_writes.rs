//! Changing identities: create, update (PUT), patch (JSON Patch), batch
//! patch, delete, and deleting one credential.

use serde::de::DeserializeOwned;

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_deleted, decode_json};
use crate::api::operation::{
    BATCH_PATCH_IDENTITIES, CREATE_IDENTITY, DELETE_IDENTITY, DELETE_IDENTITY_CREDENTIALS,
    Operation, PATCH_IDENTITY, UPDATE_IDENTITY,
};
use crate::api::{IdentityOp, sealed};
use crate::client::{DEFAULT_BATCH_TIMEOUT, IdentityClient};
use crate::error::{Error, InvalidInputKind};
use crate::models::{
    BatchPatchIdentitiesResponse, CreateIdentityBody, Deleted, Identity, IdentityPatch,
    IdentityWithCredentials, JsonPatch, PatchIdentitiesBody, ServerVersion, UpdateIdentityBody,
};
use crate::models::{IdArg, password_hash_refused};

/// The operation of [`IdentityClient::create_identity`] (`POST
/// /admin/identities`), whose documentation lists its setters.
pub type CreateIdentity<T = serde_json::Value> = IdentityOp<CreateIdentityBody, T>;

/// The operation of [`IdentityClient::update_identity`] (`PUT
/// /admin/identities/{id}`), whose documentation lists its setters.
pub type UpdateIdentity<T = serde_json::Value> = IdentityOp<UpdateIdentityParams, T>;

/// The operation of [`IdentityClient::patch_identity`] (`PATCH
/// /admin/identities/{id}`), whose documentation lists its setters.
pub type PatchIdentity<T = serde_json::Value> = IdentityOp<PatchIdentityParams, T>;

/// The parameters of [`UpdateIdentity`], set through
/// [`IdentityClient::update_identity`] and its setters; you never name this type.
#[derive(Debug, Clone)]
pub struct UpdateIdentityParams {
    id: String,
    body: UpdateIdentityBody,
}

/// The parameters of [`PatchIdentity`], set through
/// [`IdentityClient::patch_identity`] and its setters; you never name this type.
#[derive(Debug, Clone)]
pub struct PatchIdentityParams {
    id: String,
    patches: Vec<JsonPatch>,
}

/// The operation of [`IdentityClient::batch_patch_identities`] (`PATCH
/// /admin/identities`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct BatchPatchIdentities {
    body: PatchIdentitiesBody,
}

/// The operation of [`IdentityClient::delete_identity`] (`DELETE
/// /admin/identities/{id}`), whose documentation lists its setters.
#[derive(Debug, Clone)]
pub struct DeleteIdentity {
    id: String,
    missing_ok: bool,
}

/// The operation of [`IdentityClient::delete_identity_credentials`]
/// (`DELETE /admin/identities/{id}/credentials/{type}`), whose
/// documentation lists its setters.
#[derive(Debug, Clone)]
pub struct DeleteIdentityCredentials {
    id: String,
    credential_type: String,
    identifier: Option<String>,
    missing_ok: bool,
}

/// Changing identities: create one, replace, patch, create many in one
/// request, delete, and delete one credential.
impl IdentityClient {
    /// Creates an identity, optionally with imported credentials:
    /// `POST /admin/identities`.
    ///
    /// `send()` returns the new [`Identity<T>`] (`T` is `serde_json::Value`
    /// unless [`traits`](RequestBuilder::traits) names your own type). The
    /// [`CreateIdentityBody`] carries the schema id, traits, state, metadata,
    /// `external_id` and any credentials to import: a password or its hash,
    /// OIDC and SAML links, and on master TOTP, lookup secrets, WebAuthn keys
    /// and passkeys. An empty schema id means the default schema. To create
    /// many, use [`import_identities`](Self::import_identities).
    ///
    /// # Setters
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the answer's
    ///   traits into your own type.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 409 ([`Error::is_conflict`]) when another
    ///   identity has one of its identifiers or its `external_id`.
    /// - [`Error::Api`] with status 400 for traits that do not fit the
    ///   schema, an unknown schema id, a password hash Kratos cannot parse,
    ///   a credential type the server does not import, or a body over the
    ///   self-hosted server's 5 MiB cap.
    /// - [`Error::InvalidInput`], with nothing sent, for an
    ///   `organization_id` (or an OIDC or SAML provider's organization) that
    ///   is not a UUID ([`InvalidInputKind::NotAUuid`]).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server (it would
    /// create the identity twice, or fail with 409). Then (a connection that
    /// broke or a timeout after the request was sent, a 502, 503 or 504
    /// from a proxy) its error says that it may have been applied, and
    /// [`Error::may_have_been_applied`] is `true`: look the identity up
    /// before sending it again.
    ///
    /// # Kratos versions
    /// - v26.2.0 imports only `password`, `oidc` and `saml` credentials; a
    ///   body with `totp`, `lookup_secret`, `webauthn` or `passkey`
    ///   credentials (or a `region`) is a 400 there (`json: unknown field
    ///   "totp"`). Master imports them all.
    /// - v26.2.0 checks only a hash's prefix (a bcrypt cost of 16 is
    ///   accepted); master refuses costs beyond its bounds with 400.
    /// - [`CreateIdentityBody::from_identity_for`] converts an exported
    ///   identity for a given target version, and refuses what it cannot
    ///   import.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("POST").path("/admin/identities"); then.status(201).body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"},"state":"active"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CreateIdentityBody;
    /// use serde_json::json;
    ///
    /// let body = CreateIdentityBody::new("default", json!({ "email": "ada@example.com" }))
    ///     .hashed_password("$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq")
    ///     .external_id("crm-4711");
    /// match client.create_identity(body).send() {
    ///     Ok(identity) => println!("created {}", identity.id),
    ///     Err(e) if e.is_conflict() => println!("ada@example.com exists already"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn create_identity(&self, body: CreateIdentityBody) -> RequestBuilder<CreateIdentity> {
        self.request(IdentityOp::new(body))
    }

    /// Replaces an identity: `PUT /admin/identities/{id}`.
    ///
    /// `send()` returns the updated [`Identity<T>`]. The
    /// [`UpdateIdentityBody`] replaces the traits, `metadata_public`,
    /// `metadata_admin` and `external_id`: **omitting one clears it**. An
    /// empty `state` or `schema_id` keeps the current one, and omitted
    /// credentials are kept. Start from [`UpdateIdentityBody::from_identity`]
    /// to change one thing and keep the rest, or use
    /// [`patch_identity`](Self::patch_identity).
    ///
    /// # Setters
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the answer's
    ///   traits into your own type.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity that does not exist, and for an id that is not a UUID.
    /// - [`Error::Api`] with status 409 ([`Error::is_conflict`]) when another
    ///   identity has one of its identifiers or the `external_id`.
    /// - [`Error::Api`] with status 400 for traits that do not fit the
    ///   schema or an unknown schema id.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, an OIDC
    ///   or SAML provider's organization that is not a UUID, or credentials
    ///   the server would drop ([`InvalidInputKind::Unsupported`], see
    ///   below).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// A PUT has the same effect sent twice, so it is retried like a read.
    ///
    /// # Kratos versions
    /// v26.2.0 answers a PUT with `totp`, `lookup_secret`, `webauthn` or
    /// `passkey` credentials 200 and drops them without a word (master
    /// imports them). When the body carries any of these, the client asks
    /// the server its version (once per client) and refuses, with
    /// [`InvalidInputKind::Unsupported`], what that server would drop; a
    /// server that does not say its version gets the request as it is.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PUT"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"new@example.com"},"state":"inactive"}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::{IdentityState, UpdateIdentityBody};
    /// use serde_json::json;
    ///
    /// let body = UpdateIdentityBody::new("default", IdentityState::Inactive, json!({ "email": "new@example.com" }));
    /// let identity = client.update_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13", body).send()?;
    /// assert_eq!(identity.state, Some(IdentityState::Inactive));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn update_identity(
        &self,
        id: impl IdArg,
        body: UpdateIdentityBody,
    ) -> RequestBuilder<UpdateIdentity> {
        self.request(IdentityOp::new(UpdateIdentityParams {
            id: id.id_text(),
            body,
        }))
    }

    /// Applies JSON Patch operations (RFC 6902) to an identity:
    /// `PATCH /admin/identities/{id}`.
    ///
    /// `send()` returns the patched [`Identity<T>`]. Kratos applies only
    /// `add`, `remove` and `replace` (the three [`JsonPatch`] offers), and
    /// `replace` of a path that does not exist adds it. Some paths cannot be
    /// patched; see [`JsonPatch`] and below.
    ///
    /// # Setters
    /// - [`traits::<U>()`](RequestBuilder::traits): decodes the answer's
    ///   traits into your own type.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity that does not exist, and for an id that is not a UUID.
    /// - [`Error::Api`] with status 400 for a path Kratos refuses, a
    ///   `remove` of a path that does not exist, or a result that no longer
    ///   fits the schema.
    /// - [`Error::Api`] with status 409 ([`Error::is_conflict`]) when the
    ///   patch gives it another identity's identifier or `external_id`.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server: a JSON Patch
    /// need not be idempotent (`add` to an array appends again).
    /// Then (a connection that broke or a timeout after the request was
    /// sent, a 502, 503 or 504 from a proxy) its error says that it may have
    /// been applied, and [`Error::may_have_been_applied`] is `true`.
    ///
    /// # Kratos versions
    /// Both refuse `/id`, the `/credentials` map itself and anything below
    /// `/credentials/oidc`. v26.2.0 lets `/credentials/oidc` itself and the
    /// SAML paths through; master refuses them too. Their deny list also
    /// names `/stateChangedAt`, which matches no field: `/state_changed_at`
    /// can be patched on both.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PATCH"); then.body(r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{},"state":"inactive","metadata_public":{"plan":"pro"}}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::JsonPatch;
    /// use serde_json::json;
    ///
    /// let identity = client
    ///     .patch_identity(
    ///         "9f425a8d-7efc-4768-8f23-7647a74fdf13",
    ///         vec![
    ///             JsonPatch::replace("/state", "inactive"),
    ///             JsonPatch::add("/metadata_public", json!({ "plan": "pro" })),
    ///         ],
    ///     )
    ///     .send()?;
    /// assert_eq!(identity.metadata_public, Some(json!({ "plan": "pro" })));
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn patch_identity(
        &self,
        id: impl IdArg,
        patches: Vec<JsonPatch>,
    ) -> RequestBuilder<PatchIdentity> {
        self.request(IdentityOp::new(PatchIdentityParams {
            id: id.id_text(),
            patches,
        }))
    }

    /// Creates many identities in one request: `PATCH /admin/identities`.
    /// The raw call behind [`import_identities`](Self::import_identities),
    /// which chunks, splits refused chunks and reports per input: prefer it.
    ///
    /// `send()` returns a [`BatchPatchIdentitiesResponse`]: one entry per
    /// patch, in request order, each `create` with the new id or `error`
    /// with Kratos's reason. **Kratos usually answers 200 even when items
    /// fail**: per-item failures are in the entries, not errors of the call.
    /// At most 1000 patches per request (200 when any carries a plaintext
    /// password) and, self-hosted, at most 5 MiB of body.
    ///
    /// # Setters
    /// - [`timeout`](RequestBuilder::timeout): this call's own timeout;
    ///   default [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT)
    ///   (2 min), not the client's, since Kratos hashes plaintext passwords
    ///   inside the request one after the other (about 0.25 s each with
    ///   bcrypt at cost 12).
    /// - [`deadline`](RequestBuilder::deadline): this call's own deadline;
    ///   default the client's, or twice the timeout.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 400 when the whole request is refused:
    ///   malformed, over the limits, or one item Kratos cannot take at all
    ///   (a password hash it cannot parse); nothing was created.
    /// - [`Error::Api`] with status 409 ([`Error::is_conflict`]) when a
    ///   duplicate fails the whole request: Kratos inserts item by item only
    ///   when the request holds more than one valid identity (and never on
    ///   MySQL); nothing was created.
    /// - [`Error::InvalidInput`], with nothing sent, for an `organization_id`
    ///   of a body (or of an OIDC or SAML provider) that is not a UUID.
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::Decode`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// It is not retried once it may have reached the server: a batch is
    /// not idempotent.
    /// Then (a connection that broke or a timeout after the request was
    /// sent, a 502, 503 or 504 from a proxy) its error says that it may have
    /// been applied, and [`Error::may_have_been_applied`] is `true`.
    /// ([`import_identities`](Self::import_identities) looks such inputs up
    /// itself.)
    ///
    /// # Kratos versions
    /// - v26.2.0 refuses the whole batch with 400 (its body says `code:
    ///   500`) when one item carries `totp`, `lookup_secret`, `webauthn` or
    ///   `passkey` credentials; master imports them.
    /// - Master refuses the whole batch with 400 for a password hash whose
    ///   cost is beyond its bounds; v26.2.0 checks only the hash's prefix.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("PATCH").path("/admin/identities"); then.body(r#"{"identities":[{"action":"create","identity":"9f425a8d-7efc-4768-8f23-7647a74fdf13"}]}"#); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::{CreateIdentityBody, IdentityPatch, PatchIdentitiesBody};
    /// use serde_json::json;
    ///
    /// let body = PatchIdentitiesBody::new(vec![IdentityPatch::create(CreateIdentityBody::new(
    ///     "default",
    ///     json!({ "email": "ada@example.com" }),
    /// ))]);
    /// let response = client.batch_patch_identities(body).send()?;
    /// for entry in response.identities.iter().flatten() {
    ///     match (entry.identity, &entry.error) {
    ///         (Some(id), _) => println!("created {id}"),
    ///         (None, Some(error)) => eprintln!("not created: {error}"),
    ///         (None, None) => eprintln!("no outcome"),
    ///     }
    /// }
    /// # assert_eq!(response.identities.len(), 1);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn batch_patch_identities(
        &self,
        body: PatchIdentitiesBody,
    ) -> RequestBuilder<BatchPatchIdentities> {
        self.request(BatchPatchIdentities { body })
    }

    /// Deletes an identity with its credentials, sessions and addresses:
    /// `DELETE /admin/identities/{id}`.
    ///
    /// `send()` returns what it found, a [`Deleted`]. Kratos answers 404 for
    /// an identity that does not exist (the OpenAPI document says 204; the
    /// server says 404), and for an id that is not a UUID;
    /// [`missing_ok(true)`](RequestBuilder::missing_ok) makes "already gone"
    /// a success.
    ///
    /// # Returns
    /// What the delete found ([`Deleted`]), each a success:
    /// - [`Deleted::Deleted`]: the server deleted it (a 2xx): it existed;
    /// - [`Deleted::NotFound`]: Kratos's 404 with `missing_ok(true)`:
    ///   there was nothing to delete;
    /// - [`Deleted::GoneOnRetry`]: an attempt whose outcome was unknown (a
    ///   502, 503 or 504, a broken connection, a timeout) came first, and the
    ///   retry found Kratos's 404: deleted by that attempt, or never there.
    ///
    /// Only `Deleted` proves that it existed. `send()?;` ignores the value.
    ///
    /// # Setters
    /// - [`missing_ok`](RequestBuilder::missing_ok): Kratos's 404 counts as
    ///   success.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for an
    ///   identity that does not exist, unless `missing_ok(true)`; a 404 that
    ///   is not Kratos's own (a proxy's, a wrong base URL's) stays an error
    ///   even then.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, or,
    ///   with `missing_ok(true)`, an id that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]: Kratos's 404 for it would read as
    ///   "already gone" while nothing was deleted).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// A DELETE is retried like a read; when a retry finds the identity gone
    /// after an attempt whose outcome was unknown, that counts as done
    /// ([`Deleted::GoneOnRetry`]).
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// // Fails with a 404 if it does not exist:
    /// client.delete_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13").send()?;
    /// // "Make sure it is gone":
    /// client.delete_identity("9f425a8d-7efc-4768-8f23-7647a74fdf13").missing_ok(true).send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn delete_identity(&self, id: impl IdArg) -> RequestBuilder<DeleteIdentity> {
        self.request(DeleteIdentity {
            id: id.id_text(),
            missing_ok: false,
        })
    }

    /// Deletes one credential type of an identity:
    /// `DELETE /admin/identities/{id}/credentials/{type}`.
    ///
    /// `send()` returns what it found, a [`Deleted`]. The type is a string
    /// (`"password"`, `"totp"`, `"oidc"`, …) or a
    /// [`CredentialType`](crate::CredentialType). For `oidc` and `saml` (and
    /// `deviceauthn`), name the link to remove with
    /// [`identifier`](RequestBuilder::identifier): the provider's subject.
    /// Removing the last OIDC or SAML link keeps the credential, with no
    /// identifiers left.
    ///
    /// # Returns
    /// What the delete found ([`Deleted`]), each a success:
    /// - [`Deleted::Deleted`]: the server deleted it (a 2xx): it existed;
    /// - [`Deleted::NotFound`]: Kratos's 404 with `missing_ok(true)`:
    ///   there was nothing to delete;
    /// - [`Deleted::GoneOnRetry`]: an attempt whose outcome was unknown (a
    ///   502, 503 or 504, a broken connection, a timeout) came first, and the
    ///   retry found Kratos's 404: deleted by that attempt, or never there.
    ///
    /// Only `Deleted` proves that it existed. `send()?;` ignores the value.
    ///
    /// # Setters
    /// - [`identifier`](RequestBuilder::identifier): which link of an `oidc`,
    ///   `saml` or `deviceauthn` credential to delete.
    /// - [`missing_ok`](RequestBuilder::missing_ok): Kratos's 404 counts as
    ///   success.
    /// - [`timeout`](RequestBuilder::timeout),
    ///   [`deadline`](RequestBuilder::deadline): this call's own limits.
    ///
    /// # Errors
    /// - [`Error::Api`] with status 400 when it would delete the identity's
    ///   last first factor, or when `identifier` is missing for `oidc`,
    ///   `saml` or `deviceauthn`.
    /// - [`Error::Api`] with status 404 ([`Error::is_not_found`]) for a
    ///   missing identity, an identity without that credential type, or an
    ///   unknown type, unless `missing_ok(true)`.
    /// - [`Error::InvalidInput`], with nothing sent, for an empty id, type or
    ///   `identifier` ([`InvalidInputKind::Empty`]), or, with
    ///   `missing_ok(true)`, an id that is not a UUID
    ///   ([`InvalidInputKind::NotAUuid`]).
    /// - Those of every call ([`send`](RequestBuilder::send)):
    ///   [`Error::Transport`], [`Error::BodyTooLarge`],
    ///   [`Error::RateLimited`], an [`Error::Api`] for any other status.
    ///
    /// # Kratos versions
    /// `deviceauthn` is a credential type of master only.
    ///
    /// # Example
    /// ```
    /// # let server = httpmock::MockServer::start();
    /// # server.mock(|when, then| { when.method("DELETE"); then.status(204); });
    /// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
    /// use kratos_identity::CredentialType;
    ///
    /// let id = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
    /// client.delete_identity_credentials(id, CredentialType::Totp).send()?;
    /// client.delete_identity_credentials(id, "oidc").identifier("google:1234567890").send()?;
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    pub fn delete_identity_credentials(
        &self,
        id: impl IdArg,
        credential_type: impl AsRef<str>,
    ) -> RequestBuilder<DeleteIdentityCredentials> {
        self.request(DeleteIdentityCredentials {
            id: id.id_text(),
            credential_type: credential_type.as_ref().to_string(),
            identifier: None,
            missing_ok: false,
        })
    }
}

/// The setter of [`delete_identity_credentials`](IdentityClient::delete_identity_credentials)
/// alone; its `missing_ok` is in the group of the deletes, below.
impl RequestBuilder<DeleteIdentityCredentials> {
    /// The identifier of the credential to delete; required for `oidc`,
    /// `saml` and `deviceauthn` (the provider's subject, as listed in the
    /// credential's identifiers, e.g. `"google:1234567890"`). An empty one
    /// is refused by `send()`.
    pub fn identifier(self, identifier: impl Into<String>) -> Self {
        self.with(|e| e.identifier = Some(identifier.into()))
    }
}

impl<T: DeserializeOwned> Sealed for CreateIdentity<T> {
    const OPERATION: Operation = CREATE_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        self.params.check()?;
        Call::new(CREATE_IDENTITY, &[])?.json(&self.params)
    }

    /// Refuses a password hash beyond the server's cost bounds (see
    /// [`check_hash_bounds`]).
    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        check_hash_bounds(self.params.credentials.as_ref(), client)?;
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl<T: DeserializeOwned> Endpoint for CreateIdentity<T> {
    type Output = Identity<T>;
}

impl<T: DeserializeOwned> Sealed for UpdateIdentity<T> {
    const OPERATION: Operation = UPDATE_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        self.params.body.check()?;
        Call::new(UPDATE_IDENTITY, &[&self.params.id])?.json(&self.params.body)
    }

    /// Kratos v26.2.0 answers a PUT with TOTP, lookup secret, WebAuthn or
    /// passkey credentials 200 and drops them: asks the server's version
    /// (once per client) when the body carries any, and refuses what it
    /// would drop.
    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        check_hash_bounds(self.params.body.credentials.as_ref(), client)?;
        let carried = self
            .params
            .body
            .credentials
            .as_ref()
            .map(IdentityWithCredentials::types)
            .unwrap_or_default();
        if carried
            .iter()
            .all(|t| ServerVersion::new("v26.2.0").imports_credential(t))
        {
            return Ok(call);
        }
        let Some(version) = client.known_version() else {
            return Ok(call);
        };
        let dropped: Vec<&str> = carried
            .iter()
            .filter(|t| !version.imports_credential(t))
            .map(|t| t.as_str())
            .collect();
        if dropped.is_empty() {
            return Ok(call);
        }
        Err(Error::invalid(
            InvalidInputKind::Unsupported,
            format!(
                "the server runs Kratos {version}, which would answer 200 and silently drop the {} credentials of this update (it imports only {}); leave them out, or update on a server that imports them",
                dropped.join(", "),
                version
                    .importable_credentials()
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl<T: DeserializeOwned> Endpoint for UpdateIdentity<T> {
    type Output = Identity<T>;
}

impl<T: DeserializeOwned> Sealed for PatchIdentity<T> {
    const OPERATION: Operation = PATCH_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        Call::new(PATCH_IDENTITY, &[&self.params.id])?.json(&self.params.patches)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl<T: DeserializeOwned> Endpoint for PatchIdentity<T> {
    type Output = Identity<T>;
}

impl Sealed for BatchPatchIdentities {
    const OPERATION: Operation = BATCH_PATCH_IDENTITIES;

    fn to_call(&self) -> Result<Call, Error> {
        batch_call(&self.body.identities)
    }

    /// Refuses a password hash beyond the server's cost bounds (see
    /// [`check_hash_bounds`]): master refuses the whole batch for one.
    fn prepare(&self, call: Call, client: &IdentityClient) -> Result<Call, Error> {
        for (index, patch) in self.body.identities.iter().enumerate() {
            let credentials = patch.create.as_ref().and_then(|c| c.credentials.as_ref());
            check_hash_bounds(credentials, client)
                .map_err(|e| e.with_message_prefix(&format!("identities[{index}]: ")))?;
        }
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for BatchPatchIdentities {
    type Output = BatchPatchIdentitiesResponse;
}

/// Refuses a password hash the server would refuse for its cost: master
/// bounds bcrypt, argon2, PBKDF2, scrypt and Firebase scrypt costs (v26.2.0
/// does not). The server's version is asked (once per client) only for a
/// hash beyond master's bounds; a server that does not say is taken to
/// enforce them. Hashes no version can use were refused before, by the
/// body's own check.
fn check_hash_bounds(
    credentials: Option<&IdentityWithCredentials>,
    client: &IdentityClient,
) -> Result<(), Error> {
    let Some(credentials) = credentials else {
        return Ok(());
    };
    if credentials.password_hash_problem(None).is_none() {
        return Ok(());
    }
    match credentials.password_hash_problem(client.known_version().as_ref()) {
        Some(problem) => Err(password_hash_refused(&problem)),
        None => Ok(()),
    }
}

/// The batch call for these patches, from borrowed patches so that the
/// import can split a refused chunk without copying it first.
pub(crate) fn batch_call<P>(identities: &[P]) -> Result<Call, Error>
where
    P: std::borrow::Borrow<IdentityPatch> + serde::Serialize,
{
    #[derive(serde::Serialize)]
    struct Body<'a, P> {
        identities: &'a [P],
    }
    for (index, patch) in identities.iter().enumerate() {
        if let Some(create) = &patch.borrow().create {
            create
                .check()
                .map_err(|e| e.with_message_prefix(&format!("identities[{index}]: ")))?;
        }
    }
    Ok(Call::new(BATCH_PATCH_IDENTITIES, &[])?
        .json(&Body { identities })?
        .default_timeout(DEFAULT_BATCH_TIMEOUT))
}

impl Sealed for DeleteIdentity {
    const OPERATION: Operation = DELETE_IDENTITY;

    fn to_call(&self) -> Result<Call, Error> {
        let call = Call::new(DELETE_IDENTITY, &[&self.id])?;
        let call = call.missing_ok(self.missing_ok, "id", &self.id)?;
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(decode_deleted(response))
    }
}

impl Endpoint for DeleteIdentity {
    type Output = Deleted;
}

impl sealed::MissingOk for DeleteIdentity {
    fn missing_ok_mut(&mut self) -> &mut bool {
        &mut self.missing_ok
    }
}

impl Sealed for DeleteIdentityCredentials {
    const OPERATION: Operation = DELETE_IDENTITY_CREDENTIALS;

    fn to_call(&self) -> Result<Call, Error> {
        if self.identifier.as_deref() == Some("") {
            return Err(Error::invalid(
                InvalidInputKind::Empty,
                "identifier must not be empty",
            ));
        }
        let call = Call::new(
            DELETE_IDENTITY_CREDENTIALS,
            &[&self.id, &self.credential_type],
        )?
        // An OIDC or SAML subject: the user's own, so private (no `public`).
        .query_opt("identifier", self.identifier.as_ref());
        let call = call.missing_ok(self.missing_ok, "id", &self.id)?;
        Ok(call)
    }

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(decode_deleted(response))
    }
}

impl Endpoint for DeleteIdentityCredentials {
    type Output = Deleted;
}

impl sealed::MissingOk for DeleteIdentityCredentials {
    fn missing_ok_mut(&mut self) -> &mut bool {
        &mut self.missing_ok
    }
}
