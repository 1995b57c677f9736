//! Queries behind linking accounts to patient records, proxies, and the patient's access log.

use crate::auth::access::Scope;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Letters and digits that cannot be mistaken for one another on paper or over the phone.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const INVITATION_DAYS: i64 = 30;
pub const EMAILED_CODE_MINUTES: i64 = 30;

fn random_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..8)
        .map(|_| {
            let i = (rng.next_u32() as usize) % CODE_ALPHABET.len();
            char::from(*CODE_ALPHABET.get(i).unwrap_or(&b'A'))
        })
        .collect();
    let (a, b) = chars.split_at(4);
    format!("{a}-{b}")
}

/// A code as typed: case, spaces and dashes do not matter.
fn code_hash(code: &str) -> Vec<u8> {
    let clean: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(clean.as_bytes()).to_vec()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Invitation,
    Emailed,
}

impl CodeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Emailed => "emailed",
        }
    }
}

/// Makes a code that links an account to `patient`: an invitation (for anyone who holds it,
/// 30 days) or an emailed code (only for `account`, 30 minutes). Returns it for display.
pub async fn create_link_code(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
    kind: CodeKind,
    account: Option<Uuid>,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    let code = random_code();
    let lifetime = match kind {
        CodeKind::Invitation => Duration::days(INVITATION_DAYS),
        CodeKind::Emailed => Duration::minutes(EMAILED_CODE_MINUTES),
    };
    sqlx::query!(
        "insert into patient_link_code (code_hash, patient_id, kind, account_id, created_by, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        code_hash(&code),
        patient,
        kind.as_str(),
        account,
        created_by,
        now + lifetime,
        now
    )
    .execute(conn)
    .await?;
    Ok(code)
}

/// Uses a link code up, for `account`; returns the patient it links to.
pub async fn use_link_code(
    conn: impl PgExecutor<'_>,
    code: &str,
    kind: CodeKind,
    account: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "update patient_link_code set used_at = $4
         where code_hash = $1 and kind = $2 and used_at is null and expires_at > $4
           and (account_id is null or account_id = $3)
         returning patient_id",
        code_hash(code),
        kind.as_str(),
        account,
        now
    )
    .fetch_optional(conn)
    .await
}

/// Emailed codes issued to `account` since `since` (to limit guessing and email floods).
pub async fn emailed_codes_since(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from patient_link_code
           where account_id = $1 and kind = 'emailed' and created_at >= $2"#,
        account,
        since
    )
    .fetch_one(conn)
    .await
}

/// Name of the index that keeps a patient record to one account.
pub const ALREADY_LINKED: &str = "patient_access_self_key";
/// Name of the index that keeps one live grant per account and patient.
pub const ALREADY_GRANTED: &str = "patient_access_live_key";

/// Makes `account` the patient's own account.
pub async fn link_self(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    patient: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
         values ($1, $2, $3, 'self', array['records', 'messages', 'scheduling', 'billing'], $4)
         returning access_id",
        Uuid::new_v4(),
        account,
        patient,
        now
    )
    .fetch_one(conn)
    .await
}

/// Patient records with this family name (any case) and date of birth, with the email on file.
pub async fn match_patients(
    conn: impl PgExecutor<'_>,
    family_name: &str,
    birth_date: NaiveDate,
) -> sqlx::Result<Vec<(Uuid, Option<String>)>> {
    let rows = sqlx::query!(
        "select patient_id, email from patient
         where lower(family_name) = lower($1) and birth_date = $2
         order by patient_id",
        family_name.trim(),
        birth_date
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.patient_id, r.email)).collect())
}

/// Invites `email` to act for `patient` with `scopes` until `expires_at`; returns the token for
/// the emailed link (valid 14 days).
pub async fn invite_proxy(
    conn: &mut PgConnection,
    patient: Uuid,
    email: &str,
    scopes: &[Scope],
    expires_at: Option<DateTime<Utc>>,
    granted_by: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<(Uuid, String)> {
    let (token, token_hash) = crate::auth::link_token::new_token();
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
    let id = sqlx::query_scalar!(
        "insert into patient_access (access_id, patient_id, relationship, scopes, expires_at,
                                     invite_email, invite_token_hash, invite_expires_at, granted_by)
         values ($1, $2, 'proxy', $3, $4, $5, $6, $7, $8)
         returning access_id",
        Uuid::new_v4(),
        patient,
        &scopes,
        expires_at,
        email.trim(),
        token_hash,
        now + Duration::days(14),
        granted_by
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, token))
}

/// Accepts an invitation for `account`: the grant becomes theirs. Returns the patient.
pub async fn accept_invitation(
    conn: impl PgExecutor<'_>,
    token: &str,
    account: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    let Some(token_hash) = crate::auth::link_token::hash(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        "update patient_access set account_id = $2, accepted_at = $3, invite_token_hash = null
         where invite_token_hash = $1 and account_id is null and revoked_at is null
           and invite_expires_at > $3
         returning patient_id",
        token_hash,
        account,
        now
    )
    .fetch_optional(conn)
    .await
}

/// Gives `account` a parent's access to a child's record (staff do this after checking).
pub async fn grant_parent(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    patient: Uuid,
    granted_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at, granted_by)
         values ($1, $2, $3, 'parent', array['records', 'messages', 'scheduling', 'billing'], $4, $5)
         returning access_id",
        Uuid::new_v4(),
        account,
        patient,
        now,
        granted_by
    )
    .fetch_one(conn)
    .await
}

