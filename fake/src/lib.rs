//! [`FakeKratos`]: a stateful fake of the Kratos admin API on a loopback
//! port, for testing your own code without Kratos. The crate also builds a
//! binary, `kratos-identity-fake`, for tests in any language (see the
//! README).
//!
//! It answers the way the real server does, quirks included (and within the
//! OpenAPI document): identities with their credentials in Kratos's export
//! shape, checked against their identity schemas, keyset and legacy
//! pagination with Kratos's own `Link` headers, the list filters, strict
//! create bodies, 409s for duplicate identifiers and external ids, batch
//! imports with per-item results, sessions, recovery and schemas, and
//! Kratos's error envelope, as v26.2.0 or master answers (see
//! [`KratosVersion`]). It can also misbehave on purpose: latency, Ory
//! Network's per-bucket rate limit, failing every n-th request, slow
//! password hashing, and [`Fault`]s aimed at one operation (an error
//! status, a dropped connection or a stall, before or after the work is
//! done). Every request is logged.
//!
//! Add it for your tests only (by path until the crates are on crates.io):
//!
//! ```toml
//! [dependencies]
//! kratos-identity = { path = "../kratos-identity" }
//!
//! [dev-dependencies]
//! kratos-identity-fake = { path = "../kratos-identity/fake" }
//! ```
//!
//! A test of your own code, here a function that deactivates every user of
//! a domain:
//!
//! ```
//! use kratos_identity_fake::FakeKratos;
//! use kratos_identity::{CreateIdentityBody, IdentityClient, IdentityState, JsonPatch};
//! use serde_json::json;
//!
//! /// The code under test: deactivates every identity whose email ends in `domain`.
//! fn deactivate_domain(client: &IdentityClient, domain: &str) -> Result<usize, kratos_identity::Error> {
//!     let mut count = 0;
//!     for identity in client.list_identities().page_size(100).items() {
//!         let identity = identity?;
//!         let email = identity.traits["email"].as_str().unwrap_or_default();
//!         if email.ends_with(domain) {
//!             client
//!                 .patch_identity(identity.id, vec![JsonPatch::replace("/state", "inactive")])
//!                 .send()?;
//!             count += 1;
//!         }
//!     }
//!     Ok(count)
//! }
//!
//! # fn main() -> Result<(), kratos_identity::Error> {
//! let kratos = FakeKratos::builder().identities(250).start(); // 250 @example.com users
//! let client = kratos.client();
//! let ada = client
//!     .create_identity(CreateIdentityBody::new("default", json!({"email": "ada@acme.test"})))
//!     .send()?;
//!
//! assert_eq!(deactivate_domain(&client, "@acme.test")?, 1);
//!
//! let ada = client.get_identity(ada.id).send()?;
//! assert_eq!(ada.state, Some(IdentityState::Inactive));
//! // What the code sent: one create, three pages of 100, one patch, one get.
//! let patches = kratos.requests().iter().filter(|r| r.method == "PATCH").count();
//! assert_eq!(patches, 1);
//! assert_eq!(kratos.requests().len(), 6);
//! # Ok(())
//! # }
//! ```
//!
//! Faults make the unhappy paths testable:
//!
//! ```
//! use std::time::Duration;
//! use kratos_identity::IdentityClient;
//! use kratos_identity_fake::{FakeKratos, RateLimit};
//!
//! let kratos = FakeKratos::builder()
//!     .identities(3)
//!     .rate_limit(RateLimit::per_second(2))
//!     .start();
//! // A client that neither paces nor retries meets the limit head on.
//! let client = IdentityClient::builder(kratos.base_url())
//!     .max_retries(0)
//!     .pacing(false)
//!     .build()
//!     .unwrap();
//! assert!(client.list_identities().send().is_ok());
//! assert!(client.list_identities().send().is_ok());
//! let err = client.list_identities().send().unwrap_err();
//! assert!(err.is_rate_limited());
//! // The default client spaces its requests to the budget instead.
//! for _ in 0..3 {
//!     kratos.client().list_identities().send().unwrap();
//! }
//!
//! kratos.set_rate_limit(None);
//! kratos.fail_every(2, 503); // every second request from now on
//! assert!(client.list_identities().send().is_ok());
//! assert_eq!(client.list_identities().send().unwrap_err().status(), Some(503));
//! kratos.fail_every(0, 503);
//! # kratos.set_latency(Duration::ZERO);
//! ```
//!
//! `fail_every` counts every request, a client's retries included. A
//! [`Fault`] is aimed at one operation (or a method and path, or any
//! request) and counts only the requests it matches:
//!
//! ```
//! use kratos_identity::{CreateIdentityBody, Operation};
//! use kratos_identity_fake::{FakeKratos, Fault};
//! use serde_json::json;
//!
//! let kratos = FakeKratos::builder()
//!     // Every second create is done, then answered 502: the lost answer
//!     // a bulk import must survive.
//!     .fault(Fault::on(Operation::CREATE_IDENTITY).after_work().status(502).every(2))
//!     .start();
//! let client = kratos.client();
//! let mut failed = 0;
//! for n in 0..4 {
//!     let email = format!("user{n}@example.com");
//!     // Lookups are not counted, however often they are retried.
//!     if client.list_identities().credentials_identifier(&email).send()?.is_empty() {
//!         let body = CreateIdentityBody::new("default", json!({"email": email}));
//!         failed += usize::from(client.create_identity(body).send().is_err());
//!     }
//! }
//! assert_eq!(failed, 2);
//! assert_eq!(kratos.identity_count(), 4); // the work was done all the same
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! Where the real Kratos and the OpenAPI document disagree, the fake does
//! what Kratos does (v26.2.0 and master, checked against both): a session
//! carries `"identity": null` unless `expand=identity` asks for it, and a
//! listed session `"devices": null`, which the document does not allow; an
//! unverified address has no `verified_at`. The README lists the
//! differences from Kratos.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use kratos_identity::IdentityClient;

