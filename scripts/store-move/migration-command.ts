/**
 * The command dispatch shared by `npm run store-move` and `npm run reembed`: both parse their own flags,
 * then hand the command to one runner so status, watch, the actions, printing and exit codes behave the
 * same for every migration kind.
 */
import type { MoveView, StoreMoveClient } from './store-move-client.ts';

export type MigrationAction = Parameters<StoreMoveClient['action']>[0];

export interface MigrationCommand {
  command: string | undefined;
  client: StoreMoveClient;
  /** The actions this migration kind accepts besides start, status and watch. */
  actions: readonly MigrationAction[];
  /** Starts the migration from the parsed flags, or answers `undefined` when a required flag is missing. */
  start: () => Promise<MoveView> | undefined;
  queue: boolean;
  usage: string;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const USAGE_EXIT = 2;

/** Runs one command and answers the process exit code; request failures throw (exit 1 in `runMain`). */
export async function runMigrationCommand(c: MigrationCommand): Promise<number> {
  const view = await viewFor(c);
  if (view === undefined) {
    c.err(c.usage);
    return USAGE_EXIT;
  }
  c.out(JSON.stringify(view, null, 2));
  return 0;
}

function viewFor(c: MigrationCommand): Promise<MoveView> | undefined {
  switch (c.command) {
    case 'start':
      return c.start();
    case 'status':
      return c.client.status();
    case 'watch':
      return c.client.watch().then((view) => {
        c.err('');
        return view;
      });
    default: {
      const action = c.actions.find((name) => name === c.command);
      return action === undefined ? undefined : c.client.action(action, { queue: c.queue });
    }
  }
}

/** Exits with the command's code; an error becomes its message on stderr and exit 1. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
