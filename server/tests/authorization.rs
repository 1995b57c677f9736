//! The authorization matrix: every registered server function is either declared public here or
//! called as every kind of caller — anonymous, the patient, another patient, proxies with and
//! without the scope, an expired proxy, and each staff role — with who gets through asserted.
//! A new server function that is in neither list fails `every_server_function_is_public_or_in_the_matrix`.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::admin::{
    CreateStaffAccount, ListAccounts, ListOutbox, SearchAuditLog, SetAccountDisabled,
    SetAccountRoles,
};
use app::auth::{
    account::Role, ChangeEmail, ChangePassword, ConfirmTwoFactorSetup, CurrentAccount,
    EndMySession, FinishPasskeyRegistration, FinishPasskeySignIn, ListMySessions, MyPasskeys,
    NewRecoveryCodes, RemovePasskey, RequestPasswordReset, ResetPassword, SecondStep, SignIn,
    SignOut, SignUp, StartPasskeyRegistration, StartPasskeySignIn, StartTwoFactorSetup,
    StaySignedIn, TwoFactorState, VerifyEmail, VerifySecondFactor,
};
use app::directory::{
    AdminDirectory, ClinicianEditor, FindCare, GetClinician, GetLocation, LocationEditor,
    SaveClinician, SaveLocation, SetClinicianPhoto,
};
use app::household::{
    AcceptProxyInvitation, ActFor, CreateLinkInvitation, InviteProxy, LinkWithEmailedCode,
    LinkWithInvitation, MyPeople, PatientAccessLog, PatientGrants, PatientOverview,
    RequestLinkCode, RevokeAccess, ShareConfidential,
};
use app::library::{
    ApproveArticle, CompareRevisions, ConfirmReview, EditorArticles, GetEditorArticle,
    GetLibraryFront, LibraryCategories, ListArticles, PreviewMarkdown, PublishArticle, ReadArticle,
    RestoreRevision, SaveArticle, SearchLibrary, SendBack, StartTranslation, SubmitForReview,
    UnpublishArticle, UploadHeroImage,
};
use app::media::UploadImage;
use app::messaging::{
    AssignConversation, CannedRepliesAdmin, DeleteCannedReply, GetConversation, ListConversations,
    ListNotifications, NewMessageForm, SaveCannedReply, SendMessage, SetAway,
    SetConversationStatus, StaffInbox, StartConversation,
};
use app::organisation::GetOrganisation;
use app::pricing::{
    AskCoverageCorrection, EstimatePrice, EstimateVisit, GetPrice, GoodFaithEstimate,
    ImportPriceCatalogue, PatientCoverage, PriceCatalogueAdmin, PriceImportReport, PriceItemEditor,
    SaveCoverage, SavePriceCharge, SavePriceItem, SavePriceRate, SearchPrices,
};
use app::records::{AddReading, RecordsReadings, RemoveReading, RenewalForm, RequestRenewal};
use app::records::{
    CarePlan, ImportBundle, ImportPage, ImportProblems, KeepValidEntries, MarkCareTask,
    RecordsDocuments, RecordsResults, RecordsSummary, RecordsVisits, ResultTrend,
    WriteVisitSummary,
};
use app::records::{
    MarkEnteredInError, RecordEntry, ReleaseResult, ReleaseRules, RemoveRecordPart,
    SaveRecordEntry, SaveReleaseRule, SetPrimaryContact, UploadRecordDocument,
};
use app::scheduling::{
    AcceptOffer, AddBlock, AddException, AddHoliday, AddHours, BookAppointment, CancelAppointment,
    DeclineOffer, GetAppointment, GetScheduleSetup, JoinWaitlist, LeaveWaitlist, ListAppointments,
    MarkAppointment, RemoveScheduleItem, RespondToVisit, SaveVisitType, SearchOpenTimes,
    StaffCalendar, VisitLink, VisitTypesAdmin,
};
use app::sharing::{CreateShareLink, RevokeShareLink, ShareLinks};
use app::staff::{CreatePatient, FindPatients};
use axum::{http::StatusCode, Router};
use server_fn::ServerFn;
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{
    config, options, post, router_with, seed_account, signed_in, text, with_authenticator,
};

const PASSWORD: &str = "granite willow parade ember";
const KEY: &[u8] = b"matrix-authenticator";

/// Callable by anyone: they decide who the caller is, or serve public content.
fn public() -> BTreeSet<&'static str> {
    BTreeSet::from([
        <SignIn as ServerFn>::PATH,
        <SignOut as ServerFn>::PATH,
        <CurrentAccount as ServerFn>::PATH,
        <SignUp as ServerFn>::PATH,
        <VerifyEmail as ServerFn>::PATH,
        <RequestPasswordReset as ServerFn>::PATH,
        <ResetPassword as ServerFn>::PATH,
        // Needs a session that gave the right password; tested in tests/two_factor.rs.
        <VerifySecondFactor as ServerFn>::PATH,
        <SecondStep as ServerFn>::PATH,
        // The passkey is the proof; tested in tests/passkeys.rs and in the browser.
        <StartPasskeySignIn as ServerFn>::PATH,
        <FinishPasskeySignIn as ServerFn>::PATH,
        <GetOrganisation as ServerFn>::PATH,
        // The reminder link is the credential; tested in tests/scheduling.rs.
        <VisitLink as ServerFn>::PATH,
        <RespondToVisit as ServerFn>::PATH,
        // The public health library: published articles only (tested in tests/library.rs).
        <GetLibraryFront as ServerFn>::PATH,
        <LibraryCategories as ServerFn>::PATH,
        <ListArticles as ServerFn>::PATH,
        <SearchLibrary as ServerFn>::PATH,
        <ReadArticle as ServerFn>::PATH,
        // Find care: listed entries only (tested in tests/directory.rs).
        <FindCare as ServerFn>::PATH,
        <GetClinician as ServerFn>::PATH,
        <GetLocation as ServerFn>::PATH,
        // Price transparency: public prices by law (tested in tests/prices.rs).
        <SearchPrices as ServerFn>::PATH,
        <GetPrice as ServerFn>::PATH,
    ])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Patient,
    OtherPatient,
    ProxyWithScope,
    ProxyWithoutScope,
    ExpiredProxy,
    Staff,
    Editor,
    Reviewer,
    Engagement,
    /// An administrator without the staff role.
    Administrator,
}

