//! Each format, read as Kratos's comparator reads it at login: what it
//! decodes, its cost parameters, and why one can never match.

use std::borrow::Cow;

use super::go::{
    BCRYPT_ALPHABET, BCRYPT_SALT, Base64, CRYPT_ALPHABET, RAW_STD_STRICT, STD, STD_STRICT, Scan,
    atoi, digest_length, field, is_encoding_of, template,
};
use super::{Cost, Decoded, Unusable, hmac_digest};

/// How a format's salt and hash fields are encoded, and what to say when
/// one does not decode: Kratos decodes the salt (which must decode) and
/// the hash (whose bytes are compared) alike.
struct SaltAndKey {
    encoding: Base64,
    salt: &'static str,
    key: &'static str,
}

/// Unpadded strict base64: argon2 and PBKDF2.
const UNPADDED: SaltAndKey = SaltAndKey {
    encoding: RAW_STD_STRICT,
    salt: "its salt is not unpadded standard base64",
    key: "its hash is not unpadded standard base64",
};

/// Padded strict base64: scrypt and Firebase scrypt.
const PADDED: SaltAndKey = SaltAndKey {
    encoding: STD_STRICT,
    salt: "its salt is not padded standard base64",
    key: "its hash is not padded standard base64",
};

impl SaltAndKey {
    /// Checks the salt and decodes the hash.
    fn salt_and_key(&self, salt: &str, key: &str) -> Result<Vec<u8>, Unusable> {
        field(&self.encoding, salt, self.salt)?;
        field(&self.encoding, key, self.key)
    }
}

// --- bcrypt ------------------------------------------------------------------

/// bcrypt, as Go's `bcrypt.CompareHashAndPassword` reads it
/// (`newFromHash`, then the salt in `expensiveBlowfishSetup`): at least 59
/// bytes; `$2$` or `$2` and a minor version and `$`; two bytes of cost as
/// `strconv.Atoi` reads them (so `+5` is 5), 4 to 31; one byte skipped
/// unread (normally `$`); 22 bytes of salt, which Go decodes with `==`
/// appended; then the hash, of which the first 31 bytes are compared with
/// the 31 characters bcrypt makes, and the rest ignored.
pub(super) fn bcrypt(hash: &str) -> Result<Decoded, Unusable> {
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
pub(super) fn argon2(hash: &str) -> Result<Decoded, Unusable> {
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
    let key = UNPADDED.salt_and_key(salt, key)?;
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
pub(super) fn pbkdf2(hash: &str) -> Result<Decoded, Unusable> {
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
    let key = UNPADDED.salt_and_key(salt, key)?;
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
pub(super) fn scrypt_params(field: &str) -> Result<(u32, u32, u32), Unusable> {
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
pub(super) fn scrypt_refusal(n: u64, r: u32, p: u32) -> Option<&'static str> {
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
pub(super) fn scrypt(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $scrypt$ln=<N>,r=<block size>,p=<parallelism>$<salt>$<hash>",
        ));
    };
    let (n, r, p) = scrypt_params(params)?;
    let key = PADDED.salt_and_key(salt, key)?;
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
pub(super) fn firebase_scrypt(hash: &str) -> Result<Decoded, Unusable> {
    let fields: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, key, separator, signer_key] = fields.as_slice() else {
        return Err(Unusable::Garbled(
            "it is not $firescrypt$ln=<log2 N>,r=<block size>,p=<parallelism>\
             $<salt>$<hash>$<salt separator>$<signer key>",
        ));
    };
    let (log_n, r, p) = scrypt_params(params)?;
    let key = PADDED.salt_and_key(salt, key)?;
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
pub(super) fn ssha(hash: &str) -> Result<(), Unusable> {
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
pub(super) fn salted_sha(hash: &str) -> Result<Decoded, Unusable> {
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
pub(super) fn md5(hash: &str) -> Result<Decoded, Unusable> {
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
pub(super) fn hmac(hash: &str) -> Result<(), Unusable> {
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
pub(super) fn crypt_hash(hash: &str, digest_len: usize) -> Result<(), Unusable> {
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
pub(super) fn md5_crypt(hash: &str) -> Result<(), Unusable> {
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
pub(super) fn sha_crypt(hash: &str, digest_len: usize) -> Result<(), Unusable> {
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
pub(super) fn sha_crypt_params(params: &str) -> bool {
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
