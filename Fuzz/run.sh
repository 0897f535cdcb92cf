#!/usr/bin/env bash
# Builds and runs one libFuzzer target: Fuzz/run.sh FuzzMessagePack|FuzzPacket SECONDS
# Corpus: Fuzz/corpus-TARGET (seeded from Fuzz/seeds); crashers land in Fuzz/out/.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target: FuzzMessagePack or FuzzPacket}
seconds=${2:-600}
swift build -c release --sanitize fuzzer --sanitize address --product "$target" --scratch-path .build-fuzz >/dev/null
mkdir -p "corpus-$target" out
cp -n seeds/* "corpus-$target/" 2>/dev/null || true
".build-fuzz/release/$target" "corpus-$target" -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix=out/ -print_final_stats=1 2>&1 | tail -n 25
