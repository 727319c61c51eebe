//! oqud through real D-Bus calls on a private dbus-daemon.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use oqu::client::{
    BrailleProxy, Dict, LibraryProxy, ListenProxy, ReaderProxy, SpeechProxy, StationProxy,
};
use support::{error_of, Bus, Daemon, DEFAULT_CONFIG};
use zbus::zvariant::{OwnedValue, Value};

fn dict(entries: &[(&str, Value<'static>)]) -> Dict {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), OwnedValue::try_from(v.clone()).unwrap()))
        .collect()
}

fn options_lang(lang: &str) -> Dict {
    dict(&[("language", Value::from(lang.to_owned()))])
}

fn text(dict: &Dict, key: &str) -> String {
    String::try_from(dict[key].clone()).unwrap_or_else(|_| panic!("{key} is not a string"))
}

fn list(dict: &Dict, key: &str) -> Vec<Dict> {
    Vec::<Dict>::try_from(dict[key].clone()).unwrap_or_else(|_| panic!("{key} is not aa{{sv}}"))
}

async fn start(config: &str) -> (Bus, Daemon, zbus::Connection) {
    let bus = Bus::session();
    let path = bus.file("station.toml", config);
    let daemon = Daemon::start(&bus, &path, &[]).await;
    let conn = bus.connect().await;
    (bus, daemon, conn)
}

/// (name, type, direction) of a method argument; (name, type) of a signal's.
type MethodArg = (Option<String>, String, String);
type SignalArg = (Option<String>, String);

/// One interface as introspection describes it, comments and order aside.
#[derive(Debug, PartialEq)]
struct Shape {
    methods: Vec<(String, Vec<MethodArg>)>,
    signals: Vec<(String, Vec<SignalArg>)>,
    properties: Vec<(String, String, String)>,
}

fn shapes(xml: &str) -> HashMap<String, Shape> {
    let node = zbus_xml::Node::from_reader(xml.as_bytes()).expect("introspection XML parses");
    node.interfaces()
        .iter()
        .filter(|i| !i.name().starts_with("org.freedesktop.DBus."))
        .map(|i| {
            let mut methods: Vec<_> = i
                .methods()
                .iter()
                .map(|m| {
                    let args = m
                        .args()
                        .iter()
                        .map(|a| {
                            (
                                a.name().map(str::to_owned),
                                a.ty().to_string(),
                                format!("{:?}", a.direction()),
                            )
                        })
                        .collect();
                    (m.name().to_string(), args)
                })
                .collect();
            methods.sort();
            let mut signals: Vec<_> = i
                .signals()
                .iter()
                .map(|s| {
                    let args = s
                        .args()
                        .iter()
                        .map(|a| (a.name().map(str::to_owned), a.ty().to_string()))
                        .collect();
                    (s.name().to_string(), args)
                })
                .collect();
            signals.sort();
            let mut properties: Vec<_> = i
                .properties()
                .iter()
                .map(|p| {
                    (
                        p.name().to_string(),
                        p.ty().to_string(),
                        format!("{:?}", p.access()),
                    )
                })
                .collect();
            properties.sort();
            (
                i.name().to_string(),
                Shape {
                    methods,
                    signals,
                    properties,
                },
            )
        })
        .collect()
}

#[tokio::test]
async fn introspection_matches_the_repository() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    for (service, path, file) in [
        (
            "org.oqu.Oqu1",
            "/org/oqu/Oqu1",
            oqu::dbus::INTROSPECTION_XML,
        ),
        (
            "org.oqu.Oqu1.Speech.Provider",
            "/org/oqu/Oqu1/Speech/Provider",
            include_str!("../data/org.freedesktop.Speech.Provider.xml"),
        ),
    ] {
        let live = zbus::fdo::IntrospectableProxy::builder(&conn)
            .destination(service)
            .unwrap()
            .path(path)
            .unwrap()
            .build()
            .await
            .unwrap()
            .introspect()
            .await
            .unwrap();
        let live = shapes(&live);
        let kept = shapes(file);
        assert_eq!(
            live.keys().collect::<std::collections::BTreeSet<_>>(),
            kept.keys().collect::<std::collections::BTreeSet<_>>(),
            "interfaces at {path} differ from the repository's XML"
        );
        for (name, shape) in &kept {
            assert_eq!(
                &live[name], shape,
                "{name} differs from the repository's XML: run scripts/update-introspection"
            );
        }
    }
    let served = shapes(oqu::dbus::INTROSPECTION_XML);
    for name in oqu::dbus::INTERFACES {
        assert!(served.contains_key(name), "{name} is not in the XML");
    }
    assert_eq!(served.len(), 6);
}

#[tokio::test]
async fn options_reject_unknown_keys_and_wrong_types_naming_the_key() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let (name, message) = error_of(
        speech
            .speak("сәлем", dict(&[("speed", Value::I32(3))]))
            .await,
    );
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert!(
        message.starts_with("\"speed\" is not a known option"),
        "{message}"
    );

    let (name, message) = error_of(
        speech
            .speak("сәлем", dict(&[("rate", Value::from("fast"))]))
            .await,
    );
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert_eq!(message, "\"rate\" has the wrong type: expected i, got s.");

    let (_, message) = error_of(
        speech
            .speak("x", dict(&[("priority", Value::from("urgent"))]))
            .await,
    );
    assert!(
        message.starts_with("\"priority\" cannot be \"urgent\""),
        "{message}"
    );

    let braille = BrailleProxy::new(&conn).await.unwrap();
    let (name, message) = error_of(braille.show("x", dict(&[("cursor", Value::U32(3))])).await);
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert!(message.contains("\"cursor\""), "{message}");

    let listen = ListenProxy::new(&conn).await.unwrap();
    let (_, message) = error_of(listen.start(dict(&[("mode", Value::from("chat"))])).await);
    assert!(message.contains("\"mode\""), "{message}");

    let library = LibraryProxy::new(&conn).await.unwrap();
    let (_, message) = error_of(
        library
            .search("абай", dict(&[("limit", Value::I32(5))]))
            .await,
    );
    assert_eq!(message, "\"limit\" has the wrong type: expected u, got i.");

    let reader = ReaderProxy::new(&conn).await.unwrap();
    let (name, message) = error_of(reader.move_by("chapter", 1).await);
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert!(message.contains("sentence"), "{message}");
}

