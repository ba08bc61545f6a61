#!/usr/bin/python3
# bench-ui.py — Hongyan's cold start, large-folder switch and memory with a 100,000-message cache
#
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
#     tests/fixtures/mailstack run -- /usr/bin/python3 bench/ui/bench-ui.py BUILD_DIR [N]
#
# Makes an account (hongyan-cli, password in the stack's keyring), fills
# its cache with the demo inbox and N (default 100,000) generated messages
# in a folder "Large" (tests/ui/hy-fill-store), then, RUNS times, starts
# the app in a fresh process and reads its HONGYAN_BENCH marks:
#   - cold start: from exec to the first frame drawn;
#   - switch: from choosing "Large" to the first frame showing its rows;
#   - RSS of the app process with "Large" open, and of WebKit's processes
#     once an HTML message is shown.
# Each mark carries the app's CPU time too: on a shared machine the
# wall clock varies with the load, the CPU time much less.
# Figures, not pass/fail.  Under Xvfb OpenGL is Mesa's llvmpipe, a
# software rasterizer, so the app draws with cairo by itself (see
# src/app/hy-renderer.c); each figure is measured twice, as the app
# chooses and with GSK_RENDERER=gl, GTK's GL renderer on llvmpipe (what
# the app avoids: ~60 MiB more heap and much of the start-up time).
# GDK still loads the llvmpipe driver (~50 MiB of libLLVM) to choose its
# X11 visual.  With GSK_RENDERER set in the environment, only that one.
#
#   BENCH_RUNS=N       runs per renderer (default 5)
#   BENCH_PROFILE=DIR  keep the filled profile in DIR and reuse it next
#                      time (filling 100,000 messages takes a while)
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def rss_kib(pid, field="VmRSS"):
    """VmRSS counts shared libraries and GL drivers too; RssAnon is the heap."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return 0


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [(int(line.split()[0]), line.split()[1]) for line in out.splitlines() if line.strip()]


def wait_mark(errfile, name, after=0.0, timeout=60):
    """The mark's time and the app's CPU time then, both in milliseconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(errfile) as f:
            m = [(float(t), float(cpu)) for t, cpu in
                 re.findall(rf"hongyan-bench: {name} ([0-9.]+) cpu ([0-9.]+)", f.read()) if float(t) > after]
        if m:
            return m[-1]
        time.sleep(0.02)
    raise SystemExit(f"no “{name}” mark within {timeout} s")


def action(name, parameter):
    subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.hongyan.Hongyan",
                    "--object-path", "/io/github/hongyan/Hongyan", "--method",
                    "org.gtk.Actions.Activate", name, f"[{parameter}]", "{}"],
                   check=True, stdout=subprocess.DEVNULL)


