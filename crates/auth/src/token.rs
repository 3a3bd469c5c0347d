//! API tokens: random, prefixed so a leaked token is greppable, stored only
//! as a SHA-256 hash.

use sha2::{Digest, Sha256};

/// Every API token starts with this, so secret scanners can find leaks.
pub const TOKEN_PREFIX: &str = "acl_";

/// A freshly minted token: the plaintext (shown once) and what is stored.
#[derive(Clone)]
pub struct MintedToken {
    /// The full token, given to the user once and never stored.
    pub plaintext: String,
    /// Its hash, stored and looked up.
    pub hash: TokenHash,
    /// The first characters, stored to help users recognise their tokens.
    pub display_prefix: String,
}

impl std::fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MintedToken({}…)", self.display_prefix)
    }
}

/// Hex SHA-256 of a token. Tokens carry 256 bits of entropy, so a fast hash is
/// enough (no salt or slow KDF needed) and lookup by hash is an index scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

/// Mints a new API token: `acl_` + 64 hex characters (256 random bits).
pub fn mint_token() -> MintedToken {
    mint_with_prefix(TOKEN_PREFIX)
}

/// Prefix of workspace invitation tokens: distinct from API tokens, so a
/// leaked one is recognisable as what it is.
pub const INVITATION_PREFIX: &str = "aci_";

/// A random secret like [`mint_token`] with another recognisable prefix.
pub fn mint_with_prefix(prefix: &str) -> MintedToken {
    let plaintext = format!("{prefix}{}", hex::encode(crate::random_bytes::<32>()));
    let display_prefix = plaintext.chars().take(prefix.len() + 8).collect();
    MintedToken {
        hash: hash_token(&plaintext),
        plaintext,
        display_prefix,
    }
}

/// The stored form of a presented token.
pub fn hash_token(plaintext: &str) -> TokenHash {
    TokenHash(hex::encode(Sha256::digest(plaintext.as_bytes())))
}

/// A random code from an unambiguous alphabet (no 0/O, 1/I/L), e.g. the
/// short user code of the device flow.
pub fn random_code(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(length);
    while out.len() < length {
        for byte in crate::random_bytes::<32>() {
            // Rejection sampling keeps the distribution uniform.
            let limit = 256 - 256 % ALPHABET.len();
            if (byte as usize) < limit && out.len() < length {
                out.push(ALPHABET[byte as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_hash_deterministically() {
        let a = mint_token();
        let b = mint_token();
        assert!(a.plaintext.starts_with(TOKEN_PREFIX));
        assert_eq!(a.plaintext.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(hash_token(&a.plaintext), a.hash);
        assert_ne!(a.hash, b.hash);
        assert!(
            !format!("{a:?}").contains(&a.plaintext),
            "Debug must not leak the token"
        );
        assert!(a.plaintext.starts_with(&a.display_prefix));
    }

    #[test]
    fn random_codes_use_the_unambiguous_alphabet() {
        let code = random_code(8);
        assert_eq!(code.len(), 8);
        assert!(code.chars().all(|c| !"01OIL".contains(c)), "{code}");
    }
}
