#!/bin/bash
# Compares builds on a noisy machine: runs one scenario of each build's benchmark JAR in turn,
# ROUNDS times, one repetition each, and prints a line per run (its reference's and Eventbus's
# throughput, and their client CPU per event), so that builds are compared pair by pair rather
# than across minutes in which the machine itself changes.
#
# usage: benchmarks/tools/alternate.sh ROUNDS SCENARIO NAME=CHECKOUT [NAME=CHECKOUT ...]
#   e.g. git worktree add /tmp/before <commit>; (cd /tmp/before && ./mvnw -q package -DskipTests -pl benchmarks/runner -am)
#        benchmarks/tools/alternate.sh 4 drain-noop-cluster before=/tmp/before after=.
# Each CHECKOUT needs its benchmarks/runner/target/benchmarks.jar built. Run nothing else meanwhile.
# Ends with each build's medians: Eventbus's throughput over its reference's, and its CPU per event
# (a change of a few percent needs six or more rounds to show on a 2-core box).
set -eu
rounds=$1 scenario=$2
shift 2
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for round in $(seq 1 "$rounds"); do
  for build in "$@"; do
    name=${build%%=*} checkout=${build#*=}
    out=$(mktemp -d)
    "$java" -jar "$checkout/benchmarks/runner/target/benchmarks.jar" --only "$scenario" --runs 1 --out "$out" 2>&1 |
      awk -v r="$round" -v n="$name" '
        / rep 1 .* reference / { ref = $5 }
        / rep 1 .* eventbus / { eb = $5 }
        /client CPU per event \(measured window\)/ { cpu = $(NF-2) " / " $(NF-1) }
        END { printf "round %s %-10s reference %s ev/s, eventbus %s ev/s, CPU us/event reference / eventbus %s\n", r, n, ref, eb, cpu }' |
      tee -a "$lines"
    rm -rf "$out"
  done
done
# Medians per build, from the lines above (runs that printed no figure are left out).
awk '
  function median(list, n,    i, j, t, a) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    ref = $5; eb = $8; gsub(",", "", ref); gsub(",", "", eb)
    if (ref + 0 > 0 && eb + 0 > 0) { ratios[$3] = ratios[$3] " " eb / ref; cpus[$3] = cpus[$3] " " $(NF) }
  }
  END { for (b in ratios) printf "median %-10s eventbus / reference %.3fx, eventbus CPU %.2f us/event\n", b, median(ratios[b]), median(cpus[b]) }
' "$lines"
