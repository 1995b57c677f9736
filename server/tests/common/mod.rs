//! Helpers shared by the router test files: the router with a test configuration, form posts,
//! cookies, and bodies read as text.
#![allow(dead_code, reason = "each test file uses a different part")]

use app::{config::Config, state::AppState};
use axum::{
    body::Body,
    http::{header, Request},
    response::Response,
    Router,
};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// A valid development configuration plus `extra` variables.
pub fn config(extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([(
        "DATABASE_URL".to_string(),
        "postgres://postgres@127.0.0.1/unused".to_string(),
    )]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test configuration")
}

/// Leptos options pointing at the small test site in `tests/site`.
pub fn options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("portal")
        .site_root(env!("CARGO_MANIFEST_DIR").to_string() + "/tests/site")
        .build()
}

pub fn router_with(pool: PgPool, config: Config, options: LeptosOptions) -> Router {
    server::router(AppState {
        leptos_options: options,
        db: pool,
        config: Arc::new(config),
        live: Default::default(),
    })
}

pub async fn text(response: Response) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A form post from a browser at a fixed client address, with an optional `Cookie` header.
pub fn post(path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Request<Body> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, "Mozilla/5.0 (test)")
        .header("x-forwarded-for", "203.0.113.50");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).expect("request")
}

const BOUNDARY: &str = "----openwell-test-boundary";

/// A browser's multipart post of a form to `path`: the text `fields`, then each file as
/// (field name, file name, bytes). With `html`, as a browser without JavaScript posts it (the
/// answer is a redirect back to the form).
pub fn multipart(
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
    cookie: Option<&str>,
    html: bool,
) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (field, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let mut request = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::USER_AGENT, "Mozilla/5.0 (test)")
        .header("x-forwarded-for", "203.0.113.60");
    if html {
        request = request
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://127.0.0.1:3000/editor/articles/new");
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).expect("request")
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn set_cookie(response: &Response) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// `name=value` from a `Set-Cookie` header, ready for a `Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_string()
}

/// A patient record (no account); returns its id. `sex` is the record's administrative sex.
pub async fn patient(pool: &PgPool, given: &str, family: &str, born: &str, sex: &str) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex)
         values ($1, $2, $3, $4::date, $5)",
    )
    .bind(id)
    .bind(given)
    .bind(family)
    .bind(born)
    .bind(sex)
    .execute(pool)
    .await
    .expect("patient");
    id
}

/// Gives `account` access to `patient`'s record as `relationship` ("self", "parent", "proxy")
/// with `scopes` (a PostgreSQL array literal such as `{scheduling}`), already accepted.
pub async fn grant(pool: &PgPool, account: Uuid, patient: Uuid, relationship: &str, scopes: &str) {
    sqlx::query(
        "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
         values (gen_random_uuid(), $1, $2, $3, $4::text[], now())",
    )
    .bind(account)
    .bind(patient)
    .bind(relationship)
    .bind(scopes)
    .execute(pool)
    .await
    .expect("grant");
}

/// A confirmed account with `roles` and `password`; returns its id.
pub async fn seed_account(
    pool: &PgPool,
    email: &str,
    roles: &[app::auth::account::Role],
    password: &str,
) -> uuid::Uuid {
    use app::auth::account;
    let hash = app::auth::password::hash_password(secrecy::SecretString::from(password))
        .await
        .expect("hash");
    let id = account::insert_account(
        pool,
        &account::NewAccount {
            email,
            display_name: "Maria Garcia",
            preferred_language: "es",
            password_hash: &hash,
        },
    )
    .await
    .expect("account");
    account::mark_email_verified(pool, id, email)
        .await
        .expect("verified");
    for role in roles {
        account::grant_role(pool, id, *role, None)
            .await
            .expect("role");
    }
    id
}

/// Gives `account` a confirmed authenticator app with `secret`.
pub async fn with_authenticator(pool: &PgPool, account: uuid::Uuid, secret: &[u8]) {
    sqlx::query(
        "insert into totp_credential (account_id, secret, confirmed_at) values ($1, $2, now())",
    )
    .bind(account)
    .bind(secret)
    .execute(pool)
    .await
    .expect("authenticator");
}

/// Signs in with `password` and, with `secret`, the current code from that authenticator;
/// returns the `Cookie` header value of the signed-in session.
pub async fn signed_in(app: &Router, email: &str, password: &str, secret: Option<&[u8]>) -> String {
    use server_fn::ServerFn;
    use tower::ServiceExt;
    let response = app
        .clone()
        .oneshot(post(
            <app::auth::SignIn as ServerFn>::PATH,
            &[("email", email), ("password", password)],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(
        response.status(),
        axum::http::StatusCode::OK,
        "{email} signs in"
    );
    let cookie = cookie_pair(&set_cookie(&response));
    let Some(secret) = secret else {
        return cookie;
    };
    let code = app::auth::second_factor::code_at(secret, chrono::Utc::now()).expect("code");
    let response = app
        .clone()
        .oneshot(post(
            <app::auth::VerifySecondFactor as ServerFn>::PATH,
            &[("code", &code)],
            Some(&cookie),
        ))
        .await
        .expect("response");
    assert_eq!(
        response.status(),
        axum::http::StatusCode::OK,
        "{email}'s code"
    );
    cookie_pair(&set_cookie(&response))
}
