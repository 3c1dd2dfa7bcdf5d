#!/usr/bin/env bash
# Which tasks BPF programs cannot see on this machine: interrupt work that
# ftrace records on top of a task, and that a BPF program on the same
# tracepoint never runs for.
#
#   scripts/check-bpf-blind-tasks.sh [SECS]     (default 10)
#
# Counts irq:softirq_entry and irq:irq_handler_entry by the task they
# interrupted (the current task), for SECS seconds, twice at once: a tracefs
# instance, and bpftrace (a BPF program on each tracepoint). bpftrace starts
# first and stops last, so for every task it must count at least what tracefs
# does. A task with tracefs hits and fewer BPF hits is one the kernel does not
# run BPF programs for, and counts nothing for (no recursion miss).
#
# Why it matters: a direct I/O completion in a softirq on top of such a task
# is invisible to dioscope (`make check-lost-completions` finds those hits).
# On the VMs this project was built on, the VM agent's threads
# (`tokio-rt-worker`) are such tasks: tracefs shows interrupts on top of
# them, and neither dioscope's tp_btf programs nor bpftrace's perf
# tracepoint programs ever run there (README, "Robustness").
# `dioscope probes --blind-tasks SECS` does the same check with dioscope's own
# BPF object (bpf/blind.bpf.h); this script is the independent one, with bpftrace.
# Needs root and bpftrace. Exit 0 none found, 1 blind tasks found, 2 error.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
tr=/sys/kernel/tracing
[ -d $tr/instances ] || mount -t tracefs nodev $tr
command -v bpftrace >/dev/null || { echo "needs bpftrace" >&2; exit 2; }
inst=$tr/instances/dioscope-blind-check
tmp=$(mktemp -d)
bt=
cleanup() {
	[ -n "$bt" ] && kill -INT "$bt" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -d "$inst" ]; then
		echo 0 > "$inst/tracing_on"
		echo 0 > "$inst/events/irq/softirq_entry/enable"
		echo 0 > "$inst/events/irq/irq_handler_entry/enable"
		rmdir "$inst"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$inst"
echo 65536 > "$inst/buffer_size_kb"
echo 0 > "$inst/tracing_on"
echo 1 > "$inst/events/irq/softirq_entry/enable"
echo 1 > "$inst/events/irq/irq_handler_entry/enable"
bpftrace -e 'tracepoint:irq:softirq_entry, tracepoint:irq:irq_handler_entry { @[tid] = count(); }' \
	> "$tmp/bpf.txt" 2> "$tmp/bpf.err" &
bt=$!
for _ in $(seq 100); do
	grep -q "^Attaching" "$tmp/bpf.txt" && break
	kill -0 "$bt" 2>/dev/null || { cat "$tmp/bpf.err" >&2; exit 2; }
	sleep 0.1
done
sleep 0.5
echo 1 > "$inst/tracing_on"
sleep "$secs"
echo 0 > "$inst/tracing_on"
sleep 0.5
kill -INT "$bt"
wait "$bt" || true
bt=
cat "$inst/trace" > "$tmp/ftrace.txt"
grep -h "dropped events" "$inst"/per_cpu/cpu*/stats | awk '{n += $3} END {if (n) print "tracefs dropped", n}'
python3 - "$tmp" <<'EOF'
import collections, re, sys
tmp = sys.argv[1]
ft, names = collections.Counter(), {}
hit = re.compile(r"^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+[\d.]+: (softirq_entry|irq_handler_entry):")
for line in open(f"{tmp}/ftrace.txt"):
    m = hit.match(line)
    if m:
        tid = int(m.group(2))
        ft[tid] += 1
        names[tid] = m.group(1)
bpf = collections.Counter()
for line in open(f"{tmp}/bpf.txt"):
    m = re.match(r"@\[(\d+)\]: (\d+)", line)
    if m:
        bpf[int(m.group(1))] += int(m.group(2))
print(f"interrupt entries: tracefs {sum(ft.values())}, BPF {sum(bpf.values())} (BPF ran longer)")
blind = [t for t in ft if bpf[t] < ft[t]]
for t in sorted(blind, key=lambda t: -ft[t]):
    print(f"  BLIND: {names[t]}-{t}: tracefs {ft[t]}, BPF {bpf[t]}")
if not blind:
    print("no task with interrupts BPF did not see")
sys.exit(1 if blind else 0)
EOF
