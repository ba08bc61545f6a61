#!/usr/bin/python3
# validate-manifest.py — checks the Flatpak manifest's structure
#
# The manifest must be valid JSON, use the GNOME runtime, build GMime and the
# app, pin every downloaded source with a checksum and ask only for the
# permissions a mail client needs.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys

ALLOWED_ARGS = {
    "--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
    "--device=dri", "--talk-name=org.freedesktop.secrets",
}
FORBIDDEN_PREFIXES = ("--filesystem=host", "--filesystem=home", "--socket=session-bus",
                      "--socket=system-bus", "--device=all")


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

    for arg in manifest.get("finish-args", []):
        if arg.startswith(FORBIDDEN_PREFIXES):
            fail(f"finish-arg {arg} gives more than a mail client needs")
        if arg not in ALLOWED_ARGS:
            fail(f"finish-arg {arg} is not on the list of what a mail client needs")

    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    for needed in ("gmime", "hongyan"):
        if needed not in names:
            fail(f"module {needed} is missing")
    if names[-1] != "hongyan":
        fail("the app must be the last module")

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
