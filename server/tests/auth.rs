//! Sign-in, sign-out and the session cookie, through the real router.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::{
    account::{disable_account, Role},
    ChangePassword, CurrentAccount, EndMySession, ListMySessions, SessionView, SignIn, SignOut,
    SignedIn,
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
use common::{config, cookie_pair, options, post, router_with, set_cookie, text};
use uuid::Uuid;

const PASSWORD: &str = "river lantern okra pebble";

fn router(pool: PgPool, extra: &[(&str, &str)]) -> Router {
    router_with(pool, config(extra), options())
}

async fn seed_account(pool: &PgPool, email: &str, roles: &[Role]) -> Uuid {
    common::seed_account(pool, email, roles, PASSWORD).await
}

fn sign_in(email: &str, password: &str) -> Request<Body> {
    post(
        <SignIn as ServerFn>::PATH,
        &[("email", email), ("password", password)],
        None,
    )
}

/// Signs `email` in with the demo password and returns the `Cookie` header value for its session.
async fn signed_in(app: &Router, email: &str) -> String {
    let response = app
        .clone()
        .oneshot(sign_in(email, PASSWORD))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
    cookie_pair(&set_cookie(&response))
}

async fn who_am_i(app: &Router, cookie: Option<&str>) -> Option<SignedIn> {
    let response = app
        .clone()
        .oneshot(post(<CurrentAccount as ServerFn>::PATH, &[], cookie))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str(&text(response).await).expect("json")
}

