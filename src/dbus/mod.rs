//! The D-Bus layer: the only part of oqu that knows zbus.
//!
//! Each interface is a thin struct holding a [`Context`]; a method checks its
//! arguments, asks the core (or a subsystem) over a channel and maps the
//! answer to a reply. Wire types and their conversions live here, never in
//! the domain modules.

mod auth;
pub mod braille;
mod library;
mod listen;
pub mod options;
mod reader;
pub mod speech;
mod spiel;
mod station;
mod status;

use zbus::Connection;

use crate::braille::service::{BrailleEvent, BrailleHandle};
use crate::core::CoreHandle;
use crate::i18n::{Lang, Msg, Subsystem};
use crate::speech::service::{SpeechEvent, SpeechHandle};

pub use auth::BusKind;

/// The well-known name of the service.
pub const NAME: &str = "org.oqu.Oqu1";
/// The object every oqu interface is served at.
pub const PATH: &str = "/org/oqu/Oqu1";
/// The Spiel speech provider's name and object.
pub const PROVIDER_NAME: &str = "org.oqu.Oqu1.Speech.Provider";
pub const PROVIDER_PATH: &str = "/org/oqu/Oqu1/Speech/Provider";

/// The interfaces served at [`PATH`].
pub const INTERFACES: [&str; 6] = [
    "org.oqu.Oqu1.Speech",
    "org.oqu.Oqu1.Braille",
    "org.oqu.Oqu1.Listen",
    "org.oqu.Oqu1.Library",
    "org.oqu.Oqu1.Reader",
    "org.oqu.Oqu1.Station",
];

/// The introspection data the service must match, kept in the repository.
pub const INTROSPECTION_XML: &str = include_str!("../../data/org.oqu.Oqu1.xml");

/// Errors as callers see them: `org.oqu.Oqu1.Error.*` with a sentence in the
/// station's language.
#[derive(Debug)]
pub enum Error {
    /// From zbus itself: arguments that do not match the signature become the
    /// standard `InvalidArgs`; anything else is `Failed`.
    ZBus(zbus::Error),
    InvalidArgument(String),
    NotFound(String),
    Unavailable(String),
    PermissionDenied(String),
    Busy(String),
    Unsupported(String),
    Failed(String),
}

impl From<zbus::Error> for Error {
    fn from(e: zbus::Error) -> Error {
        Error::ZBus(e)
    }
}

impl From<zbus::fdo::Error> for Error {
    fn from(e: zbus::fdo::Error) -> Error {
        Error::ZBus(e.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use zbus::DBusError;
        write!(
            f,
            "{}: {}",
            self.name(),
            self.description().unwrap_or_default()
        )
    }
}

impl std::error::Error for Error {}

impl zbus::DBusError for Error {
    fn name(&self) -> zbus::names::ErrorName<'_> {
        let name = match self {
            Error::ZBus(zbus::Error::MethodError(name, _, _)) => return name.inner().clone(),
            Error::ZBus(zbus::Error::Variant(_)) => "org.freedesktop.DBus.Error.InvalidArgs",
            Error::ZBus(_) => "org.oqu.Oqu1.Error.Failed",
            Error::InvalidArgument(_) => "org.oqu.Oqu1.Error.InvalidArgument",
            Error::NotFound(_) => "org.oqu.Oqu1.Error.NotFound",
            Error::Unavailable(_) => "org.oqu.Oqu1.Error.Unavailable",
            Error::PermissionDenied(_) => "org.oqu.Oqu1.Error.PermissionDenied",
            Error::Busy(_) => "org.oqu.Oqu1.Error.Busy",
            Error::Unsupported(_) => "org.oqu.Oqu1.Error.Unsupported",
            Error::Failed(_) => "org.oqu.Oqu1.Error.Failed",
        };
        zbus::names::ErrorName::from_static_str_unchecked(name)
    }

