# Sourced by scripts/demo and scripts/test: checks and installs what kerjasama
# needs on a fresh Debian machine (the Rust toolchain is expected; the
# PostgreSQL server package is installed if missing), and picks a build folder
# shared across clones so CI does not rebuild the dependencies each time.

set -euo pipefail

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kerjasama/target}"

if ! command -v cargo >/dev/null 2>&1; then
    echo "kerjasama needs the Rust toolchain (cargo); install it with rustup first." >&2
    exit 1
fi

pg_bin_dir() {
    if [ -n "${KERJASAMA_PG_BIN:-}" ]; then echo "$KERJASAMA_PG_BIN"; return; fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
    local initdb
    initdb="$(command -v initdb 2>/dev/null || true)"
    if [ -n "$initdb" ]; then dirname "$initdb"; fi
}

if [ -z "$(pg_bin_dir)" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "kerjasama needs the PostgreSQL server binaries (initdb, pg_ctl)." >&2
        echo "Install them, e.g. 'sudo apt-get install postgresql', or set DATABASE_URL." >&2
        exit 1
    fi
    echo "Installing the PostgreSQL server package (Debian: postgresql)..." >&2
    # kerjasama runs its own cluster: no system-wide one is wanted.
    mkdir -p /etc/postgresql-common
    if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
        echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o Dpkg::Options::=--force-confold postgresql >/dev/null
fi

# PostgreSQL refuses to run as root: kerjasama then runs it as this user.
if [ "$(id -u)" -eq 0 ] && ! id "${KERJASAMA_PG_USER:-postgres}" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh "${KERJASAMA_PG_USER:-postgres}"
fi
