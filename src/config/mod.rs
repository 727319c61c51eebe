//! The station configuration (`station.toml`) and the shipped data files
//! (`devices/`, `voices/`).
//!
//! Parsing is in two steps: serde reads the raw file (syntax, unknown keys and
//! types fail there with the parser's location), then [`StationConfig::from_raw`]
//! checks meanings (languages, durations, names, URLs) and reports each with
//! the value's own line and column.

pub mod data;
pub mod files;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::i18n::{Lang, Msg};
pub use files::{FileError, MAX_FILE_BYTES};

/// The file name looked for in each configuration directory.
pub const STATION_FILE: &str = "station.toml";

/// The configuration used when no file is found: eSpeak NG voices, the
/// virtual braille display and the station's own catalogue.
pub const EMBEDDED_DEFAULTS: &str = include_str!("../../data/station.default.toml");

const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const MIN_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the configuration in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    Embedded,
    File(PathBuf),
}

impl ConfigOrigin {
    pub fn describe(&self) -> String {
        match self {
            ConfigOrigin::Embedded => "(embedded defaults)".into(),
            ConfigOrigin::File(path) => path.display().to_string(),
        }
    }
}

/// The station configuration in force, checked.
#[derive(Debug, Clone)]
pub struct StationConfig {
    pub origin: ConfigOrigin,
    pub name: String,
    /// The station's languages; the first is the language of oqu's own words.
    pub languages: Vec<Lang>,
    pub idle_timeout: Duration,
    /// Members of this group may change the station when oqud runs on the system bus.
    pub mentors_group: String,
    pub braille: BrailleChoice,
    pub voices: Vec<VoiceChoice>,
    pub catalogue: Vec<CatalogueSource>,
    pub recognition_models: Vec<ModelChoice>,
    pub audio_output: AudioOutput,
}

/// Where speech is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioOutput {
    /// The system's default sound device.
    Default,
    /// No sound device: speech is timed as if played, and heard nowhere.
    Null,
    /// A sound device by its ALSA name.
    Named(String),
}

impl StationConfig {
    /// The language oqu's own messages are in.
    pub fn ui_lang(&self) -> Lang {
        self.languages.first().copied().unwrap_or(Lang::En)
    }
}

