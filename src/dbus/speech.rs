//! `org.oqu.Oqu1.Speech`: queueing and stopping speech (issue 3 builds the engines).

use zbus::interface;
use zbus::object_server::SignalEmitter;

use super::options::{self, Dict};
use super::{Context, Error};
use crate::i18n::Subsystem;
use crate::requests::MAX_SPEAK_CHARS;

pub struct Speech {
    ctx: Context,
}

impl Speech {
    pub fn new(ctx: Context) -> Speech {
        Speech { ctx }
    }
}

#[interface(name = "org.oqu.Oqu1.Speech")]
impl Speech {
    /// Queues speech and returns its id. options: language s (auto, kk, ru, en or
    /// BCP-47), priority s (important, message, text, notification, progress),
    /// voice s (profile id), rate/pitch/volume i (-100..100), punctuation s
    /// (none, some, most, all), spell b, ssml b. Text: at most 65536 characters.
    #[zbus(out_args("id"))]
    async fn speak(&self, text: &str, options: Dict) -> Result<u64, Error> {
        self.ctx.check_len("text", text, MAX_SPEAK_CHARS)?;
        options::speak(&options).map_err(|m| self.ctx.invalid(m))?;
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// Stops the caller's current speech and drops its queue.
    async fn stop(&self) -> Result<(), Error> {
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// Pauses the caller's speech where it is.
    async fn pause(&self) -> Result<(), Error> {
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// Resumes paused speech.
    async fn resume(&self) -> Result<(), Error> {
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// (profile id, display name, languages) of every voice.
    #[zbus(out_args("voices"))]
    async fn list_voices(&self) -> Result<Vec<(String, String, Vec<String>)>, Error> {
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// The first audio of `id` reached the output.
    #[zbus(signal)]
    async fn started(emitter: &SignalEmitter<'_>, id: u64) -> zbus::Result<()>;

    /// The word at [start, end) of the caller's text (in characters) is being spoken.
    #[zbus(signal)]
    async fn word(emitter: &SignalEmitter<'_>, id: u64, start: u32, end: u32) -> zbus::Result<()>;

    /// `id` ended; completed is false when it was stopped or pre-empted.
    #[zbus(signal)]
    async fn finished(emitter: &SignalEmitter<'_>, id: u64, completed: bool) -> zbus::Result<()>;

    /// True while speech is playing.
    // Nothing is spoken until the speech subsystem exists.
    #[zbus(property)]
    async fn speaking(&self) -> bool {
        false
    }
}
