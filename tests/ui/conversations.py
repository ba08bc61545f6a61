#!/usr/bin/python3
# conversations.py — the main window's conversations, "Move to…" with undo, delete with undo
#
# Needs the mail stack (HY_TEST_* variables), Xvfb and a D-Bus session with
# a keyring.  A thread of three messages and two loose messages are put
# into alice's mailbox over IMAP (each run with a subject of its own); the
# app syncs them and is driven through its D-Bus actions and AT-SPI; what
# it changes is checked on the server.  Screenshots go to
# meson-logs/screenshots/.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402

BUILD = os.environ["HONGYAN_BUILD_ROOT"]
CLI = os.path.join(BUILD, "src", "cli", "hongyan-cli")
WINDOW_PATH = uitest.OBJECT_PATH + "/window/1"


def run(*args, env):
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def message(token, n, sender, subject, body, parent=None, day=20):
    lines = [
        f"From: {sender}",
        "To: Alice Wang <alice@example.org>",
        f"Subject: {subject}",
        f"Date: {day} Nov 2026 0{n}:00:00 +0000",
        f"Message-ID: <{token}-{n}@example.org>",
    ]
    if parent is not None:
        lines += [f"In-Reply-To: <{token}-{parent}@example.org>",
                  f"References: <{token}-{parent}@example.org>"]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


