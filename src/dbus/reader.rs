//! `org.oqu.Oqu1.Reader`: opening and reading books (issue 6 builds the readers).

use zbus::interface;
use zbus::object_server::SignalEmitter;

use super::options::Dict;
use super::{Context, Error};
use crate::i18n::{Msg, Subsystem};
use crate::requests::{MoveUnit, MAX_ID_CHARS, MAX_PATH_BYTES};

pub struct Reader {
    ctx: Context,
}

impl Reader {
    pub fn new(ctx: Context) -> Reader {
        Reader { ctx }
    }

    fn unavailable(&self) -> Error {
        self.ctx.not_built(Subsystem::Reader)
    }
}

/// Percent moves are bounded by the book; other moves by a generous count.
const MAX_MOVE_COUNT: i32 = 100_000;

#[interface(name = "org.oqu.Oqu1.Reader")]
impl Reader {
    /// Opens a catalogue id or a file path; returns title, authors, language,
    /// format and position.
    #[zbus(out_args("book"))]
    async fn open(&self, book: &str) -> Result<Dict, Error> {
        self.ctx.check_len("book", book, MAX_PATH_BYTES)?;
        Err(self.unavailable())
    }

    /// Closes the book, saving the position.
    async fn close(&self) -> Result<(), Error> {
        Err(self.unavailable())
    }

    /// Reads aloud from the position, braille following along.
    async fn read(&self) -> Result<(), Error> {
        Err(self.unavailable())
    }

    /// Stops reading, keeping the position.
    async fn stop(&self) -> Result<(), Error> {
        Err(self.unavailable())
    }

    /// Moves by `count` units, speaks and shows the new position, and returns it.
    #[zbus(name = "Move", out_args("position"))]
    async fn move_by(&self, unit: &str, count: i32) -> Result<Dict, Error> {
        let Some(unit) = MoveUnit::parse(unit) else {
            return Err(self.ctx.invalid(Msg::ArgumentValue {
                name: "unit",
                got: unit.chars().take(64).collect(),
                allowed: MoveUnit::NAMES.into(),
            }));
        };
        let range = if unit == MoveUnit::Percent {
            -100..=100
        } else {
            -MAX_MOVE_COUNT..=MAX_MOVE_COUNT
        };
        if !range.contains(&count) {
            return Err(self.ctx.invalid(Msg::ArgumentValue {
                name: "count",
                got: count.to_string(),
                allowed: format!("{}..{}", range.start(), range.end()),
            }));
        }
        Err(self.unavailable())
    }

    /// Goes to a locator returned by Where or a bookmark.
    #[zbus(name = "GoTo")]
    async fn go_to(&self, locator: &str) -> Result<(), Error> {
        self.ctx.check_len("locator", locator, MAX_ID_CHARS)?;
        Err(self.unavailable())
    }

    /// Title, heading path, page, percent and locator of the position.
    #[zbus(name = "Where", out_args("position"))]
    async fn where_am_i(&self) -> Result<Dict, Error> {
        Err(self.unavailable())
    }

    /// Adds a bookmark at the position and returns its id.
    #[zbus(out_args("id"))]
    async fn add_bookmark(&self, label: &str) -> Result<String, Error> {
        self.ctx.check_len("label", label, MAX_ID_CHARS)?;
        Err(self.unavailable())
    }

    /// The bookmarks of the open book.
    #[zbus(out_args("bookmarks"))]
    async fn bookmarks(&self) -> Result<Vec<Dict>, Error> {
        Err(self.unavailable())
    }

    /// Removes a bookmark.
    async fn remove_bookmark(&self, id: &str) -> Result<(), Error> {
        self.ctx.check_len("id", id, MAX_ID_CHARS)?;
        Err(self.unavailable())
    }

    /// The position changed.
    #[zbus(signal)]
    async fn moved(emitter: &SignalEmitter<'_>, position: Dict) -> zbus::Result<()>;
}
