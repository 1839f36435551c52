# The two commands of the README: `make run` and `make test`. Both install what a fresh
# Debian 12 machine lacks first (scripts/deps.sh is idempotent and quick when all is there).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
# CI builds once from clean: incremental state would only take disk and time.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif
APP := target/debug/latchkey-desktop
TAURI := npx --prefix ui tauri

.PHONY: run test deps ui-deps e2e-deps app app-e2e test-rust test-ui test-api test-e2e lint bench fmt \
	package package-test

## Open the desktop app on the default store (or $LATCHKEY_DB).
run: deps ui-deps
	$(TAURI) build --debug --no-bundle
	./$(APP)

## Every test: Rust (core, CLI, JSON API, desktop commands), UI unit tests, the API contract
## (Schemathesis), and end-to-end in the real window. With CI=true also the .deb
## (package-test: a release build, an install and a removal; too slow for every run).
PACKAGE_TEST := $(if $(filter true,$(CI)),package-test)
test: deps ui-deps e2e-deps test-rust test-ui test-api test-e2e $(PACKAGE_TEST)
	@echo "make test: all suites passed"

deps:
	bash scripts/deps.sh

# `npm ci` installs exactly the committed lock (which lists the Tauri CLI's binaries for
# every platform, so npm ci accepts it on any of them; npm/cli#8320) and never rewrites it.
ui-deps:
	@[ -d ui/node_modules ] && [ ui/node_modules/.package-lock.json -nt ui/package-lock.json ] || (cd ui && npm ci --no-audit --no-fund)

e2e-deps:
	@[ -d tests/e2e/node_modules ] && [ tests/e2e/node_modules/.package-lock.json -nt tests/e2e/package-lock.json ] || (cd tests/e2e && npm ci --no-audit --no-fund)

# The core's rule suites, run a second time on PostgreSQL (a throwaway cluster the tests
# start themselves); the SQLite-file suites (store, layers) have PostgreSQL counterparts
# (store_pg, and crates/cli/tests/postgres.rs, pg_outage.rs) that run in the first pass.
RULE_SUITES := accounts admin hardening keys mfa permissions refusals revealable serving step_up team throttle write_lock

test-rust:
	LATCHKEY_REQUIRE_INTEROP=1 $(CARGO) test --workspace --locked
	@echo "== the core's rule suites again, on PostgreSQL =="
	LATCHKEY_TEST_STORE=postgres $(CARGO) test --locked -p latchkey-core --features postgres $(addprefix --test ,$(RULE_SUITES))

test-ui: ui-deps
	cd ui && npm run check && npm test

## Schemathesis against the OpenAPI document `latchkey serve` serves.
test-api:
	bash scripts/api-contract.sh

## The app as end-to-end tests drive it: front end embedded, test-only save-dialog seam on.
app-e2e: ui-deps
	$(TAURI) build --debug --no-bundle --features e2e

# The CLI as `cargo test --workspace` built it (a no-op after test-rust): `cargo build -p
# latchkey-cli` unifies features differently and would compile a second copy of its crates.
test-e2e: app-e2e e2e-deps
	$(CARGO) test --workspace --locked --no-run
	bash tests/e2e/run.sh

## The .deb: the desktop app and the `latchkey` CLI, a desktop entry and the icons, in
## target/release/bundle/deb/ (a release build; see "Install the .deb" in the README).
package: deps ui-deps
	bash scripts/package.sh

## Build the .deb (SKIP_BUILD=1 reuses the last one), check its contents, install it, run
## the CLI and the app (Xvfb), remove it. As root; leaves the machine as it found it.
package-test: deps ui-deps e2e-deps
	bash scripts/package-test.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	cd ui && npm run check

fmt:
	$(CARGO) fmt --all

bench:
	$(CARGO) bench -p latchkey-core --bench verify