async fn audit_count(pool: &PgPool, action: &str, outcome: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_event where action = $1 and outcome = $2")
        .bind(action)
        .bind(outcome)
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_in_sets_a_session_cookie_that_identifies_only_that_person(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool.clone(), &[]);

    let response = app
        .clone()
        .oneshot(sign_in("  MARIA@example.org ", PASSWORD))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("session="), "{cookie}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain-HTTP development");

    let me = who_am_i(&app, Some(&cookie_pair(&cookie))).await;
    assert_eq!(
        me.as_ref().map(|m| m.display_name.as_str()),
        Some("Maria Garcia")
    );
    assert!(me.is_some_and(|m| m.roles.is_empty() && (1700..=1800).contains(&m.idle_seconds_left)));
    assert_eq!(who_am_i(&app, None).await, None);
    assert_eq!(
        who_am_i(&app, Some("session=forged-token-value")).await,
        None
    );
    assert_eq!(audit_count(&pool, "session.sign_in", "success").await, 1);

    let stored_ip: Option<String> = sqlx::query_scalar("select host(ip) from session")
        .fetch_one(&pool)
        .await
        .expect("session");
    assert_eq!(
        stored_ip, None,
        "no proxy header configured: the header is not trusted"
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn secure_deployments_use_a_host_only_secure_cookie(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool, &[("COOKIE_SECURE", "true")]);
    let response = app
        .clone()
        .oneshot(sign_in("maria@example.org", PASSWORD))
        .await
        .expect("response");
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    assert!(cookie.contains("; Secure"));
    assert!(!cookie.contains("Domain="));
    assert!(who_am_i(&app, Some(&cookie_pair(&cookie))).await.is_some());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool.clone(), &[]);

    let wrong = app
        .clone()
        .oneshot(sign_in("maria@example.org", "not the password at all"))
        .await
        .expect("response");
    let unknown = app
        .clone()
        .oneshot(sign_in("nobody@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(wrong.status(), StatusCode::CONFLICT);
    assert_eq!(unknown.status(), wrong.status());
    assert!(
        !set_cookie(&wrong).contains("session="),
        "no session for a failure"
    );
    let (wrong, unknown) = (text(wrong).await, text(unknown).await);
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("do not match an account"), "{wrong}");
    assert!(
        !wrong.contains("maria"),
        "the answer never echoes the email"
    );
    assert_eq!(audit_count(&pool, "session.sign_in", "failure").await, 2);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_disabled_account_cannot_sign_in_and_its_sessions_end(pool: PgPool) {
    let id = seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool.clone(), &[]);
    let cookie = signed_in(&app, "maria@example.org").await;

    let mut conn = pool.acquire().await.expect("connection");
    disable_account(&mut conn, id).await.expect("disable");
    assert_eq!(who_am_i(&app, Some(&cookie)).await, None);
    let again = app
        .oneshot(sign_in("maria@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_out_ends_the_session_on_the_server(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[Role::Staff]).await;
    let app = router(pool.clone(), &[]);
    let cookie = signed_in(&app, "maria@example.org").await;
    let me = who_am_i(&app, Some(&cookie)).await.expect("signed in");
    assert_eq!(me.roles, vec!["staff".to_string()]);
    assert!(
        (800..=900).contains(&me.idle_seconds_left),
        "staff idle timeout is 15 minutes"
    );

    let out = app
        .clone()
        .oneshot(post(<SignOut as ServerFn>::PATH, &[], Some(&cookie)))
        .await
        .expect("response");
    assert_eq!(out.status(), StatusCode::OK);
    assert!(set_cookie(&out).contains("Max-Age=0"));
    // The old cookie, replayed, no longer signs anyone in.
    assert_eq!(who_am_i(&app, Some(&cookie)).await, None);
    assert_eq!(audit_count(&pool, "session.sign_out", "success").await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn repeated_failures_make_an_account_wait_and_nothing_else(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    seed_account(&pool, "sam@example.org", &[]).await;
    let app = router(pool.clone(), &[]);
    for _ in 0..10 {
        let response = app
            .clone()
            .oneshot(sign_in("maria@example.org", "a wrong guess here"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
    // Even the right password waits now...
    let blocked = app
        .clone()
        .oneshot(sign_in("maria@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(set_cookie(&blocked), "");
    // ...while another account is unaffected.
    let other = app
        .clone()
        .oneshot(sign_in("sam@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(other.status(), StatusCode::OK);

    // Fifteen minutes later the failures have aged out: nothing is locked for good.
    sqlx::raw_sql(
        "alter table audit_event disable trigger audit_event_append_only;
         update audit_event set occurred_at = occurred_at - interval '16 minutes';
         alter table audit_event enable trigger audit_event_append_only;",
    )
    .execute(&pool)
    .await
    .expect("age the failures");
    let later = app
        .oneshot(sign_in("maria@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(later.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn one_client_address_is_limited_to_sixty_attempts_a_minute(pool: PgPool) {
    let app = router(pool, &[("CLIENT_IP_HEADER", "x-forwarded-for")]);
    // The limit counts per clock minute: 61 attempts that straddle a minute's end are two
    // windows' worth, and all allowed. Start with the minute's first seconds.
    let second = chrono::Timelike::second(&chrono::Utc::now());
    if second >= 50 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let mut statuses = Vec::new();
    for _ in 0..61 {
        // Empty fields fail validation before any hashing, so this stays fast.
        let response = app
            .clone()
            .oneshot(sign_in("", ""))
            .await
            .expect("response");
        statuses.push(response.status());
    }
    assert!(statuses[..60]
        .iter()
        .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(statuses[60], StatusCode::TOO_MANY_REQUESTS);
}

fn form_post(request: Request<Body>) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    parts
        .headers
        .insert(header::ACCEPT, "text/html".parse().expect("value"));
    parts.headers.insert(
        header::REFERER,
        "http://127.0.0.1:3000/sign-in".parse().expect("value"),
    );
    Request::from_parts(parts, body)
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_form_posted_without_javascript_is_redirected_with_its_outcome(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool, &[]);

    let failed = app
        .clone()
        .oneshot(form_post(sign_in("maria@example.org", "wrong guess here")))
        .await
        .expect("response");
    assert_eq!(
        failed.status(),
        StatusCode::FOUND,
        "back to the form, not a bare 409"
    );
    let location = failed
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("http://127.0.0.1:3000/sign-in?"),
        "{location}"
    );
    assert!(
        !location.contains("maria"),
        "the email never travels in the address"
    );
    let remembered = set_cookie(&failed);
    assert!(
        remembered.starts_with("sign_in_email=maria%40example.org;"),
        "{remembered}"
    );
    assert!(remembered.contains("HttpOnly") && remembered.contains("Path=/sign-in"));

    let ok = app
        .oneshot(form_post(sign_in("maria@example.org", PASSWORD)))
        .await
        .expect("response");
    assert_eq!(ok.status(), StatusCode::FOUND);
    assert_eq!(
        ok.headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/account")
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn people_list_and_end_only_their_own_sessions(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    seed_account(&pool, "sam@example.org", &[]).await;
    let app = router(pool.clone(), &[]);
    let mut maria = Vec::new();
    for _ in 0..2 {
        maria.push(signed_in(&app, "maria@example.org").await);
    }
    let sam = signed_in(&app, "sam@example.org").await;

    let list = |cookie: Option<String>| {
        let app = app.clone();
        async move {
            app.oneshot(post(
                <ListMySessions as ServerFn>::PATH,
                &[],
                cookie.as_deref(),
            ))
            .await
            .expect("response")
        }
    };
    assert_eq!(list(None).await.status(), StatusCode::UNAUTHORIZED);
    let sessions: Vec<SessionView> =
        serde_json::from_str(&text(list(Some(maria[0].clone())).await).await).expect("json");
    assert_eq!(sessions.len(), 2);
    assert!(
        sessions[0].current && !sessions[1].current,
        "this device first"
    );
    let other_maria_session = sessions[1].session_id.clone();

    // Sam cannot end Maria's session, even knowing its id.
    let refused = app
        .clone()
        .oneshot(post(
            <EndMySession as ServerFn>::PATH,
            &[("session_id", &other_maria_session)],
            Some(&sam),
        ))
        .await
        .expect("response");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert!(who_am_i(&app, Some(&maria[1])).await.is_some());

    // Maria can, from her other device.
    let ended = app
        .clone()
        .oneshot(post(
            <EndMySession as ServerFn>::PATH,
            &[("session_id", &other_maria_session)],
            Some(&maria[0]),
        ))
        .await
        .expect("response");
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(who_am_i(&app, Some(&maria[1])).await, None);
    assert!(who_am_i(&app, Some(&maria[0])).await.is_some());
    assert_eq!(audit_count(&pool, "session.end", "success").await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn changing_the_password_signs_out_every_other_device(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool.clone(), &[]);
    let mut devices = Vec::new();
    for _ in 0..2 {
        devices.push(signed_in(&app, "maria@example.org").await);
    }
    let change = |current: &str, new: &str| {
        post(
            <ChangePassword as ServerFn>::PATH,
            &[("current_password", current), ("new_password", new)],
            Some(&devices[0]),
        )
    };

    // A wrong current password changes nothing, and says which field.
    let wrong = app
        .clone()
        .oneshot(change("not the password", "copper kettle morning drizzle"))
        .await
        .expect("response");
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(wrong).await.contains(r#""current_password":"wrong""#));
    // A guessable new password is refused with a code the page translates.
    let weak = app
        .clone()
        .oneshot(change(PASSWORD, "password1"))
        .await
        .expect("response");
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(weak).await.contains(r#""new_password":"too_easy""#));
    assert!(
        who_am_i(&app, Some(&devices[1])).await.is_some(),
        "nothing changed yet"
    );

    let ok = app
        .clone()
        .oneshot(change(PASSWORD, "copper kettle morning drizzle"))
        .await
        .expect("response");
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        who_am_i(&app, Some(&devices[0])).await.is_some(),
        "this device stays"
    );
    assert_eq!(
        who_am_i(&app, Some(&devices[1])).await,
        None,
        "the other is out"
    );

    let old = app
        .clone()
        .oneshot(sign_in("maria@example.org", PASSWORD))
        .await
        .expect("response");
    assert_eq!(old.status(), StatusCode::CONFLICT);
    let new = app
        .clone()
        .oneshot(sign_in(
            "maria@example.org",
            "copper kettle morning drizzle",
        ))
        .await
        .expect("response");
    assert_eq!(new.status(), StatusCode::OK);
    assert_eq!(
        audit_count(&pool, "account.change_password", "success").await,
        1
    );
    assert_eq!(
        audit_count(&pool, "account.change_password", "failure").await,
        1
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_a_signed_in_person_can_change_a_password(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    let app = router(pool, &[]);
    let response = app
        .oneshot(post(
            <ChangePassword as ServerFn>::PATH,
            &[
                ("current_password", PASSWORD),
                ("new_password", "copper kettle morning drizzle"),
            ],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Pages of one person and server functions of another, interleaved on two worker threads:
/// each request must see only its own caller (a server function once inherited a page render's
/// reactive owner and, with it, that page's signed-in caller).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn concurrent_requests_never_see_each_others_caller(pool: PgPool) {
    seed_account(&pool, "maria@example.org", &[]).await;
    sqlx::query(
        "update account set display_name = 'Page Person' where email = 'maria@example.org'",
    )
    .execute(&pool)
    .await
    .expect("rename");
    seed_account(&pool, "other@example.org", &[]).await;
    sqlx::query(
        "update account set display_name = 'Function Person' where email = 'other@example.org'",
    )
    .execute(&pool)
    .await
    .expect("rename");
    let app = router(pool.clone(), &[]);
    let page_person = signed_in(&app, "maria@example.org").await;
    let function_person = signed_in(&app, "other@example.org").await;
    // The requests run on a runtime of their own with a pool of their own: a pool's connections
    // belong to the runtime that opened them.
    let options = (*pool.connect_options()).clone();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mismatches = std::thread::spawn(move || {
        runtime.block_on(async move {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .expect("pool");
            let app = router(pool, &[]);
            let mut tasks = Vec::new();
            for i in 0..240 {
                let app = app.clone();
                let (page_cookie, fn_cookie) = (page_person.clone(), function_person.clone());
                tasks.push(tokio::spawn(async move {
                    if i % 2 == 0 {
                        let request = Request::get("/account")
                            .header(header::COOKIE, page_cookie)
                            .body(Body::empty())
                            .expect("request");
                        let body = text(app.oneshot(request).await.expect("page")).await;
                        (!body.contains("Page Person") || body.contains("Function Person"))
                            .then(|| "page".to_string())
                    } else {
                        let response = app
                            .oneshot(post(
                                <CurrentAccount as ServerFn>::PATH,
                                &[],
                                Some(&fn_cookie),
                            ))
                            .await
                            .expect("response");
                        let me: Option<SignedIn> =
                            serde_json::from_str(&text(response).await).unwrap_or(None);
                        let name = me.map(|m| m.display_name).unwrap_or_default();
                        (name != "Function Person").then_some(name)
                    }
                }));
            }
            let mut wrong = Vec::new();
            for task in tasks {
                if let Some(w) = task.await.expect("task") {
                    wrong.push(w);
                }
            }
            wrong
        })
    })
    .join()
    .expect("thread");
    assert!(
        mismatches.is_empty(),
        "requests saw another caller: {mismatches:?}"
    );
}
