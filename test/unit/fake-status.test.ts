import { describe, expect, it } from 'vitest';
import { Code, ErrorInfo, Food, PantryError } from '../../src/index.js';
import { goQuote, runeCount } from '../../src/testing/fake/go-format.js';
import { asStatus, detail, fakeStatus } from '../../src/testing/fake/status.js';

describe('fake statuses', () => {
  it('detail() names a google.rpc type itself and needs the full name of any other', () => {
    const info = detail(ErrorInfo, { reason: 'QUOTA', domain: 'test' });
    expect(info.type).toBe('google.rpc.ErrorInfo');
    expect(ErrorInfo.decode(info.value)).toMatchObject({ reason: 'QUOTA', domain: 'test' });
    expect(() => detail(Food, { name: 'x' })).toThrow(/not a google\.rpc error detail type; pass its full name/);
    expect(detail(Food, { name: 'x' }, 'pantry.v1.Food')).toMatchObject({
      type: 'pantry.v1.Food',
      message: { name: 'x' },
    });
  });

  it('fakeStatus is a PantryError with the raw message; asStatus keeps one and makes UNKNOWN of anything else', () => {
    const s = fakeStatus(Code.NOT_FOUND, 'gone', [detail(ErrorInfo, { reason: 'GONE' })]);
    expect(PantryError.is(s)).toBe(true);
    expect(s).toMatchObject({ code: Code.NOT_FOUND, details: 'gone', reason: 'GONE' });
    expect(asStatus(s)).toBe(s);
    expect(asStatus(new Error('boom'))).toMatchObject({ code: Code.UNKNOWN, details: 'boom' });
    expect(asStatus('text')).toMatchObject({ code: Code.UNKNOWN, details: 'text' });
  });

  it("quotes like Go's %q and counts characters like utf8.RuneCountInString", () => {
    expect(goQuote('2027-13-40')).toBe('"2027-13-40"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\u0001\u007f\n保存')).toBe('"\\x01\\x7f\\n保存"');
    expect(runeCount('保存水')).toBe(3);
    expect(runeCount('🍙🍙')).toBe(2);
  });
});
