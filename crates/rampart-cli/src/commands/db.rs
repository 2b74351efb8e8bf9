//! `rampart db info [--db DIR]`: what a vulnerability database directory holds, and how
//! old its data is.

use std::io::Write;

use anyhow::{Context, Result, anyhow};
use rampart_vulndb::{Database, STALE_AFTER_DAYS};
use serde_json::json;

use crate::cli::{DbCommand, DbInfoArgs, Exit, ReportFormat};

pub fn run(command: &DbCommand) -> Result<Exit> {
    match command {
        DbCommand::Info(args) => info(args),
    }
}

/// The database directory: `--db`, else `$RAMPART_DB`, else the user cache directory's.
pub(crate) fn database_dir(db: Option<&std::path::Path>) -> Result<std::path::PathBuf> {
    match db {
        Some(dir) => Ok(dir.to_owned()),
        None => rampart_vulndb::default_dir()
            .ok_or_else(|| anyhow!("no --db DIR, no $RAMPART_DB and no user cache directory")),
    }
}

/// Whole days of the data's age at `now`.
pub(crate) fn age_days(db: &Database, now: jiff::Timestamp) -> Option<i64> {
    db.age(now).map(|age| age.as_hours().div_euclid(24))
}

/// Warns on standard error when the data is stale.
pub(crate) fn warn_if_stale(db: &Database, now: jiff::Timestamp) {
    if db.is_stale(now) {
        eprintln!(
            "rampart: warning: the vulnerability data is more than {STALE_AFTER_DAYS} days old; update {}",
            db.dir.display()
        );
    }
}

fn info(args: &DbInfoArgs) -> Result<Exit> {
    let dir = database_dir(args.db.as_deref())?;
    let db = rampart_vulndb::load(&dir).context("reading the vulnerability database")?;
    // The only clock read: how old the data is now.
    let now = jiff::Timestamp::now();
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        ReportFormat::Text => write_text(&db, now, &mut out),
        ReportFormat::Json => write_json(&db, now, &mut out),
    };
    super::report_written(written.and_then(|()| out.flush().map_err(Into::into)))?;
    warn_if_stale(&db, now);
    Ok(if db.errors.is_empty() {
        Exit::Clean
    } else {
        Exit::Usage
    })
}

fn write_text(db: &Database, now: jiff::Timestamp, out: &mut dyn Write) -> Result<()> {
    let stats = &db.index.stats;
    writeln!(out, "database: {}", db.dir.display())?;
    match &db.index_file {
        Ok(path) => writeln!(
            out,
            "index:    {} ({})",
            path.display(),
            if db.rebuilt {
                "built now"
            } else {
                "up to date"
            }
        )?,
        Err(why) => writeln!(out, "index:    in memory only, not written: {why}")?,
    }
    writeln!(out, "files:    {}", db.files)?;
    writeln!(
        out,
        "records:  {} ({} withdrawn, ignored)",
        stats.records, stats.withdrawn
    )?;
    let width = stats
        .ecosystems
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("ecosystem".len());
    writeln!(out, "\n  {:<width$}  records", "ecosystem")?;
    for (ecosystem, count) in &stats.ecosystems {
        writeln!(out, "  {ecosystem:<width$}  {count:>7}")?;
    }
    if !stats.skipped.is_empty() {
        writeln!(out, "\nskipped:")?;
        for (reason, count) in &stats.skipped {
            writeln!(out, "  {count:>7}  {reason}")?;
        }
    }
    match (&stats.newest_modified, age_days(db, now)) {
        (Some(newest), Some(days)) => writeln!(out, "\nnewest record: {newest} ({days} days old)")?,
        _ => writeln!(
            out,
            "\nnewest record: unknown (no record has a modified date)"
        )?,
    }
    for error in &db.errors {
        writeln!(out, "error: {}: {}", error.path, error.message)?;
    }
    Ok(())
}

fn write_json(db: &Database, now: jiff::Timestamp, out: &mut dyn Write) -> Result<()> {
    let stats = &db.index.stats;
    let report = json!({
        "dir": db.dir,
        "index": {
            "file": db.index_file.as_ref().ok(),
            "rebuilt": db.rebuilt,
            "not_written": db.index_file.as_ref().err(),
        },
        "files": db.files,
        "records": stats.records,
        "withdrawn": stats.withdrawn,
        "ecosystems": stats.ecosystems,
        "skipped": stats.skipped,
        "newest_modified": stats.newest_modified,
        "age_days": age_days(db, now),
        "stale": db.is_stale(now),
        "errors": db.errors,
    });
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)?;
    Ok(())
}
