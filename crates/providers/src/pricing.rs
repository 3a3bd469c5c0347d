//! Token prices and call cost. A built-in table covers common models; a
//! challenge pack's `pricing` section (format spec §5.8) overrides it.
//!
//! Cost = (input − cached) · input price + cached · cached price + output ·
//! output price, per million tokens. A row without a cached price (every
//! pack row: §5.8 has no such field) prices cached tokens at the input
//! price, which is what the spec's `run_model_cost_usd` formula does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::Usage;

/// USD per million tokens for one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// Uncached prompt tokens.
    pub input_per_million: f64,
    /// Generated tokens.
    pub output_per_million: f64,
    /// Prompt tokens read from cache; `None` = the input price.
    pub cached_input_per_million: Option<f64>,
}

impl ModelPrice {
    /// Cost of `usage` in USD.
    pub fn cost(&self, usage: &Usage) -> f64 {
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        let uncached = usage.input_tokens - cached;
        let cached_price = self
            .cached_input_per_million
            .unwrap_or(self.input_per_million);
        (uncached as f64 * self.input_per_million
            + cached as f64 * cached_price
            + usage.output_tokens as f64 * self.output_per_million)
            / 1_000_000.0
    }
}

/// One row of a pack's `pricing.models` (§5.8), plus an optional cached
/// input price this crate understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingRow {
    /// Provider key, e.g. `openai`.
    pub provider_key: String,
    /// Model id as sent to the provider.
    pub provider_model_id: String,
    /// USD per million input tokens.
    #[serde(default)]
    pub input_cost_per_million_tokens: f64,
    /// USD per million output tokens.
    #[serde(default)]
    pub output_cost_per_million_tokens: f64,
    /// USD per million cached input tokens (not in §5.8; defaults to the input price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_cost_per_million_tokens: Option<f64>,
}

/// A pack's `pricing` section: `{models: [PricingRow…]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackPricing {
    /// Price rows.
    #[serde(default)]
    pub models: Vec<PricingRow>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    price: ModelPrice,
    from_pack: bool,
}

/// Prices by `(provider_key, model_id)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PricingTable {
    rows: BTreeMap<(String, String), Entry>,
}

/// Built-in prices (USD per 1M tokens: input, output, cached input) as
/// published by the providers in 2025. Packs override them; models not
/// listed have no cost unless a pack prices them.
const BUILTIN: &[(&str, &str, f64, f64, f64)] = &[
    ("openai", "gpt-4o", 2.50, 10.00, 1.25),
    ("openai", "gpt-4o-mini", 0.15, 0.60, 0.075),
    ("openai", "gpt-4.1", 2.00, 8.00, 0.50),
    ("openai", "gpt-4.1-mini", 0.40, 1.60, 0.10),
    ("openai", "gpt-4.1-nano", 0.10, 0.40, 0.025),
    ("openai", "gpt-5", 1.25, 10.00, 0.125),
    ("openai", "gpt-5-mini", 0.25, 2.00, 0.025),
    ("openai", "gpt-5-nano", 0.05, 0.40, 0.005),
    ("openai", "o3", 2.00, 8.00, 0.50),
    ("openai", "o4-mini", 1.10, 4.40, 0.275),
    ("anthropic", "claude-opus-4-1", 15.00, 75.00, 1.50),
    ("anthropic", "claude-opus-4", 15.00, 75.00, 1.50),
    ("anthropic", "claude-sonnet-4-5", 3.00, 15.00, 0.30),
    ("anthropic", "claude-sonnet-4", 3.00, 15.00, 0.30),
    ("anthropic", "claude-haiku-4-5", 1.00, 5.00, 0.10),
    ("anthropic", "claude-3-5-haiku", 0.80, 4.00, 0.08),
    ("gemini", "gemini-2.5-pro", 1.25, 10.00, 0.125),
    ("gemini", "gemini-2.5-flash", 0.30, 2.50, 0.03),
    ("gemini", "gemini-2.5-flash-lite", 0.10, 0.40, 0.01),
];

impl PricingTable {
    /// A table without rows.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in table.
    pub fn builtin() -> Self {
        let mut table = Self::empty();
        for &(provider, model, input, output, cached) in BUILTIN {
            table.rows.insert(
                (provider.to_owned(), model.to_owned()),
                Entry {
                    price: ModelPrice {
                        input_per_million: input,
                        output_per_million: output,
                        cached_input_per_million: Some(cached),
                    },
                    from_pack: false,
                },
            );
        }
        table
    }

    /// This table with a pack's rows added, replacing same-key rows.
    pub fn with_pack(mut self, pricing: &PackPricing) -> Self {
        for row in &pricing.models {
            self.rows.insert(
                (row.provider_key.clone(), row.provider_model_id.clone()),
                Entry {
                    price: ModelPrice {
                        input_per_million: row.input_cost_per_million_tokens,
                        output_per_million: row.output_cost_per_million_tokens,
                        cached_input_per_million: row.cached_input_cost_per_million_tokens,
                    },
                    from_pack: true,
                },
            );
        }
        self
    }

