//! Records' queries. Patient-side reads pass `released_only` and `show_confidential` from the
//! caller's access, so an unreleased or confidential item never leaves the database for someone
//! who may not see it.

use super::fhir::{Item, PatientIdentity};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn patient_identity(
    conn: &mut PgConnection,
    patient: Uuid,
) -> sqlx::Result<Option<PatientIdentity>> {
    let row = sqlx::query!(
        "select given_name, family_name, birth_date, sex from patient where patient_id = $1",
        patient
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| PatientIdentity {
        patient_id: patient,
        given_name: r.given_name,
        family_name: r.family_name,
        birth_date: r.birth_date,
        sex: r.sex,
    }))
}

/// An item as the pages and the export read it.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub item_id: Uuid,
    pub resource_type: String,
    pub category: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub display: String,
    pub effective_at: Option<DateTime<Utc>>,
    pub status: String,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    pub interpretation: Option<String>,
    pub report_id: Option<Uuid>,
    pub confidential: bool,
    pub source_id: Option<Uuid>,
    pub source_name: Option<String>,
    pub resource: serde_json::Value,
}

/// The patient's items of `types`, newest first. `released_only` and `show_confidential` come
/// from the caller's access.
pub async fn select_items(
    conn: &mut PgConnection,
    patient: Uuid,
    types: &[&str],
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Vec<ItemRow>> {
    let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
    sqlx::query_as!(
        ItemRow,
        // language=PostgreSQL
        r#"select i.item_id, i.resource_type, i.category, i.code_system, i.code, i.display,
                  i.effective_at, i.status, i.value, i.unit, i.ref_low, i.ref_high,
                  i.interpretation, i.report_id, i.confidential, i.source_id,
                  s.name as "source_name?", i.resource
           from record_item i
           left join record_source s using (source_id)
           where i.patient_id = $1
             and i.resource_type = any($2)
             and (not $3 or i.released_at <= now())
             and ($4 or not i.confidential)
             and i.status <> 'entered-in-error'
           order by i.effective_at desc nulls last, i.display"#,
        patient,
        &types,
        released_only,
        show_confidential
    )
    .fetch_all(conn)
    .await
}

/// The newest readings the patient entered at home, newest first.
pub async fn select_patient_reported(
    conn: &mut PgConnection,
    patient: Uuid,
    show_confidential: bool,
    limit: i64,
) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as!(
        ItemRow,
        // language=PostgreSQL
        r#"select i.item_id, i.resource_type, i.category, i.code_system, i.code, i.display,
                  i.effective_at, i.status, i.value, i.unit, i.ref_low, i.ref_high,
                  i.interpretation, i.report_id, i.confidential, i.source_id,
                  s.name as "source_name?", i.resource
           from record_item i
           left join record_source s using (source_id)
           where i.patient_id = $1
             and i.resource_type = 'Observation'
             and i.category = 'patient-reported'
             and i.released_at <= now()
             and ($2 or not i.confidential)
             and i.status <> 'entered-in-error'
           order by i.effective_at desc nulls last, i.display
           limit $3"#,
        patient,
        show_confidential,
        limit
    )
    .fetch_all(conn)
    .await
}

/// The newest vital sign of each kind (blood pressure, weight…), for the summary.
pub async fn select_latest_vitals(
    conn: &mut PgConnection,
    patient: Uuid,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as!(
        ItemRow,
        // language=PostgreSQL
        r#"select distinct on (coalesce(i.code, i.display))
                  i.item_id, i.resource_type, i.category, i.code_system, i.code, i.display,
                  i.effective_at, i.status, i.value, i.unit, i.ref_low, i.ref_high,
                  i.interpretation, i.report_id, i.confidential, i.source_id,
                  s.name as "source_name?", i.resource
           from record_item i
           left join record_source s using (source_id)
           where i.patient_id = $1 and i.resource_type = 'Observation' and i.category = 'vital-signs'
             and (not $2 or i.released_at <= now())
             and ($3 or not i.confidential)
             and i.status <> 'entered-in-error'
           order by coalesce(i.code, i.display), i.effective_at desc nulls last"#,
        patient,
        released_only,
        show_confidential
    )
    .fetch_all(conn)
    .await
}

