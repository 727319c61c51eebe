//! oqu's own words in Kazakh, Russian and English.
//!
//! Every sentence oqu says or shows is a [`Msg`], rendered for one [`Lang`].
//! The `match` in [`Msg::render`] makes a missing translation a compile error.
//! House rule: short, and the most important word first (the subject, then
//! what is wrong, then what to do).

use std::fmt;
use std::str::FromStr;

/// A language oqu speaks and shows its own words in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Language of a POSIX locale such as `kk_KZ.UTF-8` or a BCP-47 tag such
    /// as `ru-RU`; `None` for anything oqu has no words in.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let primary = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        primary.parse().ok()
    }

    /// The language for a command-line user: `OQU_LANG`, then the usual
    /// locale variables, then English.
    pub fn from_env() -> Lang {
        ["OQU_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|value| !value.is_empty())
            .and_then(|value| Lang::from_locale(&value))
            .unwrap_or(Lang::En)
    }
}

impl FromStr for Lang {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "kk" => Ok(Lang::Kk),
            "ru" => Ok(Lang::Ru),
            "en" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A part of oqu that a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subsystem {
    Speech,
    Braille,
    Listen,
    Library,
    Reader,
    Sessions,
}

impl Subsystem {
    pub const ALL: [Subsystem; 6] = [
        Subsystem::Speech,
        Subsystem::Braille,
        Subsystem::Listen,
        Subsystem::Library,
        Subsystem::Reader,
        Subsystem::Sessions,
    ];

    /// Stable identifier used in Status and JSON output.
    pub fn id(self) -> &'static str {
        match self {
            Subsystem::Speech => "speech",
            Subsystem::Braille => "braille",
            Subsystem::Listen => "listen",
            Subsystem::Library => "library",
            Subsystem::Reader => "reader",
            Subsystem::Sessions => "sessions",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        use Lang::*;
        use Subsystem::*;
        match (self, lang) {
            (Speech, Kk) => "Сөйлеу",
            (Speech, Ru) => "Речь",
            (Speech, En) => "Speech",
            (Braille, Kk) => "Брайль",
            (Braille, Ru) => "Брайль",
            (Braille, En) => "Braille",
            (Listen, Kk) => "Дауыспен басқару",
            (Listen, Ru) => "Голосовые команды",
            (Listen, En) => "Voice commands",
            (Library, Kk) => "Каталог",
            (Library, Ru) => "Каталог",
            (Library, En) => "Catalogue",
            (Reader, Kk) => "Кітап оқу",
            (Reader, Ru) => "Чтение книг",
            (Reader, En) => "Book reading",
            (Sessions, Kk) => "Оқырман сеанстары",
            (Sessions, Ru) => "Сеансы читателей",
            (Sessions, En) => "Reader sessions",
        }
    }
}

/// Every sentence oqu produces for people.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A member whose subsystem is not built into this oqud.
    NotBuilt {
        subsystem: Subsystem,
    },
    SubsystemReady {
        subsystem: Subsystem,
    },
    DisplayUnavailable {
        why: String,
    },
    AudioOutputMissing {
        why: String,
    },
    SpeechDispatcherUnavailable {
        why: String,
    },
    UnknownOption {
        key: String,
        allowed: Vec<&'static str>,
    },
    OptionType {
        key: String,
        expected: &'static str,
        got: String,
    },
    OptionValue {
        key: String,
        got: String,
        allowed: String,
    },
    ArgumentTooLong {
        name: &'static str,
        max: usize,
        got: usize,
    },
    ArgumentValue {
        name: &'static str,
        got: String,
        allowed: String,
    },
    MentorsOnly {
        action: &'static str,
        group: String,
    },
    /// A station or data file that could not be used; `detail` is the parser's own text.
    FileRefused {
        location: String,
        detail: String,
    },
    ConfigKept {
        location: String,
        detail: String,
    },
    UnknownLanguage {
        location: String,
        got: String,
    },
    LanguageRepeated {
        location: String,
        lang: Lang,
    },
    NoLanguages {
        location: String,
    },
    IdleTimeoutRange {
        location: String,
        got: String,
    },
    BadProfileId {
        location: String,
        got: String,
    },
    BadUrl {
        location: String,
        got: String,
    },
    CatalogueIdRepeated {
        location: String,
        id: String,
    },
    FileTooLarge {
        path: String,
        max: u64,
    },
    ProfileMissing {
        location: String,
        kind: ProfileKind,
        id: String,
        searched: String,
    },
    NoVoiceForLanguage {
        lang: Lang,
    },
    VoiceLanguageMismatch {
        location: String,
        id: String,
        lang: Lang,
        profile_lang: String,
    },
    EspeakDataMissing {
        voice: String,
        searched: String,
    },
    SpeechDispatcherMissing {
        id: String,
    },
    SerialPortMissing {
        id: String,
        port: String,
    },
    SerialPortUnset {
        id: String,
    },
    BrlapiMissing {
        id: String,
    },
    CatalogueMissing {
        id: String,
        path: String,
    },
    ModelMissing {
        lang: Lang,
        path: String,
    },
    KeyTableMissing {
        id: String,
        keys: String,
    },
    /// liblouis built with a `widechar` other than 4 bytes.
    LiblouisIncompatible {
        got: i32,
    },
    /// liblouis could not load a braille table list; `detail` is liblouis's own text.
    BrailleTableRefused {
        tables: String,
        detail: String,
    },
    BrailleTableMissing {
        name: String,
        searched: String,
    },
    BrailleTranslationFailed {
        tables: String,
        detail: String,
    },
    /// A symbol file (`voices/symbols/`) names a key that is not one character.
    SymbolInvalid {
        location: String,
        got: String,
    },
    /// A symbol file gives a symbol, letter or spelling word nothing to say.
    SymbolNameEmpty {
        location: String,
        symbol: String,
    },
    /// A symbol file states another language than its file name.
    SymbolFileLanguage {
        location: String,
        expected: Lang,
        got: String,
    },
    // The `oqu` command's own words.
    DaemonNotRunning {
        bus: String,
    },
    BusUnreachable {
        bus: String,
        detail: String,
    },
    CallRefused {
        name: String,
        detail: String,
    },
    NameTaken {
        name: String,
        owner: String,
    },
}

