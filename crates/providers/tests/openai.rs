//! OpenAI Chat Completions adapter against a fake server speaking the wire protocol.

#[macro_use]
mod support;

use agentclash_providers::{FinishReason, ProviderKind, Usage};
use serde_json::{Value, json};
use support::{
    FakeServer, Protocol, Recorder, Reply, account, data, fast_router, local_opts,
    openai_completion as completion, tool_conversation,
};

const PROTOCOL: Protocol = Protocol {
    kind: ProviderKind::OpenAi,
    model: "gpt-4.1",
    path: "/chat/completions",
    ok: || completion(json!({"role": "assistant", "content": "ok"}), "stop"),
    partial_stream: || {
        vec![
            data(chunk(json!({"role": "assistant", "content": "par"}), None)),
            data(chunk(json!({"content": "tial"}), None)),
        ]
    },
};

error_scenarios!(PROTOCOL);

fn chunk(delta: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-2", "object": "chat.completion.chunk", "model": "gpt-4.1-2025-04-14",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

fn assert_request_shape(body: &Value) {
    assert_eq!(body["model"], "gpt-4.1");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is the weather in Oslo?"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "call_w1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_w1", "content": "{\"temp_c\": 3}"},
        ])
    );
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["required"],
        json!(["city"])
    );
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["temperature"], 0.5);
}

#[tokio::test]
async fn non_streamed_tool_call_round_trip() {
    let reply = completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Bergen\"}"}},
            {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{not json"}},
        ]}),
        "tool_calls",
    );
    let server = FakeServer::start(vec![Reply::ok(reply)]).await;
    let response = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "sk-test-key"),
            &tool_conversation("gpt-4.1"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("completion");

    let sent = server.single_request();
    assert_eq!(sent.path_and_query, "/chat/completions");
    assert_eq!(sent.header("authorization"), "Bearer sk-test-key");
    assert_request_shape(&sent.body);
    assert!(sent.body.get("stream").is_none());

    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls.len(), 2);
    assert_eq!(
        (
            response.tool_calls[0].id.as_str(),
            response.tool_calls[0].name.as_str()
        ),
        ("call_a", "get_weather")
    );
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Bergen"}));
    assert_eq!(
        response.tool_calls[1].arguments,
        Value::String("{not json".into()),
        "raw text kept"
    );
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 30,
            cached_input_tokens: 100
        }
    );
    assert_eq!(response.model, "gpt-4.1-2025-04-14");
    assert_eq!(response.time_to_first_token, None);
    assert_eq!(response.attempts, 1);
}

#[tokio::test]
async fn streamed_text_and_tool_call_deltas_are_assembled() {
    let events = vec![
        data(chunk(json!({"role": "assistant", "content": ""}), None)),
        data(chunk(json!({"content": "Let me "}), None)),
        data(chunk(json!({"content": "check."}), None)),
        data(chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_s1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
            None,
        )),
        data(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"ci"}}]}),
            None,
        )),
        data(chunk(
            json!({"tool_calls": [{"index": 1, "id": "call_s2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]}),
            None,
        )),
        data(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Tro"}}]}),
            None,
        )),
        data(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "msø\"}"}}]}),
            None,
        )),
        data(chunk(json!({}), Some("tool_calls"))),
        data(
            json!({"id": "chatcmpl-2", "object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 12, "prompt_tokens_details": {"cached_tokens": 32}}}),
        ),
        "data: [DONE]\n\n".to_owned(),
    ];
    let server = FakeServer::start(vec![Reply::sse(events)]).await;
    let mut sink = Recorder::default();
    let response = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "sk-test-key"),
            &tool_conversation("gpt-4.1"),
            &local_opts(true, 1),
            &mut sink,
        )
        .await
        .expect("streamed completion");

    let sent = server.single_request();
    assert_request_shape(&sent.body);
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["stream_options"], json!({"include_usage": true}));

    assert_eq!(sink.deltas, ["Let me ", "check."]);
    assert_eq!(response.text, "Let me check.");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    let calls: Vec<_> = response
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("call_s1", "get_weather", json!({"city": "Tromsø"})),
            ("call_s2", "get_time", json!({}))
        ]
    );
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 50,
            output_tokens: 12,
            cached_input_tokens: 32
        }
    );
    assert!(
        response
            .time_to_first_token
            .is_some_and(|t| t <= response.duration)
    );
}

#[tokio::test]
async fn error_chunk_inside_a_stream_is_classified() {
    let events = vec![
        data(chunk(json!({"content": "Hi"}), None)),
        data(json!({"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}})),
    ];
    let server = FakeServer::start(vec![Reply::sse(events)]).await;
    let err = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "k"),
            &tool_conversation("gpt-4.1"),
            &local_opts(true, 1),
            &mut Recorder::default(),
        )
        .await
        .expect_err("stream error");
    assert_eq!(
        err.class,
        agentclash_providers::ErrorClass::RateLimit,
        "{err}"
    );
}

#[tokio::test]
async fn server_ignoring_stream_flag_still_works() {
    let server = FakeServer::start(vec![Reply::ok(completion(
        json!({"role": "assistant", "content": "whole"}),
        "stop",
    ))])
    .await;
    let mut sink = Recorder::default();
    let response = fast_router()
        .chat(
            &account(ProviderKind::OpenAi, &server, "k"),
            &tool_conversation("gpt-4.1"),
            &local_opts(true, 1),
            &mut sink,
        )
        .await
        .expect("json answer to a streamed request");
    assert_eq!(response.text, "whole");
    assert_eq!(
        sink.deltas,
        ["whole"],
        "the text still reaches the sink once"
    );
}
