//! The audit log: an append-only record of who did what, acting for whom, to which patient's
//! data, and how it ended. Every read or change of health data, every sign-in attempt and every
//! administrative action writes one event, in the same transaction as what it records, so an
//! action that rolls back leaves no event and an event never lacks its action.
//!
//! Invariants, enforced by PostgreSQL rather than by this code: rows cannot be updated, deleted
//! or truncated; each row's hash covers its content and the previous row's hash, assigned in
//! commit order under a lock. [`verify_chain`] recomputes every hash and names the first row
//! where the chain breaks. Events carry ids and dotted action names only, never health data.

use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

/// How the audited attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The attempt failed on its merits (a wrong password, an invalid code).
    Failure,
    /// The caller was not allowed to do it.
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// One audited action. Build it with [`AuditEvent::new`] and the `with_*` methods.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// Dotted verb such as `session.sign_in` or `record.read`.
    pub action: &'static str,
    pub outcome: Outcome,
    pub actor_account_id: Option<Uuid>,
    pub acting_for_patient_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    pub object: Option<(&'static str, String)>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept; the column refuses more.
const USER_AGENT_MAX: usize = 512;

impl AuditEvent {
    pub fn new(action: &'static str, outcome: Outcome) -> Self {
        Self {
            action,
            outcome,
            actor_account_id: None,
            acting_for_patient_id: None,
            patient_id: None,
            object: None,
            ip: None,
            user_agent: None,
        }
    }

    pub fn by(mut self, account: Uuid) -> Self {
        self.actor_account_id = Some(account);
        self
    }

    pub fn acting_for(mut self, patient: Uuid) -> Self {
        self.acting_for_patient_id = Some(patient);
        self
    }

    pub fn about_patient(mut self, patient: Uuid) -> Self {
        self.patient_id = Some(patient);
        self
    }

    pub fn on(mut self, object_type: &'static str, object_id: impl ToString) -> Self {
        self.object = Some((object_type, object_id.to_string()));
        self
    }

    /// Where the request came from. A user agent longer than the column allows is cut at a
    /// character boundary rather than refused: losing its tail must not lose the event.
    pub fn from_client(mut self, ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        self.ip = ip;
        self.user_agent = user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX).collect());
        self
    }
}

/// Appends `event` to the log and returns its position in the chain. Call it with the same
/// transaction as the action it records.
pub async fn record(conn: impl PgExecutor<'_>, event: &AuditEvent) -> sqlx::Result<i64> {
    let (object_type, object_id) = match &event.object {
        Some((t, id)) => (Some(*t), Some(id.as_str())),
        None => (None, None),
    };
    // prev_hash, row_hash, chain_seq and occurred_at are the trigger's to set; the placeholders
    // only satisfy the not-null constraints it overwrites.
    sqlx::query_scalar!(
        r#"insert into audit_event (chain_seq, prev_hash, row_hash, actor_account_id,
               acting_for_patient_id, patient_id, action, object_type, object_id, outcome, ip,
               user_agent)
           values (0, '\x00'::bytea, '\x00'::bytea, $1, $2, $3, $4, $5, $6, $7, $8::text::inet, $9)
           returning chain_seq"#,
        event.actor_account_id,
        event.acting_for_patient_id,
        event.patient_id,
        event.action,
        object_type,
        object_id,
        event.outcome.as_str(),
        event.ip.map(|ip| ip.to_string()),
        event.user_agent.as_deref(),
    )
    .fetch_one(conn)
    .await
}

/// What [`verify_chain`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub rows: i64,
    /// The first row (by chain position) whose content or link does not match its hash.
    pub first_broken: Option<BrokenLink>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub chain_seq: i64,
    pub audit_event_id: Uuid,
}