/// The kinds of shipped data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    Display,
    Voice,
    KeyTable,
}

impl ProfileKind {
    pub fn id(self) -> &'static str {
        match self {
            ProfileKind::Display => "braille-display",
            ProfileKind::Voice => "voice",
            ProfileKind::KeyTable => "key-table",
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        use Lang::*;
        use ProfileKind::*;
        match (self, lang) {
            (Display, Kk) => "Брайль дисплейі профилі",
            (Display, Ru) => "Профиль брайлевского дисплея",
            (Display, En) => "Braille display profile",
            (Voice, Kk) => "Дауыс профилі",
            (Voice, Ru) => "Профиль голоса",
            (Voice, En) => "Voice profile",
            (KeyTable, Kk) => "Пернелер кестесі",
            (KeyTable, Ru) => "Таблица клавиш",
            (KeyTable, En) => "Key table",
        }
    }
}

fn lang_name(lang: Lang, of: Lang) -> &'static str {
    use Lang::*;
    match (of, lang) {
        (Kk, Kk) => "қазақ",
        (Kk, Ru) => "казахский",
        (Kk, En) => "Kazakh",
        (Ru, Kk) => "орыс",
        (Ru, Ru) => "русский",
        (Ru, En) => "Russian",
        (En, Kk) => "ағылшын",
        (En, Ru) => "английский",
        (En, En) => "English",
    }
}

