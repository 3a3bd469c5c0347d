//! The stack as a whole: `up`, `status`, `down` and friends.

use std::fs::{File, OpenOptions};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::Signal;
use serde::Serialize;

use crate::component::Component;
use crate::error::{Error, IoContext, Result};
use crate::layout::{RELOCATED_PG_BASE, StackLayout};
use crate::net::{connect_addr, http_get, port_in_use, tcp_reachable};
use crate::postgres::{Cluster, PASSWORD_BYTES, PG_USER, choose_postgres_dir};
use crate::process::{
    PidRecord, StopSignal, executable_of, remove_if_exists, spawn_detached, stop, tail_lines,
};
use crate::settings::{
    DEFAULT_API_BIND, DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, PostgresSettings, StackSettings,
    TemporalSettings, url_authority,
};
use crate::tools::{find_stack_binary, find_temporal_bin};
use crate::web::WebApp;
use crate::{secrets, temporal, web};

/// Login of the admin user the local bootstrap creates.
pub const LOCAL_ADMIN_EMAIL: &str = "admin@agentclash.local";

/// What `agentclash-api bootstrap-local` prints.
#[derive(serde::Deserialize)]
struct BootstrapOutput {
    email: String,
    workspace_id: String,
    token: String,
}

/// The local admin's credentials and a fresh CLI token.
pub struct AdminBootstrap {
    /// Web login email.
    pub email: String,
    /// Web login password (also in `password_file`).
    pub password: String,
    /// Where the password is kept (mode 0600).
    pub password_file: PathBuf,
    /// The default workspace's id.
    pub workspace_id: String,
    /// A new API token for the CLI.
    pub token: String,
}

impl std::fmt::Debug for AdminBootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminBootstrap")
            .field("email", &self.email)
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

/// How long a started component may take to become healthy.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The worker has no health endpoint: it counts as ready once it has stayed
/// up this long (long enough to fail on a bad config or connection).
const WORKER_MIN_UPTIME: Duration = Duration::from_secs(2);
/// How long a component may take to exit before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Timeout of one health probe in `status`.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How many log lines a readiness failure quotes.
const FAILURE_LOG_LINES: usize = 20;

/// Whether a component runs, and who runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentState {
    /// Our process is alive.
    Running,
    /// Our process is not running.
    Stopped,
    /// Provided from outside (`DATABASE_URL`, `TEMPORAL_ADDRESS`); not ours.
    External,
    /// Not run by this stack (the web app when it is turned off or cannot
    /// run here; `detail` says why).
    Disabled,
}

impl ComponentState {
    /// The lowercase name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::External => "external",
            Self::Disabled => "disabled",
        }
    }
}

/// One line of `agentclash local status`.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    /// Which component.
    pub name: Component,
    /// Running, stopped or external.
    pub state: ComponentState,
    /// Its pid while running.
    pub pid: Option<i32>,
    /// Where it listens (`host:port`); the worker listens nowhere.
    pub address: Option<String>,
    /// Whether its health check passes (stopped components are unhealthy).
    pub healthy: bool,
    /// Why it is unhealthy, when it is running or external.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Its log file (none for external components).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
}

/// The whole of `agentclash local status`.
#[derive(Debug, Clone, Serialize)]
pub struct StackStatus {
    /// The stack's state directory.
    pub state_dir: PathBuf,
    /// Base URL of the API.
    pub api_url: String,
    /// Base URL of the web app while it runs.
    pub web_url: Option<String>,
    /// Every component, in start order.
    pub components: Vec<ComponentStatus>,
}

impl StackStatus {
    /// True when every component the stack runs is running and healthy:
    /// what `status` turns into its exit code. External components are
    /// reported (with reachability) but do not count: the stack cannot fix
    /// them; neither do disabled ones.
    pub fn managed_healthy(&self) -> bool {
        self.components.iter().all(|c| {
            c.healthy || matches!(c.state, ComponentState::External | ComponentState::Disabled)
        })
    }
}

/// What `up` did with one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpAction {
    /// It was not running and now is.
    Started,
    /// It was already running and healthy; left alone.
    AlreadyRunning,
    /// Provided from outside; nothing to start.
    External,
    /// Not run by this stack (the web app turned off or unable to run).
    Skipped,
}

