//! Dockerfiles: parsing, every Dockerfile rule, and the run rule that matches images to
//! the Dockerfiles that build them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{report, scan_run};

fuzz_target!(|data: &[u8]| {
    let (scan, _run) = scan_run("api/Dockerfile", data);
    report("api/Dockerfile", scan, data);
});
