#!/usr/bin/env bash
# One entry point for a fresh machine: installs what the project needs (idempotently), builds, and then
#   ./build.sh run    runs the product's main job on the embedded default (no API keys, no external services)
#   ./build.sh test   runs the whole test suite and ends with one line "N passed, M failed"
#   ./build.sh bench [rpc|pipeline|repomap]  runs a benchmark (figures in docs/benchmarks.md, docs/repo-map.md)
#   ./build.sh publish [--output DIR] [--no-build]  writes the deployable bundle (deploy/README.md)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------------
apt_updated=0
apt_install() {
  # Installs Debian packages that are missing; does nothing when all are present.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
  if [ $apt_updated -eq 0 ]; then log "apt-get update"; apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "This project needs '$1' ($2)." >&2; exit 1; }
}

npm_install() {
  # npm ci only when the lock file changed since the last install.
  local dir="$1" stamp="$1/node_modules/.lock-stamp"
  local want; want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "npm ci in ${dir#"$root"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

postgres_server() {
  # The orchestrator's embedded default runs a private PostgreSQL cluster from the machine's server binaries.
  if command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then return 0; fi
  # Only the binaries: Debian would otherwise create and start a system-wide "main" cluster nobody uses.
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p /etc/postgresql-common
    grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
      echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql
}

prerequisites() {
  require dotnet "the .NET 10 SDK"
  require node "Node.js 20 or later"
  require npm "npm"
  # bubblewrap: the verifier's stage sandbox (Verifier:Sandbox:Mode=Bubblewrap), which its tests run for real.
  apt_install git ca-certificates python3 bubblewrap
  postgres_server
  for dir in tests/Interop/node vendors/examples/node-adapter web; do
    [ -f "$root/$dir/package-lock.json" ] && npm_install "$root/$dir"
  done
  return 0
}

browser() {
  # The dashboard's browser tests drive Debian's Chromium through playwright-core and Debian's Firefox ESR through
  # puppeteer-core (WebDriver BiDi); neither library downloads a browser here.
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -x /usr/bin/firefox-esr ] || apt_install firefox-esr
}

build() {
  log "dotnet build"
  dotnet build DevServer.sln -c Release -nologo -clp:ErrorsOnly -v:quiet
}

dashboard() {
  # web/dist, which the orchestrator serves on its web port (`devserver up` prints the address).
  log "web: build the dashboard"
  (cd "$root/web" && npm run --silent build >/dev/null)
}

# --- publish -------------------------------------------------------------------------------------------------
# The deployables of the bundle: <folder in the bundle> <project> <its executable> <its command in bin/>.
publish_programs=(
  "orchestrator orchestrator/DevServer.Orchestrator/DevServer.Orchestrator.csproj DevServer.Orchestrator devserver-orchestrator"
  "verifier verifier/DevServer.Verifier/DevServer.Verifier.csproj DevServer.Verifier devserver-verifier"
  "script vendors/DevServer.Vendors.Script/DevServer.Vendors.Script.csproj DevServer.Vendors.Script devserver-sidecar-script"
  "claude vendors/DevServer.Vendors.Claude/DevServer.Vendors.Claude.csproj DevServer.Vendors.Claude devserver-sidecar-claude"
  "glm vendors/DevServer.Vendors.Glm/DevServer.Vendors.Glm.csproj DevServer.Vendors.Glm devserver-sidecar-glm"
  "gemini vendors/DevServer.Vendors.Gemini/DevServer.Vendors.Gemini.csproj DevServer.Vendors.Gemini devserver-sidecar-gemini"
  "codex vendors/DevServer.Vendors.Codex/DevServer.Vendors.Codex.csproj DevServer.Vendors.Codex devserver-sidecar-codex"
  "cli cli/DevServer.Cli/DevServer.Cli.csproj devserver devserver"
)