    /// Price of `model`: the exact id, else the id without a trailing date
    /// (`-YYYY-MM-DD` as in §5.8, or Anthropic's `-YYYYMMDD`). With a
    /// provider only its rows match; without one, pack rows win over
    /// built-in ones.
    pub fn price(&self, provider: Option<&str>, model: &str) -> Option<ModelPrice> {
        [Some(model), strip_date_suffix(model)]
            .into_iter()
            .flatten()
            .find_map(|id| self.lookup(provider, id))
    }

    fn lookup(&self, provider: Option<&str>, model: &str) -> Option<ModelPrice> {
        if let Some(provider) = provider {
            return self
                .rows
                .get(&(provider.to_owned(), model.to_owned()))
                .map(|e| e.price);
        }
        self.rows
            .iter()
            .filter(|((_, m), _)| m == model)
            .max_by_key(|(_, e)| e.from_pack)
            .map(|(_, e)| e.price)
    }
}

/// `model` without a trailing `-YYYY-MM-DD` or `-YYYYMMDD` date.
fn strip_date_suffix(model: &str) -> Option<&str> {
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let bytes = model.as_bytes();
    let dashed = bytes.len().checked_sub(11).and_then(|at| {
        let t = &bytes[at..];
        let shape = t[0] == b'-' && t[5] == b'-' && t[8] == b'-';
        // `at` is a char boundary: the byte there is an ASCII '-'.
        (shape && digits(&t[1..5]) && digits(&t[6..8]) && digits(&t[9..])).then(|| &model[..at])
    });
    dashed.or_else(|| {
        let (head, tail) = model.rsplit_once('-')?;
        (tail.len() == 8 && digits(tail.as_bytes())).then_some(head)
    })
}

/// Cost of one call in USD, `None` when the model has no price.
pub fn cost_usd(pricing: &PricingTable, model: &str, usage: &Usage) -> Option<f64> {
    pricing.price(None, model).map(|p| p.cost(usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64, cached: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: cached,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn builtin_table_prices_common_models_and_cached_tokens() {
        let table = PricingTable::builtin();
        // gpt-4.1: 2.00 in, 8.00 out, 0.50 cached.
        let cost =
            cost_usd(&table, "gpt-4.1", &usage(1_000_000, 500_000, 400_000)).expect("priced");
        assert!(close(cost, 0.6 * 2.0 + 0.4 * 0.5 + 0.5 * 8.0), "{cost}");
        assert!(cost_usd(&table, "claude-sonnet-4-5-20250929", &usage(1, 1, 0)).is_some());
        assert!(cost_usd(&table, "gpt-4o-2024-08-06", &usage(1, 1, 0)).is_some());
        assert_eq!(cost_usd(&table, "unknown-model", &usage(1, 1, 0)), None);
    }

    #[test]
    fn pack_rows_override_and_price_cached_tokens_at_the_input_price() {
        let pack: PackPricing = serde_json::from_value(serde_json::json!({"models": [
            {"provider_key": "openai", "provider_model_id": "gpt-4.1",
             "input_cost_per_million_tokens": 10.0, "output_cost_per_million_tokens": 20.0},
            {"provider_key": "openrouter", "provider_model_id": "acme/model-x",
             "input_cost_per_million_tokens": 1.0, "output_cost_per_million_tokens": 1.0},
        ]}))
        .expect("pack pricing");
        let table = PricingTable::builtin().with_pack(&pack);
        let cost = cost_usd(
            &table,
            "gpt-4.1-2025-04-14",
            &usage(1_000_000, 1_000_000, 500_000),
        )
        .expect("priced");
        assert!(
            close(cost, 10.0 + 20.0),
            "cached tokens at the pack's input price: {cost}"
        );
        assert!(
            cost_usd(&table, "acme/model-x", &usage(2_000_000, 0, 0))
                .is_some_and(|c| close(c, 2.0))
        );
        assert_eq!(table.price(Some("anthropic"), "gpt-4.1"), None);
    }

    #[test]
    fn pack_rows_win_over_builtin_rows_of_another_provider_key() {
        let pack = PackPricing {
            models: vec![PricingRow {
                provider_key: "openrouter".into(),
                provider_model_id: "gpt-4o".into(),
                input_cost_per_million_tokens: 7.0,
                output_cost_per_million_tokens: 7.0,
                cached_input_cost_per_million_tokens: Some(1.0),
            }],
        };
        let table = PricingTable::builtin().with_pack(&pack);
        let price = table.price(None, "gpt-4o").expect("priced");
        assert!(close(price.input_per_million, 7.0));
        let price = table
            .price(Some("openai"), "gpt-4o")
            .expect("builtin still there");
        assert!(close(price.input_per_million, 2.5));
    }

    #[test]
    fn date_suffixes_are_recognised() {
        assert_eq!(strip_date_suffix("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(
            strip_date_suffix("claude-haiku-4-5-20251001"),
            Some("claude-haiku-4-5")
        );
        assert_eq!(strip_date_suffix("gpt-4o"), None);
        assert_eq!(strip_date_suffix("model-2024-0a-06"), None);
        assert_eq!(strip_date_suffix("é-2024-08-06"), Some("é"));
    }
}
