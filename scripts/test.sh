#!/usr/bin/env bash
# Install everything the test suite needs into ./.venv and run the whole suite:
# the core, the example third-party plugin, the plugin packages and the browser tests.
# Needs: python3 (3.11+), npm, and Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
packages=(-e ".[test]" -e tests/plugin_example)
for plugin in plugins/*/; do
  [ -f "$plugin/pyproject.toml" ] && packages+=(-e "$plugin[test]")
done
.venv/bin/python -m pip install -q "${packages[@]}"
npm ci --no-audit --no-fund --silent   # axe-core, pinned in package-lock.json
exec .venv/bin/python -m pytest "$@"
