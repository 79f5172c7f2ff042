use super::go::*;
use super::*;
use PasswordHashErrorKind::{MatchesAnyPassword, OutOfBounds, UnknownFormat, Unparsable};
use PasswordHashFormat::{
    Argon2i, Argon2id, Bcrypt, FirebaseScrypt, Hmac, Md5, Md5Crypt, Pbkdf2, SaltedMd5, SaltedSha,
    Scrypt, Sha256Crypt, Sha512Crypt, Ssha,
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
    let error =
        check_password_hash(ANY_PASSWORD[0].0, Some(&ServerVersion::new("v26.2.0"))).unwrap_err();
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
        field
            .split_once('=')
            .is_some_and(|(key, _)| !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()))
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
    let kind = |outcome: &Result<_, PasswordHashError>| outcome.as_ref().err().map(|e| e.kind());
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