    fn description(&self) -> Option<&str> {
        match self {
            Error::ZBus(zbus::Error::MethodError(_, description, _)) => description.as_deref(),
            Error::ZBus(_) => None,
            Error::InvalidArgument(m)
            | Error::NotFound(m)
            | Error::Unavailable(m)
            | Error::PermissionDenied(m)
            | Error::Busy(m)
            | Error::Unsupported(m)
            | Error::Failed(m) => Some(m),
        }
    }

    fn create_reply(
        &self,
        call: &zbus::message::Header<'_>,
    ) -> zbus::Result<zbus::message::Message> {
        let text = match self {
            Error::ZBus(zbus::Error::MethodError(_, description, _)) => {
                description.clone().unwrap_or_default()
            }
            Error::ZBus(e) => e.to_string(),
            _ => self.description().unwrap_or_default().to_owned(),
        };
        zbus::message::Message::error(call, self.name())?.build(&(text,))
    }
}

/// What every interface object holds: a way to reach the core, and which bus it is on.
#[derive(Clone)]
pub struct Context {
    pub core: CoreHandle,
    pub bus: BusKind,
    /// None when eSpeak NG could not start.
    pub speech: Option<SpeechHandle>,
    /// None when the display profile is missing.
    pub braille: Option<BrailleHandle>,
}

impl Context {
    pub fn lang(&self) -> Lang {
        self.core.lang()
    }

    pub fn invalid(&self, msg: Msg) -> Error {
        Error::InvalidArgument(msg.render(self.lang()))
    }

    /// The reply of a member whose subsystem is not built into this oqud.
    pub fn not_built(&self, subsystem: Subsystem) -> Error {
        Error::Unavailable(Msg::NotBuilt { subsystem }.render(self.lang()))
    }

    pub fn failed(&self, msg: Msg) -> Error {
        Error::Failed(msg.render(self.lang()))
    }

    /// Refuses a string argument longer than `max` characters.
    pub fn check_len(&self, name: &'static str, text: &str, max: usize) -> Result<(), Error> {
        // Byte length bounds the char count from above; count chars only when it might matter.
        if text.len() > max && text.chars().count() > max {
            return Err(self.invalid(Msg::ArgumentTooLong {
                name,
                max,
                got: text.chars().count(),
            }));
        }
        Ok(())
    }

    /// The core stopped: only while shutting down.
    pub fn shutting_down(&self) -> Error {
        Error::Unavailable("oqud is shutting down".into())
    }
}

/// Serves every interface on `conn`. Names are requested separately, after
/// the objects exist, so no call arrives before there is something to answer it.
pub async fn serve(conn: &Connection, ctx: Context) -> zbus::Result<()> {
    let server = conn.object_server();
    server.at(PATH, speech::Speech::new(ctx.clone())).await?;
    server.at(PATH, braille::Braille::new(ctx.clone())).await?;
    server.at(PATH, listen::Listen::new(ctx.clone())).await?;
    server.at(PATH, library::Library::new(ctx.clone())).await?;
    server.at(PATH, reader::Reader::new(ctx.clone())).await?;
    server.at(PATH, station::Station::new(ctx.clone())).await?;
    server.at(PROVIDER_PATH, spiel::Provider::new(ctx)).await?;
    Ok(())
}

/// Turns the speech thread's events into Speech signals and the Speaking property.
pub fn forward_speech_events(
    conn: zbus::Connection,
    mut events: tokio::sync::mpsc::UnboundedReceiver<SpeechEvent>,
) {
    tokio::spawn(async move {
        let Ok(iface) = conn
            .object_server()
            .interface::<_, speech::Speech>(PATH)
            .await
        else {
            return;
        };
        let emitter = iface.signal_emitter().clone();
        while let Some(event) = events.recv().await {
            let sent = match event {
                SpeechEvent::Started(id) => speech::Speech::started(&emitter, id).await,
                SpeechEvent::Word(id, start, end) => {
                    speech::Speech::word(&emitter, id, start, end).await
                }
                SpeechEvent::Finished(id, completed) => {
                    speech::Speech::finished(&emitter, id, completed).await
                }
                SpeechEvent::Speaking(now) => {
                    let speech = iface.get().await;
                    speech.set_speaking(now);
                    speech.speaking_changed(&emitter).await
                }
            };
            if let Err(e) = sent {
                tracing::debug!("speech signal not sent: {e}");
            }
        }
    });
}

