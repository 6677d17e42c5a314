#!/usr/bin/env python3
"""CPU time per thread of the benchmark's scenario JVMs, every half second, as they run.

Usage (beside a benchmark run, on Linux):
    benchmarks/tools/thread-cpu.py ScenarioMain 600 > threads.log &
    java -jar benchmarks/runner/target/benchmarks.jar --only drain-noop --events 3000000 --runs 1
    kill %1    # or let it end after the 600 s given (default 3600)

The first argument is a string the JVMs' command lines contain: ScenarioMain takes every scenario
JVM on the machine (run no other benchmark meanwhile), "system=eventbus" only Eventbus's.

Each line: pid, time, then the threads (digits folded to '#', so the carriers of virtual threads,
the JIT compilers and the GC workers each add up) that used more than 20 ms of CPU in the last half
second, most first. JFR samples Java frames only; this counts the JIT compilers, the GC, the kernel
time of each thread and the virtual threads' carriers as well.
"""
import collections
import os
import re
import sys
import time

pattern = sys.argv[1] if len(sys.argv) > 1 else "ScenarioMain"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600
hz = os.sysconf("SC_CLK_TCK")
previous = {}
end = time.time() + seconds
while time.time() < end:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline").read()
        except OSError:
            continue
        if pattern not in cmdline or "thread-cpu" in cmdline:
            continue
        used = collections.Counter()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                stat = open(f"/proc/{pid}/task/{task}/stat").read()
            except OSError:
                continue
            name = re.sub(r"\d+", "#", stat[stat.index("(") + 1 : stat.rindex(")")])
            fields = stat[stat.rindex(")") + 2 :].split()
            used[name] += (int(fields[11]) + int(fields[12])) / hz  # utime + stime
        before = previous.get(pid)
        if before is not None:
            delta = sorted(((n, used[n] - before.get(n, 0)) for n in used), key=lambda x: -x[1])
            print(pid, f"{time.time():.1f}", " ".join(f"{n}={d:.2f}" for n, d in delta if d > 0.02), flush=True)
        previous[pid] = dict(used)
    time.sleep(0.5)
