//! PodSecurityPolicy object validation, as the API server applies it (§9).

use std::collections::BTreeSet;

use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError, go_quote};
use crate::psp::strategies::{apparmor, seccomp, volumes::FS_TYPES};
use crate::psp::types::{
    ALLOW_ALL, AllowedCsiDriver, AllowedHostPath, IdRange, IdStrategyOptions, PodSecurityPolicy,
    PodSecurityPolicySpec, RuntimeClassStrategyOptions, rule,
};

const DNS1123_SUBDOMAIN_MAX: usize = 253;
const DNS1123_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const SYSCTL_MAX_LENGTH: usize = 253;
const SYSCTL_PATTERN: &str =
    "([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]";
const CSI_DRIVER_NAME_MAX: usize = 63;

/// Validates a policy object like the API server; an empty list means valid.
/// Errors are in upstream order (metadata, annotations, spec).
pub fn validate_policy(policy: &PodSecurityPolicy) -> Vec<FieldError> {
    let mut policy = policy.clone();
    policy.apply_defaults();
    let mut errors = validate_metadata(&policy);
    errors.extend(validate_annotations(&policy));
    errors.extend(validate_spec(&policy.spec));
    errors
}

fn validate_metadata(policy: &PodSecurityPolicy) -> Vec<FieldError> {
    let meta = FieldPath::root().child("metadata");
    let mut errors = Vec::new();
    let name = policy.metadata.name.as_deref().unwrap_or_default();
    let generate_name = policy.metadata.generate_name.as_deref().unwrap_or_default();
    if name.is_empty() && generate_name.is_empty() {
        errors.push(FieldError::required(
            meta.child("name"),
            "name or generateName is required",
        ));
    } else if !name.is_empty() {
        for message in dns1123_subdomain_errors(name) {
            errors.push(FieldError::invalid(
                meta.child("name"),
                BadValue::str(name),
                message,
            ));
        }
    }
    if policy
        .metadata
        .namespace
        .as_deref()
        .is_some_and(|ns| !ns.is_empty())
    {
        errors.push(FieldError::forbidden(
            meta.child("namespace"),
            "not allowed on this type",
        ));
    }
    errors
}

/// Messages of Go's `IsDNS1123Subdomain`.
fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut messages = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        messages.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        !bytes.is_empty()
            && bytes.first().is_some_and(alnum)
            && bytes.last().is_some_and(alnum)
            && bytes.iter().all(|b| alnum(b) || *b == b'-')
    };
    if !value.split('.').all(label_ok) {
        messages.push(DNS1123_SUBDOMAIN_MESSAGE.to_string());
    }
    messages
}

fn validate_annotations(policy: &PodSecurityPolicy) -> Vec<FieldError> {
    let base = FieldPath::fields(&["metadata", "annotations"]);
    let mut errors = Vec::new();
    let non_empty = |key: &str| policy.annotation(key).filter(|v| !v.is_empty());
    if let Some(profile) = non_empty(apparmor::DEFAULT_PROFILE_ANNOTATION)
        && let Some(message) = apparmor_profile_error(profile)
    {
        errors.push(FieldError::invalid(
            base.key(apparmor::DEFAULT_PROFILE_ANNOTATION),
            BadValue::str(profile),
            message,
        ));
    }
    if let Some(allowed) = non_empty(apparmor::ALLOWED_PROFILES_ANNOTATION) {
        for message in allowed.split(',').filter_map(apparmor_profile_error) {
            errors.push(FieldError::invalid(
                base.key(apparmor::ALLOWED_PROFILES_ANNOTATION),
                BadValue::str(allowed),
                message,
            ));
        }
    }
    if let Some(profile) = non_empty(seccomp::DEFAULT_PROFILE_ANNOTATION) {
        errors.extend(seccomp_profile_errors(
            profile,
            &base.key(seccomp::DEFAULT_PROFILE_ANNOTATION),
        ));
    }
    if let Some(allowed) = non_empty(seccomp::ALLOWED_PROFILES_ANNOTATION) {
        let path = base.key(seccomp::ALLOWED_PROFILES_ANNOTATION);
        for profile in allowed.split(',').filter(|p| *p != ALLOW_ALL) {
            errors.extend(seccomp_profile_errors(profile, &path));
        }
    }
    errors
}

