//! Password hashes, checked as Kratos v26.2.0 checks them at login
//! (`hash.Compare`, `hash/hash_comparator.go`): every format its comparator
//! knows, read with the same leniencies and refusals — Go's `fmt.Sscanf` for
//! the parameters, the exact base64 variant of each field, Go's bcrypt and
//! go-crypt's md5-crypt and sha-crypt — so a login against the fake accepts
//! the hashes Kratos accepts. Also the bcrypt the fake stores plaintext
//! imports as, and master's bounds on the cost parameters of imported hashes.
//!
//! Nothing here panics on its input: a hash that does not decode, of an
//! unknown format, or one that makes Kratos fail or panic instead of
//! answering, does not match.
//!
//! Where the RustCrypto crates refuse what Go computes, the hash does not
//! match here although it would in Kratos; none of these come from common
//! tools, which refuse them too:
//! - argon2 with less memory than 8 KiB per lane, a salt under 8 bytes, or a
//!   tag of 1 to 3 bytes;
//! - scrypt (and firescrypt) with N ≥ 2^(16·r), that is r = 1 and N ≥ 65536;
//! - a bcrypt salt with CR or LF in it (Go skips them and uses a shorter salt).
//!
//! And by design: argon2 or scrypt parameters that need more than 1 GiB of
//! memory do not match (Kratos would try to allocate it; master refuses to
//! import them).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md4::Md4;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use sha3::{Sha3_224, Sha3_384};
use subtle::ConstantTimeEq;

/// Whether `password` matches `hash`, as Kratos's `hash.Compare` decides;
/// `master` for master's comparator, which derives no empty PBKDF2 or
/// scrypt key (its `crypto/pbkdf2` refuses to, its scrypt panics), where
/// v26.2.0 derives one and so matches an empty hash with any password.
pub(crate) fn verify(password: &str, hash: &str, master: bool) -> bool {
    let Some(format) = Format::of(hash) else {
        return false;
    };
    let password = password.as_bytes();
    let matched = match format {
        Format::Md5Crypt => md5_crypt_matches(password, hash),
        Format::Bcrypt => bcrypt_matches(password, hash),
        Format::Sha256Crypt => sha_crypt_matches::<Sha256>(password, hash, &SHA256_CRYPT_ORDER),
        Format::Sha512Crypt => sha_crypt_matches::<Sha512>(password, hash, &SHA512_CRYPT_ORDER),
        Format::Argon2id => argon2_matches(password, hash, argon2::Algorithm::Argon2id),
        Format::Argon2i => argon2_matches(password, hash, argon2::Algorithm::Argon2i),
        Format::Pbkdf2 | Format::Scrypt if master && has_empty_key(hash) => None,
        Format::Pbkdf2 => pbkdf2_matches(password, hash),
        Format::Scrypt => scrypt_matches(password, hash),
        Format::Ssha => ssha_matches(password, hash),
        Format::Sha => sha_matches(password, hash),
        Format::FirebaseScrypt => firebase_scrypt_matches(password, hash),
        Format::Md5 => md5_matches(password, hash),
        Format::Hmac => hmac_matches(password, hash),
    };
    matched.unwrap_or(false)
}

/// Whether a PBKDF2 or scrypt hash (`$…$params$salt$hash`) has an empty
/// hash field: a key of no bytes.
fn has_empty_key(hash: &str) -> bool {
    hash.rsplit('$').next().is_some_and(str::is_empty)
}

/// Whether `hash` starts like a format Kratos's comparator knows
/// (`hash.IsValidHashFormat`: `$pbkdf2-sha` with one to three digits, and
/// `$hmac-` with one of its seven digests, not any text after them).
pub(crate) fn is_known_format(hash: &str) -> bool {
    Format::of(hash).is_some()
}

/// A `$2a$` bcrypt hash of `password` at `cost`, as Kratos stores a
/// plaintext password it imports. A cost below 4 means Go's default, 10, as
/// in Go's `bcrypt.GenerateFromPassword`; one above 31 means 31 (Go refuses
/// it). A password over 72 bytes is hashed truncated: Kratos refuses to hash
/// it, and [`verify`] never matches it. Empty only if the system's random
/// number generator fails.
pub(crate) fn bcrypt_hash(password: &str, cost: u32) -> String {
    let cost = match cost {
        0..4 => 10,
        4..=31 => cost,
        _ => 31,
    };
    bcrypt::hash_with_result(password, cost)
        .map(|parts| parts.format_for_version(bcrypt::Version::TwoA))
        .unwrap_or_default()
}

/// Master's check of an imported hash (`hash.ValidateImportedHash`):
/// `Some(true)` within Ory's bounds, `Some(false)` beyond them (it answers
/// `ErrHashParametersOutOfBounds`), `None` when the hash does not parse as
/// far as master reads it. Formats without cost parameters, and unknown
/// ones, pass. Master checks the bounds before decoding the base64 fields,
/// so a hash both out of bounds and malformed is out of bounds.
pub(crate) fn cost_within_bounds(hash: &str) -> Option<bool> {
    match Format::of(hash) {
        Some(Format::Bcrypt) => Some(BcryptHash::parse(hash)?.cost <= 15),
        Some(Format::Argon2id | Format::Argon2i) => {
            let parsed = Argon2Hash::parse(hash)?;
            if !((1..=1 << 20).contains(&parsed.memory)
                && (1..=10).contains(&parsed.iterations)
                && (1..=16).contains(&parsed.parallelism))
            {
                return Some(false);
            }
            parsed.decode()?;
            Some(true)
        }
        Some(Format::Pbkdf2) => {
            let parsed = Pbkdf2Hash::parse(hash)?;
            if !(1..=10_000_000).contains(&parsed.iterations) {
                return Some(false);
            }
            parsed.decode()?;
            Some(true)
        }
        Some(Format::Scrypt) => {
            let parsed = ScryptHash::parse(hash)?;
            if !((1..=1 << 17).contains(&parsed.n)
                && (1..=8).contains(&parsed.r)
                && (1..=10).contains(&parsed.p))
            {
                return Some(false);
            }
            parsed.decode()?;
            Some(true)
        }
        Some(Format::FirebaseScrypt) => {
            let parsed = FirebaseScryptHash::parse(hash)?;
            if !(parsed.log_n <= 17 && (1..=8).contains(&parsed.r) && (1..=10).contains(&parsed.p))
            {
                return Some(false);
            }
            parsed.decode()?;
            Some(true)
        }
        _ => Some(true),
    }
}

/// The formats of Kratos's comparator, in the order it tries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Md5Crypt,
    Bcrypt,
    Sha256Crypt,
    Sha512Crypt,
    Argon2id,
    Argon2i,
    Pbkdf2,
    Scrypt,
    Ssha,
    Sha,
    FirebaseScrypt,
    Md5,
    Hmac,
}

/// The digests of `$hmac-…$`.
const HMAC_DIGESTS: [&str; 7] = ["md4", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

impl Format {
    /// The first format whose pattern (a regular expression anchored at
    /// the start, in Kratos) `hash` matches.
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
            Self::Sha
        } else if starts(&["$firescrypt$"]) {
            Self::FirebaseScrypt
        } else if starts(&["$md5$"]) {
            Self::Md5
        } else if hash.strip_prefix("$hmac-").is_some_and(|rest| {
            HMAC_DIGESTS
                .iter()
                .any(|name| rest.strip_prefix(name).is_some_and(|r| r.starts_with('$')))
        }) {
            Self::Hmac
        } else {
            return None;
        };
        Some(format)
    }
}

/// `^\$pbkdf2-sha[0-9]{1,3}\$`.
fn is_pbkdf2(hash: &str) -> bool {
    hash.strip_prefix("$pbkdf2-sha").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        (1..=3).contains(&digits) && rest.as_bytes().get(digits) == Some(&b'$')
    })
}

/// Equality in constant time, as Go's `subtle.ConstantTimeCompare` (two
/// empty slices are equal).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The most memory an argon2 or scrypt check may take, in bytes.
const MAX_MEMORY: u64 = 1 << 30;

// --- Go's decoding -------------------------------------------------------

/// Go's `fmt.Sscanf`, as far as Kratos's formats use it: literal text, then
/// `%d` or `%s`. Before a verb it skips spaces (Unicode's, as Go's table)
/// but fails at a newline; `%d` reads ASCII digits (a sign only into a
/// signed type) and fails beyond the target type's range; `%s` reads up to
/// the next space. Whatever follows the last verb is ignored.
struct Sscanf<'a> {
    rest: &'a str,
}

