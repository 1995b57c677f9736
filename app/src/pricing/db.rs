//! Price transparency's queries. An import replaces the catalogue in one transaction, in batches
//! of arrays (one statement per few thousand rows, not one per row); plans are never deleted,
//! since coverage on file points at them. Reads for the machine-readable file go a batch of
//! items at a time, so memory follows the batch, not the catalogue.

use super::cms::{Catalogue, Charge, Code, FileInfo, Item, Modifier, ModifierRate, Rate};
use super::domain::{ChargeView, PlanChoice, PriceCard, RateView};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use std::collections::HashMap;
use uuid::Uuid;

/// Rows per insert statement.
const BATCH: usize = 5_000;

/// What an administrator gave an item beyond CMS's data, kept across imports by its
/// description and codes.
struct Curated {
    name_en: String,
    name_es: String,
    summary_en: String,
    summary_es: String,
    shoppable: bool,
    ancillary_of: Option<String>,
}

/// The key an item keeps across imports: its description and codes.
pub fn item_key(description: &str, codes: &[Code]) -> String {
    let codes: Vec<String> = codes
        .iter()
        .map(|c| format!("{}:{}", c.kind, c.code))
        .collect();
    joined_key(description, &codes.join(","))
}

/// [`item_key`] from codes already joined as "CPT:70551,RC:611" (as the database gives them).
fn joined_key(description: &str, codes: &str) -> String {
    format!("{description}\u{1f}{codes}")
}

