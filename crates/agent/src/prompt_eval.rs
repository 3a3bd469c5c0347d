//! `prompt_eval`: one model call, no tools, no sandbox; the prompt is the
//! challenge instructions rendered from this case; the raw text is the
//! final output.

use crate::case::{CaseError, CaseInput, LoopEnd};
use crate::context::{CaseRef, system_text};
use crate::events::EventSink;
use crate::limits::{Budget, StopReason};
use crate::native::model_step;
use agentclash_providers::Message;

/// Runs the single call.
pub async fn run(
    input: &CaseInput<'_>,
    case: &CaseRef<'_>,
    budget: &mut Budget,
    sink: &dyn EventSink,
) -> Result<LoopEnd, CaseError> {
    let prompt = case.rendered_instructions();
    if prompt.trim().is_empty() {
        return Err(CaseError::Invalid(format!(
            "challenge `{}` has no instructions to prompt with",
            case.challenge.key
        )));
    }
    let mut messages = Vec::new();
    let system = system_text(input.policy);
    if !system.is_empty() {
        messages.push(Message::system(system));
    }
    messages.push(Message::user(prompt));
    match model_step(input, budget, sink, &messages, &[]).await? {
        Ok(response) => Ok((StopReason::Submitted, Some(response.text), None)),
        Err(end) => Ok(end),
    }
}
