//! The station as configured: the configuration in force, the data files,
//! and the checks behind `Station.Status`.
//!
//! Every check here looks at what a mentor can fix (a missing profile, an
//! unplugged display, a voice whose data is not installed) and says how.
//! Nothing here touches a device: drivers own their devices.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::braille::service::{BrailleConfig, BrailleState};
use crate::config::data::{DataDir, DataSet, DisplayProfile, Engine, Transport, VoiceProfile};
use crate::config::{
    find_config, AudioOutput, CatalogueKind, ConfigOrigin, Defaults, FileError, StationConfig,
};
use crate::i18n::{Lang, Msg, ProfileKind, Subsystem};
use crate::speech::player::OutputChoice;
use crate::speech::service::{OutputState, SpeechConfig, Voice, VoiceEngine};
use crate::speech::text::{load_symbols, SymbolTables};
use std::sync::Arc;

/// What only the running subsystems know, for Status.
#[derive(Debug, Clone, Default)]
pub struct Running {
    /// The speech thread's output, when speech runs.
    pub speech_output: Option<OutputState>,
    /// The braille display's state, when the braille thread runs.
    pub braille: Option<BrailleState>,
}

/// How to find the configuration, fixed for the daemon's lifetime.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// `--config`: only this file is read.
    pub explicit: Option<PathBuf>,
    pub defaults: Defaults,
    pub data_path: Vec<DataDir>,
}

impl ConfigSource {
    /// Reads the configuration file (or the embedded defaults when there is none).
    pub fn load_config(&self) -> Result<StationConfig, FileError> {
        match find_config(self.explicit.as_deref()) {
            Some(path) => StationConfig::load(&path, &self.defaults),
            None => Ok(StationConfig::embedded(&self.defaults)),
        }
    }
}

/// The station's configuration and data in force, and what went wrong loading them.
#[derive(Debug)]
pub struct Station {
    source: ConfigSource,
    pub config: StationConfig,
    pub data: DataSet,
    pub loaded_at: SystemTime,
    /// The last refused configuration, shown in Status until a good one loads.
    pub refused: Option<FileError>,
}

impl Station {
    /// Loads everything. A bad file at start-up leaves the embedded defaults
    /// in force and the refusal in Status: a station with no mentor present
    /// must still speak.
    pub fn start(source: ConfigSource) -> Station {
        let (config, refused) = match source.load_config() {
            Ok(config) => (config, None),
            Err(error) => {
                tracing::error!("{error}; using the embedded defaults");
                (StationConfig::embedded(&source.defaults), Some(error))
            }
        };
        let data = DataSet::load(&source.data_path);
        Station {
            source,
            config,
            data,
            loaded_at: SystemTime::now(),
            refused,
        }
    }

    /// Re-reads the configuration and data files. A bad configuration is
    /// refused and the one in force is kept.
    pub fn reload(&mut self) -> Result<(), FileError> {
        match self.source.load_config() {
            Ok(config) => {
                self.config = config;
                self.data = DataSet::load(&self.source.data_path);
                self.loaded_at = SystemTime::now();
                self.refused = None;
                tracing::info!(config = %self.config.origin.describe(), "configuration reloaded");
                Ok(())
            }
            Err(error) => {
                tracing::warn!("reload refused: {error}");
                let copy = FileError::Invalid(error.msg());
                self.refused = Some(copy);
                Err(error)
            }
        }
    }

    pub fn ui_lang(&self) -> Lang {
        self.config.ui_lang()
    }

