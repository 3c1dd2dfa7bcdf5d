# dioscope — see README.md. Two commands matter: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release

.PHONY: all deps build bpf bpf-check workloads demo test test-unit test-live bench bench-live bench-syscalls bench-compare check-lost-completions check-bpf-blind-tasks fuzz clean

all: build

# Debian packages the build, the tests and the demo need (idempotent).
deps:
	scripts/install-deps.sh

# Compile bpf/*.bpf.c with the Swift toolchain's clang and embed the object.
bpf:
	scripts/build-bpf.sh

# CI: the committed embedded object must match a fresh compile of bpf/.
bpf-check:
	scripts/build-bpf.sh --check

workloads:
	scripts/build-workloads.sh

build: workloads
	$(SWIFT) build -c $(CONFIG)

demo: deps build
	scripts/demo.sh

test: deps workloads
	$(SWIFT) build
	scripts/run-tests.sh

# Live tracing overhead (issue #5): fio IOPS untraced / under `dioscope live` /
# under bpftrace counting the same tracepoints, interleaved, median of ROUNDS.
ROUNDS ?= 5
bench-live: build
	BPF_STATS=1 scripts/bench-live.sh $(ROUNDS)

# What the system call programs cost processes dioscope does not trace (read/write probes on
# and off), median of ROUNDS: scripts/bench-syscalls.sh.
bench-syscalls: build
	scripts/bench-syscalls.sh $(ROUNDS)

# Which iomap_dio_complete hits a recording of a mixed load lacks, counted as drops or not
# (a tracefs instance beside dioscope record): scripts/check-lost-completions.sh.
check-lost-completions: build
	scripts/check-lost-completions.sh

# Which tasks BPF programs never run on top of (interrupts tracefs records and bpftrace does not
# see): the cause of the uncounted losses above. scripts/check-bpf-blind-tasks.sh; needs bpftrace.
check-bpf-blind-tasks:
	scripts/check-bpf-blind-tasks.sh

# The offline analysis of this tree against revision BASE on recording TRACE, in alternation
# (BENCHMARKS.md's side-by-side figures): scripts/bench-compare.sh. ROUNDS defaults to 2 here.
bench-compare:
	ROUNDS=$(if $(filter command line,$(origin ROUNDS)),$(ROUNDS),2) scripts/bench-compare.sh $(BASE) $(TRACE)

# Every figure of BENCHMARKS.md from one run (live overhead, offline analyze and
# ftrace import, memory per I/O and a 10-minute live run): scripts/bench.sh.
bench: build
	scripts/bench.sh

# libFuzzer over the trace reader and the ftrace importer (+ analysis): FUZZ_TIME seconds per target
# (default 60), or FUZZ_RUNS executions each. Crashes land in .build/fuzz/crashes/. See README "Fuzzing".
FUZZ_TIME ?= 60
fuzz:
	FUZZ_TIME=$(FUZZ_TIME) scripts/fuzz.sh run

clean:
	rm -rf .build out
	$(MAKE) -C workloads clean 2>/dev/null || true