/// Replaces the whole catalogue with `catalogue`. Names, summaries and groups an administrator
/// gave an item survive when the new file has the same item (description and codes).
pub async fn replace_catalogue(conn: &mut PgConnection, catalogue: &Catalogue) -> sqlx::Result<()> {
    // Two imports at once would each delete what the other had not yet committed and then
    // insert the same kept ids; one waits for the other instead. Readers are not blocked.
    sqlx::query!("lock table price_item in exclusive mode")
        .execute(&mut *conn)
        .await?;
    let kept = sqlx::query!(
        r#"select i.price_item_id, i.description, i.name_en, i.name_es, i.summary_en, i.summary_es,
                  i.shoppable, i.ancillary_of,
                  coalesce((select string_agg(c.code_type || ':' || c.code, ',' order by c.position)
                            from price_code c where c.price_item_id = i.price_item_id), '') as "codes!"
           from price_item i"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let key_of: HashMap<Uuid, String> = kept
        .iter()
        .map(|r| (r.price_item_id, joined_key(&r.description, &r.codes)))
        .collect();
    // Ids survive too, so a bookmarked item page still opens after the next import.
    let mut id_of: HashMap<String, Uuid> =
        key_of.iter().map(|(id, key)| (key.clone(), *id)).collect();
    let mut curated: HashMap<String, Curated> = kept
        .into_iter()
        .map(|r| {
            let key = joined_key(&r.description, &r.codes);
            let c = Curated {
                name_en: r.name_en,
                name_es: r.name_es,
                summary_en: r.summary_en,
                summary_es: r.summary_es,
                shoppable: r.shoppable,
                ancillary_of: r.ancillary_of.and_then(|a| key_of.get(&a).cloned()),
            };
            (key, c)
        })
        .collect();

    sqlx::query!("delete from price_modifier")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("delete from price_item")
        .execute(&mut *conn)
        .await?;
    upsert_file(&mut *conn, &catalogue.file).await?;

    // Plans: every payer and plan named anywhere, created once, ids kept.
    let mut names: Vec<(String, String)> = catalogue
        .items
        .iter()
        .flat_map(|i| &i.charges)
        .flat_map(|c| &c.rates)
        .map(|r| (r.payer.clone(), r.plan.clone()))
        .chain(
            catalogue
                .modifiers
                .iter()
                .flat_map(|m| &m.rates)
                .map(|r| (r.payer.clone(), r.plan.clone())),
        )
        .collect();
    names.sort();
    names.dedup();
    let plans = upsert_plans(&mut *conn, &names).await?;

    let mut item_rows = ItemRows::default();
    let mut code_rows = CodeRows::default();
    let mut charge_rows = ChargeRows::default();
    let mut rate_rows = RateRows::default();
    let mut ids_by_key: HashMap<String, Uuid> = HashMap::new();
    for (position, item) in catalogue.items.iter().enumerate() {
        let key = item_key(&item.description, &item.codes);
        // Removed once used: a file may list the same description and codes twice.
        let id = id_of.remove(&key).unwrap_or_else(Uuid::new_v4);
        let c = curated.remove(&key);
        let name = || item.description.chars().take(300).collect::<String>();
        item_rows.id.push(id);
        item_rows.position.push(position as i32);
        item_rows.description.push(item.description.clone());
        item_rows
            .name_en
            .push(c.as_ref().map_or_else(name, |c| c.name_en.clone()));
        item_rows
            .name_es
            .push(c.as_ref().map_or_else(name, |c| c.name_es.clone()));
        item_rows
            .summary_en
            .push(c.as_ref().map(|c| c.summary_en.clone()).unwrap_or_default());
        item_rows
            .summary_es
            .push(c.as_ref().map(|c| c.summary_es.clone()).unwrap_or_default());
        item_rows
            .drug_unit
            .push(item.drug.as_ref().map(|(u, _)| *u));
        item_rows
            .drug_unit_type
            .push(item.drug.as_ref().map(|(_, t)| t.clone()));
        item_rows
            .shoppable
            .push(c.as_ref().is_some_and(|c| c.shoppable));
        item_rows.ancillary_key.push(c.and_then(|c| c.ancillary_of));
        ids_by_key.insert(key, id);
        for (p, code) in item.codes.iter().enumerate() {
            code_rows.item.push(id);
            code_rows.position.push(p as i16);
            code_rows.code.push(code.code.clone());
            code_rows.kind.push(code.kind.clone());
        }
        for (cp, charge) in item.charges.iter().enumerate() {
            let charge_id = Uuid::new_v4();
            charge_rows.push(charge_id, id, cp as i16, charge);
            for (rp, rate) in charge.rates.iter().enumerate() {
                let plan = plans
                    .get(&(rate.payer.clone(), rate.plan.clone()))
                    .copied()
                    .unwrap_or_default();
                rate_rows.push(charge_id, plan, rp as i32, rate);
                if rate_rows.id.len() >= BATCH {
                    // Their charges first: a rate must find its charge (and item) written.
                    flush_items(&mut *conn, &mut item_rows, &mut code_rows, &mut charge_rows)
                        .await?;
                    flush_rates(&mut *conn, &mut rate_rows).await?;
                }
            }
        }
        if item_rows.id.len() >= BATCH {
            flush_items(&mut *conn, &mut item_rows, &mut code_rows, &mut charge_rows).await?;
        }
    }
    flush_items(&mut *conn, &mut item_rows, &mut code_rows, &mut charge_rows).await?;
    flush_rates(&mut *conn, &mut rate_rows).await?;
    // Groups: an ancillary points at its shoppable service once both are in.
    let (members, heads): (Vec<Uuid>, Vec<Uuid>) = item_rows
        .ancillaries
        .iter()
        .filter_map(|(member, key)| ids_by_key.get(key).map(|head| (*member, *head)))
        .unzip();
    sqlx::query!(
        r#"update price_item i set ancillary_of = g.head
           from unnest($1::uuid[], $2::uuid[]) as g(member, head)
           where i.price_item_id = g.member"#,
        &members,
        &heads
    )
    .execute(&mut *conn)
    .await?;

    for (position, m) in catalogue.modifiers.iter().enumerate() {
        let id = sqlx::query_scalar!(
            r#"insert into price_modifier (position, code, description, setting)
               values ($1, $2, $3, $4) returning price_modifier_id"#,
            position as i32,
            m.code,
            m.description,
            m.setting
        )
        .fetch_one(&mut *conn)
        .await?;
        for r in &m.rates {
            let plan = plans
                .get(&(r.payer.clone(), r.plan.clone()))
                .copied()
                .unwrap_or_default();
            sqlx::query!(
                r#"insert into price_modifier_rate (price_modifier_id, price_plan_id, description)
                   values ($1, $2, $3) on conflict do nothing"#,
                id,
                plan,
                r.description
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn upsert_file(conn: &mut PgConnection, f: &FileInfo) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into price_file (price_file_id, hospital_name, last_updated_on, version,
               location_names, hospital_addresses, license_number, license_state, type_2_npis,
               attester_name, general_provisions)
           values (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (price_file_id) do update set
               hospital_name = excluded.hospital_name, last_updated_on = excluded.last_updated_on,
               version = excluded.version, location_names = excluded.location_names,
               hospital_addresses = excluded.hospital_addresses,
               license_number = excluded.license_number, license_state = excluded.license_state,
               type_2_npis = excluded.type_2_npis, attester_name = excluded.attester_name,
               general_provisions = excluded.general_provisions"#,
        f.hospital_name,
        f.last_updated_on,
        f.version,
        &f.location_names,
        &f.addresses,
        f.license_number,
        f.license_state,
        &f.npis,
        f.attester_name,
        f.provisions
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_plans(
    conn: &mut PgConnection,
    names: &[(String, String)],
) -> sqlx::Result<HashMap<(String, String), Uuid>> {
    let (payers, plans): (Vec<String>, Vec<String>) = names.iter().cloned().unzip();
    sqlx::query!(
        r#"insert into price_plan (payer_name, plan_name)
           select * from unnest($1::text[], $2::text[])
           on conflict on constraint price_plan_name_key do nothing"#,
        &payers,
        &plans
    )
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query!(r#"select price_plan_id, payer_name, plan_name from price_plan"#)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.payer_name, r.plan_name), r.price_plan_id))
        .collect())
}

#[derive(Default)]
struct ItemRows {
    id: Vec<Uuid>,
    position: Vec<i32>,
    description: Vec<String>,
    name_en: Vec<String>,
    name_es: Vec<String>,
    summary_en: Vec<String>,
    summary_es: Vec<String>,
    drug_unit: Vec<Option<Decimal>>,
    drug_unit_type: Vec<Option<String>>,
    shoppable: Vec<bool>,
    ancillary_key: Vec<Option<String>>,
    /// (item, the key of the shoppable service it belongs to), kept past each flush.
    ancillaries: Vec<(Uuid, String)>,
}

#[derive(Default)]
struct CodeRows {
    item: Vec<Uuid>,
    position: Vec<i16>,
    code: Vec<String>,
    kind: Vec<String>,
}

#[derive(Default)]
struct ChargeRows {
    id: Vec<Uuid>,
    item: Vec<Uuid>,
    position: Vec<i16>,
    setting: Vec<String>,
    gross: Vec<Option<i64>>,
    cash: Vec<Option<i64>>,
    min: Vec<Option<i64>>,
    max: Vec<Option<i64>>,
    /// Modifiers joined by `|` (arrays of arrays do not pass through `unnest`).
    modifiers: Vec<String>,
    notes: Vec<String>,
}

impl ChargeRows {
    fn push(&mut self, id: Uuid, item: Uuid, position: i16, c: &Charge) {
        self.id.push(id);
        self.item.push(item);
        self.position.push(position);
        self.setting.push(c.setting.clone());
        self.gross.push(c.gross);
        self.cash.push(c.cash);
        self.min.push(c.min);
        self.max.push(c.max);
        self.modifiers.push(c.modifiers.join("|"));
        self.notes.push(c.notes.clone());
    }
}

#[derive(Default)]
struct RateRows {
    id: Vec<Uuid>,
    charge: Vec<Uuid>,
    plan: Vec<Uuid>,
    position: Vec<i32>,
    dollar: Vec<Option<i64>>,
    percentage: Vec<Option<Decimal>>,
    algorithm: Vec<Option<String>>,
    methodology: Vec<String>,
    median: Vec<Option<i64>>,
    p10: Vec<Option<i64>>,
    p90: Vec<Option<i64>>,
    count: Vec<Option<String>>,
    notes: Vec<String>,
}

impl RateRows {
    fn push(&mut self, charge: Uuid, plan: Uuid, position: i32, r: &Rate) {
        self.id.push(Uuid::new_v4());
        self.charge.push(charge);
        self.plan.push(plan);
        self.position.push(position);
        self.dollar.push(r.dollar);
        self.percentage.push(r.percentage);
        self.algorithm.push(r.algorithm.clone());
        self.methodology.push(r.methodology.clone());
        self.median.push(r.median);
        self.p10.push(r.p10);
        self.p90.push(r.p90);
        self.count.push(r.count.clone());
        self.notes.push(r.notes.clone());
    }
}

async fn flush_items(
    conn: &mut PgConnection,
    items: &mut ItemRows,
    codes: &mut CodeRows,
    charges: &mut ChargeRows,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into price_item (price_item_id, position, description, name_en, name_es,
               summary_en, summary_es, drug_unit, drug_unit_type, shoppable)
           select * from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[],
               $6::text[], $7::text[], $8::numeric[], $9::text[], $10::bool[])"#,
        &items.id,
        &items.position,
        &items.description,
        &items.name_en,
        &items.name_es,
        &items.summary_en,
        &items.summary_es,
        &items.drug_unit as &[Option<Decimal>],
        &items.drug_unit_type as &[Option<String>],
        &items.shoppable
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into price_code (price_item_id, position, code, code_type)
           select * from unnest($1::uuid[], $2::int2[], $3::text[], $4::text[])"#,
        &codes.item,
        &codes.position,
        &codes.code,
        &codes.kind
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into price_charge (price_charge_id, price_item_id, position, setting, gross_cents,
               cash_cents, min_cents, max_cents, modifiers, notes)
           select id, item, pos, setting, gross, cash, lo, hi,
                  coalesce(string_to_array(nullif(mods, ''), '|'), '{}'), notes
           from unnest($1::uuid[], $2::uuid[], $3::int2[], $4::text[], $5::int8[], $6::int8[],
               $7::int8[], $8::int8[], $9::text[], $10::text[])
               as t(id, item, pos, setting, gross, cash, lo, hi, mods, notes)"#,
        &charges.id,
        &charges.item,
        &charges.position,
        &charges.setting,
        &charges.gross as &[Option<i64>],
        &charges.cash as &[Option<i64>],
        &charges.min as &[Option<i64>],
        &charges.max as &[Option<i64>],
        &charges.modifiers,
        &charges.notes
    )
    .execute(&mut *conn)
    .await?;
    let ancillaries: Vec<(Uuid, String)> = items
        .id
        .iter()
        .zip(items.ancillary_key.iter())
        .filter_map(|(id, key)| key.clone().map(|k| (*id, k)))
        .collect();
    let kept = std::mem::take(&mut items.ancillaries);
    *items = ItemRows::default();
    items.ancillaries = kept;
    items.ancillaries.extend(ancillaries);
    *codes = CodeRows::default();
    *charges = ChargeRows::default();
    Ok(())
}

async fn flush_rates(conn: &mut PgConnection, r: &mut RateRows) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into price_rate (price_rate_id, price_charge_id, price_plan_id, position,
               dollar_cents, percentage, algorithm, methodology, median_cents, p10_cents,
               p90_cents, claims_count, notes)
           select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int8[],
               $6::numeric[], $7::text[], $8::text[], $9::int8[], $10::int8[], $11::int8[],
               $12::text[], $13::text[])"#,
        &r.id,
        &r.charge,
        &r.plan,
        &r.position,
        &r.dollar as &[Option<i64>],
        &r.percentage as &[Option<Decimal>],
        &r.algorithm as &[Option<String>],
        &r.methodology,
        &r.median as &[Option<i64>],
        &r.p10 as &[Option<i64>],
        &r.p90 as &[Option<i64>],
        &r.count as &[Option<String>],
        &r.notes
    )
    .execute(conn)
    .await?;
    *r = RateRows::default();
    Ok(())
}

/// The hospital's information, when a catalogue has been loaded.
pub async fn select_file(conn: impl PgExecutor<'_>) -> sqlx::Result<Option<FileInfo>> {
    let row = sqlx::query!(
        r#"select hospital_name, last_updated_on, version, location_names, hospital_addresses,
                  license_number, license_state, type_2_npis, attester_name, general_provisions
           from price_file"#
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| FileInfo {
        hospital_name: r.hospital_name,
        last_updated_on: r.last_updated_on,
        version: r.version,
        location_names: r.location_names,
        addresses: r.hospital_addresses,
        license_number: r.license_number,
        license_state: r.license_state,
        npis: r.type_2_npis,
        attester_name: r.attester_name,
        provisions: r.general_provisions,
    }))
}

