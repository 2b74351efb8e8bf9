//! `admission.k8s.io/v1` AdmissionReview on the wire: the request the API server sends and
//! the response it expects (same `uid`, optional JSONPatch, warnings, audit annotations).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::object::RawObject;

/// The only API version the webhook speaks.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// An incoming AdmissionReview.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    /// Must be `admission.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// Must be `AdmissionReview`.
    #[serde(default)]
    pub kind: String,
    /// The request; required.
    pub request: Option<AdmissionRequest>,
}

/// Group, version and kind of the object.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionKind {
    /// API group (empty for core).
    #[serde(default)]
    pub group: String,
    /// API version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// Group, version and resource of the request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionResource {
    /// API group (empty for core).
    #[serde(default)]
    pub group: String,
    /// API version.
    #[serde(default)]
    pub version: String,
    /// Resource, e.g. `pods`.
    #[serde(default)]
    pub resource: String,
}

/// The authenticated requester.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo {
    /// User name.
    #[serde(default)]
    pub username: String,
    /// User UID.
    #[serde(default)]
    pub uid: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extra attributes.
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// The part of an AdmissionReview the webhook reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Identifies this request; echoed in the response.
    pub uid: String,
    /// Kind of the object.
    #[serde(default)]
    pub kind: GroupVersionKind,
    /// Resource of the request.
    #[serde(default)]
    pub resource: GroupVersionResource,
    /// Subresource, e.g. `status` or `ephemeralcontainers`.
    #[serde(default)]
    pub sub_resource: Option<String>,
    /// Object name (may be empty with `generateName`).
    #[serde(default)]
    pub name: Option<String>,
    /// Namespace of the request.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// The requester.
    #[serde(default)]
    pub user_info: UserInfo,
    /// The new object (CREATE, UPDATE), kept as text with its fields located: the
    /// engine decodes it into the type its kind calls for.
    #[serde(default)]
    pub object: Option<RawObject>,
    /// The stored object (UPDATE, DELETE), kept like `object`.
    #[serde(default)]
    pub old_object: Option<RawObject>,
    /// Whether this is a dry run.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl AdmissionRequest {
    /// The request's subresource, `None` when empty.
    pub fn subresource(&self) -> Option<&str> {
        self.sub_resource.as_deref().filter(|s| !s.is_empty())
    }

    /// The request's namespace (empty for cluster-scoped objects).
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }
}

/// Why a review body was refused before looking at the request.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Not JSON, or not shaped like an AdmissionReview.
    #[error("malformed AdmissionReview: {0}")]
    Malformed(#[from] serde_json::Error),
    /// An apiVersion or kind other than `admission.k8s.io/v1` `AdmissionReview`.
    #[error(
        "unsupported AdmissionReview: apiVersion {0:?}, kind {1:?} (want admission.k8s.io/v1 AdmissionReview)"
    )]
    Unsupported(String, String),
    /// No `request`, or an empty `uid`.
    #[error("malformed AdmissionReview: {0}")]
    Missing(&'static str),
}

/// Parses and checks a review body.
pub fn parse(body: &[u8]) -> Result<AdmissionRequest, ReviewError> {
    let review: AdmissionReview = serde_json::from_slice(body)?;
    if review.api_version != API_VERSION || review.kind != "AdmissionReview" {
        return Err(ReviewError::Unsupported(review.api_version, review.kind));
    }
    let request = review
        .request
        .ok_or(ReviewError::Missing("request is required"))?;
    if request.uid.is_empty() {
        return Err(ReviewError::Missing("request.uid is required"));
    }
    Ok(request)
}

/// A Kubernetes `Status` carried by a denial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Always empty.
    pub metadata: BTreeMap<String, String>,
    /// `Failure`.
    pub status: &'static str,
    /// The message the user sees (after the API server's webhook prefix).
    pub message: String,
    /// `Forbidden`, `BadRequest`, `InternalError`.
    pub reason: &'static str,
    /// HTTP-style code: 403, 400, 500.
    pub code: u16,
}

impl Status {
    /// A failure status.
    pub fn failure(code: u16, reason: &'static str, message: String) -> Self {
        Self {
            metadata: BTreeMap::new(),
            status: "Failure",
            message,
            reason,
            code,
        }
    }
}

/// The response part of an AdmissionReview.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// The request's uid.
    pub uid: String,
    /// The verdict.
    pub allowed: bool,
    /// Why not (present when denied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Base64 of the JSONPatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// `JSONPatch` when a patch is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Warnings shown to the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Audit annotations (the API server prefixes the webhook name).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
}

impl AdmissionResponse {
    /// An allowing response for `uid`.
    pub fn allow(uid: String) -> Self {
        Self {
            uid,
            allowed: true,
            status: None,
            patch: None,
            patch_type: None,
            warnings: Vec::new(),
            audit_annotations: BTreeMap::new(),
        }
    }

    /// Sets the JSONPatch (skipped when empty).
    pub fn set_patch(&mut self, patch: &json_patch::Patch) -> Result<(), serde_json::Error> {
        if patch.0.is_empty() {
            return Ok(());
        }
        let bytes = serde_json::to_vec(patch)?;
        self.patch = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        self.patch_type = Some("JSONPatch");
        Ok(())
    }

    /// Wraps the response in an AdmissionReview.
    pub fn into_review(self) -> ReviewResponse {
        ReviewResponse {
            api_version: API_VERSION,
            kind: "AdmissionReview",
            response: self,
        }
    }
}

/// An outgoing AdmissionReview.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    /// `admission.k8s.io/v1`.
    pub api_version: &'static str,
    /// `AdmissionReview`.
    pub kind: &'static str,
    /// The response.
    pub response: AdmissionResponse,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_are_checked() {
        let ok = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}"#;
        assert_eq!(parse(ok).expect("valid").uid, "u");
        let v1beta1 = br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}"#;
        assert!(matches!(parse(v1beta1), Err(ReviewError::Unsupported(..))));
        assert!(matches!(parse(b"{"), Err(ReviewError::Malformed(_))));
        let no_request = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
        assert!(matches!(parse(no_request), Err(ReviewError::Missing(_))));
        let not_an_object = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":5}}"#;
        let error = parse(not_an_object).expect_err("object 5").to_string();
        assert!(error.contains("expected a JSON object"), "{error}");
    }

    #[test]
    fn a_patch_is_base64_json_patch() {
        let mut response = AdmissionResponse::allow("u".into());
        let patch: json_patch::Patch =
            serde_json::from_str(r#"[{"op":"add","path":"/a","value":1}]"#).expect("patch");
        response.set_patch(&patch).expect("encode");
        let json = serde_json::to_value(response.into_review()).expect("json");
        assert_eq!(json["response"]["patchType"], "JSONPatch");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(json["response"]["patch"].as_str().expect("patch"))
            .expect("base64");
        assert_eq!(decoded, br#"[{"op":"add","path":"/a","value":1}]"#);
    }
}
