//! Where `classify` reads from, and in which format: a file or standard
//! input, JSONL (one article a line) or plain text (one article).

use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::ValueEnum;

use crate::error::Error;
use crate::model::corpus::{strict_article_lines, ArticleLine};

/// How to read the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum InputFormat {
    /// JSONL when the first non-blank line starts with `{`, else text.
    Auto,
    /// One JSON article a line.
    Jsonl,
    /// The whole input is one article; its first non-blank line is the title.
    Text,
}

/// An opened input: its name for messages, a reader counting the bytes it
/// has handed out (for the progress bar), and its size when known.
pub(super) struct Input {
    pub name: PathBuf,
    pub size: Option<u64>,
    pub consumed: Rc<Cell<u64>>,
    reader: Box<dyn BufRead>,
}

/// What the input holds once its format is decided.
pub(super) enum Articles {
    Jsonl(Box<dyn Iterator<Item = crate::error::Result<(usize, ArticleLine)>>>),
    Text { title: String, body: String },
}

/// Opens `path` (`-` or nothing: standard input). Errors name the file.
pub(super) fn open(path: Option<&PathBuf>) -> crate::error::Result<Input> {
    let consumed = Rc::new(Cell::new(0));
    let (name, size, reader): (PathBuf, Option<u64>, Box<dyn Read>) =
        match path.filter(|p| p.as_os_str() != "-") {
            None => ("standard input".into(), None, Box::new(std::io::stdin())),
            Some(path) => {
                let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
                let metadata = file.metadata().map_err(|e| io_error(path, e))?;
                if metadata.is_dir() {
                    return Err(Error::io(path, std::io::Error::other("Is a directory")));
                }
                (path.clone(), Some(metadata.len()), Box::new(file))
            }
        };
    Ok(Input {
        name,
        size,
        reader: Box::new(Counting {
            inner: BufReader::new(reader),
            consumed: Rc::clone(&consumed),
        }),
        consumed,
    })
}

/// `path: reason`, without the `(os error N)` that means nothing to a user.
fn io_error(path: &Path, error: std::io::Error) -> Error {
    let text = error.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    Error::io(path, std::io::Error::new(error.kind(), text))
}

impl Input {
    /// Decides the format (see [`InputFormat`]) and starts reading. In
    /// `auto`, text that has lines starting with `{` further down is
    /// probably JSONL behind a comment or header: a warning says how it was
    /// read and how to read it otherwise.
    pub(super) fn articles(mut self, format: InputFormat) -> crate::error::Result<Articles> {
        let name = self.name.clone();
        let read_error = |e| io_error(&name, e);
        // The blank lines and the first non-blank one, kept to be re-read.
        let mut head = String::new();
        let jsonl = loop {
            let before = head.len();
            if self.reader.read_line(&mut head).map_err(read_error)? == 0 {
                break format == InputFormat::Jsonl;
            }
            let line = head[before..].trim_start_matches('\u{feff}').trim();
            if !line.is_empty() {
                break match format {
                    InputFormat::Auto => line.starts_with('{'),
                    InputFormat::Jsonl => true,
                    InputFormat::Text => false,
                };
            }
        };
        let reader = Cursor::new(head.into_bytes()).chain(self.reader);
        if jsonl {
            let lines = strict_article_lines(reader, self.name);
            return Ok(Articles::Jsonl(Box::new(lines)));
        }
        let mut text = String::new();
        let mut reader = reader;
        reader.read_to_string(&mut text).map_err(read_error)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        if format == InputFormat::Auto && text.lines().skip(1).any(|l| l.starts_with('{')) {
            eprintln!(
                "warning: {} was read as one plain-text article because its first line does not start with `{{`; use --format jsonl to read it as JSONL",
                self.name.display()
            );
        }
        let text = text.trim_start();
        let (title, body) = text.split_once('\n').unwrap_or((text, ""));
        Ok(Articles::Text {
            title: title.trim().to_owned(),
            body: body.to_owned(),
        })
    }
}

impl Input {
    /// The whole input as text (a page to split).
    pub(super) fn read_to_string(mut self) -> crate::error::Result<String> {
        let mut text = String::new();
        self.reader
            .read_to_string(&mut text)
            .map_err(|e| io_error(&self.name, e))?;
        Ok(text)
    }
}

/// A reader that counts the bytes it has handed out.
struct Counting<R> {
    inner: R,
    consumed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed.set(self.consumed.get() + amount as u64);
        self.inner.consume(amount);
    }
}
