#!/usr/bin/env bash
# Creates .venv in the repository root and installs the package with its test dependencies.
# torch 2.14.1 + torchvision 0.29.1: mup's metadata requires torchvision, and on these machines
# that pair installs from local disk (elsewhere, any torch >= 2.6 with its matching torchvision).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
.venv/bin/pip install -q -e ".[dev]"
