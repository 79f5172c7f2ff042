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

// --- Go's decoding -----------------------------------------------------------

/// Go's `fmt.Sscanf` over one field, as far as Kratos's formats use it:
/// literal text, then `%d` or `%s`. Before a verb it skips spaces (Go's
/// table of them is Unicode's `White_Space`, as `char::is_whitespace`) but
/// fails at a newline; `%d` reads ASCII digits (a sign only into a signed
/// type) and fails beyond the target type's range; `%s` reads up to the
/// next space. Whatever follows the last verb is ignored.
struct Scan<'a> {
    rest: &'a str,
}

impl<'a> Scan<'a> {
    fn new(field: &'a str) -> Self {
        Scan { rest: field }
    }

    /// Literal text of the format, which must come next.
    fn literal(&mut self, text: &str) -> Option<&mut Self> {
        self.rest = self.rest.strip_prefix(text)?;
        Some(self)
    }

    /// Go's `SkipSpace`: a newline (also after a CR) is an error.
    fn skip_spaces(&mut self) -> Option<()> {
        let rest = self
            .rest
            .trim_start_matches(|c: char| c.is_whitespace() && c != '\n');
        if rest.starts_with('\n') {
            return None;
        }
        self.rest = rest;
        Some(())
    }

    fn digits(&mut self) -> Option<&'a str> {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        (!digits.is_empty()).then_some(digits)
    }

    /// `%d` into a Go unsigned integer of `bits` bits (at most 64).
    fn unsigned(&mut self, bits: u32) -> Option<u64> {
        self.skip_spaces()?;
        let value: u64 = self.digits()?.parse().ok()?;
        (bits >= 64 || value >> bits == 0).then_some(value)
    }

    /// `%d` into a Go `int` (64 bits).
    fn signed(&mut self) -> Option<i64> {
        self.skip_spaces()?;
        let negative = self.rest.starts_with('-');
        if let Some(rest) = self.rest.strip_prefix(['+', '-']) {
            self.rest = rest;
        }
        let digits = self.digits()?;
        let text = if negative {
            Cow::Owned(format!("-{digits}"))
        } else {
            Cow::Borrowed(digits)
        };
        text.parse().ok()
    }

    /// `%s`.
    fn word(&mut self) -> Option<&'a str> {
        self.skip_spaces()?;
        let len = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        (!word.is_empty()).then_some(word)
    }
}

/// Go's `strconv.Atoi` of bcrypt's two bytes of cost: an optional sign,
/// then ASCII digits.
fn atoi(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    Some(if negative { -value } else { value })
}

/// A base64 variant as Go's `encoding/base64` decodes it.
#[derive(Clone, Copy)]
struct Base64 {
    /// Each byte's value, or `NONE`.
    values: [u8; 256],
    /// `=` padding required (Go's `StdEncoding`), or refused
    /// (`RawStdEncoding`).
    padded: bool,
    /// Go's `Strict()`: the unused bits of the last character must be zero.
    strict: bool,
}

const NONE: u8 = 0xff;
const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BCRYPT_ALPHABET: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// crypt(3)'s, which go-crypt encodes md5-crypt and sha-crypt digests in.
const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Base64 {
    const fn new(alphabet: &[u8; 64], padded: bool, strict: bool) -> Self {
        let mut values = [NONE; 256];
        let mut i = 0;
        while i < 64 {
            values[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        Base64 {
            values,
            padded,
            strict,
        }
    }

    /// The bytes Go decodes `text` into, or `None` where it fails. Go skips
    /// CR and LF wherever they are, strict or not, padding included.
    fn decode(&self, text: &[u8]) -> Option<Vec<u8>> {
        let text: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect();
        let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
        let mut rest = text.as_slice();
        while !rest.is_empty() {
            let chars = rest
                .iter()
                .take(4)
                .take_while(|&&b| self.values[usize::from(b)] != NONE)
                .count();
            let (quantum, after) = rest.split_at(chars);
            rest = after;
            if chars < 4 {
                // The last quantum: two or three characters, then the end
                // of the text, or exactly the padding and then the end.
                let padding: &[u8] = match chars {
                    2 => b"==",
                    3 => b"=",
                    _ => return None,
                };
                if rest != if self.padded { padding } else { b"" } {
                    return None;
                }
                rest = b"";
            }
            self.push_quantum(&mut out, quantum)?;
        }
        Some(out)
    }

    /// Appends the bytes of two to four characters.
    fn push_quantum(&self, out: &mut Vec<u8>, quantum: &[u8]) -> Option<()> {
        let bits = quantum.iter().fold(0u32, |bits, &c| {
            bits << 6 | u32::from(self.values[usize::from(c)])
        });
        match quantum.len() {
            4 => out.extend_from_slice(&bits.to_be_bytes()[1..]),
            // 18 bits: two bytes and two unused bits.
            3 if !(self.strict && bits & 0b11 != 0) => {
                out.extend_from_slice(&(bits >> 2).to_be_bytes()[2..]);
            }
            // 12 bits: one byte and four unused bits.
            2 if !(self.strict && bits & 0b1111 != 0) => {
                out.extend_from_slice(&(bits >> 4).to_be_bytes()[3..]);
            }
            _ => return None,
        }
        Some(())
    }
}

/// Go's `base64.StdEncoding.Strict()`: padded, unused bits zero.
const STD_STRICT: Base64 = Base64::new(STANDARD_ALPHABET, true, true);
/// Go's `base64.StdEncoding`: padded, any unused bits.
const STD: Base64 = Base64::new(STANDARD_ALPHABET, true, false);
/// Go's `base64.RawStdEncoding.Strict()`: unpadded, unused bits zero.
const RAW_STD_STRICT: Base64 = Base64::new(STANDARD_ALPHABET, false, true);
/// Go's bcrypt salt decoding: bcrypt's alphabet, padded, any unused bits.
const BCRYPT_SALT: Base64 = Base64::new(BCRYPT_ALPHABET, true, false);

/// Whether `text` is exactly what an encoder writing `bytes` bytes, six
/// bits a character and no padding, can write in `alphabet`: as many
/// characters as it takes, and the unused bits of the last one zero. They
/// are its high bits when the encoding takes the first byte as the least
/// significant (crypt(3)'s), else its low bits.
fn is_encoding_of(text: &[u8], alphabet: &[u8; 64], bytes: usize, least_first: bool) -> bool {
    let Some((&last, _)) = text.split_last() else {
        return false;
    };
    let unused = (6 - bytes * 8 % 6) % 6;
    let Some(value) = alphabet.iter().position(|&a| a == last) else {
        return false;
    };
    let last_fits = if least_first {
        value >> (6 - unused) == 0
    } else {
        value & ((1 << unused) - 1) == 0
    };
    text.len() == (bytes * 8).div_ceil(6) && text.iter().all(|c| alphabet.contains(c)) && last_fits
}

/// A `pf=<template>` field: Go's `fmt.Sscanf(field, "pf=%s")`, then the
/// word in strict padded base64. `Some(why)` when any password matches: the
/// template has no `{PASSWORD}` to fill in.
fn template(field: &str) -> Result<Option<&'static str>, Unusable> {
    let template = Scan::new(field)
        .literal("pf=")
        .and_then(Scan::word)
        .and_then(|word| STD_STRICT.decode(word.as_bytes()))
        .ok_or(Unusable::Garbled(
            "its pf= template is not pf= and padded standard base64",
        ))?;
    let has_password = template.windows(10).any(|w| w == b"{PASSWORD}");
    Ok((!has_password)
        .then_some("its pf= template has no {PASSWORD}, so the password is never hashed"))
}

/// A field in `encoding`, decoded, or `why` it is not.
fn field(encoding: &Base64, text: &str, why: &'static str) -> Result<Vec<u8>, Unusable> {
    encoding
        .decode(text.as_bytes())
        .ok_or(Unusable::Garbled(why))
}

/// A decoded digest that must be `expected` bytes long to equal the one
/// Kratos computes.
fn digest_length(digest: &[u8], expected: usize, name: &str) -> Result<(), Unusable> {
    if digest.len() == expected {
        return Ok(());
    }
    Err(Unusable::MatchesNothing(Cow::Owned(format!(
        "its hash is {} bytes, and {name} makes {expected}",
        digest.len()
    ))))
}

// --- bcrypt ------------------------------------------------------------------

/// bcrypt, as Go's `bcrypt.CompareHashAndPassword` reads it
/// (`newFromHash`, then the salt in `expensiveBlowfishSetup`): at least 59
/// bytes; `$2$` or `$2` and a minor version and `$`; two bytes of cost as
/// `strconv.Atoi` reads them (so `+5` is 5), 4 to 31; one byte skipped
/// unread (normally `$`); 22 bytes of salt, which Go decodes with `==`
/// appended; then the hash, of which the first 31 bytes are compared with
/// the 31 characters bcrypt makes, and the rest ignored.
fn bcrypt(hash: &str) -> Result<Decoded, Unusable> {
    let bytes = hash.as_bytes();
    if bytes.len() < 59 {
        return Err(Unusable::Garbled("it is shorter than 59 bytes"));
    }
    let version_len = if bytes.get(2) == Some(&b'$') { 3 } else { 4 };
    let rest = bytes.get(version_len..).unwrap_or_default();
    let cost = rest
        .get(..2)
        .and_then(atoi)
        .and_then(|cost| u8::try_from(cost).ok())
        .filter(|cost| (4..=31).contains(cost))
        .ok_or(Unusable::Garbled("its cost is not a number from 4 to 31"))?;
    // Go decodes any salt that decodes, even to fewer than 16 bytes (with
    // CR or LF in it, which it skips); the fake's bcrypt does not.
    let mut salt = rest.get(3..25).unwrap_or_default().to_vec();
    salt.extend_from_slice(b"==");
    BCRYPT_SALT.decode(&salt).ok_or(Unusable::Garbled(
        "its salt is not 22 characters of bcrypt's base64",
    ))?;
    // Go compares 31 bytes, zero-filled when the hash is shorter, with the
    // bcrypt base64 of 23 bytes.
    let digest = rest.get(25..).unwrap_or_default();
    if !digest
        .get(..31)
        .is_some_and(|digest| is_encoding_of(digest, BCRYPT_ALPHABET, 23, false))
    {
        return Err(Unusable::MatchesNothing(Cow::Borrowed(
            "its hash does not start with 31 characters of bcrypt's base64, as bcrypt makes them",
        )));
    }
    // Master's bound: `validateBcryptHashCost`.
    Ok(Decoded::costs(vec![Cost::new("cost ", cost, 4, 15)]))
}

// --- argon2 ------------------------------------------------------------------

/// `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (or `$argon2i$`), as Kratos's
/// `decodeArgon2idHash` reads it: six `$`-fields; the version an `int`,
/// 19; memory into 64 bits, iterations into 32, parallelism into 8; salt
/// and hash in strict unpadded base64. Go's argon2 then panics at zero
/// iterations, zero lanes or an empty hash. It takes any memory (cut to
/// 32 bits, raised to its minimum), salt or hash length: the fake's
/// RustCrypto argon2 refuses some of those, Kratos does not.
fn argon2(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, version, params, salt, key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $argon2…$v=19$m=<memory>,t=<iterations>,p=<parallelism>$<salt>$<hash>",
        ));
    };
    if Scan::new(version).literal("v=").and_then(Scan::signed) != Some(19) {
        return Err(Unusable::Garbled("its version is not v=19"));
    }
    let mut scan = Scan::new(params);
    let (Some(memory), Some(iterations), Some(parallelism)) = (
        scan.literal("m=").and_then(|s| s.unsigned(64)),
        scan.literal(",t=").and_then(|s| s.unsigned(32)),
        scan.literal(",p=").and_then(|s| s.unsigned(8)),
    ) else {
        return Err(Unusable::Garbled(
            "its parameters are not m=<memory>,t=<iterations>,p=<parallelism> \
             (at most 64, 32 and 8 bits)",
        ));
    };
    field(
        &RAW_STD_STRICT,
        salt,
        "its salt is not unpadded standard base64",
    )?;
    let key = field(
        &RAW_STD_STRICT,
        key,
        "its hash is not unpadded standard base64",
    )?;
    if iterations == 0 || parallelism == 0 {
        return Err(Unusable::MatchesNothing(Cow::Borrowed(
            "its t or p is 0, and Go's argon2 panics at zero iterations or lanes",
        )));
    }
    if key.is_empty() {
        return Err(Unusable::MatchesNothing(Cow::Borrowed(
            "its hash is empty, and Go's argon2 panics deriving an empty key",
        )));
    }
    // Master's bounds: `validateArgon2Params`.
    Ok(Decoded::costs(vec![
        Cost::new("m=", memory, 1, 1 << 20),
        Cost::new("t=", iterations, 1, 10),
        Cost::new("p=", parallelism, 1, 16),
    ]))
}

