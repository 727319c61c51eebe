//! Braille translation through liblouis, over a small FFI of our own.
//!
//! Why our own: the `louis` crate (0.6) does not build against liblouis
//! 3.24 and `liblouis` (0.4) has no back-translation. We need six functions;
//! they are declared in [`ffi`], linked dynamically (liblouis is LGPL).
//!
//! Everything goes through liblouis's dots mode (`dotsIO`): forward
//! translation gives dot patterns, which become 8-dot cells (bit 0 = dot 1 …
//! bit 7 = dot 8, as Baum and BrlAPI want them), and back-translation takes
//! such cells. Text positions are counted in `char`s (Unicode scalar
//! values) of the Rust string; each is one 32-bit liblouis `widechar`.
//!
//! # Tables
//!
//! [`tables_for`] gives the table list for a language. liblouis's own tables
//! are named bare (`ru-litbrl.ctb`) and found by liblouis in
//! `LOUIS_TABLEPATH`, then its data directory (`/usr/share/liblouis/tables`
//! on Debian). oqu's tables (`devices/tables/`, installed as
//! `/usr/share/oqu/devices/tables/`, overridable in
//! `/etc/oqu/devices.d/tables/`) are passed as absolute paths, found on the
//! same search path as the other data files ([`crate::config::data`]), the
//! last one found winning. No environment variable and no
//! `lou_setDataPath` (which would hide liblouis's own tables) is needed.
//!
//! # What liblouis 3.24 does that callers should know
//!
//! - `kk.utb` and `ru-litbrl.ctb` give every Cyrillic letter a *virtual dot
//!   9* (bit 8 of the dot pattern), to tell it from the Latin letter with the
//!   same six dots. Physical cells cannot show it: [`translate`] drops dot 9
//!   and above. Back-translating the resulting cells with `kk.utb` fails for
//!   the nine Kazakh letters (`кyтапхана б\34/гyн ашы#`), hence oqu's
//!   `kk-oqu.utb`, which adds back-translation rules without dot 9.
//! - Russian literary braille has no capital sign: `Библиотека` and
//!   `библиотека` give the same cells, and back-translation gives lower case.
//!   Only a capital right after a digit or a Latin letter is marked (dots
//!   45), and comes back as a capital — for Kazakh letters only with
//!   `kk-oqu.utb`. Kazakh follows the Russian rules (`kk.utb` includes
//!   `ru-litbrl.ctb`).
//! - In `kk-oqu.utb` back-translation, an unmarked 13456 is `і`, even inside
//!   Latin text where `kk.utb` would give `y`: `x+y=z` comes back as
//!   `x !і (з` (`x !y (з` with `kk.utb`; the signs are lost either way).
//! - Positions: liblouis maps every output cell to one input character and
//!   every input character to one cell; both maps never decrease. A
//!   contraction (`the` → one cell) maps back to the word's first character.
//!   A capital or number sign maps to the character it announces, and that
//!   character maps to the sign: every character of a group maps to the
//!   group's first cell (`The` in grade 2 is ⠠⠮; T, h and e all map to ⠠).
//!   A character that gives no cell (a soft hyphen) shares the first cell of
//!   the group before it.
//! - The cursor is mapped by liblouis only when it is on a character; a
//!   cursor just after the text (where typing goes on) is mapped here, to the
//!   cell after the last one.
//! - liblouis stops reading its input at the first U+0000, so NUL characters
//!   are sent as spaces (one for one, positions unchanged).
//! - When the output buffer is full, liblouis does not fail: it stops at the
//!   last whole word and reports how much input it consumed. We retry with a
//!   larger buffer. The output buffer must never be shorter than the input:
//!   liblouis sizes an internal buffer by it and writes the input's length.
//! - A character no table defines comes out as its code spelt in braille,
//!   `'\x1f600'` for 😀 (nine or ten cells, the backslash as dots 12567:
//!   dot 7 even in 6-dot tables), so output can be many times longer than the
//!   input; 12 cells per character was the most seen. An 8-dot cell a table
//!   does not know comes back as `\78/`.
//! - Tables are compiled once and cached per table list for the life of the
//!   process; [`forget_tables`] drops the cache after a table file changed.
//! - liblouis writes warnings and errors to stderr unless given a log
//!   callback; we register one and put its lines into [`LouisError`].
//! - A bare table name is also tried relative to the process's working
//!   directory and to the first table's directory before the search path;
//!   a file of that name there would be used.