/// Recomputes every row's hash and checks each link to the row before it. A deleted row shows
/// as a broken link at the row after it; an edited row as a broken hash at itself.
pub async fn verify_chain(conn: impl PgExecutor<'_> + Copy) -> sqlx::Result<ChainReport> {
    let rows = sqlx::query_scalar!(r#"select count(*) as "n!" from audit_event"#)
        .fetch_one(conn)
        .await?;
    let first_broken = sqlx::query_as!(
        BrokenLink,
        r#"select chain_seq as "chain_seq!", audit_event_id as "audit_event_id!"
           from (select e.chain_seq,
                        e.audit_event_id,
                        e.row_hash,
                        e.prev_hash,
                        audit_event_hash(e) as expected,
                        lag(e.row_hash) over (order by e.chain_seq) as previous,
                        lag(e.chain_seq) over (order by e.chain_seq) as previous_seq
                 from audit_event e) links
           where row_hash <> expected
              or prev_hash <> coalesce(previous, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
              or chain_seq <> coalesce(previous_seq, 0) + 1
           order by chain_seq
           limit 1"#
    )
    .fetch_optional(conn)
    .await?;
    Ok(ChainReport { rows, first_broken })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    fn sign_in(account: Uuid) -> AuditEvent {
        AuditEvent::new("session.sign_in", Outcome::Success)
            .by(account)
            .from_client("203.0.113.7".parse().ok(), Some("Mozilla/5.0"))
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn events_form_an_unbroken_chain_in_order(pool: PgPool) -> sqlx::Result<()> {
        let account = Uuid::new_v4();
        let patient = Uuid::new_v4();
        assert_eq!(record(&pool, &sign_in(account)).await?, 1);
        let read = AuditEvent::new("record.read", Outcome::Success)
            .by(account)
            .about_patient(patient)
            .on("lab_result", 42);
        assert_eq!(record(&pool, &read).await?, 2);
        let denied = AuditEvent::new("record.read", Outcome::Denied)
            .by(Uuid::new_v4())
            .about_patient(patient);
        assert_eq!(record(&pool, &denied).await?, 3);

        let report = verify_chain(&pool).await?;
        assert_eq!(
            report,
            ChainReport {
                rows: 3,
                first_broken: None
            }
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_portal_cannot_update_delete_or_truncate_the_log(pool: PgPool) -> sqlx::Result<()> {
        record(&pool, &sign_in(Uuid::new_v4())).await?;
        for statement in [
            "update audit_event set outcome = 'failure'",
            "delete from audit_event",
            "truncate audit_event",
        ] {
            let refused = sqlx::query(statement).execute(&pool).await;
            let code = refused
                .as_ref()
                .err()
                .and_then(|e| e.as_database_error())
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert_eq!(
                code.as_deref(),
                Some("42501"),
                "{statement} was not refused"
            );
        }
        assert_eq!(verify_chain(&pool).await?.rows, 1);
        Ok(())
    }

    /// Simulates someone with the power to switch the guard off, editing history directly.
    async fn tamper(pool: &PgPool, statement: &str) -> sqlx::Result<()> {
        let mut tx = pool.begin().await?;
        sqlx::query("alter table audit_event disable trigger audit_event_append_only")
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(statement).execute(&mut *tx).await?;
        sqlx::query("alter table audit_event enable trigger audit_event_append_only")
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn verification_names_the_first_edited_row(pool: PgPool) -> sqlx::Result<()> {
        for _ in 0..5 {
            record(&pool, &sign_in(Uuid::new_v4())).await?;
        }
        tamper(
            &pool,
            "update audit_event set outcome = 'failure' where chain_seq = 3",
        )
        .await?;
        let broken = verify_chain(&pool).await?.first_broken.map(|b| b.chain_seq);
        assert_eq!(broken, Some(3));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn verification_notices_a_deleted_row(pool: PgPool) -> sqlx::Result<()> {
        for _ in 0..5 {
            record(&pool, &sign_in(Uuid::new_v4())).await?;
        }
        tamper(&pool, "delete from audit_event where chain_seq = 2").await?;
        let broken = verify_chain(&pool).await?.first_broken.map(|b| b.chain_seq);
        assert_eq!(broken, Some(3));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_rehashed_edit_still_breaks_the_next_link(pool: PgPool) -> sqlx::Result<()> {
        for _ in 0..4 {
            record(&pool, &sign_in(Uuid::new_v4())).await?;
        }
        // A careful forger recomputes the edited row's own hash; the next row still points at
        // the old one.
        tamper(
            &pool,
            "update audit_event set outcome = 'failure' where chain_seq = 2;
             update audit_event e set row_hash = audit_event_hash(e) where chain_seq = 2",
        )
        .await?;
        let broken = verify_chain(&pool).await?.first_broken.map(|b| b.chain_seq);
        assert_eq!(broken, Some(3));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn concurrent_writers_extend_one_chain(pool: PgPool) -> sqlx::Result<()> {
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                let seq = record(&mut *tx, &sign_in(Uuid::new_v4())).await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(seq)
            }));
        }
        let mut positions = Vec::new();
        for task in tasks {
            positions.push(
                task.await
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))??,
            );
        }
        positions.sort_unstable();
        assert_eq!(positions, (1..=16).collect::<Vec<i64>>());
        assert_eq!(verify_chain(&pool).await?.first_broken, None);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_event_rolled_back_with_its_action_leaves_no_trace(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let mut tx = pool.begin().await?;
        record(&mut *tx, &sign_in(Uuid::new_v4())).await?;
        tx.rollback().await?;
        record(&pool, &sign_in(Uuid::new_v4())).await?;
        let report = verify_chain(&pool).await?;
        assert_eq!(
            report,
            ChainReport {
                rows: 1,
                first_broken: None
            }
        );
        Ok(())
    }

    #[test]
    fn a_long_user_agent_is_cut_not_refused() {
        let ua = "é".repeat(600);
        let event =
            AuditEvent::new("session.sign_in", Outcome::Failure).from_client(None, Some(&ua));
        assert_eq!(
            event.user_agent.map(|u| u.chars().count()),
            Some(USER_AGENT_MAX)
        );
    }
}
