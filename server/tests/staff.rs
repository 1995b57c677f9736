//! Staff finding a patient and handing out an invitation code, through the real router.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::household::CreateLinkInvitation;
use app::staff::{CreatePatient, FindPatients, PatientListing};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::Response,
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;
use common::{
    config, cookie_pair, options, patient, post, router_with, seed_account, signed_in, text,
    with_authenticator,
};

const PASSWORD: &str = "harbour saffron ledger twelve";
const SECRET: &[u8] = b"staff-test-totp-key!";

async fn staff(app: &Router, pool: &PgPool) -> String {
    let id = seed_account(pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    with_authenticator(pool, id, SECRET).await;
    signed_in(app, "staff@example.org", PASSWORD, Some(SECRET)).await
}

async fn find(app: &Router, cookie: &str, name: &str, born: &str) -> Response {
    app.clone()
        .oneshot(post(
            <FindPatients as ServerFn>::PATH,
            &[("name", name), ("birth_date", born)],
            Some(cookie),
        ))
        .await
        .expect("response")
}

async fn names(app: &Router, cookie: &str, name: &str, born: &str) -> Vec<String> {
    let r = find(app, cookie, name, born).await;
    assert_eq!(r.status(), StatusCode::OK);
    let found: Vec<PatientListing> = serde_json::from_str(&text(r).await).expect("json");
    found.into_iter().map(|p| p.name).collect()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_find_patients_by_any_words_of_the_name_and_the_birth_date(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    patient(&pool, "Ana", "Lopez", "1980-02-03", "unknown").await;
    patient(&pool, "Ana", "Lopez", "1992-07-01", "unknown").await;
    patient(&pool, "Ben", "Okafor", "1980-02-03", "unknown").await;
    let cookie = staff(&app, &pool).await;

    assert_eq!(names(&app, &cookie, "lopez ana", "").await.len(), 2);
    assert_eq!(
        names(&app, &cookie, "ana", "1992-07-01").await,
        ["Ana Lopez"]
    );
    assert_eq!(
        names(&app, &cookie, "", "1980-02-03").await,
        ["Ana Lopez", "Ben Okafor"]
    );
    assert!(
        names(&app, &cookie, "%", "").await.is_empty(),
        "% is a character"
    );
    assert_eq!(
        find(&app, &cookie, "  ", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        find(&app, &cookie, "ana", "03/02/1980").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let searches: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'patient.search' and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(searches, 4, "every search that ran is audited");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_invitation_code_is_shown_once_on_the_patient_page(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    let carmen = patient(&pool, "Carmen", "Diaz", "1990-10-05", "unknown").await;
    let cookie = staff(&app, &pool).await;
    let r = app
        .clone()
        .oneshot(post(
            <CreateLinkInvitation as ServerFn>::PATH,
            &[("patient_id", &carmen.to_string())],
            Some(&cookie),
        ))
        .await
        .expect("response");
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(location, format!("/staff/patients/{carmen}?code=1"));
    let code_cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("new_link_code="))
        .map(str::to_string)
        .expect("code cookie");
    assert!(code_cookie.contains("HttpOnly") && code_cookie.contains("Path=/staff"));
    let code = cookie_pair(&code_cookie)
        .trim_start_matches("new_link_code=")
        .to_string();
    assert!(!location.contains(&code), "never in the address");

    let page = |cookies: String| {
        Request::get(location.as_str())
            .header(header::COOKIE, cookies)
            .body(Body::empty())
            .expect("request")
    };
    let r = app
        .clone()
        .oneshot(page(format!("{cookie}; {}", cookie_pair(&code_cookie))))
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::OK);
    let cleared = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("new_link_code=;"));
    assert!(cleared, "shown once: the page clears the cookie");
    let html = text(r).await;
    assert!(html.contains(&code), "shown on the page");
    assert!(html.contains("Carmen Diaz"));
    // Without the cookie (a reload after it was cleared), the code is gone.
    let r = app
        .clone()
        .oneshot(page(cookie.clone()))
        .await
        .expect("page");
    assert!(!text(r).await.contains(&code));

    // A patient who is not staff sees no staff page, even for their own record.
    seed_account(&pool, "patient@example.org", &[], PASSWORD).await;
    let patient_cookie = signed_in(&app, "patient@example.org", PASSWORD, None).await;
    let r = app
        .clone()
        .oneshot(page(patient_cookie))
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_add_a_record_once_and_a_failed_form_keeps_what_was_typed(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    let cookie = staff(&app, &pool).await;
    let form = [
        ("given_name", "Rosa"),
        ("family_name", "Delgado"),
        ("birth_date", "1975-04-09"),
        ("sex", "female"),
        ("preferred_language", "es"),
        ("email", "rosa.delgado@example.org"),
    ];
    let create = |fields: Vec<(&'static str, &'static str)>| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            app.oneshot(post(
                <CreatePatient as ServerFn>::PATH,
                &fields,
                Some(&cookie),
            ))
            .await
            .expect("response")
        }
    };
    let r = create(form.to_vec()).await;
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(location.starts_with("/staff/patients/") && location.ends_with("?created=1"));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'patient.create' and patient_id is not null",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(audited, 1);

    // The same person again, whatever the case: refused, nothing added, the form remembered.
    let mut again = form.to_vec();
    again[0] = ("given_name", "ROSA");
    let r = create(again).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let remembered = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("new_patient_form=") && v.contains("Path=/staff/patients"));
    assert!(remembered);
    let rosas: i64 =
        sqlx::query_scalar("select count(*) from patient where family_name = 'Delgado'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(rosas, 1);

    let mut bad = form.to_vec();
    bad[2] = ("birth_date", "2999-01-01");
    let r = create(bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("future"));
}
