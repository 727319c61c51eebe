//! Options dictionaries (`a{sv}`) checked against a schema: an unknown key or
//! a value of the wrong type or range is refused, naming the key. Nothing is
//! ignored silently.

use std::collections::HashMap;

use zbus::zvariant::{OwnedValue, Value};

use crate::config::data::is_language_tag;
use crate::config::is_id;
use crate::i18n::Msg;
use crate::requests::{
    LanguageChoice, ListenMode, ListenOptions, Priority, PunctuationLevel, SearchOptions,
    ShowOptions, SpeakOptions, MAX_SEARCH_LIMIT,
};

pub type Dict = HashMap<String, OwnedValue>;

/// The D-Bus type an option must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    I32,
    U32,
}

impl Kind {
    fn signature(self) -> &'static str {
        match self {
            Kind::Str => "s",
            Kind::Bool => "b",
            Kind::I32 => "i",
            Kind::U32 => "u",
        }
    }

    fn matches(self, value: &Value<'_>) -> bool {
        matches!(
            (self, value),
            (Kind::Str, Value::Str(_))
                | (Kind::Bool, Value::Bool(_))
                | (Kind::I32, Value::I32(_))
                | (Kind::U32, Value::U32(_))
        )
    }
}

/// A dictionary that passed the key and type checks.
pub struct Checked<'a> {
    dict: &'a Dict,
}

