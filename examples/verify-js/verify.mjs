#!/usr/bin/env node
// An independent verifier of the lottery's Ledger and selection algorithm v1, written from
// docs/VERIFY.md alone (no code of the project was read). Node 20, no dependencies.
//
//   node verify.mjs --kat docs/VERIFY.md          recompute the known-answer vectors
//   node verify.mjs BUNDLE.json                   check an exported bundle
//   node verify.mjs BUNDLE.json --employee ID     check an employee's bundle (Merkle proofs)
//
// Exit status: 0 when everything matches, 1 on a mismatch, 2 on bad usage or unreadable input.

import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------------------------------------
// Strict JSON parsing: like JSON.parse, but numbers must be integers of absolute value below
// 2^53 (the only numbers the spec allows), so that no float or huge integer is silently rounded
// into something that canonicalises differently; duplicate object keys are refused.

class JsonError extends Error {}

// A number the spec does not allow (fraction, exponent, or not below 2^53): kept as its text so
// that the record holding it fails to canonicalise, and is reported as that record's mismatch.
class BadNumber { constructor(text) { this.text = text; } }

function parseJson(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (msg) => { throw new JsonError(`${msg} at offset ${i}`); };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const obj = {}; const seen = new Set(); ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws(); if (text[i] !== '"') fail('expected a key');
        const k = string();
        if (seen.has(k)) fail(`duplicate key ${JSON.stringify(k)}`);
        seen.add(k); ws();
        if (text[i] !== ':') fail("expected ':'"); i++;
        obj[k] = value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++; const arr = []; ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('unexpected character');
    i += m[0].length;
    const n = Number(m[0]);
    if (m[2] !== undefined || m[3] !== undefined || !Number.isSafeInteger(n)) return new BadNumber(m[0]);
    return n;
  }
  function string() {
    // text[i] === '"'; find the end, then let JSON.parse decode the escapes of this one string.
    const start = i; i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const v = value(); ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON (docs/VERIFY.md, "Canonical encoding").

function canonString(s) {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) {
      const short = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t' }[c];
      out += short ?? '\\u00' + c.toString(16).padStart(2, '0');
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate must be half of a pair: a lone one has no UTF-8 encoding.
      const d = s.charCodeAt(k + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) { out += s[k] + s[k + 1]; k++; }
      else throw new Error(`lone surrogate U+${c.toString(16)} in string: not encodable as UTF-8`);
    } else out += s[k];
  }
  return out + '"';
}

