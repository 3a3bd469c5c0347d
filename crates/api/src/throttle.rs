//! Per-account throttling of failed sign-ins (in memory, per API process).
//!
//! The first few failures are free; after that each attempt must wait twice
//! as long as the previous one (capped), until a success resets the count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits begin.
const FREE_FAILURES: u32 = 5;
/// The longest wait imposed.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Accounts tracked at most (oldest entries are dropped beyond this).
const MAX_TRACKED: usize = 10_000;

/// Consecutive failed sign-ins per account.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// How long `account` must still wait before its next attempt, if at all.
    pub fn wait_for(&self, account: &str) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, last) = failures.get(account)?;
        let wait = penalty(*count)?;
        wait.checked_sub(last.elapsed())
    }

    /// Records a failed attempt.
    pub fn failed(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_TRACKED
            && !failures.contains_key(account)
            && let Some(oldest) = failures
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            failures.remove(&oldest);
        }
        let entry = failures
            .entry(account.to_owned())
            .or_insert((0, Instant::now()));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = Instant::now();
    }

    /// Forgets the account's failures after a successful sign-in.
    pub fn succeeded(&self, account: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
    }
}

fn penalty(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    let secs = 1u64.checked_shl(over.min(20)).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_the_free_failures_and_double() {
        assert_eq!(penalty(4), None);
        assert_eq!(penalty(5), Some(Duration::from_secs(1)));
        assert_eq!(penalty(7), Some(Duration::from_secs(4)));
        assert_eq!(penalty(40), Some(MAX_WAIT));
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert!(t.wait_for("a").is_none());
            t.failed("a");
        }
        assert!(t.wait_for("a").is_some(), "the sixth attempt waits");
        assert!(t.wait_for("b").is_none(), "per account");
        t.succeeded("a");
        assert!(t.wait_for("a").is_none());
    }
}
