DROP INDEX agreement_parties_search;
DROP INDEX agreements_search;
DROP TABLE document_texts;
