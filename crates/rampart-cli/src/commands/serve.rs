//! `rampart serve`: the admission webhook (see the README's "Admission webhook").

use std::time::Duration;

use anyhow::Result;

use crate::cli::{Exit, LogFormat, ServeArgs};

pub fn run(args: &ServeArgs) -> Result<Exit> {
    let format = match args.log_format {
        LogFormat::Json => rampart_server::LogFormat::Json,
        LogFormat::Text => rampart_server::LogFormat::Text,
    };
    rampart_server::init_logging(format, super::color_stdout());
    let mut options = rampart_server::Options::new(
        args.config.clone(),
        args.tls_cert.clone(),
        args.tls_key.clone(),
        args.listen,
    );
    options.reload_interval = Duration::from_secs(args.reload_interval.max(1));
    rampart_server::run_blocking(options)?;
    Ok(Exit::Clean)
}
