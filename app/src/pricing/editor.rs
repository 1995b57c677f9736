//! Administrators edit what the portal adds to an item beyond CMS's data: its plain-language
//! name and summary in English and Spanish, whether it is shoppable, and the shoppable service
//! it is usually billed with. CMS's own fields (description, codes, charges) change only by
//! import. Every edit keeps the new version in `price_item_edit`, and re-imports keep the
//! edits (see `db::replace_catalogue`). Groups are one level deep: a group's head is shoppable
//! and in no group itself.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cookie keeping a refused edit's fields for the page.
#[cfg(feature = "ssr")]
pub const KEPT_ITEM: &str = "kept_price_item";
pub const NAME_MAX: usize = 300;
pub const SUMMARY_MAX: usize = 1000;

/// One edit in an item's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemChangeView {
    pub at: String,
    pub by: String,
    pub what: ItemChangeWhat,
}

/// What an edit changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ItemChangeWhat {
    /// Names, summaries, shoppable mark or group; the English name after.
    Names { name: String },
    /// One figure of a charge (`plan` empty) or of a payer plan's rate, before and after as
    /// the reader writes them ("$1,200.00", "80%"); `None` when blank.
    Figure {
        setting: String,
        modifiers: String,
        plan: Option<String>,
        figure: String,
        before: Option<String>,
        after: Option<String>,
    },
}

/// The item editor's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemEditor {
    pub id: String,
    pub description: String,
    pub codes: String,
    pub form: ItemForm,
    /// Shoppable services it may be grouped under: (id, name).
    pub heads: Vec<(String, String)>,
    /// Other items are billed with this one.
    pub heads_group: bool,
    /// Its charges and rates, with their ids, for the figure forms.
    pub charges: Vec<super::domain::ChargeView>,
    pub history: Vec<ItemChangeView>,
}

/// The editor's fields, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemForm {
    pub name_en: String,
    pub name_es: String,
    pub summary_en: String,
    pub summary_es: String,
    pub shoppable: bool,
    /// A group head's id, or empty.
    pub ancillary_of: String,
}