impl<'a> Sscanf<'a> {
    fn new(input: &'a str) -> Self {
        Sscanf { rest: input }
    }

    /// Literal text of the format, which must come next.
    fn literal(&mut self, text: &str) -> Option<&mut Self> {
        self.rest = self.rest.strip_prefix(text)?;
        Some(self)
    }

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

    fn take(&mut self, len: usize) -> Option<&'a str> {
        let (taken, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(taken)
    }

    fn digits(&mut self) -> Option<&'a str> {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        self.take(len)
    }

    /// `%d` into an unsigned Go integer the size of `T`.
    fn unsigned<T: TryFrom<u64>>(&mut self) -> Option<T> {
        self.skip_spaces()?;
        T::try_from(self.digits()?.parse::<u64>().ok()?).ok()
    }

    /// `%d` into a Go `int`.
    fn signed(&mut self) -> Option<i64> {
        self.skip_spaces()?;
        let sign = self.take(usize::from(self.rest.starts_with(['+', '-'])))?;
        let digits = self.digits()?;
        format!("{sign}{digits}").parse().ok()
    }

    /// `%s`.
    fn word(&mut self) -> Option<&'a str> {
        self.skip_spaces()?;
        let len = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        if len == 0 {
            return None;
        }
        self.take(len)
    }
}

/// Go's `base64.StdEncoding.Strict()`: padded, unused bits zero.
const STD_STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Go's `base64.StdEncoding`: padded, any unused bits.
const STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Go's `base64.RawStdEncoding.Strict()`: unpadded, unused bits zero.
const RAW_STD_STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Go's bcrypt salt decoding: bcrypt's alphabet, padded, any unused bits.
const BCRYPT_SALT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::BCRYPT,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Go's base64 decoding with `engine`'s alphabet and rules: Go skips CR
/// and LF wherever they are, strict or not.
fn base64(engine: &GeneralPurpose, text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let text: Vec<u8> = text
        .as_ref()
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    engine.decode(text).ok()
}

/// A `pf=` template with `{SALT}` and `{PASSWORD}` filled in as Go's
/// `strings.NewReplacer` does: one pass, left to right, replacements not
/// rescanned.
fn fill_template(template: &[u8], salt: &[u8], password: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.len() + salt.len() + password.len());
    let mut rest = template;
    while let Some((&first, tail)) = rest.split_first() {
        if let Some(after) = rest.strip_prefix(b"{SALT}") {
            out.extend_from_slice(salt);
            rest = after;
        } else if let Some(after) = rest.strip_prefix(b"{PASSWORD}") {
            out.extend_from_slice(password);
            rest = after;
        } else {
            out.push(first);
            rest = tail;
        }
    }
    out
}

/// The template of a `pf=…` field, base64 of its first word.
fn template(field: &str) -> Option<Vec<u8>> {
    base64(&STD_STRICT, Sscanf::new(field).literal("pf=")?.word()?)
}

// --- bcrypt ----------------------------------------------------------------

/// A bcrypt hash as Go's `bcrypt.newFromHash` reads it: at least 59 bytes;
/// `$2$` or `$2` and a minor version and `$`; two bytes of cost as
/// `strconv.Atoi` reads them (so `+5` is 5), 4 to 31; one byte skipped
/// unread (normally `$`); 22 bytes of salt; then the hash, of which only
/// the first 31 bytes count.
struct BcryptHash<'a> {
    cost: u32,
    salt: &'a [u8],
    digest: &'a [u8],
}

impl<'a> BcryptHash<'a> {
    fn parse(hash: &'a str) -> Option<Self> {
        let bytes = hash.as_bytes();
        if bytes.len() < 59 {
            return None;
        }
        let version_len = if bytes.get(2) == Some(&b'$') { 3 } else { 4 };
        let rest = bytes.get(version_len..)?;
        let cost: i64 = std::str::from_utf8(rest.get(..2)?).ok()?.parse().ok()?;
        if !(4..=31).contains(&cost) {
            return None;
        }
        let (salt, digest) = rest.get(3..)?.split_at_checked(22)?;
        Some(BcryptHash {
            cost: u32::try_from(cost).ok()?,
            salt,
            digest,
        })
    }

    /// Go appends `==` to the 22 characters and decodes them leniently.
    fn decoded_salt(&self) -> Option<[u8; 16]> {
        let mut text = self.salt.to_vec();
        text.extend_from_slice(b"==");
        base64(&BCRYPT_SALT, text)?.try_into().ok()
    }
}

fn bcrypt_matches(password: &[u8], hash: &str) -> Option<bool> {
    // Kratos refuses a password bcrypt would truncate.
    if password.len() > 72 {
        return None;
    }
    let parsed = BcryptHash::parse(hash)?;
    // The key is the password and a NUL, of which bcrypt uses 72 bytes.
    let mut key = password.to_vec();
    key.push(0);
    key.truncate(72);
    let raw = bcrypt::bcrypt(parsed.cost, parsed.decoded_salt()?, &key);
    let computed = bcrypt::BASE_64.encode(raw.get(..23)?);
    Some(same(computed.as_bytes(), parsed.digest.get(..31)?))
}

// --- argon2 ----------------------------------------------------------------

/// `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (or `$argon2i$`), as Kratos's
/// `decodeArgon2idHash` reads it: memory into 64 bits, iterations into 32,
/// parallelism into 8; salt and hash in unpadded base64.
struct Argon2Hash<'a> {
    memory: u64,
    iterations: u32,
    parallelism: u8,
    salt: &'a str,
    hash: &'a str,
}

impl<'a> Argon2Hash<'a> {
    fn parse(hash: &'a str) -> Option<Self> {
        let fields: Vec<&str> = hash.split('$').collect();
        let [_, _, version, params, salt, hash] = fields.as_slice() else {
            return None;
        };
        if Sscanf::new(version).literal("v=")?.signed()? != 19 {
            return None;
        }
        let mut scan = Sscanf::new(params);
        let memory = scan.literal("m=")?.unsigned()?;
        let iterations = scan.literal(",t=")?.unsigned()?;
        let parallelism = scan.literal(",p=")?.unsigned()?;
        Some(Argon2Hash {
            memory,
            iterations,
            parallelism,
            salt,
            hash,
        })
    }

    /// Salt and hash.
    fn decode(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Some((
            base64(&RAW_STD_STRICT, self.salt)?,
            base64(&RAW_STD_STRICT, self.hash)?,
        ))
    }
}

fn argon2_matches(password: &[u8], hash: &str, algorithm: argon2::Algorithm) -> Option<bool> {
    let parsed = Argon2Hash::parse(hash)?;
    let (salt, expected) = parsed.decode()?;
    // Kratos passes the memory truncated to 32 bits.
    let memory = u32::try_from(parsed.memory % (1 << 32)).ok()?;
    if u64::from(memory) * 1024 > MAX_MEMORY {
        return None;
    }
    // No passes, no lanes or an empty hash make Go's argon2 panic.
    let params = argon2::Params::new(
        memory,
        parsed.iterations,
        u32::from(parsed.parallelism),
        Some(expected.len()),
    )
    .ok()?;
    let mut computed = vec![0; expected.len()];
    argon2::Argon2::new(algorithm, argon2::Version::V0x13, params)
        .hash_password_into(password, &salt, &mut computed)
        .ok()?;
    Some(same(&computed, &expected))
}

// --- pbkdf2 ----------------------------------------------------------------

/// `$pbkdf2-<digest>$i=…,l=…$salt$hash`: iterations and length into 32 bits
/// (the length must parse, but the hash's own length counts); salt and hash
/// in unpadded base64.
struct Pbkdf2Hash<'a> {
    digest: &'a str,
    iterations: u32,
    salt: &'a str,
    hash: &'a str,
}

impl<'a> Pbkdf2Hash<'a> {
    fn parse(hash: &'a str) -> Option<Self> {
        let fields: Vec<&str> = hash.split('$').collect();
        let [_, name, params, salt, hash] = fields.as_slice() else {
            return None;
        };
        let (_, digest) = name.split_once('-')?;
        let mut scan = Sscanf::new(params);
        let iterations = scan.literal("i=")?.unsigned()?;
        let _length: u32 = scan.literal(",l=")?.unsigned()?;
        Some(Pbkdf2Hash {
            digest,
            iterations,
            salt,
            hash,
        })
    }

