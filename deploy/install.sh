#!/usr/bin/env bash
# Installs DevServer on this host from a publish bundle (./build.sh publish), as systemd services:
#   <prefix>/                         the programs (replaced as a whole on every install: an upgrade)
#   <root>/usr/local/bin/devserver    the CLI
#   <root>/etc/systemd/system/        devserver.target, devserver-orchestrator.service, devserver-verifier.service,
#                                     devserver-sidecar@.service (replaced on every install; local changes go into
#                                     drop-ins: systemctl edit <unit>)
#   <root>/etc/devserver/*.env        the settings, from systemd/env/ (never overwritten once they exist)
# and the system user devserver. Running it again with the same bundle changes nothing; with a newer bundle it
# upgrades the programs and units and keeps the settings. It starts nothing: it prints what to run.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: install.sh [--prefix DIR] [--root DIR]
  --prefix DIR  where the programs go; the units and the devserver command name this path (default <root>/opt/devserver)
  --root DIR    the filesystem root that receives etc/ and usr/local/bin/ (default /; another one stages an
                installation, e.g. to inspect or test it: no user is created and systemd is not told)
EOF
}

bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root=/
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --root) [ $# -ge 2 ] || { usage >&2; exit 2; }; root="$2"; shift 2 ;;
    --root=*) root="${1#--root=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

