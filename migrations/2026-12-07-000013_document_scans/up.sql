-- Virus scanning of the archive's files through clamd (docs/archive.md):
-- NOT_SCANNED when no scanner was configured at upload (served as before),
-- PENDING while the scanner could not be reached (never served until it is
-- scanned), CLEAN, INFECTED (never served; the signature is kept). The
-- status belongs to the content: every version holding the same SHA-256
-- carries the same verdict.
ALTER TABLE document_files
    ADD COLUMN scan_status text NOT NULL DEFAULT 'NOT_SCANNED'
        CHECK (scan_status IN ('NOT_SCANNED', 'PENDING', 'CLEAN', 'INFECTED')),
    ADD COLUMN scan_signature text,
    ADD COLUMN scan_time timestamptz,
    ADD CONSTRAINT document_files_infected_named
        CHECK ((scan_status = 'INFECTED') = (scan_signature IS NOT NULL));
-- What the scanner still has to look at.
CREATE INDEX document_files_unscanned ON document_files (sha256)
    WHERE scan_status IN ('NOT_SCANNED', 'PENDING');