def server_subjects(mailbox):
    """The subjects of @mailbox's messages, as the server has them."""
    imap = uitest.imap_login()
    try:
        uitest.check_imap(imap.select(mailbox, readonly=True), f"SELECT {mailbox}")
        uids = uitest.check_imap(imap.uid("SEARCH", "ALL"), "SEARCH")[0].split()
        if not uids:
            return []
        data = uitest.check_imap(imap.uid("FETCH", b",".join(uids), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH")
        return [re.sub(r"^Subject:\s*", "", part[1].decode().strip()) for part in data if isinstance(part, tuple)]
    finally:
        imap.logout()


def server_flags(mailbox, message_id):
    """The flags of the message @message_id in @mailbox, as the server has them."""
    imap = uitest.imap_login()
    try:
        uitest.check_imap(imap.select(mailbox, readonly=True), f"SELECT {mailbox}")
        uids = uitest.check_imap(imap.uid("SEARCH", "HEADER", "Message-ID", f'"{message_id}"'), "SEARCH")[0].split()
        assert len(uids) == 1, f"{len(uids)} messages {message_id} in {mailbox} on the server"
        data = uitest.check_imap(imap.uid("FETCH", uids[-1], "(FLAGS)"), "FETCH FLAGS")
        return data[0].decode()
    finally:
        imap.logout()


def window_png(title, path):
    """Saves the top-level window called @title as PNG (without a window
    manager a dialog may sit under the main window in the screen)."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], check=True, capture_output=True,
                          text=True, timeout=30).stdout
    wid = re.search(r"^\s*(0x[0-9a-f]+) \"" + re.escape(title) + "\"", tree, re.M).group(1)
    subprocess.run(["sh", "-c", f"xwd -silent -id {wid} | xwdtopnm 2>/dev/null | pnmtopng > '{path}'"],
                   check=True, timeout=60)


def set_window_state(name, value):
    """Sets the state of the window's stateful action @name (a GVariant text)."""
    subprocess.run(["gdbus", "call", "--session", "--dest", uitest.APP_ID,
                    "--object-path", WINDOW_PATH,
                    "--method", "org.gtk.Actions.SetState", name, f"<{value}>", "{}"],
                   check=True, stdout=subprocess.DEVNULL, timeout=30)


def main():
    uitest.require_mailstack()

    profile, env = uitest.profile_env("hy-conversations-")

    token = f"t{os.getpid()}x{int(time.time())}"
    topic = f"Trip to Hangzhou {token}"
    loose_move = f"Receipt {token}"
    loose_delete = f"Coupon {token}"
    imap = uitest.imap_login()
    thread = [
        message(token, 1, "Bob Chen <bob@example.org>", topic, "Shall we take the train on Friday?"),
        message(token, 2, "Carol Li <carol@example.org>", "Re: " + topic, "Friday works, I will book seats.", 1),
        message(token, 3, "Dan Wu <dan@example.org>", "Re: " + topic, "Count me in, see you at the station.", 2),
    ]
    for i, raw in enumerate(thread):
        uitest.check_imap(imap.append("INBOX", r"(\Seen)" if i == 0 else "()", None, raw), "APPEND")
    uitest.check_imap(imap.append("INBOX", r"(\Seen)", None,
                           message(token, 4, "Shop <shop@example.org>", loose_move, "Thank you for your order.", day=19)),
               "APPEND")
    uitest.check_imap(imap.append("INBOX", r"(\Seen)", None,
                           message(token, 5, "Shop <shop@example.org>", loose_delete, "Ten percent off.", day=18)),
               "APPEND")
    uitest.check_imap(imap.create("Receipts-" + token), "CREATE")
    imap.logout()

    run(CLI, "account", "add", "--id", "conv", "--address", os.environ["HY_TEST_ALICE_ADDRESS"],
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
        uitest.wait_for(lambda: len([m for m in uitest.cli_list(env, "INBOX") if token in m["subject"]]) == 5,
                        "the app to sync the inbox", timeout=120)
        synced = [m for m in uitest.cli_list(env, "INBOX") if token in m["subject"]]
        inbox = {m["subject"]: m for m in synced}
        uitest.wait_for(lambda: look.shows(loose_move), "the inbox", timeout=60)

        # Conversations on: the thread is one row with a count of 3.
        set_window_state("conversation-view", "true")
        uitest.wait_for(lambda: look.shows(", 3 messages"), "a conversation row of three messages")
        rows = [line for line in look.texts() if topic in line and line.startswith("panel\t")]
        assert len(rows) == 1, \
            "the thread is not one row:\n" + "\n".join(rows)
        # Opening the thread's oldest message (as from a notification)
        # selects the thread's row and shows the whole conversation.
        oldest = inbox[topic]
        app.activate_action("show-message", f'<("conv", int64 {oldest["id"]})>')
        # All three messages, oldest first: the first unread one open,
        # the others as one-line headers with a preview (which comes with
        # the bodies, after the headers).
        uitest.wait_for(lambda: look.shows("Friday works, I will book seats."), "the first unread message's text")
        texts = look.texts()
        for sender in ("Bob Chen", "Carol Li", "Dan Wu"):
            assert any(sender in line for line in texts), f"{sender}'s message is not in the conversation"
        uitest.wait_for(lambda: look.shows("Shall we take the train on Friday?")
                        and look.shows("Count me in, see you at the station."),
                        "the previews of the collapsed messages", timeout=120)
        time.sleep(1)
        uitest.screen_png(app.screenshot_path("conversation-view.png"))
        # What was shown is marked read on the server; the rest stays unread.
        uitest.wait_for(lambda: "\\Seen" in server_flags("INBOX", f"{token}-2@"), "the open message to be read")
        assert "\\Seen" not in server_flags("INBOX", f"{token}-3@"), "a collapsed message was marked read"
        # Opening a collapsed message shows it and marks it read.
        uitest.wait_for(lambda: look.press("Count me in, see you at the station."), "the header of Dan Wu's message")
        uitest.wait_for(lambda: "\\Seen" in server_flags("INBOX", f"{token}-3@"), "the opened message to be read")

        # Conversations off again: three rows.
        set_window_state("conversation-view", "false")
        uitest.wait_for(lambda: not look.shows(", 3 messages"), "one row per message again")

        # Move to…: the dialog finds the folder by part of its name; the
        # message moves on the server; Undo brings it back.
        folder = "Receipts-" + token
        app.activate_action("show-message", f'<("conv", int64 {inbox[loose_move]["id"]})>')
        uitest.wait_for(lambda: look.shows("Thank you for your order."), "the receipt in the reader")
        uitest.wait_for(lambda: look.press("Move To…"), "the Move To button")
        uitest.wait_for(lambda: look.shows("Find a folder"), "the Move To dialog")
        uitest.type_text("receipts")
        time.sleep(1)
        window_png("Move To", app.screenshot_path("move-dialog.png"))
        uitest.keys("Return")
        uitest.wait_for(lambda: loose_move in server_subjects(folder), "the receipt to reach its folder on the server")
        assert loose_move not in server_subjects("INBOX"), "the moved message is still in the inbox"
        uitest.wait_for(lambda: look.shows("moved to " + folder), "the toast of the move")
        uitest.screen_png(app.screenshot_path("move-toast.png"))
        uitest.wait_for(lambda: look.press("Undo"), "the toast's Undo button")
        uitest.wait_for(lambda: loose_move in server_subjects("INBOX"), "Undo to bring the receipt back", timeout=60)
        assert loose_move not in server_subjects(folder), "the message is still in the other folder after Undo"

        # The Delete key (focus in the reader or the list) moves to Trash;
        # Undo brings the message back.
        app.activate_action("show-message", f'<("conv", int64 {inbox[loose_delete]["id"]})>')
        uitest.wait_for(lambda: look.shows("Ten percent off."), "the coupon in the reader")
        uitest.keys("Delete")
        uitest.wait_for(lambda: loose_delete in server_subjects("Trash"), "the coupon to reach Trash on the server")
        uitest.wait_for(lambda: look.press("Undo"), "the toast's Undo button")
        uitest.wait_for(lambda: loose_delete in server_subjects("INBOX"), "Undo to bring the coupon back", timeout=60)
        assert loose_delete not in server_subjects("Trash"), "the coupon is still in Trash after Undo"

        app.activate_action("quit")
        rc = app.wait()
    except BaseException:
        uitest.screen_png(app.screenshot_path("conversations-failure.png"))
        print("the app's output:\n" + app.stderr_text(), file=sys.stderr)
        print("the app showed:\n" + "\n".join(look.texts()), file=sys.stderr)
        raise
    finally:
        app.kill()
    uitest.check_clean_exit(rc, app.stderr_text())
    shutil.rmtree(profile, ignore_errors=True)
    print("ok: conversations, move to with undo, delete with undo")


if __name__ == "__main__":
    main()