root="$(realpath -m "$root")"
[ -n "$prefix" ] || prefix="${root%/}/opt/devserver"
case "$prefix" in
  /*) prefix="$(realpath -m "$prefix")" ;;
  *) echo "install.sh: --prefix must be an absolute path, not '$prefix'." >&2; exit 2 ;;
esac
# The prefix is written into unit files and a shell script: keep it to characters that need no quoting in either.
if [[ ! "$prefix" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
  echo "install.sh: --prefix '$prefix' may only contain letters, digits and / . _ + -" >&2
  exit 2
fi
if [ "$prefix" = / ] || [ "$prefix" = "$root" ]; then
  echo "install.sh: --prefix '$prefix' would replace the whole of $prefix; choose a folder of its own." >&2
  exit 2
fi

system_install=0
if [ "$root" = / ]; then
  system_install=1
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: installing into / needs root (it writes /etc/systemd/system and creates the user devserver): sudo $0 $*" >&2
    exit 1
  fi
fi

if [ ! -x "$bundle/bin/devserver-orchestrator" ] || [ ! -d "$bundle/systemd/env" ]; then
  echo "install.sh: $bundle is not a complete bundle (bin/devserver-orchestrator, systemd/env/); make one with ./build.sh publish." >&2
  exit 1
fi

note() { printf '  %s\n' "$*"; }
echo "Installing DevServer $(cat "$bundle/version" 2>/dev/null || echo '(unknown version)') from $bundle"

# --- the system user ---------------------------------------------------------------------------------------------
# One user for every service: the orchestrator writes the worker token into /var/lib/devserver, and the workers of
# this host read it there. Its home is inside the state directory the units create (the agent CLIs' logins).
if [ $system_install -eq 1 ] && ! getent passwd devserver >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/devserver/home --no-create-home \
    --shell /usr/sbin/nologin --comment "DevServer services" devserver
  note "created the system user devserver"
fi

# --- the programs --------------------------------------------------------------------------------------------------
# Copied beside the prefix and swapped in, so that a failed copy leaves the installed version whole. Running
# services keep the files they have open until they are restarted.
if [ "$(realpath "$bundle")" = "$prefix" ]; then
  note "programs: already in $prefix (installing from the installed bundle)"
else
  mkdir -p "$(dirname "$prefix")"
  rm -rf "$prefix.new" "$prefix.old"
  cp -R "$bundle" "$prefix.new"
  chmod -R u+rwX,go+rX,go-w "$prefix.new"
  if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
  mv "$prefix.new" "$prefix"
  rm -rf "$prefix.old"
  note "programs: $prefix"
fi

# --- the devserver command ---------------------------------------------------------------------------------------
# A wrapper rather than a link: it also names this installation's programs, so that `devserver demo` and
# `devserver up` work here too (outside the services, in a data directory of their own).
bin_dir="$root/usr/local/bin"
mkdir -p "$bin_dir"
cat >"$bin_dir/devserver.new" <<EOF
#!/bin/sh
# The devserver command of the DevServer installed in $prefix (written by its install.sh; replaced on the next).
: "\${DEVSERVER_ORCHESTRATOR:=$prefix/orchestrator/DevServer.Orchestrator}"
: "\${DEVSERVER_VERIFIER:=$prefix/verifier/DevServer.Verifier}"
: "\${DEVSERVER_SCRIPT_SIDECAR:=$prefix/script/DevServer.Vendors.Script}"
: "\${DEVSERVER_CLAUDE_SIDECAR:=$prefix/claude/DevServer.Vendors.Claude}"
: "\${DEVSERVER_GLM_SIDECAR:=$prefix/glm/DevServer.Vendors.Glm}"
: "\${DEVSERVER_GEMINI_SIDECAR:=$prefix/gemini/DevServer.Vendors.Gemini}"
: "\${DEVSERVER_CODEX_SIDECAR:=$prefix/codex/DevServer.Vendors.Codex}"
export DEVSERVER_ORCHESTRATOR DEVSERVER_VERIFIER DEVSERVER_SCRIPT_SIDECAR DEVSERVER_CLAUDE_SIDECAR DEVSERVER_GLM_SIDECAR DEVSERVER_GEMINI_SIDECAR DEVSERVER_CODEX_SIDECAR
exec $prefix/cli/devserver "\$@"
EOF
chmod 0755 "$bin_dir/devserver.new"
mv "$bin_dir/devserver.new" "$bin_dir/devserver"
note "command: $bin_dir/devserver"

# --- the units -----------------------------------------------------------------------------------------------------
# Product files, replaced on every install; @PREFIX@ becomes the programs' folder.
unit_dir="$root/etc/systemd/system"
mkdir -p "$unit_dir"
for unit in "$bundle"/systemd/*.service "$bundle"/systemd/*.target; do
  name="$(basename "$unit")"
  sed "s|@PREFIX@|$prefix|g" "$unit" >"$unit_dir/$name.new"
  chmod 0644 "$unit_dir/$name.new"
  mv "$unit_dir/$name.new" "$unit_dir/$name"
done
note "units: $unit_dir/devserver.target, devserver-orchestrator.service, devserver-verifier.service, devserver-sidecar@.service"

# --- the settings ----------------------------------------------------------------------------------------------------
# The operator's files: only missing ones are written. systemd reads them as root before it starts a service, so
# they stay readable by root only (they hold keys and tokens).
config_dir="$root/etc/devserver"
mkdir -p "$config_dir"
chmod 0755 "$config_dir"
kept=()
for template in "$bundle"/systemd/env/*.env; do
  name="$(basename "$template")"
  if [ -e "$config_dir/$name" ]; then
    kept+=("$name")
  else
    install -m 0600 "$template" "$config_dir/$name"
  fi
done
note "settings: $config_dir/ (kept as they were: ${kept[*]:-none})"

# --- what the host still needs -------------------------------------------------------------------------------------
warnings=()
if ! { command -v dotnet >/dev/null && dotnet --list-runtimes 2>/dev/null | grep -q '^Microsoft.AspNetCore.App 10\.'; }; then
  warnings+=("no ASP.NET Core 10 runtime found: install it (Debian/Ubuntu: apt-get install aspnetcore-runtime-10.0) and set DOTNET_ROOT in the env files if it is not in /usr/share/dotnet")
fi
if ! command -v pg_ctl >/dev/null && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  warnings+=("no PostgreSQL server binaries: install them for the embedded database (apt-get install postgresql; create_main_cluster = false in /etc/postgresql-common/createcluster.conf first avoids an unused system cluster) or set Orchestrator__Database__ConnectionString")
fi
if ! command -v bwrap >/dev/null && grep -qs '^Verifier__Sandbox__Mode=Bubblewrap' "$config_dir/verifier.env"; then
  warnings+=("verifier.env asks for the bubblewrap sandbox but bwrap is missing: apt-get install bubblewrap")
fi
for tool in git setsid; do
  command -v "$tool" >/dev/null || warnings+=("$tool is missing (the workers run it)")
done

# --- systemd ---------------------------------------------------------------------------------------------------------
if [ $system_install -eq 1 ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  note "systemd: reloaded"
elif [ $system_install -eq 1 ]; then
  note "systemd: not running here; run 'systemctl daemon-reload' where it does"
fi

for warning in "${warnings[@]}"; do echo "warning: $warning" >&2; done

data=/var/lib/devserver
cat <<EOF

Next steps:
  1. Settings: $config_dir/orchestrator.env (listen address, ports, database), worker.env (all workers),
     verifier.env (the sandbox) and sidecar-<vendor>.env (the script sidecar needs Script__Command there;
     agent sidecars their API key or a login as the devserver user).
  2. Start:   systemctl enable --now devserver.target devserver-sidecar@script
              (more vendors: systemctl enable --now devserver-sidecar@claude ...)
  3. Check:   systemctl status 'devserver*'; journalctl -u devserver-orchestrator -f
  4. Use:     sudo devserver task list   (as root the CLI reads the admin token $data/admin.token;
              others: --token, \$DEVSERVER_TOKEN, or sudo -u devserver devserver --data $data ...)
  5. Dashboard: http://127.0.0.1:5181/ (the WebPort), log in with the content of $data/admin.token;
              from other machines after setting Orchestrator__Endpoints__ListenAddress (see $prefix/README.md).
EOF
