//! Client proxies for oqud's interfaces, for the `oqu` command, tests and
//! other Rust programs. They mirror `data/org.oqu.Oqu1.xml`.

use std::collections::HashMap;

use zbus::proxy;
use zbus::zvariant::OwnedValue;

pub type Dict = HashMap<String, OwnedValue>;

#[proxy(
    interface = "org.oqu.Oqu1.Speech",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Speech {
    fn speak(&self, text: &str, options: Dict) -> zbus::Result<u64>;
    fn stop(&self) -> zbus::Result<()>;
    fn pause(&self) -> zbus::Result<()>;
    fn resume(&self) -> zbus::Result<()>;
    fn list_voices(&self) -> zbus::Result<Vec<(String, String, Vec<String>)>>;
    #[zbus(property)]
    fn speaking(&self) -> zbus::Result<bool>;
    #[zbus(signal)]
    fn started(&self, id: u64) -> zbus::Result<()>;
    #[zbus(signal)]
    fn word(&self, id: u64, start: u32, end: u32) -> zbus::Result<()>;
    #[zbus(signal)]
    fn finished(&self, id: u64, completed: bool) -> zbus::Result<()>;
}

#[proxy(
    interface = "org.oqu.Oqu1.Braille",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Braille {
    fn show(&self, text: &str, options: Dict) -> zbus::Result<()>;
    fn show_dots(&self, cells: &[u8]) -> zbus::Result<()>;
    fn message(&self, text: &str, timeout_ms: u32) -> zbus::Result<()>;
    fn clear(&self) -> zbus::Result<()>;
    #[zbus(property)]
    fn connected(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn cells(&self) -> zbus::Result<u32>;
}

#[proxy(
    interface = "org.oqu.Oqu1.Listen",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Listen {
    fn start(&self, options: Dict) -> zbus::Result<()>;
    fn stop(&self) -> zbus::Result<()>;
    #[zbus(property)]
    fn available(&self) -> zbus::Result<bool>;
}

#[proxy(
    interface = "org.oqu.Oqu1.Library",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Library {
    fn search(&self, query: &str, options: Dict) -> zbus::Result<Vec<Dict>>;
    fn details(&self, id: &str) -> zbus::Result<Dict>;
    fn reserve(&self, id: &str) -> zbus::Result<Dict>;
}

#[proxy(
    interface = "org.oqu.Oqu1.Reader",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Reader {
    fn open(&self, book: &str) -> zbus::Result<Dict>;
    fn close(&self) -> zbus::Result<()>;
    fn read(&self) -> zbus::Result<()>;
    fn stop(&self) -> zbus::Result<()>;
    #[zbus(name = "Move")]
    fn move_by(&self, unit: &str, count: i32) -> zbus::Result<Dict>;
    #[zbus(name = "GoTo")]
    fn go_to(&self, locator: &str) -> zbus::Result<()>;
    #[zbus(name = "Where")]
    fn where_am_i(&self) -> zbus::Result<Dict>;
}

#[proxy(
    interface = "org.oqu.Oqu1.Station",
    default_service = "org.oqu.Oqu1",
    default_path = "/org/oqu/Oqu1"
)]
pub trait Station {
    fn status(&self) -> zbus::Result<Dict>;
    fn reload(&self) -> zbus::Result<()>;
    fn begin_session(&self, reader: &str) -> zbus::Result<Dict>;
    fn end_session(&self) -> zbus::Result<()>;
    fn import_catalogue(&self, path: &str) -> zbus::Result<u32>;
    fn silence_all(&self) -> zbus::Result<()>;
}

#[proxy(
    interface = "org.freedesktop.Speech.Provider",
    default_service = "org.oqu.Oqu1.Speech.Provider",
    default_path = "/org/oqu/Oqu1/Speech/Provider"
)]
pub trait SpeechProvider {
    #[allow(clippy::too_many_arguments)]
    fn synthesize(
        &self,
        pipe_fd: zbus::zvariant::Fd<'_>,
        text: &str,
        voice_id: &str,
        pitch: f64,
        rate: f64,
        is_ssml: bool,
        language: &str,
    ) -> zbus::Result<()>;
    #[zbus(property)]
    fn name(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn voices(&self) -> zbus::Result<Vec<(String, String, String, u64, Vec<String>)>>;
}
