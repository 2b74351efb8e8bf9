//! One layer: a tar stream (uncompressed, gzip or zstd) read once, front to back. Only
//! the files the inventory wants are kept in memory, already parsed; everything else
//! is looked at (path, type, mode) and passed over. Both digests are computed on the
//! way: the blob's (the compressed bytes) and the diff id (the uncompressed tar).

use std::io::{self, BufRead, BufReader, Read};

use rampart_core::inventory::{self, ReadFile, Wanted};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder, errors};

use crate::Limits;
use crate::digest::{Hashing, Sha256};

/// What one tar entry of a layer does to the file system.
#[derive(Debug, Clone)]
pub enum Event {
    /// `.wh.NAME`: the path (and everything under it) from earlier layers is gone.
    Whiteout(String),
    /// `.wh..wh..opq` in a directory: its contents from earlier layers are hidden.
    Opaque(String),
    /// An entry that replaces whatever was at its path.
    Entry(Entry),
}

/// One entry of a layer, as far as rampart cares.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path, relative to the root (no leading `/`).
    pub path: String,
    /// Whether it is a directory (a directory merges with an earlier one; anything
    /// else replaces it and what was under it).
    pub directory: bool,
    /// Its permission bits (with set-id and sticky bits), for the file findings.
    pub mode: u32,
    /// What the entry is for the inventory.
    pub content: Content,
}

/// What an entry holds for the inventory.
#[derive(Debug, Clone)]
pub enum Content {
    /// Nothing rampart reads (not wanted, not ELF, a link, a device...).
    Other,
    /// A wanted file, parsed.
    Read(ReadFile),
    /// A wanted file over its size limit.
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// A layer read to its end.
#[derive(Debug, Clone)]
pub struct LayerScan {
    /// `sha256:` of the bytes as stored (compressed).
    pub blob_digest: String,
    /// `sha256:` of the uncompressed tar: the layer's diff id.
    pub diff_id: String,
    /// Bytes as stored.
    pub blob_size: u64,
    /// Bytes uncompressed.
    pub size: u64,
    /// How it was compressed.
    pub compression: Compression,
    /// The entries, in tar order.
    pub events: Vec<Event>,
    /// Entries that were refused (paths leaving the root), each a message.
    pub problems: Vec<String>,
}

/// A layer's compression, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// Tells the compression from the first bytes of a blob.
    pub fn of(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// Why a layer could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LayerError {
    /// The stream is corrupt, truncated or not a tar archive.
    #[error("{0}")]
    Corrupt(String),
    /// The layer unpacks to more than the limits allow.
    #[error("{0}")]
    Bomb(String),
}

/// zstd frames one after another (skippable frames passed over), as one stream.
struct ZstdFrames<R: BufRead> {
    source: R,
    frame: FrameDecoder,
    active: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(mut source: R) -> io::Result<Self> {
        let mut frame = FrameDecoder::new();
        let active = init_frame(&mut frame, &mut source)?;
        Ok(Self {
            source,
            frame,
            active,
        })
    }

    fn source(&self) -> &R {
        &self.source
    }
}

/// Reads the next frame header, skipping skippable frames; `Ok(false)` at the end.
fn init_frame<R: BufRead>(decoder: &mut FrameDecoder, source: &mut R) -> io::Result<bool> {
    loop {
        if source.fill_buf()?.is_empty() {
            return Ok(false);
        }
        match decoder.init(&mut *source) {
            Ok(()) => return Ok(true),
            Err(errors::FrameDecoderError::ReadFrameHeaderError(
                errors::ReadFrameHeaderError::SkipFrame { length, .. },
            )) => {
                io::copy(&mut source.take(u64::from(length)), &mut io::sink())?;
            }
            Err(e) => return Err(zstd_error(e)),
        }
    }
}

fn zstd_error(e: errors::FrameDecoderError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.active || buf.is_empty() {
                return Ok(0);
            }
            if self.frame.can_collect() > 0 {
                return self.frame.read(buf);
            }
            if self.frame.is_finished() {
                self.active = init_frame(&mut self.frame, &mut self.source)?;
                continue;
            }
            self.frame
                .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                .map_err(zstd_error)?;
        }
    }
}

/// The uncompressed stream of a blob, over the hashing reader of its stored bytes.
enum Decoded<R: Read> {
    Plain(Box<BufReader<Hashing<R>>>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<BufReader<Hashing<R>>>>),
    Zstd(Box<ZstdFrames<BufReader<Hashing<R>>>>),
}

impl<R: Read> Decoded<R> {
    fn stored(&self) -> &Hashing<R> {
        match self {
            Self::Plain(r) => r.get_ref(),
            Self::Gzip(r) => r.get_ref().get_ref(),
            Self::Zstd(r) => r.source().get_ref(),
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(r) => r.read(buf),
            Self::Gzip(r) => r.read(buf),
            Self::Zstd(r) => r.read(buf),
        }
    }
}

