//! Whether Kratos would accept an imported password hash, and could use it
//! at login: checked here, before anything is sent. What Kratos does with
//! a hash is told in the guide (`guide::password_hashes`).
//!
//! [`check_password_hash`] decides it without any cryptography: it
//! reads each hash the way Kratos's comparator reads it at login — Go's
//! `fmt.Sscanf` for the parameters, the exact base64 variant of each field,
//! Go's bcrypt and go-crypt's md5-crypt and sha-crypt decoders — and also
//! refuses a hash that decodes but that no password can match (a digest of
//! the wrong length, say: a hash cut short by an export). The fake server
//! (`kratos-identity-fake`, `passwords.rs`) computes the same comparisons
//! with the cryptography; its tests check that every hash it matches passes
//! here.
//!
//! Nothing here panics on its input, and no message or `Debug` holds a
//! hash, salt, digest or key: only the format, the names of fields and the
//! numbers of cost parameters.

use std::borrow::Cow;
use std::fmt;

use super::ServerVersion;
use formats::{
    argon2, bcrypt, firebase_scrypt, hmac, md5, md5_crypt, pbkdf2, salted_sha, scrypt, sha_crypt,
    ssha,
};

mod formats;
mod go;

/// The password hash formats Kratos's comparator accepts.
///
/// The [password hashes chapter](crate::guide::password_hashes) has a
/// working example of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasswordHashFormat {
    /// bcrypt: `$2a$`, `$2b$`, `$2y$`, `$2z$` or `$2$`, then two digits of
    /// cost, `$`, 22 characters of salt and 31 of hash.
    Bcrypt,
    /// `$argon2id$v=19$m=<KiB>,t=<iterations>,p=<parallelism>$<salt>$<hash>`,
    /// salt and hash in unpadded base64.
    Argon2id,
    /// `$argon2i$`, laid out as [`Argon2id`](Self::Argon2id).
    Argon2i,
    /// `$pbkdf2-sha<1 to 3 digits>$i=<iterations>,l=<length>$<salt>$<hash>`,
    /// salt and hash in unpadded base64. Kratos reads `sha1`, `sha256`,
    /// `sha512`, and `sha224` and `sha384` as SHA-3's; any other digits as
    /// SHA-256.
    Pbkdf2,
    /// `$scrypt$ln=<N>,r=<block size>,p=<parallelism>$<salt>$<hash>` (`ln`
    /// is N itself, not its logarithm), salt and hash in padded base64.
    Scrypt,
    /// `$firescrypt$ln=<log2 N>,r=…,p=…$<salt>$<hash>$<salt separator>$<signer key>`,
    /// Firebase's scrypt, all four fields in padded base64.
    FirebaseScrypt,
    /// `$md5$<hash>`: the MD5 of the password, in padded base64.
    Md5,
    /// `$md5$pf=<template>$<salt>$<hash>`: the MD5 of the template (base64
    /// of a text with `{SALT}` and `{PASSWORD}` in it) filled in.
    SaltedMd5,
    /// `$sha1$`, `$sha256$` or `$sha512$`, then `pf=<template>$<salt>$<hash>`
    /// as [`SaltedMd5`](Self::SaltedMd5).
    SaltedSha,
    /// `{SSHA}`, `{SSHA256}` or `{SSHA512}` and the padded base64 of the
    /// digest of password and salt, then the salt.
    Ssha,
    /// `$md5-crypt$<salt>$<hash>`: crypt(3)'s `$1$`.
    Md5Crypt,
    /// `$sha256-crypt$rounds=<N>$<salt>$<hash>` or
    /// `$sha256-crypt$<salt>$<hash>`: crypt(3)'s `$5$`.
    Sha256Crypt,
    /// `$sha512-crypt$…`, laid out as [`Sha256Crypt`](Self::Sha256Crypt):
    /// crypt(3)'s `$6$`.
    Sha512Crypt,
    /// `$hmac-<digest>$<hash>$<key>`, digest `md4`, `md5`, `sha1`, `sha224`,
    /// `sha256`, `sha384` or `sha512`; the hash is the padded base64 of the
    /// MAC in lower-case hex, the key padded base64.
    Hmac,
}

