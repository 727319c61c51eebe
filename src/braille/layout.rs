//! Braille layout: what a display of N cells shows for one `Braille.Show`
//! (or `Braille.Message`), window by window, and routing keys mapped back
//! to the caller's text.
//!
//! Pure: liblouis translates (through [`louis`]); the rest is arithmetic on
//! its position maps. No D-Bus, no devices, no threads, no timing.
//!
//! # Lines
//!
//! A [`Layout`] cuts the translation into *lines*, one display window each,
//! every one exactly as wide as the display, padded with blank cells. For
//! every cell a line also gives the character offset (in `char`s) of the
//! caller's text it came from, or `None` for padding; that is how routing
//! keys and "show the line with this word" work through contraction.
//!
//! # Wrapping
//!
//! Cells are classified by the character liblouis says they came from
//! (`cell_to_char`):
//!
//! - a blank cell from a breaking space (space, tab, the Unicode spaces; not
//!   the no-break spaces U+00A0, U+2007, U+202F) is a *break space*; a
//!   breaking space with no blank cell (the Russian and Kazakh tables drop
//!   the space after a comma) is still a place to break;
//! - a blank cell from a newline (`\n`, `\r`, `\r\n` as one, U+000B, U+000C,
//!   U+0085, U+2028, U+2029) is dropped: the newline ends the line instead;
//! - every other cell, blank or not, belongs to a *word*, the cells between
//!   break spaces and newlines. A non-blank cell liblouis puts on a space or
//!   a newline (a caps-passage terminator, a soft hyphen shown as `⠤`) stays
//!   with its word: only blank cells are ever left out.
//!
//! Lines are filled greedily, word by word:
//!
//! 1. A word goes on the current line if it fits after the break spaces
//!    before it; otherwise the line ends there. The break spaces that still
//!    fit stay at the end of the line (blank, like padding, but a routing key
//!    over them gives the space); the rest are dropped, so no line begins
//!    with a break space.
//! 2. A word is never split, unless it alone is longer than the display: then
//!    it begins a line and is cut every `width` cells.
//! 3. A newline ends the line. It is shown as one blank cell after the line's
//!    text if there is room (routing gives the newline's offset: "end of this
//!    line" to an editor). An empty line of the text gives an empty window.
//! 4. Spaces at the start of the text or after a newline are indentation:
//!    kept if the first word fits after them, dropped otherwise.
//! 5. The cursor is never lost: on a break space that does not fit, that one
//!    space begins the next line; on a newline or at the end of the text it
//!    gets a blank cell of its own, on a new line if the line is full. It is
//!    shown with dots 7 and 8 ORed into its cell.
//!
//! A text with no cells at all still has one (blank) line.

#[cfg(test)]
mod tests;

use std::ops::Range;

use super::louis::{self, Grade, LouisError, Options, Translation};
use crate::i18n::Msg;
use crate::requests::MAX_CELLS;

/// Dots 7 and 8 (bits 6 and 7): where the cursor is.
pub const CURSOR_DOTS: u8 = 0b1100_0000;

/// What to lay out: a Show's text and how to translate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowText<'a> {
    pub text: &'a str,
    /// A liblouis table list, as [`louis::tables_for`] gives it.
    pub tables: &'a str,
    /// Uncontracted turns contractions off even in a contracted table.
    pub grade: Grade,
    /// Character offset of the cursor in `text`, at most its length.
    pub cursor: Option<usize>,
}

/// Why a text could not be laid out.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    #[error(transparent)]
    Louis(#[from] LouisError),
    #[error("display width {got} cells is outside 1..={max}")]
    Width { got: usize, max: usize },
}

impl LayoutError {
    /// The localisable sentence for this error.
    pub fn msg(&self) -> Msg {
        match self {
            LayoutError::Louis(err) => err.msg(),
            LayoutError::Width { got, max } => Msg::ArgumentValue {
                name: "cells",
                got: got.to_string(),
                allowed: format!("1..={max}"),
            },
        }
    }
}