/// One grant to a patient's record, as the patient sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantSummary {
    pub access_id: Uuid,
    pub relationship: String,
    /// The account's name, or the invited address while the invitation is open.
    pub who: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub accepted: bool,
    /// A parent's grant to a teen's record includes items the teen marked confidential.
    pub confidential_granted: bool,
}

/// Everyone but the patient who has (or is invited to) access to `patient`.
pub async fn list_grants(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
) -> sqlx::Result<Vec<GrantSummary>> {
    sqlx::query_as!(
        GrantSummary,
        r#"select g.access_id, g.relationship,
                  coalesce(a.display_name, g.invite_email, '') as "who!",
                  g.scopes, g.expires_at, g.accepted_at is not null as "accepted!",
                  g.confidential_granted
           from patient_access g left join account a using (account_id)
           where g.patient_id = $1 and g.revoked_at is null and g.relationship <> 'self'
           order by g.created_at"#,
        patient
    )
    .fetch_all(conn)
    .await
}

/// Lets a parent's live grant to `patient` include (or no longer include) confidential items.
/// Only parent grants have this switch; returns whether one changed.
pub async fn set_confidential_sharing(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
    access: Uuid,
    share: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update patient_access set confidential_granted = $3
         where access_id = $1 and patient_id = $2 and relationship = 'parent'
               and revoked_at is null",
        access,
        patient,
        share
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a grant to `patient` (never the patient's own). Returns whether one ended.
pub async fn revoke(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
    access: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update patient_access set revoked_at = $3, invite_token_hash = null
         where access_id = $1 and patient_id = $2 and revoked_at is null and relationship <> 'self'",
        access,
        patient,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One line of "who viewed my record".
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub occurred_at: DateTime<Utc>,
    pub actor_account_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// The actor's staff roles (empty for patients and proxies).
    pub actor_roles: Vec<String>,
    pub action: String,
}

/// Successful reads and changes of `patient`'s data, newest first.
pub async fn access_log(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<LogLine>> {
    sqlx::query_as!(
        LogLine,
        r#"select e.occurred_at, e.actor_account_id, a.display_name as "actor_name?",
                  coalesce((select array_agg(r.role order by r.role) from account_role r
                            where r.account_id = e.actor_account_id), '{}') as "actor_roles!",
                  e.action
           from audit_event e left join account a on a.account_id = e.actor_account_id
           where e.patient_id = $1 and e.outcome = 'success'
           order by e.occurred_at desc, e.chain_seq desc
           limit $2"#,
        patient,
        limit
    )
    .fetch_all(conn)
    .await
}

/// The patient's name and date of birth.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientRow {
    pub patient_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub preferred_language: String,
    pub email: Option<String>,
}

pub async fn find_patient(
    conn: impl PgExecutor<'_>,
    patient: Uuid,
) -> sqlx::Result<Option<PatientRow>> {
    sqlx::query_as!(
        PatientRow,
        "select patient_id, given_name, family_name, birth_date, preferred_language, email
         from patient where patient_id = $1",
        patient
    )
    .fetch_optional(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn only_a_live_parent_grant_can_include_confidential_items(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let teen = Uuid::new_v4();
        sqlx::query!(
            "insert into patient (patient_id, given_name, family_name, birth_date, sex)
             values ($1, 'Sofia', 'Garcia', '2011-08-20', 'female')",
            teen
        )
        .execute(&pool)
        .await?;
        let mother = crate::auth::account::tests::make_account(&pool, "mother@example.org").await;
        let helper = crate::auth::account::tests::make_account(&pool, "helper@example.org").await;
        let now = Utc::now();
        let parent = grant_parent(&pool, mother, teen, None, now).await?;
        let proxy = sqlx::query_scalar!(
            "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
             values ($1, $2, $3, 'proxy', array['records'], now()) returning access_id",
            Uuid::new_v4(),
            helper,
            teen
        )
        .fetch_one(&pool)
        .await?;
        let shared = |grants: &[GrantSummary], id: Uuid| {
            grants
                .iter()
                .find(|g| g.access_id == id)
                .map(|g| g.confidential_granted)
        };
        assert_eq!(
            shared(&list_grants(&pool, teen).await?, parent),
            Some(false)
        );
        assert!(set_confidential_sharing(&pool, teen, parent, true).await?);
        assert_eq!(shared(&list_grants(&pool, teen).await?, parent), Some(true));
        assert!(
            !set_confidential_sharing(&pool, teen, proxy, true).await?,
            "a helper never sees confidential items"
        );
        assert!(
            !set_confidential_sharing(&pool, Uuid::new_v4(), parent, false).await?,
            "another patient's grant is not found"
        );
        assert!(set_confidential_sharing(&pool, teen, parent, false).await?);
        assert!(revoke(&pool, teen, parent, now).await?);
        assert!(!set_confidential_sharing(&pool, teen, parent, true).await?);
        Ok(())
    }

    #[test]
    fn codes_are_easy_to_read_aloud_and_forgiving_to_type() {
        let code = random_code();
        assert_eq!(code.len(), 9);
        assert!(code
            .chars()
            .all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8))));
        assert_eq!(
            code_hash(&code),
            code_hash(&code.to_lowercase().replace('-', " "))
        );
    }
}