#[derive(Debug, Clone)]
pub struct BrailleChoice {
    /// A display profile id from `devices/`.
    pub display: String,
    /// Where the choice was made, for problems that name it.
    pub at: String,
    /// Serial port, overriding the profile's own.
    pub port: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct VoiceChoice {
    pub lang: Lang,
    /// A voice profile id from `voices/`.
    pub profile: String,
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct CatalogueSource {
    pub id: String,
    pub kind: CatalogueKind,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueKind {
    /// The station's own catalogue, kept in `path`.
    Embedded {
        path: PathBuf,
    },
    Sru {
        url: String,
        version: SruVersion,
    },
    Opds {
        url: String,
    },
}

impl CatalogueKind {
    pub fn id(&self) -> &'static str {
        match self {
            CatalogueKind::Embedded { .. } => "embedded",
            CatalogueKind::Sru { .. } => "sru",
            CatalogueKind::Opds { .. } => "opds",
        }
    }

    pub fn location(&self) -> String {
        match self {
            CatalogueKind::Embedded { path } => path.display().to_string(),
            CatalogueKind::Sru { url, .. } | CatalogueKind::Opds { url } => url.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SruVersion {
    #[serde(rename = "1.1")]
    V1_1,
    #[serde(rename = "1.2")]
    V1_2,
    #[serde(rename = "2.0")]
    V2_0,
}

#[derive(Debug, Clone)]
pub struct ModelChoice {
    pub lang: Lang,
    pub path: PathBuf,
    pub at: String,
}

// ---- the file as written ----

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStation {
    #[serde(default)]
    station: RawStationSection,
    #[serde(default)]
    braille: RawBraille,
    voices: Option<BTreeMap<String, Spanned<String>>>,
    catalogue: Option<Vec<RawCatalogue>>,
    #[serde(default)]
    listen: RawListen,
    #[serde(default)]
    speech: RawSpeech,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSpeech {
    output: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStationSection {
    name: Option<String>,
    languages: Option<Spanned<Vec<Spanned<String>>>>,
    idle_timeout: Option<Spanned<String>>,
    mentors_group: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBraille {
    display: Option<Spanned<String>>,
    port: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    id: Spanned<String>,
    kind: RawCatalogueKind,
    path: Option<String>,
    url: Option<Spanned<String>>,
    version: Option<SruVersion>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawCatalogueKind {
    Embedded,
    Sru,
    Opds,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawListen {
    #[serde(default)]
    models: BTreeMap<String, Spanned<String>>,
}

/// Paths the configuration falls back on when it names none.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Where the station keeps its own state (catalogue, positions).
    pub state_dir: PathBuf,
}

impl StationConfig {
    /// Loads and checks one file.
    pub fn load(path: &Path, defaults: &Defaults) -> Result<StationConfig, FileError> {
        let text = files::read_capped(path)?;
        Self::parse(ConfigOrigin::File(path.to_owned()), &text, defaults)
    }

    /// The built-in configuration.
    pub fn embedded(defaults: &Defaults) -> StationConfig {
        match Self::parse(ConfigOrigin::Embedded, EMBEDDED_DEFAULTS, defaults) {
            Ok(config) => config,
            // The embedded file is checked by a unit test; this cannot be reached
            // by anything a user does, so failing loudly is right.
            Err(e) => panic!("embedded station defaults are invalid: {e}"),
        }
    }

    pub fn parse(
        origin: ConfigOrigin,
        text: &str,
        defaults: &Defaults,
    ) -> Result<StationConfig, FileError> {
        let shown = origin.describe();
        let raw: RawStation = files::parse_toml(Path::new(&shown), text)?;
        let source = files::Source { path: &shown, text };
        Self::from_raw(origin.clone(), raw, &source, defaults).map_err(FileError::Invalid)
    }

    fn from_raw(
        origin: ConfigOrigin,
        raw: RawStation,
        src: &files::Source<'_>,
        defaults: &Defaults,
    ) -> Result<StationConfig, Msg> {
        let whole_file = format!("{}:1:1", src.path);

        let languages = match raw.station.languages {
            None => Lang::ALL.to_vec(),
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(Msg::NoLanguages {
                        location: src.at(&list.span()),
                    });
                }
                let mut langs = Vec::new();
                for item in list.get_ref() {
                    let lang = parse_lang(item.get_ref(), &src.at(&item.span()))?;
                    if langs.contains(&lang) {
                        return Err(Msg::LanguageRepeated {
                            location: src.at(&item.span()),
                            lang,
                        });
                    }
                    langs.push(lang);
                }
                langs
            }
        };

        let idle_timeout = match raw.station.idle_timeout {
            None => DEFAULT_IDLE_TIMEOUT,
            Some(value) => {
                let bad = || Msg::IdleTimeoutRange {
                    location: src.at(&value.span()),
                    got: value.get_ref().clone(),
                };
                let parsed = humantime::parse_duration(value.get_ref()).map_err(|_| bad())?;
                if !(MIN_IDLE_TIMEOUT..=MAX_IDLE_TIMEOUT).contains(&parsed) {
                    return Err(bad());
                }
                parsed
            }
        };

        let mentors_group = match raw.station.mentors_group {
            None => "oqu-mentors".to_owned(),
            Some(group) => {
                if !is_group_name(group.get_ref()) {
                    return Err(Msg::BadProfileId {
                        location: src.at(&group.span()),
                        got: group.get_ref().clone(),
                    });
                }
                group.into_inner()
            }
        };

        let braille = match raw.braille.display {
            None => BrailleChoice {
                display: "virtual-40".into(),
                at: whole_file.clone(),
                port: raw.braille.port.map(PathBuf::from),
            },
            Some(display) => {
                let at = src.at(&display.span());
                check_id(display.get_ref(), &at)?;
                BrailleChoice {
                    display: display.into_inner(),
                    at,
                    port: raw.braille.port.map(PathBuf::from),
                }
            }
        };

        let voices = match raw.voices {
            // No [voices] table: the shipped eSpeak NG voice for each language.
            None => languages
                .iter()
                .map(|lang| VoiceChoice {
                    lang: *lang,
                    profile: format!("{}-espeak", lang.code()),
                    at: whole_file.clone(),
                })
                .collect(),
            Some(table) => {
                let mut voices = Vec::new();
                for (lang_code, profile) in table {
                    let at = src.at(&profile.span());
                    let lang = parse_lang(&lang_code, &at)?;
                    check_id(profile.get_ref(), &at)?;
                    voices.push(VoiceChoice {
                        lang,
                        profile: profile.into_inner(),
                        at,
                    });
                }
                voices
            }
        };

        let catalogue = match raw.catalogue {
            None => vec![CatalogueSource {
                id: "station".into(),
                kind: CatalogueKind::Embedded {
                    path: defaults.state_dir.join("catalogue"),
                },
                at: whole_file.clone(),
            }],
            Some(list) => {
                let mut seen = HashSet::new();
                let mut sources = Vec::new();
                for entry in list {
                    let at = src.at(&entry.id.span());
                    check_id(entry.id.get_ref(), &at)?;
                    if !seen.insert(entry.id.get_ref().clone()) {
                        return Err(Msg::CatalogueIdRepeated {
                            location: at,
                            id: entry.id.into_inner(),
                        });
                    }
                    let kind = match entry.kind {
                        RawCatalogueKind::Embedded => CatalogueKind::Embedded {
                            path: entry.path.map(PathBuf::from).unwrap_or_else(|| {
                                defaults
                                    .state_dir
                                    .join("catalogue")
                                    .join(entry.id.get_ref())
                            }),
                        },
                        RawCatalogueKind::Sru => CatalogueKind::Sru {
                            url: check_url(entry.url.as_ref(), src, &at)?,
                            version: entry.version.unwrap_or(SruVersion::V1_2),
                        },
                        RawCatalogueKind::Opds => CatalogueKind::Opds {
                            url: check_url(entry.url.as_ref(), src, &at)?,
                        },
                    };
                    sources.push(CatalogueSource {
                        id: entry.id.into_inner(),
                        kind,
                        at,
                    });
                }
                sources
            }
        };

        let mut recognition_models = Vec::new();
        for (lang_code, path) in raw.listen.models {
            let at = src.at(&path.span());
            recognition_models.push(ModelChoice {
                lang: parse_lang(&lang_code, &at)?,
                path: PathBuf::from(path.into_inner()),
                at,
            });
        }

        let audio_output = match raw.speech.output.as_deref() {
            None | Some("default") => AudioOutput::Default,
            Some("null") => AudioOutput::Null,
            Some(name) => AudioOutput::Named(name.to_owned()),
        };

        Ok(StationConfig {
            audio_output,
            origin,
            name: raw.station.name.unwrap_or_else(|| "oqu station".to_owned()),
            languages,
            idle_timeout,
            mentors_group,
            braille,
            voices,
            catalogue,
            recognition_models,
        })
    }
}

fn parse_lang(code: &str, at: &str) -> Result<Lang, Msg> {
    code.parse().map_err(|()| Msg::UnknownLanguage {
        location: at.to_owned(),
        got: code.to_owned(),
    })
}

/// Profile and source ids: short, lower-case ASCII, safe in file names.
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn check_id(id: &str, at: &str) -> Result<(), Msg> {
    if is_id(id) {
        Ok(())
    } else {
        Err(Msg::BadProfileId {
            location: at.to_owned(),
            got: id.to_owned(),
        })
    }
}

fn is_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_url(
    url: Option<&Spanned<String>>,
    src: &files::Source<'_>,
    entry_at: &str,
) -> Result<String, Msg> {
    match url {
        None => Err(Msg::BadUrl {
            location: entry_at.to_owned(),
            got: String::new(),
        }),
        Some(url) => {
            let value = url.get_ref();
            let host = value
                .strip_prefix("http://")
                .or_else(|| value.strip_prefix("https://"));
            match host {
                Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(value.clone()),
                _ => Err(Msg::BadUrl {
                    location: src.at(&url.span()),
                    got: value.clone(),
                }),
            }
        }
    }
}

/// Where oqud looks for `station.toml`, in order.
pub fn config_search_path() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = xdg_dir("XDG_CONFIG_HOME", ".config") {
        dirs.push(dir.join("oqu").join(STATION_FILE));
    }
    dirs.push(PathBuf::from("/etc/oqu").join(STATION_FILE));
    dirs
}

/// `$VAR`, or `$HOME/fallback`, as the XDG base directory spec says.
pub fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() && Path::new(&dir).is_absolute() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(fallback)),
    }
}

/// The file to load: `--config` if given, else the first that exists on the
/// search path; `None` means the embedded defaults.
pub fn find_config(explicit: Option<&Path>) -> Option<PathBuf> {
    find_config_in(explicit, &config_search_path())
}

fn find_config_in(explicit: Option<&Path>, search: &[PathBuf]) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    search.iter().find(|p| p.is_file()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            state_dir: PathBuf::from("/var/lib/oqu"),
        }
    }

    fn parse(text: &str) -> Result<StationConfig, FileError> {
        StationConfig::parse(
            ConfigOrigin::File(PathBuf::from("/etc/oqu/station.toml")),
            text,
            &defaults(),
        )
    }

    fn refusal(text: &str) -> String {
        parse(text).unwrap_err().msg().render(Lang::En)
    }

    #[test]
    fn config_is_found_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user/oqu/station.toml");
        let system = dir.path().join("etc/oqu/station.toml");
        let search = vec![user.clone(), system.clone()];
        assert_eq!(find_config_in(None, &search), None);
        std::fs::create_dir_all(system.parent().unwrap()).unwrap();
        std::fs::write(&system, "").unwrap();
        assert_eq!(find_config_in(None, &search), Some(system.clone()));
        std::fs::create_dir_all(user.parent().unwrap()).unwrap();
        std::fs::write(&user, "").unwrap();
        assert_eq!(find_config_in(None, &search), Some(user));
        let explicit = dir.path().join("given.toml");
        assert_eq!(find_config_in(Some(&explicit), &search), Some(explicit));
    }

