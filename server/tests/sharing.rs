//! SMART Health Links through the real router: a link shares exactly the parts chosen (and only
//! what its maker may see), its manifest answers any site with the encrypted record that its key
//! opens, a passcode costs one of five attempts per wrong guess, a withdrawn or ended link
//! answers as if it never existed, every attempt is shown to the patient, and only the patient's
//! side may make, list or withdraw links — never for another patient.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]
#![allow(
    clippy::indexing_slicing,
    reason = "a missing element should fail the test loudly"
)]

use app::records::ImportBundle;
use app::sharing::{shl, CreateShareLink, RevokeShareLink, ShareLinks, SharePageData};
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
}

const SUBJECT: &str = "urn:uuid:11111111-1111-4111-8111-111111111111";

fn entry(resource: Value) -> Value {
    json!({ "resource": resource })
}

/// Maria's outside record: a condition, a medication, a lab result and a blood pressure.
fn record(born: &str) -> Value {
    let subject = json!({ "reference": SUBJECT });
    let lab = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] });
    let vital = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs" }] });
    json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": SUBJECT, "resource": { "resourceType": "Patient", "name": [{ "family": "Garcia", "given": ["Maria"] }], "birthDate": born } },
        entry(json!({ "resourceType": "Condition", "code": { "text": "Type 2 diabetes" }, "subject": subject, "onsetDateTime": "2019-06-01" })),
        entry(json!({ "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": { "text": "metformin 500 MG Oral Tablet" }, "subject": subject, "authoredOn": "2019-06-02" })),
        entry(json!({ "resourceType": "Observation", "status": "final", "category": [lab],
            "code": { "coding": [{ "system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c" }] },
            "subject": subject, "effectiveDateTime": "2021-02-11", "valueQuantity": { "value": 7.2, "unit": "%" } })),
        entry(json!({ "resourceType": "Observation", "status": "final", "category": [vital],
            "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7", "display": "Body weight" }] },
            "subject": subject, "effectiveDateTime": "2021-02-11", "valueQuantity": { "value": 70.5, "unit": "kg" } }))
    ] })
}

async fn import(app: &Router, patient: Uuid, bundle: &Value, cookie: &str) {
    let r = app
        .clone()
        .oneshot(common::multipart(
            <ImportBundle as ServerFn>::PATH,
            &[("patient_id", &patient.to_string())],
            &[("bundle", "record.json", bundle.to_string().as_bytes())],
            Some(cookie),
            false,
        ))
        .await
        .expect("response");
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
}

async fn clinic(pool: &PgPool) -> Clinic {
    let app = router_with(pool.clone(), config(&[]), options());
    let maria = patient(pool, "Maria", "Garcia", "1979-03-14", "female").await;
    let a = seed_account(pool, "maria@example.org", &[], PASSWORD).await;
    grant(pool, a, maria, "self", "{}").await;
    let maria_cookie = signed_in(&app, "maria@example.org", PASSWORD, None).await;
    import(&app, maria, &record("1979-03-14"), &maria_cookie).await;
    Clinic {
        app,
        maria,
        maria_cookie,
    }
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    app.clone()
        .oneshot(post(path, form, cookie))
        .await
        .expect("response")
}

