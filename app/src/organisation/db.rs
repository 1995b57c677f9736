use super::Organisation;
use sqlx::PgExecutor;

pub async fn find_organisation(conn: impl PgExecutor<'_>) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as!(
        Organisation,
        "select name, phone from organisation where organisation_id = 1"
    )
    .fetch_optional(conn)
    .await
}

/// Creates or replaces the one organisation row.
pub async fn upsert_organisation(
    conn: impl PgExecutor<'_>,
    org: &Organisation,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into organisation (organisation_id, name, phone) values (1, $1, $2)
         on conflict (organisation_id) do update set name = excluded.name, phone = excluded.phone",
        org.name,
        org.phone
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_empty_database_has_no_organisation_yet(pool: PgPool) -> sqlx::Result<()> {
        assert_eq!(find_organisation(&pool).await?, None);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn saving_twice_keeps_one_organisation_with_the_latest_values(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let first = Organisation {
            name: "Riverbend Health".into(),
            phone: None,
        };
        upsert_organisation(&pool, &first).await?;
        let second = Organisation {
            phone: Some("(555) 010-2000".into()),
            ..first
        };
        upsert_organisation(&pool, &second).await?;
        assert_eq!(find_organisation(&pool).await?, Some(second));
        let rows: i64 = sqlx::query_scalar!("select count(*) as \"n!\" from organisation")
            .fetch_one(&pool)
            .await?;
        assert_eq!(rows, 1);
        Ok(())
    }
}