    /// What the speech thread needs: a voice per station language and every
    /// usable profile. Only eSpeak NG voices are spoken so far; a language
    /// configured with another engine falls back to its shipped eSpeak voice.
    pub fn speech_config(&self, probe: &dyn SystemProbe) -> SpeechConfig {
        let usable = |p: &VoiceProfile| match p.engine {
            Engine::EspeakNg => probe.espeak_voice_data(&p.voice).is_ok(),
            Engine::SpeechDispatcher => probe.speech_dispatcher_installed(),
        };
        let voice = |p: &VoiceProfile, lang: Lang| Voice {
            engine: match p.engine {
                Engine::EspeakNg => VoiceEngine::Espeak,
                Engine::SpeechDispatcher => VoiceEngine::SpeechDispatcher {
                    module: p.module.clone(),
                },
            },
            id: p.id.clone(),
            name: p.name.clone(),
            lang,
            engine_voice: p.voice.clone(),
            rate: p.rate,
            pitch: p.pitch,
            volume: p.volume,
            capitals: p.capitals,
        };
        let mut voices = Vec::new();
        for lang in &self.config.languages {
            let chosen = self
                .config
                .voices
                .iter()
                .find(|c| c.lang == *lang)
                .and_then(|c| self.data.voices.get(&c.profile))
                .map(|l| &l.value)
                .filter(|p| usable(p) && p.lang() == Some(*lang));
            let fallback = || {
                self.data
                    .voices
                    .get(&format!("{}-espeak", lang.code()))
                    .map(|l| &l.value)
                    .filter(|p| usable(p))
            };
            if let Some(profile) = chosen.or_else(fallback) {
                voices.push(voice(profile, *lang));
            }
        }
        let profiles = self
            .data
            .voices
            .values()
            .map(|l| &l.value)
            .filter(|p| usable(p))
            .filter_map(|p| p.lang().map(|lang| voice(p, lang)))
            .collect();
        let output = match &self.config.audio_output {
            AudioOutput::Default => OutputChoice::Default,
            AudioOutput::Null => OutputChoice::Null,
            AudioOutput::Named(name) => OutputChoice::Named(name.clone()),
        };
        let fallbacks = self
            .config
            .languages
            .iter()
            .filter_map(|lang| {
                self.data
                    .voices
                    .get(&format!("{}-espeak", lang.code()))
                    .map(|l| &l.value)
                    .filter(|p| p.engine == Engine::EspeakNg && usable(p))
                    .map(|p| voice(p, *lang))
            })
            .collect();
        SpeechConfig {
            voices,
            profiles,
            fallbacks,
            symbols: Arc::new(self.symbols()),
            output,
        }
    }

    /// What the braille thread needs; None when the display profile is missing
    /// (Status says so).
    pub fn braille_config(&self) -> Option<BrailleConfig> {
        let profile = self
            .data
            .displays
            .get(&self.config.braille.display)?
            .value
            .clone();
        let keys = profile
            .keys
            .as_ref()
            .and_then(|k| self.data.key_tables.get(k))
            .map(|l| l.value.clone());
        Some(BrailleConfig {
            profile,
            port: self.config.braille.port.clone(),
            keys,
            default_lang: self.ui_lang(),
            data_path: self.data.searched.clone(),
        })
    }

    /// Symbol names: from the last data directory that has `voices/symbols`
    /// (a station's own override), else the built-in dictionaries.
    fn symbols(&self) -> SymbolTables {
        let dir = self
            .data
            .searched
            .iter()
            .rev()
            .map(|d| d.voices.join("symbols"))
            .find(|d| d.is_dir());
        match dir {
            Some(dir) => load_symbols(&dir).unwrap_or_else(|e| {
                tracing::warn!("symbol names refused, using the built-in ones: {e}");
                SymbolTables::embedded()
            }),
            None => SymbolTables::embedded(),
        }
    }