/// Whether the patient has confidential items the caller is not shown.
pub async fn has_confidential(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from record_item where patient_id = $1 and confidential) as "e!""#,
        patient
    )
    .fetch_one(conn)
    .await
}

/// The test code of `patient`'s result value `item`, when the caller may see that value (the
/// same visibility as [`select_trend`]).
pub async fn select_result_code(
    conn: &mut PgConnection,
    patient: Uuid,
    item: Uuid,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"select code from record_item
           where item_id = $2 and patient_id = $1 and resource_type = 'Observation'
             and value is not null
             and (not $3 or released_at <= now())
             and ($4 or not confidential)
             and status <> 'entered-in-error'"#,
        patient,
        item,
        released_only,
        show_confidential
    )
    .fetch_optional(conn)
    .await?
    .flatten())
}

/// Every value of `patient`'s test `code` the caller may see, oldest first.
pub async fn select_trend(
    conn: &mut PgConnection,
    patient: Uuid,
    code: &str,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as!(
        ItemRow,
        // language=PostgreSQL
        r#"select i.item_id, i.resource_type, i.category, i.code_system, i.code, i.display,
                  i.effective_at, i.status, i.value, i.unit, i.ref_low, i.ref_high,
                  i.interpretation, i.report_id, i.confidential, i.source_id,
                  s.name as "source_name?", i.resource
           from record_item i
           left join record_source s using (source_id)
           where i.patient_id = $1 and i.resource_type = 'Observation' and i.code = $2
             and i.value is not null
             and (not $3 or i.released_at <= now())
             and ($4 or not i.confidential)
             and i.status <> 'entered-in-error'
           order by i.effective_at nulls first, i.item_id"#,
        patient,
        code,
        released_only,
        show_confidential
    )
    .fetch_all(conn)
    .await
}

/// Of `items`, those `account` has not seen yet.
pub async fn unseen(
    conn: &mut PgConnection,
    account: Uuid,
    items: &[Uuid],
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select i as "i!" from unnest($2::uuid[]) i
           where not exists (select 1 from record_seen s where s.account_id = $1 and s.item_id = i)"#,
        account,
        items
    )
    .fetch_all(conn)
    .await
}

pub async fn mark_seen(conn: &mut PgConnection, account: Uuid, items: &[Uuid]) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into record_seen (account_id, item_id)
         select $1, i from unnest($2::uuid[]) i
         on conflict do nothing",
        account,
        items
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Released results (observations outside vital signs, and reports) `account` has not opened.
pub async fn count_new_results(
    conn: &mut PgConnection,
    account: Uuid,
    patient: Uuid,
    show_confidential: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from record_item i
           where i.patient_id = $2
             and (i.resource_type = 'DiagnosticReport'
                  or (i.resource_type = 'Observation'
                      and i.category not in ('vital-signs', 'patient-reported')))
             and i.released_at <= now()
             and ($3 or not i.confidential)
             and i.status <> 'entered-in-error'
             and not exists (select 1 from record_seen s where s.account_id = $1 and s.item_id = i.item_id)"#,
        account,
        patient,
        show_confidential
    )
    .fetch_one(conn)
    .await
}

/// How many values each of `codes` has for the patient (for "see the trend" links).
pub async fn code_counts(
    conn: &mut PgConnection,
    patient: Uuid,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"select code as "code!", count(*) as "n!" from record_item
           where patient_id = $1 and resource_type = 'Observation' and code is not null
             and value is not null
             and (not $2 or released_at <= now())
             and ($3 or not confidential)
             and status <> 'entered-in-error'
           group by code"#,
        patient,
        released_only,
        show_confidential
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.n)).collect())
}

/// A published article about each of `codes`: (code, slug, title), the reader's language first.
pub async fn articles_for_codes(
    conn: &mut PgConnection,
    codes: &[String],
    language: &str,
) -> sqlx::Result<Vec<(String, String, String)>> {
    let rows = sqlx::query!(
        r#"select distinct on (c.code) c.code as "code!", a.slug, a.title
           from published_article a
           cross join lateral jsonb_array_elements(a.conditions) as x(condition)
           cross join lateral (select x.condition ->> 'code' as code) c
           where c.code = any($1) and a.visible_from <= now()
           order by c.code, (a.language = $2) desc, a.featured desc, a.visible_from desc"#,
        codes,
        language
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.code, r.slug, r.title))
        .collect())
}