const EVERYONE: [Who; 11] = [
    Who::Anonymous,
    Who::Patient,
    Who::OtherPatient,
    Who::ProxyWithScope,
    Who::ProxyWithoutScope,
    Who::ExpiredProxy,
    Who::Staff,
    Who::Editor,
    Who::Reviewer,
    Who::Engagement,
    Who::Administrator,
];

struct World {
    app: Router,
    patient: Uuid,
    /// A visit of the patient's, a month ahead, on the waitlist with an offer open.
    appointment: Uuid,
    offer: Uuid,
    /// The patient's conversation with the care team, in the staff member's queue.
    conversation: Uuid,
    cookies: BTreeMap<Who, String>,
}

async fn world(pool: &PgPool) -> World {
    let app = router_with(pool.clone(), config(&[]), options());
    let patient = Uuid::new_v4();
    let other = Uuid::new_v4();
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex)
         values ($1, 'Ana', 'Lopez', '1970-01-01', 'female'), ($2, 'Ben', 'Ortiz', '1980-01-01', 'male')",
    )
    .bind(patient)
    .bind(other)
    .execute(pool)
    .await
    .expect("patients");
    let appointment = Uuid::new_v4();
    sqlx::raw_sql(
        "insert into care_location (location_id, slug, name, street, city, region, postal_code, phone, time_zone)
         values ('00000000-0000-0000-0000-00000000000a', 'riverside', 'Riverside', '1 River Rd', 'Springfield', 'IL', '62701', '555-0100', 'America/Chicago');
         insert into clinician (clinician_id, slug, name) values ('00000000-0000-0000-0000-00000000000c', 'ana-ruiz', 'Ana Ruiz');",
    )
    .execute(pool)
    .await
    .expect("place");
    sqlx::query(
        "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during)
         values ($1, $2, '00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a', 'follow-up',
                 tstzrange(date_trunc('hour', now()) + interval '30 days', date_trunc('hour', now()) + interval '30 days 20 minutes'))",
    )
    .bind(appointment)
    .bind(patient)
    .execute(pool)
    .await
    .expect("appointment");
    let offer = Uuid::new_v4();
    sqlx::query(
        "with entry as (
             insert into waitlist_entry (waitlist_entry_id, appointment_id, patient_id)
             values (gen_random_uuid(), $1, $2) returning waitlist_entry_id)
         insert into waitlist_offer (waitlist_offer_id, waitlist_entry_id, clinician_id, location_id, during, expires_at)
         select $3, waitlist_entry_id, '00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000a',
                tstzrange(date_trunc('hour', now()) + interval '10 days', date_trunc('hour', now()) + interval '10 days 20 minutes'),
                now() + interval '1 hour'
           from entry",
    )
    .bind(appointment)
    .bind(patient)
    .bind(offer)
    .execute(pool)
    .await
    .expect("offer");
    let mut cookies = BTreeMap::new();
    let mut ids = BTreeMap::new();
    let accounts: [(Who, &str, &[Role]); 10] = [
        (Who::Patient, "patient@example.org", &[]),
        (Who::OtherPatient, "other@example.org", &[]),
        (Who::ProxyWithScope, "proxy-records@example.org", &[]),
        (Who::ProxyWithoutScope, "proxy-scheduling@example.org", &[]),
        (Who::ExpiredProxy, "proxy-expired@example.org", &[]),
        (Who::Staff, "staff@example.org", &[Role::Staff]),
        (Who::Editor, "editor@example.org", &[Role::Editor]),
        (
            Who::Reviewer,
            "reviewer@example.org",
            &[Role::MedicalReviewer],
        ),
        (
            Who::Engagement,
            "engagement@example.org",
            &[Role::EngagementManager],
        ),
        (
            Who::Administrator,
            "admin@example.org",
            &[Role::Administrator],
        ),
    ];
    for (who, email, roles) in accounts {
        let id = seed_account(pool, email, roles, PASSWORD).await;
        ids.insert(who, id);
        let grant = |relationship: &str, target: Uuid, scopes: &[&str], expired: bool| {
            let pool = pool.clone();
            let relationship = relationship.to_string();
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            async move {
                sqlx::query(
                    "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at, expires_at)
                     values (gen_random_uuid(), $1, $2, $3, $4, now(),
                             case when $5 then now() - interval '1 day' end)",
                )
                .bind(id)
                .bind(target)
                .bind(relationship)
                .bind(scopes)
                .bind(expired)
                .execute(&pool)
                .await
                .expect("grant");
            }
        };
        match who {
            Who::Patient => grant("self", patient, &[], false).await,
            Who::OtherPatient => grant("self", other, &[], false).await,
            Who::ProxyWithScope => grant("proxy", patient, &["records", "billing"], false).await,
            Who::ProxyWithoutScope => grant("proxy", patient, &["scheduling"], false).await,
            Who::ExpiredProxy => grant("proxy", patient, &["records"], true).await,
            _ => {}
        }
        let key = (!roles.is_empty()).then_some(KEY);
        if key.is_some() {
            with_authenticator(pool, id, KEY).await;
        }
        cookies.insert(who, signed_in(&app, email, PASSWORD, key).await);
    }
    // A queue the staff member answers, whose navigator they are, and a conversation in it.
    let conversation = Uuid::new_v4();
    let staff = ids.get(&Who::Staff).copied().expect("staff");
    let patient_account = ids.get(&Who::Patient).copied().expect("patient");
    sqlx::query(
        "insert into message_queue (queue_id, slug, name_en, name_es)
         values ('00000000-0000-0000-0000-0000000000a1', 'care-team', 'Care team', 'Equipo')",
    )
    .execute(pool)
    .await
    .expect("queue");
    sqlx::query(
        "insert into message_queue_member values ('00000000-0000-0000-0000-0000000000a1', $1)",
    )
    .bind(staff)
    .execute(pool)
    .await
    .expect("member");
    sqlx::query(
        "insert into care_navigator (account_id, display_name, queue_id)
         values ($1, 'Nora Navarro', '00000000-0000-0000-0000-0000000000a1')",
    )
    .bind(staff)
    .execute(pool)
    .await
    .expect("navigator");
    sqlx::query(
        "insert into conversation (conversation_id, patient_id, topic, subject, queue_id, started_by)
         values ($1, $2, 'other', 'Matrix question', '00000000-0000-0000-0000-0000000000a1', $3)",
    )
    .bind(conversation)
    .bind(patient)
    .bind(patient_account)
    .execute(pool)
    .await
    .expect("conversation");
    World {
        app,
        patient,
        appointment,
        offer,
        conversation,
        cookies,
    }
}

