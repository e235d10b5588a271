# Shared by the CLI test scripts (tests/cli/*.sh): source it after setting bin="$1".
# Gives a scratch directory $dir (removed on exit), a failure counter and the error-contract check.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect_error "<substring of stderr>" args...: the CLI's error contract, exit code 2 and exactly
# one line on stderr that contains the substring.
expect_error() {
  local want="$1"
  shift
  "$bin" "$@" >"$dir/out" 2>"$dir/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$dir/err")
  if [[ $rc -ne 2 ]] || ! grep -qF -- "$want" "$dir/err" || [[ $lines -ne 1 ]]; then
    fail "difflab $* -> exit $rc, stderr ($lines lines): $(cat "$dir/err") (wanted exit 2 and '$want')"
  fi
}

# finish "<what behaves>": the summary line and the exit status of the script.
finish() {
  if [[ $failures -ne 0 ]]; then
    echo "$failures failures"
    exit 1
  fi
  echo "$1"
}
