//! Splitting a YAML stream into documents before parsing.
//!
//! A line that starts with `---` or `...` followed by white space or the end of the line
//! is a document boundary wherever it appears (such lines cannot occur inside a scalar),
//! so the split is exact. Splitting first gives every document its own parse budget and
//! its own error: one broken document does not hide the others.

/// One document's text and where it starts in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    /// The document's text, marker lines included.
    pub text: &'a str,
    /// Number of lines before the chunk in the file (0 for the first).
    pub line_offset: u32,
}

impl Chunk<'_> {
    /// The chunk's byte offset in `file`, the text it was split from.
    pub fn byte_offset(&self, file: &str) -> u32 {
        let offset = (self.text.as_ptr() as usize).saturating_sub(file.as_ptr() as usize);
        u32::try_from(offset).unwrap_or(u32::MAX)
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Splits `text` at `---` lines; a `...` line ends a document and belongs to it.
pub(crate) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut offset = 0usize;
    let mut pending_end = false;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(line_no).unwrap_or(u32::MAX);
        let starts_document = is_marker(line, "---");
        if (starts_document || pending_end) && offset > start {
            chunks.push(Chunk {
                text: &text[start..offset],
                line_offset: start_line,
            });
            start = offset;
            start_line = line_no;
        }
        pending_end = is_marker(line, "...");
        offset += line.len();
    }
    if offset > start {
        chunks.push(Chunk {
            text: &text[start..],
            line_offset: start_line,
        });
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<(&str, u32)> {
        split_documents(input)
            .into_iter()
            .map(|c| (c.text, c.line_offset))
            .collect()
    }

    #[test]
    fn splits_at_document_markers_only() {
        let input = "a: 1\n---\nb: |\n  ---x\n--- # c\nc: 3\n...\nd: 4\n";
        assert_eq!(
            texts(input),
            vec![
                ("a: 1\n", 0),
                ("---\nb: |\n  ---x\n", 1),
                ("--- # c\nc: 3\n...\n", 4),
                ("d: 4\n", 7)
            ]
        );
    }

    #[test]
    fn dashes_inside_text_are_not_markers() {
        assert_eq!(
            texts("a: ---\nb: '---'\n----\n"),
            vec![("a: ---\nb: '---'\n----\n", 0)]
        );
    }

    #[test]
    fn leading_marker_and_empty_input() {
        assert_eq!(texts("---\na: 1\n"), vec![("---\na: 1\n", 0)]);
        assert!(texts("").is_empty());
    }
}
