//! A log writer that keeps every event on one line.
//!
//! tracing-subscriber's text format (0.3.23) writes a `%`-formatted field
//! value as it is: newlines, carriage returns and, without colours (a log
//! file or pipe), ESC too; `the_formatter_alone_writes_control_bytes_raw`
//! below checks this. A request id holding `\n2026-01-01T00:00:00Z  INFO ...`
//! would forge a line.
//! The service already escapes what it logs of client input
//! (`service::redact::log_field`); this writer is the second fence, for any
//! field that was missed.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::service::redact::is_unsafe_in_log;

/// Wraps a [`MakeWriter`] so each event is written as exactly one line.
pub(super) struct OneLineEvents<M> {
    inner: M,
    colour: bool,
}

impl<M> OneLineEvents<M> {
    /// `colour`: let the formatter's own colour codes (`ESC [ digits;... m`)
    /// through; every other ESC is escaped.
    pub(super) fn new(inner: M, colour: bool) -> Self {
        Self { inner, colour }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for OneLineEvents<M> {
    type Writer = OneLineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLineWriter {
            inner: self.inner.make_writer(),
            event: Vec::new(),
            colour: self.colour,
        }
    }
}

/// Collects one event and writes it, escaped, when dropped (the formatter
/// makes one writer per event).
pub(super) struct OneLineWriter<W: Write> {
    inner: W,
    event: Vec<u8>,
    colour: bool,
}

impl<W: Write> Write for OneLineWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.event.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for OneLineWriter<W> {
    fn drop(&mut self) {
        if self.event.is_empty() {
            return;
        }
        let line = one_line(&self.event, self.colour);
        // Nowhere to report a failing log writer.
        let _ = self.inner.write_all(line.as_bytes());
        let _ = self.inner.flush();
    }
}

/// `event` with unsafe characters escaped (`\n`, `\u{1b}`...), ending in
/// exactly one newline.
fn one_line(event: &[u8], colour: bool) -> String {
    let text = String::from_utf8_lossy(event);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let mut line = String::with_capacity(text.len() + 1);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if colour && c == '\x1b' {
            if let Some(code) = colour_code(rest) {
                line.push_str(code);
                rest = &rest[code.len()..];
                continue;
            }
        }
        if is_unsafe_in_log(c) {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    line.push('\n');
    line
}

/// The SGR sequence (`ESC [ 0;31 m`) at the start of `text`, if there is one.
fn colour_code(text: &str) -> Option<&str> {
    let parameters = text.strip_prefix("\x1b[")?;
    let length = parameters
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (parameters.as_bytes().get(length) == Some(&b'm')).then(|| &text[..2 + length + 1])
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    const FORGED: &str = "a1\n2026-01-01T00:00:00Z  INFO forged\r\x1b[31mred";

    /// A writer into a shared buffer, for a test subscriber.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn log_forged_id<M>(writer: M, colour: bool)
    where
        M: for<'a> MakeWriter<'a> + Send + Sync + 'static,
    {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_ansi(colour)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(id = %FORGED, debug = ?FORGED, "article received");
            tracing::info!("next");
        });
    }

    #[test]
    fn the_formatter_alone_writes_control_bytes_raw() {
        // What the formatter does alone: the reason for this module. If a
        // later tracing-subscriber escapes them, this fails and the module
        // doc should be updated (the writer stays as a fence).
        let captured = Captured::default();
        let shared = captured.clone();
        log_forged_id(move || shared.clone(), false);
        let text = captured.text();
        assert!(
            text.contains("\n2026-01-01T00:00:00Z  INFO forged\r\x1b[31m"),
            "{text:?}"
        );
    }

    #[test]
    fn each_event_is_one_line_without_control_bytes() {
        for colour in [false, true] {
            let captured = Captured::default();
            let shared = captured.clone();
            log_forged_id(OneLineEvents::new(move || shared.clone(), colour), colour);
            let text = captured.text();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{text:?}");
            assert!(lines[0].contains("article received"), "{text:?}");
            assert!(lines[0].contains("a1\\n2026-01-01T00:00:00Z  INFO forged\\r"));
            assert!(lines[1].contains("next"));
            assert!(!text.contains('\r'));
            if !colour {
                assert!(!text.contains('\x1b'), "{text:?}");
            }
        }
    }

    #[test]
    fn only_colour_codes_pass_and_only_when_asked() {
        assert_eq!(
            one_line(b"\x1b[2mtime\x1b[0m \x1b[32m INFO\x1b[0m x\n", true),
            "\x1b[2mtime\x1b[0m \x1b[32m INFO\x1b[0m x\n"
        );
        assert_eq!(one_line(b"\x1b[2mt\n", false), "\\u{1b}[2mt\n");
        // Cursor movement, screen clearing and OSC titles are not colours.
        assert_eq!(
            one_line(b"\x1b[2J\x1b[1A\x1b]0;t\x07", true),
            "\\u{1b}[2J\\u{1b}[1A\\u{1b}]0;t\\u{7}\n"
        );
        assert_eq!(one_line(b"a\nb\n\n", false), "a\\nb\\n\n");
        assert_eq!(one_line(b"\xff\xfe", false), "\u{fffd}\u{fffd}\n");
        assert_eq!(one_line("x\u{202e}y\n".as_bytes(), false), "x\\u{202e}y\n");
    }
}
