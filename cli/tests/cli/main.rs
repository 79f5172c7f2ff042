//! The `kratos-identity` binary, run as a user runs it, against fake Kratos
//! servers started here: its stdout, its summary line on stderr, its exit
//! status, and what the server saw.

mod delete;
mod export;
mod find;
mod general;
mod import;
mod migrate;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use kratos_identity_fake::FakeKratos;

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The last line on stderr: the summary.
    pub fn summary(&self) -> &str {
        self.stderr.lines().last().unwrap_or_default()
    }
}

/// The binary, with no server, key or terminal from the caller's environment.
pub fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kratos-identity"));
    for name in [
        "KRATOS_ADMIN_URL",
        "ORY_SDK_URL",
        "ORY_API_KEY",
        "ORY_API_KEY_FROM",
        "ORY_API_KEY_TO",
    ] {
        command.env_remove(name);
    }
    command.stdin(Stdio::null());
    command
}

/// The binary, pointed at `kratos` through `KRATOS_ADMIN_URL`.
pub fn against(kratos: &FakeKratos) -> Command {
    let mut command = bin();
    command.env("KRATOS_ADMIN_URL", kratos.base_url());
    command
}

/// Runs `command` with `args` to its end.
pub fn run(mut command: Command, args: &[&str]) -> Run {
    let output = command.args(args).output().expect("the binary runs");
    Run {
        code: output.status.code().expect("an exit status, not a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh folder for one test's files, removed when the test ends.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh folder for one test's files.
pub fn temp_dir(name: &str) -> TempDir {
    let dir =
        std::env::temp_dir().join(format!("kratos-identity-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    TempDir(dir)
}

/// `path` as an argument.
pub fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The ids of the NDJSON identities in `text`, in order.
pub fn ids(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

/// The ids the fake holds, in id order.
pub fn stored_ids(kratos: &FakeKratos) -> Vec<String> {
    kratos
        .identities()
        .iter()
        .map(|i| i["id"].as_str().expect("an id").to_string())
        .collect()
}

/// A bcrypt hash Kratos imports.
pub const BCRYPT: &str = "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq";
