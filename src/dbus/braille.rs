//! `org.oqu.Oqu1.Braille`: showing text on the display.

use zbus::interface;
use zbus::object_server::SignalEmitter;

use super::options::{self, Dict};
use super::{Context, Error};
use crate::braille::service::{BrailleError, BrailleHandle, BrailleState};
use crate::i18n::{Msg, Subsystem};
use crate::requests::{MAX_CELLS, MAX_MESSAGE_CHARS, MAX_MESSAGE_TIMEOUT_MS, MAX_SHOW_CHARS};

pub struct Braille {
    ctx: Context,
}

impl Braille {
    pub fn new(ctx: Context) -> Braille {
        Braille { ctx }
    }

    fn handle(&self) -> Result<&BrailleHandle, Error> {
        self.ctx
            .braille
            .as_ref()
            .ok_or_else(|| self.ctx.not_built(Subsystem::Braille))
    }

    fn refused(&self, error: BrailleError) -> Error {
        match error {
            BrailleError::Refused(msg) => self.ctx.invalid(msg),
            BrailleError::Gone => self.ctx.shutting_down(),
        }
    }

    async fn state(&self) -> BrailleState {
        match &self.ctx.braille {
            Some(braille) => braille.state().await.unwrap_or_default(),
            None => BrailleState::default(),
        }
    }
}

#[interface(name = "org.oqu.Oqu1.Braille")]
impl Braille {
    /// Shows text; the daemon translates, wraps at words and pans. options:
    /// cursor i (character offset, -1 none), language s (auto, kk, ru, en),
    /// table s (liblouis table list), contracted b. Text: at most 65536 characters.
    async fn show(&self, text: &str, options: Dict) -> Result<(), Error> {
        self.ctx.check_len("text", text, MAX_SHOW_CHARS)?;
        let options = options::show(&options).map_err(|m| self.ctx.invalid(m))?;
        self.handle()?
            .show(text, options)
            .await
            .map_err(|e| self.refused(e))
    }

    /// Shows raw cells, bit0 = dot 1 … bit7 = dot 8; at most 160 cells.
    async fn show_dots(&self, cells: Vec<u8>) -> Result<(), Error> {
        if cells.len() > MAX_CELLS {
            return Err(self.ctx.invalid(Msg::ArgumentTooLong {
                name: "cells",
                max: MAX_CELLS,
                got: cells.len(),
            }));
        }
        self.handle()?.show_dots(cells).map_err(|e| self.refused(e))
    }

    /// Shows a temporary message; timeout_ms 0 keeps it until a key is pressed
    /// (at most 600000 ms).
    async fn message(&self, text: &str, timeout_ms: u32) -> Result<(), Error> {
        self.ctx.check_len("text", text, MAX_MESSAGE_CHARS)?;
        if timeout_ms > MAX_MESSAGE_TIMEOUT_MS {
            return Err(self.ctx.invalid(Msg::ArgumentValue {
                name: "timeout_ms",
                got: timeout_ms.to_string(),
                allowed: format!("0..{MAX_MESSAGE_TIMEOUT_MS}"),
            }));
        }
        self.handle()?
            .message(text, timeout_ms)
            .await
            .map_err(|e| self.refused(e))
    }

    /// Blanks the display.
    async fn clear(&self) -> Result<(), Error> {
        self.handle()?.clear().map_err(|e| self.refused(e))
    }

    /// A display key, normalised: route (argument = cell), pan-left, pan-right,
    /// line-up, line-down, enter, escape, …
    #[zbus(signal)]
    pub async fn key(emitter: &SignalEmitter<'_>, name: &str, argument: u32) -> zbus::Result<()>;

    /// A routing key, mapped back to a character offset in the text last given to
    /// Show (panning and contraction accounted for).
    #[zbus(signal)]
    pub async fn routed(emitter: &SignalEmitter<'_>, offset: i32) -> zbus::Result<()>;

    /// Braille-keyboard input, back-translated with the active table.
    #[zbus(signal)]
    pub async fn typed(emitter: &SignalEmitter<'_>, text: &str) -> zbus::Result<()>;

    /// What the display now shows, for viewers and tests.
    // Named apart from the generated `cells_changed` notifier of the Cells property.
    #[zbus(signal, name = "CellsChanged")]
    pub async fn cells_shown(
        emitter: &SignalEmitter<'_>,
        cells: &[u8],
        text: &str,
    ) -> zbus::Result<()>;

    /// True while a display is connected and driven.
    #[zbus(property)]
    async fn connected(&self) -> bool {
        self.state().await.connected
    }

    /// The driver in use: brlapi, baum or virtual.
    #[zbus(property)]
    async fn driver(&self) -> String {
        self.state().await.driver
    }

    /// The display model, as the display reports it.
    #[zbus(property)]
    async fn model(&self) -> String {
        self.state().await.model
    }

    /// The liblouis table list in use.
    #[zbus(property)]
    async fn table(&self) -> String {
        self.state().await.table
    }

    /// Text cells of the display.
    #[zbus(property)]
    async fn cells(&self) -> u32 {
        self.state().await.cells
    }
}
