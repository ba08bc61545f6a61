#!/usr/bin/env bash
# check-engine-includes.sh — fails if an engine file includes GTK, GDK, WebKit or libsecret
#
# The engine must run without a display and must not reach the keyring
# itself: secrets come through the HyCredentials interface.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
engine=${1:?usage: check-engine-includes.sh ENGINE_DIR}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](gtk/|gdk/|gsk/|adwaita|webkit|libsecret/)'
count=$(find "$engine" -name '*.[ch]' | wc -l)
if [ "$count" -eq 0 ]; then
  echo "no engine sources found under $engine" >&2
  exit 1
fi
if bad=$(grep -rnEi "$pattern" --include='*.c' --include='*.h' "$engine"); then
  echo "the engine must not include UI or keyring headers:" >&2
  echo "$bad" >&2
  exit 1
fi
# The engine's build must not depend on them either.
if grep -nE '(gtk_dep|adw_dep|webkit_dep|secret_dep)' $(find "$engine" -name meson.build); then
  echo "an engine meson.build uses a UI or keyring dependency" >&2
  exit 1
fi
echo "checked $count engine files: no GTK, GDK, WebKit or libsecret"
