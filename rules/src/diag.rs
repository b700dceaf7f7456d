//! Where things are in a rule file, and what is wrong with them.
//!
//! [`Location`] records where a rule or test was written so that later stages
//! (the pattern compiler, the event log) can point back at the source.
//! [`Diagnostic`] is one error in a rule file; [`Diagnostics`] is the complete
//! list that refuses a file or a ruleset. The parser collects every error it
//! can find through the crate-internal [`Sink`] instead of stopping at the
//! first one.

use std::fmt;
use std::sync::Arc;

/// A position in a rule file: the file's name, a 1-based line and a 1-based
/// column counted in characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The name the file was loaded under (its path, or the name given to
    /// [`crate::parse_str`]).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One error found in a rule file.
///
/// `line` and `column` are 1-based; both are 0 when the error concerns the
/// whole file (for example when it cannot be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the error is in.
    pub file: String,
    /// 1-based line, or 0 for the whole file.
    pub line: u32,
    /// 1-based column in characters, or 0 for the whole file.
    pub column: u32,
    /// The id of the rule the error is in, when the rule and its id are known.
    pub rule_id: Option<u64>,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// Writes `path:line:column: rule <id>: message`; the position is left out
    /// for whole-file errors and the rule for errors outside a rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if self.line != 0 {
            write!(f, "{}:{}:", self.line, self.column)?;
        }
        if let Some(id) = self.rule_id {
            write!(f, " rule {id}:")?;
        }
        write!(f, " {}", self.message)
    }
}

/// Every error that refused a rule file or a ruleset, in source order per file.
///
/// Displays one diagnostic per line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The errors, in the order they were found.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.list
    }

    /// Iterates over the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are no errors; a returned `Diagnostics` is never empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Takes the errors out.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    pub(crate) fn extend(&mut self, other: Diagnostics) {
        self.list.extend(other.list);
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Self {
        Diagnostics { list }
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.list.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A 1-based position inside the file being parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// Offset from the start of the input; orders marks.
    pub index: usize,
    pub line: u32,
    pub column: u32,
}

impl Mark {
    /// The place of byte `index` of `text`, which is UTF-8 before it; the
    /// column counts characters.
    pub fn of_byte(text: &[u8], index: usize) -> Mark {
        let before = text.get(..index).unwrap_or(text);
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let on_line = before.get(line_start..).unwrap_or_default();
        // Each character starts with a byte that is not a continuation byte.
        let chars = on_line.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        let lines = before.iter().filter(|b| **b == b'\n').count();
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Mark {
            index,
            line: narrow(lines + 1),
            column: narrow(chars + 1),
        }
    }
}

/// Collects the errors of one file while it is parsed.
#[derive(Debug)]
pub(crate) struct Sink {
    file: Arc<str>,
    /// The rule being parsed, once its id is known.
    rule_id: Option<u64>,
    found: Diagnostics,
}

impl Sink {
    pub fn new(file: &str) -> Self {
        Sink {
            file: Arc::from(file),
            rule_id: None,
            found: Diagnostics::default(),
        }
    }

    /// Records an error at `mark`, attributed to the current rule.
    pub fn error(&mut self, mark: Mark, message: impl Into<String>) {
        self.found.push(Diagnostic {
            file: self.file.to_string(),
            line: mark.line,
            column: mark.column,
            rule_id: self.rule_id,
            message: message.into(),
        });
    }

    /// Sets the rule that later errors belong to (`None` between rules).
    pub fn set_rule(&mut self, rule_id: Option<u64>) {
        self.rule_id = rule_id;
    }

    /// Where `mark` is, as a public [`Location`].
    pub fn location(&self, mark: Mark) -> Location {
        Location {
            file: Arc::clone(&self.file),
            line: mark.line,
            column: mark.column,
        }
    }

    /// How many errors were recorded so far.
    pub fn count(&self) -> usize {
        self.found.len()
    }

    pub fn finish(self) -> Diagnostics {
        self.found
    }
}
