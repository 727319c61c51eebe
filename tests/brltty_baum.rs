//! The Baum protocol and the emulated display against the real thing:
//! BRLTTY 6.5's `bm` driver on the emulator's pty with a BrlAPI client
//! (python3-brlapi), a native client over the `serialport` crate, and the
//! socat transport from the field notes.
//!
//! Needs brltty, python3-brlapi and socat (apt); fails, never skips, without them.

#[path = "support/brltty.rs"]
mod brltty;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use brltty::{Brlapi, Brltty, TIMEOUT};
use oqu::braille::baum::{self, DisplayDecoder, DisplayPacket, EntryKeys, HostPacket, BAUD_RATE};
use oqu::braille::baum_emulator::Emulator;

/// BrlAPI command codes (brlapi_constants.h), as the field notes list them.
const KEY_TYPE_CMD: u64 = 0x2000_0000;
const KEY_CMD_ROUTE: u64 = 0x0001_0000;
const KEY_CMD_PASSDOTS: u64 = 0x0022_0000;
const KEY_CMD_FWINLT: u64 = 0x17;
const KEY_CMD_FWINRT: u64 = 0x18;

/// A test pattern: every single dot, all dots, none, and ESC-valued cells
/// (dots 1245 = 0x1B), which the wire must carry doubled.
fn pattern() -> Vec<u8> {
    (0..40u32)
        .map(|i| match i % 5 {
            0 => 1 << (i / 5 % 8),
            1 => 0x1B,
            2 => 0xFF,
            3 => 0x00,
            _ => (i * 37) as u8,
        })
        .collect()
}

fn wait_for_shown(emulator: &Emulator, cells: &[u8], brltty: &Brltty) {
    let shown = emulator.wait_for_cells(|shown| shown == cells, TIMEOUT);
    assert!(
        shown.is_some(),
        "the display never showed the client's dots\nwanted {cells:02x?}\nshown  {:02x?}\n--- BRLTTY log ---\n{}",
        emulator.cells(),
        brltty.log.text()
    );
}

fn expect_key(client: &mut Brlapi, brltty: &Brltty, wanted: u64, what: &str) {
    let key = client.read_key(Duration::from_secs(30), &brltty.log);
    assert_eq!(
        key,
        Some(wanted),
        "{what}: wanted key {wanted:#x}, got {key:x?}\n--- BRLTTY log ---\n{}",
        brltty.log.text()
    );
}

#[test]
fn brltty_drives_the_emulated_display() {
    brltty::require("brltty", "brltty");
    brltty::require_python_brlapi();
    let emulator = Emulator::start(40).expect("start the emulated display");
    let mut brltty = Brltty::start(&emulator.device_path());

    // BRLTTY identifies the display from our answers.
    brltty.expect_log("Baum Device Identity: Baum VarioPro 40");
    brltty.expect_log("Baum Serial Number: OQU00040");
    brltty.expect_log("Cell Count: 40 (40 text, 0 status)");
    brltty.expect_log("Braille Driver: bm");
    let requests = emulator.requests();
    let probe = [
        HostPacket::SerialNumberRequest,
        HostPacket::IdentityRequest,
        HostPacket::Cells(vec![0]),
        HostPacket::KeysRequest,
        HostPacket::Other {
            code: 0x50,
            data: vec![0x05, 0x00, 0x00, 0x00, 0x00, 0x04],
        },
    ];
    assert!(
        requests.starts_with(&probe),
        "BRLTTY probed differently: {requests:02x?}"
    );
    // More than one only if BRLTTY's 200 ms probe round ran out (a loaded machine).
    assert!(emulator.probes() >= 1);

    // A BrlAPI client's dots reach the display exactly.
    brltty.wait_for_api();
    let mut client = Brlapi::connect(&brltty);
    assert_eq!(
        (client.width, client.height),
        (40, 1),
        "BrlAPI display size"
    );
    assert_eq!(client.driver, "Baum", "BrlAPI driver name");
    let dots = pattern();
    client.write_dots(&dots, &brltty.log);
    wait_for_shown(&emulator, &dots, &brltty);
    // BRLTTY logs what it wrote, escaped: the ESC-valued cell went out doubled.
    brltty.expect_log("output packet: sent: 1B 01 01 1B 1B FF 00");
    let blank = vec![0u8; 40];
    client.write_dots(&blank, &brltty.log);
    wait_for_shown(&emulator, &blank, &brltty);

    // Routing keys come back as ROUTE + cell.
    for cell in [7u8, 0, 39] {
        emulator.press_routing(cell).expect("press a routing key");
        expect_key(
            &mut client,
            &brltty,
            KEY_TYPE_CMD | KEY_CMD_ROUTE | u64::from(cell),
            &format!("routing key {cell}"),
        );
    }

    // Display keys: Display2 and Display5 pan, in BRLTTY's default Baum table.
    emulator.press_keys(0b0000_0010).expect("press Display2");
    expect_key(
        &mut client,
        &brltty,
        KEY_TYPE_CMD | KEY_CMD_FWINLT,
        "Display2",
    );
    emulator.press_keys(0b0001_0000).expect("press Display5");
    expect_key(
        &mut client,
        &brltty,
        KEY_TYPE_CMD | KEY_CMD_FWINRT,
        "Display5",
    );

    // The braille keyboard: dots 1, 2, 4 arrive as PASSDOTS when asked for.
    client.accept_passdots(&brltty.log);
    emulator
        .press_entry(EntryKeys {
            buttons: 0,
            dots: 0b0000_1011,
        })
        .expect("press dots 1 2 4");
    expect_key(
        &mut client,
        &brltty,
        KEY_TYPE_CMD | KEY_CMD_PASSDOTS | 0b0000_1011,
        "braille keyboard dots 124",
    );
    assert_eq!(emulator.error(), None);
}

