//! Demo data: a realistic, deterministic organisation and patient population at any scale,
//! separate from migrations. The same `--patients N` always produces the same rows (ids, names,
//! dates), a larger N extends a smaller one, and running it twice changes nothing.
//! All addresses use the reserved `example.org` domain, so no demo email can reach a person.

use anyhow::Context;
use app::auth::{
    account::{find_account_by_email, grant_role, insert_account, NewAccount, Role},
    password::hash_password,
};
use app::organisation::{db::upsert_organisation, Organisation};
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::PgPool;
use uuid::Uuid;

/// Fixed so every run, on every machine, generates the same people.
const SEED: u64 = 20_261_122;
const BATCH: usize = 5_000;

const GIVEN_FEMALE: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Nancy",
    "Maria",
    "Guadalupe",
    "Sofia",
    "Isabella",
    "Camila",
    "Valentina",
    "Lucia",
    "Ana",
    "Rosa",
    "Carmen",
    "Aisha",
    "Mei",
    "Priya",
    "Grace",
    "Emma",
    "Olivia",
    "Ava",
    "Chloe",
];
const GIVEN_MALE: &[&str] = &[
    "James",
    "Robert",
    "John",
    "Michael",
    "David",
    "William",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Jose",
    "Juan",
    "Luis",
    "Carlos",
    "Miguel",
    "Jorge",
    "Alejandro",
    "Diego",
    "Mateo",
    "Santiago",
    "Kwame",
    "Wei",
    "Arjun",
    "Daniel",
    "Noah",
    "Liam",
    "Ethan",
    "Samuel",
];
const FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okafor",
    "Chen",
    "Patel",
    "Kim",
];
const POSTAL_CODES: &[&str] = &[
    "97201", "97202", "97205", "97209", "97210", "97211", "97212", "97214", "97215", "97217",
    "97219", "97220", "97227", "97230", "97232", "97233", "97236", "97239", "97266", "97267",
];

