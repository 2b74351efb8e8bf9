//! Text to documents with positions: multi-document YAML and JSON.
//!
//! Every document keeps a [`PosNode`] tree so that any [`FieldPath`](crate::FieldPath)
//! maps back to `line:column`. Scalars are read the way `kubectl` reads them (YAML 1.1
//! booleans such as `yes`/`on`, `0644` as octal); see the README for the differences.

pub(crate) mod edit;
mod flat;
mod limits;
mod lines;
mod position;
mod split;
mod tree;

pub use flat::FlatPositions;
pub(crate) use flat::Shape;
pub use limits::Limits;
pub(crate) use lines::LineIndex;
pub use position::{Located, Pos, PosNode, Span};
pub use tree::PosChildren;

use serde_json::Value;

/// One parsed YAML or JSON document.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index among the non-empty documents of the file.
    pub index: usize,
    /// The document as JSON.
    pub value: Value,
    /// Where each field of `value` is in the file.
    pub positions: PosNode,
}

/// Input that could not be read, with its position when one is known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    /// Where the problem is (line 1, column 1 for file-level problems).
    pub pos: Pos,
    /// What is wrong, in plain words.
    pub message: String,
}

impl InputError {
    /// An error at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }
}

/// `line:column: message`.
impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.pos.line, self.pos.column, self.message)
    }
}

impl std::error::Error for InputError {}

/// The documents of one file and the problems met while reading it.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Documents read successfully, in file order.
    pub documents: Vec<Document>,
    /// Documents (or the whole file) that could not be read.
    pub errors: Vec<InputError>,
}

/// Parses a file's bytes into documents. Problems become [`InputError`]s; the documents
/// around a broken one are still returned.
pub fn parse(bytes: &[u8], limits: &Limits) -> Parsed {
    read_documents(bytes, limits).collect()
}

/// Parses text into documents (see [`parse`]).
pub fn parse_text(text: &str, limits: &Limits) -> Parsed {
    text_documents(text, limits).collect()
}

impl FromIterator<Result<Document, InputError>> for Parsed {
    fn from_iter<I: IntoIterator<Item = Result<Document, InputError>>>(read: I) -> Self {
        let mut parsed = Self::default();
        for item in read {
            match item {
                Ok(document) => parsed.documents.push(document),
                Err(error) => parsed.errors.push(error),
            }
        }
        parsed
    }
}

/// Reads a file's documents one at a time, in file order: each item is a document, or the
/// problem that kept a document (or the whole file) from being read. A caller that checks
/// each document and drops it holds one document's tree at a time, whatever the size of
/// the file.
pub fn read_documents<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> impl Iterator<Item = Result<Document, InputError>> + 'a {
    let (text, unreadable) = match decode(bytes, limits) {
        Ok(text) => (text, None),
        Err(error) => ("", Some(error)),
    };
    unreadable
        .map(Err)
        .into_iter()
        .chain(text_documents(text, limits))
}

/// [`read_documents`] for text. Empty documents (and `null` ones) are skipped; a
/// document's `index` counts the documents and the errors before it.
fn text_documents<'a>(
    text: &'a str,
    limits: &Limits,
) -> impl Iterator<Item = Result<Document, InputError>> + 'a {
    let limits = limits.clone();
    let mut index = 0;
    split::split_documents(text)
        .into_iter()
        .filter_map(move |chunk| {
            let options = limits.yaml_options(chunk.text.len());
            let read = serde_saphyr::from_str_with_options::<
                Option<serde_saphyr::Spanned<tree::Built>>,
            >(chunk.text, options);
            let item = match read {
                Ok(None) => return None,
                Ok(Some(spanned)) => {
                    let (value, mut positions) = tree::Built::into_parts(spanned);
                    if value.is_null() {
                        return None;
                    }
                    positions.shift(chunk.line_offset, chunk.byte_offset(text));
                    Ok(Document {
                        index,
                        value,
                        positions,
                    })
                }
                Err(error) => Err(yaml_error(&error, chunk.line_offset, chunk.text)),
            };
            index += 1;
            Some(item)
        })
}

pub(crate) fn decode<'a>(bytes: &'a [u8], limits: &Limits) -> Result<&'a str, InputError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(InputError::new(
            Pos::new(1, 1),
            format!(
                "file is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::new(
            Pos::new(1, 1),
            "UTF-16 input is not supported: convert the file to UTF-8",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        InputError::new(
            Pos::new(to_u32(line), to_u32(column)),
            "invalid UTF-8: the file must be UTF-8 text",
        )
    })
}

fn yaml_error(error: &serde_saphyr::Error, line_offset: u32, text: &str) -> InputError {
    let pos = error
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Pos::from_location(&l).shifted(line_offset))
        .unwrap_or_else(|| first_content_line(text, line_offset));
    let message = error.to_string();
    let message = message
        .split_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .trim_end_matches(", set DuplicateKeyPolicy in Options if acceptable")
        .trim()
        .to_owned();
    let budget = message.strip_prefix("budget breached: ");
    if budget.is_some() || message.contains("limit exceeded") {
        let what = budget.unwrap_or(&message);
        return InputError::new(
            pos,
            format!("document exceeds a parser safety limit ({what}); see the README's limits"),
        );
    }
    InputError::new(pos, format!("invalid YAML: {message}"))
}

fn first_content_line(text: &str, line_offset: u32) -> Pos {
    let skipped = text
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .count();
    Pos::new(to_u32(skipped + 1), 1).shifted(line_offset)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
