//! The text of every transactional email, in English and Spanish, as plain text and HTML. An
//! email says what happened and links back to the portal; it never carries health information,
//! so nothing here takes a diagnosis, a result or a message as input.

use crate::organisation::PRODUCT_NAME;

/// Which email, with what it needs. Links are absolute URLs made by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Template {
    /// Confirms a new account's address.
    VerifyEmail { name: String, link: String },
    /// Someone tried to sign up with an address that already has an account.
    AlreadyRegistered { sign_in: String, reset: String },
    /// A forgotten-password link.
    ResetPassword { link: String },
    /// The password was changed (or reset); a warning if it was not the owner.
    PasswordChanged { reset: String },
    /// Someone invited this address to help with a person's care. Names nobody: whose care it
    /// is shows in the portal after signing in.
    ProxyInvitation { link: String },
    /// Confirms a new email address for an existing account.
    ConfirmNewEmail { link: String },
    /// Tells the old address that the account now signs in with another one.
    EmailChanged { reset: String },
    /// An administrator created a staff account for this address.
    AccountCreated { link: String },
    /// A code to link an account to the patient record this address is on.
    LinkCode { code: String, link: String },
    /// A visit was booked, moved or cancelled. `when`, `with` and `place` are in the
    /// recipient's language; the reason for the visit is never passed in.
    Visit {
        change: VisitChange,
        when: String,
        with: String,
        place: String,
        link: String,
    },
    /// A visit is coming up; `link` confirms or cancels it without signing in.
    VisitReminder {
        when: String,
        with: String,
        place: String,
        link: String,
    },
    /// An earlier time is open for a visit on the waitlist, until `expires`.
    WaitlistOffer {
        when: String,
        with: String,
        place: String,
        expires: String,
        link: String,
    },
    /// A reply from the care team is waiting in the portal. Says nothing of what it is about:
    /// not the subject, not the words, not whose care it is.
    MessageWaiting { link: String },
}

/// What happened to a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitChange {
    Booked,
    Moved,
    Cancelled,
}

/// One email ready to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The email's language: Spanish for `es`, English otherwise.
fn is_spanish(language: &str) -> bool {
    language == "es"
}

/// Escapes text for an HTML body.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs and one call to action, the same content in both parts.
struct Parts {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
    after: Vec<String>,
}

impl Parts {
    fn text(&self) -> String {
        let mut t = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            t.push_str(p);
            t.push_str("\n\n");
        }
        if let Some((label, link)) = &self.action {
            t.push_str(&format!("{label}:\n{link}\n\n"));
        }
        for p in &self.after {
            t.push_str(p);
            t.push_str("\n\n");
        }
        t.push_str(&format!("— {PRODUCT_NAME}\n"));
        t
    }

    fn html(&self, lang: &str) -> String {
        let mut h = format!(
            "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;max-width:36rem\">\
             <p>{}</p>",
            esc(&self.subject),
            esc(&self.greeting)
        );
        for p in &self.paragraphs {
            h.push_str(&format!("<p>{}</p>", esc(p)));
        }
        if let Some((label, link)) = &self.action {
            h.push_str(&format!(
                "<p><a href=\"{0}\" style=\"display:inline-block;padding:12px 20px;background:#0b5cad;color:#fff;text-decoration:none;border-radius:6px\">{1}</a></p>\
                 <p style=\"font-size:14px;color:#444\">{0}</p>",
                esc(link),
                esc(label)
            ));
        }
        for p in &self.after {
            h.push_str(&format!("<p>{}</p>", esc(p)));
        }
        h.push_str(&format!("<p>— {PRODUCT_NAME}</p></body></html>"));
        h
    }
}