/// The organisation the demo portal belongs to.
pub fn organisation() -> Organisation {
    Organisation {
        name: "Riverbend Health".to_string(),
        phone: Some("(555) 010-2000".to_string()),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoPatient {
    pub patient_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: &'static str,
    pub preferred_language: &'static str,
    pub email: String,
    pub postal_code: String,
}

/// Patient number `index`, the same on every run: each person has their own random stream.
pub fn patient(index: u64) -> DemoPatient {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    rng.set_stream(index);
    let id = Uuid::from_bytes(rng.random::<[u8; 16]>());
    // Make it a well-formed random (v4) UUID.
    let patient_id = uuid::Builder::from_random_bytes(*id.as_bytes()).into_uuid();
    let sex = match rng.random_range(0..100) {
        0..=50 => "female",
        51..=98 => "male",
        _ => "other",
    };
    let pick = |rng: &mut ChaCha8Rng, list: &[&str]| -> String {
        list.get(rng.random_range(0..list.len()))
            .copied()
            .unwrap_or("Sam")
            .to_string()
    };
    let given_name = pick(
        &mut rng,
        if sex == "male" {
            GIVEN_MALE
        } else {
            GIVEN_FEMALE
        },
    );
    let family_name = pick(&mut rng, FAMILY);
    // Ages 0 to 94, as of the demo's reference date.
    let reference = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let birth_date = reference - Duration::days(rng.random_range(0..(95 * 365)));
    let preferred_language = if rng.random_range(0..100) < 28 {
        "es"
    } else {
        "en"
    };
    let email = format!(
        "{}.{}.{index}@example.org",
        given_name.to_lowercase(),
        family_name.to_lowercase()
    );
    let postal_code = pick(&mut rng, POSTAL_CODES);
    DemoPatient {
        patient_id,
        given_name,
        family_name,
        birth_date,
        sex,
        preferred_language,
        email,
        postal_code,
    }
}

/// Loads the organisation and `patients` patients. Returns how many patients were new.
/// The password of every demo account (listed in the README). Demo only: `load` is a command
/// an operator runs on purpose, never part of starting the server.
pub const DEMO_PASSWORD: &str = "openwell demo passphrase";

/// Demo sign-ins, one per kind of user: (email, display name, language, roles).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    ("patient@example.org", "Maria Garcia", "es", &[]),
    ("proxy@example.org", "Tomás Ruiz", "es", &[]),
    // Maria's daughter Sofia (15), with her own account: she decides whether her mother sees
    // what is confidential to her.
    ("teen@example.org", "Sofia Garcia", "es", &[]),
    ("staff@example.org", "Sam Okafor", "en", &[Role::Staff]),
    ("editor@example.org", "Priya Shah", "en", &[Role::Editor]),
    (
        "reviewer@example.org",
        "Dr. Daniel Kim",
        "en",
        &[Role::MedicalReviewer],
    ),
    (
        "engagement@example.org",
        "Lucia Romero",
        "es",
        &[Role::EngagementManager],
    ),
    (
        "admin@example.org",
        "Grace Lee",
        "en",
        &[Role::Administrator, Role::Staff],
    ),
];

pub async fn load(pool: &PgPool, patients: u64) -> anyhow::Result<u64> {
    upsert_organisation(pool, &organisation())
        .await
        .context("saving the demo organisation")?;
    load_accounts(pool)
        .await
        .context("creating the demo accounts")?;
    load_household(pool)
        .await
        .context("creating the demo family and its access")?;
    let mut inserted = 0;
    let mut start = 0;
    while start < patients {
        let end = (start + BATCH as u64).min(patients);
        let batch: Vec<DemoPatient> = (start..end).map(patient).collect();
        inserted += insert_batch(pool, &batch)
            .await
            .with_context(|| format!("inserting demo patients {start}..{end}"))?;
        start = end;
        if patients > 50_000 && start % 100_000 == 0 {
            tracing::info!(done = start, of = patients, "demo patients");
        }
    }
    Ok(inserted)
}

/// Demo patient records with fixed ids: Maria (the demo patient's own record), her children Leo
/// (under 12) and Sofia (a teen), her mother Elena, who invited proxy@example.org to help with
/// appointments and bills, and Carmen, who has no account yet and an invitation code.
pub const DEMO_FAMILY: &[(&str, &str, &str, &str, &str)] = &[
    (
        "00000000-0000-4000-8000-00000000a001",
        "Maria",
        "Garcia",
        "1979-03-14",
        "es",
    ),
    (
        "00000000-0000-4000-8000-00000000a002",
        "Leo",
        "Garcia",
        "2019-05-02",
        "es",
    ),
    (
        "00000000-0000-4000-8000-00000000a003",
        "Sofia",
        "Garcia",
        "2011-08-20",
        "es",
    ),
    (
        "00000000-0000-4000-8000-00000000a004",
        "Elena",
        "Ruiz",
        "1948-02-11",
        "es",
    ),
    (
        "00000000-0000-4000-8000-00000000a005",
        "Carmen",
        "Diaz",
        "1990-10-05",
        "en",
    ),
];
/// The invitation code that links a new account to Carmen Diaz's record (README).
pub const DEMO_INVITATION_CODE: &str = "DEMO-LINK";

/// Creates the demo family, who may act for whom, and Carmen's invitation code, once.
async fn load_household(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for (id, given, family, born, language) in DEMO_FAMILY {
        let id = Uuid::parse_str(id)?;
        let born = NaiveDate::parse_from_str(born, "%Y-%m-%d")?;
        sqlx::query!(
            "insert into patient (patient_id, given_name, family_name, birth_date, sex, preferred_language, email)
             values ($1, $2, $3, $4, 'unknown', $5, $6)
             on conflict (patient_id) do nothing",
            id,
            given,
            family,
            born,
            language,
            format!("{}.{}@example.org", given.to_lowercase(), family.to_lowercase())
        )
        .execute(&mut *tx)
        .await?;
    }
    let account = |email: &'static str| async move {
        find_account_by_email(pool, email)
            .await?
            .map(|a| a.account_id)
            .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
    };
    let maria = account("patient@example.org").await?;
    let tomas = account("proxy@example.org").await?;
    let sofia = account("teen@example.org").await?;
    let family = |i: usize| {
        DEMO_FAMILY
            .get(i)
            .and_then(|f| Uuid::parse_str(f.0).ok())
            .ok_or_else(|| anyhow::anyhow!("demo family member {i}"))
    };
    let grants: [(Uuid, Uuid, &str, &[&str]); 6] = [
        (
            maria,
            family(0)?,
            "self",
            &["records", "messages", "scheduling", "billing"],
        ),
        (
            maria,
            family(1)?,
            "parent",
            &["records", "messages", "scheduling", "billing"],
        ),
        (
            maria,
            family(2)?,
            "parent",
            &["records", "messages", "scheduling", "billing"],
        ),
        (maria, family(3)?, "proxy", &["records", "scheduling"]),
        (tomas, family(3)?, "proxy", &["scheduling", "billing"]),
        (
            sofia,
            family(2)?,
            "self",
            &["records", "messages", "scheduling", "billing"],
        ),
    ];
    for (account, patient, relationship, scopes) in grants {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        sqlx::query!(
            "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
             select $1, $2, $3, $4, $5, now()
             where not exists (select 1 from patient_access
                               where account_id = $2 and patient_id = $3 and revoked_at is null)",
            Uuid::new_v4(),
            account,
            patient,
            relationship,
            &scopes
        )
        .execute(&mut *tx)
        .await?;
    }
    let carmen = family(4)?;
    let linked: bool = sqlx::query_scalar!(
        r#"select exists(select 1 from patient_link_code where patient_id = $1) as "e!""#,
        carmen
    )
    .fetch_one(&mut *tx)
    .await?;
    if !linked {
        // A fixed, documented code: only demo data ever has one that is not random.
        sqlx::query!(
            "insert into patient_link_code (code_hash, patient_id, kind, expires_at)
             values (sha256(convert_to($1, 'UTF8')), $2, 'invitation', now() + interval '10 years')",
            DEMO_INVITATION_CODE.replace('-', ""),
            carmen
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The authenticator key of every demo staff account: base32 `N5YGK3TXMVWGYLLEMVWW6LLUN52HALJR`
/// (see the README). Only for demo data, which production never loads.
pub const DEMO_TOTP_SECRET: &[u8; 20] = b"openwell-demo-totp-1";

/// Creates the demo accounts that do not exist yet; existing ones (and their passwords, if
/// someone changed them) are left alone.
async fn load_accounts(pool: &PgPool) -> anyhow::Result<()> {
    for (email, name, language, roles) in DEMO_ACCOUNTS {
        if find_account_by_email(pool, email).await?.is_some() {
            continue;
        }
        let hash = hash_password(DEMO_PASSWORD.into())
            .await
            .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
        let mut tx = pool.begin().await?;
        let id = insert_account(
            &mut *tx,
            &NewAccount {
                email,
                display_name: name,
                preferred_language: language,
                password_hash: &hash,
            },
        )
        .await?;
        sqlx::query!(
            "update account set email_verified_at = now() where account_id = $1",
            id
        )
        .execute(&mut *tx)
        .await?;
        for role in *roles {
            grant_role(&mut *tx, id, *role, None).await?;
        }
        if !roles.is_empty() {
            // Staff pages need a second factor; the README gives this key so anyone can add
            // the demo accounts to an authenticator app (or compute codes with oathtool).
            sqlx::query!(
                "insert into totp_credential (account_id, secret, confirmed_at) values ($1, $2, now())",
                id,
                DEMO_TOTP_SECRET
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn insert_batch(pool: &PgPool, batch: &[DemoPatient]) -> sqlx::Result<u64> {
    let ids: Vec<Uuid> = batch.iter().map(|p| p.patient_id).collect();
    let given: Vec<String> = batch.iter().map(|p| p.given_name.clone()).collect();
    let family: Vec<String> = batch.iter().map(|p| p.family_name.clone()).collect();
    let births: Vec<NaiveDate> = batch.iter().map(|p| p.birth_date).collect();
    let sexes: Vec<String> = batch.iter().map(|p| p.sex.to_string()).collect();
    let langs: Vec<String> = batch
        .iter()
        .map(|p| p.preferred_language.to_string())
        .collect();
    let emails: Vec<String> = batch.iter().map(|p| p.email.clone()).collect();
    let postal: Vec<String> = batch.iter().map(|p| p.postal_code.clone()).collect();
    let done = sqlx::query!(
        r#"insert into patient (patient_id, given_name, family_name, birth_date, sex,
                                preferred_language, email, postal_code)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[],
                                $6::text[], $7::text[], $8::text[])
           on conflict (patient_id) do nothing"#,
        &ids,
        &given,
        &family,
        &births,
        &sexes,
        &langs,
        &emails,
        &postal
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_gives_the_demo_staff_authenticator_key() {
        let key = app::auth::second_factor::secret_for_typing(DEMO_TOTP_SECRET);
        assert_eq!(key, "N5YG K3TX MVWG YLLE MVWW 6LLU N52H ALJR");
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&key.replace(' ', "")),
            "README.md must name the demo key {key}"
        );
    }

    #[test]
    fn the_same_index_always_gives_the_same_person() {
        assert_eq!(patient(42), patient(42));
        assert_ne!(patient(42).patient_id, patient(43).patient_id);
        let p = patient(7);
        assert!(p.email.ends_with("@example.org"));
        assert_eq!(p.patient_id.get_version_num(), 4);
    }

    #[test]
    fn a_thousand_people_look_like_a_population() {
        let people: Vec<_> = (0..1000).map(patient).collect();
        let spanish = people
            .iter()
            .filter(|p| p.preferred_language == "es")
            .count();
        assert!((200..=360).contains(&spanish), "{spanish} Spanish speakers");
        let ids: std::collections::HashSet<_> = people.iter().map(|p| p.patient_id).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn loading_twice_changes_nothing_and_a_larger_scale_extends(
        pool: PgPool,
    ) -> anyhow::Result<()> {
        assert_eq!(load(&pool, 1200).await?, 1200);
        assert_eq!(load(&pool, 1200).await?, 0);
        assert_eq!(load(&pool, 1500).await?, 300);
        let count: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from patient"#)
            .fetch_one(&pool)
            .await?;
        assert_eq!(
            count,
            1500 + DEMO_FAMILY.len() as i64,
            "the crowd and the demo family"
        );
        let name: String = sqlx::query_scalar!(
            "select given_name from patient where patient_id = $1",
            patient(1000).patient_id
        )
        .fetch_one(&pool)
        .await?;
        assert_eq!(name, patient(1000).given_name);
        let accounts: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from account"#)
            .fetch_one(&pool)
            .await?;
        assert_eq!(
            accounts,
            DEMO_ACCOUNTS.len() as i64,
            "accounts are created once"
        );
        let grants: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from patient_access"#)
            .fetch_one(&pool)
            .await?;
        assert_eq!(grants, 6, "the family's access is granted once");
        // The documented invitation code links an account to Carmen's record.
        let carmen = Uuid::parse_str(DEMO_FAMILY[4].0)?;
        let account = find_account_by_email(&pool, "staff@example.org")
            .await?
            .map(|a| a.account_id)
            .ok_or_else(|| anyhow::anyhow!("staff account"))?;
        let linked = app::household::db::use_link_code(
            &pool,
            "demo-link",
            app::household::db::CodeKind::Invitation,
            account,
            chrono::Utc::now(),
        )
        .await?;
        assert_eq!(linked, Some(carmen));
        Ok(())
    }
}