/// The patient's outside records: (name, imported at).
pub async fn select_sources(
    conn: &mut PgConnection,
    patient: Uuid,
) -> sqlx::Result<Vec<(Uuid, String, DateTime<Utc>)>> {
    let rows = sqlx::query!(
        "select source_id, name, imported_at from record_source where patient_id = $1
         order by imported_at",
        patient
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.source_id, r.name, r.imported_at))
        .collect())
}

/// When the same file was imported before for this patient.
pub async fn find_source_by_hash(
    conn: &mut PgConnection,
    patient: Uuid,
    sha256: &[u8],
) -> sqlx::Result<Option<(String, i32)>> {
    let row = sqlx::query!(
        "select name, items from record_source where patient_id = $1 and bundle_sha256 = $2",
        patient,
        sha256
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.name, r.items)))
}

/// Of these content hashes, the ones already stored for the patient, with their items' ids.
pub async fn existing_content(
    conn: &mut PgConnection,
    patient: Uuid,
    hashes: &[Vec<u8>],
) -> sqlx::Result<Vec<(Vec<u8>, Uuid)>> {
    let rows = sqlx::query!(
        r#"select content_sha256 as "sha!", item_id from record_item
           where patient_id = $1 and content_sha256 = any($2)"#,
        patient,
        hashes
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.sha, r.item_id)).collect())
}

pub async fn insert_source(
    conn: &mut PgConnection,
    source: Uuid,
    patient: Uuid,
    name: &str,
    sha256: &[u8],
    items: i32,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into record_source (source_id, patient_id, name, bundle_sha256, items, imported_by)
         values ($1, $2, $3, $4, $5, $6)",
        source,
        patient,
        name,
        sha256,
        items,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores items (one statement for all, so a 5,000-resource bundle is one round trip) and
/// their first versions. Own items (`source` none) are released by the release rules; outside
/// records at once. Returns how many were added (an item already stored is skipped).
pub async fn insert_items(
    conn: &mut PgConnection,
    patient: Uuid,
    items: &[Item],
    source: Option<Uuid>,
    by: Option<Uuid>,
) -> sqlx::Result<u64> {
    let mut ids = Vec::with_capacity(items.len());
    let (mut types, mut categories, mut systems, mut codes, mut displays) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut dates, mut statuses, mut values, mut units, mut lows, mut highs) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut interpretations, mut reports, mut confidential, mut hashes, mut resources) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in items {
        let f = &item.fields;
        ids.push(item.item_id);
        types.push(f.resource_type.clone());
        categories.push(f.category.clone());
        systems.push(f.code_system.clone());
        codes.push(f.code.clone());
        displays.push(f.display.clone());
        dates.push(f.effective_at);
        statuses.push(f.status.clone());
        values.push(f.value);
        units.push(f.unit.clone());
        lows.push(f.ref_low);
        highs.push(f.ref_high);
        interpretations.push(f.interpretation.clone());
        reports.push(item.report_id);
        confidential.push(f.confidential);
        hashes.push(source.map(|_| item.content_sha256.to_vec()));
        resources.push(item.resource.clone());
    }
    let added = sqlx::query_scalar!(
        // language=PostgreSQL
        r#"with new as (
               insert into record_item (item_id, patient_id, resource_type, category, code_system,
                                        code, display, effective_at, status, value, unit, ref_low,
                                        ref_high, interpretation, report_id, confidential,
                                        released_at, source_id, content_sha256, resource,
                                        recorded_by)
               select n.id, $1, n.type, n.category, n.system, n.code, n.display, n.at, n.status,
                      n.value, n.unit, n.low, n.high, n.interpretation, n.report, n.confidential,
                      case when $19::uuid is null
                           then greatest(now(), coalesce(n.at, now())
                                + make_interval(hours => coalesce(r.delay_hours, 0)))
                           else now() end,
                      $19, n.sha, n.resource, $20
               from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::timestamptz[], $9::text[], $10::float8[], $11::text[], $12::float8[],
                           $13::float8[], $14::text[], $15::uuid[], $16::bool[], $17::bytea[],
                           $18::jsonb[])
                    as n(id, type, category, system, code, display, at, status, value, unit, low,
                         high, interpretation, report, confidential, sha, resource)
               left join record_release_rule r on r.category = n.category
               on conflict (patient_id, content_sha256) where content_sha256 is not null do nothing
               returning item_id, resource)
           , versions as (
               insert into record_item_version (item_id, version, resource, changed_by)
               select item_id, 1, resource, $20 from new
               returning 1)
           select count(*) as "n!" from versions"#,
        patient,
        &ids,
        &types,
        &categories,
        &systems as &[Option<String>],
        &codes as &[Option<String>],
        &displays,
        &dates as &[Option<DateTime<Utc>>],
        &statuses,
        &values as &[Option<f64>],
        &units as &[Option<String>],
        &lows as &[Option<f64>],
        &highs as &[Option<f64>],
        &interpretations as &[Option<String>],
        &reports as &[Option<Uuid>],
        &confidential,
        &hashes as &[Option<Vec<u8>>],
        &resources,
        source,
        by
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(added).unwrap_or(0))
}

