//! Health records through the real router: an import checked whole (problems named by entry
//! and field, nothing stored until it is acceptable, the valid entries kept on request, the
//! same file twice adding nothing), the summary, results and trend it gives, the export and
//! its round trip into a fresh patient, who may read (never another patient, never a proxy
//! without the records scope), a teen's confidential items hidden from a parent, and an audit
//! row for each read.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::records::{
    ImportBundle, ImportReport, KeepValidEntries, RecordsResults, RecordsSummary, ResultTrend,
    ResultsView, SummaryView, TrendView,
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
use common::{config, options, post, router_with, seed_account, signed_in, text};

const PASSWORD: &str = "copper meadow lantern nine";

struct Clinic {
    app: Router,
    maria: Uuid,
    maria_cookie: String,
    ben_cookie: String,
    proxy_cookie: String,
}

async fn patient(pool: &PgPool, given: &str, family: &str, born: &str) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex)
         values ($1, $2, $3, $4::date, 'female')",
    )
    .bind(id)
    .bind(given)
    .bind(family)
    .bind(born)
    .execute(pool)
    .await
    .expect("patient");
    id
}

async fn grant(pool: &PgPool, account: Uuid, patient: Uuid, relationship: &str, scopes: &str) {
    sqlx::query(
        "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
         values (gen_random_uuid(), $1, $2, $3, $4::text[], now())",
    )
    .bind(account)
    .bind(patient)
    .bind(relationship)
    .bind(scopes)
    .execute(pool)
    .await
    .expect("grant");
}

/// Maria (who imports), Ben (another patient) and Maria's son, her proxy for scheduling only.
async fn clinic(pool: &PgPool) -> Clinic {
    let app = router_with(pool.clone(), config(&[]), options());
    let maria = patient(pool, "Maria", "Garcia", "1979-03-14").await;
    let ben = patient(pool, "Ben", "Ortiz", "1980-01-01").await;
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

    let trend: TrendView = json_of(
        call(
            &c,
            <ResultTrend as ServerFn>::PATH,
            &[("patient_id", &c.maria.to_string()), ("code", "4548-4")],
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
            (<ResultTrend as ServerFn>::PATH, Some(("code", "4548-4"))),
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
    let twin = patient(&pool, "Maria", "Garcia", "1979-03-14").await;
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
    let clinical = |b: &Value| {
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
    };
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
    let sofia = patient(&pool, "Sofia", "Garcia", &born).await;
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
            "meta": { "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] } } }
    ] });
    let r = import(&c, sofia, bundle.to_string().as_bytes(), &teen_cookie).await;
    assert!(
        location(&r).contains("added=2"),
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
    assert_eq!(names(&own), ["Anxiety", "Asthma"]);
    assert!(!own.hidden_confidential);
    let parents: SummaryView = json_of(summary(&c, sofia, &parent_cookie).await).await;
    assert_eq!(names(&parents), ["Asthma"]);
    assert!(parents.hidden_confidential);
    let exported = text(export(&c, sofia, &parent_cookie).await).await;
    assert!(exported.contains("Asthma") && !exported.contains("Anxiety"));
}
