DROP INDEX agreement_parties_name_trgm;
DROP INDEX agreements_number_trgm;
DROP INDEX agreements_title_trgm;
