#!/usr/bin/env bash
# Builds and runs one libFuzzer target: Fuzz/run.sh FuzzMessagePack|FuzzPacket|FuzzValueParts|FuzzIdentity|FuzzNameService|FuzzContacts|FuzzAddresses|FuzzAPIBodies|FuzzConnectivity|FuzzSwarm|FuzzSIP|FuzzFileTransfer|FuzzAccountSync SECONDS
# Corpus: Fuzz/corpus-TARGET (seeded from Fuzz/seeds); crashers land in Fuzz/out/.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target: FuzzMessagePack, FuzzPacket, FuzzValueParts, FuzzIdentity, FuzzNameService, FuzzContacts, FuzzAddresses, FuzzAPIBodies, FuzzConnectivity, FuzzSwarm, FuzzSIP, FuzzFileTransfer or FuzzAccountSync}
seconds=${2:-600}
# swiftc keeps only the last -sanitize= it is given, so SwiftPM's two flags left Swift code
# without coverage (libFuzzer saw only the C libraries); the combined flag, last, gives both.
swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address \
  --product "$target" --scratch-path .build-fuzz >/dev/null
mkdir -p "corpus-$target" out
# Identity inputs (certificate chains, archives) are larger than datagrams and have their own seeds.
if [ -d "seeds-$target" ]; then seeds="seeds-$target"; max_len=16384; else seeds=seeds; max_len=4096; fi
cp -n "$seeds"/* "corpus-$target/" 2>/dev/null || true
".build-fuzz/release/$target" "corpus-$target" -max_total_time="$seconds" -max_len="$max_len" \
  -artifact_prefix=out/ -print_final_stats=1 2>&1 | tail -n 25
