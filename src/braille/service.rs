//! The braille thread: owns the display, lays out what clients show, turns
//! keys into commands through the key table, and reconnects a display that
//! went away, showing the same content again.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::display::{self, Display, RawKey};
use super::layout::{Layout, Message as MessageLayout, Pan, ShowText};
use super::louis::{self, Grade};
use crate::config::data::{DataDir, DisplayProfile, KeyCommand, KeyTable};
use crate::i18n::{Lang, Msg};
use crate::requests::{LanguageChoice, ShowOptions};

/// What the braille thread needs from the station configuration.
#[derive(Debug, Clone)]
pub struct BrailleConfig {
    pub profile: DisplayProfile,
    pub port: Option<PathBuf>,
    pub keys: Option<KeyTable>,
    /// The station's first language: text with no clue is in it.
    pub default_lang: Lang,
    pub data_path: Vec<DataDir>,
}

/// What viewers and clients hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrailleEvent {
    Key(String, u32),
    Routed(i32),
    Typed(String),
    CellsChanged(Vec<u8>, String),
    Connected(bool),
}

/// The display's state, for properties and Status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BrailleState {
    pub connected: bool,
    pub driver: String,
    pub model: String,
    pub table: String,
    pub cells: u32,
    /// Why the display is not connected.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrailleError {
    #[error("{}", .0.render(Lang::En))]
    Refused(Msg),
    #[error("the braille thread has stopped")]
    Gone,
}

enum Command {
    Show(
        String,
        ShowOptions,
        oneshot::Sender<Result<(), BrailleError>>,
    ),
    ShowDots(Vec<u8>),
    Message(String, u32, oneshot::Sender<Result<(), BrailleError>>),
    Clear,
    State(oneshot::Sender<BrailleState>),
    Configure(Box<BrailleConfig>),
}

#[derive(Clone)]
pub struct BrailleHandle {
    tx: Sender<Command>,
}

impl BrailleHandle {
    pub async fn show(&self, text: &str, options: ShowOptions) -> Result<(), BrailleError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Show(text.to_owned(), options, reply))?;
        answer.await.map_err(|_| BrailleError::Gone)?
    }

    pub fn show_dots(&self, cells: Vec<u8>) -> Result<(), BrailleError> {
        self.send(Command::ShowDots(cells))
    }

    pub async fn message(&self, text: &str, timeout_ms: u32) -> Result<(), BrailleError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Message(text.to_owned(), timeout_ms, reply))?;
        answer.await.map_err(|_| BrailleError::Gone)?
    }

    pub fn clear(&self) -> Result<(), BrailleError> {
        self.send(Command::Clear)
    }

    pub async fn state(&self) -> Result<BrailleState, BrailleError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::State(reply))?;
        answer.await.map_err(|_| BrailleError::Gone)
    }

    pub fn state_blocking(&self) -> Result<BrailleState, BrailleError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::State(reply))?;
        answer.blocking_recv().map_err(|_| BrailleError::Gone)
    }

    pub fn configure(&self, config: BrailleConfig) -> Result<(), BrailleError> {
        self.send(Command::Configure(Box::new(config)))
    }

    fn send(&self, command: Command) -> Result<(), BrailleError> {
        self.tx.send(command).map_err(|_| BrailleError::Gone)
    }
}

pub fn spawn(
    config: BrailleConfig,
    events: tokio::sync::mpsc::UnboundedSender<BrailleEvent>,
) -> std::io::Result<BrailleHandle> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("oqu-braille".into())
        .spawn(move || Braille::new(config, events).run(rx))?;
    Ok(BrailleHandle { tx })
}

/// A lost display is looked for again this often.
const RECONNECT_EVERY: Duration = Duration::from_millis(500);
/// Keys are polled this often while nothing else happens.
const POLL: Duration = Duration::from_millis(10);

/// What the display shows, so it can be drawn again after a reconnect.
enum Content {
    Nothing,
    Text {
        layout: Box<Layout>,
        tables: String,
        /// What was shown, to lay it out again for another width.
        text: String,
        grade: Grade,
        cursor: Option<usize>,
    },
    Dots(Vec<u8>),
}

struct ShownMessage {
    message: MessageLayout,
    tables: String,
    /// None: until a key is pressed.
    until: Option<Instant>,
}