fn apparmor_profile_error(profile: &str) -> Option<String> {
    let valid = matches!(profile, "" | "runtime/default" | "unconfined")
        || profile.starts_with("localhost/");
    (!valid).then(|| format!("invalid AppArmor profile name: {}", go_quote(profile)))
}

fn seccomp_profile_errors(profile: &str, path: &FieldPath) -> Vec<FieldError> {
    if matches!(profile, "runtime/default" | "docker/default" | "unconfined") {
        return Vec::new();
    }
    let Some(local) = profile.strip_prefix("localhost/") else {
        return vec![FieldError::invalid(
            path.clone(),
            BadValue::str(profile),
            "must be a valid seccomp profile",
        )];
    };
    let mut errors = Vec::new();
    if local.starts_with('/') {
        errors.push(FieldError::invalid(
            path.clone(),
            BadValue::str(local),
            "must be a relative path",
        ));
    }
    if has_backstep(local) {
        errors.push(FieldError::invalid(
            path.clone(),
            BadValue::str(local),
            "must not contain '..'",
        ));
    }
    errors
}

fn has_backstep(path: &str) -> bool {
    path.split('/').any(|segment| segment == "..")
}

fn validate_spec(spec: &PodSecurityPolicySpec) -> Vec<FieldError> {
    let base = FieldPath::root().child("spec");
    let mut errors = Vec::new();
    errors.extend(validate_rule(
        &base.child("runAsUser"),
        &spec.run_as_user,
        &[
            rule::MUST_RUN_AS,
            rule::MUST_RUN_AS_NON_ROOT,
            rule::RUN_AS_ANY,
        ],
    ));
    if let Some(run_as_group) = &spec.run_as_group {
        errors.extend(validate_run_as_group(
            &base.child("runAsGroup"),
            run_as_group,
        ));
    }
    let se_linux_rules = [rule::MUST_RUN_AS, rule::RUN_AS_ANY];
    if !se_linux_rules.contains(&spec.se_linux.rule.as_str()) {
        errors.push(FieldError::not_supported(
            base.child("seLinux").child("rule"),
            BadValue::str(spec.se_linux.rule.as_str()),
            &se_linux_rules,
        ));
    }
    let group_rules = [rule::MAY_RUN_AS, rule::MUST_RUN_AS, rule::RUN_AS_ANY];
    errors.extend(validate_rule(
        &base.child("supplementalGroups"),
        &spec.supplemental_groups,
        &group_rules,
    ));
    errors.extend(validate_rule(
        &base.child("fsGroup"),
        &spec.fs_group,
        &group_rules,
    ));
    errors.extend(validate_volumes(&base, &spec.volumes));
    errors.extend(validate_capabilities(spec));
    if spec.default_allow_privilege_escalation == Some(true)
        && spec.allow_privilege_escalation == Some(false)
    {
        errors.push(FieldError::invalid(
            base.child("defaultAllowPrivilegeEscalation"),
            BadValue::Bool(true),
            "Cannot set DefaultAllowPrivilegeEscalation to true without also setting AllowPrivilegeEscalation to true",
        ));
    }
    errors.extend(validate_proc_mount_types(
        &base.child("allowedProcMountTypes"),
        &spec.allowed_proc_mount_types,
    ));
    errors.extend(validate_host_paths(
        &base.child("allowedHostPaths"),
        &spec.allowed_host_paths,
    ));
    for (i, flex) in spec.allowed_flex_volumes.iter().enumerate() {
        if flex.driver.is_empty() {
            let path = base.child("allowedFlexVolumes").index(i).child("driver");
            errors.push(FieldError::required(
                path,
                "must specify a driver to use flexVolume",
            ));
        }
    }
    errors.extend(validate_csi_drivers(
        &base.child("allowedCSIDrivers"),
        &spec.allowed_csi_drivers,
    ));
    errors.extend(validate_sysctls(
        &base.child("forbiddenSysctls"),
        &spec.forbidden_sysctls,
    ));
    errors.extend(validate_sysctls(
        &base.child("allowedUnsafeSysctls"),
        &spec.allowed_unsafe_sysctls,
    ));
    errors.extend(validate_sysctl_overlap(
        &base,
        &spec.allowed_unsafe_sysctls,
        &spec.forbidden_sysctls,
    ));
    if let Some(runtime_class) = &spec.runtime_class {
        errors.extend(validate_runtime_class(
            &base.child("runtimeClass"),
            runtime_class,
        ));
    }
    errors
}

