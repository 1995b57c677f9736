//! Staff writing the record through the real router: adding each kind, a correction that keeps
//! every version with who and why, "entered in error" taking an item off every page while its
//! history stays, a held result released early, and who may do any of it (staff only; never
//! the patient's side, never another patient's item, never an outside record's).
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::records::entry::EntryFormView;
use app::records::{
    MarkEnteredInError, RecordEntry, RecordsResults, RecordsSummary, ReleaseResult, ResultsView,
    SaveRecordEntry, SummaryView, UploadRecordDocument,
};
use axum::{
    http::{header, StatusCode},
    response::Response,
    Router,
};
use serde_json::Value;
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{config, grant, options, patient, post, router_with, seed_account, signed_in, text};

const PASSWORD: &str = "copper meadow lantern nine";
const TOTP: &[u8] = b"records-entry-test-key";

struct Clinic {
    app: Router,
    maria: Uuid,
    ben: Uuid,
    maria_cookie: String,
    staff_cookie: String,
}

async fn clinic(pool: &PgPool) -> Clinic {
    use app::auth::account::Role;
    let app = router_with(pool.clone(), config(&[]), options());
    let maria = patient(pool, "Maria", "Garcia", "1979-03-14", "female").await;
    let ben = patient(pool, "Ben", "Ortiz", "1980-01-01", "male").await;
    let a = seed_account(pool, "maria@example.org", &[], PASSWORD).await;
    grant(pool, a, maria, "self", "{}").await;
    let staff = seed_account(pool, "nurse@example.org", &[Role::Staff], PASSWORD).await;
    sqlx::query("update account set display_name = 'Sam Rivera, RN' where account_id = $1")
        .bind(staff)
        .execute(pool)
        .await
        .expect("name");
    common::with_authenticator(pool, staff, TOTP).await;
    Clinic {
        maria_cookie: signed_in(&app, "maria@example.org", PASSWORD, None).await,
        staff_cookie: signed_in(&app, "nurse@example.org", PASSWORD, Some(TOTP)).await,
        app,
        maria,
        ben,
    }
}

async fn call(c: &Clinic, path: &str, form: &[(&str, &str)], cookie: &str) -> Response {
    c.app
        .clone()
        .oneshot(post(path, form, Some(cookie)))
        .await
        .expect("response")
}

