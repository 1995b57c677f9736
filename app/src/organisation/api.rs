use super::Organisation;
use crate::error::AppError;
use leptos::prelude::*;

/// The organisation's public name and phone. Anyone may call it, signed in or not: it is what
/// every public page shows.
#[server]
pub async fn get_organisation() -> Result<Organisation, AppError> {
    let pool = crate::state::db()?;
    Ok(super::db::find_organisation(&pool)
        .await?
        .unwrap_or_else(Organisation::unconfigured))
}