mod errors;
mod faults;
mod handlers;
mod import;
mod json_patch;
mod paging;
mod passwords;
mod public;
mod record;
mod schema;
mod seed;
mod server;
mod store;
mod version;

pub use faults::{Fault, RateLimit};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
pub use version::KratosVersion;

use faults::Faults;
use handlers::{State, lock};
use record::{CredentialsView, IdentityRecord, SessionRecord};
use server::Server;
use store::Store;

/// A fake Kratos admin API, serving on `127.0.0.1` on a free port until it
/// is dropped. See the [module docs](self) for an example.
///
/// Dropping it stops the server: the port is closed and connections that
/// clients keep alive are shut down, so later requests fail to connect.
///
/// Every method takes `&self`: a test may change faults or look at the
/// request log while clients are talking to it (it is `Send + Sync`).
pub struct FakeKratos {
    state: Arc<State>,
    /// Stops the admin server when dropped.
    server: Server,
    /// Stops the public server when dropped.
    public: Server,
}

impl std::fmt::Debug for FakeKratos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKratos")
            .field("base_url", &self.base_url())
            .field("identities", &self.identity_count())
            .field("sessions", &lock(&self.state.store).sessions.len())
            .field("requests", &lock(&self.state.log).len())
            .finish()
    }
}

/// One request the fake received, as [`FakeKratos::requests`] lists them.
/// `Debug` does not print the `Authorization` header's token, so a test's
/// failure output does not either; compare `authorization` directly.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeRequest {
    /// The HTTP method (`"GET"`).
    pub method: String,
    /// The path as sent, still percent-encoded, without the query
    /// (`"/admin/identities"`).
    pub path: String,
    /// The decoded query pairs in the order sent, repeated keys kept.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header, if any (`"Bearer ory_pat_…"`).
    pub authorization: Option<String>,
    /// The status the fake answered; `0` when a [`Fault`] closed the
    /// connection without an answer.
    pub status: u16,
    /// The aimed [`Fault`] that acted on this request (answered it, closed
    /// its connection, or only stalled it), if any. The global faults
    /// (`fail_every`, the rate limit) are not named here; their answers
    /// say so in their `reason`.
    pub fault: Option<Fault>,
}

impl std::fmt::Debug for FakeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "[redacted]"),
            )
            .field("status", &self.status)
            .field("fault", &self.fault)
            .finish()
    }
}

/// Configures a [`FakeKratos`] before it starts. Every setting can also be
/// changed later on the running fake.
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until .start() is called"]
pub struct FakeKratosBuilder {
    identities: usize,
    latency: Duration,
    rate_limit: Option<RateLimit>,
    fail_every: Option<(usize, u16)>,
    faults: Vec<Fault>,
    hash_delay: Duration,
    version: KratosVersion,
    schemas: Vec<(String, Value)>,
    oidc_providers: Vec<String>,
    faster_session_extend: bool,
    refuse_concurrent_writes: bool,
    seed: u64,
    port: u16,
    public_port: u16,
}

impl FakeKratosBuilder {
    /// Seeds `n` realistic identities, as [`FakeKratos::seed_identities`]. Default: none.
    pub fn identities(mut self, n: usize) -> Self {
        self.identities = n;
        self
    }