/// An import kept aside while the patient decides whether to keep its valid entries.
pub async fn insert_pending(
    conn: &mut PgConnection,
    pending: Uuid,
    patient: Uuid,
    account: Uuid,
    bundle: &[u8],
    problems: &serde_json::Value,
    valid: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from record_import_pending where expires_at < now() or (account_id = $1 and patient_id = $2)",
        account,
        patient
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into record_import_pending (pending_id, patient_id, account_id, bundle, problems, valid)
         values ($1, $2, $3, $4, $5, $6)",
        pending,
        patient,
        account,
        bundle,
        problems,
        valid
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Pending {
    pub patient_id: Uuid,
    pub bundle: Vec<u8>,
    pub problems: serde_json::Value,
    pub valid: i32,
}

/// The caller's own pending import, while it has not expired.
pub async fn find_pending(
    conn: &mut PgConnection,
    pending: Uuid,
    account: Uuid,
) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as!(
        Pending,
        "select patient_id, bundle, problems, valid from record_import_pending
         where pending_id = $1 and account_id = $2 and expires_at > now()",
        pending,
        account
    )
    .fetch_optional(conn)
    .await
}

pub async fn delete_pending(conn: &mut PgConnection, pending: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from record_import_pending where pending_id = $1",
        pending
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The organisation's name, for the export's author.
pub async fn organisation_name(conn: &mut PgConnection) -> sqlx::Result<String> {
    Ok(
        sqlx::query_scalar!("select name from organisation where organisation_id = 1")
            .fetch_optional(conn)
            .await?
            .unwrap_or_else(|| crate::organisation::PRODUCT_NAME.to_string()),
    )
}

/// A visit's after-visit summary as the visits page reads it.
pub struct SummaryRow {
    pub item_id: Uuid,
    /// The visit it is about: `urn:uuid:<encounter item id>`.
    pub encounter: String,
    pub resource: serde_json::Value,
    pub version: i32,
    /// The document's date (when this version was written), else when it was stored.
    pub written_at: DateTime<Utc>,
}

/// The patient's after-visit summaries (documents of type [`super::fhir::AFTER_VISIT_SUMMARY`]
/// that name a visit), with the same visibility as [`select_items`].
pub async fn select_visit_summaries(
    conn: &mut PgConnection,
    patient: Uuid,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Vec<SummaryRow>> {
    sqlx::query_as!(
        SummaryRow,
        r#"select item_id, resource #>> '{context,encounter,0,reference}' as "encounter!",
                  resource, version, coalesce(effective_at, updated_at) as "written_at!"
           from record_item
           where patient_id = $1 and resource_type = 'DocumentReference' and code = $2
             and resource #>> '{context,encounter,0,reference}' is not null
             and (not $3 or released_at <= now())
             and ($4 or not confidential)"#,
        patient,
        super::fhir::AFTER_VISIT_SUMMARY,
        released_only,
        show_confidential
    )
    .fetch_all(conn)
    .await
}

/// The after-visit summary of visit `encounter` (`urn:uuid:<item id>`), locked for a
/// correction; by the document-encounter index, not by reading every summary.
pub async fn lock_visit_summary(
    conn: &mut PgConnection,
    patient: Uuid,
    encounter: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        r#"select item_id from record_item
           where resource_type = 'DocumentReference'
             and resource #>> '{context,encounter,0,reference}' = $2
             and patient_id = $1 and code = $3
           limit 1
           for update"#,
        patient,
        encounter,
        super::fhir::AFTER_VISIT_SUMMARY
    )
    .fetch_optional(conn)
    .await
}

/// One of the patient's items the caller may see (as [`select_items`]), locked until the
/// transaction ends, for a change: (resource, version, imported?).
pub async fn lock_item(
    conn: &mut PgConnection,
    patient: Uuid,
    item: Uuid,
    resource_type: &str,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Option<(serde_json::Value, i32, bool)>> {
    Ok(sqlx::query!(
        r#"select resource, version, source_id is not null as "imported!" from record_item
           where item_id = $1 and patient_id = $2 and resource_type = $3
             and (not $4 or released_at <= now())
             and ($5 or not confidential)
           for update"#,
        item,
        patient,
        resource_type,
        released_only,
        show_confidential
    )
    .fetch_optional(conn)
    .await?
    .map(|r| (r.resource, r.version, r.imported)))
}

/// Replaces an item's resource with a new version (the fields the pages read follow it) and
/// keeps the version, who and why, beside every earlier one. Nothing is erased.
pub async fn new_version(
    conn: &mut PgConnection,
    item: Uuid,
    resource: &serde_json::Value,
    fields: &super::fhir::Extracted,
    by: Uuid,
    reason: &str,
) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"with changed as (
               update record_item
                  set resource = $2, display = $3, status = $4, effective_at = $5,
                      version = version + 1, recorded_by = $6, category = $8,
                      code_system = $9, code = $10, value = $11, unit = $12, ref_low = $13,
                      ref_high = $14, interpretation = $15, confidential = $16
                where item_id = $1
               returning item_id, version, resource)
           insert into record_item_version (item_id, version, resource, changed_by, reason)
           select item_id, version, resource, $6, $7 from changed
           returning version"#,
        item,
        resource,
        fields.display,
        fields.status,
        fields.effective_at,
        by,
        reason,
        fields.category,
        fields.code_system,
        fields.code,
        fields.value,
        fields.unit,
        fields.ref_low,
        fields.ref_high,
        fields.interpretation,
        fields.confidential
    )
    .fetch_one(conn)
    .await
}

