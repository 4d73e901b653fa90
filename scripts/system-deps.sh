#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks drive for real:
# chromium (browser tests), poppler-utils (pdftotext/pdftoppm read PDFs back), wrk (bench),
# redis-server (the Celery-worker test starts one when REDIS_URL is unset), prometheus and
# promtool (PromQL SLIs, status rules, generated rules), prometheus-alertmanager (the
# Alertmanager receiver is tested against a real Alertmanager).
# Only what is missing is installed; nothing happens when everything is present.
set -euo pipefail

declare -A package_for=(
  [chromium]=chromium
  [pdftotext]=poppler-utils
  [pdftoppm]=poppler-utils
  [redis-server]=redis-server
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
)
[ "${1:-}" = "--bench" ] && package_for[wrk]=wrk

missing=()
for command in "${!package_for[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${package_for[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  # Not fatal: the tests that drive these tools skip with a reason when they are missing.
  echo "system-deps: WARNING: missing Debian packages: $packages" >&2
  echo "system-deps: as root run: apt-get update && apt-get install -y $packages" >&2
  exit 0
fi
echo "system-deps: installing $packages"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