    #[test]
    fn embedded_defaults_are_valid() {
        let config = StationConfig::embedded(&defaults());
        assert_eq!(config.languages, vec![Lang::Kk, Lang::Ru, Lang::En]);
        assert_eq!(config.braille.display, "virtual-40");
        assert_eq!(config.voices.len(), 3);
        assert_eq!(config.idle_timeout, Duration::from_secs(600));
    }

    #[test]
    fn full_file_is_read() {
        let config = parse(
            r#"
[station]
name = "Алматы, №1"
languages = ["ru", "kk"]
idle_timeout = "15m"
mentors_group = "mentors"

[braille]
display = "baum-vario-40"
port = "/dev/ttyUSB0"

[voices]
kk = "kk-espeak"
ru = "ru-rhvoice"

[[catalogue]]
id = "abis"
kind = "sru"
url = "http://127.0.0.1:9999/Default"
version = "2.0"

[[catalogue]]
id = "calibre"
kind = "opds"
url = "http://127.0.0.1:8080/opds"
"#,
        )
        .unwrap();
        assert_eq!(config.ui_lang(), Lang::Ru);
        assert_eq!(config.idle_timeout, Duration::from_secs(900));
        assert_eq!(config.braille.port, Some(PathBuf::from("/dev/ttyUSB0")));
        assert_eq!(config.voices[1].profile, "ru-rhvoice");
        assert_eq!(
            config.catalogue[0].kind,
            CatalogueKind::Sru {
                url: "http://127.0.0.1:9999/Default".into(),
                version: SruVersion::V2_0
            }
        );
        assert_eq!(config.catalogue[1].kind.id(), "opds");
    }

