//! Byte offsets in a text to lines and character columns, and back.

use super::position::Pos;

/// Where the lines of a text start.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'a> LineIndex<'a> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where 0-based `line` starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// The 1-based line and character column of a byte offset.
    pub fn pos(&self, offset: usize) -> Pos {
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(1, |prefix| prefix.chars().count() + 1);
        Pos::new(to_u32(line + 1), to_u32(column))
    }

    /// The byte offset of a 1-based line and character column.
    pub fn offset(&self, pos: Pos) -> usize {
        let start = self.line_start((pos.line as usize).saturating_sub(1));
        let rest = self.text.get(start..).unwrap_or_default();
        let chars = (pos.column as usize).saturating_sub(1);
        start
            + rest
                .char_indices()
                .nth(chars)
                .map_or(rest.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_round_trip() {
        let index = LineIndex::new("a: é\r\nb: 1\n\nc");
        for (offset, pos) in [
            (0, (1, 1)),
            (3, (1, 4)),
            (7, (2, 1)),
            (12, (3, 1)),
            (13, (4, 1)),
        ] {
            assert_eq!(index.pos(offset), Pos::new(pos.0, pos.1), "{offset}");
            assert_eq!(index.offset(Pos::new(pos.0, pos.1)), offset);
        }
        assert_eq!(index.line_of(5), 0);
        assert_eq!(index.line_start(9), 14);
    }
}
