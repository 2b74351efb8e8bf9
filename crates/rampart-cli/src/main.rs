//! The `rampart` command line: reads inputs, runs the engines, prints reports.

mod cli;
mod commands;
mod input;
mod render;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the scanner and the webhook allocate many small strings per document or
/// review, where it is markedly faster than the system allocator under threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli.color.choice().write_global();
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("rampart: error: {error:#}");
            cli::Exit::Usage.into()
        }
    }
}
