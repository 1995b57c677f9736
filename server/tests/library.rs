//! The health library through the real router: the editorial workflow's rules (an author never
//! approves their own article, nothing unpublished is public, scheduled publication, re-review
//! falling due, two editors saving at once), the sanitiser on the publication path, and search
//! ranking and typo correction in English and Spanish.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::library::{
    ApproveArticle, ConfirmReview, EditorArticles, PreviewMarkdown, PublishArticle, ReadArticle,
    SaveArticle, SearchLibrary, SubmitForReview,
};
use axum::{
    http::{header, StatusCode},
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;

/// A step went through: 200, or a redirect back to the page for a form post.
trait Done {
    fn is_done(&self) -> bool;
}
impl Done for StatusCode {
    fn is_done(&self) -> bool {
        self.is_success() || self.is_redirection()
    }
}
use common::{
    config, options, post, router_with, seed_account, signed_in, text, with_authenticator,
};

const PASSWORD: &str = "quartz meadow lantern seven";
const KEY: &[u8] = b"library-test-totp-k!";

struct Desk {
    app: Router,
    /// An editor who is also a medical reviewer (so could try to approve their own work).
    author: String,
    reviewer: String,
    editor: String,
}

async fn desk(pool: &PgPool) -> Desk {
    let app = router_with(pool.clone(), config(&[]), options());
    let mut cookies = Vec::new();
    for (email, roles) in [
        (
            "author@example.org",
            &[Role::Editor, Role::MedicalReviewer][..],
        ),
        ("reviewer@example.org", &[Role::MedicalReviewer][..]),
        ("editor@example.org", &[Role::Editor][..]),
    ] {
        let id = seed_account(pool, email, roles, PASSWORD).await;
        with_authenticator(pool, id, KEY).await;
        cookies.push(signed_in(&app, email, PASSWORD, Some(KEY)).await);
    }
    let [author, reviewer, editor] = <[String; 3]>::try_from(cookies).expect("three");
    Desk {
        app,
        author,
        reviewer,
        editor,
    }
}

async fn call(
    app: &Router,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> (StatusCode, String, String) {
    let response = app
        .clone()
        .oneshot(post(path, form, cookie))
        .await
        .expect("response");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, text(response).await)
}

/// Creates an article as `cookie`; returns its id.
async fn create(app: &Router, cookie: &str, language: &str, title: &str, body: &str) -> String {
    let (status, location, body) = call(
        app,
        <SaveArticle as ServerFn>::PATH,
        &[
            ("language", language),
            ("title", title),
            ("summary", "A short summary for patients."),
            ("body", body),
            ("kind", "condition_guide"),
            ("tags", "testing"),
        ],
        Some(cookie),
    )
    .await;
    assert!(status.is_done(), "{status} {body}");
    location
        .strip_prefix("/editor/articles/")
        .and_then(|rest| rest.split('?').next())
        .map(str::to_string)
        .unwrap_or_else(|| body.trim_matches('"').to_string())
}

async fn step(
    app: &Router,
    path: &str,
    id: &str,
    extra: &[(&str, &str)],
    cookie: &str,
) -> (StatusCode, String) {
    let mut form = vec![("article_id", id)];
    form.extend_from_slice(extra);
    let (status, _, body) = call(app, path, &form, Some(cookie)).await;
    (status, body)
}

async fn read(app: &Router, slug: &str) -> (StatusCode, String) {
    let (status, _, body) = call(
        app,
        <ReadArticle as ServerFn>::PATH,
        &[("language", "en"), ("slug", slug)],
        None,
    )
    .await;
    (status, body)
}

async fn search(app: &Router, language: &str, q: &str) -> String {
    let (status, _, body) = call(
        app,
        <SearchLibrary as ServerFn>::PATH,
        &[("language", language), ("q", q)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Takes an article from draft to published (approved by `reviewer`).
async fn publish(d: &Desk, id: &str, at: Option<&str>) {
    assert!(step(
        &d.app,
        <SubmitForReview as ServerFn>::PATH,
        id,
        &[],
        &d.author
    )
    .await
    .0
    .is_done());
    let (status, body) = step(
        &d.app,
        <ApproveArticle as ServerFn>::PATH,
        id,
        &[("revision", "1")],
        &d.reviewer,
    )
    .await;
    assert!(status.is_done(), "{status} {body}");
    let extra: Vec<(&str, &str)> = at.map(|a| vec![("at", a)]).unwrap_or_default();
    let (status, body) = step(
        &d.app,
        <PublishArticle as ServerFn>::PATH,
        id,
        &extra,
        &d.editor,
    )
    .await;
    assert!(status.is_done(), "{status} {body}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_article_reaches_the_public_only_after_review_by_someone_else_and_publication(
    pool: PgPool,
) {
    let d = desk(&pool).await;
    let id = create(
        &d.app,
        &d.author,
        "en",
        "Living with asthma",
        "## Triggers\n\nSmoke and dust.<script>alert(1)</script>",
    )
    .await;
    assert_eq!(
        read(&d.app, "living-with-asthma").await.0,
        StatusCode::NOT_FOUND
    );

    // Approval before review is refused; the author cannot approve their own article.
    let approve = <ApproveArticle as ServerFn>::PATH;
    assert_eq!(
        step(&d.app, approve, &id, &[("revision", "1")], &d.reviewer)
            .await
            .0,
        StatusCode::CONFLICT
    );
    step(
        &d.app,
        <SubmitForReview as ServerFn>::PATH,
        &id,
        &[],
        &d.author,
    )
    .await;
    let (status, body) = step(&d.app, approve, &id, &[("revision", "1")], &d.author).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("own_work"), "{body}");
    // Publishing needs an approval.
    assert_eq!(
        step(
            &d.app,
            <PublishArticle as ServerFn>::PATH,
            &id,
            &[],
            &d.editor
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        read(&d.app, "living-with-asthma").await.0,
        StatusCode::NOT_FOUND
    );

    assert!(
        step(&d.app, approve, &id, &[("revision", "1")], &d.reviewer)
            .await
            .0
            .is_done()
    );
    assert_eq!(
        read(&d.app, "living-with-asthma").await.0,
        StatusCode::NOT_FOUND,
        "approved is not published"
    );
    assert!(step(
        &d.app,
        <PublishArticle as ServerFn>::PATH,
        &id,
        &[],
        &d.editor
    )
    .await
    .0
    .is_done());

    let (status, body) = read(&d.app, "living-with-asthma").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let article: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(article["reviewer_name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));
    let html = article["body_html"].as_str().expect("html");
    assert!(html.contains("<h2>Triggers</h2>"), "{html}");
    assert!(
        !html.contains("<script"),
        "the sanitiser runs on publication: {html}"
    );
    assert!(search(&d.app, "en", "asthma")
        .await
        .contains("living-with-asthma"));

    // A later edit makes a new draft; the public keeps the reviewed revision until it is
    // approved and published again.
    let (status, _, body) = call(
        &d.app,
        <SaveArticle as ServerFn>::PATH,
        &[
            ("article_id", &id),
            ("version", "1"),
            ("title", "Living with asthma"),
            ("summary", "New."),
            ("body", "Unreviewed words"),
            ("kind", "condition_guide"),
        ],
        Some(&d.editor),
    )
    .await;
    assert!(status.is_done(), "{status} {body}");
    let (_, body) = read(&d.app, "living-with-asthma").await;
    assert!(!body.contains("Unreviewed words") && body.contains("Triggers"));
    // The reviewer who approved earlier may approve again; the editor who saved may not.
    let listing = call(
        &d.app,
        <EditorArticles as ServerFn>::PATH,
        &[("status", "draft")],
        Some(&d.reviewer),
    )
    .await
    .2;
    assert!(listing.contains(&id));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_live_preview_is_sanitised_and_a_script_never_comes_back_as_a_tag(pool: PgPool) {
    // Arrange
    let d = desk(&pool).await;
    let path = <PreviewMarkdown as ServerFn>::PATH;
    let body = "## Hello\n\nSafe <script>alert(1)</script> <img src=x onerror=alert(2)> \
                [link](javascript:alert(3))";

    // Act
    let (editor_status, _, editor_html) =
        call(&d.app, path, &[("body", body)], Some(&d.editor)).await;
    let (reviewer_status, _, _) = call(&d.app, path, &[("body", body)], Some(&d.reviewer)).await;
    let (anonymous_status, _, _) = call(&d.app, path, &[("body", body)], None).await;
    let too_long = "a".repeat(app::library::MAX_BODY + 1);
    let (long_status, _, _) = call(&d.app, path, &[("body", &too_long)], Some(&d.editor)).await;

    // Assert
    assert_eq!(editor_status, StatusCode::OK, "{editor_html}");
    let html: String = serde_json::from_str(&editor_html).expect("a JSON string");
    assert!(html.contains("<h2>Hello</h2>"), "{html}");
    // Raw HTML is shown as text, never as a tag.
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("<img"), "{html}");
    assert!(lower.contains("&lt;script&gt;"), "{html}");
    assert!(!lower.contains("href=\"javascript"), "{html}");
    assert_eq!(reviewer_status, StatusCode::OK);
    assert_eq!(anonymous_status, StatusCode::UNAUTHORIZED);
    assert_eq!(long_status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_scheduled_article_stays_hidden_until_its_time(pool: PgPool) {
    let d = desk(&pool).await;
    let id = create(&d.app, &d.author, "en", "Flu season", "Get the vaccine.").await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    publish(&d, &id, Some(&later)).await;
    assert_eq!(read(&d.app, "flu-season").await.0, StatusCode::NOT_FOUND);
    assert!(!search(&d.app, "en", "vaccine").await.contains("flu-season"));
    let scheduled = call(
        &d.app,
        <EditorArticles as ServerFn>::PATH,
        &[],
        Some(&d.editor),
    )
    .await
    .2;
    assert!(scheduled.contains("scheduled_for\":\""), "{scheduled}");

    // Two hours pass.
    sqlx::query(
        "update published_article set visible_from = visible_from - interval '2 hours 1 minute'",
    )
    .execute(&pool)
    .await
    .expect("time passes");
    assert_eq!(read(&d.app, "flu-season").await.0, StatusCode::OK);
    assert!(search(&d.app, "en", "vaccine").await.contains("flu-season"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn re_review_falls_due_after_the_interval_and_a_reviewer_confirms_it(pool: PgPool) {
    let d = desk(&pool).await;
    let id = create(&d.app, &d.author, "en", "Back pain", "Keep moving.").await;
    publish(&d, &id, None).await;
    let due = || {
        call(
            &d.app,
            <EditorArticles as ServerFn>::PATH,
            &[("due", "true")],
            Some(&d.reviewer),
        )
    };
    assert!(!due().await.2.contains(&id));
    // Twelve months and a day pass.
    sqlx::query("update published_article set review_due_at = now() - interval '1 day'")
        .execute(&pool)
        .await
        .expect("time passes");
    assert!(due().await.2.contains(&id));
    // The author may not confirm their own article; another reviewer may.
    assert_eq!(
        step(
            &d.app,
            <ConfirmReview as ServerFn>::PATH,
            &id,
            &[],
            &d.author
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert!(step(
        &d.app,
        <ConfirmReview as ServerFn>::PATH,
        &id,
        &[],
        &d.reviewer
    )
    .await
    .0
    .is_done());
    assert!(!due().await.2.contains(&id));
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select review_due_at from published_article")
            .fetch_one(&pool)
            .await
            .expect("due");
    assert!(next > chrono::Utc::now() + chrono::Duration::days(360));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_second_editor_saving_the_same_version_is_told_and_nothing_is_lost(pool: PgPool) {
    let d = desk(&pool).await;
    let id = create(&d.app, &d.author, "en", "Sleep", "Version one.").await;
    let save = |cookie: &str, body: &'static str| {
        let (app, id, cookie) = (d.app.clone(), id.clone(), cookie.to_string());
        async move {
            call(
                &app,
                <SaveArticle as ServerFn>::PATH,
                &[
                    ("article_id", &id),
                    ("version", "1"),
                    ("title", "Sleep"),
                    ("summary", "S."),
                    ("body", body),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    let (first, _, _) = save(&d.author, "The author's words.").await;
    assert!(first.is_done());
    let (second, _, body) = save(&d.editor, "The other editor's words.").await;
    assert_eq!(second, StatusCode::CONFLICT);
    assert!(body.contains("stale"), "{body}");
    let revisions: Vec<String> =
        sqlx::query_scalar("select body from article_revision order by number")
            .fetch_all(&pool)
            .await
            .expect("revisions");
    assert_eq!(revisions, ["Version one.", "The author's words."]);
    // What the second editor typed is kept for their form.
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from article_form_draft where form->>'body' = 'The other editor''s words.'",
    )
    .fetch_one(&pool)
    .await
    .expect("kept");
    assert_eq!(kept, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn search_ranks_title_matches_first_and_corrects_typos_in_both_languages(pool: PgPool) {
    let d = desk(&pool).await;
    for (language, title, body) in [
        (
            "en",
            "Type 2 diabetes",
            "Diabetes means blood sugar is too high. Eating well helps.",
        ),
        (
            "en",
            "Eating well",
            "Vegetables, whole grains and less sugar. People with diabetes benefit too.",
        ),
        (
            "en",
            "Heart failure",
            "The heart does not pump as well as it should.",
        ),
        (
            "es",
            "Presión arterial alta",
            "La presión alta daña las arterias y el corazón.",
        ),
        (
            "es",
            "Comer bien",
            "Verduras y menos sal ayudan a controlar la presión.",
        ),
    ] {
        let id = create(&d.app, &d.author, language, title, body).await;
        publish(&d, &id, None).await;
    }
    let results = |body: String| -> (Vec<String>, Option<String>) {
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let slugs = v["hits"]["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| h["card"]["slug"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        (slugs, v["corrected"].as_str().map(str::to_string))
    };
    let (slugs, corrected) = results(search(&d.app, "en", "diabetes").await);
    assert_eq!(slugs, ["type-2-diabetes", "eating-well"]);
    assert_eq!(corrected, None);
    let (slugs, corrected) = results(search(&d.app, "en", "diabetis").await);
    assert_eq!(slugs.first().map(String::as_str), Some("type-2-diabetes"));
    assert_eq!(corrected.as_deref(), Some("diabetes"));
    // Spanish stemming: "presiones" finds "presión"; a typo is corrected.
    let (slugs, _) = results(search(&d.app, "es", "presión").await);
    assert_eq!(slugs, ["presion-arterial-alta", "comer-bien"]);
    let (slugs, corrected) = results(search(&d.app, "es", "arteral").await);
    assert_eq!(
        slugs.first().map(String::as_str),
        Some("presion-arterial-alta")
    );
    assert!(corrected.is_some());
    // English articles are not searched in Spanish, and a snippet marks the match.
    let body = search(&d.app, "es", "diabetes").await;
    assert!(results(body).0.is_empty());
    let body = search(&d.app, "en", "pump").await;
    assert!(body.contains("\"pump\""), "{body}");
    // Nothing typed is a clear error, not an empty page.
    let (status, _, _) = call(
        &d.app,
        <SearchLibrary as ServerFn>::PATH,
        &[("language", "en"), ("q", " ")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn public_pages_feeds_and_sitemap_show_only_published_articles(pool: PgPool) {
    let d = desk(&pool).await;
    let public = create(&d.app, &d.author, "en", "Public page", "Shown.").await;
    publish(&d, &public, None).await;
    create(&d.app, &d.author, "en", "Secret draft", "Not shown.").await;
    let get = |path: &'static str| {
        let app = d.app.clone();
        async move {
            let response = app
                .oneshot(
                    axum::http::Request::get(path)
                        .header(header::HOST, "127.0.0.1:3000")
                        .body(axum::body::Body::empty())
                        .expect("request"),
                )
                .await
                .expect("response");
            (response.status(), text(response).await)
        }
    };
    for path in [
        "/sitemap.xml",
        "/library/feed/en.atom",
        "/library",
        "/library/public-page",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            body.contains("Public page") || body.contains("public-page"),
            "{path}"
        );
        assert!(
            !body.contains("Secret draft") && !body.contains("secret-draft"),
            "{path}"
        );
    }
    let (status, _) = get("/library/secret-draft").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = get("/library/public-page").await;
    assert!(page.contains("application/ld+json") && page.contains("MedicalWebPage"));
    assert!(page.contains("rel=\"canonical\""));
    let (_, robots) = get("/robots.txt").await;
    assert!(robots.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"));
    // Views are counted per day, with nothing about the reader.
    let views: i64 =
        sqlx::query_scalar("select coalesce(sum(views), 0)::bigint from article_view_day")
            .fetch_one(&pool)
            .await
            .expect("views");
    assert!(views >= 1);
}
