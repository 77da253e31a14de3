-- A claim's state after the 835s is read from its postings instead of written into its row.
--
-- Until now every claim payment also rewrote its claim's row (status, paid amount, patient
-- responsibility, payer claim number): for a 100,000-claim 835 that was every page of the claims
-- table dirtied, split (the rows grow) and written twice (WAL, then the checkpoint), about a fifth
-- of the posting's time. The claim payment row already carries the claim's status and paid amount
-- after it (migration 5); it now carries the patient responsibility after it too, and the claim's
-- current state is the newest of its claim payments, or what billing and acknowledgments left.
--
-- 1. The table is renamed billed_claims: what billing wrote and acknowledgments changed (status
--    submitted/accepted/rejected/voided, the 277CA's payer claim number). Its status, paid_amount,
--    patient_responsibility and payer_claim_number are the state before any posting; postings no
--    longer write them. (SQLite renames the references of claim_lines, claim_events,
--    claim_payments, acknowledgments and the views with it.)
-- 2. claims is a view with the same columns: a claim with a matched claim payment takes status,
--    paid amount and patient responsibility from its newest one (by id, the posting order) and the
--    payer claim number from the newest one that has a CLP07; a claim without keeps billed_claims'.
--    Acknowledgments never move a claim that has been paid, denied, reversed or forwarded (ack
--    moves only submitted, accepted and rejected claims), so the newest posting always wins.
--    Each lookup is one seek in claim_payments_pcn (matched_pcn, then id).
-- 3. Ledgers posted before this migration: each claim's newest claim payment gets the patient
--    responsibility its claims row held (older ones are never read for it).
ALTER TABLE claim_payments ADD COLUMN claim_patient_responsibility_after TEXT;

UPDATE claim_payments
SET claim_patient_responsibility_after = (SELECT c.patient_responsibility FROM claims c WHERE c.pcn = claim_payments.matched_pcn)
WHERE id IN (SELECT MAX(id) FROM claim_payments WHERE matched_pcn IS NOT NULL GROUP BY matched_pcn);

ALTER TABLE claims RENAME TO billed_claims;

CREATE VIEW claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02,
    encounter_hash, patient_id, first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount,
    patient_responsibility, submitted_at, updated_at) AS
SELECT c.pcn, c.encounter_id, c.payer_id, c.responsibility, c.frequency, c.replaces_pcn, c.batch_id, c.st02,
    c.encounter_hash, c.patient_id, c.first_dos, c.last_dos, c.total_charge,
    COALESCE((SELECT p.claim_status_after FROM claim_payments p WHERE p.matched_pcn = c.pcn ORDER BY p.id DESC LIMIT 1),
        c.status),
    COALESCE((SELECT p.payer_claim_number FROM claim_payments p
              WHERE p.matched_pcn = c.pcn AND p.payer_claim_number IS NOT NULL ORDER BY p.id DESC LIMIT 1),
        c.payer_claim_number),
    COALESCE((SELECT p.claim_paid_after FROM claim_payments p WHERE p.matched_pcn = c.pcn ORDER BY p.id DESC LIMIT 1),
        c.paid_amount),
    COALESCE((SELECT p.claim_patient_responsibility_after FROM claim_payments p
              WHERE p.matched_pcn = c.pcn ORDER BY p.id DESC LIMIT 1),
        c.patient_responsibility),
    c.submitted_at,
    MAX(c.updated_at, COALESCE((SELECT r.posted_at FROM claim_payments p JOIN remittances r ON r.id = p.remittance_id
                                 WHERE p.matched_pcn = c.pcn ORDER BY p.id DESC LIMIT 1), ''))
FROM billed_claims c;
