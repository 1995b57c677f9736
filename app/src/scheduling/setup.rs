//! Setting up when clinicians work: weekly hours per location, date exceptions, blocks when a
//! clinician is away, a location's holidays, and the visit types themselves. Staff and
//! administrators (with a second factor) change hours, exceptions, blocks and holidays;
//! administrators change visit types. Every change is audited.
//!
//! Invariants: a clinician's weekly hours never overlap each other on a weekday in the dates
//! they share, wherever they are (nobody works in two places at once); times are wall-clock
//! times at the location. A change never touches booked visits: the answer says how many
//! booked visits now fall outside the hours, so staff can move them from the calendar.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use crate::directory::Choice;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One row of weekly hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursRow {
    pub id: String,
    pub location_name: String,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    pub starts: String,
    pub ends: String,
    pub slot_minutes: i32,
    pub valid_from: String,
    pub valid_until: Option<String>,
}

/// A date exception: closed (no times) or other hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub id: String,
    pub location_name: String,
    pub day: String,
    pub hours: Option<(String, String)>,
}

/// A time the clinician is away (shown in the clinician's main location's zone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

/// A day a location is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRow {
    pub location: String,
    pub location_name: String,
    pub day: String,
    pub name: String,
}

/// Everything the schedule set-up page shows for one clinician.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSetup {
    pub clinicians: Vec<Choice>,
    pub clinician: String,
    pub clinician_name: String,
    /// The clinician's locations (slug, name).
    pub locations: Vec<Choice>,
    pub hours: Vec<HoursRow>,
    pub exceptions: Vec<ExceptionRow>,
    pub blocks: Vec<BlockRow>,
    pub holidays: Vec<HolidayRow>,
    /// The zone blocks are entered in.
    pub time_zone: String,
}

/// A visit type as administrators edit it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitTypeRow {
    pub slug: String,
    pub name_en: String,
    pub name_es: String,
    pub minutes: i32,
    pub video: bool,
    pub new_patients: bool,
    pub established_patients: bool,
    pub clinicians: i64,
    /// The CPT or HCPCS code its visits are billed under ("99213"), which names the price
    /// catalogue's item a booking's estimate is for; empty for none.
    pub billing_code: String,
    /// Whether the price catalogue lists that code (no estimate is shown otherwise).
    pub billing_listed: bool,
}

/// The schedule set-up of one clinician (by slug; the first otherwise). Staff and
/// administrators.
#[server]
pub async fn get_schedule_setup(clinician: Option<String>) -> Result<ScheduleSetup, AppError> {
    crate::error::with_status(imp::setup(clinician.unwrap_or_default()).await)
}

/// Adds weekly hours. Staff and administrators.
#[server]
pub async fn add_hours(
    clinician: String,
    location: String,
    weekday: String,
    starts: String,
    ends: String,
    slot_minutes: String,
    valid_from: String,
    valid_until: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        imp::add_hours(
            clinician,
            location,
            weekday,
            (starts, ends),
            slot_minutes,
            (valid_from, valid_until.unwrap_or_default()),
        )
        .await,
    )
}

/// Adds a date exception: closed when no times are given. Staff and administrators.
#[server]
pub async fn add_exception(
    clinician: String,
    location: String,
    day: String,
    starts: Option<String>,
    ends: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        imp::add_exception(
            clinician,
            location,
            day,
            starts.unwrap_or_default(),
            ends.unwrap_or_default(),
        )
        .await,
    )
}

/// Blocks a clinician's time (leave, a conference). Staff and administrators.
#[server]
pub async fn add_block(
    clinician: String,
    from: String,
    to: String,
    note: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(imp::add_block(clinician, from, to, note.unwrap_or_default()).await)
}

/// Closes a location for a day. Staff and administrators.
#[server]
pub async fn add_holiday(
    clinician: String,
    location: String,
    day: String,
    name_en: String,
    name_es: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        imp::add_holiday(
            clinician,
            location,
            day,
            name_en,
            name_es.unwrap_or_default(),
        )
        .await,
    )
}

