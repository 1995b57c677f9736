//! The one place that decides whether the caller may act on a patient's data, and for what.
//!
//! Deny by default: a caller gets a patient's data for a scope only through a live grant in
//! `patient_access` (being the patient; a parent of a minor; an accepted, unexpired proxy with
//! that scope) or by holding the staff role with a second factor. Every server function that
//! touches patient data calls [`require_access`] before anything else and returns its error.
//! [`decide`] is the rule itself, a pure function tested case by case; the rest loads its inputs.

use super::account::Role;
use super::server::Caller;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// What a grant covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Records,
    Messages,
    Scheduling,
    Billing,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::Records,
        Scope::Messages,
        Scope::Scheduling,
        Scope::Billing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Records => "records",
            Scope::Messages => "messages",
            Scope::Scheduling => "scheduling",
            Scope::Billing => "billing",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relationship {
    /// The account is the patient.
    Patient,
    /// Parent or guardian of a minor.
    Parent,
    /// Another adult invited with named scopes.
    Proxy,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "self",
            Self::Parent => "parent",
            Self::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "self" => Some(Self::Patient),
            "parent" => Some(Self::Parent),
            "proxy" => Some(Self::Proxy),
            _ => None,
        }
    }
}

/// A live (not revoked) grant of one account to one patient, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub relationship: Relationship,
    pub scopes: Vec<Scope>,
    pub confidential_granted: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub accepted: bool,
}

/// How the caller reaches the patient's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActingAs {
    Patient,
    Parent,
    Proxy,
    Staff,
}

/// Why access was refused (for the audit log; the caller only ever sees "forbidden").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoGrant,
    NotAccepted,
    Expired,
    ScopeNotGranted,
    /// A parent's access ends when the child turns 18.
    ChildIsAdult,
}

/// A decision to allow: how, and whether items marked confidential may be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowed {
    pub acting_as: ActingAs,
    pub show_confidential: bool,
}

/// Age in whole years on `today`.
pub fn age_on(birth_date: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(birth_date).unwrap_or(0)
}

/// Under this age a parent sees everything; from it until adulthood, confidential items are
/// the teen's unless they grant them.
pub const TEEN_AGE: u32 = 12;
pub const ADULT_AGE: u32 = 18;

