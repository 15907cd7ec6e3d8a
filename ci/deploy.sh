#!/usr/bin/env bash
# Copies a built image and its xl config to a Xen host and starts it there:
#   ci/deploy.sh build/NAME/NAME.xen build/NAME/NAME.cfg [user@]HOST [REMOTE_DIR]
#   ci/deploy.sh --cfg CONFIG [user@]HOST [REMOTE_DIR]
# The second form deploys a config the user edited, as it is (after
# `xen-config check`), with the image its `kernel` line names; the domain
# is named by its `name` line.
# The host needs sshd, root (or sudo rights for xl) and the xl toolstack.
# DRY_RUN=1 prints the commands, and the config that would be sent, instead
# of running them.
set -euo pipefail
XEN_CONFIG="$(cd "$(dirname "$0")/.." && pwd)/target/release/xen-config"
usage="usage: ci/deploy.sh IMAGE CFG HOST [REMOTE_DIR] | ci/deploy.sh --cfg CFG HOST [REMOTE_DIR]"

if [ "${1:-}" = --cfg ]; then
    cfg=${2:?$usage}
    host=${3:?$usage}
    dir=${4:-/var/lib/ukrt}
    [ -f "$cfg" ] || { echo "deploy: $cfg does not exist" >&2; exit 1; }
    "$XEN_CONFIG" check "$cfg" >/dev/null || { echo "deploy: $cfg has errors (above); nothing was sent" >&2; exit 1; }
    kernel=$("$XEN_CONFIG" get "$cfg" kernel)
    name=$("$XEN_CONFIG" get "$cfg" name)
    # As xl does: the path as given, else next to the config.
    if [ -f "$kernel" ]; then image=$kernel; else image=$(dirname "$cfg")/$kernel; fi
else
    image=${1:?$usage}
    cfg=${2:?$usage}
    host=${3:?$usage}
    dir=${4:-/var/lib/ukrt}
    for f in "$image" "$cfg"; do
        [ -f "$f" ] || { echo "deploy: $f does not exist (run make image APP=... first)" >&2; exit 1; }
    done
    name=$(basename "$image" .xen)
fi
remote_image="$dir/$name.xen"
remote_cfg="$dir/$name.cfg"

# The config names the kernel by its local path; point it at the copy.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed "s|^kernel *= .*|kernel = \"$remote_image\"|" "$cfg" > "$tmp"

run() {
    if [ -n "${DRY_RUN:-}" ]; then printf '%q ' "$@"; echo; else "$@"; fi
}
if [ -n "${DRY_RUN:-}" ]; then
    echo "deploy: $image as $remote_image, with this config as $remote_cfg:"
    cat "$tmp"
fi
run ssh -o BatchMode=yes -o ConnectTimeout=10 "$host" "mkdir -p '$dir'"
run scp -o BatchMode=yes -o ConnectTimeout=10 "$image" "$host:$remote_image"
run scp -o BatchMode=yes -o ConnectTimeout=10 "$tmp" "$host:$remote_cfg"
# A domain of the same name would make xl create fail: say so plainly.
run ssh -o BatchMode=yes -o ConnectTimeout=10 "$host" \
    "if xl list '$name' >/dev/null 2>&1; then echo 'deploy: a domain named $name already runs on $host (xl destroy $name first)' >&2; exit 1; fi; xl create '$remote_cfg' && xl list '$name'"
