//! `org.oqu.Oqu1.Speech`: queueing and stopping speech.

use std::sync::atomic::{AtomicBool, Ordering};

use zbus::interface;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

use super::options::{self, Dict};
use super::{Context, Error};
use crate::i18n::{Msg, Subsystem};
use crate::requests::MAX_SPEAK_CHARS;
use crate::speech::service::{SpeechError, SpeechHandle};

pub struct Speech {
    ctx: Context,
    speaking: AtomicBool,
}

impl Speech {
    pub fn new(ctx: Context) -> Speech {
        Speech {
            ctx,
            speaking: AtomicBool::new(false),
        }
    }

    pub fn set_speaking(&self, now: bool) {
        self.speaking.store(now, Ordering::Relaxed);
    }

    fn handle(&self) -> Result<&SpeechHandle, Error> {
        self.ctx
            .speech
            .as_ref()
            .ok_or_else(|| self.ctx.not_built(Subsystem::Speech))
    }

    fn refused(&self, error: SpeechError) -> Error {
        match error {
            SpeechError::NoVoiceForLanguage(tag, station) => self.ctx.invalid(Msg::OptionValue {
                key: "language".into(),
                got: tag,
                allowed: std::iter::once("auto")
                    .chain(station.iter().map(|l| l.code()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            SpeechError::NoSuchVoice(id) => Error::NotFound(
                Msg::OptionValue {
                    key: "voice".into(),
                    got: id,
                    allowed: "oqu voices".into(),
                }
                .render(self.ctx.lang()),
            ),
            SpeechError::Gone => self.ctx.shutting_down(),
        }
    }
}

/// The caller's unique bus name: each client's speech is its own to stop.
fn client(header: &Header<'_>) -> String {
    header.sender().map(|s| s.to_string()).unwrap_or_default()
}

#[interface(name = "org.oqu.Oqu1.Speech")]
impl Speech {
    /// Queues speech and returns its id. options: language s (auto, kk, ru, en or
    /// BCP-47), priority s (important, message, text, notification, progress),
    /// voice s (profile id), rate/pitch/volume i (-100..100), punctuation s
    /// (none, some, most, all), spell b, ssml b. Text: at most 65536 characters.
    #[zbus(out_args("id"))]
    async fn speak(
        &self,
        text: &str,
        options: Dict,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<u64, Error> {
        self.ctx.check_len("text", text, MAX_SPEAK_CHARS)?;
        let options = options::speak(&options).map_err(|m| self.ctx.invalid(m))?;
        let speech = self.handle()?;
        speech
            .speak(&client(&header), text, options)
            .await
            .map_err(|e| self.refused(e))
    }

    /// Stops the caller's current speech and drops its queue.
    async fn stop(&self, #[zbus(header)] header: Header<'_>) -> Result<(), Error> {
        self.handle()?
            .stop(&client(&header))
            .map_err(|e| self.refused(e))
    }

    /// Pauses the caller's speech where it is.
    async fn pause(&self, #[zbus(header)] header: Header<'_>) -> Result<(), Error> {
        self.handle()?
            .pause(&client(&header))
            .map_err(|e| self.refused(e))
    }

    /// Resumes paused speech.
    async fn resume(&self, #[zbus(header)] header: Header<'_>) -> Result<(), Error> {
        self.handle()?
            .resume(&client(&header))
            .map_err(|e| self.refused(e))
    }

    /// (profile id, display name, languages) of every voice.
    #[zbus(out_args("voices"))]
    async fn list_voices(&self) -> Result<Vec<(String, String, Vec<String>)>, Error> {
        let voices = self.handle()?.voices().await.map_err(|e| self.refused(e))?;
        Ok(voices
            .into_iter()
            .map(|v| (v.id, v.name, vec![v.lang.code().to_owned()]))
            .collect())
    }

    /// The first audio of `id` reached the output.
    #[zbus(signal)]
    pub async fn started(emitter: &SignalEmitter<'_>, id: u64) -> zbus::Result<()>;

    /// The word at [start, end) of the caller's text (in characters) is being spoken.
    #[zbus(signal)]
    pub async fn word(
        emitter: &SignalEmitter<'_>,
        id: u64,
        start: u32,
        end: u32,
    ) -> zbus::Result<()>;

    /// `id` ended; completed is false when it was stopped or pre-empted.
    #[zbus(signal)]
    pub async fn finished(
        emitter: &SignalEmitter<'_>,
        id: u64,
        completed: bool,
    ) -> zbus::Result<()>;

    /// True while speech is playing.
    #[zbus(property)]
    async fn speaking(&self) -> bool {
        self.speaking.load(Ordering::Relaxed)
    }
}