/// Checks every key against `schema`.
pub fn check<'a>(dict: &'a Dict, schema: &[(&'static str, Kind)]) -> Result<Checked<'a>, Msg> {
    // Sorted so the refusal names the same key whatever the hash order.
    let mut keys: Vec<&String> = dict.keys().collect();
    keys.sort();
    for key in keys {
        let Some((_, kind)) = schema.iter().find(|(name, _)| name == key) else {
            return Err(Msg::UnknownOption {
                key: shorten(key),
                allowed: schema.iter().map(|(name, _)| *name).collect(),
            });
        };
        let value: &Value<'_> = &dict[key];
        if !kind.matches(value) {
            return Err(Msg::OptionType {
                key: key.clone(),
                expected: kind.signature(),
                got: value.value_signature().to_string(),
            });
        }
    }
    Ok(Checked { dict })
}

/// Keys come from callers; a huge one must not make a huge error message.
fn shorten(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

impl Checked<'_> {
    fn get(&self, key: &str) -> Option<&Value<'_>> {
        self.dict.get(key).map(|v| -> &Value<'_> { v })
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn i32(&self, key: &str) -> Option<i32> {
        match self.get(key) {
            Some(Value::I32(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn u32(&self, key: &str) -> Option<u32> {
        match self.get(key) {
            Some(Value::U32(u)) => Some(*u),
            _ => None,
        }
    }

    fn ranged(&self, key: &str, min: i32, max: i32) -> Result<i32, Msg> {
        match self.i32(key) {
            None => Ok(0),
            Some(v) if (min..=max).contains(&v) => Ok(v),
            Some(v) => Err(bad_value(key, &v.to_string(), &format!("{min}..{max}"))),
        }
    }

    fn language(&self, key: &str) -> Result<LanguageChoice, Msg> {
        match self.str(key) {
            None | Some("auto") => Ok(LanguageChoice::Auto),
            Some(tag) if is_language_tag(tag) => Ok(LanguageChoice::Tag(tag.to_owned())),
            Some(other) => Err(bad_value(key, other, "auto, kk, ru, en (BCP-47)")),
        }
    }

    fn id(&self, key: &str) -> Result<Option<String>, Msg> {
        match self.str(key) {
            None => Ok(None),
            Some(id) if is_id(id) => Ok(Some(id.to_owned())),
            Some(other) => Err(bad_value(key, other, "a-z, 0-9, - and _")),
        }
    }
}

fn bad_value(key: &str, got: &str, allowed: &str) -> Msg {
    Msg::OptionValue {
        key: key.to_owned(),
        got: shorten(got),
        allowed: allowed.to_owned(),
    }
}

pub fn speak(dict: &Dict) -> Result<SpeakOptions, Msg> {
    let opts = check(
        dict,
        &[
            ("language", Kind::Str),
            ("priority", Kind::Str),
            ("voice", Kind::Str),
            ("rate", Kind::I32),
            ("pitch", Kind::I32),
            ("volume", Kind::I32),
            ("punctuation", Kind::Str),
            ("spell", Kind::Bool),
            ("ssml", Kind::Bool),
        ],
    )?;
    let priority = match opts.str("priority") {
        None => Priority::Message,
        Some(name) => {
            Priority::parse(name).ok_or_else(|| bad_value("priority", name, Priority::NAMES))?
        }
    };
    let punctuation = match opts.str("punctuation") {
        None => None,
        Some(name) => Some(
            PunctuationLevel::parse(name)
                .ok_or_else(|| bad_value("punctuation", name, PunctuationLevel::NAMES))?,
        ),
    };
    Ok(SpeakOptions {
        language: opts.language("language")?,
        priority,
        voice: opts.id("voice")?,
        rate: opts.ranged("rate", -100, 100)?,
        pitch: opts.ranged("pitch", -100, 100)?,
        volume: opts.ranged("volume", -100, 100)?,
        punctuation,
        spell: opts.bool("spell").unwrap_or(false),
        ssml: opts.bool("ssml").unwrap_or(false),
    })
}

pub fn show(dict: &Dict) -> Result<ShowOptions, Msg> {
    let opts = check(
        dict,
        &[
            ("cursor", Kind::I32),
            ("language", Kind::Str),
            ("table", Kind::Str),
            ("contracted", Kind::Bool),
        ],
    )?;
    let cursor = match opts.i32("cursor") {
        None | Some(-1) => None,
        Some(offset) => Some(
            u32::try_from(offset)
                .map_err(|_| bad_value("cursor", &offset.to_string(), "-1, 0.."))?,
        ),
    };
    let table = match opts.str("table") {
        None => None,
        // A liblouis table list: names separated by commas, never a path.
        Some(list)
            if !list.is_empty()
                && list.len() <= 256
                && list
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.,".contains(&b))
                && !list.contains("..") =>
        {
            Some(list.to_owned())
        }
        Some(other) => {
            return Err(bad_value(
                "table",
                other,
                "kk.utb, ru-litbrl.ctb, en-ueb-g2.ctb, …",
            ))
        }
    };
    Ok(ShowOptions {
        cursor,
        language: opts.language("language")?,
        table,
        contracted: opts.bool("contracted"),
    })
}

pub fn listen(dict: &Dict) -> Result<ListenOptions, Msg> {
    let opts = check(dict, &[("language", Kind::Str), ("mode", Kind::Str)])?;
    let mode = match opts.str("mode") {
        None | Some("command") => ListenMode::Command,
        Some("dictation") => ListenMode::Dictation,
        Some(other) => return Err(bad_value("mode", other, "command, dictation")),
    };
    Ok(ListenOptions {
        language: opts.language("language")?,
        mode,
    })
}

pub fn search(dict: &Dict) -> Result<SearchOptions, Msg> {
    let opts = check(
        dict,
        &[
            ("limit", Kind::U32),
            ("offset", Kind::U32),
            ("language", Kind::Str),
            ("source", Kind::Str),
        ],
    )?;
    let limit = match opts.u32("limit") {
        None => 20,
        Some(n) if (1..=MAX_SEARCH_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(bad_value(
                "limit",
                &n.to_string(),
                &format!("1..{MAX_SEARCH_LIMIT}"),
            ))
        }
    };
    let language = match opts.language("language")? {
        LanguageChoice::Auto => None,
        LanguageChoice::Tag(tag) => Some(tag),
    };
    Ok(SearchOptions {
        limit,
        offset: opts.u32("offset").unwrap_or(0),
        language,
        source: opts.id("source")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn dict(entries: &[(&str, Value<'static>)]) -> Dict {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), OwnedValue::try_from(v.clone()).unwrap()))
            .collect()
    }

    fn refusal(result: Result<impl std::fmt::Debug, Msg>) -> String {
        result.unwrap_err().render(Lang::En)
    }

    #[test]
    fn defaults_when_empty() {
        let opts = speak(&Dict::new()).unwrap();
        assert_eq!(opts.priority, Priority::Message);
        assert_eq!(opts.language, LanguageChoice::Auto);
        assert_eq!(search(&Dict::new()).unwrap().limit, 20);
    }

    #[test]
    fn unknown_key_is_named() {
        let text = refusal(speak(&dict(&[("speed", Value::I32(5))])));
        assert!(
            text.starts_with("\"speed\" is not a known option"),
            "{text}"
        );
        assert!(text.contains("rate"), "{text}");
    }

    #[test]
    fn wrong_type_is_named() {
        let text = refusal(speak(&dict(&[("rate", Value::I64(5))])));
        assert_eq!(text, "\"rate\" has the wrong type: expected i, got x.");
        let text = refusal(show(&dict(&[("contracted", Value::from("yes"))])));
        assert!(
            text.starts_with("\"contracted\" has the wrong type"),
            "{text}"
        );
    }

    #[test]
    fn values_are_checked() {
        assert!(
            refusal(speak(&dict(&[("priority", Value::from("urgent"))]))).contains("important")
        );
        assert!(refusal(speak(&dict(&[("rate", Value::I32(101))]))).contains("-100..100"));
        assert!(
            refusal(show(&dict(&[("table", Value::from("../../etc/passwd"))]))).contains("table")
        );
        assert!(refusal(show(&dict(&[("cursor", Value::I32(-2))]))).contains("cursor"));
        assert!(refusal(listen(&dict(&[("mode", Value::from("chat"))]))).contains("dictation"));
        assert!(refusal(search(&dict(&[("limit", Value::U32(0))]))).contains("limit"));
        assert!(refusal(speak(&dict(&[("language", Value::from("Kazakh"))]))).contains("language"));
    }

    #[test]
    fn good_values_pass() {
        let opts = speak(&dict(&[
            ("language", Value::from("kk")),
            ("priority", Value::from("important")),
            ("rate", Value::I32(-40)),
            ("spell", Value::Bool(true)),
        ]))
        .unwrap();
        assert_eq!(opts.language, LanguageChoice::Tag("kk".into()));
        assert_eq!(opts.priority, Priority::Important);
        assert_eq!(opts.rate, -40);
        assert!(opts.spell);
        let opts = show(&dict(&[
            ("cursor", Value::I32(3)),
            ("table", Value::from("kk.utb")),
        ]))
        .unwrap();
        assert_eq!(opts.cursor, Some(3));
    }

    #[test]
    fn long_keys_are_shortened() {
        let key = "x".repeat(10_000);
        let text = refusal(speak(&dict(&[(key.as_str(), Value::Bool(true))])));
        assert!(text.len() < 400, "{}", text.len());
    }
}
