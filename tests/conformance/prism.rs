//! Stoplight Prism: the [`Mode`] it runs in (mocking, or proxying to a
//! server), finding, starting, waiting for and stopping it, the document
//! served in dynamic mode, and what happens when it cannot run
//! ([`unavailable`]: fail on CI, skip elsewhere).

use std::fs::File;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::spec::{Spec, spec_path};

/// How long Prism may take to answer its first request.
const PRISM_START_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `prism mock`: answers from examples and schema samples.
    Static,
    /// `prism mock --dynamic`: random answers that satisfy the schemas.
    Dynamic,
    /// `prism proxy <document> <upstream>`: validates each request, forwards
    /// it to a real server and passes its answer back.
    Proxy,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Static => "static",
            Mode::Dynamic => "dynamic",
            Mode::Proxy => "proxy",
        }
    }
}

/// Why a Prism test cannot run. On CI that fails it; elsewhere it is skipped,
/// saying so.
pub(crate) fn unavailable(test: &str, reason: &str) {
    let on_ci = std::env::var("CI")
        .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    if on_ci {
        panic!("conformance test {test} cannot run on CI (CI is set): {reason}");
    }
    // Straight to stderr, past the test harness's capture, so a skip is seen.
    let _ = writeln!(std::io::stderr(), "skipping conformance: {test}: {reason}");
}

/// Loads the document and starts Prism on it in a mock mode, or reports why not.
pub(crate) fn start_or_skip(test: &str, mode: Mode) -> Option<(Spec, Prism)> {
    let started = (|| {
        let path = spec_path();
        let spec = Spec::load(&path)?;
        let served = match mode {
            Mode::Static => path,
            Mode::Dynamic => write_dynamic_spec(&spec)?,
            Mode::Proxy => {
                return Err("proxy mode needs an upstream: use start_proxy_or_skip".into());
            }
        };
        let prism = Prism::start(mode, &served, None)?;
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

/// Loads the document and starts `prism proxy --errors` on it in front of
/// `upstream` (a base URL), or reports why not.
pub(crate) fn start_proxy_or_skip(test: &str, upstream: &str) -> Option<(Spec, Prism)> {
    let started = (|| {
        let path = spec_path();
        let spec = Spec::load(&path)?;
        let prism = Prism::start(Mode::Proxy, &path, Some(upstream))?;
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
pub(crate) struct Prism {
    child: Child,
    pub(crate) base_url: String,
    log: PathBuf,
}

impl Prism {
    /// Starts Prism on a free loopback port and waits until it answers.
    /// `upstream` is the server a proxy forwards to.
    fn start(mode: Mode, spec: &Path, upstream: Option<&str>) -> Result<Prism, String> {
        let bin = find_prism()?;
        let mut last_error = String::new();
        // A port found free can be taken before Prism binds it: try again.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free loopback port: {e}"))?
                .port();
            let mut prism = Prism::spawn(&bin, mode, spec, upstream, port)?;
            match prism.wait_until_ready() {
                Ok(()) => return Ok(prism),
                Err(e) if prism.log_tail().contains("EADDRINUSE") => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }

    fn spawn(
        bin: &Path,
        mode: Mode,
        spec: &Path,
        upstream: Option<&str>,
        port: u16,
    ) -> Result<Prism, String> {
        let log_path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{}.log", mode.name()));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
        let mut command = Command::new(bin);
        match (mode, upstream) {
            (Mode::Static, _) => command.arg("mock"),
            (Mode::Dynamic, _) => command.args(["mock", "--dynamic"]),
            (Mode::Proxy, Some(_)) => command.arg("proxy"),
            (Mode::Proxy, None) => return Err("a proxy needs an upstream".into()),
        };
        // With --errors, a request (or, where Prism checks it, an answer)
        // that breaks the document gets Prism's 4xx/5xx problem answer
        // with the `sl-violations` header.
        command
            .args([
                "--errors",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .arg(spec);
        if mode == Mode::Proxy {
            command.args(upstream);
        }
        command
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

    /// Polls until Prism answers any HTTP request, it exits, or the time is
    /// up. (A proxy forwards the probe upstream: any answer will do, the
    /// upstream's 404 included.)
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
