// The archive's .sha256 file and sha256sum's answer: exactly what the job writes passes, and
// anything else (mutated at random, fixed seed) is refused with a reason, never misread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ChecksumFileError, MAX_CHECKSUM_FILE_BYTES, checksumLine, checksumPathOf, mismatchText, parseChecksumFile, parseSha256Output } from '../../src/core/validate/checksum';
import { exitOfValidation, hashDeadlineMs } from '../../src/core/validate/validateBackup';
import { applyText, textMutation } from './helpers/archiveMutator';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
const HEX = createHash('sha256').update('an archive').digest('hex');

test('the line the job writes is read back; sha256sum -c reads the same form', () => {
  const line = checksumLine(HEX, NAME);
  assert.equal(line, `${HEX}  ${NAME}\n`);
  assert.equal(parseChecksumFile(Buffer.from(line), NAME), HEX);
  assert.equal(checksumPathOf(`/b/${NAME}`), `/b/${NAME}.sha256`);
  assert.equal(mismatchText(`/b/${NAME}`), `archive damaged: sha256 differs from /b/${NAME}.sha256`);
});

test('a checksum file that is not exactly the job\'s is refused, with the reason', () => {
  const bad: [string, RegExp][] = [
    [`${HEX.toUpperCase()}  ${NAME}\n`, /not one line/],
    [`${HEX} ${NAME}\n`, /not one line/],
    [`${HEX} *${NAME}\n`, /not one line/],
    [`${HEX}  ${NAME}`, /not one line/],
    [`${HEX}  ${NAME}\n${HEX}  ${NAME}\n`, /not one line/],
    [`${HEX.slice(1)}  ${NAME}\n`, /not one line/],
    [`${HEX}0  ${NAME}\n`, /not one line/],
    [`${HEX}  other.tar\n`, /names "other\.tar", not/],
    [`${HEX}  /b/${NAME}\n`, /names "\/b\//],
    [`${HEX}  ${NAME}.gz\n`, /names/],
    ['', /not one line/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseChecksumFile(Buffer.from(text), NAME), (e: unknown) => e instanceof ChecksumFileError && why.test(e.message), JSON.stringify(text));
  const long = Buffer.alloc(MAX_CHECKSUM_FILE_BYTES + 1, 0x61);
  assert.throws(() => parseChecksumFile(long, NAME), /larger than any checksum file/);
});

test('sha256sum or openssl on standard input: only their exact answer gives a digest', () => {
  assert.equal(parseSha256Output(`${HEX}  -\n`), HEX);
  assert.equal(parseSha256Output(`${HEX} *stdin\n`), HEX);
  for (const s of ['', `${HEX}  -\nextra`, `${HEX}  /x\n`, `${HEX.slice(2)}  -\n`, `sha256sum: x: No such file\n`, `${HEX.toUpperCase()}  -\n`]) assert.equal(parseSha256Output(s), undefined, s);
});

test('property: a mutated checksum file is refused, or is exactly a line the job could have written', () => {
  const good = Buffer.from(checksumLine(HEX, NAME));
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let b: Buffer = good;
      for (const m of ms) b = applyText(b, m, 0x0a);
      let got: string | undefined;
      try {
        got = parseChecksumFile(b, NAME);
      } catch (e) {
        assert.ok(e instanceof ChecksumFileError, String(e));
        return;
      }
      // Passing means it is byte for byte the job's line for that digest and this archive.
      assert.match(got, /^[0-9a-f]{64}$/);
      assert.deepEqual(b, Buffer.from(checksumLine(got, NAME)));
    }),
    { seed: 1414, numRuns: 3000 },
  );
});

test('property: any bytes give a digest only in sha256sum\'s exact form', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(textMutation, { maxLength: 3 }), (raw, ms) => {
      let b: Buffer = Buffer.concat([Buffer.from(`${HEX}  -\n`), Buffer.from(raw)]);
      for (const m of ms) b = applyText(b, m, 0x0a);
      const s = b.toString('utf8');
      const got = parseSha256Output(s);
      if (got !== undefined) assert.match(s, /^[0-9a-f]{64}(?: {2}-| \*stdin)\n?$/);
    }),
    { seed: 1415, numRuns: 3000 },
  );
});

test('a checksum mismatch is exit 2 whatever the listing says; the hash deadline grows with the archive', () => {
  const report = (verdict: string) => ({ verdict }) as never;
  assert.equal(exitOfValidation({ report: report('complete'), checksum: 'mismatch' }), 2);
  assert.equal(exitOfValidation({ report: report('complete'), checksum: 'ok' }), 0);
  assert.equal(exitOfValidation({ report: report('complete'), checksum: 'absent' }), 0);
  assert.equal(exitOfValidation({ report: report('incomplete'), checksum: 'not-checked' }), 1);
  assert.ok(hashDeadlineMs(10_000, 8 * 2 ** 30) > hashDeadlineMs(10_000, 2 ** 30));
  assert.ok(hashDeadlineMs(10_000, 8 * 2 ** 30) >= (8 * 2 ** 30) / 10_000);
});
