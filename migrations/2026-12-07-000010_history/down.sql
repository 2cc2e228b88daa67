ALTER TABLE measurement_units DROP COLUMN name_id;
DELETE FROM import_rows WHERE outcome = 'ASSUMED';
ALTER TABLE import_rows DROP CONSTRAINT import_rows_outcome_check;
ALTER TABLE import_rows ADD CONSTRAINT import_rows_outcome_check
    CHECK (outcome IN ('INVALID', 'CONFLICT', 'UPDATED', 'UNCHANGED'));
ALTER TABLE import_runs DROP COLUMN assumed;
ALTER TABLE import_runs DROP COLUMN history_from;
ALTER TABLE agreement_stages DROP COLUMN assumed_by;
ALTER TABLE agreements DROP COLUMN reports_owed_from;
