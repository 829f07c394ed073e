#!/usr/bin/env bash
# Checks that the runtime image (deploy/Dockerfile) installs everything the binaries need: every
# shared library they load (ldd, less the Swift runtime the image links statically) and every tool
# they run (the /usr/bin paths in Sources), mapped to Debian packages with dpkg, must come from the
# image's RUNTIME_PACKAGES, their dependencies, or debian:bookworm-slim's required packages.
# Usage: scripts/image-check.sh [BIN_DIR]   (default: the debug build's bin directory)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${1:-$(swift build --show-bin-path)}
listed=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' deploy/Dockerfile)
[[ -n "$listed" ]] || { echo "image-check: no ARG RUNTIME_PACKAGES=\"…\" in deploy/Dockerfile" >&2; exit 1; }

# What the slim base image holds (Priority: required), and what the listed packages pull in.
provided=$( { dpkg-query -W -f='${Package} ${Priority}\n' | awk '$2 == "required" {print $1}'
              # shellcheck disable=SC2086
              apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
                  $listed 2>/dev/null | grep -v '^ ' | grep -v '^<' ; } | sed 's/:.*//' | sort -u)

needed=()
for binary in API Worker Scheduler queuectl; do
    [[ -x "$BIN/$binary" ]] || { echo "image-check: $BIN/$binary is missing; build first" >&2; exit 1; }
    while read -r path; do
        needed+=("$path")
    done < <(ldd "$BIN/$binary" | awk '$2 == "=>" {print $3}' \
                 | grep -Ev '/lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)[^/]*\.so' || true)
done
while read -r tool; do
    needed+=("$tool")
done < <(grep -rhoE '"/usr/bin/[a-z0-9]+"' Sources | tr -d '"' | sort -u)

missing=()
for path in $(printf '%s\n' "${needed[@]}" | sort -u); do
    real=$(readlink -f "$path")
    package=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
    package=${package%%:*}
    if [[ -z "$package" ]]; then
        missing+=("$path (no Debian package provides it here)")
    elif ! grep -qx "$package" <<<"$provided"; then
        missing+=("$path (package $package)")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "image-check: the runtime image lacks what the binaries load or run:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
fi
echo "image-check: every library and tool of the binaries is in the runtime image (${#needed[@]} checked)" >&2
