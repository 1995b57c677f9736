//! Delivering queued email: over SMTP, or into the portal's own mailbox in development.

use super::outbox::{self, OutboxEmail};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::PgPool;
use std::time::Duration;

/// How long a worker's claim on an email lasts; well beyond the SMTP timeout, so a live
/// worker never loses its claim mid-send.
pub const LEASE_SECONDS: f64 = 120.0;
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        // Boxed: the transport is large and the mailbox variant empty.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// No SMTP server (development): each email is marked kept and stays readable on the
    /// administrators' outbox page.
    Mailbox,
}

impl Mailer {
    /// The mailer the configuration asks for. Configuration loading has already checked both
    /// values, so an error here is a programming error worth stopping for.
    pub fn from_config(config: &crate::config::Config) -> Result<Self, &'static str> {
        let Some(url) = &config.smtp_url else {
            return Ok(Self::Mailbox);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| "SMTP_URL is not a valid SMTP address")?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = config
            .email_from
            .parse()
            .map_err(|_| "EMAIL_FROM is not an email address")?;
        Ok(Self::Smtp {
            transport: Box::new(transport),
            from,
        })
    }
}

/// Builds the MIME message. Its Message-ID comes from the outbox row, so a retry after a crash
/// (the one case where a message can go out twice) carries the same id and receiving systems
/// can recognise the copy.
pub fn build_message(from: &Mailbox, email: &OutboxEmail) -> Result<Message, &'static str> {
    let to: Mailbox = email.to_address.parse().map_err(|_| "invalid recipient")?;
    let domain = from.email.domain().to_string();
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(email.body_text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(email.body_html.clone()),
        );
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", email.email_id)));
    match (&email.calendar, &email.calendar_method) {
        (Some(calendar), Some(method)) => {
            // Calendar programs act on a text/calendar part with the method in its type; the
            // same file is also attached for people who save it by hand.
            let content_type =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|_| "invalid calendar method")?;
            builder.multipart(
                MultiPart::mixed()
                    .multipart(
                        alternative.singlepart(
                            SinglePart::builder()
                                .header(content_type.clone())
                                .body(calendar.clone()),
                        ),
                    )
                    .singlepart(
                        lettre::message::Attachment::new("visit.ics".into())
                            .body(calendar.clone(), content_type),
                    ),
            )
        }
        _ => builder.multipart(alternative),
    }
    .map_err(|_| "could not build the message")
}

/// The kind of an SMTP failure, for the outbox row and the log (never the server's reply, which
/// can quote the address), and whether retrying can help.
fn classify(e: &lettre::transport::smtp::Error) -> (&'static str, bool) {
    if e.is_permanent() {
        ("permanent rejection", true)
    } else if e.is_transient() {
        ("temporary rejection", false)
    } else if e.is_timeout() {
        ("timeout", false)
    } else if e.is_tls() {
        ("tls", false)
    } else {
        ("connection", false)
    }
}

/// Delivers one claimed email and records the outcome.
pub async fn deliver(pool: &PgPool, mailer: &Mailer, email: OutboxEmail) -> sqlx::Result<bool> {
    let span = tracing::info_span!("email", email_id = %email.email_id, attempt = email.attempts);
    let _enter = span.enter();
    match mailer {
        Mailer::Mailbox => {
            outbox::mark_delivered(pool, email.email_id, true).await?;
            tracing::info!("email kept in the portal's mailbox (no SMTP_URL)");
            Ok(true)
        }
        Mailer::Smtp { transport, from } => {
            let message = match build_message(from, &email) {
                Ok(m) => m,
                Err(kind) => {
                    tracing::warn!(error = kind, "email cannot be built");
                    outbox::mark_failed(pool, &email, kind, true).await?;
                    return Ok(false);
                }
            };
            match transport.send(message).await {
                Ok(_) => {
                    outbox::mark_delivered(pool, email.email_id, false).await?;
                    tracing::info!("email sent");
                    Ok(true)
                }
                Err(e) => {
                    let (kind, permanent) = classify(&e);
                    tracing::warn!(error = kind, permanent, "email not sent");
                    outbox::mark_failed(pool, &email, kind, permanent).await?;
                    Ok(false)
                }
            }
        }
    }
}

/// Delivers every due email, one at a time, and says how many were delivered.
pub async fn deliver_due(pool: &PgPool, mailer: &Mailer) -> sqlx::Result<usize> {
    let mut delivered = 0;
    while let Some(email) = outbox::claim_next(pool, LEASE_SECONDS).await? {
        if deliver(pool, mailer, email).await? {
            delivered += 1;
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(calendar: Option<(&str, &str)>) -> OutboxEmail {
        OutboxEmail {
            email_id: uuid::Uuid::from_u128(1),
            to_address: "maria@example.org".into(),
            subject: "Your visit is booked".into(),
            body_text: "Hello".into(),
            body_html: "<p>Hello</p>".into(),
            attempts: 1,
            max_attempts: 8,
            calendar: calendar.map(|c| c.0.to_string()),
            calendar_method: calendar.map(|c| c.1.to_string()),
        }
    }

    fn from() -> Mailbox {
        "Openwell <no-reply@portal.example.org>"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_calendar_travels_as_an_invitation_part_and_an_attachment() {
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
        let message = build_message(&from(), &email(Some((ics, "REQUEST"))))
            .unwrap_or_else(|e| panic!("{e}"));
        let raw = String::from_utf8(message.formatted()).unwrap_or_default();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert_eq!(
            raw.matches("text/calendar; charset=utf-8; method=REQUEST")
                .count(),
            2,
            "{raw}"
        );
        assert!(raw.contains("filename=\"visit.ics\""), "{raw}");
        assert!(
            raw.contains("Message-ID: <00000000-0000-0000-0000-000000000001@portal.example.org>")
        );

        let plain = String::from_utf8(
            build_message(&from(), &email(None))
                .unwrap_or_else(|e| panic!("{e}"))
                .formatted(),
        )
        .unwrap_or_default();
        assert!(plain.contains("multipart/alternative") && !plain.contains("text/calendar"));
    }
}
