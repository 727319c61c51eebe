//! The data files oqu ships and stations add: braille display profiles and
//! key tables (`devices/`) and voice profiles (`voices/`).
//!
//! They are searched in the repository (for a development build), then
//! `/usr/share/oqu`, then `/etc/oqu/devices.d` and `/etc/oqu/voices.d`.
//! A file later on the path replaces a shipped one with the same id, so a
//! station can override a profile without editing shipped files. Within a
//! directory, files are read in name order. A bad file is skipped and
//! reported; it never stops the daemon.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::files::{self, FileError};
use super::is_id;
use crate::i18n::{Lang, Msg, ProfileKind};

/// One place data files are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// Holds display profiles; key tables are in its `keys/` folder.
    pub devices: PathBuf,
    pub voices: PathBuf,
}

impl DataDir {
    /// A tree laid out like the repository: `ROOT/devices`, `ROOT/voices`.
    pub fn tree(root: &Path) -> DataDir {
        DataDir {
            devices: root.join("devices"),
            voices: root.join("voices"),
        }
    }
}

/// The standard search path. The repository is included only when the binary
/// was built from a checkout that still exists, so an installed oqud never
/// reads a stray build tree.
pub fn default_search_path() -> Vec<DataDir> {
    let mut path = Vec::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if repo.join("devices").is_dir() && repo.join("Cargo.toml").is_file() {
        path.push(DataDir::tree(repo));
    }
    path.push(DataDir::tree(Path::new("/usr/share/oqu")));
    path.push(DataDir {
        devices: PathBuf::from("/etc/oqu/devices.d"),
        voices: PathBuf::from("/etc/oqu/voices.d"),
    });
    path
}

/// A search path from `OQU_DATA_PATH`-style text: roots laid out like the repository, colon-separated.
pub fn search_path_from(list: &str) -> Vec<DataDir> {
    list.split(':')
        .filter(|s| !s.is_empty())
        .map(|root| DataDir::tree(Path::new(root)))
        .collect()
}

/// How a display is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Through BRLTTY's BrlAPI: any display BRLTTY drives.
    Brlapi,
    /// oqu's own driver on a serial port.
    Serial,
    /// No hardware: cells shown on screen for a sighted helper.
    Virtual,
}

