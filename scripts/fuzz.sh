#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/*.swift) over the input parsers:
#   trace-reader  the dioscope trace reader (header, chunks, records, footer) + dump formatting + analysis
#   ftrace        the ftrace-text importer (memory and block-wise file reads) + analysis
#
#   scripts/fuzz.sh build                  build both into .build/fuzz/
#   scripts/fuzz.sh run [TARGET...]        run each for FUZZ_TIME seconds (default 60), or FUZZ_RUNS executions
#   scripts/fuzz.sh corpus                 (re)create the seed corpora from traces/ and the test fixtures
#
# Environment: FUZZ_TIME (s, default 60), FUZZ_RUNS (executions; overrides FUZZ_TIME), FUZZ_MAX_LEN
# (default 4096), FUZZ_JOBS (parallel fuzzing processes per target, default 1), SWIFTC,
# FUZZ_SANITIZE (default fuzzer,address; "fuzzer" alone builds TARGET-cov binaries without ASan,
# several times faster: Swift's own bounds and overflow checks still trap, unsafe-pointer reads
# out of bounds are then not caught).
# Crashes are written to .build/fuzz/crashes/TARGET/; every crash found must become a regression
# test (Tests/DioscopeCoreTests/Fixtures/fuzz-regressions, FuzzRegressionTests). Exit status: 0 when
# every run ended without a crash, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}
OUT=.build/fuzz
TARGETS=(trace-reader ftrace)
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-4096}
FUZZ_SANITIZE=${FUZZ_SANITIZE:-fuzzer,address}
SUFFIX=
[[ $FUZZ_SANITIZE == *address* ]] || SUFFIX=-cov
ROOT=$PWD

source_of() {
	case $1 in
	trace-reader) echo Fuzz/TraceReaderFuzz.swift ;;
	ftrace) echo Fuzz/FtraceFuzz.swift ;;
	*) echo "unknown fuzz target $1 (known: ${TARGETS[*]})" >&2; exit 64 ;;
	esac
}

build() {
	mkdir -p "$OUT"
	local core
	mapfile -t core < <(find Sources/DioscopeCore -name '*.swift' | sort)
	for t in "${TARGETS[@]}"; do
		local bin="$OUT/$t$SUFFIX" src
		src=$(source_of "$t")
		# rebuild only when a source is newer than the binary
		if [[ -x $bin ]] && [[ -z $(find "${core[@]}" Sources/DioscopeCRC Fuzz/FuzzSupport.swift "$src" scripts/fuzz.sh -newer "$bin" 2>/dev/null) ]]; then
			continue
		fi
		echo "== building fuzz target $t"
		# DioscopeCore imports the DioscopeCRC C target (hardware CRC-32C): compile it and give
		# swiftc a module map for its header, as SwiftPM does
		mkdir -p "$OUT/crc"
		printf 'module DioscopeCRC {\n  header "%s"\n  export *\n}\n' \
			"$ROOT/Sources/DioscopeCRC/include/dioscope_crc.h" >"$OUT/crc/module.modulemap"
		"$(dirname "$SWIFTC")/clang" -c -O2 -g -fPIC -I Sources/DioscopeCRC/include \
			Sources/DioscopeCRC/dioscope_crc.c -o "$OUT/crc/dioscope_crc.o"
		# in $OUT: swiftc leaves module files in its working directory
		# (tested in an if: under set -e a failed build would end the script without a word)
		# -D DEBUG: the engine's slot handles check their slot's generation on every access
		# (SlotHandle); ASan cannot see a stale handle, as slab memory stays allocated
		if ! (cd "$OUT" && "$SWIFTC" -sanitize="$FUZZ_SANITIZE" -parse-as-library -O -g -wmo -D DEBUG \
			-module-name DioscopeFuzz \
			-I "$ROOT/$OUT/crc" -o "$ROOT/$bin" "${core[@]/#/$ROOT/}" "$ROOT/Fuzz/FuzzSupport.swift" "$ROOT/$src" \
			"$ROOT/$OUT/crc/dioscope_crc.o") 2>&1 | { grep -v 'Cannot export local symbol' || true; } ||
			[[ ! -x $bin ]]; then
			echo "building fuzz target $t failed" >&2
			exit 1
		fi
	done
}

