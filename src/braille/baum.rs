//! Baum "escape" protocol: framing, the packets a host and a display exchange,
//! and the probe a driver opens the link with.
//!
//! Every packet is `ESC code payload…`; an ESC (0x1B) anywhere after the first
//! byte is sent twice. Packets carry no length: the receiver knows it from the
//! code and the display's cell count, as BRLTTY's `bm` driver does. Our
//! decoders also take a lone ESC followed by another byte as the start of the
//! next packet, so a lost byte costs one packet, not the rest of the stream.
//!
//! Checked against BRLTTY 6.5 (`-b bm -d serial:…`, 19200 baud): it probes with
//! `1B 8A`, `1B 84`, `1B 01 00`, `1B 08`, `1B 50 05 00 00 00 00 04`; it takes
//! `1B 8A` + 8 bytes as the serial number, `1B 84` + 16 bytes as the identity
//! and `1B 01 28` as 40 cells; then it writes `1B 01` + 40 cells, bit 0 = dot 1
//! … bit 7 = dot 8 (ISO 11548-1), an ESC-valued cell doubled.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// The byte that starts every packet.
pub const ESC: u8 = 0x1B;
/// Serial speed of the escape protocol (BRLTTY sets it, no parity).
pub const BAUD_RATE: u32 = 19_200;
/// The most cells we accept in one packet (the longest displays have 160).
pub const MAX_CELLS: usize = 160;
/// Length of the identity field (`1B 84` answer), ASCII padded with spaces.
pub const IDENTITY_LEN: usize = 16;
/// Length of the serial number field (`1B 8A` answer).
pub const SERIAL_NUMBER_LEN: usize = 8;
/// Longest payload we keep: a module packet is a length byte plus up to 255.
const MAX_PAYLOAD: usize = 256;

// Packet codes. Some mean one thing from the host and another from the display.
const DISPLAY_DATA: u8 = 0x01; // host: cells; display: cell count
const VERSION_NUMBER: u8 = 0x05;
const GET_KEYS: u8 = 0x08;
const MODE: u8 = 0x11; // host: get mode; display: mode setting
const SET_MODE: u8 = 0x12;
const COMMUNICATION_CHANNEL: u8 = 0x16;
const POWERDOWN: u8 = 0x17;
const HORIZONTAL_SENSORS: u8 = 0x20;
const VERTICAL_SENSORS: u8 = 0x21;
const ROUTING_KEYS: u8 = 0x22;
const SWITCHES: u8 = 0x23;
const DISPLAY_KEYS: u8 = 0x24;
const HORIZONTAL_SENSOR: u8 = 0x25;
const VERTICAL_SENSOR: u8 = 0x26;
const ROUTING_KEY: u8 = 0x27;
const FRONT6: u8 = 0x28;
const BACK6: u8 = 0x29;
const COMMAND_KEYS: u8 = 0x2B;
const FRONT10: u8 = 0x2C;
const BACK10: u8 = 0x2D;
const ENTRY_KEYS: u8 = 0x33;
const JOYSTICK: u8 = 0x34;
const ERROR_CODE: u8 = 0x40;
const MODULE_REGISTRATION: u8 = 0x50;
const DATA_REGISTERS: u8 = 0x51;
const SERVICE_REGISTERS: u8 = 0x52;
const DEVICE_IDENTITY: u8 = 0x84;
const SERIAL_NUMBER: u8 = 0x8A;
const BLUETOOTH_NAME: u8 = 0x8C;

/// A packet the host (BRLTTY, our driver) sends to the display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPacket {
    /// `01` + one byte per cell, bit 0 = dot 1 … bit 7 = dot 8. A packet of
    /// the wrong length asks for the cell count: BRLTTY probes with `01 00`.
    Cells(Vec<u8>),
    /// `84`: asks for the 16-byte identity.
    IdentityRequest,
    /// `8A`: asks for the 8-byte serial number.
    SerialNumberRequest,
    /// `08`: asks for the keys held now (BRLTTY sends it while probing).
    KeysRequest,
    /// Any other request, kept whole; BRLTTY also sends the modular-display
    /// query `50 05 00 00 00 00 04`.
    Other { code: u8, data: Vec<u8> },
}

