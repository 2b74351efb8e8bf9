//! daemon.json and `docker inspect` output.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{report, scan_run};

fuzz_target!(|data: &[u8]| {
    for name in ["daemon.json", "inspect.json"] {
        let (scan, _run) = scan_run(name, data);
        report(name, scan, data);
    }
});