fn validate_rule(
    path: &FieldPath,
    options: &IdStrategyOptions,
    supported: &[&str],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !supported.contains(&options.rule.as_str()) {
        errors.push(FieldError::not_supported(
            path.child("rule"),
            BadValue::str(options.rule.as_str()),
            supported,
        ));
    }
    errors.extend(validate_ranges(&path.child("ranges"), &options.ranges));
    errors
}

fn validate_run_as_group(path: &FieldPath, options: &IdStrategyOptions) -> Vec<FieldError> {
    let ranges_value = || {
        BadValue::IdRangeList(Some(
            options.ranges.iter().map(|r| (r.min, r.max)).collect(),
        ))
    };
    match options.rule.as_str() {
        rule::RUN_AS_ANY if !options.ranges.is_empty() => {
            vec![FieldError::invalid(
                path.child("ranges"),
                ranges_value(),
                "Ranges must be empty",
            )]
        }
        rule::RUN_AS_ANY => Vec::new(),
        rule::MUST_RUN_AS | rule::MAY_RUN_AS => {
            let mut errors = Vec::new();
            if options.ranges.is_empty() {
                let value = BadValue::IdRangeList(None);
                errors.push(FieldError::invalid(
                    path.child("ranges"),
                    value,
                    "must provide at least one range",
                ));
            }
            errors.extend(validate_ranges(&path.child("ranges"), &options.ranges));
            errors
        }
        other => vec![FieldError::not_supported(
            path.child("rule"),
            BadValue::str(other),
            &[rule::MUST_RUN_AS, rule::RUN_AS_ANY, rule::MAY_RUN_AS],
        )],
    }
}

fn validate_ranges(path: &FieldPath, ranges: &[IdRange]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, range) in ranges.iter().enumerate() {
        let path = path.index(i);
        if range.min < 0 {
            errors.push(FieldError::invalid(
                path.child("min"),
                BadValue::Int(range.min),
                "min cannot be negative",
            ));
        }
        if range.max < 0 {
            errors.push(FieldError::invalid(
                path.child("max"),
                BadValue::Int(range.max),
                "max cannot be negative",
            ));
        }
        if range.min > range.max {
            errors.push(FieldError::invalid(
                path,
                BadValue::Int(range.min),
                "min cannot be greater than max",
            ));
        }
    }
    errors
}

fn validate_volumes(base: &FieldPath, volumes: &[String]) -> Vec<FieldError> {
    let mut supported: Vec<&str> = FS_TYPES.to_vec();
    supported.push(ALLOW_ALL);
    supported.sort_unstable();
    volumes
        .iter()
        .filter(|v| !supported.contains(&v.as_str()))
        .map(|v| {
            FieldError::not_supported(base.child("volumes"), BadValue::str(v.as_str()), &supported)
        })
        .collect()
}