/// Who a server function lets through.
#[derive(Clone, Copy)]
enum Rule {
    /// Anyone signed in, about themself.
    SignedIn,
    /// Reads or changes the patient's record: the patient, a proxy with the scope, staff.
    Records,
    /// Sets up clinicians' hours and time off: staff and administrators.
    Schedules,
    /// Books and manages the patient's visits: the patient, a proxy with the scheduling scope
    /// (`ProxyWithoutScope` holds scheduling, not records), staff.
    Scheduling,
    /// Manages who can see the record: the patient (or a parent) and staff, not proxies.
    ManagesAccess,
    /// Chooses whom to act for: the patient and live proxies with any scope.
    Reaches,
    StaffOnly,
    AdministratorOnly,
    /// The patient themself, nobody acting for them.
    PatientOnly,
    EditorOnly,
    ReviewerOnly,
    /// Editors and medical reviewers.
    Library,
    /// Editors (article images) and administrators (clinician photos).
    UploadsImages,
    /// Shares part of the record by link, or enters home readings: the patient and a proxy with
    /// the records scope; never staff (these are the patient's own choices and words).
    SharesRecords,
    /// Writes to and reads from the care team for the patient: the patient, a proxy with the
    /// messages scope (neither world proxy has it), and staff of the conversation's queue.
    Messages,
    /// Coverage and estimates: the patient, a proxy with the billing scope (`ProxyWithScope`
    /// holds records and billing), staff.
    Billing,
    /// The patient's side of billing (asking for a correction): the patient and a proxy with
    /// the billing scope; never staff.
    BillingPatientSide,
}

fn allowed(rule: Rule, who: Who) -> bool {
    use Who::*;
    match rule {
        Rule::SignedIn => who != Anonymous,
        Rule::Records => matches!(who, Patient | ProxyWithScope | Staff),
        Rule::Scheduling => matches!(who, Patient | ProxyWithoutScope | Staff),
        Rule::Schedules => matches!(who, Staff | Administrator),
        Rule::ManagesAccess => matches!(who, Patient | Staff),
        Rule::Reaches => matches!(who, Patient | ProxyWithScope | ProxyWithoutScope),
        Rule::StaffOnly => who == Staff,
        Rule::AdministratorOnly => who == Administrator,
        Rule::PatientOnly => who == Patient,
        Rule::EditorOnly => who == Editor,
        Rule::ReviewerOnly => who == Reviewer,
        Rule::Library => matches!(who, Editor | Reviewer),
        Rule::UploadsImages => matches!(who, Editor | Administrator),
        Rule::Messages => matches!(who, Patient | Staff),
        Rule::SharesRecords => matches!(who, Patient | ProxyWithScope),
        Rule::Billing => matches!(who, Patient | ProxyWithScope | Staff),
        Rule::BillingPatientSide => matches!(who, Patient | ProxyWithScope),
    }
}

/// A protected server function's path, the form it is called with, and its rule.
type Entry = (&'static str, Vec<(&'static str, String)>, Rule);

