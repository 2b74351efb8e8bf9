//! The RBAC authorizer's matching rules, exactly (`rbac/v1` helpers upstream):
//! `verbs`, `apiGroups`, `resources` (with `res/sub`, `*/sub` and `*`) and
//! `resourceNames` (empty means every name; a non-empty list never matches a request
//! without a name, such as `list` or `create`).

use k8s_openapi::api::rbac::v1::PolicyRule;

/// The wildcard RBAC accepts in `verbs`, `apiGroups` and `resources`.
pub const WILDCARD: &str = "*";

/// One API request as RBAC sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRequest<'a> {
    /// The verb: `get`, `create`, `use`, `impersonate`...
    pub verb: &'a str,
    /// The API group (`""` for the core group).
    pub group: &'a str,
    /// The resource, e.g. `pods`.
    pub resource: &'a str,
    /// The subresource, e.g. `exec` (empty for none).
    pub subresource: &'a str,
    /// The object's name, when the request names one.
    pub name: Option<&'a str>,
}

/// The fields of a policy rule that decide a resource request, borrowed from a typed
/// [`PolicyRule`] or read leniently from a manifest.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleFields<'a> {
    /// `verbs`.
    pub verbs: &'a [String],
    /// `apiGroups`.
    pub api_groups: &'a [String],
    /// `resources`.
    pub resources: &'a [String],
    /// `resourceNames`.
    pub resource_names: &'a [String],
}

impl<'a> RuleFields<'a> {
    /// The fields of a typed rule.
    pub fn of(rule: &'a PolicyRule) -> Self {
        Self {
            verbs: &rule.verbs,
            api_groups: rule.api_groups.as_deref().unwrap_or_default(),
            resources: rule.resources.as_deref().unwrap_or_default(),
            resource_names: rule.resource_names.as_deref().unwrap_or_default(),
        }
    }

    /// True when the rule grants `request` (for the name it carries).
    pub fn grants(&self, request: &ResourceRequest<'_>) -> bool {
        self.grants_any_name(request)
            && (self.resource_names.is_empty()
                || request
                    .name
                    .is_some_and(|name| self.resource_names.iter().any(|n| n == name)))
    }

    /// True when the rule grants `request` for at least one name: like
    /// [`grants`](Self::grants) with `resourceNames` ignored.
    pub fn grants_any_name(&self, request: &ResourceRequest<'_>) -> bool {
        self.verb_matches(request.verb)
            && self.group_matches(request.group)
            && self.resource_matches(request.resource, request.subresource)
    }

    /// True when `resourceNames` narrows the rule to some objects.
    pub fn is_narrowed(&self) -> bool {
        !self.resource_names.is_empty()
    }

    fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == WILDCARD || v == verb)
    }

    fn group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == WILDCARD || g == group)
    }

    fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        self.resources.iter().any(|r| {
            if r == WILDCARD {
                return true;
            }
            if subresource.is_empty() {
                return r == resource;
            }
            // `res/sub` or `*/sub`; a literal `res/*` is not a wildcard for RBAC.
            r.split_once('/').is_some_and(|(res, sub)| {
                sub == subresource && (res == resource || res == WILDCARD)
            })
        })
    }

    /// True when the rule grants every verb on every resource of every API group, for
    /// every object (`*` in `verbs`, `apiGroups` and `resources`, no `resourceNames`):
    /// what cluster-admin's first rule grants.
    pub fn grants_everything(&self) -> bool {
        [self.verbs, self.api_groups, self.resources]
            .iter()
            .all(|list| list.iter().any(|v| v == WILDCARD))
            && !self.is_narrowed()
    }

    /// True when a `verbs`, `apiGroups` or `resources` entry is the wildcard.
    pub fn has_wildcard(&self) -> bool {
        [self.verbs, self.api_groups, self.resources]
            .iter()
            .any(|list| list.iter().any(|v| v == WILDCARD))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn request<'a>(verb: &'a str, resource: &'a str, sub: &'a str) -> ResourceRequest<'a> {
        ResourceRequest {
            verb,
            group: "",
            resource,
            subresource: sub,
            name: None,
        }
    }

    #[test]
    fn subresources_wildcards_and_names() {
        let (verbs, groups) = (strings(&["get", "create"]), strings(&[""]));
        let check = |resources: &[&str], names: &[&str], req: ResourceRequest<'_>| {
            let (resources, names) = (strings(resources), strings(names));
            RuleFields {
                verbs: &verbs,
                api_groups: &groups,
                resources: &resources,
                resource_names: &names,
            }
            .grants(&req)
        };
        assert!(check(
            &["pods/exec"],
            &[],
            request("create", "pods", "exec")
        ));
        assert!(check(&["*/exec"], &[], request("create", "pods", "exec")));
        assert!(check(&["*"], &[], request("create", "pods", "exec")));
        assert!(!check(&["pods/*"], &[], request("create", "pods", "exec")));
        assert!(!check(&["pods"], &[], request("create", "pods", "exec")));
        assert!(!check(&["pods/exec"], &[], request("create", "pods", "")));
        assert!(!check(&["pods"], &[], request("delete", "pods", "")));
        assert!(!check(&["secrets"], &["a"], request("get", "secrets", "")));
        let named = ResourceRequest {
            name: Some("a"),
            ..request("get", "secrets", "")
        };
        assert!(check(&["secrets"], &["a"], named));
        let resources = strings(&["secrets"]);
        let names = strings(&["a"]);
        let rule = RuleFields {
            verbs: &verbs,
            api_groups: &groups,
            resources: &resources,
            resource_names: &names,
        };
        assert!(rule.grants_any_name(&request("get", "secrets", "")));
        assert!(rule.is_narrowed());
    }
}
