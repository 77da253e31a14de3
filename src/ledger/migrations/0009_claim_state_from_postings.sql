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
--    move only submitted, accepted and rejected claims), so a posted state always wins. Each
--    state column is one primary-key lookup (scalar subqueries, not a join: SQLite flattens such
--    a view into any query that reads it, also as the right side of a LEFT JOIN).
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
    COALESCE((SELECT s.status FROM claim_state s WHERE s.pcn = c.pcn), c.status),
    COALESCE((SELECT s.payer_claim_number FROM claim_state s WHERE s.pcn = c.pcn), c.payer_claim_number),
    COALESCE((SELECT s.paid_amount FROM claim_state s WHERE s.pcn = c.pcn), c.paid_amount),
    COALESCE((SELECT s.patient_responsibility FROM claim_state s WHERE s.pcn = c.pcn), c.patient_responsibility),
    c.submitted_at,
    MAX(c.updated_at, COALESCE((SELECT s.updated_at FROM claim_state s WHERE s.pcn = c.pcn), ''))
FROM billed_claims c;