/// The rule. `staff` means the caller holds the staff role and has a second factor.
pub fn decide(
    grant: Option<&Grant>,
    staff: bool,
    patient_birth_date: NaiveDate,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Allowed, Refusal> {
    let age = age_on(patient_birth_date, now.date_naive());
    match grant {
        Some(g) if g.relationship == Relationship::Patient => Ok(Allowed {
            acting_as: ActingAs::Patient,
            show_confidential: true,
        }),
        Some(g) => {
            if g.expires_at.is_some_and(|at| at <= now) {
                return Err(Refusal::Expired);
            }
            match g.relationship {
                Relationship::Parent => {
                    if age >= ADULT_AGE {
                        return Err(Refusal::ChildIsAdult);
                    }
                    if age >= TEEN_AGE && !g.scopes.contains(&scope) {
                        return Err(Refusal::ScopeNotGranted);
                    }
                    Ok(Allowed {
                        acting_as: ActingAs::Parent,
                        show_confidential: age < TEEN_AGE || g.confidential_granted,
                    })
                }
                Relationship::Proxy | Relationship::Patient => {
                    if !g.accepted {
                        return Err(Refusal::NotAccepted);
                    }
                    if !g.scopes.contains(&scope) {
                        return Err(Refusal::ScopeNotGranted);
                    }
                    Ok(Allowed {
                        acting_as: ActingAs::Proxy,
                        show_confidential: age >= ADULT_AGE || g.confidential_granted,
                    })
                }
            }
        }
        None if staff => Ok(Allowed {
            acting_as: ActingAs::Staff,
            show_confidential: true,
        }),
        None => Err(Refusal::NoGrant),
    }
}

/// The caller's allowed access to one patient, for the server function to use and audit.
#[derive(Clone, Debug)]
pub struct Access {
    pub caller: Caller,
    pub patient_id: Uuid,
    pub allowed: Allowed,
}

impl Access {
    /// An audit event for `action` by this caller on this patient (acting for them unless the
    /// caller is staff or the patient).
    pub fn audit(&self, action: &'static str) -> crate::audit::AuditEvent {
        let client = super::server::current_client();
        let mut event = crate::audit::AuditEvent::new(action, crate::audit::Outcome::Success)
            .by(self.caller.account.account_id)
            .about_patient(self.patient_id)
            .from_client(client.ip, client.user_agent.as_deref());
        if matches!(self.allowed.acting_as, ActingAs::Parent | ActingAs::Proxy) {
            event = event.acting_for(self.patient_id);
        }
        event
    }
}

struct GrantRow {
    relationship: String,
    scopes: Vec<String>,
    confidential_granted: bool,
    expires_at: Option<DateTime<Utc>>,
    accepted: bool,
}

/// The live grant of `account` to `patient`, if any.
pub async fn find_grant(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    patient: Uuid,
) -> sqlx::Result<Option<Grant>> {
    let row = sqlx::query_as!(
        GrantRow,
        r#"select relationship, scopes, confidential_granted, expires_at,
                  accepted_at is not null as "accepted!"
           from patient_access
           where account_id = $1 and patient_id = $2 and revoked_at is null"#,
        account,
        patient
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|r| {
        Some(Grant {
            relationship: Relationship::parse(&r.relationship)?,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            confidential_granted: r.confidential_granted,
            expires_at: r.expires_at,
            accepted: r.accepted,
        })
    }))
}

/// The caller, and the rule's decision for them on `patient` and `scope` (`None` for the
/// patient's birth date when there is no such patient).
async fn decision(
    patient: Uuid,
    scope: Scope,
) -> Result<(Caller, Option<NaiveDate>, Result<Allowed, Refusal>), AppError> {
    let now = Utc::now();
    let caller = super::server::require_user().await?;
    let pool = crate::state::db()?;
    let birth_date = sqlx::query_scalar!(
        "select birth_date from patient where patient_id = $1",
        patient
    )
    .fetch_optional(&pool)
    .await?;
    let grant = find_grant(&pool, caller.account.account_id, patient).await?;
    let staff = caller.roles.contains(&Role::Staff)
        && super::second_factor::has_second_factor(&pool, caller.account.account_id).await?;
    let decision = match birth_date {
        Some(birth_date) => decide(grant.as_ref(), staff, birth_date, scope, now),
        None => Err(Refusal::NoGrant),
    };
    Ok((caller, birth_date, decision))
}

/// Allows the signed-in caller to act on `patient` for `scope`, or says why not:
/// [`AppError::Unauthenticated`] without a session, [`AppError::Forbidden`] otherwise (the same
/// whether or not the patient exists, so ids cannot be probed). A refusal is audited.
pub async fn require_access(patient: Uuid, scope: Scope) -> Result<Access, AppError> {
    let (caller, birth_date, decision) = decision(patient, scope).await?;
    match decision {
        Ok(allowed) => Ok(Access {
            caller,
            patient_id: patient,
            allowed,
        }),
        Err(refusal) => {
            let pool = crate::state::db()?;
            let client = super::server::current_client();
            let mut event =
                crate::audit::AuditEvent::new("access.check", crate::audit::Outcome::Denied)
                    .by(caller.account.account_id)
                    .from_client(client.ip, client.user_agent.as_deref());
            if birth_date.is_some() {
                event = event.about_patient(patient);
            }
            crate::audit::record(&pool, &event).await?;
            tracing::info!(account_id = %caller.account.account_id, ?refusal, scope = scope.as_str(), "access refused");
            Err(AppError::Forbidden)
        }
    }
}

