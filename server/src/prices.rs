//! The machine-readable file of standard charges that 45 CFR 180.50 requires, in CMS's template
//! v3.0 (JSON and tall CSV), and `/cms-hpt.txt`, which tells CMS's crawler where it is. Public.
//!
//! Both files are streamed from the catalogue a batch of items at a time: memory follows the
//! batch, not the catalogue. A database failure mid-file ends the response early (the client
//! sees a broken download, never a file that looks complete but is not).

use app::pricing::{cms, db};
use app::state::AppState;
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use futures::stream::{self, Stream, StreamExt};
use std::sync::Arc;

/// Writes one item of the file.
type ItemWriter = Arc<dyn Fn(&cms::Item) -> String + Send + Sync>;

/// Items read per query while streaming.
const STREAM_BATCH: i64 = 500;

fn not_published() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "No standard charges have been published yet.\n",
    )
        .into_response()
}

fn failed() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The file could not be made just now. Please try again in a minute.\n",
    )
        .into_response()
}

enum Step {
    Head,
    Items { after: i32, first: bool },
    Tail,
    Done,
}

/// The file as a stream of chunks: `head`, then each batch of items written by `item`
/// (separated by `between`), then `tail`.
fn file_stream(
    pool: sqlx::PgPool,
    head: String,
    tail: String,
    between: &'static str,
    item: ItemWriter,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    stream::unfold(Step::Head, move |step| {
        let pool = pool.clone();
        let head = head.clone();
        let tail = tail.clone();
        let item = item.clone();
        async move {
            match step {
                Step::Head => Some((
                    Ok(Bytes::from(head)),
                    Step::Items {
                        after: -1,
                        first: true,
                    },
                )),
                Step::Items { after, first } => {
                    let batch = async {
                        let mut conn = pool.acquire().await?;
                        db::select_items_after(&mut conn, after, STREAM_BATCH).await
                    }
                    .await;
                    match batch {
                        Err(e) => {
                            tracing::error!(error = ?e, "standard charges file stopped");
                            Some((Err(std::io::Error::other("database")), Step::Done))
                        }
                        Ok((items, None)) => {
                            debug_assert!(items.is_empty());
                            Some((Ok(Bytes::new()), Step::Tail))
                        }
                        Ok((items, Some(last))) => {
                            let mut out = String::new();
                            for (n, i) in items.iter().enumerate() {
                                if !(first && n == 0) {
                                    out.push_str(between);
                                }
                                out.push_str(&item(i));
                            }
                            Some((
                                Ok(Bytes::from(out)),
                                Step::Items {
                                    after: last,
                                    first: false,
                                },
                            ))
                        }
                    }
                }
                Step::Tail => Some((Ok(Bytes::from(tail)), Step::Done)),
                Step::Done => None,
            }
        }
    })
    // The compression layer polls the body once more after its end, and `unfold` panics when
    // polled after finishing (the download was cut short): fused, it keeps saying "ended".
    // Empty chunks are left out; they carry nothing.
    .filter(|chunk| std::future::ready(!matches!(chunk, Ok(b) if b.is_empty())))
    .fuse()
}

fn download(content_type: &'static str, name: String, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `GET /prices/standard-charges.json`: the template v3.0 JSON.
pub async fn standard_charges_json(State(state): State<AppState>) -> Response {
    let pool = state.db.clone();
    let (file, modifiers) = match (
        db::select_file(&pool).await,
        db::select_modifiers(&pool).await,
    ) {
        (Ok(Some(f)), Ok(m)) => (f, m),
        (Ok(None), _) => return not_published(),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = ?e, "standard charges file");
            return failed();
        }
    };
    let name = format!(
        "{}_standardcharges.json",
        app::library::slugify(&file.hospital_name)
    );
    let body = file_stream(
        pool,
        cms::json_head(&file),
        cms::json_tail(&modifiers),
        ",",
        Arc::new(|i| cms::json_item(i).to_string()),
    );
    download("application/json", name, Body::from_stream(body))
}

