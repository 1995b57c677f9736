//! Shared database plumbing: the one migrator and the mapping of named constraint violations to
//! domain errors. Constraint names are the contract between migrations and code.

use crate::error::AppError;

/// Every migration the portal has. Used by `server` at start and by `#[sqlx::test]`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../server/migrations");

/// An `ilike` pattern matching any text that contains `text` literally: `\`, `%` and `_` typed
/// by a person are characters to find, not wildcards.
pub fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Maps a violation of one named constraint to a domain error; any other failure becomes an
/// [`AppError`] through its `From<sqlx::Error>`.
pub trait ResultExt<T> {
    fn on_constraint(
        self,
        name: &str,
        f: impl FnOnce(Box<dyn sqlx::error::DatabaseError>) -> AppError,
    ) -> Result<T, AppError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(
        self,
        name: &str,
        f: impl FnOnce(Box<dyn sqlx::error::DatabaseError>) -> AppError,
    ) -> Result<T, AppError> {
        match self {
            Ok(v) => Ok(v),
            Err(sqlx::Error::Database(dbe)) if dbe.constraint() == Some(name) => Err(f(dbe)),
            Err(e) => Err(e.into()),
        }
    }
}

/// `true` when the database answers a trivial query within the pool's acquire timeout.
pub async fn is_ready(pool: &sqlx::PgPool) -> bool {
    sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(pool)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_contains_pattern_treats_wildcards_as_characters() {
        assert_eq!(super::contains_pattern("ana"), "%ana%");
        assert_eq!(super::contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }

    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_named_constraint_violation_becomes_the_domain_error(pool: PgPool) {
        // The organisation table allows one row only (`organisation_singleton`).
        let second =
            sqlx::query!("insert into organisation (organisation_id, name) values (2, 'Second')")
                .execute(&pool)
                .await
                .on_constraint("organisation_singleton", |_| {
                    AppError::Conflict("only one organisation".into())
                });
        assert_eq!(
            second.err(),
            Some(AppError::Conflict("only one organisation".into()))
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn other_database_errors_are_internal_and_say_nothing_of_the_query(pool: PgPool) {
        let insert = "insert into organisation (organisation_id, name) values (1, 'Dup')";
        sqlx::query(insert).execute(&pool).await.expect("first row");
        // A primary-key clash is not the constraint being mapped.
        let result = sqlx::query(insert)
            .execute(&pool)
            .await
            .on_constraint("organisation_singleton", |_| {
                AppError::Conflict("no".into())
            });
        assert_eq!(result.err(), Some(AppError::Internal));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_migrated_database_is_ready(pool: PgPool) {
        assert!(is_ready(&pool).await);
    }
}
