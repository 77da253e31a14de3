-- A claim's state after the 835s is kept in a narrow table of its own instead of its billing row.
--
-- Until now every claim payment also rewrote its claim's row: nineteen columns decoded and written
-- back, rows that grow (a payer claim number, a longer paid amount) splitting their pages, and for
-- a 100,000-claim 835 every page of the claims table (16 MB) written twice, WAL then checkpoint:
-- about a fifth of the posting's time. What a posting changes now goes to claim_state, a row of
-- five short values per claim (6 MB for 100,000 claims).
--
-- 1. The table is renamed billed_claims: what billing wrote and acknowledgments change (status
--    submitted/accepted/rejected/voided, the 277CA's payer claim number). SQLite renames the
--    references of claim_lines, claim_events, claim_payments and acknowledgments, and the view
--    claim_history, with it. For claims posted before this migration its status, paid amount,
--    patient responsibility and payer claim number are still what the postings left.
-- 2. claim_state: one row per claim a posting matched, written by every posting to it (status,
--    net paid, net patient responsibility, the latest CLP07 it carried, when). No foreign key on
--    purpose, as encounter_scrubs (migration 7): every reader goes through billed_claims.
-- 3. claims is a view with the columns the table had: a claim's state is its claim_state row's
--    where it has one (a payer claim number only where the posting carried one), else its own.
--    Acknowledgments never move a claim that has been paid, denied, reversed or forwarded (they
--    move only submitted, accepted and rejected claims), so a posted state always wins. One
--    primary-key lookup in claim_state per claim read (a LEFT JOIN, as encounter_scrub_state in
--    migration 7; a view of one scalar subquery per column looked it up four times, and a report
--    over 100,000 posted claims took a third longer). SQLite flattens the view into a query that
--    reads it, except as the right side of a LEFT JOIN, which no query of claimkit's does.
ALTER TABLE claims RENAME TO billed_claims;

CREATE TABLE claim_state (
    pcn TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status = 'paid' OR status = 'partially_paid' OR status = 'denied'
        OR status = 'reversed' OR status = 'forwarded'),
    paid_amount TEXT NOT NULL,          -- net of all postings so far
    patient_responsibility TEXT NOT NULL,
    payer_claim_number TEXT,            -- the latest CLP07 a posting carried
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIEW claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02,
    encounter_hash, patient_id, first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount,
    patient_responsibility, submitted_at, updated_at) AS
SELECT c.pcn, c.encounter_id, c.payer_id, c.responsibility, c.frequency, c.replaces_pcn, c.batch_id, c.st02,
    c.encounter_hash, c.patient_id, c.first_dos, c.last_dos, c.total_charge,
    COALESCE(s.status, c.status), COALESCE(s.payer_claim_number, c.payer_claim_number),
    COALESCE(s.paid_amount, c.paid_amount), COALESCE(s.patient_responsibility, c.patient_responsibility),
    c.submitted_at, MAX(c.updated_at, COALESCE(s.updated_at, ''))
FROM billed_claims c LEFT JOIN claim_state s ON s.pcn = c.pcn;