struct Braille {
    config: BrailleConfig,
    events: tokio::sync::mpsc::UnboundedSender<BrailleEvent>,
    display: Option<Box<dyn Display>>,
    problem: Option<String>,
    last_attempt: Option<Instant>,
    content: Content,
    message: Option<ShownMessage>,
    /// The row last written, to skip unchanged writes.
    written: Vec<u8>,
}

impl Braille {
    fn new(
        config: BrailleConfig,
        events: tokio::sync::mpsc::UnboundedSender<BrailleEvent>,
    ) -> Braille {
        let mut braille = Braille {
            config,
            events,
            display: None,
            problem: None,
            last_attempt: None,
            content: Content::Nothing,
            message: None,
            written: Vec::new(),
        };
        braille.connect();
        braille
    }

    fn width(&self) -> usize {
        self.display
            .as_ref()
            .map_or(usize::from(self.config.profile.cells), |d| d.cells())
            .max(1)
    }

    fn connect(&mut self) {
        self.last_attempt = Some(Instant::now());
        match display::open(&self.config.profile, self.config.port.as_deref()) {
            Ok(opened) => {
                tracing::info!(driver = opened.driver(), model = %opened.model(), "braille display connected");
                self.display = Some(opened);
                self.problem = None;
                self.written.clear();
                let _ = self.events.send(BrailleEvent::Connected(true));
                // Lay out again for this display's width, and show it.
                self.relayout();
                self.redraw();
            }
            Err(e) => {
                if self.problem.as_deref() != Some(&e.to_string()) {
                    tracing::warn!("braille display unavailable: {e}");
                }
                self.problem = Some(e.to_string());
            }
        }
    }

    fn disconnect(&mut self, why: String) {
        tracing::warn!("braille display lost: {why}");
        self.display = None;
        self.problem = Some(why);
        self.last_attempt = Some(Instant::now());
        let _ = self.events.send(BrailleEvent::Connected(false));
    }