function canonical(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`number ${v} is not an integer below 2^53`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof BadNumber) throw new Error(`number ${v.text} is not an integer of absolute value below 2^53`);
  if (typeof v === 'string') return canonString(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    for (const k of keys) {
      if (!/^[\x00-\x7f]*$/.test(k)) throw new Error(`non-ASCII key ${JSON.stringify(k)}`);
    }
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // ASCII keys: code unit order = byte order
    return '{' + keys.map((k) => canonString(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  throw new Error(`cannot canonicalise a ${typeof v}`);
}

const canonicalBytes = (v) => Buffer.from(canonical(v), 'utf8');

// ---------------------------------------------------------------------------------------------
// Hashes.

const sha256 = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };
const hmac = (key, msg) => createHmac('sha256', key).update(msg).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const HEX64 = /^[0-9a-f]{64}$/;
const ZERO64 = '0'.repeat(64);

// ids_hash: SHA-256 of the canonical JSON of a sorted list of employee ids (prior_winners_hash).
const idsHash = (ids) => hex(sha256(canonicalBytes(ids)));

function recordHash(record) {
  const rest = { ...record };
  delete rest.hash;
  return hex(sha256(canonicalBytes(rest)));
}

// Unicode code point order (= UTF-8 byte order); JS's default sort is UTF-16 code unit order,
// which differs for characters above U+FFFF against U+E000..U+FFFF.
const cpCompare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// ---------------------------------------------------------------------------------------------
// Merkle tree of RFC 9162, section 2.1.

const leafHash = (emp) =>
  sha256(Buffer.from([0x00]), canonicalBytes({ employee_id: emp.employee_id, employee_name: emp.employee_name }));
const nodeHash = (l, r) => sha256(Buffer.from([0x01]), l, r);

function largestPow2Below(n) { let k = 1; while (k * 2 < n) k *= 2; return k; }

function mth(leaves) { // leaves: array of leaf hashes (Buffers)
  const n = leaves.length;
  if (n === 0) return sha256();
  if (n === 1) return leaves[0];
  const k = largestPow2Below(n);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function auditPath(m, leaves) { // RFC 9162 2.1.3.1, leaf level first
  const n = leaves.length;
  if (n <= 1) return [];
  const k = largestPow2Below(n);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

function verifyInclusion(index, size, leaf, path, root) { // RFC 9162 2.1.3.2
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = BigInt(index), sn = BigInt(size - 1);
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) { while (!((fn & 1n) === 1n || fn === 0n)) { fn >>= 1n; sn >>= 1n; } }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && Buffer.compare(r, root) === 0;
}

// Sorted roster (by employee_id, code point order), its leaves and root.
function rosterInfo(roster) {
  const sorted = [...roster].sort((a, b) => cpCompare(a.employee_id, b.employee_id));
  const leaves = sorted.map(leafHash);
  return { sorted, leaves, root: hex(mth(leaves)) };
}

// ---------------------------------------------------------------------------------------------
// Selection algorithm v1.

function drawInputs(drawId, commitSeq, roster, k, publicValue) {
  return { version: 1, draw_id: drawId, commitment: commitSeq, roster, winners: k, public_value: publicValue };
}

const drawSeed = (serverSeed, inputs) => hmac(serverSeed, canonicalBytes(inputs));

class Stream {
  constructor(seed) { this.seed = seed; this.block = 0n; this.words = []; }
  next() {
    if (this.words.length === 0) {
      const j = Buffer.alloc(8);
      j.writeBigUInt64BE(this.block++);
      const b = hmac(this.seed, j);
      for (let o = 0; o < 32; o += 8) this.words.push(b.readBigUInt64BE(o));
    }
    return this.words.shift();
  }
}

const TWO64 = 1n << 64n;
function uniform(stream, n) {
  const N = BigInt(n);
  if (N < 1n) throw new Error(`uniform(${n}): n must be at least 1`);
  const limit = (TWO64 / N) * N;
  for (;;) { const x = stream.next(); if (x < limit) return Number(x % N); }
}

// Initial order of an import: ids sorted, places 1..N (index 0 unused), excluded swapped to the end.
function initialOrder(sortedIds, excluded) {
  const P = [null, ...sortedIds];
  const place = new Map(sortedIds.map((id, i) => [id, i + 1]));
  let E = sortedIds.length;
  for (const id of [...excluded].sort(cpCompare)) {
    const a = place.get(id);
    if (a === undefined) throw new Error(`excluded id ${id} is not in the roster`);
    const other = P[E];
    [P[a], P[E]] = [P[E], P[a]];
    place.set(other, a); place.set(id, E);
    E -= 1;
  }
  return { P, E };
}

// Partial Fisher-Yates; mutates P, returns picks and winners (ids).
function select(P, E, k, stream) {
  if (k > E) throw new Error(`cannot draw ${k} winners from ${E}`);
  const picks = [], winners = [];
  for (let i = 0; i < k; i++) {
    const j = 1 + uniform(stream, E - i);
    [P[j], P[E - i]] = [P[E - i], P[j]];
    picks.push(j); winners.push(P[E - i]);
  }
  return { picks, winners };
}

// ISO 8601 timestamp -> microseconds since the epoch (BigInt), any number of fraction digits.
function isoMicros(s) {
  const m = typeof s === 'string' &&
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Number.isNaN(ms)) return null;
  let us = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  if (m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1n : 1n;
    us -= sign * (BigInt(+m[8].slice(1, 3)) * 60n + BigInt(+m[8].slice(4, 6))) * 60_000_000n;
  }
  return us;
}

// ---------------------------------------------------------------------------------------------
// Known-answer vectors.

function kat(path) {
  const md = readFileSync(path, 'utf8');
  const sec = md.indexOf('## Known-answer vectors');
  if (sec < 0) { console.error(`${path}: no "Known-answer vectors" section`); return 2; }
  const m = /```json\n([\s\S]*?)\n```/.exec(md.slice(sec));
  if (!m) { console.error(`${path}: no JSON code block in "Known-answer vectors"`); return 2; }
  const V = parseJson(m[1]);
  let bad = 0, n = 0;
  const check = (name, got, want) => {
    n++;
    const g = canonical(got), w = canonical(want);
    if (g === w) console.log(`ok        ${name}: ${g.length > 100 ? g.slice(0, 97) + '...' : g}`);
    else { bad++; console.log(`MISMATCH  ${name}:\n  expected ${w}\n  computed ${g}`); }
  };

  // Spec example of step 3: for n = 3 the word 2^64-1 is skipped and the next, 5, gives 2.
  const fake = { words: [TWO64 - 1n, 5n], next() { return this.words.shift(); } };
  check('spec example uniform(3) over words [2^64-1, 5]', uniform(fake, 3), 2);

  const seed = Buffer.from(V.server_seed, 'hex');
  check('server_seed is 32 bytes 0x00..0x1f', hex(seed), hex(Buffer.from([...Array(32).keys()])));
  check('seed_hash = SHA-256(server_seed)', hex(sha256(seed)), V.seed_hash);

  const { sorted, leaves, root } = rosterInfo(V.roster);
  check('leaf_001', hex(leaves[sorted.findIndex((e) => e.employee_id === '001')]), V.leaf_001);
  check('leaf_010', hex(leaves[sorted.findIndex((e) => e.employee_id === '010')]), V.leaf_010);
  check('roster_root (n = 10)', root, V.roster_root);
  for (const [k, want] of Object.entries(V.merkle_roots)) {
    check(`merkle_roots[${k}]`, hex(mth(leaves.slice(0, Number(k)))), want);
  }
  const ip = V.inclusion_proof;
  const path_ = auditPath(ip.index, leaves).map(hex);
  check(`inclusion_proof path of leaf ${ip.index} (${sorted[ip.index].employee_id}) in ${leaves.length}`, path_, ip.path);
  check('inclusion_proof size', leaves.length, ip.size);
  check('inclusion_proof verifies (RFC 9162 2.1.3.2)',
    verifyInclusion(ip.index, ip.size, leaves[ip.index], ip.path.map((h) => Buffer.from(h, 'hex')), Buffer.from(V.roster_root, 'hex')), true);
  const wrongIdx = verifyInclusion(ip.index ^ 1, ip.size, leaves[ip.index], ip.path.map((h) => Buffer.from(h, 'hex')), Buffer.from(V.roster_root, 'hex'));
  check('inclusion_proof fails with a wrong index', wrongIdx, false);
  let allOk = true;
  for (let s = 0; s <= leaves.length; s++) {
    const r = mth(leaves.slice(0, s));
    for (let i = 0; i < s; i++) allOk &&= verifyInclusion(i, s, leaves[i], auditPath(i, leaves.slice(0, s)), r);
  }
  check('every audit path of every prefix of the roster verifies', allOk, true);

  const di = V.draw_inputs;
  const inputs = drawInputs(di.draw_id, di.commitment, root, V.winners_count, '4711');
  check('draw_inputs (built from the roster root, k and public value "4711")', inputs, di);
  n++;
  if (canonical(inputs) === V.draw_inputs_canonical) console.log(`ok        draw_inputs_canonical: ${canonical(inputs)}`);
  else { bad++; console.log(`MISMATCH  draw_inputs_canonical:\n  expected ${V.draw_inputs_canonical}\n  computed ${canonical(inputs)}`); }
  const ds = drawSeed(seed, inputs);
  check('draw_seed', hex(ds), V.draw_seed);

  const st = new Stream(ds);
  check('first_words', V.first_words.map(() => st.next().toString()), V.first_words);
  const su = new Stream(ds);
  check(`uniform(${V.uniform.n.join('), uniform(')})`, V.uniform.n.map((k) => uniform(su, k)), V.uniform.values);

  const ids = sorted.map((e) => e.employee_id);
  const { P, E } = initialOrder(ids, V.excluded);
  check('excluded_hash (ids_hash of the excluded ids)', idsHash(V.excluded), V.excluded_hash);
  check('initial_order', P.slice(1), V.initial_order);
  check('eligible', E, V.eligible);
  check('winners_count = draw_inputs.winners', V.winners_count, di.winners);
  const { picks, winners } = select(P, E, V.winners_count, new Stream(ds));
  check('picks', picks, V.picks);
  check('winners', winners, V.winners);
  check('order_after', P.slice(1), V.order_after);

  const rec = V.record;
  check('record.roster is the roster root', rec.roster, root);
  check('record.seed_hash', rec.seed_hash, hex(sha256(seed)));
  n++;
  if (canonical(rec) === V.record_canonical) console.log(`ok        record_canonical: ${canonical(rec)}`);
  else { bad++; console.log(`MISMATCH  record_canonical:\n  expected ${V.record_canonical}\n  computed ${canonical(rec)}`); }
  check('record_hash', recordHash(rec), V.record_hash);

  console.log(bad ? `${bad} of ${n} checks failed.` : `All ${n} checks passed.`);
  return bad ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Bundles.

class Mismatch extends Error {}

// Each kind's fields (the common ones and its own; no more, no fewer).
const COMMON_FIELDS = ['seq', 'prev', 'hash', 'kind', 'at'];
const KIND_FIELDS = {
  import: ['generation', 'roster', 'size', 'eligible', 'prior_winners', 'prior_winners_hash'],
  commit: ['draw_id', 'roster', 'winners', 'seed_hash', 'public'],
  draw: ['draw_id', 'commitment', 'started_at', 'roster', 'eligible', 'public_value', 'seed', 'winners'],
  failed: ['draw_id', 'commitment', 'public_value', 'seed', 'error'],
  night: ['night', 'name', 'presence', 'prizes', 'eligible'],
  checkin: ['night', 'employee_id', 'eligible'],
  exclude: ['night', 'employee_id', 'eligible'],
};
// A commit of a draw night's prize also has these; a redraw also has `forfeit`.
const NIGHT_COMMIT_FIELDS = ['night', 'prize'];
const REDRAW_COMMIT_FIELDS = ['night', 'prize', 'forfeit'];

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => Number.isSafeInteger(v);
const short = (h) => (typeof h === 'string' ? h.slice(0, 12) + '…' : String(h));

function checkBundle(bundle, employee) {
  if (!isObj(bundle)) throw new Mismatch('bundle: not a JSON object');
  if (bundle.format !== 'lottery-ledger-bundle') throw new Mismatch(`bundle: format is ${JSON.stringify(bundle.format)}, not "lottery-ledger-bundle"`);
  if (bundle.version !== 1) throw new Mismatch(`bundle: version ${JSON.stringify(bundle.version)} is not 1`);
  if (!Array.isArray(bundle.records)) throw new Mismatch('bundle: no records list');
  if (typeof bundle.complete !== 'boolean') throw new Mismatch('bundle: "complete" is not true or false');
  const rosters = bundle.rosters ?? null;
  const proofs = bundle.proofs ?? null;
  if (rosters !== null && !isObj(rosters)) throw new Mismatch('bundle: "rosters" is not an object');
  if (proofs !== null && !isObj(proofs)) throw new Mismatch('bundle: "proofs" is not an object');
  if (employee !== null) {
    if (proofs !== null && bundle.employee !== employee)
      throw new Mismatch(`bundle: it is employee ${JSON.stringify(bundle.employee)}'s bundle, not ${JSON.stringify(employee)}'s`);
    if (proofs === null && rosters === null) throw new Mismatch('bundle: neither proofs nor rosters to check an employee against');
  }

  let lastSeq = 0, lastHash = ZERO64;
  let live = null; // { seq, root, size, sorted|null, P|null, place|null, E, member: true|false|null }
  // The open draw night (until another opens or a roster is imported).
  let night = null; // { seq, id, name, presence, prizes: Map id -> { name, count, left }, checkedIn: Map, excluded: Map }
  let poolChanged = 0; // the seq of the last night, checkin or exclude record
  const nightIds = new Map(); // night id -> the seq of the record that opened it
  // Every winner from before the Ledger began, fixed by the first import (each later one lists the same).
  let prior = null; // { seq, count, hash, list, set }
  const commitsBySeq = new Map(); // seq -> { rec, ended: null | seq }
  const committedIds = new Map(); // draw_id -> commit seq
  const wonIn = new Map(); // employee_id -> seq of the draw record that made them a winner
  const drawsById = new Map(); // draw_id -> { seq, night: id|null, prize: id|null, ids: Set } of each draw record
  const forfeitedIn = new Map(); // employee_id -> seq of the redraw's draw record in which they forfeited
  const lines = [];
  const stats = { records: 0, recomputed: 0, unrostered: 0, failed: 0, wouldHave: 0, operatorOnly: 0, nights: 0, checkins: 0, excludes: 0, redraws: 0 };
  const operatorOnly = [];
  const checkedRosters = new Map(); // root -> rosterInfo
  const checkedProofs = new Map(); // root -> true (valid proof for the employee)

  // A redraw's forfeit: the employee won that prize (the night's id and the prize's) in that draw,
  // and has not forfeited before.
  function checkForfeit(f, nightId, prize, fail) {
    const d = drawsById.get(f.draw_id);
    if (d === undefined) fail(`forfeit: draw ${f.draw_id} has no draw record before it`);
    if (d.night !== nightId || d.prize !== prize)
      fail(`forfeit: draw ${f.draw_id} (record ${d.seq}) was not a draw of prize ${prize} of draw night ${nightId}`);
    if (!d.ids.has(f.employee_id)) fail(`forfeit: ${f.employee_id} did not win in draw ${f.draw_id} (record ${d.seq})`);
    if (forfeitedIn.has(f.employee_id)) fail(`forfeit: ${f.employee_id} already forfeited (record ${forfeitedIn.get(f.employee_id)})`);
  }
  // The place of an employee in the live pool order (1..N), or undefined when not on the roster.
  function placeOf(id) {
    if (live.place === null) live.place = new Map(live.P.map((x, i) => [x, i]));
    return live.place.get(id);
  }
  function swap(a, b) {
    const [x, y] = [live.P[a], live.P[b]];
    live.P[a] = y; live.P[b] = x;
    live.place.set(x, b); live.place.set(y, a);
  }

  bundle.records.forEach((rec, idx) => {
    const seqLabel = isObj(rec) && isInt(rec.seq) ? rec.seq : `#${idx + 1} in the list`;
    const what = isObj(rec) ? [rec.kind, rec.draw_id, rec.employee_id].filter((x) => typeof x === 'string').join(' ') : 'not an object';
    const fail = (msg) => { throw new Mismatch(`record ${seqLabel} (${what}): ${msg}`); };
    if (!isObj(rec)) fail('not a JSON object');

    // 1. chain
    if (rec.seq !== lastSeq + 1) fail(`seq is ${JSON.stringify(rec.seq)}, expected ${lastSeq + 1} (a record is missing or out of order)`);
    if (rec.prev !== lastHash) fail(`prev is ${short(rec.prev)}, expected the hash of record ${lastSeq}, ${short(lastHash)}`);
    if (typeof rec.hash !== 'string') fail('no hash');
    let h;
    try { h = recordHash(rec); } catch (e) { fail(`cannot be canonicalised: ${e.message}`); }
    if (h !== rec.hash) fail(`hash is ${short(rec.hash)}, but the record hashes to ${short(h)} (the record was changed)`);
    if (!Object.prototype.hasOwnProperty.call(KIND_FIELDS, rec.kind)) fail(`unknown kind ${JSON.stringify(rec.kind)}`);
    {
      const want = [...COMMON_FIELDS, ...KIND_FIELDS[rec.kind]];
      // A commit has its fields, or those and night and prize, or those three (a redraw).
      if (rec.kind === 'commit' && Object.prototype.hasOwnProperty.call(rec, 'forfeit')) want.push(...REDRAW_COMMIT_FIELDS);
      else if (rec.kind === 'commit' && ['night', 'prize'].some((f) => Object.prototype.hasOwnProperty.call(rec, f))) want.push(...NIGHT_COMMIT_FIELDS);
      const missing = want.filter((f) => !Object.prototype.hasOwnProperty.call(rec, f));
      const extra = Object.keys(rec).filter((f) => !want.includes(f));
      if (missing.length || extra.length)
        fail(`not the fields of a(n) ${rec.kind} record:` + (missing.length ? ` lacks ${missing.join(', ')}` : '') + (extra.length ? ` has ${extra.join(', ')}` : ''));
    }
    if (isoMicros(rec.at) === null) fail(`"at" ${JSON.stringify(rec.at)} is not an ISO 8601 timestamp`);
    lastSeq = rec.seq; lastHash = rec.hash; stats.records++;

    const seq = rec.seq;
    if (rec.kind === 'import') {
      // 2. import
      if (typeof rec.roster !== 'string' || !HEX64.test(rec.roster)) fail('roster is not a 64-digit hex root');
      if (!isInt(rec.size) || rec.size < 0) fail('size is not a whole number');
      if (!isInt(rec.eligible) || rec.eligible < 0) fail('eligible is not a whole number');
      if (!isInt(rec.prior_winners) || rec.prior_winners < 0) fail('prior_winners is not a whole number (how many won before the Ledger began)');
      if (typeof rec.prior_winners_hash !== 'string' || !HEX64.test(rec.prior_winners_hash)) fail('prior_winners_hash is not 64 lowercase hex digits');
      if (prior === null) {
        // The first import fixes the winners from before the Ledger: the bundle holds their list.
        const list = bundle.prior_winners;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) fail("the bundle's prior_winners is not a list of ids");
        for (let i = 1; i < list.length; i++) {
          if (cpCompare(list[i - 1], list[i]) >= 0) fail("the bundle's prior_winners is not sorted without repeats");
        }
        if (list.length !== rec.prior_winners) fail(`the bundle lists ${list.length} prior winners, the record says ${rec.prior_winners}`);
        let lh;
        try { lh = idsHash(list); } catch (e) { fail(`the bundle's prior_winners cannot be canonicalised: ${e.message}`); }
        if (lh !== rec.prior_winners_hash) fail(`the bundle's prior_winners hash to ${short(lh)}, prior_winners_hash is ${short(rec.prior_winners_hash)}`);
        prior = { seq, count: rec.prior_winners, hash: rec.prior_winners_hash, list, set: new Set(list) };
      } else if (rec.prior_winners_hash !== prior.hash || rec.prior_winners !== prior.count) {
        fail(`its prior winners (${rec.prior_winners}, hash ${short(rec.prior_winners_hash)}) are not the first import's ` +
          `(record ${prior.seq}: ${prior.count}, hash ${short(prior.hash)})`);
      }
      for (const id of prior.list) {
        if (wonIn.has(id)) fail(`prior winner ${id} won in the Ledger (record ${wonIn.get(id)})`);
      }
      const roster = rosters && Object.prototype.hasOwnProperty.call(rosters, rec.roster) ? rosters[rec.roster] : null;
      let sorted = null, P = null, E = rec.eligible;
      if (roster !== null) {
        if (!Array.isArray(roster) || !roster.every((e) => isObj(e) && typeof e.employee_id === 'string' && typeof e.employee_name === 'string'))
          fail('its roster in the bundle is not a list of {employee_id, employee_name}');
        let info;
        try { info = rosterInfo(roster); } catch (e) { fail(`roster: ${e.message}`); }
        if (info.root !== rec.roster) fail(`the bundle's roster has Merkle root ${short(info.root)}, not ${short(rec.roster)}`);
        if (roster.length !== rec.size) fail(`the roster has ${roster.length} employees, size says ${rec.size}`);
        const ids = info.sorted.map((e) => e.employee_id);
        for (let i = 1; i < ids.length; i++) if (ids[i - 1] === ids[i]) fail(`employee id ${ids[i]} appears twice in the roster`);
        // Excluded: the roster's employees that won in the Ledger or before it (prior winners
        // need not be in this roster).
        const excluded = ids.filter((id) => wonIn.has(id) || prior.set.has(id));
        ({ P, E } = initialOrder(ids, excluded));
        if (E !== rec.eligible) fail(`the initial order leaves ${E} who can win, eligible says ${rec.eligible}`);
        sorted = info.sorted; checkedRosters.set(rec.roster, info);
      } else if (rec.eligible > rec.size) {
        fail(`eligible ${rec.eligible} exceeds size ${rec.size}`);
      }
      // The employee's membership in this roster: from the roster itself when the bundle has it,
      // else from the employee's Merkle proof; null when neither (unknown).
      let member = null;
      if (employee !== null) {
        if (sorted !== null) member = sorted.some((e) => e.employee_id === employee);
        else if (proofs !== null) {
          const pr = Object.prototype.hasOwnProperty.call(proofs, rec.roster) ? proofs[rec.roster] : null;
          if (pr === null) member = false;
          else {
            if (!isObj(pr) || !isObj(pr.employee) || !Array.isArray(pr.path) || !pr.path.every((p) => typeof p === 'string' && HEX64.test(p)))
              fail('the proof for this roster is malformed');
            if (pr.employee.employee_id !== employee) fail(`the proof for this roster is for ${JSON.stringify(pr.employee.employee_id)}, not ${employee}`);
            if (pr.size !== rec.size) fail(`the proof is for a roster of ${pr.size}, the import has ${rec.size}`);
            if (typeof pr.employee.employee_name !== 'string') fail('the proof has no employee_name');
            const ok = verifyInclusion(pr.index, pr.size, leafHash(pr.employee), pr.path.map((p) => Buffer.from(p, 'hex')), Buffer.from(rec.roster, 'hex'));
            if (!ok) fail(`the Merkle proof of ${employee} (index ${pr.index}, size ${pr.size}) does not lead to root ${short(rec.roster)}`);
            checkedProofs.set(rec.roster, true);
            member = true;
          }
        }
      }
      live = { seq, root: rec.roster, size: rec.size, sorted, P, place: null, E, member };
      // 6. An import ends the open night.
      const endedNight = night;
      night = null;
      let memberNote = '';
      if (employee !== null) {
        if (member === null) memberNote = `; whether ${employee} is in it is unknown (neither its roster nor a proof in the bundle)`;
        else if (member) memberNote = `; ${employee} is in it` + (proofs && sorted === null ? ' (Merkle proof checked)' : '');
        else memberNote = `; ${employee} is not in it` + (sorted === null ? ' (no proof: ask if you expected to be)' : '');
        if (prior.set.has(employee)) memberNote += ` (${employee} is a prior winner: in no pool)`;
      }
      lines.push(`record ${seq}: import of roster ${short(rec.roster)}, ${rec.size} employees, ${rec.eligible} can win` +
        (rec.prior_winners ? `, ${rec.prior_winners} won before the Ledger` : '') +
        (roster === null ? ' (roster not in the bundle)' : '') + memberNote +
        (endedNight !== null ? `; draw night ${endedNight.id} (record ${endedNight.seq}) ends` : ''));
    } else if (rec.kind === 'commit') {
      // 3. commit
      if (typeof rec.draw_id !== 'string') fail('no draw_id');
      if (committedIds.has(rec.draw_id)) fail(`draw ${rec.draw_id} was already committed in record ${committedIds.get(rec.draw_id)}`);
      if (live === null) fail('no roster was imported before it');
      if (rec.roster !== live.root) fail(`roster ${short(rec.roster)} is not the live roster ${short(live.root)} (record ${live.seq})`);
      if (!isInt(rec.winners) || rec.winners < 1) fail(`winners ${JSON.stringify(rec.winners)} is not a whole number of at least 1`);
      if (typeof rec.seed_hash !== 'string' || !HEX64.test(rec.seed_hash)) fail('seed_hash is not 64 hex digits');
      if (rec.public !== null && typeof rec.public !== 'string') fail('public is neither text nor null');
      // A draw of a night's prize: that night is the open one at the commitment, and has the prize.
      let cNight = null;
      if (rec.night !== undefined) {
        if (typeof rec.night !== 'string') fail('night is not an id');
        if (typeof rec.prize !== 'string') fail('prize is not an id');
        if (night === null) fail(`it is for draw night ${rec.night}, but no night is open`);
        if (rec.night !== night.id) fail(`it is for draw night ${rec.night}, but the open night is ${night.id} (record ${night.seq})`);
        if (!night.prizes.has(rec.prize)) fail(`draw night ${night.id} has no prize ${JSON.stringify(rec.prize)}`);
        cNight = night;
        if (rec.forfeit !== undefined) {
          // A redraw draws one, in place of a winner of that prize who has not forfeited before.
          const f = rec.forfeit;
          if (!isObj(f) || Object.keys(f).length !== 2 || typeof f.draw_id !== 'string' || typeof f.employee_id !== 'string')
            fail('forfeit is not {draw_id, employee_id}');
          if (rec.winners !== 1) fail(`a redraw draws one winner, it commits to ${rec.winners}`);
          checkForfeit(f, night.id, rec.prize, fail);
        } else {
          // A prize's draw takes at most what the prize has left: already known here, checked again at the draw.
          const p = night.prizes.get(rec.prize);
          if (isInt(rec.winners) && rec.winners > p.left) fail(`prize ${rec.prize} has ${p.left} left of ${p.count}, the draw would take ${rec.winners}`);
        }
      }
      committedIds.set(rec.draw_id, seq);
      commitsBySeq.set(seq, { rec, ended: null, night: cNight }); // night: the open night at the commitment
    } else if (rec.kind === 'draw' || rec.kind === 'failed') {
      // 4./5. draw and failed: the commitment and the seed
      if (typeof rec.draw_id !== 'string') fail('no draw_id');
      const c = commitsBySeq.get(rec.commitment);
      if (c === undefined) fail(`commitment ${JSON.stringify(rec.commitment)} is not a commit record`);
      if (c.rec.draw_id !== rec.draw_id) fail(`commitment record ${rec.commitment} is for draw ${c.rec.draw_id}`);
      if (c.ended !== null) fail(`the draw of commitment ${rec.commitment} already ended in record ${c.ended}`);
      if (typeof rec.seed !== 'string' || !HEX64.test(rec.seed)) fail('seed is not 32 bytes in hex');
      const seedBytes = Buffer.from(rec.seed, 'hex');
      if (hex(sha256(seedBytes)) !== c.rec.seed_hash) fail(`SHA-256 of the seed is ${short(hex(sha256(seedBytes)))}, the commitment's seed_hash is ${short(c.rec.seed_hash)}`);
      if (rec.public_value !== null && typeof rec.public_value !== 'string') fail('public_value is neither text nor null');
      if ((rec.public_value === null) !== (c.rec.public === null))
        fail(rec.public_value === null ? `no public value, but the commitment promised one (${JSON.stringify(c.rec.public)})` : 'a public value, but the commitment promised none');
      c.ended = seq;
      const k = c.rec.winners;
      // Whether the employee was in the pool of a draw from the live roster (before its winners).
      const poolNote = (won) => {
        if (employee === null) return '';
        if (won) return `; ${employee} was in the pool and won`;
        if (live.member === null) return `; whether ${employee} was in the pool is unknown (roster not in the bundle, no proof)`;
        if (live.member === false) return `; ${employee} was not in the pool (not in the roster)`;
        if (prior.set.has(employee)) return `; ${employee} was not in the pool (prior winner)`;
        if (wonIn.has(employee)) return `; ${employee} was not in the pool (won in record ${wonIn.get(employee)})`;
        if (night !== null && night.excluded.has(employee))
          return `; ${employee} was not in the pool (excluded from draw night ${night.id} in record ${night.excluded.get(employee)})`;
        if (night !== null && night.presence && !night.checkedIn.has(employee))
          return `; ${employee} was not in the pool (not checked in for draw night ${night.id})`;
        return `; ${employee} was in the pool`;
      };
      if (rec.kind === 'failed') {
        stats.failed++;
        let line = `record ${seq}: failed draw ${rec.draw_id} (${JSON.stringify(rec.error)}), committed in record ${rec.commitment}; seed checks out`;
        // What it would have drawn (a veto shows as one); the pool is left as it was.
        if (live === null || c.rec.roster !== live.root) line += '; its committed roster is not the live one, so it could not have drawn';
        else if (live.P === null) line += '; what it would have drawn is not shown (roster not in the bundle)';
        else if (k > live.E) line += `; it could not have drawn ${k} winners from ${live.E}`;
        else {
          const inputs = drawInputs(rec.draw_id, rec.commitment, c.rec.roster, k, rec.public_value);
          const { winners } = select([...live.P], live.E, k, new Stream(drawSeed(seedBytes, inputs)));
          const byId = new Map(live.sorted.map((e) => [e.employee_id, e.employee_name]));
          line += `; it would have drawn ${winners.map((id) => `${id} ${byId.get(id)}`).join(', ')} from ${live.E}` +
            (rec.public_value === null ? '' : ` with public value ${JSON.stringify(rec.public_value)}`);
          stats.wouldHave++;
        }
        if (live !== null && c.rec.roster === live.root) line += poolNote(false);
        lines.push(line);
        return;
      }
      if (rec.public_value !== null) {
        const s = isoMicros(rec.started_at), a = isoMicros(c.rec.at);
        if (s === null) fail(`started_at ${JSON.stringify(rec.started_at)} is not an ISO 8601 timestamp`);
        if (s < a) fail(`started_at ${rec.started_at} is before the commitment's at ${c.rec.at}`);
        // 4. The pool a public value is mixed into is fixed at the commitment.
        if (poolChanged > c.rec.seq) fail(`record ${poolChanged} (night, checkin or exclude) changed the pool after the commitment (record ${c.rec.seq})`);
      }
      if (rec.roster !== c.rec.roster) fail(`roster ${short(rec.roster)} is not the committed ${short(c.rec.roster)}`);
      if (live === null || rec.roster !== live.root) fail(`roster ${short(rec.roster)} is not the live roster`);
      if (!Array.isArray(rec.winners)) fail('winners is not a list');
      if (rec.winners.length !== k) fail(`${rec.winners.length} winners, the commitment says ${k}`);
      if (rec.eligible !== live.E) fail(`eligible is ${JSON.stringify(rec.eligible)}, but ${live.E} could win just before it`);
      if (k > live.E) fail(`${k} winners from ${live.E} who can win`);
      // A night's draw: that night (its id) is still the open one and has the prize; a prize's draw
      // takes at most what the prize has left; a redraw takes its one in place of a winner who forfeits.
      const forfeit = c.rec.forfeit;
      let cn = null; // the open night, for a night's draw
      if (c.night !== null) {
        if (night === null || night.id !== c.rec.night)
          fail(`draw night ${c.rec.night} of its commitment is not the open one` + (night === null ? ' (none is)' : ` (${night.id} is, record ${night.seq})`));
        cn = night;
        const p = cn.prizes.get(c.rec.prize);
        if (p === undefined) fail(`draw night ${cn.id} (record ${cn.seq}) has no prize ${JSON.stringify(c.rec.prize)}`);
        if (forfeit !== undefined) checkForfeit(forfeit, cn.id, c.rec.prize, fail);
        else if (k > p.left) fail(`prize ${c.rec.prize} has ${p.left} left of ${p.count}, the draw takes ${k}`);
      }
      const ids = new Set();
      for (const w of rec.winners) {
        if (!isObj(w) || typeof w.employee_id !== 'string' || typeof w.employee_name !== 'string') fail('a winner is not {employee_id, employee_name}');
        if (ids.has(w.employee_id)) fail(`${w.employee_id} wins twice in it`);
        if (wonIn.has(w.employee_id)) fail(`winner ${w.employee_id} already won in record ${wonIn.get(w.employee_id)}`);
        if (prior.set.has(w.employee_id)) fail(`winner ${w.employee_id} is a prior winner (import record ${prior.seq})`);
        ids.add(w.employee_id);
      }
      const before = live.E;
      const note = poolNote(ids.has(employee));
      if (live.P !== null) {
        const inputs = drawInputs(rec.draw_id, rec.commitment, c.rec.roster, k, rec.public_value);
        const { winners } = select(live.P, live.E, k, new Stream(drawSeed(seedBytes, inputs)));
        const byId = new Map(live.sorted.map((e) => [e.employee_id, e.employee_name]));
        for (let i = 0; i < k; i++) {
          const w = rec.winners[i];
          if (w.employee_id !== winners[i]) fail(`winner ${i + 1} is ${w.employee_id} ${w.employee_name}, algorithm v1 gives ${winners[i]} ${byId.get(winners[i])} (winners ${winners.join(', ')})`);
          if (w.employee_name !== byId.get(winners[i])) fail(`winner ${i + 1} ${w.employee_id} is named ${JSON.stringify(w.employee_name)}, the roster says ${JSON.stringify(byId.get(winners[i]))}`);
        }
        stats.recomputed++;
      } else stats.unrostered++;
      live.E -= k; live.place = null;
      for (const w of rec.winners) wonIn.set(w.employee_id, seq);
      drawsById.set(rec.draw_id, { seq, night: cn === null ? null : cn.id, prize: cn === null ? null : c.rec.prize, ids });
      if (cn !== null) {
        if (forfeit !== undefined) { forfeitedIn.set(forfeit.employee_id, seq); stats.redraws++; }
        else cn.prizes.get(c.rec.prize).left -= k;
      }
      const names = rec.winners.map((w) => `${w.employee_id} ${w.employee_name}`).join(', ');
      let line = `record ${seq}: draw ${rec.draw_id}: ${names}, from ${before}` + (live.P !== null ? ' (recomputed)' : ' (not recomputed: roster not in the bundle)');
      if (rec.public_value === null) { line += '; operator randomness only'; stats.operatorOnly++; operatorOnly.push(rec.draw_id); }
      else line += `; public value ${JSON.stringify(rec.public_value)} (${c.rec.public}), committed in record ${rec.commitment}`;
      if (cn !== null) {
        const p = cn.prizes.get(c.rec.prize);
        line += `; prize ${c.rec.prize} (${p.name}) of draw night ${cn.id}` +
          (forfeit !== undefined ? `, in place of ${forfeit.employee_id} of draw ${forfeit.draw_id}, who forfeits` : `, ${p.left} of ${p.count} left`);
      }
      line += note;
      lines.push(line);
    } else if (rec.kind === 'night') {
      // 6. night: a draw night opens, and is the open one from now on.
      if (live === null) fail('no roster was imported before it');
      if (typeof rec.night !== 'string') fail('night is not an id');
      if (typeof rec.name !== 'string') fail('name is not text');
      if (typeof rec.presence !== 'boolean') fail('presence is not true or false');
      if (!Array.isArray(rec.prizes) || rec.prizes.length === 0) fail('prizes is not a list of at least one prize');
      const prizes = new Map();
      for (const p of rec.prizes) {
        if (!isObj(p) || Object.keys(p).length !== 3 || typeof p.id !== 'string' || typeof p.name !== 'string' || !isInt(p.count))
          fail('a prize is not {id, name, count}');
        if (p.count < 1) fail(`prize ${p.id}'s count ${p.count} is not a whole number from 1`);
        if (prizes.has(p.id)) fail(`prize id ${JSON.stringify(p.id)} appears twice`);
        prizes.set(p.id, { name: p.name, count: p.count, left: p.count });
      }
      // With presence nobody can win until they check in: E becomes 0 (nobody moves). Without the
      // roster, as for checkin and exclude, E is taken from eligible.
      if (!isInt(rec.eligible) || rec.eligible < 0) fail('eligible is not a whole number');
      // An id opens one night only; E after it is known with or without the roster.
      if (nightIds.has(rec.night)) fail(`draw night ${JSON.stringify(rec.night)} was opened before (record ${nightIds.get(rec.night)})`);
      nightIds.set(rec.night, seq);
      const E = rec.presence ? 0 : live.E;
      if (rec.eligible !== E) fail(`eligible is ${JSON.stringify(rec.eligible)}, but ${E} can win once it is open` + (rec.presence ? ' (presence: only who checks in)' : ' (E unchanged)'));
      const before = night;
      night = { seq, id: rec.night, name: rec.name, presence: rec.presence, prizes, checkedIn: new Map(), excluded: new Map() };
      live.E = E;
      poolChanged = seq;
      stats.nights++;
      lines.push(`record ${seq}: draw night ${rec.night} (${rec.name}) opens` + (before !== null ? `, ending ${before.id} (record ${before.seq})` : '') +
        `: ${rec.prizes.map((p) => `${p.id} x ${p.count}`).join(', ')}; ` +
        (rec.presence ? 'only who checks in can win' : `the pool stays as it is (${E} can win)`));
    } else if (rec.kind === 'checkin' || rec.kind === 'exclude') {
      // 6. checkin, exclude: for the open night, each employee once; moves across the line at E.
      const x = rec.employee_id;
      if (night === null) fail(`it is for draw night ${JSON.stringify(rec.night)}, but no night is open`);
      if (rec.night !== night.id) fail(`it is for draw night ${JSON.stringify(rec.night)}, but the open night is ${night.id} (record ${night.seq})`);
      if (typeof x !== 'string') fail('employee_id is not an id');
      if (!isInt(rec.eligible) || rec.eligible < 0) fail('eligible is not a whole number');
      const marks = rec.kind === 'checkin' ? night.checkedIn : night.excluded;
      if (marks.has(x)) fail(`${x} was already ${rec.kind === 'checkin' ? 'checked in' : 'excluded'} for draw night ${night.id} (record ${marks.get(x)})`);
      let E = live.E, moved = false;
      if (live.P !== null) {
        // With the roster: the employee is on it, and E after the move is recomputed.
        const p = placeOf(x);
        if (p === undefined) fail(`${x} is not on the live roster (record ${live.seq})`);
        if (rec.kind === 'checkin') {
          const winner = wonIn.has(x) || prior.set.has(x);
          if (night.presence && p > E && !winner && !night.excluded.has(x)) { swap(p, E + 1); E += 1; moved = true; }
        } else if (p <= E) { swap(p, E); E -= 1; moved = true; }
        if (rec.eligible !== E) fail(`eligible is ${rec.eligible}, but ${E} can win after it` + (moved ? ` (${x} moved across the line)` : ` (${x} did not move)`));
      } else {
        // Without the roster there is no pool order to rebuild: E is taken from eligible (the
        // draws that follow are checked against it), not recomputed.
        moved = rec.eligible !== E; E = rec.eligible;
      }
      live.E = E;
      poolChanged = seq;
      marks.set(x, seq);
      if (rec.kind === 'checkin') stats.checkins++;
      else {
        stats.excludes++;
        lines.push(`record ${seq}: ${x} excluded from draw night ${night.id}` + (moved ? `, ${E} can win` : ' (was not in the pool)'));
      }
    } else {
      fail(`unknown kind ${JSON.stringify(rec.kind)}`);
    }
  });

  // 6. head
  if (!isObj(bundle.head) || !isInt(bundle.head.seq) || typeof bundle.head.hash !== 'string') throw new Mismatch('bundle: head is not {seq, hash}');
  if (bundle.complete) {
    if (bundle.head.seq !== lastSeq || bundle.head.hash !== lastHash)
      throw new Mismatch(`head: the bundle is complete, but its head is record ${bundle.head.seq} ${short(bundle.head.hash)} and its last record is ${lastSeq} ${short(lastHash)}`);
  } else {
    // A bundle up to one draw names it and ends with that draw's last record, at or before the head.
    if (typeof bundle.draw_id !== 'string') throw new Mismatch('bundle: it is partial ("complete" false) but names no draw ("draw_id")');
    const last = bundle.records[bundle.records.length - 1];
    if (last === undefined) throw new Mismatch(`bundle: it is partial, up to draw ${bundle.draw_id}, but has no records`);
    if (last.draw_id !== bundle.draw_id)
      throw new Mismatch(`bundle: it is partial, up to draw ${bundle.draw_id}, but its last record ${lastSeq} is ` +
        (typeof last.draw_id === 'string' ? `of draw ${last.draw_id}` : `an ${last.kind} record`) + ', not that draw\'s last record');
    if (bundle.head.seq < lastSeq || (bundle.head.seq === lastSeq && bundle.head.hash !== lastHash))
      throw new Mismatch(`head: record ${bundle.head.seq} ${short(bundle.head.hash)} is not at or after the last record ${lastSeq} ${short(lastHash)}`);
  }

  const open = [...commitsBySeq.entries()].filter(([, c]) => c.ended === null)
    .map(([s, c]) => `record ${s}: ${c.rec.draw_id}, ${c.rec.winners} winners` + (c.rec.public === null ? ', operator randomness only' : `, public value to come: ${c.rec.public}`));
  for (const l of lines) console.log(l);
  for (const o of open) console.log(`open commitment, ${o}`);
  // The hashes to compare with what was published: a bundle cut short cannot pass for the whole Ledger.
  console.log(`Last record: record ${lastSeq}, ${lastHash}`);
  console.log(`Head:        record ${bundle.head.seq}, ${bundle.head.hash}` +
    (bundle.complete ? ' (complete bundle: the last record is the head)'
      : bundle.head.seq === lastSeq ? ` (partial bundle up to draw ${bundle.draw_id}, which is the head)`
        : ` (partial bundle up to draw ${bundle.draw_id}: the Ledger goes on to record ${bundle.head.seq}, not in this bundle)`));
  console.log('Compare both hashes with the ones published (announcements, the screen): a match pins the Ledger down.');
  console.log(`OK: ${stats.records} records verified: ${stats.recomputed} draws recomputed, ${stats.unrostered} checked without their roster, ` +
    `${stats.failed} failed (${stats.wouldHave} shown with what they would have drawn), ${open.length} open; ${stats.operatorOnly} on operator randomness only` +
    (operatorOnly.length ? ` (${operatorOnly.join(', ')})` : '') +
    (stats.nights ? `; ${stats.nights} draw night(s): ${stats.checkins} check-ins, ${stats.excludes} exclusions, ${stats.redraws} redraws` : '') + '.');
  return 0;
}

// ---------------------------------------------------------------------------------------------

function main(argv) {
  const usage = 'usage: node verify.mjs --kat VERIFY.md | node verify.mjs BUNDLE.json [--employee ID]';
  try {
    if (argv[0] === '--kat') {
      if (argv.length !== 2) { console.error(usage); return 2; }
      return kat(argv[1]);
    }
    let file = null, employee = null;
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--employee' && i + 1 < argv.length) employee = argv[++i];
      else if (file === null && !argv[i].startsWith('--')) file = argv[i];
      else { console.error(usage); return 2; }
    }
    if (file === null) { console.error(usage); return 2; }
    let bundle;
    try { bundle = parseJson(readFileSync(file, 'utf8')); }
    catch (e) {
      if (e instanceof JsonError) { console.log(`Mismatch: ${file} is not a valid JSON bundle: ${e.message}`); return 1; }
      console.error(`Error: cannot read ${file}: ${e.message}`); return 2;
    }
    // An employee's bundle read without --employee: its proofs are checked all the same.
    if (employee === null && isObj(bundle) && bundle.proofs !== undefined && typeof bundle.employee === 'string') employee = bundle.employee;
    return checkBundle(bundle, employee);
  } catch (e) {
    if (e instanceof Mismatch) { console.log(`Mismatch: ${e.message}`); return 1; }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
