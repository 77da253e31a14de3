-- The build reads its candidates in the order their encounters were imported (the encounters'
-- rowid order, each wide page read once) instead of CLM01 order (a random page read per claim).
-- The index that served the CLM01-ordered read has no reader left, and every scrub paid an insert
-- into it for each encounter it scrubbed. encounter_scrubs.primary_pcn stays: the CLM01 an
-- encounter's primary claim gets, known before it is billed.
DROP INDEX IF EXISTS encounter_scrubs_pcn;
