//! Braille through the D-Bus API: oqud's own Baum driver against an emulated
//! Baum display on a pseudo-terminal, and the virtual display. The cells are
//! checked exactly, against liblouis through oqu's layout.

mod support;

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use oqu::braille::baum::EntryKeys;
use oqu::braille::baum_emulator::Emulator;
use oqu::braille::layout::{Layout, ShowText};
use oqu::braille::louis::{self, Grade};
use oqu::client::{BrailleProxy, Dict, StationProxy};
use oqu::config::data::DataDir;
use oqu::i18n::Lang;
use support::{Bus, Daemon, REPO};

fn layout(text: &str, lang: Lang) -> Layout {
    let tables =
        louis::tables_for(lang, Grade::Uncontracted, &[DataDir::tree(Path::new(REPO))]).unwrap();
    let show = ShowText {
        text,
        tables: &tables,
        grade: Grade::Uncontracted,
        cursor: None,
    };
    Layout::new(&show, 40).unwrap()
}

/// oqud with the virtual display, and a stream of its CellsChanged signals.
async fn start_virtual() -> (
    Bus,
    Daemon,
    BrailleProxy<'static>,
    zbus::proxy::SignalStream<'static>,
) {
    let bus = Bus::session();
    let config = bus.file("station.toml", support::DEFAULT_CONFIG);
    let daemon = Daemon::start(&bus, &config, &[]).await;
    let conn = bus.connect().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let changed = braille
        .inner()
        .receive_signal("CellsChanged")
        .await
        .unwrap();
    (bus, daemon, braille, changed)
}

/// oqud driving the emulated display with its own Baum driver.
async fn start_with_baum() -> (Bus, Emulator, Daemon, zbus::Connection) {
    let emulator = tokio::task::spawn_blocking(|| Emulator::start(40))
        .await
        .unwrap()
        .unwrap();
    let bus = Bus::session();
    let extra = bus.dir.path().join("extra");
    std::fs::create_dir_all(extra.join("devices")).unwrap();
    std::fs::write(
        extra.join("devices/baum-emulated.toml"),
        format!(
            "version = 1\nkind = \"braille-display\"\nname = \"Emulated Baum\"\ntransport = \"serial\"\n\
             protocol = \"baum-escape\"\nbaud = 19200\ncells = 40\nport = \"{}\"\nkeys = \"baum\"\n",
            emulator.device_path().display()
        ),
    )
    .unwrap();
    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"kk\", \"ru\", \"en\"]\n[braille]\ndisplay = \"baum-emulated\"\n",
    );
    let data_path = format!("{REPO}:{}", extra.display());
    let daemon = Daemon::start_with_env(&bus, &config, &[], &[("OQU_DATA_PATH", &data_path)]).await;
    let conn = bus.connect().await;
    (bus, emulator, daemon, conn)
}

