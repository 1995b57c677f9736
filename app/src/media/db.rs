//! The media queries. An image and its variants are written once, in one statement each, and
//! never changed; storing the same picture again finds the row already there.

use super::domain::ImageRef;
use super::process::ProcessedImage;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

fn image_ref(hash: String, width: i32, height: i32) -> ImageRef {
    ImageRef {
        hash,
        width: u32::try_from(width).unwrap_or(0),
        height: u32::try_from(height).unwrap_or(0),
    }
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Stores `image` and its variants unless an image with its key is already stored.
pub async fn insert_image(
    conn: &mut PgConnection,
    uploaded_by: Uuid,
    image: &ProcessedImage,
) -> sqlx::Result<ImageRef> {
    let inserted = sqlx::query!(
        "insert into media_image (media_hash, content_type, width, height, uploaded_by)
         values ($1, 'image/jpeg', $2, $3, $4)
         on conflict (media_hash) do nothing",
        image.hash,
        int(image.width),
        int(image.height),
        uploaded_by
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        let widths: Vec<i32> = image.variants.iter().map(|v| int(v.width)).collect();
        let heights: Vec<i32> = image.variants.iter().map(|v| int(v.height)).collect();
        let bytes: Vec<Vec<u8>> = image.variants.iter().map(|v| v.jpeg.clone()).collect();
        sqlx::query!(
            "insert into media_variant (media_hash, width, height, bytes)
             select $1, * from unnest($2::int[], $3::int[], $4::bytea[])",
            image.hash,
            &widths,
            &heights,
            &bytes
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(ImageRef {
        hash: image.hash.clone(),
        width: image.width,
        height: image.height,
    })
}

/// The stored image with key `hash`, if there is one.
pub async fn find_image(conn: impl PgExecutor<'_>, hash: &str) -> sqlx::Result<Option<ImageRef>> {
    let row = sqlx::query!(
        "select media_hash, width, height from media_image where media_hash = $1",
        hash
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| image_ref(r.media_hash, r.width, r.height)))
}

/// The encoded bytes of one stored width of an image.
pub async fn select_variant(
    conn: impl PgExecutor<'_>,
    hash: &str,
    width: u32,
) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "select bytes from media_variant where media_hash = $1 and width = $2",
        hash,
        int(width)
    )
    .fetch_optional(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    async fn someone(pool: &PgPool) -> Uuid {
        sqlx::query_scalar!(
            "insert into account (account_id, email, display_name, password_hash)
             values (gen_random_uuid(), 'editor@example.org', 'Editor', '$argon2id$x')
             returning account_id"
        )
        .fetch_one(pool)
        .await
        .unwrap_or_default()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn media_storing_the_same_picture_twice_keeps_one_copy(pool: PgPool) -> sqlx::Result<()> {
        let me = someone(&pool).await;
        let image =
            super::super::process::process_image(&super::super::process::tests::png(1000, 500))
                .unwrap_or_else(|e| panic!("{e:?}"));
        let mut conn = pool.acquire().await?;
        let first = insert_image(&mut conn, me, &image).await?;
        let again = insert_image(&mut conn, me, &image).await?;
        assert_eq!(first, again);
        let variants: i64 = sqlx::query_scalar!(
            r#"select count(*) as "n!" from media_variant where media_hash = $1"#,
            image.hash
        )
        .fetch_one(&pool)
        .await?;
        assert_eq!(variants, 3);
        assert_eq!(find_image(&pool, &image.hash).await?, Some(first));
        let bytes = select_variant(&pool, &image.hash, 400).await?;
        assert_eq!(
            bytes.as_deref(),
            image.variants.get(2).map(|v| v.jpeg.as_slice())
        );
        assert_eq!(select_variant(&pool, &image.hash, 1600).await?, None);
        Ok(())
    }
}