    /// Waits this long before every answer, as [`FakeKratos::set_latency`]. Default: zero.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Rate-limits like Ory Network, as [`FakeKratos::set_rate_limit`]. Default: no limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Fails every `n`-th request with `status`, as [`FakeKratos::fail_every`].
    /// Default: off.
    pub fn fail_every(mut self, n: usize, status: u16) -> Self {
        self.fail_every = (n > 0).then_some((n, status));
        self
    }

    /// Adds a fault aimed at some requests, after those added before, as
    /// [`FakeKratos::add_fault`]. Default: none.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Sleeps this long per plaintext password, as
    /// [`FakeKratos::set_hash_delay`]. Default: zero.
    pub fn hash_delay(mut self, per_password: Duration) -> Self {
        self.hash_delay = per_password;
        self
    }

    /// The Kratos version to answer as, where versions differ (see
    /// [`KratosVersion`]). Default: [`KratosVersion::V26_2`], the latest
    /// release.
    pub fn version(mut self, version: KratosVersion) -> Self {
        self.version = version;
        self
    }

    /// An identity schema, as Kratos's `identity.schemas` configures one:
    /// listed in the order given, after `default` unless this replaces it.
    /// The fake checks traits against what the schema says of credential
    /// identifiers, verification and recovery addresses and `required`.
    pub fn schema(mut self, id: impl Into<String>, schema: Value) -> Self {
        self.schemas.push((id.into(), schema));
        self
    }

    /// An OIDC provider id, as `selfservice.methods.oidc.config.providers`
    /// configures one: `create_test_login_flow` (master) answers 404 for
    /// any other. Default: none.
    pub fn oidc_provider(mut self, id: impl Into<String>) -> Self {
        self.oidc_providers.push(id.into());
        self
    }

    /// Kratos's `feature_flags.faster_session_extend`, as
    /// [`FakeKratos::set_faster_session_extend`]. Default: off.
    pub fn faster_session_extend(mut self, on: bool) -> Self {
        self.faster_session_extend = on;
        self
    }

    /// Refuses a write to a path while another write to the same path is
    /// being handled, with 429, as Ory Network does (concurrent
    /// `POST`/`PATCH /admin/identities`, and `PUT`/`PATCH`/`DELETE` of one
    /// identity): for clients that must send one batch at a time there.
    /// Self-hosted Kratos has no such limit. Default: off.
    pub fn refuse_concurrent_writes(mut self, on: bool) -> Self {
        self.refuse_concurrent_writes = on;
        self
    }

    /// Mixes `seed` into every id the fake makes, seeded identities'
    /// included: the same seed gives the same ids from run to run, another
    /// seed other ids. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The admin port to listen on, on `127.0.0.1`. Default: 0, a free port
    /// (see [`FakeKratos::base_url`]).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The public port to listen on, on `127.0.0.1`. Default: 0, a free
    /// port (see [`FakeKratos::public_url`]).
    pub fn public_port(mut self, port: u16) -> Self {
        self.public_port = port;
        self
    }

    /// Starts the fake on `127.0.0.1` and a free port.
    ///
    /// # Panics
    /// When no loopback port can be bound or no thread started (a test
    /// environment without networking); [`try_start`](Self::try_start)
    /// returns that as an error instead.
    pub fn start(self) -> FakeKratos {
        match self.try_start() {
            Ok(kratos) => kratos,
            Err(e) => panic!("FakeKratos could not listen on 127.0.0.1: {e}"),
        }
    }

    /// Starts the fake, or says why it could not (a port in use, say).
    ///
    /// # Errors
    /// When a port cannot be bound or a thread cannot be started.
    pub fn try_start(self) -> std::io::Result<FakeKratos> {
        let placeholder = Store::new(String::new());
        let mut faults = Faults::default();
        faults.latency = self.latency;
        faults.hash_delay = self.hash_delay;
        faults.set_rate_limit(self.rate_limit);
        if let Some((n, status)) = self.fail_every {
            faults.set_fail_every(n, status);
        }
        for fault in self.faults {
            faults.add(fault);
        }
        let mut placeholder = placeholder;
        for (id, schema) in self.schemas {
            placeholder.schemas.set(&id, schema);
        }
        placeholder.oidc_providers = self.oidc_providers;
        placeholder.seed = self.seed;
        placeholder.version = self.version;
        let state = Arc::new(State {
            store: Mutex::new(placeholder),
            faults: Mutex::new(faults),
            log: Mutex::new(Vec::new()),
            version: self.version,
            public_url: Mutex::new(String::new()),
            faster_session_extend: AtomicBool::new(self.faster_session_extend),
            handling: AtomicUsize::new(0),
            most_handled_at_once: AtomicUsize::new(0),
            refuse_concurrent_writes: self.refuse_concurrent_writes,
            writing: Mutex::default(),
        });
        let server = Server::start(Arc::clone(&state) as Arc<dyn server::Handler>, self.port)?;
        let public = Server::start(
            Arc::new(public::Public(Arc::clone(&state))),
            self.public_port,
        )?;
        *lock(&state.public_url) = format!("http://{}", public.addr());
        lock(&state.store).base_url = format!("http://{}", server.addr());
        let kratos = FakeKratos {
            state,
            server,
            public,
        };
        if self.identities > 0 {
            kratos.seed_identities(self.identities);
        }
        Ok(kratos)
    }
}

