#!/usr/bin/python3
# reader.py — the main window against the mail stack: inbox, reader, hostile HTML, cid, attachments
#
# Needs the mail stack (HY_TEST_* variables; build-aux/dev test provides
# it), Xvfb and a D-Bus session with a keyring.  An account is made with
# hongyan-cli in a private profile; the demo mail and hostile messages
# written here are put on the server over IMAP, the app syncs them and is
# driven through its D-Bus actions and AT-SPI; what it changes is checked
# on the server.  Screenshots go to meson-logs/screenshots/.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import base64
import email
import email.policy
import glob
import http.server
import imaplib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402

BUILD = os.environ["HONGYAN_BUILD_ROOT"]
SOURCE = os.environ["HONGYAN_SOURCE_ROOT"]
CLI = os.path.join(BUILD, "src", "cli", "hongyan-cli")

# A 4x4 red PNG, the inline cid: image.
RED_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8AARwzEcQAA/oIM9Ntn2B8AAAAASUVORK5CYII=")
# Bytes of every value, so that any damage to the attachment shows.
ATTACHMENT = bytes(range(256)) * 40 + "尾巴".encode()
# A second attachment, so that the message offers Save All.
NOTES = "Notes 笔记\r\nline two\n".encode() + bytes(range(200, 256))