/// One version of an item: who changed it, when and why.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i32,
    pub changed_at: DateTime<Utc>,
    pub by: Option<String>,
    pub reason: Option<String>,
}

/// Every version of an item, the first first.
pub async fn select_versions(conn: &mut PgConnection, item: Uuid) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as!(
        VersionRow,
        r#"select v.version, v.changed_at, a.display_name as "by?", v.reason
           from record_item_version v
           left join account a on a.account_id = v.changed_by
           where v.item_id = $1
           order by v.version"#,
        item
    )
    .fetch_all(conn)
    .await
}

/// Releases a held result of the patient now — a report with its values — and says when it
/// would have been released; `None` when there is no such result or it is already out.
pub async fn release_now(
    conn: &mut PgConnection,
    patient: Uuid,
    item: Uuid,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let held = sqlx::query_scalar!(
        r#"select released_at from record_item
           where item_id = $1 and patient_id = $2
             and resource_type in ('Observation', 'DiagnosticReport')
             and released_at > now()
           for update"#,
        item,
        patient
    )
    .fetch_optional(&mut *conn)
    .await?;
    if held.is_some() {
        sqlx::query!(
            "update record_item set released_at = now()
             where patient_id = $2 and (item_id = $1 or report_id = $1) and released_at > now()",
            item,
            patient
        )
        .execute(conn)
        .await?;
    }
    Ok(held)
}

