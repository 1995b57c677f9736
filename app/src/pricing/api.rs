//! Price transparency's server functions: the public estimator (anyone) and the catalogue's
//! import and history (administrators).

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::{error::FromServerFnError, request::Req};

/// The largest catalogue file a form may post. Larger files go through `server import-prices`.
pub const MAX_CATALOGUE_BYTES: usize = 64 * 1024 * 1024;
/// The whole request: the file and a little more, so that a file just over the limit reaches
/// the function (which says "too large" on the page) rather than a bare 413.
pub const CATALOGUE_BODY_LIMIT: usize = MAX_CATALOGUE_BYTES + 1024 * 1024;

/// The estimator: items matching `words` (plain words in English or Spanish, or a billing
/// code), with each one's cash price, gross charge and range of negotiated rates, and the rate
/// of `plan` (a plan's id) when one is picked; only drugs (priced per unit) when `drugs` is
/// "1". `language` names things ("en" or "es"). Anyone may call it: these are public prices.
#[server]
pub async fn search_prices(
    language: String,
    words: Option<String>,
    plan: Option<String>,
    page: Option<i64>,
    drugs: Option<String>,
) -> Result<PriceSearch, AppError> {
    let drugs_only = drugs.is_some_and(|d| d == "1");
    crate::error::with_status(server::search(language, words, plan, page, drugs_only).await)
}

/// One item's page: every setting's charges with every payer's rate, the services usually
/// billed with it, and `plan`'s rate picked out. Anyone may call it.
#[server]
pub async fn get_price(
    language: String,
    item_id: String,
    plan: Option<String>,
) -> Result<PriceDetail, AppError> {
    crate::error::with_status(server::detail(language, item_id, plan).await)
}

/// Replaces the catalogue with a CMS template v3.0 file (tall CSV or JSON, told apart by their
/// content) posted as `multipart/form-data` with the file as `catalogue`. All or nothing: a file
/// with any problem changes nothing, and the answer (422) names the import whose report lists
/// every problem by line and column. Administrators only; the body is read only after that
/// check. Audited.
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn import_price_catalogue(form: CatalogueForm) -> Result<(), AppError> {
    crate::error::with_status(server::import(form).await)
}

/// The catalogue's size and its imports, newest first. Administrators only.
#[server]
pub async fn price_catalogue_admin() -> Result<CatalogueAdmin, AppError> {
    crate::error::with_status(server::admin().await)
}

/// One import's report: what was read, or every problem found. Administrators only.
#[server]
pub async fn price_import_report(import_id: String) -> Result<ImportReport, AppError> {
    crate::error::with_status(server::report(import_id).await)
}

/// The import form's body, not yet read.
pub struct CatalogueForm {
    #[cfg(feature = "ssr")]
    body: crate::media::PostedBody,
}

impl std::fmt::Debug for CatalogueForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogueForm").finish_non_exhaustive()
    }
}

impl<E, R> server_fn::codec::FromReq<crate::media::UploadForm, R, E> for ImportPriceCatalogue
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    async fn from_req(req: R) -> Result<Self, E> {
        #[cfg(feature = "ssr")]
        {
            let body =
                crate::media::posted_body(req, CATALOGUE_BODY_LIMIT, MAX_CATALOGUE_BYTES).await?;
            Ok(CatalogueForm { body }.into())
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = req;
            Ok(CatalogueForm {}.into())
        }
    }
}

impl<E, R> server_fn::codec::IntoReq<crate::media::UploadForm, R, E> for ImportPriceCatalogue
where
    R: server_fn::request::ClientReq<E>,
    E: FromServerFnError,
{
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(crate::media::posted_only())
    }
}

