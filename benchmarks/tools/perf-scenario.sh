#!/bin/bash
# Records `perf` call stacks of one system's scenario JVM while the benchmark runs.
#
# usage: benchmarks/tools/perf-scenario.sh SYSTEM DELAY SECONDS OUT
#   SYSTEM: eventbus, strongest or reference; waits for that scenario JVM to start, lets it run
#   DELAY seconds (start-up, warm-up), then records SECONDS at 997 Hz into OUT.
# Run the benchmark with JIT frames named for perf, e.g.
#   benchmarks/tools/perf-scenario.sh eventbus 12 8 /tmp/eventbus.perf &
#   java -jar benchmarks/runner/target/benchmarks.jar --only drain-noop --events 3000000 --runs 1 \
#     --jvm-flags "-Xmx512m -XX:+UseG1GC -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
#   perf report -i /tmp/eventbus.perf --no-children --sort comm,dso --stdio -g none       # by thread and library
#   perf report -i /tmp/eventbus.perf --no-children --sort comm,dso,sym --stdio -g none   # JIT methods named
# (the JVM writes /tmp/perf-<pid>.map at exit, which perf report reads for the JIT frames).
# It attaches to the newest such JVM that starts after it: run no other benchmark meanwhile.
set -eu
system=$1 delay=$2 seconds=$3 out=$4
before=$(pgrep -f "ScenarioMain system=$system " || true)
pid=""
for _ in $(seq 1 6000); do
  for p in $(pgrep -f "ScenarioMain system=$system " || true); do
    case " $before " in *" $p "*) ;; *) pid=$p ;; esac
  done
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { echo "no scenario JVM for $system started" >&2; exit 1; }
echo "recording $system, pid $pid: $(tr '\0' ' ' < /proc/$pid/cmdline | cut -c1-200)" >&2
sleep "$delay"
perf record -F 997 -g -p "$pid" -o "$out" -- sleep "$seconds"
