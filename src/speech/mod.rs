//! Speech: eSpeak NG in-process and Speech Dispatcher, the audio pipeline,
//! and text preparation (language runs, symbols, offsets).

pub mod espeak;
pub mod player;
pub mod prepare;
pub mod service;
pub mod speechd;
pub mod spiel;
pub mod text;