/// Turns the braille thread's events into Braille signals and property changes.
pub fn forward_braille_events(
    conn: zbus::Connection,
    mut events: tokio::sync::mpsc::UnboundedReceiver<BrailleEvent>,
) {
    tokio::spawn(async move {
        let Ok(iface) = conn
            .object_server()
            .interface::<_, braille::Braille>(PATH)
            .await
        else {
            return;
        };
        let emitter = iface.signal_emitter().clone();
        while let Some(event) = events.recv().await {
            let sent = match event {
                BrailleEvent::Key(name, argument) => {
                    braille::Braille::key(&emitter, &name, argument).await
                }
                BrailleEvent::Routed(offset) => braille::Braille::routed(&emitter, offset).await,
                BrailleEvent::Typed(text) => braille::Braille::typed(&emitter, &text).await,
                BrailleEvent::CellsChanged(cells, text) => {
                    braille::Braille::cells_shown(&emitter, &cells, &text).await
                }
                BrailleEvent::Connected(_) => {
                    let braille = iface.get().await;
                    let _ = braille.connected_changed(&emitter).await;
                    let _ = braille.driver_changed(&emitter).await;
                    let _ = braille.model_changed(&emitter).await;
                    braille.cells_changed(&emitter).await
                }
            };
            if let Err(e) = sent {
                tracing::debug!("braille signal not sent: {e}");
            }
        }
    });
}

/// Why the service's names could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error("{name} is already owned by {owner}")]
    Taken { name: String, owner: String },
    #[error("{name}: {source}")]
    Bus {
        name: String,
        #[source]
        source: zbus::Error,
    },
}

impl NameError {
    pub fn msg(&self) -> Msg {
        match self {
            NameError::Taken { name, owner } => Msg::NameTaken {
                name: name.clone(),
                owner: owner.clone(),
            },
            NameError::Bus { name, source } => Msg::CallRefused {
                name: name.clone(),
                detail: source.to_string(),
            },
        }
    }
}

/// Takes `org.oqu.Oqu1` and the Spiel provider name. If another process owns
/// them, says which one instead of queueing behind it.
pub async fn request_names(conn: &Connection) -> Result<(), NameError> {
    use zbus::fdo::RequestNameFlags;
    for name in [NAME, PROVIDER_NAME] {
        match conn
            .request_name_with_flags(name, RequestNameFlags::DoNotQueue.into())
            .await
        {
            Ok(_) => {}
            Err(zbus::Error::NameTaken) => {
                return Err(NameError::Taken {
                    name: name.to_owned(),
                    owner: describe_owner(conn, name).await,
                })
            }
            Err(source) => {
                return Err(NameError::Bus {
                    name: name.to_owned(),
                    source,
                })
            }
        }
    }
    Ok(())
}

/// "pid 1234 (oqud)", as far as the bus will tell.
async fn describe_owner(conn: &Connection, name: &str) -> String {
    let Ok(bus) = zbus::fdo::DBusProxy::new(conn).await else {
        return "?".into();
    };
    let Ok(bus_name) = zbus::names::BusName::try_from(name) else {
        return "?".into();
    };
    match bus.get_connection_unix_process_id(bus_name).await {
        Ok(pid) => {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            let comm = comm.trim();
            if comm.is_empty() {
                format!("pid {pid}")
            } else {
                format!("pid {pid}, {comm}")
            }
        }
        Err(_) => "?".into(),
    }
}
