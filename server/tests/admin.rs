//! The administrators' outbox page and its server function, through the real router.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::admin::{ListOutbox, OutboxView};
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
