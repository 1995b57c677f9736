//! The sharing tables' queries.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub struct NewLinkRow<'a> {
    pub link_id: Uuid,
    pub patient_id: Uuid,
    pub created_by: Uuid,
    pub label: &'a str,
    pub sections: &'a [String],
    pub manifest_token: &'a str,
    pub key: &'a [u8],
    pub payload: &'a str,
    pub passcode_hash: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_link(conn: &mut PgConnection, row: &NewLinkRow<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into share_link (link_id, patient_id, created_by, label, sections, manifest_token,
                                 key, payload, passcode_hash, attempts_left, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        row.link_id,
        row.patient_id,
        row.created_by,
        row.label,
        row.sections,
        row.manifest_token,
        row.key,
        row.payload,
        row.passcode_hash,
        super::PASSCODE_ATTEMPTS,
        row.expires_at
    )
    .execute(conn)
    .await
    .map(|_| ())
}

pub struct LinkRow {
    pub link_id: Uuid,
    pub label: String,
    pub sections: Vec<String>,
    pub manifest_token: String,
    pub key: Vec<u8>,
    pub has_passcode: bool,
    pub attempts_left: i32,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub made_by: String,
}

/// The patient's links, newest first.
pub async fn select_links(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as!(
        LinkRow,
        r#"select l.link_id, l.label, l.sections, l.manifest_token, l.key,
                  l.passcode_hash is not null as "has_passcode!", l.attempts_left, l.expires_at,
                  l.revoked_at, l.created_at, a.display_name as made_by
           from share_link l
           join account a on a.account_id = l.created_by
           where l.patient_id = $1
           order by l.created_at desc
           limit 100"#,
        patient
    )
    .fetch_all(conn)
    .await
}

pub struct OpenRow {
    pub link_id: Uuid,
    pub opened_at: DateTime<Utc>,
    pub recipient: String,
    pub outcome: String,
}

/// The latest 50 attempts on each of `links`, newest first.
pub async fn select_opens(conn: &mut PgConnection, links: &[Uuid]) -> sqlx::Result<Vec<OpenRow>> {
    sqlx::query_as!(
        OpenRow,
        r#"select o.link_id as "link_id!", o.opened_at as "opened_at!",
                  o.recipient as "recipient!", o.outcome as "outcome!"
           from unnest($1::uuid[]) as l(link_id)
           cross join lateral (
               select link_id, opened_at, recipient, outcome from share_link_open
               where link_id = l.link_id
               order by opened_at desc
               limit 50
           ) o"#,
        links
    )
    .fetch_all(conn)
    .await
}

/// Withdraws the patient's link `link` if it still works; whether it did.
pub async fn revoke(conn: &mut PgConnection, patient: Uuid, link: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update share_link set revoked_at = now()
         where link_id = $1 and patient_id = $2 and revoked_at is null",
        link,
        patient
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the patient has a link `link` at all (withdrawn or not).
pub async fn link_exists(conn: &mut PgConnection, patient: Uuid, link: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from share_link where link_id = $1 and patient_id = $2) as "e!""#,
        link,
        patient
    )
    .fetch_one(conn)
    .await
}

pub struct ManifestRow {
    pub link_id: Uuid,
    pub patient_id: Uuid,
    pub payload: String,
    pub passcode_hash: Option<String>,
    pub attempts_left: i32,
    /// Neither withdrawn nor past its end.
    pub current: bool,
}

/// The link behind manifest address `token`, locked until the transaction ends so that
/// passcode attempts on one link are counted one at a time.
pub async fn lock_by_token(
    conn: &mut PgConnection,
    token: &str,
) -> sqlx::Result<Option<ManifestRow>> {
    sqlx::query_as!(
        ManifestRow,
        r#"select link_id, patient_id, payload, passcode_hash, attempts_left,
                  (revoked_at is null and expires_at > now()) as "current!"
           from share_link where manifest_token = $1
           for update"#,
        token
    )
    .fetch_optional(conn)
    .await
}

pub async fn spend_attempt(conn: &mut PgConnection, link: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "update share_link set attempts_left = greatest(attempts_left - 1, 0)
         where link_id = $1 returning attempts_left",
        link
    )
    .fetch_one(conn)
    .await
}

pub async fn record_open(
    conn: &mut PgConnection,
    link: Uuid,
    recipient: &str,
    outcome: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into share_link_open (link_id, recipient, outcome) values ($1, $2, $3)",
        link,
        recipient,
        outcome
    )
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn insert_ticket(conn: &mut PgConnection, ticket: &str, link: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into share_link_ticket (ticket, link_id, expires_at)
         values ($1, $2, now() + interval '1 hour')",
        ticket,
        link
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// The encrypted file behind `ticket`, while both the ticket and its link still work.
pub async fn file_by_ticket(conn: &mut PgConnection, ticket: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select l.payload from share_link_ticket t join share_link l using (link_id)
         where t.ticket = $1 and t.expires_at > now()
           and l.revoked_at is null and l.expires_at > now() and l.attempts_left > 0",
        ticket
    )
    .fetch_optional(conn)
    .await
}
