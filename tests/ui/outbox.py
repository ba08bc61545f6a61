#!/usr/bin/python3
# outbox.py — the Outbox in the sidebar: shown while the submission server is down, Retry sends
#
# Needs the mail stack (HY_TEST_* variables), Xvfb and a D-Bus session with
# a keyring.  The account's submission server is a port of this script:
# first bound but not listening (connections are refused, as from a server
# that is down), later forwarding to the stack's submission service.  A
# message is queued with hongyan-cli before the app starts; the app shows
# it in its Outbox with the failure, and Retry delivers it once the server
# is back (checked in alice's inbox over IMAP).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402

BUILD = os.environ["HONGYAN_BUILD_ROOT"]
CLI = os.path.join(BUILD, "src", "cli", "hongyan-cli")
WINDOW_PATH = uitest.OBJECT_PATH + "/window/1"


def run(*args, env):
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def forward(listener, port):
    """Accepts on @listener and relays each connection to 127.0.0.1:@port."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        server = socket.create_connection(("127.0.0.1", port))
        threading.Thread(target=pipe, args=(client, server), daemon=True).start()
        threading.Thread(target=pipe, args=(server, client), daemon=True).start()


def inbox_has(subject):
    imap = uitest.imap_login()
    try:
        imap.select("INBOX", readonly=True)
        typ, data = imap.uid("SEARCH", "SUBJECT", f'"{subject}"')
        return typ == "OK" and bool(data[0].split())
    finally:
        imap.logout()


def main():
    uitest.require_mailstack()

    profile, env = uitest.profile_env("hy-outbox-")

    # Bound, not listening: a connection is refused, as by a server that is down.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    run(CLI, "account", "add", "--id", "outbox", "--address", os.environ["HY_TEST_ALICE_ADDRESS"],
        "--name", "Alice Wang", "--imap-host", "127.0.0.1",
        "--port", os.environ["HY_TEST_IMAPS_PORT"], "--security", "tls",
        "--user", os.environ["HY_TEST_ALICE_USER"], "--password-env", "HY_TEST_ALICE_PASSWORD",
        "--smtp-host", "localhost", "--smtp-port", str(port), "--smtp-security", "starttls", env=env)

    subject = f"Held in the outbox {os.getpid()}-{int(time.time())}"
    path = os.path.join(profile, "message.eml")
    with open(path, "w", newline="\r\n") as f:
        f.write("\n".join([
            "From: Alice Wang <alice@example.org>",
            "To: Alice Wang <alice@example.org>",
            f"Subject: {subject}",
            "Date: Fri, 27 Nov 2026 10:00:00 +0000",
            f"Message-ID: <outbox-{os.getpid()}@example.org>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Sent once the server is back.",
            ""]))
    run(CLI, "queue", "-a", "outbox", path, env=env)

    app = uitest.App()
    app.start(env={k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v})
    look = uitest.Look(app)
    try:
        uitest.wait_for(lambda: app.find_frame("Hongyan"), "the main window")
        # The outbox tries at once, fails, and the sidebar shows it.
        uitest.wait_for(lambda: any(line.startswith("label\tOutbox") for line in look.texts()),
                        "the Outbox row in the sidebar", timeout=60)
        subprocess.run(["gdbus", "call", "--session", "--dest", uitest.APP_ID, "--object-path", WINDOW_PATH,
                        "--method", "org.gtk.Actions.Activate", "show-outbox", "[<'outbox'>]", "{}"],
                       check=True, stdout=subprocess.DEVNULL, timeout=30)
        uitest.wait_for(lambda: look.shows(subject), "the queued message in the outbox")
        uitest.wait_for(lambda: look.shows("trying again"), "the failure and the next attempt")
        texts = look.texts()
        assert any("To alice@example.org" in line for line in texts), "the recipient is not shown"
        time.sleep(1)
        uitest.screen_png(app.screenshot_path("outbox-view.png"))
        assert not inbox_has(subject), "the message went out while the server was down"

        # The server is back: Retry sends it, and the outbox empties.
        listener.listen(8)
        threading.Thread(target=forward, args=(listener, int(os.environ["HY_TEST_SUBMISSION_PORT"])),
                         daemon=True).start()
        uitest.wait_for(lambda: look.press("Retry"), "the Retry button")
        uitest.wait_for(lambda: inbox_has(subject), "the retried message to be delivered", timeout=60)
        # The Outbox row goes once the outbox is empty (the sidebar falls
        # back on the inbox, where the message now is).
        uitest.wait_for(lambda: not any(line.startswith("label\tOutbox") for line in look.texts()),
                        "the Outbox row to go")

        app.activate_action("quit")
        rc = app.wait()
    except BaseException:
        uitest.screen_png(app.screenshot_path("outbox-failure.png"))
        print("the app's output:\n" + app.stderr_text(), file=sys.stderr)
        print("the app showed:\n" + "\n".join(look.texts()), file=sys.stderr)
        raise
    finally:
        app.kill()
        listener.close()
    # The test session has no notification server for "Message sent".
    stderr = "\n".join(line for line in app.stderr_text().splitlines()
                       if "org.freedesktop.Notifications" not in line)
    uitest.check_clean_exit(rc, stderr)
    shutil.rmtree(profile, ignore_errors=True)
    print("ok: outbox row while the server is down, Retry sends")


if __name__ == "__main__":
    main()
