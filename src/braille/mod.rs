//! Braille: liblouis translation, display drivers and the Baum protocol.

pub mod baum;
pub mod baum_emulator;
pub mod louis;