/// One display window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Exactly the display's width; bit 0 = dot 1 … bit 7 = dot 8, the
    /// cursor's dots 7–8 included.
    pub cells: Vec<u8>,
    /// For each cell, the character offset in the caller's text it shows
    /// (the first character of a contraction), `None` for padding.
    pub offsets: Vec<Option<usize>>,
}

/// The result of a pan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Pan {
    /// Now showing this line.
    Moved(usize),
    /// Already on the first line; nothing changed.
    AtStart,
    /// Already on the last line; nothing changed.
    AtEnd,
}

/// A Show laid out for one display width, with the line now shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    translation: Translation,
    text: Vec<char>,
    width: usize,
    lines: Vec<Line>,
    /// The line on the display.
    current: usize,
    /// (line, cell) of the cursor.
    cursor: Option<(usize, usize)>,
    /// What each line's cells are, before padding.
    slots: Vec<Vec<Slot>>,
    /// For each cell of the translation, the line showing it (or, for a
    /// dropped blank, the line it ends or begins).
    line_of_cell: Vec<usize>,
}

impl Layout {
    /// Translates and lays out `show` for a display `cells` wide. The window
    /// starts on the cursor's line, or on the first.
    pub fn new(show: &ShowText<'_>, cells: usize) -> Result<Layout, LayoutError> {
        if cells == 0 || cells > MAX_CELLS {
            return Err(LayoutError::Width {
                got: cells,
                max: MAX_CELLS,
            });
        }
        let options = Options {
            // The word at the cursor is not expanded: liblouis would show it
            // in computer braille, whose dot-7 capitals blur the cursor.
            expand_word_at_cursor: false,
            no_contractions: show.grade == Grade::Uncontracted,
        };
        let translation = louis::translate(show.tables, show.text, show.cursor, options)?;
        let text: Vec<char> = show.text.chars().collect();
        let cursor = CursorAt::new(&text, &translation, show.cursor);
        let (slots, line_of_cell) = wrap(&text, &translation, cells, cursor);
        let cursor = cursor.and_then(|at| at.find(&slots));

        let mut lines: Vec<Line> = slots
            .iter()
            .map(|line| to_line(line, &translation, cells))
            .collect();
        if let Some((line, cell)) = cursor {
            if let Some(shown) = lines.get_mut(line).and_then(|l| l.cells.get_mut(cell)) {
                *shown |= CURSOR_DOTS;
            }
        }
        Ok(Layout {
            current: cursor.map_or(0, |(line, _)| line),
            translation,
            text,
            width: cells,
            lines,
            cursor,
            slots,
            line_of_cell,
        })
    }

    /// The translation the lines are cut from.
    pub fn translation(&self) -> &Translation {
        &self.translation
    }

    /// The display width the lines are cut for.
    pub fn width(&self) -> usize {
        self.width
    }

    /// All lines; never empty.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The index of the line on the display.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The line on the display.
    pub fn shown(&self) -> &Line {
        // `lines` is never empty and `current` always indexes it; the
        // fallback only keeps this total.
        &self.lines[self.current.min(self.lines.len().saturating_sub(1))]
    }

    /// Where the cursor is shown: (line, cell).
    pub fn cursor(&self) -> Option<(usize, usize)> {
        self.cursor
    }

    /// Moves to the next line, or says there is none.
    pub fn pan_right(&mut self) -> Pan {
        if self.current + 1 < self.lines.len() {
            self.current += 1;
            Pan::Moved(self.current)
        } else {
            Pan::AtEnd
        }
    }

    /// Moves to the previous line, or says there is none.
    pub fn pan_left(&mut self) -> Pan {
        if self.current > 0 {
            self.current -= 1;
            Pan::Moved(self.current)
        } else {
            Pan::AtStart
        }
    }