impl UpAction {
    /// Human wording for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::AlreadyRunning => "already running",
            Self::External => "external",
            Self::Skipped => "skipped",
        }
    }
}

/// The result of `up` for one component.
#[derive(Debug, Clone, Serialize)]
pub struct UpOutcome {
    /// Which component.
    pub name: Component,
    /// What was done.
    pub action: UpAction,
    /// Its pid, when it is ours.
    pub pid: Option<i32>,
    /// Where it listens.
    pub address: Option<String>,
}

/// What `down` did with one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DownAction {
    /// It was running and has been stopped.
    Stopped,
    /// It was not running.
    NotRunning,
    /// Provided from outside; left alone.
    External,
}

impl DownAction {
    /// Human wording for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::NotRunning => "not running",
            Self::External => "external",
        }
    }
}

/// The result of `down` for one component.
#[derive(Debug, Clone, Serialize)]
pub struct DownOutcome {
    /// Which component.
    pub name: Component,
    /// What was done.
    pub action: DownAction,
    /// The pid that was stopped.
    pub pid: Option<i32>,
}

/// Receives one line of progress (for stderr).
pub type Progress<'a> = &'a mut dyn FnMut(&str);

/// How the stack runs a component it manages.
enum Plan<'a> {
    Postgres(Cluster<'a>),
    Temporal { port: u16 },
    App(Component, &'static str),
    Web(WebApp),
}

/// A local stack: its state directory and settings. Cheap to create; every
/// operation looks at pid files and processes afresh, so separate CLI
/// invocations cooperate.
#[derive(Debug, Clone)]
pub struct Stack {
    layout: StackLayout,
    settings: StackSettings,
}

impl Stack {
    /// For `up`: settings from the environment over the stored ones, saved
    /// to `stack.json`. Refuses to change the settings of a running stack.
    pub fn configure(layout: StackLayout) -> Result<Self> {
        layout.ensure_dirs()?;
        let _lock = lock(&layout)?;
        let stored = StackSettings::load(&layout)?;
        let mut settings =
            StackSettings::resolve(&layout, stored.as_ref(), || choose_postgres_dir(&layout))?;
        if let Ok(bin) = find_temporal_bin() {
            settings.temporal_bin = Some(bin);
        }
        if let Some(stored) = &stored {
            let changed = settings.changes_from(stored);
            let running = Component::ALL.into_iter().any(|c| {
                PidRecord::read(&layout.pid_file(c))
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.is_alive())
            });
            if !changed.is_empty() && running {
                return Err(Error::SettingsChanged {
                    state_dir: layout.root().to_path_buf(),
                    changed: changed.join(", "),
                });
            }
        }
        if stored.as_ref() != Some(&settings) {
            settings.save(&layout)?;
        }
        Ok(Self { layout, settings })
    }

    /// For `status`, `down` and `logs`: the stored settings, or what `up`
    /// would choose when there are none. Writes nothing.
    pub fn open(layout: StackLayout) -> Result<Self> {
        let settings = match StackSettings::load(&layout)? {
            Some(settings) => settings,
            None => StackSettings::resolve(&layout, None, || Ok(layout.postgres_dir()))?,
        };
        Ok(Self { layout, settings })
    }

    /// A throw-away stack in `dir` whose Postgres and Temporal listen on the
    /// given ports, ignoring the environment: what test harnesses use (start
    /// it with `up(&[Postgres, Temporal])`, remove it with `destroy`).
    pub fn isolated(dir: &Path, pg_port: u16, temporal_port: u16) -> Result<Self> {
        let layout = StackLayout::new(dir)?;
        layout.ensure_dirs()?;
        let settings = StackSettings {
            postgres: PostgresSettings::Managed {
                port: pg_port,
                dir: choose_postgres_dir(&layout)?,
                password_file: layout.password_file(),
            },
            temporal: TemporalSettings::Managed {
                port: temporal_port,
            },
            api_bind: DEFAULT_API_BIND,
            temporal_namespace: DEFAULT_NAMESPACE.to_owned(),
            task_queue: DEFAULT_TASK_QUEUE.to_owned(),
            temporal_bin: Some(find_temporal_bin()?),
            web_port: None,
            web_disabled: true,
        };
        settings.save(&layout)?;
        Ok(Self { layout, settings })
    }

    /// The state directory layout.
    pub fn layout(&self) -> &StackLayout {
        &self.layout
    }

    /// The settings in effect.
    pub fn settings(&self) -> &StackSettings {
        &self.settings
    }

    /// Starts the given components (in start order, whatever the order of
    /// `components`) and waits for each to be healthy. Healthy ones are left
    /// alone, dead ones restarted. A component that fails to become ready is
    /// stopped again and the error quotes its log.
    pub fn up(&self, components: &[Component], progress: Progress<'_>) -> Result<Vec<UpOutcome>> {
        self.layout.ensure_dirs()?;
        let _lock = lock(&self.layout)?;
        Component::ALL
            .into_iter()
            .filter(|c| components.contains(c))
            .map(|c| self.ensure(c, progress))
            .collect()
    }

    /// Every component's state and health.
    pub fn status(&self) -> StackStatus {
        let components: Vec<ComponentStatus> = Component::ALL
            .into_iter()
            .map(|c| self.component_status(c))
            .collect();
        let web_running = components
            .iter()
            .any(|c| c.name == Component::Web && c.state == ComponentState::Running);
        StackStatus {
            state_dir: self.layout.root().to_path_buf(),
            api_url: self.api_url(),
            web_url: self.web_url().filter(|_| web_running),
            components,
        }
    }

    /// Stops every component we run, dependants first, and removes the pid
    /// files. Keeps going when one fails and reports the first failure.
    pub fn down(&self, progress: Progress<'_>) -> Result<Vec<DownOutcome>> {
        if !self.layout.run_dir().exists() {
            return Ok(Component::ALL
                .into_iter()
                .rev()
                .map(|c| self.down_outcome(c, None))
                .collect());
        }
        let _lock = lock(&self.layout)?;
        let mut outcomes = Vec::new();
        let mut first_error = None;
        for c in Component::ALL.into_iter().rev() {
            match self.stop_component(c, progress) {
                Ok(stopped) => outcomes.push(self.down_outcome(c, stopped)),
                Err(e) => {
                    outcomes.push(self.down_outcome(c, None));
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(outcomes), Err)
    }

    /// `down`, then deletes the state directory and a Postgres directory
    /// relocated under [`RELOCATED_PG_BASE`]: nothing of the stack is left
    /// on disk.
    pub fn destroy(self, progress: Progress<'_>) -> Result<()> {
        let stopped = self.down(progress).map(drop);
        if let PostgresSettings::Managed { dir, .. } = &self.settings.postgres
            && dir.starts_with(RELOCATED_PG_BASE)
        {
            remove_tree(dir)?;
        }
        remove_tree(self.layout.root())?;
        stopped
    }

    /// The last `lines` lines of a component's log.
    pub fn log_tail(&self, component: Component, lines: usize) -> Result<Vec<String>> {
        tail_lines(&self.layout.log_file(component), lines)
    }

    /// `DATABASE_URL` of the API and worker.
    pub fn database_url(&self) -> Result<String> {
        match &self.settings.postgres {
            PostgresSettings::External { url } => Ok(url.expose().to_owned()),
            PostgresSettings::Managed { .. } => {
                Ok(format!("{}/{PG_USER}", self.postgres_server_url()?))
            }
        }
    }

    /// The Postgres server URL with credentials but without a database
    /// path; test harnesses append the database they want.
    pub fn postgres_server_url(&self) -> Result<String> {
        match &self.settings.postgres {
            PostgresSettings::Managed {
                port,
                password_file,
                ..
            } => Ok(format!(
                "postgres://{PG_USER}:{}@127.0.0.1:{port}",
                secrets::read_or_create(password_file, PASSWORD_BYTES)?
            )),
            PostgresSettings::External { url } => {
                let url = url.expose();
                let end = url
                    .find("://")
                    .and_then(|i| url[i + 3..].find(['/', '?']).map(|j| i + 3 + j))
                    .unwrap_or(url.len());
                Ok(url[..end].to_owned())
            }
        }
    }

    /// `TEMPORAL_ADDRESS` (`host:port`) of the API and worker.
    pub fn temporal_address(&self) -> String {
        match &self.settings.temporal {
            TemporalSettings::Managed { port } => format!("127.0.0.1:{port}"),
            TemporalSettings::External { address } => address.clone(),
        }
    }

    /// The `temporal` CLI: the one remembered in the settings while it still
    /// exists, else a fresh lookup.
    pub fn temporal_bin(&self) -> Result<PathBuf> {
        match &self.settings.temporal_bin {
            Some(bin) if bin.is_file() => Ok(bin.clone()),
            _ => find_temporal_bin(),
        }
    }

    /// Base URL of the API, e.g. `http://127.0.0.1:8080`.
    pub fn api_url(&self) -> String {
        format!("http://{}", connect_addr(self.settings.api_bind))
    }

    /// Base URL of the web app (same origin as the API for the browser: it
    /// proxies `/v1/*`), unless the stack runs without it.
    pub fn web_url(&self) -> Option<String> {
        self.address(Component::Web).map(|a| format!("http://{a}"))
    }

    /// The web app, or why the stack runs without it.
    fn web_app(&self) -> std::result::Result<WebApp, String> {
        if self.settings.web_disabled {
            return Err(format!(
                "turned off ({}=0 when the stack was configured; `{}=1 agentclash local up` \
                 turns it on)",
                crate::WEB_ENV,
                crate::WEB_ENV
            ));
        }
        WebApp::locate()
    }

    fn cluster(&self) -> Option<Cluster<'_>> {
        match &self.settings.postgres {
            PostgresSettings::Managed {
                port,
                dir,
                password_file,
            } => Some(Cluster {
                layout: &self.layout,
                dir,
                port: *port,
                password_file,
            }),
            PostgresSettings::External { .. } => None,
        }
    }

    /// `None` when the component is external.
    fn plan(&self, c: Component) -> Option<Plan<'_>> {
        match c {
            Component::Postgres => self.cluster().map(Plan::Postgres),
            Component::Temporal => match &self.settings.temporal {
                TemporalSettings::Managed { port } => Some(Plan::Temporal { port: *port }),
                TemporalSettings::External { .. } => None,
            },
            Component::Api => Some(Plan::App(c, "agentclash-api")),
            Component::Worker => Some(Plan::App(c, "agentclash-worker")),
            Component::Web => self.web_app().ok().map(Plan::Web),
        }
    }

    /// Where a component listens (`host:port`, credentials removed); `None`
    /// for the worker, which listens nowhere.
    pub fn address(&self, c: Component) -> Option<String> {
        match c {
            Component::Postgres => match &self.settings.postgres {
                PostgresSettings::Managed { port, .. } => Some(format!("127.0.0.1:{port}")),
                PostgresSettings::External { url } => url_authority(url.expose()),
            },
            Component::Temporal => Some(self.temporal_address()),
            Component::Api => Some(self.settings.api_bind.to_string()),
            Component::Worker => None,
            Component::Web => (!self.settings.web_disabled)
                .then(|| format!("127.0.0.1:{}", self.settings.web_port())),
        }
    }

    /// The address our process will bind, checked for conflicts first.
    fn listen_addr(&self, plan: &Plan<'_>) -> Option<(SocketAddr, &'static str)> {
        let local = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        match plan {
            Plan::Postgres(cluster) => Some((
                local(cluster.port),
                "set AGENTCLASH_LOCAL_PG_PORT to use another port, or DATABASE_URL to use an existing database",
            )),
            Plan::Temporal { port } => Some((
                local(*port),
                "set AGENTCLASH_LOCAL_TEMPORAL_PORT to use another port, or TEMPORAL_ADDRESS to use an \
                 existing server",
            )),
            Plan::App(Component::Api, _) => Some((
                self.settings.api_bind,
                "set API_BIND to use another address",
            )),
            Plan::Web(_) => Some((
                local(self.settings.web_port()),
                "set AGENTCLASH_LOCAL_WEB_PORT to use another port, or AGENTCLASH_LOCAL_WEB=0 to run \
                 without the web app",
            )),
            Plan::App(..) => None,
        }
    }

    fn ensure(&self, c: Component, progress: Progress<'_>) -> Result<UpOutcome> {
        let outcome = |action, pid| UpOutcome {
            name: c,
            action,
            pid,
            address: self.address(c),
        };
        if c == Component::Web
            && let Err(why) = self.web_app()
        {
            // Turned off since it was started: stop what still runs.
            self.stop_component(c, progress)?;
            progress(&format!("web app not started: {why}"));
            return Ok(outcome(UpAction::Skipped, None));
        }
        let Some(plan) = self.plan(c) else {
            progress(&format!(
                "{c} is external ({}); not starting it",
                self.address(c).unwrap_or_default()
            ));
            return Ok(outcome(UpAction::External, None));
        };
        let pid_file = self.layout.pid_file(c);
        if let Some(record) = PidRecord::read(&pid_file)? {
            if record.is_alive() {
                self.wait_ready(c, &plan, record.pid, Duration::ZERO, || {
                    (!record.is_alive()).then(|| "the process exited".to_owned())
                })?;
                progress(&format!("{c} is already running (pid {})", record.pid));
                return Ok(outcome(UpAction::AlreadyRunning, Some(record.pid)));
            }
            progress(&format!(
                "{c} is not running (stale pid {}); restarting it",
                record.pid
            ));
            stop(&record, stop_signal(c), STOP_GRACE)?;
            remove_if_exists(&pid_file)?;
        }
        if let Some((addr, hint)) = self.listen_addr(&plan)
            && port_in_use(addr)?
        {
            return Err(Error::PortInUse {
                port: addr.port(),
                component: c,
                hint,
            });
        }
        let command = self.command(&plan, progress)?;
        progress(&format!(
            "starting {c}{}",
            self.address(c)
                .map(|a| format!(" on {a}"))
                .unwrap_or_default()
        ));
        let started = Instant::now();
        let mut spawned = spawn_detached(command, &self.layout.log_file(c), &pid_file)?;
        let min_uptime = if c == Component::Worker {
            WORKER_MIN_UPTIME
        } else {
            Duration::ZERO
        };
        let ready = self
            .wait_ready(c, &plan, spawned.record.pid, min_uptime, || {
                spawned.exited()
            })
            .and_then(|()| self.after_ready(&plan));
        if let Err(e) = ready {
            let _ = stop(&spawned.record, stop_signal(c), STOP_GRACE);
            let _ = remove_if_exists(&pid_file);
            return Err(e);
        }
        progress(&format!(
            "{c} is ready ({:.1}s)",
            started.elapsed().as_secs_f64()
        ));
        Ok(outcome(UpAction::Started, Some(spawned.record.pid)))
    }

    fn command(&self, plan: &Plan<'_>, progress: Progress<'_>) -> Result<Command> {
        match plan {
            Plan::Postgres(cluster) => {
                if !cluster.is_initialised() {
                    progress(&format!(
                        "initialising a Postgres cluster in {}",
                        cluster.dir.display()
                    ));
                }
                cluster.prepare(&self.layout.log_file(Component::Postgres))?;
                cluster.start_command()
            }
            Plan::Temporal { port } => Ok(temporal::start_command(
                self.temporal_bin()?,
                *port,
                &self.layout.temporal_db(),
                &self.settings.temporal_namespace,
            )),
            Plan::App(_, binary) => self.app_command(binary),
            Plan::Web(app) => {
                if app.needs_build() {
                    let log = self.layout.log_file(Component::Web);
                    progress(&format!(
                        "building the web app in {} (next build; output in {})",
                        app.dir().display(),
                        log.display()
                    ));
                    app.build(&log)?;
                }
                Ok(app.start_command(self.settings.web_port(), &self.api_url()))
            }
        }
    }

    /// Creates (or reuses) the local admin user, organization and workspace
    /// through `agentclash-api bootstrap-local`, and mints a CLI token. The
    /// admin's web password is generated once and kept in the state dir.
    pub fn bootstrap_admin(&self) -> Result<AdminBootstrap> {
        let password = secrets::read_or_create(&self.layout.admin_password_file(), 12)?;
        let mut cmd = self.app_command("agentclash-api")?;
        cmd.args(["bootstrap-local", LOCAL_ADMIN_EMAIL])
            .env("AGENTCLASH_BOOTSTRAP_PASSWORD", &password)
            .env("LOG_FORMAT", "text")
            .env("RUST_LOG", "off")
            .stdin(std::process::Stdio::null());
        let output = cmd
            .output()
            .context(|| "cannot run agentclash-api bootstrap-local".to_owned())?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output");
            return Err(Error::Bootstrap(reason.trim().to_owned()));
        }
        let created: BootstrapOutput = serde_json::from_slice(&output.stdout)
            .map_err(|e| Error::Bootstrap(format!("unexpected bootstrap output: {e}")))?;
        Ok(AdminBootstrap {
            email: created.email,
            password,
            password_file: self.layout.admin_password_file(),
            workspace_id: created.workspace_id,
            token: created.token,
        })
    }

    /// The API or worker, configured only through its environment.
    fn app_command(&self, binary: &'static str) -> Result<Command> {
        let artifacts = self.layout.artifacts_dir();
        std::fs::create_dir_all(&artifacts)
            .context(|| format!("cannot create {}", artifacts.display()))?;
        let secrets_key = secrets::read_or_create(&self.layout.secrets_key_file(), 32)?;
        let mut cmd = Command::new(find_stack_binary(binary)?);
        cmd.current_dir(self.layout.root())
            .env("DATABASE_URL", self.database_url()?)
            .env("TEMPORAL_ADDRESS", self.temporal_address())
            .env("TEMPORAL_NAMESPACE", &self.settings.temporal_namespace)
            .env("TEMPORAL_TASK_QUEUE", &self.settings.task_queue)
            .env("API_BIND", self.settings.api_bind.to_string())
            .env("ARTIFACT_STORE", artifacts)
            .env("AGENTCLASH_SECRETS_KEY", secrets_key)
            .env("SANDBOX_ROOT", self.layout.sandboxes_dir())
            .env("AGENTCLASH_LOCAL_MODE", "1")
            .env("LOG_FORMAT", "json");
        Ok(cmd)
    }

    /// Whether a running component (process `pid`) answers its health check.
    fn probe(&self, plan: &Plan<'_>, pid: i32) -> Result<(), String> {
        match plan {
            Plan::Postgres(cluster) => cluster.probe(),
            Plan::Temporal { port } => temporal::probe(
                executable_of(pid)
                    .map_or_else(|| self.temporal_bin().map_err(|e| e.to_string()), Ok)?,
                &format!("127.0.0.1:{port}"),
                &self.settings.temporal_namespace,
            ),
            Plan::App(Component::Api, _) => {
                let addr = connect_addr(self.settings.api_bind);
                match http_get(addr, "/healthz/ready", PROBE_TIMEOUT)? {
                    (200, _) => Ok(()),
                    (status, body) => Err(format!("GET /healthz/ready returned {status}: {body}")),
                }
            }
            Plan::Web(_) => web::probe(self.settings.web_port(), PROBE_TIMEOUT),
            // The worker has no endpoint: alive is all we can know.
            Plan::App(..) => Ok(()),
        }
    }

    fn after_ready(&self, plan: &Plan<'_>) -> Result<()> {
        match plan {
            Plan::Postgres(cluster) => {
                cluster.create_database(&self.layout.log_file(Component::Postgres))
            }
            _ => Ok(()),
        }
    }

    fn wait_ready(
        &self,
        c: Component,
        plan: &Plan<'_>,
        pid: i32,
        min_uptime: Duration,
        mut exited: impl FnMut() -> Option<String>,
    ) -> Result<()> {
        let start = Instant::now();
        let mut last = "it never answered a health check".to_owned();
        loop {
            if let Some(how) = exited() {
                return Err(self.not_ready(c, start.elapsed(), how));
            }
            if start.elapsed() >= min_uptime {
                match self.probe(plan, pid) {
                    Ok(()) => return Ok(()),
                    Err(why) => last = why,
                }
            }
            if start.elapsed() >= READY_TIMEOUT + min_uptime {
                return Err(self.not_ready(c, start.elapsed(), last));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn not_ready(&self, c: Component, waited: Duration, reason: String) -> Error {
        let log = self.layout.log_file(c);
        let log_tail = match tail_lines(&log, FAILURE_LOG_LINES) {
            Ok(lines) if lines.is_empty() => "  (empty)".to_owned(),
            Ok(lines) => lines
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("  (unreadable: {e})"),
        };
        Error::NotReady {
            component: c,
            waited,
            reason,
            log,
            log_tail,
        }
    }

    fn component_status(&self, c: Component) -> ComponentStatus {
        let address = self.address(c);
        if c == Component::Web
            && let Err(why) = self.web_app()
        {
            return ComponentStatus {
                name: c,
                state: ComponentState::Disabled,
                pid: None,
                address: None,
                healthy: false,
                detail: Some(why),
                log: None,
            };
        }
        let Some(plan) = self.plan(c) else {
            let reachable = match &address {
                Some(a) => tcp_reachable(a, PROBE_TIMEOUT),
                None => Err("cannot tell where it is".to_owned()),
            };
            return ComponentStatus {
                name: c,
                state: ComponentState::External,
                pid: None,
                address,
                healthy: reachable.is_ok(),
                detail: reachable.err(),
                log: None,
            };
        };
        let record = PidRecord::read(&self.layout.pid_file(c));
        let running = match &record {
            Ok(Some(r)) if r.is_alive() => Some(r.pid),
            _ => None,
        };
        let health = match (running, record) {
            (Some(pid), _) => self.probe(&plan, pid),
            (None, Err(e)) => Err(e.to_string()),
            (None, Ok(_)) => Err("not running".to_owned()),
        };
        ComponentStatus {
            name: c,
            state: if running.is_some() {
                ComponentState::Running
            } else {
                ComponentState::Stopped
            },
            pid: running,
            address,
            healthy: health.is_ok(),
            detail: health.err().filter(|_| running.is_some()),
            log: Some(self.layout.log_file(c)),
        }
    }

    /// Stops one component if it has a pid file; `Some(pid)` if it was running.
    fn stop_component(&self, c: Component, progress: Progress<'_>) -> Result<Option<i32>> {
        let pid_file = self.layout.pid_file(c);
        let Some(record) = PidRecord::read(&pid_file)? else {
            return Ok(None);
        };
        if record.is_alive() {
            progress(&format!("stopping {c} (pid {})", record.pid));
        }
        let started = Instant::now();
        let was_running = stop(&record, stop_signal(c), STOP_GRACE)?;
        remove_if_exists(&pid_file)?;
        if was_running {
            progress(&format!(
                "{c} stopped ({:.1}s)",
                started.elapsed().as_secs_f64()
            ));
        }
        Ok(was_running.then_some(record.pid))
    }

    fn down_outcome(&self, c: Component, stopped: Option<i32>) -> DownOutcome {
        let action = match (stopped, self.plan(c)) {
            (Some(_), _) => DownAction::Stopped,
            (None, None) if c != Component::Web => DownAction::External,
            (None, _) => DownAction::NotRunning,
        };
        DownOutcome {
            name: c,
            action,
            pid: stopped,
        }
    }
}

/// Postgres gets SIGINT on the postmaster alone (its "fast" shutdown, which
/// stops the backends itself); everything else SIGTERM to its whole group.
fn stop_signal(c: Component) -> StopSignal {
    match c {
        Component::Postgres => StopSignal {
            signal: Signal::SIGINT,
            whole_group: false,
        },
        _ => StopSignal {
            signal: Signal::SIGTERM,
            whole_group: true,
        },
    }
}

/// Takes the state directory's lock (released when the value is dropped;
/// the descriptor is close-on-exec, so children never inherit it).
fn lock(layout: &StackLayout) -> Result<Flock<File>> {
    let path = layout.lock_file();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .context(|| format!("cannot open {}", path.display()))?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| match errno {
        Errno::EWOULDBLOCK => Error::Locked(layout.root().to_path_buf()),
        cause => Error::Sys {
            context: format!("cannot lock {}", path.display()),
            cause,
        },
    })
}

fn remove_tree(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}
