-- Issue 17: the encounters a build may still bill, kept as they change, so that finding them
-- (the scrub's and the build's work) costs what there is to bill, not what was ever billed.
--
-- Invariant: a row exists exactly for each encounter without a primary claim in force (a claim of
-- responsibility 'P' that is not re-billed, see claims_not_rebilled). The ledger keeps it in the
-- transaction that changes either side (src/ledger: encounters::store inserts the row of a new
-- encounter, batches::record_claim removes it, rebill::mark puts it back); claims are never
-- deleted.
CREATE TABLE unbilled_encounters (
    encounter_id TEXT NOT NULL PRIMARY KEY REFERENCES encounters (id) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO unbilled_encounters (encounter_id)
    SELECT e.id FROM encounters e
    WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = e.id AND c.responsibility = 'P');
