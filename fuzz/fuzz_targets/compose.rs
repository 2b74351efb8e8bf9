//! Compose files: anchors, merge keys, `extends`, interpolation, every runtime rule.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{report, scan_run};

fuzz_target!(|data: &[u8]| {
    let (scan, _run) = scan_run("compose.yaml", data);
    report("compose.yaml", scan, data);
});
