//! Gemini adapter against a fake server speaking the wire protocol.

#[macro_use]
mod support;

use agentclash_providers::{FinishReason, ProviderKind, Usage};
use serde_json::{Value, json};
use support::{
    FakeServer, Protocol, Recorder, Reply, account, data, fast_router, local_opts,
    tool_conversation,
};

const PROTOCOL: Protocol = Protocol {
    kind: ProviderKind::Gemini,
    model: "gemini-2.5-flash",
    path: "/v1beta/models/gemini-2.5-flash:generateContent",
    ok: || response(json!([{"text": "ok"}]), Some("STOP"), true),
    partial_stream: || {
        vec![
            data(response(json!([{"text": "par"}]), None, false)),
            data(response(json!([{"text": "tial"}]), None, false)),
        ]
    },
};

error_scenarios!(PROTOCOL);

fn response(parts: Value, finish: Option<&str>, usage: bool) -> Value {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if let Some(finish) = finish {
        candidate["finishReason"] = json!(finish);
    }
    let mut body = json!({"candidates": [candidate], "modelVersion": "gemini-2.5-flash-001"});
    if usage {
        body["usageMetadata"] = json!({
            "promptTokenCount": 300, "candidatesTokenCount": 40, "thoughtsTokenCount": 10,
            "cachedContentTokenCount": 256, "totalTokenCount": 350,
        });
    }
    body
}

fn assert_request_shape(sent: &support::Recorded) {
    assert_eq!(sent.header("x-goog-api-key"), "gm-test-key");
    assert!(
        !sent.path_and_query.contains("gm-test-key"),
        "key never in the URL"
    );
    let body = &sent.body;
    assert_eq!(
        body["systemInstruction"],
        json!({"parts": [{"text": "You are terse."}]})
    );
    assert_eq!(
        body["contents"],
        json!([
            {"role": "user", "parts": [{"text": "What is the weather in Oslo?"}]},
            {"role": "model", "parts": [
                {"text": "Checking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
            ]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp_c": 3}}},
            ]},
        ])
    );
    let declaration = &body["tools"][0]["functionDeclarations"][0];
    assert_eq!(declaration["name"], "get_weather");
    assert_eq!(declaration["parameters"]["required"], json!(["city"]));
    assert_eq!(
        body["generationConfig"],
        json!({"maxOutputTokens": 256, "temperature": 0.5})
    );
}

#[tokio::test]
async fn non_streamed_function_call_round_trip() {
    let reply = response(
        json!([
            {"text": "Looking it up."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Bergen"}}},
            {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
        ]),
        Some("STOP"),
        true,
    );
    let server = FakeServer::start(vec![Reply::ok(reply)]).await;
    let response = fast_router()
        .chat(
            &account(ProviderKind::Gemini, &server, "gm-test-key"),
            &tool_conversation("gemini-2.5-flash"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("generateContent");

    let sent = server.single_request();
    assert_eq!(
        sent.path_and_query,
        "/v1beta/models/gemini-2.5-flash:generateContent"
    );
    assert_request_shape(&sent);

    assert_eq!(response.text, "Looking it up.");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    let ids: Vec<_> = response.tool_calls.iter().map(|c| c.id.as_str()).collect();
    // One assistant turn precedes this answer: step 1, calls 0 and 1.
    assert_eq!(ids, ["call_1_0", "call_1_1"], "stable synthesised ids");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Bergen"}));
    // Thinking tokens are billed as output.
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 300,
            output_tokens: 50,
            cached_input_tokens: 256
        }
    );
    assert_eq!(response.model, "gemini-2.5-flash-001");
}

#[tokio::test]
async fn streamed_text_and_function_calls_are_assembled() {
    let events = vec![
        data(response(json!([{"text": "Let me "}]), None, false)),
        data(response(
            json!([{"text": "thinking…", "thought": true}]),
            None,
            false,
        )),
        data(response(json!([{"text": "check."}]), None, false)),
        data(response(
            json!([{"functionCall": {"name": "get_weather", "args": {"city": "Tromsø"}}}]),
            Some("STOP"),
            true,
        )),
    ];
    let server = FakeServer::start(vec![Reply::sse(events)]).await;
    let mut sink = Recorder::default();
    let response = fast_router()
        .chat(
            &account(ProviderKind::Gemini, &server, "gm-test-key"),
            &tool_conversation("gemini-2.5-flash"),
            &local_opts(true, 1),
            &mut sink,
        )
        .await
        .expect("streamGenerateContent");

    let sent = server.single_request();
    assert_eq!(
        sent.path_and_query,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_request_shape(&sent);

    assert_eq!(
        sink.deltas,
        ["Let me ", "check."],
        "thought parts are not output"
    );
    assert_eq!(response.text, "Let me check.");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls.len(), 1);
    assert_eq!(response.tool_calls[0].id, "call_1_0");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Tromsø"}));
    assert_eq!(response.usage.cached_input_tokens, 256);
    assert!(response.time_to_first_token.is_some());
}

#[tokio::test]
async fn safety_stop_is_content_filter() {
    let server =
        FakeServer::start(vec![Reply::ok(response(json!([]), Some("SAFETY"), true))]).await;
    let response = fast_router()
        .chat(
            &account(ProviderKind::Gemini, &server, "k"),
            &tool_conversation("gemini-2.5-flash"),
            &local_opts(false, 1),
            &mut Recorder::default(),
        )
        .await
        .expect("filtered answer");
    assert_eq!(response.finish_reason, FinishReason::ContentFilter);
    assert_eq!(response.text, "");
}
