#!/bin/sh
# check-help-translation.sh — a help translation is complete and its pages valid
#
#   check-help-translation.sh HELP_SOURCE_DIR LANG WORK_DIR PAGE…
#
# Fails when help/LANG/LANG.po has an untranslated or fuzzy message, or when
# a page that itstool builds from it is not valid Mallard.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

src=$1 lang=$2 work=$3
shift 3
po="$src/$lang/$lang.po"

stats=$(LC_ALL=C msgfmt --check --statistics -o "$work.mo" "$po" 2>&1) || {
  echo "$po: $stats" >&2
  exit 1
}
echo "$lang: $stats"
case $stats in
  *untranslated*|*fuzzy*)
    echo "$po is not complete: $stats" >&2
    exit 1
    ;;
esac

rm -rf "$work"
mkdir -p "$work"
pages=""
for page in "$@"; do
  pages="$pages $src/C/$page"
done
# shellcheck disable=SC2086
itstool -m "$work.mo" -o "$work/" $pages
cd "$work"
# shellcheck disable=SC2086
yelp-check validate "$@"
