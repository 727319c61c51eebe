//! What clients ask for, as checked domain values, and the size limits that
//! keep one request from exhausting a shared workstation.
//!
//! The D-Bus layer turns wire dictionaries into these; subsystems receive
//! only values that passed the checks here.

/// Longest text one Speak call may queue (about 30 pages).
pub const MAX_SPEAK_CHARS: usize = 64 * 1024;
/// Longest text one Show call may lay out.
pub const MAX_SHOW_CHARS: usize = 64 * 1024;
/// A braille message is a line or two.
pub const MAX_MESSAGE_CHARS: usize = 1024;
/// A search query typed or spoken by a person.
pub const MAX_QUERY_CHARS: usize = 1024;
/// Ids, locators, bookmark labels and reader card numbers.
pub const MAX_ID_CHARS: usize = 1024;
/// File paths handed to the daemon.
pub const MAX_PATH_BYTES: usize = 4096;
/// Raw cells: the widest display oqu supports.
pub const MAX_CELLS: usize = 160;
/// A message held longer than this is held until a key is pressed instead.
pub const MAX_MESSAGE_TIMEOUT_MS: u32 = 10 * 60 * 1000;
/// Results per Search call.
pub const MAX_SEARCH_LIMIT: u32 = 500;

/// Speech Dispatcher's message priorities, in its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Important,
    Message,
    Text,
    Notification,
    Progress,
}

impl Priority {
    pub const NAMES: &'static str = "important, message, text, notification, progress";

    pub fn parse(name: &str) -> Option<Priority> {
        Some(match name {
            "important" => Priority::Important,
            "message" => Priority::Message,
            "text" => Priority::Text,
            "notification" => Priority::Notification,
            "progress" => Priority::Progress,
            _ => return None,
        })
    }
}

/// Which language a text is in: found from the text, or stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageChoice {
    Auto,
    /// A BCP-47 tag.
    Tag(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunctuationLevel {
    None,
    Some,
    Most,
    All,
}

impl PunctuationLevel {
    pub const NAMES: &'static str = "none, some, most, all";

    pub fn parse(name: &str) -> Option<PunctuationLevel> {
        Some(match name {
            "none" => PunctuationLevel::None,
            "some" => PunctuationLevel::Some,
            "most" => PunctuationLevel::Most,
            "all" => PunctuationLevel::All,
            _ => return None,
        })
    }
}

/// `Speech.Speak` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakOptions {
    pub language: LanguageChoice,
    pub priority: Priority,
    pub voice: Option<String>,
    /// −100..100, relative to the voice profile.
    pub rate: i32,
    pub pitch: i32,
    pub volume: i32,
    pub punctuation: Option<PunctuationLevel>,
    pub spell: bool,
    pub ssml: bool,
}

/// `Braille.Show` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowOptions {
    /// Character offset of the cursor, if shown.
    pub cursor: Option<u32>,
    pub language: LanguageChoice,
    /// A liblouis table list overriding the station's table.
    pub table: Option<String>,
    pub contracted: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenMode {
    Command,
    Dictation,
}

/// `Listen.Start` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenOptions {
    pub language: LanguageChoice,
    pub mode: ListenMode,
}

/// `Library.Search` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    pub limit: u32,
    pub offset: u32,
    pub language: Option<String>,
    /// Search one catalogue source only.
    pub source: Option<String>,
}

/// `Reader.Move` units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveUnit {
    Character,
    Word,
    Sentence,
    Paragraph,
    Heading,
    Page,
    Percent,
}

impl MoveUnit {
    pub const NAMES: &'static str = "character, word, sentence, paragraph, heading, page, percent";

    pub fn parse(name: &str) -> Option<MoveUnit> {
        Some(match name {
            "character" => MoveUnit::Character,
            "word" => MoveUnit::Word,
            "sentence" => MoveUnit::Sentence,
            "paragraph" => MoveUnit::Paragraph,
            "heading" => MoveUnit::Heading,
            "page" => MoveUnit::Page,
            "percent" => MoveUnit::Percent,
            _ => return None,
        })
    }
}