impl Msg {
    pub fn render(&self, lang: Lang) -> String {
        use Lang::*;
        use Msg::*;
        match self {
            NotBuilt { subsystem } => {
                let s = subsystem.name(lang);
                match lang {
                    Kk => format!("{s} әзірге жоқ: бұл oqud нұсқасында іске асырылмаған."),
                    Ru => format!("{s} пока нет: не реализовано в этой версии oqud."),
                    En => format!("{s} not available yet: not built into this oqud."),
                }
            }
            SubsystemReady { subsystem } => {
                let s = subsystem.name(lang);
                match lang {
                    Kk => format!("{s}: дайын."),
                    Ru => format!("{s}: готово."),
                    En => format!("{s}: ready."),
                }
            }
            DisplayUnavailable { why } => match lang {
                Kk => format!(
                    "Брайль дисплейі қосылмаған ({why}). Кабельді тексеріңіз: қосылса, oqu оны өзі табады."
                ),
                Ru => format!(
                    "Брайлевский дисплей не подключён ({why}). Проверьте кабель: oqu найдёт его сам."
                ),
                En => format!(
                    "Braille display not connected ({why}). Check the cable: oqu finds it again by itself."
                ),
            },
            AudioOutputMissing { why } => match lang {
                Kk => format!(
                    "Дыбыс құрылғысы жоқ: сөйлеу естілмейді ({why}). Динамиктерді тексеріңіз немесе [speech] output орнатыңыз."
                ),
                Ru => format!(
                    "Нет звукового устройства: речь не слышна ({why}). Проверьте колонки или задайте [speech] output."
                ),
                En => format!(
                    "No sound device: speech is not heard ({why}). Check the speakers or set [speech] output."
                ),
            },
            SpeechDispatcherUnavailable { why } => match lang {
                Kk => format!(
                    "Speech Dispatcher жұмыс істемейді ({why}): орнына eSpeak NG сөйлейді, бір минуттан соң қайта тексеріледі."
                ),
                Ru => format!(
                    "Speech Dispatcher не отвечает ({why}): вместо него говорит eSpeak NG, повторная проверка через минуту."
                ),
                En => format!(
                    "Speech Dispatcher not answering ({why}): eSpeak NG speaks instead; tried again within a minute."
                ),
            },
            UnknownOption { key, allowed } => {
                let allowed = allowed.join(", ");
                match lang {
                    Kk => format!("«{key}» параметрі белгісіз. Рұқсат етілгендері: {allowed}."),
                    Ru => format!("«{key}»: неизвестный параметр. Допустимые: {allowed}."),
                    En => format!("\"{key}\" is not a known option. Known options: {allowed}."),
                }
            }
            OptionType { key, expected, got } => match lang {
                Kk => format!("«{key}» түрі қате: {expected} керек, {got} келді."),
                Ru => format!("«{key}»: неверный тип, нужен {expected}, получен {got}."),
                En => format!("\"{key}\" has the wrong type: expected {expected}, got {got}."),
            },
            OptionValue { key, got, allowed } => match lang {
                Kk => format!("«{key}» мәні қате: «{got}». Рұқсат етілгені: {allowed}."),
                Ru => format!("«{key}»: недопустимое значение «{got}». Допустимо: {allowed}."),
                En => format!("\"{key}\" cannot be \"{got}\". Allowed: {allowed}."),
            },
            ArgumentTooLong { name, max, got } => match lang {
                Kk => format!("«{name}» тым ұзын: {got} таңба, ең көбі {max}."),
                Ru => format!("«{name}» слишком длинный: {got} символов, не больше {max}."),
                En => format!("\"{name}\" is too long: {got} characters, at most {max}."),
            },
            ArgumentValue { name, got, allowed } => match lang {
                Kk => format!("«{name}» мәні қате: «{got}». Рұқсат етілгені: {allowed}."),
                Ru => format!("«{name}»: недопустимое значение «{got}». Допустимо: {allowed}."),
                En => format!("\"{name}\" cannot be \"{got}\". Allowed: {allowed}."),
            },
            MentorsOnly { action, group } => match lang {
                Kk => format!("Тыйым салынған: {action} тек тәлімгерлерге («{group}» тобы)."),
                Ru => format!("Запрещено: {action} только для наставников (группа «{group}»)."),
                En => format!("Denied: {action} is for mentors only (group \"{group}\")."),
            },
            FileRefused { location, detail } => match lang {
                Kk => format!("Файл қабылданбады: {location}: {detail}"),
                Ru => format!("Файл отклонён: {location}: {detail}"),
                En => format!("File refused: {location}: {detail}"),
            },
            ConfigKept { location, detail } => match lang {
                Kk => format!(
                    "Баптау қабылданбады, бұрынғысы сақталды: {location}: {detail}"
                ),
                Ru => format!(
                    "Настройки отклонены, действуют прежние: {location}: {detail}"
                ),
                En => format!(
                    "Configuration refused, the previous one stays in force: {location}: {detail}"
                ),
            },
            UnknownLanguage { location, got } => match lang {
                Kk => format!("Тіл белгісіз: «{got}» ({location}). Болатыны: kk, ru, en."),
                Ru => format!("Неизвестный язык «{got}» ({location}). Возможны: kk, ru, en."),
                En => format!("Unknown language \"{got}\" ({location}). Use kk, ru or en."),
            },
            LanguageRepeated { location, lang: l } => match lang {
                Kk => format!("Тіл қайталанды: «{l}» ({location})."),
                Ru => format!("Язык повторён: «{l}» ({location})."),
                En => format!("Language listed twice: \"{l}\" ({location})."),
            },
            NoLanguages { location } => match lang {
                Kk => format!("Тілдер жоқ: кемінде біреуін жазыңыз ({location})."),
                Ru => format!("Нет языков: укажите хотя бы один ({location})."),
                En => format!("No languages: list at least one ({location})."),
            },
            IdleTimeoutRange { location, got } => match lang {
                Kk => format!(
                    "Күту уақыты жарамсыз: «{got}» ({location}). 1 минуттан 24 сағатқа дейін, мысалы «10m»."
                ),
                Ru => format!(
                    "Недопустимый тайм-аут: «{got}» ({location}). От 1 минуты до 24 часов, например «10m»."
                ),
                En => format!(
                    "Idle timeout invalid: \"{got}\" ({location}). Use 1 minute to 24 hours, such as \"10m\"."
                ),
            },
            BadProfileId { location, got } => match lang {
                Kk => format!(
                    "Атау жарамсыз: «{got}» ({location}). Тек кіші латын әріптері, цифрлар, «-» және «_»."
                ),
                Ru => format!(
                    "Недопустимое имя «{got}» ({location}). Только строчные латинские буквы, цифры, «-» и «_»."
                ),
                En => format!(
                    "Invalid name \"{got}\" ({location}). Use lower-case Latin letters, digits, - and _."
                ),
            },
            BadUrl { location, got } => match lang {
                Kk => format!("Мекенжай жарамсыз: «{got}» ({location}). http:// немесе https:// керек."),
                Ru => format!("Недопустимый адрес «{got}» ({location}). Нужен http:// или https://."),
                En => format!("Invalid URL \"{got}\" ({location}). It must start with http:// or https://."),
            },
            CatalogueIdRepeated { location, id } => match lang {
                Kk => format!("Каталог атауы қайталанды: «{id}» ({location})."),
                Ru => format!("Имя каталога повторено: «{id}» ({location})."),
                En => format!("Catalogue id used twice: \"{id}\" ({location})."),
            },
            FileTooLarge { path, max } => match lang {
                Kk => format!("Файл тым үлкен: {path}, ең көбі {max} байт."),
                Ru => format!("Файл слишком большой: {path}, не больше {max} байт."),
                En => format!("File too large: {path}, at most {max} bytes."),
            },
            ProfileMissing {
                location,
                kind,
                id,
                searched,
            } => {
                let k = kind.name(lang);
                match lang {
                    Kk => format!(
                        "{k} табылмады: «{id}» ({location}). Ізделген жерлер: {searched}."
                    ),
                    Ru => format!("{k} не найден: «{id}» ({location}). Искали в: {searched}."),
                    En => format!("{k} not found: \"{id}\" ({location}). Searched: {searched}."),
                }
            }
            NoVoiceForLanguage { lang: l } => {
                let name = lang_name(lang, *l);
                match lang {
                    Kk => format!(
                        "Дауыс жоқ: {name} тіліне ({l}). station.toml ішінде [voices] {l} = \"…\" жазыңыз."
                    ),
                    Ru => format!(
                        "Нет голоса: {name} язык ({l}). Укажите [voices] {l} = \"…\" в station.toml."
                    ),
                    En => format!(
                        "No voice for {name} ({l}). Set [voices] {l} = \"…\" in station.toml."
                    ),
                }
            }
            VoiceLanguageMismatch {
                location,
                id,
                lang: l,
                profile_lang,
            } => match lang {
                Kk => format!(
                    "Дауыс тілі сәйкес емес: «{id}» — {profile_lang}, ал керегі {l} ({location})."
                ),
                Ru => format!(
                    "Язык голоса не совпадает: «{id}» — {profile_lang}, а нужен {l} ({location})."
                ),
                En => format!(
                    "Voice language mismatch: \"{id}\" speaks {profile_lang}, not {l} ({location})."
                ),
            },
            EspeakDataMissing { voice, searched } => match lang {
                Kk => format!(
                    "eSpeak NG деректері жоқ: «{voice}» дауысы ({searched}). Орнатыңыз: apt-get install espeak-ng-data."
                ),
                Ru => format!(
                    "Нет данных eSpeak NG для голоса «{voice}» ({searched}). Установите: apt-get install espeak-ng-data."
                ),
                En => format!(
                    "eSpeak NG data missing for voice \"{voice}\" ({searched}). Install: apt-get install espeak-ng-data."
                ),
            },
            SpeechDispatcherMissing { id } => match lang {
                Kk => format!(
                    "Speech Dispatcher жоқ: «{id}» дауысына керек. Орнатыңыз: apt-get install speech-dispatcher."
                ),
                Ru => format!(
                    "Нет Speech Dispatcher: нужен голосу «{id}». Установите: apt-get install speech-dispatcher."
                ),
                En => format!(
                    "Speech Dispatcher missing: voice \"{id}\" needs it. Install: apt-get install speech-dispatcher."
                ),
            },
            SerialPortMissing { id, port } => match lang {
                Kk => format!(
                    "Брайль дисплейі қосылмаған: {port} жоқ («{id}»). Кабельді тексеріңіз."
                ),
                Ru => format!(
                    "Брайлевский дисплей не подключён: нет {port} («{id}»). Проверьте кабель."
                ),
                En => format!(
                    "Braille display not connected: {port} is missing (\"{id}\"). Check the cable."
                ),
            },
            SerialPortUnset { id } => match lang {
                Kk => format!(
                    "Брайль порты көрсетілмеген («{id}»). station.toml ішінде [braille] port = \"/dev/ttyUSB0\" жазыңыз."
                ),
                Ru => format!(
                    "Порт брайлевского дисплея не задан («{id}»). Укажите [braille] port = \"/dev/ttyUSB0\" в station.toml."
                ),
                En => format!(
                    "Braille port not set (\"{id}\"). Set [braille] port = \"/dev/ttyUSB0\" in station.toml."
                ),
            },
            BrlapiMissing { id } => match lang {
                Kk => format!(
                    "BRLTTY іске қосылмаған: BrlAPI табылмады («{id}»). Іске қосыңыз: systemctl start brltty."
                ),
                Ru => format!(
                    "BRLTTY не запущен: BrlAPI не найден («{id}»). Запустите: systemctl start brltty."
                ),
                En => format!(
                    "BRLTTY not running: no BrlAPI socket (\"{id}\"). Start it: systemctl start brltty."
                ),
            },
            CatalogueMissing { id, path } => match lang {
                Kk => format!("Каталог жоқ: «{id}», {path}. Жолды тексеріңіз немесе импорттаңыз."),
                Ru => format!("Каталог не найден: «{id}», {path}. Проверьте путь или импортируйте."),
                En => format!("Catalogue missing: \"{id}\", {path}. Check the path or import one."),
            },
            ModelMissing { lang: l, path } => match lang {
                Kk => format!("Тану моделі жоқ: {l}, {path}. Vosk моделін орнатыңыз."),
                Ru => format!("Нет модели распознавания: {l}, {path}. Установите модель Vosk."),
                En => format!("Recognition model missing: {l}, {path}. Install a Vosk model."),
            },
            KeyTableMissing { id, keys } => match lang {
                Kk => format!("Пернелер кестесі жоқ: «{keys}» («{id}» профилі)."),
                Ru => format!("Нет таблицы клавиш «{keys}» (профиль «{id}»)."),
                En => format!("Key table missing: \"{keys}\" (profile \"{id}\")."),
            },
            LiblouisIncompatible { got } => match lang {
                Kk => format!(
                    "liblouis сәйкес емес: widechar {got} байт, oqu-ға 4 байт керек. Debian-ның liblouis20 пакетін орнатыңыз."
                ),
                Ru => format!(
                    "liblouis несовместима: widechar {got} байт, oqu нужно 4. Установите пакет liblouis20 из Debian."
                ),
                En => format!(
                    "liblouis incompatible: widechar is {got} bytes, oqu needs 4. Install Debian's liblouis20."
                ),
            },
            BrailleTableRefused { tables, detail } => match lang {
                Kk => format!("Брайль кестесі қабылданбады: {tables}: {detail}"),
                Ru => format!("Брайлевская таблица отклонена: {tables}: {detail}"),
                En => format!("Braille table refused: {tables}: {detail}"),
            },
            BrailleTableMissing { name, searched } => match lang {
                Kk => format!("Брайль кестесі табылмады: «{name}». Ізделген жерлер: {searched}."),
                Ru => format!("Брайлевская таблица не найдена: «{name}». Искали в: {searched}."),
                En => format!("Braille table not found: \"{name}\". Searched: {searched}."),
            },
            BrailleTranslationFailed { tables, detail } => match lang {
                Kk => format!("Брайль аудармасы орындалмады ({tables}): {detail}"),
                Ru => format!("Брайлевский перевод не выполнен ({tables}): {detail}"),
                En => format!("Braille translation failed ({tables}): {detail}"),
            },
            SymbolInvalid { location, got } => match lang {
                Kk => format!(
                    "Таңба жарамсыз: «{got}» ({location}). Әр таңба бір ғана символ болуы керек."
                ),
                Ru => format!("Знак недопустим: «{got}» ({location}). Нужен ровно один символ."),
                En => format!(
                    "Symbol invalid: \"{got}\" ({location}). Each symbol is exactly one character."
                ),
            },
            SymbolNameEmpty { location, symbol } => match lang {
                Kk => format!("Таңба атауы бос: «{symbol}» ({location}). Айтылатын сөзді жазыңыз."),
                Ru => format!(
                    "Название знака пустое: «{symbol}» ({location}). Напишите, что произносить."
                ),
                En => format!("Symbol name empty: \"{symbol}\" ({location}). Write the words to say."),
            },
            SymbolFileLanguage {
                location,
                expected,
                got,
            } => match lang {
                Kk => format!(
                    "Таңбалар файлының тілі сәйкес емес: «{got}», керегі {expected} ({location})."
                ),
                Ru => format!(
                    "Язык файла знаков не совпадает: «{got}», нужен {expected} ({location})."
                ),
                En => format!(
                    "Symbol file language mismatch: \"{got}\", expected {expected} ({location})."
                ),
            },
            DaemonNotRunning { bus } => match lang {
                Kk => format!(
                    "oqud іске қосылмаған ({bus} шинасы). Іске қосыңыз: oqud &"
                ),
                Ru => format!("oqud не запущен (шина {bus}). Запустите: oqud &"),
                En => format!("oqud is not running on the {bus} bus. Start it: oqud &"),
            },
            BusUnreachable { bus, detail } => match lang {
                Kk => format!("D-Bus қолжетімсіз ({bus} шинасы): {detail}"),
                Ru => format!("D-Bus недоступна (шина {bus}): {detail}"),
                En => format!("D-Bus unreachable ({bus} bus): {detail}"),
            },
            CallRefused { name, detail } => match lang {
                Kk => format!("Сұрау қабылданбады ({name}): {detail}"),
                Ru => format!("Запрос отклонён ({name}): {detail}"),
                En => format!("Request refused ({name}): {detail}"),
            },
            NameTaken { name, owner } => match lang {
                Kk => format!(
                    "{name} атауы бос емес: басқа oqud жұмыс істеп тұр ({owner}). Оны тоқтатыңыз немесе соны пайдаланыңыз."
                ),
                Ru => format!(
                    "Имя {name} занято: уже работает другой oqud ({owner}). Остановите его или используйте его."
                ),
                En => format!(
                    "{name} is already owned: another oqud is running ({owner}). Stop it, or use that one."
                ),
            },
        }
    }
}

