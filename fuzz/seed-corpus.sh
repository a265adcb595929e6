#!/bin/sh
# Seeds cargo fuzz's corpus with the transforms' cases, each under a few settings bytes.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/check_and_diff
for case in ../transforms/*/cases/*.py; do
    name=$(basename "$(dirname "$(dirname "$case")")")-$(basename "$case" .py)
    for choice in 0 1 19 22; do
        { printf "\\$(printf '%03o' "$choice")"; cat "$case"; } > "corpus/check_and_diff/$name-$choice"
    done
done
