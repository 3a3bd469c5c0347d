//! Test-only fixtures.
//!
//! `make test` runs every test under `agentclash-test-env`, which starts one
//! Postgres cluster and one Temporal dev server for the whole run and exports
//! their addresses. Each test then gets its own database ([`TestDb`]) and its
//! own Temporal task queue ([`unique_task_queue`]), so tests are independent
//! and run in parallel.

pub mod judge_server;
pub mod live;
pub mod redis;
pub mod sse;

use agentclash_store::Store;

/// Postgres server URL without a database path, exported by the harness.
pub const PG_URL_VAR: &str = "AGENTCLASH_TEST_PG_URL";
/// Temporal frontend `host:port`, exported by the harness.
pub const TEMPORAL_ADDRESS_VAR: &str = "AGENTCLASH_TEST_TEMPORAL_ADDRESS";

fn harness_var(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: integration tests need the shared test services; run them with \
             `make test` or `agentclash-test-env -- cargo nextest run`"
        )
    })
}

/// A fresh, migrated database on the shared test cluster.
#[derive(Debug, Clone)]
pub struct TestDb {
    /// Store connected to the database.
    pub store: Store,
    /// Its connection URL (for processes started by the test).
    pub url: String,
    /// Its name.
    pub name: String,
}

impl TestDb {
    /// Creates an empty database with every migration applied.
    pub async fn new() -> Self {
        let db = Self::empty().await;
        db.store
            .migrate()
            .await
            .expect("migrations apply to a fresh database");
        db
    }

    /// Creates an empty database without running migrations.
    pub async fn empty() -> Self {
        let server = harness_var(PG_URL_VAR);
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin = Store::connect_lazy(&format!("{server}/postgres")).expect("admin url parses");
        admin
            .create_database(&name)
            .await
            .expect("test database can be created");
        admin.close().await;
        let url = format!("{server}/{name}");
        let store = Store::connect_lazy(&url).expect("test url parses");
        Self { store, url, name }
    }
}

/// A user with a live API token and a workspace they administer.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The user.
    pub user: agentclash_store::users::User,
    /// Their workspace (role: admin).
    pub workspace: agentclash_store::tenancy::Workspace,
    /// A bearer token for them.
    pub token: String,
}

impl TestDb {
    /// Creates a user `who@test.local` with an organization, a workspace they
    /// administer and an API token.
    pub async fn tenant(&self, who: &str) -> Tenant {
        let user = self.user(who).await;
        let org = self
            .store
            .create_organization(user.id, &format!("org-{who}"), who)
            .await
            .expect("organization");
        let workspace = self
            .store
            .create_workspace(user.id, org.id, "main", "Main")
            .await
            .expect("workspace");
        let token = self.token_for(&user).await;
        Tenant {
            user,
            workspace,
            token,
        }
    }

    /// Creates a user `who@test.local` with no memberships.
    pub async fn user(&self, who: &str) -> agentclash_store::users::User {
        self.store
            .create_user(&format!("{who}@test.local"), who, None)
            .await
            .expect("user")
    }

    /// Mints a live API token for `user`.
    pub async fn token_for(&self, user: &agentclash_store::users::User) -> String {
        let minted = agentclash_auth::mint_token();
        self.store
            .create_api_token(
                user.id,
                "test",
                &minted.hash.0,
                &minted.display_prefix,
                None,
            )
            .await
            .expect("token");
        minted.plaintext
    }
}

/// The secrets master key test workers open workspace secrets with; API
/// tests seal with the same key.
pub const TEST_SECRETS_KEY: [u8; 32] = [7; 32];

/// How a [`TestWorker`] is set up.
#[derive(Debug, Clone)]
pub struct TestWorkerOptions {
    /// Temporal frontend (`host:port`); the shared test server by default.
    pub address: String,
    /// Activities in flight at once.
    pub slots: usize,
    /// Where large payloads go (the API under test may read them); a
    /// private directory when `None`.
    pub artifacts_dir: Option<std::path::PathBuf>,
    /// Platform accounts of LLM judges (e.g. a local fake judge server).
    pub judge_accounts: agentclash_workflows::judging::JudgeAccounts,
}