/// Removes weekly hours, an exception, a block (`kind` hours/exception/block, by id) or a
/// holiday (`kind` holiday, id `location-slug/YYYY-MM-DD`). Staff and administrators.
#[server]
pub async fn remove_schedule_item(
    clinician: String,
    kind: String,
    id: String,
) -> Result<(), AppError> {
    crate::error::with_status(imp::remove(clinician, kind, id).await)
}

/// Every visit type with how many clinicians offer it. Administrators.
#[server]
pub async fn visit_types_admin() -> Result<Vec<VisitTypeRow>, AppError> {
    crate::error::with_status(imp::visit_types().await)
}

/// A visit type's billing code: empty, or five letters and digits as CPT and HCPCS codes are
/// ("99213", "G0438"), upper-cased.
pub fn check_billing_code(code: &str) -> Result<Option<String>, &'static str> {
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        Ok(None)
    } else if code.len() == 5 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(Some(code))
    } else {
        Err("billing_code")
    }
}

/// Adds or changes a visit type (by slug), with the billing code its estimates use.
/// Administrators.
#[server]
pub async fn save_visit_type(
    slug: String,
    name_en: String,
    name_es: String,
    minutes: String,
    mode: String,
    new_patients: Option<String>,
    established_patients: Option<String>,
    billing_code: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        imp::save_visit_type(
            slug,
            (name_en, name_es),
            minutes,
            mode,
            (
                new_patients.is_some_and(|v| !v.is_empty()),
                established_patients.is_some_and(|v| !v.is_empty()),
            ),
            billing_code.unwrap_or_default(),
        )
        .await,
    )
}

#[cfg(feature = "ssr")]
mod imp {
    use super::*;
    use crate::auth::account::Role;
    use crate::auth::server::Caller;
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    use sqlx::postgres::types::PgRange;
    use std::collections::BTreeMap;
    use uuid::Uuid;

    fn invalid(field: &str, problem: &str) -> AppError {
        AppError::Validation(BTreeMap::from([(field.to_string(), problem.to_string())]))
    }

    /// Staff or administrators, with a second factor.
    async fn require_scheduler() -> Result<Caller, AppError> {
        match crate::auth::server::require_role(Role::Staff).await {
            Err(AppError::Forbidden) => {
                crate::auth::server::require_role(Role::Administrator).await
            }
            other => other,
        }
    }

    fn audit(caller: &Caller, action: &'static str, object: &str) -> crate::audit::AuditEvent {
        let client = crate::auth::server::current_client();
        crate::audit::AuditEvent::new(action, crate::audit::Outcome::Success)
            .by(caller.account.account_id)
            .on("clinician", object)
            .from_client(client.ip, client.user_agent.as_deref())
    }

