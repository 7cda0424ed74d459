# tariffsim — the README's commands. `make` alone prints this help.
CARGO ?= cargo
SCENARIO ?= scenarios/us_2025.toml
# Where cargo puts its builds: honours CARGO_TARGET_DIR like cargo itself.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

.DEFAULT_GOAL := help
.PHONY: help build run test clippy fmt-check fmt doc bench ci

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## Build the release binary
	$(CARGO) build --release --locked

run: build ## Run the main job on the embedded default baseline
	$(TARGET_DIR)/release/tariffsim run $(SCENARIO)

test: fmt-check clippy ## Format check, lints and every test (the README's test command; CI runs it)
	$(CARGO) test --workspace --all-targets --locked
	$(CARGO) test --workspace --doc --locked

clippy: ## Lints, warnings are errors
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt-check: ## Check formatting
	$(CARGO) fmt --all -- --check

fmt: ## Format the code
	$(CARGO) fmt --all

doc: ## Build the API docs (warnings are errors)
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

bench: ## Criterion benchmarks
	$(CARGO) bench --workspace --locked

ci: test doc test-python ## Exactly what .ci/run runs

.PHONY: test-python
test-python: ## The Python package: build the wheel (maturin) into a virtualenv and run pytest
	TARIFFSIM_BIN=$(abspath $(TARGET_DIR))/debug/tariffsim bash python/ci.sh

# --- tariffsim-data (issue 4) ---
SHARED_DATA ?= ../shared/data
.PHONY: world2024
world2024: ## Rebuild the embedded world2024 baseline from $(SHARED_DATA) (see its METHOD.md)
	$(CARGO) run --release -p tariffsim-data --example build_world2024 -- $(SHARED_DATA) crates/tariffsim-data/data/world2024

# --- tariffsim-scenario (issue 5) ---
FUZZ_SECONDS ?= 60
.PHONY: check-scenarios fuzz-smoke
check-scenarios: ## Validate every scenario in scenarios/ (what CI checks)
	$(CARGO) run --quiet --release -- check scenarios/*.toml

fuzz-smoke: ## Fuzz the scenario parser for $(FUZZ_SECONDS) s (cargo-fuzz, nightly), seeded from the scenario files
	mkdir -p fuzz/corpus/scenario_parser
	cp scenarios/*.toml tests/scenarios/bad/*.toml fuzz/corpus/scenario_parser/
	$(CARGO) +nightly fuzz run scenario_parser fuzz/corpus/scenario_parser -- -max_total_time=$(FUZZ_SECONDS)

.PHONY: bench-peers
bench-peers: bench-peers-gsim ## Time gegravity 0.3 (throwaway venv) vs tariffsim on the same counterfactuals; print ratios
	$(CARGO) build --release --locked
	python3 benches/peers/gegravity_bench.py

# --- benchmarks (issue 8) ---
.PHONY: bench-peers-gsim bench-limits build-native
bench-peers-gsim: ## Time a numpy/scipy GSIM (throwaway venv) vs tariffsim's armington/gsim-linear benches; print ratios
	$(CARGO) build --release --locked
	python3 benches/peers/gsim_bench.py

bench-limits: ## Achieved / physical limit of the armington Newton sweep (micro-benches + table)
	$(CARGO) bench --locked --bench limits -- --noplot

build-native: ## Opt-in: release binary tuned for THIS CPU (-C target-cpu=native; not portable)
	RUSTFLAGS="-C target-cpu=native" $(CARGO) build --release --locked --target-dir target/native

# --- a real Slurm test (issue 22) ---
.PHONY: test-slurm
test-slurm: build ## Root only, not in CI: Slurm job array on a throwaway local cluster, merge == single run (tests/slurm/)
	TARIFFSIM=$(TARGET_DIR)/release/tariffsim bash tests/slurm/run.sh
