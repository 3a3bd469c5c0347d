//! `agentclash-worker`: process wiring only. Connects to Postgres and
//! Temporal, registers the workflows and activities on the run task queue,
//! and polls until SIGTERM, then lets in-flight tasks finish.

use agentclash_artifacts::ArtifactConfig;
use agentclash_config::{
    ProcessEnv, WorkerConfig, exit_on_config_error, init_logging, shutdown_signal,
};
use agentclash_store::Store;
use agentclash_workflows::judging::JudgeAccounts;
use agentclash_workflows::{Engine, EngineConfig};
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use temporalio_sdk::{Runtime, Worker};

/// How long to wait for Postgres and Temporal at start before giving up.
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> ExitCode {
    if matches!(std::env::args().nth(1).as_deref(), Some("-h" | "--help")) {
        println!(
            "usage: agentclash-worker\n\nConfigured by environment variables; see the README."
        );
        return ExitCode::SUCCESS;
    }
    let config = WorkerConfig::from_env(&ProcessEnv)
        .unwrap_or_else(|e| exit_on_config_error("agentclash-worker", &e));
    init_logging(config.log_format);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "agentclash-worker failed");
            eprintln!("agentclash-worker: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: WorkerConfig) -> anyhow::Result<()> {
    let mut store = Store::connect_with_retry(config.database_url.expose(), STARTUP_PATIENCE)
        .await
        .context("connecting to Postgres")?;
    if let Some(url) = &config.redis_url {
        store = store.with_redis_fanout(url.expose()).context("REDIS_URL")?;
    }
    let engine = Arc::new(
        Engine::new(store.clone(), &engine_config(&config)?)
            .context("setting up the run engine")?,
    );
    match engine.sandboxes.reap_orphans().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(reaped = n, "removed sandboxes left by a previous worker"),
        Err(e) => tracing::warn!(error = %e, "could not reap orphaned sandboxes"),
    }
    let client = connect_temporal(&config).await?;
    let runtime =
        Runtime::from_current_tokio(Default::default()).context("creating the Temporal runtime")?;
    let options = agentclash_workflows::worker_options(
        &config.temporal.task_queue,
        engine,
        config.max_concurrent_activities,
    )?;
    let mut worker =
        Worker::new(&runtime, client, options).context("creating the Temporal worker")?;
    let shutdown = worker.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received; finishing in-flight tasks");
        shutdown();
    });
    tracing::info!(task_queue = %config.temporal.task_queue, "agentclash-worker polling");
    worker.run().await.context("worker loop")?;
    store.close().await;
    tracing::info!("agentclash-worker stopped");
    Ok(())
}

async fn connect_temporal(config: &WorkerConfig) -> anyhow::Result<temporalio_client::Client> {
    let deadline = tokio::time::Instant::now() + STARTUP_PATIENCE;
    loop {
        match agentclash_workflows::connect(
            config.temporal.address.url(),
            &config.temporal.namespace,
            &identity(),
        )
        .await
        {
            Ok(client) => return Ok(client),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(e).context("connecting to Temporal");
            }
            Err(e) => {
                tracing::info!(error = %e, "Temporal not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// The engine's settings from the worker's configuration. Artifacts go to
/// S3-compatible storage when `ARTIFACTS_S3_*` is set, else to
/// `ARTIFACT_STORE`.
fn engine_config(config: &WorkerConfig) -> anyhow::Result<EngineConfig> {
    let artifacts = ArtifactConfig::from_env_map(
        &|k| std::env::var(k).ok(),
        config.artifact_store.dir().to_path_buf(),
    )
    .context("artifact storage")?;
    Ok(EngineConfig {
        sandbox_root: config.sandbox_root.clone(),
        artifacts,
        secrets_key: config.secrets_key.as_ref().map(|k| *k.expose()),
        allow_private_network: config.local_mode,
        judge_accounts: JudgeAccounts::from_env(|k| std::env::var(k).ok()),
    })
}

fn identity() -> String {
    format!("agentclash-worker@{}", std::process::id())
}
