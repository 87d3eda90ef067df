import { describe, expect, it } from 'vitest';
import { EnergyVad, frameDbfs, SILENCE_DB } from './energy-vad.ts';
import { SpeechGate } from './speech-gate.ts';
import { VadConfig } from './vad-config.ts';

const cfg = VadConfig.parse({ hangover_ms: 100, min_speech_ms: 60, adaptive: false });
const tone = (amp: number) => Int16Array.from({ length: 960 }, (_, i) => Math.round(amp * Math.sin(i / 5)));

describe('EnergyVad', () => {
  it('measures RMS in dBFS', () => {
    expect(frameDbfs(new Int16Array(960))).toBe(SILENCE_DB);
    expect(frameDbfs(new Int16Array(960).fill(32767))).toBeCloseTo(0, 1);
    expect(frameDbfs(tone(3277))).toBeCloseTo(-23, 0);
  });

  it('starts at the start threshold and holds down to the stop threshold', () => {
    const vad = new EnergyVad(
      VadConfig.parse({ start_threshold_db: -30, stop_threshold_db: -40, adaptive: false }),
    );
    expect(vad.classify(tone(400))).toBe(false); // about -41 dBFS
    expect(vad.classify(tone(1500))).toBe(true); // about -30 dBFS
    expect(vad.classify(tone(500))).toBe(true); // -39: still above the stop threshold
    expect(vad.classify(tone(300))).toBe(false);
  });

  it('raises the start level over a steady noise floor when adaptive', () => {
    const vad = new EnergyVad(
      VadConfig.parse({ start_threshold_db: -50, stop_threshold_db: -55, noise_margin_db: 12 }),
    );
    for (let i = 0; i < 100; i++) vad.classify(tone(100)); // steady ~ -53 dBFS hum: below start at first
    expect(vad.noiseFloorDb).toBeGreaterThan(-60);
    expect(vad.classify(tone(300))).toBe(false); // -44 dBFS would pass -50, but not floor + 12
  });
});

describe('SpeechGate', () => {
  it('opens, confirms after min_speech_ms, closes after the hangover', () => {
    const g = new SpeechGate(cfg);
    const kinds = (ts: number, v: boolean) => g.frame(ts, v).map((e) => e.kind);
    expect(kinds(0, true)).toEqual(['open']);
    expect(kinds(20, true)).toEqual([]);
    expect(kinds(40, true)).toEqual(['confirmed']);
    expect(kinds(60, false)).toEqual([]);
    expect(kinds(80, false)).toEqual([]);
    expect(g.frame(140, false)).toEqual([
      { kind: 'close', lastVoicedEnd: 60, closedAt: 160, confirmed: true },
    ]);
  });

  it('closes by idle time when frames stop coming, unconfirmed for a click', () => {
    const g = new SpeechGate(cfg);
    g.frame(0, true);
    expect(g.idle(99)).toEqual([]);
    expect(g.idle(120)).toEqual([{ kind: 'close', lastVoicedEnd: 20, closedAt: 120, confirmed: false }]);
  });

  it('closes before a frame that comes after a long jump', () => {
    const g = new SpeechGate(cfg);
    g.frame(0, true);
    expect(g.frame(1_000, true).map((e) => e.kind)).toEqual(['close', 'open']);
  });
});