/// The caller's access to `patient` for `scope` if they have it, asked by a page deciding
/// whether to offer something extra (an estimate beside a price): a "no" is an answer, not a
/// refusal, so it is not audited. Whatever the page then shows checks nothing further, so it
/// must be only what `scope` allows.
pub async fn access_if_allowed(patient: Uuid, scope: Scope) -> Result<Option<Access>, AppError> {
    let (caller, _, decision) = decision(patient, scope).await?;
    Ok(decision.ok().map(|allowed| Access {
        caller,
        patient_id: patient,
        allowed,
    }))
}

/// Whether a caller already allowed in for one scope also holds `scope` for the same patient:
/// asked to decide what a page offers (a link to write, say), so a "no" is an answer, not a
/// refusal, and is not audited. The server function behind the offer still checks for itself.
pub async fn also_allows(access: &Access, scope: Scope) -> Result<bool, AppError> {
    if matches!(
        access.allowed.acting_as,
        ActingAs::Patient | ActingAs::Staff
    ) {
        return Ok(true);
    }
    let pool = crate::state::db()?;
    let birth_date = sqlx::query_scalar!(
        "select birth_date from patient where patient_id = $1",
        access.patient_id
    )
    .fetch_optional(&pool)
    .await?;
    let grant = find_grant(&pool, access.caller.account.account_id, access.patient_id).await?;
    Ok(birth_date.is_some_and(|b| decide(grant.as_ref(), false, b, scope, Utc::now()).is_ok()))
}

/// One patient the caller may act for, as the household switcher lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reachable {
    pub patient_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub relationship: Relationship,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Every patient `account` can act for at `now` in at least one scope: themself first, then
