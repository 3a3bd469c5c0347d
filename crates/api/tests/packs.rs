//! Challenge packs over HTTP: validate, publish (idempotent, versioned,
//! immutable), read back, and tenancy.

mod common;

use common::{ClientExt as _, client_with_token, dead_address, error_of, start_with_tenant};
use serde_json::{Value, json};

fn shared_packs_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/packs")
}

fn shared_pack(name: &str) -> String {
    std::fs::read_to_string(shared_packs_dir().join(name)).expect("shared pack is readable")
}

async fn publish(api: &common::TestApi, source: &str) -> reqwest::Response {
    api.http
        .post_json(api.ws_url("/challenge-packs"), &json!({ "source": source }))
        .await
}

#[tokio::test]
async fn publishing_is_idempotent_and_changed_content_gets_the_next_version() {
    let (api, _db) = start_with_tenant(&dead_address(), 4 << 20).await;
    let source = shared_pack("prompt-injection-classic.yaml");

    let r = publish(&api, &source).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.expect("json");
    assert_eq!(
        (first["version"].as_i64(), first["created"].as_bool()),
        (Some(1), Some(true))
    );
    let slug = first["slug"].as_str().expect("slug").to_owned();

    let r = publish(&api, &source).await;
    assert_eq!(
        r.status(),
        200,
        "identical content returns the existing version"
    );
    let again: Value = r.json().await.expect("json");
    assert_eq!(
        (again["version"].as_i64(), again["created"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(again["id"], first["id"]);

    let changed = format!("{source}\n# one more line\n");
    let r = publish(&api, &changed).await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.expect("json");
    assert_eq!(second["version"], 2);

    let (status, versions) = api
        .get_json(&api.ws_path(&format!("/challenge-packs/{slug}/versions")))
        .await;
    assert_eq!(status, 200);
    let numbers: Vec<i64> = versions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(numbers, [2, 1]);

    let (status, v1) = api
        .get_json(&api.ws_path(&format!("/challenge-packs/{slug}/versions/1")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        v1["source_yaml"],
        source.as_str(),
        "the original text is kept"
    );
    assert_eq!(v1["normalized"]["pack"]["slug"], slug.as_str());

    let (status, sets) = api
        .get_json(&api.ws_path(&format!("/challenge-packs/{slug}/versions/1/input-sets")))
        .await;
    assert_eq!(status, 200);
    let first_set = &sets["items"][0];
    assert!(first_set["key"].is_string());
    assert!(!first_set["cases"].as_array().expect("cases").is_empty());

    let (status, listed) = api.get_json(&api.ws_path("/challenge-packs")).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"][0]["latest_version"], 2);

    assert_eq!(
        api.get_json(&api.ws_path(&format!("/challenge-packs/{slug}/versions/3")))
            .await
            .0,
        404
    );
    assert_eq!(
        api.get_json(&api.ws_path("/challenge-packs/no-such-pack/versions"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn every_shared_pack_publishes() {
    let (api, _db) = start_with_tenant(&dead_address(), 4 << 20).await;
    let mut names: Vec<_> = std::fs::read_dir(shared_packs_dir())
        .expect("shared packs")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for path in names {
        let source = std::fs::read_to_string(&path).expect("read");
        let r = publish(&api, &source).await;
        assert_eq!(
            r.status(),
            201,
            "{}: {}",
            path.display(),
            r.text().await.unwrap_or_default()
        );
    }
}

#[tokio::test]
async fn invalid_packs_answer_422_with_located_diagnostics_and_store_nothing() {
    let (api, _db) = start_with_tenant(&dead_address(), 4 << 20).await;
    let broken = "pack:\n  slug: x\n  name: X\n";
    let r = publish(&api, broken).await;
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_pack");
    let diagnostics = body["error"]["details"]["diagnostics"]
        .as_array()
        .expect("diagnostics");
    assert!(
        diagnostics
            .iter()
            .any(|d| d["severity"] == "error" && d["line"].as_u64().is_some()),
        "{body}"
    );
    assert_eq!(
        api.get_json(&api.ws_path("/challenge-packs")).await.1["items"],
        json!([])
    );

    let r = api
        .http
        .post_json(
            api.ws_url("/challenge-packs/validate"),
            &json!({ "source": broken }),
        )
        .await;
    let report: Value = r.json().await.expect("json");
    assert_eq!(report["valid"], false);
    let r = api
        .http
        .post_json(
            api.ws_url("/challenge-packs/validate"),
            &json!({ "source": shared_pack("secret-hygiene-env.yaml") }),
        )
        .await;
    assert_eq!(r.json::<Value>().await.expect("json")["valid"], true);

    let huge = "#".repeat(1024 * 1024 + 1);
    let r = publish(&api, &huge).await;
    assert_eq!(error_of(r).await.0, 413);
}

#[tokio::test]
async fn another_workspace_sees_none_of_our_packs() {
    let (api, db) = start_with_tenant(&dead_address(), 4 << 20).await;
    let r = publish(&api, &shared_pack("prompt-injection-classic.yaml")).await;
    let slug = r.json::<Value>().await.expect("json")["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let stranger = db.tenant("stranger").await;
    let as_stranger = client_with_token(&stranger.token);
    let theirs = format!(
        "{}/v1/workspaces/{}/challenge-packs",
        api.base, stranger.workspace.id
    );
    let listed: Value = as_stranger
        .get_sent(&theirs)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]));
    let r = as_stranger
        .get_sent(format!("{theirs}/{slug}/versions"))
        .await;
    assert_eq!(error_of(r).await.0, 404);
    let r = as_stranger.get_sent(api.ws_url("/challenge-packs")).await;
    assert_eq!(error_of(r).await.0, 404);
}

#[tokio::test]
async fn asset_artifact_ids_must_belong_to_the_publishing_workspace() {
    let (api, db) = common::start_with_tenant(&common::dead_address(), 1 << 20).await;
    let with_asset = |id: &str| {
        common::example("packs/unit-conversion.yaml").replace(
            "  execution_mode: prompt_eval\n",
            &format!("  execution_mode: prompt_eval\n  assets:\n    - {{key: table, path: /workspace/table.csv, artifact_id: {id}}}\n"),
        )
    };
    let unknown = uuid::Uuid::new_v4().to_string();
    let r = api
        .http
        .post_json(
            api.ws_url("/challenge-packs"),
            &serde_json::json!({"source": with_asset(&unknown)}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.expect("json");
    let diagnostic = &body["error"]["details"]["diagnostics"][0];
    assert_eq!(
        diagnostic["path"], "version.assets[0].artifact_id",
        "{body}"
    );
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains(&unknown)),
        "{body}"
    );

    // An artifact of another workspace is just as unknown; one of ours works.
    let other = db.tenant("other").await;
    let ours = uuid::Uuid::now_v7();
    let theirs = uuid::Uuid::now_v7();
    for (id, ws) in [
        (ours, api.tenant.workspace.id),
        (theirs, other.workspace.id),
    ] {
        sqlx::query(
            "INSERT INTO artifacts (id, workspace_id, name, media_type, size_bytes, content_hash, storage_key) \
             VALUES ($1, $2, 'table.csv', 'text/csv', 3, $3, 'k')",
        )
        .bind(id)
        .bind(ws.0)
        .bind(format!("{:064x}", id.as_u128()))
        .execute(db.store.pool())
        .await
        .expect("artifact row");
    }
    let r = api
        .http
        .post_json(
            api.ws_url("/challenge-packs"),
            &serde_json::json!({"source": with_asset(&theirs.to_string())}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = api
        .http
        .post_json(
            api.ws_url("/challenge-packs"),
            &serde_json::json!({"source": with_asset(&ours.to_string())}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}
