-- Lists filtered by unit or region walk these in create_time order, and a
-- page token's keyset, `(create_time, id) < (…)`, is an index bound: a deep
-- page costs what the first one does.
CREATE INDEX agreements_unit_create_idx ON agreements (unit_code, create_time, id);
CREATE INDEX agreements_region_create_idx ON agreements (region_code, create_time, id);
DROP INDEX agreements_unit_idx;
DROP INDEX agreements_region_idx;
