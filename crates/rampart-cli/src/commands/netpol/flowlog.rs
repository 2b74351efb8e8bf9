//! Reading flow logs: line by line in bounded memory, the lines of one large file
//! parsed on every core.
//!
//! The first lines are read one at a time until the format is recognised. Zeek TSV and
//! VPC logs carry a header that later lines depend on, so they go on that way. The
//! other formats parse each line on its own: the file is then read in blocks of whole
//! lines, a few at a time, and the blocks are parsed and counted in parallel, each
//! thread into its own observer, merged at the end. Memory stays bounded by the blocks
//! in flight and the distinct flows.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use rampart_core::flows::{FlowParser, Format, Line};
use rampart_core::netpol::{Cluster, Observer};
use rampart_core::source::{InputError, Pos};
use rayon::prelude::*;
use serde::Serialize;

use crate::input::Input;

/// The longest line read; a longer one is an error and skipped.
pub const MAX_LINE: usize = 1 << 20;
/// Bad lines reported per file; the rest are counted.
pub const MAX_ERRORS_PER_FILE: usize = 100;
/// Read buffer per file.
const BUFFER: usize = 256 << 10;
/// The size of a block of lines parsed by one task.
const BLOCK: usize = 4 << 20;

/// What was read from one flow log.
#[derive(Debug, Clone, Serialize)]
pub struct FileRead {
    /// The file as given (`-` for standard input).
    pub file: String,
    /// The format recognised (none when no line was recognised).
    pub format: Option<Format>,
    /// Lines read.
    pub lines: u64,
}

/// One file's flows, counted, and its bad lines.
pub struct FileFlows<'c> {
    pub observer: Observer<'c>,
    pub read: FileRead,
    pub errors: Vec<InputError>,
}

/// Bad lines of a file: the first ones, and how many more.
#[derive(Debug, Default)]
struct BadLines {
    listed: Vec<InputError>,
    more: u64,
}

impl BadLines {
    fn push(&mut self, line: u32, message: String) {
        if self.listed.len() < MAX_ERRORS_PER_FILE {
            self.listed
                .push(InputError::new(Pos::new(line, 1), message));
        } else {
            self.more += 1;
        }
    }

    fn merge(&mut self, other: BadLines) {
        self.listed.extend(other.listed);
        self.more += other.more;
    }

    /// The first [`MAX_ERRORS_PER_FILE`] by line, and a last one counting the rest.
    fn finish(mut self) -> Vec<InputError> {
        self.listed.sort_by_key(|e| e.pos.line);
        if self.listed.len() > MAX_ERRORS_PER_FILE {
            self.more += (self.listed.len() - MAX_ERRORS_PER_FILE) as u64;
            self.listed.truncate(MAX_ERRORS_PER_FILE);
        }
        if self.more > 0 {
            self.listed.push(InputError::new(
                Pos::new(1, 1),
                format!(
                    "{} more bad lines (only the first {MAX_ERRORS_PER_FILE} are listed)",
                    self.more
                ),
            ));
        }
        self.listed
    }
}

/// Parses one line into `observer`.
fn take_line(
    parser: &mut FlowParser,
    observer: &mut Observer<'_>,
    bad: &mut BadLines,
    number: u32,
    bytes: &[u8],
) {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.len() > MAX_LINE {
        bad.push(
            number,
            format!("line longer than {MAX_LINE} bytes: skipped"),
        );
        return;
    }
    let line = match std::str::from_utf8(bytes) {
        Ok(line) => line,
        Err(e) => {
            bad.push(
                number,
                format!("not UTF-8 (at byte {})", e.valid_up_to() + 1),
            );
            return;
        }
    };
    match parser.line(line) {
        Ok(Line::Flow(record)) => observer.record(&record),
        Ok(Line::Skipped(reason)) => observer.skipped(reason),
        Err(message) => bad.push(number, message),
    }
}