impl PasswordHashFormat {
    /// A short, lower-case name: `"bcrypt"`, `"argon2id"`,
    /// `"salted sha (sha1/sha256/sha512)"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Argon2id => "argon2id",
            Self::Argon2i => "argon2i",
            Self::Pbkdf2 => "pbkdf2",
            Self::Scrypt => "scrypt",
            Self::FirebaseScrypt => "firebase scrypt",
            Self::Md5 => "md5",
            Self::SaltedMd5 => "salted md5",
            Self::SaltedSha => "salted sha (sha1/sha256/sha512)",
            Self::Ssha => "ssha (ssha/ssha256/ssha512)",
            Self::Md5Crypt => "md5-crypt",
            Self::Sha256Crypt => "sha256-crypt",
            Self::Sha512Crypt => "sha512-crypt",
            Self::Hmac => "hmac",
        }
    }

    /// The format whose pattern `hash` starts with, tried in the order of
    /// Kratos's `supportedHashers` (the patterns are anchored regular
    /// expressions there; none overlaps another).
    fn of(hash: &str) -> Option<Self> {
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| hash.starts_with(p));
        let format = if starts(&["$md5-crypt$"]) {
            Self::Md5Crypt
        } else if starts(&["$2$", "$2a$", "$2b$", "$2z$", "$2y$"]) {
            Self::Bcrypt
        } else if starts(&["$sha256-crypt$"]) {
            Self::Sha256Crypt
        } else if starts(&["$sha512-crypt$"]) {
            Self::Sha512Crypt
        } else if starts(&["$argon2id$"]) {
            Self::Argon2id
        } else if starts(&["$argon2i$"]) {
            Self::Argon2i
        } else if is_pbkdf2(hash) {
            Self::Pbkdf2
        } else if starts(&["$scrypt$"]) {
            Self::Scrypt
        } else if starts(&["{SSHA}", "{SSHA256}", "{SSHA512}"]) {
            Self::Ssha
        } else if starts(&["$sha1$", "$sha256$", "$sha512$"]) {
            Self::SaltedSha
        } else if starts(&["$firescrypt$"]) {
            Self::FirebaseScrypt
        } else if starts(&["$md5$"]) {
            // One pattern in Kratos; its decoder tells the two apart by
            // their number of fields.
            if hash.split('$').count() == 5 {
                Self::SaltedMd5
            } else {
                Self::Md5
            }
        } else if hmac_digest(hash).is_some() {
            Self::Hmac
        } else {
            return None;
        };
        Some(format)
    }
}

impl fmt::Display for PasswordHashFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `^\$pbkdf2-sha[0-9]{1,3}\$`.
fn is_pbkdf2(hash: &str) -> bool {
    hash.strip_prefix("$pbkdf2-sha").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        (1..=3).contains(&digits) && rest.as_bytes().get(digits) == Some(&b'$')
    })
}

/// The digests of `$hmac-<digest>$` and the size of their MACs, in bytes.
const HMAC_DIGESTS: [(&str, usize); 7] = [
    ("md4", 16),
    ("md5", 16),
    ("sha1", 20),
    ("sha224", 28),
    ("sha256", 32),
    ("sha384", 48),
    ("sha512", 64),
];

/// The MAC size of `^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$`.
fn hmac_digest(hash: &str) -> Option<usize> {
    let rest = hash.strip_prefix("$hmac-")?;
    HMAC_DIGESTS.iter().find_map(|(name, size)| {
        rest.strip_prefix(name)
            .is_some_and(|r| r.starts_with('$'))
            .then_some(*size)
    })
}

/// Why Kratos would refuse a hash, or store it unusable: what
/// [`check_password_hash`] returns.
///
/// Its message names the format, what is wrong and, for a cost parameter,
/// its number; never the hash, its salt, digest or key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHashError {
    problem: Problem,
}

/// What is wrong, with what the message says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// No format Kratos knows; maybe a hint at what was meant.
    UnknownFormat { hint: Option<&'static str> },
    /// Kratos can never match it at login.
    Unusable {
        format: PasswordHashFormat,
        why: Unusable,
    },
    /// A cost parameter beyond master's bounds.
    OutOfBounds {
        format: PasswordHashFormat,
        cost: Cost,
    },
    /// Any password matches it.
    MatchesAny {
        format: PasswordHashFormat,
        why: &'static str,
    },
}

