//! What the benchmarks share: the parsing of their flags, and the demo
//! pages of the `export` benchmark's server. A copy of what they used from
//! `examples/support/`, so that the examples can change on their own.

#![allow(dead_code)] // Each benchmark uses a different part of it.

pub mod pages;

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
