// The SMART Health Links viewer. The link (`#shlink:/…`) holds the manifest's address and the
// key; the key never leaves this page. Everything shown is set as text, never as markup: the
// record came from elsewhere.

const b64url = (s) => {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
};

function words(textId) {
  const root = document.getElementById(textId);
  return (key) => root?.querySelector(`[data-key="${key}"]`)?.textContent ?? '';
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

async function decrypt(jwe, key) {
  const [header, , iv, ciphertext, tag] = jwe.split('.');
  const protectedHeader = JSON.parse(new TextDecoder().decode(b64url(header)));
  const sealed = new Uint8Array([...b64url(ciphertext), ...b64url(tag)]);
  const k = await crypto.subtle.importKey('raw', b64url(key), 'AES-GCM', false, ['decrypt']);
  let plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: b64url(iv), additionalData: new TextEncoder().encode(header), tagLength: 128 },
    k,
    sealed,
  );
  if (protectedHeader.zip === 'DEF') {
    const stream = new Blob([plain]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    plain = await new Response(stream).arrayBuffer();
  }
  return JSON.parse(new TextDecoder().decode(plain));
}

const concept = (c) => c?.text || c?.coding?.[0]?.display || c?.coding?.[0]?.code || '';

function when(r, lang) {
  const v = r.effectiveDateTime || r.onsetDateTime || r.occurrenceDateTime || r.authoredOn
    || r.recordedDate || r.effectivePeriod?.start || r.issued || '';
  if (!v) return '';
  const d = new Date(v.length === 10 ? `${v}T12:00:00Z` : v);
  return isNaN(d) ? v : d.toLocaleDateString(lang, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function value(r) {
  const q = (x) => (x && x.value !== undefined ? `${x.value} ${x.unit || x.code || ''}`.trim() : '');
  if (r.valueQuantity) return q(r.valueQuantity);
  if (r.component?.length) {
    const parts = r.component.map((c) => c.valueQuantity).filter(Boolean);
    if (parts.length) return `${parts.map((p) => p.value).join('/')} ${parts[0].unit || ''}`.trim();
  }
  return concept(r.valueCodeableConcept) || r.valueString || '';
}

function line(r, lang) {
  switch (r.resourceType) {
    case 'Condition': return [concept(r.code), when(r, lang)];
    case 'AllergyIntolerance':
      return [concept(r.code), [concept(r.reaction?.[0]?.manifestation?.[0]), r.reaction?.[0]?.severity].filter(Boolean).join(' · ')];
    case 'MedicationRequest':
      return [concept(r.medicationCodeableConcept) || r.medicationReference?.display || '',
        r.dosageInstruction?.[0]?.text || r.dosageInstruction?.[0]?.patientInstruction || ''];
    case 'Immunization': return [concept(r.vaccineCode), when(r, lang)];
    case 'Observation': return [concept(r.code), [value(r), when(r, lang)].filter(Boolean).join(' · ')];
    case 'DiagnosticReport': return [concept(r.code), when(r, lang)];
    default: return null;
  }
}

function section(r) {
  switch (r.resourceType) {
    case 'Condition': return 'conditions';
    case 'AllergyIntolerance': return 'allergies';
    case 'MedicationRequest': return 'medications';
    case 'Immunization': return 'immunizations';
    case 'DiagnosticReport': return 'results';
    case 'Observation':
      return (r.category || []).some((c) => (c.coding || []).some((x) => x.code === 'vital-signs')) ? 'vitals' : 'results';
    default: return null;
  }
}

function show(bundle, t, into) {
  const lang = t('lang');
  const resources = (bundle.entry || []).map((e) => e.resource).filter(Boolean);
  const patient = resources.find((r) => r.resourceType === 'Patient');
  const org = resources.find((r) => r.resourceType === 'Organization');
  into.replaceChildren();
  if (patient) {
    const n = patient.name?.[0] || {};
    into.append(el('h2', [...(n.given || []), n.family].filter(Boolean).join(' '), 'share-viewer__name'));
    if (patient.birthDate) into.append(el('p', `${t('born')} ${when({ effectiveDateTime: patient.birthDate }, lang)}`));
  }
  if (org?.name) into.append(el('p', `${t('source')} ${org.name}`, 'muted'));
  const groups = {};
  for (const r of resources) {
    const s = section(r);
    const l = s && line(r, lang);
    if (l && l[0]) (groups[s] ||= []).push(l);
  }
  const keys = ['conditions', 'allergies', 'medications', 'immunizations', 'results', 'vitals'].filter((k) => groups[k]);
  if (!keys.length) into.append(el('p', t('none'), 'empty'));
  for (const k of keys) {
    const s = el('section', undefined, 'record-section');
    const h = el('h3', t(k));
    h.id = `shared-${k}`;
    s.setAttribute('aria-labelledby', h.id);
    const ul = el('ul', undefined, 'record-list');
    for (const [name, detail] of groups[k]) {
      const li = el('li', undefined, 'record-item');
      li.append(el('p', name, 'record-item__name'));
      if (detail) li.append(el('p', detail, 'muted'));
      ul.append(li);
    }
    s.append(h, ul);
    into.append(s);
  }
}

export function startViewer(textId) {
  const t = words(textId);
  const status = document.getElementById('shl-status');
  const form = document.getElementById('shl-form');
  const record = document.getElementById('shl-record');
  const say = (text) => { status.textContent = text; };
  let link;
  try {
    const hash = decodeURIComponent(location.hash.slice(1));
    const at = hash.indexOf('shlink:/');
    if (at < 0) throw new Error('no link');
    link = JSON.parse(new TextDecoder().decode(b64url(hash.slice(at + 8))));
    if (!link.url || !link.key) throw new Error('incomplete');
  } catch {
    say(t('incomplete'));
    return;
  }
  if (link.exp && link.exp * 1000 < Date.now()) {
    say(t('ended'));
    return;
  }
  if (link.label) {
    const label = document.getElementById('shl-label');
    label.textContent = `${t('shared')} ${link.label}`;
    label.hidden = false;
  }
  const needsPasscode = (link.flag || '').includes('P');
  const passcode = document.getElementById('shl-passcode');
  document.getElementById('shl-passcode-field').hidden = !needsPasscode;
  passcode.required = needsPasscode;
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    say(t('opening'));
    const body = { recipient: document.getElementById('shl-recipient').value.trim() };
    if (needsPasscode) body.passcode = passcode.value;
    try {
      const answer = await fetch(link.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (answer.status === 401) {
        const { remainingAttempts } = await answer.json();
        say(remainingAttempts > 0 ? t('wrong').replace('%n%', remainingAttempts) : t('locked'));
        passcode.value = '';
        passcode.setAttribute('aria-invalid', 'true');
        passcode.focus();
        return;
      }
      if (answer.status === 404) {
        say(t('gone'));
        form.hidden = true;
        record.replaceChildren();
        return;
      }
      if (!answer.ok) throw new Error(String(answer.status));
      const manifest = await answer.json();
      const file = (manifest.files || []).find((f) => f.contentType === 'application/fhir+json');
      if (!file) throw new Error('no file');
      const jwe = file.embedded ?? await (await fetch(file.location)).text();
      const bundle = await decrypt(jwe, link.key);
      passcode.removeAttribute('aria-invalid');
      form.hidden = true;
      show(bundle, t, record);
      say(t('opened'));
    } catch {
      say(t('failed'));
    }
  });
}