/// Why a hash of a known format can never match. The texts hold numbers at
/// most, never a part of the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unusable {
    /// A field does not decode as Kratos's comparator reads it.
    Garbled(&'static str),
    /// It decodes, but Kratos's computation fails or can equal no password's.
    MatchesNothing(Cow<'static, str>),
}

/// A cost parameter and master's bounds for it (`hash/hash_limits.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cost {
    /// How the message writes it: `"cost "`, `"m="`, `"ln="`.
    label: &'static str,
    value: u64,
    min: u64,
    max: u64,
}

impl Cost {
    fn new(label: &'static str, value: impl Into<u64>, min: u64, max: u64) -> Self {
        Cost {
            label,
            value: value.into(),
            min,
            max,
        }
    }

    fn within_bounds(&self) -> bool {
        (self.min..=self.max).contains(&self.value)
    }
}

impl PasswordHashError {
    /// Which of the three problems it is.
    pub fn kind(&self) -> PasswordHashErrorKind {
        match self.problem {
            Problem::UnknownFormat { .. } => PasswordHashErrorKind::UnknownFormat,
            Problem::Unusable { .. } => PasswordHashErrorKind::Unparsable,
            Problem::OutOfBounds { .. } => PasswordHashErrorKind::OutOfBounds,
            Problem::MatchesAny { .. } => PasswordHashErrorKind::MatchesAnyPassword,
        }
    }

    /// The format the hash has; `None` for
    /// [`UnknownFormat`](PasswordHashErrorKind::UnknownFormat).
    pub fn format(&self) -> Option<PasswordHashFormat> {
        match self.problem {
            Problem::UnknownFormat { .. } => None,
            Problem::Unusable { format, .. }
            | Problem::OutOfBounds { format, .. }
            | Problem::MatchesAny { format, .. } => Some(format),
        }
    }

    fn unknown(hash: &str) -> Self {
        PasswordHashError {
            problem: Problem::UnknownFormat {
                hint: unknown_format_hint(hash),
            },
        }
    }

    fn unusable(format: PasswordHashFormat, why: Unusable) -> Self {
        PasswordHashError {
            problem: Problem::Unusable { format, why },
        }
    }
}

/// The prefixes Kratos knows, for the message of an unknown format.
const KNOWN_PREFIXES: &str = "it knows $2a$, $2b$, $2y$, $2z$ and $2$ (bcrypt), $argon2id$, \
    $argon2i$, $pbkdf2-sha<digits>$, $scrypt$, $firescrypt$, {SSHA}, {SSHA256}, {SSHA512}, \
    $sha1$, $sha256$, $sha512$, $md5$, $md5-crypt$, $sha256-crypt$, $sha512-crypt$ and \
    $hmac-<md4|md5|sha1|sha224|sha256|sha384|sha512>$";

/// A fixed hint for a few near misses; never a part of the hash.
fn unknown_format_hint(hash: &str) -> Option<&'static str> {
    let trimmed = hash.trim_start();
    if trimmed.len() != hash.len() && PasswordHashFormat::of(trimmed).is_some() {
        return Some("this one starts with whitespace");
    }
    [
        ("$1$", "crypt(3)'s $1$ is $md5-crypt$ to Kratos"),
        ("$5$", "crypt(3)'s $5$ is $sha256-crypt$ to Kratos"),
        ("$6$", "crypt(3)'s $6$ is $sha512-crypt$ to Kratos"),
        ("$argon2d$", "Kratos does not read argon2d"),
        ("{CRYPT}", "write the crypt(3) hash without {CRYPT}"),
    ]
    .into_iter()
    .find_map(|(prefix, hint)| hash.starts_with(prefix).then_some(hint))
}