/// `GET /prices/standard-charges.csv`: the template v3.0 tall CSV.
pub async fn standard_charges_csv(State(state): State<AppState>) -> Response {
    let pool = state.db.clone();
    let loaded = async {
        Ok::<_, sqlx::Error>((
            db::select_file(&pool).await?,
            db::select_modifiers(&pool).await?,
            db::select_code_columns(&pool).await?,
        ))
    }
    .await;
    let (file, modifiers, columns) = match loaded {
        Ok((Some(f), m, c)) => (f, m, c),
        Ok((None, _, _)) => return not_published(),
        Err(e) => {
            tracing::error!(error = ?e, "standard charges file");
            return failed();
        }
    };
    // Every line has the same columns: as many codes as the item with the most.
    let columns = columns.max(cms::CSV_CODE_COLUMNS);
    let name = format!(
        "{}_standardcharges.csv",
        app::library::slugify(&file.hospital_name)
    );
    let body = file_stream(
        pool,
        cms::csv_head(&file, columns),
        cms::csv_modifier_rows(&modifiers, columns),
        "",
        Arc::new(move |i| cms::csv_rows(i, columns)),
    );
    download("text/csv; charset=utf-8", name, Body::from_stream(body))
}

/// `GET /cms-hpt.txt`: where the machine-readable file is, per location, as CMS's crawler reads
/// it (one block per location, blank lines between).
pub async fn cms_hpt(State(state): State<AppState>) -> Response {
    let file = match db::select_file(&state.db).await {
        Ok(Some(f)) => f,
        Ok(None) => return not_published(),
        Err(e) => {
            tracing::error!(error = ?e, "cms-hpt.txt");
            return failed();
        }
    };
    let origin = state.config.link_origin();
    // The portal's own sender address: the one address the deployment is sure to have set.
    let from = &state.config.email_from;
    let email = from
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(from.as_str(), |(addr, _)| addr)
        .trim();
    let blocks: Vec<String> = file
        .location_names
        .iter()
        .map(|location| {
            format!(
                "location-name: {location}\nsource-page-url: {origin}/prices\nmrf-url: {origin}/prices/standard-charges.json\ncontact-name: {}\ncontact-email: {email}\n",
                file.attester_name
            )
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        blocks.join("\n"),
    )
        .into_response()
}

/// `server import-prices FILE --by EMAIL`: the administrators' import for files over the
/// form's 64 MB limit. The same checks, the same all-or-nothing write and the same kept and
/// audited import as the form; EMAIL must be an enabled administrator's account. A refused
/// file prints its first problems (catalogue data only) and fails.
pub async fn import_file(pool: &sqlx::PgPool, file: &str, by: &str) -> anyhow::Result<()> {
    use app::auth::account::Role;
    use app::pricing::server::{import_bytes, Imported};
    let account = app::auth::account::find_account_by_email(pool, by)
        .await?
        .filter(|a| !a.disabled)
        .ok_or_else(|| anyhow::anyhow!("{by} is not an account here"))?;
    let roles = app::auth::account::roles_of(pool, account.account_id).await?;
    anyhow::ensure!(
        roles.contains(&Role::Administrator),
        "{by} is not an administrator: only administrators replace the price catalogue"
    );
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("reading {file}: {e}"))?;
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let client = app::auth::session::Client::default();
    match import_bytes(pool, account.account_id, &name, bytes, &client)
        .await
        .map_err(|e| anyhow::anyhow!("the import failed: {e}"))?
    {
        Imported::Applied { id, items, rates } => {
            println!("imported {items} services and {rates} insurance rates (import {id})");
            Ok(())
        }
        Imported::Refused { id, problems } => {
            for p in problems.iter().take(20) {
                eprintln!(
                    "line {}, {}: {} ({:?})",
                    p.row, p.column, p.problem, p.value
                );
            }
            anyhow::bail!(
                "{name} was not imported: {} problems (the first {} above); nothing changed. \
                 The whole report is at /admin/prices?import={id}",
                problems.len(),
                problems.len().min(20)
            )
        }
    }
}
