/**
 * Freezes a value and everything it holds, in place. Every delivery's message goes through here (the
 * router shares one parse among the agents of a delivery), so the walk is indexed: `Object.values` made an
 * array per object of a 100-message page.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) deepFreeze(record[keys[i]!]);
  }
  return Object.freeze(value);
}
