//! How one record looks on the wire.
//!
//! SWAPI's serializers list each resource's keys in a fixed order, and every
//! link to another record is an absolute URL. The tables below are those
//! lists: rendering a record walks its table, copies plain values, turns ids
//! into URLs and ends with the record's own `url`.

use serde_json::{Map, Value};

use super::dataset::Record;
use super::Resource;

/// One key of a served record.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// A value served as stored (text, a number, or a timestamp already in
    /// served form).
    Plain(&'static str),
    /// The id of one record of a resource, or `null`; served as its URL.
    Link(&'static str, Resource),
    /// A list of ids of one resource; served as a list of URLs.
    Links(&'static str, Resource),
}

use Field::{Link, Links, Plain};
use Resource::{Films, People, Planets, Species, Starships, Vehicles};

impl Field {
    /// The key this field is stored and served under.
    fn key(self) -> &'static str {
        match self {
            Plain(key) | Link(key, _) | Links(key, _) => key,
        }
    }
}

const PEOPLE: &[Field] = &[
    Plain("name"),
    Plain("height"),
    Plain("mass"),
    Plain("hair_color"),
    Plain("skin_color"),
    Plain("eye_color"),
    Plain("birth_year"),
    Plain("gender"),
    Link("homeworld", Planets),
    Links("films", Films),
    Links("species", Species),
    Links("vehicles", Vehicles),
    Links("starships", Starships),
    Plain("created"),
    Plain("edited"),
];

const PLANETS: &[Field] = &[
    Plain("name"),
    Plain("rotation_period"),
    Plain("orbital_period"),
    Plain("diameter"),
    Plain("climate"),
    Plain("gravity"),
    Plain("terrain"),
    Plain("surface_water"),
    Plain("population"),
    Links("residents", People),
    Links("films", Films),
    Plain("created"),
    Plain("edited"),
];

const FILMS: &[Field] = &[
    Plain("title"),
    Plain("episode_id"),
    Plain("opening_crawl"),
    Plain("director"),
    Plain("producer"),
    Plain("release_date"),
    Links("characters", People),
    Links("planets", Planets),
    Links("starships", Starships),
    Links("vehicles", Vehicles),
    Links("species", Species),
    Plain("created"),
    Plain("edited"),
];

const SPECIES: &[Field] = &[
    Plain("name"),
    Plain("classification"),
    Plain("designation"),
    Plain("average_height"),
    Plain("skin_colors"),
    Plain("hair_colors"),
    Plain("eye_colors"),
    Plain("average_lifespan"),
    Link("homeworld", Planets),
    Plain("language"),
    Links("people", People),
    Links("films", Films),
    Plain("created"),
    Plain("edited"),
];

/// Vehicles: the transport fields first, then the vehicle's own.
const VEHICLES: &[Field] = &[
    Plain("name"),
    Plain("model"),
    Plain("manufacturer"),
    Plain("cost_in_credits"),
    Plain("length"),
    Plain("max_atmosphering_speed"),
    Plain("crew"),
    Plain("passengers"),
    Plain("cargo_capacity"),
    Plain("consumables"),
    Plain("vehicle_class"),
    Links("pilots", People),
    Links("films", Films),
    Plain("created"),
    Plain("edited"),
];

/// Starships: the transport fields first, then the starship's own.
const STARSHIPS: &[Field] = &[
    Plain("name"),
    Plain("model"),
    Plain("manufacturer"),
    Plain("cost_in_credits"),
    Plain("length"),
    Plain("max_atmosphering_speed"),
    Plain("crew"),
    Plain("passengers"),
    Plain("cargo_capacity"),
    Plain("consumables"),
    Plain("hyperdrive_rating"),
    Plain("MGLT"),
    Plain("starship_class"),
    Links("pilots", People),
    Links("films", Films),
    Plain("created"),
    Plain("edited"),
];

/// The served keys of `resource`, in order, except the final `url`.
fn layout(resource: Resource) -> &'static [Field] {
    match resource {
        People => PEOPLE,
        Planets => PLANETS,
        Films => FILMS,
        Species => SPECIES,
        Vehicles => VEHICLES,
        Starships => STARSHIPS,
    }
}

/// The absolute URL of a resource's list: `{base}/api/{resource}/`.
pub(crate) fn list_url(base: &str, resource: Resource) -> String {
    format!("{base}/api/{resource}/")
}