impl Transport {
    pub fn id(self) -> &'static str {
        match self {
            Transport::Brlapi => "brlapi",
            Transport::Serial => "serial",
            Transport::Virtual => "virtual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SerialProtocol {
    /// Baum's escape protocol (VarioPro, Vario Ultra, PocketVario and compatibles).
    BaumEscape,
}

/// A USB vendor and product that identify a display; oqu opens only these,
/// so a generic USB-serial adapter is never grabbed by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbId {
    pub vendor: u16,
    pub product: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum DisplayKindTag {
    BrailleDisplay,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum VoiceKindTag {
    Voice,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum KeyTableKindTag {
    KeyTable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisplayProfile {
    version: Spanned<u32>,
    #[allow(dead_code)] // checked by serde: the file says what it is
    kind: DisplayKindTag,
    name: String,
    transport: Transport,
    cells: Spanned<u16>,
    protocol: Option<SerialProtocol>,
    baud: Option<Spanned<u32>>,
    port: Option<String>,
    #[serde(default)]
    usb: Vec<UsbId>,
    keys: Option<Spanned<String>>,
}

/// A braille display profile (`devices/ID.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayProfile {
    pub id: String,
    pub name: String,
    pub transport: Transport,
    pub cells: u16,
    pub protocol: Option<SerialProtocol>,
    pub baud: Option<u32>,
    pub port: Option<PathBuf>,
    pub usb: Vec<UsbId>,
    /// Key table id in `devices/keys/`.
    pub keys: Option<String>,
}

/// What a display key does. Drivers report raw key names; these meanings
/// live in key tables, as in BRLTTY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyCommand {
    PanLeft,
    PanRight,
    LineUp,
    LineDown,
    Top,
    Bottom,
    Route,
    Enter,
    Escape,
    Backspace,
    Space,
    ReadAloud,
    StopSpeech,
    WhereAmI,
    NextHeading,
    PreviousHeading,
    AddBookmark,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyTable {
    version: Spanned<u32>,
    #[allow(dead_code)] // checked by serde: the file says what it is
    kind: KeyTableKindTag,
    name: String,
    /// context name → key name (or chord "k1+k2") → command.
    bindings: BTreeMap<String, BTreeMap<String, KeyCommand>>,
}

/// A key table (`devices/keys/ID.toml`): key meanings by context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTable {
    pub id: String,
    pub name: String,
    pub bindings: BTreeMap<String, BTreeMap<String, KeyCommand>>,
}

/// Contexts a key table may bind keys in.
pub const KEY_CONTEXTS: [&str; 4] = ["default", "message", "reading", "typing"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// eSpeak NG in-process.
    EspeakNg,
    /// Speech Dispatcher and its modules (RHVoice and others).
    SpeechDispatcher,
}

impl Engine {
    pub fn id(self) -> &'static str {
        match self {
            Engine::EspeakNg => "espeak-ng",
            Engine::SpeechDispatcher => "speech-dispatcher",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Punctuation {
    None,
    Some,
    Most,
    All,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVoiceProfile {
    version: Spanned<u32>,
    #[allow(dead_code)] // checked by serde: the file says what it is
    kind: VoiceKindTag,
    name: String,
    engine: Engine,
    voice: Spanned<String>,
    language: Spanned<String>,
    module: Option<String>,
    rate: Option<Spanned<i32>>,
    pitch: Option<Spanned<i32>>,
    volume: Option<Spanned<i32>>,
    punctuation: Option<Punctuation>,
    capitals: Option<Capitals>,
}

/// A voice profile (`voices/ID.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceProfile {
    pub id: String,
    pub name: String,
    pub engine: Engine,
    /// The engine's own voice name.
    pub voice: String,
    /// BCP-47 language the voice speaks.
    pub language: String,
    /// Speech Dispatcher output module, when the engine is speech-dispatcher.
    pub module: Option<String>,
    pub rate: i32,
    pub pitch: i32,
    pub volume: i32,
    pub punctuation: Punctuation,
    pub capitals: Capitals,
}

/// How a voice marks capital letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capitals {
    None,
    /// A short sound before the capital.
    Sound,
    /// The voice's pitch rises on the capital.
    Pitch,
    /// The word for "capital" before it (in spelling, in the run's language).
    Word,
}

impl VoiceProfile {
    /// The oqu language this voice speaks, if it is one of oqu's.
    pub fn lang(&self) -> Option<Lang> {
        Lang::from_locale(&self.language)
    }
}

/// A loaded file and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub value: T,
    pub path: PathBuf,
}

/// A data file that was skipped, and why.
#[derive(Debug)]
pub struct DataProblem {
    pub path: PathBuf,
    pub error: FileError,
}

/// Every data file found on the search path.
#[derive(Debug, Default)]
pub struct DataSet {
    pub searched: Vec<DataDir>,
    pub displays: BTreeMap<String, Loaded<DisplayProfile>>,
    pub key_tables: BTreeMap<String, Loaded<KeyTable>>,
    pub voices: BTreeMap<String, Loaded<VoiceProfile>>,
    pub problems: Vec<DataProblem>,
}

impl DataSet {
    /// Loads every data file on `search`.
    pub fn load(search: &[DataDir]) -> DataSet {
        let mut set = DataSet {
            searched: search.to_vec(),
            ..DataSet::default()
        };
        for dir in search {
            set.load_dir(&dir.devices, parse_display, |set| &mut set.displays);
            set.load_dir(&dir.devices.join("keys"), parse_key_table, |set| {
                &mut set.key_tables
            });
            set.load_dir(&dir.voices, parse_voice, |set| &mut set.voices);
        }
        set
    }

    fn load_dir<T>(
        &mut self,
        dir: &Path,
        parse: fn(&str, &Path, &str) -> Result<T, FileError>,
        table: fn(&mut DataSet) -> &mut BTreeMap<String, Loaded<T>>,
    ) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            // An absent directory on the search path is normal (nothing installed there).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(source) => {
                self.problems.push(DataProblem {
                    path: dir.to_owned(),
                    error: FileError::Io {
                        path: dir.to_owned(),
                        source,
                    },
                });
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml") && p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let shown = path.display().to_string();
            let result = if is_id(&id) {
                files::read_capped(&path).and_then(|text| parse(&id, &path, &text))
            } else {
                Err(FileError::Invalid(Msg::BadProfileId {
                    location: shown.clone(),
                    got: id.clone(),
                }))
            };
            match result {
                Ok(value) => {
                    if let Some(previous) = table(self).insert(
                        id.clone(),
                        Loaded {
                            value,
                            path: path.clone(),
                        },
                    ) {
                        tracing::debug!(id, replaced = %previous.path.display(), by = %shown, "data file overridden");
                    }
                }
                Err(error) => {
                    tracing::warn!(file = %shown, "{error}");
                    self.problems.push(DataProblem { path, error });
                }
            }
        }
    }

