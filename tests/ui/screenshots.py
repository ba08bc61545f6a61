#!/usr/bin/python3
# screenshots.py — the main window with a message open and the composer, in one language
#
#   screenshots.py LANGUAGE [MESSAGE-SUBJECT]
#
# Fills an account's offline store with the demo mail (tests/fixtures/demo),
# starts the app with LANGUAGE set, opens a message (show-message over
# org.gtk.Actions), then a new composer (app.compose), the preferences, the
# account assistant and a composer from a mailto: link, and saves what the X
# server shows of each under meson-logs/screenshots/ as
# screenshot-LANGUAGE-{main,compose,preferences,add-account,compose-filled}.png.
# Windows are found by their translated titles and the labels on screen are
# read through AT-SPI: the test fails when a label the catalogue translates
# is shown in English.  The account points at a closed port, so nothing
# changes while the pictures are taken.  Needs the keyring of the mail
# stack (it skips without it), Xvfb and a D-Bus session.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import ctypes
import gettext
import re
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402

BUILD = os.environ["HONGYAN_BUILD_ROOT"]
SOURCE = os.environ["HONGYAN_SOURCE_ROOT"]
CLI = os.path.join(BUILD, "src", "cli", "hongyan-cli")
FILL = os.path.join(BUILD, "tests", "ui", "hy-fill-store")

# Labels that must be shown translated: in the main window, then in the composer.
MAIN_LABELS = ["Inbox", "Search all mail", "Reply", "Forward", "Show Details"]
COMPOSE_LABELS = ["_From", "_To", "_Subject", "_Send", "Rich Text"]


def run(*args, env):
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def window_geometry(title):
    """(id, x, y, width, height) of the biggest X window titled @title.

    GTK also names its small helper windows after the application.
    """
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                         timeout=30).stdout
    best = None
    for match in re.finditer(r"^\s*(0x[0-9a-f]+) \"(.*)\": \(.*\)\s+(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)",
                             out, re.MULTILINE):
        window_id, name, width, height, x, y = match.groups()
        if name != title:
            continue
        candidate = (int(window_id, 16), int(x), int(y), int(width), int(height))
        if best is None or candidate[3] * candidate[4] > best[3] * best[4]:
            best = candidate
    if best is None:
        raise AssertionError(f"no X window titled “{title}”:\n{out}")
    return best


def has_window(title):
    try:
        return window_geometry(title) is not None
    except AssertionError:
        return False


