# The kubecgroups node agent ("kubectl-cgroups agent"): the static
# binary alone, run as nobody. internal/e2e/agent/build-image.sh builds
# the same image without a container engine (one layer: /kubectl-cgroups).
#
#   docker build -t ghcr.io/kubecgroups/kubecgroups-agent:VERSION .
#   kubectl-cgroups agent manifests --image ghcr.io/kubecgroups/kubecgroups-agent:VERSION | kubectl apply -f -
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /kubectl-cgroups ./cmd/kubectl-cgroups

FROM scratch
COPY --from=build /kubectl-cgroups /kubectl-cgroups
USER 65534:65534
ENTRYPOINT ["/kubectl-cgroups"]
CMD ["agent"]
