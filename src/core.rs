//! The core: one thread that owns the station and answers requests sent
//! from the D-Bus layer over a channel.
//!
//! The D-Bus objects hold only a [`CoreHandle`]. File reading and system
//! checks happen on the core thread, never on the async runtime, so a slow
//! disk cannot stall an unrelated D-Bus call. Device subsystems will join as
//! their own threads with handles of the same shape.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::braille::service::BrailleHandle;
use crate::config::FileError;
use crate::i18n::Lang;
use crate::speech::service::SpeechHandle;
use crate::station::{Running, Station, StatusReport, SystemProbe};

/// What the D-Bus layer may ask of the core.
#[derive(Debug)]
pub enum Request {
    Status(oneshot::Sender<StatusReport>),
    Reload(oneshot::Sender<Result<(), FileError>>),
}

/// Settings every D-Bus call needs without a round trip to the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The language of oqu's own words (errors, status reasons).
    pub lang: Lang,
    /// Group whose members may change the station on the system bus.
    pub mentors_group: String,
}

impl Shared {
    fn of(station: &Station) -> Shared {
        Shared {
            lang: station.ui_lang(),
            mentors_group: station.config.mentors_group.clone(),
        }
    }
}

/// The core has stopped (the daemon is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("oqud is shutting down")]
pub struct CoreGone;

/// A cheap, cloneable way to reach the core.
#[derive(Clone)]
pub struct CoreHandle {
    requests: mpsc::Sender<Request>,
    shared: watch::Receiver<Shared>,
}

impl CoreHandle {
    pub fn shared(&self) -> Shared {
        self.shared.borrow().clone()
    }

    pub fn lang(&self) -> Lang {
        self.shared.borrow().lang
    }

    pub async fn status(&self) -> Result<StatusReport, CoreGone> {
        self.ask(Request::Status).await
    }

    pub async fn reload(&self) -> Result<Result<(), FileError>, CoreGone> {
        self.ask(Request::Reload).await
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, CoreGone> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(make(reply))
            .await
            .map_err(|_| CoreGone)?;
        answer.await.map_err(|_| CoreGone)
    }
}

/// Starts the core thread. It ends when every handle is dropped. The
/// subsystems' handles let it pass on reloaded settings and ask for Status.
pub fn spawn(
    station: Station,
    probe: Arc<dyn SystemProbe>,
    speech: Option<SpeechHandle>,
    braille: Option<BrailleHandle>,
) -> std::io::Result<CoreHandle> {
    // Requests are small and answered quickly; a short queue pushes back on a flood.
    let (requests, mut inbox) = mpsc::channel(64);
    let (publish, shared) = watch::channel(Shared::of(&station));
    std::thread::Builder::new()
        .name("oqu-core".into())
        .spawn(move || {
            let mut station = station;
            while let Some(request) = inbox.blocking_recv() {
                match request {
                    Request::Status(reply) => {
                        let running = Running {
                            speech_output: speech.as_ref().and_then(|s| s.output_blocking().ok()),
                            braille: braille.as_ref().and_then(|b| b.state_blocking().ok()),
                        };
                        let _ = reply.send(station.status(probe.as_ref(), &running));
                    }
                    Request::Reload(reply) => {
                        let result = station.reload();
                        if let (Ok(()), Some(speech)) = (&result, &speech) {
                            let _ = speech.configure(station.speech_config(probe.as_ref()));
                        }
                        if let (Ok(()), Some(braille), Some(config)) =
                            (&result, &braille, station.braille_config())
                        {
                            let _ = braille.configure(config);
                        }
                        publish.send_if_modified(|shared| {
                            let now = Shared::of(&station);
                            let changed = *shared != now;
                            *shared = now;
                            changed
                        });
                        let _ = reply.send(result);
                    }
                }
            }
            tracing::debug!("core stopped");
        })?;
    Ok(CoreHandle { requests, shared })
}