/// "path:line:column", the location format used in every file error.
pub fn location(path: &str, line: usize, column: usize) -> String {
    format!("{path}:{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_maps_to_language() {
        assert_eq!(Lang::from_locale("kk_KZ.UTF-8"), Some(Lang::Kk));
        assert_eq!(Lang::from_locale("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::from_locale("en_GB"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C.UTF-8"), None);
        assert_eq!(Lang::from_locale(""), None);
    }

    #[test]
    fn every_language_has_its_own_words() {
        let msg = Msg::NotBuilt {
            subsystem: Subsystem::Speech,
        };
        let kk = msg.render(Lang::Kk);
        let ru = msg.render(Lang::Ru);
        let en = msg.render(Lang::En);
        assert!(kk.starts_with("Сөйлеу"), "{kk}");
        assert!(ru.starts_with("Речь"), "{ru}");
        assert!(en.starts_with("Speech"), "{en}");
        for subsystem in Subsystem::ALL {
            let names: Vec<_> = Lang::ALL.iter().map(|l| subsystem.name(*l)).collect();
            assert!(names.iter().all(|n| !n.is_empty()));
        }
    }
}

/// Headings and short words of the `oqu` command's readable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Station,
    Ok,
    ProblemsFound,
    Problems,
    Configuration,
    Languages,
    IdleTimeout,
    Mentors,
    Devices,
    Voices,
    Catalogue,
    Recognition,
    Subsystems,
    ActiveReader,
    Nobody,
    Loaded,
    Ready,
    NotBuilt,
    Missing,
    Reloaded,
    Queued,
    Error,
    Warning,
}

