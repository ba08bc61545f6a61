#!/bin/sh
# check-translation.sh — a UI catalogue is valid and translates every string
#
#   check-translation.sh SOURCE_ROOT LANG WORK_DIR
#
# Fails when po/LANG.po is not valid, has an untranslated or fuzzy message,
# or lacks a string that the files of po/POTFILES.in mark for translation
# (a catalogue not brought up to date after adding strings).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

top=$1 lang=$2 work=$3
po="$top/po/$lang.po"
mkdir -p "$work"

check_stats() {
  # $1: what, $2: catalogue
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$2" 2>&1) || {
    echo "$1: $stats" >&2
    exit 1
  }
  case $stats in
    *untranslated*|*fuzzy*)
      echo "$1 is not complete: $stats" >&2
      exit 1
      ;;
  esac
  echo "$1: $stats"
}

check_stats "$po" "$po"

# The strings of the sources now, with the keywords of meson's glib preset.
grep -v '^#' "$top/po/POTFILES.in" | grep -v '^$' > "$work/POTFILES"
xgettext --directory="$top" --files-from="$work/POTFILES" --output="$work/current.pot" \
  --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 \
  --keyword=g_dpgettext2:2c,3 --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
  --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
  --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
  --flag=g_set_error:4:c-format
msgmerge --quiet --no-fuzzy-matching --output-file="$work/$lang.po" "$po" "$work/current.pot"
check_stats "$po against the current sources" "$work/$lang.po"