corpus() {
	local dir
	dir="$OUT/seeds/trace-reader"
	rm -rf "$dir"
	mkdir -p "$dir"
	cp Tests/DioscopeCoreTests/Fixtures/tracefile/*.dsc "$dir/"
	for f in traces/real/*.dscope; do
		# the whole file, and its first 16 KiB (a truncated recording, cheap to mutate)
		cp "$f" "$dir/$(basename "$f")"
		head -c 16384 "$f" >"$dir/$(basename "$f" .dscope).head.dscope"
	done
	dir="$OUT/seeds/ftrace"
	rm -rf "$dir"
	mkdir -p "$dir"
	cp traces/real/*.ftrace.txt traces/constructed/*.trace "$dir/"
	cp Tests/DioscopeCoreTests/Fixtures/ftrace/*.trace Tests/DioscopeCoreTests/Fixtures/ftrace/*.pipe \
		Tests/DioscopeCoreTests/Fixtures/ftrace/*.trace-cmd Tests/DioscopeCoreTests/Fixtures/analysis/*.trace "$dir/"
	# crashes found earlier stay in the corpus
	for t in "${TARGETS[@]}"; do
		if compgen -G "Tests/DioscopeCoreTests/Fixtures/fuzz-regressions/$t-*" >/dev/null; then
			cp Tests/DioscopeCoreTests/Fixtures/fuzz-regressions/"$t"-* "$OUT/seeds/$t/"
		fi
	done
}

run() {
	local targets=("$@") status=0
	((${#targets[@]})) || targets=("${TARGETS[@]}")
	build
	[[ -d $OUT/seeds/trace-reader && -d $OUT/seeds/ftrace ]] || corpus
	for t in "${targets[@]}"; do
		source_of "$t" >/dev/null
		local work="$OUT/corpus/$t" crashes="$OUT/crashes/$t" log="$OUT/$t$SUFFIX.log"
		mkdir -p "$work" "$crashes"
		local limit=(-max_total_time="$FUZZ_TIME")
		[[ -n ${FUZZ_RUNS:-} ]] && limit=(-runs="$FUZZ_RUNS")
		local jobs=()
		[[ ${FUZZ_JOBS:-1} -gt 1 ]] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
		echo "== fuzzing $t$SUFFIX (${limit[*]}, max_len $FUZZ_MAX_LEN, -sanitize=$FUZZ_SANITIZE)"
		local start=$SECONDS rc=0
		# the Swift runtime's own crash handler gets in ASan's way: libFuzzer reports the trap
		SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$OUT/$t$SUFFIX" "${limit[@]}" "${jobs[@]}" \
			-max_len="$FUZZ_MAX_LEN" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$crashes/" "$work" "$OUT/seeds/$t" >"$log" 2>&1 || rc=$?
		local execs rate
		execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
		rate=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
		if grep -aq 'libFuzzer: run interrupted' "$log" && ! grep -aqE 'deadly signal|INVARIANT|==ERROR' "$log"; then
			echo "   $t: interrupted after $execs executions ($rate/s), no crash"
			status=1
		elif ((rc != 0)) || grep -aqE '^==[0-9]+==ERROR|FUZZ INVARIANT BROKEN|deadly signal|Fatal error' "$log"; then
			echo "!! $t: CRASH after $((SECONDS - start)) s (exit $rc); see $log and $crashes/" >&2
			grep -aE 'ERROR|INVARIANT|Fatal error|deadly|Test unit written' "$log" | head -20 >&2
			status=1
		else
			echo "   $t: $execs executions in $((SECONDS - start)) s ($rate/s), no crash; corpus $(ls "$work" | wc -l) inputs"
		fi
	done
	return $status
}

case ${1:-run} in
build) build ;;
corpus) corpus ;;
run) shift || true; run "$@" ;;
*) echo "usage: $0 build | corpus | run [TARGET...]" >&2; exit 64 ;;
esac