#[tokio::test]
async fn a_wrong_signature_is_refused_and_the_daemon_keeps_serving() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    let reply = conn
        .call_method(
            Some("org.oqu.Oqu1"),
            "/org/oqu/Oqu1",
            Some("org.oqu.Oqu1.Speech"),
            "Speak",
            &(42u32,),
        )
        .await;
    // zbus answers arguments of the wrong signature itself, before oqud's
    // code runs, under its own error name.
    let (name, message) = error_of(reply);
    assert_eq!(name, "org.freedesktop.zbus.Error", "{message}");
    assert_eq!(message, "Signature mismatch: got `u`, expected `(sa{sv})`");
    let station = StationProxy::new(&conn).await.unwrap();
    assert!(station.status().await.is_ok(), "daemon stopped answering");
}

#[tokio::test]
async fn oversized_arguments_are_refused() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let long = "ә".repeat(70_000);
    let (name, message) = error_of(speech.speak(&long, Dict::new()).await);
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert_eq!(
        message,
        "\"text\" is too long: 70000 characters, at most 65536."
    );
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let (_, message) = error_of(braille.show_dots(&[0u8; 200]).await);
    assert!(message.starts_with("\"cells\" is too long"), "{message}");
}

#[tokio::test]
async fn members_not_built_yet_say_unavailable_with_a_reason() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let listen = ListenProxy::new(&conn).await.unwrap();
    let library = LibraryProxy::new(&conn).await.unwrap();
    let reader = ReaderProxy::new(&conn).await.unwrap();
    let station = StationProxy::new(&conn).await.unwrap();

    let replies = vec![
        ("Voice commands", error_of(listen.start(Dict::new()).await)),
        (
            "Catalogue",
            error_of(library.search("абай", Dict::new()).await),
        ),
        ("Catalogue", error_of(library.reserve("x").await)),
        (
            "Book reading",
            error_of(reader.open("/tmp/book.epub").await),
        ),
        (
            "Book reading",
            error_of(reader.move_by("sentence", 1).await),
        ),
        (
            "Reader sessions",
            error_of(station.begin_session("0001").await),
        ),
        (
            "Catalogue",
            error_of(station.import_catalogue("/tmp/x.mrc").await),
        ),
    ];
    for (subsystem, (name, message)) in replies {
        assert_eq!(name, "org.oqu.Oqu1.Error.Unavailable", "{message}");
        assert_eq!(
            message,
            format!("{subsystem} not available yet: not built into this oqud.")
        );
    }
    // Properties tell the truth: nothing is listening.
    let _ = &braille;
    assert!(!listen.available().await.unwrap());
    assert!(!speech.speaking().await.unwrap());
}