    /// The search path as a mentor reads it, for "not found" messages.
    pub fn searched_text(&self, kind: ProfileKind) -> String {
        self.searched
            .iter()
            .map(|dir| {
                let folder = match kind {
                    ProfileKind::Display => dir.devices.clone(),
                    ProfileKind::KeyTable => dir.devices.join("keys"),
                    ProfileKind::Voice => dir.voices.clone(),
                };
                folder.display().to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn check_version(version: &Spanned<u32>, src: &files::Source<'_>) -> Result<(), FileError> {
    if *version.get_ref() == 1 {
        Ok(())
    } else {
        Err(FileError::Invalid(Msg::OptionValue {
            key: format!("version ({})", src.at(&version.span())),
            got: version.get_ref().to_string(),
            allowed: "1".into(),
        }))
    }
}

fn check_range(
    key: &str,
    value: &Spanned<i32>,
    min: i32,
    max: i32,
    src: &files::Source<'_>,
) -> Result<(), FileError> {
    if (min..=max).contains(value.get_ref()) {
        Ok(())
    } else {
        Err(FileError::Invalid(Msg::OptionValue {
            key: format!("{key} ({})", src.at(&value.span())),
            got: value.get_ref().to_string(),
            allowed: format!("{min}..{max}"),
        }))
    }
}

/// Largest display made is 80 cells; leave room for two-line displays.
const MAX_CELLS: u16 = 160;
const BAUD_RATES: [u32; 4] = [9600, 19200, 38400, 57600];

pub fn parse_display(id: &str, path: &Path, text: &str) -> Result<DisplayProfile, FileError> {
    let raw: RawDisplayProfile = files::parse_toml(path, text)?;
    let shown = path.display().to_string();
    let src = files::Source { path: &shown, text };
    check_version(&raw.version, &src)?;
    let cells = *raw.cells.get_ref();
    if cells == 0 || cells > MAX_CELLS {
        return Err(FileError::Invalid(Msg::OptionValue {
            key: format!("cells ({})", src.at(&raw.cells.span())),
            got: cells.to_string(),
            allowed: format!("1..{MAX_CELLS}"),
        }));
    }
    if let Some(baud) = &raw.baud {
        if !BAUD_RATES.contains(baud.get_ref()) {
            return Err(FileError::Invalid(Msg::OptionValue {
                key: format!("baud ({})", src.at(&baud.span())),
                got: baud.get_ref().to_string(),
                allowed: "9600, 19200, 38400, 57600".into(),
            }));
        }
    }
    let whole = format!("{shown}:1:1");
    if raw.transport == Transport::Serial && (raw.protocol.is_none() || raw.baud.is_none()) {
        return Err(FileError::Invalid(Msg::OptionValue {
            key: format!("protocol, baud ({whole})"),
            got: String::new(),
            allowed: "protocol = \"baum-escape\", baud = 19200".into(),
        }));
    }
    if raw.transport == Transport::Serial && raw.usb.is_empty() && raw.port.is_none() {
        // Without USB ids or a fixed port oqu would have to probe every serial
        // adapter, which could grab a device that is not a braille display.
        return Err(FileError::Invalid(Msg::OptionValue {
            key: format!("usb ({whole})"),
            got: String::new(),
            allowed: "usb = [{ vendor = 0x0403, product = 0xfe72 }]".into(),
        }));
    }
    let keys = match raw.keys {
        Some(keys) => {
            if !is_id(keys.get_ref()) {
                return Err(FileError::Invalid(Msg::BadProfileId {
                    location: src.at(&keys.span()),
                    got: keys.get_ref().clone(),
                }));
            }
            Some(keys.into_inner())
        }
        None => None,
    };
    Ok(DisplayProfile {
        id: id.to_owned(),
        name: raw.name,
        transport: raw.transport,
        cells,
        protocol: raw.protocol,
        baud: raw.baud.map(Spanned::into_inner),
        port: raw.port.map(PathBuf::from),
        usb: raw.usb,
        keys,
    })
}

pub fn parse_key_table(id: &str, path: &Path, text: &str) -> Result<KeyTable, FileError> {
    let raw: RawKeyTable = files::parse_toml(path, text)?;
    let shown = path.display().to_string();
    let src = files::Source { path: &shown, text };
    check_version(&raw.version, &src)?;
    for (context, keys) in &raw.bindings {
        if !KEY_CONTEXTS.contains(&context.as_str()) {
            return Err(FileError::Invalid(Msg::OptionValue {
                key: format!("bindings ({shown})"),
                got: context.clone(),
                allowed: KEY_CONTEXTS.join(", "),
            }));
        }
        for key in keys.keys() {
            let plain = key
                .split('+')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
            if !plain {
                return Err(FileError::Invalid(Msg::BadProfileId {
                    location: format!("{shown} [bindings.{context}]"),
                    got: key.clone(),
                }));
            }
        }
    }
    Ok(KeyTable {
        id: id.to_owned(),
        name: raw.name,
        bindings: raw.bindings,
    })
}

pub fn parse_voice(id: &str, path: &Path, text: &str) -> Result<VoiceProfile, FileError> {
    let raw: RawVoiceProfile = files::parse_toml(path, text)?;
    let shown = path.display().to_string();
    let src = files::Source { path: &shown, text };
    check_version(&raw.version, &src)?;
    for (key, value) in [
        ("rate", &raw.rate),
        ("pitch", &raw.pitch),
        ("volume", &raw.volume),
    ] {
        if let Some(value) = value {
            check_range(key, value, -100, 100, &src)?;
        }
    }
    if !is_language_tag(raw.language.get_ref()) {
        return Err(FileError::Invalid(Msg::UnknownLanguage {
            location: src.at(&raw.language.span()),
            got: raw.language.get_ref().clone(),
        }));
    }
    let voice = raw.voice.get_ref();
    let voice_ok = !voice.is_empty()
        && voice.len() <= 64
        && voice
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_+/.".contains(&b));
    if !voice_ok {
        return Err(FileError::Invalid(Msg::BadProfileId {
            location: src.at(&raw.voice.span()),
            got: voice.clone(),
        }));
    }
    Ok(VoiceProfile {
        id: id.to_owned(),
        name: raw.name,
        engine: raw.engine,
        voice: raw.voice.into_inner(),
        language: raw.language.into_inner(),
        module: raw.module,
        rate: raw.rate.map_or(0, Spanned::into_inner),
        pitch: raw.pitch.map_or(0, Spanned::into_inner),
        volume: raw.volume.map_or(0, Spanned::into_inner),
        punctuation: raw.punctuation.unwrap_or(Punctuation::Some),
        capitals: raw.capitals.unwrap_or(Capitals::Pitch),
    })
}

/// A BCP-47 tag in the simple form oqu accepts: `kk`, `ru-RU`, `kk-Latn`.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && tag.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_profile_errors_are_located() {
        let path = Path::new("/x/devices/bad.toml");
        let err = parse_display(
            "bad",
            path,
            "version = 1\nkind = \"braille-display\"\nname = \"x\"\ntransport = \"virtual\"\ncells = 0\n",
        )
        .unwrap_err();
        let text = err.msg().render(Lang::En);
        assert!(text.contains("bad.toml:5:9"), "{text}");

        let err = parse_display(
            "bad",
            path,
            "version = 1\nkind = \"voice\"\nname = \"x\"\ntransport = \"virtual\"\ncells = 40\n",
        )
        .unwrap_err();
        assert!(matches!(err, FileError::Parse { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn serial_display_needs_usb_ids_or_a_port() {
        let err = parse_display(
            "s",
            Path::new("s.toml"),
            "version = 1\nkind = \"braille-display\"\nname = \"x\"\ntransport = \"serial\"\n\
             cells = 40\nprotocol = \"baum-escape\"\nbaud = 19200\n",
        )
        .unwrap_err();
        assert!(err.msg().render(Lang::En).contains("usb"));
    }

    #[test]
    fn voice_ranges_are_checked() {
        let err = parse_voice(
            "v",
            Path::new("v.toml"),
            "version = 1\nkind = \"voice\"\nname = \"v\"\nengine = \"espeak-ng\"\nvoice = \"kk\"\n\
             language = \"kk\"\nrate = 250\n",
        )
        .unwrap_err();
        let text = err.msg().render(Lang::En);
        assert!(text.contains("rate (v.toml:7:8)"), "{text}");
    }

    #[test]
    fn language_tags() {
        assert!(is_language_tag("kk"));
        assert!(is_language_tag("kk-Latn"));
        assert!(is_language_tag("ru-RU"));
        assert!(!is_language_tag("KK"));
        assert!(!is_language_tag("kk_KZ"));
        assert!(!is_language_tag(""));
    }

    #[test]
    fn later_directories_override_and_bad_files_are_reported() {
        let shipped = tempfile::tempdir().unwrap();
        let local = tempfile::tempdir().unwrap();
        for dir in [shipped.path(), local.path()] {
            std::fs::create_dir_all(dir.join("voices")).unwrap();
        }
        let voice = |name: &str| {
            format!(
                "version = 1\nkind = \"voice\"\nname = \"{name}\"\nengine = \"espeak-ng\"\n\
                 voice = \"kk\"\nlanguage = \"kk\"\n"
            )
        };
        std::fs::write(
            shipped.path().join("voices/kk-espeak.toml"),
            voice("shipped"),
        )
        .unwrap();
        std::fs::write(local.path().join("voices/kk-espeak.toml"), voice("local")).unwrap();
        std::fs::write(local.path().join("voices/broken.toml"), "version = \n").unwrap();
        std::fs::write(local.path().join("voices/README.md"), "not a profile").unwrap();
        let set = DataSet::load(&[DataDir::tree(shipped.path()), DataDir::tree(local.path())]);
        assert_eq!(set.voices["kk-espeak"].value.name, "local");
        assert_eq!(set.voices.len(), 1);
        assert_eq!(set.problems.len(), 1);
        assert!(set.problems[0].path.ends_with("broken.toml"));
    }
}
