//! `rampart completions SHELL` and `rampart man`: generated from the command-line
//! definition itself, so they always match the binary.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, Exit, ManArgs};

pub fn completions(args: &CompletionsArgs) -> Result<Exit> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "rampart", &mut out);
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(&out).and_then(|()| stdout.flush());
    super::report_written(written.map_err(Into::into))?;
    Ok(Exit::Clean)
}

pub fn man(args: &ManArgs) -> Result<Exit> {
    let command = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("writing manual pages to {}", dir.display()))?;
            println!("wrote the manual pages to {}", dir.display());
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command).render(&mut out)?;
            let mut stdout = std::io::stdout().lock();
            let written = stdout.write_all(&out).and_then(|()| stdout.flush());
            super::report_written(written.map_err(Into::into))?;
        }
    }
    Ok(Exit::Clean)
}
