# uitest.py — helpers for driving Hongyan from outside in UI tests
#
# SPDX-License-Identifier: GPL-3.0-or-later
import imaplib
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

APP_ID = os.environ.get("HONGYAN_APP_ID", "io.github.hongyan.Hongyan")
OBJECT_PATH = "/" + APP_ID.replace(".", "/")

# Lines that mean GLib, GTK or the app complained on the terminal.
BAD_OUTPUT = re.compile(r"(WARNING|CRITICAL|ERROR)\b|-WARNING|-CRITICAL|Gtk-Message")


def wait_for(predicate, what, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def require_mailstack():
    """Ends the test as skipped (77) without the mail stack, or fails when
    HY_REQUIRE_MAILSTACK=1."""
    if not os.environ.get("HY_TEST_HOST"):
        if os.environ.get("HY_REQUIRE_MAILSTACK") == "1":
            raise SystemExit("the mail stack is required (HY_TEST_HOST is not set)")
        print("skipped: no mail stack (HY_TEST_HOST is not set)")
        raise SystemExit(77)


def profile_env(prefix):
    """A fresh profile (XDG directories and HOME) in a new temporary
    directory, trusting the stack's CA: returns (directory, environment)."""
    profile = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = os.path.join(profile, name.lower())
    env["HOME"] = os.path.join(profile, "home")
    os.makedirs(env["HOME"])
    env["HONGYAN_CA_FILE"] = os.environ.get("HY_TEST_CA_FILE", "")
    return profile, env


def imap_login(user=None, password=None):
    """An IMAPS session of the stack's Dovecot, as alice unless told."""
    context = ssl.create_default_context(cafile=os.environ["HY_TEST_CA_FILE"])
    imap = imaplib.IMAP4_SSL(os.environ["HY_TEST_HOST"], int(os.environ["HY_TEST_IMAPS_PORT"]),
                             ssl_context=context)
    imap.login(user or os.environ["HY_TEST_ALICE_USER"], password or os.environ["HY_TEST_ALICE_PASSWORD"])
    return imap


def check_imap(reply, what):
    """The data of an imaplib reply, which must be OK."""
    typ, data = reply
    if typ != "OK":
        raise AssertionError(f"{what} failed on the server: {typ} {data}")
    return data


def cli_list(env, folder):
    """The messages of @folder in the store of the account in @env's home,
    through hongyan-cli list --json; [] while the folder is not synced yet."""
    cli = os.path.join(os.environ["HONGYAN_BUILD_ROOT"], "src", "cli", "hongyan-cli")
    done = subprocess.run([cli, "list", "--json", "-n", "0", folder], env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return []
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def check_clean_exit(rc, stderr):
    bad = [line for line in stderr.splitlines() if BAD_OUTPUT.search(line)]
    if bad:
        raise AssertionError("the app printed warnings:\n" + "\n".join(bad))
    if rc != 0:
        raise AssertionError(f"the app exited with status {rc}\n{stderr}")


class App:
    def __init__(self):
        build_root = os.environ["HONGYAN_BUILD_ROOT"]
        self.binary = os.path.join(build_root, "src", "app", "hongyan")
        self.shot_dir = os.path.join(build_root, "meson-logs", "screenshots")
        os.makedirs(self.shot_dir, exist_ok=True)
        self.proc = None
        self._stderr = tempfile.TemporaryFile()

    def screenshot_path(self, name):
        return os.path.join(self.shot_dir, name)

    def start(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([self.binary, *args], env=full_env,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)

    def find_frame(self, title):
        """Returns the title if the app shows a top-level window with it.

        Each look runs in a fresh process: libatspi caches the desktop and
        does not always notice an application that registered while it was
        looking, so a new client sees the truth where a long-lived one may not.
        """
        result = subprocess.run([sys.executable, os.path.abspath(__file__),
                                 "frames", str(self.proc.pid)],
                                capture_output=True, text=True, timeout=30)
        frames = result.stdout.splitlines()
        return title if title in frames else None

    def activate_action(self, name, parameter=None):
        params = "[]" if parameter is None else f"[{parameter}]"
        subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID,
                        "--object-path", OBJECT_PATH,
                        "--method", "org.gtk.Actions.Activate", name, params, "{}"],
                       check=True, stdout=subprocess.DEVNULL, timeout=30)

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr_text(self):
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")


def _print_frames(pid):
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        try:
            if app is None or app.get_process_id() != pid:
                continue
            for j in range(app.get_child_count()):
                child = app.get_child_at_index(j)
                if child is not None and child.get_role() == Atspi.Role.FRAME:
                    print(child.get_name())
        except GLib.Error:
            continue


def _walk(node, depth=0):
    """Yields every accessible below @node (WebKit's content excluded)."""
    if node is None or depth > 60:
        return
    yield node
    try:
        n = node.get_child_count()
    except GLib.Error:
        return
    for i in range(n):
        try:
            child = node.get_child_at_index(i)
        except GLib.Error:
            continue
        yield from _walk(child, depth + 1)


def _app_node(pid):
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except GLib.Error:
            continue
    return None


def _print_texts(pid):
    """Prints the accessible name of every node and the text of labels and text views."""
    for node in _walk(_app_node(pid)):
        try:
            name = node.get_name() or ""
            text = ""
            iface = node.get_text_iface() \
                if node.get_role() in (Atspi.Role.LABEL, Atspi.Role.TEXT) else None
            if iface is not None:
                text = Atspi.Text.get_text(iface, 0, Atspi.Text.get_character_count(iface))
            if name or text:
                print(f"{node.get_role_name()}\t{name}\t{text}".replace("\n", " "))
        except GLib.Error:
            continue


def _press(pid, name):
    """Activates the first button whose accessible name is @name.

    GTK 4.8 names a button with a mnemonic "_Label Label"; the last words count.
    """
    for node in _walk(_app_node(pid)):
        try:
            if node.get_role() in (Atspi.Role.PUSH_BUTTON, Atspi.Role.TOGGLE_BUTTON) \
                    and (node.get_name() == name or node.get_name().endswith(" " + name)):
                action = node.get_action_iface()
                if action is not None and Atspi.Action.get_n_actions(action) > 0:
                    Atspi.Action.do_action(action, 0)
                    print("pressed")
                    return
        except GLib.Error:
            continue


# X keycodes of Xvfb's default (US) keymap.
KEYCODES = {"Control": 37, "f": 41, "v": 55, "Return": 36, "Escape": 9, "F1": 67, "Delete": 119}


def _keys(names):
    """Presses @names ("Control+f") together, the modifier first."""
    codes = [KEYCODES[name] for name in names.split("+")]
    for code in codes[:-1]:
        Atspi.generate_keyboard_event(code, None, Atspi.KeySynthType.PRESS)
    Atspi.generate_keyboard_event(codes[-1], None, Atspi.KeySynthType.PRESSRELEASE)
    for code in reversed(codes[:-1]):
        Atspi.generate_keyboard_event(code, None, Atspi.KeySynthType.RELEASE)
    print("sent")


def _type(text):
    """Types @text into the focused widget (any script: keysyms are remapped).

    A character outside the keymap is typed by remapping one spare keycode,
    so each must reach the app before the next remaps it again.
    """
    for char in text:
        Atspi.generate_keyboard_event(0, char, Atspi.KeySynthType.STRING)
        time.sleep(0.3)
    print("sent")


class Look:
    """What the app shows, through AT-SPI, each look in a fresh process."""

    def __init__(self, app):
        self.app = app

    def texts(self):
        result = subprocess.run([sys.executable, os.path.abspath(__file__),
                                 "texts", str(self.app.proc.pid)],
                                capture_output=True, text=True, timeout=60)
        return result.stdout.splitlines()

    def shows(self, text):
        return any(text in line for line in self.texts())

    def press(self, name):
        result = subprocess.run([sys.executable, os.path.abspath(__file__),
                                 "press", str(self.app.proc.pid), name],
                                capture_output=True, text=True, timeout=60)
        return "pressed" in result.stdout


def keys(names):
    """Sends a key combination such as "Control+f" to the focused window."""
    subprocess.run([sys.executable, os.path.abspath(__file__), "keys", names],
                   check=True, capture_output=True, timeout=30)


def type_text(text):
    """Types @text, which may be Chinese, into the focused widget."""
    subprocess.run([sys.executable, os.path.abspath(__file__), "type", text],
                   check=True, capture_output=True, timeout=30)


class FileClipboard:
    """Holds files on the clipboard, as a file manager's Copy does.

    A process of its own owns the X clipboard and offers the files as
    text/uri-list until stop() (or the end of a with block).
    """

    def __init__(self, paths):
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "clipboard", *paths],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise AssertionError("could not put the files on the clipboard")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _hold_clipboard(paths):
    gi.require_version("Gdk", "4.0")
    gi.require_version("Gtk", "4.0")
    from gi.repository import Gdk, Gio, Gtk

    Gtk.init()
    uris = "".join(Gio.File.new_for_path(os.path.abspath(p)).get_uri() + "\r\n" for p in paths)
    provider = Gdk.ContentProvider.new_for_bytes("text/uri-list", GLib.Bytes.new(uris.encode()))
    display = Gdk.Display.get_default()
    display.get_clipboard().set_content(provider)
    display.flush()

    # The X server learns of the new owner once the request is flushed and
    # the loop runs; say "ready" only then, or a paste may still get the
    # previous owner's content.
    def announce():
        display.sync()
        print("ready", flush=True)
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(250, announce)
    GLib.MainLoop().run()


