//! Short-lived download tokens for the filesystem backend.
//!
//! S3 hands out presigned URLs itself; for files on local disk the API serves
//! `/v1/artifacts/{sha256}?expires=..&token=..` and checks the token here. A
//! token is an HMAC-SHA256 over the digest and the expiry, so it grants one
//! artifact until one instant and cannot be forged or stretched.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::digest::validate_sha256_hex;
use crate::error::ArtifactError;

/// Shortest accepted signing secret, in bytes.
pub const MIN_DOWNLOAD_SECRET_LEN: usize = 32;

/// Domain separation: these MACs can never be confused with other uses of
/// the same key.
const CONTEXT: &[u8] = b"agentclash.artifact-download.v1";

/// The API's signing key for download tokens. `Debug` never shows it.
#[derive(Clone)]
pub struct DownloadSecret {
    mac: Hmac<Sha256>,
}

impl DownloadSecret {
    /// Accepts a key of at least [`MIN_DOWNLOAD_SECRET_LEN`] random bytes.
    pub fn new(key: &[u8]) -> Result<Self, DownloadTokenError> {
        if key.len() < MIN_DOWNLOAD_SECRET_LEN {
            return Err(DownloadTokenError::WeakSecret);
        }
        let mac =
            Hmac::<Sha256>::new_from_slice(key).map_err(|_| DownloadTokenError::WeakSecret)?;
        Ok(Self { mac })
    }

    /// The MAC state after absorbing the signed fields.
    fn mac_for(&self, sha256: &str, expires_at: u64) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(CONTEXT);
        mac.update(b"\n");
        mac.update(sha256.as_bytes());
        mac.update(b"\n");
        mac.update(expires_at.to_string().as_bytes());
        mac
    }
}

impl fmt::Debug for DownloadSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DownloadSecret(<redacted>)")
    }
}

/// Why a download token was refused (all map to 403/400 in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DownloadTokenError {
    /// The signing key is shorter than [`MIN_DOWNLOAD_SECRET_LEN`] bytes.
    #[error(
        "download signing secret is too short; expected at least {MIN_DOWNLOAD_SECRET_LEN} random bytes"
    )]
    WeakSecret,
    /// The artifact key is not a SHA-256 hex digest.
    #[error("invalid artifact key; expected 64 lowercase hex characters")]
    InvalidKey,
    /// The token is not 64 hex characters.
    #[error("malformed download token")]
    Malformed,
    /// The token was not issued for this artifact and expiry by this key.
    #[error("download token does not match")]
    BadSignature,
    /// The token was valid but its expiry has passed.
    #[error("download token has expired")]
    Expired,
}

/// Issues a token granting `sha256` until `expires_at` (Unix seconds), as
/// lowercase hex for a URL query.
pub fn sign_download(
    sha256: &str,
    expires_at: u64,
    secret: &DownloadSecret,
) -> Result<String, ArtifactError> {
    validate_sha256_hex(sha256)?;
    Ok(hex::encode(
        secret.mac_for(sha256, expires_at).finalize().into_bytes(),
    ))
}

/// Checks a token from [`sign_download`] at time `now`: the signature in
/// constant time first, then the expiry (valid through `expires_at`).
pub fn verify_download(
    sha256: &str,
    expires_at: u64,
    token: &str,
    secret: &DownloadSecret,
    now: SystemTime,
) -> Result<(), DownloadTokenError> {
    validate_sha256_hex(sha256).map_err(|_| DownloadTokenError::InvalidKey)?;
    let tag = hex::decode(token).map_err(|_| DownloadTokenError::Malformed)?;
    secret
        .mac_for(sha256, expires_at)
        .verify_slice(&tag)
        .map_err(|_| DownloadTokenError::BadSignature)?;
    let now_secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if now_secs > expires_at {
        return Err(DownloadTokenError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::digest::sha256_hex;

    const EXPIRES: u64 = 1_900_000_000;

    fn secret(byte: u8) -> DownloadSecret {
        DownloadSecret::new(&[byte; MIN_DOWNLOAD_SECRET_LEN]).expect("long enough")
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_token_verifies_until_its_expiry_and_not_after() {
        let sha = sha256_hex(b"report");
        let token = sign_download(&sha, EXPIRES, &secret(7)).expect("valid key");
        assert_eq!(token.len(), 64);
        assert_eq!(
            verify_download(&sha, EXPIRES, &token, &secret(7), at(EXPIRES - 60)),
            Ok(())
        );
        assert_eq!(
            verify_download(&sha, EXPIRES, &token, &secret(7), at(EXPIRES)),
            Ok(())
        );
        assert_eq!(
            verify_download(&sha, EXPIRES, &token, &secret(7), at(EXPIRES + 1)),
            Err(DownloadTokenError::Expired)
        );
    }

    #[test]
    fn tokens_do_not_transfer_to_other_artifacts_expiries_or_keys() {
        let sha = sha256_hex(b"report");
        let other = sha256_hex(b"other");
        let token = sign_download(&sha, EXPIRES, &secret(7)).expect("valid key");
        let now = at(EXPIRES - 60);
        for (key, expires, key_byte) in [
            (&other, EXPIRES, 7),
            (&sha, EXPIRES + 3600, 7),
            (&sha, EXPIRES, 8),
        ] {
            assert_eq!(
                verify_download(key, expires, &token, &secret(key_byte), now),
                Err(DownloadTokenError::BadSignature)
            );
        }
        let mut flipped = token.into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        assert_eq!(
            verify_download(&sha, EXPIRES, &flipped, &secret(7), now),
            Err(DownloadTokenError::BadSignature)
        );
    }

    #[test]
    fn malformed_inputs_are_refused() {
        let sha = sha256_hex(b"report");
        let now = at(EXPIRES - 60);
        assert_eq!(
            verify_download(&sha, EXPIRES, "zz", &secret(7), now),
            Err(DownloadTokenError::Malformed)
        );
        assert_eq!(
            verify_download(&sha, EXPIRES, "", &secret(7), now),
            Err(DownloadTokenError::BadSignature)
        );
        assert_eq!(
            verify_download("../etc/passwd", EXPIRES, "00", &secret(7), now),
            Err(DownloadTokenError::InvalidKey)
        );
        assert!(matches!(
            sign_download("ABC", EXPIRES, &secret(7)),
            Err(ArtifactError::InvalidKey { .. })
        ));
    }

    #[test]
    fn short_secrets_are_refused_and_debug_is_redacted() {
        assert_eq!(
            DownloadSecret::new(&[1; MIN_DOWNLOAD_SECRET_LEN - 1]).map(|_| ()),
            Err(DownloadTokenError::WeakSecret)
        );
        assert_eq!(format!("{:?}", secret(0x41)), "DownloadSecret(<redacted>)");
    }
}
