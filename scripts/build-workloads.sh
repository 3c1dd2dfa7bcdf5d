#!/usr/bin/env bash
# Builds the C workloads into .build/workloads/.
set -euo pipefail
cd "$(dirname "$0")/../workloads"
make -s OUT="$PWD/../.build/workloads"
