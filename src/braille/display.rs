//! Braille display drivers. As in BRLTTY, a driver only writes cells and
//! reports raw keys; what keys mean is in the key tables (`devices/keys`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::baum::{self, DisplayDecoder, DisplayPacket, HostPacket};
use crate::config::data::{DisplayProfile, Transport, UsbId};

/// A key as the display reports it, before any key table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawKey {
    /// A named key or chord ("d2", "d1+d3").
    Named(String),
    /// The routing key over cell `n` of the window.
    Routing(usize),
    /// Braille-keyboard dots (bit 0 = dot 1), typed as one cell.
    Dots(u8),
    /// The braille keyboard's space bar.
    Space,
}

#[derive(Debug, thiserror::Error)]
pub enum DisplayError {
    #[error("no display found: {0}")]
    NotFound(String),
    #[error("{path}: {source}")]
    Open {
        path: String,
        #[source]
        source: serialport::Error,
    },
    #[error("the display did not answer: {0}")]
    Handshake(String),
    #[error("the display was lost: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0} displays are not driven yet")]
    Unsupported(&'static str),
}

/// What a driver does: write a full window of cells, report keys.
pub trait Display: Send {
    fn cells(&self) -> usize;
    fn driver(&self) -> &'static str;
    fn model(&self) -> String;
    /// Writes a whole window (drivers send only what differs, if they can).
    fn write(&mut self, cells: &[u8]) -> Result<(), DisplayError>;
    /// Keys pressed since the last call; returns at once.
    fn keys(&mut self) -> Result<Vec<RawKey>, DisplayError>;
}

/// Opens the display a profile describes.
pub fn open(
    profile: &DisplayProfile,
    port: Option<&Path>,
) -> Result<Box<dyn Display>, DisplayError> {
    match profile.transport {
        Transport::Virtual => Ok(Box::new(VirtualDisplay {
            cells: usize::from(profile.cells),
            name: profile.name.clone(),
        })),
        Transport::Serial => {
            let path = match port.or(profile.port.as_deref()) {
                Some(path) => path.to_owned(),
                None => find_usb_port(&profile.usb)?,
            };
            Ok(Box::new(BaumSerial::open(
                &path,
                profile.baud.unwrap_or(19200),
            )?))
        }
        Transport::Brlapi => Err(DisplayError::Unsupported("BrlAPI")),
    }
}

/// The serial port of a display with one of `ids`. Generic USB-serial
/// adapters are never taken: only a port whose USB ids are listed.
fn find_usb_port(ids: &[UsbId]) -> Result<PathBuf, DisplayError> {
    let ports = serialport::available_ports().map_err(|e| DisplayError::NotFound(e.to_string()))?;
    ports
        .into_iter()
        .find(|p| match &p.port_type {
            serialport::SerialPortType::UsbPort(usb) => ids
                .iter()
                .any(|id| id.vendor == usb.vid && id.product == usb.pid),
            _ => false,
        })
        .map(|p| PathBuf::from(p.port_name))
        .ok_or_else(|| {
            let wanted: Vec<String> = ids
                .iter()
                .map(|i| format!("{:04x}:{:04x}", i.vendor, i.product))
                .collect();
            DisplayError::NotFound(format!("no USB port with ids {}", wanted.join(", ")))
        })
}

/// No hardware: the cells go to viewers through CellsChanged.
pub struct VirtualDisplay {
    cells: usize,
    name: String,
}

impl Display for VirtualDisplay {
    fn cells(&self) -> usize {
        self.cells
    }
    fn driver(&self) -> &'static str {
        "virtual"
    }
    fn model(&self) -> String {
        self.name.clone()
    }
    fn write(&mut self, _cells: &[u8]) -> Result<(), DisplayError> {
        Ok(())
    }
    fn keys(&mut self) -> Result<Vec<RawKey>, DisplayError> {
        Ok(Vec::new())
    }
}

/// oqu's own driver for Baum displays (escape protocol) on a serial port.
pub struct BaumSerial {
    port: Box<dyn serialport::SerialPort>,
    decoder: DisplayDecoder,
    info: baum::DisplayInfo,
    shown: Vec<u8>,
    pending: Vec<DisplayPacket>,
    routing_down: bool,
}

impl BaumSerial {
    pub fn open(path: &Path, baud: u32) -> Result<BaumSerial, DisplayError> {
        let shown_path = path.display().to_string();
        let mut port = serialport::new(shown_path.as_str(), baud)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|source| DisplayError::Open {
                path: shown_path.clone(),
                source,
            })?;
        let mut decoder = DisplayDecoder::new(40);
        let handshake = baum::handshake(&mut *port, &mut decoder, Duration::from_secs(3))
            .map_err(|e| DisplayError::Handshake(e.to_string()))?;
        Ok(BaumSerial {
            port,
            decoder,
            shown: Vec::new(),
            pending: handshake.pending,
            info: handshake.info,
            routing_down: false,
        })
    }
}

/// "d1+d3" for display-key bits 0 and 2.
fn chord_name(bits: u8) -> String {
    (0..8)
        .filter(|b| bits & (1 << b) != 0)
        .map(|b| format!("d{}", b + 1))
        .collect::<Vec<_>>()
        .join("+")
}

impl Display for BaumSerial {
    fn cells(&self) -> usize {
        usize::from(self.info.cells)
    }
    fn driver(&self) -> &'static str {
        "baum"
    }
    fn model(&self) -> String {
        self.info.identity.clone().unwrap_or_else(|| "Baum".into())
    }

    fn write(&mut self, cells: &[u8]) -> Result<(), DisplayError> {
        // The protocol writes whole rows; skipping an unchanged row is what saves the link.
        if cells == self.shown.as_slice() {
            return Ok(());
        }
        self.port
            .write_all(&HostPacket::Cells(cells.to_vec()).encode())?;
        self.port.flush()?;
        self.shown = cells.to_vec();
        Ok(())
    }

    fn keys(&mut self) -> Result<Vec<RawKey>, DisplayError> {
        let mut buf = [0u8; 256];
        let mut packets = std::mem::take(&mut self.pending);
        match self.port.read(&mut buf) {
            Ok(0) => return Err(DisplayError::Io(std::io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => packets.extend(self.decoder.push(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return Err(DisplayError::Io(e)),
        }
        let mut keys = Vec::new();
        for packet in packets {
            match packet {
                DisplayPacket::RoutingKeys(pressed) => match pressed.iter().position(|p| *p) {
                    // Act on the press; the release (all up) is not a key.
                    Some(cell) if !self.routing_down => {
                        self.routing_down = true;
                        keys.push(RawKey::Routing(cell));
                    }
                    Some(_) => {}
                    None => self.routing_down = false,
                },
                DisplayPacket::DisplayKeys(bits) if bits != 0 => {
                    keys.push(RawKey::Named(chord_name(bits)))
                }
                DisplayPacket::EntryKeys(entry) if entry.dots != 0 => {
                    keys.push(RawKey::Dots(entry.dots))
                }
                DisplayPacket::EntryKeys(entry) if entry.buttons & 0b11 != 0 => {
                    keys.push(RawKey::Space)
                }
                _ => {}
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_are_named_in_key_table_terms() {
        assert_eq!(chord_name(0b10), "d2");
        assert_eq!(chord_name(0b101), "d1+d3");
    }
}
