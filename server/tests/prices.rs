//! Price transparency through the real router: the public estimator, the administrators'
//! import (all or nothing, with a report by line and column), and the machine-readable file
//! checked against CMS's own JSON schema.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::pricing::{
    GetPrice, ImportPriceCatalogue, ImportReport, PriceCatalogueAdmin, PriceDetail,
    PriceImportReport, PriceSearch, SearchPrices,
};
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
    config, multipart, options, post, router_with, seed_account, signed_in, text,
    with_authenticator,
};

const PASSWORD: &str = "copper meadow violin tide";
const SECRET: &[u8] = b"admin-test-totp-key!";
const CMS_CSV: &[u8] = include_bytes!("../../app/src/pricing/cms-v3/example-tall.csv");
const CMS_JSON: &[u8] = include_bytes!("../../app/src/pricing/cms-v3/example.json");
const CMS_SCHEMA: &str = include_str!("../../app/src/pricing/cms-v3/schema.json");

async fn seed(pool: &PgPool) {
    let admin = seed_account(pool, "admin@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(pool, admin, SECRET).await;
    let staff = seed_account(pool, "staff@example.org", &[Role::Staff], PASSWORD).await;
    with_authenticator(pool, staff, SECRET).await;
    seed_account(pool, "patient@example.org", &[], PASSWORD).await;
}

async fn session(app: &Router, email: &str) -> String {
    let secret = (!email.starts_with("patient")).then_some(SECRET);
    signed_in(app, email, PASSWORD, secret).await
}

async fn send(app: &Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.expect("response")
}

async fn get(app: &Router, path: &str) -> Response {
    let request = Request::get(path)
        .header(header::HOST, "127.0.0.1:3000")
        .body(Body::empty())
        .expect("request");
    send(app, request).await
}

/// Posts `bytes` as the catalogue, from a script (`html` false) or a browser without JavaScript.
async fn import(
    app: &Router,
    name: &str,
    bytes: &[u8],
    cookie: Option<&str>,
    html: bool,
) -> Response {
    let path = <ImportPriceCatalogue as ServerFn>::PATH;
    send(
        app,
        multipart(path, &[], &[("catalogue", name, bytes)], cookie, html),
    )
    .await
}

async fn search(app: &Router, words: &str, plan: &str, language: &str) -> PriceSearch {
    let form = [("language", language), ("words", words), ("plan", plan)];
    let response = send(app, post(<SearchPrices as ServerFn>::PATH, &form, None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str(&text(response).await).expect("search json")
}

async fn item_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from price_item")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_administrators_replace_the_catalogue_and_anyone_reads_it(pool: PgPool) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());

    let response = import(&app, "prices.csv", CMS_CSV, None, false).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    for who in ["patient@example.org", "staff@example.org"] {
        let cookie = session(&app, who).await;
        let response = import(&app, "prices.csv", CMS_CSV, Some(&cookie), false).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who}");
        let response = send(
            &app,
            post(<PriceCatalogueAdmin as ServerFn>::PATH, &[], Some(&cookie)),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(item_count(&pool).await, 0);
    let refused: i64 = sqlx::query_scalar("select count(*) from price_import")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(refused, 0, "a refused caller's file is never read");

    let nothing = search(&app, "", "", "en").await;
    assert!(!nothing.published);
    assert!(nothing.items.is_empty());

    let admin = session(&app, "admin@example.org").await;
    let response = import(&app, "west-mercy.csv", CMS_CSV, Some(&admin), true).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    assert!(location.starts_with("/admin/prices?import="), "{location}");
    assert_eq!(item_count(&pool).await, 22);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'prices.import' and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);

    // Anyone, signed in or not, finds a service by plain words or by its code.
    let by_words = search(&app, "MRI brain", "", "en").await;
    assert!(by_words.published);
    let mri = by_words.items.first().expect("the MRI is found");
    assert_eq!(mri.name, "MRI of brain (no contrast)");
    assert_eq!((mri.cash, mri.gross), (Some(108_000), Some(120_000)));
    assert_eq!((mri.low, mri.high), (Some(25_000), Some(40_000)));
    let by_code = search(&app, "70551", "", "en").await;
    assert_eq!(
        by_code.items.first().map(|i| i.id.clone()),
        Some(mri.id.clone())
    );
    assert_eq!(by_code.total, 1);
    assert_eq!(by_words.plans.len(), 2);

    // With a plan picked, its own rate.
    let hmo = by_words
        .plans
        .iter()
        .find(|p| p.plan == "HMO")
        .expect("the HMO plan")
        .clone();
    let with_plan = search(&app, "70551", &hmo.id, "en").await;
    let card = with_plan.items.first().expect("found");
    assert_eq!(card.plan_dollar, Some(25_000));
    assert!(card.plan_listed);
    assert_eq!(
        with_plan.plan.as_ref().map(|p| p.id.clone()),
        Some(hmo.id.clone())
    );

    let form = [
        ("language", "en"),
        ("item_id", mri.id.as_str()),
        ("plan", hmo.id.as_str()),
    ];
    let response = send(&app, post(<GetPrice as ServerFn>::PATH, &form, None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let detail: PriceDetail = serde_json::from_str(&text(response).await).expect("detail json");
    assert_eq!(detail.codes, "RC 611, CPT 70551");
    let charge = detail.charges.first().expect("a charge");
    assert_eq!(charge.setting, "outpatient");
    assert_eq!(charge.rates.len(), 2);
    assert!(charge
        .rates
        .iter()
        .any(|r| r.payer == "Region Health Insurance" && r.dollar == Some(25_000)));

    let form = [("language", "en"), ("item_id", "not-an-id"), ("plan", "")];
    let response = send(&app, post(<GetPrice as ServerFn>::PATH, &form, None)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The public pages render without signing in.
    let page = get(&app, "/prices?q=hernia").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(text(page).await.contains("Inguinal hernia repair"));
    let page = get(&app, &format!("/prices/{}?plan={}", mri.id, hmo.id)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = text(page).await;
    assert!(body.contains("$250.00"), "the HMO's rate is shown");
    assert!(body.contains("$1,080.00"), "the cash price is shown");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_file_with_any_problem_changes_nothing_and_the_report_says_where(pool: PgPool) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let response = import(&app, "west-mercy.json", CMS_JSON, Some(&admin), false).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(item_count(&pool).await, 22);
    let before: Vec<(String, i64)> =
        sqlx::query_as("select description, gross_cents from price_charge join price_item using (price_item_id) where gross_cents is not null order by 1, 2")
            .fetch_all(&pool)
            .await
            .expect("charges");

    let text_file = String::from_utf8(CMS_CSV.to_vec()).expect("utf-8");
    let mut lines: Vec<String> = text_file.lines().map(str::to_string).collect();
    for (n, line) in lines.iter_mut().enumerate() {
        if n == 3 {
            *line = line.replace(",1200,1080,", ",12O0,1080,");
        }
        if n == 4 {
            *line = line.replace(",outpatient,", ",clinic,");
        }
    }
    let bad = lines.join("\n");
    let response = import(&app, "broken.csv", bad.as_bytes(), Some(&admin), false).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(response).await;
    let import_id: String =
        sqlx::query_scalar("select price_import_id::text from price_import where not applied")
            .fetch_one(&pool)
            .await
            .expect("the refused import is kept for its report");
    assert!(
        body.contains(&import_id),
        "the answer names the report: {body}"
    );

    assert_eq!(item_count(&pool).await, 22, "nothing was replaced");
    let after: Vec<(String, i64)> =
        sqlx::query_as("select description, gross_cents from price_charge join price_item using (price_item_id) where gross_cents is not null order by 1, 2")
            .fetch_all(&pool)
            .await
            .expect("charges");
    assert_eq!(before, after);

    let form = [("import_id", import_id.as_str())];
    let response = send(
        &app,
        post(<PriceImportReport as ServerFn>::PATH, &form, Some(&admin)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: ImportReport = serde_json::from_str(&text(response).await).expect("report");
    assert!(!report.summary.applied);
    assert_eq!(report.summary.file_name, "broken.csv");
    let found: Vec<(u64, &str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.problem.as_str()))
        .collect();
    assert!(
        found.contains(&(4, "standard_charge|gross", "not_money")),
        "{found:?}"
    );
    assert!(found.contains(&(5, "setting", "setting")), "{found:?}");

    // Without JavaScript the browser is sent back to the page, which shows the report.
    let response = import(&app, "broken.csv", bad.as_bytes(), Some(&admin), true).await;
    assert!(response.status().is_redirection(), "{}", response.status());

    // Another administrator's report is not a patient's business either.
    let patient = session(&app, "patient@example.org").await;
    let response = send(
        &app,
        post(<PriceImportReport as ServerFn>::PATH, &form, Some(&patient)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let empty = import(&app, "empty.csv", b"", Some(&admin), false).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(item_count(&pool).await, 22);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_machine_readable_file_follows_cms_schema_and_reads_back(pool: PgPool) {
    seed(&pool).await;
    let app = router_with(pool.clone(), config(&[]), options());

    for path in [
        "/prices/standard-charges.json",
        "/prices/standard-charges.csv",
    ] {
        assert_eq!(
            get(&app, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    let admin = session(&app, "admin@example.org").await;
    let response = import(&app, "west-mercy.csv", CMS_CSV, Some(&admin), false).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    // An administrator's plain-words name survives the next import of the same item.
    sqlx::query("update price_item set name_es = 'Resonancia del cerebro' where description = 'MRI of brain (no contrast)'")
        .execute(&pool)
        .await
        .expect("renamed");

    let mri_id = search(&app, "70551", "", "en")
        .await
        .items
        .first()
        .map(|i| i.id.clone())
        .expect("the MRI");
    let response = get(&app, "/prices/standard-charges.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains("west-mercy-hospital_standardcharges.json"),
        "{disposition}"
    );
    let json = text(response).await;
    let document: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let schema: serde_json::Value = serde_json::from_str(CMS_SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("CMS's schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let ours = app::pricing::cms::read_json(json.as_bytes()).expect("reads back");
    let theirs = app::pricing::cms::read_tall_csv(CMS_CSV).expect("reads");
    assert_eq!(ours.items, theirs.items);

    let response = get(&app, "/prices/standard-charges.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = text(response).await;
    // Compressed, the same bytes arrive whole (the stream once panicked when polled past its end).
    for path in [
        "/prices/standard-charges.csv",
        "/prices/standard-charges.json",
    ] {
        let request = Request::get(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .expect("request");
        let response = send(&app, request).await;
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"gzip"[..]),
            "{path}"
        );
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("the whole body")
            .to_bytes();
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped)
            .expect("gzip");
        let plain = text(get(&app, path).await).await;
        assert_eq!(unzipped, plain, "{path}");
    }
    let again = app::pricing::cms::read_tall_csv(csv.as_bytes()).expect("our CSV reads");
    assert_eq!(again.items, theirs.items);
    assert_eq!(again.file, theirs.file);

    // Re-importing our own file changes no price and keeps the administrator's name.
    let response = import(&app, "again.json", json.as_bytes(), Some(&admin), false).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let name: String = sqlx::query_scalar(
        "select name_es from price_item where description = 'MRI of brain (no contrast)'",
    )
    .fetch_one(&pool)
    .await
    .expect("name");
    assert_eq!(name, "Resonancia del cerebro");
    let still: i64 = sqlx::query_scalar("select count(*) from price_item where price_item_id = $1")
        .bind(uuid::Uuid::parse_str(&mri_id).expect("uuid"))
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(still, 1, "the item keeps its address across imports");
    let es = search(&app, "resonancia", "", "es").await;
    assert_eq!(
        es.items.first().map(|i| i.name.as_str()),
        Some("Resonancia del cerebro")
    );

    let response = get(&app, "/cms-hpt.txt").await;
    assert_eq!(response.status(), StatusCode::OK);
    let txt = text(response).await;
    assert!(
        txt.contains("location-name: West Mercy Hospital\n"),
        "{txt}"
    );
    assert!(
        txt.contains("location-name: West Mercy Surgical Center\n"),
        "{txt}"
    );
    assert!(txt.contains("mrf-url: http"), "{txt}");
    assert!(txt.contains("/prices/standard-charges.json\n"), "{txt}");
    assert!(txt.contains("contact-name: Leigh Attester\n"), "{txt}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_command_line_import_is_the_same_all_or_nothing_import_for_administrators(
    pool: PgPool,
) {
    seed(&pool).await;
    let dir = std::env::temp_dir().join(format!("import-prices-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("cms.csv");
    std::fs::write(&good, CMS_CSV).expect("write");
    let broken = dir.join("broken.csv");
    std::fs::write(&broken, b"a,b\n1,2\n").expect("write");
    let (good, broken) = (
        good.to_str().expect("path").to_string(),
        broken.to_str().expect("path").to_string(),
    );

    // Only an administrator's account may replace the catalogue.
    let refused = server::prices::import_file(&pool, &good, "staff@example.org")
        .await
        .expect_err("staff are refused");
    assert!(
        refused.to_string().contains("not an administrator"),
        "{refused}"
    );
    assert_eq!(item_count(&pool).await, 0);

    server::prices::import_file(&pool, &good, "admin@example.org")
        .await
        .expect("imports");
    assert_eq!(item_count(&pool).await, 22);

    // A broken file changes nothing, and is kept with its report like a posted one.
    let refused = server::prices::import_file(&pool, &broken, "admin@example.org")
        .await
        .expect_err("refused");
    assert!(
        refused.to_string().contains("broken.csv was not imported"),
        "{refused}"
    );
    assert_eq!(item_count(&pool).await, 22);
    let kept: Vec<(String, bool)> =
        sqlx::query_as("select file_name, applied from price_import order by created_at")
            .fetch_all(&pool)
            .await
            .expect("imports");
    assert_eq!(
        kept,
        vec![
            ("cms.csv".to_string(), true),
            ("broken.csv".to_string(), false)
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_administrator_edits_names_and_groups_and_each_version_is_kept(pool: PgPool) {
    use app::pricing::{ItemEditor, PriceItemEditor, SavePriceItem};
    seed(&pool).await;
    let dir = std::env::temp_dir().join(format!("edit-prices-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("cms.csv");
    std::fs::write(&file, CMS_CSV).expect("write");
    let file = file.to_str().expect("path").to_string();
    server::prices::import_file(&pool, &file, "admin@example.org")
        .await
        .expect("imports");
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let patient = session(&app, "patient@example.org").await;
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("select price_item_id from price_item order by position limit 2")
            .fetch_all(&pool)
            .await
            .expect("items");
    let (head, member) = (ids[0].to_string(), ids[1].to_string());
    let save = |cookie: String, item: String, fields: Vec<(&'static str, String)>| {
        let app = app.clone();
        async move {
            let mut form = vec![("item_id", item)];
            form.extend(fields);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(
                &app,
                post(<SavePriceItem as ServerFn>::PATH, &form, Some(&cookie)),
            )
            .await
        }
    };
    let names = |en: &str, es: &str| vec![("name_en", en.to_string()), ("name_es", es.to_string())];

    // The head: shoppable, with plain names; the member billed with it.
    let mut fields = names("Knee MRI", "Resonancia de rodilla");
    fields.push(("shoppable", "on".into()));
    assert!(save(admin.clone(), head.clone(), fields)
        .await
        .status()
        .is_success());
    let mut fields = names("Radiologist's reading", "Lectura del radiólogo");
    fields.push(("ancillary_of", head.clone()));
    assert!(save(admin.clone(), member.clone(), fields)
        .await
        .status()
        .is_success());
    let form = [("language", "en"), ("item_id", head.as_str()), ("plan", "")];
    let detail: PriceDetail = serde_json::from_str(
        &text(send(&app, post(<GetPrice as ServerFn>::PATH, &form, None)).await).await,
    )
    .expect("detail");
    assert_eq!(detail.name, "Knee MRI");
    assert_eq!(
        detail
            .ancillaries
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Radiologist's reading"]
    );

    // A head with members stays shoppable; a refusal changes nothing.
    let refused = save(admin.clone(), head.clone(), names("Knee MRI", "Resonancia")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("heads_group"));
    // Only administrators edit.
    let mut fields = names("Hacked", "Hackeado");
    fields.push(("shoppable", "on".into()));
    assert_eq!(
        save(patient, head.clone(), fields).await.status(),
        StatusCode::FORBIDDEN
    );

    let editor: ItemEditor = serde_json::from_str(
        &text(
            send(
                &app,
                post(
                    <PriceItemEditor as ServerFn>::PATH,
                    &[("item_id", head.as_str())],
                    Some(&admin),
                ),
            )
            .await,
        )
        .await,
    )
    .expect("editor");
    assert_eq!(editor.history.len(), 1);
    assert!(editor.heads_group && editor.form.shoppable);

    // A re-import of the same file keeps the edits.
    server::prices::import_file(&pool, &file, "admin@example.org")
        .await
        .expect("imports again");
    let (name, group): (String, Option<uuid::Uuid>) = sqlx::query_as(
        "select (select name_en from price_item where price_item_id = $1),
                (select ancillary_of from price_item where price_item_id = $2)",
    )
    .bind(ids[0])
    .bind(ids[1])
    .fetch_one(&pool)
    .await
    .expect("kept");
    assert_eq!((name.as_str(), group), ("Knee MRI", Some(ids[0])));
    // ...and their history: an import re-inserts the items under the same ids.
    let editor: ItemEditor = serde_json::from_str(
        &text(
            send(
                &app,
                post(
                    <PriceItemEditor as ServerFn>::PATH,
                    &[("item_id", head.as_str())],
                    Some(&admin),
                ),
            )
            .await,
        )
        .await,
    )
    .expect("editor");
    assert_eq!(editor.history.len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_administrator_corrects_charges_and_rates_and_each_figure_is_kept(pool: PgPool) {
    use app::pricing::{
        ItemChangeWhat, ItemEditor, PriceItemEditor, SavePriceCharge, SavePriceRate,
    };
    seed(&pool).await;
    let dir = std::env::temp_dir().join(format!("figures-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("cms.csv");
    std::fs::write(&file, CMS_CSV).expect("write");
    let file = file.to_str().expect("path").to_string();
    server::prices::import_file(&pool, &file, "admin@example.org")
        .await
        .expect("imports");
    sqlx::query("update price_file set last_updated_on = '2026-04-01'")
        .execute(&pool)
        .await
        .expect("dated");
    let app = router_with(pool.clone(), config(&[]), options());
    let admin = session(&app, "admin@example.org").await;
    let staff = session(&app, "staff@example.org").await;
    let mri = search(&app, "70551", "", "en").await.items[0].id.clone();
    let editor = |app: Router, admin: String, mri: String| async move {
        let response = send(
            &app,
            post(
                <PriceItemEditor as ServerFn>::PATH,
                &[("item_id", mri.as_str())],
                Some(&admin),
            ),
        )
        .await;
        serde_json::from_str::<ItemEditor>(&text(response).await).expect("editor")
    };
    let before = editor(app.clone(), admin.clone(), mri.clone()).await;
    let charge = before.charges[0].clone();
    assert_eq!(
        (charge.cash, charge.min, charge.max),
        (Some(108_000), Some(25_000), Some(40_000))
    );
    let platform = charge
        .rates
        .iter()
        .find(|r| r.payer == "Platform Health Insurance")
        .expect("Platform's rate")
        .clone();
    assert_eq!(platform.dollar, Some(40_000));
    let save_charge = |cookie: &str, charge: &str, fields: &[(&'static str, &'static str)]| {
        let mut form = vec![("item_id", mri.as_str()), ("charge_id", charge)];
        form.extend_from_slice(fields);
        post(<SavePriceCharge as ServerFn>::PATH, &form, Some(cookie))
    };

    // The lowest above the highest is refused, and nothing changes.
    let refused = send(
        &app,
        save_charge(
            &admin,
            &charge.id,
            &[
                ("gross", "1200"),
                ("cash", "1080"),
                ("min", "500"),
                ("max", "400"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("min_above_max"));
    // Payers have dollar amounts, so the lowest and highest stay required.
    let refused = send(
        &app,
        save_charge(&admin, &charge.id, &[("gross", "1200"), ("cash", "1080")]),
    )
    .await;
    assert!(text(refused).await.contains("min_max_required"));
    // A charge the item does not have (an import replaced it) is refused as gone.
    let stranger = uuid::Uuid::new_v4().to_string();
    let refused = send(&app, save_charge(&admin, &stranger, &[("gross", "1200")])).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("gone"));
    // Staff and visitors may not.
    let fields = [
        ("gross", "1"),
        ("cash", "1"),
        ("min", "250"),
        ("max", "400"),
    ];
    assert_eq!(
        send(&app, save_charge(&staff, &charge.id, &fields))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let unchanged: (Option<i64>, Option<i64>) = sqlx::query_as(
        "select gross_cents, cash_cents from price_charge where price_charge_id = $1::uuid",
    )
    .bind(&charge.id)
    .fetch_one(&pool)
    .await
    .expect("charge");
    assert_eq!(unchanged, (Some(120_000), Some(108_000)));

    // The cash price is corrected; the rate drops to $380 and the range follows by hand.
    let saved = send(
        &app,
        save_charge(
            &admin,
            &charge.id,
            &[
                ("gross", "1,200.00"),
                ("cash", "$995.50"),
                ("min", "250"),
                ("max", "400"),
            ],
        ),
    )
    .await;
    assert!(saved.status().is_success(), "{}", saved.status());
    let rate = |dollar: &'static str, percentage: &'static str| {
        post(
            <SavePriceRate as ServerFn>::PATH,
            &[
                ("item_id", mri.as_str()),
                ("rate_id", platform.id.as_str()),
                ("dollar", dollar),
                ("percentage", percentage),
            ],
            Some(&admin),
        )
    };
    // A percentage needs the count an import carries; nothing at all is no rate.
    assert!(text(send(&app, rate("", "80")).await)
        .await
        .contains("count_required"));
    assert!(text(send(&app, rate("", "")).await)
        .await
        .contains("no_rate"));
    assert!(send(&app, rate("380", "")).await.status().is_success());

    // The public page, the estimator's figures and the machine-readable file all follow.
    let form = [("language", "en"), ("item_id", mri.as_str()), ("plan", "")];
    let detail: PriceDetail = serde_json::from_str(
        &text(send(&app, post(<GetPrice as ServerFn>::PATH, &form, None)).await).await,
    )
    .expect("detail");
    assert_eq!(detail.charges[0].cash, Some(99_550));
    let dollars: Vec<Option<i64>> = detail.charges[0]
        .rates
        .iter()
        .filter(|r| r.payer == "Platform Health Insurance")
        .map(|r| r.dollar)
        .collect();
    assert_eq!(dollars, [Some(38_000)]);
    let json: serde_json::Value =
        serde_json::from_str(&text(get(&app, "/prices/standard-charges.json").await).await)
            .expect("file");
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(json["last_updated_on"].as_str(), Some(today.as_str()));
    assert!(json.to_string().contains("995.5"));

    // Each changed figure is in the history, before and after; unchanged ones are not.
    let after = editor(app.clone(), admin.clone(), mri.clone()).await;
    let figures: Vec<String> = after
        .history
        .iter()
        .filter_map(|h| match &h.what {
            ItemChangeWhat::Figure {
                plan,
                figure,
                before,
                after,
                ..
            } => Some(format!(
                "{} {figure}: {} → {}",
                plan.as_deref().unwrap_or("charge"),
                before.as_deref().unwrap_or("none"),
                after.as_deref().unwrap_or("none")
            )),
            ItemChangeWhat::Names { .. } => None,
        })
        .collect();
    assert_eq!(
        figures,
        [
            "Platform Health Insurance · PPO dollar: $400.00 → $380.00",
            "charge cash: $1,080.00 → $995.50",
        ]
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action in ('prices.charge_edit', 'prices.rate_edit')",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 2);

    // The next import brings the file's figures back; the history stays.
    server::prices::import_file(&pool, &file, "admin@example.org")
        .await
        .expect("imports again");
    let again = editor(app.clone(), admin.clone(), mri.clone()).await;
    assert_eq!(again.charges[0].cash, Some(108_000));
    assert_eq!(again.history.len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}
