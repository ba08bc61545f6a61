#!/usr/bin/python3
# help.py — F1, the main menu's Help item and app.help open the user guide
#
# A recorder stands in for the help viewer: it is made the default handler
# of help: URIs in a private profile and writes down each URI it is given.
# The guide is opened three ways — the app.help action over D-Bus, the F1
# key and the main menu's Help item (through AT-SPI, as a person would) —
# and each must hand the viewer help:hongyan, the name gnome.yelp()
# installs the guide under.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uitest  # noqa: E402
from gi.repository import Atspi, GLib  # noqa: E402  (uitest made gi ready)

HELP_URI = "help:hongyan"


def press_menu_item(pid, name):
    """Activates the menu item named @name of an open menu (a fresh process, see uitest)."""
    for node in uitest._walk(uitest._app_node(pid)):
        try:
            if node.get_role() in (Atspi.Role.MENU_ITEM, Atspi.Role.CHECK_MENU_ITEM) \
                    and node.get_name().replace("_", "") == name:
                action = node.get_action_iface()
                if action is not None and Atspi.Action.get_n_actions(action) > 0:
                    Atspi.Action.do_action(action, 0)
                    print("pressed")
                    return
        except GLib.Error:
            continue


def main():
    profile = tempfile.mkdtemp(prefix="hy-help-")
    env = {}
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(profile, name.lower())
        os.makedirs(env[f"XDG_{name}_HOME"])
    record = os.path.join(profile, "opened")
    recorder = os.path.join(profile, "record-help")
    with open(recorder, "w") as f:
        f.write(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    os.chmod(recorder, 0o755)
    os.makedirs(os.path.join(env["XDG_DATA_HOME"], "applications"))
    with open(os.path.join(env["XDG_DATA_HOME"], "applications", "hy-test-help.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Help recorder\nNoDisplay=true\n"
                f"Exec={recorder} %u\nMimeType=x-scheme-handler/help;\n")
    with open(os.path.join(env["XDG_CONFIG_HOME"], "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nx-scheme-handler/help=hy-test-help.desktop\n")

    def opened():
        try:
            with open(record) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    app = uitest.App()
    app.start(env=env)
    look = uitest.Look(app)
    try:
        uitest.wait_for(lambda: app.find_frame("Hongyan"), "the main window")

        app.activate_action("help")
        uitest.wait_for(lambda: len(opened()) == 1, "app.help to open the guide")

        uitest.keys("F1")
        uitest.wait_for(lambda: len(opened()) == 2, "F1 to open the guide")

        assert look.press("Main Menu"), "no main menu button"
        time.sleep(0.5)
        uitest.wait_for(lambda: "pressed" in subprocess.run(
                            [sys.executable, os.path.abspath(__file__), "menu-item", str(app.proc.pid), "Help"],
                            capture_output=True, text=True, timeout=60).stdout,
                        "the Help item of the main menu")
        uitest.wait_for(lambda: len(opened()) == 3, "the main menu's Help item to open the guide")

        assert opened() == [HELP_URI] * 3, f"the guide was opened as {opened()}, not {HELP_URI}"
        app.activate_action("quit")
        rc = app.wait()
    finally:
        app.kill()
    uitest.check_clean_exit(rc, app.stderr_text())
    shutil.rmtree(profile, ignore_errors=True)
    print(f"ok: app.help, F1 and the main menu open {HELP_URI}")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "menu-item":
    press_menu_item(int(sys.argv[2]), sys.argv[3])
elif __name__ == "__main__":
    main()
