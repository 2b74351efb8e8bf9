//! Dockerfiles, read with `parse-dockerfile` (BuildKit syntax: parser directives,
//! heredocs, line continuations, multi-stage builds), with a position for every
//! instruction.

use std::collections::HashMap;
use std::ops::Range;

use parse_dockerfile::{Dockerfile, Instruction};

use super::expand::{Lookup, Variables, expand};
use crate::field_path::FieldPath;
use crate::source::{InputError, LineIndex, Pos, PosChildren, PosNode};

/// A parsed Dockerfile and the positions of its instructions.
pub struct ParsedDockerfile<'a> {
    /// The instructions.
    pub dockerfile: Dockerfile<'a>,
    /// `instructions[i]` -> the line and column of its keyword.
    pub positions: PosNode,
    /// Each instruction's keyword and rank among the instructions of that keyword
    /// (`RUN#3`, the third `RUN`): what a finding's fingerprint names it by, so that
    /// blank lines, comments and other kinds of instructions added above it, or a new
    /// base image tag, do not make its findings new.
    pub ranks: Vec<String>,
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
        .map(|instruction| {
            PosNode::new(
                lines.pos(keyword_span(instruction).start),
                PosChildren::Leaf,
            )
        })
        .collect();
    let positions = PosNode::new(
        Pos::new(1, 1),
        PosChildren::Map(vec![(
            "instructions".to_owned(),
            Pos::new(1, 1),
            PosNode::new(Pos::new(1, 1), PosChildren::Seq(items)),
        )]),
    );
    let mut seen: HashMap<String, usize> = HashMap::new();
    let ranks = dockerfile
        .instructions
        .iter()
        .map(|instruction| {
            let keyword = text
                .get(keyword_span(instruction))
                .unwrap_or_default()
                .to_ascii_uppercase();
            let rank = seen.entry(keyword.clone()).or_insert(0);
            *rank += 1;
            format!("{keyword}#{rank}")
        })
        .collect();
    Ok(ParsedDockerfile {
        dockerfile,
        positions,
        ranks,
    })
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
    /// The base image with the global `ARG` defaults substituted (`FROM ${BASE}`), as
    /// a build without build arguments sees it; `None` when it depends on an `ARG`
    /// without a default.
    pub base: Option<String>,
    /// The stage name (`AS name`), if any.
    pub name: Option<String>,
    /// The earlier stage this one builds on (`FROM <stage>`), by index in the stages.
    pub parent: Option<usize>,
}

/// What a Dockerfile check sees.
pub struct DockerfileView<'a, 'b> {
    /// The parsed file.
    pub dockerfile: &'b Dockerfile<'a>,
    /// The build stages, in order.
    pub stages: Vec<Stage>,
    /// The global `ARG`s (declared before the first `FROM`) with their defaults.
    pub global_args: Variables,
    /// Stage names (lower case, as BuildKit compares them) to their first stage.
    names: HashMap<String, usize>,
}

impl<'a, 'b> DockerfileView<'a, 'b> {
    /// Splits `dockerfile` into stages, resolving each `FROM` against the global
    /// `ARG` defaults and the names of the stages before it.
    pub fn new(dockerfile: &'b Dockerfile<'a>) -> Self {
        let mut stages: Vec<Stage> = Vec::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut global_args = Variables::default();
        for (i, instruction) in dockerfile.instructions.iter().enumerate() {
            match instruction {
                Instruction::Arg(arg) if stages.is_empty() => {
                    declare_args(
                        &arg.arguments.value,
                        &mut global_args,
                        &Variables::default(),
                    );
                }
                Instruction::From(from) => {
                    if let Some(last) = stages.last_mut() {
                        last.end = i;
                    }
                    let image = from.image.value.to_string();
                    let base = expand(&image, &global_args);
                    let parent = base
                        .as_ref()
                        .and_then(|b| names.get(&b.to_ascii_lowercase()).copied());
                    let name = from.as_.as_ref().map(|(_, name)| name.value.to_string());
                    if let Some(name) = &name {
                        names
                            .entry(name.to_ascii_lowercase())
                            .or_insert(stages.len());
                    }
                    stages.push(Stage {
                        from: i,
                        end: dockerfile.instructions.len(),
                        image,
                        base,
                        name,
                        parent,
                    });
                }
                _ => {}
            }
        }
        Self {
            dockerfile,
            stages,
            global_args,
            names,
        }
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

    /// Every instruction that runs in a build, with its index: an `ONBUILD`'s trigger
    /// in place of the `ONBUILD` (it runs in every image built `FROM` this one).
    pub fn build_steps(&self) -> impl Iterator<Item = (usize, &'b Instruction<'a>)> + use<'a, 'b> {
        self.instructions()
            .map(|(i, instruction)| match instruction {
                Instruction::Onbuild(onbuild) => (i, &*onbuild.instruction),
                other => (i, other),
            })
    }

    /// Whether `image` names an earlier stage rather than an image.
    pub fn is_stage_name(&self, image: &str) -> bool {
        self.names.contains_key(&image.to_ascii_lowercase())
    }

    /// The final stage and the stages it builds on, oldest first: what ends up in the
    /// image that runs.
    pub fn final_lineage(&self) -> Vec<&Stage> {
        let mut lineage = Vec::new();
        let mut next = self.final_stage();
        while let Some(stage) = next {
            lineage.push(stage);
            next = stage.parent.and_then(|p| self.stages.get(p));
        }
        lineage.reverse();
        lineage
    }

    /// The instructions of the final stage and of the stages it builds on, oldest
    /// first, with their indices.
    pub fn final_image_instructions(
        &self,
    ) -> impl Iterator<Item = (usize, &'b Instruction<'a>)> + use<'a, 'b, '_> {
        self.final_lineage()
            .into_iter()
            .flat_map(|stage| self.instructions_of(stage))
    }

