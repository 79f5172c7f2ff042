//! Password hashes as Kratos checks them at login (`hash.Compare`): every
//! format its hash comparator knows, decoded the way it decodes them (which
//! base64, which parameters), so that a login against the fake proves an
//! imported hash works the way it would against Kratos. Also the bcrypt the
//! fake stores plaintext imports as, and master's bounds on imported cost
//! parameters.
//!
//! Nothing here panics on input: a hash that does not decode, or a format
//! this does not know, simply does not match.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// Whether `password` matches `hash`, as Kratos's `hash.Compare` decides.
pub(crate) fn verify(password: &str, hash: &str) -> bool {
    let password = password.as_bytes();
    let result = if let Some(rest) = hash.strip_prefix("$md5-crypt$") {
        md5_crypt(password, rest)
    } else if is_bcrypt(hash) {
        bcrypt_verify(password, hash)
    } else if let Some(rest) = hash.strip_prefix("$sha256-crypt$") {
        sha_crypt_verify(password, rest, ShaCrypt::Sha256)
    } else if let Some(rest) = hash.strip_prefix("$sha512-crypt$") {
        sha_crypt_verify(password, rest, ShaCrypt::Sha512)
    } else if hash.starts_with("$argon2id$") {
        argon2_verify(password, hash, argon2::Algorithm::Argon2id)
    } else if hash.starts_with("$argon2i$") {
        argon2_verify(password, hash, argon2::Algorithm::Argon2i)
    } else if is_pbkdf2(hash) {
        pbkdf2_verify(password, hash)
    } else if hash.starts_with("$scrypt$") {
        scrypt_verify(password, hash)
    } else if hash.starts_with("{SSHA") {
        ssha_verify(password, hash)
    } else if ["$sha1$", "$sha256$", "$sha512$"]
        .iter()
        .any(|p| hash.starts_with(p))
    {
        sha_verify(password, hash)
    } else if hash.starts_with("$firescrypt$") {
        firescrypt_verify(password, hash)
    } else if hash.starts_with("$md5$") {
        md5_verify(password, hash)
    } else if hash.starts_with("$hmac-") {
        hmac_verify(password, hash)
    } else {
        None
    };
    result.unwrap_or(false)
}

/// A `$2a$` bcrypt hash of `password` at `cost`, as Kratos stores a
/// plaintext password it imports.
pub(crate) fn bcrypt_hash(password: &str, cost: u32) -> String {
    match bcrypt::hash_with_result(password, cost) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        // Only a cost outside 4..=31 fails; the fake never asks for one.
        Err(_) => String::new(),
    }
}

/// Master's check of an imported hash (`hash.ValidateImportedHash`):
/// `Some(true)` within Ory's bounds, `Some(false)` beyond them, `None` when
/// the hash does not parse. Formats without cost parameters pass.
pub(crate) fn cost_within_bounds(hash: &str) -> Option<bool> {
    if is_bcrypt(hash) {
        let cost: u32 = hash.split('$').nth(2)?.parse().ok()?;
        return Some(cost <= 15);
    }
    if hash.starts_with("$argon2id$") || hash.starts_with("$argon2i$") {
        let p = Argon2Hash::decode(hash)?;
        return Some(
            (1..=1 << 20).contains(&p.memory)
                && (1..=10).contains(&p.iterations)
                && (1..=16).contains(&p.parallelism),
        );
    }
    if is_pbkdf2(hash) {
        let p = Pbkdf2Hash::decode(hash)?;
        return Some((1..=10_000_000).contains(&p.iterations));
    }
    if hash.starts_with("$scrypt$") {
        let p = ScryptHash::decode(hash)?;
        return Some(
            (1..=1 << 17).contains(&p.n) && (1..=8).contains(&p.r) && (1..=10).contains(&p.p),
        );
    }
    if hash.starts_with("$firescrypt$") {
        let p = FirebaseScryptHash::decode(hash)?;
        return Some(p.log_n <= 17 && (1..=8).contains(&p.r) && (1..=10).contains(&p.p));
    }
    Some(true)
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2$", "$2a$", "$2b$", "$2z$", "$2y$"]
        .iter()
        .any(|p| hash.starts_with(p))
}

