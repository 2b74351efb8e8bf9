//! `shutdown_signal` catches a SIGTERM delivered before its future is first polled: the
//! window between a server starting and it awaiting the signal. Its own test binary,
//! because the signal goes to this whole process.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn a_sigterm_before_the_first_poll_stops_instead_of_killing() {
    let stop = rampart_server::shutdown_signal();
    let sent = Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // Without a handler installed by now, the default action has already ended the
    // process and this test binary reports a crash.
    tokio::time::timeout(Duration::from_secs(10), stop)
        .await
        .expect("the SIGTERM sent before polling resolves the shutdown future");
}
