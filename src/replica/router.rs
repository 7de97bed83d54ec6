//! Answering one request the way swapi.dev does.
//!
//! [`respond`] works in the order SWAPI's stack does:
//!
//! 1. **Route** the percent-decoded path. A path that matches nothing, but
//!    would with a trailing `/`, is redirected there (`301`, absolute
//!    `Location`, query kept). Anything else unknown is an HTML `404`.
//! 2. **Check the method**: `GET`, `HEAD` and `OPTIONS` only, else `405`.
//! 3. **Negotiate**: `?format=json` or `?format=wookiee` (any other format
//!    is a `404`), and an `Accept` that admits JSON (else `406`).
//! 4. **Build the body**: the root, a page of a list, one record, a schema,
//!    or for `OPTIONS` a description of the view. A missing record or page
//!    is `404 {"detail":"Not found"}`.
//! 5. **Finish**: an `ETag`, and `304` if `If-None-Match` already has it;
//!    `Access-Control-Allow-Origin: *` under `/api/`; no body for `HEAD`;
//!    `Connection: close` when the connection will close.

use serde_json::{json, Map, Value};

use super::dataset::Dataset;
use super::pagination::Page;
use super::query::{decode_component, Query};
use super::request::{Request, Version};
use super::response::Response;
use super::{etag, records, schema, search, wookiee, Resource};

/// The methods every API route allows, as SWAPI lists them in `Allow`.
const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";

/// The `404` body of the API.
const NOT_FOUND: &str = "Not found";

/// The `404` page for paths outside the API's URL scheme.
const NOT_FOUND_PAGE: &str =
    "<h1>Not Found</h1><p>The requested URL was not found on this server.</p>\n";

/// Answers `request` from `dataset`, exactly as swapi.dev would (see the
/// module documentation for the steps). Never fails: every problem with the
/// request is an HTTP answer.
pub fn respond(dataset: &Dataset, request: &Request) -> Response {
    let mut response = answer(dataset, request);
    if request.path().starts_with("/api/") {
        response.set_header("Access-Control-Allow-Origin", "*");
    }
    if request.method == "HEAD" {
        response.remove_body();
    }
    if !request.keep_alive {
        response.close_connection();
    } else if request.version == Version::Http10 {
        response.set_header("Connection", "keep-alive");
    }
    response
}

/// The URLs SWAPI answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// A route served by the API framework.
    Api(ApiRoute),
    /// `/api/<resource>/schema` (no trailing slash), served by a plain view.
    Schema(Resource),
}

/// The routes served by SWAPI's API framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiRoute {
    /// `/api/`
    Root,
    /// `/api/<resource>/`
    List(Resource),
    /// `/api/<resource>/<segment>/`, with the id the segment names (`None`
    /// if it names none, like `abc`: that route exists but finds nothing).
    Detail(Resource, Option<u32>),
}

impl Route {
    /// The route a decoded path names, if any.
    fn parse(path: &str) -> Option<Route> {
        let rest = path.strip_prefix("/api/")?;
        if rest.is_empty() {
            return Some(Route::Api(ApiRoute::Root));
        }
        let (name, tail) = rest.split_once('/')?;
        let resource = Resource::from_name(name)?;
        let route = match tail {
            "" => Route::Api(ApiRoute::List(resource)),
            "schema" => Route::Schema(resource),
            _ => {
                let segment = tail.strip_suffix('/')?;
                if segment.is_empty() || segment.contains(['/', '.']) {
                    return None;
                }
                Route::Api(ApiRoute::Detail(resource, parse_id(segment)))
            }
        };
        Some(route)
    }
}

/// An id as the database reads a path segment: optional surrounding spaces,
/// an optional `+`, then digits (so `/api/people/01/` is Luke).
fn parse_id(segment: &str) -> Option<u32> {
    let trimmed = segment.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// How an API body is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Compact JSON, non-ASCII characters unescaped.
    Json,
    /// That JSON, translated to Wookiee.
    Wookiee,
}

