//! Running oqud: connect, serve, take the names, wait for shutdown.
//!
//! [`run`] takes its bus connection and its shutdown trigger from the caller,
//! so tests start a real daemon on a private bus in a few lines.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use zbus::Connection;

use crate::config::data::DataDir;
use crate::config::{xdg_dir, Defaults};
use crate::core::{self, CoreHandle};
use crate::dbus::{self, BusKind, Context, NameError};
use crate::i18n::Msg;
use crate::speech::{self, espeak};
use crate::station::{ConfigSource, HostProbe, Station};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot connect to the {bus} bus: {source}")]
    Connect {
        bus: &'static str,
        #[source]
        source: zbus::Error,
    },
    #[error("cannot serve the D-Bus objects: {0}")]
    Serve(#[source] zbus::Error),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("cannot start the core thread: {0}")]
    Core(#[source] std::io::Error),
}

impl DaemonError {
    pub fn msg(&self) -> Msg {
        match self {
            DaemonError::Name(e) => e.msg(),
            DaemonError::Connect { bus, source } => Msg::BusUnreachable {
                bus: (*bus).to_owned(),
                detail: source.to_string(),
            },
            other => Msg::CallRefused {
                name: "oqud".into(),
                detail: other.to_string(),
            },
        }
    }
}

/// Where the station keeps its own state when the configuration names no place.
pub fn default_state_dir(bus: BusKind) -> PathBuf {
    match bus {
        BusKind::System => PathBuf::from("/var/lib/oqu"),
        BusKind::Session => xdg_dir("XDG_STATE_HOME", ".local/state")
            .map(|d| d.join("oqu"))
            .unwrap_or_else(|| PathBuf::from("/var/lib/oqu")),
    }
}

/// Everything `run` needs to know besides the connection.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bus: BusKind,
    pub config: Option<PathBuf>,
    pub data_path: Vec<DataDir>,
    pub state_dir: PathBuf,
}

impl Settings {
    pub fn config_source(&self) -> ConfigSource {
        ConfigSource {
            explicit: self.config.clone(),
            defaults: Defaults {
                state_dir: self.state_dir.clone(),
            },
            data_path: self.data_path.clone(),
        }
    }
}

/// Opens a connection to the bus without taking any name yet.
pub async fn connect(bus: BusKind, address: Option<&str>) -> Result<Connection, DaemonError> {
    let builder = match address {
        Some(address) => zbus::connection::Builder::address(address),
        None => match bus {
            BusKind::Session => zbus::connection::Builder::session(),
            BusKind::System => zbus::connection::Builder::system(),
        },
    };
    let connect_err = |source| DaemonError::Connect {
        bus: bus.id(),
        source,
    };
    builder
        .map_err(connect_err)?
        .build()
        .await
        .map_err(connect_err)
}

/// Serves oqu on `conn` until `shutdown` completes.
pub async fn run(
    conn: Connection,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let (speech_events, speech_event_stream) = tokio::sync::mpsc::unbounded_channel();
    let (braille_events, braille_event_stream) = tokio::sync::mpsc::unbounded_channel();
    let source = settings.config_source();
    // Loading files and starting eSpeak touch the disk: not on the runtime's threads.
    let (station, speech, braille) = tokio::task::spawn_blocking(move || {
        let station = Station::start(source);
        let speech = match espeak::sample_rate() {
            Ok(_) => speech::service::spawn(station.speech_config(&HostProbe), speech_events)
                .map_err(|e| tracing::error!("speech thread: {e}"))
                .ok(),
            Err(e) => {
                tracing::error!("speech unavailable: {e}");
                None
            }
        };
        let braille = station.braille_config().and_then(|config| {
            crate::braille::service::spawn(config, braille_events)
                .map_err(|e| tracing::error!("braille thread: {e}"))
                .ok()
        });
        (station, speech, braille)
    })
    .await
    .map_err(|e| DaemonError::Core(std::io::Error::other(e.to_string())))?;
    tracing::info!(
        config = %station.config.origin.describe(),
        bus = settings.bus.id(),
        speech = speech.is_some(),
        "station loaded"
    );
    let core = core::spawn(
        station,
        Arc::new(HostProbe),
        speech.clone(),
        braille.clone(),
    )
    .map_err(DaemonError::Core)?;
    let ctx = Context {
        core: core.clone(),
        bus: settings.bus,
        speech,
        braille,
    };
    dbus::serve(&conn, ctx).await.map_err(DaemonError::Serve)?;
    dbus::forward_speech_events(conn.clone(), speech_event_stream);
    dbus::forward_braille_events(conn.clone(), braille_event_stream);
    dbus::request_names(&conn).await?;
    tracing::info!(name = dbus::NAME, "ready");

    let reload_on_hangup = reload_on_sighup(core);
    tokio::select! {
        () = shutdown => {}
        () = reload_on_hangup => {}
    }

    tracing::info!("shutting down");
    // Give the names back first so a new oqud can start while this one finishes.
    for name in [dbus::PROVIDER_NAME, dbus::NAME] {
        if let Err(e) = conn.release_name(name).await {
            tracing::debug!(name, "release: {e}");
        }
    }
    Ok(())
}

/// `systemctl reload oqu` sends SIGHUP: re-read the configuration as Station.Reload does.
async fn reload_on_sighup(core: CoreHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return std::future::pending().await;
    };
    while hangups.recv().await.is_some() {
        match core.reload().await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("SIGHUP reload refused: {e}"),
            Err(_) => break,
        }
    }
    std::future::pending().await
}

/// Completes on SIGTERM or SIGINT.
pub async fn termination() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
