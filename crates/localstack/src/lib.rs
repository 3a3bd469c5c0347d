//! Supervisor of the local stack: Postgres, Temporal, the API, the worker
//! and the web app as detached child processes with pid and log files.
//!
//! Each component runs in its own process group (so stopping it stops
//! everything it forked), logs to `<state>/logs/<component>.log` and is
//! recorded in `<state>/run/<component>.pid`. Every command re-reads that
//! state, so `agentclash local up`, `status` and `down` can run from
//! different shells. The API and worker are configured only through their
//! environment, which the supervisor builds from the persisted settings.
//!
//! Test harnesses use [`Stack::isolated`] to run just Postgres and Temporal
//! in a temporary directory on free ports ([`pick_free_port`]).

#![warn(missing_docs)]

mod component;
mod error;
mod layout;
mod net;
mod postgres;
mod process;
mod secrets;
mod settings;
mod stack;
mod temporal;
mod tools;
mod web;

pub use component::{Component, UnknownComponent};
pub use error::{Error, Result};
pub use layout::{RELOCATED_PG_BASE, STATE_DIR_ENV, StackLayout, path_hash};
pub use net::{connect_addr, pick_free_port, port_in_use};
pub use postgres::{PG_USER, choose_postgres_dir};
pub use process::{PidRecord, tail_lines};
pub use secrets::random_hex;
pub use settings::{
    DEFAULT_API_BIND, DEFAULT_NAMESPACE, DEFAULT_PG_PORT, DEFAULT_TASK_QUEUE,
    DEFAULT_TEMPORAL_PORT, PG_PORT_ENV, PostgresSettings, SecretString, StackSettings,
    TEMPORAL_PORT_ENV, TemporalSettings, WEB_ENV, WEB_PORT_ENV, url_authority,
};
pub use stack::{
    AdminBootstrap, ComponentState, ComponentStatus, DownAction, DownOutcome, LOCAL_ADMIN_EMAIL,
    Progress, Stack, StackStatus, UpAction, UpOutcome,
};
pub use tools::{
    BIN_DIR_ENV, PG_BIN_DIR_ENV, TEMPORAL_BIN_ENV, find_postgres_bin_dir, find_stack_binary,
    find_temporal_bin,
};
pub use web::WEB_DIR_ENV;
