-- Report runs as a durable queue: any process claims the oldest QUEUED run
-- (FOR UPDATE SKIP LOCKED), holds a lease it renews while computing, and a
-- run whose lease expired is queued again (or FAILED after max_attempts).
ALTER TABLE report_runs
    ADD COLUMN attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
    ADD COLUMN lease_owner      text,
    ADD COLUMN lease_expires_at timestamptz,
    ADD CHECK (state <> 'RUNNING' OR lease_expires_at IS NOT NULL OR attempts = 0);
CREATE INDEX report_runs_queued_idx ON report_runs (create_time, id) WHERE state = 'QUEUED';
CREATE INDEX report_runs_leases_idx ON report_runs (lease_expires_at) WHERE state = 'RUNNING';
-- Runs left RUNNING before leases existed: their lease is over now.
UPDATE report_runs SET lease_expires_at = now(), attempts = 1 WHERE state = 'RUNNING';
