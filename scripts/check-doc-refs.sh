#!/bin/sh
# Every *.md document named in the tracked sources, scripts and docs must be
# a file of the repository (a clone must be able to follow each reference).
# Prints the dangling ones as file:line: name; exit 1 if there is any.
cd "$(dirname "$0")/.." || exit 2
present=$(git ls-files '*.md' | sed 's#.*/##' | sort -u)
dangling=$(git ls-files '*.c' '*.h' '*.md' '*.sh' '*.py' Makefile |
	xargs grep -n -o -E '[A-Za-z0-9_./-]+\.md\b' |
	while IFS=: read -r file line ref; do
		echo "$present" | grep -qxF "${ref##*/}" || echo "$file:$line: $ref"
	done)
[ -z "$dangling" ] && exit 0
echo "$dangling"
exit 1