/// Steps 1 to 4: everything but the finishing headers.
fn answer(dataset: &Dataset, request: &Request) -> Response {
    let path = decode_component(request.path(), false);
    let Some(route) = Route::parse(&path) else {
        return slash_redirect(request, &path).unwrap_or_else(|| {
            Response::with_body(404, "text/html; charset=utf-8", NOT_FOUND_PAGE.into())
        });
    };
    if !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        let detail = format!("Method \"{}\" not allowed", request.method);
        return api_error(405, &detail, Format::Json);
    }
    match route {
        Route::Schema(resource) => match schema::body(resource) {
            Ok(body) => conditional(request, Response::with_body(200, "application/json", body)),
            Err(_) => internal_error(),
        },
        Route::Api(route) => api_answer(dataset, request, route),
    }
}

/// Step 1's fallback: the `301` to `path` + `/`, if that is a route.
fn slash_redirect(request: &Request, path: &str) -> Option<Response> {
    if path.ends_with('/') || Route::parse(&format!("{path}/")).is_none() {
        return None;
    }
    let mut location = format!("{}{}/", request.origin(), request.path());
    if let Some(query) = request.query().filter(|query| !query.is_empty()) {
        location.push('?');
        location.push_str(query);
    }
    let mut response = Response::with_body(301, "text/html; charset=utf-8", Vec::new());
    response.set_header("Location", location);
    Some(response)
}

/// Steps 3 and 4 for the routes the API framework serves.
fn api_answer(dataset: &Dataset, request: &Request, route: ApiRoute) -> Response {
    let query = Query::parse(request.query().unwrap_or(""));
    let format = match query.get("format") {
        None | Some("json") => Format::Json,
        Some("wookiee") => Format::Wookiee,
        Some(_) => return api_error(404, NOT_FOUND, Format::Json),
    };
    if !accepts_json(request.accept.as_deref()) {
        return api_error(406, "Could not satisfy the request Accept header", format);
    }
    let origin = request.origin();
    let body = if request.method == "OPTIONS" {
        Some(view_description(route))
    } else {
        match route {
            ApiRoute::Root => Some(root(&origin)),
            ApiRoute::List(resource) => list(dataset, resource, &query, &origin),
            ApiRoute::Detail(resource, id) => {
                id.and_then(|id| dataset.render(resource, id, &origin))
            }
        }
    };
    match body {
        Some(body) => conditional(request, api_json(200, &body, format)),
        None => api_error(404, NOT_FOUND, format),
    }
}

/// `GET /api/`: each resource's name mapped to its list URL.
fn root(origin: &str) -> Value {
    let urls = Resource::ALL
        .iter()
        .map(|&r| (r.name().to_owned(), records::list_url(origin, r).into()));
    Value::Object(urls.collect())
}

/// `GET /api/<resource>/`: one page of the records matching `?search=`, or
/// `None` if the requested page does not exist.
fn list(dataset: &Dataset, resource: Resource, query: &Query, origin: &str) -> Option<Value> {
    let terms = search::terms(query.get("search").unwrap_or(""));
    let fields = resource.search_fields();
    let matching: Vec<_> = dataset
        .table(resource)
        .iter()
        .filter(|record| search::matches(record, fields, &terms))
        .collect();
    let page = Page::select(matching.len(), query.get("page"))?;
    let list_url = records::list_url(origin, resource);
    let results: Vec<Value> = matching
        .iter()
        .skip(page.items.start)
        .take(page.items.len())
        .map(|record| records::render(resource, record, origin))
        .collect();
    Some(json!({
        "count": matching.len(),
        "next": page.next_url(&list_url, query),
        "previous": page.previous_url(&list_url, query),
        "results": results,
    }))
}

