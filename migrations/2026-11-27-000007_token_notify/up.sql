-- Servers cache resolved tokens for a moment; any change to a token
-- (revocation above all) tells every server at once, whichever process or
-- session made it, so a revoked token stops working everywhere.
CREATE FUNCTION api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kerjasama_api_tokens', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_changed
AFTER UPDATE OR DELETE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION api_tokens_changed();