    /// Salt and hash.
    fn decode(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Some((
            base64(&RAW_STD_STRICT, self.salt)?,
            base64(&RAW_STD_STRICT, self.hash)?,
        ))
    }
}

fn pbkdf2_matches(password: &[u8], hash: &str) -> Option<bool> {
    let parsed = Pbkdf2Hash::parse(hash)?;
    let (salt, expected) = parsed.decode()?;
    let mut computed = vec![0; expected.len()];
    // Kratos's choice of HMAC: sha224 and sha384 are SHA-3's, any other
    // name SHA-256. Go, like the crate, counts zero iterations as one, and
    // derives an empty key for an empty hash, which then matches.
    let derive = match parsed.digest {
        "sha1" => pbkdf2::pbkdf2_hmac::<Sha1>,
        "sha224" => pbkdf2::pbkdf2_hmac::<Sha3_224>,
        "sha384" => pbkdf2::pbkdf2_hmac::<Sha3_384>,
        "sha512" => pbkdf2::pbkdf2_hmac::<Sha512>,
        _ => pbkdf2::pbkdf2_hmac::<Sha256>,
    };
    derive(password, &salt, parsed.iterations, &mut computed);
    Some(same(&computed, &expected))
}

// --- scrypt and firescrypt ---------------------------------------------------

/// `$scrypt$ln=…,r=…,p=…$salt$hash`: despite its name `ln` is N itself;
/// all into 32 bits; salt and hash in padded base64.
struct ScryptHash<'a> {
    n: u32,
    r: u32,
    p: u32,
    salt: &'a str,
    hash: &'a str,
}

impl<'a> ScryptHash<'a> {
    fn parse(hash: &'a str) -> Option<Self> {
        let fields: Vec<&str> = hash.split('$').collect();
        let [_, _, params, salt, hash] = fields.as_slice() else {
            return None;
        };
        let (n, r, p) = scrypt_params(params)?;
        Some(ScryptHash {
            n,
            r,
            p,
            salt,
            hash,
        })
    }

    /// Salt and hash.
    fn decode(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Some((
            base64(&STD_STRICT, self.salt)?,
            base64(&STD_STRICT, self.hash)?,
        ))
    }
}

/// `ln=…,r=…,p=…`, each into 32 bits.
fn scrypt_params(text: &str) -> Option<(u32, u32, u32)> {
    let mut scan = Sscanf::new(text);
    let ln = scan.literal("ln=")?.unsigned()?;
    let r = scan.literal(",r=")?.unsigned()?;
    let p = scan.literal(",p=")?.unsigned()?;
    Some((ln, r, p))
}

/// Go's `scrypt.Key`: N a power of two above 1, r and p at least 1 (zero
/// makes it divide by zero), r·p below 2^30. An empty key is derived like
/// any other, and matches an empty hash.
fn scrypt_key(password: &[u8], salt: &[u8], n: u64, r: u32, p: u32, len: usize) -> Option<Vec<u8>> {
    if n <= 1 || !n.is_power_of_two() || r == 0 || p == 0 {
        return None;
    }
    if u64::from(r) * u64::from(p) >= 1 << 30 {
        return None;
    }
    let block = 128 * u128::from(r);
    let max = u128::from(MAX_MEMORY);
    if block * u128::from(n) > max || block * u128::from(p) > max {
        return None;
    }
    if len == 0 {
        return Some(Vec::new());
    }
    let log_n = u8::try_from(n.trailing_zeros()).ok()?;
    // The crate's length is only that of the strings it formats.
    let params = scrypt::Params::new(log_n, r, p, scrypt::Params::RECOMMENDED_LEN).ok()?;
    let mut key = vec![0; len];
    scrypt::scrypt(password, salt, &params, &mut key).ok()?;
    Some(key)
}

fn scrypt_matches(password: &[u8], hash: &str) -> Option<bool> {
    let parsed = ScryptHash::parse(hash)?;
    let (salt, expected) = parsed.decode()?;
    let key = scrypt_key(
        password,
        &salt,
        u64::from(parsed.n),
        parsed.r,
        parsed.p,
        expected.len(),
    )?;
    Some(same(&key, &expected))
}

/// `$firescrypt$ln=…,r=…,p=…$salt$hash$salt_separator$signer_key`: here N
/// is `1 << ln`, shifted as a Go `uint32` (so `ln` from 32 on gives 0); all
/// four fields in padded base64.
struct FirebaseScryptHash<'a> {
    log_n: u32,
    r: u32,
    p: u32,
    salt: &'a str,
    hash: &'a str,
    separator: &'a str,
    signer_key: &'a str,
}

/// Salt, hash, salt separator and signer key.
type FirebaseFields = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

impl<'a> FirebaseScryptHash<'a> {
    fn parse(hash: &'a str) -> Option<Self> {
        let fields: Vec<&str> = hash.split('$').collect();
        let [_, _, params, salt, hash, separator, signer_key] = fields.as_slice() else {
            return None;
        };
        let (log_n, r, p) = scrypt_params(params)?;
        Some(FirebaseScryptHash {
            log_n,
            r,
            p,
            salt,
            hash,
            separator,
            signer_key,
        })
    }

    fn decode(&self) -> Option<FirebaseFields> {
        Some((
            base64(&STD_STRICT, self.salt)?,
            base64(&STD_STRICT, self.hash)?,
            base64(&STD_STRICT, self.separator)?,
            base64(&STD_STRICT, self.signer_key)?,
        ))
    }
}

/// Firebase's scrypt: the 32-byte key derived from the password, and the
/// salt followed by its separator, encrypts the signer key with AES-256 in
/// CTR mode from a zero IV; the result is the hash.
fn firebase_scrypt_matches(password: &[u8], hash: &str) -> Option<bool> {
    use aes::cipher::{KeyIvInit, StreamCipher};
    let parsed = FirebaseScryptHash::parse(hash)?;
    let (salt, expected, separator, mut signed) = parsed.decode()?;
    let n = if parsed.log_n < 32 {
        1 << parsed.log_n
    } else {
        0
    };
    let salt = [salt, separator].concat();
    let key = scrypt_key(password, &salt, n, parsed.r, parsed.p, 32)?;
    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&key, &[0; 16]).ok()?;
    cipher.apply_keystream(&mut signed);
    Some(same(&signed, &expected))
}

// --- SHA and MD5, salted or not ------------------------------------------------

/// A digest of bytes.
type DigestFn = fn(&[u8]) -> Vec<u8>;

/// The digest of `data` with `D`.
fn digest_of<D: Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

/// `{SSHA}`, `{SSHA256}` or `{SSHA512}` and base64 (padded, any unused
/// bits) of the digest of password and salt, then the salt (at least one
/// byte).
fn ssha_matches(password: &[u8], hash: &str) -> Option<bool> {
    let (digest, digest_len, encoded): (DigestFn, _, _) =
        if let Some(rest) = hash.strip_prefix("{SSHA}") {
            (digest_of::<Sha1>, 20, rest)
        } else if let Some(rest) = hash.strip_prefix("{SSHA256}") {
            (digest_of::<Sha256>, 32, rest)
        } else {
            (digest_of::<Sha512>, 64, hash.strip_prefix("{SSHA512}")?)
        };
    let decoded = base64(&STD, encoded)?;
    if decoded.len() <= digest_len {
        return None;
    }
    let (expected, salt) = decoded.split_at_checked(digest_len)?;
    Some(same(&digest(&[password, salt].concat()), expected))
}

/// `$sha256$pf=template$salt$hash` (or `sha1`, `sha512`): the digest of the
/// template filled in; template, salt and hash in padded base64.
fn sha_matches(password: &[u8], hash: &str) -> Option<bool> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, name, pf, salt, expected] = fields.as_slice() else {
        return None;
    };
    let digest = match *name {
        "sha1" => digest_of::<Sha1>,
        "sha256" => digest_of::<Sha256>,
        "sha512" => digest_of::<Sha512>,
        _ => return None,
    };
    let template = template(pf)?;
    let salt = base64(&STD_STRICT, salt)?;
    let expected = base64(&STD_STRICT, expected)?;
    Some(same(
        &digest(&fill_template(&template, &salt, password)),
        &expected,
    ))
}