/// Capability conflicts; upstream reports these paths without the `spec.` prefix.
fn validate_capabilities(spec: &PodSecurityPolicySpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let drops = &spec.required_drop_capabilities;
    if !drops.is_empty() && spec.allowed_capabilities.iter().any(|c| c == ALLOW_ALL) {
        errors.push(FieldError::invalid(
            FieldPath::fields(&["requiredDropCapabilities"]),
            BadValue::CapabilityList(Some(drops.clone())),
            "must be empty when all capabilities are allowed by a wildcard",
        ));
    }
    for (field, list) in [
        ("defaultAddCapabilities", &spec.default_add_capabilities),
        ("allowedCapabilities", &spec.allowed_capabilities),
    ] {
        for cap in list.iter().filter(|cap| drops.contains(cap)) {
            errors.push(FieldError::invalid(
                FieldPath::fields(&[field]),
                BadValue::str(cap.as_str()),
                format!("capability is listed in {field} and requiredDropCapabilities"),
            ));
        }
    }
    errors
}

fn validate_proc_mount_types(path: &FieldPath, types: &[String]) -> Vec<FieldError> {
    let supported = ["Default", "Unmasked"];
    types
        .iter()
        .enumerate()
        .filter(|(_, t)| !supported.contains(&t.as_str()))
        .map(|(i, t)| {
            FieldError::not_supported(path.index(i), BadValue::str(t.as_str()), &supported)
        })
        .collect()
}

fn validate_host_paths(path: &FieldPath, host_paths: &[AllowedHostPath]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, host_path) in host_paths.iter().enumerate() {
        if host_path.path_prefix.is_empty() {
            errors.push(FieldError::required(path.index(i), "is required"));
            break;
        }
        if has_backstep(&host_path.path_prefix) {
            errors.push(FieldError::invalid(
                path.index(i),
                BadValue::str(host_path.path_prefix.as_str()),
                "must not contain '..'",
            ));
        }
    }
    errors
}

fn validate_csi_drivers(path: &FieldPath, drivers: &[AllowedCsiDriver]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, driver) in drivers.iter().enumerate() {
        let path = path.index(i).child("name");
        let name = driver.name.as_str();
        if name.is_empty() {
            errors.push(FieldError::required(path, ""));
            continue;
        }
        if name.len() > CSI_DRIVER_NAME_MAX {
            errors.push(FieldError::too_long(
                path.clone(),
                BadValue::str(name),
                CSI_DRIVER_NAME_MAX,
            ));
        }
        for message in dns1123_subdomain_errors(&name.to_lowercase()) {
            errors.push(FieldError::invalid(
                path.clone(),
                BadValue::str(name),
                message,
            ));
        }
    }
    errors
}

/// Whether `pattern` matches the sysctl pattern grammar (dot/slash separated segments,
/// the last may end in `*`).
fn is_valid_sysctl_pattern(pattern: &str) -> bool {
    if pattern.len() > SYSCTL_MAX_LENGTH {
        return false;
    }
    let segments: Vec<&str> = pattern.split(['.', '/']).collect();
    let Some((last, init)) = segments.split_last() else {
        return false;
    };
    let inner = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let segment_ok = |s: &str| {
        let bytes = s.as_bytes();
        match bytes {
            [] => false,
            [only] => alnum(*only),
            [first, middle @ .., end] => {
                alnum(*first) && alnum(*end) && middle.iter().all(|b| inner(*b))
            }
        }
    };
    let last_ok = |s: &str| {
        let bytes = s.as_bytes();
        match bytes {
            [] => false,
            [only] => alnum(*only) || *only == b'*',
            [first, middle @ .., end] => {
                alnum(*first) && (alnum(*end) || *end == b'*') && middle.iter().all(|b| inner(*b))
            }
        }
    };
    init.iter().all(|s| segment_ok(s)) && last_ok(last)
}

