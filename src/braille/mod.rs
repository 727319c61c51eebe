//! Braille: liblouis translation, display drivers and the Baum protocol.

pub mod baum;
pub mod louis;
