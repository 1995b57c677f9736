//! The HTML shell and the single route table.

use crate::admin::{AdminAccountsPage, AdminAuditPage, AdminEmailsPage};
use crate::auth::{
    AccountPage, CheckEmailPage, ForgotPasswordPage, PasskeysPage, ResetPasswordPage,
    SecondFactorPage, SignInPage, SignUpPage, TwoFactorPage, VerifyEmailPage,
};
use crate::directory::{
    AdminClinicianPage, AdminDirectoryPage, AdminLocationPage, ClinicianPage, FindCarePage,
    LocationPage,
};
use crate::home::HomePage;
use crate::household::{AcceptInvitationPage, AccessLogPage, LinkPage, MePage, PeoplePage};
use crate::library::{
    ArticlePage, EditorArticlePage, EditorComparePage, EditorPage, LibraryPage, SearchPage,
    TagPage, TopicPage,
};
use crate::messaging::{
    CannedRepliesPage, ConversationPage, MessagesPage, NewMessagePage, NotificationsPage,
    StaffConversationPage, StaffInboxPage,
};
use crate::pricing::{
    AdminPriceItemPage, AdminPricesPage, CoveragePage, GoodFaithPage, PricePage, PricesPage,
};
use crate::records::{
    CarePlanPage, DocumentsPage, EntryPage, ImportRecordsPage, ReadingsPage, RecordsPage,
    RenewalPage, ResultsPage, TrendPage, VisitsPage,
};
use crate::scheduling::{
    AppointmentPage, AppointmentsPage, BookPage, ConfirmBookingPage, RespondPage,
    ScheduleSetupPage, StaffSchedulePage, VisitTypesPage,
};
use crate::sharing::{SharePage, ShareViewerPage};
use crate::shell::{
    provide_organisation, provide_signed_in, HydrationMarker, NotFoundPage, SiteFooter, SiteHeader,
    SkipLink,
};
use crate::staff::{StaffPatientPage, StaffPatientsPage};
use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The document around every page, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::{HashedStylesheet, MetaTags};
    let locale = crate::locale::provide_request_locale();
    crate::auth::server::provide_caller_cache();
    crate::security::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang=leptos_i18n::Locale::as_str(locale)>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_organisation();
    provide_signed_in();
    view! {
        <Router>
            <SkipLink />
            <SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    // Async: the page waits for its data so a failure can set the status code.
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/code") view=SecondFactorPage ssr=SsrMode::Async />
                    <Route path=path!("/account/two-factor") view=TwoFactorPage ssr=SsrMode::Async />
                    <Route path=path!("/account/passkeys") view=PasskeysPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-up/check-email") view=CheckEmailPage ssr=SsrMode::Async />
                    <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/emails") view=AdminEmailsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/accounts") view=AdminAccountsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/patients") view=StaffPatientsPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/patients/:id") view=StaffPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/me") view=MePage ssr=SsrMode::Async />
                    <Route path=path!("/me/people") view=PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/me/access-log") view=AccessLogPage ssr=SsrMode::Async />
                    <Route path=path!("/me/link") view=LinkPage ssr=SsrMode::Async />
                    <Route path=path!("/proxy/accept") view=AcceptInvitationPage ssr=SsrMode::Async />
                    <Route path=path!("/library") view=LibraryPage ssr=SsrMode::Async />
                    <Route path=path!("/library/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/library/topics/:slug") view=TopicPage ssr=SsrMode::Async />
                    <Route path=path!("/library/tags/:tag") view=TagPage ssr=SsrMode::Async />
                    <Route path=path!("/library/:slug") view=ArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/find-care") view=FindCarePage ssr=SsrMode::Async />
                    <Route path=path!("/find-care/clinicians/:slug") view=ClinicianPage ssr=SsrMode::Async />
                    <Route path=path!("/find-care/locations/:slug") view=LocationPage ssr=SsrMode::Async />
                    <Route path=path!("/prices") view=PricesPage ssr=SsrMode::Async />
                    <Route path=path!("/prices/:id") view=PricePage ssr=SsrMode::Async />
                    <Route path=path!("/prices/:id/good-faith") view=GoodFaithPage ssr=SsrMode::Async />
                    <Route path=path!("/billing/coverage") view=CoveragePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/prices") view=AdminPricesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/prices/items/:id") view=AdminPriceItemPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/directory") view=AdminDirectoryPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/directory/locations/:id") view=AdminLocationPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/directory/clinicians/:id") view=AdminClinicianPage ssr=SsrMode::Async />
                    <Route path=path!("/appointments") view=AppointmentsPage ssr=SsrMode::Async />
                    <Route path=path!("/appointments/book") view=BookPage ssr=SsrMode::Async />
                    <Route path=path!("/appointments/book/confirm") view=ConfirmBookingPage ssr=SsrMode::Async />
                    <Route path=path!("/appointments/:id") view=AppointmentPage ssr=SsrMode::Async />
                    <Route path=path!("/visits/respond") view=RespondPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/schedule") view=StaffSchedulePage ssr=SsrMode::Async />
                    <Route path=path!("/staff/schedule/setup") view=ScheduleSetupPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/visit-types") view=VisitTypesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/records/release") view=crate::records::ReleaseRulesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/canned-replies") view=CannedRepliesPage ssr=SsrMode::Async />
                    <Route path=path!("/records") view=RecordsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/results") view=ResultsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/results/:item") view=TrendPage ssr=SsrMode::Async />
                    <Route path=path!("/records/import") view=ImportRecordsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/visits") view=VisitsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/care-plan") view=CarePlanPage ssr=SsrMode::Async />
                    <Route path=path!("/records/documents") view=DocumentsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/readings") view=ReadingsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/renewal") view=RenewalPage ssr=SsrMode::Async />
                    <Route path=path!("/records/entry") view=EntryPage ssr=SsrMode::Async />
                    <Route path=path!("/records/share") view=SharePage ssr=SsrMode::Async />
                    <Route path=path!("/share") view=ShareViewerPage />
                    <Route path=path!("/messages") view=MessagesPage ssr=SsrMode::Async />
                    <Route path=path!("/messages/new") view=NewMessagePage ssr=SsrMode::Async />
                    <Route path=path!("/messages/:id") view=ConversationPage ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/messages") view=StaffInboxPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/messages/:id") view=StaffConversationPage ssr=SsrMode::Async />
                    <Route path=path!("/editor") view=EditorPage ssr=SsrMode::Async />
                    <Route path=path!("/editor/articles/:id") view=EditorArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/editor/articles/:id/compare") view=EditorComparePage ssr=SsrMode::Async />
                </Routes>
            </main>
            <SiteFooter />
            <HydrationMarker />
        </Router>
    }
}
