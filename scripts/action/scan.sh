#!/usr/bin/env bash
# The action's scan step. Inputs arrive as environment variables (never interpolated into the
# script), the range comes from the event, and a shallow checkout is an error with its fix.
set -uo pipefail

fail() { echo "::error title=keywarden::$1"; echo "keywarden: $1" >&2; exit 2; }
shallow_fix="the checkout is shallow, so the scan could miss commits. Set 'fetch-depth: 0' on actions/checkout."
zero=0000000000000000000000000000000000000000

mode="${INPUT_MODE:-auto}"
if [ "$mode" = auto ]; then
  case "${EVENT_NAME:-}" in
    pull_request|pull_request_target) mode=pr ;;
    push) mode=push ;;
    *) mode=full ;;
  esac
fi

is_shallow=$(git rev-parse --is-shallow-repository 2>/dev/null || echo false)
target=(scan)
case "$mode" in
  pr)
    [ -n "${PR_BASE_SHA:-}" ] && [ -n "${PR_HEAD_SHA:-}" ] || fail "mode 'pr' needs a pull_request event (base and head SHAs)."
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    target+=(--range "$PR_BASE_SHA..$PR_HEAD_SHA")
    ;;
  push)
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    after="${PUSH_AFTER:-HEAD}"
    before="${PUSH_BEFORE:-}"
    if [ -z "$before" ] || [ "$before" = "$zero" ] || ! git merge-base --is-ancestor "$before" "$after" 2>/dev/null; then
      # A new branch or a force push: the commits not on the default branch.
      base="origin/${DEFAULT_BRANCH:-main}"
      git rev-parse --verify -q "$base" >/dev/null || fail "cannot find $base to compare a new branch with; $shallow_fix"
      before="$base"
    fi
    target+=(--range "$before..$after")
    ;;
  full) target+=(.) ;;
  history)
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    target+=(--history)
    ;;
  *) fail "unknown mode '$mode' (auto, pr, push, full, history)" ;;
esac

[ -n "${INPUT_CONFIG:-}" ] && target+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && target+=(--baseline "$INPUT_BASELINE")
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
fi
sarif="${INPUT_SARIF_FILE:-keywarden.sarif}"
category="${INPUT_CATEGORY:-}"
[ -n "$category" ] || category="keywarden/$mode"
annotations=$(mktemp)
json_report="${RUNNER_TEMP:-/tmp}/keywarden.json"
summary="${GITHUB_STEP_SUMMARY:-$(mktemp)}"
summary_part=$(mktemp)

# On a push to the default branch, code scanning should show the state of the branch (an
# alert closes only when the secret is really gone from it), so the SARIF is a tree scan; the
# pushed range still decides pass or fail and the annotations.
tree_sarif=false
if [ "$mode" = push ] && [ -n "${DEFAULT_BRANCH:-}" ] && [ "${GITHUB_REF:-}" = "refs/heads/$DEFAULT_BRANCH" ]; then
  tree_sarif=true
fi
reports=(--report "github=$annotations" --report "markdown=$summary_part" --report "json=$json_report")
$tree_sarif || reports+=(--report "sarif=$sarif")

echo "keywarden ${target[*]} ${extra[*]}"
# One scan writes every output: the text below, annotations, the job summary and the SARIF.
keywarden "${target[@]}" "${extra[@]}" --quiet --format text --color always \
  --sarif-category "$category" "${reports[@]}"
code=$?
[ "$code" -ge 2 ] && exit 2
cat "$annotations"
# Secrets, not annotation lines: a key in two files is one finding with two locations, and an
# inline-allow notice is not a finding.
count=$(jq '.findings | length' "$json_report" 2>/dev/null \
  || python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$json_report")
cat "$summary_part" >> "$summary"
if $tree_sarif; then
  echo "keywarden scan . (the state of $DEFAULT_BRANCH, for code scanning)"
  keywarden scan . "${extra[@]}" --quiet --format sarif --output "$sarif" --sarif-category "$category" || [ $? -eq 1 ] || exit 2
fi
{
  echo "findings=$count"
  echo "sarif-file=$sarif"
  echo "json-file=$json_report"
} >> "${GITHUB_OUTPUT:-/dev/null}"

if [ "$code" -eq 1 ] && [ "${INPUT_FAIL_ON_FINDINGS:-true}" = true ]; then
  echo "::error title=keywarden::$count secret(s) found; rotate them (see the checklist above)."
  exit 1
fi
exit 0
