//! An emulated Baum display on a pseudo-terminal, for tests and the demo.
//!
//! [`Emulator::start`] opens a pty pair of its own; a driver (BRLTTY with
//! `-b bm -d serial:PATH`, or our native driver) opens [`Emulator::device_path`]
//! as if it were a serial port. The emulator answers the probe as a "Baum
//! VarioPro" of the chosen size, records every cells packet with the time it
//! came, and presses routing, display and braille-keyboard keys on request.
//!
//! BRLTTY 6.5 opens the pty slave from `openpty` directly, so no `socat` is
//! needed. The emulator keeps a slave descriptor of its own open: the master
//! then never reads EIO or polls HUP while no driver has the port, and a
//! driver can close and reopen it (BRLTTY does on restart) and probe again.
//! [`Emulator::attach`] serves a tty someone else made instead, such as the
//! `B` end of `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` (the field
//! notes' recipe; it works, reconnects too, but costs a process to manage).
//!
//! One thread per emulator reads and answers; the other methods are plain
//! blocking calls, usable from sync tests and from `spawn_blocking`.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{self, BaudRate, SetArg};

use super::baum::{DisplayPacket, EntryKeys, HostDecoder, HostPacket, MAX_CELLS};

/// How long a pressed key is held before its release is sent.
const HOLD: Duration = Duration::from_millis(50);
/// How often the reader thread looks at the stop flag.
const TICK: u16 = 50;
/// Silence after which a packet of unknown length counts as ended.
const QUIET: Duration = Duration::from_millis(100);
/// How long a write may wait for room in the pty before it fails.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// Records kept of cells writes and other requests (the oldest go first).
const HISTORY: usize = 10_000;

/// One cells packet the display received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellsWrite {
    pub at: Instant,
    /// One byte per cell, bit 0 = dot 1 … bit 7 = dot 8.
    pub cells: Vec<u8>,
}

/// A running emulated display; stops when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    device_path: PathBuf,
    cells: u8,
    identity: String,
}

struct Shared {
    /// The emulator's end: the pty master, or the tty given to `attach`.
    port: File,
    /// Keeps packets whole when the reader and a key press write at once.
    write_lock: Mutex<()>,
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    /// Held, never read: see the module comment.
    _slave: Option<OwnedFd>,
}

#[derive(Default)]
struct State {
    shown: Vec<u8>,
    writes: VecDeque<CellsWrite>,
    /// Sequence number of `writes[0]`; numbers go on across dropped records.
    first_write: u64,
    requests: VecDeque<HostPacket>,
    probes: usize,
    error: Option<String>,
}

impl Emulator {
    /// Opens a pty pair and emulates a display of `cells` cells (1–160) on it.
    pub fn start(cells: u8) -> io::Result<Emulator> {
        check_cells(cells)?;
        let pty = nix::pty::openpty(None, None).map_err(io::Error::from)?;
        // openpty(3) leaves both open across exec: keep them out of BRLTTY & co.
        for fd in [&pty.master, &pty.slave] {
            fcntl(fd.as_raw_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
                .map_err(io::Error::from)?;
        }
        make_raw(&pty.slave)?;
        let device_path = nix::unistd::ttyname(pty.slave.as_fd()).map_err(io::Error::from)?;
        let port = File::from(pty.master);
        Emulator::run(port, Some(pty.slave), device_path, cells)
    }

    /// Emulates a display on the tty at `port`, made by someone else (one end
    /// of a socat pair, a serial loopback); the driver opens `device_path`.
    pub fn attach(port: &Path, device_path: PathBuf, cells: u8) -> io::Result<Emulator> {
        check_cells(cells)?;
        let port = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlag::O_NOCTTY.bits())
            .open(port)?;
        make_raw(&port)?;
        Emulator::run(port, None, device_path, cells)
    }

