import { describe, expect, it } from 'vitest';
import { DegradationTracker, hostState, sessionState } from './health-state.ts';

const zero = {
  droppedFrames: 0,
  droppedSegments: 0,
  rejectedSegments: 0,
  lostPackets: 0,
  receivedPackets: 0,
};

describe('health states', () => {
  it('degrades on dropped frames for the window, then recovers', () => {
    const t = new DegradationTracker(1_000);
    expect(t.observe(zero, 0)).toBe(false);
    expect(t.observe({ ...zero, droppedFrames: 5 }, 100)).toBe(true);
    expect(t.reason).toBe('dropped 5 frames (receive queue full)');
    expect(t.observe({ ...zero, droppedFrames: 5 }, 1_099)).toBe(true);
    expect(t.observe({ ...zero, droppedFrames: 5 }, 1_100)).toBe(false);
    expect(t.reason).toBeUndefined();
  });

  it('degrades on a burst of packet loss but not on a trickle', () => {
    const t = new DegradationTracker(1_000);
    expect(t.observe({ ...zero, lostPackets: 1, receivedPackets: 99 }, 0)).toBe(false);
    expect(t.observe({ ...zero, lostPackets: 21, receivedPackets: 179 }, 10)).toBe(true);
  });

  it('maps connection status to session state', () => {
    expect(sessionState('signalling', false, false)).toBe('INIT');
    expect(sessionState('connecting', true, false)).toBe('PAUSED');
    expect(sessionState('ready', true, true)).toBe('DEGRADED');
    expect(sessionState('ready', true, false)).toBe('RUNNING');
    expect(sessionState('destroyed', true, false)).toBe('STOPPED');
  });

  it('derives the host state from its sessions and its control connection', () => {
    const up = { started: true, stopping: false, control: 'connected', controlEverConnected: true } as const;
    expect(hostState(['RUNNING'], { ...up, started: false })).toBe('INIT');
    expect(hostState([], { ...up, control: 'disconnected', controlEverConnected: false })).toBe('INIT');
    expect(hostState(['RUNNING'], { ...up, control: 'disconnected' })).toBe('DEGRADED');
    expect(hostState([], { ...up, control: 'disabled' })).toBe('RUNNING');
    expect(hostState(['PAUSED', 'PAUSED'], up)).toBe('PAUSED');
    expect(hostState(['PAUSED', 'RUNNING'], up)).toBe('DEGRADED');
    expect(hostState(['INIT', 'RUNNING'], up)).toBe('RUNNING');
    expect(hostState(['RUNNING'], { ...up, stopping: true })).toBe('STOPPED');
  });
});
