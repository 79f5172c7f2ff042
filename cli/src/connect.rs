//! The client every subcommand uses: for `--url` (else `KRATOS_ADMIN_URL`,
//! else `ORY_SDK_URL`) with the API key from `ORY_API_KEY`; or, with no URL
//! at all, for a local in-process demo server (the fake Kratos), said on
//! stderr.
//!
//! The key is only ever read from the environment: an argument would land
//! in the shell's history and in `ps`.

use kratos_identity::{ClientBuilder, IdentityClient};
use kratos_identity_fake::FakeKratos;

use crate::exit::{Fail, chain};

/// The `User-Agent` the tool sends.
const USER_AGENT: &str = concat!("kratos-identity-cli/", env!("CARGO_PKG_VERSION"));

/// Where a subcommand connects (flattened into each one's arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct Connection {
    /// The admin API's base URL (default: $KRATOS_ADMIN_URL, else
    /// $ORY_SDK_URL; with none, a local demo server). The API key is read
    /// from $ORY_API_KEY only.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Send the API key over plain http:// to a host that is not loopback
    /// (refused by default: anyone on the way could read it).
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// How many identities the demo server holds (without a URL).
    #[arg(long, hide = true, default_value_t = 3000)]
    pub demo_identities: usize,

    /// The demo server's seed: the same seed, the same identities.
    #[arg(long, hide = true, default_value_t = 0)]
    pub demo_seed: u64,
}

/// A connected server: its client, and the demo server behind it, if any
/// (kept alive as long as this is).
pub struct Server {
    pub client: IdentityClient,
    /// The demo server, kept running while the client is used.
    pub _demo: Option<FakeKratos>,
    /// What the server is, for a checkpoint's job: its URL, or which demo.
    pub label: String,
}

impl Connection {
    /// The configured URL: `--url`, `KRATOS_ADMIN_URL`, `ORY_SDK_URL`.
    pub fn url(&self) -> Option<String> {
        self.url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| env("KRATOS_ADMIN_URL"))
            .or_else(|| env("ORY_SDK_URL"))
    }

    /// Connects to the configured server, or starts the demo server (seeded
    /// with `--demo-identities`), saying `{doing} a local demo server at
    /// {url}` on stderr.
    pub fn connect(&self, doing: &str) -> Result<Server, Fail> {
        match self.url() {
            Some(url) => Ok(Server {
                client: client(&url, env("ORY_API_KEY"), self.allow_insecure_http)?,
                label: url,
                _demo: None,
            }),
            None => Ok(self.demo(doing)),
        }
    }

    /// The demo server, seeded, with a few sessions and an external id so
    /// that `find` has something to show.
    fn demo(&self, doing: &str) -> Server {
        let demo = FakeKratos::builder()
            .identities(self.demo_identities)
            .seed(self.demo_seed)
            .start();
        // One identity with an external id and sessions, for `find`.
        let grace = demo.insert_identity(serde_json::json!({
            "id": "9f425a8d-7efc-4768-8f23-7647a74fdf13",
            "schema_id": "default",
            "external_id": "crm-0042",
            "state": "active",
            "traits": {"email": "grace@example.com", "name": {"first": "Grace", "last": "Hopper"}},
            "credentials": {"password": {"type": "password", "identifiers": ["grace@example.com"],
                "config": {"hashed_password": "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"}}}
        }));
        demo.add_session(grace);
        demo.add_session(grace);
        eprintln!(
            "KRATOS_ADMIN_URL is not set: {doing} a local demo server at {} ({})",
            demo.base_url(),
            crate::exit::identities(demo.identity_count() as u64)
        );
        Server {
            client: demo.client(),
            label: format!(
                "demo server: {} identities, seed {}",
                self.demo_identities, self.demo_seed
            ),
            _demo: Some(demo),
        }
    }
}

/// A client for `url` with `key` (if any) as its bearer token; with
/// `insecure`, the key may go over plain HTTP to a host that is not
/// loopback.
pub fn client(url: &str, key: Option<String>, insecure: bool) -> Result<IdentityClient, Fail> {
    let mut builder: ClientBuilder = IdentityClient::builder(url)
        .user_agent(USER_AGENT)
        .allow_insecure_http(insecure);
    if let Some(key) = key {
        builder = builder.bearer_token(key);
    }
    builder.build().map_err(|e| {
        let hint = match e {
            kratos_identity::Error::Config {
                kind: kratos_identity::ConfigErrorKind::InsecureHttp,
                ..
            } => " (--allow-insecure-http sends it anyway)",
            _ => "",
        };
        Fail::usage(format!("cannot use {url}: {}{hint}", chain(&e)))
    })
}

/// An environment variable, if set and not blank.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The target's version, to convert and check for what it can import;
/// `None`, with a warning, when it does not say. Fails when the target
/// cannot be reached (exit 3) or refuses the key (exit 2): then nothing
/// was read or sent.
pub fn target_version(
    target: &IdentityClient,
) -> Result<Option<kratos_identity::ServerVersion>, Fail> {
    match target.server_version() {
        Ok(version) => Ok(Some(version)),
        Err(e) if matches!(e.status(), Some(401 | 403)) => Err(Fail::usage(format!(
            "the server refuses the API key (check ORY_API_KEY): {}",
            chain(&e)
        ))),
        Err(e)
            if e.transport_kind()
                .is_some_and(|kind| kind.before_request_sent()) =>
        {
            Err(Fail::stopped(format!(
                "the server cannot be reached: {}",
                chain(&e)
            )))
        }
        Err(e) => {
            eprintln!(
                "warning: the server did not say its version ({}); assuming it imports every credential type",
                chain(&e)
            );
            Ok(None)
        }
    }
}