async fn json_of<T: serde::de::DeserializeOwned>(r: Response) -> T {
    let status = r.status();
    let body = text(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("json")
}

fn location(r: &Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The item id a save redirected with (`saved=<id>`).
fn saved_id(r: &Response) -> Uuid {
    let to = location(r);
    let id = to
        .split("saved=")
        .nth(1)
        .and_then(|rest| rest.split(['&', '#']).next())
        .unwrap_or_default();
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("no saved id in {to:?}"))
}

async fn save(c: &Clinic, patient: Uuid, fields: &[(&str, &str)], cookie: &str) -> Response {
    let patient = patient.to_string();
    let mut form = vec![("patient_id", patient.as_str())];
    form.extend_from_slice(fields);
    call(c, <SaveRecordEntry as ServerFn>::PATH, &form, cookie).await
}

async fn summary(c: &Clinic, cookie: &str) -> SummaryView {
    json_of(
        call(
            c,
            <RecordsSummary as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            cookie,
        )
        .await,
    )
    .await
}

async fn results(c: &Clinic, cookie: &str) -> ResultsView {
    json_of(
        call(
            c,
            <RecordsResults as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            cookie,
        )
        .await,
    )
    .await
}

async fn versions(pool: &PgPool, item: Uuid) -> Vec<(i32, Option<String>)> {
    sqlx::query_as(
        "select version, reason from record_item_version where item_id = $1 order by version",
    )
    .bind(item)
    .fetch_all(pool)
    .await
    .expect("versions")
}

async fn audits(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_event where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .expect("audit")
}

async fn items(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from record_item")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_add_correct_and_withdraw_items_and_every_version_is_kept(pool: PgPool) {
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();
    let condition = [
        ("kind", "condition"),
        ("name", "Type 2 diabetes mellitus"),
        ("code", "E11.9"),
        ("date", "2024-03-02"),
        ("status", "active"),
    ];

    // The patient's side may not write the record, nor open the staff form.
    let r = save(&c, c.maria, &condition, &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = call(
        &c,
        <RecordEntry as ServerFn>::PATH,
        &[("patient_id", &maria), ("kind", "condition")],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(items(&pool).await, 0);

    // A new entry's form starts active, dated today.
    let form: EntryFormView = json_of(
        call(
            &c,
            <RecordEntry as ServerFn>::PATH,
            &[("patient_id", &maria), ("kind", "medication")],
            &c.staff_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(form.fields.status, "active");
    assert_eq!(form.fields.date, form.today);
    assert_eq!(form.fields.prescriber, "Sam Rivera, RN");
    assert!(form.item_id.is_none() && form.versions.is_empty());

    // Refused by field, nothing stored.
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "condition"),
            ("name", " "),
            ("date", "2999-01-01"),
            ("status", "active"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(
        refused.pointer("/Validation/name").and_then(Value::as_str),
        Some("required")
    );
    assert_eq!(
        refused.pointer("/Validation/date").and_then(Value::as_str),
        Some("in_future")
    );
    assert_eq!(items(&pool).await, 0);

    // Added: the patient sees it on the summary, with its code.
    let r = save(&c, c.maria, &condition, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", location(&r));
    assert!(location(&r).starts_with(&format!("/records?patient={maria}&saved=")));
    assert!(location(&r).ends_with("#conditions"));
    let diabetes = saved_id(&r);
    let medication = saved_id(
        &save(
            &c,
            c.maria,
            &[
                ("kind", "medication"),
                ("name", "Metformin 500 mg tablet"),
                ("code", "861007"),
                ("date", "2024-03-03"),
                ("status", "active"),
                ("dose", "500 mg"),
                ("instructions", "Twice a day with meals"),
                ("prescriber", "Dr. Ana Morales"),
            ],
            &c.staff_cookie,
        )
        .await,
    );
    let allergy = save(
        &c,
        c.maria,
        &[
            ("kind", "allergy"),
            ("name", "Penicillin"),
            ("date", "2019-07-01"),
            ("status", "active"),
            ("reaction", "Hives"),
            ("severity", "moderate"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(allergy.status(), StatusCode::OK);
    let immunization = save(
        &c,
        c.maria,
        &[
            ("kind", "immunization"),
            ("name", "Influenza vaccine"),
            ("code", "150"),
            ("date", "2026-10-01"),
            ("status", "completed"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(immunization.status(), StatusCode::OK);
    let s = summary(&c, &c.maria_cookie).await;
    assert!(!s.can_write);
    let shown = s.conditions.first().expect("the condition");
    assert_eq!(
        (
            shown.display.as_str(),
            shown.code.as_deref(),
            shown.source.as_deref()
        ),
        ("Type 2 diabetes mellitus", Some("E11.9"), None)
    );
    let details = |s: &SummaryView| s.medications.first().expect("medication").details.clone();
    assert!(details(&s).contains(&("dose".to_string(), "500 mg".to_string())));
    assert!(details(&s).contains(&("prescriber".to_string(), "Dr. Ana Morales".to_string())));
    let a = s.allergies.first().expect("allergy");
    assert!(a
        .details
        .contains(&("reaction".to_string(), "Hives".to_string())));
    assert!(a
        .details
        .contains(&("severity".to_string(), "moderate".to_string())));
    assert_eq!(s.immunizations.len(), 1);
    assert!(summary(&c, &c.staff_cookie).await.can_write);

    // A correction needs a reason; with one, the dose changes and both versions are kept.
    let med = medication.to_string();
    let form: EntryFormView = json_of(
        call(
            &c,
            <RecordEntry as ServerFn>::PATH,
            &[
                ("patient_id", &maria),
                ("kind", "medication"),
                ("item", &med),
            ],
            &c.staff_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(form.fields.dose, "500 mg");
    assert_eq!(form.fields.instructions, "Twice a day with meals");
    assert_eq!(form.versions.len(), 1);
    let mut corrected: Vec<(&str, &str)> = vec![
        ("kind", "medication"),
        ("item", &med),
        ("name", "Metformin 500 mg tablet"),
        ("code", "861007"),
        ("date", "2024-03-03"),
        ("status", "active"),
        ("dose", "1000 mg"),
        ("instructions", "Twice a day with meals"),
        ("prescriber", "Dr. Ana Morales"),
    ];
    let r = save(&c, c.maria, &corrected, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    corrected.push(("reason", "Dose raised at the March visit"));
    let r = save(&c, c.maria, &corrected, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(saved_id(&r), medication);
    assert!(details(&summary(&c, &c.maria_cookie).await)
        .contains(&("dose".to_string(), "1000 mg".to_string())));
    assert_eq!(
        versions(&pool, medication).await,
        [
            (1, None),
            (2, Some("Dose raised at the March visit".to_string()))
        ]
    );
    let form: EntryFormView = json_of(
        call(
            &c,
            <RecordEntry as ServerFn>::PATH,
            &[
                ("patient_id", &maria),
                ("kind", "medication"),
                ("item", &med),
            ],
            &c.staff_cookie,
        )
        .await,
    )
    .await;
    let last = form.versions.last().expect("version 2");
    assert_eq!(
        (last.version, last.by.as_str(), last.reason.as_str()),
        (2, "Sam Rivera, RN", "Dose raised at the March visit")
    );
    // The item is a medication: asked for as a condition, or for another patient, it is not found.
    let r = call(
        &c,
        <RecordEntry as ServerFn>::PATH,
        &[
            ("patient_id", &maria),
            ("kind", "condition"),
            ("item", &med),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = save(&c, c.ben, &corrected, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // An outside record's item is corrected by whoever sent it.
    let source = Uuid::new_v4();
    let staff_id: Uuid =
        sqlx::query_scalar("select account_id from account where email = 'nurse@example.org'")
            .fetch_one(&pool)
            .await
            .expect("staff");
    sqlx::query(
        "insert into record_source (source_id, patient_id, name, bundle_sha256, items, imported_by)
         values ($1, $2, 'Riverside Clinic', $3, 1, $4)",
    )
    .bind(source)
    .bind(c.maria)
    .bind(vec![7u8; 32])
    .bind(staff_id)
    .execute(&pool)
    .await
    .expect("source");
    let outside = Uuid::new_v4();
    sqlx::query(
        "insert into record_item (item_id, patient_id, resource_type, display, status, released_at,
                                  source_id, content_sha256, resource)
         values ($1, $2, 'Condition', 'Asthma', 'active', now(), $3, $4, $5)",
    )
    .bind(outside)
    .bind(c.maria)
    .bind(source)
    .bind(vec![8u8; 32])
    .bind(
        serde_json::json!({ "resourceType": "Condition", "code": { "text": "Asthma" },
                              "subject": { "reference": "urn:uuid:x" } }),
    )
    .execute(&pool)
    .await
    .expect("outside item");
    let r = call(
        &c,
        <RecordEntry as ServerFn>::PATH,
        &[
            ("patient_id", &maria),
            ("kind", "condition"),
            ("item", &outside.to_string()),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Entered in error: off the summary and the export, its history kept; not twice; not by
    // the patient.
    let withdraw = |cookie: String, reason: &'static str| {
        let (app, maria, item) = (c.app.clone(), maria.clone(), diabetes.to_string());
        async move {
            app.oneshot(post(
                <MarkEnteredInError as ServerFn>::PATH,
                &[
                    ("patient_id", &maria),
                    ("kind", "condition"),
                    ("item", &item),
                    ("reason", reason),
                ],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let r = withdraw(c.maria_cookie.clone(), "Not mine").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = withdraw(c.staff_cookie.clone(), " ").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = withdraw(c.staff_cookie.clone(), "Charted for the wrong patient").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(location(&r).contains("removed=1"));
    let s = summary(&c, &c.maria_cookie).await;
    assert!(s.conditions.iter().all(|i| i.id != diabetes.to_string()));
    assert_eq!(
        versions(&pool, diabetes).await,
        [
            (1, None),
            (
                2,
                Some("entered in error: Charted for the wrong patient".to_string())
            )
        ]
    );
    let r = withdraw(c.staff_cookie.clone(), "Again").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    assert_eq!(audits(&pool, "records.entry_add").await, 4);
    assert_eq!(audits(&pool, "records.entry_correct").await, 1);
    assert_eq!(audits(&pool, "records.entry_error").await, 1);
    // The form's reads of an item are audited too (three above, the outside one refused).
    assert_eq!(audits(&pool, "records.entry_form").await, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_held_result_reaches_the_patient_when_its_rule_or_staff_release_it(pool: PgPool) {
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    // A laboratory result is released at once, flagged by its range.
    let a1c = saved_id(
        &save(
            &c,
            c.maria,
            &[
                ("kind", "result"),
                ("name", "Hemoglobin A1c"),
                ("code", "4548-4"),
                ("date", &today),
                ("status", "final"),
                ("value", "7,2"),
                ("unit", "%"),
                ("low", "4"),
                ("high", "5.6"),
                ("category", "laboratory"),
            ],
            &c.staff_cookie,
        )
        .await,
    );
    // Imaging waits 72 hours by the default release rule.
    let xray = saved_id(
        &save(
            &c,
            c.maria,
            &[
                ("kind", "result"),
                ("name", "Chest X-ray opacity score"),
                ("date", &today),
                ("status", "final"),
                ("value", "1"),
                ("category", "imaging"),
            ],
            &c.staff_cookie,
        )
        .await,
    );
    let rows = |v: &ResultsView| -> Vec<(String, String, Option<String>, bool)> {
        v.reports
            .iter()
            .flat_map(|r| r.rows.iter())
            .map(|row| {
                (
                    row.id.clone(),
                    format!("{:?}", row.flag),
                    row.held.clone(),
                    row.correctable,
                )
            })
            .collect()
    };
    let seen = rows(&results(&c, &c.maria_cookie).await);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen.first()
            .map(|r| (r.0.as_str(), r.1.as_str(), r.2.clone(), r.3)),
        Some((a1c.to_string().as_str(), "High", None, false))
    );
    let staff_view = results(&c, &c.staff_cookie).await;
    assert!(staff_view.can_write);
    let staff_rows = rows(&staff_view);
    let held = staff_rows
        .iter()
        .find(|r| r.0 == xray.to_string())
        .expect("staff see the held result");
    assert!(held.2.is_some() && held.3);

    // Only staff release, and only what is held.
    let release = |cookie: String, item: Uuid| {
        let (app, maria) = (c.app.clone(), maria.clone());
        async move {
            app.oneshot(post(
                <ReleaseResult as ServerFn>::PATH,
                &[("patient_id", &maria), ("item", &item.to_string())],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let r = release(c.maria_cookie.clone(), xray).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = release(c.staff_cookie.clone(), xray).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(location(&r).contains("released=1"));
    assert_eq!(rows(&results(&c, &c.maria_cookie).await).len(), 2);
    let r = release(c.staff_cookie.clone(), xray).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(audits(&pool, "records.release").await, 1);

    // Corrected to a normal value, the flag follows.
    let a1c_id = a1c.to_string();
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "result"),
            ("item", &a1c_id),
            ("name", "Hemoglobin A1c"),
            ("code", "4548-4"),
            ("date", &today),
            ("status", "amended"),
            ("value", "5.2"),
            ("unit", "%"),
            ("low", "4"),
            ("high", "5.6"),
            ("category", "laboratory"),
            ("reason", "Transcribed from the wrong sample"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = rows(&results(&c, &c.maria_cookie).await);
    let a1c_row = seen.iter().find(|r| r.0 == a1c_id).expect("a1c");
    assert_eq!(a1c_row.1, "Normal");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_kinds_delay_counts_from_when_it_was_taken_and_a_new_delay_applies_to_what_waits(
    pool: PgPool,
) {
    use app::auth::account::Role;
    use app::records::{ReleaseRule, ReleaseRules, SaveReleaseRule};
    let c = clinic(&pool).await;
    let admin = seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    common::with_authenticator(&pool, admin, TOTP).await;
    let admin = signed_in(&c.app, "admin@example.org", PASSWORD, Some(TOTP)).await;
    let day = |days_ago: i64| {
        (chrono::Utc::now().date_naive() - chrono::Duration::days(days_ago)).to_string()
    };
    let lab = |name: &'static str, date: String, category: &'static str| {
        let c = &c;
        async move {
            saved_id(
                &save(
                    c,
                    c.maria,
                    &[
                        ("kind", "result"),
                        ("name", name),
                        ("date", &date),
                        ("status", "final"),
                        ("value", "1"),
                        ("category", category),
                    ],
                    &c.staff_cookie,
                )
                .await,
            )
        }
    };
    /// What Maria sees among her results, by name.
    async fn seen(c: &Clinic) -> Vec<String> {
        let mut names: Vec<String> = results(c, &c.maria_cookie)
            .await
            .reports
            .iter()
            .flat_map(|r| r.rows.iter())
            .map(|row| row.display.clone())
            .collect();
        names.sort();
        names
    }
    // Imaging waits 72 hours from when it was taken: four days ago is out, today waits.
    lab("Old knee X-ray", day(4), "imaging").await;
    lab("New knee X-ray", day(0), "imaging").await;
    assert_eq!(seen(&c).await, ["Old knee X-ray"]);

    let set = |cookie: String, category: &'static str, hours: &'static str| {
        let app = c.app.clone();
        async move {
            app.oneshot(post(
                <SaveReleaseRule as ServerFn>::PATH,
                &[("category", category), ("delay_hours", hours)],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    // Only administrators set rules, and only hours from 0 to a year.
    assert_eq!(
        set(c.staff_cookie.clone(), "imaging", "0").await.status(),
        StatusCode::FORBIDDEN
    );
    let refused = set(admin.clone(), "imaging", "9000").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("range"));
    assert_eq!(
        set(admin.clone(), "x-rays", "1").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(seen(&c).await, ["Old knee X-ray"]);

    // Laboratory results now wait a day: yesterday's is out, today's waits.
    assert_eq!(
        set(admin.clone(), "laboratory", "24").await.status(),
        StatusCode::OK
    );
    lab("Potassium", day(2), "laboratory").await;
    lab("Sodium", day(0), "laboratory").await;
    assert_eq!(seen(&c).await, ["Old knee X-ray", "Potassium"]);
    // Imaging at once: what was waiting is released now.
    assert_eq!(
        set(admin.clone(), "imaging", "0").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        seen(&c).await,
        ["New knee X-ray", "Old knee X-ray", "Potassium"]
    );
    let rules: Vec<ReleaseRule> = serde_json::from_str(
        &text(
            c.app
                .clone()
                .oneshot(post(<ReleaseRules as ServerFn>::PATH, &[], Some(&admin)))
                .await
                .expect("response"),
        )
        .await,
    )
    .expect("rules");
    let rules: Vec<(&str, i32, i64)> = rules
        .iter()
        .map(|r| (r.category.as_str(), r.delay_hours, r.waiting))
        .collect();
    assert_eq!(
        rules,
        [
            ("laboratory", 24, 1),
            ("vital-signs", 0, 0),
            ("imaging", 0, 0),
            ("pathology", 72, 0)
        ]
    );
    assert_eq!(audits(&pool, "records.release_rule").await, 2);
}

async fn upload(c: &Clinic, fields: &[(&str, &str)], file: &[u8], cookie: &str) -> Response {
    let patient = c.maria.to_string();
    let mut all = vec![("patient_id", patient.as_str())];
    all.extend_from_slice(fields);
    c.app
        .clone()
        .oneshot(common::multipart(
            <UploadRecordDocument as ServerFn>::PATH,
            &all,
            &[("document", "letter.pdf", file)],
            Some(cookie),
            false,
        ))
        .await
        .expect("response")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_add_a_document_that_the_patient_downloads_as_it_was_sent(pool: PgPool) {
    let c = clinic(&pool).await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let fields = [("title", "Referral letter"), ("kind", "letter")];

    // The patient's side does not upload; a file that is not a PDF, image or text is refused
    // whatever its name says; nothing is stored either time.
    let r = upload(&c, &fields, pdf, &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = upload(&c, &fields, b"MZ\x90\x00\x03\x00\x00\x00", &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(
        refused.pointer("/Validation/file").and_then(Value::as_str),
        Some("not_supported")
    );
    assert_eq!(items(&pool).await, 0);

    let r = upload(&c, &fields, pdf, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", text(r).await);
    assert_eq!(items(&pool).await, 1);
    let documents: app::records::DocumentsView = json_of(
        call(
            &c,
            <app::records::RecordsDocuments as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert!(!documents.can_write);
    let doc = documents.documents.first().expect("the letter");
    assert_eq!(doc.title, "Referral letter");
    assert_eq!(doc.kind, "Letter");
    assert_eq!(doc.file, Some(("PDF".to_string(), 1)));
    let r = c
        .app
        .clone()
        .oneshot(
            axum::http::Request::get(format!(
                "/records/documents/{}/file?patient={}",
                doc.id, c.maria
            ))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, &c.maria_cookie)
            .body(axum::body::Body::empty())
            .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert!(r
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d.starts_with("attachment") && d.contains("Referral letter.pdf")));
    let body = axum::body::to_bytes(r.into_body(), 1 << 20)
        .await
        .expect("body");
    assert_eq!(&body[..], &pdf[..]);
    assert_eq!(audits(&pool, "records.document_add").await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_summary_pdf_holds_what_the_summary_shows_and_only_for_who_may_read_it(pool: PgPool) {
    let c = clinic(&pool).await;
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "medication"),
            ("name", "Metformina 500 mg comprimido"),
            ("date", "2024-03-03"),
            ("status", "active"),
            ("dose", "500 mg"),
            ("instructions", "Dos veces al día con las comidas"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let get = |cookie: Option<String>| {
        let (app, maria) = (c.app.clone(), c.maria);
        async move {
            let mut request =
                axum::http::Request::get(format!("/records/summary.pdf?patient={maria}"))
                    .header(header::HOST, "127.0.0.1:3000");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            app.oneshot(request.body(axum::body::Body::empty()).expect("request"))
                .await
                .expect("response")
        }
    };
    assert_eq!(get(None).await.status(), StatusCode::UNAUTHORIZED);
    let ben = seed_account(&pool, "ben@example.org", &[], PASSWORD).await;
    grant(&pool, ben, c.ben, "self", "{}").await;
    let ben_cookie = signed_in(&c.app, "ben@example.org", PASSWORD, None).await;
    assert_eq!(get(Some(ben_cookie)).await.status(), StatusCode::FORBIDDEN);

    let pdf_text = |r: Response| async move {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 22)
            .await
            .expect("body");
        let doc = lopdf::Document::load_mem(&bytes).expect("a PDF another reader opens");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert_eq!(pages.len(), 1);
        doc.extract_text(&pages).expect("text")
    };
    let r = get(Some(c.maria_cookie.clone())).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert!(r
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d.starts_with("attachment")));
    let text = pdf_text(r).await;
    // The medication as typed, accents kept; every section, empty ones said so.
    for expected in [
        "Health summary",
        "Maria Garcia · Born Mar 14, 1979",
        "Metformina 500 mg comprimido",
        "Dose: 500 mg",
        "Dos veces al día con las comidas",
        "No known allergies on record.",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    // In Spanish when the reader chose Spanish.
    let text = pdf_text(get(Some(format!("{}; lang=es", c.maria_cookie))).await).await;
    for expected in ["Medicamentos", "Página 1 de 1", "Nacimiento: 14 mar 1979"] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    assert_eq!(audits(&pool, "records.export_pdf").await, 2);
}

async fn visits(c: &Clinic, cookie: &str) -> app::records::VisitsView {
    json_of(
        call(
            c,
            <app::records::RecordsVisits as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            cookie,
        )
        .await,
    )
    .await
}

async fn care(c: &Clinic, cookie: &str) -> app::records::CarePlanView {
    json_of(
        call(
            c,
            <app::records::CarePlan as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            cookie,
        )
        .await,
    )
    .await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_record_a_visit_and_write_its_summary(pool: PgPool) {
    let c = clinic(&pool).await;
    let visit = [
        ("kind", "visit"),
        ("name", "Office visit"),
        ("code", "99213"),
        ("date", "2026-11-20"),
        ("status", "finished"),
        ("category", "video"),
        ("prescriber", "Dr. Ana Ruiz"),
        ("detail", "Diabetes follow-up"),
    ];
    let r = save(&c, c.maria, &visit, &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A setting that is not offered is refused by field.
    let mut odd = visit.to_vec();
    odd.retain(|(k, _)| *k != "category");
    odd.push(("category", "home"));
    let r = save(&c, c.maria, &odd, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("category"));
    assert_eq!(items(&pool).await, 0);

    let r = save(&c, c.maria, &visit, &c.staff_cookie).await;
    assert!(location(&r).starts_with(&format!("/records/visits?patient={}", c.maria)));
    let id = saved_id(&r);
    let v = visits(&c, &c.maria_cookie).await;
    assert_eq!(v.visits.len(), 1);
    let seen = v.visits.first().expect("visit");
    assert_eq!(seen.id, id.to_string());
    assert_eq!(seen.display, "Office visit");
    assert_eq!(seen.clinicians, ["Dr. Ana Ruiz"]);
    assert_eq!(seen.reasons, ["Diabetes follow-up"]);
    assert!(seen.source.is_none() && seen.summary.is_none());

    // The after-visit summary is written on the visit staff recorded.
    let r = call(
        &c,
        <app::records::WriteVisitSummary as ServerFn>::PATH,
        &[
            ("patient_id", &c.maria.to_string()),
            ("visit_id", &id.to_string()),
            ("text", "Keep walking daily. Recheck A1c in 3 months."),
        ],
        &c.staff_cookie,
    )
    .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let v = visits(&c, &c.maria_cookie).await;
    let summary = v
        .visits
        .first()
        .and_then(|v| v.summary.clone())
        .expect("summary");
    assert!(summary.text.contains("Recheck A1c"));

    // The exported Encounter is a virtual visit of type CPT 99213, the clinician and reason kept.
    let form: EntryFormView = json_of(
        call(
            &c,
            <RecordEntry as ServerFn>::PATH,
            &[
                ("patient_id", &c.maria.to_string()),
                ("kind", "visit"),
                ("item", &id.to_string()),
            ],
            &c.staff_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(form.fields.category, "video");
    assert_eq!(form.fields.code, "99213");
    assert_eq!(form.fields.prescriber, "Dr. Ana Ruiz");
    assert_eq!(form.fields.detail, "Diabetes follow-up");
    assert_eq!(form.fields.date, "2026-11-20");
    let resource: Value = sqlx::query_scalar("select resource from record_item where item_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("resource");
    assert_eq!(resource["class"]["code"], "VR");
    assert_eq!(resource["type"][0]["coding"][0]["code"], "99213");
    assert_eq!(resource["period"]["start"], "2026-11-20");

    // A correction of the clinician keeps the first version and the reason.
    let id_text = id.to_string();
    let mut fixed = visit.to_vec();
    fixed.retain(|(k, _)| *k != "prescriber");
    fixed.extend([
        ("prescriber", "Dr. Luis Chen"),
        ("item", id_text.as_str()),
        ("reason", "Seen by the covering doctor"),
    ]);
    let r = save(&c, c.maria, &fixed, &c.staff_cookie).await;
    assert_eq!(saved_id(&r), id);
    let v = visits(&c, &c.maria_cookie).await;
    assert_eq!(
        v.visits.first().map(|v| v.clinicians.clone()),
        Some(vec!["Dr. Luis Chen".to_string()])
    );
    assert_eq!(
        versions(&pool, id).await,
        [
            (1, None),
            (2, Some("Seen by the covering doctor".to_string()))
        ]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_build_the_care_plan_and_the_patient_works_through_it(pool: PgPool) {
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();

    // A goal due ahead of today is fine; one due before it was set is not.
    let mut goal = vec![
        ("kind", "goal"),
        ("name", "Bring A1c under 7%"),
        ("date", "2026-11-01"),
        ("status", "active"),
        ("detail", "A1c below 7%"),
        ("due", "2026-10-01"),
        ("achievement", "improving"),
    ];
    let r = save(&c, c.maria, &goal, &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("before_start"));
    goal.retain(|(k, _)| *k != "due");
    goal.push(("due", "2027-06-30"));
    let r = save(&c, c.maria, &goal, &c.staff_cookie).await;
    assert!(
        location(&r).contains("/records/care-plan?"),
        "{}",
        location(&r)
    );

    // A plan with a first task, then a second task added to it.
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "plan"),
            ("name", "Diabetes plan"),
            ("date", "2026-11-01"),
            ("status", "active"),
            ("task", "Walk 30 minutes a day"),
            ("due", "2027-01-31"),
        ],
        &c.staff_cookie,
    )
    .await;
    let plan = saved_id(&r).to_string();
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "plan"),
            ("item", &plan),
            ("name", "Diabetes plan"),
            ("date", "2026-11-01"),
            ("status", "active"),
            ("task", "Book an eye exam"),
            ("reason", "Added a task"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(saved_id(&r).to_string(), plan);
    // A team with one member; a role without a name is refused.
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "team"),
            ("name", "Diabetes care team"),
            ("date", "2026-11-01"),
            ("status", "active"),
            ("role", "Dietitian"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = save(
        &c,
        c.maria,
        &[
            ("kind", "team"),
            ("name", "Diabetes care team"),
            ("date", "2026-11-01"),
            ("status", "active"),
            ("member", "Dr. Ana Ruiz"),
            ("role", "Primary care physician"),
        ],
        &c.staff_cookie,
    )
    .await;
    let team = saved_id(&r).to_string();

    let seen = care(&c, &c.maria_cookie).await;
    assert!(!seen.can_write && seen.navigators.is_empty() && seen.own_teams.is_empty());
    let g = seen.goals.first().expect("goal");
    assert_eq!(
        (
            g.description.as_str(),
            g.achievement.as_deref(),
            g.target.as_deref()
        ),
        (
            "Bring A1c under 7%",
            Some("improving"),
            Some("A1c below 7%")
        )
    );
    let p = seen.plans.first().expect("plan");
    assert!(p.own);
    let tasks: Vec<&str> = p.tasks.iter().map(|t| t.description.as_str()).collect();
    assert_eq!(tasks, ["Walk 30 minutes a day", "Book an eye exam"]);
    assert_eq!(
        seen.team,
        [(
            "Dr. Ana Ruiz".to_string(),
            "Primary care physician".to_string()
        )]
    );
    let staff_view = care(&c, &c.staff_cookie).await;
    assert!(staff_view.can_write);
    assert_eq!(
        staff_view.own_teams,
        [(team.clone(), "Diabetes care team".to_string())]
    );

    // The patient marks the second task done; staff then take the first off the plan, and the
    // second keeps its mark.
    let mark = |task: &'static str| {
        [
            ("patient_id", maria.clone()),
            ("plan_id", plan.clone()),
            ("task", task.to_string()),
            ("done", "true".to_string()),
        ]
    };
    let form = mark("1");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = call(
        &c,
        <app::records::MarkCareTask as ServerFn>::PATH,
        &form,
        &c.maria_cookie,
    )
    .await;
    assert!(!r.status().is_client_error(), "{}", r.status());
    let r = remove(&c, "plan", &plan, "0", &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = remove(&c, "plan", &plan, "0", &c.staff_cookie).await;
    assert!(location(&r).contains("removed=1"), "{}", location(&r));
    let r = remove(&c, "plan", &plan, "0", &c.staff_cookie).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "already off the plan");
    let seen = care(&c, &c.maria_cookie).await;
    let p = seen.plans.first().expect("plan");
    assert_eq!(p.tasks.len(), 1);
    let left = p.tasks.first().expect("task");
    assert_eq!((left.index, left.done), (1, true));
    assert_eq!(left.description, "Book an eye exam");
    // The removed task cannot be marked.
    let form = mark("0");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = call(
        &c,
        <app::records::MarkCareTask as ServerFn>::PATH,
        &form,
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let history = versions(&pool, Uuid::parse_str(&plan).expect("id")).await;
    assert_eq!(history.len(), 4, "{history:?}");
    assert_eq!(
        history.last().and_then(|(_, r)| r.clone()).as_deref(),
        Some("task removed: Walk 30 minutes a day")
    );

    // Taking the member off the team empties it for the patient.
    let r = remove(&c, "team", &team, "0", &c.staff_cookie).await;
    assert!(location(&r).contains("removed=1"));
    assert!(care(&c, &c.maria_cookie).await.team.is_empty());
}

async fn remove(c: &Clinic, kind: &str, item: &str, index: &str, cookie: &str) -> Response {
    call(
        c,
        <app::records::RemoveRecordPart as ServerFn>::PATH,
        &[
            ("patient_id", &c.maria.to_string()),
            ("kind", kind),
            ("item", item),
            ("index", index),
        ],
        cookie,
    )
    .await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_choose_the_primary_contact_among_the_navigators(pool: PgPool) {
    use app::auth::account::Role;
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();
    let nora = seed_account(&pool, "nora@example.org", &[Role::Staff], PASSWORD).await;
    sqlx::query(
        "insert into message_queue (queue_id, slug, name_en, name_es)
         values ('00000000-0000-0000-0000-0000000000b1', 'care-team', 'Care team', 'Equipo')",
    )
    .execute(&pool)
    .await
    .expect("queue");
    sqlx::query(
        "insert into care_navigator (account_id, display_name, queue_id)
         values ($1, 'Nora Navarro', '00000000-0000-0000-0000-0000000000b1')",
    )
    .bind(nora)
    .execute(&pool)
    .await
    .expect("navigator");
    let path = <app::records::SetPrimaryContact as ServerFn>::PATH;
    let nora_id = nora.to_string();
    let form = [
        ("patient_id", maria.as_str()),
        ("navigator", nora_id.as_str()),
    ];

    let r = call(&c, path, &form, &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Someone who is not a navigator cannot be the contact.
    let not_navigator = Uuid::new_v4().to_string();
    let r = call(
        &c,
        path,
        &[("patient_id", &maria), ("navigator", &not_navigator)],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(care(&c, &c.maria_cookie).await.contact.is_none());

    let r = call(&c, path, &form, &c.staff_cookie).await;
    assert!(location(&r).contains("contact=1"), "{}", location(&r));
    let seen = care(&c, &c.maria_cookie).await;
    assert_eq!(
        seen.contact.map(|n| n.name),
        Some("Nora Navarro".to_string())
    );
    let staff_view = care(&c, &c.staff_cookie).await;
    assert_eq!(staff_view.contact_id, Some(nora_id));
    assert_eq!(
        staff_view.navigators,
        [(nora.to_string(), "Nora Navarro".to_string())]
    );
    assert_eq!(audits(&pool, "records.primary_contact").await, 1);

    // Nobody, again.
    let r = call(
        &c,
        path,
        &[("patient_id", &maria), ("navigator", "")],
        &c.staff_cookie,
    )
    .await;
    assert!(location(&r).contains("contact=1"));
    assert!(care(&c, &c.maria_cookie).await.contact.is_none());
}