/// `$md5$hash`, or `$md5$pf=template$salt$hash` as the salted SHAs; all in
/// padded base64.
fn md5_matches(password: &[u8], hash: &str) -> Option<bool> {
    let fields: Vec<&str> = hash.split('$').collect();
    let (data, expected) = match fields.as_slice() {
        [_, _, expected] => (password.to_vec(), *expected),
        [_, _, pf, salt, expected] => {
            let template = template(pf)?;
            let salt = base64(&STD_STRICT, salt)?;
            (fill_template(&template, &salt, password), *expected)
        }
        _ => return None,
    };
    Some(same(&Md5::digest(&data), &base64(&STD_STRICT, expected)?))
}

// --- HMAC ------------------------------------------------------------------------

/// `$hmac-<digest>$hash$key`: the hash is base64 of the MAC in lower-case
/// hex, the key base64 of the raw key (both padded).
fn hmac_matches(password: &[u8], hash: &str) -> Option<bool> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, name, expected, key] = fields.as_slice() else {
        return None;
    };
    let expected = base64(&STD_STRICT, expected)?;
    let key = base64(&STD_STRICT, key)?;
    let mac = match name.strip_prefix("hmac-")? {
        "md4" => hex_mac::<Hmac<Md4>>(&key, password),
        "md5" => hex_mac::<Hmac<Md5>>(&key, password),
        "sha1" => hex_mac::<Hmac<Sha1>>(&key, password),
        "sha224" => hex_mac::<Hmac<Sha224>>(&key, password),
        "sha256" => hex_mac::<Hmac<Sha256>>(&key, password),
        "sha384" => hex_mac::<Hmac<Sha384>>(&key, password),
        "sha512" => hex_mac::<Hmac<Sha512>>(&key, password),
        _ => None,
    }?;
    Some(same(mac.as_bytes(), &expected))
}

fn hex_mac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Option<String> {
    let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
    mac.update(message);
    let bytes = mac.finalize().into_bytes();
    Some(
        bytes
            .iter()
            .flat_map(|b| [b >> 4, b & 0xf])
            .filter_map(|nibble| char::from_digit(u32::from(nibble), 16))
            .collect(),
    )
}

// --- md5-crypt and sha-crypt ---------------------------------------------------------

/// The crypt(3) base64 of go-crypt's `EncodeCrypt`: three bytes at a time,
/// the first the least significant, six bits a character from the lowest.
fn crypt_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(6));
    for chunk in bytes.chunks(3) {
        let value = chunk
            .iter()
            .rev()
            .fold(0u32, |v, &b| (v << 8) | u32::from(b));
        for i in 0..(chunk.len() * 8).div_ceil(6) {
            out.push(char::from(ALPHABET[((value >> (6 * i)) & 0x3f) as usize]));
        }
    }
    out
}

/// The bytes of `digest` in the order the crypt's encoding takes them.
fn crypt_encode(digest: &[u8], order: &[usize]) -> String {
    let permuted: Vec<u8> = order
        .iter()
        .filter_map(|&i| digest.get(i).copied())
        .collect();
    crypt_base64(&permuted)
}

/// `bytes` repeated, cut to `len`.
fn repeat_to(bytes: &[u8], len: usize) -> Vec<u8> {
    bytes.iter().copied().cycle().take(len).collect()
}

const MD5_CRYPT_ORDER: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

const SHA256_CRYPT_ORDER: [usize; 32] = [
    20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28,
    18, 29, 19, 9, 30, 31,
];

const SHA512_CRYPT_ORDER: [usize; 64] = [
    42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8,
    50, 51, 30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58,
    37, 38, 17, 59, 60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
];

/// `$md5-crypt$salt$hash`: the classic `$1$` MD5 crypt, as go-crypt decodes
/// and computes it (Kratos hands it `$1$salt$hash`): exactly four
/// `$`-fields, a non-empty hash, and the salt used whole, however long
/// (crypt(3) would use 8 characters of it).
fn md5_crypt_matches(password: &[u8], hash: &str) -> Option<bool> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, salt, expected] = fields.as_slice() else {
        return None;
    };
    if expected.is_empty() {
        return None;
    }
    let salt = salt.as_bytes();
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut digest = Md5::new()
        .chain_update(password)
        .chain_update(b"$1$")
        .chain_update(salt)
        .chain_update(repeat_to(&alternate, password.len()));
    let mut bits = password.len();
    while bits > 0 {
        if bits.is_multiple_of(2) {
            digest.update(password.get(..1)?);
        } else {
            digest.update([0]);
        }
        bits >>= 1;
    }
    let mut sum = digest.finalize();
    for round in 0..1000 {
        let mut digest = Md5::new();
        if round % 2 == 0 {
            digest.update(sum);
        } else {
            digest.update(password);
        }
        if round % 3 != 0 {
            digest.update(salt);
        }
        if round % 7 != 0 {
            digest.update(password);
        }
        if round % 2 == 0 {
            digest.update(password);
        } else {
            digest.update(sum);
        }
        sum = digest.finalize();
    }
    let computed = crypt_encode(&sum, &MD5_CRYPT_ORDER);
    Some(same(computed.as_bytes(), expected.as_bytes()))
}

/// `$sha256-crypt$rounds=N$salt$hash` or `$sha256-crypt$salt$hash` (5,000
/// rounds), and the same for sha512: the classic `$5$` and `$6$` crypt as
/// go-crypt decodes and computes it (Kratos hands it `$5$…` or `$6$…`).
/// Unlike crypt(3), the rounds are used as given (zero included, no
/// clamping to 1,000..=999,999,999) and the salt whole (not cut to 16);
/// the parameters are `key=value` pairs of which only `rounds` is known,
/// the last one counting; the hash must not be empty.
fn sha_crypt_matches<D: Digest>(password: &[u8], hash: &str, order: &[usize]) -> Option<bool> {
    let fields: Vec<&str> = hash.split('$').collect();
    let (rounds, salt, expected) = match fields.as_slice() {
        [_, _, salt, expected] => (5000, *salt, *expected),
        [_, _, params, salt, expected] => (sha_crypt_rounds(params)?, *salt, *expected),
        _ => return None,
    };
    if expected.is_empty() {
        return None;
    }
    let salt = salt.as_bytes();
    let alternate = D::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut digest = D::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(repeat_to(&alternate, password.len()));
    let mut bits = password.len();
    while bits > 0 {
        if bits.is_multiple_of(2) {
            digest.update(password);
        } else {
            digest.update(&alternate);
        }
        bits >>= 1;
    }
    let mut sum = digest.finalize();
    let mut digest = D::new();
    for _ in 0..password.len() {
        digest.update(password);
    }
    let password_sequence = repeat_to(&digest.finalize(), password.len());
    let mut digest = D::new();
    for _ in 0..16 + usize::from(sum.first().copied().unwrap_or(0)) {
        digest.update(salt);
    }
    let salt_sequence = repeat_to(&digest.finalize(), salt.len());
    for round in 0..rounds {
        let mut digest = D::new();
        if round % 2 == 1 {
            digest.update(&password_sequence);
        } else {
            digest.update(&sum);
        }
        if round % 3 != 0 {
            digest.update(&salt_sequence);
        }
        if round % 7 != 0 {
            digest.update(&password_sequence);
        }
        if round % 2 == 1 {
            digest.update(&sum);
        } else {
            digest.update(&password_sequence);
        }
        sum = digest.finalize();
    }
    let computed = crypt_encode(&sum, order);
    Some(same(computed.as_bytes(), expected.as_bytes()))
}

