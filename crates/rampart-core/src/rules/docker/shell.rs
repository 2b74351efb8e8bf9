//! Just enough shell to read `RUN` scripts: simple commands split into pipelines, and
//! the command a wrapper such as `sudo -E`, `env -u X` or `nohup` runs.

/// The simple commands of a shell script, each split into pipelines of words:
/// `a && b | c` gives `[[a], [b, c]]` (backslash continuations joined, quotes kept;
/// subshells and groups, `(a || b)` and `{ a; }`, opened).
pub(super) fn pipelines(script: &str) -> Vec<Vec<Vec<&str>>> {
    script
        .split(['\n', ';', '(', ')'])
        .flat_map(|line| line.split("&&"))
        .flat_map(|list| list.split("||"))
        .map(|pipeline| {
            pipeline
                .split('|')
                .map(|command| {
                    command
                        .split_whitespace()
                        .filter(|w| !matches!(*w, "\\" | "{" | "}" | "!"))
                        .collect::<Vec<_>>()
                })
                .filter(|words| !words.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The last path component of a program (`/usr/bin/curl` -> `curl`).
pub(super) fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Programs that run the command after their own options, and those of their
/// options that take a value.
const WRAPPERS: &[(&str, &[&str])] = &[
    (
        "sudo",
        &[
            "-u",
            "-g",
            "-p",
            "-C",
            "-D",
            "-R",
            "-T",
            "-r",
            "-t",
            "-U",
            "-h",
            "--user",
            "--group",
            "--prompt",
            "--chdir",
            "--close-from",
            "--role",
            "--type",
            "--other-user",
            "--host",
        ],
    ),
    ("doas", &["-u", "-C"]),
    ("env", &["-u", "-C", "--unset", "--chdir"]),
    ("nice", &["-n", "--adjustment"]),
    ("exec", &["-a"]),
    ("command", &[]),
    ("nohup", &[]),
    ("time", &["-o", "-f", "--output", "--format"]),
    ("stdbuf", &["-i", "-o", "-e"]),
];

/// The words of the command a simple command runs, without wrappers (with their
/// options) and leading `NAME=value` assignments: `sudo -E env X=1 bash -s` -> `bash -s`.
pub(super) fn command_words<'a, 'b>(mut words: &'b [&'a str]) -> &'b [&'a str] {
    loop {
        let Some((first, rest)) = words.split_first() else {
            return words;
        };
        if first.contains('=') && !first.starts_with('-') {
            words = rest;
            continue;
        }
        let Some((_, with_value)) = WRAPPERS.iter().find(|(name, _)| *name == basename(first))
        else {
            return words;
        };
        words = rest;
        while let Some((option, rest)) = words.split_first() {
            if !option.starts_with('-') {
                break;
            }
            words = rest;
            if *option == "--" {
                break;
            }
            if with_value.contains(option) {
                words = words.get(1..).unwrap_or_default();
            }
        }
    }
}

/// The program a simple command runs (its base name), after wrappers.
pub(super) fn program<'a>(words: &[&'a str]) -> Option<&'a str> {
    command_words(words).first().map(|w| basename(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<&str> {
        let words: Vec<&str> = text.split_whitespace().collect();
        command_words(&words).to_vec()
    }

    #[test]
    fn wrappers_and_their_options_are_skipped() {
        assert_eq!(run("sudo -E bash -s --"), ["bash", "-s", "--"]);
        assert_eq!(run("sudo -u app -H sh"), ["sh"]);
        assert_eq!(run("env -u HOME X=1 Y=2 /bin/bash"), ["/bin/bash"]);
        assert_eq!(
            run("DEBIAN_FRONTEND=noninteractive apt-get install -y x"),
            ["apt-get", "install", "-y", "x"]
        );
        assert_eq!(run("nohup nice -n 5 sudo -- sh"), ["sh"]);
        assert_eq!(run("curl -k https://x"), ["curl", "-k", "https://x"]);
        assert_eq!(
            program(&["sudo", "-E", "/usr/bin/python3", "-"]),
            Some("python3")
        );
    }
}