/// others by name. Grants that no longer allow anything (expired, child now adult, not yet
/// accepted) are left out.
pub async fn reachable_patients(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Reachable>> {
    let rows = sqlx::query!(
        r#"select p.patient_id, p.given_name, p.family_name, p.birth_date,
                  a.relationship, a.scopes, a.confidential_granted, a.expires_at,
                  a.accepted_at is not null as "accepted!"
           from patient_access a join patient p using (patient_id)
           where a.account_id = $1 and a.revoked_at is null
           order by a.relationship <> 'self', p.given_name, p.family_name"#,
        account
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let relationship = Relationship::parse(&r.relationship)?;
            let grant = Grant {
                relationship,
                scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
                confidential_granted: r.confidential_granted,
                expires_at: r.expires_at,
                accepted: r.accepted,
            };
            let usable = Scope::ALL
                .iter()
                .any(|s| decide(Some(&grant), false, r.birth_date, *s, now).is_ok());
            usable.then(|| Reachable {
                patient_id: r.patient_id,
                given_name: r.given_name,
                family_name: r.family_name,
                birth_date: r.birth_date,
                relationship,
                scopes: Scope::ALL
                    .into_iter()
                    .filter(|s| decide(Some(&grant), false, r.birth_date, *s, now).is_ok())
                    .collect(),
                expires_at: r.expires_at,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn born(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn grant(relationship: Relationship, scopes: &[Scope]) -> Grant {
        Grant {
            relationship,
            scopes: scopes.to_vec(),
            confidential_granted: false,
            expires_at: None,
            accepted: true,
        }
    }

    const ADULT: (i32, u32, u32) = (1980, 1, 1);
    const CHILD: (i32, u32, u32) = (2018, 6, 1);
    // Turns 12 on 2026-11-25 (today in these tests), and 18 on 2026-11-25 respectively.
    const JUST_TWELVE: (i32, u32, u32) = (2014, 11, 25);
    const JUST_EIGHTEEN: (i32, u32, u32) = (2008, 11, 25);

    fn d(
        b: (i32, u32, u32),
        g: Option<&Grant>,
        staff: bool,
        scope: Scope,
    ) -> Result<Allowed, Refusal> {
        decide(g, staff, born(b.0, b.1, b.2), scope, now())
    }

    #[test]
    fn nobody_gets_anything_without_a_grant_or_the_staff_role() {
        for scope in Scope::ALL {
            assert_eq!(d(ADULT, None, false, scope), Err(Refusal::NoGrant));
        }
        let staff = d(ADULT, None, true, Scope::Records).map(|a| a.acting_as);
        assert_eq!(staff, Ok(ActingAs::Staff));
    }

    #[test]
    fn the_patient_sees_everything_of_their_own() {
        let me = grant(Relationship::Patient, &[]);
        for scope in Scope::ALL {
            assert_eq!(
                d(JUST_TWELVE, Some(&me), false, scope),
                Ok(Allowed {
                    acting_as: ActingAs::Patient,
                    show_confidential: true
                })
            );
        }
    }

    #[test]
    fn a_proxy_gets_only_the_scopes_granted_once_accepted_until_expiry() {
        let mut g = grant(Relationship::Proxy, &[Scope::Scheduling, Scope::Billing]);
        assert!(d(ADULT, Some(&g), false, Scope::Scheduling).is_ok());
        assert_eq!(
            d(ADULT, Some(&g), false, Scope::Records),
            Err(Refusal::ScopeNotGranted)
        );
        assert_eq!(
            d(ADULT, Some(&g), true, Scope::Records),
            Err(Refusal::ScopeNotGranted),
            "a staff member who is also someone's proxy is limited by the grant there"
        );
        g.accepted = false;
        assert_eq!(
            d(ADULT, Some(&g), false, Scope::Scheduling),
            Err(Refusal::NotAccepted)
        );
        g.accepted = true;
        g.expires_at = Some(now());
        assert_eq!(
            d(ADULT, Some(&g), false, Scope::Scheduling),
            Err(Refusal::Expired)
        );
        g.expires_at = Some(now() + chrono::Duration::seconds(1));
        assert!(d(ADULT, Some(&g), false, Scope::Scheduling).is_ok());
    }

    #[test]
    fn parents_see_everything_under_12_and_not_confidential_items_from_12_to_17() {
        let parent = grant(Relationship::Parent, &Scope::ALL);
        assert_eq!(
            d(CHILD, Some(&parent), false, Scope::Records),
            Ok(Allowed {
                acting_as: ActingAs::Parent,
                show_confidential: true
            })
        );
        assert_eq!(
            d(JUST_TWELVE, Some(&parent), false, Scope::Records),
            Ok(Allowed {
                acting_as: ActingAs::Parent,
                show_confidential: false
            })
        );
        let mut granted = parent.clone();
        granted.confidential_granted = true;
        assert_eq!(
            d(JUST_TWELVE, Some(&granted), false, Scope::Records).map(|a| a.show_confidential),
            Ok(true),
            "the teen granted more"
        );
        let mut fewer = parent.clone();
        fewer.scopes = vec![Scope::Scheduling];
        assert_eq!(
            d(JUST_TWELVE, Some(&fewer), false, Scope::Records),
            Err(Refusal::ScopeNotGranted)
        );
        assert!(
            d(CHILD, Some(&fewer), false, Scope::Records).is_ok(),
            "under 12: everything"
        );
        assert_eq!(
            d(JUST_EIGHTEEN, Some(&parent), false, Scope::Scheduling),
            Err(Refusal::ChildIsAdult)
        );
    }

    #[test]
    fn a_proxy_for_a_teen_does_not_see_confidential_items() {
        let g = grant(Relationship::Proxy, &[Scope::Records]);
        assert_eq!(
            d(JUST_TWELVE, Some(&g), false, Scope::Records).map(|a| a.show_confidential),
            Ok(false)
        );
        assert_eq!(
            d(ADULT, Some(&g), false, Scope::Records).map(|a| a.show_confidential),
            Ok(true)
        );
    }
}
