//! Runtime configuration, read once from the environment at start. Every variable is documented
//! in `.env.example`. Loading fails fast with one message naming every bad or missing variable,
//! and production refuses the conveniences that development allows (no built-in secret, cookies
//! must be Secure, a public https origin must be given).

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use url::Url;

/// Used only in development when `SECRET_KEY` is unset, so that several local processes agree.
const DEVELOPMENT_SECRET: &str = "development-only-secret-never-use-in-production-0000";
const MIN_SECRET_LEN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone)]
pub struct Config {
    /// PostgreSQL connection string (`DATABASE_URL`). Secret: it can carry a password.
    pub database_url: SecretString,
    /// Most connections this process keeps open (`DATABASE_MAX_CONNECTIONS`, default 10).
    pub database_max_connections: u32,
    /// `APP_ENV`: `development` (default) or `production`.
    pub environment: Environment,
    /// The origin patients reach the portal at (`PUBLIC_URL`), e.g. `https://portal.example.org`.
    /// Required in production. When it is https, responses carry Strict-Transport-Security.
    pub public_url: Option<Url>,
    /// Key for signing cookies and single-use links (`SECRET_KEY`, at least 32 characters).
    pub secret_key: SecretString,
    /// Whether cookies are marked `Secure` (`COOKIE_SECURE`; default on in production, off in
    /// development so plain-HTTP local runs work). Production refuses `false`.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes (`MAX_BODY_BYTES`, default 1 MiB).
    pub max_body_bytes: usize,
    /// Log lines as JSON (`LOG_FORMAT=json`, default in production) or as text.
    pub log_json: bool,
    /// Run the background job worker in this process (`RUN_WORKER`, default true).
    pub run_worker: bool,
    /// Minutes a patient's or proxy's session survives without a request
    /// (`SESSION_IDLE_MINUTES`, default 30).
    pub session_idle_minutes: u32,
    /// The same for accounts with any staff role (`STAFF_SESSION_IDLE_MINUTES`, default 15).
    pub staff_session_idle_minutes: u32,
    /// Header a trusted reverse proxy sets to the client's address (`CLIENT_IP_HEADER`, e.g.
    /// `x-forwarded-for`; its right-most entry is used). Unset: the connection's own address.
    /// Rate limits key on this, so behind a proxy it must be set or every client shares one.
    pub client_ip_header: Option<http::HeaderName>,
    /// Requests one client address may make per minute to each sign-in, code and emailed-link
    /// endpoint (`RATE_LIMIT_PER_IP_PER_MINUTE`, default 60; sign-up allows a third of it). Raise
    /// it when many people share one address (a clinic's network, the browser tests).
    pub rate_limit_per_ip_per_minute: i32,
    /// Where email is delivered (`SMTP_URL`, e.g. `smtp://user:pass@mail.example.org:587?tls=required`
    /// or `smtps://…:465`). Required in production. Unset in development: emails are kept in the
    /// portal's own mailbox, readable by administrators at `/admin/emails`.
    pub smtp_url: Option<SecretString>,
    /// How many hours before a visit patients (and those acting for them) can still move or
    /// cancel it online (`APPOINTMENT_CHANGE_CUTOFF_HOURS`, default 24; 0 allows changes until
    /// an hour before). Later, the portal explains why and gives the location's phone number;
    /// staff can change a visit until it starts.
    pub appointment_change_cutoff_hours: u32,
    /// Hours before a visit at which reminders go out (`APPOINTMENT_REMINDER_HOURS`, default
    /// `72,24`; at most four, each 1 to 336).
    pub appointment_reminder_hours: Vec<u32>,
    /// Local hours at the visit's location when no reminder is sent (`REMINDER_QUIET_HOURS`,
    /// default `21-8`: from 21:00 to 08:00); a reminder due then goes out when they end.
    pub reminder_quiet_hours: (u32, u32),
    /// Where video visits happen (`VIDEO_VISIT_URL`, e.g. `https://meet.example.org/riverbend-`):
    /// each visit's room is this followed by a code derived from the visit and `SECRET_KEY`, so
    /// the link reveals nothing. Unset: video visits show the location's phone number instead.
    pub video_visit_url: Option<Url>,
    /// The sender of every email (`EMAIL_FROM`, e.g. `Openwell <no-reply@portal.example.org>`).
    pub email_from: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("database_max_connections", &self.database_max_connections)
            .field("secure_cookies", &self.secure_cookies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("log_json", &self.log_json)
            .field("run_worker", &self.run_worker)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field(
                "staff_session_idle_minutes",
                &self.staff_session_idle_minutes,
            )
            .field("client_ip_header", &self.client_ip_header)
            .field(
                "rate_limit_per_ip_per_minute",
                &self.rate_limit_per_ip_per_minute,
            )
            .field("smtp", &self.smtp_url.is_some())
            .field(
                "appointment_change_cutoff_hours",
                &self.appointment_change_cutoff_hours,
            )
            .field(
                "appointment_reminder_hours",
                &self.appointment_reminder_hours,
            )
            .field("reminder_quiet_hours", &self.reminder_quiet_hours)
            .field("video", &self.video_visit_url.is_some())
            .field("email_from", &self.email_from)
            .finish_non_exhaustive()
    }
}