impl Label {
    pub fn text(self, lang: Lang) -> &'static str {
        use Label::*;
        use Lang::*;
        match (self, lang) {
            (Station, Kk) => "Станция",
            (Station, Ru) => "Станция",
            (Station, En) => "Station",
            (Ok, Kk) => "Ақау жоқ",
            (Ok, Ru) => "Неполадок нет",
            (Ok, En) => "No problems",
            (ProblemsFound, Kk) => "Ақаулар бар",
            (ProblemsFound, Ru) => "Есть неполадки",
            (ProblemsFound, En) => "Problems found",
            (Problems, Kk) => "Ақаулар",
            (Problems, Ru) => "Неполадки",
            (Problems, En) => "Problems",
            (Configuration, Kk) => "Баптау",
            (Configuration, Ru) => "Настройки",
            (Configuration, En) => "Configuration",
            (Languages, Kk) => "Тілдер",
            (Languages, Ru) => "Языки",
            (Languages, En) => "Languages",
            (IdleTimeout, Kk) => "Сеанс уақыты",
            (IdleTimeout, Ru) => "Тайм-аут сеанса",
            (IdleTimeout, En) => "Idle timeout",
            (Mentors, Kk) => "Тәлімгерлер тобы",
            (Mentors, Ru) => "Группа наставников",
            (Mentors, En) => "Mentors' group",
            (Devices, Kk) => "Құрылғылар",
            (Devices, Ru) => "Устройства",
            (Devices, En) => "Devices",
            (Voices, Kk) => "Дауыстар",
            (Voices, Ru) => "Голоса",
            (Voices, En) => "Voices",
            (Catalogue, Kk) => "Каталог",
            (Catalogue, Ru) => "Каталог",
            (Catalogue, En) => "Catalogue",
            (Recognition, Kk) => "Сөйлеуді тану",
            (Recognition, Ru) => "Распознавание речи",
            (Recognition, En) => "Speech recognition",
            (Subsystems, Kk) => "Бөліктер",
            (Subsystems, Ru) => "Подсистемы",
            (Subsystems, En) => "Subsystems",
            (ActiveReader, Kk) => "Оқырман",
            (ActiveReader, Ru) => "Читатель",
            (ActiveReader, En) => "Reader",
            (Nobody, Kk) => "жоқ",
            (Nobody, Ru) => "нет",
            (Nobody, En) => "none",
            (Loaded, Kk) => "жүктелді",
            (Loaded, Ru) => "загружено",
            (Loaded, En) => "loaded",
            (Ready, Kk) => "дайын",
            (Ready, Ru) => "готово",
            (Ready, En) => "ready",
            (NotBuilt, Kk) => "әзірге жоқ",
            (NotBuilt, Ru) => "пока нет",
            (NotBuilt, En) => "not built yet",
            (Missing, Kk) => "жоқ",
            (Missing, Ru) => "отсутствует",
            (Missing, En) => "missing",
            (Reloaded, Kk) => "Баптау қайта жүктелді",
            (Reloaded, Ru) => "Настройки перезагружены",
            (Reloaded, En) => "Configuration reloaded",
            (Queued, Kk) => "Кезекке қойылды",
            (Queued, Ru) => "В очереди",
            (Queued, En) => "Queued",
            (Error, Kk) => "қате",
            (Error, Ru) => "ошибка",
            (Error, En) => "error",
            (Warning, Kk) => "ескерту",
            (Warning, Ru) => "предупреждение",
            (Warning, En) => "warning",
        }
    }

    /// The label for a Status state identifier.
    pub fn for_state(state: &str) -> Option<Label> {
        match state {
            "ready" => Some(Label::Ready),
            "not-built" => Some(Label::NotBuilt),
            "missing" => Some(Label::Missing),
            _ => None,
        }
    }
}
