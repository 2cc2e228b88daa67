//! Hot statements with their SQL text rendered once.
//!
//! diesel-async renders a statement's SQL text on every execution, before it
//! looks the prepared statement up in its cache; for GetAgreement that was a
//! fifth of the server's instructions (BENCHMARKS.md, "Where the time goes":
//! the agreement row has 28 columns, each identifier quoted again on every
//! call). [`Prerendered`] wraps a diesel query whose type fixes its SQL (a
//! static query id) and hands diesel-async the text rendered the first time
//! that type was seen; the binds are still collected from the query itself,
//! so values, order and types stay diesel's. The query stays diesel's query
//! builder: only its rendering is remembered.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use diesel::pg::{Pg, PgQueryBuilder};
use diesel::query_builder::{AstPass, Query, QueryBuilder, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// The SQL of each prerendered query type (a handful: one per call site).
static RENDERED: LazyLock<RwLock<HashMap<TypeId, &'static str>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// A query sent with its type's SQL text rendered once.
pub(crate) struct Prerendered<Q> {
    query: Q,
    sql: &'static str,
}

impl<Q> Prerendered<Q>
where
    Q: QueryFragment<Pg> + QueryId + 'static,
{
    /// Wraps `query`, whose type must fix its SQL text on PostgreSQL: no
    /// boxed parts, no SQL literal (`eq_any` qualifies: it renders
    /// `= ANY($n)` with one array bind, whatever the list's length).
    pub(crate) fn new(query: Q) -> QueryResult<Self> {
        let key = TypeId::of::<Q>();
        let known = RENDERED.read().ok().and_then(|m| m.get(&key).copied());
        let sql = match known {
            Some(sql) => sql,
            None => {
                let mut builder = PgQueryBuilder::default();
                query.to_sql(&mut builder, &Pg)?;
                let sql: &'static str = Box::leak(builder.finish().into_boxed_str());
                if let Ok(mut map) = RENDERED.write() {
                    map.entry(key).or_insert(sql);
                }
                sql
            }
        };
        Ok(Self { query, sql })
    }
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prerendered<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass)
    }

    fn to_sql(&self, out: &mut PgQueryBuilder, _backend: &Pg) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<Q: QueryId> QueryId for Prerendered<Q> {
    type QueryId = Q::QueryId;
    const HAS_STATIC_QUERY_ID: bool = Q::HAS_STATIC_QUERY_ID;
}

impl<Q: Query> Query for Prerendered<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::agreements;
    use diesel::prelude::*;

    fn rendered<Q: QueryFragment<Pg>>(query: &Q) -> String {
        let mut builder = PgQueryBuilder::default();
        query.to_sql(&mut builder, &Pg).unwrap();
        builder.finish()
    }

    #[test]
    fn the_text_is_the_first_rendering_of_the_type_and_the_binds_the_query_own() {
        let query = |id: uuid::Uuid| agreements::table.find(id).select(agreements::title);
        let first = Prerendered::new(query(uuid::Uuid::nil())).unwrap();
        let second = Prerendered::new(query(uuid::Uuid::max())).unwrap();
        assert_eq!(rendered(&second), rendered(&query(uuid::Uuid::max())));
        assert!(std::ptr::eq(first.sql, second.sql), "rendered once");
        assert!(rendered(&second).contains("$1"));
    }

    #[test]
    fn a_list_of_any_length_is_one_array_bind() {
        let query = |ids: Vec<uuid::Uuid>| {
            agreements::table
                .filter(agreements::id.eq_any(ids))
                .select(agreements::title)
        };
        let one = rendered(&query(vec![uuid::Uuid::nil()]));
        let three = rendered(&query(vec![uuid::Uuid::nil(); 3]));
        assert_eq!(one, three);
        assert!(one.contains("= ANY($1)"), "{one}");
    }
}