/// The reader's buffered bytes (empty at the end), retrying when interrupted.
fn fill(reader: &mut impl BufRead) -> io::Result<&[u8]> {
    while let Err(e) = reader.fill_buf() {
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    reader.fill_buf()
}

/// Reads the next line into `buf` (without its newline), keeping at most
/// [`MAX_LINE`] + 1 bytes of it. `None` at the end.
fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<()>> {
    buf.clear();
    let mut read = 0usize;
    loop {
        let available = fill(reader)?;
        if available.is_empty() {
            return Ok((read > 0).then_some(()));
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        let room = (MAX_LINE + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let consumed = chunk.len() + usize::from(done);
        read += consumed;
        reader.consume(consumed);
        if done {
            return Ok(Some(()));
        }
    }
}

/// A block of whole lines and the number of its first line.
struct Block {
    bytes: Vec<u8>,
    first_line: u32,
}

/// Reads about [`BLOCK`] bytes of whole lines. A line longer than [`MAX_LINE`] at the
/// end of a block is cut off and reported through `too_long`.
fn next_block(
    reader: &mut impl BufRead,
    first_line: u32,
    too_long: &mut BadLines,
) -> io::Result<Option<Block>> {
    let mut bytes: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    loop {
        let available = fill(reader)?;
        if available.is_empty() {
            break;
        }
        if bytes.len() < BLOCK {
            let take = available.len().min(BLOCK - bytes.len());
            bytes.extend_from_slice(&available[..take]);
            reader.consume(take);
            continue;
        }
        // Past the block size: finish the line under way.
        if let Some(at) = memchr::memchr(b'\n', available) {
            bytes.extend_from_slice(&available[..=at]);
            reader.consume(at + 1);
            break;
        }
        let n = available.len();
        bytes.extend_from_slice(available);
        reader.consume(n);
        let line_start = memchr::memrchr(b'\n', &bytes).map_or(0, |at| at + 1);
        if bytes.len() - line_start > MAX_LINE {
            let number = first_line.saturating_add(count_lines(&bytes[..line_start]));
            too_long.push(
                number,
                format!("line longer than {MAX_LINE} bytes: skipped"),
            );
            bytes.truncate(line_start);
            let mut rest = Vec::new();
            next_line(reader, &mut rest)?;
            // The skipped line still counts: the next block starts after it.
            bytes.push(b'\n');
            break;
        }
    }
    Ok((!bytes.is_empty()).then_some(Block { bytes, first_line }))
}

/// The number of lines in `bytes` (a last line without a newline counts).
fn count_lines(bytes: &[u8]) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let last = usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    u32::try_from(newlines + last).unwrap_or(u32::MAX)
}

/// Parses a block's lines.
fn parse_block(format: Format, block: &Block, observer: &mut Observer<'_>, bad: &mut BadLines) {
    let mut parser = FlowParser::with_format(format);
    let mut number = block.first_line;
    let bytes = block.bytes.strip_suffix(b"\n").unwrap_or(&block.bytes);
    for line in bytes.split(|b| *b == b'\n') {
        take_line(&mut parser, observer, bad, number, line);
        number = number.saturating_add(1);
    }
}

/// Formats whose lines parse on their own.
fn stateless(format: Format) -> bool {
    !matches!(format, Format::ZeekTsv | Format::VpcFlowLog)
}

/// Reads one flow log.
pub fn read<'c>(cluster: &'c Cluster, input: &Input) -> FileFlows<'c> {
    let mut streamed = match input {
        Input::Stdin => read_stream(cluster, io::stdin().lock()),
        Input::File(path) => match File::open(path) {
            Ok(file) => read_stream(cluster, BufReader::with_capacity(BUFFER, file)),
            Err(e) => Streamed::failed(cluster, e),
        },
        Input::Rendered(rendered) => read_stream(cluster, rendered.text.as_slice()),
    };
    if let Some(e) = streamed.failure.take() {
        streamed
            .bad
            .listed
            .push(InputError::new(Pos::new(1, 1), format!("cannot read: {e}")));
    }
    FileFlows {
        observer: streamed.observer,
        read: FileRead {
            file: input.display_name(),
            format: streamed.format,
            lines: u64::from(streamed.lines),
        },
        errors: streamed.bad.finish(),
    }
}

/// What reading a stream gave, up to its end or to a read error.
struct Streamed<'c> {
    observer: Observer<'c>,
    bad: BadLines,
    format: Option<Format>,
    lines: u32,
    failure: Option<io::Error>,
}

impl<'c> Streamed<'c> {
    fn failed(cluster: &'c Cluster, e: io::Error) -> Self {
        Self {
            observer: cluster.observer(),
            bad: BadLines::default(),
            format: None,
            lines: 0,
            failure: Some(e),
        }
    }
}