#[test]
fn brltty_reconnects_to_the_same_emulator() {
    brltty::require("brltty", "brltty");
    brltty::require_python_brlapi();
    let emulator = Emulator::start(40).expect("start the emulated display");
    for round in 1..=2 {
        let mut brltty = Brltty::start(&emulator.device_path());
        brltty.expect_log("Cell Count: 40 (40 text, 0 status)");
        assert!(
            emulator.wait_for_probes(round, TIMEOUT),
            "BRLTTY run {round} did not probe"
        );
        brltty.wait_for_api();
        let mut client = Brlapi::connect(&brltty);
        let dots: Vec<u8> = (0..40).map(|i| i + round as u8).collect();
        client.write_dots(&dots, &brltty.log);
        wait_for_shown(&emulator, &dots, &brltty);
        // Dropping the client, then BRLTTY, closes the pty; the next round reopens it.
    }
    assert_eq!(emulator.error(), None);
}

/// A client of our own over the `serialport` crate, as a native driver would be.
fn native_session(path: &Path, emulator: &Emulator, cells: &[u8], routing_key: u8) {
    let mut port = serialport::new(path.to_string_lossy(), BAUD_RATE)
        .timeout(Duration::from_millis(100))
        .open()
        .unwrap_or_else(|error| panic!("open {} at {BAUD_RATE} baud: {error}", path.display()));
    port.clear(serialport::ClearBuffer::All)
        .expect("clear stale bytes");
    let mut decoder = DisplayDecoder::new(0);
    let handshake =
        baum::handshake(&mut *port, &mut decoder, TIMEOUT).expect("handshake with the emulator");
    assert_eq!(handshake.info.cells, 40);
    assert_eq!(handshake.info.identity.as_deref(), Some("Baum VarioPro 40"));
    assert_eq!(handshake.info.serial_number.as_deref(), Some("OQU00040"));

    port.write_all(&HostPacket::Cells(cells.to_vec()).encode())
        .expect("write cells");
    assert_eq!(
        emulator.wait_for_cells(|shown| shown == cells, TIMEOUT),
        Some(cells.to_vec())
    );

    emulator.press_routing(routing_key).expect("press");
    let mut pressed = vec![false; 40];
    pressed[usize::from(routing_key)] = true;
    let wanted = [
        DisplayPacket::RoutingKeys(pressed),
        DisplayPacket::RoutingKeys(vec![false; 40]),
    ];
    let mut packets = handshake.pending;
    let deadline = Instant::now() + TIMEOUT;
    let mut buffer = [0u8; 256];
    while packets.len() < wanted.len() && Instant::now() < deadline {
        match port.read(&mut buffer) {
            Ok(read) => packets.extend(decoder.push(&buffer[..read])),
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {}
            Err(error) => panic!("read: {error}"),
        }
    }
    assert_eq!(packets, wanted);
}

#[test]
fn native_serial_client_talks_to_the_emulator() {
    let emulator = Emulator::start(40).expect("start the emulated display");
    let path = emulator.device_path();
    // Twice: a driver that closes the port and opens it again is served again.
    native_session(&path, &emulator, &pattern(), 7);
    native_session(&path, &emulator, &[0x1B; 40], 39);
    assert!(emulator.probes() >= 2, "each session probes");
    assert_eq!(emulator.error(), None);
}

/// `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`, killed on drop.
struct Socat {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn emulator_serves_a_socat_pty_pair() {
    brltty::require("socat", "socat");
    let dir = tempfile::tempdir().expect("temporary directory");
    let driver_end = dir.path().join("A");
    let emulator_end = dir.path().join("B");
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", driver_end.display()))
        .arg(format!("pty,raw,echo=0,link={}", emulator_end.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start socat");
    let mut socat = Socat { child, _dir: dir };
    let deadline = Instant::now() + TIMEOUT;
    while !(driver_end.exists() && emulator_end.exists()) {
        if let Ok(Some(status)) = socat.child.try_wait() {
            panic!("socat exited with {status}");
        }
        assert!(Instant::now() < deadline, "socat made no ptys");
        std::thread::sleep(Duration::from_millis(20));
    }
    let emulator = Emulator::attach(&emulator_end, driver_end.clone(), 40).expect("attach");
    assert_eq!(emulator.device_path(), driver_end);
    native_session(&driver_end, &emulator, &pattern(), 12);
    native_session(&driver_end, &emulator, &[0xFF; 40], 3);
    drop(emulator);
    drop(socat);
}