    fn run(mut self, rx: Receiver<Command>) {
        loop {
            match rx.recv_timeout(POLL) {
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.poll_keys();
            if let Some(until) = self.message.as_ref().and_then(|m| m.until) {
                if Instant::now() >= until {
                    self.message = None;
                    self.redraw();
                }
            }
            let retry = self.display.is_none()
                && self
                    .last_attempt
                    .is_none_or(|t| t.elapsed() >= RECONNECT_EVERY);
            if retry {
                self.connect();
            }
        }
    }

    fn tables_for(
        &self,
        language: &LanguageChoice,
        text: &str,
        table: Option<&str>,
        grade: Grade,
    ) -> Result<String, BrailleError> {
        if let Some(table) = table {
            return Ok(table.to_owned());
        }
        let lang = match language {
            LanguageChoice::Tag(tag) => Lang::from_locale(tag).unwrap_or(self.config.default_lang),
            LanguageChoice::Auto => guess_lang(text, self.config.default_lang),
        };
        louis::tables_for(lang, grade, &self.config.data_path)
            .map_err(|e| BrailleError::Refused(e.msg()))
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Show(text, options, reply) => {
                let grade = if options.contracted == Some(true) {
                    Grade::Contracted
                } else {
                    Grade::Uncontracted
                };
                let result = self
                    .tables_for(&options.language, &text, options.table.as_deref(), grade)
                    .and_then(|tables| {
                        let cursor = options
                            .cursor
                            .map(|c| c as usize)
                            .filter(|c| *c <= text.chars().count());
                        let show = ShowText {
                            text: &text,
                            tables: &tables,
                            grade,
                            cursor,
                        };
                        Layout::new(&show, self.width())
                            .map(|layout| (layout, tables, cursor))
                            .map_err(|e| BrailleError::Refused(e.msg()))
                    });
                match result {
                    Ok((layout, tables, cursor)) => {
                        self.content = Content::Text {
                            layout: Box::new(layout),
                            tables,
                            text,
                            grade,
                            cursor,
                        };
                        self.message = None;
                        self.redraw();
                        let _ = reply.send(Ok(()));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Command::ShowDots(cells) => {
                self.content = Content::Dots(cells);
                self.message = None;
                self.redraw();
            }
            Command::Message(text, timeout_ms, reply) => {
                let result = self
                    .tables_for(&LanguageChoice::Auto, &text, None, Grade::Uncontracted)
                    .and_then(|tables| {
                        MessageLayout::new(&text, &tables, Grade::Uncontracted, self.width())
                            .map(|message| (message, tables))
                            .map_err(|e| BrailleError::Refused(e.msg()))
                    });
                match result {
                    Ok((message, tables)) => {
                        let until = (timeout_ms > 0)
                            .then(|| Instant::now() + Duration::from_millis(u64::from(timeout_ms)));
                        self.message = Some(ShownMessage {
                            message,
                            tables,
                            until,
                        });
                        self.redraw();
                        let _ = reply.send(Ok(()));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Command::Clear => {
                self.content = Content::Nothing;
                self.message = None;
                self.redraw();
            }
            Command::State(reply) => {
                let table = match (&self.message, &self.content) {
                    (Some(m), _) => m.tables.clone(),
                    (None, Content::Text { tables, .. }) => tables.clone(),
                    _ => String::new(),
                };
                let _ = reply.send(BrailleState {
                    connected: self.display.is_some(),
                    driver: self
                        .display
                        .as_ref()
                        .map(|d| d.driver().to_owned())
                        .unwrap_or_default(),
                    model: self.display.as_ref().map(|d| d.model()).unwrap_or_default(),
                    table,
                    cells: self.display.as_ref().map_or(0, |d| d.cells() as u32),
                    problem: self.problem.clone(),
                });
            }
            Command::Configure(config) => {
                let reopen =
                    config.profile != self.config.profile || config.port != self.config.port;
                self.config = *config;
                if reopen {
                    self.display = None;
                    self.connect();
                }
            }
        }
    }

    /// A Show laid out for another width is laid out again, on the line
    /// that shows the same text.
    fn relayout(&mut self) {
        let width = self.width();
        if let Content::Text {
            layout,
            tables,
            text,
            grade,
            cursor,
        } = &mut self.content
        {
            if layout.width() != width {
                let first_shown = layout.shown().offsets.iter().flatten().next().copied();
                let show = ShowText {
                    text,
                    tables,
                    grade: *grade,
                    cursor: *cursor,
                };
                if let Ok(mut fresh) = Layout::new(&show, width) {
                    if let Some(offset) = first_shown {
                        let _ = fresh.show_char(offset);
                    }
                    **layout = fresh;
                }
            }
        }
    }

    /// The row to show now and the text under it.
    fn row(&self) -> (Vec<u8>, String) {
        let width = self.width();
        let from_layout = |layout: &Layout| {
            let line = layout.shown();
            let text = layout
                .render(layout.current())
                .map(|(_, t)| t)
                .unwrap_or_default();
            let mut cells = line.cells.clone();
            cells.resize(width, 0);
            (cells, text)
        };
        if let Some(message) = &self.message {
            return from_layout(message.message.layout());
        }
        match &self.content {
            Content::Nothing => (vec![0; width], String::new()),
            Content::Text { layout, .. } => from_layout(layout),
            Content::Dots(dots) => {
                let mut cells = dots.clone();
                cells.resize(width, 0);
                (cells, String::new())
            }
        }
    }

    fn redraw(&mut self) {
        let (cells, text) = self.row();
        if let Some(display) = self.display.as_mut() {
            if cells != self.written {
                if let Err(e) = display.write(&cells) {
                    self.disconnect(e.to_string());
                    return;
                }
            }
        }
        if cells != self.written {
            self.written = cells.clone();
            let _ = self.events.send(BrailleEvent::CellsChanged(cells, text));
        }
    }

    fn poll_keys(&mut self) {
        let Some(display) = self.display.as_mut() else {
            return;
        };
        let keys = match display.keys() {
            Ok(keys) => keys,
            Err(e) => {
                self.disconnect(e.to_string());
                return;
            }
        };
        for key in keys {
            self.on_key(key);
        }
    }

    fn command_for(&self, name: &str) -> Option<KeyCommand> {
        let table = self.config.keys.as_ref()?;
        let context = if self.message.is_some() {
            "message"
        } else {
            "default"
        };
        table
            .bindings
            .get(context)
            .and_then(|keys| keys.get(name))
            .or_else(|| {
                table
                    .bindings
                    .get("default")
                    .and_then(|keys| keys.get(name))
            })
            .copied()
    }

    fn on_key(&mut self, key: RawKey) {
        match key {
            RawKey::Dots(dots) => {
                let tables = match &self.content {
                    Content::Text { tables, .. } => Some(tables.clone()),
                    _ => None,
                };
                let tables = match tables {
                    Some(t) => t,
                    None => match louis::tables_for(
                        self.config.default_lang,
                        Grade::Uncontracted,
                        &self.config.data_path,
                    ) {
                        Ok(t) => t,
                        Err(_) => return,
                    },
                };
                if let Ok(text) = louis::back_translate(&tables, &[dots]) {
                    let _ = self.events.send(BrailleEvent::Typed(text));
                }
            }
            RawKey::Space => {
                let _ = self.events.send(BrailleEvent::Typed(" ".into()));
            }
            RawKey::Routing(cell) => {
                let command = self.command_for("routing");
                if self.message.is_some() && command != Some(KeyCommand::Route) {
                    // A message held until a key is pressed goes away.
                    self.message = None;
                    self.redraw();
                    return;
                }
                let _ = self
                    .events
                    .send(BrailleEvent::Key("route".into(), cell as u32));
                if let Content::Text { layout, .. } = &self.content {
                    if let Some(offset) = layout.route(layout.current(), cell) {
                        let _ = self.events.send(BrailleEvent::Routed(offset as i32));
                    }
                }
            }
            RawKey::Named(name) => {
                let command = self.command_for(&name);
                if self.message.is_some() {
                    self.message = None;
                    self.redraw();
                    if command == Some(KeyCommand::Escape) || command.is_none() {
                        return;
                    }
                }
                let Some(command) = command else {
                    let _ = self.events.send(BrailleEvent::Key(name, 0));
                    return;
                };
                let _ = self
                    .events
                    .send(BrailleEvent::Key(command_name(command).into(), 0));
                if let Content::Text { layout, .. } = &mut self.content {
                    let moved = match command {
                        KeyCommand::PanRight | KeyCommand::LineDown => Some(layout.pan_right()),
                        KeyCommand::PanLeft | KeyCommand::LineUp => Some(layout.pan_left()),
                        KeyCommand::Top => layout.show_line(0).map(|_| Pan::Moved(0)),
                        KeyCommand::Bottom => {
                            let last = layout.lines().len().saturating_sub(1);
                            layout.show_line(last).map(|_| Pan::Moved(last))
                        }
                        _ => None,
                    };
                    if matches!(moved, Some(Pan::Moved(_))) {
                        self.redraw();
                    }
                }
            }
        }
    }
}

/// The API's key names for commands.
fn command_name(command: KeyCommand) -> &'static str {
    match command {
        KeyCommand::PanLeft => "pan-left",
        KeyCommand::PanRight => "pan-right",
        KeyCommand::LineUp => "line-up",
        KeyCommand::LineDown => "line-down",
        KeyCommand::Top => "top",
        KeyCommand::Bottom => "bottom",
        KeyCommand::Route => "route",
        KeyCommand::Enter => "enter",
        KeyCommand::Escape => "escape",
        KeyCommand::Backspace => "backspace",
        KeyCommand::Space => "space",
        KeyCommand::ReadAloud => "read-aloud",
        KeyCommand::StopSpeech => "stop-speech",
        KeyCommand::WhereAmI => "where-am-i",
        KeyCommand::NextHeading => "next-heading",
        KeyCommand::PreviousHeading => "previous-heading",
        KeyCommand::AddBookmark => "add-bookmark",
    }
}

/// The language of a text for braille: Kazakh letters mean Kazakh, other
/// Cyrillic Russian (Kazakh if that is the station's language), Latin English.
pub fn guess_lang(text: &str, default: Lang) -> Lang {
    const KAZAKH: &str = "әғқңөұүһіӘҒҚҢӨҰҮҺІ";
    if text.chars().any(|c| KAZAKH.contains(c)) {
        return Lang::Kk;
    }
    let cyrillic = text
        .chars()
        .filter(|c| ('\u{0400}'..='\u{04FF}').contains(c))
        .count();
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if cyrillic > latin {
        if default == Lang::Kk {
            Lang::Kk
        } else {
            Lang::Ru
        }
    } else if latin > 0 {
        Lang::En
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_of_braille_text() {
        assert_eq!(guess_lang("кітапхана", Lang::Ru), Lang::Kk);
        assert_eq!(guess_lang("библиотека", Lang::Ru), Lang::Ru);
        assert_eq!(guess_lang("библиотека", Lang::Kk), Lang::Kk);
        assert_eq!(guess_lang("library", Lang::Kk), Lang::En);
        assert_eq!(guess_lang("2024", Lang::Ru), Lang::Ru);
    }
}
