//! `server` starts the portal; `server migrate` only migrates; `server demo-data --patients N`
//! fills the database with demo content. Configuration comes from the environment
//! (`.env.example`); a bad value stops the process at once with a message naming it.

use anyhow::Context;
use app::{config::Config, state::AppState};
use leptos::prelude::get_configuration;
use secrecy::ExposeSecret;
use std::sync::Arc;

const USAGE: &str = "usage:
  server                          run the portal (migrates first)
  server migrate                  apply database migrations and exit
  server demo-data [--patients N] [--articles N]
                                  load deterministic demo data (default 1000 patients, the
                                  88-article demo library (more articles are synthetic) and
                                  the 44-clinician Find care directory)
  server worker                   run only the background worker (jobs and email), no web
                                  server; any number may run beside the portal
  server api-paths                list the server functions' HTTP paths (one per line)
  server verify-audit             check the audit log's hash chain; exit 1 naming the first
                                  broken row
  server bench-scheduling [--clinicians N] [--appointments N]
                                  load benchmark-scale schedules (default 500 clinicians, a
                                  million appointments) and measure searches, bookings and
                                  the reminder sweep (bench/scheduling.sh)
  server bench-messaging [--conversations N] [--messages N]
                                  load benchmark-scale conversations (default 10,000 open, a
                                  million messages) and measure the inbox and the live path
                                  between two processes (bench/messaging.sh)
  server bench-records [--observations N] [--resources N]
                                  load a patient with ten years of results (default 2,000)
                                  and measure the records queries, then import and export a
                                  bundle of N resources (default 5,000) (bench/records.sh)
  server bench-prices [--services N] [--payers N]
                                  load a price catalogue of N services (default 10,000) with
                                  three plans per payer (default 50) and measure the
                                  estimator's searches (bench/prices.sh)
  server check-mrf FILE SCHEMA    validate a machine-readable price file against CMS's JSON
                                  schema; exit 1 naming the problems
  server import-prices FILE --by EMAIL
                                  replace the price catalogue with a CMS v3.0 file (CSV or
                                  JSON, any size) as the administrator EMAIL, all or nothing;
                                  exit 1 listing the problems";

