//! SHA-256 digests as artifact keys: computing them and refusing anything else.

use sha2::{Digest, Sha256};

use crate::error::{ArtifactError, shown};

/// Length of a SHA-256 digest in hex.
pub const SHA256_HEX_LEN: usize = 64;

/// Checks that `key` is exactly 64 lowercase hex characters. Every public
/// operation calls this before touching storage, so a caller can never make
/// the store address a path of its choosing (`../`, `/`, `%2F`, ...).
pub fn validate_sha256_hex(key: &str) -> Result<(), ArtifactError> {
    let well_formed = key.len() == SHA256_HEX_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if well_formed {
        Ok(())
    } else {
        Err(ArtifactError::InvalidKey { shown: shown(key) })
    }
}

/// The lowercase hex SHA-256 digest of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hex of a finished incremental hash.
pub(crate) fn finish_hex(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_lowercase_64_hex() {
        let good = sha256_hex(b"hello");
        assert_eq!(good.len(), SHA256_HEX_LEN);
        assert!(validate_sha256_hex(&good).is_ok());
        for bad in [
            String::new(),
            good.to_uppercase(),
            good[..63].to_owned(),
            format!("{good}0"),
            format!("../{}", &good[3..]),
            format!("{}g", &good[..63]),
            format!("{}/", &good[..63]),
            // A multi-byte char keeps the byte length at 64 but is not hex.
            format!("{}é", &good[..62]),
        ] {
            assert!(
                matches!(
                    validate_sha256_hex(&bad),
                    Err(ArtifactError::InvalidKey { .. })
                ),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn digest_matches_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
