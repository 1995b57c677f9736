//! Demo messaging: three queues (primary care, billing, records) answered by the demo staff,
//! Sam Okafor as the demo family's care navigator, canned replies, and conversations in every
//! state — the demo family's own, and some of the generated patients' so the inbox has work in
//! it, a few overdue, and a receipt attached to a billing question. Times are relative to the
//! day it is loaded. Loading again changes nothing.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

const PRIMARY: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_b001);
const BILLING: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_b002);
const RECORDS: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_b003);

/// A queue: id, slug, English name, Spanish name, topics, reply target in hours.
type Queue = (
    Uuid,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    i32,
);

const QUEUES: [Queue; 3] = [
    (
        PRIMARY,
        "primary-care",
        "Primary care team",
        "Equipo de atención primaria",
        &["clinician", "appointment", "renewal", "other"],
        24,
    ),
    (
        BILLING,
        "billing",
        "Billing office",
        "Oficina de facturación",
        &["billing"],
        48,
    ),
    (
        RECORDS,
        "records",
        "Health records",
        "Expedientes médicos",
        &["records"],
        72,
    ),
];

const CANNED: [(&str, &str, &str); 3] = [
    (
        "Visit booked",
        "Hi {first_name}, we have booked a visit with {clinician}. You can see it under Visits.",
        "Hola, {first_name}: reservamos una consulta con {clinician}. Puede verla en Consultas.",
    ),
    (
        "Renewal sent",
        "Hi {first_name}, {clinician} approved the renewal and it has been sent to your pharmacy.",
        "Hola, {first_name}: {clinician} aprobó la renovación y la enviamos a su farmacia.",
    ),
    (
        "Please call us",
        "Hi {first_name}, this is easier to sort out by phone. Please call us during opening hours.",
        "Hola, {first_name}: es más fácil resolverlo por teléfono. Llámenos en horario de atención.",
    ),
];

/// A demo conversation: topic, subject, queue, final status, how long ago it started (hours),
/// and its messages as (from staff, internal, hours after the start, text).
type Script = (
    &'static str,
    &'static str,
    Uuid,
    &'static str,
    i64,
    &'static [(bool, bool, i64, &'static str)],
);

/// Maria's billing question, which comes with her payment receipt.
const BILL_QUESTION: &str = "Recibí una factura que creo que ya pagué. ¿Pueden revisarla?";

const FAMILY_SCRIPTS: [(&str, Script); 4] = [
    (
        "00000000-0000-4000-8000-00000000a001",
        (
            "clinician",
            "Presión arterial alta en casa",
            PRIMARY,
            "in_progress",
            30,
            &[
                (false, false, 0, "Esta semana mi presión en casa ha estado en 150/95 por las mañanas. ¿Debo cambiar algo?"),
                (true, true, 2, "Revisar con la Dra. Ruiz la dosis actual antes de contestar."),
                (true, false, 3, "Gracias por avisarnos. La doctora revisará sus lecturas hoy; siga tomándola y anotando los valores."),
            ],
        ),
    ),
    (
        "00000000-0000-4000-8000-00000000a001",
        (
            "renewal",
            "Renovar receta de lisinopril",
            PRIMARY,
            "done",
            24 * 12,
            &[
                (false, false, 0, "Me quedan cinco pastillas. ¿Pueden renovar la receta?"),
                (true, false, 5, "Hola, Maria: la doctora aprobó la renovación y la enviamos a su farmacia."),
            ],
        ),
    ),
    (
        "00000000-0000-4000-8000-00000000a001",
        (
            "billing",
            "Factura de mi última consulta",
            BILLING,
            "received",
            24 * 3,
            &[(false, false, 0, BILL_QUESTION)],
        ),
    ),
    (
        "00000000-0000-4000-8000-00000000a002",
        (
            "appointment",
            "Consulta para Leo por la tarde",
            PRIMARY,
            "waiting",
            50,
            &[
                (false, false, 0, "Leo sale del colegio a las 3. ¿Puede ser su revisión por la tarde?"),
                (true, false, 6, "Claro. ¿Le viene bien el martes a las 3:40 o el jueves a las 4:00?"),
            ],
        ),
    ),
];