/// go-crypt's parameters: comma-separated `key=value` pairs, not empty;
/// `rounds` a decimal 32-bit number (no sign), any other key an error.
fn sha_crypt_rounds(params: &str) -> Option<u32> {
    let mut rounds = 5000;
    for pair in params.split(',') {
        let ("rounds", value) = pair.split_once('=')? else {
            return None;
        };
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rounds = value.parse().ok()?;
    }
    Some(rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each format has `(password, hash)` pairs Kratos v26.2.0 matches and
    // pairs it refuses. "Kratos's vectors" are those of its
    // `hash/hasher_test.go` (every one it asserts `Compare` accepts, and
    // those it asserts are refused); "made by Kratos" are hashes made with
    // Kratos's own hasher or the Go libraries its comparator calls, at cheap
    // parameters; the rest are edge cases. Every pair here was also checked
    // against Kratos's own `hash.Compare`, and for the bounds
    // `hash.ValidateImportedHash` of master.

    /// Asserts each pair of `matches` matches and the same password with a
    /// character added does not, and no pair of `refusals` matches.
    fn check(matches: &[(&str, &str)], refusals: &[(&str, &str)]) {
        for (password, hash) in matches {
            assert!(
                verify(password, hash, false),
                "{hash:?} should match {password:?}"
            );
            let wrong = format!("{password}x");
            assert!(!verify(&wrong, hash, false), "{hash:?} matched {wrong:?}");
        }
        for (password, hash) in refusals {
            assert!(
                !verify(password, hash, false),
                "{hash:?} matched {password:?}"
            );
        }
    }

    /// No proper prefix of any of `matches` matches.
    fn check_truncations(matches: &[(&str, &str)]) {
        for (password, hash) in matches {
            for (end, _) in hash.char_indices() {
                let prefix = hash.get(..end).unwrap_or_default();
                assert!(
                    !verify(password, prefix, false),
                    "{prefix:?} matched {password:?}"
                );
            }
        }
    }

    const BCRYPT_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors (cost 15 takes a few seconds).
        (
            "test",
            "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
        ),
        (
            "test",
            "$2a$15$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO",
        ),
        // Made by Kratos.
        (
            "test",
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "pässwörd✓",
            "$2a$04$DiMpdzKQIeaGVp70o.EieuGrEOeY.8uLRxHtitUe5MBrZJNe/x/H.",
        ),
        // Go's bcrypt ignores the minor version, reads the cost with
        // strconv.Atoi, skips the byte after it and anything after 31
        // characters of hash.
        (
            "test",
            "$2b$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2y$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2z$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2a$+4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2b$04X.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6$x",
        ),
        (
            "test",
            "$2a$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6\n",
        ),
    ];

    const BCRYPT_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL7",
        ),
        (
            "test",
            "$2a$15$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZb1",
        ),
        ("test", "hash"),
        // Other minors are not bcrypt to Kratos.
        (
            "test",
            "$2x$04$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        // Costs out of 4..=31, or not a number.
        (
            "test",
            "$2a$03$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2a$32$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2a$-4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        (
            "test",
            "$2a$ 4$.Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        // A character outside bcrypt's alphabet in the salt.
        (
            "test",
            "$2a$04$=Ce2JxOKjSl2F/9LaXTbd.CfwGAV0f2qVRYHLcLgekCjrjTQzeUP6",
        ),
        ("", ""),
        ("", "$2a$"),
    ];

    #[test]
    fn an_empty_pbkdf2_or_scrypt_hash_matches_any_password_on_v26_and_none_on_master() {
        for hash in [
            "$pbkdf2-sha256$i=1,l=32$c2FsdA$",
            "$scrypt$ln=16,r=8,p=1$c2FsdA==$",
        ] {
            assert!(verify("anything", hash, false), "{hash} on v26.2.0");
            assert!(!verify("anything", hash, true), "{hash} on master");
        }
    }

    #[test]
    fn bcrypt() {
        check(BCRYPT_MATCHES, BCRYPT_REFUSALS);
        check_truncations(BCRYPT_MATCHES.get(2..4).unwrap_or_default());
    }

    #[test]
    fn bcrypt_refuses_passwords_over_72_bytes() {
        let long = "x".repeat(73);
        let hash = bcrypt_hash(&long, 4);
        assert!(verify(&long[..72], &hash, false), "bcrypt uses 72 bytes");
        assert!(
            !verify(&long, &hash, false),
            "Kratos refuses longer passwords"
        );
    }

    #[test]
    fn plaintext_imports_are_real_bcrypt() {
        let hash = bcrypt_hash("correct horse", 4);
        assert_eq!(hash.len(), 60, "{hash}");
        assert!(hash.starts_with("$2a$04$"), "{hash}");
        check(&[("correct horse", &hash)], &[("correct horsE", &hash)]);
        assert_ne!(
            bcrypt_hash("correct horse", 4),
            hash,
            "a new salt each time"
        );
        // Go's default cost for a cost below the minimum.
        assert!(bcrypt_hash("", 0).starts_with("$2a$10$"));
    }

    const ARGON2_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors (the argon2i one takes 64 MiB).
        (
            "test",
            "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
        ),
        (
            "test",
            "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4",
        ),
        // Made by Kratos: memory not a multiple of 4 per lane.
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=33,t=1,p=4$MDEyMzQ1Njc$Wx7e+53CY9wswIuVggqRiw",
        ),
        (
            "pässwörd✓",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc$ehHpW7eHMJqCXOz5JvzWag",
        ),
        (
            "test",
            "$argon2i$v=19$m=64,t=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg$rPwARuZKchZXjGVqqimSVuRnYOKlCoXfV8cVe+BXYso",
        ),
        // Go's fmt.Sscanf: spaces before a number, leading zeros, a sign on
        // the version (an int), anything after the last number.
        (
            "test",
            "$argon2id$v= +19$m= 32,t=\t01,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19x$m=32,t=1,p=1,x=2$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        // The memory is read as 64 bits and passed truncated to 32.
        (
            "test",
            "$argon2id$v=19$m=4294967328,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        // Go's base64 skips CR and LF anywhere.
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4\r\nOWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A\n",
        ),
    ];

    const ARGON2_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRN2",
        ),
        (
            "test",
            "$argon2i$v=19$m=65536,t=3,p=4$pZ+27D6B0bCi0DwSmANF1w$4RNCUu4Uyu7eTIvzIdSuKz+I9idJlX/ykn6J10/W0EU",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp5",
        ),
        // Another version, a sign or a newline where Go refuses them.
        (
            "test",
            "$argon2id$v=16$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=+32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=\n32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        // Parallelism is a uint8.
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=257$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        // No passes, no lanes, no hash: Go's argon2 panics.
        (
            "test",
            "$argon2id$v=19$m=32,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=0$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$",
        ),
        // Padded base64, or unused bits set.
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        (
            "test",
            "$argon2id$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZh$9H3qbL7Lc/ryfM05d+tB5A",
        ),
        // argon2id's parameters are not argon2i's.
        (
            "test",
            "$argon2i$v=19$m=32,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
        ),
    ];

    #[test]
    fn argon2() {
        check(ARGON2_MATCHES, ARGON2_REFUSALS);
        check_truncations(ARGON2_MATCHES.get(3..7).unwrap_or_default());
    }

    const PBKDF2_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        ),
        (
            "test",
            "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
        ),
        // Made by Kratos's hasher: its sha224 and sha384 are SHA-3's, and
        // any other digest name means SHA-256.
        (
            "test",
            "$pbkdf2-sha1$i=10,l=32$9eEJQpDDasKzN8Z9GcA/Ig$dAmflEdliJaWxa2V0tpAbf8YE5A1erYSoO9CrOoDtqw",
        ),
        (
            "test",
            "$pbkdf2-sha224$i=10,l=32$nbcVq3+O6srFGr2w8EnKyQ$Pk5bVfYkPFx59OPPPf2HRzsDKyEM3L4clWAoPCfBuAk",
        ),
        (
            "test",
            "$pbkdf2-sha384$i=10,l=32$ppTGks1IPvlIoSsUS/lQWQ$P2ARPHAriPdSiPE9sMYZlZaLKbdvPAYCX+A9U6pQJA8",
        ),
        (
            "test",
            "$pbkdf2-sha3$i=10,l=32$6YeHn+jEqiicT1+wcUfu4w$s+b9HBFdqMRaN8fI//Vu/xXYzPhhDgNmZcKACOuGWqw",
        ),
        (
            "test",
            "$pbkdf2-sha999$i=10,l=32$IyMf99k6oowty+Vk0MR+3w$IWkkN/MQ1eKLUMxhUexyktmcoMCQjyC3jbMqFPKeDdc",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
        // Zero iterations count as one; the length must parse but counts
        // for nothing; a hash cut short is a shorter key, and matches.
        (
            "test",
            "$pbkdf2-sha256$i=0,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=1,l=1x$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06",
        ),
    ];

    const PBKDF2_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpp",
        ),
        (
            "test",
            "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPww",
        ),
        (
            "test",
            "$pbkdf2-sha256$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$aaaa$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXcc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpII",
        ),
        (
            "test",
            "$pbkdf2-sha512$I=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
        ),
        // SHA-2's sha224 is not Kratos's.
        (
            "test",
            "$pbkdf2-sha224$i=10,l=32$nbcVq3+O6srFGr2w8EnKyQ$2XzDJ4WIyyKsNjLVXZ7t5jlbaACM+zRO6zRyp2V4lDc",
        ),
        // A length beyond 32 bits; no length; a four-digit digest name.
        (
            "test",
            "$pbkdf2-sha256$i=1,l=4294967296$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
        (
            "test",
            "$pbkdf2-sha256$i=1$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
        (
            "test",
            "$pbkdf2-sha2560$i=1,l=32$ieTnhyEfRRekYyGD7fsGdA$DO8nGsN+zZjcVkmhJn06F2gZaMFw5cSHCgd9q9oRlpI",
        ),
    ];

    /// Hashes Kratos matches with any password: an empty derived key
    /// equals an empty hash; a template without `{PASSWORD}` once filled
    /// (made by Kratos's libraries: `{PASS{SALT}WORD}`, `nothing`).
    const ANY_PASSWORD: &[&str] = &[
        "$pbkdf2-sha256$i=1,l=0$$",
        "$pbkdf2-sha1$i=7,l=32$c2FsdA$",
        "$scrypt$ln=16,r=8,p=1$$",
        "$firescrypt$ln=4,r=8,p=1$$$$",
        "$sha256$pf=e1BBU1N7U0FMVH1XT1JEfQ==$MDEy$b/mwHAOffHncaGNi/XZMpU6JYzXisMH64yGgTBehhiI=",
        "$md5$pf=bm90aGluZw==$$Pke3UACwkktsm6V1mnzxXQ==",
    ];

    #[test]
    fn pbkdf2() {
        check(PBKDF2_MATCHES, PBKDF2_REFUSALS);
    }

    #[test]
    fn some_hashes_match_any_password() {
        for hash in ANY_PASSWORD {
            for password in ["", "test", "anything at all"] {
                assert!(
                    verify(password, hash, false),
                    "{hash:?} should match {password:?}"
                );
            }
        }
    }

    const SCRYPT_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "8x4WjoDbSxJZdR",
            "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==",
        ),
        // Made by Kratos.
        (
            "test",
            "$scrypt$ln=16,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjVIRWO15kJMZknPqstv1zxFq97yqLiS6CLGbo=",
        ),
        (
            "test",
            "$scrypt$ln=1024,r=1,p=2$MDEyMzQ1Njc4OWFiY2RlZg==$hkq9wF9/cBAnmIrxs3nZIWnIqT34304/xzgOO4DlaM8=",
        ),
        (
            "test",
            "$firescrypt$ln=4,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$TcUhVuJiICeQnbzznqMpK0Cn09f1CknhbYAMKTD2ZsDsu3juad6dCOdQU7WIi27ZkJnjQmJ3BtiWH8i/mw==$Bw==$YSBzaWduZXIga2V5IHRoYXQgaXMgbG9uZyBlbm91Z2ggdG8gc3BhbiBzZXZlcmFsIEFFUyBibG9ja3MhIQ==",
        ),
        (
            "test",
            "$firescrypt$ln=5,r=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg==$hp06QKXlle/I48EIQE1GgYREDdg6c1VA26KGwCOaYZXRZli+i7LZfzhrQcWwBDtTZHvdqhcjVH2LvFmhHg==$Bw==$YSBzaWduZXIga2V5IHRoYXQgaXMgbG9uZyBlbm91Z2ggdG8gc3BhbiBzZXZlcmFsIEFFUyBibG9ja3MhIQ==",
        ),
        // A hash cut short (at a base64 quantum) is a shorter key.
        (
            "test",
            "$scrypt$ln=16,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjV",
        ),
    ];

    const SCRYPT_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYF=",
        ),
        (
            "test",
            "$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "test",
            "$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "test",
            "$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$(MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "test",
            "$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "tesu",
            "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "tesu",
            "$scrypt$ln=abc,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        ),
        (
            "8x4WjoDbSxJZdR",
            "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyc==",
        ),
        // No lanes or no block size: Go's scrypt divides by zero.
        ("x", "$scrypt$ln=16,r=0,p=1$$"),
        ("x", "$scrypt$ln=16,r=8,p=0$$"),
        // N of 1, or (firescrypt) a shift past 31 bits, which gives 0.
        ("x", "$scrypt$ln=1,r=8,p=1$$"),
        ("x", "$firescrypt$ln=0,r=8,p=1$$$$"),
        ("x", "$firescrypt$ln=32,r=8,p=1$$$$"),
        // Unpadded base64; the hash and its signer key of other lengths.
        (
            "test",
            "$scrypt$ln=16,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$UAzMStjVIRWO15kJMZknPqstv1zxFq97yqLiS6CLGbo=",
        ),
        ("x", "$firescrypt$ln=4,r=8,p=1$$$$YQ=="),
    ];

    #[test]
    fn scrypt_and_firebase_scrypt() {
        check(SCRYPT_MATCHES, SCRYPT_REFUSALS);
        check_truncations(SCRYPT_MATCHES.get(4..6).unwrap_or_default());
    }

    const SHA_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors.
        ("test123", "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"),
        (
            "test123",
            "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK",
        ),
        (
            "test123",
            "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
        ),
        (
            "test",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "BwS^514g^cv@Z",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$99h9net4BXl7qdTRaiGUobLROxM=",
        ),
        (
            "test",
            "$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso=",
        ),
        (
            "test",
            "$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog=",
        ),
        (
            "test",
            "$sha1$pf=JHtQQVNTV09SRH0ke1NBTFR9JA==$NW9wbWtnejAzcg==$iE5n1yjX3oAdxRHwZ4u57I4LpQo=",
        ),
        (
            "test",
            "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=",
        ),
        (
            "test",
            "$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=",
        ),
        (
            "test",
            "$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==",
        ),
        (
            "test",
            "$sha512$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$1F9BPW8UtdJkZ9Dhlf+D4X4dJ9xfuH8y04EfuCP2k4aGPPq/aWxU9/xe3LydHmYW1/K3zu3NFO9ETVrZettz3w==",
        ),
        ("test", "$md5$CY9rzUYh03PK3k6DJie09g=="),
        ("ory", "$md5$ptoWyof5SobW+pbZu2QXoQ=="),
        (
            "test",
            "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==",
        ),
        (
            "test",
            "$md5$pf=e1NBTFR9JCR7UEFTU1dPUkR9$MTIzNA==$ud392Z8rfZ+Ou7ZFXYLKbA==",
        ),
        (
            "ory",
            "$md5$pf=e1BBU1NXT1JEfXtTQUxUfSQ/$MTIzNDU2Nzg5$8PhwWanVRnpJAFK4NUjR0w==",
        ),
        // Made by Kratos: a salt of one byte; `x{SALT}{SALT}{PASSWORD}y`,
        // `{PASSWORD}{SALT}`; an empty salt.
        ("test", "{SSHA}m0v1zbc4H+OChKBdRNBjHPJTwJUw"),
        (
            "test",
            "{SSHA512}pFia4ZSj7uuZQJsih8yM5a4v7Bkpk18tDvxYYG6yV109A2t7EW02DOkyU4ffkBTCxepSc8gIbeTTRUtjSkIypDA=",
        ),
        (
            "test",
            "$sha1$pf=eHtTQUxUfXtTQUxUfXtQQVNTV09SRH15$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
        ),
        (
            "test",
            "$sha256$pf=e1BBU1NXT1JEfXtTQUxUfQ==$MDEy$VApc6DLQA8UVHAPNhx00Lty2sO2zSm9/aSZlw862B0s=",
        ),
        (
            "test",
            "$md5$pf=e1BBU1NXT1JEfXtTQUxUfQ==$MDEy$wzYmi47ZXar1gY88FMRcdQ==",
        ),
        (
            "test",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$$qUqP5cyxm6YcTAhz05Hph5gvu9M=",
        ),
        // Go's fmt.Sscanf reads the template's first word; SSHA's base64 is
        // not strict; base64 skips CR and LF.
        (
            "test",
            "$sha1$pf=  eHtTQUxUfXtTQUxUfXtQQVNTV09SRH15 more$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
        ),
        (
            "test123",
            "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59N=",
        ),
        ("test", "$md5$CY9rzUYh03PK3k6DJie\r\n09g=\n="),
    ];

    const SHA_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        ("badtest", "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"),
        ("", "{SSHA}tooshort"),
        (
            "badtest",
            "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK",
        ),
        (
            "test123",
            "{SSHAnotExistent}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
        ),
        (
            "wrongpass",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "tset",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$cDJvb3ZrZGJ6cQ==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$5opmkgz03r$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$sha1$pf=$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
        ),
        (
            "test",
            "$shaNotExistent$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==",
        ),
        ("test", "$md5$WhBei51A4TKXgNYuoiZdig=="),
        ("test", "$md5$Dk/E5LQLsx4yt8QbUbvpdg=="),
        ("ory", "$md5$4skj967KRHFsnPFoL5dMMw=="),
        ("ory", "$md5$$"),
        ("ory", "$md5$$$"),
        ("ory", "$md5$pf=$$"),
        ("ory", "$md5$pf=MTIz$Z$"),
        ("ory", "$md5$pf=MTIz$MTIz$Z"),
        (
            "test",
            "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$hh8ZTp1hGPPZQqcr4+UXSQ==",
        ),
        (
            "test1",
            "$md5$pf=e1NBTFR9JCR7UEFTU1dPUkR9$MTIzNA==$ud392Z8rfZ+Ou7ZFXYLKbA==",
        ),
        (
            "ory1",
            "$md5$pf=e1BBU1NXT1JEfXtTQUxUfSQ/$MTIzNDU2Nzg5$8PhwWanVRnpJAFK4NUjR0w==",
        ),
        // A newline before the template's word; unused bits where base64
        // is strict; no padding.
        (
            "test",
            "$sha1$pf=\neHtTQUxUfXtTQUxUfXtQQVNTV09SRH15$MDEy$y0CHdwYekRrRfoV1FAcT1WNiIx4=",
        ),
        ("test", "$md5$CY9rzUYh03PK3k6DJie09h=="),
        ("test", "$md5$CY9rzUYh03PK3k6DJie09g"),
        // SSHA needs a salt; other digests are unknown.
        ("test", "{SSHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="),
        ("x", "{SSHA384}abc"),
        ("x", "$sha384$pf=e1BBU1NXT1JEfQ==$$"),
    ];

    #[test]
    fn salted_sha_and_md5() {
        check(SHA_MATCHES, SHA_REFUSALS);
        check_truncations(SHA_MATCHES);
    }

    const CRYPT_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors (the sha-crypt ones take a while: 535,000 and
        // 656,000 rounds).
        ("test", "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/"),
        ("test", "$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0"),
        ("ory", "$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b."),
        (
            "test",
            "$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78",
        ),
        (
            "ory",
            "$sha256-crypt$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3",
        ),
        (
            "test",
            "$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1",
        ),
        (
            "ory",
            "$sha512-crypt$rounds=656000$0baQbxBrfpKqvizk$Q9cYk1MeNAlECPgpG3jjfNI2DumLqd0yHbxzLdxiX6nsSD5i9n0awcbiCf8R5DzpIYxeBPznPcb1wtzlgUKtH0",
        ),
        // Made by Kratos's crypt library: salts used whole however long
        // (crypt(3) cuts them to 8 and 16), rounds used as given (crypt(3)
        // takes at least 1,000), 5,000 rounds when none are named.
        (
            "test",
            "$md5-crypt$0123456789abcdefXYZ$TyCwJ20Nq1t1NNrkVN6K2/",
        ),
        ("test", "$md5-crypt$sälz$u/z0bVrq5PWdKnWNiZ73K1"),
        (
            "test",
            "$sha256-crypt$rounds=0$a$XCacNNZfLzli8cUeSOzs4.18rMCAybNAbNLowmFANP1",
        ),
        (
            "test",
            "$sha256-crypt$rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$05R.9KB6UC2kLI3w$v5M0yzcMti57WJPl8ZyLdaXwogPHG4KQl1uI26XBIQD",
        ),
        (
            "test",
            "$sha512-crypt$rounds=10$0123456789abcdefXYZ$Ka.7cP52J0cyhKIskZ2hmsdi0p3KmzoHhbH8ILbOZTYEDpi.lMMEyTOt7NY7nyl6w5ef126TNUGpyCD9UKd.01",
        ),
        (
            "test",
            "$sha512-crypt$a$uOGKBpJhG73gGiN8eKAUp03bxrn88oHQe3RS3up6q.98i3qZNfohws86LF9YNze8bL9hSMxs.nnvc6UG5bPLM1",
        ),
        (
            "pässwörd✓",
            "$sha512-crypt$rounds=1000$$INaX4aFRTxE4EfEPMt25TXkkEEDecxed.nVVVfNtQg2W55kuodBcylQ0SIiKitST.ZcjVamvuAXZwtgLJcg1x.",
        ),
        // Leading zeros; the last of several rounds.
        (
            "test",
            "$sha256-crypt$rounds=0001000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$rounds=7,rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
    ];

    const CRYPT_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        ("test", "$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b."),
        ("ory", "$md5-crypt$E7zjruqF$RTglYR1CzBHwwiTk9nVzx1"),
        ("ory", "$md5-crypt$$"),
        ("ory", "$md5-crypt$$$"),
        ("test", "$md5-crypt$whuMjZj.HMFoaTaZRRtkO0"),
        (
            "test",
            "$sha256-crypt$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3",
        ),
        (
            "ory",
            "$sha256-crypt$rounds=535000$T95kH8e37IGVdxzJ$gLeaNa6qRog.bx4Bzqp63ceWItH6nSAal6c3WmT5GHB",
        ),
        ("ory", "$sha256-crypt$$"),
        ("ory", "$sha256-crypt$$$"),
        (
            "test",
            "$5$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3",
        ),
        (
            "ory",
            "$sha512-crypt$rounds=656000$hNcDLFO63bkYVDZf$Mt9dhH0xqfxWZ6Pu8zXw.Ku5f15IRTweuaDcUc.ObXWGn7B1h8YIWLmArZd8psd2mrUVswCXLAVptmISr.8iI/",
        ),
        ("ory", "$sha512-crypt$$"),
        ("ory", "$sha512-crypt$$$"),
        // crypt(3)'s reading of a long salt; another parameter, a sign, an
        // empty parameter list, rounds beyond 32 bits; trailing bytes.
        ("test", "$md5-crypt$01234567$TyCwJ20Nq1t1NNrkVN6K2/"),
        (
            "test",
            "$sha256-crypt$rounds=1000,x=1$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$rounds=+1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$rounds=4294968296$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8",
        ),
        (
            "test",
            "$sha256-crypt$rounds=1000$$xzwXZ2CoOI8Z/2QHQIN0t4dU6crsQZVm65p3dHHZHX8 ",
        ),
        ("test", "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/$"),
    ];

    #[test]
    fn md5_crypt_and_sha_crypt() {
        check(CRYPT_MATCHES, CRYPT_REFUSALS);
        check_truncations(CRYPT_MATCHES.get(7..).unwrap_or_default());
    }

    const HMAC_MATCHES: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha224$YmUwYmYzM2EwNGRlNDE0YjQzNjBhNmIyOThmNmIyYzI4OWQyMzk3MDUwZDFjMzliYjVmMDMyOTQ=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha384$ZWEyMGM3NGE4Y2UzMTljNTdjZTlhZGQyYTZjNDE0MGQ4YjMwYWIwOWM4OTRiNWQ4MmZjODlhMzBhMmQzNGE5NmQ0NDY1NWRhYjQ2ZjhiYjBkNTRmYjk5YWZkZTA1MGY1$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNDU=",
        ),
        // Made by Kratos's libraries: an empty key, one longer than a block.
        (
            "test",
            "$hmac-md5$ZTI4MzRlODRiNmFkOTE3NDViMjJmY2IzMmZhZTUwOTY=$",
        ),
        (
            "test",
            "$hmac-sha256$MDUxZWZlNTA5Nzg2ODIyNGRhODZjZjA2NGFhMzdmNjUwZDAxZWQyNWU0MmEyNTI3ZWE3ZGIwOTljNWE2MjljMw==$a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
        ),
        // HMAC pads a short key with zeros, so a trailing zero byte is the
        // same key.
        (
            "test",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDUA",
        ),
    ];

    const HMAC_REFUSALS: &[(&str, &str)] = &[
        // Kratos's vectors.
        (
            "test",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=",
        ),
        (
            "test",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$",
        ),
        ("test", "$hmac-md5$MTIzNDU="),
        ("test", "$hmac-md5$$MTIzNDU="),
        ("test", "$hmac-md5$"),
        (
            "test",
            "$hmac$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-invalid$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha224$YmUwYmYzM2EwNGRlNDE0YjQzNjBhNmIyOThmNmIyYzI4OWQyMzk3MDUwZDFjMzliYjVmMDMyOTQ=$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-sha224$YmUwYmYzM2EwNGRlNDE0YjQzNjBhNmIyOThmNmIyYzI4OWQyMzk3MDUwZDFjMzliYjVmMDMyOTQ=$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha384$ZWEyMGM3NGE4Y2UzMTljNTdjZTlhZGQyYTZjNDE0MGQ4YjMwYWIwOWM4OTRiNWQ4MmZjODlhMzBhMmQzNGE5NmQ0NDY1NWRhYjQ2ZjhiYjBkNTRmYjk5YWZkZTA1MGY1$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-sha384$ZWEyMGM3NGE4Y2UzMTljNTdjZTlhZGQyYTZjNDE0MGQ4YjMwYWIwOWM4OTRiNWQ4MmZjODlhMzBhMmQzNGE5NmQ0NDY1NWRhYjQ2ZjhiYjBkNTRmYjk5YWZkZTA1MGY1$MTIzNDU=",
        ),
        (
            "test",
            "$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNA==",
        ),
        (
            "ory",
            "$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNDU=",
        ),
        // The MAC in upper-case hex, or raw.
        (
            "test",
            "$hmac-md5$RkU4Njk3Rjc0MkQwODA0MDVEMTI3MEU2MTYzMzE2Rjk=$MTIzNDU=",
        ),
        ("test", "$hmac-md5$/oaX90LQgEBdEnDmFjMW+Q==$MTIzNDU="),
    ];

    #[test]
    fn hmac() {
        check(HMAC_MATCHES, HMAC_REFUSALS);
        check_truncations(HMAC_MATCHES);
    }

    #[test]
    fn unknown_or_malformed_hashes_never_match() {
        for hash in [
            "",
            "$",
            "$$$$$$$",
            "plaintext",
            "test",
            "$unknown$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            "$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/",
            "{CRYPT}$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/",
            "$ARGON2ID$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            " $md5$CY9rzUYh03PK3k6DJie09g==",
            "{ssha}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a",
            "$pbkdf2-sha$i=1,l=0$$",
            "$pbkdf2-sha1234$i=1,l=0$$",
            "$3a$",
            "$2a",
        ] {
            for password in ["", "test", "test123"] {
                assert!(
                    !verify(password, hash, false),
                    "{hash:?} matched {password:?}"
                );
            }
        }
    }

    /// `(hash, cost_within_bounds)` as master's `ValidateImportedHash`
    /// judges it.
    const MASTER_BOUNDS: &[(&str, Option<bool>)] = &[
        (
            "$2a$15$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO",
            Some(true),
        ),
        (
            "$2a$16$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO",
            Some(false),
        ),
        (
            "$2a$32$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO",
            None,
        ),
        (
            "$2a$15$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZ",
            None,
        ),
        (
            "$argon2id$v=19$m=1048576,t=10,p=16$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Some(true),
        ),
        (
            "$argon2id$v=19$m=1048577,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Some(false),
        ),
        (
            "$argon2i$v=19$m=32,t=11,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Some(false),
        ),
        (
            "$argon2i$v=19$m=32,t=1,p=17$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Some(false),
        ),
        (
            "$argon2id$v=19$m=0,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            Some(false),
        ),
        // Bounds come before the base64.
        ("$argon2id$v=19$m=0,t=1,p=1$!!!$!!!", Some(false)),
        (
            "$argon2id$v=19$m=32,t=1,p=1$!!!$MNzk5BtR2vUhrp6qQEjRNw",
            None,
        ),
        (
            "$argon2id$v=18$m=32,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            None,
        ),
        ("$argon2id$garbage", None),
        ("$pbkdf2-sha256$i=10000000,l=32$c2FsdA$aGFzaA", Some(true)),
        ("$pbkdf2-sha256$i=10000001,l=32$c2FsdA$aGFzaA", Some(false)),
        ("$pbkdf2-sha256$i=0,l=32$c2FsdA$aGFzaA", Some(false)),
        ("$pbkdf2-sha256$i=1,l=32$c2FsdA==$aGFzaA", None),
        ("$scrypt$ln=131072,r=8,p=10$c2FsdA==$aGFzaA==", Some(true)),
        ("$scrypt$ln=262144,r=8,p=1$c2FsdA==$aGFzaA==", Some(false)),
        ("$scrypt$ln=16384,r=9,p=1$c2FsdA==$aGFzaA==", Some(false)),
        ("$scrypt$ln=16384,r=8,p=11$c2FsdA==$aGFzaA==", Some(false)),
        ("$scrypt$ln=16384,r=8,p=1$c2FsdA$aGFzaA==", None),
        (
            "$firescrypt$ln=17,r=8,p=10$c2FsdA==$aGFzaA==$Bw==$a2V5",
            Some(true),
        ),
        (
            "$firescrypt$ln=18,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5",
            Some(false),
        ),
        (
            "$firescrypt$ln=14,r=0,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5",
            Some(false),
        ),
        (
            "$firescrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5$",
            None,
        ),
        // Formats without cost parameters, and unknown ones, pass.
        ("$md5$CY9rzUYh03PK3k6DJie09g==", Some(true)),
        ("$sha512-crypt$rounds=999999999$$x", Some(true)),
        ("not a hash", Some(true)),
    ];

    #[test]
    fn master_bounds_the_cost_of_imported_hashes() {
        for (hash, expected) in MASTER_BOUNDS {
            assert_eq!(cost_within_bounds(hash), *expected, "{hash:?}");
        }
    }

    #[test]
    fn the_fake_spends_at_most_a_gigabyte() {
        // Just over 1 GiB of argon2 memory, 2 GiB of it, 2 GiB of scrypt's
        // N·r, 2 GiB of its p·r, and firescrypt's 2^31 N: refused before
        // anything is allocated.
        for hash in [
            "$argon2id$v=19$m=1048577,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            "$argon2id$v=19$m=2097152,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$9H3qbL7Lc/ryfM05d+tB5A",
            "$scrypt$ln=2097152,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjV",
            "$scrypt$ln=16,r=8,p=2097152$MDEyMzQ1Njc4OWFiY2RlZg==$UAzMStjV",
            "$firescrypt$ln=31,r=8,p=1$$$$",
        ] {
            assert!(!verify("test", hash, false), "{hash:?}");
        }
    }

    /// Every hash these tests match (the tests above assert that `verify`
    /// matches each with its password), the client's `check_password_hash`
    /// accepts too, for master or at least for v26.2.0: the two read
    /// Kratos's formats alike, one with the cryptography and one without.
    #[test]
    fn the_client_accepts_every_hash_the_fake_matches() {
        let release = kratos_identity::ServerVersion::new("v26.2.0");
        let plaintext = bcrypt_hash("correct horse", 4);
        let matched = [
            BCRYPT_MATCHES,
            ARGON2_MATCHES,
            PBKDF2_MATCHES,
            SCRYPT_MATCHES,
            SHA_MATCHES,
            CRYPT_MATCHES,
            HMAC_MATCHES,
        ]
        .concat()
        .into_iter()
        .map(|(_, hash)| hash)
        .chain(ANY_PASSWORD.iter().copied())
        .chain([plaintext.as_str()]);
        for hash in matched {
            let on_master = kratos_identity::check_password_hash(hash, None);
            let on_release = kratos_identity::check_password_hash(hash, Some(&release));
            // The client refuses a hash any password matches: the fake
            // must then match a password nobody chose.
            let matches_any = [&on_master, &on_release].iter().any(|r| {
                r.as_ref().is_err_and(|e| {
                    e.kind() == kratos_identity::PasswordHashErrorKind::MatchesAnyPassword
                })
            });
            if matches_any {
                assert!(verify("no one chose this", hash, false), "{hash:?}");
                continue;
            }
            assert!(
                on_master.is_ok() || on_release.is_ok(),
                "{hash:?}: {on_master:?}, {on_release:?}"
            );
        }
    }

    /// The client decides master's bounds as `cost_within_bounds` does,
    /// except that a hash no password can match is unparsable to the
    /// client even where master would first find it out of bounds.
    #[test]
    fn the_client_bounds_costs_as_master_does() {
        use kratos_identity::PasswordHashErrorKind::{OutOfBounds, Unparsable};
        for (hash, within) in MASTER_BOUNDS {
            let kind = kratos_identity::check_password_hash(hash, None)
                .err()
                .map(|e| e.kind());
            match within {
                Some(true) => assert_ne!(kind, Some(OutOfBounds), "{hash:?}"),
                Some(false) => assert!(
                    matches!(kind, Some(OutOfBounds | Unparsable)),
                    "{hash:?}: {kind:?}"
                ),
                None => assert_eq!(kind, Some(Unparsable), "{hash:?}"),
            }
        }
    }
}