// --- PBKDF2 ------------------------------------------------------------------

/// `$pbkdf2-<digest>$i=…,l=…$salt$hash`, as Kratos's `decodePbkdf2Hash`
/// reads it: five `$`-fields; iterations and length into 32 bits (the
/// length must parse, but the hash's own length is the key's); salt and
/// hash in strict unpadded base64. Go counts zero iterations as one.
fn pbkdf2(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<hash>",
        ));
    };
    let mut scan = Scan::new(params);
    let (Some(iterations), Some(_length)) = (
        scan.literal("i=").and_then(|s| s.unsigned(32)),
        scan.literal(",l=").and_then(|s| s.unsigned(32)),
    ) else {
        return Err(Unusable::Garbled(
            "its parameters are not i=<iterations>,l=<length> (each at most 32 bits)",
        ));
    };
    field(
        &RAW_STD_STRICT,
        salt,
        "its salt is not unpadded standard base64",
    )?;
    let key = field(
        &RAW_STD_STRICT,
        key,
        "its hash is not unpadded standard base64",
    )?;
    Ok(Decoded {
        // Master's bound: `validatePbkdf2Params`.
        costs: vec![Cost::new("i=", iterations, 1, 10_000_000)],
        // v26.2.0's PBKDF2 (golang.org/x/crypto 0.46) derives an empty key,
        // which equals the empty hash; master's (Go's crypto/pbkdf2)
        // returns an error instead.
        unusable_on_master: key.is_empty().then_some(
            "its hash is empty, and master's PBKDF2 refuses to derive an empty key \
             (v26.2.0 derives one, so any password matches there)",
        ),
        matches_any: key
            .is_empty()
            .then_some("its hash is empty, and an empty key is derived from any password"),
    })
}

// --- scrypt and Firebase scrypt ---------------------------------------------

/// `ln=…,r=…,p=…`, each into 32 bits.
fn scrypt_params(field: &str) -> Result<(u32, u32, u32), Unusable> {
    let mut scan = Scan::new(field);
    let unsigned32 = |s: &mut Scan<'_>| s.unsigned(32).and_then(|v| u32::try_from(v).ok());
    match (
        scan.literal("ln=").and_then(unsigned32),
        scan.literal(",r=").and_then(unsigned32),
        scan.literal(",p=").and_then(unsigned32),
    ) {
        (Some(n), Some(r), Some(p)) => Ok((n, r, p)),
        _ => Err(Unusable::Garbled(
            "its parameters are not ln=<N>,r=<block size>,p=<parallelism> (each at most 32 bits)",
        )),
    }
}

/// Where Go's `scrypt.Key` (on 64-bit) refuses its parameters, or panics
/// dividing by zero (x/crypto before 0.47 at r or p of 0).
fn scrypt_refusal(n: u64, r: u32, p: u32) -> Option<&'static str> {
    const MAX_INT: u64 = u64::MAX >> 1;
    let (r, p) = (u64::from(r), u64::from(p));
    if n <= 1 || !n.is_power_of_two() {
        return Some("its N is not a power of two above 1, which Go's scrypt needs");
    }
    if r == 0 || p == 0 {
        return Some("its r or p is 0, which Go's scrypt refuses");
    }
    if r * p >= 1 << 30 || r > MAX_INT / 128 / p || r > MAX_INT / 256 || n > MAX_INT / 128 / r {
        return Some("its r·p is 2^30 or more, or its N·r too large, which Go's scrypt refuses");
    }
    None
}

/// `$scrypt$ln=…,r=…,p=…$salt$hash`, as Kratos's `decodeScryptHash` reads
/// it: five `$`-fields; despite its name `ln` is N itself; salt and hash in
/// strict padded base64. The fake refuses scrypt that needs over 1 GiB, or
/// r = 1 and N ≥ 65536 (RustCrypto's limit); Kratos computes those.
fn scrypt(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $scrypt$ln=<N>,r=<block size>,p=<parallelism>$<salt>$<hash>",
        ));
    };
    let (n, r, p) = scrypt_params(params)?;
    field(&STD_STRICT, salt, "its salt is not padded standard base64")?;
    let key = field(&STD_STRICT, key, "its hash is not padded standard base64")?;
    if let Some(why) = scrypt_refusal(u64::from(n), r, p) {
        return Err(Unusable::MatchesNothing(Cow::Borrowed(why)));
    }
    Ok(Decoded {
        // Master's bounds: `validateScryptParams`.
        costs: vec![
            Cost::new("ln=", n, 1, 1 << 17),
            Cost::new("r=", r, 1, 8),
            Cost::new("p=", p, 1, 10),
        ],
        // scrypt derives its key with x/crypto's PBKDF2, which since 0.47
        // (master's 0.53) wraps Go's crypto/pbkdf2 and panics at its error.
        unusable_on_master: key.is_empty().then_some(
            "its hash is empty, and master's scrypt panics deriving an empty key \
             (v26.2.0 derives one, so any password matches there)",
        ),
        matches_any: key
            .is_empty()
            .then_some("its hash is empty, and an empty key is derived from any password"),
    })
}

