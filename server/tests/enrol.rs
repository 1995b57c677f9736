//! Sign-up, email confirmation and password reset through the real router, with the emails
//! delivered to a real SMTP server and their links followed.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::{ChangeEmail, RequestPasswordReset, ResetPassword, SignIn, SignUp, VerifyEmail};
use app::email::{delivery, delivery::Mailer};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;
mod smtp_sink;
use common::{config, cookie_pair, options, post, router_with, set_cookie, text};
use smtp_sink::{link_in, SmtpSink};

const PASSWORD: &str = "harbour violet tandem moss";

fn router(pool: PgPool) -> Router {
    router_with(pool, config(&[]), options())
}

fn sign_up_form<'a>(email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("given_name", "Rosa"),
        ("family_name", "Delgado"),
        ("birth_date", "1961-07-14"),
        ("email", email),
        ("password", password),
        ("language", "es"),
    ]
}

async fn call(app: &Router, request: Request<Body>) -> axum::response::Response {
    app.clone().oneshot(request).await.expect("response")
}

async fn sign_in(app: &Router, email: &str, password: &str) -> axum::response::Response {
    call(
        app,
        post(
            <SignIn as ServerFn>::PATH,
            &[("email", email), ("password", password)],
            None,
        ),
    )
    .await
}

fn location(response: &axum::response::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Template names of the emails queued for `to`, oldest first.
async fn emails_to(pool: &PgPool, to: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select template from email_outbox where lower(to_address) = lower($1) order by created_at",
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .expect("outbox")
}

/// The token of the newest `template` email to `to`, read from the queued body.
async fn token_in_outbox(pool: &PgPool, to: &str, template: &str, path: &str) -> String {
    let body: String = sqlx::query_scalar(
        "select body_text from email_outbox where to_address = $1 and template = $2
         order by created_at desc limit 1",
    )
    .bind(to)
    .bind(template)
    .fetch_one(pool)
    .await
    .expect("email");
    token_of(&link_in(&body, path).expect("a link"))
}

fn token_of(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, t)| t.to_string())
        .expect("token")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_new_patient_signs_up_confirms_by_the_emailed_link_and_signs_in(pool: PgPool) {
    let sink = SmtpSink::start().await;
    let app = router(pool.clone());
    let email = "rosa.delgado@example.org";

    let response = call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form(email, PASSWORD),
            None,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(&response), "/sign-up/check-email");

    // Not yet: the address is unconfirmed, and trying sends a fresh link.
    let early = sign_in(&app, email, PASSWORD).await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    assert!(text(early).await.contains("email_unverified"));
    assert_eq!(
        emails_to(&pool, email).await,
        ["verify_email", "verify_email"]
    );

    // The emails travel over SMTP; the link in the newest one is followed.
    let mailer = Mailer::from_config(&config(&[("SMTP_URL", &sink.url())])).expect("mailer");
    assert_eq!(
        delivery::deliver_due(&pool, &mailer).await.expect("sent"),
        2
    );
    let received = sink.wait_for(2).await;
    assert_eq!(received.len(), 2);
    let links: Vec<String> = received
        .iter()
        .filter_map(|m| link_in(&m.raw, "/verify-email"))
        .collect();
    assert_eq!(links.len(), 2, "each email carries its link");
    assert!(
        // The date in any form a message could carry it; a bare "1961" also turns up by
        // chance inside random tokens and message ids.
        received.iter().all(|m| [
            "1961-07-14",
            "07/14/1961",
            "14/07/1961",
            "July 14, 1961",
            "14 jul 1961"
        ]
        .iter()
        .all(|d| !m.raw.contains(d))),
        "no date of birth in email"
    );
    let newest = token_in_outbox(&pool, email, "verify_email", "/verify-email").await;
    assert!(links.iter().any(|l| token_of(l) == newest));
    let older = links
        .iter()
        .map(|l| token_of(l))
        .find(|t| *t != newest)
        .expect("the first link");

    let stale = call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &older)], None),
    )
    .await;
    assert_eq!(
        stale.status(),
        StatusCode::CONFLICT,
        "a replaced link no longer works"
    );

    let confirmed = call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &newest)], None),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(location(&confirmed), "/sign-in?verified=1");
    let again = call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &newest)], None),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "a link works once");

    let signed_in = sign_in(&app, email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert!(set_cookie(&signed_in).starts_with("session="));

    let (name, birth, language): (String, Option<chrono::NaiveDate>, String) = sqlx::query_as(
        "select display_name, birth_date, preferred_language from account where email = $1",
    )
    .bind(email)
    .fetch_one(&pool)
    .await
    .expect("account");
    assert_eq!(name, "Rosa Delgado");
    assert_eq!(birth.map(|d| d.to_string()).as_deref(), Some("1961-07-14"));
    assert_eq!(language, "es");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action in ('account.sign_up', 'account.verify_email') and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_up_with_a_taken_address_looks_the_same_and_tells_the_owner(pool: PgPool) {
    let app = router(pool.clone());
    let email = "taken@example.org";
    let first = call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form(email, PASSWORD),
            None,
        ),
    )
    .await;
    let second = call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form("TAKEN@example.org", "another long passphrase here"),
            None,
        ),
    )
    .await;
    assert_eq!(first.status(), second.status());
    assert_eq!(location(&first), location(&second));
    assert_eq!(
        emails_to(&pool, email).await,
        ["verify_email", "already_registered"]
    );
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(accounts, 1);
    // Flooding the owner's inbox through this form stops after three notices.
    for _ in 0..5 {
        call(
            &app,
            post(
                <SignUp as ServerFn>::PATH,
                &sign_up_form(email, PASSWORD),
                None,
            ),
        )
        .await;
    }
    assert_eq!(emails_to(&pool, email).await.len(), 1 + 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_sign_up_with_problems_names_each_field_and_keeps_what_was_typed(pool: PgPool) {
    let app = router(pool.clone());
    let response = call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &[
                ("given_name", "  "),
                ("family_name", "Delgado"),
                ("birth_date", "2099-01-01"),
                ("email", "rosa-at-example.org"),
                ("password", "password"),
                ("language", "en"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kept = set_cookie(&response);
    assert!(kept.starts_with("sign_up_form="), "{kept}");
    assert!(kept.contains("Delgado") && kept.contains("rosa-at-example.org"));
    assert!(
        !kept.contains("password%22%3A"),
        "never the password: {kept}"
    );
    let body = text(response).await;
    for expected in [
        r#""given_name":"required""#,
        r#""birth_date":"future""#,
        r#""email":"invalid""#,
        r#""password":"too_easy""#,
    ] {
        assert!(body.contains(expected), "{expected} in {body}");
    }
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(accounts, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reset_link_sets_a_new_password_once_and_signs_everyone_out(pool: PgPool) {
    let app = router(pool.clone());
    let email = "reset@example.org";
    call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form(email, PASSWORD),
            None,
        ),
    )
    .await;
    let verify = token_in_outbox(&pool, email, "verify_email", "/verify-email").await;
    call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &verify)], None),
    )
    .await;
    let session = cookie_pair(&set_cookie(&sign_in(&app, email, PASSWORD).await));

    let known = call(
        &app,
        post(
            <RequestPasswordReset as ServerFn>::PATH,
            &[("email", email)],
            None,
        ),
    )
    .await;
    let unknown = call(
        &app,
        post(
            <RequestPasswordReset as ServerFn>::PATH,
            &[("email", "nobody@example.org")],
            None,
        ),
    )
    .await;
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(unknown.status(), known.status(), "unknown and known alike");
    assert_eq!(location(&unknown), location(&known));
    assert!(emails_to(&pool, "nobody@example.org").await.is_empty());
    let token = token_in_outbox(&pool, email, "reset_password", "/reset-password").await;

    let weak = call(
        &app,
        post(
            <ResetPassword as ServerFn>::PATH,
            &[("token", &token), ("new_password", "12345678")],
            None,
        ),
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(weak).await.contains("too_easy"));

    let new_password = "quiet orchard lamp seventeen";
    let done = call(
        &app,
        post(
            <ResetPassword as ServerFn>::PATH,
            &[("token", &token), ("new_password", new_password)],
            None,
        ),
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "the link survived the weak attempt"
    );
    assert_eq!(location(&done), "/sign-in?reset=1");
    assert!(
        set_cookie(&done).is_empty(),
        "a reset signs nobody in (a second factor would still be asked)"
    );
    let reused = call(
        &app,
        post(
            <ResetPassword as ServerFn>::PATH,
            &[
                ("token", &token),
                ("new_password", "yet another fine passphrase"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::CONFLICT);

    let me = call(
        &app,
        post(
            <app::auth::CurrentAccount as ServerFn>::PATH,
            &[],
            Some(&session),
        ),
    )
    .await;
    assert_eq!(text(me).await, "null", "the old session ended");
    assert_eq!(
        sign_in(&app, email, PASSWORD).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        sign_in(&app, email, new_password).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        emails_to(&pool, email).await,
        ["verify_email", "reset_password", "password_changed"]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn reset_emails_to_one_account_are_capped_and_the_answer_never_changes(pool: PgPool) {
    let app = router(pool.clone());
    let email = "capped@example.org";
    call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form(email, PASSWORD),
            None,
        ),
    )
    .await;
    for _ in 0..6 {
        let r = call(
            &app,
            post(
                <RequestPasswordReset as ServerFn>::PATH,
                &[("email", email)],
                None,
            ),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let resets = emails_to(&pool, email)
        .await
        .into_iter()
        .filter(|t| t == "reset_password")
        .count();
    assert_eq!(resets, 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_pages_exist_in_both_languages(pool: PgPool) {
    let app = router(pool);
    for (path, english, spanish) in [
        ("/sign-up", "Create your account", "Cree su cuenta"),
        (
            "/sign-up/check-email",
            "Check your email",
            "Revise su correo",
        ),
        (
            "/verify-email?token=x",
            "Confirm your email address",
            "Confirme su correo",
        ),
        (
            "/forgot-password",
            "Reset your password",
            "Restablezca su contraseña",
        ),
        (
            "/reset-password?token=x",
            "Choose a new password",
            "Elija una contraseña nueva",
        ),
    ] {
        for (lang, heading) in [("en", english), ("es", spanish)] {
            let response = call(
                &app,
                Request::get(path)
                    .header(header::COOKIE, format!("lang={lang}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = text(response).await;
            assert!(body.contains(heading), "{path} in {lang}");
        }
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_new_email_address_counts_once_its_link_is_followed_and_the_old_one_is_told(
    pool: PgPool,
) {
    let app = router(pool.clone());
    let old = "before@example.org";
    let new = "after@example.org";
    call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form(old, PASSWORD),
            None,
        ),
    )
    .await;
    let verify = token_in_outbox(&pool, old, "verify_email", "/verify-email").await;
    call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &verify)], None),
    )
    .await;
    let session = cookie_pair(&set_cookie(&sign_in(&app, old, PASSWORD).await));

    let wrong = call(
        &app,
        post(
            <ChangeEmail as ServerFn>::PATH,
            &[("new_email", new), ("current_password", "not my password")],
            Some(&session),
        ),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(emails_to(&pool, new).await.is_empty());

    let asked = call(
        &app,
        post(
            <ChangeEmail as ServerFn>::PATH,
            &[("new_email", new), ("current_password", PASSWORD)],
            Some(&session),
        ),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert_eq!(location(&asked), "/account?email=sent");
    assert_eq!(
        sign_in(&app, old, PASSWORD).await.status(),
        StatusCode::OK,
        "the old address works until the link is followed"
    );
    let token = token_in_outbox(&pool, new, "confirm_new_email", "/verify-email").await;
    let done = call(
        &app,
        post(<VerifyEmail as ServerFn>::PATH, &[("token", &token)], None),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(location(&done), "/account?email=changed");
    assert_eq!(sign_in(&app, new, PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(
        sign_in(&app, old, PASSWORD).await.status(),
        StatusCode::CONFLICT
    );
    assert!(emails_to(&pool, old)
        .await
        .contains(&"email_changed".to_string()));

    // A taken address gets the same answer, and only its owner hears of it.
    call(
        &app,
        post(
            <SignUp as ServerFn>::PATH,
            &sign_up_form("taken2@example.org", PASSWORD),
            None,
        ),
    )
    .await;
    let session = cookie_pair(&set_cookie(&sign_in(&app, new, PASSWORD).await));
    let taken = call(
        &app,
        post(
            <ChangeEmail as ServerFn>::PATH,
            &[
                ("new_email", "taken2@example.org"),
                ("current_password", PASSWORD),
            ],
            Some(&session),
        ),
    )
    .await;
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(location(&taken), "/account?email=sent");
    assert_eq!(
        emails_to(&pool, "taken2@example.org").await,
        ["verify_email", "already_registered"]
    );
}
