//! Health records through the real router: an import checked whole (problems named by entry
//! and field, nothing stored until it is acceptable, the valid entries kept on request, the
//! same file twice adding nothing), the summary, results and trend it gives, the export and
//! its round trip into a fresh patient, who may read (never another patient, never a proxy
//! without the records scope), a teen's confidential items hidden from a parent, and an audit
//! row for each read.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]
#![allow(
    clippy::indexing_slicing,
    reason = "a missing element should fail the test loudly"
)]

use app::records::{
    CarePlan, CarePlanView, DocumentsView, ImportBundle, ImportPage, ImportPageData, ImportReport,
    KeepValidEntries, MarkCareTask, RecordsDocuments, RecordsResults, RecordsSummary,
    RecordsVisits, ResultTrend, ResultsView, SummaryView, TrendView, VisitsView, WriteVisitSummary,
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::Response,
    Router,
};
use serde_json::{json, Value};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{config, grant, options, patient, post, router_with, seed_account, signed_in, text};

const PASSWORD: &str = "copper meadow lantern nine";

struct Clinic {
    app: Router,
    maria: Uuid,
    maria_cookie: String,
    ben_cookie: String,
    proxy_cookie: String,
}

/// Maria (who imports), Ben (another patient) and Maria's son, her proxy for scheduling only.
async fn clinic(pool: &PgPool) -> Clinic {
    let app = router_with(pool.clone(), config(&[]), options());
    let maria = patient(pool, "Maria", "Garcia", "1979-03-14", "female").await;
    let ben = patient(pool, "Ben", "Ortiz", "1980-01-01", "male").await;
    let a = seed_account(pool, "maria@example.org", &[], PASSWORD).await;
    grant(pool, a, maria, "self", "{}").await;
    let b = seed_account(pool, "ben@example.org", &[], PASSWORD).await;
    grant(pool, b, ben, "self", "{}").await;
    let p = seed_account(pool, "son@example.org", &[], PASSWORD).await;
    grant(pool, p, maria, "proxy", "{scheduling}").await;
    Clinic {
        maria_cookie: signed_in(&app, "maria@example.org", PASSWORD, None).await,
        ben_cookie: signed_in(&app, "ben@example.org", PASSWORD, None).await,
        proxy_cookie: signed_in(&app, "son@example.org", PASSWORD, None).await,
        app,
        maria,
    }
}

fn observation(id: &str, code: &str, name: &str, value: Value, unit: &str, day: &str) -> Value {
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": {
        "resourceType": "Observation", "id": id, "status": "final",
        "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
        "code": { "coding": [{ "system": "http://loinc.org", "code": code, "display": name }] },
        "subject": { "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" },
        "effectiveDateTime": day,
        "valueQuantity": { "value": value, "unit": unit },
        "referenceRange": [{ "low": { "value": 4.0 }, "high": { "value": 5.6 } }] } })
}

fn maria_entry(born: &str) -> Value {
    json!({ "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {
        "resourceType": "Patient", "name": [{ "family": "Garcia", "given": ["Maria"] }], "birthDate": born } })
}

/// What Riverside Clinic's portal gives Maria: the clinic, a diagnosis, an allergy, a
/// medication, two HbA1c results in one report and one alone, and a flu shot.
fn riverside() -> Value {
    let subject = json!({ "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" });
    json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        maria_entry("1979-03-14"),
        { "fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": {
            "resourceType": "Organization", "name": "Riverside Clinic" } },
        { "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000001", "resource": {
            "resourceType": "Condition",
            "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active" }] },
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item" }] }],
            "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9", "display": "Type 2 diabetes mellitus" }] },
            "subject": subject, "onsetDateTime": "2019-06-01" } },
        { "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000002", "resource": {
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active" }] },
            "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "764146007", "display": "Penicillin" }] },
            "patient": subject, "reaction": [{ "manifestation": [{ "text": "Hives" }], "severity": "moderate" }] } },
        { "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000003", "resource": {
            "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": { "coding": [{ "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975", "display": "metformin 500 MG Oral Tablet" }] },
            "subject": subject, "authoredOn": "2019-06-02", "requester": { "display": "Dr. Lee" },
            "dosageInstruction": [{ "text": "Take 1 tablet twice a day with meals." }] } },
        { "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000004", "resource": {
            "resourceType": "DiagnosticReport", "status": "final",
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB" }] }],
            "code": { "coding": [{ "system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c" }] },
            "subject": subject, "effectiveDateTime": "2021-02-11",
            "result": [{ "reference": "urn:uuid:c0000000-0000-4000-8000-000000000005" }] } },
        observation("c0000000-0000-4000-8000-000000000005", "4548-4", "Hemoglobin A1c", json!(7.2), "%", "2021-02-11"),
        observation("c0000000-0000-4000-8000-000000000006", "4548-4", "Hemoglobin A1c", json!(6.4), "%", "2020-02-11"),
        { "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000007", "resource": {
            "resourceType": "Immunization", "status": "completed",
            "vaccineCode": { "coding": [{ "system": "http://hl7.org/fhir/sid/cvx", "code": "141", "display": "Influenza" }] },
            "patient": subject, "occurrenceDateTime": "2020-10-01", "primarySource": false } }
    ] })
}

async fn import(c: &Clinic, patient: Uuid, bytes: &[u8], cookie: &str) -> Response {
    c.app
        .clone()
        .oneshot(common::multipart(
            <ImportBundle as ServerFn>::PATH,
            &[("patient_id", &patient.to_string())],
            &[("bundle", "record.json", bytes)],
            Some(cookie),
            false,
        ))
        .await
        .expect("response")
}