    /// Everything a mentor needs to see at a glance.
    pub fn status(&self, probe: &dyn SystemProbe, running: &Running) -> StatusReport {
        let mut problems = Vec::new();
        if let Some(refused) = &self.refused {
            problems.push(Problem::error(
                "config-refused",
                "station.toml",
                refused.msg(),
            ));
        }
        for bad in &self.data.problems {
            problems.push(Problem::error(
                "data-file-refused",
                &bad.path.display().to_string(),
                bad.error.msg(),
            ));
        }
        let mut display = self.display_status(probe, &mut problems);
        if let Some(braille) = &running.braille {
            if braille.connected {
                display.state = ItemState::Ready;
                display.detail = format!(
                    "{}, {}, {} cells",
                    braille.driver, braille.model, braille.cells
                );
                display.reason = Msg::SubsystemReady {
                    subsystem: Subsystem::Braille,
                };
            } else if display.state != ItemState::Missing {
                let why = braille.problem.clone().unwrap_or_default();
                let msg = Msg::DisplayUnavailable { why };
                problems.push(Problem::error(
                    "braille-display-unavailable",
                    &display.id,
                    msg.clone(),
                ));
                display.state = ItemState::Missing;
                display.reason = msg;
            }
        }
        let mut devices = vec![display];
        if let Some(output) = &running.speech_output {
            devices.push(audio_status(output, &mut problems));
            if let Some(why) = &output.speechd_problem {
                problems.push(Problem::error(
                    "speech-dispatcher-unavailable",
                    "speech-dispatcher",
                    Msg::SpeechDispatcherUnavailable { why: why.clone() },
                ));
            }
        }
        let speech_runs = running.speech_output.is_some();
        let voices = self.voice_status(probe, speech_runs, &mut problems);
        let catalogue = self.catalogue_status(&mut problems);
        let recognition = self.recognition_status(&mut problems);
        StatusReport {
            lang: self.ui_lang(),
            origin: self.config.origin.clone(),
            loaded_at: self.loaded_at,
            config: self.config.clone(),
            data_dirs: self
                .data
                .searched
                .iter()
                .flat_map(|d| [d.devices.clone(), d.voices.clone()])
                .collect(),
            devices,
            voices,
            catalogue,
            recognition,
            subsystems: Subsystem::ALL
                .iter()
                .map(|s| match s {
                    Subsystem::Speech if speech_runs => {
                        (*s, ItemState::Ready, Msg::SubsystemReady { subsystem: *s })
                    }
                    Subsystem::Braille if running.braille.is_some() => {
                        (*s, ItemState::Ready, Msg::SubsystemReady { subsystem: *s })
                    }
                    _ => (*s, ItemState::NotBuilt, Msg::NotBuilt { subsystem: *s }),
                })
                .collect(),
            active_reader: None,
            problems,
        }
    }

    fn display_status(&self, probe: &dyn SystemProbe, problems: &mut Vec<Problem>) -> Item {
        let choice = &self.config.braille;
        let Some(profile) = self.data.displays.get(&choice.display) else {
            let msg = Msg::ProfileMissing {
                location: choice.at.clone(),
                kind: ProfileKind::Display,
                id: choice.display.clone(),
                searched: self.data.searched_text(ProfileKind::Display),
            };
            problems.push(Problem::error(
                "display-profile-missing",
                &choice.display,
                msg.clone(),
            ));
            return Item::new(
                "braille-display",
                &choice.display,
                "",
                "",
                ItemState::Missing,
                msg,
            );
        };
        let profile = &profile.value;
        if let Some(keys) = &profile.keys {
            if !self.data.key_tables.contains_key(keys) {
                problems.push(Problem::warning(
                    "key-table-missing",
                    keys,
                    Msg::KeyTableMissing {
                        id: profile.id.clone(),
                        keys: keys.clone(),
                    },
                ));
            }
        }
        let detail = format!("{}, {} cells", profile.transport.id(), profile.cells);
        let item = |state, reason| {
            Item::new(
                "braille-display",
                &profile.id,
                &profile.name,
                &detail,
                state,
                reason,
            )
        };
        match self.display_fault(profile, probe) {
            Some((code, msg)) => {
                problems.push(Problem::error(code, &profile.id, msg.clone()));
                item(ItemState::Missing, msg)
            }
            None => item(
                ItemState::NotBuilt,
                Msg::NotBuilt {
                    subsystem: Subsystem::Braille,
                },
            ),
        }
    }

    /// What stops the display from working, as far as can be seen without opening it.
    fn display_fault(
        &self,
        profile: &DisplayProfile,
        probe: &dyn SystemProbe,
    ) -> Option<(&'static str, Msg)> {
        match profile.transport {
            Transport::Virtual => None,
            Transport::Brlapi => (!probe.brlapi_running()).then(|| {
                (
                    "brltty-not-running",
                    Msg::BrlapiMissing {
                        id: profile.id.clone(),
                    },
                )
            }),
            Transport::Serial => {
                let port = self.config.braille.port.as_ref().or(profile.port.as_ref());
                match port {
                    // A USB display is found by its ids when the driver starts.
                    None if !profile.usb.is_empty() => None,
                    None => Some((
                        "serial-port-unset",
                        Msg::SerialPortUnset {
                            id: profile.id.clone(),
                        },
                    )),
                    Some(port) if !probe.exists(port) => Some((
                        "serial-port-missing",
                        Msg::SerialPortMissing {
                            id: profile.id.clone(),
                            port: port.display().to_string(),
                        },
                    )),
                    Some(_) => None,
                }
            }
        }
    }

