#!/usr/bin/python3
# smoke.py — the app starts, maps its window, draws it, and quits cleanly
#
# Runs under Xvfb and a private D-Bus session (build-aux/dev test provides
# both).  The window's title is read through AT-SPI, as a screen reader
# would; the app is quit through its D-Bus action, as the desktop would.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402


def main():
    app = uitest.App()
    shot = app.screenshot_path("main-window.png")
    app.start("--screenshot", shot)
    try:
        uitest.wait_for(lambda: os.path.exists(shot) and os.path.getsize(shot) > 0,
                        "the screenshot to be written")
        frame = uitest.wait_for(lambda: app.find_frame("Hongyan"),
                                "a window titled “Hongyan” to appear on the accessibility bus")
        print(f"window mapped: {frame.get_name()!r}, screenshot {shot}")
        app.activate_action("quit")
        rc = app.wait()
    finally:
        app.kill()
    uitest.check_clean_exit(rc, app.stderr_text())
    print("ok: started, drew, quit cleanly")


if __name__ == "__main__":
    main()
