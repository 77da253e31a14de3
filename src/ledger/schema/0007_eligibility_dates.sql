-- Issue 19: the dates a 271 gives with its answer, so the scrub judges every date of service by
-- what the payer said (not only the date asked about). NULL: the payer gave no such date.
ALTER TABLE eligibility_answers ADD COLUMN covered_from TEXT;   -- plan/eligibility begin (DTP*346/356, RD8 291/307)
ALTER TABLE eligibility_answers ADD COLUMN covered_to TEXT;     -- plan/eligibility end (DTP*347/357)
ALTER TABLE eligibility_answers ADD COLUMN inactive_from TEXT;  -- period of an inactive benefit (EB*6 + DTP)
ALTER TABLE eligibility_answers ADD COLUMN inactive_to TEXT;
