//! Password hashing with argon2id (PHC string format).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The password breaks the length rules.
    #[error("passwords must be between 8 and 1024 characters")]
    BadLength,
    /// The stored hash is not a PHC string we understand.
    #[error("stored password hash is malformed")]
    MalformedHash,
    /// The hasher failed (should not happen with valid parameters).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// OWASP-recommended argon2id parameters: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let length = password.chars().count();
    if !(8..=1024).contains(&length) {
        return Err(PasswordError::BadLength);
    }
    let salt = SaltString::encode_b64(&crate::random_bytes::<16>())
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Checks a password against a stored hash. The comparison inside argon2 is
/// constant-time; a wrong password and a malformed hash both answer `false`
/// or an error, never a panic.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(stored).map_err(|_| PasswordError::MalformedHash)?;
    Ok(hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A hash of a random password, for verifying against when the account does
/// not exist, so a login takes as long for unknown emails as for known ones.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0qHqm7ZpJWcA0zV4nS6k3W1bA9Jm3wYgP0mX9vQe8xU"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password_and_are_salted() {
        let a = hash_password("correct horse battery").expect("hash");
        let b = hash_password("correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a).expect("verify"));
        assert!(!verify_password("correct horse batterY", &a).expect("verify"));
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::BadLength)
        ));
        assert!(matches!(
            verify_password("x", "not a phc string"),
            Err(PasswordError::MalformedHash)
        ));
        assert!(!verify_password("anything at all", decoy_hash()).expect("decoy parses"));
    }
}
