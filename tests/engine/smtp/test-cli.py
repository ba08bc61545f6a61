#!/usr/bin/python3
# test-cli.py — hongyan-cli send, pop3 and capabilities: exit statuses, Bcc, trace
#
# Usage: test-cli.py PATH/TO/hongyan-cli.  The checks that need servers run
# only under the mail stack (tests/fixtures/mailstack run); without it they
# are skipped (exit 77) unless HY_REQUIRE_MAILSTACK=1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading

cli = sys.argv[1]
env = os.environ
failures = []


def run(*args, extra_env=None):
    e = dict(env)
    if extra_env:
        e.update(extra_env)
    return subprocess.run([cli, *args], capture_output=True, text=True, env=e, timeout=120)


def check(name, condition, result=None):
    if condition:
        print(f"ok - {name}")
    else:
        print(f"not ok - {name}")
        if result is not None:
            print(f"#   status {result.returncode}\n#   stdout {result.stdout!r}\n#   stderr {result.stderr!r}")
        failures.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_server(script):
    """Serves one connection: sends script[0], then for each later item reads a
    line and sends the item.  Returns the port, the list that collects what
    the client sent, and the serving thread (join it before reading the list)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    received = []

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(5)
        with conn:
            conn.sendall(script[0].encode())
            f = conn.makefile("rb")
            for answer in script[1:]:
                line = f.readline()
                received.append(line)
                if not line:
                    return
                conn.sendall(answer.encode())
            try:
                received.append(f.read())
            except OSError:
                pass
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], received, thread


# Without servers
r = run("send")
check("send without files is a usage error (2)", r.returncode == 2, r)
r = run("capabilities", "smtp", "--host", "127.0.0.1", "--port", str(free_port()))
check("a closed port is 'cannot connect' (3)", r.returncode == 3 and "127.0.0.1" in r.stderr, r)
r = run("pop3", "--host", "127.0.0.1", "--security", "sometimes", "stat")
check("a bad --security is a usage error (2)", r.returncode == 2, r)

port, received, thread = fake_server(["* PREAUTH logged in already\r\n"])
r = run("capabilities", "imap", "--host", "127.0.0.1", "--port", str(port), "--security", "starttls")
check("IMAP PREAUTH on a STARTTLS connection is refused as a TLS failure (4)",
      r.returncode == 4 and "PREAUTH" in r.stderr, r)

port, received, thread = fake_server(["220 fake ESMTP\r\n", "250-fake\r\n250 AUTH PLAIN\r\n"])
with tempfile.NamedTemporaryFile("w", suffix=".eml") as f:
    f.write("From: a@example.org\nTo: b@example.org\n\nhi\n")
    f.flush()
    r = run("send", "--host", "127.0.0.1", "--port", str(port), "--security", "starttls",
            "--user", "a", "--password-env", "PW", f.name, extra_env={"PW": "secret-pw"})
thread.join(10)
check("SMTP without STARTTLS is a TLS failure (4) and no password is sent",
      r.returncode == 4 and not any(b"AUTH" in l or b"secret" in l for l in received), r)

if "HY_TEST_HOST" not in env:
    if env.get("HY_REQUIRE_MAILSTACK") == "1":
        print("HY_REQUIRE_MAILSTACK=1 but the mail stack is not running")
        sys.exit(1)
    sys.exit(1 if failures else 77)

host = env["HY_TEST_HOST"]
ca = ["--host", host, "--ca-file", env["HY_TEST_CA_FILE"]]
submission = ca + ["--port", env["HY_TEST_SUBMISSION_PORT"], "--security", "starttls",
                   "--user", env["HY_TEST_ALICE_USER"], "--password-env", "HY_TEST_ALICE_PASSWORD"]
alice, bob = env["HY_TEST_ALICE_ADDRESS"], env["HY_TEST_BOB_ADDRESS"]
rawlog = env["HY_TEST_SUBMISSION_RAWLOG_DIR"]

with tempfile.TemporaryDirectory() as tmp:
    msg = os.path.join(tmp, "bcc.eml")
    marker = f"cli-bcc-{os.getpid()}"
    with open(msg, "w") as f:
        f.write(f"From: {alice}\nTo: {bob}, nobody@elsewhere.invalid\nBcc: {alice}\n"
                f"Subject: {marker}\n\nHello.\n.dot\n")
    before = set(glob.glob(os.path.join(rawlog, "*.out")))
    r = run("send", *submission, "--trace", msg)
    check("a partly refused message is 'server refused' (6)", r.returncode == 6, r)
    lines = [l.split("\t") for l in r.stdout.splitlines()]
    check("each recipient is reported",
          [msg, "accepted", bob] in [l[:3] for l in lines] and
          [msg, "refused", "nobody@elsewhere.invalid"] in [l[:3] for l in lines] and
          [msg, "accepted", alice] in [l[:3] for l in lines], r)
    check("the trace hides the password",
          re.search(r"C: AUTH [A-Z0-9-]+ \*\*\*", r.stderr) is not None and
          env["HY_TEST_ALICE_PASSWORD"] not in r.stderr, r)
    wire = ""
    for path in set(glob.glob(os.path.join(rawlog, "*.out"))) - before:
        with open(path, errors="replace") as f:
            wire += f.read()
    check("the message reached the relay", marker in wire)
    check("Bcc recipients get the message but no Bcc field goes on the wire",
          f"RCPT TO:<{alice}>" in wire and
          not any(l.split(" ", 1)[-1].lower().startswith("bcc:") for l in wire.splitlines()))
    check("a leading dot survives", any(l.endswith(" ..dot") for l in wire.splitlines()))

    r = run("send", *submission, "--rcpt", bob, msg)
    check("--rcpt replaces the header recipients (0)", r.returncode == 0 and
          len(r.stdout.splitlines()) == 2, r)

r = run("capabilities", "smtp", *ca, "--port", env["HY_TEST_SUBMISSION_PORT"], "--security", "starttls")
try:
    caps = json.loads(r.stdout)
except ValueError:
    caps = {}
check("capabilities smtp prints JSON of the encrypted session",
      r.returncode == 0 and caps.get("encrypted") is True and "AUTH" in caps.get("features", {}), r)

r = run("capabilities", "imap", "--host", host, "--port", env["HY_TEST_IMAPS_PORT"])
check("an untrusted certificate is a TLS failure (4) and names the fingerprint",
      r.returncode == 4 and "--pin" in r.stderr, r)
fingerprint = r.stderr.split("--pin ")[-1].strip() if "--pin " in r.stderr else "0" * 64
r = run("capabilities", "imap", "--host", host, "--port", env["HY_TEST_IMAPS_PORT"], "--pin", fingerprint)
check("the pinned certificate is trusted", r.returncode == 0 and '"IMAP4rev1"' in r.stdout, r)

r = run("capabilities", "pop3", *ca, "--port", env["HY_TEST_POP3_PORT"], "--security", "none")
check("a plain session needs no TLS", r.returncode == 0 and '"encrypted": false' in r.stdout, r)
r = run("pop3", *ca, "--port", env["HY_TEST_POP3_PORT"], "--security", "none",
        "--user", "bob", "--password-env", "HY_TEST_BOB_PASSWORD", "stat")
check("no password over a plain connection without --allow-plaintext-auth (4)",
      r.returncode == 4, r)

r = run("pop3", *ca, "--port", env["HY_TEST_POP3S_PORT"], "--local-address", "127.0.0.8",
        "--user", "bob", "--password-env", "WRONG", "stat", extra_env={"WRONG": "not-it"})
check("a wrong password is an authentication failure (5)", r.returncode == 5, r)

r = run("capabilities", "imap", *ca, "--port", env["HY_TEST_IMAPS_PORT"], "--security", "starttls",
        "--timeout", "2")
check("a server that does not answer is a timeout (8)", r.returncode == 8, r)

print(f"1..{len(failures)} failures" if failures else "all passed")
sys.exit(1 if failures else 0)
