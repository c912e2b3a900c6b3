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
trusted_rev=""
common=()  # options for the range scan and the code-scanning tree scan alike
target=(scan)
case "$mode" in
  pr)
    [ -n "${PR_BASE_SHA:-}" ] && [ -n "${PR_HEAD_SHA:-}" ] || fail "mode 'pr' needs a pull_request event (base and head SHAs)."
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    base="${INPUT_BASE:-$PR_BASE_SHA}"
    head="${INPUT_HEAD:-$PR_HEAD_SHA}"
    target+=(--range "$base..$head")
    trusted_rev="$base"
    ;;
  push)
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    after="${INPUT_HEAD:-${PUSH_AFTER:-HEAD}}"
    before="${INPUT_BASE:-${PUSH_BEFORE:-}}"
    if [ -z "$before" ] || [ "$before" = "$zero" ] || ! git merge-base --is-ancestor "$before" "$after" 2>/dev/null; then
      # A new branch or a force push: the commits not on the default branch.
      base="origin/${DEFAULT_BRANCH:-main}"
      git rev-parse --verify -q "$base" >/dev/null || fail "cannot find $base to compare a new branch with; $shallow_fix"
      before="$base"
    fi
    target+=(--range "$before..$after")
    trusted_rev="$before"
    ;;
  full) target+=(.) ;;
  history)
    [ "$is_shallow" = true ] && fail "$shallow_fix"
    target+=(--history)
    ;;
  *) fail "unknown mode '$mode' (auto, pr, push, full, history)" ;;
esac

# A path limits every scan to files under it (a monorepo's service); each path is its own
# code-scanning category.
scan_path="${INPUT_PATH:-}"
scan_path="${scan_path#./}"
scan_path="${scan_path%/}"
if [ -n "$scan_path" ] && [ "$scan_path" != . ]; then
  [ -e "$scan_path" ] || fail "path '$scan_path' does not exist in the checkout."
  case "$mode" in
    full) target=(scan "$scan_path") ;;
    *) target+=("$scan_path") ;;
  esac
else
  scan_path=""
fi
[ -n "${INPUT_CONFIG:-}" ] && target+=(--config "$INPUT_CONFIG")
case "${INPUT_FAIL_ON:-}" in
  "") ;;
  low|medium|high|critical) target+=(--fail-on "$INPUT_FAIL_ON") ;;
  *) fail "fail-on must be low, medium, high or critical, not '$INPUT_FAIL_ON'." ;;
esac
case "${INPUT_MIN_CONFIDENCE:-}" in
  "") ;;
  low|medium|high) common+=(--min-confidence "$INPUT_MIN_CONFIDENCE") ;;
  *) fail "min-confidence must be low, medium or high, not '$INPUT_MIN_CONFIDENCE'." ;;
esac
[ "${INPUT_VERIFY:-false}" = true ] && common+=(--verify)
target+=("${common[@]}")
[ -n "${INPUT_BASELINE:-}" ] && target+=(--baseline "$INPUT_BASELINE")
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
fi
sarif="${INPUT_SARIF_FILE:-keywarden.sarif}"
# One category for pull requests, pushes and tree scans of the same path: GitHub compares a pull
# request's analysis with the default branch's analysis of the same category, so they must
# match for alerts to show as new or fixed. History scans are their own category.
category="${INPUT_CATEGORY:-}"
if [ -z "$category" ]; then
  case "$mode" in
    history) category="keywarden-history" ;;
    *) category="keywarden" ;;
  esac
  [ -n "$scan_path" ] && category="$category/$scan_path"
fi
annotations=$(mktemp)
json_report="${RUNNER_TEMP:-/tmp}/keywarden.json"
summary="${GITHUB_STEP_SUMMARY:-$(mktemp)}"
summary_part="${RUNNER_TEMP:-/tmp}/keywarden-summary.md"

# Code scanning compares states: a push uploads the state of its branch, a pull request the
# state of its merge commit (the checkout of a pull_request event), both under the category
# above. An alert is then "new" when the pull request adds the secret and "fixed" only when it
# is really gone. The range still decides pass or fail and the annotations.
tree_sarif=false
case "$mode" in
  pr|push) tree_sarif=true ;;
esac
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
  # The change must not loosen its own code-scanning results either: the config and baseline
  # come from the trusted side (the base of the range), as they do for the range scan.
  tree_cfg=()
  cfg_path="${INPUT_CONFIG:-.keywarden.yaml}"
  if [ "${cfg_path#/}" != "$cfg_path" ]; then
    tree_cfg=(--config "$cfg_path")
  else
    base_cfg="${RUNNER_TEMP:-/tmp}/keywarden-base-config.yaml"
    if git show "$trusted_rev:${cfg_path#./}" > "$base_cfg" 2>/dev/null; then
      tree_cfg=(--config "$base_cfg")
    elif [ -n "${INPUT_CONFIG:-}" ]; then
      fail "config '$INPUT_CONFIG' is not in the base commit $trusted_rev."
    else
      tree_cfg=(--no-config)
    fi
  fi
  if [ -n "${INPUT_BASELINE:-}" ]; then
    if [ "${INPUT_BASELINE#/}" != "$INPUT_BASELINE" ]; then
      tree_cfg+=(--baseline "$INPUT_BASELINE")
    else
      base_bl="${RUNNER_TEMP:-/tmp}/keywarden-base-baseline.json"
      git show "$trusted_rev:${INPUT_BASELINE#./}" > "$base_bl" 2>/dev/null && tree_cfg+=(--baseline "$base_bl")
    fi
  fi
  echo "keywarden scan ${scan_path:-.} (the state of the checkout, for code scanning)"
  keywarden scan "${scan_path:-.}" "${tree_cfg[@]}" "${common[@]}" "${extra[@]}" --quiet --format sarif --output "$sarif" --sarif-category "$category" || [ $? -eq 1 ] || exit 2
fi
{
  echo "findings=$count"
  echo "sarif-file=$sarif"
  echo "json-file=$json_report"
  echo "summary-file=$summary_part"
  echo "category=$category"
} >> "${GITHUB_OUTPUT:-/dev/null}"

if [ "$code" -eq 1 ] && [ "${INPUT_FAIL_ON_FINDINGS:-true}" = true ]; then
  echo "::error title=keywarden::$count secret(s) found; rotate them (see the checklist above)."
  exit 1
fi
exit 0