const OTHER_SCRIPTS: [Script; 5] = [
    (
        "clinician",
        "Side effects of the new medicine",
        PRIMARY,
        "received",
        6,
        &[(
            false,
            false,
            0,
            "Since I started the new tablets I feel tired after lunch. Is that expected?",
        )],
    ),
    (
        "records",
        "Copy of my vaccination record",
        RECORDS,
        "in_progress",
        24 * 2,
        &[
            (
                false,
                false,
                0,
                "I need a copy of my vaccination record for a new job.",
            ),
            (
                true,
                false,
                20,
                "We are preparing it; it will be in your documents within two days.",
            ),
        ],
    ),
    (
        "appointment",
        "Moving my physical",
        PRIMARY,
        "done",
        24 * 6,
        &[
            (
                false,
                false,
                0,
                "Can I move my physical to a morning next month?",
            ),
            (
                true,
                false,
                3,
                "Done: you are booked for a morning visit. You can see it under Visits.",
            ),
        ],
    ),
    (
        "billing",
        "Question about my statement",
        BILLING,
        "received",
        24 * 4,
        &[(
            false,
            false,
            0,
            "My statement shows two charges for the same day.",
        )],
    ),
    (
        "other",
        "Parking at the Riverside clinic",
        PRIMARY,
        "waiting",
        30,
        &[
            (
                false,
                false,
                0,
                "Is there parking for wheelchair users at Riverside?",
            ),
            (
                true,
                false,
                4,
                "Yes, by the main door. Which day are you coming, so we can reserve a space?",
            ),
        ],
    ),
];