    fn run(
        port: File,
        slave: Option<OwnedFd>,
        device_path: PathBuf,
        cells: u8,
    ) -> io::Result<Emulator> {
        // Writes must not hang when no driver drains the pty: poll for room.
        fcntl(port.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).map_err(io::Error::from)?;
        // The identity field is 16 bytes: "Baum VarioPro 40" fills it exactly.
        let identity = if cells < 100 {
            format!("Baum VarioPro {cells}")
        } else {
            format!("Baum Vario {cells}")
        };
        let shared = Arc::new(Shared {
            port,
            write_lock: Mutex::new(()),
            state: Mutex::new(State {
                shown: vec![0; usize::from(cells)],
                ..State::default()
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            _slave: slave,
        });
        let reader = Reader {
            shared: Arc::clone(&shared),
            decoder: HostDecoder::new(cells),
            cells,
            identity: identity.clone(),
            serial_number: format!("OQU{cells:05}"),
        };
        let thread = std::thread::Builder::new()
            .name("baum-emulator".into())
            .spawn(move || reader.run())?;
        Ok(Emulator {
            shared,
            thread: Some(thread),
            device_path,
            cells,
            identity,
        })
    }

    /// The path a driver opens, e.g. `/dev/pts/3`.
    pub fn device_path(&self) -> PathBuf {
        self.device_path.clone()
    }

    /// The number of cells the display reports.
    pub fn cell_count(&self) -> u8 {
        self.cells
    }

    /// The identity the display reports, e.g. "Baum VarioPro 40".
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// What the display shows now (all blank until the first write).
    pub fn cells(&self) -> Vec<u8> {
        self.state().shown.clone()
    }

    /// Every cells packet received, oldest first (the last 10 000).
    pub fn writes(&self) -> Vec<CellsWrite> {
        self.state().writes.iter().cloned().collect()
    }

    /// Every other packet received, in order: the probes, a cells packet of
    /// the wrong length (BRLTTY's `01 00`), unknown requests (the last 10 000).
    pub fn requests(&self) -> Vec<HostPacket> {
        self.state().requests.iter().cloned().collect()
    }

    /// Identity requests answered: one or more each time a driver probes.
    pub fn probes(&self) -> usize {
        self.state().probes
    }

    /// Why the reader stopped or last failed, if it did.
    pub fn error(&self) -> Option<String> {
        self.state().error.clone()
    }

    /// Waits until the display shows cells for which `matches` holds, now or
    /// in any write that comes within `timeout`, and returns those cells.
    pub fn wait_for_cells(
        &self,
        matches: impl Fn(&[u8]) -> bool,
        timeout: Duration,
    ) -> Option<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        if matches(&state.shown) {
            return Some(state.shown.clone());
        }
        let mut next = state.first_write + state.writes.len() as u64;
        loop {
            // Look at every write since the last look, so none is missed.
            let skip = next.saturating_sub(state.first_write);
            let skip = usize::try_from(skip).unwrap_or(usize::MAX);
            if let Some(write) = state.writes.iter().skip(skip).find(|w| matches(&w.cells)) {
                return Some(write.cells.clone());
            }
            next = state.first_write + state.writes.len() as u64;
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Waits until at least `count` identity requests have come.
    pub fn wait_for_probes(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while state.probes < count {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    /// Presses and releases the routing key over `cell` (0-based).
    pub fn press_routing(&self, cell: u8) -> io::Result<()> {
        if cell >= self.cells {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no routing key {cell} on a {}-cell display", self.cells),
            ));
        }
        let mut keys = vec![false; usize::from(self.cells)];
        keys[usize::from(cell)] = true;
        self.send(&DisplayPacket::RoutingKeys(keys))?;
        std::thread::sleep(HOLD);
        self.send(&DisplayPacket::RoutingKeys(vec![
            false;
            usize::from(self.cells)
        ]))
    }

    /// Presses the display keys in `bits` together (bit 0 = Display1), then
    /// releases them.
    pub fn press_keys(&self, bits: u8) -> io::Result<()> {
        self.send(&DisplayPacket::DisplayKeys(bits))?;
        std::thread::sleep(HOLD);
        self.send(&DisplayPacket::DisplayKeys(0))
    }

    /// Presses a chord on the braille keyboard, then releases it.
    pub fn press_entry(&self, keys: EntryKeys) -> io::Result<()> {
        self.send(&DisplayPacket::EntryKeys(keys))?;
        std::thread::sleep(HOLD);
        self.send(&DisplayPacket::EntryKeys(EntryKeys::default()))
    }

    /// Sends one packet to the driver.
    pub fn send(&self, packet: &DisplayPacket) -> io::Result<()> {
        self.shared.write(&packet.encode())
    }

    /// Sends raw bytes to the driver (line noise, broken packets).
    pub fn send_raw(&self, bytes: &[u8]) -> io::Result<()> {
        self.shared.write(bytes)
    }

    /// Stops the reader thread and closes the pty.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.halt();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("device_path", &self.device_path)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere leaves plain data behind; keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self, mut bytes: &[u8]) -> io::Result<()> {
        let _whole = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let deadline = Instant::now() + WRITE_TIMEOUT;
        while !bytes.is_empty() {
            match (&self.port).write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => bytes = &bytes[written..],
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the driver does not read the emulated display",
                        ));
                    }
                    let mut fds = [PollFd::new(self.port.as_fd(), PollFlags::POLLOUT)];
                    poll(&mut fds, PollTimeout::from(TICK)).map_err(io::Error::from)?;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// The reader thread: takes the driver's packets and answers them.
struct Reader {
    shared: Arc<Shared>,
    decoder: HostDecoder,
    cells: u8,
    identity: String,
    serial_number: String,
}

impl Reader {
    fn run(mut self) {
        let mut buffer = [0u8; 1024];
        let mut last_input = Instant::now();
        while !self.shared.stop.load(Ordering::SeqCst) {
            let mut fds = [PollFd::new(self.shared.port.as_fd(), PollFlags::POLLIN)];
            let ready = match poll(&mut fds, PollTimeout::from(TICK)) {
                Ok(ready) => ready,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(error) => {
                    self.fail(format!("poll: {error}"));
                    break;
                }
            };
            if ready == 0 {
                if last_input.elapsed() >= QUIET {
                    let packets = self.decoder.flush();
                    self.handle(packets);
                }
                continue;
            }
            match (&self.shared.port).read(&mut buffer) {
                Ok(0) => self.closed("end of file"),
                Ok(read) => {
                    last_input = Instant::now();
                    let packets = self.decoder.push(&buffer[..read]);
                    self.handle(packets);
                }
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                // EIO: the other side of an attached tty went away.
                Err(error) => self.closed(&error.to_string()),
            }
        }
    }

    /// The link is down (attach mode); note it and keep looking, slowly.
    fn closed(&self, why: &str) {
        self.fail(format!("read: {why}"));
        std::thread::sleep(Duration::from_millis(u64::from(TICK)));
    }

    fn fail(&self, why: String) {
        self.shared.state().error = Some(why);
        self.shared.changed.notify_all();
    }

    fn handle(&mut self, packets: Vec<HostPacket>) {
        for packet in packets {
            let answer = match &packet {
                HostPacket::Cells(cells) if cells.len() == usize::from(self.cells) => {
                    let mut state = self.shared.state();
                    state.shown.clone_from(cells);
                    if state.writes.len() >= HISTORY {
                        state.writes.pop_front();
                        state.first_write += 1;
                    }
                    state.writes.push_back(CellsWrite {
                        at: Instant::now(),
                        cells: cells.clone(),
                    });
                    drop(state);
                    self.shared.changed.notify_all();
                    continue;
                }
                // Any other length asks for the size (BRLTTY's probe: `01 00`).
                HostPacket::Cells(_) => Some(DisplayPacket::CellCount(self.cells)),
                HostPacket::IdentityRequest => {
                    self.shared.state().probes += 1;
                    Some(DisplayPacket::Identity(self.identity.clone()))
                }
                HostPacket::SerialNumberRequest => {
                    Some(DisplayPacket::SerialNumber(self.serial_number.clone()))
                }
                // Unanswered: during the probe BRLTTY would take a routing-key
                // packet for an Inka's switches.
                HostPacket::KeysRequest | HostPacket::Other { .. } => None,
            };
            {
                let mut state = self.shared.state();
                if state.requests.len() >= HISTORY {
                    state.requests.pop_front();
                }
                state.requests.push_back(packet);
            }
            self.shared.changed.notify_all();
            if let Some(answer) = answer {
                if let Err(error) = self.shared.write(&answer.encode()) {
                    self.fail(format!("write: {error}"));
                }
            }
        }
    }
}

fn check_cells(cells: u8) -> io::Result<()> {
    if cells == 0 || usize::from(cells) > MAX_CELLS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a display has 1 to {MAX_CELLS} cells, not {cells}"),
        ));
    }
    Ok(())
}