/// The absolute URL of one record: `{base}/api/{resource}/{id}/`.
pub(crate) fn record_url(base: &str, resource: Resource, id: u32) -> String {
    format!("{base}/api/{resource}/{id}/")
}

/// Builds the JSON object SWAPI serves for `record`, with every URL starting
/// with `base` (a scheme and authority such as `https://swapi.dev`).
///
/// The record must have passed [`check`]; a value that is somehow missing is
/// served as `null` rather than panicking.
pub(crate) fn render(resource: Resource, record: &Record, base: &str) -> Value {
    let mut object = Map::new();
    for field in layout(resource) {
        let (key, value) = match *field {
            Plain(key) => (key, record.fields.get(key).cloned().unwrap_or(Value::Null)),
            Link(key, target) => {
                let url = record.fields.get(key).and_then(Value::as_u64).and_then(id);
                let value = url.map_or(Value::Null, |id| record_url(base, target, id).into());
                (key, value)
            }
            Links(key, target) => {
                let ids = record.fields.get(key).and_then(Value::as_array);
                let urls = ids
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_u64().and_then(id))
                    .map(|id| Value::from(record_url(base, target, id)))
                    .collect();
                (key, Value::Array(urls))
            }
        };
        object.insert(key.to_owned(), value);
    }
    object.insert(
        "url".to_owned(),
        record_url(base, resource, record.id).into(),
    );
    Value::Object(object)
}

/// Checks that `record` has every key its resource serves, with links held
/// as ids, so that [`render`] never has to invent a value.
pub(crate) fn check(resource: Resource, record: &Record) -> Result<(), String> {
    let is_id = |value: &Value| value.as_u64().and_then(id).is_some();
    for field in layout(resource) {
        let value = record.fields.get(field.key());
        let ok = match field {
            Plain(_) => value.is_some(),
            Link(..) => value.is_some_and(|v| v.is_null() || is_id(v)),
            Links(..) => value
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().all(is_id)),
        };
        if !ok {
            let key = field.key();
            return Err(format!(
                "{resource} {}: missing or malformed `{key}`",
                record.id
            ));
        }
    }
    Ok(())
}

/// An id as stored in a fixture, if it fits the replica's id type.
fn id(value: u64) -> Option<u32> {
    u32::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: u32, fields: Value) -> Record {
        let Value::Object(fields) = fields else {
            unreachable!("test fixture is an object")
        };
        Record { id, fields }
    }

    #[test]
    fn render_follows_the_serializer_key_order_and_ends_with_url() {
        let planet = record(
            3,
            json!({
                "population": "1000", "name": "Yavin IV", "rotation_period": "24",
                "orbital_period": "4818", "diameter": "10200", "climate": "temperate, tropical",
                "gravity": "1 standard", "terrain": "jungle, rainforests", "surface_water": "8",
                "residents": [], "films": [1], "created": "c", "edited": "e",
            }),
        );
        let rendered = render(Planets, &planet, "http://x");
        let keys: Vec<&str> = rendered
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "rotation_period",
                "orbital_period",
                "diameter",
                "climate",
                "gravity",
                "terrain",
                "surface_water",
                "population",
                "residents",
                "films",
                "created",
                "edited",
                "url"
            ]
        );
        assert_eq!(rendered["films"], json!(["http://x/api/films/1/"]));
        assert_eq!(rendered["url"], "http://x/api/planets/3/");
    }

    #[test]
    fn a_null_link_renders_as_null() {
        let droid = record(2, json!({ "homeworld": null }));
        assert_eq!(
            render(Species, &droid, "http://x")["homeworld"],
            Value::Null
        );
    }

    #[test]
    fn check_names_the_first_missing_key() {
        let bare = record(7, json!({ "name": "Bare" }));
        let err = check(People, &bare).unwrap_err();
        assert_eq!(err, "people 7: missing or malformed `height`");
    }

    #[test]
    fn check_rejects_links_that_are_not_ids() {
        let mut fields = Map::new();
        for field in PEOPLE {
            fields.insert(field.key().to_owned(), Value::Array(vec![]));
        }
        fields.insert("homeworld".to_owned(), json!("Tatooine"));
        let err = check(People, &Record { id: 1, fields }).unwrap_err();
        assert!(err.contains("`homeworld`"), "{err}");
    }
}
