//! Go's decoding, as Kratos's comparator uses it: `fmt.Sscanf` over one
//! field, `strconv.Atoi`, and the variants of `encoding/base64` (with the
//! crypt(3) and bcrypt alphabets), plus the field helpers the formats share.

use std::borrow::Cow;

use super::Unusable;

/// Go's `fmt.Sscanf` over one field, as far as Kratos's formats use it:
/// literal text, then `%d` or `%s`. Before a verb it skips spaces (Go's
/// table of them is Unicode's `White_Space`, as `char::is_whitespace`) but
/// fails at a newline; `%d` reads ASCII digits (a sign only into a signed
/// type) and fails beyond the target type's range; `%s` reads up to the
/// next space. Whatever follows the last verb is ignored.
pub(super) struct Scan<'a> {
    rest: &'a str,
}

impl<'a> Scan<'a> {
    pub(super) fn new(field: &'a str) -> Self {
        Scan { rest: field }
    }

    /// Literal text of the format, which must come next.
    pub(super) fn literal(&mut self, text: &str) -> Option<&mut Self> {
        self.rest = self.rest.strip_prefix(text)?;
        Some(self)
    }

    /// Go's `SkipSpace`: a newline (also after a CR) is an error.
    pub(super) fn skip_spaces(&mut self) -> Option<()> {
        let rest = self
            .rest
            .trim_start_matches(|c: char| c.is_whitespace() && c != '\n');
        if rest.starts_with('\n') {
            return None;
        }
        self.rest = rest;
        Some(())
    }

    pub(super) fn digits(&mut self) -> Option<&'a str> {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        (!digits.is_empty()).then_some(digits)
    }

    /// `%d` into a Go unsigned integer of `bits` bits (at most 64).
    pub(super) fn unsigned(&mut self, bits: u32) -> Option<u64> {
        self.skip_spaces()?;
        let value: u64 = self.digits()?.parse().ok()?;
        (bits >= 64 || value >> bits == 0).then_some(value)
    }

    /// `%d` into a Go `int` (64 bits).
    pub(super) fn signed(&mut self) -> Option<i64> {
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
    pub(super) fn word(&mut self) -> Option<&'a str> {
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
pub(super) fn atoi(bytes: &[u8]) -> Option<i64> {
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
pub(super) struct Base64 {
    /// Each byte's value, or `NONE`.
    values: [u8; 256],
    /// `=` padding required (Go's `StdEncoding`), or refused
    /// (`RawStdEncoding`).
    padded: bool,
    /// Go's `Strict()`: the unused bits of the last character must be zero.
    strict: bool,
}

pub(super) const NONE: u8 = 0xff;
pub(super) const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub(super) const BCRYPT_ALPHABET: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// crypt(3)'s, which go-crypt encodes md5-crypt and sha-crypt digests in.
pub(super) const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Base64 {
    pub(super) const fn new(alphabet: &[u8; 64], padded: bool, strict: bool) -> Self {
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
    pub(super) fn decode(&self, text: &[u8]) -> Option<Vec<u8>> {
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
    pub(super) fn push_quantum(&self, out: &mut Vec<u8>, quantum: &[u8]) -> Option<()> {
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
pub(super) const STD_STRICT: Base64 = Base64::new(STANDARD_ALPHABET, true, true);
/// Go's `base64.StdEncoding`: padded, any unused bits.
pub(super) const STD: Base64 = Base64::new(STANDARD_ALPHABET, true, false);
/// Go's `base64.RawStdEncoding.Strict()`: unpadded, unused bits zero.
pub(super) const RAW_STD_STRICT: Base64 = Base64::new(STANDARD_ALPHABET, false, true);
/// Go's bcrypt salt decoding: bcrypt's alphabet, padded, any unused bits.
pub(super) const BCRYPT_SALT: Base64 = Base64::new(BCRYPT_ALPHABET, true, false);

/// Whether `text` is exactly what an encoder writing `bytes` bytes, six
/// bits a character and no padding, can write in `alphabet`: as many
/// characters as it takes, and the unused bits of the last one zero. They
/// are its high bits when the encoding takes the first byte as the least
/// significant (crypt(3)'s), else its low bits.
pub(super) fn is_encoding_of(
    text: &[u8],
    alphabet: &[u8; 64],
    bytes: usize,
    least_first: bool,
) -> bool {
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
pub(super) fn template(field: &str) -> Result<Option<&'static str>, Unusable> {
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
pub(super) fn field(encoding: &Base64, text: &str, why: &'static str) -> Result<Vec<u8>, Unusable> {
    encoding
        .decode(text.as_bytes())
        .ok_or(Unusable::Garbled(why))
}

/// A decoded digest that must be `expected` bytes long to equal the one
/// Kratos computes.
pub(super) fn digest_length(digest: &[u8], expected: usize, name: &str) -> Result<(), Unusable> {
    if digest.len() == expected {
        return Ok(());
    }
    Err(Unusable::MatchesNothing(Cow::Owned(format!(
        "its hash is {} bytes, and {name} makes {expected}",
        digest.len()
    ))))
}