    fn time(value: &str, field: &str) -> Result<NaiveTime, AppError> {
        NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| invalid(field, "time"))
    }

    fn date(value: &str, field: &str) -> Result<NaiveDate, AppError> {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| invalid(field, "date"))
    }

    fn hhmm(t: NaiveTime) -> String {
        t.format("%H:%M").to_string()
    }

    async fn clinician_id(
        conn: &mut sqlx::PgConnection,
        slug: &str,
    ) -> Result<(Uuid, String), AppError> {
        sqlx::query!(
            "select clinician_id, name from clinician where slug = $1",
            slug.trim()
        )
        .fetch_optional(conn)
        .await?
        .map(|r| (r.clinician_id, r.name))
        .ok_or_else(|| invalid("clinician", "unknown"))
    }

    /// The location by slug, if the clinician works there.
    async fn location_id(
        conn: &mut sqlx::PgConnection,
        clinician: Uuid,
        slug: &str,
    ) -> Result<(Uuid, String), AppError> {
        sqlx::query!(
            "select l.location_id, l.time_zone from care_location l
               join clinician_location cl using (location_id)
              where l.slug = $1 and cl.clinician_id = $2",
            slug.trim(),
            clinician
        )
        .fetch_optional(conn)
        .await?
        .map(|r| (r.location_id, r.time_zone))
        .ok_or_else(|| invalid("location", "unknown"))
    }

    fn back(clinician: &str, notice: &str) {
        leptos_axum::redirect(&format!(
            "/staff/schedule/setup?clinician={}&{notice}=1",
            crate::library::urlencode(clinician.trim())
        ));
    }

    pub async fn setup(clinician: String) -> Result<ScheduleSetup, AppError> {
        require_scheduler().await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let all = super::super::db::select_clinician_names(&mut conn, None).await?;
        let every: Vec<Choice> = sqlx::query!("select slug, name from clinician order by name")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| Choice {
                value: r.slug,
                name: r.name,
            })
            .collect();
        let chosen = every
            .iter()
            .find(|c| c.value == clinician.trim())
            .or_else(|| {
                all.first()
                    .and_then(|first| every.iter().find(|c| c.value == first.slug))
            })
            .or_else(|| every.first())
            .cloned()
            .ok_or(AppError::NotFound)?;
        let (id, name) = clinician_id(&mut conn, &chosen.value).await?;
        let locations = sqlx::query!(
            "select l.slug, l.name, l.time_zone from care_location l join clinician_location cl using (location_id)
              where cl.clinician_id = $1 order by l.name",
            id
        )
        .fetch_all(&mut *conn)
        .await?;
        let time_zone = locations
            .first()
            .map_or_else(|| "America/Chicago".to_string(), |l| l.time_zone.clone());
        let tz = super::super::notify::zone(&time_zone);
        let hours = sqlx::query!(
            "select h.schedule_hours_id, l.name, h.weekday, h.starts, h.ends, h.slot_minutes, h.valid_from, h.valid_until
               from schedule_hours h join care_location l using (location_id)
              where h.clinician_id = $1 and (h.valid_until is null or h.valid_until >= current_date)
              order by h.weekday, h.starts",
            id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| HoursRow {
            id: r.schedule_hours_id.to_string(),
            location_name: r.name,
            weekday: r.weekday,
            starts: hhmm(r.starts),
            ends: hhmm(r.ends),
            slot_minutes: r.slot_minutes,
            valid_from: r.valid_from.to_string(),
            valid_until: r.valid_until.map(|d| d.to_string()),
        })
        .collect();
        let exceptions = sqlx::query!(
            "select e.schedule_exception_id, l.name, e.day, e.starts, e.ends
               from schedule_exception e join care_location l using (location_id)
              where e.clinician_id = $1 and e.day >= current_date order by e.day, e.starts",
            id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| ExceptionRow {
            id: r.schedule_exception_id.to_string(),
            location_name: r.name,
            day: r.day.to_string(),
            hours: r.starts.zip(r.ends).map(|(s, e)| (hhmm(s), hhmm(e))),
        })
        .collect();
        let blocks = sqlx::query!(
            r#"select clinician_block_id, lower(during) as "from!", upper(during) as "to!", note
                 from clinician_block where clinician_id = $1 and upper(during) > now()
                order by lower(during)"#,
            id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| BlockRow {
            id: r.clinician_block_id.to_string(),
            from: r
                .from
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            to: r.to.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            note: r.note,
        })
        .collect();
        let language = super::super::api::server::language();
        let holidays = sqlx::query!(
            "select l.slug, l.name as location_name, h.day, h.name_en, h.name_es
               from location_holiday h join care_location l using (location_id)
               join clinician_location cl on cl.location_id = l.location_id
              where cl.clinician_id = $1 and h.day >= current_date order by h.day, l.name",
            id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| HolidayRow {
            location: r.slug,
            location_name: r.location_name,
            day: r.day.to_string(),
            name: if language == "es" {
                r.name_es
            } else {
                r.name_en
            },
        })
        .collect();
        Ok(ScheduleSetup {
            clinicians: every,
            clinician: chosen.value,
            clinician_name: name,
            locations: locations
                .into_iter()
                .map(|l| Choice {
                    value: l.slug,
                    name: l.name,
                })
                .collect(),
            hours,
            exceptions,
            blocks,
            holidays,
            time_zone,
        })
    }

    pub async fn add_hours(
        clinician: String,
        location: String,
        weekday: String,
        (starts, ends): (String, String),
        slot_minutes: String,
        (valid_from, valid_until): (String, String),
    ) -> Result<(), AppError> {
        let caller = require_scheduler().await?;
        let weekday: i16 = weekday
            .trim()
            .parse()
            .ok()
            .filter(|d| (1..=7).contains(d))
            .ok_or_else(|| invalid("weekday", "unknown"))?;
        let (s, e) = (time(&starts, "starts")?, time(&ends, "ends")?);
        if s >= e {
            return Err(invalid("ends", "before_start"));
        }
        let slot: i32 = slot_minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| (5..=240).contains(m))
            .ok_or_else(|| invalid("slot_minutes", "range"))?;
        let from = date(&valid_from, "valid_from")?;
        let until = match valid_until.trim() {
            "" => None,
            v => Some(date(v, "valid_until")?),
        };
        if until.is_some_and(|u| u < from) {
            return Err(invalid("valid_until", "before_start"));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (id, _) = clinician_id(&mut tx, &clinician).await?;
        let (place, _) = location_id(&mut tx, id, &location).await?;
        super::super::waitlist::lock_clinician(&mut tx, id).await?;
        let clash = sqlx::query_scalar!(
            r#"select exists (select 1 from schedule_hours
                 where clinician_id = $1 and weekday = $2 and starts < $4 and ends > $3
                   and daterange(valid_from, valid_until, '[]') && daterange($5, $6, '[]')) as "e!""#,
            id,
            weekday,
            s,
            e,
            from,
            until
        )
        .fetch_one(&mut *tx)
        .await?;
        if clash {
            return Err(invalid("starts", "overlaps"));
        }
        sqlx::query!(
            "insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, slot_minutes, valid_from, valid_until)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            Uuid::new_v4(),
            id,
            place,
            weekday,
            s,
            e,
            slot,
            from,
            until
        )
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &audit(&caller, "schedule.hours_add", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        back(&clinician, "saved");
        Ok(())
    }

    pub async fn add_exception(
        clinician: String,
        location: String,
        day: String,
        starts: String,
        ends: String,
    ) -> Result<(), AppError> {
        let caller = require_scheduler().await?;
        let day = date(&day, "day")?;
        let hours = match (starts.trim(), ends.trim()) {
            ("", "") => None,
            (s, e) => {
                let (s, e) = (time(s, "starts")?, time(e, "ends")?);
                if s >= e {
                    return Err(invalid("ends", "before_start"));
                }
                Some((s, e))
            }
        };
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (id, _) = clinician_id(&mut tx, &clinician).await?;
        let (place, _) = location_id(&mut tx, id, &location).await?;
        sqlx::query!(
            "insert into schedule_exception (schedule_exception_id, clinician_id, location_id, day, starts, ends)
             values ($1, $2, $3, $4, $5, $6)",
            Uuid::new_v4(),
            id,
            place,
            day,
            hours.map(|h| h.0),
            hours.map(|h| h.1)
        )
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &audit(&caller, "schedule.exception_add", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        back(&clinician, "saved");
        Ok(())
    }

    pub async fn add_block(
        clinician: String,
        from: String,
        to: String,
        note: String,
    ) -> Result<(), AppError> {
        let caller = require_scheduler().await?;
        let local = |v: &str, field: &str| {
            NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M")
                .map_err(|_| invalid(field, "time"))
        };
        let (f, t) = (local(&from, "from")?, local(&to, "to")?);
        if f >= t {
            return Err(invalid("to", "before_start"));
        }
        if note.chars().count() > 200 {
            return Err(invalid("note", "too_long"));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (id, _) = clinician_id(&mut tx, &clinician).await?;
        let zone_name = sqlx::query_scalar!(
            "select l.time_zone from clinician_location cl join care_location l using (location_id)
              where cl.clinician_id = $1 order by l.name limit 1",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or_else(|| "America/Chicago".into());
        let tz = super::super::notify::zone(&zone_name);
        let start = super::super::slots::instant(tz, f.date(), f.time(), false);
        let end = super::super::slots::instant(tz, t.date(), t.time(), true);
        super::super::waitlist::lock_clinician(&mut tx, id).await?;
        sqlx::query!(
            "insert into clinician_block (clinician_block_id, clinician_id, during, note, created_by)
             values ($1, $2, $3, $4, $5)",
            Uuid::new_v4(),
            id,
            PgRange::from(start..end),
            note.trim(),
            caller.account.account_id
        )
        .execute(&mut *tx)
        .await?;
        super::super::waitlist::withdraw_overlapping(
            &mut tx,
            id,
            super::super::slots::Span::new(start, end),
        )
        .await?;
        let booked: i64 = sqlx::query_scalar!(
            r#"select count(*) as "n!" from appointment
                where clinician_id = $1 and status = 'booked' and during && $2"#,
            id,
            PgRange::from(start..end)
        )
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &audit(&caller, "schedule.block_add", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/staff/schedule/setup?clinician={}&saved=1&booked_inside={booked}",
            crate::library::urlencode(clinician.trim())
        ));
        Ok(())
    }

    pub async fn add_holiday(
        clinician: String,
        location: String,
        day: String,
        name_en: String,
        name_es: String,
    ) -> Result<(), AppError> {
        let caller = require_scheduler().await?;
        let day = date(&day, "day")?;
        let name_en = name_en.trim().to_string();
        if name_en.is_empty() || name_en.chars().count() > 80 {
            return Err(invalid("name_en", "required"));
        }
        let name_es = match name_es.trim() {
            "" => name_en.clone(),
            n if n.chars().count() > 80 => return Err(invalid("name_es", "too_long")),
            n => n.to_string(),
        };
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (id, _) = clinician_id(&mut tx, &clinician).await?;
        let (place, _) = location_id(&mut tx, id, &location).await?;
        sqlx::query!(
            "insert into location_holiday (location_id, day, name_en, name_es) values ($1, $2, $3, $4)
             on conflict (location_id, day) do update set name_en = excluded.name_en, name_es = excluded.name_es",
            place,
            day,
            name_en,
            name_es
        )
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &audit(&caller, "schedule.holiday_add", &place.to_string()),
        )
        .await?;
        tx.commit().await?;
        back(&clinician, "saved");
        Ok(())
    }

    pub async fn remove(clinician: String, kind: String, id: String) -> Result<(), AppError> {
        let caller = require_scheduler().await?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (who, _) = clinician_id(&mut tx, &clinician).await?;
        let uuid = || Uuid::parse_str(id.trim()).map_err(|_| invalid("id", "unknown"));
        let removed = match kind.as_str() {
            "hours" => sqlx::query!(
                "delete from schedule_hours where schedule_hours_id = $1 and clinician_id = $2",
                uuid()?,
                who
            )
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            "exception" => sqlx::query!(
                "delete from schedule_exception where schedule_exception_id = $1 and clinician_id = $2",
                uuid()?,
                who
            )
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            "block" => {
                let freed = sqlx::query!(
                    r#"delete from clinician_block where clinician_block_id = $1 and clinician_id = $2
                       returning lower(during) as "start!", upper(during) as "end!""#,
                    uuid()?,
                    who
                )
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(f) = &freed {
                    super::super::waitlist::time_freed(
                        &mut tx,
                        who,
                        super::super::slots::Span::new(f.start, f.end),
                    )
                    .await?;
                }
                u64::from(freed.is_some())
            }
            "holiday" => {
                let (slug, day) = id.split_once('/').ok_or_else(|| invalid("id", "unknown"))?;
                let (place, _) = location_id(&mut tx, who, slug).await?;
                sqlx::query!(
                    "delete from location_holiday where location_id = $1 and day = $2",
                    place,
                    date(day, "id")?
                )
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            _ => return Err(invalid("kind", "unknown")),
        };
        if removed == 0 {
            return Err(AppError::NotFound);
        }
        crate::audit::record(
            &mut *tx,
            &audit(&caller, "schedule.remove", &who.to_string()),
        )
        .await?;
        tx.commit().await?;
        back(&clinician, "removed");
        Ok(())
    }

    pub async fn visit_types() -> Result<Vec<VisitTypeRow>, AppError> {
        crate::auth::server::require_role(Role::Administrator).await?;
        let pool = crate::state::db()?;
        Ok(sqlx::query_as!(
            VisitTypeRow,
            r#"select v.slug, v.name_en, v.name_es, v.duration_minutes as minutes, v.mode = 'video' as "video!",
                      v.new_patients, v.established_patients,
                      (select count(*) from clinician_visit_type c where c.visit_type = v.slug) as "clinicians!",
                      coalesce(v.billing_code, '') as "billing_code!",
                      exists (select 1 from price_code p
                              where upper(p.code) = upper(v.billing_code) and p.code_type in ('CPT', 'HCPCS')) as "billing_listed!"
                 from visit_type v order by v.name_en"#
        )
        .fetch_all(&pool)
        .await?)
    }

    pub async fn save_visit_type(
        slug: String,
        (name_en, name_es): (String, String),
        minutes: String,
        mode: String,
        (new_patients, established_patients): (bool, bool),
        billing_code: String,
    ) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let slug = slug.trim().to_lowercase();
        let mut problems = BTreeMap::new();
        let slug_ok = !slug.is_empty()
            && slug.len() <= 60
            && slug.split('-').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !slug_ok {
            problems.insert("slug".into(), "slug".into());
        }
        for (field, name) in [("name_en", &name_en), ("name_es", &name_es)] {
            let n = name.trim().chars().count();
            if n == 0 || n > 80 {
                problems.insert(field.into(), "required".into());
            }
        }
        let minutes: Option<i32> = minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| (5..=480).contains(m));
        if minutes.is_none() {
            problems.insert("minutes".into(), "range".into());
        }
        let mode = match mode.trim() {
            "video" => "video",
            "in_person" => "in_person",
            _ => {
                problems.insert("mode".into(), "unknown".into());
                "in_person"
            }
        };
        if !new_patients && !established_patients {
            problems.insert("new_patients".into(), "one_needed".into());
        }
        let billing_code = check_billing_code(&billing_code).unwrap_or_else(|p| {
            problems.insert("billing_code".into(), p.into());
            None
        });
        let (Some(minutes), true) = (minutes, problems.is_empty()) else {
            return Err(AppError::Validation(problems));
        };
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        sqlx::query!(
            "insert into visit_type (slug, name_en, name_es, duration_minutes, mode, new_patients,
                                     established_patients, billing_code)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (slug) do update set name_en = excluded.name_en, name_es = excluded.name_es,
                 duration_minutes = excluded.duration_minutes, mode = excluded.mode,
                 new_patients = excluded.new_patients, established_patients = excluded.established_patients,
                 billing_code = excluded.billing_code",
            slug,
            name_en.trim(),
            name_es.trim(),
            minutes,
            mode,
            new_patients,
            established_patients,
            billing_code
        )
        .execute(&mut *tx)
        .await?;
        let client = crate::auth::server::current_client();
        crate::audit::record(
            &mut *tx,
            &crate::audit::AuditEvent::new("visit_type.save", crate::audit::Outcome::Success)
                .by(caller.account.account_id)
                .on("visit_type", &slug)
                .from_client(client.ip, client.user_agent.as_deref()),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect("/admin/visit-types?saved=1");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_billing_code;

    #[test]
    fn a_billing_code_is_five_letters_and_digits_or_nothing() {
        assert_eq!(check_billing_code(" 99213 "), Ok(Some("99213".into())));
        assert_eq!(check_billing_code("g0438"), Ok(Some("G0438".into())));
        assert_eq!(check_billing_code("  "), Ok(None));
        for bad in ["9921", "992133", "99-13", "99 13", "9921é"] {
            assert_eq!(check_billing_code(bad), Err("billing_code"), "{bad}");
        }
    }
}