publish() {
  # The bundle deploy/install.sh installs: every program framework-dependent (the host needs the ASP.NET Core 10
  # runtime, not the SDK) in a folder of its own, bin/ with one command per program (the units' ExecStart), the
  # dashboard in the orchestrator's wwwroot (Orchestrator:Web:DistPath's default), the units and install.sh.
  # --no-build publishes the Release build already made (dotnet build DevServer.sln -c Release, as CI and
  # ./build.sh test do) instead of building first.
  local output="${ArtifactsPath:-$root/artifacts}/publish/devserver" no_build=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --output) [ $# -ge 2 ] || { echo "--output needs a folder" >&2; exit 2; }; output="$2"; shift 2 ;;
      --output=*) output="${1#--output=}"; shift ;;
      --no-build) no_build=1; shift ;;
      *) echo "usage: ./build.sh publish [--output DIR] [--no-build]" >&2; exit 2 ;;
    esac
  done
  output="$(realpath -m "$output")"
  # The whole folder is replaced: refuse one that holds something else than an earlier bundle.
  if [ -e "$output" ] && [ -n "$(ls -A "$output" 2>/dev/null)" ] && [ ! -f "$output/install.sh" ]; then
    echo "$output exists and is not a DevServer bundle (no install.sh); choose another --output." >&2
    exit 1
  fi

  if [ $no_build -eq 0 ]; then
    prerequisites
    build
  else
    # The machine that made the build is prepared already; only the dashboard's packages are checked. (The tests
    # publish this way while other test projects use the Node packages prerequisites would reinstall on a change.)
    require dotnet "the .NET 10 SDK"
    require node "Node.js 20 or later"
    npm_install "$root/web"
  fi
  dashboard
  # Written beside the target and swapped in at the end: a failed run leaves the previous bundle as it was.
  local staging="$output.partial"
  rm -rf "$staging"
  mkdir -p "$staging/bin"
  local entry folder project executable command
  for entry in "${publish_programs[@]}"; do
    read -r folder project executable command <<<"$entry"
    log "dotnet publish ${project%/*.csproj} -> $folder/"
    # --no-restore: the build restored already; a publish that wanted a package the build did not (a runtime pack
    # for a RID) fails here instead of reaching for the network.
    dotnet publish "$project" -c Release --no-build --no-restore -o "$staging/$folder" -nologo -clp:ErrorsOnly -v:quiet
    [ -x "$staging/$folder/$executable" ] || { echo "publish wrote no $folder/$executable" >&2; exit 1; }
    ln -s "../$folder/$executable" "$staging/bin/$command"
  done
  cp -R "$root/web/dist" "$staging/orchestrator/wwwroot"
  cp "$root/deploy/install.sh" "$staging/install.sh"
  cp -R "$root/deploy/systemd" "$staging/systemd"
  # The README links two documents of the source tree (../docs/delivery.md, ../verifier/README.md): they travel along
  # in docs/, and the bundle's copy links them there, so that every link of an installed README opens.
  mkdir -p "$staging/docs"
  cp "$root/docs/delivery.md" "$staging/docs/delivery.md"
  cp "$root/verifier/README.md" "$staging/docs/verifier.md"
  sed -e 's#](\.\./docs/delivery\.md#](docs/delivery.md#g' -e 's#](\.\./verifier/README\.md#](docs/verifier.md#g' \
    "$root/deploy/README.md" >"$staging/README.md"
  git -C "$root" describe --always --dirty >"$staging/version" 2>/dev/null || echo unknown >"$staging/version"
  rm -rf "$output"
  mv "$staging" "$output"
  log "bundle: $output ($(du -sh "$output" | cut -f1); the host needs the ASP.NET Core 10 runtime; install: sudo $output/install.sh)"
}

