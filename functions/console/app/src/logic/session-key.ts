/** The part of Web Storage the console uses (sessionStorage in the browser; a Map in tests). */
export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const STORAGE_KEY = 'optgate.console.apiKey';

/** What the API accepts as a bearer key: 10 to 200 visible characters, no spaces. */
export function isPlausibleKey(value: string): boolean {
  return /^\S{10,200}$/.test(value);
}

/**
 * The account key, entered once per browser tab: sessionStorage survives reloads but not closing
 * the tab, and is never sent anywhere but the Authorization header of the console's own API calls.
 */
export function readKey(storage: KeyStorage): string | undefined {
  try {
    const value = storage.getItem(STORAGE_KEY);
    return value && isPlausibleKey(value) ? value : undefined;
  } catch {
    // Storage can be disabled (privacy settings); the key then lasts until the page is reloaded.
    return undefined;
  }
}

export function saveKey(storage: KeyStorage, key: string): void {
  try {
    storage.setItem(STORAGE_KEY, key);
  } catch {
    // See readKey.
  }
}

export function forgetKey(storage: KeyStorage): void {
  try {
    storage.removeItem(STORAGE_KEY);
  } catch {
    // See readKey.
  }
}