/// Raw 8-bit mode at the protocol's speed: no echo, no line editing, no
/// flow-control bytes, nothing turned into a signal.
fn make_raw(tty: &impl AsFd) -> io::Result<()> {
    let mut settings = termios::tcgetattr(tty.as_fd()).map_err(io::Error::from)?;
    termios::cfmakeraw(&mut settings);
    termios::cfsetspeed(&mut settings, BaudRate::B19200).map_err(io::Error::from)?;
    termios::tcsetattr(tty.as_fd(), SetArg::TCSANOW, &settings).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::braille::baum::{DisplayDecoder, HostPacket};

    /// A driver's end of the pty, read with a deadline.
    struct Driver {
        port: File,
        decoder: DisplayDecoder,
    }

    impl Driver {
        fn open(emulator: &Emulator) -> Driver {
            let port = OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(OFlag::O_NOCTTY.bits())
                .open(emulator.device_path())
                .expect("open the pty slave");
            Driver {
                port,
                decoder: DisplayDecoder::new(0),
            }
        }

        fn send(&mut self, packet: HostPacket) {
            self.port.write_all(&packet.encode()).expect("write");
        }

        fn expect(&mut self, count: usize) -> Vec<DisplayPacket> {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut packets = Vec::new();
            let mut buffer = [0u8; 256];
            while packets.len() < count {
                let left = deadline
                    .checked_duration_since(Instant::now())
                    .expect("the emulator did not answer in time");
                let mut fds = [PollFd::new(self.port.as_fd(), PollFlags::POLLIN)];
                let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
                if poll(&mut fds, timeout).expect("poll") == 0 {
                    continue;
                }
                let read = self.port.read(&mut buffer).expect("read");
                packets.extend(self.decoder.push(&buffer[..read]));
            }
            packets
        }
    }

    #[test]
    fn answers_the_probe_and_shows_cells() {
        let emulator = Emulator::start(40).expect("start");
        let mut driver = Driver::open(&emulator);
        driver.send(HostPacket::SerialNumberRequest);
        driver.send(HostPacket::IdentityRequest);
        driver.send(HostPacket::Cells(vec![0]));
        driver.send(HostPacket::KeysRequest);
        assert_eq!(
            driver.expect(3),
            [
                DisplayPacket::SerialNumber("OQU00040".into()),
                DisplayPacket::Identity("Baum VarioPro 40".into()),
                DisplayPacket::CellCount(40),
            ]
        );
        let cells: Vec<u8> = (0..40).map(|i| if i % 2 == 0 { 0x1B } else { i }).collect();
        driver.send(HostPacket::Cells(cells.clone()));
        let wanted = cells.clone();
        assert_eq!(
            emulator.wait_for_cells(|shown| shown == wanted, Duration::from_secs(20)),
            Some(cells.clone())
        );
        assert_eq!(emulator.writes().len(), 1);
        assert_eq!(emulator.probes(), 1);

        emulator.press_routing(7).expect("press");
        let mut pressed = vec![false; 40];
        pressed[7] = true;
        assert_eq!(
            driver.expect(2),
            [
                DisplayPacket::RoutingKeys(pressed),
                DisplayPacket::RoutingKeys(vec![false; 40])
            ]
        );
        assert!(emulator.press_routing(40).is_err());
        emulator.stop();
    }

    #[test]
    fn survives_the_driver_closing_and_reopening() {
        let emulator = Emulator::start(40).expect("start");
        for round in 1..=3 {
            let mut driver = Driver::open(&emulator);
            driver.send(HostPacket::IdentityRequest);
            assert_eq!(
                driver.expect(1),
                [DisplayPacket::Identity("Baum VarioPro 40".into())]
            );
            // Half a packet, then the driver goes away.
            driver.port.write_all(&[0x1B, 0x12, 0x01]).expect("write");
            drop(driver);
            assert!(emulator.wait_for_probes(round, Duration::from_secs(20)));
        }
        assert_eq!(emulator.error(), None);
    }

    #[test]
    fn can_be_shared_with_other_threads_and_tasks() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Emulator>();
    }

    #[test]
    fn refuses_impossible_sizes() {
        assert!(Emulator::start(0).is_err());
        assert!(Emulator::start(161).is_err());
    }
}
