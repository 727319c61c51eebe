#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every
# test (unit, and integration tests against a private dbus-daemon and the real
# oqud), then the format and lint checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages "${OQU_TEST_PACKAGES[@]}" "${OQU_BUILD_PACKAGES[@]}"
ensure_rust
echo "== cargo test"
cargo test --locked --lib --bins --tests
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
