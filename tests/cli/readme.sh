#!/usr/bin/env bash
# Every shell example of the README runs as written (tests/cli/lib/readme_commands.py says how
# sizes are shrunk and which commands are skipped, and why).
exec /usr/bin/python3 "$(dirname "$0")/lib/readme_commands.py" "$1"
