//! SHA-256 digests of streams as they are read (`sha256:<hex>`, as OCI writes them).

use std::io::{self, Read};

use ring::digest::{Context, SHA256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let mut hash = Sha256::default();
    hash.update(bytes);
    hash.digest()
}

/// A SHA-256 computed piece by piece.
#[derive(Clone)]
pub struct Sha256(Context);

impl Default for Sha256 {
    fn default() -> Self {
        Self(Context::new(&SHA256))
    }
}

impl Sha256 {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// `sha256:<hex>` of everything added so far.
    pub fn digest(&self) -> String {
        let digest = self.0.clone().finish();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for byte in digest.as_ref() {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }
}

/// A reader that hashes and counts what passes through it.
pub struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hash: Sha256::default(),
            bytes: 0,
        }
    }

    /// Bytes read so far.
    pub fn count(&self) -> u64 {
        self.bytes
    }

    /// The digest of everything read (`sha256:<hex>`).
    pub fn digest(&self) -> String {
        self.hash.digest()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Whether `digest` is a well-formed `sha256:<64 hex>` digest (the only algorithm
/// images use in practice; anything else is refused rather than trusted unverified).
pub fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut reader = Hashing::new(&b"abc"[..]);
        io::copy(&mut reader, &mut io::sink()).ok();
        assert_eq!(reader.count(), 3);
        assert_eq!(
            reader.digest(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256(&reader.digest()));
        assert!(!is_sha256("sha256:../../etc/passwd"));
        assert!(!is_sha256("md5:abc"));
    }
}
