//! Making a judge's calls and turning the answers into a judge score.

use std::collections::BTreeMap;
use std::time::Duration;

use agentclash_agent::{AgentEvent, EventSink};
use agentclash_core::{RunAgentId, WorkspaceId};
use agentclash_packs::model::{EvaluationSpec, JudgeKind, JudgeLimits, LlmJudge};
use agentclash_providers::{
    AccountConfig, CallOptions, ChatRequest, Message, NoDeltas, PricingTable, cost_usd,
};
use agentclash_scoring::judges::{
    AnswerError, JudgeCall, JudgeSample, NWiseCandidate, borda, combine, parse_answer,
    parse_ranking, plan_judge, plan_n_wise, repair_message,
};
use agentclash_scoring::{Evidence, JudgeScore};
use serde_json::json;

use crate::engine::Engine;

/// Characters of a judge's answer kept in its event.
const ANSWER_EXCERPT: usize = 2_000;
/// Characters of the prompt kept in the event of a sample's first call.
const PROMPT_EXCERPT: usize = 4_000;
/// Output cap of a judge call: answers are one small JSON object.
const MAX_OUTPUT_TOKENS: u32 = 1_024;

/// Everything judging one lane (or, for n_wise, a run's lanes) needs.
pub(crate) struct JudgeContext<'a> {
    /// Router, accounts, store.
    pub engine: &'a Engine,
    /// Tenancy.
    pub ws: WorkspaceId,
    /// The account of the lane being scored (n_wise: the first lane's),
    /// credential resolved.
    pub lane_account: &'a AccountConfig,
    /// Prices (built-in with the pack's overrides).
    pub pricing: &'a PricingTable,
    /// The pack's judge budgets.
    pub limits: Option<&'a JudgeLimits>,
    /// Scoring pass: 0 for the run itself, n for the n-th rescore.
    pub generation: i32,
}

/// Where one lane's judge events go.
pub(crate) struct LaneSink<'a> {
    /// The lane.
    pub lane: RunAgentId,
    /// Its recorder for the case being scored.
    pub sink: &'a dyn EventSink,
}

/// One provider call of a sample, as recorded.
struct CallRecord {
    repair: bool,
    outcome: &'static str,
    error: Option<String>,
    answer: String,
    input_tokens: u64,
    output_tokens: u64,
    cost_usd: Option<f64>,
    latency_ms: u64,
}

/// A sample's result: the parsed value (or why there is none) and its calls.
struct Exchange<T> {
    value: Result<T, String>,
    repaired: bool,
    records: Vec<CallRecord>,
}

fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

