-- Scans filed by an import (`kerjasama import FILE --documents DIR`).

-- A document whose file is kept in the register's own archive needs no link
-- to a copy elsewhere: its uri may be empty (the import files scans this way).
ALTER TABLE agreement_documents DROP CONSTRAINT agreement_documents_uri_check;
ALTER TABLE agreement_documents ADD CONSTRAINT agreement_documents_uri_check
    CHECK (length(uri) <= 2000);

-- An import's report lists each scan it filed (`--documents`) as FILED.
ALTER TABLE import_rows DROP CONSTRAINT import_rows_outcome_check;
ALTER TABLE import_rows ADD CONSTRAINT import_rows_outcome_check
    CHECK (outcome IN ('INVALID', 'CONFLICT', 'UPDATED', 'UNCHANGED', 'ASSUMED', 'FILED'));
