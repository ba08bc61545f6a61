#!/usr/bin/python3
# drafts-crash.py — a draft survives kill -9: text and attachments come back from the Drafts folder
#
# Needs the mail stack (HY_TEST_* variables), Xvfb and a D-Bus session
# with a keyring.  The real app is started in a private profile; a
# composer is opened with a mailto: link, text is typed into it and two
# files (one with a Chinese name) are pasted as a file manager's Copy
# would put them on the clipboard.  Once the autosaved draft is in
# alice's Drafts on the server, the app is killed with SIGKILL and
# started again; the draft is opened from the Drafts folder, shown with
# its text, Cc and attachments, and sent to bob, whose copy over IMAP must
# carry the text and the very bytes of both files; the Cc, outside the
# server's domain, is refused, and the app's notification names it.  Screenshots go to
# meson-logs/screenshots/.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import email
import email.policy
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402

BUILD = os.environ["HONGYAN_BUILD_ROOT"]
CLI = os.path.join(BUILD, "src", "cli", "hongyan-cli")

# Every byte value, so that any recoding shows.
BINARY = bytes(range(256)) * 64 + b"\r\n\x00end"
CHINESE_NAME = "会议纪要 草稿.txt"
CHINESE_TEXT = "第一行\n第二行：附件内容不变。\n".encode("utf-8")
TYPED = "Kept after a crash"
STRANGER = "stranger@outside.invalid"


def run(*args, env):
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def fetch_by_subject(user, password, mailbox, subject):
    """The parsed messages with @subject in @mailbox on the server."""
    imap = uitest.imap_login(user, password)
    try:
        typ, _ = imap.select(mailbox, readonly=True)
        if typ != "OK":
            return []
        # Searched by its ASCII words, compared in full once decoded.
        words = subject.encode("ascii", "ignore").decode().strip()
        typ, data = imap.uid("SEARCH", "SUBJECT", f'"{words}"')
        if typ != "OK":
            return []
        found = []
        for uid in data[0].split():
            typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(item[1] for item in data if isinstance(item, tuple))
            message = email.message_from_bytes(raw, policy=email.policy.default)
            if message["subject"] == subject:
                found.append(message)
        return found
    finally:
        imap.logout()


