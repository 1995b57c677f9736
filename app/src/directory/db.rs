//! Find care's queries. Public reads only ever return `listed` clinicians and locations; names
//! of specialties and visit types come out in the language asked for.

use super::domain::{
    language_name, AdminRow, CheckedClinician, CheckedLocation, Choice, ClinicianCard,
    ClinicianForm, DayHours, DirectoryFilter, LocationForm, LocationSummary, Photo, VisitTypeInfo,
};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub(crate) async fn select_specialties(
    conn: impl PgExecutor<'_>,
    language: &str,
    in_use: bool,
) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as!(
        Choice,
        r#"select s.slug as value,
                  case when $1 = 'es' then s.name_es else s.name_en end as "name!"
           from specialty s
           where not $2 or exists (
               select 1 from clinician_specialty cs join clinician c using (clinician_id)
               where cs.specialty = s.slug and c.listed)
           order by 2"#,
        language,
        in_use
    )
    .fetch_all(conn)
    .await
}

pub(crate) async fn select_visit_types(
    conn: impl PgExecutor<'_>,
    language: &str,
) -> sqlx::Result<Vec<VisitTypeInfo>> {
    sqlx::query_as!(
        VisitTypeInfo,
        r#"select slug, case when $1 = 'es' then name_es else name_en end as "name!",
                  duration_minutes as minutes, mode = 'video' as "video!",
                  new_patients, established_patients
           from visit_type order by duration_minutes desc, 2"#,
        language
    )
    .fetch_all(conn)
    .await
}

/// Locations by name, with their ids; only listed ones unless `all`.
pub(crate) async fn select_locations(
    conn: impl PgExecutor<'_>,
    all: bool,
) -> sqlx::Result<Vec<(Uuid, LocationSummary)>> {
    let rows = sqlx::query!(
        r#"select location_id, slug, name, street, city, region, postal_code, phone
           from care_location where listed or $1 order by name"#,
        all
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.location_id,
                LocationSummary {
                    slug: r.slug,
                    name: r.name,
                    street: r.street,
                    city: r.city,
                    region: r.region,
                    postal_code: r.postal_code,
                    phone: r.phone,
                },
            )
        })
        .collect())
}

