//! Booking, moving and cancelling visits through the real router: the change policy, who may act
//! for whom, the emails with their calendar files (read back with an iCalendar parser), the
//! calendar download and the staff calendar.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::scheduling::{
    Appointments, BookAppointment, CancelAppointment, GetAppointment, ListAppointments,
    MarkAppointment, OpenTimes, SearchOpenTimes, StaffCalendar,
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::Response,
    Router,
};
use icalendar::{Calendar, Component};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{
    config, options, post, router_with, seed_account, signed_in, text, with_authenticator,
};

const PASSWORD: &str = "lantern meadow copper nine";
const KEY: &[u8] = b"scheduling-test-key!";
const REASON: &str = "chest pain since Tuesday";

struct Clinic {
    app: Router,
    maria: Uuid,
    maria_cookie: String,
    ben_cookie: String,
    proxy_cookie: String,
    staff_cookie: String,
}

/// A clinic open every day 8:00–17:00 Chicago time, one clinician offering follow-ups and new
/// patient visits; Maria and Ben (patients), Maria's daughter as her proxy for scheduling, and
/// a member of staff.
async fn clinic(pool: &PgPool) -> Clinic {
    let app = router_with(pool.clone(), config(&[]), options());
    sqlx::raw_sql(
        "insert into care_location (location_id, slug, name, street, city, region, postal_code, phone, time_zone)
         values ('00000000-0000-0000-0000-00000000000a', 'riverside', 'Riverside Clinic', '1 River Rd', 'Springfield', 'IL', '62701', '555-0100', 'America/Chicago');
         insert into clinician (clinician_id, slug, name, credentials) values ('00000000-0000-0000-0000-00000000000c', 'ana-ruiz', 'Ana Ruiz', 'MD');
         insert into clinician_location values ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a');
         insert into clinician_visit_type values ('00000000-0000-0000-0000-00000000000c', 'new-patient'),
                                                 ('00000000-0000-0000-0000-00000000000c', 'follow-up');
         insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, valid_from)
         select gen_random_uuid(), '00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a',
                d, '08:00', '17:00', current_date - 1
           from generate_series(1, 7) d;",
    )
    .execute(pool)
    .await
    .expect("clinic");
    let (maria, ben) = (Uuid::new_v4(), Uuid::new_v4());
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex)
         values ($1, 'Maria', 'Garcia', '1970-01-01', 'female'), ($2, 'Ben', 'Ortiz', '1980-01-01', 'male')",
    )
    .bind(maria)
    .bind(ben)
    .execute(pool)
    .await
    .expect("patients");
    let grant = |account: Uuid, patient: Uuid, relationship: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
                 values (gen_random_uuid(), $1, $2, $3, '{scheduling}', now())",
            )
            .bind(account)
            .bind(patient)
            .bind(relationship)
            .execute(&pool)
            .await
            .expect("grant");
        }
    };
    let a = seed_account(pool, "maria@example.org", &[], PASSWORD).await;
    grant(a, maria, "self").await;
    let b = seed_account(pool, "ben@example.org", &[], PASSWORD).await;
    grant(b, ben, "self").await;
    let p = seed_account(pool, "daughter@example.org", &[], PASSWORD).await;
    grant(p, maria, "proxy").await;
    let s = seed_account(pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    with_authenticator(pool, s, KEY).await;
    Clinic {
        maria_cookie: signed_in(&app, "maria@example.org", PASSWORD, None).await,
        ben_cookie: signed_in(&app, "ben@example.org", PASSWORD, None).await,
        proxy_cookie: signed_in(&app, "daughter@example.org", PASSWORD, None).await,
        staff_cookie: signed_in(&app, "staff@example.org", PASSWORD, Some(KEY)).await,
        app,
        maria,
    }
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: &str) -> Response {
    app.clone()
        .oneshot(post(path, form, Some(cookie)))
        .await
        .expect("response")
}