#[derive(Debug, PartialEq)]
enum Command {
    Serve,
    Migrate,
    Worker,
    ApiPaths,
    DemoData {
        patients: u64,
        articles: u64,
    },
    VerifyAudit,
    BenchScheduling {
        clinicians: i32,
        appointments: i64,
    },
    BenchMessaging {
        conversations: i64,
        messages: i64,
    },
    BenchRecords {
        observations: usize,
        resources: usize,
    },
    BenchPrices {
        services: usize,
        payers: usize,
    },
    CheckMrf {
        file: String,
        schema: String,
    },
    ImportPrices {
        file: String,
        by: String,
    },
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Serve),
        [cmd] if cmd == "serve" => Ok(Command::Serve),
        [cmd] if cmd == "migrate" => Ok(Command::Migrate),
        [cmd] if cmd == "worker" => Ok(Command::Worker),
        [cmd] if cmd == "api-paths" => Ok(Command::ApiPaths),
        [cmd] if cmd == "verify-audit" => Ok(Command::VerifyAudit),
        [cmd, rest @ ..] if cmd == "demo-data" => {
            let (mut patients, mut articles) = (1000, 0);
            for pair in rest.chunks(2) {
                match pair {
                    [flag, n] if flag == "--patients" => {
                        patients = n
                            .parse()
                            .map_err(|_| format!("--patients takes a whole number, not {n:?}"))?;
                    }
                    [flag, n] if flag == "--articles" => {
                        articles = n
                            .parse()
                            .map_err(|_| format!("--articles takes a whole number, not {n:?}"))?;
                    }
                    _ => return Err(USAGE.to_string()),
                }
            }
            Ok(Command::DemoData { patients, articles })
        }
        [cmd, rest @ ..] if cmd == "bench-scheduling" => {
            let (mut clinicians, mut appointments) = (500, 1_000_000);
            for pair in rest.chunks(2) {
                match pair {
                    [flag, n] if flag == "--clinicians" => {
                        clinicians = n
                            .parse()
                            .map_err(|_| format!("--clinicians takes a whole number, not {n:?}"))?;
                    }
                    [flag, n] if flag == "--appointments" => {
                        appointments = n.parse().map_err(|_| {
                            format!("--appointments takes a whole number, not {n:?}")
                        })?;
                    }
                    _ => return Err(USAGE.to_string()),
                }
            }
            Ok(Command::BenchScheduling {
                clinicians,
                appointments,
            })
        }
        [cmd, rest @ ..] if cmd == "bench-messaging" => {
            let (mut conversations, mut messages) = (10_000, 1_000_000);
            for pair in rest.chunks(2) {
                match pair {
                    [flag, n] if flag == "--conversations" => {
                        conversations = n.parse().map_err(|_| {
                            format!("--conversations takes a whole number, not {n:?}")
                        })?;
                    }
                    [flag, n] if flag == "--messages" => {
                        messages = n
                            .parse()
                            .map_err(|_| format!("--messages takes a whole number, not {n:?}"))?;
                    }
                    _ => return Err(USAGE.to_string()),
                }
            }
            Ok(Command::BenchMessaging {
                conversations,
                messages,
            })
        }
        [cmd, rest @ ..] if cmd == "bench-records" => {
            let (mut observations, mut resources) = (2000, 5000);
            for pair in rest.chunks(2) {
                match pair {
                    [flag, n] if flag == "--observations" => {
                        observations = n.parse().map_err(|_| {
                            format!("--observations takes a whole number, not {n:?}")
                        })?;
                    }
                    [flag, n] if flag == "--resources" => {
                        resources = n
                            .parse()
                            .map_err(|_| format!("--resources takes a whole number, not {n:?}"))?;
                    }
                    _ => return Err(USAGE.to_string()),
                }
            }
            Ok(Command::BenchRecords {
                observations,
                resources,
            })
        }
        [cmd, rest @ ..] if cmd == "bench-prices" => {
            let (mut services, mut payers) = (10_000, 50);
            for pair in rest.chunks(2) {
                match pair {
                    [flag, n] if flag == "--services" => {
                        services = n
                            .parse()
                            .map_err(|_| format!("--services takes a whole number, not {n:?}"))?;
                    }
                    [flag, n] if flag == "--payers" => {
                        payers = n
                            .parse()
                            .map_err(|_| format!("--payers takes a whole number, not {n:?}"))?;
                    }
                    _ => return Err(USAGE.to_string()),
                }
            }
            Ok(Command::BenchPrices { services, payers })
        }
        [cmd, file, schema] if cmd == "check-mrf" => Ok(Command::CheckMrf {
            file: file.clone(),
            schema: schema.clone(),
        }),
        [cmd, file, flag, by] if cmd == "import-prices" && flag == "--by" => {
            Ok(Command::ImportPrices {
                file: file.clone(),
                by: by.clone(),
            })
        }
        _ => Err(USAGE.to_string()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let command = parse_args(&args).map_err(anyhow::Error::msg)?;
    if let Command::CheckMrf { file, schema } = &command {
        // Needs no database: it reads a downloaded file.
        return server::bench_prices::check_mrf(file, schema);
    }
    if command == Command::ApiPaths {
        // Needs no configuration: the paths are compiled in (each carries a build hash).
        let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, method)| format!("{method} {path}"))
            .collect();
        paths.sort();
        println!("{}", paths.join("\n"));
        return Ok(());
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    init_tracing(config.log_json);
    if config.uses_development_secret() {
        tracing::warn!(
            "SECRET_KEY is not set: using the development secret (refused in production)"
        );
    }

    let pool = server::pool_options(config.database_max_connections)
        .connect(config.database_url.expose_secret())
        .await
        .context("connecting to the database given by DATABASE_URL")?;
    app::db::MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations")?;
    let mailer = app::email::delivery::Mailer::from_config(&config).map_err(anyhow::Error::msg)?;
    if matches!(mailer, app::email::delivery::Mailer::Mailbox) {
        tracing::warn!(
            "SMTP_URL is not set: emails are kept in the portal's mailbox (/admin/emails), not sent"
        );
    }

    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::ApiPaths => Ok(()),
        Command::Worker => {
            server::worker::run(
                pool.clone(),
                mailer,
                Arc::new(config.clone()),
                server::shutdown_signal(),
            )
            .await;
            pool.close().await;
            Ok(())
        }
        Command::DemoData { patients, articles } => {
            let added = server::demo::load(&pool, patients).await?;
            let added_articles = server::demo_library::load(&pool, articles)
                .await
                .context("loading the demo health library")?;
            let added_clinicians = server::demo_directory::load(&pool)
                .await
                .context("loading the demo Find care directory")?;
            let added_appointments = server::demo_schedule::load(&pool)
                .await
                .context("loading the demo schedules and bookings")?;
            let added_conversations = server::demo_messaging::load(&pool)
                .await
                .context("loading the demo messages")?;
            let added_records = server::demo_records::load(&pool, patients)
                .await
                .context("loading the demo health records")?;
            let added_prices = server::demo_prices::load(&pool)
                .await
                .context("loading the demo price catalogue")?;
            let added_coverage = server::demo_prices::load_coverage(&pool)
                .await
                .context("putting the demo family's coverage on file")?;
            tracing::info!(
                patients,
                added,
                added_articles,
                added_clinicians,
                added_appointments,
                added_conversations,
                added_records,
                added_prices,
                added_coverage,
                "demo data loaded"
            );
            Ok(())
        }
        Command::BenchScheduling {
            clinicians,
            appointments,
        } => {
            server::bench_schedule::load(&pool, clinicians, appointments).await?;
            server::bench_schedule::run(&pool, clinicians).await
        }
        Command::BenchMessaging {
            conversations,
            messages,
        } => {
            let staff = server::bench_messaging::load(&pool, conversations, messages).await?;
            server::bench_messaging::run(&pool, staff).await
        }
        Command::BenchRecords {
            observations,
            resources,
        } => {
            server::bench_records::load(&pool, observations).await?;
            server::bench_records::run(&pool, resources).await
        }
        Command::BenchPrices { services, payers } => {
            server::bench_prices::run(&pool, services, payers).await
        }
        Command::CheckMrf { .. } => Ok(()),
        Command::ImportPrices { file, by } => server::prices::import_file(&pool, &file, &by).await,
        Command::VerifyAudit => {
            let report = app::audit::verify_chain(&pool)
                .await
                .context("reading the audit log")?;
            match report.first_broken {
                None => {
                    println!("audit log intact: {} events", report.rows);
                    Ok(())
                }
                Some(broken) => {
                    println!(
                        "audit log BROKEN at event {} (id {}): it, or the event before it, was \
                         changed or removed after it was written ({} events in all)",
                        broken.chain_seq, broken.audit_event_id, report.rows
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Serve => {
            let leptos = get_configuration(None).context("reading Leptos configuration")?;
            let mut options = leptos.leptos_options;
            anyhow::ensure!(
                !options.output_name.is_empty(),
                "this server binary was built without cargo-leptos, so it does not know its asset \
                 names: build it with `cargo leptos build` (scripts/run.sh does)"
            );
            // cargo-leptos writes the asset hashes beside the binary; use them whenever they are
            // there, so a deployment cannot forget LEPTOS_HASH_FILES and serve missing names.
            if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
                options.hash_files = std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(|dir| dir.join(&*options.hash_file)))
                    .is_some_and(|path| path.exists());
            }
            let addr = options.site_addr;
            let run_worker = config.run_worker;
            let state = AppState {
                leptos_options: options,
                db: pool.clone(),
                config: Arc::new(config),
                live: Default::default(),
            };
            let worker = run_worker.then(|| {
                tokio::spawn(server::worker::run(
                    pool.clone(),
                    mailer,
                    state.config.clone(),
                    server::shutdown_signal(),
                ))
            });
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on {addr}"))?;
            tracing::info!("portal listening on http://{addr}");
            server::serve(listener, server::router(state)).await?;
            if let Some(worker) = worker {
                let _ = worker.await;
            }
            pool.close().await;
            Ok(())
        }
    }
}