/// `$firescrypt$ln=…,r=…,p=…$salt$hash$salt_separator$signer_key`, as
/// Kratos's `decodeFirebaseScryptHash` reads it: seven `$`-fields; N is
/// `1 << ln` shifted as a Go `uint32` (so `ln` of 32 or more gives 0); all
/// four in strict padded base64. The signer key encrypted with the derived
/// key is compared with the hash, so the two must be as long.
fn firebase_scrypt(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, key, separator, signer_key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $firescrypt$ln=<log2 N>,r=<block size>,p=<parallelism>\
             $<salt>$<hash>$<salt separator>$<signer key>",
        ));
    };
    let (log_n, r, p) = scrypt_params(params)?;
    field(&STD_STRICT, salt, "its salt is not padded standard base64")?;
    let key = field(&STD_STRICT, key, "its hash is not padded standard base64")?;
    field(
        &STD_STRICT,
        separator,
        "its salt separator is not padded standard base64",
    )?;
    let signer_key = field(
        &STD_STRICT,
        signer_key,
        "its signer key is not padded standard base64",
    )?;
    let n = 1u64
        .checked_shl(log_n)
        .filter(|n| *n <= 1 << 31)
        .unwrap_or(0);
    if let Some(why) = scrypt_refusal(n, r, p) {
        let why = if log_n == 0 || log_n >= 32 {
            "its ln is not 1 to 31, so its N is not a power of two above 1 (Kratos computes \
             N = 2^ln in 32 bits), which Go's scrypt needs"
        } else {
            why
        };
        return Err(Unusable::MatchesNothing(Cow::Borrowed(why)));
    }
    if key.len() != signer_key.len() {
        return Err(Unusable::MatchesNothing(Cow::Owned(format!(
            "its hash is {} bytes and its signer key {}: Kratos compares the hash with the \
             signer key encrypted, which is as long as the signer key",
            key.len(),
            signer_key.len()
        ))));
    }
    // Master's bounds: `validateFirebaseScryptParams`, on ln before the shift.
    Ok(Decoded {
        matches_any: key.is_empty().then_some(
            "its hash and signer key are empty, and the encryption of an empty signer key is empty",
        ),
        ..Decoded::costs(vec![
            Cost::new("ln=", log_n, 0, 17),
            Cost::new("r=", r, 1, 8),
            Cost::new("p=", p, 1, 10),
        ])
    })
}

// --- SHA and MD5, salted or not ------------------------------------------------

/// `{SSHA}`, `{SSHA256}` or `{SSHA512}`, then padded base64 (Go's
/// `StdEncoding`, not strict) of the SHA-1, SHA-256 or SHA-512 digest and
/// the salt, of at least one byte (`decodeSSHAHash`).
fn ssha(hash: &str) -> Result<(), Unusable> {
    let (rest, digest_len) = if let Some(rest) = hash.strip_prefix("{SSHA}") {
        (rest, 20)
    } else if let Some(rest) = hash.strip_prefix("{SSHA256}") {
        (rest, 32)
    } else if let Some(rest) = hash.strip_prefix("{SSHA512}") {
        (rest, 64)
    } else {
        return Err(Unusable::Garbled(
            "it does not start with {SSHA}, {SSHA256} or {SSHA512}",
        ));
    };
    let decoded = field(
        &STD,
        rest,
        "what follows {SSHA…} is not padded standard base64",
    )?;
    if decoded.len() <= digest_len {
        return Err(Unusable::Garbled(
            "it decodes to no more than its digest, with no salt after it",
        ));
    }
    Ok(())
}

/// `$sha1$`, `$sha256$` or `$sha512$`, then `pf=template$salt$hash`
/// (`decodeSHAHash`): five `$`-fields, the three in strict padded base64.
fn salted_sha(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, name, pf, salt, digest] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $sha…$pf=<template>$<salt>$<hash>",
        ));
    };
    let matches_any = template(pf)?;
    field(&STD_STRICT, salt, "its salt is not padded standard base64")?;
    let digest = field(
        &STD_STRICT,
        digest,
        "its hash is not padded standard base64",
    )?;
    let (name, expected) = match *name {
        "sha1" => ("SHA-1", 20),
        "sha256" => ("SHA-256", 32),
        _ => ("SHA-512", 64),
    };
    digest_length(&digest, expected, name)?;
    Ok(Decoded::matching_any(matches_any))
}

/// `$md5$hash`, or `$md5$pf=template$salt$hash` as the salted SHAs
/// (`decodeMD5Hash`); all in strict padded base64.
fn md5(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let mut matches_any = None;
    let digest = match fields.as_slice() {
        [_, _, digest] => digest,
        [_, _, pf, salt, digest] => {
            matches_any = template(pf)?;
            field(&STD_STRICT, salt, "its salt is not padded standard base64")?;
            digest
        }
        _ => {
            return Err(Unusable::Garbled(
                "it is neither $md5$<hash> nor $md5$pf=<template>$<salt>$<hash>",
            ));
        }
    };
    let digest = field(
        &STD_STRICT,
        digest,
        "its hash is not padded standard base64",
    )?;
    digest_length(&digest, 16, "MD5")?;
    Ok(Decoded::matching_any(matches_any))
}

// --- HMAC --------------------------------------------------------------------

/// `$hmac-<digest>$hash$key` (`decodeHMACHash`): four `$`-fields, hash and
/// key in strict padded base64. Kratos compares the hash with the MAC in
/// lower-case hex, so it must be that.
fn hmac(hash: &str) -> Result<(), Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, mac, key] = fields.as_slice() else {
        return Err(Unusable::Garbled("it is not $hmac-<digest>$<hash>$<key>"));
    };
    let mac = field(&STD_STRICT, mac, "its hash is not padded standard base64")?;
    field(&STD_STRICT, key, "its key is not padded standard base64")?;
    let size = hmac_digest(hash).unwrap_or_default();
    if mac.len() != 2 * size || !mac.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Unusable::MatchesNothing(Cow::Owned(format!(
            "its hash is not the {} lower-case hex digits of the MAC, in base64",
            2 * size
        ))));
    }
    Ok(())
}

// --- md5-crypt and sha-crypt ---------------------------------------------------

/// The hash of a crypt: exactly what go-crypt's `EncodeCrypt` makes of a
/// digest of `digest_len` bytes (22 characters for MD5, 43 for SHA-256, 86
/// for SHA-512), which Kratos compares it with.
fn crypt_hash(hash: &str, digest_len: usize) -> Result<(), Unusable> {
    if hash.is_empty() {
        // go-crypt's decoder (sha-crypt) or matcher (md5-crypt): "key has
        // 0 bytes".
        return Err(Unusable::MatchesNothing(Cow::Borrowed(
            "its hash is empty, which go-crypt matches with no password",
        )));
    }
    if is_encoding_of(hash.as_bytes(), CRYPT_ALPHABET, digest_len, true) {
        return Ok(());
    }
    Err(Unusable::MatchesNothing(Cow::Owned(format!(
        "its hash is not the {} characters of crypt(3)'s base64 that the crypt makes",
        (digest_len * 8).div_ceil(6)
    ))))
}

/// `$md5-crypt$salt$hash`: Kratos hands go-crypt `$1$salt$hash`, whose
/// md5crypt decoder wants exactly four `$`-fields and a hash; the salt is
/// used whole, whatever it is.
fn md5_crypt(hash: &str) -> Result<(), Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, _salt, hash] = fields.as_slice() else {
        return Err(Unusable::Garbled("it is not $md5-crypt$<salt>$<hash>"));
    };
    crypt_hash(hash, 16)
}

/// `$sha256-crypt$rounds=N$salt$hash` or `$sha256-crypt$salt$hash` (and
/// sha512): Kratos hands go-crypt `$5$…` or `$6$…`, whose shacrypt decoder
/// wants four or five `$`-fields and a hash; the parameters are
/// comma-separated `key=value` pairs, not empty, of which only `rounds` is
/// known, a 32-bit decimal without a sign (any number: go-crypt does not
/// clamp it as crypt(3) does).
fn sha_crypt(hash: &str, digest_len: usize) -> Result<(), Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let hash = match fields.as_slice() {
        [_, _, _salt, hash] => hash,
        [_, _, params, _salt, hash] => {
            if !sha_crypt_params(params) {
                return Err(Unusable::Garbled(
                    "its parameters are not rounds=<number> (at most 32 bits)",
                ));
            }
            hash
        }
        _ => {
            return Err(Unusable::Garbled(
                "it is not $sha…-crypt$rounds=<N>$<salt>$<hash> or $sha…-crypt$<salt>$<hash>",
            ));
        }
    };
    crypt_hash(hash, digest_len)
}

/// go-crypt's `DecodeParameterStr` and `strconv.ParseUint(value, 10, 32)`.
fn sha_crypt_params(params: &str) -> bool {
    !params.is_empty()
        && params.split(',').all(|pair| {
            pair.split_once('=').is_some_and(|(key, value)| {
                key == "rounds"
                    && !value.is_empty()
                    && value.bytes().all(|b| b.is_ascii_digit())
                    && value.parse::<u32>().is_ok()
            })
        })
}

