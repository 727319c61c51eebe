//! `org.oqu.Oqu1.Listen`: voice commands (issue 7 builds recognition).

use zbus::interface;
use zbus::object_server::SignalEmitter;

use super::options::{self, Dict};
use super::{Context, Error};
use crate::i18n::Subsystem;

pub struct Listen {
    ctx: Context,
}

impl Listen {
    pub fn new(ctx: Context) -> Listen {
        Listen { ctx }
    }
}

#[interface(name = "org.oqu.Oqu1.Listen")]
impl Listen {
    /// Begins listening (push-to-talk). options: language s, mode s (command,
    /// dictation).
    async fn start(&self, options: Dict) -> Result<(), Error> {
        options::listen(&options).map_err(|m| self.ctx.invalid(m))?;
        Err(self.ctx.not_built(Subsystem::Listen))
    }

    /// Ends listening; a pending result is still delivered.
    async fn stop(&self) -> Result<(), Error> {
        Err(self.ctx.not_built(Subsystem::Listen))
    }

    /// A recognised command, e.g. name "search" with args {"query": "абай"}.
    #[zbus(signal)]
    async fn command(
        emitter: &SignalEmitter<'_>,
        name: &str,
        args: Dict,
        heard: &str,
        confidence: f64,
    ) -> zbus::Result<()>;

    /// A dictation result.
    #[zbus(signal)]
    async fn dictated(emitter: &SignalEmitter<'_>, text: &str, confidence: f64)
        -> zbus::Result<()>;

    /// Speech that matched no command.
    #[zbus(signal)]
    async fn not_understood(emitter: &SignalEmitter<'_>, heard: &str) -> zbus::Result<()>;

    /// True while listening.
    #[zbus(property)]
    async fn listening(&self) -> bool {
        false
    }

    /// False when no recogniser or model is installed; Station.Status says why.
    #[zbus(property)]
    async fn available(&self) -> bool {
        false
    }
}
