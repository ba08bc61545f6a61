#!/usr/bin/python3
# compose-launch.py — "hongyan mailto:…" and "hongyan --compose" open a composer
#
# The composer's title is its subject, so a window titled with the
# subject of the link proves that the link was parsed (percent-decoded
# UTF-8 included) and reached a composer.  Windows are found through
# AT-SPI, as a screen reader would; the app is quit over D-Bus.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402


def launch(args, title):
    app = uitest.App()
    app.start(*args)
    try:
        frame = uitest.wait_for(lambda: app.find_frame(title),
                                f"a window titled “{title}” after {' '.join(args)}")
        print(f"{' '.join(args)}: window {frame!r}")
        app.activate_action("quit")
        rc = app.wait()
    finally:
        app.kill()
    uitest.check_clean_exit(rc, app.stderr_text())


def main():
    launch(["mailto:bob@example.org?cc=carol@example.org&subject=Hello%20%E4%BD%A0%E5%A5%BD&body=Hi"],
           "Hello 你好")
    launch(["--compose"], "New Message")
    print("ok: mailto: links and --compose open a composer")


if __name__ == "__main__":
    main()
