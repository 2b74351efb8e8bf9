//! The `rampart` command line: reads inputs, runs the engines, prints reports.

mod cli;
mod commands;
mod input;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("rampart: error: {error:#}");
            cli::Exit::Usage.into()
        }
    }
}
