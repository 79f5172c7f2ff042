//! Changing identities: create, update (PUT), patch (JSON Patch), batch
//! patch, delete, and deleting one credential.

use serde::de::DeserializeOwned;

use crate::api::builder::RequestBuilder;
use crate::api::endpoint::{Call, Endpoint, RawResponse, Sealed, decode_json};
use crate::api::operation::{
    BATCH_PATCH_IDENTITIES, CREATE_IDENTITY, DELETE_IDENTITY, DELETE_IDENTITY_CREDENTIALS,
    Operation, PATCH_IDENTITY, UPDATE_IDENTITY,
};
use crate::api::{IdentityOp, sealed};
use crate::client::{DEFAULT_BATCH_TIMEOUT, IdentityClient};
use crate::error::{Error, InvalidInputKind};
use crate::models::IdArg;
use crate::models::{
    BatchPatchIdentitiesResponse, CreateIdentityBody, Identity, IdentityPatch,
    IdentityWithCredentials, JsonPatch, PatchIdentitiesBody, ServerVersion, UpdateIdentityBody,
};

/// `POST /admin/identities`: creates an identity, optionally importing credentials.
pub type CreateIdentity<T = serde_json::Value> = IdentityOp<CreateIdentityBody, T>;

/// `PUT /admin/identities/{id}`: replaces an identity's traits, state, metadata and external id.
pub type UpdateIdentity<T = serde_json::Value> = IdentityOp<UpdateIdentityParams, T>;

/// `PATCH /admin/identities/{id}`: applies a JSON Patch (RFC 6902) to an identity.
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

/// `PATCH /admin/identities`: creates many identities in one request.
#[derive(Debug, Clone)]
pub struct BatchPatchIdentities {
    body: PatchIdentitiesBody,
}

/// `DELETE /admin/identities/{id}`: deletes an identity and everything it owns.
#[derive(Debug, Clone)]
pub struct DeleteIdentity {
    id: String,
    missing_ok: bool,
}

/// `DELETE /admin/identities/{id}/credentials/{type}`: deletes one credential of an identity.
#[derive(Debug, Clone)]
pub struct DeleteIdentityCredentials {
    id: String,
    credential_type: String,
    identifier: Option<String>,
    missing_ok: bool,
}

impl IdentityClient {
    /// Creates an identity. Credentials (a password, a password hash, OIDC
    /// or SAML links, …) can be imported with it.
    ///
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
    /// let identity = client.create_identity(body).send()?;
    /// println!("created {}", identity.id);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; a duplicate identifier or external id
    /// is a 409 ([`Error::is_conflict`]), traits that fail the schema a 400.
    /// Not retried once it may have reached the server.
    pub fn create_identity(&self, body: CreateIdentityBody) -> RequestBuilder<CreateIdentity> {
        self.request(IdentityOp::new(body))
    }

    /// Replaces an identity (PUT). **Omitting `metadata_public`,
    /// `metadata_admin` or `external_id` clears them**; omitted credentials
    /// are kept. Start from [`UpdateIdentityBody::from_identity`] to change
    /// one thing and keep the rest, or use [`patch_identity`](Self::patch_identity).
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing identity, 409 for
    /// a duplicate identifier, 400 for traits that fail the schema.
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

    /// Applies JSON Patch operations to an identity. `/id`,
    /// `/stateChangedAt` and `/credentials/oidc|saml` cannot be changed.
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing identity, 400 for
    /// a patch Kratos refuses, 409 for a duplicate identifier. Not retried
    /// once it may have reached the server (a JSON Patch need not be idempotent).
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

    /// Creates many identities in one request; the raw call behind
    /// [`import_identities`](Self::import_identities). Kratos answers 200 even
    /// when items fail: each entry of the response says `create` or `error`,
    /// in request order. At most 1000 items (200 with plaintext passwords)
    /// and, self-hosted, 5 MiB per request.
    ///
    /// Kratos hashes plaintext passwords inside the request, one after the
    /// other (about 0.25 s each with bcrypt at cost 12), so this call's
    /// timeout defaults to [`DEFAULT_BATCH_TIMEOUT`](crate::DEFAULT_BATCH_TIMEOUT)
    /// (2 min) rather than the client's; [`timeout`](RequestBuilder::timeout)
    /// sets another. It is not retried once it may have reached the server:
    /// a batch is not idempotent.
    ///
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
    /// assert_eq!(response.identities.len(), 1);
    /// # Ok::<(), kratos_identity::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 400 when the whole request is refused
    /// (malformed, over the limits). Per-item failures are not errors: they
    /// are in the response.
    pub fn batch_patch_identities(
        &self,
        body: PatchIdentitiesBody,
    ) -> RequestBuilder<BatchPatchIdentities> {
        self.request(BatchPatchIdentities { body })
    }

    /// Deletes an identity, its credentials, sessions and addresses. Kratos
    /// answers 404 for an identity that does not exist (and for an id that
    /// is not a UUID); [`missing_ok(true)`](RequestBuilder::missing_ok)
    /// makes that a success.
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 404 for a missing identity unless
    /// `missing_ok(true)`.
    pub fn delete_identity(&self, id: impl IdArg) -> RequestBuilder<DeleteIdentity> {
        self.request(DeleteIdentity {
            id: id.id_text(),
            missing_ok: false,
        })
    }

    /// Deletes one credential type of an identity (`"password"`, `"totp"`,
    /// `"oidc"`, … or a [`CredentialType`](crate::CredentialType)). For
    /// `oidc` and `saml` (and `deviceauthn`), name the provider's subject with
    /// [`identifier`](RequestBuilder::<DeleteIdentityCredentials>::identifier).
    ///
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
    ///
    /// # Errors
    /// As for [`RequestBuilder::send`]; 400 when it would delete the last
    /// first factor or when `identifier` is missing for `oidc`, `saml` or
    /// `deviceauthn`; 404 for an identity that does not have that type
    /// (unless [`missing_ok(true)`](RequestBuilder::missing_ok)).
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

impl RequestBuilder<DeleteIdentityCredentials> {
    /// The identifier of the credential to delete; required for `oidc` and
    /// `saml` (the provider's subject, as listed in the credential's
    /// identifiers, e.g. `"google:1234567890"`).
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

    fn decode(&self, response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        decode_json(response)
    }
}

impl Endpoint for BatchPatchIdentities {
    type Output = BatchPatchIdentitiesResponse;
}

/// The batch call for these patches, from borrowed patches so that the
/// import can split a refused chunk without copying it first.
pub(crate) fn batch_call(identities: &[IdentityPatch]) -> Result<Call, Error> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        identities: &'a [IdentityPatch],
    }
    for patch in identities {
        if let Some(create) = &patch.create {
            create.check()?;
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

    fn decode(&self, _response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(())
    }
}

impl Endpoint for DeleteIdentity {
    type Output = ();
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
        .query_opt("identifier", self.identifier.as_ref());
        let call = call.missing_ok(self.missing_ok, "id", &self.id)?;
        Ok(call)
    }

    fn decode(&self, _response: &RawResponse) -> Result<<Self as Endpoint>::Output, Error> {
        Ok(())
    }
}

impl Endpoint for DeleteIdentityCredentials {
    type Output = ();
}

impl sealed::MissingOk for DeleteIdentityCredentials {
    fn missing_ok_mut(&mut self) -> &mut bool {
        &mut self.missing_ok
    }
}