/// The live suite's hashes: each was imported into real Kratos v26.2.0 and
/// master, and logged in with.
#[cfg(test)]
#[path = "../../tests/common/hashes.rs"]
mod live_hashes;

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordHashErrorKind::{MatchesAnyPassword, OutOfBounds, UnknownFormat, Unparsable};
    use PasswordHashFormat::{
        Argon2i, Argon2id, Bcrypt, FirebaseScrypt, Hmac, Md5, Md5Crypt, Pbkdf2, SaltedMd5,
        SaltedSha, Scrypt, Sha256Crypt, Sha512Crypt, Ssha,
    };

    use super::live_hashes as live;

    /// A format, or the kind of error.
    type Outcome = Result<PasswordHashFormat, PasswordHashErrorKind>;

    fn on_master(hash: &str) -> Outcome {
        check_password_hash(hash, None).map_err(|e| e.kind())
    }

    fn on_release(hash: &str) -> Outcome {
        check_password_hash(hash, Some(&ServerVersion::new("v26.2.0"))).map_err(|e| e.kind())
    }

    /// The format the live suite's name for a hash stands for.
    fn live_format(name: &str) -> PasswordHashFormat {
        match name {
            "bcrypt" => Bcrypt,
            "argon2id" => Argon2id,
            "argon2i" => Argon2i,
            "scrypt" => Scrypt,
            "firescrypt" => FirebaseScrypt,
            "md5" => Md5,
            "md5 with salt" => SaltedMd5,
            "md5-crypt" => Md5Crypt,
            "sha256-crypt" => Sha256Crypt,
            "sha512-crypt" => Sha512Crypt,
            _ if name.starts_with("pbkdf2") => Pbkdf2,
            _ if name.starts_with("ssha") => Ssha,
            _ if name.starts_with("sha") => SaltedSha,
            _ if name.starts_with("hmac") => Hmac,
            _ => panic!("no format for the live suite's {name:?}"),
        }
    }

    #[test]
    fn every_hash_that_logs_in_for_real_passes() {
        let mut seen = Vec::new();
        for (name, hash, _password) in live::HASHES {
            let format = live_format(name);
            assert_eq!(on_master(hash), Ok(format), "{name}");
            assert_eq!(on_release(hash), Ok(format), "{name}");
            seen.push(format);
        }
        // One of each format.
        seen.dedup();
        assert_eq!(seen.len(), 14, "{seen:?}");
        assert_eq!(on_master(live::UNPARSABLE), Err(UnknownFormat));
        assert_eq!(on_release(live::UNPARSABLE), Err(UnknownFormat));
    }

    /// The hashes the fake's tests match with their password (as Kratos
    /// v26.2.0's `hash.Compare` does; `fake/src/passwords.rs`).
    const FAKE_MATCHES: &[(&str, PasswordHashFormat)] = &[
        // BCRYPT_MATCHES
        (
            "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            Bcrypt,
        ),
        (
            "$2a$15$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO",
            Bcrypt,
        ),
        (
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2a$04$DiMpdzKQIeaGVp70o.EieuGrEOeY.8uLRxHtitUe5MBrZJNe/x/H.",
            Bcrypt,
        ),
        (
            "$2b$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2y$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2z$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2a$+4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2b$04X.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Bcrypt,
        ),
        (
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6$x",
            Bcrypt,
        ),
        (
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6\n",
            Bcrypt,
        ),
        // ARGON2_MATCHES
        (
            "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Argon2id,
        ),
        (
            "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
            Argon2i,
        ),
        (
            "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4",
            Argon2id,
        ),
        (
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            Argon2id,
        ),
        (
            "$argon2id$v=19$m=33,t=1,p=4$MDEyMzQ1Njc$Wx7e+53CY9wswIuVggqRiw",
            Argon2id,
        ),
        (
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc$ehHpW7eHMJqCXOz5JvzWag",
            Argon2id,
        ),
        (
            "$argon2i$v=19$m=64,t=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg$rPwARuZKchZXjGVqqimSVuRnYOKlCoXfV8cVe+BXYso",
            Argon2i,
        ),
        (
            "$argon2id$v= +19$m= 32,t=\t01,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            Argon2id,
        ),
        (
            "$argon2id$v=19x$m=32,t=1,p=1,x=2$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            Argon2id,
        ),
        (
            "$argon2id$v=19$m=4294967328,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            Argon2id,
        ),
        (
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4\r\nOWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A\n",
            Argon2id,
        ),
        // PBKDF2_MATCHES
        (
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha1$i=10,l=32$9eEJQpDDasKzN8Z9GcA/Ig$dAmflEdliJaWxa2V0tpAbf8YE5A1erYSoO9CrOoDtqw",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha224$i=10,l=32$nbcVq3+O6srFGr2w8EnKyQ$Pk5bVfYkPFx59OPPPf2HRzsDKyEM3L4clWAoPCfBuAk",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha384$i=10,l=32$ppTGks1IPvlIoSsUS/lQWQ$P2ARPHAriPdSiPE9sMYZlZaLKbdvPAYCX+A9U6pQJA8",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha3$i=10,l=32$6YeHn+jEqiicT1+wcUfu4w$s+b9HBFdqMRaN8fI//Vu/xXYzPhhDgNmZcKACOuGWqw",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha999$i=10,l=32$IyMf99k6oowty+Vk0MR+3w$IWkkN/MQ1eKLUMxhUexyktmcoMCQjyC3jbMqFPKeDdc",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha256$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha256$i=0,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha256$i=1,l=1x$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
            Pbkdf2,
        ),
        (
            "$pbkdf2-sha256$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06",
            Pbkdf2,
        ),
        // SCRYPT_MATCHES
        (
            "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
            Scrypt,
        ),
        (
            "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==",
            FirebaseScrypt,
        ),
        (
            "$scrypt$ln=16,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjVIRWO15kJMZknPqstv1zxFq97yqLiS6CLGbo=",
            Scrypt,
        ),
        (
            "$scrypt$ln=1024,r=1,p=2$MDEyMzQ1Njc4OWFiY2RlZg==$hkq9wF9/cBAnmIrxs3nZIWnIqT34304/xzgOO4DlaM8=",
            Scrypt,
        ),
        (
            "$firescrypt$ln=4,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$TcUhVuJiICeQnbzznqMpK0Cn09f1CknhbYAMKTD2ZsDsu3juad6dCOdQU7WIi27ZkJnjQmJ3BtiWH8i/mw==$Bw==$YSBzaWduZXIga2V5IHRoYXQgaXMgbG9uZyBlbm91Z2ggdG8gc3BhbiBzZXZlcmFsIEFFUyBibG9ja3MhIQ==",
            FirebaseScrypt,
        ),
        (
            "$firescrypt$ln=5,r=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg==$hp06QKXlle/I48EIQE1GgYREDdg6c1VA26KGwCOaYZXRZli+i7LZfzhrQcWwBDtTZHvdqhcjVH2LvFmhHg==$Bw==$YSBzaWduZXIga2V5IHRoYXQgaXMgbG9uZyBlbm91Z2ggdG8gc3BhbiBzZXZlcmFsIEFFUyBibG9ja3MhIQ==",
            FirebaseScrypt,
        ),
        (
            "$scrypt$ln=16,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjV",
            Scrypt,
        ),
        // SHA_MATCHES
        ("{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a", Ssha),
        (
            "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK",
            Ssha,
        ),
        (
            "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
            Ssha,
        ),
        (
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
            SaltedSha,
        ),
        (
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$99h9net4BXl7qdTRaiGUobLROxM=",
            SaltedSha,
        ),
        (
            "$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso=",
            SaltedSha,
        ),
        (
            "$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog=",
            SaltedSha,
        ),
        (
            "$sha1$pf=JHtQQVNTV09SRH0ke1NBTFR9JA==$NW9wbWtnejAzcg==$iE5n1yjX3oAdxRHwZ4u57I4LpQo=",
            SaltedSha,
        ),
        (
            "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=",
            SaltedSha,
        ),
        (
            "$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=",
            SaltedSha,
        ),
        (
            "$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==",
            SaltedSha,
        ),
        (
            "$sha512$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$1F9BPW8UtdJkZ9Dhlf+D4X4dJ9xfuH8y04EfuCP2k4aGPPq/aWxU9/xe3LydHmYW1/K3zu3NFO9ETVrZettz3w==",
            SaltedSha,
        ),
        ("$md5$CY9rzUYh03PK3k6DJie09g==", Md5),
        ("$md5$ptoWyof5SobW+pbZu2QXoQ==", Md5),
        (
            "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==",
            SaltedMd5,
        ),
        (
            "$md5$pf=e1NBTFR9JCR7UEFTU1dPUkR9$MTIzNA==$ud392Z8rfZ+Ou7ZFXYLKbA==",
            SaltedMd5,
        ),
        (
            "$md5$pf=e1BBU1NXT1JEfXtTQUxUfSQ/$MTIzNDU2Nzg5$8PhwWanVRnpJAFK4NUjR0w==",
            SaltedMd5,
        ),
        ("{SSHA}m0v1zbc4H+OChKBdRNBjHPJTwJUw", Ssha),
        (
            "{SSHA512}pFia4ZSj7uuZQJsih8yM5a4v7Bkpk18tDvxYYG6yV109A2t7EW02DOkyU4ffkBTCxepSc8gIbeTTRUtjSkIypDA=",
            Ssha,
        ),
        (
            "$sha1$pf=eHtTQUxUfXtTQUxUfXtQQVNTV09SRH15$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
            SaltedSha,
        ),
        (
            "$sha256$pf=e1BBU1NXT1JEfXtTQUxUfQ==$MDEy$VApc6DLQA8UVHAPNhx00Lty2sO2zSm9/aSZlw862B0s=",
            SaltedSha,
        ),
        (
            "$md5$pf=e1BBU1NXT1JEfXtTQUxUfQ==$MDEy$wzYmi47ZXar1gY88FMRcdQ==",
            SaltedMd5,
        ),
        (
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$$qUqP5cyxm6YcTAhz05Hph5gvu9M=",
            SaltedSha,
        ),
        (
            "$sha1$pf=  eHtTQUxUfXtTQUxUfXtQQVNTV09SRH15 more$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
            SaltedSha,
        ),
        (
            "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59N=",
            Ssha,
        ),
        ("$md5$CY9rzUYh03PK3k6DJie\r\n09g=\n=", Md5),
        // CRYPT_MATCHES
        ("$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/", Md5Crypt),
        ("$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0", Md5Crypt),
        ("$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b.", Md5Crypt),
        (
            "$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78",
            Sha256Crypt,
        ),
        (
            "$sha256-crypt$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3",
            Sha256Crypt,
        ),
        (
            "$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1",
            Sha512Crypt,
        ),
        (
            "$sha512-crypt$rounds=656000$0baQbxBrfpKqvizk$Q9cYk1MeNAlECPgpG3jjfNI2DumLqd0yHbxzLdxiX6nsSD5i9n0awcbiCf8R5DzpIYxeBPznPcb1wtzlgUKtH0",
            Sha512Crypt,
        ),
        (
            "$md5-crypt$0123456789abcdefXYZ$TyCwJ20Nq1t1NNrkVN6K2/",
            Md5Crypt,
        ),
        ("$md5-crypt$sälz$u/z0bVrq5PWdKnWNiZ73K1", Md5Crypt),
        (
            "$sha256-crypt$rounds=0$a$XCacNNZfLzli8cUeSOzs4.18rMCAybNAbNLowmFANP1",
            Sha256Crypt,
        ),
        (
            "$sha256-crypt$rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
            Sha256Crypt,
        ),
        (
            "$sha256-crypt$05R.9KB6UC2kLI3w$v5M0yzcMti57WJPl8ZyLdaXwogPHG4KQl1uI26XBIQD",
            Sha256Crypt,
        ),
        (
            "$sha512-crypt$rounds=10$0123456789abcdefXYZ$Ka.7cP52J0cyhKIskZ2hmsdi0p3KmzoHhbH8ILbOZTYEDpi.lMMEyTOt7NY7nyl6w5ef126TNUGpyCD9UKd.01",
            Sha512Crypt,
        ),
        (
            "$sha512-crypt$a$uOGKBpJhG73gGiN8eKAUp03bxrn88oHQe3RS3up6q.98i3qZNfohws86LF9YNze8bL9hSMxs.nnvc6UG5bPLM1",
            Sha512Crypt,
        ),
        (
            "$sha512-crypt$rounds=1000$$INaX4aFRTxE4EfEPMt25TXkkEEDecxed.nVVVfNtQg2W55kuodBcylQ0SIiKitST.ZcjVamvuAXZwtgLJcg1x.",
            Sha512Crypt,
        ),
        (
            "$sha256-crypt$rounds=0001000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
            Sha256Crypt,
        ),
        (
            "$sha256-crypt$rounds=7,rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
            Sha256Crypt,
        ),
        // HMAC_MATCHES
        (
            "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-sha224$YmUwYmYzM2EwNGRlNDE0YjQzNjBhNmIyOThmNmIyYzI4OWQyMzk3MDUwZDFjMzliYjVmMDMyOTQ=$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-sha384$ZWEyMGM3NGE4Y2UzMTljNTdjZTlhZGQyYTZjNDE0MGQ4YjMwYWIwOWM4OTRiNWQ4MmZjODlhMzBhMmQzNGE5NmQ0NDY1NWRhYjQ2ZjhiYjBkNTRmYjk5YWZkZTA1MGY1$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNDU=",
            Hmac,
        ),
        (
            "$hmac-md5$ZTI4MzRlODRiNmFkOTE3NDViMjJmY2IzMmZhZTUwOTY=$",
            Hmac,
        ),
        (
            "$hmac-sha256$MDUxZWZlNTA5Nzg2ODIyNGRhODZjZjA2NGFhMzdmNjUwZDAxZWQyNWU0MmEyNTI3ZWE3ZGIwOTljNWE2MjljMw==$a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
            Hmac,
        ),
        (
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDUA",
            Hmac,
        ),
    ];

    /// Those of them that master refuses, and why.
    const FAKE_MATCHES_MASTER_REFUSES: &[(&str, PasswordHashErrorKind)] = &[
        // Memory beyond 1 GiB, though v26.2.0 cuts it to 32 bits: 32 KiB.
        (
            "$argon2id$v=19$m=4294967328,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            OutOfBounds,
        ),
        // Zero iterations, which Go counts as one.
        (
            "$pbkdf2-sha256$i=0,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
            OutOfBounds,
        ),
    ];

    #[test]
    fn every_hash_the_fake_matches_passes() {
        for (hash, format) in FAKE_MATCHES {
            assert_eq!(on_release(hash), Ok(*format), "{hash:?}");
            let on_master_expected = FAKE_MATCHES_MASTER_REFUSES
                .iter()
                .find(|(h, _)| h == hash)
                .map_or(Ok(*format), |(_, kind)| Err(*kind));
            assert_eq!(on_master(hash), on_master_expected, "{hash:?}");
        }
    }

    /// `(hash, on master, on v26.2.0)`: hashes any password matches in
    /// v26.2.0 (the fake's `ANY_PASSWORD`).
    const ANY_PASSWORD: &[(&str, Outcome, Outcome)] = &[
        // An empty key: master's PBKDF2 and scrypt refuse to derive one (no
        // password matches), v26.2.0 derives one from any password.
        (
            "$pbkdf2-sha256$i=1,l=0$$",
            Err(Unparsable),
            Err(MatchesAnyPassword),
        ),
        (
            "$pbkdf2-sha1$i=7,l=32$c2FsdA$",
            Err(Unparsable),
            Err(MatchesAnyPassword),
        ),
        (
            "$scrypt$ln=16,r=8,p=1$$",
            Err(Unparsable),
            Err(MatchesAnyPassword),
        ),
        // Firebase's key is always 32 bytes: the empty signer key's
        // encryption is empty on both.
        (
            "$firescrypt$ln=4,r=8,p=1$$$$",
            Err(MatchesAnyPassword),
            Err(MatchesAnyPassword),
        ),
        // Templates without {PASSWORD} once filled.
        (
            "$sha256$pf=e1BBU1N7U0FMVH1XT1JEfQ==$MDEy$b/mwHAOffHncaGNi/XZMpU6JYzXisMH64yGgTBehhiI=",
            Err(MatchesAnyPassword),
            Err(MatchesAnyPassword),
        ),
        (
            "$md5$pf=bm90aGluZw==$$Pke3UACwkktsm6V1mnzxXQ==",
            Err(MatchesAnyPassword),
            Err(MatchesAnyPassword),
        ),
    ];

    /// Kratos stores these, and then logs anybody in with any password
    /// (measured on v26.2.0 with an empty PBKDF2 hash): refused, as worse
    /// than unusable.
    #[test]
    fn hashes_that_match_any_password_are_refused() {
        for (hash, master, release) in ANY_PASSWORD {
            assert_eq!(on_master(hash), *master, "{hash:?}");
            assert_eq!(on_release(hash), *release, "{hash:?}");
        }
        let error = check_password_hash(ANY_PASSWORD[0].0, Some(&ServerVersion::new("v26.2.0")))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the pbkdf2 hash matches any password at login (its hash is empty, and an empty key is derived from any password): whoever tries could log in as this user"
        );
    }

    /// No format Kratos knows: both versions refuse them.
    const UNKNOWN: &[&str] = &[
        "",
        "$",
        "$$$$$$$",
        "notahash",
        "hash",
        "$unknown$x",
        "$unknown$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
        // Not Kratos's names for them.
        "$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/",
        "{CRYPT}$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/",
        "$5$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3",
        "$argon2d$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
        "$pbkdf2$i=1,l=32$c2FsdA$aGFzaA",
        "pbkdf2_sha256$260000$salt$hash",
        // Upper or lower case, whitespace, a prefix cut short.
        "$ARGON2ID$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
        "{ssha}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a",
        " $md5$CY9rzUYh03PK3k6DJie09g==",
        "$2a",
        "$md5",
        "$scrypt",
        "$pbkdf2-sha256",
        // Digests and versions Kratos does not know.
        "$2x$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$3a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$pbkdf2-sha$i=1,l=0$$",
        "$pbkdf2-sha1234$i=1,l=0$$",
        "{SSHAnotExistent}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
        "{SSHA384}abc",
        "$sha384$pf=e1BBU1NXT1JEfQ==$$",
        "$shaNotExistent$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$hmac$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        "$hmac-invalid$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        "$hmac-sha3$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        "$hmac-md5",
    ];

    #[test]
    fn unknown_formats_are_refused_by_both() {
        for hash in UNKNOWN {
            for outcome in [on_master(hash), on_release(hash)] {
                assert_eq!(outcome, Err(UnknownFormat), "{hash:?}");
            }
            let error = check_password_hash(hash, None).unwrap_err();
            assert_eq!(error.format(), None);
        }
    }

    /// Known formats Kratos can never match at login: v26.2.0 stores them,
    /// master refuses the most.
    const UNUSABLE: &[&str] = &[
        // bcrypt: short; cost not 4 to 31; a salt or hash character
        // outside bcrypt's base64; 30 characters of hash; a last
        // character bcrypt cannot make.
        "$2a$",
        "$2a$10$",
        "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7",
        "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkf",
        "$2a$03$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$32$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$-4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$ 4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$1x$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$04$=Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$04$.Ce2JxOKjSl2F/9LaXTb+.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP!",
        "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL",
        "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL7",
        // argon2: not six fields; version not 19; parameters that do not
        // parse (no numbers, a sign, a newline, one missing, p beyond 8
        // bits); padded or non-canonical base64; no iterations, lanes or
        // hash (Go's argon2 panics).
        "$argon2id$v=19$m=abc",
        "$argon2id$garbage",
        "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A$",
        "$argon2id$v=18$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=16$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=+32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=\n32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=\r\n32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1,p=257$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=4294967296,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=18446744073709551616,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZh$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2i$v=19$m=32,t=1,p=1$!!!$MNzk5BtR2vUhrp6qQEjRNw",
        "$argon2id$v=19$m=32,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1,p=0$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$",
        // Out of master's bounds and unusable too: unusable.
        "$argon2id$v=19$m=0,t=1,p=1$!!!$!!!",
        "$argon2id$v=19$m=2097152,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        // PBKDF2: parameters that do not parse or are missing; four or
        // six fields; padded or non-canonical base64.
        "$pbkdf2-sha256$i=abc$x$y",
        "$pbkdf2-sha256$aaaa$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        "$pbkdf2-sha256$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        "$pbkdf2-sha512$I=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
        "$pbkdf2-sha256$i=1,l=4294967296$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        "$pbkdf2-sha256$i=1$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        "$pbkdf2-sha256$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI$",
        "$pbkdf2-sha256$i=1,l=32$c2FsdA==$aGFzaA",
        "$pbkdf2-sha256$i=1,l=32$c2FsdA$aGFzaB",
        // scrypt: N not a power of two above 1; r or p 0; r·p of 2^30;
        // unpadded or foreign base64; parameters that do not parse.
        "$scrypt$ln=3,r=8,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        "$scrypt$ln=1,r=8,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=0,r=8,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16,r=0,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16,r=8,p=0$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16,r=1073741824,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16,r=32768,p=32768$c2FsdA==$aGFzaA==",
        "$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA==",
        "$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        "$scrypt$ln=abc,r=8,p=1$c2FsdA==$aGFzaA==",
        "$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        // Firebase scrypt: ln of 0 or 32 and more (N of 1 or 0); r 0;
        // a signer key as long as no hash; eight fields.
        "$firescrypt$ln=0,r=8,p=1$$$$",
        "$firescrypt$ln=32,r=8,p=1$$$$",
        "$firescrypt$ln=4,r=0,p=1$$$$",
        "$firescrypt$ln=4,r=8,p=1$$$$YQ==",
        "$firescrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5$",
        "$firescrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA$Bw==$a2V5",
        // SSHA: no salt after the digest; not base64.
        "{SSHA}tooshort",
        "{SSHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=",
        "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMk=",
        "{SSHA}!!!!",
        "{SSHA}",
        // Salted SHA: an empty or missing template; four fields; a
        // newline before the template; unpadded salt; a digest of
        // another length.
        "$sha1$pf=$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$sha1$pf=\neHtTQUxUfXtTQUxUfXtQQVNTV09SRH15$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
        "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$5opmkgz03r$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        "$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$",
        // MD5: empty, unused bits set, unpadded, 15 bytes; salted ones
        // of four fields or with an empty template.
        "$md5$",
        "$md5$$",
        "$md5$$$",
        "$md5$CY9rzUYh03PK3k6DJie09h==",
        "$md5$CY9rzUYh03PK3k6DJie09g",
        "$md5$CY9rzUYh03PK3k6DJie0",
        "$md5$pf=$$",
        "$md5$pf=MTIz$Z$",
        "$md5$pf=MTIz$MTIz$Z",
        // HMAC: three fields; an empty hash; the MAC in upper-case hex,
        // raw, or of another digest's length.
        "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=",
        "$hmac-md5$MTIzNDU=",
        "$hmac-md5$$MTIzNDU=",
        "$hmac-md5$",
        "$hmac-md5$RkU4Njk3Rjc0MkQwODA0MDVEMTI3MEU2MTYzMzE2Rjk=$MTIzNDU=",
        "$hmac-md5$/oaX90LQgEBdEnDmFjMW+Q==$MTIzNDU=",
        "$hmac-sha256$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU",
        // md5-crypt: no hash; three or five fields; a hash of 21
        // characters, or one the crypt cannot make.
        "$md5-crypt$$",
        "$md5-crypt$$$",
        "$md5-crypt$whuMjZj.HMFoaTaZRRtkO0",
        "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/$",
        "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C",
        "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C2",
        "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As+C/",
        // sha-crypt: no hash; another parameter, a sign, an empty list,
        // rounds beyond 32 bits; a trailing space.
        "$sha256-crypt$$",
        "$sha256-crypt$$$",
        "$sha512-crypt$$",
        "$sha512-crypt$$$",
        "$sha256-crypt$rounds=1000,x=1$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        "$sha256-crypt$rounds=+1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        "$sha256-crypt$rounds=$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        "$sha256-crypt$$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        "$sha256-crypt$rounds=4294968296$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        "$sha256-crypt$rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8 ",
        "$sha256-crypt$rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHXF",
        "$sha512-crypt$rounds=1000$$INaX4aFRTxE4EfEPMt25TXkkEEDecxed.nVVVfNtQg2W55kuodBcylQ0SIiKitST.ZcjVamvuAXZwtgLJcg1x",
    ];

    #[test]
    fn unusable_hashes_are_refused_by_both() {
        for hash in UNUSABLE {
            assert_eq!(on_master(hash).map(drop), Err(Unparsable), "{hash:?}");
            assert_eq!(on_release(hash).map(drop), Err(Unparsable), "{hash:?}");
            let error = check_password_hash(hash, None).unwrap_err();
            assert_eq!(error.format(), PasswordHashFormat::of(hash), "{hash:?}");
        }
    }

    /// `(hash, on master, on v26.2.0)` around master's bounds.
    const BOUNDS: &[(&str, Outcome, Outcome)] = &[
        // bcrypt, from a valid cost-12 hash with its cost digits changed.
        (
            "$2a$10$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            Ok(Bcrypt),
            Ok(Bcrypt),
        ),
        (
            "$2a$15$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            Ok(Bcrypt),
            Ok(Bcrypt),
        ),
        (
            "$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            Err(OutOfBounds),
            Ok(Bcrypt),
        ),
        (
            "$2y$31$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            Err(OutOfBounds),
            Ok(Bcrypt),
        ),
        // argon2: memory of 1 GiB and just over, 2 GiB, none; 10 and 11
        // iterations; 16 and 17 lanes.
        (
            "$argon2id$v=19$m=1048576,t=10,p=16$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Ok(Argon2id),
            Ok(Argon2id),
        ),
        (
            "$argon2id$v=19$m=1048577,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Err(OutOfBounds),
            Ok(Argon2id),
        ),
        (
            "$argon2id$v=19$m=2097152,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Err(OutOfBounds),
            Ok(Argon2id),
        ),
        (
            "$argon2id$v=19$m=0,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Err(OutOfBounds),
            Ok(Argon2id),
        ),
        (
            "$argon2i$v=19$m=32,t=11,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Err(OutOfBounds),
            Ok(Argon2i),
        ),
        (
            "$argon2i$v=19$m=32,t=1,p=17$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Err(OutOfBounds),
            Ok(Argon2i),
        ),
        (
            "$argon2i$v=19$m=8388608,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
            Err(OutOfBounds),
            Ok(Argon2i),
        ),
        // PBKDF2: 10 million iterations and one more; none.
        (
            "$pbkdf2-sha256$i=10000000,l=32$c2FsdA$aGFzaA",
            Ok(Pbkdf2),
            Ok(Pbkdf2),
        ),
        (
            "$pbkdf2-sha256$i=10000001,l=32$c2FsdA$aGFzaA",
            Err(OutOfBounds),
            Ok(Pbkdf2),
        ),
        (
            "$pbkdf2-sha256$i=1000000000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
            Err(OutOfBounds),
            Ok(Pbkdf2),
        ),
        // scrypt: N of 2^17 and 2^18, r of 9, p of 11, all at once.
        (
            "$scrypt$ln=131072,r=8,p=10$c2FsdA==$aGFzaA==",
            Ok(Scrypt),
            Ok(Scrypt),
        ),
        (
            "$scrypt$ln=262144,r=8,p=1$c2FsdA==$aGFzaA==",
            Err(OutOfBounds),
            Ok(Scrypt),
        ),
        (
            "$scrypt$ln=16384,r=9,p=1$c2FsdA==$aGFzaA==",
            Err(OutOfBounds),
            Ok(Scrypt),
        ),
        (
            "$scrypt$ln=16384,r=8,p=11$c2FsdA==$aGFzaA==",
            Err(OutOfBounds),
            Ok(Scrypt),
        ),
        (
            "$scrypt$ln=2147483648,r=1024,p=1024$c2FsdA==$aGFzaA==",
            Err(OutOfBounds),
            Ok(Scrypt),
        ),
        // Firebase scrypt: ln of 17, 18 and 31; r of 9; p of 11.
        (
            "$firescrypt$ln=17,r=8,p=10$c2FsdA==$aGFzaA==$Bw==$a2V5aw==",
            Ok(FirebaseScrypt),
            Ok(FirebaseScrypt),
        ),
        (
            "$firescrypt$ln=18,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5aw==",
            Err(OutOfBounds),
            Ok(FirebaseScrypt),
        ),
        (
            "$firescrypt$ln=31,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5aw==",
            Err(OutOfBounds),
            Ok(FirebaseScrypt),
        ),
        (
            "$firescrypt$ln=14,r=9,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5aw==",
            Err(OutOfBounds),
            Ok(FirebaseScrypt),
        ),
        (
            "$firescrypt$ln=14,r=8,p=11$c2FsdA==$aGFzaA==$Bw==$a2V5aw==",
            Err(OutOfBounds),
            Ok(FirebaseScrypt),
        ),
        // No cost to bound: any sha-crypt rounds.
        (
            "$sha256-crypt$rounds=4294967295$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
            Ok(Sha256Crypt),
            Ok(Sha256Crypt),
        ),
    ];

    #[test]
    fn master_bounds_cost_parameters_and_v26_2_does_not() {
        for (hash, master, release) in BOUNDS {
            assert_eq!(on_master(hash), *master, "{hash:?}");
            assert_eq!(on_release(hash), *release, "{hash:?}");
        }
    }

    /// `(hash, on master, on v26.2.0)`: hashes Kratos computes but the
    /// fake cannot (its RustCrypto crates refuse them): the client follows
    /// Kratos.
    const BEYOND_THE_FAKE: &[(&str, Outcome, Outcome)] = &[
        // argon2 with less than 8 KiB of memory a lane (Go raises it), a
        // 4-byte salt, a 2-byte hash.
        (
            "$argon2id$v=19$m=1,t=1,p=4$c2FsdA$aGFzaA",
            Ok(Argon2id),
            Ok(Argon2id),
        ),
        (
            "$argon2id$v=19$m=32,t=1,p=1$c2FsdA$aGE",
            Ok(Argon2id),
            Ok(Argon2id),
        ),
        // scrypt with r = 1 and N = 65536.
        (
            "$scrypt$ln=65536,r=1,p=1$c2FsdA==$aGFzaA==",
            Ok(Scrypt),
            Ok(Scrypt),
        ),
        // A bcrypt salt with four LFs, which Go skips, decoding 18
        // characters into 13 bytes of salt; with one, 21 characters do not
        // decode.
        (
            "$2a$04$.Ce2JxOKjSl2F/9LaX\n\n\n\nCfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Ok(Bcrypt),
            Ok(Bcrypt),
        ),
        (
            "$2a$04$.Ce2JxOKjSl2F/9LaXTb\nCfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
            Err(Unparsable),
            Err(Unparsable),
        ),
    ];

    #[test]
    fn follows_kratos_where_the_fake_cannot_compute() {
        for (hash, master, release) in BEYOND_THE_FAKE {
            assert_eq!(on_master(hash), *master, "{hash:?}");
            assert_eq!(on_release(hash), *release, "{hash:?}");
        }
    }

    #[test]
    fn only_releases_before_v26_3_skip_the_bounds() {
        let slow = "$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";
        for (version, bounded) in [
            ("v26.2.0", false),
            ("v1.3.1", false),
            ("26.2.1", false),
            ("v26.3.0", true),
            ("v27.0.0-pre.1", true),
            ("master", true),
            ("", true),
        ] {
            let outcome = check_password_hash(slow, Some(&ServerVersion::new(version)));
            assert_eq!(outcome.is_err(), bounded, "{version:?}");
        }
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let message = |hash: &str| check_password_hash(hash, None).unwrap_err().to_string();
        for (hash, expected) in [
            (
                "$argon2id$v=19$m=abc",
                "the argon2id hash does not parse as Kratos reads it: it is not \
                 $argon2…$v=19$m=<memory>,t=<iterations>,p=<parallelism>$<salt>$<hash>",
            ),
            (
                "$argon2id$v=19$m=abc,t=1,p=1$c2FsdA$aGFzaA",
                "the argon2id hash does not parse as Kratos reads it: its parameters are not \
                 m=<memory>,t=<iterations>,p=<parallelism> (at most 64, 32 and 8 bits)",
            ),
            (
                "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA",
                "the argon2id hash has m=0, and Kratos master accepts at least 1",
            ),
            (
                "$argon2id$v=19$m=2097152,t=1,p=1$c2FsdA$aGFzaA",
                "the argon2id hash has m=2097152, and Kratos master accepts at most 1048576",
            ),
            (
                "$2a$16$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
                "the bcrypt hash has cost 16, and Kratos master accepts at most 15",
            ),
            (
                "$scrypt$ln=3,r=8,p=1$c2FsdA==$aGFzaA==",
                "the scrypt hash can match no password at login: its N is not a power of two \
                 above 1, which Go's scrypt needs",
            ),
            (
                "$md5$CY9rzUYh03PK3k6DJie0",
                "the md5 hash can match no password at login: its hash is 15 bytes, and MD5 \
                 makes 16",
            ),
            (
                "$pbkdf2-sha256$i=1,l=0$$",
                "the pbkdf2 hash can match no password at login: its hash is empty, and \
                 master's PBKDF2 refuses to derive an empty key (v26.2.0 derives one, so any \
                 password matches there)",
            ),
            (
                "$md5-crypt$TVEiiKNb$",
                "the md5-crypt hash can match no password at login: its hash is empty, which \
                 go-crypt matches with no password",
            ),
            (
                "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C",
                "the md5-crypt hash can match no password at login: its hash is not the 22 \
                 characters of crypt(3)'s base64 that the crypt makes",
            ),
        ] {
            assert_eq!(message(hash), expected, "{hash:?}");
        }
    }

    #[test]
    fn unknown_formats_name_what_kratos_knows_and_near_misses() {
        let message = |hash: &str| check_password_hash(hash, None).unwrap_err().to_string();
        let plain = message("notahash");
        assert!(plain.starts_with("not a password hash format Kratos knows (it knows $2a$"));
        assert!(plain.ends_with("$hmac-<md4|md5|sha1|sha224|sha256|sha384|sha512>$)"));
        for (hash, hint) in [
            (
                "$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/",
                "; crypt(3)'s $1$ is $md5-crypt$ to Kratos",
            ),
            (
                "$6$rounds=5000$salt$hash",
                "; crypt(3)'s $6$ is $sha512-crypt$ to Kratos",
            ),
            (
                " $md5$CY9rzUYh03PK3k6DJie09g==",
                "; this one starts with whitespace",
            ),
            (
                "{CRYPT}$1$salt$hash",
                "; write the crypt(3) hash without {CRYPT}",
            ),
        ] {
            assert_eq!(message(hash), format!("{plain}{hint}"), "{hash:?}");
        }
    }

    /// The fields of `hash` that hold a salt, digest or key, and so must
    /// not appear in a message: all but the format's name.
    fn secret_fields(hash: &str) -> Vec<&str> {
        let fields: Vec<&str> = match hash.split_once('}') {
            Some((_, rest)) if hash.starts_with('{') => vec![rest],
            _ => hash.split('$').skip(2).collect(),
        };
        // Parameters (`rounds=…`, `m=…`, `pf=…`) are not secret.
        let is_parameters = |field: &str| {
            field.split_once('=').is_some_and(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase())
            })
        };
        fields
            .into_iter()
            .filter(|f| f.len() >= 6 && !is_parameters(f))
            .collect()
    }

    #[test]
    fn messages_and_debug_hold_no_part_of_the_hash() {
        let refusals = UNUSABLE
            .iter()
            .chain(UNKNOWN)
            .chain(BOUNDS.iter().map(|(hash, ..)| hash))
            .chain(ANY_PASSWORD.iter().map(|(hash, ..)| hash));
        for hash in refusals {
            let Err(error) = check_password_hash(hash, None) else {
                continue;
            };
            let shown = format!("{error} {error:?}");
            for secret in secret_fields(hash) {
                assert!(!shown.contains(secret), "{shown:?} shows {secret:?}");
            }
        }
    }

    #[test]
    fn every_cut_of_a_fixed_size_hash_is_refused() {
        // A hash cut short (by an export, a column width) decodes as a
        // shorter one in the formats whose key is the hash's length
        // (argon2, PBKDF2, scrypt) or whose salt comes last (SSHA, HMAC's
        // key); in the others no cut can match.
        let fixed = [
            Bcrypt,
            Md5,
            SaltedMd5,
            SaltedSha,
            FirebaseScrypt,
            Md5Crypt,
            Sha256Crypt,
            Sha512Crypt,
        ];
        let hashes = live::HASHES
            .iter()
            .map(|(_, hash, _)| *hash)
            .chain(FAKE_MATCHES.iter().map(|(hash, _)| *hash))
            .filter(|hash| PasswordHashFormat::of(hash).is_some_and(|f| fixed.contains(&f)))
            // Go ignores what follows the first 31 bytes of a bcrypt hash.
            .filter(|hash| !hash.starts_with("$2") || hash.len() == 60);
        for hash in hashes {
            for (end, _) in hash.char_indices() {
                let cut = hash.get(..end).unwrap_or_default();
                assert!(on_release(cut).is_err(), "{cut:?}");
                assert!(on_master(cut).is_err(), "{cut:?}");
            }
        }
    }

    /// A small xorshift generator: the same strings on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            usize::try_from(self.0 % n as u64).unwrap_or(0)
        }
    }

    /// Characters that matter to some format.
    const PIECES: &[&str] = &[
        "$",
        "=",
        "==",
        ",",
        "{",
        "}",
        "\n",
        "\r",
        " ",
        "\t",
        "\u{a0}",
        "é",
        "✓",
        "\0",
        "+",
        "-",
        "/",
        ".",
        "0",
        "1",
        "9",
        "A",
        "z",
        "m=",
        "t=",
        "p=",
        "ln=",
        "r=",
        "i=",
        "l=",
        "v=19",
        "pf=",
        "rounds=",
        "$2a$",
        "$argon2id$",
        "$scrypt$",
        "$firescrypt$",
        "$md5$",
        "{SSHA}",
        "$hmac-md5$",
        "$sha256-crypt$",
        "$pbkdf2-sha256$",
        "99999999999999999999",
    ];

    /// Checks what must hold between the two targets for any input.
    fn check_consistency(hash: &str) {
        let master = check_password_hash(hash, None);
        let release = check_password_hash(hash, Some(&ServerVersion::new("v26.2.0")));
        for error in [&master, &release]
            .into_iter()
            .filter_map(|r| r.as_ref().err())
        {
            assert_eq!(error.format().is_none(), error.kind() == UnknownFormat);
            assert!(!error.to_string().is_empty());
        }
        let kind =
            |outcome: &Result<_, PasswordHashError>| outcome.as_ref().err().map(|e| e.kind());
        match kind(&release) {
            Some(OutOfBounds) => panic!("v26.2.0 has no bounds: {hash:?}"),
            Some(UnknownFormat) => assert_eq!(kind(&master), Some(UnknownFormat), "{hash:?}"),
            Some(Unparsable) => assert_eq!(kind(&master), Some(Unparsable), "{hash:?}"),
            // Where master cannot derive the key, no password matches.
            Some(MatchesAnyPassword) => assert!(
                matches!(kind(&master), Some(MatchesAnyPassword | Unparsable)),
                "{hash:?}"
            ),
            _ => {
                let format = release.as_ref().ok().copied();
                let master_format = master.as_ref().map_or_else(|e| e.format(), |f| Some(*f));
                assert_eq!(master_format, format, "{hash:?}");
            }
        }
    }

    #[test]
    fn any_string_gets_an_answer() {
        let seeds: Vec<&str> = live::HASHES
            .iter()
            .map(|(_, hash, _)| *hash)
            .chain(FAKE_MATCHES.iter().map(|(hash, _)| *hash))
            .chain(UNUSABLE.iter().copied())
            .chain(BOUNDS.iter().map(|(hash, ..)| *hash))
            .chain(BEYOND_THE_FAKE.iter().map(|(hash, ..)| *hash))
            .collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for seed in &seeds {
            let boundaries: Vec<usize> = seed.char_indices().map(|(i, _)| i).collect();
            for &at in &boundaries {
                let (head, tail) = seed.split_at(at);
                let rest = tail.chars().skip(1).collect::<String>();
                for _ in 0..3 {
                    let piece = PIECES[rng.below(PIECES.len())];
                    // Replaced, and inserted.
                    check_consistency(&format!("{head}{piece}{rest}"));
                    check_consistency(&format!("{head}{piece}{tail}"));
                    checked += 2;
                }
                check_consistency(head);
                check_consistency(&format!("{head}{rest}"));
            }
            // Pieces spliced into the seed at random.
            for _ in 0..200 {
                let mut mutated = (*seed).to_owned();
                for _ in 0..=rng.below(4) {
                    let at = mutated
                        .char_indices()
                        .map(|(i, _)| i)
                        .nth(rng.below(mutated.len() + 1));
                    let piece = PIECES[rng.below(PIECES.len())];
                    mutated.insert_str(at.unwrap_or(mutated.len()), piece);
                }
                check_consistency(&mutated);
                checked += 1;
            }
        }
        // Strings of pieces alone.
        for _ in 0..20_000 {
            let text: String = (0..rng.below(40))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect();
            check_consistency(&text);
            checked += 1;
        }
        // Huge ones.
        for prefix in [
            "$argon2id$v=19$m=32,t=1,p=1$",
            "{SSHA}",
            "$2a$10$",
            "$md5$",
            "$hmac-md5$",
        ] {
            check_consistency(&format!("{prefix}{}", "A".repeat(1 << 20)));
            check_consistency(&format!("{prefix}{}", "$".repeat(1 << 16)));
            check_consistency(&format!("{prefix}{}", "9".repeat(1 << 16)));
        }
        assert!(checked > 100_000, "{checked}");
    }

    #[test]
    fn go_base64_rules() {
        for (encoding, text, decoded) in [
            (&STD_STRICT, "", Some(&b""[..])),
            (&STD_STRICT, "YQ==", Some(b"a")),
            (&STD_STRICT, "YR==", None),
            (&STD, "YR==", Some(b"a")),
            (&STD_STRICT, "YQ=", None),
            (&STD_STRICT, "YQ", None),
            (&STD_STRICT, "YQ==YQ==", None),
            (&STD_STRICT, "Y\r\nQ=\n=\n", Some(b"a")),
            (&STD_STRICT, "YWJj", Some(b"abc")),
            (&STD_STRICT, "YWI=", Some(b"ab")),
            (&STD_STRICT, "YWJ=", None),
            (&STD_STRICT, "Y===", None),
            (&STD_STRICT, "====", None),
            (&STD_STRICT, "Y", None),
            (&STD_STRICT, "YQ==\n", Some(b"a")),
            (&STD_STRICT, "YQ== ", None),
            (&RAW_STD_STRICT, "YQ", Some(b"a")),
            (&RAW_STD_STRICT, "YR", None),
            (&RAW_STD_STRICT, "YQ==", None),
            (&RAW_STD_STRICT, "YWI", Some(b"ab")),
            (&RAW_STD_STRICT, "Y", None),
            (&RAW_STD_STRICT, "Y-", None),
            (&BCRYPT_SALT, "..==", Some(b"\0")),
        ] {
            assert_eq!(
                encoding.decode(text.as_bytes()).as_deref(),
                decoded,
                "{text:?}"
            );
        }
    }

    #[test]
    fn go_sscanf_rules() {
        let unsigned = |text: &str, bits| Scan::new(text).unsigned(bits);
        assert_eq!(unsigned("32", 8), Some(32));
        assert_eq!(unsigned(" \t\u{3000}032x", 8), Some(32));
        assert_eq!(unsigned("255", 8), Some(255));
        assert_eq!(unsigned("256", 8), None);
        assert_eq!(unsigned("+1", 8), None);
        assert_eq!(unsigned("\n1", 8), None);
        assert_eq!(unsigned("\r\n1", 8), None);
        assert_eq!(unsigned("\r1", 8), Some(1));
        assert_eq!(unsigned("18446744073709551615", 64), Some(u64::MAX));
        assert_eq!(unsigned("18446744073709551616", 64), None);
        assert_eq!(unsigned("", 64), None);
        let signed = |text: &str| Scan::new(text).signed();
        assert_eq!(signed("+19"), Some(19));
        assert_eq!(signed(" -19"), Some(-19));
        assert_eq!(signed("- 19"), None);
        assert_eq!(signed("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(signed("9223372036854775808"), None);
        let word = |text: &str| Scan::new(text).word().map(str::to_owned);
        assert_eq!(word("  abc def").as_deref(), Some("abc"));
        assert_eq!(word("abc\ndef").as_deref(), Some("abc"));
        assert_eq!(word("\nabc"), None);
        assert_eq!(word("   "), None);
        assert_eq!(atoi(b"+4"), Some(4));
        assert_eq!(atoi(b"-4"), Some(-4));
        assert_eq!(atoi(b" 4"), None);
        assert_eq!(atoi(b"+"), None);
    }
}
