//! The text form of a [`Fault`], as the binary's `--fault` takes it:
//! `TARGET[:PART]…`.
//!
//! - `TARGET`: an operation's name (`create_identity`), `any`, or a method
//!   and path template separated by a space (`PATCH /admin/identities`,
//!   `DELETE /admin/identities/{id}`).
//! - `PART`s, each at most once: a status from 400 to 599 (`503`) or
//!   `drop`; `stall=DURATION` (`300ms`, `2s`); `next=N` or `every=N`
//!   (`N` ≥ 1); `after-work`. A status, `drop` or `stall` is required.

use std::str::FromStr;
use std::time::Duration;

use kratos_identity::Operation;

use super::Fault;

impl FromStr for Fault {
    type Err = String;

    /// Reads `create_identity:503:next=2`, `any:drop:next=1`,
    /// `PATCH /admin/identities:502:every=100:after-work`,
    /// `list_identities:stall=30s:next=1`. The error quotes the spec and
    /// says what is wrong with it.
    fn from_str(spec: &str) -> Result<Fault, String> {
        parse(spec).map_err(|problem| format!("{spec:?}: {problem}"))
    }
}

fn parse(spec: &str) -> Result<Fault, String> {
    let mut parts = spec.split(':').map(str::trim);
    // `split` yields at least one item, the whole spec when it has no `:`.
    let mut fault = target(parts.next().unwrap_or_default())?;
    let mut given = Given::default();
    for part in parts {
        fault = apply(fault, part, &mut given)?;
    }
    if !given.outcome && !given.stall {
        return Err(
            "says nothing happens: add a status (503), drop, or stall=DURATION".to_string(),
        );
    }
    Ok(fault)
}

/// The parts seen so far, to refuse one given twice.
#[derive(Default)]
struct Given {
    outcome: bool,
    count: bool,
    stall: bool,
    after_work: bool,
}

/// Marks `flag`, or says that `what` was given twice.
fn once(flag: &mut bool, what: &str) -> Result<(), String> {
    if *flag {
        return Err(format!("gives {what} twice"));
    }
    *flag = true;
    Ok(())
}

/// The fault of `TARGET`, still without parts.
fn target(text: &str) -> Result<Fault, String> {
    if text.is_empty() {
        return Err("names no target: start with an operation, any, or METHOD /path".to_string());
    }
    if text == "any" {
        return Ok(Fault::any());
    }
    if let Some((method, path)) = text.split_once(' ') {
        let path = path.trim();
        if !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!("{method:?} is not an HTTP method"));
        }
        if !path.starts_with('/') {
            return Err(format!("the path {path:?} does not start with /"));
        }
        return Ok(Fault::on_request(method, path));
    }
    operation(text).map(Fault::on).ok_or_else(|| {
        let names: Vec<&str> = operations().map(|o| o.name()).collect();
        format!(
            "{text:?} is not an operation, any, or METHOD /path; the operations are {}",
            names.join(", ")
        )
    })
}

/// Every operation the admin port serves, `/version` included.
fn operations() -> impl Iterator<Item = Operation> {
    Operation::ALL.into_iter().chain([Operation::GET_VERSION])
}

/// The operation of this name.
fn operation(name: &str) -> Option<Operation> {
    operations().find(|o| o.name() == name)
}

/// Applies one `PART`.
fn apply(fault: Fault, part: &str, given: &mut Given) -> Result<Fault, String> {
    if part == "drop" {
        once(&mut given.outcome, "what to answer (a status or drop)")?;
        return Ok(fault.drop_connection());
    }
    if part == "after-work" {
        once(&mut given.after_work, "after-work")?;
        return Ok(fault.after_work());
    }
    if let Some(n) = part.strip_prefix("next=") {
        once(&mut given.count, "how many (next= or every=)")?;
        return Ok(fault.next(count(part, n)?));
    }
    if let Some(n) = part.strip_prefix("every=") {
        once(&mut given.count, "how many (next= or every=)")?;
        return Ok(fault.every(count(part, n)?));
    }
    if let Some(wait) = part.strip_prefix("stall=") {
        once(&mut given.stall, "stall=")?;
        return Ok(fault.stall(duration(part, wait)?));
    }
    if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
        once(&mut given.outcome, "what to answer (a status or drop)")?;
        return Ok(fault.status(status(part)?));
    }
    Err(format!(
        "{part:?} is not a part of a fault: a status (503), drop, stall=300ms, next=N, every=N or after-work"
    ))
}

