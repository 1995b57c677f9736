//! Accounts and their roles in the database.

use super::password::PasswordHash;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Roles beyond "patient". Names match the `account_role.role` check constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Staff,
    Editor,
    MedicalReviewer,
    EngagementManager,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Staff,
        Role::Editor,
        Role::MedicalReviewer,
        Role::EngagementManager,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Editor => "editor",
            Role::MedicalReviewer => "medical_reviewer",
            Role::EngagementManager => "engagement_manager",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What the server knows about an account. Not `Serialize`: it carries the password hash.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub account_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub preferred_language: String,
    pub email_verified: bool,
    pub disabled: bool,
    pub password_hash: PasswordHash,
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub preferred_language: &'a str,
    pub password_hash: &'a PasswordHash,
}

/// Name of the unique index on `lower(email)`: a second account with the same address.
pub const EMAIL_TAKEN: &str = "account_email_key";

pub async fn insert_account(conn: impl PgExecutor<'_>, new: &NewAccount<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into account (account_id, email, display_name, preferred_language, password_hash)
         values ($1, $2, $3, $4, $5)
         returning account_id",
        Uuid::new_v4(),
        new.email.trim(),
        new.display_name.trim(),
        new.preferred_language,
        new.password_hash.as_str(),
    )
    .fetch_one(conn)
    .await
}

struct AccountRow {
    account_id: Uuid,
    email: String,
    display_name: String,
    preferred_language: String,
    email_verified: bool,
    disabled: bool,
    password_hash: String,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            account_id: r.account_id,
            email: r.email,
            display_name: r.display_name,
            preferred_language: r.preferred_language,
            email_verified: r.email_verified,
            disabled: r.disabled,
            password_hash: PasswordHash::from_stored(r.password_hash),
        }
    }
}

/// The account signing in with `email`, whatever its case and surrounding spaces.
pub async fn find_account_by_email(
    conn: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"select account_id, email, display_name, preferred_language,
                  email_verified_at is not null as "email_verified!",
                  disabled_at is not null as "disabled!", password_hash
           from account where lower(email) = lower($1)"#,
        email.trim()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Account::from))
}

pub async fn find_account(conn: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"select account_id, email, display_name, preferred_language,
                  email_verified_at is not null as "email_verified!",
                  disabled_at is not null as "disabled!", password_hash
           from account where account_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Account::from))
}

