#!/usr/bin/env python3
"""Runs a bridge test program against real analytics, for ctest.

    run_with_analytics.py [--late S] [--kill-on TEXT] [--analytics statistics|conformance ...]
                          -- command ...

Starts the analytics in their own JVM on a free port (the Java StatisticsAnalytics on an embedded
Flink cluster, or the protocol's conformance head), exports DEISA_HEAD, runs the command (mpirun
...), and exits non-zero when the command fails, when the analytics do not end cleanly, or when
any wait runs past its bound. --late starts the analytics S seconds after the command;
--kill-on kills the analytics (SIGKILL) once the command printed TEXT, and then expects the
analytics to have died rather than finished; --wait-head starts the command only once the head
accepts connections.
"""
import argparse
import glob
import os
import signal
import socket
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
OPENS = ["--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
         "--add-opens=java.base/java.lang=ALL-UNNAMED"]
BOUND = 240


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def classpath():
    jars = glob.glob(os.path.join(REPO, "cluster", "target", "deisa-cluster-*-analytics.jar"))
    cp = os.path.join(REPO, "cluster", "target", "flink-classpath.txt")
    if not jars or not os.path.exists(cp):
        sys.exit("the analytics jar is not built: run `mvn install -DskipTests` (bin/test does) first")
    return jars[0] + os.pathsep + open(cp).read().strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--late", type=float, default=0)
    parser.add_argument("--kill-on")
    parser.add_argument("--wait-head", action="store_true",
                        help="start the command only once the head accepts connections (for short connect timeouts)")
    parser.add_argument("--analytics", default="statistics")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    port = free_port()
    head = "127.0.0.1:%d" % port
    if args.analytics == "statistics":
        main_class, extra = "io.deisa.cluster.StatisticsAnalytics", []
    else:
        main_class, extra = "io.deisa.conformance.ConformanceHead", args.analytics.split()[1:]
    java = ["java", "-Xmx1g", "-XX:+UseSerialGC", *OPENS, "-cp", classpath(), main_class, "--head", head, *extra]
    env = dict(os.environ, DEISA_HEAD=head)
    analytics = None

    def start_analytics():
        nonlocal analytics
        analytics = subprocess.Popen(java, stdout=sys.stderr, stderr=subprocess.STDOUT, start_new_session=True)

    if args.late <= 0:
        start_analytics()
    if args.wait_head:
        deadline = time.monotonic() + BOUND
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or analytics.poll() is not None:
                    sys.exit("the analytics head never listened on %s" % head)
                time.sleep(0.1)
    program = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    if args.late > 0:
        time.sleep(args.late)  # the scenario: the analytics start this much later than the simulation
        start_analytics()
    killed = threading.Event()
    output = []

    def pump():
        for line in program.stdout:
            output.append(line)
            sys.stdout.write(line)
            sys.stdout.flush()
            if args.kill_on and args.kill_on in line and not killed.is_set():
                killed.set()
                os.killpg(analytics.pid, signal.SIGKILL)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = program.wait(BOUND)
    except subprocess.TimeoutExpired:
        os.killpg(program.pid, signal.SIGKILL)
        if analytics:
            os.killpg(analytics.pid, signal.SIGKILL)
        sys.exit("the program did not end within %d s" % BOUND)
    reader.join(10)
    try:
        analytics_code = analytics.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(analytics.pid, signal.SIGKILL)
        sys.exit("the analytics did not end within 60 s after the program")
    if code != 0:
        sys.exit("the program exited with %d" % code)
    if args.kill_on:
        if not killed.is_set():
            sys.exit("the program never printed %r" % args.kill_on)
    elif analytics_code != 0:
        sys.exit("the analytics exited with %d" % analytics_code)
    print("run_with_analytics: OK")


if __name__ == "__main__":
    main()
