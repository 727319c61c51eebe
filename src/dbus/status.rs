//! `Station.Status` on the wire: the report as nested `a{sv}` dictionaries.
//! Reasons are rendered in the station's language; `state`, `code` and
//! `severity` stay stable identifiers for scripts.

use std::collections::HashMap;

use zbus::zvariant::{OwnedValue, Value};

use super::options::Dict;
use super::BusKind;
use crate::i18n::Lang;
use crate::station::{Item, Severity, StatusReport};

type Map = HashMap<String, Value<'static>>;

fn put(map: &mut Map, key: &str, value: impl Into<Value<'static>>) {
    map.insert(key.to_owned(), value.into());
}

fn item(item: &Item, lang: Lang) -> Map {
    let mut map = Map::new();
    put(&mut map, "kind", item.kind);
    put(&mut map, "id", item.id.clone());
    put(&mut map, "name", item.name.clone());
    put(&mut map, "detail", item.detail.clone());
    put(
        &mut map,
        "language",
        item.lang.map(|l| l.code()).unwrap_or_default(),
    );
    put(&mut map, "state", item.state.id());
    put(&mut map, "reason", item.reason.render(lang));
    map
}

fn items(list: &[Item], lang: Lang) -> Value<'static> {
    Value::from(list.iter().map(|i| item(i, lang)).collect::<Vec<Map>>())
}

pub fn to_wire(report: &StatusReport, bus: BusKind) -> zbus::Result<Dict> {
    let lang = report.lang;
    let config = &report.config;

    let mut conf = Map::new();
    put(&mut conf, "source", report.origin.describe());
    put(&mut conf, "name", config.name.clone());
    put(
        &mut conf,
        "languages",
        config
            .languages
            .iter()
            .map(|l| l.code().to_owned())
            .collect::<Vec<_>>(),
    );
    put(
        &mut conf,
        "idle_timeout_s",
        config.idle_timeout.as_secs() as u32,
    );
    put(&mut conf, "mentors_group", config.mentors_group.clone());
    put(&mut conf, "braille_display", config.braille.display.clone());
    put(
        &mut conf,
        "braille_port",
        config
            .braille
            .port
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    put(
        &mut conf,
        "voices",
        config
            .voices
            .iter()
            .map(|v| (v.lang.code().to_owned(), v.profile.clone()))
            .collect::<HashMap<String, String>>(),
    );
    put(
        &mut conf,
        "catalogue",
        config
            .catalogue
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>(),
    );
    put(
        &mut conf,
        "data_dirs",
        report
            .data_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>(),
    );
    put(
        &mut conf,
        "loaded_at",
        humantime::format_rfc3339_seconds(report.loaded_at).to_string(),
    );

    let subsystems: Vec<Map> = report
        .subsystems
        .iter()
        .map(|(subsystem, state, reason)| {
            let mut map = Map::new();
            put(&mut map, "id", subsystem.id());
            put(&mut map, "name", subsystem.name(lang));
            put(&mut map, "state", state.id());
            put(&mut map, "reason", reason.render(lang));
            map
        })
        .collect();

    let problems: Vec<Map> = report
        .problems
        .iter()
        .map(|problem| {
            let mut map = Map::new();
            put(&mut map, "severity", problem.severity.id());
            put(&mut map, "code", problem.code);
            put(&mut map, "subject", problem.subject.clone());
            put(&mut map, "reason", problem.reason.render(lang));
            map
        })
        .collect();

    let mut top = Map::new();
    put(&mut top, "version", env!("CARGO_PKG_VERSION"));
    put(&mut top, "bus", bus.id());
    put(&mut top, "pid", std::process::id());
    put(&mut top, "language", lang.code());
    put(
        &mut top,
        "ok",
        !report
            .problems
            .iter()
            .any(|p| p.severity == Severity::Error),
    );
    put(&mut top, "config", Value::from(conf));
    put(&mut top, "devices", items(&report.devices, lang));
    put(&mut top, "voices", items(&report.voices, lang));
    put(&mut top, "catalogue", items(&report.catalogue, lang));
    put(&mut top, "recognition", items(&report.recognition, lang));
    put(&mut top, "subsystems", Value::from(subsystems));
    put(
        &mut top,
        "active_reader",
        report.active_reader.clone().unwrap_or_default(),
    );
    put(&mut top, "problems", Value::from(problems));

    top.into_iter()
        .map(|(k, v)| Ok((k, OwnedValue::try_from(v)?)))
        .collect()
}
