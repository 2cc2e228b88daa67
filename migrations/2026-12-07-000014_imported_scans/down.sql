ALTER TABLE agreement_documents DROP CONSTRAINT agreement_documents_uri_check;
ALTER TABLE agreement_documents ADD CONSTRAINT agreement_documents_uri_check
    CHECK (length(uri) BETWEEN 1 AND 2000);
DELETE FROM import_rows WHERE outcome = 'FILED';
ALTER TABLE import_rows DROP CONSTRAINT import_rows_outcome_check;
ALTER TABLE import_rows ADD CONSTRAINT import_rows_outcome_check
    CHECK (outcome IN ('INVALID', 'CONFLICT', 'UPDATED', 'UNCHANGED', 'ASSUMED'));
