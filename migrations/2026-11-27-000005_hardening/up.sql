-- Hardening (issue 8).

-- Keys shared by every replica: `page_tokens` signs page tokens (HMAC-SHA256).
-- region_code is always NULL: these belong to the deployment.
CREATE TABLE server_keys (
    name         text PRIMARY KEY,
    region_code  region_code,
    key          bytea NOT NULL CHECK (length(key) >= 32),
    create_time  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO server_keys (name, key)
VALUES ('page_tokens',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- A unit officer is always bound to its unit's region.
UPDATE api_tokens AS t
SET region_code = u.region_code
FROM units AS u
WHERE t.role = 'UNIT_OFFICER' AND t.region_code IS NULL AND u.code = t.unit_code;
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_officer_region_check
    CHECK (role <> 'UNIT_OFFICER' OR region_code IS NOT NULL);

-- Every business date lies in 1900-01-01 .. 2199-12-31, the range the API
-- accepts. NOT VALID: enforced on every new write without failing the
-- migration over a row written before the rule existed.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT table_name, column_name
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type = 'date'
        ORDER BY table_name, column_name
    LOOP
        EXECUTE format(
            'ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I BETWEEN DATE ''1900-01-01'' AND DATE ''2199-12-31'') NOT VALID',
            c.table_name, left(c.table_name || '_' || c.column_name || '_range', 63), c.column_name);
    END LOOP;
END
$$;