    #[test]
    fn unknown_key_is_located() {
        let message = refusal("[station]\nlanguages = [\"kk\"]\nidle = 5\n");
        assert!(message.contains("/etc/oqu/station.toml:3:1"), "{message}");
        assert!(message.contains("idle"), "{message}");
    }

    #[test]
    fn wrong_type_is_located() {
        let message = refusal("[station]\nidle_timeout = 10\n");
        assert!(message.contains(":2:16"), "{message}");
    }

    #[test]
    fn unknown_language_is_located() {
        let message = refusal("[station]\nlanguages = [\"kk\", \"de\"]\n");
        assert!(message.contains(":2:20"), "{message}");
        assert!(message.contains("\"de\""), "{message}");
    }

    #[test]
    fn idle_timeout_is_bounded() {
        assert!(refusal("[station]\nidle_timeout = \"5s\"\n").contains(":2:16"));
        assert!(refusal("[station]\nidle_timeout = \"3days\"\n").contains("Idle timeout"));
        assert!(refusal("[station]\nidle_timeout = \"soon\"\n").contains("\"soon\""));
    }

    #[test]
    fn bad_url_and_repeated_source_are_refused() {
        let message = refusal("[[catalogue]]\nid = \"a\"\nkind = \"sru\"\nurl = \"ftp://x\"\n");
        assert!(message.contains(":4:7"), "{message}");
        let message = refusal(
            "[[catalogue]]\nid = \"a\"\nkind = \"opds\"\nurl = \"http://h/opds\"\n\
             [[catalogue]]\nid = \"a\"\nkind = \"embedded\"\n",
        );
        assert!(message.contains("twice"), "{message}");
    }

