//! Passwords: the rules a new one must meet, and argon2id hashing.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase, short enough that hashing it costs nothing extra.
pub const MAX_LENGTH: usize = 1024;

/// A new password that meets the rules. Only ever hashed, never stored or logged.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(format!("Use at least {MIN_LENGTH} characters."));
        }
        if length > MAX_LENGTH {
            return Err(format!("Use at most {MAX_LENGTH} characters."));
        }
        if raw.trim().is_empty() {
            return Err("A password of spaces only is too easy to guess.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn hash(&self) -> Result<String, String> {
        hash(&self.0)
    }

    /// The password in clear, for the one e-mail that hands it to a new client.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// Hashes with argon2id at its default parameters and a random salt (PHC string).
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash a password: {e}"))
}

/// True when `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored_hash)
        .is_ok()
}

/// Verifies against a throwaway hash, so that an unknown email costs the same time as a
/// wrong password and the two cannot be told apart.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("billpanel-dummy-password").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// A random password for generated accounts: 20 characters from an alphabet without
/// look-alikes (no 0/O, 1/l/I).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterz", &stored));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(
            hash("same password").unwrap(),
            hash("same password").unwrap()
        );
    }

    #[test]
    fn new_password_rules() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("          ").is_err());
        assert!(NewPassword::parse(&"x".repeat(MAX_LENGTH + 1)).is_err());
        assert!(NewPassword::parse("long enough pass").is_ok());
        // Length counts characters, not bytes.
        assert!(NewPassword::parse("пароль").is_err());
        assert!(NewPassword::parse("пароль-длинный").is_ok());
    }

    #[test]
    fn generated_passwords_meet_the_rules() {
        let p = generate();
        assert_eq!(p.len(), 20);
        assert!(NewPassword::parse(&p).is_ok());
        assert_ne!(p, generate());
    }
}
