//! Workspace admins' passwords: argon2id with a random salt, stored as a PHC string.
//! Unlike the random secrets in [`crate::secret`], a human password can be guessed,
//! so it gets a slow, memory-hard hash.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 8).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest password accepted: argon2 hashes any length, but an unbounded input is
/// a denial-of-service lever.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Why a password cannot be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("the password must have at most {MAX_PASSWORD_LEN} characters")]
    TooLong,
}

/// Hashes a new password with argon2id (the crate's defaults: RFC 9106's second
/// recommended option, 19 MiB, 2 passes) and a 128-bit salt from the OS.
pub fn hash_password(password: &SecretString) -> Result<String, PasswordError> {
    let chars = password.expose_secret().chars().count();
    if chars < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong);
    }
    let mut salt = [0u8; 16];
    // The OS random source failing is unrecoverable: no salt can be made safely.
    getrandom::fill(&mut salt).expect("operating system random source failed");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    Ok(Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any bounded input")
        .to_string())
}

/// Whether `password` matches the stored PHC string. A malformed stored hash
/// matches nothing. Over-long input is refused before hashing.
pub fn verify_password(password: &SecretString, stored: &str) -> bool {
    if password.expose_secret().chars().count() > MAX_PASSWORD_LEN {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &hash)
            .is_ok()
    })
}

/// A password generated for an admin who did not choose one: 24 characters from a
/// 57-letter alphabet without look-alikes (about 140 bits).
pub fn generate_password() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("operating system random source failed");
    // 256 % 57 leaves a bias of under 1 %, irrelevant at 140 bits.
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let pw: SecretString = "correct horse battery".to_owned().into();
        let stored = hash_password(&pw).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        assert!(verify_password(&pw, &stored));
        assert!(!verify_password(
            &"correct horse batterz".to_owned().into(),
            &stored
        ));
        assert!(!verify_password(&pw, "not a phc string"));
    }

    #[test]
    fn same_password_different_salt() {
        let pw: SecretString = "correct horse battery".to_owned().into();
        assert_ne!(hash_password(&pw).unwrap(), hash_password(&pw).unwrap());
    }

    #[test]
    fn length_limits() {
        assert_eq!(
            hash_password(&"short".to_owned().into()),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            hash_password(&"x".repeat(MAX_PASSWORD_LEN + 1).into()),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose_secret().len(), 24);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(hash_password(&a).is_ok());
    }
}
