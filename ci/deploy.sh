#!/usr/bin/env bash
# Copies a built image and its xl config to a Xen host and starts it there:
#   ci/deploy.sh build/NAME/NAME.xen build/NAME/NAME.cfg [user@]HOST [REMOTE_DIR]
# The host needs sshd, root (or sudo rights for xl) and the xl toolstack.
# DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail

image=${1:?usage: ci/deploy.sh IMAGE CFG HOST [REMOTE_DIR]}
cfg=${2:?usage: ci/deploy.sh IMAGE CFG HOST [REMOTE_DIR]}
host=${3:?usage: ci/deploy.sh IMAGE CFG HOST [REMOTE_DIR]}
dir=${4:-/var/lib/ukrt}

for f in "$image" "$cfg"; do
    [ -f "$f" ] || { echo "deploy: $f does not exist (run make image APP=... first)" >&2; exit 1; }
done
name=$(basename "$image" .xen)
remote_image="$dir/$name.xen"
remote_cfg="$dir/$name.cfg"

# The config names the kernel by its local path; point it at the copy.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed "s|^kernel = .*|kernel = \"$remote_image\"|" "$cfg" > "$tmp"

run() {
    if [ -n "${DRY_RUN:-}" ]; then printf '%q ' "$@"; echo; else "$@"; fi
}
run ssh -o BatchMode=yes -o ConnectTimeout=10 "$host" "mkdir -p '$dir'"
run scp -o BatchMode=yes -o ConnectTimeout=10 "$image" "$host:$remote_image"
run scp -o BatchMode=yes -o ConnectTimeout=10 "$tmp" "$host:$remote_cfg"
# A domain of the same name would make xl create fail: say so plainly.
run ssh -o BatchMode=yes -o ConnectTimeout=10 "$host" \
    "if xl list '$name' >/dev/null 2>&1; then echo 'deploy: a domain named $name already runs on $host (xl destroy $name first)' >&2; exit 1; fi; xl create '$remote_cfg' && xl list '$name'"