impl fmt::Display for PasswordHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::UnknownFormat { hint } => {
                write!(
                    f,
                    "not a password hash format Kratos knows ({KNOWN_PREFIXES})"
                )?;
                if let Some(hint) = hint {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Problem::Unusable {
                format,
                why: Unusable::Garbled(why),
            } => write!(
                f,
                "the {format} hash does not parse as Kratos reads it: {why}"
            ),
            Problem::Unusable {
                format,
                why: Unusable::MatchesNothing(why),
            } => write!(f, "the {format} hash can match no password at login: {why}"),
            Problem::MatchesAny { format, why } => write!(
                f,
                "the {format} hash matches any password at login ({why}): whoever tries could log in as this user"
            ),
            Problem::OutOfBounds { format, cost } => {
                let Cost {
                    label,
                    value,
                    min,
                    max,
                } = cost;
                write!(
                    f,
                    "the {format} hash has {label}{value}, and Kratos master accepts "
                )?;
                if value < min {
                    write!(f, "at least {min}")
                } else {
                    write!(f, "at most {max}")
                }
            }
        }
    }
}

impl std::error::Error for PasswordHashError {}

/// The kinds of [`PasswordHashError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasswordHashErrorKind {
    /// No format Kratos knows: both versions refuse it (the whole batch).
    UnknownFormat,
    /// A known format that does not decode as Kratos's comparator reads it,
    /// or that no password can match: v26.2.0 stores it and the user can
    /// never log in; master refuses the most of these (those whose bcrypt
    /// length or cost, or argon2, PBKDF2, scrypt or Firebase scrypt
    /// parameters or base64, do not parse), and stores the rest unusable.
    /// For master also an empty PBKDF2 or scrypt hash, which master stores
    /// and cannot use (v26.2.0 matches any password with it).
    ///
    /// A hash that is both unusable and beyond master's bounds is this
    /// kind: lowering its cost would not make it usable.
    Unparsable,
    /// A hash any password matches: a salted SHA or MD5 whose `pf=`
    /// template holds no `{PASSWORD}`, a Firebase scrypt hash whose hash
    /// and signer key are empty, and on v26.2.0 an empty PBKDF2 or scrypt
    /// hash. Kratos stores it, and anybody can then log in as that user
    /// with any password (measured on v26.2.0 with an empty PBKDF2 hash).
    MatchesAnyPassword,
    /// Cost parameters beyond the bounds master enforces (bcrypt cost > 15;
    /// argon2 m outside 1..=1048576 KiB (1 GiB), t outside 1..=10 or p
    /// outside 1..=16; PBKDF2 i outside 1..=10,000,000; scrypt N (its `ln`)
    /// outside 1..=131072 (2^17), r outside 1..=8 or p outside 1..=10;
    /// Firebase scrypt ln > 17, r outside 1..=8 or p outside 1..=10):
    /// master refuses it; v26.2.0 stores it and it works, with the memory
    /// and time it asks for at every login.
    OutOfBounds,
}