#[tokio::test]
async fn status_shows_the_configuration_and_problems_a_mentor_can_act_on() {
    let (bus, _daemon, conn) = start(
        "[station]\nname = \"Almaty Central, zone 2\"\nlanguages = [\"en\", \"kk\"]\nidle_timeout = \"20m\"\n\
         [braille]\ndisplay = \"baum-vario-40\"\nport = \"/dev/ttyUSB9\"\n\
         [voices]\nkk = \"kk-espeak\"\nen = \"no-such-voice\"\n",
    )
    .await;
    let status = StationProxy::new(&conn)
        .await
        .unwrap()
        .status()
        .await
        .unwrap();
    let config: Dict = Dict::try_from(status["config"].clone()).unwrap();
    assert_eq!(
        text(&config, "source"),
        bus.dir.path().join("station.toml").display().to_string()
    );
    assert_eq!(text(&config, "name"), "Almaty Central, zone 2");
    assert_eq!(
        u32::try_from(config["idle_timeout_s"].clone()).unwrap(),
        1200
    );
    assert_eq!(text(&status, "bus"), "session");
    assert_eq!(text(&status, "language"), "en");
    assert!(!bool::try_from(status["ok"].clone()).unwrap());

    let devices = list(&status, "devices");
    assert_eq!(text(&devices[0], "id"), "baum-vario-40");
    assert_eq!(text(&devices[0], "state"), "missing");

    let problems = list(&status, "problems");
    let codes: Vec<String> = problems.iter().map(|p| text(p, "code")).collect();
    assert!(
        codes.contains(&"serial-port-missing".to_string()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"voice-profile-missing".to_string()),
        "{codes:?}"
    );
    let unplugged = problems
        .iter()
        .find(|p| text(p, "code") == "serial-port-missing")
        .unwrap();
    assert_eq!(
        text(unplugged, "reason"),
        "Braille display not connected: /dev/ttyUSB9 is missing (\"baum-vario-40\"). Check the cable."
    );
    let missing_voice = problems
        .iter()
        .find(|p| text(p, "code") == "voice-profile-missing")
        .unwrap();
    let reason = text(missing_voice, "reason");
    assert!(
        reason.starts_with("Voice profile not found: \"no-such-voice\""),
        "{reason}"
    );
    assert!(reason.contains("station.toml:10:6"), "{reason}");

    let subsystems = list(&status, "subsystems");
    assert_eq!(subsystems.len(), 6);
    for subsystem in &subsystems {
        let expected = if ["speech", "braille"].contains(&text(subsystem, "id").as_str()) {
            "ready"
        } else {
            "not-built"
        };
        assert_eq!(
            text(subsystem, "state"),
            expected,
            "{}",
            text(subsystem, "id")
        );
    }
}

