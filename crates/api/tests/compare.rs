//! Comparisons, release gates and baselines over real scored runs: the
//! correct and the buggy scripted RPN agents compared both ways, a stored
//! gate verdict, a run on other cases that is not comparable, field-naming
//! 4xx errors, and tenancy (another workspace's lanes are never reachable).

mod common;

use agentclash_testkit::temporal_address;
use common::{ClientExt as _, TestApi, client_with_token, error_of, start_with_tenant};
use serde_json::{Value, json};

/// Fails on a correctness drop over 0.05, warns on any drop.
fn policy() -> Value {
    json!({
        "dimensions": {"correctness": {"warn_delta": 0.0, "fail_delta": 0.05}},
        "required_dimensions": ["correctness"],
        "require_scorecard_pass": false
    })
}

/// Stores a comparison of two lanes, gated by `policy()` when `gated`.
async fn store(api: &TestApi, baseline: &str, candidate: &str, gated: bool) -> Value {
    let mut body = json!({"baseline": baseline, "candidate": candidate});
    if gated {
        body["policy"] = policy();
    }
    api.post_ok(&api.ws_path("/comparisons"), &body).await
}

fn case_keys(list: &Value) -> Vec<&str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["case_key"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buggy_candidate_regresses_against_the_correct_baseline_and_fails_the_gate() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let (_, run) = api.completed_rpn_run().await;
    let correct = run["agents"][0]["id"].as_str().expect("id").to_owned();
    let buggy = run["agents"][1]["id"].as_str().expect("id").to_owned();
    let compare = |b: &str, c: &str| api.ws_path(&format!("/compare?baseline={b}&candidate={c}"));

    let (status, cmp) = api.get_json(&compare(&correct, &buggy)).await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["comparable"], true, "{cmp}");
    assert_eq!(cmp["reasons"], json!([]));
    assert_eq!(
        cmp["baseline_lane"]["label"]
            .as_str()
            .map(|l| l.starts_with("correct")),
        Some(true)
    );
    let correctness = cmp["dimensions"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["key"] == "correctness"))
        .expect("correctness dimension");
    assert_eq!(correctness["baseline"], 1.0, "{correctness}");
    assert!(
        correctness["delta"].as_f64().is_some_and(|d| d < -0.05),
        "{correctness}"
    );
    assert_eq!(correctness["paired"]["n"], 3);
    assert_eq!(correctness["paired"]["regressed"], 2);
    assert_eq!(correctness["paired"]["ties"], 1);
    let ci = &correctness["paired"]["ci95"];
    assert!(ci[0].as_f64() <= correctness["paired"]["mean_delta"].as_f64());
    assert!(
        correctness["paired"]["sign_test_p"]
            .as_f64()
            .is_some_and(|p| (p - 0.5).abs() < 1e-9)
    );
    assert_eq!(
        case_keys(&cmp["regressions"]),
        ["negative-division", "negative-remainder"]
    );
    assert_eq!(case_keys(&cmp["improvements"]), Vec::<&str>::new());
    let flips: Vec<(&str, &Value)> = cmp["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c["case_key"].as_str().unwrap_or(""), &c["flip"]))
        .collect();
    assert_eq!(flips[0], ("sum-and-product", &Value::Null));
    assert_eq!(flips[1].1, "regression");

    // Stored with a gate: fail, naming the dimension and the cases.
    let stored = store(&api, &correct, &buggy, true).await;
    assert_eq!(stored["verdict"], "fail", "{stored}");
    assert_eq!(stored["gate"]["verdict"], "fail");
    let failing: Vec<&Value> = stored["gate"]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["verdict"] == "fail")
        .collect();
    assert_eq!(failing.len(), 1, "{stored}");
    assert_eq!(failing[0]["dimension"], "correctness");
    assert_eq!(
        failing[0]["cases"],
        json!(["negative-division", "negative-remainder"])
    );
    assert_eq!(stored["comparison"]["regressions"], cmp["regressions"]);
    let (status, again) = api
        .get_json(&api.ws_path(&format!(
            "/comparisons/{}",
            stored["id"].as_str().expect("id")
        )))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, stored, "reading it back gives what was stored");

    // The other way round the candidate improves; against itself nothing moves.
    let swapped = store(&api, &buggy, &correct, true).await;
    assert_eq!(swapped["verdict"], "pass", "{swapped}");
    assert_eq!(swapped["comparison"]["improvements"], cmp["regressions"]);
    let (_, same) = api.get_json(&compare(&correct, &correct)).await;
    assert_eq!(same["overall"]["delta"], 0.0);
    assert_eq!(same["overall"]["paired"]["sign_test_p"], 1.0);
    let without_gate = store(&api, &correct, &correct, false).await;
    assert_eq!(without_gate["verdict"], Value::Null);
    assert_eq!(without_gate["gate"], Value::Null);

    // A run of the same pack on one case only is not comparable.
    let subset = api
        .post_ok(
            &api.ws_path("/runs"),
            &json!({"pack_version_id": run["pack_version_id"], "deployment_ids": [run["agents"][0]["deployment_id"]],
                "case_keys": ["sum-and-product"]}),
        )
        .await;
    let subset_id = subset["id"].as_str().expect("id");
    let subset = api
        .wait_for_terminal(subset_id, std::time::Duration::from_secs(120))
        .await;
    let lane = subset["agents"][0]["id"].as_str().expect("id");
    let gated = store(&api, &correct, lane, true).await;
    assert_eq!(gated["comparable"], false);
    assert_eq!(gated["verdict"], "insufficient_evidence", "{gated}");
    assert_eq!(gated["comparison"]["reasons"][0]["code"], "cases_differ");
    let message = gated["comparison"]["reasons"][0]["message"]
        .as_str()
        .unwrap_or("");
    assert!(message.contains("negative-division"), "{message}");

    // Baselines: set, show, list, move, clear.
    let set = api
        .http
        .put_json(
            api.ws_url("/baselines/rpn"),
            &json!({"run_agent_id": correct}),
        )
        .await;
    assert_eq!(set.status(), 200);
    let set: Value = set.json().await.expect("json");
    assert_eq!(set["run_agent_id"], correct.as_str());
    assert_eq!(set["pack_version_id"], run["pack_version_id"]);
    assert_eq!(set["run_id"], run["id"]);
    let (_, listed) = api.get_json(&api.ws_path("/baselines")).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    let moved: Value = api
        .http
        .put_json(
            api.ws_url("/baselines/rpn"),
            &json!({"run_agent_id": buggy}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(moved["run_agent_id"], buggy.as_str());
    // Clearing is idempotent: the second time is a 204 too.
    for _ in 0..2 {
        assert_eq!(
            api.http
                .delete_sent(api.ws_url("/baselines/rpn"))
                .await
                .status(),
            204
        );
    }
    let (status, _) = api.get_json(&api.ws_path("/baselines/rpn")).await;
    assert_eq!(status, 404);

    // Field-naming errors.
    let (status, code, message) =
        error_of(api.http.get_sent(api.url(&compare("nope", &buggy))).await).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert!(message.contains("`baseline`"), "{message}");
    let bad_policy = json!({"baseline": correct, "candidate": buggy,
        "policy": {"dimensions": {"correctness": {"fail_delta": 2}}}});
    let (status, _, message) = error_of(
        api.http
            .post_json(api.ws_url("/comparisons"), &bad_policy)
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        message.contains("`policy.dimensions.correctness.fail_delta`"),
        "{message}"
    );
    let typo =
        json!({"baseline": correct, "candidate": buggy, "policy": {"required_dimension": []}});
    let (status, _, message) =
        error_of(api.http.post_json(api.ws_url("/comparisons"), &typo).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("required_dimension"), "{message}");
    let (status, _, message) = error_of(
        api.http
            .put_json(
                api.ws_url("/baselines/Bad Name"),
                &json!({"run_agent_id": correct}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("`name`"), "{message}");

    // Tenancy: another workspace cannot see or use these lanes, and its
    // own lanes cannot be mixed in.
    let other = db.tenant("other").await;
    let outsider = client_with_token(&other.token);
    let theirs = |path: &str| api.url(&format!("/v1/workspaces/{}{path}", other.workspace.id));
    let outsider_gets = async |path: String| error_of(outsider.get_sent(theirs(&path)).await).await;
    let (status, _, message) =
        outsider_gets(format!("/compare?baseline={correct}&candidate={buggy}")).await;
    assert_eq!(status, 404);
    assert!(message.contains("`baseline`"), "{message}");
    let (status, _, message) = error_of(
        outsider
            .put_json(
                theirs("/baselines/stolen"),
                &json!({"run_agent_id": correct}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("`run_agent_id`"), "{message}");
    let (status, _, _) = outsider_gets(format!(
        "/comparisons/{}",
        stored["id"].as_str().expect("id")
    ))
    .await;
    assert_eq!(status, 404);
    // Our own workspace, their token: not a member.
    let status = outsider
        .get_sent(api.url(&compare(&correct, &buggy)))
        .await
        .status();
    assert_eq!(status, 404);
}
