import { describe, expect, it } from 'vitest';
import {
  assertTestTarget,
  checkMigrationInterlock,
  MigrationInterlockError,
  parseDataTarget,
  redactUri,
  TestTargetRefusedError,
  WORKING_CONFIRMATION,
} from './target-marker.ts';

const store = 'mongodb://127.0.0.1:27017/ promethean_discord_duck';

function refusal(run: () => unknown): MigrationInterlockError {
  try {
    run();
  } catch (error) {
    if (error instanceof MigrationInterlockError) return error;
    throw error;
  }
  throw new Error('the interlock did not refuse');
}

describe('target markers and migration interlocks', () => {
  it('tests refuse a store marked working, naming it', () => {
    expect(() => assertTestTarget(store, 'working')).toThrow(TestTargetRefusedError);
    expect(() => assertTestTarget(store, 'working')).toThrow(
      /promethean_discord_duck.*"working", not "test"/,
    );
  });

  it('tests refuse an unmarked store', () => {
    expect(() => assertTestTarget(store, 'unmarked')).toThrow(/"unmarked", not "test"/);
  });

  it('tests accept a store marked test', () => {
    expect(() => assertTestTarget(store, 'test')).not.toThrow();
  });

  it('refuses without MIGRATION_TARGET', () => {
    const e = refusal(() => checkMigrationInterlock({ requested: 'test', env: {}, marker: 'test', store }));
    expect(e.check).toBe('migration-target');
  });

  it('refuses a MIGRATION_TARGET that is not test or working', () => {
    const env = { MIGRATION_TARGET: 'prod' };
    expect(
      refusal(() => checkMigrationInterlock({ requested: undefined, env, marker: 'test', store })).check,
    ).toBe('migration-target');
  });

  it('refuses when --target disagrees with MIGRATION_TARGET', () => {
    const env = { MIGRATION_TARGET: 'test' };
    const e = refusal(() => checkMigrationInterlock({ requested: 'working', env, marker: 'test', store }));
    expect(e.check).toBe('target-mismatch');
  });

  it('refuses MIGRATION_TARGET=test against a working database', () => {
    const env = { MIGRATION_TARGET: 'test' };
    const e = refusal(() => checkMigrationInterlock({ requested: 'test', env, marker: 'working', store }));
    expect(e.check).toBe('marker-mismatch');
    expect(e.message).toContain('promethean_discord_duck');
  });

  it('treats an unmarked database as working', () => {
    const env = { MIGRATION_TARGET: 'test' };
    expect(
      refusal(() => checkMigrationInterlock({ requested: 'test', env, marker: 'unmarked', store })).check,
    ).toBe('marker-mismatch');
  });

  it('refuses MIGRATION_TARGET=working against a test database', () => {
    const env = { MIGRATION_TARGET: 'working', MIGRATION_CONFIRM: WORKING_CONFIRMATION };
    expect(
      refusal(() => checkMigrationInterlock({ requested: 'working', env, marker: 'test', store })).check,
    ).toBe('marker-mismatch');
  });

  it('refuses working without the exact confirmation', () => {
    for (const confirm of [
      undefined,
      '',
      'yes',
      `${WORKING_CONFIRMATION} `,
      WORKING_CONFIRMATION.toLowerCase(),
    ]) {
      const env = {
        MIGRATION_TARGET: 'working',
        ...(confirm !== undefined && { MIGRATION_CONFIRM: confirm }),
      };
      const e = refusal(() =>
        checkMigrationInterlock({ requested: 'working', env, marker: 'working', store }),
      );
      expect(e.check).toBe('working-confirmation');
    }
  });

  it('passes a test target on a test database, and a confirmed working target on a working one', () => {
    expect(
      checkMigrationInterlock({
        requested: 'test',
        env: { MIGRATION_TARGET: 'test' },
        marker: 'test',
        store,
      }),
    ).toBe('test');
    const env = { MIGRATION_TARGET: 'working', MIGRATION_CONFIRM: WORKING_CONFIRMATION };
    expect(checkMigrationInterlock({ requested: 'working', env, marker: 'working', store })).toBe('working');
  });

  it('parses configured targets and redacts passwords', () => {
    expect(parseDataTarget('test', 'DATA_TARGET')).toBe('test');
    expect(() => parseDataTarget('staging', 'DATA_TARGET')).toThrow(
      /DATA_TARGET must be "test" or "working"/,
    );
    expect(redactUri('mongodb://u:secret@h:1/')).toBe('mongodb://u:***@h:1/');
  });
});
