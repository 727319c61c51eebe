//! oqu: the reading service of an inclusive library workstation.
//!
//! See ARCHITECTURE.md for the map of modules and the invariants.

pub mod braille;
pub mod client;
pub mod config;
pub mod core;
pub mod daemon;
pub mod dbus;
pub mod i18n;
pub mod requests;
pub mod speech;
pub mod station;