/// A packet the display sends to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisplayPacket {
    /// `01 n`: the display has `n` cells.
    CellCount(u8),
    /// `84` + 16 ASCII bytes, e.g. "Baum VarioPro 40" (trailing blanks dropped).
    Identity(String),
    /// `8A` + 8 ASCII bytes (trailing blanks dropped).
    SerialNumber(String),
    /// `22` + bitmask, bit `n % 8` of byte `n / 8` = the key over cell `n`;
    /// one entry per cell, `true` = held. A press comes as a mask with the
    /// key set, its release as an all-clear mask. The mask is ceil(cells/8)
    /// bytes, except that 3 or 4 become 5 (see [`routing_mask_len`]).
    RoutingKeys(Vec<bool>),
    /// `24 bits`: the display keys held, bit 0 = Display1 … bit 5 = Display6
    /// (BRLTTY's default table: Display2 = FWINLT, Display5 = FWINRT).
    DisplayKeys(u8),
    /// `33 buttons dots`: the braille keyboard ("entry keys").
    EntryKeys(EntryKeys),
    /// Any other packet, kept whole.
    Other { code: u8, data: Vec<u8> },
}

/// The braille keyboard of a display, as BRLTTY reads packet `33`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryKeys {
    /// First byte: bit 0..3 = B9, B10, B11, B12 (B9 and B10 are the space
    /// keys in BRLTTY's default table), bit 4..7 = F1..F4.
    pub buttons: u8,
    /// Second byte: bit 0 = dot 1 … bit 7 = dot 8.
    pub dots: u8,
}

/// Puts `code` and `payload` on the wire: ESC first, every later ESC doubled.
pub fn frame(code: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + payload.len() + payload.len() / 8);
    out.push(ESC);
    for &byte in std::iter::once(&code).chain(payload) {
        out.push(byte);
        if byte == ESC {
            out.push(ESC);
        }
    }
    out
}

/// Bytes in a routing-key mask for a display of `cells` cells: BRLTTY reads
/// ceil(cells/8), except that 3 and 4 are read as 5.
pub fn routing_mask_len(cells: usize) -> usize {
    match cells.min(MAX_CELLS).div_ceil(8) {
        3 | 4 => 5,
        n => n,
    }
}

impl HostPacket {
    /// The packet on the wire. Cells beyond [`MAX_CELLS`] are not sent.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            HostPacket::Cells(cells) => frame(DISPLAY_DATA, &cells[..cells.len().min(MAX_CELLS)]),
            HostPacket::IdentityRequest => frame(DEVICE_IDENTITY, &[]),
            HostPacket::SerialNumberRequest => frame(SERIAL_NUMBER, &[]),
            HostPacket::KeysRequest => frame(GET_KEYS, &[]),
            HostPacket::Other { code, data } => frame(*code, &data[..data.len().min(MAX_PAYLOAD)]),
        }
    }
}

impl DisplayPacket {
    /// The packet on the wire. Text fields are padded or cut to their fixed
    /// length, a byte that is not printable ASCII becomes `?`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            DisplayPacket::CellCount(cells) => frame(DISPLAY_DATA, &[*cells]),
            DisplayPacket::Identity(text) => {
                frame(DEVICE_IDENTITY, &text_field(text, IDENTITY_LEN))
            }
            DisplayPacket::SerialNumber(text) => {
                frame(SERIAL_NUMBER, &text_field(text, SERIAL_NUMBER_LEN))
            }
            DisplayPacket::RoutingKeys(keys) => {
                let keys = &keys[..keys.len().min(MAX_CELLS)];
                let mut mask = vec![0u8; routing_mask_len(keys.len())];
                for (cell, _) in keys.iter().enumerate().filter(|(_, held)| **held) {
                    mask[cell / 8] |= 1 << (cell % 8);
                }
                frame(ROUTING_KEYS, &mask)
            }
            DisplayPacket::DisplayKeys(bits) => frame(DISPLAY_KEYS, &[*bits]),
            DisplayPacket::EntryKeys(keys) => frame(ENTRY_KEYS, &[keys.buttons, keys.dots]),
            DisplayPacket::Other { code, data } => {
                frame(*code, &data[..data.len().min(MAX_PAYLOAD)])
            }
        }
    }
}

fn text_field(text: &str, len: usize) -> Vec<u8> {
    let mut field: Vec<u8> = text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c as u8
            } else {
                b'?'
            }
        })
        .take(len)
        .collect();
    field.resize(len, b' ');
    field
}

