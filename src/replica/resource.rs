//! The six kinds of record SWAPI serves, and what is fixed about each.

use std::fmt;

/// One of the six collections under `/api/`.
///
/// The order of [`Resource::ALL`] is the order in which SWAPI lists them in
/// its root document (`GET /api/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// Characters: `/api/people/`.
    People,
    /// Planets: `/api/planets/`.
    Planets,
    /// The six films: `/api/films/`.
    Films,
    /// Species: `/api/species/`.
    Species,
    /// Vehicles without a hyperdrive: `/api/vehicles/`.
    Vehicles,
    /// Starships: `/api/starships/`.
    Starships,
}

impl Resource {
    /// Every resource, in the order of the API root.
    pub const ALL: [Resource; 6] = [
        Resource::People,
        Resource::Planets,
        Resource::Films,
        Resource::Species,
        Resource::Vehicles,
        Resource::Starships,
    ];

    /// This resource's position in [`Resource::ALL`], for indexing tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The path segment naming this resource, e.g. `"people"`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::People => "people",
            Resource::Planets => "planets",
            Resource::Films => "films",
            Resource::Species => "species",
            Resource::Vehicles => "vehicles",
            Resource::Starships => "starships",
        }
    }

    /// The resource whose path segment is `name`, if any (case-sensitive,
    /// as URL paths are).
    pub fn from_name(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The fields `?search=` looks in: a record matches a term when any of
    /// them contains it.
    pub fn search_fields(self) -> &'static [&'static str] {
        match self {
            Resource::Films => &["title"],
            Resource::Vehicles | Resource::Starships => &["name", "model"],
            Resource::People | Resource::Planets | Resource::Species => &["name"],
        }
    }

    /// The view name SWAPI's framework reports for this resource's views
    /// (used in the `OPTIONS` answer, e.g. `"People List"`).
    pub(crate) fn view_name(self) -> &'static str {
        match self {
            Resource::People => "People",
            Resource::Planets => "Planet",
            Resource::Films => "Film",
            Resource::Species => "Species",
            Resource::Vehicles => "Vehicle",
            Resource::Starships => "Starship",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for resource in Resource::ALL {
            assert_eq!(Resource::from_name(resource.name()), Some(resource));
        }
    }

    #[test]
    fn unknown_and_differently_cased_names_are_not_resources() {
        assert_eq!(Resource::from_name("People"), None);
        assert_eq!(Resource::from_name("factions"), None);
        assert_eq!(Resource::from_name(""), None);
    }
}