    /// Shows line `line`; `None` (and no change) if there is no such line.
    pub fn show_line(&mut self, line: usize) -> Option<&Line> {
        let shown = self.lines.get(line)?;
        self.current = line;
        Some(shown)
    }

    /// The line showing the character at `offset` (for a contraction, the
    /// line of its cell). The text's length gives the last line, where the
    /// end of the text is; beyond it, `None`.
    pub fn line_of_char(&self, offset: usize) -> Option<usize> {
        let last = self.lines.len().saturating_sub(1);
        if offset >= self.text.len() {
            return (offset == self.text.len()).then_some(last);
        }
        let line = self
            .translation
            .char_to_cell
            .get(offset)
            .and_then(|&cell| self.line_of_cell.get(cell))
            .copied()
            // A text without cells has one line.
            .unwrap_or(0);
        Some(line.min(last))
    }

    /// Shows the line of the character at `offset` (a reader following
    /// speech); `None` (and no change) beyond the text.
    pub fn show_char(&mut self, offset: usize) -> Option<&Line> {
        let line = self.line_of_char(offset)?;
        self.show_line(line)
    }

    /// The character offset in the caller's text for a routing key over
    /// cell `cell` of line `line`; `None` for padding or outside the lines.
    pub fn route(&self, line: usize, cell: usize) -> Option<usize> {
        *self.lines.get(line)?.offsets.get(cell)?
    }

    /// A line as text, for the virtual display and for mentors watching:
    /// the cells as Unicode braille (U+2800 + cell), and under them the
    /// original text, one column per cell. A cell shows the character it
    /// came from; when several cells come from fewer characters (a capital
    /// or number sign, an escape), the characters go under the last cells,
    /// so signs stand over blanks; when one cell stands for several
    /// characters (a contraction), it shows the first of those not yet
    /// shown. Padding, spaces and control characters show as spaces, a
    /// combining mark on a dotted circle. Wide characters (emoji) take two
    /// columns in most terminals, which no string can help.
    pub fn render(&self, line: usize) -> Option<(String, String)> {
        let shown = self.lines.get(line)?;
        let slots = self.slots.get(line)?;
        let braille = louis::cells_to_unicode(&shown.cells);
        let mut under = String::with_capacity(shown.cells.len());
        for index in 0..shown.cells.len() {
            let c = match slots.get(index) {
                Some(&Slot::Cell(cell)) => self.char_under(cell),
                _ => ' ',
            };
            push_column(&mut under, c);
        }
        Some((braille, under))
    }

    /// The character to print under translation cell `cell` (see [`render`](Self::render)).
    fn char_under(&self, cell: usize) -> char {
        let t = &self.translation;
        let Some(&offset) = t.cell_to_char.get(cell) else {
            return ' ';
        };
        let first = t.cell_to_char.partition_point(|&c| c < offset);
        let end = t.cell_to_char.partition_point(|&c| c <= offset);
        let next_char = t
            .cell_to_char
            .get(end)
            .copied()
            .unwrap_or(self.text.len())
            .clamp(offset + 1, self.text.len().max(offset + 1));
        let cells = end.saturating_sub(first);
        let chars = next_char - offset;
        let position = cell.saturating_sub(first);
        let index = if chars >= cells {
            Some(offset + position)
        } else {
            let signs = cells - chars;
            (position >= signs).then(|| offset + position - signs)
        };
        index.and_then(|i| self.text.get(i)).copied().unwrap_or(' ')
    }
}

/// A `Braille.Message`: laid out like a Show without a cursor, kept apart so
/// that the Show it covers keeps its window. The display thread handles the
/// timeout and "until a key is pressed".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    layout: Layout,
}