fn location(r: &Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
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

async fn summary(c: &Clinic, patient: Uuid, cookie: &str) -> Response {
    call(
        c,
        <RecordsSummary as ServerFn>::PATH,
        &[("patient_id", &patient.to_string())],
        cookie,
    )
    .await
}

async fn export(c: &Clinic, patient: Uuid, cookie: &str) -> Response {
    c.app
        .clone()
        .oneshot(
            Request::get(format!("/records/export.json?patient={patient}"))
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response")
}

async fn items(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from record_item")
        .fetch_one(pool)
        .await
        .expect("count")
}

/// The pending import named by a refused import's 422, and its problems.
async fn problems_of(c: &Clinic, refused: Response, cookie: &str) -> ImportReport {
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(refused).await;
    let error: Value = serde_json::from_str(&body).expect("error json");
    let pending = error
        .pointer("/Validation/pending")
        .and_then(Value::as_str)
        .expect("pending id")
        .to_string();
    json_of(
        call(
            c,
            <app::records::ImportProblems as ServerFn>::PATH,
            &[("pending_id", &pending)],
            cookie,
        )
        .await,
    )
    .await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_import_becomes_the_summary_results_and_trend_and_the_same_file_again_adds_nothing(
    pool: PgPool,
) {
    let c = clinic(&pool).await;
    let bytes = riverside().to_string().into_bytes();
    let r = import(&c, c.maria, &bytes, &c.maria_cookie).await;
    assert!(
        location(&r).contains("added=7&already=0"),
        "{} {}",
        r.status(),
        location(&r)
    );

    let s: SummaryView = json_of(summary(&c, c.maria, &c.maria_cookie).await).await;
    assert_eq!(
        s.conditions
            .iter()
            .map(|i| i.display.as_str())
            .collect::<Vec<_>>(),
        ["Type 2 diabetes mellitus"]
    );
    assert_eq!(s.conditions[0].source.as_deref(), Some("Riverside Clinic"));
    assert_eq!(
        s.allergies[0].details,
        [
            ("reaction".to_string(), "Hives".to_string()),
            ("severity".into(), "moderate".into())
        ]
    );
    assert_eq!(
        s.medications[0].details,
        [
            (
                "instructions".to_string(),
                "Take 1 tablet twice a day with meals.".to_string()
            ),
            ("prescriber".into(), "Dr. Lee".into())
        ]
    );
    assert_eq!(s.immunizations.len(), 1);
    assert_eq!(s.new_results, 3, "a report and its two values are new");
    assert_eq!(s.sources.len(), 1);

    let results: ResultsView = json_of(
        call(
            &c,
            <RecordsResults as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    // Newest first: the 2021 report with its value, then the 2020 value on its own.
    assert_eq!(results.reports.len(), 2);
    let report = &results.reports[0];
    assert_eq!(report.display, "Hemoglobin A1c");
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].value, "7.2 %");
    assert_eq!(report.rows[0].range, "4–5.6");
    assert_eq!(report.rows[0].flag, app::records::Flag::High);
    assert!(report.rows[0].new);
    assert_eq!(report.rows[0].count, 2);
    // Opening the results marked them seen.
    let again: ResultsView = json_of(
        call(
            &c,
            <RecordsResults as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert!(again
        .reports
        .iter()
        .flat_map(|r| &r.rows)
        .all(|row| !row.new));

    // The trend is asked for by one of its values (an opaque id), never by the test's code.
    let a1c = again
        .reports
        .iter()
        .flat_map(|r| &r.rows)
        .find(|row| row.code.as_deref() == Some("4548-4"))
        .map(|row| row.id.clone())
        .expect("an A1c value");
    let trend: TrendView = json_of(
        call(
            &c,
            <ResultTrend as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string()), ("item", &a1c)],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(
        trend.points.iter().map(|p| p.value).collect::<Vec<_>>(),
        [6.4, 7.2]
    );
    assert_eq!((trend.low, trend.high), (Some(4.0), Some(5.6)));
    // Maria's value asked for as part of Ben's own record is not found, and says nothing.
    let r = call(
        &c,
        <ResultTrend as ServerFn>::PATH,
        &[("item", &a1c)],
        &c.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!text(r).await.contains("A1c"));
    // The import page lists where her outside records came from (itself audited).
    let page: ImportPageData = json_of(
        call(
            &c,
            <ImportPage as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(
        page.sources
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["Riverside Clinic"]
    );

    let before = items(&pool).await;
    let r = import(&c, c.maria, &bytes, &c.maria_cookie).await;
    assert!(
        location(&r).contains("added=0&already=7"),
        "{}",
        location(&r)
    );
    // The same resources in another file (reformatted) are recognised one by one.
    let pretty = serde_json::to_vec_pretty(&riverside()).expect("json");
    let r = import(&c, c.maria, &pretty, &c.maria_cookie).await;
    assert!(
        location(&r).contains("added=0&already=7"),
        "{}",
        location(&r)
    );
    assert_eq!(items(&pool).await, before);
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_event where patient_id = $1 and action like 'records.%' order by chain_seq",
    )
    .bind(c.maria)
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        audited,
        [
            "records.import",
            "records.summary",
            "records.results",
            "records.results",
            "records.trend",
            "records.sources",
            "records.import",
            "records.import"
        ]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn every_problem_is_named_by_entry_and_field_and_nothing_is_stored_until_chosen(
    pool: PgPool,
) {
    let c = clinic(&pool).await;
    let report = problems_of(
        &c,
        import(&c, c.maria, b"{ this is not json", &c.maria_cookie).await,
        &c.maria_cookie,
    )
    .await;
    assert_eq!(
        report.problems,
        [(0, String::new(), String::new(), "not_json".to_string())]
    );
    assert_eq!(report.valid_entries, 0);

    let mut bundle = riverside();
    let entries = bundle["entry"].as_array_mut().expect("entries");
    entries.push(json!({ "resource": { "resourceType": "Claim", "status": "active" } }));
    entries.push(json!({ "resource": { "resourceType": "DiagnosticReport", "status": "final",
        "code": { "text": "Lipids" }, "subject": { "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" },
        "result": [{ "reference": "urn:uuid:does-not-exist" }] } }));
    entries.push(observation(
        "c0000000-0000-4000-8000-000000000009",
        "4548-4",
        "Hemoglobin A1c",
        json!("high"),
        "%",
        "2022-01-01",
    ));
    let report = problems_of(
        &c,
        import(&c, c.maria, bundle.to_string().as_bytes(), &c.maria_cookie).await,
        &c.maria_cookie,
    )
    .await;
    assert_eq!(
        report.problems,
        [
            (
                10,
                "Claim".to_string(),
                "resourceType".to_string(),
                "unsupported_type".to_string()
            ),
            (
                11,
                "DiagnosticReport".into(),
                "result[0].reference".into(),
                "unknown_reference".into()
            ),
            (
                12,
                "Observation".into(),
                "valueQuantity.value".into(),
                "wrong_type".into()
            ),
        ]
    );
    assert_eq!(report.valid_entries, 7);
    assert_eq!(
        items(&pool).await,
        0,
        "nothing stored while there are problems"
    );

    // Someone else may not see or keep Maria's pending import.
    let pending = report.pending_id.clone().expect("pending");
    let r = call(
        &c,
        <KeepValidEntries as ServerFn>::PATH,
        &[("pending_id", &pending)],
        &c.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = call(
        &c,
        <KeepValidEntries as ServerFn>::PATH,
        &[("pending_id", &pending)],
        &c.maria_cookie,
    )
    .await;
    assert!(
        location(&r).contains("added=7"),
        "{} {}",
        r.status(),
        location(&r)
    );
    assert_eq!(items(&pool).await, 7);

    // A record for somebody else, and one too large to read.
    let mut other = riverside();
    other["entry"][0] = maria_entry("1990-01-01");
    let report = problems_of(
        &c,
        import(&c, c.maria, other.to_string().as_bytes(), &c.maria_cookie).await,
        &c.maria_cookie,
    )
    .await;
    assert_eq!(
        report.problems,
        [(
            1,
            "Patient".to_string(),
            "name, birthDate".to_string(),
            "other_patient".to_string()
        )]
    );
    assert_eq!(
        report.valid_entries, 0,
        "another person's entries can never be kept"
    );
    let huge = vec![b' '; app::records::MAX_BUNDLE_BYTES + 1];
    let report = problems_of(
        &c,
        import(&c, c.maria, &huge, &c.maria_cookie).await,
        &c.maria_cookie,
    )
    .await;
    assert_eq!(
        report.problems,
        [(0, String::new(), String::new(), "too_large".to_string())]
    );
    assert_eq!(items(&pool).await, 7);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn another_patient_and_a_proxy_without_the_records_scope_get_nothing(pool: PgPool) {
    let c = clinic(&pool).await;
    let bytes = riverside().to_string().into_bytes();
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        assert_eq!(
            import(&c, c.maria, &bytes, cookie).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(items(&pool).await, 0);
    import(&c, c.maria, &bytes, &c.maria_cookie).await;
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        assert_eq!(
            summary(&c, c.maria, cookie).await.status(),
            StatusCode::FORBIDDEN
        );
        let r = export(&c, c.maria, cookie).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(!text(r).await.contains("Garcia"));
        for (path, extra) in [
            (<RecordsResults as ServerFn>::PATH, None),
            (<ResultTrend as ServerFn>::PATH, Some(("item", "4548-4"))),
        ] {
            let mut form = vec![("patient_id", c.maria.to_string())];
            form.extend(extra.map(|(k, v)| (k, v.to_string())));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = call(&c, path, &form, cookie).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
    let r = export(&c, c.maria, "").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// A bundle's clinical resources (not the patient, the organisation or provenance), without
/// ids and references, sorted: what must survive an export and re-import unchanged.
fn clinical_resources(b: &Value) -> Vec<String> {
    let mut resources: Vec<String> = b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| {
            !matches!(
                r["resourceType"].as_str(),
                Some("Patient" | "Organization" | "Provenance")
            )
        })
        .map(|r| app::records::fhir::comparable(r).to_string())
        .collect();
    resources.sort();
    resources
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_whole_clinic_record_exports_imports_and_exports_the_same(pool: PgPool) {
    let c = clinic(&pool).await;
    let born = chrono::NaiveDate::from_ymd_opt(1979, 3, 14).expect("date");
    let record = server::demo_records::sample_record(c.maria, born, chrono::Utc::now());
    let mut conn = pool.acquire().await.expect("connection");
    app::records::db::insert_items(&mut conn, c.maria, &record, None, None)
        .await
        .expect("record");
    drop(conn);
    let first: Value =
        serde_json::from_str(&text(export(&c, c.maria, &c.maria_cookie).await).await)
            .expect("bundle");
    let kinds: std::collections::BTreeSet<String> = first["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str().map(String::from))
        .collect();
    // Every kind of item the portal keeps is in this record (CareTeam was once dropped on
    // import without a word).
    for kind in app::records::fhir::KEPT {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }

    let twin = patient(&pool, "Maria", "Garcia", "1979-03-14", "female").await;
    let account = seed_account(&pool, "maria2@example.org", &[], PASSWORD).await;
    grant(&pool, account, twin, "self", "{}").await;
    let cookie = signed_in(&c.app, "maria2@example.org", PASSWORD, None).await;
    let r = import(&c, twin, first.to_string().as_bytes(), &cookie).await;
    let clinical = clinical_resources(&first);
    assert!(
        location(&r).contains(&format!("added={}", clinical.len())),
        "{} {} of {}",
        r.status(),
        location(&r),
        clinical.len()
    );
    let second: Value =
        serde_json::from_str(&text(export(&c, twin, &cookie).await).await).expect("bundle");
    assert_eq!(clinical, clinical_resources(&second));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_export_imported_into_a_fresh_patient_exports_the_same_resources(pool: PgPool) {
    let c = clinic(&pool).await;
    import(
        &c,
        c.maria,
        riverside().to_string().as_bytes(),
        &c.maria_cookie,
    )
    .await;
    let r = export(&c, c.maria, &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/fhir+json");
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .starts_with("attachment"));
    assert_eq!(r.headers()[header::CACHE_CONTROL], "private, no-store");
    let first: Value = serde_json::from_str(&text(r).await).expect("bundle");
    assert_eq!(first["type"], "collection");

    // The same person registered again elsewhere: a fresh record with her name and birth date.
    let twin = patient(&pool, "Maria", "Garcia", "1979-03-14", "female").await;
    let account = seed_account(&pool, "maria2@example.org", &[], PASSWORD).await;
    grant(&pool, account, twin, "self", "{}").await;
    let cookie = signed_in(&c.app, "maria2@example.org", PASSWORD, None).await;
    let r = import(&c, twin, first.to_string().as_bytes(), &cookie).await;
    assert!(
        location(&r).contains("added=7"),
        "{} {}",
        r.status(),
        location(&r)
    );
    let second: Value =
        serde_json::from_str(&text(export(&c, twin, &cookie).await).await).expect("bundle");
    let clinical = clinical_resources;
    assert_eq!(clinical(&first).len(), 7);
    assert_eq!(clinical(&first), clinical(&second));
    // All seven came from one outside record (the first portal's export), and say so.
    let authors: Vec<&str> = second["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Provenance")
        .map(|e| {
            e["resource"]["agent"][0]["who"]["display"]
                .as_str()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(authors.len(), 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_parent_does_not_see_what_is_confidential_to_a_teen(pool: PgPool) {
    let c = clinic(&pool).await;
    let born =
        (chrono::Utc::now().date_naive() - chrono::Duration::days(15 * 365 + 30)).to_string();
    let sofia = patient(&pool, "Sofia", "Garcia", &born, "female").await;
    let teen = seed_account(&pool, "sofia@example.org", &[], PASSWORD).await;
    grant(&pool, teen, sofia, "self", "{}").await;
    let parent = seed_account(&pool, "mum@example.org", &[], PASSWORD).await;
    grant(&pool, parent, sofia, "parent", "{records}").await;
    let teen_cookie = signed_in(&c.app, "sofia@example.org", PASSWORD, None).await;
    let parent_cookie = signed_in(&c.app, "mum@example.org", PASSWORD, None).await;
    let subject = json!({ "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" });
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {
            "resourceType": "Patient", "name": [{ "family": "Garcia" }], "birthDate": born } },
        { "resource": { "resourceType": "Condition", "code": { "text": "Asthma" }, "subject": subject } },
        { "resource": { "resourceType": "Condition", "code": { "text": "Anxiety" }, "subject": subject,
            "meta": { "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] } } },
        // No label, but its code is in a confidential category (mental health).
        { "resource": { "resourceType": "Condition", "subject": subject, "code": { "coding": [{
            "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F32.A", "display": "Depression" }] } } },
        { "resource": { "resourceType": "Observation", "status": "final",
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
            "code": { "text": "Chlamydia test" }, "subject": subject, "effectiveDateTime": "2026-10-01",
            "valueString": "Negative",
            "meta": { "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] } } },
        { "resource": { "resourceType": "Observation", "status": "final",
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
            "code": { "text": "Hemoglobin" }, "subject": subject, "effectiveDateTime": "2026-10-01",
            "valueQuantity": { "value": 13.1, "unit": "g/dL" } } }
    ] });
    let r = import(&c, sofia, bundle.to_string().as_bytes(), &teen_cookie).await;
    assert!(
        location(&r).contains("added=5"),
        "{} {}",
        r.status(),
        location(&r)
    );
    let names = |s: &SummaryView| {
        s.conditions
            .iter()
            .map(|i| i.display.clone())
            .collect::<Vec<_>>()
    };
    let own: SummaryView = json_of(summary(&c, sofia, &teen_cookie).await).await;
    let mut own_names = names(&own);
    own_names.sort();
    assert_eq!(own_names, ["Anxiety", "Asthma", "Depression"]);
    assert!(!own.hidden_confidential);
    let parents: SummaryView = json_of(summary(&c, sofia, &parent_cookie).await).await;
    assert_eq!(names(&parents), ["Asthma"]);
    assert!(parents.hidden_confidential);
    let exported = text(export(&c, sofia, &parent_cookie).await).await;
    assert!(exported.contains("Asthma") && !exported.contains("Anxiety"));
    assert!(!exported.contains("Depression"));
    assert!(exported.contains("Hemoglobin") && !exported.contains("Chlamydia"));

    // The same on every other way the record is read: results, the patient summary, the PDF.
    let results = |cookie: String| {
        let sofia = sofia.to_string();
        let c = &c;
        async move {
            let r: ResultsView = json_of(
                call(
                    c,
                    <RecordsResults as ServerFn>::PATH,
                    &[("patient_id", &sofia)],
                    &cookie,
                )
                .await,
            )
            .await;
            serde_json::to_string(&r).expect("json")
        }
    };
    let own = results(teen_cookie.clone()).await;
    assert!(own.contains("Chlamydia test") && own.contains("Hemoglobin"));
    let parents = results(parent_cookie.clone()).await;
    assert!(parents.contains("Hemoglobin") && !parents.contains("Chlamydia"));
    let read = |path: String, cookie: String| {
        let c = &c;
        async move {
            let r = download(c, &path, Some(&cookie)).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            axum::body::to_bytes(r.into_body(), 1 << 22)
                .await
                .expect("body")
        }
    };
    let ips = format!("/records/patient-summary.json?patient={sofia}");
    let own =
        String::from_utf8(read(ips.clone(), teen_cookie.clone()).await.to_vec()).expect("utf-8");
    assert!(own.contains("Anxiety") && own.contains("Chlamydia"));
    let parents =
        String::from_utf8(read(ips, parent_cookie.clone()).await.to_vec()).expect("utf-8");
    assert!(
        parents.contains("Asthma")
            && !parents.contains("Anxiety")
            && !parents.contains("Chlamydia")
    );
    let pdf_text = |bytes: axum::body::Bytes| {
        let doc = lopdf::Document::load_mem(&bytes).expect("a PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        doc.extract_text(&pages).expect("text")
    };
    let pdf = format!("/records/summary.pdf?patient={sofia}");
    assert!(pdf_text(read(pdf.clone(), teen_cookie).await).contains("Anxiety"));
    let parents = pdf_text(read(pdf, parent_cookie).await);
    assert!(
        parents.contains("Asthma") && !parents.contains("Anxiety"),
        "{parents}"
    );
}

/// Items written here (not imported) into `patient`'s record, each with its own id.
async fn insert_own(
    pool: &PgPool,
    patient: Uuid,
    resources: impl IntoIterator<Item = (Uuid, Value)>,
) {
    use app::records::fhir::{extract, Item};
    let items: Vec<Item> = resources
        .into_iter()
        .map(|(id, resource)| {
            let mut problems = Vec::new();
            let fields = extract(&resource, 0, &Default::default(), &mut problems).expect("fields");
            Item {
                item_id: id,
                resource,
                fields,
                report_id: None,
                content_sha256: [0; 32],
            }
        })
        .collect();
    let mut conn = pool.acquire().await.expect("connection");
    app::records::db::insert_items(&mut conn, patient, &items, None, None)
        .await
        .expect("items");
}

/// Maria's own visit and care plan (written here, not imported): returns (visit, plan).
async fn own_visit_and_plan(pool: &PgPool, maria: Uuid) -> (Uuid, Uuid) {
    let (visit, plan) = (Uuid::new_v4(), Uuid::new_v4());
    let subject = json!({ "reference": format!("urn:uuid:{maria}") });
    let resources = [
        (
            visit,
            json!({ "resourceType": "Encounter", "id": visit.to_string(), "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB" },
            "type": [{ "text": "Follow-up encounter" }], "subject": subject,
            "participant": [{ "individual": { "display": "Dr. Ana Morales" } }],
            "reasonCode": [{ "text": "Type 2 diabetes mellitus" }],
            "period": { "start": "2026-11-20T15:00:00Z" } }),
        ),
        (
            plan,
            json!({ "resourceType": "CarePlan", "id": plan.to_string(), "status": "active",
            "intent": "plan", "title": "My care plan", "subject": subject,
            "activity": [
                { "detail": { "status": "not-started", "description": "Have your A1c blood test",
                    "scheduledPeriod": { "end": "2027-02-01" } } },
                { "detail": { "status": "not-started", "description": "Have your yearly eye exam",
                    "scheduledPeriod": { "end": "2026-11-01" } } },
            ] }),
        ),
    ];
    insert_own(pool, maria, resources).await;
    (visit, plan)
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

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_write_and_correct_a_visit_summary_and_the_patient_reads_the_latest(pool: PgPool) {
    use app::auth::account::Role;
    let c = clinic(&pool).await;
    let (visit, _) = own_visit_and_plan(&pool, c.maria).await;
    let staff = seed_account(&pool, "nurse@example.org", &[Role::Staff], PASSWORD).await;
    common::with_authenticator(&pool, staff, b"records-test-totp-key").await;
    let staff_cookie = signed_in(
        &c.app,
        "nurse@example.org",
        PASSWORD,
        Some(b"records-test-totp-key"),
    )
    .await;
    let maria = c.maria.to_string();
    let visit_id = visit.to_string();
    let write = |text: &str| -> Vec<(String, String)> {
        [
            ("patient_id", maria.as_str()),
            ("visit_id", visit_id.as_str()),
            ("text", text),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let post_summary = |form: Vec<(String, String)>, cookie: String| {
        let app = c.app.clone();
        async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.oneshot(post(
                <WriteVisitSummary as ServerFn>::PATH,
                &form,
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let visits = |cookie: String| {
        let app = c.app.clone();
        let maria = maria.clone();
        async move {
            json_of::<VisitsView>(
                app.oneshot(post(
                    <RecordsVisits as ServerFn>::PATH,
                    &[("patient_id", &maria)],
                    Some(&cookie),
                ))
                .await
                .expect("response"),
            )
            .await
        }
    };

    // Before anything is written: the visit, with no summary; the patient may not write one.
    let before = visits(c.maria_cookie.clone()).await;
    assert!(!before.can_write);
    let shown = before.visits.first().expect("the visit");
    assert_eq!(shown.clinicians, ["Dr. Ana Morales"]);
    assert_eq!(shown.reasons, ["Type 2 diabetes mellitus"]);
    assert_eq!(shown.summary, None);
    let r = post_summary(write("I wrote my own summary."), c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Staff: an empty summary is refused by field; then written, then corrected.
    assert!(visits(staff_cookie.clone()).await.can_write);
    let r = post_summary(write("   "), staff_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The refusal names the visit, so a page of many visits marks only this one's form.
    let refused: Value = serde_json::from_str(&text(r).await).expect("error json");
    assert_eq!(
        refused.pointer("/Validation/text"),
        Some(&json!("required"))
    );
    assert_eq!(refused.pointer("/Validation/visit"), Some(&json!(visit_id)));
    let r = post_summary(
        write("Your A1c is improving.\r\n\r\nKeep taking metformin."),
        staff_cookie.clone(),
    )
    .await;
    assert!(
        location(&r).starts_with("/records/visits?patient="),
        "{}",
        location(&r)
    );
    post_summary(
        write("Your A1c is improving.\n\nKeep taking metformin twice a day."),
        staff_cookie.clone(),
    )
    .await;

    let after = visits(c.maria_cookie.clone()).await;
    let summary = after
        .visits
        .first()
        .and_then(|v| v.summary.clone())
        .expect("a summary");
    assert_eq!(
        summary.text,
        "Your A1c is improving.\n\nKeep taking metformin twice a day."
    );
    assert_eq!(summary.versions, 2);
    // One document, two versions: the first is kept beside the correction.
    let document: Uuid = sqlx::query_scalar(
        "select item_id from record_item where resource_type = 'DocumentReference' and patient_id = $1",
    )
    .bind(c.maria)
    .fetch_one(&pool)
    .await
    .expect("one document");
    let kept = versions(&pool, document).await;
    assert_eq!(kept, [(1, None), (2, Some("corrected".to_string()))]);
    let first: Value = sqlx::query_scalar(
        "select resource from record_item_version where item_id = $1 and version = 1",
    )
    .bind(document)
    .fetch_one(&pool)
    .await
    .expect("first version");
    assert_eq!(
        app::records::fhir::document_text(&first).as_deref(),
        Some("Your A1c is improving.\n\nKeep taking metformin.")
    );

    // Another patient and a proxy without the records scope see nothing of it.
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        let r = call(
            &c,
            <RecordsVisits as ServerFn>::PATH,
            &[("patient_id", &maria)],
            cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(!text(r).await.contains("metformin"));
    }
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_event where patient_id = $1 and action like 'records.visit%' order by chain_seq",
    )
    .bind(c.maria)
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        audited,
        [
            "records.visits",
            "records.visits",
            "records.visit_summary",
            "records.visit_summary",
            "records.visits"
        ]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_patient_marks_a_task_done_and_back_and_every_change_is_kept(pool: PgPool) {
    let c = clinic(&pool).await;
    let (_, plan) = own_visit_and_plan(&pool, c.maria).await;
    let maria = c.maria.to_string();
    let plan_id = plan.to_string();
    let plan_of = |cookie: String| {
        let app = c.app.clone();
        let maria = maria.clone();
        async move {
            json_of::<CarePlanView>(
                app.oneshot(post(
                    <CarePlan as ServerFn>::PATH,
                    &[("patient_id", &maria)],
                    Some(&cookie),
                ))
                .await
                .expect("response"),
            )
            .await
        }
    };
    let view = plan_of(c.maria_cookie.clone()).await;
    let tasks = &view.plans.first().expect("the plan").tasks;
    assert_eq!(tasks.len(), 2);
    // The eye exam was due on 1 November: overdue; the A1c test is not due yet.
    assert!(!tasks[0].overdue && tasks[1].overdue && !tasks[1].done);

    let mark = |task: &'static str, done: &'static str| {
        [
            ("patient_id", maria.clone()),
            ("plan_id", plan_id.clone()),
            ("task", task.into()),
            ("done", done.into()),
        ]
    };
    let send = |form: [(&'static str, String); 4], cookie: String| {
        let app = c.app.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.oneshot(post(<MarkCareTask as ServerFn>::PATH, &form, Some(&cookie)))
                .await
                .expect("response")
        }
    };
    let r = send(mark("1", "true"), c.maria_cookie.clone()).await;
    assert!(
        location(&r).contains(&format!("#plan-{plan}-task-1")),
        "{}",
        location(&r)
    );
    let view = plan_of(c.maria_cookie.clone()).await;
    let task = &view.plans[0].tasks[1];
    assert!(task.done && !task.overdue);
    assert_eq!(
        task.changed.as_ref().map(|(_, by)| by.as_str()),
        Some("Maria Garcia")
    );
    send(mark("1", "false"), c.maria_cookie.clone()).await;
    assert!(!plan_of(c.maria_cookie.clone()).await.plans[0].tasks[1].done);
    assert_eq!(
        versions(&pool, plan).await,
        [
            (1, None),
            (2, Some("task done".into())),
            (3, Some("task not done".into()))
        ]
    );
    // No such task: nothing changes.
    assert_eq!(
        send(mark("7", "true"), c.maria_cookie.clone())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Ben cannot mark Maria's task, neither as Maria's nor as part of his own record; nor can
    // a proxy without the records scope.
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        assert_eq!(
            send(mark("0", "true"), cookie.to_string()).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let r = c
        .app
        .clone()
        .oneshot(post(
            <MarkCareTask as ServerFn>::PATH,
            &[
                ("plan_id", &plan_id),
                ("task", "0"),
                ("done", "true"),
                ("patient_id", ""),
            ],
            Some(&c.ben_cookie),
        ))
        .await
        .expect("response");
    assert_ne!(r.status(), StatusCode::OK);
    assert_eq!(versions(&pool, plan).await.len(), 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_outside_care_plan_is_shown_as_received_and_cannot_be_marked(pool: PgPool) {
    let c = clinic(&pool).await;
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {
            "resourceType": "Patient", "name": [{ "family": "Garcia", "given": ["Maria"] }],
            "birthDate": "1979-03-14" } },
        { "fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": {
            "resourceType": "CarePlan", "status": "active", "intent": "plan", "title": "Riverside plan",
            "subject": { "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" },
            "activity": [{ "detail": { "status": "not-started", "description": "Physical therapy twice a week" } }] } },
        { "fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333", "resource": {
            "resourceType": "Goal", "lifecycleStatus": "active", "description": { "text": "Walk without pain" },
            "subject": { "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" } } },
    ] });
    let r = import(&c, c.maria, bundle.to_string().as_bytes(), &c.maria_cookie).await;
    assert!(location(&r).contains("added=2"), "{}", location(&r));
    let view: CarePlanView = json_of(
        call(
            &c,
            <CarePlan as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    let plan = view.plans.first().expect("the outside plan");
    assert!(!plan.own);
    assert_eq!(plan.source.as_deref(), Some("Outside record"));
    assert_eq!(plan.tasks[0].description, "Physical therapy twice a week");
    assert_eq!(view.goals[0].description, "Walk without pain");
    let r = call(
        &c,
        <MarkCareTask as ServerFn>::PATH,
        &[
            ("patient_id", &c.maria.to_string()),
            ("plan_id", &plan.id),
            ("task", "0"),
            ("done", "true"),
        ],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("outside_record"));
}

async fn download(c: &Clinic, path: &str, cookie: Option<&str>) -> Response {
    let mut request = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    c.app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn documents_are_listed_and_downloaded_only_by_those_who_may_read_the_record(pool: PgPool) {
    use base64::Engine;
    let c = clinic(&pool).await;
    let pdf = b"%PDF-1.4\n% a report\n%%EOF\n".to_vec();
    let subject = json!({ "reference": "urn:uuid:11111111-1111-4111-8111-111111111111" });
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {
            "resourceType": "Patient", "name": [{ "family": "Garcia", "given": ["Maria"] }],
            "birthDate": "1979-03-14" } },
        { "fullUrl": "urn:uuid:44444444-4444-4444-8444-444444444444", "resource": {
            "resourceType": "DocumentReference", "status": "current", "subject": subject,
            "type": { "text": "XR Chest 2 Views" }, "description": "Chest X-ray report",
            "date": "2020-02-11T14:00:00Z",
            "content": [{ "attachment": { "contentType": "application/pdf", "title": "Chest X-ray/report.pdf",
                "data": base64::engine::general_purpose::STANDARD.encode(&pdf) } }] } },
        { "fullUrl": "urn:uuid:55555555-5555-4555-8555-555555555555", "resource": {
            "resourceType": "DocumentReference", "status": "current", "subject": subject,
            "type": { "text": "Referral letter" }, "date": "2021-01-05",
            "content": [{ "attachment": { "contentType": "application/pdf",
                "url": "https://riverside.example/letters/77" } }] } },
    ] });
    let r = import(&c, c.maria, bundle.to_string().as_bytes(), &c.maria_cookie).await;
    assert!(location(&r).contains("added=2"), "{}", location(&r));
    let list: DocumentsView = json_of(
        call(
            &c,
            <RecordsDocuments as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string())],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    // Newest first: the letter (its file is elsewhere), then the report with its PDF.
    let titles: Vec<(&str, Option<&str>)> = list
        .documents
        .iter()
        .map(|d| (d.title.as_str(), d.file.as_ref().map(|(f, _)| f.as_str())))
        .collect();
    assert_eq!(
        titles,
        [
            ("Referral letter", None),
            ("Chest X-ray report", Some("PDF"))
        ]
    );
    let (report, letter) = (&list.documents[1].id, &list.documents[0].id);
    let path = |id: &str| format!("/records/documents/{id}/file?patient={}", c.maria);

    let r = download(&c, &path(report), Some(&c.maria_cookie)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let headers = r.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    // The title's slash cannot make a path.
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or_default()
            .starts_with("attachment; filename=\"Chest X-rayreport.pdf\""),
        "{:?}",
        headers[header::CONTENT_DISPOSITION]
    );
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .expect("body");
    assert_eq!(body.as_ref(), pdf.as_slice());
    // A file kept elsewhere is not here to download.
    assert_eq!(
        download(&c, &path(letter), Some(&c.maria_cookie))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Ben: refused for Maria's record, and her document is not in his own; a scheduling-only
    // proxy is refused; nobody signed in gets 401.
    let r = download(&c, &path(report), Some(&c.ben_cookie)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!text(r).await.contains("X-ray"));
    let own = format!("/records/documents/{report}/file");
    assert_eq!(
        download(&c, &own, Some(&c.ben_cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&c, &path(report), Some(&c.proxy_cookie))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&c, &path(report), None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_event where patient_id = $1 and action like 'records.document%' order by chain_seq",
    )
    .bind(c.maria)
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, ["records.documents", "records.document"]);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn readings_the_patient_enters_join_their_chart_marked_as_theirs(pool: PgPool) {
    use app::records::readings::ReadingsView;
    use app::records::{AddReading, RecordsReadings};
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();
    let today = chrono::Utc::now().date_naive();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let today = today.to_string();
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let add = |fields: Vec<(&'static str, String)>, cookie: String| {
        let app = c.app.clone();
        let maria = maria.clone();
        async move {
            let mut form: Vec<(&str, &str)> = vec![("patient_id", maria.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.oneshot(post(<AddReading as ServerFn>::PATH, &form, Some(&cookie)))
                .await
                .expect("response")
        }
    };
    let bp = |s: &str, d: &str, date: &str| {
        vec![
            ("kind", "bp".to_string()),
            ("first", s.to_string()),
            ("second", d.to_string()),
            ("date", date.to_string()),
        ]
    };

    // Refused by field, naming the form: numbers the wrong way round, a day not yet come.
    let r = add(bp("82", "128", &today), c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(
        refused.pointer("/Validation/second"),
        Some(&json!("not_below_systolic"))
    );
    assert_eq!(refused.pointer("/Validation/form"), Some(&json!("bp")));
    let r = add(bp("128", "82", &tomorrow), c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("out_of_range"));

    let r = add(bp("128", "82", &today), c.maria_cookie.clone()).await;
    assert!(
        location(&r).starts_with("/records/readings?patient="),
        "{} {}",
        r.status(),
        location(&r)
    );
    let weight = vec![
        ("kind", "weight".to_string()),
        ("first", "155".to_string()),
        ("unit", "lb".to_string()),
        ("date", yesterday.clone()),
    ];
    let r = add(weight, c.maria_cookie.clone()).await;
    assert!(location(&r).contains("added="), "{}", r.status());

    let list: ReadingsView = json_of(
        call(
            &c,
            <RecordsReadings as ServerFn>::PATH,
            &[("patient_id", &maria)],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    let shown: Vec<(&str, &str)> = list
        .readings
        .iter()
        .map(|r| (r.display.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("Blood pressure panel", "128/82 mmHg"),
            ("Body weight", "70.3 kg")
        ]
    );

    // The weight's chart marks it as the patient's; the clinic's results never list it.
    let trend: TrendView = json_of(
        call(
            &c,
            <ResultTrend as ServerFn>::PATH,
            &[("patient_id", &maria), ("item", &list.readings[1].id)],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(trend.points.len(), 1);
    assert!(trend.points[0].patient_reported && trend.points[0].value == 70.3);
    let results: ResultsView = json_of(
        call(
            &c,
            <RecordsResults as ServerFn>::PATH,
            &[("patient_id", &maria)],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert!(results.reports.is_empty(), "{:?}", results.reports);

    // Nobody else adds to or reads Maria's readings.
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        let r = add(bp("120", "80", &today), cookie.to_string()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = call(
            &c,
            <RecordsReadings as ServerFn>::PATH,
            &[("patient_id", &maria)],
            cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let added: i64 =
        sqlx::query_scalar("select count(*) from audit_event where action = 'records.reading_add'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(added, 2);

    // A reading entered by mistake is removed: gone from the list and the chart, its history
    // kept as a version. Only by those who may add one, and only a reading of the patient's.
    let remove = |id: String, cookie: String| {
        let (app, maria) = (c.app.clone(), maria.clone());
        async move {
            app.oneshot(post(
                <app::records::RemoveReading as ServerFn>::PATH,
                &[("patient_id", maria.as_str()), ("reading_id", id.as_str())],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let weight_id = list.readings[1].id.clone();
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        assert_eq!(
            remove(weight_id.clone(), cookie.to_string()).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let r = remove(weight_id.clone(), c.maria_cookie.clone()).await;
    assert!(
        location(&r).ends_with("&removed=1"),
        "{} {}",
        r.status(),
        location(&r)
    );
    let after: ReadingsView = json_of(
        call(
            &c,
            <RecordsReadings as ServerFn>::PATH,
            &[("patient_id", &maria)],
            &c.maria_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(after.readings.len(), 1);
    assert_eq!(after.readings[0].display, "Blood pressure panel");
    let gone = call(
        &c,
        <ResultTrend as ServerFn>::PATH,
        &[("patient_id", &maria), ("item", &weight_id)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        remove(weight_id.clone(), c.maria_cookie.clone())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let id = Uuid::parse_str(&weight_id).expect("id");
    assert_eq!(
        versions(&pool, id).await,
        [
            (1, None),
            (
                2,
                Some("removed on the patient's side: entered in error".to_string())
            )
        ]
    );
    let status: String = sqlx::query_scalar("select status from record_item where item_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("status");
    assert_eq!(status, "entered-in-error");
    // A value the clinic recorded is not the patient's to remove.
    let riverside_value: Uuid = {
        let bytes = riverside().to_string().into_bytes();
        assert!(location(&import(&c, c.maria, &bytes, &c.maria_cookie).await).contains("added=7"));
        sqlx::query_scalar("select item_id from record_item where category = 'laboratory' and resource_type = 'Observation' limit 1")
            .fetch_one(&pool)
            .await
            .expect("lab value")
    };
    assert_eq!(
        remove(riverside_value.to_string(), c.maria_cookie.clone())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_renewal_request_reaches_the_care_team_and_its_status_shows_beside_the_medication(
    pool: PgPool,
) {
    use app::auth::account::Role;
    use app::records::renewal::RenewalFormView;
    use app::records::{RenewalForm, RequestRenewal};
    let c = clinic(&pool).await;
    // Riverside's metformin is an outside record: not this organisation's to renew.
    assert!(location(
        &import(
            &c,
            c.maria,
            riverside().to_string().as_bytes(),
            &c.maria_cookie
        )
        .await
    )
    .contains("added=7"));
    let nurse = seed_account(&pool, "nurse@example.org", &[Role::Staff], PASSWORD).await;
    common::with_authenticator(&pool, nurse, b"records-test-totp-key").await;
    sqlx::query(
        "insert into message_queue (queue_id, slug, name_en, name_es, topics)
         values ('00000000-0000-0000-0000-0000000000a1', 'pharmacy', 'Pharmacy', 'Farmacia', '{renewal}')",
    )
    .execute(&pool)
    .await
    .expect("queue");
    sqlx::query(
        "insert into message_queue_member values ('00000000-0000-0000-0000-0000000000a1', $1)",
    )
    .bind(nurse)
    .execute(&pool)
    .await
    .expect("member");
    let nurse_cookie = signed_in(
        &c.app,
        "nurse@example.org",
        PASSWORD,
        Some(b"records-test-totp-key"),
    )
    .await;
    let subject = json!({ "reference": format!("urn:uuid:{}", c.maria) });
    let (ours, stopped) = (Uuid::new_v4(), Uuid::new_v4());
    let medication = |id: Uuid, status: &str, name: &str| {
        json!({ "resourceType": "MedicationRequest", "id": id.to_string(), "status": status,
            "intent": "order", "subject": subject, "authoredOn": "2026-06-01",
            "medicationCodeableConcept": { "coding": [{ "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076", "display": name }] },
            "requester": { "display": "Dr. Ana Morales" },
            "dosageInstruction": [{ "text": "One tablet each morning." }] })
    };
    insert_own(
        &pool,
        c.maria,
        [
            (
                ours,
                medication(ours, "active", "lisinopril 10 MG Oral Tablet"),
            ),
            (
                stopped,
                medication(stopped, "stopped", "atenolol 25 MG Oral Tablet"),
            ),
        ],
    )
    .await;
    let outside: Uuid = sqlx::query_scalar(
        "select item_id from record_item where resource_type = 'MedicationRequest' and source_id is not null",
    )
    .fetch_one(&pool)
    .await
    .expect("outside medication");
    let maria = c.maria.to_string();
    let form = |medication: Uuid, cookie: String| {
        let (app, maria) = (c.app.clone(), maria.clone());
        async move {
            app.oneshot(post(
                <RenewalForm as ServerFn>::PATH,
                &[
                    ("patient_id", &maria),
                    ("medication", &medication.to_string()),
                ],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let ask = |medication: Uuid, pharmacy: String, cookie: String| {
        let (app, maria) = (c.app.clone(), maria.clone());
        async move {
            app.oneshot(post(
                <RequestRenewal as ServerFn>::PATH,
                &[
                    ("patient_id", maria.as_str()),
                    ("medication", &medication.to_string()),
                    ("pharmacy", &pharmacy),
                    ("note", "Running out on Friday."),
                ],
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let conversations = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from conversation")
            .fetch_one(&pool)
            .await
            .expect("count")
    };

    // The summary offers it for this organisation's current prescription only.
    let s: SummaryView = json_of(summary(&c, c.maria, &c.maria_cookie).await).await;
    assert!(s.may_renew && s.renewals.is_empty());
    let page: RenewalFormView = json_of(form(ours, c.maria_cookie.clone()).await).await;
    assert_eq!(page.medication.display, "lisinopril 10 MG Oral Tablet");
    assert!(page.open.is_none());
    for id in [outside, stopped, Uuid::new_v4()] {
        assert_eq!(
            form(id, c.maria_cookie.clone()).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ask(id, String::new(), c.maria_cookie.clone())
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    // Another patient, and a proxy who holds neither records nor messages, are refused.
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        assert_eq!(
            form(ours, cookie.clone()).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            ask(ours, String::new(), cookie.clone()).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    // Staff act on prescriptions in their own system, not by asking themselves.
    assert_eq!(
        ask(ours, String::new(), nurse_cookie.clone())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Too long a pharmacy is refused by field, and nothing is sent.
    let r = ask(ours, "P".repeat(121), c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("too_long"));
    assert_eq!(conversations().await, 0);

    let r = ask(ours, "Main St Pharmacy".into(), c.maria_cookie.clone()).await;
    let to = location(&r);
    assert!(
        to.starts_with("/messages/") && to.ends_with("?sent=1"),
        "{} {to}",
        r.status()
    );
    let (topic, subject, body): (String, String, String) = sqlx::query_as(
        "select c.topic, c.subject, m.body from conversation c join message m using (conversation_id)",
    )
    .fetch_one(&pool)
    .await
    .expect("conversation");
    assert_eq!(topic, "renewal");
    assert_eq!(subject, "Renewal: lisinopril 10 MG Oral Tablet");
    assert!(
        body.starts_with("Please renew: lisinopril 10 MG Oral Tablet\n"),
        "{body}"
    );
    assert!(
        body.contains("Prescribed by: Dr. Ana Morales")
            && body.contains("Pharmacy: Main St Pharmacy")
    );
    assert!(body.ends_with("Running out on Friday."));
    let conversation = to
        .trim_start_matches("/messages/")
        .trim_end_matches("?sent=1")
        .to_string();

    // One open request per medication.
    let r = ask(ours, String::new(), c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("already_requested"));
    assert_eq!(conversations().await, 1);
    let page: RenewalFormView = json_of(form(ours, c.maria_cookie.clone()).await).await;
    assert_eq!(
        page.open.as_ref().map(|o| o.conversation_id.as_str()),
        Some(conversation.as_str())
    );
    let s: SummaryView = json_of(summary(&c, c.maria, &c.maria_cookie).await).await;
    assert_eq!(s.renewals.len(), 1);
    assert_eq!(
        (
            s.renewals[0].medication_id.as_str(),
            s.renewals[0].status.as_str()
        ),
        (ours.to_string().as_str(), "received")
    );

    // The care team finishes it: the summary says so, and it can be asked for again.
    let r = call(
        &c,
        <app::messaging::SetConversationStatus as ServerFn>::PATH,
        &[("conversation_id", &conversation), ("status", "done")],
        &nurse_cookie,
    )
    .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let s: SummaryView = json_of(summary(&c, c.maria, &c.maria_cookie).await).await;
    assert_eq!(s.renewals[0].status, "done");
    // Staff see the summary without the offer.
    let staff_view: SummaryView = json_of(summary(&c, c.maria, &nurse_cookie).await).await;
    assert!(!staff_view.may_renew && staff_view.renewals.is_empty());
    let r = ask(ours, String::new(), c.maria_cookie.clone()).await;
    assert!(location(&r).starts_with("/messages/"), "{}", r.status());
    assert_eq!(conversations().await, 2);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'records.renewal_request' and patient_id = $1",
    )
    .bind(c.maria)
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_patient_summary_is_a_document_whose_sections_reach_every_resource(pool: PgPool) {
    let c = clinic(&pool).await;
    let bytes = riverside().to_string().into_bytes();
    assert!(location(&import(&c, c.maria, &bytes, &c.maria_cookie).await).contains("added=7"));
    let get = |cookie: String| {
        let (app, maria) = (c.app.clone(), c.maria);
        async move {
            app.oneshot(
                Request::get(format!("/records/patient-summary.json?patient={maria}"))
                    .header(header::HOST, "127.0.0.1:3000")
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response")
        }
    };
    for cookie in [&c.ben_cookie, &c.proxy_cookie] {
        let r = get(cookie.clone()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(!text(r).await.contains("Garcia"));
    }
    let r = get(c.maria_cookie.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/fhir+json");
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap_or_default()
        .contains("patient-summary.json"));
    let doc: Value = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(doc["type"], "document");
    let composition = &doc["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    let codes: Vec<&str> = composition["section"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["11450-4", "48765-2", "10160-0", "11369-6", "30954-2"]
    );
    // Every resource is reachable: named by a section, or referenced by something that is.
    let urls: Vec<&str> = doc["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let text_of = doc.to_string();
    for url in &urls[1..] {
        assert!(
            text_of.matches(&format!("\"reference\":\"{url}\"")).count() > 0,
            "{url} is not reachable"
        );
    }
    // Riverside's items: a condition, an allergy, a medication, a report with two values and a
    // lone value, a flu shot; plus the Composition, the patient and the organisation.
    assert_eq!(urls.len(), 3 + 7);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'records.export_summary' and patient_id = $1",
    )
    .bind(c.maria)
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}
