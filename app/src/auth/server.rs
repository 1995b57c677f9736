//! Server-side helpers for server functions: who is calling (from the session cookie), where
//! from, the session cookie itself, and rate limits. Authorization decisions use these; they
//! never redirect, they return [`AppError`].

use super::account::{self, Account, Role};
use super::session::{self, ActiveSession, Client, SessionToken};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::use_context;
use sqlx::PgExecutor;
use std::net::{IpAddr, SocketAddr};

/// The session cookie's name. The `__Host-` prefix makes browsers refuse it unless it is Secure,
/// host-only and `Path=/`, so it can only be used where cookies are Secure.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "session"
    }
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn session_cookie(token: &SessionToken, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        token.cookie_value()
    )
}

/// The `Set-Cookie` value that makes the browser forget its session cookie.
pub fn clearing_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Short-lived cookie holding the email typed into a sign-in form that failed, so the form can
/// show it again after a no-JavaScript round trip. `None` clears it.
pub const REMEMBERED_EMAIL: &str = "sign_in_email";

pub fn remembered_email_cookie(email: Option<&str>) -> String {
    match email {
        Some(email) => format!(
            "{REMEMBERED_EMAIL}={}; Path=/sign-in; Max-Age=300; HttpOnly; SameSite=Strict",
            url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
        ),
        None => format!("{REMEMBERED_EMAIL}=; Path=/sign-in; Max-Age=0; HttpOnly; SameSite=Strict"),
    }
}