impl JudgeContext<'_> {
    /// Why no more judge calls may be made for these lanes, if the pack's
    /// `max_calls_usd` or `max_tokens` is spent (0 means unlimited). Calls
    /// of one judge run together, so a budget can be overshot by at most
    /// one judge's calls.
    async fn over_budget(&self, lanes: &[RunAgentId]) -> Option<String> {
        let limits = self.limits?;
        let (max_usd, max_tokens) = (limits.max_calls_usd, limits.max_tokens);
        if max_usd <= 0.0 && max_tokens <= 0 {
            return None;
        }
        for lane in lanes {
            let spent = match self
                .engine
                .store
                .judge_spend(self.ws, *lane, self.generation)
                .await
            {
                Ok(spent) => spent,
                Err(e) => return Some(format!("judge spend could not be read: {e}")),
            };
            if max_usd > 0.0 && spent.cost_usd >= max_usd {
                return Some(format!(
                    "the judge budget is spent (${:.4} of max_calls_usd ${max_usd})",
                    spent.cost_usd
                ));
            }
            if max_tokens > 0 && spent.tokens >= max_tokens {
                return Some(format!(
                    "the judge budget is spent ({} of max_tokens {max_tokens})",
                    spent.tokens
                ));
            }
        }
        None
    }

    /// Every rubric, assertion and reference judge of `spec` for one case.
    pub async fn judge_case(
        &self,
        spec: &EvaluationSpec,
        evidence: &Evidence,
        out: &LaneSink<'_>,
    ) -> BTreeMap<String, JudgeScore> {
        let mut scores = BTreeMap::new();
        for judge in spec
            .llm_judges
            .iter()
            .filter(|j| j.mode != JudgeKind::NWise)
        {
            let score = match self.over_budget(&[out.lane]).await {
                Some(why) => JudgeScore::unavailable(why),
                None => match plan_judge(judge, evidence, self.limits) {
                    Ok(plan) => {
                        let calls = plan
                            .calls
                            .iter()
                            .map(|c| self.exchange(judge, c, |text| parse_answer(judge, text)));
                        let exchanges = futures::future::join_all(calls).await;
                        let mut samples = Vec::with_capacity(exchanges.len());
                        for (call, ex) in plan.calls.iter().zip(exchanges) {
                            let score = ex.value.as_ref().ok().copied();
                            let ids = record(judge, call, &ex, &[out], 1, self.generation).await;
                            samples.push(sample(
                                call,
                                score,
                                &ex,
                                ids.into_iter().next().flatten(),
                            ));
                        }
                        combine(judge, samples)
                    }
                    Err(why) => JudgeScore::unavailable(why),
                },
            };
            scores.insert(judge.key.clone(), score);
        }
        scores
    }

    /// One n_wise judge for one case across the run's lanes (in lane
    /// order): one score per lane, in the same order.
    pub async fn judge_n_wise(
        &self,
        judge: &LlmJudge,
        lanes: &[(String, &Evidence, LaneSink<'_>)],
    ) -> Vec<JudgeScore> {
        let ids: Vec<RunAgentId> = lanes.iter().map(|(_, _, s)| s.lane).collect();
        let unavailable = |why: String| vec![JudgeScore::unavailable(why); lanes.len()];
        if let Some(why) = self.over_budget(&ids).await {
            return unavailable(why);
        }
        let candidates: Vec<NWiseCandidate<'_>> = lanes
            .iter()
            .map(|(id, evidence, _)| NWiseCandidate { id, evidence })
            .collect();
        let plan = match plan_n_wise(judge, &candidates, self.limits) {
            Ok(plan) => plan,
            Err(why) => return unavailable(why),
        };
        let names: Vec<&str> = lanes.iter().map(|(id, _, _)| id.as_str()).collect();
        let calls = plan
            .calls
            .iter()
            .map(|c| self.exchange(judge, c, |text| parse_ranking(text, &names)));
        let exchanges = futures::future::join_all(calls).await;
        let sinks: Vec<&LaneSink<'_>> = lanes.iter().map(|(_, _, s)| s).collect();
        let mut per_lane: Vec<Vec<JudgeSample>> = vec![Vec::new(); lanes.len()];
        for (call, ex) in plan.calls.iter().zip(exchanges) {
            let event_ids = record(judge, call, &ex, &sinks, lanes.len(), self.generation).await;
            for (i, (id, _, _)) in lanes.iter().enumerate() {
                let score = ex.value.as_ref().ok().and_then(|r| borda(r, id));
                per_lane[i].push(sample(
                    call,
                    score,
                    &ex,
                    event_ids.get(i).cloned().flatten(),
                ));
            }
        }
        per_lane
            .into_iter()
            .map(|samples| combine(judge, samples))
            .collect()
    }

    /// One sample: the call, and when the answer is unusable one repair
    /// call in the same conversation; never more.
    async fn exchange<T>(
        &self,
        judge: &LlmJudge,
        call: &JudgeCall,
        parse: impl Fn(&str) -> Result<T, AnswerError>,
    ) -> Exchange<T> {
        let account = match self
            .engine
            .judge_accounts
            .account_for(&call.model, self.lane_account)
        {
            Ok(account) => account,
            Err(why) => {
                return Exchange {
                    value: Err(why),
                    repaired: false,
                    records: Vec::new(),
                };
            }
        };
        let mut messages = vec![Message::user(call.prompt.clone())];
        let mut records = Vec::new();
        for repair in [false, true] {
            let (text, record) = self
                .ask(&account, &call.model, &messages, call.timeout_ms, repair)
                .await;
            let Some(text) = text else {
                let why = record.error.clone().unwrap_or_default();
                records.push(record);
                return Exchange {
                    value: Err(why),
                    repaired: repair,
                    records,
                };
            };
            match parse(&text) {
                Ok(value) => {
                    records.push(record);
                    return Exchange {
                        value: Ok(value),
                        repaired: repair,
                        records,
                    };
                }
                Err(why) => {
                    let why = why.to_string();
                    records.push(CallRecord {
                        outcome: "malformed",
                        error: Some(why.clone()),
                        ..record
                    });
                    if repair {
                        return Exchange {
                            value: Err(format!("malformed answer after the repair retry: {why}")),
                            repaired: true,
                            records,
                        };
                    }
                    messages.push(Message::assistant(text, Vec::new()));
                    messages.push(Message::user(repair_message(judge, &why)));
                }
            }
        }
        Exchange {
            value: Err("no answer".to_owned()),
            repaired: true,
            records,
        }
    }

    /// One provider call; the text when the call succeeded.
    async fn ask(
        &self,
        account: &AccountConfig,
        model: &str,
        messages: &[Message],
        timeout_ms: u64,
        repair: bool,
    ) -> (Option<String>, CallRecord) {
        let request = ChatRequest {
            model: model.to_owned(),
            messages: messages.to_vec(),
            tools: Vec::new(),
            max_output_tokens: Some(MAX_OUTPUT_TOKENS),
            temperature: Some(0.0),
        };
        let options = CallOptions {
            stream: false,
            timeout: Duration::from_millis(timeout_ms),
            allow_private_network: self.engine.allow_private_network,
            ..CallOptions::default()
        };
        let started = std::time::Instant::now();
        let result = self
            .engine
            .router
            .chat(account, &request, &options, &mut NoDeltas)
            .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(response) => {
                let record = CallRecord {
                    repair,
                    outcome: "ok",
                    error: None,
                    answer: excerpt(&response.text, ANSWER_EXCERPT),
                    input_tokens: response.usage.input_tokens,
                    output_tokens: response.usage.output_tokens,
                    cost_usd: cost_usd(self.pricing, model, &response.usage),
                    latency_ms,
                };
                (Some(response.text), record)
            }
            Err(e) => (
                None,
                CallRecord {
                    repair,
                    outcome: "failed",
                    error: Some(format!("judge call failed: {e}")),
                    answer: String::new(),
                    input_tokens: 0,
                    output_tokens: 0,
                    cost_usd: None,
                    latency_ms,
                },
            ),
        }
    }
}

