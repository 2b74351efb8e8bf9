//! The YAML/JSON reader: any bytes become documents with positions, or errors with
//! positions; never a panic, a hang or unbounded memory.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::FieldPath;
use rampart_core::object::objects;
use rampart_core::source::{Limits, parse};

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data, &Limits::default());
    for error in &parsed.errors {
        assert!(error.pos.line >= 1 && error.pos.column >= 1, "{error:?}");
    }
    for document in &parsed.documents {
        // Every object found has a position, as has a path that is not there.
        if let Ok(found) = objects(&document.value) {
            for object in found {
                let pos = document.positions.locate(&object.base).pos;
                assert!(pos.line >= 1);
                let missing = object.base.join(&FieldPath::fields(&["spec", "nothing"]));
                assert!(document.positions.locate(&missing).pos.line >= 1);
            }
        }
    }
});
