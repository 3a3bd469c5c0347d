//! Credential primitives: password hashing, API tokens and secret encryption.
//!
//! Pure functions with no I/O beyond the OS random source, so the store and
//! the API share one implementation and it can be tested in isolation.

mod password;
mod secret_box;
mod token;

pub use password::{PasswordError, decoy_hash, hash_password, verify_password};
pub use secret_box::{SecretBox, SecretBoxError, workspace_secret_context};
pub use token::{
    INVITATION_PREFIX, MintedToken, TOKEN_PREFIX, TokenHash, hash_token, mint_token,
    mint_with_prefix, random_code,
};

/// Fills a buffer from the OS random source.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS random source does not fail on supported platforms; if it ever
    // does, continuing with zeros would be a silent security hole.
    getrandom::fill(&mut buf).unwrap_or_else(|e| panic!("OS random source failed: {e}"));
    buf
}
