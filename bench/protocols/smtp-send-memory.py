#!/usr/bin/python3
# bench/protocols/smtp-send-memory.py — peak memory of "hongyan-cli send" with a 50 MB attachment
#
# Usage (the mail stack provides the server and the HY_TEST_* variables):
#   tests/fixtures/mailstack run -- bench/protocols/smtp-send-memory.py _build/src/cli/hongyan-cli
#
# Sends a small message and then one with a 50 MB attachment (base64, about
# 68 MB on the wire) from alice to bob over submission with STARTTLS, each in
# a fresh hongyan-cli process, and prints the peak resident set size of both
# and the growth.  The goal is a growth below 30 MB: the body is streamed.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import base64
import os
import resource
import subprocess
import sys
import tempfile
import time

ATTACHMENT_MB = int(os.environ.get("HY_BENCH_ATTACHMENT_MB", "50"))


def write_message(path, attachment_bytes):
    env = os.environ
    with open(path, "wb") as f:
        f.write((
            f"From: {env['HY_TEST_ALICE_ADDRESS']}\r\n"
            f"To: {env['HY_TEST_BOB_ADDRESS']}\r\n"
            "Subject: hongyan smtp memory benchmark\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
            "--b\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n").encode())
        chunk = 57 * 1024  # 57 bytes encode to one 76-character line
        left = attachment_bytes
        while left > 0:
            raw = os.urandom(min(chunk, left))
            left -= len(raw)
            encoded = base64.b64encode(raw)
            for i in range(0, len(encoded), 76):
                f.write(encoded[i:i + 76] + b"\r\n")
        f.write(b"--b--\r\n")


def peak_rss_kb(cli, message):
    """Runs one send in a child of a fresh interpreter; returns (peak KiB, seconds)."""
    env = os.environ
    cmd = [cli, "send", "--host", env["HY_TEST_HOST"], "--port", env["HY_TEST_SUBMISSION_PORT"],
           "--security", "starttls", "--ca-file", env["HY_TEST_CA_FILE"],
           "--user", env["HY_TEST_ALICE_USER"], "--password-env", "HY_TEST_ALICE_PASSWORD",
           message]
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "t = time.monotonic() - t\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, t)\n")
    out = subprocess.run([sys.executable, "-c", probe] + cmd, check=True,
                         capture_output=True, text=True).stdout.split()
    if out[0] != "0":
        sys.exit(f"hongyan-cli send failed with status {out[0]}")
    return int(out[1]), float(out[2])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: smtp-send-memory.py PATH/TO/hongyan-cli (under tests/fixtures/mailstack run)")
    if "HY_TEST_HOST" not in os.environ:
        sys.exit("no mail stack: run under tests/fixtures/mailstack run -- …")
    cli = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        small = os.path.join(tmp, "small.eml")
        large = os.path.join(tmp, "large.eml")
        write_message(small, 1024)
        write_message(large, ATTACHMENT_MB * 1024 * 1024)
        base_kb, base_s = peak_rss_kb(cli, small)
        large_kb, large_s = peak_rss_kb(cli, large)
        size_mb = os.path.getsize(large) / 1e6
    growth_mb = (large_kb - base_kb) / 1024
    print(f"small message:  peak RSS {base_kb / 1024:.1f} MiB ({base_s:.2f} s)")
    print(f"{ATTACHMENT_MB} MB attachment ({size_mb:.1f} MB message): "
          f"peak RSS {large_kb / 1024:.1f} MiB ({large_s:.2f} s, {size_mb / large_s:.0f} MB/s)")
    print(f"peak RSS growth: {growth_mb:.1f} MiB (goal < 30 MB)")


if __name__ == "__main__":
    main()