fn sample<T>(
    call: &JudgeCall,
    score: Option<f64>,
    ex: &Exchange<T>,
    event_id: Option<String>,
) -> JudgeSample {
    JudgeSample {
        model: call.model.clone(),
        sample: call.sample,
        score,
        error: ex.value.as_ref().err().cloned(),
        repaired: ex.repaired,
        event_id,
    }
}

/// Records a sample's calls on every lane in `sinks` (n_wise: the cost is
/// shared equally, so lane totals add up to the real spend). Returns, per
/// lane, the id of the event of the sample's last call (none when the
/// sample made no call or its event could not be written).
async fn record<T>(
    judge: &LlmJudge,
    call: &JudgeCall,
    ex: &Exchange<T>,
    sinks: &[&LaneSink<'_>],
    shared_by: usize,
    generation: i32,
) -> Vec<Option<String>> {
    let mut last = vec![None; sinks.len()];
    let share = shared_by.max(1) as f64;
    for r in &ex.records {
        for (i, out) in sinks.iter().enumerate() {
            let payload = json!({
                "judge": judge.key,
                "mode": judge.mode.as_str(),
                "model": call.model,
                "sample": call.sample,
                "repair": r.repair,
                "outcome": r.outcome,
                "error": r.error,
                "answer": r.answer,
                "prompt": (!r.repair).then(|| excerpt(&call.prompt, PROMPT_EXCERPT)),
                "order": (!call.order.is_empty()).then_some(&call.order),
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
                "cost_usd": r.cost_usd.map(|c| c / share),
                "shared_by": shared_by,
                "latency_ms": r.latency_ms,
                "generation": generation,
            });
            let summary = format!(
                "judge {} ({} sample {}{}): {}",
                judge.key,
                call.model,
                call.sample + 1,
                if r.repair { ", repair" } else { "" },
                r.outcome
            );
            let event = AgentEvent::new("scoring.judge.call", None, payload).summary(summary);
            let id = event.id.to_string();
            match out.sink.emit(event).await {
                Ok(()) => last[i] = Some(id),
                Err(e) => {
                    tracing::warn!(error = %e, judge = %judge.key, "a judge call could not be recorded")
                }
            }
        }
    }
    // Written now, so the next judge's budget check sees this spend.
    for out in sinks {
        if let Err(e) = out.sink.flush().await {
            tracing::warn!(error = %e, judge = %judge.key, "judge calls could not be recorded");
        }
    }
    last
}