/// Every problem found, one line each, naming the variable and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration (see .env.example):")?;
        for line in &self.0 {
            writeln!(f, "  - {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let environment = match get("APP_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                errors.push(format!(
                    "APP_ENV is {other:?}: use \"development\" or \"production\""
                ));
                Environment::Development
            }
        };
        let production = environment == Environment::Production;

        let database_url = match get("DATABASE_URL") {
            Some(v) if v.starts_with("postgres://") || v.starts_with("postgresql://") => v,
            Some(_) => {
                errors.push("DATABASE_URL must start with postgres:// or postgresql://".into());
                String::new()
            }
            None => {
                errors.push(
                    "DATABASE_URL is not set: give the PostgreSQL database, e.g. postgres://portal@127.0.0.1:5432/portal".into(),
                );
                String::new()
            }
        };

        let database_max_connections = parse_number(
            &get,
            "DATABASE_MAX_CONNECTIONS",
            10u32,
            1..=1000,
            &mut errors,
        );
        let max_body_bytes = parse_number(
            &get,
            "MAX_BODY_BYTES",
            1_048_576usize,
            1024..=1_073_741_824,
            &mut errors,
        );

        let public_url = match get("PUBLIC_URL") {
            Some(v) => match Url::parse(&v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    if production && u.scheme() != "https" {
                        errors.push("PUBLIC_URL must be https in production".into());
                    }
                    Some(u)
                }
                _ => {
                    errors.push(format!(
                        "PUBLIC_URL {v:?} is not an http(s) URL such as https://portal.example.org"
                    ));
                    None
                }
            },
            None => {
                if production {
                    errors.push(
                        "PUBLIC_URL is required in production, e.g. https://portal.example.org"
                            .into(),
                    );
                }
                None
            }
        };

        let secret_key = match get("SECRET_KEY") {
            Some(v) if v == DEVELOPMENT_SECRET && production => {
                errors.push("SECRET_KEY is the development default: generate one with `openssl rand -base64 48`".into());
                v
            }
            Some(v) if v.len() < MIN_SECRET_LEN => {
                errors.push(format!(
                    "SECRET_KEY must be at least {MIN_SECRET_LEN} characters: generate one with `openssl rand -base64 48`"
                ));
                v
            }
            Some(v) => v,
            None if production => {
                errors.push("SECRET_KEY is required in production: generate one with `openssl rand -base64 48`".into());
                String::new()
            }
            None => DEVELOPMENT_SECRET.to_string(),
        };

        let secure_cookies = parse_bool(&get, "COOKIE_SECURE", production, &mut errors);
        if production && !secure_cookies {
            errors.push("COOKIE_SECURE cannot be false in production".into());
        }
        let log_json = match get("LOG_FORMAT").as_deref() {
            None => production,
            Some("json") => true,
            Some("text") => false,
            Some(other) => {
                errors.push(format!("LOG_FORMAT is {other:?}: use \"json\" or \"text\""));
                false
            }
        };
        let run_worker = parse_bool(&get, "RUN_WORKER", true, &mut errors);
        let session_idle_minutes =
            parse_number(&get, "SESSION_IDLE_MINUTES", 30u32, 5..=720, &mut errors);
        let staff_session_idle_minutes = parse_number(
            &get,
            "STAFF_SESSION_IDLE_MINUTES",
            15u32,
            5..=720,
            &mut errors,
        );
        let client_ip_header = match get("CLIENT_IP_HEADER") {
            None => None,
            Some(v) => match http::HeaderName::from_bytes(v.to_ascii_lowercase().as_bytes()) {
                Ok(name) => Some(name),
                Err(_) => {
                    errors.push(format!(
                        "CLIENT_IP_HEADER {v:?} is not a header name, e.g. x-forwarded-for"
                    ));
                    None
                }
            },
        };
        let rate_limit_per_ip_per_minute = parse_number(
            &get,
            "RATE_LIMIT_PER_IP_PER_MINUTE",
            60i32,
            3..=100_000,
            &mut errors,
        );
        let smtp_url = match get("SMTP_URL") {
            Some(v) if v.starts_with("smtp://") || v.starts_with("smtps://") => {
                if lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&v).is_err() {
                    errors.push("SMTP_URL is not a valid SMTP address, e.g. smtp://user:pass@mail.example.org:587?tls=required".into());
                }
                Some(v)
            }
            Some(_) => {
                errors.push("SMTP_URL must start with smtp:// or smtps://".into());
                None
            }
            None if production => {
                errors.push("SMTP_URL is required in production, e.g. smtp://user:pass@mail.example.org:587?tls=required".into());
                None
            }
            None => None,
        };
        let appointment_change_cutoff_hours = parse_number(
            &get,
            "APPOINTMENT_CHANGE_CUTOFF_HOURS",
            24u32,
            0..=336,
            &mut errors,
        );
        let appointment_reminder_hours = match get("APPOINTMENT_REMINDER_HOURS") {
            None => vec![24, 72],
            Some(v) => {
                let hours: Option<Vec<u32>> = v
                    .split(',')
                    .map(|h| {
                        h.trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|h| (1..=336).contains(h))
                    })
                    .collect();
                match hours {
                    Some(mut h) if !h.is_empty() && h.len() <= 4 => {
                        h.sort_unstable();
                        h.dedup();
                        h
                    }
                    _ => {
                        errors.push(format!(
                            "APPOINTMENT_REMINDER_HOURS {v:?} is not a list of up to four hours from 1 to 336, e.g. 72,24"
                        ));
                        vec![72, 24]
                    }
                }
            }
        };
        let reminder_quiet_hours = match get("REMINDER_QUIET_HOURS") {
            None => (21, 8),
            Some(v) => match v
                .split_once('-')
                .and_then(|(a, b)| {
                    Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?))
                })
                .filter(|(a, b)| *a <= 23 && *b <= 23)
            {
                Some(q) => q,
                None => {
                    errors.push(format!(
                        "REMINDER_QUIET_HOURS {v:?} is not two hours from 0 to 23, e.g. 21-8"
                    ));
                    (21, 8)
                }
            },
        };
        let video_visit_url = match get("VIDEO_VISIT_URL") {
            None => None,
            Some(v) => match Url::parse(&v) {
                Ok(u) if u.scheme() == "https" || (!production && u.scheme() == "http") => Some(u),
                _ => {
                    errors.push(format!(
                        "VIDEO_VISIT_URL {v:?} is not an https address such as https://meet.example.org/riverbend-"
                    ));
                    None
                }
            },
        };
        let email_from =
            get("EMAIL_FROM").unwrap_or_else(|| "Openwell <no-reply@localhost>".into());
        if email_from.parse::<lettre::message::Mailbox>().is_err() {
            errors.push(format!(
                "EMAIL_FROM {email_from:?} is not an address such as Openwell <no-reply@portal.example.org>"
            ));
        }

        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(Self {
            database_url: database_url.into(),
            database_max_connections,
            environment,
            public_url,
            secret_key: secret_key.into(),
            secure_cookies,
            max_body_bytes,
            log_json,
            run_worker,
            session_idle_minutes,
            staff_session_idle_minutes,
            client_ip_header,
            rate_limit_per_ip_per_minute,
            smtp_url: smtp_url.map(SecretString::from),
            appointment_change_cutoff_hours,
            appointment_reminder_hours,
            reminder_quiet_hours,
            video_visit_url,
            email_from,
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// Whether this is running on the built-in development secret (worth a warning at start).
    pub fn uses_development_secret(&self) -> bool {
        self.secret_key.expose_secret() == DEVELOPMENT_SECRET
    }

    /// The origin links in emails point to: `PUBLIC_URL`, or in development the address this
    /// process listens on (`LEPTOS_SITE_ADDR`). Never taken from a request's Host header, which a
    /// client chooses (a reset link pointing elsewhere would hand the token to a stranger).
    pub fn link_origin(&self) -> String {
        match &self.public_url {
            Some(u) => u.origin().ascii_serialization(),
            None => format!(
                "http://{}",
                std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into())
            ),
        }
    }

    /// The video room of visit `appointment`: the configured address and a code only the portal
    /// can derive (SHA-256 of the secret and the visit), so nobody can guess another visit's room.
    pub fn video_room(&self, appointment: uuid::Uuid) -> Option<String> {
        use sha2::{Digest, Sha256};
        let base = self.video_visit_url.as_ref()?;
        let mut hash = Sha256::new();
        hash.update(self.secret_key.expose_secret().as_bytes());
        hash.update(b"video-room");
        hash.update(appointment.as_bytes());
        let code: String = hash
            .finalize()
            .iter()
            .take(10)
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(format!("{}{code}", base.as_str()))
    }

    /// Whether browsers should be told to use HTTPS only.
    pub fn sends_hsts(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    errors: &mut Vec<String>,
) -> T {
    match get(name) {
        None => default,
        Some(v) => match v.parse::<T>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.push(format!(
                    "{name} is {v:?}: use a whole number from {} to {}",
                    range.start(),
                    range.end()
                ));
                default
            }
        },
    }
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: bool,
    errors: &mut Vec<String>,
) -> bool {
    match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => default,
        Some("true" | "1" | "yes" | "on") => true,
        Some("false" | "0" | "no" | "off") => false,
        Some(other) => {
            errors.push(format!("{name} is {other:?}: use true or false"));
            default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn scheduling_settings_have_defaults_and_refuse_nonsense() {
        let c = load(&[("DATABASE_URL", "postgres://x@y/z")]).unwrap();
        assert_eq!(c.appointment_change_cutoff_hours, 24);
        assert_eq!(c.appointment_reminder_hours, vec![24, 72]);
        assert_eq!(c.reminder_quiet_hours, (21, 8));
        assert_eq!(c.video_room(uuid::Uuid::nil()), None);
        let c = load(&[
            ("DATABASE_URL", "postgres://x@y/z"),
            ("APPOINTMENT_REMINDER_HOURS", "2, 48 ,2"),
            ("REMINDER_QUIET_HOURS", "22-7"),
            ("VIDEO_VISIT_URL", "https://meet.example.org/rb-"),
        ])
        .unwrap();
        assert_eq!(c.appointment_reminder_hours, vec![2, 48]);
        assert_eq!(c.reminder_quiet_hours, (22, 7));
        let a = c.video_room(uuid::Uuid::from_u128(1)).unwrap();
        let b = c.video_room(uuid::Uuid::from_u128(2)).unwrap();
        assert!(
            a.starts_with("https://meet.example.org/rb-") && a.len() == 28 + 20,
            "{a}"
        );
        assert_ne!(a, b, "each visit has its own room");
        assert!(!a.contains("0000000"), "the visit's id is not in the link");
        for (name, value) in [
            ("APPOINTMENT_REMINDER_HOURS", "0"),
            ("APPOINTMENT_REMINDER_HOURS", "1,2,3,4,5"),
            ("REMINDER_QUIET_HOURS", "night"),
            ("VIDEO_VISIT_URL", "ftp://meet"),
        ] {
            let e = load(&[("DATABASE_URL", "postgres://x@y/z"), (name, value)]).unwrap_err();
            assert!(
                e.0.iter().any(|m| m.starts_with(name)),
                "{name}={value}: {e:?}"
            );
        }
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://portal@127.0.0.1/portal");

    #[test]
    fn development_needs_only_a_database() {
        let c = load(&[DB]).expect("valid");
        assert_eq!(c.environment, Environment::Development);
        assert!(c.uses_development_secret());
        assert!(!c.secure_cookies);
        assert!(!c.sends_hsts());
        assert_eq!(c.max_body_bytes, 1_048_576);
    }

    #[test]
    fn a_missing_database_url_is_named_with_an_example() {
        let e = load(&[]).expect_err("must fail");
        assert!(e.to_string().contains("DATABASE_URL is not set"), "{e}");
    }

    #[test]
    fn production_refuses_insecure_defaults_and_lists_every_problem() {
        let e = load(&[DB, ("APP_ENV", "production"), ("COOKIE_SECURE", "false")])
            .expect_err("must fail");
        let text = e.to_string();
        assert!(
            text.contains("SECRET_KEY is required in production"),
            "{text}"
        );
        assert!(
            text.contains("PUBLIC_URL is required in production"),
            "{text}"
        );
        assert!(text.contains("COOKIE_SECURE cannot be false"), "{text}");
        assert!(
            text.contains("SMTP_URL is required in production"),
            "{text}"
        );
        assert_eq!(e.0.len(), 4);
    }

    #[test]
    fn production_refuses_the_development_secret_and_plain_http() {
        let e = load(&[
            DB,
            ("APP_ENV", "production"),
            ("SECRET_KEY", DEVELOPMENT_SECRET),
            ("PUBLIC_URL", "http://portal.example.org"),
            ("SMTP_URL", "smtp://mail.example.org:587?tls=required"),
        ])
        .expect_err("must fail");
        assert_eq!(e.0.len(), 2, "{e}");
    }

    #[test]
    fn a_complete_production_configuration_loads() {
        let c = load(&[
            DB,
            ("APP_ENV", "production"),
            ("SECRET_KEY", "k2J9c1v0b8Q7x6Z5w4Y3u2T1s0R9q8P7o6N5m4L3"),
            ("PUBLIC_URL", "https://portal.example.org/"),
            (
                "SMTP_URL",
                "smtp://mailer:s3cretpw@mail.example.org:587?tls=required",
            ),
            ("EMAIL_FROM", "Clinic <no-reply@portal.example.org>"),
        ])
        .expect("valid");
        assert!(c.secure_cookies && c.sends_hsts() && c.log_json);
        let printed = format!("{c:?}");
        assert!(!printed.contains("k2J9c1"), "secrets never print");
        assert!(
            !printed.contains("s3cretpw"),
            "the SMTP password never prints"
        );
        assert_eq!(c.link_origin(), "https://portal.example.org");
    }

    #[test]
    fn malformed_values_say_what_is_expected() {
        let e = load(&[
            ("DATABASE_URL", "mysql://x"),
            ("MAX_BODY_BYTES", "lots"),
            ("RUN_WORKER", "perhaps"),
            ("APP_ENV", "staging"),
            ("SMTP_URL", "http://mail.example.org"),
            ("EMAIL_FROM", "not an address"),
        ])
        .expect_err("must fail");
        assert_eq!(e.0.len(), 6, "{e}");
    }
}