/// The `OPTIONS` answer: the framework's description of the view.
fn view_description(route: ApiRoute) -> Value {
    let name = match route {
        ApiRoute::Root => "Api Root".to_owned(),
        ApiRoute::List(resource) => format!("{} List", resource.view_name()),
        ApiRoute::Detail(resource, _) => format!("{} Instance", resource.view_name()),
    };
    json!({
        "name": name,
        "description": "",
        "renders": ["application/json", "text/html"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    })
}

/// Whether an `Accept` header admits the JSON the replica serves. Like
/// SWAPI, which answers `text/html` with a browsable page, the replica treats
/// HTML as acceptable (and answers with JSON, having no HTML to offer).
fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return true;
    };
    accept.split(',').any(|range| {
        let mut parts = range
            .split(';')
            .map(|part| part.trim().to_ascii_lowercase());
        let media_type = parts.next().unwrap_or_default();
        let refused = parts.any(|param| {
            param
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        let admits = matches!(
            media_type.as_str(),
            "*/*" | "application/*" | "application/json" | "text/*" | "text/html"
        );
        admits && !refused
    })
}

/// An API response: `body` as compact JSON (or Wookiee), with the headers
/// SWAPI's framework adds to every response.
fn api_json(status: u16, body: &Value, format: Format) -> Response {
    let Ok(mut bytes) = serde_json::to_vec(body) else {
        return internal_error();
    };
    if format == Format::Wookiee {
        bytes = wookiee::translate(&bytes);
    }
    let mut response = Response::with_body(status, "application/json", bytes);
    response.set_header("Allow", ALLOWED_METHODS);
    response.set_header("Vary", "Accept");
    response
}

/// An API error: `{"detail": …}`.
fn api_error(status: u16, detail: &str, format: Format) -> Response {
    let mut body = Map::new();
    body.insert("detail".to_owned(), detail.into());
    api_json(status, &Value::Object(body), format)
}

/// The answer if a body cannot be produced, which the tests rule out.
fn internal_error() -> Response {
    Response::with_body(
        500,
        "text/plain; charset=utf-8",
        b"internal error\n".to_vec(),
    )
}

/// Adds the body's `ETag`, and turns a `GET` or `HEAD` whose `If-None-Match`
/// already names it into an empty `304` keeping the validators.
fn conditional(request: &Request, mut response: Response) -> Response {
    let tag = etag::of(&response.body);
    response.set_header("ETag", tag.as_str());
    let revalidating = matches!(request.method.as_str(), "GET" | "HEAD");
    if !revalidating
        || !request
            .if_none_match
            .as_deref()
            .is_some_and(|h| etag::none_match_hits(h, &tag))
    {
        return response;
    }
    let mut not_modified = Response::new(304);
    for (name, value) in response.headers {
        if !matches!(name, "Content-Type" | "Content-Length") {
            not_modified.set_header(name, value);
        }
    }
    not_modified
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_swapis_url_scheme() {
        use ApiRoute::{Detail, List, Root};
        assert_eq!(Route::parse("/api/"), Some(Route::Api(Root)));
        assert_eq!(
            Route::parse("/api/films/"),
            Some(Route::Api(List(Resource::Films)))
        );
        assert_eq!(
            Route::parse("/api/films/2/"),
            Some(Route::Api(Detail(Resource::Films, Some(2))))
        );
        assert_eq!(
            Route::parse("/api/films/x/"),
            Some(Route::Api(Detail(Resource::Films, None)))
        );
        assert_eq!(
            Route::parse("/api/films/schema/"),
            Some(Route::Api(Detail(Resource::Films, None)))
        );
        assert_eq!(
            Route::parse("/api/films/schema"),
            Some(Route::Schema(Resource::Films))
        );
        for unknown in [
            "/api",
            "/api/films",
            "/api/films/2",
            "/api/films/1.5/",
            "/api/films//",
            "/api/x/",
            "/",
        ] {
            assert_eq!(Route::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn ids_are_read_like_the_database_reads_them() {
        assert_eq!(parse_id("01"), Some(1));
        assert_eq!(parse_id(" +7 "), Some(7));
        for bad in ["", "-1", "1e3", "abc", "99999999999"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn api_bodies_are_compact_and_leave_non_ascii_unescaped() {
        let body = json!({ "name": "Padmé Amidala", "films": [1, 2] });
        let response = api_json(200, &body, Format::Json);
        assert_eq!(
            response.body,
            r#"{"name":"Padmé Amidala","films":[1,2]}"#.as_bytes()
        );
    }

    #[test]
    fn accept_admits_json_html_and_wildcards_unless_refused() {
        for ok in [
            None,
            Some(""),
            Some("application/json"),
            Some("text/html,*/*;q=0.8"),
            Some("APPLICATION/*"),
        ] {
            assert!(accepts_json(ok), "{ok:?}");
        }
        for refused in [
            Some("image/png"),
            Some("application/json;q=0"),
            Some("text/plain"),
        ] {
            assert!(!accepts_json(refused), "{refused:?}");
        }
    }
}