/// The patient's results not yet released, and when each will be, for staff.
pub async fn held_results(
    conn: &mut PgConnection,
    patient: Uuid,
) -> sqlx::Result<Vec<(Uuid, DateTime<Utc>)>> {
    let rows = sqlx::query!(
        r#"select item_id, released_at from record_item
           where patient_id = $1 and resource_type in ('Observation', 'DiagnosticReport')
             and released_at > now()"#,
        patient
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.item_id, r.released_at))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sqlx::PgPool;
    use std::collections::HashMap;

    async fn patient(pool: &PgPool) -> Uuid {
        let id = Uuid::new_v4();
        sqlx::query(
            "insert into patient (patient_id, given_name, family_name, birth_date, sex)
             values ($1, 'Rosa', 'Delgado', '1975-04-09', 'female')",
        )
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
        id
    }

    fn own(category: &str, at: DateTime<Utc>) -> Item {
        let resource = json!({
            "resourceType": "Observation", "status": "final",
            "category": [{ "coding": [{ "code": category }] }],
            "code": { "text": "Chest X-ray" },
            "subject": { "reference": "urn:uuid:x" },
            "effectiveDateTime": at.to_rfc3339(),
        });
        let mut problems = Vec::new();
        let fields =
            super::super::fhir::extract(&resource, 1, &HashMap::new(), &mut problems).unwrap();
        Item {
            item_id: Uuid::new_v4(),
            content_sha256: super::super::fhir::canonical_sha256(&resource),
            resource,
            fields,
            report_id: None,
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_result_reaches_the_patient_when_its_category_releases_it(pool: PgPool) {
        let p = patient(&pool).await;
        let mut conn = pool.acquire().await.unwrap();
        let now = Utc::now();
        let items = [
            own("laboratory", now),
            own("imaging", now),
            own("imaging", now - chrono::Duration::hours(73)),
        ];
        assert_eq!(
            insert_items(&mut conn, p, &items, None, None)
                .await
                .unwrap(),
            3
        );
        let patient_side = select_items(&mut conn, p, &["Observation"], true, true)
            .await
            .unwrap();
        let ids: Vec<Uuid> = patient_side.iter().map(|r| r.item_id).collect();
        assert!(ids.contains(&items[0].item_id), "laboratory: at once");
        assert!(
            !ids.contains(&items[1].item_id),
            "imaging: held for 72 hours"
        );
        assert!(
            ids.contains(&items[2].item_id),
            "imaging from three days ago: released"
        );
        let staff_side = select_items(&mut conn, p, &["Observation"], false, true)
            .await
            .unwrap();
        assert_eq!(staff_side.len(), 3);
        // Every item has its first version.
        let versions: i64 =
            sqlx::query_scalar("select count(*) from record_item_version where version = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(versions, 3);
    }
}

/// One of the patient's items of `resource_type` the caller may see (as [`select_items`]).
pub async fn select_item(
    conn: &mut PgConnection,
    patient: Uuid,
    item: Uuid,
    resource_type: &str,
    released_only: bool,
    show_confidential: bool,
) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as!(
        ItemRow,
        // language=PostgreSQL
        r#"select i.item_id, i.resource_type, i.category, i.code_system, i.code, i.display,
                  i.effective_at, i.status, i.value, i.unit, i.ref_low, i.ref_high,
                  i.interpretation, i.report_id, i.confidential, i.source_id,
                  s.name as "source_name?", i.resource
           from record_item i
           left join record_source s using (source_id)
           where i.item_id = $1 and i.patient_id = $2 and i.resource_type = $3
             and (not $4 or i.released_at <= now())
             and ($5 or not i.confidential)"#,
        item,
        patient,
        resource_type,
        released_only,
        show_confidential
    )
    .fetch_optional(conn)
    .await
}

/// A renewal request and where its conversation stands.
#[derive(Clone, Debug)]
pub struct RenewalRow {
    pub item_id: Uuid,
    pub conversation_id: Uuid,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// The newest renewal request of each of the patient's medications.
pub async fn latest_renewals(
    conn: &mut PgConnection,
    patient: Uuid,
) -> sqlx::Result<Vec<RenewalRow>> {
    sqlx::query_as!(
        RenewalRow,
        r#"select distinct on (r.item_id) r.item_id, r.conversation_id, c.status, r.created_at
           from renewal_request r
           join conversation c using (conversation_id)
           where r.patient_id = $1
           order by r.item_id, r.created_at desc"#,
        patient
    )
    .fetch_all(conn)
    .await
}

pub async fn insert_renewal(
    conn: &mut PgConnection,
    conversation: Uuid,
    patient: Uuid,
    item: Uuid,
    pharmacy: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into renewal_request (conversation_id, patient_id, item_id, pharmacy)
         values ($1, $2, $3, $4)",
        conversation,
        patient,
        item,
        pharmacy
    )
    .execute(conn)
    .await?;
    Ok(())
}