pub async fn roles_of(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<Vec<Role>> {
    let names = sqlx::query_scalar!(
        "select role from account_role where account_id = $1 order by role",
        account
    )
    .fetch_all(conn)
    .await?;
    Ok(names.iter().filter_map(|n| Role::parse(n)).collect())
}

pub async fn grant_role(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    role: Role,
    granted_by: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into account_role (account_id, role, granted_by) values ($1, $2, $3)
         on conflict (account_id, role) do nothing",
        account,
        role.as_str(),
        granted_by
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the account's password hash.
pub async fn update_password(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    hash: &PasswordHash,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set password_hash = $2 where account_id = $1",
        account,
        hash.as_str()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a patient gives at sign-up, beyond the sign-in details.
pub struct PersonalDetails<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub birth_date: chrono::NaiveDate,
}

pub async fn set_personal_details(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    details: &PersonalDetails<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set given_name = $2, family_name = $3, birth_date = $4 where account_id = $1",
        account,
        details.given_name.trim(),
        details.family_name.trim(),
        details.birth_date
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the account's address as confirmed, if it is still `email` (a link confirms the
/// address it was sent to). Says whether it did.
pub async fn mark_email_verified(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    email: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update account set email_verified_at = coalesce(email_verified_at, now())
         where account_id = $1 and lower(email) = lower($2)",
        account,
        email
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables an account and ends all its sessions, in one transaction.
pub async fn disable_account(conn: &mut PgConnection, account: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set disabled_at = coalesce(disabled_at, now()) where account_id = $1",
        account
    )
    .execute(&mut *conn)
    .await?;
    super::session::end_all_sessions(&mut *conn, account, None).await?;
    Ok(())
}

/// Moves the account to a new, confirmed email address. Fails on the unique index
/// ([`EMAIL_TAKEN`]) when another account took the address meanwhile.
pub async fn change_email(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    email: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set email = $2, email_verified_at = now() where account_id = $1",
        account,
        email.trim()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Lifts a disable; the account signs in again with its own password.
pub async fn enable_account(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update account set disabled_at = null where account_id = $1",
        account
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the account's roles with `roles`.
pub async fn set_roles(
    conn: &mut PgConnection,
    account: Uuid,
    roles: &[Role],
    granted_by: Uuid,
) -> sqlx::Result<()> {
    let names: Vec<String> = roles.iter().map(|r| r.as_str().to_string()).collect();
    sqlx::query!(
        "delete from account_role where account_id = $1 and not (role = any($2))",
        account,
        &names
    )
    .execute(&mut *conn)
    .await?;
    for role in roles {
        grant_role(&mut *conn, account, *role, Some(granted_by)).await?;
    }
    Ok(())
}

/// One account as administrators list it.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountSummary {
    pub account_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub email_verified: bool,
    pub second_factor: bool,
}

/// Accounts whose email or name contains `query` (all when empty), staff first, at most `limit`.
pub async fn search_accounts(
    conn: impl PgExecutor<'_>,
    query: &str,
    limit: i64,
) -> sqlx::Result<Vec<AccountSummary>> {
    let pattern = crate::db::contains_pattern(query.trim());
    sqlx::query_as!(
        AccountSummary,
        r#"select a.account_id, a.email, a.display_name,
                  coalesce((select array_agg(r.role order by r.role) from account_role r
                            where r.account_id = a.account_id), '{}') as "roles!",
                  a.disabled_at is not null as "disabled!",
                  a.email_verified_at is not null as "email_verified!",
                  (exists(select 1 from totp_credential t
                          where t.account_id = a.account_id and t.confirmed_at is not null)
                   or exists(select 1 from passkey p where p.account_id = a.account_id)) as "second_factor!"
           from account a
           where a.email ilike $1 or a.display_name ilike $1
           order by exists(select 1 from account_role r where r.account_id = a.account_id) desc,
                    a.display_name
           limit $2"#,
        pattern,
        limit
    )
    .fetch_all(conn)
    .await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::ResultExt;
    use crate::error::AppError;
    use sqlx::PgPool;

    /// A stored hash for tests that do not exercise hashing (argon2 takes tens of milliseconds).
    pub(crate) fn test_hash() -> PasswordHash {
        PasswordHash::from_stored("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA".into())
    }

    pub(crate) async fn make_account(pool: &PgPool, email: &str) -> Uuid {
        insert_account(
            pool,
            &NewAccount {
                email,
                display_name: "Test Person",
                preferred_language: "en",
                password_hash: &test_hash(),
            },
        )
        .await
        .unwrap()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_email_signs_in_whatever_its_case(pool: PgPool) -> sqlx::Result<()> {
        let id = make_account(&pool, "Maria.Garcia@Example.org").await;
        let found = find_account_by_email(&pool, "  maria.garcia@example.ORG ").await?;
        assert_eq!(found.map(|a| a.account_id), Some(id));
        assert_eq!(
            find_account_by_email(&pool, "someone@example.org").await?,
            None
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn one_address_holds_one_account(pool: PgPool) -> sqlx::Result<()> {
        make_account(&pool, "sam@example.org").await;
        let second = insert_account(
            &pool,
            &NewAccount {
                email: "SAM@example.org",
                display_name: "Sam Again",
                preferred_language: "es",
                password_hash: &test_hash(),
            },
        )
        .await
        .on_constraint(EMAIL_TAKEN, |_| AppError::Conflict("taken".into()));
        assert_eq!(second, Err(AppError::Conflict("taken".into())));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn roles_are_granted_once_and_read_back(pool: PgPool) -> sqlx::Result<()> {
        let id = make_account(&pool, "admin@example.org").await;
        assert_eq!(roles_of(&pool, id).await?, vec![]);
        grant_role(&pool, id, Role::Administrator, None).await?;
        grant_role(&pool, id, Role::Staff, None).await?;
        grant_role(&pool, id, Role::Staff, None).await?;
        let mut roles = roles_of(&pool, id).await?;
        roles.sort();
        assert_eq!(roles, vec![Role::Staff, Role::Administrator]);
        Ok(())
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("patient"), None);
    }
}
