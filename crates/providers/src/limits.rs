//! Per-account client-side limits: concurrent calls, requests per minute and
//! tokens per minute, shared by every call through one router.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::config::AccountConfig;

/// A token bucket refilled continuously; waiters are served in arrival order
/// (the async mutex is fair and is held while waiting).
#[derive(Debug)]
pub(crate) struct TokenBucket {
    capacity: f64,
    per_second: f64,
    state: tokio::sync::Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket allowing `per_minute` units per minute (bursts up to that).
    pub(crate) fn per_minute(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        Self {
            capacity,
            per_second: capacity / 60.0,
            state: tokio::sync::Mutex::new(BucketState {
                tokens: capacity,
                at: Instant::now(),
            }),
        }
    }

    /// Waits until `amount` units (capped at the capacity, so a huge request
    /// cannot wait forever) are available and takes them.
    pub(crate) async fn acquire(&self, amount: f64) {
        let amount = amount.clamp(0.0, self.capacity);
        let mut state = self.state.lock().await;
        loop {
            self.refill(&mut state);
            if state.tokens >= amount {
                state.tokens -= amount;
                return;
            }
            let wait = (amount - state.tokens) / self.per_second;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// Corrects an earlier estimate: positive takes more units (the balance
    /// may go negative, delaying later callers), negative gives some back.
    pub(crate) async fn adjust(&self, delta: f64) {
        let mut state = self.state.lock().await;
        self.refill(&mut state);
        state.tokens = (state.tokens - delta).clamp(-self.capacity, self.capacity);
    }

    fn refill(&self, state: &mut BucketState) {
        let now = Instant::now();
        let elapsed = now.duration_since(state.at).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.per_second).min(self.capacity);
        state.at = now;
    }
}

/// The limits of one account.
#[derive(Debug)]
pub(crate) struct AccountLimits {
    settings: (Option<u32>, Option<u32>, Option<u32>),
    concurrency: Option<Arc<Semaphore>>,
    rpm: Option<TokenBucket>,
    tpm: Option<TokenBucket>,
}

impl AccountLimits {
    fn new(account: &AccountConfig) -> Self {
        Self {
            settings: settings(account),
            concurrency: account
                .max_concurrency
                .map(|n| Arc::new(Semaphore::new(n.max(1) as usize))),
            rpm: account.requests_per_minute.map(TokenBucket::per_minute),
            tpm: account.tokens_per_minute.map(TokenBucket::per_minute),
        }
    }

    /// Waits for a concurrency slot, a request and `estimated_tokens`.
    pub(crate) async fn admit(&self, estimated_tokens: u64) -> Admission {
        let permit = match &self.concurrency {
            // The semaphore is never closed, so acquisition cannot fail.
            Some(sem) => Arc::clone(sem).acquire_owned().await.ok(),
            None => None,
        };
        if let Some(rpm) = &self.rpm {
            rpm.acquire(1.0).await;
        }
        if let Some(tpm) = &self.tpm {
            tpm.acquire(estimated_tokens as f64).await;
        }
        Admission {
            _permit: permit,
            estimated_tokens,
        }
    }

    /// Books the real token count of an admitted call against the TPM budget.
    pub(crate) async fn settle(&self, admission: &Admission, actual_tokens: u64) {
        if let Some(tpm) = &self.tpm {
            tpm.adjust(actual_tokens as f64 - admission.estimated_tokens as f64)
                .await;
        }
    }
}

/// An admitted call; holds its concurrency slot until dropped.
#[derive(Debug)]
pub(crate) struct Admission {
    _permit: Option<OwnedSemaphorePermit>,
    estimated_tokens: u64,
}

fn settings(account: &AccountConfig) -> (Option<u32>, Option<u32>, Option<u32>) {
    (
        account.max_concurrency,
        account.requests_per_minute,
        account.tokens_per_minute,
    )
}

/// Limits of every account seen so far, keyed by account id. A changed
/// configuration for an id replaces its limiters (calls in flight keep the
/// old ones).
#[derive(Debug, Default)]
pub(crate) struct LimitRegistry {
    accounts: Mutex<HashMap<String, Arc<AccountLimits>>>,
}

impl LimitRegistry {
    /// The limiters for `account`.
    pub(crate) fn for_account(&self, account: &AccountConfig) -> Arc<AccountLimits> {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = accounts
            .entry(account.id.clone())
            .or_insert_with(|| Arc::new(AccountLimits::new(account)));
        if entry.settings != settings(account) {
            *entry = Arc::new(AccountLimits::new(account));
        }
        Arc::clone(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_a_burst_then_paces_at_the_rate() {
        let bucket = TokenBucket::per_minute(2);
        let start = Instant::now();
        bucket.acquire(1.0).await;
        bucket.acquire(1.0).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "burst up to the capacity");
        bucket.acquire(1.0).await;
        let waited = start.elapsed();
        assert!(
            (Duration::from_secs(29)..=Duration::from_secs(31)).contains(&waited),
            "third request waits one refill period (30 s), waited {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn oversized_requests_wait_for_a_full_bucket_only() {
        let bucket = TokenBucket::per_minute(600);
        let start = Instant::now();
        bucket.acquire(10_000.0).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        bucket.acquire(600.0).await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(59) && waited <= Duration::from_secs(61),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn underestimates_are_charged_later() {
        let bucket = TokenBucket::per_minute(60);
        bucket.acquire(10.0).await;
        bucket.adjust(50.0).await; // the call used 60 tokens in total
        let start = Instant::now();
        bucket.acquire(30.0).await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
            "{waited:?}"
        );
    }

    #[test]
    fn registry_reuses_limits_per_account_and_replaces_them_on_change() {
        let registry = LimitRegistry::default();
        let mut account = AccountConfig {
            id: "a".into(),
            kind: crate::ProviderKind::Scripted,
            base_url: None,
            api_key: None,
            max_concurrency: Some(2),
            requests_per_minute: None,
            tokens_per_minute: None,
        };
        let first = registry.for_account(&account);
        assert!(Arc::ptr_eq(&first, &registry.for_account(&account)));
        account.max_concurrency = Some(3);
        assert!(!Arc::ptr_eq(&first, &registry.for_account(&account)));
    }
}