/// The languages listed clinicians speak, named in `language`.
pub(crate) async fn select_languages_spoken(
    conn: impl PgExecutor<'_>,
    language: &str,
) -> sqlx::Result<Vec<Choice>> {
    let codes = sqlx::query_scalar!(
        r#"select distinct unnest(languages) as "code!" from clinician where listed"#
    )
    .fetch_all(conn)
    .await?;
    let mut out: Vec<Choice> = codes
        .into_iter()
        .filter_map(|code| {
            language_name(&code, language).map(|name| Choice {
                value: code,
                name: name.to_string(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Listed clinicians matching `filter` (and `slug`, when given), by family name, a page at a
/// time, with the total matched.
pub(super) async fn select_cards(
    conn: impl PgExecutor<'_>,
    language: &str,
    filter: &DirectoryFilter,
    slug: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ClinicianCard>, i64)> {
    let rows = sqlx::query!(
        r#"select c.slug, c.name, c.credentials, c.languages, c.accepting_new_patients,
                  c.photo_image, c.photo_alt, m.width as "photo_width?", m.height as "photo_height?",
                  array(select case when $1 = 'es' then s.name_es else s.name_en end
                        from clinician_specialty cs join specialty s on s.slug = cs.specialty
                        where cs.clinician_id = c.clinician_id
                        order by cs.position) as "specialties!",
                  array(select l.slug from clinician_location cl join care_location l using (location_id)
                        where cl.clinician_id = c.clinician_id and l.listed
                        order by l.name) as "location_slugs!",
                  array(select l.name from clinician_location cl join care_location l using (location_id)
                        where cl.clinician_id = c.clinician_id and l.listed
                        order by l.name) as "location_names!",
                  count(*) over () as "total!"
           from clinician c
           left join media_image m on m.media_hash = c.photo_image
           where c.listed
             and ($2::text is null or c.slug = $2)
             and ($3 = '' or exists (select 1 from clinician_specialty cs
                                     where cs.clinician_id = c.clinician_id and cs.specialty = $3))
             and ($4 = '' or exists (select 1 from clinician_location cl
                                     join care_location l using (location_id)
                                     where cl.clinician_id = c.clinician_id and l.slug = $4 and l.listed))
             and ($5 = '' or $5 = any(c.languages))
             and ($6 = '' or exists (select 1 from clinician_visit_type v
                                     where v.clinician_id = c.clinician_id and v.visit_type = $6))
             and (not $7 or c.accepting_new_patients)
           order by (regexp_match(c.name, '(\S+)\s*$'))[1], c.name, c.slug
           limit $8 offset $9"#,
        language,
        slug,
        filter.specialty,
        filter.location,
        filter.language,
        filter.visit_type,
        filter.accepting,
        limit,
        offset
    )
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let cards = rows
        .into_iter()
        .map(|r| ClinicianCard {
            slug: r.slug,
            name: r.name,
            credentials: r.credentials,
            specialties: r.specialties,
            locations: r
                .location_slugs
                .into_iter()
                .zip(r.location_names)
                .map(|(value, name)| Choice { value, name })
                .collect(),
            languages: r
                .languages
                .iter()
                .filter_map(|code| language_name(code, language).map(str::to_string))
                .collect(),
            accepting_new_patients: r.accepting_new_patients,
            photo: photo(r.photo_image, r.photo_width, r.photo_height, r.photo_alt),
        })
        .collect();
    Ok((cards, total))
}

fn photo(
    hash: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    alt: Option<String>,
) -> Option<Photo> {
    Some(Photo {
        image: crate::media::ImageRef {
            hash: hash?,
            width: u32::try_from(width?).ok()?,
            height: u32::try_from(height?).ok()?,
        },
        alt: alt.unwrap_or_default(),
    })
}

/// The rest of a listed clinician's page: bio, visit types, locations and schema.org
/// specialties.
pub(super) struct ProfileExtras {
    pub bio: String,
    pub visit_types: Vec<VisitTypeInfo>,
    pub locations: Vec<LocationSummary>,
    pub schema_specialties: Vec<String>,
}

pub(super) async fn select_profile_extras(
    conn: &mut PgConnection,
    language: &str,
    slug: &str,
) -> sqlx::Result<Option<ProfileExtras>> {
    let Some(c) = sqlx::query!(
        r#"select clinician_id,
                  case when $2 = 'es' and bio_es <> '' then bio_es else bio_en end as "bio!",
                  array(select distinct s.schema_org from clinician_specialty cs
                        join specialty s on s.slug = cs.specialty
                        where cs.clinician_id = clinician.clinician_id and s.schema_org is not null)
                      as "schema!: Vec<String>"
           from clinician where slug = $1 and listed"#,
        slug,
        language
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let visit_types = sqlx::query_as!(
        VisitTypeInfo,
        r#"select t.slug, case when $2 = 'es' then t.name_es else t.name_en end as "name!",
                  t.duration_minutes as minutes, t.mode = 'video' as "video!",
                  t.new_patients, t.established_patients
           from clinician_visit_type v join visit_type t on t.slug = v.visit_type
           where v.clinician_id = $1 order by t.duration_minutes desc, 2"#,
        c.clinician_id,
        language
    )
    .fetch_all(&mut *conn)
    .await?;
    let locations = sqlx::query_as!(
        LocationSummary,
        r#"select l.slug, l.name, l.street, l.city, l.region, l.postal_code, l.phone
           from clinician_location cl join care_location l using (location_id)
           where cl.clinician_id = $1 and l.listed order by l.name"#,
        c.clinician_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(ProfileExtras {
        bio: c.bio,
        visit_types,
        locations,
        schema_specialties: c.schema,
    }))
}

/// A listed location, its note in `language` (falling back to English), its time zone and hours.
pub(super) async fn select_location(
    conn: &mut PgConnection,
    language: &str,
    slug: &str,
) -> sqlx::Result<Option<(LocationSummary, String, String, Vec<DayHours>)>> {
    let Some(l) = sqlx::query!(
        r#"select location_id, slug, name, street, city, region, postal_code, phone, time_zone,
                  case when $2 = 'es' and note_es <> '' then note_es else note_en end as "note!"
           from care_location where slug = $1 and listed"#,
        slug,
        language
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let hours = select_hours(&mut *conn, l.location_id).await?;
    Ok(Some((
        LocationSummary {
            slug: l.slug,
            name: l.name,
            street: l.street,
            city: l.city,
            region: l.region,
            postal_code: l.postal_code,
            phone: l.phone,
        },
        l.time_zone,
        l.note,
        hours,
    )))
}

/// All seven days, Monday first; a closed day has no intervals.
async fn select_hours(conn: &mut PgConnection, location: Uuid) -> sqlx::Result<Vec<DayHours>> {
    let rows = sqlx::query!(
        r#"select weekday, to_char(opens, 'HH24:MI') as "opens!",
                  case when closes = '24:00' then '24:00' else to_char(closes, 'HH24:MI') end as "closes!"
           from location_hours where location_id = $1 order by weekday, opens"#,
        location
    )
    .fetch_all(conn)
    .await?;
    Ok((1..=7u8)
        .map(|weekday| DayHours {
            weekday,
            intervals: rows
                .iter()
                .filter(|r| r.weekday == i16::from(weekday))
                .map(|r| (r.opens.clone(), r.closes.clone()))
                .collect(),
        })
        .collect())
}

pub(super) async fn select_admin_rows(
    conn: &mut PgConnection,
) -> sqlx::Result<(Vec<AdminRow>, Vec<AdminRow>)> {
    let locations = sqlx::query_as!(
        AdminRow,
        r#"select location_id::text as "id!", name, city || ', ' || region as "detail!", listed
           from care_location order by name"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let clinicians = sqlx::query_as!(
        AdminRow,
        r#"select c.clinician_id::text as "id!", c.name,
                  coalesce((select s.name_en from clinician_specialty cs
                            join specialty s on s.slug = cs.specialty
                            where cs.clinician_id = c.clinician_id
                            order by cs.position limit 1), '') as "detail!",
                  c.listed
           from clinician c
           order by (regexp_match(c.name, '(\S+)\s*$'))[1], c.name"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok((locations, clinicians))
}

/// A location as its form shows it, with its public slug.
pub(super) async fn select_location_form(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<LocationForm>> {
    let Some(l) = sqlx::query!(
        r#"select name, slug, street, city, region, postal_code, phone, time_zone, note_en,
                  note_es, listed
           from care_location where location_id = $1"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let hours = select_hours(conn, id).await?;
    let typed = |day: &DayHours| {
        day.intervals
            .iter()
            .map(|(o, c)| format!("{o}-{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut form_hours: [String; 7] = Default::default();
    for (slot, day) in form_hours.iter_mut().zip(&hours) {
        *slot = typed(day);
    }
    Ok(Some(LocationForm {
        name: l.name,
        slug: l.slug,
        street: l.street,
        city: l.city,
        region: l.region,
        postal_code: l.postal_code,
        phone: l.phone,
        time_zone: l.time_zone,
        hours: form_hours,
        note_en: l.note_en,
        note_es: l.note_es,
        listed: l.listed,
    }))
}

/// Creates (`id` new) or replaces a location and its hours. Returns false when `id` names no
/// location to update.
pub async fn upsert_location(
    conn: &mut PgConnection,
    id: Uuid,
    create: bool,
    l: &CheckedLocation,
) -> sqlx::Result<bool> {
    // One statement creates or updates; an update of an id that is not there writes nothing.
    let written = sqlx::query!(
        r#"insert into care_location (location_id, slug, name, street, city, region,
               postal_code, phone, time_zone, note_en, note_es, listed)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
           where $13 or exists (select 1 from care_location where location_id = $1)
           on conflict (location_id) do update set slug = excluded.slug, name = excluded.name,
               street = excluded.street, city = excluded.city, region = excluded.region,
               postal_code = excluded.postal_code, phone = excluded.phone,
               time_zone = excluded.time_zone, note_en = excluded.note_en,
               note_es = excluded.note_es, listed = excluded.listed"#,
        id,
        l.slug,
        l.name,
        l.street,
        l.city,
        l.region,
        l.postal_code,
        l.phone,
        l.time_zone,
        l.note_en,
        l.note_es,
        l.listed,
        create
    )
    .execute(&mut *conn)
    .await?;
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!("delete from location_hours where location_id = $1", id)
        .execute(&mut *conn)
        .await?;
    let weekdays: Vec<i16> = l.hours.iter().map(|h| i16::from(h.0)).collect();
    let opens: Vec<i32> = l.hours.iter().map(|h| i32::from(h.1)).collect();
    let closes: Vec<i32> = l.hours.iter().map(|h| i32::from(h.2)).collect();
    sqlx::query!(
        r#"insert into location_hours (location_id, weekday, opens, closes)
           select $1, d, make_interval(mins => o)::time,
                  case when c = 1440 then '24:00'::time else make_interval(mins => c)::time end
           from unnest($2::smallint[], $3::int[], $4::int[]) as h(d, o, c)"#,
        id,
        &weekdays,
        &opens,
        &closes
    )
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// A clinician as the form shows it, with the photo.
pub(super) async fn select_clinician_form(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<(ClinicianForm, Option<Photo>, String)>> {
    let row = sqlx::query!(
        r#"select c.name, c.slug, c.credentials, c.bio_en, c.bio_es, c.languages,
                  c.accepting_new_patients, c.listed, c.photo_image, c.photo_alt,
                  m.width as "photo_width?", m.height as "photo_height?",
                  array(select specialty from clinician_specialty where clinician_id = c.clinician_id
                        order by position) as "specialties!",
                  array(select location_id::text from clinician_location
                        where clinician_id = c.clinician_id)
                      as "locations!",
                  array(select visit_type from clinician_visit_type
                        where clinician_id = c.clinician_id)
                      as "visit_types!"
           from clinician c left join media_image m on m.media_hash = c.photo_image
           where c.clinician_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            ClinicianForm {
                name: r.name,
                slug: r.slug.clone(),
                credentials: r.credentials,
                bio_en: r.bio_en,
                bio_es: r.bio_es,
                languages: r.languages,
                specialties: r.specialties,
                locations: r.locations,
                visit_types: r.visit_types,
                accepting_new_patients: r.accepting_new_patients,
                listed: r.listed,
            },
            photo(r.photo_image, r.photo_width, r.photo_height, r.photo_alt),
            r.slug,
        )
    }))
}

/// Creates or replaces a clinician and their specialties, locations and visit types. Returns
/// false when `id` names no clinician to update.
pub async fn upsert_clinician(
    conn: &mut PgConnection,
    id: Uuid,
    create: bool,
    c: &CheckedClinician,
    locations: &[Uuid],
) -> sqlx::Result<bool> {
    let written = sqlx::query!(
        r#"insert into clinician (clinician_id, slug, name, credentials, bio_en, bio_es,
               languages, accepting_new_patients, listed)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9
           where $10 or exists (select 1 from clinician where clinician_id = $1)
           on conflict (clinician_id) do update set slug = excluded.slug, name = excluded.name,
               credentials = excluded.credentials, bio_en = excluded.bio_en,
               bio_es = excluded.bio_es, languages = excluded.languages,
               accepting_new_patients = excluded.accepting_new_patients, listed = excluded.listed"#,
        id,
        c.slug,
        c.name,
        c.credentials,
        c.bio_en,
        c.bio_es,
        &c.languages,
        c.accepting_new_patients,
        c.listed,
        create
    )
    .execute(&mut *conn)
    .await?;
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "delete from clinician_specialty where clinician_id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into clinician_specialty (clinician_id, specialty, position)
           select $1, s, p - 1 from unnest($2::text[]) with ordinality as t(s, p)"#,
        id,
        &c.specialties
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from clinician_location where clinician_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "insert into clinician_location (clinician_id, location_id) select $1, unnest($2::uuid[])",
        id,
        locations
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from clinician_visit_type where clinician_id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into clinician_visit_type (clinician_id, visit_type) select $1, unnest($2::text[])",
        id,
        &c.visit_types
    )
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Keeps a refused form for the administrator who typed it; returns the draft's id.
pub(super) async fn keep_form(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    kind: &str,
    target: Option<Uuid>,
    form: &serde_json::Value,
) -> sqlx::Result<Uuid> {
    let draft = Uuid::new_v4();
    sqlx::query!(
        r#"insert into directory_form_draft (draft_id, account_id, kind, target_id, form)
           values ($1, $2, $3, $4, $5)"#,
        draft,
        account,
        kind,
        target,
        form
    )
    .execute(conn)
    .await?;
    Ok(draft)
}

pub(super) async fn kept_form(
    conn: impl PgExecutor<'_>,
    draft: Uuid,
    account: Uuid,
    kind: &str,
    target: Option<Uuid>,
) -> sqlx::Result<Option<serde_json::Value>> {
    sqlx::query_scalar!(
        r#"select form from directory_form_draft
           where draft_id = $1 and account_id = $2 and kind = $3
             and target_id is not distinct from $4 and created_at > now() - interval '1 day'"#,
        draft,
        account,
        kind,
        target
    )
    .fetch_optional(conn)
    .await
}

pub(super) async fn forget_forms(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    kind: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from directory_form_draft where account_id = $1 and kind = $2",
        account,
        kind
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Removes kept forms older than a day (the daily purge job).
pub async fn purge_old_drafts(conn: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!(
            "delete from directory_form_draft where created_at < now() - interval '1 day'"
        )
        .execute(conn)
        .await?
        .rows_affected(),
    )
}

/// Sets (or, with `None`, removes) a clinician's portrait. False when there is no such clinician.
pub(super) async fn set_photo(
    conn: impl PgExecutor<'_>,
    id: Uuid,
    photo: Option<(&str, &str)>,
) -> sqlx::Result<bool> {
    let (image, alt) = photo.unzip();
    Ok(sqlx::query!(
        "update clinician set photo_image = $2, photo_alt = $3
         where clinician_id = $1",
        id,
        image,
        alt
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