def raise_window(window_id):
    """Brings a window to the top, as a window manager would; Xvfb has none."""
    x11 = ctypes.CDLL("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XRaiseWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        raise AssertionError("cannot open the X display")
    x11.XRaiseWindow(display, window_id)
    x11.XSync(display, 0)
    x11.XCloseDisplay(display)


def window_png(title, path):
    """Saves what the X server shows of the window titled @title (WebKit's layers included)."""
    window_id, x, y, width, height = window_geometry(title)
    raise_window(window_id)
    time.sleep(0.5)
    pipeline = (f"xwd -root -silent | xwdtopnm 2>/dev/null | pnmcut -left {max(x, 0)} -top {max(y, 0)} "
                f"-width {width} -height {height} | pnmtopng > '{path}'")
    subprocess.run(["sh", "-c", pipeline], check=True, timeout=60)


def locale_env(language):
    """LANG and LC_ALL of a Chinese (or other) desktop session.

    LANGUAGE alone picks the catalogue, but dates and numbers follow LC_TIME
    and LC_NUMERIC; the locale is compiled into the build tree when the
    system has not generated it (glibc reads LOCPATH).
    """
    if language in ("C", "en"):
        return {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    name = f"{language}.UTF-8"
    have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    env = {"LANG": name, "LC_ALL": name}
    if name not in have and name.lower().replace("-", "") not in have:
        locpath = os.path.join(BUILD, "locale")
        if not os.path.isdir(os.path.join(locpath, name)):
            os.makedirs(locpath, exist_ok=True)
            subprocess.run(["localedef", "-i", language, "-f", "UTF-8", os.path.join(locpath, name)],
                           capture_output=True, timeout=120)
        if not os.path.isdir(os.path.join(locpath, name)):
            raise SystemExit(f"the locale {name} could not be made (is the locales package installed?)")
        env["LOCPATH"] = locpath
    return env


def main():
    language = sys.argv[1]
    subject = sys.argv[2] if len(sys.argv) > 2 else "周六去香山爬山吗？"
    if not os.environ.get("HY_TEST_HOST"):
        if os.environ.get("HY_REQUIRE_MAILSTACK") == "1":
            raise SystemExit("the mail stack is required (HY_TEST_HOST is not set)")
        print("skipped: no keyring (the mail stack is not running)")
        raise SystemExit(77)

    if language in ("C", "en"):
        tr = gettext.NullTranslations()
    else:
        tr = gettext.translation("hongyan", localedir=os.path.join(BUILD, "po"), languages=[language])

    profile = tempfile.mkdtemp(prefix="hy-shots-")
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(profile, name.lower())
    env["HOME"] = os.path.join(profile, "home")
    os.makedirs(env["HOME"])
    env["LANGUAGE"] = language
    env.update(locale_env(language))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    run(CLI, "account", "add", "--id", "demo", "--address", "alice@example.org",
        "--name", "Alice Wang", "--imap-host", "127.0.0.1", "--port", str(closed_port),
        "--user", "alice", "--password-env", "HY_TEST_ALICE_PASSWORD",
        "--smtp-host", "127.0.0.1", "--smtp-port", str(closed_port), env=env)
    store = os.path.join(env["XDG_DATA_HOME"], "hongyan", "accounts", "demo", "store.db")
    run(FILL, store, "--manifest", os.path.join(SOURCE, "tests", "fixtures", "demo"), env=env)
    inbox = [json.loads(line) for line in run(CLI, "list", "--json", "-n", "0", "INBOX", env=env).splitlines()
             if line.strip()]
    message = next(m for m in inbox if m["subject"] == subject)

    app_env = {k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v}
    failures = []

    def phase(args, body):
        """Starts the app with @args, runs @body(app, look), quits it cleanly."""
        app = uitest.App()
        app.start(*args, env=app_env)
        look = uitest.Look(app)
        try:
            body(app, look)
            app.activate_action("quit")
            rc = app.wait()
        except (AssertionError, subprocess.CalledProcessError):
            print(app.stderr_text(), file=sys.stderr)
            uitest.screen_png(app.screenshot_path(f"screenshot-{language}-failure.png"))
            raise
        finally:
            app.kill()
        uitest.check_clean_exit(rc, app.stderr_text())
        return app

    def check_labels(look, labels, where):
        for label in labels:
            shown = tr.gettext(label)
            if shown == label and language not in ("C", "en"):
                failures.append(f"“{label}” has no {language} translation")
            plain = shown.replace("_", "").split("(")[0]
            try:
                # A new window's labels reach the accessibility bus a little later.
                uitest.wait_for(lambda p=plain: look.shows(p), f"“{plain}”", timeout=15)
            except AssertionError:
                failures.append(f"{where}: “{plain}” ({label}) is not shown; shown:\n"
                                + "\n".join(look.texts()))

    # The main window with a message open.
    def main_window(app, look):
        uitest.wait_for(lambda: app.find_frame(tr.gettext("Hongyan")), "the main window")
        uitest.wait_for(lambda: look.shows(subject), "the demo mail in the list", timeout=60)
        app.activate_action("show-message", f'<("demo", int64 {message["id"]})>')
        uitest.wait_for(lambda: look.shows(tr.gettext("Show Details")), "the message in the reader")
        time.sleep(1.5)
        check_labels(look, MAIN_LABELS, "main window")
        window_png(tr.gettext("Hongyan"), app.screenshot_path(f"screenshot-{language}-main.png"))
    app = phase([], main_window)

    # A new message, asked for over D-Bus as the shell or a launcher would.
    # The app runs as a service here, without its main window: Xvfb has no
    # window manager to bring a second window to the front.
    def composer(app, look):
        uitest.wait_for(lambda: app.find_frame(tr.gettext("Hongyan")) is None
                        and subprocess.run(["gdbus", "introspect", "--session", "--dest", uitest.APP_ID,
                                            "--object-path", uitest.OBJECT_PATH],
                                           capture_output=True).returncode == 0,
                        "the application on the session bus")
        app.activate_action("compose")
        title = tr.gettext("New Message")
        uitest.wait_for(lambda: has_window(title), f"a composer titled “{title}”")
        time.sleep(1.0)
        check_labels(look, COMPOSE_LABELS, "composer")
        window_png(title, app.screenshot_path(f"screenshot-{language}-compose.png"))
    phase(["--gapplication-service"], composer)

    # The preferences and the account assistant, each alone on the screen.
    def window_of(action, title, name, labels):
        def body(app, look):
            uitest.wait_for(lambda: subprocess.run(["gdbus", "introspect", "--session", "--dest", uitest.APP_ID,
                                                    "--object-path", uitest.OBJECT_PATH],
                                                   capture_output=True).returncode == 0,
                            "the application on the session bus")
            app.activate_action(action)
            uitest.wait_for(lambda: has_window(title), f"a window titled “{title}”")
            time.sleep(1.0)
            check_labels(look, labels, name)
            window_png(title, app.screenshot_path(f"screenshot-{language}-{name}.png"))
        return body
    # The preferences window's title is libadwaita's own.
    adw = gettext.translation("libadwaita", languages=[language], fallback=True)
    phase(["--gapplication-service"],
          window_of("preferences", adw.gettext("Preferences"), "preferences",
                    ["Appearance", "Load Remote Content", "Undo Send Delay"]))
    phase(["--gapplication-service"],
          window_of("add-account", tr.gettext("Add Account"), "add-account",
                    ["Your Name", "Email Address", "Password", "_Continue"]))

    # A message being written, from a mailto: link.
    filled = "Photos from the hike" if language in ("C", "en") else "爬山的照片"
    body = ("Hi Bob,\n\nhere are the photos from Saturday. The view from the top was worth it!\n\nAlice"
            if language in ("C", "en") else "小明：\n\n周六爬山的照片都在附件里，山顶的风景真不错！\n\n爱丽丝")
    link = "mailto:bob@example.org?subject=" + urllib.parse.quote(filled) + "&body=" + urllib.parse.quote(body)

    def filled_composer(app, look):
        uitest.wait_for(lambda: has_window(filled), f"a composer titled “{filled}”")
        time.sleep(1.0)
        window_png(filled, app.screenshot_path(f"screenshot-{language}-compose-filled.png"))
    phase([link], filled_composer)
    shutil.rmtree(profile, ignore_errors=True)

    if failures:
        raise SystemExit("\n".join(failures))
    print(f"ok: main window and composer in {language}, screenshots in {app.shot_dir}")


if __name__ == "__main__":
    main()
