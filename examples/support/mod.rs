//! What the examples share: a client for the configured Kratos or, when
//! none is configured, for a local fake one (`kratos_identity_fake`), and
//! the printing of usage mistakes and errors, and checkpoints.

#![allow(dead_code)] // Each example uses a different part of it.

pub mod checkpoint;
pub mod pages;

use kratos_identity::IdentityClient;
use kratos_identity_fake::FakeKratos;

/// Prints a command-line mistake (if any) and the usage; exit status 2.
pub fn usage_error(message: &str, usage: &str) -> std::process::ExitCode {
    if !message.is_empty() {
        eprintln!("error: {message}");
    }
    eprintln!("{usage}");
    std::process::ExitCode::from(2)
}

/// The number a flag's value holds, or a message saying it holds none.
pub fn number<N: std::str::FromStr>(flag: &str, value: &str) -> Result<N, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a number, got {value:?}"))
}

/// Prints an error and its causes on stderr, each once, as `anyhow`'s
/// `{:#}` would.
pub fn print_error(error: &dyn std::error::Error) {
    eprintln!("error: {}", error_chain(error));
}

/// An error and its causes on one line, each once, as `anyhow`'s `{:#}`
/// would write them.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    line
}

/// `true` when a Kratos is configured (`KRATOS_ADMIN_URL` or `ORY_SDK_URL`).
pub fn kratos_configured() -> bool {
    std::env::var_os("KRATOS_ADMIN_URL").is_some() || std::env::var_os("ORY_SDK_URL").is_some()
}

/// A client for `KRATOS_ADMIN_URL` (or `ORY_SDK_URL`) and `ORY_API_KEY`; or,
/// when no URL is set, for a fake Kratos started here by `demo` (returned
/// too: keep it alive while the client is used), saying so on stderr as
/// `KRATOS_ADMIN_URL is not set: {what} a local demo server at {url}`.
pub fn client_from_env_or_demo(
    what: &str,
    demo: impl FnOnce() -> FakeKratos,
) -> Result<(IdentityClient, Option<FakeKratos>), kratos_identity::Error> {
    if kratos_configured() {
        return Ok((IdentityClient::from_env()?, None));
    }
    let demo = demo();
    eprintln!(
        "KRATOS_ADMIN_URL is not set: {what} a local demo server at {}",
        demo.base_url()
    );
    Ok((demo.client(), Some(demo)))
}

/// `"1 identity"`, `"2 identities"`: a count and the noun that fits it.
pub fn identities(count: usize) -> String {
    match count {
        1 => "1 identity".to_string(),
        n => format!("{n} identities"),
    }
}