impl Message {
    pub fn new(
        text: &str,
        tables: &str,
        grade: Grade,
        cells: usize,
    ) -> Result<Message, LayoutError> {
        let show = ShowText {
            text,
            tables,
            grade,
            cursor: None,
        };
        Ok(Message {
            layout: Layout::new(&show, cells)?,
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// For panning through a long message.
    pub fn layout_mut(&mut self) -> &mut Layout {
        &mut self.layout
    }
}

/// The cells that differ between two rows, as half-open ranges
/// `(start, end)`, so a driver writes only what changed. Cells past the end
/// of the shorter row count as changed.
pub fn changed(before: &[u8], after: &[u8]) -> Vec<(usize, usize)> {
    let len = before.len().max(after.len());
    let mut ranges = Vec::new();
    let mut start = None;
    for i in 0..len {
        let differs = before.get(i) != after.get(i);
        match (differs, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                ranges.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        ranges.push((s, len));
    }
    ranges
}

/// What a position on a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A cell of the translation.
    Cell(usize),
    /// The blank after a line of the text: the newline at this offset (or
    /// the `\r` of a `\r\n`).
    LineEnd(usize),
    /// The blank after the text, where a cursor at its end shows.
    TextEnd,
}

/// Where the cursor must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CursorAt {
    /// On this translation cell.
    Cell(usize),
    /// On the newline at this offset.
    LineEnd(usize),
    /// After the text.
    TextEnd,
}

impl CursorAt {
    fn new(text: &[char], t: &Translation, cursor: Option<usize>) -> Option<CursorAt> {
        let cursor = cursor?;
        let Some(&c) = text.get(cursor) else {
            return Some(CursorAt::TextEnd);
        };
        if is_newline(c) {
            let offset = if c == '\n' && cursor > 0 && text.get(cursor - 1) == Some(&'\r') {
                cursor - 1
            } else {
                cursor
            };
            return Some(CursorAt::LineEnd(offset));
        }
        let cell = t
            .cursor_cell
            .or_else(|| t.char_to_cell.get(cursor).copied())
            .unwrap_or(0);
        Some(CursorAt::Cell(cell))
    }

    /// The (line, cell) showing the cursor. If liblouis put it on a cell that
    /// is not shown (a newline's blank), the next cell shown takes it, else
    /// the last; with nothing shown at all, the first cell.
    fn find(self, lines: &[Vec<Slot>]) -> Option<(usize, usize)> {
        let positions = || {
            lines
                .iter()
                .enumerate()
                .flat_map(|(l, line)| line.iter().enumerate().map(move |(i, &s)| (l, i, s)))
        };
        let wanted = match self {
            CursorAt::Cell(cell) => Slot::Cell(cell),
            CursorAt::LineEnd(offset) => Slot::LineEnd(offset),
            CursorAt::TextEnd => Slot::TextEnd,
        };
        if let Some((l, i, _)) = positions().find(|&(_, _, s)| s == wanted) {
            return Some((l, i));
        }
        let after = match self {
            CursorAt::Cell(cell) => {
                positions().find(|&(_, _, s)| matches!(s, Slot::Cell(c) if c >= cell))
            }
            _ => None,
        };
        after
            .or_else(|| positions().last())
            .map(|(l, i, _)| (l, i))
            .or(Some((0, 0)))
    }
}

/// What a character does to wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharKind {
    Newline,
    BreakSpace,
    Other,
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn char_kind(c: char) -> CharKind {
    if is_newline(c) {
        CharKind::Newline
    } else if c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}') {
        CharKind::BreakSpace
    } else {
        CharKind::Other
    }
}