fn field_text(bytes: &[u8]) -> String {
    // Real displays pad with spaces or NULs.
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |last| last + 1);
    bytes[..end]
        .iter()
        .map(|&b| {
            if b == b' ' || b.is_ascii_graphic() {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// How long a packet's payload is, from its code and the bytes seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Exact(usize),
    /// Not known: the packet ends where the next one starts (or at `flush`).
    Open,
}

/// Payload lengths of host requests, for a display of `cells` cells.
fn host_length(code: u8, data: &[u8], cells: usize) -> Length {
    match code {
        DISPLAY_DATA if cells > 0 => Length::Exact(cells),
        VERSION_NUMBER | GET_KEYS | MODE | DEVICE_IDENTITY | SERIAL_NUMBER | BLUETOOTH_NAME => {
            Length::Exact(0)
        }
        SET_MODE => Length::Exact(2),
        MODULE_REGISTRATION | DATA_REGISTERS | SERVICE_REGISTERS => module_length(data),
        _ => Length::Open,
    }
}

/// Payload lengths of display packets, as BRLTTY's verifier has them for
/// ordinary (not Inka, not DM80P) displays of `cells` cells.
fn display_length(code: u8, data: &[u8], cells: usize) -> Length {
    match code {
        DISPLAY_DATA
        | VERSION_NUMBER
        | COMMUNICATION_CHANNEL
        | POWERDOWN
        | SWITCHES
        | DISPLAY_KEYS
        | HORIZONTAL_SENSOR
        | ROUTING_KEY
        | FRONT6
        | BACK6
        | COMMAND_KEYS
        | JOYSTICK
        | ERROR_CODE
        | 0xBD..=0xBF => Length::Exact(1),
        MODE | FRONT10 | BACK10 | ENTRY_KEYS | VERTICAL_SENSOR => Length::Exact(2),
        VERTICAL_SENSORS | SERIAL_NUMBER => Length::Exact(8),
        BLUETOOTH_NAME => Length::Exact(14),
        // Two models send 18 identity bytes; BRLTTY knows them by their first 16.
        DEVICE_IDENTITY
            if data.len() >= IDENTITY_LEN
                && (data.starts_with(b"Refreshabraille ")
                    || data.starts_with(b"NLS eReader Zoom")) =>
        {
            Length::Exact(IDENTITY_LEN + 2)
        }
        DEVICE_IDENTITY => Length::Exact(IDENTITY_LEN),
        ROUTING_KEYS if cells > 0 => Length::Exact(routing_mask_len(cells)),
        HORIZONTAL_SENSORS if cells > 0 => Length::Exact(cells.div_ceil(8)),
        MODULE_REGISTRATION | DATA_REGISTERS | SERVICE_REGISTERS => module_length(data),
        _ => Length::Open,
    }
}

/// Module packets say their length in their first byte.
fn module_length(data: &[u8]) -> Length {
    data.first()
        .map_or(Length::Open, |&len| Length::Exact(1 + usize::from(len)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between packets: anything but ESC is noise.
    Idle,
    /// After the opening ESC, before the code.
    Code,
    Payload,
    /// After an ESC inside a payload: ESC again is a data byte, anything else
    /// starts a new packet.
    PayloadEsc,
}

/// A packet the framer ended: `whole` is false when the next packet started
/// before a packet of known length was complete.
#[derive(Debug)]
struct Frame {
    code: u8,
    data: Vec<u8>,
    whole: bool,
}

/// Finds packet boundaries; what the codes mean is the decoders' business.
#[derive(Debug, Clone)]
struct Framer {
    state: State,
    code: u8,
    data: Vec<u8>,
    discarded: u64,
}

impl Framer {
    fn new() -> Framer {
        Framer {
            state: State::Idle,
            code: 0,
            data: Vec::new(),
            discarded: 0,
        }
    }

    /// Takes one byte; a byte can end one packet and complete another.
    fn feed(&mut self, byte: u8, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        match self.state {
            State::Idle => {
                if byte == ESC {
                    self.state = State::Code;
                } else {
                    self.discarded += 1;
                }
            }
            State::Code => {
                if byte == ESC {
                    // No packet has code ESC: take the first one as noise.
                    self.discarded += 1;
                } else {
                    self.begin(byte, length, out);
                }
            }
            State::Payload => {
                if byte == ESC {
                    self.state = State::PayloadEsc;
                } else {
                    self.push_data(byte, length, out);
                }
            }
            State::PayloadEsc => {
                if byte == ESC {
                    self.state = State::Payload;
                    self.push_data(ESC, length, out);
                } else {
                    self.cut(length, out);
                    self.begin(byte, length, out);
                }
            }
        }
    }

    /// Ends a pending packet as if the next one had started.
    fn flush(&mut self, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        match self.state {
            State::Idle => {}
            State::Code => self.discarded += 1,
            State::Payload | State::PayloadEsc => self.cut(length, out),
        }
        self.state = State::Idle;
    }

    fn begin(&mut self, code: u8, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        self.code = code;
        self.data.clear();
        self.state = State::Payload;
        self.complete_if_done(length, out);
    }

    fn push_data(&mut self, byte: u8, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        if self.data.len() >= MAX_PAYLOAD {
            // Longer than any real packet: noise. Wait for the next ESC.
            self.discarded += 2 + self.data.len() as u64;
            self.data.clear();
            self.state = State::Idle;
            return;
        }
        self.data.push(byte);
        self.complete_if_done(length, out);
    }

    fn complete_if_done(&mut self, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        if let Length::Exact(len) = length(self.code, &self.data) {
            if self.data.len() >= len {
                out.push(Frame {
                    code: self.code,
                    data: std::mem::take(&mut self.data),
                    whole: true,
                });
                self.state = State::Idle;
            }
        }
    }

    fn cut(&mut self, length: &dyn Fn(u8, &[u8]) -> Length, out: &mut Vec<Frame>) {
        let whole = length(self.code, &self.data) == Length::Open;
        out.push(Frame {
            code: self.code,
            data: std::mem::take(&mut self.data),
            whole,
        });
        self.state = State::Idle;
    }
}

/// Decodes what a host sends, for an emulated display of a known size.
///
/// Feed it bytes as they arrive, in any split; it never panics and skips noise.
#[derive(Debug, Clone)]
pub struct HostDecoder {
    framer: Framer,
    cells: usize,
}

impl HostDecoder {
    /// A decoder for a display of `cells` cells (capped at [`MAX_CELLS`]).
    pub fn new(cells: u8) -> HostDecoder {
        HostDecoder {
            framer: Framer::new(),
            cells: usize::from(cells).min(MAX_CELLS),
        }
    }

    /// Takes bytes and returns the packets they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<HostPacket> {
        let cells = self.cells;
        let length = move |code: u8, data: &[u8]| host_length(code, data, cells);
        let mut frames = Vec::new();
        for &byte in bytes {
            self.framer.feed(byte, &length, &mut frames);
        }
        self.convert(frames)
    }

    /// Ends a packet left pending (a short cells packet, an unknown request)
    /// after the line has gone quiet.
    pub fn flush(&mut self) -> Vec<HostPacket> {
        let cells = self.cells;
        let mut frames = Vec::new();
        self.framer.flush(
            &move |code: u8, data: &[u8]| host_length(code, data, cells),
            &mut frames,
        );
        self.convert(frames)
    }

    /// Bytes thrown away so far as noise or broken packets.
    pub fn discarded(&self) -> u64 {
        self.framer.discarded
    }

    fn convert(&mut self, frames: Vec<Frame>) -> Vec<HostPacket> {
        let mut packets = Vec::with_capacity(frames.len());
        for Frame { code, data, whole } in frames {
            let packet = match code {
                // A short cells packet is meaningful: it asks for the cell count.
                DISPLAY_DATA => HostPacket::Cells(data),
                _ if !whole => {
                    self.framer.discarded += 2 + data.len() as u64;
                    continue;
                }
                DEVICE_IDENTITY => HostPacket::IdentityRequest,
                SERIAL_NUMBER => HostPacket::SerialNumberRequest,
                GET_KEYS => HostPacket::KeysRequest,
                _ => HostPacket::Other { code, data },
            };
            packets.push(packet);
        }
        packets
    }
}

/// Decodes what a display sends. Until it knows the cell count (from
/// [`DisplayDecoder::new`] or a `CellCount` packet it decodes), routing-key
/// packets have no known length and end only where the next packet starts.
#[derive(Debug, Clone)]
pub struct DisplayDecoder {
    framer: Framer,
    cells: usize,
}

impl DisplayDecoder {
    /// `cells` = 0 when not known yet.
    pub fn new(cells: u8) -> DisplayDecoder {
        DisplayDecoder {
            framer: Framer::new(),
            cells: usize::from(cells).min(MAX_CELLS),
        }
    }

    /// The cell count the decoder works with (0 = not known yet).
    pub fn cells(&self) -> u8 {
        // Never above MAX_CELLS (160), so it fits.
        u8::try_from(self.cells).unwrap_or(u8::MAX)
    }

    /// Takes bytes and returns the packets they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<DisplayPacket> {
        let mut packets = Vec::new();
        let mut frames = Vec::new();
        for &byte in bytes {
            let cells = self.cells;
            self.framer.feed(
                byte,
                &move |code: u8, data: &[u8]| display_length(code, data, cells),
                &mut frames,
            );
            // Convert now: a cell count changes how the next bytes are framed.
            for frame in frames.drain(..) {
                packets.extend(self.convert(frame));
            }
        }
        packets
    }

    /// Ends a packet of unknown length left pending after the line has gone quiet.
    pub fn flush(&mut self) -> Vec<DisplayPacket> {
        let cells = self.cells;
        let mut frames = Vec::new();
        self.framer.flush(
            &move |code: u8, data: &[u8]| display_length(code, data, cells),
            &mut frames,
        );
        frames
            .into_iter()
            .filter_map(|frame| self.convert(frame))
            .collect()
    }

    /// Bytes thrown away so far as noise or broken packets.
    pub fn discarded(&self) -> u64 {
        self.framer.discarded
    }

    fn convert(&mut self, Frame { code, data, whole }: Frame) -> Option<DisplayPacket> {
        if !whole {
            self.framer.discarded += 2 + data.len() as u64;
            return None;
        }
        let first = data.first().copied().unwrap_or(0);
        Some(match code {
            DISPLAY_DATA if !data.is_empty() => {
                if (1..=MAX_CELLS).contains(&usize::from(first)) {
                    self.cells = usize::from(first);
                }
                DisplayPacket::CellCount(first)
            }
            DEVICE_IDENTITY => DisplayPacket::Identity(field_text(&data)),
            SERIAL_NUMBER => DisplayPacket::SerialNumber(field_text(&data)),
            ROUTING_KEYS if self.cells > 0 => DisplayPacket::RoutingKeys(
                (0..self.cells)
                    .map(|cell| {
                        data.get(cell / 8)
                            .is_some_and(|byte| byte & (1 << (cell % 8)) != 0)
                    })
                    .collect(),
            ),
            DISPLAY_KEYS if !data.is_empty() => DisplayPacket::DisplayKeys(first),
            ENTRY_KEYS if data.len() >= 2 => DisplayPacket::EntryKeys(EntryKeys {
                buttons: data[0],
                dots: data[1],
            }),
            _ => DisplayPacket::Other { code, data },
        })
    }
}

/// What a display said about itself in the probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayInfo {
    pub cells: u8,
    pub identity: Option<String>,
    pub serial_number: Option<String>,
}

/// The probe's outcome: the display, and packets that came with the answers
/// (keys already held, say), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub info: DisplayInfo,
    pub pending: Vec<DisplayPacket>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("Baum display link: {0}")]
    Io(#[from] io::Error),
    #[error("no Baum display answered within {0:?}")]
    NoAnswer(Duration),
}

