-- ListAgreements.query finds a piece of text (LIKE '%piece%', lower case)
-- in one maintained column per agreement: its title, its document number and its parties' names, joined
-- by U+001F (a control character no caller's text may hold, so a piece never
-- matches across two of them). One trigram index serves every search; the
-- three indexes of migration 000015 and the per-row party lookup go.
-- Written by every writer of those fields (agreements::create_in and
-- update_in, the synthetic seeder), never left to a default.
ALTER TABLE agreements ADD COLUMN search_text text NOT NULL DEFAULT '';
-- In lower case, so a search is a plain LIKE of the lowered piece (the
-- service lowers with Unicode's rules, `agreements::search_text`; here
-- PostgreSQL's lower() does it for the rows already stored, the same for
-- every letter a register's text has unless the cluster's locale is C and a
-- name has a non-ASCII capital: that row is found by its lower-case spelling
-- until it is next written).
UPDATE agreements AS a SET search_text = lower(a.title || E'\x1f' || a.document_number || coalesce(
    (SELECT string_agg(E'\x1f' || p.name, '' ORDER BY p.position)
       FROM agreement_parties AS p WHERE p.agreement_id = a.id), ''));
ALTER TABLE agreements ALTER COLUMN search_text DROP DEFAULT;
CREATE INDEX agreements_search_text_trgm ON agreements USING gin (search_text gin_trgm_ops);
DROP INDEX agreements_title_trgm;
DROP INDEX agreements_number_trgm;
DROP INDEX agreement_parties_name_trgm;
-- The planner reads a `%piece%` pattern's share off the column's histogram:
-- a finer one tells a piece in one agreement in 200 from a rarer one.
ALTER TABLE agreements ALTER COLUMN search_text SET STATISTICS 1000;