impl Template {
    pub fn name(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::AlreadyRegistered { .. } => "already_registered",
            Self::ResetPassword { .. } => "reset_password",
            Self::PasswordChanged { .. } => "password_changed",
            Self::ProxyInvitation { .. } => "proxy_invitation",
            Self::LinkCode { .. } => "link_code",
            Self::AccountCreated { .. } => "account_created",
            Self::ConfirmNewEmail { .. } => "confirm_new_email",
            Self::EmailChanged { .. } => "email_changed",
            Self::Visit { change, .. } => match change {
                VisitChange::Booked => "appointment_booked",
                VisitChange::Moved => "appointment_moved",
                VisitChange::Cancelled => "appointment_cancelled",
            },
            Self::WaitlistOffer { .. } => "waitlist_offer",
            Self::VisitReminder { .. } => "appointment_reminder",
            Self::MessageWaiting { .. } => "message_waiting",
        }
    }

    pub fn render(&self, language: &str) -> Rendered {
        let es = is_spanish(language);
        let lang = if es { "es" } else { "en" };
        let hello = if es { "Hola:" } else { "Hello," };
        let parts = match self {
            Self::VerifyEmail { name, link } => Parts {
                subject: if es {
                    format!("Confirme su correo electrónico para {PRODUCT_NAME}")
                } else {
                    format!("Confirm your email address for {PRODUCT_NAME}")
                },
                greeting: if es {
                    format!("Hola, {name}:")
                } else {
                    format!("Hello {name},")
                },
                paragraphs: vec![if es {
                    "Gracias por crear su cuenta. Para terminar, confirme que esta dirección es suya.".into()
                } else {
                    "Thank you for creating your account. To finish, confirm that this address is yours.".into()
                }],
                action: Some((
                    if es {
                        "Confirmar mi correo"
                    } else {
                        "Confirm my email"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "El enlace vale 24 horas y una sola vez. Si usted no creó esta cuenta, ignore este mensaje.".into()
                } else {
                    "The link works once, for 24 hours. If you did not create this account, ignore this email.".into()
                }],
            },
            Self::AlreadyRegistered { sign_in, reset } => Parts {
                subject: if es {
                    format!("Ya tiene una cuenta en {PRODUCT_NAME}")
                } else {
                    format!("You already have a {PRODUCT_NAME} account")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Alguien intentó crear una cuenta nueva con esta dirección, que ya tiene una. Puede iniciar sesión:".into()
                } else {
                    "Someone tried to create a new account with this address, which already has one. You can sign in:".into()
                }],
                action: Some((
                    if es { "Iniciar sesión" } else { "Sign in" }.into(),
                    sign_in.clone(),
                )),
                after: vec![if es {
                    format!("¿Olvidó su contraseña? Restablézcala aquí: {reset}. Si no fue usted, no tiene que hacer nada.")
                } else {
                    format!("Forgot your password? Reset it here: {reset}. If this was not you, there is nothing to do.")
                }],
            },
            Self::ResetPassword { link } => Parts {
                subject: if es {
                    format!("Restablezca su contraseña de {PRODUCT_NAME}")
                } else {
                    format!("Reset your {PRODUCT_NAME} password")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Recibimos una solicitud para restablecer la contraseña de su cuenta.".into()
                } else {
                    "We received a request to reset the password of your account.".into()
                }],
                action: Some((
                    if es {
                        "Elegir una contraseña nueva"
                    } else {
                        "Choose a new password"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "El enlace vale una hora y una sola vez. Si usted no lo pidió, ignore este mensaje: su contraseña no cambia.".into()
                } else {
                    "The link works once, for one hour. If you did not ask for it, ignore this email: your password stays the same.".into()
                }],
            },
            Self::PasswordChanged { reset } => Parts {
                subject: if es {
                    format!("Su contraseña de {PRODUCT_NAME} cambió")
                } else {
                    format!("Your {PRODUCT_NAME} password was changed")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "La contraseña de su cuenta acaba de cambiar y se cerraron sus otras sesiones."
                        .into()
                } else {
                    "The password of your account was just changed, and your other sessions were signed out.".into()
                }],
                action: None,
                after: vec![if es {
                    format!("Si no fue usted, restablezca su contraseña ahora: {reset}")
                } else {
                    format!("If this was not you, reset your password now: {reset}")
                }],
            },
            Self::ProxyInvitation { link } => Parts {
                subject: if es {
                    format!("Le invitaron a ayudar con una cuenta de {PRODUCT_NAME}")
                } else {
                    format!("You are invited to help with a {PRODUCT_NAME} account")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Alguien le invitó a ayudar con su atención en el portal de pacientes. Abra el enlace, inicie sesión o cree una cuenta, y verá quién le invitó y para qué.".into()
                } else {
                    "Someone invited you to help with their care in the patient portal. Open the link, sign in or create an account, and you will see who invited you and for what.".into()
                }],
                action: Some((
                    if es {
                        "Ver la invitación"
                    } else {
                        "See the invitation"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "La invitación vale 14 días. Si no espera este mensaje, ignórelo.".into()
                } else {
                    "The invitation works for 14 days. If you were not expecting it, ignore this email.".into()
                }],
            },
            Self::ConfirmNewEmail { link } => Parts {
                subject: if es {
                    format!("Confirme su nuevo correo para {PRODUCT_NAME}")
                } else {
                    format!("Confirm your new email address for {PRODUCT_NAME}")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Pidió usar esta dirección para iniciar sesión. Confírmela para terminar el cambio.".into()
                } else {
                    "You asked to sign in with this address from now on. Confirm it to finish the change.".into()
                }],
                action: Some((
                    if es {
                        "Confirmar mi correo"
                    } else {
                        "Confirm my email"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "El enlace vale 24 horas y una sola vez. Si usted no lo pidió, ignore este mensaje.".into()
                } else {
                    "The link works once, for 24 hours. If you did not ask for this, ignore this email.".into()
                }],
            },
            Self::EmailChanged { reset } => Parts {
                subject: if es {
                    format!("Su correo de {PRODUCT_NAME} cambió")
                } else {
                    format!("Your {PRODUCT_NAME} email address was changed")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Su cuenta ya no inicia sesión con esta dirección: se cambió por otra.".into()
                } else {
                    "Your account no longer signs in with this address: it was changed to another one.".into()
                }],
                action: None,
                after: vec![if es {
                    format!("Si no fue usted, llámenos y restablezca su contraseña: {reset}")
                } else {
                    format!("If this was not you, call us and reset your password: {reset}")
                }],
            },
            Self::AccountCreated { link } => Parts {
                subject: if es {
                    format!("Su cuenta de {PRODUCT_NAME} está lista")
                } else {
                    format!("Your {PRODUCT_NAME} account is ready")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Un administrador creó una cuenta de personal para usted. Elija su contraseña para empezar; luego configurará el inicio de sesión en dos pasos.".into()
                } else {
                    "An administrator created a staff account for you. Choose your password to get started; you will then set up two-step sign-in.".into()
                }],
                action: Some((
                    if es {
                        "Elegir mi contraseña"
                    } else {
                        "Choose my password"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "El enlace vale 72 horas y una sola vez.".into()
                } else {
                    "The link works once, for 72 hours.".into()
                }],
            },
            Self::LinkCode { code, link } => Parts {
                subject: if es {
                    format!("Su código para {PRODUCT_NAME}")
                } else {
                    format!("Your {PRODUCT_NAME} code")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    format!("Su código para vincular su cuenta con su historia clínica es: {code}")
                } else {
                    format!("Your code to link your account to your health record is: {code}")
                }],
                action: Some((
                    if es {
                        "Escribir el código"
                    } else {
                        "Enter the code"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "El código vale 30 minutos. Si usted no lo pidió, ignore este mensaje.".into()
                } else {
                    "The code works for 30 minutes. If you did not ask for it, ignore this email."
                        .into()
                }],
            },
            Self::Visit {
                change,
                when,
                with,
                place,
                link,
            } => Parts {
                subject: match (change, es) {
                    (VisitChange::Booked, false) => format!("Your visit is booked: {when}"),
                    (VisitChange::Booked, true) => format!("Su consulta está reservada: {when}"),
                    (VisitChange::Moved, false) => format!("Your visit has moved: {when}"),
                    (VisitChange::Moved, true) => format!("Su consulta cambió de hora: {when}"),
                    (VisitChange::Cancelled, false) => format!("Your visit is cancelled: {when}"),
                    (VisitChange::Cancelled, true) => format!("Su consulta está cancelada: {when}"),
                },
                greeting: hello.into(),
                paragraphs: match (change, es) {
                    (VisitChange::Cancelled, false) => vec![format!(
                        "This visit is cancelled: {when}, with {with}, at {place}."
                    )],
                    (VisitChange::Cancelled, true) => vec![format!(
                        "Esta consulta está cancelada: {when}, con {with}, en {place}."
                    )],
                    (_, false) => vec![
                        format!("When: {when}"),
                        format!("With: {with}"),
                        format!("Where: {place}"),
                        "The attached calendar file adds it to your calendar.".into(),
                    ],
                    (_, true) => vec![
                        format!("Cuándo: {when}"),
                        format!("Con: {with}"),
                        format!("Dónde: {place}"),
                        "El archivo de calendario adjunto la agrega a su calendario.".into(),
                    ],
                },
                action: Some((
                    match (change, es) {
                        (VisitChange::Cancelled, false) => "Book another time",
                        (VisitChange::Cancelled, true) => "Reservar otra hora",
                        (_, false) => "See, change or cancel the visit",
                        (_, true) => "Ver, cambiar o cancelar la consulta",
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "Si usted no hizo este cambio, llámenos.".into()
                } else {
                    "If you did not make this change, call us.".into()
                }],
            },
            Self::WaitlistOffer {
                when,
                with,
                place,
                expires,
                link,
            } => Parts {
                subject: if es {
                    format!("Hay una hora más temprana disponible: {when}")
                } else {
                    format!("An earlier time is open: {when}")
                },
                greeting: hello.into(),
                paragraphs: if es {
                    vec![
                        format!("Se liberó una hora antes de su consulta: {when}, con {with}, en {place}."),
                        format!("Si la quiere, acéptela en el portal antes de las {expires}. La primera persona que la acepte se queda con ella."),
                    ]
                } else {
                    vec![
                        format!("A time before your visit has opened: {when}, with {with}, at {place}."),
                        format!("If you want it, take it in the portal before {expires}. The first person to take it gets it."),
                    ]
                },
                action: Some((
                    if es { "Ver la oferta" } else { "See the offer" }.into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "Si no hace nada, su consulta se queda como está.".into()
                } else {
                    "If you do nothing, your visit stays as it is.".into()
                }],
            },
            Self::VisitReminder {
                when,
                with,
                place,
                link,
            } => Parts {
                subject: if es {
                    format!("Recordatorio de su consulta: {when}")
                } else {
                    format!("Reminder of your visit: {when}")
                },
                greeting: hello.into(),
                paragraphs: if es {
                    vec![
                        format!("Recordatorio: tiene una consulta el {when}, con {with}, en {place}."),
                        "Confírmela o cancélela con el enlace; no hace falta iniciar sesión. El enlace sirve una vez.".into(),
                    ]
                } else {
                    vec![
                        format!("A reminder: you have a visit on {when}, with {with}, at {place}."),
                        "Confirm or cancel it with the link; no need to sign in. The link works once.".into(),
                    ]
                },
                action: Some((
                    if es {
                        "Confirmar o cancelar"
                    } else {
                        "Confirm or cancel"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "Si no puede venir, cancele para que otra persona pueda usar la hora.".into()
                } else {
                    "If you cannot come, please cancel so someone else can have the time.".into()
                }],
            },
            Self::MessageWaiting { link } => Parts {
                subject: if es {
                    format!("Tiene un mensaje nuevo en {PRODUCT_NAME}")
                } else {
                    format!("You have a new message in {PRODUCT_NAME}")
                },
                greeting: hello.into(),
                paragraphs: vec![if es {
                    "Su equipo de atención le respondió. Por su privacidad, el mensaje solo se puede leer en el portal.".into()
                } else {
                    "Your care team has replied. For your privacy, the message can only be read in the portal.".into()
                }],
                action: Some((
                    if es {
                        "Leer el mensaje"
                    } else {
                        "Read the message"
                    }
                    .into(),
                    link.clone(),
                )),
                after: vec![if es {
                    "Si no esperaba este correo, puede ignorarlo.".into()
                } else {
                    "If you were not expecting this email, you can ignore it.".into()
                }],
            },
        };
        Rendered {
            template: self.name(),
            text: parts.text(),
            html: parts.html(lang),
            subject: parts.subject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Template> {
        vec![
            Template::VerifyEmail {
                name: "Ana <b>".into(),
                link: "https://p.example/verify-email?token=abc".into(),
            },
            Template::AlreadyRegistered {
                sign_in: "https://p.example/sign-in".into(),
                reset: "https://p.example/forgot-password".into(),
            },
            Template::ResetPassword {
                link: "https://p.example/reset-password?token=abc".into(),
            },
            Template::PasswordChanged {
                reset: "https://p.example/forgot-password".into(),
            },
            Template::ProxyInvitation {
                link: "https://p.example/proxy/accept?token=abc".into(),
            },
            Template::AccountCreated {
                link: "https://p.example/reset-password?token=abc".into(),
            },
            Template::ConfirmNewEmail {
                link: "https://p.example/verify-email?token=abc".into(),
            },
            Template::EmailChanged {
                reset: "https://p.example/forgot-password".into(),
            },
            Template::LinkCode {
                code: "ABCD-EF23".into(),
                link: "https://p.example/me/link".into(),
            },
            Template::Visit {
                change: VisitChange::Booked,
                when: "Monday, December 7, 2026, 9:20 AM CST".into(),
                with: "Dr. Ana Ruiz, MD".into(),
                place: "Riverside Clinic, 100 River Rd".into(),
                link: "https://p.example/appointments/x".into(),
            },
            Template::Visit {
                change: VisitChange::Moved,
                when: "x".into(),
                with: "y".into(),
                place: "z".into(),
                link: "https://p.example/appointments/x".into(),
            },
            Template::VisitReminder {
                when: "Tuesday, December 8, 2026, 9:00 AM CST".into(),
                with: "Dr. Ana Ruiz, MD".into(),
                place: "Riverside Clinic".into(),
                link: "https://p.example/visits/respond?token=abc".into(),
            },
            Template::WaitlistOffer {
                when: "Tuesday, December 8, 2026, 9:00 AM CST".into(),
                with: "Dr. Ana Ruiz, MD".into(),
                place: "Riverside Clinic".into(),
                expires: "4:10 PM CST".into(),
                link: "https://p.example/appointments".into(),
            },
            Template::Visit {
                change: VisitChange::Cancelled,
                when: "x".into(),
                with: "y".into(),
                place: "z".into(),
                link: "https://p.example/appointments/book".into(),
            },
            Template::MessageWaiting {
                link: "https://p.example/messages".into(),
            },
        ]
    }

    #[test]
    fn every_email_exists_in_both_languages_with_its_link_in_both_parts() {
        for t in all() {
            let en = t.render("en");
            let es = t.render("es");
            assert_ne!(en.subject, es.subject, "{}", t.name());
            assert_ne!(en.text, es.text, "{}", t.name());
            assert!(es.html.starts_with("<!DOCTYPE html><html lang=\"es\">"));
            for r in [&en, &es] {
                for link in r
                    .text
                    .split_whitespace()
                    .filter(|w| w.starts_with("https://"))
                {
                    let link = link.trim_end_matches(['.', ',']);
                    assert!(r.html.contains(link), "{} html lacks {link}", t.name());
                }
                assert!(r.text.contains("https://p.example/"), "{}", t.name());
            }
        }
    }

    #[test]
    fn names_are_escaped_in_html_and_plain_in_text() {
        let r = all()[0].render("en");
        assert!(r.html.contains("Hello Ana &lt;b&gt;,"));
        assert!(!r.html.contains("<b>"));
        assert!(r.text.contains("Hello Ana <b>,"));
    }

    #[test]
    fn an_unknown_language_falls_back_to_english() {
        assert_eq!(all()[2].render("fr").subject, all()[2].render("en").subject);
    }
}