/// How long one probe round waits before asking again (BRLTTY: 200 ms, twice).
const PROBE_ROUND: Duration = Duration::from_millis(500);

/// Probes a display as BRLTTY does: serial number, identity, then a one-cell
/// write that makes the display say its cell count. Repeats the probe each
/// half second until `timeout`. Older models never say their count; for them
/// the digits in the identity ("Vario 40") are taken, as BRLTTY does.
///
/// `port` should have a short read timeout (100 ms, say), so that a quiet
/// line returns `TimedOut` or `WouldBlock` instead of blocking. Clear its
/// input first if it may hold stale bytes. `decoder` learns the cell count.
pub fn handshake<P: Read + Write + ?Sized>(
    port: &mut P,
    decoder: &mut DisplayDecoder,
    timeout: Duration,
) -> Result<Handshake, HandshakeError> {
    let started = Instant::now();
    let mut identity = None;
    let mut serial_number = None;
    let mut pending = Vec::new();
    let mut buffer = [0u8; 256];
    while started.elapsed() < timeout {
        for request in [
            HostPacket::SerialNumberRequest,
            HostPacket::IdentityRequest,
            HostPacket::Cells(vec![0]),
        ] {
            port.write_all(&request.encode())?;
        }
        port.flush()?;
        let round = Instant::now();
        while round.elapsed() < PROBE_ROUND && started.elapsed() < timeout {
            let read = match port.read(&mut buffer) {
                Ok(0) => {
                    // A tty with nothing to say; don't spin.
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Ok(read) => read,
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(error) => return Err(error.into()),
            };
            let mut cells = None;
            for packet in decoder.push(&buffer[..read]) {
                match packet {
                    DisplayPacket::CellCount(count)
                        if cells.is_none() && (1..=MAX_CELLS).contains(&usize::from(count)) =>
                    {
                        cells = Some(count)
                    }
                    DisplayPacket::Identity(text) if cells.is_none() => identity = Some(text),
                    DisplayPacket::SerialNumber(text) if cells.is_none() => {
                        serial_number = Some(text)
                    }
                    other => pending.push(other),
                }
            }
            if let Some(cells) = cells {
                return Ok(Handshake {
                    info: DisplayInfo {
                        cells,
                        identity,
                        serial_number,
                    },
                    pending,
                });
            }
        }
        if let Some(cells) = identity.as_deref().and_then(identity_cells) {
            decoder.cells = usize::from(cells);
            return Ok(Handshake {
                info: DisplayInfo {
                    cells,
                    identity,
                    serial_number,
                },
                pending,
            });
        }
    }
    Err(HandshakeError::NoAnswer(timeout))
}

/// The cell count in an identity such as "Baum Vario 40", as BRLTTY reads it:
/// the number starting at the first digit 1–9.
fn identity_cells(identity: &str) -> Option<u8> {
    let start = identity.find(|c: char| ('1'..='9').contains(&c))?;
    let digits: String = identity[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let cells: u8 = digits.parse().ok()?;
    (1..=MAX_CELLS)
        .contains(&usize::from(cells))
        .then_some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What BRLTTY 6.5 sent to our emulator when it probed (from its log).
    const BRLTTY_PROBE: &[u8] = &[
        0x1B, 0x8A, 0x1B, 0x84, 0x1B, 0x01, 0x00, 0x1B, 0x08, 0x1B, 0x50, 0x05, 0x00, 0x00, 0x00,
        0x00, 0x04,
    ];

    fn expected_probe() -> Vec<HostPacket> {
        vec![
            HostPacket::SerialNumberRequest,
            HostPacket::IdentityRequest,
            HostPacket::Cells(vec![0]),
            HostPacket::KeysRequest,
            HostPacket::Other {
                code: 0x50,
                data: vec![0x05, 0, 0, 0, 0, 0x04],
            },
        ]
    }

    #[test]
    fn frame_doubles_every_escape_after_the_first() {
        assert_eq!(
            frame(0x01, &[0x1B, 0x02, 0x1B]),
            [0x1B, 0x01, 0x1B, 0x1B, 0x02, 0x1B, 0x1B]
        );
        assert_eq!(frame(0x84, &[]), [0x1B, 0x84]);
        assert_eq!(HostPacket::Cells(vec![0]).encode(), [0x1B, 0x01, 0x00]);
    }

    #[test]
    fn decodes_brlttys_probe_whole_and_byte_by_byte() {
        let mut decoder = HostDecoder::new(40);
        assert_eq!(decoder.push(BRLTTY_PROBE), expected_probe());

        let mut decoder = HostDecoder::new(40);
        let packets: Vec<_> = BRLTTY_PROBE
            .iter()
            .flat_map(|b| decoder.push(&[*b]))
            .collect();
        assert_eq!(packets, expected_probe());
        assert_eq!(decoder.discarded(), 0);
    }

    #[test]
    fn a_short_cells_packet_at_the_end_waits_for_flush() {
        let mut decoder = HostDecoder::new(40);
        assert_eq!(decoder.push(&[0x1B, 0x01, 0x00]), []);
        assert_eq!(decoder.flush(), [HostPacket::Cells(vec![0])]);
        assert_eq!(decoder.flush(), []);
    }

    #[test]
    fn cells_with_escape_bytes_survive_any_split() {
        let cells: Vec<u8> = (0..40)
            .map(|i| [0x1B, 0xFF, 0x00, 0x1B, 0x55][i % 5])
            .collect();
        let wire = HostPacket::Cells(cells.clone()).encode();
        assert_eq!(wire.len(), 2 + 40 + 16);
        for split in 0..wire.len() {
            let mut decoder = HostDecoder::new(40);
            let mut packets = decoder.push(&wire[..split]);
            packets.extend(decoder.push(&wire[split..]));
            assert_eq!(
                packets,
                [HostPacket::Cells(cells.clone())],
                "split at {split}"
            );
        }
    }

    #[test]
    fn noise_between_packets_is_skipped() {
        let mut wire = vec![0x00, 0x41, 0xFF];
        wire.extend(HostPacket::IdentityRequest.encode());
        wire.extend([0x13, 0x11]);
        wire.extend(HostPacket::Cells(vec![7; 40]).encode());
        wire.extend([0x1B, 0x1B]); // a stray doubled ESC between packets
        wire.extend(HostPacket::KeysRequest.encode());
        let mut decoder = HostDecoder::new(40);
        assert_eq!(
            decoder.push(&wire),
            [
                HostPacket::IdentityRequest,
                HostPacket::Cells(vec![7; 40]),
                HostPacket::KeysRequest
            ]
        );
        assert_eq!(decoder.discarded(), 7);
    }

    #[test]
    fn display_packets_round_trip() {
        let mut keys = vec![false; 40];
        keys[7] = true;
        keys[39] = true;
        let packets = vec![
            DisplayPacket::SerialNumber("EMU00001".into()),
            DisplayPacket::Identity("Baum VarioPro 40".into()),
            DisplayPacket::CellCount(40),
            DisplayPacket::RoutingKeys(keys),
            DisplayPacket::RoutingKeys(vec![false; 40]),
            DisplayPacket::DisplayKeys(0b10),
            DisplayPacket::EntryKeys(EntryKeys {
                buttons: 0x01,
                dots: 0x1B,
            }),
        ];
        let wire: Vec<u8> = packets.iter().flat_map(DisplayPacket::encode).collect();
        let mut decoder = DisplayDecoder::new(0);
        assert_eq!(decoder.push(&wire), packets);
        assert_eq!(decoder.cells(), 40);
    }

    #[test]
    fn routing_masks_have_brlttys_sizes() {
        assert_eq!(routing_mask_len(12), 2);
        assert_eq!(routing_mask_len(24), 5);
        assert_eq!(routing_mask_len(32), 5);
        assert_eq!(routing_mask_len(40), 5);
        assert_eq!(routing_mask_len(80), 10);
        let mut keys = vec![false; 24];
        keys[9] = true;
        assert_eq!(
            DisplayPacket::RoutingKeys(keys.clone()).encode(),
            [0x1B, 0x22, 0x00, 0x02, 0x00, 0x00, 0x00]
        );
        let mut decoder = DisplayDecoder::new(24);
        assert_eq!(
            decoder.push(&[0x1B, 0x22, 0x00, 0x02, 0x00, 0x00, 0x00]),
            [DisplayPacket::RoutingKeys(keys)]
        );
    }

    #[test]
    fn identity_fields_are_padded_and_trimmed() {
        let wire = DisplayPacket::Identity("Baum ЖӘ".into()).encode();
        assert_eq!(&wire[2..], b"Baum ??         ");
        let mut decoder = DisplayDecoder::new(0);
        let mut bytes = vec![0x1B, 0x84];
        bytes.extend(b"Vario 40\0\0\0\0\0\0\0\0");
        assert_eq!(
            decoder.push(&bytes),
            [DisplayPacket::Identity("Vario 40".into())]
        );
        assert_eq!(identity_cells("Baum VarioPro 40"), Some(40));
        assert_eq!(identity_cells("Baum SuperVario 080"), Some(80));
        assert_eq!(identity_cells("Baum 999"), None);
        assert_eq!(identity_cells("no digits"), None);
    }

    #[test]
    fn a_broken_packet_costs_only_itself() {
        let mut decoder = DisplayDecoder::new(40);
        // Identity cut short after 3 bytes, then a routing key press.
        let mut wire = vec![0x1B, 0x84, b'B', b'a', b'u'];
        let mut keys = vec![false; 40];
        keys[3] = true;
        wire.extend(DisplayPacket::RoutingKeys(keys.clone()).encode());
        assert_eq!(decoder.push(&wire), [DisplayPacket::RoutingKeys(keys)]);
        assert_eq!(decoder.discarded(), 5);
    }

    #[test]
    fn entry_keys_are_buttons_then_dots() {
        let mut decoder = DisplayDecoder::new(40);
        assert_eq!(
            decoder.push(&[0x1B, 0x33, 0x00, 0x03]),
            [DisplayPacket::EntryKeys(EntryKeys {
                buttons: 0,
                dots: 0x03
            })]
        );
    }

    /// xorshift64*: repeatable noise without a dependency.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn bytes(&mut self, max: usize) -> Vec<u8> {
            let len = (self.next() % (max as u64 + 1)) as usize;
            (0..len)
                .map(|_| {
                    // Plenty of ESCs and packet codes, so the odd paths run.
                    match self.next() % 4 {
                        0 => ESC,
                        1 => [0x01, 0x22, 0x24, 0x33, 0x50, 0x84, 0x8A][(self.next() % 7) as usize],
                        _ => self.next() as u8,
                    }
                })
                .collect()
        }
    }

    #[test]
    fn never_panics_on_noise() {
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        for round in 0..4000 {
            let cells = [0u8, 1, 12, 24, 40, 80, 160, 255][round % 8];
            let bytes = noise.bytes(600);
            let mut host = HostDecoder::new(cells);
            let mut display = DisplayDecoder::new(cells);
            let mut at = 0;
            while at < bytes.len() {
                let step = 1 + (noise.next() % 64) as usize;
                let chunk = &bytes[at..(at + step).min(bytes.len())];
                for packet in host.push(chunk) {
                    if let HostPacket::Cells(c) = packet {
                        assert!(c.len() <= MAX_CELLS);
                    }
                }
                for packet in display.push(chunk) {
                    if let DisplayPacket::RoutingKeys(keys) = packet {
                        assert!(keys.len() <= MAX_CELLS);
                    }
                }
                at += step;
            }
            host.flush();
            display.flush();
            assert!(usize::from(display.cells()) <= MAX_CELLS);
        }
    }

    #[test]
    fn random_packets_round_trip() {
        let mut noise = Noise(42);
        for _ in 0..2000 {
            let cells: Vec<u8> = (0..40).map(|_| noise.next() as u8).collect();
            let keys: Vec<bool> = (0..40).map(|_| noise.next() % 8 == 3).collect();
            let host = vec![HostPacket::Cells(cells), HostPacket::IdentityRequest];
            let display = vec![
                DisplayPacket::RoutingKeys(keys),
                DisplayPacket::DisplayKeys(noise.next() as u8),
                DisplayPacket::EntryKeys(EntryKeys {
                    buttons: noise.next() as u8,
                    dots: noise.next() as u8,
                }),
            ];
            let host_wire: Vec<u8> = host.iter().flat_map(HostPacket::encode).collect();
            let display_wire: Vec<u8> = display.iter().flat_map(DisplayPacket::encode).collect();
            assert_eq!(HostDecoder::new(40).push(&host_wire), host);
            assert_eq!(DisplayDecoder::new(40).push(&display_wire), display);
        }
    }

    /// A port that answers the probe like a 40-cell display, in pieces.
    struct ScriptedPort {
        written: Vec<u8>,
        answer: Vec<u8>,
        at: usize,
    }

    impl Read for ScriptedPort {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            if self.written.is_empty() || self.at >= self.answer.len() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            let end = (self.at + 3)
                .min(self.answer.len())
                .min(self.at + buffer.len());
            let read = end - self.at;
            buffer[..read].copy_from_slice(&self.answer[self.at..end]);
            self.at = end;
            Ok(read)
        }
    }

    impl Write for ScriptedPort {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn handshake_reads_identity_and_cell_count() {
        let mut answer = vec![0x55]; // line noise first
        answer.extend(DisplayPacket::SerialNumber("EMU00001".into()).encode());
        answer.extend(DisplayPacket::Identity("Baum VarioPro 40".into()).encode());
        answer.extend(DisplayPacket::CellCount(40).encode());
        answer.extend(DisplayPacket::DisplayKeys(0).encode());
        let mut port = ScriptedPort {
            written: Vec::new(),
            answer,
            at: 0,
        };
        let mut decoder = DisplayDecoder::new(0);
        let handshake =
            handshake(&mut port, &mut decoder, Duration::from_secs(5)).expect("handshake");
        assert_eq!(
            handshake.info,
            DisplayInfo {
                cells: 40,
                identity: Some("Baum VarioPro 40".into()),
                serial_number: Some("EMU00001".into()),
            }
        );
        assert_eq!(decoder.cells(), 40);
        assert_eq!(
            &port.written[..7],
            &[0x1B, 0x8A, 0x1B, 0x84, 0x1B, 0x01, 0x00]
        );
    }

    #[test]
    fn handshake_gives_up_when_nobody_answers() {
        let mut port = ScriptedPort {
            written: Vec::new(),
            answer: Vec::new(),
            at: 0,
        };
        let mut decoder = DisplayDecoder::new(0);
        let result = handshake(&mut port, &mut decoder, Duration::from_millis(50));
        assert!(matches!(result, Err(HandshakeError::NoAnswer(_))));
    }
}
