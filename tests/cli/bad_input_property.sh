#!/usr/bin/env bash
# The error contract as a property: generated bad values for every option of every command (read
# off its --help) and for every key of an experiment spec give exit 0 or 2, one stderr line on 2,
# no NaN written on 0, no temporary file left (tests/cli/lib/bad_input_property.py).
set -u
exec /usr/bin/python3 "$(dirname "$0")/lib/bad_input_property.py" "$1"
