-- claimkit: writable-schema
-- CHECK constraints as OR chains instead of IN lists of three or more values.
--
-- SQLite checks `col IN ('a', 'b', 'c')` through a temporary B-tree it builds at every run of an
-- INSERT (see migrations 5, 7 and 9, which wrote their new tables' checks as OR chains): for a
-- statement run once per row that is an allocation of its pages, often faulted in anew, per row.
-- Acknowledging a 277CA of 48,000 claims took 5.2 s and importing 100,000 CSV lines spent a sixth
-- of its time there (acknowledgments and encounters have two such lists each); code set imports
-- (NCCI, MUE), scrub findings and remittance findings paid it per row too.
--
-- An equivalent constraint changes nothing stored, so instead of copying every table the text of
-- each constraint is rewritten in place (SQLite's documented procedure for changing constraints:
-- the migration runs with writable_schema on and bumps the schema version; the runner then reads
-- every table's definition back before it commits). A ledger whose text differs (none written by
-- claimkit does) keeps its constraint: the same rule, only slower.
UPDATE sqlite_master SET sql = replace(sql, 'kind IN (''ISA13'', ''GS06'', ''ST02'')', '(kind = ''ISA13'' OR kind = ''GS06'' OR kind = ''ST02'')')
WHERE type = 'table' AND name = 'control_numbers';
UPDATE sqlite_master SET sql = replace(sql, 'source_format IN (''csv'', ''fhir'', ''hl7v2'')', '(source_format = ''csv'' OR source_format = ''fhir'' OR source_format = ''hl7v2'')')
WHERE type = 'table' AND name = 'encounters';
UPDATE sqlite_master SET sql = replace(sql, 'scrub_status IN (''clean'', ''warning'', ''error'')', '(scrub_status = ''clean'' OR scrub_status = ''warning'' OR scrub_status = ''error'')')
WHERE type = 'table' AND name = 'encounters';
UPDATE sqlite_master SET sql = replace(sql, 'severity IN (''error'', ''warning'', ''info'')', '(severity = ''error'' OR severity = ''warning'' OR severity = ''info'')')
WHERE type = 'table' AND name = 'scrub_findings';
UPDATE sqlite_master SET sql = replace(sql, 'kind IN (''cpt'', ''hcpcs'', ''ncci-ptp'', ''mue'', ''fee-schedule'', ''carc'', ''rarc'')', '(kind = ''cpt'' OR kind = ''hcpcs'' OR kind = ''ncci-ptp'' OR kind = ''mue'' OR kind = ''fee-schedule'' OR kind = ''carc'' OR kind = ''rarc'')')
WHERE type = 'table' AND name = 'code_imports';
UPDATE sqlite_master SET sql = replace(sql, 'modifier_indicator IN (0, 1, 9)', '(modifier_indicator = 0 OR modifier_indicator = 1 OR modifier_indicator = 9)')
WHERE type = 'table' AND name = 'code_ncci_ptp';
UPDATE sqlite_master SET sql = replace(sql, 'adjudication_indicator IN (1, 2, 3)', '(adjudication_indicator = 1 OR adjudication_indicator = 2 OR adjudication_indicator = 3)')
WHERE type = 'table' AND name = 'code_mue';
UPDATE sqlite_master SET sql = replace(sql, 'level IN (''file'', ''transaction'', ''claim'', ''line'')', '(level = ''file'' OR level = ''transaction'' OR level = ''claim'' OR level = ''line'')')
WHERE type = 'table' AND name = 'remittance_findings';
UPDATE sqlite_master SET sql = replace(sql, 'kind IN (''TA1'', ''999'', ''277CA'')', '(kind = ''TA1'' OR kind = ''999'' OR kind = ''277CA'')')
WHERE type = 'table' AND name = 'acknowledgments';
UPDATE sqlite_master SET sql = replace(sql, 'verdict IN (''accepted'', ''accepted_with_errors'', ''rejected'', ''other'')', '(verdict = ''accepted'' OR verdict = ''accepted_with_errors'' OR verdict = ''rejected'' OR verdict = ''other'')')
WHERE type = 'table' AND name = 'acknowledgments';
