//! Loading every object of a file, for commands that look across objects (Pod Security
//! with Namespace labels, PodSecurityPolicy with RBAC, NetworkPolicy).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{NotAnObject, ObjectRef, objects, validate};
use crate::artefact::{DocumentKind, FileKind};
use crate::field_path::FieldPath;
use crate::source::{InputError, Limits, Pos, PosNode, parse};

/// An object taken out of its document.
#[derive(Debug, Clone)]
pub struct LoadedObject {
    /// 0-based index of its document in the file.
    pub document: usize,
    /// Its identity.
    pub id: ObjectRef,
    /// Where it sits in its document (`items[2]` in a List).
    pub base: FieldPath,
    /// The object.
    pub value: Value,
}

/// Every object of a file, and the problems met reading it.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Objects in file order.
    pub objects: Vec<LoadedObject>,
    /// Unreadable documents and malformed objects.
    pub errors: Vec<InputError>,
    positions: BTreeMap<usize, PosNode>,
}

impl Loaded {
    /// The position of `path` (from the object's root) in the file: the field's, or its
    /// nearest existing ancestor's.
    pub fn locate(&self, object: &LoadedObject, path: &FieldPath) -> Pos {
        self.positions
            .get(&object.document)
            .map(|tree| tree.locate(&object.base.join(path)).pos)
            .unwrap_or_default()
    }
}

/// Parses a file and takes out its objects (Lists expanded, foreign YAML skipped, and
/// so are Docker documents: Compose files, `docker inspect` output, daemon.json). An
/// object the API server would refuse (see [`validate`]) is an error instead.
pub fn load(bytes: &[u8], limits: &Limits) -> Loaded {
    let parsed = parse(bytes, limits);
    let mut loaded = Loaded {
        errors: parsed.errors,
        ..Loaded::default()
    };
    for document in parsed.documents {
        if DocumentKind::of(FileKind::Documents, &document.value) != DocumentKind::Kubernetes {
            continue;
        }
        match objects(&document.value) {
            Ok(found) => {
                for object in found {
                    // An object the API server would refuse is an error, not an object.
                    if let Err(invalid) = validate(&object.id, object.value) {
                        let pos = document.positions.locate(&object.base.join(&invalid.path));
                        loaded
                            .errors
                            .push(InputError::new(pos.pos, invalid.message));
                        continue;
                    }
                    loaded.objects.push(LoadedObject {
                        document: document.index,
                        id: object.id,
                        base: object.base,
                        value: object.value.clone(),
                    });
                }
            }
            Err(NotAnObject::Foreign) => {}
            Err(NotAnObject::Malformed { path, message }) => {
                let pos = document.positions.locate(&path).pos;
                loaded.errors.push(InputError::new(pos, message));
            }
        }
        loaded.positions.insert(document.index, document.positions);
    }
    loaded
}
