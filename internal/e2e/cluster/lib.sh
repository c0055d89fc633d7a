# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings for the one-node cluster rig (install.sh, up.sh, down.sh).
# Sourced, never executed. Builds on the live-node rig's lib.sh: the same
# work directory, binaries, images and run/ layout, plus the cluster's own
# files under $W/cluster.

# shellcheck source-path=SCRIPTDIR source=../rig/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

CLUSTER_RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Pinned versions (k8s ones come from the node rig's lib.sh).
ETCD_VERSION=v3.7.3

# The k8s.io/kubernetes commands the cluster needs (built by the node rig's
# install.sh through KCG_E2E_K8S_CMDS).
CLUSTER_K8S_CMDS="kubelet kube-apiserver kubectl"
ETCD_BIN=$BIN_DIR/etcd
APISERVER_BIN=$BIN_DIR/kube-apiserver
KUBECTL_BIN=$BIN_DIR/kubectl

# The node as the API server sees it. The kubelet refuses a loopback node IP
# and the API server refuses to proxy to one, so the node gets a
# non-loopback address on the private network namespace's own lo.
CLUSTER_NODE_NAME=localhost
NODE_ADDR=10.77.0.1
APISERVER_PORT=6443
APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
ETCD_CLIENT_URL=http://127.0.0.1:2379
ETCD_PEER_URL=http://127.0.0.1:2380
SERVICE_CIDR=10.96.0.0/24
# The pod network (up.sh): a bridge inside the rig's network namespace,
# Debian's CNI plugins (containernetworking-plugins), host-local leases.
POD_NETWORK=kcg-pods
POD_BRIDGE=kcg0
POD_CIDR=10.244.0.0/24
CNI_PLUGIN_SRC=/usr/lib/cni
CNI_PLUGINS="bridge host-local loopback portmap"
# libcni's result cache (not configurable through containerd); up.sh
# records whether it existed, down.sh removes this network's entries.
CNI_CACHE_DIR=/var/lib/cni
# Namespace the plugin creates its snapshot pods in ("rbac --snapshot-pods" creates it).
SNAPSHOT_NS=kubecgroups
# The RBAC the plugin prints (kubectl cgroups rbac [--snapshot-pods]
# [--node-proxy]), exactly: the golden files its test checks the output
# against. The agents' namespace of the default output.
RBAC_DIR=$(cd "$CLUSTER_RIG_DIR/../../../testdata/golden/rbac" && pwd)
AGENT_NS=kubecgroups-system

# Cluster layout: per-"up" files, all wiped by down.sh.
CLUSTER_DIR=$W/cluster
PKI_DIR=$CLUSTER_DIR/pki
KUBECONFIG_DIR=$CLUSTER_DIR/kubeconfig
ETCD_DATA=$CLUSTER_DIR/etcd
CLUSTER_STATE=$W/cluster.state # every PID up.sh started (rig.state has the node rig's subset)
CLUSTER_ENV=$W/cluster.env     # KEY=VALUE lines for the Go test
NETNS_EXEC=$CLUSTER_DIR/netns-exec

# Where the node rig keeps the kernel tunables it saves (see rig/up.sh).
SYSCTL_SAVE=$W/sysctl.orig

# The node rig's die() calls log(); cluster messages get their own prefix.
log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
