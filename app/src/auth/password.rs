//! Password policy and hashing. The policy follows NIST SP 800-63B: 8 to 128 characters, no
//! composition rules, paste allowed, and passwords that are common or easily guessed from the
//! person's own name or email refused (zxcvbn's estimate, which includes its lists of the most
//! used passwords).

use crate::error::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Memory 19 MiB, 2 passes, 1 lane: OWASP's first argon2id recommendation.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Each hash takes 19 MiB and tens of milliseconds of one core: two at a time keeps a burst of
/// sign-ins from starving page rendering or exhausting memory.
static HASHING: Semaphore = Semaphore::const_new(2);

/// Why a new password was refused. Shown to the person; it never repeats the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// Common, or guessable from the person's own details.
    TooEasy,
}

impl PasswordProblem {
    /// The code a form shows a message for (see the `password_*` translation keys).
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::TooEasy => "too_easy",
        }
    }
}

/// Checks a new password against the policy. `context` holds what the person told us about
/// themself (name, email): a password built from it is easy to guess for whoever knows them.
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    if zxcvbn::zxcvbn(password, context).score() < zxcvbn::Score::Two {
        return Err(PasswordProblem::TooEasy);
    }
    Ok(())
}

/// An argon2id PHC string. Deliberately neither `Serialize` nor `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).map_err(|e| {
        tracing::error!(error = %e, "invalid argon2 parameters");
        AppError::Internal
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let _permit = HASHING.acquire().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::Internal
    })?
}

/// Hashes a password that has passed [`check_policy`].
pub async fn hash_password(password: SecretString) -> Result<PasswordHash, AppError> {
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| {
                tracing::error!(error = %e, "password hashing failed");
                AppError::Internal
            })
    })
    .await
}

/// A valid hash of a password nobody has, verified when an account does not exist so that an
/// unknown email costs the same time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .ok()
            .and_then(|h| h.hash_password(b"decoy password, never valid", &salt).ok())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Whether `password` matches `stored`. With no stored hash (unknown account) it still does the
/// full work and answers `false`, so timing does not tell which accounts exist.
pub async fn verify_password(
    password: SecretString,
    stored: Option<PasswordHash>,
) -> Result<bool, AppError> {
    on_hashing_thread(move || {
        let known = stored.is_some();
        let phc = stored.map_or_else(|| decoy_hash().to_string(), |h| h.0);
        let parsed = argon2::PasswordHash::new(&phc).map_err(|e| {
            tracing::error!(error = %e, "stored password hash does not parse");
            AppError::Internal
        })?;
        let matches = hasher()?
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(check_policy("ñandú", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_policy(&"x".repeat(MAX_CHARS + 1), &[]),
            Err(PasswordProblem::TooLong)
        );
        // Eight characters, sixteen bytes, and not a guessable word.
        assert_eq!(check_policy("ñöŵ¿ßřĸé", &[]), Ok(()));
    }

    #[test]
    fn common_and_personal_passwords_are_refused_without_composition_rules() {
        for common in [
            "password",
            "12345678",
            "password1",
            "qwertyuiop",
            "iloveyou",
        ] {
            assert_eq!(
                check_policy(common, &[]),
                Err(PasswordProblem::TooEasy),
                "{common}"
            );
        }
        assert_eq!(
            check_policy(
                "MariaGarcia",
                &["Maria", "Garcia", "maria.garcia@example.org"]
            ),
            Err(PasswordProblem::TooEasy)
        );
        // Lower-case words only, no digits or symbols: long enough to be fine.
        assert_eq!(check_policy("river lantern okra pebble", &[]), Ok(()));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password(SecretString::from("river lantern okra pebble"))
            .await
            .unwrap_or_else(|_| PasswordHash(String::new()));
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let right = verify_password(
            SecretString::from("river lantern okra pebble"),
            Some(hash.clone()),
        )
        .await;
        let wrong =
            verify_password(SecretString::from("river lantern okra pebbles"), Some(hash)).await;
        assert_eq!((right, wrong), (Ok(true), Ok(false)));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert_eq!(
            verify_password(SecretString::from("decoy password, never valid"), None).await,
            Ok(false)
        );
    }

    #[test]
    fn the_hash_never_prints() {
        assert_eq!(
            format!("{:?}", PasswordHash("$argon2id$secret".into())),
            "PasswordHash(..)"
        );
    }
}
