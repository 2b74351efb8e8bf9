//! Dockerfiles, read with `parse-dockerfile` (BuildKit syntax: parser directives,
//! heredocs, line continuations, multi-stage builds), with a position for every
//! instruction.

use std::ops::Range;

use parse_dockerfile::{Dockerfile, Instruction};

use crate::field_path::FieldPath;
use crate::source::{InputError, Pos, PosChildren, PosNode};

/// A parsed Dockerfile and the positions of its instructions.
pub struct ParsedDockerfile<'a> {
    /// The instructions.
    pub dockerfile: Dockerfile<'a>,
    /// `instructions[i]` -> the line and column of its keyword.
    pub positions: PosNode,
}

/// Parses a Dockerfile. A syntax error becomes an [`InputError`] at its position.
pub fn parse_dockerfile(text: &str) -> Result<ParsedDockerfile<'_>, InputError> {
    let dockerfile = parse_dockerfile::parse(text).map_err(|error| {
        let pos = Pos::new(to_u32(error.line().max(1)), to_u32(error.column().max(1)));
        InputError::new(pos, format!("invalid Dockerfile: {error}"))
    })?;
    let lines = LineIndex::new(text);
    let items = dockerfile
        .instructions
        .iter()
        .map(|instruction| PosNode {
            pos: lines.pos(keyword_span(instruction).start),
            children: PosChildren::Leaf,
        })
        .collect();
    let positions = PosNode {
        pos: Pos::new(1, 1),
        children: PosChildren::Map(vec![(
            "instructions".to_owned(),
            Pos::new(1, 1),
            PosNode {
                pos: Pos::new(1, 1),
                children: PosChildren::Seq(items),
            },
        )]),
    };
    Ok(ParsedDockerfile {
        dockerfile,
        positions,
    })
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Byte offsets to 1-based line and character column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.starts.partition_point(|start| *start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(1, |prefix| prefix.chars().count() + 1);
        Pos::new(to_u32(line), to_u32(column))
    }
}

/// Where an instruction starts: its keyword.
fn keyword_span(instruction: &Instruction<'_>) -> Range<usize> {
    match instruction {
        Instruction::Add(i) => i.add.span.clone(),
        Instruction::Arg(i) => i.arg.span.clone(),
        Instruction::Cmd(i) => i.cmd.span.clone(),
        Instruction::Copy(i) => i.copy.span.clone(),
        Instruction::Entrypoint(i) => i.entrypoint.span.clone(),
        Instruction::Env(i) => i.env.span.clone(),
        Instruction::Expose(i) => i.expose.span.clone(),
        Instruction::From(i) => i.from.span.clone(),
        Instruction::Healthcheck(i) => i.healthcheck.span.clone(),
        Instruction::Label(i) => i.label.span.clone(),
        Instruction::Maintainer(i) => i.maintainer.span.clone(),
        Instruction::Onbuild(i) => i.onbuild.span.clone(),
        Instruction::Run(i) => i.run.span.clone(),
        Instruction::Shell(i) => i.shell.span.clone(),
        Instruction::Stopsignal(i) => i.stopsignal.span.clone(),
        Instruction::User(i) => i.user.span.clone(),
        Instruction::Volume(i) => i.volume.span.clone(),
        Instruction::Workdir(i) => i.workdir.span.clone(),
        _ => 0..0,
    }
}

/// An image reference as written in `FROM` or `image:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'s> {
    /// The repository, without tag or digest (`registry:5000/team/app`).
    pub repository: &'s str,
    /// The tag, if any.
    pub tag: Option<&'s str>,
    /// The digest, if any.
    pub digest: Option<&'s str>,
}

impl<'s> ImageRef<'s> {
    /// Splits `reference` into repository, tag and digest.
    pub fn parse(reference: &'s str) -> Self {
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (reference, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last_slash..].rfind(':') {
            Some(colon) => (
                &name[..last_slash + colon],
                Some(&name[last_slash + colon + 1..]),
            ),
            None => (name, None),
        };
        Self {
            repository,
            tag,
            digest,
        }
    }

    /// The last path component of the repository (`app` for `ghcr.io/team/app:1`).
    pub fn short_name(&self) -> &'s str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(self.repository)
    }
}

/// One build stage: its `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Index of the stage's `FROM` in the instruction list.
    pub from: usize,
    /// Index one past the stage's last instruction.
    pub end: usize,
    /// The base image as written.
    pub image: String,
    /// The stage name (`AS name`), if any.
    pub name: Option<String>,
}

/// What a Dockerfile check sees.
pub struct DockerfileView<'a, 'b> {
    /// The parsed file.
    pub dockerfile: &'b Dockerfile<'a>,
    /// The build stages, in order.
    pub stages: Vec<Stage>,
}

