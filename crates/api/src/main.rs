//! `agentclash-api`: loads config, then serves (default) or migrates; also
//! prints the OpenAPI document (`openapi`).

use agentclash_config::{
    ApiConfig, ProcessEnv, exit_on_config_error, init_logging, shutdown_signal,
};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: agentclash-api [serve|migrate|bootstrap-local EMAIL|openapi]";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    if matches!(command.as_deref(), Some("-h" | "--help")) {
        println!("{USAGE}\n\nConfigured by environment variables; see the README.");
        return ExitCode::SUCCESS;
    }
    // The OpenAPI document needs no configuration (the web client is
    // generated from it at build time).
    if command.as_deref() == Some("openapi") {
        return match serde_json::to_string_pretty(&agentclash_api::openapi()) {
            Ok(doc) => {
                println!("{doc}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("agentclash-api: cannot render the OpenAPI document: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let config = ApiConfig::from_env(&ProcessEnv)
        .unwrap_or_else(|e| exit_on_config_error("agentclash-api", &e));
    init_logging(config.log_format);
    let result = match command.as_deref() {
        None | Some("serve") => agentclash_api::serve(config, Duration::from_secs(30), async {
            shutdown_signal().await;
            tracing::info!("shutdown signal received; draining");
        })
        .await
        .map_err(anyhow::Error::from),
        Some("migrate") => migrate(&config).await,
        Some("bootstrap-local") => bootstrap(&config, std::env::args().nth(2)).await,
        Some(other) => {
            eprintln!("agentclash-api: unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "agentclash-api failed");
            eprintln!("agentclash-api: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: &ApiConfig) -> anyhow::Result<()> {
    let store = agentclash_store::Store::connect_with_retry(
        config.database_url.expose(),
        Duration::from_secs(30),
    )
    .await?;
    store.migrate().await?;
    store.close().await;
    println!("migrations applied");
    Ok(())
}

/// Creates the local admin, organization, workspace and a CLI token; prints
/// them as JSON on stdout. The password comes from
/// `AGENTCLASH_BOOTSTRAP_PASSWORD` so it never appears in a process listing.
async fn bootstrap(config: &ApiConfig, email: Option<String>) -> anyhow::Result<()> {
    let email =
        email.ok_or_else(|| anyhow::anyhow!("bootstrap-local needs the admin email\n{USAGE}"))?;
    let password = std::env::var("AGENTCLASH_BOOTSTRAP_PASSWORD").map_err(|_| {
        anyhow::anyhow!("AGENTCLASH_BOOTSTRAP_PASSWORD: is not set; expected the admin password")
    })?;
    let store = agentclash_store::Store::connect_with_retry(
        config.database_url.expose(),
        Duration::from_secs(30),
    )
    .await?;
    store.migrate().await?;
    let created = agentclash_api::bootstrap_local(&store, &email, &password).await?;
    store.close().await;
    println!("{}", serde_json::to_string(&created)?);
    Ok(())
}
