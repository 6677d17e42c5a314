#!/bin/bash
# Compares JVM flag sets (e.g. -Deventbus.consumer.* overrides, GC flags) on one build of the
# benchmark, alternating them ROUNDS times on the cluster drain, one repetition each, and prints a line
# per run: the ratio, both systems' throughput, client CPU per event (whole window and last half),
# the redis-servers' CPU per event, and Eventbus's XACK and XREADGROUP calls. Run nothing else meanwhile.
#
# usage: benchmarks/tools/compare-flags.sh ROUNDS NAME "FLAGS" [NAME "FLAGS" ...]
#   e.g. benchmarks/tools/compare-flags.sh 3 base "" big-acks "-Deventbus.consumer.ack-batch-size=2000"
# JAR=<path> picks another benchmarks.jar (default: this checkout's). Both systems get the flags.
set -u
rounds=$1; shift
cd "$(dirname "$0")/../.."
for r in $(seq 1 $rounds); do
  args=("$@")
  for ((i=0;i<${#args[@]};i+=2)); do
    name=${args[i]} flags=${args[i+1]}
    out=$(mktemp -d)
    ${JAVA_HOME:+$JAVA_HOME/bin/}java -jar ${JAR:-benchmarks/runner/target/benchmarks.jar} --only drain-noop-cluster --runs 1 --out $out --jvm-flags "-Xmx512m -XX:+UseG1GC $flags" > $out/out.txt 2>&1
    python3 - "$out/benchmark.json" "$name" "$r" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
v={r['system']:r['values'] for r in d['runDetails']}
R,E=v.get('reference',{}),v.get('eventbus',{})
if not R or not E: print(sys.argv[3],sys.argv[2],'FAILED'); sys.exit()
print("r%s %-8s ratio %.3f  ref %6.0f eb %6.0f | cpu/ev ref %.2f eb %.2f | late ref %.2f eb %.2f | srv ref %.2f eb %.2f | xack %d xrg %d" % (sys.argv[3],sys.argv[2],E['events_per_s']/R['events_per_s'],R['events_per_s'],E['events_per_s'],R['cpu_us_per_event'],E['cpu_us_per_event'],R['late_cpu_us_per_event'],E['late_cpu_us_per_event'],R['server_cpu_us_per_event'],E['server_cpu_us_per_event'],E['xack_calls'],E['xreadgroup_calls']), flush=True)
PY
    rm -rf $out
  done
done