/// The `N` of `next=N` or `every=N`: 1 or more.
fn count(part: &str, n: &str) -> Result<usize, String> {
    match n.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{part:?}: N must be a whole number of at least 1")),
    }
}

/// An error status, 400 to 599.
fn status(part: &str) -> Result<u16, String> {
    match part.parse::<u16>() {
        Ok(status) if (400..=599).contains(&status) => Ok(status),
        _ => Err(format!("{part:?} is not an error status (400 to 599)")),
    }
}

/// `300ms` or `2s`.
fn duration(part: &str, text: &str) -> Result<Duration, String> {
    let wrong = || format!("{part:?}: the wait must be a whole number of ms or s (300ms, 2s)");
    let (digits, unit): (&str, fn(u64) -> Duration) = match text.strip_suffix("ms") {
        Some(ms) => (ms, Duration::from_millis),
        None => (
            text.strip_suffix('s').ok_or_else(wrong)?,
            Duration::from_secs,
        ),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    digits.parse().map(unit).map_err(|_| wrong())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kratos_identity::Operation;

    use crate::Fault;

    #[test]
    fn reads_good_specs() {
        for (spec, fault) in [
            (
                "create_identity:503:next=2",
                Fault::on(Operation::CREATE_IDENTITY).status(503).next(2),
            ),
            (
                "PATCH /admin/identities:502:every=100:after-work",
                Fault::on_request("PATCH", "/admin/identities")
                    .after_work()
                    .status(502)
                    .every(100),
            ),
            ("any:drop:next=1", Fault::any().drop_connection().next(1)),
            (
                "list_identities:stall=30s:next=1",
                Fault::on(Operation::LIST_IDENTITIES)
                    .stall(Duration::from_secs(30))
                    .next(1),
            ),
            (
                "get_identity:stall=250ms:429",
                Fault::on(Operation::GET_IDENTITY)
                    .stall(Duration::from_millis(250))
                    .status(429),
            ),
            (
                " delete /admin/identities/{id} : after-work : drop ",
                Fault::on_request("DELETE", "/admin/identities/{id}")
                    .after_work()
                    .drop_connection(),
            ),
            (
                "get_version:500",
                Fault::on(Operation::GET_VERSION).status(500),
            ),
        ] {
            assert_eq!(spec.parse::<Fault>(), Ok(fault), "{spec}");
        }
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_spec() {
        for (spec, says) in [
            ("", "names no target"),
            (":503", "names no target"),
            ("create_identities:503", "is not an operation"),
            ("create_identities:503", "create_identity, update_identity"),
            ("create_identity", "says nothing happens"),
            ("create_identity:next=2", "says nothing happens"),
            ("create_identity:5o3", "\"5o3\" is not a part of a fault"),
            ("create_identity:200", "not an error status"),
            ("create_identity:99999", "not an error status"),
            ("create_identity:503:drop", "gives what to answer"),
            ("create_identity:503:next=1:every=2", "gives how many"),
            ("create_identity:503:next=0", "at least 1"),
            ("create_identity:503:every=-1", "at least 1"),
            ("create_identity:503:next=", "at least 1"),
            ("create_identity:stall=30", "whole number of ms or s"),
            ("create_identity:stall=1.5s", "whole number of ms or s"),
            ("create_identity:stall=ms", "whole number of ms or s"),
            ("create_identity:stall=1s:stall=2s", "gives stall= twice"),
            (
                "create_identity:503:after-work:after-work",
                "after-work twice",
            ),
            ("create_identity:503:", "\"\" is not a part"),
            ("P4TCH /admin/identities:503", "not an HTTP method"),
            ("PATCH admin/identities:503", "does not start with /"),
        ] {
            let err = spec.parse::<Fault>().unwrap_err();
            assert!(err.contains(says), "{spec:?}: {err}");
            assert!(
                err.starts_with(&format!("{spec:?}: ")),
                "names the spec: {err}"
            );
        }
    }
}
