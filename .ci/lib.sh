# Counting for .ci/run and .ci/self-test: every step adds to $passed and $failed, and a step
# that fails in any way (non-zero exit, a failed hook, a skip in CI, a missing tool) counts as
# at least one failure. Each function returns non-zero when it counted a failure.
passed=${passed:-0}
failed=${failed:-0}
LOG_DIR="${LOG_DIR:-${TMPDIR:-/tmp}/pantry-ci}"
mkdir -p "$LOG_DIR"

# check NAME COMMAND...: one step, one count.
check() {
  local name=$1; shift
  echo "::: $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; return 1; fi
}

# count_go DIR: `go test -race -json` in DIR. Top-level tests are counted, subtests reported
# apart; a non-zero exit (build failure, no `go` on PATH, a panic) with no failed test is one failure.
count_go() {
  local dir=$1 out rc p f sp sf
  out="$LOG_DIR/go-$(basename "$dir").json"
  (cd "$dir" && go test -race -count=1 -json ./... >"$out" 2>&1)
  rc=$?
  p=$(grep -c '"Action":"pass","Package":"[^"]*","Test":"[^"/]*",' "$out" || true)
  f=$(grep -c '"Action":"fail","Package":"[^"]*","Test":"[^"/]*",' "$out" || true)
  sp=$(grep -c '"Action":"pass","Package":"[^"]*","Test":"[^"]*/' "$out" || true)
  sf=$(grep -c '"Action":"fail","Package":"[^"]*","Test":"[^"]*/' "$out" || true)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
    echo "go test $dir exited $rc with no failed test: counted as one failure"
    tail -20 "$out"
  fi
  echo "go test $dir: $p passed, $f failed (subtests: $sp passed, $sf failed)"
  [ "$f" -gt 0 ] && grep -h '"Output"' "$out" | grep -E -- '--- FAIL|FAIL|panic|error' | head -40 | sed 's/.*"Output":"//; s/\\n"}$//'
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -eq 0 ]
}

# count_vitest COMMAND...: runs a vitest command whose count reporter writes $PANTRY_TEST_COUNTS
# (test/setup/count-reporter.ts). No counts file, or a non-zero exit with nothing failed, is one failure.
count_vitest() {
  local counts=${PANTRY_TEST_COUNTS:-test-counts.json} rc vp vf
  rm -f "$counts"
  "$@"
  rc=$?
  if [ -f "$counts" ]; then
    read -r vp vf < <(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.passed, r.failed)' "$counts")
  else
    vp=0; vf=1; echo "no test counts were written ($counts): counted as one failure"
  fi
  if [ "$rc" -ne 0 ] && [ "$vf" -eq 0 ]; then
    vf=1; echo "the test command exited $rc with no failure counted: counted as one failure"
  fi
  echo "vitest: $vp passed, $vf failed"
  passed=$((passed + vp)); failed=$((failed + vf))
  [ "$vf" -eq 0 ]
}
