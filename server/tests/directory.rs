//! Find care through the real router: administrators build the directory with forms posted as a
//! browser posts them; the public sees only listed entries, filtered as asked, with structured
//! data on each page; a refused save names the field and keeps what was typed.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::directory::{
    FindCare, GetClinician, GetLocation, LocationEditor, SaveClinician, SaveLocation,
    SetClinicianPhoto,
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;
use common::{
    config, cookie_pair, options, post, router_with, seed_account, set_cookie, signed_in, text,
    with_authenticator,
};

const PASSWORD: &str = "harbor violet compass nine";
const KEY: &[u8] = b"directory-test-totp!";

async fn admin(pool: &PgPool) -> (Router, String) {
    let app = router_with(pool.clone(), config(&[]), options());
    let id = seed_account(pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(pool, id, KEY).await;
    let cookie = signed_in(&app, "admin@example.org", PASSWORD, Some(KEY)).await;
    (app, cookie)
}

struct Answer {
    status: StatusCode,
    location: String,
    cookie: String,
    body: String,
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Answer {
    let response = app
        .clone()
        .oneshot(post(path, form, cookie))
        .await
        .expect("response");
    Answer {
        status: response.status(),
        location: response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        cookie: set_cookie(&response),
        body: text(response).await,
    }
}

async fn page(app: &Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::HOST, "127.0.0.1:3000")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    (response.status(), text(response).await)
}

/// The id a successful save answered with.
fn saved_id(a: &Answer) -> String {
    assert!(
        a.status.is_success() || a.status.is_redirection(),
        "{} {}",
        a.status,
        a.body
    );
    a.body.trim_matches('"').to_string()
}

async fn location(app: &Router, cookie: &str, name: &str, listed: bool) -> String {
    let mut form = vec![
        ("name", name),
        ("street", "100 River Road"),
        ("city", "Riverbend"),
        ("region", "IL"),
        ("postal_code", "61201"),
        ("phone", "(555) 010-2100"),
        ("time_zone", "America/Chicago"),
        ("hours_1", "8:00-12:00, 13:00-17:00"),
        ("hours_6", "9-13"),
    ];
    if listed {
        form.push(("listed", "1"));
    }
    saved_id(&call(app, <SaveLocation as ServerFn>::PATH, &form, Some(cookie)).await)
}

/// Creates a clinician; `extra` adds or overrides fields (keys as a browser encodes them).
async fn clinician(app: &Router, cookie: &str, fields: &[(&str, &str)]) -> Answer {
    call(app, <SaveClinician as ServerFn>::PATH, fields, Some(cookie)).await
}

async fn find(app: &Router, filters: &[(&str, &str)]) -> serde_json::Value {
    let mut form = vec![("language", "en")];
    form.extend_from_slice(filters);
    let a = call(app, <FindCare as ServerFn>::PATH, &form, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    serde_json::from_str(&a.body).expect("json")
}

fn names(directory: &serde_json::Value) -> Vec<String> {
    directory
        .pointer("/clinicians/items")
        .and_then(serde_json::Value::as_array)
        .expect("items")
        .iter()
        .map(|c| {
            c.pointer("/name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_public_finds_listed_clinicians_by_every_filter_and_never_unlisted_ones(pool: PgPool) {
    let (app, cookie) = admin(&pool).await;
    let north = location(&app, &cookie, "Northside Clinic", true).await;
    let closed = location(&app, &cookie, "Old Annex", false).await;

    let ana = clinician(
        &app,
        &cookie,
        &[
            ("name", "Ana María López"),
            ("credentials", "MD"),
            ("bio_en", "Cares for whole families."),
            ("bio_es", "Atiende a familias enteras."),
            ("specialties%5B%5D", "family-medicine"),
            ("specialties%5B%5D", "geriatrics"),
            ("locations%5B%5D", &north),
            ("locations%5B%5D", &closed),
            ("visit_types%5B%5D", "new-patient"),
            ("visit_types%5B%5D", "video-visit"),
            ("languages%5B%5D", "en"),
            ("languages%5B%5D", "es"),
            ("accepting_new_patients", "1"),
            ("listed", "1"),
        ],
    )
    .await;
    saved_id(&ana);
    saved_id(
        &clinician(
            &app,
            &cookie,
            &[
                ("name", "James Okafor"),
                ("specialties%5B%5D", "cardiology"),
                ("locations%5B%5D", &north),
                ("visit_types%5B%5D", "follow-up"),
                ("languages%5B%5D", "en"),
                ("listed", "1"),
            ],
        )
        .await,
    );
    saved_id(
        &clinician(
            &app,
            &cookie,
            &[
                ("name", "Hidden Person"),
                ("specialties%5B%5D", "family-medicine"),
                ("languages%5B%5D", "es"),
                ("accepting_new_patients", "1"),
            ],
        )
        .await,
    );

    assert_eq!(
        names(&find(&app, &[]).await),
        ["Ana María López", "James Okafor"]
    );
    assert_eq!(
        names(&find(&app, &[("speaks", "es")]).await),
        ["Ana María López"]
    );
    assert_eq!(
        names(&find(&app, &[("specialty", "cardiology")]).await),
        ["James Okafor"]
    );
    assert_eq!(
        names(&find(&app, &[("visit_type", "video-visit")]).await),
        ["Ana María López"]
    );
    assert_eq!(
        names(&find(&app, &[("accepting", "true")]).await),
        ["Ana María López"]
    );
    assert_eq!(
        names(&find(&app, &[("location", "northside-clinic")]).await).len(),
        2
    );
    assert!(names(&find(&app, &[("location", "old-annex")]).await).is_empty());
    assert!(names(&find(&app, &[("specialty", "cardiology"), ("speaks", "es")]).await).is_empty());

    // Only what is in use is offered as a filter, named in the language asked for.
    let all = find(&app, &[]).await;
    let specialties: Vec<&str> = all
        .pointer("/specialties")
        .and_then(serde_json::Value::as_array)
        .expect("specialties")
        .iter()
        .filter_map(|s| s.pointer("/value").and_then(serde_json::Value::as_str))
        .collect();
    assert_eq!(specialties, ["cardiology", "family-medicine", "geriatrics"]);
    assert_eq!(
        all.pointer("/locations")
            .and_then(serde_json::Value::as_array)
            .map(Vec::len),
        Some(1)
    );

    // The clinician's page shows their listed location only, and the Spanish bio in Spanish.
    let a = call(
        &app,
        <GetClinician as ServerFn>::PATH,
        &[("language", "es"), ("slug", "ana-maria-lopez")],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let profile: serde_json::Value = serde_json::from_str(&a.body).expect("json");
    assert_eq!(
        profile.pointer("/bio").and_then(serde_json::Value::as_str),
        Some("Atiende a familias enteras.")
    );
    assert_eq!(
        profile
            .pointer("/card/specialties/0")
            .and_then(serde_json::Value::as_str),
        Some("Medicina familiar")
    );
    assert_eq!(
        profile
            .pointer("/locations")
            .and_then(serde_json::Value::as_array)
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        profile
            .pointer("/schema_specialties")
            .and_then(serde_json::Value::as_array)
            .map(Vec::len),
        Some(2)
    );

    for (path, slug) in [
        (<GetClinician as ServerFn>::PATH, "hidden-person"),
        (<GetLocation as ServerFn>::PATH, "old-annex"),
        (<GetClinician as ServerFn>::PATH, "nobody"),
    ] {
        let a = call(&app, path, &[("language", "en"), ("slug", slug)], None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{slug}");
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn pages_carry_physician_and_clinic_structured_data_and_hours(pool: PgPool) {
    let (app, cookie) = admin(&pool).await;
    let north = location(&app, &cookie, "Northside Clinic", true).await;
    saved_id(
        &clinician(
            &app,
            &cookie,
            &[
                ("name", "Grace Park"),
                ("credentials", "DO"),
                ("specialties%5B%5D", "pediatrics"),
                ("locations%5B%5D", &north),
                ("languages%5B%5D", "en"),
                ("languages%5B%5D", "ko"),
                ("accepting_new_patients", "1"),
                ("listed", "1"),
            ],
        )
        .await,
    );
    let (status, html) = page(&app, "/find-care/clinicians/grace-park").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#""@type":"Physician""#), "{html}");
    assert!(html.contains(r#""isAcceptingNewPatients":true"#));
    assert!(html.contains("https://schema.org/Pediatric"));
    assert!(html.contains("Grace Park, DO"));

    let (status, html) = page(&app, "/find-care/locations/northside-clinic").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#""@type":"MedicalClinic""#));
    assert!(html.contains("https://schema.org/Saturday"));
    assert!(html.contains("America/Chicago"));
    // Monday with its lunch break, in the reader's clock.
    assert!(
        html.contains("8:00 AM – 12:00 PM, 1:00 PM – 5:00 PM"),
        "{html}"
    );

    let (status, html) = page(&app, "/find-care?speaks=ko").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Grace Park"));
    let (_, html) = page(&app, "/find-care?speaks=es").await;
    assert!(!html.contains("Grace Park"));
    assert_eq!(
        page(&app, "/find-care/clinicians/nobody").await.0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refused_save_names_the_field_and_keeps_what_was_typed(pool: PgPool) {
    let (app, cookie) = admin(&pool).await;
    let refused = call(
        &app,
        <SaveLocation as ServerFn>::PATH,
        &[
            ("name", "Lakeview Clinic"),
            ("street", "1 Lake Dr"),
            ("city", "Bettendorf"),
            ("region", "IA"),
            ("postal_code", "52722"),
            ("phone", "(555) 010-2400"),
            ("time_zone", "Mars/Olympus"),
            ("hours_2", "17:00-8:00"),
            ("listed", "1"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("time_zone") && refused.body.contains("hours_2"));
    assert!(refused.cookie.starts_with("kept_directory_form="));
    let with_kept = format!("{cookie}; {}", cookie_pair(&refused.cookie));
    let kept = call(
        &app,
        <LocationEditor as ServerFn>::PATH,
        &[("location_id", "new")],
        Some(&with_kept),
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    let kept: serde_json::Value = serde_json::from_str(&kept.body).expect("json");
    assert_eq!(
        kept.pointer("/form/name")
            .and_then(serde_json::Value::as_str),
        Some("Lakeview Clinic")
    );
    assert_eq!(
        kept.pointer("/form/time_zone")
            .and_then(serde_json::Value::as_str),
        Some("Mars/Olympus")
    );
    assert_eq!(
        kept.pointer("/form/hours/1")
            .and_then(serde_json::Value::as_str),
        Some("17:00-8:00")
    );
    // Nothing was written.
    let count: i64 = sqlx::query_scalar("select count(*) from care_location")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 0);

    let north = location(&app, &cookie, "Northside Clinic", true).await;
    // A taken web address, and a forged specialty, each name their field.
    let taken = call(
        &app,
        <SaveLocation as ServerFn>::PATH,
        &[
            ("name", "Northside Clinic"),
            ("street", "2 Oak Ave"),
            ("city", "Riverbend"),
            ("region", "IL"),
            ("postal_code", "61204"),
            ("phone", "555-010-2200"),
            ("time_zone", "America/Chicago"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("slug") && taken.body.contains("taken"));
    let forged = clinician(
        &app,
        &cookie,
        &[
            ("name", "Forged Person"),
            ("specialties%5B%5D", "astrology"),
            ("locations%5B%5D", &north),
            ("languages%5B%5D", "en"),
            ("listed", "1"),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("specialties"), "{}", forged.body);
    let count: i64 = sqlx::query_scalar("select count(*) from clinician")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 0, "a refused save leaves nothing behind");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_photo_needs_a_stored_image_and_a_description(pool: PgPool) {
    let (app, cookie) = admin(&pool).await;
    let north = location(&app, &cookie, "Northside Clinic", true).await;
    let id = saved_id(
        &clinician(
            &app,
            &cookie,
            &[
                ("name", "Mei Chen"),
                ("specialties%5B%5D", "dermatology"),
                ("locations%5B%5D", &north),
                ("languages%5B%5D", "en"),
                ("listed", "1"),
            ],
        )
        .await,
    );
    let admin_id: uuid::Uuid = sqlx::query_scalar("select account_id from account limit 1")
        .fetch_one(&pool)
        .await
        .expect("admin");
    let mut png = Vec::new();
    image::RgbImage::from_fn(300, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .expect("png");
    let stored = app::media::store_image(&pool, admin_id, png)
        .await
        .expect("stored");

    let unknown = "0".repeat(64);
    let a = call(
        &app,
        <SetClinicianPhoto as ServerFn>::PATH,
        &[
            ("clinician_id", &id),
            ("image", &unknown),
            ("alt", "Mei Chen"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = call(
        &app,
        <SetClinicianPhoto as ServerFn>::PATH,
        &[("clinician_id", &id), ("image", &stored.hash), ("alt", " ")],
        Some(&cookie),
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "alt text is required"
    );
    let a = call(
        &app,
        <SetClinicianPhoto as ServerFn>::PATH,
        &[
            ("clinician_id", &id),
            ("image", &stored.hash),
            ("alt", "Dr. Mei Chen smiling"),
        ],
        Some(&cookie),
    )
    .await;
    assert!(
        a.status.is_success() || a.status.is_redirection(),
        "{}",
        a.body
    );
    assert!(a.location.contains(&id));
    let (_, html) = page(&app, "/find-care/clinicians/mei-chen").await;
    assert!(html.contains(&format!("/media/{}-", stored.hash)));
    assert!(html.contains(r#"alt="Dr. Mei Chen smiling""#));
}