    fn voice_status(
        &self,
        probe: &dyn SystemProbe,
        speech_runs: bool,
        problems: &mut Vec<Problem>,
    ) -> Vec<Item> {
        let mut items = Vec::new();
        for lang in &self.config.languages {
            if !self.config.voices.iter().any(|v| v.lang == *lang) {
                problems.push(Problem::error(
                    "no-voice-for-language",
                    lang.code(),
                    Msg::NoVoiceForLanguage { lang: *lang },
                ));
            }
        }
        for choice in &self.config.voices {
            let Some(loaded) = self.data.voices.get(&choice.profile) else {
                let msg = Msg::ProfileMissing {
                    location: choice.at.clone(),
                    kind: ProfileKind::Voice,
                    id: choice.profile.clone(),
                    searched: self.data.searched_text(ProfileKind::Voice),
                };
                problems.push(Problem::error(
                    "voice-profile-missing",
                    &choice.profile,
                    msg.clone(),
                ));
                items.push(
                    Item::new(
                        "voice",
                        &choice.profile,
                        "",
                        choice.lang.code(),
                        ItemState::Missing,
                        msg,
                    )
                    .for_lang(choice.lang),
                );
                continue;
            };
            let profile = &loaded.value;
            let detail = format!("{}, {}", profile.engine.id(), profile.voice);
            if profile.lang() != Some(choice.lang) {
                problems.push(Problem::error(
                    "voice-language-mismatch",
                    &profile.id,
                    Msg::VoiceLanguageMismatch {
                        location: choice.at.clone(),
                        id: profile.id.clone(),
                        lang: choice.lang,
                        profile_lang: profile.language.clone(),
                    },
                ));
            }
            let fault = match profile.engine {
                Engine::EspeakNg => match probe.espeak_voice_data(&profile.voice) {
                    Ok(_) => None,
                    Err(searched) => Some((
                        "espeak-data-missing",
                        Msg::EspeakDataMissing {
                            voice: profile.voice.clone(),
                            searched,
                        },
                    )),
                },
                Engine::SpeechDispatcher => (!probe.speech_dispatcher_installed()).then(|| {
                    (
                        "speech-dispatcher-missing",
                        Msg::SpeechDispatcherMissing {
                            id: profile.id.clone(),
                        },
                    )
                }),
            };
            let item = match fault {
                Some((code, msg)) => {
                    problems.push(Problem::error(code, &profile.id, msg.clone()));
                    Item::new(
                        "voice",
                        &profile.id,
                        &profile.name,
                        &detail,
                        ItemState::Missing,
                        msg,
                    )
                }
                None if speech_runs => Item::new(
                    "voice",
                    &profile.id,
                    &profile.name,
                    &detail,
                    ItemState::Ready,
                    Msg::SubsystemReady {
                        subsystem: Subsystem::Speech,
                    },
                ),
                None => Item::new(
                    "voice",
                    &profile.id,
                    &profile.name,
                    &detail,
                    ItemState::NotBuilt,
                    Msg::NotBuilt {
                        subsystem: Subsystem::Speech,
                    },
                ),
            };
            items.push(item.for_lang(choice.lang));
        }
        items
    }

    fn catalogue_status(&self, problems: &mut Vec<Problem>) -> Vec<Item> {
        self.config
            .catalogue
            .iter()
            .map(|source| {
                let location = source.kind.location();
                if let CatalogueKind::Embedded { path } = &source.kind {
                    if !path.exists() {
                        let msg = Msg::CatalogueMissing {
                            id: source.id.clone(),
                            path: location.clone(),
                        };
                        problems.push(Problem::warning(
                            "catalogue-missing",
                            &source.id,
                            msg.clone(),
                        ));
                        return Item::new(
                            "catalogue",
                            &source.id,
                            "",
                            &location,
                            ItemState::Missing,
                            msg,
                        );
                    }
                }
                Item::new(
                    "catalogue",
                    &source.id,
                    source.kind.id(),
                    &location,
                    ItemState::NotBuilt,
                    Msg::NotBuilt {
                        subsystem: Subsystem::Library,
                    },
                )
            })
            .collect()
    }

