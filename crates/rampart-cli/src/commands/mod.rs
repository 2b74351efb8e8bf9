//! One module per command.

mod certs;
mod cluster;
mod db;
mod docker;
mod explain;
mod fix;
mod generate;
mod image;
mod migrate;
mod netpol;
pub(crate) mod psp;
mod pss;
mod rules;
mod scan;
mod serve;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, Exit};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    if !matches!(cli.command, Command::Serve(_)) {
        without_huge_pages();
    }
    match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Docker(args) => docker::run(&args),
        Command::Cluster(args) => cluster::run(&args),
        Command::Pss(args) => match &args.command {
            Some(crate::cli::PssCommand::Migrate(migrate)) => migrate::run(migrate),
            None => pss::run(&args),
        },
        Command::Psp(args) => psp::run(&args),
        Command::Netpol(command) => netpol::run(&command),
        Command::Explain(args) => explain::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Certs(args) => certs::run(&args),
        Command::Image(args) => image::run(&args),
        Command::Db(command) => db::run(&command),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
    }
}

/// Batch commands run without transparent huge pages: mimalloc asks for them, and for a
/// run of a few seconds they only add 20–40 MiB of peak memory (a scan of 10,908
/// documents peaks at 62–67 MiB without them, 82–107 MiB with them, in the same time).
/// The webhook keeps them: its reviews are faster with cold caches. Best effort.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The end of writing a report. A reader that stopped early (`rampart scan … | head`)
/// closed the pipe: the report ends there, quietly, and the run's exit code still gives
/// the verdict. Any other failure is an error.
pub(crate) fn report_written(result: Result<()>) -> Result<()> {
    match result {
        Err(error) if reader_went_away(&error) => Ok(()),
        other => other.context("writing the report"),
    }
}

fn reader_went_away(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether standard output gets colour: `--color`, else a terminal without `NO_COLOR`
/// (or any output with `CLICOLOR_FORCE`).
pub(crate) fn color_stdout() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stdout()),
        anstream::ColorChoice::Never
    )
}

/// Where a report goes: a file, or standard output; and whether it gets colour (a file
/// only with `--color always`).
pub(crate) fn output(path: Option<&std::path::Path>) -> Result<(Box<dyn std::io::Write>, bool)> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let color = anstream::ColorChoice::global() == anstream::ColorChoice::Always;
            Ok((Box::new(std::io::BufWriter::new(file)), color))
        }
        None => {
            let color = color_stdout();
            Ok((
                Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                color,
            ))
        }
    }
}

/// When every output of a run is a file, the run's one-line summary (written by
/// `summary`) goes to standard error with the files' names: the log still tells.
pub(crate) fn summary_when_only_files<F>(
    targets: &[(F, Option<std::path::PathBuf>)],
    summary: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> Result<()> {
    let files: Vec<String> = targets
        .iter()
        .filter_map(|(_, path)| path.as_ref().map(|p| p.display().to_string()))
        .collect();
    if files.len() == targets.len() {
        let mut line = Vec::new();
        summary(&mut line)?;
        let line = String::from_utf8_lossy(&line);
        eprintln!(
            "rampart: {}; report in {}",
            line.trim_end(),
            files.join(", ")
        );
    }
    Ok(())
}

/// Input problems of a run, each with the file it is in.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub Vec<(String, rampart_core::source::InputError)>);

impl Problems {
    /// Adds a problem of `file`.
    pub fn push(&mut self, file: &str, error: rampart_core::source::InputError) {
        self.0.push((file.to_owned(), error));
    }

    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `file:line:col: <label>: message` lines.
    pub fn write_text(&self, out: &mut dyn std::io::Write, label: &str) -> std::io::Result<()> {
        for (file, e) in &self.0 {
            writeln!(
                out,
                "{file}:{}:{}: {label}: {}",
                e.pos.line, e.pos.column, e.message
            )?;
        }
        Ok(())
    }

    /// The `errors` array of the JSON reports: `[{file, line, column, message}]`.
    pub fn to_json(&self) -> serde_json::Value {
        self.0
            .iter()
            .map(|(file, e)| serde_json::json!({"file": file, "line": e.pos.line, "column": e.pos.column, "message": e.message}))
            .collect()
    }
}

/// Reads every input (in parallel) into its objects; unreadable inputs and malformed
/// documents become problems with their position.
pub(crate) fn load_inputs(
    paths: &[std::path::PathBuf],
    args: &crate::cli::InputArgs,
) -> (Vec<(String, rampart_core::object::Loaded)>, Problems) {
    use rampart_core::object::{Loaded, load};
    use rampart_core::source::{InputError, Limits, Pos};
    let max_file_size = args.max_file_size;
    let limits = Limits::for_file_size(max_file_size);
    let (inputs, missing) = crate::input::collect(
        paths,
        crate::input::Walk::Manifests,
        &|_| false,
        &args.render_options(),
    );
    let files: Vec<(String, Loaded)> =
        crate::input::map_inputs(&inputs, max_file_size, |name, bytes| match bytes {
            Ok(bytes) => (name, load(&bytes, &limits)),
            Err(error) => {
                let mut loaded = Loaded::default();
                loaded.errors.push(InputError::new(
                    Pos::new(1, 1),
                    format!("cannot read: {error}"),
                ));
                (name, loaded)
            }
        });
    let mut problems = Problems::default();
    for m in missing {
        problems.push(&m.name, InputError::new(Pos::new(1, 1), m.message));
    }
    for (file, loaded) in &files {
        for error in &loaded.errors {
            problems.push(file, error.clone());
        }
    }
    (files, problems)
}
