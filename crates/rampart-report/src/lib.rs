//! rampart report