async fn json_of<T: serde::de::DeserializeOwned>(r: Response) -> T {
    let status = r.status();
    let body = text(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// Makes a link for `patient` sharing `sections` (as the form posts them), for 7 days.
async fn make(
    app: &Router,
    patient: Uuid,
    label: &str,
    sections: &[&str],
    passcode: &str,
    cookie: &str,
) -> Response {
    let patient = patient.to_string();
    let mut form = vec![
        ("patient_id", patient.as_str()),
        ("label", label),
        ("days", "7"),
        ("passcode", passcode),
    ];
    form.extend(sections.iter().map(|s| (*s, "on")));
    call(
        app,
        <CreateShareLink as ServerFn>::PATH,
        &form,
        Some(cookie),
    )
    .await
}

async fn links(app: &Router, patient: Uuid, cookie: &str) -> SharePageData {
    json_of(
        call(
            app,
            <ShareLinks as ServerFn>::PATH,
            &[("patient_id", &patient.to_string())],
            Some(cookie),
        )
        .await,
    )
    .await
}

/// The link's manifest address (as a path) and key, read from its viewer address.
fn parts(url: &str) -> (String, Vec<u8>, Value) {
    use base64::Engine;
    let link = shl::read_shlink(url).expect("shlink");
    let manifest = link["url"].as_str().expect("url");
    let path = manifest
        .split_once("/shl/")
        .map(|(_, t)| format!("/shl/{t}"))
        .expect("manifest path");
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(link["key"].as_str().expect("key"))
        .expect("key bytes");
    (path, key, link)
}

/// A viewer on another site asking for the manifest.
async fn open(app: &Router, path: &str, body: Value) -> Response {
    app.clone()
        .oneshot(
            Request::post(path)
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ORIGIN, "https://viewer.example.net")
                .header("sec-fetch-site", "cross-site")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
        .expect("response")
}

fn names(bundle: &Value, resource_type: &str) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .map(|r| {
            r.pointer("/code/text")
                .or_else(|| r.pointer("/code/coding/0/display"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

async fn decrypt_embedded(r: Response, key: &[u8]) -> Value {
    assert_eq!(
        r.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.as_bytes()),
        Some(&b"*"[..])
    );
    let manifest: Value = json_of(r).await;
    assert_eq!(manifest["files"][0]["contentType"], "application/fhir+json");
    let jwe = manifest["files"][0]["embedded"].as_str().expect("embedded");
    serde_json::from_slice(&shl::decrypt(key, jwe).expect("the link's key opens it"))
        .expect("bundle")
}

async fn audits(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_event where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_link_shares_only_the_chosen_parts_and_opens_with_its_key(pool: PgPool) {
    let c = clinic(&pool).await;
    let r = make(
        &c.app,
        c.maria,
        "For Dr. Lee",
        &["conditions", "vitals"],
        "",
        &c.maria_cookie,
    )
    .await;
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("/records/share?patient="),
        "{} {location}",
        r.status()
    );
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    let [link] = page.links.as_slice() else {
        panic!("one link: {:?}", page.links);
    };
    assert!(location.contains(&format!("made={}", link.id)));
    assert_eq!(link.state, "active");
    assert_eq!(link.sections, ["conditions", "vitals"]);
    assert!(!link.passcode && link.opens.is_empty());
    let url = link.url.clone().expect("a working link has its address");
    assert!(url.contains("/share#shlink:/"));
    assert!(link
        .qr_svg
        .as_deref()
        .is_some_and(|s| s.starts_with("<svg")));
    let (path, key, payload) = parts(&url);
    assert_eq!(payload["label"], "For Dr. Lee");
    assert!(payload.get("flag").is_none());
    assert_eq!(key.len(), 32);

    let shared = decrypt_embedded(
        open(&c.app, &path, json!({ "recipient": "Dr. Lee, Lakeside" })).await,
        &key,
    )
    .await;
    assert_eq!(shared["resourceType"], "Bundle");
    assert_eq!(names(&shared, "Condition"), ["Type 2 diabetes"]);
    assert_eq!(
        names(&shared, "Observation"),
        ["Body weight"],
        "vital signs only, not the lab result"
    );
    assert!(names(&shared, "MedicationRequest").is_empty());
    assert_eq!(names(&shared, "Patient").len(), 1);

    // A viewer that takes only small answers gets an address for the file instead.
    let r = open(
        &c.app,
        &path,
        json!({ "recipient": "Dr. Lee, Lakeside", "embeddedLengthMax": 10 }),
    )
    .await;
    let manifest: Value = json_of(r).await;
    let location = manifest["files"][0]["location"].as_str().expect("location");
    let file_path = location
        .split_once("/shl/")
        .map(|(_, t)| format!("/shl/{t}"))
        .expect("path");
    let r = c
        .app
        .clone()
        .oneshot(
            Request::get(&file_path)
                .header(header::HOST, "127.0.0.1:3000")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(r.status(), StatusCode::OK);
    let jwe = text(r).await;
    let again: Value =
        serde_json::from_slice(&shl::decrypt(&key, &jwe).expect("opens")).expect("bundle");
    assert_eq!(names(&again, "Condition"), ["Type 2 diabetes"]);

    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    let opens = &page.links[0].opens;
    assert_eq!(opens.len(), 2);
    assert!(opens
        .iter()
        .all(|o| o.recipient == "Dr. Lee, Lakeside" && o.outcome == "opened"));
    assert_eq!(audits(&pool, "records.share_create").await, 1);
    assert_eq!(audits(&pool, "records.share_open").await, 2);
    assert_eq!(audits(&pool, "records.share_links").await, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_passcode_costs_one_of_five_tries_per_wrong_guess(pool: PgPool) {
    let c = clinic(&pool).await;
    make(
        &c.app,
        c.maria,
        "School nurse",
        &["allergies", "immunizations"],
        "sunflower7",
        &c.maria_cookie,
    )
    .await;
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    assert!(page.links[0].passcode);
    let (path, key, payload) = parts(page.links[0].url.as_deref().expect("url"));
    assert_eq!(payload["flag"], "P");

    let answer = |r: Response| async move {
        let status = r.status();
        let body: Value = serde_json::from_str(&text(r).await).unwrap_or_default();
        (status, body["remainingAttempts"].as_i64())
    };
    assert_eq!(
        answer(open(&c.app, &path, json!({ "recipient": "Nurse Kim" })).await).await,
        (StatusCode::UNAUTHORIZED, Some(4))
    );
    assert_eq!(
        answer(
            open(
                &c.app,
                &path,
                json!({ "recipient": "Nurse Kim", "passcode": "sunflower" })
            )
            .await
        )
        .await,
        (StatusCode::UNAUTHORIZED, Some(3))
    );
    // The right passcode opens it while tries are left.
    let shared = decrypt_embedded(
        open(
            &c.app,
            &path,
            json!({ "recipient": "Nurse Kim", "passcode": "sunflower7" }),
        )
        .await,
        &key,
    )
    .await;
    assert!(names(&shared, "Condition").is_empty());
    for left in [2, 1, 0] {
        assert_eq!(
            answer(
                open(
                    &c.app,
                    &path,
                    json!({ "recipient": "Guesser", "passcode": "guess" })
                )
                .await
            )
            .await,
            (StatusCode::UNAUTHORIZED, Some(left))
        );
    }
    // Now even the right one is refused, and the link is shown as stopped.
    let r = open(
        &c.app,
        &path,
        json!({ "recipient": "Nurse Kim", "passcode": "sunflower7" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    assert_eq!(page.links[0].state, "locked");
    assert!(page.links[0].url.is_none());
    let outcomes: Vec<&str> = page.links[0]
        .opens
        .iter()
        .map(|o| o.outcome.as_str())
        .collect();
    assert_eq!(
        outcomes,
        [
            "refused",
            "wrong_passcode",
            "wrong_passcode",
            "wrong_passcode",
            "opened",
            "wrong_passcode",
            "wrong_passcode"
        ]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_withdrawn_or_ended_link_answers_as_if_it_never_was(pool: PgPool) {
    let c = clinic(&pool).await;
    make(
        &c.app,
        c.maria,
        "First",
        &["conditions"],
        "",
        &c.maria_cookie,
    )
    .await;
    make(
        &c.app,
        c.maria,
        "Second",
        &["conditions"],
        "",
        &c.maria_cookie,
    )
    .await;
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    let second = &page.links[0];
    let first = &page.links[1];
    let (first_path, _, _) = parts(first.url.as_deref().expect("url"));
    let (second_path, _, _) = parts(second.url.as_deref().expect("url"));
    let me = json!({ "recipient": "Dr. Lee" });

    let r = call(
        &c.app,
        <RevokeShareLink as ServerFn>::PATH,
        &[("patient_id", &c.maria.to_string()), ("link_id", &first.id)],
        Some(&c.maria_cookie),
    )
    .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    assert_eq!(
        open(&c.app, &first_path, me.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    // Withdrawing again is harmless.
    let r = call(
        &c.app,
        <RevokeShareLink as ServerFn>::PATH,
        &[("patient_id", &c.maria.to_string()), ("link_id", &first.id)],
        Some(&c.maria_cookie),
    )
    .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );

    sqlx::query(
        "update share_link set expires_at = now() - interval '1 minute' where label = 'Second'",
    )
    .execute(&pool)
    .await
    .expect("end it");
    assert_eq!(
        open(&c.app, &second_path, me.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    let states: Vec<&str> = page.links.iter().map(|l| l.state.as_str()).collect();
    assert_eq!(states, ["expired", "revoked"]);
    assert!(page
        .links
        .iter()
        .all(|l| l.url.is_none() && l.opens.len() == 1 && l.opens[0].outcome == "refused"));

    // No such link, and requests that are not manifest requests.
    let unknown = format!("/shl/{}", shl::random_token());
    assert_eq!(
        open(&c.app, &unknown, me).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        open(&c.app, &second_path, json!({ "recipient": " " }))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        open(&c.app, &second_path, json!({ "name": "x" }))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(audits(&pool, "records.share_revoke").await, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refused_link_names_its_fields_and_stores_nothing(pool: PgPool) {
    let c = clinic(&pool).await;
    let r = make(&c.app, c.maria, " ", &[], "12345", &c.maria_cookie).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(error.pointer("/Validation/label"), Some(&json!("required")));
    assert_eq!(
        error.pointer("/Validation/sections"),
        Some(&json!("required"))
    );
    assert_eq!(
        error.pointer("/Validation/passcode"),
        Some(&json!("too_short"))
    );
    let r = make(
        &c.app,
        c.maria,
        &"x".repeat(81),
        &["conditions"],
        "",
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stored: i64 = sqlx::query_scalar("select count(*) from share_link")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_the_patients_side_shares_and_never_another_patients_record(pool: PgPool) {
    use app::auth::account::Role;
    let c = clinic(&pool).await;
    let ben = patient(&pool, "Ben", "Ortiz", "1980-01-01", "male").await;
    let b = seed_account(&pool, "ben@example.org", &[], PASSWORD).await;
    grant(&pool, b, ben, "self", "{}").await;
    let ben_cookie = signed_in(&c.app, "ben@example.org", PASSWORD, None).await;
    let p = seed_account(&pool, "son@example.org", &[], PASSWORD).await;
    grant(&pool, p, c.maria, "proxy", "{scheduling}").await;
    let proxy_cookie = signed_in(&c.app, "son@example.org", PASSWORD, None).await;
    let staff = seed_account(&pool, "nurse@example.org", &[Role::Staff], PASSWORD).await;
    common::with_authenticator(&pool, staff, b"sharing-test-totp-key").await;
    let staff_cookie = signed_in(
        &c.app,
        "nurse@example.org",
        PASSWORD,
        Some(b"sharing-test-totp-key"),
    )
    .await;

    make(
        &c.app,
        c.maria,
        "For Dr. Lee",
        &["conditions"],
        "",
        &c.maria_cookie,
    )
    .await;
    let link = links(&c.app, c.maria, &c.maria_cookie).await.links[0].clone();
    let maria = c.maria.to_string();
    for cookie in [&ben_cookie, &proxy_cookie, &staff_cookie] {
        let list = call(
            &c.app,
            <ShareLinks as ServerFn>::PATH,
            &[("patient_id", &maria)],
            Some(cookie),
        )
        .await;
        assert_eq!(list.status(), StatusCode::FORBIDDEN);
        let made = make(&c.app, c.maria, "Mine now", &["conditions"], "", cookie).await;
        assert_eq!(made.status(), StatusCode::FORBIDDEN);
        let revoked = call(
            &c.app,
            <RevokeShareLink as ServerFn>::PATH,
            &[("patient_id", &maria), ("link_id", &link.id)],
            Some(cookie),
        )
        .await;
        assert_eq!(revoked.status(), StatusCode::FORBIDDEN);
    }
    let anonymous = call(
        &c.app,
        <ShareLinks as ServerFn>::PATH,
        &[("patient_id", &maria)],
        None,
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Ben naming himself but Maria's link: no such link of his.
    let r = call(
        &c.app,
        <RevokeShareLink as ServerFn>::PATH,
        &[("patient_id", &ben.to_string()), ("link_id", &link.id)],
        Some(&ben_cookie),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = links(&c.app, c.maria, &c.maria_cookie).await;
    assert_eq!(page.links.len(), 1);
    assert_eq!(page.links[0].state, "active");
    assert!(links(&c.app, ben, &ben_cookie).await.links.is_empty());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_parent_never_shares_what_is_confidential_to_a_teen(pool: PgPool) {
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
    let subject = json!({ "reference": SUBJECT });
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": SUBJECT, "resource": { "resourceType": "Patient", "name": [{ "family": "Garcia" }], "birthDate": born } },
        entry(json!({ "resourceType": "Condition", "code": { "text": "Asthma" }, "subject": subject })),
        entry(json!({ "resourceType": "Condition", "code": { "text": "Anxiety" }, "subject": subject,
            "meta": { "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] } }))
    ] });
    import(&c.app, sofia, &bundle, &teen_cookie).await;
    make(
        &c.app,
        sofia,
        "For the school",
        &["conditions"],
        "",
        &parent_cookie,
    )
    .await;
    make(&c.app, sofia, "My own", &["conditions"], "", &teen_cookie).await;
    let page = links(&c.app, sofia, &teen_cookie).await;
    let opened = |label: &'static str| {
        let link = page
            .links
            .iter()
            .find(|l| l.label == label)
            .expect("link")
            .clone();
        let app = c.app.clone();
        async move {
            let (path, key, _) = parts(link.url.as_deref().expect("url"));
            decrypt_embedded(
                open(&app, &path, json!({ "recipient": "Nurse" })).await,
                &key,
            )
            .await
        }
    };
    assert_eq!(
        names(&opened("For the school").await, "Condition"),
        ["Asthma"]
    );
    let mut own = names(&opened("My own").await, "Condition");
    own.sort();
    assert_eq!(own, ["Anxiety", "Asthma"]);
}