/// The email the last failed sign-in form held, if this request carries it.
pub fn remembered_email() -> Option<String> {
    crate::cookies::from_request(REMEMBERED_EMAIL)
        .and_then(|value| {
            url::form_urlencoded::parse(format!("e={value}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
        .filter(|v| !v.is_empty() && v.len() <= 254)
}

/// The client's address: the right-most entry of the configured proxy header when there is one,
/// else the connection's peer address.
pub fn client_ip(
    headers: &http::HeaderMap,
    peer: Option<IpAddr>,
    proxy_header: Option<&http::HeaderName>,
) -> Option<IpAddr> {
    match proxy_header {
        Some(name) => headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse::<IpAddr>().ok())
            .next_back(),
        None => peer,
    }
}

/// Where the current request came from.
pub fn current_client() -> Client {
    let config = crate::state::config().ok();
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Client::default();
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    Client {
        ip: client_ip(
            &parts.headers,
            peer,
            config.as_ref().and_then(|c| c.client_ip_header.as_ref()),
        ),
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The caller: their live session, account and roles.
#[derive(Clone, Debug)]
pub struct Caller {
    pub session: ActiveSession,
    pub account: Account,
    pub roles: Vec<Role>,
}

/// The caller of the page being rendered, looked up once: the header and the page both ask, and
/// each lookup would otherwise touch the session again. Provided by the page shell; a server
/// function called over HTTP has none and looks the caller up itself. It remembers which
/// request it belongs to (`x-request-id`) and is ignored by any other, so a context that leaks
/// between requests can never hand one person's identity to another.
#[derive(Clone, Default)]
pub struct CallerCache {
    request_id: Option<String>,
    cell: std::sync::Arc<tokio::sync::OnceCell<Option<Caller>>>,
}

fn current_request_id() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

pub fn provide_caller_cache() {
    leptos::prelude::provide_context(CallerCache {
        request_id: current_request_id(),
        cell: Default::default(),
    });
}

/// The signed-in caller of this request, if any, as of `now`. Touches the session (an idle
/// timeout counts from the last request).
pub async fn current_caller(now: DateTime<Utc>) -> Result<Option<Caller>, AppError> {
    let here = current_request_id();
    match use_context::<CallerCache>() {
        Some(cache) if cache.request_id.is_some() && cache.request_id == here => cache
            .cell
            .get_or_try_init(|| lookup_caller(now))
            .await
            .cloned(),
        _ => lookup_caller(now).await,
    }
}

async fn lookup_caller(now: DateTime<Utc>) -> Result<Option<Caller>, AppError> {
    Ok(lookup_session(now)
        .await?
        .filter(|c| !c.session.awaiting_second_factor))
}

/// Whoever holds this request's session cookie, whether or not their second factor is done.
pub async fn lookup_session(now: DateTime<Utc>) -> Result<Option<Caller>, AppError> {
    let config = crate::state::config()?;
    let Some(token) = crate::cookies::from_request(cookie_name(config.secure_cookies))
        .and_then(|value| SessionToken::parse(&value))
    else {
        return Ok(None);
    };
    let pool = crate::state::db()?;
    let session = if is_background() {
        session::peek_session(&pool, &token, now).await?
    } else {
        session::resume_session(&pool, &token, now).await?
    };
    let Some(session) = session else {
        return Ok(None);
    };
    let Some(account) = account::find_account(&pool, session.account_id).await? else {
        return Ok(None);
    };
    let roles = account::roles_of(&pool, account.account_id).await?;
    Ok(Some(Caller {
        session,
        account,
        roles,
    }))
}

/// Whether this request was made by the page rather than the person: a live-update stream
/// (`/live/…`) or a page's live refresh (`X-Background-Refresh`). It is served as usual but
/// does not count as activity, so an open page never keeps an idle session alive. (A page could
/// send the header for a real click too; that only shortens its own session.)
pub fn is_background() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.uri.path().starts_with("/live/") || parts.headers.contains_key("x-background-refresh")
    })
}

/// The caller whose password was right and whose second factor is still to come, or
/// [`AppError::Unauthenticated`]. Only the second-factor step may use this.
pub async fn require_awaiting_second_factor(now: DateTime<Utc>) -> Result<Caller, AppError> {
    lookup_session(now)
        .await?
        .filter(|c| c.session.awaiting_second_factor)
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in caller, or [`AppError::Unauthenticated`].
pub async fn require_user() -> Result<Caller, AppError> {
    current_caller(Utc::now())
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in caller if they hold `role` and have a second factor:
/// [`AppError::Unauthenticated`] without a session, [`AppError::Forbidden`] without the role,
/// [`AppError::SecondFactorRequired`] until they set one up. (An account with a second factor
/// has a signed-in session only after entering a code, and setting one up ends the account's
/// other sessions, so having one means this session passed it.)
pub async fn require_role(role: Role) -> Result<Caller, AppError> {
    let caller = require_user().await?;
    if !caller.roles.contains(&role) {
        return Err(AppError::Forbidden);
    }
    let pool = crate::state::db()?;
    if !super::second_factor::has_second_factor(&pool, caller.account.account_id).await? {
        return Err(AppError::SecondFactorRequired);
    }
    Ok(caller)
}

/// The rate-limit key for `endpoint` and the client's address.
pub fn ip_rate_key(endpoint: &str, client: &Client) -> String {
    match client.ip {
        Some(ip) => format!("{endpoint}:{ip}"),
        None => format!("{endpoint}:unknown"),
    }
}

/// Counts one request from this client's address to `endpoint` and refuses it with
/// [`AppError::RateLimited`] beyond `per_minute` (`None`: the configured per-address limit).
pub async fn limit_client(endpoint: &str, per_minute: Option<i32>) -> Result<(), AppError> {
    let pool = crate::state::db()?;
    let limit = match per_minute {
        Some(n) => n,
        None => crate::state::config()?.rate_limit_per_ip_per_minute,
    };
    let key = ip_rate_key(endpoint, &current_client());
    if within_rate_limit(&pool, &key, limit, Utc::now()).await? {
        Ok(())
    } else {
        Err(AppError::RateLimited)
    }
}

/// How long an idle session of someone with `roles` lasts: shorter for staff.
pub fn idle_timeout(roles: &[Role], config: &crate::config::Config) -> chrono::Duration {
    let minutes = if roles.is_empty() {
        config.session_idle_minutes
    } else {
        config.staff_session_idle_minutes
    };
    chrono::Duration::minutes(i64::from(minutes))
}

/// Ends every session of the caller's account and starts a new one (a new token) for this
/// browser. Used when a second factor is added: sessions that never passed one must not live on.
pub async fn restart_sessions(
    conn: &mut sqlx::PgConnection,
    caller: &Caller,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<(uuid::Uuid, SessionToken), AppError> {
    let config = crate::state::config()?;
    let me = caller.account.account_id;
    session::end_all_sessions(&mut *conn, me, None).await?;
    Ok(session::start_session(
        &mut *conn,
        me,
        idle_timeout(&caller.roles, &config),
        client,
        now,
    )
    .await?)
}

/// Adds a `Set-Cookie` header to the response being built.
pub fn set_cookie(value: &str) {
    if let (Some(res), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        res.append_header(http::header::SET_COOKIE, value);
    }
}

/// Counts one hit for `key` in the current minute and says whether it is within `limit`.
pub async fn within_rate_limit(
    conn: impl PgExecutor<'_>,
    key: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let hits = sqlx::query_scalar!(
        "insert into rate_limit_window (key, window_start, hits)
         values ($1, date_trunc('minute', $2::timestamptz), 1)
         on conflict (key, window_start) do update set hits = rate_limit_window.hits + 1
         returning hits",
        key,
        now
    )
    .fetch_one(conn)
    .await?;
    Ok(hits <= limit)
}

/// Deletes rate-limit windows older than an hour (daily housekeeping).
pub async fn purge_rate_limits(conn: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "delete from rate_limit_window where window_start < now() - interval '1 hour'"
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Sign-in failures for `account` since `since`, read from the audit log (the record of every
/// attempt), so the limit holds across processes and restarts and lapses by itself.
pub async fn recent_sign_in_failures(
    conn: impl PgExecutor<'_>,
    account: uuid::Uuid,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    recent_failures(conn, account, "session.sign_in", since).await
}

/// Failed attempts at `action` by `account` since `since`, from the audit log.
pub async fn recent_failures(
    conn: impl PgExecutor<'_>,
    account: uuid::Uuid,
    action: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from audit_event
           where actor_account_id = $1 and action = $2 and outcome = 'failure'
             and occurred_at >= $3"#,
        account,
        action,
        since
    )
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[test]
    fn the_cookie_is_host_only_http_only_and_secure_where_it_can_be() {
        let token = SessionToken::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            session_cookie(&token, true),
            "__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(!session_cookie(&token, false).contains("Secure"));
        assert!(clearing_cookie(true).contains("Max-Age=0"));
        let header = "lang=es; __Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let token_in = |secure| {
            crate::cookies::find(header, cookie_name(secure)).and_then(SessionToken::parse)
        };
        assert!(token_in(true).is_some());
        assert!(token_in(false).is_none(), "other name");
    }

    #[test]
    fn the_client_address_comes_from_the_proxy_only_when_configured() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let peer = "10.0.0.1".parse().ok();
        let xff = http::HeaderName::from_static("x-forwarded-for");
        assert_eq!(
            client_ip(&headers, peer, None),
            peer,
            "a client cannot choose its address"
        );
        assert_eq!(
            client_ip(&headers, peer, Some(&xff)),
            "10.0.0.2".parse().ok()
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_rate_limit_counts_per_key_per_minute(pool: PgPool) -> sqlx::Result<()> {
        let t = DateTime::parse_from_rfc3339("2026-05-01T10:00:05Z")
            .unwrap()
            .with_timezone(&Utc);
        for _ in 0..3 {
            assert!(within_rate_limit(&pool, "k", 3, t).await?);
        }
        assert!(!within_rate_limit(&pool, "k", 3, t + chrono::Duration::seconds(50)).await?);
        assert!(within_rate_limit(&pool, "other", 3, t).await?);
        assert!(within_rate_limit(&pool, "k", 3, t + chrono::Duration::seconds(60)).await?);
        Ok(())
    }
}