mod ffi;
#[cfg(test)]
mod tests;

use std::ffi::{c_int, CString};
use std::path::{Path, PathBuf};

use crate::config::data::DataDir;
use crate::i18n::{Lang, Msg};

use ffi::{Buffers, Direction, WideChar};

/// The longest text or cell row accepted, in characters or cells.
pub const MAX_CHARS: usize = 65_536;

// Callers limit Braille.Show text to MAX_SHOW_CHARS; it must fit here.
const _: () = assert!(MAX_CHARS >= crate::requests::MAX_SHOW_CHARS);

/// oqu's Kazakh table (`devices/tables/kk-oqu.utb`): liblouis `kk.utb` plus
/// back-translation of physical cells.
pub const KAZAKH_TABLE: &str = "kk-oqu.utb";

/// liblouis reads table names into fixed 2048-byte buffers; stay well below.
const MAX_TABLE_LIST_BYTES: usize = 1024;

// liblouis `translationModes`.
const NO_CONTRACTIONS: c_int = 1;
const COMPBRL_AT_CURSOR: c_int = 2;
const DOTS_IO: c_int = 4;

/// liblouis marks a dot pattern with this bit (`LOU_DOTS`).
const LOU_DOTS: WideChar = 0x8000;
/// Dots 1–8; liblouis's virtual dots 9–15 are the bits above.
const PHYSICAL_DOTS: WideChar = 0xff;

/// Why liblouis could not be used.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LouisError {
    /// The installed liblouis was built with another `widechar` size.
    #[error("liblouis widechar is {got} bytes, oqu needs 4 (Debian's liblouis20 has 4)")]
    WideCharSize { got: i32 },
    /// The table list cannot be handed to liblouis at all.
    #[error("braille table list \"{tables}\" is unusable: {detail}")]
    TableList { tables: String, detail: String },
    /// liblouis could not find or compile the tables.
    #[error("braille tables \"{tables}\" could not be loaded: {detail}")]
    Table { tables: String, detail: String },
    /// One of oqu's own tables is not on the data search path.
    #[error("braille table {name} not found; searched {searched}")]
    TableMissing { name: String, searched: String },
    #[error("braille input too long: {got} characters or cells, at most {max}")]
    TooLong { got: usize, max: usize },
    #[error("braille cursor {cursor} is outside the text ({len} characters)")]
    Cursor { cursor: usize, len: usize },
    /// The tables loaded but liblouis did not translate.
    #[error("braille {direction} with \"{tables}\" failed: {detail}")]
    Translate {
        tables: String,
        direction: &'static str,
        detail: String,
    },
}

impl LouisError {
    /// The localisable sentence for this error.
    pub fn msg(&self) -> Msg {
        match self {
            LouisError::WideCharSize { got } => Msg::LiblouisIncompatible { got: *got },
            LouisError::TableList { tables, detail } | LouisError::Table { tables, detail } => {
                Msg::BrailleTableRefused {
                    tables: tables.clone(),
                    detail: detail.clone(),
                }
            }
            LouisError::TableMissing { name, searched } => Msg::BrailleTableMissing {
                name: name.clone(),
                searched: searched.clone(),
            },
            LouisError::TooLong { got, max } => Msg::ArgumentTooLong {
                name: "text",
                max: *max,
                got: *got,
            },
            LouisError::Cursor { cursor, len } => Msg::ArgumentValue {
                name: "cursor",
                got: cursor.to_string(),
                allowed: format!("0..={len}"),
            },
            LouisError::Translate { tables, detail, .. } => Msg::BrailleTranslationFailed {
                tables: tables.clone(),
                detail: detail.clone(),
            },
        }
    }
}

