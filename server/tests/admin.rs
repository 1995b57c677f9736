//! The administrators' outbox page and its server function, through the real router.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::admin::{CreateStaffAccount, ListOutbox, OutboxView, SetAccountDisabled, SetAccountRoles};
use app::auth::account::Role;
use app::email::{outbox, Template};
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
    config, options, post, router_with, seed_account, signed_in, text, with_authenticator,
};

const PASSWORD: &str = "copper meadow violin tide";
const SECRET: &[u8] = b"admin-test-totp-key!";

async fn session(app: &Router, email: &str) -> String {
    let secret = email.starts_with("admin").then_some(SECRET);
    signed_in(app, email, PASSWORD, secret).await
}

async fn list(app: &Router, cookie: Option<&str>) -> (StatusCode, String) {
    let r = app
        .clone()
        .oneshot(post(<ListOutbox as ServerFn>::PATH, &[], cookie))
        .await
        .expect("response");
    (r.status(), text(r).await)
}

async fn seed(pool: &PgPool) {
    let admin = seed_account(pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(pool, admin, SECRET).await;
    seed_account(pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    seed_account(pool, "patient@example.org", &[], PASSWORD).await;
    outbox::queue(
        pool,
        "someone@example.org",
        "en",
        &Template::ResetPassword {
            link: "http://127.0.0.1:3000/reset-password?token=secret-token".into(),
        },
    )
    .await
    .expect("queued");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_administrators_read_the_outbox_and_each_read_is_audited(pool: PgPool) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());

    assert_eq!(list(&app, None).await.0, StatusCode::UNAUTHORIZED);
    for who in ["patient@example.org", "staff@example.org"] {
        let cookie = session(&app, who).await;
        let (status, body) = list(&app, Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert!(!body.contains("secret-token"));
    }
    let admin = session(&app, "admin@example.org").await;
    let (status, body) = list(&app, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<OutboxView> = serde_json::from_str(&body).expect("json");
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].status, "queued");
    assert!(
        emails[0]
            .body
            .as_deref()
            .is_some_and(|b| b.contains("secret-token")),
        "development shows bodies, so the demo works without a mail server"
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'admin.outbox.read' and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);

    // The page itself: the administrator sees the email; a patient gets 403 and no content.
    let page = |cookie: &str| {
        Request::get("/admin/emails")
            .header(header::COOKIE, cookie.to_string())
            .body(Body::empty())
            .expect("request")
    };
    let r = app.clone().oneshot(page(&admin)).await.expect("page");
    assert_eq!(r.status(), StatusCode::OK);
    let html = text(r).await;
    assert!(html.contains("Reset your Openwell password"));
    assert!(html.contains("href=\"http://127.0.0.1:3000/reset-password?token=secret-token\""));
    let patient = session(&app, "patient@example.org").await;
    let r = app.clone().oneshot(page(&patient)).await.expect("page");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!text(r).await.contains("secret-token"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn production_never_shows_email_bodies(pool: PgPool) {
    seed(&pool).await;
    let production = config(&[
        ("APP_ENV", "production"),
        ("SECRET_KEY", "k2J9c1v0b8Q7x6Z5w4Y3u2T1s0R9q8P7o6N5m4L3"),
        ("PUBLIC_URL", "https://portal.example.org"),
        ("SMTP_URL", "smtp://127.0.0.1:2525"),
        // Plain HTTP in this test, so the session cookie must not demand HTTPS.
    ]);
    let mut production = production;
    production.secure_cookies = false;
    let app = router_with(pool, production, options());
    let admin = session(&app, "admin@example.org").await;
    let (status, body) = list(&app, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<OutboxView> = serde_json::from_str(&body).expect("json");
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].body, None);
    assert!(!body.contains("secret-token"));
}

async fn call(
    app: &Router,
    path: &str,
    form: &[(&str, &str)],
    cookie: &str,
) -> (StatusCode, String) {
    let r = app
        .clone()
        .oneshot(post(path, form, Some(cookie)))
        .await
        .expect("response");
    (r.status(), text(r).await)
}

async fn account_id(pool: &PgPool, email: &str) -> String {
    sqlx::query_scalar::<_, uuid::Uuid>("select account_id from account where email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .expect("account")
        .to_string()
}

async fn is_signed_in(app: &Router, cookie: &str) -> bool {
    let (_, body) = call(
        app,
        <app::auth::CurrentAccount as ServerFn>::PATH,
        &[],
        cookie,
    )
    .await;
    body != "null"
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_administrator_creates_a_staff_account_whose_owner_chooses_a_password(pool: PgPool) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let (status, body) = call(
        &app,
        <CreateStaffAccount as ServerFn>::PATH,
        &[
            ("email", "nadia@example.org"),
            ("name", "Nadia Bello"),
            ("staff", "on"),
            ("editor", "on"),
        ],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (taken, body) = call(
        &app,
        <CreateStaffAccount as ServerFn>::PATH,
        &[
            ("email", "NADIA@example.org"),
            ("name", "Nadia Again"),
            ("staff", "on"),
        ],
        &admin,
    )
    .await;
    assert_eq!(taken, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("taken"), "{body}");

    let roles: Vec<String> = sqlx::query_scalar(
        "select role from account_role join account using (account_id) where email = 'nadia@example.org' order by role",
    )
    .fetch_all(&pool)
    .await
    .expect("roles");
    assert_eq!(roles, ["editor", "staff"]);
    let email_body: String = sqlx::query_scalar(
        "select body_text from email_outbox where to_address = 'nadia@example.org' and template = 'account_created'",
    )
    .fetch_one(&pool)
    .await
    .expect("email");
    let token = email_body
        .split_whitespace()
        .find_map(|w| w.split_once("token=").map(|(_, t)| t.to_string()))
        .expect("a link with a token");
    let chosen = "orchid tram velvet sixty";
    let r = app
        .clone()
        .oneshot(post(
            <app::auth::ResetPassword as ServerFn>::PATH,
            &[("token", &token), ("new_password", chosen)],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .clone()
        .oneshot(post(
            <app::auth::SignIn as ServerFn>::PATH,
            &[("email", "nadia@example.org"), ("password", chosen)],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/account/two-factor"),
        "a new staff member goes straight to setting up two-step sign-in"
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'admin.account.create'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn disabling_an_account_ends_its_sessions_at_once_and_enabling_restores_sign_in(
    pool: PgPool,
) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let staff = session(&app, "staff@example.org").await;
    assert!(is_signed_in(&app, &staff).await);
    let id = account_id(&pool, "staff@example.org").await;

    let (status, _) = call(
        &app,
        <SetAccountDisabled as ServerFn>::PATH,
        &[("account_id", &id), ("disabled", "true")],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!is_signed_in(&app, &staff).await, "signed out at once");
    let refused = app
        .clone()
        .oneshot(post(
            <app::auth::SignIn as ServerFn>::PATH,
            &[("email", "staff@example.org"), ("password", PASSWORD)],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "looks like a wrong password"
    );

    let (status, _) = call(
        &app,
        <SetAccountDisabled as ServerFn>::PATH,
        &[("account_id", &id), ("disabled", "false")],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_signed_in(&app, &session(&app, "staff@example.org").await).await);

    let own = account_id(&pool, "admin@example.org").await;
    let (status, body) = call(
        &app,
        <SetAccountDisabled as ServerFn>::PATH,
        &[("account_id", &own), ("disabled", "true")],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_role_change_ends_the_accounts_sessions_and_an_administrator_keeps_their_own_role(
    pool: PgPool,
) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let patient = session(&app, "patient@example.org").await;
    let id = account_id(&pool, "patient@example.org").await;
    let (status, _) = call(
        &app,
        <SetAccountRoles as ServerFn>::PATH,
        &[("account_id", &id), ("editor", "on")],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !is_signed_in(&app, &patient).await,
        "new roles come with a new session"
    );
    let own = account_id(&pool, "admin@example.org").await;
    let (status, _) = call(
        &app,
        <SetAccountRoles as ServerFn>::PATH,
        &[("account_id", &own), ("staff", "on")],
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(is_signed_in(&app, &admin).await);
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_event where action = 'admin.account.roles'")
            .fetch_one(&pool)
            .await
            .expect("audit");
    assert_eq!(audited, 1);
}
