//! `prompt_eval` through `run_case`: one model call, no tools, no sandbox,
//! the instructions rendered from the case being run.

mod common;

use agentclash_agent::StopReason;
use agentclash_agent::context::system_text;
use agentclash_core::agents::AgentPolicy;
use agentclash_packs::Pack;
use common::{EXPECTED, Run, Sandboxes, pack, scripted};
use serde_json::json;

fn prompt_pack() -> Pack {
    pack(&format!(
        "pack: {{slug: prompt-test, name: Prompt test, family: test}}
version:
  number: 1
  execution_mode: prompt_eval
  evaluation_spec:
    name: prompt-test
    version_number: 1
    judge_mode: deterministic
    validators:
      - {{key: answer, type: exact_match, target: final_output, expected_from: case.expectations.answer}}
    scorecard:
      strategy: weighted
      dimensions:
        - {{key: correctness, source: validators, validators: [answer]}}
challenges:
  - key: c
    title: Classify
    category: test
    difficulty: easy
    instructions: \"Classify {{{{topic}}}} (priority {{{{meta.level}}}}, {{{{ who }}}}) {{{{missing}}}}\"
input_sets:
  - key: default
    name: Default
    cases:
      - case_key: one
        challenge_key: c
        payload: {{topic: alpha, meta: {{level: 1}}, who: payload}}
        expectations: [{{key: answer, kind: text, value: {EXPECTED}}}]
      - case_key: two
        challenge_key: c
        payload: {{topic: beta, meta: {{level: 2.50}}, who: payload}}
        inputs: [{{key: who, kind: text, value: input}}]
        expectations: [{{key: answer, kind: text, value: {EXPECTED}}}]
"
    ))
}

/// Answers by the rendered prompt, so the answer shows what was asked.
fn by_prompt() -> agentclash_agent::ModelHandle {
    scripted(json!({
        "rules": [
            {"when_last_user_contains": EXPECTED, "respond": {"text": "LEAKED"}},
            {"when_last_user_contains": "Classify alpha (priority 1, payload) {{missing}}", "respond": {"text": "A"}},
            {"when_last_user_contains": "Classify beta (priority 2.5, input) {{missing}}",
             "respond": {"text": "B", "tool_calls": [{"name": "submit", "arguments": {"answer": "ignored"}}]}},
        ],
        "default": {"text": "the prompt was not rendered from this case"},
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_case_gets_its_own_rendered_prompt_and_one_call() {
    let env = Sandboxes::new();
    let pack = prompt_pack();
    for (case, answer) in [("two", "B"), ("one", "A")] {
        let mut run = Run::new(&pack, by_prompt(), &env);
        run.case_key = case;
        run.sandboxes = None;
        let out = run.go().await;
        let r = out.result();
        assert_eq!(
            (
                r.stop_reason,
                r.final_output.as_deref(),
                r.steps,
                r.tool_calls
            ),
            (StopReason::Submitted, Some(answer), 1, 0),
            "{case}"
        );
        assert_eq!(
            out.types(),
            [
                "system.case.started",
                "model.call.started",
                "model.call.completed",
                "system.case.completed"
            ],
            "no sandbox, no tools"
        );
        let started = &out.events[1].payload;
        assert_eq!(
            (&started["messages"], &started["tools"]),
            (&json!(1), &json!(0))
        );
        assert_eq!(out.events[0].payload["mode"], "prompt_eval");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_system_message_comes_from_the_policy() {
    let env = Sandboxes::new();
    let pack = prompt_pack();
    let policy = AgentPolicy {
        role: "a triage bot".into(),
        system_prompt: "Be terse.".into(),
        instructions: "  ".into(),
        ..AgentPolicy::default()
    };
    assert_eq!(system_text(&policy), "You are a triage bot.\n\nBe terse.");
    assert_eq!(system_text(&AgentPolicy::default()), "");
    let mut run = Run::new(&pack, by_prompt(), &env);
    run.policy = policy;
    let out = run.go().await;
    assert_eq!(out.result().final_output.as_deref(), Some("A"));
    assert_eq!(
        out.of("model.call.started")[0].payload["messages"],
        json!(2),
        "system + user"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_instructions_and_refused_calls_are_results() {
    let env = Sandboxes::new();
    let mut pack = prompt_pack();
    pack.challenges[0].instructions = " \n ".to_owned();
    pack.challenges[0].definition.remove("instructions");
    let out = Run::new(&pack, by_prompt(), &env).go().await;
    let r = out.result();
    assert_eq!(r.stop_reason, StopReason::Error);
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .contains("has no instructions"),
        "{r:?}"
    );
    assert!(out.of("model.call.started").is_empty());
    assert_eq!(
        out.events.last().expect("events").payload["stop_reason"],
        "error"
    );

    // A model that cannot answer (the scripted config has nothing for this
    // prompt) ends the case; it is not retried.
    let pack = prompt_pack();
    let nothing = scripted(
        json!({"rules": [{"when_last_user_contains": "never", "respond": {"text": "x"}}]}),
    );
    let out = Run::new(&pack, nothing, &env).go().await;
    let r = out.result();
    assert_eq!((r.stop_reason, r.steps), (StopReason::ProviderError, 0));
    assert!(
        r.error.as_deref().unwrap_or("").contains("exhausted"),
        "{r:?}"
    );
    assert_eq!(
        out.of("model.call.failed")[0].payload["class"],
        "invalid_request"
    );
}
