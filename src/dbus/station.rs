//! `org.oqu.Oqu1.Station`: what mentors use to see and change the station.

use zbus::message::Header;
use zbus::{interface, Connection};

use super::options::Dict;
use super::{status, Context, Error};
use crate::i18n::{Msg, Subsystem};
use crate::requests::{MAX_ID_CHARS, MAX_PATH_BYTES};

pub struct Station {
    ctx: Context,
}

impl Station {
    pub fn new(ctx: Context) -> Station {
        Station { ctx }
    }
}

#[interface(name = "org.oqu.Oqu1.Station")]
impl Station {
    /// Devices, voices, recogniser, catalogue, active reader and problems found.
    #[zbus(out_args("status"))]
    async fn status(&self) -> Result<Dict, Error> {
        let report = self
            .ctx
            .core
            .status()
            .await
            .map_err(|_| self.ctx.shutting_down())?;
        status::to_wire(&report, self.ctx.bus).map_err(Error::ZBus)
    }

    /// Re-reads the configuration (mentors only); a bad file is refused with its
    /// line and column and the running configuration is kept.
    async fn reload(
        &self,
        #[zbus(connection)] conn: &Connection,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), Error> {
        self.ctx.require_mentor(conn, &header, "Reload").await?;
        match self
            .ctx
            .core
            .reload()
            .await
            .map_err(|_| self.ctx.shutting_down())?
        {
            Ok(()) => Ok(()),
            Err(refused) => {
                let msg = refused.msg();
                let (location, detail) = match msg {
                    Msg::FileRefused { location, detail } => (location, detail),
                    other => (String::new(), other.render(self.ctx.lang())),
                };
                Err(self.ctx.invalid(Msg::ConfigKept { location, detail }))
            }
        }
    }

    /// A reader (library card) starts a session; their profile and positions load.
    #[zbus(out_args("session"))]
    async fn begin_session(&self, reader: &str) -> Result<Dict, Error> {
        self.ctx.check_len("reader", reader, MAX_ID_CHARS)?;
        Err(self.ctx.not_built(Subsystem::Sessions))
    }

    /// The reader leaves; nothing of theirs stays visible.
    async fn end_session(&self) -> Result<(), Error> {
        Err(self.ctx.not_built(Subsystem::Sessions))
    }

    /// Imports MARC records (ISO 2709 or MARCXML) into the embedded catalogue
    /// (mentors only); returns how many.
    #[zbus(out_args("count"))]
    async fn import_catalogue(
        &self,
        path: &str,
        #[zbus(connection)] conn: &Connection,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<u32, Error> {
        self.ctx
            .require_mentor(conn, &header, "ImportCatalogue")
            .await?;
        if path.len() > MAX_PATH_BYTES {
            return Err(self.ctx.invalid(Msg::ArgumentTooLong {
                name: "path",
                max: MAX_PATH_BYTES,
                got: path.len(),
            }));
        }
        Err(self.ctx.not_built(Subsystem::Library))
    }

    /// Stops every client's speech.
    async fn silence_all(&self) -> Result<(), Error> {
        match &self.ctx.speech {
            Some(speech) => speech.silence_all().map_err(|_| self.ctx.shutting_down()),
            None => Err(self.ctx.not_built(Subsystem::Speech)),
        }
    }
}
