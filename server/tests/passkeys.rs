//! Passkeys through the real router: the challenges the browser gets, answers that must fail
//! (forged, replayed, late, another account's ceremony), the per-account limit, a passkey as the
//! second factor after a password, and staff keeping their last second factor. A real
//! authenticator signing a real challenge is tested in Chromium (end2end/tests/passkeys.spec.ts).
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::admin::ListOutbox;
use app::auth::{
    account::Role, session, FinishPasskeyRegistration, FinishPasskeySignIn, MyPasskeys,
    PasskeyChallenge, PasskeyOverview, RemovePasskey, SecondStep, SecondStepChoices, SignIn,
    StartPasskeyRegistration, StartPasskeySignIn,
};
use axum::{http::StatusCode, response::Response, Router};
use base64::Engine;
use chrono::Utc;
use serde_json::Value;
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{config, cookie_pair, options, post, router_with, seed_account, set_cookie, text};

const PASSWORD: &str = "quartz meadow lantern sail";

fn router(pool: PgPool) -> Router {
    router_with(pool, config(&[]), options())
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    app.clone()
        .oneshot(post(path, form, cookie))
        .await
        .expect("response")
}

/// A passkey as webauthn-rs stored it after a registration in Chromium's virtual authenticator
/// (its public key; the private key stayed in that browser).
const STORED: &str = r#"{"cred": {"cred": {"key": {"EC_EC2": {"x": "of66brPgtVJFrUPPjZ69EGyCq1y3urJ03d9jRxM9z9c", "y": "c07OTLvUnm-DhCdr1NiECq1nBEiyRIeVVMn_e-oSb1c", "curve": "SECP256R1"}}, "type_": "ES256"}, "counter": 1, "cred_id": "OTz8I6zToXDzpLYqOOKEr_77EVlJMTq2Das-omFFzMY", "extensions": {"appid": "NotRequested", "cred_props": {"Unsigned": {"rk": true}}, "cred_protect": "Ignored", "hmac_create_secret": "NotRequested"}, "transports": null, "attestation": {"data": "None", "metadata": "None"}, "backup_state": false, "user_verified": true, "backup_eligible": false, "attestation_format": "none", "registration_policy": "required"}}"#;
const STORED_ID: &str = "OTz8I6zToXDzpLYqOOKEr_77EVlJMTq2Das-omFFzMY";

fn stored_id() -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(STORED_ID)
        .expect("id")
}

/// A passkey row for `account` under `credential_id`, holding the stored public key.
async fn with_passkey(pool: &PgPool, account: Uuid, credential_id: &[u8]) -> Uuid {
    sqlx::query_scalar(
        "insert into passkey (account_id, credential_id, name, credential)
         values ($1, $2, 'Test key', $3::jsonb) returning passkey_id",
    )
    .bind(account)
    .bind(credential_id)
    .bind(STORED)
    .fetch_one(pool)
    .await
    .expect("passkey")
}

/// A signed-in session for `account`, made directly (the sign-in paths have their own tests).
async fn session_cookie(pool: &PgPool, account: Uuid) -> String {
    let (_, token) = session::start_session(
        pool,
        account,
        chrono::Duration::minutes(15),
        &session::Client::default(),
        Utc::now(),
    )
    .await
    .expect("session");
    format!("session={}", token.cookie_value())
}

