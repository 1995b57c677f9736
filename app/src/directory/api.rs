//! Find care's server functions. The public ones read listed entries only; every change is an
//! administrator's (with a second factor), checked before anything is read, done in one
//! transaction and audited.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn language(code: &str) -> &'static str {
    if code == "es" {
        "es"
    } else {
        "en"
    }
}

/// Listed clinicians matching the filters (empty means any), a page at a time, with every
/// choice the filters offer. `language` names things ("en" or "es"); `speaks` is the language
/// the clinician speaks. Anyone may call it.
#[server]
pub async fn find_care(
    language: String,
    specialty: Option<String>,
    location: Option<String>,
    speaks: Option<String>,
    visit_type: Option<String>,
    accepting: Option<bool>,
    page: Option<i64>,
) -> Result<Directory, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language);
            let filter = DirectoryFilter {
                specialty: specialty.unwrap_or_default().trim().to_string(),
                location: location.unwrap_or_default().trim().to_string(),
                language: speaks.unwrap_or_default().trim().to_string(),
                visit_type: visit_type.unwrap_or_default().trim().to_string(),
                accepting: accepting.unwrap_or(false),
            };
            let page = page.unwrap_or(1).clamp(1, 10_000);
            let pool = crate::state::db()?;
            let (items, total) = super::db::select_cards(
                &pool,
                language,
                &filter,
                None,
                DIRECTORY_PAGE,
                (page - 1) * DIRECTORY_PAGE,
            )
            .await?;
            Ok(Directory {
                clinicians: crate::library::Paged {
                    items,
                    page,
                    pages: (total + DIRECTORY_PAGE - 1) / DIRECTORY_PAGE,
                    total,
                },
                specialties: super::db::select_specialties(&pool, language, true).await?,
                locations: super::db::select_locations(&pool, false)
                    .await?
                    .into_iter()
                    .map(|(_, l)| l)
                    .collect(),
                languages: super::db::select_languages_spoken(&pool, language).await?,
                visit_types: super::db::select_visit_types(&pool, language).await?,
            })
        }
        .await,
    )
}

/// A listed clinician's page. Anyone may call it.
#[server]
pub async fn get_clinician(language: String, slug: String) -> Result<ClinicianProfile, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language);
            let pool = crate::state::db()?;
            let (mut cards, _) = super::db::select_cards(
                &pool,
                language,
                &DirectoryFilter::default(),
                Some(slug.trim()),
                1,
                0,
            )
            .await?;
            let card = cards.pop().ok_or(AppError::NotFound)?;
            let mut conn = pool.acquire().await?;
            let extras = super::db::select_profile_extras(&mut conn, language, &card.slug)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(ClinicianProfile {
                card,
                bio: extras.bio,
                visit_types: extras.visit_types,
                locations: extras.locations,
                schema_specialties: extras.schema_specialties,
            })
        }
        .await,
    )
}

/// A listed location's page: address, hours in its own time zone, whether it is open now, and
/// the clinicians who see patients there. Anyone may call it.
#[server]
pub async fn get_location(language: String, slug: String) -> Result<LocationProfile, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language);
            let pool = crate::state::db()?;
            let mut conn = pool.acquire().await?;
            let (summary, time_zone, note, hours) =
                super::db::select_location(&mut conn, language, slug.trim())
                    .await?
                    .ok_or(AppError::NotFound)?;
            let filter = DirectoryFilter {
                location: summary.slug.clone(),
                ..Default::default()
            };
            let (clinicians, _) =
                super::db::select_cards(&mut *conn, language, &filter, None, 500, 0).await?;
            let (today, minute) = local_now(&time_zone, chrono::Utc::now());
            Ok(LocationProfile {
                open_now: is_open(&hours, today, minute),
                today,
                summary,
                time_zone,
                note,
                hours,
                clinicians,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn require_admin() -> Result<crate::auth::server::Caller, AppError> {
    crate::auth::server::require_role(crate::auth::account::Role::Administrator).await
}

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)
}

/// `None` for a new entry (`new` or empty), else the id.
#[cfg(feature = "ssr")]
fn existing(id: Option<&str>) -> Result<Option<uuid::Uuid>, AppError> {
    match id.map(str::trim) {
        None | Some("") | Some("new") => Ok(None),
        Some(id) => parse_id(id).map(Some),
    }
}