/// Checks an edit: names of 1 to 300 characters, summaries up to 1,000, a group among `heads`,
/// and groups one level deep (an item heading a group stays shoppable and in no group).
pub fn check_item(
    form: &ItemForm,
    heads: &[String],
    heads_group: bool,
) -> Result<(), BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    for (field, text, max) in [
        ("name_en", &form.name_en, NAME_MAX),
        ("name_es", &form.name_es, NAME_MAX),
        ("summary_en", &form.summary_en, SUMMARY_MAX),
        ("summary_es", &form.summary_es, SUMMARY_MAX),
    ] {
        let n = text.trim().chars().count();
        if n == 0 && field.starts_with("name") {
            problems.insert(field.to_string(), "required".to_string());
        } else if n > max {
            problems.insert(field.to_string(), "too_long".to_string());
        }
    }
    let group = form.ancillary_of.trim();
    if !group.is_empty() {
        if heads_group {
            problems.insert("ancillary_of".into(), "heads_group".into());
        } else if form.shoppable {
            problems.insert("ancillary_of".into(), "shoppable_in_group".into());
        } else if !heads.iter().any(|h| h == group) {
            problems.insert("ancillary_of".into(), "unknown".into());
        }
    }
    if heads_group && !form.shoppable {
        problems.insert("shoppable".into(), "heads_group".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// An item's editor: its names, summaries, group and history. Administrators only.
#[server]
pub async fn price_item_editor(item_id: String) -> Result<ItemEditor, AppError> {
    crate::error::with_status(server::editor(item_id).await)
}

/// Saves an item's names, summaries, shoppable mark and group, keeping the new version in its
/// history. `shoppable` is "on" when ticked; `ancillary_of` a group head's id or empty.
/// Administrators only. Audited.
#[server]
pub async fn save_price_item(
    item_id: String,
    name_en: String,
    name_es: String,
    summary_en: Option<String>,
    summary_es: Option<String>,
    shoppable: Option<String>,
    ancillary_of: Option<String>,
) -> Result<(), AppError> {
    let form = ItemForm {
        name_en,
        name_es,
        summary_en: summary_en.unwrap_or_default(),
        summary_es: summary_es.unwrap_or_default(),
        shoppable: shoppable.is_some_and(|s| !s.is_empty()),
        ancillary_of: ancillary_of.unwrap_or_default(),
    };
    crate::error::with_status(server::save(item_id, form).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::db;
    use super::*;
    use crate::audit::{AuditEvent, Outcome};
    use crate::auth::account::Role;
    use uuid::Uuid;

    fn item_id(id: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)
    }

    pub async fn editor(item_id: String) -> Result<ItemEditor, AppError> {
        crate::auth::server::require_role(Role::Administrator).await?;
        let id = self::item_id(&item_id)?;
        let language = crate::scheduling::server::language();
        let mut conn = crate::state::db()?.acquire().await?;
        let item = db::select_item_edit(&mut *conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let heads = db::select_group_heads(&mut *conn, language, id)
            .await?
            .into_iter()
            .map(|(h, name)| (h.to_string(), name))
            .collect();
        let charges = db::select_item(&mut conn, language, id)
            .await?
            .map(|d| d.charges)
            .unwrap_or_default();
        let names = db::select_item_history(&mut *conn, id)
            .await?
            .into_iter()
            .map(|(at, by, name)| (at, by, ItemChangeWhat::Names { name }));
        let figure = |figure: &str, value: Option<rust_decimal::Decimal>| {
            value.map(|v| match figure {
                "percentage" => {
                    super::super::money::format_percent(language, &v.normalize().to_string())
                }
                _ => super::super::money::format_usd(i64::try_from(v).unwrap_or_default()),
            })
        };
        let figures = db::select_figure_history(&mut *conn, id)
            .await?
            .into_iter()
            .map(|e| {
                let what = ItemChangeWhat::Figure {
                    setting: e.setting,
                    modifiers: e.modifiers.join(", "),
                    plan: e.plan,
                    before: figure(&e.figure, e.before),
                    after: figure(&e.figure, e.after),
                    figure: e.figure,
                };
                (e.at, e.by, what)
            });
        let mut history: Vec<_> = names.chain(figures).collect();
        // Newest first; the stable sort keeps each query's own order within one instant.
        history.sort_by_key(|h| std::cmp::Reverse(h.0));
        let history = history
            .into_iter()
            .take(50)
            .map(|(at, by, what)| ItemChangeView {
                at: crate::records::server::day(language, Some(at)),
                by,
                what,
            })
            .collect();
        Ok(ItemEditor {
            id: id.to_string(),
            description: item.description,
            codes: item.codes,
            form: ItemForm {
                name_en: item.name_en,
                name_es: item.name_es,
                summary_en: item.summary_en,
                summary_es: item.summary_es,
                shoppable: item.shoppable,
                ancillary_of: item.ancillary_of.map(|a| a.to_string()).unwrap_or_default(),
            },
            heads,
            heads_group: item.ancillaries > 0,
            charges,
            history,
        })
    }

    fn keep(id: Uuid, form: Option<&ItemForm>) {
        use crate::forms::{forget_cookie, remember_cookie};
        let path = format!("/admin/prices/items/{id}");
        crate::auth::server::set_cookie(&match form {
            Some(f) => remember_cookie(KEPT_ITEM, &path, f),
            None => forget_cookie(KEPT_ITEM, &path),
        });
    }

    pub async fn save(item_id: String, form: ItemForm) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let id = self::item_id(&item_id)?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        // Two edits at once (or an edit and an import) take turns on the item.
        if !db::lock_item(&mut *tx, id).await? {
            return Err(AppError::NotFound);
        }
        let item = db::select_item_edit(&mut *tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let heads: Vec<String> = db::select_group_heads(&mut *tx, "en", id)
            .await?
            .into_iter()
            .map(|(h, _)| h.to_string())
            .collect();
        if let Err(problems) = check_item(&form, &heads, item.ancillaries > 0) {
            keep(id, Some(&form));
            return Err(AppError::Validation(problems));
        }
        let group = Uuid::parse_str(form.ancillary_of.trim()).ok();
        if let Some(head) = group {
            // The head must still be a head when this commits.
            db::lock_item(&mut *tx, head).await?;
        }
        db::update_item(
            &mut tx,
            id,
            &db::ItemChange {
                name_en: form.name_en.trim(),
                name_es: form.name_es.trim(),
                summary_en: form.summary_en.trim(),
                summary_es: form.summary_es.trim(),
                shoppable: form.shoppable,
                ancillary_of: group,
            },
            caller.account.account_id,
        )
        .await?;
        let client = crate::auth::server::current_client();
        crate::audit::record(
            &mut *tx,
            &AuditEvent::new("prices.item_edit", Outcome::Success)
                .by(caller.account.account_id)
                .on("price_item", id)
                .from_client(client.ip, client.user_agent.as_deref()),
        )
        .await?;
        tx.commit().await?;
        keep(id, None);
        leptos_axum::redirect(&format!("/admin/prices/items/{id}?saved=1"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(shoppable: bool, group: &str) -> ItemForm {
        ItemForm {
            name_en: "Colonoscopy".into(),
            name_es: "Colonoscopia".into(),
            summary_en: String::new(),
            summary_es: String::new(),
            shoppable,
            ancillary_of: group.into(),
        }
    }

    #[test]
    fn groups_are_one_level_deep_and_names_are_required() {
        let heads = vec!["h1".to_string()];
        assert!(check_item(&form(false, "h1"), &heads, false).is_ok());
        assert!(check_item(&form(true, ""), &heads, true).is_ok());
        let p = check_item(&form(false, "h2"), &heads, false).expect_err("unknown head");
        assert_eq!(p.get("ancillary_of").map(String::as_str), Some("unknown"));
        let p = check_item(&form(true, "h1"), &heads, false).expect_err("shoppable member");
        assert_eq!(
            p.get("ancillary_of").map(String::as_str),
            Some("shoppable_in_group")
        );
        let p = check_item(&form(false, "h1"), &heads, true).expect_err("a head in a group");
        assert_eq!(
            p.get("ancillary_of").map(String::as_str),
            Some("heads_group")
        );
        assert_eq!(p.get("shoppable").map(String::as_str), Some("heads_group"));
        let mut blank = form(false, "");
        blank.name_es = "  ".into();
        blank.summary_en = "x".repeat(SUMMARY_MAX + 1);
        let p = check_item(&blank, &heads, false).expect_err("blank name");
        assert_eq!(p.get("name_es").map(String::as_str), Some("required"));
        assert_eq!(p.get("summary_en").map(String::as_str), Some("too_long"));
    }
}