def fill_profile(env, cli, fill, source, count):
    # The cache is filled here; the account points at a port where nothing
    # listens so that the app's sync (offline) leaves it as it is.
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    subprocess.run([cli, "account", "add", "--id", "bench", "--address", os.environ["HY_TEST_ALICE_ADDRESS"],
                    "--imap-host", "127.0.0.1", "--port", str(closed_port),
                    "--user", os.environ["HY_TEST_ALICE_USER"], "--password-env", "HY_TEST_ALICE_PASSWORD",
                    "--smtp-host", "localhost", "--smtp-port", os.environ["HY_TEST_SUBMISSION_PORT"],
                    "--smtp-security", "starttls"], env=env, check=True, stdout=subprocess.DEVNULL)
    store = os.path.join(env["XDG_DATA_HOME"], "hongyan", "accounts", "bench", "store.db")
    subprocess.run([fill, store, "--manifest", os.path.join(source, "tests", "fixtures", "demo")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    subprocess.run([fill, store, "--generate", str(count), "Large"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"filled the cache with {count} messages in {time.monotonic() - started:.1f} s "
          f"({os.path.getsize(store) / 1e6:.0f} MB)")


def main():
    build = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cli = os.path.join(build, "src", "cli", "hongyan-cli")
    fill = os.path.join(build, "tests", "ui", "hy-fill-store")
    app = os.path.join(build, "src", "app", "hongyan")

    profile = os.environ.get("BENCH_PROFILE") or tempfile.mkdtemp(prefix="hy-bench-ui-")
    os.makedirs(profile, exist_ok=True)
    env = dict(os.environ, HOME=profile, GSETTINGS_BACKEND="memory",
               GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"), HONGYAN_BENCH="1",
               HONGYAN_CA_FILE=os.environ.get("HY_TEST_CA_FILE", ""))
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(profile, name.lower())
    store = os.path.join(env["XDG_DATA_HOME"], "hongyan", "accounts", "bench", "store.db")
    if not os.path.exists(store):
        fill_profile(env, cli, fill, source, count)

    def first(folder):
        out = subprocess.run([cli, "list", "--json", "-n", "1", folder], env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.splitlines()[0])["id"]
    large_id, news_id = first("Large"), None
    for line in subprocess.run([cli, "list", "--json", "-n", "0", "INBOX"], env=env, check=True,
                               capture_output=True, text=True).stdout.splitlines():
        m = json.loads(line)
        if m["subject"].startswith("Issue 48"):
            news_id = m["id"]

    renderers = [os.environ["GSK_RENDERER"]] if "GSK_RENDERER" in os.environ else [None, "gl"]
    for renderer in renderers:
        run_env = dict(env)
        if renderer is not None:
            run_env["GSK_RENDERER"] = renderer
        measure(app, run_env, profile, large_id, news_id, count)


def measure(app, env, profile, large_id, news_id, count):
    starts, start_cpu, switches, switch_cpu, rss, anon, files, webkit = [], [], [], [], [], [], [], []
    for run in range(RUNS):
        errfile = os.path.join(profile, f"stderr-{run}")
        with open(errfile, "w") as err:
            t0 = time.monotonic() * 1000.0
            proc = subprocess.Popen([app], env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            frame, cpu = wait_mark(errfile, "first-frame")
            starts.append(frame - t0)
            start_cpu.append(cpu)
            time.sleep(1.0)
            # The window may have shown its inbox at start: the mark that
            # counts is the one after this request.
            asked = time.monotonic() * 1000.0
            action("show-message", f'<("bench", int64 {large_id})>')
            switch, cpu = wait_mark(errfile, "switch", after=asked)
            rows, rows_cpu = wait_mark(errfile, "first-rows", after=switch)
            switches.append(rows - switch)
            switch_cpu.append(rows_cpu - cpu)
            time.sleep(2.0)
            rss.append(rss_kib(proc.pid) / 1024)
            anon.append(rss_kib(proc.pid, "RssAnon") / 1024)
            files.append(rss_kib(proc.pid, "RssFile") / 1024)
            action("show-message", f'<("bench", int64 {news_id})>')
            time.sleep(3.0)
            webkit.append(sum(rss_kib(pid) for pid, comm in children(proc.pid) if "WebKit" in comm) / 1024)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    def show(name, values, unit):
        print(f"{name}: median {statistics.median(values):.1f} {unit} "
              f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)")
    print(f"GSK_RENDERER={env.get('GSK_RENDERER', '(unset: the app chooses)')}")
    show("cold start to first frame", starts, "ms")
    show("  CPU time of the app by then", start_cpu, "ms")
    show(f"switch to the {count}-message folder, to the first rows drawn", switches, "ms")
    show("  CPU time of the app meanwhile", switch_cpu, "ms")
    show("app process RSS with that folder open", rss, "MiB")
    show("  of which anonymous (heap, not libraries or mapped files)", anon, "MiB")
    show("  of which file-backed (libraries, fonts, mapped files)", files, "MiB")
    show("WebKit processes RSS with an HTML message shown", webkit, "MiB")


if __name__ == "__main__":
    main()
