//! Limits that stop a case, enforced (not just validated), and the stop
//! reason recorded when one does.

use std::time::{Duration, Instant};

pub use agentclash_core::StopReason;

/// Every limit that applies to one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseLimits {
    /// Model calls.
    pub max_iterations: u32,
    /// Tool calls, not counting `submit`.
    pub max_tool_calls: u32,
    /// Longest single model or tool call.
    pub step_timeout: Duration,
    /// Longest case.
    pub case_timeout: Duration,
    /// Input + output tokens over the case.
    pub max_total_tokens: Option<u64>,
    /// Spend over the case.
    pub max_cost_usd: Option<f64>,
}

impl Default for CaseLimits {
    fn default() -> Self {
        Self {
            max_iterations: 30,
            max_tool_calls: 100,
            step_timeout: Duration::from_secs(120),
            case_timeout: Duration::from_secs(600),
            max_total_tokens: None,
            max_cost_usd: None,
        }
    }
}

/// Running totals of a case, checked against its limits.
#[derive(Debug, Clone)]
pub struct Budget {
    limits: CaseLimits,
    started: Instant,
    /// Model calls made.
    pub steps: u32,
    /// Tool calls made (not counting `submit`).
    pub tool_calls: u32,
    /// Tokens sent.
    pub input_tokens: u64,
    /// Tokens received.
    pub output_tokens: u64,
    /// Spend so far, when priced.
    pub cost_usd: Option<f64>,
}

impl Budget {
    /// Starts the clock.
    pub fn start(limits: CaseLimits) -> Self {
        Self {
            limits,
            started: Instant::now(),
            steps: 0,
            tool_calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &CaseLimits {
        &self.limits
    }

    /// Time left before the case times out.
    pub fn remaining(&self) -> Duration {
        self.limits
            .case_timeout
            .saturating_sub(self.started.elapsed())
    }

    /// How long the next step may take: the step timeout or what is left.
    pub fn step_allowance(&self) -> Duration {
        self.limits.step_timeout.min(self.remaining())
    }

    /// Elapsed wall time.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Whether another model call may start, or why not.
    pub fn before_model_call(&self) -> Result<(), StopReason> {
        if self.remaining().is_zero() {
            return Err(StopReason::Timeout);
        }
        if self.steps >= self.limits.max_iterations {
            return Err(StopReason::StepLimit);
        }
        self.check_spend()
    }

    /// Whether another tool call may run.
    pub fn before_tool_call(&self) -> Result<(), StopReason> {
        if self.remaining().is_zero() {
            return Err(StopReason::Timeout);
        }
        if self.tool_calls >= self.limits.max_tool_calls {
            return Err(StopReason::ToolLimit);
        }
        Ok(())
    }

    /// Whether tokens or spend reached their budget.
    pub fn check_spend(&self) -> Result<(), StopReason> {
        if let Some(max) = self.limits.max_total_tokens
            && self.input_tokens + self.output_tokens >= max
        {
            return Err(StopReason::Budget);
        }
        if let (Some(max), Some(spent)) = (self.limits.max_cost_usd, self.cost_usd)
            && spent >= max
        {
            return Err(StopReason::Budget);
        }
        Ok(())
    }

    /// Adds a model call's usage and cost.
    pub fn record_call(&mut self, input: u64, output: u64, cost: Option<f64>) {
        self.steps += 1;
        self.input_tokens += input;
        self.output_tokens += output;
        if let Some(c) = cost {
            self.cost_usd = Some(self.cost_usd.unwrap_or(0.0) + c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_names_its_stop_reason() {
        let limits = CaseLimits {
            max_iterations: 2,
            max_tool_calls: 1,
            max_total_tokens: Some(100),
            max_cost_usd: Some(0.5),
            ..CaseLimits::default()
        };
        let mut b = Budget::start(limits.clone());
        assert_eq!(b.before_model_call(), Ok(()));
        b.record_call(10, 10, Some(0.1));
        b.record_call(10, 10, Some(0.1));
        assert_eq!(b.before_model_call(), Err(StopReason::StepLimit));
        b.tool_calls = 1;
        assert_eq!(b.before_tool_call(), Err(StopReason::ToolLimit));

        let mut tokens = Budget::start(limits.clone());
        tokens.record_call(60, 40, None);
        assert_eq!(tokens.before_model_call(), Err(StopReason::Budget));

        let mut cost = Budget::start(limits);
        cost.record_call(1, 1, Some(0.6));
        assert_eq!(cost.before_model_call(), Err(StopReason::Budget));

        let timed = Budget::start(CaseLimits {
            case_timeout: Duration::ZERO,
            ..CaseLimits::default()
        });
        assert_eq!(timed.before_model_call(), Err(StopReason::Timeout));
        assert_eq!(timed.step_allowance(), Duration::ZERO);
    }
}