async fn account(conn: &mut PgConnection, email: &str) -> anyhow::Result<Uuid> {
    sqlx::query_scalar("select account_id from account where lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
}

/// Writes one scripted conversation for `patient`, started by `starter`, answered by `staff`.
async fn play(
    conn: &mut PgConnection,
    patient: Uuid,
    starter: Uuid,
    staff: Uuid,
    script: &Script,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (topic, subject, queue, status, hours_ago, messages) = *script;
    let id = Uuid::new_v4();
    let start = now - Duration::hours(hours_ago);
    let at = |h: i64| start + Duration::hours(h);
    let last = messages
        .iter()
        .filter(|m| !m.1)
        .map(|m| m.2)
        .max()
        .unwrap_or(0);
    let first_response = messages.iter().find(|m| m.0 && !m.1).map(|m| at(m.2));
    // The patient's messages after the team's last reply wait for an answer.
    let last_reply = messages.iter().filter(|m| m.0 && !m.1).map(|m| m.2).max();
    let awaiting = messages
        .iter()
        .filter(|m| !m.0 && last_reply.is_none_or(|r| m.2 > r))
        .map(|m| at(m.2))
        .min();
    let assigned = (queue == PRIMARY).then_some(staff);
    sqlx::query(
        "insert into conversation (conversation_id, patient_id, topic, subject, status, queue_id, assigned_to,
                                   started_by, first_response_at, last_message_at, created_at, awaiting_since)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(patient)
    .bind(topic)
    .bind(subject)
    .bind(status)
    .bind(queue)
    .bind(assigned)
    .bind(starter)
    .bind(first_response)
    .bind(at(last))
    .bind(start)
    .bind(awaiting)
    .execute(&mut *conn)
    .await?;
    for (n, (from_staff, internal, h, body)) in messages.iter().enumerate() {
        // Everything but the newest reply has been read by the other side.
        let newest = n + 1 == messages.len();
        let unread = *internal || (newest && *from_staff);
        let read = (!unread).then(|| at(*h + 1));
        sqlx::query(
            "insert into message (message_id, conversation_id, author_id, from_staff, internal, body, read_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::new_v4())
        .bind(id)
        .bind(if *from_staff { staff } else { starter })
        .bind(from_staff)
        .bind(internal)
        .bind(body)
        .bind(read)
        .bind(at(*h))
        .execute(&mut *conn)
        .await?;
    }
    let mut steps = vec![("received", start)];
    if let Some(t) = first_response {
        steps.push(("in_progress", t));
    }
    if status == "waiting" || status == "done" {
        steps.push((status, at(last)));
    }
    for (s, t) in steps {
        sqlx::query(
            "insert into conversation_event (conversation_id, kind, status, actor_id, queue_id, created_at)
             values ($1, 'status', $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(s)
        .bind(if s == "received" { starter } else { staff })
        .bind((s == "received").then_some(queue))
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(a) = assigned {
        sqlx::query(
            "insert into conversation_event (conversation_id, kind, actor_id, assigned_to, created_at)
             values ($1, 'assigned', $2, $2, $3)",
        )
        .bind(id)
        .bind(a)
        .bind(start)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A one-page PDF with `lines` of text (ASCII: the standard font's encoding is Latin-1), as a
/// scanned receipt would be.
fn demo_pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 14 Tf 72 720 Td 20 TL\n");
    for line in lines {
        let escaped = line
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        text.push_str(&format!("({escaped}) '\n"));
    }
    text.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Adds the demo queues, navigator, canned replies and conversations when there are no queues
/// yet; returns how many conversations it wrote.
pub async fn load(pool: &PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    let queues: i64 = sqlx::query_scalar("select count(*) from message_queue")
        .fetch_one(&mut *tx)
        .await?;
    if queues > 0 {
        return Ok(0);
    }
    let sam = account(&mut tx, "staff@example.org").await?;
    let grace = account(&mut tx, "admin@example.org").await?;
    let maria = account(&mut tx, "patient@example.org").await?;
    let first_location: Option<Uuid> = sqlx::query_scalar(
        "select location_id from care_location order by listed desc, created_at limit 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    for (id, slug, en, es, topics, hours) in QUEUES {
        sqlx::query(
            "insert into message_queue (queue_id, slug, name_en, name_es, location_id, topics, response_hours)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(slug)
        .bind(en)
        .bind(es)
        .bind((id == PRIMARY).then_some(first_location).flatten())
        .bind(topics)
        .bind(hours)
        .execute(&mut *tx)
        .await?;
    }
    for (queue, member) in [
        (PRIMARY, sam),
        (RECORDS, sam),
        (BILLING, grace),
        (PRIMARY, grace),
    ] {
        sqlx::query("insert into message_queue_member (queue_id, account_id) values ($1, $2)")
            .bind(queue)
            .bind(member)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "insert into care_navigator (account_id, display_name, title_en, title_es, queue_id)
         values ($1, 'Sam Okafor', 'Care navigator, primary care', 'Coordinador de atención primaria', $2)",
    )
    .bind(sam)
    .bind(PRIMARY)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into patient_navigator (patient_id, account_id)
         select patient_id, $1 from patient
          where patient_id::text = any($2)
             or patient_id in (select patient_id from patient order by patient_id limit 200)",
    )
    .bind(sam)
    .bind(
        crate::demo::DEMO_FAMILY
            .iter()
            .map(|f| f.0.to_string())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    for (title, en, es) in CANNED {
        sqlx::query(
            "insert into canned_reply (canned_reply_id, title, body_en, body_es) values ($1, $2, $3, $4)",
        )
        .bind(Uuid::new_v4())
        .bind(title)
        .bind(en)
        .bind(es)
        .execute(&mut *tx)
        .await?;
    }
    let now = Utc::now();
    let mut written = 0;
    for (patient, script) in &FAMILY_SCRIPTS {
        let patient = Uuid::parse_str(patient)?;
        // Maria writes for herself and, as his parent, for Leo.
        play(&mut tx, patient, maria, sam, script, now).await?;
        written += 1;
    }
    // Maria sent the receipt of the bill she thinks she already paid.
    let receipt = demo_pdf(&[
        "Recibo de pago / Payment receipt",
        "Openwell (demo)",
        "Consulta / Visit: 3 nov",
        "Importe pagado / Amount paid: 40,00 USD",
        "Pagado con tarjeta / Paid by card",
    ]);
    sqlx::query(
        "insert into message_attachment
             (attachment_id, message_id, position, file_name, content_type, byte_size, content)
         select $1, message_id, 0, 'recibo-de-pago.pdf', 'application/pdf', $2, $3
           from message where body = $4",
    )
    .bind(Uuid::new_v4())
    .bind(i32::try_from(receipt.len())?)
    .bind(&receipt)
    .bind(BILL_QUESTION)
    .execute(&mut *tx)
    .await?;
    // Generated patients' messages need an author: an account of their own that cannot sign in
    // (its password hash is not a hash), is never emailed (no verified address) and is not
    // linked to the record, which stays without an account as the staff pages' demo expects.
    let others: Vec<(Uuid, String)> = sqlx::query_as(
        "select patient_id, given_name || ' ' || family_name from patient
          where patient_id::text <> all($1) order by patient_id limit 30",
    )
    .bind(
        crate::demo::DEMO_FAMILY
            .iter()
            .map(|f| f.0.to_string())
            .collect::<Vec<_>>(),
    )
    .fetch_all(&mut *tx)
    .await?;
    for (n, (patient, name)) in others.iter().enumerate() {
        let Some(script) = OTHER_SCRIPTS.get(n % OTHER_SCRIPTS.len()) else {
            continue;
        };
        let writer = Uuid::new_v4();
        sqlx::query(
            "insert into account (account_id, email, password_hash, display_name)
             values ($1, $2, '$argon2id$demo-account-without-a-password', $3)",
        )
        .bind(writer)
        .bind(format!("demo-patient-{n}@example.org"))
        .bind(name)
        .execute(&mut *tx)
        .await?;
        play(
            &mut tx,
            *patient,
            writer,
            sam,
            script,
            now - Duration::hours(n as i64),
        )
        .await?;
        written += 1;
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::demo_pdf;

    #[test]
    fn the_demo_receipt_is_a_pdf_whose_cross_references_point_at_its_objects() {
        let pdf = demo_pdf(&["Recibo (demo)", "40,00 USD"]);
        assert_eq!(
            app::messaging::attachment::recognise(&pdf),
            Some(app::messaging::attachment::FileKind::Pdf)
        );
        let text = String::from_utf8(pdf).expect("ascii");
        assert!(text.contains("(Recibo \\(demo\\)) '"));
        let xref = text.find("xref\n").expect("xref");
        let start: usize = text
            .split("startxref\n")
            .nth(1)
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert_eq!(start, xref);
        for (n, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", n + 1)),
                "{line}"
            );
        }
    }
}
