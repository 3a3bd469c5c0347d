//! Workspace secret encryption: AES-256-GCM under the master key, with a
//! fresh nonce per value and the secret's identity bound in as associated
//! data, so a ciphertext copied to another secret's row does not decrypt.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretBoxError {
    /// The ciphertext is too short, was tampered with, belongs to another
    /// secret, or the master key changed.
    #[error("secret cannot be decrypted (wrong key, wrong secret or tampered data)")]
    Open,
    /// Encryption failed (should not happen).
    #[error("secret encryption failed")]
    Seal,
}

/// Encrypts and decrypts secret values under one master key.
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

const NONCE_LEN: usize = 12;

impl SecretBox {
    /// A box for the 256-bit master key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Encrypts `value`; `context` (e.g. "workspace-id/NAME") is authenticated
    /// but not stored. Output: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, context: &str, value: &[u8]) -> Result<Vec<u8>, SecretBoxError> {
        let nonce_bytes = crate::random_bytes::<NONCE_LEN>();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: value,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretBoxError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts what [`SecretBox::seal`] produced for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretBoxError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(SecretBoxError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretBoxError::Open)
    }
}

/// The associated data a workspace secret is sealed with: binds the
/// ciphertext to its workspace and name, so a row copied elsewhere does not
/// decrypt. The API seals and the worker opens with the same context.
pub fn workspace_secret_context(workspace: impl std::fmt::Display, name: &str) -> String {
    format!("workspace-secret/{workspace}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_only_under_the_same_key_and_context() {
        let sb = SecretBox::new(&[7u8; 32]);
        let sealed = sb.seal("ws/OPENAI_KEY", b"sk-canary").expect("seal");
        assert!(
            !sealed.windows(9).any(|w| w == b"sk-canary"),
            "ciphertext must not contain the value"
        );
        assert_eq!(
            sb.open("ws/OPENAI_KEY", &sealed).expect("open"),
            b"sk-canary"
        );
        assert!(sb.open("ws/OTHER", &sealed).is_err(), "bound to its secret");
        assert!(
            SecretBox::new(&[8u8; 32])
                .open("ws/OPENAI_KEY", &sealed)
                .is_err(),
            "bound to the key"
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(sb.open("ws/OPENAI_KEY", &tampered).is_err());
        assert!(sb.open("ws/OPENAI_KEY", b"short").is_err());
        assert_ne!(
            sb.seal("c", b"v").expect("seal"),
            sb.seal("c", b"v").expect("seal"),
            "fresh nonces"
        );
    }
}
