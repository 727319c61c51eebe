//! Braille: liblouis translation, display drivers and the Baum protocol.

pub mod baum;
pub mod baum_emulator;
pub mod display;
pub mod layout;
pub mod louis;
pub mod service;
