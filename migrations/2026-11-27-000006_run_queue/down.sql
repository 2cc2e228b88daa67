DROP INDEX report_runs_leases_idx;
DROP INDEX report_runs_queued_idx;
ALTER TABLE report_runs
    DROP COLUMN lease_expires_at,
    DROP COLUMN lease_owner,
    DROP COLUMN max_attempts,
    DROP COLUMN attempts;
