#!/usr/bin/env bash
# Builds the agent image of the repository's Dockerfile without a
# container engine: the static binary (CGO_ENABLED=0, as the Dockerfile
# builds it) in a one-layer docker-archive (the `docker save` format:
# /kubectl-cgroups, user 65534:65534, entrypoint /kubectl-cgroups agent),
# written reproducibly (sorted entries, owner 0, mtime 0).
#
#   build-image.sh TAG OUT.tar [CONTAINERD_SOCKET]
#
# With CONTAINERD_SOCKET it also imports the image into that containerd's
# k8s.io namespace (ctr images import, $CTR or ctr), where the kubelet
# finds it.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 TAG OUT.tar [CONTAINERD_SOCKET]" >&2; exit 2; }
tag=$1 out=$2 sock=${3:-}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/rootfs"
(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION:-}" -o "$tmp/rootfs/kubecgroups-agent" ./cmd/kubecgroups-agent)
chmod 0755 "$tmp/rootfs/kubecgroups-agent"
(cd "$tmp/rootfs" && tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$tmp/layer.tar" kubecgroups-agent)
layer=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
mkdir "$tmp/img" "$tmp/img/$layer"
mv "$tmp/layer.tar" "$tmp/img/$layer/layer.tar"
printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"User":"65534:65534","Entrypoint":["/kubecgroups-agent"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"internal/e2e/agent/build-image.sh"}]}' \
	"$(go env GOARCH)" "$layer" >"$tmp/config.json"
cfg=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
mv "$tmp/config.json" "$tmp/img/$cfg.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg" "$tag" "$layer" >"$tmp/img/manifest.json"
(cd "$tmp/img" && tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$out.tmp" manifest.json "$cfg.json" "$layer")
mv "$out.tmp" "$out"
echo "build-image: wrote $out ($tag, layer sha256:$layer)"
if [[ -n $sock ]]; then
	"${CTR:-ctr}" --address "$sock" -n k8s.io images import "$out" >/dev/null
	echo "build-image: imported $tag into $sock (k8s.io)"
fi
