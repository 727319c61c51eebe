//! `org.freedesktop.Speech.Provider` (Spiel): the station's voices for any
//! Spiel client, streamed as `audio/x-spiel` into the pipe the client gives.

use zbus::interface;
use zbus::zvariant::OwnedFd;

use super::{Context, Error};
use crate::i18n::{Msg, Subsystem};
use crate::requests::MAX_SPEAK_CHARS;
use crate::speech::spiel::{self, Request};

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
        self.ctx.check_len("text", text, MAX_SPEAK_CHARS)?;
        let Some(speech) = &self.ctx.speech else {
            return Err(self.ctx.not_built(Subsystem::Speech));
        };
        let config = speech
            .config()
            .await
            .map_err(|_| self.ctx.shutting_down())?;
        let voice = match voice_id {
            "" => None,
            id => Some(
                config
                    .profiles
                    .iter()
                    .find(|v| v.id == id)
                    .cloned()
                    .ok_or_else(|| {
                        Error::NotFound(
                            Msg::OptionValue {
                                key: "voice_id".into(),
                                got: id.chars().take(64).collect(),
                                allowed: config
                                    .profiles
                                    .iter()
                                    .map(|v| v.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            }
                            .render(self.ctx.lang()),
                        )
                    })?,
            ),
        };
        let text = text.to_owned();
        let language = language.to_owned();
        let pipe = std::fs::File::from(std::os::fd::OwnedFd::from(pipe_fd));
        // The client reads while we write: synthesis runs beside the reply.
        tokio::task::spawn_blocking(move || {
            let request = Request {
                text: &text,
                voice: voice.as_ref(),
                language: &language,
                rate,
                pitch,
                ssml: is_ssml,
            };
            if let Err(e) = spiel::synthesize(&config, &request, pipe) {
                tracing::debug!("Spiel stream ended early: {e}");
            }
        });
        Ok(())
    }

    /// The provider's name as Spiel clients show it.
    #[zbus(property)]
    async fn name(&self) -> String {
        "oqu".into()
    }

    /// (name, id, output format, features, languages) of every voice.
    #[zbus(property)]
    async fn voices(&self) -> Vec<(String, String, String, u64, Vec<String>)> {
        let Some(speech) = &self.ctx.speech else {
            return Vec::new();
        };
        let rate = crate::speech::espeak::sample_rate().unwrap_or(22050);
        match speech.config().await {
            Ok(config) => config
                .profiles
                .into_iter()
                .map(|v| {
                    (
                        v.name,
                        v.id,
                        spiel::output_format(rate),
                        0,
                        vec![v.lang.code().to_owned()],
                    )
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}
