CREATE INDEX agreements_unit_idx ON agreements (unit_code, create_time);
CREATE INDEX agreements_region_idx ON agreements (region_code, create_time);
DROP INDEX agreements_unit_create_idx;
DROP INDEX agreements_region_create_idx;