    #[test]
    fn profile_names_must_be_plain() {
        let message = refusal("[braille]\ndisplay = \"../../etc/passwd\"\n");
        assert!(message.contains("Invalid name"), "{message}");
    }

    /// A cheap fuzz: thousands of damaged variants of a full file must each
    /// give a configuration or a located refusal, never a panic.
    #[test]
    fn damaged_files_never_panic() {
        let original = include_str!("../../data/station.default.toml").to_owned()
            + "[[catalogue]]\nid = \"a\"\nkind = \"sru\"\nurl = \"http://h/x\"\nversion = \"2.0\"\n\
               [listen]\nmodels.kk = \"/m\"\n[braille]\nport = \"/dev/ttyUSB0\"\n";
        let bytes = original.as_bytes();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"[]=\"'#\n .,-_0123456789akz\xd1\x91\xd2\x9b{}";
        for _ in 0..3000 {
            let mut damaged = bytes.to_vec();
            for _ in 0..(next() % 4 + 1) {
                if damaged.is_empty() {
                    break;
                }
                let at = (next() as usize) % damaged.len();
                match next() % 3 {
                    0 => damaged[at] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        damaged.remove(at);
                    }
                    _ => damaged.truncate(at.max(1)),
                }
            }
            let text = String::from_utf8_lossy(&damaged);
            if let Err(e) = parse(&text) {
                let message = e.msg().render(Lang::Kk);
                assert!(!message.is_empty());
            }
        }
    }

    #[test]
    fn refusals_exist_in_every_language() {
        let err = parse("[station]\nlanguages = []\n").unwrap_err().msg();
        assert!(err.render(Lang::Kk).starts_with("Тілдер жоқ"));
        assert!(err.render(Lang::Ru).starts_with("Нет языков"));
        assert!(err.render(Lang::En).starts_with("No languages"));
    }
}