fn read_stream(cluster: &Cluster, mut reader: impl BufRead) -> Streamed<'_> {
    let mut streamed = Streamed {
        observer: cluster.observer(),
        bad: BadLines::default(),
        format: None,
        lines: 0,
        failure: None,
    };
    let mut parser = FlowParser::new();
    let mut buf = Vec::with_capacity(8 << 10);
    // One line at a time until a stateless format is recognised.
    while !parser.format().is_some_and(stateless) {
        match next_line(&mut reader, &mut buf) {
            Ok(Some(())) => {}
            Ok(None) => break,
            Err(e) => {
                streamed.failure = Some(e);
                break;
            }
        }
        streamed.lines = streamed.lines.saturating_add(1);
        take_line(
            &mut parser,
            &mut streamed.observer,
            &mut streamed.bad,
            streamed.lines,
            &buf,
        );
    }
    streamed.format = parser.format();
    let Some(format) = streamed.format.filter(|f| stateless(*f)) else {
        return streamed;
    };
    if streamed.failure.is_some() {
        return streamed;
    }
    // Blocks of lines, a few per core at a time.
    let in_flight = 2 * rayon::current_num_threads().max(1);
    loop {
        let mut blocks = Vec::with_capacity(in_flight);
        while blocks.len() < in_flight {
            match next_block(
                &mut reader,
                streamed.lines.saturating_add(1),
                &mut streamed.bad,
            ) {
                Ok(Some(block)) => {
                    streamed.lines = streamed.lines.saturating_add(count_lines(&block.bytes));
                    blocks.push(block);
                }
                Ok(None) => break,
                Err(e) => {
                    streamed.failure = Some(e);
                    break;
                }
            }
        }
        let done = blocks.len() < in_flight;
        let (counted, bad) = blocks
            .par_iter()
            .fold(
                || (cluster.observer(), BadLines::default()),
                |(mut observer, mut bad), block| {
                    parse_block(format, block, &mut observer, &mut bad);
                    (observer, bad)
                },
            )
            .reduce(
                || (cluster.observer(), BadLines::default()),
                |(mut a, mut a_bad), (b, b_bad)| {
                    a.merge(b);
                    a_bad.merge(b_bad);
                    (a, a_bad)
                },
            );
        streamed.observer.merge(counted);
        streamed.bad.merge(bad);
        if done || streamed.failure.is_some() {
            return streamed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_line_ends_and_number_their_lines() {
        let text = "a\nbb\n\nccc";
        let mut reader = io::Cursor::new(text.as_bytes());
        let mut bad = BadLines::default();
        let block = next_block(&mut reader, 7, &mut bad)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a block"));
        assert_eq!(block.bytes, text.as_bytes());
        assert_eq!(block.first_line, 7);
        assert_eq!(count_lines(&block.bytes), 4);
        assert!(
            next_block(&mut reader, 11, &mut bad)
                .ok()
                .flatten()
                .is_none()
        );
    }

    #[test]
    fn a_line_over_the_limit_is_reported_and_skipped() {
        let mut text = b"ok\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', BLOCK + MAX_LINE + 10));
        text.extend_from_slice(b"\nafter\n");
        let mut reader = BufReader::with_capacity(64 << 10, io::Cursor::new(text));
        let mut bad = BadLines::default();
        let first = next_block(&mut reader, 1, &mut bad)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a block"));
        assert_eq!(
            first.bytes, b"ok\n\n",
            "the long line is cut, its line kept"
        );
        assert_eq!(count_lines(&first.bytes), 2);
        let errors = bad.finish();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pos.line, 2);
        let second = next_block(&mut reader, 3, &mut BadLines::default())
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a block"));
        assert_eq!(second.bytes, b"after\n");
    }

    #[test]
    fn next_line_keeps_a_bounded_prefix() {
        let mut text = vec![b'y'; MAX_LINE + 100];
        text.extend_from_slice(b"\nz");
        let mut reader = io::Cursor::new(text);
        let mut buf = Vec::new();
        assert!(matches!(next_line(&mut reader, &mut buf), Ok(Some(()))));
        assert_eq!(buf.len(), MAX_LINE + 1);
        assert!(matches!(next_line(&mut reader, &mut buf), Ok(Some(()))));
        assert_eq!(buf, b"z");
        assert!(matches!(next_line(&mut reader, &mut buf), Ok(None)));
    }
}
