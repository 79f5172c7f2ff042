//! Where the live suite runs: a real Kratos named by the environment, or, when
//! none is, two fakes in this process (one emulating v26.2.0, one master),
//! each with a second fake as its migration target.
//!
//! Safe against a server that holds real users: everything a test creates
//! has an email under this run's own domain (see [`Run`]) and is deleted
//! again by a [`Cleanup`] guard, even when the test fails; nothing assumes
//! an empty server; a URL that is not loopback is refused unless
//! `KRATOS_LIVE_ALLOW_REMOTE=1`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kratos_identity::uuid::Uuid;
use kratos_identity::{IdentityClient, ServerVersion};
use kratos_identity_fake::{FakeKratos, KratosVersion};
use serde_json::{Value, json};

/// The Kratos line a server belongs to, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// v26.2.0, the latest release: what self-hosted users run.
    V26_2,
    /// master, ahead of releases: what Ory Network runs.
    Master,
}

/// One Kratos (real or fake) the suite talks to.
pub struct Backend {
    /// `"v26.2.0 at http://127.0.0.1:4434"`, `"fake (master)"`.
    pub label: String,
    pub line: Line,
    /// A client for the admin API.
    pub admin: IdentityClient,
    /// The public API's base URL (logins).
    pub public_url: String,
    /// A second server to migrate to.
    pub target: Option<Box<Backend>>,
    /// The fake behind it, when it is one (kept here so that it runs).
    _fake: Option<FakeKratos>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

impl Backend {
    /// The migration target.
    pub fn target(&self) -> &Backend {
        match &self.target {
            Some(target) => target,
            None => panic!(
                "{}: no migration target: set KRATOS_LIVE_TARGET_ADMIN_URL and KRATOS_LIVE_TARGET_PUBLIC_URL",
                self.label
            ),
        }
    }
}

/// The servers to run every scenario against.
pub fn backends() -> &'static [Backend] {
    static BACKENDS: OnceLock<Vec<Backend>> = OnceLock::new();
    BACKENDS.get_or_init(|| match env("KRATOS_LIVE_ADMIN_URL") {
        Some(admin) => {
            let public = env("KRATOS_LIVE_PUBLIC_URL").unwrap_or_else(|| {
                panic!("KRATOS_LIVE_ADMIN_URL is set: set KRATOS_LIVE_PUBLIC_URL too (the public API, for logins)")
            });
            let mut backend = real(&admin, &public);
            if let Some(target_admin) = env("KRATOS_LIVE_TARGET_ADMIN_URL") {
                let target_public = env("KRATOS_LIVE_TARGET_PUBLIC_URL").unwrap_or_else(|| {
                    panic!("KRATOS_LIVE_TARGET_ADMIN_URL is set: set KRATOS_LIVE_TARGET_PUBLIC_URL too")
                });
                backend.target = Some(Box::new(real(&target_admin, &target_public)));
            }
            vec![backend]
        }
        None => vec![fake(KratosVersion::V26_2), fake(KratosVersion::Master)],
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A real server: loopback only, unless allowed; its line from `/version`.
fn real(admin: &str, public: &str) -> Backend {
    for url in [admin, public] {
        if !is_loopback_url(url) && env("KRATOS_LIVE_ALLOW_REMOTE").as_deref() != Some("1") {
            panic!(
                "the live suite creates and deletes identities: {url} is not a loopback address; set KRATOS_LIVE_ALLOW_REMOTE=1 to run against it anyway"
            );
        }
    }
    let mut builder = IdentityClient::builder(admin);
    if let Some(key) = env("KRATOS_LIVE_API_KEY") {
        builder = builder.bearer_token(key);
    }
    let admin_client = match builder.build() {
        Ok(client) => client,
        Err(e) => panic!("KRATOS_LIVE_ADMIN_URL: {e}"),
    };
    let version: ServerVersion = match admin_client.get_version().send() {
        Ok(version) => version,
        Err(e) => panic!("could not ask {admin} for its version: {e}"),
    };
    let line = if version.imports_credential("totp") {
        Line::Master
    } else {
        Line::V26_2
    };
    Backend {
        label: format!("Kratos {} at {admin}", version.version),
        line,
        admin: admin_client,
        public_url: public.trim_end_matches('/').to_string(),
        target: None,
        _fake: None,
    }
}

/// A fake as `version`, holding the suite's schemas and some identities of
/// "other users", with a second fake as its migration target.
fn fake(version: KratosVersion) -> Backend {
    let start = || {
        let mut builder = FakeKratos::builder()
            .version(version)
            .identities(25)
            .oidc_provider("live-oidc");
        for (id, schema) in schemas() {
            builder = builder.schema(id, schema);
        }
        builder.start()
    };
    let line = match version {
        KratosVersion::V26_2 => Line::V26_2,
        _ => Line::Master,
    };
    let backend = |kratos: FakeKratos, target| Backend {
        label: format!("fake ({version}) at {}", kratos.base_url()),
        line,
        admin: kratos.client(),
        public_url: kratos.public_url(),
        target,
        _fake: Some(kratos),
    };
    let target = backend(start(), None);
    backend(start(), Some(Box::new(target)))
}

/// The identity schemas of `tests/live/kratos.yml`, in its order.
pub fn schemas() -> Vec<(&'static str, Value)> {
    let read = |text: &str| -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("a schema of tests/live: {e}"))
    };
    let person = read(include_str!("identity.schema.json"));
    let username = read(include_str!("username.schema.json"));
    vec![
        ("default", person.clone()),
        ("username", username),
        ("employee", person),
    ]
}

/// Whether a URL's host is loopback (127.0.0.0/8, `[::1]`, `localhost`).
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "::1"
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An id no identity or session has (unique per call and run).
pub fn fresh_id() -> Uuid {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = run().counter.fetch_add(1, Ordering::Relaxed) as u128;
    let mut bytes = (nanos ^ (n << 96) ^ (u128::from(std::process::id()) << 64)).to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// This run's marker: a domain no other run and no real user has.
pub struct Run {
    domain: String,
    counter: AtomicUsize,
}

/// This process's run.
pub fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Run {
            domain: format!(
                "run-{:x}{:x}.live.kratos-identity.test",
                nanos,
                std::process::id()
            ),
            counter: AtomicUsize::new(0),
        }
    })
}