/// Braille grade: contracted braille abbreviates words (`the` → one cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Uncontracted,
    Contracted,
}

/// The table for a language as liblouis or oqu names it. Kazakh and Russian
/// have no contracted table in liblouis 3.24: they get the uncontracted one
/// (see [`has_contracted`]).
pub fn table_name(lang: Lang, grade: Grade) -> &'static str {
    match (lang, grade) {
        (Lang::Kk, _) => KAZAKH_TABLE,
        // Literary Russian. `ru.ctb` is 8-dot computer braille; `ru-ru-g1.ctb`
        // (partly contracted) translates forward only.
        (Lang::Ru, _) => "ru-litbrl.ctb",
        (Lang::En, Grade::Uncontracted) => "en-ueb-g1.ctb",
        (Lang::En, Grade::Contracted) => "en-ueb-g2.ctb",
    }
}

/// Whether the language has contracted braille here.
pub fn has_contracted(lang: Lang) -> bool {
    matches!(lang, Lang::En)
}

/// The liblouis table list for a language, oqu's own tables resolved on
/// `search` (see the module comment).
pub fn tables_for(lang: Lang, grade: Grade, search: &[DataDir]) -> Result<String, LouisError> {
    let name = table_name(lang, grade);
    if name == KAZAKH_TABLE {
        let path = find_table(name, search)?;
        let text = path.to_str().ok_or_else(|| LouisError::TableList {
            tables: path.display().to_string(),
            detail: "the path is not UTF-8".into(),
        })?;
        if text.contains(',') {
            return Err(LouisError::TableList {
                tables: text.to_owned(),
                detail: "liblouis separates tables with commas, so a path cannot hold one".into(),
            });
        }
        Ok(text.to_owned())
    } else {
        Ok(name.to_owned())
    }
}

/// The folder of braille tables in a data directory.
pub fn tables_dir(dir: &DataDir) -> PathBuf {
    dir.devices.join("tables")
}

