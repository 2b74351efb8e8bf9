#!/usr/bin/env python3
"""Writes a synthetic cluster dump, the shape `kubectl get ... -A -o yaml` gives for RBAC
and workloads, to measure how the run rules scale with the size of a cluster.

    scripts/synthetic-cluster.py NAMESPACES OUT_DIR

Per namespace: a Role, two RoleBindings (one to a ClusterRole that reads secrets, one
to the Role, which allows pods/exec), RoleBindings of the aggregated ClusterRoles
`admin`, `edit` and `view` to a team group and the `default` account, ten
ServiceAccounts (a third without an automounted token) and ten Deployments on two of
them. Cluster-wide: 300 ClusterRoles aggregated into `edit` or `view` (as CRDs add
them; one gives `edit` secrets and pods/exec, as in a real cluster), bindings with
group and user subjects, and the same bindings repeated in a second file.
"""
import os
import sys

namespaces, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)

docs = ["""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secrets-reader}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}"""]
for role in ("admin", "edit", "view"):
    docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: {role}}}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {{rbac.authorization.k8s.io/aggregate-to-{role}: "true"}}
rules: []""")
for c in range(300):
    into, verb = ("edit", "create") if c % 2 else ("view", "watch")
    docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: crd{c}-{into}
  labels: {{rbac.authorization.k8s.io/aggregate-to-{into}: "true", team: t{c % 7}}}
rules:
- {{apiGroups: [g{c}.example.com], resources: [things], verbs: [get, list, {verb}]}}""")
docs.append("""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: edit-core
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}""")
for n in range(namespaces):
    ns = f"ns{n}"
    for role in ("admin", "edit", "view"):
        docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: team-{role}, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects:
- {{kind: Group, name: team{n}-{role}}}
- {{kind: ServiceAccount, name: default, namespace: {ns}}}""")
    docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: pods-exec, namespace: {ns}}}
rules:
- {{apiGroups: [""], resources: [pods/exec], verbs: [create]}}""")
    for b, (kind, role) in enumerate([("ClusterRole", "secrets-reader"), ("Role", "pods-exec")]):
        docs.append(f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: bind{b}, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}
subjects:
- {{kind: ServiceAccount, name: app{b}, namespace: {ns}}}
- {{kind: User, name: dev{n}}}""")
    for w in range(10):
        docs.append(f"""apiVersion: v1
kind: ServiceAccount
metadata: {{name: app{w}, namespace: {ns}}}
automountServiceAccountToken: {str(w % 3 == 0).lower()}""")
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web{w}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: web{w}}}}}
  template:
    metadata: {{labels: {{app: web{w}}}}}
    spec:
      serviceAccountName: app{w % 2}
      containers:
      - {{name: c, image: "nginx:1.25"}}""")
with open(os.path.join(out, "cluster.yaml"), "w") as f:
    f.write("\n---\n".join(docs) + "\n")

cluster_wide = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sa-group-ns5}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secrets-reader}
subjects:
- {kind: Group, name: "system:serviceaccounts:ns5"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: authenticated}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secrets-reader}
subjects:
- {kind: User, name: "system:serviceaccount:ns7:app3"}
- {kind: Group, name: "system:authenticated"}
"""
for name in ("cluster-wide.yaml", "cluster-wide-again.yaml"):
    with open(os.path.join(out, name), "w") as f:
        f.write(cluster_wide)
print(f"{len(docs) + 4} documents in {out}")
