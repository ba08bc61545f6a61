#!/usr/bin/python3
# bench/protocols/imap-fill-mailbox.py — fill a mailbox of the test mail stack with N messages, fast
#
# Usage (inside the mail stack, which provides HY_TEST_* and HY_TEST_DOVECOT_CONFIG):
#   bench/protocols/imap-fill-mailbox.py [--count 20000] [--mailbox bench] [--user alice]
#
# Runs as root (as build-aux/dev does): the files are handed to the user
# Dovecot runs as.  Then, in the same stack:
#   _build/bench/protocols/imap-fetch-bench --rounds 7
#
# Writes the messages straight into the user's Maildir (about 20 s for
# 20,000 on a busy 2-core machine), then lets Dovecot index the mailbox with "doveadm index" so that
# the benchmark times FETCH, not the first indexing.  The messages vary the
# way real mail does: plain text, multipart/alternative, attachments,
# forwarded messages, RFC 2047 Chinese subjects and names, several
# recipients, and the flags \Seen, \Flagged and \Answered.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import base64
import os
import pwd
import grp
import random
import subprocess
import sys
import time

NAMES = [("王伟", "wang.wei"), ("李娜", "li.na"), ("Alice Wang", "alice"), ("Bob Chen", "bob"),
         ("张敏", "zhang.min"), ("Carol O'Neil", "carol"), ("陈静", "chen.jing"), ("David Smith", "david")]
SUBJECTS = ["季度报告", "会议纪要：项目进度", "Re: lunch on Friday?", "Invoice 2026-%d",
            "Fwd: 旅行安排", "周末爬山", "[hongyan-devel] patch review", "Your order has shipped"]
WORDS = ("the quick brown fox jumps over the lazy dog 鸿雁 传书 邮件 客户端 "
         "lorem ipsum dolor sit amet consectetur adipiscing elit").split()


def encoded(text):
    if all(ord(c) < 128 for c in text):
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def address(i):
    name, local = NAMES[i % len(NAMES)]
    return f"{encoded(name)} <{local}@example.org>"


def body_text(rng, lines):
    return "\r\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
                       for _ in range(lines)) + "\r\n"


def qp_body(rng, lines):
    # 8-bit text as quoted-printable, the way most clients send it
    out = []
    for line in body_text(rng, lines).split("\r\n"):
        raw = line.encode()
        out.append("".join(chr(b) if 32 < b < 127 and b != 61 else "=%02X" % b for b in raw))
    return "\r\n".join(out)


def message(i, rng):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0800", time.gmtime(1767225600 + i * 97))
    subject = rng.choice(SUBJECTS)
    if "%d" in subject:
        subject = subject % i
    to = ", ".join(address(i + k) for k in range(1, rng.randint(2, 4)))
    head = (f"Return-Path: <{NAMES[i % len(NAMES)][1]}@example.org>\r\n"
            f"From: {address(i)}\r\nTo: {to}\r\n"
            + (f"Cc: {address(i + 5)}\r\n" if i % 3 == 0 else "")
            + f"Subject: {encoded(subject)}\r\nDate: {date}\r\n"
            f"Message-ID: <bench-{i}@example.org>\r\n"
            + (f"In-Reply-To: <bench-{i - 1}@example.org>\r\n" if i % 4 == 1 else "")
            + "MIME-Version: 1.0\r\n")
    kind = i % 4
    if kind == 0:
        return head + ("Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp_body(rng, 20))
    if kind == 1:
        return head + ('Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
                       "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp_body(rng, 12) +
                       "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n<html><body><p>" +
                       qp_body(rng, 12) + "</p></body></html>\r\n--alt--\r\n")
    if kind == 2:
        data = base64.encodebytes(rng.randbytes(1500)).decode().replace("\n", "\r\n")
        return head + ('Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
                       "--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body_text(rng, 5) +
                       "--mix\r\nContent-Type: application/pdf; name=\"=?UTF-8?B?5oql5ZGKLnBkZg==?=\"\r\n"
                       "Content-Transfer-Encoding: base64\r\n"
                       'Content-Disposition: attachment; filename="=?UTF-8?B?5oql5ZGKLnBkZg==?="\r\n\r\n'
                       + data + "--mix--\r\n")
    inner = (f"From: {address(i + 2)}\r\nTo: {address(i + 3)}\r\nSubject: {encoded('原始邮件')}\r\n"
             f"Date: {date}\r\nMessage-ID: <inner-{i}@example.org>\r\n"
             "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body_text(rng, 6))
    return head + ('Content-Type: multipart/mixed; boundary="fwd"\r\n\r\n'
                   "--fwd\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee below.\r\n"
                   "--fwd\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--fwd--\r\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--mailbox", default="bench")
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()

    stack = os.environ.get("HY_MAILSTACK_DIR")
    config = os.environ.get("HY_TEST_DOVECOT_CONFIG")
    if not stack or not config:
        sys.exit("imap-fill-mailbox: run inside the mail stack (tests/fixtures/mailstack run -- …)")

    maildir = os.path.join(stack, "home", args.user, "Maildir", "." + args.mailbox)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    rng = random.Random(20000)
    start = time.monotonic()
    flags = ["S", "", "FS", "RS", "S", ""]
    base = int(time.time())
    for i in range(args.count):
        name = f"{base}.M{i}P{os.getpid()}.hongyan:2,{flags[i % len(flags)]}"
        path = os.path.join(maildir, "cur", name)
        with open(path, "wb") as f:
            f.write(message(i, rng).encode())
        # INTERNALDATE comes from the file's time
        t = 1767225600 + i * 97
        os.utime(path, (t, t))

    user = pwd.getpwnam("nobody")
    group = grp.getgrnam("nogroup")
    for root, dirs, files in os.walk(os.path.join(stack, "home", args.user)):
        for entry in dirs + files:
            os.chown(os.path.join(root, entry), user.pw_uid, group.gr_gid)
    wrote = time.monotonic() - start

    start = time.monotonic()
    subprocess.run(["doveadm", "-c", config, "index", "-u", args.user, args.mailbox], check=True)
    indexed = time.monotonic() - start
    print(f"imap-fill-mailbox: {args.count} messages in {args.mailbox}: "
          f"written in {wrote:.1f} s, indexed in {indexed:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