/// An oqu table file on the search path; later directories override earlier
/// ones, as for the other data files.
pub fn find_table(name: &str, search: &[DataDir]) -> Result<PathBuf, LouisError> {
    let found = search
        .iter()
        .rev()
        .map(|dir| tables_dir(dir).join(name))
        .find(|path| path.is_file());
    match found {
        // liblouis resolves includes against the including file's path: make it absolute.
        Some(path) => Ok(absolute(&path)),
        None => Err(LouisError::TableMissing {
            name: name.to_owned(),
            searched: search
                .iter()
                .map(|dir| tables_dir(dir).display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Options of one forward translation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Show the word under the cursor letter by letter (liblouis
    /// `compbrlAtCursor`), so a reader editing a contracted word sees what
    /// is typed. Needs a cursor.
    pub expand_word_at_cursor: bool,
    /// Use no contractions even with a contracted table (liblouis
    /// `noContractions`).
    pub no_contractions: bool,
}

impl Options {
    fn mode(self) -> c_int {
        let mut mode = DOTS_IO;
        if self.expand_word_at_cursor {
            mode |= COMPBRL_AT_CURSOR;
        }
        if self.no_contractions {
            mode |= NO_CONTRACTIONS;
        }
        mode
    }
}

/// Text translated to cells, with the position maps both ways.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Translation {
    /// One byte per cell: bit 0 = dot 1 … bit 7 = dot 8.
    pub cells: Vec<u8>,
    /// For each cell, the offset (in chars) of the input character it came from.
    pub cell_to_char: Vec<usize>,
    /// For each input character, the cell it begins at; never decreasing.
    pub char_to_cell: Vec<usize>,
    /// The cell of the cursor given, `cells.len()` for a cursor at the end
    /// of the text.
    pub cursor_cell: Option<usize>,
}

impl Translation {
    /// The cells as Unicode braille (U+2800…), for logs and tests.
    pub fn unicode(&self) -> String {
        cells_to_unicode(&self.cells)
    }
}

/// Cells as Unicode braille patterns.
pub fn cells_to_unicode(cells: &[u8]) -> String {
    cells
        .iter()
        .map(|&cell| char::from_u32(0x2800 + u32::from(cell)).unwrap_or(' '))
        .collect()
}

/// Translates `text` to braille cells with `tables`. `cursor` is a char
/// offset in `text`, at most its length.
pub fn translate(
    tables: &str,
    text: &str,
    cursor: Option<usize>,
    options: Options,
) -> Result<Translation, LouisError> {
    let table_list = table_list(tables)?;
    let len = text.chars().count();
    if len > MAX_CHARS {
        return Err(LouisError::TooLong {
            got: len,
            max: MAX_CHARS,
        });
    }
    if let Some(cursor) = cursor.filter(|&c| c > len) {
        return Err(LouisError::Cursor { cursor, len });
    }
    // liblouis stops at U+0000; a space keeps positions one for one.
    let input: Vec<WideChar> = text
        .chars()
        .map(|c| {
            if c == '\0' {
                ' ' as WideChar
            } else {
                c as WideChar
            }
        })
        .collect();
    // liblouis maps a cursor on a character; one after the text is ours to map.
    let louis_cursor = cursor.filter(|&c| c < len);

    let mut louis = ffi::lock()?;
    let mut capacity = first_capacity(len);
    loop {
        let mut output = vec![0; capacity];
        let mut output_pos = vec![0; len.max(1)];
        let mut input_pos = vec![0; capacity];
        let outcome = louis
            .call(
                Direction::Forward,
                &table_list,
                Buffers {
                    input: &input,
                    output: &mut output,
                    output_pos: Some(&mut output_pos),
                    input_pos: Some(&mut input_pos),
                },
                louis_cursor,
                options.mode(),
            )
            .ok_or_else(|| internal(tables, "forward translation"))?;
        if !outcome.ok {
            return Err(failure(&mut louis, tables, &table_list, "translation"));
        }
        if outcome.consumed < len || outcome.produced >= capacity {
            capacity = grow(capacity, len)
                .ok_or_else(|| stopped(tables, "translation", outcome.consumed, len))?;
            continue;
        }
        drop(louis);

        let produced = outcome.produced;
        let cells = output[..produced]
            .iter()
            .map(|&dots| to_cell(dots))
            .collect();
        let last_char = len.saturating_sub(1);
        let last_cell = produced.saturating_sub(1);
        let cell_to_char = input_pos[..produced]
            .iter()
            .map(|&pos| usize::try_from(pos).unwrap_or(0).min(last_char))
            .collect();
        let char_to_cell = output_pos[..len]
            .iter()
            .map(|&pos| usize::try_from(pos).unwrap_or(0).min(last_cell))
            .collect();
        let cursor_cell = match (cursor, outcome.cursor) {
            (Some(c), _) if c == len => Some(produced),
            (Some(_), Some(cell)) => Some(usize::try_from(cell).unwrap_or(0).min(last_cell)),
            _ => None,
        };
        return Ok(Translation {
            cells,
            cell_to_char,
            char_to_cell,
            cursor_cell,
        });
    }
}

/// Translates cells (bit 0 = dot 1 … bit 7 = dot 8) back to text.
pub fn back_translate(tables: &str, cells: &[u8]) -> Result<String, LouisError> {
    let table_list = table_list(tables)?;
    let len = cells.len();
    if len > MAX_CHARS {
        return Err(LouisError::TooLong {
            got: len,
            max: MAX_CHARS,
        });
    }
    // A blank cell must still carry LOU_DOTS: liblouis stops at a zero widechar.
    let input: Vec<WideChar> = cells
        .iter()
        .map(|&cell| LOU_DOTS | WideChar::from(cell))
        .collect();

    let mut louis = ffi::lock()?;
    // Contractions and escapes such as `\456/` make text longer than cells.
    let mut capacity = first_capacity(len) + len;
    loop {
        let mut output = vec![0; capacity];
        let outcome = louis
            .call(
                Direction::Backward,
                &table_list,
                Buffers {
                    input: &input,
                    output: &mut output,
                    output_pos: None,
                    input_pos: None,
                },
                None,
                DOTS_IO,
            )
            .ok_or_else(|| internal(tables, "back-translation"))?;
        if !outcome.ok {
            return Err(failure(&mut louis, tables, &table_list, "back-translation"));
        }
        if outcome.consumed < len || outcome.produced >= capacity {
            capacity = grow(capacity, len)
                .ok_or_else(|| stopped(tables, "back-translation", outcome.consumed, len))?;
            continue;
        }
        return Ok(output[..outcome.produced]
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect());
    }
}

/// Loads and compiles `tables`, or says why liblouis cannot.
pub fn check_table(tables: &str) -> Result<(), LouisError> {
    let table_list = table_list(tables)?;
    let mut louis = ffi::lock()?;
    if louis.check_table(&table_list) {
        Ok(())
    } else {
        Err(LouisError::Table {
            tables: tables.to_owned(),
            detail: reason(ffi::take_log()),
        })
    }
}

/// The liblouis version, such as "3.24.0".
pub fn version() -> Result<String, LouisError> {
    Ok(ffi::lock()?.version())
}

/// Drops liblouis's compiled tables, so that the next call reads the table
/// files again (after a station changed one).
pub fn forget_tables() -> Result<(), LouisError> {
    ffi::lock()?.free();
    Ok(())
}

/// A table list as liblouis takes it: non-empty, no NUL, short enough for
/// liblouis's fixed buffers.
fn table_list(tables: &str) -> Result<CString, LouisError> {
    let refuse = |detail: &str| LouisError::TableList {
        tables: tables.chars().take(200).collect(),
        detail: detail.to_owned(),
    };
    if tables.split(',').any(|name| name.trim().is_empty()) {
        return Err(refuse("a table name is empty"));
    }
    if tables.len() > MAX_TABLE_LIST_BYTES {
        return Err(refuse("longer than 1024 bytes"));
    }
    CString::new(tables).map_err(|_| refuse("contains a NUL character"))
}

/// Output room for the first try: twice the input, and never less than the
/// input (see the module comment).
fn first_capacity(len: usize) -> usize {
    2 * len + 64
}

/// The next output size, or `None` past the limit: escapes make at most
/// about ten cells per character, so sixteen times the input means liblouis
/// is stopping for another reason.
fn grow(capacity: usize, len: usize) -> Option<usize> {
    let limit = 16 * len + 1024;
    (capacity < limit).then(|| (capacity * 2).min(limit))
}

/// A dot pattern from liblouis as a physical cell: virtual dots 9 and up
/// dropped, and so is anything that is not a dot pattern (liblouis gives
/// none in dots mode).
fn to_cell(dots: WideChar) -> u8 {
    if dots & LOU_DOTS != 0 {
        (dots & PHYSICAL_DOTS) as u8
    } else if (0x2800..=0x28ff).contains(&dots) {
        (dots - 0x2800) as u8
    } else {
        0
    }
}

/// liblouis returned 0: a table problem if the tables do not load, else a
/// translation failure, with liblouis's own words either way.
fn failure(
    louis: &mut ffi::Liblouis,
    tables: &str,
    table_list: &CString,
    direction: &'static str,
) -> LouisError {
    let during = ffi::take_log();
    if louis.check_table(table_list) {
        LouisError::Translate {
            tables: tables.to_owned(),
            direction,
            detail: reason(during),
        }
    } else {
        LouisError::Table {
            tables: tables.to_owned(),
            detail: reason(ffi::take_log().or(during)),
        }
    }
}

fn reason(log: Option<String>) -> String {
    log.unwrap_or_else(|| "liblouis gave no reason".to_owned())
}

fn stopped(tables: &str, direction: &'static str, consumed: usize, len: usize) -> LouisError {
    LouisError::Translate {
        tables: tables.to_owned(),
        direction,
        detail: format!("liblouis stopped at character {consumed} of {len}"),
    }
}

fn internal(tables: &str, direction: &'static str) -> LouisError {
    LouisError::Translate {
        tables: tables.to_owned(),
        direction,
        detail: "oqu prepared inconsistent buffers (a bug)".into(),
    }
}