#[tokio::test]
async fn reload_refuses_a_broken_file_and_keeps_the_running_configuration() {
    let (bus, _daemon, conn) = start("[station]\nlanguages = [\"en\"]\n").await;
    let station = StationProxy::new(&conn).await.unwrap();
    let speech = SpeechProxy::new(&conn).await.unwrap();

    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"ru\"]\nidle_timeout = 10\n",
    );
    let (name, message) = error_of(station.reload().await);
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    let expected = format!(
        "Configuration refused, the previous one stays in force: {}:3:16:",
        config.display()
    );
    assert!(message.starts_with(&expected), "{message}");

    // Still the old configuration: English, and the refusal is in Status.
    let status = station.status().await.unwrap();
    assert_eq!(text(&status, "language"), "en");
    let problems = list(&status, "problems");
    assert_eq!(text(&problems[0], "code"), "config-refused");
    let (_, message) = error_of(speech.speak("x", options_lang("de")).await);
    assert!(
        message.starts_with("\"language\" cannot be \"de\""),
        "{message}"
    );

    // A good file takes effect: oqu's words are now Russian.
    bus.file(
        "station.toml",
        "[station]\nlanguages = [\"ru\"]\nidle_timeout = \"30m\"\n",
    );
    station.reload().await.unwrap();
    let status = station.status().await.unwrap();
    assert_eq!(text(&status, "language"), "ru");
    assert!(list(&status, "problems")
        .iter()
        .all(|p| text(p, "code") != "config-refused"));
    let (_, message) = error_of(speech.speak("x", options_lang("de")).await);
    assert_eq!(
        message,
        "«language»: недопустимое значение «de». Допустимо: auto, ru."
    );
}

#[tokio::test]
async fn a_broken_file_at_start_runs_the_defaults_and_says_so() {
    let (bus, _daemon, conn) = start("[station\nlanguages = [\"en\"]\n").await;
    let status = StationProxy::new(&conn)
        .await
        .unwrap()
        .status()
        .await
        .unwrap();
    let config = Dict::try_from(status["config"].clone()).unwrap();
    assert_eq!(text(&config, "source"), "(embedded defaults)");
    let problems = list(&status, "problems");
    assert_eq!(text(&problems[0], "code"), "config-refused");
    let reason = text(&problems[0], "reason");
    // The embedded defaults speak Kazakh first.
    let path = bus.dir.path().join("station.toml");
    assert!(
        reason.starts_with(&format!("Файл қабылданбады: {}:1:9", path.display())),
        "{reason}"
    );
}

#[tokio::test]
async fn a_second_instance_says_who_owns_the_name_and_exits() {
    let (bus, first, _conn) = start(DEFAULT_CONFIG).await;
    let config = bus.dir.path().join("station.toml");
    let mut second = Daemon::spawn(&bus, &config, &[]);
    let status = second.wait(Duration::from_secs(15));
    assert_eq!(status.code(), Some(2));
    let log = second.log_text();
    assert!(
        log.contains(&format!(
            "oqud: org.oqu.Oqu1 is already owned: another oqud is running (pid {}, oqud)",
            first.pid()
        )),
        "{log}"
    );
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_daemon_cleanly_and_free_the_name() {
    for signal in [
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGINT,
    ] {
        let (_bus, mut daemon, conn) = start(DEFAULT_CONFIG).await;
        let status = daemon.signal_and_wait(signal, Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "{signal}: {}", daemon.log_text());
        assert!(daemon.log_text().contains("shutting down"));
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
        let name = zbus::names::BusName::try_from("org.oqu.Oqu1").unwrap();
        assert!(!dbus.name_has_owner(name).await.unwrap());
    }
}

#[tokio::test]
async fn sighup_reloads_like_station_reload() {
    let (bus, mut daemon, conn) = start("[station]\nlanguages = [\"en\"]\n").await;
    bus.file("station.toml", "[station]\nlanguages = [\"kk\"]\n");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.pid() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let station = StationProxy::new(&conn).await.unwrap();
    let mut language = String::new();
    for _ in 0..100 {
        language = text(&station.status().await.unwrap(), "language");
        if language == "kk" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(language, "kk");
    let status = daemon.signal_and_wait(nix::sys::signal::Signal::SIGTERM, Duration::from_secs(5));
    assert!(status.success());
}

#[tokio::test]
async fn the_spiel_provider_lists_the_station_voices() {
    let (_bus, _daemon, conn) = start(DEFAULT_CONFIG).await;
    let provider = oqu::client::SpeechProviderProxy::new(&conn).await.unwrap();
    assert_eq!(provider.name().await.unwrap(), "oqu");
    let voices = provider.voices().await.unwrap();
    let kk = voices
        .iter()
        .find(|v| v.1 == "kk-espeak")
        .expect("kk-espeak listed");
    assert_eq!(kk.2, "audio/x-raw,format=S16LE,channels=1,rate=22050");
    assert_eq!(kk.4, vec!["kk".to_string()]);
}