fn validate_sysctls(path: &FieldPath, sysctls: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut covers_all = false;
    for (i, sysctl) in sysctls.iter().enumerate() {
        if sysctl.is_empty() {
            errors.push(FieldError::invalid(
                path.index(i),
                BadValue::str(""),
                "empty sysctl not allowed",
            ));
        } else if !is_valid_sysctl_pattern(sysctl) {
            let detail = format!(
                "must have at most {SYSCTL_MAX_LENGTH} characters and match regex {SYSCTL_PATTERN}"
            );
            errors.push(FieldError::invalid(
                path.index(i),
                BadValue::str(sysctl.as_str()),
                detail,
            ));
        } else if sysctl.starts_with('*') {
            covers_all = true;
        }
    }
    if covers_all && sysctls.len() > 1 {
        errors.push(FieldError::forbidden(
            path.child("items"),
            "if '*' is present, must not specify other sysctls",
        ));
    }
    errors
}

fn validate_sysctl_overlap(
    base: &FieldPath,
    allowed: &[String],
    forbidden: &[String],
) -> Vec<FieldError> {
    let allowed_path = base.child("allowedUnsafeSysctls");
    let forbidden_path = base.child("forbiddenSysctls");
    let mut errors = Vec::new();
    for (i, allow) in allowed.iter().enumerate() {
        let allow_prefix = allow.strip_suffix('*');
        for (j, forbid) in forbidden.iter().enumerate() {
            let forbid_prefix = forbid.strip_suffix('*');
            let blame_allowed = || {
                let detail = format!("sysctl overlaps with {forbid}");
                FieldError::invalid(allowed_path.index(i), BadValue::str(allow.as_str()), detail)
            };
            let blame_forbidden = || {
                let detail = format!("sysctl overlaps with {allow}");
                FieldError::invalid(
                    forbidden_path.index(j),
                    BadValue::str(forbid.as_str()),
                    detail,
                )
            };
            let error = match (allow_prefix, forbid_prefix) {
                (Some(a), Some(f)) if a.starts_with(f) => Some(blame_allowed()),
                (Some(a), Some(f)) if f.starts_with(a) => Some(blame_forbidden()),
                (Some(a), None) if forbid.starts_with(a) => Some(blame_forbidden()),
                (None, Some(f)) if allow.starts_with(f) => Some(blame_allowed()),
                (None, None) if allow == forbid => Some(blame_allowed()),
                _ => None,
            };
            errors.extend(error);
        }
    }
    errors
}

fn validate_runtime_class(
    path: &FieldPath,
    options: &RuntimeClassStrategyOptions,
) -> Vec<FieldError> {
    let list_path = path.child("allowedRuntimeClassNames");
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, name) in options.allowed_runtime_class_names.iter().enumerate() {
        if name != ALLOW_ALL {
            for message in dns1123_subdomain_errors(name) {
                errors.push(FieldError::invalid(
                    list_path.index(i),
                    BadValue::str(name.as_str()),
                    message,
                ));
            }
        }
        if !seen.insert(name.as_str()) {
            errors.push(FieldError::duplicate(
                list_path.index(i),
                BadValue::str(name.as_str()),
            ));
        }
    }
    if let Some(default) = &options.default_runtime_class_name {
        for message in dns1123_subdomain_errors(default) {
            errors.push(FieldError::invalid(
                path.child("defaultRuntimeClassName"),
                BadValue::str(default.as_str()),
                message,
            ));
        }
        if !seen.contains(default.as_str()) && !seen.contains(ALLOW_ALL) {
            let detail = format!(
                "default runtime class {} must be allowed",
                go_quote(default)
            );
            errors.push(FieldError::required(list_path.clone(), detail));
        }
    }
    if seen.contains(ALLOW_ALL) && options.allowed_runtime_class_names.len() > 1 {
        errors.push(FieldError::invalid(
            list_path,
            BadValue::StringList(Some(options.allowed_runtime_class_names.clone())),
            "if '*' is present, must not specify other RuntimeClass names",
        ));
    }
    errors
}
