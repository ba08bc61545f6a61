#!/usr/bin/python3
# smoke.py — the app starts, maps its window, draws it, and quits cleanly
#
# Runs under Xvfb and a private D-Bus session (build-aux/dev test provides
# both).  The window's title is read through AT-SPI, as a screen reader
# would; the app is quit through its D-Bus action, as the desktop would.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402


def main():
    # smoke.py [LANGUAGE TITLE]: with a language, the window title must be
    # the translated one, which proves the catalogue is found and used.
    language, title = (sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else (None, "Hongyan")
    app = uitest.App()
    shot = app.screenshot_path(f"main-window-{language}.png" if language else "main-window.png")
    if os.path.exists(shot):
        os.unlink(shot)
    app.start("--screenshot", shot, env={"LANGUAGE": language} if language else None)
    try:
        uitest.wait_for(lambda: os.path.exists(shot) and os.path.getsize(shot) > 0,
                        "the screenshot to be written")
        frame = uitest.wait_for(lambda: app.find_frame(title),
                                f"a window titled “{title}” to appear on the accessibility bus")
        print(f"window mapped: {frame!r}, screenshot {shot}")
        app.activate_action("quit")
        rc = app.wait()
    finally:
        app.kill()
    uitest.check_clean_exit(rc, app.stderr_text())
    print("ok: started, drew, quit cleanly")


if __name__ == "__main__":
    main()