/// Cuts the translation into lines of slots (see the module comment), and
/// says which line each translation cell is on.
fn wrap(
    text: &[char],
    t: &Translation,
    width: usize,
    cursor: Option<CursorAt>,
) -> (Vec<Vec<Slot>>, Vec<usize>) {
    let mut wrapper = Wrapper {
        width,
        cursor,
        lines: Vec::new(),
        line: Vec::new(),
        word: None,
        pending: Vec::new(),
        line_of_cell: vec![0; t.cells.len()],
    };
    let cells = t.cells.len();
    let mut next_cell = 0;
    // The `\r` of a `\r\n`, whose break comes with the `\n`.
    let mut carriage_return = None;
    for (offset, &c) in text.iter().enumerate() {
        // The cells of this character: maps never decrease, so they follow
        // the previous character's. A character may have none.
        let first = next_cell;
        while next_cell < cells && t.cell_to_char.get(next_cell).is_some_and(|&c| c <= offset) {
            next_cell += 1;
        }
        let kind = char_kind(c);
        let mut blank_space = false;
        for cell in first..next_cell {
            let blank = t.cells.get(cell) == Some(&0);
            match (kind, blank) {
                (CharKind::BreakSpace, true) => {
                    blank_space = true;
                    wrapper.space(cell);
                }
                (CharKind::Newline, true) => wrapper.drop_newline_blank(cell),
                _ => wrapper.word_cell(cell),
            }
        }
        if kind == CharKind::BreakSpace && !blank_space {
            // Russian and Kazakh tables drop the space after a comma
            // ("алады, ал" → ⠁⠇⠁⠙⠮⠂⠁⠇): still a place to break, with no
            // blank to show or drop.
            wrapper.place_word();
        }
        if kind == CharKind::Newline {
            if c == '\r' && text.get(offset + 1) == Some(&'\n') {
                carriage_return = Some(offset);
            } else {
                wrapper.newline(carriage_return.take().unwrap_or(offset));
            }
        }
    }
    // Cells liblouis mapped past the text (it does not) stay visible.
    for cell in next_cell..cells {
        wrapper.word_cell(cell);
    }
    wrapper.finish()
}

/// Fills lines greedily, one event (a cell or a newline) at a time.
struct Wrapper {
    width: usize,
    cursor: Option<CursorAt>,
    lines: Vec<Vec<Slot>>,
    /// The line being filled.
    line: Vec<Slot>,
    /// The word being read, not yet placed.
    word: Option<Range<usize>>,
    /// Break spaces after the last word placed (or indentation at the start
    /// of a line), placed only if a word follows on the same line.
    pending: Vec<usize>,
    line_of_cell: Vec<usize>,
}

impl Wrapper {
    fn word_cell(&mut self, cell: usize) {
        match &mut self.word {
            Some(word) if word.end == cell => word.end += 1,
            _ => {
                self.place_word();
                self.word = Some(cell..cell + 1);
            }
        }
    }

    fn space(&mut self, cell: usize) {
        self.place_word();
        self.pending.push(cell);
    }

    fn drop_newline_blank(&mut self, cell: usize) {
        self.place_word();
        self.set_line(cell, self.lines.len());
    }

    fn newline(&mut self, offset: usize) {
        self.place_word();
        self.place_trailing_spaces();
        if self.line.len() < self.width {
            self.line.push(Slot::LineEnd(offset));
        } else if self.cursor == Some(CursorAt::LineEnd(offset)) {
            self.end_line();
            self.line.push(Slot::LineEnd(offset));
        }
        self.end_line();
    }

    fn finish(mut self) -> (Vec<Vec<Slot>>, Vec<usize>) {
        self.place_word();
        self.place_trailing_spaces();
        if self.cursor == Some(CursorAt::TextEnd) {
            if self.line.len() >= self.width {
                self.end_line();
            }
            self.line.push(Slot::TextEnd);
        }
        // A final newline leaves an empty line: no window for it.
        if !self.line.is_empty() || self.lines.is_empty() {
            self.end_line();
        }
        (self.lines, self.line_of_cell)
    }

    fn fits(&self, cells: usize) -> bool {
        self.line.len() + self.pending.len() + cells <= self.width
    }

