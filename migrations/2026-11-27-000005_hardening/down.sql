DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT table_name, column_name
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type = 'date'
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I',
            c.table_name, left(c.table_name || '_' || c.column_name || '_range', 63));
    END LOOP;
END
$$;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_officer_region_check;
DROP TABLE server_keys;
