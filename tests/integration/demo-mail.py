#!/usr/bin/python3
# tests/integration/demo-mail.py — the demo mail is well-formed and arrives in alice's mailbox as intended
#
# Checks the files of tests/fixtures/demo against MANIFEST (every message
# listed, parseable, with the headers a client relies on, replies pointing at
# messages of the set), then starts a stack with "mailstack run --demo" and
# checks over IMAPS, with curl, that the mailboxes, flags and arrival times
# are what MANIFEST and the Date headers say.  Output is TAP.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import email
import email.policy
import email.utils
import os
import re
import subprocess
import sys

source_root = os.environ.get("HONGYAN_SOURCE_ROOT",
                             os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
demo_dir = os.path.join(source_root, "tests", "fixtures", "demo")
mailstack = os.path.join(source_root, "tests", "fixtures", "mailstack")

results = []


def check(what, ok, *details):
    results.append((what, bool(ok), [str(d) for d in details]))


def report():
    print(f"1..{len(results)}")
    failed = 0
    for n, (what, ok, details) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {what}")
        if not ok:
            failed += 1
            for d in details:
                for line in d.splitlines():
                    print(f"#   {line}")
    sys.exit(1 if failed else 0)


def read_manifest():
    entries = []
    with open(os.path.join(demo_dir, "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, mailbox, flags = line.split()
            entries.append((name, mailbox, "" if flags == "-" else flags))
    return entries


# --------------------------------------------------------------- the files
entries = read_manifest()
listed = {e[0] for e in entries}
on_disk = {f for f in os.listdir(demo_dir) if f.endswith(".eml")}
check("MANIFEST lists every .eml file, and only existing ones",
      listed == on_disk, f"not listed: {sorted(on_disk - listed)}", f"missing: {sorted(listed - on_disk)}")

messages = {}
raw = {}
problems = []
for name, mailbox, flags in entries:
    if name not in on_disk:
        continue
    with open(os.path.join(demo_dir, name), "rb") as f:
        raw[name] = f.read()
    msg = email.message_from_bytes(raw[name], policy=email.policy.default)
    messages[name] = msg
    for header in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        if msg[header] is None:
            problems.append(f"{name}: no {header} header")
    if msg.defects:
        problems.append(f"{name}: {msg.defects}")
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            part.get_content()
        except Exception as e:  # noqa: BLE001 — any decoding failure is a defect here
            problems.append(f"{name}: a {part.get_content_type()} part does not decode: {e}")
    if flags != "".join(sorted(flags)) or not re.fullmatch(r"[DFPRST]*", flags):
        problems.append(f"{name}: flags {flags!r} are not Maildir letters in ASCII order")
check("every demo message parses and has From, To, Subject, Date, Message-ID, MIME-Version",
      not problems, *problems)

ids = {str(m["Message-ID"]).strip() for m in messages.values()}
dangling = []
for name, msg in messages.items():
    for header in ("In-Reply-To", "References"):
        for ref in re.findall(r"<[^>]+>", str(msg[header] or "")):
            if ref not in ids and "forge.example.org" not in ref:
                dangling.append(f"{name}: {header} {ref} is not in the demo set")
check("replies refer to messages of the demo set", not dangling, *dangling)

inbox = [e for e in entries if e[1] == "INBOX"]
check("at least 14 messages for alice's INBOX", len(inbox) >= 14, f"{len(inbox)} in INBOX")

kinds = {
    "an HTML part": lambda n, m: any(p.get_content_type() == "text/html" for p in m.walk()),
    "a GB2312 or GBK body": lambda n, m: any((p.get_content_charset() or "").lower() in ("gb2312", "gbk", "gb18030")
                                          for p in m.walk()),
    "a PDF attachment": lambda n, m: any(p.get_content_type() == "application/pdf" for p in m.walk()),
    "a PNG attachment": lambda n, m: any(p.get_content_type() == "image/png" for p in m.walk()),
    "an attachment with a Chinese RFC 2231 file name":
        lambda n, m: b"filename*=UTF-8''" in raw[n] and
                     any(re.search(r"[\u4e00-\u9fff]", p.get_filename() or "") for p in m.walk()),
    "a remote https image": lambda n, m: any(p.get_content_type() == "text/html" and
                                          re.search(r'<img[^>]+src="https://', p.get_content())
                                          for p in m.walk()),
}
missing = [k for k, test in kinds.items() if not any(test(n, m) for n, m in messages.items())]
check("the set has HTML, GB2312, PDF, PNG, a Chinese file name and a remote image",
      not missing, f"nothing with: {', '.join(missing)}")

# --------------------------------------------------------------- seeded
if os.geteuid() != 0 or subprocess.run(["sh", "-c", "command -v dovecot smtpd curl"],
                                       stdout=subprocess.DEVNULL).returncode != 0:
    print("# the stack needs root, dovecot, smtpd and curl; not seeding")
    report()

probe = r'''
set -e
c() { curl --silent --show-error --max-time 20 --cacert "$HY_TEST_CA_FILE" \
        --user "$HY_TEST_ALICE_USER:$HY_TEST_ALICE_PASSWORD" "$@"; }
url="imaps://localhost:$HY_TEST_IMAPS_PORT"
echo "== STATUS INBOX";  c "$url/" --request 'STATUS INBOX (MESSAGES UNSEEN)'
echo "== STATUS Sent";   c "$url/" --request 'STATUS Sent (MESSAGES)'
echo "== FETCH"
c "$url/INBOX" --request 'UID FETCH 1:* (FLAGS INTERNALDATE ENVELOPE)'
'''
run = subprocess.run([mailstack, "run", "--demo", "--", "bash", "-c", probe],
                     capture_output=True, text=True, timeout=120)
out = run.stdout.replace("\r", "")
check("mailstack run --demo starts and alice's mailbox can be read over IMAPS",
      run.returncode == 0, run.stderr[-2000:], out[-2000:])

m = re.search(r"\* STATUS INBOX \(MESSAGES (\d+) UNSEEN (\d+)\)", out)
want_unseen = sum(1 for e in inbox if "S" not in e[2])
check(f"INBOX holds {len(inbox)} messages, {want_unseen} of them unread",
      m and int(m.group(1)) == len(inbox) and int(m.group(2)) == want_unseen,
      m.group(0) if m else "no STATUS reply")
want_sent = sum(1 for e in entries if e[1] == "Sent")
m = re.search(r"\* STATUS Sent \(MESSAGES (\d+)\)", out)
check(f"Sent holds {want_sent} message(s)", m and int(m.group(1)) == want_sent,
      m.group(0) if m else "no STATUS reply")

# One FETCH response a line; the envelope ends with In-Reply-To and
# Message-ID, so the last quoted <…> is the Message-ID.
seen = {}
for line in out.split("== FETCH", 1)[-1].splitlines():
    flags = re.search(r"FLAGS \(([^)]*)\)", line)
    idate = re.search(r'INTERNALDATE "([^"]+)"', line)
    mids = re.findall(r'"(<[^"]+>)"', line)
    if flags and idate and mids:
        seen[mids[-1]] = (set(flags.group(1).split()), idate.group(1))
letters = {"S": "\\Seen", "F": "\\Flagged", "R": "\\Answered", "D": "\\Draft", "T": "\\Deleted"}
wrong = []
for name, mailbox, flags in inbox:
    msg = messages.get(name)
    if msg is None:
        continue
    mid = str(msg["Message-ID"]).strip()
    if mid not in seen:
        wrong.append(f"{name}: {mid} not found in INBOX")
        continue
    got_flags, idate = seen[mid]
    want = {letters[c] for c in flags}
    if got_flags - {"\\Recent"} != want:
        wrong.append(f"{name}: flags {sorted(got_flags)}, expected {sorted(want)}")
    date = email.utils.parsedate_to_datetime(str(msg["Date"]))
    got = email.utils.parsedate_to_datetime(
        re.sub(r"^(\d+)-(\w+)-(\d+) ", r"\1 \2 \3 ", idate))
    if abs((got - date).total_seconds()) > 1:
        wrong.append(f"{name}: INTERNALDATE {idate}, Date header {msg['Date']}")
check("every INBOX message has the flags of MANIFEST and its Date as INTERNALDATE",
      not wrong, *wrong)

report()
