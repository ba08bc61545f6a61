#!/usr/bin/python3
# bench/sync/gen-mailbox.py — write a realistic mailbox of N messages (about 600 MB for 20,000)
#
# Usage (inside the mail stack, which provides HY_MAILSTACK_DIR and HY_TEST_DOVECOT_CONFIG):
#   bench/sync/gen-mailbox.py [--count 20000] [--mailbox bench] [--user alice]
#
# Sizes follow a working mailbox: most messages are 2-20 KB of text (plain,
# quoted-printable, HTML alternatives; English and Chinese), about one in
# twelve carries an attachment of 25-75 KB and one in fifty a large one of
# 250-700 KB (before base64).  Threads (In-Reply-To, and References with
# the reply's ancestors, at most ten, as mail clients write them), RFC 2047 names and
# subjects, several recipients, flags.  The files go straight into the
# user's Maildir, then "doveadm index" indexes them so that a benchmark
# times the sync, not Dovecot's first look.  The output is the same for
# the same arguments.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import base64
import binascii
import grp
import os
import pwd
import random
import subprocess
import sys
import time

PEOPLE = [("王芳", "wang.fang"), ("刘洋", "liu.yang"), ("Grace Hopper", "grace"), ("陈晓明", "chen.xm"),
          ("Linus Park", "linus"), ("赵丽", "zhao.li"), ("Maria García", "maria"), ("周杰", "zhou.jie"),
          ("Tom O'Brien", "tom"), ("孙悦", "sun.yue")]
TOPICS = ["项目周报", "关于下周会议的安排", "Budget review for Q%d", "Re: 服务器迁移计划", "Design notes: sync engine",
          "Fwd: 合同草案", "Team lunch on Thursday", "[hongyan-devel] Patch %d: fix IDLE reconnect",
          "发票和报销", "Your build #%d failed", "出差行程确认", "Minutes of the planning meeting"]
EN = ("we should move the release to next week because the migration of the database is not finished "
      "please review the attached draft and send your comments before friday the numbers for the third "
      "quarter look better than expected thanks for the quick answer").split()
ZH = ["我们", "下周", "会议", "项目", "进度", "报告", "请", "查看", "附件", "谢谢", "服务器", "迁移", "计划",
      "预算", "合同", "客户", "需要", "确认", "时间", "地点", "已经", "完成", "测试", "发布", "问题"]


def enc(text):
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def person(i):
    name, local = PEOPLE[i % len(PEOPLE)]
    if name.isascii() and "'" in name:
        name = '"' + name + '"'
    return f"{enc(name)} <{local}@example.org>"


def paragraph(rng, size):
    out, n = [], 0
    while n < size:
        if rng.random() < 0.4:
            line = "".join(rng.choice(ZH) for _ in range(rng.randint(8, 20))) + "。"
        else:
            line = " ".join(rng.choice(EN) for _ in range(rng.randint(8, 16))) + "."
        out.append(line)
        n += len(line.encode())
    return "\r\n".join(out) + "\r\n"


def qp(text):
    # b2a_qp() keeps a CR before each line break it writes: encode the
    # text with bare LFs, then end every line with CRLF (else soft line
    # breaks come out as "=\r\r\n", which no decoder takes as one).
    return binascii.b2a_qp(text.replace("\r\n", "\n").encode()).decode().replace("\n", "\r\n")


def attachment(rng, size, name, ctype):
    data = base64.encodebytes(rng.randbytes(size)).decode().replace("\n", "\r\n")
    return (f'--mix\r\nContent-Type: {ctype}; name="{enc(name)}"\r\nContent-Transfer-Encoding: base64\r\n'
            f'Content-Disposition: attachment; filename="{enc(name)}"\r\n\r\n{data}')


def message(i, rng, chains):
    """Message i; chains[j] is the References list of message j (its
    ancestors, oldest first), as a mail client writes it in a reply."""
    when = 1767225600 + i * 131
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0800", time.gmtime(when))
    topic = rng.choice(TOPICS)
    if "%d" in topic:
        topic = topic % (i % 97)
    head = [f"Return-Path: <{PEOPLE[i % len(PEOPLE)][1]}@example.org>",
            f"From: {person(i)}", "To: " + ", ".join(person(i + k) for k in range(1, rng.randint(2, 5)))]
    if i % 4 == 0:
        head.append(f"Cc: {person(i + 7)}")
    head += [f"Subject: {enc(topic)}", f"Date: {date}", f"Message-ID: <sync-bench-{i}@example.org>"]
    chains.append([])
    if i % 3 == 1 and i > 0:
        parent = i - rng.randint(1, min(i, 20))
        chains[i] = (chains[parent] + [parent])[-10:]
        head += [f"In-Reply-To: <sync-bench-{parent}@example.org>",
                 "References: " + " ".join(f"<sync-bench-{j}@example.org>" for j in chains[i])]
    head.append("MIME-Version: 1.0")
    roll = rng.random()
    if roll < 0.02:
        size = rng.randint(250_000, 700_000)
        body = ('Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + paragraph(rng, 800) + attachment(rng, size, "设计稿.zip", "application/zip") + "--mix--\r\n")
    elif roll < 0.10:
        size = rng.randint(25_000, 75_000)
        body = ('Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + qp(paragraph(rng, 1500)) + "\r\n"
                + attachment(rng, size, rng.choice(["报告.pdf", "photo.jpg", "table.xlsx"]),
                             rng.choice(["application/pdf", "image/jpeg", "application/vnd.ms-excel"]))
                + "--mix--\r\n")
    elif roll < 0.35:
        text = paragraph(rng, rng.randint(2000, 6000))
        html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\r\n")) + "</body></html>"
        body = ('Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n'
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + qp(text) + "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(html) + "\r\n--alt--\r\n")
    else:
        body = ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + paragraph(rng, rng.randint(1500, 10000)))
    return ("\r\n".join(head) + "\r\n" + body).encode(), when


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--mailbox", default="bench")
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()

    stack = os.environ.get("HY_MAILSTACK_DIR")
    config = os.environ.get("HY_TEST_DOVECOT_CONFIG")
    if not stack or not config:
        sys.exit("gen-mailbox: run inside the mail stack (tests/fixtures/mailstack run -- …)")
    maildir = os.path.join(stack, "home", args.user, "Maildir", "." + args.mailbox)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    rng = random.Random(600)
    flags = ["S", "S", "", "FS", "RS", "S", "", "S"]
    total = 0
    chains = []
    start = time.monotonic()
    for i in range(args.count):
        data, when = message(i, rng, chains)
        path = os.path.join(maildir, "cur", f"{when}.M{i}P1.hongyan,S={len(data)}:2,{flags[i % len(flags)]}")
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (when, when))
        total += len(data)
    nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    for root, dirs, files in os.walk(os.path.join(stack, "home", args.user)):
        for entry in dirs + files:
            os.chown(os.path.join(root, entry), nobody, nogroup)
    wrote = time.monotonic() - start
    start = time.monotonic()
    subprocess.run(["doveadm", "-c", config, "index", "-u", args.user, args.mailbox], check=True)
    print(f"gen-mailbox: {args.count} messages, {total / 1e6:.0f} MB in {args.mailbox}: "
          f"written in {wrote:.1f} s, indexed in {time.monotonic() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
