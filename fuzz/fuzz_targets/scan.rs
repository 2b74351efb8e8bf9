//! The whole per-file scan of Kubernetes manifests and node configuration (kubelet flag
//! files are recognised by content): every rule, Pod Security restricted, the run rules,
//! and the report in every format.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{report, scan_run};

fuzz_target!(|data: &[u8]| {
    let (scan, _run) = scan_run("manifests.yaml", data);
    report("manifests.yaml", scan, data);
});
