//! Two-step sign-in through the real router: the code step, a new token when it succeeds,
//! replayed and wrong codes, recovery codes, and staff pages closed until a second factor exists.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::admin::ListOutbox;
use app::auth::{
    account::Role, second_factor, ConfirmTwoFactorSetup, CurrentAccount, SignIn, SignedIn,
    StartTwoFactorSetup, TwoFactorOverview, TwoFactorState, VerifySecondFactor,
};
use axum::{http::StatusCode, response::Response, Router};
use chrono::Utc;
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{config, cookie_pair, options, post, router_with, seed_account, set_cookie, text};

const PASSWORD: &str = "marble lantern cocoa drift";
const SECRET: &[u8; 20] = b"two-factor-test-key!";

fn router(pool: PgPool) -> Router {
    router_with(pool, config(&[]), options())
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    app.clone()
        .oneshot(post(path, form, cookie))
        .await
        .expect("response")
}

fn location(r: &Response) -> String {
    r.headers()
        .get(axum::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn with_authenticator(pool: &PgPool, account: Uuid) {
    sqlx::query(
        "insert into totp_credential (account_id, secret, confirmed_at) values ($1, $2, now())",
    )
    .bind(account)
    .bind(&SECRET[..])
    .execute(pool)
    .await
    .expect("authenticator");
}

fn code_now() -> String {
    second_factor::code_at(SECRET, Utc::now()).expect("code")
}

/// The password step: returns the cookie of the session awaiting its code.
async fn password_step(app: &Router, email: &str) -> String {
    let r = call(
        app,
        <SignIn as ServerFn>::PATH,
        &[("email", email), ("password", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(location(&r), "/sign-in/code");
    cookie_pair(&set_cookie(&r))
}

async fn me(app: &Router, cookie: &str) -> Option<SignedIn> {
    let r = call(app, <CurrentAccount as ServerFn>::PATH, &[], Some(cookie)).await;
    serde_json::from_str(&text(r).await).expect("json")
}

async fn outbox_status(app: &Router, cookie: &str) -> (StatusCode, String) {
    let r = call(app, <ListOutbox as ServerFn>::PATH, &[], Some(cookie)).await;
    (r.status(), text(r).await)
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_password_alone_signs_nobody_in_and_the_code_gives_a_new_session(pool: PgPool) {
    let id = seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(&pool, id).await;
    let app = router(pool.clone());

    let waiting = password_step(&app, "admin@example.org").await;
    assert_eq!(
        me(&app, &waiting).await,
        None,
        "not signed in before the code"
    );
    assert_eq!(
        outbox_status(&app, &waiting).await.0,
        StatusCode::UNAUTHORIZED
    );

    let wrong = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", "000000")],
        Some(&waiting),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let code = code_now();
    let right = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &code)],
        Some(&waiting),
    )
    .await;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(location(&right), "/account");
    let signed_in = cookie_pair(&set_cookie(&right));
    assert_ne!(signed_in, waiting, "a new token after the second factor");
    assert_eq!(
        me(&app, &waiting).await,
        None,
        "the waiting session is gone"
    );
    let who = me(&app, &signed_in).await.expect("signed in");
    assert_eq!(who.roles, ["administrator"]);
    assert_eq!(outbox_status(&app, &signed_in).await.0, StatusCode::OK);

    // The same code cannot be used again, even for a fresh password step.
    let again = password_step(&app, "admin@example.org").await;
    let replay = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &code)],
        Some(&again),
    )
    .await;
    assert_eq!(
        replay.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "replay refused"
    );

    let count = |action: &'static str, outcome: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from audit_event where action = $1 and outcome = $2",
            )
            .bind(action)
            .bind(outcome)
            .fetch_one(&pool)
            .await
            .expect("count")
        }
    };
    assert_eq!(count("session.password", "success").await, 2);
    assert_eq!(count("session.second_factor", "failure").await, 2);
    assert_eq!(count("session.second_factor", "success").await, 1);
    assert_eq!(count("session.sign_in", "success").await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_code_is_refused_without_a_password_step_and_guessing_is_limited(pool: PgPool) {
    let id = seed_account(&pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    with_authenticator(&pool, id).await;
    let app = router(pool.clone());

    let anonymous = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &code_now())],
        None,
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let waiting = password_step(&app, "staff@example.org").await;
    for _ in 0..10 {
        let r = call(
            &app,
            <VerifySecondFactor as ServerFn>::PATH,
            &[("code", "123456")],
            Some(&waiting),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &code_now())],
        Some(&waiting),
    )
    .await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits after 10 wrong ones"
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_recovery_code_signs_in_once(pool: PgPool) {
    let id = seed_account(&pool, "editor@example.org", &[Role::Editor], PASSWORD).await;
    with_authenticator(&pool, id).await;
    let codes = {
        let mut conn = pool.acquire().await.expect("connection");
        second_factor::replace_recovery_codes(&mut conn, id)
            .await
            .expect("codes")
    };
    let app = router(pool.clone());
    let waiting = password_step(&app, "editor@example.org").await;
    let used = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &codes[3].to_uppercase())],
        Some(&waiting),
    )
    .await;
    assert_eq!(used.status(), StatusCode::OK);
    assert_eq!(location(&used), "/account/two-factor?recovery=used");

    let waiting = password_step(&app, "editor@example.org").await;
    let reused = call(
        &app,
        <VerifySecondFactor as ServerFn>::PATH,
        &[("code", &codes[3])],
        Some(&waiting),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_pages_stay_closed_until_a_second_factor_is_set_up(pool: PgPool) {
    seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    let app = router(pool.clone());
    let signed_in = call(
        &app,
        <SignIn as ServerFn>::PATH,
        &[("email", "admin@example.org"), ("password", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(location(&signed_in), "/account/two-factor");
    let cookie = cookie_pair(&set_cookie(&signed_in));
    let (status, body) = outbox_status(&app, &cookie).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("SecondFactorRequired"), "{body}");

    // Another device signed in before set-up must not keep a session without a second factor.
    let other_device = cookie_pair(&set_cookie(
        &call(
            &app,
            <SignIn as ServerFn>::PATH,
            &[("email", "admin@example.org"), ("password", PASSWORD)],
            None,
        )
        .await,
    ));

    let started = call(
        &app,
        <StartTwoFactorSetup as ServerFn>::PATH,
        &[],
        Some(&cookie),
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    let state: TwoFactorOverview = serde_json::from_str(
        &text(call(&app, <TwoFactorState as ServerFn>::PATH, &[], Some(&cookie)).await).await,
    )
    .expect("json");
    assert!(!state.enabled && state.required);
    let pending = state.pending.expect("a secret to scan");
    assert!(pending.otpauth.starts_with("otpauth://totp/"));
    assert!(pending.qr_svg.starts_with("<svg"));
    let secret: Vec<u8> = sqlx::query_scalar("select secret from totp_credential")
        .fetch_one(&pool)
        .await
        .expect("secret");
    assert_eq!(second_factor::secret_for_typing(&secret), pending.secret);

    let bad = call(
        &app,
        <ConfirmTwoFactorSetup as ServerFn>::PATH,
        &[("code", "000000")],
        Some(&cookie),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = second_factor::code_at(&secret, Utc::now()).expect("code");
    let confirmed = call(
        &app,
        <ConfirmTwoFactorSetup as ServerFn>::PATH,
        &[("code", &code)],
        Some(&cookie),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let cookies: Vec<String> = confirmed
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("session="))
        .map(|c| cookie_pair(c))
        .expect("a new session token");
    let codes = cookies
        .iter()
        .find(|c| c.starts_with("new_recovery_codes="))
        .expect("the recovery codes, for the next page only");
    assert!(codes.contains("Max-Age=120") && codes.contains("HttpOnly"));
    assert_eq!(
        cookie_pair(codes)
            .trim_start_matches("new_recovery_codes=")
            .split('.')
            .count(),
        10
    );

    assert_eq!(me(&app, &cookie).await, None, "the old token is gone");
    assert_eq!(
        me(&app, &other_device).await,
        None,
        "other devices are signed out"
    );
    assert_eq!(outbox_status(&app, &session).await.0, StatusCode::OK);
}
