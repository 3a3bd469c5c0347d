//! The deterministic `scripted` provider through the router.

mod support;

use std::time::Duration;

use agentclash_providers::{
    AccountConfig, CallOptions, ChatRequest, ChatResponse, ErrorClass, FinishReason, Message,
    ProviderError, ProviderKind, ProviderRouter, RouterConfig, ScriptedConfig, ToolCall, Usage,
};
use serde_json::{Value, json};
use support::Recorder;

fn scripted_account() -> AccountConfig {
    AccountConfig {
        id: "scripted-demo".into(),
        kind: ProviderKind::Scripted,
        base_url: None,
        api_key: None,
        max_concurrency: None,
        requests_per_minute: None,
        tokens_per_minute: None,
    }
}

fn config() -> Value {
    json!({
        "rules": [
            {"when_last_user_contains": "capital of France", "respond": {"text": "Paris", "usage": {"input_tokens": 11, "output_tokens": 1}}},
        ],
        "responses": [
            {"text": "Let me look.", "tool_calls": [{"name": "search", "arguments": {"q": "weather"}}, {"name": "clock"}]},
            {"text": "It is sunny.", "latency_ms": 250},
        ],
    })
}

/// A conversation after `assistant_turns` assistant turns, ending with `last_user`.
fn conversation(assistant_turns: usize, last_user: &str) -> ChatRequest {
    let mut messages = vec![
        Message::system("sys"),
        Message::user("capital of France? no: weather"),
    ];
    for i in 0..assistant_turns {
        let id = format!("call_{i}_0");
        messages.push(Message::assistant(
            "",
            vec![ToolCall {
                id: id.clone(),
                name: "search".into(),
                arguments: json!({}),
            }],
        ));
        messages.push(Message::tool(id, "{}"));
    }
    messages.push(Message::user(last_user));
    ChatRequest {
        model: "scripted-agent-v1".into(),
        messages,
        tools: vec![],
        max_output_tokens: None,
        temperature: None,
    }
}

async fn call_with(
    config: Value,
    req: &ChatRequest,
    stream: bool,
) -> (Result<ChatResponse, ProviderError>, Recorder) {
    let opts = CallOptions {
        stream,
        scripted: Some(config),
        ..CallOptions::default()
    };
    let mut sink = Recorder::default();
    let result = ProviderRouter::new(RouterConfig::default())
        .chat(&scripted_account(), req, &opts, &mut sink)
        .await;
    (result, sink)
}

async fn call(req: &ChatRequest) -> ChatResponse {
    call_with(config(), req, false)
        .await
        .0
        .expect("scripted answer")
}

#[tokio::test]
async fn rules_match_the_last_user_message_only() {
    let answer = call(&conversation(0, "What is the capital of France?")).await;
    assert_eq!(answer.text, "Paris");
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 11,
            output_tokens: 1,
            cached_input_tokens: 0
        }
    );
    // The first user message also mentions it, but only the last one counts.
    let answer = call(&conversation(0, "and the weather?")).await;
    assert_eq!(answer.text, "Let me look.");
}

#[tokio::test]
async fn a_rule_with_at_step_fires_only_at_that_step() {
    let config = json!({
        "responses": [{"text": "working"}, {"text": "still working"}],
        "rules": [{"when_last_user_contains": "case A", "at_step": 1, "respond": {"text": "answer A"}}],
    });
    let at = |turns| conversation(turns, "please solve case A");
    let (first, _) = call_with(config.clone(), &at(0), false).await;
    assert_eq!(first.expect("step 0").text, "working");
    let (second, _) = call_with(config.clone(), &at(1), false).await;
    assert_eq!(second.expect("step 1").text, "answer A");
    let (other, _) = call_with(config, &conversation(1, "case B"), false).await;
    assert_eq!(other.expect("step 1, other case").text, "still working");
}