impl Run {
    /// A fresh email under this run's domain, `{tag}-{n}@run-….test`.
    pub fn email(&self, tag: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{tag}-{n}@{}", self.domain)
    }

    /// A fresh id-like string (an external id, a username, a subject).
    pub fn unique(&self, tag: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{tag}-{n}-{}", self.domain)
    }

    /// This run's email domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether an email belongs to this run.
    pub fn owns(&self, email: &str) -> bool {
        email.ends_with(&format!("@{}", self.domain))
    }
}

/// A client like the backend's own (with `KRATOS_LIVE_API_KEY`, if set)
/// for another base URL: a proxy in front of the server.
pub fn client_for(url: &str) -> IdentityClient {
    let mut builder = IdentityClient::builder(url).max_retries(0);
    if let Some(key) = env("KRATOS_LIVE_API_KEY") {
        builder = builder.bearer_token(key);
    }
    builder
        .build()
        .unwrap_or_else(|e| panic!("a client for {url}: {e}"))
}

/// Deletes the identities it was given when dropped (their sessions go with
/// them), so a failing test leaves nothing behind either.
pub struct Cleanup<'a> {
    client: &'a IdentityClient,
    ids: Mutex<Vec<Uuid>>,
}

impl<'a> Cleanup<'a> {
    pub fn new(client: &'a IdentityClient) -> Self {
        Cleanup {
            client,
            ids: Mutex::new(Vec::new()),
        }
    }

    /// Deletes `id` when this guard is dropped; returns it.
    pub fn add(&self, id: Uuid) -> Uuid {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        id
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let ids = std::mem::take(&mut *self.ids.lock().unwrap_or_else(|e| e.into_inner()));
        for id in ids {
            if let Err(e) = self.client.delete_identity(id).missing_ok(true).send() {
                eprintln!("cleanup: could not delete identity {id}: {e}");
            }
        }
    }
}