/// Every location and clinician, listed or not. Administrators only.
#[server]
pub async fn admin_directory() -> Result<DirectoryAdmin, AppError> {
    crate::error::with_status(
        async move {
            require_admin().await?;
            let mut conn = crate::state::db()?.acquire().await?;
            let (locations, clinicians) = super::db::select_admin_rows(&mut conn).await?;
            Ok(DirectoryAdmin {
                locations,
                clinicians,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub const KEPT_FORM_COOKIE: &str = "kept_directory_form";

/// The form the caller's refused save kept for this entry, if any.
#[cfg(feature = "ssr")]
async fn kept<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::PgConnection,
    account: uuid::Uuid,
    kind: &str,
    target: Option<uuid::Uuid>,
) -> Option<T> {
    let draft: uuid::Uuid = crate::forms::recall(KEPT_FORM_COOKIE)?;
    let json = super::db::kept_form(conn, draft, account, kind, target)
        .await
        .ok()??;
    serde_json::from_value(json).ok()
}

/// A location's form (`location_id` "new" for an empty one), refilled with what the caller
/// typed when their last save was refused. Administrators only.
#[server]
pub async fn location_editor(location_id: String) -> Result<LocationEdit, AppError> {
    crate::error::with_status(
        async move {
            let caller = require_admin().await?;
            let id = existing(Some(&location_id))?;
            let mut conn = crate::state::db()?.acquire().await?;
            let stored = match id {
                Some(id) => Some(
                    super::db::select_location_form(&mut conn, id)
                        .await?
                        .ok_or(AppError::NotFound)?,
                ),
                None => None,
            };
            let public_slug = stored.as_ref().filter(|f| f.listed).map(|f| f.slug.clone());
            let form = match kept(&mut conn, caller.account.account_id, "location", id).await {
                Some(form) => form,
                None => stored.unwrap_or(LocationForm {
                    listed: true,
                    ..Default::default()
                }),
            };
            Ok(LocationEdit {
                location_id: id.map(|i| i.to_string()),
                form,
                public_slug,
            })
        }
        .await,
    )
}

/// Audits a change and commits it, or keeps what was typed when it was refused.
#[cfg(feature = "ssr")]
async fn finish_save(
    caller: &crate::auth::server::Caller,
    kind: &'static str,
    target: Option<uuid::Uuid>,
    form: serde_json::Value,
    saved: Result<uuid::Uuid, AppError>,
) -> Result<String, AppError> {
    use crate::auth::server;
    let pool = crate::state::db()?;
    match saved {
        Ok(id) => {
            super::db::forget_forms(&pool, caller.account.account_id, kind).await?;
            server::set_cookie(&crate::forms::forget_cookie(
                KEPT_FORM_COOKIE,
                "/admin/directory",
            ));
            leptos_axum::redirect(&format!("/admin/directory/{kind}s/{id}?saved=1"));
            Ok(id.to_string())
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let draft =
                super::db::keep_form(&pool, caller.account.account_id, kind, target, &form).await?;
            server::set_cookie(&crate::forms::remember_cookie(
                KEPT_FORM_COOKIE,
                "/admin/directory",
                &draft,
            ));
            Err(error)
        }
        Err(error) => Err(error),
    }
}

#[cfg(feature = "ssr")]
async fn audit_change(
    conn: &mut sqlx::PgConnection,
    caller: &crate::auth::server::Caller,
    action: &'static str,
    object: &'static str,
    id: uuid::Uuid,
) -> Result<(), AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    let client = crate::auth::server::current_client();
    let event = AuditEvent::new(action, Outcome::Success)
        .by(caller.account.account_id)
        .on(object, id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(conn, &event).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn slug_taken(_: Box<dyn sqlx::error::DatabaseError>) -> AppError {
    AppError::Validation([("slug".to_string(), "taken".to_string())].into())
}

/// Creates a location (empty `location_id`) or saves one. Hours are one field per weekday
/// (`hours_1` is Monday). A refused save keeps what was typed. Administrators only.
#[server]
pub async fn save_location(
    location_id: Option<String>,
    name: String,
    slug: Option<String>,
    street: String,
    city: String,
    region: String,
    postal_code: String,
    phone: String,
    time_zone: String,
    hours_1: Option<String>,
    hours_2: Option<String>,
    hours_3: Option<String>,
    hours_4: Option<String>,
    hours_5: Option<String>,
    hours_6: Option<String>,
    hours_7: Option<String>,
    note_en: Option<String>,
    note_es: Option<String>,
    listed: Option<String>,
) -> Result<String, AppError> {
    let form = LocationForm {
        name,
        slug: slug.unwrap_or_default(),
        street,
        city,
        region,
        postal_code,
        phone,
        time_zone,
        hours: [
            hours_1, hours_2, hours_3, hours_4, hours_5, hours_6, hours_7,
        ]
        .map(Option::unwrap_or_default),
        note_en: note_en.unwrap_or_default(),
        note_es: note_es.unwrap_or_default(),
        listed: listed.is_some(),
    };
    crate::error::with_status(
        async move {
            let caller = require_admin().await?;
            let target = existing(location_id.as_deref())?;
            let saved = save_location_inner(&caller, target, &form).await;
            let json = serde_json::to_value(&form).map_err(|_| AppError::Internal)?;
            finish_save(&caller, "location", target, json, saved).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn save_location_inner(
    caller: &crate::auth::server::Caller,
    target: Option<uuid::Uuid>,
    form: &LocationForm,
) -> Result<uuid::Uuid, AppError> {
    use crate::db::ResultExt;
    let checked = check_location(form).map_err(AppError::Validation)?;
    let id = target.unwrap_or_else(uuid::Uuid::new_v4);
    let mut tx = crate::state::db()?.begin().await?;
    let found = super::db::upsert_location(&mut tx, id, target.is_none(), &checked)
        .await
        .on_constraint("care_location_slug_key", slug_taken)?;
    if !found {
        return Err(AppError::NotFound);
    }
    let action = if target.is_none() {
        "directory.location.create"
    } else {
        "directory.location.update"
    };
    audit_change(&mut tx, caller, action, "care_location", id).await?;
    tx.commit().await?;
    Ok(id)
}

/// A clinician's form (`clinician_id` "new" for an empty one) with every choice, refilled with
/// what the caller typed when their last save was refused. Administrators only.
#[server]
pub async fn clinician_editor(clinician_id: String) -> Result<ClinicianEdit, AppError> {
    crate::error::with_status(
        async move {
            let caller = require_admin().await?;
            let id = existing(Some(&clinician_id))?;
            let pool = crate::state::db()?;
            let mut conn = pool.acquire().await?;
            let stored = match id {
                Some(id) => Some(
                    super::db::select_clinician_form(&mut conn, id)
                        .await?
                        .ok_or(AppError::NotFound)?,
                ),
                None => None,
            };
            let (stored_form, photo, public_slug) = match stored {
                Some((form, photo, slug)) => {
                    let listed = form.listed;
                    (Some(form), photo, listed.then_some(slug))
                }
                None => (None, None, None),
            };
            let form = match kept(&mut conn, caller.account.account_id, "clinician", id).await {
                Some(form) => form,
                None => stored_form.unwrap_or(ClinicianForm {
                    languages: vec!["en".into()],
                    accepting_new_patients: true,
                    listed: true,
                    ..Default::default()
                }),
            };
            Ok(ClinicianEdit {
                clinician_id: id.map(|i| i.to_string()),
                form,
                photo,
                public_slug,
                specialties: super::db::select_specialties(&mut *conn, "en", false).await?,
                locations: super::db::select_locations(&mut *conn, true)
                    .await?
                    .into_iter()
                    .map(|(id, l)| Choice {
                        value: id.to_string(),
                        name: l.name,
                    })
                    .collect(),
                visit_types: super::db::select_visit_types(&mut *conn, "en").await?,
                languages: LANGUAGES
                    .iter()
                    .map(|(code, en, _)| Choice {
                        value: code.to_string(),
                        name: en.to_string(),
                    })
                    .collect(),
            })
        }
        .await,
    )
}

/// Creates a clinician (empty `clinician_id`) or saves one, with the ticked languages,
/// specialties (the first is the main one), locations and visit types. A refused save keeps
/// what was typed. Administrators only.
#[server]
pub async fn save_clinician(
    clinician_id: Option<String>,
    name: String,
    slug: Option<String>,
    credentials: Option<String>,
    bio_en: Option<String>,
    bio_es: Option<String>,
    languages: Option<Vec<String>>,
    specialties: Option<Vec<String>>,
    locations: Option<Vec<String>>,
    visit_types: Option<Vec<String>>,
    accepting_new_patients: Option<String>,
    listed: Option<String>,
) -> Result<String, AppError> {
    let form = ClinicianForm {
        name,
        slug: slug.unwrap_or_default(),
        credentials: credentials.unwrap_or_default(),
        bio_en: bio_en.unwrap_or_default(),
        bio_es: bio_es.unwrap_or_default(),
        languages: languages.unwrap_or_default(),
        specialties: specialties.unwrap_or_default(),
        locations: locations.unwrap_or_default(),
        visit_types: visit_types.unwrap_or_default(),
        accepting_new_patients: accepting_new_patients.is_some(),
        listed: listed.is_some(),
    };
    crate::error::with_status(
        async move {
            let caller = require_admin().await?;
            let target = existing(clinician_id.as_deref())?;
            let saved = save_clinician_inner(&caller, target, &form).await;
            let json = serde_json::to_value(&form).map_err(|_| AppError::Internal)?;
            finish_save(&caller, "clinician", target, json, saved).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn save_clinician_inner(
    caller: &crate::auth::server::Caller,
    target: Option<uuid::Uuid>,
    form: &ClinicianForm,
) -> Result<uuid::Uuid, AppError> {
    let checked = check_clinician(form).map_err(AppError::Validation)?;
    let invalid =
        |field: &str| AppError::Validation([(field.to_string(), "invalid".to_string())].into());
    let locations = checked
        .locations
        .iter()
        .map(|l| uuid::Uuid::parse_str(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid("locations"))?;
    let id = target.unwrap_or_else(uuid::Uuid::new_v4);
    let mut tx = crate::state::db()?.begin().await?;
    // A taken slug or a ticked choice that does not exist (a forged form, or one deleted
    // meanwhile) is the typist's to fix, so it names the field.
    let found = match super::db::upsert_clinician(
        &mut tx,
        id,
        target.is_none(),
        &checked,
        &locations,
    )
    .await
    {
        Err(sqlx::Error::Database(e)) => {
            return Err(match e.constraint() {
                Some("clinician_slug_key") => slug_taken(e),
                Some("clinician_specialty_specialty_fkey") => invalid("specialties"),
                Some("clinician_location_location_id_fkey") => invalid("locations"),
                Some("clinician_visit_type_visit_type_fkey") => invalid("visit_types"),
                _ => sqlx::Error::Database(e).into(),
            })
        }
        other => other?,
    };
    if !found {
        return Err(AppError::NotFound);
    }
    let action = if target.is_none() {
        "directory.clinician.create"
    } else {
        "directory.clinician.update"
    };
    audit_change(&mut tx, caller, action, "clinician", id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets a clinician's portrait to an uploaded image (`image`, its key from the upload form)
/// described by `alt`, or removes it when `image` is empty. Administrators only.
#[server]
pub async fn set_clinician_photo(
    clinician_id: String,
    image: Option<String>,
    alt: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let caller = require_admin().await?;
            let id = parse_id(&clinician_id)?;
            let image = image
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty());
            let alt = alt.unwrap_or_default().trim().to_string();
            let field = |code: &str| AppError::Validation([("alt".into(), code.into())].into());
            let pool = crate::state::db()?;
            if let Some(image) = &image {
                if alt.is_empty() {
                    return Err(field("required"));
                }
                if alt.chars().count() > 200 {
                    return Err(field("too_long"));
                }
                if crate::media::find_image(&pool, image).await?.is_none() {
                    return Err(AppError::Validation(
                        [("image".into(), "invalid".into())].into(),
                    ));
                }
            }
            let mut tx = pool.begin().await?;
            let photo = image.as_deref().map(|i| (i, alt.as_str()));
            if !super::db::set_photo(&mut *tx, id, photo).await? {
                return Err(AppError::NotFound);
            }
            let action = if image.is_some() {
                "directory.clinician.photo_set"
            } else {
                "directory.clinician.photo_remove"
            };
            audit_change(&mut tx, &caller, action, "clinician", id).await?;
            tx.commit().await?;
            leptos_axum::redirect(&format!("/admin/directory/clinicians/{id}?saved=1"));
            Ok(())
        }
        .await,
    )
}
