//! Loading SWAPI's fixtures into a queryable, in-memory dataset.
//!
//! The data is SWAPI's own Django fixtures (see `data/swapi/SOURCE.md` for
//! where they come from and their licence), compiled into the binary with
//! `include_str!`. Fixtures are shaped for a database, not for the API, so
//! loading does three things once, up front:
//!
//! 1. **Join** starships and vehicles with `transport.json`, which holds the
//!    fields they share under the same primary key.
//! 2. **Derive reverse links.** A many-to-many link is stored on one side
//!    only (`films.characters`), yet the API shows both (`people.films`).
//!    Each reverse list is built in ascending id order.
//! 3. **Reformat timestamps** from the stored `…51.644Z` to the served
//!    `…51.644000Z` (microseconds, as Python's `isoformat` prints them).
//!
//! After loading, every record holds exactly the values it serves, with links
//! still as ids; [`records`](super::records) turns ids into URLs per request,
//! because URLs depend on the host the request was sent to.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;

use serde_json::{Map, Value};

use super::records;
use super::Resource;

/// One record: its primary key and its fields, links held as ids.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// The primary key, which is also the id in the record's URL.
    pub(crate) id: u32,
    /// Every served value except `url`, keyed by field name.
    pub(crate) fields: Map<String, Value>,
}

/// The embedded fixtures, by file name.
mod embedded {
    pub(super) const PEOPLE: &str = include_str!("../../data/swapi/people.json");
    pub(super) const PLANETS: &str = include_str!("../../data/swapi/planets.json");
    pub(super) const FILMS: &str = include_str!("../../data/swapi/films.json");
    pub(super) const SPECIES: &str = include_str!("../../data/swapi/species.json");
    pub(super) const TRANSPORT: &str = include_str!("../../data/swapi/transport.json");
    pub(super) const STARSHIPS: &str = include_str!("../../data/swapi/starships.json");
    pub(super) const VEHICLES: &str = include_str!("../../data/swapi/vehicles.json");
}

/// Many-to-many (and one-to-many) links as the fixtures store them, and the
/// field on the other side that the API derives from them:
/// `(stored on, stored field, points at, derived field)`.
const REVERSE_LINKS: &[(Resource, &str, Resource, &str)] = &[
    (
        Resource::People,
        "homeworld",
        Resource::Planets,
        "residents",
    ),
    (Resource::Films, "characters", Resource::People, "films"),
    (Resource::Films, "planets", Resource::Planets, "films"),
    (Resource::Films, "starships", Resource::Starships, "films"),
    (Resource::Films, "vehicles", Resource::Vehicles, "films"),
    (Resource::Films, "species", Resource::Species, "films"),
    (Resource::Species, "people", Resource::People, "species"),
    (Resource::Starships, "pilots", Resource::People, "starships"),
    (Resource::Vehicles, "pilots", Resource::People, "vehicles"),
];

/// All of SWAPI's records, indexed by resource and id.
///
/// Load it once with [`Dataset::load`] and share it between requests; it is
/// never modified afterwards.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// One table per resource, in [`Resource::ALL`] order. Each table is
    /// sorted by id with no duplicates, so lookups can binary-search.
    tables: [Vec<Record>; 6],
}

impl Dataset {
    /// Parses and indexes the embedded fixtures.
    ///
    /// Fails only if the embedded data is inconsistent (a malformed fixture,
    /// a link to a record that does not exist, a starship without its
    /// transport row), which the crate's tests rule out.
    pub fn load() -> Result<Dataset, DataError> {
        let transport = parse(embedded::TRANSPORT, "transport.json")?;
        let mut tables = [
            parse(embedded::PEOPLE, "people.json")?,
            parse(embedded::PLANETS, "planets.json")?,
            parse(embedded::FILMS, "films.json")?,
            parse(embedded::SPECIES, "species.json")?,
            join(
                parse(embedded::VEHICLES, "vehicles.json")?,
                &transport,
                "vehicles.json",
            )?,
            join(
                parse(embedded::STARSHIPS, "starships.json")?,
                &transport,
                "starships.json",
            )?,
        ];
        derive_reverse_links(&mut tables)?;
        for resource in Resource::ALL {
            for record in &mut tables[resource.index()] {
                for key in ["created", "edited"] {
                    if let Some(Value::String(stamp)) = record.fields.get_mut(key) {
                        *stamp = served_timestamp(stamp);
                    }
                }
                records::check(resource, record).map_err(DataError)?;
            }
        }
        Ok(Dataset { tables })
    }