/// A session made by logging in through the public API.
#[derive(Debug)]
pub struct Login {
    pub session_token: String,
    pub session_id: Uuid,
}

/// Logs in through the public API's native (API) login flow with a
/// password: `GET /self-service/login/api`, then
/// `POST /self-service/login?flow=…`. `Err` carries the status and the
/// flow's messages when the server refuses the password.
pub fn login(backend: &Backend, identifier: &str, password: &str) -> Result<Login, String> {
    login_at(&backend.public_url, identifier, password)
}

/// As [`login`], against any public URL. Retried as a real client would:
/// after a server error (a 5xx: SQLite's `500 database is locked` when the
/// suite's tests write at once) or a connection that failed, up to four
/// attempts with a growing pause, each with a new flow. A refused password
/// is not retried.
pub fn login_at(public_url: &str, identifier: &str, password: &str) -> Result<Login, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match login_once(public_url, identifier, password) {
            Err(Attempt::Transient(why)) if attempt < 4 => {
                eprintln!("login at {public_url}: {why}; trying again");
                std::thread::sleep(Duration::from_millis(100 << attempt));
            }
            Err(Attempt::Transient(why) | Attempt::Final(why)) => {
                return Err(format!("{why} (after {attempt} attempts)"));
            }
            Ok(login) => return Ok(login),
        }
    }
}

/// Why one login attempt failed: worth another attempt, or not.
enum Attempt {
    Transient(String),
    Final(String),
}

/// A failed request or a 5xx is transient; anything else is final.
fn transient(status: Option<u16>, why: String) -> Attempt {
    match status {
        None | Some(500..=599) => Attempt::Transient(why),
        Some(_) => Attempt::Final(why),
    }
}

fn login_once(public_url: &str, identifier: &str, password: &str) -> Result<Login, Attempt> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut flow = agent
        .get(format!("{public_url}/self-service/login/api"))
        .header("accept", "application/json")
        .call()
        .map_err(|e| transient(None, format!("GET /self-service/login/api: {e}")))?;
    let status = flow.status().as_u16();
    if status >= 500 {
        return Err(transient(
            Some(status),
            format!("GET /self-service/login/api: HTTP {status}"),
        ));
    }
    let flow: Value = flow
        .body_mut()
        .read_to_string()
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| Attempt::Final(format!("the login flow (HTTP {status}) is not JSON")))?;
    let Some(flow_id) = flow["id"].as_str() else {
        return Err(Attempt::Final(format!(
            "the login flow (HTTP {status}) has no id: {flow}"
        )));
    };
    let submission = json!({"method": "password", "identifier": identifier, "password": password});
    let mut answer = agent
        .post(format!("{public_url}/self-service/login?flow={flow_id}"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .send(submission.to_string())
        .map_err(|e| transient(None, format!("POST /self-service/login: {e}")))?;
    let status = answer.status().as_u16();
    let body: Value = answer
        .body_mut()
        .read_to_string()
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| {
            transient(
                Some(status),
                format!("the login answer (HTTP {status}) is not JSON"),
            )
        })?;
    if status != 200 {
        let messages: Vec<String> = body["ui"]["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["text"].as_str().map(str::to_string))
            .collect();
        return Err(transient(
            Some(status),
            format!(
                "login refused with HTTP {status}: {messages:?} {}",
                body["error"]
            ),
        ));
    }
    let uuid = |v: &Value, what: &str| {
        v.as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| Attempt::Final(format!("the login answer has no {what}: {body}")))
    };
    Ok(Login {
        session_token: body["session_token"]
            .as_str()
            .ok_or_else(|| {
                Attempt::Final(format!("the login answer has no session_token: {body}"))
            })?
            .to_string(),
        // master leaves the identity out (`null`) for one with a second
        // factor: the session id is what both versions always send.
        session_id: uuid(&body["session"]["id"], "session id")?,
    })
}

/// Sends one raw request to the admin API, for what the client will not
/// send (a JSON Patch `test` operation, a body it would refuse): the status
/// and the body as JSON (or `Value::String` when it is not JSON).
pub fn raw(backend: &Backend, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{}{path}", backend.admin.base_url());
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.map(|b| b.to_string()).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let mut response = agent
        .run(request)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}
