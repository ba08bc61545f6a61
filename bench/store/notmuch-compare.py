#!/usr/bin/python3
# bench/store/notmuch-compare.py — the store's searches against notmuch on the same mail
#
# Usage:
#   _build/bench/store/hy-bench-store -n 100000 --store S.db --maildir M --skip-header-sync
#   bench/store/notmuch-compare.py --store S.db --maildir M [--runs 21]
#
# hy-bench-store --maildir writes every message it generates into the store
# also into a Maildir (flags S and F in the file names).  This script indexes
# that Maildir with "notmuch new" in a configuration of its own (the user's
# is left alone), runs the queries of hy-bench-store as notmuch queries with
# "notmuch search --output=messages" (all matches, as hy_store_search()
# returns them) and prints the medians beside the store's, which it gets by
# running hy-bench-store on the same store.  notmuch's time includes
# starting the process, as for someone who types the command; "notmuch
# count" is printed too.
#
# notmuch is a benchmark tool, not a build or test dependency of Hongyan:
# "apt-get install notmuch" before running this.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

# hy-bench-store's queries (time_searches()), and the same question asked of
# notmuch.  The generated mail has no attachment parts (has:attachment is a
# store flag there), so notmuch finds none for that query; the store folds
# diacritics (zurich finds Zürich), notmuch does not.
QUERIES = [
    ("budget", "budget"),
    ("quarterly report", "quarterly and report"),
    ('"project schedule"', '"project schedule"'),
    ("zurich", "zurich"),
    ("会议", "会议"),
    ("项目进度", "项目进度"),
    ("报销 酒店", "报销 and 酒店"),
    ("from:alice", "from:alice"),
    ("from:张伟 subject:会议", "from:张伟 and subject:会议"),
    ("subject:meeting is:unread", "subject:meeting and tag:unread"),
    ("has:attachment after:2021-06-01 before:2022-01-01", "tag:attachment and date:2021-06-01..2021-12-31"),
    ("in:inbox is:flagged", "tag:flagged"),
    ("to:alice -budget", "to:alice and not budget"),
]


def notmuch(config, *args, capture=True):
    env = dict(os.environ, NOTMUCH_CONFIG=config)
    return subprocess.run(["notmuch", *args], env=env, check=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True, help="store filled by hy-bench-store --maildir")
    parser.add_argument("--maildir", required=True, help="the Maildir hy-bench-store wrote")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--hy-bench-store", default="_build/bench/store/hy-bench-store")
    args = parser.parse_args()

    # The store's figures, from the same store.
    out = subprocess.run([args.hy_bench_store, "--store", args.store, "-r", str(args.runs),
                          "--skip-header-sync"], check=True, stdout=subprocess.PIPE, text=True).stdout
    hy = {}
    for line in out.splitlines():
        m = re.match(r"^(.*\S)\s+(\d+)\s+([\d.]+)$", line)
        if m:
            hy[m.group(1)] = (int(m.group(2)), float(m.group(3)))

    with tempfile.TemporaryDirectory(prefix="hy-notmuch-") as tmp:
        config = os.path.join(tmp, "notmuch-config")
        with open(config, "w") as f:
            f.write("[database]\npath=%s\n[user]\nname=Alice Liddell\nprimary_email=alice@example.org\n"
                    "[new]\ntags=\n[maildir]\nsynchronize_flags=true\n" % os.path.abspath(args.maildir))
        start = time.monotonic()
        if not os.path.isdir(os.path.join(args.maildir, ".notmuch")):
            notmuch(config, "new", "--quiet", capture=False)
            print("notmuch new: %.1f s" % (time.monotonic() - start))
        total = notmuch(config, "count", "*").stdout.strip()
        print("notmuch database: %s messages" % total)
        print("%-52s %8s %9s %8s %9s %9s" % ("search", "hy hits", "hy ms", "nm hits", "nm ms", "count ms"))
        for ours, theirs in QUERIES:
            times, count_times = [], []
            hits = 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                result = notmuch(config, "search", "--output=messages", theirs)
                times.append((time.perf_counter() - t0) * 1000)
                hits = len(result.stdout.splitlines())
                t0 = time.perf_counter()
                notmuch(config, "count", theirs)
                count_times.append((time.perf_counter() - t0) * 1000)
            hy_hits, hy_ms = hy.get(ours, (-1, float("nan")))
            print("%-52s %8d %9.2f %8d %9.2f %9.2f" % (ours, hy_hits, hy_ms, hits,
                                                      statistics.median(times), statistics.median(count_times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
