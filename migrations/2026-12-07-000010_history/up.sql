-- Records that predate the system (docs/domain.md, "Records that predate the system").

-- Implementation-report cycles that end before this date owe nothing (neither
-- missing nor late). NULL: the start of the in-force period. Set by an import
-- (the bureau's own date, or the run's history_from); later only by an ADMIN,
-- with a reason, audited.
ALTER TABLE agreements ADD COLUMN reports_owed_from date
    CHECK (reports_owed_from BETWEEN DATE '1900-01-01' AND DATE '2199-12-31');

-- A stage an import assumed done on its due date because the due date was
-- before the run's history_from: the import run's name (importRuns/{id}).
ALTER TABLE agreement_stages ADD COLUMN assumed_by text;

-- The date an import run assumes the bureau's history from (NULL: nothing assumed),
-- and how many stages it assumed done.
ALTER TABLE import_runs ADD COLUMN history_from date
    CHECK (history_from BETWEEN DATE '1900-01-01' AND DATE '2199-12-31');
ALTER TABLE import_runs ADD COLUMN assumed bigint NOT NULL DEFAULT 0;

-- An import's report lists each assumption with the outcome ASSUMED.
ALTER TABLE import_rows DROP CONSTRAINT import_rows_outcome_check;
ALTER TABLE import_rows ADD CONSTRAINT import_rows_outcome_check
    CHECK (outcome IN ('INVALID', 'CONFLICT', 'UPDATED', 'UNCHANGED', 'ASSUMED'));

-- Units of measure by their Indonesian names too (what a person reads).
ALTER TABLE measurement_units ADD COLUMN name_id text NOT NULL DEFAULT '';
UPDATE measurement_units SET name_id = CASE code
    WHEN 'IDR' THEN 'Rupiah' WHEN 'PERSON' THEN 'Orang' WHEN 'UNIT' THEN 'Unit'
    WHEN 'PERCENT' THEN 'Persen' WHEN 'KM' THEN 'Kilometer' WHEN 'HECTARE' THEN 'Hektare'
    WHEN 'TONNE' THEN 'Ton' WHEN 'KWH' THEN 'Kilowatt-jam' WHEN 'DOCUMENT' THEN 'Dokumen'
    WHEN 'ACTIVITY' THEN 'Kegiatan' WHEN 'VISIT' THEN 'Kunjungan' WHEN 'OTHER' THEN 'Lainnya'
    ELSE name END;