    /// How many records `resource` has (82 people, 6 films, …).
    pub fn count(&self, resource: Resource) -> usize {
        self.table(resource).len()
    }

    /// The ids of `resource`'s records, ascending. Ids have gaps (there is
    /// no person 17), so list them rather than counting up.
    pub fn ids(&self, resource: Resource) -> impl Iterator<Item = u32> + '_ {
        self.table(resource).iter().map(|record| record.id)
    }

    /// The record `id` of `resource` exactly as SWAPI serves it, with URLs
    /// under `base` (a scheme and authority without a trailing slash, such
    /// as `"https://swapi.dev"`), or `None` if there is no such record.
    pub fn render(&self, resource: Resource, id: u32, base: &str) -> Option<Value> {
        self.record(resource, id)
            .map(|record| records::render(resource, record, base))
    }

    /// The stored record `id` of `resource`.
    pub(crate) fn record(&self, resource: Resource, id: u32) -> Option<&Record> {
        let table = self.table(resource);
        table
            .binary_search_by_key(&id, |record| record.id)
            .ok()
            .map(|at| &table[at])
    }

    /// All stored records of `resource`, ascending by id.
    pub(crate) fn table(&self, resource: Resource) -> &[Record] {
        &self.tables[resource.index()]
    }
}

/// The embedded data could not be loaded; the message says where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError(String);

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid SWAPI data: {}", self.0)
    }
}

impl Error for DataError {}

/// Parses a Django fixture (`[{"model": …, "pk": N, "fields": {…}}, …]`)
/// into records sorted by id.
fn parse(text: &str, file: &str) -> Result<Vec<Record>, DataError> {
    let fail = |why: &str| DataError(format!("{file}: {why}"));
    let rows: Vec<Value> = serde_json::from_str(text).map_err(|e| fail(&e.to_string()))?;
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row
            .get("pk")
            .and_then(Value::as_u64)
            .and_then(|pk| u32::try_from(pk).ok());
        let fields = row.get("fields").and_then(Value::as_object);
        match (id, fields) {
            (Some(id), Some(fields)) => records.push(Record {
                id,
                fields: fields.clone(),
            }),
            _ => return Err(fail("a row lacks a numeric `pk` or a `fields` object")),
        }
    }
    records.sort_by_key(|record| record.id);
    if let Some(pair) = records.windows(2).find(|pair| pair[0].id == pair[1].id) {
        return Err(fail(&format!("pk {} appears twice", pair[0].id)));
    }
    Ok(records)
}

/// Puts each record's `transport.json` fields first, then its own.
fn join(records: Vec<Record>, transport: &[Record], file: &str) -> Result<Vec<Record>, DataError> {
    records
        .into_iter()
        .map(|record| {
            let at = transport.binary_search_by_key(&record.id, |common| common.id);
            let common = at
                .map_err(|_| DataError(format!("{file}: pk {} has no transport row", record.id)))?;
            let mut fields = transport[common].fields.clone();
            fields.extend(record.fields);
            Ok(Record {
                id: record.id,
                fields,
            })
        })
        .collect()
}

/// Fills in every derived field of [`REVERSE_LINKS`], ids ascending.
fn derive_reverse_links(tables: &mut [Vec<Record>; 6]) -> Result<(), DataError> {
    for &(from, stored, to, derived) in REVERSE_LINKS {
        let mut lists: BTreeMap<u32, Vec<Value>> = tables[to.index()]
            .iter()
            .map(|record| (record.id, Vec::new()))
            .collect();
        for record in &tables[from.index()] {
            for target in linked_ids(record.fields.get(stored)) {
                let list = lists.get_mut(&target).ok_or_else(|| {
                    DataError(format!(
                        "{from} {} links `{stored}` to missing {to} {target}",
                        record.id
                    ))
                })?;
                if list.last() != Some(&Value::from(record.id)) {
                    list.push(record.id.into());
                }
            }
        }
        for record in &mut tables[to.index()] {
            let list = lists.remove(&record.id).unwrap_or_default();
            record.fields.insert(derived.to_owned(), Value::Array(list));
        }
    }
    Ok(())
}

/// The ids a stored link holds: one id, a list of ids, or none for `null`.
fn linked_ids(value: Option<&Value>) -> Vec<u32> {
    let ids = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_u64).collect(),
        Some(value) => value.as_u64().into_iter().collect(),
        None => Vec::new(),
    };
    ids.into_iter()
        .filter_map(|id| u32::try_from(id).ok())
        .collect()
}