impl Default for TestWorkerOptions {
    fn default() -> Self {
        Self {
            address: temporal_address(),
            slots: 8,
            artifacts_dir: None,
            judge_accounts: Default::default(),
        }
    }
}

/// The shared Temporal dev server's address (`host:port`).
pub fn temporal_address() -> String {
    harness_var(TEMPORAL_ADDRESS_VAR)
}

/// A task queue no other test uses, so workers of parallel tests never steal
/// each other's workflows.
pub fn unique_task_queue(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A Temporal worker for the run task queue, running on its own thread (the
/// SDK's worker future is not `Send`). Dropping it shuts the worker down.
///
/// Tests that use it must run on a multi-thread runtime
/// (`#[tokio::test(flavor = "multi_thread")]`): on a current-thread runtime
/// the API's Temporal client stalls while a worker runs in the process.
pub struct TestWorker {
    shutdown: Option<Box<dyn Fn() + Send>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Sandboxes and artifacts of this worker; removed on drop.
    state: Option<tempfile::TempDir>,
}

impl TestWorker {
    /// Starts a worker polling `task_queue` on the shared Temporal server,
    /// writing to `store`. Returns once the worker is registered.
    pub fn spawn(store: Store, task_queue: &str) -> Self {
        Self::spawn_at(&temporal_address(), store, task_queue)
    }

    /// Like [`TestWorker::spawn`] against the Temporal server at `address`
    /// (`host:port`).
    pub fn spawn_at(address: &str, store: Store, task_queue: &str) -> Self {
        Self::spawn_with(
            store,
            task_queue,
            TestWorkerOptions {
                address: address.to_owned(),
                ..TestWorkerOptions::default()
            },
        )
    }

    /// A worker set up by `options`.
    pub fn spawn_with(store: Store, task_queue: &str, options: TestWorkerOptions) -> Self {
        let TestWorkerOptions {
            address,
            slots,
            artifacts_dir,
            judge_accounts,
        } = options;
        let address = address.as_str();
        let state = tempfile::Builder::new()
            .prefix("agentclash-test-worker-")
            .tempdir()
            .expect("test worker state dir");
        let engine_config = agentclash_workflows::EngineConfig {
            sandbox_root: state.path().join("sandboxes"),
            artifacts: agentclash_artifacts::ArtifactConfig::Filesystem {
                root: artifacts_dir.unwrap_or_else(|| state.path().join("artifacts")),
            },
            secrets_key: Some(TEST_SECRETS_KEY),
            allow_private_network: true,
            judge_accounts,
        };
        let engine = std::sync::Arc::new(
            agentclash_workflows::Engine::new(store, &engine_config).expect("test engine"),
        );
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Box<dyn Fn() + Send>>();
        let task_queue = task_queue.to_owned();
        let address = format!("http://{address}");
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test worker runtime builds");
            runtime.block_on(async move {
                let client = agentclash_workflows::connect(&address, "default", "test-worker")
                    .await
                    .expect("test worker connects to Temporal");
                let sdk_runtime = temporalio_sdk::Runtime::from_current_tokio(Default::default())
                    .expect("temporal runtime");
                let options = agentclash_workflows::worker_options(&task_queue, engine, slots)
                    .expect("worker options");
                let mut worker = temporalio_sdk::Worker::new(&sdk_runtime, client, options)
                    .expect("worker builds");
                let handle = worker.shutdown_handle();
                ready_tx.send(Box::new(handle)).expect("test is waiting");
                worker.run().await.expect("worker runs until shut down");
            });
        });
        let shutdown = ready_rx.recv().expect("worker thread reports readiness");
        Self {
            shutdown: Some(shutdown),
            thread: Some(thread),
            state: Some(state),
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        drop(self.state.take());
    }
}