NOTIFICATIONS_XML = """<node>
  <interface name='org.freedesktop.Notifications'>
    <method name='Notify'>
      <arg type='s' direction='in'/><arg type='u' direction='in'/>
      <arg type='s' direction='in'/><arg type='s' direction='in'/>
      <arg type='s' direction='in'/><arg type='as' direction='in'/>
      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>
      <arg type='u' direction='out'/>
    </method>
    <method name='CloseNotification'><arg type='u' direction='in'/></method>
    <method name='GetCapabilities'><arg type='as' direction='out'/></method>
    <method name='GetServerInformation'>
      <arg type='s' direction='out'/><arg type='s' direction='out'/>
      <arg type='s' direction='out'/><arg type='s' direction='out'/>
    </method>
    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>
    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>
  </interface>
</node>"""


class Notifications:
    """A notification server on the session bus that records what the app shows.

    Runs in a process of its own until stop(); summaries() returns the
    (summary, body) of every notification so far.
    """

    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="hy-notifications-", delete=False)
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "notifications",
                                      self.log.name], stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise AssertionError("could not start the notification server")

    def summaries(self):
        with open(self.log.name, encoding="utf-8") as f:
            return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.unlink(self.log.name)


def _serve_notifications(log_path):
    from gi.repository import Gio

    count = [0]

    def on_call(connection, sender, path, interface, method, parameters, invocation):
        if method == "Notify":
            summary, body = parameters[3], parameters[4]
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(f"{summary}\t{body}".replace("\n", " ") + "\n")
            count[0] += 1
            invocation.return_value(GLib.Variant("(u)", (count[0],)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["actions", "body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("test", "hongyan", "1", "1.2")))
        else:
            invocation.return_value(None)

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    info = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML)
    bus.register_object("/org/freedesktop/Notifications", info.interfaces[0], on_call, None, None)
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "RequestName", GLib.Variant("(su)", ("org.freedesktop.Notifications", 4)),
                          GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, -1, None)
    if reply.unpack()[0] != 1:
        raise SystemExit("org.freedesktop.Notifications is taken")
    print("ready", flush=True)
    GLib.MainLoop().run()


def screen_png(path):
    """Saves what the X server shows (WebKit's layers included) as PNG."""
    pipeline = "xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > " + _shell_quote(path)
    subprocess.run(["sh", "-c", pipeline], check=True, timeout=60)


def window_png(title, path):
    """Saves the top-level window whose title contains @title as PNG.

    Xvfb runs without a window manager, so a window may lie under
    another; it is raised first (XRaiseWindow), then captured alone.
    """
    import ctypes

    tree = subprocess.run(["xwininfo", "-root", "-children"], check=True, capture_output=True,
                          timeout=30).stdout.decode("utf-8", "replace")
    ids = [line.split()[0] for line in tree.splitlines()
           if line.strip().startswith("0x") and title in line]
    if not ids:
        raise AssertionError(f"no window titled “{title}”:\n{tree}")
    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XRaiseWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        raise AssertionError("cannot open the X display")
    xlib.XRaiseWindow(display, int(ids[0], 16))
    xlib.XSync(display, 0)
    xlib.XCloseDisplay(display)
    time.sleep(1)
    pipeline = f"xwd -silent -id {ids[0]} | xwdtopnm 2>/dev/null | pnmtopng > " + _shell_quote(path)
    subprocess.run(["sh", "-c", pipeline], check=True, timeout=60)


def screen_pixels():
    """Returns (width, height, bytes) of the screen as RGB."""
    ppm = subprocess.run(["sh", "-c", "xwd -root -silent | xwdtopnm 2>/dev/null"],
                         check=True, capture_output=True, timeout=60).stdout
    # "P6" W H MAX, each followed by one blank, then RGB bytes.
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", ppm)
    width, height = int(header.group(1)), int(header.group(2))
    return width, height, ppm[header.end():]


def _shell_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "frames":
    _print_frames(int(sys.argv[2]))
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "texts":
    _print_texts(int(sys.argv[2]))
elif __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "press":
    _press(int(sys.argv[2]), sys.argv[3])
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "keys":
    _keys(sys.argv[2])
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "type":
    _type(sys.argv[2])
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "notifications":
    _serve_notifications(sys.argv[2])
elif __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "clipboard":
    _hold_clipboard(sys.argv[2:])
