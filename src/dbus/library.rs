//! `org.oqu.Oqu1.Library`: catalogue search and holds (issue 5 builds the catalogue).

use zbus::interface;

use super::options::{self, Dict};
use super::{Context, Error};
use crate::i18n::Subsystem;
use crate::requests::{MAX_ID_CHARS, MAX_QUERY_CHARS};

pub struct Library {
    ctx: Context,
}

impl Library {
    pub fn new(ctx: Context) -> Library {
        Library { ctx }
    }
}

#[interface(name = "org.oqu.Oqu1.Library")]
impl Library {
    /// Searches the catalogue sources; results best first, each with at least id,
    /// title, authors (as), year, language, formats (as), available (b) and
    /// source. options: limit u (1..500), offset u, language s, source s.
    #[zbus(out_args("results"))]
    async fn search(&self, query: &str, options: Dict) -> Result<Vec<Dict>, Error> {
        self.ctx.check_len("query", query, MAX_QUERY_CHARS)?;
        options::search(&options).map_err(|m| self.ctx.invalid(m))?;
        Err(self.ctx.not_built(Subsystem::Library))
    }

    /// The full record, with holdings where known.
    #[zbus(out_args("record"))]
    async fn details(&self, id: &str) -> Result<Dict, Error> {
        self.ctx.check_len("id", id, MAX_ID_CHARS)?;
        Err(self.ctx.not_built(Subsystem::Library))
    }

    /// Places a hold for the active reader.
    #[zbus(out_args("hold"))]
    async fn reserve(&self, id: &str) -> Result<Dict, Error> {
        self.ctx.check_len("id", id, MAX_ID_CHARS)?;
        Err(self.ctx.not_built(Subsystem::Library))
    }
}