/// Rewrites a stored timestamp the way the API prints it: the fraction of a
/// second padded (or cut) to six digits, and dropped entirely when it is zero,
/// as Python's `datetime.isoformat` does. `2014-12-09T13:50:51.644Z` becomes
/// `2014-12-09T13:50:51.644000Z`; text without a trailing `Z` is kept as is.
fn served_timestamp(stored: &str) -> String {
    let Some(body) = stored.strip_suffix('Z') else {
        return stored.to_owned();
    };
    let (seconds, fraction) = body.split_once('.').unwrap_or((body, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return stored.to_owned();
    }
    let micros: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(6)
        .collect();
    if micros == "000000" {
        format!("{seconds}Z")
    } else {
        format!("{seconds}.{micros}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        Dataset::load().expect("the embedded data loads")
    }

    #[test]
    fn record_counts_match_swapi_dev() {
        let data = dataset();
        let counts: Vec<usize> = Resource::ALL.iter().map(|&r| data.count(r)).collect();
        assert_eq!(counts, [82, 60, 6, 37, 39, 36]);
    }

    #[test]
    fn person_17_does_not_exist_but_16_and_18_do() {
        let data = dataset();
        let ids: Vec<u32> = data
            .ids(Resource::People)
            .filter(|id| (16..=18).contains(id))
            .collect();
        assert_eq!(ids, [16, 18]);
        assert!(data.render(Resource::People, 17, "http://x").is_none());
    }

    #[test]
    fn starships_carry_their_transport_fields() {
        let falcon = dataset()
            .render(Resource::Starships, 10, "http://x")
            .unwrap();
        assert_eq!(falcon["name"], "Millennium Falcon");
        assert_eq!(falcon["model"], "YT-1300 light freighter");
        assert_eq!(falcon["MGLT"], "75");
    }

    #[test]
    fn reverse_links_are_derived_in_ascending_order() {
        let tatooine = dataset().render(Resource::Planets, 1, "").unwrap();
        let residents: Vec<&str> = tatooine["residents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(residents.first(), Some(&"/api/people/1/"));
        assert_eq!(residents.len(), 10);
        let mut sorted = residents.clone();
        sorted.sort_by_key(|url| url.split('/').nth(3).and_then(|id| id.parse::<u32>().ok()));
        assert_eq!(residents, sorted);
    }

    #[test]
    fn species_without_a_homeworld_serve_null() {
        let droid = dataset().render(Resource::Species, 2, "http://x").unwrap();
        assert_eq!(droid["name"], "Droid");
        assert_eq!(droid["homeworld"], Value::Null);
    }

    #[test]
    fn timestamps_gain_microseconds_or_lose_a_zero_fraction() {
        assert_eq!(
            served_timestamp("2014-12-09T13:50:51.644Z"),
            "2014-12-09T13:50:51.644000Z"
        );
        assert_eq!(
            served_timestamp("2014-12-15T12:22:12Z"),
            "2014-12-15T12:22:12Z"
        );
        assert_eq!(
            served_timestamp("2014-12-15T12:22:12.000Z"),
            "2014-12-15T12:22:12Z"
        );
        assert_eq!(
            served_timestamp("2014-12-15T12:22:12.1234567Z"),
            "2014-12-15T12:22:12.123456Z"
        );
        assert_eq!(served_timestamp("not a time"), "not a time");
    }

    #[test]
    fn a_link_to_a_missing_record_is_a_load_error() {
        let mut tables: [Vec<Record>; 6] = Default::default();
        let mut fields = Map::new();
        fields.insert("homeworld".to_owned(), Value::from(99));
        tables[Resource::People.index()].push(Record { id: 1, fields });
        let err = derive_reverse_links(&mut tables).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid SWAPI data: people 1 links `homeworld` to missing planets 99"
        );
    }

    #[test]
    fn a_fixture_that_is_not_a_list_of_rows_is_a_load_error() {
        assert!(parse("{}", "x.json").is_err());
        assert!(parse(r#"[{"pk": "one", "fields": {}}]"#, "x.json").is_err());
        assert!(parse(
            r#"[{"pk": 1, "fields": {}}, {"pk": 1, "fields": {}}]"#,
            "x.json"
        )
        .is_err());
    }
}