/// The body limit for the import form's address.
pub fn catalogue_body_limit(path: &str) -> Option<usize> {
    use server_fn::ServerFn;
    (path == <ImportPriceCatalogue as ServerFn>::PATH).then_some(CATALOGUE_BODY_LIMIT)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::{cms, db};
    use super::*;
    use crate::audit::{AuditEvent, Outcome};
    use std::collections::BTreeMap;
    use uuid::Uuid;

    fn language(l: &str) -> &'static str {
        if l == "es" {
            "es"
        } else {
            "en"
        }
    }

    fn plan_id(plan: Option<String>) -> Option<Uuid> {
        plan.and_then(|p| Uuid::parse_str(p.trim()).ok())
    }

    pub async fn search(
        language: String,
        words: Option<String>,
        plan: Option<String>,
        page: Option<i64>,
        drugs_only: bool,
    ) -> Result<PriceSearch, AppError> {
        let language = self::language(&language);
        let words: String = words.unwrap_or_default().trim().chars().take(200).collect();
        let page = page.unwrap_or(1).clamp(1, 10_000);
        let mut conn = crate::state::db()?.acquire().await?;
        let plans = db::select_plans(&mut *conn).await?;
        let plan =
            plan_id(plan).and_then(|id| plans.iter().find(|p| p.id == id.to_string()).cloned());
        let plan_uuid = plan.as_ref().and_then(|p| Uuid::parse_str(&p.id).ok());
        let (items, total) = db::search_items(
            &mut conn,
            language,
            &words,
            plan_uuid,
            drugs_only,
            PRICE_PAGE,
            (page - 1) * PRICE_PAGE,
        )
        .await?;
        let published = db::select_file(&mut *conn).await?.is_some();
        Ok(PriceSearch {
            items,
            total,
            page,
            pages: (total + PRICE_PAGE - 1) / PRICE_PAGE,
            plans,
            plan,
            published,
            drugs_only,
        })
    }

    pub async fn detail(
        language: String,
        item_id: String,
        plan: Option<String>,
    ) -> Result<PriceDetail, AppError> {
        let language = self::language(&language);
        let id = Uuid::parse_str(item_id.trim()).map_err(|_| AppError::NotFound)?;
        let mut conn = crate::state::db()?.acquire().await?;
        let item = db::select_item(&mut conn, language, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let ancillaries = if item.shoppable {
            db::select_ancillaries(&mut conn, language, id).await?
        } else {
            Vec::new()
        };
        let plans = db::select_plans(&mut *conn).await?;
        let plan =
            plan_id(plan).and_then(|id| plans.iter().find(|p| p.id == id.to_string()).cloned());
        let per = if language == "es" { "por" } else { "per" };
        Ok(PriceDetail {
            id: id.to_string(),
            description: if item.description == item.name {
                String::new()
            } else {
                item.description
            },
            name: item.name,
            summary: item.summary,
            codes: item.codes,
            drug_unit: item
                .drug
                .map(|(u, t)| format!("{per} {} {t}", u.normalize())),
            shoppable: item.shoppable,
            part_of: item.part_of.map(|(id, name)| (id.to_string(), name)),
            charges: item.charges,
            ancillaries,
            plans,
            plan,
        })
    }

    /// Reads the posted form: the file's name and bytes, or why there are none.
    async fn read(form: CatalogueForm) -> Result<(String, Vec<u8>), &'static str> {
        let mut body = match form.body {
            crate::media::PostedBody::Multipart(body) => body,
            crate::media::PostedBody::Fields(_) => return Err("missing"),
        };
        loop {
            match body.next_field().await {
                Ok(Some(field)) => {
                    if field.name() != Some("catalogue") || field.file_name().is_none() {
                        continue;
                    }
                    let name: String = field
                        .file_name()
                        .unwrap_or_default()
                        .chars()
                        .take(200)
                        .collect();
                    return match field.bytes().await {
                        Ok(b) if b.is_empty() => Err("missing"),
                        Ok(b) => Ok((name, b.to_vec())),
                        Err(_) => Err("too_large"),
                    };
                }
                Ok(None) => return Err("missing"),
                Err(_) => return Err("too_large"),
            }
        }
    }

    pub async fn import(form: CatalogueForm) -> Result<(), AppError> {
        let caller =
            crate::auth::server::require_role(crate::auth::account::Role::Administrator).await?;
        let (file_name, bytes) = read(form).await.map_err(|problem| {
            AppError::Validation(BTreeMap::from([("file".to_string(), problem.to_string())]))
        })?;
        let pool = crate::state::db()?;
        let client = crate::auth::server::current_client();
        let done =
            import_bytes(&pool, caller.account.account_id, &file_name, bytes, &client).await?;
        match done {
            Imported::Applied { id, .. } => {
                leptos_axum::redirect(&format!("/admin/prices?import={id}"));
                Ok(())
            }
            Imported::Refused { id, .. } => Err(AppError::Validation(BTreeMap::from([(
                "import".to_string(),
                id.to_string(),
            )]))),
        }
    }

    /// What an import did: the catalogue replaced, or the file refused with its problems (either
    /// way kept as the import `id`).
    #[derive(Debug)]
    pub enum Imported {
        Applied {
            id: Uuid,
            items: i32,
            rates: i32,
        },
        Refused {
            id: Uuid,
            problems: Vec<cms::Problem>,
        },
    }

    /// Replaces the catalogue with a CMS v3.0 file (tall CSV or JSON, told apart by content) for
    /// administrator `me`, all or nothing, keeping and auditing the import either way. The form
    /// and `server import-prices` (files over the form's limit) both come here; they check who
    /// `me` is first.
    pub async fn import_bytes(
        pool: &sqlx::PgPool,
        me: Uuid,
        file_name: &str,
        bytes: Vec<u8>,
        client: &crate::auth::session::Client,
    ) -> Result<Imported, AppError> {
        let json = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
            == Some(&b'{');
        let format = if json { "json" } else { "csv" };
        // Parsing a large file is CPU work: off the async threads.
        let parsed = tokio::task::spawn_blocking(move || {
            if json {
                cms::read_json(&bytes)
            } else {
                cms::read_tall_csv(&bytes)
            }
        })
        .await
        .map_err(|_| AppError::Internal)?;
        match parsed {
            Err(problems) => {
                let id = db::insert_import(
                    pool,
                    me,
                    file_name,
                    format,
                    false,
                    0,
                    0,
                    serde_json::to_value(&problems).unwrap_or_default(),
                )
                .await?;
                let event = AuditEvent::new("prices.import", Outcome::Failure)
                    .by(me)
                    .on("price_import", id)
                    .from_client(client.ip, client.user_agent.as_deref());
                crate::audit::record(pool, &event).await?;
                Ok(Imported::Refused { id, problems })
            }
            Ok(catalogue) => {
                let items = i32::try_from(catalogue.items.len()).unwrap_or(i32::MAX);
                let rates = i32::try_from(catalogue.rate_count()).unwrap_or(i32::MAX);
                let mut tx = pool.begin().await?;
                db::replace_catalogue(&mut tx, &catalogue).await?;
                let id = db::insert_import(
                    &mut *tx,
                    me,
                    file_name,
                    format,
                    true,
                    items,
                    rates,
                    serde_json::json!([]),
                )
                .await?;
                let event = AuditEvent::new("prices.import", Outcome::Success)
                    .by(me)
                    .on("price_import", id)
                    .from_client(client.ip, client.user_agent.as_deref());
                crate::audit::record(&mut *tx, &event).await?;
                tx.commit().await?;
                Ok(Imported::Applied { id, items, rates })
            }
        }
    }

    fn summary(row: &db::ImportRow) -> ImportSummary {
        ImportSummary {
            id: row.id.to_string(),
            file_name: row.file_name.clone(),
            format: row.format.clone(),
            applied: row.applied,
            items: row.items,
            rates: row.rates,
            problem_count: row.problems.as_array().map_or(0, Vec::len),
            by: row.by.clone(),
            at: row.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    pub async fn admin() -> Result<CatalogueAdmin, AppError> {
        crate::auth::server::require_role(crate::auth::account::Role::Administrator).await?;
        let mut conn = crate::state::db()?.acquire().await?;
        let (items, rates) = db::select_counts(&mut *conn).await?;
        let hospital = db::select_file(&mut *conn).await?.map(|f| f.hospital_name);
        let imports = db::select_imports(&mut *conn, 20)
            .await?
            .iter()
            .map(summary)
            .collect();
        Ok(CatalogueAdmin {
            items,
            rates,
            hospital,
            imports,
        })
    }

    pub async fn report(import_id: String) -> Result<ImportReport, AppError> {
        crate::auth::server::require_role(crate::auth::account::Role::Administrator).await?;
        let id = Uuid::parse_str(import_id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let row = db::select_import(&pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let problems: Vec<cms::Problem> =
            serde_json::from_value(row.problems.clone()).unwrap_or_default();
        Ok(ImportReport {
            summary: summary(&row),
            problems: problems
                .into_iter()
                .map(|p| ImportProblem {
                    row: p.row,
                    column: p.column,
                    problem: p.problem,
                    value: p.value,
                })
                .collect(),
        })
    }
}