# --- verbs ---------------------------------------------------------------------------------------------------
run_tests() {
  local results="$root/artifacts/test-results"
  rm -rf "$results"
  mkdir -p "$results"
  local status=0
  log "dotnet test"
  dotnet test DevServer.sln -c Release --no-build -nologo \
    --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=$?
  # The dashboard: its Vitest suite (JUnit report), then its production build and the first-load size budget.
  log "web: vitest, build, size budget"
  (cd "$root/web" && npx vitest run --reporter=default --reporter=junit --outputFile.junit="$results/web-junit.xml") || status=$?
  local web_build_failed=0
  (cd "$root/web" && npm run --silent build >/dev/null && npm run --silent size) || { status=1; web_build_failed=1; }
  # The dashboard in Chromium and Firefox against the real system (`devserver up` from the build above, serving web/dist).
  log "web: browser tests (Chromium and Firefox against devserver up)"
  (cd "$root/web" && npm run --silent e2e -- --outputFile.junit="$results/web-e2e-junit.xml") || status=$?
  # CI reads one closing line; count from the TRX files every test project wrote, plus the dashboard's JUnit report.
  local passed failed
  passed=$(( $(count_trx passed "$results") + $(count_junit passed "$results/web-junit.xml") + $(count_junit passed "$results/web-e2e-junit.xml") ))
  failed=$(( $(count_trx failed "$results") + $(count_junit failed "$results/web-junit.xml") + $(count_junit failed "$results/web-e2e-junit.xml") + web_build_failed ))
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build failure is a failure
  # The failures once more at the end, where a truncated CI log still shows them.
  if [ "$failed" -ne 0 ]; then failed_tests "$results"; fi
  echo "$passed passed, $failed failed"
  return "$status"
}

count_junit() (
  # passed = tests - failures - errors - skipped, failed = failures + errors, from the <testsuites> totals (0 without a report).
  set +o pipefail
  local totals
  totals=$(grep -o "<testsuites [^>]*" "$2" 2>/dev/null | head -1)
  attribute() { echo "$totals" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  local tests failures errors skipped
  tests=$(attribute tests); failures=$(attribute failures); errors=$(attribute errors); skipped=$(attribute skipped)
  if [ "$1" = passed ]; then echo $(( ${tests:-0} - ${failures:-0} - ${errors:-0} - ${skipped:-0} )); else echo $(( ${failures:-0} + ${errors:-0} )); fi
)

failed_tests() (
  # One line per failed test (TRX and JUnit reports) with the first line of its message.
  set +o pipefail
  echo "Failed tests:"
  for trx in "$1"/*.trx; do
    [ -f "$trx" ] || continue
    python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    message = result.findtext(".//t:Message", default="", namespaces=ns).strip().splitlines()
    print(f"  {result.get('testName')}: {message[0][:300] if message else ''}")
PY
  done
  for junit in "$1"/*.xml; do
    [ -f "$junit" ] || continue
    python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    failure = case.find("failure") if case.find("failure") is not None else case.find("error")
    if failure is not None:
        message = (failure.get("message") or failure.text or "").strip().splitlines()
        print(f"  {case.get('classname')} > {case.get('name')}: {message[0][:300] if message else ''}")
PY
  done
)

count_trx() (
  # Sums one attribute of the <Counters> element over every TRX file (0 when there are none).
  set +o pipefail
  cat "$2"/*.trx 2>/dev/null | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' |
    awk '{ s += $1 } END { print s + 0 }'
)

case "${1:-}" in
  run)
    # The demo: orchestrator (embedded PostgreSQL), a script sidecar and a verifier; one task end to end.
    prerequisites; build; dashboard
    exec dotnet artifacts/bin/DevServer.Cli/release/devserver.dll demo "${@:2}"
    ;;
  test)
    prerequisites; browser; build; run_tests
    ;;
  bench)
    # ./build.sh bench [rpc|pipeline|repomap] [flags]: the gRPC runtime's load benchmark (default), the pipeline's, or the repository map against ctags.
    prerequisites; build
    case "${2:-rpc}" in
      pipeline) exec dotnet run --project tests/Benchmarks/DevServer.Pipeline.Benchmarks -c Release --no-build -- "${@:3}" ;;
      repomap) exec dotnet run --project tests/Benchmarks/DevServer.RepoInsight.Benchmarks -c Release --no-build -- "${@:3}" ;;
      rpc) exec dotnet run --project tests/Benchmarks/DevServer.Benchmarks -c Release --no-build -- "${@:3}" ;;
      *) exec dotnet run --project tests/Benchmarks/DevServer.Benchmarks -c Release --no-build -- "${@:2}" ;;
    esac
    ;;
  publish)
    publish "${@:2}"
    ;;
  *)
    echo "usage: ./build.sh run|test|bench|publish" >&2; exit 2
    ;;
esac