    /// The user the final stage runs as: the last `USER` of the final stage or of the
    /// stages it builds on, with its instruction index, its `ARG`/`ENV` references
    /// substituted as a build without build arguments does (`USER ${APP_USER:-root}`);
    /// as written when it depends on a value rampart cannot know.
    pub fn final_user(&self) -> Option<(usize, String)> {
        let mut env = Variables::default();
        let mut user = None;
        for stage in self.final_lineage() {
            let mut args = Variables::default();
            for (i, instruction) in self.instructions_of(stage) {
                let scope = Scope {
                    env: &env,
                    args: &args,
                };
                match instruction {
                    Instruction::Arg(arg) => {
                        let mut declared = Variables::default();
                        declare_args(&arg.arguments.value, &mut declared, &scope);
                        for (name, value) in declared.entries() {
                            let value = value.clone().or_else(|| {
                                self.global_args.get(name).flatten().map(str::to_owned)
                            });
                            args.set(name, value);
                        }
                    }
                    Instruction::Env(env_instruction) => {
                        let mut set = Variables::default();
                        declare_env(&env_instruction.arguments.value, &mut set, &scope);
                        for (name, value) in set.entries() {
                            env.set(name, value.clone());
                        }
                    }
                    Instruction::User(u) => {
                        let raw = u.arguments.value.trim();
                        let resolved = expand(raw, &scope).unwrap_or_else(|| raw.to_owned());
                        user = Some((i, resolved.trim().to_owned()));
                    }
                    _ => {}
                }
            }
        }
        user
    }

    /// The `LABEL`s of the final image (its stage and the stages it builds on) as key
    /// and value (quotes removed).
    pub fn labels(&self) -> Vec<(String, String)> {
        self.final_image_instructions()
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

/// The variables of a stage: its `ENV`s win over its `ARG`s of the same name.
struct Scope<'v> {
    env: &'v Variables,
    args: &'v Variables,
}

impl Lookup for Scope<'_> {
    fn lookup(&self, name: &str) -> Option<Option<&str>> {
        self.env.lookup(name).or_else(|| self.args.lookup(name))
    }
}

/// `ARG NAME[=default] ...`: each name with its default (substituted), or `None`.
fn declare_args(text: &str, into: &mut Variables, scope: &dyn Lookup) {
    for word in words(text) {
        match word.split_once('=') {
            Some((name, value)) => into.set(name, expand(value, scope)),
            None => into.set(&word, None),
        }
    }
}

/// `ENV NAME=value ...` or the legacy `ENV NAME value`, values substituted.
fn declare_env(text: &str, into: &mut Variables, scope: &dyn Lookup) {
    let words = words(text);
    if words.first().is_some_and(|w| !w.contains('=')) {
        let mut words = words.into_iter();
        let name = words.next().unwrap_or_default();
        let value = words.collect::<Vec<_>>().join(" ");
        into.set(&name, expand(&value, scope));
        return;
    }
    for word in words {
        if let Some((name, value)) = word.split_once('=') {
            into.set(name, expand(value, scope));
        }
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
