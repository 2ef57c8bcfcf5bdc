import { describe, expect, it } from 'vitest';
import { forgetKey, isPlausibleKey, readKey, saveKey, type KeyStorage } from '../../../functions/console/app/src/logic/session-key.ts';

function memoryStorage(): KeyStorage & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

/** Storage a browser refuses (privacy settings, full quota). */
const refusingStorage: KeyStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
  removeItem: () => {
    throw new Error('SecurityError');
  },
};

describe('the API key in session storage', () => {
  it('is saved, read back and forgotten', () => {
    const storage = memoryStorage();
    expect(readKey(storage)).toBeUndefined();
    saveKey(storage, 'og_live_0123456789abcdef');
    expect(readKey(storage)).toBe('og_live_0123456789abcdef');
    forgetKey(storage);
    expect(readKey(storage)).toBeUndefined();
    expect(storage.values.size).toBe(0);
  });

  it('ignores a stored value that cannot be a key', () => {
    const storage = memoryStorage();
    saveKey(storage, 'short');
    expect(readKey(storage)).toBeUndefined();
    expect(isPlausibleKey('has a space inside it')).toBe(false);
    expect(isPlausibleKey('x'.repeat(201))).toBe(false);
  });

  it('works without storage: nothing is kept, nothing throws', () => {
    expect(() => saveKey(refusingStorage, 'og_live_0123456789abcdef')).not.toThrow();
    expect(readKey(refusingStorage)).toBeUndefined();
    expect(() => forgetKey(refusingStorage)).not.toThrow();
  });
});
