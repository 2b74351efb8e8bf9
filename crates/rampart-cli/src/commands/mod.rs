//! One module per command.

mod certs;
mod pss;
mod rules;
mod scan;
mod serve;

use anyhow::Result;

use crate::cli::{Cli, Command, Exit};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Pss(args) => pss::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Certs(args) => certs::run(&args),
    }
}

/// Where a report goes: a file, or standard output.
pub(crate) fn output(path: Option<&std::path::Path>) -> Result<(Box<dyn std::io::Write>, bool)> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Ok((Box::new(std::io::BufWriter::new(file)), false))
        }
        None => {
            let stdout = anstream::stdout();
            let color = !matches!(stdout.current_choice(), anstream::ColorChoice::Never);
            Ok((
                Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                color,
            ))
        }
    }
}
