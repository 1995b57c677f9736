-- Items whose code is in a confidential category (mental health, pregnancy and reproduction,
-- sexually transmitted infections and HIV) are confidential whatever their label said: from now
-- on `records::fhir::sensitive` marks them when they are written; this marks those already kept,
-- with the same lists.
update record_item
set confidential = true
where not confidential
  and ((code_system = 'http://hl7.org/fhir/sid/icd-10-cm'
        and (upper(code) like any (array['F%', 'O%', 'Z30%', 'Z31%', 'Z32%', 'Z33%', 'Z34%', 'Z35%',
                                         'Z36%', 'Z37%', 'Z39%', 'A5%', 'A60%', 'A63%', 'A64%',
                                         'B20%', 'Z21%'])))
    or (code_system = 'http://loinc.org'
        and code in ('75622-1', '7917-8', '5221-7', '56888-1', '68961-2', '21613-5', '43304-5',
                     '24111-7', '43305-2', '20507-0', '22587-0', '2106-3', '2118-8', '19080-1')));