impl<'a, 'b> DockerfileView<'a, 'b> {
    /// Splits `dockerfile` into stages.
    pub fn new(dockerfile: &'b Dockerfile<'a>) -> Self {
        let mut stages: Vec<Stage> = Vec::new();
        for (i, instruction) in dockerfile.instructions.iter().enumerate() {
            if let Instruction::From(from) = instruction {
                if let Some(last) = stages.last_mut() {
                    last.end = i;
                }
                stages.push(Stage {
                    from: i,
                    end: dockerfile.instructions.len(),
                    image: from.image.value.to_string(),
                    name: from.as_.as_ref().map(|(_, name)| name.value.to_string()),
                });
            }
        }
        Self { dockerfile, stages }
    }

    /// The path of instruction `index` (`instructions[3]`).
    pub fn path(index: usize) -> FieldPath {
        FieldPath::root().child("instructions").index(index)
    }

    /// The final stage: the image that runs.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The instructions of `stage` with their indices.
    pub fn instructions_of(
        &self,
        stage: &Stage,
    ) -> impl Iterator<Item = (usize, &'b Instruction<'a>)> + use<'a, 'b, '_> {
        let dockerfile: &'b Dockerfile<'a> = self.dockerfile;
        (stage.from..stage.end)
            .filter_map(move |i| dockerfile.instructions.get(i).map(|ins| (i, ins)))
    }

    /// Every instruction with its index.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &'b Instruction<'a>)> + use<'a, 'b> {
        self.dockerfile.instructions.iter().enumerate()
    }

    /// Whether `image` names an earlier stage rather than an image.
    pub fn is_stage_name(&self, image: &str) -> bool {
        self.stages.iter().any(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(image))
        })
    }

    /// The user the final stage runs as: the last `USER` of the final stage, or of the
    /// stages it builds on (`FROM earlier-stage`), with its instruction index.
    pub fn final_user(&self) -> Option<(usize, String)> {
        let mut stage = self.final_stage()?;
        loop {
            let user = self
                .instructions_of(stage)
                .filter_map(|(i, ins)| match ins {
                    Instruction::User(user) => Some((i, user.arguments.value.trim().to_owned())),
                    _ => None,
                })
                .last();
            if user.is_some() {
                return user;
            }
            let parent = self.stages.iter().find(|s| {
                s.from < stage.from
                    && s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&stage.image))
            })?;
            stage = parent;
        }
    }

    /// The `LABEL`s of the final stage as key and value (quotes removed).
    pub fn labels(&self) -> Vec<(String, String)> {
        let Some(stage) = self.final_stage() else {
            return Vec::new();
        };
        self.instructions_of(stage)
            .filter_map(|(_, ins)| match ins {
                Instruction::Label(label) => Some(words(&label.arguments.value)),
                _ => None,
            })
            .flatten()
            .filter_map(|word| {
                let (key, value) = word.split_once('=')?;
                Some((key.to_owned(), value.to_owned()))
            })
            .collect()
    }

    /// The text of a `RUN`, `CMD` or `ENTRYPOINT` (shell form, exec words joined, and
    /// heredoc bodies).
    pub fn command_text(instruction: &Instruction<'_>) -> Option<String> {
        let (command, heredocs) = match instruction {
            Instruction::Run(run) => (&run.arguments, run.here_docs.as_slice()),
            Instruction::Cmd(cmd) => (&cmd.arguments, &[][..]),
            Instruction::Entrypoint(entry) => (&entry.arguments, &[][..]),
            _ => return None,
        };
        let mut text = match command {
            parse_dockerfile::Command::Shell(shell) => shell.value.to_owned(),
            parse_dockerfile::Command::Exec(words) => words
                .value
                .iter()
                .map(|w| w.value.as_ref())
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        };
        for heredoc in heredocs {
            text.push('\n');
            text.push_str(&heredoc.value);
        }
        Some(text)
    }
}

/// Splits at unquoted white space, removing quotes and backslash-newlines.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => {
                if let Some(next) = chars.next().filter(|n| *n != '\n') {
                    current.push(next);
                }
            }
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (c, None) if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            (c, _) => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = ImageRef::parse("registry:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.repository, "registry:5000/team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        assert_eq!(r.short_name(), "app");
        assert_eq!(ImageRef::parse("registry:5000/app").tag, None);
    }

    #[test]
    fn positions_of_instructions() {
        let text = "# syntax=docker/dockerfile:1\nFROM alpine:3.20 AS build\nRUN <<EOF\necho hi\nEOF\n# a comment after a heredoc\nUSER app\n";
        let parsed = parse_dockerfile(text).expect("parses");
        let view = DockerfileView::new(&parsed.dockerfile);
        assert_eq!(view.final_user(), Some((2, "app".to_owned())));
        let pos = parsed.positions.locate(&DockerfileView::path(2)).pos;
        assert_eq!(pos, Pos::new(7, 1));
    }
}