fn is_pbkdf2(hash: &str) -> bool {
    hash.strip_prefix("$pbkdf2-sha").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        (1..=3).contains(&digits) && rest.as_bytes().get(digits) == Some(&b'$')
    })
}

/// Constant-time equality, as Kratos compares derived keys.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The `$`-separated fields of a hash.
fn fields(hash: &str) -> Vec<&str> {
    hash.split('$').collect()
}

/// `key=number` pairs such as `m=32,t=2,p=4`, in the order given: the
/// numbers of `keys`, as Go's `fmt.Sscanf` with that format reads them.
fn params(text: &str, keys: &[&str]) -> Option<Vec<u64>> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() < keys.len() {
        return None;
    }
    keys.iter()
        .zip(&parts)
        .map(|(key, part)| {
            let value = part.strip_prefix(key)?.strip_prefix('=')?;
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn bcrypt_verify(password: &[u8], hash: &str) -> Option<bool> {
    // Go's bcrypt refuses passwords over 72 bytes.
    if password.len() > 72 {
        return Some(false);
    }
    // The Rust crate knows 2a, 2b, 2x and 2y; Go reads any minor version the
    // same way.
    let normalized = match hash
        .strip_prefix("$2$")
        .or_else(|| hash.strip_prefix("$2z$"))
    {
        Some(rest) => format!("$2a${rest}"),
        None => hash.to_string(),
    };
    bcrypt::verify(password, &normalized).ok()
}

/// `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, salt and hash in unpadded base64.
struct Argon2Hash {
    memory: u64,
    iterations: u64,
    parallelism: u64,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Argon2Hash {
    fn decode(hash: &str) -> Option<Self> {
        let f = fields(hash);
        if f.len() != 6 || f[2] != "v=19" {
            return None;
        }
        let p = params(f[3], &["m", "t", "p"])?;
        Some(Argon2Hash {
            memory: p[0],
            iterations: p[1],
            parallelism: p[2],
            salt: STANDARD_NO_PAD.decode(f[4]).ok()?,
            hash: STANDARD_NO_PAD.decode(f[5]).ok()?,
        })
    }
}

fn argon2_verify(password: &[u8], hash: &str, algorithm: argon2::Algorithm) -> Option<bool> {
    let h = Argon2Hash::decode(hash)?;
    let params = argon2::Params::new(
        u32::try_from(h.memory).ok()?,
        u32::try_from(h.iterations).ok()?,
        u32::try_from(h.parallelism).ok()?,
        Some(h.hash.len()),
    )
    .ok()?;
    let argon = argon2::Argon2::new(algorithm, argon2::Version::V0x13, params);
    let mut out = vec![0u8; h.hash.len()];
    argon.hash_password_into(password, &h.salt, &mut out).ok()?;
    Some(same(&out, &h.hash))
}

/// `$pbkdf2-sha256$i=…,l=…$salt$hash`, salt and hash in unpadded base64.
struct Pbkdf2Hash {
    digest: String,
    iterations: u64,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Pbkdf2Hash {
    fn decode(hash: &str) -> Option<Self> {
        let f = fields(hash);
        if f.len() != 5 {
            return None;
        }
        let digest = f[1].split_once('-')?.1.to_string();
        let p = params(f[2], &["i", "l"])?;
        Some(Pbkdf2Hash {
            digest,
            iterations: p[0],
            salt: STANDARD_NO_PAD.decode(f[3]).ok()?,
            hash: STANDARD_NO_PAD.decode(f[4]).ok()?,
        })
    }
}

fn pbkdf2_verify(password: &[u8], hash: &str) -> Option<bool> {
    let h = Pbkdf2Hash::decode(hash)?;
    let rounds = u32::try_from(h.iterations).ok()?;
    let mut out = vec![0u8; h.hash.len()];
    match h.digest.as_str() {
        "sha1" => pbkdf2::pbkdf2_hmac::<Sha1>(password, &h.salt, rounds, &mut out),
        "sha224" => pbkdf2::pbkdf2_hmac::<Sha224>(password, &h.salt, rounds, &mut out),
        "sha256" => pbkdf2::pbkdf2_hmac::<Sha256>(password, &h.salt, rounds, &mut out),
        "sha384" => pbkdf2::pbkdf2_hmac::<Sha384>(password, &h.salt, rounds, &mut out),
        "sha512" => pbkdf2::pbkdf2_hmac::<Sha512>(password, &h.salt, rounds, &mut out),
        _ => return Some(false),
    }
    Some(same(&out, &h.hash))
}

/// `$scrypt$ln=N,r=…,p=…$salt$hash`: despite its name, `ln` is N itself;
/// salt and hash in padded base64.
struct ScryptHash {
    n: u64,
    r: u64,
    p: u64,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl ScryptHash {
    fn decode(hash: &str) -> Option<Self> {
        let f = fields(hash);
        if f.len() != 5 {
            return None;
        }
        let p = params(f[2], &["ln", "r", "p"])?;
        Some(ScryptHash {
            n: p[0],
            r: p[1],
            p: p[2],
            salt: STANDARD.decode(f[3]).ok()?,
            hash: STANDARD.decode(f[4]).ok()?,
        })
    }
}

/// scrypt of `password` with `salt`, N a power of two.
fn scrypt_key(password: &[u8], salt: &[u8], n: u64, r: u64, p: u64, len: usize) -> Option<Vec<u8>> {
    if n < 2 || !n.is_power_of_two() {
        return None;
    }
    let log_n = u8::try_from(n.trailing_zeros()).ok()?;
    let params =
        scrypt::Params::new(log_n, u32::try_from(r).ok()?, u32::try_from(p).ok()?, len).ok()?;
    let mut out = vec![0u8; len];
    scrypt::scrypt(password, salt, &params, &mut out).ok()?;
    Some(out)
}

fn scrypt_verify(password: &[u8], hash: &str) -> Option<bool> {
    let h = ScryptHash::decode(hash)?;
    let key = scrypt_key(password, &h.salt, h.n, h.r, h.p, h.hash.len())?;
    Some(same(&key, &h.hash))
}

/// `$firescrypt$ln=…,r=…,p=…$salt$hash$separator$signer_key`: N is `1 << ln`.
struct FirebaseScryptHash {
    log_n: u64,
    r: u64,
    p: u64,
    salt: Vec<u8>,
    hash: Vec<u8>,
    separator: Vec<u8>,
    signer_key: Vec<u8>,
}

impl FirebaseScryptHash {
    fn decode(hash: &str) -> Option<Self> {
        let f = fields(hash);
        if f.len() != 7 {
            return None;
        }
        let p = params(f[2], &["ln", "r", "p"])?;
        Some(FirebaseScryptHash {
            log_n: p[0],
            r: p[1],
            p: p[2],
            salt: STANDARD.decode(f[3]).ok()?,
            hash: STANDARD.decode(f[4]).ok()?,
            separator: STANDARD.decode(f[5]).ok()?,
            signer_key: STANDARD.decode(f[6]).ok()?,
        })
    }
}

/// Firebase's scrypt: the key derived from the password and the salt with
/// its separator encrypts the signer key with AES-256-CTR (zero IV).
fn firescrypt_verify(password: &[u8], hash: &str) -> Option<bool> {
    use aes::cipher::{KeyIvInit, StreamCipher};
    let h = FirebaseScryptHash::decode(hash)?;
    if h.log_n >= 63 {
        return None;
    }
    let salt = [h.salt.as_slice(), h.separator.as_slice()].concat();
    let key = scrypt_key(password, &salt, 1 << h.log_n, h.r, h.p, 32)?;
    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&key, &[0u8; 16]).ok()?;
    let mut signed = h.signer_key.clone();
    cipher.apply_keystream(&mut signed);
    Some(same(&signed, &h.hash))
}

/// `{SSHA}…`, `{SSHA256}…`, `{SSHA512}…`: base64 of digest then salt.
fn ssha_verify(password: &[u8], hash: &str) -> Option<bool> {
    let (scheme, rest) = hash.strip_prefix('{')?.split_once('}')?;
    let size = match scheme {
        "SSHA" => 20,
        "SSHA256" => 32,
        "SSHA512" => 64,
        _ => return None,
    };
    let decoded = STANDARD.decode(rest).ok()?;
    if decoded.len() < size + 1 {
        return None;
    }
    let (digest, salt) = decoded.split_at(size);
    let raw = [password, salt].concat();
    let computed = match size {
        20 => Sha1::digest(&raw).to_vec(),
        32 => Sha256::digest(&raw).to_vec(),
        _ => Sha512::digest(&raw).to_vec(),
    };
    Some(same(&computed, digest))
}

/// `{PASSWORD}` and `{SALT}` of a template, filled in as Go's
/// `strings.NewReplacer` does (one pass, left to right).
fn fill_template(template: &[u8], salt: &[u8], password: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.len() + salt.len() + password.len());
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(b"{SALT}") {
            out.extend_from_slice(salt);
            rest = after;
        } else if let Some(after) = rest.strip_prefix(b"{PASSWORD}") {
            out.extend_from_slice(password);
            rest = after;
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// The `pf=` template of a salted SHA or MD5 hash.
fn template(field: &str) -> Option<Vec<u8>> {
    STANDARD.decode(field.strip_prefix("pf=")?).ok()
}

/// `$sha256$pf=template$salt$hash`, all in padded base64.
fn sha_verify(password: &[u8], hash: &str) -> Option<bool> {
    let f = fields(hash);
    if f.len() != 5 {
        return None;
    }
    let template = template(f[2])?;
    let salt = STANDARD.decode(f[3]).ok()?;
    let expected = STANDARD.decode(f[4]).ok()?;
    let raw = fill_template(&template, &salt, password);
    let computed = match f[1] {
        "sha1" => Sha1::digest(&raw).to_vec(),
        "sha256" => Sha256::digest(&raw).to_vec(),
        "sha512" => Sha512::digest(&raw).to_vec(),
        _ => return Some(false),
    };
    Some(same(&computed, &expected))
}

/// `$md5$hash`, or `$md5$pf=template$salt$hash`, in padded base64.
fn md5_verify(password: &[u8], hash: &str) -> Option<bool> {
    let f = fields(hash);
    let (raw, expected) = match f.len() {
        3 => (password.to_vec(), STANDARD.decode(f[2]).ok()?),
        5 => {
            let template = template(f[2])?;
            let salt = STANDARD.decode(f[3]).ok()?;
            (
                fill_template(&template, &salt, password),
                STANDARD.decode(f[4]).ok()?,
            )
        }
        _ => return None,
    };
    Some(same(&md5::Md5::digest(&raw), &expected))
}

/// `$hmac-sha256$base64(hex digest)$base64(key)`.
fn hmac_verify(password: &[u8], hash: &str) -> Option<bool> {
    fn hex_mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], password: &[u8]) -> Option<String> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).ok()?;
        mac.update(password);
        let bytes = mac.finalize().into_bytes();
        Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
    let f = fields(hash);
    if f.len() != 4 {
        return None;
    }
    let algorithm = f[1].strip_prefix("hmac-")?;
    let expected = STANDARD.decode(f[2]).ok()?;
    let key = STANDARD.decode(f[3]).ok()?;
    let computed = match algorithm {
        "md4" => hex_mac::<Hmac<md4::Md4>>(&key, password)?,
        "md5" => hex_mac::<Hmac<md5::Md5>>(&key, password)?,
        "sha1" => hex_mac::<Hmac<Sha1>>(&key, password)?,
        "sha224" => hex_mac::<Hmac<Sha224>>(&key, password)?,
        "sha256" => hex_mac::<Hmac<Sha256>>(&key, password)?,
        "sha384" => hex_mac::<Hmac<Sha384>>(&key, password)?,
        "sha512" => hex_mac::<Hmac<Sha512>>(&key, password)?,
        _ => return None,
    };
    Some(same(computed.as_bytes(), &expected))
}

/// Which SHA crypt.
enum ShaCrypt {
    Sha256,
    Sha512,
}

/// `[rounds=N$]salt$hash` of the classic `$5$` and `$6$` crypt (5,000
/// rounds when none are named; at most 16 bytes of salt count).
fn sha_crypt_verify(password: &[u8], rest: &str, kind: ShaCrypt) -> Option<bool> {
    let (rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(after) => {
            let (rounds, rest) = after.split_once('$')?;
            let rounds: usize = rounds.parse().ok()?;
            (
                rounds.clamp(sha_crypt::ROUNDS_MIN, sha_crypt::ROUNDS_MAX),
                rest,
            )
        }
        None => (sha_crypt::ROUNDS_DEFAULT, rest),
    };
    let (salt, expected) = rest.split_once('$')?;
    let salt = salt.as_bytes().get(..salt.len().min(16))?;
    let computed = match kind {
        ShaCrypt::Sha256 => {
            let params = sha_crypt::Sha256Params::new(rounds).ok()?;
            sha_crypt::sha256_crypt_b64(password, salt, &params).ok()?
        }
        ShaCrypt::Sha512 => {
            let params = sha_crypt::Sha512Params::new(rounds).ok()?;
            sha_crypt::sha512_crypt_b64(password, salt, &params).ok()?
        }
    };
    Some(same(computed.as_bytes(), expected.as_bytes()))
}

/// The crypt(3) alphabet.
const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `$md5-crypt$salt$hash`: the classic `$1$` MD5 crypt.
fn md5_crypt(password: &[u8], rest: &str) -> Option<bool> {
    let (salt, expected) = rest.split_once('$')?;
    let salt = salt.as_bytes().get(..salt.len().min(8))?;
    let mut alternate = md5::Md5::new();
    alternate.update(password);
    alternate.update(salt);
    alternate.update(password);
    let alternate = alternate.finalize();
    let mut ctx = md5::Md5::new();
    ctx.update(password);
    ctx.update(b"$1$");
    ctx.update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alternate[..n]);
        left -= n;
    }
    let mut i = password.len();
    while i > 0 {
        match i & 1 {
            1 => ctx.update([0u8]),
            _ => ctx.update(&password[..1]),
        }
        i >>= 1;
    }
    let mut digest = ctx.finalize();
    for round in 0..1000 {
        let mut c = md5::Md5::new();
        match round & 1 {
            1 => c.update(password),
            _ => c.update(digest),
        }
        if round % 3 != 0 {
            c.update(salt);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        match round & 1 {
            1 => c.update(digest),
            _ => c.update(password),
        }
        digest = c.finalize();
    }
    let d = digest;
    let mut out = String::with_capacity(22);
    let mut put = |value: u32, count: usize| {
        let mut v = value;
        for _ in 0..count {
            out.push(char::from(CRYPT64[(v & 63) as usize]));
            v >>= 6;
        }
    };
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        put(
            (u32::from(d[a]) << 16) | (u32::from(d[b]) << 8) | u32::from(d[c]),
            4,
        );
    }
    put(u32::from(d[11]), 2);
    Some(same(out.as_bytes(), expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(hash, password)`: the positive vectors of Kratos's hasher tests.
    const VECTORS: &[(&str, &str)] = &[
        (
            "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            "test",
        ),
        (
            "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            "test",
        ),
        (
            "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4",
            "test",
        ),
        (
            "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
            "test",
        ),
        (
            "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
            "test",
        ),
        (
            "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
            "test",
        ),
        (
            "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
            "test",
        ),
        (
            "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==",
            "8x4WjoDbSxJZdR",
        ),
        ("{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a", "test123"),
        (
            "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK",
            "test123",
        ),
        (
            "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
            "test123",
        ),
        (
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
            "test",
        ),
        (
            "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$99h9net4BXl7qdTRaiGUobLROxM=",
            "BwS^514g^cv@Z",
        ),
        (
            "$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso=",
            "test",
        ),
        (
            "$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog=",
            "test",
        ),
        (
            "$sha1$pf=JHtQQVNTV09SRH0ke1NBTFR9JA==$NW9wbWtnejAzcg==$iE5n1yjX3oAdxRHwZ4u57I4LpQo=",
            "test",
        ),
        (
            "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=",
            "test",
        ),
        (
            "$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=",
            "test",
        ),
        (
            "$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==",
            "test",
        ),
        (
            "$sha512$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$1F9BPW8UtdJkZ9Dhlf+D4X4dJ9xfuH8y04EfuCP2k4aGPPq/aWxU9/xe3LydHmYW1/K3zu3NFO9ETVrZettz3w==",
            "test",
        ),
        ("$md5$CY9rzUYh03PK3k6DJie09g==", "test"),
        ("$md5$ptoWyof5SobW+pbZu2QXoQ==", "ory"),
        (
            "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==",
            "test",
        ),
        ("$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/", "test"),
        ("$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0", "test"),
        ("$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b.", "ory"),
        (
            "$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78",
            "test",
        ),
        (
            "$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1",
            "test",
        ),
        (
            "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=",
            "test",
        ),
    ];

    #[test]
    fn every_vector_matches_its_password_and_no_other() {
        for (hash, password) in VECTORS {
            assert!(verify(password, hash), "{hash} should match {password:?}");
            assert!(
                !verify("wrong password", hash),
                "{hash} matched a wrong password"
            );
        }
    }

    #[test]
    fn plaintext_imports_are_real_bcrypt() {
        let hash = bcrypt_hash("correct horse", 4);
        assert!(hash.starts_with("$2a$04$"), "{hash}");
        assert!(verify("correct horse", &hash));
        assert!(!verify("correct horsE", &hash));
        // Go's bcrypt refuses passwords over 72 bytes.
        let long = "x".repeat(73);
        assert!(!verify(&long, &bcrypt_hash(&long[..72], 4)));
    }

    #[test]
    fn malformed_hashes_never_match_and_never_panic() {
        for hash in [
            "",
            "$",
            "$$$$$$$",
            "$2a$",
            "$2a$12$short",
            "$argon2id$v=19$m=32,t=2,p=4$!!!$MNzk5BtR2vUhrp6qQEjRNw",
            "$argon2id$v=18$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            "$argon2id$v=19$m=0,t=0,p=0$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
            "$pbkdf2-sha256$i=0,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
            "$pbkdf2-sha256$aaaa$1jP$QJx",
            "$pbkdf2-sha999$i=1,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
            "$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
            "$scrypt$ln=abc,r=8,p=1$2npR$MiCz",
            "$firescrypt$ln=99,r=8,p=1$sPtDhWcd1MfdAw==$xb==$Bw==$YE==",
            "{SSHA}tooshort",
            "{SSHAnotExistent}xPUl",
            "{SSHA",
            "$sha1$pf=$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
            "$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=",
            "$md5$$",
            "$md5$not base64",
            "$md5-crypt$",
            "$sha256-crypt$rounds=x$y$z",
            "$hmac-sha256$bad$",
            "$hmac-whirlpool$MWQ5$MTIz",
            "$unknown$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
            "plaintext",
        ] {
            assert!(!verify("test", hash), "{hash:?} matched");
            let _ = cost_within_bounds(hash);
        }
    }

    #[test]
    fn master_bounds_the_cost_of_imported_hashes() {
        let costly_bcrypt = "$2a$16$GRvRO2nrpYTEuPQX6AieaOlZ4.7nMGsXpt.QWMev1zrP86JNspZbO";
        assert_eq!(cost_within_bounds(costly_bcrypt), Some(false));
        assert_eq!(cost_within_bounds(VECTORS[0].0), Some(true));
        assert_eq!(
            cost_within_bounds(
                "$argon2id$v=19$m=2000000,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"
            ),
            Some(false)
        );
        assert_eq!(cost_within_bounds("$argon2id$garbage"), None);
        assert_eq!(
            cost_within_bounds(
                "$pbkdf2-sha256$i=20000000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"
            ),
            Some(false)
        );
        assert_eq!(
            cost_within_bounds(
                "$scrypt$ln=262144,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="
            ),
            Some(false)
        );
        assert_eq!(cost_within_bounds(VECTORS[6].0), Some(true));
        assert_eq!(cost_within_bounds(VECTORS[7].0), Some(true));
        // Formats without cost parameters pass.
        assert_eq!(
            cost_within_bounds("$md5$CY9rzUYh03PK3k6DJie09g=="),
            Some(true)
        );
    }
}
