//! `org.freedesktop.Speech.Provider` (Spiel), so any Spiel client can find
//! the station. The name is taken now so nothing else claims it; until the
//! speech subsystem exists the provider lists no voices and refuses to speak.

use zbus::interface;
use zbus::zvariant::OwnedFd;

use super::{Context, Error};
use crate::i18n::Subsystem;

pub struct Provider {
    ctx: Context,
}

impl Provider {
    pub fn new(ctx: Context) -> Provider {
        Provider { ctx }
    }
}

#[interface(name = "org.freedesktop.Speech.Provider")]
impl Provider {
    /// Writes `text` as an audio/x-spiel stream to pipe_fd.
    #[allow(clippy::too_many_arguments)] // the Spiel interface's own shape
    async fn synthesize(
        &self,
        pipe_fd: OwnedFd,
        text: &str,
        voice_id: &str,
        pitch: f64,
        rate: f64,
        is_ssml: bool,
        language: &str,
    ) -> Result<(), Error> {
        // Dropping the pipe closes it, so a waiting client sees the end at once.
        drop(pipe_fd);
        let _ = (text, voice_id, pitch, rate, is_ssml, language);
        Err(self.ctx.not_built(Subsystem::Speech))
    }

    /// The provider's name as Spiel clients show it.
    #[zbus(property)]
    async fn name(&self) -> String {
        "oqu".into()
    }

    /// (name, id, output format, features, languages) of every voice.
    // None until the speech subsystem exists.
    #[zbus(property)]
    async fn voices(&self) -> Vec<(String, String, String, u64, Vec<String>)> {
        Vec::new()
    }
}