impl FakeKratos {
    /// Starts a fake with an empty store and no faults.
    ///
    /// # Panics
    /// As [`FakeKratosBuilder::start`].
    pub fn start() -> FakeKratos {
        FakeKratos::builder().start()
    }

    /// A builder to seed identities and set faults before starting.
    pub fn builder() -> FakeKratosBuilder {
        FakeKratosBuilder::default()
    }

    /// The admin API's base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The public API's base URL, `http://127.0.0.1:PORT` (another port):
    /// the native password login flow (`GET /self-service/login/api`, then
    /// `POST /self-service/login?flow=…`), `GET /sessions/whoami` and the
    /// identity schemas, which the admin port redirects here as Kratos does.
    pub fn public_url(&self) -> String {
        format!("http://{}", self.public.addr())
    }

    /// The Kratos version this fake answers as.
    pub fn version(&self) -> KratosVersion {
        self.state.version
    }

    /// A client for this fake with default settings
    /// (`IdentityClient::new(base_url)`): retries included, so build your
    /// own with [`IdentityClient::builder`] to see faults unretried.
    pub fn client(&self) -> IdentityClient {
        match IdentityClient::new(self.base_url()) {
            Ok(client) => client,
            Err(e) => unreachable!("a loopback base URL is a valid configuration: {e}"),
        }
    }

    /// Adds `n` realistic identities (schema `default`, about 1 KB each:
    /// email `userNNNNNN@example.com`, name, phone, postal address,
    /// addresses, metadata, timestamps, a password hash), the same from run
    /// to run. Returns their ids in id order.
    pub fn seed_identities(&self, n: usize) -> Vec<Uuid> {
        seed::seed(&mut lock(&self.state.store), n)
    }

    /// Stores an identity given in Kratos's export shape (what
    /// `GET /admin/identities/{id}?include_credential=…` answers, credentials
    /// with their `config` allowed), for the odd or legacy records your code
    /// must cope with. It is answered exactly as given (unknown fields
    /// kept, missing ones left missing), except that an `id` is made up when
    /// it has none. A `schema_id` the fake does not know becomes a known
    /// schema that takes any traits. Returns the id.
    ///
    /// ```
    /// use kratos_identity_fake::FakeKratos;
    /// use serde_json::json;
    ///
    /// let kratos = FakeKratos::start();
    /// let id = kratos.insert_identity(json!({
    ///     "schema_id": "legacy_v1",
    ///     "traits": {"username": "ada"},
    ///     "state": "active",
    ///     "credentials": {"password": {"type": "password", "identifiers": ["ada"],
    ///         "config": {"hashed_password": "$2a$10$N9qo8uLOickgx2ZMRZoMye"}}},
    ///     "imported_from": "ldap"
    /// }));
    /// let identity = kratos.client().get_identity(id).send().unwrap();
    /// assert_eq!(identity.schema_id, "legacy_v1");
    /// ```
    ///
    /// # Panics
    /// When `identity` is not a JSON object, its `id` is not a UUID string,
    /// or its id, a credential identifier or its `external_id` is already
    /// taken.
    pub fn insert_identity(&self, identity: Value) -> Uuid {
        let Value::Object(map) = identity else {
            panic!("insert_identity: an identity must be a JSON object, not {identity}");
        };
        if let Some(id) = map.get("id")
            && id.as_str().is_none_or(|s| Uuid::parse_str(s).is_err())
        {
            panic!(
                "insert_identity: the id {id} is not a UUID string; leave it out to get a new one"
            );
        }
        let (mut record, has_id) = IdentityRecord::from_json(map);
        let mut store = lock(&self.state.store);
        if !has_id {
            record.id = store.new_id();
        }
        if store.get(&record.id).is_some() {
            panic!(
                "insert_identity: an identity with id {} exists already",
                record.id
            );
        }
        let schema_id = record.schema_id().to_string();
        if !store.schemas.contains(&schema_id) {
            store.schemas.set(&schema_id, store::permissive_schema());
        }
        let id = record.id;
        if let Err(conflict) = store.put(record) {
            panic!("insert_identity: {id} collides with a stored identity: {conflict:?}");
        }
        id
    }

