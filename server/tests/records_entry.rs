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