/// Up to `limit` items after `after` (a position), complete with codes, charges and rates, in
/// the file's order: one page of the machine-readable file.
pub async fn select_items_after(
    conn: &mut PgConnection,
    after: i32,
    limit: i64,
) -> sqlx::Result<(Vec<Item>, Option<i32>)> {
    let items = sqlx::query!(
        r#"select price_item_id, position, description, drug_unit, drug_unit_type
           from price_item where position > $1 order by position limit $2"#,
        after,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.price_item_id).collect();
    let last = items.last().map(|i| i.position);
    let codes = sqlx::query!(
        r#"select price_item_id, code, code_type from price_code
           where price_item_id = any($1) order by price_item_id, position"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let charges = sqlx::query!(
        r#"select price_charge_id, price_item_id, setting, gross_cents, cash_cents, min_cents,
                  max_cents, modifiers, notes
           from price_charge where price_item_id = any($1) order by price_item_id, position"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let charge_ids: Vec<Uuid> = charges.iter().map(|c| c.price_charge_id).collect();
    let rates = sqlx::query!(
        r#"select r.price_charge_id, p.payer_name, p.plan_name, r.dollar_cents, r.percentage,
                  r.algorithm, r.methodology, r.median_cents, r.p10_cents, r.p90_cents,
                  r.claims_count, r.notes
           from price_rate r join price_plan p using (price_plan_id)
           where r.price_charge_id = any($1) order by r.price_charge_id, r.position"#,
        &charge_ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rates_of: HashMap<Uuid, Vec<Rate>> = HashMap::new();
    for r in rates {
        rates_of.entry(r.price_charge_id).or_default().push(Rate {
            payer: r.payer_name,
            plan: r.plan_name,
            dollar: r.dollar_cents,
            percentage: r.percentage,
            algorithm: r.algorithm,
            methodology: r.methodology,
            median: r.median_cents,
            p10: r.p10_cents,
            p90: r.p90_cents,
            count: r.claims_count,
            notes: r.notes,
        });
    }
    let mut charges_of: HashMap<Uuid, Vec<Charge>> = HashMap::new();
    for c in charges {
        charges_of.entry(c.price_item_id).or_default().push(Charge {
            setting: c.setting,
            gross: c.gross_cents,
            cash: c.cash_cents,
            min: c.min_cents,
            max: c.max_cents,
            modifiers: c.modifiers,
            notes: c.notes,
            rates: rates_of.remove(&c.price_charge_id).unwrap_or_default(),
        });
    }
    let mut codes_of: HashMap<Uuid, Vec<Code>> = HashMap::new();
    for c in codes {
        codes_of.entry(c.price_item_id).or_default().push(Code {
            code: c.code,
            kind: c.code_type,
        });
    }
    let out = items
        .into_iter()
        .map(|i| Item {
            description: i.description,
            codes: codes_of.remove(&i.price_item_id).unwrap_or_default(),
            drug: i.drug_unit.zip(i.drug_unit_type),
            charges: charges_of.remove(&i.price_item_id).unwrap_or_default(),
        })
        .collect();
    Ok((out, last))
}

/// The most code columns any item needs in the tall CSV.
pub async fn select_code_columns(conn: impl PgExecutor<'_>) -> sqlx::Result<usize> {
    let n = sqlx::query_scalar!(
        r#"select coalesce(max(position) + 1, 1)::int as "n!" from price_code"#
    )
    .fetch_one(conn)
    .await?;
    Ok(n.max(1) as usize)
}

pub async fn select_modifiers(conn: impl PgExecutor<'_>) -> sqlx::Result<Vec<Modifier>> {
    let rows = sqlx::query!(
        r#"select m.price_modifier_id, m.code, m.description, m.setting,
                  p.payer_name as "payer?", p.plan_name as "plan?", r.description as "rate?"
           from price_modifier m
           left join price_modifier_rate r using (price_modifier_id)
           left join price_plan p using (price_plan_id)
           order by m.position, p.payer_name, p.plan_name"#
    )
    .fetch_all(conn)
    .await?;
    let mut out: Vec<(Uuid, Modifier)> = Vec::new();
    for r in rows {
        if out.last().map(|(id, _)| *id) != Some(r.price_modifier_id) {
            out.push((
                r.price_modifier_id,
                Modifier {
                    code: r.code.clone(),
                    description: r.description.clone(),
                    setting: r.setting.clone(),
                    rates: Vec::new(),
                },
            ));
        }
        if let (Some((_, m)), Some(payer), Some(plan), Some(d)) =
            (out.last_mut(), r.payer, r.plan, r.rate)
        {
            m.rates.push(ModifierRate {
                payer,
                plan,
                description: d,
            });
        }
    }
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

// ---------------------------------------------------------------------------------------------
// The estimator.

pub async fn select_plans(conn: impl PgExecutor<'_>) -> sqlx::Result<Vec<PlanChoice>> {
    sqlx::query_as!(
        PlanChoice,
        r#"select price_plan_id::text as "id!", payer_name as payer, plan_name as plan
           from price_plan p
           where exists (select 1 from price_rate r where r.price_plan_id = p.price_plan_id)
           order by payer_name, plan_name"#
    )
    .fetch_all(conn)
    .await
}

/// Items matching `words` (plain words in either language, or a code), shoppable services
/// first, a page at a time, with their cash price, gross charge, the range of negotiated dollar
/// amounts and, when `plan` is given, that plan's rate.
pub async fn search_items(
    conn: &mut PgConnection,
    language: &str,
    words: &str,
    plan: Option<Uuid>,
    drugs_only: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<PriceCard>, i64)> {
    let rows = sqlx::query!(
        r#"with matched as (
               select i.price_item_id, i.shoppable, i.drug_unit, i.drug_unit_type,
                      case when $1 = 'es' then i.name_es else i.name_en end as name,
                      ts_rank(i.search, websearch_to_tsquery('english', $2)
                          || websearch_to_tsquery('spanish', $2)) as rank
               from price_item i
               where ($2 = ''
                      or i.search @@ (websearch_to_tsquery('english', $2) || websearch_to_tsquery('spanish', $2))
                      or exists (select 1 from price_code c
                                 where c.price_item_id = i.price_item_id and upper(c.code) = upper($2)))
                 and (not $6 or i.drug_unit is not null)
           )
           select m.price_item_id as "id!", m.name as "name!", count(*) over () as "total!",
                  m.drug_unit, m.drug_unit_type,
                  (select min(c.cash_cents) from price_charge c where c.price_item_id = m.price_item_id) as cash,
                  (select min(c.gross_cents) from price_charge c where c.price_item_id = m.price_item_id) as gross,
                  (select min(c.min_cents) from price_charge c where c.price_item_id = m.price_item_id) as low,
                  (select max(c.max_cents) from price_charge c where c.price_item_id = m.price_item_id) as high,
                  (select string_agg(pc.code_type || ' ' || pc.code, ', ' order by pc.position)
                   from price_code pc where pc.price_item_id = m.price_item_id) as codes,
                  (select min(r.dollar_cents) from price_charge c join price_rate r using (price_charge_id)
                   where c.price_item_id = m.price_item_id and r.price_plan_id = $3) as plan_dollar,
                  (select bool_or(true) from price_charge c join price_rate r using (price_charge_id)
                   where c.price_item_id = m.price_item_id and r.price_plan_id = $3) as plan_listed
           from matched m
           order by m.shoppable desc, m.rank desc, m.name
           limit $4 offset $5"#,
        language,
        words,
        plan,
        limit,
        offset,
        drugs_only
    )
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let cards = rows
        .into_iter()
        .map(|r| PriceCard {
            id: r.id.to_string(),
            name: r.name,
            codes: r.codes.unwrap_or_default(),
            cash: r.cash,
            gross: r.gross,
            low: r.low,
            high: r.high,
            plan_dollar: r.plan_dollar,
            plan_listed: r.plan_listed.unwrap_or(false),
            per: r
                .drug_unit_type
                .as_deref()
                .map(|t| per_unit(language, r.drug_unit, Some(t))),
        })
        .collect();
    Ok((cards, total))
}

/// One item for its page: names, codes, each charge with every payer's rate.
pub struct ItemDetail {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub codes: String,
    pub drug: Option<(Decimal, String)>,
    pub shoppable: bool,
    pub part_of: Option<(Uuid, String)>,
    pub charges: Vec<ChargeView>,
}

pub async fn select_item(
    conn: &mut PgConnection,
    language: &str,
    id: Uuid,
) -> sqlx::Result<Option<ItemDetail>> {
    let Some(item) = sqlx::query!(
        r#"select i.description, i.shoppable, i.drug_unit, i.drug_unit_type,
                  case when $1 = 'es' then i.name_es else i.name_en end as "name!",
                  case when $1 = 'es' then i.summary_es else i.summary_en end as "summary!",
                  (select string_agg(pc.code_type || ' ' || pc.code, ', ' order by pc.position)
                   from price_code pc where pc.price_item_id = i.price_item_id) as codes,
                  h.price_item_id as "head_id?",
                  case when $1 = 'es' then h.name_es else h.name_en end as head_name
           from price_item i left join price_item h on h.price_item_id = i.ancillary_of
           where i.price_item_id = $2"#,
        language,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let charges = sqlx::query!(
        r#"select price_charge_id, setting, gross_cents, cash_cents, min_cents, max_cents,
                  modifiers, notes
           from price_charge where price_item_id = $1 order by position"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = charges.iter().map(|c| c.price_charge_id).collect();
    let rates = sqlx::query!(
        r#"select r.price_rate_id, r.price_charge_id, r.price_plan_id, p.payer_name, p.plan_name, r.dollar_cents,
                  r.percentage, r.algorithm, r.methodology, r.median_cents, r.p10_cents,
                  r.p90_cents, r.notes
           from price_rate r join price_plan p using (price_plan_id)
           where r.price_charge_id = any($1)
           order by p.payer_name, p.plan_name, r.position"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut views: Vec<ChargeView> = charges
        .iter()
        .map(|c| ChargeView {
            id: c.price_charge_id.to_string(),
            setting: c.setting.clone(),
            gross: c.gross_cents,
            cash: c.cash_cents,
            min: c.min_cents,
            max: c.max_cents,
            modifiers: c.modifiers.join(", "),
            notes: c.notes.clone(),
            rates: Vec::new(),
        })
        .collect();
    for r in rates {
        let at = charges
            .iter()
            .position(|c| c.price_charge_id == r.price_charge_id);
        if let Some(view) = at.and_then(|i| views.get_mut(i)) {
            view.rates.push(RateView {
                id: r.price_rate_id.to_string(),
                plan_id: r.price_plan_id.to_string(),
                payer: r.payer_name,
                plan: r.plan_name,
                dollar: r.dollar_cents,
                percentage: r.percentage.map(|p| p.normalize().to_string()),
                algorithm: r.algorithm,
                methodology: r.methodology,
                median: r.median_cents,
                p10: r.p10_cents,
                p90: r.p90_cents,
                notes: r.notes,
            });
        }
    }
    Ok(Some(ItemDetail {
        name: item.name,
        summary: item.summary,
        description: item.description,
        codes: item.codes.unwrap_or_default(),
        drug: item.drug_unit.zip(item.drug_unit_type),
        shoppable: item.shoppable,
        part_of: item.head_id.zip(item.head_name),
        charges: views,
    }))
}

/// The services usually billed with a shoppable one.
pub async fn select_ancillaries(
    conn: &mut PgConnection,
    language: &str,
    head: Uuid,
) -> sqlx::Result<Vec<PriceCard>> {
    let rows = sqlx::query!(
        r#"select i.price_item_id as id,
                  case when $1 = 'es' then i.name_es else i.name_en end as "name!",
                  (select string_agg(pc.code_type || ' ' || pc.code, ', ' order by pc.position)
                   from price_code pc where pc.price_item_id = i.price_item_id) as codes,
                  (select min(c.cash_cents) from price_charge c where c.price_item_id = i.price_item_id) as cash,
                  (select min(c.gross_cents) from price_charge c where c.price_item_id = i.price_item_id) as gross,
                  (select min(c.min_cents) from price_charge c where c.price_item_id = i.price_item_id) as low,
                  (select max(c.max_cents) from price_charge c where c.price_item_id = i.price_item_id) as high
           from price_item i where i.ancillary_of = $2 order by i.position"#,
        language,
        head
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PriceCard {
            id: r.id.to_string(),
            name: r.name,
            codes: r.codes.unwrap_or_default(),
            cash: r.cash,
            gross: r.gross,
            low: r.low,
            high: r.high,
            plan_dollar: None,
            plan_listed: false,
            per: None,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Imports.

pub struct ImportRow {
    pub id: Uuid,
    pub file_name: String,
    pub format: String,
    pub applied: bool,
    pub items: i32,
    pub rates: i32,
    pub problems: serde_json::Value,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_import(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    file_name: &str,
    format: &str,
    applied: bool,
    items: i32,
    rates: i32,
    problems: serde_json::Value,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into price_import (account_id, file_name, format, applied, items, rates, problems)
           values ($1, $2, $3, $4, $5, $6, $7) returning price_import_id"#,
        account,
        file_name,
        format,
        applied,
        items,
        rates,
        problems
    )
    .fetch_one(conn)
    .await
}

pub async fn select_imports(conn: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<ImportRow>> {
    sqlx::query_as!(
        ImportRow,
        r#"select i.price_import_id as id, i.file_name, i.format, i.applied, i.items, i.rates,
                  i.problems, a.display_name as by, i.created_at as at
           from price_import i join account a using (account_id)
           order by i.created_at desc limit $1"#,
        limit
    )
    .fetch_all(conn)
    .await
}

pub async fn select_import(conn: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<ImportRow>> {
    sqlx::query_as!(
        ImportRow,
        r#"select i.price_import_id as id, i.file_name, i.format, i.applied, i.items, i.rates,
                  i.problems, a.display_name as by, i.created_at as at
           from price_import i join account a using (account_id)
           where i.price_import_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// How many items and payer plans the catalogue holds.
pub async fn select_counts(conn: impl PgExecutor<'_>) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"select (select count(*) from price_item) as "items!",
                  (select count(*) from price_rate) as "rates!""#
    )
    .fetch_one(conn)
    .await?;
    Ok((r.items, r.rates))
}

/// The coverage on file for a patient, as stored.
pub struct CoverageRow {
    pub plan_id: Option<Uuid>,
    pub payer: Option<String>,
    pub plan: Option<String>,
    pub member_id: String,
    pub share: super::estimate::CostShare,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub async fn select_coverage(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
) -> sqlx::Result<Option<CoverageRow>> {
    let row = sqlx::query!(
        r#"select c.price_plan_id, p.payer_name as "payer?", p.plan_name as "plan?", c.member_id,
                  c.deductible_cents, c.deductible_met_cents, c.coinsurance_bp, c.copay_cents,
                  c.oop_max_cents, c.oop_met_cents, c.updated_at
           from coverage c left join price_plan p using (price_plan_id)
           where c.patient_id = $1"#,
        patient
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| CoverageRow {
        plan_id: r.price_plan_id,
        payer: r.payer,
        plan: r.plan,
        member_id: r.member_id,
        share: super::estimate::CostShare {
            deductible: r.deductible_cents,
            deductible_met: r.deductible_met_cents,
            coinsurance_bp: r.coinsurance_bp,
            copay: r.copay_cents,
            oop_max: r.oop_max_cents,
            oop_met: r.oop_met_cents,
        },
        updated_at: r.updated_at,
    }))
}

/// Writes the coverage on file and keeps the change in its history, in the caller's transaction.
pub async fn upsert_coverage(
    conn: &mut PgConnection,
    patient: Uuid,
    plan: Option<Uuid>,
    member_id: &str,
    share: &super::estimate::CostShare,
    account: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into coverage (patient_id, price_plan_id, member_id, deductible_cents,
                                 deductible_met_cents, coinsurance_bp, copay_cents, oop_max_cents,
                                 oop_met_cents, updated_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (patient_id) do update set
               price_plan_id = excluded.price_plan_id, member_id = excluded.member_id,
               deductible_cents = excluded.deductible_cents,
               deductible_met_cents = excluded.deductible_met_cents,
               coinsurance_bp = excluded.coinsurance_bp, copay_cents = excluded.copay_cents,
               oop_max_cents = excluded.oop_max_cents, oop_met_cents = excluded.oop_met_cents,
               updated_by = excluded.updated_by"#,
        patient,
        plan,
        member_id,
        share.deductible,
        share.deductible_met,
        share.coinsurance_bp,
        share.copay,
        share.oop_max,
        share.oop_met,
        account
    )
    .execute(&mut *conn)
    .await?;
    // The history row is copied from the row just written, so the two cannot disagree.
    sqlx::query!(
        r#"insert into coverage_event (patient_id, price_plan_id, member_id, deductible_cents,
                                       deductible_met_cents, coinsurance_bp, copay_cents,
                                       oop_max_cents, oop_met_cents, account_id)
           select patient_id, price_plan_id, member_id, deductible_cents, deductible_met_cents,
                  coinsurance_bp, copay_cents, oop_max_cents, oop_met_cents, updated_by
           from coverage where patient_id = $1"#,
        patient
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Changes to a patient's coverage, newest first: when, by whom, and the plan after.
pub async fn select_coverage_history(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<(chrono::DateTime<chrono::Utc>, String, Option<String>)>> {
    let rows = sqlx::query!(
        r#"select e.created_at, a.display_name,
                  p.payer_name || ' · ' || p.plan_name as plan
           from coverage_event e join account a using (account_id)
           left join price_plan p using (price_plan_id)
           where e.patient_id = $1
           order by e.created_at desc, e.coverage_event_id limit $2"#,
        patient,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.created_at, r.display_name, r.plan))
        .collect())
}

/// A plan by id, if it exists.
pub async fn select_plan(conn: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<PlanChoice>> {
    sqlx::query_as!(
        PlanChoice,
        r#"select price_plan_id::text as "id!", payer_name as payer, plan_name as plan
           from price_plan where price_plan_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The patient's newest correction request: its conversation, when it was asked, its status.
pub async fn select_correction(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
) -> sqlx::Result<Option<(Uuid, chrono::DateTime<chrono::Utc>, String)>> {
    let row = sqlx::query!(
        r#"select c.conversation_id, c.created_at, v.status
           from coverage_correction c join conversation v using (conversation_id)
           where c.patient_id = $1
           order by c.created_at desc limit 1"#,
        patient
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.conversation_id, r.created_at, r.status)))
}

pub async fn insert_correction(
    conn: impl PgExecutor<'_>,
    conversation: Uuid,
    patient: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into coverage_correction (conversation_id, patient_id) values ($1, $2)",
        conversation,
        patient
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Holds the patient's row until the transaction ends, so two requests from one patient at
/// once are taken one after the other.
pub async fn lock_patient(conn: impl PgExecutor<'_>, patient: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "select patient_id from patient where patient_id = $1 for update",
        patient
    )
    .fetch_optional(conn)
    .await?;
    Ok(())
}

/// The item a visit type is billed as: the catalogue item carrying the visit type's billing
/// code (a shoppable one first, when a code is listed twice).
pub async fn select_visit_item(
    conn: impl PgExecutor<'_>,
    visit_type: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        r#"select i.price_item_id
           from visit_type v
           join price_code c on upper(c.code) = upper(v.billing_code) and c.code_type in ('CPT', 'HCPCS')
           join price_item i using (price_item_id)
           where v.slug = $1
           order by i.shoppable desc, i.position limit 1"#,
        visit_type
    )
    .fetch_optional(conn)
    .await
}

/// A drug's self-pay price as the catalogue lists it under an NDC.
pub struct DrugPrice {
    /// The NDC as the catalogue writes it.
    pub ndc: String,
    pub item_id: Uuid,
    pub cash: Option<i64>,
    pub unit: Option<Decimal>,
    pub unit_type: Option<String>,
}

/// The catalogue's drugs listed under any of `ndcs` (compared without hyphens, as NDCs are
/// written both ways).
pub async fn select_drug_prices(
    conn: impl PgExecutor<'_>,
    ndcs: &[String],
) -> sqlx::Result<Vec<DrugPrice>> {
    let plain: Vec<String> = ndcs.iter().map(|n| n.replace('-', "")).collect();
    sqlx::query_as!(
        DrugPrice,
        r#"select c.code as ndc, i.price_item_id as item_id, i.drug_unit as unit,
                  i.drug_unit_type as unit_type,
                  (select min(ch.cash_cents) from price_charge ch
                   where ch.price_item_id = i.price_item_id) as cash
           from price_code c join price_item i using (price_item_id)
           where c.code_type = 'NDC' and replace(c.code, '-', '') = any($1)"#,
        &plain
    )
    .fetch_all(conn)
    .await
}

/// "each", "per 5 mL": what a drug's price is for, in `language`.
pub fn per_unit(language: &str, unit: Option<Decimal>, unit_type: Option<&str>) -> String {
    let es = language == "es";
    let n = unit.unwrap_or(Decimal::ONE).normalize();
    let measure = match unit_type.unwrap_or("UN") {
        "ML" => "mL",
        "GR" | "GM" => "g",
        "ME" => "mg",
        "F2" => "UI",
        "EA" | "UN" if n == Decimal::ONE => return if es { "cada una" } else { "each" }.into(),
        _ if es => "unidades",
        _ => "units",
    };
    let measure = if measure == "UI" && !es {
        "IU"
    } else {
        measure
    };
    format!("{} {n} {measure}", if es { "por" } else { "per" })
}

/// An item as its editor shows it.
pub struct ItemEdit {
    pub description: String,
    pub codes: String,
    pub name_en: String,
    pub name_es: String,
    pub summary_en: String,
    pub summary_es: String,
    pub shoppable: bool,
    pub ancillary_of: Option<Uuid>,
    /// How many items are billed with this one.
    pub ancillaries: i64,
}

pub async fn select_item_edit(
    conn: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Option<ItemEdit>> {
    sqlx::query_as!(
        ItemEdit,
        r#"select i.description, i.name_en, i.name_es, i.summary_en, i.summary_es, i.shoppable,
                  i.ancillary_of,
                  coalesce((select string_agg(pc.code_type || ' ' || pc.code, ', ' order by pc.position)
                            from price_code pc where pc.price_item_id = i.price_item_id), '') as "codes!",
                  (select count(*) from price_item a where a.ancillary_of = i.price_item_id) as "ancillaries!"
           from price_item i where i.price_item_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Shoppable services an item may be grouped under (heads of groups, never members): (id, name).
pub async fn select_group_heads(
    conn: impl PgExecutor<'_>,
    language: &str,
    except: Uuid,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    let rows = sqlx::query!(
        r#"select price_item_id, case when $1 = 'es' then name_es else name_en end as "name!"
           from price_item
           where shoppable and ancillary_of is null and price_item_id <> $2
           order by 2"#,
        language,
        except
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.price_item_id, r.name))
        .collect())
}

/// What an administrator sets on an item.
pub struct ItemChange<'a> {
    pub name_en: &'a str,
    pub name_es: &'a str,
    pub summary_en: &'a str,
    pub summary_es: &'a str,
    pub shoppable: bool,
    pub ancillary_of: Option<Uuid>,
}

/// Changes an item and keeps the new version in its history, in the caller's transaction.
pub async fn update_item(
    conn: &mut PgConnection,
    id: Uuid,
    change: &ItemChange<'_>,
    account: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update price_item set name_en = $2, name_es = $3, summary_en = $4, summary_es = $5,
                shoppable = $6, ancillary_of = $7, updated_at = now()
         where price_item_id = $1",
        id,
        change.name_en,
        change.name_es,
        change.summary_en,
        change.summary_es,
        change.shoppable,
        change.ancillary_of
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into price_item_edit (price_item_id, account_id, name_en, name_es, summary_en,
                                      summary_es, shoppable, ancillary_of)
         select price_item_id, $2, name_en, name_es, summary_en, summary_es, shoppable, ancillary_of
         from price_item where price_item_id = $1",
        id,
        account
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An item's edits, newest first: when, by whom, and the English name after.
pub async fn select_item_history(
    conn: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Vec<(chrono::DateTime<chrono::Utc>, String, String)>> {
    let rows = sqlx::query!(
        r#"select e.created_at, a.display_name, e.name_en
           from price_item_edit e join account a using (account_id)
           where e.price_item_id = $1
           order by e.created_at desc, e.price_item_edit_id limit 50"#,
        id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.created_at, r.display_name, r.name_en))
        .collect())
}

/// Locks an item (and so its group) while an edit checks and changes it.
pub async fn lock_item(conn: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "select price_item_id from price_item where price_item_id = $1 for update",
        id
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// A charge's figures as an edit finds them (locked until the edit commits).
pub struct ChargeFigures {
    pub setting: String,
    pub modifiers: Vec<String>,
    pub gross: Option<i64>,
    pub cash: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Its rates' dollar amounts, and how many rates it has in all.
    pub dollars: Vec<i64>,
    pub rates: i64,
}

/// One of `item`'s charges, locked, or `None` when the item has no such charge (an import
/// replaced it since the form was shown).
pub async fn lock_charge(
    conn: &mut PgConnection,
    item: Uuid,
    charge: Uuid,
) -> sqlx::Result<Option<ChargeFigures>> {
    let Some(c) = sqlx::query!(
        r#"select setting, modifiers, gross_cents, cash_cents, min_cents, max_cents
           from price_charge where price_charge_id = $1 and price_item_id = $2 for update"#,
        charge,
        item
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let rates = sqlx::query!(
        "select dollar_cents from price_rate where price_charge_id = $1",
        charge
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(ChargeFigures {
        setting: c.setting,
        modifiers: c.modifiers,
        gross: c.gross_cents,
        cash: c.cash_cents,
        min: c.min_cents,
        max: c.max_cents,
        dollars: rates.iter().filter_map(|r| r.dollar_cents).collect(),
        rates: rates.len() as i64,
    }))
}

pub async fn update_charge(
    conn: impl PgExecutor<'_>,
    charge: Uuid,
    gross: Option<i64>,
    cash: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update price_charge set gross_cents = $2, cash_cents = $3, min_cents = $4, max_cents = $5
         where price_charge_id = $1",
        charge,
        gross,
        cash,
        min,
        max
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A payer's rate as an edit finds it (locked, with its charge, until the edit commits).
pub struct RateFigures {
    pub charge: Uuid,
    pub plan: Uuid,
    pub dollar: Option<i64>,
    pub percentage: Option<Decimal>,
    pub has_algorithm: bool,
    pub has_count: bool,
}

/// One of `item`'s rates, locked with its charge, or `None` when the item has no such rate.
pub async fn lock_rate(
    conn: &mut PgConnection,
    item: Uuid,
    rate: Uuid,
) -> sqlx::Result<Option<RateFigures>> {
    Ok(sqlx::query!(
        r#"select r.price_charge_id, r.price_plan_id, r.dollar_cents, r.percentage,
                  r.algorithm is not null as "has_algorithm!", r.claims_count is not null as "has_count!"
           from price_rate r join price_charge c using (price_charge_id)
           where r.price_rate_id = $1 and c.price_item_id = $2
           for update"#,
        rate,
        item
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| RateFigures {
        charge: r.price_charge_id,
        plan: r.price_plan_id,
        dollar: r.dollar_cents,
        percentage: r.percentage,
        has_algorithm: r.has_algorithm,
        has_count: r.has_count,
    }))
}

pub async fn update_rate(
    conn: impl PgExecutor<'_>,
    rate: Uuid,
    dollar: Option<i64>,
    percentage: Option<Decimal>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update price_rate set dollar_cents = $2, percentage = $3 where price_rate_id = $1",
        rate,
        dollar,
        percentage
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Which charge or rate a set of figure changes is about.
pub struct FigureSubject<'a> {
    pub item: Uuid,
    pub setting: &'a str,
    pub modifiers: &'a [String],
    /// The payer's plan, for a rate's figures.
    pub plan: Option<Uuid>,
}

/// Keeps each changed figure (name, before, after) in the item's history, and dates the
/// machine-readable file today, since what it publishes changed.
pub async fn insert_figure_edits(
    conn: &mut PgConnection,
    subject: &FigureSubject<'_>,
    account: Uuid,
    changes: &[(&str, Option<Decimal>, Option<Decimal>)],
) -> sqlx::Result<()> {
    let changes: Vec<_> = changes.iter().filter(|(_, b, a)| b != a).collect();
    if changes.is_empty() {
        return Ok(());
    }
    let figures: Vec<String> = changes.iter().map(|(f, _, _)| f.to_string()).collect();
    let before: Vec<Option<Decimal>> = changes.iter().map(|(_, b, _)| *b).collect();
    let after: Vec<Option<Decimal>> = changes.iter().map(|(_, _, a)| *a).collect();
    sqlx::query!(
        r#"insert into price_figure_edit (price_item_id, account_id, setting, modifiers,
                                          price_plan_id, figure, before_value, after_value)
           select $1, $2, $3, $4, $5, f, b, a
           from unnest($6::text[], $7::numeric[], $8::numeric[]) as x(f, b, a)"#,
        subject.item,
        account,
        subject.setting,
        subject.modifiers,
        subject.plan,
        &figures,
        &before as &[Option<Decimal>],
        &after as &[Option<Decimal>]
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update price_file set last_updated_on = current_date, updated_at = now()
         where last_updated_on <> current_date"
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One changed figure in an item's history.
pub struct FigureEdit {
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: String,
    pub setting: String,
    pub modifiers: Vec<String>,
    /// "Payer · Plan", for a rate's figure.
    pub plan: Option<String>,
    pub figure: String,
    pub before: Option<Decimal>,
    pub after: Option<Decimal>,
}

/// An item's figure changes, newest first (the latest 50).
pub async fn select_figure_history(
    conn: impl PgExecutor<'_>,
    item: Uuid,
) -> sqlx::Result<Vec<FigureEdit>> {
    sqlx::query_as!(
        FigureEdit,
        r#"select e.created_at as at, a.display_name as by, e.setting, e.modifiers, e.figure,
                  e.before_value as before, e.after_value as after,
                  p.payer_name || ' · ' || p.plan_name as plan
           from price_figure_edit e
           join account a using (account_id)
           left join price_plan p using (price_plan_id)
           where e.price_item_id = $1
           order by e.created_at desc, e.price_figure_edit_id limit 50"#,
        item
    )
    .fetch_all(conn)
    .await
}
