//! Secrets kept at rest (two-factor secrets): sealed with AES-256-GCM under a key derived
//! from the server's secret key (`BILLPANEL_SECRET_KEY`), so a copy of the database alone
//! does not reveal them. Changing the server's key makes sealed secrets unreadable: people
//! then set up their second factor again (an administrator resets it).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Seals and opens secrets with the server's key.
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// The sealer of the server whose secret key is `secret_key`. The key for secrets is
    /// derived, not the session cookie's own, so the two uses never share a key.
    pub fn new(secret_key: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret_key).expect("HMAC takes any key length");
        mac.update(b"billpanel: secrets at rest, v1");
        let key = mac.finalize().into_bytes();
        Self {
            cipher: Aes256Gcm::new(&key),
        }
    }

    /// `plain` sealed: hex of a random 96-bit nonce and the ciphertext with its tag.
    pub fn seal(&self, plain: &[u8]) -> String {
        let nonce: [u8; 12] = rand::random();
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .expect("AES-GCM seals any message shorter than 64 GiB");
        let mut out = hex(&nonce);
        out.push_str(&hex(&sealed));
        out
    }

    /// What `seal` sealed; `None` if it was sealed under another key or changed.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = unhex(sealed)?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, text) = bytes.split_at(12);
        self.cipher.decrypt(Nonce::from_slice(nonce), text).ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_unchanged() {
        let sealer = Sealer::new(b"the server's secret key of the tests");
        let sealed = sealer.seal(b"JBSWY3DPEHPK3PXP");
        assert_ne!(
            sealer.seal(b"JBSWY3DPEHPK3PXP"),
            sealed,
            "a new nonce each time"
        );
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(sealer.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(Sealer::new(b"another key").open(&sealed), None);
        let mut changed = sealed.clone();
        changed.replace_range(30..32, if &sealed[30..32] == "00" { "01" } else { "00" });
        assert_eq!(sealer.open(&changed), None);
        assert_eq!(sealer.open("zz"), None);
        assert_eq!(sealer.open(""), None);
    }
}