    fn place_word(&mut self) {
        let Some(word) = self.word.take() else {
            return;
        };
        if self.fits(word.len()) {
            self.place_pending();
            self.place(word);
            return;
        }
        if self.line.is_empty() {
            // Indentation that does not fit with the word goes.
            let line = self.lines.len();
            self.drop_pending(line);
        } else {
            self.break_line();
        }
        if self.fits(word.len()) {
            self.place_pending();
            self.place(word);
            return;
        }
        if !self.pending.is_empty() {
            // The cursor's space, alone: the word does not fit after it.
            self.place_pending();
            self.end_line();
        }
        if word.len() <= self.width {
            self.place(word);
            return;
        }
        // Only a word longer than the whole display is split, at the display
        // width: there is no better place, and the reader pans through it.
        let mut start = word.start;
        while start < word.end {
            if !self.line.is_empty() {
                self.end_line();
            }
            let end = word.end.min(start + self.width);
            self.place(start..end);
            start = end;
        }
    }

    /// Ends the line before a word that does not fit: the break spaces that
    /// fit stay at its end, the rest are dropped (the cursor's begins the
    /// next line).
    fn break_line(&mut self) {
        let room = self.width.saturating_sub(self.line.len());
        let keep = room.min(self.pending.len());
        let rest = self.pending.split_off(keep);
        self.place_pending();
        self.pending = rest;
        let line = self.lines.len();
        self.drop_pending(line);
        self.end_line();
    }

    /// Spaces before a newline or the end of the text: those that fit stay;
    /// the cursor's, if it does not fit, gets a line of its own.
    fn place_trailing_spaces(&mut self) {
        let room = self.width.saturating_sub(self.line.len());
        let keep = room.min(self.pending.len());
        let rest = self.pending.split_off(keep);
        self.place_pending();
        self.pending = rest;
        let line = self.lines.len();
        self.drop_pending(line);
        if !self.pending.is_empty() {
            self.end_line();
            self.place_pending();
        }
    }

    /// Drops the pending spaces, all but the cursor's; dropped ones count as
    /// on `line`.
    fn drop_pending(&mut self, line: usize) {
        let cursor = match self.cursor {
            Some(CursorAt::Cell(cell)) => Some(cell),
            _ => None,
        };
        let pending = std::mem::take(&mut self.pending);
        for cell in pending {
            if Some(cell) == cursor {
                self.pending.push(cell);
            } else {
                self.set_line(cell, line);
            }
        }
    }

    fn place_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for cell in pending {
            self.place(cell..cell + 1);
        }
    }

    fn place(&mut self, cells: Range<usize>) {
        let line = self.lines.len();
        for cell in cells {
            self.set_line(cell, line);
            self.line.push(Slot::Cell(cell));
        }
    }

    fn set_line(&mut self, cell: usize, line: usize) {
        if let Some(slot) = self.line_of_cell.get_mut(cell) {
            *slot = line;
        }
    }

    fn end_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
    }
}

/// A line of slots as cells and offsets, padded to `width`.
fn to_line(slots: &[Slot], t: &Translation, width: usize) -> Line {
    let mut cells = vec![0; width];
    let mut offsets = vec![None; width];
    for ((slot, cell), offset) in slots.iter().zip(&mut cells).zip(&mut offsets) {
        match *slot {
            Slot::Cell(index) => {
                *cell = t.cells.get(index).copied().unwrap_or(0);
                *offset = t.cell_to_char.get(index).copied();
            }
            Slot::LineEnd(at) => *offset = Some(at),
            Slot::TextEnd => {}
        }
    }
    Line { cells, offsets }
}

/// Appends `c` as one column: blanks for controls and invisible characters,
/// a dotted circle under a combining mark.
fn push_column(out: &mut String, c: char) {
    if c.is_control() || c.is_whitespace() || is_invisible(c) {
        out.push(' ');
    } else if is_combining(c) {
        out.push('\u{25cc}');
        out.push(c);
    } else {
        out.push(c);
    }
}

/// Format characters that take no column (ZWSP…, word joiner, BOM, soft hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// The common combining blocks; rarer marks may still shift a column.
fn is_combining(c: char) -> bool {
    matches!(
        c,
        '\u{300}'..='\u{36f}'
            | '\u{483}'..='\u{489}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{fe20}'..='\u{fe2f}'
    )
}
