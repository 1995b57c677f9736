//! Coverage on file and personal estimates through the real router: staff keep coverage, the
//! patient's side reads it and asks for corrections, and one patient's coverage and estimates are
//! never another's.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::pricing::{
    AskCoverageCorrection, CoverageView, EstimateKind, EstimatePrice, EstimateVisit,
    GoodFaithEstimate, GoodFaithView, PatientCoverage, PersonalEstimate, SaveCoverage,
};
use axum::{http::StatusCode, response::Response, Router};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{
    config, grant, options, patient, post, router_with, seed_account, signed_in, text,
    with_authenticator,
};

const PASSWORD: &str = "harbor lantern quiet fern";
const SECRET: &[u8] = b"coverage-test-totp!!";

struct World {
    app: Router,
    ana: Uuid,
    ben: Uuid,
    ana_cookie: String,
    ben_cookie: String,
    staff_cookie: String,
    ppo: Uuid,
}

async fn world(pool: &PgPool) -> World {
    server::demo_prices::load(pool).await.expect("catalogue");
    let app = router_with(pool.clone(), config(&[]), options());
    let ana = patient(pool, "Ana", "Lopez", "1970-01-01", "female").await;
    let ben = patient(pool, "Ben", "Ortiz", "1980-01-01", "male").await;
    let a = seed_account(pool, "ana@example.org", &[], PASSWORD).await;
    grant(pool, a, ana, "self", "{}").await;
    let b = seed_account(pool, "ben@example.org", &[], PASSWORD).await;
    grant(pool, b, ben, "self", "{}").await;
    let staff = seed_account(pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    with_authenticator(pool, staff, SECRET).await;
    sqlx::query(
        "insert into message_queue (queue_id, slug, name_en, name_es, topics)
         values (gen_random_uuid(), 'billing', 'Billing', 'Facturación', '{billing}')",
    )
    .execute(pool)
    .await
    .expect("queue");
    let ppo = sqlx::query_scalar(
        "select price_plan_id from price_plan where payer_name = 'Prairie Mutual Health' and plan_name = 'PPO'",
    )
    .fetch_one(pool)
    .await
    .expect("plan");
    World {
        ana_cookie: signed_in(&app, "ana@example.org", PASSWORD, None).await,
        ben_cookie: signed_in(&app, "ben@example.org", PASSWORD, None).await,
        staff_cookie: signed_in(&app, "staff@example.org", PASSWORD, Some(SECRET)).await,
        app,
        ana,
        ben,
        ppo,
    }
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: &str) -> Response {
    app.clone()
        .oneshot(post(path, form, Some(cookie)))
        .await
        .expect("response")
}

async fn json<T: serde::de::DeserializeOwned>(response: Response) -> T {
    let status = response.status();
    let body = text(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("json")
}

async fn item_with_code(pool: &PgPool, code: &str) -> Uuid {
    sqlx::query_scalar("select price_item_id from price_code where code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .expect("item")
}

/// Ana's PPO: $1,500 deductible with $400 met, 20% coinsurance, a $30 copay, $5,000 out of
/// pocket with $650 met.
async fn save_ppo(w: &World, deductible_met: &str) -> Response {
    let (patient, plan) = (w.ana.to_string(), w.ppo.to_string());
    let form = [
        ("patient_id", patient.as_str()),
        ("plan", plan.as_str()),
        ("member_id", "PMH-1"),
        ("deductible", "1,500"),
        ("deductible_met", deductible_met),
        ("coinsurance", "20"),
        ("copay", "30"),
        ("oop_max", "5000"),
        ("oop_met", "650"),
    ];
    call(
        &w.app,
        <SaveCoverage as ServerFn>::PATH,
        &form,
        &w.staff_cookie,
    )
    .await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_patients_coverage_and_estimates_are_theirs_alone(pool: PgPool) {
    let w = world(&pool).await;
    let (ana, ben) = (w.ana.to_string(), w.ben.to_string());
    // Staff put Ana's plan on file; a patient may not.
    assert!(save_ppo(&w, "400").await.status().is_success());
    let by_patient = call(
        &w.app,
        <SaveCoverage as ServerFn>::PATH,
        &[("patient_id", &ana), ("plan", "")],
        &w.ana_cookie,
    )
    .await;
    assert_eq!(by_patient.status(), StatusCode::FORBIDDEN);

    let mine: CoverageView = json(
        call(
            &w.app,
            <PatientCoverage as ServerFn>::PATH,
            &[("patient_id", &ana)],
            &w.ana_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(
        mine.plan.map(|p| p.label()).as_deref(),
        Some("Prairie Mutual Health · PPO")
    );
    assert_eq!(
        (mine.share.deductible, mine.share.deductible_met),
        (150_000, 40_000)
    );
    assert!(
        !mine.staff && mine.history.is_empty(),
        "history is for staff"
    );

    // Ben sees neither Ana's coverage nor her estimate, and has nothing on file himself.
    let mri = item_with_code(&pool, "70551").await.to_string();
    for (path, form) in [
        (
            <PatientCoverage as ServerFn>::PATH,
            vec![("patient_id", ana.as_str())],
        ),
        (
            <EstimatePrice as ServerFn>::PATH,
            vec![("patient_id", ana.as_str()), ("item_id", mri.as_str())],
        ),
        (
            <GoodFaithEstimate as ServerFn>::PATH,
            vec![("patient_id", ana.as_str()), ("item_id", mri.as_str())],
        ),
    ] {
        let refused = call(&w.app, path, &form, &w.ben_cookie).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!text(refused).await.contains("Ana"));
    }
    let his: CoverageView = json(
        call(
            &w.app,
            <PatientCoverage as ServerFn>::PATH,
            &[("patient_id", &ben)],
            &w.ben_cookie,
        )
        .await,
    )
    .await;
    assert!(!his.on_file);

    // Ana's MRI under her PPO: the rest of the deductible first, then 20% of what is left.
    let rate: i64 = sqlx::query_scalar(
        "select r.dollar_cents from price_rate r join price_charge c using (price_charge_id)
         where c.price_item_id = $1 and r.price_plan_id = $2 limit 1",
    )
    .bind(Uuid::parse_str(&mri).expect("id"))
    .bind(w.ppo)
    .fetch_one(&pool)
    .await
    .expect("rate");
    let estimate: PersonalEstimate = json(
        call(
            &w.app,
            <EstimatePrice as ServerFn>::PATH,
            &[("patient_id", &ana), ("item_id", &mri)],
            &w.ana_cookie,
        )
        .await,
    )
    .await;
    let EstimateKind::Plan { split, office, .. } = estimate.kind else {
        panic!("a plan estimate: {estimate:?}");
    };
    assert!(!office);
    assert_eq!(split.allowed, rate);
    assert_eq!(split.deductible, 110_000.min(rate));
    let coinsurance = ((rate - split.deductible) * 2000 + 5_000) / 10_000;
    assert_eq!(split.patient, split.deductible + coinsurance);
    assert_eq!(split.patient + split.plan, rate);

    // Ben has nothing on file: the self-pay price, and a good-faith estimate of it.
    let his_estimate: PersonalEstimate = json(
        call(
            &w.app,
            <EstimatePrice as ServerFn>::PATH,
            &[("patient_id", &ben), ("item_id", &mri)],
            &w.ben_cookie,
        )
        .await,
    )
    .await;
    assert!(matches!(
        his_estimate.kind,
        EstimateKind::SelfPay {
            cash: Some(_),
            on_file: false
        }
    ));
    let colonoscopy = item_with_code(&pool, "45378").await.to_string();
    let gfe: GoodFaithView = json(
        call(
            &w.app,
            <GoodFaithEstimate as ServerFn>::PATH,
            &[("patient_id", &ben), ("item_id", &colonoscopy)],
            &w.ben_cookie,
        )
        .await,
    )
    .await;
    assert!(
        gfe.lines.len() > 1,
        "a shoppable service brings its ancillaries"
    );
    assert_eq!(
        gfe.total,
        gfe.lines.iter().filter_map(|l| l.cash).sum::<i64>()
    );

    // Every read is audited against the patient read about.
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'pricing.estimate' and patient_id = $1",
    )
    .bind(w.ana)
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refused_coverage_form_changes_nothing_and_says_which_field(pool: PgPool) {
    let w = world(&pool).await;
    assert!(save_ppo(&w, "400").await.status().is_success());
    // More met than the deductible itself.
    let refused = save_ppo(&w, "1,600").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(refused).await;
    assert!(
        body.contains("deductible_met") && body.contains("more_than_deductible"),
        "{body}"
    );
    let (met, events): (i64, i64) = sqlx::query_as(
        "select (select deductible_met_cents from coverage where patient_id = $1),
                (select count(*) from coverage_event where patient_id = $1)",
    )
    .bind(w.ana)
    .fetch_one(&pool)
    .await
    .expect("coverage");
    assert_eq!((met, events), (40_000, 1));
    // A correction keeps the earlier figures in the history.
    assert!(save_ppo(&w, "900").await.status().is_success());
    let ana = w.ana.to_string();
    let staff_view: CoverageView = json(
        call(
            &w.app,
            <PatientCoverage as ServerFn>::PATH,
            &[("patient_id", &ana)],
            &w.staff_cookie,
        )
        .await,
    )
    .await;
    assert!(staff_view.staff);
    assert_eq!(staff_view.history.len(), 2);
    assert_eq!(staff_view.share.deductible_met, 90_000);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_correction_request_is_one_billing_conversation_at_a_time(pool: PgPool) {
    let w = world(&pool).await;
    let ana = w.ana.to_string();
    let path = <AskCoverageCorrection as ServerFn>::PATH;
    let note = [
        ("patient_id", ana.as_str()),
        ("note", "My member ID changed to PMH-2."),
    ];
    assert!(call(&w.app, path, &note, &w.ana_cookie)
        .await
        .status()
        .is_success());
    let again = call(&w.app, path, &note, &w.ana_cookie).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(again).await.contains("already_asked"));
    // Staff keep coverage; they do not ask for corrections of it.
    let by_staff = call(&w.app, path, &note, &w.staff_cookie).await;
    assert_eq!(by_staff.status(), StatusCode::FORBIDDEN);
    let topics: Vec<String> =
        sqlx::query_scalar("select topic from conversation where patient_id = $1")
            .bind(w.ana)
            .fetch_all(&pool)
            .await
            .expect("conversations");
    assert_eq!(topics, vec!["billing".to_string()]);
    let view: CoverageView = json(
        call(
            &w.app,
            <PatientCoverage as ServerFn>::PATH,
            &[("patient_id", &ana)],
            &w.ana_cookie,
        )
        .await,
    )
    .await;
    assert_eq!(
        view.correction.map(|c| c.status).as_deref(),
        Some("received")
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_staff_form_keeps_offering_the_plan_on_file_after_its_rates_are_gone(pool: PgPool) {
    let w = world(&pool).await;
    assert!(save_ppo(&w, "400").await.status().is_success());
    // A new catalogue without any rate of this plan (plans themselves are never deleted).
    sqlx::query("delete from price_rate where price_plan_id = $1")
        .bind(w.ppo)
        .execute(&pool)
        .await
        .expect("rates gone");
    let ana = w.ana.to_string();
    let view: CoverageView = json(
        call(
            &w.app,
            <PatientCoverage as ServerFn>::PATH,
            &[("patient_id", &ana)],
            &w.staff_cookie,
        )
        .await,
    )
    .await;
    let ppo = w.ppo.to_string();
    assert_eq!(
        view.plan.as_ref().map(|p| p.id.as_str()),
        Some(ppo.as_str())
    );
    assert!(view.plans.iter().any(|p| p.id == ppo), "{:?}", view.plans);
    let mut sorted = view.plans.clone();
    sorted.sort_by(|a, b| (&a.payer, &a.plan).cmp(&(&b.payer, &b.plan)));
    assert_eq!(view.plans, sorted);
}

/// Ana's estimate for a booking of `visit_type`, as she asks for it.
async fn visit_estimate(w: &World, visit_type: &str) -> Option<PersonalEstimate> {
    let ana = w.ana.to_string();
    json(
        call(
            &w.app,
            <EstimateVisit as ServerFn>::PATH,
            &[("patient_id", &ana), ("visit_type", visit_type)],
            &w.ana_cookie,
        )
        .await,
    )
    .await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_visit_type_is_estimated_as_the_item_it_is_billed_as(pool: PgPool) {
    let w = world(&pool).await;
    assert!(save_ppo(&w, "1500").await.status().is_success());
    let estimate = visit_estimate(&w, "follow-up").await;
    let estimate = estimate.expect("follow-up visits are billed as 99213");
    assert!(estimate.codes.contains("CPT 99213"), "{}", estimate.codes);
    // Deductible met: an office visit costs the copay.
    let EstimateKind::Plan { split, office, .. } = estimate.kind else {
        panic!("a plan estimate");
    };
    assert!(office);
    assert_eq!(
        (split.deductible, split.copay, split.patient),
        (0, 3_000, 3_000)
    );
    let none = visit_estimate(&w, "no-such-visit").await;
    assert!(none.is_none());

    // A visit type an administrator adds is estimated once it has a billing code.
    use app::scheduling::{SaveVisitType, VisitTypeRow, VisitTypesAdmin};
    let admin = seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(&pool, admin, SECRET).await;
    let admin = signed_in(&w.app, "admin@example.org", PASSWORD, Some(SECRET)).await;
    let save = |code: &'static str| {
        let (app, admin) = (w.app.clone(), admin.clone());
        async move {
            let form = [
                ("slug", "nurse-visit"),
                ("name_en", "Nurse visit"),
                ("name_es", "Visita de enfermería"),
                ("minutes", "15"),
                ("mode", "in_person"),
                ("established_patients", "1"),
                ("billing_code", code),
            ];
            call(&app, <SaveVisitType as ServerFn>::PATH, &form, &admin).await
        }
    };
    let refused = save("99-13").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("billing_code"));
    assert!(save(" 99213 ").await.status().is_success());
    let estimate = visit_estimate(&w, "nurse-visit").await;
    assert!(estimate
        .expect("billed as 99213")
        .codes
        .contains("CPT 99213"));
    let types: Vec<VisitTypeRow> =
        json(call(&w.app, <VisitTypesAdmin as ServerFn>::PATH, &[], &admin).await).await;
    let nurse = types
        .iter()
        .find(|t| t.slug == "nurse-visit")
        .expect("saved");
    assert_eq!(
        (nurse.billing_code.as_str(), nurse.billing_listed),
        ("99213", true)
    );
    // A code the catalogue does not list is kept, and said to be unlisted.
    assert!(save("G9999").await.status().is_success());
    let types: Vec<VisitTypeRow> =
        json(call(&w.app, <VisitTypesAdmin as ServerFn>::PATH, &[], &admin).await).await;
    let nurse = types
        .iter()
        .find(|t| t.slug == "nurse-visit")
        .expect("saved");
    assert_eq!(
        (nurse.billing_code.as_str(), nurse.billing_listed),
        ("G9999", false)
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn prescription_prices_are_listed_per_unit_and_beside_the_patients_medications(pool: PgPool) {
    use app::pricing::{PriceSearch, SearchPrices};
    use app::records::fhir::{extract, Item, NDC, RXNORM};
    use app::records::{RecordsSummary, SummaryView};
    let w = world(&pool).await;
    // The drug list: every drug, each priced per unit, nothing else.
    let form = [("language", "en"), ("drugs", "1")];
    let found: PriceSearch = json(
        w.app
            .clone()
            .oneshot(post(<SearchPrices as ServerFn>::PATH, &form, None))
            .await
            .expect("response"),
    )
    .await;
    assert!(found.drugs_only);
    assert_eq!(found.total, 8);
    assert!(found.items.iter().all(|c| c.per.as_deref() == Some("each")));

    // Ana's metformin, coded as the pharmacy codes it (NDC written without hyphens).
    let resource = serde_json::json!({
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": { "coding": [
            { "system": RXNORM, "code": "860975", "display": "metformin hydrochloride 500 MG Oral Tablet" },
            { "system": NDC, "code": "00093104801" }
        ] },
        "subject": { "reference": format!("Patient/{}", w.ana) },
        "authoredOn": "2025-01-10"
    });
    let mut problems = Vec::new();
    let fields = extract(&resource, 0, &Default::default(), &mut problems).expect("fields");
    let item = Item {
        item_id: Uuid::new_v4(),
        resource,
        fields,
        report_id: None,
        content_sha256: [0; 32],
    };
    let mut conn = pool.acquire().await.expect("connection");
    app::records::db::insert_items(&mut conn, w.ana, &[item], None, None)
        .await
        .expect("items");
    let ana = w.ana.to_string();
    let summary: SummaryView = json(
        call(
            &w.app,
            <RecordsSummary as ServerFn>::PATH,
            &[("patient_id", &ana)],
            &w.ana_cookie,
        )
        .await,
    )
    .await;
    let metformin = summary.medications.first().expect("a medication");
    assert!(
        metformin
            .details
            .iter()
            .any(|(k, v)| k == "cash_price" && v == "$0.15 each"),
        "{:?}",
        metformin.details
    );
}
