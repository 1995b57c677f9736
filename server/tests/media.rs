//! Image uploads through the real router: who may upload, what is refused by content, how
//! stored images are served (immutable, never sniffed), and a hero image from upload to the
//! published article page.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::library::{ApproveArticle, PublishArticle, SaveArticle, SubmitForReview, UploadHeroImage};
use app::media::UploadImage;
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::Response,
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;
use common::{
    config, cookie_pair, options, post, router_with, seed_account, signed_in, text,
    with_authenticator,
};

const PASSWORD: &str = "pebble harbour violet nine";
const KEY: &[u8] = b"media-test-totp-key!";

/// A 1000 × 500 PNG with some detail.
fn png() -> Vec<u8> {
    use image::{ImageEncoder, Rgb, RgbImage};
    let picture = RgbImage::from_fn(1000, 500, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), 1000, 500, image::ExtendedColorType::Rgb8)
        .expect("png");
    out
}

/// A browser's multipart post of the upload form: `return_to`, then the file as `image`.
fn upload(file_name: &str, bytes: &[u8], cookie: Option<&str>, html: bool) -> Request<Body> {
    multipart(
        <UploadImage as ServerFn>::PATH,
        &[("return_to", "/editor/articles/new")],
        (file_name, bytes),
        cookie,
        html,
    )
}

/// A browser's multipart post to `path`: the text `fields`, then the file as `image`.
fn multipart(
    path: &str,
    fields: &[(&str, &str)],
    (file_name, bytes): (&str, &[u8]),
    cookie: Option<&str>,
    html: bool,
) -> Request<Body> {
    common::multipart(path, fields, &[("image", file_name, bytes)], cookie, html)
}

async fn get(app: &Router, path: &str, etag: Option<&str>) -> Response {
    let mut request = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    app.clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response")
}