    fn recognition_status(&self, problems: &mut Vec<Problem>) -> Vec<Item> {
        self.config
            .recognition_models
            .iter()
            .map(|model| {
                let shown = model.path.display().to_string();
                if !model.path.is_dir() {
                    let msg = Msg::ModelMissing {
                        lang: model.lang,
                        path: shown.clone(),
                    };
                    problems.push(Problem::error(
                        "model-missing",
                        model.lang.code(),
                        msg.clone(),
                    ));
                    return Item::new(
                        "recognition-model",
                        model.lang.code(),
                        "",
                        &shown,
                        ItemState::Missing,
                        msg,
                    )
                    .for_lang(model.lang);
                }
                Item::new(
                    "recognition-model",
                    model.lang.code(),
                    "",
                    &shown,
                    ItemState::NotBuilt,
                    Msg::NotBuilt {
                        subsystem: Subsystem::Listen,
                    },
                )
                .for_lang(model.lang)
            })
            .collect()
    }
}

fn audio_status(output: &OutputState, problems: &mut Vec<Problem>) -> Item {
    match &output.problem {
        Some(why) => {
            let msg = Msg::AudioOutputMissing { why: why.clone() };
            problems.push(Problem::error(
                "audio-output-missing",
                &output.name,
                msg.clone(),
            ));
            Item::new(
                "audio-output",
                &output.name,
                "",
                "",
                ItemState::Missing,
                msg,
            )
        }
        None => Item::new(
            "audio-output",
            &output.name,
            "",
            "",
            ItemState::Ready,
            Msg::SubsystemReady {
                subsystem: Subsystem::Speech,
            },
        ),
    }
}

/// The state of one device, voice, source or subsystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Ready,
    /// Configured and present, but the subsystem that drives it is not built yet.
    NotBuilt,
    /// Configured but not there (file, port, data or service missing).
    Missing,
}

impl ItemState {
    pub fn id(self) -> &'static str {
        match self {
            ItemState::Ready => "ready",
            ItemState::NotBuilt => "not-built",
            ItemState::Missing => "missing",
        }
    }
}

/// One line of Status: a device, voice, catalogue source or model.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub detail: String,
    pub lang: Option<Lang>,
    pub state: ItemState,
    pub reason: Msg,
}

impl Item {
    fn new(
        kind: &'static str,
        id: &str,
        name: &str,
        detail: &str,
        state: ItemState,
        reason: Msg,
    ) -> Item {
        Item {
            kind,
            id: id.to_owned(),
            name: name.to_owned(),
            detail: detail.to_owned(),
            lang: None,
            state,
            reason,
        }
    }

    fn for_lang(mut self, lang: Lang) -> Item {
        self.lang = Some(lang);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something the reader will miss until a mentor fixes it.
    Error,
    /// Worth a look; the station works without it.
    Warning,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A problem found, with a reason a mentor can act on.
#[derive(Debug, Clone)]
pub struct Problem {
    pub severity: Severity,
    /// Stable identifier for scripts.
    pub code: &'static str,
    /// What it concerns: a profile id, a language, a file.
    pub subject: String,
    pub reason: Msg,
}

impl Problem {
    fn error(code: &'static str, subject: &str, reason: Msg) -> Problem {
        Problem {
            severity: Severity::Error,
            code,
            subject: subject.to_owned(),
            reason,
        }
    }

    fn warning(code: &'static str, subject: &str, reason: Msg) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, subject, reason)
        }
    }
}

/// What `Station.Status` reports.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub lang: Lang,
    pub origin: ConfigOrigin,
    pub loaded_at: SystemTime,
    pub config: StationConfig,
    pub data_dirs: Vec<PathBuf>,
    pub devices: Vec<Item>,
    pub voices: Vec<Item>,
    pub catalogue: Vec<Item>,
    pub recognition: Vec<Item>,
    pub subsystems: Vec<(Subsystem, ItemState, Msg)>,
    pub active_reader: Option<String>,
    pub problems: Vec<Problem>,
}