fn location(r: &Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn search(app: &Router, cookie: &str, form: &[(&str, &str)]) -> OpenTimes {
    let r = call(app, <SearchOpenTimes as ServerFn>::PATH, form, cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    serde_json::from_str(&text(r).await).expect("open times")
}

/// The days from `days` ahead, as a search's `from`.
fn ahead(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

struct Email {
    template: String,
    body: String,
    calendar: Option<String>,
    method: Option<String>,
}

async fn emails_to(pool: &PgPool, to: &str) -> Vec<Email> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "select template, coalesce(body_text, '') || coalesce(body_html, ''), calendar, calendar_method
           from email_outbox where to_address = $1 order by created_at",
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .expect("emails");
    rows.into_iter()
        .map(|(template, body, calendar, method)| Email {
            template,
            body,
            calendar,
            method,
        })
        .collect()
}

fn parse(ics: &str) -> Calendar {
    ics.parse::<Calendar>()
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{ics}"))
}

fn event_of(calendar: &Calendar) -> (String, u32, String) {
    let event = calendar.events().next().expect("one event");
    (
        event.get_uid().unwrap_or_default().to_string(),
        event.get_sequence().unwrap_or(99),
        event
            .property_value("STATUS")
            .unwrap_or_default()
            .to_string(),
    )
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_patient_books_moves_and_cancels_a_visit_and_each_change_is_emailed_with_its_calendar(
    pool: PgPool,
) {
    let c = clinic(&pool).await;
    let from = ahead(3);
    let times = search(&c.app, &c.maria_cookie, &[("from", &from)]).await;
    assert!(times.new_patient, "no attended visit yet");
    assert_eq!(times.query.visit_type, "new-patient");
    assert!(
        times.options.visit_types.iter().all(|v| v.new_patients),
        "new patients only see visit types open to them"
    );
    let first = times.first.clone().expect("an open time");
    assert_eq!(first.clinician, "ana-ruiz");
    assert_eq!(first.time, "8:00 AM");
    assert!(
        ["CST", "CDT"].contains(&first.zone.as_str()),
        "Chicago time"
    );

    // Book it, with a reason.
    let book = |start: String, reschedule: Option<String>, cookie: String| {
        let app = c.app.clone();
        async move {
            let mut form = vec![
                ("clinician", "ana-ruiz".to_string()),
                ("location", "riverside".to_string()),
                ("visit_type", "new-patient".to_string()),
                ("start", start),
                ("reason", REASON.to_string()),
            ];
            if let Some(r) = reschedule {
                form.push(("reschedule", r));
            }
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(&app, <BookAppointment as ServerFn>::PATH, &fields, &cookie).await
        }
    };
    let r = book(first.start.clone(), None, c.maria_cookie.clone()).await;
    let to = location(&r);
    assert!(to.ends_with("?booked=1"), "{} {to}", r.status());
    let id: Uuid = to
        .trim_start_matches("/appointments/")
        .trim_end_matches("?booked=1")
        .parse()
        .expect("id");

    // The confirmation email carries an invitation, and neither carries the reason.
    let emails = emails_to(&pool, "maria@example.org").await;
    assert_eq!(emails.len(), 1);
    let booked = &emails[0];
    assert_eq!(booked.template, "appointment_booked");
    assert_eq!(booked.method.as_deref(), Some("REQUEST"));
    let ics = booked.calendar.clone().expect("calendar");
    assert!(
        !booked.body.contains("chest") && !ics.contains("chest"),
        "no reason in email or calendar"
    );
    assert!(booked.body.contains("Ana Ruiz, MD") && booked.body.contains(" 8:00 "));
    let invite = parse(&ics);
    assert_eq!(invite.property_value("METHOD"), Some("REQUEST"));
    let (uid, sequence, status) = event_of(&invite);
    assert!(uid.contains(&id.to_string()));
    assert_eq!((sequence, status.as_str()), (0, "CONFIRMED"));

    // Ben cannot take the same time, read the visit, or download it.
    let taken = book(first.start.clone(), None, c.ben_cookie.clone()).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(text(taken).await.contains("slot_taken"));
    let r = call(
        &c.app,
        <GetAppointment as ServerFn>::PATH,
        &[("appointment_id", &id.to_string())],
        &c.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!text(r).await.contains("chest"));
    let download = |cookie: Option<String>| {
        let app = c.app.clone();
        async move {
            let mut request = Request::get(format!("/appointments/{id}/visit.ics"));
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            app.oneshot(request.body(Body::empty()).expect("request"))
                .await
                .expect("response")
        }
    };
    assert_eq!(
        download(Some(c.ben_cookie.clone())).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(download(None).await.status(), StatusCode::UNAUTHORIZED);
    let mine = download(Some(c.maria_cookie.clone())).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert!(mine.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/calendar"));
    let file = parse(&text(mine).await);
    assert_eq!(file.property_value("METHOD"), Some("PUBLISH"));
    assert_eq!(event_of(&file).0, uid);

    // Maria sees her reason; her list has the visit as upcoming.
    let r = call(
        &c.app,
        <GetAppointment as ServerFn>::PATH,
        &[("appointment_id", &id.to_string())],
        &c.maria_cookie,
    )
    .await;
    assert!(text(r).await.contains(REASON));
    let r = call(
        &c.app,
        <ListAppointments as ServerFn>::PATH,
        &[],
        &c.maria_cookie,
    )
    .await;
    let list: Appointments = serde_json::from_str(&text(r).await).expect("list");
    assert_eq!(list.upcoming.len(), 1);

    // Move it an hour later: same visit, same UID, next sequence.
    let times = search(
        &c.app,
        &c.maria_cookie,
        &[("from", &from), ("reschedule", &id.to_string())],
    )
    .await;
    assert!(times.rescheduling.is_some());
    let later = times.days[0].groups[0]
        .times
        .iter()
        .find(|t| t.time.starts_with("9:00 AM"))
        .expect("9:00 open")
        .clone();
    let r = book(
        later.start.clone(),
        Some(id.to_string()),
        c.maria_cookie.clone(),
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{id}?moved=1"));
    let emails = emails_to(&pool, "maria@example.org").await;
    let moved = emails.last().expect("moved email");
    assert_eq!(moved.template, "appointment_moved");
    let (moved_uid, sequence, _) = event_of(&parse(moved.calendar.as_deref().unwrap_or_default()));
    assert_eq!((moved_uid, sequence), (uid.clone(), 1));

    // Cancel it: a CANCEL with the same UID and the next sequence.
    let r = call(
        &c.app,
        <CancelAppointment as ServerFn>::PATH,
        &[("appointment_id", &id.to_string())],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{id}?cancelled=1"));
    let emails = emails_to(&pool, "maria@example.org").await;
    let cancelled = emails.last().expect("cancel email");
    assert_eq!(cancelled.method.as_deref(), Some("CANCEL"));
    let cancel = parse(cancelled.calendar.as_deref().unwrap_or_default());
    assert_eq!(cancel.property_value("METHOD"), Some("CANCEL"));
    assert_eq!(event_of(&cancel), (uid, 2, "CANCELLED".into()));
    // The freed time is open again.
    let times = search(&c.app, &c.ben_cookie, &[("from", &from)]).await;
    assert!(times.days[0].groups[0]
        .times
        .iter()
        .any(|t| t.start == later.start));

    let audited: Vec<String> = sqlx::query_scalar(
        "select distinct action from audit_event where object_id = $1 order by action",
    )
    .bind(id.to_string())
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        audited,
        [
            "appointment.book",
            "appointment.calendar",
            "appointment.cancel",
            "appointment.move",
            "appointment.read"
        ]
    );
}

async fn visit_in(pool: &PgPool, patient: Uuid, hours: i64) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during)
         values ($1, $2, '00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a', 'follow-up',
                 tstzrange(now() + make_interval(hours => $3::int), now() + make_interval(hours => $3::int, mins => 20)))",
    )
    .bind(id)
    .bind(patient)
    .bind(hours as i32)
    .execute(pool)
    .await
    .expect("visit");
    id
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn inside_the_cutoff_the_patient_is_told_to_call_and_staff_can_still_change_it(pool: PgPool) {
    let c = clinic(&pool).await;
    let soon = visit_in(&pool, c.maria, 5).await.to_string();
    let r = call(
        &c.app,
        <CancelAppointment as ServerFn>::PATH,
        &[("appointment_id", &soon)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("too_late"));
    let r = call(
        &c.app,
        <SearchOpenTimes as ServerFn>::PATH,
        &[("reschedule", &soon)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "no moving it either");
    // The page explains the rule and how to reach the location.
    let r = c
        .app
        .clone()
        .oneshot(
            Request::get(format!("/appointments/{soon}"))
                .header(header::COOKIE, &c.maria_cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("page");
    let html = text(r).await;
    assert!(
        html.contains("can no longer be moved or cancelled online") && html.contains("tel:5550100"),
        "{html}"
    );

    let r = call(
        &c.app,
        <CancelAppointment as ServerFn>::PATH,
        &[("appointment_id", &soon)],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{soon}?cancelled=1"));
    let status: String =
        sqlx::query_scalar("select status from appointment where appointment_id = $1::uuid")
            .bind(&soon)
            .fetch_one(&pool)
            .await
            .expect("status");
    assert_eq!(status, "cancelled");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_proxy_books_for_the_patient_and_both_hear_of_it(pool: PgPool) {
    let c = clinic(&pool).await;
    let maria = c.maria.to_string();
    let times = search(
        &c.app,
        &c.proxy_cookie,
        &[("patient_id", &maria), ("from", &ahead(2))],
    )
    .await;
    assert_eq!(times.patient_name, "Maria Garcia");
    let start = times.first.clone().expect("an open time").start;
    let r = call(
        &c.app,
        <BookAppointment as ServerFn>::PATH,
        &[
            ("patient_id", &maria),
            ("clinician", "ana-ruiz"),
            ("location", "riverside"),
            ("visit_type", "new-patient"),
            ("start", &start),
        ],
        &c.proxy_cookie,
    )
    .await;
    assert!(location(&r).ends_with("?booked=1"), "{}", r.status());
    assert_eq!(emails_to(&pool, "maria@example.org").await.len(), 1);
    assert_eq!(emails_to(&pool, "daughter@example.org").await.len(), 1);
    // Ben, who is nobody's proxy, cannot book for Maria.
    let r = call(
        &c.app,
        <SearchOpenTimes as ServerFn>::PATH,
        &[("patient_id", &maria)],
        &c.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_see_the_day_and_record_arrival_on_the_day(pool: PgPool) {
    let c = clinic(&pool).await;
    let today = visit_in(&pool, c.maria, 2).await.to_string();
    let r = call(
        &c.app,
        <StaffCalendar as ServerFn>::PATH,
        &[("clinician", "ana-ruiz"), ("view", "week")],
        &c.staff_cookie,
    )
    .await;
    let body = text(r).await;
    assert!(
        body.contains("Maria Garcia") && body.contains(&today),
        "{body}"
    );
    assert!(!body.contains("chest"));
    let back = "/staff/schedule?clinician=ana-ruiz&view=day";
    let r = call(
        &c.app,
        <MarkAppointment as ServerFn>::PATH,
        &[
            ("appointment_id", &today),
            ("status", "arrived"),
            ("back", back),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(location(&r), back);
    // Somewhere else than the schedule is not a place to send staff back to.
    let r = call(
        &c.app,
        <MarkAppointment as ServerFn>::PATH,
        &[
            ("appointment_id", &today),
            ("status", "completed"),
            ("back", "https://evil.example/"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{today}?marked=1"));
    let r = call(
        &c.app,
        <MarkAppointment as ServerFn>::PATH,
        &[("appointment_id", &today), ("status", "cancelled")],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "cancelling has its own path"
    );
    let status: String =
        sqlx::query_scalar("select status from appointment where appointment_id = $1::uuid")
            .bind(&today)
            .fetch_one(&pool)
            .await
            .expect("status");
    assert_eq!(status, "completed");
    // The completed visit is in the patient's record, once, however often it is marked. Like
    // anything dated, it reaches the patient's side at its own time (this one starts in two
    // hours); staff see it at once.
    let visits = |cookie: String| {
        let app = c.app.clone();
        let maria = c.maria.to_string();
        async move {
            let r = call(
                &app,
                <app::records::RecordsVisits as ServerFn>::PATH,
                &[("patient_id", &maria)],
                &cookie,
            )
            .await;
            serde_json::from_str::<app::records::VisitsView>(&text(r).await).expect("visits")
        }
    };
    assert!(visits(c.maria_cookie.clone()).await.visits.is_empty());
    let v = visits(c.staff_cookie.clone()).await;
    assert_eq!(v.visits.len(), 1);
    let visit = v.visits.first().expect("visit");
    assert_eq!(visit.id, today);
    assert!(visit.source.is_none() && !visit.clinicians.is_empty());
    let r = call(
        &c.app,
        <MarkAppointment as ServerFn>::PATH,
        &[("appointment_id", &today), ("status", "completed")],
        &c.staff_cookie,
    )
    .await;
    assert!(!r.status().is_client_error(), "{}", r.status());
    assert_eq!(visits(c.staff_cookie.clone()).await.visits.len(), 1);
    // The patient cannot record their own arrival.
    let r = call(
        &c.app,
        <MarkAppointment as ServerFn>::PATH,
        &[("appointment_id", &today), ("status", "arrived")],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Runs the queued waitlist jobs as the worker would.
async fn run_waitlist_jobs(pool: &PgPool) {
    let sender = app::scheduling::notify::Sender::from_config(&config(&[]));
    while let Some(job) = app::jobs::claim_next(pool).await.expect("claim") {
        app::scheduling::waitlist::run_job(pool, &sender, &job.kind, &job.payload)
            .await
            .expect("job");
        app::jobs::complete(pool, job.job_id)
            .await
            .expect("complete");
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_cancelled_time_is_offered_to_the_waitlist_and_accepting_moves_the_visit(pool: PgPool) {
    use app::scheduling::{AcceptOffer, JoinWaitlist};
    let c = clinic(&pool).await;
    let from = ahead(3);
    let book = |cookie: String, start: String| {
        let app = c.app.clone();
        async move {
            let r = call(
                &app,
                <BookAppointment as ServerFn>::PATH,
                &[
                    ("clinician", "ana-ruiz"),
                    ("location", "riverside"),
                    ("visit_type", "new-patient"),
                    ("start", &start),
                ],
                &cookie,
            )
            .await;
            location(&r)
                .trim_start_matches("/appointments/")
                .trim_end_matches("?booked=1")
                .to_string()
        }
    };
    // Ben takes the first time of the day, Maria the last, and she asks for an earlier one.
    let times = search(&c.app, &c.ben_cookie, &[("from", &from), ("to", &from)]).await;
    let all: Vec<_> = times.days[0].groups[0].times.clone();
    let bens = book(c.ben_cookie.clone(), all[0].start.clone()).await;
    let times = search(&c.app, &c.maria_cookie, &[("from", &from), ("to", &from)]).await;
    let last = times.days[0].groups[0]
        .times
        .last()
        .expect("a time")
        .clone();
    let marias = book(c.maria_cookie.clone(), last.start.clone()).await;
    let r = call(
        &c.app,
        <JoinWaitlist as ServerFn>::PATH,
        &[("appointment_id", &marias)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{marias}?waiting=1"));

    // Ben cancels: the worker offers his time to Maria, by email and in the portal.
    let r = call(
        &c.app,
        <CancelAppointment as ServerFn>::PATH,
        &[("appointment_id", &bens)],
        &c.ben_cookie,
    )
    .await;
    assert!(location(&r).ends_with("?cancelled=1"));
    run_waitlist_jobs(&pool).await;
    let offers = emails_to(&pool, "maria@example.org").await;
    assert_eq!(
        offers.last().map(|e| e.template.as_str()),
        Some("waitlist_offer")
    );
    let r = call(
        &c.app,
        <ListAppointments as ServerFn>::PATH,
        &[],
        &c.maria_cookie,
    )
    .await;
    let list: Appointments = serde_json::from_str(&text(r).await).expect("list");
    assert_eq!(list.offers.len(), 1);
    let offer = list.offers[0].offer_id.clone();

    // Only Maria (or those acting for her) can take it.
    let r = call(
        &c.app,
        <AcceptOffer as ServerFn>::PATH,
        &[("offer_id", &offer)],
        &c.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = call(
        &c.app,
        <AcceptOffer as ServerFn>::PATH,
        &[("offer_id", &offer)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(location(&r), format!("/appointments/{marias}?moved=1"));
    let start: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select lower(during) from appointment where appointment_id = $1::uuid")
            .bind(&marias)
            .fetch_one(&pool)
            .await
            .expect("start");
    assert_eq!(start.to_rfc3339(), all[0].start, "Maria has Ben's old time");
    let moved = emails_to(&pool, "maria@example.org").await;
    let last_email = moved.last().expect("email");
    assert_eq!(last_email.template, "appointment_moved");
    assert_eq!(
        event_of(&parse(last_email.calendar.as_deref().unwrap_or_default())).1,
        1
    );
    // Taking it twice does nothing.
    let r = call(
        &c.app,
        <AcceptOffer as ServerFn>::PATH,
        &[("offer_id", &offer)],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reminder_link_confirms_or_cancels_once_without_signing_in(pool: PgPool) {
    use app::scheduling::RespondToVisit;
    let c = clinic(&pool).await;
    let first = visit_in(&pool, c.maria, 20).await;
    let second = visit_in(&pool, c.maria, 22).await;
    sqlx::query("update appointment set created_at = now() - interval '10 days'")
        .execute(&pool)
        .await
        .expect("booked long ago");
    let sender = app::scheduling::notify::Sender::from_config(&config(&[]));
    let sent =
        app::scheduling::reminders::send_due(&pool, &sender, &[72, 24], (0, 0), chrono::Utc::now())
            .await
            .expect("reminders");
    assert_eq!(sent, 2);
    let reminders: Vec<String> = emails_to(&pool, "maria@example.org")
        .await
        .into_iter()
        .filter(|e| e.template == "appointment_reminder")
        .map(|e| e.body)
        .collect();
    assert_eq!(reminders.len(), 2);
    let token_of = |body: &str| {
        body.split("token=")
            .nth(1)
            .expect("a link")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    };
    let (t1, t2) = (token_of(&reminders[0]), token_of(&reminders[1]));

    // The page shows the visit to whoever holds the link, without a session and without the
    // patient's name.
    let page = c
        .app
        .clone()
        .oneshot(
            Request::get(format!("/visits/respond?token={t1}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("page");
    let html = text(page).await;
    assert!(
        html.contains("Ana Ruiz") && !html.contains("Maria"),
        "{html}"
    );

    let answer = |token: String, answer: &'static str| {
        let app = c.app.clone();
        async move {
            app.oneshot(post(
                <RespondToVisit as ServerFn>::PATH,
                &[("token", &token), ("answer", answer)],
                None,
            ))
            .await
            .expect("response")
        }
    };
    let r = answer(t1.clone(), "confirm").await;
    assert_eq!(location(&r), "/visits/respond?done=confirmed");
    let r = answer(t1, "cancel").await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "a link works once");
    let r = answer(t2, "cancel").await;
    assert_eq!(location(&r), "/visits/respond?done=cancelled");
    let states: Vec<(String, bool)> = sqlx::query_as(
        "select status, confirmed_at is not null from appointment
          where appointment_id = any($1) order by lower(during)",
    )
    .bind(vec![first, second])
    .fetch_all(&pool)
    .await
    .expect("states");
    assert_eq!(
        states,
        [
            ("booked".to_string(), true),
            ("cancelled".to_string(), false)
        ]
    );
    assert!(emails_to(&pool, "maria@example.org")
        .await
        .iter()
        .any(|e| e.template == "appointment_cancelled"));
    // A made-up token opens nothing.
    let r = answer("A".repeat(43), "confirm").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_video_visit_shows_its_room_only_shortly_before_it_starts(pool: PgPool) {
    let c = clinic(&pool).await;
    let app = router_with(
        pool.clone(),
        config(&[("VIDEO_VISIT_URL", "https://meet.example.org/rb-")]),
        options(),
    );
    let soon = Uuid::new_v4();
    let later = visit_in(&pool, c.maria, 5).await;
    sqlx::query(
        "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during)
         values ($1, $2, '00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a', 'video-visit',
                 tstzrange(now() + interval '10 minutes', now() + interval '30 minutes'));
         ",
    )
    .bind(soon)
    .bind(c.maria)
    .execute(&pool)
    .await
    .expect("video visit");
    sqlx::query("update appointment set visit_type = 'video-visit' where appointment_id = $1")
        .bind(later)
        .execute(&pool)
        .await
        .expect("video");
    let page = |id: Uuid| {
        let (app, cookie) = (app.clone(), c.maria_cookie.clone());
        async move {
            let r = app
                .oneshot(
                    Request::get(format!("/appointments/{id}"))
                        .header(header::COOKIE, cookie)
                        .body(Body::empty())
                        .expect("request"),
                )
                .await
                .expect("page");
            text(r).await
        }
    };
    let html = page(soon).await;
    assert!(
        html.contains("href=\"https://meet.example.org/rb-"),
        "{html}"
    );
    assert!(!html.contains(&soon.to_string().replace('-', "")));
    let html = page(later).await;
    assert!(!html.contains("meet.example.org") && html.contains("minutes before the visit"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_set_hours_time_off_and_holidays_and_patients_see_the_open_times_change(
    pool: PgPool,
) {
    use app::scheduling::{AddBlock, AddHoliday, AddHours, SaveVisitType};
    let c = clinic(&pool).await;
    // Start from nothing: the clinic fixture's hours go.
    sqlx::query("delete from schedule_hours")
        .execute(&pool)
        .await
        .expect("clear");
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    let weekday = chrono::Datelike::weekday(&day)
        .number_from_monday()
        .to_string();
    let day_s = day.to_string();
    let open_on = |cookie: String| {
        let (app, day_s) = (c.app.clone(), day_s.clone());
        async move {
            let times = search(&app, &cookie, &[("from", &day_s), ("to", &day_s)]).await;
            times
                .days
                .iter()
                .flat_map(|d| d.groups.iter())
                .map(|g| g.times.len())
                .sum::<usize>()
        }
    };
    assert_eq!(open_on(c.maria_cookie.clone()).await, 0);

    let hours = |starts: &'static str, ends: &'static str| {
        let (app, cookie, weekday, day_s) = (
            c.app.clone(),
            c.staff_cookie.clone(),
            weekday.clone(),
            day_s.clone(),
        );
        async move {
            call(
                &app,
                <AddHours as ServerFn>::PATH,
                &[
                    ("clinician", "ana-ruiz"),
                    ("location", "riverside"),
                    ("weekday", &weekday),
                    ("starts", starts),
                    ("ends", ends),
                    ("slot_minutes", "20"),
                    ("valid_from", &day_s),
                ],
                &cookie,
            )
            .await
        }
    };
    let r = hours("09:00", "11:00").await;
    assert!(location(&r).contains("saved=1"), "{}", r.status());
    // 9:00–11:00 holds three 40-minute new-patient visits on a 20-minute grid: 9:00 … 10:20.
    assert_eq!(open_on(c.maria_cookie.clone()).await, 5);
    let r = hours("10:00", "12:00").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("overlaps"));
    // A patient cannot change hours.
    let r = call(
        &c.app,
        <AddHours as ServerFn>::PATH,
        &[
            ("clinician", "ana-ruiz"),
            ("location", "riverside"),
            ("weekday", "1"),
            ("starts", "13:00"),
            ("ends", "14:00"),
            ("slot_minutes", "20"),
            ("valid_from", "2030-01-01"),
        ],
        &c.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Time away from 9:00 to 10:00 leaves 10:00 and 10:20.
    let r = call(
        &c.app,
        <AddBlock as ServerFn>::PATH,
        &[
            ("clinician", "ana-ruiz"),
            ("from", &format!("{day_s}T09:00")),
            ("to", &format!("{day_s}T10:00")),
            ("note", "Training"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert!(location(&r).contains("booked_inside=0"));
    assert_eq!(open_on(c.maria_cookie.clone()).await, 2);
    // A holiday closes the day.
    let r = call(
        &c.app,
        <AddHoliday as ServerFn>::PATH,
        &[
            ("clinician", "ana-ruiz"),
            ("location", "riverside"),
            ("day", &day_s),
            ("name_en", "Founders' day"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert!(location(&r).contains("saved=1"));
    assert_eq!(open_on(c.maria_cookie.clone()).await, 0);

    // Visit types are the administrators'.
    let r = call(
        &c.app,
        <SaveVisitType as ServerFn>::PATH,
        &[
            ("slug", "flu-shot"),
            ("name_en", "Flu shot"),
            ("name_es", "Vacuna contra la gripe"),
            ("minutes", "10"),
            ("mode", "in_person"),
            ("new_patients", "1"),
            ("established_patients", "1"),
        ],
        &c.staff_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
