import { describe, expect, it } from 'vitest';
import { plainDetails } from '../../src/errors/plain.js';

// errors/plain.ts: grpc-js's transport text in plain words. Each rule on its own, at its edges:
// OpenSSL strings, timestamps, whitespace, an empty "Resolution note:", repeated sentences, and
// the punctuation left behind.

describe('plainDetails: OpenSSL error strings', () => {
  it('keeps the reason of a string without a thread id or an alert number', () => {
    expect(
      plainDetails(
        'Last error: error:0A000086:SSL routines::certificate verify failed:../deps/openssl/openssl/ssl/statem/statem_clnt.c:1889:',
      ),
    ).toBe('Last error: certificate verify failed');
  });

  it('keeps the reason and alert number of a string with a thread id', () => {
    expect(
      plainDetails(
        'Last error: 40C7E1F5E57F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 42',
      ),
    ).toBe('Last error: sslv3 alert bad certificate (TLS alert 42)');
  });

  it('trims the reason', () => {
    expect(plainDetails('[error:0A000086:SSL routines:: certificate verify failed :ssl.c:1:]')).toBe(
      '[certificate verify failed]',
    );
  });
});

describe('plainDetails: timestamps and whitespace', () => {
  it('drops a timestamp with or without brackets, fraction or a space before it', () => {
    expect(plainDetails('failed(2026-11-29T18:00:00.000Z)')).toBe('failed');
    expect(plainDetails('failed at 2026-11-29T18:00:00Z')).toBe('failed at');
    expect(plainDetails('failed (2026-11-29T18:00:00Z')).toBe('failed');
    expect(plainDetails('failed  (2026-11-29T18:00:00.123456Z) twice')).toBe('failed twice');
  });

  it('trims the text at both ends', () => {
    expect(plainDetails('\n  Connection dropped \n')).toBe('Connection dropped');
  });

  it('turns every run of whitespace into one space', () => {
    expect(plainDetails('connect\n\n  ECONNREFUSED\t\t127.0.0.1:1')).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('plainDetails: an empty "Resolution note:"', () => {
  it('drops it, with the full stop before it if there is one', () => {
    expect(plainDetails('Last error: refused Resolution note: ')).toBe('Last error: refused');
    expect(plainDetails('Last error: refused.Resolution note: ')).toBe('Last error: refused');
    expect(plainDetails('Last error: refused. Resolution note:')).toBe('Last error: refused');
  });

  it('drops it before a closing full stop, with or without a space after that', () => {
    expect(plainDetails('Last error: refused. Resolution note: .')).toBe('Last error: refused.');
    expect(plainDetails('Last error: refused. Resolution note: . ')).toBe('Last error: refused.');
  });

  it('keeps a note that says something, also when a full stop comes first', () => {
    expect(plainDetails('Last error: refused. Resolution note: . DNS is down')).toBe(
      'Last error: refused. Resolution note:. DNS is down',
    );
  });
});

describe('plainDetails: a sentence said twice', () => {
  it('says it once, with or without its full stop', () => {
    expect(plainDetails('Connection dropped. Connection dropped')).toBe('Connection dropped.');
    expect(plainDetails('Connection dropped.. Connection dropped.')).toBe('Connection dropped.');
  });

  it('says a clause repeated after a semicolon once', () => {
    expect(plainDetails('Connection dropped; connection dropped')).toBe('Connection dropped');
  });

  it('compares sentences by their lower case', () => {
    expect(plainDetails('CONNECTION DROPPED. Connection dropped.')).toBe('CONNECTION DROPPED.');
    // Upper case would make these one sentence ("STRASSE"); lower case keeps them apart.
    expect(plainDetails('Straße gesperrt. STRASSE GESPERRT.')).toBe('Straße gesperrt. STRASSE GESPERRT.');
  });

  it('keeps distinct sentences that only share a beginning', () => {
    expect(plainDetails('Connection dropped. Connection dropped again.')).toBe(
      'Connection dropped. Connection dropped again.',
    );
  });
});

describe('plainDetails: punctuation left behind', () => {
  it('makes a double full stop one, and joins a full stop to its word', () => {
    expect(plainDetails('Connection dropped..')).toBe('Connection dropped.');
    expect(plainDetails('Connection dropped . .')).toBe('Connection dropped.');
    expect(plainDetails('Connection dropped .')).toBe('Connection dropped.');
  });

  it('drops trailing colons and spaces', () => {
    expect(plainDetails('Last error:')).toBe('Last error');
    expect(plainDetails('Last error: : ')).toBe('Last error');
    expect(plainDetails('Last error::')).toBe('Last error');
  });
});

describe('plainDetails: the example of its documentation', () => {
  it('gives what the example says', () => {
    expect(
      plainDetails(
        'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1 (2026-11-29T18:00:00.000Z). Resolution note: ',
      ),
    ).toBe('No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1');
  });
});
