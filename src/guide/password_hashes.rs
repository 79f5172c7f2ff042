//! Password hashes: the formats Kratos imports, with a working example of
//! each, and the hashes it would take but store unusable.
//!
//! An imported identity can carry its password as a hash
//! ([`CreateIdentityBody::hashed_password`](crate::CreateIdentityBody::hashed_password)),
//! so that its user logs in with the password they had. What Kratos does
//! with such a hash:
//!
//! - It imports a `hashed_password` when it starts like a format its hash
//!   comparator knows (`hash.IsValidHashFormat`, the patterns at the end of
//!   Kratos's `hash/hash_comparator.go`). A hash of a format it does not know
//!   fails the request, and in a batch the whole batch of up to 1,000
//!   identities, with 400 "The imported password does not match any known
//!   hash format".
//! - What follows the prefix is read only at login, by `hash.Compare`:
//!   Kratos v26.2.0 stores a hash it cannot read, and its user can never log
//!   in with a password.
//! - Kratos master (which Ory Network runs) also reads the parameters of
//!   bcrypt, argon2, PBKDF2, scrypt and Firebase scrypt hashes at import
//!   (`hash.ValidateImportedHash`, in `hash/hash_limits.go`), and refuses
//!   those that do not parse ("The imported password hash could not be
//!   parsed.") and those whose cost parameters exceed its bounds
//!   ([`OutOfBounds`](crate::PasswordHashErrorKind::OutOfBounds) lists the
//!   bounds).
//! - Some hashes match every password, and Kratos stores them: anybody could
//!   then log in as that user
//!   ([`MatchesAnyPassword`](crate::PasswordHashErrorKind::MatchesAnyPassword)
//!   lists them). An empty PBKDF2 or scrypt hash is one on v26.2.0 because
//!   the key derived for the comparison is empty too, and equals it.
//! - A password over 72 bytes never matches a bcrypt hash; that is the
//!   password's problem, not the hash's.
//!
//! [`check_password_hash`](crate::check_password_hash) decides all of this
//! before anything is sent, for a given target, and says why a hash would
//! fail ([`PasswordHashErrorKind`](crate::PasswordHashErrorKind)) without
//! repeating it. The [bulk import](super::bulk_import) and the
//! [migration](super::migration) conversions use it, so a bad hash costs
//! only its own input.
//!
//! # The formats
//!
//! [`PasswordHashFormat`](crate::PasswordHashFormat) names each format
//! Kratos recognises by its start, and how the rest is laid out. Here is a
//! working hash of each (of the password `test`, unless a comment says
//! otherwise), as imported into real Kratos v26.2.0 and master and logged
//! in with:
//!
//! ```
//! use kratos_identity::{PasswordHashFormat as F, ServerVersion, check_password_hash};
//!
//! let examples = [
//!     (F::Bcrypt, "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"),
//!     (F::Argon2id, "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"),
//!     (F::Argon2i, "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"),
//!     (F::Pbkdf2, "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"),
//!     (F::Pbkdf2, "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"),
//!     (F::Scrypt, "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="),
//!     // Of `8x4WjoDbSxJZdR`:
//!     (F::FirebaseScrypt, "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="),
//!     (F::Ssha, "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"), // of `test123`
//!     (F::Ssha, "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK"),
//!     (F::Ssha, "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M="),
//!     (F::SaltedSha, "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="),
//!     (F::SaltedSha, "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY="),
//!     (F::SaltedSha, "$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw=="),
//!     (F::Md5, "$md5$CY9rzUYh03PK3k6DJie09g=="),
//!     (F::SaltedMd5, "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ=="),
//!     (F::Md5Crypt, "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/"),
//!     (F::Sha256Crypt, "$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78"),
//!     (F::Sha512Crypt, "$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1"),
//!     (F::Hmac, "$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU="),
//! ];
//! let release = ServerVersion::new("v26.2.0");
//! for (format, hash) in examples {
//!     assert_eq!(check_password_hash(hash, None), Ok(format));
//!     assert_eq!(check_password_hash(hash, Some(&release)), Ok(format));
//! }
//! ```
