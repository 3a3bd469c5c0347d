//! Anthropic Messages adapter against a fake server speaking the wire protocol.

#[macro_use]
mod support;

use agentclash_providers::{ErrorClass, FinishReason, ProviderKind, Usage};
use serde_json::{Value, json};
use support::{
    FakeServer, Protocol, Recorder, Reply, account, fast_router, hello, local_opts, named,
    tool_conversation,
};

const PROTOCOL: Protocol = Protocol {
    kind: ProviderKind::Anthropic,
    model: "claude-sonnet-4-5",
    path: "/v1/messages",
    ok: || message(json!([{"type": "text", "text": "ok"}]), "end_turn"),
    partial_stream: || {
        vec![
            message_start(),
            named(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ),
            text_delta(0, "par"),
            text_delta(0, "tial"),
        ]
    },
};

error_scenarios!(PROTOCOL);

fn message(content: Value, stop: &str) -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 20, "output_tokens": 15, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5},
    })
}

fn message_start() -> String {
    named(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "content": [], "stop_reason": null,
            "usage": {"input_tokens": 40, "output_tokens": 1, "cache_read_input_tokens": 60, "cache_creation_input_tokens": 0},
        }}),
    )
}

fn text_delta(index: u64, text: &str) -> String {
    named(
        "content_block_delta",
        json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}),
    )
}

fn json_delta(index: u64, partial: &str) -> String {
    named(
        "content_block_delta",
        json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": partial}}),
    )
}

fn block_stop(index: u64) -> String {
    named(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": index}),
    )
}

fn assert_request_shape(sent: &support::Recorded) {
    assert_eq!(sent.path_and_query, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), "sk-ant-test");
    assert_eq!(sent.header("anthropic-version"), "2023-06-01");
    assert_eq!(sent.header("authorization"), "", "no bearer header");
    let body = &sent.body;
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["system"], "You are terse.");
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": [{"type": "text", "text": "What is the weather in Oslo?"}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Oslo"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_w1", "content": "{\"temp_c\": 3}"},
            ]},
        ])
    );
    assert_eq!(body["tools"][0]["name"], "get_weather");
    assert_eq!(
        body["tools"][0]["input_schema"]["required"],
        json!(["city"])
    );
}

#[tokio::test]
async fn non_streamed_tool_use_round_trip() {
    let reply = message(
        json!([
            {"type": "text", "text": "Looking it up."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Bergen"}},
        ]),
        "tool_use",
    );
    let server = FakeServer::start(vec![Reply::ok(reply)]).await;
    let response = fast_router()
        .chat(
            &account(ProviderKind::Anthropic, &server, "sk-ant-test"),
            &tool_conversation("claude-sonnet-4-5"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("message");

    let sent = server.single_request();
    assert_request_shape(&sent);
    assert!(sent.body.get("stream").is_none());

    assert_eq!(response.text, "Looking it up.");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls.len(), 1);
    assert_eq!(response.tool_calls[0].id, "toolu_01");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Bergen"}));
    // input = 20 uncached + 100 cache reads + 5 cache writes.
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 125,
            output_tokens: 15,
            cached_input_tokens: 100
        }
    );
    assert_eq!(response.model, "claude-sonnet-4-5-20250929");
}

#[tokio::test]
async fn max_tokens_is_defaulted_because_the_api_requires_it() {
    let server = FakeServer::start(vec![Reply::ok((PROTOCOL.ok)())]).await;
    fast_router()
        .chat(
            &account(ProviderKind::Anthropic, &server, "k"),
            &hello("claude-haiku-4-5"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("message");
    let body = server.single_request().body;
    assert!(body["max_tokens"].as_u64().is_some_and(|n| n > 0), "{body}");
    assert!(body.get("system").is_none());
}

#[tokio::test]
async fn streamed_text_and_tool_use_are_assembled() {
    let events = vec![
        message_start(),
        named(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        named("ping", json!({"type": "ping"})),
        text_delta(0, "Let me "),
        text_delta(0, "check."),
        block_stop(0),
        named(
            "content_block_start",
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_s1", "name": "get_weather", "input": {}}}),
        ),
        json_delta(1, ""),
        json_delta(1, "{\"city\": \"Tr"),
        json_delta(1, "omsø\"}"),
        block_stop(1),
        named(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 22}}),
        ),
        named("message_stop", json!({"type": "message_stop"})),
    ];
    let server = FakeServer::start(vec![Reply::sse(events)]).await;
    let mut sink = Recorder::default();
    let response = fast_router()
        .chat(
            &account(ProviderKind::Anthropic, &server, "sk-ant-test"),
            &tool_conversation("claude-sonnet-4-5"),
            &local_opts(true, 1),
            &mut sink,
        )
        .await
        .expect("streamed message");

    let sent = server.single_request();
    assert_request_shape(&sent);
    assert_eq!(sent.body["stream"], true);

    assert_eq!(sink.deltas, ["Let me ", "check."]);
    assert_eq!(response.text, "Let me check.");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls.len(), 1);
    assert_eq!(response.tool_calls[0].id, "toolu_s1");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Tromsø"}));
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 100,
            output_tokens: 22,
            cached_input_tokens: 60
        }
    );
    assert!(response.time_to_first_token.is_some());
}

#[tokio::test]
async fn error_event_is_classified() {
    let events = vec![
        message_start(),
        text_delta(0, "Hel"),
        named(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ),
    ];
    let server = FakeServer::start(vec![Reply::sse(events)]).await;
    let mut sink = Recorder::default();
    let err = fast_router()
        .chat(
            &account(ProviderKind::Anthropic, &server, "k"),
            &hello("claude-haiku-4-5"),
            &local_opts(true, 2),
            &mut sink,
        )
        .await
        .expect_err("overloaded");
    assert_eq!(err.class, ErrorClass::Unavailable, "{err}");
    assert!(err.message.contains("Overloaded"), "{err}");
    assert_eq!(server.requests().len(), 2, "overloaded is retried");
    assert_eq!(
        sink.deltas,
        ["Hel", "Hel"],
        "each attempt's text reaches the sink"
    );
    assert_eq!(sink.restarts, [2]);
}
