-- Issue 17: the encounters a build may still bill, kept as they change, so that finding them
-- (the scrub's and the build's work) costs what there is to bill, not what was ever billed.
--
-- Invariant: a row exists exactly for each encounter without a primary claim in force (a claim of
-- responsibility 'P' that is not re-billed, see claims_not_rebilled). The triggers keep it inside
-- the transaction that changes either side; claims are never deleted.
CREATE TABLE unbilled_encounters (
    encounter_id TEXT NOT NULL PRIMARY KEY REFERENCES encounters (id) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO unbilled_encounters (encounter_id)
    SELECT e.id FROM encounters e
    WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = e.id AND c.responsibility = 'P');

-- A new encounter has no claim.
CREATE TRIGGER unbilled_on_import AFTER INSERT ON encounters
BEGIN
    INSERT OR IGNORE INTO unbilled_encounters (encounter_id)
        SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c
            WHERE c.encounter_id = NEW.id AND c.responsibility = 'P');
END;

-- A primary claim bills its encounter.
CREATE TRIGGER unbilled_on_claim AFTER INSERT ON claims WHEN NEW.responsibility = 'P'
BEGIN
    DELETE FROM unbilled_encounters WHERE encounter_id = NEW.encounter_id;
END;

-- A primary claim marked for re-billing leaves its encounter to bill again, unless another
-- primary claim of it is in force.
CREATE TRIGGER unbilled_on_rebill AFTER INSERT ON claim_rebills
BEGIN
    INSERT OR IGNORE INTO unbilled_encounters (encounter_id)
        SELECT c.encounter_id FROM claims c WHERE c.pcn = NEW.pcn AND c.responsibility = 'P'
            AND NOT EXISTS (SELECT 1 FROM claims_not_rebilled o
                WHERE o.encounter_id = c.encounter_id AND o.responsibility = 'P');
END;
