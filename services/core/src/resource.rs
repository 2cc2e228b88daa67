//! The scaffolding every stored resource shares, written once: its name
//! (`<collection>/{id}`), its etag (from `version`), parsing its name, and
//! loading one by id (NOT_FOUND naming it). Declared with [`resource!`] next to
//! the record, in this crate or in the pipelines' crates.

/// `resource!(Record, "collection", table)` gives `Record::name`,
/// `Record::etag`, a module-level `parse_name` and a private `load(conn, id)`.
/// The record needs `id: Uuid`, `version: i64`, and diesel's `Selectable` on
/// `table`.
#[macro_export]
macro_rules! resource {
    ($record:ident, $collection:literal, $table:ident) => {
        impl $record {
            /// `<collection>/{id}`.
            pub fn name(&self) -> String {
                format!(concat!($collection, "/{}"), self.id)
            }

            pub fn etag(&self) -> String {
                $crate::etag::of(self.version)
            }
        }

        /// Parses `<collection>/{id}`.
        pub fn parse_name(name: &str) -> Option<::uuid::Uuid> {
            $crate::names::parse_id(name.strip_prefix(concat!($collection, "/"))?)
        }

        /// One record by id, deleted ones too.
        async fn load(
            conn: &mut ::diesel_async::AsyncPgConnection,
            id: ::uuid::Uuid,
        ) -> Result<$record, $crate::CoreError> {
            use ::diesel::prelude::*;
            use ::diesel_async::RunQueryDsl;
            $table::table
                .find(id)
                .select($record::as_select())
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| {
                    $crate::CoreError::not_found(format!(concat!($collection, "/{}"), id))
                })
        }
    };
}
