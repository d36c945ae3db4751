use std::fmt;

use secrecy::SecretString;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL (`sqlite://PATH` or `postgres://…`). Its password is a secret:
/// `Debug` and `Display` show the URL with the password replaced.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    raw: SecretString,
    redacted: String,
}

/// A database URL that is neither `sqlite:` nor `postgres:`/`postgresql:`.
#[derive(Debug, thiserror::Error)]
#[error("database URL must start with sqlite:// or postgres:// (got \"{0}\")")]
pub struct DatabaseUrlError(String);

impl DatabaseUrl {
    /// Parses and classifies a URL.
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let backend = match scheme.as_deref() {
            Some("sqlite") => Backend::Sqlite,
            Some("postgres" | "postgresql") => Backend::Postgres,
            _ => return Err(DatabaseUrlError(redact(raw))),
        };
        Ok(Self {
            backend,
            raw: SecretString::from(raw.to_owned()),
            redacted: redact(raw),
        })
    }

    /// The database this URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included.
    pub fn expose(&self) -> &SecretString {
        &self.raw
    }
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
fn redact(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            // set_password only fails for URLs that cannot have one, and this one has one.
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted).finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_and_redacts() {
        let u = DatabaseUrl::parse("postgres://app:hunter2@db.internal:5432/scim").unwrap();
        assert_eq!(u.backend(), Backend::Postgres);
        assert!(!format!("{u}").contains("hunter2"));
        assert!(!format!("{u:?}").contains("hunter2"));
        assert!(format!("{u}").contains("db.internal"));
        assert_eq!(
            DatabaseUrl::parse("sqlite://./x.db").unwrap().backend(),
            Backend::Sqlite
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
    }

    #[test]
    fn rejects_other_schemes_without_echoing_password() {
        let err = DatabaseUrl::parse("mysql://u:secretpw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sqlite://"));
        assert!(!err.contains("secretpw"));
    }
}
