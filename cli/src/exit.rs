//! Exit codes, and the error that ends a command early.

use std::process::ExitCode;

/// How a command ended: its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything was done.
    Done,
    /// 1: some items failed (each named in the report), or `find` found
    /// nothing.
    Failed,
    /// 2: a usage or configuration error; nothing was changed.
    Usage,
    /// 3: stopped early; the same command continues from its checkpoint.
    Stopped,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Done => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Stopped => 3,
        })
    }
}

/// What ends a command before it could do its job: a message for stderr
/// and the exit status.
#[derive(Debug)]
pub struct Fail {
    pub exit: Exit,
    pub message: String,
}

impl Fail {
    /// A usage or configuration error (exit 2).
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    /// The job could not go on (exit 3).
    pub fn stopped(message: impl Into<String>) -> Fail {
        Fail {
            exit: Exit::Stopped,
            message: message.into(),
        }
    }

    /// The job failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Fail {
        Fail {
            exit: Exit::Failed,
            message: message.into(),
        }
    }
}

/// An error and its causes on one line, each once, as `anyhow`'s `{:#}`
/// writes them.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// Whether an error from the server means the job cannot go on (the
/// server cannot be reached, refuses the key, keeps rate limiting or
/// failing), as opposed to a refusal of one item (a 4xx about it).
pub fn stops_the_job(error: &kratos_identity::Error) -> bool {
    match error.status() {
        Some(401 | 403 | 408 | 429) => true,
        Some(status) => status >= 500,
        None => error.invalid_input_kind().is_none() && error.decode_error().is_none(),
    }
}

/// `"1 identity"`, `"2 identities"`.
pub fn identities(count: u64) -> String {
    match count {
        1 => "1 identity".to_string(),
        n => format!("{n} identities"),
    }
}