async fn wait_cells(emulator: &Emulator, want: Vec<u8>) -> Vec<u8> {
    let shown = tokio::task::block_in_place(|| {
        emulator.wait_for_cells(|c| c == want.as_slice(), Duration::from_secs(10))
    });
    shown.unwrap_or_else(|| emulator.cells())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazakh_text_reaches_the_display_as_exact_cells() {
    let (_bus, emulator, daemon, conn) = start_with_baum().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    assert!(braille.connected().await.unwrap(), "{}", daemon.log_text());
    assert_eq!(braille.cells().await.unwrap(), 40);
    let text = "кітапхана бүгін ашық";
    braille.show(text, Dict::new()).await.unwrap();
    let want = layout(text, Lang::Kk).lines()[0].cells.clone();
    assert_eq!(wait_cells(&emulator, want.clone()).await, want);
    // Dot 9 of kk.utb never reaches the physical cells: they are 8-dot bytes.
    assert_eq!(want[0], 0b0000_0101, "к is dots 1-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_keys_and_panning_map_back_to_the_text() {
    let (_bus, emulator, _daemon, conn) = start_with_baum().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let mut routed = braille.inner().receive_signal("Routed").await.unwrap();
    let text = "Библиотека открыта каждый день с девяти утра до девяти вечера, \
                а читальный зал для незрячих читателей работает и по воскресеньям.";
    braille.show(text, Dict::new()).await.unwrap();
    let expected = layout(text, Lang::Ru);
    assert!(expected.lines().len() >= 3);
    let first = expected.lines()[0].cells.clone();
    assert_eq!(wait_cells(&emulator, first.clone()).await, first);

    // A routing key over cell 12 gives the character under it.
    tokio::task::block_in_place(|| emulator.press_routing(12)).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), routed.next())
        .await
        .unwrap()
        .unwrap();
    let offset: i32 = message.body().deserialize().unwrap();
    assert_eq!(Some(offset as usize), expected.route(0, 12));

    // Display key 5 pans right (devices/keys/baum.toml): the next line, never a split word.
    tokio::task::block_in_place(|| emulator.press_keys(0b1_0000)).unwrap();
    let second = expected.lines()[1].cells.clone();
    assert_eq!(wait_cells(&emulator, second.clone()).await, second);
    tokio::task::block_in_place(|| emulator.press_routing(0)).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), routed.next())
        .await
        .unwrap()
        .unwrap();
    let offset: i32 = message.body().deserialize().unwrap();
    assert_eq!(Some(offset as usize), expected.route(1, 0));
    let word_start = offset as usize;
    let before = text.chars().nth(word_start - 1).unwrap();
    assert!(before == ' ', "line 2 starts mid-word at {word_start}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_braille_keyboard_types_kazakh_letters() {
    let (_bus, emulator, _daemon, conn) = start_with_baum().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let mut typed = braille.inner().receive_signal("Typed").await.unwrap();
    braille.show("қазақ тілі", Dict::new()).await.unwrap();
    // қ is dots 1-4-5-6 in kk-oqu.utb.
    tokio::task::block_in_place(|| {
        emulator.press_entry(EntryKeys {
            buttons: 0,
            dots: 0b11_1001,
        })
    })
    .unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), typed.next())
        .await
        .unwrap()
        .unwrap();
    let text: String = message.body().deserialize().unwrap();
    assert_eq!(text, "қ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unplugged_display_shows_in_status_and_connected_turns_false() {
    let (_bus, emulator, daemon, conn) = start_with_baum().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    braille.show("Абай", Dict::new()).await.unwrap();
    tokio::task::block_in_place(|| emulator.stop());
    let station = StationProxy::new(&conn).await.unwrap();
    let mut problem = None;
    for _ in 0..100 {
        let status = station.status().await.unwrap();
        let problems = Vec::<Dict>::try_from(status["problems"].clone()).unwrap();
        // The pty is gone, as a pulled USB cable takes its device node with it.
        problem = problems.into_iter().find(|p| {
            let code = String::try_from(p["code"].clone()).unwrap();
            code == "braille-display-unavailable" || code == "serial-port-missing"
        });
        if problem.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let problem = problem.unwrap_or_else(|| {
        panic!(
            "Status names the unplugged display\n{}",
            daemon
                .log_text()
                .lines()
                .filter(|l| !l.contains("zbus"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let reason = String::try_from(problem["reason"].clone()).unwrap();
    assert!(reason.starts_with("Брайль дисплейі қосылмаған"), "{reason}");
    assert!(!braille.connected().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virtual_display_reports_what_it_shows() {
    let (_bus, _daemon, braille, mut changed) = start_virtual().await;
    braille
        .show("The cat and the dog.", Dict::new())
        .await
        .unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), changed.next())
        .await
        .unwrap()
        .unwrap();
    let (cells, _text): (Vec<u8>, String) = message.body().deserialize().unwrap();
    assert_eq!(
        cells,
        layout("The cat and the dog.", Lang::En).lines()[0].cells
    );
    assert!(braille.connected().await.unwrap());
}

/// `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`: a serial line whose
/// two ends have fixed names, so a "display" can go away and come back at the
/// same path, as a USB display does when replugged.
struct SerialLine {
    child: std::process::Child,
}

impl SerialLine {
    fn start(driver_end: &Path, display_end: &Path) -> SerialLine {
        support::require("socat", "socat");
        let child = std::process::Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", driver_end.display()))
            .arg(format!("pty,raw,echo=0,link={}", display_end.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start socat");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !(driver_end.exists() && display_end.exists()) {
            assert!(std::time::Instant::now() < deadline, "socat made no ptys");
            std::thread::sleep(Duration::from_millis(10));
        }
        SerialLine { child }
    }
}

impl Drop for SerialLine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replugged_display_is_found_within_two_seconds_showing_the_same() {
    let bus = Bus::session();
    let driver_end = bus.dir.path().join("ttyBAUM");
    let display_end = bus.dir.path().join("display-side");
    let line = SerialLine::start(&driver_end, &display_end);
    let emulator = Emulator::attach(&display_end, driver_end.clone(), 40).unwrap();
    let extra = bus.dir.path().join("extra");
    std::fs::create_dir_all(extra.join("devices")).unwrap();
    std::fs::write(
        extra.join("devices/baum-line.toml"),
        format!(
            "version = 1\nkind = \"braille-display\"\nname = \"Baum on a line\"\ntransport = \"serial\"\n\
             protocol = \"baum-escape\"\nbaud = 19200\ncells = 40\nport = \"{}\"\nkeys = \"baum\"\n",
            driver_end.display()
        ),
    )
    .unwrap();
    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"kk\"]\n[braille]\ndisplay = \"baum-line\"\n",
    );
    let data_path = format!("{REPO}:{}", extra.display());
    let daemon = Daemon::start_with_env(&bus, &config, &[], &[("OQU_DATA_PATH", &data_path)]).await;
    let conn = bus.connect().await;
    let braille = BrailleProxy::new(&conn).await.unwrap();
    let text = "Абай Құнанбайұлы — ақын";
    braille.show(text, Dict::new()).await.unwrap();
    let want = layout(text, Lang::Kk).lines()[0].cells.clone();
    assert_eq!(wait_cells(&emulator, want.clone()).await, want);

    // Unplugged: the line and the display go away.
    drop(emulator);
    drop(line);
    let mut connected = true;
    for _ in 0..100 {
        connected = braille.connected().await.unwrap();
        if !connected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !connected,
        "Connected stayed true after the display was unplugged"
    );

    // Plugged back in at the same path.
    let _line = SerialLine::start(&driver_end, &display_end);
    let emulator = Emulator::attach(&display_end, driver_end.clone(), 40).unwrap();
    let back = std::time::Instant::now();
    let shown = tokio::task::block_in_place(|| {
        emulator.wait_for_cells(|c| c == want.as_slice(), Duration::from_secs(2))
    });
    assert_eq!(
        shown,
        Some(want),
        "the same content was not back within 2 s"
    );
    assert!(back.elapsed() < Duration::from_secs(2));
    let log: Vec<String> = daemon
        .log_text()
        .lines()
        .filter(|l| l.contains("braille"))
        .map(str::to_owned)
        .collect();
    // Read without the proxy's cache: what oqud says now.
    let props = zbus::fdo::PropertiesProxy::builder(&conn)
        .destination("org.oqu.Oqu1")
        .unwrap()
        .path("/org/oqu/Oqu1")
        .unwrap()
        .build()
        .await
        .unwrap();
    let iface = zbus::names::InterfaceName::try_from("org.oqu.Oqu1.Braille").unwrap();
    let now = bool::try_from(props.get(iface, "Connected").await.unwrap()).unwrap();
    assert!(now, "{log:#?}");
    // Clients that cache properties hear of it through PropertiesChanged.
    let mut cached = false;
    for _ in 0..20 {
        cached = braille.connected().await.unwrap();
        if cached {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(cached, "PropertiesChanged never said Connected: {log:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_shows_for_its_timeout_then_the_text_comes_back() {
    let (_bus, _daemon, braille, mut changed) = start_virtual().await;
    let text = "The library opens at nine.";
    braille.show(text, Dict::new()).await.unwrap();
    let shown = layout(text, Lang::En).lines()[0].cells.clone();
    assert_eq!(next_cells(&mut changed).await, shown);

    let started = std::time::Instant::now();
    braille.message("Saved.", 400).await.unwrap();
    assert_eq!(
        next_cells(&mut changed).await,
        layout("Saved.", Lang::En).lines()[0].cells
    );
    // When the timeout ends, the text that was there comes back, on its own.
    assert_eq!(next_cells(&mut changed).await, shown);
    let held = started.elapsed();
    assert!(
        held >= Duration::from_millis(390) && held < Duration::from_secs(3),
        "{held:?}"
    );
}

async fn next_cells(stream: &mut zbus::proxy::SignalStream<'_>) -> Vec<u8> {
    let message = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap()
        .unwrap();
    let (cells, _): (Vec<u8>, String) = message.body().deserialize().unwrap();
    cells
}