/// The facts about the machine that Status checks, behind a trait so unit
/// tests can describe a machine instead of needing one.
pub trait SystemProbe: Send + Sync {
    fn exists(&self, path: &Path) -> bool;
    /// The eSpeak NG dictionary for `voice`, or the directories searched.
    fn espeak_voice_data(&self, voice: &str) -> Result<PathBuf, String>;
    fn speech_dispatcher_installed(&self) -> bool;
    fn brlapi_running(&self) -> bool;
}

/// The real machine.
pub struct HostProbe;

impl HostProbe {
    fn espeak_data_dirs() -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(dir) = std::env::var_os("ESPEAK_DATA_PATH") {
            dirs.push(PathBuf::from(dir).join("espeak-ng-data"));
        }
        if let Ok(entries) = std::fs::read_dir("/usr/lib") {
            let mut multiarch: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path().join("espeak-ng-data")))
                .filter(|p| p.is_dir())
                .collect();
            multiarch.sort();
            dirs.extend(multiarch);
        }
        dirs.push(PathBuf::from("/usr/share/espeak-ng-data"));
        dirs
    }
}

impl SystemProbe for HostProbe {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn espeak_voice_data(&self, voice: &str) -> Result<PathBuf, String> {
        // "en-us" and "kk+f2" use the "en" and "kk" dictionaries.
        let dict_lang = voice.split(['-', '+']).next().unwrap_or(voice);
        let dirs = Self::espeak_data_dirs();
        dirs.iter()
            .map(|dir| dir.join(format!("{dict_lang}_dict")))
            .find(|dict| dict.is_file())
            .ok_or_else(|| {
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
    }

    fn speech_dispatcher_installed(&self) -> bool {
        Path::new("/usr/bin/speech-dispatcher").is_file()
    }

    fn brlapi_running(&self) -> bool {
        // Local BrlAPI servers leave a socket per display in one of these.
        ["/var/lib/BrlAPI", "/run/brltty/BrlAPI"].iter().any(|dir| {
            std::fs::read_dir(dir)
                .map(|mut entries| entries.next().is_some())
                .unwrap_or(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A machine described in the test.
    #[derive(Default)]
    struct FakeProbe {
        paths: HashSet<PathBuf>,
        espeak_voices: Vec<&'static str>,
        speechd: bool,
        brlapi: bool,
    }

    impl SystemProbe for FakeProbe {
        fn exists(&self, path: &Path) -> bool {
            self.paths.contains(path)
        }
        fn espeak_voice_data(&self, voice: &str) -> Result<PathBuf, String> {
            if self.espeak_voices.contains(&voice) {
                Ok(PathBuf::from(format!(
                    "/usr/lib/espeak-ng-data/{voice}_dict"
                )))
            } else {
                Err("/usr/lib/espeak-ng-data".into())
            }
        }
        fn speech_dispatcher_installed(&self) -> bool {
            self.speechd
        }
        fn brlapi_running(&self) -> bool {
            self.brlapi
        }
    }

    fn station_with(config: Option<&str>) -> (tempfile::TempDir, Station) {
        let dir = tempfile::tempdir().unwrap();
        let explicit = config.map(|text| {
            let path = dir.path().join("station.toml");
            std::fs::write(&path, text).unwrap();
            path
        });
        let source = ConfigSource {
            explicit,
            defaults: Defaults {
                state_dir: dir.path().join("state"),
            },
            data_path: vec![DataDir::tree(Path::new(env!("CARGO_MANIFEST_DIR")))],
        };
        (dir, Station::start(source))
    }

    fn codes(report: &StatusReport) -> Vec<&'static str> {
        report.problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn defaults_on_a_complete_machine_show_only_the_empty_catalogue() {
        let (_dir, station) = station_with(None);
        let probe = FakeProbe {
            espeak_voices: vec!["kk", "ru", "en"],
            ..FakeProbe::default()
        };
        let report = station.status(&probe, &Running::default());
        assert_eq!(codes(&report), vec!["catalogue-missing"]);
        assert_eq!(report.devices[0].id, "virtual-40");
        assert_eq!(report.devices[0].state, ItemState::NotBuilt);
        assert_eq!(report.voices.len(), 3);
        assert!(report.voices.iter().all(|v| v.state == ItemState::NotBuilt));
    }

    #[test]
    fn missing_voice_data_and_unplugged_display_are_named() {
        let (_dir, station) = station_with(Some(
            "[braille]\ndisplay = \"baum-vario-40\"\nport = \"/dev/ttyUSB7\"\n\
             [voices]\nkk = \"kk-espeak\"\nru = \"ru-espeak\"\nen = \"en-espeak\"\n",
        ));
        let probe = FakeProbe {
            espeak_voices: vec!["ru", "en"],
            ..FakeProbe::default()
        };
        let report = station.status(&probe, &Running::default());
        assert_eq!(
            codes(&report),
            vec![
                "serial-port-missing",
                "espeak-data-missing",
                "catalogue-missing"
            ]
        );
        let unplugged = report.problems[0].reason.render(Lang::En);
        assert!(
            unplugged.starts_with("Braille display not connected: /dev/ttyUSB7"),
            "{unplugged}"
        );
        let kk = report.problems[1].reason.render(Lang::Kk);
        assert!(kk.contains("espeak-ng-data"), "{kk}");
    }

    #[test]
    fn missing_profiles_and_languages_without_voices_are_problems() {
        let (_dir, station) = station_with(Some(
            "[station]\nlanguages = [\"kk\", \"ru\"]\n[braille]\ndisplay = \"no-such-display\"\n\
             [voices]\nkk = \"ru-espeak\"\n",
        ));
        let probe = FakeProbe {
            espeak_voices: vec!["kk", "ru", "en"],
            ..FakeProbe::default()
        };
        let report = station.status(&probe, &Running::default());
        assert_eq!(
            codes(&report),
            vec![
                "display-profile-missing",
                "no-voice-for-language",
                "voice-language-mismatch",
                "catalogue-missing"
            ]
        );
        let missing = report.problems[0].reason.render(Lang::En);
        assert!(missing.contains("station.toml:4:11"), "{missing}");
        assert!(missing.contains("devices"), "{missing}");
    }

    #[test]
    fn brltty_display_without_brltty_is_reported() {
        let (_dir, station) = station_with(Some("[braille]\ndisplay = \"brltty\"\n"));
        let probe = FakeProbe {
            espeak_voices: vec!["kk", "ru", "en"],
            ..FakeProbe::default()
        };
        assert!(codes(&station.status(&probe, &Running::default())).contains(&"brltty-not-running"));
        let probe = FakeProbe {
            brlapi: true,
            ..probe
        };
        assert!(
            !codes(&station.status(&probe, &Running::default())).contains(&"brltty-not-running")
        );
    }

    #[test]
    fn bad_reload_keeps_the_configuration_in_force() {
        let (dir, mut station) = station_with(Some("[station]\nlanguages = [\"ru\"]\n"));
        assert_eq!(station.ui_lang(), Lang::Ru);
        std::fs::write(
            dir.path().join("station.toml"),
            "[station]\nlanguages = [\"ru\" \"en\"]\n",
        )
        .unwrap();
        let err = station.reload().unwrap_err();
        assert!(matches!(err, FileError::Parse { line: 2, .. }), "{err:?}");
        assert_eq!(station.config.languages, vec![Lang::Ru]);
        let probe = FakeProbe::default();
        assert_eq!(
            station.status(&probe, &Running::default()).problems[0].code,
            "config-refused"
        );
        std::fs::write(
            dir.path().join("station.toml"),
            "[station]\nlanguages = [\"en\"]\n",
        )
        .unwrap();
        station.reload().unwrap();
        assert_eq!(station.ui_lang(), Lang::En);
        assert_ne!(
            station.status(&probe, &Running::default()).problems[0].code,
            "config-refused"
        );
    }

    #[test]
    fn bad_file_at_start_runs_the_defaults_and_says_so() {
        let (_dir, station) = station_with(Some("languages = \n"));
        assert_eq!(station.config.origin, ConfigOrigin::Embedded);
        assert!(station.refused.is_some());
    }
}