def contents(message):
    """(text, {file name: bytes}) of a parsed message."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    files = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    return text, files


def complete(message):
    text, files = contents(message)
    return TYPED in text and len(files) == 2


def main():
    uitest.require_mailstack()

    profile, env = uitest.profile_env("hy-drafts-crash-")
    app_env = {k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v}

    files = os.path.join(profile, "files")
    os.makedirs(files)
    binary_path = os.path.join(files, "scan.bin")
    chinese_path = os.path.join(files, CHINESE_NAME)
    with open(binary_path, "wb") as f:
        f.write(BINARY)
    with open(chinese_path, "wb") as f:
        f.write(CHINESE_TEXT)

    # Alice's Drafts on the server is shared with other tests: a subject of
    # this run's own finds this draft only.
    token = uuid.uuid4().hex[:8]
    subject = f"Crash draft {token} 草稿"
    alice = (os.environ["HY_TEST_ALICE_USER"], os.environ["HY_TEST_ALICE_PASSWORD"])
    bob = (os.environ["HY_TEST_BOB_USER"], os.environ["HY_TEST_BOB_PASSWORD"])

    run(CLI, "account", "add", "--id", "drafts", "--address", os.environ["HY_TEST_ALICE_ADDRESS"],
        "--name", "Alice Wang", "--imap-host", "127.0.0.1",
        "--port", os.environ["HY_TEST_IMAPS_PORT"], "--security", "tls",
        "--user", alice[0], "--password-env", "HY_TEST_ALICE_PASSWORD",
        "--smtp-host", "localhost", "--smtp-port", os.environ["HY_TEST_SUBMISSION_PORT"],
        "--smtp-security", "starttls", env=env)

    # The app says when the message has left.
    notifications = uitest.Notifications()
    app = uitest.App()
    look = uitest.Look(app)
    clipboard = None
    rc = None
    try:
        # First run: write, attach, let it autosave, then SIGKILL.
        app.start(env=app_env)
        uitest.wait_for(lambda: app.find_frame("Hongyan"), "the main window")
        # A Cc outside example.org, which the server refuses at RCPT TO.
        link = ("mailto:" + os.environ["HY_TEST_BOB_ADDRESS"] + "?subject=" + urllib.parse.quote(subject)
                + "&cc=" + STRANGER)
        subprocess.run([app.binary, link], env={**os.environ, **app_env}, check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A second window may not be a frame of its own to AT-SPI: the
        # composer is known by its body.
        uitest.wait_for(lambda: look.shows("Message Body") and look.shows(subject), "the composer")
        # With a recipient and a subject the body has the focus.
        time.sleep(1)
        uitest.type_text(TYPED)
        uitest.wait_for(lambda: look.shows(TYPED), "the typed text in the composer")
        clipboard = uitest.FileClipboard([binary_path, chinese_path])
        # The app learns the clipboard's formats from an X event of its own;
        # give it a moment, and paste again if nothing at all arrived (the
        # files come in one piece, so a second paste cannot double them).
        time.sleep(1)
        uitest.keys("Control+v")
        try:
            uitest.wait_for(lambda: look.shows(CHINESE_NAME) or look.shows("scan.bin"),
                            "the pasted files", timeout=10)
        except AssertionError:
            uitest.keys("Control+v")
        uitest.wait_for(lambda: look.shows(CHINESE_NAME) and look.shows("scan.bin"),
                        "both pasted files in the attachment list")
        clipboard.stop()
        uitest.window_png(f"Crash draft {token}", app.screenshot_path("drafts-crash-before.png"))

        # The autosave: committed locally, then pushed to the server's Drafts.
        uitest.wait_for(lambda: any(complete(m) for m in fetch_by_subject(*alice, "Drafts", subject)),
                        "the autosaved draft with text and both files in Drafts", timeout=90)
        app.kill()
        assert app.proc.returncode == -9, f"the app ended with {app.proc.returncode}, not SIGKILL"

        # Second run: the draft is in the Drafts folder and opens in a composer.
        app = uitest.App()
        look = uitest.Look(app)
        app.start(env=app_env)
        uitest.wait_for(lambda: app.find_frame("Hongyan"), "the main window after the crash")
        drafts = uitest.wait_for(lambda: [m for m in uitest.cli_list(env, "Drafts") if m["subject"] == subject],
                                 "the draft in the Drafts folder after the restart", timeout=120)
        assert len(drafts) == 1, f"{len(drafts)} drafts titled {subject}"
        app.activate_action("show-message", f'<("drafts", int64 {drafts[0]["id"]})>')
        uitest.wait_for(lambda: look.shows(subject), "the draft in the list")
        assert not look.shows("Message Body"), "a composer is open before the draft was opened"
        app.activate_action("edit-draft", f'<("drafts", int64 {drafts[0]["id"]})>')
        uitest.wait_for(lambda: look.shows("Message Body"), "the draft reopened in a composer")
        uitest.wait_for(lambda: look.shows(TYPED), "the restored text")
        uitest.wait_for(lambda: look.shows(STRANGER), "the restored Cc")
        uitest.wait_for(lambda: look.shows(CHINESE_NAME) and look.shows("scan.bin"),
                        "the restored attachments")
        uitest.window_png(f"Crash draft {token}", app.screenshot_path("drafts-crash-restored.png"))

        # The bytes: what the restored composer sends is what was attached.
        assert look.press("Send"), "no Send button"
        received = uitest.wait_for(lambda: fetch_by_subject(*bob, "INBOX", subject),
                                   "the restored draft in bob's INBOX", timeout=120)
        assert len(received) == 1, f"bob received {len(received)} copies"
        text, attached = contents(received[0])
        assert TYPED in text, f"the text is lost: {text!r}"
        assert attached.get("scan.bin") == BINARY, "the binary attachment's bytes differ"
        assert attached.get(CHINESE_NAME) == CHINESE_TEXT, \
            f"the attachment with a Chinese name differs: {sorted(attached)}"
        # The Cc came back with the draft and was refused; the app says so
        # in the server's words rather than only "sent".
        refused = uitest.wait_for(lambda: [b for s, b in notifications.summaries()
                                           if s == "Message Not Sent to Everyone"],
                                  "the notification that not everyone got the message")
        assert STRANGER in refused[0] and subject in refused[0], f"the notification says {refused[0]!r}"
        assert not any(s == "Message sent" for s, _ in notifications.summaries()), \
            "a partly refused message was announced as sent"
        # Sent, so no longer a draft, on the server either.
        uitest.wait_for(lambda: not fetch_by_subject(*alice, "Drafts", subject),
                        "the draft to leave the server's Drafts after sending", timeout=60)

        app.activate_action("quit")
        rc = app.wait()
    except BaseException:
        print("the app's output:\n" + app.stderr_text(), file=sys.stderr)
        if app.proc is not None and app.proc.poll() is None:
            print("the app showed:\n" + "\n".join(look.texts()), file=sys.stderr)
        raise
    finally:
        if clipboard is not None:
            clipboard.stop()
        app.kill()
        notifications.stop()
    uitest.check_clean_exit(rc, app.stderr_text())
    shutil.rmtree(profile, ignore_errors=True)
    print("ok: a draft with text and two attachments survives SIGKILL and reopens from Drafts")


if __name__ == "__main__":
    main()
