#!/usr/bin/env bash
# Builds the C workloads (workloads/*.c plus workloads/common/) into
# .build/workloads/. Needs a C compiler, make, and the libaio and liburing
# development packages (Debian: apt-get install libaio-dev liburing-dev).
# Extra arguments go to make (e.g. CC=clang, clean).
set -euo pipefail
cd "$(dirname "$0")/../workloads"
missing=()
for h in libaio.h liburing.h; do
	echo "#include <$h>" | "${CC:-cc}" -E -x c - >/dev/null 2>&1 || missing+=("$h")
done
if ((${#missing[@]})); then
	echo "build-workloads: missing ${missing[*]}; install libaio-dev liburing-dev" >&2
	exit 1
fi
make -s OUT="$PWD/../.build/workloads" "$@"
