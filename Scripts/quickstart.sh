#!/usr/bin/env bash
# The README's first command: installs the Debian packages the build needs (Scripts/setup.sh,
# idempotent), builds in release mode and runs a DHT bootstrap node on 127.0.0.1:4222 until
# Ctrl-C. Arguments go to `rafiki-dhtnode serve` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
exec swift run -c release rafiki-dhtnode serve "$@"
