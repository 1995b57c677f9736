-- Visits' after-visit summaries and other documents (DocumentReference), care plans whose
-- tasks are the plan's activities (CarePlan), goals (Goal) and care teams (CareTeam) are record
-- items like the rest: the FHIR resource itself plus the fields the pages sort and filter by.
alter table record_item drop constraint record_item_resource_type_check;
alter table record_item add constraint record_item_resource_type_check check (resource_type in
    ('Condition', 'AllergyIntolerance', 'MedicationRequest', 'Immunization', 'Observation',
     'DiagnosticReport', 'Encounter', 'DocumentReference', 'CarePlan', 'Goal', 'CareTeam'));

-- A document about a visit names it in `context.encounter` (as `urn:uuid:<item id>`, the form
-- every stored reference takes); the visits page finds each visit's summary by it.
create index record_item_document_encounter_idx
    on record_item ((resource #>> '{context,encounter,0,reference}'))
    where resource_type = 'DocumentReference';
