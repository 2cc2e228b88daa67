DROP INDEX document_files_unscanned;
ALTER TABLE document_files
    DROP CONSTRAINT document_files_infected_named,
    DROP COLUMN scan_time,
    DROP COLUMN scan_signature,
    DROP COLUMN scan_status;
