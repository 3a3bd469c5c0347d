//! Property tests of the live API against its own OpenAPI document with
//! schemathesis (installed in `.venv` by scripts/setup): no 5xx, no status
//! code or response body the document does not allow. Bounded examples.

mod common;

use agentclash_testkit::TestDb;
use common::LiveApi;
use std::process::Command;

fn schemathesis() -> std::path::PathBuf {
    std::env::var_os("AGENTCLASH_SCHEMATHESIS").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/schemathesis"),
        std::path::PathBuf::from,
    )
}

#[tokio::test]
async fn the_live_api_conforms_to_its_openapi_document() {
    let db = TestDb::new().await;
    let mut api = LiveApi::start(
        &db,
        &[
            ("API_RATE_LIMIT_PER_MINUTE", "0"),
            ("API_WORKSPACE_RATE_LIMIT_PER_MINUTE", "0"),
        ],
        None,
    )
    .await;
    let out = Command::new(schemathesis())
        .args([
            "run",
            &format!("{}/v1/openapi.json", api.base),
            "-H",
            &format!("Authorization: Bearer {}", api.token),
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--no-color",
        ])
        .output()
        .expect("schemathesis runs (installed by scripts/setup)");
    api.stop();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