fn header_of(response: &Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A signed-in editor (with a second factor): the router and their cookie.
async fn editor(pool: &PgPool) -> (Router, String) {
    let app = router_with(pool.clone(), config(&[]), options());
    let id = seed_account(pool, "editor@example.org", &[Role::Editor], PASSWORD).await;
    with_authenticator(pool, id, KEY).await;
    let cookie = signed_in(&app, "editor@example.org", PASSWORD, Some(KEY)).await;
    (app, cookie)
}

async fn stored_images(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from media_image")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_editor_uploads_an_image_and_it_is_served_immutable_and_never_sniffed(pool: PgPool) {
    let (app, cookie) = editor(&pool).await;

    let response = app
        .clone()
        .oneshot(upload("holiday.png", &png(), Some(&cookie), false))
        .await
        .expect("response");
    let status = response.status();
    let body = text(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hash: String = serde_json::from_str(&body).expect("the key");
    assert!(app::media::is_media_hash(&hash), "{hash}");

    // Stored at its own width and the smaller standard one, never enlarged to 1600.
    let full = get(&app, &format!("/media/{hash}-1000.jpg"), None).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(header_of(&full, header::CONTENT_TYPE), "image/jpeg");
    assert_eq!(
        header_of(&full, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header_of(&full, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let etag = header_of(&full, header::ETAG);
    assert_eq!(etag, format!("\"{hash}-1000\""));
    let bytes = text(full).await;
    assert!(!bytes.is_empty());
    for (width, status) in [
        (800, StatusCode::OK),
        (400, StatusCode::OK),
        (1600, StatusCode::NOT_FOUND),
    ] {
        let response = get(&app, &format!("/media/{hash}-{width}.jpg"), None).await;
        assert_eq!(response.status(), status, "{width}");
    }
    let again = get(&app, &format!("/media/{hash}-1000.jpg"), Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // The upload is audited; the same picture uploaded again is stored once.
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_event where action = 'media.upload'")
            .fetch_one(&pool)
            .await
            .expect("audit");
    assert_eq!(audited, 1);

    // A form post without JavaScript goes back to the form with the image chosen.
    let response = app
        .clone()
        .oneshot(upload("holiday.png", &png(), Some(&cookie), true))
        .await
        .expect("response");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        header_of(&response, header::LOCATION),
        format!("/editor/articles/new?uploaded={hash}")
    );
    assert_eq!(stored_images(&pool).await, 1);

    // Back on the editor's page, the article form has the image chosen and asks what it shows.
    let page = app
        .clone()
        .oneshot(
            Request::get(format!("/editor/articles/new?uploaded={hash}"))
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    for expected in [
        "formenctype=\"multipart/form-data\"".to_string(),
        format!("formaction=\"{}\"", <UploadHeroImage as ServerFn>::PATH),
        format!("name=\"hero_image\" value=\"{hash}\""),
        "name=\"hero_alt\"".to_string(),
        format!("/media/{hash}-400.jpg 400w"),
    ] {
        assert!(html.contains(&expected), "{expected} in {html}");
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn patients_and_anonymous_callers_cannot_upload(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    seed_account(&pool, "patient@example.org", &[], PASSWORD).await;
    let patient = signed_in(&app, "patient@example.org", PASSWORD, None).await;

    for (cookie, expected) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(patient.as_str()), StatusCode::FORBIDDEN),
    ] {
        let response = app
            .clone()
            .oneshot(upload("photo.png", &png(), cookie, false))
            .await
            .expect("response");
        assert_eq!(response.status(), expected);
        assert!(header_of(&response, header::LOCATION).is_empty());
    }
    // Not multipart at all: still refused for who is asking, not for the body.
    let response = app
        .clone()
        .oneshot(post(
            <UploadImage as ServerFn>::PATH,
            &[("image", "x")],
            None,
        ))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stored_images(&pool).await, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unknown_image_is_not_found(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    for path in [
        format!("/media/{}-800.jpg", "0".repeat(64)),
        format!("/media/{}-800.png", "0".repeat(64)),
        "/media/nonsense".to_string(),
        "/media/..%2F..%2Fetc%2Fpasswd".to_string(),
    ] {
        assert_eq!(
            get(&app, &path, None).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_text_file_named_like_a_photo_is_refused_by_its_content(pool: PgPool) {
    let (app, cookie) = editor(&pool).await;
    for bytes in [
        &b"Dear diary, this is not a photo."[..],
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
    ] {
        let response = app
            .clone()
            .oneshot(upload("photo.jpg", bytes, Some(&cookie), false))
            .await
            .expect("response");
        let status = response.status();
        let body = text(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("not_an_image"), "{body}");
    }
    // A post that is not multipart asks for a file.
    let response = app
        .clone()
        .oneshot(post(
            <UploadImage as ServerFn>::PATH,
            &[("image", "x")],
            Some(&cookie),
        ))
        .await
        .expect("response");
    let status = response.status();
    let body = text(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("required"), "{body}");
    assert_eq!(stored_images(&pool).await, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_hero_image_is_saved_with_its_description_and_shown_on_the_published_page(pool: PgPool) {
    let (app, editor) = editor(&pool).await;
    let id = seed_account(
        &pool,
        "reviewer@example.org",
        &[Role::MedicalReviewer],
        PASSWORD,
    )
    .await;
    with_authenticator(&pool, id, KEY).await;
    let reviewer = signed_in(&app, "reviewer@example.org", PASSWORD, Some(KEY)).await;
    let response = app
        .clone()
        .oneshot(upload("nurse.png", &png(), Some(&editor), false))
        .await
        .expect("response");
    let hash: String = serde_json::from_str(&text(response).await).expect("the key");

    let call = |path: &'static str, form: Vec<(&'static str, String)>, cookie: String| {
        let app = app.clone();
        async move {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app
                .oneshot(post(path, &fields, Some(&cookie)))
                .await
                .expect("response");
            (response.status(), text(response).await)
        }
    };
    let article = |alt: &str, image: &str| {
        vec![
            ("title", "Checking your blood pressure".to_string()),
            ("summary", "How to measure it at home.".to_string()),
            ("body", "Sit still for five minutes first.".to_string()),
            ("hero_image", image.to_string()),
            ("hero_alt", alt.to_string()),
        ]
    };
    let save = <SaveArticle as ServerFn>::PATH;
    // An image needs its description, and a key must name a stored image.
    let (status, body) = call(save, article(" ", &hash), editor.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("hero_alt"), "{body}");
    let (status, body) = call(save, article("A cuff", &"f".repeat(64)), editor.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("hero_image"), "{body}");

    let (status, body) = call(
        save,
        article("A nurse fits a blood pressure cuff", &hash),
        editor.clone(),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let id: String = serde_json::from_str(&body).expect("the article id");
    for (path, form, cookie) in [
        (
            <SubmitForReview as ServerFn>::PATH,
            vec![("article_id", id.clone())],
            editor.clone(),
        ),
        (
            <ApproveArticle as ServerFn>::PATH,
            vec![("article_id", id.clone()), ("revision", "1".into())],
            reviewer.clone(),
        ),
        (
            <PublishArticle as ServerFn>::PATH,
            vec![("article_id", id.clone())],
            editor.clone(),
        ),
    ] {
        let (status, body) = call(path, form, cookie).await;
        assert!(status.is_success(), "{path}: {status} {body}");
    }

    let page = get(&app, "/library/checking-your-blood-pressure", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    for expected in [
        format!("srcset=\"/media/{hash}-1000.jpg 1000w, /media/{hash}-800.jpg 800w, /media/{hash}-400.jpg 400w\""),
        "width=\"1000\"".to_string(),
        "height=\"500\"".to_string(),
        "alt=\"A nurse fits a blood pressure cuff\"".to_string(),
        "fetchpriority=\"high\"".to_string(),
        "loading=\"eager\"".to_string(),
        // Absolute, for link previews and search engines.
        format!("content=\"http://127.0.0.1:3000/media/{hash}-1000.jpg\""),
        format!("\"image\":\"http://127.0.0.1:3000/media/{hash}-1000.jpg\""),
        "summary_large_image".to_string(),
    ] {
        assert!(html.contains(&expected), "{expected} in {html}");
    }
    // The library's cards show it small.
    let front = text(get(&app, "/library", None).await).await;
    assert!(front.contains(&format!("/media/{hash}-400.jpg 400w")));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn uploads_may_exceed_the_general_body_limit_but_not_ten_megabytes(pool: PgPool) {
    let (app, cookie) = editor(&pool).await;
    // Noise does not compress: a PNG of about 2 MB, twice the portal's general body limit.
    let mut seed = 7u32;
    let noise = image::RgbImage::from_fn(1000, 700, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let [a, b, c, _] = seed.to_be_bytes();
        image::Rgb([a, b, c])
    });
    let mut big = Vec::new();
    noise
        .write_to(&mut std::io::Cursor::new(&mut big), image::ImageFormat::Png)
        .expect("png");
    assert!(big.len() > 1_500_000, "{}", big.len());
    let response = app
        .clone()
        .oneshot(upload("noise.png", &big, Some(&cookie), false))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);

    let too_big = vec![0u8; app::media::MAX_UPLOAD_BYTES + 1];
    let response = app
        .clone()
        .oneshot(upload("huge.jpg", &too_big, Some(&cookie), false))
        .await
        .expect("response");
    let status = response.status();
    let body = text(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("too_large"), "{body}");
}

/// The article form's fields as typed, for the hero upload.
const TYPED: &[(&str, &str)] = &[
    ("article_id", ""),
    ("version", "0"),
    ("language", "es"),
    ("title", "Cómo tomarse la presión"),
    ("summary", "En casa, sentado y tranquilo."),
    ("body", "Siéntese **cinco minutos** antes."),
    ("kind", "article"),
    ("tags", "presión, corazón"),
    ("hero_alt", "Una enfermera coloca el manguito"),
];

/// GETs `path` as the editor whose cookies are `cookies`: status and page.
async fn editor_page(app: &Router, path: &str, cookies: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::COOKIE, cookies)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    (response.status(), text(response).await)
}

/// The kept-form cookie a response set, as a `name=value` pair.
fn kept_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kept_article_form="))
        .map(cookie_pair)
        .expect("kept-form cookie")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn uploading_from_the_article_form_keeps_everything_typed(pool: PgPool) {
    let (app, cookie) = editor(&pool).await;
    let path = <UploadHeroImage as ServerFn>::PATH;

    let response = app
        .clone()
        .oneshot(multipart(
            path,
            TYPED,
            ("cuff.png", &png()),
            Some(&cookie),
            true,
        ))
        .await
        .expect("response");
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = header_of(&response, header::LOCATION);
    let hash = location
        .strip_prefix("/editor/articles/new?language=es&uploaded=")
        .expect(&location)
        .to_string();
    assert!(app::media::is_media_hash(&hash), "{hash}");
    let cookies = format!("{cookie}; {}", kept_cookie(&response));
    let (status, html) = editor_page(&app, &location, &cookies).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "value=\"Cómo tomarse la presión\"".to_string(),
        "En casa, sentado y tranquilo.</textarea>".to_string(),
        "Siéntese **cinco minutos** antes.</textarea>".to_string(),
        "value=\"presión, corazón\"".to_string(),
        "value=\"Una enfermera coloca el manguito\"".to_string(),
        format!("name=\"hero_image\" value=\"{hash}\""),
        // The kept body is previewed as it will be published.
        "<strong>cinco minutos</strong>".to_string(),
    ] {
        assert!(html.contains(&expected), "{expected} in {html}");
    }
    // Nothing is saved until the editor saves.
    let articles: i64 = sqlx::query_scalar("select count(*) from article")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(articles, 0);

    // A refused file is said beside the field, and the text is still there.
    let response = app
        .clone()
        .oneshot(multipart(
            path,
            TYPED,
            ("notes.jpg", b"not a photo"),
            Some(&cookie),
            false,
        ))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kept = kept_cookie(&response);
    assert!(text(response).await.contains("not_an_image"));
    let (_, html) = editor_page(
        &app,
        &format!("/editor/articles/new?language=es&uploaded={hash}"),
        &format!("{cookie}; {kept}"),
    )
    .await;
    assert!(html.contains("Siéntese **cinco minutos** antes."), "{html}");
    assert_eq!(stored_images(&pool).await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_editors_upload_from_the_article_form(pool: PgPool) {
    let app = router_with(pool.clone(), config(&[]), options());
    seed_account(&pool, "patient@example.org", &[], PASSWORD).await;
    let patient = signed_in(&app, "patient@example.org", PASSWORD, None).await;
    let id = seed_account(&pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(&pool, id, KEY).await;
    let admin = signed_in(&app, "admin@example.org", PASSWORD, Some(KEY)).await;
    let path = <UploadHeroImage as ServerFn>::PATH;
    for (cookie, expected) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(patient.as_str()), StatusCode::FORBIDDEN),
        // Administrators upload clinician photos, not articles' images.
        (Some(admin.as_str()), StatusCode::FORBIDDEN),
    ] {
        let response = app
            .clone()
            .oneshot(multipart(path, TYPED, ("cuff.png", &png()), cookie, false))
            .await
            .expect("response");
        assert_eq!(response.status(), expected);
        assert!(header_of(&response, header::LOCATION).is_empty());
    }
    let drafts: i64 = sqlx::query_scalar("select count(*) from article_form_draft")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!((stored_images(&pool).await, drafts), (0, 0));

    // An editor naming an article that does not exist: not found, nothing kept.
    let (app, editor) = editor(&pool).await;
    let mut fields = TYPED.to_vec();
    fields.retain(|(k, _)| *k != "article_id");
    let missing = uuid::Uuid::new_v4().to_string();
    fields.push(("article_id", &missing));
    let response = app
        .clone()
        .oneshot(multipart(
            path,
            &fields,
            ("cuff.png", &png()),
            Some(&editor),
            false,
        ))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored_images(&pool).await, 0);
}