/// Checks a password hash as the target Kratos would: its format, that it
/// decodes as Kratos's comparator reads it at login, and (unless `target`
/// is v26.2.0 or older, see [`ServerVersion::release`]) master's cost
/// bounds. `None` means "any server": master's rules, the strictest, which
/// Ory Network runs.
///
/// Returns the format of a hash Kratos accepts and can use at login, else
/// why not: [`PasswordHashError::kind`], whose variants say what each
/// version does with such a hash.
///
/// The [password hashes chapter](crate::guide::password_hashes) has a
/// working example of every format, and tells what Kratos does with a hash
/// of each kind.
///
/// A refused hash says why, without repeating it:
///
/// ```
/// use kratos_identity::{PasswordHashErrorKind, PasswordHashFormat, ServerVersion, check_password_hash};
///
/// // A bcrypt hash cut short by an export: both versions store it, and its
/// // user can never log in.
/// let error = check_password_hash("$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7", None).unwrap_err();
/// assert_eq!(error.kind(), PasswordHashErrorKind::Unparsable);
/// assert_eq!(error.format(), Some(PasswordHashFormat::Bcrypt));
/// assert_eq!(
///     error.to_string(),
///     "the bcrypt hash does not parse as Kratos reads it: it is shorter than 59 bytes",
/// );
///
/// // Cost 16: master refuses it, v26.2.0 imports it.
/// let slow = "$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";
/// let error = check_password_hash(slow, None).unwrap_err();
/// assert_eq!(error.kind(), PasswordHashErrorKind::OutOfBounds);
/// assert_eq!(error.to_string(), "the bcrypt hash has cost 16, and Kratos master accepts at most 15");
/// assert!(check_password_hash(slow, Some(&ServerVersion::new("v26.2.0"))).is_ok());
///
/// // No format at all: every version refuses the whole batch.
/// let error = check_password_hash("correct horse battery staple", None).unwrap_err();
/// assert_eq!(error.kind(), PasswordHashErrorKind::UnknownFormat);
/// assert_eq!(error.format(), None);
/// assert!(error.to_string().starts_with("not a password hash format Kratos knows"));
/// ```
pub fn check_password_hash(
    hash: &str,
    target: Option<&ServerVersion>,
) -> Result<PasswordHashFormat, PasswordHashError> {
    let format = PasswordHashFormat::of(hash).ok_or_else(|| PasswordHashError::unknown(hash))?;
    let decoded = decode(format, hash).map_err(|why| PasswordHashError::unusable(format, why))?;
    if follows_master(target)
        && let Some(why) = decoded.unusable_on_master
    {
        return Err(PasswordHashError::unusable(
            format,
            Unusable::MatchesNothing(Cow::Borrowed(why)),
        ));
    }
    if let Some(why) = decoded.matches_any {
        return Err(PasswordHashError {
            problem: Problem::MatchesAny { format, why },
        });
    }
    if follows_master(target)
        && let Some(cost) = decoded.costs.into_iter().find(|c| !c.within_bounds())
    {
        return Err(PasswordHashError {
            problem: Problem::OutOfBounds { format, cost },
        });
    }
    Ok(format)
}

/// Whether `target` is checked by master's rules: anything but a release
/// older than v26.3, as [`ServerVersion`]'s capability checks decide.
fn follows_master(target: Option<&ServerVersion>) -> bool {
    target
        .and_then(ServerVersion::release)
        .is_none_or(|release| release >= (26, 3, 0))
}

/// What master checks of a hash that every version can decode.
#[derive(Debug, Default)]
struct Decoded {
    /// Its cost parameters, in the order master bounds them.
    costs: Vec<Cost>,
    /// Why master, and only master, can match no password with it.
    unusable_on_master: Option<&'static str>,
    /// Why any password matches it (where master cannot use it, the
    /// version that can: `unusable_on_master` is checked first).
    matches_any: Option<&'static str>,
}

impl Decoded {
    fn costs(costs: Vec<Cost>) -> Self {
        Decoded {
            costs,
            ..Decoded::default()
        }
    }

    fn matching_any(why: Option<&'static str>) -> Self {
        Decoded {
            matches_any: why,
            ..Decoded::default()
        }
    }
}

/// Reads `hash` as Kratos's comparator for `format` does at login.
fn decode(format: PasswordHashFormat, hash: &str) -> Result<Decoded, Unusable> {
    use PasswordHashFormat as F;
    let checked = match format {
        F::Bcrypt => return bcrypt(hash),
        F::Argon2id | F::Argon2i => return argon2(hash),
        F::Pbkdf2 => return pbkdf2(hash),
        F::Scrypt => return scrypt(hash),
        F::FirebaseScrypt => return firebase_scrypt(hash),
        F::SaltedSha => return salted_sha(hash),
        F::Md5 | F::SaltedMd5 => return md5(hash),
        F::Ssha => ssha(hash),
        F::Hmac => hmac(hash),
        F::Md5Crypt => md5_crypt(hash),
        F::Sha256Crypt => sha_crypt(hash, 32),
        F::Sha512Crypt => sha_crypt(hash, 64),
    };
    // The others have no cost parameters, and read alike on both versions.
    checked.map(|()| Decoded::default())
}

/// The live suite's hashes: each was imported into real Kratos v26.2.0 and
/// master, and logged in with.
#[cfg(test)]
#[path = "../../../tests/common/hashes.rs"]
mod live_hashes;

#[cfg(test)]
mod tests;