async fn challenge(app: &Router, path: &str, cookie: Option<&str>) -> (PasskeyChallenge, Value) {
    let r = call(app, path, &[], cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    let challenge: PasskeyChallenge = serde_json::from_str(&text(r).await).expect("json");
    let options = serde_json::from_str(&challenge.options).expect("options");
    (challenge, options)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An answer that names `account` and `credential_id` but was signed by nobody.
fn forged_answer(account: Uuid, credential_id: &[u8]) -> String {
    serde_json::json!({
        "id": b64url(credential_id),
        "rawId": b64url(credential_id),
        "type": "public-key",
        "response": {
            "authenticatorData": b64url(&[0u8; 37]),
            "clientDataJSON": b64url(br#"{"type":"webauthn.get","challenge":"AAAA","origin":"http://localhost:3000"}"#),
            "signature": b64url(&[1u8; 64]),
            "userHandle": b64url(account.as_bytes()),
        },
        "extensions": {}
    })
    .to_string()
}

async fn failures(pool: &PgPool, account: Uuid) -> i64 {
    sqlx::query_scalar(
        "select count(*) from audit_event
         where action = 'session.passkey' and outcome = 'failure' and actor_account_id = $1",
    )
    .bind(account)
    .fetch_one(pool)
    .await
    .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_sign_in_challenge_asks_any_passkey_of_this_site_with_user_verification(pool: PgPool) {
    let app = router(pool);
    let (_, options) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    assert!(options.get("mediation").is_none(), "asked from a button");
    let (again, _) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
    let (first, _) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
    assert_ne!(again.ceremony, first.ceremony);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_forged_answer_signs_nobody_in_is_audited_and_uses_the_challenge_up(pool: PgPool) {
    let app = router(pool.clone());
    let maria = seed_account(&pool, "maria@example.org", &[], PASSWORD).await;
    with_passkey(&pool, maria, &stored_id()).await;
    let (c, _) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
    // Right credential, right account, but a signature nobody made over another challenge.
    let answer = forged_answer(maria, &stored_id());
    let r = call(
        &app,
        <FinishPasskeySignIn as ServerFn>::PATH,
        &[("ceremony", &c.ceremony), ("credential", &answer)],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(set_cookie(&r).is_empty(), "no session cookie");
    assert!(text(r).await.contains("passkey_refused"));
    assert_eq!(failures(&pool, maria).await, 1);
    let sessions: i64 = sqlx::query_scalar("select count(*) from session where account_id = $1")
        .bind(maria)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(sessions, 0);

    let replay = call(
        &app,
        <FinishPasskeySignIn as ServerFn>::PATH,
        &[("ceremony", &c.ceremony), ("credential", &answer)],
        None,
    )
    .await;
    assert_eq!(replay.status(), StatusCode::CONFLICT);
    assert!(text(replay).await.contains("passkey_expired"));

    // An answer for an account that does not exist is refused alike and names no actor.
    let (c, _) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
    let r = call(
        &app,
        <FinishPasskeySignIn as ServerFn>::PATH,
        &[
            ("ceremony", &c.ceremony),
            (
                "credential",
                &forged_answer(Uuid::new_v4(), b"nobody's-credential"),
            ),
        ],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("passkey_refused"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn ten_failed_passkey_answers_make_the_account_wait(pool: PgPool) {
    let app = router(pool.clone());
    let maria = seed_account(&pool, "maria@example.org", &[], PASSWORD).await;
    with_passkey(&pool, maria, &stored_id()).await;
    let answer = forged_answer(maria, &stored_id());
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let (c, _) = challenge(&app, <StartPasskeySignIn as ServerFn>::PATH, None).await;
        let r = call(
            &app,
            <FinishPasskeySignIn as ServerFn>::PATH,
            &[("ceremony", &c.ceremony), ("credential", &answer)],
            None,
        )
        .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[409; 10]);
    assert_eq!(statuses[10], 429);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_passkey_is_a_second_factor_after_the_password(pool: PgPool) {
    let app = router(pool.clone());
    let admin = seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_passkey(&pool, admin, b"admin-credential-id!").await;
    let r = call(
        &app,
        <SignIn as ServerFn>::PATH,
        &[("email", "admin@example.org"), ("password", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(
        r.headers()
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/sign-in/code")
    );
    let waiting = cookie_pair(&set_cookie(&r));
    let r = call(&app, <SecondStep as ServerFn>::PATH, &[], Some(&waiting)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let choices: SecondStepChoices = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(
        choices,
        SecondStepChoices {
            app: false,
            passkey: true
        }
    );
    let r = call(&app, <ListOutbox as ServerFn>::PATH, &[], Some(&waiting)).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the password alone opens nothing"
    );
    // Anyone else asking what the step takes is refused.
    let r = call(&app, <SecondStep as ServerFn>::PATH, &[], None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_keep_their_last_second_factor_and_patients_remove_only_their_own(pool: PgPool) {
    let app = router(pool.clone());
    let staff = seed_account(&pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    let staff_key = with_passkey(&pool, staff, b"staff-credential-id!").await;
    let staff_cookie = session_cookie(&pool, staff).await;
    let r = call(
        &app,
        <RemovePasskey as ServerFn>::PATH,
        &[("passkey_id", &staff_key.to_string())],
        Some(&staff_cookie),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("last_second_factor"));
    let r = call(
        &app,
        <MyPasskeys as ServerFn>::PATH,
        &[],
        Some(&staff_cookie),
    )
    .await;
    let overview: PasskeyOverview = serde_json::from_str(&text(r).await).expect("json");
    assert_eq!(overview.passkeys.len(), 1, "still there");
    assert!(overview.last_one_required);

    let maria = seed_account(&pool, "maria@example.org", &[], PASSWORD).await;
    let maria_key = with_passkey(&pool, maria, b"maria's-credential-id").await;
    let maria_cookie = session_cookie(&pool, maria).await;
    // Maria cannot remove the staff member's passkey: it is simply not hers.
    let r = call(
        &app,
        <RemovePasskey as ServerFn>::PATH,
        &[("passkey_id", &staff_key.to_string())],
        Some(&maria_cookie),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = call(
        &app,
        <RemovePasskey as ServerFn>::PATH,
        &[("passkey_id", &maria_key.to_string())],
        Some(&maria_cookie),
    )
    .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let left: i64 = sqlx::query_scalar("select count(*) from passkey")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 1, "only Maria's went");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'second_factor.passkey_remove'
         and actor_account_id = $1 and object_id = $2",
    )
    .bind(maria)
    .bind(maria_key.to_string())
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_registration_wants_a_new_discoverable_key_and_belongs_to_its_account(pool: PgPool) {
    let app = router(pool.clone());
    let maria = seed_account(&pool, "maria@example.org", &[], PASSWORD).await;
    with_passkey(&pool, maria, b"maria's-credential-id").await;
    let maria_cookie = session_cookie(&pool, maria).await;
    let (c, options) = challenge(
        &app,
        <StartPasskeyRegistration as ServerFn>::PATH,
        Some(&maria_cookie),
    )
    .await;
    let key = &options["publicKey"];
    assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(key["user"]["name"], "maria@example.org");
    assert_eq!(
        key["excludeCredentials"][0]["id"],
        b64url(b"maria's-credential-id"),
        "the browser is told not to register the same key twice"
    );

    // Someone else cannot finish Maria's ceremony.
    let other = seed_account(&pool, "other@example.org", &[], PASSWORD).await;
    let other_cookie = session_cookie(&pool, other).await;
    let r = call(
        &app,
        <FinishPasskeyRegistration as ServerFn>::PATH,
        &[
            ("ceremony", &c.ceremony),
            ("name", "Phone"),
            ("credential", "{}"),
        ],
        Some(&other_cookie),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("passkey_expired"));
    // Maria's own malformed answer is refused, audited, and adds nothing.
    let r = call(
        &app,
        <FinishPasskeyRegistration as ServerFn>::PATH,
        &[
            ("ceremony", &c.ceremony),
            ("name", "Phone"),
            ("credential", "{}"),
        ],
        Some(&maria_cookie),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let keys: i64 = sqlx::query_scalar("select count(*) from passkey where account_id = $1")
        .bind(maria)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(keys, 1);
}