#[tokio::test]
async fn steps_are_indexed_by_assistant_turns_and_repeatable() {
    let first = call(&conversation(0, "weather?")).await;
    assert_eq!(first.finish_reason, FinishReason::ToolCalls);
    let calls: Vec<_> = first
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("call_0_0", "search", json!({"q": "weather"})),
            ("call_0_1", "clock", json!({}))
        ]
    );
    assert_eq!(first.model, "scripted-agent-v1");
    assert_eq!(
        first,
        ChatResponse {
            duration: first.duration,
            ..call(&conversation(0, "weather?")).await
        },
        "same request, same answer"
    );

    let second = call(&conversation(1, "weather?")).await;
    assert_eq!(
        (second.text.as_str(), second.finish_reason.clone()),
        ("It is sunny.", FinishReason::Stop)
    );
}

#[tokio::test]
async fn exhausted_script_is_an_invalid_request_unless_there_is_a_default() {
    let (result, _) = call_with(config(), &conversation(2, "more?"), false).await;
    let err = result.expect_err("two steps only");
    assert_eq!(err.class, ErrorClass::InvalidRequest);
    assert_eq!(err.message, "scripted responses exhausted at step 2");

    let mut with_default = config();
    with_default["default"] = json!({"text": "I am done."});
    let (result, _) = call_with(with_default, &conversation(2, "more?"), false).await;
    assert_eq!(result.expect("default step").text, "I am done.");
}

#[tokio::test]
async fn bad_configs_name_the_json_path() {
    let cases = [
        (
            json!({"responses": [{"text": "a"}, {"tool_calls": [{"arguments": {}}]}]}),
            "responses[1].tool_calls[0]",
            "missing field `name`",
        ),
        (
            json!({"responses": [{"latency_ms": "slow"}]}),
            "responses[0].latency_ms",
            "invalid type",
        ),
        (
            json!({"respones": []}),
            "respones",
            "unknown field `respones`",
        ),
        (
            json!({"rules": [{"when_last_user_contains": "", "respond": {}}]}),
            "rules[0].when_last_user_contains",
            "must not be empty",
        ),
        (
            json!({"default": {"tool_calls": [{"name": " "}]}}),
            "default.tool_calls[0].name",
            "must not be empty",
        ),
        (json!({}), ".", "needs at least one of"),
    ];
    for (config, path, message) in cases {
        let err = ScriptedConfig::from_value(&config).expect_err("invalid config");
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains(message), "{err}");
        let (result, _) = call_with(config, &conversation(0, "hi"), false).await;
        let err = result.expect_err("refused");
        assert_eq!(err.class, ErrorClass::InvalidRequest);
        assert!(err.message.contains(&format!("at {path}:")), "{err}");
    }
}

#[tokio::test]
async fn missing_config_is_an_invalid_request() {
    let opts = CallOptions::default();
    let err = ProviderRouter::new(RouterConfig::default())
        .chat(
            &scripted_account(),
            &conversation(0, "hi"),
            &opts,
            &mut Recorder::default(),
        )
        .await
        .expect_err("no config");
    assert_eq!(err.class, ErrorClass::InvalidRequest);
    assert!(err.message.contains("scripted config"), "{err}");
}

#[tokio::test]
async fn usage_is_estimated_deterministically_when_absent() {
    let config = json!({"responses": [{"text": "abcdefghi"}]});
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![Message::user("hello")],
        tools: vec![],
        max_output_tokens: None,
        temperature: None,
    };
    let (result, _) = call_with(config, &req, false).await;
    // 5 characters in, 9 out, 4 characters per token rounded up.
    assert_eq!(
        result.expect("answer").usage,
        Usage {
            input_tokens: 2,
            output_tokens: 3,
            cached_input_tokens: 0
        }
    );
}

#[tokio::test(start_paused = true)]
async fn latency_is_honoured_and_streamed_text_reaches_the_sink() {
    let (result, sink) = call_with(config(), &conversation(1, "weather?"), true).await;
    let answer = result.expect("answer");
    assert!(
        answer.duration >= Duration::from_millis(250),
        "{:?}",
        answer.duration
    );
    assert!(
        answer
            .time_to_first_token
            .is_some_and(|t| t >= Duration::from_millis(250))
    );
    assert_eq!(sink.deltas, ["It is sunny."]);

    let (result, sink) = call_with(config(), &conversation(1, "weather?"), false).await;
    assert_eq!(result.expect("answer").time_to_first_token, None);
    assert!(sink.deltas.is_empty(), "non-streamed calls send no deltas");
}
