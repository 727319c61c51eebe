//! Every shipped data file loads and validates, and they refer to each other correctly.

use std::path::Path;

use oqu::config::data::{DataDir, DataSet, Engine, Transport};
use oqu::config::{Defaults, StationConfig};
use oqu::i18n::Lang;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn shipped() -> DataSet {
    DataSet::load(&[DataDir::tree(Path::new(REPO))])
}

#[test]
fn every_shipped_file_is_valid() {
    let set = shipped();
    let problems: Vec<String> = set
        .problems
        .iter()
        .map(|p| p.error.msg().render(Lang::En))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Each file on disk was loaded (nothing skipped silently).
    let count = |dir: &str| {
        std::fs::read_dir(Path::new(REPO).join(dir))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "toml")
            })
            .count()
    };
    assert_eq!(set.displays.len(), count("devices"));
    assert_eq!(set.key_tables.len(), count("devices/keys"));
    assert_eq!(set.voices.len(), count("voices"));
}

#[test]
fn display_profiles_name_existing_key_tables() {
    let set = shipped();
    for (id, display) in &set.displays {
        let keys = display
            .value
            .keys
            .as_ref()
            .unwrap_or_else(|| panic!("{id} has no key table"));
        assert!(
            set.key_tables.contains_key(keys),
            "{id}: key table {keys} missing"
        );
        if display.value.transport == Transport::Serial {
            assert!(
                !display.value.usb.is_empty(),
                "{id}: serial display without USB ids"
            );
        }
    }
    assert_eq!(set.displays["virtual-40"].value.cells, 40);
}

#[test]
fn every_language_has_an_espeak_voice_that_speaks_it() {
    let set = shipped();
    for lang in Lang::ALL {
        let id = format!("{}-espeak", lang.code());
        let voice = &set
            .voices
            .get(&id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .value;
        assert_eq!(voice.engine, Engine::EspeakNg);
        assert_eq!(voice.lang(), Some(lang));
    }
}

#[test]
fn the_embedded_defaults_refer_only_to_shipped_files() {
    let set = shipped();
    let config = StationConfig::embedded(&Defaults {
        state_dir: "/var/lib/oqu".into(),
    });
    assert!(set.displays.contains_key(&config.braille.display));
    for voice in &config.voices {
        assert!(set.voices.contains_key(&voice.profile), "{}", voice.profile);
    }
}

#[test]
fn the_example_configuration_in_the_readme_is_valid() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("README has a toml example") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let config = StationConfig::parse(
        oqu::config::ConfigOrigin::File("README.md".into()),
        &readme[start..end],
        &Defaults {
            state_dir: "/var/lib/oqu".into(),
        },
    )
    .unwrap_or_else(|e| panic!("README example: {}", e.msg().render(Lang::En)));
    let set = shipped();
    assert!(set.displays.contains_key(&config.braille.display));
}
