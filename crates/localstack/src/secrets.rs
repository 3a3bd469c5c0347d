//! Generated secrets: the Postgres password and the secrets key.

use std::io::Read as _;
use std::path::Path;

use crate::error::{IoContext, Result};
use crate::process::read_optional;
use crate::settings::write_private_file;

/// `bytes` random bytes from `/dev/urandom` as lowercase hex. Used for
/// passwords, keys and unique directory names.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0_u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context(|| "cannot read /dev/urandom".to_owned())?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The secret stored in `path`, generating `bytes` random bytes (as hex,
/// mode 0600) the first time so it stays the same across restarts. An
/// existing value is kept as is: replacing it would lock out the cluster.
pub(crate) fn read_or_create(path: &Path, bytes: usize) -> Result<String> {
    if let Some(existing) = read_optional(path)?.filter(|s| !s.is_empty()) {
        return Ok(existing);
    }
    let secret = random_hex(bytes)?;
    write_private_file(path, format!("{secret}\n").as_bytes())?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hex_private_and_stable() {
        let a = random_hex(32).expect("random");
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, random_hex(32).expect("random"));
        let path = std::env::temp_dir().join(format!("agentclash-secret-{}", std::process::id()));
        let first = read_or_create(&path, 16).expect("create");
        assert_eq!(read_or_create(&path, 16).expect("read"), first);
        let meta = std::fs::metadata(&path).expect("meta");
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600
        );
        std::fs::remove_file(&path).expect("cleanup");
    }
}