/// Every protected server function.
fn matrix(patient: &str, appointment: &str, offer: &str, conversation: &str) -> Vec<Entry> {
    let p = || ("patient_id", patient.to_string());
    let c = || ("conversation_id", conversation.to_string());
    let a = || ("appointment_id", appointment.to_string());
    let o = || ("offer_id", offer.to_string());
    let article = || ("article_id", Uuid::new_v4().to_string());
    vec![
        (<RecordsSummary as ServerFn>::PATH, vec![p()], Rule::Records),
        (<RecordsResults as ServerFn>::PATH, vec![p()], Rule::Records),
        // Allowed callers get past the check to "no such value" (404).
        (
            <ResultTrend as ServerFn>::PATH,
            vec![p(), ("item", Uuid::new_v4().to_string())],
            Rule::Records,
        ),
        (<ImportPage as ServerFn>::PATH, vec![p()], Rule::Records),
        (<RecordsVisits as ServerFn>::PATH, vec![p()], Rule::Records),
        (<CarePlan as ServerFn>::PATH, vec![p()], Rule::Records),
        (
            <RecordsDocuments as ServerFn>::PATH,
            vec![p()],
            Rule::Records,
        ),
        // Staff get past the check to "no such visit" (404).
        (
            <WriteVisitSummary as ServerFn>::PATH,
            vec![
                p(),
                ("visit_id", Uuid::new_v4().to_string()),
                ("text", "Rest and fluids.".into()),
            ],
            Rule::StaffOnly,
        ),
        // Allowed callers get past the check to "no such plan" (404).
        (
            <MarkCareTask as ServerFn>::PATH,
            vec![
                p(),
                ("plan_id", Uuid::new_v4().to_string()),
                ("task", "0".into()),
                ("done", "true".into()),
            ],
            Rule::Records,
        ),
        (
            <ShareLinks as ServerFn>::PATH,
            vec![p()],
            Rule::SharesRecords,
        ),
        // The patient's own readings: the same people as sharing.
        (
            <RecordsReadings as ServerFn>::PATH,
            vec![p()],
            Rule::SharesRecords,
        ),
        // Allowed callers are refused the missing number (422) after the check.
        (
            <AddReading as ServerFn>::PATH,
            vec![
                p(),
                ("kind", "weight".into()),
                ("first", "".into()),
                ("date", "2026-01-01".into()),
            ],
            Rule::SharesRecords,
        ),
        // A renewal request is a message about the record: records and messages scopes on the
        // patient's side (this matrix's proxies lack messages; staff never ask themselves).
        // Allowed callers get past the check to "no such medication" (404).
        (
            <RenewalForm as ServerFn>::PATH,
            vec![p(), ("medication", Uuid::new_v4().to_string())],
            Rule::PatientOnly,
        ),
        (
            <RequestRenewal as ServerFn>::PATH,
            vec![p(), ("medication", Uuid::new_v4().to_string())],
            Rule::PatientOnly,
        ),
        // Staff get the new-entry form (200); everyone else is refused before anything is read.
        (
            <RecordEntry as ServerFn>::PATH,
            vec![p(), ("kind", "condition".into())],
            Rule::StaffOnly,
        ),
        // Staff get past the check to the empty name (422); nothing is stored.
        (
            <SaveRecordEntry as ServerFn>::PATH,
            vec![
                p(),
                ("kind", "condition".into()),
                ("name", "".into()),
                ("date", "2024-01-01".into()),
                ("status", "active".into()),
            ],
            Rule::StaffOnly,
        ),
        // Staff get past the check to "no such item" (404).
        (
            <MarkEnteredInError as ServerFn>::PATH,
            vec![
                p(),
                ("kind", "condition".into()),
                ("item", Uuid::new_v4().to_string()),
                ("reason", "Wrong patient".into()),
            ],
            Rule::StaffOnly,
        ),
        (
            <ReleaseResult as ServerFn>::PATH,
            vec![p(), ("item", Uuid::new_v4().to_string())],
            Rule::StaffOnly,
        ),
        (
            <ReleaseRules as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        // Administrators get past the check to a refused delay (422); nothing changes.
        (
            <SaveReleaseRule as ServerFn>::PATH,
            vec![("category", "imaging".into()), ("delay_hours", "-1".into())],
            Rule::AdministratorOnly,
        ),
        // Staff get past the check to "no such plan" (404) and "not a navigator" (422).
        (
            <RemoveRecordPart as ServerFn>::PATH,
            vec![
                p(),
                ("kind", "plan".into()),
                ("item", Uuid::new_v4().to_string()),
                ("index", "0".into()),
            ],
            Rule::StaffOnly,
        ),
        (
            <SetPrimaryContact as ServerFn>::PATH,
            vec![p(), ("navigator", Uuid::new_v4().to_string())],
            Rule::StaffOnly,
        ),
        // Staff get past the check to "no file" (422); nothing is stored.
        (
            <UploadRecordDocument as ServerFn>::PATH,
            vec![p()],
            Rule::StaffOnly,
        ),
        // Allowed callers get past the check to "no such reading" (404).
        (
            <RemoveReading as ServerFn>::PATH,
            vec![p(), ("reading_id", Uuid::new_v4().to_string())],
            Rule::SharesRecords,
        ),
        // Allowed callers are refused the empty name (422) after the check; nothing is stored.
        (
            <CreateShareLink as ServerFn>::PATH,
            vec![
                p(),
                ("label", "".into()),
                ("days", "7".into()),
                ("conditions", "on".into()),
            ],
            Rule::SharesRecords,
        ),
        // Allowed callers get past the check to "no such link" (404).
        (
            <RevokeShareLink as ServerFn>::PATH,
            vec![p(), ("link_id", Uuid::new_v4().to_string())],
            Rule::SharesRecords,
        ),
        // Allowed callers get past the check to "no file" (422), stored as their own pending
        // import; nothing reaches the record.
        (<ImportBundle as ServerFn>::PATH, vec![p()], Rule::Records),
        // Only the account that posted a pending import may see or keep it: anyone signed in
        // gets past sign-in to "not found" for another's (tests/records.rs).
        (
            <ImportProblems as ServerFn>::PATH,
            vec![("pending_id", Uuid::new_v4().to_string())],
            Rule::SignedIn,
        ),
        (
            <KeepValidEntries as ServerFn>::PATH,
            vec![("pending_id", Uuid::new_v4().to_string())],
            Rule::SignedIn,
        ),
        (
            <ListConversations as ServerFn>::PATH,
            vec![p()],
            Rule::Messages,
        ),
        (
            <NewMessageForm as ServerFn>::PATH,
            vec![p()],
            Rule::Messages,
        ),
        // Allowed callers are refused the missing subject (422) after the access check.
        (
            <StartConversation as ServerFn>::PATH,
            vec![
                p(),
                ("topic", "other".into()),
                ("subject", "".into()),
                ("body", "Hello".into()),
            ],
            Rule::Messages,
        ),
        (
            <GetConversation as ServerFn>::PATH,
            vec![c()],
            Rule::Messages,
        ),
        (
            <SendMessage as ServerFn>::PATH,
            vec![c(), ("body", "Matrix message".into())],
            Rule::Messages,
        ),
        (<StaffInbox as ServerFn>::PATH, vec![], Rule::StaffOnly),
        (
            <SetConversationStatus as ServerFn>::PATH,
            vec![c(), ("status", "in_progress".into())],
            Rule::StaffOnly,
        ),
        (
            <AssignConversation as ServerFn>::PATH,
            vec![c(), ("assignee", "me".into())],
            Rule::StaffOnly,
        ),
        (
            <SetAway as ServerFn>::PATH,
            vec![("away", "false".into())],
            Rule::StaffOnly,
        ),
        (
            <ListNotifications as ServerFn>::PATH,
            vec![],
            Rule::SignedIn,
        ),
        (
            <SearchOpenTimes as ServerFn>::PATH,
            vec![p()],
            Rule::Scheduling,
        ),
        (
            <ListAppointments as ServerFn>::PATH,
            vec![p()],
            Rule::Scheduling,
        ),
        // Allowed callers get past the check to a refusal of the unknown clinician (422).
        (
            <BookAppointment as ServerFn>::PATH,
            vec![
                p(),
                ("clinician", "nobody".into()),
                ("location", "nowhere".into()),
                ("visit_type", "follow-up".into()),
                ("start", "2030-01-07T15:00:00Z".into()),
            ],
            Rule::Scheduling,
        ),
        (
            <GetAppointment as ServerFn>::PATH,
            vec![a()],
            Rule::Scheduling,
        ),
        // The first allowed caller finds it already waiting (409), as does everyone after.
        (
            <JoinWaitlist as ServerFn>::PATH,
            vec![a()],
            Rule::Scheduling,
        ),
        (
            <LeaveWaitlist as ServerFn>::PATH,
            vec![a()],
            Rule::Scheduling,
        ),
        // Leaving withdrew the world's offer, so allowed callers hear it is gone (409).
        (<AcceptOffer as ServerFn>::PATH, vec![o()], Rule::Scheduling),
        (
            <DeclineOffer as ServerFn>::PATH,
            vec![o()],
            Rule::Scheduling,
        ),
        // The first allowed caller cancels it; the next are told it is already cancelled (409).
        (
            <CancelAppointment as ServerFn>::PATH,
            vec![a()],
            Rule::Scheduling,
        ),
        // A month ahead: staff are told it is too early to record (409), others are refused.
        (
            <MarkAppointment as ServerFn>::PATH,
            vec![a(), ("status", "arrived".into())],
            Rule::StaffOnly,
        ),
        (<StaffCalendar as ServerFn>::PATH, vec![], Rule::StaffOnly),
        (
            <GetScheduleSetup as ServerFn>::PATH,
            vec![],
            Rule::Schedules,
        ),
        // The world's clinician works nowhere, so allowed callers are told the location is
        // unknown (422); removing an unknown item is 404.
        (
            <AddHours as ServerFn>::PATH,
            vec![
                ("clinician", "ana-ruiz".into()),
                ("location", "riverside".into()),
                ("weekday", "1".into()),
                ("starts", "09:00".into()),
                ("ends", "12:00".into()),
                ("slot_minutes", "20".into()),
                ("valid_from", "2030-01-01".into()),
            ],
            Rule::Schedules,
        ),
        (
            <AddException as ServerFn>::PATH,
            vec![
                ("clinician", "ana-ruiz".into()),
                ("location", "riverside".into()),
                ("day", "2030-01-01".into()),
            ],
            Rule::Schedules,
        ),
        (
            <AddBlock as ServerFn>::PATH,
            vec![
                ("clinician", "ana-ruiz".into()),
                ("from", "2030-01-01T09:00".into()),
                ("to", "2030-01-01T08:00".into()),
            ],
            Rule::Schedules,
        ),
        (
            <AddHoliday as ServerFn>::PATH,
            vec![
                ("clinician", "ana-ruiz".into()),
                ("location", "riverside".into()),
                ("day", "2030-01-01".into()),
                ("name_en", "New Year".into()),
            ],
            Rule::Schedules,
        ),
        (
            <RemoveScheduleItem as ServerFn>::PATH,
            vec![
                ("clinician", "ana-ruiz".into()),
                ("kind", "hours".into()),
                ("id", Uuid::new_v4().to_string()),
            ],
            Rule::Schedules,
        ),
        (
            <VisitTypesAdmin as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        (
            <SaveVisitType as ServerFn>::PATH,
            vec![
                ("slug", "Not A Slug".into()),
                ("name_en", "X".into()),
                ("name_es", "X".into()),
                ("minutes", "10".into()),
                ("mode", "in_person".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <CannedRepliesAdmin as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        // Allowed callers are refused the unknown placeholder (422) after the role check.
        (
            <SaveCannedReply as ServerFn>::PATH,
            vec![
                ("title", "Matrix reply".into()),
                ("body_en", "Hi {firstname}".into()),
                ("body_es", "Hola".into()),
            ],
            Rule::AdministratorOnly,
        ),
        // Allowed callers are told it does not exist (404) after the role check.
        (
            <DeleteCannedReply as ServerFn>::PATH,
            vec![("canned_reply_id", Uuid::new_v4().to_string())],
            Rule::AdministratorOnly,
        ),
        (<EditorArticles as ServerFn>::PATH, vec![], Rule::Library),
        (
            <GetEditorArticle as ServerFn>::PATH,
            vec![article()],
            Rule::Library,
        ),
        (
            <PreviewMarkdown as ServerFn>::PATH,
            vec![("body", "## Preview".into())],
            Rule::Library,
        ),
        (
            <CompareRevisions as ServerFn>::PATH,
            vec![article(), ("from", "1".into()), ("to", "2".into())],
            Rule::Library,
        ),
        (
            <SaveArticle as ServerFn>::PATH,
            vec![
                ("title", "Matrix article".into()),
                ("summary", "A summary.".into()),
                ("body", "Some text.".into()),
            ],
            Rule::EditorOnly,
        ),
        (
            <SubmitForReview as ServerFn>::PATH,
            vec![article()],
            Rule::EditorOnly,
        ),
        (
            <PublishArticle as ServerFn>::PATH,
            vec![article()],
            Rule::EditorOnly,
        ),
        (
            <UnpublishArticle as ServerFn>::PATH,
            vec![article()],
            Rule::EditorOnly,
        ),
        (
            <RestoreRevision as ServerFn>::PATH,
            vec![article(), ("number", "1".into()), ("version", "1".into())],
            Rule::EditorOnly,
        ),
        (
            <StartTranslation as ServerFn>::PATH,
            vec![article()],
            Rule::EditorOnly,
        ),
        (
            <ApproveArticle as ServerFn>::PATH,
            vec![article(), ("revision", "1".into())],
            Rule::ReviewerOnly,
        ),
        // Sent as an ordinary form here: the role is checked before the body is read, so who
        // is refused does not depend on it (tests/media.rs sends real multipart uploads).
        (
            <UploadImage as ServerFn>::PATH,
            vec![("return_to", "/editor".into())],
            Rule::UploadsImages,
        ),
        (
            <UploadHeroImage as ServerFn>::PATH,
            vec![article(), ("title", "Matrix article".into())],
            Rule::EditorOnly,
        ),
        (
            <SendBack as ServerFn>::PATH,
            vec![article(), ("note", "Please cite a source.".into())],
            Rule::ReviewerOnly,
        ),
        (
            <ConfirmReview as ServerFn>::PATH,
            vec![article()],
            Rule::ReviewerOnly,
        ),
        (
            <PatientOverview as ServerFn>::PATH,
            vec![p()],
            Rule::Records,
        ),
        (
            <PatientAccessLog as ServerFn>::PATH,
            vec![p()],
            Rule::ManagesAccess,
        ),
        (
            <PatientGrants as ServerFn>::PATH,
            vec![p()],
            Rule::ManagesAccess,
        ),
        (
            <InviteProxy as ServerFn>::PATH,
            vec![
                p(),
                ("email", "helper@example.org".into()),
                ("billing", "on".into()),
            ],
            Rule::ManagesAccess,
        ),
        (
            <RevokeAccess as ServerFn>::PATH,
            vec![p(), ("access_id", Uuid::new_v4().to_string())],
            Rule::ManagesAccess,
        ),
        (<ActFor as ServerFn>::PATH, vec![p()], Rule::Reaches),
        (
            <ShareConfidential as ServerFn>::PATH,
            vec![
                p(),
                ("access_id", Uuid::new_v4().to_string()),
                ("share", "true".into()),
            ],
            Rule::PatientOnly,
        ),
        (
            <CreateLinkInvitation as ServerFn>::PATH,
            vec![p()],
            Rule::StaffOnly,
        ),
        (
            <FindPatients as ServerFn>::PATH,
            vec![("name", "Ana".into())],
            Rule::StaffOnly,
        ),
        (
            <CreatePatient as ServerFn>::PATH,
            vec![
                ("given_name", "Matrix".into()),
                ("family_name", "Person".into()),
                ("birth_date", "1970-01-01".into()),
                ("sex", "unknown".into()),
                ("preferred_language", "en".into()),
            ],
            Rule::StaffOnly,
        ),
        (
            <ListOutbox as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        (
            <AdminDirectory as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        (
            <LocationEditor as ServerFn>::PATH,
            vec![("location_id", "new".into())],
            Rule::AdministratorOnly,
        ),
        (
            <ClinicianEditor as ServerFn>::PATH,
            vec![("clinician_id", "new".into())],
            Rule::AdministratorOnly,
        ),
        (
            <SaveLocation as ServerFn>::PATH,
            vec![
                ("name", "Matrix Clinic".into()),
                ("street", "1 Matrix Way".into()),
                ("city", "Riverbend".into()),
                ("region", "IL".into()),
                ("postal_code", "61201".into()),
                ("phone", "555-010-9999".into()),
                ("time_zone", "America/Chicago".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SaveClinician as ServerFn>::PATH,
            vec![
                ("name", "Matrix Clinician".into()),
                ("specialties%5B%5D", "cardiology".into()),
                ("languages%5B%5D", "en".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SetClinicianPhoto as ServerFn>::PATH,
            vec![("clinician_id", Uuid::new_v4().to_string())],
            Rule::AdministratorOnly,
        ),
        (
            <ListAccounts as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        // An administrator's form without a file is refused (422) after the role check.
        (
            <ImportPriceCatalogue as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        // Administrators get past the check to "no such item" (404).
        (
            <PriceItemEditor as ServerFn>::PATH,
            vec![("item_id", Uuid::new_v4().to_string())],
            Rule::AdministratorOnly,
        ),
        (
            <SavePriceItem as ServerFn>::PATH,
            vec![
                ("item_id", Uuid::new_v4().to_string()),
                ("name_en", "Matrix".into()),
                ("name_es", "Matriz".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SavePriceCharge as ServerFn>::PATH,
            vec![
                ("item_id", Uuid::new_v4().to_string()),
                ("charge_id", Uuid::new_v4().to_string()),
                ("gross", "100".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SavePriceRate as ServerFn>::PATH,
            vec![
                ("item_id", Uuid::new_v4().to_string()),
                ("rate_id", Uuid::new_v4().to_string()),
                ("dollar", "100".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <PatientCoverage as ServerFn>::PATH,
            vec![p()],
            Rule::Billing,
        ),
        // Staff get past the check to "no such plan" (422); nothing is stored.
        (
            <SaveCoverage as ServerFn>::PATH,
            vec![p(), ("plan", Uuid::new_v4().to_string())],
            Rule::StaffOnly,
        ),
        // Allowed callers are refused the empty note (422) after the check.
        (
            <AskCoverageCorrection as ServerFn>::PATH,
            vec![p(), ("note", "".into())],
            Rule::BillingPatientSide,
        ),
        // Allowed callers get past the check to "no such item" (404).
        (
            <EstimatePrice as ServerFn>::PATH,
            vec![p(), ("item_id", Uuid::new_v4().to_string())],
            Rule::Billing,
        ),
        (
            <EstimateVisit as ServerFn>::PATH,
            vec![p(), ("visit_type", "follow-up".into())],
            Rule::Billing,
        ),
        (
            <GoodFaithEstimate as ServerFn>::PATH,
            vec![p(), ("item_id", Uuid::new_v4().to_string())],
            Rule::Billing,
        ),
        (
            <PriceCatalogueAdmin as ServerFn>::PATH,
            vec![],
            Rule::AdministratorOnly,
        ),
        (
            <PriceImportReport as ServerFn>::PATH,
            vec![("import_id", Uuid::new_v4().to_string())],
            Rule::AdministratorOnly,
        ),
        (
            <SearchAuditLog as ServerFn>::PATH,
            vec![("patient", "Ana".into())],
            Rule::AdministratorOnly,
        ),
        (
            <CreateStaffAccount as ServerFn>::PATH,
            vec![
                ("email", "new.staff@example.org".into()),
                ("name", "New Staff".into()),
                ("editor", "on".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SetAccountRoles as ServerFn>::PATH,
            vec![
                ("account_id", Uuid::new_v4().to_string()),
                ("staff", "on".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (
            <SetAccountDisabled as ServerFn>::PATH,
            vec![
                ("account_id", Uuid::new_v4().to_string()),
                ("disabled", "true".into()),
            ],
            Rule::AdministratorOnly,
        ),
        (<MyPeople as ServerFn>::PATH, vec![], Rule::SignedIn),
        (<ListMySessions as ServerFn>::PATH, vec![], Rule::SignedIn),
        (
            <EndMySession as ServerFn>::PATH,
            vec![("session_id", Uuid::new_v4().to_string())],
            Rule::SignedIn,
        ),
        (
            <ChangePassword as ServerFn>::PATH,
            vec![
                ("current_password", "not the password".into()),
                ("new_password", "a perfectly fine new passphrase".into()),
            ],
            Rule::SignedIn,
        ),
        (<TwoFactorState as ServerFn>::PATH, vec![], Rule::SignedIn),
        (
            <ChangeEmail as ServerFn>::PATH,
            vec![
                ("new_email", "somewhere.new@example.org".into()),
                ("current_password", "not the password".into()),
            ],
            Rule::SignedIn,
        ),
        (
            <StartTwoFactorSetup as ServerFn>::PATH,
            vec![],
            Rule::SignedIn,
        ),
        (
            <ConfirmTwoFactorSetup as ServerFn>::PATH,
            vec![("code", "000000".into())],
            Rule::SignedIn,
        ),
        (<NewRecoveryCodes as ServerFn>::PATH, vec![], Rule::SignedIn),
        (<MyPasskeys as ServerFn>::PATH, vec![], Rule::SignedIn),
        (<StaySignedIn as ServerFn>::PATH, vec![], Rule::SignedIn),
        (
            <StartPasskeyRegistration as ServerFn>::PATH,
            vec![],
            Rule::SignedIn,
        ),
        (
            <FinishPasskeyRegistration as ServerFn>::PATH,
            vec![
                ("ceremony", Uuid::new_v4().to_string()),
                ("name", "Phone".into()),
                ("credential", "{}".into()),
            ],
            Rule::SignedIn,
        ),
        (
            <RemovePasskey as ServerFn>::PATH,
            vec![("passkey_id", Uuid::new_v4().to_string())],
            Rule::SignedIn,
        ),
        (
            <AcceptProxyInvitation as ServerFn>::PATH,
            vec![("token", "not-a-token".into())],
            Rule::SignedIn,
        ),
        (
            <LinkWithInvitation as ServerFn>::PATH,
            vec![("code", "NOPE-NOPE".into())],
            Rule::SignedIn,
        ),
        (
            <LinkWithEmailedCode as ServerFn>::PATH,
            vec![("code", "NOPE-NOPE".into())],
            Rule::SignedIn,
        ),
        (
            <RequestLinkCode as ServerFn>::PATH,
            vec![
                ("family_name", "Nobody".into()),
                ("birth_date", "1950-01-01".into()),
            ],
            Rule::SignedIn,
        ),
    ]
}

#[test]
fn every_server_function_is_public_or_in_the_matrix() {
    let covered: BTreeSet<&str> = matrix(
        &Uuid::nil().to_string(),
        &Uuid::nil().to_string(),
        &Uuid::nil().to_string(),
        &Uuid::nil().to_string(),
    )
    .into_iter()
    .map(|(path, _, _)| path)
    .chain(public())
    .collect();
    let registered: BTreeSet<&str> = server_fn::axum::server_fn_paths().map(|(p, _)| p).collect();
    let missing: Vec<&&str> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "server functions neither public nor in the authorization matrix: {missing:?}"
    );
    let stale: Vec<&&str> = covered.difference(&registered).collect();
    assert!(stale.is_empty(), "listed but not registered: {stale:?}");
    assert!(registered.len() >= 29, "{} registered", registered.len());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn each_protected_server_function_lets_through_exactly_whom_it_should(pool: PgPool) {
    let w = world(&pool).await;
    let patient = w.patient.to_string();
    let mut wrong = Vec::new();
    for (path, form, rule) in matrix(
        &patient,
        &w.appointment.to_string(),
        &w.offer.to_string(),
        &w.conversation.to_string(),
    ) {
        for who in EVERYONE {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = w
                .app
                .clone()
                .oneshot(post(path, &fields, w.cookies.get(&who).map(String::as_str)))
                .await
                .expect("response");
            let status = response.status();
            let body = text(response).await;
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            let expected = allowed(rule, who);
            if refused == expected {
                wrong.push(format!("{path} as {who:?}: {status} {body}"));
            }
            if who == Who::Anonymous && status != StatusCode::UNAUTHORIZED {
                wrong.push(format!("{path} as anonymous: {status}, not 401"));
            }
            if refused && (body.contains("Ana") || body.contains("1970-01-01")) {
                wrong.push(format!("{path} as {who:?}: a refusal carried patient data"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn each_read_of_a_record_writes_exactly_one_audit_row_and_refusals_are_audited(pool: PgPool) {
    let w = world(&pool).await;
    let count = |action: &'static str, outcome: &'static str| {
        let pool = pool.clone();
        let patient = w.patient;
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from audit_event where action = $1 and outcome = $2 and patient_id = $3",
            )
            .bind(action)
            .bind(outcome)
            .bind(patient)
            .fetch_one(&pool)
            .await
            .expect("count")
        }
    };
    let read = |who: Who| {
        w.app.clone().oneshot(post(
            <PatientOverview as ServerFn>::PATH,
            &[("patient_id", &w.patient.to_string())],
            w.cookies.get(&who).map(String::as_str),
        ))
    };
    for n in 1..=3 {
        let r = read(Who::Patient).await.expect("response");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(count("patient.read", "success").await, n);
    }
    let by_proxy = read(Who::ProxyWithScope).await.expect("response");
    assert_eq!(by_proxy.status(), StatusCode::OK);
    let acting_for: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'patient.read' and acting_for_patient_id = $1",
    )
    .bind(w.patient)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(acting_for, 1, "a proxy's read says whom they acted for");
    let refused = read(Who::OtherPatient).await.expect("response");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(count("access.check", "denied").await, 1);
    assert_eq!(count("patient.read", "success").await, 4);

    // The patient sees these reads in their access log, themself as "you".
    let log = w
        .app
        .clone()
        .oneshot(post(
            <PatientAccessLog as ServerFn>::PATH,
            &[("patient_id", &w.patient.to_string())],
            w.cookies.get(&Who::Patient).map(String::as_str),
        ))
        .await
        .expect("response");
    let lines: Vec<app::household::AccessLogView> =
        serde_json::from_str(&text(log).await).expect("json");
    assert_eq!(
        lines.iter().filter(|l| l.action == "patient.read").count(),
        4
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.action == "patient.read" && l.you)
            .count(),
        3
    );
    assert!(
        lines.iter().all(|l| l.action != "access.check"),
        "refusals are not reads"
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_probe_for_a_patient_that_does_not_exist_looks_like_any_refusal(pool: PgPool) {
    let w = world(&pool).await;
    for id in [Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let r = w
            .app
            .clone()
            .oneshot(post(
                <PatientOverview as ServerFn>::PATH,
                &[("patient_id", &id)],
                w.cookies.get(&Who::Patient).map(String::as_str),
            ))
            .await
            .expect("response");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{id}");
    }
}
