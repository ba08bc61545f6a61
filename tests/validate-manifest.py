#!/usr/bin/python3
# validate-manifest.py — checks the Flatpak manifest's structure
#
# The manifest must be valid JSON, use the GNOME runtime, build GMime and the
# app with meson, pin every downloaded source with a checksum and ask for the
# permissions a mail client needs and no more: the network, a display
# (Wayland, X11 only as a fallback), the GPU and IPC.  Files go through the
# file chooser portal, passwords through the Secret portal and notifications
# through the notification portal, so there is no filesystem access and no
# bus name to talk to.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys

REQUIRED_ARGS = {
    "--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
    "--device=dri",
}
ALLOWED_ARGS = REQUIRED_ARGS
# Each with the reason it is refused, for the message.
FORBIDDEN_PREFIXES = {
    "--filesystem": "files are opened and saved through the file chooser portal",
    "--socket=x11": "X11 is only a fallback (--socket=fallback-x11)",
    "--socket=session-bus": "the app talks to portals, not to the whole session bus",
    "--socket=system-bus": "a mail client has nothing to ask the system bus",
    "--talk-name": "passwords go through the Secret portal, notifications through theirs",
    "--system-talk-name": "a mail client has nothing to ask the system bus",
    "--own-name": "the sandbox already owns the app ID",
    "--device=all": "only the GPU is needed (--device=dri)",
    "--persist": "data lives in the sandbox's XDG directories",
}


def fail(message):
    print(f"validate-manifest: {message}", file=sys.stderr)
    sys.exit(1)


def main(path):
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path} is not valid JSON: {e}")

    if manifest.get("id") != "io.github.hongyan.Hongyan":
        fail("the app ID must be io.github.hongyan.Hongyan")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        fail("the manifest must use the GNOME runtime and SDK")
    if not str(manifest.get("runtime-version", "")).strip():
        fail("the runtime version must be pinned")
    if manifest.get("command") != "hongyan":
        fail("the command must be hongyan")

    args = manifest.get("finish-args", [])
    if len(args) != len(set(args)):
        fail("a finish-arg is repeated")
    for arg in args:
        for prefix, reason in FORBIDDEN_PREFIXES.items():
            if arg.startswith(prefix):
                fail(f"finish-arg {arg} gives more than a mail client needs: {reason}")
        if arg not in ALLOWED_ARGS:
            fail(f"finish-arg {arg} is not on the list of what a mail client needs")
    for arg in sorted(REQUIRED_ARGS - set(args)):
        fail(f"finish-arg {arg} is missing; the app cannot work without it")

    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    for needed in ("gmime", "hongyan"):
        if needed not in names:
            fail(f"module {needed} is missing")
    if names[-1] != "hongyan":
        fail("the app must be the last module")
    if modules[-1].get("buildsystem") != "meson":
        fail("the app must be built with meson")

    for module in modules:
        for source in module.get("sources", []):
            kind = source.get("type")
            if kind in ("archive", "file"):
                if not source.get("url", "").startswith("https://"):
                    fail(f"module {module['name']}: source must be fetched over https")
                sha = source.get("sha256", "")
                if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
                    fail(f"module {module['name']}: source needs a sha256 checksum")
            elif kind == "git":
                if len(source.get("commit", "")) != 40:
                    fail(f"module {module['name']}: git source needs a pinned commit")
            elif kind == "dir":
                if module["name"] != "hongyan":
                    fail(f"module {module['name']}: only the app may build from the tree")
            else:
                fail(f"module {module['name']}: unexpected source type {kind}")
    print(f"manifest ok: modules {', '.join(names)}")


if __name__ == "__main__":
    main(sys.argv[1])
