#!/usr/bin/env bash
# Sourced by scripts/test (or run alone): installs what the third-party client
# checks need and checks the contract with buf.
#
#  - a Python venv at ${XDG_CACHE_HOME:-$HOME/.cache}/kerjasama/venv with the
#    pinned packages of tests/clients/requirements.txt (grpcio, grpcio-tools,
#    grpcio-status, googleapis-common-protos, sonora, pyarrow, polars, duckdb);
#  - `npm ci` in tests/clients/node (buf, @grpc/grpc-js, @grpc/proto-loader,
#    protobufjs, as pinned by its package-lock.json);
#  - `buf lint` (buf.yaml) and `buf breaking` against proto/releases/v1.binpb,
#    the v1 contract that released clients were generated from.
#
# Both installs are skipped when a stamp (the SHA-256 of the requirements or
# lock file and of the interpreter) says they are current. Needs Python >= 3.11
# with venv and pip, and Node >= 20 with npm.
#
# Exports, for tests/product/clients.rs:
#   KERJASAMA_CLIENTS_PYTHON  the venv's python
#   KERJASAMA_CLIENTS_NODE    node
#   KERJASAMA_S3_PYTHON       the python of a second venv (tests/clients/s3-requirements.txt)
#                             whose moto server is the S3 store the archive is tested against
#
# After a deliberate, compatible change of the contract (new fields, RPCs, enum
# values), refresh the baseline so later changes are checked against it:
#   tests/clients/node/node_modules/.bin/buf build --exclude-source-info -o proto/releases/v1.binpb

# Sourced, it leaves the shell's options alone and returns non-zero on failure
# (so `set -e` in scripts/test stops there); run, it exits non-zero.

kerjasama_clients_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

kerjasama_clients_install() {
    local root="$kerjasama_clients_root"
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/kerjasama"
    local venv="$cache/venv"
    local s3_venv="$cache/s3-venv"
    local node_dir="$root/tests/clients/node"
    local requirements="$root/tests/clients/requirements.txt"

    if ! command -v python3 >/dev/null 2>&1 \
        || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "scripts/clients.sh: the client checks need Python >= 3.11 (python3) with venv and pip." >&2
        return 1
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 \
        || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
        echo "scripts/clients.sh: the client checks need Node >= 20 with npm (node, npm)." >&2
        return 1
    fi

    mkdir -p "$cache" || return 1
    (
        # One install at a time on this machine (the venv is shared by every clone).
        exec 9>"$cache/clients.lock" || exit 1
        if ! flock -w 900 9; then
            echo "scripts/clients.sh: waited 15 minutes for $cache/clients.lock" >&2
            exit 1
        fi

        python_id="$(python3 -c 'import sys; print(sys.executable, sys.version)')" || exit 1
        # install_venv VENV REQUIREMENTS: (re)creates VENV with the pinned
        # REQUIREMENTS unless its stamp says it is current.
        install_venv() {
            local venv="$1" requirements="$2" venv_stamp
            venv_stamp="$( (sha256sum <"$requirements" && echo "$python_id") | sha256sum | cut -d' ' -f1)"
            [ "$(cat "$venv/.kerjasama-stamp" 2>/dev/null)" = "$venv_stamp" ] && return 0
            echo "scripts/clients.sh: installing the Python packages of $requirements into $venv ..." >&2
            if ! python3 -m venv --clear "$venv"; then
                if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
                    echo "scripts/clients.sh: installing Debian's python3-venv ..." >&2
                    DEBIAN_FRONTEND=noninteractive apt-get update -qq \
                        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
                        && python3 -m venv --clear "$venv" || return 1
                else
                    echo "scripts/clients.sh: 'python3 -m venv' failed; install python3-venv." >&2
                    return 1
                fi
            fi
            if ! timeout 900 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
                --no-input --timeout 60 -r "$requirements"; then
                echo "scripts/clients.sh: pip install -r $requirements failed." >&2
                return 1
            fi
            echo "$venv_stamp" >"$venv/.kerjasama-stamp"
        }
        install_venv "$venv" "$requirements" || exit 1
        install_venv "$s3_venv" "$root/tests/clients/s3-requirements.txt" || exit 1

        node_stamp="$( (sha256sum <"$node_dir/package-lock.json" && node --version) | sha256sum | cut -d' ' -f1)"
        if [ "$(cat "$node_dir/node_modules/.kerjasama-stamp" 2>/dev/null)" != "$node_stamp" ]; then
            echo "scripts/clients.sh: npm ci in tests/clients/node ..." >&2
            # No install scripts: buf's only links its binary package, which
            # node_modules/.bin/buf finds without it.
            if ! (cd "$node_dir" && timeout 600 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2); then
                echo "scripts/clients.sh: npm ci in $node_dir failed." >&2
                exit 1
            fi
            echo "$node_stamp" >"$node_dir/node_modules/.kerjasama-stamp" || exit 1
        fi
    ) || return 1

    export KERJASAMA_CLIENTS_PYTHON="$venv/bin/python"
    export KERJASAMA_S3_PYTHON="$s3_venv/bin/python"
    KERJASAMA_CLIENTS_NODE="$(command -v node)"
    export KERJASAMA_CLIENTS_NODE
}

kerjasama_clients_buf() {
    local root="$kerjasama_clients_root"
    local buf="$root/tests/clients/node/node_modules/.bin/buf"
    (
        cd "$root" || exit 1
        if ! timeout 120 "$buf" lint; then
            echo "scripts/clients.sh: buf lint failed (rules: buf.yaml)." >&2
            exit 1
        fi
        if ! timeout 120 "$buf" breaking --against proto/releases/v1.binpb; then
            echo "scripts/clients.sh: buf breaking: the change above breaks clients built from the v1 contract (proto/releases/v1.binpb)." >&2
            exit 1
        fi
        echo "buf lint and buf breaking (against proto/releases/v1.binpb): ok" >&2
    )
}

if ! kerjasama_clients_install || ! kerjasama_clients_buf; then
    # `return` when sourced, `exit` when run.
    return 1 2>/dev/null || exit 1
fi