/// The uncompressed stream with the decompression limits and the diff id's hash.
struct Guarded<R: Read> {
    decoded: Decoded<R>,
    diff: Sha256,
    produced: u64,
    stored: u64,
    limits: Limits,
    exceeded: Option<String>,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.decoded.read(buf)?;
        if !matches!(self.decoded, Decoded::Plain(_)) {
            self.diff.update(&buf[..n]);
        }
        self.produced += n as u64;
        self.stored = self.decoded.stored().count();
        if let Some(why) = self.limits.exceeded(self.produced, self.stored) {
            self.exceeded = Some(why.clone());
            return Err(io::Error::other(why));
        }
        Ok(n)
    }
}

/// Reads a layer blob to its end.
pub fn scan(blob: impl Read, limits: &Limits) -> Result<LayerScan, LayerError> {
    let mut stored = BufReader::with_capacity(64 << 10, Hashing::new(blob));
    let head = stored.fill_buf().map_err(corrupt)?;
    let compression = Compression::of(head);
    let decoded = match compression {
        Compression::None => Decoded::Plain(Box::new(stored)),
        Compression::Gzip => Decoded::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(stored))),
        Compression::Zstd => Decoded::Zstd(Box::new(ZstdFrames::new(stored).map_err(corrupt)?)),
    };
    let mut stream = Guarded {
        decoded,
        diff: Sha256::default(),
        produced: 0,
        stored: 0,
        limits: limits.clone(),
        exceeded: None,
    };
    let read = read_entries(&mut stream)
        // A tar ends with zero blocks and may be padded: the digests cover every byte.
        .and_then(|scan| {
            io::copy(&mut stream, &mut io::sink())
                .map(|_| scan)
                .map_err(|e| format!("after the tar's end: {e}"))
        });
    if let Some(why) = stream.exceeded.take() {
        return Err(LayerError::Bomb(why));
    }
    let (events, problems) = read.map_err(LayerError::Corrupt)?;
    let stored = stream.decoded.stored();
    let blob_digest = stored.digest();
    let blob_size = stored.count();
    let diff_id = match compression {
        Compression::None => blob_digest.clone(),
        _ => stream.diff.digest(),
    };
    Ok(LayerScan {
        blob_digest,
        diff_id,
        blob_size,
        size: stream.produced,
        compression,
        events,
        problems,
    })
}

fn corrupt(e: io::Error) -> LayerError {
    LayerError::Corrupt(e.to_string())
}

/// The entries of the tar, each a step of the file system.
fn read_entries(stream: &mut impl Read) -> Result<(Vec<Event>, Vec<String>), String> {
    let mut archive = tar::Archive::new(stream);
    let mut events = Vec::new();
    let mut problems = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a tar archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("a broken tar entry: {e}"))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match clean(&name) {
            Ok(path) if path.is_empty() => continue,
            Ok(path) => path,
            Err(why) => {
                problems.push(format!("tar entry {name:?}: {why}; passed over"));
                continue;
            }
        };
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
        if base == ".wh..wh..opq" {
            events.push(Event::Opaque(dir.to_owned()));
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let hidden = if dir.is_empty() {
                hidden.to_owned()
            } else {
                format!("{dir}/{hidden}")
            };
            events.push(Event::Whiteout(hidden));
            continue;
        }
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0);
        let directory = kind.is_dir();
        let content = if kind.is_file() {
            let size = entry.size();
            read_content(&path, mode & 0o111 != 0, size, &mut entry)
                .map_err(|e| format!("reading {path}: {e}"))?
        } else {
            Content::Other
        };
        let mode = if kind.is_symlink() || kind.is_hard_link() {
            0
        } else {
            mode
        };
        events.push(Event::Entry(Entry {
            path,
            directory,
            mode,
            content,
        }));
    }
    Ok((events, problems))
}

/// Reads a regular file if the inventory wants it.
fn read_content(
    path: &str,
    executable: bool,
    size: u64,
    file: &mut impl Read,
) -> io::Result<Content> {
    Ok(match inventory::wanted(path, executable, size) {
        Wanted::No => Content::Other,
        Wanted::TooLarge(limit) => Content::TooLarge { size, limit },
        wanted @ (Wanted::Yes | Wanted::IfElf) => {
            let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
            if wanted == Wanted::IfElf {
                file.by_ref().take(4).read_to_end(&mut bytes)?;
                if !inventory::is_elf(&bytes) {
                    return Ok(Content::Other);
                }
            }
            file.take(size).read_to_end(&mut bytes)?;
            match inventory::read(path, &bytes) {
                Some(read) => Content::Read(read),
                None => Content::Other,
            }
        }
    })
}

/// A tar entry's name as a path under the root: `.` and empty parts dropped, `..`
/// resolved. Absolute names and names that climb above the root are refused: no real
/// image builder writes them, and an extractor that honours them writes outside its
/// directory.
pub fn clean(name: &str) -> Result<String, &'static str> {
    if name.starts_with('/') {
        return Err("an absolute path");
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("a path that climbs out of the root (..)");
                }
            }
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(clean("./etc/os-release"), Ok("etc/os-release".into()));
        assert_eq!(clean("a/./b/../c/"), Ok("a/c".into()));
        assert_eq!(clean("./"), Ok(String::new()));
        assert!(clean("/etc/passwd").is_err());
        assert!(clean("../etc/passwd").is_err());
        assert!(clean("a/../../etc").is_err());
    }
}