class Log(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 (the base class's name)
        Log.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(RED_PNG)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def hostile_messages(base):
    """(file name, subject, html) of messages that try to reach the network or run code."""
    u = base
    cases = [
        ("img", f'<img src="{u}/img.png" alt="pixel">'),
        ("css-url", f'<div style="background-image: url({u}/css.png)">css</div>'),
        ("link-stylesheet", f'<link rel="stylesheet" href="{u}/style.css"><p>link</p>'),
        ("iframe", f'<iframe src="{u}/frame.html"></iframe>'),
        ("video-poster", f'<video poster="{u}/poster.png"></video>'),
        ("object", f'<object data="{u}/object.swf"></object><embed src="{u}/embed.swf">'),
        ("meta-refresh", f'<meta http-equiv="refresh" content="0; url={u}/refresh">'),
        ("form", f'<form id="f" action="{u}/form" method="post"><input name="a" value="1"></form>'
                 '<script>document.getElementById("f").submit()</script>'),
        ("script", f'<script src="{u}/script.js"></script>'
                   f'<script>new Image().src = "{u}/inline-script"; fetch("{u}/fetch");</script>'),
        ("srcset", f'<img srcset="{u}/srcset-1x.png 1x, {u}/srcset-2x.png 2x">'),
        ("svg", f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                f'<image xlink:href="{u}/svg-image.png" width="10" height="10"/>'
                f'<use href="{u}/svg-use.svg#x"/></svg>'),
        ("background-attr", f'<table background="{u}/table-bg.png"><tr><td background="{u}/td-bg.png">'
                            f'x</td></tr></table><body background="{u}/body-bg.png">'),
        ("style-import", f'<style>@import url({u}/import.css); p {{ background: url("{u}/style-bg.png") }}</style><p>p</p>'),
        ("font-face", f'<style>@font-face {{ font-family: x; src: url({u}/font.woff) }} p {{ font-family: x }}</style><p>f</p>'),
    ]
    return [(f"h-{name}.eml", f"Hostile {name}", body) for name, body in cases]


def write_message(path, subject, html=None, text=None, related=None, attachment=None, extra=None):
    lines = [
        "From: Mallory <mallory@evil.example>",
        "To: Alice Wang <alice@example.org>",
        f"Subject: {subject}",
        "Date: Tue, 24 Nov 2026 10:00:00 +0000",
        f"Message-ID: <{os.path.basename(path)}@evil.example>",
        "MIME-Version: 1.0",
    ]
    if attachment is not None:
        lines += ['Content-Type: multipart/mixed; boundary="mixed"', "", "--mixed",
                  "Content-Type: text/plain; charset=utf-8", "", text or "", "--mixed",
                  f'Content-Type: application/octet-stream; name="{attachment[0]}"',
                  f'Content-Disposition: attachment; filename="{attachment[0]}"',
                  "Content-Transfer-Encoding: base64", "",
                  base64.encodebytes(attachment[1]).decode()]
        for name, data in extra or []:
            lines += ["--mixed", f'Content-Type: application/octet-stream; name="{name}"',
                      f'Content-Disposition: attachment; filename="{name}"',
                      "Content-Transfer-Encoding: base64", "",
                      base64.encodebytes(data).decode()]
        lines += ["--mixed--", ""]
    elif related is not None:
        lines += ['Content-Type: multipart/related; boundary="rel"', "", "--rel",
                  "Content-Type: text/html; charset=utf-8", "", html, "--rel",
                  "Content-Type: image/png", f"Content-ID: <{related[0]}>",
                  "Content-Transfer-Encoding: base64", "",
                  base64.encodebytes(related[1]).decode(), "--rel--", ""]
    else:
        lines += ["Content-Type: text/html; charset=utf-8", "", html, ""]
    with open(path, "w", newline="\r\n") as f:
        f.write("\n".join(lines))


def run(*args, env):
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def imap_create(imap, mailbox):
    typ, data = imap.create(mailbox)
    # An existing mailbox is fine ([ALREADYEXISTS]).
    if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(data):
        raise AssertionError(f"CREATE {mailbox} failed: {typ} {data}")


def imap_unseen(imap, mailbox):
    data = uitest.check_imap(imap.status(mailbox, "(UNSEEN)"), f"STATUS {mailbox}")
    return int(re.search(rb"UNSEEN (\d+)", data[0]).group(1))


def seed_demo(imap, demo):
    """APPENDs the demo mail with its flags and its Date as arrival time."""
    letters = {"S": r"\Seen", "F": r"\Flagged", "R": r"\Answered"}
    with open(os.path.join(demo, "MANIFEST")) as manifest:
        for line in manifest:
            if not line.strip() or line.startswith("#"):
                continue
            name, mailbox, flags = line.split()
            with open(os.path.join(demo, name), "rb") as f:
                raw = f.read()
            date = email.message_from_bytes(raw, policy=email.policy.default)["Date"].datetime
            imap_create(imap, mailbox)
            flag_list = "(" + " ".join(letters[c] for c in flags if c in letters) + ")"
            uitest.check_imap(imap.append(mailbox, flag_list, imaplib.Time2Internaldate(date), raw),
                       f"APPEND of {name}")


def server_flags(mailbox, subject):
    """The flags of the message with @subject in @mailbox, as the server has them."""
    imap = uitest.imap_login()
    try:
        uitest.check_imap(imap.select(mailbox, readonly=True), f"SELECT {mailbox}")
        uids = uitest.check_imap(imap.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT", f'"{subject}"'),
                          "SEARCH")[0].split()
        assert len(uids) == 1, f"{len(uids)} messages with the subject {subject} on the server"
        data = uitest.check_imap(imap.uid("FETCH", uids[0], "(FLAGS)"), "FETCH FLAGS")
        return data[0].decode()
    finally:
        imap.logout()


def main():
    uitest.require_mailstack()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Log)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    profile, env = uitest.profile_env("hy-reader-")

    # The mail is put on the server and the app syncs it: the demo mail
    # into alice's INBOX (and Sent), the hostile, cid and attachment
    # messages into a folder of their own.
    imap = uitest.imap_login()
    seed_demo(imap, os.path.join(SOURCE, "tests", "fixtures", "demo"))
    mail = os.path.join(profile, "mail")
    os.makedirs(mail)
    seeded = []
    for name, subject, html in hostile_messages(base):
        write_message(os.path.join(mail, name), subject, html=html)
        seeded.append(name)
    write_message(os.path.join(mail, "cid.eml"), "Inline image",
                  html='<p>Logo:</p><img src="cid:red@test" width="300" height="300">',
                  related=("red@test", RED_PNG))
    write_message(os.path.join(mail, "remote.eml"), "Remote image",
                  html=f'<p>Remote:</p><img src="{base}/allowed.png" width="50" height="50">')
    write_message(os.path.join(mail, "attachment.eml"), "Binary attachment",
                  text="The file is attached.", attachment=("data 数据.bin", ATTACHMENT),
                  extra=[("notes.txt", NOTES)])
    seeded += ["cid.eml", "remote.eml", "attachment.eml"]
    imap_create(imap, "Tests")
    for name in seeded:
        with open(os.path.join(mail, name), "rb") as f:
            uitest.check_imap(imap.append("Tests", r"(\Seen)", None, f.read()), "APPEND to Tests")
    # Other tests may have left mail in alice's INBOX: the count to show
    # is the server's.
    unread = imap_unseen(imap, "INBOX")
    imap.logout()

    run(CLI, "account", "add", "--id", "reader", "--address", os.environ["HY_TEST_ALICE_ADDRESS"],
        "--name", "Alice Wang", "--imap-host", "127.0.0.1",
        "--port", os.environ["HY_TEST_IMAPS_PORT"], "--security", "tls",
        "--user", os.environ["HY_TEST_ALICE_USER"], "--password-env", "HY_TEST_ALICE_PASSWORD",
        "--smtp-host", "localhost", "--smtp-port", os.environ["HY_TEST_SUBMISSION_PORT"],
        "--smtp-security", "starttls", env=env)

    app = uitest.App()
    app.start(env={k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v})
    look = uitest.Look(app)
    try:
        uitest.wait_for(lambda: app.find_frame("Hongyan"), "the main window")
        # One message at a time in the reader pane (conversations have a
        # test of their own, conversations.py).
        subprocess.run(["gdbus", "call", "--session", "--dest", uitest.APP_ID,
                        "--object-path", uitest.OBJECT_PATH + "/window/1",
                        "--method", "org.gtk.Actions.SetState", "conversation-view", "<false>", "{}"],
                       check=True, stdout=subprocess.DEVNULL, timeout=30)
        # The app syncs the server's mail into its store.
        uitest.wait_for(lambda: len(uitest.cli_list(env, "Tests")) == len(seeded),
                        "the app to sync the Tests folder", timeout=120)
        inbox = {m["subject"]: m for m in uitest.cli_list(env, "INBOX")}
        tests = {m["subject"]: m for m in uitest.cli_list(env, "Tests")}
        # The inbox with its messages and its unread count.
        uitest.wait_for(lambda: look.shows("Dinner on Sunday?"), "the inbox's newest message", timeout=60)
        texts = look.texts()
        assert any(line.endswith(f"\t{unread}") for line in texts), \
            f"the unread count {unread} is not shown:\n" + "\n".join(texts)
        for subject in ("Planning the 0.2 release", "周六去香山爬山吗？"):
            assert any(subject in line for line in texts), f"{subject} is not listed"
        time.sleep(1)
        uitest.screen_png(app.screenshot_path("reader-main-window.png"))

        # Search (Ctrl+F) for a Chinese word (例会, "regular meeting") that
        # only the meeting minutes hold: the list shows that message, no other.
        # Bodies are downloaded after the folders' headers: wait for the
        # sync to have indexed it.
        def search_store(query):
            out = run(CLI, "search", "--json", query, env=env)
            return [json.loads(line)["subject"] for line in out.splitlines() if line.strip()]
        uitest.wait_for(lambda: search_store("例会") == ["本周例会纪要"],
                        "the sync to download and index the bodies", timeout=120)
        uitest.keys("Control+f")
        time.sleep(0.5)
        uitest.type_text("例会")
        uitest.wait_for(lambda: look.shows("Search Results"), "the search results")
        uitest.wait_for(lambda: look.shows("本周例会纪要"), "the meeting minutes among the results")
        texts = look.texts()
        for subject in ("周六去香山爬山吗？", "Dinner on Sunday?", "Planning the 0.2 release"):
            assert not any(subject in line for line in texts), f"the search for 例会 lists {subject}"
        uitest.screen_png(app.screenshot_path("reader-search-chinese.png"))
        # Escape leaves the search and brings the inbox back.
        uitest.keys("Escape")
        uitest.wait_for(lambda: look.shows("Dinner on Sunday?"), "the inbox after the search")

        # Opening an unread plain message marks it read.
        plain = inbox["Dinner on Sunday?"]
        assert plain["unread"]
        app.activate_action("show-message", f'<("reader", int64 {plain["id"]})>')
        uitest.wait_for(lambda: look.shows("Mum wants to do dumplings on Sunday"), "the plain message's text")
        uitest.wait_for(lambda: not {m["id"]: m for m in uitest.cli_list(env, "INBOX")}[plain["id"]]["unread"],
                        "the message to be marked read in the store")
        uitest.wait_for(lambda: "\\Seen" in server_flags("INBOX", "Dinner on Sunday?"),
                        "the message to be \\Seen on the server")
        uitest.screen_png(app.screenshot_path("reader-plain-message.png"))

        # Hostile HTML: nothing reaches the server.
        for name, subject, _ in hostile_messages(base):
            app.activate_action("show-message", f'<("reader", int64 {tests[subject]["id"]})>')
            uitest.wait_for(lambda s=subject: look.shows(s), f"“{subject}” in the reader")
            time.sleep(1.0)
            assert not Log.requests, f"{subject} reached the network: {Log.requests}"

        # cid: images are shown (a red square in the screen).
        app.activate_action("show-message", f'<("reader", int64 {tests["Inline image"]["id"]})>')
        uitest.wait_for(lambda: look.shows("Inline image"), "the cid message")

        def red_pixels():
            w, h, rgb = uitest.screen_pixels()
            return rgb.count(b"\xff\x00\x00") > 20000
        uitest.wait_for(red_pixels, "the inline image to be drawn", timeout=20)
        uitest.screen_png(app.screenshot_path("reader-cid-image.png"))
        assert not Log.requests, f"the cid message reached the network: {Log.requests}"

        # An HTML newsletter.
        news = [m for s, m in inbox.items() if s.startswith("Issue 48")][0]
        app.activate_action("show-message", f'<("reader", int64 {news["id"]})>')
        uitest.wait_for(lambda: look.shows("Open Source Weekly <"), "the newsletter's header")
        time.sleep(3)
        uitest.screen_png(app.screenshot_path("reader-html-message.png"))

        # Remote content: blocked, then loaded after "Show Once".
        app.activate_action("show-message", f'<("reader", int64 {tests["Remote image"]["id"]})>')
        uitest.wait_for(lambda: look.shows("Remote content is blocked"), "the remote-content bar")
        time.sleep(1)
        assert not Log.requests, f"remote content loaded before asking: {Log.requests}"
        uitest.wait_for(lambda: look.press("Show Once"), "a Show Once button")
        uitest.wait_for(lambda: "/allowed.png" in Log.requests, "the image to load after Show Once")
        uitest.screen_png(app.screenshot_path("reader-remote-shown.png"))

        # Attachments: Open writes the very bytes to a private file.
        app.activate_action("show-message", f'<("reader", int64 {tests["Binary attachment"]["id"]})>')
        uitest.wait_for(lambda: look.shows("data 数据.bin"), "the attachment row")
        uitest.wait_for(lambda: look.press("Open data 数据.bin"), "an Open button for the attachment")
        pattern = os.path.join(env["XDG_CACHE_HOME"], "hongyan", "attachments", "*", "data 数据.bin")
        path = uitest.wait_for(lambda: (glob.glob(pattern) or [None])[0], "the opened attachment's file")
        uitest.wait_for(lambda: os.path.getsize(path) == len(ATTACHMENT), "the whole attachment")
        with open(path, "rb") as f:
            assert f.read() == ATTACHMENT, "the attachment's bytes differ"
        assert (os.stat(path).st_mode & 0o777) == 0o400, "the opened attachment is writable"

        # Save and Save All write the very bytes.  Without a portal the
        # native chooser is a GtkFileChooserDialog, opened on the home
        # folder (no Downloads folder is configured here); its Save button
        # takes the name offered, then the folder for Save All.
        saved = os.path.join(env["HOME"], "data 数据.bin")
        uitest.wait_for(lambda: look.press("Save data 数据.bin"), "a Save button for the attachment")
        uitest.wait_for(lambda: look.shows("Save Attachment"), "the save dialog")
        time.sleep(1)
        uitest.wait_for(lambda: look.press("Save"), "the save dialog's Save button")
        uitest.wait_for(lambda: os.path.exists(saved) and os.path.getsize(saved) == len(ATTACHMENT),
                        "the saved attachment")
        with open(saved, "rb") as f:
            assert f.read() == ATTACHMENT, "the saved attachment's bytes differ"
        uitest.wait_for(lambda: look.press("Save All…"), "the Save All button")
        uitest.wait_for(lambda: look.shows("Save All Attachments"), "the Save All dialog")
        time.sleep(1)
        uitest.wait_for(lambda: look.press("Save"), "the Save All dialog's Save button")
        # The file saved before is kept; the new copy gets a name of its own.
        pattern = os.path.join(glob.escape(env["HOME"]), "data 数据 (*).bin")
        copy = uitest.wait_for(lambda: (glob.glob(pattern) or [None])[0], "the attachment saved by Save All")
        notes = os.path.join(env["HOME"], "notes.txt")
        uitest.wait_for(lambda: os.path.exists(notes) and os.path.getsize(notes) == len(NOTES)
                        and os.path.getsize(copy) == len(ATTACHMENT), "both attachments saved by Save All")
        with open(copy, "rb") as f:
            assert f.read() == ATTACHMENT, "the bytes saved by Save All differ"
        with open(notes, "rb") as f:
            assert f.read() == NOTES, "the second attachment's bytes differ"
        with open(saved, "rb") as f:
            assert f.read() == ATTACHMENT, "Save All changed the file saved before"

        app.activate_action("quit")
        rc = app.wait()
    except BaseException:
        print("the app's output:\n" + app.stderr_text(), file=sys.stderr)
        print("the app showed:\n" + "\n".join(look.texts()), file=sys.stderr)
        raise
    finally:
        app.kill()
        server.shutdown()
    uitest.check_clean_exit(rc, app.stderr_text())
    shutil.rmtree(profile, ignore_errors=True)
    print("ok: sync, inbox, mark read on the server, HTML, hostile HTML, cid, remote content, "
          "attachment open, save and save all, Chinese search")


if __name__ == "__main__":
    main()