    /// How many identities the fake holds.
    pub fn identity_count(&self) -> usize {
        lock(&self.state.store).len()
    }

    /// Every stored identity as `GET /admin/identities/{id}` with every
    /// credential type in `include_credential` would answer, in id order.
    pub fn identities(&self) -> Vec<Value> {
        lock(&self.state.store)
            .iter()
            .map(|r| serde_json::to_value(r.view(CredentialsView::AllConfigs)).unwrap_or_default())
            .collect()
    }

    /// Adds an active session (24 hours long, one device) for an identity.
    /// Returns the session id.
    ///
    /// # Panics
    /// When no identity has this id.
    pub fn add_session(&self, identity_id: Uuid) -> Uuid {
        let mut store = lock(&self.state.store);
        if store.get(&identity_id).is_none() {
            panic!("add_session: no identity has id {identity_id}");
        }
        let now = time::OffsetDateTime::now_utc();
        let session = SessionRecord {
            id: store.new_id(),
            identity_id,
            active: true,
            created_at: now,
            authenticated_at: now,
            expires_at: now + handlers::SESSION_LIFESPAN,
            device_id: store.new_id(),
        };
        let id = session.id;
        store.sessions.insert(id, session);
        id
    }

    /// Every request received so far, oldest first, with the status answered.
    pub fn requests(&self) -> Vec<FakeRequest> {
        lock(&self.state.log).clone()
    }

    /// The most admin requests the fake was handling at once since it
    /// started: how many a client really had in flight together (with a
    /// [`latency`](FakeKratosBuilder::latency), each request is handled for
    /// at least that long).
    pub fn most_concurrent_requests(&self) -> usize {
        self.state.most_handled_at_once.load(Ordering::SeqCst)
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Waits this long before every answer (also before refusals). Zero turns it off.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state.faults).latency = latency;
    }

    /// Rate-limits like Ory Network (see [`RateLimit`]); `None` turns it
    /// off. Setting it starts fresh windows.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        lock(&self.state.faults).set_rate_limit(limit);
    }

    /// Answers every `n`-th request from now on (counting every request,
    /// whatever its path, a client's retries included) with `status` and a
    /// Kratos error body, instead of serving it; a 429 also carries
    /// rate-limit headers and `retry-after`. `n = 0` turns it off. To fail
    /// one operation without counting the others, aim a [`Fault`] at it.
    pub fn fail_every(&self, n: usize, status: u16) {
        lock(&self.state.faults).set_fail_every(n, status);
    }

    /// Adds a fault aimed at some requests (see [`Fault`]), consulted after
    /// those added before. Its counting starts now.
    ///
    /// ```
    /// use kratos_identity::Operation;
    /// use kratos_identity_fake::{FakeKratos, Fault};
    ///
    /// let kratos = FakeKratos::start();
    /// kratos.add_fault(Fault::on(Operation::DELETE_IDENTITY).after_work().status(504).next(1));
    /// assert_eq!(kratos.faults().len(), 1);
    /// ```
    pub fn add_fault(&self, fault: Fault) {
        lock(&self.state.faults).add(fault);
    }

    /// The aimed faults still in force, in the order they are consulted;
    /// one spent by [`Fault::next`] is gone.
    pub fn faults(&self) -> Vec<Fault> {
        lock(&self.state.faults).aimed()
    }

    /// Removes every aimed [`Fault`]. The global faults (latency, the rate
    /// limit, [`fail_every`](Self::fail_every), the hash delay) stay as
    /// they are.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear_aimed();
    }

    /// Kratos's `feature_flags.faster_session_extend`: with it on,
    /// `extend_session` answers 204 without a body instead of 200 with the
    /// session.
    pub fn set_faster_session_extend(&self, on: bool) {
        self.state
            .faster_session_extend
            .store(on, Ordering::Relaxed);
    }

    /// Sleeps this long for each plaintext password in a create, update or
    /// batch body, one after another, inside the request, as Kratos's
    /// hashing does (bcrypt at cost 12 takes about 250 ms each). Default: zero.
    pub fn set_hash_delay(&self, per_password: Duration) {
        lock(&self.state.faults).hash_delay = per_password;
    }
}