fn init_tracing(json: bool) {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    if json {
        fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .init();
    } else {
        fmt().compact().with_env_filter(filter).init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn every_command_parses_and_anything_else_shows_the_usage() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&["migrate"]), Ok(Command::Migrate));
        assert_eq!(parse(&["verify-audit"]), Ok(Command::VerifyAudit));
        assert_eq!(parse(&["worker"]), Ok(Command::Worker));
        assert_eq!(
            parse(&["import-prices", "prices.csv", "--by", "admin@example.org"]),
            Ok(Command::ImportPrices {
                file: "prices.csv".into(),
                by: "admin@example.org".into()
            })
        );
        assert!(parse(&["import-prices", "prices.csv"]).is_err());
        assert_eq!(parse(&["api-paths"]), Ok(Command::ApiPaths));
        assert_eq!(
            parse(&["demo-data"]),
            Ok(Command::DemoData {
                patients: 1000,
                articles: 0
            })
        );
        assert_eq!(
            parse(&["demo-data", "--articles", "50000", "--patients", "5"]),
            Ok(Command::DemoData {
                patients: 5,
                articles: 50_000
            })
        );
        assert_eq!(
            parse(&["demo-data", "--patients", "2000000"]),
            Ok(Command::DemoData {
                patients: 2_000_000,
                articles: 0
            })
        );
        assert_eq!(
            parse(&["demo-data", "--patients", "lots"]),
            Err("--patients takes a whole number, not \"lots\"".to_string())
        );
        assert_eq!(
            parse(&["bench-prices", "--payers", "5"]),
            Ok(Command::BenchPrices {
                services: 10_000,
                payers: 5
            })
        );
        assert_eq!(
            parse(&["check-mrf", "a.json", "schema.json"]),
            Ok(Command::CheckMrf {
                file: "a.json".into(),
                schema: "schema.json".into()
            })
        );
        assert_eq!(parse(&["check-mrf", "a.json"]), Err(USAGE.to_string()));
        assert_eq!(parse(&["verify-audit", "now"]), Err(USAGE.to_string()));
        assert_eq!(parse(&["drop-everything"]), Err(USAGE.to_string()));
    }
}
