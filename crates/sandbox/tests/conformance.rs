//! The conformance suite against the `local` (bubblewrap) provider. Each property
//! is its own test so failures are reported separately and run in parallel.

use agentclash_sandbox::BwrapProvider;
use agentclash_sandbox::conformance::{self, ConformanceOptions, Violation};

/// A provider rooted in a fresh temporary "state directory" that also holds a
/// stand-in for the worker's secrets key.
struct Fixture {
    _state: tempfile::TempDir,
    provider: BwrapProvider,
    options: ConformanceOptions,
}

fn fixture() -> Fixture {
    let state = tempfile::Builder::new()
        .prefix("agentclash-sandbox-conformance-")
        .tempdir_in("/var/tmp")
        .expect("create a state dir");
    let secret = state.path().join("secrets.key");
    std::fs::write(&secret, b"conformance-secret-key-material").expect("write secret");
    let provider = BwrapProvider::new(state.path().join("sandboxes"))
        .expect("the local provider needs root, bwrap, prlimit and setpriv");
    Fixture {
        options: ConformanceOptions {
            runs_on_this_host: true,
            network_reaches_host_loopback: true,
            host_secret_file: Some(secret),
        },
        provider,
        _state: state,
    }
}

fn check(result: Result<(), Violation>) {
    if let Err(violation) = result {
        panic!("conformance violation: {violation}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_basics() {
    let f = fixture();
    check(conformance::exec_basics(&f.provider).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn files_and_persistence() {
    let f = fixture();
    check(conformance::files_and_persistence(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn network_isolation() {
    let f = fixture();
    check(conformance::network_isolation(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn filesystem_confinement() {
    let f = fixture();
    check(conformance::filesystem_confinement(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn fork_bomb_contained() {
    let f = fixture();
    check(conformance::fork_bomb_contained(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn disk_limits() {
    let f = fixture();
    check(conformance::disk_limits(&f.provider).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_limit() {
    let f = fixture();
    check(conformance::memory_limit(&f.provider).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_kills_process_tree() {
    let f = fixture();
    check(conformance::timeout_kills_process_tree(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_semantics() {
    let f = fixture();
    check(conformance::destroy_semantics(&f.provider, &f.options).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn path_escapes() {
    let f = fixture();
    check(conformance::path_escapes(&f.provider, &f.options).await);
}
